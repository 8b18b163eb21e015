/* SEV-SNP rejections: each field mutation of a valid report (Milan v3 of vectors/maa/
 * snp-reports) fails with the reason of the check it breaks, and chain failures (another
 * product's VCEK, a forced wrong product, expiry, an ARK that is not AMD's pinned root). */
#include "snp_tu.h"

#include <sys/stat.h>

#define AT "2026-06-01T00:00:00Z"

static uint8_t *milan(size_t *n)
{
    return snp_tu_read("maa/snp-reports/milan_attestation_report.bin", n);
}

static const char *const milan_files[] = {"maa/snp-reports/milan_vcek.pem",
                                          "maa/snp-reports/milan_ask.pem"};

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Mutates a copy of the report with fn, verifies, expects reason and a message fragment. */
static void expect(void (*fn)(uint8_t *), const char *reason, const char *fragment)
{
    size_t n;
    uint8_t *raw = milan(&n);
    fn(raw);
    att__snp_result res;
    att_diag d;
    int rc = snp_tu_verify(raw, n, milan_files, 2, tu_parse_time(AT), &res, &d);
    if (rc == ATT_OK)
        fail_msg("mutation for %s was accepted", reason);
    if (strcmp(d.reason, reason) != 0 || (fragment && !strstr(d.message, fragment)))
        fail_msg("expected %s (\"%s\"), got %s: %s", reason, fragment ? fragment : "", d.reason,
                 d.message);
    free(raw);
}

static void m_version(uint8_t *r)
{
    put32(r, 9);
}
static void m_version1(uint8_t *r)
{
    put32(r, 1);
}
static void m_sigalgo(uint8_t *r)
{
    put32(r + 0x34, 2);
}
static void m_policy_reserved(uint8_t *r)
{
    r[0x08 + 2] &= (uint8_t)~0x02;
}
static void m_policy_mbz(uint8_t *r)
{
    r[0x08 + 4] |= 0x10;
}
static void m_vmpl(uint8_t *r)
{
    put32(r + 0x30, 4);
}
static void m_signer_vlek(uint8_t *r)
{
    put32(r + 0x48, 1u << 2);
}
static void m_signer_none(uint8_t *r)
{
    put32(r + 0x48, 7u << 2);
}
static void m_signer_bad(uint8_t *r)
{
    put32(r + 0x48, 3u << 2);
}
static void m_signer_rsvd(uint8_t *r)
{
    put32(r + 0x48, 1u << 8);
}
static void m_mask_chip(uint8_t *r)
{
    put32(r + 0x48, 2u);
}
static void m_reserved4c(uint8_t *r)
{
    r[0x4c] = 1;
}
static void m_tcb_bl(uint8_t *r)
{
    r[0x180] ^= 0x01;
}
static void m_tcb_tee(uint8_t *r)
{
    r[0x181] ^= 0x01;
}
static void m_tcb_snp(uint8_t *r)
{
    r[0x186] ^= 0x01;
}
static void m_tcb_ucode(uint8_t *r)
{
    r[0x187] ^= 0x01;
}
static void m_chip(uint8_t *r)
{
    r[0x1a0 + 5] ^= 0x40;
}
static void m_measurement(uint8_t *r)
{
    r[0x90] ^= 0x01;
}
static void m_report_data(uint8_t *r)
{
    r[0x50 + 63] ^= 0x80;
}
static void m_host_data(uint8_t *r)
{
    r[0xc0] ^= 0x01;
}
static void m_current_tcb(uint8_t *r)
{
    r[0x38] ^= 0x01;
}
static void m_sig_r(uint8_t *r)
{
    r[0x2a0] ^= 0x01;
}
static void m_sig_s(uint8_t *r)
{
    r[0x2a0 + 72 + 10] ^= 0x01;
}
static void m_sig_pad(uint8_t *r)
{
    r[0x2a0 + 60] = 1;
}
static void m_sig_tail(uint8_t *r)
{
    r[0x4a0 - 1] = 1;
}
static void m_cpuid_unknown(uint8_t *r)
{
    r[0x188] = 0x17;
}
static void m_cpuid_genoa(uint8_t *r)
{
    r[0x189] = 0x11;
}

