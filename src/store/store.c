/* Store front end (store.h): argument checks, dispatch to the backend's function table,
 * the watcher list shared by all backends, and the record release functions. */
#include "store/store_backend.h"

#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "store/sqlite.h"

/* ---- argument checks ---- */

/* Records an invalid-argument failure for `what`. */
static int bad_arg(att_diag *d, const char *what)
{
    return att_diag_fail(d, ATT_EINVAL, "store.argument", what, "invalid %s", what);
}

/* A NUL-terminated string of 1..max bytes. */
static int str_ok(const char *s, size_t max)
{
    if (!s || !*s)
        return 0;
    return strnlen(s, max + 1) <= max;
}

/* A byte string of at most max bytes with no NUL inside (it is stored as text). */
static int text_ok(const char *s, size_t n, size_t max)
{
    if (!s || n > max)
        return 0;
    return memchr(s, 0, n) == NULL;
}

static int trust_ok(const char *m)
{
    return m && (strcmp(m, "aad") == 0 || strcmp(m, "isolated") == 0);
}

/* ---- opening ---- */

int att__store_open(const att__store_config *cfg, att__store **out, att_diag *d)
{
    if (!out)
        return bad_arg(d, "output");
    *out = NULL;
    if (!cfg)
        return bad_arg(d, "configuration");
    if (!cfg->backend || strcmp(cfg->backend, "sqlite") == 0) {
        if (!cfg->data_dir || !*cfg->data_dir)
            return bad_arg(d, "data directory");
        return att__store_sqlite_open(cfg->data_dir, cfg->busy_timeout_ms, out, d);
    }
    return att_diag_fail(d, ATT_EUNSUPPORTED, "store.backend", "backend",
                         "unknown store backend \"%.40s\"", cfg->backend);
}

void att__store_close(att__store *s)
{
    if (s)
        s->ops->close(s);
}

const char *att__store_backend(const att__store *s)
{
    return s->ops->name;
}

int att__store_ping(att__store *s, att_diag *d)
{
    if (!s)
        return bad_arg(d, "store");
    return s->ops->ping(s, d);
}

int att__store_generation(att__store *s, int64_t *gen, att_diag *d)
{
    if (!s || !gen)
        return bad_arg(d, "argument");
    return s->ops->generation(s, gen, d);
}

int att__store_poll(att__store *s, att_diag *d)
{
    int64_t gen = 0;
    int rc = att__store_generation(s, &gen, d);
    if (rc != ATT_OK)
        return rc;
    if (gen > atomic_load(&s->notified_gen)) {
        att__store_change c = {ATT_STORE_CHANGE_EXTERNAL, NULL, NULL, gen};
        att__store_notify(s, &c);
    }
    return ATT_OK;
}

/* ---- watchers ---- */

/* Depth of watcher callbacks on this thread, to refuse unwatch from inside one (it would
 * wait for itself). */
static _Thread_local int notify_depth;

int att__store_base_init(att__store *s, const att__store_ops *ops)
{
    memset(s->watchers, 0, sizeof(s->watchers));
    s->ops = ops;
    s->next_id = 1;
    s->running = 0;
    atomic_init(&s->notified_gen, 0);
    if (pthread_mutex_init(&s->watch_mu, NULL) != 0)
        return ATT_EINTERNAL;
    if (pthread_cond_init(&s->watch_cv, NULL) != 0) {
        pthread_mutex_destroy(&s->watch_mu);
        return ATT_EINTERNAL;
    }
    return ATT_OK;
}

void att__store_base_fini(att__store *s)
{
    pthread_cond_destroy(&s->watch_cv);
    pthread_mutex_destroy(&s->watch_mu);
}

int att__store_watch(att__store *s, att__store_watch_fn fn, void *arg, int *id)
{
    if (!s || !fn)
        return ATT_EINVAL;
    int rc = ATT_ELIMIT;
    pthread_mutex_lock(&s->watch_mu);
    for (size_t i = 0; i < ATT_STORE_MAX_WATCHERS; i++) {
        if (!s->watchers[i].fn) {
            s->watchers[i].fn = fn;
            s->watchers[i].arg = arg;
            s->watchers[i].id = s->next_id++;
            if (id)
                *id = s->watchers[i].id;
            rc = ATT_OK;
            break;
        }
    }
    pthread_mutex_unlock(&s->watch_mu);
    return rc;
}

