/* Unit tests for src/policy/jmespath*.c: the official JMESPath compliance suite
 * (../shared/vectors/jmespath), MAA's equals_ignore_case() and documented TPM queries,
 * error messages, limits, and concurrent evaluation of one compiled expression. */
#include "testutil.h"

#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "core/limits.h"
#include "policy/jmespath.h"

/* ---- helpers ---- */

/* JSON equality where numbers compare by value (1 == 1.0), as the suite's README asks. */
static int json_same(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b))
            return json_integer_value(a) == json_integer_value(b);
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b))
        return 0;
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!json_same(json_array_get(a, i), json_array_get(b, i)))
                return 0;
        return 1;
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b))
            return 0;
        const char *k;
        size_t kl;
        json_t *v;
        json_object_keylen_foreach((json_t *)a, k, kl, v)
        {
            const json_t *w = json_object_getn(b, k, kl);
            if (!w || !json_same(v, w))
                return 0;
        }
        return 1;
    }
    default:
        return 1;
    }
}

/* Compiles and evaluates expr against the JSON text doc. Returns the error code; *res is
 * the result on success (caller decrefs), d the diagnostics. */
static int run(const char *expr, const char *doc, json_t **res, att_diag *d)
{
    att_diag_clear(d);
    *res = NULL;
    json_error_t jerr;
    json_t *data = json_loads(doc, JSON_DECODE_ANY, &jerr);
    if (!data)
        fail_msg("bad test document %s: %s", doc, jerr.text);
    att__jmes_expr *e;
    int rc = att__jmes_compile(expr, strlen(expr), &e, d);
    if (rc == ATT_OK) {
        rc = att__jmes_search(e, data, res, d);
        att__jmes_free(e);
    }
    json_decref(data);
    return rc;
}

/* Asserts that expr on doc gives the JSON value want. */
static void expect_json(const char *expr, const char *doc, const char *want)
{
    att_diag d;
    json_t *res;
    int rc = run(expr, doc, &res, &d);
    if (rc != ATT_OK)
        fail_msg("%s: error %d %s: %s", expr, rc, d.reason, d.message);
    json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
    assert_non_null(w);
    if (!json_same(res, w)) {
        char *got = json_dumps(res, JSON_ENCODE_ANY | JSON_COMPACT);
        fail_msg("%s: got %s, want %s", expr, got, want);
    }
    json_decref(w);
    json_decref(res);
}

/* Asserts that expr on doc fails with reason and, if msg is given, that message. */
static void expect_error(const char *expr, const char *doc, const char *reason, const char *msg)
{
    att_diag d;
    json_t *res;
    int rc = run(expr, doc, &res, &d);
    if (rc == ATT_OK) {
        json_decref(res);
        fail_msg("%s: expected error %s, got a result", expr, reason);
    }
    assert_string_equal(d.reason, reason);
    if (msg)
        assert_string_equal(d.message, msg);
}

/* ---- the compliance suite ---- */

