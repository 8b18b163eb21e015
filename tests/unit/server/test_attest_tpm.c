/* Unit tests for the /attest/Tpm protocol pieces (src/server/attest_tpm_ctx.c,
 * attest_tpm_req.c): service_context sealing, tampering, expiry and single use; the
 * message envelope; the request JWS (shape, alg, key, signature) and its body fields. */
#include "testutil.h"

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "crypto/aead.h"
#include "server/attest_tpm.h"

static att__tpm_context sample(int64_t now)
{
    att__tpm_context c;
    memset(&c, 0, sizeof(c));
    c.mode = ATT_TPM_MODE_EKCERT;
    c.issued = now;
    c.expires = now + 300;
    for (int i = 0; i < 16; i++)
        c.id[i] = (uint8_t)i;
    for (int i = 0; i < ATT_TPM_CHALLENGE_LEN; i++)
        c.challenge[i] = (uint8_t)(0xa0 + i);
    c.ak_name[0] = 0x00, c.ak_name[1] = 0x0b, c.ak_name[2] = 0x42;
    c.ak_name_len = 34;
    return c;
}

static void context_seal_open_tamper_expire(void **state)
{
    (void)state;
    att_diag d;
    att_diag_clear(&d);
    att__tpm_service *s = NULL, *other = NULL;
    assert_int_equal(att__tpm_service_new("", "", 0, &s, &d), ATT_OK);
    assert_int_equal(att__tpm_service_new("", "", 0, &other, &d), ATT_OK);
    assert_int_equal(att__tpm_service_lifetime(s), ATT_TPM_CONTEXT_LIFETIME);
    att__arena a;
    att__arena_init(&a);
    att__tpm_context c = sample(1000), back;
    const char *sc = NULL;
    assert_int_equal(att__tpm_context_seal(s, &c, &a, &sc, &d), ATT_OK);
    assert_int_equal(att__tpm_context_open(s, sc, strlen(sc), 1100, &back, &d), ATT_OK);
    assert_int_equal(back.mode, ATT_TPM_MODE_EKCERT);
    assert_memory_equal(back.challenge, c.challenge, ATT_TPM_CHALLENGE_LEN);
    assert_memory_equal(back.id, c.id, 16);
    assert_int_equal(back.ak_name_len, 34);
    assert_int_equal(back.expires, 1300);

    /* another instance's key, one flipped character, garbage: all refused by name */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_context_open(other, sc, strlen(sc), 1100, &back, &d), ATT_ESIG);
    assert_non_null(strstr(d.message, "not issued by this attestd instance or was altered"));
    char *bad = strdup(sc);
    bad[20] = bad[20] == 'A' ? 'B' : 'A';
    att_diag_clear(&d);
    assert_int_equal(att__tpm_context_open(s, bad, strlen(bad), 1100, &back, &d), ATT_ESIG);
    free(bad);
    att_diag_clear(&d);
    assert_int_equal(att__tpm_context_open(s, "abc", 3, 1100, &back, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "malformed"));

    /* expiry */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_context_open(s, sc, strlen(sc), 1301, &back, &d), ATT_EEXPIRED);
    assert_non_null(strstr(d.message, "expired 1 s ago"));

    /* single use */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_context_consume(s, &c, 1100, &d), ATT_OK);
    assert_int_equal(att__tpm_context_consume(s, &c, 1100, &d), ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "already used"));
    /* many distinct contexts: the table grows, old expired ids are purged */
    for (int i = 0; i < 5000; i++) {
        att__tpm_context x = sample(1000);
        memcpy(x.id, &i, sizeof(i));
        x.id[15] = 0x77;
        assert_int_equal(att__tpm_context_consume(s, &x, 1100, &d), ATT_OK);
    }
    assert_int_equal(att__tpm_context_consume(s, &c, 1100, &d), ATT_EMISMATCH);
    att__arena_free(&a);
    att__tpm_service_free(s);
    att__tpm_service_free(other);
}

