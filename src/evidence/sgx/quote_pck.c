/* The PCK certificate chain of a DCAP quote (reference/hw-evidence.md §2.2-2.3, §2.6.1):
 * extraction from type-5 certification data, shape checks, and verification to the Intel
 * root with the root CA CRL and the matching PCK CRL at the verification time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/sgx/quote_int.h"

void att__pck_chain_free(att__pck_chain *chain)
{
    if (chain->certs)
        att__certs_free(chain->certs, chain->n);
    chain->certs = NULL;
    chain->n = 0;
}

/* Value of the CN attribute of an RFC 2253 name ("...,CN=Intel SGX PCK Platform CA") into
 * out; empty when there is none. */
static void cn_of(const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    const char *p = name;
    const char *cn = NULL;
    while ((p = strstr(p, "CN=")) != NULL) {
        if (p == name || p[-1] == ',')
            cn = p + 3;
        p += 3;
    }
    if (!cn)
        return;
    size_t n = strcspn(cn, ",");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, cn, n);
    out[n] = '\0';
}

/* Loads the PEM of type-5 certification data (trailing NULs stripped, §5.5). */
static int load_chain(const att__quote *q, att__pck_chain *chain, att_diag *d)
{
    if (q->cert_type != ATT_QUOTE_CERT_PCK_CHAIN)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.cert_type", "cert_type",
                             "certification data type %u carries no PCK chain; only type 5 "
                             "(PCK certificate chain) is supported",
                             q->cert_type);
    size_t n = q->cert_len;
    while (n > 0 && q->cert_data[n - 1] == '\0')
        n--;
    if (att__certs_from_pem((const char *)q->cert_data, n, &chain->certs, &chain->n) != ATT_OK)
        return att_diag_fail(d, ATT_EPARSE, "quote.pck_chain", "cert_data",
                             "PCK certificate chain in the quote is not valid PEM");
    if (chain->n != 3) {
        size_t got = chain->n;
        att__pck_chain_free(chain);
        return att_diag_fail(d, ATT_ECHAIN, "quote.pck_chain", "cert_data",
                             "PCK certificate chain holds %zu certificates, expected 3 (PCK, "
                             "PCK CA, root)",
                             got);
    }
    return ATT_OK;
}

/* Checks that the leaf is a PCK certificate and finds which PCK CA issued it. */
static int check_shape(const att__pck_chain *chain, const att__dcap_collateral *col,
                       att__quote_result *r, att_diag *d)
{
    char *subj = NULL, *iss = NULL, *ca_subj = NULL;
    char cn[128];
    int rc = ATT_OK;
    if (att__cert_subject(chain->certs[0], &subj) != ATT_OK ||
        att__cert_issuer(chain->certs[0], &iss) != ATT_OK ||
        att__cert_subject(att__dcap_pck_ca_cert(col), &ca_subj) != ATT_OK) {
        rc = att_diag_fail(d, ATT_EPARSE, "quote.pck_chain", "pck", "unreadable PCK names");
        goto out;
    }
    cn_of(subj, cn, sizeof(cn));
    if (!strstr(cn, "SGX PCK Certificate")) {
        rc = att_diag_fail(d, ATT_ECHAIN, "quote.pck_chain.leaf", "pck.subject",
                           "first certificate of the PCK chain is not a PCK certificate (CN "
                           "\"%s\")",
                           cn);
        goto out;
    }
    cn_of(iss, cn, sizeof(cn));
    snprintf(r->pck_issuer, sizeof(r->pck_issuer), "%.63s", cn);
    if (strstr(cn, "Processor CA"))
        r->pck_ca = ATT_PCK_CA_PROCESSOR;
    else if (strstr(cn, "Platform CA"))
        r->pck_ca = ATT_PCK_CA_PLATFORM;
    else {
        rc = att_diag_fail(d, ATT_ECHAIN, "quote.pck_chain.issuer", "pck.issuer",
                           "PCK certificate issuer \"%s\" is neither the PCK Processor CA nor "
                           "the PCK Platform CA",
                           cn);
        goto out;
    }
    if (r->pck_ca != att__dcap_pck_ca(col) || strcmp(iss, ca_subj) != 0) {
        rc = att_diag_fail(d, ATT_EMISMATCH, "collateral.pck_crl.issuer", "pck_crl",
                           "PCK certificate issued by %s but the collateral's PCK CRL is of "
                           "%s",
                           iss, ca_subj);
        att_diag_expect(d, iss, ca_subj);
    }
out:
    free(subj);
    free(iss);
    free(ca_subj);
    return rc;
}

