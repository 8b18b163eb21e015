/* Open Enclave evidence parsing (reference/hw-evidence.md §4.1-4.3): the legacy report
 * header, the attestation header with its format UUID, the SGX ECDSA split of quote and
 * custom-claims buffer, and the custom-claims buffer itself. Everything is read through
 * the bounded cursor; every declared length is checked against the bytes left before use. */
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "evidence/oe/oe.h"

const uint8_t att__oe_uuid_sgx_ecdsa[16] = {0xa3, 0xa2, 0x1e, 0x87, 0x1b, 0x4d, 0x40, 0x14,
                                            0xb7, 0x0a, 0xa1, 0x25, 0xd2, 0xfb, 0xcd, 0x8c};
const uint8_t att__oe_uuid_legacy_report_remote[16] = {
    0xc8, 0x30, 0x34, 0x54, 0xd9, 0x23, 0x4c, 0x2c, 0xa6, 0x91, 0xdf, 0x7d, 0xef, 0x46, 0x0a, 0x76};
const uint8_t att__oe_uuid_raw_sgx_quote[16] = {0x19, 0x23, 0xd9, 0x1e, 0x12, 0xd2, 0x4c, 0x72,
                                                0xb2, 0x20, 0x25, 0xcd, 0x8d, 0xac, 0xe8, 0x71};

/* Formats OE knows but attestd does not verify, named in the refusal. */
static const struct {
    uint8_t uuid[16];
    const char *name;
} unsupported_formats[] = {
    {{0x09, 0x26, 0x8c, 0x33, 0x6e, 0x0b, 0x45, 0xe5, 0x8a, 0x27, 0x15, 0x64, 0x4d, 0x0e, 0xf8,
      0x9a},
     "SGX local attestation"},
    {{0xf2, 0x28, 0xaa, 0x3f, 0xde, 0x4d, 0x49, 0xd3, 0x88, 0x4c, 0xb2, 0xaa, 0x87, 0xa5, 0x0d,
      0xa6},
     "SGX EPID linkable"},
    {{0x5c, 0x35, 0xd2, 0x90, 0xa2, 0xc2, 0x4d, 0x55, 0x9e, 0x13, 0x5a, 0xd7, 0x32, 0x74, 0x6c,
      0x88},
     "SGX EPID unlinkable"},
    {{0x8b, 0xa7, 0x02, 0x86, 0xc1, 0xcf, 0x11, 0xed, 0xaf, 0xa1, 0x02, 0x42, 0xac, 0x12, 0x00,
      0x02},
     "TDX quote ECDSA"},
};

static void uuid_str(const uint8_t u[16], char out[37])
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hx[u[i] >> 4];
        out[o++] = hx[u[i] & 15];
    }
    out[o] = '\0';
}

int att__oe_claims_parse(const uint8_t *buf, size_t n, att__oe_custom_claims *out, att_diag *d)
{
    out->count = 0;
    if (n == 0)
        return ATT_OK;
    att__cursor c;
    att__cur_init(&c, buf, n);
    uint64_t version, count;
    if (att__cur_u64le(&c, &version) != ATT_OK || att__cur_u64le(&c, &count) != ATT_OK)
        return att_diag_fail(d, ATT_ETRUNC, "oe.claims.header", "oe.claims",
                             "oe.claims: %zu bytes, shorter than the 16-byte header", n);
    if (version != ATT_OE_CLAIMS_VERSION)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "oe.claims.version", "oe.claims.version",
                             "oe.claims.version: %llu, expected 1", (unsigned long long)version);
    if (count > ATT_MAX_OE_CLAIMS)
        return att_diag_fail(d, ATT_ELIMIT, "oe.claims.count", "oe.claims.count",
                             "oe.claims.count: %llu claims, at most %u allowed",
                             (unsigned long long)count, ATT_MAX_OE_CLAIMS);
    for (size_t i = 0; i < (size_t)count; i++) {
        char field[64];
        uint64_t name_size, value_size;
        snprintf(field, sizeof(field), "oe.claims[%zu]", i);
        if (att__cur_u64le(&c, &name_size) != ATT_OK || att__cur_u64le(&c, &value_size) != ATT_OK)
            return att_diag_fail(d, ATT_ETRUNC, "oe.claims.truncated", field,
                                 "%s: truncated claim header (%zu of 16 bytes present)", field,
                                 att__cur_remaining(&c));
        if (name_size == 0 || name_size > ATT_MAX_OE_CLAIM_NAME)
            return att_diag_fail(d, ATT_ELIMIT, "oe.claims.name_size", field,
                                 "%s.name_size: %llu, expected 1..%u (including the NUL)", field,
                                 (unsigned long long)name_size, ATT_MAX_OE_CLAIM_NAME);
        /* both lengths against what is left, overflow-safe: name first, then value
         * against the remainder after the name */
        size_t left = att__cur_remaining(&c);
        if (name_size > (uint64_t)left || value_size > (uint64_t)(left - (size_t)name_size))
            return att_diag_fail(
                d, ATT_ETRUNC, "oe.claims.value_size", field,
                "%s: declares a %llu-byte name and a %llu-byte value, %zu bytes present", field,
                (unsigned long long)name_size, (unsigned long long)value_size, left);
        const uint8_t *name, *value;
        if (att__cur_bytes(&c, (size_t)name_size, &name) != ATT_OK ||
            att__cur_bytes(&c, (size_t)value_size, &value) != ATT_OK)
            return att_diag_fail(d, ATT_EINTERNAL, "oe.claims.truncated", field,
                                 "%s: cursor refused a checked length", field);
        size_t nl = (size_t)name_size - 1;
        if (name[nl] != 0 || memchr(name, 0, nl) != NULL)
            return att_diag_fail(d, ATT_EPARSE, "oe.claims.name", field,
                                 "%s.name: not a NUL-terminated string of %zu characters", field,
                                 nl);
        for (size_t j = 0; j < i; j++)
            if (out->claims[j].name_len == nl && memcmp(out->claims[j].name, name, nl) == 0)
                return att_diag_fail(d, ATT_EPARSE, "oe.claims.duplicate", field,
                                     "%s.name: duplicate claim name '%.64s'", field,
                                     (const char *)name);
        out->claims[i].name = (const char *)name;
        out->claims[i].name_len = nl;
        out->claims[i].value = value;
        out->claims[i].value_len = (size_t)value_size;
        out->count = i + 1;
    }
    if (att__cur_remaining(&c) != 0)
        return att_diag_fail(d, ATT_EPARSE, "oe.claims.trailing", "oe.claims",
                             "oe.claims: %zu bytes after the last of %llu claims",
                             att__cur_remaining(&c), (unsigned long long)count);
    return ATT_OK;
}

