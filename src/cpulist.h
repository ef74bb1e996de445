/*
 * CPU lists as the kernel writes them: "0-3,8,10-15:2/4" (a range may
 * take every used of each group CPUs), spaces around the list allowed.
 */
#ifndef WAYFINDER_CPULIST_H
#define WAYFINDER_CPULIST_H

#include <stddef.h>

/* Parses text into a new sorted array without duplicates (NULL when
 * empty). Returns 0, or -1 when text is not a CPU list. */
int cpulist_parse(const char *text, int **cpus, size_t *n);
/* Sorts cpus and removes duplicates; returns how many are left. */
size_t cpulist_norm(int *cpus, size_t n);
/* The shortest list for sorted cpus ("0-3,8"); "none" when n is 0.
 * Caller frees. */
char *cpulist_format(const int *cpus, size_t n);

#endif
