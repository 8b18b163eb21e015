/* attestd's cryptography: the only module that includes OpenSSL.
 *
 * Types are OpenSSL's own objects behind opaque names (att__pkey is an EVP_PKEY,
 * att__cert an X509, att__crl an X509_CRL), so no caller sees an OpenSSL header.
 * Every object returned through an out-parameter is owned by the caller and released
 * with its *_free function; functions taking an object borrow it unless they say so.
 * Verification functions return ATT_OK or a negative att_err and, when given one, fill
 * an att_diag naming what failed. No function reads the clock: verification time is
 * always a parameter (seconds since the epoch). */
#ifndef ATT_CRYPTO_H
#define ATT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"

/* ---- hashes ---- */

typedef enum att__hash_alg {
    ATT_HASH_SHA1 = 1,
    ATT_HASH_SHA256,
    ATT_HASH_SHA384,
    ATT_HASH_SHA512,
} att__hash_alg;

#define ATT_HASH_MAX 64

/* Digest size in bytes, 0 for an unknown algorithm. */
size_t att__hash_len(att__hash_alg alg);
/* One-shot digest into out (att__hash_len(alg) bytes). */
int att__hash(att__hash_alg alg, const void *data, size_t n, uint8_t *out);

/* SM3-256 one-shot (TPM PCR banks only); ATT_EUNSUPPORTED when OpenSSL lacks SM3. */
int att__sm3_256(const void *data, size_t n, uint8_t out[32]);

/* Incremental digest. */
typedef struct att__hash_ctx att__hash_ctx;
int att__hash_new(att__hash_alg alg, att__hash_ctx **ctx);
int att__hash_update(att__hash_ctx *ctx, const void *data, size_t n);
/* Writes the digest and leaves the context reusable for a new digest of the same alg. */
int att__hash_final(att__hash_ctx *ctx, uint8_t *out);
void att__hash_free(att__hash_ctx *ctx);

/* Constant-time comparison: 1 when equal. */
int att__ct_equal(const void *a, const void *b, size_t n);
/* Fills out with n bytes from the CSPRNG. */
int att__random(void *out, size_t n);
/* Zeroes memory that held secrets (not optimised away). */
void att__cleanse(void *p, size_t n);

/* ---- keys ---- */

typedef struct evp_pkey_st att__pkey; /* an OpenSSL EVP_PKEY */

typedef enum att__key_type {
    ATT_KEY_UNKNOWN = 0,
    ATT_KEY_RSA,
    ATT_KEY_EC_P256,
    ATT_KEY_EC_P384,
    ATT_KEY_EC_OTHER,
} att__key_type;

void att__pkey_free(att__pkey *k);
/* Takes another reference (returns k); each reference needs one att__pkey_free. */
att__pkey *att__pkey_ref(att__pkey *k);
att__key_type att__pkey_type(const att__pkey *k);
int att__pkey_bits(const att__pkey *k);

/* Public or private key from PEM (SPKI "PUBLIC KEY", PKCS#8 "PRIVATE KEY", "RSA PRIVATE KEY",
 * "EC PRIVATE KEY"). */
int att__pkey_from_pem(const char *pem, size_t n, att__pkey **out);
/* Public key from DER SubjectPublicKeyInfo. */
int att__pkey_from_spki_der(const uint8_t *der, size_t n, att__pkey **out);
/* EC public key from a raw uncompressed point without the 0x04 prefix: x||y, 64 bytes for
 * P-256, 96 for P-384 (SGX attestation keys, SNP). */
int att__pkey_ec_from_raw(att__key_type curve, const uint8_t *xy, size_t n, att__pkey **out);
/* RSA public key from big-endian modulus and exponent (JWK n/e, TPM). */
int att__pkey_rsa_from_ne(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
                          att__pkey **out);
/* RSA public modulus and exponent, big-endian, malloc'd (caller frees both). */
int att__pkey_rsa_ne(const att__pkey *k, uint8_t **n, size_t *nlen, uint8_t **e, size_t *elen);

/* SPKI PEM text exactly as OpenSSL writes it ("-----BEGIN PUBLIC KEY-----\n", 64-char lines
 * each ending "\n", "-----END PUBLIC KEY-----\n"); malloc'd NUL-terminated, caller frees. */
