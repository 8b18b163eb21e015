/* Open Enclave evidence (reference/hw-evidence.md §4): the legacy OE report
 * (oe_report_header + SGX quote), OE evidence with or without the oe_attestation_header
 * (SGX ECDSA: quote || custom-claims buffer; legacy remote report; raw quote), the
 * custom-claims buffer, verification against DCAP collateral and the OE claims of §4.4.
 *
 * Ownership: att__oe_parse fills a caller-owned att__oe_evidence whose pointers (quote,
 * claims buffer, claim names and values) all borrow the caller's input buffer; nothing is
 * allocated. att__oe_verify fills a caller-owned att__oe_result: the quote result's
 * advisory IDs and TCB date string and the collateral pointer borrow the store (keep it
 * alive while the result is used); custom claims borrow the input buffer. No function here
 * reads the clock: the verification time is a parameter.
 *
 * Claims are produced as a plain struct (att__oe_claims), not as a policy claim set: this
 * module sits below src/policy in the dependency order, and the struct keeps fixed-size
 * values typed; the server or CLI maps it to claim names (§4.4 names in comments). */
#ifndef ATT_EVIDENCE_OE_OE_H
#define ATT_EVIDENCE_OE_OE_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "collateral/dcap.h"
#include "core/limits.h"
#include "evidence/sgx/quote.h"

#define ATT_OE_REPORT_HEADER_SIZE      16u /* oe_report_header_t */
#define ATT_OE_REPORT_HEADER_VERSION   1u
#define ATT_OE_REPORT_TYPE_SGX_LOCAL   1u
#define ATT_OE_REPORT_TYPE_SGX_REMOTE  2u
#define ATT_OE_ATTESTATION_HEADER_SIZE 28u /* oe_attestation_header_t */
#define ATT_OE_ATTESTATION_HEADER_VER  3u  /* the only version OE writes and accepts */
#define ATT_OE_CLAIMS_VERSION          1u
#define ATT_OE_CLAIMS_HEADER_SIZE      16u /* u64 version, u64 count */
#define ATT_OE_CLAIM_HEADER_SIZE       16u /* u64 name_size, u64 value_size */

/* OE report attributes (claim `attributes`). */
#define ATT_OE_ATTR_DEBUG  1u
#define ATT_OE_ATTR_REMOTE 2u

/* The evidence formats attestd verifies (format UUIDs of §4.2). */
typedef enum att__oe_format {
    ATT_OE_FORMAT_LEGACY_REPORT = 1, /* oe_report_header (type 2) || quote */
    ATT_OE_FORMAT_SGX_ECDSA = 2,     /* quote || custom-claims buffer */
    ATT_OE_FORMAT_RAW_QUOTE = 3,     /* bare DCAP quote */
} att__oe_format;

/* Format UUIDs as stored (16 bytes each). */
extern const uint8_t att__oe_uuid_sgx_ecdsa[16];
extern const uint8_t att__oe_uuid_legacy_report_remote[16];
extern const uint8_t att__oe_uuid_raw_sgx_quote[16];

/* One custom claim. name is NUL-terminated inside the evidence (name_len excludes the
 * NUL); value may hold any bytes. Both borrow the input buffer. */
typedef struct att__oe_claim {
    const char *name;
    size_t name_len;
    const uint8_t *value;
    size_t value_len;
} att__oe_claim;

/* A parsed custom-claims buffer (§4.3). Pointers borrow the buffer. */
typedef struct att__oe_custom_claims {
    size_t count;
    att__oe_claim claims[ATT_MAX_OE_CLAIMS];
} att__oe_custom_claims;

/* Parsed OE evidence. Every pointer borrows the buffer given to att__oe_parse. */
typedef struct att__oe_evidence {
    att__oe_format format;
    uint8_t format_uuid[16];    /* the header's, or the format's own when no header */
    int has_attestation_header; /* the 28-byte oe_attestation_header was present */
    int has_report_header;      /* the 16-byte oe_report_header was present */
    const uint8_t *quote;       /* the DCAP quote, q.size bytes */
    size_t quote_len;
    att__quote q;
    /* SGX ECDSA only: the bytes after the quote (possibly none) and their parse */
    int has_claims_buffer;
    const uint8_t *claims_buffer;
    size_t claims_buffer_len;
    att__oe_custom_claims custom;
} att__oe_evidence;

/* Parses a custom-claims buffer (§4.3): u64 version (1), u64 count (at most
 * ATT_MAX_OE_CLAIMS), then per claim u64 name_size (1..ATT_MAX_OE_CLAIM_NAME, including
 * the NUL, which must be the name's only NUL), u64 value_size, name, value. Every length is
 * checked against the bytes left before use; the claims must end exactly at n. An empty
 * buffer (n == 0) is zero claims. out borrows buf. d names the field
 * ("oe.claims[2].value_size: declares 18446744073709551615 bytes, 3 present"). */
