/* SGX / Open Enclave attestation: request parsing, verification against the collateral in
 * memory, runtime/init-time data binding, and the claims (attest_sgx.h). */
#include "server/attest_sgx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "core/cursor.h"
#include "core/jsondepth.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "collateral/fetch.h"
#include "evidence/oe/oe.h"
#include "server/attest_tdx.h"
#include "server/reqjson.h"

/* ---- request ---- */

/* Decodes the base64(url) member `name` of obj into arena memory (NUL-terminated). */
static int arena_bytes(const json_t *obj, const char *name, const char *label, int required,
                       size_t max, att__arena *a, const uint8_t **out, size_t *n, att_diag *d)
{
    unsigned char *tmp = NULL;
    *out = NULL;
    *n = 0;
    att_diag sub;
    att_diag_clear(&sub);
    int rc = att__reqjson_bytes(obj, name, required, max, &tmp, n, &sub);
    if (rc != ATT_OK) {
        /* Re-word with the full field path ("runtimeData.data"). */
        const char *msg = sub.message;
        char buf[ATT_DIAG_MESSAGE_MAX];
        const char *q = strstr(msg, "field '");
        if (q && label != name) {
            const char *end = strchr(q + 7, '\'');
            snprintf(buf, sizeof(buf), "%.*sfield '%s'%s", (int)(q - msg), msg, label,
                     end ? end + 1 : "");
            msg = buf;
        }
        return att_diag_fail(d, rc, sub.reason, label, "%s", msg);
    }
    if (!tmp)
        return ATT_OK;
    uint8_t *copy = att__arena_alloc(a, *n + 1);
    if (copy)
        memcpy(copy, tmp, *n);
    free(tmp);
    if (!copy)
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", label, "out of memory");
    *out = copy;
    return ATT_OK;
}

/* runtimeData / initTimeData: {data, dataType}. */
static int parse_data(const json_t *body, const char *name, att__arena *a, att__sgx_data *out,
                      att_diag *d)
{
    memset(out, 0, sizeof(*out));
    const json_t *o = att__reqjson_get(body, name);
    if (!o || json_is_null(o))
        return ATT_OK;
    if (!json_is_object(o))
        return att_diag_fail(d, ATT_EINVAL, "request.field.type", name,
                             "field '%s' must be an object {\"data\": \"<base64url>\", "
                             "\"dataType\": \"Binary\"|\"JSON\"}",
                             name);
    char label[64];
    snprintf(label, sizeof(label), "%s.data", name);
    int rc = arena_bytes(o, "data", label, 1, ATT_MAX_RUNTIME_DATA, a, &out->data, &out->len, d);
    if (rc != ATT_OK)
        return rc;
    const char *dt;
    att_diag sub;
    att_diag_clear(&sub);
    snprintf(label, sizeof(label), "%s.dataType", name);
    if (att__reqjson_string(o, "dataType", 0, &dt, &sub) != ATT_OK)
        return att_diag_fail(d, ATT_EINVAL, "request.field.type", label,
                             "field '%s' must be a string", label);
    if (!dt || strcasecmp(dt, "Binary") == 0)
        out->json = 0;
    else if (strcasecmp(dt, "JSON") == 0)
        out->json = 1;
    else
        return att_diag_fail(d, ATT_EINVAL, "request.field.value", label,
                             "field '%s' must be \"Binary\" or \"JSON\" (got \"%.40s\")", label,
                             dt);
    out->present = 1;
    return ATT_OK;
}

/* The evidence member `field`: a quote (SgxEnclave) or an OE report (OpenEnclave), whose
 * quote is then located. */
