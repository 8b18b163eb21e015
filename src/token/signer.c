/* Signers (the published keys) and token issuers (a signer bound to one issuer URL, with
 * its JWT header, /certs JWKS and OpenID metadata prebuilt); token.h, maa.md §1.10, §4. */
#include "token/token.h"
#include "token/token_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/log.h"

typedef struct signer_key {
    att__pkey *pkey;                 /* owned reference */
    char kid[ATT_TOKEN_KID_LEN + 1]; /* §4.3 */
    char *n_b64u;                    /* JWK "n", malloc'd */
    char *e_b64u;                    /* JWK "e", malloc'd */
} signer_key;

struct att__signer {
    atomic_size_t refs;
    size_t n;
    signer_key keys[ATT_TOKEN_MAX_KEYS]; /* keys[0] signs */
};

struct att__token_issuer {
    atomic_size_t refs;
    att__signer *signer;                  /* owned reference */
    char *issuer;                         /* malloc'd */
    att__cert *certs[ATT_TOKEN_MAX_KEYS]; /* owned references, NULL when absent */
    char *header_b64u;                    /* malloc'd */
    char *unsecured_header_b64u;          /* malloc'd: the same with "alg":"none" */
    char *jwks;                           /* malloc'd (jansson) */
    size_t jwks_len;
    char *openid; /* malloc'd (jansson) */
    size_t openid_len;
};

/* ---- signer ---- */

static void signer_free(att__signer *s)
{
    for (size_t i = 0; i < s->n; i++) {
        att__pkey_free(s->keys[i].pkey);
        free(s->keys[i].n_b64u);
        free(s->keys[i].e_b64u);
    }
    free(s);
}

/* Signs and verifies a fixed message with k: proves the key (wherever it lives) can sign
 * RS256 before the service relies on it. */
static int self_test(const att__pkey *k)
{
    static const char msg[] = "attestd signer self-test";
    uint8_t *sig = NULL;
    size_t siglen = 0;
    int rc = att__rsa_pkcs1_sign(k, ATT_HASH_SHA256, msg, sizeof(msg) - 1, &sig, &siglen);
    if (rc == ATT_OK)
        rc = att__rsa_pkcs1_verify(k, ATT_HASH_SHA256, msg, sizeof(msg) - 1, sig, siglen);
    free(sig);
    return rc;
}

/* Fills sk (already holding its pkey) with kid, n and e. */
static int signer_key_init(signer_key *sk)
{
    uint8_t *n = NULL, *e = NULL;
    size_t nlen = 0, elen = 0;
    int rc = att__token_kid(sk->pkey, sk->kid);
    if (rc != ATT_OK)
        return rc;
    rc = att__pkey_rsa_ne(sk->pkey, &n, &nlen, &e, &elen);
    if (rc != ATT_OK)
        return rc;
    sk->n_b64u = att__b64_encode_alloc(n, nlen, ATT_B64_URL);
    sk->e_b64u = att__b64_encode_alloc(e, elen, ATT_B64_URL);
    free(n);
    free(e);
    return sk->n_b64u && sk->e_b64u ? ATT_OK : ATT_ENOMEM;
}

int att__signer_new(att__pkey *const *keys, size_t n, att__signer **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    if (!keys || n == 0 || n > ATT_TOKEN_MAX_KEYS)
        return ATT_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!keys[i])
            return ATT_EINVAL;
        if (att__pkey_type(keys[i]) != ATT_KEY_RSA ||
            att__pkey_bits(keys[i]) < ATT_SIGNING_KEY_BITS)
            return ATT_EUNSUPPORTED;
    }
    att__signer *s = calloc(1, sizeof(*s));
    if (!s)
        return ATT_ENOMEM;
    atomic_init(&s->refs, 1);
    int rc = ATT_OK;
    for (size_t i = 0; i < n && rc == ATT_OK; i++) {
        s->keys[i].pkey = att__pkey_ref(keys[i]);
        s->n = i + 1;
        rc = signer_key_init(&s->keys[i]);
        for (size_t j = 0; j < i && rc == ATT_OK; j++)
            if (strcmp(s->keys[j].kid, s->keys[i].kid) == 0)
                rc = ATT_EINVAL; /* the same key twice */
    }
    if (rc == ATT_OK) {
        rc = self_test(s->keys[0].pkey);
        if (rc != ATT_OK)
            att__error("signing key failed its self-test", "kid=%s err=%s", s->keys[0].kid,
                       att_errname(rc));
    }
    if (rc != ATT_OK) {
        signer_free(s);
        return rc;
    }
    *out = s;
    return ATT_OK;
}

