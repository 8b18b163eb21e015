/* AMD SEV-SNP attestation reports (reference/hw-evidence.md §3, §5): parsing report versions
 * 2, 3 and 5 for Milan, Genoa and Turin, the VCEK/VLEK certificate extensions, the AMD
 * certificate authorities built in (ARK pinned per product), an operator-loaded pool of AMD
 * certificates, and verification: ARK -> ASK/ASVK -> VCEK/VLEK (RSASSA-PSS), VEK extensions
 * against REPORTED_TCB and CHIP_ID, report fields, and the report's ECDSA P-384 signature.
 *
 * Ownership: att__snp_report_parse fills a caller-owned struct whose pointers borrow the
 * report buffer. att__snp_verify fills a caller-owned result (plain copies). Verified VEK
 * chains are cached inside the module (snp_cache.c), so the hot path is one P-384 verify.
 * No function reads the clock: the verification time is a parameter. */
#ifndef ATT_EVIDENCE_SNP_SNP_H
#define ATT_EVIDENCE_SNP_SNP_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "crypto/crypto.h"

struct att__kds; /* collateral/kds.h */

#define ATT_SNP_REPORT_SIZE                0x4A0u /* 1184 */
#define ATT_SNP_SIGNED_SIZE                0x2A0u /* bytes covered by the signature */
#define ATT_SNP_SIG_ALGO_ECDSA_P384_SHA384 1u

/* POLICY bits (§3.4). */
#define ATT_SNP_POLICY_SMT      (1ull << 16)
#define ATT_SNP_POLICY_RESERVED (1ull << 17) /* must be 1 */
#define ATT_SNP_POLICY_MIGRATE  (1ull << 18)
#define ATT_SNP_POLICY_DEBUG    (1ull << 19)
#define ATT_SNP_POLICY_MBZ      (~((1ull << 26) - 1)) /* bits 26..63 */

typedef enum att__snp_product {
    ATT_SNP_PRODUCT_UNKNOWN = 0,
    ATT_SNP_MILAN = 1,
    ATT_SNP_GENOA = 2,
    ATT_SNP_TURIN = 3,
} att__snp_product;

/* "Milan", "Genoa", "Turin" (KDS spelling), "unknown". */
const char *att__snp_product_name(att__snp_product p);
/* Product from a name or a VEK productName ("Milan-B0", "genoa"): the part before '-',
 * case-insensitive. ATT_SNP_PRODUCT_UNKNOWN when it names none. */
att__snp_product att__snp_product_parse(const char *s);

/* The signing key a report names (signer info bits 4:2). */
typedef enum att__snp_signer {
    ATT_SNP_SIGNER_VCEK = 0,
    ATT_SNP_SIGNER_VLEK = 1,
    ATT_SNP_SIGNER_NONE = 7,
} att__snp_signer;

/* A TCB_VERSION decoded for a product (§3.3). Milan/Genoa: byte 0 boot loader, 1 TEE, 6 SNP,
 * 7 microcode; Turin: 0 FMC, 1 boot loader, 2 TEE, 3 SNP, 7 microcode. */
typedef struct att__snp_tcb {
    uint64_t raw;
    uint8_t bl, tee, snp, ucode, fmc; /* fmc: Turin only, else 0 */
} att__snp_tcb;

void att__snp_tcb_decode(uint64_t raw, att__snp_product p, att__snp_tcb *out);

