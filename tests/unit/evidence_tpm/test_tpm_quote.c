/* Unit tests for TPM quote verification driven by
 * ../shared/vectors/tpm/expected/quotes_summary.json: every quote verifies with its nonce and
 * PCR values and decodes to the summary's fields; wrong nonces, PCR values, AKs, selections,
 * qualified names and algorithms fail with the check that names them. */
#include "quote_tu.h"

#include "core/codec.h"

static json_t *summary;

static int setup(void **state)
{
    (void)state;
    summary = tu_quote_summary();
    return summary ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(summary);
    return 0;
}

static void hex_eq(const uint8_t *p, size_t n, const char *want, const char *what)
{
    char got[2 * 128 + 1];
    assert_true(n <= 128);
    att__hex_encode(p, n, 0, got);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got %s, want %s", what, got, want);
}

static uint64_t hexnum(const char *s)
{
    return (uint64_t)strtoull(s, NULL, 16);
}

/* The Qualified Name of the AK's parent, when the vector tells how the AK was created:
 * GCE AKs are endorsement-hierarchy primaries; swtpm AKs are children of the EK. 0 when
 * unknown (Windows). */
static size_t parent_qn(const tu_quote_case *c, uint8_t *out)
{
    const char *is = json_string_value(json_object_get(c->entry, "qualifiedSigner_is"));
    if (is && strstr(is, "primary AK in the endorsement hierarchy")) {
        att__tpm_hierarchy_qn(ATT_TPM_RH_ENDORSEMENT, out);
        return 4;
    }
    const char *q = tu_jstr(c->entry, "quote");
    if (strncmp(q, "swtpm-", 6) != 0)
        return 0;
    char rel[256];
    const char *slash = strchr(q, '/');
    snprintf(rel, sizeof(rel), "%.*s/ek.pub", (int)(slash - q), q);
    size_t n;
    uint8_t *b = tu_quote_file(rel, &n);
    att__tpm_public ek;
    assert_int_equal(att__tpm_public_parse(b, n, ATT_TPM_PUBLIC_AUTO, &ek, NULL), ATT_OK);
    free(b);
    const char *ek_name = json_string_value(json_object_get(c->entry, "ek_name"));
    if (ek_name)
        hex_eq(ek.name, ek.name_len, ek_name, "EK name");
    uint8_t h[4];
    att__tpm_hierarchy_qn(ATT_TPM_RH_ENDORSEMENT, h);
    size_t len = 0;
    assert_int_equal(att__tpm_qualified_name(ek.name_alg, h, 4, ek.name, ek.name_len, out, &len),
                     ATT_OK);
    att__tpm_public_clear(&ek);
    return len;
}

