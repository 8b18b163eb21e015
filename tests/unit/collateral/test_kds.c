/* Unit tests of the AMD KDS fetcher (src/collateral/kds.c) against a real HTTP server on
 * 127.0.0.1 (libmicrohttpd, ephemeral port) serving a real VCEK the way AMD's KDS does:
 * the URL and SPL parameters, the disk cache (a second fetcher does no request), 404,
 * responses of the wrong shape and oversize ones (never cached), Turin's fmcSPL, the
 * minimum interval between requests and single flight. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "collateral/kds.h"
#include "core/limits.h"

enum { M_OK, M_HTML, M_BIG };

static struct {
    struct MHD_Daemon *d;
    unsigned port;
    atomic_int requests, mode, delay_ms;
    uint8_t *vcek;
    size_t vcek_n;
    char hwid[129];
    char last_query[256];
    pthread_mutex_t mu;
} srv = {.mu = PTHREAD_MUTEX_INITIALIZER};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const void *b, size_t n)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)b, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    char *q = cls;
    size_t n = strlen(q);
    snprintf(q + n, 256 - n, "%s%s=%s", n ? "&" : "", key, value ? value : "");
    return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_n, void **con_cls)
{
    atomic_fetch_add(&srv.requests, 1);
    int delay = atomic_load(&srv.delay_ms);
    if (delay > 0)
        usleep((useconds_t)delay * 1000u);
    char q[256] = "";
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, q);
    pthread_mutex_lock(&srv.mu);
    snprintf(srv.last_query, sizeof(srv.last_query), "%s", q);
    pthread_mutex_unlock(&srv.mu);
    char want[256];
    snprintf(want, sizeof(want), "/vcek/v1/Milan/%s", srv.hwid);
    int mode = atomic_load(&srv.mode);
    if (strcmp(url, want) == 0 || strncmp(url, "/vcek/v1/Turin/", 15) == 0) {
        if (mode == M_HTML)
            return reply(c, 200, "<html>busy</html>", 17);
        if (mode == M_BIG) {
            char *b = calloc(1, ATT_MAX_KDS_BODY + 16);
            b[0] = 0x30;
            enum MHD_Result r = reply(c, 200, b, ATT_MAX_KDS_BODY + 16);
            free(b);
            return r;
        }
        return reply(c, 200, srv.vcek, srv.vcek_n);
    }
    if (strcmp(url, "/vcek/v1/Milan/cert_chain") == 0) {
        size_t n;
        char *pem = tu_read_shared_text("vectors/snp/amd-roots/ask_ark_milan.pem", &n);
        enum MHD_Result r = reply(c, 200, pem, n);
        free(pem);
        return r;
    }
    return reply(c, 404, "", 0);
}

static int setup(void **state)
{
    setenv("no_proxy", "127.0.0.1", 1);
    setenv("NO_PROXY", "127.0.0.1", 1);
    srv.vcek = tu_read_file(tu_shared_path("vectors/snp/go-sev-guest/vcek.der"), &srv.vcek_n);
    size_t rn;
    uint8_t *rep = tu_read_file(tu_shared_path("vectors/snp/go-sev-guest/attestation.bin"), &rn);
    for (int i = 0; i < 64; i++)
        snprintf(srv.hwid + 2 * i, 3, "%02x", rep[0x1a0 + i]);
    free(rep);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                             NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    assert_non_null(srv.d);
    srv.port = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static int teardown(void **state)
{
    MHD_stop_daemon(srv.d);
    free(srv.vcek);
    return 0;
}

static att__kds *fetcher(const char *cache, int64_t interval_ms)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", srv.port);
    att__kds_config cfg = {.base_url = url, .cache_dir = cache, .min_interval_ms = interval_ms};
    att__kds *k = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__kds_new(&cfg, &k, &d), ATT_OK);
    return k;
}

static const att__kds_tcb milan_tcb = {.bl = 2, .tee = 0, .snp = 5, .ucode = 68};

static int get_tcb(att__kds *k, const char *product, const att__kds_tcb *tcb, att_diag *d,
                   uint8_t **der, size_t *n)
{
    uint8_t hw[64];
    size_t hn;
    uint8_t *h = tu_hex_decode(srv.hwid, &hn);
    memcpy(hw, h, 64);
    free(h);
    att_diag_clear(d);
    return att__kds_vcek(k, product, hw, 64, tcb, der, n, d);
}

static int get(att__kds *k, const char *product, att_diag *d, uint8_t **der, size_t *n)
{
    return get_tcb(k, product, &milan_tcb, d, der, n);
}

static void test_fetch_and_cache(void **state)
{
    const char *dir = tu_tmpdir();
    char cache[512];
    snprintf(cache, sizeof(cache), "%s/kds", dir);
    atomic_store(&srv.requests, 0);
    atomic_store(&srv.mode, M_OK);
    att__kds *k = fetcher(cache, 1);
    uint8_t *der = NULL;
    size_t n = 0;
    att_diag d;
    assert_int_equal(get(k, "Milan", &d, &der, &n), ATT_OK);
    assert_int_equal(n, srv.vcek_n);
    assert_memory_equal(der, srv.vcek, n);
    free(der);
    assert_string_equal(srv.last_query, "blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68");
    assert_int_equal(atomic_load(&srv.requests), 1);
    /* Again, and from a new fetcher on the same directory (a restart): no request. */
    assert_int_equal(get(k, "Milan", &d, &der, &n), ATT_OK);
    free(der);
    att__kds_free(k);
    k = fetcher(cache, 1);
    assert_int_equal(get(k, "Milan", &d, &der, &n), ATT_OK);
    free(der);
    assert_int_equal(atomic_load(&srv.requests), 1);
    att__kds_stats st;
    att__kds_stats_get(k, &st);
    assert_int_equal(st.disk_hits, 1);
    assert_int_equal(st.fetches, 0);
    /* The product chain. */
    char *pem = NULL;
    assert_int_equal(att__kds_cert_chain(k, "Milan", &pem, &n, &d), ATT_OK);
    assert_non_null(strstr(pem, "BEGIN CERTIFICATE"));
    free(pem);
    /* Unknown product, 404 (another hwID). */
    assert_int_equal(att__kds_cert_chain(k, "Naples", &pem, &n, &d), ATT_EINVAL);
    att_diag_clear(&d);
    assert_int_equal(att__kds_cert_chain(k, "Genoa", &pem, &n, &d), ATT_ENOTFOUND);
    assert_non_null(strstr(d.message, "/vcek/v1/Genoa/cert_chain"));
    /* The 404 is remembered: asked again, no request. */
    int before = atomic_load(&srv.requests);
    att_diag_clear(&d);
    assert_int_equal(att__kds_cert_chain(k, "Genoa", &pem, &n, &d), ATT_ENOTFOUND);
    assert_non_null(strstr(d.message, "remembered"));
    assert_int_equal(atomic_load(&srv.requests), before);
    att__kds_free(k);
    tu_rmtree(dir);
}

