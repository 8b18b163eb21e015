/* Growable byte buffer with a hard cap (buf.h). */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"

void att__buf_init(att__buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void att__buf_free(att__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void att__buf_reset(att__buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

/* Makes room for n more bytes plus the NUL. Frees the buffer on failure. */
static int reserve(att__buf *b, size_t n)
{
    if (n > b->max - b->len) {
        att__buf_free(b);
        return ATT_ELIMIT;
    }
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return ATT_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        att__buf_free(b);
        return ATT_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return ATT_OK;
}

int att__buf_append(att__buf *b, const void *data, size_t n)
{
    int rc = reserve(b, n);
    if (rc != ATT_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
    return ATT_OK;
}

int att__buf_appends(att__buf *b, const char *s)
{
    return att__buf_append(b, s, strlen(s));
}

int att__buf_appendf(att__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        att__buf_free(b);
        return ATT_EINVAL;
    }
    int rc = reserve(b, (size_t)n);
    if (rc != ATT_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return ATT_OK;
}

const char *att__buf_str(const att__buf *b)
{
    return b->data ? (const char *)b->data : "";
}

uint8_t *att__buf_steal(att__buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    if (!p)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