static void check_case(const char *id)
{
    tu_quote_case c;
    tu_quote_load(summary, id, &c);
    const json_t *e = c.entry;
    assert_true(json_is_true(json_object_get(e, "signature_verifies")));

    /* the AK */
    const json_t *ak = json_object_get(e, "ak");
    assert_int_equal(c.ak.type,
                     strcmp(tu_jstr(ak, "type"), "RSA") == 0 ? ATT_TPM_ALG_RSA : ATT_TPM_ALG_ECC);
    assert_int_equal(c.ak.name_alg, hexnum(tu_jstr(ak, "nameAlg")));
    assert_int_equal(c.ak.attributes, hexnum(tu_jstr(ak, "objectAttributes")));
    assert_int_equal(c.ak.scheme, hexnum(tu_jstr(ak, "scheme")));
    assert_int_equal(c.ak.scheme_hash, hexnum(tu_jstr(ak, "schemeHash")));
    hex_eq(c.ak.name, c.ak.name_len, tu_jstr(ak, "name"), "AK name");

    att__tpm_quote_opts o = tu_quote_opts(&c);
    uint8_t pqn[ATT_TPM_NAME_MAX];
    size_t pqn_len = parent_qn(&c, pqn);
    if (pqn_len) {
        o.signer_parent_qn = pqn;
        o.signer_parent_qn_len = pqn_len;
    }
    /* every quoted PCR is required */
    o.n_required = c.pcrs.n_banks;
    memcpy(o.required, c.pcrs.banks, sizeof(c.pcrs.banks));

    att__tpm_quote_result r;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__tpm_quote_verify(c.attest, c.attest_len, c.sig, c.sig_len, &c.ak, c.nonce,
                                   c.nonce_len, &c.pcrs, &o, &r, &d);
    if (rc != ATT_OK)
        fail_msg("%s: %s (%s)", id, d.message, d.reason);
    assert_int_equal(r.pcrs_checked, 1);
    assert_int_equal(r.signer_checked, pqn_len ? 1 : 0);

    const att__tpm_quote *q = &r.quote;
    assert_int_equal(q->magic, hexnum(tu_jstr(e, "magic")));
    assert_int_equal(q->type, hexnum(tu_jstr(e, "type")));
    hex_eq(q->qualified_signer, q->qualified_signer_len, tu_jstr(e, "qualifiedSigner"), id);
    hex_eq(q->extra_data, q->extra_data_len, tu_jstr(e, "extraData"), id);
    assert_true(q->clock == (uint64_t)json_number_value(json_object_get(e, "clock")));
    assert_int_equal(q->reset_count, (uint32_t)json_number_value(json_object_get(e, "resetCount")));
    assert_int_equal(q->restart_count,
                     (uint32_t)json_number_value(json_object_get(e, "restartCount")));
    assert_int_equal(q->safe, (int)json_number_value(json_object_get(e, "safe")));
    assert_true(q->firmware_version == hexnum(tu_jstr(e, "firmwareVersion")));
    hex_eq(q->pcr_digest, q->pcr_digest_len, tu_jstr(e, "pcrDigest"), id);
    assert_int_equal(q->n_sel, json_array_size(json_object_get(e, "pcrSelect")));
    for (size_t i = 0; i < q->n_sel; i++) {
        const json_t *s = json_array_get(json_object_get(e, "pcrSelect"), i);
        assert_int_equal(q->sel[i].hash_alg, tu_bank_alg(tu_jstr(s, "hash")));
        uint32_t mask = 0;
        size_t j;
        json_t *p;
        json_array_foreach(json_object_get(s, "pcrs"), j, p) mask |= 1u
                                                                     << (int)json_number_value(p);
        assert_int_equal(q->sel[i].mask, mask);
    }
    const char *alg = tu_jstr(e, "sigAlg");
    uint16_t want_alg = !strcmp(alg, "RSASSA")   ? ATT_TPM_ALG_RSASSA
                        : !strcmp(alg, "RSAPSS") ? ATT_TPM_ALG_RSAPSS
                                                 : ATT_TPM_ALG_ECDSA;
    assert_int_equal(r.sig.sig_alg, want_alg);
    assert_int_equal(r.sig.hash_alg, c.sig_hash);

    /* without PCR values: signature and nonce only */
    att_diag_clear(&d);
    assert_int_equal(att__tpm_quote_verify(c.attest, c.attest_len, c.sig, c.sig_len, &c.ak, c.nonce,
                                           c.nonce_len, NULL, &o, &r, &d),
                     ATT_OK);
    assert_int_equal(r.pcrs_checked, 0);
    tu_quote_free(&c);
}

static void test_all_vectors(void **state)
{
    (void)state;
    const char *id;
    json_t *v;
    size_t n = 0;
    json_object_foreach(summary, id, v)
    {
        check_case(id);
        n++;
    }
    assert_true(n >= 12);
}

/* Runs the verification of case id with a hook that alters the inputs; returns rc. */
static int verify_case(tu_quote_case *c, const att__tpm_quote_opts *o, att_diag *d)
{
    att_diag_clear(d);
    return att__tpm_quote_verify(c->attest, c->attest_len, c->sig, c->sig_len, &c->ak, c->nonce,
                                 c->nonce_len, &c->pcrs, o, NULL, d);
}

