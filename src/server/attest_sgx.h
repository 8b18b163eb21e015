/* SGX enclave and Open Enclave attestation (reference/maa.md §1.3, §1.11, §2.4, §3.6;
 * hw-evidence.md §4.1, §4.6): the request, verification of the quote against the DCAP
 * collateral in memory, MAA's TCB baselines, and the incoming (policy) and outgoing
 * (token) claims. No HTTP here: attest_route.c drives these steps for a request, and the
 * unit tests drive them directly. docs/internals/attest-sgx.md describes the decisions.
 *
 * Ownership: everything a request parses lives in the arena given to the parser; the
 * verified state borrows the request (quote bytes) and the collateral store (which must
 * stay alive, as the server keeps it for its whole life). */
#ifndef ATT_SERVER_ATTEST_SGX_H
#define ATT_SERVER_ATTEST_SGX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "collateral/dcap.h"
#include "core/arena.h"
#include "evidence/sgx/quote.h"
#include "policy/policy.h"
#include "provider/provider.h"

/* One of runtimeData / initTimeData. */
typedef struct att__sgx_data {
    int present;
    int json;            /* dataType "JSON" (else Binary, also when dataType is missing) */
    const uint8_t *data; /* decoded bytes, arena-owned (NUL-terminated, not counted) */
    size_t len;
} att__sgx_data;

/* A parsed /attest/SgxEnclave or /attest/OpenEnclave body. All pointers are arena-owned. */
typedef struct att__sgx_request {
    att__att_type type;      /* ATT_TYPE_SGX_ENCLAVE or ATT_TYPE_OPEN_ENCLAVE */
    const uint8_t *evidence; /* the submitted bytes (quote, or OE report): quotehash input */
    size_t evidence_len;
    const uint8_t *quote; /* the DCAP quote inside (evidence, or evidence + 16) */
    size_t quote_len;
    att__sgx_data runtime;
    att__sgx_data inittime;
    const char *draft_policy; /* draftPolicyForAttestation text, or NULL */
    size_t draft_policy_len;
    const char *nonce; /* or NULL */
} att__sgx_request;

/* The members every attestation body shares, MAA-leniently: runtimeData, initTimeData
 * (also spelled inittimeData), draftPolicyForAttestation (at most ATT_MAX_POLICY_TEXT
 * bytes) and nonce; everything copied into arena a, absent ones NULL / not present. */
int att__attest_common_parse(const json_t *body, att__arena *a, att__sgx_data *runtime,
                             att__sgx_data *inittime, const char **draft, size_t *draft_len,
                             const char **nonce, att_diag *d);
/* The token claims of an attestation: the policy's issued claims (res; NULL: none) at top
 * level, the service's claims ev (consumed) over them, the issued claims again as the
 * x-ms-policy object when policy_object and the policy issued any, then x-ms-ver,
 * x-ms-policy-hash, x-ms-policy-signer (signer, when given) and nonce (when given). A new
 * object, NULL when out of memory. */
json_t *att__attest_token_claims(const att__policy_result *res, json_t *ev, int policy_object,
                                 const char *hash, const json_t *signer, const char *nonce);
/* The JSON value of dataType-JSON data (trailing NULs ignored); *out is a new reference.
 * ATT_EPARSE naming `name` when it is not JSON, ATT_ELIMIT when it nests deeper than
 * ATT_MAX_JSON_DEPTH. */
int att__attest_data_json(const att__sgx_data *in, const char *name, json_t **out, att_diag *d);

/* Parses body (borrowed JSON object) for type t, MAA-leniently (maa.md §1.14: keys matched
 * case-insensitively, `inittimeData`, dataType missing = Binary, base64url or base64 with
 * or without padding). Checks the OE report header (version 1, type 2 = SGX remote, size
 * within the bytes present). Everything *out points to is copied into arena a. Errors are
 * ATT_EINVAL / ATT_EPARSE / ATT_ELIMIT with d naming the field ("field 'quote' is not valid
 * base64url or base64", "report: OE report header declares type 1 ..."). */
int att__sgx_request_parse(const json_t *body, att__att_type t, att__arena *a,
                           att__sgx_request *out, att_diag *d);
/* The same for api-version 2018-09-01-preview (reference/maa.md §1.13): {"Quote": quote or
 * OE report, "EnclaveHeldData": runtime data, bound as Binary}. */
int att__sgx_request_parse_preview(const json_t *body, att__att_type t, att__arena *a,
                                   att__sgx_request *out, att_diag *d);

/* ---- MAA TCB baselines (maa.md §1.11, §3.6; attest_tcb.c) ---- */

typedef struct att__tcb_baseline {
    const char *id;       /* "10" .. "15" */
    unsigned eval_number; /* Intel TCB evaluation data number */
    int64_t release;      /* tcbReleaseDate, epoch seconds */
    const char *release_str;
    const char *psw_linux, *psw_windows; /* minimum PSW versions MAA publishes */
} att__tcb_baseline;

