/* TPM 2.0 quotes: TPMS_ATTEST, TPMT_SIGNATURE and TPMT_PUBLIC parsing (libtss2-mu), the
 * AK's Name and Qualified Name, and quote verification: magic, type, nonce (extraData), PCR
 * selection, pcrDigest and the AK's signature (reference/tpm.md §1).
 *
 * Ownership: every struct here is plain storage owned by the caller (stack, arena or a
 * cache entry); fixed-size fields are copies of the input, so nothing borrows the caller's
 * buffers after a call returns. The one exception is att__tpm_public.key, an OpenSSL key
 * built from the public area: release it with att__tpm_public_clear. A parsed
 * att__tpm_public is immutable after parsing and may be shared between threads (cache it
 * per enrolled AK: the verify path then never re-parses it).
 *
 * Every function returns ATT_OK or a negative att_err and, given an att_diag, names the
 * failing field or check ("tpm.quote.extra_data", "tpm.quote.pcr_digest", ...). */
#ifndef ATT_EVIDENCE_TPM_QUOTE_H
#define ATT_EVIDENCE_TPM_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "crypto/crypto.h"

/* ---- constants (TPM 2.0 Part 2) ---- */

#define ATT_TPM_GENERATED_VALUE    0xff544347u /* TPMS_ATTEST.magic */
#define ATT_TPM_ST_ATTEST_QUOTE    0x8018u
#define ATT_TPM_ST_ATTEST_CERTIFY  0x8017u
#define ATT_TPM_ST_ATTEST_CREATION 0x801au

#define ATT_TPM_ALG_RSA    0x0001u
#define ATT_TPM_ALG_SHA1   0x0004u
#define ATT_TPM_ALG_AES    0x0006u
#define ATT_TPM_ALG_SHA256 0x000bu
#define ATT_TPM_ALG_SHA384 0x000cu
#define ATT_TPM_ALG_SHA512 0x000du
#define ATT_TPM_ALG_NULL   0x0010u
#define ATT_TPM_ALG_RSASSA 0x0014u
#define ATT_TPM_ALG_RSAPSS 0x0016u
#define ATT_TPM_ALG_ECDSA  0x0018u
#define ATT_TPM_ALG_ECC    0x0023u
#define ATT_TPM_ALG_CFB    0x0043u

#define ATT_TPM_ECC_NIST_P256 0x0003u
#define ATT_TPM_ECC_NIST_P384 0x0004u

/* TPMA_OBJECT bits. */
#define ATT_TPMA_FIXED_TPM             0x00000002u
#define ATT_TPMA_FIXED_PARENT          0x00000010u
#define ATT_TPMA_SENSITIVE_DATA_ORIGIN 0x00000020u
#define ATT_TPMA_USER_WITH_AUTH        0x00000040u
#define ATT_TPMA_ADMIN_WITH_POLICY     0x00000080u
#define ATT_TPMA_RESTRICTED            0x00010000u
#define ATT_TPMA_DECRYPT               0x00020000u
#define ATT_TPMA_SIGN                  0x00040000u

/* Hierarchy handles: the "Qualified Name" of a primary key's parent. */
#define ATT_TPM_RH_OWNER       0x40000001u
#define ATT_TPM_RH_NULL        0x40000007u
#define ATT_TPM_RH_ENDORSEMENT 0x4000000bu
#define ATT_TPM_RH_PLATFORM    0x4000000cu

/* Bounds. A PC Client TPM has 24 PCRs (3 select bytes); a TPM has at most a handful of PCR
 * banks (SHA1, SHA256, SHA384, SHA512, SM3), and a quote naming one bank twice is refused.
 * A Name is a 2-byte algorithm and a digest. extraData is a TPM2B_DATA (sized for a TPMT_HA:
 * at most 2 + 64 bytes). */
#define ATT_TPM_MAX_PCRS  24
#define ATT_TPM_MAX_BANKS 5
#define ATT_TPM_NAME_MAX  (2 + ATT_HASH_MAX)
#define ATT_TPM_EXTRA_MAX (2 + ATT_HASH_MAX)
/* Largest TPMT_PUBLIC / TPMT_SIGNATURE / TPMS_ATTEST we accept (the TPM's own limits:
 * TPMT_PUBLIC with a 4096-bit modulus and a 64-byte policy is ~620 bytes; a quote of 5
 * banks with a 64-byte digest and a QN is ~230 bytes). */
