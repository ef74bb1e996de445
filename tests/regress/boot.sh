#!/bin/sh
# The boot monitor: the time from a test's exec to a marker on its
# console (standard output) or on the debug port's FIFO, stored as
# boot_time_ms; a job that is the boot only can be ended once booted;
# a marker that never shows fails the trial and says so. Then a real
# boot: the tiny kernel of profiles/boot-time under QEMU, whose boot
# time must move with its build parameters.
. "${top_srcdir}/tests/regress/lib.sh"

# A fake guest: prints a boot log, waits DELAY seconds, then the marker.
cat >"$T/console.yaml" <<'YAML'
name: console
params:
  - {name: DELAY, type: float, values: [0.1, 0.6]}
test:
  run: |
    echo "booting..."
    sleep "$DELAY"
    echo "[ 0.0] guest: Booted in style"
    echo "after the marker"
  boot: {source: console, marker: 'Booted in \w+'}
  repeat: 2
  objective: {metric: boot_time_ms, direction: minimize}
search: {strategy: grid}
YAML
wf run "$T/console.yaml" --foreground
sed 's/^/# /' "$T/out"
is "$rc" 0 "a console boot monitor runs"
wf results console --format csv
cp "$T/out" "$T/console.csv"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "DELAY") d = i;
	if ($i == "boot_time_ms_median") b = i } next }
	{ w = $d * 1000; print $b; if ($b < w || $b > w + 300) bad = 1 }
	END { exit bad || NR != 3 }' "$T/console.csv" >"$T/times"
ok $? "boot_time_ms follows the delay before the marker ($(tr '\n' ' ' <"$T/times")ms for 100 and 600)"
is "$(cat "$WAYFINDER_STATE"/experiments/*/logs/*.out 2>/dev/null |
	grep -c "^after the marker$")" 4 \
	"the console still reaches the jobs' logs, whole"

# The debug port: a FIFO named by $WAYFINDER_DEBUGCON; without a marker
# the first byte marks the boot. stop: true ends the job once booted.
cat >"$T/debugcon.yaml" <<'YAML'
name: debugcon
params:
  - {name: X, type: int, values: [1]}
test:
  run: |
    sleep 0.3
    printf 'B' > "$WAYFINDER_DEBUGCON"
    exec sleep 60
  boot: {source: debugcon, stop: true}
  repeat: 1
  timeout: 20s
  objective: {metric: boot_time_ms, direction: minimize}
YAML
start=$(date +%s)
wf run "$T/debugcon.yaml" --foreground
end=$(date +%s)
sed 's/^/# /' "$T/out"
is "$rc" 0 "a debug port monitor runs"
grep -q "trial 1: boot_time_ms [0-9]" "$T/out"
ok $? "the guest's first byte on the port is its boot"
[ $((end - start)) -lt 15 ]
ok $? "stop: true ends the job once booted ($((end - start)) s, not 60)"
wf results debugcon --format csv
v=$(csv_col "$T/out" boot_time_ms_median)
awk -v v="$v" 'BEGIN { exit !(v >= 300 && v < 800) }'
ok $? "  at about 300 ms ($v)"

# A marker that never shows.
cat >"$T/never.yaml" <<'YAML'
name: never
params:
  - {name: X, type: int, values: [1]}
test:
  run: echo "kernel panic"
  boot: {source: console, marker: '^login:'}
  repeat: 1
  objective: {metric: boot_time_ms, direction: minimize}
YAML
wf run "$T/never.yaml" --foreground
grep -q "trial 1: failed: iteration 1: the boot marker never showed on the console" "$T/out"
ok $? "a boot whose marker never shows fails, saying so"

# A real boot under QEMU.
qemu=$(command -v qemu-system-x86_64 || true)
if [ -z "$qemu" ]; then
	skip "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
	skip "no qemu-system-x86_64"
	skip "no qemu-system-x86_64"
	finish
fi
mkdir "$T/bt"
for f in boot.S kernel.c linker.ld build.sh test.sh; do
	cp "$top_srcdir/profiles/boot-time/$f" "$T/bt/"
done
cat >"$T/bt/bt.yaml" <<'YAML'
name: bt
params:
  - {name: BANNER_LINES, type: int, values: [0], when: build}
  - {name: PAGING, type: bool, default: false, when: build}
  - {name: CLEAR_MIB, type: int, values: [0], when: build}
  - {name: BUSY_WORK, type: int, values: [0, 400], when: build}
  - {name: MEM_MIB, type: int, values: [256], when: test}
build: {script: build.sh, timeout: 1m}
test:
  script: test.sh
  boot: {source: debugcon, marker: "WAYFINDER BOOTED"}
  repeat: 2
  timeout: 1m
  objective: {metric: boot_time_ms, direction: minimize}
search: {strategy: grid}
YAML
wf run "$T/bt/bt.yaml" --foreground
sed 's/^/# /' "$T/out"
is "$rc" 0 "the tiny kernel boots under QEMU"
wf results bt --format csv
cp "$T/out" "$T/bt.csv"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "BUSY_WORK") w = i;
	if ($i == "boot_time_ms_median") b = i; if ($i == "status") s = i }
	next } $s == "done" && $b > 0 { n++; t[$w] = $b }
	END { print t[0], t[400]; exit !(n == 4 && t[400] > t[0] + 100) }' \
	"$T/bt.csv" >"$T/bt.times"
ok $? "every trial has a boot time, and it moves with BUSY_WORK (0: $(cut -d' ' -f1 "$T/bt.times") ms, 400: $(cut -d' ' -f2 "$T/bt.times") ms)"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "memory_peak_kb_median") m = i; next }
	{ if (!($m > 1000)) bad = 1 } END { exit bad }' "$T/bt.csv"
ok $? "and a memory footprint (memory_peak_kb)"
finish