static void cache_put_get(void **state)
{
    (void)state;
    att_diag d;
    att__tpm_service *s = NULL;
    assert_int_equal(att__tpm_service_new("", "", 60, &s, &d), ATT_OK);
    uint8_t k1[32] = {1}, k2[32] = {2};
    assert_null(att__tpm_cache_get(s, ATT_TPM_CACHE_AK, k1));
    char *o1 = strdup("one"), *o2 = strdup("two");
    assert_ptr_equal(att__tpm_cache_put(s, ATT_TPM_CACHE_AK, k1, o1, 4, free), o1);
    /* a second object for the same key: the first stays, the caller keeps its own */
    assert_ptr_equal(att__tpm_cache_put(s, ATT_TPM_CACHE_AK, k1, o2, 4, free), o1);
    assert_ptr_equal(att__tpm_cache_get(s, ATT_TPM_CACHE_AK, k1), o1);
    assert_null(att__tpm_cache_get(s, ATT_TPM_CACHE_LOG, k1)); /* kinds are separate */
    assert_null(att__tpm_cache_get(s, ATT_TPM_CACHE_AK, k2));
    free(o2);
    att__tpm_service_free(s); /* frees o1 */
}

/* {"data": b64url(text)} */
static json_t *envelope(const char *text)
{
    char *b = att__b64_encode_alloc(text, strlen(text), ATT_B64_URL);
    json_t *j = json_pack("{s:s}", "data", b);
    free(b);
    return j;
}

static void message_envelope(void **state)
{
    (void)state;
    att_diag d;
    json_t *p = NULL;
    int kind = 0;
    json_t *e = envelope("{\"payload\":{\"type\":\"aikcert\"}}");
    assert_int_equal(att__tpm_message_parse(e, &p, &kind, &d), ATT_OK);
    assert_int_equal(kind, 1);
    assert_string_equal(json_string_value(json_object_get(p, "type")), "aikcert");
    json_decref(p);
    json_decref(e);
    const char *bad[][2] = {
        {"{\"payload\":{}}", "neither 'type'"},
        {"{\"nopayload\":1}", "no 'payload' object"},
        {"not json", "does not decode to JSON"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        e = envelope(bad[i][0]);
        att_diag_clear(&d);
        assert_int_not_equal(att__tpm_message_parse(e, &p, &kind, &d), ATT_OK);
        assert_non_null(strstr(d.message, bad[i][1]));
        json_decref(e);
    }
    e = json_pack("{s:i}", "data", 5);
    att_diag_clear(&d);
    assert_int_not_equal(att__tpm_message_parse(e, &p, &kind, &d), ATT_OK);
    json_decref(e);
}

/* A request JWS over body signed by key (PS256), with key's JWK put into the body. */
static char *make_jws(att__pkey *key, const char *alg, json_t *body, int break_sig)
{
    uint8_t *n, *e;
    size_t nl, el;
    assert_int_equal(att__pkey_rsa_ne(key, &n, &nl, &e, &el), ATT_OK);
    char *ns = att__b64_encode_alloc(n, nl, ATT_B64_URL), *es = att__b64_encode_alloc(e, el, 1);
    json_t *ad = json_object_get(body, "att_data");
    if (ad)
        json_object_set_new(ad, "request_key",
                            json_pack("{s:{s:s,s:s,s:s}}", "jwk", "kty", "RSA", "n", ns, "e", es));
    free(n), free(e), free(ns), free(es);
    char hdr[128];
    snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\",\"typ\":\"attReqV2\"}", alg);
    char *bt = json_dumps(body, JSON_COMPACT);
    char *hb = att__b64_encode_alloc(hdr, strlen(hdr), 1),
         *pb = att__b64_encode_alloc(bt, strlen(bt), 1);
    size_t m = strlen(hb) + strlen(pb) + 2;
    char *si = malloc(m);
    snprintf(si, m, "%s.%s", hb, pb);
    uint8_t *sig;
    size_t sl;
    assert_int_equal(att__rsa_pss_sign(key, ATT_HASH_SHA256, si, strlen(si), &sig, &sl), ATT_OK);
    if (break_sig)
        sig[10] ^= 1;
    char *sb = att__b64_encode_alloc(sig, sl, 1);
    size_t t = strlen(si) + strlen(sb) + 2;
    char *jws = malloc(t);
    snprintf(jws, t, "%s.%s", si, sb);
    free(bt), free(hb), free(pb), free(si), free(sig), free(sb);
    return jws;
}

