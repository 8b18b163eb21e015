/* SEV-SNP verification against every case of vectors/manifest-snp.json: parsed report
 * fields, VEK extensions, decoded TCBs and the expected verdict; and the Milan, Genoa and
 * Turin reports of vectors/maa/snp-reports (v3 and v5) with their own VCEK/ASK/ARK. */
#include "snp_tu.h"

#include <jansson.h>
#include <math.h>

static uint64_t jnum_u64(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    assert_non_null(v);
    if (json_is_string(v))
        return strtoull(json_string_value(v), NULL, 0);
    return (uint64_t)json_number_value(v);
}

static void hex_eq(const uint8_t *p, size_t n, const json_t *o, const char *k)
{
    char *h = att__hex_encode_alloc(p, n, 0);
    const char *want = tu_jstr(o, k);
    if (strcmp(h, want) != 0)
        fail_msg("%s: got %s, expected %s", k, h, want);
    free(h);
}

static void tcb_eq(const att__snp_tcb *t, const json_t *o)
{
    assert_int_equal(t->bl, jnum_u64(o, "bl"));
    assert_int_equal(t->tee, jnum_u64(o, "tee"));
    assert_int_equal(t->snp, jnum_u64(o, "snp"));
    assert_int_equal(t->ucode, jnum_u64(o, "ucode"));
}

static void check_fields(const att__snp_report *r, const json_t *f)
{
    assert_int_equal(r->version, jnum_u64(f, "version"));
    assert_int_equal(r->guest_svn, jnum_u64(f, "guest_svn"));
    assert_true(r->policy == jnum_u64(f, "policy"));
    hex_eq(r->family_id, 16, f, "family_id");
    hex_eq(r->image_id, 16, f, "image_id");
    assert_int_equal(r->vmpl, jnum_u64(f, "vmpl"));
    assert_int_equal(r->sig_algo, jnum_u64(f, "sig_algo"));
    assert_true(r->platform_info == jnum_u64(f, "platform_info"));
    assert_true(r->signer_info == jnum_u64(f, "signer_info"));
    hex_eq(r->report_data, 64, f, "report_data");
    hex_eq(r->measurement, 48, f, "measurement");
    hex_eq(r->host_data, 32, f, "host_data");
    hex_eq(r->id_key_digest, 48, f, "id_key_digest");
    hex_eq(r->author_key_digest, 48, f, "author_key_digest");
    hex_eq(r->report_id, 32, f, "report_id");
    hex_eq(r->report_id_ma, 32, f, "report_id_ma");
    hex_eq(r->chip_id, 64, f, "chip_id");
    /* 64-bit values above 2^53 lose precision as JSON reals: compare the top bytes. */
    assert_true((r->reported_tcb >> 12) == (jnum_u64(f, "reported_tcb") >> 12));
    assert_true((r->committed_tcb >> 12) == (jnum_u64(f, "committed_tcb") >> 12));
    assert_int_equal(r->current_build, jnum_u64(f, "current_build"));
    assert_int_equal(r->current_minor, jnum_u64(f, "current_minor"));
    assert_int_equal(r->current_major, jnum_u64(f, "current_major"));
    assert_int_equal(r->committed_build, jnum_u64(f, "committed_build"));
    assert_int_equal(r->committed_major, jnum_u64(f, "committed_major"));
    assert_int_equal(r->cpuid_fam, jnum_u64(f, "cpuid_fam_id"));
    assert_true(r->launch_mit_vector == jnum_u64(f, "launch_mit_vector"));
}

static void check_ext(const att__snp_vek_ext *e, const json_t *x)
{
    assert_int_equal(e->struct_version, jnum_u64(x, "1"));
    assert_string_equal(e->product_name, tu_jstr(x, "2"));
    assert_int_equal(e->bl, jnum_u64(x, "3.1"));
    assert_int_equal(e->tee, jnum_u64(x, "3.2"));
    assert_int_equal(e->snp, jnum_u64(x, "3.3"));
    assert_int_equal(e->ucode, jnum_u64(x, "3.8"));
    if (json_object_get(x, "4"))
        hex_eq(e->hwid, e->hwid_len, x, "4");
}

