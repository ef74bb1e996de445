#!/bin/sh
# Driver of the isolation profile (see README.md).
#
# Runs isolation.yaml once per isolation level (none core cache socket full,
# or the levels given as arguments), each as an experiment of its own in a
# private state directory, and prints two tables: per level, how many test
# jobs run at once and the wall time of the level's whole run; then per
# kernel, working-set size and level, the mean and coefficient of variation
# of ns_per_line over every measured run of the level's four replicas.
#
# With --plan TOPOLOGY it runs nothing: it asks wayfinder for the plan of
# each level (wayfinder run --dry-run --topology TOPOLOGY, "here" for this
# machine) and prints how many jobs of each level fit at once and the
# planned makespan, mean CPU utilisation and peak parallelism, from the
# spec's estimates.
#
# Usage: sh profiles/isolation/run.sh [--plan TOPOLOGY] [LEVEL ...]
#   WAYFINDER       the wayfinder program (default: wayfinder on PATH)
#   ISOLATION_KEEP  1: keep the scratch directory (the specs, the state
#                   directory, the logs and the results as CSV) and print
#                   its path, instead of removing it
set -eu

die() {
    printf 'run.sh: %s\n' "$*" >&2
    exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
[ -f "$here/isolation.yaml" ] || die "no isolation.yaml in '$here'"

wf=${WAYFINDER:-}
if [ -z "$wf" ]; then
    wf=$(command -v wayfinder) ||
        die "no wayfinder on PATH (set WAYFINDER to the program)"
fi
[ -x "$wf" ] || die "'$wf' is not an executable program"

plan=
if [ "${1:-}" = --plan ]; then
    [ "$#" -ge 2 ] || die "--plan needs a topology (or 'here')"
    plan=$2
    shift 2
fi
if [ "$#" -eq 0 ]; then
    set -- none core cache socket full
fi
for level in "$@"; do
    case $level in
    none | core | cache | socket | full) ;;
    *) die "bad level '$level' (want none, core, cache, socket or full)" ;;
    esac
done

