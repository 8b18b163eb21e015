/* Fast paths around jansson for the two JSON texts every attestation handles: the request
 * body it reads and the token payload it writes.
 *
 * jansson stays the document model and the authority. Its reader and writer walk text one
 * character at a time through several layers (about 15 MB/s reading a 6 KB attestation
 * request here, most of it one long base64 string) and were 15 % of the CPU time of an SGX
 * attestation over HTTP. The two functions below do the common case with memchr-speed
 * scans and give an identical result:
 *
 * - att__json_load_fast accepts a subset of JSON (ASCII strings with the short escapes,
 *   integers of at most 18 digits, true/false/null, objects without duplicate keys,
 *   arrays, nesting up to ATT_MAX_JSON_DEPTH) and DECLINES everything else (returns NULL),
 *   including every error. The caller then parses with jansson, which gives the value or
 *   the authoritative error message. Whenever it accepts, the value is json_equal to what
 *   json_loadb(JSON_DECODE_ANY | JSON_REJECT_DUPLICATES) gives (checked by fuzz_reqjson).
 * - att__json_dump_sorted writes exactly the bytes of json_dumps(v, JSON_COMPACT |
 *   JSON_SORT_KEYS), handing to jansson the rare values it does not write itself (reals,
 *   non-ASCII strings). */
#ifndef ATT_CORE_JSON_H
#define ATT_CORE_JSON_H

#include <jansson.h>
#include <stddef.h>

/* A new reference, or NULL when the text is outside the fast subset or is not JSON. */
json_t *att__json_load_fast(const char *text, size_t n);

/* Compact JSON of v with object members sorted by key at every level, NUL-terminated and
 * malloc'd (free() it); *len (optional) gets its length. NULL on allocation failure or when
 * v holds something jansson would refuse to dump (invalid UTF-8, a NaN). */
char *att__json_dump_sorted(const json_t *v, size_t *len);

#endif
