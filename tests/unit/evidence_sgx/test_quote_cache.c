/* Unit tests for the verified PCK chain cache and the attestation-key table of
 * src/evidence/sgx (quote_cache.c): hits and misses, window boundaries, keys that differ
 * with the collateral, the anchors and the chain, failures never stored, eviction at
 * ATT_MAX_PCK_CACHE, and concurrent verification from several threads (also run under
 * ASan+UBSan). Real quote: sgx-v3/phala-dcap-qvl with its normalized collateral. */
#include "sgx_tu.h"

#include <pthread.h>

#include "evidence/sgx/quote_int.h"

#define PHALA_SGX "sgx-v3/phala-dcap-qvl/sgx_quote.bin"
#define PHALA_COL "normalized-collateral/sgx-v3_phala-dcap-qvl.json"
#define OTHER_COL "normalized-collateral/sgx-v3_automata-dcap-rs.json"
#define AT        1750377600 /* 2025-06-20T00:00:00Z, the manifest's verification time */

static att__cert *roots[2];
static att__dcap_collateral *col;
static uint8_t *quote;
static size_t quote_n;

static int setup(void **state)
{
    (void)state;
    tu_load_roots(roots);
    col = tu_load_collateral(PHALA_COL, roots);
    quote = tu_read_quote(PHALA_SGX, 0, &quote_n);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    att__quote_cache_clear();
    att__dcap_unref(col);
    tu_free_roots(roots);
    free(quote);
    return 0;
}

static int clear_before(void **state)
{
    (void)state;
    att__quote_cache_clear();
    return 0;
}

/* A synthetic key: byte 0 picks the shard, bytes 1..4 hold i. */
static void make_key(uint8_t key[32], uint32_t shard, uint32_t i)
{
    memset(key, 0xa5, 32);
    key[0] = (uint8_t)shard;
    key[1] = (uint8_t)i;
    key[2] = (uint8_t)(i >> 8);
    key[3] = (uint8_t)(i >> 16);
    key[4] = (uint8_t)(i >> 24);
}

static int put_window(const uint8_t key[32], int64_t nb, int64_t na)
{
    att__pck_verdict v;
    memset(&v, 0, sizeof(v));
    v.not_before = nb;
    v.not_after = na;
    v.pck_ca = ATT_PCK_CA_PLATFORM;
    snprintf(v.pck_issuer, sizeof(v.pck_issuer), "test %lld", (long long)nb);
    return att__pck_cache_put(key, &v);
}

static int has(const uint8_t key[32], int64_t at)
{
    att__pck_verdict v;
    int hit = att__pck_cache_get(key, at, &v);
    if (hit)
        att__pkey_free(v.key);
    return hit;
}

/* Hits only inside [not_before, not_after]; a put of the same key replaces the window. */
static void window_boundaries(void **state)
{
    (void)state;
    uint8_t k[32], other[32];
    make_key(k, 3, 1);
    make_key(other, 3, 2);
    assert_int_equal(att__pck_cache_count(), 0);
    assert_false(has(k, 150));
    assert_int_equal(put_window(k, 100, 200), ATT_OK);
    assert_int_equal(att__pck_cache_count(), 1);
    assert_false(has(k, 99));
    assert_true(has(k, 100));
    assert_true(has(k, 150));
    assert_true(has(k, 200));
    assert_false(has(k, 201));
    assert_false(has(other, 150));

    att__pck_verdict v;
    assert_true(att__pck_cache_get(k, 100, &v));
    assert_int_equal(v.not_before, 100);
    assert_int_equal(v.not_after, 200);
    assert_int_equal(v.pck_ca, ATT_PCK_CA_PLATFORM);
    assert_string_equal(v.pck_issuer, "test 100");
    assert_null(v.key);

    /* an empty window is refused, nothing changes */
    assert_int_equal(put_window(k, 300, 299), ATT_EINVAL);
    assert_true(has(k, 150));
    /* re-verified later: the new window replaces the old one */
    assert_int_equal(put_window(k, 300, 400), ATT_OK);
    assert_int_equal(att__pck_cache_count(), 1);
    assert_false(has(k, 150));
    assert_true(has(k, 300));
    assert_true(has(k, 400));
    att__quote_cache_clear();
    assert_int_equal(att__pck_cache_count(), 0);
    assert_false(has(k, 350));
}

