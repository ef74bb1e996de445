/*
 * The space editor: open a spec file or start one; list, add, edit and
 * delete parameters (type, values or range and step, stage, condition,
 * default); choose the strategy and its settings (from the strategy's
 * own table), the budget, repeats, isolation and executor; save as YAML
 * (src/specwrite.c) and launch in the daemon.
 *
 * Validation is as you type: every change, every keystroke in a field,
 * writes the whole spec and parses it with spec_parse(), the loader
 * that wayfinder validate and run use, so what the editor accepts they
 * accept. The first error is shown with its position, and the field it
 * falls in is marked; the size of the space follows each change.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/diag.h"
#include "../src/space.h"
#include "../src/spec.h"
#include "../src/specwrite.h"
#include "../src/xmalloc.h"
#include "../strategies/strategy.h"
#include "ui.h"

/* What a new spec starts from: one parameter and a test to measure. */
static const char new_spec[] =
    "name: experiment\n"
    "params:\n"
    "  - name: THREADS\n"
    "    type: int\n"
    "    values: [1, 2, 4]\n"
    "test:\n"
    "  run: sh -c 'echo threads $THREADS'\n"
    "  objective: {metric: wall_ms, direction: minimize}\n";

static const char *const type_names[] = { "int", "float", "bool", "tristate",
	"str", NULL };
static const char *const when_names[] = { "", "build", "test", NULL };
static const char *const mode_names[] = { "", "increment", "power", NULL };

/* The rows of the main form and of a parameter's form. */
enum rkind {
	R_NAME,
	R_TEST,
	R_BUILD,
	R_METRIC,
	R_DIRECTION,
	R_REPEAT,
	R_WARMUP,
	R_ISOLATION,
	R_STRATEGY,
	R_BUDGET,
	R_SEED,
	R_EXECUTOR,
	R_OPTION, /* index: the strategy's opts[] */
	R_PARAM,  /* index: params[] */
	R_ADD,
	R_FIELD /* in a parameter's form; index: enum specwrite_field */
};

struct erow {
	enum rkind kind;
	size_t index;
};

static struct spec *base; /* all but the parameters */
static struct specwrite_param *params;
static size_t nparams;
static char *path; /* NULL: not saved yet */
static int modified;
static int opened; /* editor_open() was called */

/* The last validation. */
static char *text;
static struct diags diags;
static int valid;
static char size_text[160];
static char local_error[256]; /* a field's own check (a number) */

/* Navigation and editing. */
static struct w_list list;
static long form = -1; /* the parameter whose form is open, or -1 */
static size_t form_sel;
static struct ui_input *edit;
static char *edit_old;
static struct erow edit_row;
static int view_yaml;
static size_t yaml_top;

static struct erow *rows;
static size_t nrows;

/* ---- the model ---- */

static const struct strategy_ops *
ops(void)
{
	return strategy_find(
	    base->strategy != NULL ? base->strategy : "random");
}

static void
stage_defaults(struct stagespec *st, enum stage stage)
{
	if (st->present)
		return;
	st->present = 1;
	st->cores = 1;
	st->timeout = stage == STAGE_BUILD ? 3600 : 600;
	st->repeat = 3;
	st->sample_interval = 0.5;
	st->aslr = -1;
}

static const char *
validate_path(void)
{
	static char p[PATH_MAX + 256];
	char cwd[PATH_MAX];

	if (path != NULL)
		return path;
	if (getcwd(cwd, sizeof cwd) == NULL)
		snprintf(cwd, sizeof cwd, ".");
	snprintf(p, sizeof p, "%s/%.200s.yaml", cwd,
	    base->name != NULL && base->name[0] ? base->name : "experiment");
	return p;
}

static void
validate(void)
{
	struct spec *s;
	struct space *sp;
	struct space_count c, b;
	char *n, *nb;

	free(text);
	diag_free(&diags);
	text = specwrite_drafts(base, params, nparams);
	s = spec_parse(validate_path(), text, strlen(text), &diags);
	diag_sort(&diags);
	valid = s != NULL;
	if (s == NULL) {
		snprintf(size_text, sizeof size_text, "space: ? (%zu error%s)",
		    diags.nerrors, diags.nerrors == 1 ? "" : "s");
		return;
	}
	sp = space_new(s);
	space_size(sp, &c);
	space_builds(sp, &b);
	n = space_count_text(&c);
	nb = space_count_text(&b);
	snprintf(size_text, sizeof size_text,
	    "space: %s configuration%s, %s build%s; %zu parameter%s", n,
	    c.fits && c.n == 1 ? "" : "s", nb, b.fits && b.n == 1 ? "" : "s",
	    s->nparams, s->nparams == 1 ? "" : "s");
	free(n);
	free(nb);
	space_free(sp);
	spec_free(s);
}

static const struct diag *
first_error(void)
{
	size_t i;

	for (i = 0; i < diags.n; i++)
		if (diags.v[i].level == DIAG_ERROR)
			return &diags.v[i];
	return NULL;
}

