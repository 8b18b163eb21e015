/* Unit tests for the TCB evaluation of src/evidence/sgx/quote_tcb.c on hand-built TCB info:
 * level selection by PCK SVNs and TEE_TCB_SVN, QE and TDX module convergence, TD relaunch
 * and the failing statuses (paths the real vectors do not reach). */
#include "sgx_tu.h"

#include "evidence/sgx/quote_int.h"

static const char *const adv1[] = {"INTEL-SA-00001"};

/* Three SGX levels, highest first: svn 5/pcesvn 13, svn 3/pcesvn 11, svn 1/pcesvn 0. */
static att__tcb_level levels[3];
static att__tcb_info ti;

static void make_info(att__tcb_status s0, att__tcb_status s1, att__tcb_status s2, int tdx)
{
    memset(levels, 0, sizeof(levels));
    memset(&ti, 0, sizeof(ti));
    const uint8_t svn[3] = {5, 3, 1};
    const uint16_t pce[3] = {13, 11, 0};
    const att__tcb_status st[3] = {s0, s1, s2};
    for (int i = 0; i < 3; i++) {
        memset(levels[i].sgx_svn, svn[i], 16);
        levels[i].pcesvn = pce[i];
        levels[i].status = st[i];
        levels[i].tcb_date = 1000 - i;
        levels[i].tcb_date_str = "date";
        if (tdx)
            levels[i].tdx_svn[2] = (uint8_t)(3 - i); /* 3, 2, 1 */
    }
    levels[1].advisory_ids = adv1;
    levels[1].n_advisories = 1;
    ti.version = 3;
    ti.tee = tdx ? ATT_TEE_TDX : ATT_TEE_SGX;
    ti.levels = levels;
    ti.n_levels = 3;
}

/* Runs the evaluation for an SGX quote with PCK component SVNs `svn` and PCESVN `pce`. */
static int eval_sgx(uint8_t svn, uint16_t pce, att__tcb_status qe, att__quote_result *r)
{
    att__quote q;
    att_diag d;
    memset(&q, 0, sizeof(q));
    memset(r, 0, sizeof(*r));
    att_diag_clear(&d);
    q.version = 3;
    q.tee_type = ATT_TEE_SGX;
    q.body_type = ATT_QUOTE_BODY_SGX;
    memset(r->pck.comp_svn, svn, 16);
    r->pck.pcesvn = pce;
    r->qe_status = qe;
    return att__quote_tcb_status(&q, &ti, NULL, r, &d);
}

