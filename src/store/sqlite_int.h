/* Internals of the SQLite backend shared by sqlite.c (schema, open, transactions) and
 * sqlite_ops.c (record operations). Only those two files include it. */
#ifndef ATT_STORE_SQLITE_INT_H
#define ATT_STORE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/sqlite.h"
#include "store/store_backend.h"

/* Prepared statements, made once at open (att__sq_stmt_sql holds their text). */
enum att__sq_stmt {
    ATT_SQ_BEGIN_READ,
    ATT_SQ_BEGIN_WRITE,
    ATT_SQ_COMMIT,
    ATT_SQ_ROLLBACK,
    ATT_SQ_GEN_GET,
    ATT_SQ_GEN_BUMP,
    ATT_SQ_PROV_PUT,
    ATT_SQ_PROV_GET,
    ATT_SQ_PROV_EXISTS,
    ATT_SQ_PROV_LIST,
    ATT_SQ_PROV_DEL,
    ATT_SQ_POL_PUT,
    ATT_SQ_POL_GET,
    ATT_SQ_POL_LIST_ALL,
    ATT_SQ_POL_LIST_ONE,
    ATT_SQ_POL_DEL,
    ATT_SQ_KV_GET,
    ATT_SQ_KV_UPSERT,
    ATT_SQ_KV_CREATE,
    ATT_SQ_KV_REPLACE,
    ATT_SQ_KV_DEL,
    ATT_SQ_KV_LIST,
    ATT_SQ__COUNT
};

extern const char *const att__sq_stmt_sql[ATT_SQ__COUNT];

/* The handle: one connection, its statements, and the mutex that serialises every use of
 * both. */
typedef struct att__sq_store {
    att__store base;    /* first member: att__store * and att__sq_store * convert */
    pthread_mutex_t mu; /* guards everything below */
    sqlite3 *db;
    sqlite3_stmt *st[ATT_SQ__COUNT];
    int in_write;  /* inside a write transaction: statements count toward fault_nth */
    int fault_nth; /* test hook (att__store_sqlite_fail_nth) */
    int fault_hit; /* the last failure was injected */
} att__sq_store;

static inline att__sq_store *att__sq(att__store *s)
{
    return (att__sq_store *)s;
}

/* The backend's function table (sqlite_ops.c). */
extern const att__store_ops att__sq_ops;

/* Maps a SQLite result code to an att_err and records why `what` failed in d. Mutex held. */
int att__sq_fail(att__sq_store *q, int rc, att_diag *d, const char *what);
/* Steps st once; inside a write transaction the step counts toward the injected fault. */
int att__sq_step(att__sq_store *q, sqlite3_stmt *st);
/* Resets st and clears its bindings for the next use. */
void att__sq_done(sqlite3_stmt *st);
/* Runs statement id (no rows) to completion and resets it: ATT_OK or the mapped failure. */
int att__sq_run(att__sq_store *q, enum att__sq_stmt id, att_diag *d, const char *what);

/* Starts a write: takes the mutex, BEGIN IMMEDIATE, advances the generation into *gen. The
 * mutex is held on return whatever the result; att__sq_wr_end releases it. */
int att__sq_wr_begin(att__sq_store *q, int64_t *gen, att_diag *d);
/* Ends a write: COMMIT when err is ATT_OK, else ROLLBACK (also when COMMIT fails). Releases
 * the mutex, then notifies the watchers of c if the write committed. Returns the result. */
int att__sq_wr_end(att__sq_store *q, int err, const att__store_change *c, att_diag *d);
/* Ends a read transaction begun with ATT_SQ_BEGIN_READ (mutex held, stays held). */
int att__sq_rd_end(att__sq_store *q, int err, att_diag *d);
/* Reads the generation (mutex held). */
int att__sq_gen_locked(att__sq_store *q, int64_t *gen, att_diag *d);
/* The close operation of the function table. */
void att__sq_close(att__store *s);

#endif
