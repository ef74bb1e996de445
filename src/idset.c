/*
 * Linear-probing hash set of ids. Ids are SHA-256 prefixes, already
 * uniform, so the low bits index the table directly.
 */
#include "config.h"

#include <stdlib.h>

#include "idset.h"
#include "xmalloc.h"

static void
idset_grow(struct idset *s)
{
	uint64_t *old = s->slots;
	size_t oldcap = s->cap, i, j;

	s->cap = oldcap == 0 ? 64 : oldcap * 2;
	s->slots = xcalloc(s->cap, sizeof *s->slots);
	for (i = 0; i < oldcap; i++) {
		if (old[i] == 0)
			continue;
		for (j = old[i] & (s->cap - 1); s->slots[j] != 0;
		     j = (j + 1) & (s->cap - 1))
			;
		s->slots[j] = old[i];
	}
	free(old);
}

int
idset_add(struct idset *s, uint64_t id)
{
	size_t j;

	if (id == 0) {
		if (s->has_zero)
			return 0;
		s->has_zero = 1;
		return 1;
	}
	if ((s->n + 1) * 2 > s->cap)
		idset_grow(s);
	for (j = id & (s->cap - 1); s->slots[j] != 0;
	     j = (j + 1) & (s->cap - 1))
		if (s->slots[j] == id)
			return 0;
	s->slots[j] = id;
	s->n++;
	return 1;
}

int
idset_has(const struct idset *s, uint64_t id)
{
	size_t j;

	if (id == 0)
		return s->has_zero;
	if (s->cap == 0)
		return 0;
	for (j = id & (s->cap - 1); s->slots[j] != 0;
	     j = (j + 1) & (s->cap - 1))
		if (s->slots[j] == id)
			return 1;
	return 0;
}

size_t
idset_count(const struct idset *s)
{
	return s->n + (size_t)s->has_zero;
}

void
idset_free(struct idset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->cap = s->n = 0;
	s->has_zero = 0;
}
