/* A bound on JSON nesting checked on the text before a recursive parser (jansson) sees it:
 * deep nesting is only useful to exhaust that parser's stack. Used for request bodies
 * (server/reqjson.c) and JSON carried inside evidence (evidence/hcl). */
#ifndef ATT_CORE_JSONDEPTH_H
#define ATT_CORE_JSONDEPTH_H

#include <stddef.h>

/* Returns 1 when the JSON text s[0..n) nests at most max levels of objects/arrays, else 0
 * with *where = the offset of the bracket that went deeper. Strings are skipped (brackets
 * in them do not count); no recursion; syntax errors are left to the parser. */
int att__json_depth_ok(const char *s, size_t n, unsigned max, size_t *where);

#endif