static void test_manifest(void **state)
{
    json_t *m = tu_load_json("vectors/manifest-snp.json");
    json_t *cases = json_object_get(m, "cases");
    assert_true(json_array_size(cases) >= 6);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        att__snp_cache_clear();
        const char *id = tu_jstr(c, "id");
        size_t n;
        uint8_t *raw = snp_tu_read(tu_jstr(c, "report"), &n);
        size_t off = (size_t)json_number_value(json_object_get(c, "report_offset"));
        att__snp_report r;
        att_diag d;
        att_diag_clear(&d);
        assert_int_equal(att__snp_report_parse(raw + off, n - off, &r, &d), ATT_OK);
        check_fields(&r, json_object_get(c, "report_fields"));
        const json_t *exp = json_object_get(c, "expected");
        const char *files[2] = {tu_jstr(c, "vek"), tu_jstr(c, "ask_ark")};
        int64_t at = tu_parse_time(tu_jstr(c, "verification_time"));
        att__snp_result res;
        int rc = snp_tu_verify(raw + off, n - off, files, 2, at, &res, &d);
        int valid = json_is_true(json_object_get(exp, "valid"));
        const json_t *checks = json_object_get(exp, "checks");
        if (valid) {
            if (rc != ATT_OK)
                fail_msg("%s: expected valid, got %s: %s", id, att_errname(rc), d.message);
            assert_string_equal(json_string_value(json_object_get(exp, "signer")),
                                res.vek.is_vlek ? "VLEK" : "VCEK");
            check_ext(&res.vek, json_object_get(exp, "vek_extensions"));
            tcb_eq(&res.reported, json_object_get(exp, "reported_tcb"));
            tcb_eq(&res.current, json_object_get(exp, "current_tcb"));
            tcb_eq(&res.committed, json_object_get(exp, "committed_tcb"));
            tcb_eq(&res.launch, json_object_get(exp, "launch_tcb"));
            assert_int_equal(res.product, ATT_SNP_MILAN);
            /* A second verification is served from the cache and gives the same verdict. */
            assert_int_equal(snp_tu_verify(raw + off, n - off, files, 2, at, &res, &d), ATT_OK);
            assert_true(res.cache_hit);
        } else {
            if (rc == ATT_OK)
                fail_msg("%s: expected a rejection", id);
            /* The first failing check is the VEK's signature by the ASK. */
            assert_false(json_is_true(json_object_get(checks, "vek_by_ask")));
            assert_true(strstr(d.reason, "snp.vek") != NULL);
            assert_non_null(strstr(d.message, "VCEK"));
        }
        free(raw);
    }
    json_decref(m);
}

/* Milan (v3), Genoa (v3), Turin (v5, FMC, 8-byte hwID) with their VCEK and ASK/ARK. */
static void test_maa_products(void **state)
{
    static const struct {
        const char *name;
        att__snp_product p;
        unsigned version;
    } prods[] = {
        {"milan", ATT_SNP_MILAN, 3}, {"genoa", ATT_SNP_GENOA, 3}, {"turin", ATT_SNP_TURIN, 5}};
    for (size_t i = 0; i < 3; i++) {
        char rep[128], vcek[128], ask[128], ark[128];
        snprintf(rep, sizeof(rep), "maa/snp-reports/%s_attestation_report.bin", prods[i].name);
        snprintf(vcek, sizeof(vcek), "maa/snp-reports/%s_vcek.pem", prods[i].name);
        snprintf(ask, sizeof(ask), "maa/snp-reports/%s_ask.pem", prods[i].name);
        snprintf(ark, sizeof(ark), "maa/snp-reports/%s_ark.pem", prods[i].name);
        size_t n;
        uint8_t *raw = snp_tu_read(rep, &n);
        att__snp_report r;
        att_diag d;
        att_diag_clear(&d);
        assert_int_equal(att__snp_report_parse(raw, n, &r, &d), ATT_OK);
        assert_int_equal(r.version, prods[i].version);
        assert_int_equal(r.product, prods[i].p);
        const char *files[3] = {vcek, ask, ark};
        att__snp_result res;
        int rc = snp_tu_verify(raw, n, files, 3, tu_parse_time("2026-06-01T00:00:00Z"), &res, &d);
        if (rc != ATT_OK)
            fail_msg("%s: %s", prods[i].name, d.message);
        assert_int_equal(res.product, prods[i].p);
        if (prods[i].p == ATT_SNP_TURIN) {
            assert_int_equal(res.vek.hwid_len, 8);
            assert_true(res.vek.has_fmc);
            assert_int_equal(res.reported.fmc, res.vek.fmc);
            assert_int_equal(res.reported.bl, 1);
            assert_int_equal(res.reported.ucode, 0x51);
        } else {
            assert_int_equal(res.vek.hwid_len, 64);
        }
        /* The VCEK alone verifies too: the ASK comes from the built-in certificates. */
        rc = snp_tu_verify(raw, n, files, 1, tu_parse_time("2026-06-01T00:00:00Z"), &res, &d);
        if (rc != ATT_OK)
            fail_msg("%s alone: %s", prods[i].name, d.message);
        free(raw);
    }
}

