/* Unit tests for the PCK certificate SGX extension parser (src/evidence/sgx/pckext.c):
 * real Processor- and Platform-CA extensions, every truncation, and malformed elements. */
#include "sgx_tu.h"

/* The SGX extension bytes of the PCK certificate inside a vector quote (malloc'd). */
static uint8_t *ext_of(const char *rel, size_t offset, size_t *n)
{
    size_t qn;
    uint8_t *buf = tu_read_quote(rel, offset, &qn);
    att__quote q;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(buf, qn, &q, &d), ATT_OK);
    att__cert *leaf = NULL;
    assert_int_equal(att__cert_from_pem((const char *)q.cert_data, q.cert_len, &leaf), ATT_OK);
    const uint8_t *v;
    assert_int_equal(att__cert_extension(leaf, ATT_PCK_EXT_OID, &v, n), ATT_OK);
    uint8_t *copy = malloc(*n);
    assert_non_null(copy);
    memcpy(copy, v, *n);
    att__cert_free(leaf);
    free(buf);
    return copy;
}

static void processor_and_platform(void **state)
{
    size_t n;
    att__pck_ext p;
    att_diag d;
    att_diag_clear(&d);
    uint8_t *e = ext_of("sgx-v3/phala-dcap-qvl/sgx_quote.bin", 0, &n);
    assert_int_equal(att__pck_ext_parse(e, n, &p, &d), ATT_OK);
    tu_assert_hex(p.fmspc, 6, "00a067110000", "fmspc");
    tu_assert_hex(p.cpusvn, 16, "0b0b0202ff0100000000000000000000", "cpusvn");
    assert_int_equal(p.pcesvn, 13);
    assert_int_equal(p.sgx_type, 0);
    assert_false(p.has_platform_instance_id);
    assert_false(p.has_configuration);
    for (int i = 0; i < 16; i++)
        assert_int_equal(p.comp_svn[i], p.cpusvn[i]); /* true for Intel's current PCKs */
    free(e);

    e = ext_of("sgx-v3/automata-dcap-rs/quote_sgx_v3_00606a000000.bin", 0, &n);
    assert_int_equal(att__pck_ext_parse(e, n, &p, &d), ATT_OK);
    tu_assert_hex(p.fmspc, 6, "00606a000000", "fmspc");
    assert_int_equal(p.sgx_type, 1);
    assert_true(p.has_platform_instance_id);
    assert_true(p.has_configuration);
    assert_true(p.dynamic_platform == 0 || p.dynamic_platform == 1);
    free(e);
}

static void truncations_and_flips(void **state)
{
    size_t n;
    uint8_t *e = ext_of("tdx-v4/phala-dcap-qvl/tdx_quote.bin", 0, &n);
    att__pck_ext p;
    att_diag d;
    for (size_t len = 0; len < n; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        assert_non_null(cut);
        memcpy(cut, e, len);
        att_diag_clear(&d);
        assert_int_not_equal(att__pck_ext_parse(cut, len, &p, &d), ATT_OK);
        assert_true(d.message[0] != '\0');
        free(cut);
    }
    /* every single-byte change either parses or fails cleanly */
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            e[i] ^= (uint8_t)(1u << bit);
            att_diag_clear(&d);
            (void)att__pck_ext_parse(e, n, &p, &d);
            e[i] ^= (uint8_t)(1u << bit);
        }
    }
    free(e);
}

/* Hand-made extensions: a wrong FMSPC size and a missing element are named. */
static void malformed(void **state)
{
    /* SEQUENCE { SEQUENCE { OID 1.2.840.113741.1.13.1.4, OCTET STRING (5) } } */
    static const uint8_t bad_fmspc[] = {0x30, 0x15, 0x30, 0x13, 0x06, 0x0a, 0x2a, 0x86,
                                        0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, 0x04,
                                        0x04, 0x05, 0x00, 0x90, 0x6e, 0xd5, 0x00};
    att__pck_ext p;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__pck_ext_parse(bad_fmspc, sizeof(bad_fmspc), &p, &d), ATT_EPARSE);
    assert_string_equal(d.message, "pck.sgx_ext.fmspc: OCTET STRING of 5 bytes, expected 6");
    static const uint8_t empty[] = {0x30, 0x00};
    att_diag_clear(&d);
    assert_int_equal(att__pck_ext_parse(empty, sizeof(empty), &p, &d), ATT_EPARSE);
    assert_string_equal(d.message, "pck.sgx_ext.ppid: missing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(processor_and_platform),
        cmocka_unit_test(truncations_and_flips),
        cmocka_unit_test(malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
