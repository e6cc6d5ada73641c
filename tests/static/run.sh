#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/static/run.sh [--update-baseline]: static analysis (make check-static).
#   - cppcheck (warning, portability, and errors), clean but for the
#     suppressions below, each with its reason;
#   - clang-tidy with the checks of .clang-tidy (bugprone, cert,
#     clang-analyzer, misc; the ones left out are listed there with why), on
#     every .c file of src/ and tools/, two at a time (about a minute and a
#     half of CPU per core). Its findings, counted per file and check, may not
#     exceed tests/static/clang-tidy.baseline: a new one fails, with its
#     message. Where a count falls, --update-baseline lowers it.
set -euo pipefail
cd "$(dirname "$0")/../.."

update=0
[ "${1:-}" = --update-baseline ] && update=1
BUILD=${BUILD:-build}
JOBS=${JOBS:-$(nproc)}
out="$BUILD/static"
mkdir -p "$out"
pkgs="jansson libseccomp libcap"
cflags="-Isrc -D_GNU_SOURCE -std=gnu11 $(pkg-config --cflags $pkgs)"
files=$(git ls-files 'src/*.c' 'tools/*.c')
rc=0

# cppcheck. Suppressed (false positives, checked by hand):
#   memleak in src/util/util.c: x*alloc's failure branch calls oom(), which
#     aborts (cppcheck does not follow the noreturn through the ternary);
#   arrayIndexOutOfBoundsCond in src/inspect/seccomp_inspect.c: ne_add's index
#     stops below N_NE (the last slot is free, checked first);
#   unknownMacro in src/inspect/map_text.c: jansson's json_array_foreach;
#   preprocessorErrorDirective in src/launcher/launcher.c: its #error for a
#     target without its system call glue, which cppcheck's configuration
#     (no __x86_64__) reaches; the Makefile builds it for x86_64 only.
echo "== cppcheck"
if ! cppcheck -q -j"$JOBS" --enable=warning,portability --std=c11 -D_GNU_SOURCE -Isrc \
	--suppress=missingIncludeSystem \
	--suppress=memleak:src/util/util.c \
	--suppress=arrayIndexOutOfBoundsCond:src/inspect/seccomp_inspect.c \
	--suppress=unknownMacro:src/inspect/map_text.c \
	--suppress=preprocessorErrorDirective:src/launcher/launcher.c \
	--error-exitcode=1 --template='{file}:{line}: {severity} {id}: {message}' $files; then
	echo "check-static: cppcheck found the above"
	rc=1
fi

echo "== clang-tidy ($(echo "$files" | wc -l) files, $JOBS at a time)"
# shellcheck disable=SC2086
echo "$files" | xargs -P"$JOBS" -I{} sh -c \
	'clang-tidy -quiet "$1" -- '"$cflags"' > "$2/$(echo "$1" | tr / _).tidy" 2>/dev/null || true' \
	_ {} "$out"
cat "$out"/*.tidy | grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):.*\]$' |
	sed "s|^$PWD/||" | sort -u >"$out/findings.txt" || true
sed -E 's/^([^:]+):[0-9]+:[0-9]+: .*\[([^]]+)\]$/\1 \2/' "$out/findings.txt" | sort | uniq -c |
	awk '{print $2, $3, $1}' >"$out/counts.txt"
if [ "$update" = 1 ]; then
	{
		sed -n '/^#/p' tests/static/clang-tidy.baseline
		cat "$out/counts.txt"
	} >"$out/baseline.new"
	mv "$out/baseline.new" tests/static/clang-tidy.baseline
	echo "tests/static/clang-tidy.baseline updated"
	exit $rc
fi
new=$(awk 'NR == FNR { if ($0 !~ /^#/) base[$1 " " $2] = $3; next }
	{ k = $1 " " $2; if ($3 > (k in base ? base[k] : 0)) print k, $3, "(baseline " (k in base ? base[k] : 0) ")" }' \
	tests/static/clang-tidy.baseline "$out/counts.txt")
if [ -n "$new" ]; then
	echo "check-static: clang-tidy findings beyond tests/static/clang-tidy.baseline:"
	echo "$new"
	while read -r f c _; do
		grep -F "$f:" "$out/findings.txt" | grep -F "[$c]"
	done <<<"$new"
	rc=1
fi
echo "check-static: clang-tidy: $(wc -l <"$out/findings.txt") findings, all in the baseline: $([ -z "$new" ] && echo yes || echo no)"
exit $rc
