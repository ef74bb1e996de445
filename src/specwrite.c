/*
 * Writing a spec back as YAML (see specwrite.h). Block style for the
 * sections, flow lists for values, names and events, and each setting
 * only where it differs from what the loader assumes without it.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "specwrite.h"
#include "xmalloc.h"

static const char *const field_keys[SW_NFIELDS] = { "name", "type", "values",
	"min", "max", "step", "step_mode", "default", "when", "if",
	"description" };

const char *
specwrite_field_key(enum specwrite_field f)
{
	return f < SW_NFIELDS ? field_keys[f] : "?";
}

char *
specwrite_number(double x, char *buf, size_t len)
{
	int prec;

	if (x == floor(x) && fabs(x) < 1e15) {
		snprintf(buf, len, "%.0f", x);
		return buf;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	return buf;
}

/* A YAML line break other than \n and \r: NEL, LS, PS (libyaml reads
 * them as breaks, which would fold the text). Returns its length. */
static int
unicode_break(const unsigned char *p)
{
	if (p[0] == 0xc2 && p[1] == 0x85)
		return 2;
	if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
		return 3;
	return 0;
}

static int
null_like(const char *s)
{
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* Whether s reads back as itself written plain. Conservative: a
 * quoted scalar is never wrong. */
static int
plain_ok(const char *s, int flow)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	if (null_like(s) || s[0] == ' ' || s[len - 1] == ' ' ||
	    s[len - 1] == ':')
		return 0;
	if (strchr("?:,[]{}#&*!|>'\"%@`", s[0]) != NULL)
		return 0;
	if (s[0] == '-' && !(s[1] >= '0' && s[1] <= '9') && s[1] != '.')
		return 0;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || unicode_break(p))
			return 0;
		if (*p == ':' && (p[1] == ' ' || flow))
			return 0;
		if (*p == '#' && p > (const unsigned char *)s && p[-1] == ' ')
			return 0;
		if (flow && strchr(",[]{}", *p) != NULL)
			return 0;
	}
	return 1;
}

static int
printable(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || unicode_break(p))
			return 0;
	return 1;
}

