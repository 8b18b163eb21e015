/* Unit tests of the TCG event-log parser, replay and boot facts (src/evidence/tpm), driven
 * by the shared vectors' expected JSON: every non-tampered log replays to the PCRs of
 * expected/eventlogs_summary.json, to go-tpm-tools' and go-attestation's values, and gives
 * the expected Secure Boot facts, authorities, EFI actions, applications, kernel command
 * line and Windows SIPA flags; the tampered log fails in its SHA-256 PCR 4 only; malformed
 * logs are refused with the event named. */
#include "tpm_tu.h"

#define SUMMARY "vectors/tpm/expected/eventlogs_summary.json"

/* The H-CRTM log's PCR0 under the H-CRTM start rule (vectors/tpm/README.md; the summary
 * file replays it from zero instead, as tools without the rule do). */
#define HCRTM_LOG         "tpm2tss__binary_measurements_hcrtm.bin"
#define HCRTM_PCR0_SHA1   "15f4e6ca457d1af6bc49511a93ba3500ad69acc5"
#define HCRTM_PCR0_SHA256 "332dd5f22946bd10839599ea0041cc7a59c7b11e6442eca521c0e82b05b1c36d"

static void check_replay(const char *file, const att__evlog *log, json_t *replayed)
{
    const char *bank;
    json_t *pcrs;
    json_object_foreach(replayed, bank, pcrs)
    {
        uint16_t alg = att__tpm_alg_from_name(bank);
        assert_int_not_equal(alg, 0);
        if (!json_is_object(pcrs)) /* "(hash unsupported by this checker)" */
            continue;
        att__pcr_bank b;
        att_diag d;
        att_diag_clear(&d);
        int rc = att__evlog_replay(log, alg, &b, &d);
        if (rc == ATT_EUNSUPPORTED && json_object_size(pcrs) == 0)
            continue; /* declared bank, but events lack its digest: not replayable */
        if (rc != ATT_OK)
            fail_msg("%s %s: %s", file, bank, d.message);
        uint32_t want = 0;
        const char *idx;
        json_t *v;
        json_object_foreach(pcrs, idx, v)
        {
            int i = (int)strtol(idx, NULL, 10);
            want |= 1u << i;
            char got[2 * ATT_TPM_MAX_DIGEST + 1];
            tpm_tu_hex(b.pcr[i], b.size, got);
            const char *exp = json_string_value(v);
            if (strcmp(file, HCRTM_LOG) == 0 && i == 0)
                exp = alg == ATT_TPM_ALG_SHA1 ? HCRTM_PCR0_SHA1 : HCRTM_PCR0_SHA256;
            if (strcmp(got, exp) != 0)
                fail_msg("%s %s PCR %d: replayed %s, expected %s", file, bank, i, got, exp);
        }
        if (want != b.extended)
            fail_msg("%s %s: extended PCR set %#x, expected %#x", file, bank, b.extended, want);
    }
}

static void check_db(const char *file, const char *name, const att__sb_db *db, json_t *exp)
{
    if (!json_is_object(exp)) {
        assert_false(db->present);
        return;
    }
    if (!db->present)
        fail_msg("%s: %s not found", file, name);
    if (db->x509_count != (size_t)json_number_value(json_object_get(exp, "x509")) ||
        db->sha256_count != (size_t)json_number_value(json_object_get(exp, "sha256")))
        fail_msg("%s %s: %zu certs %zu hashes", file, name, db->x509_count, db->sha256_count);
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(exp, "subjects"), i, s)
    {
        /* truncated to 80 characters; the checker printed emailAddress by its OID */
        char want[256];
        const char *w = json_string_value(s), *oid = "1.2.840.113549.1.9.1=";
        if (strncmp(w, oid, strlen(oid)) == 0)
            snprintf(want, sizeof(want), "emailAddress=%s", w + strlen(oid));
        else
            snprintf(want, sizeof(want), "%s", w);
        if (strncmp(db->subjects[i], want, strlen(want)) != 0)
            fail_msg("%s %s[%zu]: %s, expected %s", file, name, i, db->subjects[i], want);
    }
}

