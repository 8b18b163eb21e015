/* SQLite backend of the store (sqlite.h, store_backend.h).
 *
 * One connection per handle, guarded by one mutex: every operation, read or write, takes
 * the mutex for its whole duration, so prepared statements and transactions of two
 * threads never interleave. The store is off the request hot path (DESIGN.md §2), so a
 * single connection is plenty; WAL mode still lets other processes read while we write.
 * Writes: BEGIN IMMEDIATE, advance the generation, the statements, COMMIT; any failure
 * rolls the whole transaction back. Watchers are called after the mutex is released.
 * docs/internals/store.md explains the pragmas. */
#include "store/sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "store/store_backend.h"

/* ---- schema ---- */

/* The ordered list of migrations. Migration i (1-based) brings the schema from version
 * i-1 to i; each runs in its own transaction together with its schema_version row. Never
 * edit a migration that has shipped: append a new one. */
static const char *const migrations[] = {
    /* 1: generation counter, providers, policies, key/value area. */
    "CREATE TABLE meta (\n"
    "    key TEXT PRIMARY KEY,\n"
    "    value INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "INSERT INTO meta (key, value) VALUES ('generation', 0);\n"
    "CREATE TABLE providers (\n"
    "    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 63),\n"
    "    issuer TEXT NOT NULL CHECK (length(issuer) > 0),\n"
    "    host TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(host) > 0),\n"
    "    trust_mode TEXT NOT NULL CHECK (trust_mode IN ('aad', 'isolated')),\n"
    "    created INTEGER NOT NULL,\n"
    "    version INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE policies (\n"
    "    provider TEXT NOT NULL REFERENCES providers (name) ON DELETE CASCADE,\n"
    "    type TEXT NOT NULL,\n"
    "    jws TEXT NOT NULL,\n"
    "    text TEXT NOT NULL,\n"
    "    version INTEGER NOT NULL,\n"
    "    updated INTEGER NOT NULL,\n"
    "    PRIMARY KEY (provider, type)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE kv (\n"
    "    ns TEXT NOT NULL,\n"
    "    key TEXT NOT NULL,\n"
    "    value BLOB NOT NULL,\n"
    "    version INTEGER NOT NULL,\n"
    "    updated INTEGER NOT NULL,\n"
    "    PRIMARY KEY (ns, key)\n"
    ") WITHOUT ROWID;\n",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- prepared statements ---- */

enum stmt_id {
    ST_BEGIN_READ,
    ST_BEGIN_WRITE,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_GEN_GET,
    ST_GEN_BUMP,
    ST_PROV_PUT,
    ST_PROV_GET,
    ST_PROV_EXISTS,
    ST_PROV_LIST,
    ST_PROV_DEL,
    ST_POL_PUT,
    ST_POL_GET,
    ST_POL_LIST_ALL,
    ST_POL_LIST_ONE,
    ST_POL_DEL,
    ST_KV_GET,
    ST_KV_UPSERT,
    ST_KV_CREATE,
    ST_KV_REPLACE,
    ST_KV_DEL,
    ST_KV_LIST,
    ST__COUNT
};

#define PROV_COLS "name, issuer, host, trust_mode, created, version"
#define POL_COLS  "provider, type, jws, text, version, updated"

static const char *const stmt_sql[ST__COUNT] = {
    [ST_BEGIN_READ] = "BEGIN",
    [ST_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_GEN_GET] = "SELECT value FROM meta WHERE key = 'generation'",
    [ST_GEN_BUMP] = "UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value",
    [ST_PROV_PUT] = "INSERT INTO providers (" PROV_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                    "ON CONFLICT (name) DO UPDATE SET issuer = excluded.issuer, "
                    "host = excluded.host, trust_mode = excluded.trust_mode, "
                    "version = excluded.version",
    [ST_PROV_GET] = "SELECT " PROV_COLS " FROM providers WHERE name = ?1",
    [ST_PROV_EXISTS] = "SELECT 1 FROM providers WHERE name = ?1",
    [ST_PROV_LIST] = "SELECT " PROV_COLS " FROM providers ORDER BY name",
    [ST_PROV_DEL] = "DELETE FROM providers WHERE name = ?1",
    [ST_POL_PUT] = "INSERT INTO policies (" POL_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                   "ON CONFLICT (provider, type) DO UPDATE SET jws = excluded.jws, "
                   "text = excluded.text, version = excluded.version, "
                   "updated = excluded.updated",
    [ST_POL_GET] = "SELECT " POL_COLS " FROM policies WHERE provider = ?1 AND type = ?2",
    [ST_POL_LIST_ALL] = "SELECT " POL_COLS " FROM policies ORDER BY provider, type",
    [ST_POL_LIST_ONE] = "SELECT " POL_COLS " FROM policies WHERE provider = ?1 ORDER BY type",
    [ST_POL_DEL] = "DELETE FROM policies WHERE provider = ?1 AND type = ?2",
    [ST_KV_GET] = "SELECT value, version FROM kv WHERE ns = ?1 AND key = ?2",
    [ST_KV_UPSERT] = "INSERT INTO kv (ns, key, value, version, updated) VALUES (?1, ?2, ?3, ?4, ?5) "
                     "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, "
                     "version = excluded.version, updated = excluded.updated",
    [ST_KV_CREATE] = "INSERT INTO kv (ns, key, value, version, updated) VALUES (?1, ?2, ?3, ?4, ?5) "
                     "ON CONFLICT (ns, key) DO NOTHING",
    [ST_KV_REPLACE] = "UPDATE kv SET value = ?3, version = ?4, updated = ?5 "
                      "WHERE ns = ?1 AND key = ?2 AND version = ?6",
    [ST_KV_DEL] = "DELETE FROM kv WHERE ns = ?1 AND key = ?2",
    [ST_KV_LIST] = "SELECT key, value, version, updated FROM kv WHERE ns = ?1 ORDER BY key",
};

/* ---- the handle ---- */

typedef struct sq_store {
    att__store base; /* first member: att__store * and sq_store * convert */
    pthread_mutex_t mu; /* guards everything below */
    sqlite3 *db;
    sqlite3_stmt *st[ST__COUNT];
    int in_write;  /* inside a write transaction: statements count toward fault_nth */
    int fault_nth; /* test hook (att__store_sqlite_fail_nth) */
    int fault_hit; /* the last failure was injected */
} sq_store;

static sq_store *sq(att__store *s)
{
    return (sq_store *)s;
}

/* Maps a SQLite result code to an att_err and records why `what` failed. Called with the
 * mutex held, so the connection's error message is still ours. */
static int sq_fail(sq_store *q, int rc, att_diag *d, const char *what)
{
    if (q->fault_hit) {
        q->fault_hit = 0;
        return att_diag_fail(d, ATT_ESTORE, "store.sqlite", what, "%s: injected fault", what);
    }
    int err;
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        err = ATT_ENOMEM;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        err = ATT_EBUSY;
        break;
    case SQLITE_CONSTRAINT:
        err = ATT_EINVAL;
        break;
    case SQLITE_TOOBIG:
        err = ATT_ELIMIT;
        break;
    default:
        err = ATT_ESTORE;
        break;
    }
    return att_diag_fail(d, err, (rc & 0xff) == SQLITE_CONSTRAINT ? "store.constraint" : "store.sqlite",
                         what, "%s: %s", what, q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
}

/* Steps st once. Inside a write transaction the step counts toward the injected fault. */
static int sq_step(sq_store *q, sqlite3_stmt *st)
{
    if (q->in_write && q->fault_nth > 0 && --q->fault_nth == 0) {
        q->fault_hit = 1;
        return SQLITE_IOERR;
    }
    return sqlite3_step(st);
}

/* Makes a statement ready for its next use. */
static void sq_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows to completion; ATT_OK or the mapped failure. */
static int sq_run(sq_store *q, enum stmt_id id, att_diag *d, const char *what)
{
    sqlite3_stmt *st = q->st[id];
    int rc = sq_step(q, st);
    int err = rc == SQLITE_DONE ? ATT_OK : sq_fail(q, rc, d, what);
    sq_done(st);
    return err;
}

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

/* ---- transactions ---- */

/* Starts a write: takes the mutex, BEGIN IMMEDIATE (waiting up to the busy timeout for
 * another process), and advances the generation into *gen. The mutex is held on return
 * whatever the result; wr_end releases it. */
static int wr_begin(sq_store *q, int64_t *gen, att_diag *d)
{
    pthread_mutex_lock(&q->mu);
    q->in_write = 1;
    int err = sq_run(q, ST_BEGIN_WRITE, d, "begin write");
    if (err != ATT_OK)
        return err;
    sqlite3_stmt *st = q->st[ST_GEN_BUMP];
    int rc = sq_step(q, st);
    if (rc == SQLITE_ROW) {
        *gen = sqlite3_column_int64(st, 0);
        err = ATT_OK;
    } else {
        err = sq_fail(q, rc, d, "advance generation");
    }
    sq_done(st);
    return err;
}

/* Ends a write begun by wr_begin: COMMIT when err is ATT_OK, else (or when COMMIT fails)
 * ROLLBACK. Releases the mutex, then tells the watchers about a committed change c. */
static int wr_end(sq_store *q, int err, const att__store_change *c, att_diag *d)
{
    if (err == ATT_OK)
        err = sq_run(q, ST_COMMIT, d, "commit");
    if (err != ATT_OK && !sqlite3_get_autocommit(q->db)) {
        /* Not fault-counted: the rollback is what we are testing. SQLite may already have
         * rolled back on its own (I/O errors, out of memory): get_autocommit says so. */
        q->in_write = 0;
        sqlite3_step(q->st[ST_ROLLBACK]);
        sq_done(q->st[ST_ROLLBACK]);
    }
    q->in_write = 0;
    pthread_mutex_unlock(&q->mu);
    if (err == ATT_OK && c)
        att__store_notify(&q->base, c);
    return err;
}

/* Ends a read transaction (COMMIT, or ROLLBACK after a failure). Mutex held. */
static int rd_end(sq_store *q, int err, att_diag *d)
{
    if (err == ATT_OK)
        err = sq_run(q, ST_COMMIT, d, "end read");
    if (err != ATT_OK && !sqlite3_get_autocommit(q->db)) {
        sqlite3_step(q->st[ST_ROLLBACK]);
        sq_done(q->st[ST_ROLLBACK]);
    }
    return err;
}

/* ---- generation, ping ---- */

static int gen_locked(sq_store *q, int64_t *gen, att_diag *d)
{
    sqlite3_stmt *st = q->st[ST_GEN_GET];
    int rc = sq_step(q, st);
    int err = ATT_OK;
    if (rc == SQLITE_ROW)
        *gen = sqlite3_column_int64(st, 0);
    else
        err = rc == SQLITE_DONE ? att_diag_fail(d, ATT_ESTORE, "store.schema", "meta",
                                                "generation row missing")
                                : sq_fail(q, rc, d, "read generation");
    sq_done(st);
    return err;
}

static int sq_generation(att__store *s, int64_t *gen, att_diag *d)
{
    sq_store *q = sq(s);
    pthread_mutex_lock(&q->mu);
    int err = gen_locked(q, gen, d);
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
    sq_store *q = sq(s);
    int64_t gen = 0;
    int err = wr_begin(q, &gen, d);
    if (err == ATT_OK) {
        sqlite3_stmt *st = q->st[ST_PROV_PUT];
        bind_str(st, 1, p->name);
        bind_str(st, 2, p->issuer);
        bind_str(st, 3, p->host);
        bind_str(st, 4, p->trust_mode);
        sqlite3_bind_int64(st, 5, att__now());
        sqlite3_bind_int64(st, 6, gen);
        err = sq_run(q, ST_PROV_PUT, d, "write provider");
    }
    att__store_change c = {ATT_STORE_CHANGE_PROVIDER, p->name, NULL, gen};
    err = wr_end(q, err, &c, d);
    if (err == ATT_OK && version)
        *version = gen;
    return err;
}

static int sq_provider_get(att__store *s, const char *name, att__store_provider *out,
                           att_diag *d)
{
    sq_store *q = sq(s);
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *st = q->st[ST_PROV_GET];
    bind_str(st, 1, name);
    int rc = sq_step(q, st);
    int err;
    if (rc == SQLITE_ROW)
        err = row_provider(st, out);
    else if (rc == SQLITE_DONE)
        err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "provider",
                            "no provider named \"%.63s\"", name);
    else
        err = sq_fail(q, rc, d, "read provider");
    sq_done(st);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int prov_list_locked(sq_store *q, att__store_provider **out, size_t *n, att_diag *d)
{
    sqlite3_stmt *st = q->st[ST_PROV_LIST];
    att__store_provider *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc, err = ATT_OK;
    while ((rc = sq_step(q, st)) == SQLITE_ROW) {
        if ((err = grow((void **)&v, &cap, cnt, sizeof(*v))) != ATT_OK ||
            (err = row_provider(st, &v[cnt])) != ATT_OK)
            break;
        cnt++;
    }
    if (err == ATT_OK && rc != SQLITE_DONE)
        err = sq_fail(q, rc, d, "list providers");
    sq_done(st);
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
    sq_store *q = sq(s);
    pthread_mutex_lock(&q->mu);
    int err = prov_list_locked(q, out, n, d);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int sq_provider_delete(att__store *s, const char *name, att_diag *d)
{
    sq_store *q = sq(s);
    int64_t gen = 0;
    int err = wr_begin(q, &gen, d);
    if (err == ATT_OK) {
        bind_str(q->st[ST_PROV_DEL], 1, name);
        err = sq_run(q, ST_PROV_DEL, d, "delete provider");
        if (err == ATT_OK && sqlite3_changes(q->db) == 0)
            err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "provider",
                                "no provider named \"%.63s\"", name);
    }
    att__store_change c = {ATT_STORE_CHANGE_PROVIDER, name, NULL, gen};
    return wr_end(q, err, &c, d);
}

/* ---- policies ---- */

static int sq_policy_put(att__store *s, const char *provider, const char *type, const char *jws,
                         size_t jws_len, const char *text, size_t text_len, int64_t *version,
                         att_diag *d)
{
    sq_store *q = sq(s);
    int64_t gen = 0;
    int err = wr_begin(q, &gen, d);
    if (err == ATT_OK) {
        /* Checked here rather than left to the foreign key so the caller learns which
         * thing is missing. */
        sqlite3_stmt *st = q->st[ST_PROV_EXISTS];
        bind_str(st, 1, provider);
        int rc = sq_step(q, st);
        if (rc == SQLITE_DONE)
            err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "provider",
                                "no provider named \"%.63s\"", provider);
        else if (rc != SQLITE_ROW)
            err = sq_fail(q, rc, d, "read provider");
        sq_done(st);
    }
    if (err == ATT_OK) {
        sqlite3_stmt *st = q->st[ST_POL_PUT];
        bind_str(st, 1, provider);
        bind_str(st, 2, type);
        bind_text(st, 3, jws, jws_len);
        bind_text(st, 4, text, text_len);
        sqlite3_bind_int64(st, 5, gen);
        sqlite3_bind_int64(st, 6, att__now());
        err = sq_run(q, ST_POL_PUT, d, "write policy");
    }
    att__store_change c = {ATT_STORE_CHANGE_POLICY, provider, type, gen};
    err = wr_end(q, err, &c, d);
    if (err == ATT_OK && version)
        *version = gen;
    return err;
}

