/* Unit tests for src/provider: attestation type names, default policies and their MAA
 * hashes, the policy-token hash of a real SDK upload, the unsigned policy JWS wrapper,
 * host lookup, set/reset of policies through snapshots, persistence, snapshot lifetime
 * across swaps, token issuers per provider and concurrent acquire/release during swaps. */
#include "testutil.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "core/codec.h"
#include "core/limits.h"
#include "provider/provider.h"
#include "store/store.h"

#define SGX_DEFAULT_HASH "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw"
#define SDK_TPM_JWS      "maa/sdk-python/tpm-init-2022/put-policy-Tpm.request.body.jws"
#define SDK_TPM_JWS_HASH "pyhI2FKMjRkvpvwS07hLclAyvsi5O4TrnzL5OPsIxzM"

/* ---- helpers ---- */

static char *vector(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s", tu_shared_path("vectors"));
    size_t n = strlen(path);
    snprintf(path + n, sizeof(path) - n, "/%s", rel);
    return (char *)tu_read_file(path, len);
}

/* Decodes base64url segment [p, p+n) into a malloc'd NUL-terminated string. */
static char *b64_segment(const char *p, size_t n)
{
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(att__b64_decode_alloc(p, n, &out, &len), ATT_OK);
    return (char *)out;
}

/* The policy text carried by a compact policy JWS (header.payload.signature), and its
 * decoded header in *header (malloc'd). */
static char *jws_policy_text(const char *jws, char **header)
{
    const char *dot1 = strchr(jws, '.');
    assert_non_null(dot1);
    const char *dot2 = strchr(dot1 + 1, '.');
    assert_non_null(dot2);
    if (header)
        *header = b64_segment(jws, (size_t)(dot1 - jws));
    char *payload = b64_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    json_error_t err;
    json_t *obj = json_loads(payload, 0, &err);
    assert_non_null(obj);
    const char *inner = json_string_value(json_object_get(obj, "AttestationPolicy"));
    assert_non_null(inner);
    char *text = b64_segment(inner, strlen(inner));
    json_decref(obj);
    free(payload);
    return text;
}

/* ---- types, defaults, hashes ---- */

