#!/bin/sh
# The kernel profiles: linux-tinyconfig (a real Linux build, booted under
# QEMU) and unikraft-nginx (the Wayfinder paper's space, and a replay of
# its published measurements). Both specs are valid and plan as meant
# (plans run nothing: this test never builds a kernel nor boots a guest);
# the replay runs through the whole engine when the paper's dataset is
# reachable: a full sweep finds the table's best and reports every row as
# the table has it, and the spec's own search (bayes) runs. What cannot
# run here skips, naming why.
. "${top_srcdir}/tests/regress/lib.sh"

lt="$top_srcdir/profiles/linux-tinyconfig"
uk="$top_srcdir/profiles/unikraft-nginx"
two_cpus='synthetic:pack:1 l3:1 core:2 pu:1'

# --- linux-tinyconfig: the spec and its plan.
wf validate "$lt/linux-tinyconfig.yaml"
is "$rc" 0 "linux-tinyconfig: the spec is valid"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/out"
grep -q "^objective: minimize boot_time_ms " "$T/out"
ok $? "linux-tinyconfig: the objective is the boot time, minimized"
grep -q "^  writes wayfinder.config (Kconfig fragment)$" "$T/out"
ok $? "linux-tinyconfig: the build parameters arrive as a Kconfig fragment"
grep -q "^  boot monitor: debugcon, marker /WAYFINDER BOOTED/$" "$T/out"
ok $? "linux-tinyconfig: a boot monitor on the debug console"
grep -q "^parameters: 17 (build 14, test 3;" "$T/out"
ok $? "linux-tinyconfig: 14 build parameters and 3 test parameters"
for p in KERNEL_COMPRESSION CC_OPTIMIZE_FOR_SIZE PRINTK SMP; do
	grep -q "^  $p  *[a-z]*  *build " "$T/out" || break
done
ok $? "linux-tinyconfig: compression, -Os/-O2, printk and SMP are build parameters"
for m in bzimage_bytes vmlinux_bytes initramfs_bytes kernel_up_us \
	guest_used_kb guest_managed_kb; do
	grep -q "^  metric $m: " "$T/out" || break
done
ok $? "linux-tinyconfig: the image sizes, the kernel's uptime and the guest's memory are metrics"

# The fragment's names are real Kconfig symbols of the kernel, when its
# source is here: a misspelt one would be dropped by olddefconfig (and
# fail the build's check), so it is worth catching without a build.
if [ "$(id -u)" -eq 0 ]; then
	cache=${LINUX_TINYCONFIG_CACHE:-/var/cache/wayfinder/linux-tinyconfig}
else
	cache=${LINUX_TINYCONFIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wayfinder/linux-tinyconfig}
fi
if [ -f "$cache/linux/Makefile" ]; then
	missing=
	for sym in $(sed -n 's/^  \([A-Z_0-9]*\)  *bool  *build .*/\1/p' "$T/out") \
		$(sed -n 's/^# *\(CONFIG_[A-Z0-9_]*\)[= ].*/\1/p; s/^\(CONFIG_[A-Z0-9_]*\)=.*/\1/p' \
			"$lt/base.config" | sed 's/^CONFIG_//'); do
		grep -r -q -E "^(menu)?config $sym\$" --include='Kconfig*' "$cache/linux" ||
			missing="$missing $sym"
	done
	is "$missing" "" "linux-tinyconfig: every bool parameter and base.config line is a Kconfig symbol of $(basename "$(readlink "$cache/linux" || echo linux)")"
else
	skip "linux-tinyconfig: Kconfig symbols checked: no kernel source in $cache (profiles/linux-tinyconfig/setup.sh unpacks it)"
fi

# On a machine of two CPUs: every job takes both, one after the other;
# grid order from the spec's seed varies the test parameters (the last
# in the spec) first, so that trials 2, 3 and 4 differ in test
# parameters alone and share one build.
"$WAYFINDER" run "$lt/linux-tinyconfig.yaml" --dry-run --strategy grid \
	--budget 4 --topology "$two_cpus" >"$T/plan.csv" 2>"$T/plan.err"
is "$?" 0 "linux-tinyconfig: a plan of 4 trials"
is "$(awk -F, 'NR > 1 && $2 == "build"' "$T/plan.csv" | wc -l | tr -d ' ')" 2 \
	"linux-tinyconfig: 2 builds for 4 trials (a test parameter never rebuilds)"
is "$(awk -F, 'NR > 1 && $2 == "test"' "$T/plan.csv" | wc -l | tr -d ' ')" 16 \
	"linux-tinyconfig: 1 warm-up and 3 measured boots a trial"
awk -F, 'NR == 1 { next } $5 != "\"0" || $6 != "1\"" { bad = 1 }
	END { exit bad }' "$T/plan.csv"
ok $? "linux-tinyconfig: every job on both CPUs"
grep -q "peak parallelism 1$" "$T/plan.err"
ok $? "linux-tinyconfig: one job at a time"
sed -n 2p "$T/plan.csv" | grep -q '^1,build,,none,"0,1",0.000,240.000$'
ok $? "linux-tinyconfig: a build is planned at its estimate, 4 minutes"

