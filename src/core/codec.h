/* base64, base64url and hex.
 *
 * Encoding is exact: standard base64 with padding (ATT_B64_STD) or base64url without
 * padding (ATT_B64_URL), as MAA emits them. Decoding is lenient as MAA's clients need
 * (reference/maa.md §1.14): either alphabet (even mixed), with or without '=' padding.
 * Anything else (whitespace, stray '=', impossible lengths) is ATT_EPARSE. */
#ifndef ATT_CORE_CODEC_H
#define ATT_CORE_CODEC_H

#include <stddef.h>
#include <stdint.h>

enum { ATT_B64_STD = 0, ATT_B64_URL = 1 };

/* Characters needed to encode n bytes (without the NUL). */
size_t att__b64_enc_len(size_t n, int variant);
/* Upper bound of the decoded size of n characters. */
size_t att__b64_dec_max(size_t n);

/* Encodes into out (cap >= att__b64_enc_len + 1), NUL-terminated. Returns chars written. */
size_t att__b64_encode(const void *in, size_t n, int variant, char *out);
/* Returns a malloc'd NUL-terminated encoding (caller frees), NULL on allocation failure. */
char *att__b64_encode_alloc(const void *in, size_t n, int variant);

/* Decodes n characters into out (cap >= att__b64_dec_max(n)); *outlen gets the size. */
int att__b64_decode(const char *in, size_t n, uint8_t *out, size_t *outlen);
/* Decodes into a malloc'd buffer (caller frees; NUL-terminated for convenience, the NUL
 * is not counted). *out is NULL on failure. */
int att__b64_decode_alloc(const char *in, size_t n, uint8_t **out, size_t *outlen);

/* Value 0..15 of one hex digit (either case), or -1 for any other character. */
int att__hex_digit(unsigned char c);
/* Hex: out needs 2n+1 chars; lowercase unless upper. */
void att__hex_encode(const void *in, size_t n, int upper, char *out);
char *att__hex_encode_alloc(const void *in, size_t n, int upper);
/* Decodes 2k hex digits (either case) into out (cap >= n/2). Odd length: ATT_EPARSE. */
int att__hex_decode(const char *in, size_t n, uint8_t *out, size_t *outlen);
int att__hex_decode_alloc(const char *in, size_t n, uint8_t **out, size_t *outlen);

#endif
