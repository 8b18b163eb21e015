/* The verified PCK chain cache (quote_int.h): PCK leaf -> PCK CA -> root verification with
 * the root and PCK CRLs costs three to four ECDSA verifications plus certificate and CRL
 * parsing, more than the two signatures that must be checked per quote; the verdict of a
 * chain depends only on the bytes named by att__pck_cache_key and on the verification
 * time, so it is kept with the time window in which it holds.
 *
 * Concurrency: ATT__PCK_CACHE_SHARDS shards chosen by the first key byte (the key is a
 * SHA-256, so shards fill evenly), each a mutex over a chained hash table and an LRU list
 * of fixed capacity. A lookup holds its shard's lock for a hash-chain walk, a 32-byte
 * compare and a copy of ~150 bytes, so contention stays low with many request threads; a
 * lock-free read path (RCU or seqlocks) would need deferred freeing of the PCK public keys
 * and is not worth it at this cost. Entries own one reference to their PCK public key;
 * a hit hands the caller another one, so eviction or att__quote_cache_clear never frees a
 * key in use. Shard tables are allocated on first insert and freed by
 * att__quote_cache_clear (also run at exit).
 *
 * A second table of the same shape memoizes the import of quotes' attestation keys
 * (att__quote_attest_key, below). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/sgx/quote_int.h"

#define SHARD_CAP ((int32_t)(ATT_MAX_PCK_CACHE / ATT__PCK_CACHE_SHARDS))
#define N_BUCKETS (2 * SHARD_CAP) /* load factor <= 1/2 */
_Static_assert((ATT_MAX_PCK_CACHE / ATT__PCK_CACHE_SHARDS) <= 0x3fffffff, "indices fit int32");

typedef struct entry {
    uint8_t key[32];
    att__pck_verdict v;
    int32_t hnext;      /* next entry in the same bucket, -1 at the end */
    int32_t prev, next; /* LRU list: prev towards the most recently used, -1 at the ends */
} entry;

typedef struct shard {
    pthread_mutex_t mu; /* guards everything below */
    entry *e;           /* SHARD_CAP slots; e[0..n) in use; NULL until the first put */
    int32_t *bucket;    /* N_BUCKETS chain heads, -1 when empty */
    int32_t n;
    int32_t mru, lru; /* ends of the LRU list, -1 when empty */
} shard;

/* Two tables of the same shape: verified PCK chains, and imported attestation keys. */
typedef struct table {
    shard shards[ATT__PCK_CACHE_SHARDS];
} table;

static table pck_table, ak_table, plat_table;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_tables(void)
{
    table *t[3] = {&pck_table, &ak_table, &plat_table};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < ATT__PCK_CACHE_SHARDS; i++) {
            pthread_mutex_init(&t[k]->shards[i].mu, NULL);
            t[k]->shards[i].mru = t[k]->shards[i].lru = -1;
        }
    atexit(att__quote_cache_clear);
}

static shard *shard_of(table *t, const uint8_t key[32])
{
    pthread_once(&init_once, init_tables);
    return &t->shards[key[0] % ATT__PCK_CACHE_SHARDS];
}

/* Bucket from key bytes other than the one that chose the shard. */
static int32_t bucket_of(const uint8_t key[32])
{
    uint32_t h =
        (uint32_t)key[1] | (uint32_t)key[2] << 8 | (uint32_t)key[3] << 16 | (uint32_t)key[4] << 24;
    return (int32_t)(h % (uint32_t)N_BUCKETS);
}

static int32_t find(const shard *s, const uint8_t key[32])
{
    if (!s->e)
        return -1;
    for (int32_t i = s->bucket[bucket_of(key)]; i >= 0; i = s->e[i].hnext)
        if (memcmp(s->e[i].key, key, 32) == 0)
            return i;
    return -1;
}

static void lru_unlink(shard *s, int32_t i)
{
    entry *x = &s->e[i];
    if (x->prev >= 0)
        s->e[x->prev].next = x->next;
    else
        s->mru = x->next;
    if (x->next >= 0)
        s->e[x->next].prev = x->prev;
    else
        s->lru = x->prev;
    x->prev = x->next = -1;
}

