/* TPM protocol messages (attest_tpm.h): the {"data": b64url(JSON)} envelope and the
 * request JWS (maa.md §1.6): header, signing key, signature, then the body's fields. The
 * signature is checked before any other field is trusted. */
#include "server/attest_tpm.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "server/reqjson.h"

/* Decodes base64(url) text into arena memory. */
static int arena_b64(att__arena *a, const char *s, size_t n, size_t max, const char *field,
                     const uint8_t **out, size_t *len, att_diag *d)
{
    *out = NULL;
    *len = 0;
    if (n / 4 * 3 > max + 3)
        return att_diag_fail(d, ATT_ELIMIT, "request.field.size", field,
                             "field '%s' decodes to more than %zu bytes", field, max);
    uint8_t *buf = att__arena_alloc(a, att__b64_dec_max(n) + 1);
    if (!buf)
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", field, "out of memory");
    if (att__b64_decode(s, n, buf, len) != ATT_OK)
        return att_diag_fail(d, ATT_EINVAL, "request.field.base64", field,
                             "field '%s' is not valid base64url", field);
    if (*len > max)
        return att_diag_fail(d, ATT_ELIMIT, "request.field.size", field,
                             "field '%s' decodes to more than %zu bytes", field, max);
    buf[*len] = 0;
    *out = buf;
    return ATT_OK;
}

/* A base64url string member of obj, decoded; `path` names it in messages. */
static int member_b64(att__arena *a, const json_t *obj, const char *name, const char *path,
                      int required, size_t max, const uint8_t **out, size_t *len, att_diag *d)
{
    *out = NULL;
    *len = 0;
    const json_t *v = att__reqjson_get(obj, name);
    if (!v || json_is_null(v)) {
        if (required)
            return att_diag_fail(d, ATT_EINVAL, "request.field.missing", path,
                                 "required field '%s' is missing", path);
        return ATT_OK;
    }
    if (!json_is_string(v))
        return att_diag_fail(d, ATT_EINVAL, "request.field.type", path,
                             "field '%s' must be a base64url string", path);
    return arena_b64(a, json_string_value(v), json_string_length(v), max, path, out, len, d);
}

int att__tpm_message_parse(const json_t *body, json_t **payload, int *kind, att_diag *d)
{
    *payload = NULL;
    *kind = 0;
    const char *data;
    int rc = att__reqjson_string(body, "data", 1, &data, d);
    if (rc != ATT_OK)
        return rc;
    size_t n = json_string_length(att__reqjson_get(body, "data"));
    uint8_t *raw = NULL;
    size_t len = 0;
    if (att__b64_decode_alloc(data, n, &raw, &len) != ATT_OK)
        return att_diag_fail(d, ATT_EINVAL, "tpm.message.base64", "data",
                             "field 'data' is not valid base64url");
    json_t *msg = NULL;
    att_diag sub;
    att_diag_clear(&sub);
    rc = att__reqjson_parse((const char *)raw, len, &msg, &sub);
    free(raw);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "tpm.message.json", "data",
                             "field 'data' does not decode to JSON: %s", sub.message);
    const json_t *p = att__reqjson_get(msg, "payload");
    if (!json_is_object(p)) {
        json_decref(msg);
        return att_diag_fail(d, ATT_EINVAL, "tpm.message.payload", "data.payload",
                             "the TPM message has no 'payload' object");
    }
    if (att__reqjson_get(p, "request"))
        *kind = 2;
    else if (att__reqjson_get(p, "type"))
        *kind = 1;
    else {
        json_decref(msg);
        return att_diag_fail(d, ATT_EINVAL, "tpm.message.kind", "data.payload",
                             "the TPM message payload has neither 'type' (init) nor 'request'");
    }
    *payload = json_incref((json_t *)p);
    json_decref(msg);
    return ATT_OK;
}

/* The RSA public key of a JWK {"kty":"RSA","n","e"}. */
static int jwk_key(const json_t *jwk, const char *field, att__pkey **out, att_diag *d)
{
    *out = NULL;
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *n = json_string_value(json_object_get(jwk, "n"));
    const char *e = json_string_value(json_object_get(jwk, "e"));
    if (!kty || strcmp(kty, "RSA") != 0 || !n || !e)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.request.key", field,
                             "%s must be an RSA JWK with n and e", field);
    uint8_t *nb = NULL, *eb = NULL;
    size_t nl = 0, el = 0;
    int rc = att__b64_decode_alloc(n, strlen(n), &nb, &nl);
    if (rc == ATT_OK)
        rc = att__b64_decode_alloc(e, strlen(e), &eb, &el);
    if (rc == ATT_OK && (nl < 128 || nl > 1024 || el == 0 || el > 8))
        rc = ATT_EINVAL; /* RSA-1024 to RSA-8192 */
    if (rc == ATT_OK)
        rc = att__pkey_rsa_from_ne(nb, nl, eb, el, out);
    free(nb);
    free(eb);
    if (rc != ATT_OK)
        return att_diag_fail(d, ATT_EINVAL, "tpm.request.key", field,
                             "%s is not a usable RSA public key", field);
    return ATT_OK;
}