# Seconds since the epoch, with a fraction where date(1) can give one.
now() {
    t=$(date +%s.%N)
    case $t in
    *N*) date +%s ;;
    *) printf '%s\n' "$t" ;;
    esac
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wayfinder-isolation.XXXXXX")
cleanup() {
    if [ "${ISOLATION_KEEP:-0}" = 1 ]; then
        printf 'run.sh: kept %s\n' "$tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
state=$tmp/state

# pool LEVEL < CSV: one line per kernel and size, "LEVEL KERNEL SIZE_KB
# TRIALS RUNS MEAN CV_% MIN MAX CPU_%", then "LEVEL - failed N".  The
# trials' statistics are pooled exactly: mean and sample standard deviation
# of all measured runs together, from each trial's n, mean and stddev.
# CPU_% is the benchmark's CPU time over its wall time, summed over the
# runs (- if the results have no cpu_ms).  Fields may be quoted as RFC 4180
# says (a failed trial's reason may hold a comma).
pool() {
    awk -v level="$1" '
    function split_csv(line, f,    n, i, c, q, v) {
        n = 0; v = ""; q = 0
        for (i = 1; i <= length(line); i++) {
            c = substr(line, i, 1)
            if (q) {
                if (c == "\"" && substr(line, i + 1, 1) == "\"") { v = v c; i++ }
                else if (c == "\"") q = 0
                else v = v c
            } else if (c == "\"") q = 1
            else if (c == ",") { f[++n] = v; v = "" }
            else v = v c
        }
        f[++n] = v
        return n
    }
    NR == 1 {
        n = split_csv($0, h)
        for (i = 1; i <= n; i++) col[h[i]] = i
        split("status KERNEL SIZE_KB ns_per_line_mean ns_per_line_stddev " \
            "ns_per_line_n ns_per_line_min ns_per_line_max", want, " ")
        for (i in want)
            if (!(want[i] in col)) {
                printf "run.sh: no column %s in the results\n", want[i] > "/dev/stderr"
                bad = 1
                exit 1
            }
        havecpu = ("cpu_ms_mean" in col) && ("wall_ms_mean" in col)
        next
    }
    {
        split_csv($0, f)
        if (f[col["status"]] != "done") { failed++; next }
        k = f[col["KERNEL"]] SUBSEP f[col["SIZE_KB"]]
        if (!(k in N)) order[++ng] = k
        n = f[col["ns_per_line_n"]] + 0
        m = f[col["ns_per_line_mean"]] + 0
        s = f[col["ns_per_line_stddev"]] + 0
        N[k] += n; S1[k] += n * m; S2[k] += (n - 1) * s * s + n * m * m
        lo = f[col["ns_per_line_min"]] + 0; hi = f[col["ns_per_line_max"]] + 0
        if (!(k in MIN) || lo < MIN[k]) MIN[k] = lo
        if (!(k in MAX) || hi > MAX[k]) MAX[k] = hi
        if (havecpu) {
            CPU[k] += n * f[col["cpu_ms_mean"]]
            WALL[k] += n * f[col["wall_ms_mean"]]
        }
        T[k]++
    }
    END {
        if (bad) exit 1
        for (g = 1; g <= ng; g++) {
            k = order[g]; split(k, ks, SUBSEP)
            mean = S1[k] / N[k]
            var = 0
            if (N[k] > 1) var = (S2[k] - N[k] * mean * mean) / (N[k] - 1)
            if (var < 0) var = 0
            cpu = "-"
            if (WALL[k] > 0) cpu = sprintf("%.0f", CPU[k] / WALL[k] * 100)
            printf "%s %s %s %d %d %.6g %.6g %.6g %.6g %s\n", level, ks[1], ks[2],
                T[k], N[k], mean, sqrt(var) / mean * 100, MIN[k], MAX[k], cpu
        }
        printf "%s - failed %d\n", level, failed
    }'
}

# A copy of the profile in $tmp/LEVEL whose spec has that isolation level
# and the name isolation-LEVEL (so each level is an experiment of its own).
copy_profile() {
    dir=$tmp/$1
    mkdir "$dir"
    cp -p "$here/bench.c" "$here/build.sh" "$here/test.sh" "$dir/"
    sed -e "s/^name: isolation\$/name: isolation-$1/" \
        -e "s/^  isolation: none /  isolation: $1 /" \
        "$here/isolation.yaml" >"$dir/isolation.yaml"
    if ! grep -q "^name: isolation-$1\$" "$dir/isolation.yaml" ||
        ! grep -q "^  isolation: $1 " "$dir/isolation.yaml"; then
        die "could not set the level in a copy of isolation.yaml"
    fi
}

# How many test jobs (1 CPU each) of level $1 fit at once, from the output
# of wayfinder topology in $tmp/topology.
fit() {
    n=$(awk -v level="$1" '/fit at once/ { on = 1; next }
        on && $1 == level { print $2 }' "$tmp/topology")
    printf '%s\n' "${n:--}"
}

if [ -n "$plan" ]; then
    if [ "$plan" = here ]; then
        set_topology() { "$wf" topology; }
        plan_run() { "$wf" run "$1" --dry-run --state "$state"; }
    else
        set_topology() { "$wf" topology --topology "$plan"; }
        plan_run() { "$wf" run "$1" --dry-run --topology "$plan" --state "$state"; }
    fi
    set_topology >"$tmp/topology" || die "wayfinder topology failed"
    sed -n '1,2p' "$tmp/topology"
    printf '%-6s %12s %11s %13s %5s\n' level "jobs at once" makespan_s \
        utilisation_% peak
    for level in "$@"; do
        copy_profile "$level"
        plan_run "$dir/isolation.yaml" >"$tmp/$level.plan" 2>"$tmp/$level.summary" || {
            cat "$tmp/$level.summary" >&2
            die "wayfinder run --dry-run failed at level $level"
        }
        awk -v level="$level" -v jobs="$(fit "$level")" '
        /makespan/ {
            gsub(/[,%]/, "")
            printf "%-6s %12s %11s %13s %5s\n", level, jobs, $3, $8, $11
        }' "$tmp/$level.summary"
    done
    exit 0
fi

# How many test jobs (1 CPU each) fit at once at each level, as the
# scheduler places them on this machine.
"$wf" topology >"$tmp/topology" || die "wayfinder topology failed"

: >"$tmp/levels"
: >"$tmp/rows"
for level in "$@"; do
    copy_profile "$level"
    jobs=$(fit "$level")

    printf 'run.sh: %s: up to %s test job(s) at once...\n' "$level" "$jobs" >&2
    t0=$(now)
    if ! "$wf" run "$dir/isolation.yaml" --state "$state" >"$tmp/$level.log" 2>&1; then
        cat "$tmp/$level.log" >&2
        die "wayfinder run failed at level $level"
    fi
    t1=$(now)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    printf 'run.sh: %s: %s s\n' "$level" "$wall" >&2
    "$wf" results "isolation-$level" --state "$state" --format csv >"$tmp/$level.csv"
    pool "$level" <"$tmp/$level.csv" >"$tmp/$level.pooled"
    failed=$(awk '$2 == "-" { print $4 }' "$tmp/$level.pooled")
    printf '%s %s %s %s\n' "$level" "$jobs" "$wall" "$failed" >>"$tmp/levels"
    awk '$2 != "-"' "$tmp/$level.pooled" >>"$tmp/rows"
done

# The tables.  Rows by kernel, then size, then level in the order run.
# vs_alone is the mean over the mean of the same kernel and size at the
# levels that ran one test job at a time (on a 2-CPU machine with one L3:
# cache, socket and full), pooled over their runs; - if none of them ran.
# A cpu_% below 95 is starred: the benchmark lost its CPU to something.
awk '
BEGIN {
    printf "%-6s %12s %8s %7s\n", "level", "jobs at once", "wall_s", "failed"
}
{ printf "%-6s %12s %8s %7s\n", $1, $2, $3, $4 }
' "$tmp/levels"
echo
awk '
FNR == NR { rank[$1] = FNR; alone[$1] = ($2 == 1); next }
{
    row[++n] = $0
    if (alone[$1]) { AS[$2 " " $3] += $5 * $6; AN[$2 " " $3] += $5 }
}
END {
    printf "%-6s %7s %-6s %6s %4s %10s %6s %10s %10s %5s %8s\n", "kernel",
        "size_kb", "level", "trials", "runs", "mean_ns", "cv_%", "min_ns",
        "max_ns", "cpu_%", "vs_alone"
    # a stable sort: kernel, size, then the order the levels ran in
    for (i = 1; i <= n; i++) {
        split(row[i], a, " ")
        key[i] = sprintf("%-8s %012d %03d", a[2], a[3], rank[a[1]])
        idx[i] = i
    }
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && key[idx[j - 1]] > key[idx[j]]; j--) {
            t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t
        }
    last = ""
    for (i = 1; i <= n; i++) {
        split(row[idx[i]], f, " ")
        g = f[2] " " f[3]
        if (last != "" && g != last) printf "\n"
        last = g
        vs = "-"
        if (AN[g] > 0) vs = sprintf("%.2f", f[6] / (AS[g] / AN[g]))
        cpu = f[10]
        if (cpu != "-" && cpu + 0 < 95) { cpu = cpu "*"; starred = 1 }
        printf "%-6s %7s %-6s %6d %4d %10.4g %6.1f %10.4g %10.4g %5s %8s\n",
            f[2], f[3], f[1], f[4], f[5], f[6], f[7], f[8], f[9], cpu, vs
    }
    if (starred)
        printf "\n* the benchmark ran less than 95%% of its wall time: something " \
            "outside the\n  experiment took its CPU (another program on the " \
            "machine), so these\n  rows measure that neighbour too.\n"
}' "$tmp/levels" "$tmp/rows"
