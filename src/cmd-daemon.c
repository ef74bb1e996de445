/*
 * wayfinder daemon [--foreground] [--stop]: starts the daemon of a state
 * directory (detached from the terminal, logging to daemon.log in the
 * state directory), runs it in the foreground, or stops it cleanly.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "files.h"
#include "server.h"
#include "state.h"
#include "xmalloc.h"

static void
usage(FILE *f)
{
	fputs("usage: wayfinder daemon [--foreground | --stop] [--state "
	      "DIR]\n",
	    f);
}

/* --stop: asks the daemon to shut down and waits until it has. */
static int
stop_daemon(const char *state)
{
	struct client *c;
	json_t *req, *reply = NULL, *ev;
	char *cause = NULL;
	int rc;

	if ((rc = client_connect(state, 0, "wayfinder daemon --stop", &c,
		 &cause)) != 0) {
		if (rc == -2)
			printf("no daemon runs for %s\n", state);
		else
			cmd_error("%s", cause);
		free(cause);
		return rc == -2 ? EXIT_OK : EXIT_FAIL;
	}
	req = json_pack("{ss}", "type", "shutdown");
	rc = client_request(c, req, &reply, &cause);
	json_decref(req);
	json_decref(reply);
	if (rc != 0) {
		cmd_error("%s", cause);
		free(cause);
		client_close(c);
		return EXIT_FAIL;
	}
	/* It closes the connection when it exits. */
	while ((rc = client_next(c, 30000, &ev, &cause)) == 1)
		json_decref(ev);
	free(cause);
	client_close(c);
	if (rc == 0) {
		cmd_error("the daemon has not stopped after 30 s");
		return EXIT_FAIL;
	}
	printf("daemon for %s stopped\n", state);
	return EXIT_OK;
}

/*
 * Detaches: a new session, no terminal, the log in the state directory.
 * The parent returns once the daemon listens, or says why it cannot.
 */
static int
detach(const char *state)
{
	int p[2], devnull, logfd, rc;
	char *log, buf[1024], *cause = NULL;
	size_t len = 0;
	pid_t pid;

	if (files_mkdirs(state, 0700) != 0) {
		cmd_error("%s: %s", state, strerror(errno));
		return EXIT_FAIL;
	}
	log = xasprintf("%s/daemon.log", state);
	if ((logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		 0600)) < 0) {
		cmd_error("%s: %s", log, strerror(errno));
		free(log);
		return EXIT_FAIL;
	}
	if (pipe2(p, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		cmd_error("cannot start the daemon: %s", strerror(errno));
		free(log);
		return EXIT_FAIL;
	}
	if (pid > 0) {
		close(p[1]);
		close(logfd);
		len = files_read_fd(p[0], buf, sizeof buf);
		if (strncmp(buf, "ok\n", 3) == 0) {
			if (isatty(STDOUT_FILENO))
				printf("daemon started for %s (log %s)\n",
				    state, log);
			free(log);
			return EXIT_OK;
		}
		free(log);
		if (strncmp(buf, "running", 7) == 0) {
			printf("a daemon already runs for %s\n", state);
			return EXIT_OK;
		}
		cmd_error("the daemon did not start: %s",
		    len > 0 ? buf : "it died (see its log)");
		return EXIT_FAIL;
	}
	/* The child: a session of its own, then a grandchild that can
	 * never reacquire a terminal. */
	close(p[0]);
	setsid();
	if ((pid = fork()) != 0)
		_exit(pid < 0 ? 1 : 0);
	if (chdir("/") != 0)
		_exit(1);
	umask(077);
	if ((devnull = open("/dev/null", O_RDWR)) >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		close(devnull);
	}
	dup2(logfd, 2);
	close(logfd);
	rc = server_run(state, 0, p[1], &cause);
	if (rc != 0) {
		const char *what = rc == 1 ? "running" : cause;

		if (write(p[1], what, strlen(what)) < 0) {
			/* the parent has gone */
		}
		if (cause != NULL)
			fprintf(stderr, "wayfinder daemon: %s\n", cause);
	}
	free(cause);
	free(log);
	_exit(rc < 0 ? 1 : 0);
}

int
cmd_daemon(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "stop", no_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *statearg = NULL;
	char *state, *cause = NULL;
	int c, foreground = 0, stop = 0, rc;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			foreground = 1;
			break;
		case 's':
			stop = 1;
			break;
		case 'd':
			statearg = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || (foreground && stop)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	state = state_dir(statearg);
	if (stop)
		rc = stop_daemon(state);
	else if (!foreground)
		rc = detach(state);
	else {
		rc = server_run(state, 1, -1, &cause);
		if (rc != 0)
			cmd_error("%s", cause);
		rc = rc == 0 ? EXIT_OK : EXIT_FAIL;
	}
	free(cause);
	free(state);
	return rc;
}
