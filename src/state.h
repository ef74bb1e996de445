/*
 * The state directory: where the database, the builds and the job logs
 * of every experiment live ($WAYFINDER_STATE, --state, or
 * $XDG_STATE_HOME/wayfinder).
 */
#ifndef WAYFINDER_STATE_H
#define WAYFINDER_STATE_H

#include "store.h"

/* The state directory to use: option (--state) if given, else the
 * environment's. Caller frees. */
char *state_dir(const char *option);
/* Creates the directory (mode 0700) if needed and opens its database.
 * Returns 0, or -1 with *cause set. */
int state_open(const char *dir, struct store **, char **cause);
/* Opens an existing state directory's database for reading. */
int state_open_existing(const char *dir, struct store **, char **cause);
/* The directory of experiment id. Caller frees. */
char *state_experiment_dir(const char *dir, int64_t id);

#endif
