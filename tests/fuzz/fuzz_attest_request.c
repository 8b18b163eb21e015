/* libFuzzer target: the /attest/SgxEnclave and /attest/OpenEnclave request parsers
 * (src/server/attest_sgx.c): request JSON, lenient base64 fields, runtime/init-time data
 * and the 16-byte OE report header; when a quote comes out, the DCAP quote parser too. */
#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "evidence/sgx/quote.h"
#include "server/attest_sgx.h"
#include "server/reqjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = NULL;
    att_diag d;
    att_diag_clear(&d);
    if (att__reqjson_parse((const char *)data, size, &body, &d) != ATT_OK)
        return 0;
    att__arena a;
    att__arena_init(&a);
    const att__att_type types[] = {ATT_TYPE_SGX_ENCLAVE, ATT_TYPE_OPEN_ENCLAVE};
    for (size_t i = 0; i < 4; i++) {
        att__sgx_request req;
        att_diag_clear(&d);
        /* the current body shape, then the 2018-09-01-preview one */
        int rc = i < 2 ? att__sgx_request_parse(body, types[i], &a, &req, &d)
                       : att__sgx_request_parse_preview(body, types[i - 2], &a, &req, &d);
        if (rc == ATT_OK && req.quote) {
            att__quote q;
            att_diag_clear(&d);
            (void)att__quote_parse(req.quote, req.quote_len, &q, &d);
        }
        att__arena_reset(&a);
    }
    att__arena_free(&a);
    json_decref(body);
    return 0;
}
