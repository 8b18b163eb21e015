/* Small helpers of the event-log and IMA code (evlog_int.h): hashing by TPM algorithm id,
 * algorithm and event-type names, UTF-16 to UTF-8, hex, EFI GUIDs, UEFI_VARIABLE_DATA. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cursor.h"
#include "crypto/crypto.h"
#include "evidence/tpm/evlog_int.h"

const uint8_t att__guid_efi_global[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
                                          0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};
const uint8_t att__guid_image_security[16] = {0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
                                              0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f};
const uint8_t att__guid_cert_x509[16] = {0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
                                         0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72};
const uint8_t att__guid_cert_sha256[16] = {0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40,
                                           0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28};

const char *att__tpm_alg_name(uint16_t alg)
{
    switch (alg) {
    case ATT_TPM_ALG_SHA1:
        return "sha1";
    case ATT_TPM_ALG_SHA256:
        return "sha256";
    case ATT_TPM_ALG_SHA384:
        return "sha384";
    case ATT_TPM_ALG_SHA512:
        return "sha512";
    case ATT_TPM_ALG_SM3_256:
        return "sm3_256";
    }
    return NULL;
}

size_t att__tpm_alg_size(uint16_t alg)
{
    switch (alg) {
    case ATT_TPM_ALG_SHA1:
        return 20;
    case ATT_TPM_ALG_SHA256:
    case ATT_TPM_ALG_SM3_256:
        return 32;
    case ATT_TPM_ALG_SHA384:
        return 48;
    case ATT_TPM_ALG_SHA512:
        return 64;
    }
    return 0;
}

uint16_t att__tpm_alg_from_name(const char *name)
{
    static const struct {
        const char *n;
        uint16_t a;
    } t[] = {{"sha1", ATT_TPM_ALG_SHA1},       {"sha-1", ATT_TPM_ALG_SHA1},
             {"sha256", ATT_TPM_ALG_SHA256},   {"sha-256", ATT_TPM_ALG_SHA256},
             {"sha384", ATT_TPM_ALG_SHA384},   {"sha-384", ATT_TPM_ALG_SHA384},
             {"sha512", ATT_TPM_ALG_SHA512},   {"sha-512", ATT_TPM_ALG_SHA512},
             {"sm3_256", ATT_TPM_ALG_SM3_256}, {"sm3", ATT_TPM_ALG_SM3_256}};
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcasecmp(name, t[i].n) == 0)
            return t[i].a;
    return 0;
}

static att__hash_alg to_hash(uint16_t alg)
{
    switch (alg) {
    case ATT_TPM_ALG_SHA1:
        return ATT_HASH_SHA1;
    case ATT_TPM_ALG_SHA256:
        return ATT_HASH_SHA256;
    case ATT_TPM_ALG_SHA384:
        return ATT_HASH_SHA384;
    case ATT_TPM_ALG_SHA512:
        return ATT_HASH_SHA512;
    }
    return (att__hash_alg)0;
}

int att__tpm_hash(uint16_t alg, const void *data, size_t n, uint8_t *out)
{
    static const uint8_t empty;
    if (!data)
        data = &empty;
    if (alg == ATT_TPM_ALG_SM3_256)
        return att__sm3_256(data, n, out);
    att__hash_alg h = to_hash(alg);
    if (!h)
        return ATT_EUNSUPPORTED;
    return att__hash(h, data, n, out);
}

int att__tpm_hash2(uint16_t alg, const void *a, size_t na, const void *b, size_t nb, uint8_t *out)
{
    uint8_t buf[2 * ATT_TPM_MAX_DIGEST];
    if (na > ATT_TPM_MAX_DIGEST || nb > ATT_TPM_MAX_DIGEST)
        return ATT_EINVAL;
    memcpy(buf, a, na);
    memcpy(buf + na, b, nb);
    return att__tpm_hash(alg, buf, na + nb, out);
}

const char *att__evlog_type_name(uint32_t type)
{
    switch (type) {
    case ATT_EV_PREBOOT_CERT:
        return "EV_PREBOOT_CERT";
    case ATT_EV_POST_CODE:
        return "EV_POST_CODE";
    case ATT_EV_UNUSED:
        return "EV_UNUSED";
    case ATT_EV_NO_ACTION:
        return "EV_NO_ACTION";
    case ATT_EV_SEPARATOR:
        return "EV_SEPARATOR";
    case ATT_EV_ACTION:
        return "EV_ACTION";
    case ATT_EV_EVENT_TAG:
        return "EV_EVENT_TAG";
    case ATT_EV_S_CRTM_CONTENTS:
        return "EV_S_CRTM_CONTENTS";
    case ATT_EV_S_CRTM_VERSION:
        return "EV_S_CRTM_VERSION";
    case ATT_EV_CPU_MICROCODE:
        return "EV_CPU_MICROCODE";
    case ATT_EV_PLATFORM_CONFIG_FLAGS:
        return "EV_PLATFORM_CONFIG_FLAGS";
    case ATT_EV_TABLE_OF_DEVICES:
        return "EV_TABLE_OF_DEVICES";
    case ATT_EV_COMPACT_HASH:
        return "EV_COMPACT_HASH";
    case ATT_EV_IPL:
        return "EV_IPL";
    case ATT_EV_IPL_PARTITION_DATA:
        return "EV_IPL_PARTITION_DATA";
    case ATT_EV_NONHOST_CODE:
        return "EV_NONHOST_CODE";
    case ATT_EV_NONHOST_CONFIG:
        return "EV_NONHOST_CONFIG";
    case ATT_EV_NONHOST_INFO:
        return "EV_NONHOST_INFO";
    case ATT_EV_OMIT_BOOT_DEVICE_EVENTS:
        return "EV_OMIT_BOOT_DEVICE_EVENTS";
    case ATT_EV_EFI_VARIABLE_DRIVER_CONFIG:
        return "EV_EFI_VARIABLE_DRIVER_CONFIG";
    case ATT_EV_EFI_VARIABLE_BOOT:
        return "EV_EFI_VARIABLE_BOOT";
    case ATT_EV_EFI_BOOT_SERVICES_APPLICATION:
        return "EV_EFI_BOOT_SERVICES_APPLICATION";
    case ATT_EV_EFI_BOOT_SERVICES_DRIVER:
        return "EV_EFI_BOOT_SERVICES_DRIVER";
    case ATT_EV_EFI_RUNTIME_SERVICES_DRIVER:
        return "EV_EFI_RUNTIME_SERVICES_DRIVER";
    case ATT_EV_EFI_GPT_EVENT:
        return "EV_EFI_GPT_EVENT";
    case ATT_EV_EFI_ACTION:
        return "EV_EFI_ACTION";
    case ATT_EV_EFI_PLATFORM_FIRMWARE_BLOB:
        return "EV_EFI_PLATFORM_FIRMWARE_BLOB";
    case ATT_EV_EFI_HANDOFF_TABLES:
        return "EV_EFI_HANDOFF_TABLES";
    case ATT_EV_EFI_PLATFORM_FIRMWARE_BLOB2:
        return "EV_EFI_PLATFORM_FIRMWARE_BLOB2";
    case ATT_EV_EFI_HANDOFF_TABLES2:
        return "EV_EFI_HANDOFF_TABLES2";
    case ATT_EV_EFI_VARIABLE_BOOT2:
        return "EV_EFI_VARIABLE_BOOT2";
    case ATT_EV_EFI_HCRTM_EVENT:
        return "EV_EFI_HCRTM_EVENT";
    case ATT_EV_EFI_VARIABLE_AUTHORITY:
        return "EV_EFI_VARIABLE_AUTHORITY";
    case ATT_EV_EFI_SPDM_FIRMWARE_BLOB:
        return "EV_EFI_SPDM_FIRMWARE_BLOB";
    case ATT_EV_EFI_SPDM_FIRMWARE_CONFIG:
        return "EV_EFI_SPDM_FIRMWARE_CONFIG";
    }
    return "EV_UNKNOWN";
}

/* Appends code point cp as UTF-8 to out (room for 4 bytes guaranteed by the caller). */
static size_t put_utf8(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

char *att__utf16le_to_utf8(const uint8_t *p, size_t n)
{
    size_t units = n / 2;
    char *out = malloc(units * 3 + 1); /* a BMP unit is <= 3 bytes; a pair 4 for 2 units */
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = (uint32_t)p[2 * i] | ((uint32_t)p[2 * i + 1] << 8);
        if (u == 0)
            break;
        if (u >= 0xD800 && u < 0xDC00 && i + 1 < units) {
            uint32_t lo = (uint32_t)p[2 * i + 2] | ((uint32_t)p[2 * i + 3] << 8);
            if (lo >= 0xDC00 && lo < 0xE000) {
                o += put_utf8(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00), out + o);
                i++;
                continue;
            }
        }
        if (u >= 0xD800 && u < 0xE000)
            u = 0xFFFD;
        o += put_utf8(u, out + o);
    }
    out[o] = '\0';
    return out;
}

