/* The HTTP front end: libmicrohttpd with a thread pool, MAA routes and error model.
 *
 * One att__req per HTTP request, allocated on its first callback and freed when the
 * response has been sent; everything a handler allocates for the request comes from
 * req->arena. Handlers never block on the store for reads: they read the current provider
 * snapshot and the signer, both immutable and shared. */
#ifndef ATT_SERVER_SERVER_H
#define ATT_SERVER_SERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "attest/error.h"
#include "collateral/dcap.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/limits.h"
#include "policy/policy.h"
#include "provider/provider.h"
#include "server/config.h"
#include "server/metrics.h"

struct att__registry;
struct att__store;
struct att__signer;
struct att__snapshot;

/* What the routes need from the rest of the service. Owned by the caller of
 * att__server_start (tools/attestd), which must keep it alive until att__server_stop. */
typedef struct att__app {
    struct att__store *store;
    struct att__registry *registry; /* providers and policies (snapshots) */
    struct att__signer *signer;     /* token signing key and certificates */
    const char *issuer;             /* default provider's issuer URL */
    atomic_int ready;               /* keys loaded and store open */
    /* SGX / Open Enclave attestation: the verified DCAP collateral loaded at start (NULL
     * when none is configured: such requests answer 400), the trusted Intel roots, and a
     * fixed verification time for replays (0 = the clock at each request). All immutable
     * while the server runs; owned by the caller of att__server_start. */
    const att__dcap_store *collateral;
    struct att__pcs_fetcher *pcs; /* fetches what collateral lacks; NULL = never */
    const att__cert *const *anchors;
    size_t n_anchors;
    int64_t verification_time;
    /* SEV-SNP attestation: AMD certificates loaded at start (--amd-certs; NULL = none), the
     * KDS fetcher for missing VCEKs (--kds-url; NULL = never fetch) and a forced product
     * (att__snp_product; 0 = from the report). Immutable while the server runs. */
    const struct att__snp_certs *snp_certs;
    struct att__kds *kds;
    int snp_product;
    /* TPM attestation (/attest/Tpm): the service_context key and the EK / AIK trust
     * anchors; NULL = not configured (501). Owned by the caller of att__server_start. */
    struct att__tpm_service *tpm;
} att__app;

/* Known api-version values (reference/maa.md §1.1). */
int att__api_version_known(const char *v);

typedef struct att__req {
    att__app *app;
    att__arena arena;
    att__buf body;
    int body_too_large;
    const char *method; /* borrowed from MHD for the request's lifetime */
    const char *path;
    const char *api_version; /* NULL when absent */
    const char *host;        /* Host header, NULL when absent */
    att__route_id route;
    char id[ATT_MAX_REQUEST_ID + 1];
    uint64_t start_ns;
    void *conn;                           /* struct MHD_Connection * */
    const struct att__snapshot *snapshot; /* acquired on first use, released at the end */
    /* response, set by a handler through att__respond* */
    int status;
    const char *content_type;
    const char *error_code; /* MAA error code of an error response */
    const char *allow;      /* Allow header for 405 */
    char *resp;             /* arena-owned */
    size_t resp_len;
    int responded;
} att__req;

/* Is r a 2018-09-01-preview call (reference/maa.md §1.13: other body and answer shapes)? */
int att__req_preview(const att__req *r);

/* Value of a request header (case-insensitive), borrowed; NULL when absent. */
const char *att__req_header(att__req *r, const char *name);
/* Value of a query argument, borrowed; NULL when absent. */
const char *att__req_query(att__req *r, const char *name);

