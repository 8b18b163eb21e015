/* libattest's TPM attestation (include/attest/client.h): the /attest/Tpm rounds over
 * libcurl, the request JWS, and the TPM work through tpmdev.c. */
#include "attest/client.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/limits.h"
#include "crypto/aead.h"
#include "crypto/crypto.h"

#define NV_AZURE_AIK_CERT 0x01c101d0u
#define NV_EK_CERT_RSA    0x01c00002u
#define MAX_RESPONSE      (4u * 1024u * 1024u)

/* ---- small helpers ---- */

static int read_file(const char *path, size_t max, uint8_t **out, size_t *n, att_diag *d)
{
    FILE *f = fopen(path, "rb");
    *out = NULL;
    *n = 0;
    if (!f)
        return att_diag_fail(d, ATT_EIO, "client.file", path, "cannot open %s", path);
    att__buf b;
    att__buf_init(&b, max);
    char chunk[65536];
    size_t got;
    int rc = ATT_OK;
    while (rc == ATT_OK && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = att__buf_append(&b, chunk, got);
    int err = ferror(f);
    fclose(f);
    if (rc != ATT_OK || err) {
        att__buf_free(&b);
        return att_diag_fail(d, rc != ATT_OK ? rc : ATT_EIO, "client.file", path,
                             rc == ATT_ELIMIT ? "%s is larger than the limit" : "cannot read %s",
                             path);
    }
    *out = att__buf_steal(&b, n);
    if (!*out)
        *out = calloc(1, 1);
    return *out ? ATT_OK : att_diag_fail(d, ATT_ENOMEM, "client.memory", path, "out of memory");
}

static int write_file(const char *path, const char *text, att_diag *d)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        return att_diag_fail(d, ATT_EIO, "client.file", path, "cannot write %s", path);
    return ATT_OK;
}

static json_t *b64u(const uint8_t *p, size_t n)
{
    char *s = att__b64_encode_alloc(p, n, ATT_B64_URL);
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    return j;
}

/* Decodes a base64url string member into a malloc'd buffer. */
static int get_b64(const json_t *o, const char *name, uint8_t **out, size_t *n, att_diag *d)
{
    const char *s = json_string_value(json_object_get(o, name));
    *out = NULL;
    if (!s || att__b64_decode_alloc(s, strlen(s), out, n) != ATT_OK)
        return att_diag_fail(d, ATT_EPARSE, "client.response", name,
                             "the service's answer has no valid '%s'", name);
    return ATT_OK;
}

/* ---- HTTP ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    return att__buf_append(userp, data, size * nmemb) == ATT_OK ? size * nmemb : 0;
}

/* POSTs {"data": b64url(JSON of {"payload": payload})} and returns the answer's payload
 * (new reference). A service error becomes d with the service's message. */
