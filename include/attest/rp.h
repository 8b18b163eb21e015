/* libattest relying-party API: verify a token issued by attestd (or by Microsoft Azure
 * Attestation) before trusting its claims.
 *
 * A relying party (att_rp) is bound to one issuer URL. It learns the signing keys through
 * OpenID discovery (GET <issuer>/.well-known/openid-configuration, whose "issuer" must be
 * the configured one, then GET of its "jwks_uri") and caches them. A token is accepted only
 * when every check passes, in this order:
 *
 *   rp.malformed   three base64url segments, JSON header and payload objects
 *   rp.alg         header alg is exactly "RS256"; "none" (unsecured draft-policy tokens)
 *                  only with allow_unsigned, any other algorithm never
 *   rp.iss         the iss claim equals the issuer
 *   rp.kid         the header kid names a key of the JWKS (an unknown kid refetches the
 *                  JWKS once, at most every jwks_min_refetch seconds)
 *   rp.signature   RSASSA-PKCS1-v1_5 SHA-256 with that key (never a key from the token)
 *   rp.exp/rp.nbf  exp is required; now <= exp + skew and nbf - skew <= now
 *   rp.expect      each expectation given to att_rp_verify
 *
 * A failure fills an att_diag whose reason is one of the codes above (or rp.discovery,
 * rp.jwks for key retrieval), whose field names the header member or claim, and whose
 * expected/found say what differed.
 *
 * Thread safety: att_rp_verify may be called from many threads on one att_rp. The key
 * set is immutable and shared by reference; one thread fetches at a time, and a thread that
 * needs keys while another fetches waits for that fetch and uses its result. */
#ifndef ATTEST_RP_H
#define ATTEST_RP_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct att_rp att_rp;

/* Fetches url into a malloc'd buffer (*body, *len; the library frees it with free()).
 * Returns ATT_OK when the server answered 200, otherwise an att_err with d filled.
 * Lets an application bring its own HTTP stack, or a test inject documents. */
typedef int (*att_rp_fetch_fn)(void *ctx, const char *url, char **body, size_t *len, att_diag *d);

/* Returns the current time in seconds since the epoch (for tests and replay). */
typedef int64_t (*att_rp_clock_fn)(void *ctx);

/* Defaults (used when the option is 0). */
#define ATT_RP_DEFAULT_SKEW         60   /* seconds of clock skew tolerated on exp/nbf */
#define ATT_RP_DEFAULT_MIN_REFETCH  60   /* seconds between two JWKS fetches, at least */
#define ATT_RP_DEFAULT_JWKS_MAX_AGE 3600 /* a cached JWKS is refreshed after this */
#define ATT_RP_DEFAULT_TIMEOUT_MS   10000

typedef struct att_rp_options {
    const char *issuer;       /* required: https://host[:port] (no trailing '/'), copied */
    int64_t clock_skew;       /* seconds; 0 = ATT_RP_DEFAULT_SKEW, < 0 = none */
    int64_t jwks_min_refetch; /* seconds; 0 = ATT_RP_DEFAULT_MIN_REFETCH */
    int64_t jwks_max_age;     /* seconds; 0 = ATT_RP_DEFAULT_JWKS_MAX_AGE */
    int allow_unsigned;       /* accept alg "none" tokens (their claims are NOT vouched for) */
    /* default HTTP client (libcurl), used when fetch is NULL: */
    const char *ca_file; /* PEM bundle to trust instead of the system's, or NULL; copied */
    int insecure_tls;    /* skip TLS peer and host checks (testing only) */
    long timeout_ms;     /* 0 = ATT_RP_DEFAULT_TIMEOUT_MS */
    att_rp_fetch_fn fetch;
    void *fetch_ctx;
    att_rp_clock_fn clock; /* NULL = the system clock */
    void *clock_ctx;
} att_rp_options;

/* Creates a relying party. Nothing is fetched yet (the first verification, or
 * att_rp_refresh, does). *out is the caller's (att_rp_free). */
int att_rp_new(const att_rp_options *o, att_rp **out, att_diag *d);
void att_rp_free(att_rp *rp);

/* Fetches the OpenID metadata and the JWKS now (ignoring the refetch rate limit). */
int att_rp_refresh(att_rp *rp, att_diag *d);

/* Installs a JWKS document (n bytes, borrowed) as if fetched now: for applications that
 * distribute keys out of band, and for tests. With injected keys the relying party still
 * refetches on an unknown kid unless the options' fetch is set to att_rp_fetch_none. */
int att_rp_set_jwks(att_rp *rp, const char *jwks, size_t n, att_diag *d);

/* A fetch function that always fails ("network disabled"): keys only through
 * att_rp_set_jwks. */
int att_rp_fetch_none(void *ctx, const char *url, char **body, size_t *len, att_diag *d);

/* An expectation on a claim. claim is a claim name, or a path of names separated by '.'
 * into nested objects ("x-ms-runtime.client-payload.nonce"), or one of the aliases:
 *   attestation-type  x-ms-attestation-type     mrenclave  x-ms-sgx-mrenclave
 *   mrsigner          x-ms-sgx-mrsigner         debuggable x-ms-sgx-is-debuggable
 *   policy-hash       x-ms-policy-hash          nonce      nonce
 *   runtime-data      x-ms-sgx-ehd, compared as bytes: value is base64url or hex
 * value is compared with the claim as JSON: a string claim must equal it (hex strings
 * case-insensitively), a boolean claim "true"/"false", a number claim numerically; an
 * object or array claim equals value parsed as JSON. */
typedef struct att_rp_expect {
    const char *claim;
    const char *value;
} att_rp_expect;

/* What att_rp_verify found. claims_json is malloc'd compact JSON of the payload (free with
 * att_rp_result_clear). */
typedef struct att_rp_result {
    int is_signed;         /* 0 for an accepted alg-none token (allow_unsigned) */
    char kid[96];          /* the key that verified it ("" when unsigned) */
    int64_t iat, nbf, exp; /* 0 when absent (exp is never absent in an accepted token) */
    char *claims_json;
} att_rp_result;

/* Verifies a compact JWS token (n bytes, borrowed; surrounding white space ignored, and an
 * MAA response body {"token":"..."} is unwrapped) and the expectations exp[0..nexp-1].
 * res (may be NULL) is filled on success; d tells why on failure (see the top). */
int att_rp_verify(att_rp *rp, const char *token, size_t n, const att_rp_expect *exp, size_t nexp,
                  att_rp_result *res, att_diag *d);
void att_rp_result_clear(att_rp_result *res);

#ifdef __cplusplus
}
#endif
#endif
