/* `attest evidence verify`: verify an Intel DCAP quote (--type sgx / tdx) or Open Enclave
 * report/evidence (--type oe) offline against DCAP collateral at a chosen time, and print
 * the verdict, the TCB status and the claims as JSON. Verification is src/evidence/sgx and
 * src/evidence/oe, the code the service runs; a rejection prints the verifier's own
 * diagnostic (stable reason code and message). `attest evidence hcl`: parse an Azure CVM
 * HCL report (src/evidence/hcl) and check its runtime-claims binding. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "cli.h"
#include "collateral/dcap.h"
#include "collateral/intel_roots.h"
#include "core/codec.h"
#include "core/limits.h"
#include "core/timeutil.h"
#include "evidence/hcl/hcl.h"
#include "evidence/oe/oe.h"
#include "evidence/sgx/quote.h"
#include "evidence/sgx/td_claims.h"

/* Bytes of a --root file: a few PEM certificates. */
#define ATT_MAX_ROOT_FILE (64u * 1024u)

/* Reads FILE ('-' for stdin) into out (caller frees). Returns an exit code. */
static int read_file_arg(const char *path, const char *what, size_t max, att__buf *out)
{
    if (strcmp(path, "-") == 0)
        return att_cli_read_arg("-", what, max, out);
    size_t n = strlen(path) + 2;
    char *arg = malloc(n);
    if (!arg) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    snprintf(arg, n, "@%s", path);
    int rc = att_cli_read_arg(arg, what, max, out);
    free(arg);
    return rc;
}

/* Trust anchors: the built-in Intel roots, or the certificates of --root. */
typedef struct anchors {
    att__cert **certs; /* owned */
    size_t n;
} anchors;

static void anchors_free(anchors *a)
{
    att__certs_free(a->certs, a->n);
    a->certs = NULL;
    a->n = 0;
}

/* Loads the anchors; returns an exit code (the error is printed). */
static int anchors_load(const char *root_file, anchors *a)
{
    a->certs = NULL;
    a->n = 0;
    if (!root_file) {
        a->certs = calloc(ATT_INTEL_SGX_ROOT_COUNT, sizeof(*a->certs));
        if (!a->certs) {
            att_cli_error("out of memory");
            return ATT_EXIT_IO;
        }
        for (size_t i = 0; i < ATT_INTEL_SGX_ROOT_COUNT; i++) {
            const char *pem = att__intel_sgx_root_pem(i);
            if (!pem || att__cert_from_pem(pem, strlen(pem), &a->certs[a->n]) != ATT_OK) {
                att_cli_error("cannot load the built-in Intel root %zu", i);
                anchors_free(a);
                return ATT_EXIT_IO;
            }
            a->n++;
        }
        return ATT_EXIT_OK;
    }
    att__buf text;
    int rc = read_file_arg(root_file, "root certificate", ATT_MAX_ROOT_FILE, &text);
    if (rc != ATT_EXIT_OK)
        return rc;
    /* PEM (one or more roots), else one DER certificate */
    int err = att__certs_from_pem((const char *)text.data, text.len, &a->certs, &a->n);
    if (err != ATT_OK) {
        a->certs = calloc(1, sizeof(*a->certs));
        err = a->certs ? att__cert_from_der(text.data, text.len, &a->certs[0]) : ATT_ENOMEM;
        if (err == ATT_OK)
            a->n = 1;
    }
    att__buf_free(&text);
    if (err != ATT_OK) {
        anchors_free(a);
        att_cli_error("no root certificate (PEM or DER) in '%s'", root_file);
        return ATT_EXIT_USAGE;
    }
    return ATT_EXIT_OK;
}

static void set_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
    if (!p)
        return;
    char *h = att__hex_encode_alloc(p, n, 0);
    if (h)
        json_object_set_new(o, key, json_string(h));
    free(h);
}

static void set_time(json_t *o, const char *key, int64_t t)
{
    char buf[32];
    json_object_set_new(o, key, json_string(att__time_format(t, buf, sizeof(buf))));
}

