/* libFuzzer target for the Open Enclave evidence parsers (src/evidence/oe). Parse only: no
 * collateral, no clock. The input is parsed as OE evidence (report header, attestation
 * header or bare SGX ECDSA evidence), as a legacy report, and as a custom-claims buffer;
 * every claim a successful parse returns is read in full. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "evidence/oe/oe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t touch(const att__oe_custom_claims *cc)
{
    size_t sum = 0;
    for (size_t i = 0; i < cc->count; i++) {
        sum += strlen(cc->claims[i].name) + cc->claims[i].name_len;
        for (size_t j = 0; j < cc->claims[i].value_len; j++)
            sum += cc->claims[i].value[j];
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static att__oe_evidence ev;
    att_diag d;
    volatile size_t sink = 0;
    att_diag_clear(&d);
    if (att__oe_parse(data, size, &ev, &d) == ATT_OK) {
        sink += touch(&ev.custom) + ev.quote_len;
        sink += ev.quote[ev.quote_len - 1];
    }
    att_diag_clear(&d);
    if (att__oe_report_parse(data, size, &ev, &d) == ATT_OK)
        sink += ev.quote[ev.quote_len - 1];
    static att__oe_custom_claims cc;
    att_diag_clear(&d);
    if (att__oe_claims_parse(data, size, &cc, &d) == ATT_OK)
        sink += touch(&cc);
    (void)sink;
    return 0;
}
