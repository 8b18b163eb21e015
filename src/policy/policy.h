/* The MAA attestation policy language (reference/maa.md §3): the claims model the evidence
 * verifiers fill, compilation of policy text into an immutable program, evaluation of a
 * program over one request's claims, and the explanation of its decision.
 *
 * Life cycle (DESIGN.md §2, §4): a policy is compiled once (att__policy_compile), off the
 * request path; the program is immutable and may be evaluated by any number of threads at
 * once without locks (it holds no mutable state; JMESPath queries written as literals are
 * compiled with it). Each request builds its incoming claims in its arena, evaluates, and
 * reads the decision, the issued claims, the properties and the explanation from a result
 * that lives in the same arena. docs/internals/policy.md has the grammar and every
 * semantic decision taken where MAA's documentation is silent. */
#ifndef ATT_POLICY_POLICY_H
#define ATT_POLICY_POLICY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "core/arena.h"

/* ==== claims (maa.md §3.3) ==== */

/* The issuers MAA defines. Any other string is allowed as an issuer. */
#define ATT_ISSUER_SERVICE "AttestationService" /* derived from evidence by the verifier */
#define ATT_ISSUER_POLICY  "AttestationPolicy"  /* made by add()/issue() of the policy */
#define ATT_ISSUER_CUSTOM  "CustomClaim"        /* supplied by the client */

typedef enum att__cv_type {
    ATT_CV_STRING = 0,
    ATT_CV_INTEGER = 1,
    ATT_CV_BOOLEAN = 2,
} att__cv_type;

/* Claim flags. A read-only claim (maa.md §3.3: `pcrs`) can feed conditions and add(), and
 * so can every value derived from it, but issue() of such a value fails evaluation. */
#define ATT_CLAIM_READONLY 0x1u

/* One claim. Several claims may share a type (a multi-valued claim, a "set"). A JSON-valued
 * claim (TPM `events`, `pcrs`, ...) is a String claim whose value is JSON text. All strings
 * are NUL-terminated; a String value may contain NUL bytes only through len. */
typedef struct att__claim {
    const char *type;
    const char *issuer;
    att__cv_type vtype;
    unsigned flags;     /* ATT_CLAIM_* */
    const char *str;    /* ATT_CV_STRING: the value (len bytes + NUL) */
    size_t len;         /* ATT_CV_STRING: value length */
    int64_t i;          /* ATT_CV_INTEGER */
    int b;              /* ATT_CV_BOOLEAN: 0 or 1 */
    uint32_t type_hash; /* internal: hash of type, set by the att__claims_add* functions */
} att__claim;

/* An ordered claim set whose claims and strings all live in one arena. Append-only: claims
 * are never removed or reordered, so indexes stay valid. Not thread-safe (one request).
 * The fields are readable; change the set only through the functions below. */
typedef struct att__claimset {
    att__arena *arena; /* borrowed; every allocation of the set comes from it */
    att__claim *v;
    size_t n;
    size_t cap;
} att__claimset;

/* Makes s an empty set allocating from a (borrowed; must outlive s). Cannot fail. */
void att__claims_init(att__claimset *s, att__arena *a);

/* Appends a copy of c: type, issuer and the String value are copied into the set's arena
 * (c's strings are only borrowed during the call). issuer NULL means AttestationService.
 * ATT_EINVAL for a NULL/empty type or a bad vtype, ATT_ELIMIT beyond ATT_MAX_POLICY_CLAIMS,
 * ATT_ENOMEM when the arena is exhausted. */
int att__claims_add(att__claimset *s, const att__claim *c);
/* Convenience forms of att__claims_add (same ownership and errors). value is a
 * NUL-terminated string for _string, n bytes for _stringn. */
int att__claims_add_string(att__claimset *s, const char *type, const char *value,
                           const char *issuer);
int att__claims_add_stringn(att__claimset *s, const char *type, const char *value, size_t n,
                            const char *issuer);