/* Responds with a body (copied into the arena). */
int att__respond(att__req *r, int status, const char *content_type, const char *body, size_t n);
/* Responds application/json; charset=utf-8. */
int att__respond_json(att__req *r, int status, const char *json);
/* Responds with the MAA error model {"error":{"code","message"}} (message printf-style). */
int att__respond_error(att__req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a failure (att_err + diag) to an MAA error response: the diag's message is the
 * message; evidence/input errors are 400 InvalidParameter, ENOMEM/EINTERNAL 500. */
int att__respond_diag(att__req *r, int err, const att_diag *d);

/* Checks that policy text of an attestation type compiles (policy_glue.c); d carries the
 * parse error (line, column, token, expected) for a 400 PolicyParsingError. */
int att__server_policy_check(int type, const char *text, size_t n, att_diag *d);
/* The provider registry's compile/release hooks (att__registry_config): compiled policies
 * live in the snapshot as att__policy_prog. */
int att__server_policy_compile_hook(void *arg, att__att_type type, const char *text, size_t n,
                                    void **compiled, att_diag *d);
void att__server_policy_release_hook(void *arg, void *compiled);

/* The provider answering r (by Host header) in the snapshot r holds; the snapshot is
 * acquired on first use and released when the request ends (routes.c). Never NULL. */
const att__provider *att__req_provider(att__req *r);

/* ---- the steps every /attest/{type} handler shares (attest_route.c) ---- */

/* The policy an attestation is judged by: a draft compiled for this request, or the
 * provider's compiled policy for the type from the snapshot. */
typedef struct att__attest_policy {
    const att__policy_prog *prog;
    const char *hash; /* x-ms-policy-hash */
    json_t *signer;   /* x-ms-policy-signer of a signed stored policy (owned), or NULL */
    int draft;        /* judged by a draft: the token is unsecured (maa.md §2.10) */
    att__policy_prog *compiled_draft;
    char draft_hash[ATT_POLICY_HASH_LEN + 1];
} att__attest_policy;

/* Picks the policy (draft text or NULL). On failure responds (400 PolicyParsingError for a
 * draft that does not compile) and returns 0. Release ap with att__attest_policy_release. */
int att__attest_policy_pick(att__req *r, att__att_type t, const char *draft, size_t draft_len,
                            att__attest_policy *ap);
void att__attest_policy_release(att__attest_policy *ap);
/* Responds to a failed evidence check: 400 InvalidParameter with d's message, except
 * resource exhaustion and internal faults (maa.md §1.12) and collateral that could not be
 * fetched (503 ServiceUnavailable). Logs the rejection. */
void att__attest_reject(att__req *r, att__att_type t, int rc, const att_diag *d);
/* Evaluates ap over the incoming claims. Returns 1 when permitted; otherwise has responded
 * (400 PolicyEvaluationError with the explanation). */
int att__attest_policy_eval(att__req *r, const att__attest_policy *ap, const att__claimset *in,
                            att__policy_result *res);
/* The time evidence and collateral are judged at: --verification-time when set (replays),
 * else now. */
int64_t att__attest_time(const att__req *r);
/* The DCAP verification context (collateral store, PCS fetcher, Intel roots, time) of r's
 * server, for SGX, OE and TDX quotes. */
struct att__sgx_context;
void att__attest_dcap_context(const att__req *r, struct att__sgx_context *ctx);
/* Answers the attestation token for claims (NULL: out of memory), unsecured for a draft. */
void att__attest_respond(att__req *r, const att__attest_policy *ap, const json_t *claims);

/* POST /attest/SgxEnclave and /attest/OpenEnclave with the parsed body (borrowed):
 * verification, policy evaluation and the token (attest_route.c). Always responds. */
void att__attest_sgx_handle(att__req *r, att__att_type t, const json_t *body);
/* GET /tcbbaselines/{type} (reference/maa.md §1.11), attest_tcb.c. */
void att__tcbbaselines_handle(att__req *r, att__att_type t);

/* POST /attest/TdxVm with the parsed body (borrowed) (attest_tdx.c). Always responds. */
void att__attest_tdx_handle(att__req *r, const json_t *body);

/* POST /attest/SevSnpVm (attest_snp.c): as att__attest_sgx_handle for SEV-SNP reports. */
void att__attest_snp_handle(att__req *r, const json_t *body);

/* POST /attest/Tpm with the parsed body (borrowed): the init and request rounds
 * (attest_tpm.c). Always responds. */
void att__attest_tpm_handle(att__req *r, const json_t *body);

/* Issues a token of `kind` for provider p from claims (borrowed) and responds
 * {"token": "..."}; unsecured: an alg none draft-policy token. A provider without a signing
 * key is 503 ServiceUnavailable; an issuance failure becomes an MAA error. */
void att__respond_token(att__req *r, const att__provider *p, att__token_kind kind,
                        const json_t *claims, int unsecured);

/* Dispatches a complete request to its route (routes.c). Always produces a response. */
void att__route_dispatch(att__req *r);

typedef struct att__server att__server;

/* Creates, binds and listens on the configured address, so the real port is known (port
 * 0 picks a free one) before the issuer URL and keys are set up. Nothing is served yet.
 * cfg is borrowed and must outlive the server. d names what failed. */
int att__server_listen(const att__config *cfg, att__server **out, att_diag *d);
/* The bound TCP port. */
int att__server_port(const att__server *s);
/* Starts the worker threads serving requests with app (borrowed; must outlive the
 * server). d names what failed (TLS files). */
int att__server_start(att__server *s, att__app *app, att_diag *d);
/* Stops accepting, finishes in-flight requests and frees the server. */
void att__server_stop(att__server *s);

#endif
