/* Event-log replay per PCR bank and comparison with quoted PCR values
 * (reference/tpm.md §2.3): initial values (StartupLocality, H-CRTM, PCR17-22), EV_NO_ACTION
 * skipped, per-PCR diagnostics with suspect events, and the one firmware quirk that changes
 * the replay itself (missing ExitBootServices actions in PCR5). */
#include <stdio.h>
#include <string.h>

#include "evidence/tpm/evlog_int.h"

static const char ebs_invocation[] = "Exit Boot Services Invocation";
static const char ebs_success[] = "Exit Boot Services Returned with Success";

static void initial_values(const att__evlog *log, att__pcr_bank *b)
{
    memset(b->pcr, 0, sizeof(b->pcr));
    for (uint32_t i = 17; i <= 22; i++)
        memset(b->pcr[i], 0xFF, b->size);
    if (log->has_locality)
        b->pcr[0][b->size - 1] = log->startup_locality;
    else if (log->hcrtm_event)
        b->pcr[0][b->size - 1] = 4; /* H-CRTM: TPM2_HashStart at locality 4 */
}

int att__evlog_replay(const att__evlog *log, uint16_t alg, att__pcr_bank *out, att_diag *d)
{
    memset(out, 0, sizeof(*out));
    size_t size = att__tpm_alg_size(alg);
    if (!size)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "eventlog.replay", "bank",
                             "PCR bank algorithm 0x%04x is not supported", alg);
    out->alg = alg;
    out->size = (uint16_t)size;
    initial_values(log, out);
    for (size_t i = 0; i < log->nevents; i++) {
        const att__evlog_event *ev = &log->events[i];
        if (ev->type == ATT_EV_NO_ACTION)
            continue;
        const att__evlog_digest *dg = att__evlog_event_digest(ev, alg);
        if (!dg)
            return att_diag_fail(d, ATT_EUNSUPPORTED, "eventlog.replay", "bank",
                                 "event %u (%s, PCR %u) has no %s digest: the log cannot be "
                                 "replayed in that bank",
                                 ev->num, att__evlog_type_name(ev->type), ev->pcr,
                                 att__tpm_alg_name(alg));
        int rc = att__tpm_hash2(alg, out->pcr[ev->pcr], size, dg->digest, size, out->pcr[ev->pcr]);
        if (rc != ATT_OK)
            return att_diag_fail(d, rc, "eventlog.replay", "bank", "cannot compute %s",
                                 att__tpm_alg_name(alg));
        out->extended |= 1u << ev->pcr;
        out->nevents[ev->pcr]++;
    }
    return ATT_OK;
}

/* Is the EV_EFI_ACTION text present in PCR5 (verified)? */
static int has_action(const att__evlog *log, uint32_t pcr, const char *text)
{
    size_t n = strlen(text);
    for (size_t i = 0; i < log->nevents; i++) {
        const att__evlog_event *ev = &log->events[i];
        if (ev->pcr == pcr && ev->type == ATT_EV_EFI_ACTION && ev->data_len == n &&
            memcmp(ev->data, text, n) == 0)
            return 1;
    }
    return 0;
}

/* PCR5 with the two ExitBootServices actions the firmware forgot appended (go-attestation's
 * workaround for the ebs vector). */
static int pcr5_with_ebs(const att__evlog *log, const att__pcr_bank *b, uint8_t *out)
{
    memcpy(out, b->pcr[5], b->size);
    const char *acts[2] = {ebs_invocation, ebs_success};
    for (int k = 0; k < 2; k++) {
        if (has_action(log, 5, acts[k]))
            continue;
        uint8_t h[ATT_TPM_MAX_DIGEST];
        if (att__tpm_hash(b->alg, acts[k], strlen(acts[k]), h) != ATT_OK ||
            att__tpm_hash2(b->alg, out, b->size, h, b->size, out) != ATT_OK)
            return -1;
    }
    return 0;
}

static void find_suspects(const att__evlog *log, uint32_t pcr, att__pcr_check *pc)
{
    /* First choice: events whose digest is defined over their data and does not match. */
    for (size_t i = 0; i < log->nevents && pc->nsuspects < ATT_EVLOG_MAX_SUSPECTS; i++) {
        const att__evlog_event *ev = &log->events[i];
        if (ev->pcr == pcr && ev->type != ATT_EV_NO_ACTION && ev->data_check == ATT_EVDATA_MISMATCH)
            pc->suspects[pc->nsuspects++] = ev->num;
    }
    if (pc->nsuspects)
        return;
    /* Otherwise every event of the PCR whose digest the log cannot vouch for. */
    for (size_t i = 0; i < log->nevents && pc->nsuspects < ATT_EVLOG_MAX_SUSPECTS; i++) {
        const att__evlog_event *ev = &log->events[i];
        if (ev->pcr == pcr && ev->type != ATT_EV_NO_ACTION &&
            ev->data_check == ATT_EVDATA_NOT_COVERED)
            pc->suspects[pc->nsuspects++] = ev->num;
    }
}

