/*
 * Loading a spec: libyaml builds the document tree (keeping every node's
 * position), then each section is checked against a table of the keys it
 * may hold. Problems are collected, never fatal, so one run of `wayfinder
 * validate` shows all of them.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "buf.h"
#include "files.h"
#include "pmu.h"
#include "sha256.h"
#include "spec.h"
#include "template.h"
#include "xmalloc.h"
#include "ynode.h"
#include "../strategies/strategy.h"

#define SPEC_MAX_BYTES (64 * 1024 * 1024)
#define RANGE_LIMIT 9007199254740992.0 /* 2^53: exact in a double */

struct ctx {
	struct ynode_doc y;
	struct spec *s;
	struct buf hashed; /* names and contents of the files read */
	int has_build;     /* the spec has a build section */
	/* Per parameter, while loading: */
	unsigned char *bad;         /* type or domain invalid */
	unsigned char *stage_bad;   /* invalid 'when' */
	unsigned char *stage_given; /* explicit valid 'when' */
	yaml_node_t **cond_node;    /* the 'if' scalar */
};

static const char *const type_names[] = { "int", "float", "bool", "tristate",
	"str", NULL };
static const char *const stage_names[] = { "build", "test", NULL };
static const char *const isolation_names[] = { "none", "core", "cache",
	"socket", "full", NULL };
static const char *const direction_names[] = { "maximize", "minimize", NULL };
static const char *const aggregate_names[] = { "median", "mean", "min", "max",
	NULL };
static const char *const stream_names[] = { "stdout", "stderr", NULL };
static const char *const builtin_metrics[] = { SPEC_METRIC_WALL,
	SPEC_METRIC_RSS, SPEC_METRIC_CPU, SPEC_METRIC_MEMORY, SPEC_METRIC_VCSW,
	SPEC_METRIC_IVCSW, SPEC_METRIC_MINFLT, SPEC_METRIC_MAJFLT, NULL };
static const char *const boot_sources[] = { "console", "debugcon", NULL };
static const char *const governor_names[] = { "performance", "powersave",
	"ondemand", "conservative", "schedutil", "userspace", NULL };

/* Variables of the script contract that templates may use. */
static const char *const env_names[] = { "WAYFINDER_CORES",
	"WAYFINDER_TOTAL_CORES", "WAYFINDER_SPEC_DIR", "WAYFINDER_BUILD_DIR",
	"WAYFINDER_WORK_DIR", "WAYFINDER_RESULTS", "WAYFINDER_ITERATION",
	"WAYFINDER_WARMUP", "WAYFINDER_CONFIG_ID", "WAYFINDER_TRIAL",
	"WAYFINDER_JOB", "WAYFINDER_EXPERIMENT", "WAYFINDER_STAGE",
	"WAYFINDER_DEBUGCON", NULL };

static struct pos
pos_of(const yaml_node_t *n)
{
	struct pos p;

	p.line = (int)n->start_mark.line + 1;
	p.col = (int)n->start_mark.column + 1;
	return p;
}

static int
choose(struct ctx *c, const yaml_node_t *n, const char *keyname,
    const char *const *names, int *out)
{
	const char *v, *hint;
	struct buf all = BUF_INIT;
	int i;

	if ((v = ynode_scalar(&c->y, n, keyname)) == NULL)
		return -1;
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	for (i = 0; names[i] != NULL; i++)
		buf_printf(&all, "%s%s", i > 0 ? ", " : "", names[i]);
	if ((hint = diag_suggest(v, names)) != NULL)
		ynode_err(&c->y, n,
		    "'%s' is not a valid %s (%s); did you mean '%s'?", v,
		    keyname, buf_str(&all), hint);
	else
		ynode_err(&c->y, n, "'%s' is not a valid %s (%s)", v, keyname,
		    buf_str(&all));
	buf_free(&all);
	return -1;
}

static int
parse_ll(const char *v, long long *out)
{
	char *end;
	int base = 10;
	const char *p = v;

	while (*p == ' ')
		p++;
	if ((p[0] == '+' || p[0] == '-') ?
		(p[1] == '0' && (p[2] == 'x' || p[2] == 'X')) :
		(p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
		base = 16;
	if (*p == '\0')
		return -1;
	errno = 0;
	*out = strtoll(p, &end, base);
	if (errno != 0 || end == p || *end != '\0')
		return -1;
	return 0;
}

static int
parse_double(const char *v, double *out)
{
	char *end;

	if (*v == '\0' || isspace((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !isfinite(*out))
		return -1;
	return 0;
}

static int
parse_bool(const char *v)
{
	static const char *const yes[] = { "true", "yes", "on", "y", "1",
		NULL };
	static const char *const no[] = { "false", "no", "off", "n", "0",
		NULL };
	int i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	return -1;
}

static int
get_int(struct ctx *c, const yaml_node_t *n, const char *keyname, long long lo,
    long long hi, long long *out)
{
	const char *v;

	if ((v = ynode_scalar(&c->y, n, keyname)) == NULL)
		return -1;
	if (parse_ll(v, out) != 0) {
		ynode_err(&c->y, n, "'%s' must be an integer, not '%s'",
		    keyname, v);
		return -1;
	}
	if (*out < lo || *out > hi) {
		if (hi == LLONG_MAX)
			ynode_err(&c->y, n,
			    "'%s' must be at least %lld, not %lld", keyname, lo,
			    *out);
		else
			ynode_err(&c->y, n,
			    "'%s' must be between %lld and %lld, not %lld",
			    keyname, lo, hi, *out);
		return -1;
	}
	return 0;
}

static int
get_bool(struct ctx *c, const yaml_node_t *n, const char *keyname, int *out)
{
	const char *v;

	if ((v = ynode_scalar(&c->y, n, keyname)) == NULL)
		return -1;
	if ((*out = parse_bool(v)) < 0) {
		ynode_err(&c->y, n, "'%s' must be true or false, not '%s'",
		    keyname, v);
		return -1;
	}
	return 0;
}

static char *
get_str(struct ctx *c, const yaml_node_t *n, const char *keyname)
{
	const char *v;

	if ((v = ynode_scalar(&c->y, n, keyname)) == NULL)
		return NULL;
	return xstrdup(v);
}

int
spec_parse_duration(const char *v, double *out)
{
	const char *p = v;
	char *end;
	double total = 0, x;
	int any = 0;

	if (strcmp(v, "none") == 0) {
		*out = 0;
		return 0;
	}
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		errno = 0;
		x = strtod(p, &end);
		if (end == p || errno != 0)
			return -1;
		p = end;
		if (strncmp(p, "ms", 2) == 0) {
			x /= 1000;
			p += 2;
		} else if (*p == 's') {
			p++;
		} else if (*p == 'm') {
			x *= 60;
			p++;
		} else if (*p == 'h') {
			x *= 3600;
			p++;
		} else if (*p == 'd') {
			x *= 86400;
			p++;
		} else if (*p != '\0' || any)
			return -1;
		total += x;
		any = 1;
	}
	if (!any || !isfinite(total))
		return -1;
	*out = total;
	return 0;
}

int
spec_parse_size(const char *v, uint64_t *out)
{
	char *end;
	double x, mult = 1;

	if (!isdigit((unsigned char)*v) && *v != '.')
		return -1;
	errno = 0;
	x = strtod(v, &end);
	if (end == v || errno != 0 || !isfinite(x))
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = 1024.0;
		break;
	case 'm':
	case 'M':
		mult = 1024.0 * 1024;
		break;
	case 'g':
	case 'G':
		mult = 1024.0 * 1024 * 1024;
		break;
	case 't':
	case 'T':
		mult = 1024.0 * 1024 * 1024 * 1024;
		break;
	default:
		return -1;
	}
	if (*end != '\0') {
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
	}
	if (*end != '\0' || x * mult < 1 || x * mult > 9.2e18)
		return -1;
	*out = (uint64_t)(x * mult);
	return 0;
}

static int
get_size(struct ctx *c, const yaml_node_t *n, const char *keyname,
    uint64_t *out)
{
	const char *v;

	if ((v = ynode_scalar(&c->y, n, keyname)) == NULL)
		return -1;
	if (spec_parse_size(v, out) != 0) {
		ynode_err(&c->y, n,
		    "'%s' must be a size such as 512M, 2G or a number of "
		    "bytes, not '%s'",
		    keyname, v);
		return -1;
	}
	return 0;
}

static int
get_duration(struct ctx *c, const yaml_node_t *n, const char *keyname,
    double *out)
{
	const char *v;

	if ((v = ynode_scalar(&c->y, n, keyname)) == NULL)
		return -1;
	if (spec_parse_duration(v, out) != 0) {
		ynode_err(&c->y, n,
		    "'%s' must be a duration such as 90s, 10m, 2h or a "
		    "number of seconds, not '%s'",
		    keyname, v);
		return -1;
	}
	return 0;
}

/* Canonical text of a float: the shortest of %.15g and %.17g that reads
 * back as the same value. */
static char *
float_text(double x, char *buf, size_t len)
{
	double back;

	if (x == 0)
		x = 0; /* no "-0" */
	snprintf(buf, len, "%.15g", x);
	back = strtod(buf, NULL);
	if (back != x && fabs(back - x) > 1e-12 * fabs(x))
		snprintf(buf, len, "%.17g", x);
	return buf;
}

/*
 * Parses text as a value of type t into its canonical text (*canon,
 * allocated) and number. Returns 0, or -1 with *why naming what was
 * expected.
 */
static int
canon_value(enum ptype t, const char *text, char **canon, double *num,
    const char **why)
{
	char tmp[64];
	long long ll;
	int b;

	switch (t) {
	case PT_INT:
		if (parse_ll(text, &ll) != 0) {
			*why = "an integer";
			return -1;
		}
		*canon = xasprintf("%lld", ll);
		*num = (double)ll;
		return 0;
	case PT_FLOAT:
		if (parse_double(text, num) != 0) {
			*why = "a number";
			return -1;
		}
		*canon = xstrdup(float_text(*num, tmp, sizeof tmp));
		return 0;
	case PT_BOOL:
		if ((b = parse_bool(text)) < 0) {
			*why = "true or false";
			return -1;
		}
		*canon = xstrdup(b ? "true" : "false");
		*num = b;
		return 0;
	case PT_TRISTATE:
		if (strcmp(text, "y") != 0 && strcmp(text, "m") != 0 &&
		    strcmp(text, "n") != 0) {
			*why = "y, m or n";
			return -1;
		}
		*canon = xstrdup(text);
		*num = text[0] == 'n' ? 0 : text[0] == 'm' ? 1 : 2;
		return 0;
	case PT_STR:
		*canon = xstrdup(text);
		*num = 0;
		return 0;
	}
	return -1;
}

int
spec_valid_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (s++; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int
valid_experiment_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return 0;
	return 1;
}

/* Values of a range as doubles; idx < card. */
static double
range_value(const struct param *p, uint64_t idx)
{
	if (p->power)
		return p->type == PT_INT ?
		    round(p->min * pow(p->step, (double)idx)) :
		    p->min * pow(p->step, (double)idx);
	return p->min + (double)idx * p->step;
}

const char *
spec_value(const struct param *p, uint64_t idx, char *buf, size_t len)
{
	if (!p->is_range)
		return p->values[idx];
	if (p->type == PT_INT)
		snprintf(buf, len, "%lld", (long long)range_value(p, idx));
	else
		float_text(range_value(p, idx), buf, len);
	return buf;
}

double
spec_value_num(const struct param *p, uint64_t idx)
{
	if (p->is_range)
		return range_value(p, idx);
	if (p->type == PT_STR)
		return (double)idx;
	return p->nums[idx];
}

int64_t
spec_value_index(const struct param *p, const char *text)
{
	const char *why;
	char *canon, buf[64];
	double x, k;
	uint64_t i;

	if (canon_value(p->type, text, &canon, &x, &why) != 0)
		return -1;
	if (!p->is_range) {
		for (i = 0; i < p->card; i++)
			if (strcmp(p->values[i], canon) == 0)
				break;
		free(canon);
		return i < p->card ? (int64_t)i : -1;
	}
	free(canon);
	if (p->power) {
		if (x <= 0)
			return -1;
		k = round(log(x / p->min) / log(p->step));
	} else
		k = round((x - p->min) / p->step);
	if (k < 0 || k >= (double)p->card)
		return -1;
	i = (uint64_t)k;
	/* Accept only the value's own canonical spelling of a number. */
	if (fabs(range_value(p, i) - x) > 1e-9 * fmax(1, fabs(x)))
		return -1;
	(void)buf;
	return (int64_t)i;
}

char *
spec_domain_text(const struct param *p)
{
	struct buf b = BUF_INIT;
	char lo[64], hi[64], st[64];
	uint64_t i;

	if (p->is_range) {
		buf_printf(&b, "%s..%s", spec_value(p, 0, lo, sizeof lo),
		    spec_value(p, p->card - 1, hi, sizeof hi));
		if (p->power)
			buf_printf(&b, " x%s",
			    float_text(p->step, st, sizeof st));
		else if (p->step != 1)
			buf_printf(&b, " step %s",
			    float_text(p->step, st, sizeof st));
		return buf_steal(&b);
	}
	for (i = 0; i < p->card && i < 8; i++)
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", p->values[i]);
	if (i < p->card)
		buf_printf(&b, ", ... (%llu values)",
		    (unsigned long long)p->card);
	return buf_steal(&b);
}

static const char *const param_keys[] = { "name", "type", "values", "only",
	"min", "max", "step", "step_mode", "default", "when", "if",
	"description", NULL };

static void
parse_values(struct ctx *c, struct param *p, yaml_node_t *n, const char *kn)
{
	yaml_node_item_t *it;
	yaml_node_t *v;
	const char *text, *why;
	char *canon;
	double num;
	uint64_t i;
	size_t cap;

	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n,
		    "'%s' must be a list such as [1, 2, 3], not %s", kn,
		    ynode_kind(n));
		return;
	}
	cap =
	    (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cap == 0) {
		ynode_err(&c->y, n, "'%s' of parameter '%s' is empty", kn,
		    p->name);
		return;
	}
	p->values = xcalloc(cap + 1, sizeof *p->values); /* NULL-terminated */
	p->nums = xcalloc(cap, sizeof *p->nums);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		v = ynode_at(&c->y, *it);
		if ((text = ynode_scalar(&c->y, v, kn)) == NULL)
			continue;
		if (ynode_is_null(v) && p->type == PT_STR) {
			ynode_err(&c->y, v,
			    "value '%s' of parameter '%s' is YAML's null; "
			    "quote it ('%s') to mean the text",
			    text, p->name, text);
			continue;
		}
		if (canon_value(p->type, text, &canon, &num, &why) != 0) {
			ynode_err(&c->y, v,
			    "value '%s' of %s parameter '%s' must be %s", text,
			    type_names[p->type], p->name, why);
			continue;
		}
		for (i = 0; i < p->card; i++)
			if (strcmp(p->values[i], canon) == 0)
				break;
		if (i < p->card) {
			ynode_err(&c->y, v,
			    "value '%s' appears twice in parameter '%s'", text,
			    p->name);
			free(canon);
			continue;
		}
		p->values[p->card] = canon;
		p->nums[p->card] = num;
		p->card++;
	}
}

