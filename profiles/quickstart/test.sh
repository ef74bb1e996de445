#!/bin/sh
# Test script of the quickstart profile (see README.md).
#
# Runs the matmul binary of the build with the loop order LOOP_ORDER, prints
# its report line and appends "mflops <rate>" to $WAYFINDER_RESULTS.
# matmul exits non-zero if its result is wrong, and so does this script.
set -eu

die() {
    printf 'test.sh: %s\n' "$*" >&2
    exit 1
}

build_dir=${WAYFINDER_BUILD_DIR:?WAYFINDER_BUILD_DIR is not set}
bin=$build_dir/matmul
[ -x "$bin" ] || die "no executable '$bin'"

order=${LOOP_ORDER:-}
case $order in
ijk | ikj | jik | kij) ;;
*) die "bad LOOP_ORDER '$order' (want ijk, ikj, jik or kij)" ;;
esac

# Measured runs multiply for at least 0.25 s; a warmup run needs less.
seconds=0.25
if [ "${WAYFINDER_WARMUP:-0}" = 1 ]; then
    seconds=0.05
fi

out=$("$bin" "$order" "$seconds") || die "matmul failed (exit $?)"
printf '%s\n' "$out"

mflops=$(printf '%s\n' "$out" | sed -n 's/^.*MFLOPS: \([0-9][0-9]*\.[0-9]*\)$/\1/p')
[ -n "$mflops" ] || die "no MFLOPS in the output of matmul"

if [ -n "${WAYFINDER_RESULTS:-}" ]; then
    printf 'mflops %s\n' "$mflops" >>"$WAYFINDER_RESULTS"
fi
