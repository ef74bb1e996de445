#!/bin/sh
# wayfinder insights: parameter importance from an experiment's trials
# (a bayes search, failures included) and from a replay dataset, in
# each format; a spec whose script moved is rebuilt from the trials.
. "${top_srcdir}/tests/regress/lib.sh"

cat >"$T/spec.yaml" <<'YAML'
name: insights
params:
  - {name: A, type: int, values: [1, 2, 4, 8]}
  - {name: B, type: bool}
  - {name: C, type: str, values: [x, y, z]}
  - {name: D, type: int, min: 0, max: 9, when: test}
build:
  run: |
    [ "$C" != z ] || [ "$A" != 8 ] || exit 1
    echo ok > artefact
test:
  script: test.sh
  metrics: [speed]
  objective: {metric: speed, direction: maximize}
search: {strategy: bayes, budget: 30, seed: 3}
YAML
cat >"$T/test.sh" <<'SH'
#!/bin/sh
# A dominates, B matters a little, C and D hardly.
awk -v a="$A" -v b="$B" -v c="$C" -v d="$D" 'BEGIN {
	printf "speed %f\n", 100 * a + (b == "true" ? 40 : 0) + (c == "y" ? 3 : 0) + d / 10 }' \
    >>"$WAYFINDER_RESULTS"
SH
chmod +x "$T/test.sh"

wf insights
is "$rc" 1 "no experiment yet: an error"

# One job at a time: the trials finish in one order, so the seed fixes
# the proposals.
wf run "$T/spec.yaml" --foreground --jobs 1
is "$rc" 0 "a bayes experiment runs"

wf insights
sed 's/^/# /' "$T/out"
is "$rc" 0 "insights on the experiment"
is "$(awk '/^  parameter/ { getline; print $1; exit }' "$T/out")" A \
    "the parameter that dominates comes first"
grep -q "failed" "$T/out"
ok $? "failed trials are counted"
grep -q "^  A: 8=" "$T/out"
ok $? "its best value leads its marginal"

wf insights insights --format csv
is "$rc" 0 "CSV by experiment name"
is "$(head -1 "$T/out")" "kind,parameter,other,value,share,share_sd,predicted,trials" \
    "the CSV header"
is "$(grep -c '^main,' "$T/out")" 4 "one main row per parameter"
is "$(grep '^main,' "$T/out" | head -1 | cut -d, -f2)" A "A first"
is "$(grep -c '^marginal,A,' "$T/out")" 4 "a marginal row per value of A"

wf insights 1 --format json
is "$rc" 0 "JSON by experiment id"
grep -q '"parameters"' "$T/out" && grep -q '"interactions"' "$T/out"
ok $? "the JSON has parameters and interactions"

# The spec's script moved: the trials still tell their story.
mv "$T/test.sh" "$T/test.sh.moved"
wf insights
is "$rc" 0 "insights when the spec no longer loads"
grep -q "note: the spec no longer loads" "$T/out"
ok $? "... says its domains come from the trials"
is "$(awk '/^  parameter/ { getline; print $1; exit }' "$T/out")" A \
    "... and still puts A first"

# A dataset: y = 10 x + z, w irrelevant.
{
	echo "x,w,z,y+"
	for x in 1 2 3 4 5; do
		for w in a b c; do
			for z in 0 1; do
				echo "$x,$w,$z,$((10 * x + z))"
			done
		done
	done
} >"$T/d.csv"
wf insights --dataset "$T/d.csv" --format csv
is "$rc" 0 "insights on every row of a dataset"
is "$(grep '^main,' "$T/out" | head -1 | cut -d, -f2)" x "x matters most"
is "$(grep '^main,w,' "$T/out" | cut -d, -f5 | awk '{ print ($1 < 0.01) }')" 1 \
    "w not at all"
wf insights --dataset "$T/d.csv" --trials 12 --strategy bayes --seed 2
is "$rc" 0 "insights on the trials of a replay"
grep -q "12 trials of bayes (seed 2)" "$T/out"
ok $? "... which it names"
wf insights --dataset "$T/d.csv" --trials 12 --strategy nosuch
is "$rc" 2 "an unknown strategy is a usage error"
wf insights --trials 12
is "$rc" 2 "--trials goes with --dataset"
wf insights --format xml
is "$rc" 2 "a bad format is a usage error"

finish