static void sgx_levels(void **state)
{
    att__quote_result r;
    make_info(ATT_TCB_UP_TO_DATE, ATT_TCB_SW_HARDENING_NEEDED, ATT_TCB_OUT_OF_DATE, 0);
    assert_int_equal(eval_sgx(5, 13, ATT_TCB_UP_TO_DATE, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_UP_TO_DATE);
    assert_int_equal(eval_sgx(4, 13, ATT_TCB_UP_TO_DATE, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_SW_HARDENING_NEEDED);
    assert_int_equal(r.n_advisories, 1);
    assert_string_equal(r.advisory_ids[0], "INTEL-SA-00001");
    assert_int_equal(r.tcb_date, 999);
    assert_int_equal(eval_sgx(5, 10, ATT_TCB_UP_TO_DATE, &r), ATT_OK); /* PCESVN too low */
    assert_int_equal(r.status, ATT_TCB_OUT_OF_DATE);
    assert_int_equal(eval_sgx(0, 13, ATT_TCB_UP_TO_DATE, &r), ATT_EUNSUPPORTED);
    assert_int_equal(r.status, ATT_TCB_NOT_SUPPORTED);
    /* one component below: the level is skipped */
    att__quote q;
    att_diag d;
    memset(&q, 0, sizeof(q));
    q.version = 3;
    q.body_type = ATT_QUOTE_BODY_SGX;
    memset(&r, 0, sizeof(r));
    memset(r.pck.comp_svn, 5, 16);
    r.pck.comp_svn[7] = 4;
    r.pck.pcesvn = 13;
    att_diag_clear(&d);
    assert_int_equal(att__quote_tcb_status(&q, &ti, NULL, &r, &d), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_SW_HARDENING_NEEDED);
}

static void qe_convergence(void **state)
{
    att__quote_result r;
    make_info(ATT_TCB_UP_TO_DATE, ATT_TCB_CONFIGURATION_NEEDED, ATT_TCB_OUT_OF_DATE, 0);
    assert_int_equal(eval_sgx(5, 13, ATT_TCB_OUT_OF_DATE, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_OUT_OF_DATE);
    assert_int_equal(eval_sgx(4, 13, ATT_TCB_OUT_OF_DATE, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
    assert_int_equal(eval_sgx(5, 13, ATT_TCB_REVOKED, &r), ATT_EREVOKED);
    assert_int_equal(r.status, ATT_TCB_REVOKED);
    assert_int_equal(eval_sgx(5, 13, ATT_TCB_NOT_SUPPORTED, &r), ATT_EUNSUPPORTED);
    make_info(ATT_TCB_REVOKED, ATT_TCB_UP_TO_DATE, ATT_TCB_UP_TO_DATE, 0);
    assert_int_equal(eval_sgx(5, 13, ATT_TCB_UP_TO_DATE, &r), ATT_EREVOKED);
}

/* TDX module TDX_01 with levels isvsvn 5 UpToDate, isvsvn 2 OutOfDate (or Revoked). */
static att__isv_level mod_levels[2];
static att__tdx_module_identity mods[1];

static void make_module(att__tcb_status low)
{
    memset(mod_levels, 0, sizeof(mod_levels));
    mod_levels[0].isvsvn = 5;
    mod_levels[0].status = ATT_TCB_UP_TO_DATE;
    mod_levels[1].isvsvn = 2;
    mod_levels[1].status = low;
    memset(mods, 0, sizeof(mods));
    mods[0].id = "TDX_01";
    mods[0].levels = mod_levels;
    mods[0].n_levels = 2;
    ti.tdx_modules = mods;
    ti.n_tdx_modules = 1;
}

/* A TDX quote with TEE_TCB_SVN {svn0, 1, svn_2} (and SVN2 for TD 1.5 when svn2 given). */
static int eval_tdx(uint8_t svn0, uint8_t svn_2, const uint8_t *svn2, att__quote_result *r)
{
    static uint8_t tcb[16], tcb2[16];
    att__quote q;
    att_diag d;
    memset(&q, 0, sizeof(q));
    memset(r, 0, sizeof(*r));
    memset(tcb, 0, 16);
    tcb[0] = svn0;
    tcb[1] = 1;
    tcb[2] = svn_2;
    q.version = svn2 ? 5 : 4;
    q.tee_type = ATT_TEE_TDX;
    q.body_type = svn2 ? ATT_QUOTE_BODY_TD15 : ATT_QUOTE_BODY_TD10;
    q.td.tee_tcb_svn = tcb;
    if (svn2) {
        memcpy(tcb2, svn2, 16);
        q.td.tee_tcb_svn2 = tcb2;
    }
    memset(r->pck.comp_svn, 5, 16);
    r->pck.pcesvn = 13;
    r->qe_status = ATT_TCB_UP_TO_DATE;
    att_diag_clear(&d);
    return att__quote_tcb_status(&q, &ti, &mods[0], r, &d);
}

static void tdx_levels_and_module(void **state)
{
    att__quote_result r;
    make_info(ATT_TCB_UP_TO_DATE, ATT_TCB_OUT_OF_DATE, ATT_TCB_OUT_OF_DATE, 1);
    make_module(ATT_TCB_OUT_OF_DATE);
    assert_int_equal(eval_tdx(6, 3, NULL, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_UP_TO_DATE);
    assert_int_equal(r.tdx_module_status, ATT_TCB_UP_TO_DATE);
    /* TEE_TCB_SVN[2] below level 0's: the TDX level is level 1, the SGX level stays 0 */
    assert_int_equal(eval_tdx(6, 2, NULL, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_OUT_OF_DATE);
    assert_int_equal(r.sgx_level_status, ATT_TCB_UP_TO_DATE);
    assert_int_equal(r.n_advisories, 1);
    /* module OutOfDate pulls an UpToDate level down */
    assert_int_equal(eval_tdx(3, 3, NULL, &r), ATT_OK);
    assert_int_equal(r.tdx_module_status, ATT_TCB_OUT_OF_DATE);
    assert_int_equal(r.status, ATT_TCB_OUT_OF_DATE);
    /* module SVN below every module level */
    assert_int_equal(eval_tdx(1, 3, NULL, &r), ATT_EUNSUPPORTED);
    assert_int_equal(r.status, ATT_TCB_NOT_SUPPORTED);
    /* no TDX level at all */
    assert_int_equal(eval_tdx(6, 0, NULL, &r), ATT_EUNSUPPORTED);
    make_module(ATT_TCB_REVOKED);
    assert_int_equal(eval_tdx(3, 3, NULL, &r), ATT_EREVOKED);
}

static void td_relaunch(void **state)
{
    att__quote_result r;
    uint8_t svn2[16] = {6, 1, 3};
    make_info(ATT_TCB_UP_TO_DATE, ATT_TCB_OUT_OF_DATE, ATT_TCB_OUT_OF_DATE, 1);
    make_module(ATT_TCB_OUT_OF_DATE);
    assert_int_equal(eval_tdx(3, 3, svn2, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_TD_RELAUNCH_ADVISED);
    svn2[0] = 4; /* launch-time module below TDX_01's latest level */
    assert_int_equal(eval_tdx(3, 3, svn2, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_OUT_OF_DATE);
    svn2[0] = 6;
    svn2[2] = 2; /* late microcode SVN below the latest level */
    assert_int_equal(eval_tdx(3, 3, svn2, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_OUT_OF_DATE);
    /* launched on a legacy module: SVN2[0] and SVN2[2] against the latest level */
    const uint8_t legacy[16] = {3, 0, 3};
    assert_int_equal(eval_tdx(3, 3, legacy, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_TD_RELAUNCH_ADVISED);
    const uint8_t legacy_old[16] = {3, 0, 2};
    assert_int_equal(eval_tdx(3, 3, legacy_old, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_OUT_OF_DATE);
    const uint8_t unknown[16] = {6, 3, 3}; /* TDX_03 is not in the TCB info */
    assert_int_equal(eval_tdx(3, 3, unknown, &r), ATT_EMISMATCH);
    make_info(ATT_TCB_CONFIGURATION_NEEDED, ATT_TCB_OUT_OF_DATE, ATT_TCB_OUT_OF_DATE, 1);
    make_module(ATT_TCB_OUT_OF_DATE);
    const uint8_t good[16] = {6, 1, 3};
    assert_int_equal(eval_tdx(3, 3, good, &r), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sgx_levels),
        cmocka_unit_test(qe_convergence),
        cmocka_unit_test(tdx_levels_and_module),
        cmocka_unit_test(td_relaunch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