static void test_mutations(void **state)
{
    att__snp_cache_clear();
    expect(m_version, "snp.report.version", "9");
    expect(m_version1, "snp.report.version", "expected 2..5");
    expect(m_sigalgo, "snp.report.sig_algo", "SIGNATURE_ALGO is 2");
    expect(m_policy_reserved, "snp.report.policy", "bit 17");
    expect(m_policy_mbz, "snp.report.policy", "26-63");
    expect(m_vmpl, "snp.report.vmpl", "VMPL is 4");
    expect(m_signer_vlek, "snp.report.signing_key", "certificate is a VCEK");
    expect(m_signer_none, "snp.report.signing_key", "not signed");
    expect(m_signer_bad, "snp.report.signer_info", "SIGNING_KEY 3");
    expect(m_signer_rsvd, "snp.report.signer_info", "reserved bits");
    expect(m_mask_chip, "snp.report.mask_chip_key", "MASK_CHIP_KEY");
    expect(m_reserved4c, "snp.report.reserved", "0x4C");
    expect(m_tcb_bl, "snp.tcb.mismatch",
           "VCEK TCB extension bootloader=4 does not match REPORTED_TCB bootloader=5");
    expect(m_tcb_tee, "snp.tcb.mismatch", "tee=0 does not match REPORTED_TCB tee=1");
    expect(m_tcb_snp, "snp.tcb.mismatch", "snp=");
    expect(m_tcb_ucode, "snp.tcb.mismatch", "microcode=");
    expect(m_chip, "snp.hwid.mismatch", "does not match report CHIP_ID");
    expect(m_measurement, "snp.report.signature", "report signature invalid (P-384, VCEK CN=");
    expect(m_report_data, "snp.report.signature", "P-384");
    expect(m_host_data, "snp.report.signature", "P-384");
    expect(m_current_tcb, "snp.report.signature", "P-384");
    expect(m_sig_r, "snp.report.signature", "P-384");
    expect(m_sig_s, "snp.report.signature", "P-384");
    expect(m_sig_pad, "snp.report.signature", "beyond the P-384");
    expect(m_sig_tail, "snp.report.signature", "beyond the P-384");
    expect(m_cpuid_unknown, "snp.report.cpuid", "family 0x17");
    expect(m_cpuid_genoa, "snp.vek.product", "Milan");
}

static void test_sizes(void **state)
{
    size_t n;
    uint8_t *raw = milan(&n);
    att__snp_report r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__snp_report_parse(raw, n - 1, &r, &d), ATT_ETRUNC);
    assert_string_equal(d.reason, "snp.report.size");
    att_diag_clear(&d);
    assert_int_equal(att__snp_report_parse(raw, 0, &r, &d), ATT_ETRUNC);
    uint8_t *big = calloc(1, n + 32);
    memcpy(big, raw, n);
    att_diag_clear(&d);
    assert_int_equal(att__snp_report_parse(big, n + 32, &r, &d), ATT_OK); /* zero padding */
    big[n + 3] = 1;
    assert_int_equal(att__snp_report_parse(big, n + 32, &r, &d), ATT_EINVAL);
    free(big);
    free(raw);
}

