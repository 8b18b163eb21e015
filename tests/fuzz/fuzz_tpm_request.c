/* libFuzzer target: the /attest/Tpm message parsers (src/server/attest_tpm_req.c,
 * attest_tpm_ctx.c). The first input byte picks what the rest is:
 *   0: an HTTP body {"data": b64url({"payload": {...}})} -> envelope, init fields, and a
 *      request JWS as sent (its signature rarely verifies: header and key parsing);
 *   1: a request JWS payload (JSON) that the harness signs (PS256) with its own key after
 *      putting that key into att_data.request_key.jwk, so the body parser behind the
 *      signature check is reached;
 *   2: a service_context string (AEAD open, layout decoding). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/codec.h"
#include "crypto/aead.h"
#include "server/attest_tpm.h"
#include "server/reqjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static att__pkey *key;
static json_t *jwk;
static att__tpm_service *svc;

static void setup(void)
{
    if (key)
        return;
    att_diag d;
    att_diag_clear(&d);
    if (att__rsa_generate(2048, &key) != ATT_OK ||
        att__tpm_service_new("", "", 0, &svc, &d) != ATT_OK)
        abort();
    uint8_t *n, *e;
    size_t nl, el;
    if (att__pkey_rsa_ne(key, &n, &nl, &e, &el) != ATT_OK)
        abort();
    char *ns = att__b64_encode_alloc(n, nl, ATT_B64_URL);
    char *es = att__b64_encode_alloc(e, el, ATT_B64_URL);
    jwk = json_pack("{s:s,s:s,s:s}", "kty", "RSA", "n", ns, "e", es);
    free(n);
    free(e);
    free(ns);
    free(es);
}

static void parse_payload(const json_t *payload)
{
    att__arena a;
    att__arena_init(&a);
    att__tpm_request req;
    att_diag d;
    att_diag_clear(&d);
    if (att__tpm_request_parse(payload, &a, &req, &d) == ATT_OK) {
        att__tpm_context c;
        att_diag_clear(&d);
        (void)att__tpm_context_open(svc, req.service_context, req.service_context_len, 0, &c, &d);
    }
    att__tpm_request_clear(&req);
    att__arena_free(&a);
}

/* Signs body (with the harness key inserted) into a JWS and parses it. */
static void signed_body(json_t *body)
{
    json_t *ad = json_object_get(body, "att_data");
    if (json_is_object(ad)) {
        json_t *rk = json_object_get(ad, "request_key");
        if (!json_is_object(rk)) {
            rk = json_object();
            json_object_set_new(ad, "request_key", rk);
        }
        json_object_set(rk, "jwk", jwk);
    }
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        return;
    const char hdr[] = "{\"alg\":\"PS256\",\"typ\":\"attReqV2\"}";
    char *h = att__b64_encode_alloc(hdr, strlen(hdr), ATT_B64_URL);
    char *p = att__b64_encode_alloc(text, strlen(text), ATT_B64_URL);
    size_t n = strlen(h) + strlen(p) + 2;
    char *si = malloc(n);
    snprintf(si, n, "%s.%s", h, p);
    uint8_t *sig = NULL;
    size_t slen = 0;
    if (att__rsa_pss_sign(key, ATT_HASH_SHA256, si, strlen(si), &sig, &slen) == ATT_OK) {
        char *s = att__b64_encode_alloc(sig, slen, ATT_B64_URL);
        size_t m = strlen(si) + strlen(s) + 2;
        char *jws = malloc(m);
        snprintf(jws, m, "%s.%s", si, s);
        json_t *payload = json_pack("{s:s}", "request", jws);
        parse_payload(payload);
        json_decref(payload);
        free(jws);
        free(s);
    }
    free(sig);
    free(si);
    free(h);
    free(p);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 1)
        return 0;
    uint8_t mode = data[0] % 3;
    data++;
    size--;
    att_diag d;
    att_diag_clear(&d);
    if (mode == 2) {
        att__tpm_context c;
        (void)att__tpm_context_open(svc, (const char *)data, size, 0, &c, &d);
        return 0;
    }
    json_t *v = NULL;
    if (att__reqjson_parse((const char *)data, size, &v, &d) != ATT_OK)
        return 0;
    if (mode == 0) {
        json_t *payload = NULL;
        int kind = 0;
        att_diag_clear(&d);
        if (att__tpm_message_parse(v, &payload, &kind, &d) == ATT_OK && kind == 2)
            parse_payload(payload);
        json_decref(payload);
    } else if (json_is_object(v)) {
        signed_body(v);
    }
    json_decref(v);
    return 0;
}
