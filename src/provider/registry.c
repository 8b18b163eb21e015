/* The provider registry (provider.h): holds the current snapshot, hands it to request
 * threads without locking, and rebuilds and swaps it after every committed change to
 * providers or policies. Also the write operations (providers, set/reset policy) and the
 * validation of names, issuer URLs and hosts. */
#include "provider/provider_int.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/log.h"

/* ---- read side: acquire and swap ----
 *
 * The problem: a reader loads the current pointer and then increments the snapshot's
 * reference count; if a swap and the last release happened in between, the increment
 * would touch freed memory. The fix, without a lock on the reader's path:
 *
 *   reader: e = epoch & 1; active[e] += 1; s = cur; s->refs += 1; active[e] -= 1
 *   writer: old = exchange(cur, next);
 *           twice: e = epoch++ & 1; wait until active[e] == 0
 *           release(old)
 *
 * All counter and pointer operations are sequentially consistent. A reader that got `old`
 * loaded `cur` before the exchange, so it had incremented active[e] for its e before the
 * exchange as well. The writer examines both counters after the exchange; when it sees
 * active[e] at zero, that reader's decrement, and therefore its increment of old->refs,
 * has already happened, so the writer's release cannot free old under it. A reader that
 * increments a counter after the writer examined it loads `cur` after the exchange and
 * gets `next`. Flipping the epoch before each wait sends new readers to the other counter,
 * so the counter being waited on only drains: the writer cannot be starved by a steady
 * stream of readers. Readers never wait for anything; writers are serialised by build_mu
 * and wait at most for readers that are between two instructions of acquire. */

const att__snapshot *att__registry_acquire(att__registry *r)
{
    unsigned e = atomic_load(&r->epoch) & 1u;
    atomic_fetch_add(&r->active[e].n, 1);
    att__snapshot *s = atomic_load(&r->cur);
    /* Relaxed is enough: the seq_cst decrement below publishes it to the writer. */
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    atomic_fetch_sub(&r->active[e].n, 1);
    return s;
}

/* Installs next (taking over its reference) and drops the registry's reference to the
 * previous snapshot once no reader can still be taking a reference to it. build_mu held. */
static void swap_in(att__registry *r, att__snapshot *next)
{
    att__snapshot *old = atomic_exchange(&r->cur, next);
    for (int round = 0; round < 2; round++) {
        unsigned e = atomic_fetch_add(&r->epoch, 1) & 1u;
        while (atomic_load(&r->active[e].n) != 0)
            sched_yield();
    }
    att__snapshot_release(old);
}

/* ---- rebuild ---- */

/* Rebuilds the snapshot from the store unless it already reflects generation `need`
 * (need < 0: the store's current generation). force rebuilds regardless (new signer,
 * first build). build_mu held. */
static int rebuild_locked(att__registry *r, int64_t need, int force, att_diag *d)
{
    att__snapshot *cur = atomic_load(&r->cur);
    int rc;
    if (!force && cur) {
        if (need < 0 && (rc = att__store_generation(r->store, &need, d)) != ATT_OK)
            return rc;
        if (cur->generation >= need)
            return ATT_OK;
    }
    att__store_data data;
    if ((rc = att__store_read_all(r->store, &data, d)) != ATT_OK)
        return rc;
    att__snapshot *next = NULL;
    rc = att__snapshot_build(r, &data, cur, &next, d);
    att__store_data_clear(&data);
    if (rc != ATT_OK) {
        att__error("provider snapshot not rebuilt", "err=%s reason=%s", att_errname(rc),
                   d ? d->message : "");
        return rc;
    }
    if (cur && next->generation < cur->generation) {
        /* Cannot happen with one store (reads see every commit made before them); kept
         * so a misbehaving backend can never move the service backwards. */
        att__snapshot_release(next);
        return ATT_OK;
    }
    att__debug("provider snapshot swapped", "generation=%lld providers=%zu",
               (long long)next->generation, next->n);
    swap_in(r, next);
    return ATT_OK;
}

