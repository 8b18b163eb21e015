/* MAA's SGX TCB baselines (reference/maa.md §1.11, §3.6) and the acceptance rule attestd
 * applies with them; the rule and its reasons are in docs/internals/attest-sgx.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timeutil.h"
#include "server/attest_sgx.h"
#include "server/server.h"

/* As MAA publishes them (GET /tcbbaselines/SgxEnclave, 2025-06-01). */
static const att__tcb_baseline baselines[] = {
    {"10", 10, 1604966400, "2020-11-10T00:00:00Z", "2.9", "2.7.101.2"},
    {"11", 11, 1623110400, "2021-06-08T00:00:00Z", "2.13.3", "2.13.100.2"},
    {"12", 12, 1636502400, "2021-11-10T00:00:00Z", "2.13.3", "2.13.100.2"},
    {"13", 13, 1660003200, "2022-08-09T00:00:00Z", "2.17", "2.16"},
    {"14", 14, 1667865600, "2022-11-08T00:00:00Z", "2.17", "2.16"},
    {"15", 15, 1676332800, "2023-02-14T00:00:00Z", "2.17", "2.16"},
};
#define NBASELINES (sizeof(baselines) / sizeof(baselines[0]))

const att__tcb_baseline *att__tcb_baselines(size_t *n)
{
    *n = NBASELINES;
    return baselines;
}

const att__tcb_baseline *att__tcb_baseline_find(const char *identifier)
{
    if (!identifier || strcasecmp(identifier, "azuredefault") == 0)
        return &baselines[0];
    for (size_t i = 0; i < NBASELINES; i++)
        if (strcmp(identifier, baselines[i].id) == 0)
            return &baselines[i];
    return NULL;
}

/* Statuses that mean "current under the collateral used" (warnings only). */
static int current(att__tcb_status s)
{
    return s == ATT_TCB_UP_TO_DATE || s == ATT_TCB_SW_HARDENING_NEEDED ||
           s == ATT_TCB_CONFIGURATION_NEEDED || s == ATT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED;
}

/* Statuses that may still be accepted when the matched level is recent enough. */
static int out_of_date(att__tcb_status s)
{
    return s == ATT_TCB_OUT_OF_DATE || s == ATT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
}

/* The tcbDate of the QE identity level the QE's ISVSVN matches (levels highest first), or
 * 0 when none matches. */
static int64_t qe_level_date(const att__dcap_collateral *col, uint16_t isvsvn)
{
    const att__qe_identity *qe = att__dcap_qe_identity(col);
    for (size_t i = 0; qe && i < qe->n_levels; i++)
        if (isvsvn >= qe->levels[i].isvsvn)
            return qe->levels[i].tcb_date;
    return 0;
}

int att__tcb_baseline_accept(const att__tcb_baseline *b, const att__quote_result *r,
                             const att__dcap_collateral *col, uint16_t qe_isvsvn, att_diag *d)
{
    const att__tcb_info *ti = att__dcap_tcb_info(col);
    const att__qe_identity *qe = att__dcap_qe_identity(col);
    unsigned eval = ti ? ti->tcb_eval_number : 0;
    if (qe && qe->tcb_eval_number < eval)
        eval = qe->tcb_eval_number;
    if (eval < b->eval_number) {
        att_diag_fail(d, ATT_EPOLICY, "sgx.tcb.baseline.collateral", "tcbEvaluationDataNumber",
                      "the collateral's TCB evaluation data number %u is below TCB baseline %s "
                      "(needs %u or later): configure newer collateral",
                      eval, b->id, b->eval_number);
        char want[16], got[16];
        snprintf(want, sizeof(want), ">= %u", b->eval_number);
        snprintf(got, sizeof(got), "%u", eval);
        att_diag_expect(d, want, got);
        return ATT_EPOLICY;
    }
    if (current(r->status))
        return ATT_OK;
    if (!out_of_date(r->status)) {
        att_diag_fail(d, ATT_EPOLICY, "sgx.tcb.baseline.status", "tcbStatus",
                      "TCB status %s not accepted by TCB baseline %s",
                      att__tcb_status_name(r->status), b->id);
        return ATT_EPOLICY;
    }
    /* OutOfDate: the platform level and, when the QE is out of date, the QE level must date
     * from the baseline's release or later (they were current when the baseline was set). */
    int64_t date = r->tcb_date;
    const char *what = "platform";
    if (out_of_date(r->qe_status)) {
        int64_t qd = qe_level_date(col, qe_isvsvn);
        if (qd < date || date == 0) {
            date = qd;
            what = "quoting enclave";
        }
    }
    if (date >= b->release)
        return ATT_OK;
    char dbuf[32];
    if (date > 0)
        att__time_format(date, dbuf, sizeof(dbuf));
    else
        snprintf(dbuf, sizeof(dbuf), "unknown");
    att_diag_fail(d, ATT_EPOLICY, "sgx.tcb.baseline.status", "tcbStatus",
                  "TCB status %s not accepted by TCB baseline %s: the %s TCB level dates from "
                  "%s, the baseline requires the TCB released on %s or later",
                  att__tcb_status_name(r->status), b->id, what, dbuf, b->release_str);
    att_diag_expect(d, b->release_str, dbuf);
    return ATT_EPOLICY;
}

void att__tcbbaselines_handle(att__req *r, att__att_type t)
{
    if (t != ATT_TYPE_SGX_ENCLAVE && t != ATT_TYPE_OPEN_ENCLAVE) {
        att__respond_error(r, 400, "InvalidParameter",
                           "TCB baselines apply to SgxEnclave and OpenEnclave, not %s",
                           att__att_type_name(t));
        return;
    }
    /* The baseline the provider's current policy for t selects (x-ms-sgx-tcbidentifier). */
    const att__policy *pol = att__provider_policy(att__req_provider(r), t);
    int cerr = ATT_OK;
    const att__policy_prog *prog = att__policy_compiled(pol, &cerr);
    const att__tcb_baseline *sel =
        att__tcb_baseline_find(prog ? att__policy_prog_config(prog)->sgx_tcbidentifier : NULL);
    json_t *list = json_array();
    for (size_t i = 0; list && i < NBASELINES; i++) {
        const att__tcb_baseline *b = &baselines[i];
        json_t *o = json_pack(
            "{s:s, s:I, s:s, s:s, s:s, s:b}", "tcbIdentifier", b->id, "tcbEvaluationDataNumber",
            (json_int_t)b->eval_number, "tcbReleaseDate", b->release_str, "minimumPswLinuxVersion",
            b->psw_linux, "minimumPswWindowsVersion", b->psw_windows, "isSelectedTcb", b == sel);
        if (!o || json_array_append_new(list, o) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    json_t *body = list ? json_pack("{s:o}", "tcbBaselines", list) : NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text)
        att__respond_json(r, 200, text);
    else
        att__respond_error(r, 500, "InternalError", "out of memory");
    free(text);
    json_decref(body);
}