att__signer *att__signer_ref(att__signer *s)
{
    if (s)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void att__signer_unref(att__signer *s)
{
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        signer_free(s);
}

size_t att__signer_key_count(const att__signer *s)
{
    return s ? s->n : 0;
}

const att__pkey *att__signer_key(const att__signer *s, size_t i)
{
    return s && i < s->n ? s->keys[i].pkey : NULL;
}

const char *att__signer_kid(const att__signer *s, size_t i)
{
    return s && i < s->n ? s->keys[i].kid : NULL;
}

/* ---- token issuer ---- */

static void issuer_free(att__token_issuer *ti)
{
    for (size_t i = 0; i < ATT_TOKEN_MAX_KEYS; i++)
        att__cert_free(ti->certs[i]);
    att__signer_unref(ti->signer);
    free(ti->issuer);
    free(ti->header_b64u);
    free(ti->unsecured_header_b64u);
    free(ti->jwks);
    free(ti->openid);
    free(ti);
}

/* issuer + suffix, malloc'd. */
static char *url_join(const char *issuer, const char *suffix)
{
    size_t a = strlen(issuer), b = strlen(suffix);
    char *p = malloc(a + b + 1);
    if (p) {
        memcpy(p, issuer, a);
        memcpy(p + a, suffix, b + 1);
    }
    return p;
}

/* Dumps j (consumed) as compact JSON; members sorted unless keep_order. */
static char *dump_consume(json_t *j, int keep_order, size_t *len)
{
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | (keep_order ? JSON_PRESERVE_ORDER : JSON_SORT_KEYS));
    json_decref(j);
    if (s && len)
        *len = strlen(s);
    return s;
}

/* The base64url JWT header {"alg":<alg>,"jku":"<issuer>/certs","kid":<kid 0>,"typ":"JWT"}
 * into *out (malloc'd). MAA keeps jku, kid and typ beside "alg":"none" in its unsecured
 * draft-policy tokens too (recorded, vectors/oe/azure-sdk-cpp-maa). */
static int build_header_alg(const att__token_issuer *ti, const char *alg, char **out)
{
    char *jku = url_join(ti->issuer, "/certs");
    if (!jku)
        return ATT_ENOMEM;
    json_t *h = json_pack("{s:s, s:s, s:s, s:s}", "alg", alg, "jku", jku, "kid",
                          ti->signer->keys[0].kid, "typ", "JWT");
    free(jku);
    size_t len = 0;
    char *text = dump_consume(h, 0, &len);
    if (!text)
        return ATT_ENOMEM;
    *out = att__b64_encode_alloc(text, len, ATT_B64_URL);
    free(text);
    return *out ? ATT_OK : ATT_ENOMEM;
}

static int build_header(att__token_issuer *ti)
{
    int rc = build_header_alg(ti, "RS256", &ti->header_b64u);
    if (rc == ATT_OK)
        rc = build_header_alg(ti, "none", &ti->unsecured_header_b64u);
    return rc;
}

/* One JWKS entry: kid, kty and x5c as MAA publishes them, plus n and e so that libraries
 * importing RSA JWKs from their parameters (jose's createRemoteJWKSet) work too. */
static json_t *jwk_entry(const signer_key *sk, const att__cert *cert)
{
    uint8_t *der = NULL;
    size_t n = 0;
    if (att__cert_der(cert, &der, &n) != ATT_OK)
        return NULL;
    char *b64 = att__b64_encode_alloc(der, n, ATT_B64_STD);
    free(der);
    if (!b64)
        return NULL;
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "e", sk->e_b64u, "kid", sk->kid, "kty",
                          "RSA", "n", sk->n_b64u, "x5c", b64);
    free(b64);
    return e;
}

static int build_jwks(att__token_issuer *ti)
{
    json_t *keys = json_array();
    json_t *root = json_pack("{s:o}", "keys", keys);
    if (!root)
        return ATT_ENOMEM;
    for (size_t i = 0; i < ti->signer->n; i++) {
        if (!ti->certs[i])
            continue;
        if (json_array_append_new(keys, jwk_entry(&ti->signer->keys[i], ti->certs[i])) != 0) {
            json_decref(root);
            return ATT_ENOMEM;
        }
    }
    ti->jwks = dump_consume(root, 0, &ti->jwks_len);
    return ti->jwks ? ATT_OK : ATT_ENOMEM;
}

