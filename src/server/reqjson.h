/* Request-body JSON: bounded parsing and MAA-lenient field access.
 *
 * Bodies are parsed (core/json.h, then jansson) after a pre-scan that rejects nesting
 * deeper than ATT_MAX_JSON_DEPTH (jansson recurses per level). Field lookup is case-insensitive
 * (reference/maa.md §1.14: clients send `inittimeData`, `AttestationInfo`...), exact
 * match preferred. Errors name the position or the field. */
#ifndef ATT_SERVER_REQJSON_H
#define ATT_SERVER_REQJSON_H

#include <jansson.h>
#include <stddef.h>

#include "attest/error.h"

/* Parses a whole body as one JSON value of any type (e.g. a JSON string literal holding a
 * JWS): the fast reader of core/json.h first, jansson for anything it declines. *out is a
 * new reference the caller decrefs. d says where parsing failed, e.g.
 * "request body is not valid JSON: '}' expected near 'x' at line 1, column 7". */
int att__reqjson_parse(const char *body, size_t n, json_t **out, att_diag *d);

/* Member of obj named `name`, matched exactly first, then case-insensitively. Borrowed
 * reference, NULL when absent or obj is not an object. */
json_t *att__reqjson_get(const json_t *obj, const char *name);

/* A required/optional string member; *out borrowed from obj. Missing required or wrong type
 * fills d naming the field ("field 'quote' must be a string"). Optional and absent: *out
 * NULL, ATT_OK. */
int att__reqjson_string(const json_t *obj, const char *name, int required, const char **out,
                        att_diag *d);

/* A base64/base64url member decoded (lenient: either alphabet, optional padding) into a
 * malloc'd buffer (caller frees), at most max bytes decoded. */
int att__reqjson_bytes(const json_t *obj, const char *name, int required, size_t max,
                       unsigned char **out, size_t *n, att_diag *d);

#endif
