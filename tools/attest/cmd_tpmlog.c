/* `attest eventlog show` and `attest ima show`: parse a TCG PC Client event log or a Linux
 * IMA measurement list offline, replay it, and print what the service would trust - the
 * replayed PCRs, Secure Boot state, boot facts and diagnostics - as text or JSON. Parsing
 * and checks are src/evidence/tpm, the code the service runs. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "cli.h"
#include "core/limits.h"
#include "evidence/tpm/eventlog.h"
#include "evidence/tpm/ima.h"

/* Reads FILE ('-' for stdin) into out (caller frees). Returns an exit code. */
static int read_input(const char *path, const char *what, size_t max, att__buf *out)
{
    if (strcmp(path, "-") == 0)
        return att_cli_read_arg("-", what, max, out);
    size_t n = strlen(path) + 2;
    char *arg = malloc(n);
    if (!arg) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    snprintf(arg, n, "@%s", path);
    int rc = att_cli_read_arg(arg, what, max, out);
    free(arg);
    return rc;
}

static int print_json(json_t *j)
{
    if (!j) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!s) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    printf("%s\n", s);
    free(s);
    return ATT_EXIT_OK;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* {"sha1":{"0":hex,...},...}: every bank the log carries, the PCRs it extends. */
static json_t *pcrs_json(const att__evlog *log)
{
    json_t *o = json_object();
    for (uint32_t b = 0; o && b < log->nbanks; b++) {
        const char *name = att__tpm_alg_name(log->banks[b].alg);
        att__pcr_bank bank;
        if (!name || !att__evlog_has_bank(log, log->banks[b].alg) ||
            att__evlog_replay(log, log->banks[b].alg, &bank, NULL) != ATT_OK)
            continue;
        json_t *m = json_object();
        for (uint32_t i = 0; m && i < ATT_TPM_NUM_PCRS; i++) {
            if (!(bank.extended & (1u << i)))
                continue;
            char k[4], v[2 * ATT_TPM_MAX_DIGEST + 1];
            snprintf(k, sizeof(k), "%u", i);
            hex(bank.pcr[i], bank.size, v);
            json_object_set_new(m, k, json_string(v));
        }
        json_object_set_new(o, name, m);
    }
    return o;
}

static int has_errors(const att__evlog_facts *f)
{
    for (size_t i = 0; i < f->nnotes; i++)
        if (f->notes[i].error)
            return 1;
    return 0;
}

static void print_db(const char *name, const att__sb_db *db)
{
    if (!db->present) {
        printf("  %-4s not measured\n", name);
        return;
    }
    printf("  %-4s %zu certificate(s), %zu SHA-256 hash(es)%s\n", name, db->x509_count,
           db->sha256_count, db->other_count ? ", other entries" : "");
    for (size_t i = 0; i < db->x509_count; i++) {
        char s[200];
        printf("         %s\n",
               att_cli_sanitize(db->subjects[i], strlen(db->subjects[i]), s, sizeof(s)));
    }
}

