/* Snapshots (provider.h, provider_int.h): building one from what the store holds, reading
 * providers out of it by name or by Host header, and freeing it with its last reference.
 * A snapshot never changes after att__snapshot_build returns it. */
#include "provider/provider_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/timeutil.h"

/* ---- provider accessors ---- */

const char *att__provider_name(const att__provider *p)
{
    return p->name;
}

const char *att__provider_issuer(const att__provider *p)
{
    return p->issuer;
}

const char *att__provider_host(const att__provider *p)
{
    return p->host;
}

att__trust_mode att__provider_trust_mode(const att__provider *p)
{
    return p->trust;
}

int att__provider_is_default(const att__provider *p)
{
    return p->is_default;
}

int64_t att__provider_created(const att__provider *p)
{
    return p->created;
}

int64_t att__provider_version(const att__provider *p)
{
    return p->version;
}

const att__policy *att__provider_policy(const att__provider *p, att__att_type t)
{
    if ((unsigned)t >= ATT_TYPE_COUNT)
        return NULL;
    return p->policy[t];
}

const att__token_issuer *att__provider_token_issuer(const att__provider *p)
{
    return p->token_issuer;
}

/* ---- snapshot accessors and lookups ---- */

int64_t att__snapshot_generation(const att__snapshot *s)
{
    return s->generation;
}

size_t att__snapshot_count(const att__snapshot *s)
{
    return s->n;
}

const att__provider *att__snapshot_at(const att__snapshot *s, size_t i)
{
    return i < s->n ? &s->providers[i] : NULL;
}

const att__provider *att__snapshot_default(const att__snapshot *s)
{
    return s->dflt;
}

const att__provider *att__snapshot_find_name(const att__snapshot *s, const char *name)
{
    if (!name)
        return NULL;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, s->providers[mid].name);
        if (c == 0)
            return &s->providers[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Compares the n bytes of a (any case) with the lowercase NUL-terminated b, as strcmp
 * would compare lowercase(a) with b. */
static int host_cmp(const char *a, size_t n, const char *b)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];
        if (ca >= 'A' && ca <= 'Z')
            ca = (unsigned char)(ca - 'A' + 'a');
        if (cb == 0)
            return 1; /* b is a proper prefix of a */
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return b[n] ? -1 : 0;
}

/* The host part of a Host header value: without ":port" (after the ']' of an IPv6
 * literal) and without one trailing dot. n = 0 when there is nothing usable. */
static size_t host_span(const char *h)
{
    size_t n;
    if (h[0] == '[') {
        const char *end = strchr(h, ']');
        if (!end)
            return 0;
        n = (size_t)(end - h) + 1;
    } else {
        n = strcspn(h, ":");
    }
    if (n > 0 && h[n - 1] == '.')
        n--;
    return n <= ATT_MAX_HOST ? n : 0;
}

