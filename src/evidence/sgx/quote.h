/* Intel DCAP ECDSA quotes (SGX v3/v4, TDX v4/v5): parsing, the PCK certificate SGX
 * extension, and verification against DCAP collateral (reference/hw-evidence.md §1, §2).
 *
 * Ownership: att__quote_parse fills a caller-owned att__quote whose pointers all borrow
 * the caller's quote buffer (keep it alive while the att__quote is used); nothing is
 * allocated. att__pck_ext values are copied into the caller's struct. att__quote_verify
 * fills a caller-owned att__quote_result: fixed-size fields are copies; advisory IDs and
 * the TCB date string borrow the collateral set (valid while the caller holds its
 * reference). No function here reads the clock: the verification time is a parameter.
 *
 * This module returns the TCB status; it applies no acceptance policy except that
 * TCB_NOT_SUPPORTED (no TCB level matches) and Revoked are verification failures. */
#ifndef ATT_EVIDENCE_SGX_QUOTE_H
#define ATT_EVIDENCE_SGX_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "collateral/dcap.h"
#include "crypto/crypto.h"

#define ATT_QUOTE_HEADER_SIZE      48u
#define ATT_SGX_REPORT_BODY_SIZE   384u
#define ATT_TD10_REPORT_BODY_SIZE  584u
#define ATT_TD15_REPORT_BODY_SIZE  648u
#define ATT_QUOTE_ATT_KEY_ECDSA256 2u
#define ATT_QUOTE_CERT_PCK_CHAIN   5u /* certification data: PCK chain PEM */
#define ATT_QUOTE_CERT_QE_REPORT   6u /* certification data: QE report + nested cert data */

/* v5 body descriptor types (also used for v3/v4, derived from the TEE type). */
typedef enum att__quote_body_type {
    ATT_QUOTE_BODY_SGX = 1,  /* SGX enclave report body, 384 bytes */
    ATT_QUOTE_BODY_TD10 = 2, /* TD report 1.0, 584 bytes */
    ATT_QUOTE_BODY_TD15 = 3, /* TD report 1.5, 648 bytes */
} att__quote_body_type;

/* An SGX report body (the enclave's, or the quoting enclave's). Pointers borrow the quote
 * buffer; integers are decoded (little-endian). Sizes in comments. */
typedef struct att__sgx_report {
    const uint8_t *raw;             /* 384 */
    const uint8_t *cpusvn;          /* 16 */
    const uint8_t *miscselect_raw;  /* 4, report byte order (QE identity compares these) */
    uint32_t miscselect;            /* decoded */
    const uint8_t *isv_ext_prod_id; /* 16 */
    const uint8_t *attributes;      /* 16: FLAGS (8, LE) || XFRM (8) */
    uint64_t flags;                 /* decoded FLAGS; bit 1 = DEBUG */
    const uint8_t *mrenclave;       /* 32 */
    const uint8_t *mrsigner;        /* 32 */
    const uint8_t *config_id;       /* 64 */
    uint16_t isvprodid, isvsvn, config_svn;
    const uint8_t *isv_family_id; /* 16 */
    const uint8_t *report_data;   /* 64 */
    int debug;                    /* FLAGS bit 1 */
} att__sgx_report;

/* A TD report body (1.0 or 1.5). Pointers borrow the quote buffer. */
typedef struct att__td_report {
    const uint8_t *raw; /* 584 or 648 */
    size_t size;
    const uint8_t *tee_tcb_svn;     /* 16: [0] module SVN, [1] module major, [2] late ucode */
    const uint8_t *mrseam;          /* 48 */
    const uint8_t *mrsignerseam;    /* 48 */
    const uint8_t *seam_attributes; /* 8 */
    const uint8_t *td_attributes;   /* 8; bit 0 = DEBUG */
    const uint8_t *xfam;            /* 8 */
    const uint8_t *mrtd, *mrconfigid, *mrowner, *mrownerconfig; /* 48 each */
    const uint8_t *rtmr[4];                                     /* 48 each */
    const uint8_t *report_data;                                 /* 64 */
    const uint8_t *tee_tcb_svn2;                                /* 16; TD 1.5 only, else NULL */
    const uint8_t *mrservicetd;                                 /* 48; TD 1.5 only, else NULL */
    int debug;
} att__td_report;

