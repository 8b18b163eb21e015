/* Certificate path building and validation with CRLs (att__chain_verify).
 *
 * We build and check the path ourselves instead of using X509_verify_cert because the
 * rules attestation needs differ from TLS's in ways that are awkward to express through
 * X509_STORE: trust anchors are matched by subject + public key (Intel re-issued its SGX
 * root with the same key and a new notAfter, and evidence carries either issuance), CRLs
 * are optional per issuer unless require_crls is set, the verification time is always the
 * caller's, and every failure must name the certificate and the reason in an att_diag.
 * Each step still uses OpenSSL for the cryptography and the DER-level work:
 * X509_verify (any signature algorithm, including RSASSA-PSS as AMD signs with),
 * X509_CRL_verify, extension caching and NAME_CONSTRAINTS_check.
 *
 * The checks, in order (the first failure is reported):
 *   1. path building from the leaf: at each step the anchors are tried first, then the
 *      intermediates; a candidate must carry the current certificate's issuer name as its
 *      subject and its key must verify the current certificate's signature. A certificate
 *      equal (subject + key) to an anchor is replaced by that anchor, which ends the path.
 *   2. for every certificate of the path: well-formed extensions, no unknown critical
 *      extension, validity at `at`; for every issuer: CA basic constraints (an anchor may
 *      also be a v1 root), keyCertSign when keyUsage is present, path length, name
 *      constraints.
 *   3. CRLs whose issuer is in the path: signature by that issuer (cRLSign when keyUsage
 *      is present), thisUpdate <= at <= nextUpdate, then every path certificate issued by
 *      that CA whose serial the CRL lists is revoked. CRLs of other issuers are ignored.
 *   4. require_crls: every CA of the path that issued a path certificate has a CRL. */
#include "crypto/crypto_int.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

/* Longest path accepted, leaf and anchor included: the same bound as a PEM bundle. */
#define PATH_MAX_CERTS ATT_MAX_CHAIN_CERTS

typedef struct path {
    X509 *cert[PATH_MAX_CERTS];
    size_t n;
} path;

/* Subject of c for messages; writes "(unprintable name)" when that fails. */
static void subject_of(const X509 *c, char *out, size_t cap)
{
    char *s = NULL;
    if (att__crypto_name_str(X509_get_subject_name(c), &s) == ATT_OK && s && *s)
        snprintf(out, cap, "%s", s);
    else
        snprintf(out, cap, "(empty or unprintable name)");
    free(s);
}

/* Records a failure about certificate c: field = its subject, message = "<what>: <subject>"
 * plus an optional detail. expected/found are added when given (only when this call is
 * the one that filled d, so an earlier failure is never mixed with ours). */
static int fail_cert(att_diag *d, int err, const char *reason, const X509 *c, const char *what,
                     const char *detail, const char *expected, const char *found)
{
    if (!d)
        return att__crypto_err(err);
    int first = !att_diag_failed(d);
    char subj[ATT_DIAG_MESSAGE_MAX / 2];
    if (c)
        subject_of(c, subj, sizeof(subj));
    else
        subj[0] = '\0';
    att_diag_fail(d, err, reason, subj, "%s: %s%s%s", what, c ? subj : "(none)",
                  detail && *detail ? "; " : "", detail ? detail : "");
    if (first && (expected || found))
        att_diag_expect(d, expected ? expected : "", found ? found : "");
    return att__crypto_err(err);
}

static int same_name(const X509_NAME *a, const X509_NAME *b)
{
    return a && b && X509_NAME_cmp(a, b) == 0;
}

static int self_issued(const X509 *c)
{
    return same_name(X509_get_subject_name(c), X509_get_issuer_name(c));
}

/* Does the key of `issuer` verify the signature on `c`? */
static int signed_by(const X509 *c, const X509 *issuer)
{
    EVP_PKEY *k = X509_get0_pubkey(issuer);
    int ok = k && X509_verify((X509 *)c, k) == 1;
    ERR_clear_error();
    return ok;
}

/* The anchor equal to c by subject and key, or NULL. */
static X509 *anchor_for(const X509 *c, const att__chain_opts *o)
{
    for (size_t i = 0; i < o->n_anchors; i++)
        if (att__cert_same_subject_and_key(c, o->anchors[i]))
            return (X509 *)o->anchors[i];
    return NULL;
}

/* Is c (the same object or the same DER) already in the path? Keeps cycles finite. */
static int in_path(const path *p, const X509 *c)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->cert[i] == c || X509_cmp(p->cert[i], c) == 0)
            return 1;
    return 0;
}

