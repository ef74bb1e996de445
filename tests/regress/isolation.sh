#!/bin/sh
# The isolation profile (profiles/isolation): its spec validates, a short
# real run measures the benchmark, and run.sh plans every level on the
# paper's kind of server with the parallelism each level allows there.
. "${top_srcdir}/tests/regress/lib.sh"

p="${top_srcdir}/profiles/isolation"

wf validate "$p/isolation.yaml"
is "$rc" 0 "the isolation spec validates"

if command -v "${CC:-gcc}" >/dev/null 2>&1; then
	wf run "$p/isolation.yaml" --foreground --budget 2
	is "$rc" 0 "two trials of the profile run"
	wf results isolation --format csv
	sed 's/^/# /' "$T/out"
	is "$(grep -c ',done,' "$T/out")" 2 "both measured"
	# The metric is a time per cache line: positive, and under 10 us.
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ns_per_line_mean") c = i }
	    NR > 1 && !(c && $c > 0 && $c < 10000) { bad = 1 }
	    END { exit bad || !c }' "$T/out"
	ok $? "ns_per_line is a plausible time per line"
else
	skip "no C compiler to build the benchmark"
	skip "no C compiler to build the benchmark"
	skip "no C compiler to build the benchmark"
fi

WAYFINDER="$WAYFINDER" sh "$p/run.sh" --plan 'synthetic:pack:2 l3:1 core:8 pu:2' \
	>"$T/plan" 2>&1
is "$?" 0 "run.sh plans the levels on a 2 x 8 x 2 server"
sed 's/^/# /' "$T/plan"
is "$(awk '$1 ~ /^(none|core|cache|socket|full)$/ { printf "%s=%s ", $1, $2 }' "$T/plan")" \
	"none=30 core=15 cache=2 socket=2 full=1 " \
	"jobs at once per level: 30, 15, 2, 2, 1"
finish
