/* TPM attestation: AK binding at init (EK certificate + MakeCredential) and quote
 * verification at request time (attest_tpm.h), on the evidence/tpm quote and AK-binding
 * library. */
#include "server/attest_tpm.h"

#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "evidence/tpm/akbind.h"
#include "evidence/tpm/quote.h"

static json_t *b64u_json(const uint8_t *p, size_t n)
{
    char *s = att__b64_encode_alloc(p, n, ATT_B64_URL);
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    return j;
}

int att__tpm_init_ek(const att__tpm_service *s, const uint8_t *ek_cert, size_t ek_cert_len,
                     const uint8_t *ek_pub, size_t ek_pub_len, const uint8_t *ak_pub,
                     size_t ak_pub_len, int64_t now, att__tpm_context *c, json_t **credential,
                     att_diag *d)
{
    *credential = NULL;
    size_t n_anchors;
    const att__cert *const *anchors = att__tpm_service_ek_anchors(s, &n_anchors);
    if (n_anchors == 0)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.ek.no_anchors", "ek_cert",
                             "this attestd trusts no EK CA (start it with --tpm-ek-ca FILE): "
                             "init type \"ekcert\" is not available");
    att__tpm_public ek, ak;
    memset(&ek, 0, sizeof(ek));
    memset(&ak, 0, sizeof(ak));
    att__cert *cert = NULL;
    att__tpm_challenge ch;
    memset(&ch, 0, sizeof(ch));
    int rc = att__tpm_public_parse(ek_pub, ek_pub_len, ATT_TPM_PUBLIC_AUTO, &ek, d);
    if (rc != ATT_OK)
        goto out;
    if ((rc = att__tpm_ek_check(&ek, d)) != ATT_OK)
        goto out;
    if ((rc = att__cert_from_der(ek_cert, ek_cert_len, &cert)) != ATT_OK) {
        att_diag_fail(d, rc, "tpm.ek.cert", "ek_cert", "ek_cert is not a DER X.509 certificate");
        goto out;
    }
    att__chain_opts chain = {.anchors = anchors, .n_anchors = n_anchors, .at = now};
    att_diag sub;
    att_diag_clear(&sub);
    if ((rc = att__tpm_ekcert_verify(cert, &chain, &ek, &sub)) != ATT_OK) {
        att_diag_fail(d, rc, sub.reason, "ek_cert",
                      "ek_cert is not accepted: %s (EK CAs are configured with --tpm-ek-ca)",
                      sub.message);
        goto out;
    }
    if ((rc = att__tpm_public_parse(ak_pub, ak_pub_len, ATT_TPM_PUBLIC_AUTO, &ak, d)) != ATT_OK)
        goto out;
    if ((rc = att__tpm_ak_check(&ak, d)) != ATT_OK)
        goto out;
    if ((rc = att__tpm_make_credential(&ek, ak.name, ak.name_len, c->challenge,
                                       ATT_TPM_CHALLENGE_LEN, &ch, d)) != ATT_OK)
        goto out;
    memcpy(c->ak_name, ak.name, ak.name_len);
    c->ak_name_len = ak.name_len;
    att__hash(ATT_HASH_SHA256, ek_cert, ek_cert_len, c->ek_cert_sha256);
    *credential = json_pack("{s:o,s:o}", "id_object", b64u_json(ch.id_object, ch.id_object_len),
                            "encrypted_secret", b64u_json(ch.enc_secret, ch.enc_secret_len));
    if (!*credential)
        rc = att_diag_fail(d, ATT_ENOMEM, "request.memory", "credential", "out of memory");
out:
    att__tpm_challenge_clear(&ch);
    att__cert_free(cert);
    att__tpm_public_clear(&ek);
    att__tpm_public_clear(&ak);
    return rc;
}

/* A verified AIK certificate of an AK: the chain to the configured anchors held, and the
 * certificate's key is the AK's, for any time within [from, until] (the intersection of the
 * certificate's and the anchors' validity). */
typedef struct aik_verdict {
    int64_t from, until;
} aik_verdict;

/* The window in which a verification of cert against anchors at one time holds at any
 * other; 0 when it cannot be told. */