static int rebuild(att__registry *r, int64_t need, int force, att_diag *d)
{
    pthread_mutex_lock(&r->build_mu);
    int rc = rebuild_locked(r, need, force, d);
    pthread_mutex_unlock(&r->build_mu);
    return rc;
}

/* Store watcher: runs after each commit on the writing thread (no store lock held). */
static void on_change(void *arg, const att__store_change *c)
{
    att__registry *r = arg;
    if (c->kind == ATT_STORE_CHANGE_KV)
        return; /* nothing in a provider snapshot comes from the kv area */
    att_diag d;
    att_diag_clear(&d);
    if (rebuild(r, c->generation, 0, &d) != ATT_OK)
        att__warn("provider snapshot stale", "generation=%lld reason=%s", (long long)c->generation,
                  d.message);
}

int att__registry_refresh(att__registry *r, att_diag *d)
{
    if (!r)
        return ATT_EINVAL;
    int rc = att__store_poll(r->store, d);
    if (rc != ATT_OK)
        return rc;
    /* poll calls on_change only for news; rebuild also catches up after a failed one. */
    return rebuild(r, -1, 0, d);
}

/* ---- validation ---- */

static int is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Provider names are DNS labels: 1..63 of [a-z0-9-], no '-' at either end. */
static int name_ok(const char *s)
{
    size_t n = s ? strnlen(s, ATT_MAX_PROVIDER_NAME + 1) : 0;
    if (n == 0 || n > ATT_MAX_PROVIDER_NAME || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum_lower(s[i]) && s[i] != '-')
            return 0;
    return 1;
}

/* A host as providers store it: lowercase DNS name ([a-z0-9._-], no leading '.' or '-')
 * or a bracketed IPv6 literal, 1..ATT_MAX_HOST characters. */
