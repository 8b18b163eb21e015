/* Private declarations shared by the JMESPath implementation files (jmespath_lex.c,
 * jmespath_parse.c, jmespath_eval.c, jmespath_func.c, jmespath_util.c, jmespath_case.c).
 * Nothing here is part of the API of jmespath.h.
 *
 * Data flow: the lexer turns the expression text into a token array, the Pratt parser
 * turns the tokens into an immutable tree of att__jmes_node, and the evaluator walks that
 * tree over jansson values. The tree is never modified after att__jmes_compile returns. */
#ifndef ATT_POLICY_JMESPATH_INT_H
#define ATT_POLICY_JMESPATH_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "core/buf.h"
#include "core/limits.h"
#include "policy/jmespath.h"

/* Work one evaluation may do: one step per node evaluated, per element copied into a
 * result and per value visited by deep comparison or serialization. Results may share
 * subtrees ("[@,@] | [@,@] | ..." doubles the logical size per stage at constant cost),
 * so without a budget a short expression could run for hours. A policy query over a
 * 10 000-event TCG log uses well under a million steps. */
#define ATT__JMES_MAX_STEPS (16u * 1024u * 1024u)

/* Values in a result, counting shared subtrees once per occurrence (what a serializer
 * writes): 16M values is far beyond any event log (10 000 events of ~20 values) or IMA
 * log (200 000 entries of ~10 values) a query may return whole, and keeps the cost of
 * printing any result bounded. */
#define ATT__JMES_MAX_RESULT (16u * 1024u * 1024u)

/* Strings built by evaluation (to_string, join): the policy engine turns a JmesPath()
 * result into a claim, and a claim is bounded by the token size. */
#define ATT__JMES_MAX_STRING (1024u * 1024u)

/* Nesting of JSON values that deep comparison and to_string walk recursively. jansson's
 * parser stops at 2048 levels; values built in code could be deeper. */
#define ATT__JMES_MAX_VALUE_DEPTH 4096u

/* ---- diagnostics reasons (jmespath.h) ---- */
#define ATT__JMES_R_SYNTAX  "jmespath.syntax"
#define ATT__JMES_R_TYPE    "jmespath.invalid_type"
#define ATT__JMES_R_ARITY   "jmespath.invalid_arity"
#define ATT__JMES_R_UNKNOWN "jmespath.unknown_function"
#define ATT__JMES_R_VALUE   "jmespath.invalid_value"
#define ATT__JMES_R_LIMIT   "jmespath.limit"
#define ATT__JMES_R_NOMEM   "jmespath.nomem"

/* ---- tokens ---- */
typedef enum att__jmes_tok_type {
    ATT__JT_EOF,
    ATT__JT_UNQUOTED_ID, /* foo            text = name */
    ATT__JT_QUOTED_ID,   /* "foo"          text = decoded name */
    ATT__JT_NUMBER,      /* -12            num */
    ATT__JT_LITERAL,     /* `json`, 'raw'  lit */
    ATT__JT_DOT,
    ATT__JT_STAR,
    ATT__JT_LBRACKET, /* [  */
    ATT__JT_RBRACKET, /* ]  */
    ATT__JT_FLATTEN,  /* [] */
    ATT__JT_FILTER,   /* [? */
    ATT__JT_LBRACE,
    ATT__JT_RBRACE,
    ATT__JT_LPAREN,
    ATT__JT_RPAREN,
    ATT__JT_COMMA,
    ATT__JT_COLON,
    ATT__JT_PIPE,
    ATT__JT_OR,
    ATT__JT_AND,
    ATT__JT_NOT,
    ATT__JT_EXPREF,  /* & */
    ATT__JT_CURRENT, /* @ */
    ATT__JT_EQ,
    ATT__JT_NE,
    ATT__JT_LT,
    ATT__JT_LE,
    ATT__JT_GT,
    ATT__JT_GE,
    ATT__JT_COUNT
} att__jmes_tok_type;

typedef struct att__jmes_token {
    att__jmes_tok_type type;
    size_t off; /* byte offset of the token in the expression */
    size_t len; /* bytes of source text */
    char *text; /* identifiers: decoded name (owned, NUL-terminated) */
    size_t text_len;
    long long num; /* numbers, saturated to +-ATT__JMES_NUM_MAX */
    json_t *lit;   /* literals: owned reference */
} att__jmes_token;

