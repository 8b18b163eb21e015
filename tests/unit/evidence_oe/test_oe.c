/* Unit tests of src/evidence/oe on real vectors: the Azure C++ SDK legacy OE reports
 * (debug / non-debug), the Open Enclave plugin's SGX ECDSA evidence with empty custom
 * claims (bare and wrapped in an attestation header), the legacy and raw-quote formats
 * behind an attestation header, custom claims bound through report data, and OE's
 * broken-chain report. Verification uses the 2022 OE collateral at 2022-05-01. */
#include "oe_tu.h"

static att__cert *roots[2];
static att__dcap_store *store;

static int setup(void **state)
{
    (void)state;
    tu_load_roots(roots);
    store = oe_tu_store(roots);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    att__dcap_store_free(store);
    tu_free_roots(roots);
    att__quote_cache_clear();
    return 0;
}

static int verify(const att__oe_evidence *ev, att__oe_result *r, att_diag *d)
{
    att_diag_clear(d);
    return att__oe_verify(ev, store, (const att__cert *const *)roots, 2, OE_AT, r, d);
}

static void check_report(const char *rel, int debug, const char *mrenclave)
{
    size_t n;
    uint8_t *buf = tu_read_quote(rel, 0, &n);
    att__oe_evidence ev;
    att_diag d;
    att_diag_clear(&d);
    /* both entry points accept the legacy report */
    assert_int_equal(att__oe_report_parse(buf, n, &ev, &d), ATT_OK);
    assert_int_equal(att__oe_parse(buf, n, &ev, &d), ATT_OK);
    assert_int_equal(ev.format, ATT_OE_FORMAT_LEGACY_REPORT);
    assert_true(ev.has_report_header);
    assert_false(ev.has_attestation_header);
    assert_int_equal(ev.quote_len, 4584);
    assert_ptr_equal(ev.quote, buf + 16);
    assert_memory_equal(ev.format_uuid, att__oe_uuid_legacy_report_remote, 16);

    att__oe_result r;
    int rc = verify(&ev, &r, &d);
    if (rc != ATT_OK)
        fail_msg("%s: %s (%s)", rel, d.message, d.reason);
    assert_int_equal(r.quote.status, ATT_TCB_OUT_OF_DATE);
    assert_int_equal(r.quote.qe_status, ATT_TCB_OUT_OF_DATE);
    assert_string_equal(r.claims.tcb_date, "2020-11-11T00:00:00Z");
    assert_int_equal(r.claims.tcb_status, ATT_TCB_OUT_OF_DATE);
    assert_int_equal(r.claims.attributes, ATT_OE_ATTR_REMOTE | (debug ? ATT_OE_ATTR_DEBUG : 0));
    assert_int_equal(r.claims.security_version, 1);
    assert_int_equal(r.claims.product_id[0], 1);
    assert_int_equal(r.claims.id_version, 0);
    tu_assert_hex(r.claims.unique_id, 32, mrenclave, "unique_id");
    assert_null(r.claims.custom);
    assert_null(r.claims.custom_buffer);
    assert_int_equal(r.claims.validity_from, tu_parse_time("2022-04-26T23:28:09Z"));
    assert_int_equal(r.claims.validity_until, tu_parse_time("2022-05-26T22:39:25Z"));
    assert_non_null(r.collateral);
    free(buf);
}

static void test_legacy_debug(void **state)
{
    (void)state;
    check_report(OE_DEBUG_REPORT, 1,
                 "292a1f4b519e46627eb2478a3d9851405653c5b4b0a6925de843834d9216850e");
}

static void test_legacy_nondebug(void **state)
{
    (void)state;
    check_report(OE_NONDEBUG_REPORT, 0,
                 "b779202618becb636768e5d902f28d524222735fafb539ea9ba07c3fc171a1c2");
}

