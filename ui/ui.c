/*
 * The TUI's loop glue: the terminal, the connection to the daemon, the
 * screens, and one poll() loop over the keyboard, the daemon's socket
 * and what libraries would have written to stderr. Callbacks only set
 * dirty flags; a frame draws what is dirty, at most ten times a second,
 * with wnoutrefresh and one doupdate, so that curses sends only the
 * cells that changed (house rule 6). Quitting leaves the daemon, and
 * every experiment in it, running.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../src/client.h"
#include "../src/cmd.h"
#include "../src/state.h"
#include "../src/xmalloc.h"
#include "ui.h"

#define FRAME_S 0.1 /* at most ten frames a second */
#define MIN_COLS 80 /* below this, a notice instead of the screens */
#define MIN_ROWS 24
#define STATUS_EVERY 30 /* seconds between status requests, at most */

static const struct screen_ops *const screens[SCR_N] = {
	[SCR_EXPERIMENTS] = &screen_experiments,
	[SCR_LIVE] = &screen_live,
	[SCR_RESULTS] = &screen_results,
	[SCR_INSIGHTS] = &screen_insights,
	[SCR_EDITOR] = &screen_editor,
	[SCR_HELP] = &screen_help,
	[SCR_DETAIL] = &screen_detail,
};

static volatile sig_atomic_t got_signal;
static int curses_up;
static int saved_stderr = -1;

double
ui_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
on_signal(int sig)
{
	got_signal = sig;
}

