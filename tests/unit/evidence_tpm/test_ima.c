/* Unit tests of the IMA measurement-list parser (src/evidence/tpm/ima.c), driven by
 * expected/ima_summary.json: entries, templates, template-hash checks, violations, PCR 10
 * replay in both banks, boot_aggregate, kernel modules; the invalidated tpm2-tss lists;
 * tampered entries named by number; prefix acceptance; truncations. */
#include "tpm_tu.h"

#define IMA_SUMMARY "vectors/tpm/expected/ima_summary.json"

static att__ima_log *load(const char *name, int *rc, att_diag *d)
{
    size_t n;
    uint8_t *b = tpm_tu_read(TPM_TU_IMA, name, &n);
    att__ima_log *log = NULL;
    att_diag_clear(d);
    *rc = att__ima_parse(b, n, &log, d);
    free(b);
    return log;
}

static void expect_pcr10(const char *name, const att__ima_log *log, uint16_t alg, const char *want)
{
    uint8_t v[ATT_TPM_MAX_DIGEST];
    char got[2 * ATT_TPM_MAX_DIGEST + 1];
    assert_int_equal(att__ima_replay(log, alg, log->nentries, v), ATT_OK);
    tpm_tu_hex(v, att__tpm_alg_size(alg), got);
    if (strcmp(got, want) != 0)
        fail_msg("%s PCR10 %s: %s, expected %s", name, att__tpm_alg_name(alg), got, want);
    /* and the verifier accepts exactly that value */
    size_t used = 0;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__ima_verify_pcr(log, alg, v, att__tpm_alg_size(alg), 0, &used, &d);
    if (log->first_bad_entry)
        assert_int_equal(rc, ATT_EMISMATCH);
    else if (rc != ATT_OK)
        fail_msg("%s: %s", name, d.message);
    else
        assert_int_equal(used, log->nentries);
}

static void test_summary(void **state)
{
    (void)state;
    json_t *sum = tpm_tu_json(IMA_SUMMARY);
    const char *name;
    json_t *e;
    size_t checked = 0;
    json_object_foreach(sum, name, e)
    {
        if (name[0] == '_')
            continue;
        int rc;
        att_diag d;
        att__ima_log *log = load(name, &rc, &d);
        int trailing =
            (int)json_number_value(json_object_get(e, "trailing_bytes_after_last_entry"));
        if (trailing < 0) { /* the truncated invalidated list */
            assert_int_equal(rc, ATT_ETRUNC);
            assert_string_equal(d.reason, "ima.parse");
            assert_non_null(strstr(d.message, "entry 1: "));
            checked++;
            continue;
        }
        if (rc != ATT_OK)
            fail_msg("%s: %s", name, d.message);
        assert_int_equal(log->nentries, (size_t)json_number_value(json_object_get(e, "entries")));
        assert_int_equal(log->format, strncmp(tu_jstr(e, "format"), "ascii", 5) == 0
                                          ? ATT_IMA_ASCII
                                          : ATT_IMA_BINARY);
        json_t *t = json_array_get(json_object_get(e, "templates"), 0);
        for (size_t i = 0; i < log->nentries; i++)
            assert_string_equal(log->entries[i].template_name, json_string_value(t));
        if (log->format == ATT_IMA_ASCII) {
            assert_int_equal(log->template_mismatches, (size_t)json_number_value(json_object_get(
                                                           e, "template_hash_mismatches")));
            assert_int_equal(log->violations, (size_t)json_number_value(json_object_get(
                                                  e, "violations(template hash all-zero)")));
            json_t *r = json_object_get(e, "pcr10_replay");
            expect_pcr10(name, log, ATT_TPM_ALG_SHA1, tu_jstr(r, "sha1 (extend template hash)"));
            expect_pcr10(name, log, ATT_TPM_ALG_SHA256,
                         tu_jstr(r, "sha256 (extend sha256(template data); kernel>=5.x per-bank "
                                    "behaviour)"));
            const att__ima_entry *ba = att__ima_boot_aggregate(log);
            assert_non_null(ba);
            char got[200];
            int k = snprintf(got, sizeof(got), "%s:", ba->file_alg);
            tpm_tu_hex(ba->file_digest, ba->file_digest_len, got + k);
            assert_string_equal(
                got, json_string_value(json_array_get(json_object_get(e, "boot_aggregate"), 0)));
            json_t *mods = json_object_get(e, "kernel_modules");
            assert_int_equal(att__ima_module_count(log),
                             (size_t)json_number_value(json_object_get(e, "kernel_modules_count")));
            size_t m = 0;
            for (size_t i = 0; i < log->nentries; i++) {
                if (!att__ima_is_module(&log->entries[i]))
                    continue;
                json_t *x = json_array_get(mods, m++);
                assert_string_equal(log->entries[i].path, tu_jstr(x, "path"));
                k = snprintf(got, sizeof(got), "%s:", log->entries[i].file_alg);
                tpm_tu_hex(log->entries[i].file_digest, log->entries[i].file_digest_len, got + k);
                assert_string_equal(got, tu_jstr(x, "filedigest"));
            }
        } else {
            assert_int_equal(log->trailing_bytes, (size_t)trailing);
            size_t ok = 0;
            for (size_t i = 0; i < log->nentries; i++)
                ok += (size_t)log->entries[i].template_hash_ok;
            assert_int_equal(ok, (size_t)json_number_value(json_object_get(e, "template_hash_ok")));
            assert_int_equal(log->violations, (size_t)json_number_value(json_object_get(
                                                  e, "template_hash_zero(violation)")));
            size_t i;
            json_t *p;
            json_array_foreach(json_object_get(e, "paths"), i, p)
                assert_string_equal(log->entries[i].path, json_string_value(p));
            expect_pcr10(name, log, ATT_TPM_ALG_SHA1, tu_jstr(e, "pcr10_replay_sha1"));
        }
        att__ima_free(log);
        checked++;
    }
    assert_int_equal(checked, 12);
    json_decref(sum);
}