/* The PCR values: [{"algorithm": TPM_ALG_ID, "values": [{"index", "digest"}]}]. */
static int parse_pcrs(const json_t *arr, att__arena *a, att__tpm_request *out, att_diag *d)
{
    const char *f = "tpm_att_data.current_attestation.pcrs";
    if (!arr || json_is_null(arr))
        return ATT_OK;
    if (!json_is_array(arr) || json_array_size(arr) > 5)
        return att_diag_fail(d, ATT_EINVAL, "request.field.type", f,
                             "field '%s' must be an array of at most 5 banks", f);
    size_t total = 0, i;
    const json_t *bank;
    json_array_foreach(arr, i, bank)
    {
        const json_t *vals = json_object_get(bank, "values");
        if (!json_is_array(vals) || json_array_size(vals) > 24)
            return att_diag_fail(d, ATT_EINVAL, "request.field.type", f,
                                 "%s[%zu].values must be an array of at most 24 PCRs", f, i);
        total += json_array_size(vals);
    }
    out->pcrs = att__arena_alloc(a, (total ? total : 1) * sizeof(*out->pcrs));
    if (!out->pcrs)
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", f, "out of memory");
    json_array_foreach(arr, i, bank)
    {
        const json_t *alg = json_object_get(bank, "algorithm");
        if (!json_is_integer(alg) || json_integer_value(alg) <= 0 ||
            json_integer_value(alg) > 0xffff)
            return att_diag_fail(d, ATT_EINVAL, "request.field.type", f,
                                 "%s[%zu].algorithm must be a TPM_ALG_ID number (11 = SHA-256)", f,
                                 i);
        size_t j;
        const json_t *v;
        json_array_foreach(json_object_get(bank, "values"), j, v)
        {
            const json_t *idx = json_object_get(v, "index");
            const json_t *dg = json_object_get(v, "digest");
            if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
                json_integer_value(idx) > 23 || !json_is_string(dg))
                return att_diag_fail(d, ATT_EINVAL, "request.field.type", f,
                                     "%s[%zu].values[%zu] must be {\"index\": 0-23, \"digest\": "
                                     "base64url}",
                                     f, i, j);
            att__tpm_pcr_value *pv = &out->pcrs[out->n_pcrs++];
            pv->alg = (uint16_t)json_integer_value(alg);
            pv->index = (unsigned)json_integer_value(idx);
            int rc = arena_b64(a, json_string_value(dg), json_string_length(dg), 64, f, &pv->digest,
                               &pv->len, d);
            if (rc != ATT_OK)
                return rc;
        }
    }
    return ATT_OK;
}

