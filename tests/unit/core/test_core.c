/* Unit tests for src/core: cursor, buffer, codecs, arena, time, diagnostics. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/codec.h"
#include "core/cursor.h"
#include "core/limits.h"
#include "core/timeutil.h"

static void cursor_reads_and_bounds(void **state)
{
    const uint8_t data[] = {1, 2, 0, 3, 0, 0, 0, 0, 0, 0, 4, 9, 9};
    att__cursor c;
    att__cur_init(&c, data, sizeof(data));
    uint8_t b;
    uint16_t h;
    uint32_t w;
    uint64_t q;
    assert_int_equal(att__cur_u8(&c, &b), ATT_OK);
    assert_int_equal(b, 1);
    assert_int_equal(att__cur_u16le(&c, &h), ATT_OK);
    assert_int_equal(h, 2);
    assert_int_equal(att__cur_u32be(&c, &w), ATT_OK);
    assert_int_equal(w, 0x03000000u);
    assert_int_equal(att__cur_u32le(&c, &w), ATT_OK);
    assert_int_equal(w, 0x04000000u);
    assert_int_equal(att__cur_remaining(&c), 2);
    size_t off = c.off;
    assert_int_equal(att__cur_u64le(&c, &q), ATT_ETRUNC);
    assert_int_equal(c.off, off); /* failed reads do not advance */
    assert_int_equal(att__cur_skip(&c, SIZE_MAX), ATT_ETRUNC);
    att__cursor sub;
    assert_int_equal(att__cur_sub(&c, 2, &sub), ATT_OK);
    assert_int_equal(att__cur_u16be(&sub, &h), ATT_OK);
    assert_int_equal(h, 0x0909);
    assert_int_equal(att__cur_u8(&sub, &b), ATT_ETRUNC);
    assert_int_equal(att__cur_remaining(&c), 0);
}

static void buf_caps_and_frees(void **state)
{
    att__buf b;
    att__buf_init(&b, 10);
    assert_int_equal(att__buf_appends(&b, "hello"), ATT_OK);
    assert_int_equal(att__buf_appendf(&b, "%d", 1234), ATT_OK);
    assert_string_equal(att__buf_str(&b), "hello1234");
    assert_int_equal(att__buf_appends(&b, "xy"), ATT_ELIMIT);
    assert_null(b.data); /* freed on failure */
    assert_int_equal(b.len, 0);
    assert_int_equal(att__buf_appends(&b, "0123456789"), ATT_OK);
    size_t n;
    uint8_t *p = att__buf_steal(&b, &n);
    assert_int_equal(n, 10);
    assert_string_equal((char *)p, "0123456789");
    free(p);
    att__buf_free(&b);
}

static void b64_roundtrip_and_leniency(void **state)
{
    const char *in = "\xfb\xff\xfe"
                     "ab";
    char out[32];
    att__b64_encode(in, 5, ATT_B64_STD, out);
    assert_string_equal(out, "+//+YWI=");
    att__b64_encode(in, 5, ATT_B64_URL, out);
    assert_string_equal(out, "-__-YWI");
    const char *forms[] = {"+//+YWI=", "+//+YWI", "-__-YWI", "-__-YWI=", "+_/-YWI"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        uint8_t dec[16];
        size_t n;
        assert_int_equal(att__b64_decode(forms[i], strlen(forms[i]), dec, &n), ATT_OK);
        assert_int_equal(n, 5);
        assert_memory_equal(dec, in, 5);
    }
    const char *bad[] = {"YWJj!", "Y", "YW=I", "YWI==x", "Y W", "YQ=", "YWJ=="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t dec[16];
        size_t n;
        assert_int_equal(att__b64_decode(bad[i], strlen(bad[i]), dec, &n), ATT_EPARSE);
    }
    /* every length 0..64 round trips in both variants */
    uint8_t raw[64];
    for (int i = 0; i < 64; i++)
        raw[i] = (uint8_t)(i * 37 + 11);
    for (size_t len = 0; len <= 64; len++) {
        for (int v = 0; v < 2; v++) {
            char *e = att__b64_encode_alloc(raw, len, v);
            assert_int_equal(strlen(e), att__b64_enc_len(len, v));
            uint8_t *d;
            size_t n;
            assert_int_equal(att__b64_decode_alloc(e, strlen(e), &d, &n), ATT_OK);
            assert_int_equal(n, len);
            assert_memory_equal(d, raw, len);
            free(d);
            free(e);
        }
    }
}

