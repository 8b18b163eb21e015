/* The synthetic Intel-style DCAP PKI of sgx_synth.h: certificates, CRLs, signed TCB info and
 * QE identity, and an SGX v3 quote, generated with OpenSSL at test time. Any OpenSSL failure
 * fails the running test (these are fixtures, not code under test). */
#include "sgx_synth.h"

#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/codec.h"
#include "core/timeutil.h"

#define SGX_EXT_OID "1.2.840.113741.1.13.1"

static const uint8_t intel_qe_vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                            0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
/* MRSIGNER of Intel's SGX quoting enclave (the QE identity Intel serves). */
static const uint8_t intel_qe_mrsigner[32] = {
    0x8c, 0x4f, 0x57, 0x75, 0xd7, 0x96, 0x50, 0x3e, 0x96, 0x13, 0x7f, 0x77, 0xc6, 0x8a, 0x82, 0x9a,
    0x00, 0x56, 0xac, 0x8d, 0xed, 0x70, 0x14, 0x0b, 0x08, 0x1b, 0x09, 0x44, 0x90, 0xc5, 0x7b, 0xff};

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fail_msg("sgx_synth: %s failed (%s:%d)", #cond, __FILE__, __LINE__);                   \
    } while (0)

/* ---- defaults ---- */

static void level(synth_tcb_level *l, uint8_t svn, uint16_t pcesvn, const char *status,
                  const char *date, const char *a0, const char *a1)
{
    memset(l, 0, sizeof(*l));
    memset(l->comp_svn, svn, 16);
    l->pcesvn = pcesvn;
    l->status = status;
    l->date = date;
    if (a0)
        l->advisories[l->n_advisories++] = a0;
    if (a1)
        l->advisories[l->n_advisories++] = a1;
}

void sgx_synth_defaults(sgx_synth_params *p, int64_t at)
{
    memset(p, 0, sizeof(*p));
    p->at = at;
    const int64_t year = 365 * SYNTH_DAY;
    p->root = (synth_cert_params){"22650cd65a9d3489f383b49552bf501b392706ac", at - 5 * year,
                                  at + 20 * year};
    p->pck_ca =
        (synth_cert_params){"d0e8aada75d7f92e49179833c7b1465dd5f2594d", at - year, at + 5 * year};
    p->pck = (synth_cert_params){"2a5b8a0c3d4e5f60718293a4b5c6d7e8f9012345", at - year, at + year};
    p->tcb_signer =
        (synth_cert_params){"7e3882d5fb55294a40498e458403e91491bdf455", at - year, at + 5 * year};
    p->root_crl =
        (synth_crl_params){.this_update = at - SYNTH_DAY, .next_update = at + 29 * SYNTH_DAY};
    p->pck_crl = p->root_crl;

    for (int i = 0; i < 16; i++) {
        p->ext.ppid[i] = (uint8_t)(0xa0 + i);
        p->ext.cpusvn[i] = 5;
    }
    memset(p->ext.comp_svn, 5, 16);
    p->ext.pcesvn = 13;
    static const uint8_t fmspc[6] = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};
    memcpy(p->ext.fmspc, fmspc, 6);
    p->ext.sgx_type = 0;

    p->tcb.issue_date = at - SYNTH_DAY;
    p->tcb.next_update = at + 29 * SYNTH_DAY;
    p->tcb.eval_number = 17;
    memcpy(p->tcb.fmspc, fmspc, 6);
    level(&p->tcb.levels[0], 5, 13, "UpToDate", "2024-03-13T00:00:00Z", NULL, NULL);
    level(&p->tcb.levels[1], 4, 13, "SWHardeningNeeded", "2024-03-13T00:00:00Z", "INTEL-SA-00615",
          NULL);
    level(&p->tcb.levels[2], 3, 13, "ConfigurationNeeded", "2023-08-09T00:00:00Z", "INTEL-SA-00289",
          "INTEL-SA-00615");
    level(&p->tcb.levels[3], 2, 11, "OutOfDate", "2023-02-15T00:00:00Z", "INTEL-SA-00828",
          "INTEL-SA-00615");
    level(&p->tcb.levels[4], 1, 5, "Revoked", "2018-01-04T00:00:00Z", "INTEL-SA-00233", NULL);
    p->tcb.n_levels = 5;

    p->qe_id.issue_date = at - SYNTH_DAY;
    p->qe_id.next_update = at + 29 * SYNTH_DAY;
    p->qe_id.eval_number = 17;
    memset(p->qe_id.miscselect_mask, 0xff, 4);
    p->qe_id.attributes[0] = 0x11;
    p->qe_id.attributes_mask[0] = 0xfb;
    memset(p->qe_id.attributes_mask + 1, 0xff, 7);
    memcpy(p->qe_id.mrsigner, intel_qe_mrsigner, 32);
    p->qe_id.isvprodid = 1;
    p->qe_id.levels[0] = (synth_qe_level){8, "UpToDate", "2024-03-13T00:00:00Z", {NULL}, 0};
    p->qe_id.levels[1] =
        (synth_qe_level){6, "OutOfDate", "2021-11-10T00:00:00Z", {"INTEL-SA-00615"}, 1};
    p->qe_id.levels[2] =
        (synth_qe_level){2, "Revoked", "2019-05-15T00:00:00Z", {"INTEL-SA-00219"}, 1};
    p->qe_id.n_levels = 3;

    p->qe.attributes[0] = 0x11; /* INIT | PROVISIONKEY */
    p->qe.attributes[8] = 0xe7; /* XFRM */
    memcpy(p->qe.mrsigner, intel_qe_mrsigner, 32);
    p->qe.isvprodid = 1;
    p->qe.isvsvn = 8;
    for (int i = 0; i < 32; i++)
        p->qe.auth_data[i] = (uint8_t)i; /* what Intel's QE sends */
    p->qe.auth_len = 32;

    memset(p->enclave.mrenclave, 0x5e, 32);
    memset(p->enclave.mrsigner, 0x51, 32);
    p->enclave.attributes[0] = 0x05; /* INIT | MODE64BIT */
    p->enclave.attributes[8] = 0x03;
    p->enclave.isvprodid = 7;
    p->enclave.isvsvn = 3;
    memcpy(p->enclave.report_data, "synthetic sgx quote report data", 31);
}

