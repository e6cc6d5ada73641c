#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# setup.sh: from a fresh Debian 12 clone, install what cella needs, build it
# and run a first container.
#
#   sudo scripts/setup.sh              install build deps, make, run a demo
#   sudo scripts/setup.sh --deps-only  install build and test deps only (CI)
set -euo pipefail

cd "$(dirname "$0")/.."

deps_only=0
case "${1:-}" in
"") ;;
--deps-only) deps_only=1 ;;
-h | --help)
	sed -n '4,8p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "setup.sh: unknown option: $1" >&2
	exit 2
	;;
esac

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root (sudo scripts/setup.sh)" >&2
	exit 1
fi

# Build deps, then what the test suite needs. libsystemd-dev: sd-bus for
# cella-systemd, the systemd cgroup driver's helper (the runtime itself is
# linked statically and never loads libsystemd).
build_pkgs=(gcc make pkg-config libc6-dev libjansson-dev libseccomp-dev libcap-dev
	libsystemd-dev busybox-static uidmap python3 python3-pytest clang-format git scdoc)
# Tests, bench and fuzzer: reference runtimes, GNU time, clang with libFuzzer;
# qemu for the pure cgroup v2 VM (make check-v2, tests/vm/run.sh, which
# fetches Debian's kernel package itself with apt-get download); podman
# (with conmon) and containerd (with containerd-shim-runc-v2) for the real
# client tests (tests/integration/test_clients.py); apparmor (apparmor_parser,
# run from the host's /usr by the VM, whose kernel has AppArmor) for
# tests/integration/test_lsm.py; librsvg2-bin (rsvg-convert) renders the
# map's SVG in tests/integration/test_map.py; strace holds back a signalling
# call in tests/integration/test_runtime_files.py and injects errors in
# tests/integration/test_errors.py; python3-jsonschema validates every map
# the tests read against docs/map-schema.json; man-db, bash, zsh and fish
# check the man pages and completions (make check-docs), dpkg-dev gives
# Debian's build flags (make check-distro); cppcheck and clang-tidy for
# make check-static; systemd (booted as PID 1 in the
# VM by make check-systemd).
test_pkgs=(runc crun time util-linux strace clang libclang-rt-14-dev qemu-system-x86 kmod
	podman conmon containerd docker.io apparmor librsvg2-bin python3-jsonschema man-db
	bash zsh fish dpkg-dev cppcheck clang-tidy systemd)

pkgs=("${build_pkgs[@]}")
if [ "$deps_only" = 1 ]; then
	pkgs+=("${test_pkgs[@]}")
fi

missing=()
if ! command -v dpkg-query >/dev/null; then
	echo "setup.sh: not a Debian system: install the packages listed in $0 yourself" >&2
	pkgs=()
fi
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The quick door's own id ranges as root (src/kernel/userns_auto.c): a
# "cella" reservation in /etc/subuid and /etc/subgid past every range there,
# as cella makes it itself on first use; made here too for where /etc is
# read-only later (the v2 VM shares the host's read-only).
for f in /etc/subuid /etc/subgid; do
	touch "$f"
	if ! grep -q '^cella:' "$f"; then
		end=$(awk -F: 'BEGIN { e = 100000 } NF == 3 && $2 + $3 > e { e = $2 + $3 } END { print e }' "$f")
		echo "cella:$(((end + 65535) / 65536 * 65536)):67108864" >>"$f"
	fi
done

if [ "$deps_only" = 1 ]; then
	exit 0
fi

make -j"$(nproc)"

echo
echo "== build/bin/cella run -- sh -c 'hostname; id; ps; cat /proc/mounts'"
build/bin/cella run -- sh -c 'hostname; id; ps; cat /proc/mounts'
