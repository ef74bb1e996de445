#!/bin/sh
# The job sandbox, as root on this machine: a memory hog under memory: 64M
# ends as oom and the search goes on; a fork bomb under pids: 64 is
# contained; a job sees only its own processes and its own /tmp, and
# leaves nothing in the host's; two core-isolated jobs never share a CPU
# and each is held to its CPUs. Without root the checks skip, with the
# reason; they never pass untested.
. "${top_srcdir}/tests/regress/lib.sh"

skip_all() {
	for what in "$@"; do
		tap_n=$((tap_n + 1))
		echo "ok $tap_n # SKIP $what: $reason"
	done
	finish
}
if [ "$(id -u)" -ne 0 ]; then
	reason="not root (cgroups and namespaces need it)"
	skip_all "oom" "fork bomb" "own PIDs" "own /tmp" "core isolation"
fi
if ! [ -d /sys/fs/cgroup/memory ] && ! [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	reason="no cgroup filesystem"
	skip_all "oom" "fork bomb" "own PIDs" "own /tmp" "core isolation"
fi

cat >"$T/limits.yaml" <<'YAML'
name: limits
params:
  - {name: MODE, type: str, values: [hog, bomb, ok], when: test}
test:
  run: |
    case "$MODE" in
    hog) dd if=/dev/zero of=/dev/null bs=200M count=1 iflag=fullblock ;;
    bomb) i=0
          while [ $i -lt 300 ]; do (sleep 29.7531 &) 2>/dev/null; i=$((i + 1)); done
          # Builtins only: no fork is left to count with.
          n=0; for d in /proc/[0-9]*; do n=$((n + 1)); done
          echo "procs $n" >> "$WAYFINDER_RESULTS"
          exit 0 ;;
    ok) echo "procs 1" >> "$WAYFINDER_RESULTS" ;;
    esac
  memory: 64M
  pids: 64
  repeat: 1
  timeout: 30s
  metrics: [procs]
  objective: {metric: procs, direction: minimize}
search: {strategy: grid}
YAML
wf run "$T/limits.yaml" --foreground --jobs 1
sed 's/^/# /' "$T/out"
is "$rc" 0 "the run goes on past the hog"
grep -q "sandbox: cgroup" "$T/out"
ok $? "the sandbox says what is in force"
wf results limits --format csv
cp "$T/out" "$T/r.csv"
grep -q "^,1,[0-9a-f]*,failed,oom: the test went over its memory limit of 64 MiB in iteration 1" "$T/r.csv"
ok $? "the memory hog ends as oom"
procs=$(awk -F, '$2 == 2 { print $6 }' "$T/r.csv")
[ -n "$procs" ] && [ "$procs" -le 70 ]
ok $? "the fork bomb is held under pids: 64 ($procs processes)"
is "$(awk -F, '$2 == 3 { print $4 }' "$T/r.csv")" "done" "and the search went on"
sleep 0.5
is "$(procs_with "sleep 29.7531" | wc -l)" 0 "nothing of the bomb is left"

marker="$T/../wayfinder-marker-$$"
touch "$marker"
cat >"$T/seen.yaml" <<YAML
name: seen
params:
  - {name: X, type: int, values: [1, 2], when: test}
test:
  run: |
    echo "procs \$(ls /proc | grep -c '^[0-9]')" >> "\$WAYFINDER_RESULTS"
    if [ -e "$marker" ]; then echo "marker 1"; else echo "marker 0"; fi >> "\$WAYFINDER_RESULTS"
    echo leak > /tmp/wayfinder-leak-$$
    echo "cpus \$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status | tr , ';')" > "\$WAYFINDER_WORK_DIR/../cpus-\$WAYFINDER_JOB"
  repeat: 1
  metrics: [procs, marker]
  objective: {metric: procs, direction: minimize}
search: {strategy: grid}
YAML
wf run "$T/seen.yaml" --foreground
wf results seen --format csv
cp "$T/out" "$T/s.csv"
n=$(csv_col "$T/s.csv" procs_max | sort -n | tail -1)
[ -n "$n" ] && [ "$n" -le 6 ]
ok $? "a job sees only its own processes ($n in its /proc)"
is "$(csv_col "$T/s.csv" marker_max | sort -u)" "0" "a job does not see the host's /tmp"
[ ! -e "/tmp/wayfinder-leak-$$" ]
ok $? "what a job writes in /tmp stays out of the host's"
rm -f "$marker" "/tmp/wayfinder-leak-$$"

