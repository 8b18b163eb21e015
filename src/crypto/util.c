/* Internal helpers of src/crypto (crypto_int.h): digests by id, OpenSSL error hygiene,
 * memory BIOs, DER encoding and strict decoding, time and name conversion, bounded file
 * reads and atomic file writes. */
#include "crypto/crypto_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/timeutil.h"

const EVP_MD *att__crypto_md(att__hash_alg alg)
{
    switch (alg) {
    case ATT_HASH_SHA1:
        return EVP_sha1();
    case ATT_HASH_SHA256:
        return EVP_sha256();
    case ATT_HASH_SHA384:
        return EVP_sha384();
    case ATT_HASH_SHA512:
        return EVP_sha512();
    }
    return NULL;
}

int att__crypto_err(int err)
{
    ERR_clear_error();
    return err;
}

BIO *att__crypto_mem_bio(const void *p, size_t n, int *err)
{
    *err = ATT_OK;
    if (!p || n == 0) {
        *err = ATT_EINVAL;
        return NULL;
    }
    if (n > ATT__CRYPTO_MAX_INPUT || n > INT_MAX) {
        *err = ATT_ELIMIT;
        return NULL;
    }
    BIO *b = BIO_new_mem_buf(p, (int)n);
    if (!b)
        *err = att__crypto_err(ATT_ENOMEM);
    return b;
}

int att__crypto_bio_to_str(BIO *b, char **out, size_t *len)
{
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    if (n < 0 || (n > 0 && !data))
        return att__crypto_err(ATT_ECRYPTO);
    char *s = malloc((size_t)n + 1);
    if (!s)
        return ATT_ENOMEM;
    if (n > 0)
        memcpy(s, data, (size_t)n);
    s[n] = '\0';
    *out = s;
    if (len)
        *len = (size_t)n;
    return ATT_OK;
}

int att__crypto_i2d(const void *obj, att__crypto_i2d_fn enc, uint8_t **der, size_t *n)
{
    if (!der || !n)
        return ATT_EINVAL;
    *der = NULL;
    *n = 0;
    if (!obj)
        return ATT_EINVAL;
    int len = enc(obj, NULL);
    if (len <= 0)
        return att__crypto_err(ATT_ECRYPTO);
    uint8_t *buf = malloc((size_t)len);
    if (!buf)
        return ATT_ENOMEM;
    unsigned char *p = buf;
    if (enc(obj, &p) != len) {
        free(buf);
        return att__crypto_err(ATT_ECRYPTO);
    }
    *der = buf;
    *n = (size_t)len;
    return ATT_OK;
}

int att__crypto_d2i(const uint8_t *der, size_t n, att__crypto_d2i_fn dec, void (*release)(void *),
                    void **out)
{
    if (!der || n == 0)
        return ATT_EINVAL;
    if (n > ATT__CRYPTO_MAX_INPUT)
        return ATT_ELIMIT;
    const unsigned char *p = der;
    void *obj = dec(&p, (long)n);
    if (!obj)
        return att__crypto_err(ATT_EPARSE);
    if (p != der + n) { /* trailing bytes: not exactly one object */
        release(obj);
        return ATT_EPARSE;
    }
    *out = obj;
    return ATT_OK;
}

const char *att__crypto_memfind(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0 || n < m)
        return NULL;
    for (size_t i = 0; i <= n - m; i++) {
        const char *p = memchr(hay + i, needle[0], n - m - i + 1);
        if (!p)
            return NULL;
        i = (size_t)(p - hay);
        if (memcmp(p, needle, m) == 0)
            return p;
    }
    return NULL;
}

int att__crypto_no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

int att__crypto_time_to_epoch(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    /* ASN1_TIME_to_tm(NULL, ...) would read the clock: never let that happen. */
    if (!t)
        return ATT_EPARSE;
    memset(&tm, 0, sizeof(tm));
    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return att__crypto_err(ATT_EPARSE);
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return ATT_EPARSE;
    int64_t days = att__days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                        (unsigned)tm.tm_mday);
    *out = days * 86400 + (int64_t)tm.tm_hour * 3600 + (int64_t)tm.tm_min * 60 + tm.tm_sec;
    return ATT_OK;
}

