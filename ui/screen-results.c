/*
 * Results: every trial of the experiment, from the store, sortable by
 * any column (number, status, value, stddev, each parameter) and
 * filterable (words that must all hold: NAME=value, status=failed,
 * value>N, stddev<=N, or text found in the configuration or the
 * reason); Enter shows a trial in detail; x exports the trials shown
 * to a CSV file in the current directory and says where.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/buf.h"
#include "../src/xmalloc.h"
#include "ui.h"

#define FIXED_COLS 5 /* trial, status, value, stddev, n */
/* Their widths, a space included: status fits "interrupted". */
static const int fixed_w[FIXED_COLS] = { 7, 12, 11, 10, 4 };
#define PARAM_W 11

static struct w_list list;

/* Where fixed column c starts (FIXED_COLS: the parameters). */
static int
fixed_x(int c)
{
	int x = 0, i;

	for (i = 0; i < c; i++)
		x += fixed_w[i];
	return x;
}
static size_t *view; /* indices into ui->trials, filtered and sorted */
static size_t nview;
static int sort_col = 0, sort_rev = 0;
static size_t hscroll; /* parameters scrolled off to the left */
static char filt[256];

#define param_value model_value

static size_t
nparams(const struct ui *ui)
{
	return ui->npnames;
}

static const char *
column_name(const struct ui *ui, int c)
{
	static const char *const fixed[FIXED_COLS] = { "trial", "status",
		"value", "stddev", "n" };

	if (c >= 0 && c < FIXED_COLS)
		return fixed[c];
	return ui->pnames[c - FIXED_COLS];
}

static const struct ui *sort_ui;

static int
cmp_num(double a, double b, int ha, int hb)
{
	if (ha != hb)
		return ha ? -1 : 1; /* values first */
	if (!ha || a == b)
		return 0;
	return a < b ? -1 : 1;
}

static int
cmp_view(const void *pa, const void *pb)
{
	const struct store_trial *a = &sort_ui->trials[*(const size_t *)pa],
				 *b = &sort_ui->trials[*(const size_t *)pb];
	const char *va, *vb;
	char *ea, *eb;
	double da, db;
	int r = 0;

	switch (sort_col) {
	case 0:
		r = cmp_num((double)a->seq, (double)b->seq, 1, 1);
		break;
	case 1:
		r = strcmp(a->state, b->state);
		break;
	case 2:
		r = cmp_num(a->value, b->value, a->has_value, b->has_value);
		break;
	case 3:
		r = cmp_num(a->stddev, b->stddev, a->has_value, b->has_value);
		break;
	case 4:
		r = cmp_num(a->n, b->n, 1, 1);
		break;
	default:
		va = param_value(a, column_name(sort_ui, sort_col));
		vb = param_value(b, column_name(sort_ui, sort_col));
		if (va == NULL || vb == NULL) {
			r = (va == NULL) - (vb == NULL);
			break;
		}
		da = strtod(va, &ea);
		db = strtod(vb, &eb);
		if (*va != '\0' && *ea == '\0' && *vb != '\0' && *eb == '\0')
			r = cmp_num(da, db, 1, 1);
		else
			r = strcmp(va, vb);
	}
	if (sort_rev)
		r = -r;
	if (r == 0)
		r = a->seq < b->seq ? -1 : a->seq > b->seq;
	return r;
}

/* One word of the filter against a trial. */
static int
matches_word(const struct store_trial *t, const char *w)
{
	const char *op = strpbrk(w, "=<>!");
	char name[128], *end;
	const char *v;
	double x, lim;
	size_t i, n;
	int cmp;

	if (op != NULL && op > w) {
		n = (size_t)(op - w) < sizeof name - 1 ? (size_t)(op - w) :
							 sizeof name - 1;
		memcpy(name, w, n);
		name[n] = '\0';
		if (strcmp(name, "value") == 0 || strcmp(name, "stddev") == 0 ||
		    strcmp(name, "n") == 0 || strcmp(name, "trial") == 0) {
			const char *num = op + 1 + (op[1] == '=');

			lim = strtod(num, &end);
			if (*end != '\0' || end == num)
				return 0;
			if (name[0] != 'n' && name[0] != 't' && !t->has_value)
				return 0;
			x = name[0] == 'v' ? t->value :
			    name[0] == 's' ? t->stddev :
			    name[0] == 'n' ? t->n :
					     (double)t->seq;
			cmp = x < lim ? -1 : x > lim;
			if (op[0] == '<')
				return op[1] == '=' ? cmp <= 0 : cmp < 0;
			if (op[0] == '>')
				return op[1] == '=' ? cmp >= 0 : cmp > 0;
			if (op[0] == '!')
				return cmp != 0;
			return cmp == 0;
		}
		if (strcmp(name, "status") == 0 || strcmp(name, "state") == 0)
			return op[0] == '!' ? strcmp(t->state, op + 2) != 0 :
					      strcmp(t->state, op + 1) == 0;
		if ((v = param_value(t, name)) != NULL && op[0] == '=')
			return strcmp(v, op + 1) == 0;
		if (v != NULL && op[0] == '!' && op[1] == '=')
			return strcmp(v, op + 2) != 0;
	}
	/* Text anywhere in the configuration, state or reason. */
	if (strstr(t->state, w) != NULL ||
	    (t->reason != NULL && strstr(t->reason, w) != NULL))
		return 1;
	for (i = 0; i < t->nvalues; i++) {
		char pair[512];

		snprintf(pair, sizeof pair, "%s=%s", t->names[i], t->values[i]);
		if (strstr(pair, w) != NULL)
			return 1;
	}
	return 0;
}

