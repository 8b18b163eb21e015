/* libFuzzer target for the TCG event-log parser (src/evidence/tpm/eventlog.h): parse, then
 * on success replay every declared bank, verify against the replayed values, extract the
 * boot facts (Secure Boot databases, authorities, SIPA containers), the AzureGuest-style
 * claims, the dbx-update and baseline comparisons, and build every JSON view, so all code that
 * reads event data runs on hostile input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "evidence/tpm/eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    att__evlog *log = NULL;
    att_diag d;
    att_diag_clear(&d);
    if (att__evlog_parse(data, size, &log, &d) != ATT_OK)
        return 0;
    for (uint32_t b = 0; b < log->nbanks; b++) {
        att__pcr_bank bank;
        if (att__evlog_replay(log, log->banks[b].alg, &bank, &d) != ATT_OK)
            continue;
        uint8_t vals[ATT_TPM_NUM_PCRS * ATT_TPM_MAX_DIGEST];
        size_t n = 0;
        for (uint32_t i = 0; i < ATT_TPM_NUM_PCRS; i++) {
            memcpy(vals + n, bank.pcr[i], bank.size);
            n += bank.size;
        }
        vals[0] ^= 1; /* one mismatch exercises the diagnostics */
        att__pcr_verify_result res;
        att_diag_clear(&d);
        att__evlog_verify_pcrs(log, bank.alg, 0xFFFFFF, vals, n, &res, &d);
    }
    att__evlog_facts *f = NULL;
    if (att__evlog_facts_get(log, &f) == ATT_OK) {
        json_decref(att__evlog_facts_json(f));
        json_decref(att__evlog_azurevm_claims(f));
        size_t missing;
        att__sb_dbx_missing(&f->dbx, data, size, &missing); /* the input as a dbx update */
        (void)att__sb_db_has_cert(&f->db, data, size);
        att__evlog_facts_free(f);
    }
    json_decref(att__evlog_events_json(log));
    json_decref(att__evlog_pcrs_json(log, 0));
    if (log->nbanks) {
        att__evlog_diff diff;
        att__evlog_diff_logs(log, log, log->banks[0].alg, 0xFFFFFF, &diff, NULL);
    }
    att__evlog_free(log);
    return 0;
}
