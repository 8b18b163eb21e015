/* The storage interface of attestd: providers, their policies and a generic versioned
 * key/value area, behind one API whose backends (SQLite now, PostgreSQL later) plug in
 * through a table of function pointers (store_backend.h).
 *
 * Model. The store is read at start-up and on change notification only, never on the
 * hot path of a request (DESIGN.md §2). Every write is one transaction: it either
 * commits completely or leaves nothing behind. Every committed write advances the
 * store-wide *generation*, a counter that only grows; the record written carries the new
 * generation as its `version`, so versions increase on every change and are never reused,
 * even after a delete. After a write commits, the store calls the registered watchers
 * (att__store_watch) so in-memory snapshots can be rebuilt.
 *
 * Ownership. Strings passed in are borrowed for the duration of the call. Records handed
 * out (att__store_provider, att__store_policy, att__store_kv, att__store_data) own their
 * heap strings; the caller releases them with the matching *_free / *_clear function and
 * may take ownership of a string by moving the pointer out and setting the field to NULL.
 *
 * Threads. All functions may be called from any thread at the same time; each backend
 * documents how it serialises access (SQLite: one connection behind a mutex). */
#ifndef ATT_STORE_H
#define ATT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"

/* Bounds of keys the store accepts (the provider layer validates the finer syntax).
 * A policy type is an attestation type name ("AzureGuest" is the longest, 10 chars); 32
 * leaves room for future types. kv namespaces and keys are identifiers chosen by modules
 * (a certificate thumbprint in hex is 64 chars, a VM id 36); 255 is generous. A kv value
 * holds a provider's policy-signer set or a monitor baseline: kilobytes; 1 MiB bounds the
 * memory one read can cost. */
#define ATT_STORE_MAX_TYPE  32u
#define ATT_STORE_MAX_KEY   255u
#define ATT_STORE_MAX_VALUE (1024u * 1024u)

/* A provider's issuer URL: scheme, host (ATT_MAX_HOST) and an optional path prefix for a
 * service behind a reverse proxy; 1 KiB is far more than any real deployment uses. */
#define ATT_STORE_MAX_ISSUER 1024u

/* Watchers per store: the provider registry, the signer set, the monitor; 8 is plenty. */
#define ATT_STORE_MAX_WATCHERS 8u

/* kv_put / kv_delete: no version condition. */
#define ATT_STORE_ANY_VERSION (-1)

typedef struct att__store att__store;

/* A provider (tenant). trust_mode is "aad" or "isolated"; created is set by the store
 * on first insert (epoch seconds) and kept on update; version is the generation of the
 * last change of the provider row. Inputs: created and version are ignored. */
typedef struct att__store_provider {
    char *name;
    char *issuer;
    char *host;
    char *trust_mode;
    int64_t created;
    int64_t version;
} att__store_provider;

/* The stored policy of one (provider, attestation type): the JWS exactly as uploaded and
 * the policy text it carries. Both are NUL-terminated; the lengths exclude the NUL. */
typedef struct att__store_policy {
    char *provider;
    char *type;
    char *jws;
    size_t jws_len;
    char *text;
    size_t text_len;
    int64_t version;
    int64_t updated; /* epoch seconds */
} att__store_policy;

/* One key/value record of a namespace. value is NUL-terminated for convenience (the NUL
 * is not counted in len). */
typedef struct att__store_kv {
    char *key;
    uint8_t *value;
    size_t len;
    int64_t version;
    int64_t updated;
} att__store_kv;

/* Everything the provider layer needs to build a snapshot, read in one consistent read
 * transaction: `generation` is exactly the state the lists reflect. Providers are sorted
 * by name, policies by (provider, type), both in byte order. */
typedef struct att__store_data {
    int64_t generation;
    att__store_provider *providers;
    size_t n_providers;
    att__store_policy *policies;
    size_t n_policies;
} att__store_data;

/* What a watcher is told. a/b name the record: provider name (PROVIDER), provider and
 * type (POLICY), namespace and key (KV); both NULL for EXTERNAL (a change committed by
 * another process or node: reload everything). generation is the store generation the
 * change committed at. The pointers are valid during the callback only. */
enum att__store_change_kind {
    ATT_STORE_CHANGE_PROVIDER = 1,
    ATT_STORE_CHANGE_POLICY,
    ATT_STORE_CHANGE_KV,
    ATT_STORE_CHANGE_EXTERNAL,
};

typedef struct att__store_change {
    int kind;
    const char *a;
    const char *b;
    int64_t generation;
} att__store_change;

/* Called after a change has committed, on the thread that made the change (SQLite) or on
 * a notification thread (future backends), with no store lock held: the callback may read
 * the store. It must not call att__store_unwatch. Callbacks of concurrent writes may run
 * concurrently and out of commit order; use the generation, or reload everything. */
typedef void (*att__store_watch_fn)(void *arg, const att__store_change *c);

/* ---- opening ---- */

typedef struct att__store_config {
    const char *backend;  /* "sqlite" (also when NULL) */
    const char *data_dir; /* sqlite: directory of attestd.db (created 0700 if missing) */
    int busy_timeout_ms;  /* how long a write waits for another process's lock; 0 = 5000 */
} att__store_config;

/* Opens the store, creating and migrating its schema as needed. *out is owned by the
 * caller (att__store_close). On failure *out is NULL and d says why. */