static void
clear_model(void)
{
	size_t i;

	for (i = 0; i < nparams; i++)
		specwrite_param_clear(&params[i]);
	free(params);
	params = NULL;
	nparams = 0;
	spec_free(base);
	base = NULL;
	free(path);
	path = NULL;
}

/* Takes a loaded spec as the model. */
static void
adopt(struct spec *s, const char *file)
{
	size_t i;
	int build = s->build.script_rel != NULL || s->build.run != NULL;

	clear_model();
	base = s;
	params = xcalloc(s->nparams + 1, sizeof *params);
	nparams = s->nparams;
	for (i = 0; i < s->nparams; i++) {
		specwrite_param_from(&s->params[i], &params[i]);
		if (!build) {
			free(params[i].f[SW_WHEN]);
			params[i].f[SW_WHEN] = NULL;
		}
	}
	path = file != NULL ? xstrdup(file) : NULL;
	modified = 0;
	form = -1;
	list.sel = list.top = 0;
	local_error[0] = '\0';
	validate();
}

static int
load_new(void)
{
	struct diags d = { NULL, 0, 0 };
	struct spec *s;
	char cwd[PATH_MAX], p[PATH_MAX + 32];

	if (getcwd(cwd, sizeof cwd) == NULL)
		snprintf(cwd, sizeof cwd, "/tmp");
	snprintf(p, sizeof p, "%s/experiment.yaml", cwd);
	s = spec_parse(p, new_spec, strlen(new_spec), &d);
	diag_free(&d);
	if (s == NULL)
		return -1;
	adopt(s, NULL);
	return 0;
}

static int
load_file(struct ui *ui, const char *file)
{
	struct diags d = { NULL, 0, 0 };
	struct spec *s;
	char abs[PATH_MAX], *msg;

	if (realpath(file, abs) == NULL) {
		ui_error(ui, "%s: %s", file, strerror(errno));
		return -1;
	}
	if ((s = spec_load(abs, &d)) == NULL) {
		diag_sort(&d);
		msg = d.n > 0 ? diag_format(&d.v[0]) : xstrdup(abs);
		ui_error(ui, "%s (%zu error%s; fix it in a text editor first)",
		    msg, d.nerrors, d.nerrors == 1 ? "" : "s");
		free(msg);
		diag_free(&d);
		return -1;
	}
	diag_free(&d);
	adopt(s, abs);
	ui_say(ui, "opened %s", abs);
	return 0;
}

static char *pending; /* to open once the changes are discarded; "": new */

static void
open_now(struct ui *ui, const char *file)
{
	opened = 1;
	if (edit != NULL) {
		w_input_free(edit);
		edit = NULL;
	}
	if (file == NULL || load_file(ui, file) != 0)
		if (file == NULL || base == NULL)
			load_new();
}

static void
discard_done(struct ui *ui, const char *yes)
{
	char *file = pending;

	pending = NULL;
	if (yes != NULL)
		open_now(ui, file != NULL && *file != '\0' ? file : NULL);
	else
		ui_say(ui, "changes kept (w saves them)");
	free(file);
	ui->dirty |= DIRTY_BODY;
}

void
editor_open(struct ui *ui, const char *file)
{
	if (modified && base != NULL) {
		free(pending);
		pending = xstrdup(file != NULL ? file : "");
		ui_confirm(ui, "Discard the changes in the editor? (y/n)", 0,
		    discard_done);
		return;
	}
	open_now(ui, file);
}

int
editor_modified(void)
{
	return modified && base != NULL;
}

/* ---- rows ---- */

static void
add_row(enum rkind k, size_t index)
{
	rows = xreallocarray(rows, nrows + 1, sizeof *rows);
	rows[nrows].kind = k;
	rows[nrows].index = index;
	nrows++;
}

static void
build_rows(void)
{
	const struct strategy_ops *o = ops();
	size_t i;

	nrows = 0;
	if (form >= 0) {
		for (i = 0; i < SW_NFIELDS; i++)
			add_row(R_FIELD, i);
		return;
	}
	for (i = R_NAME; i <= R_EXECUTOR; i++)
		add_row((enum rkind)i, 0);
	for (i = 0; o != NULL && o->opts != NULL && o->opts[i].name != NULL;
	     i++)
		add_row(R_OPTION, i);
	for (i = 0; i < nparams; i++)
		add_row(R_PARAM, i);
	add_row(R_ADD, 0);
}

static const struct spec_option *
option_get(const char *name)
{
	size_t i;

	for (i = 0; i < base->noptions; i++)
		if (strcmp(base->options[i].name, name) == 0)
			return &base->options[i];
	return NULL;
}

