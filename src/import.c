/*
 * wayfinder import: a job file of the original Wayfinder becomes a spec
 * of ours and the scripts it names. The job is read with libyaml (every
 * node keeps its position, so notes and errors point into the job), its
 * format is told from its keys, its parameters become ours (conditions
 * translated from govaluate), its runs, build and tests become a build
 * script and a test script that run the same commands on this host, and
 * its results become metrics. The spec text is then loaded with our own
 * loader, so a conversion never hands back a spec that does not load.
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
#include "import.h"
#include "lex.h"
#include "space.h"
#include "spec.h"
#include "xmalloc.h"
#include "ynode.h"

/* A parameter of the job, as it will be written. */
struct jparam {
	char *name;
	int line, col;
	int is_str;    /* str (else int) */
	int ok;        /* its domain could be converted */
	char **values; /* list domain (also the values of a power range) */
	size_t nvalues;
	int is_range; /* min, max, step (increment, or power) */
	long long min, max, step;
	int power;
	char *def;               /* the default to write, or NULL */
	int stage;               /* STAGE_BUILD or STAGE_TEST */
	char *cond_src;          /* the original's if:, or NULL */
	int cond_line, cond_col; /* of the condition's first character */
	char *cond;              /* ours, or NULL */
	unsigned char *refs;     /* the parameters cond names */
	char *description;
};

/* A stage's script, built as the job is read. */
struct jstage {
	int present;
	int cores;
	struct buf body; /* the commands */
	char *what;      /* "build" or "test" */
};

struct jmetric {
	char *name;
	char *description;
	int numeric; /* int, float or bool: can be an objective */
	int line, col;
};

struct ctx {
	struct ynode_doc y;
	char *jobdir; /* absolute directory of the job */
	const char *text;
	const struct import_opts *o;
	struct import_result *res;
	int format;
	char *name;
	struct jparam *params;
	size_t nparams;
	struct jstage build, test;
	struct jmetric *metrics;
	size_t nmetrics;
	char *objective;
	int minimize;
	char **inputs; /* as written in the spec */
	size_t ninputs;
	double test_timeout; /* seconds; 0: our default */
	int any_vm;          /* a test script boots a guest */
};

/* ------------------------------------------------------------------ */
/* Notes and errors                                                    */

static void note_at(struct ctx *, int line, int col, enum import_anchor,
    size_t param, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void note(struct ctx *, const yaml_node_t *, enum import_anchor,
    size_t param, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
note_vat(struct ctx *c, int line, int col, enum import_anchor anchor,
    size_t param, const char *fmt, va_list ap)
{
	struct import_result *r = c->res;
	struct import_note *n;

	r->notes = xreallocarray(r->notes, r->nnotes + 1, sizeof *r->notes);
	n = &r->notes[r->nnotes++];
	n->line = line;
	n->col = col;
	n->anchor = anchor;
	n->param = param;
	n->msg = xvasprintf(fmt, ap);
}

static void
note_at(struct ctx *c, int line, int col, enum import_anchor anchor,
    size_t param, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note_vat(c, line, col, anchor, param, fmt, ap);
	va_end(ap);
}

/* A note at node n (NULL: the job as a whole). */
static void
note(struct ctx *c, const yaml_node_t *n, enum import_anchor anchor,
    size_t param, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (n == NULL)
		note_vat(c, 0, 0, anchor, param, fmt, ap);
	else
		note_vat(c, (int)n->start_mark.line + 1,
		    (int)n->start_mark.column + 1, anchor, param, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* The job's YAML                                                      */

/* The text of a scalar, or NULL with an error for anything else (the
 * original could not have read a list or a mapping into a string); null
 * reads as the empty string. */
static const char *
scalar(struct ctx *c, const yaml_node_t *n, const char *key)
{
	const char *v;

	if ((v = ynode_scalar(&c->y, n, key)) != NULL && ynode_is_null(n))
		return "";
	return v;
}

/* Where a mapping's unknown keys are noted. */
struct unknown_at {
	struct ctx *c;
	enum import_anchor anchor;
	size_t param;
};

/* A key the format does not have is a note: the original ignored it, and
 * so do we, but never silently. */
static void
unknown_key(void *arg, const yaml_node_t *k, const char *name,
    const char *where, const char *hint)
{
	struct unknown_at *u = arg;

	if (hint != NULL)
		note(u->c, k, u->anchor, u->param,
		    "unknown key '%s' in %s (did you mean '%s'?): the original "
		    "ignored it, and so does this spec",
		    name, where, hint);
	else
		note(u->c, k, u->anchor, u->param,
		    "unknown key '%s' in %s: the original ignored it, and so "
		    "does this spec",
		    name, where);
}

/*
 * Matches the keys of mapping n against keys, as ynode_fields does, with
 * unknown keys as notes at anchor and param. A key given twice is an
 * error, as it was for the original's YAML library.
 */
static int
fields(struct ctx *c, yaml_node_t *n, const char *where,
    enum import_anchor anchor, size_t param, const char *const *keys,
    yaml_node_t **vals, yaml_node_t **knodes)
{
	struct unknown_at u = { c, anchor, param };

	return ynode_fields(&c->y, n, where, keys, vals, knodes, unknown_key,
	    &u);
}

/* A count such as cores: a non-negative integer, as the original's
 * uint64 fields took; *out is left alone when n is NULL or null. */
static int
get_count(struct ctx *c, const yaml_node_t *n, const char *keyname,
    long long *out)
{
	const char *v;
	char *end;
	long long x;

	if (n == NULL || ynode_is_null(n))
		return 0;
	if ((v = scalar(c, n, keyname)) == NULL)
		return -1;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || x < 0) {
		ynode_err(&c->y, n, "'%s' must be a whole number, not '%s'",
		    keyname, v);
		return -1;
	}
	*out = x;
	return 0;
}

/* A list of strings (devices, capabilities) joined by ", " into *out;
 * a single value is taken as a list of one, as yaml.v2 did not. */
static int
get_list(struct ctx *c, const yaml_node_t *n, const char *keyname, char **out)
{
	struct buf b = BUF_INIT;
	const char *v;
	size_t i;

	*out = NULL;
	if (n == NULL || ynode_is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n, "'%s' must be a list, not %s", keyname,
		    ynode_kind(n));
		return -1;
	}
	for (i = 0; i < ynode_seq_len(n); i++) {
		if ((v = scalar(c, ynode_seq_item(&c->y, n, i), keyname)) ==
		    NULL) {
			buf_free(&b);
			return -1;
		}
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", v);
	}
	if (b.len > 0)
		*out = buf_steal(&b);
	buf_free(&b);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

/* Appends s in single quotes for sh(1). */
static void
sh_quote(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

/* Appends s as a YAML double-quoted scalar. */
static void
yaml_dq(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '"':
			buf_adds(b, "\\\"");
			break;
		case '\\':
			buf_adds(b, "\\\\");
			break;
		case '\n':
			buf_adds(b, "\\n");
			break;
		case '\t':
			buf_adds(b, "\\t");
			break;
		default:
			if ((unsigned char)*s < 0x20)
				buf_printf(b, "\\x%02x", (unsigned char)*s);
			else
				buf_addc(b, *s);
		}
	}
	buf_addc(b, '"');
}

/* Appends s plain when YAML reads it back as the same text and nobody
 * could take it for a number, a bool or null; quoted otherwise. */
static void
yaml_str(struct buf *b, const char *s)
{
	static const char *const special[] = { "y", "n", "yes", "no", "on",
		"off", "true", "false", "null", NULL };
	const char *p;
	size_t i;

	if (!isalpha((unsigned char)*s) && *s != '_' && *s != '/')
		goto quote;
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_-./+", *p) == NULL)
			goto quote;
	for (i = 0; special[i] != NULL; i++)
		if (strcasecmp(s, special[i]) == 0)
			goto quote;
	buf_adds(b, s);
	return;
quote:
	yaml_dq(b, s);
}

/* Appends text as comment lines ("# ..."), indented by indent spaces
 * and wrapped at 76 columns. */
static void
comment(struct buf *b, int indent, const char *text)
{
	const char *p = text, *word, *end;
	size_t col = 0, wlen;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (*p == '\n') {
			if (col > 0)
				buf_addc(b, '\n');
			col = 0;
			p++;
			continue;
		}
		word = p;
		while (*p != '\0' && *p != ' ' && *p != '\n')
			p++;
		end = p;
		wlen = (size_t)(end - word);
		if (col > 0 && col + 1 + wlen > 76) {
			buf_addc(b, '\n');
			col = 0;
		}
		if (col == 0) {
			buf_printf(b, "%*s#", indent, "");
			col = (size_t)indent + 1;
		}
		buf_addc(b, ' ');
		buf_add(b, word, wlen);
		col += 1 + wlen;
	}
	if (col > 0)
		buf_addc(b, '\n');
}

/* A name of letters, digits, '_', '.' and '-' made from s. */
static char *
clean_name(const char *s, const char *fallback)
{
	char *out = xstrdup(*s != '\0' ? s : fallback), *p;

	for (p = out; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' &&
		    *p != '-')
			*p = '-';
	return out;
}

/* A variable that a script has from Wayfinder: the script contract's, or
 * the state directory's, which every job inherits. */
static int
is_contract_var(const char *name)
{
	return spec_contract_var(name) || strcmp(name, "WAYFINDER_STATE") == 0;
}
/*
 * Calls fn for every variable a shell text names ($NAME, ${NAME...}),
 * in order, each name once. Quoting is not parsed: '$X' counts too,
 * which errs on the safe side (the callers only add defaults and notes).
 */
static void
shell_refs(const char *text, void (*fn)(const char *, void *), void *arg)
{
	struct buf seen = BUF_INIT;
	const char *p = text, *s;
	char *name, *key;

	buf_addc(&seen, '\n');
	while ((p = strchr(p, '$')) != NULL) {
		p++;
		if (p > text + 1 && p[-2] == '\\')
			continue;
		s = *p == '{' ? p + 1 : p;
		if (!isalpha((unsigned char)*s) && *s != '_')
			continue;
		p = s;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		name = xstrndup(s, (size_t)(p - s));
		key = xasprintf("\n%s\n", name);
		if (strstr(buf_str(&seen), key) == NULL) {
			buf_printf(&seen, "%s\n", name);
			fn(name, arg);
		}
		free(key);
		free(name);
	}
	buf_free(&seen);
}

/* path (absolute) relative to the absolute directory dir. */
static char *
rel_path(const char *dir, const char *path)
{
	struct buf b = BUF_INIT;
	size_t i = 0, common = 0;
	const char *p;

	/* The longest common prefix that ends at a component boundary. */
	while (dir[i] != '\0' && dir[i] == path[i]) {
		i++;
		if (dir[i] == '/' || dir[i] == '\0')
			if (path[i] == '/' || path[i] == '\0')
				common = i;
	}
	if (strcmp(dir, "/") == 0)
		common = 0;
	for (p = dir + common; *p != '\0'; p++)
		if (*p == '/' && p[1] != '\0')
			buf_adds(&b, "../");
	p = path + common;
	while (*p == '/')
		p++;
	buf_adds(&b, p);
	return buf_steal(&b);
}

/* ------------------------------------------------------------------ */
/* Parameters                                                          */

static const char *const v1_param_keys[] = { "name", "type", "default", "only",
	"min", "max", "step", "step_mode", NULL };
static const char *const v2_param_keys[] = { "name", "type", "default", "only",
	"min", "max", "step", "step_mode", "description", "when", "if", NULL };

/* The original's strconv.Atoi: an optional sign and decimal digits. */
static int
atoi_go(const char *s, long long *out)
{
	const char *p = s;
	char *end;

	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 ? 0 : -1;
}

static void
param_add_value(struct jparam *p, const char *v)
{
	p->values = xreallocarray(p->values, p->nvalues + 2, sizeof *p->values);
	p->values[p->nvalues++] = xstrdup(v);
	p->values[p->nvalues] = NULL;
}

/* Whether text is one of p's values (as an int for an int parameter). */
static int
param_has(const struct jparam *p, const char *text)
{
	long long x, y;
	size_t i;

	if (p->is_str) {
		for (i = 0; i < p->nvalues; i++)
			if (strcmp(p->values[i], text) == 0)
				return 1;
		return 0;
	}
	if (atoi_go(text, &x) != 0)
		return 0;
	if (p->is_range && !p->power)
		return x >= p->min && x <= p->max &&
		    (x - p->min) % p->step == 0;
	for (i = 0; i < p->nvalues; i++)
		if (atoi_go(p->values[i], &y) == 0 && x == y)
			return 1;
	return 0;
}

/* The values of the list n, without repeats (which the original swept
 * twice), as text. Returns -1 after an error. */
static int
param_list(struct ctx *c, struct jparam *p, size_t self, yaml_node_t *n)
{
	const char *v;
	size_t i, ndup = 0;

	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n,
		    "'only' of parameter '%s' must be a list, not %s", p->name,
		    ynode_kind(n));
		return -1;
	}
	for (i = 0; i < ynode_seq_len(n); i++) {
		if ((v = scalar(c, ynode_seq_item(&c->y, n, i), "only")) ==
		    NULL)
			return -1;
		if (p->nvalues > 0 && param_has(p, v)) {
			ndup++;
			continue;
		}
		param_add_value(p, v);
	}
	if (ndup > 0)
		note(c, n, IMPORT_PARAM, self,
		    "'only' of '%s' holds %zu value%s twice: the original "
		    "swept %s twice; here each value is listed once",
		    p->name, ndup, ndup == 1 ? "" : "s",
		    ndup == 1 ? "it" : "them");
	return 0;
}

/* An int parameter some of whose values are not integers: the original
 * never checked them (they were text in the environment), so they are
 * kept, as a str parameter. */
static void
param_check_ints(struct ctx *c, struct jparam *p, size_t self,
    const yaml_node_t *at)
{
	long long x;
	size_t i;

	for (i = 0; i < p->nvalues; i++) {
		if (atoi_go(p->values[i], &x) != 0) {
			note(c, at, IMPORT_PARAM, self,
			    "int parameter '%s' has the value '%s', which is "
			    "not an integer: the original passed it on as "
			    "text, and so it is a str parameter here",
			    p->name, p->values[i]);
			p->is_str = 1;
			return;
		}
	}
}

/*
 * step_mode power as the original swept it: min first, then step raised
 * to the powers min, min+1, ... while the value is at most max. Only from
 * min = 1 or min = step is that min*step^k, which power means here; the
 * other sequences are listed value by value.
 */
static int
param_power(struct ctx *c, struct jparam *p, size_t self, yaml_node_t *at)
{
	struct buf b = BUF_INIT;
	long long i, j, k, x;
	double y;
	int same;
	size_t n;

	for (i = p->min, j = p->min, n = 0; i <= p->max; j++) {
		if (++n > 4096) {
			ynode_err(&c->y, at,
			    "step_mode power of '%s' never ends in the "
			    "original (step %lld from %lld never passes %lld)",
			    p->name, p->step, p->min, p->max);
			buf_free(&b);
			return -1;
		}
		buf_printf(&b, "%lld", i);
		if (!param_has(p, buf_str(&b)))
			param_add_value(p, buf_str(&b));
		buf_reset(&b);
		y = pow((double)p->step, (double)j);
		if (!isfinite(y) || fabs(y) > 9.2e18)
			break;
		i = (long long)y;
	}
	/* Ours: round(min * step^k) for k = 0, 1, ... up to max. */
	same = p->min > 0 && p->step >= 2;
	for (k = 0, x = p->min; same && (size_t)k < p->nvalues; k++) {
		buf_printf(&b, "%lld", x);
		same = strcmp(buf_str(&b), p->values[k]) == 0;
		buf_reset(&b);
		if (x > p->max / p->step)
			x = p->max + 1;
		else
			x *= p->step;
	}
	if (same && x <= p->max)
		same = 0; /* ours would have one more */
	if (same) {
		p->is_range = 1;
		p->power = 1;
		buf_free(&b);
		return 0;
	}
	for (k = 0; (size_t)k < p->nvalues; k++)
		buf_printf(&b, "%s%s", k > 0 ? ", " : "", p->values[k]);
	note(c, at, IMPORT_PARAM, self,
	    "step_mode power of '%s': the original swept %s (min, then step "
	    "to the powers min, min+1, ...), which is not min*step^k as "
	    "power means here; the values are listed",
	    p->name, buf_str(&b));
	buf_free(&b);
	return 0;
}

