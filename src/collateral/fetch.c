/* DCAP collateral fetched from an Intel PCS API v4 compatible service with libcurl, cached
 * on disk as PCS bundle directories (one per platform, replaced atomically) and in memory,
 * with single-flight fetches, stale serving and a minimum interval between fetches. See
 * fetch.h for the contract and docs/internals/collateral.md for the cache layout. */
#define _GNU_SOURCE /* renameat2(RENAME_EXCHANGE) */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collateral/dcap_int.h"
#include "collateral/fetch.h"
#include "core/limits.h"
#include "core/log.h"

_Static_assert(ATT_MAX_PCS_BODY <= ATT_DCAP_MAX_FILE, "a fetched body can be loaded back");

/* Bundle file names (as store.c reads them). */
static const char *const bundle_files[7] = {
    "tcbinfo.json",     "TCB-Info-Issuer-Chain.pem",
    "qe_identity.json", "SGX-Enclave-Identity-Issuer-Chain.pem",
    "pckcrl.der",       "SGX-PCK-CRL-Issuer-Chain.pem",
    "rootcrl.der"};
enum { F_TCB, F_TCB_CHAIN, F_QE, F_QE_CHAIN, F_PCKCRL, F_PCK_CHAIN, F_ROOTCRL, F_N };

/* One platform's state. Guarded by the fetcher's mutex; cur and fetched_at change only
 * while the thread that set in_flight holds the mutex. */
typedef struct pcs_entry {
    uint8_t fmspc[6];
    att__tee_type tee;
    att__pck_ca ca;
    char key[40];              /* "tdx-50806f000000-platform": the cache subdirectory */
    att__dcap_collateral *cur; /* own reference, or NULL */
    int64_t fetched_at;        /* wall clock time cur was fetched (bundle mtime) */
    int disk_checked;          /* the cache directory was looked at */
    int in_flight;             /* a thread is loading/fetching this platform */
    int attempted;             /* a network fetch was made (last_attempt is set) */
    int64_t last_attempt;      /* monotonic seconds of the last network fetch */
    unsigned gen;              /* incremented when a flight ends */
    int last_rc;               /* result of the last flight */
    att_diag last_diag;
} pcs_entry;

struct att__pcs_fetcher {
    char *root, *root_crl_url, *cache_dir;
    const att__cert *const *anchors;
    size_t n_anchors;
    int64_t refresh_s, min_interval_s;
    long connect_ms, total_ms;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a flight ended (CLOCK_MONOTONIC) */
    pcs_entry **entries;
    size_t n, cap;
    att__pcs_stats stats;
};

/* ---- small helpers ---- */

static int64_t mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

static int join(char *out, size_t cap, const char *a, const char *b)
{
    int k = snprintf(out, cap, "%s/%s", a, b);
    return k < 0 || (size_t)k >= cap ? ATT_ELIMIT : ATT_OK;
}

static const char *ca_name(att__pck_ca ca)
{
    return ca == ATT_PCK_CA_PLATFORM ? "platform" : "processor";
}

static const char *tee_name(att__tee_type tee)
{
    return tee == ATT_TEE_TDX ? "tdx" : "sgx";
}

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* Percent-decodes a header value (PCS sends the PEM chain URL-encoded; '+' is not a space
 * in it). Writes at most n bytes into out; returns the length. */
static size_t pct_decode(const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '%' && n - i >= 3 && isxdigit((unsigned char)in[i + 1]) &&
            isxdigit((unsigned char)in[i + 2])) {
            out[o++] =
                (char)(hexval((unsigned char)in[i + 1]) * 16 + hexval((unsigned char)in[i + 2]));
            i += 2;
        } else {
            out[o++] = in[i];
        }
    }
    return o;
}

/* ---- HTTP ---- */

