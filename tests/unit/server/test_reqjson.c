/* Unit tests for request-body JSON parsing and lenient field access. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "server/metrics.h"
#include "server/reqjson.h"

static void parses_and_reports_position(void **state)
{
    json_t *v;
    att_diag d;
    att_diag_clear(&d);
    const char *ok =
        "{\"quote\":\"AAEC\",\"RuntimeData\":{\"data\":\"e30\",\"dataType\":\"JSON\"}}";
    assert_int_equal(att__reqjson_parse(ok, strlen(ok), &v, &d), ATT_OK);
    const char *s;
    assert_int_equal(att__reqjson_string(v, "quote", 1, &s, &d), ATT_OK);
    assert_string_equal(s, "AAEC");
    json_t *rt = att__reqjson_get(v, "runtimeData"); /* case-insensitive fallback */
    assert_non_null(rt);
    unsigned char *b;
    size_t n;
    assert_int_equal(att__reqjson_bytes(rt, "data", 1, 100, &b, &n, &d), ATT_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(b, "{}", 2);
    free(b);
    assert_int_equal(att__reqjson_bytes(v, "quote", 1, 2, &b, &n, &d), ATT_ELIMIT);
    assert_non_null(strstr(d.message, "quote"));
    att_diag_clear(&d);
    assert_int_equal(att__reqjson_string(v, "nonce", 1, &s, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "nonce"));
    att_diag_clear(&d);
    assert_int_equal(att__reqjson_string(v, "nonce", 0, &s, &d), ATT_OK);
    assert_null(s);
    assert_int_equal(att__reqjson_string(v, "RuntimeData", 1, &s, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "must be a string"));
    json_decref(v);

    att_diag_clear(&d);
    const char *bad = "{\"quote\": \"x\",\n \"b\" }";
    assert_int_equal(att__reqjson_parse(bad, strlen(bad), &v, &d), ATT_EPARSE);
    assert_non_null(strstr(d.message, "line 2"));
    att_diag_clear(&d);
    assert_int_equal(att__reqjson_parse("", 0, &v, &d), ATT_EPARSE);
    att_diag_clear(&d);
    const char *dup = "{\"a\":1,\"a\":2}";
    assert_int_equal(att__reqjson_parse(dup, strlen(dup), &v, &d), ATT_EPARSE);
    att_diag_clear(&d);
    const char *notb64 = "{\"quote\":\"@@@@\"}";
    assert_int_equal(att__reqjson_parse(notb64, strlen(notb64), &v, &d), ATT_OK);
    assert_int_equal(att__reqjson_bytes(v, "quote", 1, 100, &b, &n, &d), ATT_EPARSE);
    assert_non_null(strstr(d.message, "base64"));
    json_decref(v);
}

static void rejects_deep_nesting_without_recursion(void **state)
{
    size_t depth = 100000;
    char *s = malloc(depth * 2 + 1);
    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[depth * 2] = 0;
    json_t *v;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__reqjson_parse(s, depth * 2, &v, &d), ATT_ELIMIT);
    assert_non_null(strstr(d.message, "nests deeper"));
    free(s);
    /* brackets inside strings do not count */
    char buf[200];
    size_t k = 0;
    buf[k++] = '"';
    for (int i = 0; i < 100; i++)
        buf[k++] = '[';
    buf[k++] = '"';
    att_diag_clear(&d);
    assert_int_equal(att__reqjson_parse(buf, k, &v, &d), ATT_OK);
    json_decref(v);
}

static void metrics_render(void **state)
{
    att__metrics_reset();
    att__metrics_record(ATT_ROUTE_CERTS, 200, NULL, 300000);
    att__metrics_record(ATT_ROUTE_ATTEST, 400, "InvalidParameter", 2000000000ull);
    att__metrics_record(ATT_ROUTE_ATTEST, 400, "SomethingElse", 1);
    att__buf b;
    att__buf_init(&b, 1 << 20);
    assert_int_equal(att__metrics_render(&b), ATT_OK);
    const char *t = att__buf_str(&b);
    assert_non_null(strstr(t, "attestd_http_requests_total{route=\"certs\",status=\"2xx\"} 1\n"));
    assert_non_null(strstr(
        t, "attestd_http_request_duration_seconds_bucket{route=\"certs\",le=\"0.00025\"} 0\n"));
    assert_non_null(strstr(
        t, "attestd_http_request_duration_seconds_bucket{route=\"certs\",le=\"0.0005\"} 1\n"));
    assert_non_null(
        strstr(t, "attestd_http_errors_total{route=\"attest\",code=\"InvalidParameter\"} 1\n"));
    assert_non_null(strstr(t, "attestd_http_errors_total{route=\"attest\",code=\"other\"} 1\n"));
    assert_non_null(strstr(t, "attestd_http_request_duration_seconds_count{route=\"attest\"} 2\n"));
    att__buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_and_reports_position),
        cmocka_unit_test(rejects_deep_nesting_without_recursion),
        cmocka_unit_test(metrics_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
