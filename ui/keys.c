/*
 * The key bindings: one table that input handling, the help screen and
 * the hint bar all read (house rule 7), so that a key cannot do one
 * thing and be described as another. An entry binds a key on some
 * screens (or all) to an action; the first match wins, so a screen's
 * own binding comes before a global one of the same key.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ui.h"

#define CTRL(c) ((c)&0x1f)
#define K_EXP KS(SCR_EXPERIMENTS)
#define K_LIVE KS(SCR_LIVE)
#define K_RES KS(SCR_RESULTS)
#define K_DET KS(SCR_DETAIL)
#define K_INS KS(SCR_INSIGHTS)
#define K_ED KS(SCR_EDITOR)
#define K_HELP KS(SCR_HELP)

static const struct ui_binding table[] = {
	/* Experiments. */
	{ '\n', K_EXP, ACT_ENTER, "Enter", "open the experiment's live view",
	    "open" },
	{ 'p', K_EXP | K_LIVE, ACT_PAUSE, "p",
	    "pause the experiment (running jobs finish)", "pause" },
	{ 'r', K_EXP | K_LIVE, ACT_RESUME, "r",
	    "resume a paused or stopped one", "resume" },
	{ 's', K_EXP | K_LIVE, ACT_STOP, "s",
	    "stop it now (asks first; resumable)", "stop" },
	{ 'n', K_EXP, ACT_NEW, "n", "new experiment: the space editor", "new" },
	{ 'e', K_EXP, ACT_EDIT_SPEC, "e", "edit the experiment's spec",
	    "edit" },
	/* Live view. */
	{ '\n', K_LIVE, ACT_ENTER, "Enter",
	    "the log of the job on the chosen CPU (core map)", NULL },
	{ 'l', K_LIVE, ACT_LOG, "l", "log tail of the chosen job, or the chart",
	    "log" },
	/* Results. */
	{ '\n', K_RES, ACT_ENTER, "Enter", "the trial in detail", "detail" },
	{ 'o', K_RES, ACT_SORT, "o", "sort by the next column", "sort" },
	{ 'O', K_RES, ACT_REVERSE, "O", "reverse the order", NULL },
	{ '/', K_RES, ACT_SEARCH, "/",
	    "filter: text, NAME=value, value>N, status=failed", "filter" },
	{ 'c', K_RES, ACT_CLEAR, "c", "clear the filter", NULL },
	{ 'x', K_RES, ACT_EXPORT, "x", "export the trials shown to CSV",
	    "csv" },
	/* Trial detail. */
	{ 'l', K_DET, ACT_NEXT_LOG, "l", "the next log (stdout, stderr, jobs)",
	    "next log" },
	/* Insights. */
	{ 'u', K_INS, ACT_REFRESH, "u", "update with the trials so far",
	    "update" },
	/* Space editor. */
	{ '\n', K_ED, ACT_ENTER, "Enter", "edit the field or parameter",
	    "edit" },
	{ 'a', K_ED, ACT_ADD, "a", "add a parameter", "add" },
	{ 'd', K_ED, ACT_DELETE, "d", "delete the parameter", "delete" },
	{ 'w', K_ED, ACT_SAVE, "w", "write (save) the spec as YAML", "save" },
	{ CTRL('s'), K_ED, ACT_SAVE, "^S", "write (save) the spec", NULL },
	{ 'L', K_ED, ACT_LAUNCH, "L", "save and launch in the daemon",
	    "launch" },
	{ 'o', K_ED, ACT_OPEN_FILE, "o", "open a spec file", "open" },
	{ 'v', K_ED, ACT_VIEW, "v", "view the YAML as it will be saved",
	    "yaml" },
	/* Everywhere. */
	{ KEY_F(1), KS_ALL, ACT_HELP, "F1", "help: this list", NULL },
	{ '?', KS_ALL, ACT_HELP, "?", "help", "help" },
	{ 'q', KS_ALL, ACT_BACK, "q", "back (quit on the first screen)",
	    "back" },
	{ 27, KS_ALL, ACT_BACK, "Esc", "back", NULL },
	{ 'Q', KS_ALL, ACT_QUIT, "Q", "quit (experiments keep running)", NULL },
	{ KEY_F(10), KS_ALL, ACT_QUIT, "F10", "quit", NULL },
	{ CTRL('c'), KS_ALL, ACT_QUIT, "^C", "quit", NULL },
	{ '1', KS_ALL, ACT_GO_EXPERIMENTS, "1", "experiments", NULL },
	{ '2', KS_ALL, ACT_GO_LIVE, "2", "live view", NULL },
	{ '3', KS_ALL, ACT_GO_RESULTS, "3", "results", NULL },
	{ '4', KS_ALL, ACT_GO_INSIGHTS, "4", "insights", NULL },
	{ '5', KS_ALL, ACT_GO_EDITOR, "5", "space editor", NULL },
	{ CTRL('l'), KS_ALL, ACT_REDRAW, "^L", "redraw the screen", NULL },
	{ KEY_UP, KS_ALL, ACT_UP, "Up", "move up", NULL },
	{ 'k', KS_ALL, ACT_UP, "k", "move up", NULL },
	{ KEY_DOWN, KS_ALL, ACT_DOWN, "Down", "move down", NULL },
	{ 'j', KS_ALL, ACT_DOWN, "j", "move down", NULL },
	{ KEY_LEFT, KS_ALL, ACT_LEFT, "Left", "left, previous choice", NULL },
	{ 'h', KS_ALL, ACT_LEFT, "h", "left", NULL },
	{ KEY_RIGHT, KS_ALL, ACT_RIGHT, "Right", "right, next choice", NULL },
	{ 'l', KS_ALL, ACT_RIGHT, "l", "right (where l is not the log)", NULL },
	{ KEY_PPAGE, KS_ALL, ACT_PGUP, "PgUp", "page up", NULL },
	{ KEY_NPAGE, KS_ALL, ACT_PGDN, "PgDn", "page down", NULL },
	{ KEY_HOME, KS_ALL, ACT_HOME, "Home", "first", NULL },
	{ 'g', KS_ALL, ACT_HOME, "g", "first", NULL },
	{ KEY_END, KS_ALL, ACT_END, "End", "last", NULL },
	{ 'G', KS_ALL, ACT_END, "G", "last", NULL },
	{ '\t', KS_ALL, ACT_TAB, "Tab", "next pane", NULL },
	{ KEY_BTAB, KS_ALL, ACT_BTAB, "S-Tab", "previous pane", NULL },
	{ KEY_ENTER, KS_ALL, ACT_ENTER, "Enter", "choose", NULL },
	{ '\r', KS_ALL, ACT_ENTER, "Enter", "choose", NULL },
	{ '\n', KS_ALL, ACT_ENTER, "Enter", "choose", NULL },
	{ 0, 0, ACT_NONE, NULL, NULL, NULL },
};