static const char *kind_reason(const char *kind)
{
    static const char *const map[][2] = {
        {"syntax", "jmespath.syntax"},
        {"invalid-type", "jmespath.invalid_type"},
        {"invalid-arity", "jmespath.invalid_arity"},
        {"invalid-value", "jmespath.invalid_value"},
        {"unknown-function", "jmespath.unknown_function"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(kind, map[i][0]) == 0)
            return map[i][1];
    return "?";
}

/* Runs one case; returns 1 if it passes, else prints why and returns 0. */
static int run_case(const char *file, json_t *given, json_t *tc)
{
    const char *expr = json_string_value(json_object_get(tc, "expression"));
    json_t *want = json_object_get(tc, "result");
    const char *kind = json_string_value(json_object_get(tc, "error"));
    const char *bench = json_string_value(json_object_get(tc, "bench"));
    att_diag d;
    att_diag_clear(&d);
    att__jmes_expr *e = NULL;
    json_t *res = NULL;
    int rc = att__jmes_compile(expr, strlen(expr), &e, &d);
    if (rc == ATT_OK) {
        rc = att__jmes_search(e, given, &res, &d);
        att__jmes_free(e);
    }
    int pass;
    if (kind)
        pass = rc != ATT_OK && strcmp(d.reason, kind_reason(kind)) == 0;
    else if (want)
        pass = rc == ATT_OK && json_same(res, want);
    else
        pass = rc == ATT_OK && bench;
    if (!pass) {
        char *got = res ? json_dumps(res, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        char *exp = want ? json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
        print_message("FAIL %s: %s\n  want %s%s\n  got  %s%s\n", file, expr, kind ? "error " : "",
                      kind  ? kind
                      : exp ? exp
                            : "(bench)",
                      got ? got : d.reason, got ? "" : d.message);
        free(got);
        free(exp);
    }
    json_decref(res);
    return pass;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void compliance_suite(void **state)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s", tu_shared_path("vectors/jmespath"));
    DIR *dp = opendir(dir);
    if (!dp)
        fail_msg("cannot open %s", dir);
    char *names[64];
    size_t nfiles = 0;
    struct dirent *de;
    while ((de = readdir(dp)) && nfiles < 64) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0)
            names[nfiles++] = strdup(de->d_name);
    }
    closedir(dp);
    qsort(names, nfiles, sizeof(names[0]), cmp_names);
    assert_true(nfiles >= 16);

    size_t total = 0, passed = 0;
    for (size_t f = 0; f < nfiles; f++) {
        char path[1300];
        snprintf(path, sizeof(path), "%s/%s", dir, names[f]);
        json_error_t jerr;
        json_t *suites = json_load_file(path, JSON_DECODE_ANY, &jerr);
        if (!json_is_array(suites))
            fail_msg("%s: %s", path, jerr.text);
        size_t n = 0, ok = 0, i, j;
        json_t *suite, *tc;
        json_array_foreach(suites, i, suite)
        {
            json_t *given = json_object_get(suite, "given");
            json_array_foreach(json_object_get(suite, "cases"), j, tc)
            {
                n++;
                ok += (size_t)run_case(names[f], given, tc);
            }
        }
        print_message("%-18s %4zu/%-4zu passed\n", names[f], ok, n);
        total += n;
        passed += ok;
        json_decref(suites);
        free(names[f]);
    }
    print_message("%-18s %4zu/%-4zu passed\n", "TOTAL", passed, total);
    assert_int_equal(passed, total);
    assert_true(total >= 908);
}

/* ---- MAA extensions and queries ---- */

static void equals_ignore_case(void **state)
{
    expect_json("equals_ignore_case('abc', 'ABC')", "{}", "true");
    expect_json("equals_ignore_case(a, b)", "{\"a\":\"8be4df61-93ca\",\"b\":\"8BE4DF61-93CA\"}",
                "true");
    expect_json("equals_ignore_case('abc', 'abd')", "{}", "false");
    expect_json("equals_ignore_case('abc', 'ab')", "{}", "false");
    expect_json("equals_ignore_case('', '')", "{}", "true");
    /* Unicode simple case mapping, code point by code point. */
    expect_json("equals_ignore_case('\xc3\xa9"
                "cole', '\xc3\x89"
                "COLE')",
                "{}", "true");
    expect_json("equals_ignore_case('\xcf\x83', '\xce\xa3')", "{}", "true");
    expect_json("equals_ignore_case('\xcf\x82', '\xcf\x83')", "{}", "true");
    expect_json("equals_ignore_case('\xd0\xb4', '\xd0\x94')", "{}", "true");
    expect_json("equals_ignore_case('stra\xc3\x9f"
                "e', 'STRASSE')",
                "{}", "false");
    expect_json("equals_ignore_case('stra\xc3\x9f"
                "e', 'STRA\xc3\x9f"
                "E')",
                "{}", "true");
    expect_json("[?equals_ignore_case(n, 'secureboot')].v", "[{\"n\":\"SecureBoot\",\"v\":1}]",
                "[1]");
    expect_error("equals_ignore_case('a', `1`)", "{}", "jmespath.invalid_type",
                 "invalid type for argument 2 of equals_ignore_case(): expected string, got "
                 "number");
    expect_error("equals_ignore_case(missing, 'a')", "{}", "jmespath.invalid_type", NULL);
    expect_error("equals_ignore_case('a')", "{}", "jmespath.invalid_arity", NULL);
}

