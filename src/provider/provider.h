/* Providers (tenants), their attestation policies and the immutable snapshots that request
 * threads read them from (DESIGN.md §2, reference/maa.md §1.8, §3.8, §3.10, §4.1).
 *
 * The registry loads every provider and stored policy from the store into an immutable,
 * reference-counted att__snapshot and replaces that snapshot (never mutates it) after each
 * committed change. A request acquires the current snapshot once (no lock, no allocation,
 * no store access), reads providers and policies from it for as long as it needs, and
 * releases it when the response has been sent. Everything reached through a snapshot
 * (providers, policies, strings, token issuers) is borrowed from it and valid until that
 * release. docs/internals/provider.md describes the model and its decisions.
 *
 * This module stores and serves policies; verifying a policy JWS and parsing the policy
 * language belong to token/ and policy/. */
#ifndef ATT_PROVIDER_H
#define ATT_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "attest/error.h"
#include "store/store.h"
#include "token/token.h"

/* ---- attestation types (maa.md §1.2) ---- */

typedef enum att__att_type {
    ATT_TYPE_SGX_ENCLAVE = 0,
    ATT_TYPE_OPEN_ENCLAVE,
    ATT_TYPE_SEV_SNP_VM,
    ATT_TYPE_TDX_VM,
    ATT_TYPE_TPM,
    ATT_TYPE_AZURE_GUEST,
} att__att_type;

#define ATT_TYPE_COUNT 6

/* MAA's spelling of a type ("SgxEnclave", "SevSnpVm", ...); static. NULL when out of range. */
const char *att__att_type_name(att__att_type t);
/* Parses a URL path segment of n bytes, ASCII case-insensitively ("sevsnpvm" and "SEVSNPVM"
 * are SevSnpVm, §1.14). ATT_ENOTFOUND for anything else, including an empty segment or
 * one with trailing characters. */
int att__att_type_parse(const char *s, size_t n, att__att_type *t);

/* ---- trust modes (maa.md §3.10) ---- */

typedef enum att__trust_mode {
    ATT_TRUST_AAD = 0,  /* policies may be unsigned; management authorised by the caller */
    ATT_TRUST_ISOLATED, /* every policy change must be signed by a registered signer */
} att__trust_mode;

/* "aad" or "isolated" (the store's spelling); static. */
const char *att__trust_mode_name(att__trust_mode m);
/* Parses "aad"/"isolated", ASCII case-insensitively. ATT_EINVAL otherwise. */
int att__trust_mode_parse(const char *s, att__trust_mode *m);

/* ---- policy texts, hashes and the unsigned JWS wrapper (maa.md §0.6, §1.8, §3.8) ---- */

/* base64url without padding of a SHA-256 digest: 43 characters. */
#define ATT_POLICY_HASH_LEN 43

/* The default policy text of a type (static, NUL-terminated): the 2022 MAA default for
 * SgxEnclave and OpenEnclave; the minimal permit policy
 * "version=1.0; authorizationrules{=> permit();}; issuancerules{};" for the others (MAA's
 * own texts for SevSnpVm, TdxVm and AzureGuest are not public; Tpm has none in MAA).
 * NULL when t is out of range. */
const char *att__default_policy_text(att__att_type t);

/* x-ms-policy-hash: base64url(SHA-256(ASCII(base64url(UTF-8 text)))), written with a NUL
 * into out. */
int att__policy_hash(const char *text, size_t n, char out[ATT_POLICY_HASH_LEN + 1]);
/* x-ms-policy-token-hash: base64url(SHA-256(the JWS exactly as received)). */
int att__policy_token_hash(const char *jws, size_t n, char out[ATT_POLICY_HASH_LEN + 1]);
/* The unsigned policy JWS wrapping text (§1.8):
 *   "eyJhbGciOiJub25lIn0." base64url({"AttestationPolicy":"<base64url(text)>"}) "."
 * *jws is malloc'd and NUL-terminated (caller frees); *len (may be NULL) gets its length.
 * ATT_ELIMIT when text exceeds ATT_MAX_POLICY_TEXT. */
