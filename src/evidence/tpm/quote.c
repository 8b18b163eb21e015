/* TPM 2.0 quote verification (quote.h): TPMS_ATTEST and TPMT_SIGNATURE parsing with
 * libtss2-mu, the AK's signature, nonce, qualifiedSigner, PCR selection and pcrDigest. */
#include "evidence/tpm/quote.h"

#include <stdio.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "core/codec.h"

/* Bytes of a TPMS_PCR_SELECT bitmap we understand: 24 PCRs. A 4th byte may be present
 * (tss2 allows up to TPM2_PCR_SELECT_MAX) but must select nothing. */
#define SELECT_BYTES 3

/* "5a1b2c3d.." for messages; full hex goes into expected/found. */
static void hex_short(const uint8_t *p, size_t n, char *out, size_t cap)
{
    char full[2 * ATT_HASH_MAX + 1];
    size_t k = n > ATT_HASH_MAX ? ATT_HASH_MAX : n;
    att__hex_encode(p, k, 0, full);
    if (k > 4)
        snprintf(out, cap, "%.8s..", full);
    else
        snprintf(out, cap, "%s", k ? full : "(empty)");
}

static void hex_full(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t k = (cap - 1) / 2;
    if (n < k)
        k = n;
    att__hex_encode(p, k, 0, out);
}

/* "0,1,7" */
static void pcr_list(uint32_t mask, char *out, size_t cap)
{
    size_t w = 0;
    out[0] = 0;
    for (unsigned i = 0; i < ATT_TPM_MAX_PCRS && w + 4 < cap; i++)
        if (mask & (1u << i)) {
            int k = snprintf(out + w, cap - w, "%s%u", w ? "," : "", i);
            if (k < 0)
                break;
            w += (size_t)k;
        }
    if (!w)
        snprintf(out, cap, "none");
}