/* A changed path in the ASCII list: the template hash no longer matches and the verifier
 * names the entry. */
static void test_tampered_entry(void **state)
{
    (void)state;
    size_t n;
    char *text = (char *)tpm_tu_read(TPM_TU_IMA, "rust-keylime__ascii_runtime_measurements", &n);
    char *hit = strstr(text, "/lib/modules/4.4.0-45-generic/kernel/drivers/block/floppy.ko");
    assert_non_null(hit);
    hit[strlen("/lib/modules/4.4.0-45-generic/kernel/drivers/block/")] = 'g'; /* "gloppy" */
    size_t line = 1;
    for (char *p = text; p < hit; p++)
        line += *p == '\n';
    att__ima_log *log = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__ima_parse((uint8_t *)text, n, &log, &d), ATT_OK);
    assert_int_equal(log->template_mismatches, 1);
    assert_int_equal(log->first_bad_entry, line);
    uint8_t v[20];
    assert_int_equal(att__ima_replay(log, ATT_TPM_ALG_SHA1, log->nentries, v), ATT_OK);
    att_diag_clear(&d);
    assert_int_equal(att__ima_verify_pcr(log, ATT_TPM_ALG_SHA1, v, 20, 0, NULL, &d), ATT_EMISMATCH);
    char want[160];
    snprintf(want, sizeof(want),
             "entry %zu (/lib/modules/4.4.0-45-generic/kernel/drivers/block/"
             "gloppy.ko): template hash ",
             line);
    assert_non_null(strstr(d.message, want));
    assert_non_null(strstr(d.message, "does not match SHA-1 of its template data"));
    att__ima_free(log);
    free(text);
}

/* Keylime's rule: a quoted PCR 10 that matches a prefix of the list is accepted only when
 * asked, and the prefix length is reported; a value matching no prefix is refused. */
static void test_prefix(void **state)
{
    (void)state;
    int rc;
    att_diag d;
    att__ima_log *log = load("rust-keylime__ascii_runtime_measurements", &rc, &d);
    assert_int_equal(rc, ATT_OK);
    uint8_t v[32];
    assert_int_equal(att__ima_replay(log, ATT_TPM_ALG_SHA256, 500, v), ATT_OK);
    size_t used = 0;
    att_diag_clear(&d);
    assert_int_equal(att__ima_verify_pcr(log, ATT_TPM_ALG_SHA256, v, 32, 0, &used, &d),
                     ATT_EMISMATCH);
    assert_string_equal(d.reason, "ima.replay");
    assert_non_null(strstr(d.message, "PCR 10 (sha256): the IMA list (826 entries) replays to"));
    att_diag_clear(&d);
    assert_int_equal(att__ima_verify_pcr(log, ATT_TPM_ALG_SHA256, v, 32, 1, &used, &d), ATT_OK);
    assert_int_equal(used, 500);
    v[0] ^= 1;
    assert_int_equal(att__ima_verify_pcr(log, ATT_TPM_ALG_SHA256, v, 32, 1, &used, &d),
                     ATT_EMISMATCH);
    att__ima_free(log);
}

