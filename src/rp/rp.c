/* The relying party (include/attest/rp.h): discovery, the JWKS cache with a refetch on an
 * unknown kid (rate-limited), and token verification in the documented order of checks. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/timeutil.h"
#include "rp/rp_int.h"
#include "token/jws.h"

#define METADATA_PATH "/.well-known/openid-configuration"

struct att_rp {
    char *issuer;
    char *ca_file;
    int insecure_tls;
    long timeout_ms;
    int64_t skew, min_refetch, max_age;
    int allow_unsigned;
    att_rp_fetch_fn fetch;
    void *fetch_ctx;
    att_rp_clock_fn clock;
    void *clock_ctx;

    pthread_mutex_t mu;       /* guards everything below */
    pthread_mutex_t fetch_mu; /* one fetch at a time; taken before mu, never inside it */
    att__rp_keyset *keys;     /* own reference, or NULL before the first fetch */
    int64_t keys_at;          /* when keys were fetched or set */
    unsigned keys_gen;        /* incremented each time keys is replaced */
    int fetched;              /* a fetch was attempted (last_fetch is set) */
    int64_t last_fetch;       /* when the last fetch was attempted */
    char *jwks_uri;           /* from discovery; NULL until then */
};

static int64_t rp_now(const att_rp *rp)
{
    return rp->clock ? rp->clock(rp->clock_ctx) : att__now();
}

void att__rp_http_opts(const att_rp *rp, const char **ca_file, int *insecure, long *timeout_ms)
{
    *ca_file = rp->ca_file;
    *insecure = rp->insecure_tls;
    *timeout_ms = rp->timeout_ms;
}

int att_rp_fetch_none(void *ctx, const char *url, char **body, size_t *len, att_diag *d)
{
    *body = NULL;
    *len = 0;
    return att_diag_fail(d, ATT_EIO, "rp.http", "url",
                         "fetching is disabled for this relying party (GET %.200s)", url);
}

int att_rp_new(const att_rp_options *o, att_rp **out, att_diag *d)
{
    *out = NULL;
    if (!o || !o->issuer || !att__rp_is_http_url(o->issuer))
        return att_diag_fail(d, ATT_EINVAL, "rp.options", "issuer",
                             "the issuer must be an http(s) URL");
    size_t il = strlen(o->issuer);
    if (il > ATT_MAX_HOST + 16 || o->issuer[il - 1] == '/')
        return att_diag_fail(d, ATT_EINVAL, "rp.options", "issuer",
                             "the issuer must be an http(s) URL without a trailing '/' (the "
                             "token's iss is compared with it exactly)");
    att_rp *rp = calloc(1, sizeof(*rp));
    if (!rp)
        return ATT_ENOMEM;
    rp->issuer = strdup(o->issuer);
    rp->ca_file = o->ca_file ? strdup(o->ca_file) : NULL;
    if (!rp->issuer || (o->ca_file && !rp->ca_file)) {
        free(rp->issuer);
        free(rp->ca_file);
        free(rp);
        return ATT_ENOMEM;
    }
    rp->insecure_tls = o->insecure_tls;
    rp->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : ATT_RP_DEFAULT_TIMEOUT_MS;
    rp->skew = o->clock_skew == 0 ? ATT_RP_DEFAULT_SKEW : o->clock_skew < 0 ? 0 : o->clock_skew;
    rp->min_refetch = o->jwks_min_refetch > 0 ? o->jwks_min_refetch : ATT_RP_DEFAULT_MIN_REFETCH;
    rp->max_age = o->jwks_max_age > 0 ? o->jwks_max_age : ATT_RP_DEFAULT_JWKS_MAX_AGE;
    rp->allow_unsigned = o->allow_unsigned;
    rp->fetch = o->fetch ? o->fetch : att__rp_http_get;
    rp->fetch_ctx = o->fetch ? o->fetch_ctx : rp;
    rp->clock = o->clock;
    rp->clock_ctx = o->clock_ctx;
    pthread_mutex_init(&rp->mu, NULL);
    pthread_mutex_init(&rp->fetch_mu, NULL);
    *out = rp;
    return ATT_OK;
}

