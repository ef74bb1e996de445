/*
 * The external strategy: ask/tell with a child process (the "peer") that
 * speaks JSON lines on its stdin and stdout, so an optimiser written in
 * any language (Optuna's TPE, say) can drive the search without C.
 *
 * Protocol version 1 (strategies/external/README.md, wayfinder.yaml(5)):
 * Wayfinder sends a "space" message, the peer answers "ready"; then each
 * "ask" (n) is answered by "configs" (1 to n, each {"params": {name:
 * value}, "tag": any}) or "done" (or "error"); "tell" messages carry
 * outcomes and are not answered. At the end Wayfinder closes the peer's
 * stdin.
 *
 * The engine calls ask and tell synchronously, so the I/O here blocks, in
 * poll() with a deadline on every wait. A peer that exits, closes its
 * stdout, writes what is not the expected message or takes longer than
 * the timeout breaks the strategy: the reason is kept for the error op,
 * the peer and anything it started (its process group) are killed and
 * reaped at once, and every later ask returns 0.
 *
 * Repeats are handled here, so a peer need not track what was tried: a
 * configuration proposed again is not given to the engine; the peer is
 * told its known outcome under the new tag at once, or when it comes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../src/buf.h"
#include "../src/xmalloc.h"
#include "strategy.h"

#define EXTERNAL_VERSION 1
#define DEFAULT_TIMEOUT 120.0 /* seconds for each answer */
#define EXIT_GRACE 2.0        /* to exit after its stdin closes */
#define TERM_GRACE 1.0        /* to exit after SIGTERM */
#define MAX_LINE (64u << 20)
#define SLICE_MS 100 /* how often a wait checks that the peer lives */
#define MAX_REPEAT_ROUNDS 100
#define SEED_MASK ((UINT64_C(1) << 53) - 1)

struct external {
	const struct space *space;
	char **argv; /* resolved, NULL-terminated */
	char *name;  /* the peer's script or program, for messages */
	char *cwd;
	double timeout;
	pid_t pid; /* 0 once reaped */
	int to_fd, from_fd, err_fd;
	int from_eof;
	char *exit_text; /* "exited with status 1", once it has */
	struct buf in;   /* read from its stdout, not yet parsed */
	struct buf err;  /* a partial line of its stderr */
	char *last_words;
	char *error;
	int done;
	/* Every configuration proposed or told, by hex id: {"tags": [...]}
	 * while it runs, {"outcome": {...}} once finished. */
	json_t *known;
	struct space_count size;
};

static const struct strategy_opt external_opts[] = {
	{ "command", SOPT_LIST, 0, 0,
	    "the peer: a program and its arguments (relative paths from the "
	    "spec's directory)" },
	{ "timeout", SOPT_FLOAT, 0.001, 86400,
	    "seconds to wait for each answer of the peer (120)" },
	{ "cwd", SOPT_STR, 0, 0,
	    "the peer's working directory (the spec's directory)" },
	{ NULL, 0, 0, 0, NULL },
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

/* Writes one line of the peer's stderr to ours, prefixed, and keeps it
 * for error messages. */
static void
emit_err(struct external *x, char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	line[len] = '\0';
	fprintf(stderr, "wayfinder: %s: %s\n", x->name, line);
	if (len > 0) {
		free(x->last_words);
		x->last_words = xstrndup(line, len > 200 ? 200 : len);
	}
}

/* Forwards what the peer wrote on its stderr, line by line; with final
 * (or at its end) a partial line too. */
static void
forward_err(struct external *x, int final)
{
	char chunk[4096], *nl;
	size_t k;
	ssize_t n;

	while (x->err_fd >= 0) {
		n = read(x->err_fd, chunk, sizeof chunk);
		if (n > 0) {
			buf_add(&x->err, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
			close(x->err_fd);
			x->err_fd = -1;
			final = 1;
		}
		break;
	}
	while (x->err.len > 0 &&
	    (nl = memchr(x->err.data, '\n', x->err.len)) != NULL) {
		k = (size_t)(nl - x->err.data);
		emit_err(x, x->err.data, k);
		memmove(x->err.data, nl + 1, x->err.len - k - 1);
		x->err.len -= k + 1;
		x->err.data[x->err.len] = '\0';
	}
	if ((final || x->err.len > MAX_LINE) && x->err.len > 0) {
		emit_err(x, x->err.data, x->err.len);
		buf_reset(&x->err);
	}
}

static void
note_exit(struct external *x, int code, int status)
{
	if (x->exit_text != NULL)
		return;
	if (code == CLD_EXITED)
		x->exit_text = xasprintf("exited with status %d", status);
	else
		x->exit_text = xasprintf("was killed by signal %d (%s)", status,
		    strsignal(status));
}

/* Whether the peer (its first process) has exited; it stays a zombie,
 * so its process group cannot be reused before stop() reaps it. */
static int
peer_exited(struct external *x)
{
	siginfo_t si;

	if (x->pid <= 0)
		return 1;
	if (x->exit_text != NULL)
		return 1;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)x->pid, &si, WEXITED | WNOHANG | WNOWAIT) !=
		0 ||
	    si.si_pid == 0)
		return 0;
	note_exit(x, si.si_code, si.si_status);
	return 1;
}