/* Before any fatal exit: the terminal back as it was (house rule 4). */
static void
restore_terminal(void)
{
	if (curses_up) {
		endwin();
		curses_up = 0;
	}
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

static void
say(struct ui *ui, int error, const char *fmt, va_list ap)
{
	vsnprintf(ui->msg, sizeof ui->msg, fmt, ap);
	ui->msg_error = error;
	ui->msg_time = ui_now();
	ui->dirty |= DIRTY_STATUS;
}

void
ui_say(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(ui, 0, fmt, ap);
	va_end(ap);
}

void
ui_error(struct ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(ui, 1, fmt, ap);
	va_end(ap);
}

void
ui_prompt(struct ui *ui, const char *label, const char *initial,
    ui_prompt_fn done)
{
	w_input_free(ui->prompt);
	ui->prompt = w_input_new(initial);
	snprintf(ui->prompt_label, sizeof ui->prompt_label, "%s", label);
	ui->prompt_done = done;
	ui->prompt_confirm = 0;
	ui->dirty |= DIRTY_STATUS;
}

void
ui_confirm(struct ui *ui, const char *label, int64_t arg, ui_prompt_fn done)
{
	ui_prompt(ui, label, NULL, done);
	ui->prompt_confirm = 1;
	ui->prompt_arg = arg;
}

static void
prompt_end(struct ui *ui, const char *text)
{
	ui_prompt_fn done = ui->prompt_done;
	struct ui_input *in = ui->prompt;
	char *copy = text != NULL ? xstrdup(text) : NULL;

	ui->prompt = NULL;
	ui->prompt_done = NULL;
	ui->dirty |= DIRTY_STATUS | DIRTY_BODY;
	w_input_free(in);
	if (done != NULL)
		done(ui, copy);
	free(copy);
}

void
ui_show(struct ui *ui, enum ui_screen s)
{
	if (s != ui->screen) {
		if (ui->nback == (int)(sizeof ui->back / sizeof ui->back[0])) {
			memmove(ui->back, ui->back + 1,
			    sizeof ui->back - sizeof ui->back[0]);
			ui->nback--;
		}
		ui->back[ui->nback++] = ui->screen;
		ui->screen = s;
	}
	if (screens[s]->enter != NULL)
		screens[s]->enter(ui);
	ui->dirty = DIRTY_ALL;
}

static void quit_done(struct ui *, const char *);

/* Quits, asking first when the editor holds changes not saved. */
static void
ask_quit(struct ui *ui)
{
	if (editor_modified())
		ui_confirm(ui,
		    "The editor's changes are not saved: quit anyway? (y/n)", 0,
		    quit_done);
	else
		ui->quit = 1;
}

void
ui_back(struct ui *ui)
{
	if (ui->nback == 0) {
		ask_quit(ui);
		return;
	}
	ui->screen = ui->back[--ui->nback];
	if (screens[ui->screen]->enter != NULL)
		screens[ui->screen]->enter(ui);
	ui->dirty = DIRTY_ALL;
}

void
ui_set_current(struct ui *ui, int64_t exp)
{
	if (exp == ui->cur)
		return;
	ui->cur = exp;
	ui->nnotes = ui->note_head = 0;
	json_decref(ui->progress);
	ui->progress = NULL;
	ui->trials_stale = 1;
	ui->trials_exp = 0;
	model_nodes_reset(ui);
	ui->dirty = DIRTY_ALL;
}

/* ---- the daemon ---- */

static int
subscribe(struct ui *ui, char **cause)
{
	json_t *req, *reply = NULL;
	int rc;

	req = json_pack("{sssIsb}", "type", "subscribe", "experiment",
	    (json_int_t)0, "samples", 1);
	rc = client_request(ui->client, req, &reply, cause);
	json_decref(req);
	json_decref(reply);
	return rc;
}

static int
connect_daemon(struct ui *ui, int start)
{
	char *cause = NULL;

	if (ui->client != NULL)
		return 0;
	if (client_connect(ui->state, start, "wayfinder tui", &ui->client,
		&cause) != 0 ||
	    subscribe(ui, &cause) != 0) {
		if (ui->client != NULL)
			client_close(ui->client);
		ui->client = NULL;
		free(ui->client_cause);
		ui->client_cause = cause;
		return -1;
	}
	free(ui->client_cause);
	ui->client_cause = NULL;
	ui->status_at = 0;
	ui->topo_at = 0;
	return 0;
}

static void
lost_daemon(struct ui *ui, const char *cause)
{
	size_t i;

	client_close(ui->client);
	ui->client = NULL;
	free(ui->client_cause);
	ui->client_cause = xstrdup(cause);
	for (i = 0; i < ui->nexps; i++)
		ui->exps[i].running = 0;
	ui_error(ui, "%s; any request starts it again", cause);
	ui->dirty = DIRTY_ALL;
}

int
ui_request(struct ui *ui, json_t *req, json_t **reply)
{
	char *cause = NULL;

	*reply = NULL;
	if (connect_daemon(ui, 1) != 0) {
		ui_error(ui, "no daemon: %s", ui->client_cause);
		return -1;
	}
	if (client_request(ui->client, req, reply, &cause) != 0) {
		if (*reply == NULL) /* no answer: the daemon is gone */
			lost_daemon(ui, cause);
		else
			ui_error(ui, "%s", cause);
		free(cause);
		json_decref(*reply);
		*reply = NULL;
		return -1;
	}
	return 0;
}

static void
ask_status(struct ui *ui)
{
	json_t *req = json_pack("{ss}", "type", "status"), *reply;

	if (ui_request(ui, req, &reply) == 0) {
		model_status(ui, reply);
		ui->dirty |= DIRTY_BODY | DIRTY_HEAD;
	} else
		ui->status_at = ui_now(); /* not again at once */
	json_decref(req);
	json_decref(reply);
}

static void
ask_topology(struct ui *ui)
{
	json_t *req = json_pack("{ss}", "type", "topology"), *reply;

	ui->topo_at = ui_now();
	if (ui_request(ui, req, &reply) == 0) {
		model_topology(ui, reply);
		ui->dirty |= DIRTY_BODY;
	}
	json_decref(req);
	json_decref(reply);
}

static void
control_done(struct ui *ui, const char *text)
{
	json_t *req, *reply;

	if (text == NULL || (text[0] != 'y' && text[0] != 'Y')) {
		ui_say(ui, "not stopped");
		return;
	}
	req = json_pack("{sssI}", "type", "stop", "experiment",
	    (json_int_t)ui->prompt_arg);
	if (ui_request(ui, req, &reply) == 0)
		ui_say(ui, "experiment %lld stopped (r resumes it)",
		    (long long)ui->prompt_arg);
	json_decref(req);
	json_decref(reply);
	ui->status_at = 0;
}

void
ui_control(struct ui *ui, const char *what, int64_t exp)
{
	json_t *req, *reply;
	char label[96];

	if (exp == 0) {
		ui_error(ui, "no experiment chosen");
		return;
	}
	if (strcmp(what, "stop") == 0) {
		snprintf(label, sizeof label,
		    "Stop experiment %lld now, ending its jobs? (y/n)",
		    (long long)exp);
		ui_confirm(ui, label, exp, control_done);
		return;
	}
	req = json_pack("{sssI}", "type", what, "experiment", (json_int_t)exp);
	if (ui_request(ui, req, &reply) == 0)
		ui_say(ui, "experiment %lld: %s%s", (long long)exp, what,
		    strcmp(what, "pause") == 0 ?
			" (running jobs finish first)" :
			"d");
	json_decref(req);
	json_decref(reply);
	ui->status_at = 0;
}

/* Every event that is there, without waiting. */
static void
drain_events(struct ui *ui)
{
	json_t *ev;
	char *cause = NULL;
	int rc, n = 0;

	while (ui->client != NULL && n++ < 10000) {
		rc = client_next(ui->client, 0, &ev, &cause);
		if (rc < 0) {
			lost_daemon(ui, cause);
			free(cause);
			return;
		}
		if (rc == 0)
			return;
		ui->dirty |= model_event(ui, ev);
		json_decref(ev);
	}
}

/* ---- the terminal ---- */

static void
make_windows(struct ui *ui)
{
	if (ui->head != NULL) {
		delwin(ui->head);
		delwin(ui->body);
		delwin(ui->hint);
		delwin(ui->status);
	}
	getmaxyx(stdscr, ui->rows, ui->cols);
	ui->too_small = ui->cols < MIN_COLS || ui->rows < MIN_ROWS;
	ui->head = newwin(1, ui->cols, 0, 0);
	ui->body = newwin(ui->rows > 3 ? ui->rows - 3 : 1, ui->cols, 1, 0);
	ui->hint = newwin(1, ui->cols, ui->rows > 2 ? ui->rows - 2 : 0, 0);
	ui->status = newwin(1, ui->cols, ui->rows - 1, 0);
	/* Keys are read through the hint bar's window: reading through
	 * stdscr would refresh it over the others. */
	keypad(ui->hint, TRUE);
	nodelay(ui->hint, TRUE);
	ui->dirty = DIRTY_ALL;
}

static void
draw_head(struct ui *ui)
{
	static const enum ui_screen tabs[] = { SCR_EXPERIMENTS, SCR_LIVE,
		SCR_RESULTS, SCR_INSIGHTS, SCR_EDITOR };
	WINDOW *w = ui->head;
	struct ui_exp *e = model_exp(ui, ui->cur);
	enum ui_screen on = ui->screen == SCR_DETAIL ? SCR_RESULTS : ui->screen;
	char text[128];
	size_t i;
	int x, n;

	werase(w);
	x = w_put(w, 0, 0, ui->cols, "Wayfinder ", theme_attr(TH_TITLE));
	for (i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
		snprintf(text, sizeof text, "%zu %s", i + 1,
		    keys_screen_name(tabs[i]));
		n = w_put(w, 0, x, ui->cols - x, text,
		    tabs[i] == on ? theme_attr(TH_SELECT) | A_BOLD :
				    theme_attr(TH_NORMAL));
		x += n + 1;
	}
	if (ui->client == NULL)
		snprintf(text, sizeof text, "no daemon");
	else if (e != NULL)
		snprintf(text, sizeof text, "#%lld %.40s", (long long)e->id,
		    e->name);
	else
		text[0] = '\0';
	n = w_width(text);
	if (n > ui->cols - x - 1)
		n = ui->cols - x - 1;
	if (n > 0)
		w_put(w, 0, ui->cols - n, n, text,
		    ui->client == NULL ? theme_attr(TH_BAD) :
					 theme_attr(TH_DIM));
	wnoutrefresh(w);
}

static void
draw_hint(struct ui *ui)
{
	WINDOW *w = ui->hint;
	char buf[1024], *p, *k, *d;
	int x = 0;

	werase(w);
	keys_hint(ui->screen, buf, sizeof buf);
	for (p = buf; *p != '\0' && x < ui->cols;) {
		k = p;
		if ((d = strchr(k, '\x01')) == NULL)
			break;
		*d++ = '\0';
		if ((p = strchr(d, '\x02')) == NULL)
			break;
		*p++ = '\0';
		if (x + w_width(k) + w_width(d) + 2 > ui->cols)
			break;
		x += w_put(w, 0, x, ui->cols - x, k, theme_attr(TH_KEY));
		x += w_put(w, 0, x, ui->cols - x, " ", A_NORMAL);
		x += w_put(w, 0, x, ui->cols - x, d, theme_attr(TH_NORMAL));
		x += w_put(w, 0, x, ui->cols - x, " ", A_NORMAL);
	}
	wnoutrefresh(w);
}

static void
draw_status(struct ui *ui)
{
	WINDOW *w = ui->status;
	int x;

	werase(w);
	if (ui->prompt != NULL) {
		x = w_put(w, 0, 0, ui->cols - 1, ui->prompt_label,
		    theme_attr(TH_TITLE));
		x += w_put(w, 0, x, 1, " ", A_NORMAL);
		if (!ui->prompt_confirm)
			w_input_draw(ui->prompt, w, 0, x, ui->cols - x - 1,
			    A_NORMAL);
	} else if (ui->msg[0] != '\0')
		w_put(w, 0, 0, ui->cols - 1, ui->msg,
		    ui->msg_error ? theme_attr(TH_BAD) : theme_attr(TH_NORMAL));
	wnoutrefresh(w);
}

static void
draw_too_small(struct ui *ui)
{
	char line[128];

	werase(stdscr);
	snprintf(line, sizeof line,
	    "Wayfinder needs %dx%d; this terminal is %dx%d.", MIN_COLS,
	    MIN_ROWS, ui->cols, ui->rows);
	w_put(stdscr, 0, 0, ui->cols, line, A_BOLD);
	w_put(stdscr, 1, 0, ui->cols, "Enlarge it, or Q to quit.", A_NORMAL);
	wnoutrefresh(stdscr);
}

static void
draw(struct ui *ui)
{
	if (ui->too_small) {
		draw_too_small(ui);
		doupdate();
		ui->dirty = 0;
		ui->last_frame = ui_now();
		return;
	}
	if (ui->dirty & DIRTY_HEAD)
		draw_head(ui);
	if (ui->dirty & DIRTY_BODY) {
		werase(ui->body);
		screens[ui->screen]->draw(ui, ui->body);
		wnoutrefresh(ui->body);
	}
	if (ui->dirty & DIRTY_HINT)
		draw_hint(ui);
	if (ui->dirty & DIRTY_STATUS)
		draw_status(ui);
	doupdate();
	ui->dirty = 0;
	ui->last_frame = ui_now();
	ui->frames++;
}

static void
resized(struct ui *ui)
{
	int was_small = ui->too_small;

	make_windows(ui);
	if (was_small && !ui->too_small) {
		werase(stdscr);
		wnoutrefresh(stdscr);
	}
}

static void
quit_done(struct ui *ui, const char *yes)
{
	if (yes != NULL)
		ui->quit = 1;
	else
		ui_say(ui, "not quitting (5 shows the editor, w saves)");
}

static void
global_action(struct ui *ui, enum ui_action a)
{
	switch (a) {
	case ACT_HELP:
		ui_show(ui, SCR_HELP);
		break;
	case ACT_BACK:
		ui_back(ui);
		break;
	case ACT_QUIT:
		ask_quit(ui);
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		ui->dirty = DIRTY_ALL;
		break;
	case ACT_GO_EXPERIMENTS:
		ui_show(ui, SCR_EXPERIMENTS);
		break;
	case ACT_GO_LIVE:
		ui_show(ui, SCR_LIVE);
		break;
	case ACT_GO_RESULTS:
		ui_show(ui, SCR_RESULTS);
		break;
	case ACT_GO_INSIGHTS:
		ui_show(ui, SCR_INSIGHTS);
		break;
	case ACT_GO_EDITOR:
		ui_show(ui, SCR_EDITOR);
		break;
	default:
		break;
	}
}

static void
handle_key(struct ui *ui, int key)
{
	const struct screen_ops *s;
	enum ui_action a;
	int r;

	if (key == KEY_RESIZE) {
		resized(ui);
		return;
	}
	if (ui->prompt != NULL) {
		if (ui->prompt_confirm) {
			prompt_end(ui, key == 'y' || key == 'Y' ? "y" : NULL);
			return;
		}
		r = w_input_key(ui->prompt, key);
		ui->dirty |= DIRTY_STATUS;
		if (r != 0)
			prompt_end(ui, r > 0 ? w_input_text(ui->prompt) : NULL);
		return;
	}
	if (ui->too_small) {
		a = keys_action(ui->screen, key);
		if (a == ACT_QUIT || a == ACT_REDRAW)
			global_action(ui, a);
		return;
	}
	s = screens[ui->screen];
	if (s->key != NULL && s->key(ui, key)) {
		ui->dirty |= DIRTY_BODY | DIRTY_HINT;
		return;
	}
	if ((a = keys_action(ui->screen, key)) == ACT_NONE)
		return;
	if (s->action != NULL && s->action(ui, a)) {
		ui->dirty |= DIRTY_BODY;
		return;
	}
	global_action(ui, a);
}

static void
read_keys(struct ui *ui)
{
	wint_t wc;
	int rc, n = 0;

	while (n++ < 256 && !ui->quit) {
		rc = wget_wch(ui->hint, &wc);
		if (rc == ERR)
			return;
		if (rc == KEY_CODE_YES)
			handle_key(ui, (int)wc);
		else
			handle_key(ui, wc < 128 ? (int)wc : (int)wc | UI_WCH);
	}
}

/* What a library wrote to stderr while curses is up: the status line. */
static void
read_stderr(struct ui *ui)
{
	char buf[1024];
	ssize_t n;

	while ((n = read(ui->stderr_pipe, buf, sizeof buf - 1)) > 0) {
		buf[n] = '\0';
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		if (strrchr(buf, '\n') != NULL)
			memmove(buf, strrchr(buf, '\n') + 1,
			    strlen(strrchr(buf, '\n') + 1) + 1);
		if (buf[0] != '\0')
			ui_error(ui, "%s", buf);
	}
}

static int
redirect_stderr(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	saved_stderr = dup(STDERR_FILENO);
	if (saved_stderr < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	return p[0];
}

static void
usage(FILE *f)
{
	fputs("usage: wayfinder [tui] [--state DIR]\n"
	      "The terminal UI: experiments, the space editor, the live view, "
	      "results and\ninsights. It starts the daemon if none runs; "
	      "quitting leaves experiments running.\nThe manual is "
	      "wayfinder(1).\n",
	    f);
}

static void
goodbye(struct ui *ui)
{
	size_t i, n = 0;

	for (i = 0; i < ui->nexps; i++)
		if (ui->exps[i].daemon &&
		    (strcmp(ui->exps[i].state, "running") == 0 ||
			strcmp(ui->exps[i].state, "queued") == 0))
			n++;
	if (n > 0)
		printf("wayfinder: %zu experiment%s keep%s running in the "
		       "daemon (wayfinder status; wayfinder tui comes back "
		       "to %s)\n",
		    n, n == 1 ? "" : "s", n == 1 ? "s" : "",
		    n == 1 ? "it" : "them");
	else if (ui->client != NULL)
		printf("wayfinder: the daemon keeps running for %s "
		       "(wayfinder daemon --stop stops it)\n",
		    ui->state);
}

int
cmd_tui(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa;
	struct pollfd pfd[3];
	struct ui ui;
	const char *state_opt = NULL;
	double now, next_tick = 0, wait;
	int c, nfd, timeout;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			state_opt = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cmd_error("the TUI needs a terminal (wayfinder status and "
			  "wayfinder results work without one)");
		return EXIT_USAGE;
	}
	setlocale(LC_ALL, "");
	memset(&ui, 0, sizeof ui);
	ui.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	ui.state = state_dir(state_opt);
	ui.stderr_pipe = -1;
	/* The daemon first, while errors can still go to the terminal. */
	if (connect_daemon(&ui, 1) != 0) {
		cmd_error("%s", ui.client_cause);
		free(ui.client_cause);
		free(ui.state);
		return EXIT_FAIL;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ui.stderr_pipe = redirect_stderr();
	xmalloc_set_fatal_hook(restore_terminal);
	if (initscr() == NULL) {
		restore_terminal();
		cmd_error("cannot start curses on this terminal");
		return EXIT_FAIL;
	}
	curses_up = 1;
	raw();
	noecho();
	nonl();
	curs_set(0);
	set_escdelay(25);
	theme_init(ui.utf8);
	make_windows(&ui);
	ask_status(&ui);
	ask_topology(&ui);
	ui.screen = SCR_EXPERIMENTS;
	screens[ui.screen]->enter(&ui);
	ui_say(&ui, "? for help; Q quits, and experiments keep running");
	ui.dirty = DIRTY_ALL;

	while (!ui.quit && !got_signal) {
		now = ui_now();
		if (now >= next_tick) {
			next_tick = (double)(long long)now + 1;
			if (screens[ui.screen]->tick != NULL &&
			    screens[ui.screen]->tick(&ui))
				ui.dirty |= DIRTY_BODY;
			/* A daemon that went: look for a new one now and
			 * then, without starting one (a request does). */
			if (ui.client == NULL && now - ui.status_at > 5) {
				ui.status_at = now;
				if (connect_daemon(&ui, 0) == 0) {
					ui_say(&ui, "connected to the daemon");
					ask_status(&ui);
				}
			} else if (ui.client == NULL)
				;
			else if (ui.status_at == 0 ||
			    now - ui.status_at > STATUS_EVERY)
				ask_status(&ui);
			if (ui.client != NULL && ui.npus == 0 &&
			    now - ui.topo_at > STATUS_EVERY)
				ask_topology(&ui);
			if (ui.msg[0] != '\0' && !ui.msg_error &&
			    now - ui.msg_time > 15) {
				ui.msg[0] = '\0';
				ui.dirty |= DIRTY_STATUS;
			}
		}
		if (ui.dirty && now - ui.last_frame >= FRAME_S) {
			draw(&ui);
			continue;
		}
		wait = next_tick - now;
		if (ui.dirty && ui.last_frame + FRAME_S - now < wait)
			wait = ui.last_frame + FRAME_S - now;
		timeout = wait > 0 ? (int)(wait * 1000) + 1 : 0;
		nfd = 0;
		pfd[nfd].fd = STDIN_FILENO;
		pfd[nfd++].events = POLLIN;
		if (ui.stderr_pipe >= 0) {
			pfd[nfd].fd = ui.stderr_pipe;
			pfd[nfd++].events = POLLIN;
		}
		if (ui.client != NULL) {
			pfd[nfd].fd = client_fd(ui.client);
			pfd[nfd++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)nfd, timeout) < 0 && errno != EINTR)
			break;
		read_keys(&ui); /* KEY_RESIZE comes this way after SIGWINCH */
		if (ui.stderr_pipe >= 0)
			read_stderr(&ui);
		drain_events(&ui);
		if (screens[ui.screen]->tick != NULL && ui.dirty &&
		    screens[ui.screen]->tick(&ui))
			ui.dirty |= DIRTY_BODY;
	}
	/* A hang-up: the terminal is gone, and so is anyone to tell. */
	if (got_signal == SIGHUP) {
		curses_up = 0;
		restore_terminal();
	} else
		restore_terminal();
	if (got_signal != SIGHUP)
		goodbye(&ui);
	if (ui.stderr_pipe >= 0)
		close(ui.stderr_pipe);
	w_input_free(ui.prompt);
	if (ui.client != NULL)
		client_close(ui.client);
	free(ui.client_cause);
	model_free(&ui);
	free(ui.state);
	return EXIT_OK;
}