/* Claims of a bare DCAP quote: MAA's names for SGX enclaves, OE's TDX names for TDs. */
static json_t *quote_claims(const att__quote *q)
{
    json_t *c = json_object();
    if (q->body_type == ATT_QUOTE_BODY_SGX) {
        const att__sgx_report *e = &q->enclave;
        json_object_set_new(c, "x-ms-attestation-type", json_string("sgx"));
        json_object_set_new(c, "x-ms-sgx-is-debuggable", json_boolean(e->debug));
        set_hex(c, "x-ms-sgx-mrenclave", e->mrenclave, 32);
        set_hex(c, "x-ms-sgx-mrsigner", e->mrsigner, 32);
        json_object_set_new(c, "x-ms-sgx-product-id", json_integer(e->isvprodid));
        json_object_set_new(c, "x-ms-sgx-svn", json_integer(e->isvsvn));
        set_hex(c, "x-ms-sgx-report-data", e->report_data, 64);
        return c;
    }
    const att__td_report *t = &q->td;
    json_object_set_new(c, "x-ms-attestation-type", json_string("tdxvm"));
    json_object_set_new(c, "tdx_td_attributes_debug", json_boolean(t->debug));
    set_hex(c, "tdx_tee_tcb_svn", t->tee_tcb_svn, 16);
    set_hex(c, "tdx_mrseam", t->mrseam, 48);
    set_hex(c, "tdx_mrtd", t->mrtd, 48);
    set_hex(c, "tdx_mrconfigid", t->mrconfigid, 48);
    set_hex(c, "tdx_mrowner", t->mrowner, 48);
    set_hex(c, "tdx_mrownerconfig", t->mrownerconfig, 48);
    static const char *rtmr[4] = {"tdx_rtmr0", "tdx_rtmr1", "tdx_rtmr2", "tdx_rtmr3"};
    for (int i = 0; i < 4; i++)
        set_hex(c, rtmr[i], t->rtmr[i], 48);
    set_hex(c, "tdx_report_data", t->report_data, 64);
    return c;
}

/* The OE claims of reference/hw-evidence.md §4.4. */
static json_t *oe_claims(const att__oe_claims *cl)
{
    json_t *c = json_object();
    json_object_set_new(c, "id_version", json_integer(cl->id_version));
    json_object_set_new(c, "security_version", json_integer(cl->security_version));
    json_object_set_new(c, "attributes", json_integer((json_int_t)cl->attributes));
    set_hex(c, "unique_id", cl->unique_id, 32);
    set_hex(c, "signer_id", cl->signer_id, 32);
    set_hex(c, "product_id", cl->product_id, 16);
    char u[37];
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            u[o++] = '-';
        u[o++] = hx[cl->format_uuid[i] >> 4];
        u[o++] = hx[cl->format_uuid[i] & 15];
    }
    u[o] = '\0';
    json_object_set_new(c, "format_uuid", json_string(u));
    json_object_set_new(c, "tcb_status", json_string(att__tcb_status_name(cl->tcb_status)));
    if (cl->tcb_date)
        json_object_set_new(c, "tcb_date", json_string(cl->tcb_date));
    set_time(c, "validity_from", cl->validity_from);
    set_time(c, "validity_until", cl->validity_until);
    set_hex(c, "sgx_isv_extended_product_id", cl->isv_ext_prod, 16);
    set_hex(c, "sgx_config_id", cl->config_id, 64);
    json_object_set_new(c, "sgx_config_svn", json_integer(cl->config_svn));
    set_hex(c, "sgx_isv_family_id", cl->isv_family, 16);
    set_hex(c, "sgx_cpu_svn", cl->cpu_svn, 16);
    json_object_set_new(c, "sgx_pce_svn", json_integer(cl->pce_svn));
    if (cl->custom) {
        set_hex(c, "custom_claims_buffer",
                cl->custom_buffer ? cl->custom_buffer : (const uint8_t *)"", cl->custom_buffer_len);
        json_t *cc = json_object();
        for (size_t i = 0; i < cl->custom->count; i++) {
            const att__oe_claim *x = &cl->custom->claims[i];
            char *h = att__hex_encode_alloc(x->value, x->value_len, 0);
            /* names are NUL-free byte strings; a name that is not UTF-8 (which jansson
             * refuses as a key) is shown as "0x" + its hex */
            if (h && json_object_setn_new(cc, x->name, x->name_len, json_string(h)) != 0) {
                char *hn = att__hex_encode_alloc(x->name, x->name_len, 0);
                size_t kn = hn ? strlen(hn) + 3 : 0;
                char *key = hn ? malloc(kn) : NULL;
                if (key) {
                    snprintf(key, kn, "0x%s", hn);
                    json_object_set_new(cc, key, json_string(h));
                }
                free(key);
                free(hn);
            }
            free(h);
        }
        json_object_set_new(c, "custom_claims", cc);
    } else {
        set_hex(c, "sgx_report_data", cl->report_data, 64);
    }
    return c;
}

