/* TDX evidence claims (td_claims.h). */
#include "evidence/sgx/td_claims.h"

#include "core/codec.h"

static int set_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
    char buf[129];
    if (n * 2 >= sizeof(buf))
        return -1;
    att__hex_encode(p, n, 0, buf);
    return json_object_set_new(o, key, json_string(buf));
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

json_t *att__td_claims(const att__quote *q, const att__quote_result *r)
{
    if (q->body_type != ATT_QUOTE_BODY_TD10 && q->body_type != ATT_QUOTE_BODY_TD15)
        return NULL;
    const att__td_report *t = &q->td;
    uint64_t attr = le64(t->td_attributes);
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(o, "eat_profile", json_string(ATT_TDX_EAT_PROFILE));
    bad |= json_object_set_new(o, "dbgstat",
                               json_string((attr & ATT_TD_ATTR_DEBUG) ? "enabled" : "disabled"));
    bad |= json_object_set_new(o, "intuse", json_string("generic"));
    if (r)
        bad |= json_object_set_new(o, "attester_tcb_status",
                                   json_string(att__tcb_status_name(r->status)));
    bad |= set_hex(o, "tdx_mrseam", t->mrseam, 48);
    bad |= set_hex(o, "tdx_mrsignerseam", t->mrsignerseam, 48);
    bad |= set_hex(o, "tdx_mrtd", t->mrtd, 48);
    static const char *const rtmr[4] = {"tdx_rtmr0", "tdx_rtmr1", "tdx_rtmr2", "tdx_rtmr3"};
    for (int i = 0; i < 4; i++)
        bad |= set_hex(o, rtmr[i], t->rtmr[i], 48);
    bad |= set_hex(o, "tdx_mrconfigid", t->mrconfigid, 48);
    bad |= set_hex(o, "tdx_mrowner", t->mrowner, 48);
    bad |= set_hex(o, "tdx_mrownerconfig", t->mrownerconfig, 48);
    bad |= set_hex(o, "tdx_report_data", t->report_data, 64);
    bad |= set_hex(o, "tdx_seam_attributes", t->seam_attributes, 8);
    bad |= set_hex(o, "tdx_td_attributes", t->td_attributes, 8);
    bad |= set_hex(o, "tdx_tee_tcb_svn", t->tee_tcb_svn, 16);
    bad |= set_hex(o, "tdx_xfam", t->xfam, 8);
    bad |= json_object_set_new(
        o, "tdx_seamsvn",
        json_integer((json_int_t)(t->tee_tcb_svn[0] | ((unsigned)t->tee_tcb_svn[1] << 8))));
    bad |=
        json_object_set_new(o, "tdx_td_attributes_debug", json_boolean(attr & ATT_TD_ATTR_DEBUG));
    bad |=
        json_object_set_new(o, "tdx_td_attributes_key_locker", json_boolean(attr & ATT_TD_ATTR_KL));
    bad |= json_object_set_new(o, "tdx_td_attributes_perfmon",
                               json_boolean(attr & ATT_TD_ATTR_PERFMON));
    bad |= json_object_set_new(o, "tdx_td_attributes_protection_keys",
                               json_boolean(attr & ATT_TD_ATTR_PKS));
    bad |= json_object_set_new(o, "tdx_td_attributes_septve_disable",
                               json_boolean(attr & ATT_TD_ATTR_SEPT_VE_DISABLE));
    bad |= json_object_set_new(o, "x-ms-attestation-type", json_string("tdxvm"));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}