/* A parsed quote. Every pointer borrows the buffer given to att__quote_parse. */
typedef struct att__quote {
    const uint8_t *data; /* start of the quote */
    size_t size;         /* bytes the quote declares; trailing bytes after it are ignored */

    /* header (§1.1) */
    uint16_t version;      /* 3, 4 or 5 */
    uint16_t att_key_type; /* 2 = ECDSA P-256 */
    uint32_t tee_type;     /* 0 = SGX, 0x81 = TDX */
    uint16_t qe_svn, pce_svn;
    const uint8_t *qe_vendor_id; /* 16 */
    const uint8_t *user_data;    /* 20 */

    /* body (§1.2-1.4) */
    att__quote_body_type body_type;
    uint32_t body_size;
    att__sgx_report enclave; /* body_type SGX */
    att__td_report td;       /* body_type TD10 / TD15 */

    /* the region the attestation key signs: header (+ v5 descriptor) + body */
    const uint8_t *signed_region;
    size_t signed_len;

    /* signature data (§1.5) */
    uint32_t sig_data_len;
    const uint8_t *signature;  /* 64: r||s big-endian */
    const uint8_t *attest_key; /* 64: x||y big-endian */
    const uint8_t *qe_report_raw;
    att__sgx_report qe_report;
    const uint8_t *qe_report_sig; /* 64: r||s by the PCK key over qe_report_raw */
    const uint8_t *qe_auth_data;
    uint16_t qe_auth_len;
    uint16_t outer_cert_type; /* v3: 1..5; v4/v5: 6 */
    uint16_t cert_type;       /* the certification data carrying the PCK (1..5) */
    const uint8_t *cert_data;
    uint32_t cert_len;
} att__quote;

/* Parses a quote from data[0..n). Trailing bytes after the declared sizes are tolerated.
 * Checks (§2.1): version 3..5, attestation key type 2, TEE type 0 or 0x81 (v3: 0), v5 body
 * descriptor type/size, every declared size against the bytes present, certification data
 * nesting (v3: type 1..5; v4/v5: type 6 holding 1..5) and that the nested sizes add up
 * exactly. Does not check the QE vendor ID (att__quote_verify does). On failure returns
 * ATT_ETRUNC / ATT_EPARSE / ATT_EUNSUPPORTED / ATT_ELIMIT and d names the field
 * ("quote.signature_data_len: declares 4660 bytes, 1200 present"). q borrows data. */
int att__quote_parse(const uint8_t *data, size_t n, att__quote *q, att_diag *d);

/* The report data of the quoted enclave or TD (64 bytes, borrowed). */
const uint8_t *att__quote_report_data(const att__quote *q);

/* ---- PCK certificate SGX extension (OID 1.2.840.113741.1.13.1, §2.10) ---- */

#define ATT_PCK_EXT_OID "1.2.840.113741.1.13.1"

typedef struct att__pck_ext {
    uint8_t ppid[16];
    uint8_t comp_svn[16]; /* .2.1 .. .2.16 */
    uint16_t pcesvn;      /* .2.17 */
    uint8_t cpusvn[16];   /* .2.18 */
    uint8_t pce_id[2];
    uint8_t fmspc[6];
    int sgx_type; /* 0 Standard, 1 Scalable, 2 ScalableWithIntegrity */
    int has_platform_instance_id;
    uint8_t platform_instance_id[16];
    int has_configuration;
    int dynamic_platform, cached_keys, smt_enabled; /* -1 when absent */
} att__pck_ext;

/* Parses the DER value of the SGX extension (the extnValue contents). Requires .1-.5 and
 * the full .2 set, refuses duplicates and wrong types/sizes; unknown OIDs are ignored.
 * d names the element ("pck.sgx_ext.fmspc: OCTET STRING of 5 bytes, expected 6"). */
int att__pck_ext_parse(const uint8_t *der, size_t n, att__pck_ext *out, att_diag *d);
/* Finds the extension in c (borrowed) and parses it. */
int att__pck_ext_from_cert(const att__cert *c, att__pck_ext *out, att_diag *d);