static void check_secureboot(const char *file, const att__evlog_facts *f, json_t *sb)
{
    if (!json_is_object(sb)) {
        assert_false(f->secure_boot_var_present);
        return;
    }
    const char *v = json_string_value(json_object_get(sb, "SecureBoot"));
    if (!v) {
        assert_false(f->secure_boot_var_present);
    } else if (strcmp(v, "(empty)") == 0) {
        assert_true(f->secure_boot_var_present);
        assert_int_equal(f->secure_boot_var_len, 0);
        assert_int_equal(f->secure_boot, -1);
    } else {
        assert_true(f->secure_boot_var_present);
        int want = strcmp(v, "01") == 0;
        if (f->secure_boot != want)
            fail_msg("%s: secure_boot %d, expected %d", file, f->secure_boot, want);
    }
    check_db(file, "PK", &f->pk, json_object_get(sb, "PK"));
    check_db(file, "KEK", &f->kek, json_object_get(sb, "KEK"));
    check_db(file, "db", &f->db, json_object_get(sb, "db"));
    check_db(file, "dbx", &f->dbx, json_object_get(sb, "dbx"));
}

static void check_facts(const char *file, const att__evlog *log, json_t *e)
{
    att__evlog_facts *f = NULL;
    assert_int_equal(att__evlog_facts_get(log, &f), ATT_OK);
    check_secureboot(file, f, json_object_get(e, "secureboot"));

    json_t *auth = json_object_get(e, "authority_events");
    if (f->nauthorities != json_array_size(auth))
        fail_msg("%s: %zu authorities, expected %zu", file, f->nauthorities, json_array_size(auth));
    size_t i;
    json_t *a;
    json_array_foreach(auth, i, a)
    {
        assert_string_equal(f->authorities[i].name, tu_jstr(a, "name"));
        assert_int_equal(f->authorities[i].after_separator,
                         json_is_true(json_object_get(a, "after_pcr7_separator")));
        if (f->authorities[i].data_len != (uint32_t)json_number_value(json_object_get(a, "len")))
            fail_msg("%s authority %zu: len %u", file, i, f->authorities[i].data_len);
    }

    json_t *acts = json_object_get(e, "efi_actions");
    size_t nefi = 0;
    for (size_t k = 0; k < f->nactions; k++)
        if (log->events[f->actions[k].event].type == ATT_EV_EFI_ACTION) {
            json_t *x = json_array_get(acts, nefi++);
            if (!x)
                fail_msg("%s: extra EFI action %s", file, f->actions[k].text);
            assert_int_equal(f->actions[k].pcr, (uint32_t)json_number_value(json_array_get(x, 0)));
            assert_string_equal(f->actions[k].text, json_string_value(json_array_get(x, 1)));
        }
    assert_int_equal(nefi, json_array_size(acts));

    json_t *apps = json_object_get(e, "efi_boot_services_applications");
    if (apps && f->napps != (size_t)json_number_value(apps))
        fail_msg("%s: %zu applications, expected %g", file, f->napps, json_number_value(apps));

    json_t *cmd = json_object_get(e, "kernel_cmdline_events");
    assert_int_equal(f->nkernel_cmdlines, json_array_size(cmd));
    if (json_array_size(cmd)) {
        const char *want = json_string_value(json_array_get(cmd, 0));
        const char *colon = strstr(want, ": ");
        assert_non_null(colon);
        assert_non_null(f->kernel_cmdline);
        assert_string_equal(f->kernel_cmdline, colon + 2);
    }
    json_t *sc = json_object_get(e, "s_crtm_version");
    if (json_is_string(sc)) {
        assert_non_null(f->scrtm_version);
        assert_string_equal(f->scrtm_version, json_string_value(sc));
    }
    json_t *files = json_object_get(e, "pcr9_event_data_sample");
    json_array_foreach(files, i, a)
    {
        assert_true(i < f->npcr9_files); /* sample paths are cut at 80 characters */
        const char *want = json_string_value(a);
        size_t gl = strlen(f->pcr9_files[i]), wl = json_string_length(a);
        int tag_form = wl > gl && memcmp(want + wl - gl, f->pcr9_files[i], gl) == 0;
        if (!tag_form && (gl < wl || memcmp(f->pcr9_files[i], want, wl) != 0))
            fail_msg("%s PCR9 file %zu: %s, expected %s", file, i, f->pcr9_files[i], want);
    }

    json_t *sipa = json_object_get(e, "windows_sipa");
    if (json_is_object(sipa)) {
        const att__sipa_flags *s = &f->sipa;
        assert_true(s->present);
        static const struct {
            const char *k;
            size_t off;
        } flags[] = {
            {"BootDebugging", offsetof(att__sipa_flags, boot_debugging)},
            {"TestSigning", offsetof(att__sipa_flags, test_signing)},
            {"OsKernelDebug", offsetof(att__sipa_flags, os_kernel_debug)},
            {"CodeIntegrity", offsetof(att__sipa_flags, code_integrity)},
            {"SafeMode", offsetof(att__sipa_flags, safe_mode)},
            {"WinPE", offsetof(att__sipa_flags, winpe)},
            {"HypervisorDebug", offsetof(att__sipa_flags, hypervisor_debug)},
            {"FlightSigning", offsetof(att__sipa_flags, flight_signing)},
            {"DataExecutionPrevention", offsetof(att__sipa_flags, dep)},
            {"HypervisorLaunchType", offsetof(att__sipa_flags, hypervisor_launch_type)},
            {"VsmLaunchType", offsetof(att__sipa_flags, vsm_launch_type)},
            {"VbsVsmRequired", offsetof(att__sipa_flags, vbs_vsm_required)},
            {"VbsSecurebootRequired", offsetof(att__sipa_flags, vbs_secureboot_required)},
        };
        for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
            json_t *vals = json_object_get(sipa, flags[k].k);
            if (!vals)
                continue;
            int any = 0, all = 1;
            json_array_foreach(vals, i, a)
            {
                any |= json_number_value(a) != 0;
                all &= json_number_value(a) != 0;
            }
            int got = *(const int *)((const char *)s + flags[k].off);
            int want = (strcmp(flags[k].k, "CodeIntegrity") == 0 ||
                        strcmp(flags[k].k, "DataExecutionPrevention") == 0)
                           ? all
                           : any;
            if (strstr(flags[k].k, "Type") || strstr(flags[k].k, "Required"))
                want = (int)json_number_value(json_array_get(vals, json_array_size(vals) - 1));
            if (got != want)
                fail_msg("%s SIPA %s: %d, expected %d", file, flags[k].k, got, want);
        }
    }
    /* A real, untampered log yields no digest-mismatch note. */
    for (size_t k = 0; k < f->nnotes; k++)
        if (strcmp(f->notes[k].code, "digest_mismatch") == 0 && strncmp(file, "tampered", 8) != 0 &&
            strcmp(file, HCRTM_LOG) != 0)
            fail_msg("%s: %s", file, f->notes[k].message);
    att__evlog_facts_free(f);
}

