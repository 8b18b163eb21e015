/* Interface between the files of the SEV-SNP module: built-in AMD certificates, the
 * operator's certificate pool, and the verified VEK chain cache. */
#ifndef ATT_EVIDENCE_SNP_SNP_INT_H
#define ATT_EVIDENCE_SNP_SNP_INT_H

#include "evidence/snp/snp.h"

/* The subject CN of c into out ("" when it has none). */
int att__snp_cert_cn(const att__cert *c, char *out, size_t cap);

/* The built-in certificates, parsed once (thread-safe): ARK, ASK, ASVK of product p,
 * borrowed (live for the process). NULL for an unknown product, or when the embedded ARK
 * does not carry its pinned SHA-256 (a build defect, logged). */
const att__cert *att__snp_builtin(att__snp_product p, att__snp_ca which);

/* Pool access (snp_certs.c). Intermediates and ARK candidates of product p (borrowed, up to
 * cap written, count returned). */
size_t att__snp_pool_cas(const att__snp_certs *s, att__snp_product p, const att__cert **out,
                         size_t cap);
/* The pool's CRLs (borrowed array of *count). Every one is given to the chain check, which
 * applies those whose issuer is on the path (signature, thisUpdate/nextUpdate, serials). */
#define ATT_SNP_MAX_CRLS 16u
size_t att__snp_pool_crls(const att__snp_certs *s, const att__crl *const **out);
/* The pool's VCEK for product p with this hwID and TCB (bl/tee/snp/ucode[/fmc]) or the only
 * VLEK of p matching the TCB; NULL when none. Borrowed. */
const att__cert *att__snp_pool_vek(const att__snp_certs *s, att__snp_product p, int vlek,
                                   const uint8_t *chip_id, const att__snp_tcb *tcb);

/* ---- verified VEK cache (snp_cache.c) ---- */

/* What a verified VEK chain established. */
typedef struct att__snp_vek_entry {
    att__pkey *key; /* a reference owned by whoever holds the entry copy */
    att__snp_product product;
    att__snp_vek_ext ext;
    char subject[128];
    char serial[48];
    int64_t not_before, not_after;
} att__snp_vek_entry;

/* Looks up key (32 bytes). On a hit *out is a copy with its own key reference (free it with
 * att__pkey_free(out->key)) and 1 is returned; 0 on a miss. */
int att__snp_cache_get(const uint8_t key[32], att__snp_vek_entry *out);
/* Stores a copy of e under key (takes its own key reference). Bounded: when full the oldest
 * entry is dropped. */
void att__snp_cache_put(const uint8_t key[32], const att__snp_vek_entry *e);

#endif
