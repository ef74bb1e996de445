/*
 * A scrolling selection: which row is chosen and which is at the top,
 * moved by the navigation actions of the key table.
 */
#include "config.h"

#include "ui.h"

void
w_list_fit(struct w_list *l, int height)
{
	size_t h = height > 0 ? (size_t)height : 1;

	if (l->n == 0) {
		l->sel = l->top = 0;
		return;
	}
	if (l->sel >= l->n)
		l->sel = l->n - 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + h)
		l->top = l->sel - h + 1;
	if (l->top + h > l->n)
		l->top = l->n > h ? l->n - h : 0;
}

int
w_list_key(struct w_list *l, enum ui_action a, int height)
{
	size_t page = height > 1 ? (size_t)height - 1 : 1;

	if (l->n == 0)
		return 0;
	switch (a) {
	case ACT_UP:
		if (l->sel > 0)
			l->sel--;
		break;
	case ACT_DOWN:
		if (l->sel + 1 < l->n)
			l->sel++;
		break;
	case ACT_PGUP:
		l->sel = l->sel > page ? l->sel - page : 0;
		break;
	case ACT_PGDN:
		l->sel = l->sel + page < l->n ? l->sel + page : l->n - 1;
		break;
	case ACT_HOME:
		l->sel = 0;
		break;
	case ACT_END:
		l->sel = l->n - 1;
		break;
	default:
		return 0;
	}
	w_list_fit(l, height);
	return 1;
}
