/* TPM attestation: the TCG event log and the IMA list, verified against the quoted PCRs,
 * turned into the incoming claims of maa.md §3.7 (attest_tpm.h). */
#include "server/attest_tpm.h"

#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "evidence/tpm/eventlog.h"
#include "evidence/tpm/ima.h"

/* The quoted bank to verify the log in: SHA-256 when quoted and logged, else SHA-1,
 * else any quoted bank the log carries; -1 when none. */
static int pick_bank(const att__evlog *log, const att__tpm_quoted *q)
{
    static const uint16_t pref[] = {ATT_TPM_ALG_SHA256, ATT_TPM_ALG_SHA384, ATT_TPM_ALG_SHA1};
    for (size_t k = 0; k < sizeof(pref) / sizeof(pref[0]); k++)
        for (size_t i = 0; i < q->n_banks; i++)
            if (q->bank_alg[i] == pref[k] && att__evlog_has_bank(log, pref[k]))
                return (int)i;
    return -1;
}

/* {"PCRs":[{"Index":i,"Digests":{"SHA256":hex,...}}]} of the quoted values. */
static json_t *quoted_pcrs_json(const att__tpm_quoted *q)
{
    json_t *arr = json_array();
    for (unsigned p = 0; arr && p < 24; p++) {
        json_t *dg = NULL;
        for (size_t b = 0; b < q->n_banks; b++) {
            if (!(q->bank_mask[b] & (1u << p)))
                continue;
            size_t len = att__tpm_alg_size(q->bank_alg[b]);
            const char *name = att__tpm_alg_name(q->bank_alg[b]);
            char hex[2 * ATT_TPM_MAX_DIGEST + 1], up[16];
            if (!len || !name)
                continue;
            size_t k = 0;
            for (; name[k] && k < sizeof(up) - 1; k++)
                up[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
            up[k] = 0;
            att__hex_encode(q->values[b][p], len, 0, hex);
            if (!dg)
                dg = json_object();
            json_object_set_new(dg, up, json_string(hex));
        }
        if (dg)
            json_array_append_new(arr, json_pack("{s:i,s:o}", "Index", (int)p, "Digests", dg));
    }
    return arr ? json_pack("{s:o}", "PCRs", arr) : NULL;
}

static int set(json_t *o, const char *k, json_t *v)
{
    return v && json_object_set_new(o, k, v) == 0 ? ATT_OK : ATT_ENOMEM;
}

int att__tpm_log_claims(const att__tpm_request *r, const att__tpm_quoted *q, json_t *claims,
                        att_diag *d)
{
    att__evlog *log = NULL;
    att__evlog_facts *facts = NULL;
    att__ima_log *ima = NULL;
    int rc = set(claims, "pcrs", quoted_pcrs_json(q));
    if (rc == ATT_OK)
        rc = set(claims, "tpmVersion", json_string("2.0"));
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "request.memory", "claims", "out of memory");
    if (r->ima_log) {
        if ((rc = att__ima_parse(r->ima_log, r->ima_log_len, &ima, d)) != ATT_OK)
            goto out;
        /* PCR 10 in the quote: SHA-256 bank first. */
        int b = -1;
        for (size_t i = 0; i < q->n_banks; i++)
            if ((q->bank_mask[i] & (1u << ATT_IMA_PCR)) &&
                (b < 0 || q->bank_alg[i] == ATT_TPM_ALG_SHA256))
                b = (int)i;
        if (b < 0) {
            rc = att_diag_fail(d, ATT_EINVAL, "tpm.ima.pcr", "current_attestation.logs[IMA]",
                               "an IMA log was sent but the quote does not cover PCR 10");
            goto out;
        }
        size_t matched = 0;
        if ((rc = att__ima_verify_pcr(ima, q->bank_alg[b], q->values[b][ATT_IMA_PCR],
                                      att__tpm_alg_size(q->bank_alg[b]), 1, &matched, d)) != ATT_OK)
            goto out;
        json_t *j = att__ima_json(ima, 0);
        if (j)
            json_object_set_new(j, "matched_entries", json_integer((json_int_t)matched));
        if ((rc = set(claims, "x-ms-tpm-ima", j)) != ATT_OK)
            goto mem;
    }
    if (!r->tcg_log)
        goto out;
    if ((rc = att__evlog_parse(r->tcg_log, r->tcg_log_len, &log, d)) != ATT_OK)
        goto out;
    int b = pick_bank(log, q);
    if (b < 0) {
        rc = att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.eventlog.bank", "current_attestation.logs",
                           "the TCG log carries none of the quoted PCR banks");
        goto out;
    }
    /* The log must explain every quoted PCR it extends and the firmware PCRs 0-7; PCRs it
     * never touches (IMA's 10, systemd's 11-15, ...) are reported in `pcrs` but are not
     * the boot log's to explain. */
    size_t dlen = att__tpm_alg_size(q->bank_alg[b]);
    uint8_t *vals = malloc(24 * ATT_TPM_MAX_DIGEST);
    att__pcr_verify_result *vr = calloc(1, sizeof(*vr));
    att__pcr_bank *replayed = calloc(1, sizeof(*replayed));
    size_t nv = 0;
    if (!vals || !vr || !replayed) {
        free(vals);
        free(vr);
        free(replayed);
        goto mem;
    }
    rc = att__evlog_replay(log, q->bank_alg[b], replayed, d);
    uint32_t sel =
        q->bank_mask[b] & (replayed->extended | 0xffu) & ~(r->ima_log ? (1u << ATT_IMA_PCR) : 0u);
    free(replayed);
    if (rc != ATT_OK) {
        free(vals);
        free(vr);
        goto out;
    }
    for (unsigned p = 0; p < 24; p++)
        if (sel & (1u << p))
            memcpy(vals + dlen * nv++, q->values[b][p], dlen);
    rc = att__evlog_verify_pcrs(log, q->bank_alg[b], sel, vals, nv * dlen, vr, d);
    free(vals);
    free(vr);
    if (rc != ATT_OK)
        goto out;
    if ((rc = att__evlog_facts_get(log, &facts)) != ATT_OK)
        goto mem;
    const att__sipa_flags *s = &facts->sipa;
    int sb = facts->secure_boot == 1;
    rc = set(claims, "secureBootEnabled", json_boolean(sb));
    if (rc == ATT_OK)
        rc = set(claims, "bootDebuggingDisabled",
                 json_boolean(!facts->uefi_debug_mode && s->boot_debugging != 1 &&
                              s->os_kernel_debug != 1 && s->hypervisor_debug != 1));
    if (rc == ATT_OK)
        rc = set(claims, "notSafeMode", json_boolean(s->safe_mode != 1));
    if (rc == ATT_OK)
        rc = set(claims, "notWinPE", json_boolean(s->winpe != 1));
    if (rc == ATT_OK)
        rc = set(claims, "iommuEnabled", json_boolean(!facts->dma_protection_disabled));
    if (rc == ATT_OK)
        rc = set(claims, "vbsEnabled", json_boolean(s->vsm_launch_type > 0));
    if (rc == ATT_OK)
        rc = set(claims, "testSigningDisabled", json_boolean(s->test_signing != 1));
    json_t *ev = rc == ATT_OK ? att__evlog_events_json(log) : NULL;
    if (rc == ATT_OK && ev) {
        rc = set(claims, "bootEvents", json_incref(ev));
        if (rc == ATT_OK)
            rc = set(claims, "events", ev);
        else
            json_decref(ev);
    } else if (rc == ATT_OK) {
        rc = ATT_ENOMEM;
    }
    if (rc == ATT_OK) {
        char alg[16];
        snprintf(alg, sizeof(alg), "%s", att__tpm_alg_name(q->bank_alg[b]));
        rc = set(claims, "x-ms-tpm-eventlog-bank", json_string(alg));
    }
    if (rc != ATT_OK)
        goto mem;
    goto out;
mem:
    rc = att_diag_fail(d, ATT_ENOMEM, "request.memory", "claims", "out of memory");
out:
    att__evlog_facts_free(facts);
    att__evlog_free(log);
    att__ima_free(ima);
    return rc;
}
