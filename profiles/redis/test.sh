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
# six rates). A probe of a tenth of the requests comes first: a
# configuration slower than 5000 requests/s is measured by the probe
# alone, so that a slow one is still a result and never holds the run
# for long; only one slower than 500 requests/s fails as too slow.
#
# REDIS_PROFILE_REQUESTS and REDIS_PROFILE_FLOOR (the floor, 5000) are
# for checks (the regress test lowers the one and raises the other);
# they are not part of the experiment's identity, so use a state
# directory of its own with them. Every run records the requests per
# command it made as the metric requests.
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
floor_rps=${REDIS_PROFILE_FLOOR:-5000}
case $floor_rps in
'' | *[!0-9]* | 0 | ?????????????*) die "bad REDIS_PROFILE_FLOOR '$floor_rps' (want a whole number of requests/s from 1 to 10^12)" ;;
esac
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

# bench N LIMIT: the mix with N requests per command into bench.csv,
# within LIMIT seconds.
bench() {
	timeout "$2" taskset -c "$client_cpu" redis-benchmark -h 127.0.0.1 \
		-p 6379 --csv -c 50 -n "$1" -r 100000 -d 256 -t "$tests" \
		</dev/null >bench.csv 2>bench.err
}
# The mix's rate in bench.csv, as a whole number: 0 if none; 10^12 if
# a command was too quick to time (redis-benchmark says inf).
mix_rps() {
	awk -F, 'NR > 1 { gsub(/"/, "", $2)
			if ($2 ~ /^[0-9.]+$/ && $2 > 0) { n++; inv += 1 / $2 }
			else if (tolower($2) ~ /inf/) fast = 1 }
		END { printf "%d\n", fast ? 1e12 : n ? n / inv : 0 }' bench.csv
}

# A probe of a tenth of the requests first. A configuration slower than
# the floor is a result, not a failure: the probe is its measurement,
# and it never holds the run for long. Only one slower than a tenth of
# the floor fails.
probe=$((requests / 10))
[ "$probe" -ge 100 ] || probe=100
status=0
bench "$probe" $((probe * ntests * 10 / floor_rps + 2)) || status=$?
if [ "$status" -eq 0 ] && [ "$(mix_rps)" -ge "$floor_rps" ]; then
	cp bench.csv probe.csv
	bench "$requests" "$limit" || status=$?
	if [ "$status" -eq 124 ]; then
		# Slower than the probe said (the load changed): the probe
		# stands.
		echo "test.sh: the full mix took over $limit s; the probe's figures stand" >&2
		cp probe.csv bench.csv
		requests=$probe
		status=0
	fi
elif [ "$status" -eq 0 ]; then
	echo "test.sh: slower than $floor_rps requests/s: measured with $probe requests per command" >&2
	requests=$probe
fi
cat bench.csv
stop_server
if [ "$status" -eq 124 ]; then
	die "slower than $((floor_rps / 10)) requests/s: the probe of $((probe * ntests)) requests took too long"
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
		if (tolower($2) ~ /inf/) { quick = 1; next }
		rps = num($2)
		if (rps <= 0) { bad = 1; next }
		n++; inv += 1 / rps; avg += num($3); p50 += num($5)
		if (num($7) > p99) p99 = num($7)
		line[n] = sprintf("rps_%s %s", name, rps)
	}
	END {
		if (quick) {
			printf "test.sh: a command of %d requests was too quick to time (rate inf): use more requests\n", requests > "/dev/stderr"
			exit 1
		}
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