static int parse_evidence(const json_t *body, att__att_type t, const char *field, att__arena *a,
                          att__sgx_request *out, att_diag *d)
{
    memset(out, 0, sizeof(*out));
    out->type = t;
    if (!json_is_object(body))
        return att_diag_fail(d, ATT_EINVAL, "request.body", "body",
                             "request body must be a JSON object");
    int rc = arena_bytes(body, field, field, 1, ATT_MAX_EVIDENCE, a, &out->evidence,
                         &out->evidence_len, d);
    if (rc != ATT_OK)
        return rc;
    if (out->evidence_len == 0)
        return att_diag_fail(d, ATT_EINVAL, "request.field.empty", field, "field '%s' is empty",
                             field);
    out->quote = out->evidence;
    out->quote_len = out->evidence_len;
    if (t == ATT_TYPE_OPEN_ENCLAVE) {
        /* The legacy OE report (hw-evidence.md §4.1), parsed by the OE module. */
        att__oe_evidence ev;
        if ((rc = att__oe_report_parse(out->evidence, out->evidence_len, &ev, d)) != ATT_OK)
            return rc;
        out->quote = ev.quote;
        out->quote_len = ev.quote_len;
    }
    return ATT_OK;
}

int att__sgx_request_parse_preview(const json_t *body, att__att_type t, att__arena *a,
                                   att__sgx_request *out, att_diag *d)
{
    int rc = parse_evidence(body, t, "Quote", a, out, d);
    if (rc != ATT_OK)
        return rc;
    if ((rc = arena_bytes(body, "EnclaveHeldData", "EnclaveHeldData", 0, ATT_MAX_RUNTIME_DATA, a,
                          &out->runtime.data, &out->runtime.len, d)) != ATT_OK)
        return rc;
    out->runtime.present = out->runtime.data != NULL;
    return ATT_OK;
}

int att__attest_common_parse(const json_t *body, att__arena *a, att__sgx_data *runtime,
                             att__sgx_data *inittime, const char **draft, size_t *draft_len,
                             const char **nonce, att_diag *d)
{
    *draft = *nonce = NULL;
    *draft_len = 0;
    int rc;
    if ((rc = parse_data(body, "runtimeData", a, runtime, d)) != ATT_OK ||
        (rc = parse_data(body, "initTimeData", a, inittime, d)) != ATT_OK)
        return rc;
    const char *s;
    if ((rc = att__reqjson_string(body, "draftPolicyForAttestation", 0, &s, d)) != ATT_OK)
        return rc;
    if (s) {
        size_t n = json_string_length(att__reqjson_get(body, "draftPolicyForAttestation"));
        if (n > ATT_MAX_POLICY_TEXT)
            return att_diag_fail(d, ATT_ELIMIT, "request.field.size", "draftPolicyForAttestation",
                                 "field 'draftPolicyForAttestation' is %zu bytes, at most %u", n,
                                 ATT_MAX_POLICY_TEXT);
        if (!(*draft = att__arena_strndup(a, s, n)))
            return att_diag_fail(d, ATT_ENOMEM, "request.memory", "draftPolicyForAttestation",
                                 "out of memory");
        *draft_len = n;
    }
    if ((rc = att__reqjson_string(body, "nonce", 0, &s, d)) != ATT_OK)
        return rc;
    if (s && !(*nonce = att__arena_strdup(a, s)))
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", "nonce", "out of memory");
    return ATT_OK;
}

int att__sgx_request_parse(const json_t *body, att__att_type t, att__arena *a,
                           att__sgx_request *out, att_diag *d)
{
    int rc = parse_evidence(body, t, t == ATT_TYPE_OPEN_ENCLAVE ? "report" : "quote", a, out, d);
    if (rc != ATT_OK)
        return rc;
    return att__attest_common_parse(body, a, &out->runtime, &out->inittime, &out->draft_policy,
                                    &out->draft_policy_len, &out->nonce, d);
}

/* ---- verification ---- */

/* JSON runtime/init-time data: UTF-8 JSON text; trailing NUL bytes (C clients send the
 * terminator) are not part of it. Nesting is bounded before jansson recurses. */