/* One response: the body and the first matching issuer-chain header (both malloc'd). */
typedef struct pcs_resp {
    char *body;
    size_t n;
    char *chain;
    size_t chain_n;
    int too_big;                /* the body or header exceeded its cap */
    const char *const *headers; /* accepted names for the chain header, NULL-terminated */
} pcs_resp;

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
    pcs_resp *r = arg;
    size_t k = size * nmemb;
    if (k > ATT_MAX_PCS_BODY - r->n) {
        r->too_big = 1;
        return 0; /* aborts the transfer */
    }
    char *nb = realloc(r->body, r->n + k + 1);
    if (!nb)
        return 0;
    memcpy(nb + r->n, p, k);
    r->body = nb;
    r->n += k;
    nb[r->n] = '\0';
    return k;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *arg)
{
    pcs_resp *r = arg;
    size_t k = size * nmemb;
    if (!r->headers || r->chain)
        return k;
    for (const char *const *h = r->headers; *h; h++) {
        size_t hl = strlen(*h);
        if (k <= hl || p[hl] != ':' || strncasecmp(p, *h, hl) != 0)
            continue;
        const char *v = p + hl + 1;
        size_t vn = k - hl - 1;
        while (vn && (*v == ' ' || *v == '\t'))
            v++, vn--;
        while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
            vn--;
        if (vn > ATT_MAX_PCS_HEADER) {
            r->too_big = 1;
            return 0;
        }
        r->chain = malloc(vn + 1);
        if (!r->chain)
            return 0;
        r->chain_n = pct_decode(v, vn, r->chain);
        r->chain[r->chain_n] = '\0';
        break;
    }
    return k;
}

/* GET url into *r with curl handle h (reused for keep-alive). headers: the names under
 * which the issuer chain may come (NULL: none wanted). Fails naming the URL. */
static int http_get(att__pcs_fetcher *f, CURL *h, const char *url, const char *const *headers,
                    pcs_resp *r, att_diag *d)
{
    char err[CURL_ERROR_SIZE];
    err[0] = '\0';
    memset(r, 0, sizeof(*r));
    r->headers = headers;
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, f->connect_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, f->total_ms);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ATT_MAX_PCS_BODY);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "attestd");
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (r->too_big || cc == CURLE_FILESIZE_EXCEEDED)
        return att_diag_fail(d, ATT_ELIMIT, "collateral.fetch.size", url,
                             "GET %s: response larger than %u bytes", url, ATT_MAX_PCS_BODY);
    if (cc != CURLE_OK)
        return att_diag_fail(d, ATT_EIO, "collateral.fetch.network", url, "GET %s: %s", url,
                             err[0] ? err : curl_easy_strerror(cc));
    if (status != 200)
        return att_diag_fail(d, status == 404 ? ATT_ENOTFOUND : ATT_EIO, "collateral.fetch.status",
                             url, "GET %s: HTTP status %ld", url, status);
    if (r->n == 0)
        return att_diag_fail(d, ATT_EPARSE, "collateral.fetch.body", url,
                             "GET %s: empty response body", url);
    if (headers && !r->chain)
        return att_diag_fail(d, ATT_EINVAL, "collateral.fetch.header", url,
                             "GET %s: response header %s missing", url, headers[0]);
    return ATT_OK;
}

static void resp_free(pcs_resp *r)
{
    free(r->body);
    free(r->chain);
    memset(r, 0, sizeof(*r));
}

/* ---- bundle directories ---- */

static int write_file(const char *dir, const char *name, const void *data, size_t n)
{
    char p[4096];
    if (join(p, sizeof(p), dir, name) != ATT_OK)
        return ATT_ELIMIT;
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ATT_EIO;
    const char *b = data;
    size_t off = 0;
    int rc = ATT_OK;
    while (off < n) {
        ssize_t w = write(fd, b + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = ATT_EIO;
            break;
        }
        off += (size_t)w;
    }
    if (rc == ATT_OK && fsync(fd) != 0)
        rc = ATT_EIO;
    if (close(fd) != 0)
        rc = ATT_EIO;
    return rc;
}