static int exchange(const char *base, const att_tpm_options *o, json_t *payload, json_t **answer,
                    att_diag *d)
{
    *answer = NULL;
    json_t *msg = json_pack("{s:O}", "payload", payload);
    char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    char *b64 = text ? att__b64_encode_alloc(text, strlen(text), ATT_B64_URL) : NULL;
    json_t *body = b64 ? json_pack("{s:s}", "data", b64) : NULL;
    char *req = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(msg);
    free(text);
    free(b64);
    json_decref(body);
    if (!req)
        return att_diag_fail(d, ATT_ENOMEM, "client.memory", "request", "out of memory");
    if (o->request_out && json_object_get(payload, "request")) {
        int rc = write_file(o->request_out, req, d);
        free(req);
        return rc == ATT_OK ? 1 : rc; /* 1: written, not sent */
    }
    char url[2048];
    snprintf(url, sizeof(url), "%s/attest/Tpm?api-version=%s", base,
             o->api_version ? o->api_version : "2022-08-01");
    CURL *h = curl_easy_init();
    if (!h) {
        free(req);
        return att_diag_fail(d, ATT_ENOMEM, "client.http", "http", "cannot create an HTTP handle");
    }
    att__buf resp;
    att__buf_init(&resp, MAX_RESPONSE);
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    long to = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "libattest-tpm");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, to);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    free(req);
    int rc = ATT_OK;
    json_t *r = NULL;
    if (cc != CURLE_OK) {
        rc = att_diag_fail(d, ATT_EIO, "client.http", url, "POST %s failed: %s", url,
                           errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    r = json_loadb(att__buf_str(&resp), resp.len, 0, NULL);
    if (status != 200) {
        const json_t *e = json_object_get(r, "error");
        rc = att_diag_fail(d, ATT_EDENIED, "client.service", "service",
                           "the service answered %ld %s: %s", status,
                           json_string_value(json_object_get(e, "code"))
                               ? json_string_value(json_object_get(e, "code"))
                               : "",
                           json_string_value(json_object_get(e, "message"))
                               ? json_string_value(json_object_get(e, "message"))
                               : "(no message)");
        goto out;
    }
    uint8_t *inner = NULL;
    size_t ilen = 0;
    if ((rc = get_b64(r, "data", &inner, &ilen, d)) != ATT_OK)
        goto out;
    json_t *m = json_loadb((const char *)inner, ilen, 0, NULL);
    free(inner);
    json_t *p = json_object_get(m, "payload");
    if (!json_is_object(p)) {
        json_decref(m);
        rc = att_diag_fail(d, ATT_EPARSE, "client.response", "payload",
                           "the service's answer has no payload object");
        goto out;
    }
    *answer = json_incref(p);
    json_decref(m);
out:
    json_decref(r);
    att__buf_free(&resp);
    return rc;
}

/* ---- the request ---- */

/* {"kty":"RSA","n","e"} of key. */
static json_t *rsa_jwk(const att__pkey *k)
{
    uint8_t *n = NULL, *e = NULL;
    size_t nl = 0, el = 0;
    if (att__pkey_rsa_ne(k, &n, &nl, &e, &el) != ATT_OK)
        return NULL;
    json_t *j = json_pack("{s:s,s:o,s:o}", "kty", "RSA", "n", b64u(n, nl), "e", b64u(e, el));
    free(n);
    free(e);
    return j;
}

/* header.payload.signature, PS256 with key. */
static char *jws_ps256(const att__pkey *key, const char *payload)
{
    const char hdr[] = "{\"alg\":\"PS256\",\"typ\":\"attReqV2\"}";
    char *h = att__b64_encode_alloc(hdr, strlen(hdr), ATT_B64_URL);
    char *p = att__b64_encode_alloc(payload, strlen(payload), ATT_B64_URL);
    char *out = NULL;
    if (h && p) {
        att__buf b;
        att__buf_init(&b, ATT_MAX_REQUEST_BODY);
        uint8_t *sig = NULL;
        size_t slen = 0;
        int rc = att__buf_appendf(&b, "%s.%s", h, p);
        if (rc == ATT_OK)
            rc = att__rsa_pss_sign(key, ATT_HASH_SHA256, b.data, b.len, &sig, &slen);
        char *s = rc == ATT_OK ? att__b64_encode_alloc(sig, slen, ATT_B64_URL) : NULL;
        if (s && att__buf_appendf(&b, ".%s", s) == ATT_OK)
            out = (char *)att__buf_steal(&b, NULL);
        else
            att__buf_free(&b);
        free(s);
        free(sig);
    }
    free(h);
    free(p);
    return out;
}

static json_t *pcrs_json(att__tpmdev *t, uint16_t alg, uint32_t mask, att_diag *d, int *rc)
{
    uint8_t vals[24][64];
    size_t len = 0;
    *rc = att__tpmdev_pcr_read(t, alg, mask, vals, &len, d);
    if (*rc != ATT_OK)
        return NULL;
    json_t *arr = json_array();
    for (unsigned i = 0; arr && i < 24; i++)
        if (mask & (1u << i))
            json_array_append_new(
                arr, json_pack("{s:i,s:o}", "index", (int)i, "digest", b64u(vals[i], len)));
    return json_pack("{s:i,s:o}", "algorithm", (int)alg, "values", arr);
}

/* The AIK certificate (DER) from a file or the Azure NV index; *der NULL when none. */
static int aik_cert(att__tpmdev *t, const att_tpm_options *o, uint8_t **der, size_t *n, att_diag *d)
{
    *der = NULL;
    *n = 0;
    if (o->aik_cert) {
        att__cert *c = NULL;
        if (att__cert_read_file(o->aik_cert, &c) != ATT_OK)
            return att_diag_fail(d, ATT_EPARSE, "client.aik_cert", o->aik_cert,
                                 "%s is not a PEM or DER certificate", o->aik_cert);
        int rc = att__cert_der(c, der, n);
        att__cert_free(c);
        return rc == ATT_OK ? ATT_OK
                            : att_diag_fail(d, rc, "client.aik_cert", o->aik_cert, "bad cert");
    }
    att_diag sub;
    att_diag_clear(&sub);
    if (att__tpmdev_nv_cert(t, NV_AZURE_AIK_CERT, der, n, &sub) != ATT_OK) {
        *der = NULL;
        *n = 0;
    }
    return ATT_OK;
}

int att_tpm_attest(const char *base_url, const att_tpm_options *o, char **token, att_diag *d)
{
    att_tpm_options defaults;
    if (!o) {
        memset(&defaults, 0, sizeof(defaults));
        o = &defaults;
    }
    *token = NULL;
    att__tpmdev *t = NULL, *qt = NULL;
    uint8_t *ak_pub = NULL, *qak_pub = NULL, *ek_pub = NULL, *ek_cert = NULL, *cert = NULL;
    uint8_t *attest = NULL, *sig = NULL, *log = NULL, *ima = NULL, *challenge = NULL;
    uint8_t *idobj = NULL, *secret = NULL;
    size_t ak_len = 0, qak_len = 0, ek_len = 0, ekc_len = 0, cert_len = 0, at_len = 0, sig_len = 0,
           log_len = 0, ima_len = 0, ch_len = 0, id_len = 0, sec_len = 0;
    json_t *init = NULL, *answer = NULL, *body = NULL, *jwk = NULL;
    att__pkey *key = NULL;
    char *jwk_text = NULL, *btext = NULL, *jws = NULL;
    int ekcert = 0;
    int rc = att__tpmdev_open(o->tcti, &t, d);
    if (rc != ATT_OK)
        goto out;
    if (o->quote_tcti && (rc = att__tpmdev_open(o->quote_tcti, &qt, d)) != ATT_OK)
        goto out;
    if ((rc = att__tpmdev_ak(t, o->ak_handle, &ak_pub, &ak_len, d)) != ATT_OK)
        goto out;
    if (qt && (rc = att__tpmdev_ak(qt, o->ak_handle, &qak_pub, &qak_len, d)) != ATT_OK)
        goto out;
    if ((rc = aik_cert(t, o, &cert, &cert_len, d)) != ATT_OK)
        goto out;
    ekcert = cert == NULL;
    if (ekcert) {
        if ((rc = att__tpmdev_ek(t, &ek_pub, &ek_len, d)) != ATT_OK)
            goto out;
        att_diag sub;
        att_diag_clear(&sub);
        if (!o->init_in &&
            (rc = att__tpmdev_nv_cert(t, NV_EK_CERT_RSA, &ek_cert, &ekc_len, &sub)) != ATT_OK) {
            att_diag_fail(d, rc, "client.ek_cert", "nv",
                          "the TPM has no AIK certificate and no usable RSA EK certificate "
                          "(NV 0x%08x): %s",
                          NV_EK_CERT_RSA, sub.message);
            goto out;
        }
    }
    /* Round 1: init. */
    if (o->init_in) {
        uint8_t *txt = NULL;
        size_t n = 0;
        if ((rc = read_file(o->init_in, 1u << 20, &txt, &n, d)) != ATT_OK)
            goto out;
        answer = json_loadb((const char *)txt, n, 0, NULL);
        free(txt);
        if (!json_is_object(answer)) {
            rc = att_diag_fail(d, ATT_EPARSE, "client.init_in", o->init_in,
                               "%s is not a saved init answer (JSON object)", o->init_in);
            goto out;
        }
    } else {
        if (ekcert)
            init =
                json_pack("{s:s,s:o,s:o,s:o}", "type", "ekcert", "ek_cert", b64u(ek_cert, ekc_len),
                          "ek_pub", b64u(ek_pub, ek_len), "ak_pub", b64u(ak_pub, ak_len));
        else
            init = json_pack("{s:s}", "type", "aikcert");
        if (!init) {
            rc = att_diag_fail(d, ATT_ENOMEM, "client.memory", "init", "out of memory");
            goto out;
        }
        if ((rc = exchange(base_url, o, init, &answer, d)) != ATT_OK)
            goto out;
        if (o->init_out) {
            char *s = json_dumps(answer, JSON_COMPACT);
            rc = s ? write_file(o->init_out, s, d) : ATT_ENOMEM;
            free(s);
            if (rc != ATT_OK)
                goto out;
        }
    }
    const char *sc = json_string_value(json_object_get(answer, "service_context"));
    if (!sc) {
        rc = att_diag_fail(d, ATT_EPARSE, "client.response", "service_context",
                           "the service's challenge has no service_context");
        goto out;
    }
    if (json_object_get(answer, "credential")) {
        const json_t *cr = json_object_get(answer, "credential");
        uint8_t act[64];
        size_t act_len = 0;
        if (!ek_pub && (rc = att__tpmdev_ek(t, &ek_pub, &ek_len, d)) != ATT_OK)
            goto out;
        if ((rc = get_b64(cr, "id_object", &idobj, &id_len, d)) != ATT_OK ||
            (rc = get_b64(cr, "encrypted_secret", &secret, &sec_len, d)) != ATT_OK ||
            (rc = att__tpmdev_activate(t, idobj, id_len, secret, sec_len, act, &act_len, d)) !=
                ATT_OK)
            goto out;
        if (!(challenge = malloc(act_len ? act_len : 1))) {
            rc = att_diag_fail(d, ATT_ENOMEM, "client.memory", "challenge", "out of memory");
            goto out;
        }
        memcpy(challenge, act, act_len);
        ch_len = act_len;
        att__cleanse(act, sizeof(act));
    } else if ((rc = get_b64(answer, "challenge", &challenge, &ch_len, d)) != ATT_OK) {
        goto out;
    }
    /* The request key and the quote bound to it. */
    if ((rc = att__rsa_generate(2048, &key)) != ATT_OK || !(jwk = rsa_jwk(key)) ||
        !(jwk_text = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS))) {
        rc = att_diag_fail(d, rc != ATT_OK ? rc : ATT_ENOMEM, "client.key", "request_key",
                           "cannot create the request key");
        goto out;
    }
    uint8_t nonce[32];
    att__hash_ctx *hc = NULL;
    uint8_t zero = 0;
    if (att__hash_new(ATT_HASH_SHA256, &hc) != ATT_OK ||
        att__hash_update(hc, jwk_text, strlen(jwk_text)) != ATT_OK ||
        att__hash_update(hc, &zero, 1) != ATT_OK ||
        att__hash_update(hc, challenge, ch_len) != ATT_OK || att__hash_final(hc, nonce) != ATT_OK) {
        att__hash_free(hc);
        rc = att_diag_fail(d, ATT_ECRYPTO, "client.nonce", "nonce", "hashing failed");
        goto out;
    }
    att__hash_free(hc);
    /* Logs. */
    const char *lp = o->eventlog ? o->eventlog : ATT_TPM_DEFAULT_EVENTLOG;
    if (lp[0]) {
        att_diag sub;
        att_diag_clear(&sub);
        rc = read_file(lp, ATT_MAX_EVIDENCE, &log, &log_len, o->eventlog ? d : &sub);
        if (rc != ATT_OK && o->eventlog)
            goto out;
        rc = ATT_OK;
    }
    if (o->ima && o->ima[0] &&
        (rc = read_file(o->ima, ATT_MAX_REQUEST_BODY / 2, &ima, &ima_len, d)) != ATT_OK)
        goto out;
    uint32_t mask = o->pcr_mask ? o->pcr_mask : 0xffffffu;
    att__tpmdev *quoter = qt ? qt : t;
    if ((rc = att__tpmdev_quote(quoter, nonce, sizeof(nonce), mask, o->sha1_mask, &attest, &at_len,
                                &sig, &sig_len, d)) != ATT_OK)
        goto out;
    json_t *pcrs = json_array();
    json_t *bank = pcrs_json(quoter, 0x000b, mask, d, &rc);
    if (rc == ATT_OK)
        json_array_append_new(pcrs, bank);
    if (rc == ATT_OK && o->sha1_mask) {
        bank = pcrs_json(quoter, 0x0004, o->sha1_mask, d, &rc);
        if (rc == ATT_OK)
            json_array_append_new(pcrs, bank);
    }
    if (rc != ATT_OK) {
        json_decref(pcrs);
        goto out;
    }
    json_t *logs = json_array();
    if (log)
        json_array_append_new(logs,
                              json_pack("{s:s,s:o}", "type", "TCG", "log", b64u(log, log_len)));
    if (ima)
        json_array_append_new(logs,
                              json_pack("{s:s,s:o}", "type", "IMA", "log", b64u(ima, ima_len)));
    json_t *cur = json_pack("{s:o,s:o,s:o,s:o,s:o}", "logs", logs, "pcrs", pcrs, "quote",
                            b64u(attest, at_len), "signature", b64u(sig, sig_len), "aik_pub",
                            qt ? b64u(qak_pub, qak_len) : b64u(ak_pub, ak_len));
    if (cur && cert)
        json_object_set_new(cur, "aik_cert", b64u(cert, cert_len));
    json_t *ad =
        json_pack("{s:o,s:s,s:{s:O,s:{s:{s:s}}},s:{s:o}}", "challenge", b64u(challenge, ch_len),
                  "service_context", sc, "request_key", "jwk", jwk, "info", "tpm_quote", "hash_alg",
                  "sha256", "tpm_att_data", "current_attestation", cur);
    if (ad && o->rp_data)
        json_object_set_new(ad, "rp_data", json_string(o->rp_data));
    body = ad ? json_pack("{s:s,s:o}", "att_type", "basic", "att_data", ad) : NULL;
    if (!body || !(btext = json_dumps(body, JSON_COMPACT)) || !(jws = jws_ps256(key, btext))) {
        rc = att_diag_fail(d, ATT_ENOMEM, "client.memory", "request", "cannot build the request");
        goto out;
    }
    /* Round 2: the request. */
    json_decref(init);
    init = json_pack("{s:s}", "request", jws);
    json_decref(answer);
    answer = NULL;
    rc = exchange(base_url, o, init, &answer, d);
    if (rc == 1) {
        rc = ATT_OK; /* written to request_out */
        goto out;
    }
    if (rc != ATT_OK)
        goto out;
    const char *report = json_string_value(json_object_get(answer, "report"));
    if (!report) {
        rc = att_diag_fail(d, ATT_EPARSE, "client.response", "report",
                           "the service's answer has no report");
        goto out;
    }
    if (!(*token = strdup(report)))
        rc = att_diag_fail(d, ATT_ENOMEM, "client.memory", "report", "out of memory");
out:
    att__tpmdev_close(qt);
    att__tpmdev_close(t);
    free(ak_pub);
    free(qak_pub);
    free(ek_pub);
    free(ek_cert);
    free(cert);
    free(attest);
    free(sig);
    free(log);
    free(ima);
    if (challenge)
        att__cleanse(challenge, ch_len);
    free(challenge);
    free(idobj);
    free(secret);
    json_decref(init);
    json_decref(answer);
    json_decref(body);
    json_decref(jwk);
    att__pkey_free(key);
    free(jwk_text);
    free(btext);
    free(jws);
    return rc;
}

