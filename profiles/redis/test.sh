#!/bin/sh
# Test script of the redis profile (see README.md).
#
# Runs in a fresh work directory holding the redis.conf that Wayfinder has
# just rendered for this trial. It starts redis-server on every CPU of the
# job but the last, waits until it answers PING, runs redis-benchmark on
# the last CPU (a fixed mix of six commands, REDIS_PROFILE_REQUESTS
# requests each, default 15000; a fifth of that in warm-up runs), prints
# its CSV report and a summary, appends the metrics to the results file
# and stops the server.
#
# The objective, rps, is the rate of the whole mix: the requests of all
# six commands over the time they took together (the harmonic mean of the
# six rates). A configuration slower than 5000 requests/s is stopped and
# fails as too slow, so that one never holds the run for minutes.
#
# REDIS_PROFILE_REQUESTS is for quick checks (the regress test lowers it);
# it is not part of the experiment's identity, so use a state directory
# of its own with it. Every run records it as the metric requests.
set -eu

die() {
	printf 'test.sh: %s\n' "$*" >&2
	exit 1
}

need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "no '$1' (run profiles/redis/setup.sh as root first)"
}

need redis-server
need redis-cli
need redis-benchmark
need taskset
need timeout

[ -f redis.conf ] || die "no redis.conf in $(pwd): is the template rendered?"

# The last CPU of the job is the client's, the others the server's.
# WAYFINDER_CORES is a list of CPU numbers separated by spaces: split it.
set -f
# shellcheck disable=SC2086
set -- ${WAYFINDER_CORES:?WAYFINDER_CORES is not set}
set +f
[ "$#" -ge 2 ] || die "the test needs two CPUs or more (cores: 2): the server's and the client's"
server_cpus=
while [ "$#" -gt 1 ]; do
	server_cpus=${server_cpus:+$server_cpus,}$1
	shift
done
client_cpu=$1

requests=${REDIS_PROFILE_REQUESTS:-15000}
case $requests in
'' | *[!0-9]* | ???????*) die "bad REDIS_PROFILE_REQUESTS '$requests' (want a whole number below 10^6)" ;;
esac
if [ "${WAYFINDER_WARMUP:-0}" = 1 ]; then
	requests=$((requests / 5))
fi
[ "$requests" -ge 100 ] || requests=100

# The mix: strings, counters, a queue (LPUSH then RPOP) and a hash, with
# keys drawn from 100000 and values of 256 bytes, by 50 clients.
tests=set,get,incr,lpush,rpop,hset
ntests=6
floor_rps=5000
limit=$((requests * ntests / floor_rps + 2))

server_pid=
stop_server() {
	if [ -n "$server_pid" ]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=
	fi
}
trap stop_server EXIT
trap 'exit 1' INT TERM

taskset -c "$server_cpus" redis-server "$(pwd)/redis.conf" </dev/null &
server_pid=$!

# Ready when it answers PING; at most 10 s.
tries=0
until [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; do
	if ! kill -0 "$server_pid" 2>/dev/null; then
		cat redis.log >&2 2>/dev/null || true
		server_pid=
		die "redis-server exited before it answered (its log is above)"
	fi
	tries=$((tries + 1))
	[ "$tries" -le 200 ] || die "redis-server did not answer PING within 10 s"
	sleep 0.05
done

status=0
timeout "$limit" taskset -c "$client_cpu" redis-benchmark -h 127.0.0.1 \
	-p 6379 --csv -c 50 -n "$requests" -r 100000 -d 256 -t "$tests" \
	</dev/null >bench.csv 2>bench.err || status=$?
cat bench.csv
stop_server
if [ "$status" -eq 124 ]; then
	die "slower than $floor_rps requests/s: the mix of $((requests * ntests)) requests took over $limit s"
elif [ "$status" -ne 0 ]; then
	cat bench.err >&2
	die "redis-benchmark failed (exit $status)"
fi

# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
# "p95_latency_ms","p99_latency_ms","max_latency_ms", then a line per
# command.
awk -F, -v want="$ntests" -v requests="$requests" '
	function num(s) { gsub(/"/, "", s); return s + 0 }
	NR == 1 { next }
	{
		name = $1; gsub(/"/, "", name); name = tolower(name)
		rps = num($2)
		if (rps <= 0) { bad = 1; next }
		n++; inv += 1 / rps; avg += num($3); p50 += num($5)
		if (num($7) > p99) p99 = num($7)
		line[n] = sprintf("rps_%s %s", name, rps)
	}
	END {
		if (bad || n != want) {
			printf "test.sh: redis-benchmark reported %d of %d commands\n", n, want > "/dev/stderr"
			exit 1
		}
		printf "rps %.2f\n", n / inv
		printf "latency_mean_us %.1f\n", avg / n * 1000
		printf "latency_p50_us %.1f\n", p50 / n * 1000
		printf "latency_p99_us %.1f\n", p99 * 1000
		for (i = 1; i <= n; i++) print line[i]
		printf "requests %d\n", requests
	}' bench.csv >metrics.txt || die "cannot read redis-benchmark's CSV report"

sed 's/^/wayfinder-redis: /' metrics.txt
if [ -n "${WAYFINDER_RESULTS:-}" ]; then
	cat metrics.txt >>"$WAYFINDER_RESULTS"
fi
