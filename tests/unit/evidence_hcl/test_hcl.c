/* src/evidence/hcl: the two Azure CVM HCL reports of the vectors (SNP and TDX) parse, their
 * runtime claims bind to the hardware report, and every mutation (tampered runtime JSON,
 * truncation at every length, wrong type / signature / sizes, a TD quote of another TD) is
 * refused with a reason that names the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evidence/hcl/hcl.h"
#include "core/codec.h"
#include "testutil.h"

#define SNP_HCL       "vectors/azure-cvm/az-snp-vtpm/hcl-report.bin"
#define TDX_HCL       "vectors/azure-cvm/az-tdx-vtpm/hcl-report.bin"
#define SNP_EXTRACTED "vectors/snp/azure-hcl-extracted/milan_v2_report.bin"

static uint8_t *load(const char *rel, size_t *n)
{
    uint8_t *p = tu_read_file(tu_shared_path(rel), n);
    assert_non_null(p);
    return p;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_snp_report(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = load(SNP_HCL, &n);
    att__hcl_report r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__hcl_parse(b, n, &r, &d), ATT_OK);
    assert_int_equal(r.type, ATT_HCL_REPORT_SNP);
    assert_int_equal(r.version, 1);
    assert_int_equal(r.report_size, 2346);
    assert_int_equal(r.size, 2346);
    assert_int_equal(r.hw_report_len, 1184);
    assert_int_equal(r.hash_type, 1);
    assert_int_equal(r.runtime_len, 1110);
    assert_ptr_equal(r.hw_report, b + 32);
    assert_ptr_equal(r.report_data, b + 32 + 0x50);
    assert_int_equal(att__hcl_check_binding(&r, &d), ATT_OK);
    /* the hardware report is the one the vectors also hold as a bare SNP report */
    size_t en;
    uint8_t *ex = load(SNP_EXTRACTED, &en);
    assert_int_equal(en, 1184);
    assert_memory_equal(ex, r.hw_report, 1184);
    free(ex);

    json_t *j = NULL;
    const json_t *ak = NULL, *vc = NULL;
    assert_int_equal(att__hcl_runtime_parse(&r, &j, &ak, &vc, &d), ATT_OK);
    assert_non_null(ak);
    assert_string_equal(tu_jstr(ak, "kty"), "RSA");
    assert_string_equal(tu_jstr(ak, "e"), "AQAB");
    assert_non_null(vc);
    assert_true(json_is_true(json_object_get(vc, "secure-boot")));
    assert_true(json_is_true(json_object_get(vc, "tpm-enabled")));
    assert_string_equal(tu_jstr(vc, "vmUniqueId"), "911B0EF8-9DBA-48B0-B275-4E4DF2D39252");
    json_decref(j);
    free(b);
}

static void test_tdx_report(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = load(TDX_HCL, &n);
    att__hcl_report r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__hcl_parse(b, n, &r, &d), ATT_OK);
    assert_int_equal(r.type, ATT_HCL_REPORT_TDX);
    assert_int_equal(r.version, 2);
    assert_int_equal(r.hw_report_len, 1024);
    assert_int_equal(r.runtime_len, 1201);
    assert_ptr_equal(r.report_data, b + 32 + 128);
    assert_int_equal(att__hcl_check_binding(&r, &d), ATT_OK);
    char hex[97];
    att__hex_encode(r.td.mrtd, 48, 0, hex);
    assert_string_equal(hex, "024a32b070383331181619fa387cb4d55d1e38879f989933055ccad5bc2db795d1"
                             "737b66205949d15469dc8c1ba7ab7b");
    att__hex_encode(r.td.tee_tcb_svn, 16, 0, hex);
    assert_string_equal(hex, "02010600000000000000000000000000");
    att__hex_encode(r.td.xfam, 8, 0, hex);
    assert_string_equal(hex, "e718060000000000");
    json_t *j = NULL;
    const json_t *ak = NULL, *vc = NULL;
    assert_int_equal(att__hcl_runtime_parse(&r, &j, &ak, &vc, &d), ATT_OK);
    assert_non_null(ak);
    assert_false(json_is_true(json_object_get(vc, "tpm-persisted")));
    assert_string_equal(tu_jstr(vc, "vmUniqueId"), "6332533D-5649-4D02-8AA7-8F64B7C3EE21");
    json_decref(j);
    free(b);
}

/* Flips one byte of the runtime JSON (inside a value, so it stays JSON): the binding fails
 * and names the runtime data. */
