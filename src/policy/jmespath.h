/* JMESPath (https://jmespath.org/specification.html) over jansson values, plus MAA's
 * extension function equals_ignore_case(a, b).
 *
 * An expression is compiled once into an immutable tree (att__jmes_expr) that any number of
 * threads may evaluate concurrently. Evaluation returns a new jansson reference; JSON null
 * (json_null()) is a result like any other, never NULL on success. Errors fill an att_diag:
 * compile errors name the position and the offending token (reason "jmespath.syntax"),
 * runtime errors the function and argument (reason "jmespath.invalid_type",
 * "jmespath.invalid_arity", "jmespath.unknown_function", "jmespath.invalid_value"), the
 * error kinds of the official compliance suite. Unknown functions, wrong arity and a zero
 * slice step are found at compile time. Exceeding a bound fails with ATT_ELIMIT: expression
 * size and nesting with reason "jmespath.syntax", evaluation work and result size with
 * "jmespath.limit"; running out of memory gives ATT_ENOMEM ("jmespath.nomem").
 *
 * Results may share structure with data (e.g. "@" returns data itself): treat both as
 * immutable while a result is alive. */
#ifndef ATT_POLICY_JMESPATH_H
#define ATT_POLICY_JMESPATH_H

#include <jansson.h>
#include <stddef.h>

#include "attest/error.h"

typedef struct att__jmes_expr att__jmes_expr;

/* Compiles expression text (n bytes, UTF-8). *out is the caller's (att__jmes_free).
 * Bounded: at most ATT_MAX_JMESPATH_EXPR bytes and ATT_MAX_JMESPATH_DEPTH nesting. */
int att__jmes_compile(const char *expr, size_t n, att__jmes_expr **out, att_diag *d);
void att__jmes_free(att__jmes_expr *e);

/* Evaluates e against data (borrowed). *result is a new reference (json_decref it). */
int att__jmes_search(const att__jmes_expr *e, const json_t *data, json_t **result, att_diag *d);

#endif