/* current_attestation (v2) or the v1 tpm_att_data members we understand. */
static int parse_tpm_data(const json_t *td, att__arena *a, att__tpm_request *out, att_diag *d)
{
    const char *f = "tpm_att_data";
    if (!json_is_object(td))
        return att_diag_fail(d, ATT_EINVAL, "request.field.missing", f,
                             "required field 'att_data.tpm_att_data' is missing");
    const json_t *cur = out->version == 2 ? json_object_get(td, "current_attestation") : td;
    if (!json_is_object(cur))
        return att_diag_fail(d, ATT_EINVAL, "request.field.missing",
                             "tpm_att_data.current_attestation",
                             "required field 'tpm_att_data.current_attestation' is missing");
    int rc;
    if ((rc = member_b64(a, cur, "quote", "current_attestation.quote", 1, 1024, &out->quote,
                         &out->quote_len, d)) != ATT_OK ||
        (rc = member_b64(a, cur, "signature", "current_attestation.signature", 1, 1024,
                         &out->signature, &out->signature_len, d)) != ATT_OK ||
        (rc = member_b64(a, cur, "aik_pub", "current_attestation.aik_pub", 1, 1024, &out->aik_pub,
                         &out->aik_pub_len, d)) != ATT_OK ||
        (rc = member_b64(a, cur, "aik_cert", "current_attestation.aik_cert", 0, 16384,
                         &out->aik_cert, &out->aik_cert_len, d)) != ATT_OK)
        return rc;
    if ((rc = parse_pcrs(json_object_get(cur, "pcrs"), a, out, d)) != ATT_OK)
        return rc;
    const json_t *logs = json_object_get(cur, "logs");
    if (logs && !json_is_array(logs))
        return att_diag_fail(d, ATT_EINVAL, "request.field.type", "current_attestation.logs",
                             "field 'current_attestation.logs' must be an array");
    size_t i;
    const json_t *l;
    json_array_foreach(logs, i, l)
    {
        const char *type = json_string_value(json_object_get(l, "type"));
        if (!type)
            return att_diag_fail(d, ATT_EINVAL, "request.field.type", "current_attestation.logs",
                                 "current_attestation.logs[%zu] needs a \"type\" (TCG or IMA)", i);
        if (strcasecmp(type, "TCG") == 0)
            rc = member_b64(a, l, "log", "current_attestation.logs[TCG].log", 1, ATT_MAX_EVIDENCE,
                            &out->tcg_log, &out->tcg_log_len, d);
        else if (strcasecmp(type, "IMA") == 0)
            rc = member_b64(a, l, "log", "current_attestation.logs[IMA].log", 1,
                            ATT_MAX_REQUEST_BODY, &out->ima_log, &out->ima_log_len, d);
        else
            rc = att_diag_fail(
                d, ATT_EUNSUPPORTED, "request.field.value", "current_attestation.logs",
                "current_attestation.logs[%zu].type '%.20s' is not TCG or IMA", i, type);
        if (rc != ATT_OK)
            return rc;
    }
    return ATT_OK;
}

/* Splits compact JWS text into its three segments. */
static int jws_split(const char *s, size_t n, size_t dot[2])
{
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '.')
            continue;
        if (k == 2)
            return 0;
        dot[k++] = i;
    }
    return k == 2;
}