/* Reads what is there on the peer's stdout into x->in; sets from_eof at
 * its end. */
static void
slurp_out(struct external *x)
{
	char chunk[65536];
	ssize_t n;

	while (x->from_fd >= 0 && !x->from_eof && x->in.len <= MAX_LINE) {
		n = read(x->from_fd, chunk, sizeof chunk);
		if (n > 0) {
			buf_add(&x->in, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			x->from_eof = 1;
		break;
	}
}

/*
 * Waits until fd is ready for events, forwarding the peer's stderr and
 * buffering its stdout meanwhile. Returns 1 when ready, 0 at the
 * deadline, -1 when the peer has exited and fd is not ready.
 */
static int
wait_fd(struct external *x, int fd, short events, double deadline)
{
	struct pollfd p[3];
	double left;
	int n, ms, r, i_out, i_err;

	for (;;) {
		left = deadline - now();
		if (left <= 0)
			return 0;
		ms = left * 1000 < SLICE_MS ? (int)(left * 1000) + 1 : SLICE_MS;
		n = 0;
		p[n].fd = fd;
		p[n].events = events;
		p[n++].revents = 0;
		i_out = i_err = -1;
		if (fd != x->from_fd && x->from_fd >= 0 && !x->from_eof &&
		    x->in.len <= MAX_LINE) {
			i_out = n;
			p[n].fd = x->from_fd;
			p[n].events = POLLIN;
			p[n++].revents = 0;
		}
		if (x->err_fd >= 0) {
			i_err = n;
			p[n].fd = x->err_fd;
			p[n].events = POLLIN;
			p[n++].revents = 0;
		}
		if ((r = poll(p, (nfds_t)n, ms)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (i_err >= 0 && p[i_err].revents != 0)
			forward_err(x, 0);
		if (i_out >= 0 && p[i_out].revents != 0)
			slurp_out(x);
		if (p[0].revents != 0)
			return 1;
		if (r == 0 && peer_exited(x))
			return -1;
	}
}

/* Waits up to ms for the peer's output, forwarding its stderr and
 * dropping what it writes on its stdout (so that it cannot block). */
static void
linger(struct external *x, int ms)
{
	struct pollfd p[2];
	nfds_t n = 0;

	if (x->err_fd >= 0) {
		p[n].fd = x->err_fd;
		p[n].events = POLLIN;
		p[n++].revents = 0;
	}
	if (x->from_fd >= 0 && !x->from_eof) {
		p[n].fd = x->from_fd;
		p[n].events = POLLIN;
		p[n++].revents = 0;
	}
	if (n == 0) {
		usleep((useconds_t)ms * 1000);
		return;
	}
	if (poll(p, n, ms) <= 0)
		return;
	forward_err(x, 0);
	if (x->from_fd >= 0) {
		slurp_out(x);
		buf_reset(&x->in);
	}
}

/* Lets the peer go: closes its stdin, gives it grace seconds to exit,
 * then SIGTERM and SIGKILL to its process group, and reaps it. */
static void
stop(struct external *x, double grace)
{
	double deadline;
	int status;
	pid_t r;

	if (x->to_fd >= 0) {
		close(x->to_fd);
		x->to_fd = -1;
	}
	if (x->pid > 0) {
		deadline = now() + grace;
		while (!peer_exited(x) && now() < deadline)
			linger(x, 20);
		if (!peer_exited(x)) {
			kill(-x->pid, SIGTERM);
			kill(x->pid, SIGTERM);
			deadline = now() + TERM_GRACE;
			while (!peer_exited(x) && now() < deadline)
				linger(x, 20);
		}
		/* Whatever it started goes too: the group is still there
		 * while its first process is an unreaped zombie. */
		kill(-x->pid, SIGKILL);
		kill(x->pid, SIGKILL);
		while ((r = waitpid(x->pid, &status, 0)) < 0 && errno == EINTR)
			;
		if (r == x->pid) {
			if (WIFEXITED(status))
				note_exit(x, CLD_EXITED, WEXITSTATUS(status));
			else if (WIFSIGNALED(status))
				note_exit(x, CLD_KILLED, WTERMSIG(status));
		}
		x->pid = 0;
	}
	/* Its last words, now that nothing holds the pipe open. */
	deadline = now() + 0.5;
	while (x->err_fd >= 0 && now() < deadline)
		linger(x, 50);
	forward_err(x, 1);
	if (x->err_fd >= 0) {
		close(x->err_fd);
		x->err_fd = -1;
	}
	if (x->from_fd >= 0) {
		close(x->from_fd);
		x->from_fd = -1;
	}
}

/* Breaks the strategy (the first reason wins) and ends the peer. */
static void fail(struct external *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct external *x, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (x->error != NULL)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	stop(x, 0);
	if (x->last_words != NULL) {
		x->error = xasprintf("%s (last on its stderr: %s)", msg,
		    x->last_words);
		free(msg);
	} else
		x->error = msg;
}

/* Why the peer is gone, for a message: "exited with status 1". */
static const char *
gone_text(struct external *x)
{
	peer_exited(x);
	return x->exit_text != NULL ? x->exit_text : "is gone";
}

/* Writes one message (a line) to the peer; 0, or -1 with the strategy
 * broken. Takes the reference to msg. */
static int
send_msg(struct external *x, json_t *msg)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };
	double deadline = now() + x->timeout;
	const char *t;
	char *text, type[32];
	size_t len, off = 0;
	ssize_t n;
	int r, e;

	/* The type outlives the message: the errors below name it. */
	t = json_string_value(json_object_get(msg, "type"));
	snprintf(type, sizeof type, "%s", t != NULL ? t : "?");
	text = json_dumps(msg, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(msg);
	if (x->error != NULL || text == NULL) {
		if (text == NULL)
			fail(x, "cannot encode a %s message", type);
		free(text);
		return -1;
	}
	len = strlen(text);
	text[len++] = '\n'; /* over the NUL: the text is not used as such */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	while (off < len) {
		/* A peer that is gone gives EPIPE, not a SIGPIPE that would
		 * end Wayfinder. */
		pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
		n = write(x->to_fd, text + off, len - off);
		e = errno;
		if (n < 0 && e == EPIPE)
			while (sigtimedwait(&pipe_set, NULL, &zero) < 0 &&
			    errno == EINTR)
				;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && e == EINTR)
			continue;
		if (n < 0 && (e == EAGAIN || e == EWOULDBLOCK)) {
			if ((r = wait_fd(x, x->to_fd, POLLOUT, deadline)) > 0)
				continue;
			if (r == 0)
				fail(x,
				    "%s did not read its stdin for %g s (the "
				    "timeout setting) while Wayfinder sent a "
				    "%s message",
				    x->name, x->timeout, type);
			else
				fail(x,
				    "%s %s while Wayfinder sent a %s message",
				    x->name, gone_text(x), type);
			break;
		}
		if (e == EPIPE)
			fail(x,
			    "%s closed its stdin (it %s) while Wayfinder sent "
			    "a %s message",
			    x->name, gone_text(x), type);
		else
			fail(x, "writing to %s: %s", x->name, strerror(e));
		break;
	}
	free(text);
	return off == len ? 0 : -1;
}

/* The next message from the peer, an object (caller decrefs), or NULL
 * with the strategy broken. waiting names what it answers. */
static json_t *
receive(struct external *x, const char *waiting)
{
	double deadline = now() + x->timeout;
	json_error_t jerr;
	json_t *msg;
	char *nl, *line;
	size_t k;
	int r;

	for (;;) {
		if (x->error != NULL)
			return NULL;
		nl = x->in.len > 0 ? memchr(x->in.data, '\n', x->in.len) : NULL;
		if (nl != NULL) {
			k = (size_t)(nl - x->in.data);
			line = xstrndup(x->in.data, k);
			memmove(x->in.data, nl + 1, x->in.len - k - 1);
			x->in.len -= k + 1;
			x->in.data[x->in.len] = '\0';
			if (line[strspn(line, " \t\r")] == '\0') {
				free(line);
				continue; /* blank lines are allowed */
			}
			msg = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
			if (msg == NULL || !json_is_object(msg)) {
				fail(x,
				    "%s answered %s with a line that is not a "
				    "JSON object (%s): '%.80s' (a peer writes "
				    "only protocol messages on its stdout; "
				    "anything else goes to its stderr)",
				    x->name, waiting,
				    msg == NULL ? jerr.text : "another value",
				    line);
				json_decref(msg);
				free(line);
				return NULL;
			}
			free(line);
			return msg;
		}
		if (x->in.len > MAX_LINE) {
			fail(x, "%s wrote a line longer than %u MiB", x->name,
			    MAX_LINE >> 20);
			return NULL;
		}
		if (x->from_eof) {
			/* Give it a moment to exit, to say how it ended. */
			double until = now() + 1;

			while (!peer_exited(x) && now() < until)
				usleep(10000);
			fail(x,
			    "%s closed its stdout%s (it %s) before it "
			    "answered %s",
			    x->name,
			    x->in.len > 0 ? " in the middle of a line" : "",
			    peer_exited(x) ? x->exit_text : "still runs",
			    waiting);
			return NULL;
		}
		r = wait_fd(x, x->from_fd, POLLIN, deadline);
		if (r > 0) {
			slurp_out(x);
			continue;
		}
		if (r == 0)
			fail(x,
			    "%s did not answer %s within %g s (the timeout "
			    "setting)",
			    x->name, waiting, x->timeout);
		else
			fail(x, "%s %s before it answered %s", x->name,
			    gone_text(x), waiting);
		return NULL;
	}
}

/* A value of p as JSON: numbers and booleans typed, the rest text. */
static json_t *
value_json(const struct param *p, uint64_t idx)
{
	char buf[64];
	const char *text = spec_value(p, idx, buf, sizeof buf);

	switch (p->type) {
	case PT_INT:
		return json_integer(
		    (json_int_t)llround(spec_value_num(p, idx)));
	case PT_FLOAT:
		return json_real(spec_value_num(p, idx));
	case PT_BOOL:
		return json_boolean(strcmp(text, "true") == 0);
	default:
		return json_string(text);
	}
}

static json_t *
param_json(const struct param *p)
{
	json_t *o, *a, *r;
	uint64_t i;

	o = json_pack("{ssssssss*}", "name", p->name, "type",
	    spec_type_name(p->type), "stage", spec_stage_name(p->stage),
	    "description", p->description);
	if (p->is_range) {
		r = json_object();
		json_object_set_new(r, "min", value_json(p, 0));
		json_object_set_new(r, "max", value_json(p, p->card - 1));
		json_object_set_new(r, "step",
		    p->type == PT_INT && !p->power ?
			json_integer((json_int_t)p->step) :
			json_real(p->step));
		json_object_set_new(r, "power", json_boolean(p->power));
		json_object_set_new(r, "count",
		    json_integer((json_int_t)p->card));
		json_object_set_new(o, "range", r);
	} else {
		a = json_array();
		for (i = 0; i < p->card; i++)
			json_array_append_new(a, value_json(p, i));
		json_object_set_new(o, "values", a);
	}
	json_object_set_new(o, "default", value_json(p, p->def));
	if (p->cond_text != NULL)
		json_object_set_new(o, "condition", json_string(p->cond_text));
	return o;
}

static json_t *
space_json(const struct space *sp, const struct strategy_conf *conf)
{
	const struct spec *s = space_spec(sp);
	json_t *msg, *params;
	uint64_t seed = conf->seed;
	size_t i;

	/* Exact in every JSON reader (a double holds 53 bits). */
	if (seed > SEED_MASK)
		seed = (seed ^ (seed >> 53)) & SEED_MASK;
	params = json_array();
	for (i = 0; i < s->nparams; i++)
		json_array_append_new(params, param_json(&s->params[i]));
	msg = json_pack("{sssisssssssIsbso}", "type", "space", "version",
	    EXTERNAL_VERSION, "experiment", s->name != NULL ? s->name : "",
	    "objective", s->objective != NULL ? s->objective : "", "direction",
	    spec_direction_name(conf->direction), "seed", (json_int_t)seed,
	    "seeded", conf->seeded, "params", params);
	return msg;
}

/* A configuration as {name: value} of its active parameters. */
static json_t *
config_json(const struct space *sp, const struct config *cfg)
{
	const struct spec *s = space_spec(sp);
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < s->nparams; i++)
		if (cfg->v[i] >= 0)
			json_object_set_new(o, s->params[i].name,
			    value_json(&s->params[i], (uint64_t)cfg->v[i]));
	return o;
}

static json_t *
number_json(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *
outcome_json(const struct outcome *o)
{
	switch (o->status) {
	case OUTCOME_DONE:
		return json_pack("{sssoso si}", "status", "done", "value",
		    number_json(o->value), "stddev", number_json(o->stddev),
		    "n", o->n);
	case OUTCOME_FAILED:
		return json_pack("{ssss}", "status", "failed", "reason",
		    o->reason != NULL ? o->reason : "");
	default:
		return json_pack("{ss}", "status", "pending");
	}
}

static int
send_tell(struct external *x, const struct config *cfg, const char *hex,
    json_t *outcome, json_t *tag)
{
	json_t *msg;

	msg = json_pack("{ssss}", "type", "tell", "id", hex);
	if (tag != NULL)
		json_object_set(msg, "tag", tag);
	json_object_update(msg, outcome);
	json_object_set_new(msg, "params", config_json(x->space, cfg));
	return send_msg(x, msg);
}

/* The text of a value the peer gave: 1 when it is null (omitted), -1
 * when it cannot be a value. */
static int
value_text(json_t *v, char *buf, size_t len, const char **text)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		*text = json_string_value(v);
		return 0;
	case JSON_INTEGER:
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
		break;
	case JSON_NULL:
		return 1;
	default:
		return -1;
	}
	*text = buf;
	return 0;
}

