/* libmicrohttpd glue: request lifecycle, body limits, responses, access log (server.h). */
#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <strings.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "provider/provider.h"
#include "core/timeutil.h"

#define SERVICE_VERSION_HEADER "x-ms-maa-service-version"

struct att__server {
    struct MHD_Daemon *daemon;
    const att__config *cfg;
    att__app *app;
    char *tls_cert; /* PEM text, owned */
    char *tls_key;  /* PEM text, owned, cleansed on free */
    size_t tls_key_len;
    int fd; /* listening socket until MHD takes it */
    int ipv6;
    int port;
};

static atomic_uint_fast64_t request_counter;
static char instance_tag[9]; /* per-process random prefix of request ids */

const char *att__req_header(att__req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *att__req_query(att__req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int att__respond(att__req *r, int status, const char *content_type, const char *body, size_t n)
{
    r->status = status;
    r->content_type = content_type;
    r->resp = att__arena_memdup(&r->arena, body, n);
    r->resp_len = r->resp ? n : 0;
    r->responded = 1;
    return r->resp ? ATT_OK : ATT_ENOMEM;
}

int att__respond_json(att__req *r, int status, const char *json)
{
    return att__respond(r, status, "application/json; charset=utf-8", json, strlen(json));
}

/* Replaces every byte of s that is not ASCII with '?': for an error message that must
 * become a JSON string when it is not valid UTF-8 (it may quote client input). */
static void ascii_only(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            *s = '?';
}

int att__respond_error(att__req *r, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* jansson escapes; it refuses invalid UTF-8, so such a message is made ASCII first */
    json_t *body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    if (!body) {
        ascii_only(msg);
        body = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    }
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    r->error_code = code;
    int rc = text ? att__respond_json(r, status, text) : ATT_ENOMEM;
    free(text);
    if (rc != ATT_OK) /* last resort, static text */
        return att__respond_json(r, 500,
                                 "{\"error\":{\"code\":\"InternalError\",\"message\":"
                                 "\"out of memory while building an error\"}}");
    att__debug("error response", "status=%d code=%s message=\"%s\"", status, code, msg);
    return ATT_OK;
}

int att__respond_diag(att__req *r, int err, const att_diag *d)
{
    const char *msg = d && d->message[0] ? d->message : att_strerror(err);
    switch (err) {
    case ATT_ENOMEM:
    case ATT_EINTERNAL:
    case ATT_ECRYPTO:
    case ATT_ESTORE:
    case ATT_EIO:
        att__error("internal failure", "err=%s reason=%s message=\"%s\"", att_errname(err),
                   d ? d->reason : "", msg);
        return att__respond_error(r, 500, "InternalError", "%s", msg);
    case ATT_EBUSY:
        return att__respond_error(r, 503, "ServiceUnavailable", "%s", msg);
    case ATT_EDENIED:
        return att__respond_error(r, 401, "Unauthorized", "%s", msg);
    case ATT_EUNSUPPORTED:
    default:
        return att__respond_error(r, 400, "InvalidParameter", "%s", msg);
    }
}

/* Frees a request context. */
static void req_free(att__req *r)
{
    if (!r)
        return;
    att__snapshot_release(r->snapshot);
    att__buf_free(&r->body);
    att__arena_free(&r->arena);
    free(r);
}

/* Called by MHD when a response has been sent (or the connection died). */
static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    att__req *r = *con_cls;
    if (!r)
        return;
    uint64_t dur = att__mono_ns() - r->start_ns;
    int status = r->responded ? r->status : 0;
    att__metrics_record(r->route, status, r->error_code, dur);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char addr[INET6_ADDRSTRLEN] = "-";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof(addr));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof(addr));
    }
    att__log_set_request_id(r->id);
    att__info("access",
              "client=%s method=%s path=\"%s\" route=%s status=%d bytes=%zu dur_us=%llu%s%s%s",
              addr, r->method ? r->method : "-", r->path ? r->path : "-", att__route_name(r->route),
              status, r->resp_len, (unsigned long long)(dur / 1000), r->error_code ? " code=" : "",
              r->error_code ? r->error_code : "",
              toe != MHD_REQUEST_TERMINATED_COMPLETED_OK ? " aborted=1" : "");
    att__log_set_request_id(NULL);
    req_free(r);
    *con_cls = NULL;
}

