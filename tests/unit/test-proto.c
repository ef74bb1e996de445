/*
 * Unit tests of the daemon's wire protocol: line framing (partial lines,
 * several in one read, blank lines, an overlong line skipped without
 * losing the stream), malformed messages, the message table in both
 * directions, the socket directory's checks; then, against a real
 * daemon started for the test, a client of another protocol version is
 * told so and disconnected.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "../../src/files.h"
#include "../../src/proto.h"
#include "../../src/xmalloc.h"

static void
skip(const char *why)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, why);
	fflush(stdout);
}

static const char *
type_of(const json_t *m)
{
	return json_string_value(json_object_get(m, "type"));
}

static void
test_framing(void)
{
	struct proto_reader r;
	json_t *m;
	char *why, *big;
	size_t i;

	proto_reader_init(&r);
	proto_reader_feed(&r, "{\"type\":\"st", 11);
	ok(proto_reader_next(&r, &m, &why) == 0,
	    "half a line is not a message");
	proto_reader_feed(&r,
	    "atus\",\"id\":1}\n\n{\"type\":\"topology\",\"id\":2}\n", 43);
	ok(proto_reader_next(&r, &m, &why) == 1 &&
		strcmp(type_of(m), "status") == 0,
	    "the line completed is one");
	json_decref(m);
	ok(proto_reader_next(&r, &m, &why) == 1 &&
		strcmp(type_of(m), "topology") == 0,
	    "a blank line is skipped, the next one read");
	json_decref(m);
	ok(proto_reader_next(&r, &m, &why) == 0, "then nothing");

	proto_reader_feed(&r, "{\"type\": nope}\n", 15);
	ok(proto_reader_next(&r, &m, &why) == -1 && why != NULL &&
		strstr(why, "malformed JSON") != NULL,
	    "malformed JSON is an error: %s", why ? why : "");
	free(why);
	proto_reader_feed(&r, "[1,2]\n", 6);
	ok(proto_reader_next(&r, &m, &why) == -1 && strstr(why, "object"),
	    "a message must be an object");
	free(why);
	proto_reader_feed(&r, "{\"a\":1,\"a\":2}\n", 14);
	ok(proto_reader_next(&r, &m, &why) == -1, "duplicate keys are refused");
	free(why);

	/* Longer than the limit, fed in pieces: skipped, then on. */
	big = xcalloc(1, 65537);
	memset(big, 'x', 65536);
	for (i = 0; i < PROTO_MAX_LINE / 65536 + 2; i++) {
		proto_reader_feed(&r, big, 65536);
		if (proto_reader_next(&r, &m, &why) != 0)
			break;
	}
	proto_reader_feed(&r, "\n{\"type\":\"status\",\"id\":3}\n", 26);
	ok(proto_reader_next(&r, &m, &why) == -1 && strstr(why, "longer"),
	    "an overlong line is an error");
	free(why);
	ok(proto_reader_next(&r, &m, &why) == 1 &&
		json_integer_value(json_object_get(m, "id")) == 3,
	    "and the stream goes on after it");
	json_decref(m);
	ok(r.len < 1024, "nothing of it is kept (%zu bytes)", r.len);
	free(big);
	proto_reader_free(&r);
}

static int
check(const char *text, int from_client, const char *want_in_why)
{
	json_error_t je;
	json_t *m = json_loads(text, 0, &je);
	char *why = NULL;
	int rc, good;

	rc = proto_check(m, from_client, &why);
	good =
	    want_in_why == NULL ? rc == 0 : rc != 0 && strstr(why, want_in_why);
	if (!good)
		diag("%s: got %s", text, why ? why : "ok");
	free(why);
	json_decref(m);
	return good;
}