static int host_ok(const char *h)
{
    size_t n = strnlen(h, ATT_MAX_HOST + 1);
    if (n == 0 || n > ATT_MAX_HOST)
        return 0;
    if (h[0] == '[') {
        if (n < 3 || h[n - 1] != ']')
            return 0;
        for (size_t i = 1; i + 1 < n; i++)
            if (!strchr("0123456789abcdef:.", h[i]))
                return 0;
        return 1;
    }
    if (h[0] == '.' || h[0] == '-' || h[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum_lower(h[i]) && !strchr(".-_", h[i]))
            return 0;
    return 1;
}

/* Normalises an issuer URL (drops trailing '/'), checks it can be a token issuer and
 * derives its host (lowercase, without port). *issuer and *host are malloc'd. */
static int normalize_issuer(const char *in, char **issuer, char **host, att_diag *d)
{
    *issuer = *host = NULL;
    if (!in)
        return att_diag_fail(d, ATT_EINVAL, "provider.issuer", "issuer", "no issuer URL");
    size_t n = strnlen(in, ATT_STORE_MAX_ISSUER + 1);
    while (n > 0 && in[n - 1] == '/')
        n--;
    char *u = strndup(in, n);
    if (!u)
        return ATT_ENOMEM;
    if (n > ATT_STORE_MAX_ISSUER || att__token_issuer_url_check(u) != ATT_OK) {
        free(u);
        return att_diag_fail(d, ATT_EINVAL, "provider.issuer", "issuer",
                             "issuer must be an http(s) URL of at most %u characters without "
                             "query or fragment, e.g. https://attest.example.com",
                             ATT_TOKEN_MAX_ISSUER);
    }
    const char *a = strstr(u, "://") + 3;
    size_t alen = strcspn(a, "/");
    size_t hlen;
    if (a[0] == '[') {
        const char *end = memchr(a, ']', alen);
        hlen = end ? (size_t)(end - a) + 1 : 0;
    } else {
        hlen = strcspn(a, ":/");
    }
    char *h = hlen ? strndup(a, hlen) : NULL;
    if (h)
        att__ascii_lower(h);
    if (!h || !host_ok(h)) {
        free(u);
        free(h);
        return att_diag_fail(d, ATT_EINVAL, "provider.issuer", "issuer",
                             "issuer URL has no usable host name");
    }
    *issuer = u;
    *host = h;
    return ATT_OK;
}

static int type_ok(att__att_type t)
{
    return (unsigned)t < ATT_TYPE_COUNT;
}

/* ---- open / close ---- */

/* Creates the default provider record, or updates its issuer and host to the
 * configuration's. */
static int ensure_default(att__registry *r, att_diag *d)
{
    att__store_provider sp;
    att_diag why;
    att_diag_clear(&why);
    int rc = att__store_provider_get(r->store, ATT_DEFAULT_PROVIDER, &sp, &why);
    if (rc == ATT_ENOTFOUND) {
        att__store_provider np = {.name = ATT_DEFAULT_PROVIDER,
                                  .issuer = r->issuer,
                                  .host = r->host,
                                  .trust_mode = "aad"};
        rc = att__store_provider_put(r->store, &np, NULL, d);
        if (rc == ATT_OK)
            att__info("default provider created", "issuer=%s", r->issuer);
        return rc;
    }
    if (rc != ATT_OK) {
        if (d && !att_diag_failed(d))
            *d = why;
        return rc;
    }
    if (strcmp(sp.issuer, r->issuer) != 0 || strcmp(sp.host, r->host) != 0) {
        att__store_provider np = {.name = ATT_DEFAULT_PROVIDER,
                                  .issuer = r->issuer,
                                  .host = r->host,
                                  .trust_mode = sp.trust_mode};
        rc = att__store_provider_put(r->store, &np, NULL, d);
        if (rc == ATT_OK)
            att__info("default provider issuer updated", "old=%s new=%s", sp.issuer, r->issuer);
    }
    att__store_provider_clear(&sp);
    return rc;
}

void att__registry_close(att__registry *r)
{
    if (!r)
        return;
    if (r->watching)
        att__store_unwatch(r->store, r->watch_id);
    att__snapshot_release(atomic_load(&r->cur));
    for (int t = 0; t < ATT_TYPE_COUNT; t++)
        att__policy_unref(r->defaults[t]);
    att__token_issuer_unref(r->default_tok);
    att__signer_unref(r->signer);
    free(r->issuer);
    free(r->host);
    pthread_mutex_destroy(&r->build_mu);
    free(r);
}

int att__registry_open(att__store *store, const att__registry_config *cfg, att__registry **out,
                       att_diag *d)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    if (!store || !cfg)
        return att_diag_fail(d, ATT_EINVAL, "provider.argument", "registry",
                             "registry needs a store and a configuration");
    /* aligned_alloc: the reader counters are cache-line aligned members. */
    att__registry *r = aligned_alloc(_Alignof(att__registry), sizeof(att__registry));
    if (!r)
        return att_diag_fail(d, ATT_ENOMEM, "provider.memory", "registry", "out of memory");
    memset(r, 0, sizeof(*r));
    if (pthread_mutex_init(&r->build_mu, NULL) != 0) {
        free(r);
        return att_diag_fail(d, ATT_EINTERNAL, "provider.init", "mutex", "cannot create a mutex");
    }
    r->store = store;
    atomic_init(&r->cur, NULL);
    atomic_init(&r->epoch, 0);
    atomic_init(&r->active[0].n, 0);
    atomic_init(&r->active[1].n, 0);
    r->compile = cfg->compile;
    r->release = cfg->release;
    r->compile_arg = cfg->compile_arg;
    r->signer = cfg->signer ? att__signer_ref(cfg->signer) : NULL;
    r->default_tok = cfg->default_issuer ? att__token_issuer_ref(cfg->default_issuer) : NULL;

    int rc = normalize_issuer(cfg->issuer, &r->issuer, &r->host, d);
    for (int t = 0; rc == ATT_OK && t < ATT_TYPE_COUNT; t++) {
        const char *text = att__default_policy_text((att__att_type)t);
        char *jws = NULL;
        size_t jws_len = 0;
        rc = att__policy_unsigned_jws(text, strlen(text), &jws, &jws_len);
        if (rc == ATT_OK)
            rc = att__policy_new(r, (att__att_type)t, 1, jws, jws_len, (char *)text, strlen(text),
                                 1, 0, 0, &r->defaults[t]);
    }
    if (rc == ATT_OK)
        rc = ensure_default(r, d);
    /* Watch before the first build: a change committed in between is then either in the
     * first snapshot or triggers a rebuild after it. */
    if (rc == ATT_OK && (rc = att__store_watch(store, on_change, r, &r->watch_id)) == ATT_OK)
        r->watching = 1;
    if (rc == ATT_OK)
        rc = rebuild(r, -1, 1, d);
    if (rc != ATT_OK) {
        if (rc == ATT_ENOMEM || rc == ATT_ELIMIT)
            att_diag_fail(d, rc, "provider.open", "registry", "cannot open the registry: %s",
                          att_strerror(rc));
        att__registry_close(r);
        return rc;
    }
    *out = r;
    return ATT_OK;
}