static void type_names_parse_case_insensitively(void **state)
{
    static const char *const names[ATT_TYPE_COUNT] = {"SgxEnclave", "OpenEnclave", "SevSnpVm",
                                                      "TdxVm",      "Tpm",         "AzureGuest"};
    for (int i = 0; i < ATT_TYPE_COUNT; i++) {
        att__att_type t;
        assert_string_equal(att__att_type_name((att__att_type)i), names[i]);
        assert_int_equal(att__att_type_parse(names[i], strlen(names[i]), &t), ATT_OK);
        assert_int_equal(t, i);
    }
    att__att_type t = ATT_TYPE_TPM;
    assert_int_equal(att__att_type_parse("sevsnpvm", 8, &t), ATT_OK);
    assert_int_equal(t, ATT_TYPE_SEV_SNP_VM);
    assert_int_equal(att__att_type_parse("SGXENCLAVE", 10, &t), ATT_OK);
    assert_int_equal(t, ATT_TYPE_SGX_ENCLAVE);
    assert_int_equal(att__att_type_parse("tPM:reset", 3, &t), ATT_OK); /* a segment */
    assert_int_equal(t, ATT_TYPE_TPM);
    const char *bad[] = {"", "Sgx", "SgxEnclaveX", "SgxEnclave ", " Tpm", "Tpm2", "T\xc3\xa9m"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(att__att_type_parse(bad[i], strlen(bad[i]), &t), ATT_ENOTFOUND);
    assert_int_equal(att__att_type_parse("Tpm\0", 4, &t), ATT_ENOTFOUND);
    assert_null(att__att_type_name((att__att_type)ATT_TYPE_COUNT));

    att__trust_mode m;
    assert_int_equal(att__trust_mode_parse("Isolated", &m), ATT_OK);
    assert_int_equal(m, ATT_TRUST_ISOLATED);
    assert_string_equal(att__trust_mode_name(ATT_TRUST_AAD), "aad");
    assert_int_equal(att__trust_mode_parse("aadx", &m), ATT_EINVAL);
}

static void default_policies_match_vectors(void **state)
{
    size_t n = 0;
    char *sgx = vector("maa/default-policies/sgx-default-2022.policy.txt", &n);
    char *permit = vector("maa/default-policies/minimal-permit.policy.txt", NULL);
    assert_string_equal(att__default_policy_text(ATT_TYPE_SGX_ENCLAVE), sgx);
    assert_string_equal(att__default_policy_text(ATT_TYPE_OPEN_ENCLAVE), sgx);
    /* MAA has no Tpm default (maa.md §3.8); ours issues MAA's TPM report claims. */
    const char *tpm = att__default_policy_text(ATT_TYPE_TPM);
    assert_int_equal(strncmp(tpm, "version=1.2;", 12), 0);
    assert_non_null(strstr(tpm, "issue(type=\"aikValidated\""));
    assert_string_equal(att__default_policy_text(ATT_TYPE_SEV_SNP_VM), permit);
    assert_string_equal(att__default_policy_text(ATT_TYPE_TDX_VM), permit);
    assert_string_equal(att__default_policy_text(ATT_TYPE_AZURE_GUEST), permit);
    assert_null(att__default_policy_text((att__att_type)ATT_TYPE_COUNT));

    char h[ATT_POLICY_HASH_LEN + 1];
    assert_int_equal(att__policy_hash(sgx, n, h), ATT_OK);
    assert_string_equal(h, SGX_DEFAULT_HASH);
    const char *text = att__default_policy_text(ATT_TYPE_SGX_ENCLAVE);
    assert_int_equal(att__policy_hash(text, strlen(text), h), ATT_OK);
    assert_string_equal(h, SGX_DEFAULT_HASH);
    /* maa.md §3.8 quotes the minimal permit policy's hash as z0FRjKS0...pWU. */
    assert_int_equal(att__policy_hash(permit, strlen(permit), h), ATT_OK);
    assert_int_equal(strncmp(h, "z0FRjKS0", 8), 0);
    assert_string_equal(h + ATT_POLICY_HASH_LEN - 3, "pWU");
    free(sgx);
    free(permit);
}

static void policy_token_hash_of_sdk_upload(void **state)
{
    size_t n = 0;
    char *jws = vector(SDK_TPM_JWS, &n);
    char h[ATT_POLICY_HASH_LEN + 1];
    assert_int_equal(att__policy_token_hash(jws, n, h), ATT_OK);
    assert_string_equal(h, SDK_TPM_JWS_HASH);
    /* The SDK's upload carries the minimal permit policy (its JSON has a space after the
     * colon, so the JWS differs from ours while the policy hash is the same). */
    char *text = jws_policy_text(jws, NULL);
    char *permit = vector("maa/default-policies/minimal-permit.policy.txt", NULL);
    assert_string_equal(text, permit);
    free(permit);
    char *ours = NULL;
    assert_int_equal(att__policy_unsigned_jws(text, strlen(text), &ours, NULL), ATT_OK);
    assert_string_not_equal(ours, jws);
    free(ours);
    free(text);
    free(jws);
}

static void unsigned_jws_round_trips(void **state)
{
    const char *texts[] = {
        att__default_policy_text(ATT_TYPE_SGX_ENCLAVE),
        "",
        "version=1.0; // caf\xc3\xa9 \"quoted\" \\ back\nslash\r\n\t",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char *jws = NULL;
        size_t len = 0;
        assert_int_equal(att__policy_unsigned_jws(texts[i], strlen(texts[i]), &jws, &len), ATT_OK);
        assert_int_equal(len, strlen(jws));
        assert_int_equal(strncmp(jws, "eyJhbGciOiJub25lIn0.", 20), 0);
        assert_int_equal(jws[len - 1], '.');
        char *header = NULL;
        char *back = jws_policy_text(jws, &header);
        assert_string_equal(header, "{\"alg\":\"none\"}");
        assert_string_equal(back, texts[i]);
        free(header);
        free(back);
        free(jws);
    }
    /* The exact bytes for a short text, so other implementations can compare. */
    char *jws = NULL;
    assert_int_equal(att__policy_unsigned_jws("abc", 3, &jws, NULL), ATT_OK);
    assert_string_equal(jws, "eyJhbGciOiJub25lIn0.eyJBdHRlc3RhdGlvblBvbGljeSI6IllXSmoifQ.");
    free(jws);
    static char big[ATT_MAX_POLICY_TEXT + 1];
    assert_int_equal(att__policy_unsigned_jws(big, sizeof(big), &jws, NULL), ATT_ELIMIT);
}

/* ---- registry fixture ---- */

typedef struct fixture {
    char dir[256];
    att__store *store;
    att__registry *reg;
    atomic_int compiles; /* calls of the compile hook */
    atomic_int made;     /* compiled forms made */
    atomic_int releases; /* compiled forms released */
} fixture;

/* Compile hook for the tests: "compiles" anything but texts containing "uncompilable". */
static int test_compile(void *arg, att__att_type t, const char *text, size_t n, void **out,
                        att_diag *d)
{
    fixture *f = arg;
    atomic_fetch_add(&f->compiles, 1);
    if (strstr(text, "uncompilable"))
        return att_diag_fail(d, ATT_EPARSE, "policy.parse", "text", "test: cannot compile");
    atomic_fetch_add(&f->made, 1);
    *out = strdup(text);
    return ATT_OK;
}

static void test_release(void *arg, void *compiled)
{
    fixture *f = arg;
    atomic_fetch_add(&f->releases, 1);
    free(compiled);
}

static att__registry *open_registry(fixture *f, const char *issuer)
{
    att__registry_config cfg = {
        .issuer = issuer, .compile = test_compile, .release = test_release, .compile_arg = f};
    att__registry *r = NULL;
    att_diag d;
    att_diag_clear(&d);
    if (att__registry_open(f->store, &cfg, &r, &d) != ATT_OK)
        fail_msg("registry open: %s", d.message);
    return r;
}

static void open_all(fixture *f, const char *issuer)
{
    att__store_config cfg = {.data_dir = f->dir};
    assert_int_equal(att__store_open(&cfg, &f->store, NULL), ATT_OK);
    f->reg = open_registry(f, issuer);
}

static void close_all(fixture *f)
{
    att__registry_close(f->reg);
    att__store_close(f->store);
    f->reg = NULL;
    f->store = NULL;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "%s", tu_tmpdir());
    open_all(f, "http://127.0.0.1:8080/");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    close_all(f);
    /* Every compiled form was released: nothing leaked, nothing released twice. */
    assert_int_equal(atomic_load(&f->made), atomic_load(&f->releases));
    tu_rmtree(f->dir);
    free(f);
    return 0;
}