cat >"$T/core.yaml" <<'YAML'
name: core
params:
  - {name: X, type: int, min: 1, max: 8, when: test}
test:
  run: |
    t0=$(date +%s.%N)
    sleep 0.2
    echo "$t0 $(date +%s.%N) $WAYFINDER_CORES $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)" >> "$RUNLOG"
  isolation: core
  repeat: 1
  objective: {metric: wall_ms, direction: minimize}
search: {strategy: grid}
YAML
export RUNLOG="$T/core.log"
wf run "$T/core.yaml" --foreground
is "$rc" 0 "core-isolated jobs run"
is "$(wc -l <"$T/core.log")" 8 "all 8 ran"
awk '{ if ($3 != $4) bad = 1 } END { exit bad }' "$T/core.log"
ok $? "each job is held to its CPU"
awk '{ s[NR] = $1; e[NR] = $2; c[NR] = $3; n = NR }
     END { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (c[i] == c[j] && s[i] < e[j] && s[j] < e[i]) bad = 1
	   exit bad }' "$T/core.log"
ok $? "two core jobs never share a CPU"
overlap=$(awk '{ s[NR] = $1; e[NR] = $2; n = NR }
     END { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (s[i] < e[j] && s[j] < e[i]) o = 1
	   print o + 0 }' "$T/core.log")
is "$overlap" 1 "and both CPUs were used at once"
# Cache partitioning needs resctrl, which this machine may not have: the
# run says so once and goes on without it.
cat >"$T/rdt.yaml" <<'YAML'
name: rdt
params:
  - {name: X, type: int, values: [1, 2], when: test}
test:
  run: "true"
  isolation: core
  cache_ways: 2
  mem_bandwidth: 50
  repeat: 1
  objective: {metric: wall_ms, direction: minimize}
YAML
wf run "$T/rdt.yaml" --foreground
if [ -d /sys/fs/resctrl/info ]; then
	grep -q "sandbox: resctrl: " "$T/out"
	ok $? "resctrl is used where it is"
else
	grep -q "asks for cache_ways or mem_bandwidth, but no resctrl" "$T/out"
	ok $? "without resctrl, the run says so"
fi
is "$rc" 0 "and runs"
# aslr: false and network: none, per job.
cat >"$T/knobs.yaml" <<'YAML'
name: knobs
params:
  - {name: X, type: int, values: [1], when: test}
test:
  run: |
    echo "personality $(cat /proc/self/personality)" >> "$WAYFINDER_RESULTS"
    echo "ifaces $(grep -c ':' /proc/net/dev)" >> "$WAYFINDER_RESULTS"
  aslr: false
  network: none
  repeat: 1
  metrics: [personality, ifaces]
  objective: {metric: ifaces, direction: minimize}
YAML
wf run "$T/knobs.yaml" --foreground
wf results knobs --format json
grep -A1 '"personality": {' "$T/out" | grep -q '"median": 40000'
ok $? "aslr: false turns address randomisation off for the job"
grep -A1 '"ifaces": {' "$T/out" | grep -q '"median": 1.0'
ok $? "network: none leaves the job loopback only"

# Not root: the sandbox degrades, says so, and the trials record it.
if command -v setpriv >/dev/null; then
	mkdir -p "$T/nobody" && chmod 777 "$T/nobody"
	cp "$T/seen.yaml" "$T/nobody/" && chmod 644 "$T/nobody/seen.yaml"
	chmod 755 "$T"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    env WAYFINDER_STATE="$T/nobody/state" "$WAYFINDER" run \
	    "$T/nobody/seen.yaml" --foreground >"$T/out" 2>&1
	rc=$?
	sed 's/^/# /' "$T/out" | head -5
	is "$rc" 0 "as nobody, the run works"
	grep -q "sandbox: not root, so no cgroups and no namespaces" "$T/out"
	ok $? "and says once what it cannot do"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    env WAYFINDER_STATE="$T/nobody/state" "$WAYFINDER" results seen \
	    --format json >"$T/out" 2>&1
	grep -q '"protections": "affinity none"' "$T/out"
	ok $? "and its trials record the protections in force"
else
	tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP no setpriv to run as nobody"
	tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP no setpriv to run as nobody"
	tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP no setpriv to run as nobody"
fi
finish
