/* AMD KDS fetcher (kds.h): GETs with libcurl, an on-disk cache of responses (one file per
 * URL, written to a temporary name, fsync'd and renamed), single-flight per URL and a
 * process-wide minimum interval between network requests. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collateral/kds.h"
#include "core/limits.h"
#include "core/log.h"

#define KDS_MAX_INFLIGHT 64
#define KDS_MAX_NEGATIVE 64

/* A remembered failure. */
typedef struct kds_neg {
    char name[160];
    int64_t until_ms; /* monotonic */
    int rc;
    char message[200];
} kds_neg;

struct att__kds {
    char *root, *cache_dir;
    int64_t min_interval_ms;
    long connect_ms, total_ms;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *inflight[KDS_MAX_INFLIGHT]; /* cache names being fetched */
    int64_t last_request_ms;          /* monotonic; 0 = never */
    int64_t max_wait_ms;
    kds_neg neg[KDS_MAX_NEGATIVE]; /* ring of recent failures */
    size_t neg_next;
    att__kds_stats stats;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int att__kds_new(const att__kds_config *cfg, att__kds **out, att_diag *d)
{
    *out = NULL;
    if (!cfg || !cfg->base_url || !*cfg->base_url || strlen(cfg->base_url) > 512)
        return att_diag_fail(d, ATT_EINVAL, "kds.config", "base_url",
                             "a KDS URL (at most 512 characters) is required");
    att__kds *k = calloc(1, sizeof(*k));
    if (!k)
        return att_diag_fail(d, ATT_ENOMEM, "kds.memory", "kds", "out of memory");
    size_t n = strlen(cfg->base_url);
    while (n > 0 && cfg->base_url[n - 1] == '/')
        n--;
    k->root = strndup(cfg->base_url, n);
    k->cache_dir = cfg->cache_dir ? strdup(cfg->cache_dir) : NULL;
    k->min_interval_ms = cfg->min_interval_ms > 0 ? cfg->min_interval_ms : ATT_KDS_MIN_INTERVAL_MS;
    k->max_wait_ms = cfg->max_wait_ms > 0 ? cfg->max_wait_ms : ATT_KDS_MAX_WAIT_MS;
    k->connect_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : (long)ATT_PCS_CONNECT_TIMEOUT_MS;
    k->total_ms =
        cfg->total_timeout_ms > 0 ? cfg->total_timeout_ms : (long)ATT_PCS_TOTAL_TIMEOUT_MS;
    pthread_mutex_init(&k->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&k->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!k->root || (cfg->cache_dir && !k->cache_dir)) {
        att__kds_free(k);
        return att_diag_fail(d, ATT_ENOMEM, "kds.memory", "kds", "out of memory");
    }
    if (k->cache_dir && mkdir(k->cache_dir, 0700) != 0 && errno != EEXIST) {
        int e = errno;
        att__kds_free(k);
        return att_diag_fail(d, ATT_EIO, "kds.cache_dir", cfg->cache_dir,
                             "cannot create the KDS cache directory %s (errno %d)", cfg->cache_dir,
                             e);
    }
    pthread_once(&curl_once, curl_init);
    *out = k;
    return ATT_OK;
}

void att__kds_free(att__kds *k)
{
    if (!k)
        return;
    for (int i = 0; i < KDS_MAX_INFLIGHT; i++)
        free(k->inflight[i]);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cv);
    free(k->root);
    free(k->cache_dir);
    free(k);
}

void att__kds_stats_get(att__kds *k, att__kds_stats *out)
{
    pthread_mutex_lock(&k->mu);
    *out = k->stats;
    pthread_mutex_unlock(&k->mu);
}

/* ---- disk cache ---- */

static int read_cached(const att__kds *k, const char *name, uint8_t **out, size_t *n)
{
    char p[1024];
    if (!k->cache_dir || snprintf(p, sizeof(p), "%s/%s", k->cache_dir, name) >= (int)sizeof(p))
        return ATT_ENOTFOUND;
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ATT_ENOTFOUND;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > ATT_MAX_KDS_BODY) {
        close(fd);
        return ATT_ENOTFOUND;
    }
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        return ATT_ENOTFOUND;
    }
    buf[got] = 0;
    *out = buf;
    *n = got;
    return ATT_OK;
}

static void write_cached(const att__kds *k, const char *name, const uint8_t *data, size_t n)
{
    char p[1024], tmp[1100];
    if (!k->cache_dir || snprintf(p, sizeof(p), "%s/%s", k->cache_dir, name) >= (int)sizeof(p))
        return;
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", p, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    size_t off = 0;
    int ok = 1;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ok = 0;
            break;
        }
        off += (size_t)w;
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, p) != 0) {
        unlink(tmp);
        att__warn("cannot write the KDS cache", "file=%s", p);
    }
}

