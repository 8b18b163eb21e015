/* Unit tests for src/evidence/sgx driven by ../shared/vectors/manifest-dcap.json: every
 * quote parses to the manifest's fields, and every case with normalized collateral
 * verifies to the manifest's status, TCB date, advisories, QE and TDX module status. */
#include "sgx_tu.h"

#include <jansson.h>

static json_t *manifest;
static att__cert *roots[2];

static int setup(void **state)
{
    size_t n;
    uint8_t *raw = tu_read_file(tu_shared_path("vectors/manifest-dcap.json"), &n);
    manifest = json_loadb((const char *)raw, n, JSON_DECODE_INT_AS_REAL, NULL);
    free(raw);
    tu_load_roots(roots);
    return manifest ? 0 : -1;
}

static int teardown(void **state)
{
    json_decref(manifest);
    tu_free_roots(roots);
    return 0;
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static long num(const json_t *o, const char *k)
{
    return (long)json_number_value(json_object_get(o, k));
}

/* Checks hex field k of o against n bytes at p (skipped when the manifest has no k). */
static void hexf(const json_t *o, const char *k, const uint8_t *p, size_t n, const char *id)
{
    const char *want = str(o, k);
    if (!want)
        return;
    char what[160];
    snprintf(what, sizeof(what), "%s: %s", id, k);
    assert_non_null(p);
    tu_assert_hex(p, n, want, what);
}

static void check_header(const json_t *h, const att__quote *q, const char *id)
{
    assert_int_equal(q->version, num(h, "version"));
    assert_int_equal(q->att_key_type, num(h, "att_key_type"));
    assert_int_equal(q->tee_type, num(h, "tee_type"));
    assert_int_equal(q->qe_svn, num(h, "qe_svn"));
    assert_int_equal(q->pce_svn, num(h, "pce_svn"));
    hexf(h, "qe_vendor_id", q->qe_vendor_id, 16, id);
    hexf(h, "user_data", q->user_data, 20, id);
}

static void check_claims(const json_t *c, const att__quote *q, const char *id)
{
    if (!c)
        return;
    if (q->body_type == ATT_QUOTE_BODY_SGX) {
        const att__sgx_report *r = &q->enclave;
        hexf(c, "cpusvn", r->cpusvn, 16, id);
        assert_int_equal(r->miscselect, num(c, "miscselect"));
        hexf(c, "attributes", r->attributes, 16, id);
        hexf(c, "mrenclave", r->mrenclave, 32, id);
        hexf(c, "mrsigner", r->mrsigner, 32, id);
        assert_int_equal(r->isvprodid, num(c, "isvprodid"));
        assert_int_equal(r->isvsvn, num(c, "isvsvn"));
        assert_int_equal(r->config_svn, num(c, "config_svn"));
        hexf(c, "reportdata", r->report_data, 64, id);
        return;
    }
    const att__td_report *t = &q->td;
    hexf(c, "tee_tcb_svn", t->tee_tcb_svn, 16, id);
    hexf(c, "mrseam", t->mrseam, 48, id);
    hexf(c, "mrsignerseam", t->mrsignerseam, 48, id);
    hexf(c, "seam_attributes", t->seam_attributes, 8, id);
    hexf(c, "td_attributes", t->td_attributes, 8, id);
    hexf(c, "xfam", t->xfam, 8, id);
    hexf(c, "mrtd", t->mrtd, 48, id);
    hexf(c, "mrconfigid", t->mrconfigid, 48, id);
    hexf(c, "mrowner", t->mrowner, 48, id);
    hexf(c, "mrownerconfig", t->mrownerconfig, 48, id);
    hexf(c, "rtmr0", t->rtmr[0], 48, id);
    hexf(c, "rtmr1", t->rtmr[1], 48, id);
    hexf(c, "rtmr2", t->rtmr[2], 48, id);
    hexf(c, "rtmr3", t->rtmr[3], 48, id);
    hexf(c, "reportdata", t->report_data, 64, id);
    hexf(c, "tee_tcb_svn2", t->tee_tcb_svn2, 16, id);
    hexf(c, "mrservicetd", t->mrservicetd, 48, id);
    assert_int_equal(t->tee_tcb_svn2 != NULL, json_object_get(c, "tee_tcb_svn2") != NULL);
}

static void check_qe_report(const json_t *c, const att__quote *q, const char *id)
{
    if (!c)
        return;
    const att__sgx_report *r = &q->qe_report;
    hexf(c, "mrenclave", r->mrenclave, 32, id);
    hexf(c, "mrsigner", r->mrsigner, 32, id);
    assert_int_equal(r->isvprodid, num(c, "isvprodid"));
    assert_int_equal(r->isvsvn, num(c, "isvsvn"));
    assert_int_equal(r->miscselect, num(c, "miscselect"));
    hexf(c, "attributes", r->attributes, 16, id);
}

/* PCK extension fields of the manifest's "expected" against a parsed extension. */
static void check_pck(const json_t *e, const att__pck_ext *p, const char *id)
{
    hexf(e, "fmspc", p->fmspc, 6, id);
    hexf(e, "pceid", p->pce_id, 2, id);
    hexf(e, "pck_cpusvn", p->cpusvn, 16, id);
    if (json_object_get(e, "pck_pcesvn"))
        assert_int_equal(p->pcesvn, num(e, "pck_pcesvn"));
    if (json_object_get(e, "sgx_type"))
        assert_int_equal(p->sgx_type, num(e, "sgx_type"));
    /* Platform-CA PCKs carry the platform instance id and configuration (§2.10). */
    const char *iss = str(e, "pck_issuer");
    if (iss && strstr(iss, "Platform"))
        assert_true(p->has_platform_instance_id && p->has_configuration);
}

/* Every quote of the manifest parses, with the manifest's fields. */
static void parse_all(void **state)
{
    size_t i, count = 0;
    json_t *c;
    json_array_foreach(json_object_get(manifest, "cases"), i, c)
    {
        const char *id = str(c, "id");
        size_t n;
        uint8_t *buf = tu_read_quote(str(c, "quote"), (size_t)num(c, "quote_offset"), &n);
        att__quote q;
        att_diag d;
        att_diag_clear(&d);
        int rc = att__quote_parse(buf, n, &q, &d);
        if (rc != ATT_OK)
            fail_msg("%s: parse failed: %s", id, d.message);
        assert_true(q.size <= n);
        check_header(json_object_get(c, "quote_header"), &q, id);
        const json_t *bt = json_object_get(c, "body_type");
        if (json_is_number(bt))
            assert_int_equal(q.body_type, (int)json_number_value(bt));
        check_claims(json_object_get(c, "quote_claims"), &q, id);
        check_qe_report(json_object_get(c, "qe_report"), &q, id);
        const json_t *e = json_object_get(c, "expected");
        if (json_object_get(e, "certification_data_type")) {
            assert_int_equal(q.cert_type, num(e, "certification_data_type"));
        } else {
            att__pck_ext pck;
            rc = att__quote_check_signatures(&q, &pck, &d);
            if (rc != ATT_OK)
                fail_msg("%s: signatures: %s", id, d.message);
            check_pck(e, &pck, id);
        }
        free(buf);
        count++;
    }
    assert_true(count >= 15);
}

/* Manifest status names ("TCB_NOT_SUPPORTED") to ours. */
static att__tcb_status status_of(const char *s)
{
    att__tcb_status st;
    if (strcmp(s, "TCB_NOT_SUPPORTED") == 0)
        return ATT_TCB_NOT_SUPPORTED;
    if (att__tcb_status_parse(s, &st) != ATT_OK)
        fail_msg("unknown status %s", s);
    return st;
}

static void verify_case(const json_t *c)
{
    const char *id = str(c, "id");
    const json_t *e = json_object_get(c, "expected");
    size_t n;
    uint8_t *buf = tu_read_quote(str(c, "quote"), (size_t)num(c, "quote_offset"), &n);
    att__dcap_collateral *col = tu_load_collateral(str(c, "collateral"), roots);
    att__quote q;
    att__quote_result r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(buf, n, &q, &d), ATT_OK);
    int rc = att__quote_verify(&q, col, (const att__cert *const *)roots, 2,
                               (int64_t)num(c, "verification_time_unix"), &r, &d);
    att__tcb_status want = status_of(str(e, "status"));
    print_message("%-36s rc=%d status=%s qe=%s %s\n", id, rc, att__tcb_status_name(r.status),
                  att__tcb_status_name(r.qe_status), d.message);
    if (want == ATT_TCB_NOT_SUPPORTED) {
        assert_int_equal(rc, ATT_EUNSUPPORTED);
        assert_string_equal(d.reason, "quote.tcb.not_supported");
        assert_int_equal(r.verdict, ATT_QUOTE_REJECTED);
    } else {
        if (rc != ATT_OK)
            fail_msg("%s: %s (%s)", id, d.message, d.reason);
        assert_int_equal(r.verdict, ATT_QUOTE_VERIFIED);
        assert_int_equal(r.status, want);
        assert_non_null(r.tcb_date_str);
        int64_t td;
        assert_int_equal(att__time_parse(str(e, "tcb_date"), &td), ATT_OK);
        assert_int_equal(r.tcb_date, td);
        const json_t *adv = json_object_get(e, "advisory_ids");
        assert_int_equal(r.n_advisories, json_array_size(adv));
        for (size_t i = 0; i < r.n_advisories; i++)
            assert_string_equal(r.advisory_ids[i], json_string_value(json_array_get(adv, i)));
        assert_int_equal(r.qe_status, status_of(str(e, "qe_identity_status")));
    }
    check_pck(e, &r.pck, id);
    assert_string_equal(r.pck_issuer, str(e, "pck_issuer"));
    assert_int_equal(r.tcb_info_version, num(e, "tcb_info_version"));
    const json_t *mod = json_object_get(e, "tdx_module");
    if (json_is_array(mod)) {
        assert_true(r.tdx_module_checked);
        assert_string_equal(r.tdx_module_id, json_string_value(json_array_get(mod, 0)));
        assert_int_equal(r.tdx_module_status, status_of(json_string_value(json_array_get(mod, 1))));
    } else {
        assert_false(r.tdx_module_checked);
    }
    att__dcap_unref(col);
    free(buf);
}