static const char *const tcg_events =
    "{\"Events\":["
    "{\"EventSeq\":1,\"PcrIndex\":7,\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\","
    "\"ProcessedData\":{\"VariableGuid\":\"8BE4DF61-93CA-11D2-AA0D-00E098032B8C\","
    "\"UnicodeName\":\"SecureBoot\",\"VariableData\":\"AQ\"}},"
    "{\"EventSeq\":2,\"PcrIndex\":7,\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\","
    "\"ProcessedData\":{\"VariableGuid\":\"8BE4DF61-93CA-11D2-AA0D-00E098032B8C\","
    "\"UnicodeName\":\"PK\",\"VariableData\":\"oUDEpw==\"}},"
    "{\"EventSeq\":3,\"PcrIndex\":7,\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\","
    "\"ProcessedData\":{\"VariableGuid\":\"D719B2CB-3D3A-4596-A3BC-DAD00E67656F\","
    "\"UnicodeName\":\"db\",\"VariableData\":\"AAAA\"}},"
    "{\"EventSeq\":4,\"PcrIndex\":4,\"EventTypeString\":\"EV_EFI_BOOT_SERVICES_APPLICATION\","
    "\"ProcessedData\":{}}]}";

static void maa_documented_queries(void **state)
{
    const char *q1 = "Events[?EventTypeString == 'EV_EFI_VARIABLE_DRIVER_CONFIG' && "
                     "ProcessedData.VariableGuid == '8BE4DF61-93CA-11D2-AA0D-00E098032B8C']";
    att_diag d;
    json_t *vars;
    assert_int_equal(run(q1, tcg_events, &vars, &d), ATT_OK);
    assert_int_equal(json_array_size(vars), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(vars, 1), "ProcessedData"),
                                          "UnicodeName")),
        "PK");

    /* The second rule runs on the first rule's result. */
    const char *q2 = "[?ProcessedData.UnicodeName == 'SecureBoot'] | length(@) == `1` && "
                     "@[0].ProcessedData.VariableData == 'AQ'";
    char *doc = json_dumps(vars, JSON_COMPACT);
    expect_json(q2, doc, "true");
    free(doc);
    json_decref(vars);
    expect_json(q2,
                "[{\"ProcessedData\":{\"UnicodeName\":\"SecureBoot\",\"VariableData\":"
                "\"AA\"}}]",
                "false");
    expect_json(q2, "[]", "false");

    /* Other shapes from the MAA samples: counts, projections, pcrs. */
    expect_json("length(Events[?PcrIndex == `7`])", tcg_events, "3");
    expect_json("Events[?PcrIndex == `7`].ProcessedData.UnicodeName | sort(@)", tcg_events,
                "[\"PK\",\"SecureBoot\",\"db\"]");
    expect_json("PCRs[?Index == `0`].Digests.SHA256 | [0]",
                "{\"PCRs\":[{\"Index\":0,\"Digests\":{\"SHA256\":\"abc\"}},"
                "{\"Index\":1,\"Digests\":{\"SHA256\":\"def\"}}]}",
                "\"abc\"");
    expect_json("contains(Events[].EventTypeString, 'EV_EFI_BOOT_SERVICES_APPLICATION')",
                tcg_events, "true");
}

/* ---- semantics beyond the suite ---- */

