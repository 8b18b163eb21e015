/* Bounded byte cursor (cursor.h). */
#include "core/cursor.h"

#include <string.h>

#include "attest/error.h"

void att__cur_init(att__cursor *c, const void *data, size_t size)
{
    c->data = data;
    c->size = data ? size : 0;
    c->off = 0;
}

size_t att__cur_remaining(const att__cursor *c)
{
    return c->size - c->off;
}

int att__cur_bytes(att__cursor *c, size_t n, const uint8_t **p)
{
    if (c->size - c->off < n)
        return ATT_ETRUNC;
    *p = c->data + c->off;
    c->off += n;
    return ATT_OK;
}

int att__cur_copy(att__cursor *c, void *out, size_t n)
{
    const uint8_t *p;
    int rc = att__cur_bytes(c, n, &p);
    if (rc == ATT_OK && n)
        memcpy(out, p, n);
    return rc;
}

int att__cur_skip(att__cursor *c, size_t n)
{
    const uint8_t *p;
    return att__cur_bytes(c, n, &p);
}

int att__cur_sub(att__cursor *c, size_t n, att__cursor *sub)
{
    const uint8_t *p;
    int rc = att__cur_bytes(c, n, &p);
    if (rc == ATT_OK)
        att__cur_init(sub, p, n);
    return rc;
}

int att__cur_u8(att__cursor *c, uint8_t *v)
{
    return att__cur_copy(c, v, 1);
}

/* Reads n (<= 8) bytes as an unsigned integer, little- or big-endian. */
static int read_uint(att__cursor *c, size_t n, int big, uint64_t *v)
{
    const uint8_t *p;
    int rc = att__cur_bytes(c, n, &p);
    if (rc != ATT_OK)
        return rc;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)p[big ? n - 1 - i : i] << (8 * i);
    *v = x;
    return ATT_OK;
}

#define CUR_UINT(name, type, n, big)                                                               \
    int name(att__cursor *c, type *v)                                                              \
    {                                                                                              \
        uint64_t x;                                                                                \
        int rc = read_uint(c, n, big, &x);                                                         \
        if (rc == ATT_OK)                                                                          \
            *v = (type)x;                                                                          \
        return rc;                                                                                 \
    }

CUR_UINT(att__cur_u16le, uint16_t, 2, 0)
CUR_UINT(att__cur_u32le, uint32_t, 4, 0)
CUR_UINT(att__cur_u64le, uint64_t, 8, 0)
CUR_UINT(att__cur_u16be, uint16_t, 2, 1)
CUR_UINT(att__cur_u32be, uint32_t, 4, 1)
CUR_UINT(att__cur_u64be, uint64_t, 8, 1)
