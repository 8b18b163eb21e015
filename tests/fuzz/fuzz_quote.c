/* libFuzzer target for the DCAP quote parser and the PCK certificate SGX extension / DER
 * reader (src/evidence/sgx, src/core/der.c). Parse only: no collateral, no clock. The input
 * is parsed as a quote; the quote's PCK extension is parsed when its certificate loads; and
 * the raw input is also fed to the extension parser and the DER reader directly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/der.h"
#include "evidence/sgx/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks a DER tree up to a small depth, decoding every primitive it knows. */
static void walk(att__cursor *c, int depth)
{
    uint8_t tag;
    att__cursor v;
    while (att__der_next(c, &tag, &v) == ATT_OK) {
        char oid[64];
        uint64_t x;
        int b;
        if ((tag & 0x20) && depth < 16)
            walk(&v, depth + 1);
        else if (tag == ATT_DER_OID)
            (void)att__der_oid_str(&v, oid, sizeof(oid));
        else if (tag == ATT_DER_INTEGER || tag == ATT_DER_ENUMERATED)
            (void)att__der_uint(&v, UINT64_MAX, &x);
        else if (tag == ATT_DER_BOOLEAN)
            (void)att__der_bool(&v, &b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    att__quote q;
    att_diag d;
    att_diag_clear(&d);
    if (att__quote_parse(data, size, &q, &d) == ATT_OK) {
        (void)att__quote_report_data(&q);
        /* PCK certificate of type-5 data: its extension and the signatures (no chain) */
        att__pck_ext p;
        att_diag_clear(&d);
        (void)att__quote_check_signatures(&q, &p, &d);
    }
    att__pck_ext p;
    att_diag_clear(&d);
    (void)att__pck_ext_parse(data, size, &p, &d);
    att__cursor c;
    att__cur_init(&c, data, size);
    walk(&c, 0);
    return 0;
}