static int verdict_window(const att__cert *cert, const att__cert *const *anchors, size_t na,
                          aik_verdict *w)
{
    if (att__cert_validity(cert, &w->from, &w->until) != ATT_OK)
        return 0;
    for (size_t i = 0; i < na; i++) {
        int64_t nb, na_;
        if (att__cert_validity(anchors[i], &nb, &na_) != ATT_OK)
            return 0;
        if (nb > w->from)
            w->from = nb;
        if (na_ < w->until)
            w->until = na_;
    }
    return w->from <= w->until;
}

/* An AK as the cache keeps it: the parsed public and its aikPubHash claim (base64
 * SHA-256 of the DER SubjectPublicKeyInfo), both computed once per distinct AK. */
typedef struct cached_ak {
    att__tpm_public pub; /* first: the cache's free function gets this struct */
    char pub_hash[48];
} cached_ak;

static void free_cached_ak(void *p)
{
    att__tpm_public_clear(&((cached_ak *)p)->pub);
    free(p);
}

/* Parses the AK public bytes and hashes its key into a new cached_ak. */
static int ak_load(const uint8_t *bytes, size_t n, cached_ak **out, att_diag *d)
{
    cached_ak *a = calloc(1, sizeof(*a));
    if (!a)
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", "aik_pub", "out of memory");
    int rc = att__tpm_public_parse(bytes, n, ATT_TPM_PUBLIC_AUTO, &a->pub, d);
    if (rc == ATT_OK) {
        uint8_t *der = NULL, h[32];
        size_t derlen = 0;
        if ((rc = att__pkey_public_der(a->pub.key, &der, &derlen)) == ATT_OK)
            rc = att__hash(ATT_HASH_SHA256, der, derlen, h);
        free(der);
        if (rc != ATT_OK)
            att_diag_fail(d, rc, "tpm.ak.hash", "aik_pub", "cannot hash the AK public key");
        else
            att__b64_encode(h, 32, ATT_B64_STD, a->pub_hash);
    }
    if (rc != ATT_OK) {
        free_cached_ak(a);
        return rc;
    }
    *out = a;
    return ATT_OK;
}

/* The quote's nonce: H_alg(jwk_text || 0x00 || challenge) (maa.md §1.6 key binding). */
static int quote_nonce(const att__tpm_request *r, const att__tpm_context *c, uint8_t *out,
                       size_t *len)
{
    att__hash_alg alg = att__tpm_hash_alg(r->quote_hash_alg);
    att__hash_ctx *h = NULL;
    int rc = att__hash_new(alg, &h);
    uint8_t zero = 0;
    if (rc == ATT_OK)
        rc = att__hash_update(h, r->jwk_text, strlen(r->jwk_text));
    if (rc == ATT_OK)
        rc = att__hash_update(h, &zero, 1);
    if (rc == ATT_OK)
        rc = att__hash_update(h, c->challenge, ATT_TPM_CHALLENGE_LEN);
    if (rc == ATT_OK)
        rc = att__hash_final(h, out);
    att__hash_free(h);
    *len = att__hash_len(alg);
    return rc;
}

static void hexs(const uint8_t *p, size_t n, char *out, size_t cap)
{
    if (n * 2 + 1 > cap)
        n = (cap - 1) / 2;
    att__hex_encode(p, n, 0, out);
}