/* Configuration k (from 1) of an answer, canonical, or NULL with the
 * strategy broken. */
static struct config *
parse_config(struct external *x, json_t *entry, size_t k)
{
	const struct spec *s = space_spec(x->space);
	const struct param *p;
	struct config *c;
	json_t *params, *v;
	const char *name, *text;
	char buf[64], *dom, *shown;
	int64_t idx;
	size_t i;
	int pi, r;

	if (!json_is_object(entry) ||
	    !json_is_object(params = json_object_get(entry, "params"))) {
		fail(x,
		    "%s proposed configuration %zu without a \"params\" "
		    "object (each is {\"params\": {\"NAME\": value, ...}, "
		    "\"tag\": ...})",
		    x->name, k);
		return NULL;
	}
	c = space_config_new(x->space);
	for (i = 0; i < s->nparams; i++)
		c->v[i] = -1;
	json_object_foreach(params, name, v)
	{
		if ((pi = spec_param_index(s, name)) < 0) {
			fail(x,
			    "%s proposed a value for '%s' in configuration "
			    "%zu, which is not a parameter",
			    x->name, name, k);
			free(c);
			return NULL;
		}
		p = &s->params[pi];
		if ((r = value_text(v, buf, sizeof buf, &text)) == 1)
			continue; /* null: the same as omitted */
		idx = r == 0 ? spec_value_index(p, text) : -1;
		if (idx < 0) {
			dom = spec_domain_text(p);
			shown = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			fail(x,
			    "%s proposed %s=%s in configuration %zu, which is "
			    "not a value of '%s' (%s %s)",
			    x->name, name, shown != NULL ? shown : "?", k, name,
			    spec_type_name(p->type), dom);
			free(shown);
			free(dom);
			free(c);
			return NULL;
		}
		c->v[pi] = idx;
	}
	return space_canon(x->space, c);
}

