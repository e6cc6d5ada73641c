#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench.sh: every case of issue 17 (OCI run, create/start/state/delete, exec,
# list/state with many live containers, batches, rootless, the quick door)
# through cella, crun, runc, a bare C floor program and bubblewrap, on the
# same bundle, runtimes alternating. See bench/README.md; `bench.sh -h` for
# the flags (the measuring half is bench/bench.py).
#
# This half: check for root, install Debian's crun, runc, bubblewrap when
# missing, build the floor and launch when missing, then run bench.py.
#
# Environment: CELLA (default build/bin/cella), BENCH_BIN (where floor and
# launch are; default build/bench).
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$PWD

if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root (the runtimes are compared rootful)" >&2
	exit 1
fi

need=()
command -v crun >/dev/null || need+=(crun)
command -v runc >/dev/null || need+=(runc)
command -v bwrap >/dev/null || need+=(bubblewrap)
[ -x /usr/bin/python3 ] || command -v python3 >/dev/null || need+=(python3)
command -v setpriv >/dev/null || need+=(util-linux)
if [ "${#need[@]}" -gt 0 ]; then
	echo "bench: installing ${need[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2
fi

bin=${BENCH_BIN:-$repo/build/bench}
if [ ! -x "$bin/floor" ] || [ ! -x "$bin/launch" ]; then
	if [ -n "${BENCH_BIN:-}" ]; then
		echo "bench: no floor or launch in $bin" >&2
		exit 1
	fi
	make -s build/bench/floor build/bench/launch
fi

# Debian's python3 when there is one: the bench uses the standard library only.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
# What the results name as the command that made them.
BENCH_COMMAND="${CELLA:+CELLA=$CELLA }bench/bench.sh${*:+ $*}"
export BENCH_COMMAND
exec "$py" "$repo/bench/bench.py" --repo "$repo" --cella "${CELLA:-$repo/build/bin/cella}" \
	--floor "$bin/floor" --launch "$bin/launch" "$@"
