/* The steps every POST /attest/{type} shares (reference/maa.md §1.12, §2.10): pick the
 * policy (the provider's compiled one from the snapshot, or a draft), answer rejections,
 * evaluate, answer the token; and the SgxEnclave / OpenEnclave handler (§1.3): parse,
 * verify with the collateral in memory, evaluate, answer. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "server/attest_sgx.h"
#include "server/server.h"
#include "token/token.h"

/* ---- the steps every /attest/{type} handler shares ---- */

void att__attest_reject(att__req *r, att__att_type t, int rc, const att_diag *d)
{
    att__info("attestation rejected", "type=%s reason=%s message=\"%s\"", att__att_type_name(t),
              d->reason, d->message);
    if (rc == ATT_ENOMEM || rc == ATT_EINTERNAL || rc == ATT_ECRYPTO || rc == ATT_EBUSY) {
        att__respond_diag(r, rc, d);
        return;
    }
    /* On this path only the collateral fetchers (PCS, KDS) fail with I/O errors: the
     * upstream service or the cache is unavailable, not the evidence wrong. */
    if (rc == ATT_EIO) {
        att__respond_error(r, 503, "ServiceUnavailable", "%s",
                           d->message[0] ? d->message : att_strerror(rc));
        return;
    }
    att__respond_error(r, 400, "InvalidParameter", "%s",
                       d->message[0] ? d->message : att_strerror(rc));
}

int att__attest_policy_pick(att__req *r, att__att_type t, const char *draft, size_t draft_len,
                            att__attest_policy *ap)
{
    memset(ap, 0, sizeof(*ap));
    att_diag d;
    att_diag_clear(&d);
    if (draft) {
        int rc = att__policy_compile(draft, draft_len, &ap->compiled_draft, &d);
        if (rc != ATT_OK) {
            if (rc == ATT_ENOMEM)
                att__respond_diag(r, rc, &d);
            else
                att__respond_error(r, 400, "PolicyParsingError", "%s", d.message);
            return 0;
        }
        att__policy_hash(draft, draft_len, ap->draft_hash);
        ap->prog = ap->compiled_draft;
        ap->hash = ap->draft_hash;
        ap->draft = 1;
        return 1;
    }
    const att__provider *p = att__req_provider(r);
    const att__policy *pol = att__provider_policy(p, t);
    int cerr = ATT_OK;
    ap->prog = att__policy_compiled(pol, &cerr);
    if (!ap->prog) {
        att__respond_error(r, 500, "InternalError",
                           "the %s policy of provider '%s' is not compiled (%s)",
                           att__att_type_name(t), att__provider_name(p), att_strerror(cerr));
        return 0;
    }
    ap->hash = att__policy_hash_str(pol);
    /* x-ms-policy-signer, prepared in the snapshot; the request gets its own copy */
    const json_t *s = att__policy_signer(pol);
    ap->signer = s ? json_deep_copy(s) : NULL;
    return 1;
}

void att__attest_policy_release(att__attest_policy *ap)
{
    json_decref(ap->signer);
    att__policy_prog_free(ap->compiled_draft);
    memset(ap, 0, sizeof(*ap));
}

int att__attest_policy_eval(att__req *r, const att__attest_policy *ap, const att__claimset *in,
                            att__policy_result *res)
{
    att_diag d;
    att_diag_clear(&d);
    int rc = att__policy_eval(ap->prog, in, &r->arena, res, &d);
    if (rc == ATT_EPOLICY)
        att__respond_error(r, 400, "PolicyEvaluationError", "%s", d.message);
    else if (rc != ATT_OK)
        att__respond_diag(r, rc, &d);
    return rc == ATT_OK;
}

int64_t att__attest_time(const att__req *r)
{
    return r->app->verification_time ? r->app->verification_time : att__now();
}

void att__attest_dcap_context(const att__req *r, att__sgx_context *ctx)
{
    const att__app *app = r->app;
    *ctx = (att__sgx_context){.store = app->collateral,
                              .pcs = app->pcs,
                              .anchors = app->anchors,
                              .n_anchors = app->n_anchors,
                              .at = att__attest_time(r)};
}

void att__attest_respond(att__req *r, const att__attest_policy *ap, const json_t *claims)
{
    if (!claims)
        att__respond_error(r, 500, "InternalError", "out of memory");
    else
        att__respond_token(r, att__req_provider(r), ATT_TOKEN_ATTESTATION, claims, ap->draft);
}

/* ---- SgxEnclave, OpenEnclave ---- */

void att__attest_sgx_handle(att__req *r, att__att_type t, const json_t *body)
{
    att_diag d;
    att_diag_clear(&d);
    att__sgx_request req;
    int rc = att__req_preview(r) ? att__sgx_request_parse_preview(body, t, &r->arena, &req, &d)
                                 : att__sgx_request_parse(body, t, &r->arena, &req, &d);
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
    rc = att__sgx_verify(&req, &ctx, att__policy_prog_config(ap.prog)->sgx_tcbidentifier, &v, &d);
    if (rc != ATT_OK) {
        att__attest_reject(r, t, rc, &d);
        goto out;
    }
    att__claimset in;
    att__claims_init(&in, &r->arena);
    if ((rc = att__sgx_incoming_claims(&req, &v, &in)) != ATT_OK) {
        att_diag_fail(&d, rc, "sgx.claims", "claims", "cannot build the claims: %s",
                      att_strerror(rc));
        att__respond_diag(r, rc, &d);
        goto out;
    }
    att__policy_result res;
    if (att__attest_policy_eval(r, &ap, &in, &res)) {
        json_t *claims = att__sgx_token_claims(&req, &v, &res, ap.hash, ap.signer);
        att__attest_respond(r, &ap, claims);
        json_decref(claims);
    }
out:
    att__sgx_verified_clear(&v);
    att__attest_policy_release(&ap);
}
