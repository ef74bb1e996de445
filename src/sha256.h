/*
 * SHA-256 (FIPS 180-4), for the stable identities Wayfinder stores:
 * configuration ids, build keys and the hash of a spec and its scripts.
 */
#ifndef WAYFINDER_SHA256_H
#define WAYFINDER_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	unsigned char block[64];
	size_t fill;
};

void sha256_init(struct sha256 *);
void sha256_update(struct sha256 *, const void *, size_t);
void sha256_final(struct sha256 *, unsigned char digest[32]);
/* Writes the first n bytes of the digest as 2n lowercase hex digits and a
 * NUL into out (which holds 2n + 1 bytes); n is at most 32. */
void sha256_hex(struct sha256 *, char *out, size_t n);

#endif
