/*
 * The spec writer (src/specwrite.c) against the loader: every valid spec
 * of the tests and profiles, and a few written here to hold what needs
 * quoting, is parsed, written, and parsed again; the two parses must be
 * the same spec, and writing the second must give the same text (the
 * writer is a fixed point). Parameters edited as text (what the TUI's
 * editor does) are written so that the loader's errors land on the line
 * of the field at fault.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/diag.h"
#include "../../src/space.h"
#include "../../src/spec.h"
#include "../../src/specwrite.h"
#include "../../src/xmalloc.h"
#include "tap.h"

#define SPECS SRCDIR "/tests/unit/specs/"

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The first difference between two specs, or NULL. */
static const char *
differ_stage(const struct stagespec *a, const struct stagespec *b)
{
	size_t i;

	if (a->present != b->present)
		return "present";
	if (!a->present)
		return NULL;
	if (!same_str(a->script_rel, b->script_rel) ||
	    !same_str(a->run, b->run))
		return "script or run";
	if (a->cores != b->cores || a->timeout != b->timeout ||
	    a->estimate != b->estimate)
		return "cores, timeout or estimate";
	if (a->isolation != b->isolation || a->repeat != b->repeat ||
	    a->warmup != b->warmup)
		return "isolation, repeat or warmup";
	if (a->memory != b->memory || a->pids != b->pids ||
	    a->network != b->network || a->aslr != b->aslr)
		return "sandbox";
	if (a->cache_ways != b->cache_ways ||
	    a->mem_bandwidth != b->mem_bandwidth)
		return "resctrl";
	if (!same_str(a->config_h, b->config_h) ||
	    !same_str(a->kconfig, b->kconfig))
		return "config_h or kconfig";
	if (a->npmu != b->npmu || a->sample_interval != b->sample_interval)
		return "pmu";
	for (i = 0; i < a->npmu; i++)
		if (strcmp(a->pmu[i], b->pmu[i]) != 0)
			return "pmu event";
	if (a->ntemplates != b->ntemplates)
		return "templates";
	for (i = 0; i < a->ntemplates; i++)
		if (strcmp(a->templates[i].rel, b->templates[i].rel) != 0)
			return "template";
	if (a->boot.source != b->boot.source || a->boot.stop != b->boot.stop ||
	    !same_str(a->boot.marker, b->boot.marker))
		return "boot";
	return NULL;
}

static const char *
differ(const struct spec *a, const struct spec *b)
{
	const struct param *p, *q;
	size_t i, k;
	uint64_t v;

	if (!same_str(a->name, b->name) ||
	    !same_str(a->description, b->description))
		return "name or description";
	if (a->nparams != b->nparams)
		return "number of parameters";
	for (i = 0; i < a->nparams; i++) {
		p = &a->params[i];
		q = &b->params[i];
		if (!same_str(p->name, q->name) || p->type != q->type ||
		    p->stage != q->stage)
			return "a parameter's name, type or stage";
		if (!same_str(p->description, q->description) ||
		    !same_str(p->cond_text, q->cond_text))
			return "a parameter's description or condition";
		if (p->is_range != q->is_range || p->card != q->card ||
		    p->def != q->def)
			return "a parameter's domain or default";
		if (p->is_range &&
		    (p->min != q->min || p->max != q->max ||
			p->step != q->step || p->power != q->power))
			return "a parameter's range";
		for (v = 0; !p->is_range && v < p->card; v++)
			if (strcmp(p->values[v], q->values[v]) != 0)
				return "a parameter's values";
	}
	if (differ_stage(&a->build, &b->build) != NULL)
		return differ_stage(&a->build, &b->build);
	if (differ_stage(&a->test, &b->test) != NULL)
		return differ_stage(&a->test, &b->test);
	if (a->nmetrics != b->nmetrics)
		return "number of metrics";
	for (i = 0; i < a->nmetrics; i++) {
		const struct metric *m = &a->metrics[i], *n = &b->metrics[i];

		if (!same_str(m->name, n->name) ||
		    !same_str(m->regex_text, n->regex_text) ||
		    m->stream != n->stream || m->optional != n->optional ||
		    !same_str(m->unit, n->unit) ||
		    !same_str(m->description, n->description))
			return "a metric";
	}
	if (!same_str(a->objective, b->objective) ||
	    a->direction != b->direction || a->aggregate != b->aggregate)
		return "objective";
	if (!same_str(a->strategy, b->strategy) || a->budget != b->budget ||
	    a->has_seed != b->has_seed || a->seed != b->seed ||
	    a->baseline != b->baseline)
		return "search";
	if (a->noptions != b->noptions)
		return "number of options";
	for (i = 0; i < a->noptions; i++) {
		const struct spec_option *o = &a->options[i],
					 *r = &b->options[i];

		if (!same_str(o->name, r->name) ||
		    !same_str(o->value, r->value) || o->nlist != r->nlist)
			return "an option";
		for (k = 0; k < o->nlist; k++)
			if (strcmp(o->list[k], r->list[k]) != 0)
				return "an option's list";
	}
	if (!same_str(a->host.governor, b->host.governor) ||
	    a->host.turbo != b->host.turbo || a->host.smt != b->host.smt ||
	    a->host.aslr != b->host.aslr)
		return "host";
	if (a->executor.type != b->executor.type ||
	    !same_str(a->executor.partition, b->executor.partition) ||
	    !same_str(a->executor.account, b->executor.account) ||
	    !same_str(a->executor.qos, b->executor.qos) ||
	    !same_str(a->executor.constraint, b->executor.constraint) ||
	    a->executor.poll != b->executor.poll ||
	    a->executor.retries != b->executor.retries ||
	    a->executor.nextra != b->executor.nextra)
		return "executor";
	for (i = 0; i < a->executor.nextra; i++)
		if (strcmp(a->executor.extra[i], b->executor.extra[i]) != 0)
			return "an executor option";
	if (a->ninputs != b->ninputs)
		return "number of inputs";
	for (i = 0; i < a->ninputs; i++)
		if (strcmp(a->inputs[i], b->inputs[i]) != 0)
			return "an input";
	return NULL;
}

