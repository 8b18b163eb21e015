/* Unit tests of the collateral store (src/collateral/store.c): loading a directory of
 * normalized collateral, a single file, PCS API v4 bundle directories (the go-tdx-guest PCS
 * responses, also URL-encoded; Intel QVL's synthetic sample against its own root), lookups
 * by (FMSPC, TEE, PCK CA, time) and misses. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collateral_tu.h"

#include "collateral/dcap.h"
#include "core/codec.h"
#include "core/timeutil.h"

#define NORM_DIR "vectors/normalized-collateral"

static att__cert *root2049, *root2033, *synthetic_root;
static const att__cert *anchors[2];

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
    return 0;
}

static int teardown(void **state)
{
    att__cert_free(root2049);
    att__cert_free(root2033);
    att__cert_free(synthetic_root);
    return 0;
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

/* Writes a file into dir. */
static void put(const char *dir, const char *name, const void *data, size_t n)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void copy_shared(const char *dir, const char *name, const char *rel)
{
    size_t n;
    uint8_t *b = tu_read_file(tu_shared_path(rel), &n);
    put(dir, name, b, n);
    free(b);
}

static void test_store_dir(void **state)
{
    char dir[256];
    snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
    char **names;
    size_t n = list_norm(&names);
    for (size_t i = 0; i < n; i++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "%s/%s", NORM_DIR, names[i]);
        copy_shared(dir, names[i], rel);
        free(names[i]);
    }
    free(names);
    put(dir, "README.txt", "ignored", 7);
    att__dcap_store *s = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__dcap_store_load(dir, anchors, 2, &s, &d), ATT_OK);
    assert_int_equal(att__dcap_store_count(s), n);
    uint8_t fm[6];
    size_t k;
    att__hex_decode("00a067110000", 12, fm, &k);
    const att__dcap_collateral *c =
        att__dcap_store_find(s, fm, ATT_TEE_SGX, ATT_PCK_CA_PROCESSOR, 1750377600);
    assert_non_null(c);
    assert_memory_equal(att__dcap_tcb_info(c)->fmspc, fm, 6);
    assert_null(att__dcap_store_find(s, fm, ATT_TEE_SGX, ATT_PCK_CA_PLATFORM, 1750377600));
    assert_null(att__dcap_store_find(s, fm, ATT_TEE_TDX, ATT_PCK_CA_PROCESSOR, 1750377600));
    /* two sets for 00806f050000 TDX: eval 17 (2025) and eval 21 (2026) */
    att__hex_decode("00806f050000", 12, fm, &k);
    c = att__dcap_store_find(s, fm, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, 1739491200);
    assert_int_equal(att__dcap_tcb_info(c)->tcb_eval_number, 17);
    c = att__dcap_store_find(s, fm, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, 1781481600);
    assert_int_equal(att__dcap_tcb_info(c)->tcb_eval_number, 21);
    c = att__dcap_store_find(s, fm, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, 2000000000);
    assert_int_equal(att__dcap_tcb_info(c)->tcb_eval_number, 21); /* expired: best anyway */
    assert_false(att__dcap_window_contains(c, 2000000000));
    /* two sets for 90c06f000000 with eval 18: at 2026-03-10 only the outdated one is valid */
    att__hex_decode("90c06f000000", 12, fm, &k);
    c = att__dcap_store_find(s, fm, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, 1773100800);
    int64_t nb, na;
    att__dcap_window(c, &nb, &na);
    assert_true(nb <= 1773100800 && 1773100800 <= na);
    att__hex_decode("ffffffffffff", 12, fm, &k);
    assert_null(att__dcap_store_find(s, fm, ATT_TEE_TDX, ATT_PCK_CA_PLATFORM, 1773100800));
    att__dcap_store_free(s);

    /* one broken file fails the whole load, naming the file */
    put(dir, "zz-broken.json", "{\"pck_crl\":1}", 13);
    att_diag_clear(&d);
    assert_int_not_equal(att__dcap_store_load(dir, anchors, 2, &s, &d), ATT_OK);
    assert_non_null(strstr(d.message, "zz-broken.json: "));
    assert_null(s);
    tu_rmtree(dir);

    /* a single file; a missing path */
    att_diag_clear(&d);
    assert_int_equal(att__dcap_store_load(tu_shared_path(NORM_DIR "/sgx-v3_automata-dcap-rs.json"),
                                          anchors, 2, &s, &d),
                     ATT_OK);
    assert_int_equal(att__dcap_store_count(s), 1);
    assert_non_null(att__dcap_store_get(s, 0));
    assert_null(att__dcap_store_get(s, 1));
    att__dcap_store_free(s);
    att_diag_clear(&d);
    assert_int_equal(
        att__dcap_store_load(tu_shared_path(NORM_DIR "/absent.json"), anchors, 2, &s, &d),
        ATT_ENOTFOUND);
}

