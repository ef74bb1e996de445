# Shared set-up of the shell regress tests: a private temporary
# directory (removed on exit) holding the state directory, and TAP
# helpers. Sourced by each test; $WAYFINDER and $top_srcdir come from
# `make check` (or are set by hand to run a test alone).

set -u
: "${WAYFINDER:?set WAYFINDER to the wayfinder binary}"
: "${top_srcdir:?set top_srcdir to the source tree}"

T=$(mktemp -d "${TMPDIR:-/tmp}/wayfinder-regress.XXXXXX")
export WAYFINDER_STATE="$T/state"
tap_n=0
tap_failed=0

cleanup() {
	# A test's own cleaning (e.g. stopping a daemon) comes first.
	[ -n "${on_cleanup:-}" ] && eval "$on_cleanup"
	[ -n "${KEEP:-}" ] && { echo "# kept $T"; return; }
	# Nothing a test started may outlive it.
	if [ -n "${bg_pid:-}" ]; then
		kill -9 "$bg_pid" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { # ok STATUS DESCRIPTION: STATUS 0 passes
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

check() { # check DESCRIPTION COMMAND...: passes if COMMAND succeeds
	desc=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok 0 "$desc"
	else
		ok 1 "$desc"
		sed 's/^/# /' "$T/check.out" | head -20
	fi
}

is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "# got '$1', want '$2'"
	fi
}

skip() { # skip REASON: a check that cannot run here, and why
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

finish() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit $?
}

# Runs wayfinder, keeping its output in $T/out and its status in $rc.
wf() {
	"$WAYFINDER" "$@" >"$T/out" 2>&1
	rc=$?
}

# Processes whose command line holds $1 (ours excepted).
procs_with() {
	for d in /proc/[0-9]*; do
		[ "${d#/proc/}" = "$$" ] && continue
		if { tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null | grep -q -- "$1"; then
			echo "${d#/proc/}"
		fi
	done
}

# A field of the CSV results: csv_col FILE COLUMN-NAME prints the column.
csv_col() {
	awk -F, -v want="$2" 'NR == 1 { for (i = 1; i <= NF; i++)
		if ($i == want) c = i; next } { print $c }' "$1"
}

# slurm_find: finds the Slurm cluster (this environment's, or the one
# tests/slurm/setup.sh started: its SLURM_CONF is exported, so not in a
# subshell) and sets slurm_why to why it cannot be used, with what
# setup.sh said; empty when it can.
slurm_find() {
	_sdir=${WAYFINDER_SLURM_DIR:-/var/tmp/wayfinder-slurm}
	if ! timeout 10 sinfo --noheader >/dev/null 2>&1 &&
		[ -f "$_sdir/env" ]; then
		SLURM_CONF=$(sed -n 's/^SLURM_CONF=//p' "$_sdir/env")
		export SLURM_CONF
	fi
	_why=
	if ! command -v sinfo >/dev/null 2>&1; then
		_why="Slurm is not installed (no sinfo)"
	elif ! _out=$(timeout 10 sinfo --noheader --Node --format=%T 2>&1); then
		_why="Slurm is not running (sinfo: $(echo "$_out" | tail -n 1))"
	elif ! echo "$_out" | grep -q -E '^(idle|mixed|allocated|completing)'; then
		_why="no Slurm node is up (sinfo: $(echo "$_out" | tr '\n' ' '))"
	fi
	slurm_why=
	[ -n "$_why" ] || return 0
	if [ -f "$_sdir/status" ]; then
		slurm_why="$_why; tests/slurm/setup.sh said: $(cat "$_sdir/status")"
	else
		slurm_why="$_why; tests/slurm/setup.sh starts a one-node cluster (as root)"
	fi
}
