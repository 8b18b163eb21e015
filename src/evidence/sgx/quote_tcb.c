/* TCB evaluation of a DCAP quote (reference/hw-evidence.md §2.6.3, §2.7): TDX module
 * identity, TCB level selection with the PCK certificate's SVNs, TDX module status, TD
 * relaunch and the final convergence with the QE identity status. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "evidence/sgx/quote_int.h"

/* The TDX module identity "TDX_<major>" of ti (case-insensitive id), or NULL. */
static const att__tdx_module_identity *find_module(const att__tcb_info *ti, uint8_t major,
                                                   char id[8])
{
    snprintf(id, 8, "TDX_%02X", major);
    for (size_t i = 0; i < ti->n_tdx_modules; i++)
        if (ti->tdx_modules[i].id && strcasecmp(ti->tdx_modules[i].id, id) == 0)
            return &ti->tdx_modules[i];
    return NULL;
}

int att__quote_tdx_module(const att__quote *q, const att__tcb_info *ti,
                          const att__tdx_module_identity **mod, att__quote_result *r, att_diag *d)
{
    const uint8_t *svn = q->td.tee_tcb_svn;
    const uint8_t *mrsigner, *attrs, *mask;
    *mod = NULL;
    if (q->version > 3 && svn[1] > 0) {
        *mod = find_module(ti, svn[1], r->tdx_module_id);
        if (!*mod)
            return att_diag_fail(d, ATT_EMISMATCH, "quote.tdx_module.mismatch", "tee_tcb_svn",
                                 "TDX module identity %s (TEE_TCB_SVN[1] = %u) is not in the "
                                 "TCB info",
                                 r->tdx_module_id, svn[1]);
        r->tdx_module_checked = 1;
        mrsigner = (*mod)->mrsigner;
        attrs = (*mod)->attributes;
        mask = (*mod)->attributes_mask;
    } else {
        if (!ti->has_tdx_module)
            return att_diag_fail(d, ATT_EMISMATCH, "quote.tdx_module.mismatch", "tdxModule",
                                 "TCB info has no tdxModule for a TDX quote");
        mrsigner = ti->tdx_module_mrsigner;
        attrs = ti->tdx_module_attributes;
        mask = ti->tdx_module_attributes_mask;
    }
    if (memcmp(q->td.mrsignerseam, mrsigner, 48) != 0) {
        char e[97], f[97];
        att__hex_encode(mrsigner, 48, 0, e);
        att__hex_encode(q->td.mrsignerseam, 48, 0, f);
        att_diag_fail(d, ATT_EMISMATCH, "quote.tdx_module.mismatch", "td.mrsignerseam",
                      "TDX module mismatch: MRSIGNERSEAM differs from the module identity");
        att_diag_expect(d, e, f);
        return ATT_EMISMATCH;
    }
    for (int i = 0; i < 8; i++)
        if (q->td.seam_attributes[i] != 0 || (q->td.seam_attributes[i] & mask[i]) != attrs[i])
            return att_diag_fail(d, ATT_EMISMATCH, "quote.tdx_module.mismatch",
                                 "td.seam_attributes",
                                 "TDX module mismatch: SEAM_ATTRIBUTES must be zero and match "
                                 "the module attributes");
    return ATT_OK;
}

/* PCK SVNs at or above the level's SGX components and PCESVN. */
static int sgx_meets(const att__pck_ext *p, const att__tcb_level *l)
{
    for (int i = 0; i < 16; i++)
        if (p->comp_svn[i] < l->sgx_svn[i])
            return 0;
    return p->pcesvn >= l->pcesvn;
}

/* TEE_TCB_SVN at or above the level's TDX components (from index 2 when a module major
 * version is present, §2.7). */
static int tdx_meets(const uint8_t *svn, const att__tcb_level *l)
{
    for (int i = svn[1] > 0 ? 2 : 0; i < 16; i++)
        if (svn[i] < l->tdx_svn[i])
            return 0;
    return 1;
}

/* Status after an OutOfDate component: UpToDate/SWHardeningNeeded -> OutOfDate,
 * Configuration(AndSWHardening)Needed -> OutOfDateConfigurationNeeded. */
static att__tcb_status outdated(att__tcb_status s)
{
    switch (s) {
    case ATT_TCB_UP_TO_DATE:
    case ATT_TCB_SW_HARDENING_NEEDED:
        return ATT_TCB_OUT_OF_DATE;
    case ATT_TCB_CONFIGURATION_NEEDED:
    case ATT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
        return ATT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
    default:
        return s;
    }
}

static int is_config(att__tcb_status s)
{
    return s == ATT_TCB_CONFIGURATION_NEEDED ||
           s == ATT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
           s == ATT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
}

/* TDX module TCB status from its identity's levels (UpToDate for legacy modules). */
static att__tcb_status module_status(const att__quote *q, const att__tdx_module_identity *mod)
{
    if (!mod)
        return ATT_TCB_UP_TO_DATE;
    for (size_t i = 0; i < mod->n_levels; i++)
        if (q->td.tee_tcb_svn[0] >= mod->levels[i].isvsvn)
            return mod->levels[i].status;
    return ATT_TCB_NOT_SUPPORTED;
}

/* TD relaunch rule (body type 3 only). Returns 1 when relaunching the TD would bring it up
 * to date; ATT_EMISMATCH (negative) when the launch-time module identity is unknown. */