static struct spec *
parse(const char *path, const char *text, struct diags *d)
{
	return spec_parse(path, text, strlen(text), d);
}

/* Parses text as path, writes it, parses that, compares, writes again. */
static void
round_trip(const char *path, const char *text, const char *label)
{
	struct diags d = { NULL, 0, 0 };
	struct spec *a, *b;
	char *w1, *w2;
	const char *why;

	if ((a = parse(path, text, &d)) == NULL) {
		diag_print(&d, stdout);
		ok(0, "%s: loads", label);
		diag_free(&d);
		return;
	}
	diag_free(&d);
	w1 = specwrite(a);
	if ((b = parse(path, w1, &d)) == NULL) {
		diag_print(&d, stdout);
		printf("# written:\n%s", w1);
		ok(0, "%s: what was written loads", label);
		diag_free(&d);
		spec_free(a);
		free(w1);
		return;
	}
	diag_free(&d);
	why = differ(a, b);
	if (!ok(why == NULL, "%s: written and read back, the same spec", label))
		printf("# differs in %s; written:\n%s", why, w1);
	w2 = specwrite(b);
	if (!ok(strcmp(w1, w2) == 0, "%s: writing it again gives the same text",
		label))
		printf("# first:\n%s# second:\n%s", w1, w2);
	/* The identity of an experiment is the spec's meaning here: the
	 * space must be the same. */
	{
		struct space *sa = space_new(a), *sb = space_new(b);
		struct space_count ca, cb;

		space_size(sa, &ca);
		space_size(sb, &cb);
		ok(ca.log2 == cb.log2 && ca.exact == cb.exact,
		    "%s: the same space size", label);
		space_free(sa);
		space_free(sb);
	}
	spec_free(a);
	spec_free(b);
	free(w1);
	free(w2);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = xcalloc((size_t)n + 1, 1);
	if (fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static void
round_trip_file(const char *path)
{
	char *text = slurp(path);

	if (!ok(text != NULL, "%s: read", path))
		return;
	round_trip(path, text, strrchr(path, '/') + 1);
	free(text);
}

/* Scalars that need quoting, each kind of setting, away from defaults. */
static const char tricky[] =
    "name: tricky.spec-1\n"
    "description: \"a: colon, a # hash, 'quotes' and \\\"double\\\" ones\"\n"
    "params:\n"
    "  - name: S\n"
    "    type: str\n"
    "    values: ['', '~', 'null', 'a, b', '[x]', '- dash', ' lead', "
    "'tail ', 'x: y', '#c', 'true', \"tab\\there\", caf\xc3\xa9, "
    "'it''s', '\\d+']\n"
    "    default: 'a, b'\n"
    "    when: test\n"
    "    description: 'ends with a colon:'\n"
    "  - name: N\n"
    "    type: int\n"
    "    values: [0x10, -3, 0]\n"
    "    default: 16\n"
    "  - name: P\n"
    "    type: int\n"
    "    min: 4\n"
    "    max: 4096\n"
    "    step: 4\n"
    "    step_mode: power\n"
    "    default: 64\n"
    "  - name: F\n"
    "    type: float\n"
    "    min: -0.5\n"
    "    max: 0.7\n"
    "    step: 0.1\n"
    "  - name: BIG\n"
    "    type: int\n"
    "    min: 1000000\n"
    "    max: 9000000000000\n"
    "    step: 1000000\n"
    "  - name: B\n"
    "    type: bool\n"
    "    default: true\n"
    "    when: test\n"
    "    if: \"!(N == 0) && S != 'x: y'\"\n"
    "  - name: T\n"
    "    type: tristate\n"
    "    values: [y, n]\n"
    "  - name: ONE\n"
    "    type: bool\n"
    "    values: [true]\n"
    "    when: test\n"
    "build:\n"
    "  run: make -j2\n"
    "  cores: 2\n"
    "  timeout: 1h30m\n"
    "  estimate: 90s\n"
    "  memory: 1.5G\n"
    "  pids: 100\n"
    "  aslr: false\n"
    "  sample_interval: 0\n"
    "  config_h: inc/config.h\n"
    "  kconfig: .config\n"
    "test:\n"
    "  run: \"./bench --n \\\"$N\\\" | tee out\"\n"
    "  timeout: none\n"
    "  isolation: core\n"
    "  network: none\n"
    "  cache_ways: 2\n"
    "  mem_bandwidth: 50\n"
    "  pmu: [task-clock, 'perf::TASK-CLOCK', 'cycles:u', instructions]\n"
    "  sample_interval: 250ms\n"
    "  boot: {source: console, marker: 'booted in \\d+', stop: true}\n"
    "  repeat: 5\n"
    "  warmup: 2\n"
    "  metrics:\n"
    "    - plain\n"
    "    - name: 'ops'\n"
    "      regex: 'throughput: (\\d+(\\.\\d+)?) ops/s'\n"
    "      stream: stderr\n"
    "      unit: ops/s\n"
    "    - name: p99\n"
    "      optional: true\n"
    "      description: \"line one\\nline two\"\n"
    "  objective: {metric: ops, direction: minimize, aggregate: mean}\n"
    "search:\n"
    "  strategy: external\n"
    "  budget: 40\n"
    "  seed: 0\n"
    "  baseline: false\n"
    "  options:\n"
    "    command: [python3, '-u', 'opt, with comma.py']\n"
    "    timeout: 2.5\n"
    "host: {governor: performance, turbo: false, smt: true, aslr: false}\n";

static const char minimal[] = "name: m\n"
			      "params:\n"
			      "  - name: X\n"
			      "    type: bool\n"
			      "test:\n"
			      "  run: 'true'\n"
			      "  objective: {metric: wall_ms, direction: "
			      "minimize}\n";

/* The executor: Slurm with its defaults, and with every setting. */
static const char slurm[] = "name: s\n"
			    "params:\n"
			    "  - name: X\n"
			    "    type: bool\n"
			    "test:\n"
			    "  run: 'true'\n"
			    "  objective: {metric: wall_ms, direction: "
			    "minimize}\n"
			    "executor: slurm\n";
static const char slurm_all[] =
    "name: s\n"
    "params:\n"
    "  - name: X\n"
    "    type: bool\n"
    "test:\n"
    "  run: 'true'\n"
    "  objective: {metric: wall_ms, direction: minimize}\n"
    "executor:\n"
    "  type: slurm\n"
    "  partition: debug\n"
    "  account: 'acct: 1'\n"
    "  qos: high\n"
    "  constraint: 'skylake&ib'\n"
    "  options: [--exclusive, '--gres=gpu:1', --comment=a b]\n"
    "  poll: 500ms\n"
    "  retries: 0\n";

/* Parameters as an editor holds them: errors at their field's line. */
static void
drafts(void)
{
	struct diags d = { NULL, 0, 0 };
	struct specwrite_param w[2];
	struct spec *s;
	char *text;

	s = parse(SPECS "draft.yaml", minimal, &d);
	ok(s != NULL, "drafts: the base spec loads");
	diag_free(&d);
	if (s == NULL)
		return;
	memset(w, 0, sizeof w);
	w[0].f[SW_NAME] = xstrdup("THREADS");
	w[0].f[SW_TYPE] = xstrdup("int");
	w[0].f[SW_VALUES] = xstrdup("1, 2, 4");
	w[0].f[SW_DEFAULT] = xstrdup("3");
	w[1].f[SW_NAME] = xstrdup("MODE");
	w[1].f[SW_TYPE] = xstrdup("str");
	w[1].f[SW_VALUES] = xstrdup("fast, 'slow: safe'");
	w[1].f[SW_IF] = xstrdup("THREADS > 1");
	text = specwrite_drafts(s, w, 2);
	spec_free(s);
	s = parse(SPECS "draft.yaml", text, &d);
	ok(s == NULL && d.nerrors == 1,
	    "drafts: a default that is not a value is the one error");
	ok(d.n > 0 && d.v[0].line == w[0].line[SW_DEFAULT] && d.v[0].line > 0,
	    "drafts: reported on the line of the default (%d, %d)",
	    d.n > 0 ? d.v[0].line : -1, w[0].line[SW_DEFAULT]);
	ok(w[1].line[SW_NAME] > w[0].line[SW_DEFAULT] &&
		w[1].line[SW_WHEN] == 0,
	    "drafts: lines in order, fields not given not written");
	diag_free(&d);
	spec_free(s);
	free(text);
	free(w[0].f[SW_DEFAULT]);
	w[0].f[SW_DEFAULT] = xstrdup("4");
	s = parse(SPECS "draft.yaml", minimal, &d);
	text = specwrite_drafts(s, w, 2);
	spec_free(s);
	s = parse(SPECS "draft.yaml", text, &d);
	ok(s != NULL && s->nparams == 2 && s->params[0].def == 2 &&
		strcmp(s->params[1].values[1], "slow: safe") == 0,
	    "drafts: corrected, the spec loads as typed");
	if (s == NULL)
		diag_print(&d, stdout);
	diag_free(&d);
	spec_free(s);
	free(text);
	specwrite_param_clear(&w[0]);
	specwrite_param_clear(&w[1]);
}

static void
scalars(void)
{
	char num[64];

	ok(strcmp(specwrite_number(0.1, num, sizeof num), "0.1") == 0,
	    "0.1 is written 0.1");
	ok(strcmp(specwrite_number(1e6, num, sizeof num), "1000000") == 0,
	    "integers are written without an exponent");
	ok(strtod(specwrite_number(1.0 / 3, num, sizeof num), NULL) == 1.0 / 3,
	    "a third reads back exactly");
}

int
main(void)
{
	DIR *dir;
	struct dirent *de;
	char path[1024];
	static const char *const profiles[] = { "quickstart/quickstart.yaml",
		"boot-time/boot-time.yaml", "replay/webcache.yaml", NULL };
	size_t i;

	scalars();
	if ((dir = opendir(SPECS)) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (strncmp(de->d_name, "good-", 5) != 0 ||
			    strstr(de->d_name, ".yaml") == NULL)
				continue;
			snprintf(path, sizeof path, "%s%s", SPECS, de->d_name);
			round_trip_file(path);
		}
		closedir(dir);
	}
	for (i = 0; profiles[i] != NULL; i++) {
		snprintf(path, sizeof path, "%s/profiles/%s", SRCDIR,
		    profiles[i]);
		round_trip_file(path);
	}
	round_trip(SPECS "tricky.yaml", tricky, "quoting and every setting");
	round_trip(SPECS "minimal.yaml", minimal, "a minimal spec");
	round_trip(SPECS "slurm.yaml", slurm, "the Slurm executor");
	round_trip(SPECS "slurm-all.yaml", slurm_all,
	    "the Slurm executor, every setting");
	{
		struct diags d = { NULL, 0, 0 };
		struct spec *s = parse(SPECS "slurm.yaml", slurm_all, &d);
		char *text = s != NULL ? specwrite(s) : NULL;

		ok(text != NULL &&
			strstr(text, "  partition: debug\n") != NULL &&
			strstr(text, "  poll: 500ms\n") != NULL,
		    "the Slurm executor's settings are written");
		diag_free(&d);
		spec_free(s);
		free(text);
	}
	drafts();
	return done_testing();
}
