/*
 * XXH64: four 64-bit lanes over 32-byte stripes, then the tail, then an
 * avalanche. Input is read as little-endian on every host, so the result
 * does not depend on the byte order.
 */
#include "config.h"

#include <string.h>

#include "hash.h"

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static uint64_t
rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t
read64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static uint32_t
read32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static uint64_t
round1(uint64_t acc, uint64_t input)
{
	acc += input * P2;
	acc = rotl(acc, 31);
	return acc * P1;
}

static uint64_t
merge(uint64_t acc, uint64_t v)
{
	acc ^= round1(0, v);
	return acc * P1 + P4;
}

void
hash_init(struct hash *h, uint64_t seed)
{
	h->seed = seed;
	h->v[0] = seed + P1 + P2;
	h->v[1] = seed + P2;
	h->v[2] = seed;
	h->v[3] = seed - P1;
	h->total = 0;
	h->fill = 0;
}

static void
stripe(struct hash *h, const unsigned char *p)
{
	h->v[0] = round1(h->v[0], read64(p));
	h->v[1] = round1(h->v[1], read64(p + 8));
	h->v[2] = round1(h->v[2], read64(p + 16));
	h->v[3] = round1(h->v[3], read64(p + 24));
}

void
hash_update(struct hash *h, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t take;

	h->total += n;
	if (h->fill > 0) {
		take = 32 - h->fill < n ? 32 - h->fill : n;
		memcpy(h->buf + h->fill, p, take);
		h->fill += take;
		p += take;
		n -= take;
		if (h->fill < 32)
			return;
		stripe(h, h->buf);
		h->fill = 0;
	}
	for (; n >= 32; p += 32, n -= 32)
		stripe(h, p);
	memcpy(h->buf, p, n);
	h->fill = n;
}

uint64_t
hash_final(const struct hash *h)
{
	const unsigned char *p = h->buf, *end = h->buf + h->fill;
	uint64_t acc;

	if (h->total >= 32) {
		acc = rotl(h->v[0], 1) + rotl(h->v[1], 7) + rotl(h->v[2], 12) +
		    rotl(h->v[3], 18);
		acc = merge(acc, h->v[0]);
		acc = merge(acc, h->v[1]);
		acc = merge(acc, h->v[2]);
		acc = merge(acc, h->v[3]);
	} else
		acc = h->seed + P5;
	acc += h->total;
	for (; p + 8 <= end; p += 8) {
		acc ^= round1(0, read64(p));
		acc = rotl(acc, 27) * P1 + P4;
	}
	if (p + 4 <= end) {
		acc ^= (uint64_t)read32(p) * P1;
		acc = rotl(acc, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++) {
		acc ^= (uint64_t)*p * P5;
		acc = rotl(acc, 11) * P1;
	}
	acc ^= acc >> 33;
	acc *= P2;
	acc ^= acc >> 29;
	acc *= P3;
	acc ^= acc >> 32;
	return acc;
}