/* The baseline an x-ms-sgx-tcbidentifier selects ("azuredefault" = "10"; "10".."15"),
 * static; NULL for an unknown identifier. */
const att__tcb_baseline *att__tcb_baseline_find(const char *identifier);
/* The published baselines, oldest first (static); *n gets their number. */
const att__tcb_baseline *att__tcb_baselines(size_t *n);

/* MAA baseline acceptance of a verified quote (rules in docs/internals/attest-sgx.md):
 * the collateral must be at least as new as the baseline (evaluation data number), and a
 * platform or QE that is OutOfDate under that collateral is accepted only when the TCB
 * level it matched dates from the baseline's release or later. r, col borrowed; qe_isvsvn
 * is the quoting enclave's ISVSVN. ATT_OK or ATT_EPOLICY with d saying why
 * ("TCB status OutOfDate not accepted by TCB baseline 11 (...)"). */
int att__tcb_baseline_accept(const att__tcb_baseline *b, const att__quote_result *r,
                             const att__dcap_collateral *col, uint16_t qe_isvsvn, att_diag *d);

/* ---- verification ---- */

/* Where and when to verify: the collateral store (borrowed, may be NULL = none
 * configured), the trusted roots (borrowed) and the verification time. */
typedef struct att__sgx_context {
    const att__dcap_store *store;
    struct att__pcs_fetcher *pcs; /* consulted when store has no set valid at `at`; NULL ok */
    const att__cert *const *anchors;
    size_t n_anchors;
    int64_t at;
} att__sgx_context;

/* What verification established. quote borrows the request's bytes, collateral and the
 * result's strings borrow the store; the JSON values are owned (att__sgx_verified_clear). */
typedef struct att__sgx_verified {
    att__quote quote;
    att__quote_result result;
    const att__dcap_collateral *collateral;
    att__dcap_collateral *fetched; /* a reference when collateral came from the fetcher */
    const att__tcb_baseline *baseline;
    uint8_t quotehash[32]; /* SHA-256 of the submitted evidence bytes */
    json_t *runtime_json;  /* parsed runtimeData when dataType JSON, else NULL */
    json_t *inittime_json; /* parsed initTimeData when dataType JSON, else NULL */
} att__sgx_verified;

/* The collateral for quote q's platform (FMSPC, PCK CA, SGX or TDX): the store's set valid
 * at ctx->at, or the fetcher's when the store has none. Sets v->collateral (and v->fetched,
 * a reference the caller's att__sgx_verified_clear drops). ATT_ENOTFOUND naming the FMSPC
 * when there is none. */
int att__dcap_find_collateral(const att__quote *q, const att__sgx_context *ctx,
                              att__sgx_verified *v, att_diag *d);

/* Verifies req under ctx: parses the quote (an SGX enclave quote with a PCK chain, type 5),
 * reads FMSPC and PCK CA from the PCK certificate, finds the collateral, runs
 * att__quote_verify at ctx->at, applies the baseline selected by tcb_identifier (the
 * policy's x-ms-sgx-tcbidentifier), checks SHA-256(runtimeData) == REPORTDATA[0:32] and
 * SHA-256(initTimeData) == CONFIGID[0:32], and parses JSON data. On failure the error and
 * d carry the verifier's message (every failure but ATT_ENOMEM / ATT_EINTERNAL is the
 * client's: HTTP 400 InvalidParameter). v is always initialised; clear it in every case. */
int att__sgx_verify(const att__sgx_request *req, const att__sgx_context *ctx,
                    const char *tcb_identifier, att__sgx_verified *v, att_diag *d);
void att__sgx_verified_clear(att__sgx_verified *v);

/* Appends the claims a policy sees (maa.md §2.4, §3.7; issuer AttestationService) to in:
 * the x-ms-sgx-* claims, x-ms-attestation-type, x-ms-sgx-collateral, x-ms-runtime /
 * x-ms-inittime, the TCB claims attestd adds (x-ms-sgx-tcb-status, ...) and the legacy
 * `$`-names. Strings are copied into in's arena. */
int att__sgx_incoming_claims(const att__sgx_request *req, const att__sgx_verified *v,
                             att__claimset *in);

/* The token's claims (maa.md §2.3-2.5) without iss/iat/nbf/exp/jti (added by the token
 * issuer): the service claims, the policy's issued claims (res->outgoing) at top level and
 * inside "x-ms-policy", x-ms-policy-hash (borrowed string), x-ms-policy-signer (borrowed,
 * may be NULL) and nonce. New reference; NULL on allocation failure. */
json_t *att__sgx_token_claims(const att__sgx_request *req, const att__sgx_verified *v,
                              const att__policy_result *res, const char *policy_hash,
                              const json_t *policy_signer);

#endif