static void check_plugin(const att__oe_evidence *ev)
{
    assert_int_equal(ev->format, ATT_OE_FORMAT_SGX_ECDSA);
    assert_true(ev->has_claims_buffer);
    assert_int_equal(ev->claims_buffer_len, 0);
    assert_int_equal(ev->custom.count, 0);
    assert_memory_equal(ev->format_uuid, att__oe_uuid_sgx_ecdsa, 16);
    att__oe_result r;
    att_diag d;
    int rc = verify(ev, &r, &d);
    if (rc != ATT_OK)
        fail_msg("plugin evidence: %s (%s)", d.message, d.reason);
    assert_int_equal(r.claims.tcb_status, ATT_TCB_SW_HARDENING_NEEDED);
    assert_string_equal(r.claims.tcb_date, "2021-11-10T00:00:00Z");
    assert_int_equal(r.quote.qe_status, ATT_TCB_UP_TO_DATE);
    assert_non_null(r.claims.custom);
    assert_int_equal(r.claims.custom->count, 0);
    /* SHA-256("") */
    tu_assert_hex(r.claims.report_data, 32,
                  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                  "report_data");
}

static void test_plugin_bare(void **state)
{
    (void)state;
    size_t n;
    uint8_t *buf = tu_read_quote(OE_PLUGIN_EVIDENCE, 0, &n);
    att__oe_evidence ev;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__oe_parse(buf, n, &ev, &d), ATT_OK);
    assert_false(ev.has_attestation_header);
    assert_int_equal(ev.quote_len, n);
    check_plugin(&ev);
    /* the legacy entry point refuses it: no report header */
    att_diag_clear(&d);
    assert_int_not_equal(att__oe_report_parse(buf, n, &ev, &d), ATT_OK);
    free(buf);
}

static void test_plugin_wrapped(void **state)
{
    (void)state;
    size_t n, wn;
    uint8_t *buf = tu_read_quote(OE_PLUGIN_EVIDENCE, 0, &n);
    uint8_t *w = oe_tu_wrap(att__oe_uuid_sgx_ecdsa, buf, n, &wn);
    att__oe_evidence ev;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__oe_parse(w, wn, &ev, &d), ATT_OK);
    assert_true(ev.has_attestation_header);
    assert_ptr_equal(ev.quote, w + 28);
    check_plugin(&ev);
    free(w);
    free(buf);
}

/* Legacy report and raw quote behind an attestation header verify like the bare forms;
 * the format_uuid claim is the header's. */
static void test_wrapped_legacy_and_raw(void **state)
{
    (void)state;
    size_t n, wn;
    uint8_t *buf = tu_read_quote(OE_DEBUG_REPORT, 0, &n);
    att__oe_evidence ev;
    att__oe_result r;
    att_diag d;

    uint8_t *w = oe_tu_wrap(att__oe_uuid_legacy_report_remote, buf, n, &wn);
    att_diag_clear(&d);
    assert_int_equal(att__oe_parse(w, wn, &ev, &d), ATT_OK);
    assert_int_equal(ev.format, ATT_OE_FORMAT_LEGACY_REPORT);
    assert_true(ev.has_report_header && ev.has_attestation_header);
    assert_int_equal(verify(&ev, &r, &d), ATT_OK);
    assert_int_equal(r.claims.tcb_status, ATT_TCB_OUT_OF_DATE);
    assert_memory_equal(r.claims.format_uuid, att__oe_uuid_legacy_report_remote, 16);
    free(w);

    w = oe_tu_wrap(att__oe_uuid_raw_sgx_quote, buf + 16, n - 16, &wn);
    att_diag_clear(&d);
    assert_int_equal(att__oe_parse(w, wn, &ev, &d), ATT_OK);
    assert_int_equal(ev.format, ATT_OE_FORMAT_RAW_QUOTE);
    assert_int_equal(verify(&ev, &r, &d), ATT_OK);
    assert_memory_equal(r.claims.format_uuid, att__oe_uuid_raw_sgx_quote, 16);
    /* the report data is the caller's: no custom-claims binding */
    assert_null(r.claims.custom);
    free(w);
    free(buf);
}