/* Every valid configuration is known: nothing new can come. */
static int
exhausted(struct external *x)
{
	return x->size.exact && x->size.fits &&
	    json_object_size(x->known) >= x->size.n;
}

static size_t
external_ask(void *state, struct config **out, size_t n)
{
	struct external *x = state;
	struct config *c;
	json_t *msg, *configs, *entry, *known, *tag, *outcome, *tags;
	const char *type;
	char hex[17];
	size_t got = 0, i, k, rounds;

	for (rounds = 0; rounds < MAX_REPEAT_ROUNDS; rounds++) {
		if (x->error != NULL || x->done || n == 0 || exhausted(x))
			return 0;
		if (send_msg(x,
			json_pack("{sssI}", "type", "ask", "n",
			    (json_int_t)n)) != 0 ||
		    (msg = receive(x, "an ask")) == NULL)
			return 0;
		type = json_string_value(json_object_get(msg, "type"));
		configs = json_object_get(msg, "configs");
		if (type != NULL && strcmp(type, "done") == 0) {
			x->done = 1;
			json_decref(msg);
			return 0;
		}
		if (type != NULL && strcmp(type, "error") == 0) {
			const char *m =
			    json_string_value(json_object_get(msg, "message"));

			fail(x, "%s gave up: %s", x->name,
			    m != NULL ? m : "(no message)");
			json_decref(msg);
			return 0;
		}
		if (type == NULL || strcmp(type, "configs") != 0) {
			fail(x,
			    "%s answered an ask with %s%s%s where \"configs\" "
			    "or \"done\" was expected",
			    x->name, type != NULL ? "\"" : "",
			    type != NULL ? type : "a message without a type",
			    type != NULL ? "\"" : "");
			json_decref(msg);
			return 0;
		}
		if (!json_is_array(configs) || json_array_size(configs) == 0 ||
		    json_array_size(configs) > n) {
			if (!json_is_array(configs))
				fail(x,
				    "%s answered an ask without a "
				    "\"configs\" list",
				    x->name);
			else if (json_array_size(configs) == 0)
				fail(x,
				    "%s answered an ask with no configuration "
				    "(it answers \"done\" when it has nothing "
				    "more to propose)",
				    x->name);
			else
				fail(x,
				    "%s proposed %zu configurations when "
				    "asked for %zu",
				    x->name, json_array_size(configs), n);
			json_decref(msg);
			return 0;
		}
		json_array_foreach(configs, k, entry)
		{
			if ((c = parse_config(x, entry, k + 1)) == NULL) {
				for (i = 0; i < got; i++)
					free(out[i]);
				json_decref(msg);
				return 0;
			}
			tag = json_object_get(entry, "tag");
			space_id_hex(c->id, hex);
			known = json_object_get(x->known, hex);
			if (known == NULL) {
				tags = json_array();
				if (tag != NULL)
					json_array_append(tags, tag);
				json_object_set_new(x->known, hex,
				    json_pack("{so}", "tags", tags));
				out[got++] = c;
				continue;
			}
			/* A repeat: its outcome now, or when it comes. */
			if ((outcome = json_object_get(known, "outcome")) !=
			    NULL)
				send_tell(x, c, hex, outcome, tag);
			else if (tag != NULL)
				json_array_append(json_object_get(known,
						      "tags"),
				    tag);
			free(c);
		}
		json_decref(msg);
		if (x->error != NULL) {
			for (i = 0; i < got; i++)
				free(out[i]);
			return 0;
		}
		if (got > 0)
			return got;
	}
	return 0; /* nothing but repeats: taken as the end */
}