static void strings_and_numbers(void **state)
{
    expect_json("length('\xe2\x9c\x93\xf0\x9d\x84\x9e')", "{}", "2");
    expect_json("reverse('a\xe2\x9c\x93"
                "b')",
                "{}",
                "\"b\xe2\x9c\x93"
                "a\"");
    expect_json("'h\xc3\xa9llo'[1:3]", "{}", "\"\xc3\xa9l\"");
    expect_json("'h\xc3\xa9llo'[::-1]", "{}", "\"oll\xc3\xa9h\"");
    expect_json("s[-2:]", "{\"s\":\"abc\"}", "\"bc\"");
    expect_json("foo[0][0:2].a", "{\"foo\":[[{\"a\":1},{\"a\":2},{\"a\":3}]]}", "[1,2]");
    expect_json("foo.*.bar.baz", "{\"foo\":{\"x\":{\"bar\":{\"baz\":1}},\"y\":{\"bar\":{}}}}",
                "[1]");
    expect_json("to_string(`1.5`)", "{}", "\"1.5\"");
    expect_json("to_string(`1.0`)", "{}", "\"1.0\"");
    expect_json("to_string(`0.1`)", "{}", "\"0.1\"");
    expect_json("to_string(`{\"a\": [1, \"x\\n\", null]}`)", "{}",
                "\"{\\\"a\\\":[1,\\\"x\\\\n\\\",null]}\"");
    expect_json("sum(`[9223372036854775807, 1]`)", "{}", "9223372036854775808.0");
    expect_json("abs(`-9223372036854775808`)", "{}", "9223372036854775808.0");
    expect_json("`1` == `1.0`", "{}", "true");
    expect_json("`[1, {\"a\": 2}]` == `[1.0, {\"a\": 2.0}]`", "{}", "true");
    expect_json("`9007199254740993` > `9007199254740992.0`", "{}", "true");
    expect_json("'a' < 'b'", "{}", "null");
    expect_json("to_number('12')", "{}", "12");
    expect_json("to_number(' 12')", "{}", "null");
    expect_json("ceil(`2.5`)", "{}", "3");
    expect_json("sort_by(a, &k)[].v",
                "{\"a\":[{\"k\":2,\"v\":1},{\"k\":1,\"v\":2},{\"k\":2,\"v\":3},{\"k\":1,\"v\":4}]}",
                "[2,4,1,3]");
    expect_json("\"\\u0000\"", "{}", "null");
    /* Huge numbers saturate (found by fuzzing: digits once overflowed). */
    expect_json("a[111111111111111111111111]", "{\"a\":[1,2,3]}", "null");
    expect_json("a[-99999999999999999999:99999999999999999999]", "{\"a\":[1,2,3]}", "[1,2,3]");
    expect_json("a[::-99999999999999999999]", "{\"a\":[1,2,3]}", "[3]");
    expect_json("a[-99999999999999999999]", "{\"a\":[1,2,3]}", "null");
}

