/* Unit tests of the PCS collateral fetcher (src/collateral/fetch.c) against a real HTTP
 * server on 127.0.0.1 (libmicrohttpd, ephemeral port) serving the go-tdx-guest PCS
 * responses the way Intel PCS does (issuer chains URL-encoded in headers), and normalized
 * vectors re-served as PCS responses: first fetch and the cache, memory hits, a restart
 * served from disk, stale serving when upstream is down, tampered and oversize responses,
 * 404, the minimum interval, single flight, SGX URLs, hex CRLs and rollback refusal. */
#include <arpa/inet.h>
#include <dirent.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collateral_tu.h"

#include "collateral/dcap.h"
#include "collateral/fetch.h"
#include "core/limits.h"

#define GO   "vectors/tdx-v4/go-tdx-guest/"
#define KEY  "tdx-50806f000000-platform"
#define NORM "vectors/normalized-collateral/tdx-v4_go-tdx-guest-2023.json"

static const uint8_t FMSPC[6] = {0x50, 0x80, 0x6f, 0x00, 0x00, 0x00};

static att__cert *root2049, *root2033;
static const att__cert *anchors[2];
static int64_t win_nb, win_na; /* window of the go-tdx-guest set */

/* ---- the PCS stand-in ---- */

enum { M_OK, M_TAMPER, M_BIG, M_BIG_CHUNKED, M_HEX_CRL };

/* What the server serves for one platform: PCS bodies, URL-encoded chains, CRLs (DER, or
 * hex text as in the normalized vectors). */
typedef struct pcs_set {
    const char *tee, *ca; /* "tdx"/"sgx", "platform"/"processor" */
    char fmspc[13];
    char *tcb, *qe, *tcb_chain, *qe_chain, *pck_chain;
    uint8_t *pckcrl, *rootcrl;
    size_t tcb_n, qe_n, pckcrl_n, rootcrl_n;
} pcs_set;

typedef struct pcs_server {
    struct MHD_Daemon *d;
    unsigned port;
    atomic_int requests;
    atomic_int mode;
    atomic_int delay_ms;
    pcs_set go;           /* the go-tdx-guest PCS responses */
    pcs_set *_Atomic set; /* the set being served */
} pcs_server;

static pcs_server srv;

/* URL-encodes like PCS: unreserved characters (letters, digits, -_.~) stay. */
static char *url_encode(const char *s, size_t n)
{
    char *o = malloc(n * 3 + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~')
            o[k++] = (char)c;
        else
            k += (size_t)snprintf(o + k, 4, "%%%02X", c);
    }
    o[k] = '\0';
    return o;
}

static char *read_chain(const char *name)
{
    size_t n;
    char *pem = tu_read_shared_text(name, &n);
    char *enc = url_encode(pem, n);
    free(pem);
    return enc;
}

