/* libFuzzer target for the IMA measurement-list parser (src/evidence/tpm/ima.h), ASCII
 * and binary: parse, then replay PCR 10 in both banks, run the verifier with prefix
 * acceptance, the boot_aggregate check and both JSON views. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "evidence/tpm/ima.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    att__ima_log *log = NULL;
    att_diag d;
    att_diag_clear(&d);
    if (att__ima_parse(data, size, &log, &d) != ATT_OK)
        return 0;
    uint8_t v[ATT_TPM_MAX_DIGEST];
    if (att__ima_replay(log, ATT_TPM_ALG_SHA256, log->nentries, v) == ATT_OK) {
        att_diag_clear(&d);
        att__ima_verify_pcr(log, ATT_TPM_ALG_SHA256, v, 32, 1, NULL, &d);
    }
    if (att__ima_replay(log, ATT_TPM_ALG_SHA1, log->nentries / 2, v) == ATT_OK) {
        att_diag_clear(&d);
        att__ima_verify_pcr(log, ATT_TPM_ALG_SHA1, v, 20, 0, NULL, &d);
    }
    uint8_t pcrs[10][ATT_TPM_MAX_DIGEST];
    memset(pcrs, 0, sizeof(pcrs));
    att_diag_clear(&d);
    att__ima_check_boot_aggregate(log, ATT_TPM_ALG_SHA256, pcrs, &d);
    json_decref(att__ima_json(log, 1));
    json_t *arr = json_array();
    att__ima_append_events_json(log, arr);
    json_decref(arr);
    (void)att__ima_module_count(log);
    att__ima_free(log);
    return 0;
}