static void test_tampered_runtime(void **state)
{
    (void)state;
    const char *files[] = {SNP_HCL, TDX_HCL};
    for (size_t f = 0; f < 2; f++) {
        size_t n;
        uint8_t *b = load(files[f], &n);
        uint8_t *p = (uint8_t *)strstr((char *)b + 32 + 1184 + 20, "vmUniqueId\":\"");
        assert_non_null(p);
        p[13] ^= 0x01; /* first character of the VM id */
        att__hcl_report r;
        att_diag d;
        att_diag_clear(&d);
        assert_int_equal(att__hcl_parse(b, n, &r, &d), ATT_OK);
        assert_int_equal(att__hcl_check_binding(&r, &d), ATT_EMISMATCH);
        assert_string_equal(d.reason, "hcl.runtime.binding");
        assert_string_equal(d.field, "hcl.runtime.data");
        assert_non_null(strstr(d.message, "REPORT_DATA[0:32]"));
        /* the hardware report tampered instead */
        p[13] ^= 0x01;
        b[32 + (f == 0 ? 0x50 : 128)] ^= 0x80;
        att_diag_clear(&d);
        assert_int_equal(att__hcl_parse(b, n, &r, &d), ATT_OK);
        assert_int_equal(att__hcl_check_binding(&r, &d), ATT_EMISMATCH);
        free(b);
    }
}

static void test_truncated(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = load(TDX_HCL, &n);
    att__hcl_report r;
    for (size_t len = 0; len < 2437; len++) {
        att_diag d;
        att_diag_clear(&d);
        uint8_t *c = malloc(len ? len : 1);
        memcpy(c, b, len);
        int rc = att__hcl_parse(c, len, &r, &d);
        assert_int_equal(rc, ATT_ETRUNC);
        assert_true(strncmp(d.reason, "hcl.", 4) == 0);
        free(c);
    }
    free(b);
}

static void expect_parse(const uint8_t *b, size_t n, int want, const char *reason)
{
    att__hcl_report r;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__hcl_parse(b, n, &r, &d);
    if (rc != want)
        fail_msg("%s: rc %d (%s: %s)", reason, rc, d.reason, d.message);
    assert_string_equal(d.reason, reason);
}

static void test_bad_fields(void **state)
{
    (void)state;
    size_t n;
    uint8_t *orig = load(SNP_HCL, &n);
    uint8_t *b = malloc(n);
    const size_t rt = 32 + 1184;

#define RESET() memcpy(b, orig, n)
    RESET();
    b[3] = 'B';
    expect_parse(b, n, ATT_EPARSE, "hcl.header.signature");
    RESET();
    put32(b + 4, 3);
    expect_parse(b, n, ATT_EUNSUPPORTED, "hcl.header.version");
    RESET();
    put32(b + 8, 2347);
    expect_parse(b, n, ATT_EPARSE, "hcl.header.report_size");
    RESET();
    put32(b + 8, 0xffffffffu);
    expect_parse(b, n, ATT_ETRUNC, "hcl.header.report_size");
    RESET();
    put32(b + rt, 1131);
    expect_parse(b, n, ATT_EPARSE, "hcl.runtime.data_size");
    RESET();
    put32(b + rt + 16, 0xffffffecu); /* variable size whose + 20 wraps to 0 in 32 bits */
    put32(b + rt, 0);
    expect_parse(b, n, ATT_EPARSE, "hcl.runtime.data_size");
    RESET();
    put32(b + rt + 8, 3);
    expect_parse(b, n, ATT_EUNSUPPORTED, "hcl.runtime.report_type");
    RESET();
    put32(b + rt + 8, 4); /* says TDX, holds an SNP report (version 2, not 0x81) */
    expect_parse(b, n, ATT_EPARSE, "hcl.tdreport.type");
    RESET();
    put32(b + rt + 12, 0);
    expect_parse(b, n, ATT_EUNSUPPORTED, "hcl.runtime.hash_type");
    /* SHA-384 declared: parses, binding fails (the report binds SHA-256) */
    RESET();
    put32(b + rt + 12, 2);
    att__hcl_report r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__hcl_parse(b, n, &r, &d), ATT_OK);
    assert_int_equal(att__hcl_check_binding(&r, &d), ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "SHA-384"));
    free(b);
    free(orig);
}

/* Rebuilds an HCL report around new runtime JSON (binding re-computed), to test the runtime
 * claims checks on their own. */
static uint8_t *with_runtime(const char *file, const char *json, size_t *out_n)
{
    size_t n;
    uint8_t *orig = load(file, &n);
    size_t jl = strlen(json), total = 32 + 1184 + 20 + jl;
    uint8_t *b = calloc(1, total);
    memcpy(b, orig, 32 + 1184 + 20);
    memcpy(b + 32 + 1184 + 20, json, jl);
    put32(b + 8, (uint32_t)total);
    put32(b + 32 + 1184, (uint32_t)(20 + jl));
    put32(b + 32 + 1184 + 16, (uint32_t)jl);
    att__hcl_report r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__hcl_parse(b, total, &r, &d), ATT_OK);
    uint8_t h[32];
    assert_int_equal(att__hash(ATT_HASH_SHA256, json, jl, h), ATT_OK);
    memcpy((uint8_t *)r.report_data, h, 32);
    free(orig);
    *out_n = total;
    return b;
}