/* The bound holds; a full shard evicts its least recently used entry. */
static void eviction_at_bound(void **state)
{
    (void)state;
    const uint32_t shards = ATT__PCK_CACHE_SHARDS;
    uint8_t k[32];
    for (uint32_t i = 0; i < ATT_MAX_PCK_CACHE; i++) {
        make_key(k, i % shards, i);
        assert_int_equal(put_window(k, 0, 10), ATT_OK);
    }
    assert_int_equal(att__pck_cache_count(), ATT_MAX_PCK_CACHE);
    for (uint32_t i = 0; i < ATT_MAX_PCK_CACHE; i++) {
        make_key(k, i % shards, i);
        assert_true(has(k, 5)); /* touches every entry in insertion order */
    }
    /* shard 0's least recently used is now entry 0; touch it so that entry 16 is */
    make_key(k, 0, 0);
    assert_true(has(k, 5));
    make_key(k, 0, ATT_MAX_PCK_CACHE);
    assert_int_equal(put_window(k, 0, 10), ATT_OK);
    assert_int_equal(att__pck_cache_count(), ATT_MAX_PCK_CACHE);
    assert_true(has(k, 5));
    make_key(k, 0, 0);
    assert_true(has(k, 5));
    make_key(k, 0, shards);
    assert_false(has(k, 5)); /* evicted */
    make_key(k, 0, 2 * shards);
    assert_true(has(k, 5));
    /* another shard evicts its own oldest, entry 1 */
    make_key(k, 1, ATT_MAX_PCK_CACHE + 1);
    assert_int_equal(put_window(k, 0, 10), ATT_OK);
    make_key(k, 1, 1);
    assert_false(has(k, 5));
    assert_int_equal(att__pck_cache_count(), ATT_MAX_PCK_CACHE);
    /* a thousand more: still bounded */
    for (uint32_t i = 0; i < 1000; i++) {
        make_key(k, i % shards, 2 * ATT_MAX_PCK_CACHE + i);
        assert_int_equal(put_window(k, 0, 10), ATT_OK);
    }
    assert_int_equal(att__pck_cache_count(), ATT_MAX_PCK_CACHE);
}

static int verify(const att__cert *const *anchors, size_t n_anchors, int64_t at,
                  att__quote_result *r, att_diag *d)
{
    att__quote q;
    att_diag_clear(d);
    assert_int_equal(att__quote_parse(quote, quote_n, &q, d), ATT_OK);
    return att__quote_verify(&q, col, anchors, n_anchors, at, r, d);
}

static void key_of(const att__dcap_collateral *c, const att__cert *const *anchors, size_t n,
                   uint8_t key[32])
{
    att__quote q;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(quote, quote_n, &q, &d), ATT_OK);
    assert_int_equal(att__pck_cache_key(&q, NULL, 0, c, anchors, n, key), ATT_OK);
}

/* A real quote: the first verification stores the chain, the second hits and gives the
 * same result; the stored window lies inside the leaf's and the collateral's validity and
 * is exact at its ends; expired collateral still fails after a hit. */
