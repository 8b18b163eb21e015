/* The few DER fields of CRLs and certificates the collateral loader needs that crypto.h does
 * not expose: a CRL's issuer Name (to insist that the PCK CRL is the PCK CA's and the root
 * CRL the root's, since att__chain_verify silently ignores CRLs of other issuers), its
 * thisUpdate/nextUpdate (for the validity window, §2.9) and whether it carries the CRL
 * Number and Authority Key Identifier extensions (§2.3); a certificate's subject Name.
 * Also decoding of CRLs given as PEM, hex or base64 text. Everything reads through the
 * bounded cursor; the signature and semantic checks stay with OpenSSL in src/crypto. */
#include <stdlib.h>
#include <string.h>

#include "collateral/dcap_int.h"
#include "core/codec.h"
#include "core/cursor.h"
#include "core/timeutil.h"

/* One TLV: tag byte and a sub-cursor over its content. Only low tag numbers (all we need)
 * and definite lengths up to 4 bytes are accepted. */
static int tlv(att__cursor *c, uint8_t *tag, att__cursor *content, size_t *start)
{
    uint8_t t, l;
    if (start)
        *start = c->off;
    if (att__cur_u8(c, &t) != ATT_OK || att__cur_u8(c, &l) != ATT_OK)
        return ATT_ETRUNC;
    if ((t & 0x1f) == 0x1f)
        return ATT_EPARSE;
    size_t len = l;
    if (l & 0x80) {
        unsigned k = l & 0x7fu;
        if (k == 0 || k > 4)
            return ATT_EPARSE;
        len = 0;
        for (unsigned i = 0; i < k; i++) {
            uint8_t b;
            if (att__cur_u8(c, &b) != ATT_OK)
                return ATT_ETRUNC;
            len = (len << 8) | b;
        }
    }
    *tag = t;
    return att__cur_sub(c, len, content);
}

/* A TLV that must carry tag `want`. */
static int expect(att__cursor *c, uint8_t want, att__cursor *content, size_t *start)
{
    uint8_t t;
    int rc = tlv(c, &t, content, start);
    if (rc != ATT_OK)
        return rc;
    return t == want ? ATT_OK : ATT_EPARSE;
}

static int digits(const uint8_t *p, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return ATT_EPARSE;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    *out = v;
    return ATT_OK;
}

/* UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) to epoch seconds. */
static int der_time(uint8_t tag, const att__cursor *c, int64_t *out)
{
    const uint8_t *p = c->data + c->off;
    size_t n = att__cur_remaining(c);
    unsigned y, mo, d, h, mi, s;
    size_t yl = tag == 0x17 ? 2 : tag == 0x18 ? 4 : 0;
    if (yl == 0 || n != yl + 11 || p[n - 1] != 'Z')
        return ATT_EPARSE;
    if (digits(p, yl, &y) || digits(p + yl, 2, &mo) || digits(p + yl + 2, 2, &d) ||
        digits(p + yl + 4, 2, &h) || digits(p + yl + 6, 2, &mi) || digits(p + yl + 8, 2, &s))
        return ATT_EPARSE;
    if (yl == 2)
        y += y < 50 ? 2000 : 1900;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return ATT_EPARSE;
    *out = att__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return ATT_OK;
}

static const uint8_t OID_CRL_NUMBER[] = {0x55, 0x1d, 0x14};
static const uint8_t OID_AKI[] = {0x55, 0x1d, 0x23};

/* crlExtensions: SEQUENCE OF Extension { OID, critical BOOLEAN OPTIONAL, OCTET STRING }. */
static int crl_extensions(att__cursor *ext, att__crl_info *out)
{
    att__cursor seq;
    int rc = expect(ext, 0x30, &seq, NULL);
    while (rc == ATT_OK && att__cur_remaining(&seq) > 0) {
        att__cursor e, oid;
        rc = expect(&seq, 0x30, &e, NULL);
        if (rc == ATT_OK)
            rc = expect(&e, 0x06, &oid, NULL);
        if (rc != ATT_OK)
            break;
        size_t on = att__cur_remaining(&oid);
        const uint8_t *op = oid.data + oid.off;
        if (on == 3 && memcmp(op, OID_CRL_NUMBER, 3) == 0)
            out->has_crl_number = 1;
        if (on == 3 && memcmp(op, OID_AKI, 3) == 0)
            out->has_aki = 1;
    }
    return rc;
}

