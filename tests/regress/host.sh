#!/bin/sh
# wayfinder host: check on this host and on a fake /proc and /sys tree;
# tune and restore through the journal (on the fake tree as anyone, on
# this host's ASLR as root); absent knobs change nothing; no tuning
# without root.
. "${top_srcdir}/tests/regress/lib.sh"

CPU=/sys/devices/system/cpu
ASLR=/proc/sys/kernel/randomize_va_space

wf host
is "$rc" 2 "host without a command is a usage error"
wf host frobnicate
is "$rc" 2 "an unknown host command is a usage error"
wf host --help
is "$rc" 0 "host --help"
grep -q "wayfinder host tune" "$T/out"
ok $? "and shows the usage"

# This host.
wf host check
is "$rc" 0 "host check"
for name in governor turbo smt aslr perf_event_paranoid isolation \
    irqbalance swap load; do
	grep -Eq "^$name +(ok|warn|bad|n/a) " "$T/out"
	ok $? "the table has a $name row with a verdict"
done
grep -q "^CPUs examined: " "$T/out"
ok $? "it names the CPUs examined"
if [ -e "$CPU/cpu0/cpufreq/scaling_governor" ]; then
	skip "this host has cpufreq"
else
	grep -Eq '^governor +n/a +absent: no cpufreq' "$T/out"
	ok $? "it names the absent cpufreq"
fi
if [ -e "$CPU/intel_pstate/no_turbo" ] || [ -e "$CPU/cpufreq/boost" ] ||
    [ -e "$CPU/cpu0/cpufreq/boost" ]; then
	skip "this host has a turbo switch"
else
	grep -Eq '^turbo +n/a +absent' "$T/out"
	ok $? "it names the absent turbo switch"
fi
case $(cat "$CPU/smt/control" 2>/dev/null) in
on | off | forceoff)
	skip "this host has SMT control"
	;;
*)
	grep -Eq '^smt +n/a ' "$T/out"
	ok $? "SMT control is n/a"
	;;
esac
wf host check --cpus 0
is "$rc" 0 "host check --cpus 0"
grep -q "^CPUs examined: 0$" "$T/out"
ok $? "examines CPU 0 alone"
wf host check --cpus 4000000
is "$rc" 2 "a CPU that is not online is a usage error"
grep -q "CPU 4000000 is not online" "$T/out"
ok $? "and says so"
wf host check --cpus zero
is "$rc" 2 "a bad CPU list is a usage error"

# A fake tree: cpufreq on two CPUs, SMT, ASLR; no turbo switch.
R="$T/root"
for c in 0 1; do
	mkdir -p "$R$CPU/cpu$c/cpufreq"
	echo powersave >"$R$CPU/cpu$c/cpufreq/scaling_governor"
	echo "performance powersave" \
	    >"$R$CPU/cpu$c/cpufreq/scaling_available_governors"
done
echo 0-1 >"$R$CPU/online"
mkdir -p "$R$CPU/smt" "$R/proc/sys/kernel"
echo on >"$R$CPU/smt/control"
echo 2 >"$R$ASLR"
echo quiet >"$R/proc/cmdline"
cp -R "$R" "$T/orig"

wf host check --sysroot "$R"
is "$rc" 0 "host check of a fake tree"
grep -Eq '^governor +warn +powersave on 0-1' "$T/out"
ok $? "powersave is a warning"
grep -q 'wayfinder host tune --governor performance' "$T/out"
ok $? "with what to do"
grep -Eq '^smt +warn ' "$T/out"
ok $? "SMT on is a warning"
grep -Eq '^turbo +n/a ' "$T/out"
ok $? "no turbo switch is n/a"

wf host tune --sysroot "$R" --governor performance --smt off --aslr off \
    --turbo off
is "$rc" 0 "host tune of a fake tree"
grep -q "^4 changes made and journalled" "$T/out"
ok $? "four changes"
grep -q "^turbo: not changed: absent" "$T/out"
ok $? "the absent turbo switch is named"
is "$(cat "$R$CPU/cpu1/cpufreq/scaling_governor")" performance \
    "the governor is written"
is "$(cat "$R$CPU/smt/control")" off "SMT is written"
is "$(cat "$R$ASLR")" 0 "ASLR is written"
wf host check --sysroot "$R"
grep -q "^4 changes to the host are journalled" "$T/out"
ok $? "host check says changes are pending"
wf host tune --sysroot "$R" --governor performance --smt off --aslr off
is "$rc" 0 "tuning again"
grep -q "^nothing changed" "$T/out" && grep -q "already 0" "$T/out"
ok $? "changes nothing"
wf host restore --sysroot "$R"
is "$rc" 0 "host restore"
grep -q "^4 changes undone" "$T/out"
ok $? "undoes four changes"
diff -r "$T/orig" "$R" >"$T/diff" 2>&1
ok $? "every file is back byte for byte"
wf host restore --sysroot "$R"
grep -q "^nothing to restore" "$T/out"
ok $? "a second restore has nothing to do"