static ssize_t big_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    if (pos > 2u * ATT_MAX_PCS_BODY)
        return MHD_CONTENT_READER_END_OF_STREAM;
    memset(buf, ' ', max);
    return (ssize_t)max;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const void *body, size_t n,
                             const char *hname, const char *hval)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (hname)
        MHD_add_response_header(r, hname, hval);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_n, void **con_cls)
{
    atomic_fetch_add(&srv.requests, 1);
    int mode = atomic_load(&srv.mode);
    int delay = atomic_load(&srv.delay_ms);
    pcs_set *S = atomic_load(&srv.set);
    char p_tcb[64], p_qe[64];
    snprintf(p_tcb, sizeof(p_tcb), "/%s/certification/v4/tcb", S->tee);
    snprintf(p_qe, sizeof(p_qe), "/%s/certification/v4/qe/identity", S->tee);
    if (delay > 0)
        usleep((useconds_t)delay * 1000u);
    if (strcmp(url, p_tcb) == 0) {
        const char *fm = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "fmspc");
        if (!fm || strcasecmp(fm, S->fmspc) != 0)
            return reply(c, 404, "", 0, NULL, NULL);
        if (mode == M_BIG) {
            char *b = calloc(1, ATT_MAX_PCS_BODY + 16);
            memset(b, ' ', ATT_MAX_PCS_BODY + 16);
            enum MHD_Result ret =
                reply(c, 200, b, ATT_MAX_PCS_BODY + 16, "TCB-Info-Issuer-Chain", S->tcb_chain);
            free(b);
            return ret;
        }
        if (mode == M_BIG_CHUNKED) {
            struct MHD_Response *r =
                MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, big_reader, NULL, NULL);
            MHD_add_response_header(r, "TCB-Info-Issuer-Chain", S->tcb_chain);
            enum MHD_Result ret = MHD_queue_response(c, 200, r);
            MHD_destroy_response(r);
            return ret;
        }
        char *b = malloc(S->tcb_n);
        memcpy(b, S->tcb, S->tcb_n);
        if (mode == M_TAMPER) { /* one hex digit of the signature changed */
            char *s = strstr(b, "\"signature\":\"");
            assert_non_null(s);
            s += 13;
            *s = *s == '0' ? '1' : '0';
        }
        enum MHD_Result ret = reply(c, 200, b, S->tcb_n, "TCB-Info-Issuer-Chain", S->tcb_chain);
        free(b);
        return ret;
    }
    if (strcmp(url, p_qe) == 0)
        return reply(c, 200, S->qe, S->qe_n, "SGX-Enclave-Identity-Issuer-Chain", S->qe_chain);
    if (strcmp(url, "/sgx/certification/v4/pckcrl") == 0) {
        const char *ca = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ca");
        const char *enc = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "encoding");
        if (!ca || strcmp(ca, S->ca) != 0 || !enc || strcmp(enc, "der") != 0)
            return reply(c, 404, "", 0, NULL, NULL);
        if (mode == M_HEX_CRL) { /* PCCS style: ASCII hex of the DER */
            char *hex = malloc(S->pckcrl_n * 2 + 1);
            for (size_t i = 0; i < S->pckcrl_n; i++)
                snprintf(hex + 2 * i, 3, "%02x", S->pckcrl[i]);
            enum MHD_Result ret =
                reply(c, 200, hex, S->pckcrl_n * 2, "SGX-PCK-CRL-Issuer-Chain", S->pck_chain);
            free(hex);
            return ret;
        }
        return reply(c, 200, S->pckcrl, S->pckcrl_n, "SGX-PCK-CRL-Issuer-Chain", S->pck_chain);
    }
    if (strcmp(url, "/IntelSGXRootCA.der") == 0)
        return reply(c, 200, S->rootcrl, S->rootcrl_n, NULL, NULL);
    return reply(c, 404, "", 0, NULL, NULL);
}

static void server_start(void)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    srv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                             NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    assert_non_null(srv.d);
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(i);
    srv.port = i->port;
    atomic_store(&srv.requests, 0);
    atomic_store(&srv.mode, M_OK);
    atomic_store(&srv.delay_ms, 0);
    atomic_store(&srv.set, &srv.go);
}

static void server_stop(void)
{
    if (srv.d)
        MHD_stop_daemon(srv.d);
    srv.d = NULL;
}

static void set_free(pcs_set *t)
{
    free(t->tcb);
    free(t->qe);
    free(t->pckcrl);
    free(t->rootcrl);
    free(t->tcb_chain);
    free(t->qe_chain);
    free(t->pck_chain);
}

static char *dup_str(const char *s, size_t *n)
{
    *n = strlen(s);
    char *o = malloc(*n + 1);
    memcpy(o, s, *n + 1);
    return o;
}

/* A normalized vector served as PCS would: bodies {"tcbInfo":<exact text>,"signature":..},
 * chains URL-encoded, CRLs as the vector has them (hex, as a PCCS sends them). */