static void
external_tell(void *state, const struct config *cfg, const struct outcome *o)
{
	struct external *x = state;
	json_t *known, *tags = NULL, *outcome, *tag;
	char hex[17];
	size_t i;

	space_id_hex(cfg->id, hex);
	outcome = outcome_json(o);
	known = json_object_get(x->known, hex);
	if (known != NULL && (tags = json_object_get(known, "tags")) != NULL)
		json_incref(tags);
	if (o->status != OUTCOME_PENDING)
		json_object_set_new(x->known, hex,
		    json_pack("{sO}", "outcome", outcome));
	else if (known == NULL)
		json_object_set_new(x->known, hex, json_pack("{s[]}", "tags"));
	if (x->error == NULL) {
		if (json_array_size(tags) == 0)
			send_tell(x, cfg, hex, outcome, NULL);
		json_array_foreach(tags, i, tag)
		{
			if (send_tell(x, cfg, hex, outcome, tag) != 0)
				break;
		}
	}
	json_decref(tags);
	json_decref(outcome);
}

/* path made absolute against dir, when it names a file there. */
static char *
in_dir(const char *dir, const char *path)
{
	struct stat st;
	char *p;

	if (path[0] == '/')
		return stat(path, &st) == 0 ? xstrdup(path) : NULL;
	p = xasprintf("%s/%s", dir, path);
	if (stat(p, &st) == 0)
		return p;
	free(p);
	return NULL;
}