/* Sends r's response through MHD. */
static enum MHD_Result queue(struct MHD_Connection *conn, att__req *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->resp_len, r->resp, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->content_type ? r->content_type : "application/json");
    MHD_add_response_header(resp, SERVICE_VERSION_HEADER, ATT_VERSION);
    MHD_add_response_header(resp, "x-ms-request-id", r->id);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (r->error_code)
        MHD_add_response_header(resp, "x-ms-error-code", r->error_code);
    if (r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* The MHD access handler: called once with headers, then per body chunk, then once more
 * with *upload_data_size == 0 when the body is complete. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct att__server *s = cls;
    att__req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        r->app = s->app;
        r->conn = conn;
        r->method = method;
        r->path = url;
        r->start_ns = att__mono_ns();
        att__arena_init(&r->arena);
        att__buf_init(&r->body, s->cfg->max_body_bytes);
        snprintf(r->id, sizeof(r->id), "%s%012llx", instance_tag,
                 (unsigned long long)atomic_fetch_add(&request_counter, 1));
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long declared = 0;
        if (cl) {
            char *end;
            errno = 0;
            declared = strtoull(cl, &end, 10);
            if (errno || *end)
                declared = ULLONG_MAX;
            if (declared > s->cfg->max_body_bytes)
                r->body_too_large = 1;
        }
        *con_cls = r;
        /* An oversize body is normally read and discarded, so that clients which send the
         * whole body before reading (most HTTP libraries) see the 413. It is refused before
         * reading when the client asked first (Expect: 100-continue) or announces far more
         * than the limit, to bound the work an abusive client can cause. */
        const char *expect =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
        if (r->body_too_large && ((expect && strcasecmp(expect, "100-continue") == 0) ||
                                  declared / 4 > s->cfg->max_body_bytes)) {
            att__respond_error(r, 413, "PayloadTooLarge",
                               "request body of %s bytes exceeds the limit of %zu bytes", cl,
                               s->cfg->max_body_bytes);
            return queue(conn, r);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->body_too_large &&
            att__buf_append(&r->body, upload_data, *upload_data_size) != ATT_OK)
            r->body_too_large = 1; /* the buffer freed itself; the rest is discarded */
        *upload_data_size = 0;
        return MHD_YES;
    }
    att__log_set_request_id(r->id);
    r->host = att__req_header(r, MHD_HTTP_HEADER_HOST);
    r->api_version = att__req_query(r, "api-version");
    if (r->body_too_large)
        att__respond_error(r, 413, "PayloadTooLarge", "request body exceeds the limit of %zu bytes",
                           s->cfg->max_body_bytes);
    else
        att__route_dispatch(r);
    if (!r->responded)
        att__respond_error(r, 500, "InternalError", "no response was produced");
    att__log_set_request_id(NULL);
    return queue(conn, r);
}

/* Reads a whole PEM file for MHD's TLS options (malloc'd, NUL-terminated). */
static char *read_text(const char *path, size_t *len, att_diag *d, const char *what)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        att_diag_fail(d, ATT_EIO, "server.tls", path, "cannot open TLS %s %s: %s", what, path,
                      strerror(errno));
        return NULL;
    }
    att__buf b;
    att__buf_init(&b, 1024 * 1024);
    char chunk[4096];
    size_t n;
    int rc = ATT_OK;
    while (rc == ATT_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = att__buf_append(&b, chunk, n);
    fclose(f);
    if (rc != ATT_OK || b.len == 0) {
        att__buf_free(&b);
        att_diag_fail(d, ATT_EINVAL, "server.tls", path, "TLS %s %s is empty or too large", what,
                      path);
        return NULL;
    }
    return (char *)att__buf_steal(&b, len);
}