/* Every log of the summary parses (or fails, for the malformed one) and replays to the
 * expected PCRs with the expected facts. */
static void test_summary(void **state)
{
    (void)state;
    json_t *sum = tpm_tu_json(SUMMARY);
    size_t i;
    json_t *e;
    size_t checked = 0;
    json_array_foreach(sum, i, e)
    {
        const char *file = tu_jstr(e, "file");
        size_t n;
        uint8_t *b = tpm_tu_read(TPM_TU_LOGS, file, &n);
        att__evlog *log = NULL;
        att_diag d;
        att_diag_clear(&d);
        int rc = att__evlog_parse(b, n, &log, &d);
        free(b);
        if (json_object_get(e, "parse_error")) {
            assert_int_not_equal(rc, ATT_OK);
            assert_string_equal(d.reason, "eventlog.parse");
            assert_non_null(strstr(d.message, "event 0"));
            continue;
        }
        if (rc != ATT_OK)
            fail_msg("%s: %s", file, d.message);
        assert_int_equal(log->nevents,
                         (size_t)json_number_value(json_object_get(e, "events_total_incl_header")));
        const char *fmt = tu_jstr(e, "format");
        assert_int_equal(log->format,
                         strncmp(fmt, "crypto-agile", 12) == 0 ? ATT_EVLOG_AGILE : ATT_EVLOG_SHA1);
        json_t *loc = json_object_get(e, "startup_locality");
        assert_int_equal(log->has_locality, json_is_number(loc));
        if (json_is_number(loc))
            assert_int_equal(log->startup_locality, (int)json_number_value(loc));
        check_replay(file, log, json_object_get(e, "replayed_pcrs"));
        check_facts(file, log, e);
        att__evlog_free(log);
        checked++;
    }
    assert_int_equal(checked, 33);
    json_decref(sum);
}