int att__tpm_request_parse(const json_t *payload, att__arena *a, att__tpm_request *out, att_diag *d)
{
    memset(out, 0, sizeof(*out));
    const json_t *rj = att__reqjson_get(payload, "request");
    if (!json_is_string(rj))
        return att_diag_fail(d, ATT_EINVAL, "request.field.type", "payload.request",
                             "field 'payload.request' must be a JWS string");
    const char *jws = json_string_value(rj);
    size_t n = json_string_length(rj), dot[2];
    if (n > ATT_MAX_REQUEST_BODY || !jws_split(jws, n, dot))
        return att_diag_fail(d, ATT_EINVAL, "tpm.jws.malformed", "payload.request",
                             "bad JWS: payload.request is not a compact JWS "
                             "(header.payload.signature)");
    const uint8_t *hdr, *body, *sig;
    size_t hlen, blen, slen;
    int rc;
    att_diag seg;
    att_diag_clear(&seg);
    if (arena_b64(a, jws, dot[0], 4096, "request JWS header", &hdr, &hlen, &seg) != ATT_OK ||
        arena_b64(a, jws + dot[0] + 1, dot[1] - dot[0] - 1, ATT_MAX_REQUEST_BODY,
                  "request JWS payload", &body, &blen, &seg) != ATT_OK ||
        arena_b64(a, jws + dot[1] + 1, n - dot[1] - 1, 1024, "request JWS signature", &sig, &slen,
                  &seg) != ATT_OK)
        return att_diag_fail(d, seg.err == ATT_ENOMEM ? ATT_ENOMEM : ATT_EINVAL,
                             "tpm.jws.malformed", "payload.request", "bad JWS: %s", seg.message);
    json_t *h = json_loadb((const char *)hdr, hlen, JSON_REJECT_DUPLICATES, NULL);
    const char *alg = json_string_value(json_object_get(h, "alg"));
    const char *typ = json_string_value(json_object_get(h, "typ"));
    int pss = alg && strcmp(alg, "PS256") == 0;
    if (pss)
        alg = "PS256";
    else if (alg && strcmp(alg, "RS256") == 0)
        alg = "RS256";
    else
        alg = NULL;
    if (!json_is_object(h) || !alg) {
        json_decref(h);
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.jws.alg", "payload.request",
                             "bad JWS: the request header must be a JSON object with alg PS256 "
                             "or RS256");
    }
    out->version = typ && strcmp(typ, "attReqV2") == 0 ? 2 : 1;
    if (typ && strcmp(typ, "attReq") != 0 && strcmp(typ, "attReqV2") != 0) {
        char t[24];
        snprintf(t, sizeof(t), "%.20s", typ);
        json_decref(h);
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.jws.typ", "payload.request",
                             "bad JWS: header typ '%s' is not attReq or attReqV2", t);
    }
    json_decref(h); /* alg now points at a literal, typ is no longer used */
    att_diag sub;
    att_diag_clear(&sub);
    if ((rc = att__reqjson_parse((const char *)body, blen, &out->body, &sub)) != ATT_OK)
        return att_diag_fail(d, rc, "tpm.jws.payload", "payload.request",
                             "bad JWS: the request payload is not JSON: %s", sub.message);
    const json_t *ad = json_object_get(out->body, "att_data");
    if (!json_is_object(ad))
        return att_diag_fail(d, ATT_EINVAL, "request.field.missing", "att_data",
                             "required field 'att_data' is missing from the request JWS");
    const char *kf = out->version == 2 ? "att_data.request_key.jwk" : "att_data.attest_key";
    const json_t *rk = json_object_get(ad, "request_key");
    out->jwk = out->version == 2 ? json_object_get(rk, "jwk") : json_object_get(ad, "attest_key");
    if (!json_is_object(out->jwk))
        return att_diag_fail(d, ATT_EINVAL, "request.field.missing", kf,
                             "required field '%s' (the JWK that signs the request) is missing", kf);
    att__pkey *key = NULL;
    if ((rc = jwk_key(out->jwk, kf, &key, d)) != ATT_OK)
        return rc;
    size_t silen = dot[1];
    rc = pss ? att__rsa_pss_verify(key, ATT_HASH_SHA256, jws, silen, sig, slen, -2)
             : att__rsa_pkcs1_verify(key, ATT_HASH_SHA256, jws, silen, sig, slen);
    att__pkey_free(key);
    if (rc != ATT_OK)
        return att_diag_fail(d, ATT_ESIG, "tpm.jws.signature", "payload.request",
                             "bad JWS: the request signature (%s) does not verify with %s", alg,
                             kf);
    /* From here the body is the key holder's. */
    char *canon = json_dumps(out->jwk, JSON_COMPACT | JSON_SORT_KEYS);
    out->jwk_text = canon ? att__arena_strdup(a, canon) : NULL;
    free(canon);
    if (!out->jwk_text)
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", kf, "out of memory");
    out->quote_hash_alg = 0x000b; /* SHA-256 */
    const json_t *ha =
        json_object_get(json_object_get(json_object_get(rk, "info"), "tpm_quote"), "hash_alg");
    if (ha) {
        const char *hs = json_string_value(ha);
        if (json_is_integer(ha) && json_integer_value(ha) == 0x000b)
            out->quote_hash_alg = 0x000b;
        else if (hs && (strcasecmp(hs, "sha256") == 0 || strcasecmp(hs, "sha-256") == 0))
            out->quote_hash_alg = 0x000b;
        else if (hs && (strcasecmp(hs, "sha384") == 0 || strcasecmp(hs, "sha-384") == 0))
            out->quote_hash_alg = 0x000c;
        else
            return att_diag_fail(d, ATT_EUNSUPPORTED, "request.field.value",
                                 "att_data.request_key.info.tpm_quote.hash_alg",
                                 "request_key.info.tpm_quote.hash_alg must be sha256 or sha384");
    }
    out->att_type = json_string_value(json_object_get(out->body, "att_type"));
    if (out->att_type && strcmp(out->att_type, "basic") != 0)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "request.field.value", "att_type",
                             "att_type '%.20s' is not supported (only \"basic\": VBS reports "
                             "are not verified by attestd)",
                             out->att_type);
    const json_t *sc = json_object_get(ad, "service_context");
    if (!json_is_string(sc))
        return att_diag_fail(d, ATT_EINVAL, "request.field.missing", "att_data.service_context",
                             "required field 'att_data.service_context' is missing");
    out->service_context = json_string_value(sc);
    out->service_context_len = json_string_length(sc);
    if ((rc = member_b64(a, ad, "challenge", "att_data.challenge", 1, 64, &out->challenge,
                         &out->challenge_len, d)) != ATT_OK)
        return rc;
    const json_t *rp = json_object_get(ad, "rp_data");
    if (rp && !json_is_null(rp)) {
        if (!json_is_string(rp))
            return att_diag_fail(d, ATT_EINVAL, "request.field.type", "att_data.rp_data",
                                 "field 'att_data.rp_data' must be a base64url string");
        out->rp_data = json_string_value(rp);
    }
    out->custom_claims = json_object_get(ad, "custom_claims");
    return parse_tpm_data(json_object_get(ad, "tpm_att_data"), a, out, d);
}

void att__tpm_request_clear(att__tpm_request *r)
{
    json_decref(r->body);
    r->body = NULL;
}
