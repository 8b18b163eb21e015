/* Per-request memory arena (arena.h). */
#include "core/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

struct att__arena_chunk {
    att__arena_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(16) unsigned char mem[];
};

void att__arena_init(att__arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void att__arena_free(att__arena *a)
{
    att__arena_chunk *c = a->head;
    while (c) {
        att__arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}

void att__arena_reset(att__arena *a)
{
    /* Keep the oldest chunk (the list tail): it has the common request size. */
    att__arena_chunk *c = a->head, *keep = NULL;
    while (c) {
        att__arena_chunk *next = c->next;
        if (!next)
            keep = c;
        else
            free(c);
        c = next;
    }
    a->head = keep;
    a->total = keep ? keep->size : 0;
    if (keep)
        keep->used = 0;
}

void *att__arena_alloc(att__arena *a, size_t n)
{
    if (n > ATT_ARENA_MAX)
        return NULL;
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    att__arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = c ? c->size * 2 : ATT_ARENA_CHUNK_MIN;
        if (size < n)
            size = n;
        if (size > ATT_ARENA_MAX - a->total) {
            if (n > ATT_ARENA_MAX - a->total)
                return NULL;
            size = n;
        }
        c = malloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->next = a->head;
        c->size = size;
        c->used = 0;
        a->head = c;
        a->total += size;
    }
    void *p = c->mem + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

void *att__arena_memdup(att__arena *a, const void *p, size_t n)
{
    void *q = att__arena_alloc(a, n + 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

char *att__arena_strndup(att__arena *a, const char *s, size_t n)
{
    return att__arena_memdup(a, s, n);
}

char *att__arena_strdup(att__arena *a, const char *s)
{
    return att__arena_strndup(a, s, strlen(s));
}