void att_rp_free(att_rp *rp)
{
    if (!rp)
        return;
    att__rp_keyset_unref(rp->keys);
    pthread_mutex_destroy(&rp->mu);
    pthread_mutex_destroy(&rp->fetch_mu);
    free(rp->jwks_uri);
    free(rp->issuer);
    free(rp->ca_file);
    free(rp);
}

/* Replaces the cached key set (takes ks's reference). */
static void install_keys(att_rp *rp, att__rp_keyset *ks, int64_t now)
{
    pthread_mutex_lock(&rp->mu);
    att__rp_keyset *old = rp->keys;
    rp->keys = ks;
    rp->keys_at = now;
    rp->keys_gen++;
    pthread_mutex_unlock(&rp->mu);
    att__rp_keyset_unref(old);
}

int att_rp_set_jwks(att_rp *rp, const char *jwks, size_t n, att_diag *d)
{
    att__rp_keyset *ks;
    int rc = att__rp_jwks_parse(jwks, n, &ks, d);
    if (rc == ATT_OK)
        install_keys(rp, ks, rp_now(rp));
    return rc;
}

/* GET url through the configured fetch; *body is NUL-terminated and malloc'd. */
static int get(att_rp *rp, const char *url, char **body, size_t *len, att_diag *d)
{
    *body = NULL;
    int rc = rp->fetch(rp->fetch_ctx, url, body, len, d);
    if (rc != ATT_OK) {
        free(*body);
        *body = NULL;
        if (d && !att_diag_failed(d))
            att_diag_fail(d, rc, "rp.http", "url", "GET %.200s failed", url);
        return rc;
    }
    if (!*body)
        return att_diag_fail(d, ATT_EINTERNAL, "rp.http", "url", "GET %.200s gave no body", url);
    return ATT_OK;
}

/* Discovery (once) and the JWKS. Called with fetch_mu held, mu not held. */
static int fetch_keys(att_rp *rp, att_diag *d)
{
    int64_t now = rp_now(rp);
    pthread_mutex_lock(&rp->mu);
    rp->fetched = 1;
    rp->last_fetch = now;
    char *jwks_uri = rp->jwks_uri ? strdup(rp->jwks_uri) : NULL;
    int have_uri = rp->jwks_uri != NULL;
    pthread_mutex_unlock(&rp->mu);
    if (have_uri && !jwks_uri)
        return ATT_ENOMEM;

    char *body = NULL;
    size_t len = 0;
    int rc = ATT_OK;
    if (!jwks_uri) {
        size_t ul = strlen(rp->issuer) + sizeof(METADATA_PATH);
        char *url = malloc(ul);
        if (!url)
            return ATT_ENOMEM;
        snprintf(url, ul, "%s%s", rp->issuer, METADATA_PATH);
        att_diag fd;
        att_diag_clear(&fd);
        rc = get(rp, url, &body, &len, &fd);
        if (rc != ATT_OK) {
            att_diag_fail(d, rc, "rp.discovery", "openid-configuration",
                          "OpenID discovery failed: %s", fd.message);
            free(url);
            return rc;
        }
        free(url);
        rc = att__rp_metadata_parse(body, len, rp->issuer, &jwks_uri, d);
        free(body);
        body = NULL;
        if (rc != ATT_OK)
            return rc;
        pthread_mutex_lock(&rp->mu);
        if (!rp->jwks_uri)
            rp->jwks_uri = strdup(jwks_uri); /* NULL on ENOMEM: discovery again next time */
        pthread_mutex_unlock(&rp->mu);
    }
    att_diag fd;
    att_diag_clear(&fd);
    rc = get(rp, jwks_uri, &body, &len, &fd);
    if (rc != ATT_OK) {
        att_diag_fail(d, rc, "rp.jwks", "jwks_uri", "fetching the JWKS failed: %s", fd.message);
        free(jwks_uri);
        return rc;
    }
    free(jwks_uri);
    att__rp_keyset *ks;
    rc = att__rp_jwks_parse(body, len, &ks, d);
    free(body);
    if (rc == ATT_OK)
        install_keys(rp, ks, now);
    return rc;
}