int att__claims_add_int(att__claimset *s, const char *type, int64_t value, const char *issuer);
int att__claims_add_bool(att__claimset *s, const char *type, int value, const char *issuer);
/* A JSON-valued claim: v (borrowed, any JSON value) is serialised compactly (jansson's
 * JSON_COMPACT, member order kept) into a String claim. flags: ATT_CLAIM_*. The jansson
 * temporary made while serialising is freed before returning. */
int att__claims_add_json(att__claimset *s, const char *type, const json_t *v, const char *issuer,
                         unsigned flags);

/* Index of the first claim at or after `from` whose type equals type, or -1. */
long att__claims_find(const att__claimset *s, const char *type, size_t from);

/* "String", "Integer", "Boolean" (static); NULL for an invalid value. */
const char *att__cv_type_name(att__cv_type t);
/* Parses exactly "String"/"Integer"/"Boolean". ATT_EINVAL otherwise. */
int att__cv_type_parse(const char *s, att__cv_type *t);

/* The claim's value as JSON (String -> string, Integer -> number, Boolean -> bool). New
 * reference (caller json_decref's), NULL on allocation failure. */
json_t *att__claim_value_json(const att__claim *c);

/* The claims as token claims (maa.md §3.4 item 5): an object mapping each type to its value;
 * a type with several distinct values maps to an array of them in issue order (a value
 * issued twice appears once). For the token's top level and its "x-ms-policy" object.
 * New reference; NULL on allocation failure. */
json_t *att__claims_token_json(const att__claimset *s);

/* ==== compilation ==== */

/* Sections of a policy, in the order they must appear. */
typedef enum att__policy_section {
    ATT_POLICY_CONFIGURATION = 0, /* configurationrules (1.1+) */
    ATT_POLICY_AUTHORIZATION = 1, /* authorizationrules (required) */
    ATT_POLICY_ISSUANCE = 2,      /* issuancerules (optional) */
} att__policy_section;

#define ATT_POLICY_SECTIONS 3

/* Configuration properties (maa.md §3.6), set by configurationrules. They are fixed at
 * compile time (configuration rules take no conditions and literal values only), so the
 * verifiers can read them before evidence is evaluated (PCR mask, TCB baseline). */
typedef struct att__policy_config {
    int require_valid_aik_cert;    /* Boolean, default 1 (TPM/VBS) */
    uint32_t required_pcr_mask;    /* Integer 0..0xFFFFFF, default 0xFFFFFF (TPM/VBS) */
    const char *sgx_tcbidentifier; /* "x-ms-sgx-tcbidentifier", default "azuredefault" */
    unsigned set;                  /* ATT_POLICY_CFG_* bits the policy set explicitly */
} att__policy_config;

#define ATT_POLICY_CFG_AIK_CERT 0x1u
#define ATT_POLICY_CFG_PCR_MASK 0x2u
#define ATT_POLICY_CFG_TCB_ID   0x4u

typedef struct att__policy_prog att__policy_prog;

/* Compiles n bytes of policy text (UTF-8, at most ATT_MAX_POLICY_TEXT; a NUL byte or
 * invalid UTF-8 is an error). On success *out is a new program, owned by the caller
 * (att__policy_prog_free); it does not reference text. On failure *out is NULL and d holds
 * one line naming the line, column, offending token and what was expected:
 *   reason "policy.syntax" (grammar), "policy.semantic" (labels, types, sections, version
 *   gating), "policy.jmespath" (a literal JmesPath query does not compile),
 *   "policy.limit" (a bound of limits.h); field "line L column C".
 * Returns ATT_EPARSE, ATT_ELIMIT or ATT_ENOMEM; every error but ATT_ENOMEM means the text
 * is not an acceptable policy (HTTP 400 PolicyParsingError with d->message). */
int att__policy_compile(const char *text, size_t n, att__policy_prog **out, att_diag *d);

/* Frees a program and everything it owns. No evaluation may be running on it. NULL ok. */
void att__policy_prog_free(att__policy_prog *p);