static void test_chain_failures(void **state)
{
    att__snp_cache_clear();
    size_t n;
    uint8_t *raw = milan(&n);
    att__snp_result res;
    att_diag d;
    /* Expired (VCEK valid 2026-02-05 .. 2033-02-05) and not yet valid. */
    assert_int_equal(
        snp_tu_verify(raw, n, milan_files, 2, tu_parse_time("2034-01-01T00:00:00Z"), &res, &d),
        ATT_EEXPIRED);
    assert_string_equal(d.reason, "snp.vek.chain");
    assert_non_null(strstr(d.message, "expired"));
    assert_int_equal(
        snp_tu_verify(raw, n, milan_files, 2, tu_parse_time("2025-01-01T00:00:00Z"), &res, &d),
        ATT_EEXPIRED);
    /* Verified once, then expired: served from the cache and still refused. */
    assert_int_equal(snp_tu_verify(raw, n, milan_files, 2, tu_parse_time(AT), &res, &d), ATT_OK);
    assert_int_equal(
        snp_tu_verify(raw, n, milan_files, 2, tu_parse_time("2034-01-01T00:00:00Z"), &res, &d),
        ATT_EEXPIRED);
    assert_true(res.cache_hit);
    assert_string_equal(d.reason, "snp.vek.validity");

    /* Another product's VCEK (Genoa) for the Milan report. */
    static const char *const genoa[] = {"maa/snp-reports/genoa_vcek.pem",
                                        "maa/snp-reports/genoa_ask.pem"};
    assert_int_not_equal(snp_tu_verify(raw, n, genoa, 2, tu_parse_time(AT), &res, &d), ATT_OK);
    assert_string_equal(d.reason, "snp.vek.product");
    assert_non_null(strstr(d.message, "Genoa"));

    /* A Milan VCEK chained to the Genoa ARK only: the chain names ARK-Milan as issuer of the
     * ASK, so the Genoa certificates do not help and the pinned Milan ARK decides. A v2 Milan
     * report forced to Genoa by configuration is refused. */
    free(raw);
    raw = snp_tu_read("snp/go-sev-guest/attestation.bin", &n);
    static const char *const gsg[] = {"snp/go-sev-guest/vcek.der",
                                      "snp/amd-roots/ask_ark_genoa.pem"};
    assert_int_equal(snp_tu_verify(raw, n, gsg, 2, tu_parse_time("2025-01-01T00:00:00Z"), &res, &d),
                     ATT_OK);
    att__cert *certs[8];
    size_t nc = 0;
    snp_tu_certs("snp/go-sev-guest/vcek.der", certs, &nc, 8);
    att__snp_report r;
    att_diag_clear(&d);
    assert_int_equal(att__snp_report_parse(raw, n, &r, &d), ATT_OK);
    att__snp_verify_opts o = {.chain = (const att__cert *const *)certs,
                              .n_chain = nc,
                              .product = ATT_SNP_GENOA,
                              .at = tu_parse_time("2025-01-01T00:00:00Z")};
    assert_int_equal(att__snp_verify(&r, &o, &res, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "snp.vek.product");
    /* A chain without a VCEK. */
    att_diag_clear(&d);
    o.chain = NULL;
    o.n_chain = 0;
    o.product = ATT_SNP_PRODUCT_UNKNOWN;
    static const char pem_noise[] = "not a certificate";
    o.chain_bytes = pem_noise;
    o.chain_bytes_len = sizeof(pem_noise) - 1;
    assert_int_equal(att__snp_verify(&r, &o, &res, &d), ATT_EPARSE);
    assert_string_equal(d.reason, "snp.chain.pem");
    /* No chain and no pool: the VCEK is missing. */
    att_diag_clear(&d);
    o.chain_bytes = NULL;
    o.chain_bytes_len = 0;
    assert_int_equal(att__snp_verify(&r, &o, &res, &d), ATT_ENOTFOUND);
    assert_string_equal(d.reason, "snp.vek.missing");
    snp_tu_certs_free(certs, nc);
    free(raw);
}

/* An ARK that is not AMD's pinned root is refused when loaded, and a VCEK whose chain ends in
 * a self-made "ARK-Milan" does not verify. */
static void test_wrong_ark(void **state)
{
    att__pkey *k = NULL;
    assert_int_equal(att__rsa_generate(2048, &k), ATT_OK);
    att__cert *fake = NULL;
    assert_int_equal(att__cert_self_signed(k, "ARK-Milan", 0, 4102444800, &fake), ATT_OK);
    const char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/ark.pem", dir);
    assert_int_equal(att__cert_write_pem(fake, path), ATT_OK);
    att__snp_certs *pool = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__snp_certs_load(dir, &pool, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "snp.certs.ark");
    assert_null(pool);
    tu_rmtree(dir);

    /* Chain [VCEK, fake ARK-Milan]: the fake has the right name but not AMD's key. */
    att__snp_cache_clear();
    size_t n;
    uint8_t *raw = snp_tu_read("snp/trustee/test-report.bin", &n);
    att__cert *certs[4];
    size_t nc = 0;
    snp_tu_certs("snp/trustee/test-vcek-invalid-new.der", certs, &nc, 4);
    certs[nc++] = fake;
    att__snp_report r;
    att_diag_clear(&d);
    assert_int_equal(att__snp_report_parse(raw, n, &r, &d), ATT_OK);
    att__snp_verify_opts o = {.chain = (const att__cert *const *)certs,
                              .n_chain = nc,
                              .at = tu_parse_time("2025-01-01T00:00:00Z")};
    att__snp_result res;
    assert_int_not_equal(att__snp_verify(&r, &o, &res, &d), ATT_OK);
    assert_string_equal(d.reason, "snp.vek.chain");
    assert_non_null(strstr(d.message, "ARK-Milan"));
    snp_tu_certs_free(certs, nc);
    att__pkey_free(k);
    free(raw);
}

/* Operator directory: VCEK found by CHIP_ID and REPORTED_TCB, no chain in the request. */
static void test_pool(void **state)
{
    att__snp_cache_clear();
    const char *dir = tu_tmpdir();
    char sub[512], path[600];
    snprintf(sub, sizeof(sub), "%s/milan", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    size_t vn;
    uint8_t *vcek = snp_tu_read("snp/go-sev-guest/vcek.der", &vn);
    snprintf(path, sizeof(path), "%s/vcek.der", sub);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(vcek, 1, vn, f), vn);
    fclose(f);
    free(vcek);
    snprintf(path, sizeof(path), "%s/README", dir);
    f = fopen(path, "w");
    fputs("not a certificate\n", f);
    fclose(f);
    att__snp_certs *pool = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__snp_certs_load(dir, &pool, &d), ATT_OK);
    assert_int_equal(att__snp_certs_count(pool), 1);
    size_t n;
    uint8_t *raw = snp_tu_read("snp/go-sev-guest/attestation.bin", &n);
    att__snp_report r;
    assert_int_equal(att__snp_report_parse(raw, n, &r, &d), ATT_OK);
    att__snp_verify_opts o = {.pool = pool, .at = tu_parse_time("2025-01-01T00:00:00Z")};
    att__snp_result res;
    int rc = att__snp_verify(&r, &o, &res, &d);
    if (rc != ATT_OK)
        fail_msg("%s", d.message);
    assert_false(res.cache_hit);
    assert_int_equal(att__snp_verify(&r, &o, &res, &d), ATT_OK);
    assert_true(res.cache_hit);
    /* A request chain holding only ASK and ARK: the VCEK comes from the pool. */
    att__snp_cache_clear();
    size_t pn;
    char *askark = tu_read_shared_text("vectors/snp/amd-roots/ask_ark_milan.pem", &pn);
    o.chain_bytes = askark;
    o.chain_bytes_len = pn;
    rc = att__snp_verify(&r, &o, &res, &d);
    if (rc != ATT_OK)
        fail_msg("ASK+ARK chain with the pool: %s", d.message);
    o.pool = NULL;
    att_diag_clear(&d);
    assert_int_equal(att__snp_verify(&r, &o, &res, &d), ATT_EINVAL);
    assert_string_equal(d.reason, "snp.chain.vek");
    o.pool = pool;
    o.chain_bytes = NULL;
    o.chain_bytes_len = 0;
    free(askark);
    /* Another chip: not in the pool. */
    att__snp_cache_clear();
    free(raw);
    raw = snp_tu_read("snp/trustee/test-report.bin", &n);
    assert_int_equal(att__snp_report_parse(raw, n, &r, &d), ATT_OK);
    assert_int_equal(att__snp_verify(&r, &o, &res, &d), ATT_ENOTFOUND);
    free(raw);
    att__snp_certs_free(pool);
    tu_rmtree(dir);
}

