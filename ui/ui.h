/*
 * The terminal UI (wayfinder with no arguments, or wayfinder tui): a
 * client of the daemon (src/client.h) that also reads the store for
 * history. This header is shared by the files of ui/ only: the loop
 * glue (ui.c), the model kept from the daemon's events and the store
 * (model.c, no curses), one file per screen (screen-*.c), the widgets
 * (widget-*.c), the key table (keys.c) and the theme (theme.c).
 */
#ifndef WAYFINDER_UI_H
#define WAYFINDER_UI_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../src/store.h"

/* ---- the model (model.c): what the daemon and the store say ---- */

/* An experiment, from the daemon's status and progress events. */
struct ui_exp {
	int64_t id;
	char *name, *spec, *strategy, *state, *objective, *direction;
	int64_t budget, done, failed, lost, running;
	int have_best;
	double best;
	int64_t best_trial;
	double eta; /* seconds; < 0 unknown */
	int daemon; /* the daemon runs it (or will) */
};

/* A job running now, from job.start (and its latest sample). */
struct ui_job {
	int64_t exp, job, trial;
	char stage[8]; /* build, test */
	int iteration, warmup;
	int *cpus;
	size_t ncpus;
	char *config;
	double started;  /* wall clock */
	char *out, *err; /* its logs while it runs, or NULL */
	char *node;      /* the cluster node it runs on (Slurm), its cpus
			    that node's; NULL: this machine */
	json_t *values;  /* the latest sample's values, or NULL */
	double t_ms;     /* of that sample */
};

/* A processing unit of the topology. */
struct ui_pu {
	int os, core, llc, numa, pkg, usable;
	char why[16];
};

/* A line of text with its kind, for the log and status tails. */
#define UI_NOTES 64

/* Screens; the order is that of the number keys 1..6. */
enum ui_screen {
	SCR_EXPERIMENTS,
	SCR_LIVE,
	SCR_RESULTS,
	SCR_INSIGHTS,
	SCR_EDITOR,
	SCR_HELP,
	SCR_DETAIL,
	SCR_N
};

/* What parts need drawing (set by callbacks, cleared by a frame). */
enum {
	DIRTY_HEAD = 1,
	DIRTY_BODY = 2,
	DIRTY_HINT = 4,
	DIRTY_STATUS = 8,
	DIRTY_ALL = 15
};

/* A prompt on the status line: a line of text, then done(ui, text) with
 * the text, or NULL when cancelled. */
struct ui;
struct ui_input;
typedef void (*ui_prompt_fn)(struct ui *, const char *text);

struct ui {
	char *state; /* the state directory */
	struct client *client;
	char *client_cause; /* why there is no client */
	int daemon_pid;
	struct store *store; /* read-only look at history; NULL until opened */

	/* terminal */
	int utf8, colour, rows, cols, too_small;
	WINDOW *head, *body, *hint, *status;
	unsigned dirty;
	double last_frame;
	uint64_t frames;
	int stderr_pipe; /* what libraries write to stderr, shown below */

	/* status line */
	char msg[512];
	int msg_error;
	double msg_time;

	/* screens */
	enum ui_screen screen;
	enum ui_screen back[8];
	int nback;
	int quit;

	/* prompt */
	struct ui_input *prompt;
	char prompt_label[96];
	ui_prompt_fn prompt_done;
	int prompt_confirm; /* one key: y confirms, any other cancels */
	int64_t prompt_arg; /* for the callback */

	/* experiments (status) */
	struct ui_exp *exps;
	size_t nexps;
	double status_at; /* when status was last asked */
	int64_t cur;      /* the experiment the live, results and insights
			     screens show; 0: none */

	/* live */
	struct ui_job *jobs;
	size_t njobs;
	struct ui_pu *pus;
	size_t npus;
	char *topo_source;
	char *llc_name;
	double topo_at;
	json_t *progress; /* of cur */
	char **nodes;     /* the cluster nodes cur's jobs have run on, in the
			 order seen; none when they run on this machine */
	size_t nnodes;
	char notes[UI_NOTES][160]; /* the daemon's lines about cur */
	int nnotes, note_head;

	/* trials of cur, from the store */
	struct store_trial *trials;
	size_t ntrials;
	int64_t trials_exp;
	int trials_stale;
	double trials_at;
	struct store_experiment curx; /* its row; curx.id 0: not loaded */
	char **defaults;              /* the default configuration's values, by
			    trials' names order (NULL entries: inactive) */
	char **def_names;
	size_t ndefaults;
	/* Every parameter's name: the spec's order, or (when the spec no
	 * longer loads) those the trials have, sorted. Trials hold only
	 * their active parameters. */
	char **pnames;
	size_t npnames;
};