int att_tpm_enroll(const char *base_url, const att_tpm_options *o, att_tpm_enrollment *out,
                   att_diag *d)
{
    memset(out, 0, sizeof(*out));
    att_tpm_options opts;
    memset(&opts, 0, sizeof(opts));
    if (o)
        opts = *o;
    uint32_t handle = opts.ak_handle ? opts.ak_handle : ATT_TPM_DEFAULT_AK_HANDLE;
    att__tpmdev *t = NULL;
    uint8_t *ak_pub = NULL, *ek_pub = NULL, *ek_cert = NULL, *idobj = NULL, *secret = NULL;
    size_t ak_len = 0, ek_len = 0, ekc_len = 0, id_len = 0, sec_len = 0;
    json_t *init = NULL, *answer = NULL;
    int rc = att__tpmdev_open(opts.tcti, &t, d);
    if (rc != ATT_OK)
        return rc;
    if ((rc = att__tpmdev_ak(t, handle, &ak_pub, &ak_len, d)) != ATT_OK ||
        (rc = att__tpmdev_ak_persist(t, handle, d)) != ATT_OK)
        goto out;
    out->ak_handle = handle;
    /* Name = nameAlg (SHA-256) || SHA-256(TPMT_PUBLIC), the TPM2B size prefix excluded. */
    uint8_t name[34] = {0x00, 0x0b};
    if (ak_len > 2)
        att__hash(ATT_HASH_SHA256, ak_pub + 2, ak_len - 2, name + 2);
    att__hex_encode(name, sizeof(name), 0, out->ak_name);
    att_diag sub;
    att_diag_clear(&sub);
    if (att__tpmdev_nv_cert(t, NV_EK_CERT_RSA, &ek_cert, &ekc_len, &sub) == ATT_OK) {
        uint8_t h[32];
        att__hash(ATT_HASH_SHA256, ek_cert, ekc_len, h);
        att__hex_encode(h, 32, 0, out->ek_cert_sha256);
    }
    if (!base_url)
        goto out;
    if (!ek_cert) {
        rc = att_diag_fail(d, ATT_ENOTFOUND, "client.ek_cert", "nv",
                           "the TPM has no RSA EK certificate (NV 0x%08x) to enroll with",
                           NV_EK_CERT_RSA);
        goto out;
    }
    if ((rc = att__tpmdev_ek(t, &ek_pub, &ek_len, d)) != ATT_OK)
        goto out;
    init = json_pack("{s:s,s:o,s:o,s:o}", "type", "ekcert", "ek_cert", b64u(ek_cert, ekc_len),
                     "ek_pub", b64u(ek_pub, ek_len), "ak_pub", b64u(ak_pub, ak_len));
    if ((rc = exchange(base_url, &opts, init, &answer, d)) != ATT_OK)
        goto out;
    const json_t *cr = json_object_get(answer, "credential");
    uint8_t act[64];
    size_t act_len = 0;
    if ((rc = get_b64(cr, "id_object", &idobj, &id_len, d)) != ATT_OK ||
        (rc = get_b64(cr, "encrypted_secret", &secret, &sec_len, d)) != ATT_OK ||
        (rc = att__tpmdev_activate(t, idobj, id_len, secret, sec_len, act, &act_len, d)) != ATT_OK)
        goto out;
    att__cleanse(act, sizeof(act));
    out->ek_checked = 1;
out:
    att__tpmdev_close(t);
    free(ak_pub);
    free(ek_pub);
    free(ek_cert);
    free(idobj);
    free(secret);
    json_decref(init);
    json_decref(answer);
    return rc;
}
