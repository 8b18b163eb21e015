/* Growable byte buffer with a hard size cap (after curl's dynbuf).
 *
 * A buffer owns its heap storage. Every append checks the cap; on any failure (cap
 * exceeded or out of memory) the buffer frees its storage and is left empty, so a caller
 * that ignores one error cannot go on appending to a half-built value. The contents are
 * always NUL-terminated (the NUL is not counted in len) so text can be used directly. */
#ifndef ATT_CORE_BUF_H
#define ATT_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct att__buf {
    uint8_t *data; /* owned; NULL while empty */
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len */
} att__buf;

void att__buf_init(att__buf *b, size_t max);
void att__buf_free(att__buf *b);
/* Empties the buffer but keeps its storage for reuse. */
void att__buf_reset(att__buf *b);
int att__buf_append(att__buf *b, const void *data, size_t n);
int att__buf_appends(att__buf *b, const char *s);
int att__buf_appendf(att__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Contents as a C string ("" while empty); borrowed, valid until the next change. */
const char *att__buf_str(const att__buf *b);
/* Hands the storage to the caller (free() it) and leaves the buffer empty. Returns NULL
 * on allocation failure; an empty buffer yields an empty allocated string. */
uint8_t *att__buf_steal(att__buf *b, size_t *len);

#endif
