/* POST /attest/TdxVm (attest_tdx.h): TD quote verification against the collateral in
 * memory, runtime/init-time data binding, claims, policy evaluation and the token. */
#include "server/attest_tdx.h"

#include <stdio.h>
#include <string.h>

#include "collateral/fetch.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "evidence/sgx/td_claims.h"
#include "server/server.h"
#include "token/token.h"

/* ---- verification ---- */

/* SHA-256(data) == target[0:32], then JSON data parsed. */
static int bind_data(const att__sgx_data *in, const char *name, const uint8_t *target,
                     const char *target_name, json_t **json, att_diag *d)
{
    if (!in->present)
        return ATT_OK;
    uint8_t h[32];
    if (att__hash(ATT_HASH_SHA256, in->data, in->len, h) != ATT_OK)
        return att_diag_fail(d, ATT_EINTERNAL, "tdx.hash", name, "SHA-256 failed");
    if (!att__ct_equal(h, target, 32)) {
        char reason[40], want[65], got[65];
        snprintf(reason, sizeof(reason), "tdx.%s",
                 strcmp(name, "runtimeData") == 0 ? "runtime_data" : "inittime_data");
        att_diag_fail(d, ATT_EMISMATCH, reason, name, "%s SHA-256 does not match the TD's %s", name,
                      target_name);
        att__hex_encode(target, 32, 0, want);
        att__hex_encode(h, 32, 0, got);
        att_diag_expect(d, want, got);
        return ATT_EMISMATCH;
    }
    return in->json ? att__attest_data_json(in, name, json, d) : ATT_OK;
}

int att__tdx_verify(const att__sgx_request *req, const att__sgx_context *ctx, att__sgx_verified *v,
                    att_diag *d)
{
    memset(v, 0, sizeof(*v));
    if (att__hash(ATT_HASH_SHA256, req->evidence, req->evidence_len, v->quotehash) != ATT_OK)
        return att_diag_fail(d, ATT_EINTERNAL, "tdx.hash", "quote", "SHA-256 failed");
    int rc = att__quote_parse(req->quote, req->quote_len, &v->quote, d);
    if (rc != ATT_OK)
        return rc;
    const att__quote *q = &v->quote;
    if (q->tee_type != ATT_TEE_TDX ||
        (q->body_type != ATT_QUOTE_BODY_TD10 && q->body_type != ATT_QUOTE_BODY_TD15))
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tdx.tee_type", "quote",
                             "quote: the quote is an SGX enclave quote, not a TD quote (send it "
                             "to /attest/SgxEnclave)");
    if ((rc = att__dcap_find_collateral(q, ctx, v, d)) != ATT_OK)
        return rc;
    rc = att__quote_verify(q, v->collateral, ctx->anchors, ctx->n_anchors, ctx->at, &v->result, d);
    if (rc != ATT_OK)
        return rc;
    if ((rc = bind_data(&req->runtime, "runtimeData", q->td.report_data, "REPORTDATA[0:32]",
                        &v->runtime_json, d)) != ATT_OK)
        return rc;
    return bind_data(&req->inittime, "initTimeData", q->td.mrconfigid, "MRCONFIGID[0:32]",
                     &v->inittime_json, d);
}

/* ---- claims ---- */

/* Adds one JSON member as a claim of type `type`. */
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

/* Evidence claims plus x-ms-runtime / x-ms-inittime. */
static json_t *evidence_json(const att__sgx_verified *v)
{
    json_t *o = att__td_claims(&v->quote, &v->result);
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

int att__tdx_incoming_claims(const att__sgx_request *req, const att__sgx_verified *v,
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
    /* TCB and collateral claims attestd adds (docs/internals/attest-tdx.md) */
    const att__quote_result *r = &v->result;
    const att__tcb_info *ti = att__dcap_tcb_info(v->collateral);
    if (rc == ATT_OK)
        rc = att__claims_add_string(in, "x-ms-tdx-qe-tcb-status",
                                    att__tcb_status_name(r->qe_status), NULL);
    if (rc == ATT_OK && r->tcb_date_str)
        rc = att__claims_add_string(in, "x-ms-tdx-tcb-date", r->tcb_date_str, NULL);
    for (size_t i = 0; rc == ATT_OK && i < r->n_advisories; i++)
        rc = att__claims_add_string(in, "x-ms-tdx-tcb-advisory-ids", r->advisory_ids[i], NULL);
    if (rc == ATT_OK && r->tdx_module_checked)
        rc = att__claims_add_string(in, "x-ms-tdx-module-id", r->tdx_module_id, NULL);
    if (rc == ATT_OK && r->tdx_module_checked)
        rc = att__claims_add_string(in, "x-ms-tdx-module-tcb-status",
                                    att__tcb_status_name(r->tdx_module_status), NULL);
    if (rc == ATT_OK && ti)
        rc = att__claims_add_int(in, "x-ms-tdx-tcb-evaluation-data-number", ti->tcb_eval_number,
                                 NULL);
    if (rc == ATT_OK) {
        char fmspc[13];
        att__hex_encode(r->pck.fmspc, 6, 0, fmspc);
        rc = att__claims_add_string(in, "x-ms-tdx-fmspc", fmspc, NULL);
    }
    if (rc == ATT_OK) {
        json_t *col = att__dcap_collateral_claim(v);
        rc = col ? att__claims_add_json(in, "x-ms-tdx-collateral", col, NULL, 0) : ATT_ENOMEM;
        json_decref(col);
    }
    return rc;
}

json_t *att__tdx_token_claims(const att__sgx_request *req, const att__sgx_verified *v,
                              const att__policy_result *res, const char *policy_hash,
                              const json_t *policy_signer)
{
    /* no x-ms-policy object: MAA's TdxVm tokens carry the issued claims at top level only */
    return att__attest_token_claims(res, evidence_json(v), 0, policy_hash, policy_signer,
                                    req->nonce);
}

/* ---- HTTP ---- */

void att__attest_tdx_handle(att__req *r, const json_t *body)
{
    const att__att_type t = ATT_TYPE_TDX_VM;
    att_diag d;
    att_diag_clear(&d);
    att__sgx_request req;
    int rc = att__sgx_request_parse(body, t, &r->arena, &req, &d);
    if (rc != ATT_OK) {
        att__attest_reject(r, t, rc, &d);
        return;
    }
    att__attest_policy ap;
    if (!att__attest_policy_pick(r, t, req.draft_policy, req.draft_policy_len, &ap))
        return;
    att__sgx_context ctx;
    att__attest_dcap_context(r, &ctx);
    att__sgx_verified v;
    rc = att__tdx_verify(&req, &ctx, &v, &d);
    if (rc != ATT_OK) {
        att__attest_reject(r, t, rc, &d);
        goto out;
    }
    att__claimset in;
    att__claims_init(&in, &r->arena);
    if ((rc = att__tdx_incoming_claims(&req, &v, &in)) != ATT_OK) {
        att_diag_fail(&d, rc, "tdx.claims", "claims", "cannot build the claims: %s",
                      att_strerror(rc));
        att__respond_diag(r, rc, &d);
        goto out;
    }
    att__policy_result res;
    if (att__attest_policy_eval(r, &ap, &in, &res)) {
        json_t *claims = att__tdx_token_claims(&req, &v, &res, ap.hash, ap.signer);
        att__attest_respond(r, &ap, claims);
        json_decref(claims);
    }
out:
    att__sgx_verified_clear(&v);
    att__attest_policy_release(&ap);
}
