/* Route table, api-version rules and the handlers of the MAA data plane (server.h). */
#include "server/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "provider/provider.h"
#include "server/reqjson.h"
#include "store/store.h"
#include "token/jws.h"
#include "token/token.h"
#include "core/codec.h"

static const char *const api_versions[] = {"2018-09-01-preview", "2020-10-01", "2022-08-01",
                                           "2025-06-01"};

int att__api_version_known(const char *v)
{
    for (size_t i = 0; i < sizeof(api_versions) / sizeof(api_versions[0]); i++)
        if (strcmp(v, api_versions[i]) == 0)
            return 1;
    return 0;
}

int att__req_preview(const att__req *r)
{
    return r->api_version && strcmp(r->api_version, "2018-09-01-preview") == 0;
}

/* How a route treats the api-version query parameter. */
enum api_rule {
    API_NONE,     /* our own endpoints: ignored */
    API_OPTIONAL, /* /certs, OpenID metadata: clients omit it (§1.1); checked when present */
    API_REQUIRED, /* MAA operations */
};

/* ---- handlers ---- */

static int is_get(const att__req *r)
{
    return strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
}

static void h_healthz(att__req *r, const char *arg)
{
    att__respond_json(r, 200, "{\"status\":\"alive\"}");
}

static void h_readyz(att__req *r, const char *arg)
{
    att_diag d;
    att_diag_clear(&d);
    if (!atomic_load(&r->app->ready)) {
        att__respond_error(r, 503, "ServiceUnavailable", "starting: keys or store not ready");
        return;
    }
    if (att__store_ping(r->app->store, &d) != ATT_OK) {
        att__respond_error(r, 503, "ServiceUnavailable", "store not answering: %s", d.message);
        return;
    }
    att__respond_json(r, 200, "{\"status\":\"ready\"}");
}

static void h_metrics(att__req *r, const char *arg)
{
    att__buf b;
    att__buf_init(&b, 4u << 20);
    if (att__metrics_render(&b) != ATT_OK) {
        att__respond_error(r, 500, "InternalError", "cannot render metrics");
        return;
    }
    att__respond(r, 200, "text/plain; version=0.0.4; charset=utf-8", att__buf_str(&b), b.len);
    att__buf_free(&b);
}

/* The provider answering this request (by Host header) in the current snapshot. The
 * snapshot reference is released when the request ends (att__req owns it). */
const att__provider *att__req_provider(att__req *r)
{
    if (!r->snapshot)
        r->snapshot = att__registry_acquire(r->app->registry);
    return att__snapshot_find(r->snapshot, r->host);
}

/* The provider's token issuer; responds 503 when it has none (signer not configured). */
static const att__token_issuer *issuer_for(att__req *r, const att__provider *p)
{
    const att__token_issuer *ti = att__provider_token_issuer(p);
    if (!ti)
        att__respond_error(r, 503, "ServiceUnavailable",
                           "provider '%s' has no token signing key available",
                           att__provider_name(p));
    return ti;
}

static void h_certs(att__req *r, const char *arg)
{
    const att__token_issuer *ti = issuer_for(r, att__req_provider(r));
    if (!ti)
        return;
    size_t n;
    const char *jwks = att__token_issuer_jwks(ti, &n);
    att__respond(r, 200, "application/json; charset=utf-8", jwks, n);
}

static void h_openid(att__req *r, const char *arg)
{
    const att__token_issuer *ti = issuer_for(r, att__req_provider(r));
    if (!ti)
        return;
    size_t n;
    const char *doc = att__token_issuer_openid(ti, &n);
    att__respond(r, 200, "application/json; charset=utf-8", doc, n);
}

/* Parses the {type} path segment; responds 400 naming it when unknown. */
static int parse_type(att__req *r, const char *seg, size_t n, att__att_type *t)
{
    if (att__att_type_parse(seg, n, t) == ATT_OK)
        return 1;
    char buf[64];
    snprintf(buf, sizeof(buf), "%.*s", (int)(n < 48 ? n : 48), seg);
    att__respond_error(r, 400, "InvalidParameter",
                       "unknown attestation type '%s' (expected SgxEnclave, OpenEnclave, "
                       "SevSnpVm, TdxVm, Tpm or AzureGuest)",
                       buf);
    return 0;
}