/* Numbers in expressions are saturated to this magnitude: no JSON array can be longer, so
 * an index or slice bound beyond it behaves exactly like the saturated value, and slice
 * arithmetic on saturated values cannot overflow. */
#define ATT__JMES_NUM_MAX (1LL << 60)

typedef struct att__jmes_tokens {
    att__jmes_token *v; /* owned; the last one is ATT__JT_EOF */
    size_t n;
    size_t cap;
} att__jmes_tokens;

/* Splits expr (n bytes) into tokens. On success *out is filled (att__jmes_tokens_free);
 * on failure it is left empty and d says where and why (ATT_EPARSE / ATT_ENOMEM). */
int att__jmes_lex(const char *expr, size_t n, att__jmes_tokens *out, att_diag *d);
void att__jmes_tokens_free(att__jmes_tokens *t);
/* Short printable description of a token for error messages ("']'", "identifier 'foo'",
 * "end of expression"), written into buf (always NUL-terminated). */
void att__jmes_tok_describe(const char *expr, const att__jmes_token *t, char *buf, size_t cap);
/* 1-based column (in code points) of byte offset off in expr. */
size_t att__jmes_column(const char *expr, size_t off);

/* ---- syntax tree ---- */
typedef enum att__jmes_node_type {
    ATT__JN_FIELD,    /* name */
    ATT__JN_CURRENT,  /* @ (also the implicit left side of projections) */
    ATT__JN_LITERAL,  /* lit */
    ATT__JN_INDEX,    /* num */
    ATT__JN_SLICE,    /* slice[3], has[3] */
    ATT__JN_CHAIN,    /* kids evaluated in sequence: sub-expressions, index chains, pipes */
    ATT__JN_PROJECT,  /* list projection: a = left, b = right */
    ATT__JN_VPROJECT, /* object value projection (*): a, b */
    ATT__JN_FILTER,   /* a = left, b = right, c = condition */
    ATT__JN_FLATTEN,  /* a */
    ATT__JN_OR,       /* kids, n >= 2 */
    ATT__JN_AND,      /* kids, n >= 2 */
    ATT__JN_NOT,      /* a */
    ATT__JN_CMP,      /* a op b */
    ATT__JN_MSLIST,   /* kids */
    ATT__JN_MSHASH,   /* kids with keys[i] / key_lens[i] */
    ATT__JN_FUNC,     /* fn(kids) */
    ATT__JN_EXPREF,   /* &a */
} att__jmes_node_type;

typedef enum att__jmes_cmp {
    ATT__JC_EQ,
    ATT__JC_NE,
    ATT__JC_LT,
    ATT__JC_LE,
    ATT__JC_GT,
    ATT__JC_GE
} att__jmes_cmp;

typedef struct att__jmes_func att__jmes_func;
typedef struct att__jmes_node att__jmes_node;

struct att__jmes_node {
    att__jmes_node_type type;
    unsigned height; /* 1 + height of the tallest child; <= ATT_MAX_JMESPATH_DEPTH */
    size_t off;      /* byte offset in the expression, for messages */
    att__jmes_node *a, *b, *c;
    att__jmes_node **kids; /* owned array of owned nodes */
    size_t n;
    char *name; /* FIELD: owned, NUL-terminated (may also contain NULs) */
    size_t name_len;
    char **keys; /* MSHASH: owned, one per kid */
    size_t *key_lens;
    json_t *lit;              /* LITERAL: owned reference */
    long long num;            /* INDEX */
    long long slice[3];       /* SLICE: start, stop, step */
    int has[3];               /* SLICE: which of the three were given */
    int from_slice;           /* PROJECT: the left side ends in a slice (strings slice too) */
    att__jmes_cmp op;         /* CMP */
    const att__jmes_func *fn; /* FUNC */
};

/* The compiled expression of jmespath.h. */
struct att__jmes_expr {
    att__jmes_node *root;
};

/* Frees a node and everything below it (recursion bounded by the node height). NULL ok. */
void att__jmes_node_free(att__jmes_node *nd);