void
specwrite_scalar(struct buf *b, const char *s, int flow)
{
	const unsigned char *p;
	int n;

	if (plain_ok(s, flow)) {
		buf_adds(b, s);
		return;
	}
	if (printable(s)) {
		buf_addc(b, '\'');
		for (; *s != '\0'; s++) {
			if (*s == '\'')
				buf_addc(b, '\'');
			buf_addc(b, *s);
		}
		buf_addc(b, '\'');
		return;
	}
	buf_addc(b, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((n = unicode_break(p)) != 0) {
			buf_adds(b,
			    n == 2           ? "\\N" :
				p[2] == 0xa8 ? "\\L" :
					       "\\P");
			p += n - 1;
		} else if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_adds(b, "\\n");
		else if (*p == '\t')
			buf_adds(b, "\\t");
		else if (*p == '\r')
			buf_adds(b, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\x%02x", *p);
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

/* "key: scalar\n" at an indent. */
static void
kv(struct buf *b, int indent, const char *key, const char *value)
{
	buf_printf(b, "%*s%s: ", indent, "", key);
	specwrite_scalar(b, value, 0);
	buf_addc(b, '\n');
}

static void
kv_int(struct buf *b, int indent, const char *key, long long v)
{
	buf_printf(b, "%*s%s: %lld\n", indent, "", key, v);
}

static void
kv_bool(struct buf *b, int indent, const char *key, int v)
{
	buf_printf(b, "%*s%s: %s\n", indent, "", key, v ? "true" : "false");
}

/* A list of scalars in flow style: [a, b, 'c d']. */
static void
kv_list(struct buf *b, int indent, const char *key, char *const *v, size_t n)
{
	size_t i;

	buf_printf(b, "%*s%s: [", indent, "", key);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_adds(b, ", ");
		specwrite_scalar(b, v[i], 1);
	}
	buf_adds(b, "]\n");
}

/* A duration as the loader reads it: 90s, 10m, 2h, 500ms, none. */
static void
kv_duration(struct buf *b, int indent, const char *key, double sec)
{
	char num[64];
	double ms = sec * 1000;

	if (sec == 0)
		snprintf(num, sizeof num, "none");
	else if (sec == floor(sec) && sec < 1e15) {
		long long s = (long long)sec;

		if (s % 86400 == 0)
			snprintf(num, sizeof num, "%lldd", s / 86400);
		else if (s % 3600 == 0)
			snprintf(num, sizeof num, "%lldh", s / 3600);
		else if (s % 60 == 0)
			snprintf(num, sizeof num, "%lldm", s / 60);
		else
			snprintf(num, sizeof num, "%llds", s);
	} else if (ms == floor(ms) && ms / 1000 == sec)
		snprintf(num, sizeof num, "%.0fms", ms);
	else
		specwrite_number(sec, num, sizeof num);
	buf_printf(b, "%*s%s: %s\n", indent, "", key, num);
}

static void
kv_size(struct buf *b, int indent, const char *key, uint64_t v)
{
	static const char units[] = "kMGT";
	int u = -1;

	while (u < 3 && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		buf_printf(b, "%*s%s: %llu\n", indent, "", key,
		    (unsigned long long)v);
	else
		buf_printf(b, "%*s%s: %llu%c\n", indent, "", key,
		    (unsigned long long)v, units[u]);
}

/* Counts the lines of b so far: the line the next text starts on. */
static int
line_now(const struct buf *b)
{
	const char *p;
	int n = 1;

	for (p = buf_str(b); *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

static int
values_are_implicit(const struct param *p)
{
	static const char *const bools[] = { "false", "true" };
	static const char *const tris[] = { "n", "m", "y" };
	const char *const *v;
	uint64_t i;

	if (p->is_range || (p->type != PT_BOOL && p->type != PT_TRISTATE))
		return 0;
	v = p->type == PT_BOOL ? bools : tris;
	if (p->card != (p->type == PT_BOOL ? 2u : 3u))
		return 0;
	for (i = 0; i < p->card; i++)
		if (strcmp(p->values[i], v[i]) != 0)
			return 0;
	return 1;
}

void
specwrite_param_from(const struct param *p, struct specwrite_param *w)
{
	struct buf b = BUF_INIT;
	char num[64];
	uint64_t i;

	memset(w, 0, sizeof *w);
	w->f[SW_NAME] = xstrdup(p->name);
	w->f[SW_TYPE] = xstrdup(spec_type_name(p->type));
	if (p->is_range) {
		w->f[SW_MIN] =
		    xstrdup(specwrite_number(p->min, num, sizeof num));
		w->f[SW_MAX] =
		    xstrdup(specwrite_number(p->max, num, sizeof num));
		if (p->power || p->step != 1 || p->type != PT_INT)
			w->f[SW_STEP] =
			    xstrdup(specwrite_number(p->step, num, sizeof num));
		if (p->power)
			w->f[SW_STEP_MODE] = xstrdup("power");
	} else if (!values_are_implicit(p)) {
		for (i = 0; i < p->card; i++) {
			if (i > 0)
				buf_adds(&b, ", ");
			specwrite_scalar(&b, p->values[i], 1);
		}
		w->f[SW_VALUES] = buf_steal(&b);
	}
	if (p->def != 0)
		w->f[SW_DEFAULT] =
		    xstrdup(spec_value(p, p->def, num, sizeof num));
	w->f[SW_WHEN] = xstrdup(spec_stage_name(p->stage));
	if (p->cond_text != NULL)
		w->f[SW_IF] = xstrdup(p->cond_text);
	if (p->description != NULL)
		w->f[SW_DESCRIPTION] = xstrdup(p->description);
	buf_free(&b);
}

void
specwrite_param_clear(struct specwrite_param *w)
{
	int i;

	for (i = 0; i < SW_NFIELDS; i++)
		free(w->f[i]);
	memset(w, 0, sizeof *w);
}

static int
given(const char *s)
{
	return s != NULL && *s != '\0';
}

static void
write_param(struct buf *b, struct specwrite_param *w)
{
	int i, first = 1;

	for (i = 0; i < SW_NFIELDS; i++) {
		w->line[i] = 0;
		if (!given(w->f[i]))
			continue;
		w->line[i] = line_now(b);
		buf_adds(b, first ? "  - " : "    ");
		first = 0;
		if (i == SW_VALUES)
			buf_printf(b, "values: [%s]\n", w->f[i]);
		else if (i == SW_IF) {
			/* Always quoted: a condition may begin with ! or a
			 * quote, which plain YAML would misread. */
			buf_adds(b, "if: ");
			if (printable(w->f[i]) &&
			    strchr(w->f[i], '"') == NULL &&
			    strchr(w->f[i], '\\') == NULL)
				buf_printf(b, "\"%s\"\n", w->f[i]);
			else {
				specwrite_scalar(b, w->f[i], 0);
				buf_addc(b, '\n');
			}
		} else
			kv(b, 0, field_keys[i], w->f[i]);
	}
	if (first) /* nothing given: still an item, for the loader to judge */
		buf_adds(b, "  - {}\n");
}

/* A name relative to dir when it is below it. */
static const char *
relative(const char *path, const char *dir)
{
	size_t n = dir != NULL ? strlen(dir) : 0;

	if (n > 0 && strncmp(path, dir, n) == 0 && path[n] == '/' &&
	    path[n + 1] != '\0')
		return path + n + 1;
	return path;
}

static void
write_stage(struct buf *b, const struct spec *s, const struct stagespec *st,
    enum stage stage)
{
	static const char *const sources[] = { "none", "console", "debugcon" };
	char **rel;
	size_t i;

	if (!st->present)
		return;
	buf_adds(b, stage == STAGE_BUILD ? "build:\n" : "test:\n");
	if (st->script_rel != NULL)
		kv(b, 2, "script", st->script_rel);
	else if (st->run != NULL)
		kv(b, 2, "run", st->run);
	if (st->cores != 1)
		kv_int(b, 2, "cores", st->cores);
	if (st->timeout != (stage == STAGE_BUILD ? 3600 : 600))
		kv_duration(b, 2, "timeout", st->timeout);
	if (st->estimate > 0)
		kv_duration(b, 2, "estimate", st->estimate);
	if (st->isolation != ISO_NONE)
		kv(b, 2, "isolation", spec_isolation_name(st->isolation));
	if (st->memory > 0)
		kv_size(b, 2, "memory", st->memory);
	if (st->pids > 0)
		kv_int(b, 2, "pids", (long long)st->pids);
	if (st->network == NETWORK_NONE)
		kv(b, 2, "network", "none");
	if (st->aslr >= 0)
		kv_bool(b, 2, "aslr", st->aslr);
	if (stage == STAGE_TEST && st->cache_ways > 0)
		kv_int(b, 2, "cache_ways", st->cache_ways);
	if (stage == STAGE_TEST && st->mem_bandwidth > 0)
		kv_int(b, 2, "mem_bandwidth", st->mem_bandwidth);
	if (st->npmu > 0)
		kv_list(b, 2, "pmu", st->pmu, st->npmu);
	if (st->sample_interval != 0.5) {
		if (st->sample_interval == 0)
			buf_adds(b, "  sample_interval: 0\n");
		else
			kv_duration(b, 2, "sample_interval",
			    st->sample_interval);
	}
	if (stage == STAGE_TEST && st->boot.source != BOOT_NONE) {
		buf_adds(b, "  boot:\n");
		kv(b, 4, "source", sources[st->boot.source]);
		if (st->boot.marker != NULL)
			kv(b, 4, "marker", st->boot.marker);
		if (st->boot.stop)
			kv_bool(b, 4, "stop", 1);
	}
	if (stage == STAGE_BUILD && st->config_h != NULL)
		kv(b, 2, "config_h", st->config_h);
	if (stage == STAGE_BUILD && st->kconfig != NULL)
		kv(b, 2, "kconfig", st->kconfig);
	if (st->ntemplates > 0) {
		rel = xcalloc(st->ntemplates, sizeof *rel);
		for (i = 0; i < st->ntemplates; i++)
			rel[i] = st->templates[i].rel;
		kv_list(b, 2, "templates", rel, st->ntemplates);
		free(rel);
	}
	if (stage == STAGE_BUILD)
		return;
	if (st->repeat != 3)
		kv_int(b, 2, "repeat", st->repeat);
	if (st->warmup != 0)
		kv_int(b, 2, "warmup", st->warmup);
	if (s->nmetrics > 0)
		buf_adds(b, "  metrics:\n");
	for (i = 0; i < s->nmetrics; i++) {
		const struct metric *m = &s->metrics[i];

		if (m->regex_text == NULL && !m->optional && m->unit == NULL &&
		    m->description == NULL) {
			buf_adds(b, "    - ");
			specwrite_scalar(b, m->name, 0);
			buf_addc(b, '\n');
			continue;
		}
		buf_adds(b, "    - name: ");
		specwrite_scalar(b, m->name, 0);
		buf_addc(b, '\n');
		if (m->regex_text != NULL)
			kv(b, 6, "regex", m->regex_text);
		if (m->regex_text != NULL && m->stream == STREAM_STDERR)
			kv(b, 6, "stream", "stderr");
		if (m->optional)
			kv_bool(b, 6, "optional", 1);
		if (m->unit != NULL)
			kv(b, 6, "unit", m->unit);
		if (m->description != NULL)
			kv(b, 6, "description", m->description);
	}
	if (s->objective != NULL) {
		static const char *const aggs[] = { "median", "mean", "min",
			"max" };

		buf_adds(b, "  objective: {metric: ");
		specwrite_scalar(b, s->objective, 1);
		buf_printf(b, ", direction: %s",
		    spec_direction_name(s->direction));
		if (s->aggregate != AGG_MEDIAN)
			buf_printf(b, ", aggregate: %s", aggs[s->aggregate]);
		buf_adds(b, "}\n");
	}
}

static void
write_search(struct buf *b, const struct spec *s)
{
	const struct spec_option *o;
	size_t i;

	if (s->strategy == NULL && s->budget == 0 && !s->has_seed &&
	    s->baseline && s->noptions == 0)
		return;
	buf_adds(b, "search:\n");
	if (s->strategy != NULL)
		kv(b, 2, "strategy", s->strategy);
	if (s->budget > 0)
		kv_int(b, 2, "budget", (long long)s->budget);
	if (s->has_seed)
		buf_printf(b, "  seed: %llu\n", (unsigned long long)s->seed);
	if (!s->baseline)
		kv_bool(b, 2, "baseline", 0);
	if (s->noptions > 0)
		buf_adds(b, "  options:\n");
	for (i = 0; i < s->noptions; i++) {
		o = &s->options[i];
		if (o->value != NULL)
			kv(b, 4, o->name, o->value);
		else
			kv_list(b, 4, o->name, o->list, o->nlist);
	}
}

static void
write_host(struct buf *b, const struct spec *s)
{
	const struct hostspec *h = &s->host;

	if (h->governor == NULL && h->turbo < 0 && h->smt < 0 && h->aslr < 0)
		return;
	buf_adds(b, "host:\n");
	if (h->governor != NULL)
		kv(b, 2, "governor", h->governor);
	if (h->turbo >= 0)
		kv_bool(b, 2, "turbo", h->turbo);
	if (h->smt >= 0)
		kv_bool(b, 2, "smt", h->smt);
	if (h->aslr >= 0)
		kv_bool(b, 2, "aslr", h->aslr);
}

/* executor: written when not local, with what is not its default. */
static void
write_executor(struct buf *b, const struct spec *s)
{
	const struct execspec *x = &s->executor;

	if (x->type == EXECUTOR_LOCAL)
		return;
	if (x->partition == NULL && x->account == NULL && x->qos == NULL &&
	    x->constraint == NULL && x->nextra == 0 && x->poll == 2 &&
	    x->retries == 3) {
		buf_adds(b, "executor: slurm\n");
		return;
	}
	buf_adds(b, "executor:\n");
	kv(b, 2, "type", "slurm");
	if (x->partition != NULL)
		kv(b, 2, "partition", x->partition);
	if (x->account != NULL)
		kv(b, 2, "account", x->account);
	if (x->qos != NULL)
		kv(b, 2, "qos", x->qos);
	if (x->constraint != NULL)
		kv(b, 2, "constraint", x->constraint);
	if (x->nextra > 0)
		kv_list(b, 2, "options", x->extra, x->nextra);
	if (x->poll != 2)
		kv_duration(b, 2, "poll", x->poll);
	if (x->retries != 3)
		kv_int(b, 2, "retries", x->retries);
}

char *
specwrite_drafts(const struct spec *s, struct specwrite_param *params, size_t n)
{
	struct buf b = BUF_INIT;
	char **rel;
	size_t i;

	buf_adds(&b,
	    "# Written by wayfinder's space editor; see "
	    "wayfinder.yaml(5).\n");
	kv(&b, 0, "name", s->name != NULL ? s->name : "");
	if (s->description != NULL)
		kv(&b, 0, "description", s->description);
	buf_adds(&b, n > 0 ? "params:\n" : "params: []\n");
	for (i = 0; i < n; i++)
		write_param(&b, &params[i]);
	/* A build section without a command is no build at all. */
	if (s->build.script_rel != NULL || s->build.run != NULL)
		write_stage(&b, s, &s->build, STAGE_BUILD);
	write_stage(&b, s, &s->test, STAGE_TEST);
	write_search(&b, s);
	write_host(&b, s);
	write_executor(&b, s);
	if (s->ninputs > 0) {
		rel = xcalloc(s->ninputs, sizeof *rel);
		for (i = 0; i < s->ninputs; i++)
			rel[i] = (char *)relative(s->inputs[i], s->dir);
		kv_list(&b, 0, "inputs", rel, s->ninputs);
		free(rel);
	}
	return buf_steal(&b);
}

char *
specwrite(const struct spec *s)
{
	struct specwrite_param *w;
	char *text;
	size_t i;
	int build = s->build.script_rel != NULL || s->build.run != NULL;

	w = xcalloc(s->nparams + 1, sizeof *w);
	for (i = 0; i < s->nparams; i++) {
		specwrite_param_from(&s->params[i], &w[i]);
		/* Without a build, every parameter is the test's anyway. */
		if (!build) {
			free(w[i].f[SW_WHEN]);
			w[i].f[SW_WHEN] = NULL;
		}
	}
	text = specwrite_drafts(s, w, s->nparams);
	for (i = 0; i < s->nparams; i++)
		specwrite_param_clear(&w[i]);
	free(w);
	return text;
}