/* A parsed report. Pointers borrow the buffer given to att__snp_report_parse. */
typedef struct att__snp_report {
    const uint8_t *raw; /* ATT_SNP_REPORT_SIZE bytes */
    uint32_t version;   /* 2, 3, 4 or 5 */
    uint32_t guest_svn;
    uint64_t policy;
    const uint8_t *family_id, *image_id; /* 16 each */
    uint32_t vmpl;
    uint32_t sig_algo;
    uint64_t current_tcb;
    uint64_t platform_info;
    uint32_t signer_info;
    int author_key_en, mask_chip_key;
    att__snp_signer signing_key;
    const uint8_t *report_data;                       /* 64 */
    const uint8_t *measurement;                       /* 48 */
    const uint8_t *host_data;                         /* 32 */
    const uint8_t *id_key_digest, *author_key_digest; /* 48 each */
    const uint8_t *report_id, *report_id_ma;          /* 32 each */
    uint64_t reported_tcb;
    int has_cpuid; /* version >= 3 */
    uint8_t cpuid_fam, cpuid_mod, cpuid_step;
    const uint8_t *chip_id; /* 64 */
    uint64_t committed_tcb;
    uint8_t current_build, current_minor, current_major;
    uint8_t committed_build, committed_minor, committed_major;
    uint64_t launch_tcb;
    uint64_t launch_mit_vector, current_mit_vector; /* version >= 5, else 0 */
    const uint8_t *sig_r, *sig_s;                   /* 72 each, little-endian */
    att__snp_product product; /* from the CPUID fields (v3+); UNKNOWN for v2 */
} att__snp_report;

/* Parses a report from data[0..n): exactly ATT_SNP_REPORT_SIZE bytes (trailing zero bytes
 * are tolerated, as some tools pad). Checks version 2..5, signer info reserved bits and
 * SIGNING_KEY (0, 1 or 7), the reserved word at 0x4C, the CPUID family/model (v3+: must name
 * Milan, Genoa or Turin), and that the signature's unused bytes are zero. On failure d names
 * the field ("snp.report.version: 9, expected 2..5"). r borrows data. */
int att__snp_report_parse(const uint8_t *data, size_t n, att__snp_report *r, att_diag *d);

/* Product from CPUID family and model (trustee's table, §3.1): UNKNOWN when none. */
att__snp_product att__snp_product_from_cpuid(uint8_t fam, uint8_t mod);

/* ---- VCEK / VLEK extensions (§3.3) ---- */

#define ATT_SNP_OID_PREFIX "1.3.6.1.4.1.3704.1"

typedef struct att__snp_vek_ext {
    int is_vlek;            /* subject CN SEV-VLEK (else SEV-VCEK) */
    int64_t struct_version; /* .1, -1 when absent */
    char product_name[32];  /* .2, "" when absent */
    int has_fmc;
    uint8_t bl, tee, snp, ucode, fmc; /* .3.1 .3.2 .3.3 .3.8 .3.9 */
    uint8_t hwid[64];                 /* .4 */
    size_t hwid_len;                  /* 64 Milan/Genoa, 8 Turin, 0 VLEK */
    char csp_id[96];                  /* .5 (VLEK), "" when absent */
} att__snp_vek_ext;

/* Reads the extensions of a VCEK/VLEK (borrowed). Requires the subject CN SEV-VCEK or
 * SEV-VLEK, an EC P-384 key, the bl/tee/snp/ucode SPLs as INTEGERs 0..255 and, for a VCEK,
 * hwID as an OCTET STRING of 8 or 64 bytes. d names the extension that is wrong. */
int att__snp_vek_ext_from_cert(const att__cert *c, att__snp_vek_ext *out, att_diag *d);

/* ---- AMD certificate authorities ---- */

typedef enum att__snp_ca {
    ATT_SNP_CA_ARK = 0,
    ATT_SNP_CA_ASK = 1,
    ATT_SNP_CA_ASVK = 2,
} att__snp_ca;

/* PEM (static) of the built-in ARK / ASK / ASVK of product p, or NULL. */
const char *att__snp_builtin_pem(att__snp_product p, att__snp_ca which);

/* An immutable pool of AMD certificates an operator loads (ASKs, ASVKs, VCEKs, VLEKs; an ARK
 * is accepted only when it is the pinned one of its product). Shared read-only by requests. */
typedef struct att__snp_certs att__snp_certs;

