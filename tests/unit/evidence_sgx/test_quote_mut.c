/* Unit tests for src/evidence/sgx: a byte flipped in each region of a valid quote is
 * rejected for the right reason, every truncation is a clean parse error, and collateral
 * that does not fit the quote (expired, other TEE, other PCK CA) is refused. */
#include "sgx_tu.h"

static att__cert *roots[2];
static att__dcap_collateral *col;
static uint8_t *quote;
static size_t quote_len;

#define PHALA_SGX  "sgx-v3/phala-dcap-qvl/sgx_quote.bin"
#define PHALA_COL  "normalized-collateral/sgx-v3_phala-dcap-qvl.json"
#define PHALA_TIME 1750377600
#define CERT_DATA  1052 /* v3: 436 + 64 + 64 + 384 + 64 + 2 + 32 + 2 + 4 */

static int setup(void **state)
{
    tu_load_roots(roots);
    col = tu_load_collateral(PHALA_COL, roots);
    quote = tu_read_quote(PHALA_SGX, 0, &quote_len);
    return 0;
}

static int teardown(void **state)
{
    att__dcap_unref(col);
    tu_free_roots(roots);
    free(quote);
    return 0;
}

/* Parses and verifies buf with `c` at `at`; returns the error and fills d. */
static int run(const uint8_t *buf, size_t n, const att__dcap_collateral *c, int64_t at,
               att__quote_result *r, att_diag *d)
{
    att__quote q;
    att_diag_clear(d);
    int rc = att__quote_parse(buf, n, &q, d);
    if (rc != ATT_OK)
        return rc;
    return att__quote_verify(&q, c, (const att__cert *const *)roots, 2, at, r, d);
}

static void baseline_verifies(void **state)
{
    att__quote_result r;
    att_diag d;
    assert_int_equal(run(quote, quote_len, col, PHALA_TIME, &r, &d), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
}

static void flips(void **state)
{
    static const struct {
        size_t off;
        const char *reason; /* prefix of the expected diag reason */
        const char *region;
    } cases[] = {
        {12, "quote.header.qe_vendor_id", "header (QE vendor id)"},
        {30, "quote.signature", "header (user data)"},
        {8, "quote.signature", "header (QE SVN)"},
        {48 + 64, "quote.signature", "report body (mrenclave)"},
        {48 + 320, "quote.signature", "report body (report data)"},
        {436 + 10, "quote.signature", "quote signature"},
        {500 + 10, "quote.qe_report.report_data", "attestation key"},
        {564 + 64, "quote.qe_report.signature", "QE report"},
        {948 + 5, "quote.qe_report.signature", "QE report signature"},
        {1014 + 3, "quote.qe_report.report_data", "QE auth data"},
        {CERT_DATA + 400, "quote.pck", "PCK certificate"},
        {CERT_DATA + 1800, "quote.pck", "PCK CA certificate"},
    };
    uint8_t *buf = malloc(quote_len);
    assert_non_null(buf);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(buf, quote, quote_len);
        buf[cases[i].off] ^= 0x01;
        att__quote_result r;
        att_diag d;
        int rc = run(buf, quote_len, col, PHALA_TIME, &r, &d);
        print_message("%-28s rc=%d %s: %s\n", cases[i].region, rc, d.reason, d.message);
        assert_int_not_equal(rc, ATT_OK);
        assert_int_equal(r.verdict, ATT_QUOTE_REJECTED);
        if (strncmp(d.reason, cases[i].reason, strlen(cases[i].reason)) != 0)
            fail_msg("%s: reason %s, expected %s", cases[i].region, d.reason, cases[i].reason);
    }
    free(buf);
}

/* Every prefix of the quote fails to parse cleanly (exact-size copies so that ASan sees
 * any over-read); the same holds for a TDX v4 and a v5 quote up to their declared size. */
static void truncations(void **state)
{
    static const char *const files[] = {PHALA_SGX,
                                        "tdx-v4/automata-dcap-rs/quote_tdx_00806f050000.dat",
                                        "tdx-v5/go-tdx-guest/quote_v5_sample.dat"};
    for (size_t f = 0; f < 3; f++) {
        size_t n;
        uint8_t *full = tu_read_quote(files[f], 0, &n);
        att__quote q;
        att_diag d;
        att_diag_clear(&d);
        assert_int_equal(att__quote_parse(full, n, &q, &d), ATT_OK);
        size_t real = q.size;
        for (size_t len = 0; len <= real; len++) {
            uint8_t *cut = malloc(len ? len : 1);
            assert_non_null(cut);
            memcpy(cut, full, len);
            att_diag_clear(&d);
            int rc = att__quote_parse(cut, len, &q, &d);
            if (len < real) {
                assert_int_not_equal(rc, ATT_OK);
                assert_true(d.message[0] != '\0');
            } else {
                assert_int_equal(rc, ATT_OK);
            }
            free(cut);
        }
        free(full);
    }
}