static void lru_push_front(shard *s, int32_t i)
{
    entry *x = &s->e[i];
    x->prev = -1;
    x->next = s->mru;
    if (s->mru >= 0)
        s->e[s->mru].prev = i;
    s->mru = i;
    if (s->lru < 0)
        s->lru = i;
}

static void bucket_unlink(shard *s, int32_t i)
{
    int32_t *pp = &s->bucket[bucket_of(s->e[i].key)];
    while (*pp >= 0 && *pp != i)
        pp = &s->e[*pp].hnext;
    if (*pp == i)
        *pp = s->e[i].hnext;
    s->e[i].hnext = -1;
}

static int table_get(table *t, const uint8_t key[32], int64_t at, att__pck_verdict *out)
{
    shard *s = shard_of(t, key);
    int hit = 0;
    pthread_mutex_lock(&s->mu);
    int32_t i = find(s, key);
    if (i >= 0 && at >= s->e[i].v.not_before && at <= s->e[i].v.not_after) {
        *out = s->e[i].v;
        if (out->key)
            att__pkey_ref(out->key);
        if (s->mru != i) {
            lru_unlink(s, i);
            lru_push_front(s, i);
        }
        hit = 1;
    }
    pthread_mutex_unlock(&s->mu);
    return hit;
}

/* Allocates the shard's table (lock held). */
static int shard_alloc(shard *s)
{
    s->e = calloc((size_t)SHARD_CAP, sizeof(*s->e));
    s->bucket = malloc((size_t)N_BUCKETS * sizeof(*s->bucket));
    if (!s->e || !s->bucket) {
        free(s->e);
        free(s->bucket);
        s->e = NULL;
        s->bucket = NULL;
        return ATT_ENOMEM;
    }
    for (int32_t b = 0; b < N_BUCKETS; b++)
        s->bucket[b] = -1;
    s->n = 0;
    s->mru = s->lru = -1;
    return ATT_OK;
}

static int table_put(table *t, const uint8_t key[32], const att__pck_verdict *v)
{
    if (v->not_before > v->not_after)
        return ATT_EINVAL;
    shard *s = shard_of(t, key);
    att__pkey *old = NULL;
    pthread_mutex_lock(&s->mu);
    if (!s->e && shard_alloc(s) != ATT_OK) {
        pthread_mutex_unlock(&s->mu);
        return ATT_ENOMEM;
    }
    int32_t i = find(s, key);
    if (i >= 0) {
        /* Same key verified again (the old window no longer held): replace the value. */
        old = s->e[i].v.key;
        lru_unlink(s, i);
    } else {
        if (s->n < SHARD_CAP) {
            i = s->n++;
        } else {
            i = s->lru; /* evict the least recently used */
            old = s->e[i].v.key;
            lru_unlink(s, i);
            bucket_unlink(s, i);
        }
        memcpy(s->e[i].key, key, 32);
        int32_t b = bucket_of(key);
        s->e[i].hnext = s->bucket[b];
        s->bucket[b] = i;
    }
    s->e[i].v = *v;
    if (v->key)
        att__pkey_ref(v->key);
    lru_push_front(s, i);
    pthread_mutex_unlock(&s->mu);
    att__pkey_free(old); /* the entry's reference; holders of a hit keep theirs */
    return ATT_OK;
}

static size_t table_count(table *t)
{
    pthread_once(&init_once, init_tables);
    size_t n = 0;
    for (size_t k = 0; k < ATT__PCK_CACHE_SHARDS; k++) {
        pthread_mutex_lock(&t->shards[k].mu);
        n += (size_t)t->shards[k].n;
        pthread_mutex_unlock(&t->shards[k].mu);
    }
    return n;
}

static void table_clear(table *t)
{
    for (size_t k = 0; k < ATT__PCK_CACHE_SHARDS; k++) {
        shard *s = &t->shards[k];
        pthread_mutex_lock(&s->mu);
        entry *e = s->e;
        int32_t n = s->n;
        s->e = NULL;
        free(s->bucket);
        s->bucket = NULL;
        s->n = 0;
        s->mru = s->lru = -1;
        pthread_mutex_unlock(&s->mu);
        for (int32_t i = 0; i < n; i++)
            att__pkey_free(e[i].v.key);
        free(e);
    }
}