/* A JSON string of diagnostic text, which may quote bytes of the evidence (a claim name):
 * bytes outside printable ASCII become '?', so the text is always valid UTF-8. */
static json_t *ascii_string(const char *s)
{
    char buf[ATT_DIAG_MESSAGE_MAX];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof(buf); i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    buf[i] = '\0';
    return json_string(buf);
}

/* Prints the result object and returns the exit code. */
static int print_result(int rc, const att_diag *d, const att__quote_result *qr, json_t *claims)
{
    json_t *o = json_object();
    json_object_set_new(o, "verdict", json_string(rc == ATT_OK ? "verified" : "rejected"));
    /* the TCB status is known on success, and on the TCB failures (no level, revoked) */
    int have_tcb = rc == ATT_OK || strncmp(d->reason, "quote.tcb.", 10) == 0;
    json_object_set_new(o, "tcb_status",
                        have_tcb ? json_string(att__tcb_status_name(qr->status)) : json_null());
    json_object_set_new(o, "tcb_date",
                        have_tcb && qr->tcb_date_str ? json_string(qr->tcb_date_str) : json_null());
    json_t *adv = json_array();
    for (size_t i = 0; have_tcb && i < qr->n_advisories; i++)
        json_array_append_new(adv, json_string(qr->advisory_ids[i]));
    json_object_set_new(o, "advisory_ids", adv);
    json_object_set_new(o, "qe_tcb_status",
                        have_tcb ? json_string(att__tcb_status_name(qr->qe_status)) : json_null());
    json_object_set_new(o, "claims", rc == ATT_OK && claims ? json_incref(claims) : json_object());
    if (rc != ATT_OK) {
        json_t *e = json_object();
        json_object_set_new(e, "code", ascii_string(d->reason[0] ? d->reason : att_errname(rc)));
        json_object_set_new(e, "message",
                            ascii_string(d->message[0] ? d->message : att_strerror(rc)));
        json_object_set_new(o, "error", e);
    }
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!text) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    printf("%s\n", text);
    free(text);
    return rc == ATT_OK ? ATT_EXIT_OK : ATT_EXIT_CHECK;
}