/* ---- growable text ---- */

typedef struct text {
    char *s;
    size_t n, cap;
} text;

__attribute__((format(printf, 2, 3))) static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        CHECK(k >= 0);
        if (t->s && t->n + (size_t)k < t->cap) {
            t->n += (size_t)k;
            return;
        }
        t->cap = (t->cap + (size_t)k + 1) * 2;
        t->s = realloc(t->s, t->cap);
        CHECK(t->s);
    }
}

static void put_hex(text *t, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(t, "%02X", b[i]);
}

static const char *time_str(int64_t t, char buf[32])
{
    return att__time_format(t, buf, 32);
}

/* ---- OpenSSL building blocks ---- */

static EVP_PKEY *gen_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    CHECK(k);
    return k;
}

static ASN1_INTEGER *hex_integer(const char *hex)
{
    BIGNUM *bn = NULL;
    CHECK(BN_hex2bn(&bn, hex) > 0);
    ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, NULL);
    BN_free(bn);
    CHECK(ai);
    return ai;
}

/* An Intel-shaped name: CN first in the DER, then O, L, ST, C. */
static X509_NAME *intel_name(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    CHECK(n);
    const char *f[5][2] = {
        {"CN", cn}, {"O", "Intel Corporation"}, {"L", "Santa Clara"}, {"ST", "CA"}, {"C", "US"}};
    for (int i = 0; i < 5; i++)
        CHECK(X509_NAME_add_entry_by_txt(n, f[i][0], MBSTRING_UTF8, (const unsigned char *)f[i][1],
                                         -1, -1, 0) == 1);
    return n;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    CHECK(e);
    CHECK(X509_add_ext(x, e, -1) == 1);
    X509_EXTENSION_free(e);
}

/* ASN.1 ANY holding the DER of a SEQUENCE OF ANY (consumes sk). */
static ASN1_TYPE *seq_any(STACK_OF(ASN1_TYPE) * sk)
{
    unsigned char *der = NULL;
    int n = i2d_ASN1_SEQUENCE_ANY(sk, &der);
    CHECK(n > 0);
    ASN1_STRING *s = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
    CHECK(s && ASN1_STRING_set(s, der, n) == 1);
    ASN1_TYPE *t = ASN1_TYPE_new();
    CHECK(t);
    ASN1_TYPE_set(t, V_ASN1_SEQUENCE, s);
    OPENSSL_free(der);
    sk_ASN1_TYPE_pop_free(sk, ASN1_TYPE_free);
    return t;
}