int att__pkey_public_pem(const att__pkey *k, char **pem);
/* DER SubjectPublicKeyInfo, malloc'd. */
int att__pkey_public_der(const att__pkey *k, uint8_t **der, size_t *n);

/* Generates an RSA key of `bits` bits with e = 65537. */
int att__rsa_generate(int bits, att__pkey **out);
/* Writes the private key as PKCS#8 PEM to path, created with mode 0600 (atomically:
 * temporary file + fsync + rename). Fails if path exists and !overwrite. */
int att__pkey_write_private_pem(const att__pkey *k, const char *path, int overwrite);
/* Reads a private (or public) key PEM file. */
int att__pkey_read_pem_file(const char *path, att__pkey **out);

/* ---- signatures ---- */

/* ECDSA over msg (hashed with alg inside) with a raw r||s signature (each half the curve
 * size, big-endian) as SGX/TDX quotes carry it. ATT_ESIG when it does not verify. */
int att__ecdsa_verify_raw(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                          const uint8_t *rs, size_t rslen);
/* Same with raw r||s in little-endian halves (AMD SEV-SNP: 72-byte r and s fields, of which
 * the low 48 bytes are used for P-384). rlen bytes of r then rlen bytes of s. */
int att__ecdsa_verify_raw_le(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                             const uint8_t *r, const uint8_t *s, size_t rlen);
/* ECDSA with a DER-encoded ECDSA-Sig-Value. */
int att__ecdsa_verify_der(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                          const uint8_t *sig, size_t siglen);
/* RSASSA-PKCS1-v1_5. */
int att__rsa_pkcs1_verify(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                          const uint8_t *sig, size_t siglen);
/* RSASSA-PSS with MGF1 over the same hash; saltlen -1 = digest length, -2 = auto-detect
 * (any salt length, as TPMs and AMD certificates vary). */
int att__rsa_pss_verify(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                        const uint8_t *sig, size_t siglen, int saltlen);
/* RSASSA-PKCS1-v1_5 signature of msg with a private key (which may live in a provider such
 * as an HSM: only EVP operations are used). *sig is malloc'd, caller frees. */
int att__rsa_pkcs1_sign(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                        uint8_t **sig, size_t *siglen);

/* ---- encryption and key agreement (kex.c) ---- */

/* HMAC-alg(key, msg) into out (att__hash_len(alg) bytes). */
int att__hmac(att__hash_alg alg, const uint8_t *key, size_t key_len, const void *msg, size_t n,
              uint8_t *out);
/* AES-CFB (CFB128) encryption; key_len 16, 24 or 32 selects AES-128/192/256. out may equal
 * in. n bytes in, n bytes out. */
int att__aes_cfb_encrypt(const uint8_t *key, size_t key_len, const uint8_t iv[16],
                         const uint8_t *in, size_t n, uint8_t *out);
/* RSAES-OAEP encryption with hash alg for OAEP and MGF1 and the given label (label_len
 * bytes, any content including a trailing NUL; 0 for none). Writes at most cap bytes;
 * ATT_ELIMIT when the ciphertext would not fit. */
int att__rsa_oaep_encrypt(const att__pkey *k, att__hash_alg alg, const void *label,
                          size_t label_len, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                          size_t *out_len);
/* One-pass ECDH with a fresh ephemeral key on peer's curve (P-256/P-384): the shared
 * secret Z (the x coordinate, *z_len bytes) and the ephemeral public point x || y (without
 * the 0x04 prefix, *xy_len bytes). The ephemeral private key never leaves this call. */
int att__ecdh_ephemeral(const att__pkey *peer, uint8_t *z, size_t z_cap, size_t *z_len,
                        uint8_t *eph_xy, size_t xy_cap, size_t *xy_len);
/* 1 when a and b are the same public key (type, parameters and value), else 0. */
int att__pkey_public_equal(const att__pkey *a, const att__pkey *b);

/* ---- certificates and CRLs ---- */

typedef struct x509_st att__cert;    /* an OpenSSL X509 */
typedef struct X509_crl_st att__crl; /* an OpenSSL X509_CRL */

