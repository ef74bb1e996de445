/*
 * What the TUI knows, kept up to date from the daemon (status and
 * topology answers, events) and read from the store (trials, the
 * default configuration). No curses here: the screens draw from it.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/diag.h"
#include "../src/space.h"
#include "../src/spec.h"
#include "../src/state.h"
#include "../src/xmalloc.h"
#include "ui.h"

static char *
dup_field(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return xstrdup(s != NULL ? s : "");
}

static int64_t
int_field(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

static void
exp_clear(struct ui_exp *e)
{
	free(e->name);
	free(e->spec);
	free(e->strategy);
	free(e->state);
	free(e->objective);
	free(e->direction);
	memset(e, 0, sizeof *e);
}

void
model_status(struct ui *ui, const json_t *reply)
{
	const json_t *list = json_object_get(reply, "experiments"), *o, *v;
	size_t i, n = json_array_size(list);
	struct ui_exp *e;

	for (i = 0; i < ui->nexps; i++)
		exp_clear(&ui->exps[i]);
	free(ui->exps);
	ui->exps = xcalloc(n + 1, sizeof *ui->exps);
	ui->nexps = n;
	for (i = 0; i < n; i++) {
		o = json_array_get(list, i);
		e = &ui->exps[i];
		e->id = int_field(o, "id");
		e->name = dup_field(o, "name");
		e->spec = dup_field(o, "spec");
		e->strategy = dup_field(o, "strategy");
		e->state = dup_field(o, "state");
		e->objective = dup_field(o, "objective");
		e->direction = dup_field(o, "direction");
		e->budget = int_field(o, "budget");
		e->done = int_field(o, "done");
		e->failed = int_field(o, "failed");
		e->lost = int_field(o, "lost");
		e->running = int_field(o, "running");
		e->daemon = json_is_true(json_object_get(o, "daemon"));
		if ((v = json_object_get(o, "best")) != NULL) {
			e->have_best = 1;
			e->best = json_number_value(v);
			e->best_trial = int_field(o, "best_trial");
		}
		e->eta = (v = json_object_get(o, "eta")) != NULL ?
		    json_number_value(v) :
		    -1;
	}
	ui->status_at = ui_now();
}

void
model_topology(struct ui *ui, const json_t *reply)
{
	const json_t *pus = json_object_get(reply, "pus"), *o;
	const char *why;
	size_t i;

	free(ui->pus);
	free(ui->topo_source);
	free(ui->llc_name);
	ui->npus = json_array_size(pus);
	ui->pus = xcalloc(ui->npus + 1, sizeof *ui->pus);
	for (i = 0; i < ui->npus; i++) {
		o = json_array_get(pus, i);
		ui->pus[i].os = (int)int_field(o, "os");
		ui->pus[i].core = (int)int_field(o, "core");
		ui->pus[i].llc = (int)int_field(o, "llc");
		ui->pus[i].numa = (int)int_field(o, "numa");
		ui->pus[i].pkg = (int)int_field(o, "package");
		ui->pus[i].usable = json_is_true(json_object_get(o, "usable"));
		why = json_string_value(json_object_get(o, "why"));
		snprintf(ui->pus[i].why, sizeof ui->pus[i].why, "%s",
		    why != NULL ? why : "");
	}
	ui->topo_source = dup_field(reply, "source");
	ui->llc_name = dup_field(reply, "llc");
	ui->topo_at = ui_now();
}

struct ui_exp *
model_exp(struct ui *ui, int64_t id)
{
	size_t i;

	for (i = 0; i < ui->nexps; i++)
		if (ui->exps[i].id == id)
			return &ui->exps[i];
	return NULL;
}

static void
job_clear(struct ui_job *j)
{
	free(j->cpus);
	free(j->config);
	free(j->out);
	free(j->err);
	free(j->node);
	json_decref(j->values);
	memset(j, 0, sizeof *j);
}

static void
job_remove(struct ui *ui, size_t i)
{
	job_clear(&ui->jobs[i]);
	memmove(&ui->jobs[i], &ui->jobs[i + 1],
	    (ui->njobs - i - 1) * sizeof ui->jobs[0]);
	ui->njobs--;
}

static struct ui_job *
job_find(struct ui *ui, int64_t exp, int64_t job)
{
	size_t i;

	for (i = 0; i < ui->njobs; i++)
		if (ui->jobs[i].exp == exp && ui->jobs[i].job == job)
			return &ui->jobs[i];
	return NULL;
}

static void
note(struct ui *ui, const char *text)
{
	size_t n = strlen(text);

	if (n >= sizeof ui->notes[0])
		n = sizeof ui->notes[0] - 1;
	memcpy(ui->notes[ui->note_head], text, n);
	ui->notes[ui->note_head][n] = '\0';
	ui->note_head = (ui->note_head + 1) % UI_NOTES;
	if (ui->nnotes < UI_NOTES)
		ui->nnotes++;
}

static void
node_add(struct ui *ui, const char *node)
{
	size_t i;

	for (i = 0; i < ui->nnodes; i++)
		if (strcmp(ui->nodes[i], node) == 0)
			return;
	ui->nodes = xreallocarray(ui->nodes, ui->nnodes + 1, sizeof *ui->nodes);
	ui->nodes[ui->nnodes++] = xstrdup(node);
}

static void
nodes_free(struct ui *ui)
{
	size_t i;

	for (i = 0; i < ui->nnodes; i++)
		free(ui->nodes[i]);
	free(ui->nodes);
	ui->nodes = NULL;
	ui->nnodes = 0;
}

void
model_nodes_reset(struct ui *ui)
{
	size_t i;

	nodes_free(ui);
	for (i = 0; i < ui->njobs; i++)
		if (ui->jobs[i].exp == ui->cur && ui->jobs[i].node != NULL)
			node_add(ui, ui->jobs[i].node);
}

static void
job_start(struct ui *ui, int64_t exp, const json_t *ev)
{
	const json_t *cpus = json_object_get(ev, "cpus"), *v;
	const char *node;
	struct ui_job *j;
	size_t i;

	if ((j = job_find(ui, exp, int_field(ev, "job"))) != NULL)
		job_clear(j);
	else {
		ui->jobs =
		    xreallocarray(ui->jobs, ui->njobs + 1, sizeof *ui->jobs);
		j = &ui->jobs[ui->njobs++];
		memset(j, 0, sizeof *j);
	}
	j->exp = exp;
	j->job = int_field(ev, "job");
	j->trial = int_field(ev, "trial");
	j->iteration = (int)int_field(ev, "iteration");
	j->warmup = json_is_true(json_object_get(ev, "warmup"));
	snprintf(j->stage, sizeof j->stage, "%s",
	    json_string_value(json_object_get(ev, "stage")) != NULL ?
		json_string_value(json_object_get(ev, "stage")) :
		"?");
	j->ncpus = json_array_size(cpus);
	j->cpus = xcalloc(j->ncpus + 1, sizeof *j->cpus);
	for (i = 0; i < j->ncpus; i++)
		j->cpus[i] = (int)json_integer_value(json_array_get(cpus, i));
	j->config = dup_field(ev, "config");
	j->started = (v = json_object_get(ev, "started")) != NULL ?
	    json_number_value(v) :
	    ui_now();
	if (json_string_value(json_object_get(ev, "out")) != NULL)
		j->out = dup_field(ev, "out");
	if (json_string_value(json_object_get(ev, "err")) != NULL)
		j->err = dup_field(ev, "err");
	/* On a cluster (Slurm) its CPUs are the node's, not this
	 * machine's: the live view shows the nodes instead. */
	if ((node = json_string_value(json_object_get(ev, "node"))) != NULL &&
	    *node != '\0') {
		j->node = xstrdup(node);
		if (exp == ui->cur)
			node_add(ui, node);
	}
}

