#!/bin/sh
# UI tests: drives the real TUI in tmux at 80x24 with a keystroke script
# (tests/ui/*.keys) and compares screen dumps with the expected ones
# (tests/ui/expected/SCRIPT.NAME), volatile parts masked. Each script
# gets a private state directory and XDG_RUNTIME_DIR, and its daemon is
# stopped at the end. UI_UPDATE=1 writes the dumps instead of comparing
# them (review them with git diff). TAP output.
#
# A script's lines:
#   start [VAR=VALUE ...]  start wayfinder tui (LANG=C.UTF-8 unless given)
#   copy FILE ...          files of tests/ui into $DIR (quickstart: the
#                          quickstart profile into $DIR/qs)
#   keys KEY ...           tmux send-keys, one key at a time
#   type TEXT              literal text
#   wait TEXT              until TEXT is on the screen (a check)
#   waitre REGEX           until a line matches the extended REGEX
#   gone TEXT              until TEXT is no longer on the screen (a check)
#   dump NAME [R1-R2:C1-C2 ...]  the screen against expected/SCRIPT.NAME,
#                          the given rectangles (1-based, inclusive) masked
#   nocolour               the screen has no colour (NO_COLOR)
#   colour                 the screen has colour
#   resize COLS ROWS
#   sh COMMAND             a shell command that must succeed (a check)
#   pus N                  dumps named live* are skipped unless this
#                          machine has N CPUs (the core map shows them)
#   kill                   kill the TUI's tmux session (its terminal)
#   tuigone                the TUI's process has ended (a check)
#   patience SECONDS       how long a wait waits from now on (default 90,
#                          or UI_WAIT)
#   slurm                  the rest needs a Slurm cluster that answers
#                          (tests/slurm/setup.sh starts one): without
#                          one, one check skipped, saying why, and the end
# $DIR in a line is the script's private directory.
. "${top_srcdir}/tests/regress/lib.sh"

script=$1
name=$(basename "$script" .keys)
expected="${top_srcdir}/tests/ui/expected"
wait_s=${UI_WAIT:-90}

if ! command -v tmux >/dev/null 2>&1; then
	skip "tmux is not installed (apt-get install tmux): no UI test"
	finish
fi

D="$T/$name"
mkdir -p "$D"
export WAYFINDER_STATE="$D/state"
export XDG_RUNTIME_DIR="$D/run"
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
sock="$D/tmux.sock"
# A sanitizer's reports (CI runs every test on a sanitized build too)
# go to files named after the program, checked at the end: the TUI's
# would be lost with its terminal, the daemon's with its stderr.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$D/sanitizer:log_exe_name=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$D/sanitizer:log_exe_name=1"
tm() { tmux -S "$sock" -f /dev/null "$@"; }
on_cleanup='tm kill-server 2>/dev/null; "$WAYFINDER" daemon --stop >/dev/null 2>&1'

screen() { tm capture-pane -p -t ui 2>/dev/null; }

# The screen as compared: the private directory and times masked, the
# status line (its messages come and go with time) masked, trailing
# blanks dropped, then the rectangles of the dump line, counted in
# characters (perl: awk may count bytes).
masked() {
	screen | sed -e "s|$D|<DIR>|g" \
	    -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:]\{8\}/<date>/g' \
	    -e 's/\([^0-9A-Za-z_.]\)[0-9][0-9]*\(d[0-9][0-9]h\|h[0-9][0-9]m\|m[0-9][0-9]s\|s\)\([^0-9A-Za-z]\|$\)/\1<t>\3/g' |
	    RECTS="$*" perl -CSD -ne '
		BEGIN { @r = map { [/(\d+)-(\d+):(\d+)-(\d+)/] }
		    split " ", $ENV{RECTS} }
		chomp;
		$_ = "<status line>" if $. == 24;
		for $m (@r) {
			next if $. < $m->[0] || $. > $m->[1];
			$_ .= " " x ($m->[3] - length($_))
			    if length($_) < $m->[3];
			substr($_, $m->[2] - 1, $m->[3] - $m->[2] + 1) =
			    "#" x ($m->[3] - $m->[2] + 1);
		}
		s/[ \t]+$//;
		print "$_\n";'
}

