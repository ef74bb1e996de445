/*
 * A growable byte buffer, always NUL-terminated, for building text whose
 * length is not known in advance.
 */
#ifndef WAYFINDER_BUF_H
#define WAYFINDER_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
};

#define BUF_INIT \
	{ \
		NULL, 0, 0 \
	}

void buf_add(struct buf *, const void *, size_t);
void buf_adds(struct buf *, const char *);
void buf_addc(struct buf *, int);
/* One CSV field (RFC 4180): quoted, its quotes doubled, when it holds a
 * comma, a quote or a line break. */
void buf_add_csv(struct buf *, const char *);
void buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
/* Empties the buffer, keeping its storage. */
void buf_reset(struct buf *);
/* Returns the contents ("" when empty) for the caller to free; the buffer
 * is left empty. */
char *buf_steal(struct buf *);
void buf_free(struct buf *);
/* The contents, "" when nothing was appended; owned by the buffer. */
const char *buf_str(const struct buf *);

#endif