int att__tpm_attest_parse(const uint8_t *buf, size_t n, att__tpm_quote *out, att_diag *d)
{
    if (!out)
        return ATT_EINVAL;
    memset(out, 0, sizeof(*out));
    if (!buf || n == 0)
        return att_diag_fail(d, ATT_EINVAL, "tpm.quote.missing", "quote", "TPM quote is empty");
    if (n > ATT_TPM_ATTEST_MAX)
        return att_diag_fail(d, ATT_ELIMIT, "tpm.quote.size", "quote",
                             "TPMS_ATTEST of %zu bytes exceeds %d", n, ATT_TPM_ATTEST_MAX);
    TPMS_ATTEST a;
    memset(&a, 0, sizeof(a));
    size_t off = 0;
    if (Tss2_MU_TPMS_ATTEST_Unmarshal(buf, n, &off, &a) != TSS2_RC_SUCCESS)
        return att_diag_fail(d, ATT_EPARSE, "tpm.quote.malformed", "TPMS_ATTEST",
                             "TPMS_ATTEST is malformed (%zu bytes)", n);
    if (off != n)
        return att_diag_fail(d, ATT_EPARSE, "tpm.quote.trailing", "TPMS_ATTEST",
                             "TPMS_ATTEST: %zu trailing bytes after the structure", n - off);
    out->magic = a.magic;
    out->type = a.type;
    if (a.qualifiedSigner.size > sizeof(out->qualified_signer) ||
        a.extraData.size > sizeof(out->extra_data))
        return att_diag_fail(d, ATT_EPARSE, "tpm.quote.malformed", "TPMS_ATTEST",
                             "TPMS_ATTEST: qualifiedSigner or extraData too long");
    memcpy(out->qualified_signer, a.qualifiedSigner.name, a.qualifiedSigner.size);
    out->qualified_signer_len = a.qualifiedSigner.size;
    memcpy(out->extra_data, a.extraData.buffer, a.extraData.size);
    out->extra_data_len = a.extraData.size;
    out->clock = a.clockInfo.clock;
    out->reset_count = a.clockInfo.resetCount;
    out->restart_count = a.clockInfo.restartCount;
    out->safe = a.clockInfo.safe;
    out->firmware_version = a.firmwareVersion;
    if (a.type == TPM2_ST_ATTEST_CERTIFY) {
        const TPMS_CERTIFY_INFO *ci = &a.attested.certify;
        if (ci->name.size > sizeof(out->certified_name) ||
            ci->qualifiedName.size > sizeof(out->certified_qn))
            return att_diag_fail(d, ATT_EPARSE, "tpm.quote.malformed", "TPMS_CERTIFY_INFO",
                                 "TPMS_CERTIFY_INFO: name too long");
        memcpy(out->certified_name, ci->name.name, ci->name.size);
        out->certified_name_len = ci->name.size;
        memcpy(out->certified_qn, ci->qualifiedName.name, ci->qualifiedName.size);
        out->certified_qn_len = ci->qualifiedName.size;
        return ATT_OK;
    }
    if (a.type == TPM2_ST_ATTEST_CREATION) {
        const TPMS_CREATION_INFO *ci = &a.attested.creation;
        if (ci->objectName.size > sizeof(out->creation_name) ||
            ci->creationHash.size > sizeof(out->creation_hash))
            return att_diag_fail(d, ATT_EPARSE, "tpm.quote.malformed", "TPMS_CREATION_INFO",
                                 "TPMS_CREATION_INFO: name or hash too long");
        memcpy(out->creation_name, ci->objectName.name, ci->objectName.size);
        out->creation_name_len = ci->objectName.size;
        memcpy(out->creation_hash, ci->creationHash.buffer, ci->creationHash.size);
        out->creation_hash_len = ci->creationHash.size;
        return ATT_OK;
    }
    if (a.type != TPM2_ST_ATTEST_QUOTE)
        return ATT_OK;

    const TPML_PCR_SELECTION *ps = &a.attested.quote.pcrSelect;
    if (ps->count > ATT_TPM_MAX_BANKS)
        return att_diag_fail(d, ATT_ELIMIT, "tpm.quote.pcr_select", "pcrSelect.count",
                             "quote selects %u PCR banks (at most %d)", (unsigned)ps->count,
                             ATT_TPM_MAX_BANKS);
    for (uint32_t i = 0; i < ps->count; i++) {
        const TPMS_PCR_SELECTION *s = &ps->pcrSelections[i];
        uint32_t mask = 0;
        for (unsigned b = 0; b < s->sizeofSelect; b++) {
            if (b >= SELECT_BYTES) {
                if (s->pcrSelect[b])
                    return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.quote.pcr_select", "pcrSelect",
                                         "quote selects PCRs above 23");
                continue;
            }
            mask |= (uint32_t)s->pcrSelect[b] << (8 * b);
        }
        if (!att__tpm_hash_alg(s->hash))
            return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.quote.pcr_select", "pcrSelect.hash",
                                 "quote selects PCR bank 0x%04x, which is not supported",
                                 (unsigned)s->hash);
        for (uint32_t j = 0; j < i; j++)
            if (out->sel[j].hash_alg == s->hash)
                return att_diag_fail(d, ATT_EPARSE, "tpm.quote.pcr_select", "pcrSelect.hash",
                                     "quote selects the %s bank twice", att__tpm_alg_name(s->hash));
        out->sel[i].hash_alg = s->hash;
        out->sel[i].mask = mask;
    }
    out->n_sel = ps->count;
    const TPM2B_DIGEST *pd = &a.attested.quote.pcrDigest;
    if (pd->size > sizeof(out->pcr_digest))
        return att_diag_fail(d, ATT_EPARSE, "tpm.quote.pcr_digest", "pcrDigest",
                             "pcrDigest of %u bytes", (unsigned)pd->size);
    memcpy(out->pcr_digest, pd->buffer, pd->size);
    out->pcr_digest_len = pd->size;
    return ATT_OK;
}