/* The Turin VCEK of virtee/sev (no report) verifies against its chain and the pinned ARK. */
static void test_turin_vcek_ext(void **state)
{
    att__cert *certs[4];
    size_t n = 0;
    snp_tu_certs("snp/virtee-sev/vcek_turin.der", certs, &n, 4);
    att__snp_vek_ext e;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__snp_vek_ext_from_cert(certs[0], &e, &d), ATT_OK);
    assert_int_equal(e.hwid_len, 8);
    assert_true(e.has_fmc);
    assert_int_equal(att__snp_product_parse(e.product_name), ATT_SNP_TURIN);
    snp_tu_certs_free(certs, n);
}

static void test_builtin_roots(void **state)
{
    for (int p = ATT_SNP_MILAN; p <= ATT_SNP_TURIN; p++)
        for (int w = ATT_SNP_CA_ARK; w <= ATT_SNP_CA_ASVK; w++) {
            const char *pem = att__snp_builtin_pem((att__snp_product)p, (att__snp_ca)w);
            assert_non_null(pem);
            att__cert *c = NULL;
            assert_int_equal(att__cert_from_pem(pem, strlen(pem), &c), ATT_OK);
            att__hash_alg h, mh;
            int salt;
            assert_int_equal(att__cert_sig_pss_params(c, &h, &mh, &salt), ATT_OK);
            assert_int_equal(h, ATT_HASH_SHA384);
            assert_int_equal(mh, ATT_HASH_SHA384);
            assert_int_equal(salt, 48);
            att__cert_free(c);
        }
    assert_null(att__snp_builtin_pem(ATT_SNP_PRODUCT_UNKNOWN, ATT_SNP_CA_ARK));
    assert_int_equal(att__snp_product_parse("Milan-B0"), ATT_SNP_MILAN);
    assert_int_equal(att__snp_product_parse("genoa"), ATT_SNP_GENOA);
    assert_int_equal(att__snp_product_parse("Bergamo"), ATT_SNP_PRODUCT_UNKNOWN);
    assert_int_equal(att__snp_product_from_cpuid(0x19, 0x01), ATT_SNP_MILAN);
    assert_int_equal(att__snp_product_from_cpuid(0x19, 0x11), ATT_SNP_GENOA);
    assert_int_equal(att__snp_product_from_cpuid(0x19, 0xa0), ATT_SNP_GENOA);
    assert_int_equal(att__snp_product_from_cpuid(0x1a, 0x02), ATT_SNP_TURIN);
    assert_int_equal(att__snp_product_from_cpuid(0x17, 0x01), ATT_SNP_PRODUCT_UNKNOWN);
}

/* A certificate with a negative serial (some real VCEKs have zero or negative ones) parses;
 * the VEK reader then judges it by its extensions, not its serial. */
static const char neg_serial_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBpDCCASugAwIBAgIB+zAKBggqhkjOPQQDAjATMREwDwYDVQQDDAhTRVYtVkNF\n"
    "SzAeFw0yNjExMjMyMDExNTRaFw0yNjExMjUyMDExNTRaMBMxETAPBgNVBAMMCFNF\n"
    "Vi1WQ0VLMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEJCIm1Cvs/McRRL09D3eiRB4o\n"
    "WkiwMqmYJ+83rVMI/jK3O4/IeaiYJUXWNbgOWxp4bJCm9DgOCoAJj5Rqi4pgdejq\n"
    "yMw1jLU0GHSdGUekITSsHMzgCblQdpssiOMFXaPBo1MwUTAdBgNVHQ4EFgQUkLBc\n"
    "u/Q70DBrxHMYXwIQNjHJ1XAwHwYDVR0jBBgwFoAUkLBcu/Q70DBrxHMYXwIQNjHJ\n"
    "1XAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNnADBkAjBIkNXIy47A+ONL\n"
    "LPD3fVQb1OlOJ1IKxcg60sxTEVJhGeSb+dGgk9PorWgshLOtftICMBho8MWizOE/\n"
    "IM/IeP1A9MArmKhmqpoE7ZcwIL4FAJadmDhqzhT+MnvqtRt+ZMBY1Q==\n"
    "-----END CERTIFICATE-----\n";

static void test_negative_serial(void **state)
{
    att__cert *c = NULL;
    assert_int_equal(att__cert_from_pem(neg_serial_pem, strlen(neg_serial_pem), &c), ATT_OK);
    char *serial = NULL;
    assert_int_equal(att__cert_serial_hex(c, &serial), ATT_OK);
    assert_string_equal(serial, "-5");
    free(serial);
    att__snp_vek_ext e;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__snp_vek_ext_from_cert(c, &e, &d), ATT_EPARSE);
    assert_non_null(strstr(d.message, "blSPL"));
    att__cert_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest),        cmocka_unit_test(test_maa_products),
        cmocka_unit_test(test_turin_vcek_ext),  cmocka_unit_test(test_builtin_roots),
        cmocka_unit_test(test_negative_serial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