#define ATT_TPM_PUBLIC_MAX    1024
#define ATT_TPM_ATTEST_MAX    1024
#define ATT_TPM_SIGNATURE_MAX 1024

/* ---- key public areas ---- */

/* A parsed TPMT_PUBLIC (RSA or ECC key). */
typedef struct att__tpm_public {
    uint16_t type;                /* ATT_TPM_ALG_RSA or ATT_TPM_ALG_ECC */
    uint16_t name_alg;            /* ATT_TPM_ALG_SHA256, ... */
    uint32_t attributes;          /* TPMA_OBJECT */
    uint16_t sym_alg;             /* parameters.symmetric.algorithm (ATT_TPM_ALG_NULL for AKs) */
    uint16_t sym_bits;            /* its key bits (0 when NULL) */
    uint16_t sym_mode;            /* its mode (0 when NULL) */
    uint16_t scheme;              /* ATT_TPM_ALG_RSASSA / RSAPSS / ECDSA / NULL */
    uint16_t scheme_hash;         /* the scheme's hash, 0 when the scheme is NULL */
    uint16_t key_bits;            /* RSA modulus bits */
    uint16_t curve;               /* ECC curve (ATT_TPM_ECC_NIST_P256 ...) */
    uint8_t policy[ATT_HASH_MAX]; /* authPolicy */
    size_t policy_len;
    uint8_t name[ATT_TPM_NAME_MAX]; /* Name = nameAlg || H_nameAlg(TPMT_PUBLIC bytes) */
    size_t name_len;
    uint8_t raw[ATT_TPM_PUBLIC_MAX]; /* the TPMT_PUBLIC bytes (no TPM2B size prefix) */
    size_t raw_len;
    att__pkey *key;         /* the public key (owned; freed by att__tpm_public_clear) */
    uint8_t ecc_xy[2 * 66]; /* ECC: x || y, each left-padded to ecc_field bytes */
    size_t ecc_field;       /* ECC: coordinate size (32 for P-256), 0 for RSA */
} att__tpm_public;

/* Encodings of a public area. AUTO takes a TPM2B_PUBLIC when the first two bytes equal
 * the remaining length, else a bare TPMT_PUBLIC (no valid TPMT_PUBLIC starts that way). */
typedef enum att__tpm_public_enc {
    ATT_TPM_PUBLIC_AUTO = 0,
    ATT_TPM_PUBLIC_TPMT, /* bare TPMT_PUBLIC (go-tpm, GCE protobufs) */
    ATT_TPM_PUBLIC_TPM2B /* TPM2B_PUBLIC: u16 size || TPMT_PUBLIC (tpm2-tools -f tss) */
} att__tpm_public_enc;

/* An AK known only by its public key (MAA's aik_pub JWK, or the key of an AK certificate):
 * type, curve and key from `key` (a new reference is taken; release with
 * att__tpm_public_clear), no attributes, scheme NULL (the signature may then be RSASSA,
 * RSAPSS or ECDSA), no Name (name_len 0). Such a key must be vouched for some other way
 * (att__tpm_akcert_verify) and verified with opts.skip_ak_check = 1 and no
 * opts.signer_parent_qn. RSA (>= 1024 bits) and ECC P-256/P-384 only. */
int att__tpm_public_from_pkey(att__pkey *key, att__tpm_public *out, att_diag *d);

/* Parses buf[0..n) (borrowed) into *out (caller-owned; any previous content is
 * overwritten, not freed): the whole buffer must be one public area (trailing bytes are
 * refused), RSA (1024..16384 bits, exponent 0 = 65537) or ECC P-256/P-384, and the key is
 * built. Computes the Name. On failure *out holds no key. */
int att__tpm_public_parse(const uint8_t *buf, size_t n, att__tpm_public_enc enc,
                          att__tpm_public *out, att_diag *d);