int att__tpm_sig_parse(const uint8_t *buf, size_t n, att__tpm_sig *out, att_diag *d)
{
    if (!out)
        return ATT_EINVAL;
    memset(out, 0, sizeof(*out));
    if (!buf || n == 0)
        return att_diag_fail(d, ATT_EINVAL, "tpm.signature.missing", "signature",
                             "TPM quote signature is empty");
    if (n > ATT_TPM_SIGNATURE_MAX)
        return att_diag_fail(d, ATT_ELIMIT, "tpm.signature.size", "signature",
                             "TPMT_SIGNATURE of %zu bytes exceeds %d", n, ATT_TPM_SIGNATURE_MAX);
    TPMT_SIGNATURE s;
    memset(&s, 0, sizeof(s));
    size_t off = 0;
    if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(buf, n, &off, &s) != TSS2_RC_SUCCESS)
        return att_diag_fail(d, ATT_EPARSE, "tpm.signature.malformed", "TPMT_SIGNATURE",
                             "TPMT_SIGNATURE is malformed (%zu bytes)", n);
    if (off != n)
        return att_diag_fail(d, ATT_EPARSE, "tpm.signature.trailing", "TPMT_SIGNATURE",
                             "TPMT_SIGNATURE: %zu trailing bytes after the structure", n - off);
    out->sig_alg = s.sigAlg;
    switch (s.sigAlg) {
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS: {
        const TPMS_SIGNATURE_RSA *r =
            s.sigAlg == TPM2_ALG_RSASSA ? &s.signature.rsassa : &s.signature.rsapss;
        out->hash_alg = r->hash;
        if (r->sig.size == 0 || r->sig.size > sizeof(out->sig))
            return att_diag_fail(d, ATT_EPARSE, "tpm.signature.malformed", "signature.sig",
                                 "RSA signature of %u bytes", (unsigned)r->sig.size);
        memcpy(out->sig, r->sig.buffer, r->sig.size);
        out->sig_len = r->sig.size;
        break;
    }
    case TPM2_ALG_ECDSA: {
        const TPMS_SIGNATURE_ECC *e = &s.signature.ecdsa;
        out->hash_alg = e->hash;
        size_t rl = e->signatureR.size, sl = e->signatureS.size;
        size_t k = rl > sl ? rl : sl;
        if (rl == 0 || sl == 0 || 2 * k > sizeof(out->sig))
            return att_diag_fail(d, ATT_EPARSE, "tpm.signature.malformed", "signature.ecdsa",
                                 "ECDSA signature with r of %zu and s of %zu bytes", rl, sl);
        memcpy(out->sig + (k - rl), e->signatureR.buffer, rl);
        memcpy(out->sig + k + (k - sl), e->signatureS.buffer, sl);
        out->rs_len = k;
        out->sig_len = 2 * k;
        break;
    }
    default:
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.signature.alg", "signature.sigAlg",
                             "signature algorithm %s (0x%04x) is not accepted for quotes "
                             "(RSASSA, RSAPSS, ECDSA)",
                             att__tpm_alg_name(s.sigAlg), (unsigned)s.sigAlg);
    }
    if (!att__tpm_hash_alg(out->hash_alg))
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.signature.hash", "signature.hash",
                             "signature hash 0x%04x is not supported", (unsigned)out->hash_alg);
    return ATT_OK;
}

/* ECDSA r||s of the key's field size: strip or pad to field bytes each. */
static int ecdsa_fit(const att__tpm_sig *sig, size_t field, uint8_t *rs)
{
    size_t k = sig->rs_len;
    for (int half = 0; half < 2; half++) {
        const uint8_t *p = sig->sig + half * k;
        size_t len = k;
        while (len > field && *p == 0) {
            p++;
            len--;
        }
        if (len > field)
            return ATT_ESIG;
        memset(rs + half * field, 0, field - len);
        memcpy(rs + half * field + field - len, p, len);
    }
    return ATT_OK;
}