/* The root certificate a chain carries must be one of the anchors (by subject and key, so
 * either Intel root issuance matches), as QVL requires of the third certificate (§2.2):
 * the path itself is built to the anchors and never uses it, so without this check any
 * certificate would do there. */
static int check_root(const att__cert *root, const att__cert *const *anchors, size_t n_anchors,
                      att_diag *d)
{
    for (size_t i = 0; i < n_anchors; i++)
        if (anchors[i] && att__cert_same_subject_and_key(root, anchors[i]))
            return ATT_OK;
    char *subj = NULL;
    if (att__cert_subject(root, &subj) != ATT_OK)
        subj = NULL;
    att_diag_fail(d, ATT_ECHAIN, "quote.pck_chain.untrusted_root", subj ? subj : "pck_chain[2]",
                  "PCK certificate chain: its root certificate (%s) is not a trusted anchor",
                  subj ? subj : "unreadable");
    free(subj);
    return ATT_ECHAIN;
}

/* New references to a caller-supplied chain (2 or 3 certificates). */
static int take_external(const att__cert *const *ext, size_t n_ext, att__pck_chain *chain,
                         att_diag *d)
{
    if (n_ext < 2 || n_ext > 3)
        return att_diag_fail(d, ATT_EINVAL, "quote.pck_chain", "pck_chain",
                             "supplied PCK chain holds %zu certificates, expected 2 or 3 (PCK, "
                             "PCK CA[, root])",
                             n_ext);
    chain->certs = calloc(n_ext, sizeof(*chain->certs));
    if (!chain->certs)
        return att_diag_fail(d, ATT_ENOMEM, "quote.pck_chain", "", "out of memory");
    for (size_t i = 0; i < n_ext; i++)
        chain->certs[i] = att__cert_ref((att__cert *)ext[i]);
    chain->n = n_ext;
    return ATT_OK;
}

/* A revocation found by the chain verifier, re-stated with the certificate's role, the CRL
 * issuer and the serial: "PCK certificate revoked by Intel SGX PCK Processor CA CRL (serial
 * 1a2b)", "PCK CA certificate (Intel SGX PCK Processor CA) revoked by Intel SGX Root CA CRL
 * (serial 5)". The revoked certificate is the chain member whose subject the verifier named
 * (cd->field). Returns 0, leaving d alone, when it is neither the PCK nor its CA. */
static int restate_revoked(const att__pck_chain *chain, const att_diag *cd, att_diag *d)
{
    char *subj = NULL, *iss = NULL, *serial = NULL;
    char cn[128], issuer_cn[128];
    size_t i, n = chain->n < 2 ? chain->n : 2;
    for (i = 0; i < n; i++) {
        int same = att__cert_subject(chain->certs[i], &subj) == ATT_OK && subj && cd->field[0] &&
                   strncmp(subj, cd->field, sizeof(cd->field) - 1) == 0;
        free(subj);
        subj = NULL;
        if (same)
            break;
    }
    if (i == n || att__cert_subject(chain->certs[i], &subj) != ATT_OK ||
        att__cert_issuer(chain->certs[i], &iss) != ATT_OK ||
        att__cert_serial_hex(chain->certs[i], &serial) != ATT_OK) {
        free(subj);
        free(iss);
        free(serial);
        return 0;
    }
    cn_of(subj, cn, sizeof(cn));
    cn_of(iss, issuer_cn, sizeof(issuer_cn));
    if (i == 0)
        att_diag_fail(d, ATT_EREVOKED, "quote.pck_chain.revoked", cd->field,
                      "PCK certificate revoked by %s CRL (serial %s)", issuer_cn, serial);
    else
        att_diag_fail(d, ATT_EREVOKED, "quote.pck_chain.revoked", cd->field,
                      "PCK CA certificate (%s) revoked by %s CRL (serial %s)", cn, issuer_cn,
                      serial);
    att_diag_expect(d, cd->expected, cd->found);
    free(subj);
    free(iss);
    free(serial);
    return 1;
}

