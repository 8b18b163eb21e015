/* MakeCredential against a real TPM: a swtpm started on 127.0.0.1 (swtpm_tu.sh) with RSA-2048
 * and ECC P-256 EKs and an AK under each; our att__tpm_make_credential output is fed to
 * tpm2_activatecredential, the secret must come back, and att__tpm_activation_verify must
 * accept it for the right AK only. The swtpm EK certificates (RSA-2048 and the P-384
 * high-range one) are checked against the swtpm local CA. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evidence/tpm/akbind.h"
#include "evidence/tpm/quote.h"

static char dir[256];
static char script[512];

static int run(const char *verb, const char *kind)
{
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "bash '%s' %s '%s' %s", script, verb, dir, kind ? kind : "");
    return system(cmd);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
    snprintf(script, sizeof(script), "%s", tu_source_path("tests/unit/evidence_tpm/swtpm_tu.sh"));
    if (run("start", NULL) != 0) {
        fprintf(stderr, "swtpm could not be started (swtpm, swtpm-tools and tpm2-tools are "
                        "required)\n");
        run("stop", NULL);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    run("stop", NULL);
    tu_rmtree(dir);
    return 0;
}

static uint8_t *rd(const char *name, size_t *n)
{
    char p[400];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return tu_read_file(p, n);
}

static void load_pub(const char *name, att__tpm_public *out)
{
    size_t n;
    uint8_t *b = rd(name, &n);
    att_diag d;
    att_diag_clear(&d);
    int rc = att__tpm_public_parse(b, n, ATT_TPM_PUBLIC_AUTO, out, &d);
    if (rc != ATT_OK)
        fail_msg("%s: %s", name, d.message);
    free(b);
}

static void write_file(const char *name, const uint8_t *p, size_t n)
{
    char path[400];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void round_trip(const char *kind, const char *other)
{
    char nm[64];
    att__tpm_public ek, ak, ak2;
    snprintf(nm, sizeof(nm), "ek_%s.pub", kind);
    load_pub(nm, &ek);
    snprintf(nm, sizeof(nm), "ak_%s.pub", kind);
    load_pub(nm, &ak);
    snprintf(nm, sizeof(nm), "ak_%s.pub", other);
    load_pub(nm, &ak2);
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_ek_check(&ek, &d), ATT_OK);
    assert_int_equal(att__tpm_ak_check(&ak, &d), ATT_OK);
    assert_memory_equal(ek.policy, att__tpm_ek_default_policy, 32);

    /* our Name computation equals the TPM's */
    size_t n;
    snprintf(nm, sizeof(nm), "ak_%s.name", kind);
    uint8_t *tpm_name = rd(nm, &n);
    assert_int_equal(n, ak.name_len);
    assert_memory_equal(tpm_name, ak.name, n);
    free(tpm_name);

    /* 1. the right AK: the TPM decrypts the credential */
    att__tpm_challenge ch;
    assert_int_equal(att__tpm_make_credential(&ek, ak.name, ak.name_len, NULL, 32, &ch, &d),
                     ATT_OK);
    uint8_t file[1024];
    size_t fl = 0;
    assert_int_equal(att__tpm_challenge_file(&ch, file, sizeof(file), &fl), ATT_OK);
    if (ek.type == ATT_TPM_ALG_RSA)
        assert_int_equal(fl, 336); /* the size tpm2_makecredential writes for RSA-2048 */
    snprintf(nm, sizeof(nm), "cred_%s.bin", kind);
    write_file(nm, file, fl);
    assert_int_equal(run("activate", kind), 0);
    snprintf(nm, sizeof(nm), "secret_%s.out", kind);
    uint8_t *secret = rd(nm, &n);
    assert_int_equal(n, 32);
    assert_memory_equal(secret, ch.credential, 32);
    att_diag_clear(&d);
    assert_int_equal(att__tpm_activation_verify(&ch, secret, n, &ak, &d), ATT_OK);

    /* 2. the secret is right but the quoting AK is another key */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_activation_verify(&ch, secret, n, &ak2, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.activation.ak_name");
    assert_non_null(strstr(d.message, "does not match the activated credential's name"));

    /* 3. a wrong secret */
    secret[0] ^= 1;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_activation_verify(&ch, secret, n, &ak, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.activation.secret");
    free(secret);
    att__tpm_challenge_clear(&ch);

    /* 4. a credential made for another Name: the TPM refuses to activate it with this AK */
    assert_int_equal(att__tpm_make_credential(&ek, ak2.name, ak2.name_len, NULL, 32, &ch, &d),
                     ATT_OK);
    assert_int_equal(att__tpm_challenge_file(&ch, file, sizeof(file), &fl), ATT_OK);
    snprintf(nm, sizeof(nm), "cred_%s.bin", kind);
    write_file(nm, file, fl);
    assert_int_not_equal(run("activate", kind), 0);

    /* 5. a tampered blob (one bit of the integrity HMAC): refused by the TPM */
    att__tpm_challenge_clear(&ch);
    assert_int_equal(att__tpm_make_credential(&ek, ak.name, ak.name_len, NULL, 16, &ch, &d),
                     ATT_OK);
    ch.id_object[5] ^= 0x80;
    assert_int_equal(att__tpm_challenge_file(&ch, file, sizeof(file), &fl), ATT_OK);
    write_file(nm, file, fl);
    assert_int_not_equal(run("activate", kind), 0);

    /* 6. a fixed credential of another length comes back unchanged */
    att__tpm_challenge_clear(&ch);
    const uint8_t mine[] = "attestd challenge";
    assert_int_equal(
        att__tpm_make_credential(&ek, ak.name, ak.name_len, mine, sizeof(mine), &ch, &d), ATT_OK);
    assert_int_equal(att__tpm_challenge_file(&ch, file, sizeof(file), &fl), ATT_OK);
    write_file(nm, file, fl);
    assert_int_equal(run("activate", kind), 0);
    snprintf(nm, sizeof(nm), "secret_%s.out", kind);
    secret = rd(nm, &n);
    assert_int_equal(n, sizeof(mine));
    assert_memory_equal(secret, mine, sizeof(mine));
    free(secret);

    att__tpm_challenge_clear(&ch);
    att__tpm_public_clear(&ek);
    att__tpm_public_clear(&ak);
    att__tpm_public_clear(&ak2);
}

static void test_makecredential_rsa_ek(void **state)
{
    (void)state;
    round_trip("rsa", "ecc");
}

static void test_makecredential_ecc_ek(void **state)
{
    (void)state;
    round_trip("ecc", "rsa");
}

/* swtpm's own P-384 EK (high-range template: SHA-384 Name, AES-256-CFB): KDFe over P-384 and
 * SHA-384 KDFa; the credential is bound to the RSA AK's Name. */
static void test_makecredential_p384_ek(void **state)
{
    (void)state;
    att__tpm_public ek, ak;
    load_pub("ek_ecc384.pub", &ek);
    load_pub("ak_rsa.pub", &ak);
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_ek_check(&ek, &d), ATT_OK);
    assert_int_equal(ek.name_alg, ATT_TPM_ALG_SHA384);
    assert_int_equal(ek.sym_bits, 256);
    att__tpm_challenge ch;
    assert_int_equal(att__tpm_make_credential(&ek, ak.name, ak.name_len, NULL, 48, &ch, &d),
                     ATT_OK);
    uint8_t file[1024];
    size_t fl = 0, n = 0;
    assert_int_equal(att__tpm_challenge_file(&ch, file, sizeof(file), &fl), ATT_OK);
    write_file("cred_ecc384.bin", file, fl);
    assert_int_equal(run("activate", "ecc384"), 0);
    uint8_t *secret = rd("secret_ecc384.out", &n);
    att_diag_clear(&d);
    assert_int_equal(att__tpm_activation_verify(&ch, secret, n, &ak, &d), ATT_OK);
    free(secret);
    att__tpm_challenge_clear(&ch);
    att__tpm_public_clear(&ek);
    att__tpm_public_clear(&ak);
}

