/*
 * Wayfinder's own seeded PRNG (xoshiro256**, seeded by splitmix64), so a
 * seed gives the same search on every libc and machine.
 */
#ifndef WAYFINDER_RNG_H
#define WAYFINDER_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *, uint64_t seed);
uint64_t rng_next(struct rng *);
/* Uniform in [0, n), without modulo bias; n must be > 0. */
uint64_t rng_below(struct rng *, uint64_t n);
/* Uniform in [0, 1). */
double rng_double(struct rng *);

#endif
