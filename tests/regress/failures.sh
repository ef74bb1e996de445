#!/bin/sh
# Failures are data: a build that fails, a test that fails, a missing
# metric and a malformed results file each fail their trial with the
# reason, and the search goes on. A failed build is not built again.
. "${top_srcdir}/tests/regress/lib.sh"

export BLOG="$T/builds.log"
cat >"$T/spec.yaml" <<'YAML'
name: failures
params:
  - {name: OPT, type: str, values: [good, bad, other]}
  - {name: MODE, type: str, values: [ok, fail, nometric, badresult], when: test}
build:
  run: |
    echo "$OPT" >> "$BLOG"
    [ "$OPT" != bad ] || { echo "cannot build $OPT" >&2; exit 1; }
    echo built > artefact
test:
  run: |
    test -f "$WAYFINDER_BUILD_DIR/artefact" || exit 9
    case "$MODE" in
    ok) echo "v 1" >> "$WAYFINDER_RESULTS" ;;
    fail) echo "evidence of $OPT" > left.txt; exit 3 ;;
    nometric) echo "other 2" >> "$WAYFINDER_RESULTS" ;;
    badresult) echo "v one" >> "$WAYFINDER_RESULTS" ;;
    esac
  repeat: 2
  metrics: [v]
  objective: {metric: v, direction: maximize}
search: {strategy: grid}
YAML

wf run "$T/spec.yaml" --foreground
sed 's/^/# /' "$T/out"
is "$rc" 0 "the experiment completes although most trials fail"
wf results failures --format csv
cp "$T/out" "$T/r.csv"
is "$(($(wc -l <"$T/r.csv") - 1))" 12 "all 12 trials are recorded"
is "$(csv_col "$T/r.csv" status | grep -c '^done$')" 2 "2 trials succeed"
is "$(grep -c 'build failed: exit status 1 (log: ' "$T/r.csv")" 4 \
    "the 4 trials of the failed build say why"
is "$(grep -c 'test failed: exit status 3 in iteration 1' "$T/r.csv")" 2 \
    "failed tests give their exit status and iteration"
is "$(grep -c "metric 'v' missing in iteration 1 (not in the results file)" "$T/r.csv")" 2 \
    "a missing metric is named"
is "$(grep -c "results file line 1: value 'one' of 'v' is not a number" "$T/r.csv")" 2 \
    "a malformed results line is located"
is "$(sort "$BLOG" | tr '\n' ' ')" "bad good other " \
    "each build ran once, the failed one too"
log=$(grep 'build failed' "$T/r.csv" | grep -o 'log: [^)]*' | head -1 | cut -c6-)
grep -q "cannot build bad" "$log"
ok $? "the failed build's log holds its stderr"

# A failed test's work directory is kept for a look; a good one's is not.
is "$(cat "$WAYFINDER_STATE"/experiments/1/jobs/*/left.txt | sort | tr '\n' ' ')" \
    "evidence of good evidence of other " "failed tests' work directories are kept"
is "$(find "$WAYFINDER_STATE"/experiments/1/work/0 "$WAYFINDER_STATE"/experiments/1/work/1 -mindepth 1 | wc -l)" 0 \
    "slots are left clean"

cat >"$T/allfail.yaml" <<'YAML'
name: allfail
params:
  - {name: A, type: int, values: [1, 2]}
test:
  run: 'exit 1'
  objective: {metric: wall_ms, direction: minimize}
YAML
wf run "$T/allfail.yaml" --foreground
is "$rc" 4 "an experiment where every trial failed exits 4"
finish