/* Values of `bank` for the PCRs in mask, concatenated in PCR order (malloc'd). */
static uint8_t *values_of(json_t *pcrs, uint32_t mask, size_t size, size_t *len)
{
    uint8_t *v = malloc(24 * size), *p = v;
    for (int i = 0; i < 24; i++) {
        if (!(mask & (1u << i)))
            continue;
        char k[4];
        snprintf(k, sizeof(k), "%d", i);
        size_t n;
        uint8_t *x = tu_hex_decode(json_string_value(json_object_get(pcrs, k)), &n);
        assert_int_equal(n, size);
        memcpy(p, x, n);
        p += n;
        free(x);
    }
    *len = (size_t)(p - v);
    return v;
}

/* Checks a log against authoritative PCR values (as a verified quote would give them):
 * every PCR the log extends, and every other listed PCR that holds its reset value. */
static void check_quoted(const char *file, json_t *expected_pcrs, int want_workaround)
{
    att__evlog *log = tpm_tu_log(file);
    const char *bank;
    json_t *pcrs;
    json_object_foreach(expected_pcrs, bank, pcrs)
    {
        uint16_t alg = att__tpm_alg_from_name(bank);
        size_t size = att__tpm_alg_size(alg);
        att__pcr_bank b;
        assert_int_equal(att__evlog_replay(log, alg, &b, NULL), ATT_OK);
        uint32_t mask = 0;
        const char *idx;
        json_t *v;
        json_object_foreach(pcrs, idx, v)
        {
            int i = (int)strtol(idx, NULL, 10);
            char reset[2 * ATT_TPM_MAX_DIGEST + 1];
            uint8_t r[ATT_TPM_MAX_DIGEST];
            memset(r, (i >= 17 && i <= 22) ? 0xFF : 0, size);
            tpm_tu_hex(r, size, reset);
            if ((b.extended & (1u << i)) || strcmp(json_string_value(v), reset) == 0)
                mask |= 1u << i;
        }
        size_t len;
        uint8_t *vals = values_of(pcrs, mask, size, &len);
        att__pcr_verify_result res;
        att_diag d;
        att_diag_clear(&d);
        int rc = att__evlog_verify_pcrs(log, alg, mask, vals, len, &res, &d);
        if (rc != ATT_OK)
            fail_msg("%s %s: %s", file, bank, d.message);
        assert_int_equal(res.matched, mask);
        int wa = 0;
        for (uint32_t k = 0; k < res.ncheck; k++)
            wa |= res.check[k].workaround;
        assert_int_equal(wa, want_workaround);
        free(vals);
    }
    att__evlog_free(log);
}

static void test_gotpmtools(void **state)
{
    (void)state;
    json_t *j = tpm_tu_json("vectors/tpm/expected/go-tpm-tools_expected.json");
    const char *path;
    json_t *e;
    json_object_foreach(json_object_get(j, "logs"), path, e)
    {
        const char *file = tpm_tu_base(path);
        check_quoted(file, json_object_get(e, "expected_pcrs"), 0);
        /* EFI applications after "Calling EFI Application from Boot Option", in order */
        json_t *apps = json_object_get(e, "expected_efi_app_digests_in_order");
        if (!json_is_object(apps))
            continue;
        att__evlog *log = tpm_tu_log(file);
        att__evlog_facts *f = NULL;
        assert_int_equal(att__evlog_facts_get(log, &f), ATT_OK);
        const char *bank;
        json_t *list;
        json_object_foreach(apps, bank, list)
        {
            uint16_t alg = att__tpm_alg_from_name(bank);
            size_t k = 0, i;
            json_t *want;
            json_array_foreach(list, i, want)
            {
                while (k < f->napps && f->apps[k].pcr != 4)
                    k++;
                assert_true(k < f->napps);
                const att__evlog_digest *dg = NULL;
                for (uint32_t x = 0; x < f->apps[k].ndigests; x++)
                    if (f->apps[k].digests[x].alg == alg)
                        dg = &f->apps[k].digests[x];
                assert_non_null(dg);
                char got[2 * ATT_TPM_MAX_DIGEST + 1];
                tpm_tu_hex(dg->digest, dg->size, got);
                assert_string_equal(got, json_string_value(want));
                k++;
            }
        }
        att__evlog_facts_free(f);
        att__evlog_free(log);
    }
    json_decref(j);
}

