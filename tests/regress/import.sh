#!/bin/sh
# wayfinder import: job files of the original Wayfinder, in both of its
# formats, become specs that validate (and run), with a note for every
# field that has no equivalent; a broken job is refused with a position.
. "${top_srcdir}/tests/regress/lib.sh"

J="$top_srcdir/tests/regress/import"

# has FILE TEXT DESCRIPTION: FILE holds the line TEXT, exactly.
has() {
	if grep -qxF -- "$2" "$1"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "# no line '$2' in $1"
	fi
}
# says FILE TEXT DESCRIPTION: FILE holds TEXT somewhere.
says() {
	if grep -qF -- "$2" "$1"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "# no '$2' in $1:"
		sed 's/^/#   /' "$1" | head -20
	fi
}

# --- The first format: nginx, a build run and a wrk test run ----------
mkdir "$T/v1"
"$WAYFINDER" import -o "$T/v1/nginx.yaml" "$J/nginx-v1.yaml" \
	>"$T/v1.out" 2>"$T/v1.err"
is "$?" 0 "first format: converts"
is "$(wc -c <"$T/v1.out")" 0 "with -o, nothing on standard output"
for f in nginx.yaml nginx.build.sh nginx.test.sh; do
	test -f "$T/v1/$f"
	ok $? "-o writes $f"
done
test -x "$T/v1/nginx.build.sh" && test -x "$T/v1/nginx.test.sh"
ok $? "the scripts are executable"
wf validate "$T/v1/nginx.yaml"
is "$rc" 0 "the converted spec validates"
says "$T/v1.err" "note: the job is in the original's first format" \
	"a note says which format"
says "$T/v1.err" "nginx-v1.yaml:56:12: note: run 'build' ran in a container of the image ghcr.io/lancs-net/nginx-build:1.21" \
	"a note names the build's image, at its position"
says "$T/v1/nginx.yaml" "# Job line 56: run 'build' ran in a container of the image" \
	"and the spec says so as a comment"
says "$T/v1.err" "devices of run 'test' (/dev/net/tun)" "a note for devices"
says "$T/v1.err" "capabilities of run 'test' (CAP_NET_ADMIN, CAP_SYS_NICE)" \
	"a note for capabilities"
says "$T/v1.err" ":38:5: note: unknown key 'defualt' in parameter 6 (did you mean 'default'?)" \
	"an unknown key is a note, with a suggestion"
says "$T/v1.err" "default '65' of 'KEEPALIVE_TIMEOUT' is not one of its values" \
	"a default the original ignored is a note"
has "$T/v1/nginx.yaml" "    values: [1, 2, 4, 8]" "only: becomes values:"
has "$T/v1/nginx.yaml" "    step_mode: power" \
	"a power range the original swept as we do stays a range"
has "$T/v1/nginx.yaml" "    values: [128]" \
	"one it swept otherwise is listed as it swept it (128, then 2^128)"
has "$T/v1/nginx.yaml" "    step: 15" "an increment range keeps its step"
has "$T/v1/nginx.yaml" '    values: ["-O1", "-O2", "-O3"]' \
	"string values are quoted where YAML needs it"
has "$T/v1/nginx.yaml" "    when: build" \
	"the first format's parameters are build parameters"
has "$T/v1/nginx.yaml" "  cores: 4" "the build run's cores"
has "$T/v1/nginx.yaml" "  objective: {metric: wall_ms, direction: minimize}" \
	"no results: the objective is the wall time, as the original timed runs"
awk '/^inputs:/ { s = 1 } s && /^  - / { print }' "$T/v1/nginx.yaml" |
	sed 's/.*\///; s/"$//' | tr '\n' ' ' >"$T/inputs"
is "$(cat "$T/inputs")" "nginx.conf.in bench.sh " \
	"the inputs beside the job are inputs of the spec (the missing one is not)"
test -f "$T/v1/$(awk '/^inputs:/ { s = 1 } s && /^  - / { print $2; exit }' \
	"$T/v1/nginx.yaml" | tr -d '"')"
