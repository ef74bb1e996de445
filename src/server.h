/*
 * The daemon (wayfinder daemon): hosts the engine for the experiments
 * clients submit over its socket (see proto.h), one at a time, and keeps
 * running them with no client attached.
 */
#ifndef WAYFINDER_SERVER_H
#define WAYFINDER_SERVER_H

/*
 * Serves the state directory state until shut down (SIGTERM, SIGINT or a
 * client's shutdown), writing "ok" to ready_fd (unless -1; then closed)
 * once clients can connect. Logs go to stderr. Returns 0; 1 when another
 * daemon already serves it; -1 with *cause when it cannot start.
 */
int server_run(const char *state, int foreground, int ready_fd, char **cause);

#endif