static ASN1_TYPE *any_octets(const uint8_t *b, size_t n)
{
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    CHECK(os && ASN1_OCTET_STRING_set(os, b, (int)n) == 1);
    ASN1_TYPE *t = ASN1_TYPE_new();
    CHECK(t);
    ASN1_TYPE_set(t, V_ASN1_OCTET_STRING, os);
    return t;
}

static ASN1_TYPE *any_int(long v, int enumerated)
{
    ASN1_TYPE *t = ASN1_TYPE_new();
    CHECK(t);
    if (enumerated) {
        ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();
        CHECK(e && ASN1_ENUMERATED_set(e, v) == 1);
        ASN1_TYPE_set(t, V_ASN1_ENUMERATED, e);
    } else {
        ASN1_INTEGER *i = ASN1_INTEGER_new();
        CHECK(i && ASN1_INTEGER_set(i, v) == 1);
        ASN1_TYPE_set(t, V_ASN1_INTEGER, i);
    }
    return t;
}

static ASN1_TYPE *any_bool(int v)
{
    ASN1_TYPE *t = ASN1_TYPE_new();
    CHECK(t);
    ASN1_TYPE_set(t, V_ASN1_BOOLEAN, v ? (void *)1 : NULL);
    return t;
}

/* Appends SEQUENCE { OID <prefix>.<arc>, value } to sk (consumes value). */
static void push_pair(STACK_OF(ASN1_TYPE) * sk, const char *prefix, const char *arc,
                      ASN1_TYPE *value)
{
    char oid[96];
    snprintf(oid, sizeof(oid), "%s%s%s", prefix, arc ? "." : "", arc ? arc : "");
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    CHECK(obj);
    ASN1_TYPE *o = ASN1_TYPE_new();
    CHECK(o);
    ASN1_TYPE_set(o, V_ASN1_OBJECT, obj);
    STACK_OF(ASN1_TYPE) *pair = sk_ASN1_TYPE_new_null();
    CHECK(pair && sk_ASN1_TYPE_push(pair, o) > 0 && sk_ASN1_TYPE_push(pair, value) > 0);
    CHECK(sk_ASN1_TYPE_push(sk, seq_any(pair)) > 0);
}

/* The SGX extension (reference/hw-evidence.md §2.10) as a non-critical extension of x. */
static void add_sgx_ext(X509 *x, const sgx_synth_params *p)
{
    STACK_OF(ASN1_TYPE) *top = sk_ASN1_TYPE_new_null();
    STACK_OF(ASN1_TYPE) *tcb = sk_ASN1_TYPE_new_null();
    CHECK(top && tcb);
    char arc[8];
    for (int i = 1; i <= 16; i++) {
        snprintf(arc, sizeof(arc), "%d", i);
        push_pair(tcb, SGX_EXT_OID ".2", arc, any_int(p->ext.comp_svn[i - 1], 0));
    }
    push_pair(tcb, SGX_EXT_OID ".2", "17", any_int(p->ext.pcesvn, 0));
    push_pair(tcb, SGX_EXT_OID ".2", "18", any_octets(p->ext.cpusvn, 16));

    push_pair(top, SGX_EXT_OID, "1", any_octets(p->ext.ppid, 16));
    push_pair(top, SGX_EXT_OID, "2", seq_any(tcb));
    push_pair(top, SGX_EXT_OID, "3", any_octets(p->ext.pce_id, 2));
    push_pair(top, SGX_EXT_OID, "4", any_octets(p->ext.fmspc, 6));
    push_pair(top, SGX_EXT_OID, "5", any_int(p->ext.sgx_type, 1));
    if (p->platform_ca && !p->ext.no_platform_elements) {
        uint8_t pii[16];
        memset(pii, 0x77, sizeof(pii));
        push_pair(top, SGX_EXT_OID, "6", any_octets(pii, 16));
        STACK_OF(ASN1_TYPE) *cfg = sk_ASN1_TYPE_new_null();
        CHECK(cfg);
        push_pair(cfg, SGX_EXT_OID ".7", "1", any_bool(0));
        push_pair(cfg, SGX_EXT_OID ".7", "2", any_bool(1));
        push_pair(cfg, SGX_EXT_OID ".7", "3", any_bool(1));
        push_pair(top, SGX_EXT_OID, "7", seq_any(cfg));
    }
    unsigned char *der = NULL;
    int n = i2d_ASN1_SEQUENCE_ANY(top, &der);
    CHECK(n > 0);
    sk_ASN1_TYPE_pop_free(top, ASN1_TYPE_free);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    CHECK(os && ASN1_OCTET_STRING_set(os, der, n) == 1);
    ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
    CHECK(obj);
    X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    CHECK(e && X509_add_ext(x, e, -1) == 1);
    X509_EXTENSION_free(e);
    ASN1_OBJECT_free(obj);
    ASN1_OCTET_STRING_free(os);
    OPENSSL_free(der);
}