static void print_human(const att__evlog *log, const att__evlog_facts *f, int pcrs)
{
    printf("format:       %s\n", log->format == ATT_EVLOG_AGILE ? "crypto-agile" : "sha1");
    printf("events:       %zu\n", log->nevents);
    printf("banks:       ");
    for (uint32_t b = 0; b < log->nbanks; b++) {
        const char *n = att__tpm_alg_name(log->banks[b].alg);
        printf(" %s", n ? n : "unknown");
    }
    printf("\n");
    if (log->has_locality)
        printf("locality:     PCR0 starts at locality %u\n", log->startup_locality);
    if (log->hcrtm_event)
        printf("h-crtm:       event %u (PCR0 starts at 00..04)\n", log->hcrtm_event);
    if (f->scrtm_version) {
        char s[200];
        printf("s-crtm:       %s\n",
               att_cli_sanitize(f->scrtm_version, strlen(f->scrtm_version), s, sizeof(s)));
    }
    printf("secure boot:  %s\n",
           f->secure_boot < 0 ? "unknown" : (f->secure_boot ? "enabled" : "disabled"));
    print_db("PK", &f->pk);
    print_db("KEK", &f->kek);
    print_db("db", &f->db);
    print_db("dbx", &f->dbx);
    for (size_t i = 0; i < f->nauthorities; i++) {
        char n[80], s[200];
        const att__sb_authority *a = &f->authorities[i];
        printf("authority:    event %u %s%s %s\n", a->event,
               att_cli_sanitize(a->name, strlen(a->name), n, sizeof(n)),
               a->after_separator ? " (OS loader)" : " (firmware)",
               a->subject ? att_cli_sanitize(a->subject, strlen(a->subject), s, sizeof(s)) : "");
    }
    for (size_t i = 0; i < f->nactions; i++)
        printf("action:       PCR %u: %s\n", f->actions[i].pcr, f->actions[i].text);
    for (size_t i = 0; i < f->napps; i++) {
        const att__evlog_app *a = &f->apps[i];
        char v[2 * ATT_TPM_MAX_DIGEST + 1] = "";
        const char *alg = "";
        if (a->ndigests) {
            hex(a->digests[a->ndigests - 1].digest, a->digests[a->ndigests - 1].size, v);
            alg = att__tpm_alg_name(a->digests[a->ndigests - 1].alg);
        }
        printf("application:  event %u PCR %u %s:%s\n", a->event, a->pcr, alg ? alg : "?", v);
    }
    if (f->kernel_cmdline) {
        char s[400];
        printf("cmdline:      %s\n",
               att_cli_sanitize(f->kernel_cmdline, strlen(f->kernel_cmdline), s, sizeof(s)));
    }
    if (f->sipa.present)
        printf("windows:      boot debugging %d, kernel debug %d, test signing %d, code "
               "integrity %d, safe mode %d, WinPE %d, hypervisor %d, VSM %d, HVCI policy %lld\n",
               f->sipa.boot_debugging, f->sipa.os_kernel_debug, f->sipa.test_signing,
               f->sipa.code_integrity, f->sipa.safe_mode, f->sipa.winpe,
               f->sipa.hypervisor_launch_type, f->sipa.vsm_launch_type,
               (long long)f->sipa.hvci_policy);
    if (pcrs) {
        for (uint32_t b = 0; b < log->nbanks; b++) {
            att__pcr_bank bank;
            const char *n = att__tpm_alg_name(log->banks[b].alg);
            if (!n || att__evlog_replay(log, log->banks[b].alg, &bank, NULL) != ATT_OK)
                continue;
            for (uint32_t i = 0; i < ATT_TPM_NUM_PCRS; i++) {
                if (!(bank.extended & (1u << i)))
                    continue;
                char v[2 * ATT_TPM_MAX_DIGEST + 1];
                hex(bank.pcr[i], bank.size, v);
                printf("pcr %-7s %2u %s\n", n, i, v);
            }
        }
    }
    for (size_t i = 0; i < f->nnotes; i++) {
        char s[800];
        printf("%s %s\n", f->notes[i].error ? "ERROR:  " : "note:   ",
               att_cli_sanitize(f->notes[i].message, strlen(f->notes[i].message), s, sizeof(s)));
    }
}