/* Looks for the issuer of c among list[0..n): name match, not already in the path, and a
 * verifying signature. *name_seen is set when some candidate matched by name only. */
static X509 *find_issuer(const X509 *c, const att__cert *const *list, size_t n, const path *p,
                         int *name_seen)
{
    const X509_NAME *want = X509_get_issuer_name(c);
    for (size_t i = 0; i < n; i++) {
        X509 *cand = (X509 *)list[i];
        if (!same_name(want, X509_get_subject_name(cand)) || in_path(p, cand))
            continue;
        *name_seen = 1;
        if (signed_by(c, cand))
            return cand;
    }
    return NULL;
}

/* Step 1: builds p from the leaf up to an anchor. */
static int build_path(const X509 *leaf, const att__chain_opts *o, path *p, att_diag *d)
{
    p->cert[0] = (X509 *)leaf;
    p->n = 1;
    for (;;) {
        X509 *cur = p->cert[p->n - 1];
        X509 *anchor = anchor_for(cur, o);
        if (anchor) {
            p->cert[p->n - 1] = anchor; /* the configured issuance is the one we trust */
            return ATT_OK;
        }
        if (p->n == PATH_MAX_CERTS)
            return fail_cert(d, ATT_ECHAIN, "chain.too_long", cur,
                             "certificate chain too long without reaching a trust anchor", NULL,
                             NULL, NULL);
        int name_seen = 0;
        int is_anchor = 1;
        X509 *iss = find_issuer(cur, o->anchors, o->n_anchors, p, &name_seen);
        if (!iss) {
            is_anchor = 0;
            iss = find_issuer(cur, o->intermediates, o->n_intermediates, p, &name_seen);
        }
        if (!iss) {
            char issuer[ATT_DIAG_VALUE_MAX];
            char *s = NULL;
            att__crypto_name_str(X509_get_issuer_name(cur), &s);
            snprintf(issuer, sizeof(issuer), "%s", s ? s : "");
            free(s);
            if (name_seen)
                return fail_cert(d, ATT_ECHAIN, "chain.signature", cur,
                                 "certificate signature does not verify with its issuer's key",
                                 NULL, NULL, issuer);
            if (self_issued(cur))
                return fail_cert(d, ATT_ECHAIN, "chain.untrusted_root", cur,
                                 "self-issued certificate is not a trusted anchor", NULL, NULL,
                                 NULL);
            return fail_cert(d, ATT_ECHAIN, "chain.issuer_not_found", cur,
                             "issuer certificate not found", NULL, issuer, NULL);
        }
        p->cert[p->n++] = iss;
        if (is_anchor)
            return ATT_OK;
    }
}

/* "2025-06-19T10:56:11Z..2025-07-19T10:01:18Z" */
static void window_str(int64_t from, int64_t to, int has_to, char *out, size_t cap)
{
    char a[32], b[32];
    att__time_format(from, a, sizeof(a));
    if (has_to)
        att__time_format(to, b, sizeof(b));
    else
        snprintf(b, sizeof(b), "(no nextUpdate)");
    snprintf(out, cap, "%s..%s", a, b);
}

/* Extensions and validity of one certificate. */
static int check_cert(X509 *c, int64_t at, att_diag *d)
{
    uint32_t flags = X509_get_extension_flags(c);
    if (flags & EXFLAG_INVALID)
        return fail_cert(d, ATT_ECHAIN, "chain.bad_extensions", c,
                         "certificate has malformed or duplicate extensions", NULL, NULL, NULL);
    if (flags & EXFLAG_CRITICAL)
        return fail_cert(d, ATT_ECHAIN, "chain.critical_extension", c,
                         "certificate has an unsupported critical extension", NULL, NULL, NULL);
    int64_t nb = 0, na = 0;
    if (att__cert_validity(c, &nb, &na) != ATT_OK)
        return fail_cert(d, ATT_ECHAIN, "chain.bad_validity", c,
                         "certificate validity period is malformed", NULL, NULL, NULL);
    if (at < nb || at > na) {
        char win[80], now[32];
        window_str(nb, na, 1, win, sizeof(win));
        att__time_format(at, now, sizeof(now));
        return fail_cert(d, ATT_EEXPIRED, at < nb ? "chain.not_yet_valid" : "chain.expired", c,
                         at < nb ? "certificate not yet valid" : "certificate expired", NULL, win,
                         now);
    }
    return ATT_OK;
}