/* Every manifest case with normalized collateral verifies to its expected outcome. */
static void verify_all(void **state)
{
    size_t i, count = 0;
    json_t *c;
    json_array_foreach(json_object_get(manifest, "cases"), i, c)
    {
        const char *col = str(c, "collateral");
        if (!col || strncmp(col, "normalized-collateral/", 22) != 0)
            continue;
        verify_case(c);
        count++;
    }
    assert_int_equal(count, 13);
}

/* Quotes without collateral: signatures and the PCK chain to the Intel root (no CRLs). */
static void chain_only_cases(void **state)
{
    const char *files[] = {"tdx-v4/trustee/tdx_quote_6.dat",
                           "sgx-v3/openenclave-qve-thread/sgx_quote.bin"};
    for (size_t i = 0; i < 2; i++) {
        size_t n;
        uint8_t *buf = tu_read_quote(files[i], 0, &n);
        att__quote q;
        att_diag d;
        att_diag_clear(&d);
        assert_int_equal(att__quote_parse(buf, n, &q, &d), ATT_OK);
        assert_int_equal(att__quote_check_signatures(&q, NULL, &d), ATT_OK);
        att__cert **certs = NULL;
        size_t nc = 0;
        assert_int_equal(att__certs_from_pem((const char *)q.cert_data, q.cert_len, &certs, &nc),
                         ATT_OK);
        int64_t nb, na;
        assert_int_equal(att__cert_validity(certs[0], &nb, &na), ATT_OK);
        att__chain_opts o = {.intermediates = (const att__cert *const *)certs + 1,
                             .n_intermediates = nc - 1,
                             .anchors = (const att__cert *const *)roots,
                             .n_anchors = 2,
                             .at = nb + 86400};
        assert_int_equal(att__chain_verify(certs[0], &o, &d), ATT_OK);
        att__certs_free(certs, nc);
        free(buf);
    }
}