void att__respond_token(att__req *r, const att__provider *p, att__token_kind kind,
                        const json_t *claims, int unsecured)
{
    const att__token_issuer *ti = issuer_for(r, p);
    if (!ti)
        return;
    char *jwt = NULL;
    int rc = unsecured ? att__token_issue_unsecured(ti, kind, claims, att__now(), &jwt)
                       : att__token_issue(ti, kind, claims, att__now(), &jwt);
    if (rc != ATT_OK) {
        att_diag d;
        att_diag_clear(&d);
        att_diag_fail(&d, rc, "token.issue", "token", "cannot issue token: %s", att_strerror(rc));
        att__respond_diag(r, rc, &d);
        return;
    }
    /* {"token":"<jwt>"} written directly: a compact JWS is base64url and dots, nothing to
     * escape, and a JSON encoder would walk its 5 KB character by character. The
     * 2018-09-01-preview attest answer is the bare JWT as a JSON string (maa.md §1.13). */
    int bare = kind == ATT_TOKEN_ATTESTATION && att__req_preview(r);
    const char *pre = bare ? "\"" : "{\"token\":\"", *post = bare ? "\"" : "\"}";
    size_t n = strlen(jwt), npre = strlen(pre), npost = strlen(post);
    char *text = malloc(npre + n + npost + 1);
    if (text) {
        memcpy(text, pre, npre);
        memcpy(text + npre, jwt, n);
        memcpy(text + npre + n, post, npost + 1);
        att__respond_json(r, 200, text);
    } else {
        att__respond_error(r, 500, "InternalError", "out of memory");
    }
    free(text);
    free(jwt);
}

/* GET /policies/{type}: MAA's policy-get token (§1.8) with x-ms-policy = the stored JWS. */
static void h_policy_get(att__req *r, const char *seg)
{
    att__att_type t;
    if (!parse_type(r, seg, strlen(seg), &t))
        return;
    const att__provider *p = att__req_provider(r);
    const att__policy *pol = att__provider_policy(p, t);
    json_t *claims = json_pack("{s:s}", "x-ms-policy", att__policy_jws(pol));
    if (!claims) {
        att__respond_error(r, 500, "InternalError", "out of memory");
        return;
    }
    att__respond_token(r, p, ATT_TOKEN_MANAGEMENT, claims, 0);
    json_decref(claims);
}

/* The policy-management body as text: raw JWS (text/plain), or a JSON string literal
 * holding it (the C++ SDK sends application/json, §1.1). *out is arena memory. */
static int body_text(att__req *r, const char **out, size_t *n)
{
    const char *b = (const char *)r->body.data;
    size_t len = r->body.len;
    size_t i = 0;
    while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
        i++;
    if (i < len && b[i] == '"') {
        json_error_t err;
        json_t *v = json_loadb(b, len, JSON_DECODE_ANY, &err);
        if (!json_is_string(v)) {
            json_decref(v);
            att__respond_error(r, 400, "InvalidOperation",
                               "the body starts with '\"' but is not one JSON string holding "
                               "the JWS: %s",
                               err.text);
            return 0;
        }
        *n = json_string_length(v);
        *out = att__arena_strndup(&r->arena, json_string_value(v), *n);
        json_decref(v);
        if (!*out) {
            att__respond_error(r, 500, "InternalError", "out of memory");
            return 0;
        }
        return 1;
    }
    *out = b ? b : "";
    *n = len;
    return 1;
}

/* Answers MAA's PolicyResult token (§1.8): x-ms-policy-result, the token hash of the
 * upload (NULL for a reset) and x-ms-policy-signer when signer (borrowed) is not NULL. */
static void respond_policy_result(att__req *r, const att__provider *p, const char *result,
                                  const char *token_hash, json_t *signer)
{
    json_t *claims = json_pack("{s:s}", "x-ms-policy-result", result);
    if (claims && token_hash &&
        json_object_set_new(claims, "x-ms-policy-token-hash", json_string(token_hash)) != 0) {
        json_decref(claims);
        claims = NULL;
    }
    if (claims && signer && json_object_set(claims, "x-ms-policy-signer", signer) != 0) {
        json_decref(claims);
        claims = NULL;
    }
    if (claims)
        att__respond_token(r, p, ATT_TOKEN_MANAGEMENT, claims, 0);
    else
        att__respond_error(r, 500, "InternalError", "out of memory");
    json_decref(claims);
}

/* Parses and checks a policy-management JWS against the provider's trust mode: unsigned is
 * accepted only while the provider is in AAD mode (no policy signers); a signed one must
 * verify. *signer gets the x-ms-policy-signer claim for a signed JWS (else NULL). */