static void real_quote_hit(void **state)
{
    (void)state;
    const att__cert *a[1] = {roots[0]};
    att__quote_result r1, r2;
    att_diag d;
    assert_int_equal(verify(a, 1, AT, &r1, &d), ATT_OK);
    assert_int_equal(att__pck_cache_count(), 1);
    assert_int_equal(att__quote_attest_key_count(), 1);
    assert_int_equal(verify(a, 1, AT, &r2, &d), ATT_OK);
    assert_int_equal(att__pck_cache_count(), 1);
    assert_int_equal(att__quote_attest_key_count(), 1);
    assert_int_equal(r2.verdict, ATT_QUOTE_VERIFIED);
    assert_int_equal(r1.status, r2.status);
    assert_int_equal(r1.qe_status, r2.qe_status);
    assert_int_equal(r1.pck_ca, r2.pck_ca);
    assert_string_equal(r1.pck_issuer, r2.pck_issuer);
    assert_string_equal(r2.pck_issuer, "Intel SGX PCK Processor CA");
    assert_memory_equal(&r1.pck, &r2.pck, sizeof(r1.pck));
    assert_int_equal(r1.tcb_date, r2.tcb_date);

    uint8_t key[32];
    key_of(col, a, 1, key);
    att__pck_verdict v;
    assert_true(att__pck_cache_get(key, AT, &v));
    assert_non_null(v.key);
    att__pkey_free(v.key);
    int64_t cnb, cna, lnb, lna;
    att__dcap_window(col, &cnb, &cna);
    att__quote q;
    assert_int_equal(att__quote_parse(quote, quote_n, &q, &d), ATT_OK);
    att__cert **chain = NULL;
    size_t n = 0;
    size_t len = q.cert_len;
    while (len > 0 && q.cert_data[len - 1] == '\0')
        len--;
    assert_int_equal(att__certs_from_pem((const char *)q.cert_data, len, &chain, &n), ATT_OK);
    assert_int_equal(att__cert_validity(chain[0], &lnb, &lna), ATT_OK);
    assert_true(v.not_before <= AT && AT <= v.not_after);
    assert_true(v.not_before >= cnb && v.not_before >= lnb);
    assert_true(v.not_after <= cna && v.not_after <= lna);
    assert_true(has(key, v.not_before));
    assert_true(has(key, v.not_after));
    assert_false(has(key, v.not_before - 1));
    assert_false(has(key, v.not_after + 1));

    /* after the collateral window: the collateral check fails first, cache or not */
    att__quote_result r3;
    assert_int_equal(verify(a, 1, cna + 1, &r3, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.expired");
    assert_int_equal(r3.verdict, ATT_QUOTE_REJECTED);

    /* the same chain supplied by the caller is a different key (DER, not the PEM) */
    const att__cert *ext[3] = {chain[0], chain[1], chain[2]};
    att__quote_result r4;
    att_diag_clear(&d);
    assert_int_equal(att__quote_verify_pck(&q, ext, 3, col, a, 1, AT, &r4, &d), ATT_OK);
    assert_int_equal(att__pck_cache_count(), 2);
    assert_int_equal(att__quote_verify_pck(&q, ext, 3, col, a, 1, AT, &r4, &d), ATT_OK);
    assert_int_equal(att__pck_cache_count(), 2);
    assert_memory_equal(&r1.pck, &r4.pck, sizeof(r1.pck));
    uint8_t kext[32];
    assert_int_equal(att__pck_cache_key(&q, ext, 3, col, a, 1, kext), ATT_OK);
    assert_memory_not_equal(key, kext, 32);
    /* two certificates (no root) is another chain again */
    assert_int_equal(att__pck_cache_key(&q, ext, 2, col, a, 1, kext), ATT_OK);
    assert_memory_not_equal(key, kext, 32);
    att__certs_free(chain, n);
}

/* Different anchors, a different collateral set and a different chain are different keys;
 * failures are never stored. */
static void misses_and_failures(void **state)
{
    (void)state;
    const att__cert *a0[1] = {roots[0]}, *a1[1] = {roots[1]}, *both[2] = {roots[0], roots[1]};
    const att__cert *swapped[2] = {roots[1], roots[0]};
    uint8_t k0[32], k1[32], kb[32], ks[32], ko[32];
    key_of(col, a0, 1, k0);
    key_of(col, a1, 1, k1);
    key_of(col, both, 2, kb);
    key_of(col, swapped, 2, ks);
    att__dcap_collateral *other = tu_load_collateral(OTHER_COL, roots);
    key_of(other, a0, 1, ko);
    assert_memory_not_equal(k0, k1, 32);
    assert_memory_not_equal(k0, kb, 32);
    assert_memory_not_equal(kb, ks, 32);
    assert_memory_not_equal(k0, ko, 32);
    /* deterministic: no pointer in it */
    uint8_t again[32];
    key_of(col, a0, 1, again);
    assert_memory_equal(k0, again, 32);

    att__quote_result r;
    att_diag d;
    assert_int_equal(verify(a0, 1, AT, &r, &d), ATT_OK);
    assert_int_equal(att__pck_cache_count(), 1);
    assert_true(has(k0, AT));
    assert_false(has(k1, AT));
    assert_int_equal(verify(a1, 1, AT, &r, &d), ATT_OK);
    assert_int_equal(att__pck_cache_count(), 2);
    assert_int_equal(verify(both, 2, AT, &r, &d), ATT_OK);
    assert_int_equal(att__pck_cache_count(), 3);
    assert_false(has(ko, AT));

    /* a chain that does not reach the anchor fails and is not stored */
    att__cert *syn = NULL;
    size_t n;
    uint8_t *pem = tu_read_file(tu_shared_path("vectors/sgx-v3/intel-qvl-sample-synthetic/"
                                               "trustedRootCaCert.pem"),
                                &n);
    assert_int_equal(att__cert_from_pem((const char *)pem, n, &syn), ATT_OK);
    free(pem);
    const att__cert *as[1] = {syn};
    assert_int_equal(verify(as, 1, AT, &r, &d), ATT_ECHAIN);
    assert_int_equal(att__pck_cache_count(), 3);
    assert_int_equal(verify(as, 1, AT, &r, &d), ATT_ECHAIN);
    assert_true(strncmp(d.reason, "quote.pck_chain", 15) == 0);
    att__cert_free(syn);

    /* a damaged PCK certificate (a byte of its PEM changed) fails and is not stored; the
     * intact quote still hits afterwards */
    att__quote q;
    assert_int_equal(att__quote_parse(quote, quote_n, &q, &d), ATT_OK);
    size_t off = (size_t)(q.cert_data - quote) + 200; /* inside the leaf's base64 */
    uint8_t saved = quote[off];
    quote[off] = (uint8_t)(saved == 'A' ? 'B' : 'A');
    int rc = verify(a0, 1, AT, &r, &d);
    quote[off] = saved;
    assert_int_not_equal(rc, ATT_OK);
    assert_int_equal(r.verdict, ATT_QUOTE_REJECTED);
    assert_int_equal(att__pck_cache_count(), 3);
    assert_int_equal(verify(a0, 1, AT, &r, &d), ATT_OK);
    assert_int_equal(att__pck_cache_count(), 3);

    /* the quote against a collateral set of another platform still fails as before */
    att__quote_result ro;
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(quote, quote_n, &q, &d), ATT_OK);
    assert_int_not_equal(att__quote_verify(&q, other, a0, 1, AT, &ro, &d), ATT_OK);
    assert_int_not_equal(att__quote_verify(&q, other, a0, 1, AT, &ro, &d), ATT_OK);
    att__dcap_unref(other);
}

/* Several threads verify the same quote with different anchor sets while another fills
 * the table with synthetic entries (evicting) and clears it now and then. */
#define N_THREADS 6
#define N_ROUNDS  150

static int thread_failures;
static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;

/* The platform lookup the server uses to choose collateral: parsed once, then memoized;
 * the memo answers exactly what a fresh parse does; a quote without a chain is refused. */
static void pck_platform_memo(void **state)
{
    (void)state;
    att__quote q;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__quote_parse(quote, quote_n, &q, &d), ATT_OK);
    att__pck_ext e1, e2;
    att__pck_ca c1, c2;
    assert_int_equal(att__quote_pck_platform_count(), 0);
    assert_int_equal(att__quote_pck_platform(&q, &e1, &c1, &d), ATT_OK);
    assert_int_equal(att__quote_pck_platform_count(), 1);
    assert_int_equal(att__quote_pck_platform(&q, &e2, &c2, &d), ATT_OK);
    assert_int_equal(att__quote_pck_platform_count(), 1);
    assert_memory_equal(&e1, &e2, sizeof(e1));
    assert_int_equal(c1, c2);
    assert_int_equal(c1, ATT_PCK_CA_PROCESSOR); /* the manifest: Processor CA, FMSPC 00a067110000 */
    static const uint8_t fmspc[6] = {0x00, 0xa0, 0x67, 0x11, 0x00, 0x00};
    assert_memory_equal(e1.fmspc, fmspc, 6);
    att__quote other = q;
    other.cert_type = 4;
    att_diag_clear(&d);
    assert_int_equal(att__quote_pck_platform(&other, &e2, &c2, &d), ATT_EUNSUPPORTED);
    assert_non_null(strstr(d.message, "type 4"));
}