void att__quote_cache_clear(void)
{
    pthread_once(&init_once, init_tables);
    table_clear(&pck_table);
    table_clear(&ak_table);
    table_clear(&plat_table);
}

int att__pck_cache_get(const uint8_t key[32], int64_t at, att__pck_verdict *out)
{
    return table_get(&pck_table, key, at, out);
}

int att__pck_cache_put(const uint8_t key[32], const att__pck_verdict *v)
{
    return table_put(&pck_table, key, v);
}

size_t att__pck_cache_count(void)
{
    return table_count(&pck_table);
}

/* ---- attestation keys ----
 * Importing a raw P-256 point (att__pkey_ec_from_raw: EVP_PKEY_fromdata plus the
 * on-curve check) costs a good part of the ECDSA verification it serves. A QE keeps its attestation
 * key for many quotes, so the imported key is kept under the SHA-256 of its 64 bytes, valid for all
 * time; only keys that imported successfully are stored. */

static int ak_key(const uint8_t xy[64], uint8_t key[32])
{
    static const char domain[] = "attestd attestation key v1";
    uint8_t buf[sizeof(domain) - 1 + 64];
    memcpy(buf, domain, sizeof(domain) - 1);
    memcpy(buf + sizeof(domain) - 1, xy, 64);
    return att__hash(ATT_HASH_SHA256, buf, sizeof(buf), key);
}

int att__quote_attest_key(const uint8_t xy[64], att__pkey **out)
{
    uint8_t key[32];
    att__pck_verdict v;
    *out = NULL;
    int cacheable = ak_key(xy, key) == ATT_OK;
    if (cacheable && table_get(&ak_table, key, 0, &v)) {
        *out = v.key;
        return ATT_OK;
    }
    int rc = att__pkey_ec_from_raw(ATT_KEY_EC_P256, xy, 64, out);
    if (rc != ATT_OK)
        return rc;
    if (cacheable) {
        memset(&v, 0, sizeof(v));
        v.not_before = INT64_MIN;
        v.not_after = INT64_MAX;
        v.key = *out;
        (void)table_put(&ak_table, key, &v); /* a failure only costs speed */
    }
    return ATT_OK;
}

size_t att__quote_attest_key_count(void)
{
    return table_count(&ak_table);
}

/* ---- the key ---- */

static int put_u64(att__hash_ctx *h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    return att__hash_update(h, b, 8);
}

/* Length-prefixed bytes. */
static int put_bytes(att__hash_ctx *h, const void *p, size_t n)
{
    int rc = put_u64(h, n);
    return rc == ATT_OK ? att__hash_update(h, p, n) : rc;
}

static int put_cert_der(att__hash_ctx *h, const att__cert *c)
{
    uint8_t *der = NULL;
    size_t n = 0;
    int rc = att__cert_der(c, &der, &n);
    if (rc == ATT_OK)
        rc = put_bytes(h, der, n);
    free(der);
    return rc;
}

static int put_cert_sha256(att__hash_ctx *h, const att__cert *c)
{
    uint8_t t[32];
    int rc = att__cert_thumbprint(c, ATT_HASH_SHA256, t);
    return rc == ATT_OK ? put_bytes(h, t, 32) : rc;
}

