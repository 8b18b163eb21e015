/* base64, base64url and hex (codec.h). */
#include "core/codec.h"

#include <stdlib.h>

#include "attest/error.h"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t att__b64_enc_len(size_t n, int variant)
{
    if (variant == ATT_B64_URL)
        return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
    return (n + 2) / 3 * 4;
}

size_t att__b64_dec_max(size_t n)
{
    return n / 4 * 3 + 3;
}

size_t att__b64_encode(const void *vin, size_t n, int variant, char *out)
{
    const uint8_t *in = vin;
    const char *tab = variant == ATT_B64_URL ? b64_url : b64_std;
    size_t o = 0, i = 0;
    for (; n - i >= 3; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (n - i) {
        uint32_t v = (uint32_t)in[i] << 16 | (n - i == 2 ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        if (n - i == 2)
            out[o++] = tab[(v >> 6) & 63];
        if (variant != ATT_B64_URL) {
            if (n - i == 1)
                out[o++] = '=';
            out[o++] = '=';
        }
    }
    out[o] = '\0';
    return o;
}

char *att__b64_encode_alloc(const void *in, size_t n, int variant)
{
    if (n > (SIZE_MAX - 8) / 4 * 3)
        return NULL;
    char *out = malloc(att__b64_enc_len(n, variant) + 1);
    if (out)
        att__b64_encode(in, n, variant, out);
    return out;
}

/* 1 + the value of each byte as a base64 digit of either alphabet ('+' and '-' are 62, '/'
 * and '_' 63); 0 for a byte that is no digit. A table, because request bodies carry tens of
 * kilobytes of base64 (SNP reports with their certificate chains) and decoding sits on every
 * attestation's path. */
static const uint8_t b64_dec[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
    ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['-'] = 63,
    ['/'] = 64, ['_'] = 64,
};

/* Value of one base64 character in either alphabet, or -1. */
static int b64_val(unsigned char c)
{
    return (int)b64_dec[c] - 1;
}

int att__b64_decode(const char *in, size_t n, uint8_t *out, size_t *outlen)
{
    /* Strip up to two '=' of padding; a padded input must then be a multiple of 4. */
    size_t pad = 0;
    while (pad < 2 && n > pad && in[n - 1 - pad] == '=')
        pad++;
    if (pad && n % 4 != 0)
        return ATT_EPARSE;
    n -= pad;
    if (n % 4 == 1)
        return ATT_EPARSE;
    const unsigned char *u = (const unsigned char *)in;
    size_t o = 0, i = 0;
    /* Whole groups of four digits: three bytes each. */
    for (; n - i >= 4; i += 4) {
        int a = b64_val(u[i]), b = b64_val(u[i + 1]), c = b64_val(u[i + 2]), d = b64_val(u[i + 3]);
        if ((a | b | c | d) < 0)
            return ATT_EPARSE;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (uint8_t)(v >> 16);
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)v;
    }
    /* The unpadded tail: 2 digits = 1 byte, 3 digits = 2 bytes (leftover bits dropped, as
     * before). */
    if (n - i >= 2) {
        int a = b64_val(u[i]), b = b64_val(u[i + 1]);
        int c = n - i == 3 ? b64_val(u[i + 2]) : 0;
        if ((a | b | c) < 0)
            return ATT_EPARSE;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6;
        out[o++] = (uint8_t)(v >> 16);
        if (n - i == 3)
            out[o++] = (uint8_t)(v >> 8);
    }
    *outlen = o;
    return ATT_OK;
}

int att__b64_decode_alloc(const char *in, size_t n, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    uint8_t *p = malloc(att__b64_dec_max(n) + 1);
    if (!p)
        return ATT_ENOMEM;
    size_t len;
    int rc = att__b64_decode(in, n, p, &len);
    if (rc != ATT_OK) {
        free(p);
        return rc;
    }
    p[len] = 0;
    *out = p;
    *outlen = len;
    return ATT_OK;
}

void att__hex_encode(const void *vin, size_t n, int upper, char *out)
{
    const uint8_t *in = vin;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

char *att__hex_encode_alloc(const void *in, size_t n, int upper)
{
    if (n > (SIZE_MAX - 1) / 2)
        return NULL;
    char *out = malloc(2 * n + 1);
    if (out)
        att__hex_encode(in, n, upper, out);
    return out;
}

int att__hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int att__hex_decode(const char *in, size_t n, uint8_t *out, size_t *outlen)
{
    if (n % 2)
        return ATT_EPARSE;
    for (size_t i = 0; i < n; i += 2) {
        int hi = att__hex_digit((unsigned char)in[i]),
            lo = att__hex_digit((unsigned char)in[i + 1]);
        if (hi < 0 || lo < 0)
            return ATT_EPARSE;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *outlen = n / 2;
    return ATT_OK;
}

int att__hex_decode_alloc(const char *in, size_t n, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    uint8_t *p = malloc(n / 2 + 1);
    if (!p)
        return ATT_ENOMEM;
    size_t len;
    int rc = att__hex_decode(in, n, p, &len);
    if (rc != ATT_OK) {
        free(p);
        return rc;
    }
    p[len] = 0;
    *out = p;
    *outlen = len;
    return ATT_OK;
}