static int parse(const char *jws, att__arena *a, att__tpm_request *r, att_diag *d)
{
    json_t *p = json_pack("{s:s}", "request", jws);
    att_diag_clear(d);
    int rc = att__tpm_request_parse(p, a, r, d);
    json_decref(p);
    return rc;
}

static void request_jws(void **state)
{
    (void)state;
    att__pkey *key;
    assert_int_equal(att__rsa_generate(2048, &key), ATT_OK);
    att__arena a;
    att__arena_init(&a);
    att__tpm_request r;
    att_diag d;
    const char *good_body =
        "{\"att_type\":\"basic\",\"att_data\":{\"challenge\":\"AAEC\",\"service_context\":\"x\","
        "\"rp_data\":\"cnA\",\"tpm_att_data\":{\"current_attestation\":{\"quote\":\"AAAA\","
        "\"signature\":\"AAAA\",\"aik_pub\":\"AAAA\",\"pcrs\":[{\"algorithm\":11,\"values\":["
        "{\"index\":0,\"digest\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}],"
        "\"logs\":[{\"type\":\"TCG\",\"log\":\"AAEC\"}]}}}}";
    json_t *body = json_loads(good_body, 0, NULL);
    char *jws = make_jws(key, "PS256", body, 0);
    assert_int_equal(parse(jws, &a, &r, &d), ATT_OK);
    assert_int_equal(r.version, 2);
    assert_int_equal(r.challenge_len, 3);
    assert_string_equal(r.rp_data, "cnA");
    assert_int_equal(r.n_pcrs, 1);
    assert_int_equal(r.pcrs[0].len, 32);
    assert_int_equal(r.tcg_log_len, 3);
    assert_int_equal(r.quote_hash_alg, 0x000b);
    /* the canonical JWK: compact, sorted keys */
    assert_int_equal(strncmp(r.jwk_text, "{\"e\":", 5), 0);
    att__tpm_request_clear(&r);
    free(jws);

    /* a broken signature, a foreign alg, a malformed JWS */
    jws = make_jws(key, "PS256", body, 1);
    assert_int_equal(parse(jws, &a, &r, &d), ATT_ESIG);
    assert_non_null(strstr(d.message, "bad JWS: the request signature (PS256) does not verify"));
    att__tpm_request_clear(&r);
    free(jws);
    jws = make_jws(key, "ES256", body, 0);
    assert_int_equal(parse(jws, &a, &r, &d), ATT_EUNSUPPORTED);
    assert_non_null(strstr(d.message, "alg PS256 or RS256"));
    att__tpm_request_clear(&r);
    free(jws);
    assert_int_equal(parse("only.two", &a, &r, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "bad JWS"));
    att__tpm_request_clear(&r);

    /* missing fields are named (after the signature checked out) */
    json_object_del(json_object_get(body, "att_data"), "service_context");
    jws = make_jws(key, "PS256", body, 0);
    assert_int_equal(parse(jws, &a, &r, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "att_data.service_context"));
    att__tpm_request_clear(&r);
    free(jws);
    json_decref(body);
    body = json_loads(good_body, 0, NULL);
    json_object_set_new(json_object_get(body, "att_data"), "tpm_att_data", json_object());
    jws = make_jws(key, "PS256", body, 0);
    assert_int_equal(parse(jws, &a, &r, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "current_attestation"));
    att__tpm_request_clear(&r);
    free(jws);
    json_decref(body);
    att__arena_free(&a);
    att__pkey_free(key);
}

/* ---- quote verification with a software "TPM" (same bytes as a TPM's) ---- */

static uint8_t *be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
    return p + n;
}

typedef struct soft_tpm {
    att__pkey *ak;
    uint8_t pub[600]; /* TPM2B_PUBLIC */
    size_t pub_len;
    uint8_t name[34];
    uint8_t pcrs[24][32];
} soft_tpm;

