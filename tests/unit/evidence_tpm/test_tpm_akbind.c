/* Unit tests for AK binding without a TPM: the GCE AK certificate chain (good, wrong anchor,
 * missing intermediate, expired, not yet valid, key mismatch), the swtpm EK certificate and EK
 * public from the vectors, EK checks, KDFa/KDFe, the challenge file layout and
 * activation checks. (MakeCredential against a real TPM: test_tpm_makecred.c.) */
#include "quote_tu.h"

#include "core/codec.h"
#include "core/timeutil.h"
#include "evidence/tpm/akbind.h"

static att__cert *cert(const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "vectors/tpm/quotes/%s", rel);
    att__cert *c = NULL;
    assert_int_equal(att__cert_read_file(tu_shared_path(p), &c), ATT_OK);
    return c;
}

static void pub(const char *rel, att__tpm_public *out)
{
    size_t n;
    uint8_t *b = tu_quote_file(rel, &n);
    att_diag d;
    att_diag_clear(&d);
    if (att__tpm_public_parse(b, n, ATT_TPM_PUBLIC_AUTO, out, &d) != ATT_OK)
        fail_msg("%s: %s", rel, d.message);
    free(b);
}

static void test_gce_ak_cert(void **state)
{
    (void)state;
    att__cert *leaf = cert("gce-cos-85-nonce9009/ak_cert.der");
    att__cert *inter = cert("gce-ca/tpm_ek_intermediate_2.crt");
    att__cert *inter3 = cert("gce-ca/tpm_ek_intermediate_3.crt");
    att__cert *root = cert("gce-ca/tpm_ek_root_1.cer");
    att__cert *other_root = cert("gce-ca/gcp_ek_ak_ca_root.crt");
    att__tpm_public ak, other;
    pub("gce-cos-85-nonce9009/ak_pub.tpmt_public", &ak);
    pub("swtpm-ubuntu2104-ima/ak.pub", &other);
    const att__cert *anchors[] = {root}, *inters[] = {inter3, inter};
    att__chain_opts co = {.intermediates = inters,
                          .n_intermediates = 2,
                          .anchors = anchors,
                          .n_anchors = 1,
                          .at = tu_parse_time("2024-01-01T00:00:00Z")};
    att_diag d;
    att_diag_clear(&d);
    int rc = att__tpm_akcert_verify(leaf, &co, &ak, &d);
    if (rc != ATT_OK)
        fail_msg("GCE AK cert: %s (%s)", d.message, d.reason);

    /* the certificate certifies another key than the quoting AK */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_akcert_verify(leaf, &co, &other, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.akcert.key");
    assert_non_null(strstr(d.message, "AK certificate key does not match the AK public"));

    /* expired / not yet valid */
    co.at = tu_parse_time("2051-08-25T00:00:00Z");
    att_diag_clear(&d);
    assert_int_equal(att__tpm_akcert_verify(leaf, &co, &ak, &d), ATT_EEXPIRED);
    co.at = tu_parse_time("2021-08-01T00:00:00Z");
    att_diag_clear(&d);
    assert_int_equal(att__tpm_akcert_verify(leaf, &co, &ak, &d), ATT_EEXPIRED);
    co.at = tu_parse_time("2024-01-01T00:00:00Z");

    /* the wrong anchor (Google's other EK/AK CA), and no intermediate */
    anchors[0] = other_root;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_akcert_verify(leaf, &co, &ak, &d), ATT_ECHAIN);
    anchors[0] = root;
    inters[1] = inter3;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_akcert_verify(leaf, &co, &ak, &d), ATT_ECHAIN);

    att__tpm_public_clear(&ak);
    att__tpm_public_clear(&other);
    att__cert_free(leaf);
    att__cert_free(inter);
    att__cert_free(inter3);
    att__cert_free(root);
    att__cert_free(other_root);
}

