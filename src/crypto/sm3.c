/* SM3-256, the Chinese national hash some TPMs carry as a PCR bank (TPM_ALG_SM3_256).
 * Kept apart from the att__hash_alg family: nothing but event-log replay needs it, and it
 * is never acceptable for signatures here. */
#include <openssl/evp.h>

#include "crypto/crypto.h"

int att__sm3_256(const void *data, size_t n, uint8_t out[32])
{
#ifdef OPENSSL_NO_SM3
    (void)data;
    (void)n;
    (void)out;
    return ATT_EUNSUPPORTED;
#else
    unsigned int len = 0;
    if (EVP_Digest(data, n, out, &len, EVP_sm3(), NULL) != 1 || len != 32)
        return ATT_ECRYPTO;
    return ATT_OK;
#endif
}
