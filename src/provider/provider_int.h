/* Internals shared by the files of src/provider: the layout of policies, providers,
 * snapshots and the registry, and the functions that build and free them. Not for other
 * modules (they use provider.h). */
#ifndef ATT_PROVIDER_INT_H
#define ATT_PROVIDER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <jansson.h>

#include "provider/provider.h"

/* A policy object: immutable after creation, shared by every snapshot (and every
 * provider, for defaults) that holds a reference. */
struct att__policy {
    atomic_ulong refs;
    att__att_type type;
    int is_default;
    char *jws; /* owned */
    size_t jws_len;
    char *text; /* owned, unless text_static */
    size_t text_len;
    int text_static; /* text is a string constant (a default) */
    char hash[ATT_POLICY_HASH_LEN + 1];
    int64_t version;
    int64_t updated;
    json_t *signer; /* x-ms-policy-signer of a signed stored policy, else NULL; shared by
                     * every request thread: read-only, never incref'd (json_deep_copy) */
    void *compiled; /* from the compile hook, released with release(release_arg, .) */
    int compile_err;
    att__policy_release_fn release;
    void *release_arg;
};

/* A provider inside one snapshot (owned by it). */
struct att__provider {
    char *name; /* owned strings */
    char *issuer;
    char *host; /* lowercase */
    att__trust_mode trust;
    int is_default;
    int64_t created;
    int64_t version;
    att__policy *policy[ATT_TYPE_COUNT]; /* one reference each */
    att__token_issuer *token_issuer;     /* one reference, or NULL */
};

struct att__snapshot {
    atomic_ulong refs;
    int64_t generation;
    unsigned signer_epoch; /* registry signer the token issuers were built with */
    size_t n;
    att__provider *providers; /* n, sorted by name (byte order) */
    att__provider **by_host;  /* n, sorted by host */
    const att__provider *dflt;
};

/* A reader counter on its own cache line, so acquires on one counter do not bounce the
 * line holding the current pointer. */
typedef struct att__reader_count {
    _Alignas(64) atomic_ulong n;
} att__reader_count;

struct att__registry {
    att__store *store; /* borrowed */
    int watch_id;
    int watching;

    /* Read side (lock-free, see att__registry_acquire in registry.c). */
    _Atomic(att__snapshot *) cur; /* holds the registry's own reference */
    _Alignas(64) atomic_uint epoch;
    att__reader_count active[2];

    /* Write side: rebuild and swap, serialised; never taken by request threads. Everything
     * below is read and written only under it (after open). */
    pthread_mutex_t build_mu;
    char *issuer; /* default provider's, normalised */
    char *host;
    att__policy *defaults[ATT_TYPE_COUNT]; /* one reference each */
    att__signer *signer;                   /* reference or NULL */
    att__token_issuer *default_tok;        /* reference or NULL */
    unsigned signer_epoch;                 /* bumped by att__registry_set_signer */
    att__policy_compile_fn compile;
    att__policy_release_fn release;
    void *compile_arg;
};

#define ATT_DEFAULT_PROVIDER "default"

/* New policy object with one reference. Takes ownership of jws and (unless text_static)
 * text, also on failure. Computes the hash and runs the compile hook of r (may be NULL). */
int att__policy_new(const att__registry *r, att__att_type t, int is_default, char *jws,
                    size_t jws_len, char *text, size_t text_len, int text_static, int64_t version,
                    int64_t updated, att__policy **out);
att__policy *att__policy_ref(att__policy *p);
void att__policy_unref(att__policy *p);

/* Builds a snapshot from data (whose strings it takes: data must still be cleared by the
 * caller), reusing unchanged policy objects and token issuers of prev (may be NULL).
 * Called with r->build_mu held. The snapshot has one reference. */
int att__snapshot_build(att__registry *r, att__store_data *data, const att__snapshot *prev,
                        att__snapshot **out, att_diag *d);

/* ASCII lowercase in place. */
void att__ascii_lower(char *s);

#endif
