/* `attest jwks`: fetches a service's JSON Web Key Set (directly, or through its OpenID
 * metadata) and shows each signing key with the certificate it is published with. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "cli.h"
#include "core/codec.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"

#define METADATA_PATH "/.well-known/openid-configuration"

/* Where the path of an http(s) URL starts ("" when it has none), or NULL when the URL is
 * not http(s). */
static const char *url_path(const char *url)
{
    const char *rest;
    if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    else
        return NULL;
    if (*rest == '\0' || *rest == '/' || *rest == '?' || *rest == '#')
        return NULL; /* no host */
    return rest + strcspn(rest, "/?#");
}

/* GETs url and parses the body as a JSON object. On failure prints why and returns the
 * exit code; on success *out is an owned object and body holds the bytes received. */
static int get_json_object(const char *url, const att_cli_http_opts *o, const char *what,
                           att__buf *body, json_t **out)
{
    *out = NULL;
    long status;
    int rc = att_cli_http_get(url, o, &status, body);
    if (rc != ATT_EXIT_OK)
        return rc;
    if (status != 200) {
        rc = att_cli_http_error(url, status, body);
        att__buf_free(body);
        return rc;
    }
    json_error_t jerr;
    json_t *v = json_loadb((const char *)body->data, body->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(v)) {
        if (v)
            att_cli_error("%s from %s is not a JSON object", what, url);
        else
            att_cli_error("%s from %s is not valid JSON: %s (line %d, column %d)", what, url,
                          jerr.text, jerr.line, jerr.column);
        json_decref(v);
        att__buf_free(body);
        return ATT_EXIT_CHECK;
    }
    *out = v;
    return ATT_EXIT_OK;
}

/* Reads OpenID metadata: its jwks_uri must be an http(s) URL. Returns a borrowed string
 * from meta, or NULL after printing why. */
static const char *metadata_jwks_uri(json_t *meta, const char *url, int quiet)
{
    const char *jwks_uri = json_string_value(json_object_get(meta, "jwks_uri"));
    if (!jwks_uri) {
        att_cli_error("OpenID metadata from %s has no \"jwks_uri\" string", url);
        return NULL;
    }
    if (!url_path(jwks_uri)) {
        char shown[256];
        att_cli_error("OpenID metadata from %s has a jwks_uri that is not an http(s) URL: %s", url,
                      att_cli_sanitize(jwks_uri, strlen(jwks_uri), shown, sizeof(shown)));
        return NULL;
    }
    if (!quiet) {
        char shown[512];
        const char *iss = json_string_value(json_object_get(meta, "issuer"));
        printf("Metadata: %s\n", url);
        printf("  issuer:   %s\n",
               iss ? att_cli_sanitize(iss, strlen(iss), shown, sizeof(shown)) : "(none)");
        printf("  jwks_uri: %s\n",
               att_cli_sanitize(jwks_uri, strlen(jwks_uri), shown, sizeof(shown)));
    }
    return jwks_uri;
}

/* One "  label:      value" line; value is untrusted text, shown sanitised. */
static void field(const char *label, const char *value, size_t n)
{
    char shown[1024], lab[16];
    snprintf(lab, sizeof(lab), "%s:", label);
    printf("  %-12s%s\n", lab, att_cli_sanitize(value, n, shown, sizeof(shown)));
}

static void fieldz(const char *label, const char *value)
{
    field(label, value, strlen(value));
}

/* Prints a string member of a key; "(missing)" for kid and kty when absent. */
static void print_member(const json_t *key, const char *name)
{
    const json_t *v = json_object_get(key, name);
    if (json_is_string(v))
        field(name, json_string_value(v), json_string_length(v));
    else if (v)
        fieldz(name, "(not a string)");
    else if (strcmp(name, "kid") == 0 || strcmp(name, "kty") == 0)
        fieldz(name, "(missing)");
}

