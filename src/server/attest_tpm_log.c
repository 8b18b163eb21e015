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
            const char *name = att__tpm_hash_name(q->bank_alg[b]);
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

/* A parsed log and the claims drawn from it (cached per distinct log). */
struct log_entry {
    att__evlog *log;
    json_t *claims;    /* secureBootEnabled ...: never modified once built */
    char *events_text; /* the `events` view as compact JSON text (what a JSON claim is) */
    size_t events_len;
};

static void log_entry_free(void *p)
{
    struct log_entry *e = p;
    if (!e)
        return;
    att__evlog_free(e->log);
    json_decref(e->claims);
    free(e->events_text);
    free(e);
}

static int log_entry_new(const uint8_t *raw, size_t n, struct log_entry **out, att_diag *d)
{
    *out = NULL;
    struct log_entry *e = calloc(1, sizeof(*e));
    att__evlog_facts *facts = NULL;
    if (!e)
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", "logs", "out of memory");
    int rc = att__evlog_parse(raw, n, &e->log, d);
    if (rc != ATT_OK) {
        log_entry_free(e);
        return rc;
    }
    if ((rc = att__evlog_facts_get(e->log, &facts)) != ATT_OK || !(e->claims = json_object())) {
        att__evlog_facts_free(facts);
        log_entry_free(e);
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", "logs", "out of memory");
    }
    const att__sipa_flags *sf = &facts->sipa;
    json_t *c = e->claims;
    rc = set(c, "secureBootEnabled", json_boolean(facts->secure_boot == 1));
    if (rc == ATT_OK)
        rc = set(c, "bootDebuggingDisabled",
                 json_boolean(!facts->uefi_debug_mode && sf->boot_debugging != 1 &&
                              sf->os_kernel_debug != 1 && sf->hypervisor_debug != 1));
    if (rc == ATT_OK)
        rc = set(c, "notSafeMode", json_boolean(sf->safe_mode != 1));
    if (rc == ATT_OK)
        rc = set(c, "notWinPE", json_boolean(sf->winpe != 1));
    if (rc == ATT_OK)
        rc = set(c, "iommuEnabled", json_boolean(!facts->dma_protection_disabled));
    if (rc == ATT_OK)
        rc = set(c, "vbsEnabled", json_boolean(sf->vsm_launch_type > 0));
    if (rc == ATT_OK)
        rc = set(c, "testSigningDisabled", json_boolean(sf->test_signing != 1));
    json_t *ev = rc == ATT_OK ? att__evlog_events_json(e->log) : NULL;
    if (rc == ATT_OK && ev &&
        (e->events_text = json_dumps(ev, JSON_COMPACT | JSON_ENCODE_ANY)) != NULL)
        e->events_len = strlen(e->events_text);
    else if (rc == ATT_OK)
        rc = ATT_ENOMEM;
    json_decref(ev);
    att__evlog_facts_free(facts);
    if (rc != ATT_OK) {
        log_entry_free(e);
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", "logs", "out of memory");
    }
    *out = e;
    return ATT_OK;
}

/* Replays the log in the best quoted bank and compares it with the quoted values. */
static int verify_log(const att__evlog *log, const att__tpm_request *r, const att__tpm_quoted *q,
                      att_diag *d)
{
    int b = pick_bank(log, q);
    if (b < 0)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.eventlog.bank", "current_attestation.logs",
                             "the TCG log carries none of the quoted PCR banks");
    /* The log must explain every quoted PCR it extends and the firmware PCRs 0-7; PCRs it
     * never touches (IMA's 10, systemd's 11-15, ...) are reported in `pcrs` but are not
     * the boot log's to explain. */
    size_t dlen = att__tpm_alg_size(q->bank_alg[b]);
    uint8_t *vals = malloc(24 * ATT_TPM_MAX_DIGEST);
    att__pcr_verify_result *vr = calloc(1, sizeof(*vr));
    att__pcr_bank *replayed = calloc(1, sizeof(*replayed));
    int rc = ATT_OK;
    if (!vals || !vr || !replayed)
        rc = att_diag_fail(d, ATT_ENOMEM, "request.memory", "logs", "out of memory");
    if (rc == ATT_OK)
        rc = att__evlog_replay(log, q->bank_alg[b], replayed, d);
    if (rc == ATT_OK) {
        uint32_t sel = q->bank_mask[b] & (replayed->extended | 0xffu) &
                       ~(r->ima_log ? (1u << ATT_IMA_PCR) : 0u);
        size_t nv = 0;
        for (unsigned p = 0; p < 24; p++)
            if (sel & (1u << p))
                memcpy(vals + dlen * nv++, q->values[b][p], dlen);
        rc = att__evlog_verify_pcrs(log, q->bank_alg[b], sel, vals, nv * dlen, vr, d);
    }
    free(vals);
    free(vr);
    free(replayed);
    return rc;
}

int att__tpm_log_claims(att__tpm_service *s, const att__tpm_request *r, const att__tpm_quoted *q,
                        json_t *claims, const char **events, size_t *events_len, att_diag *d)
{
    att__ima_log *ima = NULL;
    *events = NULL;
    *events_len = 0;
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
    /* A machine sends the same boot log until it reboots: parse it and derive its claims
     * once per distinct log (the cache keeps both for the service's lifetime); what is
     * checked per request is only the replay against this quote's PCRs. */
    uint8_t key[32];
    att__hash(ATT_HASH_SHA256, r->tcg_log, r->tcg_log_len, key);
    const struct log_entry *e = att__tpm_cache_get(s, ATT_TPM_CACHE_LOG, key);
    struct log_entry *fresh = NULL;
    if (!e) {
        if ((rc = log_entry_new(r->tcg_log, r->tcg_log_len, &fresh, d)) != ATT_OK)
            goto out;
        const void *cached = att__tpm_cache_put(s, ATT_TPM_CACHE_LOG, key, fresh,
                                                3 * r->tcg_log_len + 4096, log_entry_free);
        e = cached ? cached : fresh;
        if (cached == fresh)
            fresh = NULL;
    }
    rc = verify_log(e->log, r, q, d);
    if (rc == ATT_OK) {
        *events = e->events_text;
        *events_len = e->events_len;
    }
    if (rc == ATT_OK && json_object_update(claims, e->claims) != 0)
        rc = att_diag_fail(d, ATT_ENOMEM, "request.memory", "claims", "out of memory");
    if (rc == ATT_OK) {
        char alg[16];
        snprintf(alg, sizeof(alg), "%s", att__tpm_hash_name(q->bank_alg[pick_bank(e->log, q)]));
        rc = set(claims, "x-ms-tpm-eventlog-bank", json_string(alg));
    }
    log_entry_free(fresh);
    goto out; /* every failure above has filled d */
mem:
    rc = att_diag_fail(d, ATT_ENOMEM, "request.memory", "claims", "out of memory");
out:
    att__ima_free(ima);
    return rc;
}