static void size_fields(void **state)
{
    uint8_t *buf = malloc(quote_len);
    assert_non_null(buf);
    att__quote q;
    att_diag d;

    memcpy(buf, quote, quote_len);
    memset(buf + 432, 0xff, 4); /* signature_data_len */
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(buf, quote_len, &q, &d), ATT_ETRUNC);
    assert_string_equal(d.message,
                        "quote.signature_data_len: declares 4294967295 bytes, 4164 present");

    memcpy(buf, quote, quote_len);
    buf[1012] = 0xff; /* QE auth data length 32 -> 255 */
    att_diag_clear(&d);
    assert_int_not_equal(att__quote_parse(buf, quote_len, &q, &d), ATT_OK);

    memcpy(buf, quote, quote_len);
    buf[0] = 2; /* version */
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(buf, quote_len, &q, &d), ATT_EUNSUPPORTED);
    assert_string_equal(d.reason, "quote.header.version");

    memcpy(buf, quote, quote_len);
    buf[2] = 3; /* P-384 attestation key */
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(buf, quote_len, &q, &d), ATT_EUNSUPPORTED);

    memcpy(buf, quote, quote_len);
    buf[4] = 0x81; /* TDX in a v3 quote */
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(buf, quote_len, &q, &d), ATT_EPARSE);
    free(buf);
}

static void collateral_mismatch(void **state)
{
    att__quote_result r;
    att_diag d;
    /* outside the collateral window: rejected, naming what expired */
    assert_int_equal(run(quote, quote_len, col, PHALA_TIME + 90 * 86400, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.expired");
    print_message("expired: %s\n", d.message);
    /* 2025-07-19T10:30:00Z: after QE identity nextUpdate, before TCB info nextUpdate */
    assert_int_equal(run(quote, quote_len, col, 1752921000, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.expired");
    assert_string_equal(d.field, "qe_identity.nextUpdate");
    print_message("expired: %s\n", d.message);
    assert_int_equal(run(quote, quote_len, col, PHALA_TIME - 30 * 86400, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.not_yet_valid");

    /* TDX collateral for an SGX quote */
    att__dcap_collateral *tdx =
        tu_load_collateral("normalized-collateral/tdx-v4_phala-dcap-qvl.json", roots);
    assert_int_equal(run(quote, quote_len, tdx, PHALA_TIME, &r, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "collateral.tcb_info.tee");
    att__dcap_unref(tdx);

    /* Platform-CA collateral for a Processor-CA PCK */
    att__dcap_collateral *plat =
        tu_load_collateral("normalized-collateral/sgx-v3_automata-dcap-rs.json", roots);
    assert_int_equal(run(quote, quote_len, plat, 1739491200, &r, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "collateral.pck_crl.issuer");
    att__dcap_unref(plat);

    /* another platform's TCB info (FMSPC 00906ed50000 vs 00a067110000) */
    size_t n;
    uint8_t *oe = tu_read_quote("oe/azure-sdk-cpp-maa/oe_report_remote_debug.bin", 16, &n);
    int rc = run(oe, n, col, PHALA_TIME, &r, &d);
    print_message("oe quote with phala collateral: rc=%d %s: %s\n", rc, d.reason, d.message);
    assert_int_not_equal(rc, ATT_OK);
    free(oe);
}

/* TDX v4: a flip in MRSIGNERSEAM fails the module identity, elsewhere a signature. */
static void tdx_flips(void **state)
{
    static const struct {
        size_t off;
        const char *reason;
    } cases[] = {
        {48 + 64, "quote.tdx_module.mismatch"},   /* MRSIGNERSEAM */
        {48 + 112, "quote.tdx_module.mismatch"},  /* SEAM_ATTRIBUTES */
        {48 + 136, "quote.signature"},            /* MRTD */
        {48 + 520, "quote.signature"},            /* REPORTDATA */
        {636 + 3, "quote.signature"},             /* signature */
        {700 + 3, "quote.qe_report.report_data"}, /* attestation key */
        {770 + 64, "quote.qe_report.signature"},  /* QE report (type-6 payload) */
    };
    size_t n;
    uint8_t *tdx = tu_read_quote("tdx-v4/phala-dcap-qvl/tdx_quote.bin", 0, &n);
    att__dcap_collateral *c =
        tu_load_collateral("normalized-collateral/tdx-v4_phala-dcap-qvl.json", roots);
    att__quote_result r;
    att_diag d;
    assert_int_equal(run(tdx, n, c, PHALA_TIME, &r, &d), ATT_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tdx[cases[i].off] ^= 0x01;
        int rc = run(tdx, n, c, PHALA_TIME, &r, &d);
        tdx[cases[i].off] ^= 0x01;
        print_message("tdx +%zu rc=%d %s: %s\n", cases[i].off, rc, d.reason, d.message);
        assert_int_not_equal(rc, ATT_OK);
        assert_string_equal(d.reason, cases[i].reason);
    }
    att__dcap_unref(c);
    free(tdx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(baseline_verifies),   cmocka_unit_test(flips),
        cmocka_unit_test(truncations),         cmocka_unit_test(size_fields),
        cmocka_unit_test(collateral_mismatch), cmocka_unit_test(tdx_flips),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
