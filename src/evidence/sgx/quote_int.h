/* Internal interface between the files of src/evidence/sgx (not for other modules). */
#ifndef ATT_EVIDENCE_SGX_QUOTE_INT_H
#define ATT_EVIDENCE_SGX_QUOTE_INT_H

#include "core/limits.h"
#include "evidence/sgx/quote.h"

/* The PCK chain of a quote's type-5 certification data: owned certificates, PCK first. */
typedef struct att__pck_chain {
    att__cert **certs;
    size_t n;
} att__pck_chain;

/* Takes the PCK chain from ext[0..n_ext) (new references) or, when n_ext is 0, extracts it
 * from q's type-5 certification data; checks its shape (PCK leaf, PCK CA matching
 * the collateral's PCK CRL issuer, root) and verifies it to anchors at `at` with the root
 * and PCK CRLs of col (required). Fills r->pck_ca / r->pck_issuer. On success *chain owns
 * the certificates (release with att__pck_chain_free); on failure it is empty. */
int att__quote_pck_chain(const att__quote *q, const att__cert *const *ext, size_t n_ext,
                         const att__dcap_collateral *col, const att__cert *const *anchors,
                         size_t n_anchors, int64_t at, att__pck_chain *chain, att__quote_result *r,
                         att_diag *d);
void att__pck_chain_free(att__pck_chain *chain);

/* The window in which a PCK chain verified at `at` (by att__quote_pck_chain, with these
 * anchors and col) stays verified: the intersection of the leaf's validity, the validity
 * of every other chain certificate and anchor that is valid at `at` (the path the chain
 * verifier builds does not depend on the time, and every certificate on it was valid at
 * `at`, so one not valid then is not on it), and the collateral window of col, which lies
 * inside both CRLs' thisUpdate..nextUpdate. Always contains `at` on success. */
int att__pck_chain_window(const att__pck_chain *chain, const att__dcap_collateral *col,
                          const att__cert *const *anchors, size_t n_anchors, int64_t at,
                          int64_t *not_before, int64_t *not_after);

/* ---- verified PCK chain cache (quote_cache.c) ----
 *
 * Maps a key (att__pck_cache_key) to the verdict of a successful PCK chain verification:
 * the chain, the CRLs and the anchors that key names verified, and stay verified for every
 * time in [not_before, not_after]. Failures are never stored. Thread-safe: ATT__PCK_CACHE_SHARDS
 * shards, each a mutex-guarded hash table with its own LRU list; at most ATT_MAX_PCK_CACHE
 * entries in all (ATT_MAX_PCK_CACHE / ATT__PCK_CACHE_SHARDS per shard). */
#define ATT__PCK_CACHE_SHARDS 16u
_Static_assert(ATT_MAX_PCK_CACHE % ATT__PCK_CACHE_SHARDS == 0, "PCK cache shards divide the bound");

typedef struct att__pck_verdict {
    int64_t not_before, not_after; /* the verdict holds for not_before <= at <= not_after */
    att__pck_ext pck;              /* the leaf's SGX extension, parsed */
    att__pck_ca pck_ca;            /* and what check_shape found */
    char pck_issuer[64];
    att__pkey *key; /* the PCK public key (a reference; see get / put) */
} att__pck_verdict;

/* The cache key, SHA-256 over (domain-separated, length-prefixed): the PCK chain exactly
 * as given to the chain verifier (the quote's type-5 certification data without trailing
 * NULs, which fixes the DER of the leaf, the PCK CA and the root; or the DER of every
 * supplied certificate), the collateral set's identity (its six content digests,
 * att__dcap_collateral_hashes, and the SHA-256 of its PCK CA certificate: the root and
 * PCK CRLs are in there, so a new CRL is a new key), and the SHA-256 of every anchor's DER
 * in order. No pointer takes part. ATT_EUNSUPPORTED when q carries no type-5 chain and
 * none is supplied (the caller then verifies without the cache and reports that). */
int att__pck_cache_key(const att__quote *q, const att__cert *const *ext, size_t n_ext,
                       const att__dcap_collateral *col, const att__cert *const *anchors,
                       size_t n_anchors, uint8_t key[32]);

/* Looks key up for time `at`. A hit (returns 1) needs an entry whose window contains at;
 * it fills *out, whose out->key is a new reference the caller releases with
 * att__pkey_free, and marks the entry most recently used. Otherwise returns 0 and *out
 * is untouched. */
int att__pck_cache_get(const uint8_t key[32], int64_t at, att__pck_verdict *out);

/* Stores a copy of *v under key (replacing an entry with the same key), evicting its
 * shard's least recently used entry when the shard is full. Takes its own reference to
 * v->key (which may be NULL only in tests); the caller keeps its own. ATT_ENOMEM when the
 * shard's table cannot be allocated (nothing stored); ATT_EINVAL when the window is empty. */
int att__pck_cache_put(const uint8_t key[32], const att__pck_verdict *v);

/* Entries currently held (for tests and metrics). */
size_t att__pck_cache_count(void);

/* The quote's attestation key (x||y, 64 bytes) as a P-256 key: *out is a new reference
 * (caller frees). Imported with att__pkey_ec_from_raw (point validated) on first sight and
 * then kept in a second table of the same shape and bound, keyed by the SHA-256 of the 64
 * bytes; a point that does not import is never stored. Errors are att__pkey_ec_from_raw's. */
int att__quote_attest_key(const uint8_t xy[64], att__pkey **out);
size_t att__quote_attest_key_count(void);

/* TDX module identity (§2.6.3): *mod gets the TDX_xx identity used (borrowed from ti), or
 * NULL for the legacy tdxModule (TEE_TCB_SVN[1] == 0); checks MRSIGNERSEAM and
 * SEAM_ATTRIBUTES. Fills r->tdx_module_*. */
int att__quote_tdx_module(const att__quote *q, const att__tcb_info *ti,
                          const att__tdx_module_identity **mod, att__quote_result *r, att_diag *d);

/* TCB level selection with the PCK SVNs (and TEE_TCB_SVN for TDX), TDX module status, TD
 * relaunch and QE convergence (§2.7). Needs r->pck and r->qe_status filled. Fills
 * r->status, tcb date and advisories; TCB_NOT_SUPPORTED and Revoked are failures. */
int att__quote_tcb_status(const att__quote *q, const att__tcb_info *ti,
                          const att__tdx_module_identity *mod, att__quote_result *r, att_diag *d);

#endif