static void test_wrong_nonce(void **state)
{
    (void)state;
    const char *id;
    json_t *v;
    json_object_foreach(summary, id, v)
    {
        tu_quote_case c;
        tu_quote_load(summary, id, &c);
        att__tpm_quote_opts o = tu_quote_opts(&c);
        att_diag d;
        /* another nonce of the same length, one longer, and (for empty nonces) a real one */
        if (c.nonce_len)
            c.nonce[c.nonce_len - 1] ^= 1;
        else {
            free(c.nonce);
            c.nonce = malloc(16);
            memset(c.nonce, 0xab, 16);
            c.nonce_len = 16;
        }
        assert_int_equal(verify_case(&c, &o, &d), ATT_EMISMATCH);
        assert_string_equal(d.reason, "tpm.quote.extra_data");
        assert_non_null(strstr(d.message, "extraData (nonce) mismatch"));
        if (c.nonce_len > 1) {
            c.nonce[c.nonce_len - 1] ^= 1;
            c.nonce_len--; /* a prefix of the right nonce */
            assert_int_equal(verify_case(&c, &o, &d), ATT_EMISMATCH);
            assert_string_equal(d.reason, "tpm.quote.extra_data");
        }
        tu_quote_free(&c);
    }
}

static void test_wrong_pcr_values(void **state)
{
    (void)state;
    const char *id;
    json_t *v;
    json_object_foreach(summary, id, v)
    {
        tu_quote_case c;
        tu_quote_load(summary, id, &c);
        att__tpm_quote_opts o = tu_quote_opts(&c);
        att_diag d;
        /* one bit of the last quoted PCR of the last bank */
        size_t b = c.pcrs.n_banks - 1;
        unsigned last = 0;
        for (unsigned i = 0; i < ATT_TPM_MAX_PCRS; i++)
            if (c.pcrs.banks[b].mask & (1u << i))
                last = i;
        c.pcrs.values[b][last][3] ^= 0x10;
        assert_int_equal(verify_case(&c, &o, &d), ATT_EMISMATCH);
        assert_string_equal(d.reason, "tpm.quote.pcr_digest");
        assert_non_null(strstr(d.message, "pcrDigest mismatch: quote says "));
        assert_non_null(strstr(d.message, att__tpm_alg_name(c.pcrs.banks[b].hash_alg)));
        assert_string_equal(d.expected, tu_jstr(c.entry, "pcrDigest"));
        c.pcrs.values[b][last][3] ^= 0x10;

        /* a quoted PCR left out */
        c.pcrs.banks[b].mask &= ~(1u << last);
        assert_int_equal(verify_case(&c, &o, &d), ATT_ENOTFOUND);
        assert_string_equal(d.reason, "tpm.pcrs.missing");
        c.pcrs.banks[b].mask |= 1u << last;

        /* a PCR value that the quote does not cover: another bank */
        uint8_t z[64] = {0};
        att__tpm_pcrs extra = c.pcrs;
        uint16_t other = ATT_TPM_ALG_SHA512;
        assert_int_equal(att__tpm_pcrs_set(&extra, other, 0, z, 64), ATT_OK);
        att__tpm_pcrs keep = c.pcrs;
        c.pcrs = extra;
        assert_int_equal(verify_case(&c, &o, &d), ATT_EMISMATCH);
        assert_string_equal(d.reason, "tpm.pcrs.not_quoted");
        c.pcrs = keep;
        assert_int_equal(verify_case(&c, &o, &d), ATT_OK);
        tu_quote_free(&c);
    }
}

