/* Compact JWS parsing and verification (jws.h). */
#include "token/jws.h"

#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/limits.h"

void att__jws_clear(att__jws *j)
{
    if (!j)
        return;
    json_decref(j->header);
    free(j->payload);
    free(j->sig);
    memset(j, 0, sizeof(*j));
}

/* Decodes one base64url segment into a malloc'd buffer; names the segment on failure. */
static int decode_segment(const char *s, size_t n, const char *what, uint8_t **out, size_t *len,
                          att_diag *d)
{
    int rc = att__b64_decode_alloc(s, n, out, len);
    if (rc != ATT_OK)
        return att_diag_fail(d, ATT_EPARSE, "jws.malformed", what,
                             "Malformed JWT: the %s is not valid base64url", what);
    return ATT_OK;
}

int att__jws_parse(const char *text, size_t n, att__jws *out, att_diag *d)
{
    memset(out, 0, sizeof(*out));
    while (n && (text[0] == ' ' || text[0] == '\t' || text[0] == '\r' || text[0] == '\n')) {
        text++;
        n--;
    }
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r' ||
                 text[n - 1] == '\n'))
        n--;
    if (n > ATT_MAX_JWS)
        return att_diag_fail(d, ATT_ELIMIT, "jws.malformed", "jws",
                             "Malformed JWT: %zu bytes exceed the limit of %u", n, ATT_MAX_JWS);
    const char *p1 = memchr(text, '.', n);
    if (!p1)
        return att_diag_fail(d, ATT_EPARSE, "jws.malformed", "jws",
                             "Malformed JWT: Could not find first period in the token.");
    const char *p2 = memchr(p1 + 1, '.', n - (size_t)(p1 + 1 - text));
    if (!p2)
        return att_diag_fail(d, ATT_EPARSE, "jws.malformed", "jws",
                             "Malformed JWT: Could not find second period in the token.");
    const char *end = text + n;
    if (memchr(p2 + 1, '.', (size_t)(end - p2 - 1)))
        return att_diag_fail(d, ATT_EPARSE, "jws.malformed", "jws",
                             "Malformed JWT: more than three segments (JWE is not accepted)");
    if (p1 == text)
        return att_diag_fail(d, ATT_EPARSE, "jws.malformed", "header",
                             "Malformed JWT: the header segment is empty");
    uint8_t *hdr = NULL;
    size_t hlen = 0;
    int rc = decode_segment(text, (size_t)(p1 - text), "header", &hdr, &hlen, d);
    if (rc != ATT_OK)
        return rc;
    json_error_t jerr;
    out->header = json_loadb((const char *)hdr, hlen, JSON_REJECT_DUPLICATES, &jerr);
    free(hdr);
    if (!json_is_object(out->header)) {
        att__jws_clear(out);
        return att_diag_fail(d, ATT_EPARSE, "jws.malformed", "header",
                             "Malformed JWT: the header is not a JSON object");
    }
    const char *alg = json_string_value(json_object_get(out->header, "alg"));
    if (!alg) {
        att__jws_clear(out);
        return att_diag_fail(d, ATT_EPARSE, "jws.malformed", "alg",
                             "Malformed JWT: the header has no \"alg\"");
    }
    if (strcmp(alg, "none") == 0)
        out->alg = ATT_JWS_NONE;
    else if (strcmp(alg, "RS256") == 0 || strcmp(alg, "RSA256") == 0)
        out->alg = ATT_JWS_RS256;
    else {
        att_diag_fail(d, ATT_EUNSUPPORTED, "jws.alg", "alg",
                      "JWS algorithm '%.32s' is not supported (use RS256, or none where "
                      "unsigned policies are allowed)",
                      alg);
        att__jws_clear(out);
        return ATT_EUNSUPPORTED;
    }
    if ((rc = decode_segment(p1 + 1, (size_t)(p2 - p1 - 1), "payload", &out->payload,
                             &out->payload_len, d)) != ATT_OK ||
        (rc = decode_segment(p2 + 1, (size_t)(end - p2 - 1), "signature", &out->sig, &out->sig_len,
                             d)) != ATT_OK) {
        att__jws_clear(out);
        return rc;
    }
    if (out->alg == ATT_JWS_NONE && out->sig_len != 0) {
        att__jws_clear(out);
        return att_diag_fail(d, ATT_EPARSE, "jws.malformed", "signature",
                             "Malformed JWT: alg none with a non-empty signature");
    }
    out->signing_input = text;
    out->signing_input_len = (size_t)(p2 - text);
    return ATT_OK;
}

/* The certificates of the x5c header member, leaf first; *certs malloc'd. */
static int load_x5c(const json_t *x5c, att__cert ***certs, size_t *count, att_diag *d)
{
    size_t n = json_array_size(x5c);
    *certs = NULL;
    *count = 0;
    if (!json_is_array(x5c) || n == 0)
        return att_diag_fail(d, ATT_EINVAL, "jws.x5c", "x5c",
                             "the JWS header's x5c must be a non-empty array of certificates");
    if (n > ATT_MAX_CHAIN_CERTS)
        return att_diag_fail(d, ATT_ELIMIT, "jws.x5c", "x5c",
                             "the JWS header's x5c has %zu certificates, at most %u allowed", n,
                             ATT_MAX_CHAIN_CERTS);
    att__cert **v = calloc(n, sizeof(*v));
    if (!v)
        return ATT_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *b64 = json_string_value(json_array_get(x5c, i));
        uint8_t *der = NULL;
        size_t dlen = 0;
        int rc = b64 ? att__b64_decode_alloc(b64, strlen(b64), &der, &dlen) : ATT_EINVAL;
        if (rc == ATT_OK)
            rc = att__cert_from_der(der, dlen, &v[i]);
        free(der);
        if (rc != ATT_OK) {
            att__certs_free(v, n);
            return att_diag_fail(d, ATT_EINVAL, "jws.x5c", "x5c",
                                 "x5c[%zu] is not a base64 DER X.509 certificate", i);
        }
    }
    *certs = v;
    *count = n;
    return ATT_OK;
}

