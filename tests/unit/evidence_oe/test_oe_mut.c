/* Mutation tests of the OE parsers (no verification): the legacy report header (version,
 * type, size, truncation at every length), the attestation header (version-3 detection,
 * data_size both ways, wrong and unknown UUIDs, truncation), the custom-claims buffer
 * (version, count, name and value sizes that overflow or run past the end, NUL rules,
 * duplicates, trailing bytes, truncation at every length) and TDX quotes inside OE. */
#include "oe_tu.h"

static int parse(const uint8_t *p, size_t n, att__oe_evidence *ev, att_diag *d)
{
    att_diag_clear(d);
    return att__oe_parse(p, n, ev, d);
}

static void expect_fail(const uint8_t *p, size_t n, int err, const char *reason)
{
    att__oe_evidence ev;
    att_diag d;
    int rc = parse(p, n, &ev, &d);
    if (rc != err || (reason && strcmp(d.reason, reason) != 0))
        fail_msg("got %d %s (%s), expected %d %s", rc, d.reason, d.message, err,
                 reason ? reason : "");
}

static void test_report_header(void **state)
{
    (void)state;
    size_t n;
    uint8_t *buf = tu_read_quote(OE_DEBUG_REPORT, 0, &n);
    att__oe_evidence ev;
    att_diag d;

    buf[8] = 0xe9; /* report_size one more than present */
    expect_fail(buf, n, ATT_ETRUNC, "oe.report_header.size");
    oe_tu_put64(buf + 8, UINT64_MAX);
    expect_fail(buf, n, ATT_ETRUNC, "oe.report_header.size");
    oe_tu_put64(buf + 8, 4584);

    buf[4] = 1; /* local report */
    expect_fail(buf, n, ATT_EUNSUPPORTED, "oe.report_header.type");
    buf[4] = 3;
    expect_fail(buf, n, ATT_EUNSUPPORTED, "oe.report_header.type");
    buf[4] = 2;
    /* version 2 is neither a report header nor an attestation header: parsed as a bare
     * quote, which it is not */
    buf[0] = 2;
    assert_int_not_equal(parse(buf, n, &ev, &d), ATT_OK);
    att_diag_clear(&d);
    assert_int_equal(att__oe_report_parse(buf, n, &ev, &d), ATT_EUNSUPPORTED);
    assert_string_equal(d.reason, "oe.report_header.version");
    buf[0] = 1;

    /* a smaller report_size cuts the quote */
    oe_tu_put64(buf + 8, 4000);
    assert_int_not_equal(parse(buf, n, &ev, &d), ATT_OK);
    oe_tu_put64(buf + 8, 4584);

    /* bytes after the declared report are ignored */
    oe_tu_append(&buf, &n, "\0\0\0", 3);
    assert_int_equal(parse(buf, n, &ev, &d), ATT_OK);
    assert_int_equal(ev.quote_len, 4584);
    n -= 3;

    /* every truncation fails, without reading past the end (ASan) */
    for (size_t k = 0; k < n; k++) {
        uint8_t *t = malloc(k ? k : 1);
        memcpy(t, buf, k);
        assert_int_not_equal(parse(t, k, &ev, &d), ATT_OK);
        free(t);
    }
    free(buf);
}

