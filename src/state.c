/*
 * Locating and opening the state directory.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "state.h"
#include "xmalloc.h"

/* An absolute path: jobs run elsewhere and must find it. */
static char *
absolute(const char *path)
{
	char cwd[4096];

	if (path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

char *
state_dir(const char *option)
{
	const char *env;

	if (option != NULL && *option != '\0')
		return absolute(option);
	if ((env = getenv("WAYFINDER_STATE")) != NULL && *env != '\0')
		return absolute(env);
	if ((env = getenv("XDG_STATE_HOME")) != NULL && *env == '/')
		return xasprintf("%s/wayfinder", env);
	if ((env = getenv("HOME")) != NULL && *env != '\0')
		return xasprintf("%s/.local/state/wayfinder", env);
	return xstrdup("/tmp/wayfinder-state");
}

int
state_open(const char *dir, struct store **out, char **cause)
{
	char *db;
	int rc;

	if (files_mkdirs(dir, 0700) != 0) {
		*cause =
		    xasprintf("state directory %s: %s", dir, strerror(errno));
		return -1;
	}
	db = xasprintf("%s/wayfinder.db", dir);
	rc = store_open(db, out, cause);
	free(db);
	return rc;
}

int
state_open_existing(const char *dir, struct store **out, char **cause)
{
	struct stat st;
	char *db;
	int rc;

	db = xasprintf("%s/wayfinder.db", dir);
	if (stat(db, &st) != 0) {
		*cause = xasprintf("no experiments in %s (%s)", dir,
		    strerror(errno));
		free(db);
		return -1;
	}
	rc = store_open(db, out, cause);
	free(db);
	return rc;
}

char *
state_experiment_dir(const char *dir, int64_t id)
{
	return xasprintf("%s/experiments/%lld", dir, (long long)id);
}
