/* POST /attest/Tpm: the init and request rounds of MAA's TPM protocol (attest_tpm.h):
 * challenge issuance, then request verification, policy evaluation and the report JWT,
 * each answered as {"data": b64url({"payload": {...}})}. */
#include "server/attest_tpm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/json.h"
#include "core/log.h"
#include "policy/policy.h"
#include "core/timeutil.h"
#include "server/server.h"
#include "token/token.h"

/* Client mistakes are 400 InvalidParameter (maa.md §1.12); exhaustion and faults are not. */
static void fail(att__req *r, int rc, const att_diag *d)
{
    att__info("tpm attestation rejected", "reason=%s message=\"%s\"", d->reason, d->message);
    if (rc == ATT_ENOMEM || rc == ATT_EINTERNAL || rc == ATT_ECRYPTO) {
        att__respond_diag(r, rc, d);
        return;
    }
    if (rc == ATT_EBUSY) {
        att__respond_error(r, 503, "ServiceUnavailable", "%s", d->message);
        return;
    }
    att__respond_error(r, 400, "InvalidParameter", "%s",
                       d->message[0] ? d->message : att_strerror(rc));
}

/* Responds {"data": b64url(compact JSON of {"payload": payload})}; takes payload. */
static void respond_payload(att__req *r, json_t *payload)
{
    json_t *msg = payload ? json_pack("{s:o}", "payload", payload) : NULL;
    /* members sorted (core/json.h: faster than jansson's writer; order carries no meaning) */
    size_t n = 0;
    char *text = msg ? att__json_dump_sorted(msg, &n) : NULL;
    char *b64 = text ? att__b64_encode_alloc(text, n, ATT_B64_URL) : NULL;
    /* {"data":"<base64url>"}: nothing in base64url to escape */
    char *out = b64 ? malloc(strlen(b64) + 12) : NULL;
    if (out) {
        snprintf(out, strlen(b64) + 12, "{\"data\":\"%s\"}", b64);
        att__respond_json(r, 200, out);
    } else {
        att__respond_error(r, 500, "InternalError", "out of memory");
    }
    free(out);
    free(b64);
    free(text);
    json_decref(msg);
}

static json_t *b64u(const uint8_t *p, size_t n)
{
    char *s = att__b64_encode_alloc(p, n, ATT_B64_URL);
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    return j;
}

/* A base64url member of the init payload, malloc'd. */
static int init_bytes(const json_t *p, const char *name, uint8_t **out, size_t *n, att_diag *d)
{
    const char *s = json_string_value(json_object_get(p, name));
    *out = NULL;
    if (!s)
        return att_diag_fail(d, ATT_EINVAL, "request.field.missing", name,
                             "init type \"ekcert\" needs field '%s' (base64url)", name);
    if (att__b64_decode_alloc(s, strlen(s), out, n) != ATT_OK || *n > ATT_MAX_EVIDENCE) {
        free(*out);
        *out = NULL;
        return att_diag_fail(d, ATT_EINVAL, "request.field.base64", name,
                             "field '%s' is not valid base64url", name);
    }
    return ATT_OK;
}

