#!/bin/sh
# wayfinder replay: its CSV and table, its errors (each naming the file,
# line and column or the option), a strategy that breaks; and the replay
# profiles (profiles/replay): the committed example is what its scripts
# make, and a generated profile runs through the whole engine and finds
# what the dataset says.
. "${top_srcdir}/tests/regress/lib.sh"

# 4 x 3 = 12 configurations, one absent (b=z, a=4), a quoted value.
cat >"$T/small.csv" <<'CSV'
a,b,score+,time-
1,x,10,5
2,x,20,4
3,x,30,3
4,x,40,2
1,y,50,1
2,y,60,9
3,y,70,8
4,y,80,7
1,"z,1",90,6
2,"z,1",100,5
3,"z,1",110,4
CSV

"$WAYFINDER" replay "$T/small.csv" --strategy random,grid --budget 12,1,5 \
    --seeds 20 --format csv >"$T/r.csv" 2>"$T/err"
is "$?" 0 "replay --format csv"
is "$(head -1 "$T/r.csv")" "dataset,strategy,budget,seeds,p_best,p_within5,mean_regret" \
    "the CSV columns, exactly"
is "$(sed 1d "$T/r.csv" | wc -l | tr -d ' ')" 6 "a row per strategy and budget"
is "$(sed 1d "$T/r.csv" | cut -d, -f1,2,3,4 | tr '\n' ' ')" \
    "small.csv,random,1,20 small.csv,random,5,20 small.csv,random,12,20 small.csv,grid,1,20 small.csv,grid,5,20 small.csv,grid,12,20 " \
    "budgets in order, for each strategy in the order given"
is "$(grep '^small.csv,random,12,' "$T/r.csv")" "small.csv,random,12,20,1,1,0" \
    "the whole space (absent one included) always finds the best"
is "$(grep '^small.csv,grid,12,' "$T/r.csv")" "small.csv,grid,12,20,1,1,0" \
    "so does a grid sweep"
is "$(cat "$T/err")" "" "nothing on stderr"

wf replay "$T/small.csv" --budget 3 --seeds 5
is "$rc" 0 "replay as a table"
grep -q "^small.csv: 11 configurations measured of 12, 2 parameters" "$T/out"
ok $? "it describes the dataset"
grep -q "P(best) *P(within 5%) *mean regret *absent *ask ms" "$T/out"
ok $? "with a column per figure, and the ask time"
grep -q "^  random  *3  *5 " "$T/out"
ok $? "random is the default strategy"

"$WAYFINDER" replay "$T/small.csv" --budget 4 --seeds 3 --ask-times >"$T/a.csv"
is "$(head -1 "$T/a.csv")" "dataset,strategy,budget,seeds,asks,median_ask_ms,p90_ask_ms,median_tell_ms" \
    "--ask-times: its own CSV"
is "$(sed 1d "$T/a.csv" | cut -d, -f1-5)" "small.csv,random,4,3,12" "with the number of asks"

"$WAYFINDER" replay --list-strategies >"$T/list"
grep -q "^random " "$T/list" && grep -q "^grid " "$T/list"
ok $? "--list-strategies"

# Errors.
wf replay "$T/small.csv" --strategy random,rnadom
is "$rc" 2 "an unknown strategy is a usage error"
grep -q "unknown strategy 'rnadom'; did you mean 'random'?" "$T/out"
ok $? "and is named, with a suggestion"
wf replay "$T/small.csv" --strategy grid --option stpe=2
is "$rc" 2 "an option the strategy does not take"
grep -q "^wayfinder: --option stpe: " "$T/out"
ok $? "is named"
wf replay "$T/small.csv" --option novalue
is "$rc" 2 "--option without a value"
wf replay "$T/none.csv"
is "$rc" 2 "a missing dataset"
grep -q "^$T/none.csv: error: No such file or directory" "$T/out"
ok $? "is named"
printf 'a,b+\n1,2\n3,4,5\n' >"$T/ragged.csv"
wf replay "$T/ragged.csv"
is "$rc" 2 "a ragged dataset"
grep -q "^$T/ragged.csv:3:5: error: row has 3 fields, the header has 2" "$T/out"
ok $? "names the file, line and column"
printf 'a,b+\n1,2\n2,fast\n' >"$T/nonnum.csv"
wf replay "$T/nonnum.csv"
grep -q "^$T/nonnum.csv:3:3: error: objective 'b+' is 'fast', not a (finite) number" "$T/out"
ok $? "a non-numeric objective, at its position"
printf 'a,b+\n1,2\n1,3\n' >"$T/dup.csv"
wf replay "$T/dup.csv"
grep -q "^$T/dup.csv:3:1: error: the configuration of line 2 again" "$T/out"
ok $? "a configuration measured twice"
wf replay "$T/small.csv" --budget 0
is "$rc" 2 "a budget of 0"
wf replay "$T/small.csv" --seeds x
is "$rc" 2 "seeds that are not a number"
wf replay "$T/small.csv" --format json
is "$rc" 2 "an unknown format"
wf replay
is "$rc" 2 "no dataset"
printf '"cache size",b+\n1,2\n' >"$T/names.csv"
"$WAYFINDER" replay "$T/names.csv" --format csv --budget 1 --seeds 1 \
    >"$T/names.out" 2>"$T/names.err"