static void test_goattestation(void **state)
{
    (void)state;
    json_t *j = tpm_tu_json("vectors/tpm/expected/go-attestation_expected.json");
    const char *path;
    json_t *e;
    json_object_foreach(json_object_get(j, "logs"), path, e)
    {
        const char *file = tpm_tu_base(path);
        json_t *pcrs = json_object_get(e, "expected_pcrs");
        if (pcrs)
            check_quoted(file, pcrs, strstr(file, "ebs_event_missing") != NULL);
        else
            att__evlog_free(tpm_tu_log(file)); /* "must parse" */
    }
    json_decref(j);
}

/* The tampered log: its SHA-1 bank still matches the original's PCRs, its SHA-256 PCR 4
 * does not, and the diagnostic says so, naming the events extended into PCR 4. */
static void test_tampered(void **state)
{
    (void)state;
    json_t *j = tpm_tu_json("vectors/tpm/expected/go-tpm-tools_expected.json");
    json_t *orig = json_object_get(json_object_get(json_object_get(j, "logs"),
                                                   "eventlogs/gotpmtools__ubuntu-2104-no-"
                                                   "secure-boot.bin"),
                                   "expected_pcrs");
    assert_non_null(orig);
    att__evlog *log =
        tpm_tu_log("tampered__ubuntu-2104-no-secure-boot__pcr4-sha256-digest-flipped.bin");
    uint32_t mask = 0x43FF; /* 0-9, 14 */
    size_t len;
    uint8_t *v = values_of(json_object_get(orig, "sha1"), mask, 20, &len);
    att__pcr_verify_result res;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__evlog_verify_pcrs(log, ATT_TPM_ALG_SHA1, mask, v, len, &res, &d), ATT_OK);
    free(v);
    v = values_of(json_object_get(orig, "sha256"), mask, 32, &len);
    assert_int_equal(att__evlog_verify_pcrs(log, ATT_TPM_ALG_SHA256, mask, v, len, &res, &d),
                     ATT_EMISMATCH);
    assert_int_equal(res.matched, mask & ~(1u << 4));
    assert_string_equal(d.reason, "eventlog.replay");
    assert_string_equal(d.field, "PCR 4 (sha256)");
    assert_string_equal(d.expected,
                        json_string_value(json_object_get(json_object_get(orig, "sha256"), "4")));
    assert_non_null(strstr(d.message, "PCR 4 (sha256): the event log replays to"));
    assert_non_null(strstr(d.message, "1 PCR(s) differ"));
    /* the flipped event (#23) is among the suspects */
    const att__pcr_check *pc = NULL;
    for (uint32_t i = 0; i < res.ncheck; i++)
        if (res.check[i].pcr == 4)
            pc = &res.check[i];
    assert_non_null(pc);
    assert_false(pc->match);
    int found = 0;
    for (uint32_t i = 0; i < pc->nsuspects; i++)
        found |= pc->suspects[i] == 23;
    assert_true(found);
    assert_non_null(strstr(d.message, "23"));
    free(v);
    att__evlog_free(log);
    json_decref(j);
}

/* Flipping one byte of the data of any event whose digest covers its data makes the facts
 * name that event with both digests. Every such event of every real log. */