/* Frees the key and zeroes *p. NULL is allowed. */
void att__tpm_public_clear(att__tpm_public *p);

/* Checks the attributes a quoting key must have (§1.5): sign, restricted, fixedTPM,
 * fixedParent, sensitiveDataOrigin, not decrypt, and a non-NULL signing scheme of RSASSA,
 * RSAPSS or ECDSA. An unrestricted signing key could sign a forged TPMS_ATTEST. */
int att__tpm_ak_check(const att__tpm_public *ak, att_diag *d);

/* Qualified Name of an object whose parent has Qualified Name parent_qn (for a primary key:
 * the 4-byte big-endian hierarchy handle, see att__tpm_hierarchy_qn):
 *   QN = name_alg || H_name_alg(parent_qn || name).
 * out must hold ATT_TPM_NAME_MAX bytes; *out_len gets the length. */
int att__tpm_qualified_name(uint16_t name_alg, const uint8_t *parent_qn, size_t parent_qn_len,
                            const uint8_t *name, size_t name_len, uint8_t *out, size_t *out_len);
/* The 4-byte Qualified Name of a hierarchy (ATT_TPM_RH_ENDORSEMENT ...). */
void att__tpm_hierarchy_qn(uint32_t handle, uint8_t out[4]);

/* TPM hash algorithm ID -> att__hash_alg; 0 when unknown. */
att__hash_alg att__tpm_hash_alg(uint16_t tpm_alg);
/* "sha1", "sha256", "rsassa", ... or "unknown" (static strings). */
const char *att__tpm_alg_name(uint16_t tpm_alg);

/* ---- TPMS_ATTEST and TPMT_SIGNATURE ---- */

/* One TPMS_PCR_SELECTION: a bank and its PCR bitmap (bit i = PCR i). */
typedef struct att__tpm_pcr_sel {
    uint16_t hash_alg;
    uint32_t mask;
} att__tpm_pcr_sel;

/* A parsed TPMS_ATTEST of type QUOTE. Copies, no borrowed pointers. */
typedef struct att__tpm_quote {
    uint32_t magic;
    uint16_t type;
    uint8_t qualified_signer[ATT_TPM_NAME_MAX];
    size_t qualified_signer_len;
    uint8_t extra_data[ATT_TPM_EXTRA_MAX];
    size_t extra_data_len;
    uint64_t clock;         /* ms since the last TPM clear */
    uint32_t reset_count;   /* TPM resets (reboots) */
    uint32_t restart_count; /* resumes */
    uint8_t safe;           /* 1 = clock not rolled back */
    uint64_t firmware_version;
    size_t n_sel; /* PCR selections, in quote order */
    att__tpm_pcr_sel sel[ATT_TPM_MAX_BANKS];
    uint8_t pcr_digest[ATT_HASH_MAX];
    size_t pcr_digest_len;
    /* type CERTIFY only (TPMS_CERTIFY_INFO): the certified object's Name and QN */
    uint8_t certified_name[ATT_TPM_NAME_MAX];
    size_t certified_name_len;
    uint8_t certified_qn[ATT_TPM_NAME_MAX];
    size_t certified_qn_len;
    /* type CREATION only (TPMS_CREATION_INFO): the created object's Name, creationHash */
    uint8_t creation_name[ATT_TPM_NAME_MAX];
    size_t creation_name_len;
    uint8_t creation_hash[ATT_HASH_MAX];
    size_t creation_hash_len;
} att__tpm_quote;

/* Parses a TPMS_ATTEST (the signed bytes, without a TPM2B_ATTEST size prefix) of any type
 * but keeps quote fields only for type QUOTE, certify fields only for CERTIFY and creation
 * fields only for CREATION; the
 * whole buffer must be consumed. Checks nothing else (magic and type are checked by
 * att__tpm_quote_verify / att__tpm_certify_verify). */
int att__tpm_attest_parse(const uint8_t *buf, size_t n, att__tpm_quote *out, att_diag *d);

