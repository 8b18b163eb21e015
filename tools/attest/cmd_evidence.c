/* `attest evidence verify`: verify an Intel DCAP quote (--type sgx) or Open Enclave
 * report/evidence (--type oe) offline against DCAP collateral at a chosen time, and print
 * the verdict, the TCB status and the claims as JSON. Verification is src/evidence/sgx and
 * src/evidence/oe, the code the service runs; a rejection prints the verifier's own
 * diagnostic (stable reason code and message). */
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
#include "evidence/oe/oe.h"
#include "evidence/sgx/quote.h"

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
    if (!type || (strcmp(type, "sgx") != 0 && strcmp(type, "oe") != 0))
        return att_cli_usage_error(ctx, "--type must be 'sgx', 'oe' or 'snp'");
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
    if (strcmp(type, "sgx") == 0) {
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