/* Sets a policy from its text through an unsigned JWS, as an AAD-mode upload would. */
static int set_text(att__registry *r, const char *prov, att__att_type t, const char *text,
                    att_diag *d)
{
    char *jws = NULL;
    size_t n = 0;
    assert_int_equal(att__policy_unsigned_jws(text, strlen(text), &jws, &n), ATT_OK);
    int rc = att__registry_set_policy(r, prov, t, jws, n, text, strlen(text), d);
    free(jws);
    return rc;
}

/* ---- registry tests ---- */

static void default_provider_is_created(void **state)
{
    fixture *f = *state;
    const att__snapshot *s = att__registry_acquire(f->reg);
    assert_int_equal(att__snapshot_count(s), 1);
    const att__provider *p = att__snapshot_default(s);
    assert_ptr_equal(att__snapshot_at(s, 0), p);
    assert_null(att__snapshot_at(s, 1));
    assert_string_equal(att__provider_name(p), "default");
    assert_string_equal(att__provider_issuer(p), "http://127.0.0.1:8080");
    assert_string_equal(att__provider_host(p), "127.0.0.1");
    assert_int_equal(att__provider_trust_mode(p), ATT_TRUST_AAD);
    assert_true(att__provider_is_default(p));
    assert_null(att__provider_token_issuer(p)); /* no signer configured */
    for (int t = 0; t < ATT_TYPE_COUNT; t++) {
        const att__policy *pol = att__provider_policy(p, (att__att_type)t);
        assert_non_null(pol);
        assert_int_equal(att__policy_type(pol), t);
        assert_true(att__policy_is_default(pol));
        assert_int_equal(att__policy_version(pol), 0);
        assert_string_equal(att__policy_text(pol), att__default_policy_text((att__att_type)t));
        char *jws = NULL;
        size_t n = 0;
        assert_int_equal(
            att__policy_unsigned_jws(att__policy_text(pol), att__policy_text_len(pol), &jws, &n),
            ATT_OK);
        assert_string_equal(att__policy_jws(pol), jws);
        assert_int_equal(att__policy_jws_len(pol), n);
        free(jws);
        int err = -1;
        assert_non_null(att__policy_compiled(pol, &err));
        assert_int_equal(err, ATT_OK);
    }
    assert_string_equal(att__policy_hash_str(att__provider_policy(p, ATT_TYPE_SGX_ENCLAVE)),
                        SGX_DEFAULT_HASH);
    assert_string_equal(att__policy_hash_str(att__provider_policy(p, ATT_TYPE_OPEN_ENCLAVE)),
                        SGX_DEFAULT_HASH);
    assert_null(att__provider_policy(p, (att__att_type)ATT_TYPE_COUNT));
    assert_int_equal(atomic_load(&f->compiles), ATT_TYPE_COUNT); /* once per default */
    att__snapshot_release(s);

    att__store_provider sp;
    assert_int_equal(att__store_provider_get(f->store, "default", &sp, NULL), ATT_OK);
    assert_string_equal(sp.issuer, "http://127.0.0.1:8080");
    assert_string_equal(sp.trust_mode, "aad");
    att__store_provider_clear(&sp);
}

