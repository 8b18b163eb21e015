/* SEV-SNP VM attestation, POST /attest/SevSnpVm (reference/maa.md §1.4, §2.6): the request,
 * verification of the report with src/evidence/snp, runtime/init-time data binding, and the
 * incoming (policy) and outgoing (token) claims. No HTTP here except
 * att__attest_snp_handle, which drives these steps for a request like the SGX route does.
 *
 * Ownership: everything a request parses lives in the arena given to the parser; the
 * verified state borrows the request. */
#ifndef ATT_SERVER_ATTEST_SNP_H
#define ATT_SERVER_ATTEST_SNP_H

#include <jansson.h>

#include "evidence/snp/snp.h"
#include "server/attest_sgx.h"

/* A parsed /attest/SevSnpVm body. All pointers are arena-owned. */
typedef struct att__snp_request {
    const uint8_t *report; /* SnpReport: the 1184-byte hardware report */
    size_t report_len;
    const char *chain_pem; /* VcekCertChain PEM text (VCEK, ASK, ARK), or NULL */
    size_t chain_len;
    int has_endorsements; /* Endorsements (ACI UVM) were sent; not interpreted */
    att__sgx_data runtime;
    att__sgx_data inittime;
    const char *draft_policy;
    size_t draft_policy_len;
    const char *nonce;
} att__snp_request;

/* Parses body (borrowed): `report` = base64url(JSON {"SnpReport": b64url, "VcekCertChain":
 * b64url(PEM), "Endorsements": ...}) with any whitespace and keys matched
 * case-insensitively (a bare 1184-byte report instead of the wrapper is accepted too), plus
 * runtimeData / initTimeData / draftPolicyForAttestation / nonce as for SGX. Errors name the field
 * ("report.SnpReport: ..."). */
int att__snp_request_parse(const json_t *body, att__arena *a, att__snp_request *out, att_diag *d);

/* Where and when to verify (all borrowed). */
typedef struct att__snp_context {
    const att__snp_certs *pool; /* --amd-certs, or NULL */
    struct att__kds *kds;       /* --kds-url, or NULL */
    att__snp_product product;   /* forced product, UNKNOWN = detect */
    int64_t at;
} att__snp_context;

typedef struct att__snp_verified {
    att__snp_report report;
    att__snp_result result;
    json_t *runtime_json, *inittime_json; /* owned (att__snp_verified_clear) */
} att__snp_verified;

/* Parses and verifies the report, checks SHA-256(runtimeData) == REPORT_DATA[0:32] (and the
 * upper 32 bytes zero) and SHA-256(initTimeData) == HOST_DATA, parses JSON data. v is always
 * initialised; clear it in every case. */
int att__snp_verify_request(const att__snp_request *req, const att__snp_context *ctx,
                            att__snp_verified *v, att_diag *d);
void att__snp_verified_clear(att__snp_verified *v);

/* Claims a policy sees: the §2.6 claims, x-ms-attestation-type, x-ms-runtime/-inittime and
 * attestd's additions (x-ms-sevsnpvm-product, -signer, -guest-policy, -platform-info). */
int att__snp_incoming_claims(const att__snp_request *req, const att__snp_verified *v,
                             att__claimset *in);

/* The token's claims without iss/iat/nbf/exp/jti (maa.md §2.3, §2.6). New reference; NULL on
 * allocation failure. */
json_t *att__snp_token_claims(const att__snp_request *req, const att__snp_verified *v,
                              const att__policy_result *res, const char *policy_hash,
                              const json_t *policy_signer);

#endif
