/* `attest token decode`: shows a JWT's header, claims and times, without verifying it.
 * Every way a token can be malformed gets its own message naming the segment and the
 * problem, because the people running this are usually debugging a token that failed. */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "cli.h"
#include "core/codec.h"
#include "core/limits.h"
#include "core/timeutil.h"

/* A decoded compact JWS. header and claims are owned JSON objects; sig is malloc'd. */
typedef struct jwt_parts {
    json_t *header;
    json_t *claims;
    uint8_t *sig;
    size_t siglen;
} jwt_parts;

static void jwt_parts_free(jwt_parts *p)
{
    json_decref(p->header);
    json_decref(p->claims);
    free(p->sig);
    memset(p, 0, sizeof(*p));
}

static int is_b64_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '+' || c == '/' || c == '=';
}

/* Decodes one base64url segment [s, s+n) of the token text starting at `tok`. Prints the
 * reason and returns ATT_EXIT_USAGE on failure; *out is malloc'd on success. */
static int decode_b64_segment(const char *tok, const char *name, const char *s, size_t n,
                              uint8_t **out, size_t *outlen)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_b64_char(c)) {
            if (c > 0x20 && c < 0x7f)
                att_cli_error("%s is not valid base64url: character '%c' at offset %zu of the "
                              "token",
                              name, c, (size_t)(s - tok) + i);
            else
                att_cli_error("%s is not valid base64url: byte 0x%02x at offset %zu of the token",
                              name, c, (size_t)(s - tok) + i);
            return ATT_EXIT_USAGE;
        }
    }
    int rc = att__b64_decode_alloc(s, n, out, outlen);
    if (rc == ATT_ENOMEM) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    if (rc != ATT_OK) {
        att_cli_error("%s is not valid base64url: its length (%zu characters) is impossible or "
                      "its padding is misplaced",
                      name, n);
        return ATT_EXIT_USAGE;
    }
    return ATT_EXIT_OK;
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "something else";
}

/* Decodes a base64url segment holding a JSON object. */
static int decode_json_segment(const char *tok, const char *name, const char *s, size_t n,
                               json_t **out)
{
    *out = NULL;
    if (n == 0) {
        att_cli_error("%s is empty", name);
        return ATT_EXIT_USAGE;
    }
    uint8_t *raw;
    size_t rawlen;
    int rc = decode_b64_segment(tok, name, s, n, &raw, &rawlen);
    if (rc != ATT_EXIT_OK)
        return rc;
    json_error_t jerr;
    json_t *v =
        json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    free(raw);
    if (!v) {
        att_cli_error("%s is not valid JSON: %s (line %d, column %d)", name, jerr.text, jerr.line,
                      jerr.column);
        return ATT_EXIT_USAGE;
    }
    if (!json_is_object(v)) {
        att_cli_error("%s is not a JSON object (it is %s)", name, json_kind(v));
        json_decref(v);
        return ATT_EXIT_USAGE;
    }
    *out = v;
    return ATT_EXIT_OK;
}

/* Splits and decodes a compact JWS: header.payload.signature. */
static int jwt_decode(const char *tok, size_t n, jwt_parts *p)
{
    memset(p, 0, sizeof(*p));
    if (n == 0) {
        att_cli_error("token is empty");
        return ATT_EXIT_USAGE;
    }
    const char *dot[4];
    int ndots = 0;
    for (size_t i = 0; i < n; i++) {
        if (tok[i] == '.') {
            if (ndots < 4)
                dot[ndots] = tok + i;
            ndots++;
        }
    }
    if (ndots != 2) {
        att_cli_error("token has %d segment%s, expected 3 (header.payload.signature)%s", ndots + 1,
                      ndots ? "s" : "",
                      ndots == 4 ? "; 5 segments is an encrypted JWE, which cannot be decoded"
                                 : "");
        return ATT_EXIT_USAGE;
    }
    const char *h = tok, *pl = dot[0] + 1, *sg = dot[1] + 1, *end = tok + n;
    int rc = decode_json_segment(tok, "header", h, (size_t)(dot[0] - h), &p->header);
    if (rc == ATT_EXIT_OK)
        rc = decode_json_segment(tok, "payload", pl, (size_t)(dot[1] - pl), &p->claims);
    if (rc == ATT_EXIT_OK && end > sg)
        rc = decode_b64_segment(tok, "signature", sg, (size_t)(end - sg), &p->sig, &p->siglen);
    if (rc == ATT_EXIT_OK && !json_is_string(json_object_get(p->header, "alg"))) {
        att_cli_error("header has no \"alg\" string member");
        rc = ATT_EXIT_USAGE;
    }
    if (rc != ATT_EXIT_OK)
        jwt_parts_free(p);
    return rc;
}