/* Removes a bundle directory this module wrote (its known files, then the directory). */
static void remove_bundle(const char *dir)
{
    char p[4096];
    for (size_t i = 0; i < F_N; i++)
        if (join(p, sizeof(p), dir, bundle_files[i]) == ATT_OK)
            unlink(p);
    if (rmdir(dir) != 0 && errno != ENOENT)
        att__warn("cannot remove collateral cache directory", "errno=%d", errno);
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* Loads the bundle directory dir as one set and checks it is for e's platform. *out is the
 * caller's. */
static int load_bundle(att__pcs_fetcher *f, const pcs_entry *e, const char *dir,
                       att__dcap_collateral **out, att_diag *d)
{
    att__dcap_store *s = NULL;
    *out = NULL;
    int rc = att__dcap_store_load(dir, f->anchors, f->n_anchors, &s, d);
    if (rc != ATT_OK)
        return rc;
    const att__dcap_collateral *c = att__dcap_store_get(s, 0);
    if (att__dcap_store_count(s) != 1 || !c) {
        rc = att_diag_fail(d, ATT_ENOTFOUND, "collateral.fetch.bundle", e->key,
                           "no collateral set in the bundle");
    } else if (memcmp(att__dcap_tcb_info(c)->fmspc, e->fmspc, 6) != 0 ||
               att__dcap_tcb_info(c)->tee != e->tee || att__dcap_pck_ca(c) != e->ca) {
        rc = att_diag_fail(d, ATT_EMISMATCH, "collateral.fetch.platform", e->key,
                           "collateral is not for platform %s", e->key);
    } else {
        *out = att__dcap_ref((att__dcap_collateral *)c);
    }
    att__dcap_store_free(s);
    return rc;
}

/* Is a worse than b (older TCB evaluation, or same evaluation ending earlier)? */
static int worse(const att__dcap_collateral *a, const att__dcap_collateral *b)
{
    unsigned ea = att__dcap_tcb_info(a)->tcb_eval_number,
             eb = att__dcap_tcb_info(b)->tcb_eval_number;
    int64_t nb, na_a, na_b;
    if (ea != eb)
        return ea < eb;
    att__dcap_window(a, &nb, &na_a);
    att__dcap_window(b, &nb, &na_b);
    return na_a < na_b;
}

/* Fetches the 4 responses for e into a new temporary bundle directory under the cache
 * directory (its path in tmp), loads and verifies it. On success *out is the new set (the
 * caller's) and tmp holds the bundle; on failure tmp has been removed. */
static int fetch_bundle(att__pcs_fetcher *f, const pcs_entry *e, char *tmp, size_t tmp_cap,
                        att__dcap_collateral **out, att_diag *d)
{
    static const char *const h_tcb[] = {"TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain", NULL};
    static const char *const h_qe[] = {"SGX-Enclave-Identity-Issuer-Chain", NULL};
    static const char *const h_pck[] = {"SGX-PCK-CRL-Issuer-Chain", NULL};
    char fm[13], url[4][ATT_MAX_PCS_URL];
    for (int i = 0; i < 6; i++)
        snprintf(fm + 2 * i, 3, "%02x", e->fmspc[i]);
    int k[4];
    k[0] = snprintf(url[0], sizeof(url[0]), "%s/%s/certification/v4/tcb?fmspc=%s", f->root,
                    tee_name(e->tee), fm);
    k[1] = snprintf(url[1], sizeof(url[1]), "%s/%s/certification/v4/qe/identity", f->root,
                    tee_name(e->tee));
    k[2] = snprintf(url[2], sizeof(url[2]), "%s/sgx/certification/v4/pckcrl?ca=%s&encoding=der",
                    f->root, ca_name(e->ca));
    k[3] = snprintf(url[3], sizeof(url[3]), "%s", f->root_crl_url);
    for (int i = 0; i < 4; i++)
        if (k[i] < 0 || (size_t)k[i] >= sizeof(url[i]))
            return att_diag_fail(d, ATT_ELIMIT, "collateral.fetch.url", "", "URL too long");

    pcs_resp r[4];
    memset(r, 0, sizeof(r));
    const char *const *hdr[4] = {h_tcb, h_qe, h_pck, NULL};
    CURL *h = curl_easy_init();
    if (!h)
        return att_diag_fail(d, ATT_ENOMEM, "collateral.nomem", "", "out of memory");
    int rc = ATT_OK;
    for (int i = 0; i < 4 && rc == ATT_OK; i++)
        rc = http_get(f, h, url[i], hdr[i], &r[i], d);
    curl_easy_cleanup(h);

    /* CRLs are written as DER whatever form they came in (PCCS may send hex or PEM) */
    uint8_t *crl[2] = {NULL, NULL};
    size_t crl_n[2] = {0, 0};
    for (int i = 0; i < 2 && rc == ATT_OK; i++) {
        rc =
            att__dcap_crl_decode((const uint8_t *)r[2 + i].body, r[2 + i].n, 1, &crl[i], &crl_n[i]);
        if (rc != ATT_OK)
            att_diag_fail(d, rc, "collateral.fetch.crl", url[2 + i], "GET %s: not a CRL",
                          url[2 + i]);
    }
    if (rc == ATT_OK) {
        int n = snprintf(tmp, tmp_cap, "%s/.tmp-%s-XXXXXX", f->cache_dir, e->key);
        if (n < 0 || (size_t)n >= tmp_cap || !mkdtemp(tmp))
            rc = att_diag_fail(d, ATT_EIO, "collateral.fetch.cache", f->cache_dir,
                               "cannot create a directory in the collateral cache");
    }
    if (rc == ATT_OK) {
        const void *data[F_N] = {r[0].body, r[0].chain, r[1].body, r[1].chain,
                                 crl[0],    r[2].chain, crl[1]};
        size_t len[F_N] = {r[0].n,   r[0].chain_n, r[1].n,  r[1].chain_n,
                           crl_n[0], r[2].chain_n, crl_n[1]};
        for (size_t i = 0; i < F_N && rc == ATT_OK; i++)
            rc = write_file(tmp, bundle_files[i], data[i], len[i]);
        if (rc != ATT_OK)
            att_diag_fail(d, rc, "collateral.fetch.cache", f->cache_dir,
                          "cannot write the collateral cache");
        else
            fsync_dir(tmp);
    }
    if (rc == ATT_OK) {
        att_diag local;
        att_diag_clear(&local);
        rc = load_bundle(f, e, tmp, out, &local);
        if (rc != ATT_OK) {
            att_diag_fail(d, rc, local.reason, local.field,
                          "collateral fetched from %s for %s rejected: %s", f->root, e->key,
                          local.message);
            att_diag_expect(d, local.expected, local.found);
        }
    }
    if (rc != ATT_OK && tmp[0])
        remove_bundle(tmp);
    for (int i = 0; i < 4; i++)
        resp_free(&r[i]);
    free(crl[0]);
    free(crl[1]);
    return rc;
}

/* Makes the bundle at tmp the cached bundle of e: renamed into place atomically (exchanged
 * with the previous one, which is then removed). */
static int install_bundle(att__pcs_fetcher *f, const pcs_entry *e, const char *tmp, att_diag *d)
{
    char dst[4096];
    if (join(dst, sizeof(dst), f->cache_dir, e->key) != ATT_OK)
        return att_diag_fail(d, ATT_ELIMIT, "collateral.fetch.cache", e->key, "path too long");
    if (rename(tmp, dst) == 0) {
        fsync_dir(f->cache_dir);
        return ATT_OK;
    }
    if (errno != EEXIST && errno != ENOTEMPTY)
        return att_diag_fail(d, ATT_EIO, "collateral.fetch.cache", e->key,
                             "cannot rename into the collateral cache: %s", strerror(errno));
    /* dst exists: swap the two directories in one step, then remove the old one (now at
     * tmp, a dot-name the store ignores) */
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dst, RENAME_EXCHANGE) == 0) {
        remove_bundle(tmp);
        fsync_dir(f->cache_dir);
        return ATT_OK;
    }
    /* a file system without RENAME_EXCHANGE: move the old one aside first (a concurrent
     * reader of the directory may miss the platform for a moment, never see a mix) */
    char old[4096];
    int k = snprintf(old, sizeof(old), "%s/.old-%s-XXXXXX", f->cache_dir, e->key);
    if (k < 0 || (size_t)k >= sizeof(old) || !mkdtemp(old))
        return att_diag_fail(d, ATT_EIO, "collateral.fetch.cache", e->key,
                             "cannot replace the cached collateral: %s", strerror(errno));
    if (rename(dst, old) != 0) {
        int err = errno;
        (void)rmdir(old);
        return att_diag_fail(d, ATT_EIO, "collateral.fetch.cache", e->key,
                             "cannot replace the cached collateral: %s", strerror(err));
    }
    if (rename(tmp, dst) != 0) {
        int err = errno;
        (void)rename(old, dst); /* put the previous set back */
        return att_diag_fail(d, ATT_EIO, "collateral.fetch.cache", e->key,
                             "cannot replace the cached collateral: %s", strerror(err));
    }
    remove_bundle(old);
    fsync_dir(f->cache_dir);
    return ATT_OK;
}