unsigned
model_event(struct ui *ui, const json_t *ev)
{
	int64_t exp = int_field(ev, "experiment");
	const char *kind = json_string_value(json_object_get(ev, "kind"));
	struct ui_exp *e = model_exp(ui, exp);
	struct ui_job *j;
	const json_t *v;
	char line[200], num[32];
	size_t i;

	if (kind == NULL)
		return 0;
	if (strcmp(kind, "state") == 0) {
		const char *st =
		    json_string_value(json_object_get(ev, "state"));
		const char *why =
		    json_string_value(json_object_get(ev, "reason"));

		if (e != NULL && st != NULL) {
			free(e->state);
			e->state = xstrdup(st);
		}
		if (st != NULL && strcmp(st, "running") != 0)
			for (i = ui->njobs; i-- > 0;)
				if (ui->jobs[i].exp == exp)
					job_remove(ui, i);
		if (exp == ui->cur) {
			snprintf(line, sizeof line, "experiment %lld: %s%s%s",
			    (long long)exp, st != NULL ? st : "?",
			    why != NULL ? ": " : "", why != NULL ? why : "");
			note(ui, line);
			ui->trials_stale = 1;
			ui->trials_at = 0; /* at once: the end is final */
		}
		ui->status_at = 0; /* ask again for the whole picture */
		return DIRTY_BODY | DIRTY_HEAD;
	}
	if (strcmp(kind, "progress") == 0) {
		if (e != NULL) {
			e->budget = int_field(ev, "budget");
			e->done = int_field(ev, "done");
			e->failed = int_field(ev, "failed");
			e->lost = int_field(ev, "lost");
			e->running = int_field(ev, "running");
			if ((v = json_object_get(ev, "best")) != NULL) {
				e->have_best = 1;
				e->best = json_number_value(v);
				e->best_trial = int_field(ev, "best_trial");
			}
			e->eta = (v = json_object_get(ev, "eta")) != NULL ?
			    json_number_value(v) :
			    -1;
		}
		if (exp == ui->cur) {
			json_decref(ui->progress);
			ui->progress = json_deep_copy(ev);
		}
		return DIRTY_BODY | DIRTY_HEAD;
	}
	if (strcmp(kind, "trial.done") == 0 ||
	    strcmp(kind, "trial.failed") == 0 ||
	    strcmp(kind, "trial.lost") == 0) {
		if (exp != ui->cur)
			return 0;
		ui->trials_stale = 1;
		if (kind[6] == 'd')
			snprintf(line, sizeof line, "trial %lld: %s%s%s",
			    (long long)int_field(ev, "trial"),
			    model_num(json_number_value(
					  json_object_get(ev, "value")),
				num, sizeof num),
			    json_is_true(json_object_get(ev, "best")) ?
				" (best)" :
				"",
			    json_is_true(json_object_get(ev, "baseline")) ?
				" (baseline)" :
				"");
		else
			snprintf(line, sizeof line, "trial %lld %s: %s",
			    (long long)int_field(ev, "trial"), kind + 6,
			    json_string_value(json_object_get(ev, "reason")) !=
				    NULL ?
				json_string_value(
				    json_object_get(ev, "reason")) :
				"?");
		note(ui, line);
		return DIRTY_BODY;
	}
	if (strcmp(kind, "job.start") == 0) {
		job_start(ui, exp, ev);
		if (exp == ui->cur)
			ui->trials_stale = 1;
		return DIRTY_BODY;
	}
	if (strcmp(kind, "job.end") == 0) {
		for (i = 0; i < ui->njobs; i++)
			if (ui->jobs[i].exp == exp &&
			    ui->jobs[i].job == int_field(ev, "job")) {
				job_remove(ui, i);
				break;
			}
		return DIRTY_BODY;
	}
	if (strcmp(kind, "sample") == 0) {
		if ((j = job_find(ui, exp, int_field(ev, "job"))) == NULL)
			return 0;
		json_decref(j->values);
		j->values = json_deep_copy(json_object_get(ev, "values"));
		j->t_ms = json_number_value(json_object_get(ev, "t_ms"));
		return DIRTY_BODY;
	}
	if (strcmp(kind, "line") == 0 || strcmp(kind, "notice") == 0) {
		if (exp != ui->cur)
			return 0;
		note(ui,
		    json_string_value(json_object_get(ev, "text")) != NULL ?
			json_string_value(json_object_get(ev, "text")) :
			"");
		return DIRTY_BODY;
	}
	return 0;
}

