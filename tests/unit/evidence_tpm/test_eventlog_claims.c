/* Unit tests of what the TPM event-log facts feed into (src/evidence/tpm): Secure Boot
 * databases against well-known certificates and dbx updates, the AzureGuest-style boot
 * claims, and the baseline comparison behind the deviation alert, on the shared vectors. */
#include "tpm_tu.h"

#define SUMMARY "vectors/tpm/expected/eventlogs_summary.json"

/* Secure Boot databases against the well-known certificates and dbx updates of
 * vectors/tpm/secureboot: the Ubuntu GCE image carries exactly the 2020-10-12 dbx (the
 * 2021 update adds hashes it lacks), the Windows PC the 2014 one. */
static void test_secureboot_refs(void **state)
{
    (void)state;
    static const struct {
        const char *log, *file;
        int which; /* 0 PK, 1 KEK, 2 db, 3 dbx missing == 0, 4 dbx missing > 0 */
        int want;
    } cases[] = {
        {"gotpmtools__ubuntu-2104-no-secure-boot.bin", "MicCorKEKCA2011_2011-06-24.crt", 1, 1},
        {"gotpmtools__ubuntu-2104-no-secure-boot.bin", "MicCorUEFCA2011_2011-06-27.crt", 2, 1},
        {"gotpmtools__ubuntu-2104-no-secure-boot.bin", "MicWinProPCA2011_2011-10-19.crt", 2, 1},
        {"gotpmtools__ubuntu-2104-no-secure-boot.bin", "MicCorKEKCA2011_2011-06-24.crt", 0, 0},
        {"gotpmtools__ubuntu-2104-no-secure-boot.bin", "dbxupdate_x64-2020-10-12.bin", 3, 1},
        {"gotpmtools__ubuntu-2104-no-secure-boot.bin", "dbxupdate_x64-2021-04-29.bin", 4, 1},
        {"goattestation__option_rom_eventlog.bin", "dbxupdate-2014-08-11.bin", 3, 1},
        {"goattestation__option_rom_eventlog.bin", "dbxupdate_x64-2020-10-12.bin", 4, 1},
        {"gotpmtools__ubuntu-2104-no-secure-boot.bin", "GcePk.crt", 0, 1},
        {"gotpmtools__cos-85-amd-sev.bin", "GcePk.crt", 0, 0},
        {"gotpmtools__cos-85-amd-sev.bin", "MicCorKEKCA2011_2011-06-24.crt", 1, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        att__evlog *log = tpm_tu_log(cases[i].log);
        att__evlog_facts *f = NULL;
        assert_int_equal(att__evlog_facts_get(log, &f), ATT_OK);
        size_t n;
        uint8_t *b = tpm_tu_read("vectors/tpm/secureboot/", cases[i].file, &n);
        const att__sb_db *dbs[3] = {&f->pk, &f->kek, &f->db};
        int got;
        if (cases[i].which < 3) {
            got = att__sb_db_has_cert(dbs[cases[i].which], b, n);
        } else {
            size_t missing = 0;
            assert_int_equal(att__sb_dbx_missing(&f->dbx, b, n, &missing), ATT_OK);
            got = cases[i].which == 3 ? missing == 0 : missing > 0;
        }
        if (got != cases[i].want)
            fail_msg("%s / %s: %d", cases[i].log, cases[i].file, got);
        free(b);
        att__evlog_facts_free(f);
        att__evlog_free(log);
    }
}

/* AzureGuest-style claims: a Windows PC with ELAM and code integrity, a Linux COS VM. */
static void test_azurevm_claims(void **state)
{
    (void)state;
    static const struct {
        const char *log;
        int secureboot, windows, elam, signingdisabled, debuggersdisabled;
    } cases[] = {
        {"goattestation__option_rom_eventlog.bin", 1, 1, 1, 0, 1},
        {"gotpmtools__cos-85-amd-sev.bin", 1, 0, 0, 1, 1},
        {"gotpmtools__ubuntu-2104-no-secure-boot.bin", 0, 0, 0, 1, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        att__evlog *log = tpm_tu_log(cases[i].log);
        att__evlog_facts *f = NULL;
        assert_int_equal(att__evlog_facts_get(log, &f), ATT_OK);
        json_t *c = att__evlog_azurevm_claims(f);
        assert_non_null(c);
        assert_int_equal(json_is_true(json_object_get(c, "secureboot")), cases[i].secureboot);
        assert_int_equal(json_is_true(json_object_get(c, "x-ms-azurevm-is-windows")),
                         cases[i].windows);
        assert_int_equal(json_is_true(json_object_get(c, "x-ms-azurevm-elam-enabled")),
                         cases[i].elam);
        assert_int_equal(json_is_true(json_object_get(c, "x-ms-azurevm-signingdisabled")),
                         cases[i].signingdisabled);
        assert_int_equal(json_is_true(json_object_get(c, "x-ms-azurevm-debuggersdisabled")),
                         cases[i].debuggersdisabled);
        assert_true(json_is_false(json_object_get(c, "x-ms-azurevm-bootdebug-enabled")));
        json_decref(c);
        att__evlog_facts_free(f);
        att__evlog_free(log);
    }
}

/* Baseline comparison on the vectors' deviation pairs: the PCRs that differ are those whose
 * replayed values differ in the summary, and each differing PCR names changed events. */
static void test_diff(void **state)
{
    (void)state;
    static const char *pairs[][2] = {
        {"gotpmtools__arch-linux-workstation.bin", "tpm2tools__event-arch-linux.bin"},
        {"gotpmtools__cos-85-amd-sev.bin", "gotpmtools__cos-93-amd-sev.bin"},
        {"gotpmtools__ubuntu-2104-no-dbx.bin", "gotpmtools__ubuntu-2104-no-secure-boot.bin"},
    };
    json_t *sum = tpm_tu_json(SUMMARY);
    for (size_t p = 0; p < 3; p++) {
        json_t *pa = NULL, *pb = NULL;
        size_t i;
        json_t *e;
        json_array_foreach(sum, i, e)
        {
            json_t *r = json_object_get(json_object_get(e, "replayed_pcrs"), "sha256");
            if (strcmp(tu_jstr(e, "file"), pairs[p][0]) == 0)
                pa = r;
            if (strcmp(tu_jstr(e, "file"), pairs[p][1]) == 0)
                pb = r;
        }
        assert_non_null(pa);
        assert_non_null(pb);
        uint32_t want = 0;
        const char *k;
        json_t *v;
        json_object_foreach(pa, k, v)
        {
            json_t *w = json_object_get(pb, k);
            if (!w || strcmp(json_string_value(v), json_string_value(w)) != 0)
                want |= 1u << strtol(k, NULL, 10);
        }
        assert_int_not_equal(want, 0);
        att__evlog *a = tpm_tu_log(pairs[p][0]), *b = tpm_tu_log(pairs[p][1]);
        att__evlog_diff diff;
        assert_int_equal(att__evlog_diff_logs(a, b, ATT_TPM_ALG_SHA256, 0xFFFFFF, &diff, NULL),
                         ATT_OK);
        if (diff.differ != want)
            fail_msg("%s vs %s: differ %#x, expected %#x", pairs[p][0], pairs[p][1], diff.differ,
                     want);
        for (uint32_t x = 0; x < diff.ndiff; x++)
            assert_true(diff.pcr[x].nadded + diff.pcr[x].nremoved > 0);
        att__evlog_free(a);
        att__evlog_free(b);
        /* a log against itself: nothing differs */
        a = tpm_tu_log(pairs[p][0]);
        assert_int_equal(att__evlog_diff_logs(a, a, ATT_TPM_ALG_SHA256, 0xFFFFFF, &diff, NULL),
                         ATT_OK);
        assert_int_equal(diff.differ, 0);
        att__evlog_free(a);
    }
    /* the Arch pair: exactly one application replaced in PCR 4 */
    att__evlog *a = tpm_tu_log(pairs[0][0]), *b = tpm_tu_log(pairs[0][1]);
    att__evlog_diff diff;
    assert_int_equal(att__evlog_diff_logs(a, b, ATT_TPM_ALG_SHA256, 1u << 4, &diff, NULL), ATT_OK);
    assert_int_equal(diff.ndiff, 1);
    assert_int_equal(diff.pcr[0].nadded, 1);
    assert_int_equal(diff.pcr[0].nremoved, 1);
    assert_int_equal(b->events[diff.pcr[0].added[0]].type, ATT_EV_EFI_BOOT_SERVICES_APPLICATION);
    att__evlog_free(a);
    att__evlog_free(b);
    json_decref(sum);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secureboot_refs),
        cmocka_unit_test(test_azurevm_claims),
        cmocka_unit_test(test_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