int att_rp_refresh(att_rp *rp, att_diag *d)
{
    pthread_mutex_lock(&rp->fetch_mu);
    int rc = fetch_keys(rp, d);
    pthread_mutex_unlock(&rp->fetch_mu);
    return rc;
}

/* Does the relying party hold any keys? */
static int have_any_keys(att_rp *rp)
{
    pthread_mutex_lock(&rp->mu);
    int have = rp->keys != NULL;
    pthread_mutex_unlock(&rp->mu);
    return have;
}

/* The key for kid: from the cache when it is there and the key set is younger than
 * max_age; otherwise after a fetch, made unless another thread replaced the keys meanwhile
 * (then its result is used) or the last fetch is younger than min_refetch (rate limit).
 * Threads that find a fetch in flight wait for it (fetch_mu). A failed refetch keeps the
 * old keys. *ks_out is a key set reference (unref after use), *key borrowed from it. */
static int find_key(att_rp *rp, const char *kid, att__rp_keyset **ks_out, const att__rp_key **key,
                    att_diag *d)
{
    *ks_out = NULL;
    *key = NULL;
    int64_t now = rp_now(rp);
    pthread_mutex_lock(&rp->mu);
    att__rp_keyset *ks = att__rp_keyset_ref(rp->keys);
    unsigned gen = rp->keys_gen;
    int stale = !ks || now - rp->keys_at >= rp->max_age;
    pthread_mutex_unlock(&rp->mu);
    const att__rp_key *k = att__rp_keyset_find(ks, kid);
    if (k && !stale) {
        *ks_out = ks;
        *key = k;
        return ATT_OK;
    }
    att__rp_keyset_unref(ks);

    pthread_mutex_lock(&rp->fetch_mu);
    pthread_mutex_lock(&rp->mu);
    int changed = rp->keys_gen != gen;
    int may_fetch = !rp->fetched || now - rp->last_fetch >= rp->min_refetch;
    pthread_mutex_unlock(&rp->mu);
    int pinned = rp->fetch == att_rp_fetch_none && have_any_keys(rp);
    if (pinned)
        may_fetch = 0; /* keys set by the application only: nothing to refetch */
    att_diag fd;
    att_diag_clear(&fd);
    int rc = ATT_OK, fetched = 0;
    if (!changed && may_fetch) {
        rc = fetch_keys(rp, &fd);
        fetched = 1;
    }
    pthread_mutex_unlock(&rp->fetch_mu);

    pthread_mutex_lock(&rp->mu);
    ks = att__rp_keyset_ref(rp->keys);
    pthread_mutex_unlock(&rp->mu);
    k = att__rp_keyset_find(ks, kid);
    if (k) { /* fresh, or stale and still usable until a refetch succeeds */
        *ks_out = ks;
        *key = k;
        return ATT_OK;
    }
    int have_keys = ks != NULL;
    att__rp_keyset_unref(ks);
    if (rc != ATT_OK) {
        if (d && !att_diag_failed(d))
            *d = fd;
        return rc;
    }
    if (!have_keys)
        return att_diag_fail(d, ATT_EIO, "rp.jwks", "jwks_uri",
                             "no keys of the issuer yet: the last fetch failed less than %llds "
                             "ago and a retry is held back by the rate limit",
                             (long long)rp->min_refetch);
    att_diag_fail(d, ATT_ENOTFOUND, "rp.kid", "kid",
                  "the token's kid is not a key of the issuer's JWKS%s",
                  fetched || changed ? ""
                  : pinned           ? " (the keys were set by the application; fetching is "
                                       "disabled)"
                                     : " (a refetch is held back by the rate limit)");
    att_diag_expect(d, "a kid of the issuer's JWKS", kid);
    return ATT_ENOTFOUND;
}

