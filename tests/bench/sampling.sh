#!/bin/sh
# What live sampling costs the engine: one run of two jobs that each burn
# a CPU for SECONDS (default 600, the 10 minutes the sampling target is
# stated for), counting task-clock, context-switches and page-faults,
# once with sample_interval: 500ms and once with sample_interval: 0. The
# engine's own CPU time (utime + stime of the wayfinder process, from
# /proc, its children not included) is read just before it exits. The
# peer is the same engine with sampling off. Prints the figures; asserts
# nothing.
#
# usage: sampling.sh [WAYFINDER] [SECONDS]
set -eu
wf=${1:-${WAYFINDER:-./wayfinder}}
secs=${2:-600}
[ -x "$wf" ] || { echo "sampling: no wayfinder at $wf" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/wayfinder-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
tick=$(getconf CLK_TCK)

# run INTERVAL: prints the engine's CPU seconds and the samples it kept
run() {
	cat >"$T/spec-$1.yaml" <<YAML
name: sampling-$1
params:
  - {name: JOB, type: int, values: [1, 2]}
test:
  run: 'end=\$((\$(date +%s) + $secs)); while [ \$(date +%s) -lt \$end ]; do i=0; while [ \$i -lt 100000 ]; do i=\$((i + 1)); done; done'
  repeat: 1
  timeout: $((secs * 2))s
  pmu: [task-clock, context-switches, page-faults]
  sample_interval: $1
  objective: {metric: task-clock, direction: minimize}
search: {strategy: grid}
YAML
	"$wf" run "$T/spec-$1.yaml" --foreground --quiet --jobs 2 \
	    --state "$T/state" --reserve '' >"$T/out-$1" 2>&1 &
	pid=$!
	cpu=0
	# The last reading before the process is gone: fields 14 and 15.
	while stat=$(cat "/proc/$pid/stat" 2>/dev/null); do
		cpu=$(echo "$stat" | sed 's/.*) //' | awk '{ print $12 + $13 }')
		sleep 0.2
	done
	wait "$pid" || { cat "$T/out-$1" >&2; exit 1; }
	points=$(sqlite3 "$T/state/wayfinder.db" "SELECT coalesce(sum(s.points), 0) FROM series s JOIN jobs j ON j.id = s.job_id JOIN experiments e ON e.id = j.experiment_id WHERE e.name = 'sampling-$1'" 2>/dev/null || echo "?")
	awk -v c="$cpu" -v t="$tick" -v p="$points" 'BEGIN { printf "%.2f %s\n", c / t, p }'
}

on=$(run 500ms)
off=$(run 0)
set -- $on
on_cpu=$1 on_points=$2
set -- $off
off_cpu=$1
echo "engine CPU for 2 jobs x ${secs} s, counting 3 events:"
echo "  sampling every 500ms: ${on_cpu} s (${on_points} samples kept)"
echo "  sampling off:         ${off_cpu} s"
awk -v a="$on_cpu" -v b="$off_cpu" -v s="$secs" 'BEGIN {
	printf "  sampling costs %.2f s of engine CPU, %.3f%% of one CPU over the run\n",
	    a - b, (a - b) / s * 100 }'