/* The FMSPC and PCK CA of the quote's own PCK certificate (type-5 certification data), to
 * choose the collateral before verifying. Not a verification: the chain is not checked
 * here. Memoized by the SHA-256 of the certification data (bounded like the PCK cache), so
 * repeated quotes of a platform skip the PEM parse. Thread-safe. */
int att__quote_pck_platform(const att__quote *q, att__pck_ext *ext, att__pck_ca *ca, att_diag *d);
size_t att__quote_pck_platform_count(void);

/* ---- verification (§2.2-2.8) ---- */

typedef enum att__quote_verdict {
    ATT_QUOTE_REJECTED = 0, /* a check failed: see the att_diag */
    ATT_QUOTE_VERIFIED = 1, /* every check passed; status may still carry warnings */
} att__quote_verdict;

typedef struct att__quote_result {
    att__quote_verdict verdict;
    att__tcb_status status;          /* final, after all convergence (§2.7) */
    att__tcb_status qe_status;       /* QE identity TCB status */
    int64_t tcb_date;                /* selected level's tcbDate (epoch s), 0 when none */
    const char *tcb_date_str;        /* borrowed from the collateral; NULL when none */
    const char *const *advisory_ids; /* borrowed from the collateral */
    size_t n_advisories;
    /* platform, from the PCK certificate */
    att__pck_ext pck;
    att__pck_ca pck_ca;
    char pck_issuer[64]; /* "Intel SGX PCK Processor CA" / "... Platform CA" */
    /* TDX only */
    int tdx_module_checked; /* a TDX module identity (TDX_xx) was used */
    char tdx_module_id[8];  /* "TDX_01" */
    att__tcb_status tdx_module_status;
    att__tcb_status sgx_level_status; /* TDX: status of the SGX-only level */
    /* collateral */
    int tcb_info_version;
    int64_t collateral_not_before, collateral_not_after;
} att__quote_result;

/* Verifies a parsed quote at time `at` (epoch seconds) with a collateral set (borrowed)
 * and the trusted Intel root(s) (anchors, borrowed; matched by subject and key). Order:
 * QE vendor ID; collateral window (outside it: ATT_EEXPIRED naming the expired item, as
 * MAA rejects expired collateral); PCK chain with the root and PCK CRLs at `at`; PCK
 * extension; TCB info / QE identity kinds and FMSPC/PCE-ID; TDX module identity; QE report
 * signature; QE report data binding; QE identity; quote signature; TCB level selection and
 * status convergence. Returns ATT_OK with r->verdict VERIFIED, or an error with d naming
 * the first failed check; r is filled as far as verification got (always zeroed first).
 * TCB_NOT_SUPPORTED returns ATT_EUNSUPPORTED, Revoked ATT_EREVOKED. */
int att__quote_verify(const att__quote *q, const att__dcap_collateral *col,
                      const att__cert *const *anchors, size_t n_anchors, int64_t at,
                      att__quote_result *r, att_diag *d);

/* att__quote_verify with the PCK chain supplied by the caller (borrowed: PCK certificate
 * first, then its PCK CA; the root may follow) instead of the quote's type-5 data, for
 * quotes whose certification data is type 1-4 (PPID or bare PCK certificate, §1.5). The
 * certification data itself is then not interpreted. */
int att__quote_verify_pck(const att__quote *q, const att__cert *const *pck_chain, size_t n_pck,
                          const att__dcap_collateral *col, const att__cert *const *anchors,
                          size_t n_anchors, int64_t at, att__quote_result *r, att_diag *d);

/* The collateral-free part of verification, for tools and tests: the QE report signature
 * by the quote's own PCK certificate (type-5 data; no chain, CRL or time check), the QE
 * report data binding and the quote signature. Fills *pck from the PCK extension when pck
 * is not NULL. Not a verification verdict: the PCK certificate is not validated. */
int att__quote_check_signatures(const att__quote *q, att__pck_ext *pck, att_diag *d);

/* Drops every entry of the verified PCK chain cache that att__quote_verify and
 * att__quote_verify_pck keep (src/evidence/sgx/quote_cache.c) and frees its memory; for
 * tests and shutdown. Safe to call while other threads verify: they re-verify and refill
 * it. Registered with atexit() when the cache is first used. */
void att__quote_cache_clear(void);

#endif
