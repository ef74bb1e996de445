/*
 * Help (F1, ?): generated from the key table in keys.c, the same table
 * that dispatches keys and fills the hint bar, so it cannot go stale.
 * Keys are grouped by the screen they work on; those of every screen
 * come last.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/xmalloc.h"
#include "ui.h"

static size_t top;

struct hline {
	char text[160];
	attr_t a;
};

static size_t
build(struct hline *out, size_t cap)
{
	static const enum ui_screen order[] = { SCR_EXPERIMENTS, SCR_LIVE,
		SCR_RESULTS, SCR_DETAIL, SCR_INSIGHTS, SCR_EDITOR };
	const struct ui_binding *t = keys_table(), *b, *p;
	size_t n = 0, i;
	int dup;

#define LINE(attr, ...) \
	do { \
		if (n < cap) { \
			snprintf(out[n].text, sizeof out[n].text, \
			    __VA_ARGS__); \
			out[n].a = (attr); \
		} \
		n++; \
	} while (0)

	LINE(theme_attr(TH_TITLE), "Wayfinder: keys (q goes back)");
	for (i = 0; i <= sizeof order / sizeof order[0]; i++) {
		int any = 0;

		for (b = t; b->key != 0; b++) {
			if (i < sizeof order / sizeof order[0] ?
				(b->screens & KS(order[i])) == 0 :
				b->screens != KS_ALL)
				continue;
			/* A key listed once per action and screen. */
			for (dup = 0, p = t; p < b && !dup; p++)
				dup = p->action == b->action &&
				    p->screens == b->screens &&
				    strcmp(p->name, b->name) == 0;
			if (dup)
				continue;
			if (!any++) {
				LINE(A_NORMAL, "%s", "");
				LINE(theme_attr(TH_HEADER), "%s",
				    i < sizeof order / sizeof order[0] ?
					keys_screen_name(order[i]) :
					"Every screen");
			}
			LINE(A_NORMAL, "  %-7s %s", b->name, b->desc);
		}
	}
	LINE(A_NORMAL, "%s", "");
	LINE(theme_attr(TH_DIM), "%s",
	    "Quitting leaves the daemon and its experiments running; "
	    "wayfinder tui comes back to them.");
	LINE(theme_attr(TH_DIM), "%s",
	    "NO_COLOR turns colour off; a locale that is not UTF-8 gets "
	    "ASCII. The manual is wayfinder(1).");
#undef LINE
	return n;
}

static void
draw(struct ui *ui, WINDOW *w)
{
	struct hline *v;
	size_t n, i;
	int y, rows = ui->rows - 3;

	n = build(NULL, 0);
	v = xcalloc(n + 1, sizeof *v);
	build(v, n);
	if (top + (size_t)rows > n)
		top = n > (size_t)rows ? n - (size_t)rows : 0;
	for (i = top, y = 0; i < n && y < rows; i++, y++)
		w_put(w, y, 1, ui->cols - 2, v[i].text, v[i].a);
	free(v);
}

static void
enter(struct ui *ui)
{
	(void)ui;
	top = 0;
}

static int
action(struct ui *ui, enum ui_action a)
{
	size_t page = (size_t)(ui->rows - 4);

	if (w_scroll(&top, page, (size_t)-1 / 2, a))
		return 1;
	switch (a) {
	case ACT_HELP:
		return 1;
	default:
		return 0;
	}
}

const struct screen_ops screen_help = { enter, draw, NULL, action, NULL };
