#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench.sh: time `/bin/true` in a container through cella, crun and runc, on
# the same OCI bundle. See bench/README.md.
#
#   bench/bench.sh [-n RUNS] [-r cella,crun,runc] [-w] [-k]
#     -n RUNS   runs per runtime (default 50)
#     -r LIST   runtimes to measure, comma separated (default cella,crun,runc)
#     -w        run every runtime inside the private-mount-namespace wrapper
#               that crun needs on this host (fairer comparison, see README)
#     -k        keep the temporary directory (bundle, logs) and print its path
#
# Environment: CELLA (default build/bin/cella), RSS_RUNS (default 5).
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$PWD

runs=50
runtimes=cella,crun,runc
wrap_all=0
keep=0
while getopts "n:r:wkh" opt; do
	case $opt in
	n) runs=$OPTARG ;;
	r) runtimes=$OPTARG ;;
	w) wrap_all=1 ;;
	k) keep=1 ;;
	h)
		sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) exit 2 ;;
	esac
done
case $runs in
'' | *[!0-9]* | 0)
	echo "bench: -n wants a positive number" >&2
	exit 2
	;;
esac

CELLA=${CELLA:-$repo/build/bin/cella}
RSS_RUNS=${RSS_RUNS:-5}

if [ "$(id -u)" != 0 ]; then
	echo "bench: run as root (the runtimes are compared rootful)" >&2
	exit 1
fi

# Reference runtimes and GNU time come from Debian.
need=()
command -v crun >/dev/null || need+=(crun)
command -v runc >/dev/null || need+=(runc)
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null || need+=(python3)
if [ "${#need[@]}" -gt 0 ]; then
	echo "bench: installing ${need[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2
fi

tmp=$(mktemp -d /tmp/cella-bench.XXXXXX)
cleanup() {
	local rt
	for rt in cella crun runc; do
		[ -d "$tmp/root-$rt" ] || continue
		# Delete whatever a failed run left behind, then the state root.
		for id in $(runtime_cmd "$rt" list -q 2>/dev/null); do
			runtime_cmd "$rt" delete -f "$id" >/dev/null 2>&1 || true
		done
	done
	if [ "$keep" = 1 ]; then
		echo "bench: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The bundle: busybox rootfs, `runc spec` with args ["/bin/true"].
bundle=$tmp/bundle
mkdir -p "$bundle"
"$repo/scripts/mkrootfs.sh" "$bundle/rootfs"
(cd "$bundle" && runc spec)
python3 - "$bundle/config.json" <<'EOF'
import json, sys
path = sys.argv[1]
with open(path) as f:
    c = json.load(f)
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
with open(path, "w") as f:
    json.dump(c, f, indent=2)
EOF

# crun 1.8 refuses a hybrid cgroup host ("cgroups in hybrid mode not
# supported"); hide the cgroup2 mount from it by covering it with an empty
# tmpfs in a private mount namespace. Nothing changes in the host's mounts.
hybrid=0
if [ -d /sys/fs/cgroup/unified ] && [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] &&
	[ "$(stat -f -c %T /sys/fs/cgroup/unified)" = cgroup2fs ]; then
	hybrid=1
fi

binary() {
	case $1 in
	cella) echo "$CELLA" ;;
	*) command -v "$1" ;;
	esac
}

wrapped() {
	[ "$hybrid" = 1 ] && { [ "$1" = crun ] || [ "$wrap_all" = 1 ]; }
}

# runtime_argv RT: set `cmd` to the argv prefix running RT with its own
# --root, inside the wrapper if needed.
runtime_argv() {
	local rt=$1 bin
	bin=$(binary "$rt")
	cmd=()
	if wrapped "$rt"; then
		cmd=(unshare -m sh -c
			'mount --make-rprivate / && mount -t tmpfs none /sys/fs/cgroup/unified && exec "$@"'
			wrapper)
	fi
	cmd+=("$bin" --root "$tmp/root-$rt")
}

# runtime_cmd RT ARGS...
runtime_cmd() {
	local cmd
	runtime_argv "$1"
	shift
	"${cmd[@]}" "$@"
}

now_ns() { date +%s%N; }

