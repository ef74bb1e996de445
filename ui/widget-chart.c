/*
 * The convergence chart: every trial's value as a point over its
 * number, the best so far as a line, and the baseline (the default
 * configuration) as a reference line across. Cells only, so that it
 * reads over any terminal; the glyphs come from the theme.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "ui.h"

static int
row_of(double v, double lo, double hi, int ph)
{
	int r;

	if (hi <= lo)
		return ph / 2;
	r = (int)lround((hi - v) / (hi - lo) * (ph - 1));
	return r < 0 ? 0 : r >= ph ? ph - 1 : r;
}

void
w_chart(WINDOW *win, int y, int x, int h, int w, const struct w_chart_point *p,
    size_t n, int maximize, const char *label)
{
	const struct th_glyphs *g = theme_glyphs();
	double lo = INFINITY, hi = -INFINITY, xmax = 1, base = NAN, best;
	char num[32];
	int lw = 8, pw = w - lw, ph = h - 1, c, r, have;
	size_t i;

	if (pw < 4 || ph < 2)
		return;
	for (i = 0; i < n; i++) {
		if (!isfinite(p[i].y))
			continue;
		lo = fmin(lo, p[i].y);
		hi = fmax(hi, p[i].y);
		xmax = fmax(xmax, p[i].x);
		if (p[i].baseline)
			base = p[i].y;
	}
	if (n == 0 || !isfinite(lo)) {
		w_put(win, y + ph / 2, x + lw, pw, "no measured trial yet",
		    theme_attr(TH_DIM));
		return;
	}
	if (hi == lo) {
		hi += fabs(hi) * 0.05 + 0.5;
		lo -= fabs(lo) * 0.05 + 0.5;
	}
	/* Axis labels: the top, the middle and the bottom. */
	w_put(win, y, x, lw - 1, model_num(hi, num, sizeof num),
	    theme_attr(TH_DIM));
	w_put(win, y + (ph - 1) / 2, x, lw - 1,
	    model_num((hi + lo) / 2, num, sizeof num), theme_attr(TH_DIM));
	w_put(win, y + ph - 1, x, lw - 1, model_num(lo, num, sizeof num),
	    theme_attr(TH_DIM));
	for (r = 0; r < ph; r++)
		w_put(win, y + r, x + lw - 1, 1, g->vline, theme_attr(TH_DIM));
	/* The baseline across. */
	if (isfinite(base))
		w_fill(win, y + row_of(base, lo, hi, ph), x + lw, pw,
		    g->baseline, theme_attr(TH_BASELINE));
	/* The best so far, column by column. */
	for (c = 0; c < pw; c++) {
		double upto = 1 + (xmax - 1) * c / (pw > 1 ? pw - 1 : 1);

		have = 0;
		best = 0;
		for (i = 0; i < n; i++) {
			if (!isfinite(p[i].y) || p[i].x > upto + 1e-9)
				continue;
			if (!have || (maximize ? p[i].y > best : p[i].y < best))
				best = p[i].y;
			have = 1;
		}
		if (have)
			w_put(win, y + row_of(best, lo, hi, ph), x + lw + c, 1,
			    g->bestline, theme_attr(TH_BEST));
	}
	/* The trials. */
	for (i = 0; i < n; i++) {
		if (!isfinite(p[i].y))
			continue;
		c = xmax > 1 ?
		    (int)lround((p[i].x - 1) / (xmax - 1) * (pw - 1)) :
		    0;
		r = row_of(p[i].y, lo, hi, ph);
		w_put(win, y + r, x + lw + c, 1,
		    p[i].baseline ? "B" :
			p[i].best ? g->bestpt :
				    g->point,
		    p[i].baseline ? theme_attr(TH_BASELINE) :
			p[i].best ? theme_attr(TH_BEST) :
				    theme_attr(TH_NORMAL) | A_BOLD);
	}
	/* The x axis: first and last trial, and what is plotted. */
	w_fill(win, y + ph, x + lw, pw, " ", A_NORMAL);
	w_put(win, y + ph, x + lw, pw, "1", theme_attr(TH_DIM));
	snprintf(num, sizeof num, "%.0f", xmax);
	w_put(win, y + ph, x + lw + pw - w_width(num), w_width(num), num,
	    theme_attr(TH_DIM));
	if (label != NULL)
		w_put(win, y + ph, x + lw + (pw - w_width(label)) / 2, pw - 2,
		    label, theme_attr(TH_DIM));
}
