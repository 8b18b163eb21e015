/* Helpers shared by the TPM quote unit tests: one case of
 * ../shared/vectors/tpm/expected/quotes_summary.json loaded into memory (quote, signature,
 * AK, nonce, and the PCR values of exactly the quoted selection). */
#ifndef ATT_TEST_TPM_QUOTE_TU_H
#define ATT_TEST_TPM_QUOTE_TU_H

#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/tpm/quote.h"

typedef struct tu_quote_case {
    const char *id;      /* key in quotes_summary.json (borrowed from the JSON) */
    const json_t *entry; /* borrowed */
    uint8_t *attest, *sig, *nonce;
    size_t attest_len, sig_len, nonce_len;
    att__tpm_public ak;
    att__tpm_pcrs pcrs; /* the quoted PCRs only */
    uint16_t sig_hash;  /* from the summary: ATT_TPM_ALG_SHA1 / SHA256 */
} tu_quote_case;

static inline uint8_t *tu_quote_file(const char *rel, size_t *n)
{
    char p[512];
    snprintf(p, sizeof(p), "vectors/tpm/quotes/%s", rel);
    return tu_read_file(tu_shared_path(p), n);
}

static inline json_t *tu_quote_summary(void)
{
    return tu_load_json("vectors/tpm/expected/quotes_summary.json");
}

static inline uint16_t tu_bank_alg(const char *name)
{
    if (!strcmp(name, "sha1"))
        return ATT_TPM_ALG_SHA1;
    if (!strcmp(name, "sha256"))
        return ATT_TPM_ALG_SHA256;
    if (!strcmp(name, "sha384"))
        return ATT_TPM_ALG_SHA384;
    if (!strcmp(name, "sha512"))
        return ATT_TPM_ALG_SHA512;
    fail_msg("unknown bank %s", name);
    return 0;
}

/* Loads the case `id` of summary. PCR values come from the entry's "pcr_values" (an object,
 * or a pcrs.json path) or from pcrs.json beside the quote; only selected PCRs are kept. */
static inline void tu_quote_load(const json_t *summary, const char *id, tu_quote_case *c)
{
    memset(c, 0, sizeof(*c));
    c->id = id;
    c->entry = json_object_get(summary, id);
    assert_non_null(c->entry);
    c->attest = tu_quote_file(tu_jstr(c->entry, "quote"), &c->attest_len);
    c->sig = tu_quote_file(tu_jstr(c->entry, "signature"), &c->sig_len);
    size_t n;
    uint8_t *akb = tu_quote_file(tu_jstr(c->entry, "ak_public"), &n);
    att_diag d;
    att_diag_clear(&d);
    if (att__tpm_public_parse(akb, n, ATT_TPM_PUBLIC_AUTO, &c->ak, &d) != ATT_OK)
        fail_msg("%s: AK: %s", id, d.message);
    free(akb);
    c->nonce = tu_hex_decode(tu_jstr(c->entry, "expected_nonce_hex"), &c->nonce_len);
    c->sig_hash = tu_bank_alg(tu_jstr(c->entry, "sigHash"));

    json_t *vals = json_object_get(c->entry, "pcr_values"), *loaded = NULL;
    if (!vals || json_is_string(vals)) {
        char rel[512];
        if (vals) {
            snprintf(rel, sizeof(rel), "vectors/tpm/quotes/%s", json_string_value(vals));
        } else {
            const char *q = tu_jstr(c->entry, "quote");
            const char *slash = strchr(q, '/');
            assert_non_null(slash);
            snprintf(rel, sizeof(rel), "vectors/tpm/quotes/%.*s/pcrs.json", (int)(slash - q), q);
        }
        loaded = tu_load_json(rel);
        vals = loaded;
    }
    att__tpm_pcrs_init(&c->pcrs);
    size_t i;
    json_t *sel;
    json_array_foreach(json_object_get(c->entry, "pcrSelect"), i, sel)
    {
        const char *bank = tu_jstr(sel, "hash");
        json_t *bankv = json_object_get(vals, bank);
        assert_non_null(bankv);
        size_t j;
        json_t *pcr;
        json_array_foreach(json_object_get(sel, "pcrs"), j, pcr)
        {
            char idx[8];
            snprintf(idx, sizeof(idx), "%d", (int)json_number_value(pcr));
            size_t vl;
            uint8_t *v = tu_hex_decode(tu_jstr(bankv, idx), &vl);
            assert_int_equal(att__tpm_pcrs_set(&c->pcrs, tu_bank_alg(bank),
                                               (unsigned)json_number_value(pcr), v, vl),
                             ATT_OK);
            free(v);
        }
    }
    json_decref(loaded);
}

static inline void tu_quote_free(tu_quote_case *c)
{
    free(c->attest);
    free(c->sig);
    free(c->nonce);
    att__tpm_public_clear(&c->ak);
    memset(c, 0, sizeof(*c));
}

/* Default options for a case: SHA-1 allowed only when the vector is signed with SHA-1. */
static inline att__tpm_quote_opts tu_quote_opts(const tu_quote_case *c)
{
    att__tpm_quote_opts o;
    memset(&o, 0, sizeof(o));
    o.allow_sha1 = c->sig_hash == ATT_TPM_ALG_SHA1;
    o.require_safe = 1;
    return o;
}

#endif
