/* Unit tests for src/store: schema migration, CRUD of providers, policies and key/value
 * records, versions, rollback of a failed write, file mode, WAL, change notification,
 * concurrent writers and a SIGKILL crash test. */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attest/error.h"
#include "core/codec.h"
#include "store/sqlite.h"
#include "store/store.h"

/* ---- fixture: a store in a fresh temporary directory ---- */

typedef struct fixture {
    char dir[256];
    char db[300];
    att__store *s;
} fixture;

static att__store *open_store(const char *dir)
{
    att__store_config cfg = {.backend = "sqlite", .data_dir = dir};
    att__store *s = NULL;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__store_open(&cfg, &s, &d);
    if (rc != ATT_OK)
        fail_msg("store open: %s", d.message);
    return s;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "%s", tu_tmpdir());
    snprintf(f->db, sizeof(f->db), "%s/%s", f->dir, ATT_STORE_SQLITE_FILE);
    f->s = open_store(f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    att__store_close(f->s);
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

static void put_provider(att__store *s, const char *name, const char *host)
{
    char issuer[300];
    snprintf(issuer, sizeof(issuer), "https://%s", host);
    att__store_provider p = {
        .name = (char *)name, .issuer = issuer, .host = (char *)host, .trust_mode = "aad"};
    assert_int_equal(att__store_provider_put(s, &p, NULL, NULL), ATT_OK);
}

static int64_t generation(att__store *s)
{
    int64_t g = -1;
    assert_int_equal(att__store_generation(s, &g, NULL), ATT_OK);
    return g;
}

/* First column of the first row of sql on a raw connection to the database, as text. */
static void raw_query(const char *db, const char *sql, char *out, size_t cap)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    out[0] = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    else
        assert_true(rc == SQLITE_DONE || rc == SQLITE_ROW);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* ---- schema ---- */

static void open_migrates_and_reopens(void **state)
{
    fixture *f = *state;
    char v[64];
    raw_query(f->db, "SELECT max(version) FROM schema_version", v, sizeof(v));
    assert_string_equal(v, "1");
    raw_query(f->db, "PRAGMA journal_mode", v, sizeof(v));
    assert_string_equal(v, "wal");
    assert_int_equal(generation(f->s), 0);
    assert_string_equal(att__store_backend(f->s), "sqlite");
    assert_int_equal(att__store_ping(f->s, NULL), ATT_OK);

    put_provider(f->s, "default", "localhost");
    att__store_close(f->s);
    f->s = open_store(f->dir); /* reopening applies nothing and keeps the data */
    att__store_close(f->s);
    f->s = open_store(f->dir);
    raw_query(f->db, "SELECT count(*) FROM schema_version", v, sizeof(v));
    assert_string_equal(v, "1");
    assert_int_equal(generation(f->s), 1);
    att__store_provider p;
    assert_int_equal(att__store_provider_get(f->s, "default", &p, NULL), ATT_OK);
    assert_string_equal(p.host, "localhost");
    att__store_provider_clear(&p);
}

static void newer_schema_is_refused(void **state)
{
    fixture *f = *state;
    att__store_close(f->s);
    f->s = NULL;
    char v[16];
    raw_query(f->db,
              "INSERT INTO schema_version (version, applied) VALUES (99, 0) RETURNING version", v,
              sizeof(v));
    att__store_config cfg = {.data_dir = f->dir};
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__store_open(&cfg, &f->s, &d), ATT_EUNSUPPORTED);
    assert_null(f->s);
    assert_non_null(strstr(d.message, "newer"));
    raw_query(f->db, "DELETE FROM schema_version WHERE version = 99 RETURNING version", v,
              sizeof(v));
    f->s = open_store(f->dir);
}

static void bad_config_is_refused(void **state)
{
    att__store *s = (att__store *)1;
    att__store_config cfg = {.backend = "oracle", .data_dir = "x"};
    assert_int_equal(att__store_open(&cfg, &s, NULL), ATT_EUNSUPPORTED);
    assert_null(s);
    cfg.backend = NULL;
    cfg.data_dir = NULL;
    assert_int_equal(att__store_open(&cfg, &s, NULL), ATT_EINVAL);
}