ok $? "named relative to the spec"
has "$T/v1/nginx.build.sh" "set -eu" "the build script sets -eu"
has "$T/v1/nginx.build.sh" 'make -j"$WAYFINDER_TOTAL_CORES"' \
	"and keeps the run's commands"
says "$T/v1/nginx.test.sh" "\"\$WAYFINDER_SPEC_DIR\"/'" \
	"a run whose path is a mounted input runs the input's file"
says "$T/v1/nginx.test.sh" "/bench.sh'" "(bench.sh)"

# --- The second format: a Unikraft app with a benchtool and results ----
mkdir "$T/v2"
"$WAYFINDER" import -o "$T/v2/uk.yaml" "$J/unikraft-v2.yaml" \
	>"$T/v2.out" 2>"$T/v2.err"
is "$?" 0 "second format: converts"
wf validate "$T/v2/uk.yaml"
is "$rc" 0 "the converted spec validates"
says "$T/out" "space: 5364 configurations" "with the space the job swept"
test -x "$T/v2/uk.build.sh" && test -x "$T/v2/uk.test.sh"
ok $? "the scripts are executable"
says "$T/v2.err" "note: the job is in the original's second format" \
	"a note says which format"
says "$T/v2.err" "the build ran in a container of the image unikraft/kraft:staging" \
	"a note for the build's image"
says "$T/v2.err" "ran in a container of the image ghcr.io/unikraft/wayfinder/wrk:latest" \
	"a note for the benchtool's image"
says "$T/v2.err" "monitors of test 'throughput' (cpu, memory, network)" \
	"a note for monitors"
says "$T/v2.err" "devices of the benchtool of test 'throughput' (/dev/net/tun)" \
	"a note for the benchtool's devices"
says "$T/v2.err" "capabilities of the build (CAP_SYS_ADMIN)" \
	"a note for the build's capabilities"
has "$T/v2/uk.yaml" "name: unikraft-nginx" "the job's name"
has "$T/v2/uk.yaml" "    if: \"ALLOCATOR == 'tlsf'\"" \
	"a comparison becomes ours"
has "$T/v2/uk.yaml" "    if: \"CONFIG_LIBUKALLOC_IFSTATS == 'y'\"" \
	"a y/n parameter alone (true in the original) tests for y"
has "$T/v2/uk.yaml" "    if: \"CONFIG_LWIP_POOLS != 'y' || ALLOCATOR == 'buddy' || ALLOCATOR == 'tlsf'\"" \
	"! of a y/n parameter, and 'in', become ours"
has "$T/v2/uk.yaml" "    if: \"WORKERS > 1 && CONFIG_LWIP_POOLS == 'y'\"" \
	"== true of a y/n parameter tests for y"
says "$T/v2.err" "if: \"PAYLOAD =~ '\\.bin\$'\" of 'SENDFILE' cannot be said here" \
	"a regex match cannot be said: a note"
awk '/- name: SENDFILE/ { s = 1 } s && /if:/ { f = 1 } /^build:/ { s = 0 }
	END { exit f }' "$T/v2/uk.yaml"
ok $? "and that parameter is unconditional"
says "$T/v2.err" "'CONFIG_LWIP_POOLS' has a condition of its own" \
	"naming a conditional parameter is a note (inactive means other things)"
awk '/- name: WORKERS$/ { s = 1 } s && /when:/ { print; exit }' \
	"$T/v2/uk.yaml" >"$T/when"
is "$(cat "$T/when")" "    when: test" "when: test stays"
awk '/- name: CONFIG_LWIP_POOLS$/ { s = 1 } s && /when:/ { print; exit }' \
	"$T/v2/uk.yaml" >"$T/when"
is "$(cat "$T/when")" "    when: build" "when: both is a build parameter"
has "$T/v2/uk.yaml" "    step_mode: power" "a power range from 1 stays a range"
has "$T/v2/uk.yaml" "  cores: 4" \
	"the test holds the VMM's, the kernel's and the benchtool's CPUs"
has "$T/v2/uk.yaml" "  objective: {metric: throughput, direction: maximize}" \
	"the first numeric result is the objective, maximized"
says "$T/v2.err" "maximized because its name says 'throughput'" \
	"and the note says why"