static int relaunch_advised(const att__quote *q, const att__tcb_info *ti, att_diag *d)
{
    const uint8_t *svn2 = q->td.tee_tcb_svn2;
    const att__tcb_level *latest = &ti->levels[0];
    if (svn2[1] == 0)
        return svn2[0] >= latest->tdx_svn[0] && svn2[2] >= latest->tdx_svn[2];
    char id[8];
    const att__tdx_module_identity *m = find_module(ti, svn2[1], id);
    if (!m)
        return att_diag_fail(d, ATT_EMISMATCH, "quote.tdx_module.mismatch", "tee_tcb_svn2",
                             "TDX module identity %s (TEE_TCB_SVN2[1]) is not in the TCB info", id);
    return m->n_levels > 0 && svn2[0] >= m->levels[0].isvsvn && svn2[2] >= latest->tdx_svn[2];
}

int att__quote_tcb_status(const att__quote *q, const att__tcb_info *ti,
                          const att__tdx_module_identity *mod, att__quote_result *r, att_diag *d)
{
    int tdx = q->tee_type == ATT_TEE_TDX;
    const att__tcb_level *sgx_lvl = NULL, *lvl = NULL;
    char fmspc[13];
    att__hex_encode(ti->fmspc, 6, 0, fmspc);
    for (size_t i = 0; i < ti->n_levels && !lvl; i++) {
        const att__tcb_level *l = &ti->levels[i];
        if (!sgx_meets(&r->pck, l))
            continue;
        if (!sgx_lvl)
            sgx_lvl = l;
        if (!tdx || tdx_meets(q->td.tee_tcb_svn, l))
            lvl = l;
    }
    if (tdx) {
        r->tdx_module_status = module_status(q, mod);
        if (r->tdx_module_status == ATT_TCB_NOT_SUPPORTED) {
            r->status = ATT_TCB_NOT_SUPPORTED;
            return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.tcb.not_supported", "tee_tcb_svn",
                                 "TCB status TCBNotSupported: no level of TDX module identity "
                                 "%s matches TEE_TCB_SVN[0] = %u",
                                 r->tdx_module_id, q->td.tee_tcb_svn[0]);
        }
    }
    if (!lvl) {
        r->status = ATT_TCB_NOT_SUPPORTED;
        return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.tcb.not_supported", "tcb_levels",
                             "TCB status TCBNotSupported: no TCB level of FMSPC %s matches the "
                             "PCK certificate's SVNs%s",
                             fmspc, tdx ? " and the TD's TEE_TCB_SVN" : "");
    }
    r->sgx_level_status = sgx_lvl->status;
    att__tcb_status s = lvl->status;
    r->tcb_date = lvl->tcb_date;
    r->tcb_date_str = lvl->tcb_date_str;
    r->advisory_ids = lvl->advisory_ids;
    r->n_advisories = lvl->n_advisories;

    if (tdx) {
        if (r->tdx_module_status == ATT_TCB_OUT_OF_DATE)
            s = outdated(s);
        else if (r->tdx_module_status == ATT_TCB_REVOKED)
            s = ATT_TCB_REVOKED;
        att__tcb_status qs = r->qe_status;
        att__tcb_status ss = sgx_lvl->status;
        if (q->body_type == ATT_QUOTE_BODY_TD15 && qs != ATT_TCB_OUT_OF_DATE &&
            qs != ATT_TCB_REVOKED && qs != ATT_TCB_NOT_SUPPORTED &&
            (ss == ATT_TCB_UP_TO_DATE || ss == ATT_TCB_SW_HARDENING_NEEDED ||
             ss == ATT_TCB_CONFIGURATION_NEEDED ||
             ss == ATT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED) &&
            (s == ATT_TCB_OUT_OF_DATE || s == ATT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED) &&
            r->tdx_module_status == ATT_TCB_OUT_OF_DATE) {
            int adv = relaunch_advised(q, ti, d);
            if (adv < 0)
                return adv;
            if (adv)
                s = is_config(ss) || is_config(lvl->status)
                        ? ATT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
                        : ATT_TCB_TD_RELAUNCH_ADVISED;
        }
    }

    /* Final convergence with the QE identity status. */
    if (r->qe_status == ATT_TCB_OUT_OF_DATE)
        s = outdated(s);
    else if (r->qe_status == ATT_TCB_REVOKED)
        s = ATT_TCB_REVOKED;
    else if (r->qe_status == ATT_TCB_NOT_SUPPORTED)
        s = ATT_TCB_NOT_SUPPORTED;
    r->status = s;

    if (s == ATT_TCB_NOT_SUPPORTED)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.tcb.not_supported", "qe_report.isvsvn",
                             "TCB status TCBNotSupported: no QE identity TCB level matches the "
                             "QE ISVSVN %u",
                             q->qe_report.isvsvn);
    if (s == ATT_TCB_REVOKED)
        return att_diag_fail(d, ATT_EREVOKED, "quote.tcb.revoked", "tcb_status",
                             "TCB status Revoked (%s)",
                             r->qe_status == ATT_TCB_REVOKED  ? "QE identity level"
                             : lvl->status == ATT_TCB_REVOKED ? "platform TCB level"
                                                              : "TDX module level");
    return ATT_OK;
}