typedef enum cert_kind { KIND_ROOT, KIND_CA, KIND_PCK, KIND_SIGNER } cert_kind;

/* A certificate for key named CN=cn (Intel name shape), issued by issuer/ikey (NULL:
 * self-signed), with Intel's extensions for its kind. */
static X509 *make_cert(cert_kind kind, const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
                       const synth_cert_params *cp, const sgx_synth_params *p)
{
    X509 *x = X509_new();
    CHECK(x && X509_set_version(x, X509_VERSION_3) == 1);
    ASN1_INTEGER *serial = hex_integer(cp->serial);
    CHECK(X509_set_serialNumber(x, serial) == 1);
    ASN1_INTEGER_free(serial);
    X509_NAME *subj = intel_name(cn);
    CHECK(X509_set_subject_name(x, subj) == 1);
    CHECK(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subj) == 1);
    X509_NAME_free(subj);
    CHECK(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)cp->not_before));
    CHECK(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)cp->not_after));
    CHECK(X509_set_pubkey(x, key) == 1);
    add_ext(x, issuer, NID_subject_key_identifier, "hash");
    add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
    switch (kind) {
    case KIND_ROOT:
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:1");
        add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
        break;
    case KIND_CA:
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
        add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
        break;
    case KIND_PCK:
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,nonRepudiation");
        add_sgx_ext(x, p);
        break;
    case KIND_SIGNER:
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,nonRepudiation");
        break;
    }
    CHECK(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
    return x;
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *ikey, const synth_crl_params *cp, long number)
{
    X509_CRL *crl = X509_CRL_new();
    CHECK(crl && X509_CRL_set_version(crl, 1) == 1);
    CHECK(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) == 1);
    ASN1_TIME *t = ASN1_TIME_new();
    CHECK(t && ASN1_TIME_set(t, (time_t)cp->this_update));
    CHECK(X509_CRL_set1_lastUpdate(crl, t) == 1);
    CHECK(ASN1_TIME_set(t, (time_t)cp->next_update));
    CHECK(X509_CRL_set1_nextUpdate(crl, t) == 1);
    CHECK(ASN1_TIME_set(t, (time_t)(cp->this_update - SYNTH_DAY)));
    for (size_t i = 0; i < cp->n_revoked; i++) {
        X509_REVOKED *r = X509_REVOKED_new();
        ASN1_INTEGER *serial = hex_integer(cp->revoked[i]);
        CHECK(r && X509_REVOKED_set_serialNumber(r, serial) == 1);
        CHECK(X509_REVOKED_set_revocationDate(r, t) == 1);
        CHECK(X509_CRL_add0_revoked(crl, r) == 1);
        ASN1_INTEGER_free(serial);
    }
    ASN1_TIME_free(t);
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    CHECK(num && ASN1_INTEGER_set(num, number) == 1);
    CHECK(X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) == 1);
    ASN1_INTEGER_free(num);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, NULL, NULL, crl, 0);
    X509_EXTENSION *e =
        X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
    CHECK(e && X509_CRL_add_ext(crl, e, -1) == 1);
    X509_EXTENSION_free(e);
    CHECK(X509_CRL_sort(crl) == 1);
    EVP_PKEY *wrong = cp->wrong_key ? gen_key() : NULL;
    CHECK(X509_CRL_sign(crl, wrong ? wrong : ikey, EVP_sha256()) > 0);
    EVP_PKEY_free(wrong);
    return crl;
}