/* OE's negative vector: quote signatures valid, the PCK CA's signature by the root broken. */
static void oe_negative_chain(void **state)
{
    size_t n;
    uint8_t *buf = tu_read_quote("sgx-v3/openenclave-negative/sgx_report_bad.bin", 16, &n);
    att__dcap_collateral *col =
        tu_load_collateral("normalized-collateral/sgx-v3_openenclave-plugin.json", roots);
    att__quote q;
    att__quote_result r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(buf, n, &q, &d), ATT_OK);
    assert_int_equal(att__quote_check_signatures(&q, NULL, &d), ATT_OK);
    int rc = att__quote_verify(&q, col, (const att__cert *const *)roots, 2, 1651363200, &r, &d);
    print_message("oe negative: rc=%d %s: %s\n", rc, d.reason, d.message);
    assert_int_equal(rc, ATT_ECHAIN);
    assert_true(strncmp(d.reason, "quote.pck_chain", 15) == 0);
    assert_int_equal(r.verdict, ATT_QUOTE_REJECTED);
    att__dcap_unref(col);
    free(buf);
}

#define SYN "vectors/sgx-v3/intel-qvl-sample-synthetic/"

/* Splits a PCS response {"<key>":{...},"signature":"hex"} of file `rel` into the exact
 * signed text and the signature (both malloc'd). */
static void split_signed(const char *rel, size_t keylen, char **text, char **sig)
{
    size_t n;
    char *raw = (char *)tu_read_file(tu_shared_path(rel), &n);
    const char *marker = ",\"signature\":\"";
    char *last = NULL;
    for (char *p = strstr(raw, marker); p; p = strstr(p + 1, marker))
        last = p;
    assert_non_null(last);
    size_t start = keylen + 4; /* {"<key>": */
    *text = strndup(raw + start, (size_t)(last - raw) - start);
    char *s = last + strlen(marker);
    *sig = strndup(s, strcspn(s, "\""));
    free(raw);
}

static char *read_text(const char *rel)
{
    return (char *)tu_read_file(tu_shared_path(rel), NULL);
}

