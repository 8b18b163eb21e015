/* libFuzzer target: what a relying party (src/rp) reads from the network and from its
 * callers: the first byte picks the parser, the rest is its input.
 *   0  a JWKS document (att_rp_set_jwks -> att__rp_jwks_parse)
 *   1  OpenID metadata (att__rp_metadata_parse)
 *   2  a token verified against a fixed key set, with expectations on its claims */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attest/rp.h"
#include "rp/rp_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A JWKS with one real RSA key (the recorded MAA signing certificate), so that tokens get
 * as far as the signature check. */
static const char JWKS[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE=\",\"e\":"
    "\"AQAB\",\"n\":"
    "\"u8KooSPebGm0533eLf8gWM5LPIwBwtOW9vQacHkRXrtXLQ7VvHBJAhW1vdKiju16awepFDQQE9yf6-IPLD7XUWvZ"
    "ykjm7-RcZWLpB8Qbl7thO5bGLhItuhXnrMOnilPiREFZyGW3zNAzjth2z1OifTfN9KiSYUrzUwVHe18Mz9zh9V-W"
    "8D8ufrKHzc4lq8kIpAeaZgbdWqvvuDpPHq5Q6_uosIeW12DfliMSZLilhDB2GFHw97lLH0lgty4wllvUqKqUBQDR"
    "A87tiZpZG6WxFkWr_dvJ6I1TZHs0xaSkCUsm0lwd6jOeI9LVxKG8764JIO-aCt8Mij2MKSy232gDMw\"}]}";

static int64_t fixed_clock(void *ctx)
{
    return 1665149100;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    att_diag d;
    att_diag_clear(&d);
    att_rp_options o = {.issuer = "https://sharedwus.wus.attest.azure.net",
                        .fetch = att_rp_fetch_none,
                        .clock = fixed_clock,
                        .allow_unsigned = data[0] & 0x10};
    att_rp *rp = NULL;
    if (att_rp_new(&o, &rp, &d) != ATT_OK)
        abort();
    switch (data[0] % 3) {
    case 0:
        att_rp_set_jwks(rp, text, n, &d);
        break;
    case 1: {
        char *uri = NULL;
        att__rp_metadata_parse(text, n, o.issuer, &uri, &d);
        free(uri);
        break;
    }
    default: {
        if (att_rp_set_jwks(rp, JWKS, strlen(JWKS), &d) != ATT_OK)
            abort();
        const att_rp_expect e[] = {{"debuggable", "false"},
                                   {"runtime-data", "0102"},
                                   {"x-ms-runtime.a.b", "{\"c\":[1]}"},
                                   {"x-ms-sgx-svn", "1"}};
        att_rp_result res;
        att_diag_clear(&d);
        if (att_rp_verify(rp, text, n, e, 4, &res, &d) == ATT_OK)
            att_rp_result_clear(&res);
        break;
    }
    }
    att_rp_free(rp);
    return 0;
}