int att__oe_claims_parse(const uint8_t *buf, size_t n, att__oe_custom_claims *out, att_diag *d);

/* Parses the legacy OE report (§4.1): oe_report_header version 1, type 2 (a local report,
 * type 1, is ATT_EUNSUPPORTED), report_size at most the bytes present (bytes after it are
 * ignored, as the server does), then the DCAP quote. ev borrows data. */
int att__oe_report_parse(const uint8_t *data, size_t n, att__oe_evidence *ev, att_diag *d);

/* Parses OE evidence of any accepted form, told apart by the first bytes:
 *  - u32 1 (oe_report_header version 1): the legacy report, as att__oe_report_parse;
 *  - u32 3 (oe_attestation_header version 3): u32 version, 16-byte format UUID, u64
 *    data_size equal to the bytes that follow; the UUID selects SGX ECDSA, legacy remote
 *    report or raw quote; any other UUID (local, EPID, TDX, unknown) is ATT_EUNSUPPORTED;
 *  - otherwise header-less SGX ECDSA evidence: quote || custom-claims buffer.
 * For SGX ECDSA the quote's length is its own declared size (att__quote_parse, q.size)
 * and every byte after it is the custom-claims buffer. n is bounded by ATT_MAX_EVIDENCE.
 * ev borrows data; nothing is allocated. */
int att__oe_parse(const uint8_t *data, size_t n, att__oe_evidence *ev, att_diag *d);

/* The OE claims of §4.4 (claim names in comments). Pointers borrow the evidence buffer,
 * except tcb_date, which borrows the collateral. */
typedef struct att__oe_claims {
    uint32_t id_version;                 /* id_version: 0 for SGX */
    uint32_t security_version;           /* security_version: ISVSVN */
    uint64_t attributes;                 /* attributes: ATT_OE_ATTR_DEBUG | ATT_OE_ATTR_REMOTE */
    const uint8_t *unique_id;            /* unique_id: MRENCLAVE, 32 */
    const uint8_t *signer_id;            /* signer_id: MRSIGNER, 32 */
    uint8_t product_id[16];              /* product_id: ISVPRODID little-endian, zero padded */
    uint8_t format_uuid[16];             /* format_uuid */
    att__tcb_status tcb_status;          /* tcb_status */
    const char *tcb_date;                /* tcb_date (RFC 3339), NULL when none */
    int64_t validity_from;               /* validity_from: collateral window start */
    int64_t validity_until;              /* validity_until: collateral window end */
    const uint8_t *report_data;          /* sgx_report_data, 64 */
    const uint8_t *config_id;            /* sgx_config_id, 64 */
    uint16_t config_svn;                 /* sgx_config_svn */
    const uint8_t *isv_ext_prod;         /* sgx_isv_extended_product_id, 16 */
    const uint8_t *isv_family;           /* sgx_isv_family_id, 16 */
    const uint8_t *cpu_svn;              /* sgx_cpu_svn: the PCK certificate's CPUSVN is in the
                                            quote result; this is the report's, 16 */
    uint16_t pce_svn;                    /* sgx_pce_svn (PCK certificate) */
    const att__oe_custom_claims *custom; /* custom claims (SGX ECDSA), else NULL */
    const uint8_t *custom_buffer;        /* custom_claims_buffer, NULL when none */
    size_t custom_buffer_len;
} att__oe_claims;

typedef struct att__oe_result {
    att__quote_result quote;                /* see quote.h; borrows the collateral */
    const att__dcap_collateral *collateral; /* borrowed from the store */
    att__oe_claims claims;                  /* filled when verification succeeds */
} att__oe_result;

/* Chooses the collateral for a parsed DCAP quote from store (FMSPC and PCK CA of the
 * quote's PCK certificate, TEE of the quote) and verifies the quote at `at` with
 * att__quote_verify. *col (borrowed from store) is set when a set was found. Reasons
 * beyond the quote verifier's: "oe.collateral.missing" (no set for the platform). */
int att__oe_verify_quote(const att__quote *q, const att__dcap_store *store,
                         const att__cert *const *anchors, size_t n_anchors, int64_t at,
                         att__quote_result *qr, const att__dcap_collateral **col, att_diag *d);

/* Verifies parsed OE evidence: the quote must be an SGX enclave quote ("oe.tee_type"),
 * verified as att__oe_verify_quote; for SGX ECDSA, REPORTDATA[0:32] must equal the SHA-256
 * of the custom-claims buffer (of the empty string when there is none): "oe.claims.hash".
 * On success fills r->claims. r is zeroed first and filled as far as verification got.
 * ev, store and anchors are borrowed. */
int att__oe_verify(const att__oe_evidence *ev, const att__dcap_store *store,
                   const att__cert *const *anchors, size_t n_anchors, int64_t at, att__oe_result *r,
                   att_diag *d);

#endif