/* ---- the fetcher ---- */

void att__pcs_config_init(att__pcs_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->refresh_s = 86400;
    cfg->min_interval_s = 60;
    cfg->connect_timeout_ms = ATT_PCS_CONNECT_TIMEOUT_MS;
    cfg->total_timeout_ms = ATT_PCS_TOTAL_TIMEOUT_MS;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The service root of base: without trailing '/' and "/sgx|tdx/certification/v4". */
static char *service_root(const char *base)
{
    char *r = strdup(base);
    if (!r)
        return NULL;
    size_t n = strlen(r);
    while (n && r[n - 1] == '/')
        r[--n] = '\0';
    static const char *const tails[] = {"/sgx/certification/v4", "/tdx/certification/v4"};
    for (size_t i = 0; i < 2; i++) {
        size_t t = strlen(tails[i]);
        if (n >= t && strcmp(r + n - t, tails[i]) == 0)
            r[n - t] = '\0';
    }
    return r;
}

int att__pcs_fetcher_new(const att__pcs_config *cfg, const att__cert *const *anchors,
                         size_t n_anchors, att__pcs_fetcher **out, att_diag *d)
{
    if (out)
        *out = NULL;
    if (!cfg || !out || !anchors || n_anchors == 0 || !cfg->base_url || !cfg->base_url[0] ||
        !cfg->cache_dir || !cfg->cache_dir[0])
        return att_diag_fail(d, ATT_EINVAL, "collateral.fetch.args", "",
                             "PCS fetcher needs a base URL, a cache directory and anchors");
    const char *crl = cfg->root_crl_url ? cfg->root_crl_url : ATT_PCS_DEFAULT_ROOT_CRL_URL;
    if (strlen(cfg->base_url) + 64 > ATT_MAX_PCS_URL || strlen(crl) >= ATT_MAX_PCS_URL ||
        strlen(cfg->cache_dir) > 3000)
        return att_diag_fail(d, ATT_ELIMIT, "collateral.fetch.args", "",
                             "PCS URL or cache directory too long");
    if (strncmp(cfg->base_url, "http://", 7) != 0 && strncmp(cfg->base_url, "https://", 8) != 0)
        return att_diag_fail(d, ATT_EINVAL, "collateral.fetch.args", "base_url",
                             "PCS URL must start with http:// or https://");
    if (mkdir(cfg->cache_dir, 0700) != 0 && errno != EEXIST)
        return att_diag_fail(d, ATT_EIO, "collateral.fetch.cache", cfg->cache_dir,
                             "cannot create collateral cache directory: %s", strerror(errno));
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return att_diag_fail(d, ATT_EINTERNAL, "collateral.fetch.curl", "",
                             "libcurl initialisation failed");
    att__pcs_fetcher *f = calloc(1, sizeof(*f));
    if (!f)
        return att_diag_fail(d, ATT_ENOMEM, "collateral.nomem", "", "out of memory");
    f->root = service_root(cfg->base_url);
    f->root_crl_url = strdup(crl);
    f->cache_dir = strdup(cfg->cache_dir);
    f->anchors = anchors;
    f->n_anchors = n_anchors;
    f->refresh_s = cfg->refresh_s;
    f->min_interval_s = cfg->min_interval_s;
    f->connect_ms = cfg->connect_timeout_ms;
    f->total_ms = cfg->total_timeout_ms;
    pthread_condattr_t ca;
    int ok = f->root && f->root_crl_url && f->cache_dir && pthread_condattr_init(&ca) == 0;
    if (ok) {
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        ok = pthread_cond_init(&f->cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
        if (ok && pthread_mutex_init(&f->mu, NULL) != 0) {
            pthread_cond_destroy(&f->cv);
            ok = 0;
        }
    }
    if (!ok) {
        free(f->root);
        free(f->root_crl_url);
        free(f->cache_dir);
        free(f);
        return att_diag_fail(d, ATT_ENOMEM, "collateral.nomem", "", "out of memory");
    }
    *out = f;
    return ATT_OK;
}

void att__pcs_fetcher_free(att__pcs_fetcher *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        att__dcap_unref(f->entries[i]->cur);
        free(f->entries[i]);
    }
    free(f->entries);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f->root);
    free(f->root_crl_url);
    free(f->cache_dir);
    free(f);
}