/* A relative path that names a file, from the spec's directory first,
 * then the current one; NULL when neither has it. */
static char *
resolve_path(const char *dir, const char *user, const char *path)
{
	char cwd[4096], *p;

	if (path[0] == '/')
		return in_dir("/", path);
	if (dir != NULL && (p = in_dir(dir, path)) != NULL)
		return p;
	if (user != NULL)
		return in_dir(user, path);
	return getcwd(cwd, sizeof cwd) != NULL ? in_dir(cwd, path) : NULL;
}

/* The program to run: a path, or a name looked up in PATH. */
static char *
resolve_program(const char *dir, const char *user, const char *prog,
    char **cause)
{
	const char *path, *end;
	struct stat st;
	char *p;
	size_t len;

	if (strchr(prog, '/') != NULL) {
		if ((p = resolve_path(dir, user, prog)) == NULL) {
			*cause = xasprintf(prog[0] == '/' ?
				"the command %s does not exist" :
				"the command %s is neither in the spec's "
				"directory nor where the run was given",
			    prog);
			return NULL;
		}
	} else {
		if ((path = getenv("PATH")) == NULL || *path == '\0')
			path = "/usr/bin:/bin";
		for (p = NULL; p == NULL; path = end + 1) {
			end = strchr(path, ':');
			len = end != NULL ? (size_t)(end - path) : strlen(path);
			p = xasprintf("%.*s/%s", (int)len, len > 0 ? path : ".",
			    prog);
			if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) ||
			    access(p, X_OK) != 0) {
				free(p);
				p = NULL;
			}
			if (end == NULL)
				break;
		}
		if (p == NULL) {
			*cause =
			    xasprintf("the command '%s' is not in PATH", prog);
			return NULL;
		}
	}
	if (stat(p, &st) != 0 || S_ISDIR(st.st_mode) || access(p, X_OK) != 0) {
		*cause = xasprintf("the command '%s' is not an executable "
				   "program (a script is run as [sh, "
				   "script] or made executable)",
		    p);
		free(p);
		return NULL;
	}
	return p;
}

