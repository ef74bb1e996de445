#!/bin/sh
# The command line: exit statuses, errors that name the file, results
# formats, and the refusal to re-run a finished experiment.
. "${top_srcdir}/tests/regress/lib.sh"

wf --version
is "$rc" 0 "--version"
grep -q '^wayfinder [0-9]' "$T/out"
ok $? "--version prints the version"
wf --help
is "$rc" 0 "--help"
wf frobnicate
is "$rc" 2 "an unknown command is a usage error"
grep -q "unknown command 'frobnicate'" "$T/out"
ok $? "and says so"
wf run
is "$rc" 2 "run without a spec is a usage error"
wf results
is "$rc" 1 "results before any experiment fails"
grep -q "no experiments in" "$T/out"
ok $? "and says why"

printf 'name: bad\nparams:\n  - {name: A, tyep: int}\n' >"$T/bad.yaml"
wf validate "$T/bad.yaml"
is "$rc" 2 "validate of a bad spec exits 2"
grep -q "$T/bad.yaml:3:15: error: unknown key 'tyep' in parameter 1; did you mean 'type'?" "$T/out"
ok $? "with file:line:column and a suggestion"
wf run "$T/bad.yaml" --foreground
is "$rc" 2 "run of a bad spec exits 2"

cat >"$T/big.yaml" <<'YAML'
name: big
params:
  - {name: A, type: int, min: 1, max: 1000000, when: test}
test:
  run: 'echo "v $A" >> "$WAYFINDER_RESULTS"'
  repeat: 1
  metrics: [v]
  objective: {metric: v, direction: maximize}
YAML
wf run "$T/big.yaml" --foreground
is "$rc" 2 "a large space without a budget is refused"
grep -q "no budget" "$T/out"
ok $? "with the reason"
wf run "$T/big.yaml" --foreground --budget 0
is "$rc" 2 "--budget 0 is refused"
wf run "$T/big.yaml" --foreground --budget 5 --seed 3 --jobs 1 --strategy random
is "$rc" 0 "run with options"
wf results big --format csv
is "$(($(wc -l <"$T/out") - 1))" 5 "five trials in the CSV"
wf results big --format json
grep -q '"strategy": "random"' "$T/out"
ok $? "JSON results carry the experiment"
wf results big --top 2
is "$(grep -c '^ *[0-9]' "$T/out")" 2 "--top limits the table"
wf results big --format xml
is "$rc" 2 "an unknown format is a usage error"
wf results nosuch
is "$rc" 1 "an unknown experiment fails"
wf run "$T/big.yaml" --foreground --budget 5 --seed 3 --strategy random
is "$rc" 0 "a finished experiment is not run again"
grep -q "already complete" "$T/out"
ok $? "and the user is told how to get results"
wf run "$T/big.yaml" --foreground --budget 7 --seed 3 --strategy random
grep -q "resuming experiment" "$T/out"
ok $? "a larger budget extends it"
wf results big --format csv
is "$(($(wc -l <"$T/out") - 1))" 7 "seven trials now"
finish
