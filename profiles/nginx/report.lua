-- wrk script of the nginx profile: after the run, prints the latency
-- (wrk keeps it in microseconds) and the error counts as lines
--   wayfinder-wrk: NAME VALUE
-- which the metric regexes of nginx.yaml read and test.sh checks.

local function put(name, value)
	io.write(string.format("wayfinder-wrk: %s %.17g\n", name, value))
end

done = function(summary, latency, requests)
	local e = summary.errors
	put("requests", summary.requests)
	put("bytes", summary.bytes)
	put("duration_us", summary.duration)
	put("latency_mean_us", latency.mean)
	put("latency_p50_us", latency:percentile(50))
	put("latency_p99_us", latency:percentile(99))
	put("latency_max_us", latency.max)
	put("socket_errors", e.connect + e.read + e.write + e.timeout)
	put("status_errors", e.status)
end
