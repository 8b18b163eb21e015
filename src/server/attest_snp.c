/* POST /attest/SevSnpVm (attest_snp.h; reference/maa.md §1.4, §2.6): the request wrapper,
 * verification, data binding, claims, and the route handler (policy selection, evaluation and
 * the token, as for SGX in attest_route.c). */
#include "server/attest_snp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "server/reqjson.h"
#include "server/server.h"
#include "token/token.h"

/* ---- request ---- */

/* Decodes base64(url) member name of obj into arena memory (NUL-terminated). */
static int member_bytes(const json_t *obj, const char *name, const char *label, int required,
                        size_t max, att__arena *a, const uint8_t **out, size_t *n, att_diag *d)
{
    unsigned char *tmp = NULL;
    *out = NULL;
    *n = 0;
    att_diag sub;
    att_diag_clear(&sub);
    int rc = att__reqjson_bytes(obj, name, required, max, &tmp, n, &sub);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, sub.reason, label, "%s: %s", label, sub.message);
    if (!tmp)
        return ATT_OK;
    uint8_t *copy = att__arena_alloc(a, *n + 1);
    if (copy) {
        memcpy(copy, tmp, *n);
        copy[*n] = 0;
    }
    free(tmp);
    if (!copy)
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", label, "out of memory");
    *out = copy;
    return ATT_OK;
}

int att__snp_request_parse(const json_t *body, att__arena *a, att__snp_request *out, att_diag *d)
{
    memset(out, 0, sizeof(*out));
    if (!json_is_object(body))
        return att_diag_fail(d, ATT_EINVAL, "request.body", "body",
                             "request body must be a JSON object");
    const uint8_t *wrap;
    size_t wn;
    int rc = member_bytes(body, "report", "report", 1, ATT_MAX_EVIDENCE, a, &wrap, &wn, d);
    if (rc != ATT_OK)
        return rc;
    /* A bare 1184-byte report (no wrapper, no chain) is accepted too: its VCEK then comes
     * from the configured certificates or the KDS. */
    if (wn == ATT_SNP_REPORT_SIZE && wrap[0] != '{' && wrap[0] != ' ' && wrap[0] != '\n') {
        out->report = wrap;
        out->report_len = wn;
        goto data;
    }
    /* The wrapper is JSON (clients pretty-print it); trailing NULs from C clients ignored. */
    while (wn > 0 && wrap[wn - 1] == 0)
        wn--;
    json_error_t err;
    json_t *w = json_loadb((const char *)wrap, wn, JSON_REJECT_DUPLICATES, &err);
    if (!w || !json_is_object(w)) {
        json_decref(w);
        return att_diag_fail(d, ATT_EPARSE, "snp.request.report", "report",
                             "report: not base64url of a JSON object {\"SnpReport\", "
                             "\"VcekCertChain\"}%s%s",
                             w ? "" : ": ", w ? "" : err.text);
    }
    const uint8_t *chain = NULL;
    size_t cn = 0;
    rc = member_bytes(w, "SnpReport", "report.SnpReport", 1, ATT_MAX_EVIDENCE, a, &out->report,
                      &out->report_len, d);
    if (rc == ATT_OK)
        rc = member_bytes(w, "VcekCertChain", "report.VcekCertChain", 0, ATT_MAX_EVIDENCE, a,
                          &chain, &cn, d);
    out->has_endorsements = att__reqjson_get(w, "Endorsements") != NULL;
    json_decref(w);
    if (rc != ATT_OK)
        return rc;
    if (chain && cn > 0) {
        out->chain_pem = (const char *)chain;
        out->chain_len = cn;
    }
data:
    return att__attest_common_parse(body, a, &out->runtime, &out->inittime, &out->draft_policy,
                                    &out->draft_policy_len, &out->nonce, d);
}

/* ---- verification ---- */

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    att__hex_encode(p, n, 0, out);
}

/* SHA-256(data) must equal want[0:32]. */
static int bind(const att__sgx_data *data, const uint8_t *want, const char *name,
                const char *target, att_diag *d)
{
    uint8_t h[32];
    char w[65], g[65];
    att__hash(ATT_HASH_SHA256, data->data, data->len, h);
    if (att__ct_equal(h, want, 32))
        return ATT_OK;
    att_diag_fail(d, ATT_EMISMATCH, "snp.binding", name,
                  "%s SHA-256 does not match the report's %s", name, target);
    hex_of(want, 32, w);
    hex_of(h, 32, g);
    att_diag_expect(d, w, g);
    return ATT_EMISMATCH;
}

int att__snp_verify_request(const att__snp_request *req, const att__snp_context *ctx,
                            att__snp_verified *v, att_diag *d)
{
    memset(v, 0, sizeof(*v));
    int rc = att__snp_report_parse(req->report, req->report_len, &v->report, d);
    if (rc != ATT_OK)
        return rc;
    att__snp_verify_opts o = {.chain_bytes = req->chain_pem,
                              .chain_bytes_len = req->chain_len,
                              .pool = ctx->pool,
                              .kds = ctx->kds,
                              .product = ctx->product,
                              .at = ctx->at};
    if ((rc = att__snp_verify(&v->report, &o, &v->result, d)) != ATT_OK)
        return rc;
    if (req->runtime.present) {
        if ((rc = bind(&req->runtime, v->report.report_data, "runtimeData", "REPORT_DATA[0:32]",
                       d)) != ATT_OK)
            return rc;
        if (req->runtime.json && (rc = att__attest_data_json(&req->runtime, "runtimeData",
                                                             &v->runtime_json, d)) != ATT_OK)
            return rc;
    }
    if (req->inittime.present) {
        if ((rc = bind(&req->inittime, v->report.host_data, "initTimeData", "HOST_DATA", d)) !=
            ATT_OK)
            return rc;
        if (req->inittime.json && (rc = att__attest_data_json(&req->inittime, "initTimeData",
                                                              &v->inittime_json, d)) != ATT_OK)
            return rc;
    }
    return ATT_OK;
}

