/* POST /attest/SgxEnclave and /attest/OpenEnclave (reference/maa.md §1.3, §1.12, §2.10):
 * parse, pick the policy (the provider's compiled one from the snapshot, or a draft),
 * verify with the collateral in memory, evaluate, and answer the token. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "server/attest_sgx.h"
#include "server/server.h"
#include "token/token.h"

/* Verification failures are the client's (400 InvalidParameter, maa.md §1.12) except
 * resource exhaustion and internal faults. */
static void respond_verify_error(att__req *r, int rc, const att_diag *d)
{
    if (rc == ATT_ENOMEM || rc == ATT_EINTERNAL || rc == ATT_ECRYPTO) {
        att__respond_diag(r, rc, d);
        return;
    }
    att__respond_error(r, 400, "InvalidParameter", "%s",
                       d->message[0] ? d->message : att_strerror(rc));
}

/* x-ms-policy-signer of a stored policy (prepared in the snapshot), as a new reference the
 * request owns, or NULL. */
static json_t *policy_signer(const att__policy *pol)
{
    const json_t *s = att__policy_signer(pol);
    return s ? json_deep_copy(s) : NULL;
}

void att__attest_sgx_handle(att__req *r, att__att_type t, const json_t *body)
{
    att_diag d;
    att_diag_clear(&d);
    att__sgx_request req;
    int rc = att__req_preview(r) ? att__sgx_request_parse_preview(body, t, &r->arena, &req, &d)
                                 : att__sgx_request_parse(body, t, &r->arena, &req, &d);
    if (rc != ATT_OK) {
        respond_verify_error(r, rc, &d);
        return;
    }
    const att__provider *p = att__req_provider(r);

    /* The policy: a draft is compiled for this request only; a stored or default policy
     * was compiled when it entered the snapshot. */
    att__policy_prog *draft = NULL;
    const att__policy_prog *prog;
    char draft_hash[ATT_POLICY_HASH_LEN + 1];
    const char *hash;
    json_t *signer = NULL;
    if (req.draft_policy) {
        if ((rc = att__policy_compile(req.draft_policy, req.draft_policy_len, &draft, &d)) !=
            ATT_OK) {
            if (rc == ATT_ENOMEM)
                att__respond_diag(r, rc, &d);
            else
                att__respond_error(r, 400, "PolicyParsingError", "%s", d.message);
            return;
        }
        att__policy_hash(req.draft_policy, req.draft_policy_len, draft_hash);
        prog = draft;
        hash = draft_hash;
    } else {
        const att__policy *pol = att__provider_policy(p, t);
        int cerr = ATT_OK;
        prog = att__policy_compiled(pol, &cerr);
        if (!prog) {
            att__respond_error(r, 500, "InternalError",
                               "the %s policy of provider '%s' is not compiled (%s)",
                               att__att_type_name(t), att__provider_name(p), att_strerror(cerr));
            return;
        }
        hash = att__policy_hash_str(pol);
        signer = policy_signer(pol);
    }

    att__app *app = r->app;
    att__sgx_context ctx = {.store = app->collateral,
                            .pcs = app->pcs,
                            .anchors = app->anchors,
                            .n_anchors = app->n_anchors,
                            .at = app->verification_time ? app->verification_time : att__now()};
    att__sgx_verified v;
    rc = att__sgx_verify(&req, &ctx, att__policy_prog_config(prog)->sgx_tcbidentifier, &v, &d);
    if (rc != ATT_OK) {
        att__info("attestation rejected", "type=%s reason=%s message=\"%s\"", att__att_type_name(t),
                  d.reason, d.message);
        respond_verify_error(r, rc, &d);
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
    rc = att__policy_eval(prog, &in, &r->arena, &res, &d);
    if (rc == ATT_EPOLICY) {
        att__respond_error(r, 400, "PolicyEvaluationError", "%s", d.message);
        goto out;
    }
    if (rc != ATT_OK) {
        att__respond_diag(r, rc, &d);
        goto out;
    }
    json_t *claims = att__sgx_token_claims(&req, &v, &res, hash, signer);
    if (!claims)
        att__respond_error(r, 500, "InternalError", "out of memory");
    else
        att__respond_token(r, p, ATT_TOKEN_ATTESTATION, claims, draft != NULL);
    json_decref(claims);
out:
    att__sgx_verified_clear(&v);
    json_decref(signer);
    att__policy_prog_free(draft);
}
