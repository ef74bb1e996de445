#!/bin/sh
# Measures the whole quickstart space by hand, the way Wayfinder runs it:
# for each build configuration, writes config.h and runs build.sh; for each
# loop order, runs test.sh once as a warmup and three times measured, with
# the parameters and WAYFINDER_* variables in the environment.  Two workers
# run at once, pinned to CPUs 0 and 1 (as Wayfinder's 2 parallel trials).
#
# usage: sh landscape.sh > landscape.txt
# Each output line: OPT_LEVEL MARCH_NATIVE TILE UNROLL LOOP_ORDER and the
# three measured MFLOPS (MARCH_NATIVE is "-" where it is inactive).
# Takes about 3.5 minutes on a 2-core VM.
set -eu

spec_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/quickstart-landscape.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

worker() { # worker INDEX CPU
	n=0
	for opt in 0 1 2 3; do
		natives=-
		[ "$opt" -ge 2 ] && natives="false true"
		for native in $natives; do
			for tile in 8 16 32 64 128 256 512; do
				for unroll in false true; do
					n=$((n + 1))
					[ $((n % 2)) -eq "$1" ] || continue
					one_build "$2" "$opt" "$native" "$tile" "$unroll"
				done
			done
		done
	done
}

one_build() { # one_build CPU OPT_LEVEL MARCH_NATIVE TILE UNROLL
	cpu=$1 nat=$3 line="$2 $3 $4 $5"
	b=$work/build-$2-$3-$4-$5
	mkdir "$b"
	{
		printf '#define OPT_LEVEL %s\n' "$2"
		case $3 in
		true) echo '#define MARCH_NATIVE 1' ;;
		false) echo '/* #undef MARCH_NATIVE */' ;;
		*) echo '/* MARCH_NATIVE inactive */' ;;
		esac
		printf '#define TILE %s\n' "$4"
		if [ "$5" = true ]; then
			echo '#define UNROLL 1'
		else
			echo '/* #undef UNROLL */'
		fi
	} >"$b/config.h"
	set -- env WAYFINDER_SPEC_DIR="$spec_dir" WAYFINDER_BUILD_DIR="$b" \
	    WAYFINDER_CORES="$cpu" WAYFINDER_CORE_ID0="$cpu" \
	    WAYFINDER_TOTAL_CORES=1 OPT_LEVEL="$2" TILE="$4" UNROLL="$5"
	# An inactive parameter is not in the environment at all.
	[ "$nat" = - ] || set -- "$@" MARCH_NATIVE="$nat"
	(cd "$b" && taskset -c "$cpu" "$@" sh "$spec_dir/build.sh" >build.log)
	for order in ijk ikj jik kij; do
		j=$b/test-$order
		mkdir "$j"
		for it in 0 1 2 3; do
			warm=0
			[ "$it" -eq 0 ] && warm=1
			(cd "$j" && taskset -c "$cpu" "$@" LOOP_ORDER="$order" \
			    WAYFINDER_RESULTS="$j/results-$warm" \
			    WAYFINDER_ITERATION="$it" WAYFINDER_WARMUP="$warm" \
			    sh "$spec_dir/test.sh" >>test.log)
		done
		printf '%s %s %s\n' "$line" "$order" \
		    "$(awk '{ printf "%s%s", sep, $2; sep = " " }' "$j/results-0")"
	done
}

worker 0 0 >"$work/out0" &
pid0=$!
worker 1 1 >"$work/out1" &
pid1=$!
rc=0
wait "$pid0" || rc=1
wait "$pid1" || rc=1
cat "$work/out0" "$work/out1"
exit "$rc"
