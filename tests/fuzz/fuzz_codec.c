/* libFuzzer target: base64/base64url and hex decoding (src/core/codec.c).
 * Checks that decoding never overruns, and that decode(encode(x)) == x. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out;
    size_t n;
    if (att__b64_decode_alloc((const char *)data, size, &out, &n) == 0) {
        if (n > att__b64_dec_max(size))
            abort();
        free(out);
    }
    if (att__hex_decode_alloc((const char *)data, size, &out, &n) == 0) {
        if (n * 2 != size)
            abort();
        free(out);
    }
    for (int v = 0; v < 2; v++) {
        char *enc = att__b64_encode_alloc(data, size, v);
        if (!enc)
            return 0;
        if (att__b64_decode_alloc(enc, strlen(enc), &out, &n) != 0 || n != size ||
            (size && memcmp(out, data, size) != 0))
            abort();
        free(out);
        free(enc);
    }
    return 0;
}