static int parse_json_data(const att__sgx_data *in, const char *name, json_t **out, att_diag *d)
{
    size_t n = in->len, where;
    while (n > 0 && in->data[n - 1] == 0)
        n--;
    *out = NULL;
    if (!att__json_depth_ok((const char *)in->data, n, ATT_MAX_JSON_DEPTH, &where))
        return att_diag_fail(d, ATT_ELIMIT, "request.data.depth", name,
                             "%s.data nests deeper than %u levels (at byte %zu)", name,
                             ATT_MAX_JSON_DEPTH, where);
    json_error_t err;
    *out = json_loadb((const char *)in->data, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    if (!*out)
        return att_diag_fail(d, ATT_EPARSE, "request.data.json", name,
                             "%s.data has dataType JSON but is not valid JSON: %s", name, err.text);
    return ATT_OK;
}

int att__attest_data_json(const att__sgx_data *in, const char *name, json_t **out, att_diag *d)
{
    return parse_json_data(in, name, out, d);
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    att__hex_encode(p, n, 0, out);
}

int att__dcap_find_collateral(const att__quote *q, const att__sgx_context *ctx,
                              att__sgx_verified *v, att_diag *d)
{
    int tdx = q->tee_type == ATT_TEE_TDX;
    const char *tee = tdx ? "TDX" : "SGX";
    att__pck_ext ext;
    att__pck_ca ca = ATT_PCK_CA_PROCESSOR;
    int rc = att__quote_pck_platform(q, &ext, &ca, d);
    if (rc != ATT_OK)
        return rc;
    char fmspc[13];
    hex_of(ext.fmspc, 6, fmspc);
    const char *ca_name = ca == ATT_PCK_CA_PLATFORM ? "Platform" : "Processor";
    v->collateral =
        ctx->store ? att__dcap_store_find(ctx->store, ext.fmspc, q->tee_type, ca, ctx->at) : NULL;
    if (ctx->pcs && (!v->collateral || !att__dcap_window_contains(v->collateral, ctx->at))) {
        /* Cold path: the configured collateral has no set valid now; the fetcher answers
         * from memory, its disk cache or the PCS (verified before use). */
        att_diag fd;
        att_diag_clear(&fd);
        rc = att__pcs_fetch(ctx->pcs, ext.fmspc, q->tee_type, ca, ctx->at, &v->fetched, &fd);
        if (rc == ATT_OK)
            v->collateral = v->fetched;
        else if (!v->collateral)
            return att_diag_fail(d, rc, tdx ? "tdx.collateral.fetch" : "sgx.collateral.fetch",
                                 "fmspc",
                                 "no collateral for FMSPC %s (%s, PCK %s CA): fetching it "
                                 "failed: %s",
                                 fmspc, tee, ca_name, fd.message);
    }
    if (!v->collateral)
        return att_diag_fail(
            d, ATT_ENOTFOUND,
            ctx->store ? (tdx ? "tdx.collateral.missing" : "sgx.collateral.missing")
                       : (tdx ? "tdx.collateral.none" : "sgx.collateral.none"),
            "fmspc", "no collateral is configured for FMSPC %s (%s, PCK %s CA)%s", fmspc, tee,
            ca_name, ctx->store ? "" : ": start attestd with --collateral or --pcs-url");
    return ATT_OK;
}

int att__sgx_verify(const att__sgx_request *req, const att__sgx_context *ctx,
                    const char *tcb_identifier, att__sgx_verified *v, att_diag *d)
{
    memset(v, 0, sizeof(*v));
    if (att__hash(ATT_HASH_SHA256, req->evidence, req->evidence_len, v->quotehash) != ATT_OK)
        return att_diag_fail(d, ATT_EINTERNAL, "sgx.hash", "quote", "SHA-256 failed");
    const char *field = req->type == ATT_TYPE_OPEN_ENCLAVE ? "report" : "quote";
    int rc = att__quote_parse(req->quote, req->quote_len, &v->quote, d);
    if (rc != ATT_OK)
        return rc;
    const att__quote *q = &v->quote;
    if (q->tee_type != ATT_TEE_SGX || q->body_type != ATT_QUOTE_BODY_SGX)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "sgx.tee_type", field,
                             "%s: the quote is a TDX quote, not an SGX enclave quote (send it to "
                             "/attest/TdxVm)",
                             field);
    if ((rc = att__dcap_find_collateral(q, ctx, v, d)) != ATT_OK)
        return rc;
    v->baseline = att__tcb_baseline_find(tcb_identifier);
    if (!v->baseline)
        return att_diag_fail(d, ATT_EINVAL, "sgx.tcb.identifier", "x-ms-sgx-tcbidentifier",
                             "the policy's x-ms-sgx-tcbidentifier '%.40s' names no TCB baseline "
                             "(azuredefault, 10, 11, 12, 13, 14 or 15)",
                             tcb_identifier);
    rc = att__quote_verify(q, v->collateral, ctx->anchors, ctx->n_anchors, ctx->at, &v->result, d);
    if (rc != ATT_OK)
        return rc;
    if ((rc = att__tcb_baseline_accept(v->baseline, &v->result, v->collateral, q->qe_report.isvsvn,
                                       d)) != ATT_OK)
        return rc;
    const uint8_t *rd = q->enclave.report_data;
    uint8_t h[32];
    char want[65], got[65];
    if (req->runtime.present) {
        att__hash(ATT_HASH_SHA256, req->runtime.data, req->runtime.len, h);
        if (!att__ct_equal(h, rd, 32)) {
            att_diag_fail(d, ATT_EMISMATCH, "sgx.runtime_data", "runtimeData",
                          "runtimeData SHA-256 does not match report data");
            hex_of(h, 32, got);
            hex_of(rd, 32, want);
            att_diag_expect(d, want, got);
            return ATT_EMISMATCH;
        }
        if (req->runtime.json &&
            (rc = parse_json_data(&req->runtime, "runtimeData", &v->runtime_json, d)) != ATT_OK)
            return rc;
    }
    if (req->inittime.present) {
        att__hash(ATT_HASH_SHA256, req->inittime.data, req->inittime.len, h);
        if (!att__ct_equal(h, q->enclave.config_id, 32)) {
            att_diag_fail(d, ATT_EMISMATCH, "sgx.inittime_data", "initTimeData",
                          "initTimeData SHA-256 does not match the enclave's CONFIGID");
            hex_of(h, 32, got);
            hex_of(q->enclave.config_id, 32, want);
            att_diag_expect(d, want, got);
            return ATT_EMISMATCH;
        }
        if (req->inittime.json &&
            (rc = parse_json_data(&req->inittime, "initTimeData", &v->inittime_json, d)) != ATT_OK)
            return rc;
    }
    return ATT_OK;
}