static void handle_init(att__req *r, att__tpm_service *s, const json_t *payload)
{
    att_diag d;
    att_diag_clear(&d);
    const char *type = json_string_value(json_object_get(payload, "type"));
    int64_t now = att__now();
    att__tpm_context c;
    memset(&c, 0, sizeof(c));
    c.issued = now;
    c.expires = now + att__tpm_service_lifetime(s);
    int rc = att__random(c.id, sizeof(c.id));
    if (rc == ATT_OK)
        rc = att__random(c.challenge, sizeof(c.challenge));
    if (rc != ATT_OK) {
        att_diag_fail(&d, rc, "tpm.random", "challenge", "cannot draw a challenge");
        att__respond_diag(r, rc, &d);
        return;
    }
    json_t *out = NULL;
    const char *sc = NULL;
    if (type && strcmp(type, "aikcert") == 0) {
        c.mode = ATT_TPM_MODE_AIKCERT;
        if ((rc = att__tpm_context_seal(s, &c, &r->arena, &sc, &d)) == ATT_OK)
            out = json_pack("{s:o,s:s}", "challenge", b64u(c.challenge, sizeof(c.challenge)),
                            "service_context", sc);
    } else if (type && strcmp(type, "ekcert") == 0) {
        c.mode = ATT_TPM_MODE_EKCERT;
        uint8_t *ek_cert = NULL, *ek_pub = NULL, *ak_pub = NULL;
        size_t a = 0, b = 0, k = 0;
        json_t *cred = NULL;
        if ((rc = init_bytes(payload, "ek_cert", &ek_cert, &a, &d)) == ATT_OK &&
            (rc = init_bytes(payload, "ek_pub", &ek_pub, &b, &d)) == ATT_OK &&
            (rc = init_bytes(payload, "ak_pub", &ak_pub, &k, &d)) == ATT_OK &&
            (rc = att__tpm_init_ek(s, ek_cert, a, ek_pub, b, ak_pub, k, now, &c, &cred, &d)) ==
                ATT_OK &&
            (rc = att__tpm_context_seal(s, &c, &r->arena, &sc, &d)) == ATT_OK)
            out = json_pack("{s:O,s:s}", "credential", cred, "service_context", sc);
        json_decref(cred);
        free(ek_cert);
        free(ek_pub);
        free(ak_pub);
    } else {
        rc = att_diag_fail(&d, ATT_EUNSUPPORTED, "tpm.init.type", "payload.type",
                           "init payload type must be \"aikcert\" or \"ekcert\"");
    }
    att__cleanse(&c, sizeof(c));
    if (rc != ATT_OK) {
        fail(r, rc, &d);
        return;
    }
    if (!out) {
        att__respond_error(r, 500, "InternalError", "out of memory");
        return;
    }
    respond_payload(r, out);
}

/* Claims object -> policy claim set (booleans, integers, strings; objects as JSON). */
static int to_claimset(const json_t *o, att__claimset *in)
{
    const char *k;
    json_t *v;
    int rc = ATT_OK;
    json_object_foreach((json_t *)o, k, v)
    {
        if (rc != ATT_OK)
            break;
        if (json_is_boolean(v))
            rc = att__claims_add_bool(in, k, json_is_true(v), NULL);
        else if (json_is_integer(v))
            rc = att__claims_add_int(in, k, json_integer_value(v), NULL);
        else if (json_is_string(v))
            rc = att__claims_add_stringn(in, k, json_string_value(v), json_string_length(v), NULL);
        else
            rc = att__claims_add_json(in, k, v, NULL, 0);
    }
    return rc;
}

/* custom_claims [{"name","value","value_type"}] -> incoming claims of those names. */
static int custom_claims(const json_t *cc, json_t *claims, att_diag *d)
{
    if (!cc || json_is_null(cc))
        return ATT_OK;
    if (!json_is_array(cc) || json_array_size(cc) > 64)
        return att_diag_fail(d, ATT_EINVAL, "request.field.type", "att_data.custom_claims",
                             "att_data.custom_claims must be an array of at most 64 "
                             "{\"name\",\"value\"}");
    size_t i;
    const json_t *c;
    json_array_foreach(cc, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        const json_t *val = json_object_get(c, "value");
        if (!name || !val || !name[0] || strlen(name) > 128)
            return att_diag_fail(d, ATT_EINVAL, "request.field.type", "att_data.custom_claims",
                                 "att_data.custom_claims[%zu] needs a name and a value", i);
        /* never let a client shadow a claim the service derives */
        if (!json_object_get(claims, name))
            json_object_set(claims, name, (json_t *)val);
    }
    return ATT_OK;
}