int att__tpm_sig_verify(const att__tpm_public *key, const att__tpm_sig *sig, const uint8_t *msg,
                        size_t n, att_diag *d)
{
    if (!key || !key->key || !sig || !msg)
        return ATT_EINVAL;
    int rsa_sig = sig->sig_alg == ATT_TPM_ALG_RSASSA || sig->sig_alg == ATT_TPM_ALG_RSAPSS;
    if ((key->type == ATT_TPM_ALG_RSA) != rsa_sig)
        return att_diag_fail(d, ATT_EMISMATCH, "tpm.signature.alg", "signature.sigAlg",
                             "signature algorithm %s does not fit the AK's %s key",
                             att__tpm_alg_name(sig->sig_alg), att__tpm_alg_name(key->type));
    if (key->scheme != ATT_TPM_ALG_NULL &&
        (key->scheme != sig->sig_alg || key->scheme_hash != sig->hash_alg)) {
        char want[32], got[32];
        snprintf(want, sizeof(want), "%s-%s", att__tpm_alg_name(key->scheme),
                 att__tpm_alg_name(key->scheme_hash));
        snprintf(got, sizeof(got), "%s-%s", att__tpm_alg_name(sig->sig_alg),
                 att__tpm_alg_name(sig->hash_alg));
        att_diag_fail(d, ATT_EMISMATCH, "tpm.signature.scheme", "signature.sigAlg",
                      "signature scheme %s differs from the AK's scheme %s", got, want);
        att_diag_expect(d, want, got);
        return ATT_EMISMATCH;
    }
    att__hash_alg h = att__tpm_hash_alg(sig->hash_alg);
    if (!h)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.signature.hash", "signature.hash",
                             "signature hash 0x%04x is not supported", (unsigned)sig->hash_alg);
    int rc;
    if (sig->sig_alg == ATT_TPM_ALG_RSASSA) {
        rc = att__rsa_pkcs1_verify(key->key, h, msg, n, sig->sig, sig->sig_len);
    } else if (sig->sig_alg == ATT_TPM_ALG_RSAPSS) {
        /* TPMs use salt = digest length (FIPS) or the maximum: accept any (auto-detect). */
        rc = att__rsa_pss_verify(key->key, h, msg, n, sig->sig, sig->sig_len, -2);
    } else {
        size_t field = key->curve == ATT_TPM_ECC_NIST_P384 ? 48 : 32;
        uint8_t rs[2 * 66];
        rc = ecdsa_fit(sig, field, rs);
        if (rc == ATT_OK)
            rc = att__ecdsa_verify_raw(key->key, h, msg, n, rs, 2 * field);
    }
    if (rc != ATT_OK) {
        char nm[2 * ATT_TPM_NAME_MAX + 1];
        if (key->name_len)
            hex_full(key->name, key->name_len, nm, sizeof(nm));
        else
            snprintf(nm, sizeof(nm), "(a %s key without TPM public area)",
                     att__tpm_alg_name(key->type));
        return att_diag_fail(d, rc == ATT_ESIG || rc == ATT_EINVAL ? ATT_ESIG : rc, "tpm.signature",
                             "signature", "quote signature (%s-%s) does not verify with AK %s",
                             att__tpm_alg_name(sig->sig_alg), att__tpm_alg_name(sig->hash_alg), nm);
    }
    return ATT_OK;
}

void att__tpm_pcrs_init(att__tpm_pcrs *p)
{
    if (p)
        memset(p, 0, sizeof(*p));
}

static int bank_index(const att__tpm_pcrs *p, uint16_t alg)
{
    for (size_t b = 0; b < p->n_banks; b++)
        if (p->banks[b].hash_alg == alg)
            return (int)b;
    return -1;
}

int att__tpm_pcrs_set(att__tpm_pcrs *p, uint16_t hash_alg, unsigned index, const uint8_t *value,
                      size_t len)
{
    att__hash_alg h = att__tpm_hash_alg(hash_alg);
    if (!p || !value || !h || index >= ATT_TPM_MAX_PCRS || len != att__hash_len(h))
        return ATT_EINVAL;
    int b = bank_index(p, hash_alg);
    if (b < 0) {
        if (p->n_banks >= ATT_TPM_MAX_BANKS)
            return ATT_ELIMIT;
        b = (int)p->n_banks++;
        p->banks[b].hash_alg = hash_alg;
        p->banks[b].mask = 0;
    }
    memcpy(p->values[b][index], value, len);
    p->banks[b].mask |= 1u << index;
    return ATT_OK;
}