void att__pcs_fetcher_stats(att__pcs_fetcher *f, att__pcs_stats *out)
{
    pthread_mutex_lock(&f->mu);
    *out = f->stats;
    pthread_mutex_unlock(&f->mu);
}

/* The entry of a platform, created when absent (NULL when out of memory or at
 * ATT_MAX_PCS_KEYS). Called with the mutex held. */
static pcs_entry *entry_get(att__pcs_fetcher *f, const uint8_t fmspc[6], att__tee_type tee,
                            att__pck_ca ca)
{
    for (size_t i = 0; i < f->n; i++) {
        pcs_entry *e = f->entries[i];
        if (memcmp(e->fmspc, fmspc, 6) == 0 && e->tee == tee && e->ca == ca)
            return e;
    }
    if (f->n == ATT_MAX_PCS_KEYS)
        return NULL;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        pcs_entry **p = realloc(f->entries, cap * sizeof(*p));
        if (!p)
            return NULL;
        f->entries = p;
        f->cap = cap;
    }
    pcs_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    memcpy(e->fmspc, fmspc, 6);
    e->tee = tee;
    e->ca = ca;
    int k = snprintf(e->key, sizeof(e->key), "%s-", tee_name(tee));
    for (int i = 0; i < 6; i++)
        k += snprintf(e->key + k, sizeof(e->key) - (size_t)k, "%02x", fmspc[i]);
    snprintf(e->key + k, sizeof(e->key) - (size_t)k, "-%s", ca_name(ca));
    f->entries[f->n++] = e;
    return e;
}