/* CRLs made for this test (2026-11-23, valid ten years): one claiming to be ARK-Milan's but
 * signed by another key, one of an unrelated issuer. */
static const char fake_ark_crl[] =
    "-----BEGIN X509 CRL-----\n"
    "MIIB1DCBvQIBATANBgkqhkiG9w0BAQwFADB7MRQwEgYDVQQLDAtFbmdpbmVlcmlu\n"
    "ZzELMAkGA1UEBhMCVVMxFDASBgNVBAcMC1NhbnRhIENsYXJhMQswCQYDVQQIDAJD\n"
    "QTEfMB0GA1UECgwWQWR2YW5jZWQgTWljcm8gRGV2aWNlczESMBAGA1UEAwwJQVJL\n"
    "LU1pbGFuFw0yNjExMjMyMDIwMDZaFw0zNjExMjAyMDIwMDZaoA4wDDAKBgNVHRQE\n"
    "AwIBATANBgkqhkiG9w0BAQwFAAOCAQEAhcCfZFW6myzzX1pecCWMf2pPQLA/L3lv\n"
    "BX5w4rC7KFnnVVsGviDWfZKFy0U38+l0tW+O7mmlYpofTFHw58PoNzg9gv88BGfD\n"
    "SUbyf8dhsiFbajdiBbw2uC1zMI73rB1u5xzWxy1aamAXWkhDeWQst9mE2TRdO6J6\n"
    "TSi9BuGCVi3exb90/j2kmVYVY2lgiDkO/LGPR1LqwxtRDmPdDaLQdJEOBULXdOAn\n"
    "yX8NCvEff6kclv9gAiQ5exH1axXui7sFIEmrHNVAJOOwrFK4mBqiid56ff9+0knr\n"
    "ynRWrd7Yej0IFUdE6XBCF0L+xBmcHqavrXuuW4Bt1lFSd0kwYf1+TQ==\n"
    "-----END X509 CRL-----\n";
