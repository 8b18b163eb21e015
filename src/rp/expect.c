/* Expectations on the claims of a verified token (att_rp_expect): aliases for the claims
 * relying parties check (reference/maa.md §2.11), dotted paths into nested objects, and a
 * comparison by the claim's JSON type. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "core/limits.h"
#include "rp/rp_int.h"

static const struct {
    const char *alias, *claim;
} aliases[] = {
    {"attestation-type", "x-ms-attestation-type"},
    {"mrenclave", "x-ms-sgx-mrenclave"},
    {"mrsigner", "x-ms-sgx-mrsigner"},
    {"debuggable", "x-ms-sgx-is-debuggable"},
    {"policy-hash", "x-ms-policy-hash"},
    {"runtime-data", "x-ms-sgx-ehd"},
    {"nonce", "nonce"},
};

static const char *resolve(const char *claim)
{
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcmp(claim, aliases[i].alias) == 0)
            return aliases[i].claim;
    return claim;
}

/* Walks a dotted path of object member names; NULL when a step is missing. */
static const json_t *lookup(const json_t *claims, const char *path)
{
    const json_t *v = json_object_get(claims, path);
    if (v)
        return v; /* the whole name first: claim names may contain '.' */
    const char *seg = path;
    v = claims;
    while (v && *seg) {
        size_t n = strcspn(seg, ".");
        if (n == 0 || !json_is_object(v))
            return NULL;
        v = json_object_getn(v, seg, n);
        seg += n;
        if (*seg == '.')
            seg++;
    }
    return v;
}

static int is_hex(const char *s, size_t n)
{
    if (n == 0 || n % 2)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Bytes of the expected runtime data: hex, else base64/base64url. */
static int value_bytes(const char *v, uint8_t **out, size_t *len)
{
    size_t n = strlen(v);
    if (is_hex(v, n))
        return att__hex_decode_alloc(v, n, out, len);
    return att__b64_decode_alloc(v, n, out, len);
}

static int fail(att_diag *d, int err, const char *claim, const char *expected, const char *found,
                const char *why)
{
    att_diag_fail(d, err, "rp.expect", claim, "claim %s %s", claim, why);
    att_diag_expect(d, expected, found);
    return err;
}

static int check_bytes(const json_t *v, const char *claim, const char *value, att_diag *d)
{
    if (!json_is_string(v))
        return fail(d, ATT_EMISMATCH, claim, value, "", "is not a base64url string");
    uint8_t *want = NULL, *got = NULL;
    size_t wl = 0, gl = 0;
    int rc = value_bytes(value, &want, &wl);
    if (rc != ATT_OK) {
        free(want);
        return att_diag_fail(d, ATT_EINVAL, "rp.expect", claim,
                             "expected runtime data is neither hex nor base64url");
    }
    rc = att__b64_decode_alloc(json_string_value(v), json_string_length(v), &got, &gl);
    int same = rc == ATT_OK && wl == gl && (wl == 0 || memcmp(want, got, wl) == 0);
    free(want);
    free(got);
    if (!same)
        return fail(d, ATT_EMISMATCH, claim, value, json_string_value(v),
                    "does not hold the expected runtime data");
    return ATT_OK;
}

int att__rp_expect_check(const json_t *claims, const att_rp_expect *e, att_diag *d)
{
    if (!e->claim || !*e->claim || !e->value)
        return att_diag_fail(d, ATT_EINVAL, "rp.expect", "claim",
                             "an expectation needs a claim name and a value");
    const char *claim = resolve(e->claim);
    const json_t *v = lookup(claims, claim);
    if (!v)
        return fail(d, ATT_ENOTFOUND, claim, e->value, "(absent)", "is absent from the token");
    if (strcmp(e->claim, "runtime-data") == 0)
        return check_bytes(v, claim, e->value, d);

    char found[ATT_DIAG_VALUE_MAX];
    int same = 0;
    switch (json_typeof(v)) {
    case JSON_STRING: {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        size_t vn = strlen(e->value);
        same = n == vn && (memcmp(s, e->value, n) == 0 || (is_hex(s, n) && is_hex(e->value, vn) &&
                                                           strncasecmp(s, e->value, n) == 0));
        snprintf(found, sizeof(found), "%s", s);
        break;
    }
    case JSON_TRUE:
    case JSON_FALSE:
        same = strcmp(e->value, json_is_true(v) ? "true" : "false") == 0;
        snprintf(found, sizeof(found), "%s", json_is_true(v) ? "true" : "false");
        break;
    case JSON_INTEGER:
    case JSON_REAL: {
        char *end = NULL;
        double want = strtod(e->value, &end);
        same = end && end != e->value && *end == '\0' && want == json_number_value(v);
        snprintf(found, sizeof(found), "%.17g", json_number_value(v));
        break;
    }
    default: {
        json_t *want = json_loads(e->value, JSON_DECODE_ANY, NULL);
        same = want && json_equal(want, (json_t *)v);
        json_decref(want);
        char *txt = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        snprintf(found, sizeof(found), "%s", txt ? txt : "?");
        free(txt);
        break;
    }
    }
    if (!same)
        return fail(d, ATT_EMISMATCH, claim, e->value, found, "does not have the expected value");
    return ATT_OK;
}