static void issuer_change_updates_default(void **state)
{
    fixture *f = *state;
    att__store_provider before;
    assert_int_equal(att__store_provider_get(f->store, "default", &before, NULL), ATT_OK);
    att__registry_close(f->reg);
    f->reg = open_registry(f, "https://Attest.Example.com");
    const att__snapshot *s = att__registry_acquire(f->reg);
    const att__provider *p = att__snapshot_default(s);
    assert_string_equal(att__provider_issuer(p), "https://Attest.Example.com");
    assert_string_equal(att__provider_host(p), "attest.example.com");
    assert_int_equal(att__provider_created(p), before.created);
    assert_true(att__provider_version(p) > before.version);
    att__snapshot_release(s);
    att__store_provider_clear(&before);

    /* Unchanged configuration: no write. */
    int64_t g1 = 0, g2 = 0;
    assert_int_equal(att__store_generation(f->store, &g1, NULL), ATT_OK);
    att__registry_close(f->reg);
    f->reg = open_registry(f, "https://Attest.Example.com/");
    assert_int_equal(att__store_generation(f->store, &g2, NULL), ATT_OK);
    assert_int_equal(g1, g2);

    att__registry *r = NULL;
    att__registry_config bad = {.issuer = "ftp://x.example"};
    assert_int_equal(att__registry_open(f->store, &bad, &r, NULL), ATT_EINVAL);
    bad.issuer = NULL;
    assert_int_equal(att__registry_open(f->store, &bad, &r, NULL), ATT_EINVAL);
    assert_null(r);
}

static void host_lookup(void **state)
{
    fixture *f = *state;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__registry_put_provider(f->reg, "tenant1", "https://tenant1.example.com",
                                                NULL, ATT_TRUST_AAD, &d),
                     ATT_OK);
    assert_int_equal(att__registry_put_provider(f->reg, "tenant2", "https://t2.example.com:8443",
                                                "Alias.Example.ORG", ATT_TRUST_ISOLATED, &d),
                     ATT_OK);
    assert_int_equal(
        att__registry_put_provider(f->reg, "v6", "http://[fd00::1]:8080", NULL, ATT_TRUST_AAD, &d),
        ATT_OK);

    const att__snapshot *s = att__registry_acquire(f->reg);
    assert_int_equal(att__snapshot_count(s), 4);
    const att__provider *t1 = att__snapshot_find_name(s, "tenant1");
    const att__provider *t2 = att__snapshot_find_name(s, "tenant2");
    const att__provider *v6 = att__snapshot_find_name(s, "v6");
    const att__provider *def = att__snapshot_default(s);
    assert_non_null(t1);
    assert_non_null(t2);
    assert_null(att__snapshot_find_name(s, "tenant3"));
    assert_string_equal(att__provider_host(t2), "alias.example.org");
    assert_string_equal(att__provider_issuer(t2), "https://t2.example.com:8443");
    assert_int_equal(att__provider_trust_mode(t2), ATT_TRUST_ISOLATED);

    struct {
        const char *host;
        const att__provider *want;
    } cases[] = {
        {"tenant1.example.com", t1},
        {"TENANT1.Example.COM:443", t1},
        {"tenant1.example.com.", t1},
        {"tenant1.example.com.:8443", t1},
        {"alias.example.org", t2},
        {"ALIAS.example.org:1", t2},
        {"[fd00::1]:8080", v6},
        {"[FD00::1]", v6},
        {"t2.example.com", def},
        {"127.0.0.1:8080", def},
        {"127.0.0.1", def},
        {"unknown.example.com", def},
        {"tenant1.example.co", def},
        {"tenant1.example.comx", def},
        {"", def},
        {":8080", def},
        {"[fd00::1", def},
        {NULL, def},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const att__provider *got = att__snapshot_find(s, cases[i].host);
        if (got != cases[i].want)
            fail_msg("host \"%s\": got %s, want %s", cases[i].host ? cases[i].host : "(null)",
                     att__provider_name(got), att__provider_name(cases[i].want));
    }
    att__snapshot_release(s);

    /* Names, issuers and hosts are validated; hosts are unique; default is reserved. */
    assert_int_equal(
        att__registry_put_provider(f->reg, "Bad", "https://b.example", NULL, ATT_TRUST_AAD, NULL),
        ATT_EINVAL);
    assert_int_equal(
        att__registry_put_provider(f->reg, "-b", "https://b.example", NULL, ATT_TRUST_AAD, NULL),
        ATT_EINVAL);
    assert_int_equal(att__registry_put_provider(f->reg, "default", "https://b.example", NULL,
                                                ATT_TRUST_AAD, NULL),
                     ATT_EDENIED);
    assert_int_equal(
        att__registry_put_provider(f->reg, "b", "ftp://b.example", NULL, ATT_TRUST_AAD, NULL),
        ATT_EINVAL);
    assert_int_equal(att__registry_put_provider(f->reg, "b", "https://b.example", "bad host",
                                                ATT_TRUST_AAD, NULL),
                     ATT_EINVAL);
    assert_int_equal(att__registry_put_provider(f->reg, "b", "https://b.example",
                                                "Tenant1.example.com", ATT_TRUST_AAD, NULL),
                     ATT_EINVAL);
    assert_int_equal(att__registry_delete_provider(f->reg, "default", NULL), ATT_EDENIED);
    assert_int_equal(att__registry_delete_provider(f->reg, "tenant1", NULL), ATT_OK);
    s = att__registry_acquire(f->reg);
    assert_ptr_equal(att__snapshot_find(s, "tenant1.example.com"), att__snapshot_default(s));
    assert_int_equal(att__snapshot_count(s), 3);
    att__snapshot_release(s);
}