/* The invalidated lists report their faults by entry. */
static void test_invalidated(void **state)
{
    (void)state;
    int rc;
    att_diag d;
    att__ima_log *log = load("tpm2-tss__sml-ima-sig-sha256-invalidated.bin", &rc, &d);
    assert_int_equal(rc, ATT_OK);
    assert_int_equal(log->violations, 1);
    assert_true(log->entries[1].violation);
    json_t *j = att__ima_json(log, 1);
    json_t *diag = json_array_get(json_object_get(j, "diagnostics"), 0);
    assert_string_equal(json_string_value(diag),
                        "entry 2 (/init): violation (template hash all zero)");
    assert_int_equal(json_array_size(json_object_get(j, "list")), 2);
    json_decref(j);
    att__ima_free(log);

    log = load("tpm2-tss__sml-ima-ng-sha1-invalidated.bin", &rc, &d);
    assert_null(log);
    assert_int_equal(rc, ATT_ETRUNC);
    assert_string_equal(d.message, "entry 1: template data overruns the list");

    /* an entry outside PCR 10 is named */
    size_t n;
    uint8_t *b = tpm_tu_read(TPM_TU_IMA, "tpm2-tss__sml-ima-ng-sha1.bin", &n);
    att__ima_log *ok = NULL;
    assert_int_equal(att__ima_parse(b, n, &ok, NULL), ATT_OK);
    b[0] = 13; /* entry 1's PCR */
    assert_int_equal(att__ima_parse(b, n, &log, NULL), ATT_OK);
    assert_int_equal(log->wrong_pcr, 1);
    uint8_t v[20];
    assert_int_equal(att__ima_replay(ok, ATT_TPM_ALG_SHA1, ok->nentries, v), ATT_OK);
    att_diag_clear(&d);
    assert_int_equal(att__ima_verify_pcr(log, ATT_TPM_ALG_SHA1, v, 20, 0, NULL, &d), ATT_EMISMATCH);
    assert_string_equal(d.message, "entry 1 (boot_aggregate): measured into PCR 13, not PCR 10");
    att__ima_free(log);
    att__ima_free(ok);
    free(b);
}

static void test_boot_aggregate(void **state)
{
    (void)state;
    int rc;
    att_diag d;
    att__ima_log *log = load("keylime__ima-log-sha256", &rc, &d);
    assert_int_equal(rc, ATT_OK);
    uint8_t pcrs[10][ATT_TPM_MAX_DIGEST];
    memset(pcrs, 0, sizeof(pcrs));
    att_diag_clear(&d);
    assert_int_equal(att__ima_check_boot_aggregate(log, ATT_TPM_ALG_SHA1, pcrs, &d), ATT_ENOTFOUND);
    att_diag_clear(&d);
    assert_int_equal(att__ima_check_boot_aggregate(log, ATT_TPM_ALG_SHA256, pcrs, &d),
                     ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "entry 1 (boot_aggregate): sha256 of PCR 0-9 is"));
    att__ima_free(log);
}

/* Every truncation of a binary list parses as a shorter list or is refused naming an
 * entry; nothing reads past the end (ASan). */
static void test_truncations(void **state)
{
    (void)state;
    const char *names[] = {"tpm2-tss__sml-ima-sig-sha256.bin", "tpm2-tss__sml-ima-sha1.bin",
                           "keylime__ima-log-sha512"};
    for (size_t k = 0; k < 3; k++) {
        size_t n;
        uint8_t *b = tpm_tu_read(TPM_TU_IMA, names[k], &n);
        for (size_t cut = 1; cut < n; cut++) {
            uint8_t *m = malloc(cut);
            memcpy(m, b, cut);
            att__ima_log *log = NULL;
            att_diag d;
            att_diag_clear(&d);
            int rc = att__ima_parse(m, cut, &log, &d);
            if (rc != ATT_OK)
                assert_non_null(strstr(d.message, "entry "));
            att__ima_free(log);
            free(m);
        }
        free(b);
    }
}

static void test_maa_events(void **state)
{
    (void)state;
    int rc;
    att_diag d;
    att__ima_log *log = load("keylime__ima-log-sha256", &rc, &d);
    json_t *arr = json_array();
    assert_int_equal(att__ima_append_events_json(log, arr), ATT_OK);
    assert_int_equal(json_array_size(arr), 2);
    json_t *pd = json_object_get(json_array_get(arr, 1), "ProcessedData");
    assert_string_equal(tu_jstr(pd, "FilePath"), "/data");
    assert_string_equal(tu_jstr(json_array_get(arr, 1), "EventTypeString"),
                        "IMA_MEASUREMENT_EVENT");
    json_decref(arr);
    att__ima_free(log);
}

/* ima-buf (kexec command line, keys) and a template the ASCII form cannot rebuild: the
 * same buf entry in binary and ASCII form gives the same template data; the unknown
 * template replays in SHA-1 only and says so. The entry is built here from the kernel's
 * field layout (d-ng, n-ng, buf), with its template hash computed independently. */