int att_cli_evidence_verify(const att_cli_ctx *ctx, int argc, char **argv)
{
    const char *type = NULL, *collateral = NULL, *at_text = NULL, *root = NULL;
    const att_cli_opt opts[] = {
        {.name = "type", .kind = ATT_OPT_VALUE, .value = &type},
        {.name = "collateral", .kind = ATT_OPT_VALUE, .value = &collateral},
        {.name = "at", .kind = ATT_OPT_VALUE, .value = &at_text},
        {.name = "root", .kind = ATT_OPT_VALUE, .value = &root},
        {.name = NULL},
    };
    const char *pos[1];
    int npos;
    int rc = att_cli_parse(ctx, argc, argv, opts, pos, 1, 1, &npos);
    if (rc >= 0)
        return rc;
    if (type && strcmp(type, "snp") == 0) {
        int64_t snp_at = att__now();
        if (at_text && att__time_parse(at_text, &snp_at) != ATT_OK)
            return att_cli_usage_error(ctx, "--at '%.64s' is not an RFC 3339 time", at_text);
        if (root)
            return att_cli_usage_error(ctx, "--root does not apply to --type snp (AMD roots "
                                            "are pinned)");
        return att_cli_evidence_verify_snp(pos[0], collateral, snp_at);
    }
    if (!type || (strcmp(type, "sgx") != 0 && strcmp(type, "oe") != 0 && strcmp(type, "tdx") != 0))
        return att_cli_usage_error(ctx, "--type must be 'sgx', 'tdx', 'oe' or 'snp'");
    if (!collateral)
        return att_cli_usage_error(ctx, "--collateral PATH is required");
    int64_t at = att__now();
    if (at_text && att__time_parse(at_text, &at) != ATT_OK)
        return att_cli_usage_error(ctx, "--at '%.64s' is not an RFC 3339 time", at_text);

    anchors a;
    if ((rc = anchors_load(root, &a)) != ATT_EXIT_OK)
        return rc;
    att__buf ev;
    /* one byte over the bound, so that an oversized file reaches the parser's message */
    if ((rc = read_file_arg(pos[0], "evidence", ATT_MAX_EVIDENCE + 1, &ev)) != ATT_EXIT_OK) {
        anchors_free(&a);
        return rc;
    }
    att_diag d;
    att_diag_clear(&d);
    att__dcap_store *store = NULL;
    int err = att__dcap_store_load(collateral, (const att__cert *const *)a.certs, a.n, &store, &d);
    if (err != ATT_OK) {
        att_cli_error("cannot load collateral '%s': %s", collateral, d.message);
        att__buf_free(&ev);
        anchors_free(&a);
        return err == ATT_EIO ? ATT_EXIT_IO : ATT_EXIT_USAGE;
    }
    att_diag_clear(&d);
    json_t *claims = NULL;
    if (strcmp(type, "tdx") == 0) {
        /* a TD quote only; the claims are MAA's TdxVm claims (maa.md §2.7) */
        att__quote q;
        att__quote_result qr;
        const att__dcap_collateral *col;
        memset(&qr, 0, sizeof(qr));
        err = att__quote_parse(ev.data, ev.len, &q, &d);
        if (err == ATT_OK && q.tee_type != ATT_TEE_TDX)
            err = att_diag_fail(&d, ATT_EUNSUPPORTED, "tdx.tee_type", "quote",
                                "the quote is an SGX enclave quote, not a TD quote (use --type "
                                "sgx)");
        if (err == ATT_OK)
            err = att__oe_verify_quote(&q, store, (const att__cert *const *)a.certs, a.n, at, &qr,
                                       &col, &d);
        if (err == ATT_OK && !(claims = att__td_claims(&q, &qr)))
            err = att_diag_fail(&d, ATT_ENOMEM, "tdx.claims", "claims", "out of memory");
        rc = print_result(err, &d, &qr, claims);
    } else if (strcmp(type, "sgx") == 0) {
        att__quote q;
        att__quote_result qr;
        const att__dcap_collateral *col;
        memset(&qr, 0, sizeof(qr));
        err = att__quote_parse(ev.data, ev.len, &q, &d);
        if (err == ATT_OK)
            err = att__oe_verify_quote(&q, store, (const att__cert *const *)a.certs, a.n, at, &qr,
                                       &col, &d);
        if (err == ATT_OK)
            claims = quote_claims(&q);
        rc = print_result(err, &d, &qr, claims);
    } else {
        /* large (a fixed claim table): on the heap */
        att__oe_evidence *oe = malloc(sizeof(*oe));
        att__oe_result *r = calloc(1, sizeof(*r));
        if (!oe || !r) {
            att_cli_error("out of memory");
            rc = ATT_EXIT_IO;
        } else {
            err = att__oe_parse(ev.data, ev.len, oe, &d);
            if (err == ATT_OK)
                err = att__oe_verify(oe, store, (const att__cert *const *)a.certs, a.n, at, r, &d);
            if (err == ATT_OK)
                claims = oe_claims(&r->claims);
            rc = print_result(err, &d, &r->quote, claims);
        }
        free(r);
        free(oe);
    }
    json_decref(claims);
    att__dcap_store_free(store);
    att__buf_free(&ev);
    anchors_free(&a);
    return rc;
}

/* ---- attest evidence hcl ---- */

static const char *hash_name(uint32_t t)
{
    return t == 1 ? "SHA-256" : t == 2 ? "SHA-384" : "SHA-512";
}

/* The parsed wrapper as JSON: header, hardware report fields, runtime claims. */
static json_t *hcl_json(const att__hcl_report *r, const json_t *runtime, const json_t *akpub,
                        const json_t *vmconfig)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(att__hcl_report_type_name(r->type)));
    json_object_set_new(o, "version", json_integer(r->version));
    json_object_set_new(o, "report_size", json_integer(r->report_size));
    json_object_set_new(o, "request_type", json_integer(r->request_type));
    json_object_set_new(o, "status", json_integer(r->status));
    json_object_set_new(o, "hash_type", json_string(hash_name(r->hash_type)));
    json_t *hw = json_object();
    json_object_set_new(hw, "size", json_integer((json_int_t)r->hw_report_len));
    set_hex(hw, "report_data", r->report_data, 64);
    if (r->type == ATT_HCL_REPORT_TDX) {
        const att__hcl_tdreport *t = &r->td;
        set_hex(hw, "tee_tcb_svn", t->tee_tcb_svn, 16);
        set_hex(hw, "mrseam", t->mrseam, 48);
        set_hex(hw, "td_attributes", t->td_attributes, 8);
        set_hex(hw, "xfam", t->xfam, 8);
        set_hex(hw, "mrtd", t->mrtd, 48);
        set_hex(hw, "mrconfigid", t->mrconfigid, 48);
        static const char *const rt[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
        for (int i = 0; i < 4; i++)
            set_hex(hw, rt[i], t->rtmr[i], 48);
    }
    json_object_set_new(o, "hw_report", hw);
    json_object_set_new(o, "runtime_data_size", json_integer((json_int_t)r->runtime_len));
    json_object_set_new(o, "runtime_claims", runtime ? json_deep_copy(runtime) : json_null());
    json_object_set_new(o, "ak_pub", akpub ? json_deep_copy(akpub) : json_null());
    json_object_set_new(o, "vm_configuration", vmconfig ? json_deep_copy(vmconfig) : json_null());
    return o;
}

