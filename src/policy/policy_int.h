/* Internals of the policy engine shared by its files (lexer, parser, compiler, evaluator,
 * functions, explanation). Nothing outside src/policy includes this; the API is policy.h.
 *
 * A compiled program is a tree of plain structs allocated from the program's own arena:
 * sections -> rules -> conditions -> property tests / action -> expressions. It is built
 * once by parse.c and checked by compile.c, then never written again. */
#ifndef ATT_POLICY_INT_H
#define ATT_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/limits.h"
#include "policy/jmespath.h"
#include "policy/policy.h"

/* ==== tokens (lex.c) ==== */

typedef enum att__ptok_kind {
    PT_EOF = 0,
    PT_IDENT,  /* keywords, labels and function names are identifiers */
    PT_STRING, /* "..." */
    PT_INT,    /* decimal, optional leading '-' */
    PT_LBRACK,
    PT_RBRACK,
    PT_LPAREN,
    PT_RPAREN,
    PT_LBRACE,
    PT_RBRACE,
    PT_COMMA,
    PT_SEMI,
    PT_COLON,
    PT_DOT,
    PT_ASSIGN, /* = */
    PT_EQ,     /* == */
    PT_NE,     /* != */
    PT_LT,
    PT_LE,
    PT_GT,
    PT_GE,
    PT_NOT,  /* ! */
    PT_AND,  /* && */
    PT_ARROW /* => */
} att__ptok_kind;

typedef struct att__ptok {
    att__ptok_kind kind;
    size_t off;         /* byte offset of the first character in the text */
    size_t len;         /* bytes of source text */
    uint32_t line, col; /* 1-based; col counts code points */
    int64_t ival;       /* PT_INT */
} att__ptok;

/* The lexer walks the text once; the parser pulls one token at a time. */
typedef struct att__plex {
    const char *text;
    size_t n, off;
    uint32_t line, col;
} att__plex;

void att__plex_init(att__plex *lx, const char *text, size_t n);
/* Next token into *t. On a lexical error (unterminated string, bad escape, unexpected
 * character, integer out of range) fills d (reason "policy.syntax", position of the
 * problem) and returns ATT_EPARSE. */
int att__plex_next(att__plex *lx, att__ptok *t, att_diag *d);
/* The value of a PT_STRING token with escapes resolved, NUL-terminated, in arena a (the
 * token was validated by the lexer). NULL when out of memory. */
char *att__plex_string(const char *text, const att__ptok *t, att__arena *a, size_t *len);
/* Checks that text is UTF-8 without NUL bytes; on failure fills d with the position. */
int att__plex_check_text(const char *text, size_t n, att_diag *d);
/* Position (1-based line and code-point column) of byte offset off. */
void att__plex_position(const char *text, size_t off, uint32_t *line, uint32_t *col);
/* Copies a source span into a, with comments removed and each run of white space outside
 * strings replaced by one space (for messages). NULL when out of memory. */
char *att__plex_normalize(const char *text, size_t off, size_t len, att__arena *a);
/* Display form of a token for messages: "'=='", "'<EOF>'", a long string shortened. */
void att__plex_tokname(const char *text, const att__ptok *t, char *out, size_t cap);

/* ==== the program ==== */

typedef enum att__pprop {
    PP_TYPE = 0,
    PP_VALUE,
    PP_VALUETYPE,
    PP_ISSUER,
} att__pprop;

typedef enum att__pop { PO_EQ = 0, PO_NE, PO_LT, PO_LE, PO_GT, PO_GE } att__pop;

typedef enum att__pfn {
    PF_JMESPATH = 0,
    PF_JSONTOCLAIMVALUE,
    PF_ISSUBSETOF,
    PF_APPENDSTRING,
    PF_NEGATEBOOL,
    PF_CONTAINSONLYVALUE,
    PF_COUNT
} att__pfn;

typedef enum att__pxkind { PX_STR = 0, PX_INT, PX_BOOL, PX_REF, PX_CALL } att__pxkind;

/* Static type of an expression, where known at compile time. */
typedef enum att__pstype { PS_ANY = 0, PS_STRING, PS_INTEGER, PS_BOOLEAN } att__pstype;

