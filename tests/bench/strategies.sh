#!/bin/sh
# How good the search strategies are, and what an ask costs. Prints
# figures; asserts nothing (quality and timings are for people, not for
# `make check`).
#
# 1. Every registered strategy (external aside), and Optuna's TPE through
#    `external` (strategies/external/optuna-tpe.py, when /usr/bin/python3
#    can import optuna), replayed with `wayfinder replay` on every CSV of
#    a datasets directory at each budget, over SEEDS seeds: one table of
#    P(best), P(within 5%) and mean normalised regret, then each
#    strategy's average rank by mean regret over all datasets and
#    budgets (1 is best; ties share their mean rank).
# 2. The cost of an ask: a synthetic space of 10^4 configurations (4
#    parameters x 10 values, a smooth function plus noise, written here),
#    200 observations, the median and 90th percentile time per ask of
#    bayes, tpe and Optuna's TPE, in the same run.
#
# usage: strategies.sh [WAYFINDER] [DATASETS-DIR]
# The datasets directory defaults to $WAYFINDER_DATASETS, then to
# ../shared/datasets beside the source tree (on the project's machines,
# WAYFINDER_DATASETS=/work/shared/datasets). Environment: BENCH_SEEDS
# (30), BENCH_BUDGETS (10,20,40,100), BENCH_ASK_OBS (200), BENCH_ASK_SEEDS
# (3), BENCH_TARGET_SEEDS (500: bayes against random at 40 trials),
# BENCH_PYTHON (/usr/bin/python3).
set -eu
wf=${1:-${WAYFINDER:-./wayfinder}}
src=$(cd "$(dirname "$0")/../.." && pwd)
datasets=${2:-${WAYFINDER_DATASETS:-$src/../shared/datasets}}
seeds=${BENCH_SEEDS:-30}
budgets=${BENCH_BUDGETS:-10,20,40,100}
ask_obs=${BENCH_ASK_OBS:-200}
ask_seeds=${BENCH_ASK_SEEDS:-3}
target_seeds=${BENCH_TARGET_SEEDS:-500}
python=${BENCH_PYTHON:-/usr/bin/python3}
optuna_script=$src/strategies/external/optuna-tpe.py
[ -x "$wf" ] || { echo "strategies: no wayfinder at $wf" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/wayfinder-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

registered=$("$wf" replay --list-strategies | awk '{ print $1 }')
builtin=$(echo "$registered" | grep -vx external || true)
has() { echo "$registered" | grep -qx "$1"; }

# Optuna's TPE through external, when it can run.
optuna=
if ! has external; then
	why="no external strategy is registered"
elif [ ! -f "$optuna_script" ]; then
	why="$optuna_script does not exist"
elif ! [ -x "$python" ]; then
	why="$python is not there"
elif ! "$python" -c 'import optuna' 2>/dev/null; then
	why="$python cannot import optuna (Debian: apt-get install python3-optuna)"
else
	optuna="command=$python,$optuna_script"
fi

# replay LABEL DATASET OPTIONS...: the CSV rows of one strategy, labelled.
replay() {
	label=$1
	shift
	if "$wf" replay "$@" --format csv >"$T/one.csv" 2>"$T/one.err"; then
		sed 1d "$T/one.csv" | awk -F, -v OFS=, -v l="$label" '{ $2 = l; print }' >>"$T/all.csv"
	else
		echo "  $label on $(basename "$2"): failed, left out:" \
		    "$(grep -v warning "$T/one.err" | head -3)"
	fi
}

echo "strategies on $(nproc) CPUs ($(uname -r)); registered: $(echo "$registered" | tr '\n' ' ')"
if [ -z "$optuna" ]; then
	echo "Optuna TPE: skipped, $why"
fi

# 1. Quality on the datasets.
set -- "$datasets"/*.csv
if [ ! -d "$datasets" ] || [ ! -f "$1" ]; then
	echo
	echo "replay table: skipped, no datasets (*.csv) in $datasets"
	echo "  (give a directory, or set WAYFINDER_DATASETS)"
else
	echo
	echo "replay of $# datasets in $datasets, $seeds seeds, budgets $budgets"
	: >"$T/all.csv"
	t0=$(date +%s)
	for d in "$@"; do
		t1=$(date +%s)
		for s in $builtin; do
			replay "$s" "$d" --strategy "$s" --budget "$budgets" --seeds "$seeds"
		done
		if [ -n "$optuna" ]; then
			replay optuna-tpe "$d" --strategy external \
			    --option "$optuna" --budget "$budgets" --seeds "$seeds"
		fi
		# Progress: Optuna's runs take minutes (a Python per seed).
		echo "  $(basename "$d"): $(($(date +%s) - t1)) s"
	done
	echo "  (all: $(($(date +%s) - t0)) s)"
	echo
	printf '%-26s %-12s %6s %7s %9s %11s\n' dataset strategy budget p_best p_within5 mean_regret
	awk -F, '{ printf "%-26s %-12s %6d %7.3f %9.3f %11.4f\n", $1, $2, $3, $5, $6, $7 }' "$T/all.csv"
	echo
	echo "average rank by mean regret over every dataset and budget (1 is best):"
	# Rank within each (dataset, budget); equal regrets share the mean
	# of the ranks they span.
	awk -F, '
	{ g = $1 SUBSEP $3; n[g]++; s[g, n[g]] = $2; r[g, n[g]] = $7 + 0; groups[g] = 1 }
	END {
		for (g in groups) {
			for (i = 1; i <= n[g]; i++) {
				less = 0; same = 0
				for (j = 1; j <= n[g]; j++) {
					if (r[g, j] < r[g, i]) less++
					else if (r[g, j] == r[g, i]) same++
				}
				rank = less + (same + 1) / 2
				sum[s[g, i]] += rank; cnt[s[g, i]]++
			}
		}
		for (k in sum) printf "  %-12s %5.2f  (%d datasets x budgets)\n", k, sum[k] / cnt[k], cnt[k]
	}' "$T/all.csv" | sort -k2 -n

	# The table's few seeds leave random search's own luck in the
	# ratio (one seed's regret on storm-ss-c is 0 or about 0.07): the
	# fast strategies again at 40 trials over many seeds.
	echo
	echo "bayes against random at 40 trials, $target_seeds seeds (mean regret, ratio):"
	for d in "$@"; do
		if has bayes && has random &&
		    "$wf" replay "$d" --strategy bayes,random --budget 40 \
			--seeds "$target_seeds" --format csv >"$T/t.csv" 2>/dev/null; then
			awk -F, -v d="$(basename "$d")" '
			$2 == "bayes" { b = $7 } $2 == "random" { r = $7 }
			END { printf "  %-26s bayes %.4f  random %.4f  ratio %s\n", d, b, r,
			    (r > 0 ? sprintf("%.2f", b / r) : "-") }' "$T/t.csv"
		else
			echo "  $(basename "$d"): skipped (bayes and random must be registered)"
		fi
	done
fi

# 2. What an ask costs with ask_obs observations of a 10^4 space.
echo
awk 'BEGIN {
	seed = 42
	print "x1,x2,x3,x4,y-"
	for (a = 0; a < 10; a++) for (b = 0; b < 10; b++)
	for (c = 0; c < 10; c++) for (d = 0; d < 10; d++) {
		seed = (seed * 16807) % 2147483647
		y = (a - 6.5) ^ 2 + 0.5 * (b - 2) ^ 2 + 0.3 * (c - 4) * (d - 7) + \
		    2 * sin(a + d) + 0.5 * (seed / 2147483647 - 0.5)
		printf "%d,%d,%d,%d,%.4f\n", a, b, c, d, y
	}
}' >"$T/synthetic.csv"
echo "ask time: synthetic space of 10^4 configurations (4 x 10 values), $ask_obs observations, $ask_seeds seeds"
printf '  %-12s %6s %15s %12s %16s\n' strategy asks "median ask ms" "p90 ask ms" "median tell ms"
ask() {
	label=$1
	shift
	if "$wf" replay "$T/synthetic.csv" "$@" --budget "$ask_obs" \
	    --seeds "$ask_seeds" --ask-times >"$T/ask.csv" 2>"$T/ask.err"; then
		sed 1d "$T/ask.csv" | awk -F, -v l="$label" '{
			printf "  %-12s %6d %15.4f %12.4f %16.4f\n", l, $5, $6, $7, $8 }'
	else
		echo "  $label: failed: $(head -3 "$T/ask.err")"
	fi
}
for s in bayes tpe; do
	if has "$s"; then
		ask "$s" --strategy "$s"
	else
		echo "  $s: skipped, not registered"
	fi
done
if [ -n "$optuna" ]; then
	ask optuna-tpe --strategy external --option "$optuna"
else
	echo "  optuna-tpe: skipped, $why"
fi
# The floor: what the harness itself costs per ask.
if has random; then
	ask random --strategy random
fi