static void set_from_norm(pcs_set *t, const char *name, const char *tee, const char *ca,
                          const char *fmspc)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "vectors/normalized-collateral/%s", name);
    json_t *j = tu_load_json(rel);
    memset(t, 0, sizeof(*t));
    t->tee = tee;
    t->ca = ca;
    snprintf(t->fmspc, sizeof(t->fmspc), "%s", fmspc);
    const char *ti = tu_jstr(j, "tcb_info"), *ts = tu_jstr(j, "tcb_info_signature");
    const char *qi = tu_jstr(j, "qe_identity"), *qs = tu_jstr(j, "qe_identity_signature");
    t->tcb_n = strlen(ti) + strlen(ts) + 32;
    t->tcb = malloc(t->tcb_n);
    t->tcb_n = (size_t)snprintf(t->tcb, t->tcb_n, "{\"tcbInfo\":%s,\"signature\":\"%s\"}", ti, ts);
    t->qe_n = strlen(qi) + strlen(qs) + 40;
    t->qe = malloc(t->qe_n);
    t->qe_n =
        (size_t)snprintf(t->qe, t->qe_n, "{\"enclaveIdentity\":%s,\"signature\":\"%s\"}", qi, qs);
    const char *v = tu_jstr(j, "tcb_info_issuer_chain");
    t->tcb_chain = url_encode(v, strlen(v));
    v = tu_jstr(j, "qe_identity_issuer_chain");
    t->qe_chain = url_encode(v, strlen(v));
    v = tu_jstr(j, "pck_crl_issuer_chain");
    t->pck_chain = url_encode(v, strlen(v));
    t->pckcrl = (uint8_t *)dup_str(tu_jstr(j, "pck_crl"), &t->pckcrl_n);
    t->rootcrl = (uint8_t *)dup_str(tu_jstr(j, "root_ca_crl"), &t->rootcrl_n);
    json_decref(j);
}

/* ---- fixtures ---- */

static int setup(void **state)
{
    /* the test server is local: no proxy from the environment */
    setenv("no_proxy", "127.0.0.1", 1);
    setenv("NO_PROXY", "127.0.0.1", 1);
    att__cert *roots[2];
    tu_load_roots(roots);
    root2049 = roots[0];
    root2033 = roots[1];
    anchors[0] = root2049;
    anchors[1] = root2033;
    pcs_set *g = &srv.go;
    g->tee = "tdx";
    g->ca = "platform";
    snprintf(g->fmspc, sizeof(g->fmspc), "50806f000000");
    g->tcb = tu_read_shared_text(GO "sample_tcbInfo_response", &g->tcb_n);
    g->qe = tu_read_shared_text(GO "sample_qeIdentity_response", &g->qe_n);
    g->pckcrl = tu_read_file(tu_shared_path(GO "pckcrl"), &g->pckcrl_n);
    g->rootcrl = tu_read_file(tu_shared_path(GO "rootcrl.der"), &g->rootcrl_n);
    g->tcb_chain = read_chain(GO "tcb_info_issuer_chain.pem");
    g->qe_chain = read_chain(GO "qe_identity_issuer_chain.pem");
    g->pck_chain = read_chain(GO "pck_crl_issuer_chain.pem");
    /* the window of this set, from its normalized form */
    size_t n;
    char *text = tu_read_shared_text(NORM, &n);
    att__dcap_collateral *c = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__dcap_collateral_load_json(text, n, anchors, 2, &c, &d), ATT_OK);
    att__dcap_window(c, &win_nb, &win_na);
    assert_true(win_nb < win_na);
    att__dcap_unref(c);
    free(text);
    return 0;
}

static int teardown(void **state)
{
    att__cert_free(root2049);
    att__cert_free(root2033);
    set_free(&srv.go);
    return 0;
}

static char base_url[128], crl_url[128];

/* A fetcher on the test server's port (even when it is stopped). sgx_base: give the base
 * as ".../sgx/certification/v4" instead of the service root. */
static att__pcs_fetcher *fetcher(const char *cache, int64_t refresh_s, int64_t min_interval_s,
                                 int sgx_base)
{
    snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%u%s", srv.port,
             sgx_base ? "/sgx/certification/v4/" : "");
    snprintf(crl_url, sizeof(crl_url), "http://127.0.0.1:%u/IntelSGXRootCA.der", srv.port);
    att__pcs_config cfg;
    att__pcs_config_init(&cfg);
    cfg.base_url = base_url;
    cfg.root_crl_url = crl_url;
    cfg.cache_dir = cache;
    cfg.refresh_s = refresh_s;
    cfg.min_interval_s = min_interval_s;
    att__pcs_fetcher *f = NULL;
    att_diag d;
    att_diag_clear(&d);
    if (att__pcs_fetcher_new(&cfg, anchors, 2, &f, &d) != ATT_OK)
        fail_msg("%s", d.message);
    return f;
}