/* Parses an SGX quote from p[0..n) into ev; the quote must be an SGX enclave quote. */
static int parse_quote(const uint8_t *p, size_t n, att__oe_evidence *ev, att_diag *d)
{
    int rc = att__quote_parse(p, n, &ev->q, d);
    if (rc != ATT_OK)
        return rc;
    if (ev->q.tee_type != ATT_TEE_SGX || ev->q.body_type != ATT_QUOTE_BODY_SGX)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "oe.tee_type", "quote.header.tee_type",
                             "OE evidence carries a TDX quote, not an SGX enclave quote");
    ev->quote = p;
    ev->quote_len = ev->q.size;
    return ATT_OK;
}

/* The legacy report at c (header included). */
static int parse_report(att__cursor *c, att__oe_evidence *ev, att_diag *d)
{
    uint32_t version, type;
    uint64_t size;
    if (att__cur_u32le(c, &version) != ATT_OK || att__cur_u32le(c, &type) != ATT_OK ||
        att__cur_u64le(c, &size) != ATT_OK)
        return att_diag_fail(d, ATT_ETRUNC, "oe.report_header", "oe.report_header",
                             "oe.report_header: truncated (16 bytes needed)");
    if (version != ATT_OE_REPORT_HEADER_VERSION)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "oe.report_header.version",
                             "oe.report_header.version", "oe.report_header.version: %u, expected 1",
                             version);
    if (type == ATT_OE_REPORT_TYPE_SGX_LOCAL)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "oe.report_header.type", "oe.report_header.type",
                             "oe.report_header.type: 1 is an SGX local report, which cannot be "
                             "verified remotely");
    if (type != ATT_OE_REPORT_TYPE_SGX_REMOTE)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "oe.report_header.type", "oe.report_header.type",
                             "oe.report_header.type: %u, expected 2 (SGX remote)", type);
    size_t left = att__cur_remaining(c);
    if (size > (uint64_t)left)
        return att_diag_fail(d, ATT_ETRUNC, "oe.report_header.size", "oe.report_header.size",
                             "oe.report_header.size: declares %llu bytes, %zu present",
                             (unsigned long long)size, left);
    const uint8_t *p;
    if (att__cur_bytes(c, (size_t)size, &p) != ATT_OK)
        return att_diag_fail(d, ATT_EINTERNAL, "oe.report_header.size", "oe.report_header.size",
                             "cursor refused a checked length");
    ev->has_report_header = 1;
    ev->format = ATT_OE_FORMAT_LEGACY_REPORT;
    return parse_quote(p, (size_t)size, ev, d);
}

/* SGX ECDSA data: quote || custom-claims buffer. */
static int parse_sgx_ecdsa(const uint8_t *p, size_t n, att__oe_evidence *ev, att_diag *d)
{
    ev->format = ATT_OE_FORMAT_SGX_ECDSA;
    int rc = parse_quote(p, n, ev, d);
    if (rc != ATT_OK)
        return rc;
    att__cursor c;
    att__cur_init(&c, p, n);
    if (att__cur_skip(&c, ev->q.size) != ATT_OK)
        return att_diag_fail(d, ATT_EINTERNAL, "oe.quote.size", "quote", "quote size beyond data");
    const uint8_t *rest = NULL;
    size_t rest_len = att__cur_remaining(&c);
    if (rest_len && att__cur_bytes(&c, rest_len, &rest) != ATT_OK)
        return att_diag_fail(d, ATT_EINTERNAL, "oe.claims.header", "oe.claims",
                             "cursor refused its remainder");
    ev->has_claims_buffer = 1;
    ev->claims_buffer_len = rest_len;
    ev->claims_buffer = rest;
    return att__oe_claims_parse(ev->claims_buffer, ev->claims_buffer_len, &ev->custom, d);
}