const uint8_t *att__tpm_pcrs_get(const att__tpm_pcrs *p, uint16_t hash_alg, unsigned index,
                                 size_t *len)
{
    if (!p || index >= ATT_TPM_MAX_PCRS)
        return NULL;
    int b = bank_index(p, hash_alg);
    if (b < 0 || !(p->banks[b].mask & (1u << index)))
        return NULL;
    if (len)
        *len = att__hash_len(att__tpm_hash_alg(hash_alg));
    return p->values[b][index];
}

int att__tpm_pcr_digest(const att__tpm_pcrs *pcrs, const att__tpm_pcr_sel *sel, size_t n_sel,
                        att__hash_alg alg, uint8_t *out, att_diag *d)
{
    if (!pcrs || (!sel && n_sel) || !out)
        return ATT_EINVAL;
    att__hash_ctx *ctx = NULL;
    int rc = att__hash_new(alg, &ctx);
    if (rc != ATT_OK)
        return rc;
    for (size_t s = 0; s < n_sel && rc == ATT_OK; s++)
        for (unsigned i = 0; i < ATT_TPM_MAX_PCRS && rc == ATT_OK; i++) {
            if (!(sel[s].mask & (1u << i)))
                continue;
            size_t len = 0;
            const uint8_t *v = att__tpm_pcrs_get(pcrs, sel[s].hash_alg, i, &len);
            if (!v)
                rc = att_diag_fail(d, ATT_ENOTFOUND, "tpm.pcrs.missing", "pcrs",
                                   "PCR %u (%s) is quoted but its value was not supplied", i,
                                   att__tpm_alg_name(sel[s].hash_alg));
            else
                rc = att__hash_update(ctx, v, len);
        }
    if (rc == ATT_OK)
        rc = att__hash_final(ctx, out);
    att__hash_free(ctx);
    return rc;
}

/* Step 5 of att__tpm_quote_verify: the supplied PCRs are exactly the quoted ones and hash to
 * pcrDigest. */
static int check_pcrs(const att__tpm_quote *q, const att__tpm_pcrs *pcrs, att__hash_alg h,
                      att_diag *d)
{
    char list[96];
    for (size_t b = 0; b < pcrs->n_banks; b++) {
        uint32_t quoted = 0;
        for (size_t s = 0; s < q->n_sel; s++)
            if (q->sel[s].hash_alg == pcrs->banks[b].hash_alg)
                quoted = q->sel[s].mask;
        uint32_t extra = pcrs->banks[b].mask & ~quoted;
        if (extra) {
            pcr_list(extra, list, sizeof(list));
            return att_diag_fail(d, ATT_EMISMATCH, "tpm.pcrs.not_quoted", "pcrs",
                                 "PCR values supplied for PCRs %s (%s) that the quote does not "
                                 "cover",
                                 list, att__tpm_alg_name(pcrs->banks[b].hash_alg));
        }
    }
    uint8_t dig[ATT_HASH_MAX];
    int rc = att__tpm_pcr_digest(pcrs, q->sel, q->n_sel, h, dig, d);
    if (rc != ATT_OK)
        return rc;
    size_t dl = att__hash_len(h);
    if (q->pcr_digest_len != dl || !att__ct_equal(dig, q->pcr_digest, dl)) {
        char qs[16], cs[16], qf[2 * ATT_HASH_MAX + 1], cf[2 * ATT_HASH_MAX + 1];
        char sels[160];
        size_t w = 0;
        sels[0] = 0;
        for (size_t s = 0; s < q->n_sel && w < sizeof(sels); s++) {
            pcr_list(q->sel[s].mask, list, sizeof(list));
            int k = snprintf(sels + w, sizeof(sels) - w, "%s%s (%s)", s ? " + " : "", list,
                             att__tpm_alg_name(q->sel[s].hash_alg));
            if (k < 0)
                break;
            w += (size_t)k;
        }
        hex_short(q->pcr_digest, q->pcr_digest_len, qs, sizeof(qs));
        hex_short(dig, dl, cs, sizeof(cs));
        hex_full(q->pcr_digest, q->pcr_digest_len, qf, sizeof(qf));
        hex_full(dig, dl, cf, sizeof(cf));
        att_diag_fail(d, ATT_EMISMATCH, "tpm.quote.pcr_digest", "pcrDigest",
                      "pcrDigest mismatch: quote says %s but PCRs %s hash to %s", qs, sels, cs);
        att_diag_expect(d, qf, cf);
        return ATT_EMISMATCH;
    }
    return ATT_OK;
}