int
model_store(struct ui *ui)
{
	char *cause = NULL;

	if (ui->store != NULL)
		return 0;
	if (state_open_existing(ui->state, &ui->store, &cause) != 0) {
		free(cause);
		ui->store = NULL;
		return -1;
	}
	return 0;
}

static void
defaults_free(struct ui *ui)
{
	size_t i;

	for (i = 0; i < ui->ndefaults; i++) {
		free(ui->defaults[i]);
		free(ui->def_names[i]);
	}
	free(ui->defaults);
	free(ui->def_names);
	ui->defaults = ui->def_names = NULL;
	ui->ndefaults = 0;
}

/* The default configuration of the experiment's spec, by name. */
static void
defaults_load(struct ui *ui)
{
	struct diags d = { NULL, 0, 0 };
	struct spec *s;
	struct space *sp;
	struct config *c;
	char buf[64];
	const char *v;
	size_t i;

	defaults_free(ui);
	if (ui->curx.spec_text == NULL)
		return;
	s = spec_parse(ui->curx.spec_path, ui->curx.spec_text,
	    strlen(ui->curx.spec_text), &d);
	diag_free(&d);
	if (s == NULL)
		return;
	sp = space_new(s);
	c = space_default(sp);
	ui->ndefaults = s->nparams;
	ui->defaults = xcalloc(s->nparams + 1, sizeof *ui->defaults);
	ui->def_names = xcalloc(s->nparams + 1, sizeof *ui->def_names);
	for (i = 0; i < s->nparams; i++) {
		ui->def_names[i] = xstrdup(s->params[i].name);
		v = space_value(sp, c, i, buf, sizeof buf);
		ui->defaults[i] = v != NULL ? xstrdup(v) : NULL;
	}
	free(c);
	space_free(sp);
	spec_free(s);
}

