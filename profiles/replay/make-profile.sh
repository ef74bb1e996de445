#!/bin/sh
# Writes a runnable Wayfinder profile that replays a dataset through the
# whole engine: NAME.yaml (one list parameter per parameter column),
# NAME-lookup.sh (the test: it looks the configuration up in the dataset
# and reports the row's objectives) and NAME.csv (the dataset, copied), in
# OUTDIR. NAME is the dataset's file name without .csv. See README.md.
#
# The dataset is a CSV with a header: parameter columns, then objective
# columns whose names end in + (higher is better) or - (lower is better),
# the first of them the objective of the search. Columns are typed as
# `wayfinder replay` types them: integers and numbers in numeric order,
# y/n and true/false as bool, y/m/n as tristate, other text as str in
# byte order. A name that is not a valid parameter name is changed (and
# said so); so is one the lookup's shell needs (PATH, IFS, LD_*, ...).
#
# With --dataset-env VAR=DEFAULT, the dataset stays where it is, for a
# dataset that is not to be copied (another project's data): the lookup
# reads the file that the environment variable VAR names, or DEFAULT
# without it (relative to the spec's directory unless absolute). The
# spec then does not list the dataset in inputs:, so a changed dataset is
# not a new experiment.
#
# usage: make-profile.sh [--dataset-env VAR=DEFAULT] DATASET.csv OUTDIR
# POSIX sh and awk only.
set -eu

die() {
	printf 'make-profile: %s\n' "$*" >&2
	exit 1
}

env_var=
env_default=
if [ $# -ge 1 ] && [ "$1" = --dataset-env ]; then
	[ $# -ge 2 ] || set -- "$1" ""
	env_var=${2%%=*}
	env_default=${2#*=}
	case $2 in
	*=*) ;;
	*) die "--dataset-env wants VAR=DEFAULT" ;;
	esac
	case $env_var in
	'' | [0-9]* | *[!A-Za-z0-9_]* | WAYFINDER_*) die "--dataset-env: '$env_var' is not a usable variable name" ;;
	PATH | IFS | HOME | ENV | SHELL | PWD | OLDPWD | TMPDIR | LANG | LANGUAGE | POSIXLY_CORRECT | AWKPATH | LC_* | LD_*)
		die "--dataset-env: the lookup's shell needs $env_var for itself" ;;
	esac
	case $env_default in
	'' | *[\"\\\$\`]*) die "--dataset-env: the default path must not be empty nor hold \" \\ \$ or \`" ;;
	esac
	shift 2
fi
[ $# -eq 2 ] || {
	echo "usage: make-profile.sh [--dataset-env VAR=DEFAULT] DATASET.csv OUTDIR" >&2
	exit 2
}
csv=$1
out=$2
if ! [ -f "$csv" ] || ! [ -r "$csv" ]; then
	die "$csv: no such readable file"
fi
mkdir -p "$out" || die "$out: cannot create the directory"
base=$(basename "$csv")
name=${base%.csv}
[ -n "$name" ] || die "$csv: the file needs a name before .csv"
case $name in
*[!A-Za-z0-9_.-]*) die "$csv: the file's name may hold only letters, digits and _ . - (it names the experiment)" ;;
esac

# The CSV reader and the typing, shared by the generator and the lookup
# (which is written with a copy of it).
csvlib='
# Splits a CSV line into f[1..n] (RFC 4180 quoting within one line);
# returns n, or -1 for a quote that does not close on the line.
function csv_split(line, f,    n, i, c, q, s, len) {
	n = 0; s = ""; q = 0; len = length(line)
	for (i = 1; i <= len; i++) {
		c = substr(line, i, 1)
		if (q) {
			if (c == "\"") {
				if (substr(line, i + 1, 1) == "\"") { s = s "\""; i++ }
				else q = 0
			} else s = s c
		} else if (c == "\"" && s == "") q = 1
		else if (c == ",") { f[++n] = s; s = "" }
		else s = s c
	}
	if (q) return -1
	f[++n] = s
	return n
}
function is_int(v) { return v ~ /^[+-]?[0-9]+$/ }
function is_num(v) {
	return v ~ /^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$/
}
function same_num(a, b,    x, y, m) {
	x = a + 0; y = b + 0
	if (x == y) return 1
	m = x < 0 ? -x : x; if ((y < 0 ? -y : y) > m) m = y < 0 ? -y : y
	return (x - y < 0 ? y - x : x - y) <= 1e-12 * m
}
'

