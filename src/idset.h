/*
 * A set of 64-bit ids (configuration ids, build keys): open addressing,
 * so a million entries cost 16 MiB and a lookup is a probe or two.
 */
#ifndef WAYFINDER_IDSET_H
#define WAYFINDER_IDSET_H

#include <stddef.h>
#include <stdint.h>

struct idset {
	uint64_t *slots; /* 0 marks an empty slot; id 0 is kept aside */
	size_t cap;
	size_t n;
	int has_zero;
};

/* Adds id; returns 1 if it was new, 0 if it was already there. */
int idset_add(struct idset *, uint64_t id);
int idset_has(const struct idset *, uint64_t id);
size_t idset_count(const struct idset *);
void idset_free(struct idset *);

#endif