void att__sgx_verified_clear(att__sgx_verified *v)
{
    att__dcap_unref(v->fetched);
    v->fetched = NULL;
    json_decref(v->runtime_json);
    json_decref(v->inittime_json);
    v->runtime_json = v->inittime_json = NULL;
}

/* ---- claims ---- */

/* ATTRIBUTES.FLAGS bit 7: KEYSS (Key Separation and Sharing); KSS fields are meaningful. */
#define SGX_FLAGS_KSS 0x80u

static int kss(const att__sgx_request *req, const att__sgx_verified *v)
{
    return (v->quote.enclave.flags & SGX_FLAGS_KSS) != 0 || req->inittime.present;
}

/* x-ms-sgx-collateral (maa.md §2.4): the TCB info and QE identity are both signed by the
 * TCB-signing chain under the root, so their certs and CRL hashes are the same inputs. */
static json_t *collateral_json(const att__sgx_verified *v)
{
    const att__dcap_hashes *h = att__dcap_collateral_hashes(v->collateral);
    char x[7][65];
    hex_of(h->qeid_certs, 32, x[0]);
    hex_of(h->root_crl, 32, x[1]);
    hex_of(h->qeid, 32, x[2]);
    hex_of(v->quotehash, 32, x[3]);
    hex_of(h->tcbinfo_certs, 32, x[4]);
    hex_of(h->root_crl, 32, x[5]);
    hex_of(h->tcbinfo, 32, x[6]);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "qeidcertshash", x[0], "qeidcrlhash", x[1],
                     "qeidhash", x[2], "quotehash", x[3], "tcbinfocertshash", x[4],
                     "tcbinfocrlhash", x[5], "tcbinfohash", x[6]);
}

