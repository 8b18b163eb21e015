/* libFuzzer target: the /attest/SevSnpVm request parser (src/server/attest_snp.c): request
 * JSON, the base64url `report` wrapper and its JSON (SnpReport, VcekCertChain), runtime /
 * init-time data; a parsed request then goes through verification with no configured
 * certificates (the chain PEM parser, the VEK reader and the field checks; the verified-chain
 * cache is cleared so that inputs do not accumulate). */
#include <jansson.h>
#include <stdint.h>

#include "core/arena.h"
#include "server/attest_snp.h"
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
    att__snp_request req;
    att_diag_clear(&d);
    if (att__snp_request_parse(body, &a, &req, &d) == ATT_OK) {
        att__snp_context ctx = {.at = 1744085700};
        att__snp_verified v;
        att_diag_clear(&d);
        (void)att__snp_verify_request(&req, &ctx, &v, &d);
        att__snp_verified_clear(&v);
        att__snp_cache_clear();
    }
    att__arena_free(&a);
    json_decref(body);
    return 0;
}