static void test_swtpm_ek_cert_vector(void **state)
{
    (void)state;
    att__cert *leaf = cert("swtpm-ecc-pss/ekcert_rsa.der");
    att__cert *inter = cert("swtpm-ecc-pss/ca_intermediate.pem");
    att__cert *root = cert("swtpm-ecc-pss/ca_root.pem");
    att__tpm_public ek, ek2;
    pub("swtpm-ecc-pss/ek.pub", &ek);
    pub("swtpm-ubuntu2104-ima/ek.pub", &ek2);
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_ek_check(&ek, &d), ATT_OK);
    assert_int_equal(ek.key_bits, 2048);
    assert_int_equal(ek.sym_bits, 128);
    assert_memory_equal(ek.policy, att__tpm_ek_default_policy, 32);
    const att__cert *anchors[] = {root}, *inters[] = {inter};
    int64_t nb, na;
    assert_int_equal(att__cert_validity(leaf, &nb, &na), ATT_OK);
    att__chain_opts co = {.intermediates = inters,
                          .n_intermediates = 1,
                          .anchors = anchors,
                          .n_anchors = 1,
                          .at = nb + 60};
    int rc = att__tpm_ekcert_verify(leaf, &co, &ek, &d);
    if (rc != ATT_OK)
        fail_msg("swtpm EK cert: %s (%s)", d.message, d.reason);
    att_diag_clear(&d);
    assert_int_equal(att__tpm_ekcert_verify(leaf, &co, &ek2, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.ekcert.key");
    co.at = na + 1;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_ekcert_verify(leaf, &co, &ek, &d), ATT_EEXPIRED);

    /* an AK is not an EK and vice versa */
    att__tpm_public ak;
    pub("swtpm-ecc-pss/akrsa.pub", &ak);
    att_diag_clear(&d);
    assert_int_equal(att__tpm_ek_check(&ak, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.ek.attributes");
    att_diag_clear(&d);
    assert_int_equal(att__tpm_ak_check(&ek, &d), ATT_EMISMATCH);
    /* MakeCredential refuses a non-EK */
    att__tpm_challenge ch;
    att_diag_clear(&d);
    assert_int_not_equal(att__tpm_make_credential(&ak, ak.name, ak.name_len, NULL, 32, &ch, &d),
                         ATT_OK);
    att__tpm_public_clear(&ak);
    att__tpm_public_clear(&ek);
    att__tpm_public_clear(&ek2);
    att__cert_free(leaf);
    att__cert_free(inter);
    att__cert_free(root);
}

/* The challenge file matches the layout of tpm2_makecredential's (the vector's cred.bin was
 * written by it for the same EK and AK): magic, version, sizes; the random parts differ. */
static void test_challenge_layout(void **state)
{
    (void)state;
    att__tpm_public ek, ak;
    pub("swtpm-glinux-locality3/ek.pub", &ek);
    pub("swtpm-glinux-locality3/ak.pub", &ak);
    size_t n, sn;
    uint8_t *ref = tu_quote_file("swtpm-glinux-locality3/cred.bin", &n);
    uint8_t *secret = tu_quote_file("swtpm-glinux-locality3/secret.bin", &sn);
    uint8_t *name = tu_quote_file("swtpm-glinux-locality3/ak.name", &(size_t){0});
    assert_memory_equal(name, ak.name, ak.name_len);
    att__tpm_challenge ch;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_make_credential(&ek, ak.name, ak.name_len, secret, sn, &ch, &d),
                     ATT_OK);
    uint8_t file[1024];
    size_t fl;
    assert_int_equal(att__tpm_challenge_file(&ch, file, sizeof(file), &fl), ATT_OK);
    assert_int_equal(fl, n);
    assert_memory_equal(file, ref, 8 + 2 + 2); /* magic, version, TPM2B size, HMAC size */
    assert_memory_equal(file + 8 + ch.id_object_len, ref + 8 + ch.id_object_len, 2);
    assert_memory_not_equal(file + 12, ref + 12, 32); /* a fresh seed: another HMAC */
    assert_int_equal(att__tpm_challenge_file(&ch, file, 100, &fl), ATT_ELIMIT);
    /* longer than the SHA-256 digest, empty, or a malformed Name: refused */
    att__tpm_challenge bad;
    uint8_t big[33] = {0};
    att_diag_clear(&d);
    assert_int_equal(att__tpm_make_credential(&ek, ak.name, ak.name_len, big, 33, &bad, &d),
                     ATT_EINVAL);
    assert_string_equal(d.reason, "tpm.makecredential.input");
    assert_int_equal(att__tpm_make_credential(&ek, ak.name, ak.name_len, big, 0, &bad, NULL),
                     ATT_EINVAL);
    assert_int_equal(att__tpm_make_credential(&ek, ak.name, ak.name_len - 1, big, 32, &bad, NULL),
                     ATT_EINVAL);

    /* activation checks */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_activation_verify(&ch, secret, sn, &ak, &d), ATT_OK);
    att_diag_clear(&d);
    assert_int_equal(att__tpm_activation_verify(&ch, secret, sn - 1, &ak, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.activation.secret");
    att__tpm_public other;
    pub("swtpm-ecc-pss/akecc.pub", &other);
    att_diag_clear(&d);
    assert_int_equal(att__tpm_activation_verify(&ch, secret, sn, &other, &d), ATT_EMISMATCH);
    char want[80];
    snprintf(want, sizeof(want), "AK name %.6s", "000b6f");
    assert_non_null(strstr(d.message, want));
    assert_non_null(strstr(d.message, "does not match the activated credential's name 000b"));
    att__tpm_challenge_clear(&ch);
    assert_int_equal(ch.credential_len, 0);
    att_diag_clear(&d);
    assert_int_equal(att__tpm_activation_verify(&ch, secret, sn, &ak, &d), ATT_EINVAL);
    free(ref);
    free(secret);
    free(name);
    att__tpm_public_clear(&ek);
    att__tpm_public_clear(&ak);
    att__tpm_public_clear(&other);
}

/* KDFa / KDFe against values computed independently from the formulas in TPM 2.0 Part 1
 * §11.4.10 (Python hmac/hashlib): key/Z = 32 x 0x01. */
#define KDFA_EXPECTED "fecc48418c12f8a70733f38a291137e5"
#define KDFA_EXPECTED_LONG                                                                         \
    "3bbd9cb1cc4c02a69f44ae015f203030997c3cfc4a45bad2f73fd1a9f5d33e9ba7f0690d934f773b"
#define KDFE_EXPECTED "064289af6397d162b34e251b8b009503dd92e31f9bbe0810f61d07d837b96720"

static void test_kdfa_kdfe(void **state)
{
    (void)state;
    uint8_t key[32];
    memset(key, 1, sizeof(key));
    const uint8_t u[] = {'a', 'b'};
    uint8_t out[80];
    assert_int_equal(att__tpm_kdfa(ATT_HASH_SHA256, key, 32, "STORAGE", u, 2, NULL, 0, 128, out),
                     ATT_OK);
    char hex[161];
    att__hex_encode(out, 16, 0, hex);
    assert_string_equal(hex, KDFA_EXPECTED);
    /* several blocks (640 bits = 3 SHA-256 blocks, truncated) */
    assert_int_equal(
        att__tpm_kdfa(ATT_HASH_SHA256, key, 32, "INTEGRITY", NULL, 0, NULL, 0, 640, out), ATT_OK);
    att__hex_encode(out, 40, 0, hex);
    assert_string_equal(hex, KDFA_EXPECTED_LONG);
    assert_int_equal(att__tpm_kdfe(ATT_HASH_SHA256, key, 32, "IDENTITY", u, 2, u, 1, 256, out),
                     ATT_OK);
    att__hex_encode(out, 32, 0, hex);
    assert_string_equal(hex, KDFE_EXPECTED);
    assert_int_equal(att__tpm_kdfa(ATT_HASH_SHA256, key, 32, "X", NULL, 0, NULL, 0, 7, out),
                     ATT_EINVAL);
}

/* MAA's model: the AK arrives as a bare public key vouched for by its certificate. */
static void test_ak_from_certificate_key(void **state)
{
    (void)state;
    json_t *summary = tu_quote_summary();
    tu_quote_case c;
    tu_quote_load(summary, "gce-cos-85-nonce9009/sha256", &c);
    att__cert *leaf = cert("gce-cos-85-nonce9009/ak_cert.der");
    att__pkey *k = NULL;
    assert_int_equal(att__cert_pubkey(leaf, &k), ATT_OK);
    att__tpm_public ak;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_public_from_pkey(k, &ak, &d), ATT_OK);
    att__pkey_free(k); /* ak holds its own reference */
    assert_int_equal(ak.name_len, 0);
    att__tpm_quote_opts o = tu_quote_opts(&c);
    o.skip_ak_check = 1;
    att__tpm_quote_result r;
    int rc = att__tpm_quote_verify(c.attest, c.attest_len, c.sig, c.sig_len, &ak, c.nonce,
                                   c.nonce_len, &c.pcrs, &o, &r, &d);
    if (rc != ATT_OK)
        fail_msg("%s", d.message);
    /* without a TPM public area there are no attributes to check and no QN to compute */
    o.skip_ak_check = 0;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_quote_verify(c.attest, c.attest_len, c.sig, c.sig_len, &ak, c.nonce,
                                           c.nonce_len, &c.pcrs, &o, &r, &d),
                     ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.ak.attributes");
    o.skip_ak_check = 1;
    uint8_t h[4];
    att__tpm_hierarchy_qn(ATT_TPM_RH_ENDORSEMENT, h);
    o.signer_parent_qn = h;
    o.signer_parent_qn_len = 4;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_quote_verify(c.attest, c.attest_len, c.sig, c.sig_len, &ak, c.nonce,
                                           c.nonce_len, &c.pcrs, &o, &r, &d),
                     ATT_EINVAL);
    assert_string_equal(d.reason, "tpm.quote.qualified_signer");
    /* another key (the swtpm EK certificate's) does not verify the quote */
    att__tpm_public_clear(&ak);
    att__cert *ekc = cert("swtpm-ecc-pss/ekcert_rsa.der");
    assert_int_equal(att__cert_pubkey(ekc, &k), ATT_OK);
    assert_int_equal(att__tpm_public_from_pkey(k, &ak, &d), ATT_OK);
    att__pkey_free(k);
    o.signer_parent_qn = NULL;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_quote_verify(c.attest, c.attest_len, c.sig, c.sig_len, &ak, c.nonce,
                                           c.nonce_len, &c.pcrs, &o, &r, &d),
                     ATT_ESIG);
    assert_non_null(strstr(d.message, "without TPM public area"));
    att__tpm_public_clear(&ak);
    att__cert_free(ekc);
    att__cert_free(leaf);
    tu_quote_free(&c);
    json_decref(summary);
}

