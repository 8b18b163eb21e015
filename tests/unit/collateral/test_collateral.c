/* Unit tests of src/collateral: every normalized collateral vector loads against the Intel
 * root (either issuance) with fields and validity window as manifest-dcap.json states;
 * tampered, mis-issued, malformed and truncated inputs fail with a diag naming the item.
 * The store and PCS bundles are tested in test_collateral_store.c. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral_tu.h"

#include "collateral/dcap.h"
#include "collateral/dcap_int.h"
#include "core/codec.h"
#include "core/timeutil.h"

#define NORM_DIR "vectors/normalized-collateral"

static att__cert *root2049, *root2033, *synthetic_root;
static const att__cert *anchors[2];
static json_t *manifest;

static int setup(void **state)
{
    att__cert *roots[2];
    tu_load_roots(roots);
    root2049 = roots[0];
    root2033 = roots[1];
    assert_int_equal(att__cert_read_file(tu_shared_path("vectors/sgx-v3/intel-qvl-sample-synthetic/"
                                                        "trustedRootCaCert.pem"),
                                         &synthetic_root),
                     ATT_OK);
    anchors[0] = root2049;
    anchors[1] = root2033;
    json_error_t err;
    manifest = json_load_file(tu_shared_path("vectors/manifest-dcap.json"), 0, &err);
    assert_non_null(manifest);
    return 0;
}

static int teardown(void **state)
{
    att__cert_free(root2049);
    att__cert_free(root2033);
    att__cert_free(synthetic_root);
    json_decref(manifest);
    return 0;
}

static int load_text(const char *text, size_t n, const att__cert *const *a, size_t na,
                     att__dcap_collateral **c, att_diag *d)
{
    att_diag_clear(d);
    return att__dcap_collateral_load_json(text, n, a, na, c, d);
}

/* The manifest case whose collateral is NORM_DIR/name (first one), or NULL. */
static json_t *manifest_case(const char *name)
{
    char want[256];
    snprintf(want, sizeof(want), "normalized-collateral/%s", name);
    json_t *cases = json_object_get(manifest, "cases");
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *col = json_string_value(json_object_get(c, "collateral"));
        if (col && strcmp(col, want) == 0)
            return c;
    }
    return NULL;
}