awk -v csv="$csv" -v name="$name" -v out="$out" -v envvar="$env_var" "$csvlib"'
function fail(line, msg) {
	printf "make-profile: %s:%d: %s\n", csv, line, msg > "/dev/stderr"
	bad = 1
	exit 1
}
function param_name(s, i,    t) {
	t = s
	gsub(/[^A-Za-z0-9_]/, "_", t)
	if (t == "") t = "param" i
	if (t !~ /^[A-Za-z_]/ || t ~ /^WAYFINDER_/) t = "_" t
	# Names the lookup script itself needs from its environment.
	if (t ~ /^(PATH|IFS|HOME|ENV|SHELL|PWD|OLDPWD|TMPDIR|LANG|LANGUAGE|POSIXLY_CORRECT|AWKPATH|LC_.*|LD_.*)$/)
		t = "_" t
	return t
}
function metric_name(s,    t) {
	t = s
	gsub(/[^A-Za-z0-9_.:-]/, "_", t)
	if (t == "") t = "objective"
	if (t !~ /^[A-Za-z_]/) t = "_" t
	if (t ~ /^(wall_ms|maxrss_kb|cpu_ms|memory_peak_kb|voluntary_switches|involuntary_switches|minor_faults|major_faults|boot_time_ms)$/)
		t = "objective_" t
	return t
}
function yq(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	return "\"" s "\""
}
# Inserts v into column j'"'"'s domain, in its order, unless an equal value
# is there.
function add_value(j, v,    k, m) {
	for (k = 1; k <= nv[j]; k++) {
		if (type[j] == "int" || type[j] == "float") {
			if (same_num(val[j, k], v)) return
		} else if (val[j, k] == v) return
	}
	m = nv[j] + 1
	while (m > 1 && before(j, v, val[j, m - 1])) {
		val[j, m] = val[j, m - 1]
		m--
	}
	val[j, m] = v
	nv[j]++
}
function rank(j, v) {
	if (type[j] == "bool") return v == "true"
	if (type[j] == "tristate") return v == "n" ? 0 : v == "m" ? 1 : 2
	return 0
}
function before(j, a, b) {
	if (type[j] == "int" || type[j] == "float") return a + 0 < b + 0
	if (type[j] == "bool" || type[j] == "tristate") return rank(j, a) < rank(j, b)
	return a < b
}
function canon(j, v,    t) {
	if (type[j] == "bool") {
		t = tolower(v)
		return t == "y" || t == "true" ? "true" : "false"
	}
	if (type[j] == "int") {
		t = v
		sub(/^[+]/, "", t)
		if (t ~ /^-/) { t = substr(t, 2); sub(/^0+/, "", t); return t == "" ? "0" : "-" t }
		sub(/^0+/, "", t)
		return t == "" ? "0" : t
	}
	return v
}
{ sub(/\r$/, "") }
NR == 1 {
	sub(/^\357\273\277/, "")
	if ((ncol = csv_split($0, h)) < 0) fail(NR, "a quoted field does not close on its line")
	nobj = 0
	for (j = 1; j <= ncol; j++) {
		if (h[j] == "") fail(NR, "column " j " has no name")
		for (k = 1; k < j; k++)
			if (h[k] == h[j]) fail(NR, "column \"" h[j] "\" appears twice")
		if (h[j] ~ /[-+]$/) {
			if (nobj == 0) first = j
			nobj++
			if (length(h[j]) == 1) fail(NR, "objective column " j " has no name")
		} else if (nobj > 0)
			fail(NR, "column \"" h[j] "\" comes after an objective column")
	}
	if (nobj == 0) fail(NR, "no objective column (names ending in + or -)")
	np = first - 1
	if (np == 0) fail(NR, "no parameter column before the objectives")
	for (j = 1; j <= np; j++) {
		pn[j] = param_name(h[j], j)
		for (n = 2; ; n++) {
			for (k = 1; k < j; k++) if (pn[k] == pn[j]) break
			if (k == j) break
			pn[j] = param_name(h[j], j) "_" n
		}
		# Wayfinder takes the names of parameters out of the environment of a job.
		if (pn[j] == envvar) fail(NR, "--dataset-env names the parameter \"" pn[j] "\"")
		if (pn[j] != h[j])
			printf "make-profile: %s:1: column \"%s\" is \"%s\" in the profile\n", csv, h[j], pn[j] > "/dev/stderr"
		isint[j] = isnum[j] = yn[j] = tf[j] = tri[j] = 1
		hasm[j] = 0
	}
	for (j = first; j <= ncol; j++) {
		mn[j] = metric_name(substr(h[j], 1, length(h[j]) - 1))
		dir[j] = substr(h[j], length(h[j])) == "+" ? "maximize" : "minimize"
		for (k = first; k < j; k++) if (mn[k] == mn[j]) mn[j] = mn[j] "_" j
		if (mn[j] "" != substr(h[j], 1, length(h[j]) - 1))
			printf "make-profile: %s:1: objective \"%s\" is \"%s\" in the profile\n", csv, h[j], mn[j] > "/dev/stderr"
	}
	next
}
/^$/ { blank = NR; next }
{
	if (blank) fail(blank, "blank line among the rows")
	if ((n = csv_split($0, f)) < 0) fail(NR, "a quoted field does not close on its line (line breaks in fields are not supported here)")
	if (n != ncol) fail(NR, "row has " n " fields, the header has " ncol)
	rows++
	for (j = first; j <= ncol; j++)
		if (!is_num(f[j])) fail(NR, "objective \"" h[j] "\" is \"" f[j] "\", not a number")
	for (j = 1; j <= np; j++) {
		v = f[j]
		if (!((j, v) in seen)) {
			seen[j, v] = 1
			nd[j]++
			d[j, nd[j]] = v
			if (!is_int(v)) isint[j] = 0
			if (!is_num(v)) isnum[j] = 0
			t = tolower(v)
			if (t != "y" && t != "n") yn[j] = 0
			if (t != "true" && t != "false") tf[j] = 0
			if (v != "y" && v != "m" && v != "n") tri[j] = 0
			if (v == "m") hasm[j] = 1
		}
	}
}
END {
	if (bad) exit 1
	if (NR == 0) fail(0, "the file is empty")
	if (rows == 0) fail(NR, "no rows after the header line")
	for (j = 1; j <= np; j++) {
		type[j] = isint[j] ? "int" : isnum[j] ? "float" : tri[j] && hasm[j] ? "tristate" : yn[j] || tf[j] ? "bool" : "str"
		for (k = 1; k <= nd[j]; k++) add_value(j, canon(j, d[j, k]))
	}
	spec = out "/" name ".yaml"
	printf "# Generated by profiles/replay/make-profile.sh from %s.csv: a replay\n", name > spec
	printf "# of the dataset through the whole engine. Each trial runs\n" > spec
	if (envvar == "")
		printf "# %s-lookup.sh, which looks its configuration up in %s.csv.\n", name, name > spec
	else
		printf "# %s-lookup.sh, which looks its configuration up in %s.csv,\n# where $%s says (see the lookup for its default).\n", name, name, envvar > spec
	printf "name: replay-%s\n", name > spec
	printf "description: >-\n  Replay of %s.csv (%d rows): the test looks each configuration up\n  in the dataset instead of building and measuring it.\n", name, rows > spec
	printf "params:\n" > spec
	for (j = 1; j <= np; j++) {
		printf "  - name: %s\n    type: %s\n    values: [", pn[j], type[j] > spec
		for (k = 1; k <= nv[j]; k++)
			printf "%s%s", (k > 1 ? ", " : ""), yq(val[j, k]) > spec
		printf "]\n" > spec
		if (pn[j] != h[j]) printf "    description: %s\n", yq("column " h[j]) > spec
	}
	printf "test:\n  script: %s-lookup.sh\n  repeat: 1\n  warmup: 0\n  timeout: 1m\n  isolation: none\n  metrics:\n", name > spec
	for (j = first; j <= ncol; j++)
		printf "    - name: %s\n", mn[j] > spec
	printf "  objective: {metric: %s, direction: %s}\n", mn[first], dir[first] > spec
	if (envvar == "") printf "inputs: [%s.csv]\n", name > spec
	budget = rows < 20 ? rows : 20
	printf "search: {strategy: random, budget: %d, seed: 1}\n", budget > spec
	close(spec)

	# What the lookup needs: the environment name, the comparison and
	# the metric of each column.
	m = out "/" name ".map"
	for (j = 1; j <= np; j++)
		printf "%s %s\n", pn[j], type[j] == "int" || type[j] == "float" ? "num" : type[j] == "bool" ? "bool" : "text" > m
	for (j = first; j <= ncol; j++)
		printf "%s metric\n", mn[j] > m
	close(m)
}
' "$csv"