/* MHD's own error log goes to our log at warn level. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    att__warn("http", "detail=\"%s\"", msg);
}

static void free_server(struct att__server *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->tls_cert);
    if (s->tls_key) {
        memset(s->tls_key, 0, s->tls_key_len);
        free(s->tls_key);
    }
    free(s);
}

int att__server_listen(const att__config *cfg, att__server **out, att_diag *d)
{
    *out = NULL;
    if (!instance_tag[0]) {
        unsigned char rnd[4] = {0};
        FILE *u = fopen("/dev/urandom", "rb");
        if (u) {
            if (fread(rnd, 1, sizeof(rnd), u) != sizeof(rnd))
                memset(rnd, 0, sizeof(rnd));
            fclose(u);
        }
        snprintf(instance_tag, sizeof(instance_tag), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
                 rnd[3]);
    }
    struct att__server *s = calloc(1, sizeof(*s));
    if (!s)
        return ATT_ENOMEM;
    s->cfg = cfg;
    s->fd = -1;
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port[8];
    snprintf(port, sizeof(port), "%d", cfg->listen_port);
    int gai = getaddrinfo(cfg->listen_host, port, &hints, &ai);
    if (gai != 0) {
        free_server(s);
        return att_diag_fail(d, ATT_EINVAL, "server.listen", "listen",
                             "cannot resolve listen address %s: %s", cfg->listen_host,
                             gai_strerror(gai));
    }
    int err = 0;
    s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->fd >= 0) {
        int one = 1;
        setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6)
            setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(s->fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(s->fd, 1024) != 0)
            err = errno;
    } else {
        err = errno;
    }
    s->ipv6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    if (err) {
        free_server(s);
        return att_diag_fail(d, ATT_EIO, "server.listen", "listen", "cannot listen on %s:%d: %s",
                             cfg->listen_host, cfg->listen_port, strerror(err));
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) == 0)
        s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    *out = s;
    return ATT_OK;
}

int att__server_start(att__server *s, att__app *app, att_diag *d)
{
    const att__config *cfg = s->cfg;
    s->app = app;
    unsigned threads = cfg->threads;
    if (threads == 0) {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        threads = ncpu > 0 ? (unsigned)ncpu : 1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
        flags |= MHD_USE_EPOLL;
    if (s->ipv6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem tls_opts[3] = {{MHD_OPTION_END, 0, NULL}};
    if (cfg->tls_cert[0]) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return att_diag_fail(d, ATT_EUNSUPPORTED, "server.tls", "tls_cert",
                                 "this libmicrohttpd was built without TLS support");
        size_t clen;
        s->tls_cert = read_text(cfg->tls_cert, &clen, d, "certificate");
        s->tls_key = s->tls_cert ? read_text(cfg->tls_key, &s->tls_key_len, d, "key") : NULL;
        if (!s->tls_key)
            return d ? d->err : ATT_EIO;
        flags |= MHD_USE_TLS;
        tls_opts[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert};
        tls_opts[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key};
    }
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
                                 mhd_log, s, MHD_OPTION_LISTEN_SOCKET, s->fd,
                                 MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED,
                                 request_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)128 * 1024,
                                 MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!s->daemon)
        return att_diag_fail(d, ATT_EIO, "server.start", "listen",
                             "cannot start the HTTP server on %s:%d (TLS certificate or key "
                             "invalid?)",
                             cfg->listen_host, s->port);
    s->fd = -1; /* MHD owns the socket now */
    att__info("listening", "addr=%s port=%d threads=%u tls=%s", cfg->listen_host, s->port, threads,
              cfg->tls_cert[0] ? "on" : "off");
    return ATT_OK;
}

int att__server_port(const att__server *s)
{
    return s->port;
}

void att__server_stop(att__server *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    free_server(s);
}
