#!/bin/sh
# Build script of the isolation profile (see README.md).
#
# Wayfinder runs it once, in $WAYFINDER_BUILD_DIR (the spec has no build
# parameters, so every trial shares the one build): it compiles bench.c from
# the spec's directory into $WAYFINDER_BUILD_DIR/bench.
set -eu

die() {
    printf 'build.sh: %s\n' "$*" >&2
    exit 1
}

spec_dir=${WAYFINDER_SPEC_DIR:?WAYFINDER_SPEC_DIR is not set}
build_dir=${WAYFINDER_BUILD_DIR:?WAYFINDER_BUILD_DIR is not set}
cc=${CC:-gcc}

[ -f "$spec_dir/bench.c" ] || die "no bench.c in '$spec_dir'"

"$cc" -std=c11 -O2 -Wall -Wextra -o "$build_dir/bench" "$spec_dir/bench.c"
printf 'build.sh: built %s\n' "$build_dir/bench"
