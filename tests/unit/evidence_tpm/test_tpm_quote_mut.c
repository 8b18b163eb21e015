/* Mutation tests for TPM quote verification:
 *  - every single-bit flip of every vector quote and signature, every truncation and an
 *    appended byte are refused;
 *  - each TPMS_ATTEST field and the TPMT_SIGNATURE header altered and then re-signed by a test
 *    AK (so the signature is valid and the field check itself must catch it) fails with the
 *    reason naming that field. */
#include "quote_tu.h"

#include <tss2/tss2_mu.h>

static json_t *summary;
static att__pkey *key;     /* the test AK's private key */
static att__tpm_public ak; /* its public area */

static int setup(void **state)
{
    (void)state;
    summary = tu_quote_summary();
    if (att__rsa_generate(2048, &key) != ATT_OK)
        return -1;
    uint8_t *n = NULL, *e = NULL;
    size_t nl = 0, el = 0;
    if (att__pkey_rsa_ne(key, &n, &nl, &e, &el) != ATT_OK || nl != 256)
        return -1;
    TPMT_PUBLIC t;
    memset(&t, 0, sizeof(t));
    t.type = TPM2_ALG_RSA;
    t.nameAlg = TPM2_ALG_SHA256;
    t.objectAttributes = 0x00050072;
    t.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    t.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
    t.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    t.parameters.rsaDetail.keyBits = 2048;
    t.parameters.rsaDetail.exponent = 0;
    t.unique.rsa.size = 256;
    memcpy(t.unique.rsa.buffer, n, 256);
    free(n);
    free(e);
    uint8_t buf[1024];
    size_t off = 0;
    if (Tss2_MU_TPMT_PUBLIC_Marshal(&t, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
        return -1;
    return att__tpm_public_parse(buf, off, ATT_TPM_PUBLIC_TPMT, &ak, NULL) == ATT_OK && summary
               ? 0
               : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(summary);
    att__pkey_free(key);
    att__tpm_public_clear(&ak);
    return 0;
}

static int verify_bytes(tu_quote_case *c, const uint8_t *a, size_t an, const uint8_t *s, size_t sn,
                        att_diag *d)
{
    att__tpm_quote_opts o = tu_quote_opts(c);
    att_diag_clear(d);
    return att__tpm_quote_verify(a, an, s, sn, &c->ak, c->nonce, c->nonce_len, &c->pcrs, &o, NULL,
                                 d);
}

static void test_bit_flips_and_truncation(void **state)
{
    (void)state;
    const char *id;
    json_t *v;
    size_t cases = 0;
    json_object_foreach(summary, id, v)
    {
        tu_quote_case c;
        tu_quote_load(summary, id, &c);
        att_diag d;
        assert_int_equal(verify_bytes(&c, c.attest, c.attest_len, c.sig, c.sig_len, &d), ATT_OK);
        for (size_t i = 0; i < c.attest_len; i++)
            for (int bit = 0; bit < 8; bit += 7) {
                c.attest[i] ^= (uint8_t)(1u << bit);
                if (verify_bytes(&c, c.attest, c.attest_len, c.sig, c.sig_len, &d) == ATT_OK)
                    fail_msg("%s: attest byte %zu bit %d flipped was accepted", id, i, bit);
                assert_true(d.reason[0] != 0);
                c.attest[i] ^= (uint8_t)(1u << bit);
            }
        for (size_t i = 0; i < c.sig_len; i++) {
            c.sig[i] ^= 0x01;
            if (verify_bytes(&c, c.attest, c.attest_len, c.sig, c.sig_len, &d) == ATT_OK)
                fail_msg("%s: signature byte %zu flipped was accepted", id, i);
            c.sig[i] ^= 0x01;
        }
        for (size_t n = 0; n < c.attest_len; n++)
            assert_int_not_equal(verify_bytes(&c, c.attest, n, c.sig, c.sig_len, &d), ATT_OK);
        for (size_t n = 0; n < c.sig_len; n++)
            assert_int_not_equal(verify_bytes(&c, c.attest, c.attest_len, c.sig, n, &d), ATT_OK);
        uint8_t *longer = malloc(c.attest_len + 1);
        memcpy(longer, c.attest, c.attest_len);
        longer[c.attest_len] = 0;
        assert_int_equal(verify_bytes(&c, longer, c.attest_len + 1, c.sig, c.sig_len, &d),
                         ATT_EPARSE);
        assert_string_equal(d.reason, "tpm.quote.trailing");
        free(longer);
        longer = malloc(c.sig_len + 1);
        memcpy(longer, c.sig, c.sig_len);
        longer[c.sig_len] = 0;
        assert_int_equal(verify_bytes(&c, c.attest, c.attest_len, longer, c.sig_len + 1, &d),
                         ATT_EPARSE);
        assert_string_equal(d.reason, "tpm.signature.trailing");
        free(longer);
        tu_quote_free(&c);
        cases++;
    }
    assert_true(cases >= 12);
}

/* ---- re-signed mutations ---- */

typedef struct fixture {
    tu_quote_case c; /* swtpm-ubuntu2104-ima: its PCR values and selection */
    TPMS_ATTEST base;
    uint8_t pqn[4];
} fixture;

static void fixture_load(fixture *f)
{
    tu_quote_load(summary, "swtpm-ubuntu2104-ima", &f->c);
    memset(&f->base, 0, sizeof(f->base));
    size_t off = 0;
    assert_int_equal(Tss2_MU_TPMS_ATTEST_Unmarshal(f->c.attest, f->c.attest_len, &off, &f->base),
                     TSS2_RC_SUCCESS);
    /* our AK is an endorsement primary: its qualified name */
    att__tpm_hierarchy_qn(ATT_TPM_RH_ENDORSEMENT, f->pqn);
    size_t qn_len = 0;
    assert_int_equal(att__tpm_qualified_name(ak.name_alg, f->pqn, 4, ak.name, ak.name_len,
                                             f->base.qualifiedSigner.name, &qn_len),
                     ATT_OK);
    f->base.qualifiedSigner.size = (UINT16)qn_len;
}

/* The test AK's RSASSA signature of a with its sigAlg field rewritten to alg (ECDSA, HMAC,
 * NULL): the body is then read as that algorithm's and must not be accepted. */
static int raw_sig_alg(fixture *f, uint16_t alg)
{
    uint8_t abuf[1024], sbuf[1024];
    size_t an = 0, sn = 0;
    assert_int_equal(Tss2_MU_TPMS_ATTEST_Marshal(&f->base, abuf, sizeof(abuf), &an),
                     TSS2_RC_SUCCESS);
    uint8_t *sig = NULL;
    size_t siglen = 0;
    assert_int_equal(att__rsa_pkcs1_sign(key, ATT_HASH_SHA256, abuf, an, &sig, &siglen), ATT_OK);
    sbuf[0] = (uint8_t)(alg >> 8);
    sbuf[1] = (uint8_t)alg;
    sbuf[2] = 0x00;
    sbuf[3] = 0x0b;
    sbuf[4] = (uint8_t)(siglen >> 8);
    sbuf[5] = (uint8_t)siglen;
    memcpy(sbuf + 6, sig, siglen);
    sn = 6 + siglen;
    free(sig);
    att__tpm_quote_opts o = tu_quote_opts(&f->c);
    att_diag d;
    att_diag_clear(&d);
    int rc = att__tpm_quote_verify(abuf, an, sbuf, sn, &ak, f->c.nonce, f->c.nonce_len, &f->c.pcrs,
                                   &o, NULL, &d);
    if (rc != ATT_OK)
        assert_true(!strncmp(d.reason, "tpm.signature", 13));
    return rc;
}

/* Marshals a, signs it with the test AK (RSASSA-SHA256, then sig_alg/hash written into the
 * TPMT_SIGNATURE as given), verifies; returns rc and fills d / res. */
static int sign_verify(fixture *f, const TPMS_ATTEST *a, uint16_t sig_alg, uint16_t sig_hash,
                       int flip_sig, att__tpm_quote_result *res, att_diag *d)
{
    uint8_t abuf[1024], sbuf[1024];
    size_t an = 0, sn = 0;
    assert_int_equal(Tss2_MU_TPMS_ATTEST_Marshal(a, abuf, sizeof(abuf), &an), TSS2_RC_SUCCESS);
    uint8_t *sig = NULL;
    size_t siglen = 0;
    assert_int_equal(att__rsa_pkcs1_sign(key, ATT_HASH_SHA256, abuf, an, &sig, &siglen), ATT_OK);
    TPMT_SIGNATURE s;
    memset(&s, 0, sizeof(s));
    s.sigAlg = sig_alg;
    s.signature.rsassa.hash = sig_hash;
    s.signature.rsassa.sig.size = (UINT16)siglen;
    memcpy(s.signature.rsassa.sig.buffer, sig, siglen);
    free(sig);
    if (flip_sig)
        s.signature.rsassa.sig.buffer[flip_sig % siglen] ^= 0x40;
    assert_int_equal(Tss2_MU_TPMT_SIGNATURE_Marshal(&s, sbuf, sizeof(sbuf), &sn), TSS2_RC_SUCCESS);
    att__tpm_quote_opts o = tu_quote_opts(&f->c);
    o.signer_parent_qn = f->pqn;
    o.signer_parent_qn_len = 4;
    att_diag_clear(d);
    return att__tpm_quote_verify(abuf, an, sbuf, sn, &ak, f->c.nonce, f->c.nonce_len, &f->c.pcrs,
                                 &o, res, d);
}

static void expect(fixture *f, const TPMS_ATTEST *a, int want_rc, const char *reason)
{
    att_diag d;
    att__tpm_quote_result r;
    int rc = sign_verify(f, a, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, 0, &r, &d);
    if (rc != want_rc || (reason && strcmp(d.reason, reason) != 0))
        fail_msg("want %d %s, got %d %s: %s", want_rc, reason ? reason : "", rc, d.reason,
                 d.message);
}

static void test_resigned_fields(void **state)
{
    (void)state;
    fixture f;
    fixture_load(&f);
    TPMS_ATTEST a = f.base;
    att_diag d;
    att__tpm_quote_result r;
    /* the unaltered quote, re-signed by the test AK, verifies */
    assert_int_equal(sign_verify(&f, &a, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, 0, &r, &d), ATT_OK);
    assert_int_equal(r.signer_checked, 1);
    assert_int_equal(r.pcrs_checked, 1);

    a.magic ^= 1;
    expect(&f, &a, ATT_EMISMATCH, "tpm.quote.magic");
    a = f.base;
    a.type = TPM2_ST_ATTEST_TIME;
    memset(&a.attested, 0, sizeof(a.attested));
    expect(&f, &a, ATT_EMISMATCH, "tpm.quote.type");
    a = f.base;
    a.qualifiedSigner.name[5] ^= 1;
    expect(&f, &a, ATT_EMISMATCH, "tpm.quote.qualified_signer");
    a = f.base;
    a.extraData.buffer[0] ^= 1;
    expect(&f, &a, ATT_EMISMATCH, "tpm.quote.extra_data");
    a.extraData.size = 0;
    expect(&f, &a, ATT_EMISMATCH, "tpm.quote.extra_data");
    a = f.base;
    a.clockInfo.safe = 0;
    expect(&f, &a, ATT_EMISMATCH, "tpm.quote.clock_safe");
    a = f.base;
    a.attested.quote.pcrDigest.buffer[31] ^= 1;
    expect(&f, &a, ATT_EMISMATCH, "tpm.quote.pcr_digest");
    a.attested.quote.pcrDigest.size = 20;
    expect(&f, &a, ATT_EMISMATCH, "tpm.quote.pcr_digest");
    a = f.base;
    a.attested.quote.pcrSelect.pcrSelections[1].pcrSelect[2] |= 0x80; /* + sha256 PCR 23 */
    expect(&f, &a, ATT_ENOTFOUND, "tpm.pcrs.missing");
    a = f.base;
    a.attested.quote.pcrSelect.pcrSelections[0].pcrSelect[0] &= 0xfe; /* - sha1 PCR 0 */
    expect(&f, &a, ATT_EMISMATCH, "tpm.pcrs.not_quoted");
    a = f.base;
    a.attested.quote.pcrSelect.pcrSelections[0].hash = TPM2_ALG_SHA384;
    expect(&f, &a, ATT_EMISMATCH, "tpm.pcrs.not_quoted");
    a = f.base;
    a.attested.quote.pcrSelect.pcrSelections[1].hash = TPM2_ALG_SHA1; /* one bank twice */
    expect(&f, &a, ATT_EPARSE, "tpm.quote.pcr_select");
    a = f.base;
    a.attested.quote.pcrSelect.pcrSelections[0].hash = 0x0012; /* SM3 */
    expect(&f, &a, ATT_EUNSUPPORTED, "tpm.quote.pcr_select");
    a = f.base;
    a.attested.quote.pcrSelect.count = 1; /* sha1 only: the sha256 values were not quoted */
    expect(&f, &a, ATT_EMISMATCH, "tpm.pcrs.not_quoted");

    /* claims follow the signed fields */
    a = f.base;
    a.clockInfo.clock = 123456789;
    a.clockInfo.resetCount = 77;
    a.clockInfo.restartCount = 5;
    a.firmwareVersion = 0x1122334455667788ull;
    assert_int_equal(sign_verify(&f, &a, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, 0, &r, &d), ATT_OK);
    assert_true(r.quote.clock == 123456789);
    assert_int_equal(r.quote.reset_count, 77);
    assert_int_equal(r.quote.restart_count, 5);
    assert_true(r.quote.firmware_version == 0x1122334455667788ull);

    /* the signature header and value */
    a = f.base;
    assert_int_equal(sign_verify(&f, &a, TPM2_ALG_RSAPSS, TPM2_ALG_SHA256, 0, &r, &d),
                     ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.signature.scheme");
    assert_int_equal(sign_verify(&f, &a, TPM2_ALG_RSASSA, TPM2_ALG_SHA384, 0, &r, &d),
                     ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.signature.scheme");
    assert_int_equal(sign_verify(&f, &a, TPM2_ALG_RSASSA, TPM2_ALG_SHA1, 0, &r, &d),
                     ATT_EUNSUPPORTED);
    assert_string_equal(d.reason, "tpm.signature.hash");
    for (int k = 1; k < 256; k += 37) {
        assert_int_equal(sign_verify(&f, &a, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, k, &r, &d),
                         ATT_ESIG);
        assert_string_equal(d.reason, "tpm.signature");
        assert_non_null(strstr(d.message, "does not verify with AK 000b"));
    }

    assert_int_equal(raw_sig_alg(&f, TPM2_ALG_RSASSA), ATT_OK); /* the control */
    assert_int_not_equal(raw_sig_alg(&f, TPM2_ALG_ECDSA), ATT_OK);
    assert_int_not_equal(raw_sig_alg(&f, TPM2_ALG_HMAC), ATT_OK);
    assert_int_not_equal(raw_sig_alg(&f, TPM2_ALG_NULL), ATT_OK);
    assert_int_not_equal(raw_sig_alg(&f, TPM2_ALG_ECDAA), ATT_OK);
    assert_int_not_equal(raw_sig_alg(&f, TPM2_ALG_SM2), ATT_OK);

    /* an AK without a fixed scheme, or unrestricted, is refused before its signature counts */
    uint16_t scheme = ak.scheme;
    ak.scheme = ATT_TPM_ALG_NULL;
    assert_int_equal(sign_verify(&f, &a, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, 0, &r, &d),
                     ATT_EUNSUPPORTED);
    assert_string_equal(d.reason, "tpm.ak.scheme");
    ak.scheme = scheme;
    ak.attributes &= ~ATT_TPMA_RESTRICTED;
    assert_int_equal(sign_verify(&f, &a, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, 0, &r, &d),
                     ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.ak.attributes");
    assert_non_null(strstr(d.message, "restricted must be set"));
    ak.attributes |= ATT_TPMA_RESTRICTED;
    tu_quote_free(&f.c);
}

/* The diagnostics read as the brief promises, for the log and the HTTP error. */
static void test_messages(void **state)
{
    (void)state;
    fixture f;
    fixture_load(&f);
    TPMS_ATTEST a = f.base;
    att_diag d;
    att__tpm_quote_result r;
    a.attested.quote.pcrDigest.buffer[0] ^= 0xff;
    assert_int_equal(sign_verify(&f, &a, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, 0, &r, &d),
                     ATT_EMISMATCH);
    assert_string_equal(d.message,
                        "pcrDigest mismatch: quote says 808eadb2.. but PCRs "
                        "0,1,2,3,4,5,6,7,8,9,10,14 (sha1) + 0,1,2,3,4,5,6,7,8,9,10,14 (sha256) "
                        "hash to 7f8eadb2..");
    a = f.base;
    a.extraData.buffer[0] ^= 0xff;
    assert_int_equal(sign_verify(&f, &a, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, 0, &r, &d),
                     ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "extraData (nonce) mismatch"));
    assert_string_equal(d.field, "extraData");
    assert_string_equal(d.expected, "6ff1afd778a33fd3c01e6e2cb95e26f48ecbdc1e");
    tu_quote_free(&f.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bit_flips_and_truncation),
        cmocka_unit_test(test_resigned_fields),
        cmocka_unit_test(test_messages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
