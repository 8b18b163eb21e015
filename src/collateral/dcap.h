/* Intel DCAP collateral (reference/hw-evidence.md §2.3-2.5, §2.9), parsed and verified once.
 *
 * A collateral set is everything needed to judge quotes of one platform family: TCB info
 * (for one FMSPC and one TEE type, SGX or TDX), the QE identity (QE or TD_QE), the Intel
 * root CA CRL, the PCK CRL of one PCK CA (Processor or Platform) with its issuer chain, and
 * the TCB-signing chain. Loading verifies every signature, chain and CRL against the
 * configured Intel root(s) ONCE and parses the JSON into the structures below; a request
 * only checks that its verification time lies inside the set's validity window and reads
 * the parsed levels: no signature, chain or JSON work per request.
 *
 * Objects are immutable after loading and reference-counted; lookups return borrowed
 * pointers valid while the caller holds a reference to the set (or to the store snapshot). */
#ifndef ATT_COLLATERAL_DCAP_H
#define ATT_COLLATERAL_DCAP_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "crypto/crypto.h"

/* ---- TCB status (§2.7) ---- */

typedef enum att__tcb_status {
    ATT_TCB_UP_TO_DATE = 0,
    ATT_TCB_SW_HARDENING_NEEDED,
    ATT_TCB_CONFIGURATION_NEEDED,
    ATT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
    ATT_TCB_OUT_OF_DATE,
    ATT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
    ATT_TCB_REVOKED,
    ATT_TCB_TD_RELAUNCH_ADVISED,
    ATT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
    ATT_TCB_NOT_SUPPORTED, /* no TCB level matches: verification fails */
} att__tcb_status;

/* Intel's spelling ("UpToDate", "SWHardeningNeeded", ..., "TCBNotSupported"); static. */
const char *att__tcb_status_name(att__tcb_status s);
/* Parses the TCB-info/QE-identity spelling; ATT_EINVAL for anything else. */
int att__tcb_status_parse(const char *s, att__tcb_status *out);

#define ATT_DCAP_MAX_ADVISORIES 64u
#define ATT_DCAP_MAX_LEVELS     256u

/* One TCB level of TCB info (v2 and v3 normalised). */
typedef struct att__tcb_level {
    uint8_t sgx_svn[16];
    uint16_t pcesvn;
    uint8_t tdx_svn[16];      /* TDX TCB info only */
    int64_t tcb_date;         /* epoch seconds */
    const char *tcb_date_str; /* as in the JSON ("2024-03-13T00:00:00Z") */
    att__tcb_status status;
    const char *const *advisory_ids; /* n_advisories strings ("INTEL-SA-00289") */
    size_t n_advisories;
} att__tcb_level;

/* One level of a QE identity or a TDX module identity: isvsvn threshold and status. */
typedef struct att__isv_level {
    uint16_t isvsvn;
    int64_t tcb_date;
    const char *tcb_date_str;
    att__tcb_status status;
    const char *const *advisory_ids;
    size_t n_advisories;
} att__isv_level;

typedef struct att__tdx_module_identity {
    const char *id; /* "TDX_01", "TDX_03", ... */
    uint8_t mrsigner[48];
    uint8_t attributes[8];
    uint8_t attributes_mask[8];
    const att__isv_level *levels;
    size_t n_levels;
} att__tdx_module_identity;

typedef enum att__tee_type { ATT_TEE_SGX = 0, ATT_TEE_TDX = 0x81 } att__tee_type;

/* Parsed TCB info (JSON "tcbInfo", versions 2 and 3). Levels in the order served (highest
 * first, as Intel serves them). */
typedef struct att__tcb_info {
    int version;       /* 2 or 3 */
    att__tee_type tee; /* v3 "id": "SGX" or "TDX"; v2 is SGX */
    uint8_t fmspc[6];
    uint8_t pce_id[2];
    int64_t issue_date, next_update;
    unsigned tcb_eval_number;
    const att__tcb_level *levels;
    size_t n_levels;
    /* TDX only */
    int has_tdx_module;
    uint8_t tdx_module_mrsigner[48];
    uint8_t tdx_module_attributes[8];
    uint8_t tdx_module_attributes_mask[8];
    const att__tdx_module_identity *tdx_modules;
    size_t n_tdx_modules;
} att__tcb_info;

/* Parsed QE identity (JSON "enclaveIdentity", version 2). */
typedef struct att__qe_identity {
    const char *id; /* "QE", "TD_QE", "QVE" */
    int version;
    int64_t issue_date, next_update;
    unsigned tcb_eval_number;
    uint8_t miscselect[4], miscselect_mask[4]; /* raw report byte order (§2.5) */
    uint8_t attributes[16], attributes_mask[16];
    uint8_t mrsigner[32];
    uint16_t isvprodid;
    const att__isv_level *levels;
    size_t n_levels;
} att__qe_identity;

/* The PCK CA a PCK certificate was issued by (picks the PCK CRL). */
typedef enum att__pck_ca { ATT_PCK_CA_PROCESSOR = 0, ATT_PCK_CA_PLATFORM = 1 } att__pck_ca;

