/* Azure confidential VM (paravisor "HCL") attestation report: the wrapper the HCL puts
 * around the hardware report (SEV-SNP report or TDX TDREPORT) and its runtime claims JSON
 * (vTPM attestation key, VM configuration), and the binding of that JSON to the hardware
 * report (reference/hw-evidence.md §3.5; maa.md §1.4, §1.7).
 *
 * Layout (little-endian):
 *   header 32:  "HCLA", u32 version, u32 report_size, u32 request_type, u32 status,
 *               12 reserved
 *   hardware report area 1184: SNP report (1184), or TDREPORT (1024) + zero padding
 *   runtime claims header 20: u32 data_size, u32 version, u32 report_type (2 SNP, 4 TDX),
 *               u32 hash_type (1 SHA-256, 2 SHA-384, 3 SHA-512), u32 variable_data_size
 *   runtime claims JSON: variable_data_size bytes
 * Binding: REPORT_DATA[0:len(hash)] of the hardware report = hash_type(runtime JSON).
 *
 * Ownership: att__hcl_parse fills a caller-owned att__hcl_report whose pointers borrow the
 * caller's buffer; nothing is allocated. att__hcl_runtime_parse returns owned JSON. */
#ifndef ATT_EVIDENCE_HCL_HCL_H
#define ATT_EVIDENCE_HCL_HCL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "crypto/crypto.h"

#define ATT_HCL_HEADER_SIZE         32u
#define ATT_HCL_HW_AREA_SIZE        1184u /* the SNP report size; a TDREPORT is padded */
#define ATT_HCL_RUNTIME_HEADER_SIZE 20u
#define ATT_HCL_SNP_REPORT_SIZE     1184u
#define ATT_HCL_TDREPORT_SIZE       1024u
#define ATT_HCL_SNP_REPORT_DATA_OFF 0x50u /* REPORT_DATA in the SNP report */
#define ATT_HCL_TD_REPORT_DATA_OFF  128u  /* REPORTDATA in REPORTMACSTRUCT */

/* runtime claims header report_type (IGVM request data) */
typedef enum att__hcl_report_type {
    ATT_HCL_REPORT_SNP = 2,
    ATT_HCL_REPORT_TVM = 3, /* VBS trusted VM: not a hardware report; refused */
    ATT_HCL_REPORT_TDX = 4,
} att__hcl_report_type;

/* The TD fields of a TDREPORT (TDREPORT_STRUCT: REPORTMACSTRUCT 256, TEE_TCB_INFO 239 +
 * 17 reserved, TDINFO 512). Pointers borrow the report. The TDREPORT is MAC'd for the
 * platform, not signed: it is evidence only once a TD quote of the same TD carries it
 * (att__hcl_tdx_match_quote). */
typedef struct att__hcl_tdreport {
    const uint8_t *report_type;           /* 4: type 0x81, subtype, version, reserved */
    const uint8_t *cpusvn;                /* 16 */
    const uint8_t *report_data;           /* 64 */
    const uint8_t *tee_tcb_svn;           /* 16 */
    const uint8_t *mrseam, *mrsignerseam; /* 48 each */
    const uint8_t *seam_attributes;       /* 8 */
    const uint8_t *td_attributes, *xfam;  /* 8 each */
    const uint8_t *mrtd, *mrconfigid, *mrowner, *mrownerconfig; /* 48 each */
    const uint8_t *rtmr[4];                                     /* 48 each */
} att__hcl_tdreport;

typedef struct att__hcl_report {
    const uint8_t *data;
    size_t size; /* 32 + 1184 + data_size: the bytes the header declares */
    /* header */
    uint32_t version, report_size, request_type, status;
    /* hardware report */
    att__hcl_report_type type;
    const uint8_t *hw_report; /* SNP: 1184 bytes; TDX: the 1024-byte TDREPORT */
    size_t hw_report_len;
    const uint8_t *report_data; /* 64 bytes inside hw_report */
    att__hcl_tdreport td;       /* type TDX only */
    /* runtime claims header */
    uint32_t data_size, rt_version, hash_type, var_size;
    const uint8_t *runtime; /* the runtime claims JSON, var_size bytes */
    size_t runtime_len;
} att__hcl_report;

/* Parses an HCL report from data[0..n). Checks: signature "HCLA", version 1 or 2, the
 * declared report_size against the bytes present and against 32 + 1184 + data_size,
 * data_size = 20 + variable_data_size, report type SNP or TDX (TVM refused: it carries no
 * hardware report), hash type 1..3, and for TDX the TDREPORT type byte 0x81. Bytes after
 * report_size are tolerated (the HCL pads to a fixed buffer). Errors ATT_ETRUNC /
 * ATT_EPARSE / ATT_EUNSUPPORTED / ATT_ELIMIT; d names the field ("hcl.header.signature",
 * "hcl.runtime.data_size", ...). r borrows data. */
int att__hcl_parse(const uint8_t *data, size_t n, att__hcl_report *r, att_diag *d);

/* "SNP" / "TDX". */
const char *att__hcl_report_type_name(att__hcl_report_type t);

/* The hash of the runtime claims header's hash_type: algorithm and digest length. */
int att__hcl_hash_alg(const att__hcl_report *r, att__hash_alg *alg, size_t *len);

/* The binding: REPORT_DATA[0:len] == hash(runtime JSON), len the digest length of
 * hash_type (32 for SHA-256). ATT_EMISMATCH with reason "hcl.runtime.binding" naming the
 * runtime claims and both values as expected/found. */
int att__hcl_check_binding(const att__hcl_report *r, att_diag *d);

/* The runtime claims JSON, parsed and checked (owned by the caller): an object whose
 * "keys" (when present) is an array of JWK objects with a string "kid", at most one
 * "HCLAkPub", which must be an RSA key (kty "RSA", n and e base64url) that imports;
 * "vm-configuration" (when present) an object whose "secure-boot", "tpm-enabled",
 * "console-enabled", "tpm-persisted" are booleans and "vmUniqueId" a string. *akpub and
 * *vmconfig (either may be NULL) borrow *out and are NULL when absent. d names the member
 * ("hcl.runtime.keys[0].kid"). */
int att__hcl_runtime_parse(const att__hcl_report *r, json_t **out, const json_t **akpub,
                           const json_t **vmconfig, att_diag *d);

/* For a TDX HCL report: the TD quote body (TD report 1.0 / 1.5 fields, passed as pointers
 * of a parsed quote) must carry the TDREPORT's values: REPORTDATA, MRTD, RTMR0-3, MRCONFIGID,
 * MROWNER, MROWNERCONFIG, TD_ATTRIBUTES, XFAM, TEE_TCB_SVN, MRSEAM, MRSIGNERSEAM,
 * SEAM_ATTRIBUTES. The first difference fails with reason "hcl.td_quote.<field>". */
typedef struct att__hcl_td_fields {
    const uint8_t *report_data, *mrtd, *mrconfigid, *mrowner, *mrownerconfig;
    const uint8_t *rtmr[4];
    const uint8_t *td_attributes, *xfam, *tee_tcb_svn, *mrseam, *mrsignerseam, *seam_attributes;
} att__hcl_td_fields;
int att__hcl_tdx_match_quote(const att__hcl_report *r, const att__hcl_td_fields *q, att_diag *d);

#endif