static int check_management_jws(att__req *r, const att__provider *p, const char *text, size_t n,
                                att__jws *j, json_t **signer)
{
    att_diag d;
    att_diag_clear(&d);
    *signer = NULL;
    int rc = att__jws_parse(text, n, j, &d);
    if (rc != ATT_OK) {
        att__respond_error(r, 400, "InvalidOperation", "%s", d.message);
        return 0;
    }
    if (j->alg == ATT_JWS_NONE) {
        if (att__provider_trust_mode(p) == ATT_TRUST_ISOLATED) {
            att__respond_error(r, 400, "InvalidOperation",
                               "provider '%s' is in isolated mode: the policy JWS must be "
                               "signed by one of its policy signers (got alg none)",
                               att__provider_name(p));
            return 0;
        }
        return 1;
    }
    json_t *x5c = NULL;
    rc = att__jws_verify(j, att__now(), &x5c, &d);
    if (rc != ATT_OK) {
        att__respond_error(r, 400, "InvalidParameter", "%s", d.message);
        return 0;
    }
    *signer = x5c ? att__jws_signer_claim(x5c) : NULL;
    return 1;
}

/* PUT /policies/{type}: verify the JWS, compile the policy (a parse error is 400
 * PolicyParsingError), store it and answer MAA's PolicyResult token (§1.8). */
static void h_policy_set(att__req *r, const char *seg)
{
    att__att_type t;
    if (!parse_type(r, seg, strlen(seg), &t))
        return;
    if (r->body.len > ATT_MAX_POLICY_BODY) {
        att__respond_error(r, 413, "PayloadTooLarge",
                           "policy upload of %zu bytes exceeds the limit of %u bytes", r->body.len,
                           ATT_MAX_POLICY_BODY);
        return;
    }
    const att__provider *p = att__req_provider(r);
    const char *text;
    size_t n;
    if (!body_text(r, &text, &n))
        return;
    if (n == 0) {
        att__respond_error(r, 400, "InvalidOperation",
                           "the body is empty; send the policy as a JWS whose payload is "
                           "{\"AttestationPolicy\": \"<base64url policy text>\"}");
        return;
    }
    /* Leniency (§1.8): plain policy text instead of a JWS is stored as the unsigned JWS
     * that wraps it, in AAD mode only. The token hash is over the body as received. */
    const char *received = text;
    size_t received_len = n;
    char *wrapped = NULL;
    if (n >= 7 && strncmp(text, "version", 7) == 0 &&
        att__provider_trust_mode(p) != ATT_TRUST_ISOLATED) {
        size_t wlen;
        if (att__policy_unsigned_jws(text, n, &wrapped, &wlen) != ATT_OK) {
            att__respond_error(r, 400, "InvalidOperation",
                               "the policy text must be at most %u bytes", ATT_MAX_POLICY_TEXT);
            return;
        }
        text = att__arena_strndup(&r->arena, wrapped, wlen);
        n = wlen;
        free(wrapped);
        if (!text) {
            att__respond_error(r, 500, "InternalError", "out of memory");
            return;
        }
    }
    att__jws j;
    json_t *signer = NULL;
    if (!check_management_jws(r, p, text, n, &j, &signer))
        return;
    char *policy = NULL;
    size_t plen = 0;
    json_error_t jerr;
    json_t *payload = json_loadb((const char *)j.payload, j.payload_len, 0, &jerr);
    const char *b64 = json_string_value(att__reqjson_get(payload, "AttestationPolicy"));
    if (!b64) {
        att__respond_error(r, 400, "InvalidOperation",
                           "the JWS payload must be a JSON object with a string member "
                           "\"AttestationPolicy\" (the base64url policy text)");
    } else if (att__b64_decode_alloc(b64, strlen(b64), (uint8_t **)&policy, &plen) != ATT_OK) {
        att__respond_error(r, 400, "InvalidOperation", "AttestationPolicy is not valid base64url");
    } else if (plen > ATT_MAX_POLICY_TEXT || memchr(policy, 0, plen)) {
        att__respond_error(r, 400, "InvalidOperation",
                           "the policy text must be at most %u bytes of UTF-8 without NUL",
                           ATT_MAX_POLICY_TEXT);
    } else {
        att_diag d;
        att_diag_clear(&d);
        int rc = att__server_policy_check(t, policy, plen, &d);
        if (rc != ATT_OK) {
            att__respond_error(r, 400, "PolicyParsingError", "%s", d.message);
        } else {
            rc = att__registry_set_policy(r->app->registry, att__provider_name(p), t, text, n,
                                          policy, plen, &d);
            if (rc != ATT_OK) {
                att__respond_diag(r, rc, &d);
            } else {
                char hash[ATT_POLICY_HASH_LEN + 1];
                att__policy_token_hash(received, received_len, hash);
                att__info("policy updated", "provider=%s type=%s hash=%s signed=%d",
                          att__provider_name(p), att__att_type_name(t), hash, signer != NULL);
                respond_policy_result(r, p, "Updated", hash, signer);
            }
        }
    }
    free(policy);
    json_decref(payload);
    json_decref(signer);
    att__jws_clear(&j);
}