/* Custom claims after the plugin quote parse, but the quote's report data binds the empty
 * buffer: the hash check fails with oe.claims.hash naming both digests. */
static void test_claims_hash_mismatch(void **state)
{
    (void)state;
    size_t n, cn;
    uint8_t *buf = tu_read_quote(OE_PLUGIN_EVIDENCE, 0, &n);
    const char *names[2] = {"public_key", "nonce"};
    const char *values[2] = {"-----BEGIN PUBLIC KEY-----", "42"};
    uint8_t *claims = oe_tu_claims(2, names, values, &cn);
    oe_tu_append(&buf, &n, claims, cn);
    att__oe_evidence ev;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__oe_parse(buf, n, &ev, &d), ATT_OK);
    assert_int_equal(ev.custom.count, 2);
    assert_int_equal(ev.claims_buffer_len, cn);
    assert_string_equal(ev.custom.claims[0].name, "public_key");
    assert_int_equal(ev.custom.claims[0].name_len, 10);
    assert_int_equal(ev.custom.claims[1].value_len, 2);
    assert_memory_equal(ev.custom.claims[1].value, "42", 2);
    att__oe_result r;
    assert_int_equal(verify(&ev, &r, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "oe.claims.hash");
    assert_string_equal(d.expected,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free(claims);
    free(buf);
}

/* OE's negative report (FMSPC 00906ea10000): quote signatures are valid, the PCK CA's
 * signature by the root is broken. No collateral in the vectors covers its platform, so
 * through the store it is rejected for missing collateral; verified against the OE
 * collateral directly, the chain check (which precedes the FMSPC comparison) fails. */
static void test_bad_chain(void **state)
{
    (void)state;
    size_t n;
    uint8_t *buf = tu_read_quote(OE_BAD_REPORT, 0, &n);
    att__oe_evidence ev;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__oe_parse(buf, n, &ev, &d), ATT_OK);
    assert_int_equal(ev.format, ATT_OE_FORMAT_LEGACY_REPORT);
    att__oe_result r;
    assert_int_equal(verify(&ev, &r, &d), ATT_ENOTFOUND);
    assert_string_equal(d.reason, "oe.collateral.missing");
    assert_int_equal(r.quote.verdict, ATT_QUOTE_REJECTED);
    assert_int_equal(att__dcap_store_count(store), 1);
    att__quote_result qr;
    att_diag_clear(&d);
    assert_int_equal(att__quote_verify(&ev.q, att__dcap_store_get(store, 0),
                                       (const att__cert *const *)roots, 2, OE_AT, &qr, &d),
                     ATT_ECHAIN);
    if (strncmp(d.reason, "quote.pck_chain", 15) != 0)
        fail_msg("unexpected reason %s: %s", d.reason, d.message);
    free(buf);
}

/* Outside the collateral window, and with no store: named failures. */
static void test_expired_and_missing(void **state)
{
    (void)state;
    size_t n;
    uint8_t *buf = tu_read_quote(OE_DEBUG_REPORT, 0, &n);
    att__oe_evidence ev;
    att__oe_result r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__oe_parse(buf, n, &ev, &d), ATT_OK);
    assert_int_equal(att__oe_verify(&ev, store, (const att__cert *const *)roots, 2,
                                    tu_parse_time("2023-01-01T00:00:00Z"), &r, &d),
                     ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.expired");
    att_diag_clear(&d);
    assert_int_equal(att__oe_verify(&ev, NULL, (const att__cert *const *)roots, 2, OE_AT, &r, &d),
                     ATT_ENOTFOUND);
    assert_string_equal(d.reason, "oe.collateral.missing");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_debug),
        cmocka_unit_test(test_legacy_nondebug),
        cmocka_unit_test(test_plugin_bare),
        cmocka_unit_test(test_plugin_wrapped),
        cmocka_unit_test(test_wrapped_legacy_and_raw),
        cmocka_unit_test(test_claims_hash_mismatch),
        cmocka_unit_test(test_bad_chain),
        cmocka_unit_test(test_expired_and_missing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