static void print_hcl_text(const json_t *o, const att__hcl_report *r, const json_t *akpub,
                           const json_t *vmconfig)
{
    printf("type:            %s (HCL report version %u, %u bytes)\n",
           att__hcl_report_type_name(r->type), r->version, r->report_size);
    printf("hardware report: %zu bytes, report_data %s\n", r->hw_report_len,
           json_string_value(json_object_get(json_object_get(o, "hw_report"), "report_data")));
    if (r->type == ATT_HCL_REPORT_TDX)
        printf("TD:              mrtd %s\n",
               json_string_value(json_object_get(json_object_get(o, "hw_report"), "mrtd")));
    printf("runtime claims:  %zu bytes, bound by %s\n", r->runtime_len, hash_name(r->hash_type));
    if (akpub) {
        const char *n = json_string_value(json_object_get(akpub, "n"));
        printf("vTPM AK:         RSA, %zu-bit modulus\n", n ? strlen(n) * 6 / 8 * 8 : 0);
    }
    if (vmconfig) {
        const char *k;
        json_t *v;
        printf("vm-configuration:");
        json_object_foreach((json_t *)vmconfig, k, v)
        {
            char buf[80];
            if (json_is_string(v))
                printf(" %s=%s", k,
                       att_cli_sanitize(json_string_value(v), json_string_length(v), buf,
                                        sizeof(buf)));
            else if (json_is_boolean(v))
                printf(" %s=%s", k, json_is_true(v) ? "true" : "false");
        }
        printf("\n");
    }
}