/* ---- evaluation ---- */
typedef struct att__jmes_ctx {
    att_diag *d;
    size_t steps; /* remaining budget */
} att__jmes_ctx;

/* Charges n steps against the budget; fails with ATT_ELIMIT when it is exhausted. */
int att__jmes_charge(att__jmes_ctx *c, size_t n);
/* Evaluates nd against v (borrowed). *out is a new reference on success. */
int att__jmes_eval(att__jmes_ctx *c, const att__jmes_node *nd, json_t *v, json_t **out);
int att__jmes_truthy(const json_t *v);
/* Deep JSON equality with numeric comparison of numbers (1 == 1.0). Returns 1/0, or a
 * negative att_err when the budget or the depth bound is exceeded. */
int att__jmes_equal(att__jmes_ctx *c, const json_t *a, const json_t *b);
/* Three-way comparison of two numbers (integers compared exactly, also against reals). */
int att__jmes_numcmp(const json_t *a, const json_t *b);
double att__jmes_number(const json_t *v);
/* A number value: an integer when x is integral and fits, else a real. New reference
 * (NULL when out of memory or x is not finite). */
json_t *att__jmes_make_number(double x);
/* Name of a value's JMESPath type ("number", "string", ...). */
const char *att__jmes_type_name(const json_t *v);

/* ---- functions ---- */
/* One function argument: its value, or for &expr the expression (value NULL). */
typedef struct att__jmes_arg {
    json_t *v; /* owned reference, NULL for expression references */
    const att__jmes_node *expr;
} att__jmes_arg;

/* Looks a function up by name; NULL if unknown. */
const att__jmes_func *att__jmes_func_find(const char *name, size_t len);
/* Name and arity of a function, for the parser's compile-time checks. max < 0: variadic. */
const char *att__jmes_func_name(const att__jmes_func *f);
void att__jmes_func_arity(const att__jmes_func *f, int *min, int *max);
/* Type-checks args (n of them) against f's signature and runs it. *out is a new
 * reference. Arguments stay owned by the caller. */
int att__jmes_func_call(att__jmes_ctx *c, const att__jmes_func *f, att__jmes_arg *args, size_t n,
                        json_t **out);

/* ---- utilities (jmespath_util.c, jmespath_case.c) ---- */
/* Decodes one code point from s[0..n) (n > 0) and returns the bytes it used (>= 1).
 * Invalid UTF-8 decodes byte by byte to 0x110000 + byte, so every input is walkable and
 * distinct invalid bytes stay distinct. */
size_t att__jmes_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);
size_t att__jmes_utf8_count(const char *s, size_t n);
/* Is s[0..n) well-formed UTF-8 (no surrogates, no overlongs)? On failure *bad is the offset
 * of the first bad byte. */
int att__jmes_utf8_valid(const char *s, size_t n, size_t *bad);
/* Appends the UTF-8 encoding of cp (< 0x110000, not a surrogate) to out; returns bytes. */
size_t att__jmes_utf8_put(uint32_t cp, char *out);
/* Appends the compact JSON text of v to b (strings as raw UTF-8, integers exactly, reals
 * as the shortest text that reads back as the same double). Every failure (buffer cap,
 * memory, budget, depth) is recorded in c->d; b is left to the caller to free. */
int att__jmes_dump(att__jmes_ctx *c, const json_t *v, att__buf *b);
/* Simple (one code point to one code point) Unicode uppercase mapping. */
uint32_t att__jmes_upper(uint32_t cp);
/* equals_ignore_case: same length in code points and equal after att__jmes_upper. */
int att__jmes_equal_ignore_case(const char *a, size_t an, const char *b, size_t bn);
/* Stable merge sort of n indexes by cmp(ctx, i, j) (< 0, 0, > 0); idx is permuted.
 * Returns ATT_ENOMEM if scratch space cannot be allocated. */
int att__jmes_sort_idx(size_t *idx, size_t n, int (*cmp)(void *, size_t, size_t), void *ctx);

/* Records an out-of-memory failure and returns ATT_ENOMEM. */
int att__jmes_nomem(att_diag *d);

#endif