/* The declared version ("version=1.2;" gives 1 and 2). */
void att__policy_prog_version(const att__policy_prog *p, unsigned *major, unsigned *minor);

/* Rules in a section (0 for an absent section). */
size_t att__policy_prog_rule_count(const att__policy_prog *p, att__policy_section s);

/* The configuration properties with defaults applied; borrowed from p. */
const att__policy_config *att__policy_prog_config(const att__policy_prog *p);

/* ==== evaluation ==== */

typedef enum att__policy_decision {
    ATT_POLICY_PERMIT = 1,    /* authorized; issuance rules ran */
    ATT_POLICY_DENY = 2,      /* an authorization rule ran deny() */
    ATT_POLICY_NO_PERMIT = 3, /* no authorization rule ran permit() */
    ATT_POLICY_ERROR = 4,     /* evaluation failed (function error, limit, read-only issue) */
} att__policy_decision;

/* Properties after evaluation: the configuration of the program plus the issuance
 * properties (maa.md §3.6) set by issueproperty() in issuancerules. */
typedef struct att__policy_props {
    att__policy_config config;
    int64_t report_validity_in_minutes; /* Integer 1..525600, default 1440 (TPM/VBS) */
    int omit_x5c;                       /* Boolean, default 0 (TPM/VBS) */
    /* Every issueproperty() of issuancerules in order, known names included (type = the
     * property name, issuer AttestationPolicy). Unknown names are kept here only. */
    att__claimset issued;
} att__policy_props;

typedef struct att__policy_trace att__policy_trace;

/* The outcome of one evaluation; everything lives in the arena given to att__policy_eval.
 * prog is borrowed: the result's explanation functions need the program alive. */
typedef struct att__policy_result {
    att__policy_decision decision;
    att__claimset incoming;  /* the request's claims plus every add()/issue(), in order */
    att__claimset outgoing;  /* the claims issue() put into the token (issuer AttestationPolicy) */
    att__policy_props props; /* configuration and issuance properties */
    const att__policy_prog *prog;
    att__policy_trace *trace; /* what each rule did: the explanation's source */
} att__policy_result;

/* Evaluates p over the claims `in` (borrowed, not modified: evaluation works on a copy of
 * its array in arena a, sharing the strings). Everything the evaluation makes comes from
 * arena a, except the jansson values that JmesPath() and JsonToClaimValue() parse and
 * return, which are freed before returning. *res is filled in every case (decision,
 * claims, properties, trace) once p and in are valid.
 * Returns ATT_OK when the policy permits; ATT_EPOLICY when it denies, permits nothing or
 * fails (res->decision says which; d holds the one-line "Policy Engine Exception: ..."
 * message for HTTP 400 PolicyEvaluationError, reason "policy.deny", "policy.no_permit",
 * "policy.function", "policy.readonly" or "policy.limit", field "rule at line L");
 * ATT_ENOMEM when the arena is exhausted; ATT_EINVAL for NULL arguments.
 * Thread-safe for concurrent calls on the same p with distinct arenas. */
int att__policy_eval(const att__policy_prog *p, const att__claimset *in, att__arena *a,
                     att__policy_result *res, att_diag *d);

/* The one-line explanation of res (the same text att__policy_eval put into d->message):
 * why it denied, why nothing permitted, or which rule failed; "permitted (rule at line L)"
 * for a permit. Written NUL-terminated into buf (truncated to cap); returns the length it
 * wanted, like snprintf. */
size_t att__policy_explain_message(const att__policy_result *res, char *buf, size_t cap);

/* The full explanation as JSON for the CLI (format: docs/internals/policy.md): decision,
 * message, the deciding rule with the claims it matched, and every rule of every section
 * that ran with what it did, or the first condition that matched no claim with the failing
 * test and the values present for the claim type. New reference; NULL on allocation failure. */
json_t *att__policy_explain_json(const att__policy_result *res);

/* The properties as a JSON object: the five known ones (with defaults) and any other
 * issued property. New reference; NULL on allocation failure. */
json_t *att__policy_props_json(const att__policy_result *res);

#endif