typedef struct att__pexpr {
    uint8_t kind;   /* att__pxkind */
    uint8_t prop;   /* PX_REF: att__pprop */
    uint8_t fn;     /* PX_CALL: att__pfn */
    uint8_t setpos; /* PX_REF: a direct argument of a set parameter (whole set, no iteration) */
    uint8_t stype;  /* att__pstype */
    uint16_t label; /* PX_REF: label index within the rule (resolved by compile.c) */
    uint16_t nargs; /* PX_CALL */
    struct att__pexpr *args;
    const char *s; /* PX_STR: unescaped literal; PX_REF: label name (NUL-terminated) */
    size_t len;
    int64_t i;          /* PX_INT, PX_BOOL */
    att__jmes_expr *jq; /* PX_CALL JmesPath with a literal query: compiled at compile time */
    size_t off, srclen; /* source span */
    uint32_t line, col;
} att__pexpr;

typedef struct att__ptest {
    uint8_t prop; /* att__pprop */
    uint8_t op;   /* att__pop */
    att__pexpr rhs;
    const char *text; /* normalised source ("value==1") */
} att__ptest;

/* Label flags (att__prule.label_flags). */
#define PL_ITER   0x1u /* referenced outside set parameters: one action run per claim */
#define PL_SETUSE 0x2u /* referenced as a set parameter: the whole matching set */

typedef struct att__pcond {
    uint8_t negated;
    int16_t label; /* -1: none */
    uint16_t ntests;
    att__ptest *tests;
    int16_t type_test; /* index of a `type == "literal"` test, or -1 (fast path, explanations) */
    uint32_t type_hash;
    const char *text; /* normalised source */
    uint32_t line, col;
} att__pcond;

typedef enum att__pakind { PA_PERMIT = 0, PA_DENY, PA_ADD, PA_ISSUE, PA_ISSUEPROPERTY } att__pakind;

typedef struct att__paction {
    uint8_t kind;  /* att__pakind */
    int8_t vtype;  /* valueType= given: att__cv_type; -1 when absent */
    int16_t claim; /* claim=label: label index; -1 when the type=/value= form is used */
    const char *claim_name;
    att__pexpr *type, *value;
    uint32_t line, col;
} att__paction;

typedef struct att__prule {
    uint8_t section; /* att__policy_section */
    uint16_t ncond;
    uint16_t nlabels;
    uint32_t index; /* within its section */
    att__pcond *conds;
    att__paction act;
    const char **label_names; /* nlabels entries */
    int16_t *label_cond;      /* condition index of each label */
    uint8_t *label_flags;     /* PL_* */
    const char *text;         /* normalised source, without the final ';' */
    uint32_t line, col;
} att__prule;

struct att__policy_prog {
    att__arena arena; /* owns every node and string of the program */
    unsigned major, minor;
    att__prule *rules[ATT_POLICY_SECTIONS];
    size_t nrules[ATT_POLICY_SECTIONS];
    att__policy_config config;
    unsigned max_cond;   /* most conditions (and so labels) in one rule */
    att__jmes_expr **jq; /* compiled literal queries, freed with the program */
    size_t njq, capjq;
};

/* Parses text into p (compile.c calls it, then checks). Fills d on error. */
int att__policy_parse(att__policy_prog *p, const char *text, size_t n, att_diag *d);
/* Semantic checks of one parsed rule: labels, references, types, version gating, sections,
 * JMESPath literals; computes label flags. Called by the parser after each rule. */
int att__policy_check_rule(att__policy_prog *p, const char *text, att__prule *r, att_diag *d);
/* Fills a diag for an error at a source position, in the house format
 *   "Offending symbol: 'tok' Line: 'L', Column: 'C': <what>". */
