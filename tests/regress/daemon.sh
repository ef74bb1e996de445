#!/bin/sh
# The daemon: run without --foreground submits to it (starting it) and
# follows; Ctrl-C and a dropped terminal (SIGHUP) leave the experiment
# running; two clients watch one experiment; a second experiment queues;
# pause, resume and stop; a daemon killed with -9 leaves its experiment
# to the next daemon, which resumes it; the socket's directory is
# refused when others can enter it.
. "${top_srcdir}/tests/regress/lib.sh"

# A private runtime directory: this test's daemon only.
export XDG_RUNTIME_DIR="$T/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
on_cleanup='"$WAYFINDER" daemon --stop >/dev/null 2>&1'

spec() { # spec NAME SLEEP COUNT
	cat >"$T/$1.yaml" <<YAML
name: $1
params:
  - {name: N, type: int, min: 1, max: $3}
test:
  run: 'sleep $2; echo "v \$N" >> "\$WAYFINDER_RESULTS"'
  repeat: 1
  metrics: [v]
  objective: {metric: v, direction: maximize}
search: {strategy: grid}
YAML
}

# Waits (up to 60 s) until `wayfinder status` shows experiment $1 in
# state $2 (any: in any state).
wait_state() {
	i=0
	while [ $i -lt 300 ]; do
		"$WAYFINDER" status --format json >"$T/st.json" 2>/dev/null
		if awk -v id="$1" -v want="$2" '
		    /"id":/ { gsub(/[^0-9]/, ""); cur = $0 }
		    /"state":/ { s = $0; gsub(/.*"state": "|".*/, "", s);
			if (cur == id && (s == want || want == "any")) found = 1 }
		    END { exit !found }' "$T/st.json"; then
			return 0
		fi
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

spec quick 0.1 4
wf run "$T/quick.yaml"
sed 's/^/# /' "$T/out"
is "$rc" 0 "run without --foreground submits to a daemon it starts"
grep -q "experiment 1 (quick) runs in the daemon" "$T/out"
ok $? "  and says so"
grep -q "^trial 4: 4 (best)" "$T/out"
ok $? "  and follows the trials"
grep -q "experiment 1 (quick) done: 4 trials, 4 measured, 0 failed" "$T/out"
ok $? "  to the end"
wf status
grep -q "the daemon runs" "$T/out" && grep -q " 1  quick  *done  *4/4, 0 failed" "$T/out"
ok $? "status shows the daemon and the experiment"

# Ctrl-C detaches; a dropped terminal (SIGHUP) too.
spec slow 1 6
"$WAYFINDER" run "$T/slow.yaml" >"$T/slow.out" 2>&1 &
pid=$!
wait_state 2 running
sleep 1.2
kill -INT $pid
wait $pid
is "$?" 0 "Ctrl-C: the client exits"
grep -q "detached: experiment 2 goes on in the daemon" "$T/slow.out"
ok $? "  saying the experiment goes on"
spec slow2 1 6
"$WAYFINDER" run "$T/slow2.yaml" >"$T/slow2.out" 2>&1 &
pid=$!
wait_state 3 any
kill -HUP $pid
# Under nohup the client inherits SIGHUP ignored, as it should, and
# follows to the end instead; a shell cannot undo that for its children.
sigign=$(awk '/^SigIgn:/ { print $2 }' /proc/$$/status 2>/dev/null)
case ${sigign#"${sigign%?}"} in
[13579bdfBDF])
	wait $pid 2>/dev/null
	skip "SIGHUP: the client is gone: SIGHUP is ignored by whoever started the tests (nohup?)"
	;;
*)
	wait $pid 2>/dev/null
	is "$?" 129 "SIGHUP: the client is gone"
	;;
esac
wait_state 2 done
ok $? "the detached experiment completes"
wait_state 3 done
ok $? "the one whose terminal hung up completes"
wf results slow --format csv
is "$(grep -c ',done,' "$T/out")" 6 "  with all its trials"