int att__crypto_name_str(const X509_NAME *name, char **out)
{
    *out = NULL;
    if (!name)
        return ATT_EINVAL;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return att__crypto_err(ATT_ENOMEM);
    /* RFC 2253 order and escaping, but non-ASCII kept as UTF-8 rather than \XX escapes. */
    unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    int rc = ATT_OK;
    if (X509_NAME_print_ex(b, name, 0, flags) < 0)
        rc = att__crypto_err(ATT_ECRYPTO);
    else
        rc = att__crypto_bio_to_str(b, out, NULL);
    BIO_free(b);
    return rc;
}

int att__crypto_read_file(const char *path, size_t max, uint8_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!path || !*path)
        return ATT_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? ATT_ENOTFOUND : ATT_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ATT_EIO;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        close(fd);
        return ATT_ELIMIT;
    }
    /* The file may grow between fstat and read: read at most max + 1 bytes and refuse more. */
    size_t cap = (size_t)st.st_size + 1;
    uint8_t *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return ATT_ENOMEM;
    }
    size_t len = 0;
    while (len < cap) {
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            att__cleanse(buf, len);
            free(buf);
            return ATT_EIO;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (len > max || len == cap) {
        /* grew while reading: refuse rather than return a torn view */
        att__cleanse(buf, len);
        free(buf);
        return len > max ? ATT_ELIMIT : ATT_EIO;
    }
    buf[len] = 0;
    *out = buf;
    *n = len;
    return ATT_OK;
}

/* write(2) until done. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return ATT_EIO;
        p += w;
        n -= (size_t)w;
    }
    return ATT_OK;
}

/* fsync of the directory holding path, so the rename itself is durable. Filesystems that
 * cannot sync a directory (EINVAL) and unreadable directories (EACCES) are tolerated. */
static int sync_parent_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        dir[0] = '.';
        dir[1] = '\0';
    } else if (slash == path) {
        dir[0] = '/';
        dir[1] = '\0';
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof(dir))
            return ATT_EINVAL;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) /* a directory we may write into but not read: the rename is done */
        return errno == EACCES ? ATT_OK : ATT_EIO;
    int rc = ATT_OK;
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = ATT_EIO;
    close(fd);
    return rc;
}

int att__crypto_write_file_atomic(const char *path, const void *data, size_t n, mode_t mode,
                                  int overwrite)
{
    static const char suffix[] = ".tmp.XXXXXX";
    if (!path || !*path || (!data && n > 0))
        return ATT_EINVAL;
    size_t plen = strlen(path);
    if (path[plen - 1] == '/')
        return ATT_EINVAL;
    if (plen > PATH_MAX - sizeof(suffix))
        return ATT_ELIMIT;
    if (!overwrite && access(path, F_OK) == 0)
        return ATT_EIO;

    char tmp[PATH_MAX];
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, suffix, sizeof(suffix));
    int fd = mkstemp(tmp); /* created 0600: nobody else can open it meanwhile */
    if (fd < 0)
        return ATT_EIO;
    int rc = ATT_OK;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(fd, mode) != 0)
        rc = ATT_EIO;
    if (rc == ATT_OK)
        rc = write_all(fd, data, n);
    if (rc == ATT_OK && fsync(fd) != 0)
        rc = ATT_EIO;
    if (close(fd) != 0 && rc == ATT_OK)
        rc = ATT_EIO;
    if (rc == ATT_OK) {
        if (overwrite) {
            if (rename(tmp, path) != 0)
                rc = ATT_EIO;
        } else {
            /* link(2) refuses an existing target, so a concurrent writer cannot be clobbered. */
            if (link(tmp, path) != 0)
                rc = ATT_EIO;
            unlink(tmp);
        }
    }
    if (rc != ATT_OK) {
        unlink(tmp);
        return rc;
    }
    return sync_parent_dir(path);
}