static void
default_values(struct param *p)
{
	static const char *const bools[] = { "false", "true" };
	static const char *const tris[] = { "n", "m", "y" };
	const char *const *v;
	uint64_t i;

	p->card = p->type == PT_BOOL ? 2 : 3;
	v = p->type == PT_BOOL ? bools : tris;
	p->values = xcalloc(p->card + 1, sizeof *p->values);
	p->nums = xcalloc(p->card, sizeof *p->nums);
	for (i = 0; i < p->card; i++) {
		p->values[i] = xstrdup(v[i]);
		p->nums[i] = (double)i;
	}
}

static int
range_number(struct ctx *c, struct param *p, yaml_node_t *n, const char *kn,
    double *out)
{
	const char *v;
	long long ll;

	if ((v = ynode_scalar(&c->y, n, kn)) == NULL)
		return -1;
	if (p->type == PT_INT) {
		if (parse_ll(v, &ll) != 0) {
			ynode_err(&c->y, n,
			    "'%s' of int parameter '%s' must be an "
			    "integer, not '%s'",
			    kn, p->name, v);
			return -1;
		}
		*out = (double)ll;
	} else if (parse_double(v, out) != 0) {
		ynode_err(&c->y, n,
		    "'%s' of parameter '%s' must be a number, not '%s'", kn,
		    p->name, v);
		return -1;
	}
	if (fabs(*out) > RANGE_LIMIT) {
		ynode_err(&c->y, n, "'%s' of parameter '%s' is beyond 2^53", kn,
		    p->name);
		return -1;
	}
	return 0;
}

static void
parse_range(struct ctx *c, struct param *p, yaml_node_t **f)
{
	yaml_node_t *nmin = f[ynode_key(param_keys, "min")],
		    *nmax = f[ynode_key(param_keys, "max")],
		    *nstep = f[ynode_key(param_keys, "step")],
		    *nmode = f[ynode_key(param_keys, "step_mode")];
	static const char *const modes[] = { "increment", "power", NULL };
	double count, x;
	int mode = 0, ok = 1;

	if (nmin == NULL || nmax == NULL) {
		ynode_err(&c->y, nmin != NULL ? nmin : nmax,
		    "parameter '%s' has '%s' "
		    "but no '%s'",
		    p->name, nmin != NULL ? "min" : "max",
		    nmin != NULL ? "max" : "min");
		return;
	}
	ok &= range_number(c, p, nmin, "min", &p->min) == 0;
	ok &= range_number(c, p, nmax, "max", &p->max) == 0;
	p->step = p->type == PT_INT ? 1 : 0;
	if (nstep != NULL)
		ok &= range_number(c, p, nstep, "step", &p->step) == 0;
	if (nmode != NULL)
		ok &= choose(c, nmode, "step_mode", modes, &mode) == 0;
	if (!ok)
		return;
	p->power = mode == 1;
	if (p->min > p->max) {
		ynode_err(&c->y, nmin,
		    "min %g is greater than max %g in parameter '%s'", p->min,
		    p->max, p->name);
		return;
	}
	if (nstep == NULL && p->type == PT_FLOAT) {
		ynode_err(&c->y, nmin,
		    "float range of '%s' needs a 'step' (Wayfinder "
		    "searches discrete values)",
		    p->name);
		return;
	}
	if (p->power) {
		if (p->min <= 0) {
			ynode_err(&c->y, nmin,
			    "step_mode power needs min > 0 in "
			    "parameter '%s'",
			    p->name);
			return;
		}
		if (p->step <= 1 || (p->type == PT_INT && p->step < 2)) {
			ynode_err(&c->y, nstep != NULL ? nstep : nmode,
			    "step_mode power "
			    "needs a step (the ratio) greater than 1 in "
			    "parameter '%s'",
			    p->name);
			return;
		}
		count = 0;
		for (x = p->min; x <= p->max * (1 + 1e-12); x *= p->step)
			count++;
	} else {
		if (p->step <= 0) {
			ynode_err(&c->y, nstep,
			    "step must be greater than 0 in parameter "
			    "'%s'",
			    p->name);
			return;
		}
		count = floor((p->max - p->min) / p->step + 1e-9) + 1;
	}
	if (count > RANGE_LIMIT) {
		ynode_err(&c->y, nmin,
		    "range of '%s' has too many values (%.3g; at most "
		    "2^53)",
		    p->name, count);
		return;
	}
	p->is_range = 1;
	p->card = (uint64_t)count;
}

/* The position of byte offset off of a scalar's value in the source,
 * in characters: the decoded value is matched back, in order, against
 * the raw text, which skips quotes, escapes and folded line breaks. */
static struct pos
scalar_pos(struct ctx *c, const yaml_node_t *n, size_t off)
{
	const char *raw = c->s->text + n->start_mark.index;
	const char *end = c->s->text + n->end_mark.index;
	const char *v = (const char *)n->data.scalar.value, *p, *at;
	struct pos pos;
	size_t i;

	switch (n->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		raw++;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		while (raw < end && *raw != '\n')
			raw++; /* the indicator's line */
		break;
	default:
		break;
	}
	at = raw;
	for (i = 0; i <= off && v[i] != '\0' && at < end; i++) {
		while (at < end && *at != v[i])
			at++;
		if (i < off && at < end)
			at++;
	}
	if (at > end)
		at = c->s->text + n->start_mark.index;
	/* Count from the node's own mark, not from the top of the file. */
	pos.line = (int)n->start_mark.line + 1;
	pos.col = (int)n->start_mark.column + 1;
	for (p = c->s->text + n->start_mark.index; p < at; p++) {
		if (*p == '\n') {
			pos.line++;
			pos.col = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80)
			pos.col++;
	}
	return pos;
}