/* An RSA-2048 restricted signing AK (RSASSA-SHA256) and PCR i = i repeated. */
static void soft_tpm_init(soft_tpm *t)
{
    assert_int_equal(att__rsa_generate(2048, &t->ak), ATT_OK);
    uint8_t *n, *e;
    size_t nl, el;
    assert_int_equal(att__pkey_rsa_ne(t->ak, &n, &nl, &e, &el), ATT_OK);
    uint8_t *p = t->pub + 2, *start = p;
    p = be(p, 0x0001, 2);
    p = be(p, 0x000b, 2);
    p = be(p, 0x00050072, 4);
    p = be(p, 0, 2);
    p = be(p, 0x0010, 2);
    p = be(p, 0x0014, 2);
    p = be(p, 0x000b, 2);
    p = be(p, 2048, 2);
    p = be(p, 0, 4);
    p = be(p, nl, 2);
    memcpy(p, n, nl);
    p += nl;
    be(t->pub, (uint64_t)(p - start), 2);
    t->pub_len = (size_t)(p - t->pub);
    t->name[0] = 0x00, t->name[1] = 0x0b;
    att__hash(ATT_HASH_SHA256, start, (size_t)(p - start), t->name + 2);
    for (int i = 0; i < 24; i++)
        memset(t->pcrs[i], i, 32);
    free(n);
    free(e);
}

/* A quote over PCRs 0-23 (SHA-256) with extraData = nonce. */
static void soft_quote(const soft_tpm *t, const uint8_t nonce[32], uint8_t *att, size_t *al,
                       uint8_t *sig, size_t *sl)
{
    uint8_t cat[24 * 32], digest[32];
    for (int i = 0; i < 24; i++)
        memcpy(cat + 32 * i, t->pcrs[i], 32);
    att__hash(ATT_HASH_SHA256, cat, sizeof(cat), digest);
    uint8_t *p = att;
    p = be(p, 0xff544347u, 4);
    p = be(p, 0x8018, 2);
    p = be(p, 34, 2);
    memcpy(p, t->name, 34), p += 34;
    p = be(p, 32, 2);
    memcpy(p, nonce, 32), p += 32;
    p = be(p, 1000, 8);
    p = be(p, 1, 4);
    p = be(p, 0, 4);
    *p++ = 1;
    p = be(p, 0, 8);
    p = be(p, 1, 4);
    p = be(p, 0x000b, 2);
    *p++ = 3, *p++ = 0xff, *p++ = 0xff, *p++ = 0xff;
    p = be(p, 32, 2);
    memcpy(p, digest, 32), p += 32;
    *al = (size_t)(p - att);
    uint8_t *s;
    size_t n;
    assert_int_equal(att__rsa_pkcs1_sign(t->ak, ATT_HASH_SHA256, att, *al, &s, &n), ATT_OK);
    uint8_t *q = sig;
    q = be(q, 0x0014, 2);
    q = be(q, 0x000b, 2);
    q = be(q, n, 2);
    memcpy(q, s, n), q += n;
    *sl = (size_t)(q - sig);
    free(s);
}

/* A request of soft TPM t answering context c: the quote over H(jwk || 0 || challenge), its
 * signature, and the 24 SHA-256 PCR values; r points into the struct. */
typedef struct soft_request {
    uint8_t nonce[32], att[512], sig[512];
    att__tpm_pcr_value vals[24];
    att__tpm_request r;
} soft_request;

static void soft_request_init(soft_request *sr, const soft_tpm *t, const att__tpm_context *c)
{
    static const char jwk[] = "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"xyz\"}";
    uint8_t zero = 0;
    att__hash_ctx *h;
    assert_int_equal(att__hash_new(ATT_HASH_SHA256, &h), ATT_OK);
    att__hash_update(h, jwk, strlen(jwk));
    att__hash_update(h, &zero, 1);
    att__hash_update(h, c->challenge, ATT_TPM_CHALLENGE_LEN);
    att__hash_final(h, sr->nonce);
    att__hash_free(h);
    size_t al, sl;
    soft_quote(t, sr->nonce, sr->att, &al, sr->sig, &sl);
    for (int i = 0; i < 24; i++)
        sr->vals[i] = (att__tpm_pcr_value){
            .alg = 0x000b, .index = (unsigned)i, .digest = t->pcrs[i], .len = 32};
    att__tpm_request *r = &sr->r;
    memset(r, 0, sizeof(*r));
    r->jwk_text = jwk;
    r->quote_hash_alg = 0x000b;
    r->challenge = c->challenge;
    r->challenge_len = ATT_TPM_CHALLENGE_LEN;
    r->quote = sr->att, r->quote_len = al, r->signature = sr->sig, r->signature_len = sl;
    r->aik_pub = t->pub, r->aik_pub_len = t->pub_len;
    r->pcrs = sr->vals, r->n_pcrs = 24;
}