/* Steps shared by quotes and certifications: parse, magic, type, signer attributes,
 * signature, nonce. */
static int verify_common(const uint8_t *attest, size_t attest_len, const uint8_t *sig,
                         size_t sig_len, const att__tpm_public *ak, const uint8_t *nonce,
                         size_t nonce_len, const att__tpm_quote_opts *opts, uint16_t want_type,
                         int check_nonce, att__tpm_quote *q, att__tpm_sig *s, att_diag *d)
{
    if (!ak || !ak->key)
        return att_diag_fail(d, ATT_EINVAL, "tpm.ak.missing", "ak", "no AK public key");
    if (nonce_len && !nonce)
        return ATT_EINVAL;

    /* 1. structure */
    int rc = att__tpm_attest_parse(attest, attest_len, q, d);
    if (rc != ATT_OK)
        return rc;
    if (q->magic != ATT_TPM_GENERATED_VALUE) {
        char f[16];
        snprintf(f, sizeof(f), "0x%08x", (unsigned)q->magic);
        att_diag_fail(d, ATT_EMISMATCH, "tpm.quote.magic", "magic",
                      "TPMS_ATTEST magic %s is not TPM_GENERATED_VALUE 0xff544347 (not made by "
                      "a TPM)",
                      f);
        att_diag_expect(d, "0xff544347", f);
        return ATT_EMISMATCH;
    }
    if (q->type != want_type) {
        char f[16], w[16];
        snprintf(f, sizeof(f), "0x%04x", (unsigned)q->type);
        snprintf(w, sizeof(w), "0x%04x", (unsigned)want_type);
        att_diag_fail(
            d, ATT_EMISMATCH, "tpm.quote.type", "type", "TPMS_ATTEST type %s is not %s %s", f,
            want_type == ATT_TPM_ST_ATTEST_QUOTE ? "TPM_ST_ATTEST_QUOTE" : "TPM_ST_ATTEST_CERTIFY",
            w);
        att_diag_expect(d, w, f);
        return ATT_EMISMATCH;
    }
    rc = att__tpm_sig_parse(sig, sig_len, s, d);
    if (rc != ATT_OK)
        return rc;

    /* 2. key and signature */
    if (!opts->skip_ak_check && (rc = att__tpm_ak_check(ak, d)) != ATT_OK)
        return rc;
    if (s->hash_alg == ATT_TPM_ALG_SHA1 && !opts->allow_sha1)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.signature.hash", "signature.hash",
                             "quote signed with SHA-1, which is not allowed");
    rc = att__tpm_sig_verify(ak, s, attest, attest_len, d);
    if (rc != ATT_OK)
        return rc;

    /* 3. nonce */
    if (check_nonce && (q->extra_data_len != nonce_len ||
                        (nonce_len && !att__ct_equal(q->extra_data, nonce, nonce_len)))) {
        char qf[2 * ATT_TPM_EXTRA_MAX + 1], nf[2 * ATT_TPM_EXTRA_MAX + 1];
        hex_full(q->extra_data, q->extra_data_len, qf, sizeof(qf));
        hex_full(nonce, nonce_len > ATT_TPM_EXTRA_MAX ? ATT_TPM_EXTRA_MAX : nonce_len, nf,
                 sizeof(nf));
        att_diag_fail(d, ATT_EMISMATCH, "tpm.quote.extra_data", "extraData",
                      "extraData (nonce) mismatch: the quote carries %zu bytes %s, expected %zu "
                      "bytes",
                      q->extra_data_len, q->extra_data_len ? qf : "(empty)", nonce_len);
        att_diag_expect(d, nf, qf);
        return ATT_EMISMATCH;
    }
    return ATT_OK;
}