static void
cond_error(struct ctx *c, const struct param *p, int col, const char *msg)
{
	struct pos at;

	at = c->cond_node[p - c->s->params] != NULL ?
	    scalar_pos(c, c->cond_node[p - c->s->params], (size_t)col) :
	    p->pos;
	diag_add(c->y.d, DIAG_ERROR, c->y.file, at.line, at.col,
	    "in condition of '%s': %s", p->name, msg);
}

static void
parse_param(struct ctx *c, yaml_node_t *n, size_t index)
{
	size_t self = c->s->nparams;
	struct param *p = &c->s->params[self];
	yaml_node_t *f[13], *nv, *nonly, *nd, *nmin, *nmax, *nstep, *nmode;
	const char *text, *why;
	char *canon, *where, *cause;
	double num;
	int t, stage, col;
	int64_t di;
	size_t i;

	memset(p, 0, sizeof *p);
	p->pos = pos_of(n);
	where = xasprintf("parameter %zu", index + 1);
	if (ynode_fields(&c->y, n, where, param_keys, f, NULL, NULL, NULL) !=
	    0) {
		free(where);
		return;
	}
	if (f[ynode_key(param_keys, "name")] == NULL) {
		ynode_err(&c->y, n, "%s has no 'name'", where);
		free(where);
		return;
	}
	free(where);
	if ((p->name = get_str(c, f[ynode_key(param_keys, "name")], "name")) ==
	    NULL)
		return;
	if (!spec_valid_name(p->name)) {
		ynode_err(&c->y, f[0],
		    "parameter name '%s' must match "
		    "[A-Za-z_][A-Za-z0-9_]* (it becomes an environment "
		    "variable)",
		    p->name);
		free(p->name);
		return;
	}
	if (strncmp(p->name, "WAYFINDER_", 10) == 0) {
		ynode_err(&c->y, f[0],
		    "parameter name '%s' is reserved: WAYFINDER_ "
		    "variables belong to the script contract",
		    p->name);
		free(p->name);
		return;
	}
	for (i = 0; i < c->s->nparams; i++) {
		if (strcmp(c->s->params[i].name, p->name) == 0) {
			ynode_err(&c->y, f[0],
			    "duplicate parameter '%s' (first at line "
			    "%d)",
			    p->name, c->s->params[i].pos.line);
			free(p->name);
			return;
		}
	}
	c->s->nparams++; /* the name is valid: keep it for later checks */

	/* Stage, description and condition do not depend on the type:
	 * check them whatever happens to the domain. Without a build
	 * section, parameters are the test's. */
	stage = c->has_build ? STAGE_BUILD : STAGE_TEST;
	if (f[ynode_key(param_keys, "when")] != NULL) {
		if (choose(c, f[ynode_key(param_keys, "when")], "when",
			stage_names, &stage) != 0)
			c->stage_bad[self] = 1;
		else
			c->stage_given[self] = 1;
	}
	p->stage = (enum stage)stage;
	if (f[ynode_key(param_keys, "description")] != NULL)
		p->description = get_str(c,
		    f[ynode_key(param_keys, "description")], "description");
	if (f[ynode_key(param_keys, "if")] != NULL) {
		yaml_node_t *nc = f[ynode_key(param_keys, "if")];

		if ((text = ynode_scalar(&c->y, nc, "if")) != NULL) {
			c->cond_node[self] = nc;
			p->cond_text = xstrdup(text);
			p->cond_pos = scalar_pos(c, nc, 0);
			if ((p->cond = expr_parse(text, &col, &cause)) ==
			    NULL) {
				cond_error(c, p, col, cause);
				free(cause);
			}
		}
	}

	c->bad[self] = 1; /* until the domain is known */
	nv = f[ynode_key(param_keys, "values")];
	nonly = f[ynode_key(param_keys, "only")];
	nmin = f[ynode_key(param_keys, "min")];
	nmax = f[ynode_key(param_keys, "max")];
	nstep = f[ynode_key(param_keys, "step")];
	nmode = f[ynode_key(param_keys, "step_mode")];
	if (nv != NULL && nonly != NULL) {
		ynode_err(&c->y, nonly,
		    "parameter '%s' has both 'values' and 'only' "
		    "(they are the same key)",
		    p->name);
		nonly = NULL;
	}
	if (nv == NULL)
		nv = nonly;
	if (nv != NULL && (nmin != NULL || nmax != NULL)) {
		ynode_err(&c->y, nv,
		    "parameter '%s' has both a list of values and a "
		    "range (min/max); give one",
		    p->name);
		return;
	}
	if (nv != NULL && (nstep != NULL || nmode != NULL)) {
		ynode_err(&c->y, nstep != NULL ? nstep : nmode,
		    "'%s' applies to a range "
		    "(min/max), not to the list of values of '%s'",
		    nstep != NULL ? "step" : "step_mode", p->name);
		return;
	}
	if (nv == NULL && (nstep != NULL || nmode != NULL) && nmin == NULL &&
	    nmax == NULL) {
		ynode_err(&c->y, nstep != NULL ? nstep : nmode,
		    "parameter '%s' has a "
		    "step but no min and max",
		    p->name);
		return;
	}

	if (f[ynode_key(param_keys, "type")] == NULL) {
		ynode_err(&c->y, n,
		    "parameter '%s' has no 'type' (int, float, bool, "
		    "tristate or str)",
		    p->name);
		return;
	}
	if ((text = ynode_scalar(&c->y, f[ynode_key(param_keys, "type")],
		 "type")) == NULL)
		return;
	if (strcmp(text, "integer") == 0)
		t = PT_INT;
	else if (strcmp(text, "string") == 0)
		t = PT_STR;
	else if (strcmp(text, "boolean") == 0)
		t = PT_BOOL;
	else if (choose(c, f[ynode_key(param_keys, "type")], "type", type_names,
		     &t) != 0)
		return;
	p->type = (enum ptype)t;

	if (nv != NULL)
		parse_values(c, p, nv, nonly != NULL ? "only" : "values");
	else if (nmin != NULL || nmax != NULL) {
		if (p->type != PT_INT && p->type != PT_FLOAT) {
			ynode_err(&c->y, nmin != NULL ? nmin : nmax,
			    "min and max apply "
			    "to int and float parameters, not %s parameter "
			    "'%s'",
			    type_names[p->type], p->name);
			return;
		}
		parse_range(c, p, f);
	} else if (p->type == PT_BOOL || p->type == PT_TRISTATE)
		default_values(p);
	else {
		ynode_err(&c->y, n,
		    "%s parameter '%s' needs 'values' (or 'only') or a "
		    "range ('min' and 'max')",
		    type_names[p->type], p->name);
		return;
	}
	if (p->card == 0)
		return;
	c->bad[self] = 0;

	p->def = 0;
	if ((nd = f[ynode_key(param_keys, "default")]) != NULL &&
	    (text = ynode_scalar(&c->y, nd, "default")) != NULL) {
		if (canon_value(p->type, text, &canon, &num, &why) != 0)
			ynode_err(&c->y, nd,
			    "default '%s' of %s parameter '%s' must be %s",
			    text, type_names[p->type], p->name, why);
		else {
			free(canon);
			if ((di = spec_value_index(p, text)) < 0) {
				char *dom = spec_domain_text(p);

				ynode_err(&c->y, nd,
				    "default '%s' of parameter '%s' is "
				    "not one of its values (%s)",
				    text, p->name, dom);
				free(dom);
			} else
				p->def = (uint64_t)di;
		}
	}
}

/* Name resolution for conditions: any parameter, by name. */
struct resolve_arg {
	struct ctx *c;
	struct param *self;
};

static enum expr_vtype
vtype_of(enum ptype t)
{
	switch (t) {
	case PT_INT:
	case PT_FLOAT:
		return EV_NUM;
	case PT_BOOL:
		return EV_BOOL;
	case PT_TRISTATE:
		return EV_TRI;
	default:
		return EV_STR;
	}
}

static int
resolve_name(const char *name, void *arg, enum expr_vtype *type, char **why)
{
	struct resolve_arg *ra = arg;
	struct spec *s = ra->c->s;
	const char **names, *hint;
	int i;

	if ((i = spec_param_index(s, name)) >= 0) {
		if (&s->params[i] == ra->self) {
			*why = xasprintf("the condition of '%s' names itself",
			    name);
			return -1;
		}
		/* A parameter whose type is in error has been reported:
		 * its comparisons cannot be checked. */
		*type = ra->c->bad[i] ? EV_ABSENT : vtype_of(s->params[i].type);
		return i;
	}
	names = xcalloc(s->nparams + 1, sizeof *names);
	for (i = 0; i < (int)s->nparams; i++)
		names[i] = s->params[i].name;
	hint = diag_suggest(name, names);
	if (hint != NULL)
		*why = xasprintf("unknown parameter '%s'; did you mean '%s'?",
		    name, hint);
	else if (strcmp(name, "y") == 0 || strcmp(name, "m") == 0 ||
	    strcmp(name, "n") == 0)
		*why = xasprintf("unknown parameter '%s' (a tristate value is "
				 "written in quotes: '%s')",
		    name, name);
	else
		*why = xasprintf("unknown parameter '%s' (strings are written "
				 "in quotes)",
		    name);
	free(names);
	return -1;
}

/* A comparison of a parameter with a literal that is not one of its
 * values can never hold: almost always a typo. */
static void
check_literals(struct ctx *c, const struct param *p, const struct expr *e)
{
	const struct expr *name, *lit;
	const struct param *q;
	const char *hint;
	char num[64], *msg;
	int64_t found;

	if (e == NULL)
		return;
	check_literals(c, p, e->l);
	check_literals(c, p, e->r);
	if (e->kind != EXPR_EQ && e->kind != EXPR_NE)
		return;
	name = e->l->kind == EXPR_NAME ? e->l : e->r;
	lit = name == e->l ? e->r : e->l;
	if (name->kind != EXPR_NAME || name->ref < 0)
		return;
	q = &c->s->params[name->ref];
	if (q->card == 0 ||
	    (q->type != PT_STR && q->type != PT_INT && q->type != PT_FLOAT))
		return;
	if (lit->kind == EXPR_STR && q->type == PT_STR)
		found = spec_value_index(q, lit->s);
	else if (lit->kind == EXPR_NUM && q->type != PT_STR)
		found =
		    spec_value_index(q, float_text(lit->num, num, sizeof num));
	else
		return;
	if (found >= 0)
		return;
	hint = lit->kind == EXPR_STR && q->type == PT_STR ?
	    diag_suggest(lit->s, (const char *const *)q->values) :
	    NULL;
	if (hint != NULL)
		msg = xasprintf("'%s' is not one of the values of '%s'; did "
				"you mean '%s'?",
		    lit->s, q->name, hint);
	else
		msg = xasprintf("this value is not one of the values of '%s', "
				"so the comparison never changes",
		    q->name);
	cond_error(c, p, lit->col, msg);
	free(msg);
}