says "$T/v2.err" "result 'server' is text (str)" "a text result is a note"
says "$T/v2/uk.test.sh" 'KERNEL_ARGS="netdev.ipv4_addr=${WAYFINDER_DOMAIN_IP_ADDR}' \
	"the kernel's arguments keep their \${PARAM} substitutions"
says "$T/v2/uk.test.sh" 'worker_processes ${WORKERS};' "(a parameter)"
says "$T/v2/uk.test.sh" '-kernel "$WAYFINDER_BUILD_DIR"/'"'build/nginx_kvm-x86_64'" \
	"the kernel under the build's workdir is in the build directory"
has "$T/v2/uk.build.sh" "cp -- '/tmp/nginx-rootfs.cpio' \"\$WAYFINDER_BUILD_DIR\"/'nginx-rootfs.cpio'" \
	"an output outside the workdir is copied into the build directory"
has "$T/v2/uk.test.sh" "sleep 5" "start_delay waits"
has "$T/v2/uk.test.sh" "DURATION=30" "duration is \$DURATION, as the original gave it"
has "$T/v2/uk.test.sh" "CONNECTIONS='64'" "the benchtool's environment"
has "$T/v2/uk.test.sh" "wf_result throughput '/results/throughput.txt' number" \
	"each result's first token goes to \$WAYFINDER_RESULTS"
has "$T/v2/uk.test.sh" "WAYFINDER_DOMAIN_IP_ADDR=''" \
	"the original's own variables are set, so set -u does not stop the test"
has "$T/v2/uk.test.sh" ': "${WORKER_CONNECTIONS=}"' \
	"an inactive parameter is empty, as it was in the original"
sh -n "$T/v2/uk.test.sh" && sh -n "$T/v2/uk.build.sh" &&
	sh -n "$T/v1/nginx.test.sh" && sh -n "$T/v1/nginx.build.sh"
ok $? "the scripts are valid sh"

# --- Printed: the spec alone on standard output -------------------------
mkdir "$T/print"
(cd "$T/print" && "$WAYFINDER" import "$J/unikraft-v2.yaml") \
	>"$T/print.yaml" 2>"$T/print.err"
is "$?" 0 "without -o, the spec is printed"
is "$(ls -A "$T/print" | wc -l)" 0 "and nothing is written"
has "$T/print.yaml" "  script: unikraft-v2.test.sh" \
	"the spec names the scripts after the job"
says "$T/print.err" "which are not written when the spec is printed: wayfinder import -o unikraft-v2.yaml writes" \
	"and a note says that -o writes them"
cmp -s "$T/print.yaml" "$T/v2/uk.yaml"
is "$?" 1 "(the printed spec is the same but for its script names)"

# --- Direction from a name, no build, odd names ------------------------
"$WAYFINDER" import -o "$T/lat.yaml" "$J/latency-v2.yaml" 2>"$T/lat.err"
is "$?" 0 "a job without a build converts"
wf validate "$T/lat.yaml"
is "$rc" 0 "and validates"
has "$T/lat.yaml" "  objective: {metric: p99-latency, direction: minimize}" \
	"a latency is minimized"
says "$T/lat.err" "minimized because its name says 'latency'" \
	"and the note says which word"
says "$T/lat.err" "result 'ops per sec' is the metric 'ops_per_sec' here" \
	"a result's name that is no metric name is renamed, with a note"
says "$T/lat.err" "the kernel's arguments name \$MAXCLIENTS, which is no parameter" \
	"an unknown variable in the kernel's arguments is a note"
has "$T/lat.yaml" "name: redis-latency" "the name is made valid"

# --- Refusals -----------------------------------------------------------
wf import "$J/malformed.yaml"
is "$rc" 2 "malformed YAML is refused"
says "$T/out" "malformed.yaml:6:4: error: YAML syntax" \
	"with file:line:column"
wf import "$J/bad-condition.yaml"
is "$rc" 2 "a condition the original could not evaluate is refused"
says "$T/out" "bad-condition.yaml:11:14: error: in the condition of 'DEPTH': '=' is not an operator" \
	"at the column of the fault"