static void
test_table(void)
{
	ok(check("{\"type\":\"hello\",\"version\":1,\"client\":\"t\"}", 1,
	       NULL),
	    "hello");
	ok(check("{\"type\":\"hello\"}", 1, "without \"version\""),
	    "hello needs a version");
	ok(check("{\"type\":\"submit\",\"id\":1,\"spec\":\"/x.yaml\","
		 "\"budget\":5,\"new\":true}",
	       1, NULL),
	    "submit");
	ok(check("{\"type\":\"submit\",\"id\":1}", 1, "without \"spec\""),
	    "submit needs a spec");
	ok(check("{\"type\":\"submit\",\"id\":1,\"spec\":\"/"
		 "x\",\"budget\":\"5\"}",
	       1, "wrong type"),
	    "a budget that is a string is refused");
	ok(check("{\"type\":\"stop\",\"id\":0,\"experiment\":1}", 1,
	       "positive"),
	    "ids are positive");
	ok(check("{\"type\":\"pause\",\"id\":2,\"experiment\":\"nginx\"}", 1,
	       NULL),
	    "an experiment by name");
	ok(check("{\"type\":\"frobnicate\",\"id\":2}", 1, "unknown message"),
	    "an unknown type is refused");
	ok(check("{\"type\":\"event\",\"experiment\":1,\"kind\":\"sample\"}", 1,
	       "unknown message"),
	    "a client does not send events");
	ok(check("{\"type\":\"event\",\"experiment\":1,\"kind\":\"sample\"}", 0,
	       NULL),
	    "the daemon does");
	ok(check("{\"id\":1}", 1, "without a \"type\""),
	    "a message needs a type");
}

static void
test_dirs(void)
{
	char tmp[] = "/tmp/wf-prototest-XXXXXX", *dir, *why = NULL, *a, *b;

	if (mkdtemp(tmp) == NULL)
		abort();
	setenv("XDG_RUNTIME_DIR", tmp, 1);
	dir = proto_runtime_dir(&why);
	ok(dir != NULL, "a private runtime directory is made");
	if (dir != NULL) {
		struct stat st;

		ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700,
		    "  mode 0700");
		chmod(dir, 0755);
		free(dir);
		dir = proto_runtime_dir(&why);
		ok(dir == NULL && why != NULL && strstr(why, "open to others"),
		    "one others can enter is refused: %s", why ? why : "");
		free(why);
		why = NULL;
		free(dir);
	}
	a = proto_socket_path("/r", "/state/a");
	b = proto_socket_path("/r", "/state/b");
	ok(strcmp(a, b) != 0 && strlen(a) < 100,
	    "each state directory has its own short socket path");
	free(a);
	free(b);
	files_rmtree(tmp);
}

/* A client of protocol version 99 against a real daemon. */
static void
test_mismatch(void)
{
	const char *wf = getenv("WAYFINDER");
	char tmp[] = "/tmp/wf-prototest-XXXXXX", *state, *rundir, *sock,
	     *why = NULL, buf[4096];
	struct sockaddr_un a;
	struct timespec nap = { 0, 50 * 1000000L };
	ssize_t n;
	size_t len = 0;
	pid_t pid;
	int fd = -1, i, st;

	if (wf == NULL) {
		skip("no WAYFINDER to start a daemon with");
		skip("no WAYFINDER to start a daemon with");
		return;
	}
	if (mkdtemp(tmp) == NULL)
		abort();
	setenv("XDG_RUNTIME_DIR", tmp, 1);
	state = xasprintf("%s/state", tmp);
	if ((pid = fork()) == 0) {
		freopen("/dev/null", "w", stderr);
		execl(wf, "wayfinder", "daemon", "--foreground", "--state",
		    state, (char *)NULL);
		_exit(127);
	}
	rundir = proto_runtime_dir(&why);
	sock = proto_socket_path(rundir, state);
	for (i = 0; i < 200 && fd < 0; i++) {
		nanosleep(&nap, NULL);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		memset(&a, 0, sizeof a);
		a.sun_family = AF_UNIX;
		snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
		if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
			close(fd);
			fd = -1;
		}
	}
	if (!ok(fd >= 0, "the daemon listens")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	if (write(fd, "{\"type\":\"hello\",\"version\":99}\n", 30) != 30)
		abort();
	while ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	ok(strstr(buf, "\"type\":\"error\"") != NULL &&
		strstr(buf, "protocol version 1, the client 99") != NULL,
	    "a client of another version is told both versions");
	ok(n == 0, "and disconnected");
	close(fd);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the daemon ends cleanly on SIGTERM");
	free(rundir);
	free(sock);
	free(state);
	files_rmtree(tmp);
}

int
main(void)
{
	test_framing();
	test_table();
	test_dirs();
	test_mismatch();
	return done_testing();
}
