/* HTTP GET for the `attest` commands (cli.h), on libcurl: bounded response size and time,
 * http/https only, TLS options from the command line, MAA error bodies made readable. */
#include "cli.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "attest/error.h"

#ifndef ATT_VERSION
#define ATT_VERSION "unknown"
#endif

int att_cli_http_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void att_cli_http_cleanup(void)
{
    curl_global_cleanup();
}

/* libcurl write callback: appends to the att__buf, whose cap bounds the body. Returning
 * less than asked makes libcurl stop with CURLE_WRITE_ERROR. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    att__buf *b = userp;
    size_t n = size * nmemb;
    if (att__buf_append(b, data, n) != ATT_OK)
        return 0;
    return n;
}

int att_cli_http_get(const char *url, const att_cli_http_opts *o, long *status, att__buf *body)
{
    att__buf_init(body, ATT_CLI_MAX_RESPONSE);
    *status = 0;
    CURL *h = curl_easy_init();
    if (!h) {
        att_cli_error("cannot create an HTTP handle");
        return ATT_EXIT_IO;
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "attest/" ATT_VERSION);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    if (o->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->cacert);
    if (o->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (rc == CURLE_WRITE_ERROR && body->data == NULL) {
        att_cli_error("GET %s: response body is larger than %u bytes", url, ATT_CLI_MAX_RESPONSE);
        return ATT_EXIT_IO;
    }
    if (rc != CURLE_OK) {
        att_cli_error("GET %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        att__buf_free(body);
        return ATT_EXIT_IO;
    }
    return ATT_EXIT_OK;
}

/* Member `lower` or its capitalised form (the CVM client accepts both spellings). */
static json_t *member(json_t *obj, const char *lower, const char *upper)
{
    json_t *v = json_object_get(obj, lower);
    return v ? v : json_object_get(obj, upper);
}

int att_cli_http_error(const char *url, long status, const att__buf *body)
{
    json_t *root = body->len ? json_loadb((const char *)body->data, body->len, 0, NULL) : NULL;
    json_t *err = member(root, "error", "Error");
    const char *code = json_string_value(member(err, "code", "Code"));
    const char *msg = json_string_value(member(err, "message", "Message"));
    char a[256], b[1024];
    if (code || msg) {
        att_cli_error("GET %s: HTTP %ld: %s: %s", url, status,
                      code ? att_cli_sanitize(code, strlen(code), a, sizeof(a)) : "(no code)",
                      msg ? att_cli_sanitize(msg, strlen(msg), b, sizeof(b)) : "(no message)");
    } else if (body->len) {
        /* Not an MAA error body: show its start. */
        att_cli_error("GET %s: HTTP %ld: %s", url, status,
                      att_cli_sanitize((const char *)body->data, body->len, a, sizeof(a)));
    } else {
        att_cli_error("GET %s: HTTP %ld (empty body)", url, status);
    }
    json_decref(root);
    return ATT_EXIT_IO;
}