static int
is_choice(const struct erow *r)
{
	switch (r->kind) {
	case R_DIRECTION:
	case R_ISOLATION:
	case R_STRATEGY:
	case R_EXECUTOR:
		return 1;
	case R_OPTION:
		return ops()->opts[r->index].type == SOPT_BOOL;
	case R_FIELD:
		return r->index == SW_TYPE || r->index == SW_WHEN ||
		    r->index == SW_STEP_MODE;
	default:
		return 0;
	}
}

static const char *
label(const struct erow *r)
{
	static const char *const fixed[] = { "name", "test", "build",
		"objective", "direction", "repeat", "warm-up", "isolation",
		"strategy", "budget", "seed", "executor" };
	static char buf[64];

	switch (r->kind) {
	case R_TEST:
		return base->test.script_rel != NULL ? "test script" :
						       "test run";
	case R_BUILD:
		return base->build.script_rel != NULL ? "build script" :
							"build run";
	case R_OPTION:
		snprintf(buf, sizeof buf, "  %s", ops()->opts[r->index].name);
		return buf;
	case R_PARAM:
		snprintf(buf, sizeof buf, "param %zu", r->index + 1);
		return buf;
	case R_ADD:
		return "";
	case R_FIELD:
		return specwrite_field_key((enum specwrite_field)r->index);
	default:
		return r->kind <= R_EXECUTOR ? fixed[r->kind] : "?";
	}
}

/* The summary of a parameter on one line. */
static char *
param_summary(const struct specwrite_param *p)
{
	const char *const *f = (const char *const *)p->f;
	char dom[256];

	if (f[SW_VALUES] != NULL && f[SW_VALUES][0])
		snprintf(dom, sizeof dom, "[%s]", f[SW_VALUES]);
	else if ((f[SW_MIN] != NULL && f[SW_MIN][0]) ||
	    (f[SW_MAX] != NULL && f[SW_MAX][0]))
		snprintf(dom, sizeof dom, "%s..%s%s%s%s",
		    f[SW_MIN] ? f[SW_MIN] : "?", f[SW_MAX] ? f[SW_MAX] : "?",
		    f[SW_STEP] && f[SW_STEP][0] ? " step " : "",
		    f[SW_STEP] ? f[SW_STEP] : "",
		    f[SW_STEP_MODE] && strcmp(f[SW_STEP_MODE], "power") == 0 ?
			" (x)" :
			"");
	else
		snprintf(dom, sizeof dom, "%s", "(its type's values)");
	return xasprintf("%-16s %-8s %s%s%s%s%s%s%s",
	    f[SW_NAME] ? f[SW_NAME] : "?", f[SW_TYPE] ? f[SW_TYPE] : "?", dom,
	    f[SW_DEFAULT] && f[SW_DEFAULT][0] ? " default " : "",
	    f[SW_DEFAULT] ? f[SW_DEFAULT] : "",
	    f[SW_WHEN] && f[SW_WHEN][0] ? " " : "",
	    f[SW_WHEN] ? f[SW_WHEN] : "", f[SW_IF] && f[SW_IF][0] ? " if " : "",
	    f[SW_IF] ? f[SW_IF] : "");
}

/* The value a row shows and edits (allocated). */
static char *
value(const struct erow *r)
{
	const struct spec_option *o;
	char *v;

	switch (r->kind) {
	case R_NAME:
		return xstrdup(base->name != NULL ? base->name : "");
	case R_TEST:
		return xstrdup(base->test.script_rel != NULL ?
			base->test.script_rel :
			base->test.run != NULL ? base->test.run :
						 "");
	case R_BUILD:
		return xstrdup(base->build.script_rel != NULL ?
			base->build.script_rel :
			base->build.run != NULL ? base->build.run :
						  "");
	case R_METRIC:
		return xstrdup(base->objective != NULL ? base->objective : "");
	case R_DIRECTION:
		return xstrdup(spec_direction_name(base->direction));
	case R_REPEAT:
		return xasprintf("%d", base->test.repeat);
	case R_WARMUP:
		return xasprintf("%d", base->test.warmup);
	case R_ISOLATION:
		return xstrdup(spec_isolation_name(base->test.isolation));
	case R_EXECUTOR:
		return xstrdup(
		    base->executor.type == EXECUTOR_SLURM ? "slurm" : "local");
	case R_STRATEGY:
		return xstrdup(base->strategy != NULL ? base->strategy :
							"(default: random)");
	case R_BUDGET:
		return base->budget > 0 ?
		    xasprintf("%llu", (unsigned long long)base->budget) :
		    xstrdup("");
	case R_SEED:
		return base->has_seed ?
		    xasprintf("%llu", (unsigned long long)base->seed) :
		    xstrdup("");
	case R_OPTION:
		if ((o = option_get(ops()->opts[r->index].name)) == NULL)
			return xstrdup("");
		if (o->value != NULL)
			return xstrdup(o->value);
		{
			size_t i, len = 1;

			for (i = 0; i < o->nlist; i++)
				len += strlen(o->list[i]) + 1;
			v = xcalloc(len, 1);
			for (i = 0; i < o->nlist; i++) {
				if (i > 0)
					strcat(v, " ");
				strcat(v, o->list[i]);
			}
			return v;
		}
	case R_PARAM:
		return param_summary(&params[r->index]);
	case R_ADD:
		return xstrdup("+ add a parameter (a)");
	case R_FIELD:
		return xstrdup(params[form].f[r->index] != NULL ?
			params[form].f[r->index] :
			"");
	}
	return xstrdup("");
}

