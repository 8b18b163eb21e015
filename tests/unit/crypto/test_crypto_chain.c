/* Unit tests for att__chain_verify: every real DCAP chain (TCB signing, PCK CRL issuer and
 * the quotes' own PCK chains) with Intel's CRLs against both root issuances, SEV-SNP
 * VCEK -> ASK -> ARK chains (RSASSA-PSS, serial 0), and a generated PKI for revocation,
 * CRL validity, path length, CA, key usage, extension, anchor-matching and loop failures. */
#include "crypto_tu.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attest/error.h"
#include "core/codec.h"
#include "core/limits.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"

#define ROOT_PEM      "vectors/intel-root/Intel_SGX_RootCA.pem"
#define ROOT_PEM_2033 "vectors/intel-root/Intel_SGX_RootCA_notAfter2033.pem"
#define ROOT_DER      "vectors/intel-root/Intel_SGX_RootCA.der"
#define MAA_CERT      "vectors/maa/sdk-python/sgx-sharedwus-2022/signing_cert.der"
#define T0            1700000000LL /* 2023-11-14, "now" for the generated PKI */
#define YEAR          (365LL * 86400)
#define ROOT_SUBJECT  "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX Root CA"

/* ---- chains: real Intel DCAP collateral and quotes ---- */

typedef struct chain_case {
    att__cert **certs;
    size_t count;
    att__crl *crls[2];
    size_t n_crls;
    att__cert *anchor;
} chain_case;

static att__crl *crl_from_hex(const char *hex)
{
    size_t n = 0;
    uint8_t *der = tu_hex_decode(hex, &n);
    att__crl *crl = NULL;
    assert_int_equal(att__crl_from_der(der, n, &crl), ATT_OK);
    free(der);
    return crl;
}

/* Verifies certs[0] with certs as intermediates against one anchor. */
static int verify_chain(att__cert **certs, size_t count, const att__cert *anchor,
                        att__crl *const *crls, size_t n_crls, int require, int64_t at, att_diag *d)
{
    const att__cert *anchors[1] = {anchor};
    att__chain_opts o = {
        .intermediates = (const att__cert *const *)certs,
        .n_intermediates = count,
        .anchors = anchors,
        .n_anchors = 1,
        .crls = (const att__crl *const *)crls,
        .n_crls = n_crls,
        .require_crls = require,
        .at = at,
    };
    att_diag_clear(d);
    return att__chain_verify(certs[0], &o, d);
}

/* The PCK chain PEM embedded in a quote's certification data. */
static int quote_pck_chain(const char *rel, att__cert ***certs, size_t *count)
{
    size_t n = 0;
    uint8_t *q = tu_read_file(tu_shared_path(rel), &n);
    const char *begin = NULL, *end = NULL;
    for (size_t i = 0; i + 25 <= n; i++) {
        if (!begin && i + 27 <= n && memcmp(q + i, "-----BEGIN CERTIFICATE-----", 27) == 0)
            begin = (const char *)q + i;
        if (i + 25 <= n && memcmp(q + i, "-----END CERTIFICATE-----", 25) == 0)
            end = (const char *)q + i + 25;
    }
    int rc = ATT_ENOTFOUND;
    if (begin && end && end > begin)
        rc = att__certs_from_pem(begin, (size_t)(end - begin), certs, count);
    free(q);
    return rc;
}

