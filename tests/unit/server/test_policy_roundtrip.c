/* A policy from upload to use: stored through the provider registry with the server's
 * compile hook, then evaluated at attest time from the snapshot's compiled form, with no
 * parsing on that path; a reset brings the default back. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "policy/policy.h"
#include "provider/provider.h"
#include "server/server.h"
#include "store/store.h"

static const char *POLICY =
    "version=1.0;\n"
    "authorizationrules {\n"
    "  [type==\"x-ms-sgx-is-debuggable\", value==false] && [type==\"x-ms-sgx-svn\", value>=2]"
    " => permit();\n"
    "};\n"
    "issuancerules { c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"signer\", value=c.value); "
    "};\n";

/* Evaluates the current SgxEnclave policy of the default provider over SGX-like claims.
 * The result borrows the compiled policy, so the snapshot reference is kept in *snapp
 * (released by the caller once it has read the result, as a request does). */
static int evaluate(att__registry *reg, int64_t svn, att__arena *a, att__policy_result *res,
                    att_diag *d, const att__snapshot **snapp)
{
    att__snapshot_release(*snapp);
    const att__snapshot *snap = *snapp = att__registry_acquire(reg);
    const att__policy *pol =
        att__provider_policy(att__snapshot_default(snap), ATT_TYPE_SGX_ENCLAVE);
    int cerr = -1;
    const att__policy_prog *prog = att__policy_compiled(pol, &cerr);
    assert_int_equal(cerr, ATT_OK);
    assert_non_null(prog);
    att__claimset in;
    att__claims_init(&in, a);
    att__claims_add_bool(&in, "x-ms-sgx-is-debuggable", 0, NULL);
    att__claims_add_int(&in, "x-ms-sgx-svn", svn, NULL);
    att__claims_add_string(&in, "x-ms-sgx-mrsigner", "2c1a44952ae8207135c6c29b75b8c029", NULL);
    att__claims_add_string(&in, "x-ms-attestation-type", "sgx", NULL);
    att_diag_clear(d);
    return att__policy_eval(prog, &in, a, res, d);
}

static void upload_use_reset(void **state)
{
    const char *dir = tu_tmpdir();
    att__store *store;
    att_diag d;
    att_diag_clear(&d);
    att__store_config scfg = {.backend = "sqlite", .data_dir = dir};
    assert_int_equal(att__store_open(&scfg, &store, &d), ATT_OK);
    att__registry_config rcfg = {.issuer = "http://127.0.0.1:8080",
                                 .compile = att__server_policy_compile_hook,
                                 .release = att__server_policy_release_hook};
    att__registry *reg;
    assert_int_equal(att__registry_open(store, &rcfg, &reg, &d), ATT_OK);

    /* the default SGX policy is compiled and permits */
    att__arena a;
    att__arena_init(&a);
    att__policy_result res;
    const att__snapshot *snap = NULL;
    assert_int_equal(evaluate(reg, 1, &a, &res, &d, &snap), ATT_OK);
    assert_int_equal(res.decision, ATT_POLICY_PERMIT);
    att__arena_reset(&a);

    /* upload: checked like the PUT handler does, then stored */
    assert_int_equal(att__server_policy_check(ATT_TYPE_SGX_ENCLAVE, POLICY, strlen(POLICY), &d),
                     ATT_OK);
    char *jws;
    size_t jlen;
    assert_int_equal(att__policy_unsigned_jws(POLICY, strlen(POLICY), &jws, &jlen), ATT_OK);
    assert_int_equal(att__registry_set_policy(reg, "default", ATT_TYPE_SGX_ENCLAVE, jws, jlen,
                                              POLICY, strlen(POLICY), &d),
                     ATT_OK);
    free(jws);

    /* attest-time use: svn 2 is permitted and issues "signer"; svn 1 is not permitted */
    assert_int_equal(evaluate(reg, 2, &a, &res, &d, &snap), ATT_OK);
    assert_int_equal(res.outgoing.n, 1);
    assert_string_equal(res.outgoing.v[0].type, "signer");
    assert_string_equal(res.outgoing.v[0].str, "2c1a44952ae8207135c6c29b75b8c029");
    att__arena_reset(&a);
    assert_int_equal(evaluate(reg, 1, &a, &res, &d, &snap), ATT_EPOLICY);
    assert_int_equal(res.decision, ATT_POLICY_NO_PERMIT);
    assert_non_null(strstr(d.message, "x-ms-sgx-svn"));
    att__arena_reset(&a);

    /* a bad upload is refused before anything is stored */
    const char *bad = "version=1.0; authorizationrules { => permit() };";
    att_diag_clear(&d);
    assert_int_not_equal(att__server_policy_check(ATT_TYPE_SGX_ENCLAVE, bad, strlen(bad), &d),
                         ATT_OK);
    assert_non_null(strstr(d.message, "Line"));

    /* reset: the default policy applies again */
    assert_int_equal(att__registry_reset_policy(reg, "default", ATT_TYPE_SGX_ENCLAVE, &d), ATT_OK);
    assert_int_equal(evaluate(reg, 1, &a, &res, &d, &snap), ATT_OK);
    assert_int_equal(res.decision, ATT_POLICY_PERMIT);
    att__arena_free(&a);
    att__snapshot_release(snap);

    att__registry_close(reg);
    att__store_close(store);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upload_use_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