/* A parsed TPMT_SIGNATURE (RSASSA, RSAPSS or ECDSA; others are ATT_EUNSUPPORTED). */
typedef struct att__tpm_sig {
    uint16_t sig_alg;  /* ATT_TPM_ALG_RSASSA / RSAPSS / ECDSA */
    uint16_t hash_alg; /* its hash */
    uint8_t sig[512];  /* RSA: the signature; ECDSA: r || s, each rs_len bytes */
    size_t sig_len;
    size_t rs_len; /* ECDSA: length of r and of s (left-padded to the longer) */
} att__tpm_sig;

int att__tpm_sig_parse(const uint8_t *buf, size_t n, att__tpm_sig *out, att_diag *d);

/* Verifies sig over msg[0..n) with key (RSASSA / RSAPSS with any salt length the TPM
 * may use / ECDSA). Checks that sig matches the key type and, when the key has a scheme,
 * that the signature's scheme and hash equal it. */
int att__tpm_sig_verify(const att__tpm_public *key, const att__tpm_sig *sig, const uint8_t *msg,
                        size_t n, att_diag *d);

/* ---- PCR values ---- */

/* PCR values supplied with a quote, per bank. values[b][i] is PCR i of bank b, valid when
 * bit i of banks[b].mask is set; its length is the bank hash's digest size. */
typedef struct att__tpm_pcrs {
    size_t n_banks;
    att__tpm_pcr_sel banks[ATT_TPM_MAX_BANKS];
    uint8_t values[ATT_TPM_MAX_BANKS][ATT_TPM_MAX_PCRS][ATT_HASH_MAX];
} att__tpm_pcrs;

/* Zeroes *p. */
void att__tpm_pcrs_init(att__tpm_pcrs *p);
/* Sets PCR `index` of bank `hash_alg` (a TPM algorithm ID), adding the bank if needed.
 * len must be the bank's digest size. ATT_EINVAL on a bad index/len/alg, ATT_ELIMIT when a
 * sixth bank would be added. */
int att__tpm_pcrs_set(att__tpm_pcrs *p, uint16_t hash_alg, unsigned index, const uint8_t *value,
                      size_t len);
/* Value of PCR index in bank hash_alg (borrowed pointer into p), NULL when absent;
 * *len gets the digest size. */
const uint8_t *att__tpm_pcrs_get(const att__tpm_pcrs *p, uint16_t hash_alg, unsigned index,
                                 size_t *len);

/* ---- quote verification ---- */

typedef struct att__tpm_quote_opts {
    /* Accept a SHA-1 signature (Windows PCP AKs are RSASSA-SHA1). Default: refused. */
    int allow_sha1;
    /* Skip att__tpm_ak_check (only for keys whose attributes were checked at enrollment;
     * never for a key that arrived with the request). Default: checked. */
    int skip_ak_check;
    /* When set, qualifiedSigner must equal QN(AK) computed from this parent Qualified Name
     * (primary AK in the endorsement hierarchy: att__tpm_hierarchy_qn(ENDORSEMENT); AK
     * under an EK: QN(EK)). When NULL, qualifiedSigner is reported but not compared:
     * a QN can only be checked when the AK's parent is known. */
    const uint8_t *signer_parent_qn;
    size_t signer_parent_qn_len;
    /* PCRs the caller is going to rely on: each must be in the quote's selection. */
    size_t n_required;
    att__tpm_pcr_sel required[ATT_TPM_MAX_BANKS];
    /* Require clockInfo.safe == 1. */
    int require_safe;
} att__tpm_quote_opts;

typedef struct att__tpm_quote_result {
    att__tpm_quote quote; /* the decoded TPMS_ATTEST (claims: firmware, clock, counts) */
    att__tpm_sig sig;     /* the decoded signature */
    int pcrs_checked;     /* 1 when PCR values were supplied and hash to pcrDigest */
    int signer_checked;   /* 1 when qualifiedSigner was compared and matched */
} att__tpm_quote_result;