static void dcap_real_chains(void **state)
{
    (void)state;
    json_t *m = tu_load_json("vectors/manifest-dcap.json");
    att__cert *root2049 = tu_load_cert(ROOT_PEM);
    att__cert *root2033 = tu_load_cert(ROOT_PEM_2033);
    att__cert *anchors[2] = {root2049, root2033};
    size_t idx;
    json_t *cs;
    int cases = 0;
    json_array_foreach(json_object_get(m, "cases"), idx, cs)
    {
        const char *colpath = json_string_value(json_object_get(cs, "collateral"));
        if (!colpath || strncmp(colpath, "normalized-collateral/", 22) != 0)
            continue;
        char rel[256];
        snprintf(rel, sizeof(rel), "vectors/%s", colpath);
        json_t *col = tu_load_json(rel);
        int64_t at = (int64_t)json_number_value(json_object_get(cs, "verification_time_unix"));
        json_t *win = json_object_get(cs, "collateral_valid_window");
        int64_t w0 = tu_parse_time(json_string_value(json_array_get(win, 0)));
        int64_t w1 = tu_parse_time(json_string_value(json_array_get(win, 1)));
        att__crl *crls[2] = {crl_from_hex(tu_jstr(col, "root_ca_crl")),
                             crl_from_hex(tu_jstr(col, "pck_crl"))};
        att_diag d;

        /* TCB signing chain and PCK CRL issuer chain, against both root issuances */
        const char *chains[] = {"tcb_info_issuer_chain", "qe_identity_issuer_chain",
                                "pck_crl_issuer_chain"};
        for (size_t c = 0; c < 3; c++) {
            const char *pem = tu_jstr(col, chains[c]);
            att__cert **certs = NULL;
            size_t count = 0;
            assert_int_equal(att__certs_from_pem(pem, strlen(pem), &certs, &count), ATT_OK);
            for (size_t a = 0; a < 2; a++) {
                int rc = verify_chain(certs, count, anchors[a], crls, 2, 1, at, &d);
                if (rc != ATT_OK)
                    fail_msg("%s %s anchor %zu: %s", colpath, chains[c], a, d.message);
                /* at the window edges, and just outside */
                assert_int_equal(verify_chain(certs, count, anchors[a], crls, 2, 1, w0, &d),
                                 ATT_OK);
                assert_int_equal(verify_chain(certs, count, anchors[a], crls, 2, 1, w1, &d),
                                 ATT_OK);
            }
            /* far outside the window (the CRLs and certificates of this chain may stay
             * valid a little past the collateral window, which tcbInfo dates also bound) */
            assert_int_equal(verify_chain(certs, count, root2049, crls, 2, 1, w1 + 10 * YEAR, &d),
                             ATT_EEXPIRED);
            assert_int_equal(d.err, ATT_EEXPIRED);
            assert_int_equal(verify_chain(certs, count, root2049, crls, 2, 1, w0 - 10 * YEAR, &d),
                             ATT_EEXPIRED);
            att__certs_free(certs, count);
        }

        /* the quote's own PCK chain: leaf -> PCK CA -> root, both CRLs required */
        char qrel[256];
        snprintf(qrel, sizeof(qrel), "vectors/%s", tu_jstr(cs, "quote"));
        att__cert **pck = NULL;
        size_t pn = 0;
        assert_int_equal(quote_pck_chain(qrel, &pck, &pn), ATT_OK);
        assert_int_equal(pn, 3);
        for (size_t a = 0; a < 2; a++) {
            int rc = verify_chain(pck, pn, anchors[a], crls, 2, 1, at, &d);
            if (rc != ATT_OK)
                fail_msg("%s PCK chain anchor %zu: %s", qrel, a, d.message);
        }
        /* without the PCK CRL: fine unless CRLs are required */
        assert_int_equal(verify_chain(pck, pn, root2049, crls, 1, 0, at, &d), ATT_OK);
        assert_int_equal(verify_chain(pck, pn, root2049, crls, 1, 1, at, &d), ATT_ECHAIN);
        assert_string_equal(d.reason, "crl.missing");
        assert_non_null(strstr(d.field, "PCK"));
        /* no CRLs at all, not required */
        assert_int_equal(verify_chain(pck, pn, root2049, NULL, 0, 0, at, &d), ATT_OK);
        /* CRLs out of date */
        assert_int_equal(verify_chain(pck, pn, root2049, crls, 2, 0, w1 + 86400 * 3650, &d),
                         ATT_EEXPIRED);
        att__certs_free(pck, pn);
        att__crl_free(crls[0]);
        att__crl_free(crls[1]);
        json_decref(col);
        cases++;
    }
    assert_int_equal(cases, 13);
    att__cert_free(root2049);
    att__cert_free(root2033);
    json_decref(m);
}