/* A build parameter's condition may not name a test parameter: it would
 * make builds depend on test values. */
static void
check_stages(struct ctx *c, const struct param *p, const struct expr *e)
{
	const struct param *q;
	char *msg;

	if (e == NULL)
		return;
	check_stages(c, p, e->l);
	check_stages(c, p, e->r);
	if (e->kind != EXPR_NAME || e->ref < 0)
		return;
	q = &c->s->params[e->ref];
	if (p->stage != STAGE_BUILD || q->stage != STAGE_TEST ||
	    c->stage_bad[e->ref])
		return;
	msg = xasprintf("build parameter '%s' cannot depend on test parameter "
			"'%s' (builds are shared across test values)",
	    p->name, q->name);
	cond_error(c, p, e->col, msg);
	free(msg);
}

struct refs {
	size_t *v;
	size_t n;
};

static void
add_ref(int ref, void *arg)
{
	struct refs *r = arg;

	r->v = xreallocarray(r->v, r->n + 1, sizeof *r->v);
	r->v[r->n++] = (size_t)ref;
}

/* Depth-first search for cycles; a back edge to a parameter still on the
 * stack marks every parameter between them as on a cycle. */
static void
find_cycles(const struct refs *adj, size_t i, unsigned char *color,
    size_t *stack, size_t *depth, unsigned char *on_cycle)
{
	size_t k, j, d;

	color[i] = 1;
	stack[(*depth)++] = i;
	for (k = 0; k < adj[i].n; k++) {
		j = adj[i].v[k];
		if (color[j] == 1) {
			for (d = *depth; d-- > 0;) {
				on_cycle[stack[d]] = 1;
				if (stack[d] == j)
					break;
			}
		} else if (color[j] == 0)
			find_cycles(adj, j, color, stack, depth, on_cycle);
	}
	(*depth)--;
	color[i] = 2;
}

/* Resolves every condition, then rejects cycles and build parameters
 * whose activity would depend on a test parameter. */
static void
resolve_conditions(struct ctx *c)
{
	struct spec *s = c->s;
	struct resolve_arg ra;
	struct refs *adj;
	unsigned char *color, *on_cycle;
	size_t i, n = s->nparams, *stack, depth = 0;
	int col;
	char *cause;

	for (i = 0; i < n; i++) {
		struct param *p = &s->params[i];

		if (p->cond == NULL)
			continue;
		ra.c = c;
		ra.self = p;
		if (expr_resolve(p->cond, resolve_name, &ra, &col, &cause) !=
		    0) {
			cond_error(c, p, col, cause);
			free(cause);
			expr_free(p->cond);
			p->cond = NULL;
			continue;
		}
		check_literals(c, p, p->cond);
		if (!c->stage_bad[i])
			check_stages(c, p, p->cond);
	}
	adj = xcalloc(n + 1, sizeof *adj);
	for (i = 0; i < n; i++)
		expr_refs(s->params[i].cond, add_ref, &adj[i]);
	color = xcalloc(n + 1, 1);
	on_cycle = xcalloc(n + 1, 1);
	stack = xcalloc(n + 1, sizeof *stack);
	for (i = 0; i < n; i++)
		if (color[i] == 0)
			find_cycles(adj, i, color, stack, &depth, on_cycle);
	for (i = 0; i < n; i++) {
		if (on_cycle[i]) {
			cond_error(c, &s->params[i], 0,
			    "conditions form a "
			    "cycle (this parameter depends on itself through "
			    "others)");
		}
	}
	/* Cut every condition on a cycle, so nothing loops later. */
	for (i = 0; i < n; i++) {
		if (on_cycle[i]) {
			expr_free(s->params[i].cond);
			s->params[i].cond = NULL;
		}
		free(adj[i].v);
	}
	free(adj);
	free(color);
	free(on_cycle);
	free(stack);
}

/* Reads a file named by the spec (relative to its directory) into the
 * identity hash. Returns the absolute path, or NULL after an error. */
static char *
spec_file(struct ctx *c, yaml_node_t *n, const char *rel, const char *what,
    char **contents)
{
	struct stat st;
	char *path;
	FILE *f;
	size_t len;
	char *text;

	if (*rel == '\0') {
		ynode_err(&c->y, n, "%s path is empty", what);
		return NULL;
	}
	path =
	    rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", c->s->dir, rel);
	if (stat(path, &st) != 0) {
		ynode_err(&c->y, n, "%s '%s': %s", what, rel, strerror(errno));
		free(path);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		ynode_err(&c->y, n, "%s '%s' is not a regular file", what, rel);
		free(path);
		return NULL;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		ynode_err(&c->y, n, "%s '%s': %s", what, rel, strerror(errno));
		free(path);
		return NULL;
	}
	text = xmalloc((size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size, f);
	fclose(f);
	text[len] = '\0';
	if (contents != NULL && memchr(text, '\0', len) != NULL) {
		ynode_err(&c->y, n, "%s '%s' is not a text file", what, rel);
		free(text);
		free(path);
		return NULL;
	}
	buf_printf(&c->hashed, "%c%s%c%zu%c", 0, rel, 0, len, 0);
	buf_add(&c->hashed, text, len);
	if (contents != NULL)
		*contents = text;
	else
		free(text);
	return path;
}

struct tmpl_check {
	struct ctx *c;
	const char *file;
	enum stage stage;
};

int
spec_contract_var(const char *name)
{
	size_t i;

	if (strncmp(name, "WAYFINDER_CORE_ID", 17) == 0 && name[17] != '\0' &&
	    strspn(name + 17, "0123456789") == strlen(name + 17))
		return 1;
	for (i = 0; env_names[i] != NULL; i++)
		if (strcmp(env_names[i], name) == 0)
			return 1;
	return 0;
}

static void
tmpl_ref(const char *name, int line, int col, int has_default, void *arg)
{
	struct tmpl_check *tc = arg;
	struct spec *s = tc->c->s;
	const char **names, *hint;
	int i;

	if (spec_contract_var(name)) {
		if (tc->stage == STAGE_BUILD &&
		    (strcmp(name, "WAYFINDER_TRIAL") == 0 ||
			strcmp(name, "WAYFINDER_ITERATION") == 0 ||
			strcmp(name, "WAYFINDER_WARMUP") == 0 ||
			strcmp(name, "WAYFINDER_RESULTS") == 0))
			diag_add(tc->c->y.d, DIAG_ERROR, tc->file, line, col,
			    "'%s' is a test job's; a build template cannot use "
			    "it",
			    name);
		return;
	}
	if ((i = spec_param_index(s, name)) >= 0) {
		if (tc->stage == STAGE_BUILD &&
		    s->params[i].stage == STAGE_TEST)
			diag_add(tc->c->y.d, DIAG_ERROR, tc->file, line, col,
			    "build template uses test parameter '%s' (builds "
			    "are shared across test values)",
			    name);
		return;
	}
	names = xcalloc(s->nparams + 1, sizeof *names);
	for (i = 0; i < (int)s->nparams; i++)
		names[i] = s->params[i].name;
	hint = diag_suggest(name, names);
	if (hint == NULL)
		hint = diag_suggest(name, env_names);
	if (hint != NULL)
		diag_add(tc->c->y.d, DIAG_ERROR, tc->file, line, col,
		    "unknown name '%s'; did you mean '%s'?", name, hint);
	else
		diag_add(tc->c->y.d, DIAG_ERROR, tc->file, line, col,
		    "unknown name '%s' (not a parameter or a WAYFINDER_ "
		    "variable)",
		    name);
	free(names);
	(void)has_default;
}

static void
parse_templates(struct ctx *c, struct stagespec *st, yaml_node_t *n,
    enum stage stage)
{
	yaml_node_item_t *it;
	yaml_node_t *v;
	struct tmpl *t;
	struct tmpl_check tc;
	const char *rel, *base;
	char *text, *cause;
	size_t i, len;
	int line, col;

	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n,
		    "'templates' must be a list of files, not %s",
		    ynode_kind(n));
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		v = ynode_at(&c->y, *it);
		if ((rel = ynode_scalar(&c->y, v, "templates")) == NULL)
			continue;
		st->templates = xreallocarray(st->templates, st->ntemplates + 1,
		    sizeof *st->templates);
		t = &st->templates[st->ntemplates];
		memset(t, 0, sizeof *t);
		if ((t->path = spec_file(c, v, rel, "template", &text)) == NULL)
			continue;
		st->ntemplates++;
		t->rel = xstrdup(rel);
		t->pos = pos_of(v);
		base = strrchr(rel, '/') != NULL ? strrchr(rel, '/') + 1 : rel;
		len = strlen(base);
		if (len > 3 && strcmp(base + len - 3, ".in") == 0)
			len -= 3;
		t->output = xstrndup(base, len);
		for (i = 0; i + 1 < st->ntemplates; i++)
			if (strcmp(st->templates[i].output, t->output) == 0)
				ynode_err(&c->y, v,
				    "templates '%s' and '%s' would both "
				    "be written to '%s'",
				    st->templates[i].rel, rel, t->output);
		tc.c = c;
		tc.file = t->path;
		tc.stage = stage;
		if (template_scan(text, tmpl_ref, &tc, &line, &col, &cause) !=
		    0) {
			diag_add(c->y.d, DIAG_ERROR, t->path, line, col, "%s",
			    cause);
			free(cause);
		}
		free(text);
	}
}

static void parse_metrics(struct ctx *, yaml_node_t *);
static void parse_objective(struct ctx *, yaml_node_t *);
static int compile_regex(struct ctx *, yaml_node_t *, const char *,
    const char *, regex_t *, char **);

