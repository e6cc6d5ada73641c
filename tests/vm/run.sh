#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/vm/run.sh [--setup] CMD [ARGS...]
#
# Run CMD as root, from the repository's top directory, in a throw-away
# virtual machine with a PURE cgroup v2 hierarchy: Debian's own kernel
# (the package linux-image-amd64 depends on, fetched with `apt-get download`
# and unpacked, never installed) booted under qemu-system-x86_64 with
# cgroup_no_v1=all. In the guest:
#   - cgroup2 is mounted on /sys/fs/cgroup, every controller enabled in the
#     root's cgroup.subtree_control (as systemd does);
#   - the repository is shared read-write over virtio-9p at the same path,
#     the host's /usr and /etc read-only (so host binaries, python3 and
#     pytest run unchanged); / is a tmpfs, so pivot_root(2) works;
#   - the modules cella needs (overlay) and the tests need (bfq: BFQ
#     weights on the scratch disk) are loaded at boot;
#   - a 64 MiB scratch disk (virtio, serial cella-scratch) for block I/O
#     limits;
#   - securityfs is mounted: the kernel has AppArmor enabled, and the host's
#     apparmor_parser (package apparmor) loads profiles through it.
# CMD's stdout and stderr (merged) come out on stdout; the exit status is
# CMD's (124: timed out, 125: the VM failed).
#
# Environment: CELLA_VM_HOME (assets, default /var/tmp/cella-vm),
# CELLA_VM_MEM (1G), CELLA_VM_SMP (2), CELLA_VM_TIMEOUT (seconds, 1200),
# CELLA_VM_CONSOLE=1 (copy the guest kernel's console to stderr),
# CELLA_VM_ACCEL (auto: KVM when /dev/kvm is writable and qemu can set up
# its vCPUs, else TCG with a one-line note; kvm; tcg).
# CELLA_VM_SYSTEMD=1 (the host's systemd boots as PID 1 and runs CMD in a
# service, tests/vm/systemd-init).
# Needs: qemu-system-x86 (scripts/setup.sh --deps-only), apt-get, busybox
# (static, the busybox-static package), python3 (to unpack the kernel).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
VMH=${CELLA_VM_HOME:-/var/tmp/cella-vm}
BUSYBOX=${CELLA_VM_BUSYBOX:-/bin/busybox}
# Loaded at boot, with their dependencies (from modules.dep).
BOOT_MODULES="virtio_pci 9pnet_virtio 9p overlay virtio_blk bfq"

die() {
	echo "tests/vm/run.sh: $*" >&2
	exit 125
}

# Module paths (relative to the modules tree) needed by module $1, dependencies
# first.
mod_deps() {
	awk -F': *' -v want="$1" '
		{ dep[$1] = $2; n = split($1, p, "/"); name = p[n]; sub(/\.ko(\.[a-z]+)?$/, "", name)
		  gsub("-", "_", name); byname[name] = $1 }
		function visit(m,   i, n, d) {
			if (m in seen) return; seen[m] = 1
			n = split(dep[m], d, " "); for (i = 1; i <= n; i++) visit(d[i]); print m }
		END { w = want; gsub("-", "_", w); if (!(w in byname)) exit 1; visit(byname[w]) }' \
		"$2/modules.dep"
}

setup() {
	local w pkg kver
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (scripts/setup.sh --deps-only)"
	file_static "$BUSYBOX" || die "$BUSYBOX is not a static busybox (apt-get install busybox-static)"
	mkdir -p "$VMH"
	w=$(mktemp -d "$VMH/.setup.XXXXXX")
	chmod 755 "$w" # apt-get download's _apt user writes there
	trap 'rm -rf "$w"' RETURN
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	if [ -z "$pkg" ]; then
		apt-get update >&2
		pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
	fi
	[ -n "$pkg" ] || die "cannot find the kernel package linux-image-amd64 depends on"
	echo "tests/vm/run.sh: setup: apt-get download $pkg (unpacked, not installed)" >&2
	(cd "$w" && { apt-get download "$pkg" >&2 || { apt-get update >&2 && apt-get download "$pkg" >&2; }; }) ||
		die "apt-get download $pkg failed"
	dpkg-deb -x "$w"/"$pkg"_*.deb "$w/x"
	kver=$(ls "$w/x/lib/modules")
	# modules.dep is made at install time: make it here.
	if command -v depmod >/dev/null; then
		depmod -b "$w/x" "$kver"
	else
		"$BUSYBOX" depmod -b "$w/x" "$kver"
	fi
	# The initramfs: busybox, the boot modules, the init script.
	mkdir -p "$w/root/vm/bin" "$w/root/vm/ko"
	cp "$BUSYBOX" "$w/root/vm/bin/busybox"
	for m in $BOOT_MODULES; do
		mod_deps "$m" "$w/x/lib/modules/$kver" >>"$w/mods" || die "module $m not in $pkg"
	done
	for p in $(awk '!seen[$0]++' "$w/mods"); do
		cp "$w/x/lib/modules/$kver/$p" "$w/root/vm/ko/"
		basename "$p" >>"$w/root/vm/ko/order"
	done
	cp "$REPO/tests/vm/init" "$w/root/init"
	chmod 755 "$w/root/init"
	(cd "$w/root" && find . | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$w/initrd.gz"
	# An uncompressed vmlinux boots a few seconds faster under emulation
	# (qemu's PVH entry): unpack the xz payload of the bzImage.
	python3 - "$w/x/boot/vmlinuz-$kver" "$w/vmlinux" <<'PY' || cp "$w/x/boot/vmlinuz-$kver" "$w/vmlinux"
import lzma, sys
d = open(sys.argv[1], "rb").read()
off = d.find(b"\xfd7zXZ\x00")
if off < 0:
    sys.exit(1)
open(sys.argv[2], "wb").write(lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d[off:]))
PY
	mv -f "$w/vmlinux" "$VMH/vmlinux"
	mv -f "$w/initrd.gz" "$VMH/initrd.gz"
	assets_sum >"$VMH/init.sum"
	echo "$kver" >"$VMH/kver"
	echo "tests/vm/run.sh: setup done: kernel $kver in $VMH" >&2
}

