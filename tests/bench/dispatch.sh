#!/bin/sh
# The engine's own cost per job, as users feel it: 1,000 trials of a
# spec whose test is `true`, two jobs at once, through the whole engine
# (store, logs, metrics), against GNU parallel and xargs -P2 running the
# same 1,000 commands in the same run. Each tool gets the same command
# and runs it its own way; a second set gives all three `sh -c true`, so
# that a shell is started for every job whatever the tool; as root, a
# third runs wayfinder without its job sandbox, to show what it costs. Prints the
# figures and the ratios; asserts nothing (timings are for people, not
# for `make check`).
#
# usage: dispatch.sh [WAYFINDER] [ROUNDS]
set -eu
wf=${1:-${WAYFINDER:-./wayfinder}}
rounds=${2:-3}
n=1000
command -v parallel >/dev/null || { echo "dispatch: GNU parallel is needed (apt-get install parallel)" >&2; exit 2; }
[ -x "$wf" ] || { echo "dispatch: no wayfinder at $wf" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/wayfinder-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }
rate() { awk -v n=$n -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench NAME COMMAND [WAYFINDER OPTIONS]: median seconds of each tool
bench() {
	cat >"$T/spec.yaml" <<YAML
name: dispatch
params:
  - {name: N, type: int, min: 1, max: $n, when: test}
test:
  run: "$2"
  repeat: 1
  warmup: 0
  objective: {metric: wall_ms, direction: minimize}
search: {strategy: grid, budget: $n}
YAML
	: >"$T/wf"; : >"$T/par"; : >"$T/xargs"
	r=0
	while [ $r -lt "$rounds" ]; do
		r=$((r + 1))
		# Interleaved, so background noise hits all three alike. Each
		# round gets a fresh state directory, as a new experiment.
		t0=$(now)
		"$wf" run "$T/spec.yaml" --foreground --jobs 2 --quiet \
		    --state "$T/state$1$r" ${3:-} >"$T/wf.out"
		since "$t0" >>"$T/wf"
		grep -q "$n trials, $n measured" "$T/wf.out" || {
			cat "$T/wf.out"
			echo "dispatch: wayfinder did not run every trial" >&2
			exit 1
		}
		t0=$(now)
		seq $n | parallel -j2 "$2"
		since "$t0" >>"$T/par"
		t0=$(now)
		# shellcheck disable=SC2086
		seq $n | xargs -P2 -n1 $2
		since "$t0" >>"$T/xargs"
	done
	w=$(median <"$T/wf")
	p=$(median <"$T/par")
	x=$(median <"$T/xargs")
	echo "$n jobs of '$2', 2 at once, median of $rounds rounds${3:+ (wayfinder $3)}:"
	printf '  %-14s %7.3f s  %6s jobs/s\n' wayfinder "$w" "$(rate "$w")" \
	    "GNU parallel" "$p" "$(rate "$p")" "xargs -P2" "$x" "$(rate "$x")"
	awk -v w="$w" -v p="$p" -v x="$x" 'BEGIN {
		printf "  wayfinder: %.2fx GNU parallel'"'"'s jobs per second (target >= 3x), %.2fx xargs'"'"'\n", p / w, x / w }'
}

echo "dispatch on $(nproc) CPUs ($(uname -r)), as $(id -un)"
bench a "true"
bench b "sh -c true"
# As root the jobs run in their sandbox (cgroups, namespaces); the cost
# of it shows against the same run without.
[ "$(id -u)" -ne 0 ] || bench c "true" --no-sandbox
