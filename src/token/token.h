/* attestd's tokens: the service signing key and its certificates, MAA-shaped JWT issuance
 * (RS256 compact JWS, reference/maa.md §2.1-2.2), the /certs JWKS and the OpenID metadata
 * (§1.10). docs/internals/token.md describes the model.
 *
 * Two immutable, reference-counted objects, built once and shared by all request threads:
 *
 *   att__signer        the published signing keys: keys[0] signs, keys[1..] are only
 *                      published (the next key before a rotation, retired keys until the
 *                      last token they signed has expired). A key is an opaque att__pkey,
 *                      used only through att__rsa_pkcs1_sign, so it may live in an HSM/TPM.
 *   att__token_issuer  one signer bound to one issuer URL (one provider): the certificate
 *                      of each key for that issuer (subject CN=<issuer>), and the JWT header,
 *                      JWKS and OpenID metadata prebuilt as text. Many issuers can share one
 *                      signer, as MAA signs all providers of a region with one key.
 *
 * Neither object changes after it is built; a rotation or a new provider builds new objects
 * and swaps them in. Every function returning an object through an out-parameter hands the
 * caller one reference; *_unref drops it (NULL is allowed). Accessors return borrowed
 * pointers valid while the caller holds its reference. No function reads the clock: issue
 * times are parameters. */
#ifndef ATT_TOKEN_H
#define ATT_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "attest/error.h"
#include "crypto/crypto.h"

/* ---- key files and certificates (key.c) ---- */

/* File names inside the data directory. The key is PKCS#8 PEM, mode 0600; the certificate
 * is the self-signed certificate of that key for the node's own issuer URL. */
#define ATT_SIGNING_KEY_FILE  "signing-key.pem"
#define ATT_SIGNING_CERT_FILE "signing-cert.pem"

/* RSA modulus size of generated keys (MAA's 2022 keys are RSA-2048, §4.3); loaded keys
 * must have at least this many bits. */
#define ATT_SIGNING_KEY_BITS 2048

/* Validity of generated certificates: from one hour before `now` (clock skew of relying
 * parties) to ten years after; a stored certificate is replaced when less than
 * ATT_SIGNING_CERT_RENEW seconds of validity remain. */
#define ATT_SIGNING_CERT_BACKDATE ((int64_t)3600)
#define ATT_SIGNING_CERT_LIFETIME ((int64_t)3650 * 86400)
#define ATT_SIGNING_CERT_RENEW    ((int64_t)30 * 86400)

/* Issuer URLs: "http://" or "https://", then host[:port][/path] in the characters
 * [A-Za-z0-9.-_~%:/[]], no trailing '/'. At most 64 characters, because the issuer is the
 * certificate's commonName and X.509 bounds that to 64 (RFC 5280 ub-common-name). */
#define ATT_TOKEN_MAX_ISSUER 64u

/* Published keys per signer: the active key, a pre-published next key and a few retired
 * ones are all a rotation needs (§4.2). */
#define ATT_TOKEN_MAX_KEYS 8u

/* kid: standard base64 (with padding) of a SHA-256 digest = 44 characters. */
#define ATT_TOKEN_KID_LEN 44u

/* ATT_OK when `issuer` is an acceptable issuer URL (see ATT_TOKEN_MAX_ISSUER), else
 * ATT_EINVAL. */
int att__token_issuer_url_check(const char *issuer);

/* The MAA kid of a public key (§4.3): standard base64 of SHA-256 over the SPKI PEM text as
 * att__pkey_public_pem writes it followed by one NUL byte. Writes ATT_TOKEN_KID_LEN
 * characters and a NUL into kid. k is borrowed (public or private key). */
int att__token_kid(const att__pkey *k, char kid[ATT_TOKEN_KID_LEN + 1]);

/* Loads <dir>/signing-key.pem, or on first start generates an RSA key of
 * ATT_SIGNING_KEY_BITS bits and writes it there (PKCS#8 PEM, mode 0600, atomically; dir is
 * created with mode 0700 when missing, its parent is not). A loaded key must be RSA with at
 * least ATT_SIGNING_KEY_BITS bits (ATT_EUNSUPPORTED otherwise); a key file readable by
 * group or others is used but logged as a warning. When two processes race on a first
 * start, both end up with the key that reached the disk first. *key is the caller's
 * (att__pkey_free); *created (may be NULL) is set to 1 when the key was generated now. */
int att__signing_key_load_or_create(const char *dir, att__pkey **key, int *created);

/* A new self-signed certificate for key and issuer: subject = issuer = CN=<issuer>,
 * validity [now - ATT_SIGNING_CERT_BACKDATE, now + ATT_SIGNING_CERT_LIFETIME], profile of
 * att__cert_self_signed. key must be able to sign. *cert is the caller's. */
int att__signing_cert_create(const att__pkey *key, const char *issuer, int64_t now,
                             att__cert **cert);

/* Loads <dir>/signing-cert.pem and returns it when it is for this key (same public key),
 * for this issuer (subject exactly CN=<issuer>) and valid from now until at least
 * now + ATT_SIGNING_CERT_RENEW; otherwise (absent, unreadable, other issuer, other key,
 * expiring) creates a new one with att__signing_cert_create and writes it there (PEM, mode
 * 0644, atomically). *cert is the caller's; *created (may be NULL) is set to 1 when the
 * certificate was (re)generated. Certificates of further issuers (providers) are made in
 * memory with att__signing_cert_create. */
int att__signing_cert_load_or_create(const char *dir, const att__pkey *key, const char *issuer,
                                     int64_t now, att__cert **cert, int *created);