/* time, wall clock, in seconds */
double ui_now(void);

/* The status line: a message (printf format) that stays a while. */
void
ui_say(struct ui *, const char *, ...) __attribute__((format(printf, 2, 3)));
void
ui_error(struct ui *, const char *, ...) __attribute__((format(printf, 2, 3)));
/* A prompt on the status line (see ui_prompt_fn). */
void ui_prompt(struct ui *, const char *label, const char *initial,
    ui_prompt_fn done);
/* A question answered by one key: done(ui, "y") or done(ui, NULL). */
void ui_confirm(struct ui *, const char *label, int64_t arg, ui_prompt_fn done);
/* pause, resume or stop an experiment of the daemon (stop asks). */
void ui_control(struct ui *, const char *what, int64_t exp);
/* Switches screens; back returns to the one before. */
void ui_show(struct ui *, enum ui_screen);
void ui_back(struct ui *);
/* Sends a request to the daemon; 0 with *reply, or -1 (said on the
 * status line). */
int ui_request(struct ui *, json_t *req, json_t **reply);
/* Chooses the experiment the live, results and insights screens show. */
void ui_set_current(struct ui *, int64_t exp);

/* ---- model.c ---- */
void model_status(struct ui *, const json_t *reply);
void model_topology(struct ui *, const json_t *reply);
/* An event from the daemon; returns the DIRTY_* parts it changes. */
unsigned model_event(struct ui *, const json_t *ev);
struct ui_exp *model_exp(struct ui *, int64_t id);
/* The nodes of cur anew from the jobs known now (cur has changed). */
void model_nodes_reset(struct ui *);
/* Opens the store when it is there; 0, or -1 when not (yet). */
int model_store(struct ui *);
/* Reloads the trials of cur when stale (at most once a second), or
 * now with force; 1 when it reloaded them. */
int model_trials(struct ui *, int force);
/* A trial's value of a parameter; NULL when inactive. */
const char *model_value(const struct store_trial *, const char *name);
/* The value of the default configuration for a parameter, or NULL. */
const char *model_default(const struct ui *, const char *name);
void model_free(struct ui *);
/* "12s", "3m04s", "1h02m", "2d03h" into buf. */
char *model_duration(double sec, char *buf, size_t len);
/* A number in at most 7 characters ("1.235e+06" becomes "1.23e6"). */
char *model_num(double v, char *buf, size_t len);
/* The path of job's log ("out" or "err") of an experiment, kept or not. */
char *
model_log_path(const struct ui *, int64_t exp, int64_t job, const char *which);

/* ---- theme.c ---- */
enum th_role {
	TH_NORMAL,
	TH_TITLE,
	TH_HEADER,
	TH_SELECT,
	TH_GOOD,
	TH_BAD,
	TH_WARN,
	TH_DIM,
	TH_BUILD,
	TH_TEST,
	TH_BEST,
	TH_BASELINE,
	TH_KEY,
	TH_BAR,
	TH_NROLES
};
/* Glyphs: UTF-8 where the locale is, ASCII otherwise. */
struct th_glyphs {
	const char *hline, *vline, *tl, *tr, *bl, *br;
	const char *full, *half, *point, *bestpt, *baseline, *bestline;
	const char *ellipsis, *up, *down, *idle, *failed;
};
void theme_init(int utf8);
attr_t theme_attr(enum th_role);
const struct th_glyphs *theme_glyphs(void);
int theme_has_colour(void);

/* ---- keys.c: one table for dispatch, help and the hint bar ---- */
enum ui_action {
	ACT_NONE,
	ACT_HELP,
	ACT_BACK,
	ACT_QUIT,
	ACT_REDRAW,
	ACT_UP,
	ACT_DOWN,
	ACT_LEFT,
	ACT_RIGHT,
	ACT_PGUP,
	ACT_PGDN,
	ACT_HOME,
	ACT_END,
	ACT_TAB,
	ACT_BTAB,
	ACT_ENTER,
	ACT_SEARCH,
	ACT_GO_EXPERIMENTS,
	ACT_GO_LIVE,
	ACT_GO_RESULTS,
	ACT_GO_INSIGHTS,
	ACT_GO_EDITOR,
	/* experiments */
	ACT_PAUSE,
	ACT_RESUME,
	ACT_STOP,
	ACT_NEW,
	ACT_EDIT_SPEC,
	/* editor */
	ACT_ADD,
	ACT_DELETE,
	ACT_SAVE,
	ACT_LAUNCH,
	ACT_OPEN_FILE,
	ACT_VIEW,
	/* live */
	ACT_LOG,
	/* results */
	ACT_SORT,
	ACT_REVERSE,
	ACT_CLEAR,
	ACT_EXPORT,
	/* detail */
	ACT_NEXT_LOG,
	/* insights */
	ACT_REFRESH
};
/* Keys are curses' KEY_* codes and characters; a character beyond
 * ASCII carries this flag, so that it cannot be taken for a KEY_*. */