int att_cli_evidence_hcl(const att_cli_ctx *ctx, int argc, char **argv)
{
    const char *quote_file = NULL, *collateral = NULL, *at_text = NULL;
    int as_json = 0;
    const att_cli_opt opts[] = {
        {.name = "json", .kind = ATT_OPT_FLAG, .flag = &as_json},
        {.name = "quote", .kind = ATT_OPT_VALUE, .value = &quote_file},
        {.name = "collateral", .kind = ATT_OPT_VALUE, .value = &collateral},
        {.name = "at", .kind = ATT_OPT_VALUE, .value = &at_text},
        {.name = NULL},
    };
    const char *pos[1];
    int npos;
    int rc = att_cli_parse(ctx, argc, argv, opts, pos, 1, 1, &npos);
    if (rc >= 0)
        return rc;
    if (collateral && !quote_file)
        return att_cli_usage_error(ctx, "--collateral needs --quote (the TD quote to verify)");
    int64_t at = att__now();
    if (at_text && att__time_parse(at_text, &at) != ATT_OK)
        return att_cli_usage_error(ctx, "--at '%.64s' is not an RFC 3339 time", at_text);
    att__buf ev, qb;
    memset(&qb, 0, sizeof(qb));
    if ((rc = read_file_arg(pos[0], "HCL report", ATT_MAX_EVIDENCE + 1, &ev)) != ATT_EXIT_OK)
        return rc;
    if (quote_file &&
        (rc = read_file_arg(quote_file, "TD quote", ATT_MAX_EVIDENCE + 1, &qb)) != ATT_EXIT_OK) {
        att__buf_free(&ev);
        return rc;
    }
    att_diag d;
    att_diag_clear(&d);
    att__hcl_report r;
    json_t *runtime = NULL, *out = NULL, *quote_out = NULL;
    const json_t *akpub = NULL, *vmconfig = NULL;
    int err = att__hcl_parse(ev.data, ev.len, &r, &d);
    int bound = 0;
    if (err == ATT_OK) {
        err = att__hcl_check_binding(&r, &d);
        bound = err == ATT_OK;
        /* the runtime claims are shown even when they are not bound, to see why */
        att_diag rd;
        att_diag_clear(&rd);
        int jerr = att__hcl_runtime_parse(&r, &runtime, &akpub, &vmconfig, &rd);
        if (err == ATT_OK && jerr != ATT_OK) {
            err = jerr;
            d = rd;
        }
        out = hcl_json(&r, runtime, akpub, vmconfig);
    }
    if (err == ATT_OK && quote_file) {
        /* the TD quote of this TDREPORT: the same TD values, and verified when collateral
         * is given */
        att__quote q;
        quote_out = json_object();
        err = att__quote_parse(qb.data, qb.len, &q, &d);
        if (err == ATT_OK && q.tee_type != ATT_TEE_TDX)
            err = att_diag_fail(&d, ATT_EUNSUPPORTED, "tdx.tee_type", "quote",
                                "--quote is an SGX enclave quote, not a TD quote");
        if (err == ATT_OK) {
            const att__td_report *t = &q.td;
            att__hcl_td_fields f = {.report_data = t->report_data,
                                    .mrtd = t->mrtd,
                                    .mrconfigid = t->mrconfigid,
                                    .mrowner = t->mrowner,
                                    .mrownerconfig = t->mrownerconfig,
                                    .rtmr = {t->rtmr[0], t->rtmr[1], t->rtmr[2], t->rtmr[3]},
                                    .td_attributes = t->td_attributes,
                                    .xfam = t->xfam,
                                    .tee_tcb_svn = t->tee_tcb_svn,
                                    .mrseam = t->mrseam,
                                    .mrsignerseam = t->mrsignerseam,
                                    .seam_attributes = t->seam_attributes};
            err = att__hcl_tdx_match_quote(&r, &f, &d);
        }
        json_object_set_new(quote_out, "matches_td_report", json_boolean(err == ATT_OK));
        if (err == ATT_OK && collateral) {
            anchors a;
            att__dcap_store *store = NULL;
            if ((rc = anchors_load(NULL, &a)) != ATT_EXIT_OK)
                goto done;
            err = att__dcap_store_load(collateral, (const att__cert *const *)a.certs, a.n, &store,
                                       &d);
            if (err != ATT_OK) {
                att_cli_error("cannot load collateral '%s': %s", collateral, d.message);
                anchors_free(&a);
                rc = err == ATT_EIO ? ATT_EXIT_IO : ATT_EXIT_USAGE;
                goto done;
            }
            att__quote_result qr;
            const att__dcap_collateral *col;
            err = att__oe_verify_quote(&q, store, (const att__cert *const *)a.certs, a.n, at, &qr,
                                       &col, &d);
            json_object_set_new(quote_out, "verdict",
                                json_string(err == ATT_OK ? "verified" : "rejected"));
            if (err == ATT_OK)
                json_object_set_new(quote_out, "tcb_status",
                                    json_string(att__tcb_status_name(qr.status)));
            att__dcap_store_free(store);
            anchors_free(&a);
        }
    }
    if (as_json || !out) {
        json_t *o = out ? json_incref(out) : json_object();
        json_object_set_new(o, "binding", json_string(bound ? "bound" : "not bound"));
        if (quote_out)
            json_object_set(o, "td_quote", quote_out);
        json_object_set_new(o, "verdict", json_string(err == ATT_OK ? "ok" : "rejected"));
        if (err != ATT_OK) {
            json_t *e = json_object();
            json_object_set_new(e, "code", ascii_string(d.reason[0] ? d.reason : att_errname(err)));
            json_object_set_new(e, "message",
                                ascii_string(d.message[0] ? d.message : att_strerror(err)));
            json_object_set_new(o, "error", e);
        }
        char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (text)
            printf("%s\n", text);
        free(text);
    } else {
        print_hcl_text(out, &r, akpub, vmconfig);
        printf("binding:         %s\n",
               bound ? "ok (hash of the runtime claims = REPORT_DATA)" : "FAILED");
        if (quote_out) {
            const json_t *v = json_object_get(quote_out, "verdict");
            printf("TD quote:        %s%s%s\n",
                   json_is_true(json_object_get(quote_out, "matches_td_report"))
                       ? "matches the TDREPORT"
                       : "does not match the TDREPORT",
                   v ? ", " : "", v ? json_string_value(v) : "");
        }
        if (err != ATT_OK)
            printf("error:           %s: %s\n", d.reason, d.message);
    }
    rc = err == ATT_OK ? ATT_EXIT_OK : ATT_EXIT_CHECK;
done:
    json_decref(quote_out);
    json_decref(out);
    json_decref(runtime);
    att__buf_free(&qb);
    att__buf_free(&ev);
    return rc;
}