static void put_pem(text *t, X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    CHECK(b && PEM_write_bio_X509(b, x) == 1);
    char *mem = NULL;
    long n = BIO_get_mem_data(b, &mem);
    CHECK(n > 0);
    put(t, "%.*s", (int)n, mem);
    BIO_free(b);
}

static char *crl_hex(X509_CRL *crl)
{
    unsigned char *der = NULL;
    int n = i2d_X509_CRL(crl, &der);
    CHECK(n > 0);
    char *hex = att__hex_encode_alloc(der, (size_t)n, 0);
    CHECK(hex);
    OPENSSL_free(der);
    return hex;
}

/* ECDSA-P256-SHA256 of msg as raw r||s (big-endian halves). */
static void sign_raw(EVP_PKEY *k, const void *msg, size_t n, uint8_t rs[64])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t len = 0;
    CHECK(c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k) == 1);
    CHECK(EVP_DigestSign(c, NULL, &len, msg, n) == 1);
    unsigned char *der = malloc(len);
    CHECK(der && EVP_DigestSign(c, der, &len, msg, n) == 1);
    const unsigned char *pp = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &pp, (long)len);
    CHECK(sig);
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(sig, &r, &s);
    CHECK(BN_bn2binpad(r, rs, 32) == 32 && BN_bn2binpad(s, rs + 32, 32) == 32);
    ECDSA_SIG_free(sig);
    free(der);
    EVP_MD_CTX_free(c);
}

/* ---- collateral JSON ---- */

static void put_advisories(text *t, const char *const *adv, size_t n)
{
    if (n == 0)
        return;
    put(t, ",\"advisoryIDs\":[");
    for (size_t i = 0; i < n; i++)
        put(t, "%s\"%s\"", i ? "," : "", adv[i]);
    put(t, "]");
}

/* Changes the last digit of "tcbEvaluationDataNumber" (a signed byte, still valid JSON). */
static void tamper(text *t)
{
    char *p = strstr(t->s, "\"tcbEvaluationDataNumber\":");
    CHECK(p);
    p += strlen("\"tcbEvaluationDataNumber\":");
    while (p[1] >= '0' && p[1] <= '9')
        p++;
    *p = (char)(*p == '9' ? '8' : *p + 1);
}

static void tcb_info_text(const sgx_synth_params *p, text *t)
{
    char a[32], b[32];
    put(t, "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\",\"fmspc\":\"",
        time_str(p->tcb.issue_date, a), time_str(p->tcb.next_update, b));
    put_hex(t, p->tcb.fmspc, 6);
    put(t, "\",\"pceId\":\"");
    put_hex(t, p->tcb.pce_id, 2);
    put(t, "\",\"tcbType\":0,\"tcbEvaluationDataNumber\":%u,\"tcbLevels\":[", p->tcb.eval_number);
    for (size_t i = 0; i < p->tcb.n_levels; i++) {
        const synth_tcb_level *l = &p->tcb.levels[i];
        put(t, "%s{\"tcb\":{\"sgxtcbcomponents\":[", i ? "," : "");
        for (int c = 0; c < 16; c++)
            put(t, "%s{\"svn\":%u}", c ? "," : "", l->comp_svn[c]);
        put(t, "],\"pcesvn\":%u},\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"", l->pcesvn, l->date,
            l->status);
        put_advisories(t, l->advisories, l->n_advisories);
        put(t, "}");
    }
    put(t, "]}");
}

