#!/bin/sh
# Dry-run plans on the paper's kind of server (2 packages x 8 cores x 2
# hyperthreads, an L3 per package): for every isolation level, no two
# jobs that overlap in time break the level's rule, every trial runs all
# its iterations, and the reported parallelism fits the level.
. "${top_srcdir}/tests/regress/lib.sh"

server='synthetic:pack:2 l3:1 core:8 pu:2'
cat >"$T/base.yaml" <<'YAML'
name: plan
params:
  - {name: B, type: int, values: [1, 2, 3, 4]}
  - {name: X, type: int, min: 1, max: 40, when: test}
build:
  run: 'true'
  estimate: 3s
test:
  run: 'true'
  cores: CORES
  isolation: LEVEL
  estimate: 2s
  repeat: 2
  warmup: 1
  objective: {metric: wall_ms, direction: minimize}
YAML

# check CSV LEVEL: prints the first broken rule, if any
check() {
	sed 's/"\([0-9,]*\)"/\1/; s/,/ /g' "$1" | awk -v level="$2" '
	NR == 1 { next }
	/^#/ { next }
	{
		n++; kind[n] = $2; lvl[n] = ($2 == "build") ? "none" : $4
		start[n] = $(NF - 1); end[n] = $NF; cpus[n] = ""
		for (i = 5; i < NF - 1; i++) cpus[n] = cpus[n] " " $i
	}
	function dom(pu, l) {
		if (l == "none") return pu
		if (l == "core") return int(pu / 2)
		if (l == "cache" || l == "socket") return int(pu / 16)
		return 0
	}
	END {
		for (a = 1; a <= n; a++) for (b = 1; b <= n; b++) {
			if (a == b || !(start[a] < end[b] && start[b] < end[a]))
				continue
			na = split(cpus[a], pa, " "); nb = split(cpus[b], pb, " ")
			for (i = 1; i <= na; i++) {
				if (pa[i] < 2) { print "reserved PU " pa[i] " used"; exit 1 }
				for (j = 1; j <= nb; j++)
					if (dom(pa[i], lvl[a]) == dom(pb[j], lvl[a])) {
						print "jobs " a " (" lvl[a] ") and " b " share " pa[i] "/" pb[j]
						exit 1
					}
			}
		}
	}'
}

for level in none core cache socket full; do
	for cores in 1 2; do
		sed "s/LEVEL/$level/; s/CORES/$cores/" "$T/base.yaml" >"$T/spec.yaml"
		"$WAYFINDER" run "$T/spec.yaml" --dry-run --budget 30 \
		    --topology "$server" >"$T/plan.csv" 2>"$T/summary"
		ok $? "dry run: $level, $cores CPU(s) a job"
		why=$(check "$T/plan.csv" "$level")
		is "$why" "" "  no rule broken at $level"
		is "$(grep -c ',test,' "$T/plan.csv")" 90 "  30 trials x 3 iterations"
		is "$(grep -c ',build,' "$T/plan.csv")" 4 "  one build per build value"
		# The most test jobs at once (builds are at level none).
		peak=$(grep ',test,' "$T/plan.csv" | awk -F, '
			{ s[NR] = $(NF - 1); e[NR] = $NF }
			END { for (i = 1; i <= NR; i++) { c = 0
				for (j = 1; j <= NR; j++)
					if (s[j] <= s[i] && e[j] > s[i]) c++
				if (c > m) m = c }
			print m + 0 }')
		case $level/$cores in
		full/*) want=1 ;;
		socket/*|cache/*) want=2 ;;
		core/1) want=15 ;;
		core/2) want=15 ;;
		none/1) want=30 ;;
		none/2) want=15 ;;
		esac
		[ "$peak" -le "$want" ] && [ "$peak" -ge 1 ]
		ok $? "  at most $want test jobs at once ($peak)"
	done
done

# The plan of the real run is what the engine does: this 2-CPU VM.
sed "s/LEVEL/core/; s/CORES/1/" "$T/base.yaml" >"$T/spec.yaml"
"$WAYFINDER" run "$T/spec.yaml" --dry-run --budget 4 >"$T/vm.csv" 2>"$T/vm.sum"
ok $? "dry run on this machine"
grep -q "usable CPUs of this machine" "$T/vm.sum"
ok $? "summary names the machine"
grep -q "makespan [0-9.]* s, mean CPU utilisation [0-9.]*%, peak parallelism [0-9]*" "$T/vm.sum"
ok $? "summary gives makespan, utilisation and peak parallelism"
wf run "$T/spec.yaml" --topology "$server"
is "$rc" 2 "--topology needs --dry-run"
finish