static void expect_runtime(const char *json, int want, const char *reason)
{
    size_t n;
    uint8_t *b = with_runtime(TDX_HCL, json, &n);
    att__hcl_report r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__hcl_parse(b, n, &r, &d), ATT_OK);
    assert_int_equal(att__hcl_check_binding(&r, &d), ATT_OK);
    json_t *j = NULL;
    int rc = att__hcl_runtime_parse(&r, &j, NULL, NULL, &d);
    if (rc != want)
        fail_msg("%s: rc %d (%s: %s)", json, rc, d.reason, d.message);
    if (reason)
        assert_string_equal(d.reason, reason);
    json_decref(j);
    free(b);
}

static void test_runtime_claims(void **state)
{
    (void)state;
    expect_runtime("{}", ATT_OK, NULL);
    expect_runtime("{\"keys\":[]}", ATT_OK, NULL);
    expect_runtime("[1]", ATT_EPARSE, "hcl.runtime.json");
    expect_runtime("{\"keys\":{}}", ATT_EPARSE, "hcl.runtime.keys");
    expect_runtime("{\"keys\":[{\"kty\":\"RSA\"}]}", ATT_EPARSE, "hcl.runtime.keys.kid");
    expect_runtime("{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"EC\"}]}", ATT_EUNSUPPORTED,
                   "hcl.runtime.keys.akpub");
    expect_runtime(
        "{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"!!\"}]}",
        ATT_EPARSE, "hcl.runtime.keys.akpub");
    expect_runtime("{\"vm-configuration\":{\"secure-boot\":\"yes\"}}", ATT_EPARSE,
                   "hcl.runtime.vm_configuration");
    expect_runtime("{\"vm-configuration\":{\"vmUniqueId\":7}}", ATT_EPARSE,
                   "hcl.runtime.vm_configuration");
    expect_runtime("{\"a\":1,\"a\":2}", ATT_EPARSE, "hcl.runtime.json");
    char deep[80];
    memset(deep, '[', 40);
    memcpy(deep, "{\"a\":", 5);
    deep[40] = '\0';
    expect_runtime(deep, ATT_ELIMIT, "hcl.runtime.depth");
}

/* A TD quote of another TD does not match the TDREPORT; the TDREPORT's own values do. */
static void test_td_quote_match(void **state)
{
    (void)state;
    size_t n, qn;
    uint8_t *b = load(TDX_HCL, &n);
    uint8_t *qb = load("vectors/tdx-v4/phala-dcap-qvl/tdx_quote.bin", &qn);
    att__hcl_report r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__hcl_parse(b, n, &r, &d), ATT_OK);
    /* TD report 1.0 body of a v4 quote: at 48, offsets of hw-evidence.md 1.4 */
    assert_true(qn > 48 + 584);
    const uint8_t *t = qb + 48;
    att__hcl_td_fields f = {.tee_tcb_svn = t,
                            .mrseam = t + 16,
                            .mrsignerseam = t + 64,
                            .seam_attributes = t + 112,
                            .td_attributes = t + 120,
                            .xfam = t + 128,
                            .mrtd = t + 136,
                            .mrconfigid = t + 184,
                            .mrowner = t + 232,
                            .mrownerconfig = t + 280,
                            .rtmr = {t + 328, t + 376, t + 424, t + 472},
                            .report_data = t + 520};
    assert_int_equal(att__hcl_tdx_match_quote(&r, &f, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "hcl.td_quote.report_data");
    /* the TDREPORT's own fields match; one RTMR changed is named */
    const att__hcl_tdreport *td = &r.td;
    uint8_t rtmr2[48];
    memcpy(rtmr2, td->rtmr[2], 48);
    rtmr2[47] ^= 1;
    att__hcl_td_fields g = {.report_data = td->report_data,
                            .mrtd = td->mrtd,
                            .mrconfigid = td->mrconfigid,
                            .mrowner = td->mrowner,
                            .mrownerconfig = td->mrownerconfig,
                            .rtmr = {td->rtmr[0], td->rtmr[1], td->rtmr[2], td->rtmr[3]},
                            .td_attributes = td->td_attributes,
                            .xfam = td->xfam,
                            .tee_tcb_svn = td->tee_tcb_svn,
                            .mrseam = td->mrseam,
                            .mrsignerseam = td->mrsignerseam,
                            .seam_attributes = td->seam_attributes};
    att_diag_clear(&d);
    assert_int_equal(att__hcl_tdx_match_quote(&r, &g, &d), ATT_OK);
    g.rtmr[2] = rtmr2;
    assert_int_equal(att__hcl_tdx_match_quote(&r, &g, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "hcl.td_quote.rtmr2");
    /* an SNP HCL report has no TDREPORT */
    size_t sn;
    uint8_t *sb = load(SNP_HCL, &sn);
    att__hcl_report s;
    att_diag_clear(&d);
    assert_int_equal(att__hcl_parse(sb, sn, &s, &d), ATT_OK);
    assert_int_equal(att__hcl_tdx_match_quote(&s, &f, &d), ATT_EINVAL);
    free(sb);
    free(qb);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snp_report),       cmocka_unit_test(test_tdx_report),
        cmocka_unit_test(test_tampered_runtime), cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bad_fields),       cmocka_unit_test(test_runtime_claims),
        cmocka_unit_test(test_td_quote_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