# --- unikraft-nginx: the real spec and its plan.
wf validate "$uk/unikraft-nginx.yaml"
is "$rc" 0 "unikraft-nginx: the spec is valid"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/out"
grep -q "^space: 512 configurations$" "$T/out"
ok $? "unikraft-nginx: the paper's 512 configurations"
grep -q "^builds: 64 distinct builds for a full sweep$" "$T/out"
ok $? "unikraft-nginx: 64 builds (NGINX's parameters are test parameters)"
grep -q "^  writes wayfinder.config (Kconfig fragment)$" "$T/out"
ok $? "unikraft-nginx: the lwIP parameters arrive as a Kconfig fragment"
grep -q "^  sandbox: network none$" "$T/out"
ok $? "unikraft-nginx: tests run in a network namespace of their own"
grep -q "^objective: maximize Requests_per_sec " "$T/out"
ok $? "unikraft-nginx: the objective is requests per second, maximized"

"$WAYFINDER" run "$uk/unikraft-nginx.yaml" --dry-run --budget 2 \
	--topology "$two_cpus" >"$T/ukplan.csv" 2>"$T/ukplan.err"
is "$?" 0 "unikraft-nginx: a plan of 2 trials"
awk -F, 'NR == 1 { next } { k[$2]++ } END { exit k["build"] < 1 || k["build"] > 2 || k["test"] != 6 }' \
	"$T/ukplan.csv"
ok $? "unikraft-nginx: a build or two, and 3 runs a trial"

# --- unikraft-nginx: the replay of the paper's measurements.
wf validate "$uk/unikraft-nginx-paper.yaml"
is "$rc" 0 "unikraft-nginx replay: the spec is valid"
grep -q "^space: 256 configurations$" "$T/out"
ok $? "unikraft-nginx replay: the dataset's 256 configurations"
grep -q "^search: bayes, budget 40, seed 1$" "$T/out"
ok $? "unikraft-nginx replay: the spec searches with bayes over 40 trials"
# The real spec's space is the replay's and LWIP_POOLS (the dataset
# holds the heap half only): the same names and values.
wf validate "$uk/unikraft-nginx.yaml"
sed -n 's/^  \([A-Z_]*\)  *\([a-z]*\)  *[a-z]*  *\([^(]*\).*/\1 \2 \3/p' "$T/out" |
	grep -v '^LWIP_POOLS ' | sort >"$T/real.params"
wf validate "$uk/unikraft-nginx-paper.yaml"
sed -n 's/^  \([A-Z_]*\)  *\([a-z]*\)  *[a-z]*  *\([^(]*\).*/\1 \2 \3/p' "$T/out" |
	sort >"$T/replay.params"
[ -s "$T/real.params" ] && cmp -s "$T/real.params" "$T/replay.params"
ok $? "unikraft-nginx replay: the parameters and values of the real spec"

dataset=${UNIKRAFT_NGINX_DATASET:-$uk/../../../shared/datasets/unikraft-nginx-paper.csv}
if ! [ -r "$dataset" ]; then
	for what in "a full sweep runs" "every configuration is measured" \
		"every row's value as the table has it" "the table's best" \
		"the spec's own search runs"; do
		skip "unikraft-nginx replay: $what: no dataset $dataset (set UNIKRAFT_NGINX_DATASET)"
	done
else
	# The whole space through the engine: every row comes back with
	# its own value, and the best trial is the table's best row.
	UNIKRAFT_NGINX_DATASET=$dataset wf run "$uk/unikraft-nginx-paper.yaml" \
		--foreground --quiet --strategy grid --budget 256
	tail -3 "$T/out" | sed 's/^/# /'
	is "$rc" 0 "unikraft-nginx replay: a full sweep runs"
	grep -q "(replay-unikraft-nginx-paper) done: 256 trials, 256 measured, 0 failed" "$T/out"
	ok $? "unikraft-nginx replay: every configuration is measured"
	"$WAYFINDER" results replay-unikraft-nginx-paper --format csv >"$T/uk.csv" 2>&1
	awk -F, 'NR > 1 { printf "%g\n", $7 }' "$dataset" | sort -g >"$T/want.values"
	csv_col "$T/uk.csv" Requests_per_sec_median | awk '{ printf "%g\n", $1 }' |
		sort -g >"$T/got.values"
	[ "$(wc -l <"$T/want.values")" -eq 256 ] && cmp -s "$T/want.values" "$T/got.values"
	ok $? "unikraft-nginx replay: every row's value as the table has it"
	want=$(tail -1 "$T/want.values")
	is "$(csv_col "$T/uk.csv" value | head -1)" "$want" \
		"unikraft-nginx replay: the best found is the table's best ($want requests/s)"

	# The spec's own search, as the README runs it, from the default
	# dataset path when it is the one found here.
	if [ -z "${UNIKRAFT_NGINX_DATASET:-}" ]; then
		(cd "$top_srcdir" && "$WAYFINDER" run --state "$T/bayes" \
			profiles/unikraft-nginx/unikraft-nginx-paper.yaml \
			--foreground --quiet) >"$T/out" 2>&1
	else
		"$WAYFINDER" run --state "$T/bayes" "$uk/unikraft-nginx-paper.yaml" \
			--foreground --quiet >"$T/out" 2>&1
	fi
	rc=$?
	tail -3 "$T/out" | sed 's/^/# /'
	[ "$rc" -eq 0 ] && grep -q "done: 40 trials, 40 measured, 0 failed" "$T/out"
	ok $? "unikraft-nginx replay: the spec's own search runs (bayes, 40 trials)"
fi
finish