int att__policy_unsigned_jws(const char *text, size_t n, char **jws, size_t *len);

/* ---- policies, providers and snapshots (read side; everything borrowed) ---- */

typedef struct att__policy att__policy;
typedef struct att__provider att__provider;
typedef struct att__snapshot att__snapshot;
typedef struct att__registry att__registry;

/* The current policy of one (provider, type): the stored one, else the type's default. */
att__att_type att__policy_type(const att__policy *p);
/* For GET /policies: the JWS exactly as uploaded, or the unsigned wrapper of the default
 * text. NUL-terminated, no NUL inside. */
const char *att__policy_jws(const att__policy *p);
size_t att__policy_jws_len(const att__policy *p);
/* x-ms-policy-signer ({"alg","kty","use","x5c"}) of a stored policy whose JWS is signed with
 * an x5c chain, read from the header once when the policy entered the snapshot; NULL for
 * unsigned and default policies. Borrowed and shared by all threads: copy it
 * (json_deep_copy), never json_incref it. */
const json_t *att__policy_signer(const att__policy *p);
/* The policy text, NUL-terminated, no NUL inside. */
const char *att__policy_text(const att__policy *p);
size_t att__policy_text_len(const att__policy *p);
/* Its x-ms-policy-hash (ATT_POLICY_HASH_LEN characters). */
const char *att__policy_hash_str(const att__policy *p);
/* 1 for a default policy (nothing stored), else 0. */
int att__policy_is_default(const att__policy *p);
/* Store version of a stored policy and the time it was uploaded; 0 for a default. */
int64_t att__policy_version(const att__policy *p);
int64_t att__policy_updated(const att__policy *p);
/* What the registry's compile hook made of the text (NULL without a hook, or when it
 * failed); *err (may be NULL) receives the hook's result (ATT_OK when it succeeded). */
void *att__policy_compiled(const att__policy *p, int *err);

const char *att__provider_name(const att__provider *p);
/* Token iss, base of jku: "https://attest.example.com" (no trailing slash). */
const char *att__provider_issuer(const att__provider *p);
/* The host name the provider answers to, lowercase, without port. */
const char *att__provider_host(const att__provider *p);
att__trust_mode att__provider_trust_mode(const att__provider *p);
/* 1 for the default provider (name "default"). */
int att__provider_is_default(const att__provider *p);
int64_t att__provider_created(const att__provider *p);
int64_t att__provider_version(const att__provider *p);
/* The current policy of type t; never NULL for a valid t. */
const att__policy *att__provider_policy(const att__provider *p, att__att_type t);
/* The token issuer (signer bound to this provider's issuer URL), or NULL when the registry
 * has no signer or the issuer could not be built (logged). */
const att__token_issuer *att__provider_token_issuer(const att__provider *p);

/* The store generation the snapshot reflects. */
int64_t att__snapshot_generation(const att__snapshot *s);
/* Providers in name order: count and the i-th (NULL when out of range). */
size_t att__snapshot_count(const att__snapshot *s);
const att__provider *att__snapshot_at(const att__snapshot *s, size_t i);
/* The provider answering a request whose Host header is host (NUL-terminated; NULL when
 * absent): matched ASCII case-insensitively against provider hosts, ignoring a ":port"
 * suffix and a trailing dot ("[v6]:port" understood). No match, or no host: the default
 * provider. Never NULL. No allocation. */
const att__provider *att__snapshot_find(const att__snapshot *s, const char *host);
/* By exact name; NULL when absent. */
const att__provider *att__snapshot_find_name(const att__snapshot *s, const char *name);
const att__provider *att__snapshot_default(const att__snapshot *s);

/* Drops a reference taken by att__registry_acquire; the last one frees the snapshot.
 * Thread-safe, lock-free. NULL allowed. A snapshot may outlive its registry. */
void att__snapshot_release(const att__snapshot *s);

/* ---- the registry (write side) ---- */