static int
parse_count(const char *s, unsigned long long *out)
{
	char *end;

	if (*s == '\0' || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : 0;
}

static void
set_str(char **field, const char *v)
{
	free(*field);
	*field = v != NULL && *v != '\0' ? xstrdup(v) : NULL;
}

static void
option_set(const char *name, const char *v, enum strategy_opt_type type)
{
	struct spec_option *o = (struct spec_option *)option_get(name);
	char *copy, *w, *save = NULL;
	size_t i;

	if (o == NULL && (v == NULL || *v == '\0'))
		return;
	if (o == NULL) {
		base->options = xreallocarray(base->options, base->noptions + 1,
		    sizeof *base->options);
		o = &base->options[base->noptions++];
		memset(o, 0, sizeof *o);
		o->name = xstrdup(name);
	}
	free(o->value);
	o->value = NULL;
	for (i = 0; i < o->nlist; i++)
		free(o->list[i]);
	free(o->list);
	o->list = NULL;
	o->nlist = 0;
	if (v == NULL || *v == '\0') { /* removed */
		free(o->name);
		i = (size_t)(o - base->options);
		memmove(o, o + 1,
		    (base->noptions - i - 1) * sizeof *base->options);
		base->noptions--;
		return;
	}
	if (type != SOPT_LIST) {
		o->value = xstrdup(v);
		return;
	}
	/* A list, such as a command: words separated by spaces. */
	copy = xstrdup(v);
	o->list = xcalloc(strlen(v) + 2, sizeof *o->list);
	for (w = strtok_r(copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save))
		o->list[o->nlist++] = xstrdup(w);
	free(copy);
}

/* Applies text to a row of the model; a field's own error goes to
 * local_error and leaves the model as it was. */
static void
set(const struct erow *r, const char *v)
{
	unsigned long long n;
	int script;

	local_error[0] = '\0';
	switch (r->kind) {
	case R_NAME:
		set_str(&base->name, v);
		break;
	case R_TEST:
	case R_BUILD: {
		struct stagespec *st =
		    r->kind == R_TEST ? &base->test : &base->build;

		script = st->script_rel != NULL;
		set_str(script ? &st->script_rel : &st->run, v);
		if (st->script_rel == NULL && st->run == NULL &&
		    r->kind == R_BUILD)
			st->present = 0;
		else
			stage_defaults(st,
			    r->kind == R_TEST ? STAGE_TEST : STAGE_BUILD);
		break;
	}
	case R_METRIC:
		set_str(&base->objective, v);
		break;
	case R_REPEAT:
	case R_WARMUP:
		if (parse_count(v, &n) != 0 || n > 100000 ||
		    (r->kind == R_REPEAT && n == 0)) {
			snprintf(local_error, sizeof local_error,
			    "%s must be a whole number from %d to 100000",
			    r->kind == R_REPEAT ? "repeat" : "warm-up",
			    r->kind == R_REPEAT);
			return;
		}
		*(r->kind == R_REPEAT ? &base->test.repeat :
					&base->test.warmup) = (int)n;
		break;
	case R_BUDGET:
		if (*v == '\0')
			base->budget = 0;
		else if (parse_count(v, &n) != 0 || n == 0) {
			snprintf(local_error, sizeof local_error,
			    "the budget is a number of trials, at least 1 "
			    "(empty: the whole space, when small)");
			return;
		} else
			base->budget = n;
		break;
	case R_SEED:
		if (*v == '\0')
			base->has_seed = 0;
		else if (parse_count(v, &n) != 0 ||
		    n > (unsigned long long)LLONG_MAX) {
			snprintf(local_error, sizeof local_error,
			    "the seed is a whole number from 0 to 2^63-1");
			return;
		} else {
			base->seed = n;
			base->has_seed = 1;
		}
		break;
	case R_OPTION:
		option_set(ops()->opts[r->index].name, v,
		    ops()->opts[r->index].type);
		break;
	case R_FIELD:
		set_str(&params[form].f[r->index], v);
		break;
	default:
		return;
	}
	modified = 1;
}

/* Left or right on a choice. */
static void
cycle(const struct erow *r, int dir)
{
	const char *const *names = NULL;
	const char *cur = NULL;
	char *v;
	size_t n, i;

	switch (r->kind) {
	case R_DIRECTION:
		base->direction = base->direction == DIR_MAXIMIZE ?
		    DIR_MINIMIZE :
		    DIR_MAXIMIZE;
		modified = 1;
		return;
	case R_ISOLATION:
		base->test.isolation =
		    (enum isolation)((base->test.isolation + 5 + dir) % 5);
		modified = 1;
		return;
	case R_EXECUTOR:
		/* Slurm's settings (partition and such) stay as loaded. */
		base->executor.type = base->executor.type == EXECUTOR_SLURM ?
		    EXECUTOR_LOCAL :
		    EXECUTOR_SLURM;
		modified = 1;
		return;
	case R_STRATEGY: {
		const char *const *s = strategy_names();
		size_t k;

		for (n = 0; s[n] != NULL; n++)
			;
		for (i = 0; i < n; i++)
			if (base->strategy != NULL &&
			    strcmp(s[i], base->strategy) == 0)
				break;
		k = i == n ? (dir > 0 ? 0 : n - 1) : (i + n + (size_t)dir) % n;
		free(base->strategy);
		base->strategy = xstrdup(s[k]);
		/* Settings of the strategy before mean nothing now. */
		while (base->noptions > 0)
			option_set(base->options[0].name, NULL, SOPT_STR);
		modified = 1;
		return;
	}
	case R_OPTION:
		v = value(r);
		set(r, strcmp(v, "true") == 0 ? "false" : "true");
		free(v);
		return;
	case R_TEST:
	case R_BUILD: {
		/* Between a script file and a shell command. */
		struct stagespec *st =
		    r->kind == R_TEST ? &base->test : &base->build;

		if (st->script_rel != NULL) {
			st->run = st->script_rel;
			st->script_rel = NULL;
		} else {
			st->script_rel = st->run;
			st->run = NULL;
		}
		modified = 1;
		return;
	}
	case R_FIELD:
		names = r->index == SW_TYPE  ? type_names :
		    r->index == SW_WHEN      ? when_names :
		    r->index == SW_STEP_MODE ? mode_names :
					       NULL;
		cur = params[form].f[r->index];
		break;
	default:
		return;
	}
	if (names == NULL)
		return;
	for (n = 0; names[n] != NULL; n++)
		;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], cur != NULL ? cur : "") == 0)
			break;
	i = i == n ? 0 : (i + n + (size_t)dir) % n;
	set(r, names[i]);
}

