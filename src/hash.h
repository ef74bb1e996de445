/*
 * XXH64, a fast, stable 64-bit hash (Yann Collet's xxHash, written here
 * from its specification). Configuration ids and build keys use it: a
 * configuration of 2,500 Kconfig options is hashed in microseconds, and
 * the value is the same on every machine (xxhsum -H1 agrees).
 */
#ifndef WAYFINDER_HASH_H
#define WAYFINDER_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash {
	uint64_t v[4];
	uint64_t total;
	unsigned char buf[32];
	size_t fill;
	uint64_t seed;
};

void hash_init(struct hash *, uint64_t seed);
void hash_update(struct hash *, const void *, size_t);
uint64_t hash_final(const struct hash *);

#endif