map="$out/$name.map"
lookup="$out/$name-lookup.sh"
if [ -z "$env_var" ]; then
	where="$name.csv beside this script"
	data_line="data=\$dir/$name.csv"
else
	where="the dataset that \$$env_var names (by default
# $env_default)"
	case $env_default in
	/*) data_line="data=\${$env_var:-$env_default}" ;;
	*) data_line="data=\${$env_var:-\$dir/$env_default}" ;;
	esac
fi
{
	cat <<EOF
#!/bin/sh
# Generated by profiles/replay/make-profile.sh: the test of $name.yaml.
# Looks the configuration (its parameters are in the environment) up in
# $where and appends the row's objectives to
# \$WAYFINDER_RESULTS ("metric value" lines). A configuration that is not
# in the dataset fails, as a build that fails would.
set -eu
dir=\${WAYFINDER_SPEC_DIR:-\$(dirname "\$0")}
$data_line
[ -r "\$data" ] || { echo "$name-lookup.sh: cannot read \$data" >&2; exit 1; }
awk -v results="\${WAYFINDER_RESULTS:-/dev/stdout}" '
EOF
	printf '%s' "$csvlib"
	cat <<'EOF'
function fail(msg) {
	printf "%s\n", msg > "/dev/stderr"
	failed = 1
	exit 1
}
BEGIN {
EOF
	awk '{ printf "\tcol[%d] = \"%s\"; how[%d] = \"%s\"\n", NR, $1, NR, $2 } END { printf "\tncol = %d\n", NR }' "$map"
	cat <<'EOF'
	for (j = 1; j <= ncol; j++)
		if (how[j] != "metric" && !(col[j] in ENVIRON))
			fail("lookup: parameter " col[j] " is not in the environment")
}
{ sub(/\r$/, "") }
NR == 1 || $0 == "" { next }
{
	if (csv_split($0, f) != ncol) next
	for (j = 1; j <= ncol; j++) {
		if (how[j] == "metric") continue
		want = ENVIRON[col[j]]
		if (how[j] == "num") { if (!same_num(f[j], want)) next }
		else if (how[j] == "bool") {
			t = tolower(f[j])
			if ((t == "y" || t == "true" ? "true" : "false") != want) next
		} else if (f[j] != want) next
	}
	for (j = 1; j <= ncol; j++)
		if (how[j] == "metric")
			printf "%s %s\n", col[j], f[j] >> results
	found = 1
	exit 0
}
END {
	if (failed) exit 1
	if (!found) {
		printf "lookup: this configuration is absent from the dataset (" > "/dev/stderr"
		for (j = 1; j <= ncol; j++)
			if (how[j] != "metric")
				printf "%s%s=%s", (j > 1 ? " " : ""), col[j], ENVIRON[col[j]] > "/dev/stderr"
		printf ")\n" > "/dev/stderr"
		exit 1
	}
}
' "$data"
EOF
} >"$lookup"
chmod +x "$lookup"
rm -f "$map"

if [ -n "$env_var" ]; then
	echo "make-profile: wrote $out/$name.yaml and $out/$name-lookup.sh (dataset: \$$env_var, default $env_default)"
	exit 0
fi

# The dataset beside the spec, unless it is there already.
src_dir=$(cd "$(dirname "$csv")" && pwd -P)
out_dir=$(cd "$out" && pwd -P)
if [ "$src_dir/$base" != "$out_dir/$name.csv" ]; then
	cp "$csv" "$out/$name.csv"
fi
echo "make-profile: wrote $out/$name.yaml, $out/$name-lookup.sh and $out/$name.csv"