static int fetch(att__pcs_fetcher *f, int64_t at, att_diag *d)
{
    att__dcap_collateral *c = NULL;
    att_diag_clear(d);
    int rc = att__pcs_fetch(f, FMSPC, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, at, &c, d);
    if (rc == ATT_OK) {
        assert_non_null(c);
        assert_memory_equal(att__dcap_tcb_info(c)->fmspc, FMSPC, 6);
        assert_int_equal(att__dcap_tcb_info(c)->tee, ATT_TEE_TDX);
        assert_int_equal(att__dcap_pck_ca(c), ATT_PCK_CA_PLATFORM);
        assert_true(att__dcap_window_contains(c, at));
        att__dcap_unref(c);
    } else {
        assert_null(c);
    }
    return rc;
}

/* Number of entries of dir (dot-entries included, . and .. not). */
static int count_entries(const char *dir, int *dot)
{
    DIR *dh = opendir(dir);
    assert_non_null(dh);
    int n = 0;
    *dot = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n++;
        if (e->d_name[0] == '.')
            (*dot)++;
    }
    closedir(dh);
    return n;
}

static char *cached_file(const char *cache, const char *name, size_t *n)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/" KEY "/%s", cache, name);
    return (char *)tu_read_file(p, n);
}

static void make_cache(char *cache, size_t cap, char *top, size_t top_cap)
{
    snprintf(top, top_cap, "%s", tu_tmpdir());
    snprintf(cache, cap, "%s/cache", top);
}

/* ---- tests ---- */

static void test_fetch_cache_restart(void **state)
{
    char top[256], cache[300];
    make_cache(cache, sizeof(cache), top, sizeof(top));
    server_start();
    int64_t at = win_nb + 60;
    att_diag d;

    /* first fetch: 4 requests, the bundle written, no temporary left */
    att__pcs_fetcher *f = fetcher(cache, 86400, 60, 1);
    if (fetch(f, at, &d) != ATT_OK)
        fail_msg("%s", d.message);
    assert_int_equal(atomic_load(&srv.requests), 4);
    int dot, n = count_entries(cache, &dot);
    assert_int_equal(n, 1);
    assert_int_equal(dot, 0);
    size_t k;
    char *t = cached_file(cache, "tcbinfo.json", &k);
    assert_int_equal(k, srv.go.tcb_n);
    assert_memory_equal(t, srv.go.tcb, k);
    free(t);
    t = cached_file(cache, "TCB-Info-Issuer-Chain.pem", &k); /* decoded PEM */
    assert_non_null(strstr(t, "-----BEGIN CERTIFICATE-----\n"));
    free(t);

    /* the cache directory is a store directory */
    att__dcap_store *s = NULL;
    att_diag_clear(&d);
    assert_int_equal(att__dcap_store_load(cache, anchors, 2, &s, &d), ATT_OK);
    assert_int_equal(att__dcap_store_count(s), 1);
    att__dcap_store_free(s);

    /* second call: memory, no request */
    assert_int_equal(fetch(f, at + 3600, &d), ATT_OK);
    assert_int_equal(atomic_load(&srv.requests), 4);
    att__pcs_stats st;
    att__pcs_fetcher_stats(f, &st);
    assert_int_equal(st.fetches, 1);
    assert_int_equal(st.memory_hits, 1);
    att__pcs_fetcher_free(f);

    /* restart: the cache directory, no request */
    f = fetcher(cache, 86400, 60, 0);
    assert_int_equal(fetch(f, at, &d), ATT_OK);
    assert_int_equal(fetch(f, at, &d), ATT_OK);
    assert_int_equal(atomic_load(&srv.requests), 4);
    att__pcs_fetcher_stats(f, &st);
    assert_int_equal(st.disk_loads, 1);
    assert_int_equal(st.fetches, 0);
    att__pcs_fetcher_free(f);

    /* a refresh replaces the cached bundle atomically, nothing left over; a PCK CRL sent
     * as hex (PCCS) is stored as DER */
    atomic_store(&srv.mode, M_HEX_CRL);
    f = fetcher(cache, 0, 0, 0);
    assert_int_equal(fetch(f, at, &d), ATT_OK);
    assert_int_equal(atomic_load(&srv.requests), 8);
    n = count_entries(cache, &dot);
    assert_int_equal(n, 1);
    assert_int_equal(dot, 0);
    t = cached_file(cache, "pckcrl.der", &k);
    assert_int_equal(k, srv.go.pckcrl_n);
    assert_memory_equal(t, srv.go.pckcrl, k);
    free(t);
    atomic_store(&srv.mode, M_OK);
    att__pcs_fetcher_free(f);

    /* unknown platform: HTTP 404, named */
    f = fetcher(cache, 86400, 60, 0);
    att__dcap_collateral *c = NULL;
    const uint8_t other[6] = {1, 2, 3, 4, 5, 6};
    att_diag_clear(&d);
    assert_int_equal(att__pcs_fetch(f, other, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, at, &c, &d),
                     ATT_ENOTFOUND);
    assert_null(c);
    assert_non_null(strstr(d.message, "/tdx/certification/v4/tcb?fmspc=010203040506"));
    assert_non_null(strstr(d.message, "404"));
    att__pcs_fetcher_free(f);
    server_stop();
    tu_rmtree(top);
}

