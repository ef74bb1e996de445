#!/bin/sh
# Times the boot-time profile's kernel by hand, outside Wayfinder, for the
# table in README.md.  For each configuration below it builds the kernel
# with build.sh and boots it RUNS times with the QEMU command of test.sh,
# pinned to one CPU, and prints the medians of
#   boot_ms  from just before QEMU starts to the first byte on the debug
#            console (a FIFO, read by a background reader that notes the time)
#   exit_ms  from the same start to QEMU's exit
#   rss_kb   QEMU's peak resident set size (GNU time's %M; "-" without it)
# and QEMU's exit status of the last run.
#
# usage: sh measure.sh [CPU] [RUNS]      (defaults: CPU 1, 5 runs)
# Each output line: BANNER_LINES PAGING CLEAR_MIB BUSY_WORK MEM_MIB boot_ms
# exit_ms rss_kb status.  Takes about a minute.
set -eu

spec_dir=$(cd "$(dirname "$0")" && pwd)
cpu=${1:-1}
runs=${2:-5}
qemu=${QEMU:-qemu-system-x86_64}
work=$(mktemp -d "${TMPDIR:-/tmp}/boot-time-measure.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

die() {
	printf 'measure.sh: %s\n' "$*" >&2
	exit 1
}

gnu_time=
if /usr/bin/time -f %M -o "$work/probe" true 2>/dev/null; then
	gnu_time=/usr/bin/time
fi

now_ms() {
	# GNU date: nanoseconds since the epoch, cut to milliseconds.
	date +%s%N | sed 's/......$//'
}

median() { # median FILE: the median of the numbers in FILE, one a line
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# boot KERNEL MEM_MIB: one boot; appends to $work/boot, exit, rss, status.
boot() {
	rm -f "$work/fifo" "$work/t1" "$work/rss"
	mkfifo "$work/fifo"
	{
		head -c 1 >"$work/debugcon"
		now_ms >"$work/t1"
		cat >>"$work/debugcon"
	} <"$work/fifo" &
	reader=$!
	set -- "$qemu" -accel tcg -nodefaults -display none -no-reboot \
	    -m "$2" -serial stdio -debugcon "file:$work/fifo" -kernel "$1"
	[ -z "$gnu_time" ] || set -- "$gnu_time" -f %M -o "$work/rss" "$@"
	t0=$(now_ms)
	status=0
	taskset -c "$cpu" "$@" </dev/null >"$work/serial" || status=$?
	t2=$(now_ms)
	if [ "$status" -ne 0 ]; then
		# QEMU may never have opened the FIFO: free the reader.
		kill "$reader" 2>/dev/null || :
		wait "$reader" || :
		die "QEMU exited with status $status"
	fi
	wait "$reader"
	grep -q '^WAYFINDER BOOTED$' "$work/serial" ||
	    die "no marker on the serial port"
	[ "$(cat "$work/debugcon")" = "WAYFINDER BOOTED" ] ||
	    die "the debug console did not get the marker alone"
	echo $(($(cat "$work/t1") - t0)) >>"$work/boot"
	echo $((t2 - t0)) >>"$work/exit"
	if [ -s "$work/rss" ]; then
		tail -n 1 "$work/rss" >>"$work/rss_all"
	fi
	echo "$status" >"$work/status"
}

# measure BANNER_LINES PAGING CLEAR_MIB BUSY_WORK MEM_MIB
measure() {
	b=$work/build-$1-$2-$3-$4
	if [ ! -d "$b" ]; then
		mkdir "$b"
		WAYFINDER_SPEC_DIR=$spec_dir WAYFINDER_BUILD_DIR=$b \
		    BANNER_LINES=$1 PAGING=$2 CLEAR_MIB=$3 BUSY_WORK=$4 \
		    sh "$spec_dir/build.sh" >/dev/null
	fi
	rm -f "$work/boot" "$work/exit" "$work/rss_all"
	: >"$work/rss_all"
	i=0
	while [ "$i" -lt "$runs" ]; do
		boot "$b/kernel.elf" "$5"
		i=$((i + 1))
	done
	printf '%s %s %s %s %s %s %s %s %s\n' "$1" "$2" "$3" "$4" "$5" \
	    "$(median "$work/boot")" "$(median "$work/exit")" \
	    "$(median "$work/rss_all")" "$(cat "$work/status")"
}

# One parameter at a time from the kernel that does nothing, then all.
for mem in 256 1024; do
	measure 0 false 0 0 "$mem"
done
measure 500 false 0 0 1024
measure 2000 false 0 0 1024
measure 0 true 0 0 256
measure 0 true 0 0 1024
for mem in 256 1024; do
	measure 0 false 128 0 "$mem"
	measure 0 false 512 0 "$mem"
	measure 0 true 512 0 "$mem"
done
measure 0 false 0 100 1024
measure 0 false 0 400 1024
measure 500 true 128 100 1024
measure 2000 true 512 400 1024