static void test_ima_buf(void **state)
{
    (void)state;
    const char name[] = "kexec-cmdline";
    const uint8_t buf[] = "root=/dev/sda1 ro";
    uint8_t fd[32], td[256], th[20];
    assert_int_equal(att__tpm_hash(ATT_TPM_ALG_SHA256, buf, sizeof(buf) - 1, fd), ATT_OK);
    size_t o = 0;
    uint32_t l = 7 + 1 + 32; /* "sha256:" + NUL + digest */
    memcpy(td + o, &l, 4), o += 4;
    memcpy(td + o, "sha256:", 7), o += 7;
    td[o++] = 0;
    memcpy(td + o, fd, 32), o += 32;
    l = sizeof(name);
    memcpy(td + o, &l, 4), o += 4;
    memcpy(td + o, name, sizeof(name)), o += sizeof(name);
    l = sizeof(buf) - 1;
    memcpy(td + o, &l, 4), o += 4;
    memcpy(td + o, buf, sizeof(buf) - 1), o += sizeof(buf) - 1;
    assert_int_equal(att__tpm_hash(ATT_TPM_ALG_SHA1, td, o, th), ATT_OK);

    /* binary */
    uint8_t bin[512];
    size_t b = 0;
    uint32_t pcr = 10, tl = (uint32_t)o, nl = 7;
    memcpy(bin + b, &pcr, 4), b += 4;
    memcpy(bin + b, th, 20), b += 20;
    memcpy(bin + b, &nl, 4), b += 4;
    memcpy(bin + b, "ima-buf", 7), b += 7;
    memcpy(bin + b, &tl, 4), b += 4;
    memcpy(bin + b, td, o), b += o;
    att__ima_log *lb = NULL, *la = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__ima_parse(bin, b, &lb, &d), ATT_OK);
    assert_int_equal(lb->entries[0].tmpl, ATT_IMA_TMPL_BUF);
    assert_true(lb->entries[0].template_hash_ok);
    assert_string_equal(lb->entries[0].path, name);
    assert_memory_equal(lb->entries[0].buf, buf, sizeof(buf) - 1);

    /* ASCII */
    char line[512], h1[41], h2[65], h3[64];
    tpm_tu_hex(th, 20, h1);
    tpm_tu_hex(fd, 32, h2);
    tpm_tu_hex(buf, sizeof(buf) - 1, h3);
    int n = snprintf(line, sizeof(line), "10 %s ima-buf sha256:%s %s %s\n", h1, h2, name, h3);
    assert_int_equal(att__ima_parse((const uint8_t *)line, (size_t)n, &la, &d), ATT_OK);
    assert_true(la->entries[0].template_hash_ok);
    assert_int_equal(la->entries[0].tdata_len, o);
    assert_memory_equal(la->entries[0].tdata, td, o);
    uint8_t v1[32], v2[32];
    assert_int_equal(att__ima_replay(la, ATT_TPM_ALG_SHA256, 1, v1), ATT_OK);
    assert_int_equal(att__ima_replay(lb, ATT_TPM_ALG_SHA256, 1, v2), ATT_OK);
    assert_memory_equal(v1, v2, 32);
    att__ima_free(la);
    att__ima_free(lb);

    /* an ASCII template we cannot rebuild */
    n = snprintf(line, sizeof(line), "10 %s ima-modsig sha256:%s /x\n", h1, h2);
    assert_int_equal(att__ima_parse((const uint8_t *)line, (size_t)n, &la, &d), ATT_OK);
    assert_int_equal(la->unverifiable, 1);
    assert_int_equal(la->template_mismatches, 0);
    assert_int_equal(la->first_bad_entry, 0);
    assert_int_equal(att__ima_replay(la, ATT_TPM_ALG_SHA1, 1, v1), ATT_OK);
    assert_int_equal(att__ima_verify_pcr(la, ATT_TPM_ALG_SHA1, v1, 20, 0, NULL, &d), ATT_OK);
    assert_int_equal(att__ima_replay(la, ATT_TPM_ALG_SHA256, 1, v1), ATT_EUNSUPPORTED);
    att_diag_clear(&d);
    assert_int_equal(att__ima_verify_pcr(la, ATT_TPM_ALG_SHA256, v1, 32, 0, NULL, &d),
                     ATT_EUNSUPPORTED);
    assert_non_null(strstr(d.message, "entry 1 (template ima-modsig)"));
    att__ima_free(la);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary),        cmocka_unit_test(test_tampered_entry),
        cmocka_unit_test(test_prefix),         cmocka_unit_test(test_invalidated),
        cmocka_unit_test(test_boot_aggregate), cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_maa_events),     cmocka_unit_test(test_ima_buf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
