#!/bin/sh
# kill -9 of `wayfinder run --foreground` in the middle of an experiment,
# then a resume that completes it: no finished measurement is lost or
# repeated, interrupted jobs run again, and nothing of the killed run is
# left running. Then the same with Ctrl-C (SIGINT), which stops cleanly.
. "${top_srcdir}/tests/regress/lib.sh"

export RLOG="$T/runs.log"
cat >"$T/spec.yaml" <<'YAML'
name: resume
params:
  - {name: X, type: int, min: 1, max: 40, when: test}
test:
  run: |
    echo "$WAYFINDER_TRIAL $WAYFINDER_ITERATION" >> "$RLOG"
    sleep 0.25
    echo "v $X" >> "$WAYFINDER_RESULTS"
  repeat: 3
  warmup: 1
  metrics: [v]
  objective: {metric: v, direction: maximize}
search: {strategy: random, budget: 12, seed: 4}
YAML

done_trials() {
	"$WAYFINDER" results resume --format csv 2>/dev/null >"$T/r.csv"
	csv_col "$T/r.csv" status | grep -c '^done$'
}

# Start, wait until at least three trials are finished, then kill -9.
"$WAYFINDER" run "$T/spec.yaml" --foreground --jobs 2 >"$T/first.out" 2>&1 &
bg_pid=$!
i=0
while [ "$(done_trials)" -lt 3 ] && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -9 "$bg_pid"
wait "$bg_pid" 2>/dev/null
bg_pid=
before=$(done_trials)
[ "$before" -ge 3 ] && [ "$before" -lt 12 ]
ok $? "killed in the middle ($before of 12 trials done)"
csv_col "$T/r.csv" trial >"$T/trials-before"
csv_col "$T/r.csv" status >"$T/status-before"
paste -d' ' "$T/trials-before" "$T/status-before" | awk '$2 == "done" { print $1 }' | sort >"$T/done-before"
sleep 0.5
is "$(procs_with 'sleep 0.25' | wc -l)" 0 "the killed run's jobs are gone"
cp "$RLOG" "$T/runs-before.log"

wf run "$T/spec.yaml" --foreground --jobs 2
sed 's/^/# /' "$T/out"
is "$rc" 0 "the resumed run completes"
grep -q "resuming experiment 1: $before trials finished" "$T/out"
ok $? "and says it resumed"
wf results resume --format csv
cp "$T/out" "$T/final.csv"
is "$(csv_col "$T/final.csv" status | grep -c '^done$')" 12 "all 12 trials are done"
is "$(csv_col "$T/final.csv" n | sort -u | tr '\n' ' ')" "3 " \
    "every trial has exactly 3 measurements"
is "$(csv_col "$T/final.csv" config | sort -u | wc -l)" 12 \
    "12 distinct configurations"
is "$(csv_col "$T/final.csv" trial | sort -n | tr '\n' ' ')" \
    "1 2 3 4 5 6 7 8 9 10 11 12 " "trials are numbered without gaps"
# Every (trial, iteration) ran; only jobs cut by the kill ran twice.
is "$(sort -u "$RLOG" | wc -l)" 48 "all 48 iterations (12 x 4) ran"
dups=$(sort "$RLOG" | uniq -d | wc -l)
[ "$dups" -le 2 ]
ok $? "at most the 2 running jobs ran again ($dups)"
# No iteration of a trial that was done before the kill ran again.
again=0
for t in $(cat "$T/done-before"); do
	n=$(grep -c "^$t " "$RLOG")
	[ "$n" -eq 4 ] || again=1
done
is "$again" 0 "finished trials were not run again"

# Ctrl-C: a clean stop, recorded, then resumed.
"$WAYFINDER" run "$T/spec.yaml" --foreground --jobs 2 --budget 20 >"$T/int.out" 2>&1 &
bg_pid=$!
i=0
while ! grep -q "resuming" "$T/int.out" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.6
kill -INT "$bg_pid"
wait "$bg_pid"
is "$?" 130 "Ctrl-C exits 130"
bg_pid=
sed 's/^/# /' "$T/int.out"
grep -q "stopping: ending" "$T/int.out"
ok $? "Ctrl-C says it is stopping the running jobs"
grep -q "interrupted: " "$T/int.out"
ok $? "and reports the experiment interrupted"
wf run "$T/spec.yaml" --foreground --jobs 2 --budget 20
is "$rc" 0 "the interrupted experiment resumes"
wf results resume --format csv
is "$(csv_col "$T/out" n | sort -u | tr '\n' ' ')" "3 " \
    "still exactly 3 measurements per trial"
is "$(csv_col "$T/out" status | grep -c '^done$')" 20 "20 trials done"
finish
