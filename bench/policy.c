/* bench_policy: how long the policy engine takes (src/policy). Prints the median of many
 * timed runs for: compiling a generated ~10 KB policy (1.2, with JMESPath literals),
 * evaluating the default SGX policy over the claims of a real SGX attestation, and
 * evaluating a 50-rule policy over 40 claims. Evaluation reuses one arena that is reset
 * between runs, as the server does per request. Run from bench/run.sh or alone; use a
 * Release/RelWithDebInfo build. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "policy/policy.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, const att_diag *d)
{
    fprintf(stderr, "bench_policy: %s: %s\n", what, d ? d->message : "failed");
    exit(1);
}

static att__policy_prog *compile(const char *text, size_t n)
{
    att_diag d;
    att_diag_clear(&d);
    att__policy_prog *p;
    if (att__policy_compile(text, n, &p, &d) != ATT_OK)
        die("compile", &d);
    return p;
}

/* A 1.2 policy of about `target` bytes in the style of MAA's TPM samples. */
static char *generate_policy(size_t target, size_t *len, size_t *rules)
{
    att__buf b;
    att__buf_init(&b, 1u << 20);
    att__buf_appends(&b, "version=1.2;\nconfigurationrules {\n"
                         "  => issueproperty(type=\"required_pcr_mask\", value=15);\n};\n"
                         "authorizationrules {\n"
                         "  [type==\"x-ms-sgx-is-debuggable\", value==true] => deny();\n"
                         "  [type==\"x-ms-sgx-svn\", value>=1] => permit();\n};\n"
                         "issuancerules {\n");
    size_t i = 0;
    while (b.len < target) {
        att__buf_appendf(&b,
                         "  // rule %zu\n"
                         "  c:[type==\"evidence-%zu\", issuer==\"AttestationService\"] && "
                         "[type==\"x-ms-sgx-svn\", value>=%zu] => add(type=\"found-%zu\", "
                         "value=JsonToClaimValue(JmesPath(c.value, \"items[?id == `%zu`].name "
                         "| [0]\")));\n"
                         "  ![type==\"found-%zu\"] => issue(type=\"missing-%zu\", value=true);\n",
                         i, i, i % 7, i, i, i, i);
        i++;
    }
    att__buf_appends(&b, "};\n");
    *rules = 2 * i + 3;
    if (!b.data)
        die("generate", NULL);
    return (char *)att__buf_steal(&b, len);
}

/* The claims attestd derives from the real 2022 sharedwus SGX quote (maa.md §2.5). */
static void sgx_claims(att__claimset *s)
{
    static const char collateral[] =
        "{\"qeidcertshash\":\"a64d649190f6f5e61c0d1ec8cc1b0e1ac15dc4fa9e2dcd3a1ba5fd1e7e4a6e10\","
        "\"qeidcrlhash\":\"3dbcd2559e8fdd8ceb41f5a7b7b7d3c86bb1f3e9b3ee1b6a16a2f4a0b6a3cad5\","
        "\"qeidhash\":\"7701f64700b7f505d7b4d7a93e44501ab4f3c09d4d7a4b3bd1f1ad6f0e9e372e\","
        "\"quotehash\":\"af0e0563d0a7d4e7b6f1a0e1f0e4b4c2a9d1b0b1d1a1b1c1d1e1f10111218d2\","
        "\"tcbinfocertshash\":\"a64d649190f6f5e61c0d1ec8cc1b0e1ac15dc4fa9e2dcd3a1ba5fd1e7e4a6e10\","
        "\"tcbinfocrlhash\":\"3dbcd2559e8fdd8ceb41f5a7b7b7d3c86bb1f3e9b3ee1b6a16a2f4a0b6a3cad5\","
        "\"tcbinfohash\":\"82d109fb2ecfa4cfa1e3f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3bea4\"}";
    int rc = 0;
    rc |= att__claims_add_bool(s, "x-ms-sgx-is-debuggable", 0, NULL);
    rc |= att__claims_add_string(s, "x-ms-sgx-mrenclave",
                                 "b779202618becb636768e5d902f28d524222735fafb539ea9ba07c3fc171a1c2",
                                 NULL);
    rc |= att__claims_add_string(s, "x-ms-sgx-mrsigner",
                                 "2c1a44952ae8207135c6c29b75b8c029372ee94b677e15c20bd42340f10d41aa",
                                 NULL);
    rc |= att__claims_add_int(s, "x-ms-sgx-product-id", 1, NULL);
    rc |= att__claims_add_int(s, "x-ms-sgx-svn", 1, NULL);
    rc |= att__claims_add_string(s, "x-ms-sgx-report-data",
                                 "ed11a9eb97dfc17053a32a6992e71d04f7ec996e45519ab710936afb48f9041d"
                                 "0000000000000000000000000000000000000000000000000000000000000000",
                                 NULL);
    rc |= att__claims_add_string(s, "x-ms-sgx-ehd", "CiAgICAgICAgewogICAgICAgICAgICAiandrIjp7CiAg",
                                 NULL);
    rc |= att__claims_add_string(s, "x-ms-sgx-collateral", collateral, NULL);
    rc |= att__claims_add_string(s, "x-ms-attestation-type", "sgx", NULL);
    rc |= att__claims_add_string(s, "x-ms-ver", "1.0", NULL);
    if (rc)
        die("claims", NULL);
}