/* RSA key from a JWK object {"kty":"RSA","n","e"}. */
static int key_from_jwk(const json_t *jwk, att__pkey **key, att_diag *d)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *n = json_string_value(json_object_get(jwk, "n"));
    const char *e = json_string_value(json_object_get(jwk, "e"));
    if (!kty || strcmp(kty, "RSA") != 0 || !n || !e)
        return att_diag_fail(d, ATT_EINVAL, "jws.jwk", "jwk",
                             "the JWS header's jwk must be an RSA key with n and e");
    uint8_t *nb = NULL, *eb = NULL;
    size_t nl = 0, el = 0;
    int rc = att__b64_decode_alloc(n, strlen(n), &nb, &nl);
    if (rc == ATT_OK)
        rc = att__b64_decode_alloc(e, strlen(e), &eb, &el);
    if (rc == ATT_OK)
        rc = att__pkey_rsa_from_ne(nb, nl, eb, el, key);
    free(nb);
    free(eb);
    if (rc != ATT_OK)
        return att_diag_fail(d, ATT_EINVAL, "jws.jwk", "jwk",
                             "the JWS header's jwk is not a valid RSA public key");
    return ATT_OK;
}

int att__jws_verify(const att__jws *j, int64_t at, json_t **x5c_out, att_diag *d)
{
    if (x5c_out)
        *x5c_out = NULL;
    if (j->alg != ATT_JWS_RS256)
        return att_diag_fail(d, ATT_EINVAL, "jws.unsigned", "alg",
                             "the JWS is not signed (alg none)");
    json_t *x5c = json_object_get(j->header, "x5c");
    json_t *jwk = json_object_get(j->header, "jwk");
    att__pkey *key = NULL;
    att__cert **certs = NULL;
    size_t ncerts = 0;
    int rc;
    if (x5c) {
        if ((rc = load_x5c(x5c, &certs, &ncerts, d)) != ATT_OK)
            return rc;
        int64_t nb, na;
        if ((rc = att__cert_validity(certs[0], &nb, &na)) != ATT_OK || at < nb || at > na) {
            att__certs_free(certs, ncerts);
            return att_diag_fail(d, ATT_EEXPIRED, "jws.x5c.validity", "x5c[0]",
                                 "the signing certificate x5c[0] is not valid at this time");
        }
        /* Each further certificate must have issued the previous one. The chain is not
         * anchored here: whether the signer is trusted is the provider's decision. */
        for (size_t i = 1; i < ncerts && rc == ATT_OK; i++) {
            const att__cert *const inter[] = {certs[i]};
            att__chain_opts o = {.anchors = inter, .n_anchors = 1, .at = at};
            att_diag cd;
            att_diag_clear(&cd);
            if (att__chain_verify(certs[i - 1], &o, &cd) != ATT_OK)
                rc = att_diag_fail(d, ATT_ECHAIN, "jws.x5c.chain", "x5c",
                                   "Unable to find issuer certificate: x5c[%zu] did not issue "
                                   "x5c[%zu] (%s)",
                                   i, i - 1, cd.message);
        }
        if (rc == ATT_OK)
            rc = att__cert_pubkey(certs[0], &key);
        att__certs_free(certs, ncerts);
        if (rc != ATT_OK)
            return att_diag_fail(d, rc, "jws.x5c", "x5c", "cannot use the key of x5c[0]");
    } else if (jwk) {
        if ((rc = key_from_jwk(jwk, &key, d)) != ATT_OK)
            return rc;
    } else {
        return att_diag_fail(d, ATT_EINVAL, "jws.key", "x5c",
                             "the signed JWS carries neither x5c nor jwk in its header");
    }
    if (att__pkey_type(key) != ATT_KEY_RSA) {
        att__pkey_free(key);
        return att_diag_fail(d, ATT_EINVAL, "jws.key", "x5c",
                             "RS256 needs an RSA key; the JWS key is of another type");
    }
    rc = att__rsa_pkcs1_verify(key, ATT_HASH_SHA256, j->signing_input, j->signing_input_len, j->sig,
                               j->sig_len);
    att__pkey_free(key);
    if (rc != ATT_OK)
        return att_diag_fail(d, ATT_ESIG, "jws.signature", "signature",
                             "the JWS signature does not verify with the key in its header");
    if (x5c_out && x5c)
        *x5c_out = json_deep_copy(x5c);
    return ATT_OK;
}

json_t *att__jws_signer_claim(json_t *x5c)
{
    json_t *o = json_pack("{s:s,s:s,s:s}", "alg", "RS256", "kty", "RSA", "use", "sig");
    if (!o) {
        json_decref(x5c);
        return NULL;
    }
    if (!x5c || json_object_set_new(o, "x5c", x5c) != 0) { /* set_new takes x5c either way */
        json_decref(o);
        return NULL;
    }
    return o;
}
