/* Internals of src/collateral shared between its files and its tests/fuzzers: the
 * collateral object, the JSON parsers that skip signature checks, the small DER reader
 * for CRL fields and the raw-JSON span scanner. Never included outside src/collateral,
 * tests/unit/collateral and tests/fuzz. */
#ifndef ATT_COLLATERAL_DCAP_INT_H
#define ATT_COLLATERAL_DCAP_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "collateral/dcap.h"
#include "core/arena.h"

/* A verified collateral set. Immutable after att__dcap_collateral_load_json /
 * att__dcap_bundle_load return it; refs is the only field that changes. */
struct att__dcap_collateral {
    atomic_uint refs;
    att__arena arena; /* parsed levels, advisory strings, dates */
    att__tcb_info tcb;
    att__qe_identity qe;
    att__pck_ca ca;
    att__cert *root;   /* the anchor the set verified against (own reference) */
    att__cert *pck_ca; /* first certificate of the PCK CRL issuer chain (own reference) */
    att__cert **pck_chain, **tcb_chain, **qe_chain; /* owned arrays (att__certs_free) */
    size_t n_pck_chain, n_tcb_chain, n_qe_chain;
    att__crl *root_crl, *pck_crl;
    int64_t not_before, not_after;
    att__dcap_hashes hashes;
};

/* The raw members of one collateral set, all borrowed, before verification. Text members
 * are not NUL-terminated; lengths are in bytes. CRLs are DER, PEM, hex or base64 text
 * (crl_text) or raw DER already (crl_is_der). */
typedef struct att__dcap_raw {
    const char *pck_chain, *tcb_chain, *qe_chain;
    size_t pck_chain_n, tcb_chain_n, qe_chain_n;
    const uint8_t *root_crl, *pck_crl;
    size_t root_crl_n, pck_crl_n;
    int root_crl_is_der, pck_crl_is_der;
    const char *tcb_info, *tcb_sig, *qe_id, *qe_sig; /* signed JSON texts; hex signatures */
    size_t tcb_info_n, tcb_sig_n, qe_id_n, qe_sig_n;
} att__dcap_raw;

/* Verifies and parses one raw set (load.c): the common back end of the normalized JSON
 * form and the PCS bundle layout. *out is the caller's (one reference). */
int att__dcap_collateral_from_raw(const att__dcap_raw *raw, const att__cert *const *anchors,
                                  size_t n_anchors, att__dcap_collateral **out, att_diag *d);

/* ---- JSON parsers (tcbinfo.c, qeid.c); no signature checks ---- */

/* Parses the text of a "tcbInfo" object (v2 or v3) into *out; levels, strings and module
 * identities are allocated from arena (owned by the arena's owner). Validation failures
 * name the member: field "tcbInfo.tcbLevels[3].tcbStatus", message "...: unknown status
 * 'Foo'". */
int att__dcap_parse_tcb_info(const char *text, size_t n, att__arena *arena, att__tcb_info *out,
                             att_diag *d);
/* Same for the text of an "enclaveIdentity" object (version 2). */
int att__dcap_parse_qe_identity(const char *text, size_t n, att__arena *arena,
                                att__qe_identity *out, att_diag *d);

/* ---- raw JSON helpers (json_span.c) ---- */

/* Largest nesting accepted in collateral JSON (TCB info nests 5 deep). */
#define ATT__DCAP_MAX_JSON_DEPTH 16u

/* ATT_OK when text[0..n) nests no deeper than ATT__DCAP_MAX_JSON_DEPTH (strings skipped);
 * a cheap guard run before jansson sees the text. */
int att__dcap_json_depth_ok(const char *text, size_t n);
/* Finds the member `key` of the top-level JSON object in text[0..n) and returns the exact
 * span of its value (*off, *len: borrowed bytes of text). ATT_ENOTFOUND when absent,
 * ATT_EPARSE when the text is not a well-formed object at the top level. */
int att__dcap_json_member_span(const char *text, size_t n, const char *key, size_t *off,
                               size_t *len);

/* ---- DER helpers (der.c) ---- */

/* Fields of a DER CertificateList the loader needs and crypto.h does not expose. */
typedef struct att__crl_info {
    const uint8_t *issuer; /* DER of the issuer Name (borrowed from the CRL bytes) */
    size_t issuer_n;
    int64_t this_update, next_update; /* next_update = INT64_MAX when absent */
    int has_next_update;
    int has_crl_number, has_aki;
} att__crl_info;

int att__der_crl_info(const uint8_t *der, size_t n, att__crl_info *out);
/* DER of the subject Name of a DER certificate (borrowed from der). */
int att__der_cert_subject(const uint8_t *der, size_t n, const uint8_t **subj, size_t *subj_n);

/* Decodes a CRL given as DER (is_der), PEM ("-----BEGIN X509 CRL-----"), hex or base64
 * text into malloc'd DER (*der, caller frees). */
int att__dcap_crl_decode(const uint8_t *in, size_t n, int is_der, uint8_t **der, size_t *der_n);

#endif
