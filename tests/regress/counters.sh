#!/bin/sh
# Counters and live samples through the engine and the shim: a test's
# pmu: events become its metrics; a single-threaded busy loop's
# task-clock is within 20% of its wall time; the counters the engine
# attaches while the shim holds the job count the job's children; what
# this host cannot count is said once and never fails a job; an
# objective that cannot be counted stops the run before it starts; live
# samples are published while jobs run and kept per job.
. "${top_srcdir}/tests/regress/lib.sh"

cc=${CC:-cc}
cat >"$T/loop.c" <<'C'
/* Spins until it has had argv[1] seconds of CPU, then reports its wall
 * time and its CPU time, in ms. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
	double s = atof(argv[1]), w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	volatile unsigned long x = 0;
	while (now(CLOCK_PROCESS_CPUTIME_ID) - c0 < s) for (int i = 0; i < 10000; i++) x += i;
	printf("loop_ms %.3f\nloop_cpu_ms %.3f\n", (now(CLOCK_MONOTONIC) - w0) * 1000,
	    (now(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1000);
	return 0;
}
C
if ! "$cc" -O2 -o "$T/loop" "$T/loop.c"; then
	echo "1..0 # SKIP no C compiler to build the busy loop"
	exit 0
fi

# Single-threaded: task-clock (ns) against the loop's own wall time.
cat >"$T/single.yaml" <<YAML
name: single
params:
  - {name: SECS, type: float, values: [0.5, 1.0]}
test:
  run: '"$T/loop" "\$SECS" >> "\$WAYFINDER_RESULTS"'
  repeat: 1
  pmu: [task-clock, cycles, context-switches, perf::PAGE-FAULTS]
  sample_interval: 200ms
  metrics: [loop_ms, loop_cpu_ms]
  objective: {metric: task-clock, direction: minimize}
search: {strategy: grid}
YAML
wf run "$T/single.yaml" --foreground --samples --jobs 1
sed 's/^/# /' "$T/out"
is "$rc" 0 "a run with pmu: events completes"
pmu_note=$(grep -c "counters: cycles: unsupported" "$T/out")
if [ -d /sys/bus/event_source/devices/cpu ] ||
	grep -qx 4 /sys/bus/event_source/devices/*/type 2>/dev/null; then
	is "$pmu_note" 0 "with a hardware PMU, nothing is said about cycles"
else
	is "$pmu_note" 1 "without a hardware PMU, cycles is said unsupported, once"
fi
grep -q "^sample trial [12] iteration 1 cpus [0-9,-]* t=[0-9.]*s task-clock=[0-9.e+]* .*context-switches=" "$T/out"
ok $? "live samples are published while the jobs run"
wf results single --format csv
cp "$T/out" "$T/single.csv"
for m in task-clock context-switches perf::PAGE-FAULTS voluntary_switches \
	involuntary_switches minor_faults major_faults; do
	head -1 "$T/single.csv" | tr ',' '\n' | grep -qx "${m}_median"
	ok $? "metric $m is in the results"
done
# The loop's own CPU time is what task-clock must match, whatever else
# runs; its wall time only when it had its CPU to itself (CI runs tests
# side by side on two CPUs).
ratios() { # ratios COLUMN: task-clock over COLUMN, per trial
	awk -F, -v col="$1" 'NR == 1 { for (i = 1; i <= NF; i++) {
		if ($i == "task-clock_median") a = i; if ($i == col) b = i }
		next } { printf "%.3f\n", $a / 1e6 / $b }' "$T/single.csv"
}
within() { # within FILE: every ratio in 0.8 .. 1.2, and two of them
	awk '{ if ($1 < 0.8 || $1 > 1.2) bad = 1 } END { exit bad || NR != 2 }' "$1"
}
ratios loop_cpu_ms_median >"$T/cpu"
within "$T/cpu"
ok $? "task-clock is within 20% of a busy loop's CPU time ($(tr '\n' ' ' <"$T/cpu"))"
ratios loop_ms_median >"$T/wall"
busy=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "loop_ms_median") w = i;
	if ($i == "loop_cpu_ms_median") c = i } next }
	{ r = $c / $w; if (NR == 2 || r < m) m = r } END { printf "%.2f", m }' "$T/single.csv")
if awk -v b="$busy" 'BEGIN { exit !(b >= 0.9) }'; then
	within "$T/wall"
	ok $? "and of its wall time, having had its CPU ($(tr '\n' ' ' <"$T/wall"))"
else
	skip "the loop had only ${busy} of its CPU (others ran on it): wall time is not CPU time"
fi
check "the samples of trial 1 are kept" \
	"$WAYFINDER" results single --samples 1
head -1 "$T/check.out" | grep -q "^trial,iteration,warmup,job,state,t_ms,task-clock,context-switches,perf::PAGE-FAULTS"
ok $? "  as CSV with a column per counter"
[ "$(wc -l <"$T/check.out")" -ge 2 ]
ok $? "  one row per sample"

# The job's children: the loop runs twice, in two child processes one
# after the other, and once in a grandchild; task-clock counts them all.
cat >"$T/kids.yaml" <<YAML
name: kids
params:
  - {name: N, type: int, values: [1]}
test:
  run: |
    "$T/loop" 0.4 >> "\$WAYFINDER_WORK_DIR/cpu"
    "$T/loop" 0.4 >> "\$WAYFINDER_WORK_DIR/cpu"
    sh -c '"$T/loop" 0.4 >> "\$WAYFINDER_WORK_DIR/cpu"'
    awk '\$1 == "loop_cpu_ms" { s += \$2 } END { print "loops_cpu_ms", s }' "\$WAYFINDER_WORK_DIR/cpu" >> "\$WAYFINDER_RESULTS"
    rm "\$WAYFINDER_WORK_DIR/cpu"
  repeat: 1
  pmu: [task-clock]
  metrics: [loops_cpu_ms]
  objective: {metric: task-clock, direction: minimize}
YAML
wf run "$T/kids.yaml" --foreground
is "$rc" 0 "a job with children runs"
wf results kids --format csv
v=$(csv_col "$T/out" task-clock_median)
c=$(csv_col "$T/out" loops_cpu_ms_median)
awk -v v="$v" -v c="$c" 'BEGIN { r = v / 1e6 / c; exit !(r >= 1 && r < 1.2) }'
ok $? "task-clock counts the job's children and grandchild (${v} ns; their loops had ${c} ms of CPU)"

# An objective this host cannot count is refused before anything runs.
if ! grep -qx 4 /sys/bus/event_source/devices/*/type 2>/dev/null; then
	sed -e 's/name: single/name: nocycles/' \
		-e 's/metric: task-clock/metric: cycles/' \
		"$T/single.yaml" >"$T/nocycles.yaml"
	wf run "$T/nocycles.yaml" --foreground
	is "$rc" 1 "an objective of cycles without a PMU is refused"
	grep -q "the objective 'cycles' cannot be counted on this host: unsupported, no hardware PMU" "$T/out"
	ok $? "  saying why"
else
	skip "this host has a hardware PMU: cycles can be the objective"
	skip "this host has a hardware PMU: cycles can be the objective"
fi

# Sampling off: no series, and the jobs still counted.
sed -e 's/name: single/name: nosamples/' \
	-e 's/sample_interval: 200ms/sample_interval: 0/' \
	"$T/single.yaml" >"$T/nosamples.yaml"
wf run "$T/nosamples.yaml" --foreground --samples
is "$(grep -c '^sample ' "$T/out")" 0 "sample_interval: 0 publishes no samples"
wf results nosamples --samples 1
is "$rc" 1 "  and keeps none"
finish
