/* The SGX extension of Intel PCK certificates (OID 1.2.840.113741.1.13.1,
 * reference/hw-evidence.md §2.10), decoded with the bounded DER reader of src/core. */
#include "evidence/sgx/quote.h"

#include <stdio.h>
#include <string.h>

#include "core/der.h"

#define OID_MAX 64

/* Records a failure about element `name` of the extension. */
static int ext_fail(att_diag *d, int err, const char *name, const char *what)
{
    char field[ATT_DIAG_FIELD_MAX];
    snprintf(field, sizeof(field), "pck.sgx_ext.%s", name);
    return att_diag_fail(d, err, "pck.sgx_ext", field, "%s: %s", field, what);
}

/* The element value must be an OCTET STRING of exactly n bytes; copies it to out. */
static int get_octets(uint8_t tag, const att__cursor *v, uint8_t *out, size_t n, const char *name,
                      att_diag *d)
{
    char what[96];
    if (tag != ATT_DER_OCTET_STRING)
        return ext_fail(d, ATT_EPARSE, name, "not an OCTET STRING");
    if (att__cur_remaining(v) != n) {
        snprintf(what, sizeof(what), "OCTET STRING of %zu bytes, expected %zu",
                 att__cur_remaining(v), n);
        return ext_fail(d, ATT_EPARSE, name, what);
    }
    att__cursor c = *v;
    return att__cur_copy(&c, out, n);
}

/* The element value must be an INTEGER (or ENUMERATED when tag says so) <= max. */
static int get_uint(uint8_t tag, uint8_t want, const att__cursor *v, uint64_t max, uint64_t *out,
                    const char *name, att_diag *d)
{
    if (tag != want)
        return ext_fail(d, ATT_EPARSE, name,
                        want == ATT_DER_ENUMERATED ? "not an ENUMERATED" : "not an INTEGER");
    if (att__der_uint(v, max, out) != ATT_OK)
        return ext_fail(d, ATT_EPARSE, name, "value negative, malformed or out of range");
    return ATT_OK;
}

/* Reads one SEQUENCE { OID, value } from c: the OID in dotted form and the value TLV. */
static int read_pair(att__cursor *c, char *oid, uint8_t *tag, att__cursor *val, const char *where,
                     att_diag *d)
{
    att__cursor seq, o;
    if (att__der_expect(c, ATT_DER_SEQUENCE, &seq) != ATT_OK ||
        att__der_expect(&seq, ATT_DER_OID, &o) != ATT_OK ||
        att__der_oid_str(&o, oid, OID_MAX) != ATT_OK || att__der_next(&seq, tag, val) != ATT_OK)
        return ext_fail(d, ATT_EPARSE, where, "malformed SEQUENCE { OID, value }");
    if (att__cur_remaining(&seq) != 0)
        return ext_fail(d, ATT_EPARSE, where, "extra data after the value");
    return ATT_OK;
}

/* Index n of "<prefix>.<n>" when oid has that form, else 0. */
static unsigned arc_after(const char *oid, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(oid, prefix, pl) != 0 || oid[pl] != '.')
        return 0;
    const char *s = oid + pl + 1;
    unsigned v = 0;
    if (!*s || (s[0] == '0' && s[1]))
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 1000)
            return 0;
        v = v * 10 + (unsigned)(*s - '0');
    }
    return v;
}

/* The .2 TCB element: 16 component SVNs, PCESVN, CPUSVN. */
static int parse_tcb(att__cursor *v, att__pck_ext *out, att_diag *d)
{
    uint32_t seen = 0;
    while (att__cur_remaining(v) > 0) {
        char oid[OID_MAX], name[24];
        uint8_t tag;
        att__cursor val;
        int rc = read_pair(v, oid, &tag, &val, "tcb", d);
        if (rc)
            return rc;
        unsigned i = arc_after(oid, ATT_PCK_EXT_OID ".2");
        if (i == 0 || i > 18)
            continue; /* unknown members are ignored */
        snprintf(name, sizeof(name), "tcb.%u", i);
        if (seen & (1u << i))
            return ext_fail(d, ATT_EPARSE, name, "appears twice");
        seen |= 1u << i;
        uint64_t x;
        if (i <= 16) {
            if ((rc = get_uint(tag, ATT_DER_INTEGER, &val, 255, &x, name, d)))
                return rc;
            out->comp_svn[i - 1] = (uint8_t)x;
        } else if (i == 17) {
            if ((rc = get_uint(tag, ATT_DER_INTEGER, &val, 65535, &x, "pcesvn", d)))
                return rc;
            out->pcesvn = (uint16_t)x;
        } else if ((rc = get_octets(tag, &val, out->cpusvn, 16, "cpusvn", d))) {
            return rc;
        }
    }
    for (unsigned i = 1; i <= 18; i++)
        if (!(seen & (1u << i))) {
            char name[24];
            snprintf(name, sizeof(name), "tcb.%u", i);
            return ext_fail(d, ATT_EPARSE, name, "missing");
        }
    return ATT_OK;
}