# measure RT: $runs timed runs into $tmp/times-RT (ms, one a line), then
# $RSS_RUNS runs under /usr/bin/time into $tmp/rss-RT (KiB).
measure() {
	local rt=$1 i t0 t1
	mkdir -p "$tmp/root-$rt"
	: >"$tmp/times-$rt"
	: >"$tmp/rss-$rt"
	# A first untimed run, to warm caches and to fail early with a message.
	if ! runtime_cmd "$rt" run --bundle "$bundle" "bench-$rt-warmup" \
		</dev/null >"$tmp/out-$rt" 2>&1; then
		echo "bench: $rt failed:" >&2
		sed 's/^/  /' "$tmp/out-$rt" >&2
		return 1
	fi
	for ((i = 0; i < runs; i++)); do
		t0=$(now_ns)
		if ! runtime_cmd "$rt" run --bundle "$bundle" "bench-$rt-$i" \
			</dev/null >"$tmp/out-$rt" 2>&1; then
			echo "bench: $rt failed on run $i:" >&2
			sed 's/^/  /' "$tmp/out-$rt" >&2
			return 1
		fi
		t1=$(now_ns)
		echo "$(((t1 - t0) / 1000))" >>"$tmp/times-$rt"
	done
	local cmd
	runtime_argv "$rt"
	for ((i = 0; i < RSS_RUNS; i++)); do
		if /usr/bin/time -f %M -o "$tmp/rss1-$rt" "${cmd[@]}" run --bundle "$bundle" \
			"bench-$rt-rss-$i" </dev/null >/dev/null 2>&1; then
			tail -n 1 "$tmp/rss1-$rt" >>"$tmp/rss-$rt"
		fi
	done
	# `run` deletes its container; make sure nothing is left.
	local left
	left=$(runtime_cmd "$rt" list -q 2>/dev/null || true)
	if [ -n "$left" ]; then
		echo "bench: $rt left containers behind: $left" >&2
		for id in $left; do
			runtime_cmd "$rt" delete -f "$id" >/dev/null 2>&1 || true
		done
	fi
}

# The wrapper's own cost, so that crun's numbers can be read fairly.
measure_wrapper() {
	local i t0 t1
	: >"$tmp/times-wrapper"
	for ((i = 0; i < runs; i++)); do
		t0=$(now_ns)
		unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none /sys/fs/cgroup/unified && exec /bin/true'
		t1=$(now_ns)
		echo "$(((t1 - t0) / 1000))" >>"$tmp/times-wrapper"
	done
}

measured=()
IFS=, read -r -a list <<<"$runtimes"
for rt in "${list[@]}"; do
	case $rt in
	cella | crun | runc) ;;
	*)
		echo "bench: unknown runtime $rt (cella, crun, runc)" >&2
		exit 2
		;;
	esac
	bin=$(binary "$rt" || true)
	if [ -z "$bin" ] || [ ! -x "$bin" ]; then
		echo "bench: $rt: no binary${bin:+ at $bin}; skipped" >&2
		continue
	fi
	echo "bench: $rt: $runs runs of /bin/true ($bin)" >&2
	if measure "$rt"; then
		measured+=("$rt")
	fi
done
if [ "$hybrid" = 1 ]; then
	measure_wrapper
fi

python3 - "$tmp" "$runs" "$hybrid" "$wrap_all" "${measured[@]}" <<'EOF'
import os, sys
tmp, runs, hybrid, wrap_all = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4] == "1"
measured = sys.argv[5:]

def load(name):
    path = os.path.join(tmp, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [int(x) for x in f.read().split() if x.strip().isdigit()]

def pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)

w = [x / 1000 for x in load("times-wrapper")]
wmed = pct(w, 50) if w else 0.0
rows = {}
for rt in measured:
    t = [x / 1000 for x in load(f"times-{rt}")]
    rss = load(f"rss-{rt}")
    wrapped = hybrid and (rt == "crun" or wrap_all)
    med = pct(t, 50)
    # Net: the wrapper's own median taken out, so rows compare fairly.
    net = med - wmed if wrapped else med
    rows[rt] = (med, pct(t, 90), net, max(rss) if rss else None, wrapped)
base = rows["crun"][2] if "crun" in rows else None

print(f"{'runtime':<10}{'runs':>6}{'median ms':>11}{'p90 ms':>9}{'net ms':>9}{'vs crun':>9}"
      f"{'peak RSS KiB':>14}")
for rt, (med, p90, net, rss, wrapped) in rows.items():
    ratio = f"{net / base:.2f}x" if base and base > 0 else "-"
    note = "  (wrapped)" if wrapped else ""
    print(f"{rt:<10}{runs:>6}{med:>11.1f}{p90:>9.1f}{net:>9.1f}{ratio:>9}"
          f"{(rss if rss else '-'):>14}{note}")
if w:
    print(f"\nwrapper alone (unshare -m, tmpfs over /sys/fs/cgroup/unified, exec /bin/true): "
          f"median {wmed:.1f} ms, p90 {pct(w, 90):.1f} ms;\n"
          f"(wrapped) rows include it in median/p90; net ms subtracts its median.")
EOF