says "$T/out" "bad-condition.yaml:15:9: error: in the condition of 'WIDTH': 'UNKNOWN' names no parameter" \
	"an unknown name is an error"
printf 'foo: 1\n' >"$T/nojob.yaml"
wf import "$T/nojob.yaml"
is "$rc" 2 "a file that is no job is refused"
says "$T/out" "nojob.yaml:1:1: error: this is no job of the original Wayfinder" \
	"and says why"
printf 'runs:\n  - {name: t, cmd: "true"}\nbuild: {commands: "true"}\nparams: []\n' \
	>"$T/mixed.yaml"
wf import "$T/mixed.yaml"
is "$rc" 2 "a job mixing both formats is refused"
cp "$J/nginx-v1.yaml" "$T/job.yaml"
wf import -o "$T/job.yaml" "$T/job.yaml"
is "$rc" 1 "import never overwrites its job"
cmp -s "$J/nginx-v1.yaml" "$T/job.yaml"
ok $? "(the job is intact)"
wf import
is "$rc" 2 "import without a job is a usage error"

# --- Converted specs run ------------------------------------------------
# First format: the build leaves a file, the test reads it.
mkdir "$T/run1"
cat >"$T/run1/job.yaml" <<'YAML'
params:
  - {name: SIZE, type: int, only: [1, 2]}
  - {name: WORD, type: string, default: hello}
runs:
  - name: build
    image: alpine:3
    cmd: |
      printf '%s %s\n' "$WORD" "$SIZE" >"$WAYFINDER_BUILD_DIR/built.txt"
  - name: test
    image: alpine:3
    cmd: |
      grep -q "^hello $SIZE\$" "$WAYFINDER_BUILD_DIR/built.txt"
YAML
"$WAYFINDER" import -o "$T/run1/spec.yaml" "$T/run1/job.yaml" 2>/dev/null
is "$?" 0 "a small first-format job converts"
wf run "$T/run1/spec.yaml" --foreground --jobs 1
is "$rc" 0 "and runs: the build's file reaches the test"
wf results job --format csv
is "$(($(wc -l <"$T/out") - 1))" 2 "two trials"

# Second format: the benchtool writes results files (relative to the
# work directory), the script reads their first tokens.
mkdir "$T/run2"
cat >"$T/run2/job.yaml" <<'YAML'
name: scores
params:
  - {name: N, type: int, min: 1, max: 3}
  - {name: FLAG, type: string, only: ["y", "n"]}
  - {name: EXTRA, type: int, only: [5], if: FLAG}
test:
  - name: score
    benchtool:
      image: alpine:3
      duration: 7
      commands: |
        mkdir -p out
        echo "$((N * 10)) points" >out/score.txt
        echo "${EXTRA:-0}" >out/extra.txt
        echo "$DURATION" >out/duration.txt
    results:
      - {name: score, path: out/score.txt, type: int}
      - {name: extra, path: out/extra.txt, type: int}
      - {name: duration, path: out/duration.txt, type: int}
      - {name: missing, path: out/none.txt, type: float}
YAML
"$WAYFINDER" import -o "$T/run2/spec.yaml" "$T/run2/job.yaml" 2>/dev/null
is "$?" 0 "a small second-format job converts"
has "$T/run2/spec.yaml" "    if: \"FLAG == 'y'\"" "(its condition)"
wf run "$T/run2/spec.yaml" --foreground --jobs 1
is "$rc" 0 "and runs"
wf results scores --format csv
cp "$T/out" "$T/run2.csv"
is "$(($(wc -l <"$T/run2.csv") - 1))" 6 "six trials"
is "$(csv_col "$T/run2.csv" value | sort -n | uniq | tr '\n' ' ')" \
	"10 20 30 " "the objective, score, is the first token of its file"
is "$(csv_col "$T/run2.csv" duration_median | sort -u)" "7" \
	"\$DURATION is the benchtool's duration"
is "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ print $c["FLAG"] "=" $c["extra_median"] }' "$T/run2.csv" | sort -u |
	tr '\n' ' ')" "n=0 y=5 " \
	"a parameter whose condition (FLAG, y/n) fails is unset, as it was empty"
finish
