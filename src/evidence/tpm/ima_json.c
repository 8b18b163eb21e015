/* JSON views of an IMA measurement list (ima.h): the summary for the CLI and the
 * MAA-style IMA_MEASUREMENT_EVENT records for policy 1.2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/tpm/evlog_int.h"
#include "evidence/tpm/ima.h"

static json_t *hexj(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    att__tpm_hex(p, n, s, 2 * n + 1);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* "alg:hex" of an entry's file digest. */
static json_t *digest_json(const att__ima_entry *e)
{
    size_t n = strlen(e->file_alg) + 1 + 2 * e->file_digest_len + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    int k = snprintf(s, n, "%s:", e->file_alg);
    att__tpm_hex(e->file_digest, e->file_digest_len, s + k, n - (size_t)k);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* A path as JSON: paths are bytes; invalid UTF-8 is replaced byte-wise by '?'. */
static json_t *path_json(const char *p)
{
    json_t *j = json_string(p ? p : "");
    if (j)
        return j;
    size_t n = strlen(p);
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        s[i] = ((unsigned char)p[i] < 0x80 && (unsigned char)p[i] >= 0x20) ? p[i] : '?';
    s[n] = '\0';
    j = json_string(s);
    free(s);
    return j;
}

json_t *att__ima_json(const att__ima_log *log, int with_entries)
{
    json_t *templates = json_array(), *modules = json_array(), *diags = json_array();
    json_t *pcr10 = json_object();
    const att__ima_entry *ba = att__ima_boot_aggregate(log);
    json_t *root = json_pack(
        "{s:s, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:o, s:o}", "format",
        log->format == ATT_IMA_ASCII ? "ascii" : "binary", "entries", (json_int_t)log->nentries,
        "templates", templates, "violations", (json_int_t)log->violations, "template_mismatches",
        (json_int_t)log->template_mismatches, "wrong_pcr", (json_int_t)log->wrong_pcr,
        "unverifiable", (json_int_t)log->unverifiable, "trailing_bytes",
        (json_int_t)log->trailing_bytes, "boot_aggregate", ba ? digest_json(ba) : json_null(),
        "pcr10", pcr10, "module_count", (json_int_t)att__ima_module_count(log), "modules", modules,
        "diagnostics", diags);
    if (!root)
        return NULL;
    int bad = 0;
    static const uint16_t banks[] = {ATT_TPM_ALG_SHA1, ATT_TPM_ALG_SHA256};
    for (size_t b = 0; b < 2; b++) {
        uint8_t v[ATT_TPM_MAX_DIGEST];
        if (att__ima_replay(log, banks[b], log->nentries, v) == ATT_OK)
            bad |= json_object_set_new(pcr10, att__tpm_alg_name(banks[b]),
                                       hexj(v, att__tpm_alg_size(banks[b])));
    }
    for (size_t i = 0; i < log->nentries && !bad; i++) {
        const att__ima_entry *e = &log->entries[i];
        int seen = 0;
        for (size_t k = 0; k < json_array_size(templates); k++)
            if (strcmp(json_string_value(json_array_get(templates, k)), e->template_name) == 0)
                seen = 1;
        if (!seen)
            bad |= json_array_append_new(templates, json_string(e->template_name));
        if (att__ima_is_module(e))
            bad |= json_array_append_new(
                modules, json_pack("{s:I, s:o, s:o}", "entry", (json_int_t)e->num, "path",
                                   path_json(e->path), "digest", digest_json(e)));
        char msg[512];
        msg[0] = '\0';
        if (e->violation)
            snprintf(msg, sizeof(msg), "entry %u (%.300s): violation (template hash all zero)",
                     e->num, e->path);
        else if (e->unverifiable)
            snprintf(msg, sizeof(msg),
                     "entry %u: template %.32s cannot be checked from the ASCII list (SHA-1 "
                     "bank only)",
                     e->num, e->template_name);
        else if (!e->template_hash_ok) {
            char th[41], h[41];
            uint8_t calc[20];
            att__tpm_hash(ATT_TPM_ALG_SHA1, e->tdata, e->tdata_len, calc);
            snprintf(msg, sizeof(msg),
                     "entry %u (%.300s): template hash %s does not match SHA-1 of its template "
                     "data %s",
                     e->num, e->path, att__tpm_hex(e->template_hash, 20, th, sizeof(th)),
                     att__tpm_hex(calc, 20, h, sizeof(h)));
        }
        if (msg[0])
            bad |= json_array_append_new(diags, path_json(msg));
        if (e->pcr != ATT_IMA_PCR) {
            snprintf(msg, sizeof(msg), "entry %u (%.300s): measured into PCR %u, not PCR 10",
                     e->num, e->path, e->pcr);
            bad |= json_array_append_new(diags, path_json(msg));
        }
    }
    if (!bad && with_entries) {
        json_t *list = json_array();
        bad |= json_object_set_new(root, "list", list);
        for (size_t i = 0; i < log->nentries && !bad; i++) {
            const att__ima_entry *e = &log->entries[i];
            bad |= json_array_append_new(
                list,
                json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:b, s:b}", "num", (json_int_t)e->num,
                          "pcr", (json_int_t)e->pcr, "template", e->template_name, "template_hash",
                          hexj(e->template_hash, 20), "file_digest", digest_json(e), "path",
                          path_json(e->path), "violation", e->violation, "template_hash_ok",
                          e->template_hash_ok));
        }
    }
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}

int att__ima_append_events_json(const att__ima_log *log, json_t *events)
{
    for (size_t i = 0; i < log->nentries; i++) {
        const att__ima_entry *e = &log->entries[i];
        json_t *ev =
            json_pack("{s:I, s:I, s:s, s:{s:s, s:o, s:o, s:b, s:b}}", "EventSeq",
                      (json_int_t)e->num, "PcrIndex", (json_int_t)e->pcr, "EventTypeString",
                      "IMA_MEASUREMENT_EVENT", "ProcessedData", "TemplateName", e->template_name,
                      "FileDigest", digest_json(e), "FilePath", path_json(e->path),
                      "TemplateHashValid", e->template_hash_ok, "Violation", e->violation);
        if (!ev || json_array_append_new(events, ev))
            return ATT_ENOMEM;
    }
    return ATT_OK;
}