int att_cli_eventlog_show(const att_cli_ctx *ctx, int argc, char **argv)
{
    int json = 0, pcrs = 0, maa = 0;
    const att_cli_opt opts[] = {{"json", 0, ATT_OPT_FLAG, &json, NULL},
                                {"pcrs", 0, ATT_OPT_FLAG, &pcrs, NULL},
                                {"maa", 0, ATT_OPT_FLAG, &maa, NULL},
                                {NULL, 0, 0, NULL, NULL}};
    const char *pos[1];
    int npos = 0;
    int rc = att_cli_parse(ctx, argc, argv, opts, pos, 1, 1, &npos);
    if (rc >= 0)
        return rc;
    att__buf in;
    if ((rc = read_input(pos[0], "event log", ATT_MAX_EVENTLOG_BYTES, &in)) != ATT_EXIT_OK)
        return rc;
    att_diag d;
    att_diag_clear(&d);
    att__evlog *log = NULL;
    att__evlog_facts *f = NULL;
    int err = att__evlog_parse(in.data, in.len, &log, &d);
    att__buf_free(&in);
    if (err != ATT_OK) {
        att_cli_error("%s: %s", pos[0], d.message[0] ? d.message : att_strerror(err));
        return ATT_EXIT_USAGE;
    }
    if ((err = att__evlog_facts_get(log, &f)) != ATT_OK) {
        att_cli_error("%s: %s", pos[0], att_strerror(err));
        att__evlog_free(log);
        return ATT_EXIT_IO;
    }
    int exit_code = has_errors(f) ? ATT_EXIT_CHECK : ATT_EXIT_OK;
    if (maa) {
        json_t *o = json_pack("{s:o, s:o}", "events", att__evlog_events_json(log), "pcrs",
                              att__evlog_pcrs_json(log, 0));
        rc = print_json(o);
    } else if (json) {
        json_t *diags = json_array();
        for (size_t i = 0; diags && i < f->nnotes; i++)
            json_array_append_new(diags, json_string(f->notes[i].message));
        json_t *o = json_pack("{s:s, s:I, s:o, s:o, s:o}", "format",
                              log->format == ATT_EVLOG_AGILE ? "crypto-agile" : "sha1", "events",
                              (json_int_t)log->nevents, "pcrs", pcrs_json(log), "secure_boot",
                              f->secure_boot < 0 ? json_null() : json_boolean(f->secure_boot),
                              "diagnostics", diags);
        rc = print_json(o);
    } else {
        print_human(log, f, pcrs);
        rc = ATT_EXIT_OK;
    }
    att__evlog_facts_free(f);
    att__evlog_free(log);
    return rc != ATT_EXIT_OK ? rc : exit_code;
}

int att_cli_ima_show(const att_cli_ctx *ctx, int argc, char **argv)
{
    int json = 0, entries = 0;
    const att_cli_opt opts[] = {{"json", 0, ATT_OPT_FLAG, &json, NULL},
                                {"entries", 0, ATT_OPT_FLAG, &entries, NULL},
                                {NULL, 0, 0, NULL, NULL}};
    const char *pos[1];
    int npos = 0;
    int rc = att_cli_parse(ctx, argc, argv, opts, pos, 1, 1, &npos);
    if (rc >= 0)
        return rc;
    att__buf in;
    if ((rc = read_input(pos[0], "IMA list", ATT_MAX_IMA_LOG_BYTES, &in)) != ATT_EXIT_OK)
        return rc;
    att_diag d;
    att_diag_clear(&d);
    att__ima_log *log = NULL;
    int err = att__ima_parse(in.data, in.len, &log, &d);
    att__buf_free(&in);
    if (err != ATT_OK) {
        att_cli_error("%s: %s", pos[0], d.message[0] ? d.message : att_strerror(err));
        return ATT_EXIT_USAGE;
    }
    int exit_code = (log->violations || log->template_mismatches || log->wrong_pcr) ? ATT_EXIT_CHECK
                                                                                    : ATT_EXIT_OK;
    json_t *j = att__ima_json(log, entries);
    if (json) {
        rc = print_json(j);
    } else if (!j) {
        att_cli_error("out of memory");
        rc = ATT_EXIT_IO;
    } else {
        printf("format:        %s\n", json_string_value(json_object_get(j, "format")));
        printf("entries:       %zu\n", log->nentries);
        printf("templates:    ");
        json_t *t;
        size_t i;
        json_array_foreach(json_object_get(j, "templates"), i, t)
            printf(" %s", json_string_value(t));
        printf("\nviolations:    %zu\n", log->violations);
        printf("bad hashes:    %zu\n", log->template_mismatches);
        json_t *ba = json_object_get(j, "boot_aggregate");
        printf("boot_aggregate %s\n", json_is_string(ba) ? json_string_value(ba) : "(none)");
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(j, "pcr10"), k, v)
            printf("pcr10 %-8s %s\n", k, json_string_value(v));
        printf("modules:       %zu\n", att__ima_module_count(log));
        json_array_foreach(json_object_get(j, "modules"), i, t)
        {
            char s[400];
            const char *p = json_string_value(json_object_get(t, "path"));
            printf("  %s %s\n", json_string_value(json_object_get(t, "digest")),
                   att_cli_sanitize(p, strlen(p), s, sizeof(s)));
        }
        json_array_foreach(json_object_get(j, "diagnostics"), i, t)
        {
            char s[600];
            const char *m = json_string_value(t);
            printf("ERROR:   %s\n", att_cli_sanitize(m, strlen(m), s, sizeof(s)));
        }
        json_decref(j);
        rc = ATT_EXIT_OK;
    }
    att__ima_free(log);
    return rc != ATT_EXIT_OK ? rc : exit_code;
}