static void error_messages(void **state)
{
    expect_error("foo.]", "{}", "jmespath.syntax",
                 "JMESPath syntax error at column 5: unexpected ']' (expected an identifier, "
                 "'*', '[' or '{' after '.')");
    expect_error("foo[?bar ==]", "{}", "jmespath.syntax",
                 "JMESPath syntax error at column 12: unexpected ']' (expected an expression)");
    expect_error("a[abc]", "{}", "jmespath.syntax",
                 "JMESPath syntax error at column 3: unexpected identifier 'abc' (expected a "
                 "number, ':' or '*')");
    expect_error("'\xe2\x9c\x93' | foo bar", "{}", "jmespath.syntax",
                 "JMESPath syntax error at column 11: unexpected identifier 'bar' (expected an "
                 "operator or the end of the expression)");
    expect_error("foo[", "{}", "jmespath.syntax",
                 "JMESPath syntax error at column 5: unexpected end of expression (expected a "
                 "number, ':' or '*')");
    expect_error("[", "{}", "jmespath.syntax",
                 "JMESPath syntax error at column 2: unexpected end of expression (expected an "
                 "expression)");
    expect_error("a = b", "{}", "jmespath.syntax",
                 "JMESPath syntax error at column 3: unexpected '=' (did you mean '=='?)");
    expect_error("`{bad`", "{}", "jmespath.syntax", NULL);
    expect_error("length(`1`)", "{}", "jmespath.invalid_type",
                 "invalid type for argument 1 of length(): expected string|array|object, got "
                 "number");
    expect_error("sum(`[1, \"a\"]`)", "{}", "jmespath.invalid_type",
                 "invalid type for argument 1 of sum(): expected array[number], got array with "
                 "a string at index 1");
    expect_error("sort_by(`[{\"a\": 1}, {\"a\": \"x\"}]`, &a)", "{}", "jmespath.invalid_type",
                 NULL);
    expect_error("nope(@)", "{}", "jmespath.unknown_function",
                 "JMESPath error at column 1: unknown function nope()");
    expect_error("x.abs(`1`, `2`)", "{}", "jmespath.invalid_arity",
                 "JMESPath error at column 3: invalid arity for abs(): expected 1 argument, got "
                 "2");
    expect_error("merge()", "{}", "jmespath.invalid_arity",
                 "JMESPath error at column 1: invalid arity for merge(): expected at least 1 "
                 "argument, got 0");
    expect_error("foo[::0]", "{}", "jmespath.invalid_value", NULL);
    expect_error("&foo", "{}", "jmespath.invalid_type", NULL);
    expect_error("\xff", "{}", "jmespath.syntax",
                 "JMESPath syntax error at column 1: invalid UTF-8");

    /* d may be NULL; the error code still says what happened. */
    att__jmes_expr *e = (att__jmes_expr *)1;
    assert_int_equal(att__jmes_compile("a[", 2, &e, NULL), ATT_EPARSE);
    assert_null(e);
}

/* Builds prefix*n + middle + suffix*n (malloc'd). */
static char *nest(const char *prefix, const char *middle, const char *suffix, size_t n)
{
    size_t lp = strlen(prefix), lm = strlen(middle), ls = strlen(suffix);
    char *s = malloc(n * (lp + ls) + lm + 1), *p = s;
    assert_non_null(s);
    for (size_t i = 0; i < n; i++, p += lp)
        memcpy(p, prefix, lp);
    memcpy(p, middle, lm);
    p += lm;
    for (size_t i = 0; i < n; i++, p += ls)
        memcpy(p, suffix, ls);
    *p = '\0';
    return s;
}

static int compile_rc(const char *s, att_diag *d)
{
    att__jmes_expr *e = NULL;
    att_diag_clear(d);
    int rc = att__jmes_compile(s, strlen(s), &e, d);
    att__jmes_free(e);
    return rc;
}