/* POST /policies/{type}:reset: the body is a JWS with an empty payload (unsigned
 * "eyJhbGciOiJub25lIn0.." in AAD mode); the type's default policy applies again. */
static void h_policy_reset(att__req *r, const char *seg)
{
    att__att_type t;
    if (!parse_type(r, seg, strlen(seg), &t))
        return;
    const att__provider *p = att__req_provider(r);
    const char *text;
    size_t n;
    if (!body_text(r, &text, &n))
        return;
    att__jws j;
    memset(&j, 0, sizeof(j));
    json_t *signer = NULL;
    if (n == 0 && att__provider_trust_mode(p) == ATT_TRUST_ISOLATED) {
        att__respond_error(r, 400, "InvalidOperation",
                           "provider '%s' is in isolated mode: reset needs a JWS signed by "
                           "one of its policy signers",
                           att__provider_name(p));
        return;
    }
    if (n > 0 && !check_management_jws(r, p, text, n, &j, &signer))
        return;
    if (j.payload_len != 0) {
        att__respond_error(r, 400, "InvalidOperation",
                           "the reset JWS must have an empty payload (got %zu bytes)",
                           j.payload_len);
    } else {
        att_diag d;
        att_diag_clear(&d);
        int rc = att__registry_reset_policy(r->app->registry, att__provider_name(p), t, &d);
        if (rc != ATT_OK) {
            att__respond_diag(r, rc, &d);
        } else {
            att__info("policy reset", "provider=%s type=%s", att__provider_name(p),
                      att__att_type_name(t));
            respond_policy_result(r, p, "Removed", NULL, signer);
        }
    }
    json_decref(signer);
    att__jws_clear(&j);
}

/* POST /attest/{type}: the body is validated as JSON here; SgxEnclave and OpenEnclave go to
 * their verifier (attest_route.c), the other types land with theirs. */
static void h_attest(att__req *r, const char *seg)
{
    att__att_type t;
    if (!parse_type(r, seg, strlen(seg), &t))
        return;
    att_diag d;
    att_diag_clear(&d);
    json_t *body = NULL;
    int rc = att__reqjson_parse((const char *)r->body.data, r->body.len, &body, &d);
    if (rc != ATT_OK) {
        att__respond_diag(r, rc, &d);
        return;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        att__respond_error(r, 400, "InvalidParameter",
                           "request body must be a JSON object for /attest/%s",
                           att__att_type_name(t));
        return;
    }
    if (t == ATT_TYPE_SGX_ENCLAVE || t == ATT_TYPE_OPEN_ENCLAVE) {
        att__attest_sgx_handle(r, t, body);
        json_decref(body);
        return;
    }
    if (t == ATT_TYPE_TDX_VM) {
        att__attest_tdx_handle(r, body);
        json_decref(body);
        return;
    }
    if (t == ATT_TYPE_SEV_SNP_VM) {
        att__attest_snp_handle(r, body);
        json_decref(body);
        return;
    }
    if (t == ATT_TYPE_TPM) {
        att__attest_tpm_handle(r, body);
        json_decref(body);
        return;
    }
    json_decref(body);
    att__respond_error(r, 501, "NotImplemented",
                       "attestation of type %s is not available yet in this attestd build",
                       att__att_type_name(t));
}

/* GET /tcbbaselines/{type}: the SGX TCB baselines and which one the policy selects. */
static void h_tcbbaselines(att__req *r, const char *seg)
{
    att__att_type t;
    if (parse_type(r, seg, strlen(seg), &t))
        att__tcbbaselines_handle(r, t);
}

/* ---- routing ---- */

typedef void (*handler_fn)(att__req *r, const char *arg);

