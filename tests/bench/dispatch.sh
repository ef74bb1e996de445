#!/bin/sh
# The engine's own cost per job, as users feel it: 1,000 trials of a
# spec whose test is `true`, two jobs at once, through the whole engine
# (store, logs, metrics), against GNU parallel and xargs -P2 running the
# same 1,000 commands in the same run. Prints the figures and the ratios;
# asserts nothing (timings are for people, not for `make check`).
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
cat >"$T/true.yaml" <<YAML
name: dispatch
params:
  - {name: N, type: int, min: 1, max: $n, when: test}
test:
  run: "true"
  repeat: 1
  warmup: 0
  objective: {metric: wall_ms, direction: minimize}
search: {strategy: grid, budget: $n}
YAML

now() { date +%s.%N; }
# rate SECONDS: jobs per second
rate() { awk -v n=$n -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$T/wf"; : >"$T/par"; : >"$T/xargs"
r=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	# Interleaved, so background noise hits all three alike.
	rm -rf "$T/state"
	t0=$(now)
	"$wf" run "$T/true.yaml" --foreground --jobs 2 --quiet --state "$T/state" >"$T/wf.out"
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$T/wf"
	t0=$(now)
	seq $n | parallel -j2 sh -c true
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$T/par"
	t0=$(now)
	seq $n | xargs -P2 -n1 sh -c true
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$T/xargs"
done
grep -q "1000 trials, 1000 measured" "$T/wf.out" || { cat "$T/wf.out"; echo "dispatch: wayfinder did not run all trials" >&2; exit 1; }
w=$(median <"$T/wf"); p=$(median <"$T/par"); x=$(median <"$T/xargs")
echo "dispatch: $n jobs of 'sh -c true', 2 at once, median of $rounds rounds on $(nproc) CPUs"
printf '  %-14s %7.3f s  %6s jobs/s\n' wayfinder "$w" "$(rate "$w")" \
    "GNU parallel" "$p" "$(rate "$p")" "xargs -P2" "$x" "$(rate "$x")"
awk -v w="$w" -v p="$p" -v x="$x" 'BEGIN {
	printf "  wayfinder / GNU parallel: %.2fx the jobs per second (target >= 3x)\n", p / w
	printf "  wayfinder / xargs -P2:    %.2fx\n", x / w }'