/* Reads {bank:{"<pcr>":hex}} (the shape of the quote vectors' pcrs.json). */
static int load_pcrs(const char *path, json_t **out)
{
    att__buf in;
    int rc = read_input(path, "PCR values", 1024u * 1024u, &in);
    if (rc != ATT_EXIT_OK)
        return rc;
    json_error_t e;
    *out = json_loadb((const char *)in.data, in.len, 0, &e);
    att__buf_free(&in);
    if (!*out || !json_is_object(*out)) {
        att_cli_error("%s: not a JSON object of banks (line %d: %s)", path, e.line, e.text);
        json_decref(*out);
        return ATT_EXIT_USAGE;
    }
    return ATT_EXIT_OK;
}

/* Verifies one bank; adds its result to banks_out. Returns 1 verified, 0 not, -1 on a
 * usage error (printed). */
static int verify_bank(const att__evlog *log, const char *bank, json_t *vals, json_t *banks_out)
{
    uint16_t alg = att__tpm_alg_from_name(bank);
    size_t size = att__tpm_alg_size(alg);
    if (!size || !json_is_object(vals)) {
        att_cli_error("unknown PCR bank '%s'", bank);
        return -1;
    }
    json_t *r = json_object();
    json_object_set_new(banks_out, bank, r);
    att__pcr_bank b;
    att_diag d;
    att_diag_clear(&d);
    if (att__evlog_replay(log, alg, &b, &d) != ATT_OK) {
        json_object_set_new(r, "verified", json_false());
        json_object_set_new(r, "error", json_string(d.message));
        return 0;
    }
    /* the PCRs the log explains: those it extends, and listed ones still at reset */
    uint8_t values[ATT_TPM_NUM_PCRS * ATT_TPM_MAX_DIGEST];
    uint32_t mask = 0;
    json_t *unexplained = json_array();
    for (uint32_t i = 0; i < ATT_TPM_NUM_PCRS; i++) {
        char k[4];
        snprintf(k, sizeof(k), "%u", i);
        const char *hexv = json_string_value(json_object_get(vals, k));
        if (!hexv)
            continue;
        uint8_t v[ATT_TPM_MAX_DIGEST], reset[ATT_TPM_MAX_DIGEST];
        size_t n = strlen(hexv);
        if (n != 2 * size) {
            att_cli_error("%s PCR %u: %zu hex digits, expected %zu", bank, i, n, 2 * size);
            json_decref(unexplained);
            return -1;
        }
        for (size_t j = 0; j < size; j++) {
            unsigned x;
            if (sscanf(hexv + 2 * j, "%2x", &x) != 1) {
                att_cli_error("%s PCR %u: not hex", bank, i);
                json_decref(unexplained);
                return -1;
            }
            v[j] = (uint8_t)x;
        }
        memset(reset, (i >= 17 && i <= 22) ? 0xFF : 0, size);
        if ((b.extended & (1u << i)) || memcmp(v, reset, size) == 0) {
            memcpy(values + __builtin_popcount(mask) * size, v, size);
            mask |= 1u << i;
        } else {
            json_array_append_new(unexplained, json_integer(i));
        }
    }
    att__pcr_verify_result res;
    att_diag_clear(&d);
    int rc = att__evlog_verify_pcrs(log, alg, mask, values, (size_t)__builtin_popcount(mask) * size,
                                    &res, &d);
    json_t *pcrs = json_object();
    for (uint32_t c = 0; c < res.ncheck; c++) {
        const att__pcr_check *pc = &res.check[c];
        char k[4], q[2 * ATT_TPM_MAX_DIGEST + 1], rp[2 * ATT_TPM_MAX_DIGEST + 1];
        snprintf(k, sizeof(k), "%u", pc->pcr);
        hex(pc->quoted, size, q);
        hex(pc->replayed, size, rp);
        json_t *sus = json_array();
        for (uint32_t s = 0; s < pc->nsuspects; s++)
            json_array_append_new(sus, json_integer(pc->suspects[s]));
        json_object_set_new(pcrs, k,
                            json_pack("{s:b, s:s, s:s, s:I, s:o, s:b}", "match", pc->match,
                                      "quoted", q, "replayed", rp, "events",
                                      (json_int_t)pc->nevents, "suspects", sus, "workaround",
                                      pc->workaround));
    }
    json_object_set_new(r, "verified", json_boolean(rc == ATT_OK));
    json_object_set_new(r, "pcrs", pcrs);
    json_object_set_new(r, "unexplained", unexplained);
    if (rc != ATT_OK)
        json_object_set_new(r, "error", json_string(d.message));
    return rc == ATT_OK;
}

