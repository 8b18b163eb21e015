/* The TDX evidence claims of MAA's /attest/TdxVm (reference/maa.md §2.7, EAT profile
 * https://aka.ms/maa-eat-profile-tdxvm) built from a parsed, verified TD quote. Shared by
 * the service (src/server/attest_tdx.c) and `attest evidence verify --type tdx`. */
#ifndef ATT_EVIDENCE_SGX_TD_CLAIMS_H
#define ATT_EVIDENCE_SGX_TD_CLAIMS_H

#include <jansson.h>

#include "evidence/sgx/quote.h"

#define ATT_TDX_EAT_PROFILE "https://aka.ms/maa-eat-profile-tdxvm"

/* TD_ATTRIBUTES bits (little-endian u64) that MAA decodes into booleans. */
#define ATT_TD_ATTR_DEBUG           (1ull << 0)
#define ATT_TD_ATTR_SEPT_VE_DISABLE (1ull << 28)
#define ATT_TD_ATTR_PKS             (1ull << 30)
#define ATT_TD_ATTR_KL              (1ull << 31)
#define ATT_TD_ATTR_PERFMON         (1ull << 63)

/* The §2.7 claims of q (a TD quote; borrowed) with r's TCB status (borrowed, may be NULL:
 * then attester_tcb_status is omitted): eat_profile, dbgstat, intuse, attester_tcb_status,
 * tdx_mrseam, tdx_mrsignerseam, tdx_mrtd, tdx_rtmr0..3, tdx_mrconfigid, tdx_mrowner,
 * tdx_mrownerconfig, tdx_report_data, tdx_seam_attributes, tdx_td_attributes,
 * tdx_tee_tcb_svn, tdx_xfam (lowercase hex of the raw bytes), tdx_seamsvn (TEE_TCB_SVN[0..1]
 * as a little-endian u16), tdx_td_attributes_{debug,key_locker,perfmon,protection_keys,
 * septve_disable}, and x-ms-attestation-type "tdxvm". New reference; NULL when q is not a
 * TD quote or on allocation failure. */
json_t *att__td_claims(const att__quote *q, const att__quote_result *r);

#endif