wait_for() { # wait_for TEXT [gone|re]
	i=0
	while [ "$i" -lt $((wait_s * 5)) ]; do
		if [ "${2:-}" = re ] && screen | grep -qE -- "$1"; then
			return 0
		elif [ "${2:-}" = re ]; then
			:
		elif screen | grep -qF -- "$1"; then
			[ -z "${2:-}" ] && return 0
		elif [ -n "${2:-}" ]; then
			return 0
		fi
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# The TUIs of this script: "wayfinder tui" with its state directory.
tui_pids() {
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null |
		    grep -q ' tui $' || continue
		{ tr '\0' '\n' <"$p/environ"; } 2>/dev/null |
		    grep -qx "WAYFINDER_STATE=$D/state" && echo "${p#/proc/}"
	done
}

# Every wayfinder process of this script (the TUIs, the daemon).
wf_pids() {
	for p in /proc/[0-9]*; do
		[ "$({ tr '\0' '\n' <"$p/cmdline"; } 2>/dev/null | head -n 1)" = "$WAYFINDER" ] ||
			continue
		{ tr '\0' '\n' <"$p/environ"; } 2>/dev/null |
		    grep -qx "WAYFINDER_STATE=$D/state" && echo "${p#/proc/}"
	done
}

unset TMUX
line_no=0
pus=
while IFS= read -r line || [ -n "$line" ]; do
	line_no=$((line_no + 1))
	line=$(printf '%s' "$line" | sed "s|\\\$DIR|$D|g")
	case $line in '' | '#'*) continue ;; esac
	cmd=${line%% *}
	arg=${line#"$cmd"}
	arg=${arg# }
	case $cmd in
	start)
		# shellcheck disable=SC2086
		env LANG=C.UTF-8 $arg tmux -S "$sock" -f /dev/null \
		    new-session -d -s ui -x 80 -y 24 -c "$D" \
		    "env $arg '$WAYFINDER' tui; echo '[tui ended]'; sleep 600"
		wait_for "Wayfinder 1 Experiments"
		ok $? "$name:$line_no: the TUI starts"
		;;
	copy)
		for f in $arg; do
			if [ "$f" = quickstart ]; then
				mkdir -p "$D/qs"
				q="$top_srcdir/profiles/quickstart"
				cp "$q/quickstart.yaml" "$q/build.sh" \
				    "$q/test.sh" "$q/matmul.c" "$D/qs/"
			else
				cp "$top_srcdir/tests/ui/$f" "$D/"
			fi
		done
		chmod -R u+w "$D"
		;;
	keys)
		for k in $arg; do
			tm send-keys -t ui "$k"
			sleep 0.15
		done
		;;
	type)
		tm send-keys -t ui -l "$arg"
		sleep 0.15
		;;
	wait)
		wait_for "$arg"
		rc=$?
		ok $rc "$name:$line_no: '$arg' shows"
		[ "$rc" -eq 0 ] || screen | sed 's/^/# /'
		;;
	waitre)
		wait_for "$arg" re
		rc=$?
		ok $rc "$name:$line_no: /$arg/ shows"
		[ "$rc" -eq 0 ] || screen | sed 's/^/# /'
		;;
	gone)
		wait_for "$arg" gone
		ok $? "$name:$line_no: '$arg' goes"
		;;
	dump)
		dname=${arg%% *}
		rects=${arg#"$dname"}
		sleep 0.4 # the last frame
		want="$expected/$name.$dname"
		case $dname in live*)
			if [ -n "$pus" ] && [ "$pus" != "$(getconf _NPROCESSORS_ONLN)" ]; then
				skip "$name:$line_no: dump $dname: the core map of $pus CPUs is expected"
				continue
			fi
		esac
		# shellcheck disable=SC2086
		masked $rects >"$D/got.$dname"
		if [ -n "${UI_UPDATE:-}" ]; then
			cp "$D/got.$dname" "$want"
			ok 0 "$name:$line_no: dump $dname (written)"
		elif diff -u "$want" "$D/got.$dname" >"$D/diff" 2>&1; then
			ok 0 "$name:$line_no: dump $dname as expected"
		else
			ok 1 "$name:$line_no: dump $dname as expected"
			sed 's/^/# /' "$D/diff"
		fi
		;;
	nocolour | colour)
		# SGR colours: 30-37, 40-47, 90-97, 38;5 and 48;5.
		tm capture-pane -p -e -t ui >"$D/esc"
		if grep -qE "$(printf '\033')\\[([0-9;]*;)?(3[0-7]|4[0-7]|9[0-7]|38;5|48;5)[;m]" "$D/esc"; then
			has=0
		else
			has=1
		fi
		if [ "$cmd" = colour ]; then
			ok $has "$name:$line_no: the screen has colour"
		else
			ok $((1 - has)) "$name:$line_no: no colour (NO_COLOR)"
		fi
		;;
	resize)
		# shellcheck disable=SC2086
		set -- $arg
		tm resize-window -t ui -x "$1" -y "$2"
		sleep 0.3
		;;
	sh)
		if sh -c "$arg" >"$D/sh.out" 2>&1; then
			ok 0 "$name:$line_no: $arg"
		else
			ok 1 "$name:$line_no: $arg"
			sed 's/^/# /' "$D/sh.out" | tail -20
		fi
		;;
	pus)
		pus=$arg
		;;
	patience)
		wait_s=${UI_WAIT:-$arg}
		;;
	kill)
		tm kill-session -t ui
		;;
	slurm)
		# This environment's cluster, or the one setup.sh started.
		slurm_find
		if [ -n "$slurm_why" ]; then
			skip "$name:$line_no: $slurm_why"
			finish
		fi
		;;
	tuigone)
		i=0
		while [ "$i" -lt 50 ] && [ -n "$(tui_pids)" ]; do
			sleep 0.1
			i=$((i + 1))
		done
		is "$(tui_pids)" "" "$name:$line_no: the TUI has ended"
		;;
	*)
		ok 1 "$name:$line_no: unknown command '$cmd'"
		;;
	esac
done <"$script"
# Every process of the test ended, then what a sanitizer said of them.
tm kill-server 2>/dev/null
"$WAYFINDER" daemon --stop >/dev/null 2>&1
i=0
while [ "$i" -lt 100 ] && [ -n "$(wf_pids)" ]; do
	sleep 0.1
	i=$((i + 1))
done
# What a sanitizer said of wayfinder (the TUIs, the daemon, the CLI)
# fails the test. The shim's reports are told, not judged here: its
# own tests are elsewhere, and its LeakSanitizer cannot stop the world
# inside a job's sandbox anyway ("fatal error").
for f in "$D"/sanitizer.wayfinder-exec.*; do
	[ -f "$f" ] || continue
	echo "# note: the shim (wayfinder-exec) has a sanitizer report, ${f##*/}:"
	grep -e 'ERROR\|SUMMARY\|fatal error' "$f" | head -5 | sed 's/^/#   /'
	rm -f "$f"
done
if ls "$D"/sanitizer.* >/dev/null 2>&1; then
	ok 1 "$name: no sanitizer reports from wayfinder"
	for f in "$D"/sanitizer.*; do
		echo "# ${f##*/}:"
		head -40 "$f" | sed 's/^/# /'
	done
else
	ok 0 "$name: no sanitizer reports from wayfinder"
fi
finish