/* A NumericDate claim: absent (0 returned, *present = 0), or a number within range. */
static int numeric_date(const json_t *claims, const char *name, int64_t *t, int *present,
                        att_diag *d)
{
    const json_t *v = json_object_get(claims, name);
    *present = v != NULL;
    *t = 0;
    if (!v)
        return ATT_OK;
    double x = json_number_value(v);
    if (!json_is_number(v) || !(x > -1e15 && x < 1e15)) {
        char reason[16];
        snprintf(reason, sizeof(reason), "rp.%s", name);
        return att_diag_fail(d, ATT_EINVAL, reason, name, "the %s claim is not a NumericDate",
                             name);
    }
    *t = (int64_t)x;
    return ATT_OK;
}

/* A malloc'd copy of n bytes plus a NUL (the bytes may hold NULs: strndup would stop). */
static char *memdup_z(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Unwraps an MAA response body {"token":"..."}; returns a malloc'd copy of the token text
 * in *tok (trimmed). */
static int token_text(const char *in, size_t n, char **tok, size_t *tlen, att_diag *d)
{
    while (n && isspace((unsigned char)in[0])) {
        in++;
        n--;
    }
    while (n && isspace((unsigned char)in[n - 1]))
        n--;
    if (n > ATT_MAX_JWS + 64)
        return att_diag_fail(d, ATT_ELIMIT, "rp.malformed", "token",
                             "the token is %zu bytes, more than %u", n, ATT_MAX_JWS);
    if (n && in[0] == '{') {
        json_t *w = json_loadb(in, n, 0, NULL);
        const json_t *t = json_object_get(w, "token");
        if (!json_is_string(t)) {
            json_decref(w);
            return att_diag_fail(d, ATT_EPARSE, "rp.malformed", "token",
                                 "the input is JSON without a \"token\" string");
        }
        *tlen = json_string_length(t);
        *tok = memdup_z(json_string_value(t), *tlen);
        json_decref(w);
    } else {
        *tlen = n;
        *tok = memdup_z(in, n);
    }
    return *tok ? ATT_OK : ATT_ENOMEM;
}

void att_rp_result_clear(att_rp_result *res)
{
    if (!res)
        return;
    free(res->claims_json);
    memset(res, 0, sizeof(*res));
}

static int verify(att_rp *rp, const char *tok, size_t tlen, const att_rp_expect *exp, size_t nexp,
                  att_rp_result *res, att_diag *d)
{
    att__jws j;
    att_diag pd;
    att_diag_clear(&pd);
    int rc = att__jws_parse(tok, tlen, &j, &pd);
    if (rc != ATT_OK) {
        if (strcmp(pd.reason, "jws.alg") == 0)
            return att_diag_fail(d, ATT_EUNSUPPORTED, "rp.alg", "alg",
                                 "the token's algorithm is not RS256: %s", pd.message);
        return att_diag_fail(d, rc, "rp.malformed", pd.field, "%s", pd.message);
    }
    json_t *claims = NULL;
    att__rp_keyset *ks = NULL;
    const char *alg = json_string_value(json_object_get(j.header, "alg"));
    if (j.alg == ATT_JWS_NONE) {
        if (!rp->allow_unsigned) {
            rc = att_diag_fail(d, ATT_EDENIED, "rp.alg", "alg",
                               "the token is unsigned (alg none, as for a draft-policy result) "
                               "and unsigned tokens are not allowed");
            att_diag_expect(d, "RS256", "none");
            goto out;
        }
    } else if (strcmp(alg, "RS256") != 0) {
        rc = att_diag_fail(d, ATT_EUNSUPPORTED, "rp.alg", "alg",
                           "the token's algorithm must be exactly RS256");
        att_diag_expect(d, "RS256", alg);
        goto out;
    }
    json_error_t jerr;
    claims = json_loadb((const char *)j.payload, j.payload_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(claims)) {
        rc = att_diag_fail(d, ATT_EPARSE, "rp.malformed", "payload",
                           "the token's payload is not a JSON object");
        goto out;
    }
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    if (!iss || strcmp(iss, rp->issuer) != 0) {
        rc = att_diag_fail(d, ATT_EMISMATCH, "rp.iss", "iss",
                           iss ? "the token was issued by another issuer"
                               : "the token has no iss claim");
        att_diag_expect(d, rp->issuer, iss ? iss : "(absent)");
        goto out;
    }
    const char *kid = json_string_value(json_object_get(j.header, "kid"));
    if (j.alg == ATT_JWS_RS256) {
        if (!kid) {
            rc = att_diag_fail(d, ATT_EINVAL, "rp.kid", "kid",
                               "the token's header has no kid string");
            goto out;
        }
        const att__rp_key *key;
        if ((rc = find_key(rp, kid, &ks, &key, d)) != ATT_OK)
            goto out;
        rc = att__rsa_pkcs1_verify(key->pkey, ATT_HASH_SHA256, j.signing_input, j.signing_input_len,
                                   j.sig, j.sig_len);
        if (rc != ATT_OK) {
            rc = att_diag_fail(d, ATT_ESIG, "rp.signature", "signature",
                               "the token's signature does not verify with the issuer's key %s",
                               kid);
            goto out;
        }
    }
    int64_t now = rp_now(rp), t_exp, t_nbf, t_iat;
    int has_exp, has_nbf, has_iat;
    if ((rc = numeric_date(claims, "exp", &t_exp, &has_exp, d)) != ATT_OK ||
        (rc = numeric_date(claims, "nbf", &t_nbf, &has_nbf, d)) != ATT_OK ||
        (rc = numeric_date(claims, "iat", &t_iat, &has_iat, d)) != ATT_OK)
        goto out;
    char a[32], b[32];
    if (!has_exp) {
        rc = att_diag_fail(d, ATT_EINVAL, "rp.exp", "exp", "the token has no exp claim");
        goto out;
    }
    if (now > t_exp + rp->skew) {
        rc = att_diag_fail(d, ATT_EEXPIRED, "rp.exp", "exp",
                           "the token expired at %s (now %s, clock skew %llds)",
                           att__time_format(t_exp, a, sizeof(a)),
                           att__time_format(now, b, sizeof(b)), (long long)rp->skew);
        att_diag_expect(d, "exp + skew >= now", a);
        goto out;
    }
    if (has_nbf && t_nbf - rp->skew > now) {
        rc = att_diag_fail(d, ATT_EEXPIRED, "rp.nbf", "nbf",
                           "the token is not valid before %s (now %s, clock skew %llds)",
                           att__time_format(t_nbf, a, sizeof(a)),
                           att__time_format(now, b, sizeof(b)), (long long)rp->skew);
        att_diag_expect(d, "nbf - skew <= now", a);
        goto out;
    }
    for (size_t i = 0; i < nexp; i++)
        if ((rc = att__rp_expect_check(claims, &exp[i], d)) != ATT_OK)
            goto out;
    if (res) {
        memset(res, 0, sizeof(*res));
        res->is_signed = j.alg == ATT_JWS_RS256;
        if (res->is_signed)
            snprintf(res->kid, sizeof(res->kid), "%s", kid);
        res->exp = t_exp;
        res->nbf = has_nbf ? t_nbf : 0;
        res->iat = has_iat ? t_iat : 0;
        res->claims_json = json_dumps(claims, JSON_COMPACT);
        if (!res->claims_json)
            rc = ATT_ENOMEM;
    }
out:
    att__rp_keyset_unref(ks);
    json_decref(claims);
    att__jws_clear(&j);
    return rc;
}

int att_rp_verify(att_rp *rp, const char *token, size_t n, const att_rp_expect *exp, size_t nexp,
                  att_rp_result *res, att_diag *d)
{
    if (res)
        memset(res, 0, sizeof(*res));
    if (!rp || !token || (nexp && !exp))
        return att_diag_fail(d, ATT_EINVAL, "rp.options", "token", "missing argument");
    char *tok = NULL;
    size_t tlen = 0;
    int rc = token_text(token, n, &tok, &tlen, d);
    if (rc == ATT_OK)
        rc = verify(rp, tok, tlen, exp, nexp, res, d);
    free(tok);
    return rc;
}
