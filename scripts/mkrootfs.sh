#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mkrootfs.sh DIR: assemble cella's built-in minimal rootfs in DIR from
# Debian's busybox-static: /bin/busybox, one symlink per applet, a passwd and
# group file, a hostname and the usual empty directories.
#
# Idempotent: the tree is built in a temporary sibling directory and renamed
# into place, so DIR is either the old tree or the complete new one. The
# result is owned by root (when run as root) and world-readable (mode 755),
# so an unprivileged user can use it as a rootless container's rootfs.
set -eu

usage() {
	echo "usage: $0 DIR" >&2
	exit 2
}

[ $# -eq 1 ] || usage
dest=$1
[ -n "$dest" ] || usage

BUSYBOX=${BUSYBOX:-/bin/busybox}
if [ ! -x "$BUSYBOX" ]; then
	echo "mkrootfs: $BUSYBOX not found: apt-get install busybox-static" >&2
	exit 1
fi
# The rootfs has no libc: a dynamically linked busybox would not run in it.
if command -v file >/dev/null 2>&1 && file -L "$BUSYBOX" | grep -q 'dynamically linked'; then
	echo "mkrootfs: $BUSYBOX is dynamically linked: apt-get install busybox-static" >&2
	exit 1
fi

dest=${dest%/}
parent=$(dirname -- "$dest")
mkdir -p -- "$parent"
umask 022

tmp=$(mktemp -d "$parent/.rootfs.XXXXXX")
old=
cleanup() {
	[ -z "$tmp" ] || rm -rf -- "$tmp"
	[ -z "$old" ] || rm -rf -- "$old"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

chmod 755 "$tmp"
for d in bin sbin usr usr/bin usr/sbin etc proc sys dev root run var var/tmp home mnt; do
	mkdir -p "$tmp/$d"
done
mkdir -p "$tmp/tmp"
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"

cp -- "$BUSYBOX" "$tmp/bin/busybox"
chmod 755 "$tmp/bin/busybox"

# One symlink per applet, in the directory busybox names for it (--list-full
# prints "usr/bin/env"); fall back to /bin when that flag is missing.
if "$BUSYBOX" --list-full >/dev/null 2>&1; then
	"$BUSYBOX" --list-full
else
	"$BUSYBOX" --list | sed 's|^|bin/|'
fi | while read -r applet; do
	case $applet in
	'' | */busybox | busybox) continue ;;
	esac
	dir=${applet%/*}
	name=${applet##*/}
	[ "$dir" != "$applet" ] || dir=bin
	case $dir in
	bin) target=busybox ;;
	sbin | usr/bin | usr/sbin) target=/bin/busybox ;;
	*)
		dir=bin
		target=busybox
		;;
	esac
	[ -e "$tmp/$dir/$name" ] || [ -L "$tmp/$dir/$name" ] || ln -s "$target" "$tmp/$dir/$name"
done

# Applets a shell script may expect in /bin whichever directory busybox chose.
for a in sh ls cat echo true false sleep id hostname ps mount env; do
	if [ ! -e "$tmp/bin/$a" ] && [ ! -L "$tmp/bin/$a" ]; then
		ln -s busybox "$tmp/bin/$a"
	fi
done

cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$tmp/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
echo cella >"$tmp/etc/hostname"
chmod 644 "$tmp/etc/passwd" "$tmp/etc/group" "$tmp/etc/hostname"

if [ "$(id -u)" = 0 ]; then
	chown -R -h 0:0 "$tmp"
fi

# Swap into place: rename the old tree aside, the new one in, drop the old.
if [ -e "$dest" ] || [ -L "$dest" ]; then
	old=$(mktemp -d "$parent/.rootfs-old.XXXXXX")
	mv -- "$dest" "$old/tree"
fi
mv -- "$tmp" "$dest"
tmp=