static void set_and_reset_policy(void **state)
{
    fixture *f = *state;
    const char *text = "version=1.0; authorizationrules{=> permit();}; issuancerules{}; // v1";
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(set_text(f->reg, "default", ATT_TYPE_SGX_ENCLAVE, text, &d), ATT_OK);

    const att__snapshot *s = att__registry_acquire(f->reg);
    const att__policy *pol = att__provider_policy(att__snapshot_default(s), ATT_TYPE_SGX_ENCLAVE);
    assert_false(att__policy_is_default(pol));
    assert_string_equal(att__policy_text(pol), text);
    char *jws = NULL;
    assert_int_equal(att__policy_unsigned_jws(text, strlen(text), &jws, NULL), ATT_OK);
    assert_string_equal(att__policy_jws(pol), jws);
    free(jws);
    char h[ATT_POLICY_HASH_LEN + 1];
    assert_int_equal(att__policy_hash(text, strlen(text), h), ATT_OK);
    assert_string_equal(att__policy_hash_str(pol), h);
    assert_true(att__policy_version(pol) > 0);
    assert_true(att__policy_updated(pol) > 1700000000);
    assert_true(att__policy_is_default(
        att__provider_policy(att__snapshot_default(s), ATT_TYPE_OPEN_ENCLAVE)));
    assert_int_equal(att__snapshot_generation(s), att__policy_version(pol));
    att__snapshot_release(s);

    /* A signed JWS is stored exactly as received, whatever its shape. */
    const char *signed_jws = "eyJhbGciOiJSUzI1NiJ9.eyJBdHRlc3RhdGlvblBvbGljeSI6IllXSmoifQ.c2ln";
    assert_int_equal(att__registry_set_policy(f->reg, "default", ATT_TYPE_TPM, signed_jws,
                                              strlen(signed_jws), "abc", 3, NULL),
                     ATT_OK);
    s = att__registry_acquire(f->reg);
    pol = att__provider_policy(att__snapshot_default(s), ATT_TYPE_TPM);
    assert_string_equal(att__policy_jws(pol), signed_jws);
    assert_string_equal(att__policy_text(pol), "abc");
    assert_null(att__policy_signer(pol)); /* signed, but no x5c in its header */
    att__snapshot_release(s);

    /* The docs' signed policy (x5c): its x-ms-policy-signer is prepared in the snapshot;
     * unsigned and default policies have none. */
    size_t dn;
    char *docs = (char *)tu_read_file(
        tu_shared_path("vectors/maa/azure-security-docs/sgx-policy-signed.jwt"), &dn);
    while (dn && (docs[dn - 1] == '\n' || docs[dn - 1] == '\r'))
        docs[--dn] = '\0';
    assert_int_equal(att__registry_set_policy(f->reg, "default", ATT_TYPE_OPEN_ENCLAVE, docs, dn,
                                              "abc", 3, NULL),
                     ATT_OK);
    free(docs);
    s = att__registry_acquire(f->reg);
    const json_t *signer =
        att__policy_signer(att__provider_policy(att__snapshot_default(s), ATT_TYPE_OPEN_ENCLAVE));
    assert_non_null(signer);
    assert_string_equal(json_string_value(json_object_get(signer, "kty")), "RSA");
    assert_string_equal(json_string_value(json_object_get(signer, "alg")), "RS256");
    assert_int_equal(json_array_size(json_object_get(signer, "x5c")), 1);
    assert_null(
        att__policy_signer(att__provider_policy(att__snapshot_default(s), ATT_TYPE_SGX_ENCLAVE)));
    assert_null(
        att__policy_signer(att__provider_policy(att__snapshot_default(s), ATT_TYPE_TDX_VM)));
    att__snapshot_release(s);
    assert_int_equal(att__registry_reset_policy(f->reg, "default", ATT_TYPE_OPEN_ENCLAVE, NULL),
                     ATT_OK);

    /* Unknown provider, bad arguments. */
    att_diag_clear(&d);
    assert_int_equal(set_text(f->reg, "nobody", ATT_TYPE_TPM, text, &d), ATT_ENOTFOUND);
    assert_int_equal(att__registry_set_policy(f->reg, "default", ATT_TYPE_TPM, "", 0, "x", 1, NULL),
                     ATT_EINVAL);
    assert_int_equal(
        att__registry_set_policy(f->reg, "default", ATT_TYPE_TPM, "a.b.", 4, "x\0y", 3, NULL),
        ATT_EINVAL);
    assert_int_equal(att__registry_set_policy(f->reg, "default", (att__att_type)ATT_TYPE_COUNT,
                                              "a.b.", 4, "x", 1, NULL),
                     ATT_EINVAL);

    /* Reset: back to the default; again is fine; unknown provider is not. */
    assert_int_equal(att__registry_reset_policy(f->reg, "default", ATT_TYPE_SGX_ENCLAVE, NULL),
                     ATT_OK);
    s = att__registry_acquire(f->reg);
    pol = att__provider_policy(att__snapshot_default(s), ATT_TYPE_SGX_ENCLAVE);
    assert_true(att__policy_is_default(pol));
    assert_string_equal(att__policy_hash_str(pol), SGX_DEFAULT_HASH);
    att__snapshot_release(s);
    assert_int_equal(att__registry_reset_policy(f->reg, "default", ATT_TYPE_SGX_ENCLAVE, NULL),
                     ATT_OK);
    assert_int_equal(att__registry_reset_policy(f->reg, "nobody", ATT_TYPE_SGX_ENCLAVE, NULL),
                     ATT_ENOTFOUND);

    /* Persisted: a restart serves the same policies. */
    close_all(f);
    open_all(f, "http://127.0.0.1:8080");
    s = att__registry_acquire(f->reg);
    pol = att__provider_policy(att__snapshot_default(s), ATT_TYPE_TPM);
    assert_string_equal(att__policy_jws(pol), signed_jws);
    assert_false(att__policy_is_default(pol));
    assert_true(att__policy_is_default(
        att__provider_policy(att__snapshot_default(s), ATT_TYPE_SGX_ENCLAVE)));
    att__snapshot_release(s);
}

