/* libFuzzer target for the certificate and CRL parsers of src/crypto: the input is fed
 * to att__certs_from_pem, att__cert_from_der and att__crl_from_der; whatever parses is
 * run through the accessors and a chain verification against itself, then freed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Exercises every accessor of a parsed certificate; results are discarded. */
static void poke_cert(const att__cert *c)
{
    char *s = NULL;
    if (att__cert_subject(c, &s) == ATT_OK)
        free(s);
    if (att__cert_issuer(c, &s) == ATT_OK)
        free(s);
    if (att__cert_serial_hex(c, &s) == ATT_OK)
        free(s);
    int64_t nb, na;
    (void)att__cert_validity(c, &nb, &na);
    const uint8_t *v;
    size_t n;
    (void)att__cert_extension(c, "2.5.29.19", &v, &n);
    (void)att__cert_extension(c, "1.2.840.113741.1.13.1", &v, &n);
    uint8_t tp[ATT_HASH_MAX];
    (void)att__cert_thumbprint(c, ATT_HASH_SHA256, tp);
    att__pkey *k = NULL;
    if (att__cert_pubkey(c, &k) == ATT_OK) {
        if (att__pkey_public_pem(k, &s) == ATT_OK)
            free(s);
        att__pkey_free(k);
    }
    uint8_t *der = NULL;
    if (att__cert_der(c, &der, &n) == ATT_OK)
        free(der);
}

/* A self-signed certificate made once per process (never freed: lives until exit). */
static const att__cert *fuzz_ca(void)
{
    static att__cert *ca;
    static int tried;
    if (!tried) {
        tried = 1;
        att__pkey *k = NULL;
        if (att__rsa_generate(2048, &k) == ATT_OK)
            (void)att__cert_self_signed(k, "fuzz", 1600000000, 1800000000, &ca);
        att__pkey_free(k);
    }
    return ca;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    att__cert **certs = NULL;
    size_t count = 0;
    if (att__certs_from_pem((const char *)data, size, &certs, &count) == ATT_OK) {
        for (size_t i = 0; i < count; i++)
            poke_cert(certs[i]);
        /* the bundle as its own intermediates, its last certificate as anchor */
        const att__cert *anchors[1] = {certs[count - 1]};
        att__chain_opts o = {.intermediates = (const att__cert *const *)certs,
                             .n_intermediates = count,
                             .anchors = anchors,
                             .n_anchors = 1,
                             .at = 1700000000};
        att_diag d;
        att_diag_clear(&d);
        (void)att__chain_verify(certs[0], &o, &d);
        att__certs_free(certs, count);
    }

    att__cert *c = NULL;
    att__crl *crl = NULL;
    if (att__cert_from_der(data, size, &c) == ATT_OK) {
        poke_cert(c);
        const att__cert *anchors[1] = {c};
        att__chain_opts o = {.anchors = anchors, .n_anchors = 1, .at = 1700000000};
        (void)att__chain_verify(c, &o, NULL);
    }
    if (att__crl_from_der(data, size, &crl) == ATT_OK) {
        /* A CRL is checked against the fixed "CN=fuzz" certificate: the issuer lookup,
         * and the signature check when the fuzzer reproduces that name. */
        const att__cert *ca = fuzz_ca();
        if (ca) {
            const att__cert *anchors[1] = {ca};
            const att__crl *crls[1] = {crl};
            att__chain_opts o = {.anchors = anchors,
                                 .n_anchors = 1,
                                 .crls = crls,
                                 .n_crls = 1,
                                 .require_crls = 1,
                                 .at = 1700000000};
            (void)att__chain_verify(ca, &o, NULL);
        }
    }
    att__crl_free(crl);
    att__cert_free(c);
    return 0;
}