/* The evidence claims shared by the policy input and the token: name -> JSON value. */
static json_t *evidence_json(const att__sgx_request *req, const att__sgx_verified *v)
{
    const att__sgx_report *e = &v->quote.enclave;
    char mre[65], mrs[65], rd[129];
    hex_of(e->mrenclave, 32, mre);
    hex_of(e->mrsigner, 32, mrs);
    hex_of(e->report_data, 64, rd);
    json_t *o =
        json_pack("{s:b,s:s,s:s,s:I,s:I,s:s,s:s}", "x-ms-sgx-is-debuggable", e->debug,
                  "x-ms-sgx-mrenclave", mre, "x-ms-sgx-mrsigner", mrs, "x-ms-sgx-product-id",
                  (json_int_t)e->isvprodid, "x-ms-sgx-svn", (json_int_t)e->isvsvn,
                  "x-ms-sgx-report-data", rd, "x-ms-attestation-type", "sgx");
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "x-ms-sgx-collateral", collateral_json(v)) != 0;
    if (kss(req, v)) {
        char cid[129], ext[33], fam[33];
        hex_of(e->config_id, 64, cid);
        hex_of(e->isv_ext_prod_id, 16, ext);
        hex_of(e->isv_family_id, 16, fam);
        bad |= json_object_set_new(o, "x-ms-sgx-config-id", json_string(cid)) != 0;
        bad |= json_object_set_new(o, "x-ms-sgx-config-svn", json_integer(e->config_svn)) != 0;
        bad |= json_object_set_new(o, "x-ms-sgx-isv-extended-product-id", json_string(ext)) != 0;
        bad |= json_object_set_new(o, "x-ms-sgx-isv-family-id", json_string(fam)) != 0;
    }
    if (req->runtime.present && !req->runtime.json) {
        char *b = att__b64_encode_alloc(req->runtime.data, req->runtime.len, ATT_B64_URL);
        bad |= !b || json_object_set_new(o, "x-ms-sgx-ehd", json_string(b)) != 0;
        free(b);
    }
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

/* Legacy incoming names (maa.md §2.4) and the x-ms-* claim each mirrors. */
static const char *const legacy[][2] = {
    {"$is-debuggable", "x-ms-sgx-is-debuggable"},
    {"$product-id", "x-ms-sgx-product-id"},
    {"$sgx-mrsigner", "x-ms-sgx-mrsigner"},
    {"$sgx-mrenclave", "x-ms-sgx-mrenclave"},
    {"$svn", "x-ms-sgx-svn"},
    {"$tee", "x-ms-attestation-type"},
    {"$maa-ehd", "x-ms-sgx-ehd"},
    {"$aas-ehd", "x-ms-sgx-ehd"},
    {"$maa-attestationcollateral", "x-ms-sgx-collateral"},
};