/* Wrong anchor, a tampered CRL, a broken chain from Open Enclave's negative tests. */
static void dcap_negative_chains(void **state)
{
    (void)state;
    json_t *col = tu_load_json("vectors/normalized-collateral/sgx-v3_phala-dcap-qvl.json");
    int64_t at = tu_parse_time("2025-06-20T00:00:00Z");
    att__cert **pck = NULL;
    size_t pn = 0;
    assert_int_equal(quote_pck_chain("vectors/sgx-v3/phala-dcap-qvl/sgx_quote.bin", &pck, &pn),
                     ATT_OK);
    att_diag d;

    /* an AMD root as the only anchor */
    size_t an = 0;
    char *amd = tu_read_shared_text("vectors/snp/amd-roots/ask_ark_milan.pem", &an);
    att__cert **ark = NULL;
    size_t arkn = 0;
    assert_int_equal(att__certs_from_pem(amd, an, &ark, &arkn), ATT_OK);
    assert_int_equal(verify_chain(pck, pn, ark[1], NULL, 0, 0, at, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "chain.untrusted_root");
    assert_non_null(strstr(d.message, "Intel SGX Root CA"));
    /* without the root among the intermediates the issuer is simply missing */
    assert_int_equal(verify_chain(pck, 2, ark[1], NULL, 0, 0, at, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "chain.issuer_not_found");
    assert_non_null(strstr(d.field, "PCK Processor CA"));
    att__certs_free(ark, arkn);
    free(amd);

    /* a root CRL whose signature is damaged */
    size_t dn = 0;
    uint8_t *der = tu_hex_decode(tu_jstr(col, "root_ca_crl"), &dn);
    der[dn - 5] ^= 0x01; /* inside s of the ECDSA signature */
    att__crl *bad = NULL;
    assert_int_equal(att__crl_from_der(der, dn, &bad), ATT_OK);
    att__cert *root = tu_load_cert(ROOT_PEM);
    assert_int_equal(verify_chain(pck, pn, root, &bad, 1, 0, at, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "crl.signature");
    att__crl_free(bad);
    free(der);

    /* the PCK CRL given as the only CRL while the chain needs the root's too */
    att__crl *pckcrl = crl_from_hex(tu_jstr(col, "pck_crl"));
    assert_int_equal(verify_chain(pck, pn, root, &pckcrl, 1, 1, at, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "crl.missing");
    assert_non_null(strstr(d.field, "Intel SGX Root CA"));
    att__crl_free(pckcrl);
    att__certs_free(pck, pn);

    /* Open Enclave's sgx_report_bad: the PCK CA in the quote was altered */
    assert_int_equal(
        quote_pck_chain("vectors/sgx-v3/openenclave-negative/sgx_report_bad.bin", &pck, &pn),
        ATT_OK);
    assert_int_equal(
        verify_chain(pck, pn, root, NULL, 0, 0, tu_parse_time("2022-05-01T00:00:00Z"), &d),
        ATT_ECHAIN);
    assert_non_null(strstr(d.message, "PCK Certificate"));
    att__certs_free(pck, pn);

    /* the leaf itself is the anchor (a chain of one) */
    const att__cert *anchors[2] = {root, NULL};
    att__chain_opts o = {.anchors = anchors, .n_anchors = 1, .at = at};
    assert_int_equal(att__chain_verify(root, &o, &d), ATT_OK);
    /* hostile options */
    o.n_anchors = 2; /* a NULL entry */
    assert_int_equal(att__chain_verify(root, &o, &d), ATT_EINVAL);
    o.n_anchors = 0;
    assert_int_equal(att__chain_verify(root, &o, &d), ATT_EINVAL);
    o.n_anchors = 1;
    o.n_intermediates = 3; /* count without array */
    assert_int_equal(att__chain_verify(root, &o, NULL), ATT_EINVAL);
    o.n_intermediates = 0;
    assert_int_equal(att__chain_verify(NULL, &o, &d), ATT_EINVAL);
    assert_int_equal(att__chain_verify(root, NULL, &d), ATT_EINVAL);
    att__cert_free(root);
    json_decref(col);
}

/* ---- chains: SEV-SNP (RSASSA-PSS ASK/ARK, serial-0 VCEKs) ---- */

static void snp_real_chains(void **state)
{
    (void)state;
    json_t *m = tu_load_json("vectors/manifest-snp.json");
    size_t idx;
    json_t *cs;
    int ok = 0, bad = 0;
    json_array_foreach(json_object_get(m, "cases"), idx, cs)
    {
        char rel[256];
        snprintf(rel, sizeof(rel), "vectors/%s", tu_jstr(cs, "vek"));
        att__cert *vek = tu_load_cert(rel);
        size_t n = 0;
        snprintf(rel, sizeof(rel), "vectors/%s", tu_jstr(cs, "ask_ark"));
        char *pem = tu_read_shared_text(rel, &n);
        att__cert **aa = NULL;
        size_t aan = 0;
        assert_int_equal(att__certs_from_pem(pem, n, &aa, &aan), ATT_OK);
        free(pem);
        int64_t at = tu_parse_time(tu_jstr(cs, "verification_time"));
        const att__cert *inter[1] = {aa[0]};
        const att__cert *anchors[1] = {aa[1]};
        att__chain_opts o = {.intermediates = inter,
                             .n_intermediates = 1,
                             .anchors = anchors,
                             .n_anchors = 1,
                             .at = at};
        att_diag d;
        att_diag_clear(&d);
        int rc = att__chain_verify(vek, &o, &d);
        json_t *checks = json_object_get(json_object_get(cs, "expected"), "checks");
        if (json_is_true(json_object_get(checks, "vek_by_ask"))) {
            if (rc != ATT_OK)
                fail_msg("%s: %s", tu_jstr(cs, "id"), d.message);
            ok++;
            /* the ASK alone verifies against the ARK, and the ARK against itself */
            assert_int_equal(att__chain_verify(aa[0], &o, &d), ATT_OK);
            assert_int_equal(att__chain_verify(aa[1], &o, &d), ATT_OK);
            /* expired after the VCEK's seven years */
            o.at = at + 86400LL * 365 * 10;
            assert_int_equal(att__chain_verify(vek, &o, &d), ATT_EEXPIRED);
            assert_string_equal(d.reason, "chain.expired");
            assert_non_null(strstr(d.message, "SEV-VCEK"));
            assert_non_null(strstr(d.message, "certificate expired"));
        } else {
            assert_int_equal(rc, ATT_ECHAIN);
            assert_string_equal(d.reason, "chain.signature");
            assert_non_null(strstr(d.field, "SEV-VCEK"));
            bad++;
        }
        att__certs_free(aa, aan);
        att__cert_free(vek);
    }
    assert_int_equal(ok, 4);
    assert_int_equal(bad, 2);
    json_decref(m);

    /* Turin: VCEK + a 2-cert bundle; the Azure bundle VCEK+ASK+ARK as intermediates */
    att__cert *turin = tu_load_cert("vectors/snp/virtee-sev/vcek_turin.der");
    size_t n = 0;
    char *pem = tu_read_shared_text("vectors/snp/virtee-sev/cert_chain_turin.pem", &n);
    att__cert **aa = NULL;
    size_t aan = 0;
    assert_int_equal(att__certs_from_pem(pem, n, &aa, &aan), ATT_OK);
    free(pem);
    att__cert *ark = NULL;
    for (size_t i = 0; i < aan; i++) {
        char *s = NULL;
        assert_int_equal(att__cert_subject(aa[i], &s), ATT_OK);
        if (strstr(s, "CN=ARK-Turin"))
            ark = aa[i];
        free(s);
    }
    assert_non_null(ark);
    att_diag d;
    assert_int_equal(
        verify_chain(aa, aan, ark, NULL, 0, 0, tu_parse_time("2025-06-01T00:00:00Z"), &d), ATT_OK);
    const att__cert *anchors[1] = {ark};
    att__chain_opts o = {.intermediates = (const att__cert *const *)aa,
                         .n_intermediates = aan,
                         .anchors = anchors,
                         .n_anchors = 1,
                         .at = tu_parse_time("2025-06-01T00:00:00Z")};
    att_diag_clear(&d);
    int rc = att__chain_verify(turin, &o, &d);
    if (rc != ATT_OK)
        fail_msg("turin: %s", d.message);
    att__certs_free(aa, aan);
    att__cert_free(turin);

    pem = tu_read_shared_text("vectors/azure-cvm/az-snp-vtpm/vcek.pem", &n);
    assert_int_equal(att__certs_from_pem(pem, n, &aa, &aan), ATT_OK);
    assert_int_equal(aan, 3);
    free(pem);
    /* the bundle's own ARK is accepted as anchor; Milan's pinned ARK too */
    assert_int_equal(
        verify_chain(aa, aan, aa[2], NULL, 0, 0, tu_parse_time("2025-01-01T00:00:00Z"), &d),
        ATT_OK);
    pem = tu_read_shared_text("vectors/snp/amd-roots/ask_ark_milan.pem", &n);
    att__cert **milan = NULL;
    size_t mn = 0;
    assert_int_equal(att__certs_from_pem(pem, n, &milan, &mn), ATT_OK);
    free(pem);
    assert_int_equal(
        verify_chain(aa, aan, milan[1], NULL, 0, 0, tu_parse_time("2025-01-01T00:00:00Z"), &d),
        ATT_OK);
    /* Genoa's ARK is not Milan's */
    pem = tu_read_shared_text("vectors/snp/amd-roots/ask_ark_genoa.pem", &n);
    att__cert **genoa = NULL;
    size_t gn = 0;
    assert_int_equal(att__certs_from_pem(pem, n, &genoa, &gn), ATT_OK);
    free(pem);
    assert_int_equal(
        verify_chain(aa, aan, genoa[1], NULL, 0, 0, tu_parse_time("2025-01-01T00:00:00Z"), &d),
        ATT_ECHAIN);
    att__certs_free(genoa, gn);
    att__certs_free(milan, mn);
    att__certs_free(aa, aan);
}

/* ---- chains: a generated PKI (revocation, constraints, extensions) ---- */

typedef struct gen_opts {
    const char *bc;           /* basicConstraints value, NULL for none */
    const char *ku;           /* keyUsage value, NULL for none */
    long serial;              /* may be zero or negative */
    int64_t nb, na;           /* validity */
    const char *critical_oid; /* add an unknown critical extension with this OID */
} gen_opts;

static EVP_PKEY *gen_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    return k;
}

/* A certificate for key with subject CN=cn, issued by issuer/ikey (NULL: self-signed). */
static X509 *gen_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
                      const gen_opts *g)
{
    X509 *x = X509_new();
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), g->serial), 1);
    X509_NAME *name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509_NAME_free(name);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(g->nb ? g->nb : T0 - YEAR));
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(g->na ? g->na : T0 + YEAR));
    X509_set_pubkey(x, key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e;
    if (g->bc) {
        e = X509V3_EXT_nconf_nid(NULL, &ctx, NID_basic_constraints, g->bc);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (g->ku) {
        e = X509V3_EXT_nconf_nid(NULL, &ctx, NID_key_usage, g->ku);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (g->critical_oid) {
        e = X509V3_EXT_nconf(NULL, &ctx, g->critical_oid, "critical,DER:05:00");
        assert_non_null(e);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    assert_true(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
    return x;
}

/* A CRL by ca listing serials, valid [this, next] (next 0: no nextUpdate). */
static X509_CRL *gen_crl(X509 *ca, EVP_PKEY *cakey, const long *serials, size_t n, int64_t this,
                         int64_t next)
{
    X509_CRL *crl = X509_CRL_new();
    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
    ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)this);
    X509_CRL_set1_lastUpdate(crl, t);
    if (next) {
        ASN1_TIME *nt = ASN1_TIME_set(NULL, (time_t)next);
        X509_CRL_set1_nextUpdate(crl, nt);
        ASN1_TIME_free(nt);
    }
    for (size_t i = 0; i < n; i++) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *s = ASN1_INTEGER_new();
        ASN1_INTEGER_set(s, serials[i]);
        X509_REVOKED_set_serialNumber(r, s);
        X509_REVOKED_set_revocationDate(r, t);
        X509_CRL_add0_revoked(crl, r);
        ASN1_INTEGER_free(s);
    }
    ASN1_TIME_free(t);
    X509_CRL_sort(crl);
    assert_true(X509_CRL_sign(crl, cakey, EVP_sha256()) > 0);
    return crl;
}

/* A root, an intermediate and a leaf with default (valid) settings. */
typedef struct pki {
    EVP_PKEY *rk, *ik, *lk;
    X509 *root, *inter, *leaf;
} pki;

static const gen_opts CA_OPTS = {"critical,CA:TRUE", "critical,keyCertSign,cRLSign", 1, 0, 0, NULL};

static void pki_make(pki *p, const gen_opts *inter_opts, const gen_opts *leaf_opts)
{
    p->rk = gen_key();
    p->ik = gen_key();
    p->lk = gen_key();
    p->root = gen_cert("Test Root", p->rk, NULL, NULL, &CA_OPTS);
    gen_opts io = inter_opts ? *inter_opts : CA_OPTS;
    p->inter = gen_cert("Test CA", p->ik, p->root, p->rk, &io);
    gen_opts lo =
        leaf_opts ? *leaf_opts : (gen_opts){"critical,CA:FALSE", NULL, 0x1234, 0, 0, NULL};
    p->leaf = gen_cert("Test Leaf", p->lk, p->inter, p->ik, &lo);
}

static void pki_free(pki *p)
{
    X509_free(p->root);
    X509_free(p->inter);
    X509_free(p->leaf);
    EVP_PKEY_free(p->rk);
    EVP_PKEY_free(p->ik);
    EVP_PKEY_free(p->lk);
}

static int pki_verify(const pki *p, X509_CRL **crls, size_t n_crls, int require, int64_t at,
                      att_diag *d)
{
    const att__cert *inter[2] = {p->inter, p->root};
    const att__cert *anchors[1] = {p->root};
    att__chain_opts o = {.intermediates = inter,
                         .n_intermediates = 2,
                         .anchors = anchors,
                         .n_anchors = 1,
                         .crls = (const att__crl *const *)crls,
                         .n_crls = n_crls,
                         .require_crls = require,
                         .at = at};
    att_diag_clear(d);
    return att__chain_verify(p->leaf, &o, d);
}

static void generated_revocation(void **state)
{
    (void)state;
    pki p;
    pki_make(&p, NULL, NULL);
    att_diag d;
    assert_int_equal(pki_verify(&p, NULL, 0, 0, T0, &d), ATT_OK);

    long other[] = {7, 99};
    long listed[] = {7, 0x1234};
    X509_CRL *root_crl = gen_crl(p.root, p.rk, NULL, 0, T0 - 86400, T0 + 86400);
    X509_CRL *ok_crl = gen_crl(p.inter, p.ik, other, 2, T0 - 86400, T0 + 86400);
    X509_CRL *rev_crl = gen_crl(p.inter, p.ik, listed, 2, T0 - 86400, T0 + 86400);
    X509_CRL *crls[2] = {root_crl, ok_crl};
    assert_int_equal(pki_verify(&p, crls, 2, 1, T0, &d), ATT_OK);

    crls[1] = rev_crl;
    assert_int_equal(pki_verify(&p, crls, 2, 1, T0, &d), ATT_EREVOKED);
    assert_int_equal(d.err, ATT_EREVOKED);
    assert_string_equal(d.reason, "chain.revoked");
    assert_string_equal(d.field, "CN=Test Leaf");
    assert_non_null(strstr(d.message, "revoked by CRL of CN=Test CA (serial 1234)"));
    assert_string_equal(d.found, "serial 1234");

    /* the root revoking the intermediate */
    long inter_serial[] = {1};
    X509_CRL *root_rev = gen_crl(p.root, p.rk, inter_serial, 1, T0 - 86400, T0 + 86400);
    crls[0] = root_rev;
    crls[1] = ok_crl;
    assert_int_equal(pki_verify(&p, crls, 2, 0, T0, &d), ATT_EREVOKED);
    assert_string_equal(d.field, "CN=Test CA");
    assert_non_null(strstr(d.message, "revoked by CRL of CN=Test Root (serial 1)"));

    /* CRL validity: expired, not yet valid, no nextUpdate */
    X509_CRL *old = gen_crl(p.inter, p.ik, other, 2, T0 - 3 * 86400, T0 - 86400);
    X509_CRL *future = gen_crl(p.inter, p.ik, other, 2, T0 + 86400, T0 + 2 * 86400);
    X509_CRL *open_ended = gen_crl(p.inter, p.ik, other, 2, T0 - 86400, 0);
    assert_int_equal(pki_verify(&p, &old, 1, 0, T0, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "crl.expired");
    assert_string_equal(d.field, "CN=Test CA");
    assert_int_equal(pki_verify(&p, &future, 1, 0, T0, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "crl.not_yet_valid");
    assert_int_equal(pki_verify(&p, &open_ended, 1, 0, T0, &d), ATT_OK);

    /* a CRL signed by the wrong key; a CRL from an unrelated CA is ignored */
    X509_CRL *forged = gen_crl(p.inter, p.rk, other, 2, T0 - 86400, T0 + 86400);
    assert_int_equal(pki_verify(&p, &forged, 1, 0, T0, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "crl.signature");
    pki q;
    pki_make(&q, NULL, NULL);
    /* q's root has p's root's name but another key: its CRL does not verify */
    X509_CRL *impostor = gen_crl(q.root, q.rk, other, 2, T0 - 86400, T0 + 86400);
    assert_int_equal(pki_verify(&p, &impostor, 1, 0, T0, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "crl.signature");
    assert_string_equal(d.field, "CN=Test Root");
    /* a CRL of a CA outside the path is ignored, even one listing the leaf's serial */
    X509 *stranger = gen_cert("Unrelated CA", q.ik, NULL, NULL, &CA_OPTS);
    X509_CRL *foreign = gen_crl(stranger, q.ik, listed, 2, T0 - 86400, T0 + 86400);
    assert_int_equal(pki_verify(&p, &foreign, 1, 0, T0, &d), ATT_OK);
    X509_CRL_free(impostor);
    X509_free(stranger);

    X509_CRL_free(foreign);
    X509_CRL_free(forged);
    X509_CRL_free(old);
    X509_CRL_free(future);
    X509_CRL_free(open_ended);
    X509_CRL_free(root_rev);
    X509_CRL_free(root_crl);
    X509_CRL_free(ok_crl);
    X509_CRL_free(rev_crl);
    pki_free(&q);
    pki_free(&p);
}

/* Zero and negative serials load, print, verify and can be revoked. */
static void generated_odd_serials(void **state)
{
    (void)state;
    long serials[] = {0, -5, -0x123456};
    const char *hex[] = {"0", "-5", "-123456"};
    for (size_t i = 0; i < 3; i++) {
        pki p;
        gen_opts lo = {"critical,CA:FALSE", NULL, serials[i], 0, 0, NULL};
        pki_make(&p, NULL, &lo);
        /* through DER and back, as evidence arrives */
        uint8_t *der = NULL;
        size_t n = 0;
        assert_int_equal(att__cert_der(p.leaf, &der, &n), ATT_OK);
        att__cert *c = NULL;
        assert_int_equal(att__cert_from_der(der, n, &c), ATT_OK);
        free(der);
        char *s = NULL;
        assert_int_equal(att__cert_serial_hex(c, &s), ATT_OK);
        assert_string_equal(s, hex[i]);
        free(s);
        X509_free(p.leaf);
        p.leaf = c;
        att_diag d;
        assert_int_equal(pki_verify(&p, NULL, 0, 0, T0, &d), ATT_OK);
        X509_CRL *crl = gen_crl(p.inter, p.ik, &serials[i], 1, T0 - 86400, T0 + 86400);
        assert_int_equal(pki_verify(&p, &crl, 1, 0, T0, &d), ATT_EREVOKED);
        char want[64];
        snprintf(want, sizeof(want), "(serial %s)", hex[i]);
        assert_non_null(strstr(d.message, want));
        X509_CRL_free(crl);
        pki_free(&p);
    }
}

static void generated_constraints(void **state)
{
    (void)state;
    att_diag d;
    pki p;

    /* intermediate without CA:TRUE */
    gen_opts notca = {"critical,CA:FALSE", NULL, 1, 0, 0, NULL};
    pki_make(&p, &notca, NULL);
    assert_int_equal(pki_verify(&p, NULL, 0, 0, T0, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "chain.not_ca");
    assert_string_equal(d.field, "CN=Test CA");
    pki_free(&p);

    /* no basicConstraints at all */
    gen_opts nobc = {NULL, NULL, 1, 0, 0, NULL};
    pki_make(&p, &nobc, NULL);
    assert_int_equal(pki_verify(&p, NULL, 0, 0, T0, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "chain.not_ca");
    pki_free(&p);

    /* keyUsage without keyCertSign */
    gen_opts noku = {"critical,CA:TRUE", "critical,digitalSignature", 1, 0, 0, NULL};
    pki_make(&p, &noku, NULL);
    assert_int_equal(pki_verify(&p, NULL, 0, 0, T0, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "chain.key_usage");
    pki_free(&p);

    /* an unknown critical extension on the leaf */
    gen_opts crit = {"critical,CA:FALSE", NULL, 9, 0, 0, "1.3.6.1.4.1.99999.1"};
    pki_make(&p, NULL, &crit);
    assert_int_equal(pki_verify(&p, NULL, 0, 0, T0, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "chain.critical_extension");
    assert_string_equal(d.field, "CN=Test Leaf");
    pki_free(&p);

    /* the intermediate not yet valid / expired */
    gen_opts later = {"critical,CA:TRUE", NULL, 1, T0 + 10, T0 + YEAR, NULL};
    pki_make(&p, &later, NULL);
    assert_int_equal(pki_verify(&p, NULL, 0, 0, T0, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "chain.not_yet_valid");
    assert_string_equal(d.field, "CN=Test CA");
    assert_string_equal(d.found, "2023-11-14T22:13:20Z");
    pki_free(&p);

    /* pathlen:0 on the root, yet an intermediate below it */
    pki_make(&p, NULL, NULL);
    X509_free(p.root);
    gen_opts pl0 = {"critical,CA:TRUE,pathlen:0", NULL, 1, 0, 0, NULL};
    p.root = gen_cert("Test Root", p.rk, NULL, NULL, &pl0);
    assert_int_equal(pki_verify(&p, NULL, 0, 0, T0, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "chain.path_length");
    assert_string_equal(d.field, "CN=Test Root");
    pki_free(&p);

    /* pathlen:0 on the intermediate that issues the leaf is fine */
    gen_opts ipl0 = {"critical,CA:TRUE,pathlen:0", NULL, 1, 0, 0, NULL};
    pki_make(&p, &ipl0, NULL);
    assert_int_equal(pki_verify(&p, NULL, 0, 0, T0, &d), ATT_OK);

    /* the anchor is matched by subject + key: a re-issued root with the same key */
    gen_opts reissue = {"critical,CA:TRUE", NULL, 77, T0 - 10, T0 + 10 * YEAR, NULL};
    X509 *root2 = gen_cert("Test Root", p.rk, NULL, NULL, &reissue);
    const att__cert *inter[2] = {p.inter, p.root};
    const att__cert *anchors[1] = {root2};
    att__chain_opts o = {
        .intermediates = inter, .n_intermediates = 2, .anchors = anchors, .n_anchors = 1, .at = T0};
    assert_int_equal(att__chain_verify(p.leaf, &o, &d), ATT_OK);
    /* the configured anchor's validity is what counts */
    o.at = T0 - 100;
    assert_int_equal(att__chain_verify(p.leaf, &o, &d), ATT_EEXPIRED);
    assert_string_equal(d.field, "CN=Test Root");
    /* a root with the same name but another key is not the anchor */
    EVP_PKEY *other = gen_key();
    X509 *impostor = gen_cert("Test Root", other, NULL, NULL, &CA_OPTS);
    anchors[0] = impostor;
    o.at = T0;
    assert_int_equal(att__chain_verify(p.leaf, &o, &d), ATT_ECHAIN);
    X509_free(impostor);
    EVP_PKEY_free(other);
    X509_free(root2);
    pki_free(&p);
}

/* A path longer than ATT_MAX_CHAIN_CERTS is refused; a cycle terminates. */
static void generated_long_and_cyclic(void **state)
{
    (void)state;
    enum { N = ATT_MAX_CHAIN_CERTS + 2 };
    EVP_PKEY *keys[N];
    X509 *certs[N];
    char cn[32];
    keys[0] = gen_key();
    certs[0] = gen_cert("CA 0", keys[0], NULL, NULL, &CA_OPTS);
    for (int i = 1; i < N; i++) {
        keys[i] = gen_key();
        snprintf(cn, sizeof(cn), "CA %d", i);
        certs[i] = gen_cert(cn, keys[i], certs[i - 1], keys[i - 1], &CA_OPTS);
    }
    const att__cert *anchors[1] = {certs[0]};
    att__chain_opts o = {.intermediates = (const att__cert *const *)certs,
                         .n_intermediates = N,
                         .anchors = anchors,
                         .n_anchors = 1,
                         .at = T0};
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__chain_verify(certs[N - 1], &o, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "chain.too_long");
    att_diag_clear(&d);
    assert_int_equal(att__chain_verify(certs[ATT_MAX_CHAIN_CERTS - 1], &o, &d), ATT_OK);

    /* A and B issue each other (same keys under two names): no anchor, must terminate */
    gen_opts ca = CA_OPTS;
    X509 *a = gen_cert("Cycle A", keys[1], certs[2], keys[2], &ca);
    X509 *b = gen_cert("CA 2", keys[2], a, keys[1], &ca);
    const att__cert *cyc[2] = {a, b};
    o.intermediates = cyc;
    o.n_intermediates = 2;
    att_diag_clear(&d);
    assert_int_equal(att__chain_verify(a, &o, &d), ATT_ECHAIN);
    X509_free(a);
    X509_free(b);
    for (int i = 0; i < N; i++) {
        X509_free(certs[i]);
        EVP_PKEY_free(keys[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dcap_real_chains),          cmocka_unit_test(dcap_negative_chains),
        cmocka_unit_test(snp_real_chains),           cmocka_unit_test(generated_revocation),
        cmocka_unit_test(generated_odd_serials),     cmocka_unit_test(generated_constraints),
        cmocka_unit_test(generated_long_and_cyclic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