/* Optional policy compilation: called once per distinct policy object (each default text
 * at open, each stored policy when it first enters a snapshot; unchanged policies keep
 * their compiled form across rebuilds), never on a request thread. A failure does not
 * fail the rebuild: the policy carries the error (att__policy_compiled). release frees
 * what compile made; arg must outlive the registry and every snapshot. */
typedef int (*att__policy_compile_fn)(void *arg, att__att_type t, const char *text, size_t n,
                                      void **compiled, att_diag *d);
typedef void (*att__policy_release_fn)(void *arg, void *compiled);

typedef struct att__registry_config {
    /* Required: the configured base URL, issuer of the default provider
     * ("http://127.0.0.1:8080", "https://attest.example.com"); a trailing '/' is dropped.
     * It must pass att__token_issuer_url_check. */
    const char *issuer;
    /* Optional: signs tokens. With it every provider gets a token issuer bound to its
     * issuer URL, with a certificate per key made in memory (att__signing_cert_create).
     * Borrowed; the registry takes its own reference. */
    att__signer *signer;
    /* Optional: the default provider's token issuer (e.g. with the certificate kept in the
     * data directory); used while its URL equals the default issuer. Borrowed; the
     * registry takes its own reference. */
    att__token_issuer *default_issuer;
    att__policy_compile_fn compile;
    att__policy_release_fn release;
    void *compile_arg;
} att__registry_config;

/* Opens the registry over store (borrowed; must outlive the registry): creates the default
 * provider record (name "default", trust mode aad) if it is missing, updates its issuer
 * and host when the configured issuer changed, watches the store and builds the first
 * snapshot. *out is the caller's (att__registry_close). */
int att__registry_open(att__store *store, const att__registry_config *cfg, att__registry **out,
                       att_diag *d);
/* Stops watching the store and drops the registry's snapshot. No other registry call may
 * be running or start; snapshots still held stay valid until released. NULL allowed. */
void att__registry_close(att__registry *r);

/* The current snapshot, with one reference for the caller (att__snapshot_release).
 * Lock-free, wait-free for the caller, no allocation, no store access; never NULL.
 * Safe against a concurrent swap (see provider.md). */
const att__snapshot *att__registry_acquire(att__registry *r);

/* Rebuilds the snapshot when the store has moved past it (e.g. after a change by another
 * process; cheap when nothing changed). Also polls the store so other watchers hear of
 * external changes. */
int att__registry_refresh(att__registry *r, att_diag *d);

/* Replaces the signer (key rotation) and optionally the default provider's token issuer;
 * rebuilds every provider's token issuer into a new snapshot. Borrowed; new references
 * are taken. */
int att__registry_set_signer(att__registry *r, att__signer *signer,
                             att__token_issuer *default_issuer, att_diag *d);

/* Creates or updates a provider. name: 1..63 of [a-z0-9-], not starting or ending with
 * '-', not "default" (that one follows the configuration). issuer: as in
 * att__registry_config. host: the host name it answers to, or NULL to take the issuer's;
 * unique among providers. Returns after the new snapshot is in place. */
int att__registry_put_provider(att__registry *r, const char *name, const char *issuer,
                               const char *host, att__trust_mode mode, att_diag *d);
/* Deletes a provider and its policies (not the default one: ATT_EDENIED). */
int att__registry_delete_provider(att__registry *r, const char *name, att_diag *d);

/* Stores the policy of (provider, type): jws exactly as received (1..ATT_MAX_JWS bytes)
 * and the text it carries (<= ATT_MAX_POLICY_TEXT bytes), neither with a NUL inside. The
 * caller has verified the JWS and parsed the text. One store transaction; returns after
 * the snapshot holding the new policy is in place (a later acquire sees it). ATT_ENOTFOUND
 * for an unknown provider. */
int att__registry_set_policy(att__registry *r, const char *provider, att__att_type t,
                             const char *jws, size_t jws_len, const char *text, size_t text_len,
                             att_diag *d);
/* Deletes the stored policy of (provider, type), so the type's default applies again.
 * ATT_OK also when nothing was stored. */
int att__registry_reset_policy(att__registry *r, const char *provider, att__att_type t,
                               att_diag *d);

#endif