static void handle_request(att__req *r, att__tpm_service *s, const json_t *payload)
{
    att_diag d;
    att_diag_clear(&d);
    int64_t now = att__now();
    att__tpm_request req;
    att__tpm_context c;
    att__tpm_quoted *q = NULL;
    json_t *claims = NULL, *tok = NULL, *signer = NULL;
    int rc = att__tpm_request_parse(payload, &r->arena, &req, &d);
    if (rc != ATT_OK)
        goto fail;
    if ((rc = att__tpm_context_open(s, req.service_context, req.service_context_len, now, &c,
                                    &d)) != ATT_OK)
        goto fail;
    /* Single use: a context is spent by its first request, whatever the outcome. */
    if ((rc = att__tpm_context_consume(s, &c, now, &d)) != ATT_OK)
        goto fail;

    const att__provider *p = att__req_provider(r);
    const att__policy *pol = att__provider_policy(p, ATT_TYPE_TPM);
    int cerr = ATT_OK;
    const att__policy_prog *prog = att__policy_compiled(pol, &cerr);
    if (!prog) {
        att__respond_error(r, 500, "InternalError",
                           "the Tpm policy of provider '%s' is not "
                           "compiled (%s)",
                           att__provider_name(p), att_strerror(cerr));
        goto out;
    }
    const att__policy_config *cfg = att__policy_prog_config(prog);
    if (!(q = calloc(1, sizeof(*q)))) {
        rc = att_diag_fail(&d, ATT_ENOMEM, "request.memory", "quote", "out of memory");
        goto fail;
    }
    if ((rc = att__tpm_verify_quote(s, &req, &c, cfg->require_valid_aik_cert,
                                    cfg->required_pcr_mask, now, q, &d)) != ATT_OK)
        goto fail;
    claims = json_pack("{s:b,s:s,s:s,s:I,s:I}", "aikValidated", q->aik_validated, "aikPubHash",
                       q->aik_pub_hash, "x-ms-tpm-ak-binding", q->binding, "x-ms-tpm-reset-count",
                       (json_int_t)q->reset_count, "x-ms-tpm-restart-count",
                       (json_int_t)q->restart_count);
    if (!claims) {
        rc = att_diag_fail(&d, ATT_ENOMEM, "request.memory", "claims", "out of memory");
        goto fail;
    }
    const char *events = NULL;
    size_t events_len = 0;
    if ((rc = att__tpm_log_claims(s, &req, q, claims, &events, &events_len, &d)) != ATT_OK ||
        (rc = custom_claims(req.custom_claims, claims, &d)) != ATT_OK)
        goto fail;
    json_object_set_new(claims, "vbsReportPresent", json_false());
    if (!json_object_get(claims, "secureBootEnabled")) {
        /* no event log: nothing proves these, so they are false (maa.md §3.7 defaults) */
        json_object_set_new(claims, "secureBootEnabled", json_false());
        json_object_set_new(claims, "bootDebuggingDisabled", json_false());
        json_object_set_new(claims, "notSafeMode", json_false());
        json_object_set_new(claims, "notWinPE", json_false());
        json_object_set_new(claims, "vbsEnabled", json_false());
    }

    att__claimset in;
    att__claims_init(&in, &r->arena);
    rc = to_claimset(claims, &in);
    /* JSON claims are their compact text (policy.h); the log's is made once, when cached */
    if (rc == ATT_OK && events)
        rc = att__claims_add_stringn(&in, "events", events, events_len, NULL);
    if (rc == ATT_OK && events)
        rc = att__claims_add_stringn(&in, "bootEvents", events, events_len, NULL);
    if (rc != ATT_OK) {
        att_diag_fail(&d, rc, "tpm.claims", "claims", "cannot build the claims");
        goto fail;
    }
    att__policy_result res;
    rc = att__policy_eval(prog, &in, &r->arena, &res, &d);
    if (rc == ATT_EPOLICY) {
        att__respond_error(r, 400, "PolicyEvaluationError", "%s", d.message);
        goto out;
    }
    if (rc != ATT_OK) {
        att__respond_diag(r, rc, &d);
        goto out;
    }
    /* The report: policy-issued claims, then the service's (which win). */
    tok = att__claims_token_json(&res.outgoing);
    json_t *policy = res.outgoing.n > 0 && tok ? json_deep_copy(tok) : NULL;
    int bad = !tok;
    if (!bad && policy)
        bad |= json_object_set_new(tok, "x-ms-policy", policy) != 0;
    json_t *key = json_pack("{s:O}", "jwk", req.jwk);
    const json_t *info = json_object_get(
        json_object_get(json_object_get(req.body, "att_data"), "request_key"), "info");
    if (key && info)
        json_object_set(key, "info", (json_t *)info);
    if (!bad)
        bad |= json_object_set_new(tok, "cnf", json_pack("{s:O}", "jwk", req.jwk)) != 0 ||
               json_object_set_new(tok, "x-ms-tpm-request-key", key) != 0 ||
               json_object_set_new(tok, "x-ms-ver", json_string("1.0")) != 0 ||
               json_object_set_new(tok, "x-ms-attestation-type", json_string("tpm")) != 0 ||
               json_object_set_new(tok, "x-ms-policy-hash",
                                   json_string(att__policy_hash_str(pol))) != 0;
    else
        json_decref(key);
    if (!bad && req.rp_data)
        bad |= json_object_set_new(tok, "rp_data", json_string(req.rp_data)) != 0 ||
               json_object_set_new(tok, "nonce", json_string(req.rp_data)) != 0;
    const json_t *ps = att__policy_signer(pol);
    if (!bad && ps)
        bad |= json_object_set(tok, "x-ms-policy-signer", (json_t *)ps) != 0;
    if (bad) {
        att__respond_error(r, 500, "InternalError", "out of memory");
        goto out;
    }
    const att__token_issuer *ti = att__provider_token_issuer(p);
    if (!ti) {
        att__respond_error(r, 503, "ServiceUnavailable",
                           "provider '%s' has no token signing key available",
                           att__provider_name(p));
        goto out;
    }
    char *jwt = NULL;
    /* report_validity_in_minutes (maa.md §3.6; default 1440 = 24 h) sets the lifetime. */
    int64_t minutes = res.props.report_validity_in_minutes;
    if (minutes <= 0 || minutes > 525600)
        minutes = 1440;
    if ((rc = att__token_issue_lifetime(ti, ATT_TOKEN_ATTESTATION, tok, now, minutes * 60, &jwt)) !=
        ATT_OK) {
        att_diag_fail(&d, rc, "token.issue", "token", "cannot issue token: %s", att_strerror(rc));
        att__respond_diag(r, rc, &d);
        goto out;
    }
    respond_payload(r, json_pack("{s:s}", "report", jwt));
    free(jwt);
    goto out;
fail:
    fail(r, rc, &d);
out:
    json_decref(signer);
    json_decref(tok);
    json_decref(claims);
    free(q);
    att__cleanse(&c, sizeof(c));
    att__tpm_request_clear(&req);
}

void att__attest_tpm_handle(att__req *r, const json_t *body)
{
    att__tpm_service *s = r->app->tpm;
    if (!s) {
        att__respond_error(r, 501, "NotImplemented",
                           "TPM attestation is not configured in this attestd");
        return;
    }
    att_diag d;
    att_diag_clear(&d);
    json_t *payload = NULL;
    int kind = 0;
    int rc = att__tpm_message_parse(body, &payload, &kind, &d);
    if (rc != ATT_OK) {
        fail(r, rc, &d);
        return;
    }
    if (kind == 1)
        handle_init(r, s, payload);
    else
        handle_request(r, s, payload);
    json_decref(payload);
}
