#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/packaging/distro-build.sh: build a fresh copy of the tree (the files
# git tracks, as in a fresh clone, with the working tree's contents) the way
# distributions do:
#   - Debian: dpkg-buildflags with hardening=+all (CFLAGS, CPPFLAGS, LDFLAGS
#     from the environment, as debhelper passes them), warnings as errors;
#   - Fedora: its default %{optflags} and %{build_ldflags} (redhat-rpm-config),
#     without the gcc spec files Debian does not have, and with -flto=auto,
#     whose warnings are listed rather than errors;
#   - cross-compiling's shape: CROSS_COMPILE set (the native triplet, so the
#     result can run here) builds without the build-time seccomp generator,
#     and a generator that cannot run leaves an empty table with a note;
# then `make install` into a DESTDIR with PREFIX, BINDIR and MANDIR,
# install-rootfs, and `make uninstall`, which must leave no file behind.
# Run by `make check-package`.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd -P)
JOBS=${JOBS:-2}
T=$(mktemp -d /tmp/cella-distro.XXXXXX)
trap 'rm -rf "$T"' EXIT

fail() {
	echo "distro-build: FAIL: $*" >&2
	exit 1
}

fresh() { # dir: a copy of the tracked files
	mkdir -p "$1"
	(cd "$SRC" && git ls-files -z | xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$1"
}

step() {
	echo "== distro-build: $*"
}

# Debian.
step "debian (dpkg-buildflags, hardening=+all)"
fresh "$T/debian"
(
	cd "$T/debian"
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	eval "$(dpkg-buildflags --export=sh)"
	echo "CFLAGS=$CFLAGS CPPFLAGS=$CPPFLAGS LDFLAGS=$LDFLAGS"
	make -j"$JOBS" WERROR=1 build/bin/cella build/libexec/cella/cella-systemd man >build.log 2>&1 || { tail -n 30 build.log; exit 1; }
	build/bin/cella --version >/dev/null
) || fail "debian build"

# Fedora (redhat-rpm-config 2026: optflags and build_ldflags, minus -specs=).
step "fedora (%{optflags}, %{build_ldflags})"
FEDORA_CFLAGS="-O2 -flto=auto -ffat-lto-objects -fexceptions -g -grecord-gcc-switches -pipe -Wall \
-Werror=format-security -Wp,-D_FORTIFY_SOURCE=3 -Wp,-D_GLIBCXX_ASSERTIONS -fstack-protector-strong \
-m64 -mtune=generic -fasynchronous-unwind-tables -fstack-clash-protection -fcf-protection \
-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer"
FEDORA_LDFLAGS="-Wl,-z,relro -Wl,--as-needed -Wl,-z,now -Wl,--build-id=sha1 -flto=auto -ffat-lto-objects"
fresh "$T/fedora"
(
	cd "$T/fedora"
	# As packagers build: without WERROR (gcc's link-time optimiser sees
	# across files and warns of maybe-uninitialised values the per-file
	# build cannot see); the warnings are listed.
	make -j"$JOBS" CFLAGS="$FEDORA_CFLAGS" LDFLAGS="$FEDORA_LDFLAGS" \
		build/bin/cella build/libexec/cella/cella-systemd man >build.log 2>&1 || { tail -n 30 build.log; exit 1; }
	if grep -q 'warning:' build.log; then
		echo "warnings with Fedora's flags (not errors for packagers):"
		grep -A3 'warning:' build.log | grep -v '^--$' | head -n 40
	fi
	# Fortify level 3 is the one in force: no -D_FORTIFY_SOURCE=2 of ours.
	if grep -q -- '-D_FORTIFY_SOURCE=2' build.log; then
		echo "a -D_FORTIFY_SOURCE=2 of the Makefile's beside Fedora's level 3"
		exit 1
	fi
	build/bin/cella --version >/dev/null
) || fail "fedora build"

# The user's CFLAGS alone keep the project's flags (-Isrc -std=gnu11).
step "make CFLAGS=-O1 CPPFLAGS=-DCELLA_TEST_CPPFLAGS"
(
	cd "$T/fedora"
	make -j"$JOBS" WERROR=1 CFLAGS=-O1 CPPFLAGS=-DCELLA_TEST_CPPFLAGS build/bin/cella >build2.log 2>&1 ||
		{ tail -n 30 build2.log; exit 1; }
	grep -q -- '-O1' build2.log && grep -q -- '-DCELLA_TEST_CPPFLAGS' build2.log ||
		{ echo "CFLAGS or CPPFLAGS not passed"; exit 1; }
) || fail "CFLAGS/CPPFLAGS on the command line"

# Cross-compiling's shape.
step "CROSS_COMPILE (no build-time seccomp generator)"
fresh "$T/cross"
triplet=$(gcc -dumpmachine)
(
	cd "$T/cross"
	make -j"$JOBS" WERROR=1 CROSS_COMPILE="$triplet-" build/bin/cella >build.log 2>&1 ||
		{ tail -n 30 build.log; exit 1; }
	if [ -e build/gen/gen-seccomp-default ]; then
		echo "the seccomp generator was built"
		exit 1
	fi
	grep -q "^$triplet-gcc " build.log || { echo "CC is not $triplet-gcc"; exit 1; }
	# A generator that cannot run on the build machine: an empty table.
	make -j"$JOBS" build/gen/gen-seccomp-default >/dev/null 2>&1
	chmod -x build/gen/gen-seccomp-default
	touch build/gen/gen-seccomp-default
	make -j"$JOBS" build/bin/cella >gen.log 2>&1 || { cat gen.log; exit 1; }
	grep -q 'note: .*cannot run on this machine' gen.log || { echo "no note"; cat gen.log; exit 1; }
	grep -q 'cella_seccomp_prebuilt\[\] = {{0}}' build/gen/seccomp_prebuilt.c ||
		{ echo "the fallback table is not empty"; exit 1; }
) || fail "cross-compiling"

# Install and uninstall, from the Debian tree.
step "install / install-rootfs / uninstall"
(
	cd "$T/debian"
	D="$T/dest"
	make install DESTDIR="$D" PREFIX=/usr BINDIR=/usr/sbin MANDIR=/usr/share/man >install.log 2>&1 ||
		{ tail -n 30 install.log; exit 1; }
	# (the runtime behind the launcher where the build has one: libexec/cella
	# beside the bin directory, where the installed launcher finds it)
	if [ -x build/libexec/cella/cella ]; then
		[ -x "$D/usr/libexec/cella/cella" ] || { echo "not installed: /usr/libexec/cella/cella"; exit 1; }
	fi
	"$D/usr/sbin/cella" --version | grep -q '^cella version' || { echo "the installed cella does not start"; exit 1; }
	for f in usr/sbin/cella usr/libexec/cella/cella-systemd usr/share/man/man1/cella.1 usr/share/man/man1/cella-run.1 \
		usr/share/man/man1/cella-map.1 usr/share/bash-completion/completions/cella \
		usr/share/zsh/vendor-completions/_cella usr/share/fish/vendor_completions.d/cella.fish; do
		[ -f "$D/$f" ] || { echo "not installed: /$f"; exit 1; }
	done
	if [ -e "$D/usr/share/cella" ]; then
		echo "make install installed the busybox rootfs"
		exit 1
	fi
	make install-rootfs DESTDIR="$D" PREFIX=/usr >>install.log 2>&1 || { tail -n 30 install.log; exit 1; }
	[ -x "$D/usr/share/cella/rootfs/bin/busybox" ] || { echo "install-rootfs: no busybox"; exit 1; }
	make uninstall DESTDIR="$D" PREFIX=/usr BINDIR=/usr/sbin MANDIR=/usr/share/man >>install.log 2>&1
	left=$(find "$D" -type f -o -type l)
	[ -z "$left" ] || { echo "left after make uninstall:"; echo "$left"; exit 1; }
) || fail "install"

echo "distro-build: ok"
