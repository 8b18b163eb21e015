/* Unit tests for the /attest/Tpm protocol pieces (src/server/attest_tpm_ctx.c,
 * attest_tpm_req.c): service_context sealing, tampering, expiry and single use; the
 * message envelope; the request JWS (shape, alg, key, signature) and its body fields. */
#include "testutil.h"

#include <jansson.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(context_seal_open_tamper_expire),
        cmocka_unit_test(cache_put_get),
        cmocka_unit_test(message_envelope),
        cmocka_unit_test(request_jws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