int att__registry_set_signer(att__registry *r, att__signer *signer,
                             att__token_issuer *default_issuer, att_diag *d)
{
    if (!r)
        return ATT_EINVAL;
    pthread_mutex_lock(&r->build_mu);
    att__signer *old_signer = r->signer;
    att__token_issuer *old_tok = r->default_tok;
    r->signer = signer ? att__signer_ref(signer) : NULL;
    r->default_tok = default_issuer ? att__token_issuer_ref(default_issuer) : NULL;
    r->signer_epoch++;
    int rc = rebuild_locked(r, -1, 1, d);
    pthread_mutex_unlock(&r->build_mu);
    /* Snapshots still in use hold their own references to issuers built on the old
     * signer; dropping ours is safe. */
    att__signer_unref(old_signer);
    att__token_issuer_unref(old_tok);
    return rc;
}

/* ---- providers ---- */

int att__registry_put_provider(att__registry *r, const char *name, const char *issuer,
                               const char *host, att__trust_mode mode, att_diag *d)
{
    if (!r)
        return ATT_EINVAL;
    if (!name_ok(name))
        return att_diag_fail(d, ATT_EINVAL, "provider.name", "name",
                             "provider names are 1-63 characters of a-z, 0-9 and '-'");
    if (strcmp(name, ATT_DEFAULT_PROVIDER) == 0)
        return att_diag_fail(d, ATT_EDENIED, "provider.default", "name",
                             "the default provider follows the service configuration");
    if (mode != ATT_TRUST_AAD && mode != ATT_TRUST_ISOLATED)
        return att_diag_fail(d, ATT_EINVAL, "provider.trust_mode", "trust_mode",
                             "unknown trust mode");
    char *iss = NULL, *ihost = NULL, *h = NULL;
    int rc = normalize_issuer(issuer, &iss, &ihost, d);
    if (rc != ATT_OK)
        return rc;
    if (host) {
        h = strndup(host, ATT_MAX_HOST + 1);
        if (h)
            att__ascii_lower(h);
        if (!h || !host_ok(h))
            rc = att_diag_fail(d, ATT_EINVAL, "provider.host", "host",
                               "host must be a DNS name or a bracketed IPv6 address");
    }
    if (rc == ATT_OK) {
        const att__snapshot *s = att__registry_acquire(r);
        if (!att__snapshot_find_name(s, name) && att__snapshot_count(s) >= ATT_MAX_PROVIDERS)
            rc = att_diag_fail(d, ATT_ELIMIT, "provider.count", "providers",
                               "no more than %u providers per node", ATT_MAX_PROVIDERS);
        att__snapshot_release(s);
    }
    int64_t v = 0;
    if (rc == ATT_OK) {
        att__store_provider sp = {.name = (char *)name,
                                  .issuer = iss,
                                  .host = h ? h : ihost,
                                  .trust_mode = (char *)att__trust_mode_name(mode)};
        rc = att__store_provider_put(r->store, &sp, &v, d);
    }
    if (rc == ATT_OK) {
        att__info("provider stored", "provider=%s issuer=%s host=%s trust=%s version=%lld", name,
                  iss, h ? h : ihost, att__trust_mode_name(mode), (long long)v);
        rc = rebuild(r, v, 0, d);
    }
    free(iss);
    free(ihost);
    free(h);
    return rc;
}