static void test_mutations(void **state)
{
    (void)state;
    json_t *sum = tpm_tu_json(SUMMARY);
    size_t i, total = 0;
    json_t *e;
    json_array_foreach(sum, i, e)
    {
        const char *file = tu_jstr(e, "file");
        if (json_object_get(e, "parse_error"))
            continue;
        size_t n;
        uint8_t *b = tpm_tu_read(TPM_TU_LOGS, file, &n);
        att__evlog *log = tpm_tu_log(file);
        for (size_t k = 0; k < log->nevents; k++) {
            const att__evlog_event *ev = &log->events[k];
            if (ev->data_check != ATT_EVDATA_VERIFIED || ev->data_len == 0 ||
                !att__evlog_verify_kind(ev))
                continue;
            uint8_t *m = malloc(n);
            memcpy(m, b, n);
            size_t at = (size_t)(ev->data - log->raw) + ev->data_len - 1;
            m[at] ^= 0x01;
            att__evlog *ml = NULL;
            assert_int_equal(att__evlog_parse(m, n, &ml, NULL), ATT_OK);
            assert_int_equal(ml->events[k].data_check, ATT_EVDATA_MISMATCH);
            att__evlog_facts *f = NULL;
            assert_int_equal(att__evlog_facts_get(ml, &f), ATT_OK);
            char want[96];
            snprintf(want, sizeof(want), "event %u (%s, PCR %u): ", ev->num,
                     att__evlog_type_name(ev->type), ev->pcr);
            int named = 0;
            for (size_t x = 0; x < f->nnotes; x++)
                if (f->notes[x].event == ev->num &&
                    strcmp(f->notes[x].code, "digest_mismatch") == 0 &&
                    strncmp(f->notes[x].message, want, strlen(want)) == 0 &&
                    strstr(f->notes[x].message, "does not match"))
                    named = 1;
            if (!named)
                fail_msg("%s: flipping event %u was not reported", file, ev->num);
            if (ev->pcr == 7 && ev->type == ATT_EV_EFI_VARIABLE_DRIVER_CONFIG)
                assert_int_equal(f->secure_boot, -1);
            att__evlog_facts_free(f);
            att__evlog_free(ml);
            free(m);
            total++;
        }
        att__evlog_free(log);
        free(b);
    }
    assert_true(total > 500);
    json_decref(sum);
}

/* The exact diagnostic for a changed SecureBoot variable. */
static void test_mutation_message(void **state)
{
    (void)state;
    const char *file = "gotpmtools__cos-85-amd-sev.bin";
    size_t n;
    uint8_t *b = tpm_tu_read(TPM_TU_LOGS, file, &n);
    att__evlog *log = tpm_tu_log(file);
    const att__evlog_event *sb = NULL;
    for (size_t k = 0; k < log->nevents && !sb; k++)
        if (log->events[k].type == ATT_EV_EFI_VARIABLE_DRIVER_CONFIG && log->events[k].pcr == 7)
            sb = &log->events[k];
    assert_non_null(sb);
    size_t at = (size_t)(sb->data - log->raw) + sb->data_len - 1; /* the 0x01 */
    assert_int_equal(b[at], 1);
    b[at] = 0;
    att__evlog *ml = NULL;
    assert_int_equal(att__evlog_parse(b, n, &ml, NULL), ATT_OK);
    att__evlog_facts *f = NULL;
    assert_int_equal(att__evlog_facts_get(ml, &f), ATT_OK);
    assert_int_equal(f->secure_boot, -1);
    assert_true(f->nnotes > 0);
    char want[128];
    snprintf(want, sizeof(want), "event %u (EV_EFI_VARIABLE_DRIVER_CONFIG, PCR 7): SHA-1 digest ",
             sb->num);
    assert_non_null(strstr(f->notes[0].message, want));
    assert_non_null(strstr(f->notes[0].message, " does not match SHA-1 of its data "));
    att__evlog_facts_free(f);
    att__evlog_free(ml);
    att__evlog_free(log);
    free(b);
}

