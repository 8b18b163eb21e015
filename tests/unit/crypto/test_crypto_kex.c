/* Unit tests for src/crypto/kex.c: HMAC (RFC 4231), AES-CFB128 (NIST SP 800-38A F.3.13),
 * RSA-OAEP output size and bounds, ephemeral ECDH output shape, public-key equality. The
 * full protocol built on them (TPM2_MakeCredential) is checked against a real TPM in
 * tests/unit/evidence_tpm/test_tpm_makecred.c. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "crypto/crypto.h"

static void hex_is(const uint8_t *p, size_t n, const char *want)
{
    char got[256];
    att__hex_encode(p, n, 0, got);
    assert_string_equal(got, want);
}

static void test_hmac(void **state)
{
    (void)state;
    const char *msg = "what do ya want for nothing?";
    uint8_t out[64];
    assert_int_equal(att__hmac(ATT_HASH_SHA256, (const uint8_t *)"Jefe", 4, msg, strlen(msg), out),
                     ATT_OK);
    hex_is(out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assert_int_equal(att__hmac((att__hash_alg)99, (const uint8_t *)"k", 1, msg, 1, out),
                     ATT_EUNSUPPORTED);
}

static void test_aes_cfb(void **state)
{
    (void)state;
    uint8_t key[16], iv[16], pt[16], ct[16];
    size_t n;
    assert_int_equal(att__hex_decode("2b7e151628aed2a6abf7158809cf4f3c", 32, key, &n), ATT_OK);
    assert_int_equal(att__hex_decode("000102030405060708090a0b0c0d0e0f", 32, iv, &n), ATT_OK);
    assert_int_equal(att__hex_decode("6bc1bee22e409f96e93d7e117393172a", 32, pt, &n), ATT_OK);
    assert_int_equal(att__aes_cfb_encrypt(key, 16, iv, pt, 16, ct), ATT_OK);
    hex_is(ct, 16, "3b3fd92eb72dad20333449f8e83cfb4a");
    /* a partial block is a prefix of the full one (CFB is a stream mode) */
    assert_int_equal(att__aes_cfb_encrypt(key, 16, iv, pt, 5, ct), ATT_OK);
    hex_is(ct, 5, "3b3fd92eb7");
    assert_int_equal(att__aes_cfb_encrypt(key, 15, iv, pt, 5, ct), ATT_EUNSUPPORTED);
}

static void test_oaep_and_ecdh(void **state)
{
    (void)state;
    att__pkey *rsa = NULL;
    assert_int_equal(att__rsa_generate(2048, &rsa), ATT_OK);
    uint8_t seed[32] = {1, 2, 3}, c1[512], c2[512];
    size_t l1 = 0, l2 = 0;
    assert_int_equal(
        att__rsa_oaep_encrypt(rsa, ATT_HASH_SHA256, "IDENTITY", 9, seed, 32, c1, sizeof(c1), &l1),
        ATT_OK);
    assert_int_equal(l1, 256);
    assert_int_equal(
        att__rsa_oaep_encrypt(rsa, ATT_HASH_SHA256, "IDENTITY", 9, seed, 32, c2, sizeof(c2), &l2),
        ATT_OK);
    assert_memory_not_equal(c1, c2, 256); /* randomized padding */
    assert_int_equal(att__rsa_oaep_encrypt(rsa, ATT_HASH_SHA256, NULL, 0, seed, 32, c2, 100, &l2),
                     ATT_ELIMIT);

    /* ECDH: Z and the ephemeral point have the curve's sizes; fresh every call; RSA refused */
    uint8_t xy[64] = {0};
    size_t n;
    assert_int_equal(att__hex_decode("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d8"
                                     "98c296",
                                     64, xy, &n),
                     ATT_OK);
    assert_int_equal(att__hex_decode("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837"
                                     "bf51f5",
                                     64, xy + 32, &n),
                     ATT_OK); /* the P-256 generator */
    att__pkey *ec = NULL;
    assert_int_equal(att__pkey_ec_from_raw(ATT_KEY_EC_P256, xy, 64, &ec), ATT_OK);
    uint8_t z1[66], z2[66], e1[132], e2[132];
    size_t zl1, zl2, el1, el2;
    assert_int_equal(att__ecdh_ephemeral(ec, z1, sizeof(z1), &zl1, e1, sizeof(e1), &el1), ATT_OK);
    assert_int_equal(att__ecdh_ephemeral(ec, z2, sizeof(z2), &zl2, e2, sizeof(e2), &el2), ATT_OK);
    assert_int_equal(zl1, 32);
    assert_int_equal(el1, 64);
    assert_memory_not_equal(e1, e2, 64);
    /* with the generator as peer, Z is the x coordinate of the ephemeral public key itself */
    assert_memory_equal(z1, e1, 32);
    assert_int_equal(att__ecdh_ephemeral(rsa, z1, sizeof(z1), &zl1, e1, sizeof(e1), &el1),
                     ATT_EUNSUPPORTED);

    att__pkey *ec2 = NULL;
    assert_int_equal(att__pkey_ec_from_raw(ATT_KEY_EC_P256, xy, 64, &ec2), ATT_OK);
    assert_int_equal(att__pkey_public_equal(ec, ec2), 1);
    assert_int_equal(att__pkey_public_equal(ec, rsa), 0);
    assert_int_equal(att__pkey_public_equal(NULL, rsa), 0);
    att__pkey_free(ec2);
    att__pkey_free(ec);
    att__pkey_free(rsa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac),
        cmocka_unit_test(test_aes_cfb),
        cmocka_unit_test(test_oaep_and_ecdh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
