/*
 * A trial in detail: its state and value; its configuration next to the
 * default one and the best trial's, with what differs marked; every
 * metric and counter with its statistics; and its jobs' logs (l goes
 * through them: each job's stdout and stderr). One scrolling page.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/xmalloc.h"
#include "ui.h"

#define LOG_LINES 40

struct dline {
	char *text;
	attr_t a;
};

static int64_t seq;
static struct dline *doc;
static size_t ndoc, top;
static size_t log_pick; /* which log: job index * 2 + stream */

static void
add(attr_t a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(attr_t a, const char *fmt, ...)
{
	va_list ap;

	doc = xreallocarray(doc, ndoc + 1, sizeof *doc);
	va_start(ap, fmt);
	doc[ndoc].text = xvasprintf(fmt, ap);
	va_end(ap);
	doc[ndoc].a = a;
	ndoc++;
}

static void
doc_free(void)
{
	size_t i;

	for (i = 0; i < ndoc; i++)
		free(doc[i].text);
	free(doc);
	doc = NULL;
	ndoc = 0;
}

void
detail_open(struct ui *ui, int64_t s)
{
	(void)ui;
	seq = s;
	top = 0;
	log_pick = 0;
}

static const struct store_trial *
find(const struct ui *ui, int64_t s)
{
	size_t i;

	for (i = 0; i < ui->ntrials; i++)
		if (ui->trials[i].seq == s)
			return &ui->trials[i];
	return NULL;
}

static const struct store_trial *
best_trial(const struct ui *ui)
{
	const struct store_trial *b = NULL, *t;
	int max = ui->curx.direction != NULL &&
	    strcmp(ui->curx.direction, "maximize") == 0;
	size_t i;

	for (i = 0; i < ui->ntrials; i++) {
		t = &ui->trials[i];
		if (strcmp(t->state, "done") != 0 || !t->has_value)
			continue;
		if (b == NULL ||
		    (max ? t->value > b->value : t->value < b->value))
			b = t;
	}
	return b;
}

static const char *
show(const char *v)
{
	return v != NULL ? v : "-";
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The last lines of a log into the page. */
static void
add_log(const char *path)
{
	char *lines[LOG_LINES], line[1024];
	size_t n = 0, i, first;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		add(theme_attr(TH_DIM), "  (none: %s)", path);
		return;
	}
	memset(lines, 0, sizeof lines);
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		free(lines[n % LOG_LINES]);
		lines[n % LOG_LINES] = xstrdup(line);
		n++;
	}
	fclose(f);
	first = n > LOG_LINES ? n - LOG_LINES : 0;
	add(theme_attr(TH_DIM), "  %s%s", path,
	    first > 0 ? " (its last lines)" : "");
	for (i = first; i < n; i++)
		add(A_NORMAL, "  %s", lines[i % LOG_LINES]);
	for (i = 0; i < LOG_LINES; i++)
		free(lines[i]);
}