/* ---- HTTP ---- */

typedef struct body {
    uint8_t *p;
    size_t n;
    int too_big;
} body;

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
    body *b = arg;
    size_t k = size * nmemb;
    if (k > ATT_MAX_KDS_BODY - b->n) {
        b->too_big = 1;
        return 0;
    }
    uint8_t *nb = realloc(b->p, b->n + k + 1);
    if (!nb)
        return 0;
    memcpy(nb + b->n, p, k);
    b->p = nb;
    b->n += k;
    nb[b->n] = 0;
    return k;
}

static int http_get(att__kds *k, const char *url, uint8_t **out, size_t *n, att_diag *d)
{
    CURL *h = curl_easy_init();
    if (!h)
        return att_diag_fail(d, ATT_ENOMEM, "kds.curl", url, "cannot start an HTTP request");
    char err[CURL_ERROR_SIZE];
    err[0] = 0;
    body b = {0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, k->connect_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, k->total_ms);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ATT_MAX_KDS_BODY);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "attestd");
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    int rc = ATT_OK;
    if (b.too_big || cc == CURLE_FILESIZE_EXCEEDED)
        rc = att_diag_fail(d, ATT_ELIMIT, "kds.size", url, "GET %s: response larger than %u bytes",
                           url, ATT_MAX_KDS_BODY);
    else if (cc != CURLE_OK)
        rc = att_diag_fail(d, ATT_EIO, "kds.network", url, "GET %s: %s", url,
                           err[0] ? err : curl_easy_strerror(cc));
    else if (status != 200)
        rc = att_diag_fail(d, status == 404 ? ATT_ENOTFOUND : ATT_EIO, "kds.status", url,
                           "GET %s: HTTP status %ld", url, status);
    else if (b.n == 0)
        rc = att_diag_fail(d, ATT_EPARSE, "kds.body", url, "GET %s: empty response body", url);
    if (rc != ATT_OK) {
        free(b.p);
        return rc;
    }
    *out = b.p;
    *n = b.n;
    return ATT_OK;
}

/* ---- single flight ---- */

static int inflight_find(const att__kds *k, const char *name)
{
    for (int i = 0; i < KDS_MAX_INFLIGHT; i++)
        if (k->inflight[i] && strcmp(k->inflight[i], name) == 0)
            return i;
    return -1;
}

/* A failure of name remembered and still fresh, or NULL. Caller holds the mutex. */
static const kds_neg *neg_find(const att__kds *k, const char *name, int64_t now)
{
    for (size_t i = 0; i < KDS_MAX_NEGATIVE; i++)
        if (k->neg[i].until_ms > now && strcmp(k->neg[i].name, name) == 0)
            return &k->neg[i];
    return NULL;
}

/* Disk cache, else one network request for url shared by concurrent callers; failures are
 * remembered for ATT_KDS_NEGATIVE_TTL_S, and a caller whose turn is more than max_wait_ms
 * away is refused with ATT_EBUSY. */