int att__tpm_verify_quote(att__tpm_service *s, const att__tpm_request *r, const att__tpm_context *c,
                          int require_valid_aik_cert, uint32_t required_pcr_mask, int64_t now,
                          att__tpm_quoted *q, att_diag *d)
{
    memset(q, 0, sizeof(*q));
    const att__tpm_public *akp = NULL;
    const cached_ak *ak = NULL;
    cached_ak *fresh = NULL; /* parsed here and not (or not yet) owned by the cache */
    att__tpm_pcrs *pcrs = calloc(1, sizeof(*pcrs));
    att__tpm_quote_result *res = calloc(1, sizeof(*res));
    att__cert *cert = NULL;
    char a[140], b[140];
    int rc;
    if (!pcrs || !res) {
        rc = att_diag_fail(d, ATT_ENOMEM, "request.memory", "quote", "out of memory");
        goto out;
    }
    /* The challenge the client says it answers must be the one in the context. */
    if (r->challenge_len != ATT_TPM_CHALLENGE_LEN ||
        !att__ct_equal(r->challenge, c->challenge, ATT_TPM_CHALLENGE_LEN)) {
        rc = att_diag_fail(d, ATT_EMISMATCH, "tpm.challenge", "att_data.challenge",
                           "wrong nonce: att_data.challenge is not the challenge of this "
                           "service_context");
        goto out;
    }
    /* The AK public and its aikPubHash, made once per distinct AK: the cache keeps them
     * for the service's lifetime. */
    uint8_t akh[32];
    att__hash(ATT_HASH_SHA256, r->aik_pub, r->aik_pub_len, akh);
    ak = att__tpm_cache_get(s, ATT_TPM_CACHE_AK, akh);
    if (!ak) {
        if ((rc = ak_load(r->aik_pub, r->aik_pub_len, &fresh, d)) != ATT_OK)
            goto out;
        const void *cached = att__tpm_cache_put(s, ATT_TPM_CACHE_AK, akh, fresh,
                                                sizeof(*fresh) + 1024, free_cached_ak);
        ak = cached ? cached : fresh;
        if (cached == fresh)
            fresh = NULL;
    }
    akp = &ak->pub;
    /* AK binding. */
    if (c->mode == ATT_TPM_MODE_EKCERT) {
        if (akp->name_len != c->ak_name_len || memcmp(akp->name, c->ak_name, akp->name_len) != 0) {
            att_diag_fail(d, ATT_EMISMATCH, "tpm.ak.foreign", "current_attestation.aik_pub",
                          "foreign AK: the quoting AK is not the AK bound to the certified EK "
                          "at init (credential activation)");
            hexs(c->ak_name, c->ak_name_len, a, sizeof(a));
            hexs(akp->name, akp->name_len, b, sizeof(b));
            att_diag_expect(d, a, b);
            rc = ATT_EMISMATCH;
            goto out;
        }
        q->aik_validated = 1;
        q->binding = "ek_cert";
    } else if (r->aik_cert) {
        size_t na;
        const att__cert *const *anchors = att__tpm_service_aik_anchors(s, &na);
        att_diag sub;
        att_diag_clear(&sub);
        /* A certificate verified for this AK before, inside the window that verification
         * holds for: no X.509 parse or chain walk per request. */
        uint8_t vk[32];
        att__hash_ctx *vh = NULL;
        int have_vk = att__hash_new(ATT_HASH_SHA256, &vh) == ATT_OK &&
                      att__hash_update(vh, r->aik_cert, r->aik_cert_len) == ATT_OK &&
                      att__hash_update(vh, akh, sizeof(akh)) == ATT_OK &&
                      att__hash_final(vh, vk) == ATT_OK;
        att__hash_free(vh);
        const aik_verdict *hit = have_vk ? att__tpm_cache_get(s, ATT_TPM_CACHE_AIK, vk) : NULL;
        if (hit && now >= hit->from && now <= hit->until) {
            q->aik_validated = 1;
            q->binding = "aik_cert";
            rc = ATT_OK;
        } else if ((rc = att__cert_from_der(r->aik_cert, r->aik_cert_len, &cert)) != ATT_OK)
            att_diag_fail(&sub, rc, "tpm.aik.cert", "current_attestation.aik_cert",
                          "aik_cert is not a DER X.509 certificate");
        else if (na == 0)
            rc = att_diag_fail(&sub, ATT_ECHAIN, "tpm.aik.no_anchors",
                               "current_attestation.aik_cert",
                               "this attestd trusts no AIK CA (--tpm-aik-ca)");
        else {
            att__chain_opts chain = {.anchors = anchors, .n_anchors = na, .at = now};
            rc = att__tpm_akcert_verify(cert, &chain, akp, &sub);
        }
        if (rc == ATT_EMISMATCH) {
            /* a certificate of another key: never acceptable, whatever the policy says */
            att_diag_fail(d, rc, "tpm.ak.foreign", "current_attestation.aik_cert", "foreign AK: %s",
                          sub.message);
            goto out;
        }
        if (rc != ATT_OK && require_valid_aik_cert) {
            att_diag_fail(d, rc, sub.reason, sub.field,
                          "%s (the policy requires a valid AIK certificate: "
                          "require_valid_aik_cert)",
                          sub.message);
            goto out;
        }
        if (!hit || now < hit->from || now > hit->until) {
            q->aik_validated = rc == ATT_OK;
            q->binding = "aik_cert";
            aik_verdict w;
            if (rc == ATT_OK && have_vk && !hit && verdict_window(cert, anchors, na, &w)) {
                aik_verdict *keep = malloc(sizeof(*keep));
                if (keep) {
                    *keep = w;
                    if (att__tpm_cache_put(s, ATT_TPM_CACHE_AIK, vk, keep, sizeof(*keep), free) !=
                        keep)
                        free(keep); /* another thread was first, or the cache is full */
                }
            }
        }
        rc = ATT_OK;
    } else if (require_valid_aik_cert) {
        rc = att_diag_fail(d, ATT_EINVAL, "tpm.aik.missing", "current_attestation.aik_cert",
                           "the request has no aik_cert and its service_context binds no AK "
                           "(init type \"aikcert\"); the policy requires a valid AIK "
                           "certificate (require_valid_aik_cert)");
        goto out;
    } else {
        q->binding = "none";
    }
    /* PCR values. */
    att__tpm_pcrs_init(pcrs);
    for (size_t i = 0; i < r->n_pcrs; i++) {
        const att__tpm_pcr_value *v = &r->pcrs[i];
        if (att__tpm_pcrs_set(pcrs, v->alg, v->index, v->digest, v->len) != ATT_OK) {
            rc = att_diag_fail(d, ATT_EINVAL, "tpm.pcrs", "current_attestation.pcrs",
                               "PCR %u of bank 0x%04x has a digest of %zu bytes or an unknown "
                               "bank",
                               v->index, v->alg, v->len);
            goto out;
        }
    }
    uint8_t nonce[ATT_HASH_MAX];
    size_t nlen = 0;
    if ((rc = quote_nonce(r, c, nonce, &nlen)) != ATT_OK) {
        att_diag_fail(d, rc, "tpm.nonce", "nonce", "cannot compute the quote nonce");
        goto out;
    }
    att__tpm_quote_opts opts;
    memset(&opts, 0, sizeof(opts));
    if (required_pcr_mask) {
        opts.n_required = 1;
        opts.required[0].hash_alg = ATT_TPM_ALG_SHA256;
        opts.required[0].mask = required_pcr_mask;
    }
    rc = att__tpm_quote_verify(r->quote, r->quote_len, r->signature, r->signature_len, akp, nonce,
                               nlen, r->n_pcrs ? pcrs : NULL, &opts, res, d);
    if (rc != ATT_OK) {
        if (strcmp(d->reason, "tpm.quote.extra_data") == 0) {
            char msg[ATT_DIAG_MESSAGE_MAX];
            snprintf(msg, sizeof(msg), "%s", d->message);
            att_diag_clear(d); /* the first failure recorded wins: replace it */
            att_diag_fail(d, rc, "tpm.quote.extra_data", "current_attestation.quote",
                          "wrong nonce: the quote's extraData is not H(request_key.jwk || 0x00 "
                          "|| challenge) for this service_context (%s)",
                          msg);
        }
        goto out;
    }
    if (!res->pcrs_checked) {
        rc = att_diag_fail(d, ATT_EINVAL, "tpm.pcrs.missing", "current_attestation.pcrs",
                           "the request carries no PCR values for the quoted selection");
        goto out;
    }
    /* What the quote proved. */
    q->reset_count = res->quote.reset_count;
    q->restart_count = res->quote.restart_count;
    q->firmware_version = res->quote.firmware_version;
    for (size_t i = 0; i < res->quote.n_sel && i < 5; i++) {
        const att__tpm_pcr_sel *sel = &res->quote.sel[i];
        q->bank_alg[q->n_banks] = sel->hash_alg;
        q->bank_mask[q->n_banks] = sel->mask;
        for (unsigned p = 0; p < 24; p++) {
            size_t len;
            const uint8_t *v;
            if ((sel->mask & (1u << p)) && (v = att__tpm_pcrs_get(pcrs, sel->hash_alg, p, &len)))
                memcpy(q->values[q->n_banks][p], v, len);
        }
        q->n_banks++;
    }
    memcpy(q->aik_pub_hash, ak->pub_hash, sizeof(q->aik_pub_hash));
out:
    att__cert_free(cert);
    if (fresh)
        free_cached_ak(fresh);
    free(pcrs);
    free(res);
    return rc;
}