static void test_attestation_header(void **state)
{
    (void)state;
    size_t n, wn;
    uint8_t *buf = tu_read_quote(OE_PLUGIN_EVIDENCE, 0, &n);
    uint8_t *w = oe_tu_wrap(att__oe_uuid_sgx_ecdsa, buf, n, &wn);
    att__oe_evidence ev;
    att_diag d;
    assert_int_equal(parse(w, wn, &ev, &d), ATT_OK);

    oe_tu_put64(w + 20, n + 1);
    expect_fail(w, wn, ATT_ETRUNC, "oe.attestation_header.data_size");
    oe_tu_put64(w + 20, UINT64_MAX);
    expect_fail(w, wn, ATT_ETRUNC, "oe.attestation_header.data_size");
    oe_tu_put64(w + 20, n - 1);
    expect_fail(w, wn, ATT_EPARSE, "oe.attestation_header.data_size");
    oe_tu_put64(w + 20, n);

    /* known but unsupported formats, and an unknown one */
    static const uint8_t tdx[16] = {0x8b, 0xa7, 0x02, 0x86, 0xc1, 0xcf, 0x11, 0xed,
                                    0xaf, 0xa1, 0x02, 0x42, 0xac, 0x12, 0x00, 0x02};
    static const uint8_t local[16] = {0x09, 0x26, 0x8c, 0x33, 0x6e, 0x0b, 0x45, 0xe5,
                                      0x8a, 0x27, 0x15, 0x64, 0x4d, 0x0e, 0xf8, 0x9a};
    memcpy(w + 4, tdx, 16);
    expect_fail(w, wn, ATT_EUNSUPPORTED, "oe.attestation_header.format");
    parse(w, wn, &ev, &d);
    assert_non_null(strstr(d.message, "TDX quote ECDSA"));
    memcpy(w + 4, local, 16);
    expect_fail(w, wn, ATT_EUNSUPPORTED, "oe.attestation_header.format");
    w[4] ^= 1;
    expect_fail(w, wn, ATT_EUNSUPPORTED, "oe.attestation_header.format");
    parse(w, wn, &ev, &d);
    assert_non_null(strstr(d.message, "unknown format 08268c33-6e0b-45e5-8a27-15644d0ef89a"));

    /* the wrong supported UUID: the data is not what that format says */
    memcpy(w + 4, att__oe_uuid_legacy_report_remote, 16);
    assert_int_not_equal(parse(w, wn, &ev, &d), ATT_OK);
    memcpy(w + 4, att__oe_uuid_raw_sgx_quote, 16);
    assert_int_equal(parse(w, wn, &ev, &d), ATT_OK); /* empty claims: a bare quote */
    assert_int_equal(ev.format, ATT_OE_FORMAT_RAW_QUOTE);
    memcpy(w + 4, att__oe_uuid_sgx_ecdsa, 16);

    for (size_t k = 0; k < 28; k++)
        assert_int_not_equal(parse(w, k, &ev, &d), ATT_OK);
    for (size_t k = 28; k < wn; k++)
        expect_fail(w, k, ATT_ETRUNC, "oe.attestation_header.data_size");
    free(w);
    free(buf);
}

/* A buffer with two claims: offsets of the fields mutated below. */
#define C0_NAME_SIZE  16
#define C0_VALUE_SIZE 24
#define C0_NAME       32

static void test_claims_buffer(void **state)
{
    (void)state;
    const char *names[2] = {"alpha", "beta"};
    const char *values[2] = {"123", ""};
    size_t n;
    uint8_t *b = oe_tu_claims(2, names, values, &n);
    att__oe_custom_claims cc;
    att_diag d;
#define CHECK(err_, reason_)                                                                       \
    do {                                                                                           \
        att_diag_clear(&d);                                                                        \
        int rc_ = att__oe_claims_parse(b, n, &cc, &d);                                             \
        if (rc_ != (err_) || strcmp(d.reason, (reason_)) != 0)                                     \
            fail_msg("line %d: got %d %s (%s)", __LINE__, rc_, d.reason, d.message);               \
    } while (0)

    att_diag_clear(&d);
    assert_int_equal(att__oe_claims_parse(b, n, &cc, &d), ATT_OK);
    assert_int_equal(cc.count, 2);
    assert_string_equal(cc.claims[1].name, "beta");
    assert_int_equal(cc.claims[1].value_len, 0);
    assert_int_equal(att__oe_claims_parse(NULL, 0, &cc, &d), ATT_OK);
    assert_int_equal(cc.count, 0);

    oe_tu_put64(b, 2);
    CHECK(ATT_EUNSUPPORTED, "oe.claims.version");
    oe_tu_put64(b, 1);
    oe_tu_put64(b + 8, UINT64_MAX);
    CHECK(ATT_ELIMIT, "oe.claims.count");
    oe_tu_put64(b + 8, ATT_MAX_OE_CLAIMS + 1);
    CHECK(ATT_ELIMIT, "oe.claims.count");
    oe_tu_put64(b + 8, 3);
    CHECK(ATT_ETRUNC, "oe.claims.truncated");
    oe_tu_put64(b + 8, 1);
    CHECK(ATT_EPARSE, "oe.claims.trailing");
    oe_tu_put64(b + 8, 2);

    oe_tu_put64(b + C0_NAME_SIZE, 0);
    CHECK(ATT_ELIMIT, "oe.claims.name_size");
    oe_tu_put64(b + C0_NAME_SIZE, UINT64_MAX);
    CHECK(ATT_ELIMIT, "oe.claims.name_size");
    oe_tu_put64(b + C0_NAME_SIZE, ATT_MAX_OE_CLAIM_NAME + 1);
    CHECK(ATT_ELIMIT, "oe.claims.name_size");
    oe_tu_put64(b + C0_NAME_SIZE, 5); /* drops the NUL from the name */
    CHECK(ATT_EPARSE, "oe.claims.name");
    oe_tu_put64(b + C0_NAME_SIZE, 6);

    /* value sizes that run past the end, wrap size_t when added to the name size, or
     * fit but leave the next claim short */
    oe_tu_put64(b + C0_VALUE_SIZE, UINT64_MAX);
    CHECK(ATT_ETRUNC, "oe.claims.value_size");
    oe_tu_put64(b + C0_VALUE_SIZE, UINT64_MAX - 5);
    CHECK(ATT_ETRUNC, "oe.claims.value_size");
    oe_tu_put64(b + C0_VALUE_SIZE, n - C0_NAME - 6 + 1);
    CHECK(ATT_ETRUNC, "oe.claims.value_size");
    oe_tu_put64(b + C0_VALUE_SIZE, 4); /* the next claim's header shifts by one */
    CHECK(ATT_ELIMIT, "oe.claims.name_size");
    oe_tu_put64(b + C0_VALUE_SIZE, 3);

    b[C0_NAME + 2] = 0; /* interior NUL */
    CHECK(ATT_EPARSE, "oe.claims.name");
    b[C0_NAME + 2] = 'p';
    memcpy(b + C0_NAME + 6 + 3 + 16, "alph", 4); /* "beta" -> "alph": different length */
    att_diag_clear(&d);
    assert_int_equal(att__oe_claims_parse(b, n, &cc, &d), ATT_OK);
    memcpy(b + C0_NAME + 6 + 3 + 16, "beta", 4);

    /* duplicate names */
    const char *dup[2] = {"x", "x"};
    uint8_t *bd = oe_tu_claims(2, dup, values, &n);
    free(b);
    b = bd;
    CHECK(ATT_EPARSE, "oe.claims.duplicate");
    free(b);

    /* every truncation of a valid buffer fails (except the empty buffer) */
    b = oe_tu_claims(2, names, values, &n);
    for (size_t k = 1; k < n; k++) {
        uint8_t *t = malloc(k);
        memcpy(t, b, k);
        att_diag_clear(&d);
        assert_int_not_equal(att__oe_claims_parse(t, k, &cc, &d), ATT_OK);
        free(t);
    }
    /* the largest count */
    free(b);
    const char *many_n[ATT_MAX_OE_CLAIMS], *many_v[ATT_MAX_OE_CLAIMS];
    char names_buf[ATT_MAX_OE_CLAIMS][8];
    for (size_t i = 0; i < ATT_MAX_OE_CLAIMS; i++) {
        snprintf(names_buf[i], sizeof(names_buf[i]), "c%zu", i);
        many_n[i] = names_buf[i];
        many_v[i] = "v";
    }
    b = oe_tu_claims(ATT_MAX_OE_CLAIMS, many_n, many_v, &n);
    att_diag_clear(&d);
    assert_int_equal(att__oe_claims_parse(b, n, &cc, &d), ATT_OK);
    assert_int_equal(cc.count, ATT_MAX_OE_CLAIMS);
    free(b);
#undef CHECK
}

