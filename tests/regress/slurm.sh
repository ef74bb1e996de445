#!/bin/sh
# The Slurm executor on a real cluster (tests/slurm/setup.sh starts a
# one-node one on this machine): a small copy of the quickstart profile
# runs end to end through `wayfinder run --foreground --executor slurm`;
# its jobs show in squeue while they run, every trial completes, and its
# results have the columns of a local run of the same spec. A test past
# its timeout is cancelled in Slurm (scontrol shows the job ended) and
# recorded as timed out; a job cancelled from outside (scancel) is
# recorded as lost and run again, and one cancelled every time (a test,
# or a build) is given up after the spec's retries, as lost, not as a
# failure of its configuration. Without a Slurm that answers, every
# check is skipped, saying why (with tests/slurm/setup.sh's reason when
# it failed).
. "${top_srcdir}/tests/regress/lib.sh"

checks=23
skip_all() {
	i=0
	while [ $i -lt $checks ]; do
		skip "$1"
		i=$((i + 1))
	done
	finish
}

# The cluster: this environment's, or the one setup.sh started.
slurm_find
[ -z "$slurm_why" ] || skip_all "$slurm_why"
echo "# Slurm: $(sinfo --noheader --Node --format='%N %c CPUs %T' | tr '\n' ' ')"

# The quickstart profile, small: three trials of two runs each, and
# polling the queue often.
mkdir -p "$T/q"
cp "$top_srcdir"/profiles/quickstart/* "$T/q/"
sed -e 's/^  repeat: 3/  repeat: 2/' -e 's/^  warmup: 1/  warmup: 0/' \
	-e 's/^search: .*/search: {strategy: random, budget: 3, seed: 1}/' \
	"$top_srcdir/profiles/quickstart/quickstart.yaml" >"$T/q/quickstart.yaml"
printf 'executor: {type: slurm, poll: 500ms}\n' >>"$T/q/quickstart.yaml"

# What squeue shows while the run goes.
(
	while :; do
		squeue --noheader --format='%j %T' 2>/dev/null | grep '^wayfinder-'
		sleep 0.3
	done
) >"$T/squeue.seen" 2>/dev/null &
bg_pid=$!
timeout 600 "$WAYFINDER" run "$T/q/quickstart.yaml" --foreground \
	--executor slurm >"$T/out" 2>&1
rc=$?
kill "$bg_pid" 2>/dev/null
wait "$bg_pid" 2>/dev/null
bg_pid=
sed 's/^/# /' "$T/out"
is "$rc" 0 "the quickstart profile runs through Slurm"
grep -q "executor: slurm: .*start-up probe saw the state directory" "$T/out"
ok $? "the start-up probe found the state directory shared"
grep -q "done: 3 trials, 3 measured, 0 failed" "$T/out"
ok $? "every trial completes"
grep -q "^wayfinder-[0-9]*-[0-9]* RUNNING" "$T/squeue.seen"
ok $? "its jobs show in squeue while they run ($(sort -u "$T/squeue.seen" | wc -l) seen)"
wf results 1 --format csv
cp "$T/out" "$T/slurm.csv"
csv_col "$T/slurm.csv" status >"$T/status"
is "$(sort -u "$T/status" | tr '\n' ' ')" "done " "the results record every trial done"
csv_col "$T/slurm.csv" protections | sort -u >"$T/prot"
grep -q "^slurm:" "$T/prot"
ok $? "the trials' protections say Slurm ran them ($(head -n 1 "$T/prot"))"

# The same spec on this machine: the same columns.
timeout 600 "$WAYFINDER" run "$T/q/quickstart.yaml" --foreground \
	--executor local --new --budget 1 >"$T/out" 2>&1
rc=$?
sed 's/^/# /' "$T/out" | tail -n 3
wf results 2 --format csv
cp "$T/out" "$T/local.csv"
if [ "$rc" -eq 0 ] && [ "$(head -n 1 "$T/local.csv")" = "$(head -n 1 "$T/slurm.csv")" ]; then
	ok 0 "the results have the columns of a local run"
else
	ok 1 "the results have the columns of a local run"
	echo "# local: $(head -n 1 "$T/local.csv")"
	echo "# slurm: $(head -n 1 "$T/slurm.csv")"
fi

