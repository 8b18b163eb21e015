/* Helpers shared by the unit tests: reading vector files (text, JSON) from ../shared,
 * times and hex. */
#ifndef ATT_TESTUTIL_H
#define ATT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Path of a file under the shared directory (ATT_SHARED_DIR or ../shared beside the
 * source tree). Returns a static buffer. */
const char *tu_shared_path(const char *rel);
/* Path of a file under the source tree. Static buffer. */
const char *tu_source_path(const char *rel);
/* Reads a whole file (malloc'd, NUL-terminated; caller frees). Fails the test if absent. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* A fresh empty temporary directory (static buffer); removed by tu_rmtree. */
const char *tu_tmpdir(void);
void tu_rmtree(const char *path);

/* jansson's value type; tests that use the JSON helpers include <jansson.h> themselves. */
struct json_t;

/* A whole text file under the shared directory: tu_read_file of tu_shared_path(rel) as a
 * NUL-terminated string (malloc'd; caller frees). *len (optional) gets its length. */
char *tu_read_shared_text(const char *rel, size_t *len);
/* A JSON file under the shared directory, integers read as reals
 * (JSON_DECODE_INT_AS_REAL: the SNP manifests hold 64-bit unsigned values that jansson's
 * signed integers cannot represent). Fails the test when it does not parse. Caller
 * json_decref()s. */
struct json_t *tu_load_json(const char *rel);
/* The string member key of object o (borrowed from o). Fails the test when absent or not a
 * string. */
const char *tu_jstr(const struct json_t *o, const char *key);
/* An RFC 3339 time ("2023-11-14T00:00:00Z") as seconds since the epoch; fails the test
 * when att__time_parse refuses it. */
int64_t tu_parse_time(const char *s);
/* Hex text (NUL-terminated, either case) decoded into a malloc'd buffer (caller frees);
 * *n gets its length. Fails the test when it is not valid hex. */
uint8_t *tu_hex_decode(const char *hex, size_t *n);

#endif