static void
build(struct ui *ui)
{
	const struct store_trial *t = find(ui, seq), *b = best_trial(ui);
	struct store_job_ref *jobs = NULL;
	const char *v, *d, *bv;
	char when[64], diffd[512], diffb[512];
	size_t i, njobs = 0, k;
	time_t tt;

	doc_free();
	if (t == NULL) {
		add(theme_attr(TH_DIM), "trial %lld is not in the store (yet)",
		    (long long)seq);
		return;
	}
	add(theme_attr(TH_TITLE), "Trial %lld of #%lld %s: %s%s",
	    (long long)t->seq, (long long)ui->cur,
	    ui->curx.name != NULL ? ui->curx.name : "", t->state,
	    t->baseline ? " (baseline: the default configuration)" : "");
	if (t->has_value)
		add(A_BOLD, "%s %.6g, stddev %.4g over %d run%s%s",
		    ui->curx.objective != NULL ? ui->curx.objective : "value",
		    t->value, t->stddev, t->n, t->n == 1 ? "" : "s",
		    b == t ? "  (the best)" : "");
	if (t->reason != NULL && strcmp(t->state, "lost") == 0)
		add(theme_attr(TH_DIM), "lost: %s (run again on resume)",
		    t->reason);
	else if (t->reason != NULL)
		add(theme_attr(TH_BAD), "failed: %s", t->reason);
	if (t->started > 0) {
		tt = (time_t)t->started;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S",
		    localtime(&tt));
		if (t->finished > 0)
			add(A_NORMAL, "started %s, took %.1fs", when,
			    t->finished - t->started);
		else
			add(A_NORMAL, "started %s", when);
	}
	add(theme_attr(TH_DIM), "configuration %s, build %s%s%s",
	    t->config_key != NULL ? t->config_key : "-",
	    t->build_key != NULL ? t->build_key : "-",
	    t->protections != NULL ? "; sandbox: " : "",
	    t->protections != NULL ? t->protections : "");
	add(A_NORMAL, "%s", "");

	/* The configuration against the default and the best. */
	add(theme_attr(TH_HEADER), "%-22s %-16s %-16s %-16s", "PARAMETER",
	    "THIS TRIAL", "DEFAULT", b != NULL ? "BEST" : "");
	diffd[0] = diffb[0] = '\0';
	for (i = 0; i < ui->npnames; i++) {
		v = model_value(t, ui->pnames[i]);
		d = model_default(ui, ui->pnames[i]);
		bv = b != NULL ? model_value(b, ui->pnames[i]) : NULL;
		add(!same(v, d) || (b != NULL && !same(v, bv)) ? A_BOLD :
								 A_NORMAL,
		    "%-22s %-16s %-16s %-16s %s%s", ui->pnames[i], show(v),
		    ui->ndefaults > 0 ? show(d) : "?",
		    b != NULL ? show(bv) : "",
		    ui->ndefaults > 0 && !same(v, d) ? "*" : " ",
		    b != NULL && !same(v, bv) ? "!" : "");
		if (ui->ndefaults > 0 && !same(v, d))
			snprintf(diffd + strlen(diffd),
			    sizeof diffd - strlen(diffd), "%s%s=%s",
			    diffd[0] ? " " : "", ui->pnames[i], show(v));
		if (b != NULL && !same(v, bv))
			snprintf(diffb + strlen(diffb),
			    sizeof diffb - strlen(diffb), "%s%s=%s",
			    diffb[0] ? " " : "", ui->pnames[i], show(v));
	}
	add(A_NORMAL, "* differs from the default: %s",
	    ui->ndefaults == 0 ? "(the spec no longer loads)" :
		diffd[0]       ? diffd :
				 "nothing (it is the default)");
	if (b != NULL)
		add(A_NORMAL, "! differs from the best (trial %lld): %s",
		    (long long)b->seq, diffb[0] ? diffb : "nothing");
	add(A_NORMAL, "%s", "");

	/* Every metric and counter. */
	add(theme_attr(TH_HEADER), "%-24s %10s %10s %10s %10s %10s %3s",
	    "METRIC", "MEDIAN", "MEAN", "STDDEV", "MIN", "MAX", "N");
	for (i = 0; i < t->nmetrics; i++) {
		const struct store_metric *m = &t->metrics[i];

		add(ui->curx.objective != NULL &&
			    strcmp(m->name, ui->curx.objective) == 0 ?
			A_BOLD :
			A_NORMAL,
		    "%-24s %10.6g %10.6g %10.4g %10.6g %10.6g %3d", m->name,
		    m->median, m->mean, m->stddev, m->min, m->max, m->n);
	}
	if (t->nmetrics == 0)
		add(theme_attr(TH_DIM), "%s", "  (none measured)");
	add(A_NORMAL, "%s", "");

	/* The jobs and one log at a time. */
	if (model_store(ui) == 0)
		store_trial_jobs(ui->store, ui->cur, t->seq, &jobs, &njobs);
	add(theme_attr(TH_HEADER), "JOBS (l: the next log)");
	for (i = 0; i < njobs; i++)
		add(i == log_pick / 2 ? A_BOLD : A_NORMAL,
		    "  job %-6lld iteration %d%s  %s", (long long)jobs[i].id,
		    jobs[i].iteration, jobs[i].warmup ? " (warm-up)" : "",
		    show(jobs[i].state));
	if (njobs > 0) {
		char *path;

		k = log_pick / 2 % njobs;
		add(theme_attr(TH_HEADER), "LOG: job %lld, %s",
		    (long long)jobs[k].id,
		    log_pick % 2 == 0 ? "stdout" : "stderr");
		path = model_log_path(ui, ui->cur, jobs[k].id,
		    log_pick % 2 == 0 ? "out" : "err");
		add_log(path);
		free(path);
	} else
		add(theme_attr(TH_DIM), "%s", "  (no job ran)");
	store_job_refs_free(jobs, njobs);
}

static int
rows(const struct ui *ui)
{
	return ui->rows - 3;
}

static void
draw(struct ui *ui, WINDOW *w)
{
	size_t i;
	int y;

	build(ui);
	if (top + (size_t)rows(ui) > ndoc)
		top = ndoc > (size_t)rows(ui) ? ndoc - (size_t)rows(ui) : 0;
	for (i = top, y = 0; i < ndoc && y < rows(ui); i++, y++)
		w_put(w, y, 0, ui->cols, doc[i].text, doc[i].a);
}

static void
enter(struct ui *ui)
{
	model_trials(ui, 1);
}

static int
action(struct ui *ui, enum ui_action a)
{
	size_t page = (size_t)rows(ui) - 1;
	struct store_job_ref *jobs = NULL;
	size_t njobs = 0;

	if (w_scroll(&top, page, ndoc, a))
		return 1;
	switch (a) {
	case ACT_NEXT_LOG:
		if (model_store(ui) == 0)
			store_trial_jobs(ui->store, ui->cur, seq, &jobs,
			    &njobs);
		log_pick = njobs > 0 ? (log_pick + 1) % (2 * njobs) : 0;
		store_job_refs_free(jobs, njobs);
		top = ndoc; /* the log is at the end */
		return 1;
	default:
		return 0;
	}
}

static int
tick(struct ui *ui)
{
	return model_trials(ui, 0);
}

const struct screen_ops screen_detail = { enter, draw, NULL, action, tick };