is "$?" 0 "a column name that needs changing is no error"
grep -q "^$T/names.csv:1:1: warning: column 'cache size' is not a valid parameter name" "$T/names.err"
ok $? "but is warned about, on stderr"
is "$(sed 1d "$T/names.out")" "names.csv,random,1,1,1,1,0" "and the CSV is clean"

# A strategy that breaks: an external optimiser that exits at once.
if "$WAYFINDER" replay --list-strategies | grep -q '^external '; then
	wf replay "$T/small.csv" --strategy random,external \
	    --option command=/bin/false --format csv
	is "$rc" 2 "options are checked for every strategy given (random takes none)"
	wf replay "$T/small.csv" --strategy external --option command=/bin/false \
	    --format csv --budget 3 --seeds 2
	is "$rc" 1 "a strategy that breaks fails the command"
	grep -q "^wayfinder: $T/small.csv: seed 1: " "$T/out"
	ok $? "and says where it broke"
else
	skip "no external strategy registered"
	skip "no external strategy registered"
	skip "no external strategy registered"
fi

# The committed example profile is what its two scripts write.
ex="$top_srcdir/profiles/replay"
sh "$ex/make-example.sh" >"$T/webcache.csv"
cmp -s "$T/webcache.csv" "$ex/webcache.csv"
ok $? "webcache.csv is what make-example.sh prints"
mkdir "$T/gen"
sh "$ex/make-profile.sh" "$ex/webcache.csv" "$T/gen" >/dev/null
cmp -s "$T/gen/webcache.yaml" "$ex/webcache.yaml" &&
    cmp -s "$T/gen/webcache-lookup.sh" "$ex/webcache-lookup.sh"
ok $? "webcache.yaml and webcache-lookup.sh are what make-profile.sh writes"

# ... and runs from the top of the source tree.
(cd "$top_srcdir" && "$WAYFINDER" run profiles/replay/webcache.yaml \
    --foreground --quiet) >"$T/out" 2>&1
is "$?" 0 "the example profile runs"
grep -q "(replay-webcache) done: 20 trials" "$T/out"
ok $? "its 20 trials"

# A profile made from a dataset with an absent configuration: a grid
# sweep through the engine measures 11, fails 1, and finds the best.
sh "$ex/make-profile.sh" "$T/small.csv" "$T/prof" >"$T/mp.out" 2>&1
is "$?" 0 "make-profile.sh"
test -x "$T/prof/small-lookup.sh" && test -f "$T/prof/small.csv"
ok $? "writes the lookup script and copies the dataset"
wf validate "$T/prof/small.yaml"
is "$rc" 0 "the generated spec is valid"
grep -q "^space: 12 configurations$" "$T/out"
ok $? "with the dataset's space"
wf run "$T/prof/small.yaml" --foreground --strategy grid --budget 12
sed 's/^/# /' "$T/out" | tail -5
is "$rc" 0 "the replay profile runs through the engine"
grep -q "12 trials, 11 measured, 1 failed" "$T/out"
ok $? "the absent configuration fails, the others are measured"
"$WAYFINDER" results replay-small --format csv >"$T/res.csv" 2>/dev/null
is "$(csv_col "$T/res.csv" value | head -1)" "110" "the best is the dataset's best"
grep -q "^  a=3 b=z,1$" "$T/out"
ok $? "with its quoted value"
grep -q "absent from the dataset (a=4 b=z,1)" \
    "$WAYFINDER_STATE"/experiments/2/logs/*.err
ok $? "the failed trial's log says why"

# --dataset-env: the dataset stays where it is, named by a variable.
sh "$ex/make-profile.sh" --dataset-env SMALL_DATA=nowhere/small.csv \
    "$T/small.csv" "$T/prof3" >"$T/mp.out" 2>&1
is "$?" 0 "make-profile.sh --dataset-env"
test -x "$T/prof3/small-lookup.sh" && ! test -e "$T/prof3/small.csv"
ok $? "writes the lookup and leaves the dataset where it is"
sed -i 's/^name: replay-small$/name: replay-small-env/' "$T/prof3/small.yaml"
# (Without the sandbox: as root a job's /tmp is its own, and $T is there.)
SMALL_DATA="$T/small.csv" "$WAYFINDER" run "$T/prof3/small.yaml" \
    --foreground --strategy grid --budget 12 --no-sandbox >"$T/out" 2>&1
is "$?" 0 "it runs with the dataset the variable names"
grep -q "12 trials, 11 measured, 1 failed" "$T/out"
ok $? "  and measures what it holds"
"$WAYFINDER" run "$T/prof3/small.yaml" --foreground --strategy grid \
    --budget 1 --state "$T/state-nodata" >"$T/out" 2>&1
grep -rq "cannot read .*nowhere/small.csv" "$T/state-nodata"/experiments/1/logs/
ok $? "without it the default is read, and a missing one says so"
sh "$ex/make-profile.sh" --dataset-env PATH=x.csv "$T/small.csv" \
    "$T/prof4" >"$T/out" 2>&1
is "$?" 1 "--dataset-env refuses a variable the lookup needs"

printf 'a,b\n1,2\n' >"$T/noobj.csv"
sh "$ex/make-profile.sh" "$T/noobj.csv" "$T/prof2" >"$T/out" 2>&1
is "$?" 1 "make-profile.sh refuses a dataset without an objective"
grep -q "noobj.csv:1: no objective column" "$T/out"
ok $? "and says why"

finish