#define UI_WCH 0x1000000
/* A screen bit of ui_binding.screens. */
#define KS(s) (1u << (s))
#define KS_ALL 0u
struct ui_binding {
	int key;
	unsigned screens; /* KS_ALL: every screen */
	enum ui_action action;
	const char *name; /* as shown: "F1", "q", "Enter" */
	const char *desc;
	const char *hint; /* its word in the hint bar, or NULL */
};
/* The action of key on screen s, ACT_NONE when unbound. */
enum ui_action keys_action(enum ui_screen s, int key);
/* The table, ended by an entry with key 0. */
const struct ui_binding *keys_table(void);
/* The hint bar of screen s into buf. */
void keys_hint(enum ui_screen s, char *buf, size_t len);
const char *keys_screen_name(enum ui_screen);

/* ---- widgets ---- */
/* widget-text.c: UTF-8 text clipped to a width (in cells); returns the
 * cells written. ASCII fallback replaces what the locale cannot show. */
int w_put(WINDOW *, int y, int x, int width, const char *s, attr_t a);
/* printf then w_put. */
int w_printf(WINDOW *, int y, int x, int width, attr_t a, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Fills width cells with glyph g. */
void w_fill(WINDOW *, int y, int x, int width, const char *g, attr_t a);
/* Display width of a UTF-8 string. */
int w_width(const char *s);
/* Scrolls a text view of page rows by action a (up, down, PgUp, PgDn,
 * Home, End; End moves *top to end). Returns 1 if a was one of them. */
int w_scroll(size_t *top, size_t page, size_t end, enum ui_action a);
/* A box with a title, its inside from (y+1, x+1). */
void w_box(WINDOW *, int y, int x, int h, int w, const char *title, int focus);
/* Abbreviates "NAME=value NAME=value" to width: names shortened. */
char *w_abbrev_config(const char *config, int width);

/* widget-list.c: a scrolling selection. */
struct w_list {
	size_t n, sel, top;
};
/* Moves the selection by an action; returns 1 when it moved. */
int w_list_key(struct w_list *, enum ui_action, int height);
/* Keeps sel visible in height rows. */
void w_list_fit(struct w_list *, int height);

/* widget-input.c: a line editor. */
struct ui_input *w_input_new(const char *initial);
void w_input_free(struct ui_input *);
/* 1: Enter, -1: Escape, 0: edited or ignored. */
int w_input_key(struct ui_input *, int key);
const char *w_input_text(const struct ui_input *);
void w_input_draw(const struct ui_input *, WINDOW *, int y, int x, int width,
    attr_t a);

/* widget-chart.c: a scatter of values by trial, with lines. */
struct w_chart_point {
	double x, y;
	int best;     /* the best so far at its time */
	int baseline; /* the default configuration */
};
void w_chart(WINDOW *, int y, int x, int h, int w, const struct w_chart_point *,
    size_t n, int maximize, const char *label);
/* widget-bar.c: a horizontal bar of share 0..1 in width cells. */
void w_bar(WINDOW *, int y, int x, int width, double share, attr_t a);

/* ---- screens ---- */
struct screen_ops {
	void (*enter)(struct ui *);
	void (*draw)(struct ui *, WINDOW *);
	/* A key before the table (text entry); 1 when taken. */
	int (*key)(struct ui *, int key);
	/* An action of the table; 1 when taken. */
	int (*action)(struct ui *, enum ui_action);
	/* Once a second, and after events: 1 to redraw. */
	int (*tick)(struct ui *);
};
extern const struct screen_ops screen_experiments;
extern const struct screen_ops screen_live;
extern const struct screen_ops screen_results;
extern const struct screen_ops screen_detail;
extern const struct screen_ops screen_insights;
extern const struct screen_ops screen_editor;
extern const struct screen_ops screen_help;

/* screen-editor.c: opens the editor on a file (NULL: a new spec),
 * asking first when that would discard changes. */
void editor_open(struct ui *, const char *path);
/* 1 when the editor holds changes not saved. */
int editor_modified(void);
/* screen-detail.c: shows trial seq of cur. */
void detail_open(struct ui *, int64_t seq);

/* Entry point (src/main.c: wayfinder, wayfinder tui). */
int cmd_tui(int argc, char **argv);

#endif