/* Hands out e->cur when its window contains at (mutex held). */
static int serve(pcs_entry *e, int64_t at, att__dcap_collateral **out)
{
    if (e->cur && att__dcap_window_contains(e->cur, at)) {
        *out = att__dcap_ref(e->cur);
        return 1;
    }
    return 0;
}

/* The error for "nothing valid at `at`" (mutex held): the last failure, else expiry. */
static int fail_nothing(const pcs_entry *e, int64_t at, att_diag *d)
{
    if (e->last_rc != ATT_OK && att_diag_failed(&e->last_diag)) {
        if (d)
            *d = e->last_diag;
        return e->last_rc;
    }
    if (!e->cur)
        return att_diag_fail(d, ATT_ENOTFOUND, "collateral.fetch.none", e->key,
                             "no collateral for %s", e->key);
    int64_t nb, na;
    att__dcap_window(e->cur, &nb, &na);
    return att_diag_fail(d, ATT_EEXPIRED, "collateral.fetch.expired", e->key,
                         "collateral for %s (window %lld..%lld) does not cover time %lld", e->key,
                         (long long)nb, (long long)na, (long long)at);
}

/* Ends a flight (mutex held). */
static void land(att__pcs_fetcher *f, pcs_entry *e, int rc, const att_diag *local)
{
    e->in_flight = 0;
    e->gen++;
    e->last_rc = rc;
    if (rc == ATT_OK)
        att_diag_clear(&e->last_diag);
    else
        e->last_diag = *local;
    pthread_cond_broadcast(&f->cv);
}

/* Waits until the flight of e ends (mutex held; bounded by the fetch timeouts). */
static void wait_flight(att__pcs_fetcher *f, pcs_entry *e)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += (time_t)(4 * (f->total_ms / 1000 + 1) + 10);
    unsigned gen = e->gen;
    while (e->in_flight && e->gen == gen)
        if (pthread_cond_timedwait(&f->cv, &f->mu, &dl) != 0)
            break;
}

/* Loads the cached bundle of e, when there is one (no mutex held; e->in_flight is ours). */
static att__dcap_collateral *load_cached(att__pcs_fetcher *f, const pcs_entry *e, int64_t *mtime)
{
    char p[4096];
    struct stat st;
    if (join(p, sizeof(p), f->cache_dir, e->key) != ATT_OK || stat(p, &st) != 0 ||
        !S_ISDIR(st.st_mode))
        return NULL;
    att__dcap_collateral *c = NULL;
    att_diag local;
    att_diag_clear(&local);
    if (load_bundle(f, e, p, &c, &local) != ATT_OK) {
        att__warn("cached collateral ignored", "key=%s reason=%s", e->key, local.reason);
        return NULL;
    }
    *mtime = (int64_t)st.st_mtime;
    return c;
}

