/* The contract between the store front end (store.c) and its backends (sqlite.c, later
 * postgres.c): a table of function pointers and the common part of every store handle.
 *
 * A backend allocates its own handle struct whose first member is an att__store, fills
 * it with att__store_base_init, and implements every operation of att__store_ops. The
 * front end validates arguments (NULL pointers, lengths) before calling a backend, so a
 * backend may assume well-formed inputs. Each write operation must:
 *   - run in one transaction that either commits fully or rolls back fully;
 *   - advance the store generation by one and stamp the written record with it;
 *   - call att__store_notify after the commit, with no backend lock held.
 * Backends never call watchers for a failed or rolled-back write. Only store.c and the
 * backends include this header. */
#ifndef ATT_STORE_BACKEND_H
#define ATT_STORE_BACKEND_H

#include <pthread.h>
#include <stdatomic.h>

#include "store/store.h"

typedef struct att__store_ops {
    const char *name;
    void (*close)(att__store *s);
    int (*ping)(att__store *s, att_diag *d);
    int (*generation)(att__store *s, int64_t *gen, att_diag *d);

    int (*provider_put)(att__store *s, const att__store_provider *p, int64_t *version, att_diag *d);
    int (*provider_get)(att__store *s, const char *name, att__store_provider *out, att_diag *d);
    int (*provider_list)(att__store *s, att__store_provider **out, size_t *n, att_diag *d);
    int (*provider_delete)(att__store *s, const char *name, att_diag *d);

    int (*policy_put)(att__store *s, const char *provider, const char *type, const char *jws,
                      size_t jws_len, const char *text, size_t text_len, int64_t *version,
                      att_diag *d);
    int (*policy_get)(att__store *s, const char *provider, const char *type, att__store_policy *out,
                      att_diag *d);
    int (*policy_list)(att__store *s, const char *provider, att__store_policy **out, size_t *n,
                       att_diag *d);
    int (*policy_delete)(att__store *s, const char *provider, const char *type, att_diag *d);

    int (*kv_put)(att__store *s, const char *ns, const char *key, const void *value, size_t len,
                  int64_t expect_version, int64_t *version, att_diag *d);
    int (*kv_get)(att__store *s, const char *ns, const char *key, uint8_t **value, size_t *len,
                  int64_t *version, att_diag *d);
    int (*kv_list)(att__store *s, const char *ns, att__store_kv **out, size_t *n, att_diag *d);
    int (*kv_delete)(att__store *s, const char *ns, const char *key, int64_t expect_version,
                     att_diag *d);

    int (*read_all)(att__store *s, att__store_data *out, att_diag *d);
} att__store_ops;

/* One registered watcher. */
typedef struct att__store_watcher {
    att__store_watch_fn fn; /* NULL = free slot */
    void *arg;
    int id;
} att__store_watcher;

/* The common head of every backend handle. */
struct att__store {
    const att__store_ops *ops;
    pthread_mutex_t watch_mu; /* guards watchers, next_id and running */
    pthread_cond_t watch_cv;  /* signalled when running drops */
    att__store_watcher watchers[ATT_STORE_MAX_WATCHERS];
    int next_id;
    int running;                  /* callbacks in progress (all threads) */
    _Atomic int64_t notified_gen; /* highest generation passed to watchers */
};

/* Initialises the common head; ATT_ENOMEM/ATT_EINTERNAL if the mutex cannot be made. */
int att__store_base_init(att__store *s, const att__store_ops *ops);
/* Releases what att__store_base_init made. */
void att__store_base_fini(att__store *s);
/* Calls every watcher with c (see att__store_watch_fn). Called by backends after a
 * commit, with no backend lock held. */
void att__store_notify(att__store *s, const att__store_change *c);

#endif