static void unchanged_policies_are_reused(void **state)
{
    fixture *f = *state;
    assert_int_equal(set_text(f->reg, "default", ATT_TYPE_TPM, "version=1.0; // tpm", NULL),
                     ATT_OK);
    int compiles = atomic_load(&f->compiles);
    const att__snapshot *s1 = att__registry_acquire(f->reg);
    assert_int_equal(set_text(f->reg, "default", ATT_TYPE_TDX_VM, "version=1.0; // tdx", NULL),
                     ATT_OK);
    const att__snapshot *s2 = att__registry_acquire(f->reg);
    assert_ptr_not_equal(s1, s2);
    const att__provider *p1 = att__snapshot_default(s1), *p2 = att__snapshot_default(s2);
    /* The Tpm policy is the same object (kept compiled); only Tdx was compiled. */
    assert_ptr_equal(att__provider_policy(p1, ATT_TYPE_TPM),
                     att__provider_policy(p2, ATT_TYPE_TPM));
    assert_int_equal(atomic_load(&f->compiles), compiles + 1);
    att__snapshot_release(s1);
    att__snapshot_release(s2);

    /* A policy that does not compile is still stored and served, with its error. */
    assert_int_equal(set_text(f->reg, "default", ATT_TYPE_TPM, "uncompilable", NULL), ATT_OK);
    s1 = att__registry_acquire(f->reg);
    int err = 0;
    assert_null(
        att__policy_compiled(att__provider_policy(att__snapshot_default(s1), ATT_TYPE_TPM), &err));
    assert_int_equal(err, ATT_EPARSE);
    att__snapshot_release(s1);
}