/* Claims MAA advertises in its OpenID metadata (§1.10), in its order. */
static const char *const openid_claims[] = {
    "cnf",
    "nonce",
    "x-ms-ver",
    "x-ms-attestation-type",
    "x-ms-policy-hash",
    "x-ms-policy-signer",
    "x-ms-sgx-is-debuggable",
    "x-ms-sgx-mrenclave",
    "x-ms-sgx-mrsigner",
    "x-ms-sgx-svn",
    "x-ms-sgx-ehd",
    "x-ms-sgx-collateral",
    "is-debuggable",
    "sgx-mrsigner",
    "sgx-mrenclave",
    "product-id",
    "svn",
    "tee",
};

static int build_openid(att__token_issuer *ti)
{
    char *revoke = url_join(ti->issuer, "/revoke");
    char *certs = url_join(ti->issuer, "/certs");
    json_t *claims = json_array();
    json_t *root = NULL;
    if (revoke && certs && claims) {
        for (size_t i = 0; i < sizeof(openid_claims) / sizeof(openid_claims[0]); i++)
            if (json_array_append_new(claims, json_string(openid_claims[i])) != 0)
                goto out;
        /* "O" takes a new reference: claims is released below in every case. */
        root = json_pack("{s:[s,s], s:[s], s:s, s:s, s:s, s:O}", "response_types_supported",
                         "token", "none", "id_token_signing_alg_values_supported", "RS256",
                         "revocation_endpoint", revoke, "issuer", ti->issuer, "jwks_uri", certs,
                         "claims_supported", claims);
    }
out:
    json_decref(claims);
    free(revoke);
    free(certs);
    ti->openid = dump_consume(root, 1, &ti->openid_len);
    return ti->openid ? ATT_OK : ATT_ENOMEM;
}

int att__token_issuer_new(att__signer *s, const char *issuer, att__cert *const *certs,
                          att__token_issuer **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    if (!s || !certs || !certs[0])
        return ATT_EINVAL;
    int rc = att__token_issuer_url_check(issuer);
    if (rc != ATT_OK)
        return rc;
    for (size_t i = 0; i < s->n; i++) {
        att__pkey *pub = NULL;
        if (!certs[i])
            continue;
        rc = att__cert_pubkey(certs[i], &pub);
        if (rc == ATT_OK)
            rc = att__token_same_pubkey(pub, s->keys[i].pkey);
        att__pkey_free(pub);
        if (rc == 0) {
            att__error("certificate is not for its signing key", "issuer=%s kid=%s", issuer,
                       s->keys[i].kid);
            return ATT_EMISMATCH;
        }
        if (rc < 0)
            return rc;
    }

    att__token_issuer *ti = calloc(1, sizeof(*ti));
    if (!ti)
        return ATT_ENOMEM;
    atomic_init(&ti->refs, 1);
    ti->signer = att__signer_ref(s);
    for (size_t i = 0; i < s->n; i++)
        ti->certs[i] = certs[i] ? att__cert_ref(certs[i]) : NULL;
    ti->issuer = strdup(issuer);
    rc = ti->issuer ? ATT_OK : ATT_ENOMEM;
    if (rc == ATT_OK)
        rc = build_header(ti);
    if (rc == ATT_OK)
        rc = build_jwks(ti);
    if (rc == ATT_OK)
        rc = build_openid(ti);
    if (rc != ATT_OK) {
        issuer_free(ti);
        return rc;
    }
    *out = ti;
    return ATT_OK;
}

att__token_issuer *att__token_issuer_ref(att__token_issuer *ti)
{
    if (ti)
        atomic_fetch_add_explicit(&ti->refs, 1, memory_order_relaxed);
    return ti;
}

void att__token_issuer_unref(att__token_issuer *ti)
{
    if (ti && atomic_fetch_sub_explicit(&ti->refs, 1, memory_order_acq_rel) == 1)
        issuer_free(ti);
}

const char *att__token_issuer_url(const att__token_issuer *ti)
{
    return ti->issuer;
}

att__signer *att__token_issuer_signer(const att__token_issuer *ti)
{
    return ti->signer;
}

const att__cert *att__token_issuer_cert(const att__token_issuer *ti, size_t i)
{
    return i < ti->signer->n ? ti->certs[i] : NULL;
}

const char *att__token_issuer_jwks(const att__token_issuer *ti, size_t *len)
{
    if (len)
        *len = ti->jwks_len;
    return ti->jwks;
}

const char *att__token_issuer_openid(const att__token_issuer *ti, size_t *len)
{
    if (len)
        *len = ti->openid_len;
    return ti->openid;
}

const char *att__token_issuer_header_b64(const att__token_issuer *ti)
{
    return ti->header_b64u;
}

const char *att__token_issuer_unsecured_header_b64(const att__token_issuer *ti)
{
    return ti->unsecured_header_b64u;
}