static void test_upstream_down(void **state)
{
    char top[256], cache[300], empty[300], url[200];
    make_cache(cache, sizeof(cache), top, sizeof(top));
    snprintf(empty, sizeof(empty), "%s/empty", top);
    server_start();
    int64_t at = win_nb + 60;
    att_diag d;
    att__pcs_fetcher *f = fetcher(cache, 86400, 60, 0);
    assert_int_equal(fetch(f, at, &d), ATT_OK);
    att__pcs_fetcher_free(f);
    server_stop();
    snprintf(url, sizeof(url),
             "GET http://127.0.0.1:%u/tdx/certification/v4/tcb?fmspc=50806f000000", srv.port);

    /* refresh due but upstream down: the cached set while it is valid */
    f = fetcher(cache, 0, 0, 0);
    assert_int_equal(fetch(f, at, &d), ATT_OK);
    assert_int_equal(fetch(f, win_na, &d), ATT_OK);
    att__pcs_stats st;
    att__pcs_fetcher_stats(f, &st);
    assert_int_equal(st.stale_served, 2);
    assert_int_equal(st.fetch_failures, 2);
    /* ... not beyond its window: the fetch error, naming the URL */
    assert_int_equal(fetch(f, win_na + 1, &d), ATT_EIO);
    assert_non_null(strstr(d.message, url));
    att__pcs_fetcher_free(f);

    /* nothing cached: the error names the URL; within the minimum interval no new attempt */
    f = fetcher(empty, 86400, 3600, 0);
    assert_int_equal(fetch(f, at, &d), ATT_EIO);
    assert_non_null(strstr(d.message, url));
    assert_int_equal(fetch(f, at, &d), ATT_EIO);
    assert_non_null(strstr(d.message, url));
    att__pcs_fetcher_stats(f, &st);
    assert_int_equal(st.fetches, 1);
    att__pcs_fetcher_free(f);
    tu_rmtree(top);
}

