/* The service signing key and its self-signed certificates: key file in the data directory,
 * certificate per issuer, kid derivation (token.h, reference/maa.md §4.3). */
#include "token/token.h"
#include "token/token_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "core/codec.h"
#include "core/log.h"

int att__token_issuer_url_check(const char *issuer)
{
    if (!issuer)
        return ATT_EINVAL;
    size_t n = strlen(issuer);
    size_t skip;
    if (strncmp(issuer, "https://", 8) == 0)
        skip = 8;
    else if (strncmp(issuer, "http://", 7) == 0)
        skip = 7;
    else
        return ATT_EINVAL;
    /* A host is needed, and jku = issuer + "/certs" must not get a double slash. */
    if (n <= skip || n > ATT_TOKEN_MAX_ISSUER || issuer[n - 1] == '/' || issuer[skip] == '/')
        return ATT_EINVAL;
    /* Only characters that need no escaping in JSON, in an RFC 2253 name or in a URL path,
     * so the issuer appears byte-identical in iss, jku, the certificate subject and the
     * OpenID metadata. */
    for (size_t i = skip; i < n; i++) {
        char c = issuer[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            continue;
        if (strchr(".-_~%:/[]", c) == NULL)
            return ATT_EINVAL;
    }
    return ATT_OK;
}

int att__token_kid(const att__pkey *k, char kid[ATT_TOKEN_KID_LEN + 1])
{
    char *pem = NULL;
    uint8_t digest[32];
    int rc = att__pkey_public_pem(k, &pem);
    if (rc != ATT_OK)
        return rc;
    /* The digest covers the PEM text and its terminating NUL (§4.3). */
    rc = att__hash(ATT_HASH_SHA256, pem, strlen(pem) + 1, digest);
    free(pem);
    if (rc != ATT_OK)
        return rc;
    att__b64_encode(digest, sizeof(digest), ATT_B64_STD, kid);
    return ATT_OK;
}

int att__token_same_pubkey(const att__pkey *a, const att__pkey *b)
{
    uint8_t *da = NULL, *db = NULL;
    size_t na = 0, nb = 0;
    int rc = att__pkey_public_der(a, &da, &na);
    if (rc == ATT_OK)
        rc = att__pkey_public_der(b, &db, &nb);
    if (rc == ATT_OK)
        rc = na == nb && memcmp(da, db, na) == 0;
    free(da);
    free(db);
    return rc;
}

/* Joins dir and name into out (cap bytes). ATT_EINVAL when it does not fit. */
static int join_path(char *out, size_t cap, const char *dir, const char *name)
{
    if (!dir || !*dir)
        return ATT_EINVAL;
    int n = snprintf(out, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return ATT_EINVAL;
    return ATT_OK;
}

/* Creates dir (mode 0700) when it does not exist; its parent must exist. */
static int ensure_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? ATT_OK : ATT_EIO;
    if (errno != ENOENT)
        return ATT_EIO;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        att__error("cannot create data directory", "dir=%s errno=%d", dir, errno);
        return ATT_EIO;
    }
    return ATT_OK;
}

/* Loads the key file at path and checks it is an RSA key of at least
 * ATT_SIGNING_KEY_BITS bits. */
static int load_key(const char *path, att__pkey **key)
{
    att__pkey *k = NULL;
    int rc = att__pkey_read_pem_file(path, &k);
    if (rc != ATT_OK) {
        att__error("cannot read signing key", "path=%s err=%s", path, att_errname(rc));
        return rc;
    }
    if (att__pkey_type(k) != ATT_KEY_RSA || att__pkey_bits(k) < ATT_SIGNING_KEY_BITS) {
        att__error("signing key must be RSA", "path=%s bits=%d min_bits=%d", path,
                   att__pkey_bits(k), ATT_SIGNING_KEY_BITS);
        att__pkey_free(k);
        return ATT_EUNSUPPORTED;
    }
    *key = k;
    return ATT_OK;
}