int att__registry_delete_provider(att__registry *r, const char *name, att_diag *d)
{
    if (!r || !name)
        return ATT_EINVAL;
    if (strcmp(name, ATT_DEFAULT_PROVIDER) == 0)
        return att_diag_fail(d, ATT_EDENIED, "provider.default", "name",
                             "the default provider cannot be deleted");
    int rc = att__store_provider_delete(r->store, name, d);
    if (rc != ATT_OK)
        return rc;
    att__info("provider deleted", "provider=%s", name);
    return rebuild(r, -1, 0, d);
}

/* ---- policies ---- */

int att__registry_set_policy(att__registry *r, const char *provider, att__att_type t,
                             const char *jws, size_t jws_len, const char *text, size_t text_len,
                             att_diag *d)
{
    if (!r || !provider || !type_ok(t) || !jws || !text)
        return att_diag_fail(d, ATT_EINVAL, "provider.argument", "policy",
                             "missing provider, type, JWS or text");
    if (jws_len == 0 || jws_len > ATT_MAX_JWS)
        return att_diag_fail(d, jws_len ? ATT_ELIMIT : ATT_EINVAL, "policy.size", "jws",
                             "policy JWS must be 1 to %u bytes", ATT_MAX_JWS);
    if (text_len > ATT_MAX_POLICY_TEXT)
        return att_diag_fail(d, ATT_ELIMIT, "policy.size", "text", "policy text exceeds %u bytes",
                             ATT_MAX_POLICY_TEXT);
    if (memchr(jws, 0, jws_len) || memchr(text, 0, text_len))
        return att_diag_fail(d, ATT_EINVAL, "policy.nul", "policy",
                             "policy JWS or text contains a NUL byte");
    int64_t v = 0;
    int rc = att__store_policy_put(r->store, provider, att__att_type_name(t), jws, jws_len, text,
                                   text_len, &v, d);
    if (rc != ATT_OK)
        return rc;
    att__info("policy set", "provider=%s type=%s version=%lld", provider, att__att_type_name(t),
              (long long)v);
    /* The watcher normally rebuilt already (SQLite notifies synchronously); this makes the
     * promise "a later acquire sees it" independent of how the backend notifies. */
    return rebuild(r, v, 0, d);
}

int att__registry_reset_policy(att__registry *r, const char *provider, att__att_type t, att_diag *d)
{
    if (!r || !provider || !type_ok(t))
        return att_diag_fail(d, ATT_EINVAL, "provider.argument", "policy",
                             "missing provider or type");
    att_diag why;
    att_diag_clear(&why);
    int rc = att__store_policy_delete(r->store, provider, att__att_type_name(t), &why);
    if (rc == ATT_ENOTFOUND) {
        /* Nothing stored: already the default, if the provider exists. */
        att__store_provider sp;
        rc = att__store_provider_get(r->store, provider, &sp, d);
        att__store_provider_clear(&sp);
        return rc;
    }
    if (rc != ATT_OK) {
        if (d && !att_diag_failed(d))
            *d = why;
        return rc;
    }
    att__info("policy reset", "provider=%s type=%s", provider, att__att_type_name(t));
    return rebuild(r, -1, 0, d);
}