static int print_json(const char *title, const json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2));
    if (!text) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    printf("%s:\n%s\n", title, text);
    free(text);
    return ATT_EXIT_OK;
}

/* One line for a NumericDate claim, relative to now. */
static void print_time(const json_t *claims, const char *name, int64_t now)
{
    const json_t *v = json_object_get(claims, name);
    if (!v)
        return;
    if (!json_is_number(v)) {
        printf("  %s: not a number (it is %s)\n", name, json_kind(v));
        return;
    }
    double d = json_number_value(v);
    if (!(d > -1e15 && d < 1e15)) {
        printf("  %s: %g (out of range)\n", name, d);
        return;
    }
    int64_t t = (int64_t)d;
    char when[32], span[32], rel[64];
    att__time_format(t, when, sizeof(when));
    int past = t <= now;
    att_cli_duration(past ? now - t : t - now, span, sizeof(span));
    if (strcmp(name, "exp") == 0)
        snprintf(rel, sizeof(rel), past ? "expired %s ago" : "valid for %s", span);
    else if (strcmp(name, "nbf") == 0)
        snprintf(rel, sizeof(rel), past ? "%s ago" : "in %s, not valid yet", span);
    else
        snprintf(rel, sizeof(rel), past ? "%s ago" : "in %s, in the future", span);
    printf("  %s: %lld (%s, %s)\n", name, (long long)t, when, rel);
}

/* Trims white space at both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)(*s)[0])) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

int att_cli_token_decode(const att_cli_ctx *ctx, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    int rc = att_cli_parse(ctx, argc, argv, NULL, pos, 1, 1, &npos);
    if (rc >= 0)
        return rc;

    att__buf in;
    rc = att_cli_read_arg(pos[0], "token", ATT_MAX_JWS, &in);
    if (rc != ATT_EXIT_OK)
        return rc;
    const char *tok = att__buf_str(&in);
    size_t n = in.len;
    trim(&tok, &n);

    /* An MAA response body ({"token": "..."}) pasted as is: decode its token. */
    json_t *wrapper = NULL;
    if (n && tok[0] == '{') {
        wrapper = json_loadb(tok, n, 0, NULL);
        const char *inner = json_string_value(json_object_get(wrapper, "token"));
        if (!inner) {
            att_cli_error("input is JSON, not a JWT (and has no \"token\" string member)");
            json_decref(wrapper);
            att__buf_free(&in);
            return ATT_EXIT_USAGE;
        }
        fprintf(stderr, "attest: note: input is a JSON object; decoding its \"token\" member\n");
        tok = inner;
        n = strlen(inner);
        trim(&tok, &n);
    }

    jwt_parts p;
    rc = jwt_decode(tok, n, &p);
    json_decref(wrapper);
    att__buf_free(&in);
    if (rc != ATT_EXIT_OK)
        return rc;

    rc = print_json("Header", p.header);
    if (rc == ATT_EXIT_OK)
        rc = print_json("Claims", p.claims);
    if (rc == ATT_EXIT_OK) {
        int64_t now = att__now();
        if (json_object_get(p.claims, "iat") || json_object_get(p.claims, "nbf") ||
            json_object_get(p.claims, "exp")) {
            char nowtxt[32];
            printf("Times (UTC, now %s):\n", att__time_format(now, nowtxt, sizeof(nowtxt)));
            print_time(p.claims, "iat", now);
            print_time(p.claims, "nbf", now);
            print_time(p.claims, "exp", now);
        }
        const char *alg = json_string_value(json_object_get(p.header, "alg"));
        char algtxt[64];
        att_cli_sanitize(alg, strlen(alg), algtxt, sizeof(algtxt));
        if (strcmp(alg, "none") == 0) {
            printf("Signature: none (unsecured token, alg \"none\"): nothing vouches for these "
                   "claims\n");
            if (p.siglen)
                att_cli_warn("alg is \"none\" but the token carries a %zu-byte signature",
                             p.siglen);
        } else if (p.siglen == 0) {
            printf("Signature: missing (alg %s but the signature segment is empty)\n", algtxt);
        } else {
            printf("Signature: %zu bytes, alg %s, NOT VERIFIED\n", p.siglen, algtxt);
        }
        printf("Note: decoding does not verify the signature, issuer or times; do not trust "
               "these claims\nuntil the token has been verified.\n");
    }
    jwt_parts_free(&p);
    return rc;
}
