/* Per-request memory arena (after h2o's mem pool).
 *
 * Everything a request allocates comes from its arena and is released in one call when
 * the response has been sent. Allocations are 16-byte aligned and never freed one by one.
 * Total size is capped by ATT_ARENA_MAX. Not thread-safe: one arena, one request. */
#ifndef ATT_CORE_ARENA_H
#define ATT_CORE_ARENA_H

#include <stddef.h>

typedef struct att__arena_chunk att__arena_chunk;

typedef struct att__arena {
    att__arena_chunk *head; /* owned list of chunks, newest first */
    size_t total;           /* bytes of all chunks */
} att__arena;

void att__arena_init(att__arena *a);
/* Releases every allocation; the arena can be reused (the first chunk is kept). */
void att__arena_reset(att__arena *a);
/* Releases everything including the kept chunk. */
void att__arena_free(att__arena *a);
/* Zeroed memory owned by the arena; NULL when out of memory or over ATT_ARENA_MAX. */
void *att__arena_alloc(att__arena *a, size_t n);
char *att__arena_strdup(att__arena *a, const char *s);
char *att__arena_strndup(att__arena *a, const char *s, size_t n);
void *att__arena_memdup(att__arena *a, const void *p, size_t n);

#endif