int att__signing_key_load_or_create(const char *dir, att__pkey **key, int *created)
{
    char path[PATH_MAX];
    struct stat st;
    att__pkey *k = NULL;
    if (!key)
        return ATT_EINVAL;
    *key = NULL;
    if (created)
        *created = 0;
    int rc = join_path(path, sizeof(path), dir, ATT_SIGNING_KEY_FILE);
    if (rc != ATT_OK)
        return rc;

    if (stat(path, &st) == 0) {
        if (st.st_mode & 077)
            att__warn("signing key file is readable by other users", "path=%s mode=%03o", path,
                      (unsigned)(st.st_mode & 0777));
        return load_key(path, key);
    }
    if (errno != ENOENT) {
        att__error("cannot access signing key", "path=%s errno=%d", path, errno);
        return ATT_EIO;
    }

    /* First start: generate and store. */
    rc = ensure_dir(dir);
    if (rc != ATT_OK)
        return rc;
    rc = att__rsa_generate(ATT_SIGNING_KEY_BITS, &k);
    if (rc != ATT_OK)
        return rc;
    rc = att__pkey_write_private_pem(k, path, 0);
    if (rc != ATT_OK) {
        /* Another process may have written the key between our stat and our write: its
         * key wins, so that all processes sharing the directory use one key. */
        att__pkey_free(k);
        if (stat(path, &st) == 0)
            return load_key(path, key);
        att__error("cannot write signing key", "path=%s err=%s", path, att_errname(rc));
        return rc;
    }
    char kid[ATT_TOKEN_KID_LEN + 1];
    if (att__token_kid(k, kid) == ATT_OK)
        att__info("signing key generated", "path=%s bits=%d kid=%s", path, ATT_SIGNING_KEY_BITS,
                  kid);
    *key = k;
    if (created)
        *created = 1;
    return ATT_OK;
}

int att__signing_cert_create(const att__pkey *key, const char *issuer, int64_t now,
                             att__cert **cert)
{
    if (!key || !cert)
        return ATT_EINVAL;
    *cert = NULL;
    int rc = att__token_issuer_url_check(issuer);
    if (rc != ATT_OK)
        return rc;
    return att__cert_self_signed(key, issuer, now - ATT_SIGNING_CERT_BACKDATE,
                                 now + ATT_SIGNING_CERT_LIFETIME, cert);
}

/* 1 when c is a usable certificate of key for issuer at now (see token.h), 0 when it must
 * be replaced, a negative att_err when it cannot be inspected. *why names the reason
 * (static text) when it is not 1. */
static int cert_is_current(const att__cert *c, const att__pkey *key, const char *issuer,
                           int64_t now, const char **why)
{
    att__pkey *pub = NULL;
    char *subject = NULL;
    int64_t nb = 0, na = 0;
    *why = "unreadable";
    int rc = att__cert_pubkey(c, &pub);
    if (rc == ATT_OK)
        rc = att__token_same_pubkey(pub, key);
    att__pkey_free(pub);
    if (rc == 0)
        *why = "other key";
    if (rc != 1)
        return rc;
    rc = att__cert_subject(c, &subject);
    if (rc != ATT_OK)
        return rc;
    int same = strncmp(subject, "CN=", 3) == 0 && strcmp(subject + 3, issuer) == 0;
    free(subject);
    if (!same) {
        *why = "other issuer";
        return 0;
    }
    rc = att__cert_validity(c, &nb, &na);
    if (rc != ATT_OK)
        return rc;
    *why = "expiring";
    return nb <= now && now <= na - ATT_SIGNING_CERT_RENEW;
}

int att__signing_cert_load_or_create(const char *dir, const att__pkey *key, const char *issuer,
                                     int64_t now, att__cert **cert, int *created)
{
    char path[PATH_MAX];
    att__cert *c = NULL;
    if (!key || !cert)
        return ATT_EINVAL;
    *cert = NULL;
    if (created)
        *created = 0;
    int rc = att__token_issuer_url_check(issuer);
    if (rc != ATT_OK)
        return rc;
    rc = join_path(path, sizeof(path), dir, ATT_SIGNING_CERT_FILE);
    if (rc != ATT_OK)
        return rc;

    if (att__cert_read_file(path, &c) == ATT_OK) {
        const char *why = "";
        rc = cert_is_current(c, key, issuer, now, &why);
        if (rc == 1) {
            *cert = c;
            return ATT_OK;
        }
        att__cert_free(c);
        c = NULL;
        att__info("signing certificate replaced", "path=%s issuer=%s reason=\"%s\"", path, issuer,
                  why);
    }

    rc = att__signing_cert_create(key, issuer, now, &c);
    if (rc != ATT_OK)
        return rc;
    rc = att__cert_write_pem(c, path);
    if (rc != ATT_OK) {
        att__error("cannot write signing certificate", "path=%s err=%s", path, att_errname(rc));
        att__cert_free(c);
        return rc;
    }
    *cert = c;
    if (created)
        *created = 1;
    return ATT_OK;
}
