#!/bin/sh
# Test script of the nginx profile (see README.md).
#
# Runs in a fresh work directory holding the nginx.conf that Wayfinder has
# just rendered for this trial. It sets the kernel's network parameters of
# the job's own network namespace (network: none), starts nginx on the
# first CPU of the job, waits until it listens, loads it with wrk from the
# second CPU for NGINX_PROFILE_SECONDS seconds (default 5; warm-up runs
# take at most 2), prints wrk's report (the spec's metric regexes read it)
# and stops nginx.
#
# NGINX_PROFILE_SECONDS is for quick checks (the regress test sets it to
# 1); it is not part of the experiment's identity, so use a state
# directory of its own with it. Every run appends "wrk_seconds N" to the
# results file, so a trial says how long it loaded the server.
set -eu

die() {
	printf 'test.sh: %s\n' "$*" >&2
	exit 1
}

# Whole numbers only, from shell builtins: values never reach eval.
is_uint() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	return 0
}

need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "no '$1' (run profiles/nginx/setup.sh as root first)"
}

need nginx
need wrk
need taskset

: "${WAYFINDER_SPEC_DIR:?WAYFINDER_SPEC_DIR is not set}"
cpu_server=${WAYFINDER_CORE_ID0:?WAYFINDER_CORE_ID0 is not set}
cpu_client=${WAYFINDER_CORE_ID1:-}
[ -n "$cpu_client" ] || die "the test needs two CPUs (cores: 2): one for nginx, one for wrk"
[ -f nginx.conf ] || die "no nginx.conf in $(pwd): is the template rendered?"

seconds=${NGINX_PROFILE_SECONDS:-5}
if ! is_uint "$seconds" || [ "$seconds" -lt 1 ]; then
	die "bad NGINX_PROFILE_SECONDS '$seconds' (want whole seconds, at least 1)"
fi
if [ "${WAYFINDER_WARMUP:-0}" = 1 ] && [ "$seconds" -gt 2 ]; then
	seconds=2
fi

# The kernel parameters are set in this job's network namespace only.
# Wayfinder gives the job one with loopback alone when the spec says
# network: none and it runs as root; anywhere else (--no-sandbox, not
# root) the writes would change the host, so the run stops instead.
ifaces=$(sed -n 's/^ *\([^: ]*\):.*/\1/p' /proc/net/dev | tr '\n' ' ')
[ "$ifaces" = "lo " ] ||
	die "not in a network namespace of its own (interfaces: $ifaces); refusing to change the host's sysctls: run as root, without --no-sandbox"

set_sysctl() { # set_sysctl KEY VALUE: KEY relative to /proc/sys/net
	f=/proc/sys/net/$1
	[ -w "$f" ] || die "cannot write $f (not root, or this kernel lacks it)"
	printf '%s\n' "$2" 2>/dev/null >"$f" || die "cannot set $1 to '$2'"
	got=$(cat "$f")
	[ "$got" = "$2" ] || die "$1 reads '$got' after writing '$2'"
}

check_uint() { # check_uint NAME VALUE
	is_uint "$2" || die "bad $1 '$2' (want a whole number)"
}
check_uint NET_SOMAXCONN "${NET_SOMAXCONN:-}"
check_uint NET_TCP_MAX_SYN_BACKLOG "${NET_TCP_MAX_SYN_BACKLOG:-}"
check_uint NET_TCP_TW_REUSE "${NET_TCP_TW_REUSE:-}"
check_uint NET_TCP_FIN_TIMEOUT "${NET_TCP_FIN_TIMEOUT:-}"
check_uint NET_TCP_SLOW_START_AFTER_IDLE "${NET_TCP_SLOW_START_AFTER_IDLE:-}"
check_uint NET_TCP_AUTOCORKING "${NET_TCP_AUTOCORKING:-}"

# Every run sets every one of them: the namespace belongs to Wayfinder's
# job slot and keeps what the previous trial of the slot set.
set_sysctl core/somaxconn "$NET_SOMAXCONN"
set_sysctl ipv4/tcp_max_syn_backlog "$NET_TCP_MAX_SYN_BACKLOG"
set_sysctl ipv4/tcp_tw_reuse "$NET_TCP_TW_REUSE"
set_sysctl ipv4/tcp_fin_timeout "$NET_TCP_FIN_TIMEOUT"
set_sysctl ipv4/tcp_slow_start_after_idle "$NET_TCP_SLOW_START_AFTER_IDLE"
set_sysctl ipv4/tcp_autocorking "$NET_TCP_AUTOCORKING"

work=$(pwd)
mkdir -p html temp
cp "$WAYFINDER_SPEC_DIR/index.html" html/index.html

# nginx in the foreground of a background job (daemon off), so that its
# pid is known; -e sends the errors of start-up, before nginx.conf is
# read, to the work directory rather than /var/log/nginx.
nginx_pid=
stop_nginx() {
	if [ -n "$nginx_pid" ]; then
		kill -TERM "$nginx_pid" 2>/dev/null || true
		wait "$nginx_pid" 2>/dev/null || true
		nginx_pid=
	fi
}
trap stop_nginx EXIT
trap 'exit 1' INT TERM

taskset -c "$cpu_server" nginx -p "$work/" -e "$work/error.log" \
	-c "$work/nginx.conf" </dev/null &
nginx_pid=$!

# Ready when the socket listens on 127.0.0.1:8080 (0100007F:1F90, state
# 0A in /proc/net/tcp); connections made before the workers call accept
# wait in its queue. At most 10 s.
tries=0
until grep -q '^ *[0-9]*: 0100007F:1F90 00000000:0000 0A ' /proc/net/tcp; do
	if ! kill -0 "$nginx_pid" 2>/dev/null; then
		cat error.log >&2 2>/dev/null || true
		nginx_pid=
		die "nginx exited before it listened"
	fi
	tries=$((tries + 1))
	[ "$tries" -le 200 ] || die "nginx did not listen on 127.0.0.1:8080 within 10 s"
	sleep 0.05
done

# One wrk thread on the client CPU, 64 connections kept open, asking for
# the page as a browser does (gzip accepted). report.lua adds the latency
# and error lines.
taskset -c "$cpu_client" wrk -t 1 -c 64 -d "${seconds}s" --timeout 2s \
	-H 'Accept-Encoding: gzip' -s "$WAYFINDER_SPEC_DIR/report.lua" \
	http://127.0.0.1:8080/index.html >wrk.out 2>&1 ||
	{
		cat wrk.out >&2
		die "wrk failed"
	}
cat wrk.out

stop_nginx
if grep -E '\[(emerg|alert|crit)\]' error.log >&2 2>/dev/null; then
	die "nginx logged errors (above)"
fi

# A configuration must not win by failing fast: every response must be a
# success, and some must have come.
status_errors=$(sed -n 's/^wayfinder-wrk: status_errors \([0-9]*\)$/\1/p' wrk.out)
requests=$(sed -n 's/^wayfinder-wrk: requests \([0-9]*\)$/\1/p' wrk.out)
if [ -z "$status_errors" ] || [ -z "$requests" ]; then
	die "no report from report.lua in wrk's output"
fi
[ "$status_errors" -eq 0 ] || die "$status_errors responses were not 2xx or 3xx"
[ "$requests" -gt 0 ] || die "no request was answered"

if [ -n "${WAYFINDER_RESULTS:-}" ]; then
	printf 'wrk_seconds %s\n' "$seconds" >>"$WAYFINDER_RESULTS"
fi