int att_cli_eventlog_verify(const att_cli_ctx *ctx, int argc, char **argv)
{
    int json = 0;
    const char *pcrs_file = NULL, *bank = NULL;
    const att_cli_opt opts[] = {{"json", 0, ATT_OPT_FLAG, &json, NULL},
                                {"pcrs", 0, ATT_OPT_VALUE, NULL, &pcrs_file},
                                {"bank", 0, ATT_OPT_VALUE, NULL, &bank},
                                {NULL, 0, 0, NULL, NULL}};
    const char *pos[1];
    int npos = 0;
    int rc = att_cli_parse(ctx, argc, argv, opts, pos, 1, 1, &npos);
    if (rc >= 0)
        return rc;
    if (!pcrs_file)
        return att_cli_usage_error(ctx, "--pcrs FILE is required");
    json_t *quoted = NULL;
    if ((rc = load_pcrs(pcrs_file, &quoted)) != ATT_EXIT_OK)
        return rc;
    att__buf in;
    if ((rc = read_input(pos[0], "event log", ATT_MAX_EVENTLOG_BYTES, &in)) != ATT_EXIT_OK) {
        json_decref(quoted);
        return rc;
    }
    att_diag d;
    att_diag_clear(&d);
    att__evlog *log = NULL;
    int err = att__evlog_parse(in.data, in.len, &log, &d);
    att__buf_free(&in);
    if (err != ATT_OK) {
        att_cli_error("%s: %s", pos[0], d.message);
        json_decref(quoted);
        return ATT_EXIT_USAGE;
    }
    json_t *banks = json_object();
    int all = 1, any = 0;
    const char *k;
    json_t *v;
    json_object_foreach(quoted, k, v)
    {
        if (bank && strcmp(bank, k) != 0)
            continue;
        int ok = verify_bank(log, k, v, banks);
        if (ok < 0) {
            json_decref(banks);
            json_decref(quoted);
            att__evlog_free(log);
            return ATT_EXIT_USAGE;
        }
        all &= ok;
        any = 1;
    }
    json_decref(quoted);
    att__evlog_free(log);
    if (!any) {
        json_decref(banks);
        att_cli_error("no PCR bank%s%s in %s", bank ? " " : "", bank ? bank : "", pcrs_file);
        return ATT_EXIT_USAGE;
    }
    if (json) {
        rc = print_json(json_pack("{s:b, s:o}", "verified", all, "banks", banks));
    } else {
        json_object_foreach(banks, k, v)
        {
            printf("%-8s %s\n", k,
                   json_is_true(json_object_get(v, "verified")) ? "verified" : "NOT verified");
            const char *idx;
            json_t *p;
            json_object_foreach(json_object_get(v, "pcrs"), idx,
                                p) if (!json_is_true(json_object_get(p, "match")))
                printf("  PCR %s: quoted %s, replayed %s\n", idx,
                       json_string_value(json_object_get(p, "quoted")),
                       json_string_value(json_object_get(p, "replayed")));
            json_t *e = json_object_get(v, "error");
            if (json_is_string(e)) {
                char s[600];
                const char *m = json_string_value(e);
                printf("  %s\n", att_cli_sanitize(m, strlen(m), s, sizeof(s)));
            }
            size_t i;
            json_t *u;
            json_array_foreach(json_object_get(v, "unexplained"), i, u)
                printf("  PCR %lld: quoted value not explained by this log (not checked)\n",
                       (long long)json_integer_value(u));
        }
        json_decref(banks);
        rc = ATT_EXIT_OK;
    }
    return rc != ATT_EXIT_OK ? rc : (all ? ATT_EXIT_OK : ATT_EXIT_CHECK);
}