static void qe_identity_text(const sgx_synth_params *p, text *t)
{
    char a[32], b[32];
    put(t, "{\"id\":\"QE\",\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\",",
        time_str(p->qe_id.issue_date, a), time_str(p->qe_id.next_update, b));
    put(t, "\"tcbEvaluationDataNumber\":%u,\"miscselect\":\"", p->qe_id.eval_number);
    put_hex(t, p->qe_id.miscselect, 4);
    put(t, "\",\"miscselectMask\":\"");
    put_hex(t, p->qe_id.miscselect_mask, 4);
    put(t, "\",\"attributes\":\"");
    put_hex(t, p->qe_id.attributes, 16);
    put(t, "\",\"attributesMask\":\"");
    put_hex(t, p->qe_id.attributes_mask, 16);
    put(t, "\",\"mrsigner\":\"");
    put_hex(t, p->qe_id.mrsigner, 32);
    put(t, "\",\"isvprodid\":%u,\"tcbLevels\":[", p->qe_id.isvprodid);
    for (size_t i = 0; i < p->qe_id.n_levels; i++) {
        const synth_qe_level *l = &p->qe_id.levels[i];
        put(t, "%s{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"", i ? "," : "",
            l->isvsvn, l->date, l->status);
        put_advisories(t, l->advisories, l->n_advisories);
        put(t, "}");
    }
    put(t, "]}");
}

/* Signs the text with k and returns the hex r||s (malloc'd); then tampers if asked. */
static char *sign_text(EVP_PKEY *k, text *t, int tamper_after)
{
    uint8_t rs[64];
    sign_raw(k, t->s, t->n, rs);
    if (tamper_after)
        tamper(t);
    char *hex = att__hex_encode_alloc(rs, 64, 0);
    CHECK(hex);
    return hex;
}

/* ---- quote ---- */

static void put_u16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

/* A 384-byte SGX report body (reference/hw-evidence.md §1.3). */
static void put_report(uint8_t *b, const uint8_t cpusvn[16], const uint8_t miscselect[4],
                       const uint8_t attributes[16], const uint8_t mrenclave[32],
                       const uint8_t mrsigner[32], uint16_t isvprodid, uint16_t isvsvn,
                       const uint8_t report_data[64])
{
    memset(b, 0, ATT_SGX_REPORT_BODY_SIZE);
    memcpy(b, cpusvn, 16);
    memcpy(b + 16, miscselect, 4);
    memcpy(b + 48, attributes, 16);
    memcpy(b + 64, mrenclave, 32);
    memcpy(b + 128, mrsigner, 32);
    put_u16(b + 256, isvprodid);
    put_u16(b + 258, isvsvn);
    memcpy(b + 320, report_data, 64);
}

static void build_quote(const sgx_synth_params *p, EVP_PKEY *pck_key, const text *chain,
                        sgx_synth *s)
{
    EVP_PKEY *ak = gen_key();
    uint8_t point[65];
    size_t plen = 0;
    CHECK(EVP_PKEY_get_octet_string_param(ak, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                          sizeof(point), &plen) == 1);
    CHECK(plen == 65 && point[0] == 0x04);

    /* v3: sig, key, then the QE report part directly; v4: sig, key, then certification
     * data type 6 whose payload is that same part (reference/hw-evidence.md §1.5) */
    int v4 = p->quote_version == 4;
    size_t cert_len = chain->n + 1; /* PEM and its NUL, as the QE writes it */
    size_t part_len = 384 + 64 + 2 + p->qe.auth_len + 2 + 4 + cert_len;
    size_t sig_len = 64 + 64 + (v4 ? 6 : 0) + part_len;
    size_t n = 48 + 384 + 4 + sig_len;
    uint8_t *q = calloc(1, n);
    CHECK(q);
    /* header */
    put_u16(q, v4 ? 4 : 3);
    put_u16(q + 2, ATT_QUOTE_ATT_KEY_ECDSA256);
    put_u16(q + 8, p->qe.isvsvn);
    put_u16(q + 10, p->ext.pcesvn);
    memcpy(q + 12, intel_qe_vendor, 16);
    memset(q + 28, 0x42, 16); /* QE-ID */
    /* body */
    uint8_t misc0[4] = {0};
    put_report(q + 48, p->ext.cpusvn, misc0, p->enclave.attributes, p->enclave.mrenclave,
               p->enclave.mrsigner, p->enclave.isvprodid, p->enclave.isvsvn,
               p->enclave.report_data);
    put_u32(q + 432, (uint32_t)sig_len);
    uint8_t *sd = q + 436;
    sign_raw(ak, q, 432, sd);
    memcpy(sd + 64, point + 1, 64);
    uint8_t *part = sd + 128;
    if (v4) {
        put_u16(part, ATT_QUOTE_CERT_QE_REPORT);
        put_u32(part + 2, (uint32_t)part_len);
        part += 6;
    }
    /* QE report: REPORTDATA = SHA-256(attestation key || auth data) || 32 zero bytes */
    uint8_t rd[64] = {0};
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    unsigned hl = 0;
    CHECK(h && EVP_DigestInit_ex(h, EVP_sha256(), NULL) == 1);
    CHECK(EVP_DigestUpdate(h, point + 1, 64) == 1);
    CHECK(EVP_DigestUpdate(h, p->qe.auth_data, p->qe.auth_len) == 1);
    CHECK(EVP_DigestFinal_ex(h, rd, &hl) == 1 && hl == 32);
    EVP_MD_CTX_free(h);
    uint8_t qe_mrenclave[32];
    memset(qe_mrenclave, 0xe1, 32);
    put_report(part, p->ext.cpusvn, p->qe.miscselect, p->qe.attributes, qe_mrenclave,
               p->qe.mrsigner, p->qe.isvprodid, p->qe.isvsvn, rd);
    sign_raw(pck_key, part, 384, part + 384);
    put_u16(part + 448, p->qe.auth_len);
    memcpy(part + 450, p->qe.auth_data, p->qe.auth_len);
    uint8_t *cd = part + 450 + p->qe.auth_len;
    put_u16(cd, ATT_QUOTE_CERT_PCK_CHAIN);
    put_u32(cd + 2, (uint32_t)cert_len);
    memcpy(cd + 6, chain->s, chain->n); /* the NUL stays from calloc */
    CHECK(cd + 6 + cert_len == q + n);
    EVP_PKEY_free(ak);
    s->quote = q;
    s->quote_len = n;
}