int att__oe_report_parse(const uint8_t *data, size_t n, att__oe_evidence *ev, att_diag *d)
{
    memset(ev, 0, sizeof(*ev));
    if (n > ATT_MAX_EVIDENCE)
        return att_diag_fail(d, ATT_ELIMIT, "oe.size", "report",
                             "OE report of %zu bytes exceeds the limit of %u", n, ATT_MAX_EVIDENCE);
    att__cursor c;
    att__cur_init(&c, data, n);
    memcpy(ev->format_uuid, att__oe_uuid_legacy_report_remote, 16);
    return parse_report(&c, ev, d);
}

int att__oe_parse(const uint8_t *data, size_t n, att__oe_evidence *ev, att_diag *d)
{
    memset(ev, 0, sizeof(*ev));
    if (n > ATT_MAX_EVIDENCE)
        return att_diag_fail(d, ATT_ELIMIT, "oe.size", "evidence",
                             "OE evidence of %zu bytes exceeds the limit of %u", n,
                             ATT_MAX_EVIDENCE);
    att__cursor c;
    att__cur_init(&c, data, n);
    uint32_t first;
    if (att__cur_u32le(&c, &first) != ATT_OK)
        return att_diag_fail(d, ATT_ETRUNC, "oe.header", "evidence",
                             "OE evidence: %zu bytes, too short for any header", n);
    att__cur_init(&c, data, n);
    if (first == ATT_OE_REPORT_HEADER_VERSION)
        return att__oe_report_parse(data, n, ev, d);
    if (first != ATT_OE_ATTESTATION_HEADER_VER) {
        /* header-less SGX ECDSA evidence (a quote starts with u16 version, u16 key type) */
        memcpy(ev->format_uuid, att__oe_uuid_sgx_ecdsa, 16);
        return parse_sgx_ecdsa(data, n, ev, d);
    }
    uint32_t version;
    uint8_t uuid[16];
    uint64_t data_size;
    if (att__cur_u32le(&c, &version) != ATT_OK || att__cur_copy(&c, uuid, 16) != ATT_OK ||
        att__cur_u64le(&c, &data_size) != ATT_OK)
        return att_diag_fail(d, ATT_ETRUNC, "oe.attestation_header", "oe.attestation_header",
                             "oe.attestation_header: truncated (28 bytes needed, %zu present)", n);
    ev->has_attestation_header = 1;
    memcpy(ev->format_uuid, uuid, 16);
    size_t left = att__cur_remaining(&c);
    if (data_size != (uint64_t)left)
        return att_diag_fail(d, data_size > (uint64_t)left ? ATT_ETRUNC : ATT_EPARSE,
                             "oe.attestation_header.data_size", "oe.attestation_header.data_size",
                             "oe.attestation_header.data_size: declares %llu bytes, %zu present",
                             (unsigned long long)data_size, left);
    const uint8_t *p = NULL;
    if (att__cur_bytes(&c, left, &p) != ATT_OK)
        return att_diag_fail(d, ATT_EINTERNAL, "oe.attestation_header.data_size",
                             "oe.attestation_header.data_size", "cursor refused a checked length");
    if (memcmp(uuid, att__oe_uuid_sgx_ecdsa, 16) == 0)
        return parse_sgx_ecdsa(p, left, ev, d);
    if (memcmp(uuid, att__oe_uuid_legacy_report_remote, 16) == 0) {
        att__cursor inner;
        att__cur_init(&inner, p, left);
        return parse_report(&inner, ev, d);
    }
    if (memcmp(uuid, att__oe_uuid_raw_sgx_quote, 16) == 0) {
        ev->format = ATT_OE_FORMAT_RAW_QUOTE;
        return parse_quote(p, left, ev, d);
    }
    char us[37];
    uuid_str(uuid, us);
    for (size_t i = 0; i < sizeof(unsupported_formats) / sizeof(unsupported_formats[0]); i++)
        if (memcmp(uuid, unsupported_formats[i].uuid, 16) == 0)
            return att_diag_fail(d, ATT_EUNSUPPORTED, "oe.attestation_header.format",
                                 "oe.attestation_header.format_id",
                                 "oe.attestation_header.format_id: %s (%s) is not supported", us,
                                 unsupported_formats[i].name);
    return att_diag_fail(d, ATT_EUNSUPPORTED, "oe.attestation_header.format",
                         "oe.attestation_header.format_id",
                         "oe.attestation_header.format_id: unknown format %s", us);
}