/* CA constraints of p->cert[i] (i >= 1) as the issuer of the certificates below it. */
static int check_issuer(const path *p, size_t i, att_diag *d)
{
    X509 *ca = p->cert[i];
    uint32_t flags = X509_get_extension_flags(ca);
    int is_top = i == p->n - 1;
    /* Intermediates need basicConstraints cA=TRUE; an anchor may be a v1 root, which
     * X509_check_ca accepts when self-signed. */
    int ca_ok = (flags & EXFLAG_CA) || (is_top && X509_check_ca(ca) != 0);
    ERR_clear_error();
    if (!ca_ok)
        return fail_cert(d, ATT_ECHAIN, "chain.not_ca", ca,
                         "issuer is not a CA (basicConstraints cA missing)", NULL, NULL, NULL);
    if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN))
        return fail_cert(d, ATT_ECHAIN, "chain.key_usage", ca,
                         "issuer key usage does not allow certificate signing", NULL, NULL, NULL);
    /* pathLenConstraint counts the non-self-issued intermediates below this CA. */
    long pathlen = X509_get_pathlen(ca);
    if (pathlen >= 0) {
        long below = 0;
        for (size_t j = 1; j < i; j++)
            if (!self_issued(p->cert[j]))
                below++;
        if (below > pathlen) {
            char exp[32], got[32];
            snprintf(exp, sizeof(exp), "<= %ld", pathlen);
            snprintf(got, sizeof(got), "%ld", below);
            return fail_cert(d, ATT_ECHAIN, "chain.path_length", ca,
                             "path length constraint exceeded", NULL, exp, got);
        }
    }
    int crit = 0;
    NAME_CONSTRAINTS *nc = X509_get_ext_d2i(ca, NID_name_constraints, &crit, NULL);
    if (!nc && crit != -1) { /* present but unparsable */
        ERR_clear_error();
        return fail_cert(d, ATT_ECHAIN, "chain.name_constraints", ca,
                         "issuer name constraints are malformed", NULL, NULL, NULL);
    }
    int rc = ATT_OK;
    for (size_t j = 0; nc && j < i && rc == ATT_OK; j++) {
        if (j > 0 && self_issued(p->cert[j]))
            continue;
        if (NAME_CONSTRAINTS_check(p->cert[j], nc) != X509_V_OK)
            rc = fail_cert(d, ATT_ECHAIN, "chain.name_constraints", p->cert[j],
                           "certificate violates its issuer's name constraints", NULL, NULL, NULL);
    }
    NAME_CONSTRAINTS_free(nc);
    ERR_clear_error();
    return rc;
}

/* Refuses CRLs we cannot interpret completely: delta CRLs and unknown critical
 * extensions (an issuingDistributionPoint only narrows the scope of a CRL, so honouring
 * it is not needed to find a listed serial). */
static int crl_supported(const X509_CRL *crl)
{
    int n = X509_CRL_get_ext_count(crl);
    for (int i = 0; i < n; i++) {
        X509_EXTENSION *ext = X509_CRL_get_ext(crl, i);
        int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
        if (nid == NID_delta_crl)
            return 0;
        if (X509_EXTENSION_get_critical(ext) && nid != NID_issuing_distribution_point &&
            nid != NID_authority_key_identifier && nid != NID_crl_number)
            return 0;
    }
    return 1;
}

/* Index of the path certificate that issued crl: the lowest issuer position (>= 1) with
 * the CRL's issuer name, or the leaf; -1 when the CRL is from outside the path. */
static long crl_issuer_index(const path *p, const X509_CRL *crl)
{
    const X509_NAME *in = X509_CRL_get_issuer(crl);
    for (size_t j = 1; j < p->n; j++)
        if (same_name(in, X509_get_subject_name(p->cert[j])))
            return (long)j;
    if (same_name(in, X509_get_subject_name(p->cert[0])))
        return 0;
    return -1;
}