int att__store_unwatch(att__store *s, int id)
{
    if (!s)
        return ATT_EINVAL;
    if (notify_depth > 0)
        return ATT_EBUSY;
    int rc = ATT_ENOTFOUND;
    pthread_mutex_lock(&s->watch_mu);
    for (size_t i = 0; i < ATT_STORE_MAX_WATCHERS; i++) {
        if (s->watchers[i].fn && s->watchers[i].id == id) {
            s->watchers[i].fn = NULL;
            s->watchers[i].arg = NULL;
            rc = ATT_OK;
            break;
        }
    }
    /* A notification that copied the list before the removal may still call the watcher:
     * wait until every running notification has finished. */
    while (rc == ATT_OK && s->running > 0)
        pthread_cond_wait(&s->watch_cv, &s->watch_mu);
    pthread_mutex_unlock(&s->watch_mu);
    return rc;
}

void att__store_notify(att__store *s, const att__store_change *c)
{
    att__store_watcher list[ATT_STORE_MAX_WATCHERS];
    size_t n = 0;

    /* Copy the list and count ourselves as running under the lock, so unwatch either sees
     * us running (and waits) or removed the watcher before we copied. Callbacks run
     * without the lock: they may read the store and take their own locks. */
    pthread_mutex_lock(&s->watch_mu);
    for (size_t i = 0; i < ATT_STORE_MAX_WATCHERS; i++)
        if (s->watchers[i].fn)
            list[n++] = s->watchers[i];
    s->running++;
    pthread_mutex_unlock(&s->watch_mu);

    int64_t seen = atomic_load(&s->notified_gen);
    while (c->generation > seen &&
           !atomic_compare_exchange_weak(&s->notified_gen, &seen, c->generation))
        ;

    notify_depth++;
    for (size_t i = 0; i < n; i++)
        list[i].fn(list[i].arg, c);
    notify_depth--;

    pthread_mutex_lock(&s->watch_mu);
    if (--s->running == 0)
        pthread_cond_broadcast(&s->watch_cv);
    pthread_mutex_unlock(&s->watch_mu);
}

/* ---- providers ---- */

int att__store_provider_put(att__store *s, const att__store_provider *p, int64_t *version,
                            att_diag *d)
{
    if (!s || !p)
        return bad_arg(d, "argument");
    if (!str_ok(p->name, ATT_MAX_PROVIDER_NAME))
        return bad_arg(d, "provider name");
    if (!str_ok(p->issuer, ATT_STORE_MAX_ISSUER))
        return bad_arg(d, "issuer");
    if (!str_ok(p->host, ATT_MAX_HOST))
        return bad_arg(d, "host");
    if (!trust_ok(p->trust_mode))
        return bad_arg(d, "trust mode");
    return s->ops->provider_put(s, p, version, d);
}

int att__store_provider_get(att__store *s, const char *name, att__store_provider *out, att_diag *d)
{
    if (!s || !out)
        return bad_arg(d, "argument");
    memset(out, 0, sizeof(*out));
    if (!str_ok(name, ATT_MAX_PROVIDER_NAME))
        return bad_arg(d, "provider name");
    return s->ops->provider_get(s, name, out, d);
}

int att__store_provider_list(att__store *s, att__store_provider **out, size_t *n, att_diag *d)
{
    if (!s || !out || !n)
        return bad_arg(d, "argument");
    *out = NULL;
    *n = 0;
    return s->ops->provider_list(s, out, n, d);
}

int att__store_provider_delete(att__store *s, const char *name, att_diag *d)
{
    if (!s)
        return bad_arg(d, "store");
    if (!str_ok(name, ATT_MAX_PROVIDER_NAME))
        return bad_arg(d, "provider name");
    return s->ops->provider_delete(s, name, d);
}

void att__store_provider_clear(att__store_provider *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->issuer);
    free(p->host);
    free(p->trust_mode);
    memset(p, 0, sizeof(*p));
}

void att__store_providers_free(att__store_provider *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        att__store_provider_clear(&v[i]);
    free(v);
}

/* ---- policies ---- */

int att__store_policy_put(att__store *s, const char *provider, const char *type, const char *jws,
                          size_t jws_len, const char *text, size_t text_len, int64_t *version,
                          att_diag *d)
{
    if (!s)
        return bad_arg(d, "store");
    if (!str_ok(provider, ATT_MAX_PROVIDER_NAME))
        return bad_arg(d, "provider name");
    if (!str_ok(type, ATT_STORE_MAX_TYPE))
        return bad_arg(d, "policy type");
    if (jws_len == 0 || !text_ok(jws, jws_len, ATT_MAX_JWS))
        return bad_arg(d, "policy JWS");
    if (!text_ok(text, text_len, ATT_MAX_POLICY_TEXT))
        return bad_arg(d, "policy text");
    return s->ops->policy_put(s, provider, type, jws, jws_len, text, text_len, version, d);
}

