/* A synthetic Intel-style DCAP PKI for the src/evidence/sgx tests, generated at test time
 * with OpenSSL: a root CA shaped like the Intel SGX Root CA, a PCK Processor or Platform CA,
 * a PCK certificate with a real SGX extension (OID 1.2.840.113741.1.13.1, encoded with
 * OpenSSL's ASN.1 types), a TCB signing certificate, the root CA CRL and the PCK CRL,
 * TCB info v3 and QE identity v2 signed over their exact text (ECDSA P-256, raw r||s hex),
 * all in the normalized collateral form att__dcap_collateral_load_json accepts, and an SGX
 * v3 (or v4) quote: attestation key, QE report signed by the PCK key whose REPORTDATA binds the
 * attestation key and the QE authentication data, quote signature over header + body,
 * certification data type 5 (PEM PCK chain).
 *
 * Real vectors cannot reach the failure paths that need Intel's keys (a revoked PCK
 * certificate, a CRL signed by the wrong key, a re-signed TCB info); this helper can. Every
 * input is a parameter: a test takes sgx_synth_defaults(), changes what it is about, and
 * builds. The defaults verify UpToDate at params.at.
 *
 * Ownership: sgx_synth_build fills a caller-owned sgx_synth whose members it owns; release
 * them with sgx_synth_free. Keys and OpenSSL objects stay inside sgx_synth.c. */
#ifndef ATT_TEST_SGX_SYNTH_H
#define ATT_TEST_SGX_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "collateral/dcap.h"
#include "crypto/crypto.h"
#include "evidence/sgx/quote.h"

#define SYNTH_DAY            86400LL
#define SYNTH_MAX_REVOKED    8
#define SYNTH_MAX_LEVELS     8
#define SYNTH_MAX_ADVISORIES 4

/* One certificate: serial as hex text ("1a2b", "0", "-2a": zero and negative serials
 * exist in real PCK certificates) and validity. */
typedef struct synth_cert_params {
    const char *serial;
    int64_t not_before, not_after;
} synth_cert_params;

/* One CRL: validity, the serials it lists (hex text as above), and whether it is signed
 * by a fresh key instead of its issuer's (the issuer name stays right). */
typedef struct synth_crl_params {
    int64_t this_update, next_update;
    const char *revoked[SYNTH_MAX_REVOKED];
    size_t n_revoked;
    int wrong_key;
} synth_crl_params;

/* One TCB info level (SGX, version 3 layout). */
typedef struct synth_tcb_level {
    uint8_t comp_svn[16];
    uint16_t pcesvn;
    const char *status; /* Intel spelling: "UpToDate", "SWHardeningNeeded", ... */
    const char *date;   /* tcbDate, RFC 3339 */
    const char *advisories[SYNTH_MAX_ADVISORIES];
    size_t n_advisories;
} synth_tcb_level;

/* One QE identity level. */
typedef struct synth_qe_level {
    uint16_t isvsvn;
    const char *status;
    const char *date;
    const char *advisories[SYNTH_MAX_ADVISORIES];
    size_t n_advisories;
} synth_qe_level;