static const char *const build_keys[] = { "script", "run", "cores", "timeout",
	"estimate", "config_h", "kconfig", "templates", "isolation", "memory",
	"pids", "network", "aslr", "pmu", "sample_interval", NULL };
static const char *const test_keys[] = { "script", "run", "cores", "timeout",
	"estimate", "templates", "isolation", "repeat", "warmup", "metrics",
	"objective", "memory", "pids", "network", "aslr", "cache_ways",
	"mem_bandwidth", "pmu", "sample_interval", "boot", NULL };
static const char *const boot_keys[] = { "source", "marker", "stop", NULL };
static const char *const network_names[] = { "host", "none", NULL };

/* pmu: the events to count, each a metric of the stage's jobs. */
static void
parse_pmu(struct ctx *c, yaml_node_t *n, struct stagespec *st)
{
	yaml_node_item_t *it;
	yaml_node_t *v;
	const char *name;
	char *why, *hint;
	int elsewhere;
	size_t i;

	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n,
		    "'pmu' must be a list of event names, not %s (wayfinder "
		    "events lists them)",
		    ynode_kind(n));
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		v = ynode_at(&c->y, *it);
		if ((name = ynode_scalar(&c->y, v, "pmu")) == NULL)
			continue;
		for (i = 0; i < st->npmu; i++)
			if (strcmp(st->pmu[i], name) == 0)
				break;
		if (i < st->npmu) {
			ynode_err(&c->y, v, "event '%s' is listed twice", name);
			continue;
		}
		if (spec_builtin_metric(name) ||
		    strcmp(name, SPEC_METRIC_BOOT) == 0) {
			ynode_err(&c->y, v,
			    "'%s' is a built-in metric, not a counter; it is "
			    "recorded without being listed",
			    name);
			continue;
		}
		if (pmu_check(name, &elsewhere, &why, &hint) != 0) {
			if (hint != NULL)
				ynode_err(&c->y, v, "%s; did you mean '%s'?",
				    why, hint);
			else
				ynode_err(&c->y, v,
				    "%s (wayfinder events --all lists this "
				    "host's)",
				    why);
			free(why);
			free(hint);
			continue;
		}
		if (elsewhere)
			diag_add(c->y.d, DIAG_WARNING, c->y.file,
			    (int)v->start_mark.line + 1,
			    (int)v->start_mark.column + 1,
			    "event '%s' belongs to a PMU this host does not "
			    "have: it will not be counted here",
			    name);
		st->pmu = xreallocarray(st->pmu, st->npmu + 1, sizeof *st->pmu);
		st->pmu[st->npmu++] = xstrdup(name);
	}
}

/* boot: {source, marker, stop}, a test's boot monitor. */
static void
parse_boot(struct ctx *c, yaml_node_t *n, struct bootspec *b)
{
	yaml_node_t *f[3];
	regex_t re;
	int v;

	b->pos = pos_of(n);
	if (ynode_fields(&c->y, n, "boot", boot_keys, f, NULL, NULL, NULL) != 0)
		return;
	if (f[0] == NULL) {
		ynode_err(&c->y, n,
		    "boot needs a 'source': console (the job's standard "
		    "output) or debugcon (QEMU's debug port, through "
		    "$WAYFINDER_DEBUGCON)");
		return;
	}
	if (choose(c, f[0], "source", boot_sources, &v) != 0)
		return;
	b->source = v == 0 ? BOOT_CONSOLE : BOOT_DEBUGCON;
	if (f[1] != NULL && (b->marker = get_str(c, f[1], "marker")) != NULL) {
		if (*b->marker == '\0') {
			ynode_err(&c->y, f[1], "'marker' is empty");
		} else if (compile_regex(c, f[1], "the boot marker", b->marker,
			       &re, &b->marker_posix) == 0)
			regfree(&re);
	} else if (f[1] == NULL && b->source == BOOT_CONSOLE)
		ynode_err(&c->y, n,
		    "a console boot monitor needs a 'marker': a regex for "
		    "the line the guest prints once booted");
	if (f[2] != NULL)
		get_bool(c, f[2], "stop", &b->stop);
}

/* A file name inside the build directory: relative, no "..". */
static char *
get_outname(struct ctx *c, yaml_node_t *n, const char *kn)
{
	char *v;

	if ((v = get_str(c, n, kn)) == NULL)
		return NULL;
	if (*v == '\0' || v[0] == '/' || strstr(v, "..") != NULL) {
		ynode_err(&c->y, n,
		    "'%s' must be a file name relative to the build "
		    "directory, without '..'",
		    kn);
		free(v);
		return NULL;
	}
	return v;
}

static void
parse_stage(struct ctx *c, yaml_node_t *keynode, yaml_node_t *n,
    struct stagespec *st, enum stage stage)
{
	const char *const *keys = stage == STAGE_BUILD ? build_keys : test_keys;
	const char *sect = stage == STAGE_BUILD ? "build" : "test";
	yaml_node_t *f[24], *v;
	long long ll;
	int iso, b;

	st->present = 1;
	st->aslr = -1;
	st->pos = pos_of(n);
	st->cores = 1;
	st->timeout = stage == STAGE_BUILD ? 3600 : 600;
	st->repeat = 3;
	st->warmup = 0;
	st->sample_interval = 0.5;
	if (ynode_fields(&c->y, n, stage == STAGE_BUILD ? "build" : "test",
		keys, f, NULL, NULL, NULL) != 0)
		return;
	if (f[ynode_key(keys, "script")] != NULL &&
	    f[ynode_key(keys, "run")] != NULL)
		ynode_err(&c->y, f[ynode_key(keys, "run")],
		    "%s has both 'script' and 'run'; "
		    "give one",
		    sect);
	else if (f[ynode_key(keys, "script")] != NULL) {
		const char *rel =
		    ynode_scalar(&c->y, f[ynode_key(keys, "script")], "script");

		if (rel != NULL) {
			st->script_rel = xstrdup(rel);
			st->script = spec_file(c, f[ynode_key(keys, "script")],
			    rel, "script", NULL);
		}
	} else if (f[ynode_key(keys, "run")] != NULL) {
		st->run = get_str(c, f[ynode_key(keys, "run")], "run");
		if (st->run != NULL)
			buf_printf(&c->hashed, "%c%s.run%c%s", 0, sect, 0,
			    st->run);
	} else
		ynode_err(&c->y, keynode,
		    "%s needs 'script' (a file) or 'run' (a shell "
		    "command)",
		    sect);
	if (f[ynode_key(keys, "cores")] != NULL &&
	    get_int(c, f[ynode_key(keys, "cores")], "cores", 1, 1024, &ll) == 0)
		st->cores = (int)ll;
	if (f[ynode_key(keys, "timeout")] != NULL)
		get_duration(c, f[ynode_key(keys, "timeout")], "timeout",
		    &st->timeout);
	if (f[ynode_key(keys, "estimate")] != NULL)
		get_duration(c, f[ynode_key(keys, "estimate")], "estimate",
		    &st->estimate);
	if (f[ynode_key(keys, "templates")] != NULL)
		parse_templates(c, st, f[ynode_key(keys, "templates")], stage);
	if (f[ynode_key(keys, "isolation")] != NULL &&
	    choose(c, f[ynode_key(keys, "isolation")], "isolation",
		isolation_names, &iso) == 0)
		st->isolation = (enum isolation)iso;
	if ((v = f[ynode_key(keys, "memory")]) != NULL)
		get_size(c, v, "memory", &st->memory);
	if ((v = f[ynode_key(keys, "pids")]) != NULL &&
	    get_int(c, v, "pids", 1, 4194304, &ll) == 0)
		st->pids = (uint64_t)ll;
	if ((v = f[ynode_key(keys, "network")]) != NULL &&
	    choose(c, v, "network", network_names, &b) == 0)
		st->network = b;
	if ((v = f[ynode_key(keys, "aslr")]) != NULL &&
	    get_bool(c, v, "aslr", &b) == 0)
		st->aslr = b;
	if ((v = f[ynode_key(keys, "pmu")]) != NULL)
		parse_pmu(c, v, st);
	if ((v = f[ynode_key(keys, "sample_interval")]) != NULL &&
	    get_duration(c, v, "sample_interval", &st->sample_interval) == 0 &&
	    st->sample_interval > 0 && st->sample_interval < 0.01) {
		ynode_err(&c->y, v,
		    "'sample_interval' must be 0 (no sampling) or at least "
		    "10ms");
		st->sample_interval = 0.5;
	}
	if (stage == STAGE_BUILD) {
		if (f[ynode_key(keys, "config_h")] != NULL)
			st->config_h = get_outname(c,
			    f[ynode_key(keys, "config_h")], "config_h");
		if (f[ynode_key(keys, "kconfig")] != NULL)
			st->kconfig = get_outname(c,
			    f[ynode_key(keys, "kconfig")], "kconfig");
		return;
	}
	if ((v = f[ynode_key(keys, "cache_ways")]) != NULL &&
	    get_int(c, v, "cache_ways", 1, 64, &ll) == 0)
		st->cache_ways = (int)ll;
	if ((v = f[ynode_key(keys, "mem_bandwidth")]) != NULL &&
	    get_int(c, v, "mem_bandwidth", 1, 100, &ll) == 0)
		st->mem_bandwidth = (int)ll;
	if ((st->cache_ways || st->mem_bandwidth) && st->isolation == ISO_NONE)
		ynode_err(&c->y,
		    f[ynode_key(keys,
			st->cache_ways ? "cache_ways" : "mem_bandwidth")],
		    "'%s' partitions the cache for isolated jobs: it needs an "
		    "isolation level (core, cache, socket or full)",
		    st->cache_ways ? "cache_ways" : "mem_bandwidth");
	if (f[ynode_key(keys, "repeat")] != NULL &&
	    get_int(c, f[ynode_key(keys, "repeat")], "repeat", 1, 100000,
		&ll) == 0)
		st->repeat = (int)ll;
	if (f[ynode_key(keys, "warmup")] != NULL &&
	    get_int(c, f[ynode_key(keys, "warmup")], "warmup", 0, 100000,
		&ll) == 0)
		st->warmup = (int)ll;
	if ((v = f[ynode_key(keys, "boot")]) != NULL)
		parse_boot(c, v, &st->boot);
	if (f[ynode_key(keys, "metrics")] != NULL)
		parse_metrics(c, f[ynode_key(keys, "metrics")]);
	if (f[ynode_key(keys, "objective")] != NULL)
		parse_objective(c, f[ynode_key(keys, "objective")]);
	else
		ynode_err(&c->y, keynode,
		    "test has no 'objective' (which metric to "
		    "optimise, and in which direction)");
}