/* ---- drawing ---- */

static int
form_rows(const struct ui *ui)
{
	return ui->rows - 3 - 5;
}

/* The field the first error falls in, by its line in the text. */
static int
error_field(size_t p, const struct diag *e, int *col)
{
	int f, start;

	if (e == NULL || e->line <= 0)
		return -1;
	for (f = 0; f < SW_NFIELDS; f++)
		if (params[p].line[f] == e->line) {
			/* "  - key: " or "    key: ", then the value (a
			 * values list after its "["; a condition after its
			 * quote). */
			start = 4 + (int)strlen(specwrite_field_key(f)) + 2;
			if (f == SW_VALUES || f == SW_IF)
				start++;
			*col = e->col > start ? e->col - start : 1;
			return f;
		}
	return -1;
}

static long
error_param(const struct diag *e)
{
	size_t p;
	int f, col;

	for (p = 0; p < nparams; p++)
		if ((f = error_field(p, e, &col)) >= 0)
			return (long)p;
	/* A line within a parameter but not one of its fields. */
	for (p = nparams; p-- > 0;)
		if (e != NULL && params[p].line[SW_NAME] > 0 &&
		    e->line >= params[p].line[SW_NAME])
			return (long)p;
	return -1;
}

static const char *
row_help(const struct erow *r)
{
	static char buf[256];

	switch (r->kind) {
	case R_NAME:
		return "letters, digits, _ . and -; names the experiment";
	case R_TEST:
	case R_BUILD:
		return "Left/Right: a script file or a shell command; "
		       "parameters are $NAME in its environment";
	case R_METRIC:
		return "a metric of the test: wall_ms, cpu_ms, maxrss_kb, "
		       "one the test reports, or a counter";
	case R_REPEAT:
		return "measured runs per trial";
	case R_WARMUP:
		return "runs before those, not counted";
	case R_ISOLATION:
		return "none, core (whole cores), cache (its LLC), socket, "
		       "full: Left/Right";
	case R_STRATEGY:
		snprintf(buf, sizeof buf, "%s: %s (Left/Right: %s)",
		    ops()->name, ops()->summary, strategy_list());
		return buf;
	case R_BUDGET:
		return "trials to run; empty: every configuration of a "
		       "small space";
	case R_SEED:
		return "the strategy's seed; empty: a random one";
	case R_EXECUTOR:
		return "where jobs run: local (this machine) or slurm (a "
		       "cluster; its settings: wayfinder.yaml(5)): Left/Right";
	case R_OPTION:
		snprintf(buf, sizeof buf, "%s%s", ops()->opts[r->index].help,
		    ops()->opts[r->index].type == SOPT_LIST ?
			" (words separated by spaces)" :
			"");
		return buf;
	case R_PARAM:
		return "Enter edits it, d deletes it";
	case R_FIELD:
		switch (r->index) {
		case SW_NAME:
			return "an environment variable's name: "
			       "[A-Za-z_][A-Za-z0-9_]*";
		case SW_TYPE:
			return "int, float, bool, tristate or str: "
			       "Left/Right";
		case SW_VALUES:
			return "a YAML list's items: 1, 2, 4 or fast, "
			       "'with space'; empty for a range";
		case SW_MIN:
		case SW_MAX:
			return "a range instead of values: min and max";
		case SW_STEP:
			return "the range's step (its ratio with power)";
		case SW_STEP_MODE:
			return "increment (the default) or power: "
			       "Left/Right";
		case SW_DEFAULT:
			return "one of the values; empty: the first";
		case SW_WHEN:
			return "build or test: Left/Right (empty: build "
			       "when there is a build)";
		case SW_IF:
			return "a condition: OPT >= 2 && MODE == 'fast'";
		default:
			return "free text";
		}
	default:
		return "";
	}
}

