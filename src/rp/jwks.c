/* The documents a relying party reads from an issuer: OpenID metadata and the JWKS
 * (reference/maa.md §1.10), parsed into an immutable key set (rp_int.h). */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/limits.h"
#include "rp/rp_int.h"

int att__rp_is_http_url(const char *s)
{
    const char *rest;
    if (strncmp(s, "https://", 8) == 0)
        rest = s + 8;
    else if (strncmp(s, "http://", 7) == 0)
        rest = s + 7;
    else
        return 0;
    return *rest != '\0' && *rest != '/' && *rest != '?' && *rest != '#';
}

att__rp_keyset *att__rp_keyset_ref(att__rp_keyset *ks)
{
    if (ks)
        __atomic_add_fetch(&ks->refs, 1, __ATOMIC_RELAXED);
    return ks;
}

void att__rp_keyset_unref(att__rp_keyset *ks)
{
    if (!ks || __atomic_sub_fetch(&ks->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (size_t i = 0; i < ks->n; i++) {
        free(ks->keys[i].kid);
        att__pkey_free(ks->keys[i].pkey);
    }
    free(ks->keys);
    free(ks);
}

const att__rp_key *att__rp_keyset_find(const att__rp_keyset *ks, const char *kid)
{
    for (size_t i = 0; ks && i < ks->n; i++)
        if (strcmp(ks->keys[i].kid, kid) == 0)
            return &ks->keys[i];
    return NULL;
}

/* Parses a JSON document of at most ATT_MAX_RP_DOCUMENT bytes into an object. */
static json_t *load_object(const char *text, size_t n, const char *reason, const char *what,
                           att_diag *d)
{
    if (n > ATT_MAX_RP_DOCUMENT) {
        att_diag_fail(d, ATT_ELIMIT, reason, what, "the %s is %zu bytes, more than %u", what, n,
                      ATT_MAX_RP_DOCUMENT);
        return NULL;
    }
    json_error_t jerr;
    json_t *v = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(v)) {
        if (v)
            att_diag_fail(d, ATT_EPARSE, reason, what, "the %s is not a JSON object", what);
        else
            att_diag_fail(d, ATT_EPARSE, reason, what,
                          "the %s is not valid JSON: %s (line %d, column %d)", what, jerr.text,
                          jerr.line, jerr.column);
        json_decref(v);
        return NULL;
    }
    return v;
}

int att__rp_metadata_parse(const char *text, size_t n, const char *issuer, char **jwks_uri,
                           att_diag *d)
{
    *jwks_uri = NULL;
    json_t *m = load_object(text, n, "rp.discovery", "OpenID metadata", d);
    if (!m)
        return d && d->err ? d->err : ATT_EPARSE;
    int rc = ATT_OK;
    const char *iss = json_string_value(json_object_get(m, "issuer"));
    const char *uri = json_string_value(json_object_get(m, "jwks_uri"));
    if (!iss) {
        rc = att_diag_fail(d, ATT_EINVAL, "rp.discovery", "issuer",
                           "the OpenID metadata has no \"issuer\" string");
    } else if (strcmp(iss, issuer) != 0) {
        rc = att_diag_fail(d, ATT_EMISMATCH, "rp.discovery", "issuer",
                           "the OpenID metadata names another issuer");
        att_diag_expect(d, issuer, iss);
    } else if (!uri) {
        rc = att_diag_fail(d, ATT_EINVAL, "rp.discovery", "jwks_uri",
                           "the OpenID metadata has no \"jwks_uri\" string");
    } else if (!att__rp_is_http_url(uri)) {
        rc = att_diag_fail(d, ATT_EINVAL, "rp.discovery", "jwks_uri",
                           "the OpenID metadata's jwks_uri is not an http(s) URL");
        att_diag_expect(d, "http(s) URL", uri);
    } else if (!(*jwks_uri = strdup(uri))) {
        rc = ATT_ENOMEM;
    }
    json_decref(m);
    return rc;
}

/* Decodes a base64 / base64url string member into a malloc'd buffer. */
static int member_bytes(const json_t *s, uint8_t **out, size_t *len)
{
    const char *v = json_string_value(s);
    if (!v || !*v)
        return ATT_EINVAL;
    return att__b64_decode_alloc(v, json_string_length(s), out, len);
}

/* The public key of a JWK from n/e. */
static int key_from_ne(const json_t *k, att__pkey **out)
{
    uint8_t *nb = NULL, *eb = NULL;
    size_t nl = 0, el = 0;
    int rc = member_bytes(json_object_get(k, "n"), &nb, &nl);
    if (rc == ATT_OK)
        rc = member_bytes(json_object_get(k, "e"), &eb, &el);
    if (rc == ATT_OK)
        rc = att__pkey_rsa_from_ne(nb, nl, eb, el, out);
    free(nb);
    free(eb);
    return rc;
}

/* Are a and b the same public key? */
static int same_key(const att__pkey *a, const att__pkey *b)
{
    uint8_t *da = NULL, *db = NULL;
    size_t la = 0, lb = 0;
    int same = att__pkey_public_der(a, &da, &la) == ATT_OK &&
               att__pkey_public_der(b, &db, &lb) == ATT_OK && la == lb && memcmp(da, db, la) == 0;
    free(da);
    free(db);
    return same;
}

/* The RSA public key of JWKS entry i. */
static int load_key(const json_t *k, size_t i, att__pkey **out, att_diag *d)
{
    *out = NULL;
    const json_t *x5c = json_object_get(k, "x5c");
    int rc;
    if (x5c) {
        uint8_t *der = NULL;
        size_t dlen = 0;
        att__cert *cert = NULL;
        rc = json_is_array(x5c) ? member_bytes(json_array_get(x5c, 0), &der, &dlen) : ATT_EINVAL;
        if (rc == ATT_OK)
            rc = att__cert_from_der(der, dlen, &cert);
        free(der);
        if (rc == ATT_OK)
            rc = att__cert_pubkey(cert, out);
        att__cert_free(cert);
        if (rc != ATT_OK)
            return att_diag_fail(d, ATT_EINVAL, "rp.jwks", "x5c",
                                 "JWKS key %zu: x5c[0] is not a base64 DER X.509 certificate", i);
        if (json_object_get(k, "n") || json_object_get(k, "e")) {
            att__pkey *ne = NULL;
            int same = key_from_ne(k, &ne) == ATT_OK && same_key(ne, *out);
            att__pkey_free(ne);
            if (!same) {
                att__pkey_free(*out);
                *out = NULL;
                return att_diag_fail(d, ATT_EMISMATCH, "rp.jwks", "n",
                                     "JWKS key %zu: n/e are not the key of its x5c[0]", i);
            }
        }
    } else if ((rc = key_from_ne(k, out)) != ATT_OK) {
        return att_diag_fail(d, ATT_EINVAL, "rp.jwks", "n",
                             "JWKS key %zu: neither x5c nor valid base64url n/e", i);
    }
    if (att__pkey_type(*out) != ATT_KEY_RSA) {
        att__pkey_free(*out);
        *out = NULL;
        return att_diag_fail(d, ATT_EINVAL, "rp.jwks", "kty",
                             "JWKS key %zu: kty is RSA but the key is not", i);
    }
    return ATT_OK;
}

int att__rp_jwks_parse(const char *text, size_t n, att__rp_keyset **out, att_diag *d)
{
    *out = NULL;
    json_t *doc = load_object(text, n, "rp.jwks", "JWKS", d);
    if (!doc)
        return d && d->err ? d->err : ATT_EPARSE;
    json_t *keys = json_object_get(doc, "keys");
    size_t nk = json_array_size(keys);
    int rc = ATT_OK;
    att__rp_keyset *ks = NULL;
    if (!json_is_array(keys)) {
        rc = att_diag_fail(d, ATT_EINVAL, "rp.jwks", "keys", "the JWKS has no \"keys\" array");
        goto out;
    }
    if (nk > ATT_MAX_JWKS_KEYS) {
        rc = att_diag_fail(d, ATT_ELIMIT, "rp.jwks", "keys", "the JWKS has %zu keys, more than %u",
                           nk, ATT_MAX_JWKS_KEYS);
        goto out;
    }
    ks = calloc(1, sizeof(*ks));
    if (ks)
        ks->refs = 1;
    if (!ks || (nk && !(ks->keys = calloc(nk, sizeof(*ks->keys))))) {
        rc = ATT_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < nk && rc == ATT_OK; i++) {
        const json_t *k = json_array_get(keys, i);
        const char *kty = json_string_value(json_object_get(k, "kty"));
        const char *use = json_string_value(json_object_get(k, "use"));
        const char *kid = json_string_value(json_object_get(k, "kid"));
        if (!json_is_object(k) || !kty || strcmp(kty, "RSA") != 0 || (use && strcmp(use, "sig")))
            continue; /* not a key RS256 tokens can be signed with */
        if (!kid || !*kid) {
            rc = att_diag_fail(d, ATT_EINVAL, "rp.jwks", "kid",
                               "JWKS key %zu has no \"kid\" string", i);
            break;
        }
        if (att__rp_keyset_find(ks, kid)) {
            rc = att_diag_fail(d, ATT_EINVAL, "rp.jwks", "kid",
                               "JWKS key %zu repeats the kid of an earlier key", i);
            att_diag_expect(d, "distinct kids", kid);
            break;
        }
        att__rp_key *slot = &ks->keys[ks->n];
        if ((rc = load_key(k, i, &slot->pkey, d)) != ATT_OK)
            break;
        if (!(slot->kid = strdup(kid))) {
            att__pkey_free(slot->pkey);
            slot->pkey = NULL;
            rc = ATT_ENOMEM;
            break;
        }
        ks->n++;
    }
    if (rc == ATT_OK && ks->n == 0)
        rc = att_diag_fail(d, ATT_ENOTFOUND, "rp.jwks", "keys",
                           "the JWKS has no RSA signing key with a kid");
out:
    json_decref(doc);
    if (rc != ATT_OK) {
        att__rp_keyset_unref(ks);
        return rc;
    }
    *out = ks;
    return ATT_OK;
}