int att__store_open(const att__store_config *cfg, att__store **out, att_diag *d);

/* Closes the store. No call on s may be running or start; watchers are dropped. NULL ok. */
void att__store_close(att__store *s);

/* Backend name ("sqlite"); static string. */
const char *att__store_backend(const att__store *s);

/* Readiness probe: ATT_OK when the store is open and answers a query. */
int att__store_ping(att__store *s, att_diag *d);

/* The current store generation (0 for a store never written). */
int att__store_generation(att__store *s, int64_t *gen, att_diag *d);

/* Notices changes committed by other processes: when the generation moved past what this
 * handle has notified, calls the watchers once with ATT_STORE_CHANGE_EXTERNAL. Cheap (one
 * query); call it periodically. Returns ATT_OK whether or not anything changed. */
int att__store_poll(att__store *s, att_diag *d);

/* Registers a watcher; *id identifies it for att__store_unwatch. ATT_ELIMIT when
 * ATT_STORE_MAX_WATCHERS are registered. arg is borrowed until unwatch. */
int att__store_watch(att__store *s, att__store_watch_fn fn, void *arg, int *id);

/* Removes a watcher. Waits until no callback is running (a callback already running on
 * another thread finishes first), so after it returns fn is never called again and arg
 * may be freed. ATT_EBUSY when called from inside a callback; ATT_ENOTFOUND for an
 * unknown id. */
int att__store_unwatch(att__store *s, int id);

/* ---- providers ---- */

/* Inserts or updates the provider p->name (issuer, host, trust mode). Hosts are unique
 * across providers, compared case-insensitively (ATT_EINVAL on a clash). *version (may be
 * NULL) receives the new version. */
int att__store_provider_put(att__store *s, const att__store_provider *p, int64_t *version,
                            att_diag *d);
/* Reads one provider into *out (caller clears it). ATT_ENOTFOUND if absent. */
int att__store_provider_get(att__store *s, const char *name, att__store_provider *out, att_diag *d);
/* All providers sorted by name; *out is a malloc'd array (att__store_providers_free). */
int att__store_provider_list(att__store *s, att__store_provider **out, size_t *n, att_diag *d);
/* Deletes a provider and all its policies. ATT_ENOTFOUND if absent. */
int att__store_provider_delete(att__store *s, const char *name, att_diag *d);

void att__store_provider_clear(att__store_provider *p);
void att__store_providers_free(att__store_provider *v, size_t n);

/* ---- policies ---- */

/* Stores the policy of (provider, type), replacing any previous one. jws and text are
 * stored byte for byte (no NUL inside). ATT_ENOTFOUND when the provider does not exist.
 * *version (may be NULL) receives the new version. */
int att__store_policy_put(att__store *s, const char *provider, const char *type, const char *jws,
                          size_t jws_len, const char *text, size_t text_len, int64_t *version,
                          att_diag *d);
/* Reads one policy into *out (caller clears it). ATT_ENOTFOUND if none is stored. */
int att__store_policy_get(att__store *s, const char *provider, const char *type,
                          att__store_policy *out, att_diag *d);
/* Policies of one provider, or of all providers when provider is NULL, sorted by
 * (provider, type); *out is a malloc'd array (att__store_policies_free). */
int att__store_policy_list(att__store *s, const char *provider, att__store_policy **out, size_t *n,
                           att_diag *d);
/* Deletes the stored policy of (provider, type). ATT_ENOTFOUND if none was stored (then
 * nothing changed and no watcher is called). */
int att__store_policy_delete(att__store *s, const char *provider, const char *type, att_diag *d);

void att__store_policy_clear(att__store_policy *p);
void att__store_policies_free(att__store_policy *v, size_t n);

/* ---- generic versioned key/value area ---- */

/* Writes (ns, key) = value. expect_version is a condition for optimistic concurrency:
 * ATT_STORE_ANY_VERSION writes unconditionally, 0 only creates (the key must not exist),
 * v > 0 only replaces the record whose version is v. A failed condition is ATT_EMISMATCH.
 * *version (may be NULL) receives the new version. */
int att__store_kv_put(att__store *s, const char *ns, const char *key, const void *value, size_t len,
                      int64_t expect_version, int64_t *version, att_diag *d);
/* Reads (ns, key): *value malloc'd (caller frees), *len, *version (both may be NULL).
 * ATT_ENOTFOUND if absent. */
int att__store_kv_get(att__store *s, const char *ns, const char *key, uint8_t **value, size_t *len,
                      int64_t *version, att_diag *d);
/* All records of a namespace sorted by key; *out malloc'd (att__store_kvs_free). */
int att__store_kv_list(att__store *s, const char *ns, att__store_kv **out, size_t *n, att_diag *d);
/* Deletes (ns, key), under the same version condition as kv_put (0 is not allowed).
 * ATT_ENOTFOUND if absent, ATT_EMISMATCH if the version differs. */
int att__store_kv_delete(att__store *s, const char *ns, const char *key, int64_t expect_version,
                         att_diag *d);

void att__store_kvs_free(att__store_kv *v, size_t n);

/* ---- bulk read for snapshots ---- */

/* Reads all providers and policies and the generation they reflect, consistently. The
 * caller owns *out and frees it with att__store_data_clear. */
int att__store_read_all(att__store *s, att__store_data *out, att_diag *d);
void att__store_data_clear(att__store_data *data);

#endif
