/* libFuzzer target: request-body JSON parsing and lenient field access
 * (src/server/reqjson.c), as used by every MAA POST route; and the fast JSON reader and
 * writer (src/core/json.c) checked against jansson on every input: whatever the fast
 * reader accepts, jansson must accept as an equal value, and the fast writer must write
 * exactly what json_dumps writes. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "server/reqjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fast_paths(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *ref =
        json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    json_t *fast = att__json_load_fast((const char *)data, size);
    if (fast && (!ref || !json_equal(fast, ref)))
        abort(); /* the fast reader accepted what jansson rejects, or read it differently */
    if (ref) {
        char *a = json_dumps(ref, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        char *b = att__json_dump_sorted(ref, NULL);
        if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
            abort(); /* the fast writer differs from json_dumps */
        free(a);
        free(b);
    }
    json_decref(fast);
    json_decref(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_fast_paths(data, size);
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