static int
matches(const struct store_trial *t)
{
	char copy[sizeof filt], *w, *save = NULL;

	snprintf(copy, sizeof copy, "%s", filt);
	for (w = strtok_r(copy, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save))
		if (!matches_word(t, w))
			return 0;
	return 1;
}

static void
rebuild(struct ui *ui)
{
	size_t i;

	free(view);
	view = xcalloc(ui->ntrials + 1, sizeof *view);
	nview = 0;
	for (i = 0; i < ui->ntrials; i++)
		if (matches(&ui->trials[i]))
			view[nview++] = i;
	if (sort_col >= FIXED_COLS + (int)nparams(ui))
		sort_col = 0;
	sort_ui = ui;
	qsort(view, nview, sizeof *view, cmp_view);
	sort_ui = NULL;
	list.n = nview;
}

static int
rows(const struct ui *ui)
{
	return ui->rows - 3 - 2;
}

static void
draw(struct ui *ui, WINDOW *w)
{
	const struct th_glyphs *g = theme_glyphs();
	const struct store_trial *t;
	char head[64], num[32], sd[32];
	size_t i, k, np;
	int y, x, c;
	attr_t a;

	if (ui->cur == 0) {
		w_put(w, 1, 2, ui->cols - 4,
		    "No experiment chosen: 1 lists them.", theme_attr(TH_DIM));
		return;
	}
	rebuild(ui);
	np = nparams(ui);
	if (hscroll >= np)
		hscroll = np > 0 ? np - 1 : 0;
	w_fill(w, 0, 0, ui->cols, " ", theme_attr(TH_HEADER));
	x = 0;
	for (c = 0; c < FIXED_COLS + (int)np; c++) {
		int wd = c < FIXED_COLS ? fixed_w[c] : PARAM_W;

		if (c >= FIXED_COLS && (size_t)(c - FIXED_COLS) < hscroll)
			continue;
		if (x + wd > ui->cols)
			break;
		snprintf(head, sizeof head, "%s%s", column_name(ui, c),
		    c == sort_col ? (sort_rev ? g->down : g->up) : "");
		w_printf(w, 0, x, wd - 1, theme_attr(TH_HEADER),
		    c >= 2 && c <= 4 ? "%*s" : "%-*s", wd - 1, head);
		x += wd;
	}
	w_list_fit(&list, rows(ui));
	for (k = list.top, y = 1; k < nview && y <= rows(ui); k++, y++) {
		t = &ui->trials[view[k]];
		a = k == list.sel ? theme_attr(TH_SELECT) : A_NORMAL;
		if (a != A_NORMAL)
			w_fill(w, y, 0, ui->cols, " ", a);
		w_printf(w, y, 0, 7,
		    a | (t->baseline ? theme_attr(TH_BASELINE) : 0), "%-6lld",
		    (long long)t->seq);
		w_printf(w, y, fixed_x(1), fixed_w[1],
		    a |
			(strcmp(t->state, "failed") == 0 ? theme_attr(TH_BAD) :
				strcmp(t->state, "done") == 0 ?
							   0 :
							   theme_attr(TH_DIM)),
		    "%-*s", fixed_w[1] - 1, t->state);
		snprintf(num, sizeof num, "%.6g", t->value);
		snprintf(sd, sizeof sd, "%.4g", t->stddev);
		w_printf(w, y, fixed_x(2), fixed_x(FIXED_COLS) - fixed_x(2), a,
		    "%10s %9s %3d", t->has_value ? num : "-",
		    t->has_value ? sd : "-", t->n);
		x = fixed_x(FIXED_COLS);
		for (i = hscroll; i < np && x + PARAM_W <= ui->cols;
		     i++, x += PARAM_W) {
			const char *v = param_value(t, ui->pnames[i]);

			w_printf(w, y, x, PARAM_W - 1, a, "%s",
			    v != NULL ? v : "-");
		}
	}
	w_printf(w, rows(ui) + 1, 0, ui->cols, theme_attr(TH_DIM),
	    "%zu of %zu trials%s%s%s; o sorts, Left/Right scroll "
	    "parameters",
	    nview, ui->ntrials, filt[0] ? " matching \"" : "", filt,
	    filt[0] ? "\"" : "");
}