static void
draw_yaml(struct ui *ui, WINDOW *w)
{
	const struct diag *e = first_error();
	int nr = ui->rows - 3 - 1, line = 1, y;
	const char *p = text, *nl;
	char buf[512];

	w_printf(w, 0, 0, ui->cols, theme_attr(TH_TITLE),
	    "YAML as it will be saved (v: back to the form)");
	for (y = 1; p != NULL && *p != '\0'; line++) {
		nl = strchr(p, '\n');
		snprintf(buf, sizeof buf, "%3d %.*s", line,
		    (int)(nl != NULL ? nl - p : (long)strlen(p)), p);
		if ((size_t)line > yaml_top && y < nr) {
			w_put(w, y, 0, ui->cols, buf,
			    e != NULL && e->line == line ? theme_attr(TH_BAD) :
							   A_NORMAL);
			y++;
		}
		p = nl != NULL ? nl + 1 : NULL;
	}
	if (e != NULL)
		w_printf(w, nr, 0, ui->cols, theme_attr(TH_BAD),
		    "line %d col %d: %s", e->line, e->col, e->msg);
}

/* A message on up to two lines, cut at a space; returns the lines. */
static int
wrap(WINDOW *w, int y, int width, const char *msg, attr_t a)
{
	size_t cut;

	if (w_width(msg) <= width) {
		w_put(w, y, 1, width, msg, a);
		return 1;
	}
	for (cut = (size_t)width; cut > 0 && msg[cut] != ' '; cut--)
		;
	if (cut == 0)
		cut = (size_t)width;
	w_printf(w, y, 1, width, a, "%.*s", (int)cut, msg);
	w_put(w, y + 1, 3, width - 2, msg + cut + (msg[cut] == ' '), a);
	return 2;
}

static void
draw(struct ui *ui, WINDOW *w)
{
	char msg[1024];
	const struct diag *e;
	struct erow *r;
	char *v;
	int y, lw = 14, height = form_rows(ui), ecol = 0, efield = -1;
	long eparam;
	size_t i;
	attr_t a;

	if (base == NULL)
		load_new();
	if (view_yaml) {
		draw_yaml(ui, w);
		return;
	}
	build_rows();
	e = first_error();
	eparam = error_param(e);
	if (form >= 0 && eparam == form)
		efield = error_field((size_t)form, e, &ecol);
	list.n = nrows;
	if (form >= 0)
		list.sel = form_sel;
	w_list_fit(&list, height);
	if (form >= 0)
		w_printf(w, 0, 0, ui->cols, theme_attr(TH_TITLE),
		    "Parameter %ld of %zu (q: back to the spec)", form + 1,
		    nparams);
	else
		w_printf(w, 0, 0, ui->cols, theme_attr(TH_TITLE), "Spec %s%s",
		    path != NULL ? path : "(new, not saved)",
		    modified ? " [modified]" : "");
	w_put(w, 1, 0, ui->cols, size_text,
	    valid ? theme_attr(TH_GOOD) : theme_attr(TH_DIM));
	for (i = list.top, y = 2; i < nrows && y < 2 + height; i++, y++) {
		r = &rows[i];
		a = i == list.sel ? theme_attr(TH_SELECT) : A_NORMAL;
		if ((r->kind == R_PARAM && (long)r->index == eparam) ||
		    (r->kind == R_FIELD && (int)r->index == efield))
			a |= theme_attr(TH_BAD);
		w_fill(w, y, 0, ui->cols, " ", a);
		w_printf(w, y, 1, lw, a | A_BOLD, "%s", label(r));
		if (edit != NULL && i == list.sel) {
			w_input_draw(edit, w, y, lw + 2, ui->cols - lw - 3, a);
			continue;
		}
		v = value(r);
		w_printf(w, y, lw + 2, ui->cols - lw - 3,
		    a | (r->kind == R_ADD ? theme_attr(TH_DIM) : 0), "%s%s",
		    is_choice(r) ? "< " : "", v);
		if (is_choice(r))
			w_put(w, y, lw + 4 + w_width(v), 2, " >", a);
		free(v);
	}
	y = 2 + height;
	if (nrows > 0 && list.sel < nrows)
		w_put(w, y++, 1, ui->cols - 2, row_help(&rows[list.sel]),
		    theme_attr(TH_DIM));
	/* The first error, where it is, on two lines when it needs them. */
	if (local_error[0] != '\0')
		snprintf(msg, sizeof msg, "%s", local_error);
	else if (e != NULL && efield >= 0)
		snprintf(msg, sizeof msg, "%s, column %d: %s",
		    specwrite_field_key(efield), ecol, e->msg);
	else if (e != NULL && eparam >= 0)
		snprintf(msg, sizeof msg, "param %ld (line %d col %d): %s",
		    eparam + 1, e->line, e->col, e->msg);
	else if (e != NULL)
		snprintf(msg, sizeof msg, "line %d col %d: %s", e->line, e->col,
		    e->msg);
	if (local_error[0] == '\0' && e == NULL) {
		w_put(w, y, 1, ui->cols - 2,
		    "valid: wayfinder validate accepts it (v shows the YAML)",
		    theme_attr(TH_GOOD));
		return;
	}
	y += wrap(w, y, ui->cols - 2, msg, theme_attr(TH_BAD));
	if (diags.nerrors > 1)
		w_printf(w, y, 1, ui->cols - 2, theme_attr(TH_DIM),
		    "and %zu more error%s (v shows the YAML)",
		    diags.nerrors - 1, diags.nerrors == 2 ? "" : "s");
}