void att__cert_free(att__cert *c);
att__cert *att__cert_ref(att__cert *c);
int att__cert_from_der(const uint8_t *der, size_t n, att__cert **out);
/* First certificate in PEM text. */
int att__cert_from_pem(const char *pem, size_t n, att__cert **out);
/* All certificates in PEM text, in order (CRLF or LF line ends). *certs is a malloc'd
 * array of *count owned certificates; free with att__certs_free. At most
 * ATT_MAX_CHAIN_CERTS; no certificate at all is ATT_EPARSE. */
int att__certs_from_pem(const char *pem, size_t n, att__cert ***certs, size_t *count);
void att__certs_free(att__cert **certs, size_t count);
int att__cert_read_file(const char *path, att__cert **out); /* PEM or DER */

/* DER encoding, malloc'd. */
int att__cert_der(const att__cert *c, uint8_t **der, size_t *n);
/* Public key (new reference; caller frees). */
int att__cert_pubkey(const att__cert *c, att__pkey **out);
/* Subject / issuer in RFC 2253 form: RDNs in reverse order of their encoding, ","
 * separated, UTF-8 kept as is (the Intel root, whose DER lists CN first, prints as
 * "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX Root CA"), malloc'd. */
int att__cert_subject(const att__cert *c, char **out);
int att__cert_issuer(const att__cert *c, char **out);
/* Serial number as lowercase hex without leading zeros ("0" for zero; "-" prefix when
 * negative), malloc'd. */
int att__cert_serial_hex(const att__cert *c, char **out);
int att__cert_validity(const att__cert *c, int64_t *not_before, int64_t *not_after);
/* Value of the extension with this dotted OID (borrowed pointer into the certificate,
 * valid while c lives): the content octets of the extnValue OCTET STRING. */
int att__cert_extension(const att__cert *c, const char *oid, const uint8_t **val, size_t *n);
/* SHA-1 / SHA-256 of the DER encoding. */
int att__cert_thumbprint(const att__cert *c, att__hash_alg alg, uint8_t *out);
/* 1 when both certificates carry the same subject and the same public key (how the Intel
 * root is matched across its two issuances). */
int att__cert_same_subject_and_key(const att__cert *a, const att__cert *b);

/* A self-signed X.509 v3 certificate for key k: serial 1, subject = issuer = CN=<cn>,
 * sha256WithRSAEncryption, BasicConstraints CA:FALSE, SKI = AKI, KeyUsage digitalSignature. */
int att__cert_self_signed(const att__pkey *k, const char *cn, int64_t not_before, int64_t not_after,
                          att__cert **out);
/* Writes a certificate as PEM (mode 0644, atomically). */
int att__cert_write_pem(const att__cert *c, const char *path);

void att__crl_free(att__crl *crl);
int att__crl_from_der(const uint8_t *der, size_t n, att__crl **out);
int att__crl_from_pem(const char *pem, size_t n, att__crl **out);

/* Verifies leaf -> intermediates -> one of anchors at time `at`:
 *  - each signature, validity period at `at`, CA basic constraints and path length;
 *  - the chain must end in an anchor, matched by subject and public key (not by DER, so a
 *    re-issued root with the same key matches), the anchor itself need not be self-signed
 *    trusted by OpenSSL's store;
 *  - for every CRL given, the CRL's signature is verified by its issuer in the chain, its
 *    thisUpdate/nextUpdate must contain `at`, and a certificate it lists is ATT_EREVOKED;
 *    when require_crls is set, every CA in the chain (anchor included) that issued a
 *    certificate in the chain must have a CRL among crls.
 * intermediates may be in any order and may include the anchor. Fills d with the failing
 * certificate's subject and reason (e.g. "certificate expired", "revoked by CRL of
 * <issuer> (serial <hex>)"). */
typedef struct att__chain_opts {
    const att__cert *const *intermediates;
    size_t n_intermediates;
    const att__cert *const *anchors;
    size_t n_anchors;
    const att__crl *const *crls;
    size_t n_crls;
    int require_crls;
    int64_t at;
} att__chain_opts;

int att__chain_verify(const att__cert *leaf, const att__chain_opts *opts, att_diag *d);

#endif