/* min, max, step and step_mode of an int parameter. */
static int
param_range(struct ctx *c, struct jparam *p, size_t self, yaml_node_t **f,
    const char *const *keys)
{
	yaml_node_t *nmin = f[ynode_key(keys, "min")],
		    *nmax = f[ynode_key(keys, "max")],
		    *nstep = f[ynode_key(keys, "step")],
		    *nmode = f[ynode_key(keys, "step_mode")];
	const char *v, *mode = "";

	if ((v = scalar(c, nmin, "min")) == NULL)
		return -1;
	if (atoi_go(v, &p->min) != 0) {
		ynode_err(&c->y, nmin, "min of '%s' is not an integer: '%s'",
		    p->name, v);
		return -1;
	}
	if (nmax == NULL || ynode_is_null(nmax)) {
		ynode_err(&c->y, nmin,
		    "parameter '%s' has a min but no max (the original "
		    "failed on it)",
		    p->name);
		return -1;
	}
	if ((v = scalar(c, nmax, "max")) == NULL)
		return -1;
	if (atoi_go(v, &p->max) != 0) {
		ynode_err(&c->y, nmax, "max of '%s' is not an integer: '%s'",
		    p->name, v);
		return -1;
	}
	if (p->max < p->min) {
		ynode_err(&c->y, nmax,
		    "max of '%s' is less than its min (%lld < %lld)", p->name,
		    p->max, p->min);
		return -1;
	}
	p->step = 1;
	if (nstep != NULL && !ynode_is_null(nstep)) {
		if ((v = scalar(c, nstep, "step")) == NULL)
			return -1;
		if (atoi_go(v, &p->step) != 0 || p->step == 0) {
			ynode_err(&c->y, nstep, "invalid step for '%s': '%s'",
			    p->name, v);
			return -1;
		}
	}
	if (nmode != NULL && (mode = scalar(c, nmode, "step_mode")) == NULL)
		return -1;
	if (strcmp(mode, "power") == 0)
		return param_power(c, p, self, nmode);
	if (*mode != '\0' && strcmp(mode, "increment") != 0) {
		static const char *const modes[] = { "increment", "power",
			NULL };
		const char *hint = diag_suggest(mode, modes);

		ynode_err(&c->y, nmode, "unknown step_mode '%s' of '%s'%s%s%s",
		    mode, p->name, hint != NULL ? "; did you mean '" : "",
		    hint != NULL ? hint : "", hint != NULL ? "'?" : "");
		return -1;
	}
	if (p->step < 0) {
		ynode_err(&c->y, nstep,
		    "step %lld of '%s' is negative: the original's sweep "
		    "never ended",
		    p->step, p->name);
		return -1;
	}
	p->is_range = 1;
	return 0;
}

/* Notes for keys the original read but ignored for this parameter. */
static void
param_ignored(struct ctx *c, struct jparam *p, size_t self, yaml_node_t **f,
    const char *const *keys, const char *const *which, const char *why)
{
	size_t i;

	for (i = 0; which[i] != NULL; i++)
		if (f[ynode_key(keys, which[i])] != NULL &&
		    !ynode_is_null(f[ynode_key(keys, which[i])]))
			note(c, f[ynode_key(keys, which[i])], IMPORT_PARAM,
			    self,
			    "'%s' of '%s' is ignored, as the original ignored "
			    "it %s",
			    which[i], p->name, why);
}

/* The domain: only, a range, or the default alone, as the original
 * decided, by type. */
static int
param_domain(struct ctx *c, struct jparam *p, size_t self, yaml_node_t *n,
    yaml_node_t **f, const char *const *keys)
{
	static const char *const range_keys[] = { "min", "max", "step",
		"step_mode", NULL };
	static const char *const max_keys[] = { "max", "step", "step_mode",
		NULL };
	yaml_node_t *nonly = f[ynode_key(keys, "only")],
		    *nmin = f[ynode_key(keys, "min")],
		    *nd = f[ynode_key(keys, "default")];
	const char *def = "";

	if (nd != NULL && (def = scalar(c, nd, "default")) == NULL)
		return -1;
	if (nonly != NULL && !ynode_is_null(nonly) &&
	    (nonly->type != YAML_SEQUENCE_NODE || ynode_seq_len(nonly) > 0)) {
		if (param_list(c, p, self, nonly) != 0)
			return -1;
		param_ignored(c, p, self, f, keys, range_keys, "beside 'only'");
		if (!p->is_str)
			param_check_ints(c, p, self, nonly);
	} else if (!p->is_str && nmin != NULL && !ynode_is_null(nmin)) {
		if (param_range(c, p, self, f, keys) != 0)
			return -1;
	} else if (*def != '\0') {
		param_add_value(p, def);
		param_ignored(c, p, self, f, keys,
		    p->is_str ? range_keys : max_keys,
		    p->is_str ? "for a string" : "without a min");
		if (!p->is_str)
			param_check_ints(c, p, self, nd);
		return 0;
	} else {
		ynode_err(&c->y, n,
		    "parameter '%s' has no values ('only', %s'default'): "
		    "the original swept nothing for it, so the job ran "
		    "nothing",
		    p->name, p->is_str ? "" : "'min' and 'max', ");
		return -1;
	}
	if (*def == '\0')
		return 0;
	if (param_has(p, def)) {
		p->def = xstrdup(def);
		return 0;
	}
	note(c, nd, IMPORT_PARAM, self,
	    "default '%s' of '%s' is not one of its values: the original "
	    "used a default only for a parameter without values; dropped "
	    "(the default here is the first value)",
	    def, p->name);
	return 0;
}

/* when: of the second format. The original's build took every
 * parameter that was not "test" ("build", "both" or anything else). */
static void
param_stage(struct ctx *c, struct jparam *p, size_t self, yaml_node_t *n)
{
	static const char *const stages[] = { "build", "test", "both", NULL };
	const char *v = "", *hint;

	p->stage = c->build.present ? STAGE_BUILD : STAGE_TEST;
	if (n != NULL && (v = scalar(c, n, "when")) == NULL)
		return;
	if (strcmp(v, "test") == 0) {
		p->stage = STAGE_TEST;
		return;
	}
	if (*v != '\0' && strcmp(v, "build") != 0 && strcmp(v, "both") != 0) {
		hint = diag_suggest(v, stages);
		note(c, n, IMPORT_PARAM, self,
		    "'when: %s' of '%s' is neither build nor test%s%s%s: the "
		    "original took it as a build parameter, and so does this "
		    "spec",
		    v, p->name, hint != NULL ? " (did you mean '" : "",
		    hint != NULL ? hint : "", hint != NULL ? "'?)" : "");
	}
	if (!c->build.present && *v != '\0')
		note(c, n, IMPORT_PARAM, self,
		    "'when: %s' of '%s': the job has no build, so it is a "
		    "test parameter",
		    v, p->name);
	else if (strcmp(v, "both") == 0)
		note(c, n, IMPORT_PARAM, self,
		    "'when: both' of '%s': a build parameter, which the build "
		    "and the test are both given",
		    p->name);
}

