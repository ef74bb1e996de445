/*
 * The experiments screen: every experiment of the state directory with
 * its state, progress, best value and ETA (the daemon's status, kept
 * current by its progress and state events); open one's live view,
 * pause, resume or stop it, or start a new one in the editor.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ui.h"

static struct w_list list;
static int64_t sel_id; /* kept across status answers */

static int
body_rows(const struct ui *ui)
{
	return ui->rows - 3 - 2 - 5; /* header and the detail below */
}

static void
follow_selection(struct ui *ui)
{
	size_t i;

	list.n = ui->nexps;
	for (i = 0; i < ui->nexps; i++)
		if (ui->exps[i].id == sel_id)
			list.sel = i;
	w_list_fit(&list, body_rows(ui));
	sel_id = list.n > 0 ? ui->exps[list.sel].id : 0;
}

static void
enter(struct ui *ui)
{
	ui->status_at = 0; /* fresh figures */
	if (sel_id == 0 && ui->cur != 0)
		sel_id = ui->cur;
}

static attr_t
state_attr(const char *state)
{
	if (strcmp(state, "running") == 0)
		return theme_attr(TH_GOOD) | A_BOLD;
	if (strcmp(state, "done") == 0)
		return theme_attr(TH_NORMAL);
	if (strcmp(state, "interrupted") == 0)
		return theme_attr(TH_WARN);
	return theme_attr(TH_DIM);
}

static void
draw(struct ui *ui, WINDOW *w)
{
	const struct ui_exp *e;
	char num[32], eta[32], prog[32], lost[32] = "";
	int rows = body_rows(ui), y, x;
	size_t i;
	attr_t a;

	follow_selection(ui);
	w_printf(w, 0, 0, ui->cols, theme_attr(TH_HEADER),
	    "%4s %-16s %-11s %-19s %9s %7s %-8s", "ID", "NAME", "STATE",
	    "PROGRESS", "BEST", "ETA", "STRATEGY");
	if (ui->nexps == 0) {
		w_put(w, 2, 2, ui->cols - 4,
		    "No experiment yet. n opens the space editor; or run one:",
		    A_NORMAL);
		w_put(w, 3, 4, ui->cols - 6,
		    "wayfinder run profiles/quickstart/quickstart.yaml",
		    theme_attr(TH_DIM));
		return;
	}
	for (i = list.top, y = 1; i < ui->nexps && y <= rows; i++, y++) {
		e = &ui->exps[i];
		a = i == list.sel ? theme_attr(TH_SELECT) : A_NORMAL;
		if (a != A_NORMAL)
			w_fill(w, y, 0, ui->cols, " ", a);
		w_printf(w, y, 0, 22, a, "%4lld %-16.16s", (long long)e->id,
		    e->name);
		w_printf(w, y, 22, 12, a | state_attr(e->state), "%-11s",
		    e->state);
		x = 34;
		w_bar(w, y, x, 8,
		    e->budget > 0 ?
			(double)(e->done + e->failed + e->lost) / e->budget :
			0,
		    a | theme_attr(TH_BAR));
		if (e->budget > 0)
			snprintf(prog, sizeof prog, "%lld/%lld",
			    (long long)(e->done + e->failed + e->lost),
			    (long long)e->budget);
		else
			snprintf(prog, sizeof prog, "%lld",
			    (long long)(e->done + e->failed + e->lost));
		w_printf(w, y, x + 9, 11, a, "%-10s", prog);
		if (e->eta >= 0 && strcmp(e->state, "running") == 0)
			model_duration(e->eta, eta, sizeof eta);
		else
			snprintf(eta, sizeof eta, "-");
		w_printf(w, y, 54, ui->cols - 54, a, "%9s %7s %-8s",
		    e->have_best ? model_num(e->best, num, sizeof num) : "-",
		    eta, e->strategy);
	}
	/* The chosen experiment in a few lines. */
	e = &ui->exps[list.sel];
	y = rows + 2;
	w_printf(w, y++, 1, ui->cols - 2, theme_attr(TH_TITLE), "#%lld %s",
	    (long long)e->id, e->name);
	w_printf(w, y++, 1, ui->cols - 2, A_NORMAL, "spec: %s", e->spec);
	if (e->lost > 0)
		snprintf(lost, sizeof lost, "%lld lost, ", (long long)e->lost);
	w_printf(w, y++, 1, ui->cols - 2, A_NORMAL,
	    "objective: %s %s; %lld measured, %lld failed, %s%lld running%s",
	    e->direction, e->objective, (long long)e->done,
	    (long long)e->failed, lost, (long long)e->running,
	    e->daemon ? "" : " (not the daemon's)");
	if (e->have_best)
		w_printf(w, y++, 1, ui->cols - 2, theme_attr(TH_BEST),
		    "best: trial %lld, %s", (long long)e->best_trial,
		    model_num(e->best, num, sizeof num));
}

static int
action(struct ui *ui, enum ui_action a)
{
	const struct ui_exp *e =
	    list.n > 0 && list.sel < ui->nexps ? &ui->exps[list.sel] : NULL;

	if (w_list_key(&list, a, body_rows(ui))) {
		sel_id = list.n > 0 ? ui->exps[list.sel].id : 0;
		ui->dirty |= DIRTY_HEAD;
		return 1;
	}
	switch (a) {
	case ACT_ENTER:
		if (e == NULL)
			return 1;
		ui_set_current(ui, e->id);
		ui_show(ui, SCR_LIVE);
		return 1;
	case ACT_PAUSE:
	case ACT_RESUME:
	case ACT_STOP:
		if (e != NULL)
			ui_control(ui,
			    a == ACT_PAUSE      ? "pause" :
				a == ACT_RESUME ? "resume" :
						  "stop",
			    e->id);
		return 1;
	case ACT_NEW:
		editor_open(ui, NULL);
		ui_show(ui, SCR_EDITOR);
		return 1;
	case ACT_EDIT_SPEC:
		if (e == NULL)
			return 1;
		editor_open(ui, e->spec);
		ui_show(ui, SCR_EDITOR);
		return 1;
	default:
		return 0;
	}
}

static int
tick(struct ui *ui)
{
	(void)ui;
	return 0;
}

const struct screen_ops screen_experiments = { enter, draw, NULL, action,
	tick };