/* Fields of a loaded set against the manifest's expectations and the JSON itself. */
static void check_against_manifest(const char *name, const char *text,
                                   const att__dcap_collateral *c)
{
    json_t *mc = manifest_case(name);
    assert_non_null(mc);
    json_t *ex = json_object_get(mc, "expected");
    const att__tcb_info *ti = att__dcap_tcb_info(c);
    const att__qe_identity *qe = att__dcap_qe_identity(c);
    char hex[16];
    att__hex_encode(ti->fmspc, 6, 0, hex);
    assert_string_equal(hex, json_string_value(json_object_get(ex, "fmspc")));
    att__hex_encode(ti->pce_id, 2, 0, hex);
    assert_string_equal(hex, json_string_value(json_object_get(ex, "pceid")));
    const char *issuer = json_string_value(json_object_get(ex, "pck_issuer"));
    assert_int_equal(att__dcap_pck_ca(c),
                     strstr(issuer, "Processor") ? ATT_PCK_CA_PROCESSOR : ATT_PCK_CA_PLATFORM);
    assert_int_equal(ti->version, json_integer_value(json_object_get(ex, "tcb_info_version")));
    const char *id = json_string_value(json_object_get(ex, "tcb_info_id"));
    assert_int_equal(ti->tee, id && strcmp(id, "TDX") == 0 ? ATT_TEE_TDX : ATT_TEE_SGX);
    assert_string_equal(qe->id, ti->tee == ATT_TEE_TDX ? "TD_QE" : "QE");

    json_t *win = json_object_get(mc, "collateral_valid_window");
    int64_t nb, na;
    att__dcap_window(c, &nb, &na);
    assert_int_equal(nb, tu_parse_time(json_string_value(json_array_get(win, 0))));
    assert_int_equal(na, tu_parse_time(json_string_value(json_array_get(win, 1))));
    int64_t vt = json_integer_value(json_object_get(mc, "verification_time_unix"));
    assert_true(att__dcap_window_contains(c, vt));

    /* the parsed levels against the JSON text, in served order */
    json_t *doc = json_loads(text, 0, NULL);
    json_t *tj = json_loads(json_string_value(json_object_get(doc, "tcb_info")), 0, NULL);
    json_t *qj = json_loads(json_string_value(json_object_get(doc, "qe_identity")), 0, NULL);
    assert_non_null(tj);
    assert_non_null(qj);
    assert_int_equal(ti->tcb_eval_number,
                     json_integer_value(json_object_get(tj, "tcbEvaluationDataNumber")));
    assert_int_equal(qe->tcb_eval_number,
                     json_integer_value(json_object_get(qj, "tcbEvaluationDataNumber")));
    json_t *lv = json_object_get(tj, "tcbLevels");
    assert_int_equal(ti->n_levels, json_array_size(lv));
    for (size_t i = 0; i < ti->n_levels; i++) {
        json_t *l = json_array_get(lv, i);
        const att__tcb_level *p = &ti->levels[i];
        assert_string_equal(att__tcb_status_name(p->status),
                            json_string_value(json_object_get(l, "tcbStatus")));
        assert_string_equal(p->tcb_date_str, json_string_value(json_object_get(l, "tcbDate")));
        json_t *tcb = json_object_get(l, "tcb");
        assert_int_equal(p->pcesvn, json_integer_value(json_object_get(tcb, "pcesvn")));
        if (ti->version == 2) {
            assert_int_equal(p->sgx_svn[15],
                             json_integer_value(json_object_get(tcb, "sgxtcbcomp16svn")));
        } else {
            json_t *comp = json_object_get(tcb, "sgxtcbcomponents");
            assert_int_equal(p->sgx_svn[1],
                             json_integer_value(json_object_get(json_array_get(comp, 1), "svn")));
            if (ti->tee == ATT_TEE_TDX) {
                comp = json_object_get(tcb, "tdxtcbcomponents");
                assert_int_equal(p->tdx_svn[2], json_integer_value(json_object_get(
                                                    json_array_get(comp, 2), "svn")));
            }
        }
        json_t *adv = json_object_get(l, "advisoryIDs");
        assert_int_equal(p->n_advisories, adv ? json_array_size(adv) : 0);
        for (size_t k = 0; k < p->n_advisories; k++)
            assert_string_equal(p->advisory_ids[k], json_string_value(json_array_get(adv, k)));
    }
    assert_int_equal(qe->n_levels, json_array_size(json_object_get(qj, "tcbLevels")));
    assert_int_equal(qe->isvprodid, json_integer_value(json_object_get(qj, "isvprodid")));
    if (ti->tee == ATT_TEE_TDX) {
        assert_true(ti->has_tdx_module);
        json_t *ids = json_object_get(tj, "tdxModuleIdentities");
        assert_int_equal(ti->n_tdx_modules, ids ? json_array_size(ids) : 0);
        for (size_t k = 0; k < ti->n_tdx_modules; k++)
            assert_string_equal(ti->tdx_modules[k].id,
                                json_string_value(json_object_get(json_array_get(ids, k), "id")));
    }

    /* hashes of the exact texts */
    uint8_t h[32];
    const char *s = json_string_value(json_object_get(doc, "tcb_info"));
    att__hash(ATT_HASH_SHA256, s, strlen(s), h);
    assert_memory_equal(h, att__dcap_collateral_hashes(c)->tcbinfo, 32);
    s = json_string_value(json_object_get(doc, "qe_identity_issuer_chain"));
    att__hash(ATT_HASH_SHA256, s, strlen(s), h);
    assert_memory_equal(h, att__dcap_collateral_hashes(c)->qeid_certs, 32);
    uint8_t *der;
    size_t dn;
    s = json_string_value(json_object_get(doc, "pck_crl"));
    assert_int_equal(att__hex_decode_alloc(s, strlen(s), &der, &dn), ATT_OK);
    att__hash(ATT_HASH_SHA256, der, dn, h);
    free(der);
    assert_memory_equal(h, att__dcap_collateral_hashes(c)->pck_crl, 32);
    json_decref(tj);
    json_decref(qj);
    json_decref(doc);
}

/* Names of the normalized vectors (malloc'd array of malloc'd names). */
static size_t list_norm(char ***names)
{
    DIR *dh = opendir(tu_shared_path(NORM_DIR));
    assert_non_null(dh);
    size_t n = 0;
    *names = calloc(64, sizeof(char *));
    struct dirent *e;
    while ((e = readdir(dh)) != NULL && n < 64)
        if (strstr(e->d_name, ".json"))
            (*names)[n++] = strdup(e->d_name);
    closedir(dh);
    return n;
}

