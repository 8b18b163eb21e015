/* SQLite backend of the store: the record operations (providers, policies, key/value,
 * bulk read) and the backend's function table. Each operation takes the connection mutex
 * for its whole duration; writes go through att__sq_wr_begin / att__sq_wr_end so they are
 * one transaction that commits fully or not at all (sqlite_int.h). */
#include "store/sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

/* ---- binding and reading columns ---- */

static int bind_text(sqlite3_stmt *st, int i, const char *s, size_t n)
{
    return sqlite3_bind_text(st, i, s, (int)n, SQLITE_STATIC);
}

static int bind_str(sqlite3_stmt *st, int i, const char *s)
{
    return bind_text(st, i, s, strlen(s));
}

/* Copies text column i into a malloc'd NUL-terminated string; NULL when out of memory. */
static char *col_text(sqlite3_stmt *st, int i, size_t *len)
{
    const unsigned char *p = sqlite3_column_text(st, i);
    if (!p && sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM)
        return NULL;
    size_t n = p ? (size_t)sqlite3_column_bytes(st, i) : 0;
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = 0;
    if (len)
        *len = n;
    return s;
}

/* Copies blob column i into a malloc'd buffer (NUL-terminated, not counted). */
static uint8_t *col_blob(sqlite3_stmt *st, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(st, i);
    if (!p && sqlite3_errcode(sqlite3_db_handle(st)) == SQLITE_NOMEM)
        return NULL;
    size_t n = p ? (size_t)sqlite3_column_bytes(st, i) : 0;
    uint8_t *v = malloc(n + 1);
    if (!v)
        return NULL;
    if (n)
        memcpy(v, p, n);
    v[n] = 0;
    *len = n;
    return v;
}

/* Grows a malloc'd array of elem-sized items so that index n fits. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return ATT_OK;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap > SIZE_MAX / elem)
        return ATT_ENOMEM;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return ATT_ENOMEM;
    memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
    *arr = p;
    *cap = ncap;
    return ATT_OK;
}

static int row_provider(sqlite3_stmt *st, att__store_provider *p)
{
    p->name = col_text(st, 0, NULL);
    p->issuer = col_text(st, 1, NULL);
    p->host = col_text(st, 2, NULL);
    p->trust_mode = col_text(st, 3, NULL);
    p->created = sqlite3_column_int64(st, 4);
    p->version = sqlite3_column_int64(st, 5);
    if (!p->name || !p->issuer || !p->host || !p->trust_mode) {
        att__store_provider_clear(p);
        return ATT_ENOMEM;
    }
    return ATT_OK;
}

static int row_policy(sqlite3_stmt *st, att__store_policy *p)
{
    p->provider = col_text(st, 0, NULL);
    p->type = col_text(st, 1, NULL);
    p->jws = col_text(st, 2, &p->jws_len);
    p->text = col_text(st, 3, &p->text_len);
    p->version = sqlite3_column_int64(st, 4);
    p->updated = sqlite3_column_int64(st, 5);
    if (!p->provider || !p->type || !p->jws || !p->text) {
        att__store_policy_clear(p);
        return ATT_ENOMEM;
    }
    return ATT_OK;
}

/* ---- generation, ping ---- */