typedef struct route {
    const char *prefix; /* path, or prefix when has_arg */
    int has_arg;        /* the rest of the path (one segment) is the handler's argument */
    const char *suffix; /* required suffix of the argument (":reset"), or NULL */
    const char *method; /* "GET" also matches HEAD */
    enum api_rule api;
    att__route_id id;
    handler_fn fn;
} route;

static const route routes[] = {
    {"/certs", 0, NULL, "GET", API_OPTIONAL, ATT_ROUTE_CERTS, h_certs},
    {"/certs/", 0, NULL, "GET", API_OPTIONAL, ATT_ROUTE_CERTS, h_certs},
    {"/.well-known/openid-configuration", 0, NULL, "GET", API_OPTIONAL, ATT_ROUTE_OPENID, h_openid},
    {"/healthz", 0, NULL, "GET", API_NONE, ATT_ROUTE_HEALTHZ, h_healthz},
    {"/readyz", 0, NULL, "GET", API_NONE, ATT_ROUTE_READYZ, h_readyz},
    {"/metrics", 0, NULL, "GET", API_NONE, ATT_ROUTE_METRICS, h_metrics},
    {"/policies/", 1, ":reset", "POST", API_REQUIRED, ATT_ROUTE_POLICY_RESET, h_policy_reset},
    {"/policies/", 1, NULL, "GET", API_REQUIRED, ATT_ROUTE_POLICY_GET, h_policy_get},
    {"/policies/", 1, NULL, "PUT", API_REQUIRED, ATT_ROUTE_POLICY_SET, h_policy_set},
    {"/attest/", 1, NULL, "POST", API_REQUIRED, ATT_ROUTE_ATTEST, h_attest},
    {"/tcbbaselines/", 1, NULL, "GET", API_REQUIRED, ATT_ROUTE_TCB_BASELINES, h_tcbbaselines},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* Does route rt's path pattern match path? *arg gets the argument (arena copy). */
static int path_matches(att__req *r, const route *rt, const char *path, const char **arg)
{
    size_t plen = strlen(rt->prefix);
    *arg = NULL;
    if (!rt->has_arg)
        return strcmp(path, rt->prefix) == 0;
    if (strncmp(path, rt->prefix, plen) != 0)
        return 0;
    const char *rest = path + plen;
    size_t n = strlen(rest);
    if (n == 0 || strchr(rest, '/'))
        return 0;
    size_t cut = n;
    const char *colon = strchr(rest, ':');
    if (rt->suffix) {
        size_t slen = strlen(rt->suffix);
        if (n <= slen || strcmp(rest + n - slen, rt->suffix) != 0)
            return 0;
        cut = n - slen;
    } else if (colon) {
        return 0;
    }
    *arg = att__arena_strndup(&r->arena, rest, cut);
    return *arg != NULL;
}

void att__route_dispatch(att__req *r)
{
    const route *hit = NULL;
    const char *arg = NULL;
    char allow[64] = "";
    for (size_t i = 0; i < NROUTES; i++) {
        const route *rt = &routes[i];
        const char *a;
        if (!path_matches(r, rt, r->path, &a))
            continue;
        r->route = rt->id;
        int ok =
            strcmp(r->method, rt->method) == 0 || (strcmp(rt->method, "GET") == 0 && is_get(r));
        if (ok) {
            hit = rt;
            arg = a;
            break;
        }
        if (!strstr(allow, rt->method)) {
            size_t len = strlen(allow);
            snprintf(allow + len, sizeof(allow) - len, "%s%s", len ? ", " : "", rt->method);
        }
    }
    if (!hit) {
        if (allow[0]) {
            r->allow = att__arena_strdup(&r->arena, allow);
            att__respond_error(r, 405, "MethodNotAllowed",
                               "method %s is not allowed on %s (allowed: %s)", r->method, r->path,
                               allow);
        } else {
            att__respond_error(r, 404, "NotFound", "no such endpoint: %s %s", r->method, r->path);
        }
        return;
    }
    if (hit->api != API_NONE) {
        if (r->api_version && !att__api_version_known(r->api_version)) {
            att__respond_error(r, 400, "InvalidParameter",
                               "unsupported api-version '%s' (supported: 2018-09-01-preview, "
                               "2020-10-01, 2022-08-01, 2025-06-01)",
                               r->api_version);
            return;
        }
        if (!r->api_version && hit->api == API_REQUIRED) {
            att__respond_error(r, 400, "InvalidParameter",
                               "the api-version query parameter is required (e.g. "
                               "?api-version=2022-08-01)");
            return;
        }
    }
    hit->fn(r, arg);
}