static void test_status_names(void **state)
{
    att__tcb_status s;
    for (int i = ATT_TCB_UP_TO_DATE; i <= ATT_TCB_REVOKED; i++) {
        assert_int_equal(att__tcb_status_parse(att__tcb_status_name(i), &s), ATT_OK);
        assert_int_equal(s, i);
    }
    assert_string_equal(att__tcb_status_name(ATT_TCB_NOT_SUPPORTED), "TCBNotSupported");
    assert_string_equal(att__tcb_status_name(ATT_TCB_TD_RELAUNCH_ADVISED), "TDRelaunchAdvised");
    assert_int_equal(att__tcb_status_parse("TCBNotSupported", &s), ATT_EINVAL);
    assert_int_equal(att__tcb_status_parse("uptodate", &s), ATT_EINVAL);
    assert_string_equal(att__tcb_status_name((att__tcb_status)99), "Unknown");
}

static void test_all_vectors(void **state)
{
    char **names;
    size_t n = list_norm(&names);
    assert_true(n >= 9);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *text = tu_read_norm(names[i], &len);
        att__dcap_collateral *c = NULL;
        att_diag d;
        /* both root issuances work, alone and together */
        for (int k = 0; k < 3; k++) {
            const att__cert *a[1] = {k == 0 ? root2049 : root2033};
            int rc = k < 2 ? load_text(text, len, a, 1, &c, &d)
                           : load_text(text, len, anchors, 2, &c, &d);
            if (rc != ATT_OK)
                fail_msg("%s: %s", names[i], d.message);
            check_against_manifest(names[i], text, c);
            assert_true(att__cert_same_subject_and_key(att__dcap_root(c), root2049));
            assert_non_null(att__dcap_root_crl(c));
            assert_non_null(att__dcap_pck_crl(c));
            assert_non_null(att__dcap_pck_ca_cert(c));
            att__dcap_collateral *r = att__dcap_ref(c);
            att__dcap_unref(c);
            att__dcap_unref(r);
        }
        free(text);
        free(names[i]);
    }
    free(names);
}

/* The phala SGX set's known values (manifest README: Processor CA, FMSPC 00a067110000). */
static void test_phala_fields(void **state)
{
    size_t len;
    char *text = tu_read_norm("sgx-v3_phala-dcap-qvl.json", &len);
    att__dcap_collateral *c;
    att_diag d;
    assert_int_equal(load_text(text, len, anchors, 2, &c, &d), ATT_OK);
    const att__tcb_info *ti = att__dcap_tcb_info(c);
    assert_int_equal(ti->tcb_eval_number, 17);
    assert_int_equal(ti->n_levels, 11);
    const att__qe_identity *qe = att__dcap_qe_identity(c);
    char hex[80];
    att__hex_encode(qe->mrsigner, 32, 0, hex);
    assert_string_equal(hex, "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff");
    assert_int_equal(qe->isvprodid, 1);
    att__hex_encode(qe->attributes_mask, 16, 1, hex);
    assert_string_equal(hex, "FBFFFFFFFFFFFFFF0000000000000000");
    /* the level the quote matches: ConfigurationAndSWHardeningNeeded, 2024-03-13 */
    int found = 0;
    for (size_t i = 0; i < ti->n_levels; i++)
        if (ti->levels[i].status == ATT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED &&
            strcmp(ti->levels[i].tcb_date_str, "2024-03-13T00:00:00Z") == 0 &&
            ti->levels[i].n_advisories == 2)
            found = 1;
    assert_true(found);
    att__dcap_unref(c);
    free(text);
}

/* A copy of a normalized file with member key replaced by val (malloc'd JSON). */
static char *with_member(const char *name, const char *key, const char *val)
{
    size_t len;
    char *text = tu_read_norm(name, &len);
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    json_object_set_new(doc, key, json_string(val));
    char *out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    free(text);
    return out;
}

/* Member key of a normalized file (malloc'd copy). */
static char *member_of(const char *name, const char *key)
{
    size_t len;
    char *text = tu_read_norm(name, &len);
    json_t *doc = json_loads(text, 0, NULL);
    char *s = strdup(json_string_value(json_object_get(doc, key)));
    json_decref(doc);
    free(text);
    return s;
}