static const char *const screen_names[SCR_N] = { "Experiments", "Live",
	"Results", "Insights", "Editor", "Help", "Trial" };

const char *
keys_screen_name(enum ui_screen s)
{
	return s < SCR_N ? screen_names[s] : "?";
}

enum ui_action
keys_action(enum ui_screen s, int key)
{
	const struct ui_binding *b;

	if (key == KEY_ENTER || key == '\r')
		key = '\n';
	for (b = table; b->key != 0; b++)
		if (b->key == key &&
		    (b->screens == KS_ALL || (b->screens & KS(s)) != 0))
			return b->action;
	return ACT_NONE;
}

const struct ui_binding *
keys_table(void)
{
	return table;
}

void
keys_hint(enum ui_screen s, char *buf, size_t len)
{
	const struct ui_binding *b;
	size_t off = 0;
	int n;

	buf[0] = '\0';
	for (b = table; b->key != 0 && off < len; b++) {
		if (b->hint == NULL ||
		    (b->screens != KS_ALL && (b->screens & KS(s)) == 0))
			continue;
		/* q on the first screen quits. */
		/* A key, then \x01 and its word: drawn in two styles. */
		n = snprintf(buf + off, len - off, "%s\x01%s\x02", b->name,
		    b->action == ACT_BACK && s == SCR_EXPERIMENTS ? "quit" :
								    b->hint);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
}