static const char *const metric_keys[] = { "name", "regex", "stream",
	"optional", "unit", "description", NULL };

/*
 * glibc's regex knows \s and \w but not \d; users write it anyway. \d
 * becomes [0-9] (0-9 inside a bracket expression) and \D [^0-9]; \D
 * inside brackets has no equivalent and is refused. Returns NULL then.
 */
/*
 * glibc compiles some regexes into exponential automata: repetition
 * operators in a row ("a++++") or nested large bounds. Such regexes are
 * refused with a reason rather than exhausting memory. Returns NULL when
 * re is acceptable, else the reason (static).
 */
static const char *
regex_limits(const char *re)
{
	const char *p;
	double product = 1;
	long lo, hi;
	char *end;
	int last_dup = 0, in_bracket = 0;

	if (strlen(re) > 1024)
		return "longer than 1024 characters";
	for (p = re; *p != '\0'; p++) {
		if (in_bracket) {
			if (*p == ']')
				in_bracket = 0;
			continue;
		}
		if (*p == '\\' && p[1] != '\0') {
			p++;
			last_dup = 0;
			continue;
		}
		if (*p == '[') {
			in_bracket = 1;
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
			last_dup = 0;
			continue;
		}
		if (*p == '*' || *p == '+' || *p == '?' || *p == '{') {
			if (last_dup)
				return "two repetition operators in a row "
				       "(POSIX leaves that undefined)";
			last_dup = 1;
			if (*p != '{')
				continue;
			lo = strtol(p + 1, &end, 10);
			hi = lo;
			if (*end == ',')
				hi = end[1] == '}' ? lo :
						     strtol(end + 1, &end, 10);
			if (lo > 100 || hi > 100)
				return "a repetition bound above 100";
			product *= hi > 1 ? (double)hi : 1;
			if (product > 10000)
				return "repetition bounds multiplying beyond "
				       "10,000";
			if ((p = strchr(p, '}')) == NULL)
				return NULL; /* regcomp reports it */
			continue;
		}
		last_dup = 0;
	}
	return NULL;
}

static char *
regex_translate(const char *re)
{
	struct buf b = BUF_INIT;
	const char *p;
	int in_bracket = 0;

	for (p = re; *p != '\0'; p++) {
		if (in_bracket) {
			if (p[0] == '\\' && p[1] == 'd') {
				buf_adds(&b, "0-9");
				p++;
				continue;
			}
			if (p[0] == '\\' && p[1] == 'D') {
				buf_free(&b);
				return NULL;
			}
			if (p[0] == '[' &&
			    (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
				/* [:class:] and friends end at their own ']' */
				const char *end =
				    strstr(p + 2, (char[]){ p[1], ']', '\0' });

				if (end != NULL) {
					buf_add(&b, p, (size_t)(end + 2 - p));
					p = end + 1;
					continue;
				}
			}
			if (*p == ']')
				in_bracket = 0;
			buf_addc(&b, *p);
			continue;
		}
		if (p[0] == '\\' && p[1] == 'd') {
			buf_adds(&b, "[0-9]");
			p++;
		} else if (p[0] == '\\' && p[1] == 'D') {
			buf_adds(&b, "[^0-9]");
			p++;
		} else if (p[0] == '\\' && p[1] != '\0') {
			buf_add(&b, p, 2);
			p++;
		} else if (*p == '[') {
			buf_addc(&b, '[');
			in_bracket = 1;
			/* A ']' first (after an optional '^') is literal. */
			if (p[1] == '^') {
				buf_addc(&b, '^');
				p++;
			}
			if (p[1] == ']') {
				buf_addc(&b, ']');
				p++;
			}
		} else
			buf_addc(&b, *p);
	}
	return buf_steal(&b);
}

static int
valid_metric_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	for (s++; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-' && *s != ':')
			return 0;
	return 1;
}

/*
 * Checks and compiles re (a regex of the spec, for what: "metric 'x'")
 * into *out, and its translation for POSIX into *posix when asked.
 * Returns 0, or -1 after reporting at n.
 */
static int
compile_regex(struct ctx *c, yaml_node_t *n, const char *what, const char *re,
    regex_t *out, char **posix)
{
	const char *why;
	char ebuf[256], *tr;
	int rc;

	if ((why = regex_limits(re)) != NULL) {
		ynode_err(&c->y, n, "regex for %s is refused: %s", what, why);
		return -1;
	}
	if ((tr = regex_translate(re)) == NULL) {
		ynode_err(&c->y, n,
		    "regex for %s: \\D inside [...] is not supported; write "
		    "[^0-9] outside brackets",
		    what);
		return -1;
	}
	if ((rc = regcomp(out, tr, REG_EXTENDED | REG_NEWLINE)) != 0) {
		regerror(rc, out, ebuf, sizeof ebuf);
		ynode_err(&c->y, n, "bad regex for %s: %s", what, ebuf);
		free(tr);
		return -1;
	}
	if (posix != NULL)
		*posix = tr;
	else
		free(tr);
	return 0;
}

static void
parse_metrics(struct ctx *c, yaml_node_t *n)
{
	struct spec *s = c->s;
	yaml_node_item_t *it;
	yaml_node_t *v, *f[7];
	struct metric *m;
	char *what, *where;
	int rc, stream, opt;
	size_t i;

	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n, "'metrics' must be a list, not %s",
		    ynode_kind(n));
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		v = ynode_at(&c->y, *it);
		s->metrics = xreallocarray(s->metrics, s->nmetrics + 1,
		    sizeof *s->metrics);
		m = &s->metrics[s->nmetrics];
		memset(m, 0, sizeof *m);
		m->pos = pos_of(v);
		if (v->type == YAML_SCALAR_NODE) {
			for (i = 0; i < 6; i++)
				f[i] = NULL;
			f[0] = v;
		} else {
			where = xasprintf("metric %zu", s->nmetrics + 1);
			rc = ynode_fields(&c->y, v, where, metric_keys, f, NULL,
			    NULL, NULL);
			free(where);
			if (rc != 0)
				continue;
			if (f[0] == NULL) {
				ynode_err(&c->y, v, "metric %zu has no 'name'",
				    s->nmetrics + 1);
				continue;
			}
		}
		if ((m->name = get_str(c, f[0], "name")) == NULL)
			continue;
		if (!valid_metric_name(m->name)) {
			ynode_err(&c->y, f[0],
			    "metric name '%s' must start with a letter "
			    "or _ and hold only letters, digits and _ . - :",
			    m->name);
			free(m->name);
			continue;
		}
		if (spec_builtin_metric(m->name) ||
		    (strcmp(m->name, SPEC_METRIC_BOOT) == 0 &&
			s->test.boot.source != BOOT_NONE)) {
			ynode_err(&c->y, f[0],
			    "metric '%s' is built in; it is recorded "
			    "for every job without being declared",
			    m->name);
			free(m->name);
			continue;
		}
		for (i = 0; i < s->test.npmu; i++)
			if (strcmp(s->test.pmu[i], m->name) == 0 ||
			    pmu_derived_known(m->name, s->test.pmu,
				s->test.npmu))
				break;
		if (i < s->test.npmu) {
			ynode_err(&c->y, f[0],
			    "metric '%s' is also a counter of 'pmu' (or "
			    "derived from them); name it otherwise",
			    m->name);
			free(m->name);
			continue;
		}
		for (i = 0; i < s->nmetrics; i++)
			if (strcmp(s->metrics[i].name, m->name) == 0)
				break;
		if (i < s->nmetrics) {
			ynode_err(&c->y, f[0],
			    "duplicate metric '%s' (first at line %d)", m->name,
			    s->metrics[i].pos.line);
			free(m->name);
			continue;
		}
		s->nmetrics++;
		if (f[2] != NULL &&
		    choose(c, f[2], "stream", stream_names, &stream) == 0)
			m->stream = (enum stream)stream;
		if (f[3] != NULL && get_bool(c, f[3], "optional", &opt) == 0)
			m->optional = opt;
		if (f[4] != NULL)
			m->unit = get_str(c, f[4], "unit");
		if (f[5] != NULL)
			m->description = get_str(c, f[5], "description");
		if (f[1] == NULL) {
			if (f[2] != NULL)
				ynode_err(&c->y, f[2],
				    "'stream' applies to a metric "
				    "with a 'regex'");
			continue;
		}
		if ((m->regex_text = get_str(c, f[1], "regex")) == NULL)
			continue;
		what = xasprintf("metric '%s'", m->name);
		rc = compile_regex(c, f[1], what, m->regex_text, &m->regex,
		    NULL);
		free(what);
		if (rc != 0) {
			free(m->regex_text);
			m->regex_text = NULL;
			continue;
		}
		if (m->regex.re_nsub < 1) {
			ynode_err(&c->y, f[1],
			    "regex for metric '%s' needs a group "
			    "( ... ) around the number",
			    m->name);
			regfree(&m->regex);
			free(m->regex_text);
			m->regex_text = NULL;
		}
	}
}

static const char *const objective_keys[] = { "metric", "direction",
	"aggregate", NULL };

