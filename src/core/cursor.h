/* Bounded byte cursor: the only way attestd reads untrusted binary input.
 *
 * A cursor borrows a (data, size) buffer and an offset. Every read checks the remaining
 * length first (overflow-safe: size - off < n), advances only on success, and returns
 * ATT_ETRUNC when the input is too short. Nothing is allocated. */
#ifndef ATT_CORE_CURSOR_H
#define ATT_CORE_CURSOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct att__cursor {
    const uint8_t *data; /* borrowed; must outlive the cursor and what it returns */
    size_t size;
    size_t off;
} att__cursor;

void att__cur_init(att__cursor *c, const void *data, size_t size);
size_t att__cur_remaining(const att__cursor *c);

int att__cur_u8(att__cursor *c, uint8_t *v);
int att__cur_u16le(att__cursor *c, uint16_t *v);
int att__cur_u32le(att__cursor *c, uint32_t *v);
int att__cur_u64le(att__cursor *c, uint64_t *v);
int att__cur_u16be(att__cursor *c, uint16_t *v);
int att__cur_u32be(att__cursor *c, uint32_t *v);
int att__cur_u64be(att__cursor *c, uint64_t *v);

/* Points *p at the next n bytes (borrowed from the cursor's buffer) and advances. */
int att__cur_bytes(att__cursor *c, size_t n, const uint8_t **p);
/* Copies the next n bytes into out and advances. */
int att__cur_copy(att__cursor *c, void *out, size_t n);
int att__cur_skip(att__cursor *c, size_t n);
/* Splits off the next n bytes as a sub-cursor (for length-prefixed structures). */
int att__cur_sub(att__cursor *c, size_t n, att__cursor *sub);

#endif
