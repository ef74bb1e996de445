/*
 * Talking to the daemon (see proto.h): wayfinder run, status, pause,
 * resume, stop and the TUI are its clients.
 */
#ifndef WAYFINDER_CLIENT_H
#define WAYFINDER_CLIENT_H

#include <jansson.h>

struct client;

/*
 * Connects to the daemon of the state directory state, saying hello as
 * name ("wayfinder run"). With start, a daemon is started when none runs
 * (one client at a time: two never start two). Returns 0 with *out;
 * -2 with *cause when, without start, no daemon runs; -1 with *cause
 * otherwise.
 */
int client_connect(const char *state, int start, const char *name,
    struct client **out, char **cause);
void client_close(struct client *);
/* The socket, for a caller's own poll loop (then client_next with 0). */
int client_fd(const struct client *);

/*
 * Sends req (its "id" is set here) and waits for its answer; events
 * that come meanwhile are kept for client_next. Returns 0 with the ok
 * in *reply, or -1 with *cause (and, for an error answer, the answer in
 * *reply, e.g. for its diagnostics); json_decref *reply either way.
 */
int client_request(struct client *, json_t *req, json_t **reply, char **cause);

/*
 * The next event within timeout_ms (-1: wait as long as it takes; 0:
 * only what is there). Returns 1 with *ev, 0 when none came (or a
 * signal interrupted the wait), -1 with *cause when the daemon is gone.
 */
int client_next(struct client *, int timeout_ms, json_t **ev, char **cause);

#endif