/* 40 claims and a 50-rule policy over them (no JMESPath: the engine itself). */
static char *fifty_rules(att__claimset *s)
{
    char type[32];
    for (int i = 0; i < 40; i++) {
        snprintf(type, sizeof(type), "claim-%02d", i);
        int rc = i % 3 == 0   ? att__claims_add_int(s, type, i, NULL)
                 : i % 3 == 1 ? att__claims_add_bool(s, type, i % 2, NULL)
                              : att__claims_add_string(s, type, "some-string-value", NULL);
        if (rc)
            die("claims", NULL);
    }
    att__buf b;
    att__buf_init(&b, 1u << 20);
    att__buf_appends(&b, "version=1.2; authorizationrules {\n");
    for (int i = 0; i < 20; i++)
        att__buf_appendf(&b,
                         "[type==\"claim-%02d\", value>=%d] && [type==\"claim-%02d\"] => "
                         "permit();\n",
                         (i * 3) % 39, i, (i * 7 + 2) % 40);
    att__buf_appends(&b, "[type==\"claim-01\", value==false] => deny();\n"
                         "![type==\"absent\"] => add(type=\"checked\", value=true);\n};\n"
                         "issuancerules {\n");
    for (int i = 0; i < 28; i++) {
        if (i % 2)
            att__buf_appendf(
                &b, "c:[type==\"claim-%02d\"] => issue(type=\"out-%d\", value=c.value);\n", i, i);
        else
            att__buf_appendf(&b,
                             "c1:[type==\"claim-%02d\"] && [type==\"checked\"] && "
                             "[type==\"claim-%02d\", issuer==\"AttestationService\"] => "
                             "issue(type=\"pair-%d\", value=c1.value);\n",
                             i, 39 - i, i);
    }
    att__buf_appends(&b, "};\n");
    size_t n;
    char *text = (char *)att__buf_steal(&b, &n);
    if (!text)
        die("generate", NULL);
    return text;
}

/* Median ns per evaluation over `batches` batches of `per` evaluations. */
static double time_eval(const att__policy_prog *p, const att__claimset *in, size_t batches,
                        size_t per, size_t *issued)
{
    att__arena a;
    att__arena_init(&a);
    double *t = malloc(batches * sizeof(*t));
    if (!t)
        die("memory", NULL);
    for (size_t b = 0; b < batches; b++) {
        double t0 = now_ns();
        for (size_t i = 0; i < per; i++) {
            att__policy_result res;
            att_diag d;
            att_diag_clear(&d);
            if (att__policy_eval(p, in, &a, &res, &d) != ATT_OK)
                die("eval", &d);
            *issued = res.outgoing.n;
            att__arena_reset(&a);
        }
        t[b] = (now_ns() - t0) / (double)per;
    }
    double m = median(t, batches);
    free(t);
    att__arena_free(&a);
    return m;
}

int main(void)
{
    /* 1. compile a ~10 KB policy */
    size_t len, rules;
    char *big = generate_policy(10 * 1024, &len, &rules);
    enum { COMPILES = 300 };
    double tc[COMPILES];
    for (int i = 0; i < COMPILES; i++) {
        double t0 = now_ns();
        att__policy_prog *p = compile(big, len);
        tc[i] = now_ns() - t0;
        att__policy_prog_free(p);
    }
    printf("policy compile: %zu-byte policy (%zu rules, version 1.2 with JmesPath literals): "
           "median %.1f us over %d runs\n",
           len, rules, median(tc, COMPILES) / 1000.0, COMPILES);
    free(big);

    /* 2. default SGX policy over SGX claims */
    static const char sgx_default[] =
        "version= 1.0;authorizationrules{=> permit();};issuancerules{c:[type==\"x-ms-sgx-is-"
        "debuggable\"] => issue(type=\"is-debuggable\", "
        "value=c.value);c:[type==\"x-ms-sgx-mrsigner\"]"
        " => issue(type=\"sgx-mrsigner\", value=c.value);c:[type==\"x-ms-sgx-mrenclave\"] => "
        "issue(type=\"sgx-mrenclave\", value=c.value);c:[type==\"x-ms-sgx-product-id\"] => "
        "issue(type=\"product-id\", value=c.value);c:[type==\"x-ms-sgx-svn\"] => "
        "issue(type=\"svn\","
        " value=c.value);c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", "
        "value=c.value);};";
    att__arena ca;
    att__arena_init(&ca);
    att__claimset in;
    att__claims_init(&in, &ca);
    sgx_claims(&in);
    att__policy_prog *p = compile(sgx_default, strlen(sgx_default));
    size_t issued = 0;
    enum { BATCHES = 200, PER = 100 };
    double ns = time_eval(p, &in, BATCHES, PER, &issued);
    printf("policy eval: default SGX policy over %zu SGX claims (%zu issued): median %.0f ns per "
           "evaluation over %d batches of %d\n",
           in.n, issued, ns, BATCHES, PER);
    att__policy_prog_free(p);

    /* 3. 50 rules over 40 claims */
    att__arena_reset(&ca);
    att__claims_init(&in, &ca);
    char *fifty = fifty_rules(&in);
    p = compile(fifty, strlen(fifty));
    size_t nr = att__policy_prog_rule_count(p, ATT_POLICY_AUTHORIZATION) +
                att__policy_prog_rule_count(p, ATT_POLICY_ISSUANCE);
    ns = time_eval(p, &in, BATCHES, PER, &issued);
    printf("policy eval: %zu-rule policy over %zu claims (%zu issued): median %.0f ns per "
           "evaluation over %d batches of %d\n",
           nr, in.n, issued, ns, BATCHES, PER);
    att__policy_prog_free(p);
    free(fifty);
    att__arena_free(&ca);
    return 0;
}