static void hex_codec(void **state)
{
    char out[16];
    att__hex_encode("\x00\xab\xff", 3, 0, out);
    assert_string_equal(out, "00abff");
    att__hex_encode("\x00\xab\xff", 3, 1, out);
    assert_string_equal(out, "00ABFF");
    uint8_t d[8];
    size_t n;
    assert_int_equal(att__hex_decode("00aBfF", 6, d, &n), ATT_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(d, "\x00\xab\xff", 3);
    assert_int_equal(att__hex_decode("abc", 3, d, &n), ATT_EPARSE);
    assert_int_equal(att__hex_decode("zz", 2, d, &n), ATT_EPARSE);
}

static void arena_allocates_and_resets(void **state)
{
    att__arena a;
    att__arena_init(&a);
    char *s = att__arena_strdup(&a, "request");
    assert_string_equal(s, "request");
    for (int i = 0; i < 1000; i++) {
        uint8_t *p = att__arena_alloc(&a, 100 + (size_t)i);
        assert_non_null(p);
        assert_int_equal(((uintptr_t)p) % 16, 0);
        assert_int_equal(p[99], 0);
        memset(p, 0xab, 100 + (size_t)i);
    }
    assert_null(att__arena_alloc(&a, ATT_ARENA_MAX + 1));
    att__arena_reset(&a);
    assert_non_null(att__arena_alloc(&a, 10));
    att__arena_free(&a);
}

static void time_format_and_parse(void **state)
{
    char buf[32];
    assert_string_equal(att__time_format(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
    assert_string_equal(att__time_format(1665149033, buf, sizeof(buf)), "2022-10-07T13:23:53Z");
    assert_string_equal(att__time_format(951782400, buf, sizeof(buf)), "2000-02-29T00:00:00Z");
    int64_t t;
    assert_int_equal(att__time_parse("2022-10-07T13:23:53Z", &t), ATT_OK);
    assert_int_equal(t, 1665149033);
    assert_int_equal(att__time_parse("2022-10-07T15:23:53.999+02:00", &t), ATT_OK);
    assert_int_equal(t, 1665149033);
    assert_int_equal(att__time_parse("2033-05-21T10:50:10Z", &t), ATT_OK);
    assert_int_equal(t, 2000285410);
    assert_int_equal(att__time_parse("2023-02-29T00:00:00Z", &t), ATT_EPARSE);
    assert_int_equal(att__time_parse("2022-10-07", &t), ATT_EPARSE);
    assert_int_equal(att__time_parse("2022-10-07T13:23:53", &t), ATT_EPARSE);
    assert_int_equal(att__time_parse("2022-13-07T13:23:53Z", &t), ATT_EPARSE);
}

static void diag_first_failure_wins(void **state)
{
    att_diag d;
    att_diag_clear(&d);
    assert_false(att_diag_failed(&d));
    assert_int_equal(att_diag_fail(&d, ATT_ESIG, "quote.signature", "signature", "bad %s", "sig"),
                     ATT_ESIG);
    att_diag_expect(&d, "aa", "bb");
    assert_int_equal(att_diag_fail(&d, ATT_EPARSE, "other", "x", "later"), ATT_EPARSE);
    assert_true(att_diag_failed(&d));
    assert_string_equal(d.reason, "quote.signature");
    assert_string_equal(d.message, "bad sig");
    assert_string_equal(d.expected, "aa");
    assert_int_equal(d.err, ATT_ESIG);
    assert_string_equal(att_errname(ATT_ESIG), "ESIG");
    assert_int_equal(att_diag_fail(NULL, ATT_EIO, "r", "f", "m"), ATT_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cursor_reads_and_bounds),    cmocka_unit_test(buf_caps_and_frees),
        cmocka_unit_test(b64_roundtrip_and_leniency), cmocka_unit_test(hex_codec),
        cmocka_unit_test(arena_allocates_and_resets), cmocka_unit_test(time_format_and_parse),
        cmocka_unit_test(diag_first_failure_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