/* Retyping the SecureBoot event (the type is covered by no digest) must not hide it. */
static void test_retype_attack(void **state)
{
    (void)state;
    const char *file = "gotpmtools__ubuntu-2104-no-secure-boot.bin";
    size_t n;
    uint8_t *b = tpm_tu_read(TPM_TU_LOGS, file, &n);
    att__evlog *log = tpm_tu_log(file);
    const att__evlog_event *sb = NULL;
    for (size_t k = 0; k < log->nevents && !sb; k++)
        if (log->events[k].type == ATT_EV_EFI_VARIABLE_DRIVER_CONFIG && log->events[k].pcr == 7)
            sb = &log->events[k];
    assert_non_null(sb);
    b[sb->offset + 4] = (uint8_t)ATT_EV_UNUSED; /* eventType, little-endian */
    b[sb->offset + 7] = 0;
    att__evlog *ml = NULL;
    assert_int_equal(att__evlog_parse(b, n, &ml, NULL), ATT_OK);
    att__evlog_facts *f = NULL;
    assert_int_equal(att__evlog_facts_get(ml, &f), ATT_OK);
    assert_int_equal(f->secure_boot, -1);
    assert_false(f->pcr7_valid);
    int named = 0;
    for (size_t x = 0; x < f->nnotes; x++)
        named |=
            strcmp(f->notes[x].code, "pcr7_unexpected_type") == 0 && f->notes[x].event == sb->num;
    assert_true(named);
    att__evlog_facts_free(f);
    att__evlog_free(ml);
    att__evlog_free(log);
    free(b);
}

/* Every truncation of a log is refused with a diagnostic (or parses as a shorter log when
 * it ends on a record boundary); nothing reads past the end (run under ASan). */
static void test_truncations(void **state)
{
    (void)state;
    const char *files[] = {"gotpmtools__cos-85-amd-sev.bin", "gotpmtools__debian-10.bin"};
    for (size_t f = 0; f < 2; f++) {
        size_t n;
        uint8_t *b = tpm_tu_read(TPM_TU_LOGS, files[f], &n);
        att__evlog *full = tpm_tu_log(files[f]);
        size_t boundary = 0, refused = 0;
        for (size_t cut = 1; cut < n; cut++) {
            uint8_t *m = malloc(cut);
            memcpy(m, b, cut);
            att__evlog *log = NULL;
            att_diag d;
            att_diag_clear(&d);
            int rc = att__evlog_parse(m, cut, &log, &d);
            if (rc == ATT_OK) {
                boundary++;
                assert_true(log->nevents < full->nevents);
            } else {
                refused++;
                assert_string_equal(d.reason, "eventlog.parse");
                assert_non_null(strstr(d.message, "event "));
            }
            att__evlog_free(log);
            free(m);
        }
        assert_int_equal(boundary, full->nevents - 1);
        assert_true(refused > 0);
        att__evlog_free(full);
        free(b);
    }
}

static void test_bad_inputs(void **state)
{
    (void)state;
    att__evlog *log = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__evlog_parse(NULL, 0, &log, &d), ATT_EINVAL);
    /* unknown algorithm in an event: take tpm2tools__event.bin and change the 1st alg id */
    size_t n;
    uint8_t *b = tpm_tu_read(TPM_TU_LOGS, "tpm2tools__event.bin", &n);
    att__evlog *ok = tpm_tu_log("tpm2tools__event.bin");
    size_t off = ok->events[1].offset + 12; /* pcr, type, count */
    att__evlog_free(ok);
    b[off] = 0x99;
    att_diag_clear(&d);
    assert_int_equal(att__evlog_parse(b, n, &log, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "event 1 "));
    assert_non_null(strstr(d.message, "not in the Spec ID"));
    /* a PCR index out of range */
    b[off] = 0x04;
    b[off - 12] = 30;
    att_diag_clear(&d);
    assert_int_equal(att__evlog_parse(b, n, &log, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "PCR index 30"));
    free(b);
    /* the malformed Spec ID vendor data */
    b = tpm_tu_read(TPM_TU_LOGS, "tpm2tools__specid-vendordata.bin", &n);
    att_diag_clear(&d);
    assert_int_not_equal(att__evlog_parse(b, n, &log, &d), ATT_OK);
    assert_non_null(strstr(d.message, "vendor data"));
    free(b);
    /* verify_pcrs refuses a value buffer that does not fit the selection */
    log = tpm_tu_log("tpm2tools__event.bin");
    att__pcr_verify_result res;
    uint8_t v[32] = {0};
    att_diag_clear(&d);
    assert_int_equal(att__evlog_verify_pcrs(log, ATT_TPM_ALG_SHA256, 0x3, v, 32, &res, &d),
                     ATT_EINVAL);
    att__evlog_free(log);
    /* a bank the log does not carry */
    log = tpm_tu_log("gotpmtools__debian-10.bin");
    att_diag_clear(&d);
    assert_int_equal(att__evlog_verify_pcrs(log, ATT_TPM_ALG_SHA256, 0x1, v, 32, &res, &d),
                     ATT_EUNSUPPORTED);
    assert_non_null(strstr(d.message, "no sha256 digest"));
    att__evlog_free(log);
}