static const char other_crl[] = "-----BEGIN X509 CRL-----\n"
                                "MIIBcDBaAgEBMA0GCSqGSIb3DQEBDAUAMBgxFjAUBgNVBAMMDVNvbWVib2R5IEVs\n"
                                "c2UXDTI2MTEyMzIwMjAwN1oXDTM2MTEyMDIwMjAwN1qgDjAMMAoGA1UdFAQDAgEC\n"
                                "MA0GCSqGSIb3DQEBDAUAA4IBAQAxwchMytLmkp3d81YpDec4f8spN5Bik3P8rvON\n"
                                "PWzojcZ3sEDnGb9bUAQ4pguiyyo+WUkmngQ4OEqN/vsmo0L4BdZuMsHOEfZCuh+h\n"
                                "7Y+ZaGVKFQCh0aEk200+rH0+sgobTpkjfZMWb4g5Q2+w5mCOPoA2u+MniFBM26Vb\n"
                                "eZHMy+hdOnjqm+zMGl/ntrXo2kG3UO1rgykeFtqkwUP09vy3uMRE204y2NCJg/z1\n"
                                "jdm1Lu6mcMLk+dP2YVcjNrlcbZmYs/JMG+GZvTfUSmXjthCZY0+zTZ+47hpjaiTB\n"
                                "8UvgGYng8rGU75LH73XVIza2/g6IvfLiWB1FHGpAnU7EdG2g\n"
                                "-----END X509 CRL-----\n";

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Operator CRLs: one whose issuer is on the path must verify (a forged ARK-Milan CRL fails
 * the chain, naming the CRL); one of another issuer is ignored. */
static void test_pool_crls(void **state)
{
    const char *dir = tu_tmpdir();
    size_t vn;
    uint8_t *vcek = snp_tu_read("snp/go-sev-guest/vcek.der", &vn);
    char path[600];
    snprintf(path, sizeof(path), "%s/vcek.der", dir);
    FILE *f = fopen(path, "wb");
    fwrite(vcek, 1, vn, f);
    fclose(f);
    free(vcek);
    write_text(dir, "other.crl", other_crl);
    att__snp_certs *pool = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__snp_certs_load(dir, &pool, &d), ATT_OK);
    size_t n;
    uint8_t *raw = snp_tu_read("snp/go-sev-guest/attestation.bin", &n);
    att__snp_report r;
    assert_int_equal(att__snp_report_parse(raw, n, &r, &d), ATT_OK);
    att__snp_verify_opts o = {.pool = pool, .at = tu_parse_time("2027-06-01T00:00:00Z")};
    att__snp_result res;
    att__snp_cache_clear();
    int rc = att__snp_verify(&r, &o, &res, &d);
    if (rc != ATT_OK)
        fail_msg("unrelated CRL: %s", d.message);
    att__snp_certs_free(pool);
    write_text(dir, "ark-milan.crl", fake_ark_crl);
    att_diag_clear(&d);
    assert_int_equal(att__snp_certs_load(dir, &pool, &d), ATT_OK);
    o.pool = pool;
    att__snp_cache_clear();
    att_diag_clear(&d);
    assert_int_not_equal(att__snp_verify(&r, &o, &res, &d), ATT_OK);
    assert_string_equal(d.reason, "snp.vek.chain");
    assert_non_null(strstr(d.message, "CRL"));
    att__snp_certs_free(pool);
    free(raw);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutations),      cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_chain_failures), cmocka_unit_test(test_wrong_ark),
        cmocka_unit_test(test_pool),           cmocka_unit_test(test_pool_crls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