static void
parse_objective(struct ctx *c, yaml_node_t *node)
{
	struct spec *s = c->s;
	yaml_node_t *f[4];
	const char **names, *hint;
	int v;
	size_t i, n;

	if (ynode_fields(&c->y, node, "objective", objective_keys, f, NULL,
		NULL, NULL) != 0)
		return;
	if (f[0] == NULL || f[1] == NULL) {
		ynode_err(&c->y, node,
		    "objective needs 'metric' and 'direction' "
		    "(maximize or minimize)");
		if (f[0] == NULL)
			return;
	}
	if ((s->objective = get_str(c, f[0], "metric")) == NULL)
		return;
	if (f[1] != NULL &&
	    choose(c, f[1], "direction", direction_names, &v) == 0)
		s->direction = (enum direction)v;
	if (f[2] != NULL &&
	    choose(c, f[2], "aggregate", aggregate_names, &v) == 0)
		s->aggregate = (enum aggregate)v;
	for (i = 0; i < s->nmetrics; i++)
		if (strcmp(s->metrics[i].name, s->objective) == 0)
			break;
	if (i < s->nmetrics) {
		if (s->metrics[i].optional)
			ynode_err(&c->y, f[0],
			    "objective metric '%s' cannot be optional",
			    s->objective);
		return;
	}
	if (spec_has_metric(s, s->objective))
		return;
	if (strcmp(s->objective, SPEC_METRIC_BOOT) == 0) {
		ynode_err(&c->y, f[0],
		    "objective: '%s' is recorded with a boot monitor only; "
		    "add one (test: boot: {source: ..., marker: ...})",
		    SPEC_METRIC_BOOT);
		return;
	}
	names = xcalloc(s->nmetrics + s->test.npmu + 32, sizeof *names);
	n = 0;
	for (i = 0; s->test.npmu > 0 && pmu_derived_all(i) != NULL; i++)
		names[n++] = pmu_derived_all(i);
	for (i = 0; i < s->nmetrics; i++)
		names[n++] = s->metrics[i].name;
	for (i = 0; builtin_metrics[i] != NULL; i++)
		names[n++] = builtin_metrics[i];
	for (i = 0; i < s->test.npmu; i++)
		names[n++] = s->test.pmu[i];
	if (s->test.boot.source != BOOT_NONE)
		names[n++] = SPEC_METRIC_BOOT;
	hint = diag_suggest(s->objective, names);
	if (hint != NULL)
		ynode_err(&c->y, f[0],
		    "objective names no metric: '%s'; did you mean "
		    "'%s'?",
		    s->objective, hint);
	else
		ynode_err(&c->y, f[0],
		    "objective names no metric: '%s' is not in "
		    "'metrics' or 'pmu', nor built in (%s, %s, %s, %s, "
		    "...; see wayfinder.yaml(5))",
		    s->objective, SPEC_METRIC_WALL, SPEC_METRIC_RSS,
		    SPEC_METRIC_CPU, SPEC_METRIC_MEMORY);
	free(names);
}

static const char *const search_keys[] = { "strategy", "budget", "seed",
	"options", "baseline", NULL };

/* search: options:, a mapping of the strategy's settings: each a scalar
 * or a list of scalars, checked against what the strategy takes. */
static void
parse_options(struct ctx *c, yaml_node_t *n, yaml_node_t *strategy_node)
{
	struct spec *s = c->s;
	const struct strategy_ops *ops;
	const struct strategy_opt *d;
	struct spec_option *o;
	yaml_node_pair_t *p;
	yaml_node_item_t *it;
	yaml_node_t *k, *v, *item;
	const char *name, *text, *hint;
	char *why;
	size_t i;
	int b;

	if (n->type != YAML_MAPPING_NODE) {
		ynode_err(&c->y, n,
		    "'options' must be a mapping of the strategy's "
		    "settings, not %s",
		    ynode_kind(n));
		return;
	}
	if (s->strategy == NULL) {
		if (strategy_node == NULL)
			ynode_err(&c->y, n,
			    "'options' needs the 'strategy' they are "
			    "for");
		return;
	}
	if ((ops = strategy_find(s->strategy)) == NULL)
		return; /* reported */
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		k = ynode_at(&c->y, p->key);
		v = ynode_at(&c->y, p->value);
		if ((name = ynode_scalar(&c->y, k, "an option's name")) == NULL)
			continue;
		for (i = 0; i < s->noptions; i++)
			if (strcmp(s->options[i].name, name) == 0)
				break;
		if (i < s->noptions) {
			ynode_err(&c->y, k, "option '%s' is given twice", name);
			continue;
		}
		s->options = xreallocarray(s->options, s->noptions + 1,
		    sizeof *s->options);
		o = &s->options[s->noptions];
		memset(o, 0, sizeof *o);
		o->pos = pos_of(k);
		o->value_pos = pos_of(v);
		if (v->type == YAML_SEQUENCE_NODE) {
			for (it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++) {
				item = ynode_at(&c->y, *it);
				if ((text = ynode_scalar(&c->y, item, name)) ==
				    NULL)
					continue;
				o->list = xreallocarray(o->list, o->nlist + 2,
				    sizeof *o->list);
				o->list[o->nlist++] = xstrdup(text);
				o->list[o->nlist] = NULL;
			}
			if (o->list == NULL)
				o->list = xcalloc(1, sizeof *o->list);
		} else if ((text = ynode_scalar(&c->y, v, name)) != NULL)
			o->value = xstrdup(text);
		else {
			free(o->list);
			continue;
		}
		o->name = xstrdup(name);
		s->noptions++;
		/* YAML's spellings of booleans, as everywhere in a spec. */
		for (d = ops->opts; d != NULL && d->name != NULL; d++)
			if (strcmp(d->name, name) == 0 &&
			    d->type == SOPT_BOOL && o->value != NULL &&
			    get_bool(c, v, name, &b) == 0) {
				free(o->value);
				o->value = xstrdup(b ? "true" : "false");
			}
		if (strategy_check_option(ops, o, &why, &hint) != 0) {
			if (hint != NULL)
				ynode_err(&c->y, k, "%s; did you mean '%s'?",
				    why, hint);
			else
				ynode_err(&c->y,
				    o->value != NULL || o->list != NULL ?
					(strstr(why, "not an option") ||
						    strstr(why, "no options") ?
						k :
						v) :
					k,
				    "%s", why);
			free(why);
		}
	}
}

static void
parse_search(struct ctx *c, yaml_node_t *n)
{
	struct spec *s = c->s;
	yaml_node_t *f[6];
	const char *hint;
	long long ll;

	if (ynode_fields(&c->y, n, "search", search_keys, f, NULL, NULL,
		NULL) != 0)
		return;
	if (f[0] != NULL &&
	    (s->strategy = get_str(c, f[0], "strategy")) != NULL &&
	    strategy_find(s->strategy) == NULL) {
		hint = diag_suggest(s->strategy, strategy_names());
		if (hint != NULL)
			ynode_err(&c->y, f[0],
			    "unknown strategy '%s'; did you mean "
			    "'%s'?",
			    s->strategy, hint);
		else
			ynode_err(&c->y, f[0], "unknown strategy '%s' (%s)",
			    s->strategy, strategy_list());
	}
	if (f[1] != NULL && get_int(c, f[1], "budget", 1, LLONG_MAX, &ll) == 0)
		s->budget = (uint64_t)ll;
	if (f[2] != NULL && get_int(c, f[2], "seed", 0, LLONG_MAX, &ll) == 0) {
		s->seed = (uint64_t)ll;
		s->has_seed = 1;
	}
	if (f[3] != NULL)
		parse_options(c, f[3], f[0]);
	if (f[4] != NULL)
		get_bool(c, f[4], "baseline", &s->baseline);
}

static const char *const host_keys[] = { "governor", "turbo", "smt", "aslr",
	NULL };

static void
parse_host(struct ctx *c, yaml_node_t *n)
{
	struct hostspec *h = &c->s->host;
	yaml_node_t *f[5];
	int v;

	if (ynode_fields(&c->y, n, "host", host_keys, f, NULL, NULL, NULL) != 0)
		return;
	if (f[0] != NULL &&
	    choose(c, f[0], "governor", governor_names, &v) == 0)
		h->governor = xstrdup(governor_names[v]);
	if (f[1] != NULL)
		get_bool(c, f[1], "turbo", &h->turbo);
	if (f[2] != NULL)
		get_bool(c, f[2], "smt", &h->smt);
	if (f[3] != NULL)
		get_bool(c, f[3], "aslr", &h->aslr);
}

static void
parse_inputs(struct ctx *c, yaml_node_t *n)
{
	struct spec *s = c->s;
	yaml_node_item_t *it;
	yaml_node_t *v;
	const char *rel;
	char *path;

	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n, "'inputs' must be a list of files, not %s",
		    ynode_kind(n));
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		v = ynode_at(&c->y, *it);
		if ((rel = ynode_scalar(&c->y, v, "inputs")) == NULL)
			continue;
		if ((path = spec_file(c, v, rel, "input", NULL)) == NULL)
			continue;
		s->inputs =
		    xreallocarray(s->inputs, s->ninputs + 1, sizeof *s->inputs);
		s->inputs[s->ninputs++] = path;
	}
}

static const char *const top_keys[] = { "name", "description", "params",
	"build", "test", "search", "host", "inputs", "executor", NULL };
static const char *const executor_names[] = { "local", "slurm", NULL };
static const char *const executor_keys[] = { "type", "partition", "account",
	"qos", "constraint", "options", "poll", "retries", NULL };

/*
 * executor: local, slurm, or {type: slurm, partition, account, qos,
 * constraint, options: [sbatch options], poll, retries}.
 */
static void
parse_executor(struct ctx *c, yaml_node_t *n)
{
	struct execspec *x = &c->s->executor;
	yaml_node_t *f[8], *v;
	yaml_node_item_t *it;
	const char *text;
	long long ll;
	int t;

	x->pos = pos_of(n);
	if (n->type == YAML_SCALAR_NODE) {
		if (choose(c, n, "executor", executor_names, &t) == 0)
			x->type = (enum executor)t;
		return;
	}
	if (ynode_fields(&c->y, n, "executor", executor_keys, f, NULL, NULL,
		NULL) != 0)
		return;
	if (f[0] == NULL) {
		ynode_err(&c->y, n, "executor needs a 'type' (local or slurm)");
		return;
	}
	if (choose(c, f[0], "type", executor_names, &t) == 0)
		x->type = (enum executor)t;
	if (x->type == EXECUTOR_LOCAL) {
		for (t = 1; t < 8; t++)
			if (f[t] != NULL)
				ynode_err(&c->y, f[t],
				    "'%s' is a setting of the slurm executor, "
				    "not of local",
				    executor_keys[t]);
		return;
	}
	if (f[1] != NULL)
		x->partition = get_str(c, f[1], "partition");
	if (f[2] != NULL)
		x->account = get_str(c, f[2], "account");
	if (f[3] != NULL)
		x->qos = get_str(c, f[3], "qos");
	if (f[4] != NULL)
		x->constraint = get_str(c, f[4], "constraint");
	if ((v = f[5]) != NULL) {
		if (v->type != YAML_SEQUENCE_NODE)
			ynode_err(&c->y, v,
			    "'options' must be a list of sbatch options, "
			    "such as [--exclusive, --gres=gpu:1]");
		else
			for (it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++) {
				yaml_node_t *i = ynode_at(&c->y, *it);

				if ((text = ynode_scalar(&c->y, i,
					 "options")) == NULL)
					continue;
				if (text[0] != '-') {
					ynode_err(&c->y, i,
					    "'%s' is not an sbatch option "
					    "(they "
					    "begin with -)",
					    text);
					continue;
				}
				x->extra = xreallocarray(x->extra,
				    x->nextra + 1, sizeof *x->extra);
				x->extra[x->nextra++] = xstrdup(text);
			}
	}
	if (f[6] != NULL && get_duration(c, f[6], "poll", &x->poll) == 0 &&
	    (x->poll < 0.1 || x->poll > 600)) {
		ynode_err(&c->y, f[6], "'poll' must be between 100ms and 10m");
		x->poll = 2;
	}
	if (f[7] != NULL && get_int(c, f[7], "retries", 0, 100, &ll) == 0)
		x->retries = (int)ll;
}