void att__snp_verified_clear(att__snp_verified *v)
{
    json_decref(v->runtime_json);
    json_decref(v->inittime_json);
    v->runtime_json = v->inittime_json = NULL;
}

/* ---- claims ---- */

/* The §2.6 evidence claims shared by the policy input and the token. */
static json_t *evidence_json(const att__snp_verified *v)
{
    json_t *o = att__snp_claims_json(&v->report, &v->result);
    if (!o)
        return NULL;
    int bad = 0;
    if (v->runtime_json)
        bad |= json_object_set(o, "x-ms-runtime", v->runtime_json) != 0;
    if (v->inittime_json)
        bad |= json_object_set(o, "x-ms-inittime", v->inittime_json) != 0;
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int add_value(att__claimset *in, const char *type, const json_t *val)
{
    if (json_is_boolean(val))
        return att__claims_add_bool(in, type, json_is_true(val), NULL);
    if (json_is_integer(val))
        return att__claims_add_int(in, type, json_integer_value(val), NULL);
    if (json_is_string(val))
        return att__claims_add_stringn(in, type, json_string_value(val), json_string_length(val),
                                       NULL);
    return att__claims_add_json(in, type, val, NULL, 0);
}

int att__snp_incoming_claims(const att__snp_request *req, const att__snp_verified *v,
                             att__claimset *in)
{
    (void)req;
    json_t *ev = evidence_json(v);
    if (!ev)
        return ATT_ENOMEM;
    int rc = ATT_OK;
    const char *key;
    json_t *val;
    json_object_foreach(ev, key, val)
    {
        if (rc == ATT_OK)
            rc = add_value(in, key, val);
    }
    json_decref(ev);
    /* attestd's additions (policy input only; docs/internals/evidence-snp.md). */
    char hx[19];
    if (rc == ATT_OK)
        rc = att__claims_add_string(in, "x-ms-sevsnpvm-product",
                                    att__snp_product_name(v->result.product), NULL);
    if (rc == ATT_OK)
        rc = att__claims_add_string(in, "x-ms-sevsnpvm-signer",
                                    v->result.vek.is_vlek ? "VLEK" : "VCEK", NULL);
    if (rc == ATT_OK) {
        snprintf(hx, sizeof(hx), "0x%llx", (unsigned long long)v->report.policy);
        rc = att__claims_add_string(in, "x-ms-sevsnpvm-guest-policy", hx, NULL);
    }
    if (rc == ATT_OK) {
        snprintf(hx, sizeof(hx), "0x%llx", (unsigned long long)v->report.platform_info);
        rc = att__claims_add_string(in, "x-ms-sevsnpvm-platform-info", hx, NULL);
    }
    return rc;
}

json_t *att__snp_token_claims(const att__snp_request *req, const att__snp_verified *v,
                              const att__policy_result *res, const char *policy_hash,
                              const json_t *policy_signer)
{
    return att__attest_token_claims(res, evidence_json(v), 1, policy_hash, policy_signer,
                                    req->nonce);
}

/* ---- the route ---- */

void att__attest_snp_handle(att__req *r, const json_t *body)
{
    const att__att_type t = ATT_TYPE_SEV_SNP_VM;
    att_diag d;
    att_diag_clear(&d);
    att__snp_request req;
    int rc = att__snp_request_parse(body, &r->arena, &req, &d);
    if (rc != ATT_OK) {
        att__attest_reject(r, t, rc, &d);
        return;
    }
    att__attest_policy ap;
    if (!att__attest_policy_pick(r, t, req.draft_policy, req.draft_policy_len, &ap))
        return;
    att__app *app = r->app;
    att__snp_context ctx = {.pool = app->snp_certs,
                            .kds = app->kds,
                            .product = (att__snp_product)app->snp_product,
                            .at = att__attest_time(r)};
    att__snp_verified v;
    rc = att__snp_verify_request(&req, &ctx, &v, &d);
    if (rc != ATT_OK) {
        att__attest_reject(r, t, rc, &d);
        goto out;
    }
    att__claimset in;
    att__claims_init(&in, &r->arena);
    if ((rc = att__snp_incoming_claims(&req, &v, &in)) != ATT_OK) {
        att_diag_fail(&d, rc, "snp.claims", "claims", "cannot build the claims: %s",
                      att_strerror(rc));
        att__respond_diag(r, rc, &d);
        goto out;
    }
    att__policy_result res;
    if (att__attest_policy_eval(r, &ap, &in, &res)) {
        json_t *claims = att__snp_token_claims(&req, &v, &res, ap.hash, ap.signer);
        att__attest_respond(r, &ap, claims);
        json_decref(claims);
    }
out:
    att__snp_verified_clear(&v);
    att__attest_policy_release(&ap);
}