static att__cert *load_cert(const char *name)
{
    char p[400];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    att__cert *c = NULL;
    assert_int_equal(att__cert_read_file(p, &c), ATT_OK);
    return c;
}

/* The EK certificates swtpm_setup wrote into NV chain to its local CA and certify the EKs. */
static void test_ek_certs(void **state)
{
    (void)state;
    att__cert *root = load_cert("ca_root.pem"), *inter = load_cert("ca_intermediate.pem");
    att__cert *rsa = load_cert("ekcert_rsa.der"), *ecc = load_cert("ekcert_ecc384.der");
    att__tpm_public ek_rsa, ek_ecc;
    load_pub("ek_rsa.pub", &ek_rsa);
    load_pub("ek_ecc384.pub", &ek_ecc);
    const att__cert *anchors[] = {root}, *inters[] = {inter};
    att__chain_opts co = {.intermediates = inters,
                          .n_intermediates = 1,
                          .anchors = anchors,
                          .n_anchors = 1,
                          .at = (int64_t)time(NULL)};
    att_diag d;
    att_diag_clear(&d);
    int rc = att__tpm_ekcert_verify(rsa, &co, &ek_rsa, &d);
    if (rc != ATT_OK)
        fail_msg("RSA EK cert: %s", d.message);
    att_diag_clear(&d);
    rc = att__tpm_ekcert_verify(ecc, &co, &ek_ecc, &d);
    if (rc != ATT_OK)
        fail_msg("ECC EK cert: %s", d.message);
    /* swapped: the certificate does not certify that EK */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_ekcert_verify(rsa, &co, &ek_ecc, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.ekcert.key");
    /* no intermediate: the chain does not reach the anchor */
    co.n_intermediates = 0;
    att_diag_clear(&d);
    assert_int_not_equal(att__tpm_ekcert_verify(rsa, &co, &ek_rsa, &d), ATT_OK);
    att__tpm_public_clear(&ek_rsa);
    att__tpm_public_clear(&ek_ecc);
    att__cert_free(root);
    att__cert_free(inter);
    att__cert_free(rsa);
    att__cert_free(ecc);
}

/* A real TPM2_Certify: the RSA AK certifies that the same TPM holds the ECC AK. */
static void test_certify(void **state)
{
    (void)state;
    att__tpm_public rsa, ecc;
    load_pub("ak_rsa.pub", &rsa);
    load_pub("ak_ecc.pub", &ecc);
    size_t an, sn;
    uint8_t *attest = rd("certify.attest", &an), *sig = rd("certify.sig", &sn);
    /* tpm2_certify 5.4 always passes qualifyingData 00ff55aa */
    static const uint8_t qd[] = {0x00, 0xff, 0x55, 0xaa};
    att__tpm_quote q;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__tpm_certify_verify(attest, an, sig, sn, &rsa, &ecc, qd, 4, NULL, &q, &d);
    if (rc != ATT_OK)
        fail_msg("certify: %s (%s)", d.message, d.reason);
    assert_int_equal(q.type, ATT_TPM_ST_ATTEST_CERTIFY);
    assert_memory_equal(q.certified_name, ecc.name, ecc.name_len);
    /* not a certification of the RSA AK itself */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_certify_verify(attest, an, sig, sn, &rsa, &rsa, qd, 4, NULL, &q, &d),
                     ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.certify.name");
    /* signed by the RSA AK, not the ECC one */
    att_diag_clear(&d);
    assert_int_not_equal(
        att__tpm_certify_verify(attest, an, sig, sn, &ecc, &ecc, qd, 4, NULL, &q, &d), ATT_OK);
    /* a nonce the certification does not carry, and none */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_certify_verify(attest, an, sig, sn, &rsa, &ecc, (const uint8_t *)"n",
                                             1, NULL, &q, &d),
                     ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.quote.extra_data");
    att_diag_clear(&d);
    assert_int_equal(
        att__tpm_certify_verify(attest, an, sig, sn, &rsa, &ecc, NULL, 0, NULL, &q, &d),
        ATT_EMISMATCH);
    /* a certification is not a quote */
    att_diag_clear(&d);
    assert_int_equal(
        att__tpm_quote_verify(attest, an, sig, sn, &rsa, NULL, 0, NULL, NULL, NULL, &d),
        ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.quote.type");
    free(attest);
    free(sig);
    att__tpm_public_clear(&rsa);
    att__tpm_public_clear(&ecc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_makecredential_rsa_ek),
        cmocka_unit_test(test_makecredential_ecc_ek),
        cmocka_unit_test(test_makecredential_p384_ek),
        cmocka_unit_test(test_ek_certs),
        cmocka_unit_test(test_certify),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