int att__tpm_quote_verify(const uint8_t *attest, size_t attest_len, const uint8_t *sig,
                          size_t sig_len, const att__tpm_public *ak, const uint8_t *nonce,
                          size_t nonce_len, const att__tpm_pcrs *pcrs,
                          const att__tpm_quote_opts *opts, att__tpm_quote_result *res, att_diag *d)
{
    static const att__tpm_quote_opts defaults = {0};
    att__tpm_quote_result local;
    if (!opts)
        opts = &defaults;
    if (!res)
        res = &local;
    memset(res, 0, sizeof(*res));
    att__tpm_quote *q = &res->quote;
    int rc = verify_common(attest, attest_len, sig, sig_len, ak, nonce, nonce_len, opts,
                           ATT_TPM_ST_ATTEST_QUOTE, 1, q, &res->sig, d);
    if (rc != ATT_OK)
        return rc;

    /* 4. qualifiedSigner */
    if (opts->signer_parent_qn) {
        uint8_t qn[ATT_TPM_NAME_MAX];
        size_t qn_len = 0;
        rc = ak->name_len ? att__tpm_qualified_name(ak->name_alg, opts->signer_parent_qn,
                                                    opts->signer_parent_qn_len, ak->name,
                                                    ak->name_len, qn, &qn_len)
                          : ATT_EINVAL;
        if (rc != ATT_OK)
            return att_diag_fail(d, rc, "tpm.quote.qualified_signer", "qualifiedSigner",
                                 "cannot compute the AK's qualified name (no TPM public area)");
        if (qn_len != q->qualified_signer_len || memcmp(qn, q->qualified_signer, qn_len) != 0) {
            char want[2 * ATT_TPM_NAME_MAX + 1], got[2 * ATT_TPM_NAME_MAX + 1];
            hex_full(qn, qn_len, want, sizeof(want));
            hex_full(q->qualified_signer, q->qualified_signer_len, got, sizeof(got));
            att_diag_fail(d, ATT_EMISMATCH, "tpm.quote.qualified_signer", "qualifiedSigner",
                          "qualifiedSigner %s is not the AK's qualified name %s", got, want);
            att_diag_expect(d, want, got);
            return ATT_EMISMATCH;
        }
        res->signer_checked = 1;
    }

    /* 5. selection and PCR values */
    char list[96];
    for (size_t r = 0; r < opts->n_required && r < ATT_TPM_MAX_BANKS; r++) {
        uint32_t have = 0;
        for (size_t s = 0; s < q->n_sel; s++)
            if (q->sel[s].hash_alg == opts->required[r].hash_alg)
                have = q->sel[s].mask;
        uint32_t missing = opts->required[r].mask & ~have;
        if (missing) {
            pcr_list(missing, list, sizeof(list));
            return att_diag_fail(d, ATT_EMISMATCH, "tpm.quote.pcr_select", "pcrSelect",
                                 "the quote does not cover PCRs %s of the %s bank", list,
                                 att__tpm_alg_name(opts->required[r].hash_alg));
        }
    }
    if (pcrs) {
        rc = check_pcrs(q, pcrs, att__tpm_hash_alg(res->sig.hash_alg), d);
        if (rc != ATT_OK)
            return rc;
        res->pcrs_checked = 1;
    }

    /* 6. clock */
    if (opts->require_safe && q->safe != 1)
        return att_diag_fail(d, ATT_EMISMATCH, "tpm.quote.clock_safe", "clockInfo.safe",
                             "clockInfo.safe is 0: the TPM clock may have been rolled back");
    return ATT_OK;
}

