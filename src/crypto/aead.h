/* AES-256-GCM sealing and RSA-PSS signing (aead.c): what the TPM attestation protocol
 * needs beyond crypto.h. The server seals its TPM service context with an instance key;
 * the TPM client signs its MAA request JWS (PS256) with a software request key. Same
 * conventions as crypto.h: the caller owns what comes back through out-parameters. */
#ifndef ATT_CRYPTO_AEAD_H
#define ATT_CRYPTO_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define ATT_AEAD_KEY_LEN 32 /* AES-256 */
#define ATT_AEAD_IV_LEN  12 /* GCM's 96-bit IV */
#define ATT_AEAD_TAG_LEN 16

/* Encrypts n bytes of pt with key/iv, authenticating aad too. out (n bytes) gets the
 * ciphertext, tag the 16-byte tag. out may equal pt. */
int att__aes256gcm_seal(const uint8_t key[ATT_AEAD_KEY_LEN], const uint8_t iv[ATT_AEAD_IV_LEN],
                        const void *aad, size_t aadlen, const uint8_t *pt, size_t n, uint8_t *out,
                        uint8_t tag[ATT_AEAD_TAG_LEN]);
/* Decrypts and checks the tag: ATT_ESIG when the ciphertext, aad or tag were altered
 * (out is then zeroed). */
int att__aes256gcm_open(const uint8_t key[ATT_AEAD_KEY_LEN], const uint8_t iv[ATT_AEAD_IV_LEN],
                        const void *aad, size_t aadlen, const uint8_t *ct, size_t n,
                        const uint8_t tag[ATT_AEAD_TAG_LEN], uint8_t *out);

/* RSASSA-PSS signature of msg (MGF1 with the same hash, salt length = digest length, as
 * JWS PS256 requires). *sig is malloc'd, caller frees. */
int att__rsa_pss_sign(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                      uint8_t **sig, size_t *siglen);

#endif
