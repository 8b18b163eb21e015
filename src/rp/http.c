/* The relying party's default fetch (att_rp_fetch_fn): an HTTP(S) GET on libcurl, bounded
 * in size and time, http/https only, status 200 required. Applications with their own HTTP
 * stack pass att_rp_options.fetch instead. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "rp/rp_int.h"

#ifndef ATT_VERSION
#define ATT_VERSION "unknown"
#endif

/* libcurl write callback: appends to the att__buf, whose cap bounds the body; returning
 * less than offered makes libcurl stop with CURLE_WRITE_ERROR. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    att__buf *b = userp;
    size_t n = size * nmemb;
    return att__buf_append(b, data, n) == ATT_OK ? n : 0;
}

int att__rp_http_get(void *ctx, const char *url, char **body, size_t *len, att_diag *d)
{
    const att_rp *rp = ctx;
    const char *ca_file;
    int insecure;
    long timeout_ms;
    att__rp_http_opts(rp, &ca_file, &insecure, &timeout_ms);
    *body = NULL;
    *len = 0;
    if (!att__rp_is_http_url(url))
        return att_diag_fail(d, ATT_EINVAL, "rp.http", "url", "not an http(s) URL: %.200s", url);
    CURL *h = curl_easy_init();
    if (!h)
        return att_diag_fail(d, ATT_ENOMEM, "rp.http", "url", "cannot create an HTTP handle");
    att__buf b;
    att__buf_init(&b, ATT_MAX_RP_DOCUMENT);
    char err[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "libattest-rp/" ATT_VERSION);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ATT_MAX_RP_DOCUMENT);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    if (ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
    if (insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    int rc = ATT_OK;
    if (cc == CURLE_WRITE_ERROR || cc == CURLE_FILESIZE_EXCEEDED)
        rc = att_diag_fail(d, ATT_ELIMIT, "rp.http", "url",
                           "GET %.200s: the response is larger than %u bytes", url,
                           ATT_MAX_RP_DOCUMENT);
    else if (cc != CURLE_OK)
        rc = att_diag_fail(d, ATT_EIO, "rp.http", "url", "GET %.200s: %s", url,
                           err[0] ? err : curl_easy_strerror(cc));
    else if (status != 200)
        rc =
            att_diag_fail(d, ATT_EIO, "rp.http", "url", "GET %.200s: HTTP status %ld", url, status);
    if (rc != ATT_OK) {
        att__buf_free(&b);
        return rc;
    }
    /* NUL-terminated copy owned by the caller (free()). */
    char *out = malloc(b.len + 1);
    if (!out) {
        att__buf_free(&b);
        return ATT_ENOMEM;
    }
    if (b.len)
        memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    *body = out;
    *len = b.len;
    att__buf_free(&b);
    return ATT_OK;
}