static void expect_fail(const char *json, int err, const char *msg_part)
{
    att__dcap_collateral *c = (att__dcap_collateral *)1;
    att_diag d;
    int rc = load_text(json, strlen(json), anchors, 2, &c, &d);
    if (rc != err || !strstr(d.message, msg_part))
        fail_msg("expected %s / '%s', got %s / '%s'", att_errname(err), msg_part, att_errname(rc),
                 d.message);
    assert_null(c);
}

static void test_tampered(void **state)
{
    const char *f = "sgx-v3_phala-dcap-qvl.json";
    char *t = member_of(f, "tcb_info");
    char *p = strstr(t, "\"tcbEvaluationDataNumber\":17");
    assert_non_null(p);
    p[strlen("\"tcbEvaluationDataNumber\":1")] = '8';
    char *j = with_member(f, "tcb_info", t);
    expect_fail(j, ATT_ESIG, "TCB info signature invalid");
    free(j);
    free(t);

    t = member_of(f, "qe_identity");
    p = strstr(t, "UpToDate");
    assert_non_null(p);
    p[0] = 'u';
    j = with_member(f, "qe_identity", t);
    expect_fail(j, ATT_ESIG, "QE identity signature invalid");
    free(j);
    free(t);

    t = member_of(f, "tcb_info_signature");
    t[5] = t[5] == '0' ? '1' : '0';
    j = with_member(f, "tcb_info_signature", t);
    expect_fail(j, ATT_ESIG, "TCB info signature invalid");
    free(j);
    t[5] = '\0';
    j = with_member(f, "tcb_info_signature", t);
    expect_fail(j, ATT_EPARSE, "TCB info signature is not 64 bytes");
    free(j);
    free(t);
}

/* 2022 TCB info / QE identity with 2025 CRLs: every signature and chain verifies, but no
 * instant lies in every validity period. The set loads; its window is empty. */
static void test_empty_window(void **state)
{
    static const char *const keys[] = {
        "tcb_info",    "tcb_info_signature",    "tcb_info_issuer_chain",
        "qe_identity", "qe_identity_signature", "qe_identity_issuer_chain"};
    size_t len;
    char *text = tu_read_norm("sgx-v3_automata-dcap-rs.json", &len);
    json_t *doc = json_loads(text, 0, NULL);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char *v = member_of("sgx-v3_openenclave-plugin.json", keys[i]);
        json_object_set_new(doc, keys[i], json_string(v));
        free(v);
    }
    char *j = json_dumps(doc, JSON_COMPACT);
    att__dcap_collateral *c;
    att_diag d;
    if (load_text(j, strlen(j), anchors, 2, &c, &d) != ATT_OK)
        fail_msg("%s", d.message);
    int64_t nb, na;
    att__dcap_window(c, &nb, &na);
    assert_true(nb > na);
    assert_false(att__dcap_window_contains(c, nb));
    assert_false(att__dcap_window_contains(c, na));
    assert_false(att__dcap_window_contains(c, 1651363200));
    att__dcap_unref(c);
    free(j);
    json_decref(doc);
    free(text);
}

static void test_wrong_anchor(void **state)
{
    size_t len;
    char *text = tu_read_norm("tdx-v4_phala-dcap-qvl.json", &len);
    att__dcap_collateral *c;
    att_diag d;
    const att__cert *a[1] = {synthetic_root};
    assert_int_equal(load_text(text, len, a, 1, &c, &d), ATT_ECHAIN);
    assert_non_null(strstr(d.message, "root certificate is not a trusted anchor"));
    assert_int_equal(load_text(text, len, NULL, 0, &c, &d), ATT_EINVAL);
    free(text);
}