static int get_cached(att__kds *k, const char *name, const char *url, int der, uint8_t **out,
                      size_t *n, att_diag *d)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&k->mu);
    int slot;
    for (;;) {
        if (read_cached(k, name, out, n) == ATT_OK) {
            k->stats.disk_hits++;
            pthread_mutex_unlock(&k->mu);
            return ATT_OK;
        }
        if (inflight_find(k, name) < 0)
            break;
        pthread_cond_wait(&k->cv, &k->mu); /* another thread fetches it: wait, re-read */
    }
    int64_t now = mono_ms();
    const kds_neg *ng = neg_find(k, name, now);
    if (ng) {
        int rc = ng->rc;
        att_diag_fail(d, rc, "kds.remembered", url, "%s (remembered; not asked again for %lld s)",
                      ng->message, (long long)((ng->until_ms - now) / 1000 + 1));
        pthread_mutex_unlock(&k->mu);
        return rc;
    }
    int64_t turn = k->last_request_ms ? k->last_request_ms + k->min_interval_ms : now;
    if (turn < now)
        turn = now;
    if (turn - now > k->max_wait_ms) {
        pthread_mutex_unlock(&k->mu);
        return att_diag_fail(
            d, ATT_EBUSY, "kds.busy", url,
            "the KDS request queue is full (next slot in %lld ms); try again later",
            (long long)(turn - now));
    }
    for (slot = 0; slot < KDS_MAX_INFLIGHT && k->inflight[slot]; slot++)
        ;
    if (slot == KDS_MAX_INFLIGHT) {
        pthread_mutex_unlock(&k->mu);
        return att_diag_fail(d, ATT_EBUSY, "kds.busy", url,
                             "too many KDS requests in flight; try again");
    }
    k->inflight[slot] = strdup(name);
    /* Politeness: space network requests min_interval_ms apart (reserve our turn). */
    k->last_request_ms = turn;
    k->stats.fetches++;
    pthread_mutex_unlock(&k->mu);
    if (turn > now) {
        struct timespec ts = {(time_t)((turn - now) / 1000), (long)((turn - now) % 1000) * 1000000};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    int rc = http_get(k, url, out, n, d);
    /* Only something of the expected shape is cached (a DER SEQUENCE, or PEM text); the
     * caller still verifies it. */
    if (rc == ATT_OK &&
        (der ? (*out)[0] != 0x30 : !strstr((const char *)*out, "-----BEGIN CERTIFICATE-----"))) {
        rc = att_diag_fail(d, ATT_EPARSE, "kds.body", url, "GET %s: the response is not a %s", url,
                           der ? "DER certificate" : "PEM certificate chain");
        free(*out);
        *out = NULL;
        *n = 0;
    }
    if (rc == ATT_OK)
        write_cached(k, name, *out, *n);
    pthread_mutex_lock(&k->mu);
    if (rc != ATT_OK) {
        k->stats.fetch_failures++;
        kds_neg *f = &k->neg[k->neg_next];
        k->neg_next = (k->neg_next + 1) % KDS_MAX_NEGATIVE;
        snprintf(f->name, sizeof(f->name), "%s", name);
        f->until_ms = mono_ms() + (int64_t)ATT_KDS_NEGATIVE_TTL_S * 1000;
        f->rc = rc;
        snprintf(f->message, sizeof(f->message), "%s", d && d->message[0] ? d->message : "failed");
    }
    free(k->inflight[slot]);
    k->inflight[slot] = NULL;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
    return rc;
}

static int product_ok(const char *p)
{
    return p && (strcmp(p, "Milan") == 0 || strcmp(p, "Genoa") == 0 || strcmp(p, "Turin") == 0);
}

int att__kds_vcek(att__kds *k, const char *product, const uint8_t *hwid, size_t hwid_len,
                  const att__kds_tcb *tcb, uint8_t **der, size_t *n, att_diag *d)
{
    *der = NULL;
    *n = 0;
    if (!product_ok(product) || (hwid_len != 64 && hwid_len != 8))
        return att_diag_fail(d, ATT_EINVAL, "kds.args", "product",
                             "KDS VCEK request needs a product (Milan, Genoa, Turin) and a 64- or "
                             "8-byte hwID");
    char hex[129];
    for (size_t i = 0; i < hwid_len; i++)
        snprintf(hex + 2 * i, 3, "%02x", hwid[i]);
    char url[ATT_MAX_PCS_URL], name[256], fmc[24] = "";
    if (tcb->has_fmc)
        snprintf(fmc, sizeof(fmc), "&fmcSPL=%u", tcb->fmc);
    snprintf(url, sizeof(url), "%s/vcek/v1/%s/%s?blSPL=%u&teeSPL=%u&snpSPL=%u&ucodeSPL=%u%s",
             k->root, product, hex, tcb->bl, tcb->tee, tcb->snp, tcb->ucode, fmc);
    snprintf(name, sizeof(name), "vcek-%s-%s-%u-%u-%u-%u-%d.der", product, hex, tcb->bl, tcb->tee,
             tcb->snp, tcb->ucode, tcb->has_fmc ? (int)tcb->fmc : -1);
    return get_cached(k, name, url, 1, der, n, d);
}

int att__kds_cert_chain(att__kds *k, const char *product, char **pem, size_t *n, att_diag *d)
{
    *pem = NULL;
    *n = 0;
    if (!product_ok(product))
        return att_diag_fail(d, ATT_EINVAL, "kds.args", "product",
                             "KDS chain request needs a product (Milan, Genoa, Turin)");
    char url[ATT_MAX_PCS_URL], name[64];
    snprintf(url, sizeof(url), "%s/vcek/v1/%s/cert_chain", k->root, product);
    snprintf(name, sizeof(name), "chain-%s.pem", product);
    uint8_t *b = NULL;
    int rc = get_cached(k, name, url, 0, &b, n, d);
    *pem = (char *)b;
    return rc;
}