const att__provider *att__snapshot_find(const att__snapshot *s, const char *host)
{
    size_t n = host ? host_span(host) : 0;
    size_t lo = 0, hi = n ? s->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = host_cmp(host, n, s->by_host[mid]->host);
        if (c == 0)
            return s->by_host[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return s->dflt;
}

/* ---- freeing ---- */

static void snapshot_free(att__snapshot *s)
{
    for (size_t i = 0; s->providers && i < s->n; i++) {
        att__provider *p = &s->providers[i];
        free(p->name);
        free(p->issuer);
        free(p->host);
        for (int t = 0; t < ATT_TYPE_COUNT; t++)
            att__policy_unref(p->policy[t]);
        att__token_issuer_unref(p->token_issuer);
    }
    free(s->providers);
    free(s->by_host);
    free(s);
}

void att__snapshot_release(const att__snapshot *cs)
{
    att__snapshot *s = (att__snapshot *)cs;
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        snapshot_free(s);
}

/* ---- building ---- */

/* The token issuer of provider p: prev's when it was built for the same issuer URL with
 * the same signer, the configured default issuer for the default provider, else a new one
 * with a fresh certificate per published key. NULL (logged) when it cannot be built: one
 * broken provider must not stop every rebuild. */
static att__token_issuer *issuer_for(att__registry *r, const att__provider *p,
                                     const att__provider *prev, unsigned prev_epoch)
{
    if (!r->signer)
        return NULL;
    if (prev && prev->token_issuer && prev_epoch == r->signer_epoch &&
        strcmp(prev->issuer, p->issuer) == 0)
        return att__token_issuer_ref(prev->token_issuer);
    if (p->is_default && r->default_tok &&
        strcmp(att__token_issuer_url(r->default_tok), p->issuer) == 0)
        return att__token_issuer_ref(r->default_tok);

    size_t nkeys = att__signer_key_count(r->signer);
    att__cert *certs[ATT_TOKEN_MAX_KEYS] = {0};
    att__token_issuer *ti = NULL;
    int64_t now = att__now();
    int rc = ATT_OK;
    for (size_t i = 0; i < nkeys && i < ATT_TOKEN_MAX_KEYS && rc == ATT_OK; i++)
        rc = att__signing_cert_create(att__signer_key(r->signer, i), p->issuer, now, &certs[i]);
    if (rc == ATT_OK)
        rc = att__token_issuer_new(r->signer, p->issuer, certs, &ti);
    for (size_t i = 0; i < ATT_TOKEN_MAX_KEYS; i++)
        att__cert_free(certs[i]);
    if (rc != ATT_OK) {
        att__warn("provider token issuer not built", "provider=%s issuer=%s err=%s", p->name,
                  p->issuer, att_errname(rc));
        return NULL;
    }
    return ti;
}

static int by_host_cmp(const void *a, const void *b)
{
    const att__provider *pa = *(const att__provider *const *)a;
    const att__provider *pb = *(const att__provider *const *)b;
    return strcmp(pa->host, pb->host);
}

/* Moves provider row sp into p (taking its strings) with default policies. */
static int provider_from_row(att__registry *r, att__store_provider *sp, att__provider *p,
                             att_diag *d)
{
    if (att__trust_mode_parse(sp->trust_mode, &p->trust) != ATT_OK)
        return att_diag_fail(d, ATT_ESTORE, "provider.trust_mode", sp->name,
                             "provider \"%.63s\" has unknown trust mode", sp->name);
    p->name = sp->name;
    p->issuer = sp->issuer;
    p->host = sp->host;
    sp->name = sp->issuer = sp->host = NULL;
    att__ascii_lower(p->host);
    p->is_default = strcmp(p->name, ATT_DEFAULT_PROVIDER) == 0;
    p->created = sp->created;
    p->version = sp->version;
    for (int t = 0; t < ATT_TYPE_COUNT; t++)
        p->policy[t] = att__policy_ref(r->defaults[t]);
    return ATT_OK;
}

/* Puts the stored policy sp into its provider of s: prev's object when the version is
 * unchanged (keeps its compiled form), else a new object taking sp's strings. */
static int policy_from_row(att__registry *r, att__snapshot *s, const att__snapshot *prev,
                           att__store_policy *sp)
{
    att__att_type t;
    att__provider *p = (att__provider *)att__snapshot_find_name(s, sp->provider);
    if (!p || att__att_type_parse(sp->type, strlen(sp->type), &t) != ATT_OK) {
        att__warn("stored policy ignored", "provider=%s type=%s", sp->provider, sp->type);
        return ATT_OK; /* e.g. a type added by a newer attestd sharing the store */
    }
    const att__provider *pp = prev ? att__snapshot_find_name(prev, sp->provider) : NULL;
    att__policy *obj = NULL;
    if (pp && !pp->policy[t]->is_default && pp->policy[t]->version == sp->version) {
        obj = att__policy_ref(pp->policy[t]);
    } else {
        int rc = att__policy_new(r, t, 0, sp->jws, sp->jws_len, sp->text, sp->text_len, 0,
                                 sp->version, sp->updated, &obj);
        sp->jws = sp->text = NULL;
        if (rc != ATT_OK)
            return rc;
    }
    att__policy_unref(p->policy[t]);
    p->policy[t] = obj;
    return ATT_OK;
}

int att__snapshot_build(att__registry *r, att__store_data *data, const att__snapshot *prev,
                        att__snapshot **out, att_diag *d)
{
    *out = NULL;
    if (data->n_providers > ATT_MAX_PROVIDERS)
        return att_diag_fail(d, ATT_ELIMIT, "provider.count", "providers",
                             "%zu providers exceed the limit of %u per node", data->n_providers,
                             ATT_MAX_PROVIDERS);
    att__snapshot *s = calloc(1, sizeof(*s));
    if (!s)
        return att_diag_fail(d, ATT_ENOMEM, "provider.memory", "snapshot", "out of memory");
    atomic_init(&s->refs, 1);
    s->generation = data->generation;
    s->signer_epoch = r->signer_epoch;
    size_t n = data->n_providers;
    s->providers = calloc(n ? n : 1, sizeof(*s->providers));
    s->by_host = calloc(n ? n : 1, sizeof(*s->by_host));
    int rc = s->providers && s->by_host ? ATT_OK : ATT_ENOMEM;

    /* The store lists providers sorted by name in byte order, as find_name searches. */
    for (size_t i = 0; rc == ATT_OK && i < n; i++) {
        rc = provider_from_row(r, &data->providers[i], &s->providers[i], d);
        if (rc == ATT_OK)
            s->n = i + 1;
        if (rc == ATT_OK && i > 0 && strcmp(s->providers[i - 1].name, s->providers[i].name) >= 0)
            rc = att_diag_fail(d, ATT_EINTERNAL, "provider.order", "providers",
                               "store returned providers out of order");
    }
    for (size_t i = 0; rc == ATT_OK && i < data->n_policies; i++)
        rc = policy_from_row(r, s, prev, &data->policies[i]);
    for (size_t i = 0; rc == ATT_OK && i < s->n; i++) {
        att__provider *p = &s->providers[i];
        const att__provider *pp = prev ? att__snapshot_find_name(prev, p->name) : NULL;
        p->token_issuer = issuer_for(r, p, pp, prev ? prev->signer_epoch : 0);
        s->by_host[i] = p;
        if (p->is_default)
            s->dflt = p;
    }
    if (rc == ATT_OK && !s->dflt)
        rc = att_diag_fail(d, ATT_ESTORE, "provider.default", ATT_DEFAULT_PROVIDER,
                           "the store holds no default provider");
    if (rc != ATT_OK) {
        if (rc == ATT_ENOMEM)
            att_diag_fail(d, rc, "provider.memory", "snapshot", "out of memory");
        snapshot_free(s);
        return rc;
    }
    qsort(s->by_host, s->n, sizeof(*s->by_host), by_host_cmp);
    *out = s;
    return ATT_OK;
}
