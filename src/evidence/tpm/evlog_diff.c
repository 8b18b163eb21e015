/* Comparison of a new event log with a baseline log (the "boot measurements deviate from
 * the baseline" alert, reference/tpm.md §4.4): which PCRs differ in one bank and which
 * events were added or removed in each, matched by (type, digest) in log order. */
#include <string.h>

#include "evidence/tpm/evlog_int.h"

static int same(const att__evlog_event *a, const att__evlog_event *b, uint16_t alg, size_t size)
{
    const att__evlog_digest *x = att__evlog_event_digest(a, alg);
    const att__evlog_digest *y = att__evlog_event_digest(b, alg);
    return a->type == b->type && x && y && memcmp(x->digest, y->digest, size) == 0;
}

/* Events of PCR pcr in `a` that have no unused match in `b` (each event of b matches once). */
static uint32_t unmatched(const att__evlog *a, const att__evlog *b, uint32_t pcr, uint16_t alg,
                          size_t size, uint32_t *out)
{
    uint32_t n = 0;
    uint8_t used[ATT_MAX_EVENTLOG_EVENTS_BITMAP];
    memset(used, 0, sizeof(used));
    for (size_t i = 0; i < a->nevents; i++) {
        const att__evlog_event *ea = &a->events[i];
        if (ea->pcr != pcr || ea->type == ATT_EV_NO_ACTION)
            continue;
        int found = 0;
        for (size_t k = 0; k < b->nevents && !found; k++) {
            const att__evlog_event *eb = &b->events[k];
            if (eb->pcr != pcr || eb->type == ATT_EV_NO_ACTION || (used[k / 8] & (1u << (k % 8))))
                continue;
            if (same(ea, eb, alg, size)) {
                used[k / 8] |= (uint8_t)(1u << (k % 8));
                found = 1;
            }
        }
        if (!found && n < ATT_EVLOG_MAX_DIFF_EVENTS)
            out[n++] = ea->num;
    }
    return n;
}

int att__evlog_diff_logs(const att__evlog *base, const att__evlog *cur, uint16_t alg, uint32_t mask,
                         att__evlog_diff *out, att_diag *d)
{
    memset(out, 0, sizeof(*out));
    att__pcr_bank a, b;
    int rc = att__evlog_replay(base, alg, &a, d);
    if (rc == ATT_OK)
        rc = att__evlog_replay(cur, alg, &b, d);
    if (rc != ATT_OK)
        return rc;
    out->alg = alg;
    out->size = a.size;
    for (uint32_t pcr = 0; pcr < ATT_TPM_NUM_PCRS; pcr++) {
        if (!(mask & (1u << pcr)) || memcmp(a.pcr[pcr], b.pcr[pcr], a.size) == 0)
            continue;
        att__evlog_pcr_diff *p = &out->pcr[out->ndiff++];
        out->differ |= 1u << pcr;
        p->pcr = pcr;
        memcpy(p->base, a.pcr[pcr], a.size);
        memcpy(p->cur, b.pcr[pcr], a.size);
        p->nadded = unmatched(cur, base, pcr, alg, a.size, p->added);
        p->nremoved = unmatched(base, cur, pcr, alg, a.size, p->removed);
    }
    return ATT_OK;
}
