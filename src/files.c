/*
 * mkdir -p, rm -rf and slurp, done carefully: the state directory holds
 * builds that scripts wrote, so removal must never follow a symlink out.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "xmalloc.h"

int
files_mkdirs(const char *path, int mode)
{
	char *copy, *p;
	struct stat st;

	copy = xstrdup(path);
	for (p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(copy, (mode_t)mode) != 0 && errno != EEXIST) {
			free(copy);
			return -1;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) != 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) != 0 && errno != ENOENT ? -1 : 0;
}

int
files_rmtree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

char *
files_read(const char *path, size_t *lenp)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			text = xreallocarray(text, cap, 1);
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	text[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return text;
}

size_t
files_read_fd(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (
	    len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return len;
}

char *
files_abs_dir(const char *path)
{
	char *copy, *slash, *dir, *real;

	copy = xstrdup(path);
	if ((slash = strrchr(copy, '/')) == NULL)
		dir = xstrdup(".");
	else if (slash == copy)
		dir = xstrdup("/");
	else
		dir = xstrndup(copy, (size_t)(slash - copy));
	free(copy);
	if ((real = realpath(dir, NULL)) == NULL)
		return dir;
	free(dir);
	return real;
}