static int sq_policy_get(att__store *s, const char *provider, const char *type,
                         att__store_policy *out, att_diag *d)
{
    sq_store *q = sq(s);
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *st = q->st[ST_POL_GET];
    bind_str(st, 1, provider);
    bind_str(st, 2, type);
    int rc = sq_step(q, st);
    int err;
    if (rc == SQLITE_ROW)
        err = row_policy(st, out);
    else if (rc == SQLITE_DONE)
        err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "policy",
                            "no %.32s policy stored for provider \"%.63s\"", type, provider);
    else
        err = sq_fail(q, rc, d, "read policy");
    sq_done(st);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int pol_list_locked(sq_store *q, const char *provider, att__store_policy **out, size_t *n,
                           att_diag *d)
{
    sqlite3_stmt *st = q->st[provider ? ST_POL_LIST_ONE : ST_POL_LIST_ALL];
    if (provider)
        bind_str(st, 1, provider);
    att__store_policy *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc, err = ATT_OK;
    while ((rc = sq_step(q, st)) == SQLITE_ROW) {
        if ((err = grow((void **)&v, &cap, cnt, sizeof(*v))) != ATT_OK ||
            (err = row_policy(st, &v[cnt])) != ATT_OK)
            break;
        cnt++;
    }
    if (err == ATT_OK && rc != SQLITE_DONE)
        err = sq_fail(q, rc, d, "list policies");
    sq_done(st);
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

static int sq_policy_list(att__store *s, const char *provider, att__store_policy **out,
                          size_t *n, att_diag *d)
{
    sq_store *q = sq(s);
    pthread_mutex_lock(&q->mu);
    int err = pol_list_locked(q, provider, out, n, d);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int sq_policy_delete(att__store *s, const char *provider, const char *type, att_diag *d)
{
    sq_store *q = sq(s);
    int64_t gen = 0;
    int err = wr_begin(q, &gen, d);
    if (err == ATT_OK) {
        bind_str(q->st[ST_POL_DEL], 1, provider);
        bind_str(q->st[ST_POL_DEL], 2, type);
        err = sq_run(q, ST_POL_DEL, d, "delete policy");
        if (err == ATT_OK && sqlite3_changes(q->db) == 0)
            err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "policy",
                                "no %.32s policy stored for provider \"%.63s\"", type,
                                provider);
    }
    att__store_change c = {ATT_STORE_CHANGE_POLICY, provider, type, gen};
    return wr_end(q, err, &c, d);
}

/* ---- key/value ---- */

/* Reads the version of (ns, key) inside the current transaction: ATT_OK, ATT_ENOTFOUND. */
static int kv_version_locked(sq_store *q, const char *ns, const char *key, int64_t *version,
                             att_diag *d)
{
    sqlite3_stmt *st = q->st[ST_KV_GET];
    bind_str(st, 1, ns);
    bind_str(st, 2, key);
    int rc = sq_step(q, st);
    int err = ATT_OK;
    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int64(st, 1);
    else if (rc == SQLITE_DONE)
        err = att_diag_fail(d, ATT_ENOTFOUND, "store.notfound", "key", "no key \"%.100s\" in %.60s",
                            key, ns);
    else
        err = sq_fail(q, rc, d, "read key");
    sq_done(st);
    return err;
}

static int sq_kv_put(att__store *s, const char *ns, const char *key, const void *value, size_t len,
                     int64_t expect_version, int64_t *version, att_diag *d)
{
    sq_store *q = sq(s);
    int64_t gen = 0;
    int err = wr_begin(q, &gen, d);
    if (err == ATT_OK) {
        enum stmt_id id = expect_version == ATT_STORE_ANY_VERSION ? ST_KV_UPSERT
                          : expect_version == 0                   ? ST_KV_CREATE
                                                                  : ST_KV_REPLACE;
        sqlite3_stmt *st = q->st[id];
        bind_str(st, 1, ns);
        bind_str(st, 2, key);
        /* A NULL pointer would bind SQL NULL; an empty value is a zero-length blob. */
        sqlite3_bind_blob(st, 3, len ? value : "", (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, gen);
        sqlite3_bind_int64(st, 5, att__now());
        if (id == ST_KV_REPLACE)
            sqlite3_bind_int64(st, 6, expect_version);
        err = sq_run(q, id, d, "write key");
        if (err == ATT_OK && sqlite3_changes(q->db) == 0)
            err = att_diag_fail(d, ATT_EMISMATCH, "store.version", "key",
                                "key \"%.100s\" in %.60s %s", key, ns,
                                id == ST_KV_CREATE ? "already exists"
                                                   : "is absent or has another version");
    }
    att__store_change c = {ATT_STORE_CHANGE_KV, ns, key, gen};
    err = wr_end(q, err, &c, d);
    if (err == ATT_OK && version)
        *version = gen;
    return err;
}

static int sq_kv_get(att__store *s, const char *ns, const char *key, uint8_t **value,
                     size_t *len, int64_t *version, att_diag *d)
{
    sq_store *q = sq(s);
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *st = q->st[ST_KV_GET];
    bind_str(st, 1, ns);
    bind_str(st, 2, key);
    int rc = sq_step(q, st);
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
        err = sq_fail(q, rc, d, "read key");
    }
    sq_done(st);
    pthread_mutex_unlock(&q->mu);
    return err;
}

static int sq_kv_list(att__store *s, const char *ns, att__store_kv **out, size_t *n, att_diag *d)
{
    sq_store *q = sq(s);
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *st = q->st[ST_KV_LIST];
    bind_str(st, 1, ns);
    att__store_kv *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc, err = ATT_OK;
    while ((rc = sq_step(q, st)) == SQLITE_ROW) {
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
        err = sq_fail(q, rc, d, "list keys");
    else if (err == ATT_ENOMEM)
        err = att_diag_fail(d, err, "store.memory", "keys", "out of memory listing keys");
    sq_done(st);
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
    sq_store *q = sq(s);
    int64_t gen = 0, cur = 0;
    int err = wr_begin(q, &gen, d);
    if (err == ATT_OK)
        err = kv_version_locked(q, ns, key, &cur, d);
    if (err == ATT_OK && expect_version != ATT_STORE_ANY_VERSION && cur != expect_version)
        err = att_diag_fail(d, ATT_EMISMATCH, "store.version", "key",
                            "key \"%.100s\" in %.60s has another version", key, ns);
    if (err == ATT_OK) {
        bind_str(q->st[ST_KV_DEL], 1, ns);
        bind_str(q->st[ST_KV_DEL], 2, key);
        err = sq_run(q, ST_KV_DEL, d, "delete key");
    }
    att__store_change c = {ATT_STORE_CHANGE_KV, ns, key, gen};
    return wr_end(q, err, &c, d);
}

/* ---- bulk read ---- */

static int sq_read_all(att__store *s, att__store_data *out, att_diag *d)
{
    sq_store *q = sq(s);
    pthread_mutex_lock(&q->mu);
    /* One read transaction: in WAL mode it sees one committed state throughout, so the
     * generation matches the lists exactly. */
    int err = sq_run(q, ST_BEGIN_READ, d, "begin read");
    if (err == ATT_OK)
        err = gen_locked(q, &out->generation, d);
    if (err == ATT_OK)
        err = prov_list_locked(q, &out->providers, &out->n_providers, d);
    if (err == ATT_OK)
        err = pol_list_locked(q, NULL, &out->policies, &out->n_policies, d);
    err = rd_end(q, err, d);
    pthread_mutex_unlock(&q->mu);
    if (err != ATT_OK)
        att__store_data_clear(out);
    return err;
}

/* ---- open / close ---- */

static void sq_close(att__store *s)
{
    sq_store *q = sq(s);
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(q->st[i]);
    /* In WAL mode the last connection to close checkpoints and removes the -wal file. */
    sqlite3_close_v2(q->db);
    pthread_mutex_destroy(&q->mu);
    att__store_base_fini(&q->base);
    free(q);
}

static const att__store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
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

/* Runs SQL that returns at most one row and copies its first column as text into out
 * (empty when no row). For pragmas at open. */
static int pragma(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    out[0] = 0;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        snprintf(out, cap, "%s", v ? (const char *)v : "");
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Applies pending migrations, each in its own IMMEDIATE transaction (so two processes
 * opening the same new database apply each migration once). */
static int migrate(sq_store *q, att_diag *d)
{
    char buf[32];
    int rc = sqlite3_exec(q->db,
                          "CREATE TABLE IF NOT EXISTS schema_version ("
                          "version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(q, rc, d, "create schema_version");
    for (;;) {
        rc = sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return sq_fail(q, rc, d, "begin migration");
        rc = pragma(q->db, "SELECT coalesce(max(version), 0) FROM schema_version", buf,
                    sizeof(buf));
        if (rc != SQLITE_OK)
            break;
        long v = strtol(buf, NULL, 10);
        if (v > N_MIGRATIONS) {
            sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
            return att_diag_fail(d, ATT_EUNSUPPORTED, "store.schema", "schema_version",
                                 "database schema version %ld is newer than this attestd "
                                 "supports (%d)",
                                 v, N_MIGRATIONS);
        }
        if (v == N_MIGRATIONS) {
            rc = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
            if (rc != SQLITE_OK)
                break;
            return ATT_OK;
        }
        rc = sqlite3_exec(q->db, migrations[v], NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            break;
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(q->db, "INSERT INTO schema_version (version, applied) VALUES (?1, ?2)",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, v + 1);
            sqlite3_bind_int64(st, 2, att__now());
            rc = sqlite3_step(st);
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_OK)
            break;
        rc = sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            break;
        att__info("store migrated", "backend=sqlite schema_version=%ld", v + 1);
    }
    int err = sq_fail(q, rc, d, "migrate schema");
    if (!sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

/* Creates data_dir (0700) if missing and the database file (0600) if missing; tightens
 * the mode of an existing file that group or others can access. *path is malloc'd. */
static int prepare_files(const char *dir, char **path, att_diag *d)
{
    struct stat stb;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return att_diag_fail(d, ATT_EIO, "store.datadir", "data_dir",
                             "cannot create data directory: %s", strerror(errno));
    if (stat(dir, &stb) != 0 || !S_ISDIR(stb.st_mode))
        return att_diag_fail(d, ATT_EIO, "store.datadir", "data_dir",
                             "data directory is not a directory");
    size_t n = strlen(dir) + sizeof("/" ATT_STORE_SQLITE_FILE);
    char *p = malloc(n);
    if (!p)
        return ATT_ENOMEM;
    snprintf(p, n, "%s/%s", dir, ATT_STORE_SQLITE_FILE);

    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        free(p);
        return att_diag_fail(d, ATT_EIO, "store.file", ATT_STORE_SQLITE_FILE,
                             "cannot open database file: %s", strerror(e));
    }
    int err = ATT_OK;
    if (fstat(fd, &stb) != 0 || !S_ISREG(stb.st_mode)) {
        err = att_diag_fail(d, ATT_EIO, "store.file", ATT_STORE_SQLITE_FILE,
                            "database path is not a regular file");
    } else if ((stb.st_mode & 0777) != 0600) {
        if (stb.st_mode & 077)
            att__warn("store file mode tightened", "file=%s mode=%03o", ATT_STORE_SQLITE_FILE,
                      (unsigned)(stb.st_mode & 0777));
        if (fchmod(fd, 0600) != 0)
            err = att_diag_fail(d, ATT_EIO, "store.file", ATT_STORE_SQLITE_FILE,
                                "cannot set database file mode 0600: %s", strerror(errno));
    }
    close(fd);
    if (err != ATT_OK) {
        free(p);
        return err;
    }
    *path = p;
    return ATT_OK;
}

int att__store_sqlite_open(const char *data_dir, int busy_timeout_ms, att__store **out,
                           att_diag *d)
{
    *out = NULL;
    char *path = NULL;
    int err = prepare_files(data_dir, &path, d);
    if (err != ATT_OK)
        return err;

    sq_store *q = calloc(1, sizeof(*q));
    if (!q) {
        free(path);
        return att_diag_fail(d, ATT_ENOMEM, "store.memory", "store", "out of memory");
    }
    if (att__store_base_init(&q->base, &sqlite_ops) != ATT_OK) {
        free(path);
        free(q);
        return att_diag_fail(d, ATT_EINTERNAL, "store.init", "mutex", "cannot create a mutex");
    }
    if (pthread_mutex_init(&q->mu, NULL) != 0) {
        att__store_base_fini(&q->base);
        free(path);
        free(q);
        return att_diag_fail(d, ATT_EINTERNAL, "store.init", "mutex", "cannot create a mutex");
    }

    /* FULLMUTEX on top of our own mutex costs nothing measurable off the hot path and
     * keeps the connection safe should a future change forget the lock. NOFOLLOW refuses
     * a symlink planted where the database should be. */
    int rc = sqlite3_open_v2(path, &q->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
                             NULL);
    free(path);
    if (rc != SQLITE_OK) {
        err = sq_fail(q, rc, d, "open database");
        goto fail;
    }
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, busy_timeout_ms > 0 ? busy_timeout_ms : ATT_STORE_SQLITE_BUSY_MS);
    sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);

    char val[32];
    if ((rc = pragma(q->db, "PRAGMA journal_mode = WAL", val, sizeof(val))) != SQLITE_OK) {
        err = sq_fail(q, rc, d, "set journal mode");
        goto fail;
    }
    if (strcmp(val, "wal") != 0) {
        err = att_diag_fail(d, ATT_ESTORE, "store.wal", "journal_mode",
                            "cannot enable WAL mode (journal mode is \"%s\")", val);
        goto fail;
    }
    if ((rc = pragma(q->db, "PRAGMA synchronous = FULL", val, sizeof(val))) != SQLITE_OK ||
        (rc = pragma(q->db, "PRAGMA trusted_schema = OFF", val, sizeof(val))) != SQLITE_OK ||
        (rc = pragma(q->db, "PRAGMA foreign_keys = ON", val, sizeof(val))) != SQLITE_OK ||
        (rc = pragma(q->db, "PRAGMA foreign_keys", val, sizeof(val))) != SQLITE_OK) {
        err = sq_fail(q, rc, d, "set pragmas");
        goto fail;
    }
    if (strcmp(val, "1") != 0) {
        err = att_diag_fail(d, ATT_ESTORE, "store.fk", "foreign_keys",
                            "this SQLite cannot enforce foreign keys");
        goto fail;
    }

    if ((err = migrate(q, d)) != ATT_OK)
        goto fail;
    for (int i = 0; i < ST__COUNT; i++) {
        rc = sqlite3_prepare_v3(q->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i],
                                NULL);
        if (rc != SQLITE_OK) {
            err = sq_fail(q, rc, d, "prepare statement");
            goto fail;
        }
    }
    int64_t gen = 0;
    if ((err = gen_locked(q, &gen, d)) != ATT_OK)
        goto fail;
    atomic_store(&q->base.notified_gen, gen);
    *out = &q->base;
    return ATT_OK;

fail:
    sq_close(&q->base);
    return err;
}

void att__store_sqlite_fail_nth(att__store *s, int nth)
{
    if (!s || s->ops != &sqlite_ops)
        return;
    sq_store *q = sq(s);
    pthread_mutex_lock(&q->mu);
    q->fault_nth = nth > 0 ? nth : 0;
    q->fault_hit = 0;
    pthread_mutex_unlock(&q->mu);
}