/* A PCR the log never extends must hold its reset value. */
static void test_unexplained(void **state)
{
    (void)state;
    att__evlog *log = tpm_tu_log("tpm2tools__event-uefiaction.bin"); /* PCR 4 only */
    att__pcr_bank b;
    assert_int_equal(att__evlog_replay(log, ATT_TPM_ALG_SHA256, &b, NULL), ATT_OK);
    uint8_t v[64];
    memcpy(v, b.pcr[4], 32);
    memset(v + 32, 0x11, 32); /* PCR 10, which the log does not explain */
    att__pcr_verify_result res;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(
        att__evlog_verify_pcrs(log, ATT_TPM_ALG_SHA256, (1u << 4) | (1u << 10), v, 64, &res, &d),
        ATT_EMISMATCH);
    assert_int_equal(res.unexplained, 1u << 10);
    assert_string_equal(d.field, "PCR 10 (sha256)");
    assert_non_null(strstr(d.message, "no event for this PCR"));
    att__evlog_free(log);
}

/* MAA policy 1.2 view: the SecureBoot variable as the sample policy queries it. */
static void test_maa_json(void **state)
{
    (void)state;
    att__evlog *log = tpm_tu_log("gotpmtools__cos-85-amd-sev.bin");
    json_t *j = att__evlog_events_json(log);
    assert_non_null(j);
    json_t *events = json_object_get(j, "Events");
    assert_int_equal(json_array_size(events), log->nevents);
    size_t i, found = 0;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        json_t *pd = json_object_get(e, "ProcessedData");
        if (strcmp(tu_jstr(e, "EventTypeString"), "EV_EFI_VARIABLE_DRIVER_CONFIG") != 0 || !pd)
            continue;
        if (strcmp(tu_jstr(pd, "UnicodeName"), "SecureBoot") == 0) {
            assert_string_equal(tu_jstr(pd, "VariableGuid"),
                                "8BE4DF61-93CA-11D2-AA0D-00E098032B8C");
            assert_string_equal(tu_jstr(pd, "VariableData"), "AQ");
            found++;
        }
    }
    assert_int_equal(found, 1);
    json_decref(j);
    j = att__evlog_pcrs_json(log, 0);
    json_t *p0 = json_array_get(json_object_get(j, "PCRs"), 0);
    assert_int_equal(json_integer_value(json_object_get(p0, "Index")), 0);
    assert_string_equal(tu_jstr(json_object_get(p0, "Digests"), "SHA1"),
                        "c032c3b51dbb6f96b047421512fd4b4dfde496f3");
    json_decref(j);
    att__evlog_facts *f = NULL;
    assert_int_equal(att__evlog_facts_get(log, &f), ATT_OK);
    j = att__evlog_facts_json(f);
    assert_non_null(j);
    assert_true(json_is_true(json_object_get(j, "secure_boot")));
    json_decref(j);
    att__evlog_facts_free(f);
    att__evlog_free(log);

    /* Windows SIPA in the MAA shape */
    log = tpm_tu_log("goattestation__option_rom_eventlog.bin");
    j = att__evlog_events_json(log);
    int tb = 0;
    json_array_foreach(json_object_get(j, "Events"), i, e)
    {
        json_t *pd = json_object_get(e, "ProcessedData");
        json_t *t = pd ? json_object_get(pd, "EVENT_TRUSTBOUNDARY") : NULL;
        if (t && json_object_get(t, "EVENT_BOOTDEBUGGING"))
            tb++;
    }
    assert_true(tb > 0);
    json_decref(j);
    att__evlog_free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary),       cmocka_unit_test(test_gotpmtools),
        cmocka_unit_test(test_goattestation), cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_mutations),     cmocka_unit_test(test_mutation_message),
        cmocka_unit_test(test_retype_attack), cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_bad_inputs),    cmocka_unit_test(test_unexplained),
        cmocka_unit_test(test_maa_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