int att__store_policy_get(att__store *s, const char *provider, const char *type,
                          att__store_policy *out, att_diag *d)
{
    if (!s || !out)
        return bad_arg(d, "argument");
    memset(out, 0, sizeof(*out));
    if (!str_ok(provider, ATT_MAX_PROVIDER_NAME))
        return bad_arg(d, "provider name");
    if (!str_ok(type, ATT_STORE_MAX_TYPE))
        return bad_arg(d, "policy type");
    return s->ops->policy_get(s, provider, type, out, d);
}

int att__store_policy_list(att__store *s, const char *provider, att__store_policy **out, size_t *n,
                           att_diag *d)
{
    if (!s || !out || !n)
        return bad_arg(d, "argument");
    *out = NULL;
    *n = 0;
    if (provider && !str_ok(provider, ATT_MAX_PROVIDER_NAME))
        return bad_arg(d, "provider name");
    return s->ops->policy_list(s, provider, out, n, d);
}

int att__store_policy_delete(att__store *s, const char *provider, const char *type, att_diag *d)
{
    if (!s)
        return bad_arg(d, "store");
    if (!str_ok(provider, ATT_MAX_PROVIDER_NAME))
        return bad_arg(d, "provider name");
    if (!str_ok(type, ATT_STORE_MAX_TYPE))
        return bad_arg(d, "policy type");
    return s->ops->policy_delete(s, provider, type, d);
}

void att__store_policy_clear(att__store_policy *p)
{
    if (!p)
        return;
    free(p->provider);
    free(p->type);
    free(p->jws);
    free(p->text);
    memset(p, 0, sizeof(*p));
}

void att__store_policies_free(att__store_policy *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        att__store_policy_clear(&v[i]);
    free(v);
}

/* ---- key/value ---- */

int att__store_kv_put(att__store *s, const char *ns, const char *key, const void *value, size_t len,
                      int64_t expect_version, int64_t *version, att_diag *d)
{
    if (!s)
        return bad_arg(d, "store");
    if (!str_ok(ns, ATT_STORE_MAX_KEY))
        return bad_arg(d, "namespace");
    if (!str_ok(key, ATT_STORE_MAX_KEY))
        return bad_arg(d, "key");
    if ((!value && len) || len > ATT_STORE_MAX_VALUE)
        return bad_arg(d, "value");
    if (expect_version < ATT_STORE_ANY_VERSION)
        return bad_arg(d, "expected version");
    return s->ops->kv_put(s, ns, key, value, len, expect_version, version, d);
}

int att__store_kv_get(att__store *s, const char *ns, const char *key, uint8_t **value, size_t *len,
                      int64_t *version, att_diag *d)
{
    if (!s || !value)
        return bad_arg(d, "argument");
    *value = NULL;
    if (!str_ok(ns, ATT_STORE_MAX_KEY))
        return bad_arg(d, "namespace");
    if (!str_ok(key, ATT_STORE_MAX_KEY))
        return bad_arg(d, "key");
    return s->ops->kv_get(s, ns, key, value, len, version, d);
}

int att__store_kv_list(att__store *s, const char *ns, att__store_kv **out, size_t *n, att_diag *d)
{
    if (!s || !out || !n)
        return bad_arg(d, "argument");
    *out = NULL;
    *n = 0;
    if (!str_ok(ns, ATT_STORE_MAX_KEY))
        return bad_arg(d, "namespace");
    return s->ops->kv_list(s, ns, out, n, d);
}

int att__store_kv_delete(att__store *s, const char *ns, const char *key, int64_t expect_version,
                         att_diag *d)
{
    if (!s)
        return bad_arg(d, "store");
    if (!str_ok(ns, ATT_STORE_MAX_KEY))
        return bad_arg(d, "namespace");
    if (!str_ok(key, ATT_STORE_MAX_KEY))
        return bad_arg(d, "key");
    if (expect_version == 0 || expect_version < ATT_STORE_ANY_VERSION)
        return bad_arg(d, "expected version");
    return s->ops->kv_delete(s, ns, key, expect_version, d);
}

void att__store_kvs_free(att__store_kv *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].key);
        free(v[i].value);
    }
    free(v);
}

/* ---- bulk read ---- */

int att__store_read_all(att__store *s, att__store_data *out, att_diag *d)
{
    if (!s || !out)
        return bad_arg(d, "argument");
    memset(out, 0, sizeof(*out));
    return s->ops->read_all(s, out, d);
}

void att__store_data_clear(att__store_data *data)
{
    if (!data)
        return;
    att__store_providers_free(data->providers, data->n_providers);
    att__store_policies_free(data->policies, data->n_policies);
    memset(data, 0, sizeof(*data));
}