int att__sgx_incoming_claims(const att__sgx_request *req, const att__sgx_verified *v,
                             att__claimset *in)
{
    json_t *ev = evidence_json(req, v);
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
    for (size_t i = 0; rc == ATT_OK && i < sizeof(legacy) / sizeof(legacy[0]); i++) {
        const json_t *src = json_object_get(ev, legacy[i][1]);
        if (src)
            rc = add_value(in, legacy[i][0], src);
    }
    json_decref(ev);
    /* TCB claims attestd adds (names chosen by attestd, docs/internals/attest-sgx.md). */
    const att__quote_result *r = &v->result;
    const att__tcb_info *ti = att__dcap_tcb_info(v->collateral);
    if (rc == ATT_OK)
        rc = att__claims_add_string(in, "x-ms-sgx-tcb-status", att__tcb_status_name(r->status),
                                    NULL);
    if (rc == ATT_OK)
        rc = att__claims_add_string(in, "x-ms-sgx-qe-tcb-status",
                                    att__tcb_status_name(r->qe_status), NULL);
    if (rc == ATT_OK && r->tcb_date_str)
        rc = att__claims_add_string(in, "x-ms-sgx-tcb-date", r->tcb_date_str, NULL);
    for (size_t i = 0; rc == ATT_OK && i < r->n_advisories; i++)
        rc = att__claims_add_string(in, "x-ms-sgx-tcb-advisory-ids", r->advisory_ids[i], NULL);
    if (rc == ATT_OK && ti)
        rc = att__claims_add_int(in, "x-ms-sgx-tcb-evaluation-data-number", ti->tcb_eval_number,
                                 NULL);
    if (rc == ATT_OK && v->baseline)
        rc = att__claims_add_string(in, "x-ms-sgx-tcb-baseline", v->baseline->id, NULL);
    if (rc == ATT_OK) {
        char fmspc[13];
        hex_of(r->pck.fmspc, 6, fmspc);
        rc = att__claims_add_string(in, "x-ms-sgx-fmspc", fmspc, NULL);
    }
    return rc;
}

json_t *att__attest_token_claims(const att__policy_result *res, json_t *ev, int policy_object,
                                 const char *hash, const json_t *signer, const char *nonce)
{
    json_t *out = res ? att__claims_token_json(&res->outgoing) : json_object();
    int issued = res && res->outgoing.n > 0;
    json_t *policy = policy_object && issued && out ? json_deep_copy(out) : NULL;
    int bad = !out || !ev || (policy_object && issued && !policy);
    /* service claims win over policy-issued claims of the same name */
    if (!bad)
        bad = json_object_update(out, ev) != 0;
    if (!bad && policy)
        bad = json_object_set(out, "x-ms-policy", policy) != 0;
    if (!bad)
        bad = json_object_set_new(out, "x-ms-ver", json_string("1.0")) != 0 ||
              json_object_set_new(out, "x-ms-policy-hash", json_string(hash)) != 0;
    if (!bad && signer)
        bad = json_object_set(out, "x-ms-policy-signer", (json_t *)signer) != 0;
    if (!bad && nonce)
        bad = json_object_set_new(out, "nonce", json_string(nonce)) != 0;
    json_decref(ev);
    json_decref(policy);
    if (bad) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *att__sgx_token_claims(const att__sgx_request *req, const att__sgx_verified *v,
                              const att__policy_result *res, const char *policy_hash,
                              const json_t *policy_signer)
{
    json_t *ev = evidence_json(req, v);
    /* the legacy mirrors of the enclave-held data and the collateral hashes */
    json_t *ehd = ev ? json_incref(json_object_get(ev, "x-ms-sgx-ehd")) : NULL;
    json_t *col = ev ? json_incref(json_object_get(ev, "x-ms-sgx-collateral")) : NULL;
    json_t *out = att__attest_token_claims(res, ev, 1, policy_hash, policy_signer, req->nonce);
    int bad = !out;
    if (!bad && ehd)
        bad =
            json_object_set(out, "maa-ehd", ehd) != 0 || json_object_set(out, "aas-ehd", ehd) != 0;
    if (!bad && col)
        bad = json_object_set(out, "maa-attestationcollateral", col) != 0;
    json_decref(ehd);
    json_decref(col);
    if (bad) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *att__dcap_collateral_claim(const att__sgx_verified *v)
{
    return collateral_json(v);
}
