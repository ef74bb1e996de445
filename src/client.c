/*
 * The client side of the daemon's protocol: connecting (starting a
 * daemon when none runs, under a lock so that two clients never start
 * two), requests and their answers, and the events in between. Blocking
 * I/O with poll() and timeouts: a client does one thing at a time.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "files.h"
#include "proto.h"
#include "xmalloc.h"

#define START_TIMEOUT_MS 15000
#define REPLY_TIMEOUT_MS 60000

struct client {
	int fd;
	json_int_t next_id;
	struct proto_reader rd;
	json_t *events; /* events read while waiting for an answer */
	char *state;
};

static int
connect_to(const char *path)
{
	struct sockaddr_un a;
	int fd;

	if (strlen(path) >= sizeof a.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, path);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static const char *
self_path(void)
{
	static char path[PATH_MAX];
	ssize_t n;

	if ((n = readlink("/proc/self/exe", path, sizeof path - 1)) <= 0)
		return "wayfinder";
	path[n] = '\0';
	return path;
}

/*
 * Runs `wayfinder daemon --state STATE`, which returns once its daemon
 * listens (or says why it cannot). Returns 0, or -1 with *cause.
 */
static int
start_daemon(const char *state, char **cause)
{
	int p[2], st;
	char buf[1024];
	size_t len = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		*cause = xasprintf("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], 2); /* its complaints, before it has a log */
		execl(self_path(), "wayfinder", "daemon", "--state", state,
		    (char *)NULL);
		fprintf(stderr, "cannot run %s: %s", self_path(),
		    strerror(errno));
		_exit(127);
	}
	close(p[1]);
	len = files_read_fd(p[0], buf, sizeof buf);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		buf[strcspn(buf, "\n")] = '\0';
		*cause = xasprintf("cannot start the daemon%s%s",
		    len > 0 ? ": " : "", buf);
		return -1;
	}
	return 0;
}

static int
send_line(struct client *c, const json_t *msg, char **cause)
{
	char *line = proto_encode(msg);
	size_t len = strlen(line), off = 0;
	ssize_t n;

	while (off < len) {
		n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*cause = xasprintf("the daemon is gone (%s)",
			    strerror(errno));
			free(line);
			return -1;
		}
		off += (size_t)n;
	}
	free(line);
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The next message from the daemon, within timeout_ms (-1: no limit).
 * Returns 1 with *msg, 0 on timeout, -1 with *cause when the daemon is
 * gone or speaks nonsense.
 */
static int
read_msg(struct client *c, int timeout_ms, json_t **msg, char **cause)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	struct pollfd pfd;
	char buf[65536], *why;
	ssize_t n;
	int rc, wait;

	for (;;) {
		rc = proto_reader_next(&c->rd, msg, &why);
		if (rc > 0) {
			if (proto_check(*msg, 0, &why) != 0) {
				*cause = xasprintf("the daemon says something "
						   "this client does not "
						   "understand: %s",
				    why);
				free(why);
				json_decref(*msg);
				*msg = NULL;
				return -1;
			}
			return 1;
		}
		if (rc < 0) {
			*cause = xasprintf("the daemon sent %s", why);
			free(why);
			return -1;
		}
		wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
		/* Past the deadline, one last look without waiting: with a
		 * timeout of 0 (a caller's own poll loop), that look is the
		 * point. */
		if (deadline >= 0 && wait < 0)
			wait = 0;
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if ((rc = poll(&pfd, 1, wait)) < 0) {
			if (errno == EINTR)
				return 0; /* let the caller look at signals */
			*cause = xasprintf("poll: %s", strerror(errno));
			return -1;
		}
		if (rc == 0)
			return 0;
		n = recv(c->fd, buf, sizeof buf, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			*cause = xstrdup("the daemon has gone (its experiments "
					 "resume when one starts again: "
					 "wayfinder daemon)");
			return -1;
		}
		proto_reader_feed(&c->rd, buf, (size_t)n);
	}
}

int
client_connect(const char *state, int start, const char *name,
    struct client **out, char **cause)
{
	struct client *c = NULL;
	char *rundir, *sock = NULL, *lock = NULL, *startlock = NULL;
	json_t *hello, *m = NULL;
	int fd = -1, lockfd = -1, rc = -1;
	int64_t deadline;

