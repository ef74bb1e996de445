#!/bin/sh
# What the TUI costs over an SSH link and on an idle machine, next to
# htop measured the same way in the same run:
#  - bytes written to the terminal per second (tmux pipe-pane records
#    what each program writes to its pty) during a live run with 2 jobs,
#    both at 80x24, the TUI on its live view (core map with live
#    counters, chart, queue) and htop on its default screen;
#  - the CPU time of an idle TUI (no experiment running, the experiments
#    screen) and of htop, as a share of one core, from /proc/PID/stat.
# Targets: at most 3 KB/s, under 1% of a core. Prints the figures;
# asserts nothing (make bench runs it).
#
# usage: tui.sh [WAYFINDER] [SECONDS]
set -eu
wf=${1:-${WAYFINDER:-./wayfinder}}
secs=${2:-20}
[ -x "$wf" ] || { echo "tui: no wayfinder at $wf" >&2; exit 2; }
wf=$(cd "$(dirname "$wf")" && pwd)/$(basename "$wf")
if ! command -v tmux >/dev/null 2>&1; then
	echo "tui: tmux is missing (apt-get install tmux): no figures"
	exit 0
fi
have_htop=1
command -v htop >/dev/null 2>&1 || have_htop=0

T=$(mktemp -d "${TMPDIR:-/tmp}/wayfinder-bench.XXXXXX")
export WAYFINDER_STATE="$T/state" XDG_RUNTIME_DIR="$T/run"
mkdir -m 700 "$T/run"
sock="$T/tmux.sock"
tm() { tmux -S "$sock" -f /dev/null "$@"; }
cleanup() {
	tm kill-server 2>/dev/null || true
	"$wf" daemon --stop >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
unset TMUX

# Jobs of 2 s, sampled (cgroup figures and counters) every 500 ms: the
# busiest live view a user normally sees.
cat >"$T/bench.yaml" <<'YAML'
name: tui-bench
params:
  - name: N
    type: int
    min: 1
    max: 100000
test:
  run: 'sleep 2; echo "score $N" >>"$WAYFINDER_RESULTS"'
  repeat: 1
  pmu: [task-clock, instructions, cycles]
  metrics: [score]
  objective: {metric: score, direction: maximize}
search: {strategy: random, budget: 10000, seed: 1}
YAML

cpu_ticks() { # utime + stime of a process, in clock ticks
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
pane_pid() { tm display-message -p -t "$1" '#{pane_pid}'; }
kbps() { awk -v b="$1" -v s="$secs" 'BEGIN { printf "%.2f KB/s", b / s / 1024 }'; }
share() { # ticks over the window, as a share of a core
	awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v s="$secs" \
	    'BEGIN { printf "%.2f%% of a core", 100 * t / hz / s }'
}

start() { # start NAME COMMAND...
	name=$1
	shift
	tm new-session -d -s "$name" -x 80 -y 24 -c "$T" \
	    "LANG=C.UTF-8 exec $*"
}

# Output per second during a live run.
"$wf" daemon >/dev/null
"$wf" run "$T/bench.yaml" --jobs 2 --quiet >/dev/null 2>&1 &
follower=$!
start tui "$wf" tui
sleep 2
tm send-keys -t tui 2 # the live view of the running experiment
[ "$have_htop" = 1 ] && start htop htop
sleep 3
tm pipe-pane -O -t tui "cat >'$T/tui.out'"
[ "$have_htop" = 1 ] && tm pipe-pane -O -t htop "cat >'$T/htop.out'"
t0=$(cpu_ticks "$(pane_pid tui)")
sleep "$secs"
t1=$(cpu_ticks "$(pane_pid tui)")
# What the TUI showed: the figure is only worth its screen.
shown=$(tm capture-pane -p -t tui | grep -cE 'cpu [0-9]+ +test ' || true)
tm pipe-pane -t tui
[ "$have_htop" = 1 ] && tm pipe-pane -t htop
sleep 0.5
kill "$follower" 2>/dev/null || true
echo "tui: bytes written to the terminal during a live run with 2 jobs,"
echo "     80x24, over ${secs} s (target: at most 3 KB/s)"
printf '  %-22s %s  (its CPU meanwhile: %s)\n' "wayfinder tui, live" \
    "$(kbps "$(wc -c <"$T/tui.out")")" "$(share $((t1 - t0)))"
echo "  (at the end, the live view showed $shown test jobs on the core map)"
if [ "$have_htop" = 1 ]; then
	printf '  %-22s %s\n' "htop (default delay)" \
	    "$(kbps "$(wc -c <"$T/htop.out")")"
else
	echo "  htop is missing (apt-get install htop): no comparison"
fi

# CPU of an idle TUI: nothing runs, the experiments screen.
"$wf" stop tui-bench >/dev/null 2>&1 || true
tm send-keys -t tui 1
sleep 3
tp=$(pane_pid tui)
t0=$(cpu_ticks "$tp")
if [ "$have_htop" = 1 ]; then
	hp=$(pane_pid htop)
	h0=$(cpu_ticks "$hp")
fi
sleep "$secs"
t1=$(cpu_ticks "$tp")
echo "tui: CPU of an idle TUI over ${secs} s (target: under 1% of a core)"
printf '  %-22s %s\n' "wayfinder tui, idle" "$(share $((t1 - t0)))"
if [ "$have_htop" = 1 ]; then
	h1=$(cpu_ticks "$hp")
	printf '  %-22s %s\n' "htop (default delay)" "$(share $((h1 - h0)))"
else
	echo "  htop is missing (apt-get install htop): no comparison"
fi