/* Step 3 for one CRL issued by p->cert[j]. */
static int check_crl(const path *p, size_t j, X509_CRL *crl, int64_t at, att_diag *d)
{
    X509 *ca = p->cert[j];
    EVP_PKEY *k = X509_get0_pubkey(ca);
    if (!k || X509_CRL_verify(crl, k) != 1)
        return fail_cert(d, ATT_ECHAIN, "crl.signature", ca,
                         "CRL signature does not verify with its issuer's key", NULL, NULL, NULL);
    uint32_t flags = X509_get_extension_flags(ca);
    if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(ca) & KU_CRL_SIGN))
        return fail_cert(d, ATT_ECHAIN, "crl.key_usage", ca,
                         "CRL issuer key usage does not allow CRL signing", NULL, NULL, NULL);
    if (!crl_supported(crl))
        return fail_cert(d, ATT_EUNSUPPORTED, "crl.unsupported", ca,
                         "CRL is a delta CRL or has an unsupported critical extension", NULL, NULL,
                         NULL);
    int64_t tu = 0, nu = 0;
    const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
    if (att__crypto_time_to_epoch(X509_CRL_get0_lastUpdate(crl), &tu) != ATT_OK ||
        (next && att__crypto_time_to_epoch(next, &nu) != ATT_OK))
        return fail_cert(d, ATT_EPARSE, "crl.bad_time", ca,
                         "CRL thisUpdate/nextUpdate is malformed", NULL, NULL, NULL);
    if (at < tu || (next && at > nu)) {
        char win[80], now[32];
        window_str(tu, nu, next != NULL, win, sizeof(win));
        att__time_format(at, now, sizeof(now));
        return fail_cert(d, ATT_EEXPIRED, at < tu ? "crl.not_yet_valid" : "crl.expired", ca,
                         at < tu ? "CRL not yet valid (thisUpdate after verification time)"
                                 : "CRL expired (nextUpdate before verification time)",
                         NULL, win, now);
    }
    /* Certificates of the path that this CA issued: those directly below it. */
    for (size_t i = 0; i < j; i++) {
        if (p->cert[i + 1] != ca)
            continue;
        X509_REVOKED *rev = NULL;
        int r = X509_CRL_get0_by_serial(crl, &rev, X509_get0_serialNumber(p->cert[i]));
        if (r == 1) { /* 2 = removeFromCRL, i.e. not revoked */
            char *serial = NULL, *issuer = NULL;
            char detail[ATT_DIAG_MESSAGE_MAX / 2], found[ATT_DIAG_VALUE_MAX];
            att__crypto_integer_hex(X509_get0_serialNumber(p->cert[i]), &serial);
            att__crypto_name_str(X509_CRL_get_issuer(crl), &issuer);
            snprintf(detail, sizeof(detail), "revoked by CRL of %s (serial %s)",
                     issuer ? issuer : "?", serial ? serial : "?");
            snprintf(found, sizeof(found), "serial %s", serial ? serial : "?");
            free(serial);
            free(issuer);
            return fail_cert(d, ATT_EREVOKED, "chain.revoked", p->cert[i], "certificate revoked",
                             detail, "not revoked", found);
        }
    }
    ERR_clear_error();
    return ATT_OK;
}

/* Validates the arguments; NULL entries in the arrays are refused. */
static int check_opts(const att__cert *leaf, const att__chain_opts *o, att_diag *d)
{
    int bad = !leaf || !o || o->n_anchors == 0 || !o->anchors ||
              (o->n_intermediates && !o->intermediates) || (o->n_crls && !o->crls) || o->at < 0;
    for (size_t i = 0; !bad && i < o->n_anchors; i++)
        bad = !o->anchors[i];
    for (size_t i = 0; !bad && i < o->n_intermediates; i++)
        bad = !o->intermediates[i];
    for (size_t i = 0; !bad && i < o->n_crls; i++)
        bad = !o->crls[i];
    if (bad)
        return att_diag_fail(d, ATT_EINVAL, "chain.args", "",
                             "chain verification called without leaf, anchors or with NULL "
                             "entries");
    return ATT_OK;
}

int att__chain_verify(const att__cert *leaf, const att__chain_opts *o, att_diag *d)
{
    int rc = check_opts(leaf, o, d);
    if (rc != ATT_OK)
        return rc;
    path p;
    memset(&p, 0, sizeof(p));
    rc = build_path(leaf, o, &p, d);
    for (size_t i = 0; rc == ATT_OK && i < p.n; i++) {
        rc = check_cert(p.cert[i], o->at, d);
        if (rc == ATT_OK && i > 0)
            rc = check_issuer(&p, i, d);
    }
    if (rc != ATT_OK)
        return rc;

    int has_crl[PATH_MAX_CERTS] = {0};
    for (size_t c = 0; c < o->n_crls && rc == ATT_OK; c++) {
        X509_CRL *crl = (X509_CRL *)o->crls[c];
        long j = crl_issuer_index(&p, crl);
        if (j < 0)
            continue; /* not about this chain */
        rc = check_crl(&p, (size_t)j, crl, o->at, d);
        if (rc == ATT_OK)
            has_crl[j] = 1;
    }
    if (rc != ATT_OK)
        return rc;
    if (o->require_crls) {
        for (size_t j = 1; j < p.n; j++)
            if (!has_crl[j])
                return fail_cert(d, ATT_ECHAIN, "crl.missing", p.cert[j],
                                 "no CRL given for this certificate authority", NULL, NULL, NULL);
    }
    ERR_clear_error();
    return ATT_OK;
}