static void
filter_done(struct ui *ui, const char *text)
{
	if (text == NULL)
		return;
	snprintf(filt, sizeof filt, "%s", text);
	list.sel = list.top = 0;
	ui->dirty |= DIRTY_BODY;
}

static void
csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n\r") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* The trials shown, in their order, with every metric's median. */
static void
export_csv(struct ui *ui)
{
	char path[PATH_MAX + 300], cwd[PATH_MAX], **metrics = NULL;
	const struct store_trial *t;
	size_t i, k, m, nm = 0;
	FILE *f;

	rebuild(ui);
	if (getcwd(cwd, sizeof cwd) == NULL || access(cwd, W_OK) != 0)
		snprintf(cwd, sizeof cwd, "%s",
		    getenv("HOME") != NULL ? getenv("HOME") : "/tmp");
	snprintf(path, sizeof path, "%s/wayfinder-%lld-%.200s.csv", cwd,
	    (long long)ui->cur,
	    ui->curx.name != NULL ? ui->curx.name : "results");
	if ((f = fopen(path, "w")) == NULL) {
		ui_error(ui, "cannot write %s: %s", path, strerror(errno));
		return;
	}
	for (k = 0; k < nview; k++) {
		t = &ui->trials[view[k]];
		for (i = 0; i < t->nmetrics; i++) {
			for (m = 0; m < nm; m++)
				if (strcmp(metrics[m], t->metrics[i].name) == 0)
					break;
			if (m == nm) {
				metrics = xreallocarray(metrics, nm + 1,
				    sizeof *metrics);
				metrics[nm++] = t->metrics[i].name;
			}
		}
	}
	fputs("trial,status,value,stddev,n,baseline", f);
	for (i = 0; i < nparams(ui); i++) {
		fputc(',', f);
		csv_field(f, ui->pnames[i]);
	}
	for (m = 0; m < nm; m++) {
		fputc(',', f);
		csv_field(f, metrics[m]);
	}
	fputs(",reason\n", f);
	for (k = 0; k < nview; k++) {
		t = &ui->trials[view[k]];
		fprintf(f, "%lld,%s,", (long long)t->seq, t->state);
		if (t->has_value)
			fprintf(f, "%.17g,%.17g", t->value, t->stddev);
		else
			fputc(',', f);
		fprintf(f, ",%d,%d", t->n, t->baseline);
		for (i = 0; i < nparams(ui); i++) {
			fputc(',', f);
			if (param_value(t, ui->pnames[i]) != NULL)
				csv_field(f, param_value(t, ui->pnames[i]));
		}
		for (m = 0; m < nm; m++) {
			fputc(',', f);
			for (i = 0; i < t->nmetrics; i++)
				if (strcmp(t->metrics[i].name, metrics[m]) == 0)
					fprintf(f, "%.17g",
					    t->metrics[i].median);
		}
		fputc(',', f);
		if (t->reason != NULL)
			csv_field(f, t->reason);
		fputc('\n', f);
	}
	free(metrics);
	if (fclose(f) != 0)
		ui_error(ui, "cannot write %s: %s", path, strerror(errno));
	else
		ui_say(ui, "wrote %zu trial%s to %s", nview,
		    nview == 1 ? "" : "s", path);
}

static void
enter(struct ui *ui)
{
	model_trials(ui, 1);
}

static int
action(struct ui *ui, enum ui_action a)
{
	if (w_list_key(&list, a, rows(ui)))
		return 1;
	switch (a) {
	case ACT_ENTER:
		if (nview > 0 && list.sel < nview) {
			detail_open(ui, ui->trials[view[list.sel]].seq);
			ui_show(ui, SCR_DETAIL);
		}
		return 1;
	case ACT_SORT:
		sort_col = (sort_col + 1) % (FIXED_COLS + (int)nparams(ui));
		/* Best first when sorting by value. */
		sort_rev = sort_col == 2 && ui->curx.direction != NULL &&
		    strcmp(ui->curx.direction, "maximize") == 0;
		ui_say(ui, "sorted by %s", column_name(ui, sort_col));
		return 1;
	case ACT_REVERSE:
		sort_rev = !sort_rev;
		return 1;
	case ACT_SEARCH:
		ui_prompt(ui,
		    "Filter (NAME=v value>N status=failed text):", filt,
		    filter_done);
		return 1;
	case ACT_CLEAR:
		filt[0] = '\0';
		return 1;
	case ACT_EXPORT:
		export_csv(ui);
		return 1;
	case ACT_LEFT:
		if (hscroll > 0)
			hscroll--;
		return 1;
	case ACT_RIGHT:
		hscroll++;
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

const struct screen_ops screen_results = { enter, draw, NULL, action, tick };