/* Claims errors surface through att__oe_parse of whole evidence too. */
static void test_evidence_claims(void **state)
{
    (void)state;
    size_t n;
    uint8_t *buf = tu_read_quote(OE_PLUGIN_EVIDENCE, 0, &n);
    oe_tu_append(&buf, &n, "\x01\0\0\0\0\0\0", 7); /* 7 bytes: shorter than a header */
    expect_fail(buf, n, ATT_ETRUNC, "oe.claims.header");
    free(buf);
}

/* TDX quotes are not OE SGX evidence. */
static void test_tdx_inside(void **state)
{
    (void)state;
    size_t n, wn;
    uint8_t *q = tu_read_quote("tdx-v4/phala-dcap-qvl/tdx_quote.bin", 0, &n);
    expect_fail(q, n, ATT_EUNSUPPORTED, "oe.tee_type");
    uint8_t *w = oe_tu_wrap(att__oe_uuid_raw_sgx_quote, q, n, &wn);
    expect_fail(w, wn, ATT_EUNSUPPORTED, "oe.tee_type");
    free(w);
    free(q);
}

static void test_limits(void **state)
{
    (void)state;
    static uint8_t big[1];
    att__oe_evidence ev;
    att_diag d;
    att_diag_clear(&d);
    /* the size check comes before any read */
    assert_int_equal(att__oe_parse(big, (size_t)ATT_MAX_EVIDENCE + 1, &ev, &d), ATT_ELIMIT);
    assert_int_equal(att__oe_report_parse(big, (size_t)ATT_MAX_EVIDENCE + 1, &ev, &d), ATT_ELIMIT);
    expect_fail(big, 0, ATT_ETRUNC, "oe.header");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_header), cmocka_unit_test(test_attestation_header),
        cmocka_unit_test(test_claims_buffer), cmocka_unit_test(test_evidence_claims),
        cmocka_unit_test(test_tdx_inside),    cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
