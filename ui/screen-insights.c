/*
 * Insights: which parameters matter, as a bar chart of each one's share
 * of the objective's variance (functional ANOVA over a random forest:
 * strategies/forest.h and strategies/importance.h, as wayfinder
 * insights computes it), with the value its marginal favours and the
 * strongest interactions. Computed from the trials measured so far when
 * the screen opens and on u; bounded, so a wide space stays quick.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/diag.h"
#include "../src/space.h"
#include "../src/spec.h"
#include "../src/xmalloc.h"
#include "../strategies/forest.h"
#include "../strategies/importance.h"
#include "ui.h"

#define TREES 32
#define MIN_TRIALS 4

struct row {
	char name[64];
	double share, sd;
	char best[64]; /* the value the marginal favours */
};

static struct row *rows_v;
static size_t nrows;
static char pairs[4][128];
static int npairs;
static char note[256];
static int64_t for_exp;
static size_t for_trials;
static size_t top;

static int
cmp_share(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void
compute(struct ui *ui)
{
	struct diags d = { NULL, 0, 0 };
	struct forest_features *ff;
	struct forest_opts o;
	struct forest *fo;
	struct importance *im;
	struct spec *s;
	struct space *sp;
	int32_t *x;
	double *y, bestv;
	size_t i, j, n = 0, f;
	int64_t k, vi;
	int logs = 1, bad, maximize;
	char buf[64];
	int32_t l, bestl;

	free(rows_v);
	rows_v = NULL;
	nrows = 0;
	npairs = 0;
	note[0] = '\0';
	for_exp = ui->cur;
	model_trials(ui, 1);
	for_trials = ui->ntrials;
	if (ui->cur == 0 || ui->curx.spec_text == NULL) {
		snprintf(note, sizeof note,
		    "No experiment chosen: 1 lists them.");
		return;
	}
	s = spec_parse(ui->curx.spec_path, ui->curx.spec_text,
	    strlen(ui->curx.spec_text), &d);
	diag_free(&d);
	if (s == NULL) {
		snprintf(note, sizeof note,
		    "The spec no longer loads (its files moved?): wayfinder "
		    "insights %lld still works from the trials.",
		    (long long)ui->cur);
		return;
	}
	maximize = s->direction == DIR_MAXIMIZE;
	sp = space_new(s);
	ff = forest_features_new(sp);
	x = xcalloc((ui->ntrials + 1) * (s->nparams + 1), sizeof *x);
	y = xcalloc(ui->ntrials + 1, sizeof *y);
	for (i = 0; i < ui->ntrials; i++) {
		const struct store_trial *t = &ui->trials[i];
		int32_t *row = x + n * s->nparams;

		if (strcmp(t->state, "done") != 0 || !t->has_value ||
		    !isfinite(t->value))
			continue;
		memset(row, 0, s->nparams * sizeof *row);
		for (j = 0, bad = 0; j < t->nvalues && !bad; j++) {
			if ((k = spec_param_index(s, t->names[j])) < 0)
				continue;
			vi = spec_value_index(&s->params[k], t->values[j]);
			if (vi < 0)
				bad = 1;
			else
				row[k] = forest_level(ff, (size_t)k, vi);
		}
		if (bad)
			continue;
		y[n] = t->value;
		logs &= t->value > 0;
		n++;
	}
	if (n < MIN_TRIALS) {
		snprintf(note, sizeof note,
		    "%zu measured trial%s: importance needs at least %d.", n,
		    n == 1 ? "" : "s", MIN_TRIALS);
		goto out;
	}
	for (i = 0; i < n && logs; i++)
		y[i] = log(y[i]);
	forest_opts_default(&o);
	o.ntrees = TREES;
	o.max_work = 2000000;
	fo = forest_fit(ff->f, s->nparams, x, y, n, &o, 1);
	im = importance_compute(fo, 1);
	rows_v = xcalloc(s->nparams + 1, sizeof *rows_v);
	nrows = s->nparams;
	for (f = 0; f < s->nparams; f++) {
		snprintf(rows_v[f].name, sizeof rows_v[f].name, "%s",
		    s->params[f].name);
		rows_v[f].share = im->share[f];
		rows_v[f].sd = im->share_sd[f];
		bestl = -1;
		bestv = 0;
		for (l = ff->f[f].lo; l < ff->f[f].nlevels; l++) {
			double m = im->marginal[f][l];

			if (!isfinite(m))
				continue;
			if (bestl < 0 || (maximize ? m > bestv : m < bestv)) {
				bestv = m;
				bestl = l;
			}
		}
		if (bestl == 0)
			snprintf(rows_v[f].best, sizeof rows_v[f].best,
			    "(inactive)");
		else if (bestl > 0 && (vi = forest_value(ff, f, bestl)) >= 0)
			snprintf(rows_v[f].best, sizeof rows_v[f].best, "%s",
			    spec_value(&s->params[f], (uint64_t)vi, buf,
				sizeof buf));
	}
	qsort(rows_v, nrows, sizeof *rows_v, cmp_share);
	for (i = 0; i < im->npairs && npairs < 4; i++)
		snprintf(pairs[npairs++], sizeof pairs[0], "%s x %s: %.0f%%",
		    s->params[im->pairs[i].a].name,
		    s->params[im->pairs[i].b].name, 100 * im->pairs[i].share);
	{
		double main = 0;

		for (f = 0; f < s->nparams; f++)
			main += im->share[f];
		snprintf(note, sizeof note,
		    "%zu measured trials, %s%s; main effects %.0f%%, pairs "
		    "%.0f%% of the variance",
		    n, logs ? "log " : "", s->objective, 100 * main,
		    100 * im->pairs_total);
	}
	importance_free(im);
	forest_free(fo);
out:
	free(x);
	free(y);
	forest_features_free(ff);
	space_free(sp);
	spec_free(s);
}

static void
enter(struct ui *ui)
{
	if (ui->cur == 0 && ui->nexps > 0)
		ui_set_current(ui, ui->exps[0].id);
	top = 0;
	compute(ui);
}

static void
draw(struct ui *ui, WINDOW *w)
{
	int y = 0, rows = ui->rows - 3, namew = 20, barw;
	char pct[32];
	size_t i;

	if (for_exp != ui->cur)
		compute(ui);
	w_printf(w, y++, 1, ui->cols - 2, theme_attr(TH_TITLE),
	    "Parameter importance of #%lld %s (fANOVA over a random forest)",
	    (long long)ui->cur, ui->curx.name != NULL ? ui->curx.name : "");
	w_put(w, y++, 1, ui->cols - 2, note, theme_attr(TH_DIM));
	y++;
	if (nrows == 0)
		return;
	barw = ui->cols - namew - 2 - 14 - 16;
	w_printf(w, y++, 1, ui->cols - 2, theme_attr(TH_HEADER),
	    "%-*s %-*s %13s %-15s", namew - 1, "PARAMETER", barw, "SHARE", "",
	    "BEST VALUE");
	if (top >= nrows)
		top = nrows - 1;
	for (i = top; i < nrows && y < rows - npairs - 2; i++, y++) {
		w_printf(w, y, 1, namew - 1, A_BOLD, "%s", rows_v[i].name);
		w_bar(w, y, namew + 1, barw, rows_v[i].share,
		    theme_attr(TH_BAR));
		snprintf(pct, sizeof pct, "%5.1f%% +-%4.1f",
		    100 * rows_v[i].share, 100 * rows_v[i].sd);
		w_put(w, y, namew + 2 + barw, 14, pct, A_NORMAL);
		w_put(w, y, namew + 2 + barw + 14, ui->cols - namew - barw - 17,
		    rows_v[i].best, theme_attr(TH_BEST));
	}
	if (npairs > 0) {
		y = rows - npairs - 1;
		w_put(w, y++, 1, ui->cols - 2, "Strongest interactions",
		    theme_attr(TH_HEADER));
		for (i = 0; i < (size_t)npairs; i++)
			w_put(w, y++, 3, ui->cols - 4, pairs[i], A_NORMAL);
	}
}

static int
action(struct ui *ui, enum ui_action a)
{
	switch (a) {
	case ACT_REFRESH:
		compute(ui);
		ui_say(ui, "importance from %zu trials", for_trials);
		return 1;
	case ACT_UP:
		if (top > 0)
			top--;
		return 1;
	case ACT_DOWN:
		if (top + 1 < nrows)
			top++;
		return 1;
	default:
		return 0;
	}
}

const struct screen_ops screen_insights = { enter, draw, NULL, action, NULL };