static void snapshot_outlives_swaps_and_registry(void **state)
{
    fixture *f = *state;
    const att__snapshot *old = att__registry_acquire(f->reg);
    const att__policy *oldpol = att__provider_policy(att__snapshot_default(old), ATT_TYPE_TPM);
    for (int i = 0; i < 5; i++) {
        char text[64];
        snprintf(text, sizeof(text), "version=1.0; // rev %d", i);
        assert_int_equal(set_text(f->reg, "default", ATT_TYPE_TPM, text, NULL), ATT_OK);
    }
    const att__snapshot *cur = att__registry_acquire(f->reg);
    assert_ptr_not_equal(old, cur);
    assert_true(att__snapshot_generation(cur) > att__snapshot_generation(old));
    assert_string_equal(
        att__policy_text(att__provider_policy(att__snapshot_default(cur), ATT_TYPE_TPM)),
        "version=1.0; // rev 4");
    att__snapshot_release(cur);

    /* The old snapshot still reads as it did, even after the registry is gone. */
    att__registry_close(f->reg);
    f->reg = NULL;
    assert_true(att__policy_is_default(oldpol));
    assert_string_equal(att__policy_text(oldpol), att__default_policy_text(ATT_TYPE_TPM));
    assert_string_equal(att__provider_issuer(att__snapshot_default(old)), "http://127.0.0.1:8080");
    att__snapshot_release(old);
    f->reg = open_registry(f, "http://127.0.0.1:8080");
}

static void external_change_seen_on_refresh(void **state)
{
    fixture *f = *state;
    /* Another process writes the same database. */
    att__store *other = NULL;
    att__store_config cfg = {.data_dir = f->dir};
    assert_int_equal(att__store_open(&cfg, &other, NULL), ATT_OK);
    assert_int_equal(
        att__store_policy_put(other, "default", "SevSnpVm", "x.y.", 4, "snp", 3, NULL, NULL),
        ATT_OK);
    att__store_close(other);

    const att__snapshot *s = att__registry_acquire(f->reg);
    assert_true(att__policy_is_default(
        att__provider_policy(att__snapshot_default(s), ATT_TYPE_SEV_SNP_VM)));
    att__snapshot_release(s);
    assert_int_equal(att__registry_refresh(f->reg, NULL), ATT_OK);
    s = att__registry_acquire(f->reg);
    assert_string_equal(
        att__policy_text(att__provider_policy(att__snapshot_default(s), ATT_TYPE_SEV_SNP_VM)),
        "snp");
    att__snapshot_release(s);
}

static void providers_get_token_issuers(void **state)
{
    fixture *f = *state;
    att__pkey *k1 = NULL, *k2 = NULL;
    assert_int_equal(att__rsa_generate(2048, &k1), ATT_OK);
    assert_int_equal(att__rsa_generate(2048, &k2), ATT_OK);
    att__signer *sg1 = NULL, *sg2 = NULL;
    assert_int_equal(att__signer_new(&k1, 1, &sg1), ATT_OK);
    assert_int_equal(att__signer_new(&k2, 1, &sg2), ATT_OK);

    att__registry_close(f->reg);
    att__registry_config cfg = {.issuer = "http://127.0.0.1:8080", .signer = sg1};
    assert_int_equal(att__registry_open(f->store, &cfg, &f->reg, NULL), ATT_OK);
    assert_int_equal(
        att__registry_put_provider(f->reg, "t1", "https://t1.example", NULL, ATT_TRUST_AAD, NULL),
        ATT_OK);
    const att__snapshot *s1 = att__registry_acquire(f->reg);
    const att__token_issuer *ti_def = att__provider_token_issuer(att__snapshot_default(s1));
    const att__token_issuer *ti_t1 = att__provider_token_issuer(att__snapshot_find_name(s1, "t1"));
    assert_non_null(ti_def);
    assert_non_null(ti_t1);
    assert_string_equal(att__token_issuer_url(ti_def), "http://127.0.0.1:8080");
    assert_string_equal(att__token_issuer_url(ti_t1), "https://t1.example");

    /* A policy change keeps the issuers; a new signer replaces them. */
    assert_int_equal(set_text(f->reg, "t1", ATT_TYPE_TPM, "version=1.0;", NULL), ATT_OK);
    const att__snapshot *s2 = att__registry_acquire(f->reg);
    assert_ptr_equal(att__provider_token_issuer(att__snapshot_find_name(s2, "t1")), ti_t1);
    assert_int_equal(att__registry_set_signer(f->reg, sg2, NULL, NULL), ATT_OK);
    const att__snapshot *s3 = att__registry_acquire(f->reg);
    const att__token_issuer *ti3 = att__provider_token_issuer(att__snapshot_find_name(s3, "t1"));
    assert_non_null(ti3);
    assert_ptr_not_equal(ti3, ti_t1);
    assert_ptr_equal(att__token_issuer_signer(ti3), sg2);
    att__snapshot_release(s1);
    att__snapshot_release(s2);
    att__snapshot_release(s3);
    att__signer_unref(sg1);
    att__signer_unref(sg2);
    att__pkey_free(k1);
    att__pkey_free(k2);
}

