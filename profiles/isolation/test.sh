#!/bin/sh
# Test script of the isolation profile (see README.md).
#
# Runs the benchmark of the build with the kernel KERNEL over a working set
# of SIZE_KB KiB for a fixed time and prints its report line, which ends in
# "ns_per_line <value>": the spec's regex takes the metric from there.
# REPLICA only makes identical trials distinct and is not used here.
set -eu

die() {
    printf 'test.sh: %s\n' "$*" >&2
    exit 1
}

build_dir=${WAYFINDER_BUILD_DIR:?WAYFINDER_BUILD_DIR is not set}
bin=$build_dir/bench
[ -x "$bin" ] || die "no executable '$bin'"

kernel=${KERNEL:-}
case $kernel in
chase | copy) ;;
*) die "bad KERNEL '$kernel' (want chase or copy)" ;;
esac

size=${SIZE_KB:-}
case $size in
'' | *[!0-9]*) die "bad SIZE_KB '$size' (want a number of KiB)" ;;
esac

# A measured run lasts 0.3 s of benchmark time; a warm-up run 0.1 s.
seconds=0.3
if [ "${WAYFINDER_WARMUP:-0}" = 1 ]; then
    seconds=0.1
fi

exec "$bin" "$kernel" "$size" "$seconds"
