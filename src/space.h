/*
 * The search space of a spec: configurations, their canonical ids and
 * build keys, exact counting where the conditional structure allows it,
 * lazy grid enumeration, uniform sampling and neighbourhoods. Nothing
 * here materialises the space: a Linux-sized spec (thousands of
 * parameters) costs memory in proportion to its parameters only.
 */
#ifndef WAYFINDER_SPACE_H
#define WAYFINDER_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "spec.h"

/*
 * One configuration: a value index per parameter (in spec order), -1 for
 * an inactive parameter. id and build are set by space_canon(): XXH64
 * (seed 0) of "name=value\n" for each active parameter in name order (all
 * of them, or the build-stage ones only), as `xxhsum -H1` would give.
 */
struct config {
	uint64_t id;
	uint64_t build;
	int64_t v[];
};

struct space_count {
	uint64_t n;  /* the count, when exact and below 2^64 */
	int exact;   /* 1: n (or log2) is exact; 0: an upper bound */
	int fits;    /* 1: n holds the count */
	double log2; /* log2 of the count (or bound) */
};

struct space;

/* Builds the space of a loaded spec; the spec must outlive it. */
struct space *space_new(const struct spec *);
void space_free(struct space *);
const struct spec *space_spec(const struct space *);
size_t space_nparams(const struct space *);

/* Number of distinct valid configurations, and of distinct builds. */
void space_size(const struct space *, struct space_count *);
void space_builds(const struct space *, struct space_count *);
/* "288", "2^2500" or "at most 2^40" for messages; caller frees. */
char *space_count_text(const struct space_count *);
/* 1 when space_sample() is exactly uniform over valid configurations. */
int space_sampling_exact(const struct space *);

/* A new configuration with every index 0, not canonical; free() it. */
struct config *space_config_new(const struct space *);
struct config *space_config_dup(const struct space *, const struct config *);
/* Sets inactive parameters to -1, gives newly active ones their default,
 * and computes id and build. Returns cfg. */
struct config *space_canon(const struct space *, struct config *);
/* What space_canon() does to the values alone (id and build are left
 * as they were): for strategies that rewrite many candidates and hash
 * only the few they keep. */
void space_activate(const struct space *, struct config *);
/* 1 if some parameter's condition names parameter i, so that changing
 * i may change which parameters are active. */
int space_controls(const struct space *, size_t i);
/* The default configuration (every parameter at its default). */
struct config *space_default(const struct space *);
int space_config_equal(const struct space *, const struct config *,
    const struct config *);

/* Uniformly random valid configuration (see space_sampling_exact). */
struct config *space_sample(const struct space *, struct rng *);

/*
 * Grid enumeration in a fixed order (the first parameter varies slowest,
 * conditions respected). start NULL begins at the first configuration;
 * otherwise at start (which must be canonical), wrapping around.
 */
struct space_iter;
struct space_iter *
space_iter_new(const struct space *, const struct config *start);
/* The next configuration (caller frees), or NULL when all were given. */
struct config *space_iter_next(struct space_iter *);
void space_iter_free(struct space_iter *);

/*
 * Configurations one step away from cfg: each active parameter moved to
 * an adjacent value (ordered domains) or any other value (unordered ones),
 * canonicalised. Returns how many were stored in a new array *out, each
 * to be freed with the array.
 */
size_t space_neighbours(const struct space *, const struct config *,
    struct config ***out);

/* The text of parameter i's value in cfg (NULL when inactive). buf holds
 * at least 64 bytes. */
const char *space_value(const struct space *, const struct config *, size_t i,
    char *buf, size_t len);
/* "NAME=value NAME=value ..." for messages; caller frees. */
char *space_config_text(const struct space *, const struct config *);
/* The id as 16 hex digits into buf (17 bytes). */
char *space_id_hex(uint64_t, char *buf);

/*
 * Rebuilds a configuration from name=value pairs (for a stored one).
 * Returns NULL with *cause set when a name or value does not fit the
 * space.
 */
struct config *space_config_parse(const struct space *, size_t n,
    const char *const *names, const char *const *values, char **cause);

#endif