/* The .7 configuration element: three optional BOOLEANs. */
static int parse_config(att__cursor *v, att__pck_ext *out, att_diag *d)
{
    while (att__cur_remaining(v) > 0) {
        char oid[OID_MAX];
        uint8_t tag;
        att__cursor val;
        int rc = read_pair(v, oid, &tag, &val, "configuration", d);
        if (rc)
            return rc;
        unsigned i = arc_after(oid, ATT_PCK_EXT_OID ".7");
        int *dst = i == 1   ? &out->dynamic_platform
                   : i == 2 ? &out->cached_keys
                   : i == 3 ? &out->smt_enabled
                            : NULL;
        if (!dst)
            continue;
        if (*dst != -1)
            return ext_fail(d, ATT_EPARSE, "configuration", "member appears twice");
        if (tag != ATT_DER_BOOLEAN || att__der_bool(&val, dst) != ATT_OK)
            return ext_fail(d, ATT_EPARSE, "configuration", "member is not a BOOLEAN");
    }
    return ATT_OK;
}

int att__pck_ext_parse(const uint8_t *der, size_t n, att__pck_ext *out, att_diag *d)
{
    memset(out, 0, sizeof(*out));
    out->sgx_type = -1;
    out->dynamic_platform = out->cached_keys = out->smt_enabled = -1;
    att__cursor c, top;
    att__cur_init(&c, der, n);
    if (att__der_expect(&c, ATT_DER_SEQUENCE, &top) != ATT_OK || att__cur_remaining(&c) != 0)
        return ext_fail(d, ATT_EPARSE, "value", "not a single DER SEQUENCE");
    unsigned seen = 0;
    static const char *const names[] = {
        "", "ppid", "tcb", "pceid", "fmspc", "sgx_type", "platform_instance_id", "configuration"};
    while (att__cur_remaining(&top) > 0) {
        char oid[OID_MAX];
        uint8_t tag;
        att__cursor val;
        int rc = read_pair(&top, oid, &tag, &val, "value", d);
        if (rc)
            return rc;
        unsigned i = arc_after(oid, ATT_PCK_EXT_OID);
        if (i == 0 || i > 7)
            continue;
        if (seen & (1u << i))
            return ext_fail(d, ATT_EPARSE, names[i], "appears twice");
        seen |= 1u << i;
        uint64_t x = 0;
        switch (i) {
        case 1:
            rc = get_octets(tag, &val, out->ppid, 16, names[i], d);
            break;
        case 2:
            rc = tag == ATT_DER_SEQUENCE ? parse_tcb(&val, out, d)
                                         : ext_fail(d, ATT_EPARSE, "tcb", "not a SEQUENCE");
            break;
        case 3:
            rc = get_octets(tag, &val, out->pce_id, 2, names[i], d);
            break;
        case 4:
            rc = get_octets(tag, &val, out->fmspc, 6, names[i], d);
            break;
        case 5:
            rc = get_uint(tag, ATT_DER_ENUMERATED, &val, 2, &x, names[i], d);
            out->sgx_type = (int)x;
            break;
        case 6:
            rc = get_octets(tag, &val, out->platform_instance_id, 16, names[i], d);
            out->has_platform_instance_id = 1;
            break;
        default:
            rc = tag == ATT_DER_SEQUENCE
                     ? parse_config(&val, out, d)
                     : ext_fail(d, ATT_EPARSE, "configuration", "not a SEQUENCE");
            out->has_configuration = 1;
            break;
        }
        if (rc)
            return rc;
    }
    for (unsigned i = 1; i <= 5; i++)
        if (!(seen & (1u << i)))
            return ext_fail(d, ATT_EPARSE, names[i], "missing");
    return ATT_OK;
}

int att__pck_ext_from_cert(const att__cert *c, att__pck_ext *out, att_diag *d)
{
    const uint8_t *v;
    size_t n;
    memset(out, 0, sizeof(*out));
    if (att__cert_extension(c, ATT_PCK_EXT_OID, &v, &n) != ATT_OK)
        return att_diag_fail(d, ATT_ENOTFOUND, "pck.sgx_ext", "pck.sgx_ext",
                             "PCK certificate has no SGX extension (" ATT_PCK_EXT_OID ")");
    return att__pck_ext_parse(v, n, out, d);
}
