/* Unit tests for src/core/json.c: the fast reader gives jansson's value or declines, the
 * fast writer gives json_dumps's bytes. */
#include "testutil.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

static json_t *ref_load(const char *text)
{
    json_error_t err;
    return json_loadb(text, strlen(text), JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
}

/* Texts inside the fast subset: accepted, equal to jansson's value. */
static void reader_accepts_subset(void **state)
{
    static const char *const ok[] = {
        "{}",
        "[]",
        " { \"a\" : 1 , \"b\" : [true, false, null, -0, 0, -17, 123456789012345678] }\r\n",
        ("{\"quote\":\"AwACAAAAAAAJAA0Ak5pyM_ecTKmUCg2zlX8GB-abc\",\"runtimeData\":{\"data\":"
         "\"eyJ4IjoxfQ\",\"dataType\":\"JSON\"}}"),
        "\"a string \\\" \\\\ \\/ \\b \\f \\n \\r \\t end\"",
        "[[[[[[[[]]]]]]]]",
        "{\"draftPolicyForAttestation\":\"version= 1.0;\\r\\nauthorizationrules{=> permit();};\"}",
        "42",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        json_t *fast = att__json_load_fast(ok[i], strlen(ok[i]));
        json_t *ref = ref_load(ok[i]);
        assert_non_null(ref);
        if (!fast)
            fail_msg("fast reader declined case %zu: %s", i, ok[i]);
        assert_true(json_equal(fast, ref));
        json_decref(fast);
        json_decref(ref);
    }
}

/* Outside the subset or invalid: declined (jansson then decides). */
static void reader_declines_the_rest(void **state)
{
    static const char *const no[] = {
        "",
        "{",
        "{\"a\":1,}",
        "[1,]",
        "{\"a\":1,\"a\":2}",   /* duplicate: jansson's error message */
        "\"\\u00e9\"",         /* \u escapes */
        "\"caf\xc3\xa9\"",     /* non-ASCII */
        "1.5",                 /* reals */
        "1e3",                 /* exponents */
        "1234567890123456789", /* 19 digits */
        "01",                  /* leading zero */
        "-",                   /* sign alone */
        "tru",                 /* truncated literal */
        "{} x",                /* trailing garbage */
        "\"tab\there\"",       /* raw control character */
        "\"unterminated",
        "\"bad \\x escape\"",
        "{1:2}",
    };
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        json_t *fast = att__json_load_fast(no[i], strlen(no[i]));
        if (fast)
            fail_msg("fast reader accepted case %zu: %s", i, no[i]);
    }
    /* Nesting beyond ATT_MAX_JSON_DEPTH is declined, not recursed into. */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    assert_null(att__json_load_fast(deep, sizeof(deep)));
}

static void writer_matches_json_dumps(void **state)
{
    json_t *v =
        json_pack("{s:s, s:i, s:b, s:n, s:[i,s,{s:s}], s:f, s:s, s:s, s:{}, s:[], s:{s:{s:{s:i}}}}",
                  "zeta", "plain", "alpha", -5, "mid", 1, "null", "arr", 1, "two", "k", "v", "real",
                  0.1, "escapes", "q\" b\\ \b\f\n\r\t \x01\x1f\x7f /", "utf8",
                  "caf\xc3\xa9 \xe2\x80\xa8", "eo", "ea", "deep", "a", "b", "c", 3);
    assert_non_null(v);
    /* keys that sort by length after a common prefix, and an embedded NUL in a value */
    json_object_set_new(v, "ab", json_string("x"));
    json_object_set_new(v, "a", json_stringn("n\0ul", 4));
    json_object_set_new(v, "big", json_integer(INT64_MIN));
    char *ref = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    size_t n = 0;
    char *fast = att__json_dump_sorted(v, &n);
    assert_non_null(fast);
    assert_string_equal(fast, ref);
    assert_int_equal(n, strlen(ref));
    free(ref);
    free(fast);
    json_decref(v);

    /* more members than the writer's on-stack key table */
    json_t *wide = json_object();
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%03d", 99 - i);
        json_object_set_new(wide, k, json_integer(i));
    }
    ref = json_dumps(wide, JSON_COMPACT | JSON_SORT_KEYS);
    fast = att__json_dump_sorted(wide, NULL);
    assert_string_equal(fast, ref);
    free(ref);
    free(fast);
    json_decref(wide);
}

/* The real SGX token payload and attestation request round-trip identically. */
static void real_documents(void **state)
{
    size_t n;
    char *text = tu_read_shared_text(
        "vectors/maa/sdk-python/sgx-sharedwus-2022/attest-SgxEnclave.request.json", &n);
    json_t *fast = att__json_load_fast(text, n);
    json_t *ref = ref_load(text);
    assert_non_null(fast);
    assert_true(json_equal(fast, ref));
    char *a = json_dumps(ref, JSON_COMPACT | JSON_SORT_KEYS);
    char *b = att__json_dump_sorted(fast, NULL);
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(fast);
    json_decref(ref);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_accepts_subset),
        cmocka_unit_test(reader_declines_the_rest),
        cmocka_unit_test(writer_matches_json_dumps),
        cmocka_unit_test(real_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
