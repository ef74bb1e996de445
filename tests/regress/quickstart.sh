#!/bin/sh
# The quickstart profile end to end: a real build (gcc, config.h) and a
# real benchmark, a few trials, results in every format.
. "${top_srcdir}/tests/regress/lib.sh"

spec="${top_srcdir}/profiles/quickstart/quickstart.yaml"
wf validate "$spec"
is "$rc" 0 "the quickstart spec is valid"
grep -q "^space: [0-9]* configurations$" "$T/out"
ok $? "validate gives the exact size of the space"

wf run "$spec" --foreground --budget 6 --jobs 2
sed 's/^/# /' "$T/out"
is "$rc" 0 "6 trials of the quickstart run"
grep -q "experiment 1 (quickstart) done: 6 trials, 6 measured, 0 failed" "$T/out"
ok $? "every trial is measured"

wf results quickstart --format csv
cp "$T/out" "$T/r.csv"
is "$(csv_col "$T/r.csv" status | sort -u)" "done" "results: all done"
is "$(csv_col "$T/r.csv" n | sort -u)" "3" "3 measured runs each (1 warm-up not counted)"
awk -F, 'NR > 1 && !($6 > 0) { bad = 1 } END { exit bad }' "$T/r.csv"
ok $? "every value is a positive throughput"
is "$(csv_col "$T/r.csv" rank | head -1)" "1" "best first"

builds="$WAYFINDER_STATE/experiments/1/builds"
nbuilds=$(ls "$builds" | wc -l)
[ "$nbuilds" -ge 1 ] && [ "$nbuilds" -le 6 ]
ok $? "one build directory per distinct build ($nbuilds)"
grep -q '^#define TILE [0-9]*$' "$builds"/*/config.h
ok $? "config.h defines the build parameters"
if grep -q 'LOOP_ORDER' "$builds"/*/config.h; then ok 1 "config.h holds no test parameter"; else ok 0 "config.h holds no test parameter"; fi

wf results quickstart --format json
grep -q '"mflops": {' "$T/out"
ok $? "JSON carries the metric's statistics"
finish