int att__pcs_fetch(att__pcs_fetcher *f, const uint8_t fmspc[6], att__tee_type tee, att__pck_ca ca,
                   int64_t at, att__dcap_collateral **out, att_diag *d)
{
    if (out)
        *out = NULL;
    if (!f || !fmspc || !out || (tee != ATT_TEE_SGX && tee != ATT_TEE_TDX) ||
        (ca != ATT_PCK_CA_PROCESSOR && ca != ATT_PCK_CA_PLATFORM))
        return att_diag_fail(
            d, ATT_EINVAL, "collateral.fetch.args", "",
            "collateral fetch called without fetcher, FMSPC, output or a valid TEE/CA");
    pthread_mutex_lock(&f->mu);
    pcs_entry *e = entry_get(f, fmspc, tee, ca);
    if (!e) {
        pthread_mutex_unlock(&f->mu);
        return att_diag_fail(d, ATT_ELIMIT, "collateral.fetch.keys", "",
                             "too many platforms or out of memory");
    }
    int64_t now = (int64_t)time(NULL);
    if (e->cur && now - e->fetched_at < f->refresh_s && serve(e, at, out)) {
        f->stats.memory_hits++;
        pthread_mutex_unlock(&f->mu);
        return ATT_OK;
    }
    if (e->in_flight) { /* single flight: take the other thread's result */
        wait_flight(f, e);
        int rc = serve(e, at, out) ? ATT_OK : fail_nothing(e, at, d);
        pthread_mutex_unlock(&f->mu);
        return rc;
    }
    e->in_flight = 1;
    att_diag local;
    att_diag_clear(&local);
    int rc = ATT_OK;
    if (!e->disk_checked) {
        pthread_mutex_unlock(&f->mu);
        int64_t mtime = 0;
        att__dcap_collateral *c = load_cached(f, e, &mtime);
        pthread_mutex_lock(&f->mu);
        e->disk_checked = 1;
        if (c) {
            f->stats.disk_loads++;
            att__dcap_unref(e->cur);
            e->cur = c;
            e->fetched_at = mtime;
            if (now - mtime < f->refresh_s && serve(e, at, out)) {
                land(f, e, ATT_OK, &local);
                pthread_mutex_unlock(&f->mu);
                return ATT_OK;
            }
        }
    }
    int64_t mnow = mono_now();
    if (e->attempted && mnow - e->last_attempt < f->min_interval_s) {
        /* too soon to ask upstream again: what we have, or the last error */
        e->in_flight = 0;
        pthread_cond_broadcast(&f->cv);
        rc = serve(e, at, out) ? ATT_OK : fail_nothing(e, at, d);
        pthread_mutex_unlock(&f->mu);
        return rc;
    }
    e->attempted = 1;
    e->last_attempt = mnow;
    f->stats.fetches++;
    att__dcap_collateral *cur = e->cur ? att__dcap_ref(e->cur) : NULL;
    pthread_mutex_unlock(&f->mu);

    char tmp[4096];
    tmp[0] = '\0';
    att__dcap_collateral *c = NULL;
    rc = fetch_bundle(f, e, tmp, sizeof(tmp), &c, &local);
    if (rc == ATT_OK && cur && worse(c, cur)) {
        rc = att_diag_fail(&local, ATT_EMISMATCH, "collateral.fetch.rollback", e->key,
                           "collateral fetched from %s for %s is older than the cached set "
                           "(TCB evaluation %u < %u, or earlier end)",
                           f->root, e->key, att__dcap_tcb_info(c)->tcb_eval_number,
                           att__dcap_tcb_info(cur)->tcb_eval_number);
        remove_bundle(tmp);
    }
    if (rc == ATT_OK) {
        rc = install_bundle(f, e, tmp, &local);
        if (rc != ATT_OK)
            remove_bundle(tmp);
    }
    if (rc != ATT_OK) {
        att__dcap_unref(c);
        c = NULL;
    }
    att__dcap_unref(cur);

    pthread_mutex_lock(&f->mu);
    if (c) {
        att__dcap_unref(e->cur);
        e->cur = c;
        e->fetched_at = (int64_t)time(NULL);
    } else {
        f->stats.fetch_failures++;
    }
    land(f, e, rc, &local);
    if (serve(e, at, out)) {
        if (rc != ATT_OK) {
            f->stats.stale_served++;
            att__warn("collateral refresh failed, serving the cached set", "key=%s reason=%s",
                      e->key, local.reason);
        }
        rc = ATT_OK;
    } else {
        rc = fail_nothing(e, at, d);
    }
    pthread_mutex_unlock(&f->mu);
    return rc;
}