static void quote_checks(void **state)
{
    (void)state;
    att_diag d;
    att__tpm_service *s = NULL;
    assert_int_equal(att__tpm_service_new("", "", 0, &s, &d), ATT_OK);
    soft_tpm t, other;
    soft_tpm_init(&t);
    soft_tpm_init(&other);
    att__tpm_context c = sample(1000);
    memcpy(c.ak_name, t.name, 34);
    c.ak_name_len = 34;
    soft_request sr;
    soft_request_init(&sr, &t, &c);
    uint8_t *nonce = sr.nonce, *att = sr.att, *sig = sr.sig;
    size_t al = sr.r.quote_len, sl = sr.r.signature_len;
    att__tpm_pcr_value *vals = sr.vals;
    att__tpm_request r = sr.r;
    att__tpm_quoted q;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 1, 0xffffff, 1100, &q, &d), ATT_OK);
    assert_true(q.aik_validated);
    assert_string_equal(q.binding, "ek_cert");
    assert_int_equal(q.n_banks, 1);
    assert_memory_equal(q.values[0][5], t.pcrs[5], 32);
    /* again: the AK now comes from the cache */
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 1, 0xffffff, 1100, &q, &d), ATT_OK);

    /* a quote over another nonce (the client answered an old challenge) */
    uint8_t wrong[32];
    memcpy(wrong, nonce, 32);
    wrong[0] ^= 1;
    uint8_t att2[512], sig2[512];
    size_t al2, sl2;
    soft_quote(&t, wrong, att2, &al2, sig2, &sl2);
    r.quote = att2, r.quote_len = al2, r.signature = sig2, r.signature_len = sl2;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 1, 0xffffff, 1100, &q, &d), ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "wrong nonce: the quote's extraData"));
    r.quote = att, r.quote_len = al, r.signature = sig, r.signature_len = sl;

    /* a PCR value that is not the quoted one */
    uint8_t bad[32];
    memset(bad, 0x77, 32);
    vals[7].digest = bad;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 1, 0xffffff, 1100, &q, &d), ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "pcrDigest"));
    vals[7].digest = t.pcrs[7];

    /* the AK of another TPM: its quote verifies, but it is not the AK bound at init */
    soft_quote(&other, nonce, att2, &al2, sig2, &sl2);
    r.quote = att2, r.quote_len = al2, r.signature = sig2, r.signature_len = sl2;
    r.aik_pub = other.pub, r.aik_pub_len = other.pub_len;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 1, 0xffffff, 1100, &q, &d), ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "foreign AK"));
    /* in aikcert mode without a certificate: refused when the policy requires one */
    c.mode = ATT_TPM_MODE_AIKCERT;
    att_diag_clear(&d);
    assert_int_not_equal(att__tpm_verify_quote(s, &r, &c, 1, 0xffffff, 1100, &q, &d), ATT_OK);
    assert_non_null(strstr(d.message, "require_valid_aik_cert"));
    att_diag_clear(&d);
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 0, 0xffffff, 1100, &q, &d), ATT_OK);
    assert_false(q.aik_validated);
    assert_string_equal(q.binding, "none");
    /* the signature by the right AK over someone else's quote bytes */
    r.aik_pub = t.pub, r.aik_pub_len = t.pub_len;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 0, 0xffffff, 1100, &q, &d), ATT_ESIG);
    /* a required PCR that is not quoted: only PCR 0-23 exist, ask for them all but send
     * an answer to the wrong challenge first */
    r.challenge_len = 3;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 0, 0xffffff, 1100, &q, &d), ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "wrong nonce: att_data.challenge"));
    att__pkey_free(t.ak);
    att__pkey_free(other.ak);
    att__tpm_service_free(s);
}

/* An X.509 certificate for key k, signed by ca_key (a self-signed CA when ca is NULL),
 * valid [nb, na] (epoch seconds). */
