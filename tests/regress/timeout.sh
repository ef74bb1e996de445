#!/bin/sh
# A test that outlives its timeout is ended with everything it started,
# including a double-forked grandchild in its own session; and a test that
# exits leaving a daemon behind does not leave it running.
. "${top_srcdir}/tests/regress/lib.sh"

cat >"$T/hang.sh" <<'SH'
#!/bin/sh
# A daemon the classic way: fork, setsid, fork again.
( setsid sh -c 'sleep 31337 & exit 0' & ) 
sleep 31336
SH
cat >"$T/leave.sh" <<'SH'
#!/bin/sh
( setsid sh -c 'sleep 31338 & exit 0' & )
sleep 0.2
echo "v 1" >> "$WAYFINDER_RESULTS"
SH
cat >"$T/spec.yaml" <<'YAML'
name: timeout
params:
  - {name: MODE, type: str, values: [hang, leave], when: test}
test:
  run: 'exec sh "$WAYFINDER_SPEC_DIR/$MODE.sh"'
  timeout: 1s
  repeat: 1
  metrics: [v]
  objective: {metric: v, direction: maximize}
search: {strategy: grid}
YAML

start=$(date +%s)
wf run "$T/spec.yaml" --foreground
end=$(date +%s)
cat "$T/out" | sed 's/^/# /'
is "$rc" 0 "the run completes (one trial fails, one succeeds)"
grep -q "trial 1: failed: test timed out after 1s in iteration 1" "$T/out"
ok $? "the hanging test is recorded as timed out"
grep -q "trial 2: v 1" "$T/out"
ok $? "the other trial is measured"
grep -q "left 1 process running after it ended; killed" "$T/out"
ok $? "the leftover daemon is reported"
[ $((end - start)) -lt 20 ]
ok $? "the timeout ends the job promptly ($((end - start)) s)"
sleep 0.5
is "$(procs_with 'sleep 3133' | wc -l)" 0 "no process is left behind"
wf results timeout --format csv
csv_col "$T/out" status >"$T/status"
is "$(tr '\n' ' ' <"$T/status")" "done failed " "results record both"
finish
