/* libFuzzer target: request-body JSON parsing and lenient field access
 * (src/server/reqjson.c), as used by every MAA POST route. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "server/reqjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    att_diag d;
    att_diag_clear(&d);
    if (att__reqjson_parse((const char *)data, size, &v, &d) != 0)
        return 0;
    static const char *const fields[] = {
        "quote", "report",   "runtimeData", "initTimeData",
        "data",  "dataType", "nonce",       "draftPolicyForAttestation"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *s;
        att_diag_clear(&d);
        (void)att__reqjson_string(v, fields[i], 0, &s, &d);
        unsigned char *bytes;
        size_t n;
        att_diag_clear(&d);
        if (att__reqjson_bytes(v, fields[i], 0, 4096, &bytes, &n, &d) == 0)
            free(bytes);
        json_t *sub = att__reqjson_get(v, fields[i]);
        if (json_is_object(sub)) {
            att_diag_clear(&d);
            if (att__reqjson_bytes(sub, "data", 1, 4096, &bytes, &n, &d) == 0)
                free(bytes);
        }
    }
    json_decref(v);
    return 0;
}