static int sq_generation(att__store *s, int64_t *gen, att_diag *d)
{
    att__sq_store *q = att__sq(s);
    pthread_mutex_lock(&q->mu);
    int err = att__sq_gen_locked(q, gen, d);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int sq_ping(att__store *s, att_diag *d)
{
    int64_t gen;
    return sq_generation(s, &gen, d);
}

/* ---- providers ---- */

static int sq_provider_put(att__store *s, const att__store_provider *p, int64_t *version,
                           att_diag *d)
{
    att__sq_store *q = att__sq(s);
    int64_t gen = 0;
    int err = att__sq_wr_begin(q, &gen, d);
    if (err == ATT_OK) {
        sqlite3_stmt *st = q->st[ATT_SQ_PROV_PUT];
        bind_str(st, 1, p->name);
        bind_str(st, 2, p->issuer);
        bind_str(st, 3, p->host);
        bind_str(st, 4, p->trust_mode);
        sqlite3_bind_int64(st, 5, att__now());
        sqlite3_bind_int64(st, 6, gen);
        err = att__sq_run(q, ATT_SQ_PROV_PUT, d, "write provider");
    }
    att__store_change c = {ATT_STORE_CHANGE_PROVIDER, p->name, NULL, gen};
    err = att__sq_wr_end(q, err, &c, d);
    if (err == ATT_OK && version)
        *version = gen;
    return err;
}

static int sq_provider_get(att__store *s, const char *name, att__store_provider *out, att_diag *d)
{
    att__sq_store *q = att__sq(s);
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *st = q->st[ATT_SQ_PROV_GET];
    bind_str(st, 1, name);
    int rc = att__sq_step(q, st);
    int err;
    if (rc == SQLITE_ROW)
        err = row_provider(st, out);
    else if (rc == SQLITE_DONE)
        err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "provider",
                            "no provider named \"%.63s\"", name);
    else
        err = att__sq_fail(q, rc, d, "read provider");
    att__sq_done(st);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int prov_list_locked(att__sq_store *q, att__store_provider **out, size_t *n, att_diag *d)
{
    sqlite3_stmt *st = q->st[ATT_SQ_PROV_LIST];
    att__store_provider *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc, err = ATT_OK;
    while ((rc = att__sq_step(q, st)) == SQLITE_ROW) {
        if ((err = grow((void **)&v, &cap, cnt, sizeof(*v))) != ATT_OK ||
            (err = row_provider(st, &v[cnt])) != ATT_OK)
            break;
        cnt++;
    }
    if (err == ATT_OK && rc != SQLITE_DONE)
        err = att__sq_fail(q, rc, d, "list providers");
    att__sq_done(st);
    if (err != ATT_OK) {
        att__store_providers_free(v, cnt);
        return err == ATT_ENOMEM ? att_diag_fail(d, err, "store.memory", "providers",
                                                 "out of memory listing providers")
                                 : err;
    }
    *out = v;
    *n = cnt;
    return ATT_OK;
}

static int sq_provider_list(att__store *s, att__store_provider **out, size_t *n, att_diag *d)
{
    att__sq_store *q = att__sq(s);
    pthread_mutex_lock(&q->mu);
    int err = prov_list_locked(q, out, n, d);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int sq_provider_delete(att__store *s, const char *name, att_diag *d)
{
    att__sq_store *q = att__sq(s);
    int64_t gen = 0;
    int err = att__sq_wr_begin(q, &gen, d);
    if (err == ATT_OK) {
        bind_str(q->st[ATT_SQ_PROV_DEL], 1, name);
        err = att__sq_run(q, ATT_SQ_PROV_DEL, d, "delete provider");
        if (err == ATT_OK && sqlite3_changes(q->db) == 0)
            err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "provider",
                                "no provider named \"%.63s\"", name);
    }
    att__store_change c = {ATT_STORE_CHANGE_PROVIDER, name, NULL, gen};
    return att__sq_wr_end(q, err, &c, d);
}

/* ---- policies ---- */

static int sq_policy_put(att__store *s, const char *provider, const char *type, const char *jws,
                         size_t jws_len, const char *text, size_t text_len, int64_t *version,
                         att_diag *d)
{
    att__sq_store *q = att__sq(s);
    int64_t gen = 0;
    int err = att__sq_wr_begin(q, &gen, d);
    if (err == ATT_OK) {
        /* Checked here rather than left to the foreign key so the caller learns which
         * thing is missing. */
        sqlite3_stmt *st = q->st[ATT_SQ_PROV_EXISTS];
        bind_str(st, 1, provider);
        int rc = att__sq_step(q, st);
        if (rc == SQLITE_DONE)
            err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "provider",
                                "no provider named \"%.63s\"", provider);
        else if (rc != SQLITE_ROW)
            err = att__sq_fail(q, rc, d, "read provider");
        att__sq_done(st);
    }
    if (err == ATT_OK) {
        sqlite3_stmt *st = q->st[ATT_SQ_POL_PUT];
        bind_str(st, 1, provider);
        bind_str(st, 2, type);
        bind_text(st, 3, jws, jws_len);
        bind_text(st, 4, text, text_len);
        sqlite3_bind_int64(st, 5, gen);
        sqlite3_bind_int64(st, 6, att__now());
        err = att__sq_run(q, ATT_SQ_POL_PUT, d, "write policy");
    }
    att__store_change c = {ATT_STORE_CHANGE_POLICY, provider, type, gen};
    err = att__sq_wr_end(q, err, &c, d);
    if (err == ATT_OK && version)
        *version = gen;
    return err;
}