static char *crl_hex(const char *rel)
{
    size_t n;
    uint8_t *der = tu_read_file(tu_shared_path(rel), &n);
    char *h = att__hex_encode_alloc(der, n, 0);
    free(der);
    return h;
}

/* Intel's QVL sample: certification data type 1 (PPID), so the PCK chain is supplied by
 * the caller; its own synthetic root; collateral composed into the normalized form. */
static void synthetic_external_pck(void **state)
{
    char *tcb, *tcb_sig, *qe, *qe_sig;
    split_signed(SYN "tcbInfo.json", strlen("tcbInfo"), &tcb, &tcb_sig);
    split_signed(SYN "qeIdentity.json", strlen("enclaveIdentity"), &qe, &qe_sig);
    char *pck_chain = read_text(SYN "pckSignChain.pem");
    char *tcb_chain = read_text(SYN "tcbSignChain.pem");
    char *root_crl = crl_hex(SYN "rootCaCrl.der");
    char *pck_crl = crl_hex(SYN "intermediateCaCrl.der");
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "pck_crl_issuer_chain", pck_chain,
                  "root_ca_crl", root_crl, "pck_crl", pck_crl, "tcb_info_issuer_chain", tcb_chain,
                  "tcb_info", tcb, "tcb_info_signature", tcb_sig, "qe_identity_issuer_chain",
                  tcb_chain, "qe_identity", qe, "qe_identity_signature", qe_sig);
    assert_non_null(o);
    char *json = json_dumps(o, 0);
    assert_non_null(json);

    size_t n;
    uint8_t *root_pem = tu_read_file(tu_shared_path(SYN "trustedRootCaCert.pem"), &n);
    att__cert *root = NULL;
    assert_int_equal(att__cert_from_pem((const char *)root_pem, n, &root), ATT_OK);
    const att__cert *anchors[1] = {root};
    att__dcap_collateral *col = NULL;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__dcap_collateral_load_json(json, strlen(json), anchors, 1, &col, &d);
    if (rc != ATT_OK)
        fail_msg("synthetic collateral: %s", d.message);

    /* PCK chain: pckCert.pem + its CA */
    uint8_t *pck_pem = tu_read_file(tu_shared_path(SYN "pckCert.pem"), &n);
    att__cert *pck = NULL, **ca = NULL;
    size_t nca = 0;
    assert_int_equal(att__cert_from_pem((const char *)pck_pem, n, &pck), ATT_OK);
    assert_int_equal(att__certs_from_pem(pck_chain, strlen(pck_chain), &ca, &nca), ATT_OK);
    const att__cert *chain[3] = {pck, ca[0], nca > 1 ? ca[1] : NULL};

    uint8_t *buf = tu_read_quote("sgx-v3/intel-qvl-sample-synthetic/quote.dat", 0, &n);
    att__quote q;
    att__quote_result r;
    assert_int_equal(att__quote_parse(buf, n, &q, &d), ATT_OK);
    assert_int_equal(q.cert_type, 1);
    /* without an external chain: type 1 carries no PCK certificate */
    assert_int_equal(att__quote_verify(&q, col, anchors, 1, 1735689600, &r, &d), ATT_EUNSUPPORTED);
    assert_string_equal(d.reason, "quote.cert_type");
    att_diag_clear(&d);
    rc = att__quote_verify_pck(&q, chain, nca > 1 ? 3 : 2, col, anchors, 1, 1735689600, &r, &d);
    print_message("synthetic: rc=%d status=%s %s\n", rc, att__tcb_status_name(r.status), d.message);
    assert_int_equal(rc, ATT_OK);
    assert_int_equal(r.status, ATT_TCB_UP_TO_DATE);
    assert_int_equal(r.qe_status, ATT_TCB_UP_TO_DATE);
    assert_string_equal(r.tcb_date_str, "2019-09-01T00:00:00Z");
    tu_assert_hex(r.pck.fmspc, 6, "00707f000000", "fmspc");
    /* the real Intel root does not anchor it */
    att_diag_clear(&d);
    rc = att__quote_verify_pck(&q, chain, 2, col, (const att__cert *const *)roots, 2, 1735689600,
                               &r, &d);
    assert_int_equal(rc, ATT_ECHAIN);

    free(buf);
    att__certs_free(ca, nca);
    att__cert_free(pck);
    free(pck_pem);
    att__dcap_unref(col);
    att__cert_free(root);
    free(root_pem);
    free(json);
    json_decref(o);
    free(tcb);
    free(tcb_sig);
    free(qe);
    free(qe_sig);
    free(pck_chain);
    free(tcb_chain);
    free(root_crl);
    free(pck_crl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_all),
        cmocka_unit_test(verify_all),
        cmocka_unit_test(chain_only_cases),
        cmocka_unit_test(oe_negative_chain),
        cmocka_unit_test(synthetic_external_pck),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