/* Verifies one quote, in the order of reference/tpm.md §1.4:
 *  1. parse attest[0..attest_len) (TPMS_ATTEST), sig[0..sig_len) (TPMT_SIGNATURE), no
 *     trailing bytes; magic == TPM_GENERATED_VALUE; type == ATTEST_QUOTE;
 *  2. the AK's attributes (unless opts->skip_ak_check); the signature by the AK over the
 *     TPMS_ATTEST bytes (scheme and hash must match the AK's scheme; SHA-1 only when
 *     allowed);
 *  3. extraData == nonce[0..nonce_len) (constant time; nonce_len 0 means the quote must
 *     carry empty extraData);
 *  4. qualifiedSigner == QN(AK) when opts->signer_parent_qn is given;
 *  5. every required PCR is selected; when pcrs is given: it holds exactly the selected
 *     PCRs (a supplied PCR that is not quoted is refused) and
 *     H_sig(values in selection order) == pcrDigest;
 *  6. clockInfo.safe when required.
 * ak is borrowed (parse it once with att__tpm_public_parse); opts may be NULL (defaults);
 * res (optional) is filled with the decoded quote even on failure after step 1.
 * Failures: ATT_EPARSE/ATT_ETRUNC (malformed), ATT_EMISMATCH (magic, type, nonce, QN, PCR
 * digest, selection), ATT_ESIG (signature), ATT_EUNSUPPORTED (algorithm); d names the
 * check, e.g. "pcrDigest mismatch: quote says 5a.. but PCRs 0,1,7 (sha256) hash to 9c..". */
int att__tpm_quote_verify(const uint8_t *attest, size_t attest_len, const uint8_t *sig,
                          size_t sig_len, const att__tpm_public *ak, const uint8_t *nonce,
                          size_t nonce_len, const att__tpm_pcrs *pcrs,
                          const att__tpm_quote_opts *opts, att__tpm_quote_result *res, att_diag *d);

/* Verifies a TPM2_Certify attestation (TPMS_ATTEST type CERTIFY 0x8017) by `signer`: the
 * same structure, signature and nonce (extraData == qualifyingData) checks as
 * att__tpm_quote_verify (opts: allow_sha1, skip_ak_check, require_safe; the PCR fields are
 * ignored), and the certified object's Name in the attestation equals certified->name
 * (reason "tpm.certify.name"): proof that the TPM holding the signer also holds `certified`
 * (e.g. a key generated in the TPM whose public part the client sends). `out` (optional)
 * receives the decoded attestation. */
int att__tpm_certify_verify(const uint8_t *attest, size_t attest_len, const uint8_t *sig,
                            size_t sig_len, const att__tpm_public *signer,
                            const att__tpm_public *certified, const uint8_t *nonce,
                            size_t nonce_len, const att__tpm_quote_opts *opts, att__tpm_quote *out,
                            att_diag *d);

/* Verifies an AK creation proof (reference/tpm.md §1.6 (c), go-attestation / Windows PCP):
 * a TPMS_ATTEST of type CREATION (0x801a) from TPM2_CertifyCreation, signed by the AK
 * itself, whose objectName is the AK's Name and whose creationHash is
 * H_nameAlg(creation_data[0..cd_len)) (the TPMS_CREATION_DATA bytes the TPM returned at
 * creation). Checks magic, type, the AK's attributes (unless opts->skip_ak_check), the
 * signature (SHA-1 only with opts->allow_sha1), extraData == nonce when nonce is not NULL.
 * Proves the AK was created inside a TPM with these attributes — not which TPM: combine with
 * an AK or EK certificate. Reasons "tpm.creation.name", "tpm.creation.hash". */
int att__tpm_creation_verify(const uint8_t *attest, size_t attest_len, const uint8_t *sig,
                             size_t sig_len, const att__tpm_public *ak,
                             const uint8_t *creation_data, size_t cd_len, const uint8_t *nonce,
                             size_t nonce_len, const att__tpm_quote_opts *opts, att__tpm_quote *out,
                             att_diag *d);

/* Computes H_alg(selected PCR values in selection order) into out (att__hash_len bytes)
 * for the selections sel[0..n_sel); ATT_ENOTFOUND (with d naming the PCR) when pcrs lacks a
 * selected value. */
int att__tpm_pcr_digest(const att__tpm_pcrs *pcrs, const att__tpm_pcr_sel *sel, size_t n_sel,
                        att__hash_alg alg, uint8_t *out, att_diag *d);

#endif