static void serial_of(X509 *x, char *out, size_t cap)
{
    att__cert *c = (att__cert *)x;
    char *hex = NULL;
    CHECK(att__cert_serial_hex(c, &hex) == ATT_OK);
    snprintf(out, cap, "%s", hex);
    free(hex);
}

/* The keys and certificates of one build, kept so that collateral can be re-issued. */
struct synth_pki {
    EVP_PKEY *root_key, *ca_key, *pck_key, *signer_key;
    X509 *root, *ca, *quote_ca, *pck, *signer;
};

/* CRLs, TCB info and QE identity from p, issued by the PKI of s, into s->collateral. */
static void build_collateral(const sgx_synth_params *p, sgx_synth *s)
{
    const struct synth_pki *k = s->pki;
    X509_CRL *root_crl = make_crl(k->root, k->root_key, &p->root_crl, 1);
    X509_CRL *pck_crl = make_crl(k->ca, k->ca_key, &p->pck_crl, 1);
    text pck_chain = {0}, tcb_chain = {0}, tcb = {0}, qe = {0};
    put_pem(&pck_chain, k->ca);
    put_pem(&pck_chain, k->root);
    put_pem(&tcb_chain, k->signer);
    put_pem(&tcb_chain, k->root);
    tcb_info_text(p, &tcb);
    qe_identity_text(p, &qe);
    char *tcb_sig = sign_text(k->signer_key, &tcb, p->tcb.tamper);
    char *qe_sig = sign_text(k->signer_key, &qe, p->qe_id.tamper);
    char *root_crl_hex = crl_hex(root_crl), *pck_crl_hex = crl_hex(pck_crl);

    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "pck_crl_issuer_chain",
                          pck_chain.s, "root_ca_crl", root_crl_hex, "pck_crl", pck_crl_hex,
                          "tcb_info_issuer_chain", tcb_chain.s, "tcb_info", tcb.s,
                          "tcb_info_signature", tcb_sig, "qe_identity_issuer_chain", tcb_chain.s,
                          "qe_identity", qe.s, "qe_identity_signature", qe_sig);
    CHECK(j);
    free(s->collateral);
    s->collateral = json_dumps(j, JSON_COMPACT);
    CHECK(s->collateral);
    s->collateral_len = strlen(s->collateral);
    json_decref(j);
    att__dcap_unref(s->col);
    s->col = NULL;

    free(tcb_sig);
    free(qe_sig);
    free(root_crl_hex);
    free(pck_crl_hex);
    free(pck_chain.s);
    free(tcb_chain.s);
    free(tcb.s);
    free(qe.s);
    X509_CRL_free(root_crl);
    X509_CRL_free(pck_crl);
}