static void test_wrong_crl(void **state)
{
    /* the root CRL in place of the PCK CRL */
    char *root = member_of("tdx-v4_phala-dcap-qvl.json", "root_ca_crl");
    char *j = with_member("tdx-v4_phala-dcap-qvl.json", "pck_crl", root);
    expect_fail(j, ATT_EMISMATCH, "PCK CRL: CRL is not issued by Intel SGX PCK Platform CA");
    free(j);
    /* a Processor CA CRL with a Platform CA chain */
    char *proc = member_of("sgx-v3_phala-dcap-qvl.json", "pck_crl");
    j = with_member("tdx-v4_phala-dcap-qvl.json", "pck_crl", proc);
    expect_fail(j, ATT_EMISMATCH, "PCK CRL: CRL is not issued by");
    free(j);
    /* the PCK CRL in place of the root CRL */
    j = with_member("sgx-v3_phala-dcap-qvl.json", "root_ca_crl", proc);
    expect_fail(j, ATT_EMISMATCH, "root CA CRL: CRL is not issued by Intel SGX Root CA");
    free(j);
    /* garbage CRL */
    j = with_member("sgx-v3_phala-dcap-qvl.json", "pck_crl", "3082");
    expect_fail(j, ATT_EPARSE, "PCK CRL");
    free(j);
    /* the same CRL as PEM and as base64 loads */
    uint8_t *der;
    size_t dn;
    assert_int_equal(att__hex_decode_alloc(proc, strlen(proc), &der, &dn), ATT_OK);
    char *b64 = att__b64_encode_alloc(der, dn, ATT_B64_STD);
    j = with_member("sgx-v3_phala-dcap-qvl.json", "pck_crl", b64);
    att__dcap_collateral *c;
    att_diag d;
    assert_int_equal(load_text(j, strlen(j), anchors, 2, &c, &d), ATT_OK);
    att__dcap_unref(c);
    free(j);
    char pem[4096];
    snprintf(pem, sizeof(pem), "-----BEGIN X509 CRL-----\n%.64s\n%s\n-----END X509 CRL-----\n", b64,
             strlen(b64) > 64 ? b64 + 64 : "");
    j = with_member("sgx-v3_phala-dcap-qvl.json", "pck_crl", pem);
    assert_int_equal(load_text(j, strlen(j), anchors, 2, &c, &d), ATT_OK);
    att__dcap_unref(c);
    free(j);
    free(b64);
    free(der);
    free(proc);
    free(root);
}

static void test_wrong_chain(void **state)
{
    /* the PCK CRL issuer chain in place of the TCB signing chain */
    char *pck = member_of("sgx-v3_phala-dcap-qvl.json", "pck_crl_issuer_chain");
    char *j = with_member("sgx-v3_phala-dcap-qvl.json", "tcb_info_issuer_chain", pck);
    expect_fail(j, ATT_ECHAIN, "is not an Intel SGX TCB Signing certificate");
    free(j);
    /* a single certificate */
    char *end = strstr(pck, "-----END CERTIFICATE-----");
    end[strlen("-----END CERTIFICATE-----")] = '\0';
    j = with_member("sgx-v3_phala-dcap-qvl.json", "pck_crl_issuer_chain", pck);
    expect_fail(j, ATT_ECHAIN, "holds 1 certificates");
    free(j);
    j = with_member("sgx-v3_phala-dcap-qvl.json", "qe_identity_issuer_chain", "not pem");
    expect_fail(j, ATT_EPARSE, "QE identity issuer chain: not a PEM");
    free(j);
    free(pck);
}