int att__tpm_certify_verify(const uint8_t *attest, size_t attest_len, const uint8_t *sig,
                            size_t sig_len, const att__tpm_public *signer,
                            const att__tpm_public *certified, const uint8_t *nonce,
                            size_t nonce_len, const att__tpm_quote_opts *opts, att__tpm_quote *out,
                            att_diag *d)
{
    static const att__tpm_quote_opts defaults = {0};
    att__tpm_quote local;
    att__tpm_sig s;
    if (!opts)
        opts = &defaults;
    if (!out)
        out = &local;
    memset(out, 0, sizeof(*out));
    if (!certified || !certified->name_len)
        return att_diag_fail(d, ATT_EINVAL, "tpm.certify.name", "certified",
                             "no TPM public area for the certified object");
    int rc = verify_common(attest, attest_len, sig, sig_len, signer, nonce, nonce_len, opts,
                           ATT_TPM_ST_ATTEST_CERTIFY, 1, out, &s, d);
    if (rc != ATT_OK)
        return rc;
    if (out->certified_name_len != certified->name_len ||
        memcmp(out->certified_name, certified->name, certified->name_len) != 0) {
        char want[2 * ATT_TPM_NAME_MAX + 1], got[2 * ATT_TPM_NAME_MAX + 1];
        hex_full(certified->name, certified->name_len, want, sizeof(want));
        hex_full(out->certified_name, out->certified_name_len, got, sizeof(got));
        att_diag_fail(d, ATT_EMISMATCH, "tpm.certify.name", "attested.certify.name",
                      "the certification is for the object named %s, not %s", got, want);
        att_diag_expect(d, want, got);
        return ATT_EMISMATCH;
    }
    if (opts->require_safe && out->safe != 1)
        return att_diag_fail(d, ATT_EMISMATCH, "tpm.quote.clock_safe", "clockInfo.safe",
                             "clockInfo.safe is 0: the TPM clock may have been rolled back");
    return ATT_OK;
}

int att__tpm_creation_verify(const uint8_t *attest, size_t attest_len, const uint8_t *sig,
                             size_t sig_len, const att__tpm_public *ak,
                             const uint8_t *creation_data, size_t cd_len, const uint8_t *nonce,
                             size_t nonce_len, const att__tpm_quote_opts *opts, att__tpm_quote *out,
                             att_diag *d)
{
    static const att__tpm_quote_opts defaults = {0};
    att__tpm_quote local;
    att__tpm_sig s;
    if (!opts)
        opts = &defaults;
    if (!out)
        out = &local;
    memset(out, 0, sizeof(*out));
    if (!ak || !ak->name_len)
        return att_diag_fail(d, ATT_EINVAL, "tpm.creation.name", "ak",
                             "a creation proof needs the AK's TPM public area");
    if (!creation_data || cd_len == 0 || cd_len > ATT_TPM_ATTEST_MAX)
        return att_diag_fail(d, ATT_EINVAL, "tpm.creation.hash", "creationData",
                             "creation data missing or larger than %d bytes", ATT_TPM_ATTEST_MAX);
    int rc = verify_common(attest, attest_len, sig, sig_len, ak, nonce, nonce_len, opts,
                           ATT_TPM_ST_ATTEST_CREATION, nonce != NULL, out, &s, d);
    if (rc != ATT_OK)
        return rc;
    char want[2 * ATT_TPM_NAME_MAX + 1], got[2 * ATT_TPM_NAME_MAX + 1];
    if (out->creation_name_len != ak->name_len ||
        memcmp(out->creation_name, ak->name, ak->name_len) != 0) {
        hex_full(ak->name, ak->name_len, want, sizeof(want));
        hex_full(out->creation_name, out->creation_name_len, got, sizeof(got));
        att_diag_fail(d, ATT_EMISMATCH, "tpm.creation.name", "attested.creation.objectName",
                      "the creation proof is for the object named %s, not the AK %s", got, want);
        att_diag_expect(d, want, got);
        return ATT_EMISMATCH;
    }
    att__hash_alg h = att__tpm_hash_alg(ak->name_alg);
    uint8_t dig[ATT_HASH_MAX];
    rc = att__hash(h, creation_data, cd_len, dig);
    if (rc != ATT_OK)
        return rc;
    size_t dl = att__hash_len(h);
    if (out->creation_hash_len != dl || memcmp(out->creation_hash, dig, dl) != 0) {
        hex_full(dig, dl, want, sizeof(want));
        hex_full(out->creation_hash, out->creation_hash_len, got, sizeof(got));
        att_diag_fail(d, ATT_EMISMATCH, "tpm.creation.hash", "attested.creation.creationHash",
                      "creationHash %s is not the %s of the creation data (%s)", got,
                      att__tpm_alg_name(ak->name_alg), want);
        att_diag_expect(d, want, got);
        return ATT_EMISMATCH;
    }
    return ATT_OK;
}