/* One item of params:. Returns 0, or -1 after an error. */
static int
parse_param(struct ctx *c, yaml_node_t *n, size_t index)
{
	const char *const *keys =
	    c->format == 1 ? v1_param_keys : v2_param_keys;
	size_t self = c->nparams, i;
	struct jparam *p = &c->params[self];
	yaml_node_t *f[12], *nif;
	const char *v, *type;
	char *where;
	int rc;

	memset(p, 0, sizeof *p);
	p->line = (int)n->start_mark.line + 1;
	p->col = (int)n->start_mark.column + 1;
	where = xasprintf("parameter %zu", index + 1);
	rc = fields(c, n, where, IMPORT_PARAM, self, keys, f, NULL);
	free(where);
	if (rc != 0)
		return -1;
	if (f[ynode_key(keys, "name")] == NULL ||
	    ynode_is_null(f[ynode_key(keys, "name")])) {
		ynode_err(&c->y, n, "parameter %zu has no 'name'", index + 1);
		return -1;
	}
	if ((v = scalar(c, f[ynode_key(keys, "name")], "name")) == NULL)
		return -1;
	if (!spec_valid_name(v) || strncmp(v, "WAYFINDER_", 10) == 0) {
		ynode_err(&c->y, f[ynode_key(keys, "name")],
		    "parameter name '%s' must match [A-Za-z_][A-Za-z0-9_]* "
		    "and not begin with WAYFINDER_ (it becomes an "
		    "environment variable)",
		    v);
		return -1;
	}
	for (i = 0; i < c->nparams; i++) {
		if (strcmp(c->params[i].name, v) == 0) {
			ynode_err(&c->y, f[ynode_key(keys, "name")],
			    "duplicate parameter '%s' (first at line %d)", v,
			    c->params[i].line);
			return -1;
		}
	}
	p->name = xstrdup(v);
	c->nparams++;

	if (f[ynode_key(keys, "type")] == NULL) {
		ynode_err(&c->y, n,
		    "parameter '%s' has no 'type' (int or string)", p->name);
		return -1;
	}
	if ((type = scalar(c, f[ynode_key(keys, "type")], "type")) == NULL)
		return -1;
	if (strcmp(type, "int") == 0 || strcmp(type, "integer") == 0)
		p->is_str = 0;
	else if (strcmp(type, "string") == 0 ||
	    (strcmp(type, "str") == 0 && c->format == 2))
		p->is_str = 1;
	else if (strcmp(type, "str") == 0) {
		p->is_str = 1;
		note(c, f[ynode_key(keys, "type")], IMPORT_PARAM, self,
		    "type 'str' of '%s': the first format knew only "
		    "'string', which is what it means here",
		    p->name);
	} else {
		ynode_err(&c->y, f[ynode_key(keys, "type")],
		    "unknown type '%s' of parameter '%s' (the original took "
		    "int, integer, %s)",
		    type, p->name,
		    c->format == 1 ? "string" : "str and string");
		return -1;
	}
	if (param_domain(c, p, self, n, f, keys) != 0)
		return -1;
	p->ok = 1;
	if (c->format == 1) {
		p->stage = c->build.present ? STAGE_BUILD : STAGE_TEST;
		return 0;
	}
	param_stage(c, p, self, f[ynode_key(keys, "when")]);
	if (f[ynode_key(keys, "description")] != NULL &&
	    (v = scalar(c, f[ynode_key(keys, "description")], "description")) !=
		NULL &&
	    *v != '\0')
		p->description = xstrdup(v);
	if ((nif = f[ynode_key(keys, "if")]) != NULL && !ynode_is_null(nif)) {
		if ((v = scalar(c, nif, "if")) == NULL)
			return -1;
		p->cond_src = xstrdup(v);
		p->cond_line = (int)nif->start_mark.line + 1;
		p->cond_col = (int)nif->start_mark.column + 1;
		if (nif->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    nif->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
			p->cond_col++;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Conditions: the original's govaluate expressions, in our syntax     */

enum ctok {
	C_END,
	C_NAME,
	C_NUM,
	C_STR,
	C_TRUE,
	C_FALSE,
	C_LP,
	C_RP,
	C_COMMA,
	C_NOT,
	C_AND,
	C_OR,
	C_EQ,
	C_NE,
	C_LT,
	C_LE,
	C_GT,
	C_GE,
	C_IN,
	C_FAULT
};

enum cnode_kind {
	N_OR,
	N_AND,
	N_NOT,
	N_CMP,
	N_NAME,
	N_NUM,
	N_STR,
	N_BOOL,
	N_IN
};

struct cnode {
	enum cnode_kind kind;
	enum ctok op; /* N_CMP */
	size_t col;
	struct cnode *l, *r;
	char *s;              /* N_NAME, N_STR; N_NUM: the number as written */
	int truth;            /* N_BOOL */
	int ref;              /* N_NAME: index of the parameter */
	struct cnode **items; /* N_IN: the list, l the name */
	size_t nitems;
};

struct cparse {
	const char *text;
	size_t pos;
	enum ctok tok, prev;
	size_t tokpos;
	char *tokstr;
	int status; /* IMPORT_COND_* */
	char *cause;
	int errcol;
	const struct import_pdesc *params;
	size_t nparams;
	unsigned char *refs;
	struct buf remarks;
	unsigned char *remarked; /* parameters already remarked upon */
};

static void cfault(struct cparse *, size_t at, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records the first fault: UNSUPPORTED (the original took it, we cannot
 * say it) or INVALID (the original could not have run it). */
static void
cfault(struct cparse *p, size_t at, int status, const char *fmt, ...)
{
	va_list ap;

	if (p->status != IMPORT_COND_OK)
		return;
	va_start(ap, fmt);
	p->cause = xvasprintf(fmt, ap);
	va_end(ap);
	p->status = status;
	p->errcol = (int)at;
	p->tok = C_FAULT;
}

/* Whether the token before allows an operand next (for a unary minus). */
static int
operand_next(enum ctok prev)
{
	return prev != C_NAME && prev != C_NUM && prev != C_STR &&
	    prev != C_TRUE && prev != C_FALSE && prev != C_RP;
}

/* The operators, and the spellings like them that the original did not
 * have or that we cannot say. */
static const struct lex_op cops[] = {
	{ "(", C_LP, NULL, 0 },
	{ ")", C_RP, NULL, 0 },
	{ ",", C_COMMA, NULL, 0 },
	{ "!=", C_NE, NULL, 0 },
	{ "!~", C_FAULT,
	    "regular expression matches (!~) have no equivalent here",
	    IMPORT_COND_UNSUPPORTED },
	{ "!", C_NOT, NULL, 0 },
	{ "==", C_EQ, NULL, 0 },
	{ "=~", C_FAULT,
	    "regular expression matches (=~) have no equivalent here",
	    IMPORT_COND_UNSUPPORTED },
	{ "=", C_FAULT, "'=' is not an operator (the original needed '==')",
	    IMPORT_COND_INVALID },
	{ "&&", C_AND, NULL, 0 },
	{ "||", C_OR, NULL, 0 },
	{ "&", C_FAULT, "bitwise '&' has no equivalent here",
	    IMPORT_COND_UNSUPPORTED },
	{ "|", C_FAULT, "bitwise '|' has no equivalent here",
	    IMPORT_COND_UNSUPPORTED },
	{ "<<", C_FAULT, "bit shifts (<<) have no equivalent here",
	    IMPORT_COND_UNSUPPORTED },
	{ ">>", C_FAULT, "bit shifts (>>) have no equivalent here",
	    IMPORT_COND_UNSUPPORTED },
	{ "<=", C_LE, NULL, 0 },
	{ "<", C_LT, NULL, 0 },
	{ ">=", C_GE, NULL, 0 },
	{ ">", C_GT, NULL, 0 },
	{ NULL, 0, NULL, 0 },
};

static const struct lex_lang cond_lang = { cops, C_END, C_STR, C_NAME, C_FAULT,
	IMPORT_COND_INVALID };

static void
cnext(struct cparse *p)
{
	const char *s = p->text;
	size_t start;
	char *end, *why;
	int status;

	free(p->tokstr);
	p->tokstr = NULL;
	if (p->tok == C_FAULT)
		return;
	p->prev = p->tok;
	p->tokpos = start = lex_space(s, &p->pos);
	if (isdigit((unsigned char)s[p->pos]) ||
	    (s[p->pos] == '.' && isdigit((unsigned char)s[p->pos + 1])) ||
	    (s[p->pos] == '-' && operand_next(p->prev) &&
		(isdigit((unsigned char)s[p->pos + 1]) ||
		    s[p->pos + 1] == '.'))) {
		errno = 0;
		(void)strtod(s + p->pos, &end);
		if (end == s + p->pos || isalpha((unsigned char)*end) ||
		    *end == '_') {
			cfault(p, start, IMPORT_COND_INVALID, "%s",
			    "malformed number");
			return;
		}
		p->pos = (size_t)(end - s);
		p->tok = C_NUM;
		p->tokstr = xstrndup(s + start, p->pos - start);
		return;
	}
	switch (s[p->pos]) {
	case '+':
	case '-':
	case '*':
	case '/':
	case '%':
		cfault(p, start, IMPORT_COND_UNSUPPORTED,
		    "arithmetic ('%c') has no equivalent here", s[p->pos]);
		return;
	case '^':
	case '~':
		cfault(p, start, IMPORT_COND_UNSUPPORTED,
		    "bitwise '%c' has no equivalent here", s[p->pos]);
		return;
	case '?':
	case ':':
		cfault(p, start, IMPORT_COND_UNSUPPORTED, "%s",
		    "the ternary and ?? operators have no equivalent here");
		return;
	case '[':
		cfault(p, start, IMPORT_COND_UNSUPPORTED, "%s",
		    "[escaped] parameter names have no equivalent here");
		return;
	}
	p->tok = lex_next(s, &p->pos, &cond_lang, &p->tokstr, &why, &status);
	if (p->tok == C_FAULT) {
		cfault(p, start, status, "%s", why);
		free(why);
		return;
	}
	if (p->tok != C_NAME)
		return;
	if (s[p->pos] == '.')
		cfault(p, p->pos, IMPORT_COND_UNSUPPORTED, "%s",
		    "accessors (name.field) have no equivalent here");
	else if (strcmp(p->tokstr, "true") == 0)
		p->tok = C_TRUE;
	else if (strcmp(p->tokstr, "false") == 0)
		p->tok = C_FALSE;
	else if (strcmp(p->tokstr, "in") == 0 || strcmp(p->tokstr, "IN") == 0)
		p->tok = C_IN;
}

static struct cnode *
cnode_new(enum cnode_kind kind, size_t col)
{
	struct cnode *n = xcalloc(1, sizeof *n);

	n->kind = kind;
	n->col = col;
	n->ref = -1;
	return n;
}

static void
cnode_free(struct cnode *n)
{
	size_t i;

	if (n == NULL)
		return;
	cnode_free(n->l);
	cnode_free(n->r);
	for (i = 0; i < n->nitems; i++)
		cnode_free(n->items[i]);
	free(n->items);
	free(n->s);
	free(n);
}

static struct cnode *cparse_or(struct cparse *);

static struct cnode *
cparse_primary(struct cparse *p)
{
	struct cnode *n;
	size_t at = p->tokpos, i;

	switch (p->tok) {
	case C_LP:
		cnext(p);
		n = cparse_or(p);
		if (n == NULL)
			return NULL;
		if (p->tok != C_RP) {
			cfault(p, p->tokpos, IMPORT_COND_INVALID, "%s",
			    "expected ')'");
			cnode_free(n);
			return NULL;
		}
		cnext(p);
		return n;
	case C_NOT:
		/* govaluate's ! takes the value after it, before any
		 * comparison: !A == B is (!A) == B. */
		cnext(p);
		n = cnode_new(N_NOT, at);
		if ((n->l = cparse_primary(p)) == NULL) {
			cnode_free(n);
			return NULL;
		}
		return n;
	case C_NAME:
		n = cnode_new(N_NAME, at);
		n->s = xstrdup(p->tokstr);
		for (i = 0; i < p->nparams; i++)
			if (strcmp(p->params[i].name, n->s) == 0)
				n->ref = (int)i;
		if (n->ref < 0) {
			const char **names =
			    xcalloc(p->nparams + 1, sizeof *names);
			const char *hint;

			for (i = 0; i < p->nparams; i++)
				names[i] = p->params[i].name;
			hint = diag_suggest(n->s, names);
			cfault(p, at, IMPORT_COND_INVALID,
			    "'%s' names no parameter%s%s%s (the original "
			    "failed on it)",
			    n->s, hint != NULL ? "; did you mean '" : "",
			    hint != NULL ? hint : "", hint != NULL ? "'?" : "");
			free(names);
			cnode_free(n);
			return NULL;
		}
		if (p->refs != NULL)
			p->refs[n->ref] = 1;
		cnext(p);
		return n;
	case C_STR:
		n = cnode_new(N_STR, at);
		n->s = xstrdup(p->tokstr);
		cnext(p);
		return n;
	case C_NUM:
		n = cnode_new(N_NUM, at);
		n->s = xstrdup(p->tokstr);
		cnext(p);
		return n;
	case C_TRUE:
	case C_FALSE:
		n = cnode_new(N_BOOL, at);
		n->truth = p->tok == C_TRUE;
		cnext(p);
		return n;
	case C_FAULT:
		return NULL;
	default:
		cfault(p, at, IMPORT_COND_INVALID, "%s",
		    p->tok == C_END ? "the condition ends too soon" :
				      "expected a name, a value or '('");
		return NULL;
	}
}

static int
is_cmp(enum ctok t)
{
	return t == C_EQ || t == C_NE || t == C_LT || t == C_LE || t == C_GT ||
	    t == C_GE;
}

static struct cnode *
cparse_cmp(struct cparse *p)
{
	struct cnode *l, *n, *item;
	size_t at;

	if ((l = cparse_primary(p)) == NULL)
		return NULL;
	if (p->tok == C_IN) {
		n = cnode_new(N_IN, p->tokpos);
		n->l = l;
		cnext(p);
		if (p->tok != C_LP) {
			cfault(p, p->tokpos, IMPORT_COND_INVALID, "%s",
			    "expected '(' after 'in'");
			cnode_free(n);
			return NULL;
		}
		do {
			cnext(p);
			if ((item = cparse_primary(p)) == NULL) {
				cnode_free(n);
				return NULL;
			}
			n->items = xreallocarray(n->items, n->nitems + 1,
			    sizeof *n->items);
			n->items[n->nitems++] = item;
		} while (p->tok == C_COMMA);
		if (p->tok != C_RP) {
			cfault(p, p->tokpos, IMPORT_COND_INVALID, "%s",
			    "expected ')' after the list of 'in'");
			cnode_free(n);
			return NULL;
		}
		cnext(p);
		return n;
	}
	if (!is_cmp(p->tok))
		return l;
	n = cnode_new(N_CMP, p->tokpos);
	n->op = p->tok;
	n->l = l;
	cnext(p);
	if ((n->r = cparse_primary(p)) == NULL) {
		cnode_free(n);
		return NULL;
	}
	if (is_cmp(p->tok)) {
		at = p->tokpos;
		cnode_free(n);
		cfault(p, at, IMPORT_COND_UNSUPPORTED, "%s",
		    "chained comparisons (a == b == c) have no equivalent "
		    "here");
		return NULL;
	}
	return n;
}

static struct cnode *
cparse_and(struct cparse *p)
{
	struct cnode *l, *n;

	if ((l = cparse_cmp(p)) == NULL)
		return NULL;
	while (p->tok == C_AND) {
		n = cnode_new(N_AND, p->tokpos);
		n->l = l;
		cnext(p);
		if ((n->r = cparse_cmp(p)) == NULL) {
			cnode_free(n);
			return NULL;
		}
		l = n;
	}
	return l;
}

static struct cnode *
cparse_or(struct cparse *p)
{
	struct cnode *l, *n;

	if ((l = cparse_and(p)) == NULL)
		return NULL;
	while (p->tok == C_OR) {
		n = cnode_new(N_OR, p->tokpos);
		n->l = l;
		cnext(p);
		if ((n->r = cparse_and(p)) == NULL) {
			cnode_free(n);
			return NULL;
		}
		l = n;
	}
	return l;
}

/* What an operand of a comparison is. */
enum ccls { K_YN, K_STR, K_INT, K_STRLIT, K_NUMLIT, K_BOOLLIT, K_COND };

/* A str parameter with y or n among its values: the original turned y
 * and n into true and false before evaluating a condition. */
static int
pd_yn(const struct import_pdesc *d)
{
	size_t i;

	if (!d->is_str)
		return 0;
	for (i = 0; i < d->nvalues; i++)
		if (strcmp(d->values[i], "y") == 0 ||
		    strcmp(d->values[i], "n") == 0)
			return 1;
	return 0;
}

/* Whether the literal text (of a string, or a number as written) is one
 * of the values of d. */
static int
pd_has(const struct import_pdesc *d, const char *text)
{
	long long x, y;
	double num;
	char *end;
	size_t i;

	if (d->is_str) {
		for (i = 0; i < d->nvalues; i++)
			if (strcmp(d->values[i], text) == 0)
				return 1;
		return 0;
	}
	num = strtod(text, &end);
	if (*end != '\0' || num != floor(num) || fabs(num) > 9e18)
		return 0;
	x = (long long)num;
	if (d->values == NULL)
		return x >= d->min && x <= d->max && d->step > 0 &&
		    (x - d->min) % d->step == 0;
	for (i = 0; i < d->nvalues; i++)
		if (atoi_go(d->values[i], &y) == 0 && x == y)
			return 1;
	return 0;
}

static enum ccls
classify(const struct cparse *p, const struct cnode *n)
{
	switch (n->kind) {
	case N_NAME:
		if (!p->params[n->ref].is_str)
			return K_INT;
		return pd_yn(&p->params[n->ref]) ? K_YN : K_STR;
	case N_STR:
		return K_STRLIT;
	case N_NUM:
		return K_NUMLIT;
	case N_BOOL:
		return K_BOOLLIT;
	default:
		return K_COND;
	}
}

static void remark(struct cparse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
remark(struct cparse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->remarks.len > 0)
		buf_addc(&p->remarks, '\n');
	va_start(ap, fmt);
	buf_vprintf(&p->remarks, fmt, ap);
	va_end(ap);
}

/* A name in the translation: remarks once upon a conditional one. */
static void
emit_name(struct cparse *p, const struct cnode *n, struct buf *b)
{
	const struct import_pdesc *d = &p->params[n->ref];

	buf_adds(b, d->name);
	if (d->conditional && !p->remarked[n->ref]) {
		p->remarked[n->ref] = 1;
		remark(p,
		    "'%s' has a condition of its own: where it does not "
		    "hold, the original still compared its value, while "
		    "here '%s' is inactive, false and equal to nothing",
		    d->name, d->name);
	}
}

static void
emit_strlit(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

static const char *
op_text(enum ctok op)
{
	switch (op) {
	case C_EQ:
		return "==";
	case C_NE:
		return "!=";
	case C_LT:
		return "<";
	case C_LE:
		return "<=";
	case C_GT:
		return ">";
	default:
		return ">=";
	}
}

/* "N == 'y'" when want (N true in the original), "N != 'y'" otherwise;
 * with 'n' when y is not among N's values. */
static void
emit_yn(struct cparse *p, const struct cnode *name, int want, struct buf *b)
{
	const struct import_pdesc *d = &p->params[name->ref];
	int has_y = pd_has(d, "y");

	emit_name(p, name, b);
	buf_printf(b, " %s '%s'",
	    (want == has_y) ? "==" : "!=", has_y ? "y" : "n");
}

static int
emit_cond(struct cparse *, const struct cnode *, int prec, struct buf *);

static int
emit_cmp(struct cparse *p, const struct cnode *n, struct buf *b)
{
	const struct cnode *l = n->l, *r = n->r, *name, *lit;
	enum ccls cl = classify(p, l), cr = classify(p, r), cn;
	int order = n->op != C_EQ && n->op != C_NE, lnum, rnum;

	if (cl >= K_STRLIT && cl <= K_BOOLLIT && cr >= K_STRLIT &&
	    cr <= K_BOOLLIT) {
		cfault(p, n->col, IMPORT_COND_UNSUPPORTED, "%s",
		    "it compares two constants");
		return -1;
	}
	if (cl == K_COND || cl == K_BOOLLIT || cr == K_COND ||
	    cr == K_BOOLLIT) {
		if (order) {
			cfault(p, n->col, IMPORT_COND_INVALID,
			    "'%s' orders true and false (the original failed "
			    "on it)",
			    op_text(n->op));
			return -1;
		}
		if ((cl == K_YN && cr == K_BOOLLIT) ||
		    (cr == K_YN && cl == K_BOOLLIT)) {
			name = cl == K_YN ? l : r;
			lit = cl == K_YN ? r : l;
			emit_yn(p, name, lit->truth == (n->op == C_EQ), b);
			return 0;
		}
		buf_addc(b, '(');
		if (emit_cond(p, l, 0, b) != 0)
			return -1;
		buf_printf(b, ") %s (", op_text(n->op));
		if (emit_cond(p, r, 0, b) != 0)
			return -1;
		buf_addc(b, ')');
		return 0;
	}
	lnum = cl == K_INT || cl == K_NUMLIT;
	rnum = cr == K_INT || cr == K_NUMLIT;
	if (lnum != rnum) {
		if (order)
			cfault(p, n->col, IMPORT_COND_INVALID,
			    "'%s' orders a number and a string (the original "
			    "failed on it)",
			    op_text(n->op));
		else
			cfault(p, n->col, IMPORT_COND_UNSUPPORTED, "%s",
			    "it compares a number with a string, which never "
			    "held in the original");
		return -1;
	}
	if (l->kind == N_NAME && r->kind == N_NAME) {
		emit_name(p, l, b);
		buf_printf(b, " %s ", op_text(n->op));
		emit_name(p, r, b);
		return 0;
	}
	name = l->kind == N_NAME ? l : r;
	lit = name == l ? r : l;
	cn = classify(p, name);
	if (!order && !pd_has(&p->params[name->ref], lit->s)) {
		cfault(p, lit->col, IMPORT_COND_UNSUPPORTED,
		    "'%s' is not one of the values of '%s', so the "
		    "comparison never changes",
		    lit->s, p->params[name->ref].name);
		return -1;
	}
	if (cn == K_YN &&
	    (strcmp(lit->s, "y") == 0 || strcmp(lit->s, "n") == 0))
		remark(p,
		    "the original turned the values y and n of '%s' into "
		    "true and false before comparing, so its comparison "
		    "with '%s' never held; here it holds when '%s' is %s",
		    p->params[name->ref].name, lit->s,
		    p->params[name->ref].name, lit->s);
	if (l == lit) {
		if (lit->kind == N_STR)
			emit_strlit(b, lit->s);
		else
			buf_adds(b, lit->s);
		buf_printf(b, " %s ", op_text(n->op));
		emit_name(p, name, b);
		return 0;
	}
	emit_name(p, name, b);
	buf_printf(b, " %s ", op_text(n->op));
	if (lit->kind == N_STR)
		emit_strlit(b, lit->s);
	else
		buf_adds(b, lit->s);
	return 0;
}

/* NAME in (a, b, ...): one test of equality per value; values NAME
 * cannot take are left out. */
static int
emit_in(struct cparse *p, const struct cnode *n, int prec, struct buf *b)
{
	struct buf out = BUF_INIT;
	struct cnode cmp;
	size_t i, kept = 0;

	if (n->l->kind != N_NAME) {
		cfault(p, n->col, IMPORT_COND_UNSUPPORTED, "%s",
		    "'in' after something other than a parameter");
		return -1;
	}
	for (i = 0; i < n->nitems; i++) {
		if (n->items[i]->kind != N_STR && n->items[i]->kind != N_NUM &&
		    n->items[i]->kind != N_BOOL) {
			cfault(p, n->items[i]->col, IMPORT_COND_UNSUPPORTED,
			    "%s", "'in' with something other than values");
			buf_free(&out);
			return -1;
		}
		if (n->items[i]->kind != N_BOOL &&
		    ((n->items[i]->kind == N_STR) !=
			    (p->params[n->l->ref].is_str != 0) ||
			!pd_has(&p->params[n->l->ref], n->items[i]->s))) {
			remark(p,
			    "'%s' is not one of the values of '%s': left out "
			    "of its 'in' list",
			    n->items[i]->s, p->params[n->l->ref].name);
			continue;
		}
		memset(&cmp, 0, sizeof cmp);
		cmp.kind = N_CMP;
		cmp.op = C_EQ;
		cmp.col = n->items[i]->col;
		cmp.l = n->l;
		cmp.r = n->items[i];
		if (kept++ > 0)
			buf_adds(&out, " || ");
		if (emit_cmp(p, &cmp, &out) != 0) {
			buf_free(&out);
			return -1;
		}
	}
	if (kept == 0) {
		cfault(p, n->col, IMPORT_COND_UNSUPPORTED,
		    "'%s' can take none of the values of its 'in' list, so "
		    "the test never holds",
		    p->params[n->l->ref].name);
		buf_free(&out);
		return -1;
	}
	if (kept > 1 && prec > 1)
		buf_printf(b, "(%s)", buf_str(&out));
	else
		buf_adds(b, buf_str(&out));
	buf_free(&out);
	return 0;
}

/*
 * Writes n as a condition. prec is what surrounds it: 0 nothing, 1 an
 * ||, 2 an &&, 3 a ! or a comparison (where only an atom or a
 * parenthesised condition fits).
 */
static int
emit_cond(struct cparse *p, const struct cnode *n, int prec, struct buf *b)
{
	struct buf sub = BUF_INIT;
	int rc = 0, wrap;

	switch (n->kind) {
	case N_OR:
	case N_AND:
		wrap = prec > (n->kind == N_OR ? 1 : 2);
		if (wrap)
			buf_addc(b, '(');
		if (emit_cond(p, n->l, n->kind == N_OR ? 1 : 2, b) != 0)
			return -1;
		buf_adds(b, n->kind == N_OR ? " || " : " && ");
		if (emit_cond(p, n->r, n->kind == N_OR ? 1 : 2, b) != 0)
			return -1;
		if (wrap)
			buf_addc(b, ')');
		return 0;
	case N_NOT:
		if (n->l->kind == N_NAME && classify(p, n->l) == K_YN) {
			emit_yn(p, n->l, 0, &sub);
		} else if (n->l->kind == N_BOOL) {
			buf_adds(&sub, n->l->truth ? "!true" : "!false");
		} else {
			buf_adds(&sub, "!(");
			rc = emit_cond(p, n->l, 0, &sub);
			buf_addc(&sub, ')');
		}
		break;
	case N_CMP:
		rc = emit_cmp(p, n, &sub);
		break;
	case N_IN:
		rc = emit_in(p, n, prec, b);
		return rc;
	case N_NAME:
		if (classify(p, n) != K_YN) {
			cfault(p, n->col, IMPORT_COND_INVALID,
			    "'%s' is a %s, not a condition (the original "
			    "failed on it)",
			    n->s,
			    p->params[n->ref].is_str ? "string" : "number");
			return -1;
		}
		emit_yn(p, n, 1, &sub);
		break;
	case N_BOOL:
		buf_adds(b, n->truth ? "true" : "false");
		return 0;
	default:
		cfault(p, n->col, IMPORT_COND_INVALID, "%s",
		    "a value on its own is not a condition (the original "
		    "failed on it)");
		return -1;
	}
	if (rc == 0) {
		if (prec >= 3)
			buf_printf(b, "(%s)", buf_str(&sub));
		else
			buf_adds(b, buf_str(&sub));
	}
	buf_free(&sub);
	return rc;
}

int
import_condition(const char *cond, const struct import_pdesc *params,
    size_t nparams, unsigned char *refs, char **out, char **remarks,
    int *errcol, char **cause)
{
	struct cparse p;
	struct cnode *tree;
	struct buf b = BUF_INIT;
	int status;

	memset(&p, 0, sizeof p);
	p.text = cond;
	p.tok = C_END;
	p.params = params;
	p.nparams = nparams;
	p.refs = refs;
	p.remarked = xcalloc(nparams + 1, 1);
	*out = *remarks = *cause = NULL;
	*errcol = 0;
	cnext(&p);
	tree = cparse_or(&p);
	if (tree != NULL && p.tok != C_END && p.status == IMPORT_COND_OK)
		cfault(&p, p.tokpos, IMPORT_COND_INVALID, "%s",
		    "expected '&&', '||' or the end of the condition");
	if (tree != NULL && p.status == IMPORT_COND_OK)
		emit_cond(&p, tree, 0, &b);
	cnode_free(tree);
	free(p.tokstr);
	free(p.remarked);
	status = p.status;
	if (status == IMPORT_COND_OK) {
		*out = buf_steal(&b);
		if (p.remarks.len > 0)
			*remarks = buf_steal(&p.remarks);
	} else {
		*cause = p.cause;
		*errcol = p.errcol;
	}
	buf_free(&b);
	buf_free(&p.remarks);
	return status;
}

/* ------------------------------------------------------------------ */
/* Conditions of the parameters                                        */

static void
drop_cond(struct jparam *p)
{
	free(p->cond);
	p->cond = NULL;
	free(p->refs);
	p->refs = NULL;
}

/* Depth-first search from i for a condition that leads back to a
 * parameter on the stack; returns the parameter whose condition closes
 * the cycle, or -1. */
static int
find_cycle(const struct ctx *c, size_t i, unsigned char *color)
{
	size_t j;
	int k;

	color[i] = 1;
	for (j = 0; c->params[i].refs != NULL && j < c->nparams; j++) {
		if (!c->params[i].refs[j])
			continue;
		if (color[j] == 1)
			return (int)i;
		if (color[j] == 0 && (k = find_cycle(c, j, color)) >= 0)
			return k;
	}
	color[i] = 2;
	return -1;
}

/*
 * Translates every if: once all parameters are known. A condition we
 * cannot say leaves its parameter unconditional, with a note; one the
 * original could not have run is an error. Then what our loader refuses
 * and the original allowed is undone, with a note: a build parameter
 * whose condition names a test parameter, and conditions in a cycle
 * (the original compared values, not whether a parameter was active, so
 * a cycle was harmless there).
 */
static int
params_conditions(struct ctx *c)
{
	struct import_pdesc *pd;
	struct jparam *p;
	unsigned char *color;
	char *out, *remarks, *cause, *line, *nl;
	size_t i, j;
	int errcol, rc, k, bad = 0;

	pd = xcalloc(c->nparams + 1, sizeof *pd);
	for (i = 0; i < c->nparams; i++) {
		p = &c->params[i];
		pd[i].name = p->name;
		pd[i].is_str = p->is_str;
		if (!p->is_range || p->power) {
			pd[i].values = (const char *const *)p->values;
			pd[i].nvalues = p->nvalues;
		}
		pd[i].min = p->min;
		pd[i].max = p->max;
		pd[i].step = p->step;
		pd[i].conditional = p->cond_src != NULL;
	}
	for (i = 0; i < c->nparams; i++) {
		p = &c->params[i];
		if (p->cond_src == NULL)
			continue;
		p->refs = xcalloc(c->nparams + 1, 1);
		rc = import_condition(p->cond_src, pd, c->nparams, p->refs,
		    &out, &remarks, &errcol, &cause);
		if (rc == IMPORT_COND_OK) {
			p->cond = out;
			for (line = remarks; line != NULL; line = nl) {
				if ((nl = strchr(line, '\n')) != NULL)
					*nl++ = '\0';
				note_at(c, p->cond_line, p->cond_col,
				    IMPORT_PARAM, i, "if: of '%s': %s", p->name,
				    line);
			}
			free(remarks);
		} else if (rc == IMPORT_COND_UNSUPPORTED) {
			note_at(c, p->cond_line, p->cond_col + errcol,
			    IMPORT_PARAM, i,
			    "if: \"%s\" of '%s' cannot be said here (%s): "
			    "'%s' is unconditional, always active",
			    p->cond_src, p->name, cause, p->name);
			drop_cond(p);
			free(cause);
		} else {
			diag_add(c->y.d, DIAG_ERROR, c->y.file, p->cond_line,
			    p->cond_col + errcol,
			    "in the condition of '%s': %s", p->name, cause);
			drop_cond(p);
			free(cause);
			bad = 1;
		}
	}
	free(pd);
	if (bad)
		return -1;
	for (i = 0; i < c->nparams; i++) {
		p = &c->params[i];
		if (p->cond == NULL || p->stage != STAGE_BUILD)
			continue;
		for (j = 0; j < c->nparams; j++)
			if (p->refs[j] && c->params[j].stage == STAGE_TEST)
				break;
		if (j == c->nparams)
			continue;
		note_at(c, p->cond_line, p->cond_col, IMPORT_PARAM, i,
		    "if: of build parameter '%s' names test parameter '%s', "
		    "which here would make builds depend on test values: "
		    "'%s' is unconditional, always active",
		    p->name, c->params[j].name, p->name);
		drop_cond(p);
	}
	color = xcalloc(c->nparams + 1, 1);
	for (;;) {
		memset(color, 0, c->nparams + 1);
		for (i = 0, k = -1; i < c->nparams && k < 0; i++)
			if (color[i] == 0)
				k = find_cycle(c, i, color);
		if (k < 0)
			break;
		p = &c->params[k];
		if (p->refs[k])
			note_at(c, p->cond_line, p->cond_col, IMPORT_PARAM,
			    (size_t)k,
			    "if: of '%s' names '%s' itself, which a condition "
			    "here may not: '%s' is unconditional, always "
			    "active",
			    p->name, p->name, p->name);
		else
			note_at(c, p->cond_line, p->cond_col, IMPORT_PARAM,
			    (size_t)k,
			    "if: of '%s' closes a cycle of conditions, which "
			    "the original allowed (it compared values) and "
			    "this spec may not: '%s' is unconditional, always "
			    "active",
			    p->name, p->name);
		drop_cond(p);
	}
	free(color);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Scripts                                                             */

/* A file beside the job as the spec names it: relative to the spec's
 * directory when that is known, else absolute. */
static char *
spec_name_of(const struct ctx *c, const char *abs)
{
	if (c->o->spec_dir != NULL)
		return rel_path(c->o->spec_dir, abs);
	return xstrdup(abs);
}

/* The same file as a word of a script. */
static char *
script_word_of(const struct ctx *c, const char *abs)
{
	struct buf b = BUF_INIT;
	char *rel;

	if (c->o->spec_dir != NULL) {
		rel = rel_path(c->o->spec_dir, abs);
		buf_adds(&b, "\"$WAYFINDER_SPEC_DIR\"/");
		sh_quote(&b, rel);
		free(rel);
	} else
		sh_quote(&b, abs);
	return buf_steal(&b);
}

static void
add_input(struct ctx *c, const char *abs)
{
	char *name = spec_name_of(c, abs);
	size_t i;

	for (i = 0; i < c->ninputs; i++) {
		if (strcmp(c->inputs[i], name) == 0) {
			free(name);
			return;
		}
	}
	c->inputs = xreallocarray(c->inputs, c->ninputs + 1, sizeof *c->inputs);
	c->inputs[c->ninputs++] = name;
}

/* Appends text to a script, with a final newline. */
static void
add_lines(struct buf *b, const char *text)
{
	size_t len = strlen(text);

	buf_adds(b, text);
	if (len > 0 && text[len - 1] != '\n')
		buf_addc(b, '\n');
}

/* The commands of one run or tool, in a subshell when others share the
 * script (so that an exit or a cd of theirs stays theirs). */
static void
add_commands(struct buf *b, const char *text, int subshell)
{
	if (subshell)
		buf_adds(b, "(\n");
	add_lines(b, text);
	if (subshell)
		buf_adds(b, ")\n");
}

/* Notes for what containers had and scripts here do not. */
static void
container_notes(struct ctx *c, enum import_anchor anchor, const char *what,
    yaml_node_t *nimage, yaml_node_t *ndev, yaml_node_t *ncap)
{
	const char *image;
	char *list;

	if (nimage != NULL && (image = scalar(c, nimage, "image")) != NULL &&
	    *image != '\0')
		note(c, nimage, anchor, 0,
		    "%s ran in a container of the image %s, which is not "
		    "pulled here: its commands run on this host, so install "
		    "what they need and set the variables the image's "
		    "environment had",
		    what, image);
	if (get_list(c, ndev, "devices", &list) == 0 && list != NULL) {
		note(c, ndev, anchor, 0,
		    "devices of %s (%s): the original passed them into its "
		    "container; here the commands see this host's devices",
		    what, list);
		free(list);
	}
	if (get_list(c, ncap, "capabilities", &list) == 0 && list != NULL) {
		note(c, ncap, anchor, 0,
		    "capabilities of %s (%s): the original granted them to "
		    "its container; here the commands have the privileges "
		    "of the user who runs wayfinder (root has them all)",
		    what, list);
		free(list);
	}
}

/* ------------------------------------------------------------------ */
/* The first format: params, inputs, outputs, runs                     */

struct jinput {
	char *dest; /* the path in the containers */
	char *word; /* the file as a word of a script */
};

static const char *const v1_top_keys[] = { "params", "inputs", "outputs",
	"runs", NULL };
static const char *const v1_input_keys[] = { "name", "source", "destination",
	"options", NULL };
static const char *const v1_output_keys[] = { "name", "path", NULL };
static const char *const v1_run_keys[] = { "name", "image", "cmd", "path",
	"cores", "devices", "capabilities", NULL };

/* inputs: files mounted into every run's container. Those beside the
 * job become inputs of the spec (part of the experiment's identity). */
static int
v1_inputs(struct ctx *c, yaml_node_t *n, struct jinput **out, size_t *nout)
{
	yaml_node_t *item, *f[4];
	const char *src, *dest;
	char *abs, *where;
	struct stat st;
	size_t i;
	int rc;

	if (n == NULL || ynode_is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n, "'inputs' must be a list, not %s",
		    ynode_kind(n));
		return -1;
	}
	for (i = 0; i < ynode_seq_len(n); i++) {
		item = ynode_seq_item(&c->y, n, i);
		where = xasprintf("input %zu", i + 1);
		rc = fields(c, item, where, IMPORT_INPUTS, 0, v1_input_keys, f,
		    NULL);
		free(where);
		if (rc != 0)
			return -1;
		src = f[1] != NULL ? scalar(c, f[1], "source") : "";
		dest = f[2] != NULL ? scalar(c, f[2], "destination") : "";
		if (src == NULL || dest == NULL)
			return -1;
		if (*src == '\0') {
			note(c, item, IMPORT_INPUTS, 0,
			    "input %zu has no source: ignored", i + 1);
			continue;
		}
		if (f[3] != NULL && !ynode_is_null(f[3]))
			note(c, f[3], IMPORT_INPUTS, 0,
			    "mount options of input %s: nothing is mounted "
			    "here; ignored",
			    src);
		abs = *src == '/' ? xstrdup(src) :
				    xasprintf("%s/%s", c->jobdir, src);
		if (stat(abs, &st) != 0 || !S_ISREG(st.st_mode)) {
			note(c, f[1], IMPORT_INPUTS, 0,
			    "input %s (mounted at %s in the containers) is %s: "
			    "not listed in inputs; the scripts must find it "
			    "themselves",
			    src, *dest != '\0' ? dest : "its own path",
			    stat(abs, &st) != 0 ?
				"not found (relative to the job's directory)" :
				"not a regular file");
			free(abs);
			continue;
		}
		add_input(c, abs);
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		(*out)[*nout].dest = xstrdup(*dest != '\0' ? dest : src);
		(*out)[*nout].word = script_word_of(c, abs);
		note(c, f[1], IMPORT_INPUTS, 0,
		    "input %s was mounted read-only at %s in the containers; "
		    "here it is listed in inputs (part of the experiment's "
		    "identity) and the scripts find it as %s",
		    src, (*out)[*nout].dest, (*out)[*nout].word);
		(*nout)++;
		free(abs);
	}
	return 0;
}

static int
v1_outputs(struct ctx *c, yaml_node_t *n)
{
	yaml_node_t *item, *f[2];
	const char *path;
	char *where;
	size_t i;
	int rc;

	if (n == NULL || ynode_is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n, "'outputs' must be a list, not %s",
		    ynode_kind(n));
		return -1;
	}
	for (i = 0; i < ynode_seq_len(n); i++) {
		item = ynode_seq_item(&c->y, n, i);
		where = xasprintf("output %zu", i + 1);
		rc = fields(c, item, where, IMPORT_INPUTS, 0, v1_output_keys, f,
		    NULL);
		free(where);
		if (rc != 0)
			return -1;
		if (f[1] == NULL || (path = scalar(c, f[1], "path")) == NULL ||
		    *path == '\0') {
			if (f[1] != NULL && scalar(c, f[1], "path") == NULL)
				return -1;
			note(c, item, IMPORT_INPUTS, 0,
			    "output %zu has no path: ignored", i + 1);
			continue;
		}
		note(c, f[1], IMPORT_INPUTS, 0,
		    "output %s: the original copied it out of each run's "
		    "container, into the results and into the next run's "
		    "container; here the runs share this host's files, so "
		    "the test finds it where the build left it (a build's "
		    "own files belong in $WAYFINDER_BUILD_DIR, kept for its "
		    "tests)",
		    path);
	}
	return 0;
}

/* The build run: the one named build (when a run follows it), else the
 * first of several; -1 for a single run, which is the test. */
static int
v1_build_index(struct ctx *c, yaml_node_t *runs)
{
	yaml_node_t *item, *name;
	yaml_node_pair_t *pair;
	size_t i;

	for (i = 0; i < ynode_seq_len(runs); i++) {
		item = ynode_seq_item(&c->y, runs, i);
		if (item->type != YAML_MAPPING_NODE)
			continue;
		for (pair = item->data.mapping.pairs.start;
		     pair < item->data.mapping.pairs.top; pair++) {
			name = ynode_at(&c->y, pair->key);
			if (name->type == YAML_SCALAR_NODE &&
			    strcmp((char *)name->data.scalar.value, "name") ==
				0 &&
			    ynode_at(&c->y, pair->value)->type ==
				YAML_SCALAR_NODE &&
			    strcasecmp((char *)ynode_at(&c->y, pair->value)
					   ->data.scalar.value,
				"build") == 0 &&
			    i + 1 < ynode_seq_len(runs))
				return (int)i;
		}
	}
	return ynode_seq_len(runs) >= 2 ? 0 : -1;
}

/* One run, appended to the script of its stage. */
static int
v1_run(struct ctx *c, yaml_node_t *n, size_t i, struct jstage *st, int shared,
    const struct jinput *in, size_t nin)
{
	yaml_node_t *f[7];
	const char *name, *cmd = NULL, *path = NULL;
	enum import_anchor anchor =
	    st == &c->build ? IMPORT_BUILD : IMPORT_TEST;
	char *where, *what, *trimmed;
	long long cores = 0;
	size_t k, len;
	int rc;

	where = xasprintf("run %zu", i + 1);
	rc = fields(c, n, where, anchor, 0, v1_run_keys, f, NULL);
	free(where);
	if (rc != 0)
		return -1;
	name = f[0] != NULL ? scalar(c, f[0], "name") : "";
	if (name == NULL)
		return -1;
	what = *name != '\0' ? xasprintf("run '%s'", name) :
			       xasprintf("run %zu", i + 1);
	if ((f[2] != NULL && (cmd = scalar(c, f[2], "cmd")) == NULL) ||
	    (f[3] != NULL && (path = scalar(c, f[3], "path")) == NULL) ||
	    get_count(c, f[4], "cores", &cores) != 0) {
		free(what);
		return -1;
	}
	if ((cmd == NULL || *cmd == '\0') && (path == NULL || *path == '\0')) {
		ynode_err(&c->y, n,
		    "%s has neither 'cmd' nor 'path': the original had "
		    "nothing to run",
		    what);
		free(what);
		return -1;
	}
	if (cores > 1024) {
		ynode_err(&c->y, f[4],
		    "%s asks for %lld cores; at most 1024 here", what, cores);
		free(what);
		return -1;
	}
	if (cores > st->cores)
		st->cores = (int)cores;
	container_notes(c, anchor, what, f[1], f[5], f[6]);
	if (shared)
		buf_printf(&st->body, "%s# %c%s\n",
		    st->body.len > 0 ? "\n" : "",
		    toupper((unsigned char)what[0]), what + 1);
	if (path != NULL && *path != '\0') {
		if (cmd != NULL && *cmd != '\0')
			note(c, f[2], anchor, 0,
			    "%s has both 'path' and 'cmd': the original ran "
			    "the path and ignored the commands, and so does "
			    "this script",
			    what);
		cmd = path;
	}
	/* A command that is one of the inputs runs the input's file. */
	trimmed = xstrdup(cmd);
	len = strlen(trimmed);
	while (len > 0 && isspace((unsigned char)trimmed[len - 1]))
		trimmed[--len] = '\0';
	for (k = 0; k < nin; k++)
		if (strcmp(trimmed + strspn(trimmed, " \t"), in[k].dest) == 0)
			break;
	if (k < nin) {
		add_commands(&st->body, in[k].word, shared);
		note(c, cmd == path ? f[3] : f[2], anchor, 0,
		    "%s ran %s, the input mounted there: this script runs "
		    "the input's file, %s",
		    what, in[k].dest, in[k].word);
	} else if (cmd == path) {
		struct buf w = BUF_INIT;

		sh_quote(&w, path);
		add_commands(&st->body, buf_str(&w), shared);
		buf_free(&w);
		note(c, f[3], anchor, 0,
		    "%s ran %s, a program inside its image: it must exist "
		    "on this host",
		    what, path);
	} else
		add_commands(&st->body, cmd, shared);
	free(trimmed);
	free(what);
	return 0;
}

/* params: of either format; conditions are translated once all are
 * known. */
static int
parse_params(struct ctx *c, yaml_node_t *root, yaml_node_t *n)
{
	size_t i, len;
	int bad = 0;

	if (n == NULL || ynode_is_null(n)) {
		ynode_err(&c->y, root,
		    "the job has no 'params' (the original refused "
		    "a job without parameters)");
		return -1;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n,
		    "'params' must be a list of parameters, not %s",
		    ynode_kind(n));
		return -1;
	}
	if ((len = ynode_seq_len(n)) == 0) {
		ynode_err(&c->y, n,
		    "'params' is empty (the original refused a job "
		    "without parameters)");
		return -1;
	}
	c->params = xcalloc(len + 1, sizeof *c->params);
	for (i = 0; i < len; i++)
		if (parse_param(c, ynode_seq_item(&c->y, n, i), i) != 0)
			bad = 1;
	if (bad)
		return -1;
	return params_conditions(c);
}

static int
parse_v1(struct ctx *c, yaml_node_t *root)
{
	yaml_node_t *f[4], *runs, *item, *name;
	struct jinput *in = NULL;
	size_t nin = 0, i, nbuild, ntest;
	int bi, rc = 0;

	if (fields(c, root, "the job", IMPORT_TOP, 0, v1_top_keys, f, NULL) !=
	    0)
		return -1;
	runs = f[3];
	if (runs == NULL || ynode_is_null(runs) ||
	    (runs->type == YAML_SEQUENCE_NODE && ynode_seq_len(runs) == 0)) {
		ynode_err(&c->y, runs != NULL ? runs : root,
		    "the job has no runs: nothing to build or test");
		return -1;
	}
	if (runs->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, runs, "'runs' must be a list, not %s",
		    ynode_kind(runs));
		return -1;
	}
	bi = v1_build_index(c, runs);
	c->build.present = bi >= 0;
	nbuild = bi >= 0 ? (size_t)bi + 1 : 0;
	ntest = ynode_seq_len(runs) - nbuild;
	if (bi < 0)
		note(c, runs, IMPORT_TEST, 0,
		    "the job has one run: it is the test, and the spec has "
		    "no build");
	else {
		item = ynode_seq_item(&c->y, runs, (size_t)bi);
		name = NULL;
		if (item->type == YAML_MAPPING_NODE) {
			yaml_node_pair_t *pr;

			for (pr = item->data.mapping.pairs.start;
			     pr < item->data.mapping.pairs.top; pr++)
				if (ynode_at(&c->y, pr->key)->type ==
					YAML_SCALAR_NODE &&
				    strcmp((char *)ynode_at(&c->y, pr->key)
					       ->data.scalar.value,
					"name") == 0)
					name = ynode_at(&c->y, pr->value);
		}
		if (name == NULL || name->type != YAML_SCALAR_NODE ||
		    strcasecmp((char *)name->data.scalar.value, "build") != 0)
			note(c, item, IMPORT_BUILD, 0,
			    "no run is named build: the first run is taken as "
			    "the build and the %s as the test, the original's "
			    "convention",
			    ntest == 1 ? "other" : "others");
		if (bi > 0)
			note(c, item, IMPORT_BUILD, 0,
			    "the runs before the build run are part of the "
			    "build script, in their order");
		if (ntest > 1)
			note(c, runs, IMPORT_TEST, 0,
			    "the %zu runs after the build make up the test "
			    "script, one after the other, as the original ran "
			    "them",
			    ntest);
	}
	if (parse_params(c, root, f[0]) != 0)
		return -1;
	if (c->build.present)
		note(c, f[0], IMPORT_TOP, 0,
		    "the first format had no stages: every run was given every "
		    "parameter, so every parameter is a build parameter here "
		    "and each configuration has its own build, as in the "
		    "original; make those the build does not use 'when: "
		    "test', so that builds are shared");
	if (v1_inputs(c, f[1], &in, &nin) != 0 || v1_outputs(c, f[2]) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < ynode_seq_len(runs); i++) {
		if (i < nbuild)
			rc = v1_run(c, ynode_seq_item(&c->y, runs, i), i,
			    &c->build, nbuild > 1, in, nin);
		else
			rc = v1_run(c, ynode_seq_item(&c->y, runs, i), i,
			    &c->test, ntest > 1, in, nin);
	}
	for (i = 0; i < nin; i++) {
		free(in[i].dest);
		free(in[i].word);
	}
	free(in);
	if (rc != 0)
		return -1;
	c->objective = xstrdup(SPEC_METRIC_WALL);
	c->minimize = 1;
	note(c, runs, IMPORT_TEST, 0,
	    "the first format has no results: the original timed each run, "
	    "so the objective is %s, the wall time of the test script, "
	    "minimized; to optimise a figure of the benchmark instead, "
	    "have the test append it to $WAYFINDER_RESULTS as a line "
	    "'name value' and make it the objective",
	    SPEC_METRIC_WALL);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The second format: name, params, build, test                        */

static const char *const v2_top_keys[] = { "name", "params", "build", "test",
	NULL };
static const char *const v2_build_keys[] = { "image", "commands", "workdir",
	"cores", "devices", "capabilities", "outputs", NULL };
static const char *const v2_output_keys[] = { "kernel", "initrd", "disks",
	"arch", "plat", NULL };
static const char *const v2_disk_keys[] = { "name", "type", "path", NULL };

/* What the build leaves for the tests. */
struct v2build {
	char *kernel; /* words of a script, or NULL */
	char *initrd;
	char **disks; /* "file=WORD,format=FMT" */
	size_t ndisks;
	char *arch, *plat;
	const char *workdir;
	int workdir_noted;
	struct buf epilogue; /* copies into the build directory */
};

/* A path the build leaves, as a word of the test script. The original
 * ran the build in workdir inside its container; ours runs in its build
 * directory, so what it left under workdir is there. */
static char *
output_word(struct ctx *c, struct v2build *b2, const char *path, yaml_node_t *n)
{
	struct buf w = BUF_INIT;
	const char *rest = NULL, *base;
	size_t wl;

	if (b2->workdir != NULL && *b2->workdir != '\0') {
		wl = strlen(b2->workdir);
		while (wl > 1 && b2->workdir[wl - 1] == '/')
			wl--;
		if (strncmp(path, b2->workdir, wl) == 0 && path[wl] == '/')
			rest = path + wl + 1;
	}
	if (rest == NULL && *path != '/')
		rest = path;
	if (rest != NULL) {
		if (path != rest && !b2->workdir_noted) {
			b2->workdir_noted = 1;
			note(c, n, IMPORT_BUILD, 0,
			    "the original ran the build in %s, inside its "
			    "container; here it runs in its build directory, "
			    "so the outputs under %s are taken from there",
			    b2->workdir, b2->workdir);
		}
		buf_adds(&w, "\"$WAYFINDER_BUILD_DIR\"/");
		sh_quote(&w, rest);
		return buf_steal(&w);
	}
	base = strrchr(path, '/') + 1;
	if (*base == '\0')
		base = "output";
	buf_adds(&w, "\"$WAYFINDER_BUILD_DIR\"/");
	sh_quote(&w, base);
	buf_adds(&b2->epilogue, "cp -- ");
	sh_quote(&b2->epilogue, path);
	buf_printf(&b2->epilogue, " %s\n", buf_str(&w));
	note(c, n, IMPORT_BUILD, 0,
	    "output %s is outside the build's directory: the build script "
	    "copies it into its build directory, where the test finds it",
	    path);
	return buf_steal(&w);
}

static int
v2_outputs(struct ctx *c, yaml_node_t *n, struct v2build *b2)
{
	yaml_node_t *f[5], *item, *df[3];
	const char *v, *type;
	char *where, *word;
	size_t i;
	int rc;

	if (n == NULL || ynode_is_null(n))
		return 0;
	if (fields(c, n, "build outputs", IMPORT_BUILD, 0, v2_output_keys, f,
		NULL) != 0)
		return -1;
	if (f[3] != NULL && (v = scalar(c, f[3], "arch")) != NULL && *v)
		b2->arch = xstrdup(v);
	if (f[4] != NULL && (v = scalar(c, f[4], "plat")) != NULL && *v)
		b2->plat = xstrdup(v);
	if (f[0] != NULL && (v = scalar(c, f[0], "kernel")) != NULL && *v)
		b2->kernel = output_word(c, b2, v, f[0]);
	if (f[1] != NULL && (v = scalar(c, f[1], "initrd")) != NULL && *v)
		b2->initrd = output_word(c, b2, v, f[1]);
	if (f[2] == NULL || ynode_is_null(f[2]))
		return 0;
	if (f[2]->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, f[2], "'disks' must be a list, not %s",
		    ynode_kind(f[2]));
		return -1;
	}
	for (i = 0; i < ynode_seq_len(f[2]); i++) {
		item = ynode_seq_item(&c->y, f[2], i);
		where = xasprintf("disk %zu", i + 1);
		rc = fields(c, item, where, IMPORT_BUILD, 0, v2_disk_keys, df,
		    NULL);
		free(where);
		if (rc != 0)
			return -1;
		if (df[2] == NULL || (v = scalar(c, df[2], "path")) == NULL ||
		    *v == '\0') {
			ynode_err(&c->y, item, "disk %zu has no 'path'", i + 1);
			return -1;
		}
		type = "raw";
		if (df[1] != NULL && (type = scalar(c, df[1], "type")) == NULL)
			return -1;
		if (*type == '\0')
			type = "raw";
		if (strcmp(type, "raw") != 0 && strcmp(type, "qcow2") != 0)
			note(c, df[1], IMPORT_BUILD, 0,
			    "disk type '%s' is neither raw nor qcow2; passed "
			    "to QEMU as it is",
			    type);
		word = output_word(c, b2, v, df[2]);
		b2->disks =
		    xreallocarray(b2->disks, b2->ndisks + 1, sizeof *b2->disks);
		b2->disks[b2->ndisks++] =
		    xasprintf("file=%s,format=%s,if=virtio", word, type);
		free(word);
	}
	return 0;
}

static int
v2_build(struct ctx *c, yaml_node_t *n, struct v2build *b2)
{
	yaml_node_t *f[7];
	const char *cmds;
	long long cores = 0;

	if (fields(c, n, "build", IMPORT_BUILD, 0, v2_build_keys, f, NULL) != 0)
		return -1;
	if (f[1] == NULL || ynode_is_null(f[1])) {
		ynode_err(&c->y, n,
		    "the build has no 'commands': the original had "
		    "nothing to run");
		return -1;
	}
	if ((cmds = scalar(c, f[1], "commands")) == NULL)
		return -1;
	if (get_count(c, f[3], "cores", &cores) != 0)
		return -1;
	if (cores > 1024) {
		ynode_err(&c->y, f[3],
		    "the build asks for %lld cores; at most 1024 "
		    "here",
		    cores);
		return -1;
	}
	c->build.cores = (int)cores;
	if (f[2] != NULL && (b2->workdir = scalar(c, f[2], "workdir")) == NULL)
		return -1;
	container_notes(c, IMPORT_BUILD, "the build", f[0], f[4], f[5]);
	if (v2_outputs(c, f[6], b2) != 0)
		return -1;
	if (b2->workdir != NULL && *b2->workdir != '\0' && !b2->workdir_noted)
		note(c, f[2], IMPORT_BUILD, 0,
		    "the original ran the build in %s, inside its container; "
		    "here it runs in its build directory",
		    b2->workdir);
	add_commands(&c->build.body, cmds, b2->epilogue.len > 0);
	if (b2->epilogue.len > 0) {
		buf_adds(&c->build.body,
		    "# What the tests boot, where they find it.\n");
		buf_adds(&c->build.body, buf_str(&b2->epilogue));
	}
	return 0;
}

static const char *const v2_test_keys[] = { "name", "kernel", "benchtool",
	"results", NULL };
static const char *const v2_kernel_keys[] = { "plat", "arch", "memory", "args",
	"cores", NULL };
static const char *const v2_bench_keys[] = { "image", "commands", "cores",
	"start_delay", "boot_delay", "duration", "environment", "devices",
	"capabilities", "monitors", NULL };
static const char *const v2_result_keys[] = { "name", "path", "type", NULL };

static int
is_param(const struct ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nparams; i++)
		if (strcmp(c->params[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * The kernel's command line as the inside of a "..." of sh: ${NAME} and
 * $NAME of parameters and of Wayfinder's variables expand, as the
 * original substituted them; any other $ is kept as it is, and a name
 * that is neither expands to nothing (with a note), so that set -u does
 * not stop the test. Runs of white space (a folded block) become one.
 */
static char *
args_text(struct ctx *c, const char *args, yaml_node_t *n)
{
	struct buf b = BUF_INIT;
	const char *p = args, *s, *e;
	char *name;
	int space = 0, braces;

	while (isspace((unsigned char)*p))
		p++;
	while (*p != '\0') {
		if (isspace((unsigned char)*p)) {
			space = 1;
			p++;
			continue;
		}
		if (space) {
			buf_addc(&b, ' ');
			space = 0;
		}
		if (*p == '"' || *p == '\\' || *p == '`') {
			buf_addc(&b, '\\');
			buf_addc(&b, *p++);
			continue;
		}
		if (*p != '$') {
			buf_addc(&b, *p++);
			continue;
		}
		braces = p[1] == '{';
		s = p + 1 + braces;
		e = s;
		if (isalpha((unsigned char)*e) || *e == '_')
			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
		if (e == s || (braces && *e != '}')) {
			buf_adds(&b, "\\$");
			p++;
			continue;
		}
		name = xstrndup(s, (size_t)(e - s));
		if (is_param(c, name) || strncmp(name, "WAYFINDER_", 10) == 0)
			buf_printf(&b, "${%s}", name);
		else {
			buf_printf(&b, "${%s-}", name);
			note(c, n, IMPORT_TEST, 0,
			    "the kernel's arguments name $%s, which is no "
			    "parameter: it expands to nothing here",
			    name);
		}
		free(name);
		p = e + braces;
	}
	return buf_steal(&b);
}

/* QEMU's -m from the original's memory ("512M", "1GiB"; MiB by
 * default), or NULL. */
static char *
memory_arg(const char *v)
{
	const char *p = v;
	long long x;
	char *end;

	if (!isdigit((unsigned char)*p))
		return NULL;
	x = strtoll(p, &end, 10);
	while (*end == ' ')
		end++;
	if (*end == '\0' || strcmp(end, "M") == 0 || strcmp(end, "MB") == 0 ||
	    strcmp(end, "MiB") == 0 || strcmp(end, "Mb") == 0 ||
	    strcmp(end, "Mib") == 0)
		return xasprintf("%lldM", x);
	if (strcmp(end, "G") == 0 || strcmp(end, "GB") == 0 ||
	    strcmp(end, "GiB") == 0 || strcmp(end, "Gb") == 0 ||
	    strcmp(end, "Gib") == 0)
		return xasprintf("%lldG", x);
	return NULL;
}

static const char *
qemu_for(const char *arch, const char **machine)
{
	*machine = NULL;
	if (arch == NULL || strcmp(arch, "x86_64") == 0 ||
	    strcmp(arch, "amd64") == 0)
		return "qemu-system-x86_64";
	*machine = "virt";
	if (strcmp(arch, "arm64") == 0 || strcmp(arch, "aarch64") == 0)
		return "qemu-system-aarch64";
	if (strcmp(arch, "arm") == 0 || strcmp(arch, "arm32") == 0)
		return "qemu-system-arm";
	if (strcmp(arch, "riscv64") == 0)
		return "qemu-system-riscv64";
	*machine = NULL;
	return NULL;
}

/* The kernel of one test, started in the background as $vm. */
static int
v2_kernel(struct ctx *c, yaml_node_t *n, const char *tname, const char *log,
    const struct v2build *b2, long long *cores, int *launched, struct buf *sh)
{
	yaml_node_t *f[5];
	const char *v, *plat = b2->plat, *arch = b2->arch, *qemu, *machine;
	char *mem = NULL, *args = NULL;
	size_t i;

	*cores = 1;
	*launched = 0;
	if (n == NULL || ynode_is_null(n)) {
		note(c, n, IMPORT_TEST, 0,
		    "test '%s' has no kernel: the original could not run it; "
		    "the script runs the benchtool alone",
		    tname);
		return 0;
	}
	if (fields(c, n, "kernel", IMPORT_TEST, 0, v2_kernel_keys, f, NULL) !=
	    0)
		return -1;
	if (f[0] != NULL && (v = scalar(c, f[0], "plat")) != NULL && *v)
		plat = v;
	if (f[1] != NULL && (v = scalar(c, f[1], "arch")) != NULL && *v)
		arch = v;
	if (get_count(c, f[4], "cores", cores) != 0)
		return -1;
	if (*cores == 0)
		*cores = 1;
	if (f[2] != NULL && (v = scalar(c, f[2], "memory")) != NULL && *v &&
	    (mem = memory_arg(v)) == NULL)
		note(c, f[2], IMPORT_TEST, 0,
		    "memory '%s' of test '%s' is not a size in MiB or GiB: "
		    "the guest gets QEMU's default",
		    v, tname);
	if (f[3] != NULL && (v = scalar(c, f[3], "args")) != NULL)
		args = args_text(c, v, f[3]);
	buf_printf(sh, "KERNEL_ARGS=\"%s\"\n", args != NULL ? args : "");
	free(args);
	if (b2->kernel == NULL) {
		buf_adds(sh,
		    "# The build names no kernel: boot the guest "
		    "here, in the background, as $vm.\n");
		note(c, n, IMPORT_TEST, 0,
		    "the build names no kernel output, so the test script "
		    "cannot boot one: add the command");
		free(mem);
		return 0;
	}
	if (plat != NULL && strcasecmp(plat, "linuxu") == 0) {
		buf_printf(sh, "%s $KERNEL_ARGS </dev/null >%s 2>&1 &\n",
		    b2->kernel, log);
		buf_adds(sh, "vm=$!\n");
		*launched = 1;
		free(mem);
		return 0;
	}
	qemu = qemu_for(arch, &machine);
	if ((plat != NULL && strcasecmp(plat, "kvm") != 0 &&
		strcasecmp(plat, "qemu") != 0) ||
	    qemu == NULL) {
		buf_printf(sh,
		    "# Boot %s (plat %s, arch %s) here, in the background, "
		    "as $vm.\n",
		    b2->kernel, plat != NULL ? plat : "?",
		    arch != NULL ? arch : "?");
		note(c, f[0] != NULL ? f[0] : n, IMPORT_TEST, 0,
		    "test '%s' boots a kernel for plat %s, arch %s, which "
		    "this conversion cannot start: the test script says where",
		    tname, plat != NULL ? plat : "(none)",
		    arch != NULL ? arch : "(none)");
		free(mem);
		return 0;
	}
	buf_printf(sh, "%s%s%s -accel kvm -accel tcg -cpu max \\\n", qemu,
	    machine != NULL ? " -M " : "", machine != NULL ? machine : "");
	buf_adds(sh, "    -nodefaults -display none -no-reboot");
	if (mem != NULL)
		buf_printf(sh, " -m %s", mem);
	buf_printf(sh, " -smp %lld -serial stdio \\\n", *cores);
	buf_printf(sh, "    -kernel %s", b2->kernel);
	if (b2->initrd != NULL)
		buf_printf(sh, " -initrd %s", b2->initrd);
	buf_adds(sh, " -append \"$KERNEL_ARGS\"");
	for (i = 0; i < b2->ndisks; i++)
		buf_printf(sh, " \\\n    -drive %s", b2->disks[i]);
	buf_printf(sh, " \\\n    </dev/null >%s 2>&1 &\nvm=$!\n", log);
	*launched = 1;
	free(mem);
	return 0;
}

/* A metric name of ours made from a result's name. */
static char *
metric_name(const char *s)
{
	char *out, *p;

	if (isalpha((unsigned char)*s) || *s == '_')
		out = xstrdup(s);
	else
		out = xasprintf("r_%s", s);
	for (p = out; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.-:", *p) == NULL)
			*p = '_';
	return out;
}

static int
has_metric(const struct ctx *c, const char *name)
{
	size_t i;

	if (spec_builtin_metric(name))
		return 1;
	for (i = 0; i < c->nmetrics; i++)
		if (strcmp(c->metrics[i].name, name) == 0)
			return 1;
	return 0;
}

/* results: each a file whose first token is the value; the test script
 * appends "name value" to $WAYFINDER_RESULTS for each. */
static int
v2_results(struct ctx *c, yaml_node_t *n, const char *tname, struct buf *sh)
{
	yaml_node_t *item, *f[3];
	const char *name, *path, *type;
	struct jmetric *m;
	char *where, *mname, *alt;
	size_t i;
	int rc, numeric, isbool;

	if (n == NULL || ynode_is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		ynode_err(&c->y, n, "'results' must be a list, not %s",
		    ynode_kind(n));
		return -1;
	}
	for (i = 0; i < ynode_seq_len(n); i++) {
		item = ynode_seq_item(&c->y, n, i);
		where = xasprintf("result %zu of test '%s'", i + 1, tname);
		rc = fields(c, item, where, IMPORT_TEST, 0, v2_result_keys, f,
		    NULL);
		free(where);
		if (rc != 0)
			return -1;
		name = f[0] != NULL ? scalar(c, f[0], "name") : "";
		path = f[1] != NULL ? scalar(c, f[1], "path") : "";
		type = f[2] != NULL ? scalar(c, f[2], "type") : "";
		if (name == NULL || path == NULL || type == NULL)
			return -1;
		if (*name == '\0' || *path == '\0') {
			ynode_err(&c->y, item,
			    "result %zu of test '%s' needs a name and "
			    "a path",
			    i + 1, tname);
			return -1;
		}
		numeric = strcmp(type, "int") == 0 ||
		    strcmp(type, "integer") == 0 || strcmp(type, "float") == 0;
		isbool = strcmp(type, "bool") == 0;
		if (strcmp(type, "str") == 0 || strcmp(type, "string") == 0) {
			note(c, f[2] != NULL ? f[2] : item, IMPORT_TEST, 0,
			    "result '%s' is text (%s): metrics here are "
			    "numbers, so it is not recorded",
			    name, type);
			continue;
		}
		if (!numeric && !isbool) {
			note(c, f[2] != NULL ? f[2] : item, IMPORT_TEST, 0,
			    "result '%s' has %s type%s%s%s: read as a number",
			    name, *type != '\0' ? "the unknown" : "no",
			    *type != '\0' ? " '" : "", type,
			    *type != '\0' ? "'" : "");
			type = "float";
		}
		mname = metric_name(name);
		if (has_metric(c, mname)) {
			where = clean_name(tname, "test");
			alt = xasprintf("%s_%s", where, mname);
			free(where);
			free(mname);
			mname = metric_name(alt);
			free(alt);
		}
		if (has_metric(c, mname)) {
			ynode_err(&c->y, f[0],
			    "result '%s' of test '%s' repeats a name", name,
			    tname);
			free(mname);
			return -1;
		}
		if (strcmp(mname, name) != 0)
			note(c, f[0], IMPORT_TEST, 0,
			    "result '%s' is the metric '%s' here (a metric's "
			    "name is letters, digits and _ . - :, and unique)",
			    name, mname);
		if (isbool)
			note(c, f[2], IMPORT_TEST, 0,
			    "result '%s' is a bool: recorded as 1 (true) or 0 "
			    "(false)",
			    name);
		c->metrics = xreallocarray(c->metrics, c->nmetrics + 1,
		    sizeof *c->metrics);
		m = &c->metrics[c->nmetrics++];
		m->name = mname;
		m->numeric = numeric;
		m->line = (int)item->start_mark.line + 1;
		m->col = (int)item->start_mark.column + 1;
		m->description =
		    xasprintf("%s of test '%s': the first token of "
			      "%s",
			isbool ? "bool" : type, tname, path);
		buf_printf(sh, "wf_result %s ", mname);
		sh_quote(sh, path);
		buf_printf(sh, " %s\n", isbool ? "bool" : "number");
	}
	return 0;
}

/* The benchtool of one test: its environment and commands. */
static int
v2_benchtool(struct ctx *c, yaml_node_t *n, const char *tname, long long *cores,
    long long *delay, long long *duration, struct buf *env, struct buf *cmds)
{
	yaml_node_t *f[10], *k, *v;
	yaml_node_pair_t *pair;
	const char *text, *val;
	char *what, *list;

	*cores = 1;
	*delay = 0;
	*duration = 30;
	if (n == NULL || ynode_is_null(n)) {
		ynode_err(&c->y, n,
		    "test '%s' has no benchtool: the original could "
		    "not run it",
		    tname);
		return -1;
	}
	if (fields(c, n, "benchtool", IMPORT_TEST, 0, v2_bench_keys, f, NULL) !=
	    0)
		return -1;
	if (f[1] == NULL || ynode_is_null(f[1])) {
		ynode_err(&c->y, n,
		    "the benchtool of test '%s' has no 'commands': the "
		    "original could not run it",
		    tname);
		return -1;
	}
	if ((text = scalar(c, f[1], "commands")) == NULL)
		return -1;
	if (get_count(c, f[2], "cores", cores) != 0 ||
	    get_count(c, f[4], "boot_delay", delay) != 0 ||
	    get_count(c, f[3], "start_delay", delay) != 0 ||
	    get_count(c, f[5], "duration", duration) != 0)
		return -1;
	if (*cores == 0)
		*cores = 1;
	if (*duration == 0)
		*duration = 30;
	if (f[3] != NULL && f[4] != NULL)
		note(c, f[4], IMPORT_TEST, 0,
		    "the benchtool of test '%s' has both start_delay and "
		    "boot_delay (two names the original's versions gave the "
		    "same setting): start_delay is used",
		    tname);
	else if (f[3] == NULL && f[4] == NULL)
		note(c, n, IMPORT_TEST, 0,
		    "the benchtool of test '%s' has no start_delay: the "
		    "original waited its own configured delay before starting "
		    "it; here it starts as soon as the guest does",
		    tname);
	what = xasprintf("the benchtool of test '%s'", tname);
	container_notes(c, IMPORT_TEST, what, f[0], f[7], f[8]);
	free(what);
	if (get_list(c, f[9], "monitors", &list) != 0)
		return -1;
	if (list != NULL) {
		note(c, f[9], IMPORT_TEST, 0,
		    "monitors of test '%s' (%s): the original sampled its "
		    "guest through libvirt; the nearest here are the test's "
		    "counters (pmu:) and live samples (sample_interval:), "
		    "which this conversion does not set",
		    tname, list);
		free(list);
	}
	buf_printf(env, "DURATION=%lld\nexport DURATION\n", *duration);
	if (f[6] != NULL && !ynode_is_null(f[6])) {
		if (f[6]->type != YAML_MAPPING_NODE) {
			ynode_err(&c->y, f[6],
			    "'environment' must be a mapping, not %s",
			    ynode_kind(f[6]));
			return -1;
		}
		for (pair = f[6]->data.mapping.pairs.start;
		     pair < f[6]->data.mapping.pairs.top; pair++) {
			k = ynode_at(&c->y, pair->key);
			v = ynode_at(&c->y, pair->value);
			if ((text = scalar(c, k, "environment")) == NULL ||
			    (val = scalar(c, v, "environment")) == NULL)
				return -1;
			if (!spec_valid_name(text)) {
				note(c, k, IMPORT_TEST, 0,
				    "'%s' in the environment of test '%s' is "
				    "not a variable name: left out",
				    text, tname);
				continue;
			}
			buf_printf(env, "%s=", text);
			sh_quote(env, val);
			buf_printf(env, "\nexport %s\n", text);
		}
	}
	add_lines(cmds, scalar(c, f[1], "commands"));
	return 0;
}

/* One test of the second format, appended to the test script. */
static int
v2_entry(struct ctx *c, yaml_node_t *n, size_t idx, size_t count,
    const struct v2build *b2, long long *cores, double *seconds)
{
	yaml_node_t *f[4];
	struct buf env = BUF_INIT, cmds = BUF_INIT, res = BUF_INIT,
		   vm = BUF_INIT;
	struct jstage *st = &c->test;
	const char *v;
	char *tname, *log;
	long long kc, bc, delay, duration;
	int launched = 0, rc = -1;

	if (fields(c, n, "test", IMPORT_TEST, 0, v2_test_keys, f, NULL) != 0)
		return -1;
	if (f[0] != NULL && (v = scalar(c, f[0], "name")) != NULL && *v)
		tname = xstrdup(v);
	else
		tname = xasprintf("%zu", idx + 1);
	log = count > 1 ? xasprintf("vm-%zu.log", idx + 1) : xstrdup("vm.log");
	if (v2_kernel(c, f[1], tname, log, b2, &kc, &launched, &vm) != 0 ||
	    v2_benchtool(c, f[2], tname, &bc, &delay, &duration, &env, &cmds) !=
		0 ||
	    v2_results(c, f[3], tname, &res) != 0)
		goto out;
	/* The original gave the monitor a CPU of its own, and the guest
	 * its own. */
	*cores = f[1] != NULL && !ynode_is_null(f[1]) ? 1 + kc + bc : bc;
	c->any_vm |= launched;
	*seconds = (double)(delay + duration);
	if (st->body.len > 0)
		buf_addc(&st->body, '\n');
	buf_printf(&st->body, "# Test '%s'.", tname);
	if (launched)
		buf_printf(&st->body,
		    " The guest's console goes to %s in the "
		    "work directory.",
		    log);
	buf_addc(&st->body, '\n');
	buf_adds(&st->body, buf_str(&vm));
	if (launched)
		buf_adds(&st->body,
		    "trap 'kill \"$vm\" 2>/dev/null || :' EXIT\n");
	if (delay > 0)
		buf_printf(&st->body,
		    "# The original started the benchtool %lld s after the "
		    "guest.\nsleep %lld\n",
		    delay, delay);
	buf_adds(&st->body,
	    "# The benchtool, with the environment the original gave it.\n");
	buf_adds(&st->body, buf_str(&env));
	add_commands(&st->body, buf_str(&cmds), 1);
	if (launched)
		buf_adds(&st->body,
		    "kill \"$vm\" 2>/dev/null || :\n"
		    "wait \"$vm\" 2>/dev/null || :\n"
		    "trap - EXIT\n");
	if (res.len > 0) {
		buf_adds(&st->body,
		    "# Its results, as the original read "
		    "them.\n");
		buf_adds(&st->body, buf_str(&res));
	}
	rc = 0;
out:
	buf_free(&env);
	buf_free(&cmds);
	buf_free(&res);
	buf_free(&vm);
	free(tname);
	free(log);
	return rc;
}

/* The objective: the original had none. The first int or float result,
 * minimized when its name says smaller is better; else the wall time. */
static void
choose_objective(struct ctx *c, yaml_node_t *tests)
{
	const struct jmetric *m = NULL;
	const char *word;
	char buf[32];
	size_t i;

	for (i = 0; i < c->nmetrics && m == NULL; i++)
		if (c->metrics[i].numeric)
			m = &c->metrics[i];
	if (m == NULL) {
		c->objective = xstrdup(SPEC_METRIC_WALL);
		c->minimize = 1;
		note(c, tests, IMPORT_TEST, 0,
		    "the original had no objective, and this job has no "
		    "numeric result: the objective is %s, the wall time of "
		    "the test script (the original recorded the benchtool's "
		    "run time), minimized",
		    SPEC_METRIC_WALL);
		return;
	}
	c->objective = xstrdup(m->name);
	word = import_minimize_word(m->name, buf, sizeof buf);
	c->minimize = word != NULL;
	if (word != NULL)
		note_at(c, m->line, m->col, IMPORT_TEST, 0,
		    "the original had no objective: it is '%s', the first "
		    "numeric result, minimized because its name says '%s' "
		    "(smaller is better)",
		    m->name, word);
	else if (*buf != '\0')
		note_at(c, m->line, m->col, IMPORT_TEST, 0,
		    "the original had no objective: it is '%s', the first "
		    "numeric result, maximized because its name says '%s' "
		    "(larger is better)",
		    m->name, buf);
	else
		note_at(c, m->line, m->col, IMPORT_TEST, 0,
		    "the original had no objective: it is '%s', the first "
		    "numeric result, maximized (nothing in its name, such as "
		    "time or latency, says smaller is better); change the "
		    "direction if it should be smaller",
		    m->name);
}

static int
parse_v2(struct ctx *c, yaml_node_t *root)
{
	yaml_node_t *f[4], *tests, *first = NULL;
	struct v2build b2;
	const char *v;
	long long cores = 0, maxcores = 0;
	double seconds = 0, total = 0;
	size_t i, n;
	int rc = 0;

	memset(&b2, 0, sizeof b2);
	if (fields(c, root, "the job", IMPORT_TOP, 0, v2_top_keys, f, NULL) !=
	    0)
		return -1;
	if (f[0] != NULL && (v = scalar(c, f[0], "name")) != NULL && *v) {
		c->name = clean_name(v, "imported");
		if (strcmp(c->name, v) != 0)
			note(c, f[0], IMPORT_TOP, 0,
			    "the name '%s' becomes '%s' (a name is letters, "
			    "digits and _ . -)",
			    v, c->name);
	}
	c->build.present = f[2] != NULL && !ynode_is_null(f[2]);
	if ((tests = f[3]) == NULL || ynode_is_null(tests)) {
		ynode_err(&c->y, root,
		    "the job has no 'test': nothing to measure");
		return -1;
	}
	if (parse_params(c, root, f[1]) != 0)
		return -1;
	if (!c->build.present)
		note(c, root, IMPORT_BUILD, 0,
		    "the job has no build: the test boots nothing the build "
		    "made");
	else if (v2_build(c, f[2], &b2) != 0)
		rc = -1;
	if (rc == 0 && tests->type == YAML_SEQUENCE_NODE &&
	    ynode_seq_len(tests) == 0) {
		ynode_err(&c->y, tests, "'test' is empty: nothing to measure");
		rc = -1;
	}
	n = tests->type == YAML_SEQUENCE_NODE ? ynode_seq_len(tests) : 1;
	for (i = 0; rc == 0 && i < n; i++) {
		yaml_node_t *e = tests->type == YAML_SEQUENCE_NODE ?
		    ynode_seq_item(&c->y, tests, i) :
		    tests;

		if (first == NULL)
			first = e;
		rc = v2_entry(c, e, i, n, &b2, &cores, &seconds);
		if (cores > maxcores)
			maxcores = cores;
		total += seconds;
	}
	if (rc == 0) {
		if (n > 1)
			note(c, tests, IMPORT_TEST, 0,
			    "the job has %zu tests: the test script runs them "
			    "one after the other, and each one's results are "
			    "metrics of the trial",
			    n);
		if (c->any_vm)
			note(c, first, IMPORT_TEST, 0,
			    "the original attached each guest to a network "
			    "bridge and "
			    "gave the benchtool its address as "
			    "WAYFINDER_DOMAIN_IP_ADDR; the QEMU command in the "
			    "test "
			    "script has no network: add one (a tap device, or "
			    "user "
			    "networking with forwarded ports) and set that "
			    "address");
		if (maxcores > 1024)
			maxcores = 1024;
		c->test.cores = (int)maxcores;
		if (maxcores > 1)
			note(c, tests, IMPORT_TEST, 0,
			    "the test holds %lld CPUs: the original gave one "
			    "to "
			    "the virtual machine monitor and its own to the "
			    "kernel and to the benchtool",
			    maxcores);
		if (total + 60 > 600) {
			c->test_timeout = 2 * total + 60;
			note(c, tests, IMPORT_TEST, 0,
			    "the start delays and durations add up to %.0f s: "
			    "the test's timeout is %.0f s (10 minutes by "
			    "default)",
			    total, c->test_timeout);
		}
		choose_objective(c, tests);
	}
	for (i = 0; i < b2.ndisks; i++)
		free(b2.disks[i]);
	free(b2.disks);
	free(b2.kernel);
	free(b2.initrd);
	free(b2.arch);
	free(b2.plat);
	buf_free(&b2.epilogue);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Finishing the scripts                                               */

struct refscan {
	struct ctx *c;
	struct jstage *st;
	struct buf defaults; /* : "${X=}" for parameters that may be unset */
	struct buf foreign;  /* the original's own WAYFINDER_ variables */
};

static void
scan_ref(const char *name, void *arg)
{
	struct refscan *r = arg;
	struct ctx *c = r->c;
	enum import_anchor anchor =
	    r->st == &c->build ? IMPORT_BUILD : IMPORT_TEST;
	size_t i;

	for (i = 0; i < c->nparams; i++)
		if (strcmp(c->params[i].name, name) == 0)
			break;
	if (i < c->nparams) {
		if (r->st == &c->build && c->params[i].stage == STAGE_TEST) {
			note(c, NULL, anchor, 0,
			    "the build names test parameter '%s': the original "
			    "gave every parameter to its build, while builds "
			    "here see only build parameters (shared by every "
			    "test value), so it is empty there; make it "
			    "'when: build' if the build needs it",
			    name);
			buf_printf(&r->defaults, ": \"${%s=}\"\n", name);
		} else if (c->params[i].cond != NULL)
			buf_printf(&r->defaults, ": \"${%s=}\"\n", name);
		return;
	}
	if (strncmp(name, "WAYFINDER_", 10) != 0)
		return;
	if (strcmp(name, "WAYFINDER_CORE_ID0") == 0 && c->format == 2 &&
	    r->st == &c->test)
		note(c, NULL, anchor, 0,
		    "the original gave its benchtool WAYFINDER_CORE_ID0 as the "
		    "list of its CPUs, separated by commas; here it is the "
		    "first CPU of the test, and WAYFINDER_CORES lists them "
		    "all, separated by spaces");
	if (is_contract_var(name))
		return;
	buf_printf(&r->foreign, "%s=''\nexport %s\n", name, name);
	note(c, NULL, anchor, 0,
	    "the %s script names %s, which the original set and Wayfinder "
	    "does not: the script sets it empty; give it its value there",
	    r->st->what, name);
}

/* The test script's reader of results files. */
static const char wf_result_fn[] =
    "# wf_result NAME FILE TYPE: appends \"NAME VALUE\" to\n"
    "# $WAYFINDER_RESULTS, VALUE being the first token of FILE, as the\n"
    "# original read its results (a bool as 1 or 0). A missing file is\n"
    "# reported and skipped; the trial fails if it held the objective.\n"
    "wf_result() {\n"
    "\tif [ ! -r \"$2\" ]; then\n"
    "\t\techo \"wf_result: no result $1: cannot read $2\" >&2\n"
    "\t\treturn 0\n"
    "\tfi\n"
    "\tv=$(awk '{ if (NF > 0) { print $1; exit } }' \"$2\")\n"
    "\tif [ -z \"$v\" ]; then\n"
    "\t\techo \"wf_result: no result $1: $2 is empty\" >&2\n"
    "\t\treturn 0\n"
    "\tfi\n"
    "\tif [ \"$3\" = bool ]; then\n"
    "\t\tcase $v in\n"
    "\t\t[Tt]rue | TRUE | 1) v=1 ;;\n"
    "\t\t[Ff]alse | FALSE | 0) v=0 ;;\n"
    "\t\t*)\n"
    "\t\t\techo \"wf_result: $1: '$v' in $2 is not a bool\" >&2\n"
    "\t\t\treturn 0\n"
    "\t\t\t;;\n"
    "\t\tesac\n"
    "\tfi\n"
    "\tprintf '%s %s\\n' \"$1\" \"$v\" >>\"$WAYFINDER_RESULTS\"\n"
    "}\n";

/* The whole script of a stage. */
static char *
finish_script(struct ctx *c, struct jstage *st, const char *jobbase)
{
	struct buf b = BUF_INIT, intro = BUF_INIT;
	struct refscan r;

	memset(&r, 0, sizeof r);
	r.c = c;
	r.st = st;
	shell_refs(buf_str(&st->body), scan_ref, &r);
	buf_adds(&b, "#!/bin/sh\n");
	if (st == &c->build)
		buf_printf(&intro,
		    "The build of %s, converted by wayfinder import from %s "
		    "(a job of the original Wayfinder). It runs on this host "
		    "in the build directory, which its tests see as "
		    "$WAYFINDER_BUILD_DIR, with every build parameter in its "
		    "environment.",
		    c->name, jobbase);
	else
		buf_printf(&intro,
		    "The test of %s, converted by wayfinder import from %s "
		    "(a job of the original Wayfinder). It runs on this host "
		    "in a work directory of its own, with every parameter in "
		    "its environment, and appends its metrics to "
		    "$WAYFINDER_RESULTS.",
		    c->name, jobbase);
	comment(&b, 0, buf_str(&intro));
	buf_free(&intro);
	buf_adds(&b, "set -eu\n");
	if (r.defaults.len > 0) {
		buf_adds(&b,
		    "\n# Parameters that may be unset here: the original gave "
		    "an inactive\n# parameter (and a test parameter to the "
		    "build) as an empty value.\n");
		buf_adds(&b, buf_str(&r.defaults));
	}
	if (r.foreign.len > 0) {
		buf_adds(&b,
		    "\n# Set by the original, not by Wayfinder: give "
		    "them their values.\n");
		buf_adds(&b, buf_str(&r.foreign));
	}
	if (st == &c->test && c->nmetrics > 0) {
		buf_addc(&b, '\n');
		buf_adds(&b, wf_result_fn);
	}
	buf_addc(&b, '\n');
	buf_adds(&b, buf_str(&st->body));
	buf_free(&r.defaults);
	buf_free(&r.foreign);
	return buf_steal(&b);
}

/* ------------------------------------------------------------------ */
/* Objective direction                                                 */

/* The first word of name (words end at a non-letter and at a change from
 * lower to upper case) that is in list, copied into word; or NULL. */
static const char *
name_words(const char *name, const char *const *list, char *word, size_t len)
{
	const char *p = name, *s;
	size_t n, i;

	while (*p != '\0') {
		while (*p != '\0' && !isalpha((unsigned char)*p))
			p++;
		s = p;
		while (isalpha((unsigned char)*p) &&
		    !(p > s && isupper((unsigned char)*p) &&
			islower((unsigned char)p[-1])))
			p++;
		n = (size_t)(p - s);
		if (n == 0)
			continue;
		for (i = 0; list[i] != NULL; i++) {
			if (strlen(list[i]) == n &&
			    strncasecmp(s, list[i], n) == 0) {
				snprintf(word, len, "%s", list[i]);
				return word;
			}
		}
	}
	return NULL;
}

const char *
import_minimize_word(const char *name, char *word, size_t len)
{
	/* Words that say larger is better win: "requests_per_sec" is a
	 * rate, not a time. */
	static const char *const larger[] = { "throughput", "per", "rate",
		"ops", "qps", "rps", "tps", "iops", "bandwidth", "bw", "speed",
		"score", "hits", "mbps", "gbps", "kbps", "bps", "reqs",
		"requests", "transactions", "ips", "flops", "mflops", "gflops",
		NULL };
	static const char *const smaller[] = { "time", "times", "latency",
		"lat", "duration", "delay", "elapsed", "wall", "runtime", "ms",
		"us", "ns", "sec", "secs", "seconds", "rtt", "p50", "p90",
		"p95", "p99", "p999", "tail", "size", "bytes", "kb", "mb",
		"memory", "mem", "rss", "footprint", "boot", "startup",
		"overhead", "cycles", "misses", "errors", "failures", "loss",
		"jitter", NULL };

	if (len > 0)
		*word = '\0';
	if (name_words(name, larger, word, len) != NULL)
		return NULL;
	return name_words(name, smaller, word, len);
}

/* ------------------------------------------------------------------ */
/* The spec                                                            */

static int
note_cmp(const void *a, const void *b)
{
	const struct import_note *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

/* Sorts the notes by position, keeping the order of equal ones. */
static void
sort_notes(struct import_result *r)
{
	struct import_note *tmp;
	size_t i, j, k;

	/* Insertion sort: stable, and notes are few. */
	tmp = xmalloc(sizeof *tmp);
	for (i = 1; i < r->nnotes; i++) {
		*tmp = r->notes[i];
		for (j = i; j > 0 && note_cmp(&r->notes[j - 1], tmp) > 0; j--)
			;
		for (k = i; k > j; k--)
			r->notes[k] = r->notes[k - 1];
		r->notes[j] = *tmp;
	}
	free(tmp);
}

static void
emit_notes(struct buf *b, const struct ctx *c, enum import_anchor anchor,
    size_t param, int indent)
{
	const struct import_note *n;
	char *text;
	size_t i;

	for (i = 0; i < c->res->nnotes; i++) {
		n = &c->res->notes[i];
		if (n->anchor != anchor ||
		    (anchor == IMPORT_PARAM && n->param != param))
			continue;
		if (n->line > 0)
			text = xasprintf("Job line %d: %s", n->line, n->msg);
		else
			text = xasprintf("%c%s",
			    toupper((unsigned char)n->msg[0]), n->msg + 1);
		comment(b, indent, text);
		free(text);
	}
}

static void
emit_values(struct buf *b, const struct jparam *p)
{
	struct buf item = BUF_INIT;
	size_t i, col;

	if (p->is_range) {
		buf_printf(b, "    min: %lld\n    max: %lld\n", p->min, p->max);
		if (p->step != 1 || p->power)
			buf_printf(b, "    step: %lld\n", p->step);
		if (p->power)
			buf_adds(b, "    step_mode: power\n");
		return;
	}
	buf_adds(b, "    values: [");
	col = 13;
	for (i = 0; i < p->nvalues; i++) {
		buf_reset(&item);
		if (p->is_str)
			yaml_str(&item, p->values[i]);
		else
			buf_adds(&item, p->values[i]);
		if (i > 0 && col + 2 + item.len > 76) {
			buf_adds(b, ",\n      ");
			col = 6;
		} else if (i > 0) {
			buf_adds(b, ", ");
			col += 2;
		}
		buf_adds(b, buf_str(&item));
		col += item.len;
	}
	buf_adds(b, "]\n");
	buf_free(&item);
}

/* The spec's text; for_check names no script files (they are not
 * written yet) so that our loader can check the rest. */
static char *
emit_spec(struct ctx *c, const char *jobbase, int for_check)
{
	struct buf b = BUF_INIT, t = BUF_INIT;
	const struct jparam *p;
	const char *fmt = c->format == 1 ?
	    "first format (params, inputs, outputs, runs)" :
	    "second format (name, params, build, test)";
	size_t i;

	buf_printf(&t,
	    "%s: converted by wayfinder import from %s, a job of the "
	    "original Wayfinder in its %s. Each note of the conversion is "
	    "a comment beside what it concerns, with the job's line.",
	    c->name, jobbase, fmt);
	comment(&b, 0, buf_str(&t));
	buf_reset(&t);
	emit_notes(&b, c, IMPORT_TOP, 0, 0);
	buf_printf(&b, "name: %s\ndescription: ", c->name);
	buf_printf(&t, "Imported from %s, a job of the original Wayfinder",
	    jobbase);
	yaml_dq(&b, buf_str(&t));
	buf_free(&t);
	buf_adds(&b, "\n\nparams:\n");
	for (i = 0; i < c->nparams; i++) {
		p = &c->params[i];
		if (i > 0)
			buf_addc(&b, '\n');
		emit_notes(&b, c, IMPORT_PARAM, i, 2);
		buf_printf(&b, "  - name: %s\n    type: %s\n", p->name,
		    p->is_str ? "str" : "int");
		emit_values(&b, p);
		if (p->def != NULL) {
			buf_adds(&b, "    default: ");
			if (p->is_str)
				yaml_str(&b, p->def);
			else
				buf_adds(&b, p->def);
			buf_addc(&b, '\n');
		}
		if (c->build.present)
			buf_printf(&b, "    when: %s\n",
			    p->stage == STAGE_BUILD ? "build" : "test");
		if (p->cond != NULL) {
			buf_adds(&b, "    if: ");
			yaml_dq(&b, p->cond);
			buf_addc(&b, '\n');
		}
		if (p->description != NULL) {
			buf_adds(&b, "    description: ");
			yaml_dq(&b, p->description);
			buf_addc(&b, '\n');
		}
	}
	if (c->build.present) {
		buf_adds(&b, "\nbuild:\n");
		emit_notes(&b, c, IMPORT_BUILD, 0, 2);
		if (for_check)
			buf_adds(&b, "  run: \"true\"\n");
		else
			buf_printf(&b, "  script: %s.build.sh\n", c->o->stem);
		if (c->build.cores > 1)
			buf_printf(&b, "  cores: %d\n", c->build.cores);
	} else {
		for (i = 0; i < c->res->nnotes; i++)
			if (c->res->notes[i].anchor == IMPORT_BUILD)
				break;
		if (i < c->res->nnotes) {
			buf_addc(&b, '\n');
			emit_notes(&b, c, IMPORT_BUILD, 0, 0);
		}
	}
	buf_adds(&b, "\ntest:\n");
	emit_notes(&b, c, IMPORT_TEST, 0, 2);
	if (for_check)
		buf_adds(&b, "  run: \"true\"\n");
	else
		buf_printf(&b, "  script: %s.test.sh\n", c->o->stem);
	if (c->test.cores > 1)
		buf_printf(&b, "  cores: %d\n", c->test.cores);
	if (c->test_timeout > 0)
		buf_printf(&b, "  timeout: %.0fs\n", c->test_timeout);
	if (c->nmetrics > 0) {
		buf_adds(&b, "  metrics:\n");
		for (i = 0; i < c->nmetrics; i++) {
			buf_printf(&b, "    - name: %s\n", c->metrics[i].name);
			if (strcmp(c->metrics[i].name, c->objective) != 0)
				buf_adds(&b,
				    "      optional: true   # the "
				    "original only logged a missing "
				    "result\n");
			buf_adds(&b, "      description: ");
			yaml_dq(&b, c->metrics[i].description);
			buf_addc(&b, '\n');
		}
	}
	buf_printf(&b, "  objective: {metric: %s, direction: %s}\n",
	    c->objective, c->minimize ? "minimize" : "maximize");
	buf_adds(&b, "\nsearch:\n");
	emit_notes(&b, c, IMPORT_SEARCH, 0, 2);
	buf_adds(&b, "  strategy: grid\n");
	if (c->ninputs > 0) {
		buf_adds(&b, "\ninputs:\n");
		emit_notes(&b, c, IMPORT_INPUTS, 0, 2);
		for (i = 0; i < c->ninputs; i++) {
			buf_adds(&b, "  - ");
			yaml_str(&b, c->inputs[i]);
			buf_addc(&b, '\n');
		}
	} else {
		for (i = 0; i < c->res->nnotes; i++)
			if (c->res->notes[i].anchor == IMPORT_INPUTS)
				break;
		if (i < c->res->nnotes) {
			buf_adds(&b, "\n# Inputs and outputs of the job:\n");
			emit_notes(&b, c, IMPORT_INPUTS, 0, 0);
		}
	}
	return buf_steal(&b);
}

/* Loads the spec with our own loader: a conversion never hands back a
 * spec that does not load. Adds a note on the size of the space. */
static int
check_spec(struct ctx *c, const char *jobbase)
{
	struct diags dd = { NULL, 0, 0 };
	struct space_count size;
	struct space *sp;
	struct spec *s;
	char *text, *path, *count;
	size_t i;

	text = emit_spec(c, jobbase, 1);
	path = xasprintf("%s/%s.yaml",
	    c->o->spec_dir != NULL ? c->o->spec_dir : c->jobdir, c->o->stem);
	s = spec_parse(path, text, strlen(text), &dd);
	free(text);
	free(path);
	if (s == NULL) {
		diag_add(c->y.d, DIAG_ERROR, c->y.file, 0, 0,
		    "the converted spec does not load (a fault of wayfinder "
		    "import; please report it with the job):");
		for (i = 0; i < dd.n; i++)
			diag_add(c->y.d, dd.v[i].level, dd.v[i].file,
			    dd.v[i].line, dd.v[i].col, "%s", dd.v[i].msg);
		diag_free(&dd);
		return -1;
	}
	diag_free(&dd);
	sp = space_new(s);
	space_size(sp, &size);
	count = space_count_text(&size);
	if (!size.exact || !size.fits || size.n > 10000)
		note(c, NULL, IMPORT_SEARCH, 0,
		    "the original swept every permutation, in order, as "
		    "strategy grid does; this space has %s%s configurations, "
		    "too many to sweep whole: give search.budget (or run "
		    "--budget), and perhaps a strategy that learns "
		    "(wayfinder(1))",
		    size.exact ? "" : "up to ", count);
	else
		note(c, NULL, IMPORT_SEARCH, 0,
		    "the original swept every permutation, in order, as "
		    "strategy grid does (%s configurations)",
		    count);
	free(count);
	space_free(sp);
	spec_free(s);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Entry                                                               */

/* The format, told from the root's keys: 1, 2, or -1 after an error. */
static int
detect_format(struct ctx *c, yaml_node_t *root)
{
	static const char *const v1_only[] = { "runs", "inputs", "outputs",
		NULL };
	static const char *const v2_only[] = { "build", "test", "name", NULL };
	const char *k1 = NULL, *k2 = NULL, *name;
	yaml_node_pair_t *pair;
	yaml_node_t *k;
	size_t i;

	/* The first key of each list that the job has, in the lists'
	 * order: the most telling first. */
	for (pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		k = ynode_at(&c->y, pair->key);
		if (k->type != YAML_SCALAR_NODE)
			continue;
		name = (const char *)k->data.scalar.value;
		for (i = 0; v1_only[i] != NULL; i++)
			if (strcmp(name, v1_only[i]) == 0 &&
			    (k1 == NULL || ynode_key(v1_only, k1) > i))
				k1 = v1_only[i];
		for (i = 0; v2_only[i] != NULL; i++)
			if (strcmp(name, v2_only[i]) == 0 &&
			    (k2 == NULL || ynode_key(v2_only, k2) > i))
				k2 = v2_only[i];
	}
	if (k1 != NULL && k2 != NULL) {
		ynode_err(&c->y, root,
		    "the job mixes the original's first format (its key "
		    "'%s') and its second (its key '%s')",
		    k1, k2);
		return -1;
	}
	if (k1 == NULL && k2 == NULL) {
		ynode_err(&c->y, root,
		    "this is no job of the original Wayfinder: it has "
		    "neither 'runs' (the first format) nor 'build' and "
		    "'test' (the second)");
		return -1;
	}
	if (k1 != NULL)
		note(c, NULL, IMPORT_TOP, 0,
		    "the job is in the original's first format (params, "
		    "inputs, outputs, runs), told by its key '%s'",
		    k1);
	else
		note(c, NULL, IMPORT_TOP, 0,
		    "the job is in the original's second format (name, "
		    "params, build, test), told by its key '%s'",
		    k2);
	return k1 != NULL ? 1 : 2;
}

static void
ctx_free(struct ctx *c)
{
	size_t i, j;

	for (i = 0; i < c->nparams; i++) {
		struct jparam *p = &c->params[i];

		free(p->name);
		for (j = 0; j < p->nvalues; j++)
			free(p->values[j]);
		free(p->values);
		free(p->def);
		free(p->cond_src);
		free(p->cond);
		free(p->refs);
		free(p->description);
	}
	free(c->params);
	for (i = 0; i < c->nmetrics; i++) {
		free(c->metrics[i].name);
		free(c->metrics[i].description);
	}
	free(c->metrics);
	for (i = 0; i < c->ninputs; i++)
		free(c->inputs[i]);
	free(c->inputs);
	buf_free(&c->build.body);
	buf_free(&c->test.body);
	free(c->objective);
	free(c->name);
	free(c->jobdir);
}

static void
add_file(struct import_result *r, const char *name, char *text)
{
	r->files = xreallocarray(r->files, r->nfiles + 1, sizeof *r->files);
	r->files[r->nfiles].name = xstrdup(name);
	r->files[r->nfiles].text = text;
	r->nfiles++;
}

/* After the job is read: scripts, the spec, and its check. */
static int
finish(struct ctx *c, const char *jobbase)
{
	char *name;

	if (!c->o->write_scripts && c->build.present)
		note(c, NULL, IMPORT_TOP, 0,
		    "the spec names the scripts %s.build.sh and %s.test.sh, "
		    "which are not written when the spec is printed: "
		    "wayfinder import -o %s.yaml writes the spec and its "
		    "scripts together",
		    c->o->stem, c->o->stem, c->o->stem);
	else if (!c->o->write_scripts)
		note(c, NULL, IMPORT_TOP, 0,
		    "the spec names the script %s.test.sh, which is not "
		    "written when the spec is printed: wayfinder import -o "
		    "%s.yaml writes the spec and its script together",
		    c->o->stem, c->o->stem);
	if (c->build.present) {
		name = xasprintf("%s.build.sh", c->o->stem);
		add_file(c->res, name, finish_script(c, &c->build, jobbase));
		free(name);
	}
	name = xasprintf("%s.test.sh", c->o->stem);
	add_file(c->res, name, finish_script(c, &c->test, jobbase));
	free(name);
	if (c->build.present && c->build.cores == 0)
		c->build.cores = 1;
	note(c, NULL, IMPORT_TEST, 0,
	    "the original measured each configuration once; the test here "
	    "runs 3 times (repeat: 3, our default), and the median is the "
	    "trial's value");
	if (check_spec(c, jobbase) != 0)
		return -1;
	sort_notes(c->res);
	c->res->spec = emit_spec(c, jobbase, 0);
	return 0;
}

int
import_convert(const char *path, const char *text, size_t len,
    const struct import_opts *o, struct import_result *res, struct diags *d)
{
	struct ctx c;
	yaml_parser_t parser;
	yaml_node_t *root;
	const char *jobbase;
	char *stem, *dot;
	size_t before = d->nerrors;
	int rc = -1;

	memset(res, 0, sizeof *res);
	memset(&c, 0, sizeof c);
	c.y.file = path;
	c.text = text;
	c.y.d = d;
	c.o = o;
	c.res = res;
	c.jobdir = files_abs_dir(path);
	c.build.what = "build";
	c.test.what = "test";
	jobbase = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if (memchr(text, '\0', len) != NULL) {
		diag_add(d, DIAG_ERROR, path, 0, 0,
		    "binary data (a NUL byte) in a YAML file");
		ctx_free(&c);
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &c.y.doc)) {
		ynode_syntax_error(&c.y, &parser);
		yaml_parser_delete(&parser);
		ctx_free(&c);
		return -1;
	}
	root = yaml_document_get_root_node(&c.y.doc);
	if (root == NULL || ynode_is_null(root))
		diag_add(d, DIAG_ERROR, path, 0, 0, "the job is empty");
	else if (root->type != YAML_MAPPING_NODE)
		ynode_err(&c.y, root,
		    "a job is a mapping of keys to values, not %s",
		    ynode_kind(root));
	else if ((c.format = detect_format(&c, root)) > 0) {
		res->format = c.format;
		rc = c.format == 1 ? parse_v1(&c, root) : parse_v2(&c, root);
		if (c.name == NULL) {
			stem = xstrdup(jobbase);
			if ((dot = strrchr(stem, '.')) != NULL && dot != stem)
				*dot = '\0';
			c.name = clean_name(stem, "imported");
			free(stem);
		}
		if (rc == 0 && d->nerrors == before)
			rc = finish(&c, jobbase);
	}
	yaml_document_delete(&c.y.doc);
	/* One job, one document, as the original read it. */
	if (d->nerrors == before)
		ynode_one_document(&c.y, &parser, "job");
	yaml_parser_delete(&parser);
	ctx_free(&c);
	diag_sort(d);
	if (rc != 0 || d->nerrors > before) {
		import_result_free(res);
		return -1;
	}
	return 0;
}

void
import_result_free(struct import_result *r)
{
	size_t i;

	free(r->spec);
	for (i = 0; i < r->nfiles; i++) {
		free(r->files[i].name);
		free(r->files[i].text);
	}
	free(r->files);
	for (i = 0; i < r->nnotes; i++)
		free(r->notes[i].msg);
	free(r->notes);
	memset(r, 0, sizeof *r);
}