/* ---- concurrency ---- */

#define READERS 4
#define SWAPS   60
#define STORM   2000

typedef struct race {
    att__registry *reg;
    atomic_int stop;
    atomic_long reads;
    atomic_int bad;
} race;

static void *reader(void *arg)
{
    race *rc = arg;
    const char *dflt = att__default_policy_text(ATT_TYPE_SGX_ENCLAVE);
    long n = 0;
    while (!atomic_load(&rc->stop) || n < 100) {
        const att__snapshot *s = att__registry_acquire(rc->reg);
        const att__provider *p = att__snapshot_find(s, "127.0.0.1:8080");
        const att__policy *pol = att__provider_policy(p, ATT_TYPE_SGX_ENCLAVE);
        const char *text = att__policy_text(pol);
        int ok = att__policy_is_default(pol) ? strcmp(text, dflt) == 0
                                             : strncmp(text, "version=1.0; // rev ", 20) == 0;
        ok = ok && strlen(att__policy_hash_str(pol)) == ATT_POLICY_HASH_LEN &&
             strlen(att__policy_jws(pol)) == att__policy_jws_len(pol);
        if (ok && n % 64 == 0) {
            char h[ATT_POLICY_HASH_LEN + 1];
            ok = att__policy_hash(text, strlen(text), h) == ATT_OK &&
                 strcmp(h, att__policy_hash_str(pol)) == 0;
        }
        if (!ok)
            atomic_fetch_add(&rc->bad, 1);
        att__snapshot_release(s);
        n++;
    }
    atomic_fetch_add(&rc->reads, n);
    return NULL;
}

static void concurrent_acquire_during_swaps(void **state)
{
    fixture *f = *state;
    race rc = {.reg = f->reg};
    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &rc), 0);
    for (int i = 0; i < SWAPS; i++) {
        if (i % 3 == 2) {
            assert_int_equal(
                att__registry_reset_policy(f->reg, "default", ATT_TYPE_SGX_ENCLAVE, NULL), ATT_OK);
        } else {
            char text[64];
            snprintf(text, sizeof(text), "version=1.0; // rev %d", i);
            assert_int_equal(set_text(f->reg, "default", ATT_TYPE_SGX_ENCLAVE, text, NULL), ATT_OK);
        }
    }
    /* Swap storm: forced rebuilds read the store but write nothing, so they swap much
     * faster than policy writes can; each one releases the previous snapshot. */
    for (int i = 0; i < STORM; i++)
        assert_int_equal(att__registry_set_signer(f->reg, NULL, NULL, NULL), ATT_OK);
    atomic_store(&rc.stop, 1);
    for (int i = 0; i < READERS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&rc.bad), 0);
    assert_true(atomic_load(&rc.reads) >= READERS * 100);
    const att__snapshot *s = att__registry_acquire(f->reg);
    int64_t g = 0;
    assert_int_equal(att__store_generation(f->store, &g, NULL), ATT_OK);
    assert_int_equal(att__snapshot_generation(s), g);
    att__snapshot_release(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(type_names_parse_case_insensitively),
        cmocka_unit_test(default_policies_match_vectors),
        cmocka_unit_test(policy_token_hash_of_sdk_upload),
        cmocka_unit_test(unsigned_jws_round_trips),
        cmocka_unit_test_setup_teardown(default_provider_is_created, setup, teardown),
        cmocka_unit_test_setup_teardown(issuer_change_updates_default, setup, teardown),
        cmocka_unit_test_setup_teardown(host_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(set_and_reset_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(unchanged_policies_are_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(snapshot_outlives_swaps_and_registry, setup, teardown),
        cmocka_unit_test_setup_teardown(external_change_seen_on_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(providers_get_token_issuers, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_acquire_during_swaps, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