cat >"$T/h.yaml" <<'YAML'
name: hosted
params:
  - {name: A, type: int, min: 1, max: 3, when: test}
test:
  run: 'echo "v $A" >> "$WAYFINDER_RESULTS"'
  repeat: 1
  metrics: [v]
  objective: {metric: v, direction: maximize}
host: {governor: performance, aslr: false}
YAML
wf host tune "$T/h.yaml" --aslr on --sysroot "$R"
is "$rc" 0 "host tune SPEC, an option overriding it"
grep -q "^2 changes made" "$T/out" && grep -q "aslr: .* already 2" "$T/out"
ok $? "the spec's governor, the option's ASLR"
wf host restore --sysroot "$R"
diff -r "$T/orig" "$R" >"$T/diff" 2>&1
ok $? "restored byte for byte"
sed '/^host:/d' "$T/h.yaml" >"$T/nohost.yaml"
wf host tune "$T/nohost.yaml" --sysroot "$R"
is "$rc" 0 "a spec without host: tunes nothing"
grep -q "nothing to tune" "$T/out"
ok $? "and says so"
wf host tune --turbo maybe
is "$rc" 2 "--turbo maybe is a usage error"
wf host tune --governor perfomance
is "$rc" 2 "an unknown governor is a usage error"
grep -q "did you mean 'performance'" "$T/out"
ok $? "with a suggestion"

# This host, for real.
if [ "$(id -u)" -ne 0 ]; then
	wf host tune --aslr off
	is "$rc" 1 "host tune without root fails"
	grep -q "needs root" "$T/out"
	ok $? "and says root is needed"
	skip "not root: ASLR cannot be tuned and restored"
	skip "not root: ASLR cannot be tuned and restored"
	skip "not root: cannot tune the governor"
else
	old=$(cat "$ASLR")
	# Whatever happens, leave ASLR as it was.
	trap 'echo "$old" >"$ASLR"; cleanup' EXIT
	if setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$WAYFINDER" --version >/dev/null 2>&1; then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		    env WAYFINDER_STATE="$T/nobody" "$WAYFINDER" host tune \
		    --aslr off >"$T/out" 2>&1
		rc=$?
		is "$rc" 1 "host tune as nobody fails"
		grep -q "needs root" "$T/out"
		ok $? "and says root is needed"
	else
		skip "cannot run wayfinder as nobody (setpriv or permissions)"
		skip "cannot run wayfinder as nobody (setpriv or permissions)"
	fi
	if [ "$old" = 0 ]; then flip=on want=2; else flip=off want=0; fi
	wf host tune --aslr $flip
	is "$rc" 0 "host tune --aslr $flip as root"
	is "$(cat "$ASLR")" "$want" "$ASLR is now $want"
	wf host restore
	is "$rc" 0 "host restore"
	is "$(cat "$ASLR")" "$old" "$ASLR is back to $old"
	if [ -e "$CPU/cpu0/cpufreq" ]; then
		skip "this host has cpufreq"
	else
		wf host tune --governor performance
		if [ "$rc" -eq 0 ] && grep -q "^governor: not changed: no cpufreq" "$T/out" &&
		    grep -q "^nothing changed" "$T/out"; then
			ok 0 "host tune --governor: no cpufreq here, nothing changed"
		else
			ok 1 "host tune --governor: no cpufreq here, nothing changed"
			sed 's/^/# /' "$T/out"
		fi
	fi
fi
wf host restore
grep -q "^nothing to restore" "$T/out"
ok $? "nothing is left to restore"

# A run applies the spec's host: section and undoes it; a run killed
# with -9 leaves it, and the next run undoes it before anything else.
if [ "$(id -u)" -eq 0 ] && [ -w "$ASLR" ]; then
	old=$(cat "$ASLR")
	if [ "$old" = 0 ]; then flip=true want=2; else flip=false want=0; fi
	cat >"$T/tuned.yaml" <<YAML
name: tuned
params:
  - {name: X, type: int, values: [1, 2, 3], when: test}
test:
  run: 'sleep 5'
  repeat: 1
  objective: {metric: wall_ms, direction: minimize}
host: {aslr: $flip}
YAML
	"$WAYFINDER" run "$T/tuned.yaml" --foreground --jobs 1 >"$T/bg.out" 2>&1 &
	bg_pid=$!
	i=0
	while [ "$(cat "$ASLR")" != "$want" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	is "$(cat "$ASLR")" "$want" "a run applies its host: section"
	kill -9 "$bg_pid"
	wait "$bg_pid" 2>/dev/null
	bg_pid=
	is "$(cat "$ASLR")" "$want" "a run killed with -9 leaves it"
	sed -i 's/sleep 5/true/; /^host:/d' "$T/tuned.yaml"
	wf run "$T/tuned.yaml" --foreground
	grep -q "^host: undone (left by a crashed run): " "$T/out"
	ok $? "the next run undoes it first"
	is "$(cat "$ASLR")" "$old" "$ASLR is back to $old"
else
	skip "not root: no host tuning"
	skip "not root: no host tuning"
	skip "not root: no host tuning"
	skip "not root: no host tuning"
fi
finish
