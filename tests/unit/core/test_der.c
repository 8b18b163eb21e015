/* Unit tests for the bounded DER TLV reader (src/core/der.c). */
#include "testutil.h"

#include <string.h>

#include "attest/error.h"
#include "core/der.h"

static void tlv_basic(void **state)
{
    /* SEQUENCE { INTEGER 5, OCTET STRING "ab", BOOLEAN TRUE } */
    static const uint8_t der[] = {0x30, 0x0a, 0x02, 0x01, 0x05, 0x04,
                                  0x02, 'a',  'b',  0x01, 0x01, 0xff};
    att__cursor c, seq, v;
    uint8_t tag;
    uint64_t x;
    int b;
    att__cur_init(&c, der, sizeof(der));
    assert_int_equal(att__der_expect(&c, ATT_DER_SEQUENCE, &seq), ATT_OK);
    assert_int_equal(att__cur_remaining(&c), 0);
    assert_int_equal(att__der_expect(&seq, ATT_DER_OCTET_STRING, &v), ATT_EPARSE);
    assert_int_equal(att__der_expect(&seq, ATT_DER_INTEGER, &v), ATT_OK);
    assert_int_equal(att__der_uint(&v, 255, &x), ATT_OK);
    assert_int_equal(x, 5);
    assert_int_equal(att__der_uint(&v, 4, &x), ATT_EPARSE); /* above max */
    assert_int_equal(att__der_next(&seq, &tag, &v), ATT_OK);
    assert_int_equal(tag, ATT_DER_OCTET_STRING);
    assert_int_equal(att__cur_remaining(&v), 2);
    assert_int_equal(att__der_expect(&seq, ATT_DER_BOOLEAN, &v), ATT_OK);
    assert_int_equal(att__der_bool(&v, &b), ATT_OK);
    assert_int_equal(b, 1);
    assert_int_equal(att__der_next(&seq, &tag, &v), ATT_ETRUNC);
}

static void lengths(void **state)
{
    att__cursor c, v;
    uint8_t tag;
    static const uint8_t longform[] = {0x04, 0x81, 0x80}; /* 128 bytes declared, 0 present */
    att__cur_init(&c, longform, sizeof(longform));
    assert_int_equal(att__der_next(&c, &tag, &v), ATT_ETRUNC);
    assert_int_equal(c.off, 0);
    static const uint8_t nonminimal[] = {0x04, 0x81, 0x01, 0x00};
    att__cur_init(&c, nonminimal, sizeof(nonminimal));
    assert_int_equal(att__der_next(&c, &tag, &v), ATT_EPARSE);
    static const uint8_t indefinite[] = {0x30, 0x80, 0x00, 0x00};
    att__cur_init(&c, indefinite, sizeof(indefinite));
    assert_int_equal(att__der_next(&c, &tag, &v), ATT_EPARSE);
    static const uint8_t hightag[] = {0x1f, 0x81, 0x01, 0x00};
    att__cur_init(&c, hightag, sizeof(hightag));
    assert_int_equal(att__der_next(&c, &tag, &v), ATT_EPARSE);
    static const uint8_t huge[] = {0x04, 0x84, 0xff, 0xff, 0xff, 0xff};
    att__cur_init(&c, huge, sizeof(huge));
    assert_int_equal(att__der_next(&c, &tag, &v), ATT_EPARSE);
}

static void integers(void **state)
{
    att__cursor v;
    uint64_t x;
    static const uint8_t neg[] = {0x80};
    att__cur_init(&v, neg, 1);
    assert_int_equal(att__der_uint(&v, UINT64_MAX, &x), ATT_EPARSE);
    static const uint8_t padded[] = {0x00, 0x05};
    att__cur_init(&v, padded, 2);
    assert_int_equal(att__der_uint(&v, UINT64_MAX, &x), ATT_EPARSE);
    static const uint8_t big[] = {0x00, 0xff};
    att__cur_init(&v, big, 2);
    assert_int_equal(att__der_uint(&v, UINT64_MAX, &x), ATT_OK);
    assert_int_equal(x, 255);
    att__cur_init(&v, big, 0);
    assert_int_equal(att__der_uint(&v, UINT64_MAX, &x), ATT_EPARSE);
    static const uint8_t bad_bool[] = {0x01};
    int b;
    att__cur_init(&v, bad_bool, 1);
    assert_int_equal(att__der_bool(&v, &b), ATT_EPARSE);
}

static void oids(void **state)
{
    static const uint8_t sgx[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, 0x02, 0x11};
    char s[64];
    att__cursor v;
    att__cur_init(&v, sgx, sizeof(sgx));
    assert_int_equal(att__der_oid_str(&v, s, sizeof(s)), ATT_OK);
    assert_string_equal(s, "1.2.840.113741.1.13.1.2.17");
    assert_int_equal(att__der_oid_str(&v, s, 10), ATT_ELIMIT);
    static const uint8_t unterminated[] = {0x2a, 0x86};
    att__cur_init(&v, unterminated, sizeof(unterminated));
    assert_int_equal(att__der_oid_str(&v, s, sizeof(s)), ATT_EPARSE);
    static const uint8_t nonminimal[] = {0x2a, 0x80, 0x01};
    att__cur_init(&v, nonminimal, sizeof(nonminimal));
    assert_int_equal(att__der_oid_str(&v, s, sizeof(s)), ATT_EPARSE);
    static const uint8_t joint[] = {0x88, 0x37}; /* 2.999 */
    att__cur_init(&v, joint, sizeof(joint));
    assert_int_equal(att__der_oid_str(&v, s, sizeof(s)), ATT_OK);
    assert_string_equal(s, "2.999");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tlv_basic),
        cmocka_unit_test(lengths),
        cmocka_unit_test(integers),
        cmocka_unit_test(oids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