typedef struct sgx_synth_params {
    int64_t at; /* the verification time the defaults are centred on */

    /* PKI */
    int platform_ca; /* 0: PCK Processor CA (SGX type 0); 1: PCK Platform CA (type 1, .6/.7) */
    synth_cert_params root, pck_ca, pck, tcb_signer;
    /* When set, the quote's chain carries another issuance of the PCK CA (same name and
     * key, this serial) instead of the one in the collateral's PCK CRL issuer chain. */
    const char *quote_pck_ca_serial;
    /* When set, the quote's chain ends in another self-signed "Intel SGX Root CA" (own key)
     * instead of the root. */
    int quote_root_other_key;
    synth_crl_params root_crl, pck_crl;

    /* PCK certificate SGX extension */
    struct {
        uint8_t ppid[16];
        uint8_t comp_svn[16];
        uint16_t pcesvn;
        uint8_t cpusvn[16];
        uint8_t pce_id[2];
        uint8_t fmspc[6];
        int sgx_type;
        int no_platform_elements; /* Platform CA: leave out .6 and .7 */
    } ext;

    /* TCB info (version 3, id SGX) */
    struct {
        int64_t issue_date, next_update;
        unsigned eval_number;
        uint8_t fmspc[6];
        uint8_t pce_id[2];
        synth_tcb_level levels[SYNTH_MAX_LEVELS];
        size_t n_levels;
        int tamper; /* after signing, the last digit of tcbEvaluationDataNumber changes */
    } tcb;

    /* QE identity (version 2, id QE) */
    struct {
        int64_t issue_date, next_update;
        unsigned eval_number;
        uint8_t miscselect[4], miscselect_mask[4];
        uint8_t attributes[16], attributes_mask[16];
        uint8_t mrsigner[32];
        uint16_t isvprodid;
        synth_qe_level levels[SYNTH_MAX_LEVELS];
        size_t n_levels;
        int tamper; /* the same for the QE identity text */
    } qe_id;

    /* The quoting enclave's report inside the quote */
    struct {
        uint8_t miscselect[4]; /* report byte order */
        uint8_t attributes[16];
        uint8_t mrsigner[32];
        uint16_t isvprodid, isvsvn;
        uint8_t auth_data[64];
        uint16_t auth_len;
    } qe;

    int quote_version; /* 3 (0 means 3) or 4 (certification data type 6 around type 5) */

    /* The attested enclave's report (the quote body) */
    struct {
        uint8_t mrenclave[32], mrsigner[32];
        uint8_t attributes[16];
        uint16_t isvprodid, isvsvn;
        uint8_t report_data[64];
    } enclave;
} sgx_synth_params;

/* What sgx_synth_build made. */
typedef struct sgx_synth {
    att__cert *root;  /* the synthetic root: the trust anchor to verify against */
    char *collateral; /* normalized collateral JSON (NUL-terminated) */
    size_t collateral_len;
    uint8_t *quote; /* SGX v3 quote */
    size_t quote_len;
    char pck_serial[64]; /* serials as att__cert_serial_hex prints them */
    char pck_ca_serial[64];
    char quote_pck_ca_serial[64];
    att__dcap_collateral *col; /* loaded by sgx_synth_verify (owned), else NULL */
    struct synth_pki *pki;     /* keys and certificates (sgx_synth.c) */
} sgx_synth;

/* Defaults centred on `at`: root valid at-5y..at+20y, PCK CA and TCB signing certificate
 * at-1y..at+5y, PCK certificate at-1y..at+1y (serials shaped like Intel's), CRLs
 * at-1d..at+29d with nothing revoked, TCB info / QE identity issued at-1d, next update
 * at+29d; FMSPC
 * 00906ed50000, PCE-ID 0000, the PCK's SVNs meet the first of five levels (UpToDate,
 * SWHardeningNeeded, ConfigurationNeeded, OutOfDate, Revoked at component SVNs 5, 4,
 * 3, 2, 1); QE identity of Intel's SGX QE (its MRSIGNER, ISVPRODID 1, attribute mask) with
 * levels isvsvn 8 UpToDate, 6 OutOfDate, 2 Revoked; QE report ISVSVN 8. */
void sgx_synth_defaults(sgx_synth_params *p, int64_t at);

/* Generates everything from p into *s (fails the test on any OpenSSL error). */
void sgx_synth_build(const sgx_synth_params *p, sgx_synth *s);
void sgx_synth_free(sgx_synth *s);

/* Issues new collateral (CRLs, TCB info, QE identity from p's crl, tcb and qe_id members)
 * with the same keys and certificates, replacing s->collateral and dropping s->col: what a
 * PCS refresh does (a new revocation, a TCB recovery). The quote is unchanged. */
void sgx_synth_reissue_collateral(sgx_synth *s, const sgx_synth_params *p);

/* Loads s->collateral against s->root; returns the loader's error (d filled). *col is the
 * caller's reference on success. */
int sgx_synth_load(const sgx_synth *s, att__dcap_collateral **col, att_diag *d);

/* Loads the collateral (kept in s->col: result strings borrow it), parses the quote and
 * verifies it at `at` with s->root as the only anchor. Returns the first error. */
int sgx_synth_verify(sgx_synth *s, int64_t at, att__quote_result *r, att_diag *d);

#endif