file_static() {
	[ -x "$1" ] && ! LC_ALL=C ldd "$1" >/dev/null 2>&1
}

# What the initramfs is made of: the init script and the module list.
assets_sum() {
	{ cat "$REPO/tests/vm/init"; echo "$BOOT_MODULES"; } | sha256sum | cut -d' ' -f1
}

have_assets() {
	[ -f "$VMH/vmlinux" ] && [ -f "$VMH/initrd.gz" ] && [ -f "$VMH/init.sum" ] &&
		[ "$(cat "$VMH/init.sum")" = "$(assets_sum)" ]
}

if [ "${1:-}" = --setup ]; then
	setup
	exit 0
fi
[ $# -ge 1 ] || {
	sed -n '4,30p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
[ "$(id -u)" = 0 ] || die "run as root"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (scripts/setup.sh --deps-only)"
if ! have_assets; then
	mkdir -p "$VMH"
	(
		flock 9
		have_assets || setup
	) 9>"$VMH/.lock" || exit 125
fi

T=$(mktemp -d /tmp/cella-vm.XXXXXX)
QPID=
cleanup() {
	if [ -n "$QPID" ]; then kill "$QPID" 2>/dev/null || true; fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The job: its command and directory, read by the guest's init from the
# control share (a per-run directory, where the exit status comes back).
mkdir "$T/ctl"
sq() { # quoted for the guest's /bin/sh (dash: no $'...')
	printf "'%s'" "${1//\'/\'\\\'\'}"
}
{
	printf 'cd %s || exit 125\nexec' "$(sq "$REPO")"
	for a in "$@"; do printf ' %s' "$(sq "$a")"; done
	printf '\n'
} >"$T/ctl/job"
printf '%s\n' "$REPO" >"$T/ctl/repo"
if [ "${CELLA_VM_SYSTEMD:-0}" = 1 ]; then
	: >"$T/ctl/systemd"
fi

# KVM where it works: /dev/kvm can exist, be writable and still fail
# (nested virtualisation refusing an MSR: qemu aborts with "failed to set MSR
# 0x10a"). qemu sets up the vCPUs, paused (-S), and quits: a second or so.
kvm_probe() {
	echo quit | timeout -k 5 30 qemu-system-x86_64 -nodefaults -no-user-config -display none \
		-m "${CELLA_VM_MEM:-1G}" -smp "${CELLA_VM_SMP:-2}" -accel kvm -cpu host -S \
		-monitor stdio 2>&1 >/dev/null
}
accel=(-accel tcg -cpu max)
case "${CELLA_VM_ACCEL:-auto}" in
tcg) ;;
kvm) accel=(-accel kvm -cpu host) ;;
*)
	if [ -w /dev/kvm ]; then
		if why=$(kvm_probe); then
			accel=(-accel kvm -cpu host)
		else
			echo "tests/vm/run.sh: /dev/kvm does not work here ($(echo "$why" | grep -m1 . || echo "qemu failed")): using TCG" >&2
		fi
	fi
	;;
esac
share() { # tag path [readonly]
	local p=${2//,/,,}
	printf -- '-fsdev\nlocal,id=%s,path=%s,security_model=%s%s,multidevs=remap\n-device\nvirtio-9p-pci,fsdev=%s,mount_tag=%s\n' \
		"$1" "$p" "${4:-passthrough}" "${3:+,readonly=on}" "$1" "$1"
}
mapfile -t shares < <(
	share repo "$REPO"
	share ctl "$T/ctl"
	share usr /usr ro none
	share etc /etc ro none
)
# A scratch disk for the block I/O tests (sparse; the guest sees it as a
# virtio disk whose serial is cella-scratch).
truncate -s 64M "$T/scratch.img"
: >"$T/console.log"
if [ "${CELLA_VM_CONSOLE:-0}" = 1 ]; then
	tail -f "$T/console.log" >&2 &
fi
set +e
timeout -k 5 "${CELLA_VM_TIMEOUT:-1200}" qemu-system-x86_64 -nodefaults -no-user-config -display none \
	-no-reboot -m "${CELLA_VM_MEM:-1G}" -smp "${CELLA_VM_SMP:-2}" -nic none "${accel[@]}" \
	-kernel "$VMH/vmlinux" -initrd "$VMH/initrd.gz" \
	-append "console=ttyS0 cgroup_no_v1=all panic=-1 quiet" \
	-serial "file:$T/console.log" -serial stdio "${shares[@]}" \
	-drive "file=$T/scratch.img,format=raw,if=none,id=scratch" \
	-device virtio-blk-pci,drive=scratch,serial=cella-scratch </dev/null &
QPID=$!
wait "$QPID"
qrc=$?
QPID=
set -e
if [ -f "$T/ctl/rc" ]; then
	exit "$(cat "$T/ctl/rc")"
fi
if [ "$qrc" = 124 ]; then
	echo "tests/vm/run.sh: timed out" >&2
	exit 124
fi
echo "tests/vm/run.sh: the VM reported no exit status (qemu: $qrc); its console:" >&2
tail -n 40 "$T/console.log" >&2
exit 125
