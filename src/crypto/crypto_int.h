/* Helpers shared by the files of src/crypto (not part of crypto.h; never included
 * outside this directory). Everything here may include OpenSSL headers. */
#ifndef ATT_CRYPTO_INT_H
#define ATT_CRYPTO_INT_H

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/limits.h"
#include "crypto/crypto.h"

/* Largest DER or PEM input any function of this module accepts in one call (a key, a
 * certificate, a PEM bundle, a CRL, a file). Certificates and CRLs reach us inside
 * evidence or collateral, so they cannot be larger than a piece of evidence; real ones are
 * under 16 KiB (Intel PCK CRLs: a few KiB; certificates with an embedded quote: ~10 KiB). */
#define ATT__CRYPTO_MAX_INPUT ATT_MAX_EVIDENCE

/* RSA modulus sizes accepted for keys built from n/e and for generation. Below 1024 bits
 * nothing legitimate exists in our inputs; 16384 is OpenSSL's own verification limit. */
#define ATT__RSA_MIN_BITS     1024
#define ATT__RSA_GEN_MIN_BITS 2048
#define ATT__RSA_MAX_BITS     16384

/* The EVP digest for an algorithm, NULL for an unknown one. */
const EVP_MD *att__crypto_md(att__hash_alg alg);

/* Drops whatever OpenSSL queued on this thread's error stack and returns err, so that a
 * failure here never leaks stale errors into the next, unrelated OpenSSL call. */
int att__crypto_err(int err);

/* A read-only memory BIO over n bytes (borrowed; must outlive the BIO). NULL when n is 0,
 * above ATT__CRYPTO_MAX_INPUT, or on allocation failure; *err says which. */
BIO *att__crypto_mem_bio(const void *p, size_t n, int *err);

/* Copies a memory BIO's contents into a malloc'd NUL-terminated string (caller frees).
 * *len (optional) gets the length without the NUL. */
int att__crypto_bio_to_str(BIO *b, char **out, size_t *len);

/* An OpenSSL i2d function behind a type-exact adapter: encodes obj into *pp and advances
 * it, or only returns the length when pp is NULL. Returns the length, <= 0 on failure. */
typedef int (*att__crypto_i2d_fn)(const void *obj, unsigned char **pp);

/* DER encoding of obj in a malloc'd buffer (caller frees): the length query, the
 * allocation and the encoding, checked against each other. ATT_EINVAL when der, n or obj
 * is NULL (*der and *n are cleared whenever they are given), ATT_ECRYPTO when OpenSSL
 * cannot encode obj. */
int att__crypto_i2d(const void *obj, att__crypto_i2d_fn enc, uint8_t **der, size_t *n);

/* An OpenSSL d2i function behind a type-exact adapter: decodes one object from *pp
 * (advancing it past what was read) and returns it newly allocated, or NULL. */
typedef void *(*att__crypto_d2i_fn)(const unsigned char **pp, long len);

/* Decodes exactly one DER object from der[0..n) (borrowed) with dec. On success *out gets
 * the object, owned by the caller. ATT_EINVAL when der is NULL or n is 0, ATT_ELIMIT above
 * ATT__CRYPTO_MAX_INPUT, ATT_EPARSE when dec fails or bytes follow the object (which is
 * then freed with release). *out is untouched on failure. */
int att__crypto_d2i(const uint8_t *der, size_t n, att__crypto_d2i_fn dec, void (*release)(void *),
                    void **out);

/* First occurrence of the NUL-terminated needle in hay[0..n), or NULL (memmem, which is
 * not in C11/POSIX). */
const char *att__crypto_memfind(const char *hay, size_t n, const char *needle);

/* A PEM password callback that never prompts and always fails: encrypted PEM is refused
 * instead of blocking on a terminal. */
int att__crypto_no_password(char *buf, int size, int rwflag, void *u);

/* ASN1_TIME to seconds since the epoch. ATT_EPARSE when malformed. */
int att__crypto_time_to_epoch(const ASN1_TIME *t, int64_t *out);

/* An X509_NAME in RFC 2253 form, UTF-8 (malloc'd; caller frees). */
int att__crypto_name_str(const X509_NAME *name, char **out);

/* An ASN1_INTEGER (serial number) as lowercase hex without leading zeros ("0" for zero,
 * "-" prefix when negative), malloc'd; caller frees. */
int att__crypto_integer_hex(const ASN1_INTEGER *ai, char **out);

/* Reads a whole regular file of at most max bytes into a malloc'd buffer with a NUL
 * appended (not counted). ATT_ENOTFOUND when absent, ATT_ELIMIT when too large, ATT_EIO
 * otherwise. The caller frees (and cleanses when it held secrets). */
int att__crypto_read_file(const char *path, size_t max, uint8_t **out, size_t *n);

/* Writes n bytes to path atomically: a temporary file in the same directory created with
 * `mode`, fsync, then rename over path (overwrite) or link to path (fails with ATT_EIO
 * when path exists), then fsync of the directory. The temporary is removed on failure. */
int att__crypto_write_file_atomic(const char *path, const void *data, size_t n, mode_t mode,
                                  int overwrite);

#endif
