/* Internals of the relying-party module (include/attest/rp.h): the parsed key set, the
 * OpenID metadata and JWKS parsers (jwks.c), the default HTTP GET (http.c) and the claim
 * expectations (expect.c). docs/internals/rp.md describes the module. */
#ifndef ATT_RP_INT_H
#define ATT_RP_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "attest/rp.h"
#include "crypto/crypto.h"

/* One usable signing key of a JWKS. */
typedef struct att__rp_key {
    char *kid;       /* owned, NUL-terminated */
    att__pkey *pkey; /* owned RSA public key */
} att__rp_key;

/* An immutable set of keys, shared by reference between the cache and verifying threads. */
typedef struct att__rp_keyset {
    int refs; /* atomic */
    size_t n;
    att__rp_key *keys; /* owned array of n */
} att__rp_keyset;

/* Parses a JWKS document (n bytes, borrowed): {"keys":[...]} with at most
 * ATT_MAX_JWKS_KEYS entries. A key is used when it has a "kid" string and is an RSA key
 * ("kty":"RSA") with "use" absent or "sig"; its public key is x5c[0]'s (standard base64
 * DER) when x5c is present (and then n/e, when also present, must be the same key), else
 * n/e (base64url). Other keys (EC, "use":"enc") are skipped; a malformed RSA key, two keys
 * with one kid, or no usable key at all fail with reason "rp.jwks". *out has one
 * reference (att__rp_keyset_unref). */
int att__rp_jwks_parse(const char *text, size_t n, att__rp_keyset **out, att_diag *d);
att__rp_keyset *att__rp_keyset_ref(att__rp_keyset *ks);
void att__rp_keyset_unref(att__rp_keyset *ks);
/* The key with this kid, borrowed from ks; NULL when absent. */
const att__rp_key *att__rp_keyset_find(const att__rp_keyset *ks, const char *kid);

/* Parses OpenID metadata (n bytes, borrowed): its "issuer" must equal `issuer` exactly
 * (OpenID Connect Discovery §4.3) and its "jwks_uri" must be an http(s) URL. *jwks_uri is
 * malloc'd. Reason "rp.discovery" on failure. */
int att__rp_metadata_parse(const char *text, size_t n, const char *issuer, char **jwks_uri,
                           att_diag *d);

/* Default fetch: HTTP(S) GET with libcurl, at most ATT_MAX_RP_DOCUMENT bytes, http/https
 * only (redirects too, at most 3), status 200 required. ctx is the att_rp (for its TLS
 * options). */
int att__rp_http_get(void *ctx, const char *url, char **body, size_t *len, att_diag *d);
/* TLS options of an att_rp for att__rp_http_get. */
void att__rp_http_opts(const att_rp *rp, const char **ca_file, int *insecure, long *timeout_ms);

/* Checks one expectation against the verified claims. Reason "rp.expect", field = the
 * claim name, expected/found the two values. */
int att__rp_expect_check(const json_t *claims, const att_rp_expect *e, att_diag *d);

/* Does s look like an http(s) URL with a host? */
int att__rp_is_http_url(const char *s);

#endif