# Namespaces on the node: the shim makes them there as it does here, so
# a test that asks for network: none sees only loopback, and its /tmp is
# its own; its protections say so.
cat >"$T/ns.sh" <<'SH'
#!/bin/sh
n=$(tail -n +3 /proc/net/dev | grep -vc '^ *lo:')
echo "ifaces $n" >>"$WAYFINDER_RESULTS"
echo x >"/tmp/wf-slurm-ns.$SLURM_JOB_ID"
SH
cat >"$T/ns.yaml" <<'YAML'
name: slurmns
params:
  - {name: N, type: int, values: [1], when: test}
test:
  run: 'exec sh "$WAYFINDER_SPEC_DIR/ns.sh"'
  network: none
  repeat: 1
  metrics: [ifaces]
  objective: {metric: ifaces, direction: minimize}
search: {strategy: grid}
executor: {type: slurm, poll: 500ms}
YAML
host_ifaces=$(tail -n +3 /proc/net/dev | grep -vc '^ *lo:')
timeout 120 "$WAYFINDER" run "$T/ns.yaml" --foreground --executor slurm \
	>"$T/out" 2>&1
rc=$?
sed 's/^/# /' "$T/out"
if [ "$rc" -eq 0 ] && grep -q "the shim makes the jobs' namespaces on the node" "$T/out"; then
	grep -q "trial 1: ifaces 0 " "$T/out"
	ok $? "network: none under Slurm: the test sees only loopback (this host has $host_ifaces other interfaces)"
	ls /tmp/wf-slurm-ns.* >/dev/null 2>&1
	is "$?" 2 "and its /tmp is private: what it wrote there is gone"
	wf results slurmns --format csv
	csv_col "$T/out" protections >"$T/prot"
	grep -q " ns:mount+pid+ipc+uts+net tmp:private" "$T/prot"
	ok $? "its protections say so ($(head -n 1 "$T/prot"))"
else
	skip "the node does not let the shim make namespaces (rc $rc)"
	skip "the node does not let the shim make namespaces (rc $rc)"
	skip "the node does not let the shim make namespaces (rc $rc)"
fi
rm -f /tmp/wf-slurm-ns.*

# A test that outlives its timeout, one cancelled from outside the first
# time it runs, and one cancelled every time.
cat >"$T/job.sh" <<'SH'
#!/bin/sh
echo "$SLURM_JOB_ID" >>"$WAYFINDER_SPEC_DIR/ids.$MODE"
case $MODE in
hang) sleep 1000 ;;
always) [ -e "$WAYFINDER_SPEC_DIR/cancelled" ] && sleep 1000 ;;
once)
	if [ ! -e "$WAYFINDER_SPEC_DIR/once" ]; then
		touch "$WAYFINDER_SPEC_DIR/once"
		sleep 1000
	fi ;;
esac
echo "v 1" >>"$WAYFINDER_RESULTS"
SH
cat >"$T/fail.yaml" <<'YAML'
name: slurmfail
params:
  - {name: MODE, type: str, values: [hang, once, always], when: test}
test:
  run: 'exec sh "$WAYFINDER_SPEC_DIR/job.sh"'
  timeout: 3s
  repeat: 1
  metrics: [v]
  objective: {metric: v, direction: maximize}
search: {strategy: grid}
executor: {type: slurm, poll: 500ms, retries: 1}
YAML
touch "$T/cancelled"
timeout 300 "$WAYFINDER" run "$T/fail.yaml" --foreground --executor slurm \
	>"$T/out" 2>&1 &
run_pid=$!
# scancel, as someone else would: the first "once" job, every "always".
(
	gone=
	while kill -0 "$run_pid" 2>/dev/null; do
		for id in $(head -n 1 "$T/ids.once" 2>/dev/null) \
			$(cat "$T/ids.always" 2>/dev/null); do
			case " $gone " in *" $id "*) continue ;; esac
			scancel "$id" && gone="$gone $id"
		done
		sleep 0.2
	done
) &
bg_pid=$!
wait "$run_pid"
rc=$?
wait "$bg_pid"
bg_pid=
once_id=$(head -n 1 "$T/ids.once" 2>/dev/null)
sed 's/^/# /' "$T/out"
is "$rc" 0 "a run with a timeout and a cancelled job completes"
grep -q "trial 1: failed: test timed out after 3s in iteration 1" "$T/out"
ok $? "the test past its timeout is recorded as timed out"
hang_id=$(head -n 1 "$T/ids.hang" 2>/dev/null)
state=$(scontrol show job -o "${hang_id:-0}" 2>/dev/null |
	sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
case $state in
CANCELLED | COMPLETED | FAILED | TIMEOUT) ok 0 "its Slurm job $hang_id ended ($state)" ;;
"")
	# Purged already (MinJobAge): then squeue no longer lists it.
	[ -z "$(squeue --noheader --jobs="${hang_id:-0}" 2>/dev/null)" ]
	ok $? "its Slurm job ${hang_id:-?} ended (no longer known)"
	;;