char *att__tpm_hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        out[o++] = hx[p[i] >> 4];
        out[o++] = hx[p[i] & 15];
    }
    if (cap)
        out[o < cap ? o : cap - 1] = '\0';
    return out;
}

void att__efi_guid_str(const uint8_t g[16], char out[37])
{
    static const char hx[] = "0123456789ABCDEF";
    /* Data1 (u32 LE), Data2 (u16 LE), Data3 (u16 LE), then 8 bytes in order. */
    static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        uint8_t b = g[order[i]];
        out[o++] = hx[b >> 4];
        out[o++] = hx[b & 15];
    }
    out[o] = '\0';
}

int att__efi_var_decode(const uint8_t *data, size_t n, int allow_trailing, att__efi_var *v)
{
    att__cursor c;
    att__cur_init(&c, data, n);
    uint64_t name_units, value_len;
    if (att__cur_bytes(&c, 16, &v->guid) || att__cur_u64le(&c, &name_units) ||
        att__cur_u64le(&c, &value_len))
        return ATT_EINVAL;
    size_t rem = att__cur_remaining(&c);
    if (name_units > rem / 2 || value_len > rem - name_units * 2)
        return ATT_EINVAL;
    v->name_units = (size_t)name_units;
    v->value_len = (size_t)value_len;
    if (att__cur_bytes(&c, v->name_units * 2, &v->name16) ||
        att__cur_bytes(&c, v->value_len, &v->value))
        return ATT_EINVAL;
    if (!allow_trailing && att__cur_remaining(&c) != 0)
        return ATT_EINVAL;
    return ATT_OK;
}

int att__efi_var_name_is(const att__efi_var *v, const char *s)
{
    size_t n = strlen(s);
    if (v->name_units != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v->name16[2 * i] != (uint8_t)s[i] || v->name16[2 * i + 1] != 0)
            return 0;
    return 1;
}