	*out = NULL;
	*cause = NULL;
	if ((rundir = proto_runtime_dir(cause)) == NULL)
		return -1;
	sock = proto_socket_path(rundir, state);
	lock = proto_lock_path(rundir, state);
	if ((fd = connect_to(sock)) < 0 && start) {
		/* One client at a time starts a daemon; the others find
		 * it when they get the lock. */
		startlock = xasprintf("%s.start", lock);
		if ((lockfd = open(startlock, O_RDWR | O_CREAT | O_CLOEXEC,
			 0600)) < 0 ||
		    flock(lockfd, LOCK_EX) != 0) {
			*cause =
			    xasprintf("%s: %s", startlock, strerror(errno));
			goto out;
		}
		if ((fd = connect_to(sock)) < 0) {
			if (start_daemon(state, cause) != 0)
				goto out;
			deadline = now_ms() + START_TIMEOUT_MS;
			while (
			    (fd = connect_to(sock)) < 0 && now_ms() < deadline)
				usleep(20000);
		}
	}
	if (fd < 0) {
		*cause = start ? xasprintf("cannot reach the daemon at %s: %s",
				     sock, strerror(errno)) :
				 xasprintf("no daemon runs for %s", state);
		if (!start)
			rc = -2;
		goto out;
	}
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	fd = -1;
	c->next_id = 1;
	c->events = json_array();
	c->state = xstrdup(state);
	proto_reader_init(&c->rd);
	hello = json_pack("{sssiss}", "type", "hello", "version", PROTO_VERSION,
	    "client", name);
	rc = send_line(c, hello, cause);
	json_decref(hello);
	if (rc != 0)
		goto out;
	rc = -1;
	if (read_msg(c, REPLY_TIMEOUT_MS, &m, cause) != 1) {
		if (*cause == NULL)
			*cause = xstrdup("the daemon does not answer");
		goto out;
	}
	if (strcmp(json_string_value(json_object_get(m, "type")), "hello") !=
	    0) {
		*cause = xstrdup(
		    json_string_value(json_object_get(m, "message")) != NULL ?
			json_string_value(json_object_get(m, "message")) :
			"the daemon did not say hello");
		goto out;
	}
	*out = c;
	c = NULL;
	rc = 0;
out:
	json_decref(m);
	if (c != NULL)
		client_close(c);
	if (fd >= 0)
		close(fd);
	if (lockfd >= 0)
		close(lockfd);
	free(startlock);
	free(rundir);
	free(sock);
	free(lock);
	return rc;
}

int
client_fd(const struct client *c)
{
	return c->fd;
}

int
client_request(struct client *c, json_t *req, json_t **reply, char **cause)
{
	json_int_t id = c->next_id++;
	const char *type;
	json_t *m;
	int rc;

	*reply = NULL;
	*cause = NULL;
	json_object_set_new(req, "id", json_integer(id));
	if (send_line(c, req, cause) != 0)
		return -1;
	for (;;) {
		rc = read_msg(c, REPLY_TIMEOUT_MS, &m, cause);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			*cause = xstrdup("the daemon does not answer");
			return -1;
		}
		type = json_string_value(json_object_get(m, "type"));
		if (strcmp(type, "event") == 0) {
			json_array_append_new(c->events, m);
			continue;
		}
		if (json_integer_value(json_object_get(m, "id")) != id &&
		    json_object_get(m, "id") != NULL) {
			json_decref(m); /* an answer to nothing we wait for */
			continue;
		}
		if (strcmp(type, "error") == 0) {
			*cause = xstrdup(
			    json_string_value(json_object_get(m, "message")));
			*reply = m; /* for its diagnostics */
			return -1;
		}
		*reply = m;
		return 0;
	}
}

int
client_next(struct client *c, int timeout_ms, json_t **ev, char **cause)
{
	const char *type;
	json_t *m;
	int rc;

	*cause = NULL;
	if (json_array_size(c->events) > 0) {
		*ev = json_incref(json_array_get(c->events, 0));
		json_array_remove(c->events, 0);
		return 1;
	}
	for (;;) {
		if ((rc = read_msg(c, timeout_ms, &m, cause)) <= 0)
			return rc;
		type = json_string_value(json_object_get(m, "type"));
		if (strcmp(type, "event") == 0) {
			*ev = m;
			return 1;
		}
		if (strcmp(type, "error") == 0 &&
		    json_object_get(m, "id") == NULL) {
			*cause = xstrdup(
			    json_string_value(json_object_get(m, "message")));
			json_decref(m);
			return -1;
		}
		json_decref(m); /* a late answer */
	}
}

void
client_close(struct client *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	proto_reader_free(&c->rd);
	json_decref(c->events);
	free(c->state);
	free(c);
}