/* Prints what x5c[0] says. Returns 0, or -1 after printing why it cannot be read. */
static int print_cert(const json_t *x5c)
{
    const char *b64 = json_string_value(json_array_get(x5c, 0));
    if (!b64) {
        fieldz("x5c[0]", "not a string");
        return -1;
    }
    uint8_t *der;
    size_t derlen;
    if (att__b64_decode_alloc(b64, strlen(b64), &der, &derlen) != ATT_OK) {
        fieldz("x5c[0]", "not valid base64");
        return -1;
    }
    att__cert *cert = NULL;
    int rc = att__cert_from_der(der, derlen, &cert);
    free(der);
    if (rc != ATT_OK) {
        printf("  %-12snot a DER X.509 certificate (%s)\n", "x5c[0]:", att_strerror(rc));
        return -1;
    }
    char *subject = NULL, *issuer = NULL, *serial = NULL;
    int64_t nb = 0, na = 0;
    uint8_t thumb[32];
    rc = att__cert_subject(cert, &subject);
    if (rc == ATT_OK)
        rc = att__cert_issuer(cert, &issuer);
    if (rc == ATT_OK)
        rc = att__cert_serial_hex(cert, &serial);
    if (rc == ATT_OK)
        rc = att__cert_validity(cert, &nb, &na);
    if (rc == ATT_OK)
        rc = att__cert_thumbprint(cert, ATT_HASH_SHA256, thumb);
    if (rc == ATT_OK) {
        char nbs[32], nas[32], span[32], hex[65], line[128];
        int64_t now = att__now();
        att__hex_encode(thumb, sizeof(thumb), 0, hex);
        fieldz("subject", subject);
        fieldz("issuer", issuer);
        fieldz("serial", serial);
        fieldz("not before", att__time_format(nb, nbs, sizeof(nbs)));
        att__time_format(na, nas, sizeof(nas));
        if (now < nb)
            snprintf(line, sizeof(line), "%s (not valid yet: starts in %s)", nas,
                     att_cli_duration(nb - now, span, sizeof(span)));
        else if (now > na)
            snprintf(line, sizeof(line), "%s (expired %s ago)", nas,
                     att_cli_duration(now - na, span, sizeof(span)));
        else
            snprintf(line, sizeof(line), "%s (valid for %s)", nas,
                     att_cli_duration(na - now, span, sizeof(span)));
        fieldz("not after", line);
        fieldz("sha256", hex);
    } else {
        printf("  %-12scannot read the certificate (%s)\n", "x5c[0]:", att_strerror(rc));
    }
    free(subject);
    free(issuer);
    free(serial);
    att__cert_free(cert);
    return rc == ATT_OK ? 0 : -1;
}

/* Prints every key of a JWKS. Returns ATT_EXIT_OK, or ATT_EXIT_CHECK when the set or
 * one of its keys is malformed (everything readable is still printed). */
static int print_jwks(const json_t *jwks, const char *url)
{
    const json_t *keys = json_object_get(jwks, "keys");
    if (!json_is_array(keys)) {
        att_cli_error("response from %s is not a JWKS: no \"keys\" array", url);
        return ATT_EXIT_CHECK;
    }
    size_t n = json_array_size(keys);
    int bad = 0;
    printf("JWKS: %s (%zu key%s)\n", url, n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        const json_t *key = json_array_get(keys, i);
        printf("\nKey %zu:\n", i + 1);
        if (!json_is_object(key)) {
            printf("  not a JSON object\n");
            bad = 1;
            continue;
        }
        if (!json_is_string(json_object_get(key, "kid")))
            bad = 1;
        print_member(key, "kid");
        print_member(key, "kty");
        print_member(key, "use");
        print_member(key, "alg");
        const json_t *x5c = json_object_get(key, "x5c");
        size_t nc = json_array_size(x5c);
        if (nc == 0) {
            fieldz("x5c", "(none)");
            continue;
        }
        printf("  %-12s%zu certificate%s\n", "x5c:", nc, nc == 1 ? "" : "s");
        if (print_cert(x5c) != 0)
            bad = 1;
    }
    if (n == 0)
        att_cli_warn("the key set from %s holds no keys", url);
    if (bad)
        att_cli_error("the key set from %s has malformed keys (see above)", url);
    return bad ? ATT_EXIT_CHECK : ATT_EXIT_OK;
}