/* The Windows AK creation proof (TPM2_CertifyCreation by the AK over its own creation). */
static void test_windows_creation_proof(void **state)
{
    (void)state;
    att__tpm_public ak, other;
    pub("windows-gcp-shielded-vm/ak_pub.tpmt_public", &ak);
    pub("gce-cos-85-nonce9009/ak_pub.tpmt_public", &other);
    size_t an, sn, cn;
    uint8_t *attest = tu_quote_file("windows-gcp-shielded-vm/ak_create_attest.tpms_attest", &an);
    uint8_t *sig = tu_quote_file("windows-gcp-shielded-vm/ak_create_sig.tpmt_signature", &sn);
    uint8_t *cd = tu_quote_file("windows-gcp-shielded-vm/ak_create_data.tpms_creation_data", &cn);
    att__tpm_quote_opts o;
    memset(&o, 0, sizeof(o));
    o.allow_sha1 = 1; /* a Windows PCP AK signs with SHA-1 */
    att__tpm_quote q;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__tpm_creation_verify(attest, an, sig, sn, &ak, cd, cn, NULL, 0, &o, &q, &d);
    if (rc != ATT_OK)
        fail_msg("%s (%s)", d.message, d.reason);
    assert_int_equal(q.type, ATT_TPM_ST_ATTEST_CREATION);
    assert_memory_equal(q.creation_name, ak.name, ak.name_len);
    /* the empty qualifying data is checked when asked for, a nonce is not there */
    assert_int_equal(att__tpm_creation_verify(attest, an, sig, sn, &ak, cd, cn, (const uint8_t *)"",
                                              0, &o, &q, &d),
                     ATT_OK);
    att_diag_clear(&d);
    assert_int_equal(att__tpm_creation_verify(attest, an, sig, sn, &ak, cd, cn,
                                              (const uint8_t *)"x", 1, &o, &q, &d),
                     ATT_EMISMATCH);
    /* other creation data */
    cd[cn - 1] ^= 1;
    att_diag_clear(&d);
    assert_int_equal(
        att__tpm_creation_verify(attest, an, sig, sn, &ak, cd, cn, NULL, 0, &o, &q, &d),
        ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.creation.hash");
    cd[cn - 1] ^= 1;
    /* SHA-1 refused by default; another AK does not verify it */
    o.allow_sha1 = 0;
    att_diag_clear(&d);
    assert_int_equal(
        att__tpm_creation_verify(attest, an, sig, sn, &ak, cd, cn, NULL, 0, &o, &q, &d),
        ATT_EUNSUPPORTED);
    o.allow_sha1 = 1;
    att_diag_clear(&d);
    assert_int_not_equal(
        att__tpm_creation_verify(attest, an, sig, sn, &other, cd, cn, NULL, 0, &o, &q, &d), ATT_OK);
    /* a creation proof is not a quote */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_quote_verify(attest, an, sig, sn, &ak, NULL, 0, NULL, &o, NULL, &d),
                     ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.quote.type");
    free(attest);
    free(sig);
    free(cd);
    att__tpm_public_clear(&ak);
    att__tpm_public_clear(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gce_ak_cert),
        cmocka_unit_test(test_swtpm_ek_cert_vector),
        cmocka_unit_test(test_challenge_layout),
        cmocka_unit_test(test_kdfa_kdfe),
        cmocka_unit_test(test_ak_from_certificate_key),
        cmocka_unit_test(test_windows_creation_proof),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