static void count_failure(void)
{
    pthread_mutex_lock(&fail_mu);
    thread_failures++;
    pthread_mutex_unlock(&fail_mu);
}

static void *verifier(void *arg)
{
    size_t id = (size_t)arg;
    const att__cert *a0[1] = {roots[0]}, *a1[1] = {roots[1]}, *both[2] = {roots[0], roots[1]};
    for (int i = 0; i < N_ROUNDS; i++) {
        att__quote q;
        att__quote_result r;
        att_diag d;
        att_diag_clear(&d);
        int which = (int)((id + (size_t)i) % 3);
        const att__cert *const *a = which == 0 ? a0 : which == 1 ? a1 : both;
        if (att__quote_parse(quote, quote_n, &q, &d) != ATT_OK ||
            att__quote_verify(&q, col, a, which == 2 ? 2 : 1, AT, &r, &d) != ATT_OK ||
            r.verdict != ATT_QUOTE_VERIFIED || r.pck_ca != ATT_PCK_CA_PROCESSOR)
            count_failure();
    }
    return NULL;
}

static void *churner(void *arg)
{
    (void)arg;
    uint8_t k[32];
    for (uint32_t i = 0; i < 3 * ATT_MAX_PCK_CACHE; i++) {
        make_key(k, i % ATT__PCK_CACHE_SHARDS, 0x40000000u + i);
        if (put_window(k, 0, 10) != ATT_OK)
            count_failure();
        if (i % 997 == 0)
            att__quote_cache_clear();
        if (att__pck_cache_count() > ATT_MAX_PCK_CACHE)
            count_failure();
    }
    return NULL;
}

static void concurrent(void **state)
{
    (void)state;
    pthread_t t[N_THREADS + 1];
    thread_failures = 0;
    for (size_t i = 0; i < N_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, verifier, (void *)i), 0);
    assert_int_equal(pthread_create(&t[N_THREADS], NULL, churner, NULL), 0);
    for (size_t i = 0; i <= N_THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(thread_failures, 0);
    assert_true(att__pck_cache_count() <= ATT_MAX_PCK_CACHE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(window_boundaries, clear_before),
        cmocka_unit_test_setup(eviction_at_bound, clear_before),
        cmocka_unit_test_setup(real_quote_hit, clear_before),
        cmocka_unit_test_setup(misses_and_failures, clear_before),
        cmocka_unit_test_setup(concurrent, clear_before),
        cmocka_unit_test_setup(pck_platform_memo, clear_before),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