int att_cli_jwks(const att_cli_ctx *ctx, int argc, char **argv)
{
    int json_out = 0, insecure = 0;
    const char *cacert = NULL, *timeout = NULL;
    const att_cli_opt opts[] = {
        {"json", 0, ATT_OPT_FLAG, &json_out, NULL},
        {"insecure", 0, ATT_OPT_FLAG, &insecure, NULL},
        {"cacert", 0, ATT_OPT_VALUE, NULL, &cacert},
        {"timeout", 0, ATT_OPT_VALUE, NULL, &timeout},
        {NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos;
    int rc = att_cli_parse(ctx, argc, argv, opts, pos, 1, 1, &npos);
    if (rc >= 0)
        return rc;

    att_cli_http_opts http = {.cacert = cacert, .insecure = insecure, .timeout_ms = 30000};
    if (timeout && att_cli_parse_timeout(timeout, &http.timeout_ms) != 0)
        return att_cli_usage_error(ctx, "--timeout wants seconds in (0, 3600], not '%s'", timeout);
    const char *url = pos[0];
    const char *path = url_path(url);
    if (!path)
        return att_cli_usage_error(ctx,
                                   "URL must start with http:// or https:// and name a "
                                   "host, not '%s'",
                                   url);

    /* A base URL (no path): go through the OpenID metadata. */
    char *meta_url = NULL;
    if (path[0] == '\0' || strcmp(path, "/") == 0 || path[0] == '?' || path[0] == '#') {
        size_t base = (size_t)(path - url);
        size_t cap = base + sizeof(METADATA_PATH);
        meta_url = malloc(cap);
        if (!meta_url) {
            att_cli_error("out of memory");
            return ATT_EXIT_IO;
        }
        snprintf(meta_url, cap, "%.*s%s", (int)base, url, METADATA_PATH);
        url = meta_url;
    }

    att__buf body;
    json_t *doc = NULL, *meta = NULL;
    rc = get_json_object(url, &http, meta_url ? "OpenID metadata" : "response", &body, &doc);
    if (rc == ATT_EXIT_OK && !json_object_get(doc, "keys") && json_object_get(doc, "jwks_uri")) {
        /* Metadata (named by the user or reached from the base URL): follow jwks_uri. */
        const char *jwks_uri = metadata_jwks_uri(doc, url, json_out);
        att__buf_free(&body);
        meta = doc;
        doc = NULL;
        if (!jwks_uri)
            rc = ATT_EXIT_CHECK;
        else {
            url = jwks_uri;
            if (!json_out)
                printf("\n");
            rc = get_json_object(url, &http, "JWKS", &body, &doc);
        }
    } else if (rc == ATT_EXIT_OK && meta_url) {
        att_cli_error("OpenID metadata from %s has no \"jwks_uri\" string", url);
        att__buf_free(&body);
        rc = ATT_EXIT_CHECK;
    }

    if (rc == ATT_EXIT_OK && json_out) {
        if (!json_is_array(json_object_get(doc, "keys"))) {
            att_cli_error("response from %s is not a JWKS: no \"keys\" array", url);
            rc = ATT_EXIT_CHECK;
        } else {
            fwrite(body.data, 1, body.len, stdout);
            if (body.len == 0 || body.data[body.len - 1] != '\n')
                fputc('\n', stdout);
        }
    } else if (rc == ATT_EXIT_OK) {
        rc = print_jwks(doc, url);
    }
    att__buf_free(&body);
    json_decref(doc);
    json_decref(meta);
    free(meta_url);
    return rc;
}
