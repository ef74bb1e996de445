/*
 * File-system helpers for the state directory and the files Wayfinder
 * reads.
 */
#ifndef WAYFINDER_FILES_H
#define WAYFINDER_FILES_H

#include <stddef.h>

/* mkdir -p with the given mode for the directories it creates. Returns 0
 * or -1 with errno set. */
int files_mkdirs(const char *path, int mode);
/* rm -rf: removes path and everything below it, never following
 * symbolic links. Returns 0 (also when path does not exist) or -1. */
int files_rmtree(const char *path);
/* Reads a whole file into a new NUL-terminated string; NULL on error. */
char *files_read(const char *path, size_t *len);
/* Reads fd until end of file, a read error or size - 1 bytes, into buf,
 * NUL-terminated (size > 0). Returns the bytes read. */
size_t files_read_fd(int fd, char *buf, size_t size);
/* The directory of path, made absolute (as it is, if that fails). */
char *files_abs_dir(const char *path);

#endif
