/* TDX VM attestation, POST /attest/TdxVm (reference/maa.md §1.5, §2.7): verification of a TD
 * quote (v4/v5) against the DCAP collateral in memory, runtime/init-time data binding, and
 * the incoming (policy) and token claims. attest_tdx.c holds the steps and the HTTP handler;
 * docs/internals/attest-tdx.md describes the decisions. The request and verified-state types
 * are the SGX route's (attest_sgx.h): the request has the same shape, and the verified state
 * (quote, result, collateral, quotehash, parsed JSON data) is the same. */
#ifndef ATT_SERVER_ATTEST_TDX_H
#define ATT_SERVER_ATTEST_TDX_H

#include "server/attest_sgx.h"

/* Verifies req (parsed by att__sgx_request_parse with ATT_TYPE_TDX_VM) under ctx: parses the
 * quote, which must be a TD quote (v4 TD 1.0, v5 TD 1.0/1.5) carrying its PCK chain; finds the
 * TDX collateral for the PCK certificate's FMSPC and CA (or fetches it); runs
 * att__quote_verify at ctx->at (chain, CRLs, QE identity, TDX module identity, signatures, TCB
 * level, TD relaunch); checks SHA-256(runtimeData) == REPORTDATA[0:32] and
 * SHA-256(initTimeData) == MRCONFIGID[0:32]; parses JSON data. Errors as att__sgx_verify's
 * (every one but ATT_ENOMEM / ATT_EINTERNAL is the client's: 400 InvalidParameter). v is
 * always initialised; clear it with att__sgx_verified_clear in every case. */
int att__tdx_verify(const att__sgx_request *req, const att__sgx_context *ctx, att__sgx_verified *v,
                    att_diag *d);

/* The claims a TdxVm policy sees: the §2.7 evidence claims (att__td_claims), x-ms-runtime /
 * x-ms-inittime, and the TCB and collateral claims attestd adds (x-ms-tdx-tcb-date,
 * x-ms-tdx-tcb-advisory-ids, x-ms-tdx-qe-tcb-status, x-ms-tdx-module-id,
 * x-ms-tdx-module-tcb-status, x-ms-tdx-tcb-evaluation-data-number, x-ms-tdx-fmspc,
 * x-ms-tdx-collateral). Strings are copied into in's arena. */
int att__tdx_incoming_claims(const att__sgx_request *req, const att__sgx_verified *v,
                             att__claimset *in);

/* The token's claims (as MAA's TdxVm example token): the policy's issued claims at top level
 * (no x-ms-policy object, unlike SGX), then the §2.7 evidence claims, x-ms-runtime,
 * x-ms-inittime, x-ms-ver, x-ms-policy-hash, x-ms-policy-signer (may be NULL) and nonce.
 * New reference; NULL on allocation failure. */
json_t *att__tdx_token_claims(const att__sgx_request *req, const att__sgx_verified *v,
                              const att__policy_result *res, const char *policy_hash,
                              const json_t *policy_signer);

/* The x-ms-*-collateral object of a verified quote (attest_sgx.c): the seven hashes. */
json_t *att__dcap_collateral_claim(const att__sgx_verified *v);

#endif
