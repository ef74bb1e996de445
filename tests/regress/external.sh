#!/bin/sh
# The external strategy in real runs of `wayfinder run`: a peer in sh
# (next to the spec, found from the spec's directory) proposes batches,
# is told every outcome, and on a resume is told the earlier ones first;
# a peer that dies stops the run with its reason, resumably, and leaves
# nothing running; then Optuna's TPE through optuna-tpe.py, when
# /usr/bin/python3 has optuna.
. "${top_srcdir}/tests/regress/lib.sh"

# Proposes X = 1, 2, 3, ... (n of them per ask, n from the ask), logging
# everything it is sent to peer.log; exits 3 at ask $DIE_AT when set.
cat >"$T/peer.sh" <<'SH'
read -r space
printf '%s\n' "$space" >> peer.log
echo '{"type":"ready","version":1}'
x=0
asks=0
while read -r line; do
	printf '%s\n' "$line" >> peer.log
	case $line in
	*'"type":"ask"'*)
		asks=$((asks + 1))
		if [ "$asks" = "${DIE_AT:-0}" ]; then
			echo "peer.sh: giving up at ask $asks" >&2
			exit 3
		fi
		n=$(printf '%s\n' "$line" | sed 's/.*"n":\([0-9]*\).*/\1/')
		out=
		while [ "$n" -gt 0 ]; do
			x=$((x + 1))
			out="$out${out:+,}{\"params\":{\"X\":$x},\"tag\":$x}"
			n=$((n - 1))
		done
		echo "{\"type\":\"configs\",\"configs\":[$out]}" ;;
	esac
done
SH
cat >"$T/spec.yaml" <<'YAML'
name: ext
params:
  - {name: X, type: int, min: 1, max: 40, when: test}
  - {name: M, type: str, values: [a, b], when: test}
test:
  run: |
    if [ "$X" = 4 ]; then exit 1; fi
    echo "v $((X * 10))" >> "$WAYFINDER_RESULTS"
  metrics: [v]
  objective: {metric: v, direction: maximize}
search:
  strategy: external
  budget: 6
  seed: 5
  options: {command: [sh, peer.sh], timeout: 20}
YAML

wf run "$T/spec.yaml" --foreground --jobs 2
sed 's/^/# /' "$T/out"
is "$rc" 0 "a run with a sh peer completes"
wf results ext --format csv
cp "$T/out" "$T/r1.csv"
is "$(csv_col "$T/r1.csv" X | sort -n | tr '\n' ' ')" "1 2 3 4 5 6 " \
    "it measured what the peer proposed"
is "$(csv_col "$T/r1.csv" status | grep -c '^failed$')" 1 \
    "X=4 failed"
grep -q '^{"type":"space","version":1,"experiment":"ext","objective":"v","direction":"maximize","seed":5,"seeded":true,"params":\[{"name":"X","type":"int","stage":"test","range":{"min":1,"max":40,"step":1,"power":false,"count":40},"default":1}' "$T/peer.log"
ok $? "the peer got the space message"
is "$(grep -c '"type":"tell".*"status":"done"' "$T/peer.log")" 5 \
    "it was told the 5 measured trials"
grep -q '"type":"tell","id":"[0-9a-f]*","tag":4,"status":"failed","reason":"[^"]' "$T/peer.log"
ok $? "and the failed one, with its reason"
grep -q '"tag":6,"status":"done","value":60.0,"stddev":0.0,"n":3,"params":{"X":6,"M":"a"}}' "$T/peer.log"
ok $? "a tell holds the value and the canonical configuration"

# Resume with a larger budget: the new peer hears of the 6 first.
mv "$T/peer.log" "$T/peer1.log"
wf run "$T/spec.yaml" --foreground --jobs 2 --budget 9
sed 's/^/# /' "$T/out"
is "$rc" 0 "the resumed run completes"
awk '/"type":"ask"/ { exit } /"type":"tell"/ { n++ } END { print n + 0 }' \
    "$T/peer.log" >"$T/before"
is "$(cat "$T/before")" 6 "the earlier outcomes are told before any ask"
is "$(sed -n '2p' "$T/peer.log" | grep -c '"tag"')" 0 \
    "without tags (the new peer did not propose them)"
wf results ext --format csv
is "$(csv_col "$T/out" X | sort -n | tr '\n' ' ')" "1 2 3 4 5 6 7 8 9 " \
    "its repeats of X=1..6 were not run again"
grep -q '"tag":2,"status":"done","value":20.0' "$T/peer.log"
ok $? "a repeat is told the known outcome"

# A peer that dies: the run stops with the reason, and can resume.
export DIE_AT=2
wf run "$T/spec.yaml" --foreground --jobs 1 --new --budget 8
sed 's/^/# /' "$T/out"
[ "$rc" -ne 0 ]
ok $? "a dying peer fails the run ($rc)"
grep -q "strategy external failed: peer.sh .*exited with status 3.*giving up at ask 2" "$T/out"
ok $? "with the peer's exit and its last words"
grep -q "wayfinder: peer.sh: peer.sh: giving up at ask 2" "$T/out"
ok $? "its stderr is shown, prefixed"
is "$(procs_with "$T/peer.sh" | wc -l)" 0 "no peer is left running"
unset DIE_AT
wf run "$T/spec.yaml" --foreground --jobs 1 --budget 8
sed 's/^/# /' "$T/out"
is "$rc" 0 "the failed experiment resumes and completes"

# A command that cannot run is refused at the start.
wf run "$T/spec.yaml" --foreground --new --option command=./nope.sh
sed 's/^/# /' "$T/out"
[ "$rc" -ne 0 ] && grep -q "nope.sh is neither in the spec's directory" "$T/out"
ok $? "a missing peer is refused with its name"

# Optuna's TPE through the example peer.
if ! /usr/bin/python3 -c 'import optuna' >/dev/null 2>&1; then
	skip "/usr/bin/python3 cannot import optuna (apt-get install python3-optuna)"
	skip "optuna-tpe.py not run"
	finish
fi
cat >"$T/tiny.yaml" <<'YAML'
name: tiny
params:
  - {name: X, type: int, min: -5, max: 5, when: test}
  - {name: Y, type: float, min: 0, max: 1, step: 0.25, when: test}
  - {name: M, type: str, values: [a, b, c], when: test}
  - {name: P, type: int, min: 1, max: 64, step: 2, step_mode: power,
     if: "M != 'c'", when: test}
test:
  run: |
    awk -v x="$X" -v y="$Y" -v m="$M" -v p="${P:-0}" 'BEGIN {
      c = (x - 2) ^ 2 + (y - 0.5) ^ 2 + (m == "b" ? 0 : 3)
      print "cost", c + (p == 8 ? 0 : 1) }' >> "$WAYFINDER_RESULTS"
  metrics: [cost]
  objective: {metric: cost, direction: minimize}
search: {budget: 16, seed: 3}
YAML
wf run "$T/tiny.yaml" --foreground --jobs 2 --strategy external \
    --option "command=/usr/bin/python3,$top_srcdir/strategies/external/optuna-tpe.py,--startup,5"
sed 's/^/# /' "$T/out"
is "$rc" 0 "optuna-tpe.py drives a run"
wf results tiny --format csv
cp "$T/out" "$T/tiny.csv"
is "$(csv_col "$T/tiny.csv" status | grep -c '^done$')" 16 "16 trials measured"
is "$(csv_col "$T/tiny.csv" config | sort -u | wc -l)" 16 \
    "16 distinct configurations"
finish