static void test_tampered(void **state)
{
    char top[256], cache[300];
    make_cache(cache, sizeof(cache), top, sizeof(top));
    server_start();
    int64_t at = win_nb + 60;
    att_diag d;
    int dot;

    /* nothing cached: rejected, nothing written */
    atomic_store(&srv.mode, M_TAMPER);
    att__pcs_fetcher *f = fetcher(cache, 0, 0, 0);
    assert_int_equal(fetch(f, at, &d), ATT_ESIG);
    assert_non_null(strstr(d.message, "TCB info signature invalid"));
    assert_int_equal(count_entries(cache, &dot), 0);

    /* a good set cached, then a tampered refresh: the good set stays, on disk too */
    atomic_store(&srv.mode, M_OK);
    assert_int_equal(fetch(f, at, &d), ATT_OK);
    size_t n0, n1;
    char *before = cached_file(cache, "tcbinfo.json", &n0);
    atomic_store(&srv.mode, M_TAMPER);
    assert_int_equal(fetch(f, at, &d), ATT_OK);
    att__pcs_stats st;
    att__pcs_fetcher_stats(f, &st);
    assert_int_equal(st.stale_served, 1);
    att__pcs_fetcher_free(f);
    char *after = cached_file(cache, "tcbinfo.json", &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
    assert_int_equal(count_entries(cache, &dot), 1);
    assert_int_equal(dot, 0);
    /* and a restart still loads it */
    server_stop();
    f = fetcher(cache, 86400, 60, 0);
    assert_int_equal(fetch(f, at, &d), ATT_OK);
    att__pcs_fetcher_free(f);
    tu_rmtree(top);
}

static void test_oversize(void **state)
{
    char top[256], cache[300];
    make_cache(cache, sizeof(cache), top, sizeof(top));
    server_start();
    att_diag d;
    int dot;
    int modes[2] = {M_BIG, M_BIG_CHUNKED};
    for (int i = 0; i < 2; i++) {
        atomic_store(&srv.mode, modes[i]);
        att__pcs_fetcher *f = fetcher(cache, 0, 0, 0);
        assert_int_equal(fetch(f, win_nb + 60, &d), ATT_ELIMIT);
        assert_non_null(strstr(d.message, "/tdx/certification/v4/tcb?fmspc=50806f000000"));
        assert_non_null(strstr(d.message, "larger than"));
        att__pcs_fetcher_free(f);
    }
    assert_int_equal(count_entries(cache, &dot), 0);
    server_stop();
    tu_rmtree(top);
}

typedef struct worker {
    att__pcs_fetcher *f;
    pthread_barrier_t *b;
    int rc;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    pthread_barrier_wait(w->b);
    att__dcap_collateral *c = NULL;
    att_diag d;
    att_diag_clear(&d);
    w->rc = att__pcs_fetch(w->f, FMSPC, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, win_nb + 60, &c, &d);
    att__dcap_unref(c);
    return NULL;
}

static void test_single_flight(void **state)
{
    char top[256], cache[300];
    make_cache(cache, sizeof(cache), top, sizeof(top));
    server_start();
    atomic_store(&srv.delay_ms, 100); /* every request slow: the callers overlap */
    att__pcs_fetcher *f = fetcher(cache, 86400, 60, 0);
    pthread_barrier_t b;
    pthread_barrier_init(&b, NULL, 8);
    pthread_t t[8];
    worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){f, &b, -1};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].rc, ATT_OK);
    }
    pthread_barrier_destroy(&b);
    assert_int_equal(atomic_load(&srv.requests), 4);
    att__pcs_stats st;
    att__pcs_fetcher_stats(f, &st);
    assert_int_equal(st.fetches, 1);
    att__pcs_fetcher_free(f);
    server_stop();
    tu_rmtree(top);
}

/* The window start of a normalized vector, and its set loaded directly. */
static int64_t norm_start(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "vectors/normalized-collateral/%s", name);
    size_t n;
    char *text = tu_read_shared_text(rel, &n);
    att__dcap_collateral *c = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__dcap_collateral_load_json(text, n, anchors, 2, &c, &d), ATT_OK);
    int64_t nb, na;
    att__dcap_window(c, &nb, &na);
    assert_true(nb < na);
    att__dcap_unref(c);
    free(text);
    return nb;
}

/* att__pcs_fetch for any platform; *eval gets the TCB evaluation number served. */
static int fetch_p(att__pcs_fetcher *f, const uint8_t fm[6], att__tee_type tee, att__pck_ca ca,
                   int64_t at, unsigned *eval, att_diag *d)
{
    att__dcap_collateral *c = NULL;
    att_diag_clear(d);
    int rc = att__pcs_fetch(f, fm, tee, ca, at, &c, d);
    if (rc == ATT_OK) {
        assert_memory_equal(att__dcap_tcb_info(c)->fmspc, fm, 6);
        assert_int_equal(att__dcap_tcb_info(c)->tee, tee);
        assert_int_equal(att__dcap_pck_ca(c), ca);
        assert_true(att__dcap_window_contains(c, at));
        *eval = att__dcap_tcb_info(c)->tcb_eval_number;
        att__dcap_unref(c);
    } else {
        assert_null(c);
    }
    return rc;
}

