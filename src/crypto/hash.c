/* Hashes, constant-time compare, CSPRNG and cleansing (crypto.h). */
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>

struct att__hash_ctx {
    EVP_MD_CTX *md;
    att__hash_alg alg;
};

size_t att__hash_len(att__hash_alg alg)
{
    switch (alg) {
    case ATT_HASH_SHA1:
        return 20;
    case ATT_HASH_SHA256:
        return 32;
    case ATT_HASH_SHA384:
        return 48;
    case ATT_HASH_SHA512:
        return 64;
    }
    return 0;
}

int att__hash(att__hash_alg alg, const void *data, size_t n, uint8_t *out)
{
    const EVP_MD *md = att__crypto_md(alg);
    if (!md)
        return ATT_EUNSUPPORTED;
    unsigned int len = 0;
    if (EVP_Digest(data, n, out, &len, md, NULL) != 1)
        return ATT_ECRYPTO;
    return ATT_OK;
}

int att__hash_new(att__hash_alg alg, att__hash_ctx **out)
{
    *out = NULL;
    const EVP_MD *md = att__crypto_md(alg);
    if (!md)
        return ATT_EUNSUPPORTED;
    att__hash_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return ATT_ENOMEM;
    c->alg = alg;
    c->md = EVP_MD_CTX_new();
    if (!c->md || EVP_DigestInit_ex(c->md, md, NULL) != 1) {
        att__hash_free(c);
        return ATT_ECRYPTO;
    }
    *out = c;
    return ATT_OK;
}

int att__hash_update(att__hash_ctx *c, const void *data, size_t n)
{
    return EVP_DigestUpdate(c->md, data, n) == 1 ? ATT_OK : ATT_ECRYPTO;
}

int att__hash_final(att__hash_ctx *c, uint8_t *out)
{
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(c->md, out, &len) != 1)
        return ATT_ECRYPTO;
    return EVP_DigestInit_ex(c->md, att__crypto_md(c->alg), NULL) == 1 ? ATT_OK : ATT_ECRYPTO;
}

void att__hash_free(att__hash_ctx *c)
{
    if (!c)
        return;
    EVP_MD_CTX_free(c->md);
    free(c);
}

int att__ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

int att__random(void *out, size_t n)
{
    if (n > INT32_MAX)
        return ATT_EINVAL;
    return RAND_bytes(out, (int)n) == 1 ? ATT_OK : ATT_ECRYPTO;
}

void att__cleanse(void *p, size_t n)
{
    if (p)
        OPENSSL_cleanse(p, n);
}