static void file_mode_and_wal(void **state)
{
    fixture *f = *state;
    struct stat st;
    assert_int_equal(stat(f->db, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(f->dir, &st), 0);
    put_provider(f->s, "p", "p.example");
    char wal[320];
    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    assert_int_equal(stat(wal, &st), 0); /* WAL mode keeps a -wal file while open */
    assert_int_equal(st.st_mode & 0777, 0600);

    /* A database file that others can read is tightened at open. */
    att__store_close(f->s);
    assert_int_equal(chmod(f->db, 0644), 0);
    f->s = open_store(f->dir);
    assert_int_equal(stat(f->db, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* A data directory that does not exist yet is created 0700. */
    char sub[300];
    snprintf(sub, sizeof(sub), "%s/sub", f->dir);
    att__store *s2 = open_store(sub);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    att__store_close(s2);
}

/* ---- providers ---- */

static void provider_crud(void **state)
{
    fixture *f = *state;
    att__store_provider p = {.name = "t1",
                             .issuer = "https://t1.example",
                             .host = "t1.example",
                             .trust_mode = "isolated"};
    int64_t v1 = 0, v2 = 0;
    assert_int_equal(att__store_provider_put(f->s, &p, &v1, NULL), ATT_OK);
    assert_int_equal(v1, 1);

    att__store_provider got;
    assert_int_equal(att__store_provider_get(f->s, "t1", &got, NULL), ATT_OK);
    assert_string_equal(got.issuer, "https://t1.example");
    assert_string_equal(got.trust_mode, "isolated");
    assert_int_equal(got.version, v1);
    int64_t created = got.created;
    assert_true(created > 1700000000);
    att__store_provider_clear(&got);

    p.issuer = "https://t1.example/x";
    assert_int_equal(att__store_provider_put(f->s, &p, &v2, NULL), ATT_OK);
    assert_true(v2 > v1);
    assert_int_equal(att__store_provider_get(f->s, "t1", &got, NULL), ATT_OK);
    assert_string_equal(got.issuer, "https://t1.example/x");
    assert_int_equal(got.created, created); /* kept on update */
    assert_int_equal(got.version, v2);
    att__store_provider_clear(&got);

    /* Hosts are unique, case-insensitively. */
    att__store_provider clash = {
        .name = "t2", .issuer = "https://x", .host = "T1.EXAMPLE", .trust_mode = "aad"};
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__store_provider_put(f->s, &clash, NULL, &d), ATT_EINVAL);
    assert_string_equal(d.reason, "store.constraint");
    clash.trust_mode = "other";
    assert_int_equal(att__store_provider_put(f->s, &clash, NULL, NULL), ATT_EINVAL);
    put_provider(f->s, "a0", "a0.example");

    att__store_provider *list = NULL;
    size_t n = 0;
    assert_int_equal(att__store_provider_list(f->s, &list, &n, NULL), ATT_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "a0");
    assert_string_equal(list[1].name, "t1");
    att__store_providers_free(list, n);

    assert_int_equal(att__store_provider_delete(f->s, "t1", NULL), ATT_OK);
    assert_int_equal(att__store_provider_delete(f->s, "t1", NULL), ATT_ENOTFOUND);
    assert_int_equal(att__store_provider_get(f->s, "t1", &got, NULL), ATT_ENOTFOUND);
    assert_int_equal(att__store_provider_get(f->s, "", &got, NULL), ATT_EINVAL);
}

/* ---- policies ---- */

static void policy_crud_and_versions(void **state)
{
    fixture *f = *state;
    const char *jws = "eyJhbGciOiJub25lIn0.e30.";
    const char *text = "version=1.0; authorizationrules{=> permit();}; issuancerules{};";
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__store_policy_put(f->s, "nobody", "Tpm", jws, strlen(jws), text,
                                           strlen(text), NULL, &d),
                     ATT_ENOTFOUND);
    assert_non_null(strstr(d.message, "nobody"));
    assert_int_equal(generation(f->s), 0); /* the failed write left nothing behind */

    put_provider(f->s, "p", "p.example");
    int64_t v1 = 0, v2 = 0, v3 = 0;
    assert_int_equal(
        att__store_policy_put(f->s, "p", "Tpm", jws, strlen(jws), text, strlen(text), &v1, NULL),
        ATT_OK);
    assert_int_equal(att__store_policy_put(f->s, "p", "SgxEnclave", "a.b.", 4, "x", 1, &v2, NULL),
                     ATT_OK);
    assert_int_equal(att__store_policy_put(f->s, "p", "Tpm", "c.d.", 4, "", 0, &v3, NULL), ATT_OK);
    assert_true(v1 < v2 && v2 < v3);
    assert_int_equal(generation(f->s), v3);

    att__store_policy pol;
    assert_int_equal(att__store_policy_get(f->s, "p", "Tpm", &pol, NULL), ATT_OK);
    assert_string_equal(pol.jws, "c.d.");
    assert_int_equal(pol.jws_len, 4);
    assert_string_equal(pol.text, "");
    assert_int_equal(pol.text_len, 0);
    assert_int_equal(pol.version, v3);
    assert_true(pol.updated > 1700000000);
    att__store_policy_clear(&pol);

    att__store_policy *list = NULL;
    size_t n = 0;
    assert_int_equal(att__store_policy_list(f->s, "p", &list, &n, NULL), ATT_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].type, "SgxEnclave");
    assert_string_equal(list[1].type, "Tpm");
    att__store_policies_free(list, n);

    /* A NUL inside the text is refused (stored as text), as is an empty JWS. */
    assert_int_equal(att__store_policy_put(f->s, "p", "Tpm", "a", 1, "a\0b", 3, NULL, NULL),
                     ATT_EINVAL);
    assert_int_equal(att__store_policy_put(f->s, "p", "Tpm", "", 0, "a", 1, NULL, NULL),
                     ATT_EINVAL);

    assert_int_equal(att__store_policy_delete(f->s, "p", "Tpm", NULL), ATT_OK);
    int64_t g = generation(f->s);
    assert_int_equal(att__store_policy_delete(f->s, "p", "Tpm", NULL), ATT_ENOTFOUND);
    assert_int_equal(generation(f->s), g);
    assert_int_equal(att__store_policy_get(f->s, "p", "Tpm", &pol, NULL), ATT_ENOTFOUND);

    /* After a delete the version still grows: versions are never reused. */
    int64_t v4 = 0;
    assert_int_equal(att__store_policy_put(f->s, "p", "Tpm", "e.f.", 4, "y", 1, &v4, NULL), ATT_OK);
    assert_true(v4 > g);

    /* Deleting the provider deletes its policies. */
    assert_int_equal(att__store_provider_delete(f->s, "p", NULL), ATT_OK);
    assert_int_equal(att__store_policy_list(f->s, NULL, &list, &n, NULL), ATT_OK);
    assert_int_equal(n, 0);
    att__store_policies_free(list, n);
}