static void
parse_top(struct ctx *c, yaml_node_t *root)
{
	struct spec *s = c->s;
	yaml_node_t *f[10], *kn[10], *np;
	yaml_node_item_t *it;
	size_t n, i;

	if (ynode_fields(&c->y, root, "the spec", top_keys, f, kn, NULL,
		NULL) != 0)
		return;
	c->has_build = f[3] != NULL && !ynode_is_null(f[3]);
	if (f[0] == NULL)
		ynode_err(&c->y, root, "the spec has no 'name'");
	else if ((s->name = get_str(c, f[0], "name")) != NULL &&
	    !valid_experiment_name(s->name)) {
		ynode_err(&c->y, f[0],
		    "name '%s' must hold only letters, digits and "
		    "_ . -",
		    s->name);
	}
	if (f[1] != NULL)
		s->description = get_str(c, f[1], "description");
	if ((np = f[2]) == NULL)
		ynode_err(&c->y, root,
		    "the spec has no 'params' (a list of parameters)");
	else if (np->type != YAML_SEQUENCE_NODE)
		ynode_err(&c->y, np,
		    "'params' must be a list of parameters, not %s",
		    ynode_kind(np));
	else {
		n = (size_t)(np->data.sequence.items.top -
		    np->data.sequence.items.start);
		if (n == 0)
			ynode_err(&c->y, np,
			    "'params' is empty: an experiment needs at "
			    "least one parameter");
		s->params = xcalloc(n + 1, sizeof *s->params);
		c->bad = xcalloc(n + 1, 1);
		c->stage_bad = xcalloc(n + 1, 1);
		c->stage_given = xcalloc(n + 1, 1);
		c->cond_node = xcalloc(n + 1, sizeof *c->cond_node);
		for (it = np->data.sequence.items.start, i = 0;
		     it < np->data.sequence.items.top; it++, i++)
			parse_param(c, ynode_at(&c->y, *it), i);
		resolve_conditions(c);
	}
	if (f[3] != NULL && !ynode_is_null(f[3]))
		parse_stage(c, kn[3], f[3], &s->build, STAGE_BUILD);
	if (f[4] == NULL)
		ynode_err(&c->y, root, "the spec has no 'test' section");
	else
		parse_stage(c, kn[4], f[4], &s->test, STAGE_TEST);
	if (f[5] != NULL)
		parse_search(c, f[5]);
	if (f[6] != NULL)
		parse_host(c, f[6]);
	if (f[7] != NULL)
		parse_inputs(c, f[7]);
	if (f[8] != NULL)
		parse_executor(c, f[8]);
	if (s->build.present == 0) {
		for (i = 0; i < s->nparams; i++) {
			if (s->params[i].stage == STAGE_BUILD &&
			    c->stage_given[i]) {
				diag_add(c->y.d, DIAG_ERROR, c->y.file,
				    s->params[i].pos.line, s->params[i].pos.col,
				    "parameter '%s' is 'when: build' but the "
				    "spec has no 'build' section",
				    s->params[i].name);
			}
		}
	}
}

static int
read_text(const char *path, char **out, size_t *len, char **cause)
{
	struct stat st;
	FILE *f;
	char *text;

	if ((f = fopen(path, "rb")) == NULL) {
		*cause = xstrdup(strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		*cause = xstrdup("not a regular file");
		fclose(f);
		return -1;
	}
	if (st.st_size > SPEC_MAX_BYTES) {
		*cause = xstrdup("larger than 64 MiB");
		fclose(f);
		return -1;
	}
	text = xmalloc((size_t)st.st_size + 1);
	*len = fread(text, 1, (size_t)st.st_size, f);
	text[*len] = '\0';
	fclose(f);
	*out = text;
	return 0;
}

struct spec *
spec_load(const char *path, struct diags *d)
{
	struct spec *s;
	size_t len;
	char *text, *cause;

	if (read_text(path, &text, &len, &cause) != 0) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "%s", cause);
		free(cause);
		return NULL;
	}
	s = spec_parse(path, text, len, d);
	free(text);
	return s;
}

struct spec *
spec_parse(const char *path, const char *text, size_t len, struct diags *d)
{
	struct ctx c;
	struct spec *s;
	yaml_parser_t parser;
	yaml_node_t *root;
	struct sha256 h;
	size_t before = d->nerrors;

	memset(&c, 0, sizeof c);
	c.y.file = path;
	c.y.d = d;
	s = c.s = xcalloc(1, sizeof *s);
	s->baseline = 1;
	s->executor.poll = 2;
	s->executor.retries = 3;
	s->path = xstrdup(path);
	s->dir = files_abs_dir(path);
	s->host.turbo = s->host.smt = s->host.aslr = -1;
	if (memchr(text, '\0', len) != NULL) {
		diag_add(d, DIAG_ERROR, path, 0, 0,
		    "binary data (a NUL byte) "
		    "in a YAML file");
		spec_free(s);
		return NULL;
	}
	s->text = xstrndup(text, len);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)s->text,
	    len);
	if (!yaml_parser_load(&parser, &c.y.doc)) {
		ynode_syntax_error(&c.y, &parser);
		yaml_parser_delete(&parser);
		spec_free(s);
		return NULL;
	}
	if ((root = yaml_document_get_root_node(&c.y.doc)) == NULL ||
	    ynode_is_null(root))
		diag_add(d, DIAG_ERROR, path, 0, 0, "the spec is empty");
	else
		parse_top(&c, root);
	yaml_document_delete(&c.y.doc);
	/* One spec, one document: a second would be silently lost. */
	ynode_one_document(&c.y, &parser, "spec");
	yaml_parser_delete(&parser);
	free(c.bad);
	free(c.stage_bad);
	free(c.stage_given);
	free(c.cond_node);

	sha256_init(&h);
	sha256_update(&h, "wayfinder-spec-1", 16);
	sha256_update(&h, s->text, len);
	sha256_update(&h, c.hashed.data != NULL ? c.hashed.data : "",
	    c.hashed.len);
	sha256_hex(&h, s->hash, 32);
	buf_free(&c.hashed);
	diag_sort(d);
	if (d->nerrors > before) {
		spec_free(s);
		return NULL;
	}
	return s;
}

static void
stage_free(struct stagespec *st)
{
	size_t i;

	free(st->script);
	free(st->script_rel);
	free(st->run);
	for (i = 0; i < st->ntemplates; i++) {
		free(st->templates[i].path);
		free(st->templates[i].rel);
		free(st->templates[i].output);
	}
	free(st->templates);
	free(st->config_h);
	free(st->kconfig);
	for (i = 0; i < st->npmu; i++)
		free(st->pmu[i]);
	free(st->pmu);
	free(st->boot.marker);
	free(st->boot.marker_posix);
}

void
spec_free(struct spec *s)
{
	size_t i;
	uint64_t j;

	if (s == NULL)
		return;
	for (i = 0; i < s->nparams; i++) {
		struct param *p = &s->params[i];

		free(p->name);
		free(p->description);
		if (!p->is_range && p->values != NULL)
			for (j = 0; j < p->card; j++)
				free(p->values[j]);
		free(p->values);
		free(p->nums);
		free(p->cond_text);
		expr_free(p->cond);
	}
	free(s->params);
	for (i = 0; i < s->nmetrics; i++) {
		free(s->metrics[i].name);
		if (s->metrics[i].regex_text != NULL) {
			free(s->metrics[i].regex_text);
			regfree(&s->metrics[i].regex);
		}
		free(s->metrics[i].unit);
		free(s->metrics[i].description);
	}
	free(s->metrics);
	stage_free(&s->build);
	stage_free(&s->test);
	for (i = 0; i < s->ninputs; i++)
		free(s->inputs[i]);
	free(s->inputs);
	spec_options_free(s->options, s->noptions);
	free(s->executor.partition);
	free(s->executor.account);
	free(s->executor.qos);
	free(s->executor.constraint);
	for (i = 0; i < s->executor.nextra; i++)
		free(s->executor.extra[i]);
	free(s->executor.extra);
	free(s->host.governor);
	free(s->objective);
	free(s->strategy);
	free(s->name);
	free(s->description);
	free(s->text);
	free(s->dir);
	free(s->path);
	free(s);
}

void
spec_options_free(struct spec_option *v, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
		for (k = 0; k < v[i].nlist; k++)
			free(v[i].list[k]);
		free(v[i].list);
	}
	free(v);
}

int
spec_builtin_metric(const char *name)
{
	size_t i;

	for (i = 0; builtin_metrics[i] != NULL; i++)
		if (strcmp(name, builtin_metrics[i]) == 0)
			return 1;
	return 0;
}

int
spec_has_metric(const struct spec *s, const char *name)
{
	const struct stagespec *t = &s->test;
	size_t i;

	if (spec_builtin_metric(name))
		return 1;
	if (t->boot.source != BOOT_NONE && strcmp(name, SPEC_METRIC_BOOT) == 0)
		return 1;
	for (i = 0; i < s->nmetrics; i++)
		if (strcmp(s->metrics[i].name, name) == 0)
			return 1;
	for (i = 0; i < t->npmu; i++)
		if (strcmp(t->pmu[i], name) == 0)
			return 1;
	return pmu_derived_known(name, t->pmu, t->npmu);
}

int
spec_param_index(const struct spec *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nparams; i++)
		if (strcmp(s->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
spec_type_name(enum ptype t)
{
	return type_names[t];
}

const char *
spec_stage_name(enum stage st)
{
	return stage_names[st];
}

const char *
spec_isolation_name(enum isolation i)
{
	return isolation_names[i];
}

const char *
spec_direction_name(enum direction d)
{
	return direction_names[d];
}