int att__policy_fail_at(att_diag *d, int err, const char *reason, const char *tok, uint32_t line,
                        uint32_t col, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* FNV-1a of a claim type (claims.c); conditions compare it before the bytes. */
uint32_t att__claim_type_hash(const char *s, size_t n);
/* Appends c as is (its strings already live long enough: arena or program); computes the
 * type hash when c->type_hash is 0. Errors as att__claims_add. */
int att__claims_push(att__claimset *s, const att__claim *c);

/* Names for messages. */
const char *att__pfn_name(att__pfn f);
const char *att__pprop_name(att__pprop p);
const char *att__pop_name(att__pop o);
const char *att__pakind_name(att__pakind k);
const char *att__psection_name(att__policy_section s);

/* ==== evaluation (eval.c, func.c) ==== */

typedef enum att__pvkind { PV_EMPTY = 0, PV_STR, PV_INT, PV_BOOL, PV_SET } att__pvkind;

/* A value during evaluation. Strings point into the arena, the program or a claim. */
typedef struct att__pval {
    uint8_t kind;  /* att__pvkind */
    uint8_t ro;    /* derived from a read-only claim */
    int32_t claim; /* index of the incoming claim it was read from, or -1 */
    const char *s;
    size_t len;
    int64_t i;               /* PV_INT; PV_BOOL (0/1) */
    struct att__pval *items; /* PV_SET: scalar elements */
    size_t n;
    json_t *json; /* PV_STR holding JSON text: its parsed form when known (borrowed) */
} att__pval;

/* What one rule did during an evaluation (the explanation reads it). */
typedef struct att__prule_trace {
    uint32_t fired;      /* action runs */
    int32_t fail_cond;   /* first condition that held for no claim (or, negated, for one) */
    int32_t neg_claim;   /* negated fail_cond: the claim that matched it */
    size_t n0;           /* incoming claims when the rule started: the set it saw */
    att__pval *fail_rhs; /* right-hand values of fail_cond's tests */
    int32_t *match;      /* deny rule: per condition the claim that matched (or -1) */
    uint8_t ran;         /* the rule was evaluated */
} att__prule_trace;

struct att__policy_trace {
    att__prule_trace *rules[ATT_POLICY_SECTIONS];
    int32_t deny_rule;             /* authorization rule that denied, or -1 */
    int32_t permit_rule;           /* first authorization rule that permitted, or -1 */
    int32_t error_sec, error_rule; /* rule that failed evaluation, or -1 */
    const char *error;             /* what failed (arena or static), or NULL */
    const char *error_reason;      /* its diag reason ("policy.function", ...) */
};

typedef struct att__pctx {
    const att__policy_prog *p;
    att__arena *a;
    att__policy_result *res;
    att__claimset *in;
    json_t **jcache; /* parsed JSON of incoming claim i (borrowed from temps), parallel to in */
    int32_t *next;   /* 1 + next claim of the same type bucket (ascending), 0 at the end */
    size_t jcap;     /* entries of jcache and next */
    int32_t *head, *tail; /* per bucket (type_hash & mask): 1 + first/last claim, or 0 */
    uint32_t mask;
    json_t **temps; /* jansson values to release at the end */
    size_t ntemps, captemps;
    const att__prule *rule;
    att__prule_trace *tr;
    int32_t *bind_claim; /* per label: bound claim (iterated labels) */
    int32_t **bind_set;  /* per label: matching claims (set labels) */
    size_t *bind_n;
    int32_t *match_path; /* per condition: the claim that matched in the current branch */
    uint64_t combos, search;
    int permitted, denied;
    att_diag *d;
} att__pctx;

/* Evaluates e into *out (func.c). */
int att__peval_expr(att__pctx *c, const att__pexpr *e, att__pval *out, unsigned depth);
/* Calls function e->fn on evaluated arguments. */
int att__pcall(att__pctx *c, const att__pexpr *e, att__pval *args, att__pval *out);
/* Does claim cl pass test t whose right-hand side evaluated to rhs? (eval.c) */
int att__pmatch_test(const att__claim *cl, const att__ptest *t, const att__pval *rhs);
/* Equality of two scalar values (same kind and value). */
int att__pval_eq(const att__pval *a, const att__pval *b);
/* Records an evaluation failure of the current rule (first one wins) and returns err. */
int att__peval_fail(att__pctx *c, int err, const char *reason, uint32_t line, uint32_t col,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Keeps a jansson value until the end of the evaluation (takes the reference). */
int att__pctx_keep(att__pctx *c, json_t *v);
/* Appends to the incoming set, keeping the JSON cache parallel to it; json may be NULL. */
int att__pctx_push(att__pctx *c, const att__claim *cl, json_t *json);
/* Converts scalar *v to a claim value type for valueType= (String -> Integer parses a
 * decimal, String -> Boolean takes "true"/"false", Integer/Boolean -> String renders them in
 * arena a, same type: unchanged). ATT_EINVAL for any other combination. */
int att__pval_convert(att__pval *v, att__cv_type to, att__arena *a);
/* The claim's value as a scalar. */
void att__pval_from_claim(const att__claimset *s, size_t i, att__pval *out);

/* Builds the final diag message of a failed evaluation (explain.c). */
void att__policy_explain_diag(const att__policy_result *res, att_diag *d);

#endif