static void test_store_bundle(void **state)
{
    char dir[256], sub[300], path[400];
    snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
    snprintf(sub, sizeof(sub), "%s/tdx-50806f000000", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    const char *g = "vectors/tdx-v4/go-tdx-guest/";
    char rel[256];
#define COPY(name, file)                                                                           \
    snprintf(rel, sizeof(rel), "%s%s", g, file);                                                   \
    copy_shared(sub, name, rel)
    COPY("tcbinfo.json", "sample_tcbInfo_response");
    COPY("TCB-Info-Issuer-Chain.pem", "tcb_info_issuer_chain.pem");
    COPY("qe_identity.json", "sample_qeIdentity_response");
    COPY("SGX-Enclave-Identity-Issuer-Chain.pem", "qe_identity_issuer_chain.pem");
    COPY("pckcrl.der", "pckcrl");
    COPY("SGX-PCK-CRL-Issuer-Chain.pem", "pck_crl_issuer_chain.pem");
    COPY("rootcrl.der", "rootcrl.der");
#undef COPY
    att__dcap_store *s = NULL;
    att_diag d;
    att_diag_clear(&d);
    /* the parent directory (bundle as subdirectory) and the bundle itself */
    for (int k = 0; k < 2; k++) {
        att_diag_clear(&d);
        if (att__dcap_store_load(k ? sub : dir, anchors, 2, &s, &d) != ATT_OK)
            fail_msg("%s", d.message);
        assert_int_equal(att__dcap_store_count(s), 1);
        const att__dcap_collateral *b = att__dcap_store_get(s, 0);
        /* same set as the normalized file derived from these files */
        size_t len;
        char *text = tu_read_norm("tdx-v4_go-tdx-guest-2023.json", &len);
        att__dcap_collateral *c;
        att_diag_clear(&d);
        assert_int_equal(att__dcap_collateral_load_json(text, len, anchors, 2, &c, &d), ATT_OK);
        assert_memory_equal(att__dcap_collateral_hashes(b), att__dcap_collateral_hashes(c),
                            sizeof(att__dcap_hashes));
        int64_t nb1, na1, nb2, na2;
        att__dcap_window(b, &nb1, &na1);
        att__dcap_window(c, &nb2, &na2);
        assert_int_equal(nb1, nb2);
        assert_int_equal(na1, na2);
        assert_int_equal(att__dcap_tcb_info(b)->n_levels, att__dcap_tcb_info(c)->n_levels);
        att__dcap_unref(c);
        free(text);
        att__dcap_store_free(s);
    }
    /* the PCK CRL issuer chain URL-encoded, as the PCS header carries it: every
     * non-alphanumeric escaped, and PCS's own form, which leaves '-' (and so "-----BEGIN")
     * unescaped while spaces, newlines, '+', '/' and '=' are percent-encoded */
    snprintf(path, sizeof(path), "%s/SGX-PCK-CRL-Issuer-Chain.pem", sub);
    size_t pn;
    char *pem = (char *)tu_read_file(path, &pn);
    for (int form = 0; form < 2; form++) {
        char *enc = malloc(pn * 3 + 1);
        size_t en = 0;
        for (size_t i = 0; i < pn; i++) {
            unsigned char ch = (unsigned char)pem[i];
            if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                (form == 1 && (ch == '-' || ch == '.' || ch == '_')))
                enc[en++] = (char)ch;
            else
                en += (size_t)snprintf(enc + en, 4, "%%%02X", ch);
        }
        put(sub, "SGX-PCK-CRL-Issuer-Chain.pem", enc, en);
        free(enc);
        att_diag_clear(&d);
        if (att__dcap_store_load(sub, anchors, 2, &s, &d) != ATT_OK)
            fail_msg("form %d: %s", form, d.message);
        assert_int_equal(att__dcap_pck_ca(att__dcap_store_get(s, 0)), ATT_PCK_CA_PLATFORM);
        att__dcap_store_free(s);
    }
    free(pem);

    /* a bundle missing a file */
    snprintf(path, sizeof(path), "%s/rootcrl.der", sub);
    remove(path);
    att_diag_clear(&d);
    assert_int_equal(att__dcap_store_load(dir, anchors, 2, &s, &d), ATT_ENOTFOUND);
    assert_non_null(strstr(d.message, "rootcrl.der"));
    tu_rmtree(dir);
}

