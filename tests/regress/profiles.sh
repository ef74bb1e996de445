#!/bin/sh
# The nginx and redis profiles: both specs are valid and plan as meant
# (jobs of two CPUs on two different cores of one L3, at cache
# isolation, in a network namespace of their own); then, as root with the
# profiles' Debian packages installed, a tiny run of each (short runs
# through the override the test scripts honour) measures a positive rate
# in every trial, sets network sysctls other than the host's in the
# job's own namespace while leaving the host's and nginx's own
# directories as they were, refuses to touch the host without the
# sandbox, and leaves no server running. What cannot run here skips,
# naming why.
. "${top_srcdir}/tests/regress/lib.sh"

# The per-namespace sysctls the nginx profile sets.
sysctls="core/somaxconn ipv4/tcp_max_syn_backlog ipv4/tcp_tw_reuse
ipv4/tcp_fin_timeout ipv4/tcp_slow_start_after_idle ipv4/tcp_autocorking"
host_sysctls() {
	for k in $sysctls; do
		printf '%s=%s\n' "$k" "$(cat "/proc/sys/net/$k" 2>&1)"
	done
}

# Processes whose working directory is under $1: the servers of the
# profiles run in their job's work directory, in the state directory.
procs_in() {
	for d in /proc/[0-9]*; do
		case $(readlink "$d/cwd" 2>/dev/null) in
		"$1"/*) echo "${d#/proc/}" ;;
		esac
	done
}

for p in nginx redis; do
	spec="$top_srcdir/profiles/$p/$p.yaml"
	wf validate "$spec"
	is "$rc" 0 "$p: the spec is valid"
	grep -q "^objective: maximize rps " "$T/out"
	ok $? "$p: the objective is rps, maximized"
	grep -q "^test: test.sh, 2 cores, timeout 1m, repeat 3, warmup 1, isolation cache$" "$T/out"
	ok $? "$p: two CPUs a job, a timeout, a warm-up and three measured runs"
	grep -q "^  sandbox: .*network none" "$T/out"
	ok $? "$p: tests run in a network namespace of their own"
	grep -q "^  renders $p.conf.in -> $p.conf$" "$T/out"
	ok $? "$p: $p.conf is rendered from its template for every run"

	# A plan on a machine with two L3 domains of four 2-thread cores
	# (CPUs 2c and 2c+1 share core c; cores 0-3 share an L3).
	"$WAYFINDER" run "$spec" --dry-run --budget 2 \
		--topology 'synthetic:pack:1 l3:2 core:4 pu:2' \
		>"$T/plan.csv" 2>"$T/plan.err"
	is "$?" 0 "$p: a plan of 2 trials"
	awk -F, 'NR == 1 { next }
		{ n++; c = $5 "," $6; gsub(/"/, "", c); split(c, cpu, ",")
		  if ($2 != "test" || $4 != "cache") bad = 1
		  if (int(cpu[1] / 2) == int(cpu[2] / 2)) bad = 1
		  if (int(cpu[1] / 8) != int(cpu[2] / 8)) bad = 1 }
		END { exit bad || n != 8 }' "$T/plan.csv"
	ok $? "$p: 8 test jobs (1 warm-up and 3 runs a trial), each on two cores of one L3"
	grep -q "peak parallelism 2$" "$T/plan.err"
	ok $? "$p: two trials at once there, one per L3"
done

# Real runs need root (sysctls and a network namespace) and the packages.
reason=
if [ "$(id -u)" -ne 0 ]; then
	reason="not root (the profiles need a network namespace of their own)"
elif ! command -v unshare >/dev/null 2>&1 || ! unshare -n true 2>/dev/null; then
	reason="cannot make a network namespace here"
fi

# nginx: 2 random trials of 1-second wrk runs.
nginx_reason=$reason
if [ -z "$nginx_reason" ]; then
	for prog in nginx wrk; do
		command -v "$prog" >/dev/null 2>&1 ||
			nginx_reason="no $prog (profiles/nginx/setup.sh installs it)"
	done
fi
# The profile writes sysctls in the job's namespace: /proc/sys must be
# writable there (a container may mount it read-only).
if [ -z "$nginx_reason" ] && ! unshare -n sh -c \
	'v=$(cat /proc/sys/net/core/somaxconn) && echo "$v" >/proc/sys/net/core/somaxconn' 2>/dev/null; then
	nginx_reason="cannot write /proc/sys/net in a new network namespace (read-only /proc/sys?)"
fi
if [ -n "$nginx_reason" ]; then
	for what in "nginx runs" "every trial measured" "positive rates" \
		"sysctls varied" "host sysctls" "nginx's directories" \
		"no server left" "refusal without a sandbox" "host sysctls again"; do
		skip "$what: $nginx_reason"
	done
else
	host_sysctls >"$T/sysctl.before"
	ls -la --time-style=full-iso /var/log/nginx /var/lib/nginx \
		>"$T/dirs.before" 2>&1
	# Seed 1 draws, after the defaults, a trial that sets sysctls other
	# than a new namespace's (checked below, or "untouched" proves
	# nothing).
	NGINX_PROFILE_SECONDS=1 wf run "$top_srcdir/profiles/nginx/nginx.yaml" \
		--foreground --budget 2 --seed 1
	sed 's/^/# /' "$T/out"
	is "$rc" 0 "nginx: 2 trials of the profile run"
	grep -q "experiment [0-9]* (nginx) done: 2 trials, 2 measured, 0 failed" "$T/out"
	ok $? "nginx: every trial is measured"
	wf results nginx --format csv
	cp "$T/out" "$T/nginx.csv"
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ n++; if (!($c["rps_median"] > 0) ||
		    !($c["latency_p99_us_median"] > 0) ||
		    $c["wrk_seconds_median"] != 1) bad = 1 }
		END { exit bad || n != 2 }' "$T/nginx.csv"
	ok $? "nginx: positive requests/s and latency, from 1-second wrk runs ($(csv_col "$T/nginx.csv" rps_median | tr '\n' ' '))"
	# The trials' values of the sysctls, in the order of $sysctls, and
	# how many of them differ from the host's.
	set -- NET_SOMAXCONN NET_TCP_MAX_SYN_BACKLOG NET_TCP_TW_REUSE \
		NET_TCP_FIN_TIMEOUT NET_TCP_SLOW_START_AFTER_IDLE NET_TCP_AUTOCORKING
	differ=0
	for k in $sysctls; do
		host=$(sed -n "s|^$k=||p" "$T/sysctl.before")
		for v in $(csv_col "$T/nginx.csv" "$1"); do
			[ "$v" = "$host" ] || differ=$((differ + 1))
		done
		shift
	done
	[ "$differ" -gt 0 ]
	ok $? "nginx: the trials set $differ sysctl values other than the host's"
	host_sysctls | cmp -s "$T/sysctl.before" -
	ok $? "nginx: the host's network sysctls are as they were"
	ls -la --time-style=full-iso /var/log/nginx /var/lib/nginx 2>&1 |
		cmp -s "$T/dirs.before" -
	ok $? "nginx: /var/log/nginx and /var/lib/nginx are untouched"
	is "$(procs_in "$WAYFINDER_STATE")" "" "nginx: no nginx is left running"

	# Without the sandbox the job has the host's network: test.sh must
	# refuse to write a sysctl there, and the trial fail.
	if [ "$(sed -n 's/^ *\([^: ]*\):.*/\1/p' /proc/net/dev | tr '\n' ' ')" = "lo " ]; then
		for what in "refusal without a sandbox" "host sysctls again"; do
			skip "nginx: $what: this host's own namespace has loopback alone, so test.sh cannot tell it from a private one"
		done
	else
		NGINX_PROFILE_SECONDS=1 wf run \
			"$top_srcdir/profiles/nginx/nginx.yaml" --foreground \
			--budget 1 --no-sandbox --new
		sed 's/^/# /' "$T/out"
		grep -q "experiment [0-9]* (nginx) done: 1 trials\?, 0 measured, 1 failed" "$T/out" &&
			grep -rqs "refusing to change the host's sysctls" "$WAYFINDER_STATE/experiments"
		ok $? "nginx: with --no-sandbox the test refuses to touch the host, and the trial fails"
		host_sysctls | cmp -s "$T/sysctl.before" -
		ok $? "nginx: the host's network sysctls are still as they were"
	fi
fi

# redis: the first 2 configurations of a grid (one I/O thread, no
# persistence), 2000 requests of each command a run.
redis_reason=$reason
if [ -z "$redis_reason" ]; then
	for prog in redis-server redis-cli redis-benchmark; do
		command -v "$prog" >/dev/null 2>&1 ||
			redis_reason="no $prog (profiles/redis/setup.sh installs it)"
	done
fi
if [ -n "$redis_reason" ]; then
	for what in "redis runs" "every trial measured" "positive rates" \
		"no server left" "a slow configuration is measured" \
		"by the probe"; do
		skip "$what: $redis_reason"
	done
else
	REDIS_PROFILE_REQUESTS=2000 wf run "$top_srcdir/profiles/redis/redis.yaml" \
		--foreground --strategy grid --budget 2
	sed 's/^/# /' "$T/out"
	is "$rc" 0 "redis: 2 trials of the profile run"
	grep -q "experiment [0-9]* (redis) done: 2 trials, 2 measured, 0 failed" "$T/out"
	ok $? "redis: every trial is measured"
	wf results redis --format csv
	cp "$T/out" "$T/redis.csv"
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ n++; if (!($c["rps_median"] > 0) || !($c["rps_get_median"] > 0) ||
		    !($c["latency_p99_us_median"] > 0) ||
		    $c["requests_median"] != 2000) bad = 1 }
		END { exit bad || n != 2 }' "$T/redis.csv"
	ok $? "redis: positive requests/s for the mix and each command, from runs of 2000 requests each ($(csv_col "$T/redis.csv" rps_median | tr '\n' ' '))"
	is "$(procs_in "$WAYFINDER_STATE")" "" "redis: no redis-server is left running"

	# Slower than the floor (here every configuration is): measured
	# by the probe, a tenth of the requests, not failed.
	WAYFINDER_STATE=$T/slow REDIS_PROFILE_REQUESTS=20000 \
		REDIS_PROFILE_FLOOR=1000000000 \
		wf run "$top_srcdir/profiles/redis/redis.yaml" --foreground \
		--strategy grid --budget 1
	sed 's/^/# /' "$T/out"
	grep -q "experiment [0-9]* (redis) done: 1 trial, 1 measured, 0 failed" "$T/out"
	ok $? "redis: a configuration slower than the floor is measured, not failed"
	WAYFINDER_STATE=$T/slow wf results redis --format csv
	is "$(csv_col "$T/out" requests_median)" 2000 \
		"redis: ... by the probe of a tenth of the requests"
fi
finish
