/*
 * The daemon's wire protocol: line framing, the message table that both
 * sides check against, and where the sockets live.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "proto.h"
#include "xmalloc.h"

/* A field: its name, the JSON types it may have, and whether it must be
 * there. */
struct field {
	const char *name;
	unsigned types; /* bits of json_type */
	int required;
};

#define T(t) (1u << (t))
#define INT T(JSON_INTEGER)
#define NUM (T(JSON_INTEGER) | T(JSON_REAL))
#define STR T(JSON_STRING)
#define BOOL (T(JSON_TRUE) | T(JSON_FALSE))
#define ARR T(JSON_ARRAY)
#define OBJ T(JSON_OBJECT)
#define NUL T(JSON_NULL)

struct message {
	const char *type;
	int from_client;
	struct field fields[14];
};

static const struct message messages[] = {
	{ "hello", 1, { { "version", INT, 1 }, { "client", STR, 0 } } },
	{ "submit", 1,
	    { { "id", INT, 1 }, { "spec", STR, 1 }, { "strategy", STR, 0 },
		{ "options", ARR, 0 }, { "budget", INT, 0 }, { "seed", INT, 0 },
		{ "jobs", INT, 0 }, { "new", BOOL, 0 }, { "cpus", STR, 0 },
		{ "reserve", STR, 0 }, { "no_sandbox", BOOL, 0 },
		{ "cwd", STR, 0 }, { "executor", STR, 0 } } },
	{ "pause", 1, { { "id", INT, 1 }, { "experiment", INT | STR, 1 } } },
	{ "resume", 1, { { "id", INT, 1 }, { "experiment", INT | STR, 1 } } },
	{ "stop", 1, { { "id", INT, 1 }, { "experiment", INT | STR, 1 } } },
	{ "subscribe", 1,
	    { { "id", INT, 1 }, { "experiment", INT, 0 },
		{ "samples", BOOL, 0 } } },
	{ "status", 1, { { "id", INT, 1 } } },
	{ "topology", 1, { { "id", INT, 1 } } },
	{ "shutdown", 1, { { "id", INT, 1 } } },
	{ "hello", 0,
	    { { "version", INT, 1 }, { "pid", INT, 0 }, { "state", STR, 0 } } },
	{ "ok", 0, { { "id", INT, 1 } } },
	{ "error", 0, { { "id", INT, 0 }, { "message", STR, 1 } } },
	{ "event", 0, { { "experiment", INT, 1 }, { "kind", STR, 1 } } },
};

void
proto_reader_init(struct proto_reader *r)
{
	memset(r, 0, sizeof *r);
}

void
proto_reader_free(struct proto_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof *r);
}

void
proto_reader_feed(struct proto_reader *r, const char *p, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->buf = xreallocarray(r->buf, r->cap, 1);
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

int
proto_reader_next(struct proto_reader *r, json_t **msg, char **why)
{
	json_error_t je;
	char *nl;
	size_t len;
	json_t *m;

	*msg = NULL;
	*why = NULL;
	for (;;) {
		nl = r->len > 0 ? memchr(r->buf, '\n', r->len) : NULL;
		if (nl == NULL) {
			if (r->len > PROTO_MAX_LINE) {
				/* Too long: drop it up to its end. */
				r->overflow = 1;
				r->len = 0;
			}
			return 0;
		}
		len = (size_t)(nl - r->buf);
		if (r->overflow) {
			r->overflow = 0;
			memmove(r->buf, nl + 1, r->len - len - 1);
			r->len -= len + 1;
			*why = xasprintf("a line longer than %d bytes",
			    PROTO_MAX_LINE);
			return -1;
		}
		if (len > PROTO_MAX_LINE) {
			memmove(r->buf, nl + 1, r->len - len - 1);
			r->len -= len + 1;
			*why = xasprintf("a line longer than %d bytes",
			    PROTO_MAX_LINE);
			return -1;
		}
		m = len == 0 ?
		    NULL :
		    json_loadb(r->buf, len,
			JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, &je);
		memmove(r->buf, nl + 1, r->len - len - 1);
		r->len -= len + 1;
		if (len == 0)
			continue; /* blank lines are nothing */
		if (m == NULL) {
			*why = xasprintf("malformed JSON at column %d: %s",
			    je.column, je.text);
			return -1;
		}
		if (!json_is_object(m)) {
			json_decref(m);
			*why = xstrdup("a message must be a JSON object");
			return -1;
		}
		*msg = m;
		return 1;
	}
}

int
proto_check(const json_t *msg, int from_client, char **why)
{
	const struct message *m;
	const struct field *f;
	const json_t *v, *type = json_object_get(msg, "type");
	size_t i;

	*why = NULL;
	if (!json_is_string(type)) {
		*why = xstrdup("a message without a \"type\" string");
		return -1;
	}
	for (i = 0; i < sizeof messages / sizeof messages[0]; i++) {
		m = &messages[i];
		if (m->from_client != from_client ||
		    strcmp(m->type, json_string_value(type)) != 0)
			continue;
		for (f = m->fields; f->name != NULL; f++) {
			v = json_object_get(msg, f->name);
			if (v == NULL) {
				if (f->required) {
					*why = xasprintf("%s without \"%s\"",
					    m->type, f->name);
					return -1;
				}
				continue;
			}
			if ((f->types & T(json_typeof(v))) == 0) {
				*why = xasprintf("%s: \"%s\" has the wrong "
						 "type",
				    m->type, f->name);
				return -1;
			}
		}
		v = json_object_get(msg, "id");
		if (v != NULL && json_is_integer(v) &&
		    json_integer_value(v) <= 0) {
			*why =
			    xasprintf("%s: \"id\" must be positive", m->type);
			return -1;
		}
		return 0;
	}
	*why =
	    xasprintf("unknown message type \"%s\"", json_string_value(type));
	return -1;
}

char *
proto_encode(const json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT), *line;

	if (text == NULL)
		fatal("cannot encode a message");
	line = xasprintf("%s\n", text);
	free(text);
	return line;
}

/* Whether dir is a directory of ours that no one else can enter. */
static int
safe_dir(const char *dir, char **why)
{
	struct stat st;

	if (lstat(dir, &st) != 0) {
		*why = xasprintf("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		*why = xasprintf("%s is not a directory", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		*why = xasprintf("%s belongs to uid %d, not to us (%d)", dir,
		    (int)st.st_uid, (int)geteuid());
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		*why = xasprintf("%s is open to others (mode %03o; it must be "
				 "0700)",
		    dir, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

char *
proto_runtime_dir(char **why)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char *dir;

	*why = NULL;
	if (xdg != NULL && *xdg == '/')
		dir = xasprintf("%s/wayfinder", xdg);
	else
		dir = xasprintf("/tmp/wayfinder-%d", (int)geteuid());
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		*why = xasprintf("cannot make %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	if (safe_dir(dir, why) != 0) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Socket paths are short: a hash of the state directory names it. */
static char *
name_for(const char *rundir, const char *state, const char *suffix)
{
	struct hash h;

	hash_init(&h, 0);
	hash_update(&h, state, strlen(state));
	return xasprintf("%s/%016llx.%s", rundir,
	    (unsigned long long)hash_final(&h), suffix);
}

char *
proto_socket_path(const char *rundir, const char *state)
{
	return name_for(rundir, state, "sock");
}

char *
proto_lock_path(const char *rundir, const char *state)
{
	return name_for(rundir, state, "lock");
}