/* Starts the peer with its stdin, stdout and stderr on pipes. */
static int
spawn(struct external *x, char **cause)
{
	int in[2], out[2], err[2], rep[2], fds[3], e = 0, sig;
	sigset_t all, old;
	struct sigaction sa;
	ssize_t n;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) != 0)
		goto pipe_fail;
	if (pipe2(out, O_CLOEXEC) != 0) {
		close(in[0]);
		close(in[1]);
		goto pipe_fail;
	}
	if (pipe2(err, O_CLOEXEC) != 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		goto pipe_fail;
	}
	if (pipe2(rep, O_CLOEXEC) != 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		goto pipe_fail;
	}
	/* No handler of ours may run in the child before exec. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if ((pid = fork()) == 0) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		for (sig = 1; sig < NSIG; sig++)
			sigaction(sig, &sa, NULL);
		setpgid(0, 0);
		/* Above 2 first, so no dup2 clobbers another. */
		fds[0] = fcntl(in[0], F_DUPFD_CLOEXEC, 3);
		fds[1] = fcntl(out[1], F_DUPFD_CLOEXEC, 3);
		fds[2] = fcntl(err[1], F_DUPFD_CLOEXEC, 3);
		if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0 ||
		    dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 ||
		    dup2(fds[2], 2) < 0)
			e = errno;
		else if (x->cwd != NULL && chdir(x->cwd) != 0)
			e = errno;
		else {
			sigemptyset(&all);
			pthread_sigmask(SIG_SETMASK, &all, NULL);
			execv(x->argv[0], x->argv);
			e = errno;
		}
		n = write(rep[1], &e, sizeof e);
		(void)n;
		_exit(127);
	}
	e = errno;
	if (pid > 0)
		setpgid(pid, pid); /* whichever of us is first */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(rep[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		close(err[0]);
		close(rep[0]);
		*cause = xasprintf("cannot start %s: %s", x->name, strerror(e));
		return -1;
	}
	x->pid = pid;
	x->to_fd = in[1];
	x->from_fd = out[0];
	x->err_fd = err[0];
	fcntl(x->to_fd, F_SETFL, fcntl(x->to_fd, F_GETFL) | O_NONBLOCK);
	fcntl(x->from_fd, F_SETFL, fcntl(x->from_fd, F_GETFL) | O_NONBLOCK);
	fcntl(x->err_fd, F_SETFL, fcntl(x->err_fd, F_GETFL) | O_NONBLOCK);
	/* Nothing to read means exec worked (the pipe closed on it). */
	while ((n = read(rep[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(rep[0]);
	if (n == (ssize_t)sizeof e) {
		stop(x, 0);
		*cause = xasprintf("cannot run %s%s%s: %s", x->argv[0],
		    x->cwd != NULL ? " in " : "", x->cwd != NULL ? x->cwd : "",
		    strerror(e));
		return -1;
	}
	return 0;
pipe_fail:
	*cause = xasprintf("cannot start %s: %s", x->name, strerror(errno));
	return -1;
}

static void external_free(void *);

static void *
external_init(const struct space *sp, const struct strategy_conf *conf,
    char **cause)
{
	const struct spec_option *cmd;
	const char *cwd;
	struct external *x;
	struct stat st;
	json_t *msg, *version;
	const char *type;
	char *p;
	size_t i;

	cmd = strategy_option(conf, "command");
	if (cmd == NULL || cmd->list == NULL || cmd->nlist == 0) {
		*cause = xstrdup("strategy external needs its peer: the "
				 "option command (a list: the program and its "
				 "arguments, e.g. search: options: command: "
				 "[/usr/bin/python3, optuna-tpe.py])");
		return NULL;
	}
	x = xcalloc(1, sizeof *x);
	x->space = sp;
	x->to_fd = x->from_fd = x->err_fd = -1;
	x->known = json_object();
	x->timeout = strategy_option_num(conf, "timeout", DEFAULT_TIMEOUT);
	space_size(sp, &x->size);
	x->argv = xcalloc(cmd->nlist + 1, sizeof *x->argv);
	if ((x->argv[0] = resolve_program(conf->dir, conf->cwd, cmd->list[0],
		 cause)) == NULL)
		goto fail;
	for (i = 1; i < cmd->nlist; i++) {
		p = NULL;
		if (cmd->list[i][0] != '-' && cmd->list[i][0] != '\0')
			p = resolve_path(conf->dir, conf->cwd, cmd->list[i]);
		if (p != NULL && x->name == NULL)
			x->name = xstrdup(base_name(p));
		x->argv[i] = p != NULL ? p : xstrdup(cmd->list[i]);
	}
	if (x->name == NULL)
		x->name = xstrdup(base_name(x->argv[0]));
	cwd = strategy_option_str(conf, "cwd", NULL);
	if (cwd != NULL && cwd[0] != '/' && conf->dir != NULL)
		x->cwd = xasprintf("%s/%s", conf->dir, cwd);
	else if (cwd != NULL)
		x->cwd = xstrdup(cwd);
	else if (conf->dir != NULL)
		x->cwd = xstrdup(conf->dir);
	if (x->cwd != NULL &&
	    (stat(x->cwd, &st) != 0 || !S_ISDIR(st.st_mode))) {
		*cause =
		    xasprintf("the peer's cwd %s is not a directory", x->cwd);
		goto fail;
	}
	if (spawn(x, cause) != 0)
		goto fail;
	if (send_msg(x, space_json(sp, conf)) != 0 ||
	    (msg = receive(x, "the space message")) == NULL) {
		*cause = xstrdup(x->error);
		goto fail;
	}
	type = json_string_value(json_object_get(msg, "type"));
	version = json_object_get(msg, "version");
	if (type != NULL && strcmp(type, "error") == 0)
		fail(x, "%s gave up: %s", x->name,
		    json_string_value(json_object_get(msg, "message")) != NULL ?
			json_string_value(json_object_get(msg, "message")) :
			"(no message)");
	else if (type == NULL || strcmp(type, "ready") != 0)
		fail(x,
		    "%s answered the space message with %s%s%s where "
		    "\"ready\" was expected (is it a peer of protocol "
		    "version %d?)",
		    x->name, type != NULL ? "\"" : "",
		    type != NULL ? type : "a message without a type",
		    type != NULL ? "\"" : "", EXTERNAL_VERSION);
	else if (!json_is_integer(version) ||
	    json_integer_value(version) != EXTERNAL_VERSION)
		fail(x,
		    "%s speaks version %lld of the protocol (0: it gave "
		    "none); this Wayfinder speaks version %d",
		    x->name, (long long)json_integer_value(version),
		    EXTERNAL_VERSION);
	json_decref(msg);
	if (x->error != NULL) {
		*cause = xstrdup(x->error);
		goto fail;
	}
	return x;
fail:
	external_free(x);
	return NULL;
}

static const char *
external_error(void *state)
{
	struct external *x = state;

	return x->error;
}

static void
external_free(void *state)
{
	struct external *x = state;
	size_t i;

	stop(x, EXIT_GRACE);
	for (i = 0; x->argv != NULL && x->argv[i] != NULL; i++)
		free(x->argv[i]);
	free(x->argv);
	free(x->name);
	free(x->cwd);
	free(x->exit_text);
	free(x->last_words);
	free(x->error);
	buf_free(&x->in);
	buf_free(&x->err);
	json_decref(x->known);
	free(x);
}

const struct strategy_ops strategy_external = {
	.name = "external",
	.summary = "a program of yours proposes, over JSON lines (ask/tell)",
	.init = external_init,
	.ask = external_ask,
	.tell = external_tell,
	.free = external_free,
	.opts = external_opts,
	.error = external_error,
};