static void test_bad_responses(void **state)
{
    const char *dir = tu_tmpdir();
    atomic_store(&srv.requests, 0);
    att__kds *k = fetcher(dir, 1);
    uint8_t *der = NULL;
    size_t n = 0;
    att_diag d;
    att__kds_tcb t1 = milan_tcb, t2 = milan_tcb;
    t1.snp = 6;
    t2.snp = 7;
    atomic_store(&srv.mode, M_HTML);
    assert_int_equal(get(k, "Milan", &d, &der, &n), ATT_EPARSE);
    assert_non_null(strstr(d.message, "not a DER certificate"));
    atomic_store(&srv.mode, M_BIG);
    assert_int_equal(get_tcb(k, "Milan", &t1, &d, &der, &n), ATT_ELIMIT);
    /* Neither was cached on disk: a good answer for another TCB is fetched afterwards, and
     * the bad one stays remembered for a while (no request). */
    atomic_store(&srv.mode, M_OK);
    assert_int_equal(get_tcb(k, "Milan", &t2, &d, &der, &n), ATT_OK);
    free(der);
    assert_int_equal(get(k, "Milan", &d, &der, &n), ATT_EPARSE);
    assert_int_equal(atomic_load(&srv.requests), 3);
    struct stat st;
    char p2[600];
    snprintf(p2, sizeof(p2), "%s/vcek-Milan-%s-2-0-5-68--1.der", dir, srv.hwid);
    assert_int_not_equal(stat(p2, &st), 0);
    /* Turin: 8-byte hwID and fmcSPL. */
    att__kds_tcb t = {.bl = 1, .tee = 1, .snp = 4, .ucode = 81, .fmc = 1, .has_fmc = 1};
    uint8_t hw[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(att__kds_vcek(k, "Turin", hw, 8, &t, &der, &n, &d), ATT_OK);
    free(der);
    assert_string_equal(srv.last_query, "blSPL=1&teeSPL=1&snpSPL=4&ucodeSPL=81&fmcSPL=1");
    att__kds_free(k);
    tu_rmtree(dir);
    /* Nothing listening. */
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:1");
    att__kds_config cfg = {.base_url = url, .connect_timeout_ms = 500};
    assert_int_equal(att__kds_new(&cfg, &k, &d), ATT_OK);
    assert_int_equal(get(k, "Milan", &d, &der, &n), ATT_EIO);
    att__kds_free(k);
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
    att__kds *k = arg;
    uint8_t *der = NULL;
    size_t n;
    att_diag d;
    int rc = get(k, "Milan", &d, &der, &n);
    free(der);
    return (void *)(intptr_t)rc;
}

static void test_interval_and_single_flight(void **state)
{
    atomic_store(&srv.mode, M_OK);
    /* Memory only: every call is a request, spaced by the interval. */
    att__kds *k = fetcher(NULL, 300);
    atomic_store(&srv.requests, 0);
    double t0 = mono();
    uint8_t *der = NULL;
    size_t n;
    att_diag d;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(get(k, "Milan", &d, &der, &n), ATT_OK);
        free(der);
    }
    assert_true(mono() - t0 >= 0.55);
    assert_int_equal(atomic_load(&srv.requests), 3);
    att__kds_free(k);
    /* Four threads ask for the same VCEK while the server is slow: one request. */
    const char *dir = tu_tmpdir();
    k = fetcher(dir, 1);
    atomic_store(&srv.requests, 0);
    atomic_store(&srv.delay_ms, 300);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, worker, k);
    for (int i = 0; i < 4; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        assert_int_equal((int)(intptr_t)rc, ATT_OK);
    }
    atomic_store(&srv.delay_ms, 0);
    assert_int_equal(atomic_load(&srv.requests), 1);
    att__kds_free(k);
    tu_rmtree(dir);
    /* An interval beyond the longest wait: the second request is refused, not queued. */
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", srv.port);
    att__kds_config cfg = {.base_url = url, .min_interval_ms = 60000, .max_wait_ms = 1000};
    assert_int_equal(att__kds_new(&cfg, &k, &d), ATT_OK);
    assert_int_equal(get(k, "Milan", &d, &der, &n), ATT_OK);
    free(der);
    att__kds_tcb t = milan_tcb;
    t.bl = 9;
    t0 = mono();
    assert_int_equal(get_tcb(k, "Milan", &t, &d, &der, &n), ATT_EBUSY);
    assert_true(mono() - t0 < 0.5);
    assert_non_null(strstr(d.message, "queue is full"));
    att__kds_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch_and_cache),
        cmocka_unit_test(test_bad_responses),
        cmocka_unit_test(test_interval_and_single_flight),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