/* Intel QVL's synthetic sample: a bundle that loads only against its own root. */
static void test_synthetic_bundle(void **state)
{
    char dir[256];
    snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
    const char *g = "vectors/sgx-v3/intel-qvl-sample-synthetic/";
    char rel[256];
#define COPY(name, file)                                                                           \
    snprintf(rel, sizeof(rel), "%s%s", g, file);                                                   \
    copy_shared(dir, name, rel)
    COPY("tcbinfo.json", "tcbInfo.json");
    COPY("TCB-Info-Issuer-Chain.pem", "tcbSignChain.pem");
    COPY("qe_identity.json", "qeIdentity.json");
    COPY("SGX-Enclave-Identity-Issuer-Chain.pem", "tcbSignChain.pem");
    COPY("pckcrl.der", "intermediateCaCrl.der");
    COPY("SGX-PCK-CRL-Issuer-Chain.pem", "pckSignChain.pem");
    COPY("rootcrl.der", "rootCaCrl.der");
#undef COPY
    att__dcap_store *s = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__dcap_store_load(dir, anchors, 2, &s, &d), ATT_ECHAIN);
    const att__cert *own[1] = {synthetic_root};
    att_diag_clear(&d);
    if (att__dcap_store_load(dir, own, 1, &s, &d) != ATT_OK)
        fail_msg("%s", d.message);
    const att__dcap_collateral *c = att__dcap_store_get(s, 0);
    const att__tcb_info *ti = att__dcap_tcb_info(c);
    assert_int_equal(ti->version, 2);
    assert_int_equal(att__dcap_pck_ca(c), ATT_PCK_CA_PROCESSOR);
    char hex[16];
    att__hex_encode(ti->fmspc, 6, 0, hex);
    assert_string_equal(hex, "00707f000000");
    att__hex_encode(att__dcap_qe_identity(c)->miscselect, 4, 1, hex);
    assert_string_equal(hex, "D182B18C");
    /* the manifest's window starts at the QE identity issueDate; its end (11:35:15) is the
     * PCK leaf's notAfter, which is not part of the collateral: ours is the TCB Signing
     * certificate's notAfter */
    int64_t nb, na;
    att__dcap_window(c, &nb, &na);
    assert_int_equal(nb, tu_parse_time("2019-09-05T07:47:08Z"));
    assert_int_equal(na, tu_parse_time("2026-08-28T11:36:55Z"));
    assert_true(att__dcap_window_contains(c, 1735689600));
    att__dcap_store_free(s);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_dir),
        cmocka_unit_test(test_store_bundle),
        cmocka_unit_test(test_synthetic_bundle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