int att__pck_cache_key(const att__quote *q, const att__cert *const *ext, size_t n_ext,
                       const att__dcap_collateral *col, const att__cert *const *anchors,
                       size_t n_anchors, uint8_t key[32])
{
    static const char domain[] = "attestd pck chain cache v1";
    if (!n_ext && (!q || q->cert_type != ATT_QUOTE_CERT_PCK_CHAIN))
        return ATT_EUNSUPPORTED;
    const att__dcap_hashes *ch = att__dcap_collateral_hashes(col);
    const att__cert *pck_ca = att__dcap_pck_ca_cert(col);
    if (!ch || !pck_ca)
        return ATT_EINVAL;
    att__hash_ctx *h = NULL;
    int rc = att__hash_new(ATT_HASH_SHA256, &h);
    if (rc != ATT_OK)
        return rc;
    rc = put_bytes(h, domain, sizeof(domain) - 1);
    if (!n_ext) {
        /* What load_chain parses: the certification data without trailing NULs. */
        size_t n = q->cert_len;
        while (n > 0 && q->cert_data[n - 1] == '\0')
            n--;
        if (rc == ATT_OK)
            rc = put_u64(h, 0); /* type-5 PEM */
        if (rc == ATT_OK)
            rc = put_bytes(h, q->cert_data, n);
    } else {
        if (rc == ATT_OK)
            rc = put_u64(h, n_ext); /* supplied certificates, DER each */
        for (size_t i = 0; rc == ATT_OK && i < n_ext; i++)
            rc = ext[i] ? put_cert_der(h, ext[i]) : ATT_EINVAL;
    }
    if (rc == ATT_OK)
        rc = put_bytes(h, ch, sizeof(*ch));
    if (rc == ATT_OK)
        rc = put_cert_sha256(h, pck_ca);
    if (rc == ATT_OK)
        rc = put_u64(h, n_anchors);
    for (size_t i = 0; rc == ATT_OK && i < n_anchors; i++)
        rc = anchors[i] ? put_cert_sha256(h, anchors[i]) : ATT_EINVAL;
    if (rc == ATT_OK)
        rc = att__hash_final(h, key);
    att__hash_free(h);
    return rc;
}

/* ---- the platform of a quote's PCK certificate ----
 * Choosing the collateral needs the PCK certificate's FMSPC and CA before verification,
 * and reading them means parsing the quote's PEM chain, which costs more than an RSA
 * signature. The result depends only on the certification-data bytes, so it is kept under
 * their SHA-256 (no time window: it is a parse, not a verdict; the chain is verified by
 * att__quote_verify as always). Only successful parses are stored. */

static int plat_key(const att__quote *q, size_t n, uint8_t key[32])
{
    static const char domain[] = "attestd pck platform v1";
    att__hash_ctx *h = NULL;
    int rc = att__hash_new(ATT_HASH_SHA256, &h);
    if (rc == ATT_OK)
        rc = put_bytes(h, domain, sizeof(domain) - 1);
    if (rc == ATT_OK)
        rc = put_bytes(h, q->cert_data, n);
    if (rc == ATT_OK)
        rc = att__hash_final(h, key);
    att__hash_free(h);
    return rc;
}

int att__quote_pck_platform(const att__quote *q, att__pck_ext *ext, att__pck_ca *ca, att_diag *d)
{
    if (q->cert_type != ATT_QUOTE_CERT_PCK_CHAIN)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.cert_type", "quote.certification_data",
                             "quote certification data type %u carries no PCK certificate "
                             "chain (type 5 is needed to find the platform's collateral)",
                             q->cert_type);
    size_t n = q->cert_len;
    while (n > 0 && q->cert_data[n - 1] == '\0')
        n--;
    uint8_t key[32];
    att__pck_verdict v;
    int cacheable = plat_key(q, n, key) == ATT_OK;
    pthread_once(&init_once, init_tables);
    if (cacheable && table_get(&plat_table, key, 0, &v)) {
        *ext = v.pck;
        *ca = v.pck_ca;
        return ATT_OK;
    }
    att__cert **certs = NULL;
    size_t nc = 0;
    if (att__certs_from_pem((const char *)q->cert_data, n, &certs, &nc) != ATT_OK || nc == 0)
        return att_diag_fail(d, ATT_EPARSE, "quote.pck.pem", "quote.certification_data",
                             "the quote's PCK certificate chain is not readable PEM");
    int rc = att__pck_ext_from_cert(certs[0], ext, d);
    char *issuer = NULL;
    if (rc == ATT_OK && (rc = att__cert_issuer(certs[0], &issuer)) == ATT_OK)
        *ca = strstr(issuer, "Platform CA") ? ATT_PCK_CA_PLATFORM : ATT_PCK_CA_PROCESSOR;
    free(issuer);
    att__certs_free(certs, nc);
    if (rc == ATT_OK && cacheable) {
        memset(&v, 0, sizeof(v));
        v.not_before = INT64_MIN;
        v.not_after = INT64_MAX;
        v.pck = *ext;
        v.pck_ca = *ca;
        (void)table_put(&plat_table, key, &v); /* a failure only costs speed */
    }
    return rc;
}

size_t att__quote_pck_platform_count(void)
{
    return table_count(&plat_table);
}