static int sq_policy_get(att__store *s, const char *provider, const char *type,
                         att__store_policy *out, att_diag *d)
{
    att__sq_store *q = att__sq(s);
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *st = q->st[ATT_SQ_POL_GET];
    bind_str(st, 1, provider);
    bind_str(st, 2, type);
    int rc = att__sq_step(q, st);
    int err;
    if (rc == SQLITE_ROW)
        err = row_policy(st, out);
    else if (rc == SQLITE_DONE)
        err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "policy",
                            "no %.32s policy stored for provider \"%.63s\"", type, provider);
    else
        err = att__sq_fail(q, rc, d, "read policy");
    att__sq_done(st);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int pol_list_locked(att__sq_store *q, const char *provider, att__store_policy **out,
                           size_t *n, att_diag *d)
{
    sqlite3_stmt *st = q->st[provider ? ATT_SQ_POL_LIST_ONE : ATT_SQ_POL_LIST_ALL];
    if (provider)
        bind_str(st, 1, provider);
    att__store_policy *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc, err = ATT_OK;
    while ((rc = att__sq_step(q, st)) == SQLITE_ROW) {
        if ((err = grow((void **)&v, &cap, cnt, sizeof(*v))) != ATT_OK ||
            (err = row_policy(st, &v[cnt])) != ATT_OK)
            break;
        cnt++;
    }
    if (err == ATT_OK && rc != SQLITE_DONE)
        err = att__sq_fail(q, rc, d, "list policies");
    att__sq_done(st);
    if (err != ATT_OK) {
        att__store_policies_free(v, cnt);
        return err == ATT_ENOMEM ? att_diag_fail(d, err, "store.memory", "policies",
                                                 "out of memory listing policies")
                                 : err;
    }
    *out = v;
    *n = cnt;
    return ATT_OK;
}

static int sq_policy_list(att__store *s, const char *provider, att__store_policy **out, size_t *n,
                          att_diag *d)
{
    att__sq_store *q = att__sq(s);
    pthread_mutex_lock(&q->mu);
    int err = pol_list_locked(q, provider, out, n, d);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int sq_policy_delete(att__store *s, const char *provider, const char *type, att_diag *d)
{
    att__sq_store *q = att__sq(s);
    int64_t gen = 0;
    int err = att__sq_wr_begin(q, &gen, d);
    if (err == ATT_OK) {
        bind_str(q->st[ATT_SQ_POL_DEL], 1, provider);
        bind_str(q->st[ATT_SQ_POL_DEL], 2, type);
        err = att__sq_run(q, ATT_SQ_POL_DEL, d, "delete policy");
        if (err == ATT_OK && sqlite3_changes(q->db) == 0)
            err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "policy",
                                "no %.32s policy stored for provider \"%.63s\"", type, provider);
    }
    att__store_change c = {ATT_STORE_CHANGE_POLICY, provider, type, gen};
    return att__sq_wr_end(q, err, &c, d);
}

/* ---- key/value ---- */

/* Reads the version of (ns, key) inside the current transaction: ATT_OK, ATT_ENOTFOUND. */
static int kv_version_locked(att__sq_store *q, const char *ns, const char *key, int64_t *version,
                             att_diag *d)
{
    sqlite3_stmt *st = q->st[ATT_SQ_KV_GET];
    bind_str(st, 1, ns);
    bind_str(st, 2, key);
    int rc = att__sq_step(q, st);
    int err = ATT_OK;
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int64(st, 1);
    else if (rc == SQLITE_DONE)
        err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "key", "no key \"%.100s\" in %.60s",
                            key, ns);
    else
        err = att__sq_fail(q, rc, d, "read key");
    att__sq_done(st);
    return err;
}

