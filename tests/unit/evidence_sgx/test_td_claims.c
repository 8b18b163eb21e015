/* The TDX claims builder (src/evidence/sgx/td_claims.c): for every TDX quote of
 * manifest-dcap.json the tdx_* claims equal the manifest's parsed fields; the claim set has
 * exactly the evidence claims of MAA's TdxVm example token
 * (vectors/maa/azure-security-docs/token-example.tdxvm.payload.json) with the same JSON
 * types; TD_ATTRIBUTES bits decode; a verified quote gets its TCB status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "evidence/sgx/td_claims.h"
#include "sgx_tu.h"

#define EXAMPLE "vectors/maa/azure-security-docs/token-example.tdxvm.payload.json"

/* claims of the example token that a policy or the token issuer adds, not the evidence */
static int not_evidence(const char *k)
{
    static const char *const names[] = {"exp",
                                        "iat",
                                        "iss",
                                        "jti",
                                        "nbf",
                                        "x-ms-compliance-status",
                                        "x-ms-policy-hash",
                                        "x-ms-runtime",
                                        "x-ms-ver"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(k, names[i]) == 0)
            return 1;
    return 0;
}

/* JSON type with numbers as one kind and true/false as one */
static int kind(const json_t *v)
{
    return json_is_number(v) ? 1 : json_is_boolean(v) ? 2 : (int)json_typeof(v) + 3;
}

static void test_manifest_quotes(void **state)
{
    (void)state;
    json_t *m = tu_load_json("vectors/manifest-dcap.json");
    json_t *ex = tu_load_json(EXAMPLE);
    assert_non_null(m);
    assert_non_null(ex);
    size_t i, seen = 0;
    json_t *c;
    json_array_foreach(json_object_get(m, "cases"), i, c)
    {
        const char *id = tu_jstr(c, "id");
        if (strncmp(id, "tdx-", 4) != 0)
            continue;
        size_t n;
        uint8_t *qb = tu_read_quote(tu_jstr(c, "quote"), 0, &n);
        att__quote q;
        att_diag d;
        att_diag_clear(&d);
        assert_int_equal(att__quote_parse(qb, n, &q, &d), ATT_OK);
        json_t *cl = att__td_claims(&q, NULL);
        assert_non_null(cl);
        /* values */
        const json_t *qc = json_object_get(c, "quote_claims");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)qc, k, v)
        {
            char name[64];
            if (strcmp(k, "tee_tcb_svn2") == 0 || strcmp(k, "mrservicetd") == 0)
                continue; /* TD 1.5 fields MAA's profile has no claim for */
            snprintf(name, sizeof(name), "tdx_%s",
                     strcmp(k, "reportdata") == 0 ? "report_data" : k);
            const char *got = tu_jstr(cl, name);
            if (!got || strcmp(got, json_string_value(v)) != 0)
                fail_msg("%s: %s = %s, manifest %s", id, name, got ? got : "(none)",
                         json_string_value(v));
        }
        /* shape: every evidence claim of the example, same JSON type; nothing else but
         * attester_tcb_status, which needs a verification result */
        json_object_foreach(ex, k, v)
        {
            if (not_evidence(k) || strcmp(k, "attester_tcb_status") == 0)
                continue;
            json_t *g = json_object_get(cl, k);
            /* (the loader reads numbers as reals) */
            if (!g || kind(g) != kind(v) ||
                (json_is_string(v) && json_string_length(g) != json_string_length(v) &&
                 strcmp(k, "dbgstat") != 0))
                fail_msg("%s: claim %s missing or of another type/length", id, k);
        }
        json_object_foreach(cl, k, v)
        {
            if (!json_object_get(ex, k))
                fail_msg("%s: claim %s is not in the example token", id, k);
        }
        /* decoded attributes agree with the raw value */
        uint64_t attr = 0;
        for (int b = 7; b >= 0; b--)
            attr = (attr << 8) | q.td.td_attributes[b];
        assert_int_equal(json_is_true(json_object_get(cl, "tdx_td_attributes_septve_disable")),
                         (attr >> 28) & 1);
        assert_int_equal(json_is_true(json_object_get(cl, "tdx_td_attributes_protection_keys")),
                         (attr >> 30) & 1);
        assert_int_equal(json_is_true(json_object_get(cl, "tdx_td_attributes_debug")), attr & 1);
        assert_string_equal(tu_jstr(cl, "dbgstat"), (attr & 1) ? "enabled" : "disabled");
        assert_int_equal(json_integer_value(json_object_get(cl, "tdx_seamsvn")),
                         q.td.tee_tcb_svn[0] | (q.td.tee_tcb_svn[1] << 8));
        json_decref(cl);
        free(qb);
        seen++;
    }
    assert_true(seen >= 8);
    json_decref(ex);
    json_decref(m);
}

/* The example token's evidence values come from the go-tdx-guest TDX 1.0 module (MRSEAM
 * 2fd279c1..., TEE_TCB_SVN 03 00 ..): the openenclave quote of that platform gives the same
 * tdx_mrseam, tdx_seamsvn 3 and the same zero MRSIGNERSEAM / SEAM attributes. */
static void test_example_values(void **state)
{
    (void)state;
    json_t *ex = tu_load_json(EXAMPLE);
    size_t n;
    uint8_t *qb = tu_read_quote("tdx-v4/openenclave/tdx_quote.bin", 0, &n);
    att__quote q;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(qb, n, &q, &d), ATT_OK);
    json_t *cl = att__td_claims(&q, NULL);
    static const char *const same[] = {"tdx_mrseam",        "tdx_mrsignerseam",
                                       "tdx_seamsvn",       "tdx_seam_attributes",
                                       "tdx_td_attributes", "tdx_xfam",
                                       "dbgstat",           "intuse",
                                       "eat_profile",       "x-ms-attestation-type"};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        if (!json_equal(json_object_get(cl, same[i]), json_object_get(ex, same[i])) &&
            json_number_value(json_object_get(cl, same[i])) !=
                json_number_value(json_object_get(ex, same[i])))
            fail_msg("claim %s differs from the example token", same[i]);
    json_decref(cl);
    free(qb);
    json_decref(ex);
}

static void test_verified_status(void **state)
{
    (void)state;
    att__cert *roots[2];
    tu_load_roots(roots);
    att__dcap_collateral *col =
        tu_load_collateral("normalized-collateral/tdx-v4_automata-dcap-rs.json", roots);
    size_t n;
    uint8_t *qb = tu_read_quote("tdx-v4/automata-dcap-rs/quote_tdx_00806f050000.dat", 0, &n);
    att__quote q;
    att__quote_result r;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(qb, n, &q, &d), ATT_OK);
    assert_int_equal(att__quote_verify(&q, col, (const att__cert *const *)roots, 2,
                                       tu_parse_time("2025-02-14T00:00:00Z"), &r, &d),
                     ATT_OK);
    json_t *cl = att__td_claims(&q, &r);
    assert_string_equal(tu_jstr(cl, "attester_tcb_status"), "OutOfDate");
    json_decref(cl);
    /* an SGX quote has no TD claims */
    size_t sn;
    uint8_t *sb = tu_read_quote("sgx-v3/phala-dcap-qvl/sgx_quote.bin", 0, &sn);
    att__quote sq;
    if (att__quote_parse(sb, sn, &sq, &d) == ATT_OK)
        assert_null(att__td_claims(&sq, NULL));
    free(sb);
    free(qb);
    att__dcap_unref(col);
    tu_free_roots(roots);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_quotes),
        cmocka_unit_test(test_example_values),
        cmocka_unit_test(test_verified_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
