/*
 * A horizontal bar: progress and parameter importance. Whole cells,
 * and a half cell where the share falls between two.
 */
#include "config.h"

#include <math.h>

#include "ui.h"

void
w_bar(WINDOW *w, int y, int x, int width, double share, attr_t a)
{
	const struct th_glyphs *g = theme_glyphs();
	double cells;
	int full;

	if (width <= 0)
		return;
	if (!(share > 0))
		share = 0;
	if (share > 1)
		share = 1;
	cells = share * width;
	full = (int)floor(cells);
	w_fill(w, y, x, full, g->full, a);
	if (full < width && cells - full >= 0.5)
		w_put(w, y, x + full, 1, g->half, a);
}