int att__quote_pck_chain(const att__quote *q, const att__cert *const *ext, size_t n_ext,
                         const att__dcap_collateral *col, const att__cert *const *anchors,
                         size_t n_anchors, int64_t at, att__pck_chain *chain, att__quote_result *r,
                         att_diag *d)
{
    chain->certs = NULL;
    chain->n = 0;
    int rc = n_ext ? take_external(ext, n_ext, chain, d) : load_chain(q, chain, d);
    if (rc)
        return rc;
    if ((rc = check_shape(chain, col, r, d)) ||
        (chain->n == 3 && (rc = check_root(chain->certs[2], anchors, n_anchors, d))))
        goto fail;
    const att__crl *crls[2] = {att__dcap_root_crl(col), att__dcap_pck_crl(col)};
    att__chain_opts o = {.intermediates = (const att__cert *const *)chain->certs + 1,
                         .n_intermediates = chain->n - 1,
                         .anchors = anchors,
                         .n_anchors = n_anchors,
                         .crls = crls,
                         .n_crls = 2,
                         .require_crls = 1,
                         .at = at};
    att_diag cd;
    att_diag_clear(&cd);
    rc = att__chain_verify(chain->certs[0], &o, &cd);
    if (rc == ATT_EREVOKED && restate_revoked(chain, &cd, d))
        goto fail;
    if (rc != ATT_OK) {
        /* Re-state the chain failure as a quote failure, keeping its details. */
        char reason[ATT_DIAG_REASON_MAX];
        snprintf(reason, sizeof(reason), "quote.pck_%.48s", cd.reason[0] ? cd.reason : "chain");
        att_diag_fail(d, rc, reason, cd.field, "PCK certificate chain: %s", cd.message);
        att_diag_expect(d, cd.expected, cd.found);
        goto fail;
    }
    return ATT_OK;
fail:
    att__pck_chain_free(chain);
    return rc;
}

/* Narrows [*nb, *na] to c's validity. */
static void narrow(const att__cert *c, int64_t *nb, int64_t *na)
{
    int64_t b, a;
    if (att__cert_validity(c, &b, &a) != ATT_OK)
        return;
    if (b > *nb)
        *nb = b;
    if (a < *na)
        *na = a;
}

/* 1 when c's validity is readable and contains at. */
static int valid_at(const att__cert *c, int64_t at)
{
    int64_t b, a;
    return att__cert_validity(c, &b, &a) == ATT_OK && b <= at && at <= a;
}

int att__pck_chain_window(const att__pck_chain *chain, const att__dcap_collateral *col,
                          const att__cert *const *anchors, size_t n_anchors, int64_t at,
                          int64_t *not_before, int64_t *not_after)
{
    int64_t nb, na;
    if (!chain->n || !valid_at(chain->certs[0], at))
        return ATT_EINVAL;
    /* The collateral window lies inside both CRLs' thisUpdate..nextUpdate. */
    att__dcap_window(col, &nb, &na);
    narrow(chain->certs[0], &nb, &na);
    /* The path is leaf, chain certificates, one anchor; which ones does not depend on the
     * time. Each one on it was valid at `at`, so those that were not are not on it. */
    for (size_t i = 1; i < chain->n; i++)
        if (valid_at(chain->certs[i], at))
            narrow(chain->certs[i], &nb, &na);
    for (size_t i = 0; i < n_anchors; i++)
        if (anchors[i] && valid_at(anchors[i], at))
            narrow(anchors[i], &nb, &na);
    if (at < nb || at > na)
        return ATT_EINVAL;
    *not_before = nb;
    *not_after = na;
    return ATT_OK;
}