/* ---- key/value ---- */

static void kv_crud_and_conditions(void **state)
{
    fixture *f = *state;
    int64_t v1 = 0, v2 = 0;
    assert_int_equal(att__store_kv_put(f->s, "signers", "k1", "abc", 3, 0, &v1, NULL), ATT_OK);
    assert_int_equal(att__store_kv_put(f->s, "signers", "k1", "zzz", 3, 0, NULL, NULL),
                     ATT_EMISMATCH); /* create-only */
    assert_int_equal(att__store_kv_put(f->s, "signers", "k1", "zzz", 3, v1 + 100, NULL, NULL),
                     ATT_EMISMATCH); /* wrong version */
    assert_int_equal(att__store_kv_put(f->s, "signers", "k1", "defg", 4, v1, &v2, NULL), ATT_OK);
    assert_true(v2 > v1);
    assert_int_equal(
        att__store_kv_put(f->s, "signers", "k0", NULL, 0, ATT_STORE_ANY_VERSION, NULL, NULL),
        ATT_OK);
    assert_int_equal(
        att__store_kv_put(f->s, "monitor", "k1", "\0\1\2", 3, ATT_STORE_ANY_VERSION, NULL, NULL),
        ATT_OK);

    uint8_t *val = NULL;
    size_t len = 0;
    int64_t ver = 0;
    assert_int_equal(att__store_kv_get(f->s, "signers", "k1", &val, &len, &ver, NULL), ATT_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(val, "defg", 4);
    assert_int_equal(ver, v2);
    free(val);
    assert_int_equal(att__store_kv_get(f->s, "monitor", "k1", &val, &len, NULL, NULL), ATT_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(val, "\0\1\2", 3);
    free(val);
    assert_int_equal(att__store_kv_get(f->s, "signers", "k0", &val, &len, NULL, NULL), ATT_OK);
    assert_int_equal(len, 0);
    free(val);
    assert_int_equal(att__store_kv_get(f->s, "signers", "nope", &val, &len, NULL, NULL),
                     ATT_ENOTFOUND);
    assert_null(val);

    att__store_kv *list = NULL;
    size_t n = 0;
    assert_int_equal(att__store_kv_list(f->s, "signers", &list, &n, NULL), ATT_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].key, "k0");
    assert_string_equal(list[1].key, "k1");
    assert_int_equal(list[1].len, 4);
    att__store_kvs_free(list, n);

    assert_int_equal(att__store_kv_delete(f->s, "signers", "k1", v1, NULL), ATT_EMISMATCH);
    assert_int_equal(att__store_kv_delete(f->s, "signers", "k1", v2, NULL), ATT_OK);
    assert_int_equal(att__store_kv_delete(f->s, "signers", "k1", ATT_STORE_ANY_VERSION, NULL),
                     ATT_ENOTFOUND);
    assert_int_equal(att__store_kv_delete(f->s, "signers", "k0", 0, NULL), ATT_EINVAL);
    uint8_t big[16];
    assert_int_equal(att__store_kv_put(f->s, "signers", "big", big, ATT_STORE_MAX_VALUE + 1,
                                       ATT_STORE_ANY_VERSION, NULL, NULL),
                     ATT_EINVAL);
}

/* ---- rollback ---- */

static void failed_writes_roll_back(void **state)
{
    fixture *f = *state;
    put_provider(f->s, "p", "p.example");
    assert_int_equal(att__store_policy_put(f->s, "p", "Tpm", "old.jws.", 8, "old", 3, NULL, NULL),
                     ATT_OK);
    int64_t g = generation(f->s);

    /* policy_put runs BEGIN, the generation bump, the provider check, the upsert and
     * COMMIT: break each in turn. Nothing may change, not even the generation. */
    for (int nth = 1; nth <= 5; nth++) {
        att__store_sqlite_fail_nth(f->s, nth);
        att_diag d;
        att_diag_clear(&d);
        assert_int_equal(att__store_policy_put(f->s, "p", "Tpm", "new.jws.", 8, "new", 3, NULL, &d),
                         ATT_ESTORE);
        assert_non_null(strstr(d.message, "injected"));
        assert_int_equal(generation(f->s), g);
        att__store_policy pol;
        assert_int_equal(att__store_policy_get(f->s, "p", "Tpm", &pol, NULL), ATT_OK);
        assert_string_equal(pol.jws, "old.jws.");
        assert_string_equal(pol.text, "old");
        att__store_policy_clear(&pol);
    }
    /* Deleting a provider cascades to its policies; a failed commit keeps both. */
    att__store_sqlite_fail_nth(f->s, 4);
    assert_int_equal(att__store_provider_delete(f->s, "p", NULL), ATT_ESTORE);
    att__store_policy *list = NULL;
    size_t n = 0;
    assert_int_equal(att__store_policy_list(f->s, "p", &list, &n, NULL), ATT_OK);
    assert_int_equal(n, 1);
    att__store_policies_free(list, n);
    /* The hook is spent: the next write succeeds. */
    assert_int_equal(att__store_policy_put(f->s, "p", "Tpm", "new.jws.", 8, "new", 3, NULL, NULL),
                     ATT_OK);
    assert_int_equal(generation(f->s), g + 1);
}

/* ---- watch ---- */

typedef struct watch_log {
    att__store *s;
    int calls;
    int kind;
    char a[64], b[64];
    int64_t gen;
    int saw_committed; /* the callback could read what was committed */
    int unwatch_rc;
    int self_id;
} watch_log;

static void on_change(void *arg, const att__store_change *c)
{
    watch_log *w = arg;
    w->calls++;
    w->kind = c->kind;
    snprintf(w->a, sizeof(w->a), "%s", c->a ? c->a : "");
    snprintf(w->b, sizeof(w->b), "%s", c->b ? c->b : "");
    w->gen = c->generation;
    int64_t g = 0;
    w->saw_committed = att__store_generation(w->s, &g, NULL) == ATT_OK && g >= c->generation;
    w->unwatch_rc = att__store_unwatch(w->s, w->self_id);
}

static void watch_fires_after_commit(void **state)
{
    fixture *f = *state;
    watch_log w = {.s = f->s};
    int id = 0;
    assert_int_equal(att__store_watch(f->s, on_change, &w, &id), ATT_OK);
    w.self_id = id;

    put_provider(f->s, "p", "p.example");
    assert_int_equal(w.calls, 1);
    assert_int_equal(w.kind, ATT_STORE_CHANGE_PROVIDER);
    assert_string_equal(w.a, "p");
    assert_int_equal(w.gen, 1);
    assert_true(w.saw_committed);
    assert_int_equal(w.unwatch_rc, ATT_EBUSY); /* not from inside a callback */

    assert_int_equal(att__store_policy_put(f->s, "p", "TdxVm", "j.w.", 4, "t", 1, NULL, NULL),
                     ATT_OK);
    assert_int_equal(w.calls, 2);
    assert_int_equal(w.kind, ATT_STORE_CHANGE_POLICY);
    assert_string_equal(w.b, "TdxVm");

    /* Failed writes and no-op deletes notify nobody. */
    att__store_sqlite_fail_nth(f->s, 3);
    assert_int_equal(att__store_policy_put(f->s, "p", "TdxVm", "x.y.", 4, "t", 1, NULL, NULL),
                     ATT_ESTORE);
    assert_int_equal(att__store_policy_delete(f->s, "p", "Tpm", NULL), ATT_ENOTFOUND);
    assert_int_equal(w.calls, 2);

    /* A change made through another handle (another process) is seen by poll. */
    att__store *other = open_store(f->dir);
    assert_int_equal(att__store_kv_put(other, "ns", "k", "v", 1, ATT_STORE_ANY_VERSION, NULL, NULL),
                     ATT_OK);
    att__store_close(other);
    assert_int_equal(w.calls, 2);
    assert_int_equal(att__store_poll(f->s, NULL), ATT_OK);
    assert_int_equal(w.calls, 3);
    assert_int_equal(w.kind, ATT_STORE_CHANGE_EXTERNAL);
    assert_int_equal(w.gen, 3);
    assert_int_equal(att__store_poll(f->s, NULL), ATT_OK); /* nothing new */
    assert_int_equal(w.calls, 3);

    assert_int_equal(att__store_unwatch(f->s, id), ATT_OK);
    assert_int_equal(att__store_unwatch(f->s, id), ATT_ENOTFOUND);
    put_provider(f->s, "q", "q.example");
    assert_int_equal(w.calls, 3);

    int ids[ATT_STORE_MAX_WATCHERS];
    for (size_t i = 0; i < ATT_STORE_MAX_WATCHERS; i++)
        assert_int_equal(att__store_watch(f->s, on_change, &w, &ids[i]), ATT_OK);
    assert_int_equal(att__store_watch(f->s, on_change, &w, &id), ATT_ELIMIT);
    for (size_t i = 0; i < ATT_STORE_MAX_WATCHERS; i++)
        assert_int_equal(att__store_unwatch(f->s, ids[i]), ATT_OK);
}

/* ---- threads ---- */

#define WRITERS 4
#define WRITES  40

typedef struct writer_arg {
    att__store *s;
    int idx;
    int failures;
} writer_arg;

static void *writer(void *p)
{
    writer_arg *a = p;
    char key[32];
    for (int i = 0; i < WRITES; i++) {
        snprintf(key, sizeof(key), "w%d-%d", a->idx, i);
        if (att__store_kv_put(a->s, "threads", key, key, strlen(key), ATT_STORE_ANY_VERSION, NULL,
                              NULL) != ATT_OK)
            a->failures++;
        int64_t g;
        if (att__store_generation(a->s, &g, NULL) != ATT_OK)
            a->failures++;
    }
    return NULL;
}

static atomic_int count_calls;
static void count_change(void *arg, const att__store_change *c)
{
    atomic_fetch_add(&count_calls, 1);
}

static void concurrent_writers(void **state)
{
    fixture *f = *state;
    int id;
    atomic_store(&count_calls, 0);
    assert_int_equal(att__store_watch(f->s, count_change, NULL, &id), ATT_OK);
    pthread_t th[WRITERS];
    writer_arg args[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        args[i] = (writer_arg){.s = f->s, .idx = i};
        assert_int_equal(pthread_create(&th[i], NULL, writer, &args[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    assert_int_equal(att__store_unwatch(f->s, id), ATT_OK);
    assert_int_equal(generation(f->s), WRITERS * WRITES);
    assert_int_equal(atomic_load(&count_calls), WRITERS * WRITES);
    att__store_kv *list = NULL;
    size_t n = 0;
    assert_int_equal(att__store_kv_list(f->s, "threads", &list, &n, NULL), ATT_OK);
    assert_int_equal(n, WRITERS * WRITES);
    /* Every version is distinct: each write got its own generation. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_true(list[i].version != list[j].version);
    att__store_kvs_free(list, n);
}

/* ---- crash ---- */

#define CRASH_TYPES 3
static const char *const crash_types[CRASH_TYPES] = {"SgxEnclave", "Tpm", "SevSnpVm"};
#define CRASH_FILL 3000 /* bytes of filler: each policy spans pages */

/* The text of write number seq: "seq=<n>;" + filler + ";end". */
static char *crash_text(long seq)
{
    char *t = malloc(CRASH_FILL + 64);
    int n = snprintf(t, 64, "seq=%ld;", seq);
    for (int i = 0; i < CRASH_FILL; i++)
        t[n + i] = (char)('a' + (seq + i) % 26);
    memcpy(t + n + CRASH_FILL, ";end", 5);
    return t;
}

/* The JWS stored with a text: an unsigned wrapper, so it can be checked against it. */
static char *crash_jws(const char *text)
{
    char *b = att__b64_encode_alloc(text, strlen(text), ATT_B64_URL);
    size_t n = strlen(b) + 32;
    char *j = malloc(n);
    snprintf(j, n, "eyJhbGciOiJub25lIn0.%s.", b);
    free(b);
    return j;
}

/* The child: writes policies and a counter in a loop until killed. Reports on fd after
 * its first writes so the parent kills it mid-stream. Never returns. */
static void crash_child(const char *dir, int fd)
{
    att__store_config cfg = {.data_dir = dir};
    att__store *s = NULL;
    if (att__store_open(&cfg, &s, NULL) != ATT_OK)
        _exit(2);
    for (long seq = 1; seq < 1000000; seq++) {
        char *text = crash_text(seq);
        char *jws = crash_jws(text);
        if (att__store_policy_put(s, "p", crash_types[seq % CRASH_TYPES], jws, strlen(jws), text,
                                  strlen(text), NULL, NULL) != ATT_OK)
            _exit(3);
        char num[32];
        int n = snprintf(num, sizeof(num), "%ld", seq);
        if (att__store_kv_put(s, "crash", "seq", num, (size_t)n, ATT_STORE_ANY_VERSION, NULL,
                              NULL) != ATT_OK)
            _exit(4);
        free(text);
        free(jws);
        if (seq == 20 && write(fd, "x", 1) != 1)
            _exit(5);
    }
    _exit(0);
}

static void crash_leaves_complete_records(void **state)
{
    fixture *f = *state;
    put_provider(f->s, "p", "p.example");
    att__store_close(f->s);
    f->s = NULL;

    for (int round = 0; round < 3; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_child(f->dir, fds[1]);
        }
        close(fds[1]);
        char c;
        assert_int_equal(read(fds[0], &c, 1), 1);
        close(fds[0]);
        struct timespec ts = {0, (long)(round + 1) * 7 * 1000 * 1000};
        nanosleep(&ts, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        char v[64];
        raw_query(f->db, "PRAGMA integrity_check", v, sizeof(v));
        assert_string_equal(v, "ok");

        f->s = open_store(f->dir);
        int64_t gen = generation(f->s);
        att__store_policy *pols = NULL;
        size_t n = 0;
        assert_int_equal(att__store_policy_list(f->s, "p", &pols, &n, NULL), ATT_OK);
        assert_int_equal(n, CRASH_TYPES);
        long maxseq = 0;
        for (size_t i = 0; i < n; i++) {
            long seq = strtol(pols[i].text + 4, NULL, 10);
            assert_true(seq > 0);
            char *text = crash_text(seq);
            char *jws = crash_jws(text);
            assert_string_equal(pols[i].text, text); /* complete, not torn */
            assert_string_equal(pols[i].jws, jws);
            assert_true(pols[i].version <= gen);
            if (seq > maxseq)
                maxseq = seq;
            free(text);
            free(jws);
        }
        att__store_policies_free(pols, n);
        /* The counter is written after each policy: it is the last policy or one behind. */
        uint8_t *val = NULL;
        size_t len = 0;
        assert_int_equal(att__store_kv_get(f->s, "crash", "seq", &val, &len, NULL, NULL), ATT_OK);
        long kseq = strtol((char *)val, NULL, 10);
        free(val);
        assert_true(kseq == maxseq || kseq == maxseq - 1);
        att__store_close(f->s);
        f->s = NULL;
    }
    f->s = open_store(f->dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(open_migrates_and_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_schema_is_refused, setup, teardown),
        cmocka_unit_test(bad_config_is_refused),
        cmocka_unit_test_setup_teardown(file_mode_and_wal, setup, teardown),
        cmocka_unit_test_setup_teardown(provider_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(policy_crud_and_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(kv_crud_and_conditions, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_writes_roll_back, setup, teardown),
        cmocka_unit_test_setup_teardown(watch_fires_after_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(crash_leaves_complete_records, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
