/* Bounded DER TLV reader (der.h). */
#include "core/der.h"

#include <stdio.h>

#include "attest/error.h"

int att__der_next(att__cursor *c, uint8_t *tag, att__cursor *value)
{
    att__cursor tmp = *c;
    uint8_t t, l0;
    int rc = att__cur_u8(&tmp, &t);
    if (rc == ATT_OK)
        rc = att__cur_u8(&tmp, &l0);
    if (rc != ATT_OK)
        return rc;
    if ((t & 0x1f) == 0x1f)
        return ATT_EPARSE; /* high tag number form: never used by what we read */
    size_t len = l0;
    if (l0 & 0x80) {
        size_t nbytes = l0 & 0x7f;
        if (nbytes == 0 || nbytes > 4)
            return ATT_EPARSE; /* indefinite length or absurd size */
        len = 0;
        for (size_t i = 0; i < nbytes; i++) {
            uint8_t b;
            rc = att__cur_u8(&tmp, &b);
            if (rc != ATT_OK)
                return rc;
            if (i == 0 && b == 0)
                return ATT_EPARSE; /* non-minimal length */
            len = (len << 8) | b;
        }
        if (len < 0x80 || len > 0x7fffffffu)
            return ATT_EPARSE; /* long form where short would do, or > 2^31 */
    }
    rc = att__cur_sub(&tmp, len, value);
    if (rc != ATT_OK)
        return rc;
    *tag = t;
    *c = tmp;
    return ATT_OK;
}

int att__der_expect(att__cursor *c, uint8_t tag, att__cursor *value)
{
    att__cursor tmp = *c;
    uint8_t t;
    int rc = att__der_next(&tmp, &t, value);
    if (rc != ATT_OK)
        return rc;
    if (t != tag)
        return ATT_EPARSE;
    *c = tmp;
    return ATT_OK;
}

int att__der_uint(const att__cursor *value, uint64_t max, uint64_t *out)
{
    att__cursor c = *value;
    size_t n = att__cur_remaining(&c);
    const uint8_t *p;
    if (att__cur_bytes(&c, n, &p) != ATT_OK || n == 0 || (p[0] & 0x80))
        return ATT_EPARSE; /* empty or negative */
    if (n > 1 && p[0] == 0 && !(p[1] & 0x80))
        return ATT_EPARSE; /* non-minimal */
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (v > (UINT64_MAX >> 8))
            return ATT_EPARSE;
        v = (v << 8) | p[i];
    }
    if (v > max)
        return ATT_EPARSE;
    *out = v;
    return ATT_OK;
}

int att__der_bool(const att__cursor *value, int *out)
{
    att__cursor c = *value;
    uint8_t b;
    if (att__cur_remaining(&c) != 1 || att__cur_u8(&c, &b) != ATT_OK)
        return ATT_EPARSE;
    if (b != 0 && b != 0xff)
        return ATT_EPARSE;
    *out = b != 0;
    return ATT_OK;
}

int att__der_oid_str(const att__cursor *value, char *out, size_t cap)
{
    att__cursor c = *value;
    size_t used = 0;
    int first = 1;
    if (cap == 0)
        return ATT_ELIMIT;
    out[0] = '\0';
    if (att__cur_remaining(&c) == 0)
        return ATT_EPARSE;
    while (att__cur_remaining(&c) > 0) {
        uint64_t arc = 0;
        uint8_t b;
        int start = 1;
        do {
            if (att__cur_u8(&c, &b) != ATT_OK)
                return ATT_EPARSE; /* last octet still had the continuation bit */
            if (start && b == 0x80)
                return ATT_EPARSE; /* non-minimal arc */
            start = 0;
            if (arc >> 56)
                return ATT_ELIMIT;
            arc = (arc << 7) | (b & 0x7f);
        } while (b & 0x80);
        int w;
        if (first) {
            uint64_t a0 = arc < 40 ? 0 : arc < 80 ? 1 : 2;
            w = snprintf(out + used, cap - used, "%llu.%llu", (unsigned long long)a0,
                         (unsigned long long)(arc - 40 * a0));
            first = 0;
        } else {
            w = snprintf(out + used, cap - used, ".%llu", (unsigned long long)arc);
        }
        if (w < 0 || (size_t)w >= cap - used) {
            out[0] = '\0';
            return ATT_ELIMIT;
        }
        used += (size_t)w;
    }
    return ATT_OK;
}