# Two clients watch one experiment; another submitted meanwhile queues.
spec watched 0.5 4
spec queued 0.1 2
"$WAYFINDER" run "$T/watched.yaml" >"$T/w1.out" 2>&1 &
p1=$!
wait_state 4 running
"$WAYFINDER" run "$T/watched.yaml" >"$T/w2.out" 2>&1 &
p2=$!
"$WAYFINDER" run "$T/queued.yaml" >"$T/q.out" 2>&1 &
p3=$!
wait $p1
r1=$?
wait $p2
r2=$?
wait $p3
r3=$?
is "$r1 $r2 $r3" "0 0 0" "two watchers of one experiment and a queued one all end well"
grep -q "experiment 4 (watched) done" "$T/w2.out"
ok $? "the second watcher sees the end"
grep -q "experiment 5 (queued) is queued" "$T/q.out" &&
	grep -q "experiment 5 (queued) done: 2 trials" "$T/q.out"
ok $? "the other experiment waited its turn, then ran"

# Pause, resume, stop.
spec ctl 1 8
"$WAYFINDER" run "$T/ctl.yaml" >"$T/ctl.out" 2>&1 &
pid=$!
wait_state 6 running
sleep 0.5
wf pause ctl
is "$rc" 0 "pause"
wait $pid
is "$?" 0 "  the follower ends when it is paused"
wait_state 6 paused
ok $? "  and the experiment is paused"
done_before=$(awk '/"id": 6/ { f = 1 } f && /"done":/ { gsub(/[^0-9]/, ""); print; exit }' "$T/st.json")
wf resume 6
is "$rc" 0 "resume"
wait_state 6 running
ok $? "  it runs again"
wf stop 6
is "$rc" 0 "stop"
wait_state 6 interrupted
ok $? "  and it is interrupted"
wf stop 6
is "$rc" 1 "stopping it again is an error"
grep -q "experiment 6 is interrupted, not running" "$T/out"
ok $? "  saying why"

# A daemon killed with -9: the next one resumes its experiment.
spec crash 1 8
"$WAYFINDER" run "$T/crash.yaml" >"$T/crash.out" 2>&1 &
pid=$!
wait_state 7 running
sleep 1.5
# This test's daemon: the last one its log says started.
daemon=$(sed -n 's/.*wayfinder daemon\[\([0-9]*\)\]: serving.*/\1/p' \
    "$WAYFINDER_STATE/daemon.log" | tail -1)
kill -9 "$daemon"
wait $pid
is "$?" 1 "the follower of a killed daemon fails"
grep -q "the daemon has gone" "$T/crash.out"
ok $? "  saying so"
wf status
grep -q "no daemon runs" "$T/out" && grep -q " 7  crash  *running" "$T/out"
ok $? "the experiment is left running, with no daemon"
wf daemon
is "$rc" 0 "a new daemon starts"
wait_state 7 done
ok $? "and resumes it to the end"
wf results crash --format csv
is "$(grep -c ',done,' "$T/out")" 8 "  all 8 trials measured"
grep -q "experiment 7: resumed" "$WAYFINDER_STATE/daemon.log"
ok $? "  as its log says"

# Followed or in the foreground, nothing measured is no result.
cat >"$T/allfail.yaml" <<'YAML'
name: allfail
params:
  - {name: A, type: int, values: [1, 2]}
test:
  run: 'exit 1'
  repeat: 1
  metrics: [v]
  objective: {metric: v, direction: maximize}
YAML
wf run "$T/allfail.yaml"
is "$rc" 4 "a followed experiment with no trial measured exits 4"
grep -q "done: 2 trials, 0 measured, 2 failed" "$T/out"
ok $? "  after its summary"

# Only a private socket directory is trusted.
"$WAYFINDER" daemon --stop >/dev/null 2>&1
chmod 755 "$XDG_RUNTIME_DIR/wayfinder"
wf status
grep -q "open to others" "$T/out"
ok $? "a socket directory others can enter is refused"
chmod 700 "$XDG_RUNTIME_DIR/wayfinder"
finish
