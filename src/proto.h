/*
 * The wire protocol between the daemon and its clients (wayfinder run,
 * status, pause, resume, stop, the TUI): JSON lines over a Unix socket,
 * one object per line, at most PROTO_MAX_LINE bytes. Every object has a
 * "type". A client speaks first, with hello; a request carries an "id"
 * (a positive integer) that its answer repeats.
 *
 * Client to daemon:
 *   hello     {version, client}              first; answered by hello,
 *                                            or error and the end
 *   submit    {id, spec (absolute path), strategy?, options? [{name,
 *              value}], budget?, seed?, jobs?, new?, cpus?, reserve?,
 *              no_sandbox?, cwd?, executor?} answered by ok {experiment,
 *                                            name, state: running or
 *                                            queued, or done when
 *                                            complete}, or error {id,
 *                                            message, diagnostics?
 *                                            ["file:line:col: ..."]}
 *   pause     {id, experiment}               running: the running jobs
 *                                            finish, then it is paused;
 *                                            queued: paused at once
 *   resume    {id, experiment}               a paused or interrupted
 *                                            experiment of the daemon
 *                                            is queued again
 *   stop      {id, experiment}               running jobs are ended; the
 *                                            experiment is interrupted
 *   subscribe {id, experiment (0: all), samples?}
 *                                            events from now on, after
 *                                            the latest progress and a
 *                                            job.start for each job
 *                                            running now
 *   status    {id}                           ok {experiments: [{id, name,
 *                                            spec, strategy, state,
 *                                            budget, done, failed,
 *                                            running, best?, best_trial?,
 *                                            eta?, daemon}]}
 *   topology  {id}                           ok {source, pus: [{os, core,
 *                                            llc, numa, package, usable,
 *                                            why?}]}
 *   shutdown  {id}                           the daemon interrupts its
 *                                            experiment (resumed when it
 *                                            starts again) and exits
 *
 * Daemon to client:
 *   hello     {version, pid, state}
 *   ok        {id, ...}
 *   error     {id?, message}
 *   event     {experiment, kind, ...}: kind is
 *     state      {state, reason?}           queued, running, paused,
 *                                           interrupted, done
 *     line       {text}                     a line for the user
 *     notice     {text}
 *     progress   {budget, proposed, done, failed, lost, running, queued
 *                 (of the running jobs, those a cluster has not placed
 *                 yet), best?, best_trial?, elapsed, eta?, stopping}
 *     trial.done {trial, value, best (bool), baseline (bool: the
 *                 default configuration), config}
 *     trial.failed {trial, reason, config}
 *     trial.lost {trial, reason, config}: given up, the executor lost
 *                 its jobs past its retries (not the configuration's
 *                 failure)
 *     job.start  {job, stage, trial, iteration, warmup, cpus [..],
 *                 node? (on a cluster), config, started (wall clock, s), out?, err? (its
 *                 stdout and stderr files while it runs)}
 *     job.end    {job, stage, trial, iteration, cpus, state, wall_ms}
 *     sample     {job, stage, trial, iteration, cpus, t_ms,
 *                 values {name: number or null}}  (subscribe samples)
 *
 * A peer that speaks another version gets an error naming both versions
 * and is disconnected.
 */
#ifndef WAYFINDER_PROTO_H
#define WAYFINDER_PROTO_H

#include <jansson.h>
#include <stddef.h>

#define PROTO_VERSION 1
#define PROTO_MAX_LINE (1024 * 1024)

/* Line framing of a byte stream. */
struct proto_reader {
	char *buf;
	size_t len, cap;
	int overflow; /* a line longer than PROTO_MAX_LINE is being skipped */
};

void proto_reader_init(struct proto_reader *);
void proto_reader_free(struct proto_reader *);
/* Appends bytes read from the peer. */
void proto_reader_feed(struct proto_reader *, const char *, size_t);
/*
 * The next complete message: 1 with *msg (json_decref it), 0 when none
 * is complete yet, -1 with *why (allocated) for a malformed or overlong
 * line (which is consumed: the stream stays usable).
 */
int proto_reader_next(struct proto_reader *, json_t **msg, char **why);

/*
 * Whether msg is a well-formed message: a known type, its required
 * fields present and of the right JSON type. from_client selects the
 * direction. Returns 0, or -1 with *why.
 */
int proto_check(const json_t *msg, int from_client, char **why);

/* msg as one line, newline included; caller frees. */
char *proto_encode(const json_t *msg);

/*
 * The per-user directory of the daemons' sockets: $XDG_RUNTIME_DIR/
 * wayfinder when that is set, else /tmp/wayfinder-UID; made 0700 if
 * missing, and refused unless it is a directory of ours that no one
 * else can enter. Returns it (caller frees), or NULL with *why.
 */
char *proto_runtime_dir(char **why);
/* The socket and start lock of the daemon of a state directory. */
char *proto_socket_path(const char *rundir, const char *state);
char *proto_lock_path(const char *rundir, const char *state);

#endif