/* Parses a TCB info text with one substitution applied; returns rc, fills d. */
static int parse_tcb_sub(const char *file, const char *from, const char *to, att_diag *d)
{
    char *t = member_of(file, "tcb_info");
    char *p = strstr(t, from);
    assert_non_null(p);
    size_t n = strlen(t) - strlen(from) + strlen(to);
    char *u = malloc(n + 1);
    size_t pre = (size_t)(p - t);
    memcpy(u, t, pre);
    memcpy(u + pre, to, strlen(to));
    memcpy(u + pre + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
    att__arena a;
    att__arena_init(&a);
    att__tcb_info ti;
    att_diag_clear(d);
    int rc = att__dcap_parse_tcb_info(u, n, &a, &ti, d);
    att__arena_free(&a);
    free(u);
    free(t);
    return rc;
}

/* Expects err with diag field `field` ("" = any) and a message containing msg_part. */
static void expect_parse(const char *file, const char *from, const char *to, int err,
                         const char *field, const char *msg_part)
{
    att_diag d;
    int rc = parse_tcb_sub(file, from, to, &d);
    if (rc != err || (*field && strcmp(d.field, field) != 0) || !strstr(d.message, msg_part))
        fail_msg("%s -> %s: got %s field '%s' message '%s'", from, to, att_errname(rc), d.field,
                 d.message);
}

static void test_malformed_tcb_info(void **state)
{
    const char *v3 = "sgx-v3_phala-dcap-qvl.json";
    const char *v2 = "sgx-v3_automata-dcap-rs.json";
    const char *tdx = "tdx-v4_phala-dcap-qvl.json";
    att_diag d;
    assert_int_equal(parse_tcb_sub(v3, "\"version\":3", "\"version\":3", &d), ATT_OK);
    expect_parse(v3, "\"SWHardeningNeeded\"", "\"Foo\"", ATT_EINVAL,
                 "tcbInfo.tcbLevels[0].tcbStatus",
                 "tcbInfo.tcbLevels[0].tcbStatus: unknown status 'Foo'");
    expect_parse(v3, "\"OutOfDate\"", "\"TCBNotSupported\"", ATT_EINVAL, "", "unknown status");
    expect_parse(v3, "\"fmspc\":\"00A067110000\"", "\"fmspc\":\"00A0671100\"", ATT_EINVAL,
                 "tcbInfo.fmspc", "bad hex length 10");
    expect_parse(v3, "\"pceId\":\"0000\"", "\"pceId\":\"00zz\"", ATT_EINVAL, "tcbInfo.pceId",
                 "not hex");
    expect_parse(v3, "\"tcbLevels\"", "\"tcbLevelz\"", ATT_EINVAL, "tcbInfo.tcbLevels",
                 "required member missing");
    expect_parse(v3, "\"version\":3", "\"version\":4", ATT_EUNSUPPORTED, "tcbInfo.version",
                 "version 4");
    expect_parse(v3, "\"tcbType\":0", "\"tcbType\":1", ATT_EINVAL, "tcbInfo.tcbType",
                 "out of range");
    expect_parse(v3, "\"id\":\"SGX\"", "\"id\":\"SEV\"", ATT_EINVAL, "tcbInfo.id", "unknown id");
    expect_parse(v3, "\"issueDate\":\"2025", "\"issueDate\":\"x2025", ATT_EINVAL,
                 "tcbInfo.issueDate", "not an RFC 3339 date");
    expect_parse(v3, "{\"svn\":", "{\"svn\":256,\"x\":", ATT_EINVAL,
                 "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[0].svn", "out of range");
    expect_parse(v3, "\"pcesvn\":", "\"pcesvn\":\"1\",\"y\":", ATT_EINVAL,
                 "tcbInfo.tcbLevels[0].tcb.pcesvn", "not an integer");
    expect_parse(v3, "\"advisoryIDs\":[\"", "\"advisoryIDs\":[7,\"", ATT_EINVAL, "",
                 "not a string");
    expect_parse(v3, "\"version\":3", "\"version\":3,\"version\":3", ATT_EPARSE, "tcbInfo",
                 "invalid JSON");
    expect_parse(v2, "\"sgxtcbcomp05svn\"", "\"sgxtcbcomp5svn\"", ATT_EINVAL,
                 "tcbInfo.tcbLevels[0].tcb.sgxtcbcomp05svn", "required member missing");
    expect_parse(tdx, "\"tdxModule\"", "\"tdxModulx\"", ATT_EINVAL, "tcbInfo.tdxModule",
                 "required member missing");
    expect_parse(tdx, "\"tdxtcbcomponents\"", "\"tdxtcbcomponentz\"", ATT_EINVAL,
                 "tcbInfo.tcbLevels[0].tcb.tdxtcbcomponents", "required member missing");
    expect_parse(tdx, "\"mrsigner\":\"", "\"mrsigner\":\"00", ATT_EINVAL,
                 "tcbInfo.tdxModule.mrsigner", "bad hex length");
    /* an empty level list */
    char *t = member_of(v3, "tcb_info");
    char *lv = strstr(t, "\"tcbLevels\":[");
    assert_non_null(lv);
    memcpy(lv, "\"tcbLevels\":[]}", sizeof("\"tcbLevels\":[]}"));
    att__arena a;
    att__arena_init(&a);
    att__tcb_info ti;
    att_diag_clear(&d);
    assert_int_equal(att__dcap_parse_tcb_info(t, strlen(t), &a, &ti, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "tcbInfo.tcbLevels: no TCB levels"));
    att__arena_free(&a);
    free(t);
}

static void test_malformed_qe_identity(void **state)
{
    char *t = member_of("sgx-v3_phala-dcap-qvl.json", "qe_identity");
    att__arena a;
    att__qe_identity qe;
    att_diag d;
    att__arena_init(&a);
    att_diag_clear(&d);
    assert_int_equal(att__dcap_parse_qe_identity(t, strlen(t), &a, &qe, &d), ATT_OK);
    assert_int_equal(qe.version, 2);
    assert_true(qe.n_levels > 0);
    char *p = strstr(t, "\"mrsigner\":\"");
    assert_non_null(p);
    p[12] = 'Z';
    att_diag_clear(&d);
    assert_int_equal(att__dcap_parse_qe_identity(t, strlen(t), &a, &qe, &d), ATT_EINVAL);
    assert_string_equal(d.field, "enclaveIdentity.mrsigner");
    p[12] = '8';
    p = strstr(t, "\"OutOfDate\"");
    assert_non_null(p);
    memcpy(p, "\"Revoked\"  ", 11);
    att_diag_clear(&d);
    assert_int_equal(att__dcap_parse_qe_identity(t, strlen(t), &a, &qe, &d), ATT_OK);
    p = strstr(t, "\"version\":2");
    p[10] = '3';
    att_diag_clear(&d);
    assert_int_equal(att__dcap_parse_qe_identity(t, strlen(t), &a, &qe, &d), ATT_EUNSUPPORTED);
    assert_string_equal(d.field, "enclaveIdentity.version");
    att__arena_free(&a);
    free(t);
}

static void test_truncated(void **state)
{
    size_t len;
    char *text = tu_read_norm("tdx-v4_automata-dcap-rs.json", &len);
    att__dcap_collateral *c;
    att_diag d;
    for (size_t n = 0; n < len; n += 211) {
        assert_int_not_equal(load_text(text, n, anchors, 2, &c, &d), ATT_OK);
        assert_true(att_diag_failed(&d) || n == 0);
        assert_null(c);
    }
    char *t = member_of("tdx-v4_automata-dcap-rs.json", "tcb_info");
    att__arena a;
    att__arena_init(&a);
    att__tcb_info ti;
    for (size_t n = 0; n < strlen(t); n += 37) {
        att_diag_clear(&d);
        assert_int_not_equal(att__dcap_parse_tcb_info(t, n, &a, &ti, &d), ATT_OK);
    }
    att__arena_free(&a);
    free(t);
    assert_int_equal(load_text("[]", 2, anchors, 2, &c, &d), ATT_EPARSE);
    assert_int_equal(load_text("{}", 2, anchors, 2, &c, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "pck_crl_issuer_chain: required member missing"));
    free(text);
}

static void test_json_span(void **state)
{
    const char *b =
        " { \"a\" : [1,{\"x\":\"}\"}], \"tcbInfo\":{\"k\":\"\\\"}\"} ,\"signature\":\"ab\"}";
    size_t off, len;
    assert_int_equal(att__dcap_json_member_span(b, strlen(b), "tcbInfo", &off, &len), ATT_OK);
    assert_int_equal(len, strlen("{\"k\":\"\\\"}\"}"));
    assert_memory_equal(b + off, "{\"k\":\"\\\"}\"}", len);
    assert_int_equal(att__dcap_json_member_span(b, strlen(b), "signature", &off, &len), ATT_OK);
    assert_memory_equal(b + off, "\"ab\"", len);
    assert_int_equal(att__dcap_json_member_span(b, strlen(b), "nope", &off, &len), ATT_ENOTFOUND);
    assert_int_equal(att__dcap_json_member_span(b, 20, "tcbInfo", &off, &len), ATT_EPARSE);
    assert_int_equal(att__dcap_json_depth_ok("[[[[[[[[[[[[[[[[[[]]]", 21), ATT_ELIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),       cmocka_unit_test(test_all_vectors),
        cmocka_unit_test(test_phala_fields),       cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_empty_window),       cmocka_unit_test(test_wrong_anchor),
        cmocka_unit_test(test_wrong_crl),          cmocka_unit_test(test_wrong_chain),
        cmocka_unit_test(test_malformed_tcb_info), cmocka_unit_test(test_malformed_qe_identity),
        cmocka_unit_test(test_truncated),          cmocka_unit_test(test_json_span),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