*) ok 1 "its Slurm job $hang_id ended (it is $state)" ;;
esac
grep -q "trial 2: test lost in iteration 1: Slurm job $once_id was cancelled from outside Wayfinder (CANCELLED); running it again" "$T/out"
ok $? "the job cancelled from outside is recorded as lost, and run again"
[ "$(wc -l <"$T/ids.once")" -eq 2 ] && grep -q "trial 2: v 1" "$T/out"
ok $? "its second run is measured"
is "$(wc -l <"$T/ids.always" 2>/dev/null | tr -d ' ')" 2 \
	"a job cancelled every time runs once more than retries: 1 says"
grep -q "trial 3: lost: test lost in iteration 1: Slurm job [0-9]* was cancelled from outside Wayfinder (CANCELLED) (lost 2 times, given up)" "$T/out"
ok $? "then its trial is given up as lost, not as its configuration's failure"
grep -q "done: 3 trials, 1 measured, 1 failed, 1 lost" "$T/out"
ok $? "the run ends with the lost trial counted apart from the failures"
cp "$T/out" "$T/slurmfail.out"
wf results slurmfail --format csv
csv_col "$T/out" status | tr '\n' ' ' >"$T/status"
is "$(cat "$T/status")" "done failed lost " \
	"the results record the lost trial as lost"
wf status
grep -q " slurmfail  *done  *3/3, 1 failed, 1 lost " "$T/out"
ok $? "and status counts it apart: $(grep slurmfail "$T/out" | head -n 1)"

# The same command again, the cluster sound: only the lost trial runs,
# and is measured.
exp=$(sed -n 's/^experiment \([0-9]*\) (slurmfail) done: .*/\1/p' "$T/slurmfail.out")
rm -f "$T/ids.always" "$T/cancelled"
timeout 120 "$WAYFINDER" run "$T/fail.yaml" --foreground --executor slurm \
	>"$T/out" 2>&1
rc=$?
sed 's/^/# /' "$T/out"
[ "$rc" -eq 0 ] && [ "$(wc -l <"$T/ids.always" 2>/dev/null | tr -d ' ')" = 1 ]
ok $? "running the command again runs the lost trial once more"
grep -q "^experiment ${exp:-?} (slurmfail) done: 3 trials, 2 measured, 1 failed, " "$T/out"
ok $? "and it is measured, in experiment ${exp:-?}, the others kept as they were"

# A build cancelled from outside, with no retries: its trial is given up
# as lost, and the build is left to be built again.
cat >"$T/build.yaml" <<'YAML'
name: slurmbuild
params:
  - {name: B, type: int, values: [1], when: build}
build:
  run: 'echo "$SLURM_JOB_ID" >>"$WAYFINDER_SPEC_DIR/ids.build"; exec sleep 1000'
test:
  run: 'echo "v 1" >>"$WAYFINDER_RESULTS"'
  metrics: [v]
  objective: {metric: v, direction: maximize}
search: {strategy: grid}
executor: {type: slurm, poll: 500ms, retries: 0}
YAML
timeout 120 "$WAYFINDER" run "$T/build.yaml" --foreground --executor slurm \
	>"$T/out" 2>&1 &
run_pid=$!
i=0
while [ ! -s "$T/ids.build" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
build_id=$(head -n 1 "$T/ids.build" 2>/dev/null)
[ -n "$build_id" ] && scancel "$build_id"
wait "$run_pid"
sed 's/^/# /' "$T/out"
grep -q "trial 1: lost: build lost: Slurm job ${build_id:-?} was cancelled from outside Wayfinder (CANCELLED) (lost 1 time, given up)" "$T/out"
ok $? "a build lost past its retries gives its trial up as lost"
finish