const char *
model_default(const struct ui *ui, const char *name)
{
	size_t i;

	for (i = 0; i < ui->ndefaults; i++)
		if (strcmp(ui->def_names[i], name) == 0)
			return ui->defaults[i];
	return NULL;
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
pnames_load(struct ui *ui)
{
	size_t i, k, m;

	for (i = 0; i < ui->npnames; i++)
		free(ui->pnames[i]);
	free(ui->pnames);
	ui->pnames = NULL;
	ui->npnames = 0;
	if (ui->ndefaults > 0) {
		ui->pnames = xcalloc(ui->ndefaults, sizeof *ui->pnames);
		for (i = 0; i < ui->ndefaults; i++)
			ui->pnames[i] = xstrdup(ui->def_names[i]);
		ui->npnames = ui->ndefaults;
		return;
	}
	for (i = 0; i < ui->ntrials; i++)
		for (k = 0; k < ui->trials[i].nvalues; k++) {
			for (m = 0; m < ui->npnames; m++)
				if (strcmp(ui->pnames[m],
					ui->trials[i].names[k]) == 0)
					break;
			if (m < ui->npnames)
				continue;
			ui->pnames = xreallocarray(ui->pnames, ui->npnames + 1,
			    sizeof *ui->pnames);
			ui->pnames[ui->npnames++] =
			    xstrdup(ui->trials[i].names[k]);
		}
	if (ui->npnames > 0)
		qsort(ui->pnames, ui->npnames, sizeof *ui->pnames, cmp_strp);
}

const char *
model_value(const struct store_trial *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nvalues; i++)
		if (strcmp(t->names[i], name) == 0)
			return t->values[i];
	return NULL;
}

int
model_trials(struct ui *ui, int force)
{
	double now = ui_now();

	if (ui->cur == 0 || model_store(ui) != 0)
		return 0;
	if (ui->trials_exp == ui->cur && !force &&
	    !(ui->trials_stale && now - ui->trials_at >= 1))
		return 0;
	if (ui->curx.id != ui->cur) {
		if (ui->curx.id != 0)
			store_experiment_clear(&ui->curx);
		memset(&ui->curx, 0, sizeof ui->curx);
		if (store_experiment_get(ui->store, ui->cur, &ui->curx) != 0)
			memset(&ui->curx, 0, sizeof ui->curx);
		defaults_load(ui);
	}
	store_trials_free(ui->trials, ui->ntrials);
	ui->trials = NULL;
	ui->ntrials = 0;
	store_trials(ui->store, ui->cur, &ui->trials, &ui->ntrials);
	pnames_load(ui);
	ui->trials_exp = ui->cur;
	ui->trials_stale = 0;
	ui->trials_at = now;
	return 1;
}

void
model_free(struct ui *ui)
{
	size_t i;

	for (i = 0; i < ui->nexps; i++)
		exp_clear(&ui->exps[i]);
	free(ui->exps);
	for (i = 0; i < ui->njobs; i++)
		job_clear(&ui->jobs[i]);
	free(ui->jobs);
	nodes_free(ui);
	free(ui->pus);
	free(ui->topo_source);
	free(ui->llc_name);
	json_decref(ui->progress);
	store_trials_free(ui->trials, ui->ntrials);
	if (ui->curx.id != 0)
		store_experiment_clear(&ui->curx);
	defaults_free(ui);
	for (i = 0; i < ui->npnames; i++)
		free(ui->pnames[i]);
	free(ui->pnames);
	if (ui->store != NULL)
		store_close(ui->store);
}

char *
model_duration(double sec, char *buf, size_t len)
{
	long long s = sec > 0 ? (long long)(sec + 0.5) : 0;

	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s / 3600 % 24);
	return buf;
}

char *
model_num(double v, char *buf, size_t len)
{
	char *e;

	if (!isfinite(v)) {
		snprintf(buf, len, "%s",
		    isnan(v)  ? "-" :
			v > 0 ? "inf" :
				"-inf");
		return buf;
	}
	if (fabs(v) >= 1000 && fabs(v) < 1e7)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.4g", v);
	if (strlen(buf) > 7 && (e = strchr(buf, 'e')) != NULL) {
		/* 1.235e+06 -> 1.2e6 */
		int ex = atoi(e + 1);

		snprintf(buf, len, "%.1fe%d", v / pow(10, ex), ex);
	}
	return buf;
}

char *
model_log_path(const struct ui *ui, int64_t exp, int64_t job, const char *which)
{
	char *dir = state_experiment_dir(ui->state, exp), *p;

	p = xasprintf("%s/logs/%lld.%s", dir, (long long)job, which);
	free(dir);
	return p;
}