static void test_swtpm_unquoted_pcr(void **state)
{
    (void)state;
    tu_quote_case c;
    tu_quote_load(summary, "swtpm-ecc-pss/ecdsa", &c);
    att__tpm_quote_opts o = tu_quote_opts(&c);
    att_diag d;
    uint8_t z[32] = {0};
    assert_int_equal(att__tpm_pcrs_set(&c.pcrs, ATT_TPM_ALG_SHA256, 10, z, 32), ATT_OK);
    assert_int_equal(verify_case(&c, &o, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.pcrs.not_quoted");
    assert_non_null(strstr(d.message, "PCRs 10 (sha256)"));
    tu_quote_free(&c);

    /* a policy needing PCR 10 cannot use this quote (PCRs 0-7 only) */
    tu_quote_load(summary, "swtpm-ecc-pss/ecdsa", &c);
    o.n_required = 1;
    o.required[0].hash_alg = ATT_TPM_ALG_SHA256;
    o.required[0].mask = (1u << 7) | (1u << 10) | (1u << 14);
    assert_int_equal(verify_case(&c, &o, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.quote.pcr_select");
    assert_non_null(strstr(d.message, "PCRs 10,14 of the sha256 bank"));
    /* and another bank */
    o.required[0].hash_alg = ATT_TPM_ALG_SHA1;
    o.required[0].mask = 1;
    assert_int_equal(verify_case(&c, &o, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.quote.pcr_select");
    tu_quote_free(&c);
}

/* Each quote checked against the AK of every other vector: never accepted. */
static void test_wrong_ak(void **state)
{
    (void)state;
    const char *id, *id2;
    json_t *v, *v2;
    json_object_foreach(summary, id, v)
    {
        tu_quote_case c;
        tu_quote_load(summary, id, &c);
        json_object_foreach(summary, id2, v2)
        {
            tu_quote_case o2;
            tu_quote_load(summary, id2, &o2);
            if (c.ak.name_len == o2.ak.name_len &&
                memcmp(c.ak.name, o2.ak.name, c.ak.name_len) == 0) {
                tu_quote_free(&o2);
                continue;
            }
            att__tpm_quote_opts o = tu_quote_opts(&c);
            o.allow_sha1 = 1;
            att_diag d;
            att_diag_clear(&d);
            int rc = att__tpm_quote_verify(c.attest, c.attest_len, c.sig, c.sig_len, &o2.ak,
                                           c.nonce, c.nonce_len, &c.pcrs, &o, NULL, &d);
            assert_int_not_equal(rc, ATT_OK);
            assert_true(!strcmp(d.reason, "tpm.signature") ||
                        !strcmp(d.reason, "tpm.signature.scheme") ||
                        !strcmp(d.reason, "tpm.signature.alg"));
            tu_quote_free(&o2);
        }
        tu_quote_free(&c);
    }
}

static void test_sha1_needs_opt_in(void **state)
{
    (void)state;
    tu_quote_case c;
    tu_quote_load(summary, "windows-gcp-shielded-vm/sha1", &c);
    att__tpm_quote_opts o = tu_quote_opts(&c);
    att_diag d;
    assert_int_equal(verify_case(&c, &o, &d), ATT_OK);
    o.allow_sha1 = 0;
    assert_int_equal(verify_case(&c, &o, &d), ATT_EUNSUPPORTED);
    assert_string_equal(d.reason, "tpm.signature.hash");
    tu_quote_free(&c);
}

static void test_qualified_signer(void **state)
{
    (void)state;
    tu_quote_case c;
    tu_quote_load(summary, "gce-cos-85-nonce9009/sha256", &c);
    att__tpm_quote_opts o = tu_quote_opts(&c);
    att_diag d;
    uint8_t h[4];
    /* the GCE AK is an endorsement primary: QN(owner) is wrong, and so is its plain Name */
    att__tpm_hierarchy_qn(ATT_TPM_RH_OWNER, h);
    o.signer_parent_qn = h;
    o.signer_parent_qn_len = 4;
    assert_int_equal(verify_case(&c, &o, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.quote.qualified_signer");
    assert_string_equal(d.found, tu_jstr(c.entry, "qualifiedSigner"));
    att__tpm_hierarchy_qn(ATT_TPM_RH_ENDORSEMENT, h);
    assert_int_equal(verify_case(&c, &o, &d), ATT_OK);
    char name[2 * ATT_TPM_NAME_MAX + 1];
    att__hex_encode(c.ak.name, c.ak.name_len, 0, name);
    assert_string_not_equal(name, tu_jstr(c.entry, "qualifiedSigner"));
    tu_quote_free(&c);
}

static void test_ak_attributes(void **state)
{
    (void)state;
    tu_quote_case c;
    tu_quote_load(summary, "swtpm-ubuntu2104-ima", &c);
    att__tpm_quote_opts o = tu_quote_opts(&c);
    att_diag d;
    static const uint32_t bits[] = {ATT_TPMA_RESTRICTED, ATT_TPMA_SIGN, ATT_TPMA_FIXED_TPM,
                                    ATT_TPMA_FIXED_PARENT, ATT_TPMA_SENSITIVE_DATA_ORIGIN};
    uint32_t orig = c.ak.attributes;
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        c.ak.attributes = orig & ~bits[i];
        assert_int_equal(verify_case(&c, &o, &d), ATT_EMISMATCH);
        assert_string_equal(d.reason, "tpm.ak.attributes");
    }
    c.ak.attributes = orig | ATT_TPMA_DECRYPT;
    assert_int_equal(verify_case(&c, &o, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "tpm.ak.attributes");
    /* skip_ak_check: for keys whose attributes were checked at enrollment */
    o.skip_ak_check = 1;
    assert_int_equal(verify_case(&c, &o, &d), ATT_OK);
    tu_quote_free(&c);
}

static void test_public_encodings(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = tu_quote_file("swtpm-ecc-pss/akecc.pub", &n); /* TPM2B_PUBLIC */
    att__tpm_public a, t;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_public_parse(b, n, ATT_TPM_PUBLIC_TPM2B, &a, &d), ATT_OK);
    assert_int_equal(att__tpm_public_parse(b + 2, n - 2, ATT_TPM_PUBLIC_TPMT, &t, &d), ATT_OK);
    assert_memory_equal(a.name, t.name, a.name_len);
    assert_int_equal(a.curve, ATT_TPM_ECC_NIST_P256);
    att__tpm_public_clear(&t);
    /* a TPM2B read as a bare TPMT, and trailing garbage, are refused */
    assert_int_not_equal(att__tpm_public_parse(b, n, ATT_TPM_PUBLIC_TPMT, &t, &d), ATT_OK);
    uint8_t *longer = malloc(n + 1);
    memcpy(longer, b + 2, n - 2);
    longer[n - 2] = 0;
    att_diag_clear(&d);
    assert_int_equal(att__tpm_public_parse(longer, n - 1, ATT_TPM_PUBLIC_TPMT, &t, &d), ATT_EPARSE);
    assert_string_equal(d.reason, "tpm.public.trailing");
    /* a point off the curve */
    memcpy(longer, b + 2, n - 2);
    longer[n - 3] ^= 1;
    att_diag_clear(&d);
    assert_int_not_equal(att__tpm_public_parse(longer, n - 2, ATT_TPM_PUBLIC_TPMT, &t, &d), ATT_OK);
    assert_string_equal(d.reason, "tpm.public.key");
    assert_null(t.key);
    free(longer);
    att__tpm_public_clear(&a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_vectors),      cmocka_unit_test(test_wrong_nonce),
        cmocka_unit_test(test_wrong_pcr_values), cmocka_unit_test(test_swtpm_unquoted_pcr),
        cmocka_unit_test(test_wrong_ak),         cmocka_unit_test(test_sha1_needs_opt_in),
        cmocka_unit_test(test_qualified_signer), cmocka_unit_test(test_ak_attributes),
        cmocka_unit_test(test_public_encodings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