/* ---- signer: the published keys (signer.c) ---- */

typedef struct att__signer att__signer;

/* Builds a signer from n (1..ATT_TOKEN_MAX_KEYS) RSA keys of at least ATT_SIGNING_KEY_BITS
 * bits. keys[0] is the signing key: it is checked once here by signing and verifying a test
 * message (so a misconfigured HSM key fails at start, not on the first request).
 * keys[1..] are published only and may be public keys. kids must be distinct
 * (ATT_EINVAL). The keys are borrowed; the signer takes its own references. */
int att__signer_new(att__pkey *const *keys, size_t n, att__signer **out);
/* Takes another reference (returns s). Thread-safe. */
att__signer *att__signer_ref(att__signer *s);
/* Drops a reference; the last one frees the signer. Thread-safe; NULL allowed. */
void att__signer_unref(att__signer *s);
/* Number of published keys. */
size_t att__signer_key_count(const att__signer *s);
/* Key i (0 = the signing key), borrowed; NULL when i is out of range. */
const att__pkey *att__signer_key(const att__signer *s, size_t i);
/* kid of key i, borrowed; NULL when i is out of range. */
const char *att__signer_kid(const att__signer *s, size_t i);

/* ---- token issuer: a signer bound to one issuer URL (signer.c) ---- */

typedef struct att__token_issuer att__token_issuer;

/* Binds signer s to issuer (checked with att__token_issuer_url_check). certs has
 * att__signer_key_count(s) entries: certs[i] is the certificate of key i for this issuer
 * (usually from att__signing_cert_create). certs[0] is required; a NULL certs[i] (i > 0)
 * leaves key i out of this issuer's JWKS. Each certificate's public key must be its key's
 * (ATT_EMISMATCH). Builds the JWT header, the JWKS and the OpenID metadata now. s and the
 * certificates are borrowed; the issuer takes its own references. */
int att__token_issuer_new(att__signer *s, const char *issuer, att__cert *const *certs,
                          att__token_issuer **out);
att__token_issuer *att__token_issuer_ref(att__token_issuer *ti);
void att__token_issuer_unref(att__token_issuer *ti);
/* The issuer URL (the token's iss), borrowed. */
const char *att__token_issuer_url(const att__token_issuer *ti);
/* The signer, borrowed. */
att__signer *att__token_issuer_signer(const att__token_issuer *ti);
/* Certificate of key i for this issuer, borrowed; NULL when absent or out of range. */
const att__cert *att__token_issuer_cert(const att__token_issuer *ti, size_t i);

/* Body of GET /certs: {"keys":[{"e","kid","kty":"RSA","n","x5c":["<std b64 DER>"]}, ...]}
 * with one entry per published key that has a certificate for this issuer, signing key
 * first; compact JSON, members sorted. Borrowed text (NUL-terminated, *len bytes when len
 * is not NULL), built once, valid while ti lives. */
const char *att__token_issuer_jwks(const att__token_issuer *ti, size_t *len);
/* Body of GET /.well-known/openid-configuration, in the member order MAA sends (§1.10);
 * borrowed like att__token_issuer_jwks. */
const char *att__token_issuer_openid(const att__token_issuer *ti, size_t *len);

/* ---- JWT issuance (jwt.c) ---- */

typedef enum att__token_kind {
    /* attestation results: exp = iat + 28800 (8 h), jti = 64 lowercase hex (§2.2) */
    ATT_TOKEN_ATTESTATION = 1,
    /* policy and certificate management results (§1.8): exp = iat + 3600, no jti */
    ATT_TOKEN_MANAGEMENT,
} att__token_kind;

#define ATT_TOKEN_ATTESTATION_LIFETIME ((int64_t)28800)
#define ATT_TOKEN_MANAGEMENT_LIFETIME  ((int64_t)3600)

/* Issues a compact RS256 JWS signed with the signer's key 0:
 *   header  {"alg":"RS256","jku":"<issuer>/certs","kid":"<kid of key 0>","typ":"JWT"}
 *   payload the members of claims plus iss, iat = nbf = now, exp, and jti for attestation
 *           tokens; these service claims replace any member of the same name in claims.
 * Both are compact JSON with members sorted at every level (jansson JSON_COMPACT |
 * JSON_SORT_KEYS), base64url without padding. claims (a JSON object, or NULL for none) is
 * borrowed and not modified. At most ATT_MAX_CLAIMS_PER_TOKEN top-level members
 * (ATT_ELIMIT); a token over ATT_MAX_JWS bytes is ATT_ELIMIT. *jwt is malloc'd,
 * NUL-terminated, the caller's (free()); NULL on failure. */
int att__token_issue(const att__token_issuer *ti, att__token_kind kind, const json_t *claims,
                     int64_t now, char **jwt);

/* att__token_issue with exp = now + lifetime seconds (> 0) instead of the kind's default:
 * the policy's report_validity_in_minutes for TPM reports (maa.md §3.6). */
int att__token_issue_lifetime(const att__token_issuer *ti, att__token_kind kind,
                              const json_t *claims, int64_t now, int64_t lifetime, char **jwt);

/* The same token as an RFC 7519 unsecured JWT for draft-policy results (§2.10): header
 * {"alg":"none","jku":...,"kid":...,"typ":"JWT"} (MAA keeps jku/kid/typ, as recorded), same
 * payload rules, empty signature segment ("<hdr>.<payload>."). */
int att__token_issue_unsecured(const att__token_issuer *ti, att__token_kind kind,
                               const json_t *claims, int64_t now, char **jwt);

#endif