int att__der_crl_info(const uint8_t *der, size_t n, att__crl_info *out)
{
    att__cursor top, crl, tbs, x;
    uint8_t tag;
    size_t start;
    memset(out, 0, sizeof(*out));
    att__cur_init(&top, der, n);
    int rc = expect(&top, 0x30, &crl, NULL);
    if (rc == ATT_OK && att__cur_remaining(&top) != 0)
        rc = ATT_EPARSE;
    if (rc == ATT_OK)
        rc = expect(&crl, 0x30, &tbs, NULL);
    if (rc != ATT_OK)
        return rc;
    rc = tlv(&tbs, &tag, &x, NULL); /* version (optional) or signature algorithm */
    if (rc == ATT_OK && tag == 0x02)
        rc = tlv(&tbs, &tag, &x, NULL);
    if (rc == ATT_OK && tag != 0x30)
        rc = ATT_EPARSE;
    if (rc == ATT_OK)
        rc = expect(&tbs, 0x30, &x, &start); /* issuer */
    if (rc != ATT_OK)
        return rc;
    out->issuer = tbs.data + start;
    out->issuer_n = tbs.off - start;
    rc = tlv(&tbs, &tag, &x, NULL);
    if (rc == ATT_OK)
        rc = der_time(tag, &x, &out->this_update);
    if (rc != ATT_OK)
        return rc;
    out->next_update = INT64_MAX;
    while (rc == ATT_OK && att__cur_remaining(&tbs) > 0) {
        rc = tlv(&tbs, &tag, &x, NULL);
        if (rc != ATT_OK)
            break;
        if ((tag == 0x17 || tag == 0x18) && !out->has_next_update) {
            rc = der_time(tag, &x, &out->next_update);
            out->has_next_update = 1;
        } else if (tag == 0xa0) {
            rc = crl_extensions(&x, out);
        } else if (tag != 0x30) { /* revokedCertificates */
            rc = ATT_EPARSE;
        }
    }
    return rc;
}

int att__der_cert_subject(const uint8_t *der, size_t n, const uint8_t **subj, size_t *subj_n)
{
    att__cursor top, cert, tbs, x;
    uint8_t tag;
    size_t start;
    att__cur_init(&top, der, n);
    int rc = expect(&top, 0x30, &cert, NULL);
    if (rc == ATT_OK)
        rc = expect(&cert, 0x30, &tbs, NULL);
    if (rc == ATT_OK)
        rc = tlv(&tbs, &tag, &x, NULL); /* [0] version or serial */
    if (rc == ATT_OK && tag == 0xa0)
        rc = expect(&tbs, 0x02, &x, NULL); /* serial */
    else if (rc == ATT_OK && tag != 0x02)
        rc = ATT_EPARSE;
    for (int i = 0; i < 3 && rc == ATT_OK; i++) /* signature, issuer, validity */
        rc = expect(&tbs, 0x30, &x, NULL);
    if (rc == ATT_OK)
        rc = expect(&tbs, 0x30, &x, &start);
    if (rc != ATT_OK)
        return rc;
    *subj = tbs.data + start;
    *subj_n = tbs.off - start;
    return ATT_OK;
}

/* Base64 body of a PEM block labelled X509 CRL, whitespace removed, decoded. */
static int pem_crl(const char *s, size_t n, uint8_t **der, size_t *der_n)
{
    static const char begin[] = "-----BEGIN X509 CRL-----";
    static const char end[] = "-----END X509 CRL-----";
    size_t bl = sizeof(begin) - 1, el = sizeof(end) - 1, i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    if (n - i < bl + el || memcmp(s + i, begin, bl) != 0)
        return ATT_EPARSE;
    i += bl;
    char *b64 = malloc(n - i + 1);
    if (!b64)
        return ATT_ENOMEM;
    size_t k = 0;
    int rc = ATT_EPARSE;
    for (; i < n; i++) {
        if (s[i] == '-') {
            if (n - i >= el && memcmp(s + i, end, el) == 0)
                rc = ATT_OK;
            break;
        }
        if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
            b64[k++] = s[i];
    }
    if (rc == ATT_OK)
        rc = k ? att__b64_decode_alloc(b64, k, der, der_n) : ATT_EPARSE;
    free(b64);
    return rc;
}

int att__dcap_crl_decode(const uint8_t *in, size_t n, int is_der, uint8_t **der, size_t *der_n)
{
    *der = NULL;
    *der_n = 0;
    if (!in || n == 0)
        return ATT_EPARSE;
    if (is_der && in[0] == 0x30) {
        *der = malloc(n);
        if (!*der)
            return ATT_ENOMEM;
        memcpy(*der, in, n);
        *der_n = n;
        return ATT_OK;
    }
    const char *s = (const char *)in;
    /* text: drop one trailing NUL / newline run (PCCS sizes include the NUL) */
    while (n > 0 && (s[n - 1] == '\0' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n == 0)
        return ATT_EPARSE;
    size_t lead = 0;
    while (lead < n && (s[lead] == ' ' || s[lead] == '\n' || s[lead] == '\r' || s[lead] == '\t'))
        lead++;
    if (n - lead >= 5 && memcmp(s + lead, "-----", 5) == 0)
        return pem_crl(s, n, der, der_n);
    int hex = n % 2 == 0;
    for (size_t i = 0; hex && i < n; i++)
        hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F');
    if (hex)
        return att__hex_decode_alloc(s, n, der, der_n);
    return att__b64_decode_alloc(s, n, der, der_n);
}
