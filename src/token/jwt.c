/* JWT issuance: MAA-shaped RS256 compact JWS and unsecured draft-policy tokens (token.h,
 * reference/maa.md §2.1, §2.2, §2.10). */
#include "token/token.h"
#include "token/token_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/json.h"
#include "core/limits.h"

/* The payload: a shallow copy of claims with the service claims set; compact JSON, members
 * sorted at every level. *json is malloc'd (jansson's allocator: the default malloc). */
static int build_payload(const char *issuer, att__token_kind kind, const json_t *claims,
                         int64_t now, int64_t lifetime_override, char **json)
{
    int64_t lifetime;
    *json = NULL;
    if (kind == ATT_TOKEN_ATTESTATION)
        lifetime = ATT_TOKEN_ATTESTATION_LIFETIME;
    else if (kind == ATT_TOKEN_MANAGEMENT)
        lifetime = ATT_TOKEN_MANAGEMENT_LIFETIME;
    else
        return ATT_EINVAL;
    if (lifetime_override > 0)
        lifetime = lifetime_override;
    if (claims && !json_is_object(claims))
        return ATT_EINVAL;
    if (claims && json_object_size(claims) > ATT_MAX_CLAIMS_PER_TOKEN)
        return ATT_ELIMIT;
    if (now < 0 || now > INT64_MAX - lifetime)
        return ATT_EINVAL;

    /* json_copy of an object is shallow (values shared by reference): the caller's object
     * is left as it was. json_copy takes a non-const pointer but does not modify it. */
    json_t *p = claims ? json_copy((json_t *)claims) : json_object();
    if (!p)
        return ATT_ENOMEM;
    int bad = json_object_set_new(p, "iss", json_string(issuer));
    bad |= json_object_set_new(p, "iat", json_integer((json_int_t)now));
    bad |= json_object_set_new(p, "nbf", json_integer((json_int_t)now));
    bad |= json_object_set_new(p, "exp", json_integer((json_int_t)(now + lifetime)));
    if (kind == ATT_TOKEN_ATTESTATION) {
        uint8_t id[32];
        char hex[2 * sizeof(id) + 1];
        int rc = att__random(id, sizeof(id));
        if (rc != ATT_OK) {
            json_decref(p);
            return rc;
        }
        att__hex_encode(id, sizeof(id), 0, hex);
        bad |= json_object_set_new(p, "jti", json_string(hex));
    } else {
        /* A jti among the caller's claims would make a management token look like an
         * attestation token: management tokens never carry one (§1.8). */
        json_object_del(p, "jti");
    }
    if (!bad)
        *json = att__json_dump_sorted(p, NULL); /* json_dumps(COMPACT | SORT_KEYS), faster */
    json_decref(p);
    return *json ? ATT_OK : ATT_ENOMEM;
}

/* Appends base64url(data) to b. */
static int append_b64u(att__buf *b, const void *data, size_t n)
{
    char *enc = att__b64_encode_alloc(data, n, ATT_B64_URL);
    if (!enc) {
        att__buf_free(b);
        return ATT_ENOMEM;
    }
    int rc = att__buf_appends(b, enc);
    free(enc);
    return rc;
}

/* Builds "<header_b64u>.<b64u(payload)>" then, when signer is given, "." and the RS256
 * signature, else a bare "." (unsecured). */
static int issue(const att__token_issuer *ti, const att__pkey *signer, const char *header_b64u,
                 att__token_kind kind, const json_t *claims, int64_t now, int64_t lifetime,
                 char **jwt)
{
    char *payload = NULL;
    att__buf b;
    if (!jwt)
        return ATT_EINVAL;
    *jwt = NULL;
    if (!ti)
        return ATT_EINVAL;
    int rc = build_payload(att__token_issuer_url(ti), kind, claims, now, lifetime, &payload);
    if (rc != ATT_OK)
        return rc;
    att__buf_init(&b, ATT_MAX_JWS);
    rc = att__buf_appends(&b, header_b64u);
    if (rc == ATT_OK)
        rc = att__buf_appends(&b, ".");
    if (rc == ATT_OK)
        rc = append_b64u(&b, payload, strlen(payload));
    free(payload);
    if (rc == ATT_OK && signer) {
        uint8_t *sig = NULL;
        size_t siglen = 0;
        /* The signing input is exactly what has been written so far. */
        rc = att__rsa_pkcs1_sign(signer, ATT_HASH_SHA256, b.data, b.len, &sig, &siglen);
        if (rc == ATT_OK)
            rc = att__buf_appends(&b, ".");
        if (rc == ATT_OK)
            rc = append_b64u(&b, sig, siglen);
        free(sig);
    } else if (rc == ATT_OK) {
        rc = att__buf_appends(&b, ".");
    }
    if (rc != ATT_OK) {
        att__buf_free(&b);
        return rc;
    }
    *jwt = (char *)att__buf_steal(&b, NULL);
    return *jwt ? ATT_OK : ATT_ENOMEM;
}

int att__token_issue(const att__token_issuer *ti, att__token_kind kind, const json_t *claims,
                     int64_t now, char **jwt)
{
    if (!ti) {
        if (jwt)
            *jwt = NULL;
        return ATT_EINVAL;
    }
    const att__pkey *key = att__signer_key(att__token_issuer_signer(ti), 0);
    if (!key) {
        /* cannot happen (a signer has a key 0), but must never yield an unsigned token */
        if (jwt)
            *jwt = NULL;
        return ATT_EINTERNAL;
    }
    return issue(ti, key, att__token_issuer_header_b64(ti), kind, claims, now, 0, jwt);
}

int att__token_issue_unsecured(const att__token_issuer *ti, att__token_kind kind,
                               const json_t *claims, int64_t now, char **jwt)
{
    if (!ti) {
        if (jwt)
            *jwt = NULL;
        return ATT_EINVAL;
    }
    return issue(ti, NULL, att__token_issuer_unsecured_header_b64(ti), kind, claims, now, 0, jwt);
}

int att__token_issue_lifetime(const att__token_issuer *ti, att__token_kind kind,
                              const json_t *claims, int64_t now, int64_t lifetime, char **jwt)
{
    if (jwt)
        *jwt = NULL;
    if (!ti || lifetime <= 0)
        return ATT_EINVAL;
    const att__pkey *key = att__signer_key(att__token_issuer_signer(ti), 0);
    if (!key)
        return ATT_EINTERNAL;
    return issue(ti, key, att__token_issuer_header_b64(ti), kind, claims, now, lifetime, jwt);
}