int att__evlog_verify_pcrs(const att__evlog *log, uint16_t alg, uint32_t selected,
                           const uint8_t *values, size_t values_len, att__pcr_verify_result *res,
                           att_diag *d)
{
    memset(res, 0, sizeof(*res));
    size_t size = att__tpm_alg_size(alg);
    if (!size)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "eventlog.replay", "bank",
                             "PCR bank algorithm 0x%04x is not supported", alg);
    selected &= (1u << ATT_TPM_NUM_PCRS) - 1;
    size_t nsel = (size_t)__builtin_popcount(selected);
    if (!values || values_len != nsel * size)
        return att_diag_fail(d, ATT_EINVAL, "eventlog.replay", "pcrs",
                             "%zu bytes of %s PCR values given for %zu selected PCRs (need %zu)",
                             values_len, att__tpm_alg_name(alg), nsel, nsel * size);
    att__pcr_bank b;
    int rc = att__evlog_replay(log, alg, &b, d);
    if (rc != ATT_OK)
        return rc;
    res->alg = alg;
    res->size = (uint16_t)size;
    res->selected = selected;
    const uint8_t *v = values;
    int first_bad = -1;
    for (uint32_t pcr = 0; pcr < ATT_TPM_NUM_PCRS; pcr++) {
        if (!(selected & (1u << pcr)))
            continue;
        att__pcr_check *pc = &res->check[res->ncheck++];
        pc->pcr = pcr;
        memcpy(pc->quoted, v, size);
        memcpy(pc->replayed, b.pcr[pcr], size);
        pc->nevents = b.nevents[pcr];
        v += size;
        pc->match = memcmp(pc->quoted, pc->replayed, size) == 0;
        if (!pc->match && pcr == 5) {
            uint8_t alt[ATT_TPM_MAX_DIGEST];
            if (pcr5_with_ebs(log, &b, alt) == 0 && memcmp(alt, pc->quoted, size) == 0) {
                pc->match = 1;
                pc->workaround = 1;
            }
        }
        if (pc->match) {
            res->matched |= 1u << pcr;
            continue;
        }
        if (!(b.extended & (1u << pcr)))
            res->unexplained |= 1u << pcr;
        find_suspects(log, pcr, pc);
        if (first_bad < 0)
            first_bad = (int)(res->ncheck - 1);
    }
    if (first_bad < 0)
        return ATT_OK;

    const att__pcr_check *pc = &res->check[first_bad];
    char field[32], q[2 * ATT_TPM_MAX_DIGEST + 1], r[2 * ATT_TPM_MAX_DIGEST + 1];
    char sus[160] = "";
    size_t o = 0;
    for (uint32_t i = 0; i < pc->nsuspects && o + 16 < sizeof(sus); i++)
        o += (size_t)snprintf(sus + o, sizeof(sus) - o, "%s%u", i ? ", " : "", pc->suspects[i]);
    snprintf(field, sizeof(field), "PCR %u (%s)", pc->pcr, att__tpm_alg_name(alg));
    att__tpm_hex(pc->quoted, size, q, sizeof(q));
    att__tpm_hex(pc->replayed, size, r, sizeof(r));
    int nbad = (int)nsel - __builtin_popcount(res->matched);
    if (pc->nevents == 0)
        att_diag_fail(d, ATT_EMISMATCH, "eventlog.replay", field,
                      "PCR %u (%s): the quoted value %s is not explained by the event log, which "
                      "has no event for this PCR (%d PCR(s) differ)",
                      pc->pcr, att__tpm_alg_name(alg), q, nbad);
    else
        att_diag_fail(d, ATT_EMISMATCH, "eventlog.replay", field,
                      "PCR %u (%s): the event log replays to %s but the quote has %s (%u events; "
                      "suspect events: %s; %d PCR(s) differ)",
                      pc->pcr, att__tpm_alg_name(alg), r, q, pc->nevents, sus[0] ? sus : "none",
                      nbad);
    att_diag_expect(d, q, r);
    return ATT_EMISMATCH;
}