static void limits(void **state)
{
    att_diag d;
    const size_t deep = ATT_MAX_JMESPATH_DEPTH * 100; /* far beyond the limit */
    static const char *const shapes[][3] = {
        {"(", "a", ")"},         {"[", "a", "]"},      {"!", "a", ""},        {"{a:", "a", "}"},
        {"a[*].", "b", ""},      {"abs(", "a", ")"},   {"& ", "a", ""},       {"a[?", "b", "]"},
        {"not_null(", "a", ")"}, {"a || (", "b", ")"}, {"[?a==", "`1`", "]"}, {"a | [", "b", "]"},
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        char *s = nest(shapes[i][0], shapes[i][1], shapes[i][2], deep);
        int rc = compile_rc(s, &d);
        assert_int_equal(rc, ATT_ELIMIT);
        assert_string_equal(d.reason, "jmespath.syntax");
        free(s);
        /* Well inside the limit the same shapes compile. */
        s = nest(shapes[i][0], shapes[i][1], shapes[i][2], ATT_MAX_JMESPATH_DEPTH / 4);
        if (compile_rc(s, &d) != ATT_OK)
            fail_msg("%s...: %s", shapes[i][0], d.message);
        free(s);
    }
    /* Long but shallow chains are fine. */
    char *s = nest("a.", "a", "", 10000);
    assert_int_equal(compile_rc(s, &d), ATT_OK);
    free(s);
    s = nest("a || ", "a", "", 5000);
    assert_int_equal(compile_rc(s, &d), ATT_OK);
    free(s);
    /* Expression size. */
    s = nest(" ", "a", "", ATT_MAX_JMESPATH_EXPR);
    assert_int_equal(compile_rc(s, &d), ATT_ELIMIT);
    assert_string_equal(d.reason, "jmespath.syntax");
    free(s);
    /* Evaluation work: each stage multiplies the result by 8 at constant expression size. */
    s = nest("", "@", " | [@,@,@,@,@,@,@,@][]", 12);
    json_t *res;
    assert_int_equal(run(s, "[1]", &res, &d), ATT_ELIMIT);
    assert_string_equal(d.reason, "jmespath.limit");
    free(s);
    /* Shared-structure blow-ups (2^100 leaves in 100 small arrays) caught by deep
     * comparison and by to_string. */
    s = nest("", "@", " | [@,@]", 100);
    size_t tl = 2 * strlen(s) + 64;
    char *t = malloc(tl);
    snprintf(t, tl, "[%s, %s] | [0] == [1]", s, s);
    assert_int_equal(run(t, "[1]", &res, &d), ATT_ELIMIT);
    assert_string_equal(d.reason, "jmespath.limit");
    snprintf(t, tl, "%s | to_string(@)", s);
    assert_int_equal(run(t, "[1]", &res, &d), ATT_ELIMIT);
    assert_string_equal(d.reason, "jmespath.limit");
    /* ... and such a result is never handed out: printing it would never end. */
    assert_int_equal(run(s, "[1]", &res, &d), ATT_ELIMIT);
    assert_string_equal(d.reason, "jmespath.limit");
    assert_null(res);
    free(t);
    free(s);
}

/* ---- threads ---- */

typedef struct thread_arg {
    const att__jmes_expr *e;
    const json_t *data;
    const json_t *want;
    int failures;
} thread_arg;

static void *eval_thread(void *p)
{
    thread_arg *a = p;
    for (int i = 0; i < 300; i++) {
        att_diag d;
        att_diag_clear(&d);
        json_t *res;
        if (att__jmes_search(a->e, a->data, &res, &d) != ATT_OK || !json_same(res, a->want))
            a->failures++;
        json_decref(res);
    }
    return NULL;
}

static void concurrent_evaluation(void **state)
{
    const char *q = "{n: length(Events[?PcrIndex == `7`]), names: sort(Events[].ProcessedData."
                    "UnicodeName), first: Events[0].EventSeq, by: max_by(Events, &EventSeq)."
                    "EventSeq, s: to_string(Events[-1].ProcessedData)}";
    att_diag d;
    att_diag_clear(&d);
    att__jmes_expr *e;
    assert_int_equal(att__jmes_compile(q, strlen(q), &e, &d), ATT_OK);
    json_t *data = json_loads(tcg_events, 0, NULL);
    json_t *want = json_loads("{\"n\":3,\"names\":[\"PK\",\"SecureBoot\",\"db\"],\"first\":1,"
                              "\"by\":4,\"s\":\"{}\"}",
                              0, NULL);
    assert_non_null(data);
    assert_non_null(want);
    enum { NTHREADS = 8 };
    pthread_t th[NTHREADS];
    thread_arg args[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        args[i] = (thread_arg){e, data, want, 0};
        assert_int_equal(pthread_create(&th[i], NULL, eval_thread, &args[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    assert_int_equal(data->refcount, 1); /* every shared reference was released */
    json_decref(want);
    json_decref(data);
    att__jmes_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compliance_suite),       cmocka_unit_test(equals_ignore_case),
        cmocka_unit_test(maa_documented_queries), cmocka_unit_test(strings_and_numbers),
        cmocka_unit_test(error_messages),         cmocka_unit_test(limits),
        cmocka_unit_test(concurrent_evaluation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