static X509 *make_cert(EVP_PKEY *k, EVP_PKEY *ca_key, X509 *ca, const char *cn, int64_t nb,
                       int64_t na)
{
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 2 : 1);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : name);
    X509_set_pubkey(x, k);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, ca ? ca : x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
                                              ca ? "critical,CA:FALSE" : "critical,CA:TRUE");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
                              ca ? "critical,digitalSignature" : "critical,keyCertSign,cRLSign");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
    return x;
}

/* aikcert mode: an AIK certificate is verified once per (certificate, AK) and the verdict
 * reused only inside the window the verification holds for; another AK presenting the same
 * certificate is still a foreign AK. */
static void aik_certificate_verdict_cache(void **state)
{
    (void)state;
    att_diag d;
    soft_tpm t, other;
    soft_tpm_init(&t);
    soft_tpm_init(&other);
    EVP_PKEY *ca_key = NULL;
    assert_int_equal(att__rsa_generate(2048, &ca_key), ATT_OK);
    X509 *ca = make_cert(ca_key, ca_key, NULL, "Test AIK CA", 500, 100000);
    X509 *leaf = make_cert(t.ak, ca_key, ca, "Test AIK", 1000, 5000);
    char dir[400], ca_path[512];
    snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
    snprintf(ca_path, sizeof(ca_path), "%s/aik-ca.pem", dir);
    FILE *f = fopen(ca_path, "w");
    assert_non_null(f);
    PEM_write_X509(f, ca);
    fclose(f);
    unsigned char *der = NULL;
    int dl = i2d_X509(leaf, &der);
    assert_true(dl > 0);

    att__tpm_service *s = NULL;
    assert_int_equal(att__tpm_service_new("", ca_path, 0, &s, &d), ATT_OK);
    att__tpm_context c = sample(1000);
    c.mode = ATT_TPM_MODE_AIKCERT;
    soft_request sr;
    soft_request_init(&sr, &t, &c);
    size_t al, sl;
    att__tpm_request r = sr.r;
    r.aik_cert = der, r.aik_cert_len = (size_t)dl;

    /* verified, then kept under SHA-256(certificate || SHA-256(AK public)) */
    att__tpm_quoted q;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 1, 0xffffff, 1100, &q, &d), ATT_OK);
    assert_true(q.aik_validated);
    assert_string_equal(q.binding, "aik_cert");
    uint8_t akh[32], key[32];
    att__hash(ATT_HASH_SHA256, t.pub, t.pub_len, akh);
    att__hash_ctx *h;
    assert_int_equal(att__hash_new(ATT_HASH_SHA256, &h), ATT_OK);
    att__hash_update(h, der, (size_t)dl);
    att__hash_update(h, akh, 32);
    att__hash_final(h, key);
    att__hash_free(h);
    assert_non_null(att__tpm_cache_get(s, ATT_TPM_CACHE_AIK, key));
    att_diag_clear(&d);
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 1, 0xffffff, 4000, &q, &d), ATT_OK);
    assert_true(q.aik_validated);

    /* after the certificate's notAfter the verdict does not count: verified again, refused */
    att_diag_clear(&d);
    assert_int_not_equal(att__tpm_verify_quote(s, &r, &c, 1, 0xffffff, 6000, &q, &d), ATT_OK);
    assert_non_null(strstr(d.message, "require_valid_aik_cert"));

    /* another TPM's AK with this certificate: a foreign AK, cached verdict or not */
    soft_quote(&other, sr.nonce, sr.att, &al, sr.sig, &sl);
    r.quote_len = al, r.signature_len = sl;
    r.aik_pub = other.pub, r.aik_pub_len = other.pub_len;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_verify_quote(s, &r, &c, 0, 0xffffff, 1100, &q, &d), ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "foreign AK"));

    OPENSSL_free(der);
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    att__pkey_free(t.ak);
    att__pkey_free(other.ak);
    att__tpm_service_free(s);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(context_seal_open_tamper_expire),
        cmocka_unit_test(cache_put_get),
        cmocka_unit_test(message_envelope),
        cmocka_unit_test(request_jws),
        cmocka_unit_test(quote_checks),
        cmocka_unit_test(aik_certificate_verdict_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