/* Loads path: a PEM or DER file (PEM may hold several certificates), or a directory whose
 * regular files (and those of its immediate subdirectories, e.g. milan/, genoa/) are such
 * files. A file holding a CRL (DER or PEM; AMD's KDS serves one per product, signed by the
 * ARK) is kept and applied to every chain whose path contains its issuer. Files that hold
 * neither are skipped with a warning; a certificate that is
 * not AMD's (no ARK/ASK/ASVK/VCEK/VLEK name) is an error naming the file. *out is the
 * caller's (att__snp_certs_free). */
int att__snp_certs_load(const char *path, att__snp_certs **out, att_diag *d);
void att__snp_certs_free(att__snp_certs *s);
size_t att__snp_certs_count(const att__snp_certs *s);

/* ---- verification ---- */

/* What to verify a report with. Every pointer is borrowed. */
typedef struct att__snp_verify_opts {
    /* Certificates that came with the evidence (a request's VcekCertChain): VEK first
     * when present, then ASK/ASVK, ARK; any order is accepted. May be empty. */
    const att__cert *const *chain;
    size_t n_chain;
    /* The same chain as the bytes it was sent as (its PEM text), as the cache key so that a
     * repeated chain is not parsed or verified again; NULL when not applicable. */
    const void *chain_bytes;
    size_t chain_bytes_len;
    const att__snp_certs *pool; /* operator-loaded certificates, or NULL */
    struct att__kds *kds;       /* KDS fetcher for a missing VCEK (cold path), or NULL */
    att__snp_product product;   /* forced product (configuration); UNKNOWN = detect */
    int64_t at;                 /* verification time, epoch seconds */
} att__snp_verify_opts;

typedef struct att__snp_result {
    att__snp_product product;
    att__snp_vek_ext vek;
    char vek_subject[128]; /* e.g. "CN=SEV-VCEK,..." for messages */
    char vek_serial[48];
    int64_t chain_not_before, chain_not_after; /* intersection of the path's validity */
    att__snp_tcb reported, current, committed, launch;
    int cache_hit; /* the VEK chain came from the verified-chain cache */
} att__snp_result;

/* Verifies a parsed report at opts->at, in this order (the first failure is returned, d
 * naming the check): SIGNATURE_ALGO is 1; SIGNING_KEY is VCEK or VLEK; POLICY reserved bit
 * 17 set and bits 26-63 clear; VMPL <= 3; the VEK (from opts->chain, else the pool, else
 * the KDS) and its chain to the pinned ARK of the product (from the CPUID fields, else the
 * forced product, else the VEK's productName; a chain ending in another product's ARK is
 * refused) with RSASSA-PSS signatures and validity at `at`; the VEK kind equals
 * SIGNING_KEY; the VEK's bl/tee/snp/ucode(/fmc) SPLs equal REPORTED_TCB; for a VCEK hwID
 * equals CHIP_ID (8 bytes on Turin) and MASK_CHIP_KEY is clear; the ECDSA P-384 signature
 * over bytes [0, 0x2A0) by the VEK. res is zeroed first and filled as far as it got. */
int att__snp_verify(const att__snp_report *r, const att__snp_verify_opts *opts,
                    att__snp_result *res, att_diag *d);

/* The MAA SevSnpVm claims (reference/maa.md §2.6) of a verified report: the x-ms-sevsnpvm-*
 * values (hex lowercase; TCB SVNs from REPORTED_TCB; policy bits 16/18/19) and
 * x-ms-attestation-type "sevsnpvm". A new jansson object (a json_t *; NULL when out of
 * memory); the caller json_decref()s it. */
struct json_t;
struct json_t *att__snp_claims_json(const att__snp_report *r, const att__snp_result *res);

/* Verified VEK chain cache (snp_cache.c): entries and clearing (tests, shutdown). */
size_t att__snp_cache_count(void);
void att__snp_cache_clear(void);

#endif