typedef struct att__dcap_collateral att__dcap_collateral;

/* Read access to a verified collateral set (all borrowed from c). */
const att__tcb_info *att__dcap_tcb_info(const att__dcap_collateral *c);
const att__qe_identity *att__dcap_qe_identity(const att__dcap_collateral *c);
att__pck_ca att__dcap_pck_ca(const att__dcap_collateral *c);
/* The trusted root the set verified against (one of the configured anchors). */
const att__cert *att__dcap_root(const att__dcap_collateral *c);
/* The Intel root CA CRL and the PCK CA CRL (both signature-verified at load). */
const att__crl *att__dcap_root_crl(const att__dcap_collateral *c);
const att__crl *att__dcap_pck_crl(const att__dcap_collateral *c);
/* The PCK CA certificate of the PCK CRL issuer chain. */
const att__cert *att__dcap_pck_ca_cert(const att__dcap_collateral *c);
/* The validity window: intersection of every certificate, CRL and JSON issue..next
 * period (§2.9). A verification time outside it means "collateral expired". */
void att__dcap_window(const att__dcap_collateral *c, int64_t *not_before, int64_t *not_after);
/* SHA-256 digests for MAA's x-ms-sgx-collateral claim (reference/maa.md §2.4):
 * of the exact TCB-info text, QE-identity text, the root CA CRL DER, PCK CRL DER,
 * the TCB-info issuer chain PEM and the QE-identity issuer chain PEM as loaded. */
typedef struct att__dcap_hashes {
    uint8_t tcbinfo[32], qeid[32], root_crl[32], pck_crl[32], tcbinfo_certs[32], qeid_certs[32];
} att__dcap_hashes;
const att__dcap_hashes *att__dcap_collateral_hashes(const att__dcap_collateral *c);

/* Addition: 1 when the window is non-empty and not_before <= at <= not_after. A set whose
 * window is empty still loads (a warning is logged); it contains no time. */
int att__dcap_window_contains(const att__dcap_collateral *c, int64_t at);

att__dcap_collateral *att__dcap_ref(att__dcap_collateral *c);
void att__dcap_unref(att__dcap_collateral *c);

/* ---- loading ---- */

/* Addition: largest collateral file (normalized JSON, or one file of a PCS bundle) read or
 * accepted: real sets are 14-24 KiB, PCK CRLs of the Platform CA a few KiB; 1 MiB leaves
 * room for growth while bounding parse work. */
#define ATT_DCAP_MAX_FILE (1024u * 1024u)
/* Addition: collateral sets in one store (one per FMSPC x TEE x PCK CA; Intel has a few
 * hundred FMSPCs). */
#define ATT_DCAP_MAX_SETS 4096u

/* Loads one collateral set in the normalized JSON form of
 * ../shared/vectors/normalized-collateral (fields pck_crl_issuer_chain, root_ca_crl (hex
 * DER), pck_crl (hex DER), tcb_info_issuer_chain, tcb_info (exact signed text),
 * tcb_info_signature (hex r||s), qe_identity_issuer_chain, qe_identity, qe_identity_signature;
 * CRLs may also be PEM or base64 DER). Verifies against anchors (e.g. both Intel root
 * issuances): chains, CRL signatures, TCB-info and QE-identity signatures, that the root
 * CRL does not revoke the PCK CA or TCB-signing certificate. Time-independent checks only;
 * d names the failing item ("TCB info signature invalid", ...). *out is the caller's. */
int att__dcap_collateral_load_json(const char *json, size_t n, const att__cert *const *anchors,
                                   size_t n_anchors, att__dcap_collateral **out, att_diag *d);

/* A set of collateral sets indexed by (FMSPC, TEE type, PCK CA). Immutable once built. */
typedef struct att__dcap_store att__dcap_store;

/* Loads every collateral file under path (a file, or a directory: every *.json in the
 * normalized form, and Intel PCS API v4 bundle directories as documented in
 * docs/internals/collateral.md), verified against anchors. */
int att__dcap_store_load(const char *path, const att__cert *const *anchors, size_t n_anchors,
                         att__dcap_store **out, att_diag *d);
void att__dcap_store_free(att__dcap_store *s);
/* Addition: number of sets in s, and set i (borrowed from s; NULL when out of range), in
 * load order (files by name). */
size_t att__dcap_store_count(const att__dcap_store *s);
const att__dcap_collateral *att__dcap_store_get(const att__dcap_store *s, size_t i);
/* Addition (behaviour of att__dcap_store_find, below): when no matching set's window
 * contains `at`, the best matching set regardless of time is returned, so the verifier can
 * report "collateral expired" rather than "no collateral"; NULL only when no set matches
 * (FMSPC, TEE, PCK CA). Check att__dcap_window_contains on the result. */
/* The collateral for a platform, or NULL (borrowed from s). When several sets match, the
 * one with the highest TCB evaluation data number whose window contains `at` wins. */
const att__dcap_collateral *att__dcap_store_find(const att__dcap_store *s, const uint8_t fmspc[6],
                                                 att__tee_type tee, att__pck_ca ca, int64_t at);

#endif
