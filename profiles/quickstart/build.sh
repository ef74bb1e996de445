#!/bin/sh
# Build script of the quickstart profile (see README.md).
#
# Wayfinder runs it in $WAYFINDER_BUILD_DIR, where it has already written the
# generated config.h (TILE, UNROLL).  OPT_LEVEL and MARCH_NATIVE go on the
# compiler command line.  The binary is $WAYFINDER_BUILD_DIR/matmul.
set -eu

die() {
    printf 'build.sh: %s\n' "$*" >&2
    exit 1
}

spec_dir=${WAYFINDER_SPEC_DIR:?WAYFINDER_SPEC_DIR is not set}
build_dir=${WAYFINDER_BUILD_DIR:?WAYFINDER_BUILD_DIR is not set}
cc=${CC:-gcc}

[ -f "$spec_dir/matmul.c" ] || die "no matmul.c in '$spec_dir'"
[ -f "$build_dir/config.h" ] || die "no config.h in '$build_dir'"

opt=${OPT_LEVEL:-}
case $opt in
0 | 1 | 2 | 3) ;;
*) die "bad OPT_LEVEL '$opt' (want 0, 1, 2 or 3)" ;;
esac

# MARCH_NATIVE is only active (set) when OPT_LEVEL >= 2.
set --
case ${MARCH_NATIVE:-false} in
true) set -- -march=native ;;
false) ;;
*) die "bad MARCH_NATIVE '${MARCH_NATIVE:-}' (want true or false)" ;;
esac

"$cc" -std=c11 -Wall -Wextra "-O$opt" "$@" -I "$build_dir" \
    -o "$build_dir/matmul" "$spec_dir/matmul.c"
printf 'build.sh: built %s with -O%s %s\n' "$build_dir/matmul" "$opt" "$*"
