#!/bin/sh
# Prints webcache.csv, the small synthetic dataset of the example replay
# profile (README.md): a made-up caching web server with 4 parameters
# (72 configurations, 66 of them measured) and two objectives. Nothing
# here was measured: the figures come from the formula below, with a
# fixed pseudo-random noise (Park-Miller, exact in any awk), so the same
# file comes out every time.
#
# usage: make-example.sh > webcache.csv
set -eu
awk 'BEGIN {
	seed = 20240601
	split("1 2 4 8", threads, " ")
	split("16 64 256", cache, " ")
	split("n y", compress, " ")
	split("fifo lfu lru", evict, " ")
	# Throughput per thread count, and what each setting multiplies.
	tscale[1] = 1.0; tscale[2] = 1.85; tscale[4] = 3.2; tscale[8] = 4.1
	hit[16] = 0.55; hit[64] = 0.78; hit[256] = 0.90
	eff["fifo"] = 0.90; eff["lfu"] = 1.00; eff["lru"] = 1.03
	print "THREADS,CACHE_MB,COMPRESSION,EVICTION,requests_per_s+,p99_ms-"
	for (a = 1; a <= 4; a++)
	for (b = 1; b <= 3; b++)
	for (c = 1; c <= 2; c++)
	for (d = 1; d <= 3; d++) {
		t = threads[a]; m = cache[b]; z = compress[c]; e = evict[d]
		seed = (seed * 16807) % 2147483647
		noise = 1 + 0.04 * (seed / 2147483647 - 0.5)
		# 8 threads need more than 16 MB of cache: the server does not
		# start, so the configuration was never measured (absent).
		if (t == 8 && m == 16)
			continue
		h = hit[m]
		# Compression makes a small cache hold more, and costs CPU.
		if (z == "y")
			h = h + (1 - h) * 0.35
		# LFU pays off with a big cache, LRU with a small one.
		f = eff[e]
		if (e == "lfu" && m == 256)
			f = 1.08
		cpu = z == "y" ? 0.88 : 1.0
		rps = 9000 * tscale[t] * cpu * f / (1 - 0.85 * h) * noise
		# Tail latency grows with queueing once threads pass the cores.
		p99 = 4 + 30 * (1 - h) + (t > 4 ? 6 : 0) + (z == "y" ? 1.5 : 0)
		printf "%d,%d,%s,%s,%.1f,%.2f\n", t, m, z, e, rps, p99 * (2 - noise)
	}
}'