static int sq_kv_put(att__store *s, const char *ns, const char *key, const void *value, size_t len,
                     int64_t expect_version, int64_t *version, att_diag *d)
{
    att__sq_store *q = att__sq(s);
    int64_t gen = 0;
    int err = att__sq_wr_begin(q, &gen, d);
    if (err == ATT_OK) {
        enum att__sq_stmt id = expect_version == ATT_STORE_ANY_VERSION ? ATT_SQ_KV_UPSERT
                               : expect_version == 0                   ? ATT_SQ_KV_CREATE
                                                                       : ATT_SQ_KV_REPLACE;
        sqlite3_stmt *st = q->st[id];
        bind_str(st, 1, ns);
        bind_str(st, 2, key);
        /* A NULL pointer would bind SQL NULL; an empty value is a zero-length blob. */
        sqlite3_bind_blob(st, 3, len ? value : "", (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, gen);
        sqlite3_bind_int64(st, 5, att__now());
        if (id == ATT_SQ_KV_REPLACE)
            sqlite3_bind_int64(st, 6, expect_version);
        err = att__sq_run(q, id, d, "write key");
        if (err == ATT_OK && sqlite3_changes(q->db) == 0)
            err = att_diag_fail(
                d, ATT_EMISMATCH, "store.version", "key", "key \"%.100s\" in %.60s %s", key, ns,
                id == ATT_SQ_KV_CREATE ? "already exists" : "is absent or has another version");
    }
    att__store_change c = {ATT_STORE_CHANGE_KV, ns, key, gen};
    err = att__sq_wr_end(q, err, &c, d);
    if (err == ATT_OK && version)
        *version = gen;
    return err;
}

static int sq_kv_get(att__store *s, const char *ns, const char *key, uint8_t **value, size_t *len,
                     int64_t *version, att_diag *d)
{
    att__sq_store *q = att__sq(s);
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *st = q->st[ATT_SQ_KV_GET];
    bind_str(st, 1, ns);
    bind_str(st, 2, key);
    int rc = att__sq_step(q, st);
    int err = ATT_OK;
    if (rc == SQLITE_ROW) {
        size_t n = 0;
        *value = col_blob(st, 0, &n);
        if (!*value)
            err = att_diag_fail(d, ATT_ENOMEM, "store.memory", "key", "out of memory");
        if (len)
            *len = n;
        if (version)
            *version = sqlite3_column_int64(st, 1);
    } else if (rc == SQLITE_DONE) {
        err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "key", "no key \"%.100s\" in %.60s",
                            key, ns);
    } else {
        err = att__sq_fail(q, rc, d, "read key");
    }
    att__sq_done(st);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int sq_kv_list(att__store *s, const char *ns, att__store_kv **out, size_t *n, att_diag *d)
{
    att__sq_store *q = att__sq(s);
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *st = q->st[ATT_SQ_KV_LIST];
    bind_str(st, 1, ns);
    att__store_kv *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc, err = ATT_OK;
    while ((rc = att__sq_step(q, st)) == SQLITE_ROW) {
        if ((err = grow((void **)&v, &cap, cnt, sizeof(*v))) != ATT_OK)
            break;
        v[cnt].key = col_text(st, 0, NULL);
        v[cnt].value = col_blob(st, 1, &v[cnt].len);
        v[cnt].version = sqlite3_column_int64(st, 2);
        v[cnt].updated = sqlite3_column_int64(st, 3);
        cnt++;
        if (!v[cnt - 1].key || !v[cnt - 1].value) {
            err = ATT_ENOMEM;
            break;
        }
    }
    if (err == ATT_OK && rc != SQLITE_DONE)
        err = att__sq_fail(q, rc, d, "list keys");
    else if (err == ATT_ENOMEM)
        err = att_diag_fail(d, err, "store.memory", "keys", "out of memory listing keys");
    att__sq_done(st);
    pthread_mutex_unlock(&q->mu);
    if (err != ATT_OK) {
        att__store_kvs_free(v, cnt);
        return err;
    }
    *out = v;
    *n = cnt;
    return ATT_OK;
}

static int sq_kv_delete(att__store *s, const char *ns, const char *key, int64_t expect_version,
                        att_diag *d)
{
    att__sq_store *q = att__sq(s);
    int64_t gen = 0, cur = 0;
    int err = att__sq_wr_begin(q, &gen, d);
    if (err == ATT_OK)
        err = kv_version_locked(q, ns, key, &cur, d);
    if (err == ATT_OK && expect_version != ATT_STORE_ANY_VERSION && cur != expect_version)
        err = att_diag_fail(d, ATT_EMISMATCH, "store.version", "key",
                            "key \"%.100s\" in %.60s has another version", key, ns);
    if (err == ATT_OK) {
        bind_str(q->st[ATT_SQ_KV_DEL], 1, ns);
        bind_str(q->st[ATT_SQ_KV_DEL], 2, key);
        err = att__sq_run(q, ATT_SQ_KV_DEL, d, "delete key");
    }
    att__store_change c = {ATT_STORE_CHANGE_KV, ns, key, gen};
    return att__sq_wr_end(q, err, &c, d);
}

/* ---- bulk read ---- */

static int sq_read_all(att__store *s, att__store_data *out, att_diag *d)
{
    att__sq_store *q = att__sq(s);
    pthread_mutex_lock(&q->mu);
    /* One read transaction: in WAL mode it sees one committed state throughout, so the
     * generation matches the lists exactly. */
    int err = att__sq_run(q, ATT_SQ_BEGIN_READ, d, "begin read");
    if (err == ATT_OK)
        err = att__sq_gen_locked(q, &out->generation, d);
    if (err == ATT_OK)
        err = prov_list_locked(q, &out->providers, &out->n_providers, d);
    if (err == ATT_OK)
        err = pol_list_locked(q, NULL, &out->policies, &out->n_policies, d);
    err = att__sq_rd_end(q, err, d);
    pthread_mutex_unlock(&q->mu);
    if (err != ATT_OK)
        att__store_data_clear(out);
    return err;
}

const att__store_ops att__sq_ops = {
    .name = "sqlite",
    .close = att__sq_close,
    .ping = sq_ping,
    .generation = sq_generation,
    .provider_put = sq_provider_put,
    .provider_get = sq_provider_get,
    .provider_list = sq_provider_list,
    .provider_delete = sq_provider_delete,
    .policy_put = sq_policy_put,
    .policy_get = sq_policy_get,
    .policy_list = sq_policy_list,
    .policy_delete = sq_policy_delete,
    .kv_put = sq_kv_put,
    .kv_get = sq_kv_get,
    .kv_list = sq_kv_list,
    .kv_delete = sq_kv_delete,
    .read_all = sq_read_all,
};
