/* VCEK / VLEK certificate extensions (snp.h; reference/hw-evidence.md §3.3) read with the
 * bounded DER reader: structVersion, productName, the bl/tee/snp/ucode/fmc SPLs, hwID and
 * the VLEK csp_id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/der.h"
#include "evidence/snp/snp.h"
#include "evidence/snp/snp_int.h"

int att__snp_cert_cn(const att__cert *c, char *out, size_t cap)
{
    char *subj = NULL;
    out[0] = '\0';
    int rc = att__cert_subject(c, &subj);
    if (rc != ATT_OK)
        return rc;
    /* RFC 2253 text: RDNs separated by ','; find "CN=" at the start or after a ','. */
    const char *p = subj;
    while (p && *p) {
        if (strncmp(p, "CN=", 3) == 0) {
            size_t n = strcspn(p + 3, ",");
            snprintf(out, cap, "%.*s", (int)n, p + 3);
            break;
        }
        p = strchr(p, ',');
        if (p)
            p++;
    }
    free(subj);
    return ATT_OK;
}

/* An INTEGER extension 0..max into *v; *present = 0 when the extension is absent. */
static int ext_uint(const att__cert *c, const char *sub, uint64_t max, uint64_t *v, int *present,
                    att_diag *d)
{
    char oid[64];
    snprintf(oid, sizeof(oid), "%s.%s", ATT_SNP_OID_PREFIX, sub);
    const uint8_t *val;
    size_t n;
    *present = 0;
    if (att__cert_extension(c, oid, &val, &n) != ATT_OK)
        return ATT_OK;
    att__cursor cur, in;
    att__cur_init(&cur, val, n);
    if (att__der_expect(&cur, ATT_DER_INTEGER, &in) != ATT_OK || att__cur_remaining(&cur) != 0 ||
        att__der_uint(&in, max, v) != ATT_OK)
        return att_diag_fail(d, ATT_EPARSE, "snp.vek.extension", oid,
                             "VEK extension %s is not an INTEGER in 0..%llu", oid,
                             (unsigned long long)max);
    *present = 1;
    return ATT_OK;
}

/* A required SPL (0..255). */
static int ext_spl(const att__cert *c, const char *sub, const char *name, uint8_t *out, att_diag *d)
{
    uint64_t v = 0;
    int present;
    int rc = ext_uint(c, sub, 255, &v, &present, d);
    if (rc != ATT_OK)
        return rc;
    if (!present)
        return att_diag_fail(d, ATT_EPARSE, "snp.vek.extension", name,
                             "VEK has no %s extension (%s.%s)", name, ATT_SNP_OID_PREFIX, sub);
    *out = (uint8_t)v;
    return ATT_OK;
}

int att__snp_vek_ext_from_cert(const att__cert *c, att__snp_vek_ext *out, att_diag *d)
{
    memset(out, 0, sizeof(*out));
    out->struct_version = -1;
    char cn[64];
    int rc = att__snp_cert_cn(c, cn, sizeof(cn));
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "snp.vek.subject", "subject", "cannot read the VEK subject");
    if (strcmp(cn, "SEV-VLEK") == 0)
        out->is_vlek = 1;
    else if (strcmp(cn, "SEV-VCEK") != 0)
        return att_diag_fail(d, ATT_EINVAL, "snp.vek.subject", "subject",
                             "the first certificate is not a VCEK or VLEK (CN=%.40s, expected "
                             "SEV-VCEK or SEV-VLEK)",
                             cn);
    att__pkey *k = NULL;
    if ((rc = att__cert_pubkey(c, &k)) != ATT_OK)
        return att_diag_fail(d, rc, "snp.vek.key", "subjectPublicKeyInfo",
                             "cannot read the %s public key", cn);
    att__key_type kt = att__pkey_type(k);
    att__pkey_free(k);
    if (kt != ATT_KEY_EC_P384)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "snp.vek.key", "subjectPublicKeyInfo",
                             "%s key is not EC P-384", cn);

    uint64_t v;
    int present;
    if ((rc = ext_uint(c, "1", INT32_MAX, &v, &present, d)) != ATT_OK)
        return rc;
    if (present)
        out->struct_version = (int64_t)v;
    const uint8_t *val;
    size_t n;
    if (att__cert_extension(c, ATT_SNP_OID_PREFIX ".2", &val, &n) == ATT_OK) {
        att__cursor cur, in;
        att__cur_init(&cur, val, n);
        /* IA5String (0x16); UTF8String (0x0c) tolerated. */
        uint8_t tag = 0;
        if (att__der_next(&cur, &tag, &in) != ATT_OK || (tag != 0x16 && tag != 0x0c) ||
            att__cur_remaining(&in) >= sizeof(out->product_name))
            return att_diag_fail(d, ATT_EPARSE, "snp.vek.extension", ATT_SNP_OID_PREFIX ".2",
                                 "VEK productName extension is not a short IA5String");
        att__cur_copy(&in, out->product_name, att__cur_remaining(&in));
    }
    if ((rc = ext_spl(c, "3.1", "blSPL", &out->bl, d)) != ATT_OK ||
        (rc = ext_spl(c, "3.2", "teeSPL", &out->tee, d)) != ATT_OK ||
        (rc = ext_spl(c, "3.3", "snpSPL", &out->snp, d)) != ATT_OK ||
        (rc = ext_spl(c, "3.8", "ucodeSPL", &out->ucode, d)) != ATT_OK)
        return rc;
    if ((rc = ext_uint(c, "3.9", 255, &v, &present, d)) != ATT_OK)
        return rc;
    if (present) {
        out->has_fmc = 1;
        out->fmc = (uint8_t)v;
    }
    if (att__cert_extension(c, ATT_SNP_OID_PREFIX ".4", &val, &n) == ATT_OK) {
        /* AMD puts the raw bytes in extnValue; an OCTET STRING wrapper is tolerated. */
        const uint8_t *p = val;
        size_t len = n;
        if (n != 64 && n != 8 && n >= 2 && val[0] == ATT_DER_OCTET_STRING) {
            att__cursor cur, in;
            att__cur_init(&cur, val, n);
            if (att__der_expect(&cur, ATT_DER_OCTET_STRING, &in) == ATT_OK &&
                att__cur_remaining(&cur) == 0) {
                len = att__cur_remaining(&in);
                att__cur_bytes(&in, len, &p);
            }
        }
        if (len != 64 && len != 8)
            return att_diag_fail(d, ATT_EPARSE, "snp.vek.extension", "hwID",
                                 "VEK hwID extension is %zu bytes, expected 64 (Milan, Genoa) or 8 "
                                 "(Turin)",
                                 len);
        memcpy(out->hwid, p, len);
        out->hwid_len = len;
    } else if (!out->is_vlek) {
        return att_diag_fail(d, ATT_EPARSE, "snp.vek.extension", "hwID",
                             "VCEK has no hwID extension (%s.4)", ATT_SNP_OID_PREFIX);
    }
    if (att__cert_extension(c, ATT_SNP_OID_PREFIX ".5", &val, &n) == ATT_OK) {
        att__cursor cur, in;
        att__cur_init(&cur, val, n);
        uint8_t tag = 0;
        if (att__der_next(&cur, &tag, &in) == ATT_OK &&
            att__cur_remaining(&in) < sizeof(out->csp_id))
            att__cur_copy(&in, out->csp_id, att__cur_remaining(&in));
    }
    return ATT_OK;
}