/* ---- saving and launching ---- */

static int
save_to(struct ui *ui, const char *file)
{
	char abs[PATH_MAX], *tmp;
	FILE *f;
	int ok;

	tmp = xasprintf("%s.tmp", file);
	if ((f = fopen(tmp, "w")) == NULL) {
		ui_error(ui, "cannot write %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	ok = fputs(text, f) >= 0;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, file) != 0) {
		ui_error(ui, "cannot write %s: %s", file, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	if (realpath(file, abs) == NULL)
		snprintf(abs, sizeof abs, "%s", file);
	free(path);
	path = xstrdup(abs);
	modified = 0;
	validate(); /* files now resolve beside it */
	if (valid)
		ui_say(ui, "saved %s", abs);
	else
		ui_error(ui,
		    "saved %s, with %zu error%s (wayfinder validate "
		    "shows them)",
		    abs, diags.nerrors, diags.nerrors == 1 ? "" : "s");
	return 0;
}

static void launch(struct ui *);

static void
save_done(struct ui *ui, const char *file)
{
	if (file == NULL || *file == '\0') {
		ui_say(ui, "not saved");
		return;
	}
	if (save_to(ui, file) == 0 && ui->prompt_arg == 1)
		launch(ui);
}

static void
ask_save(struct ui *ui, int then_launch)
{
	char p[PATH_MAX];

	if (path != NULL)
		snprintf(p, sizeof p, "%s", path);
	else
		snprintf(p, sizeof p, "%s.yaml",
		    base->name != NULL && base->name[0] ? base->name :
							  "experiment");
	ui_prompt(ui, "Save as:", p, save_done);
	ui->prompt_arg = then_launch;
}

static void
launch(struct ui *ui)
{
	json_t *req, *reply, *d;
	char cwd[PATH_MAX];
	int64_t exp;

	if (!valid) {
		ui_error(ui, "the spec has errors: fix them first");
		return;
	}
	if (path == NULL || modified) {
		ask_save(ui, 1);
		return;
	}
	req = json_pack("{ssss}", "type", "submit", "spec", path);
	if (getcwd(cwd, sizeof cwd) != NULL)
		json_object_set_new(req, "cwd", json_string(cwd));
	if (ui_request(ui, req, &reply) != 0) {
		json_decref(req);
		return;
	}
	json_decref(req);
	exp = (int64_t)json_integer_value(json_object_get(reply, "experiment"));
	if ((d = json_object_get(reply, "state")) != NULL &&
	    strcmp(json_string_value(d), "done") == 0)
		ui_say(ui,
		    "experiment %lld is already complete with this spec "
		    "(a larger budget extends it)",
		    (long long)exp);
	else
		ui_say(ui, "experiment %lld %s", (long long)exp,
		    json_string_value(d) != NULL ? json_string_value(d) : "");
	json_decref(reply);
	ui->status_at = 0;
	ui_set_current(ui, exp);
	ui_show(ui, SCR_LIVE);
}

static void
open_done(struct ui *ui, const char *file)
{
	if (file != NULL && *file != '\0')
		editor_open(ui, file);
}

static void
delete_done(struct ui *ui, const char *yes)
{
	size_t i = (size_t)ui->prompt_arg;

	if (yes == NULL || i >= nparams)
		return;
	specwrite_param_clear(&params[i]);
	memmove(&params[i], &params[i + 1], (nparams - i - 1) * sizeof *params);
	nparams--;
	modified = 1;
	validate();
	ui->dirty |= DIRTY_BODY;
}

/* ---- input ---- */

static void
edit_end(int keep)
{
	if (!keep)
		set(&edit_row, edit_old);
	w_input_free(edit);
	edit = NULL;
	free(edit_old);
	edit_old = NULL;
	validate();
}

/* While a field is edited, every key goes to it; each keystroke is
 * applied and checked. */
static int
key(struct ui *ui, int k)
{
	int r;

	(void)ui;
	if (edit == NULL)
		return 0;
	r = w_input_key(edit, k);
	if (r == 0) {
		set(&edit_row, w_input_text(edit));
		validate();
	} else
		edit_end(r > 0);
	return 1;
}

static void
enter(struct ui *ui)
{
	if (!opened) {
		opened = 1;
		load_new();
	}
	(void)ui;
}

static int
action(struct ui *ui, enum ui_action a)
{
	struct erow *r;
	char *v;
	size_t i;

	if (a == ACT_VIEW || (view_yaml && a == ACT_BACK)) {
		view_yaml = !view_yaml;
		yaml_top = 0;
		return 1;
	}
	if (view_yaml) {
		if (a == ACT_UP && yaml_top > 0)
			yaml_top--;
		else if (a == ACT_DOWN)
			yaml_top++;
		else
			return 0;
		return 1;
	}
	build_rows();
	list.n = nrows;
	if (form >= 0)
		list.sel = form_sel;
	if (w_list_key(&list, a, form_rows(ui))) {
		if (form >= 0)
			form_sel = list.sel;
		local_error[0] = '\0';
		return 1;
	}
	r = list.sel < nrows ? &rows[list.sel] : NULL;
	switch (a) {
	case ACT_BACK:
		if (form < 0)
			return 0;
		/* Back on the parameter's row of the list. */
		i = (size_t)form;
		form = -1;
		build_rows();
		for (list.sel = 0; list.sel < nrows; list.sel++)
			if (rows[list.sel].kind == R_PARAM &&
			    rows[list.sel].index == i)
				break;
		return 1;
	case ACT_LEFT:
	case ACT_RIGHT:
		if (r != NULL &&
		    (is_choice(r) || r->kind == R_TEST || r->kind == R_BUILD)) {
			cycle(r, a == ACT_RIGHT ? 1 : -1);
			validate();
		}
		return 1;
	case ACT_ENTER:
		if (r == NULL)
			return 1;
		if (r->kind == R_ADD)
			return action(ui, ACT_ADD);
		if (r->kind == R_PARAM) {
			form = (long)r->index;
			form_sel = 0;
			return 1;
		}
		if (is_choice(r)) {
			cycle(r, 1);
			validate();
			return 1;
		}
		v = value(r);
		edit = w_input_new(r->kind == R_STRATEGY ? "" : v);
		edit_old = v;
		edit_row = *r;
		return 1;
	case ACT_ADD:
		params = xreallocarray(params, nparams + 1, sizeof *params);
		memset(&params[nparams], 0, sizeof *params);
		params[nparams].f[SW_NAME] = xasprintf("PARAM%zu", nparams + 1);
		params[nparams].f[SW_TYPE] = xstrdup("int");
		params[nparams].f[SW_VALUES] = xstrdup("1, 2");
		if (base->build.present &&
		    (base->build.run != NULL || base->build.script_rel != NULL))
			params[nparams].f[SW_WHEN] = xstrdup("test");
		nparams++;
		modified = 1;
		validate();
		form = (long)nparams - 1;
		form_sel = 0;
		ui_say(ui,
		    "parameter %zu added: Enter edits a field, q goes "
		    "back",
		    nparams);
		return 1;
	case ACT_DELETE:
		if (r != NULL && r->kind == R_PARAM) {
			char q[128];

			snprintf(q, sizeof q, "Delete parameter %s? (y/n)",
			    params[r->index].f[SW_NAME] != NULL ?
				params[r->index].f[SW_NAME] :
				"?");
			ui_confirm(ui, q, (int64_t)r->index, delete_done);
		} else if (form >= 0) {
			ui_say(ui, "q goes back to the list, where d deletes");
		}
		return 1;
	case ACT_SAVE:
		ask_save(ui, 0);
		return 1;
	case ACT_LAUNCH:
		launch(ui);
		return 1;
	case ACT_OPEN_FILE:
		ui_prompt(ui, "Open spec:", path != NULL ? path : "",
		    open_done);
		return 1;
	default:
		return 0;
	}
}

const struct screen_ops screen_editor = { enter, draw, key, action, NULL };
