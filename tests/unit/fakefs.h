/*
 * Helpers for tests that build a fake kernel file system (a cgroupfs, a
 * resctrl) in a temporary directory: paths from formats, files written
 * and read back as the kernel shows them. A failure to write is a
 * "Bail out!": the test cannot go on without its tree.
 */
#ifndef WAYFINDER_TEST_FAKEFS_H
#define WAYFINDER_TEST_FAKEFS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../src/files.h"

/* A path from a format, in one of a few rotating buffers. */
static inline const char *
P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline const char *
P(const char *fmt, ...)
{
	static char bufs[8][512];
	static int i;
	char *b = bufs[i++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof bufs[0], fmt, ap);
	va_end(ap);
	return b;
}

/* Writes a file the way the kernel would show it (in place). */
static inline void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

/* A file's text without trailing newlines, or "(none)". */
static inline const char *
get(const char *path)
{
	static char buf[4][4096];
	static int i;
	char *b = buf[i++ % 4], *text;
	size_t len;

	if ((text = files_read(path, &len)) == NULL)
		return "(none)";
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	snprintf(b, sizeof buf[0], "%s", text);
	free(text);
	return b;
}

static inline int
isdir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static inline void
mkdir_p(const char *path)
{
	if (files_mkdirs(path, 0755) != 0) {
		printf("Bail out! cannot create %s\n", path);
		exit(1);
	}
}

static inline int
contains(const char *s, const char *sub)
{
	return s != NULL && strstr(s, sub) != NULL;
}

#endif