static void test_sgx_and_rollback(void **state)
{
    char top[256], cache[300], p[400];
    make_cache(cache, sizeof(cache), top, sizeof(top));
    server_start();
    att_diag d;
    unsigned eval = 0;
    struct stat st;

    /* SGX: /sgx/certification/v4/tcb and qe/identity, Processor CA, CRLs sent as hex */
    pcs_set sgx;
    set_from_norm(&sgx, "sgx-v3_phala-dcap-qvl.json", "sgx", "processor", "00A067110000");
    atomic_store(&srv.set, &sgx);
    const uint8_t fm_sgx[6] = {0x00, 0xa0, 0x67, 0x11, 0x00, 0x00};
    att__pcs_fetcher *f = fetcher(cache, 0, 0, 1);
    int64_t at = norm_start("sgx-v3_phala-dcap-qvl.json") + 60;
    if (fetch_p(f, fm_sgx, ATT_TEE_SGX, ATT_PCK_CA_PROCESSOR, at, &eval, &d) != ATT_OK)
        fail_msg("%s", d.message);
    assert_int_equal(eval, 17);
    snprintf(p, sizeof(p), "%s/sgx-00a067110000-processor/rootcrl.der", cache);
    assert_int_equal(stat(p, &st), 0);

    /* a refresh that serves an older TCB evaluation is refused (rollback) */
    pcs_set e21, e17;
    set_from_norm(&e21, "tdx-v5_openenclave-eval21.json", "tdx", "platform", "00806F050000");
    set_from_norm(&e17, "tdx-v4_automata-dcap-rs.json", "tdx", "platform", "00806F050000");
    const uint8_t fm_tdx[6] = {0x00, 0x80, 0x6f, 0x05, 0x00, 0x00};
    int64_t at21 = norm_start("tdx-v5_openenclave-eval21.json") + 60;
    int64_t at17 = norm_start("tdx-v4_automata-dcap-rs.json") + 60;
    atomic_store(&srv.set, &e21);
    if (fetch_p(f, fm_tdx, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, at21, &eval, &d) != ATT_OK)
        fail_msg("%s", d.message);
    assert_int_equal(eval, 21);
    atomic_store(&srv.set, &e17);
    assert_int_equal(fetch_p(f, fm_tdx, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, at21, &eval, &d), ATT_OK);
    assert_int_equal(eval, 21); /* the cached set, stale-served */
    assert_int_equal(fetch_p(f, fm_tdx, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, at17, &eval, &d),
                     ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "older than the cached set"));
    att__pcs_stats stats;
    att__pcs_fetcher_stats(f, &stats);
    assert_int_equal(stats.fetches, 4);
    assert_int_equal(stats.fetch_failures, 2);
    att__pcs_fetcher_free(f);
    /* on disk: still eval 21 */
    snprintf(p, sizeof(p), "%s/tdx-00806f050000-platform/tcbinfo.json", cache);
    size_t n;
    uint8_t *b = tu_read_file(p, &n);
    assert_int_equal(n, e21.tcb_n);
    assert_memory_equal(b, e21.tcb, n);
    free(b);
    server_stop();
    set_free(&sgx);
    set_free(&e21);
    set_free(&e17);
    tu_rmtree(top);
}

static void test_args(void **state)
{
    att__pcs_config cfg;
    att__pcs_config_init(&cfg);
    att__pcs_fetcher *f = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__pcs_fetcher_new(&cfg, anchors, 2, &f, &d), ATT_EINVAL);
    cfg.base_url = "ftp://example/";
    cfg.cache_dir = "/nonexistent-parent/cache";
    att_diag_clear(&d);
    assert_int_equal(att__pcs_fetcher_new(&cfg, anchors, 2, &f, &d), ATT_EINVAL);
    cfg.base_url = "https://example";
    att_diag_clear(&d);
    assert_int_equal(att__pcs_fetcher_new(&cfg, anchors, 2, &f, &d), ATT_EIO);
    assert_null(f);
    att__pcs_fetcher_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch_cache_restart),
        cmocka_unit_test(test_upstream_down),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_single_flight),
        cmocka_unit_test(test_sgx_and_rollback),
        cmocka_unit_test(test_args),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