void sgx_synth_build(const sgx_synth_params *p, sgx_synth *s)
{
    memset(s, 0, sizeof(*s));
    struct synth_pki *k = calloc(1, sizeof(*k));
    CHECK(k);
    s->pki = k;
    k->root_key = gen_key();
    k->ca_key = gen_key();
    k->pck_key = gen_key();
    k->signer_key = gen_key();
    const char *ca_cn = p->platform_ca ? "Intel SGX PCK Platform CA" : "Intel SGX PCK Processor CA";
    k->root = make_cert(KIND_ROOT, "Intel SGX Root CA", k->root_key, NULL, NULL, &p->root, p);
    k->ca = make_cert(KIND_CA, ca_cn, k->ca_key, k->root, k->root_key, &p->pck_ca, p);
    k->quote_ca = k->ca;
    if (p->quote_pck_ca_serial) {
        synth_cert_params other = p->pck_ca;
        other.serial = p->quote_pck_ca_serial;
        k->quote_ca = make_cert(KIND_CA, ca_cn, k->ca_key, k->root, k->root_key, &other, p);
    }
    k->pck = make_cert(KIND_PCK, "Intel SGX PCK Certificate", k->pck_key, k->quote_ca, k->ca_key,
                       &p->pck, p);
    k->signer = make_cert(KIND_SIGNER, "Intel SGX TCB Signing", k->signer_key, k->root, k->root_key,
                          &p->tcb_signer, p);
    build_collateral(p, s);

    text quote_chain = {0};
    put_pem(&quote_chain, k->pck);
    put_pem(&quote_chain, k->quote_ca);
    if (p->quote_root_other_key) {
        EVP_PKEY *other_key = gen_key();
        X509 *other = make_cert(KIND_ROOT, "Intel SGX Root CA", other_key, NULL, NULL, &p->root, p);
        put_pem(&quote_chain, other);
        X509_free(other);
        EVP_PKEY_free(other_key);
    } else {
        put_pem(&quote_chain, k->root);
    }
    build_quote(p, k->pck_key, &quote_chain, s);
    free(quote_chain.s);
    serial_of(k->pck, s->pck_serial, sizeof(s->pck_serial));
    serial_of(k->ca, s->pck_ca_serial, sizeof(s->pck_ca_serial));
    serial_of(k->quote_ca, s->quote_pck_ca_serial, sizeof(s->quote_pck_ca_serial));
    s->root = att__cert_ref((att__cert *)k->root);
}

void sgx_synth_reissue_collateral(sgx_synth *s, const sgx_synth_params *p)
{
    CHECK(s->pki);
    build_collateral(p, s);
}

void sgx_synth_free(sgx_synth *s)
{
    struct synth_pki *k = s->pki;
    if (k) {
        if (k->quote_ca != k->ca)
            X509_free(k->quote_ca);
        X509_free(k->root);
        X509_free(k->ca);
        X509_free(k->pck);
        X509_free(k->signer);
        EVP_PKEY_free(k->root_key);
        EVP_PKEY_free(k->ca_key);
        EVP_PKEY_free(k->pck_key);
        EVP_PKEY_free(k->signer_key);
        free(k);
    }
    att__dcap_unref(s->col);
    att__cert_free(s->root);
    free(s->collateral);
    free(s->quote);
    memset(s, 0, sizeof(*s));
}

int sgx_synth_load(const sgx_synth *s, att__dcap_collateral **col, att_diag *d)
{
    const att__cert *anchors[1] = {s->root};
    att_diag_clear(d);
    return att__dcap_collateral_load_json(s->collateral, s->collateral_len, anchors, 1, col, d);
}

int sgx_synth_verify(sgx_synth *s, int64_t at, att__quote_result *r, att_diag *d)
{
    memset(r, 0, sizeof(*r));
    if (!s->col) {
        int rc = sgx_synth_load(s, &s->col, d);
        if (rc != ATT_OK)
            return rc;
    }
    att__quote q;
    att_diag_clear(d);
    int rc = att__quote_parse(s->quote, s->quote_len, &q, d);
    if (rc != ATT_OK)
        return rc;
    const att__cert *anchors[1] = {s->root};
    return att__quote_verify(&q, s->col, anchors, 1, at, r, d);
}
