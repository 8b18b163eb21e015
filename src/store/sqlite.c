/* SQLite backend of the store (sqlite.h): the schema and its migrations, opening the
 * database (files, pragmas), the statement texts and the transaction helpers that
 * sqlite_ops.c builds every operation on.
 *
 * One connection per handle, guarded by one mutex: every operation, read or write, takes
 * the mutex for its whole duration, so prepared statements and transactions of two
 * threads never interleave. The store is off the request hot path (DESIGN.md §2), so a
 * single connection is plenty; WAL mode still lets other processes read while we write.
 * Writes: BEGIN IMMEDIATE, advance the generation, the statements, COMMIT; any failure
 * rolls the whole transaction back. Watchers are called after the mutex is released.
 * docs/internals/store.md explains the pragmas. */
#include "store/sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/timeutil.h"

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

/* ---- statement texts ---- */

#define PROV_COLS "name, issuer, host, trust_mode, created, version"
#define POL_COLS  "provider, type, jws, text, version, updated"

const char *const att__sq_stmt_sql[ATT_SQ__COUNT] = {
    [ATT_SQ_BEGIN_READ] = "BEGIN",
    [ATT_SQ_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [ATT_SQ_COMMIT] = "COMMIT",
    [ATT_SQ_ROLLBACK] = "ROLLBACK",
    [ATT_SQ_GEN_GET] = "SELECT value FROM meta WHERE key = 'generation'",
    [ATT_SQ_GEN_BUMP] =
        "UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value",
    [ATT_SQ_PROV_PUT] = "INSERT INTO providers (" PROV_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                        "ON CONFLICT (name) DO UPDATE SET issuer = excluded.issuer, "
                        "host = excluded.host, trust_mode = excluded.trust_mode, "
                        "version = excluded.version",
    [ATT_SQ_PROV_GET] = "SELECT " PROV_COLS " FROM providers WHERE name = ?1",
    [ATT_SQ_PROV_EXISTS] = "SELECT 1 FROM providers WHERE name = ?1",
    [ATT_SQ_PROV_LIST] = "SELECT " PROV_COLS " FROM providers ORDER BY name",
    [ATT_SQ_PROV_DEL] = "DELETE FROM providers WHERE name = ?1",
    [ATT_SQ_POL_PUT] = "INSERT INTO policies (" POL_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                       "ON CONFLICT (provider, type) DO UPDATE SET jws = excluded.jws, "
                       "text = excluded.text, version = excluded.version, "
                       "updated = excluded.updated",
    [ATT_SQ_POL_GET] = "SELECT " POL_COLS " FROM policies WHERE provider = ?1 AND type = ?2",
    [ATT_SQ_POL_LIST_ALL] = "SELECT " POL_COLS " FROM policies ORDER BY provider, type",
    [ATT_SQ_POL_LIST_ONE] = "SELECT " POL_COLS " FROM policies WHERE provider = ?1 ORDER BY type",
    [ATT_SQ_POL_DEL] = "DELETE FROM policies WHERE provider = ?1 AND type = ?2",
    [ATT_SQ_KV_GET] = "SELECT value, version FROM kv WHERE ns = ?1 AND key = ?2",
    [ATT_SQ_KV_UPSERT] =
        "INSERT INTO kv (ns, key, value, version, updated) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, "
        "version = excluded.version, updated = excluded.updated",
    [ATT_SQ_KV_CREATE] =
        "INSERT INTO kv (ns, key, value, version, updated) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (ns, key) DO NOTHING",
    [ATT_SQ_KV_REPLACE] = "UPDATE kv SET value = ?3, version = ?4, updated = ?5 "
                          "WHERE ns = ?1 AND key = ?2 AND version = ?6",
    [ATT_SQ_KV_DEL] = "DELETE FROM kv WHERE ns = ?1 AND key = ?2",
    [ATT_SQ_KV_LIST] = "SELECT key, value, version, updated FROM kv WHERE ns = ?1 ORDER BY key",
};

/* ---- statement helpers ---- */

/* Maps a SQLite result code to an att_err and records why `what` failed. Called with the
 * mutex held, so the connection's error message is still ours. */
int att__sq_fail(att__sq_store *q, int rc, att_diag *d, const char *what)
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
    return att_diag_fail(d, err,
                         (rc & 0xff) == SQLITE_CONSTRAINT ? "store.constraint" : "store.sqlite",
                         what, "%s: %s", what, q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
}

/* Steps st once. Inside a write transaction the step counts toward the injected fault. */
int att__sq_step(att__sq_store *q, sqlite3_stmt *st)
{
    if (q->in_write && q->fault_nth > 0 && --q->fault_nth == 0) {
        q->fault_hit = 1;
        return SQLITE_IOERR;
    }
    return sqlite3_step(st);
}

/* Makes a statement ready for its next use. */
void att__sq_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Runs a statement that returns no rows to completion; ATT_OK or the mapped failure. */
int att__sq_run(att__sq_store *q, enum att__sq_stmt id, att_diag *d, const char *what)
{
    sqlite3_stmt *st = q->st[id];
    int rc = att__sq_step(q, st);
    int err = rc == SQLITE_DONE ? ATT_OK : att__sq_fail(q, rc, d, what);
    att__sq_done(st);
    return err;
}

/* ---- transactions ---- */

/* Starts a write: takes the mutex, BEGIN IMMEDIATE (waiting up to the busy timeout for
 * another process), and advances the generation into *gen. The mutex is held on return
 * whatever the result; att__sq_wr_end releases it. */
int att__sq_wr_begin(att__sq_store *q, int64_t *gen, att_diag *d)
{
    pthread_mutex_lock(&q->mu);
    q->in_write = 1;
    int err = att__sq_run(q, ATT_SQ_BEGIN_WRITE, d, "begin write");
    if (err != ATT_OK)
        return err;
    sqlite3_stmt *st = q->st[ATT_SQ_GEN_BUMP];
    int rc = att__sq_step(q, st);
    if (rc == SQLITE_ROW) {
        *gen = sqlite3_column_int64(st, 0);
        err = ATT_OK;
    } else {
        err = att__sq_fail(q, rc, d, "advance generation");
    }
    att__sq_done(st);
    return err;
}

/* Ends a write begun by att__sq_wr_begin: COMMIT when err is ATT_OK, else (or when COMMIT fails)
 * ROLLBACK. Releases the mutex, then tells the watchers about a committed change c. */
int att__sq_wr_end(att__sq_store *q, int err, const att__store_change *c, att_diag *d)
{
    if (err == ATT_OK)
        err = att__sq_run(q, ATT_SQ_COMMIT, d, "commit");
    if (err != ATT_OK && !sqlite3_get_autocommit(q->db)) {
        /* Not fault-counted: the rollback is what we are testing. SQLite may already have
         * rolled back on its own (I/O errors, out of memory): get_autocommit says so. */
        q->in_write = 0;
        sqlite3_step(q->st[ATT_SQ_ROLLBACK]);
        att__sq_done(q->st[ATT_SQ_ROLLBACK]);
    }
    q->in_write = 0;
    pthread_mutex_unlock(&q->mu);
    if (err == ATT_OK && c)
        att__store_notify(&q->base, c);
    return err;
}

/* Ends a read transaction (COMMIT, or ROLLBACK after a failure). Mutex held. */
int att__sq_rd_end(att__sq_store *q, int err, att_diag *d)
{
    if (err == ATT_OK)
        err = att__sq_run(q, ATT_SQ_COMMIT, d, "end read");
    if (err != ATT_OK && !sqlite3_get_autocommit(q->db)) {
        sqlite3_step(q->st[ATT_SQ_ROLLBACK]);
        att__sq_done(q->st[ATT_SQ_ROLLBACK]);
    }
    return err;
}

/* ---- generation ---- */

int att__sq_gen_locked(att__sq_store *q, int64_t *gen, att_diag *d)
{
    sqlite3_stmt *st = q->st[ATT_SQ_GEN_GET];
    int rc = att__sq_step(q, st);
    int err = ATT_OK;
    if (rc == SQLITE_ROW)
        *gen = sqlite3_column_int64(st, 0);
    else
        err = rc == SQLITE_DONE
                  ? att_diag_fail(d, ATT_ESTORE, "store.schema", "meta", "generation row missing")
                  : att__sq_fail(q, rc, d, "read generation");
    att__sq_done(st);
    return err;
}

/* ---- open / close ---- */

void att__sq_close(att__store *s)
{
    att__sq_store *q = att__sq(s);
    for (int i = 0; i < ATT_SQ__COUNT; i++)
        sqlite3_finalize(q->st[i]);
    /* In WAL mode the last connection to close checkpoints and removes the -wal file. */
    sqlite3_close_v2(q->db);
    pthread_mutex_destroy(&q->mu);
    att__store_base_fini(&q->base);
    free(q);
}

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
static int migrate(att__sq_store *q, att_diag *d)
{
    char buf[32];
    int rc = sqlite3_exec(q->db,
                          "CREATE TABLE IF NOT EXISTS schema_version ("
                          "version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return att__sq_fail(q, rc, d, "create schema_version");
    for (;;) {
        rc = sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return att__sq_fail(q, rc, d, "begin migration");
        rc =
            pragma(q->db, "SELECT coalesce(max(version), 0) FROM schema_version", buf, sizeof(buf));
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
        rc = sqlite3_prepare_v2(
            q->db, "INSERT INTO schema_version (version, applied) VALUES (?1, ?2)", -1, &st, NULL);
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
    int err = att__sq_fail(q, rc, d, "migrate schema");
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

int att__store_sqlite_open(const char *data_dir, int busy_timeout_ms, att__store **out, att_diag *d)
{
    *out = NULL;
    char *path = NULL;
    int err = prepare_files(data_dir, &path, d);
    if (err != ATT_OK)
        return err;

    att__sq_store *q = calloc(1, sizeof(*q));
    if (!q) {
        free(path);
        return att_diag_fail(d, ATT_ENOMEM, "store.memory", "store", "out of memory");
    }
    if (att__store_base_init(&q->base, &att__sq_ops) != ATT_OK) {
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
    int rc = sqlite3_open_v2(
        path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
    free(path);
    if (rc != SQLITE_OK) {
        err = att__sq_fail(q, rc, d, "open database");
        goto fail;
    }
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, busy_timeout_ms > 0 ? busy_timeout_ms : ATT_STORE_SQLITE_BUSY_MS);
    sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);

    char val[32];
    if ((rc = pragma(q->db, "PRAGMA journal_mode = WAL", val, sizeof(val))) != SQLITE_OK) {
        err = att__sq_fail(q, rc, d, "set journal mode");
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
        err = att__sq_fail(q, rc, d, "set pragmas");
        goto fail;
    }
    if (strcmp(val, "1") != 0) {
        err = att_diag_fail(d, ATT_ESTORE, "store.fk", "foreign_keys",
                            "this SQLite cannot enforce foreign keys");
        goto fail;
    }

    if ((err = migrate(q, d)) != ATT_OK)
        goto fail;
    for (int i = 0; i < ATT_SQ__COUNT; i++) {
        rc = sqlite3_prepare_v3(q->db, att__sq_stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                &q->st[i], NULL);
        if (rc != SQLITE_OK) {
            err = att__sq_fail(q, rc, d, "prepare statement");
            goto fail;
        }
    }
    int64_t gen = 0;
    if ((err = att__sq_gen_locked(q, &gen, d)) != ATT_OK)
        goto fail;
    atomic_store(&q->base.notified_gen, gen);
    *out = &q->base;
    return ATT_OK;

fail:
    att__sq_close(&q->base);
    return err;
}

void att__store_sqlite_fail_nth(att__store *s, int nth)
{
    if (!s || s->ops != &att__sq_ops)
        return;
    att__sq_store *q = att__sq(s);
    pthread_mutex_lock(&q->mu);
    q->fault_nth = nth > 0 ? nth : 0;
    q->fault_hit = 0;
    pthread_mutex_unlock(&q->mu);
}
