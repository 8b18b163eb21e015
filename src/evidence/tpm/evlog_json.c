/* JSON views of an event log (jansson): the MAA policy-1.2 "events" and "pcrs" claims
 * (reference/maa.md §3.7, tpm.md §4) and the boot facts for the CLI. ProcessedData comes
 * only from data the parser verified against the event's digests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/cursor.h"
#include "evidence/tpm/evlog_int.h"

static const char *maa_alg(uint16_t alg)
{
    switch (alg) {
    case ATT_TPM_ALG_SHA1:
        return "SHA1";
    case ATT_TPM_ALG_SHA256:
        return "SHA256";
    case ATT_TPM_ALG_SHA384:
        return "SHA384";
    case ATT_TPM_ALG_SHA512:
        return "SHA512";
    case ATT_TPM_ALG_SM3_256:
        return "SM3_256";
    }
    return "UNKNOWN";
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    att__tpm_hex(p, n, s, 2 * n + 1);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* Standard base64 without padding, as MAA prints VariableData ("AQ" for 0x01). */
static json_t *b64_json(const uint8_t *p, size_t n)
{
    char *s = att__b64_encode_alloc(p, n, ATT_B64_STD);
    if (!s)
        return NULL;
    size_t k = strlen(s);
    while (k && s[k - 1] == '=')
        s[--k] = '\0';
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* JSON string from bytes that may not be UTF-8: non-ASCII and control bytes become '?'. */
static json_t *ascii_json(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0 && i + 1 == n)
            break;
        s[o++] = (p[i] >= 0x20 && p[i] < 0x7F) ? (char)p[i] : '?';
    }
    s[o] = '\0';
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *utf16_json(const uint8_t *p, size_t n)
{
    char *s = att__utf16le_to_utf8(p, n);
    if (!s)
        return NULL;
    json_t *j = json_string(s); /* NULL if not valid UTF-8 (cannot happen: we encoded it) */
    free(s);
    return j;
}

/* ---- SIPA ---- */

static int sipa_is_text(uint32_t t)
{
    return t == 0x70001u || t == 0x70005u || t == 0x70008u || t == 0x50008u || t == 0x50009u ||
           t == 0x5000Bu || t == 0x90001u;
}

/* Adds value v under key k of obj; a key seen twice (or an aggregation) becomes an array. */
static int sipa_put(json_t *obj, const char *k, json_t *v, int force_array)
{
    if (!v)
        return -1;
    json_t *old = json_object_get(obj, k);
    if (!old) {
        if (force_array) {
            json_t *a = json_array();
            if (!a || json_array_append_new(a, v)) {
                json_decref(a);
                return -1;
            }
            return json_object_set_new(obj, k, a);
        }
        return json_object_set_new(obj, k, v);
    }
    if (json_is_array(old))
        return json_array_append_new(old, v);
    json_t *a = json_array();
    if (!a || json_array_append(a, old) || json_array_append_new(a, v)) {
        json_decref(a);
        return -1;
    }
    return json_object_set_new(obj, k, a);
}

static json_t *sipa_json(const uint8_t *p, size_t n, unsigned depth)
{
    if (depth > ATT_SIPA_MAX_DEPTH)
        return NULL;
    json_t *obj = json_object();
    att__cursor c;
    att__cur_init(&c, p, n);
    while (obj && att__cur_remaining(&c) > 0) {
        uint32_t type, size;
        const uint8_t *body;
        if (att__cur_u32le(&c, &type) || att__cur_u32le(&c, &size) ||
            att__cur_bytes(&c, size, &body)) {
            json_decref(obj);
            return NULL;
        }
        char kbuf[32];
        const char *k = att__sipa_maa_name(type);
        if (!k) {
            snprintf(kbuf, sizeof(kbuf), "EVENT_0x%08X", type);
            k = kbuf;
        }
        json_t *v;
        int agg = type == 0x40010003u || type == 0x40010002u;
        if (ATT_SIPA_CONTAINER(type))
            v = sipa_json(body, size, depth + 1);
        else if (type == 0x7000Au && size == 1)
            v = json_boolean(body[0] != 0);
        else if (sipa_is_text(type))
            v = utf16_json(body, size);
        else if (size >= 1 && size <= 8) {
            uint64_t x = 0;
            for (uint32_t i = size; i-- > 0;)
                x = (x << 8) | body[i];
            v = json_integer((json_int_t)x);
        } else
            v = hex_json(body, size);
        if (sipa_put(obj, k, v, agg) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

/* ---- events ---- */

static int trusted(const att__evlog_event *ev)
{
    return ev->data_check == ATT_EVDATA_VERIFIED || ev->data_check == ATT_EVDATA_VERIFIED_QUIRK;
}

static json_t *processed(const att__evlog_event *ev)
{
    if (!trusted(ev))
        return NULL;
    switch (ev->type) {
    case ATT_EV_EFI_VARIABLE_DRIVER_CONFIG:
    case ATT_EV_EFI_VARIABLE_BOOT:
    case ATT_EV_EFI_VARIABLE_BOOT2:
    case ATT_EV_EFI_VARIABLE_AUTHORITY: {
        att__efi_var v;
        if (att__efi_var_decode(ev->data, ev->data_len, 1, &v) != ATT_OK)
            return NULL;
        char g[37];
        att__efi_guid_str(v.guid, g);
        return json_pack("{s:s, s:o, s:o}", "VariableGuid", g, "UnicodeName",
                         utf16_json(v.name16, v.name_units * 2), "VariableData",
                         b64_json(v.value, v.value_len));
    }
    case ATT_EV_EFI_ACTION:
    case ATT_EV_ACTION:
    case ATT_EV_IPL:
        return json_pack("{s:o}", "String", ascii_json(ev->data, ev->data_len));
    case ATT_EV_SEPARATOR:
        return json_pack("{s:o}", "Separator", hex_json(ev->data, ev->data_len));
    case ATT_EV_S_CRTM_VERSION:
        return json_pack("{s:o}", "Version", utf16_json(ev->data, ev->data_len));
    case ATT_EV_EVENT_TAG:
        return sipa_json(ev->data, ev->data_len, 0);
    }
    return NULL;
}

json_t *att__evlog_events_json(const att__evlog *log)
{
    json_t *arr = json_array();
    json_t *root = json_pack("{s:o}", "Events", arr);
    if (!root)
        return NULL;
    for (size_t i = 0; i < log->nevents; i++) {
        const att__evlog_event *ev = &log->events[i];
        json_t *dg = json_object();
        json_t *e =
            json_pack("{s:I, s:I, s:I, s:s, s:I, s:o, s:b}", "EventSeq", (json_int_t)ev->num,
                      "PcrIndex", (json_int_t)ev->pcr, "EventType", (json_int_t)ev->type,
                      "EventTypeString", att__evlog_type_name(ev->type), "EventSize",
                      (json_int_t)ev->data_len, "Digests", dg, "DataVerified", trusted(ev));
        if (!e || json_array_append_new(arr, e)) {
            json_decref(root);
            return NULL;
        }
        for (uint32_t k = 0; k < ev->ndigests; k++)
            if (json_object_set_new(dg, maa_alg(ev->digests[k].alg),
                                    hex_json(ev->digests[k].digest, ev->digests[k].size))) {
                json_decref(root);
                return NULL;
            }
        json_t *pd = processed(ev);
        if (pd && json_object_set_new(e, "ProcessedData", pd)) {
            json_decref(root);
            return NULL;
        }
    }
    return root;
}

json_t *att__evlog_pcrs_json(const att__evlog *log, uint16_t alg)
{
    att__pcr_bank banks[ATT_EVLOG_MAX_BANKS];
    size_t nb = 0;
    uint32_t extended = 0;
    for (uint32_t i = 0; i < log->nbanks; i++) {
        if (alg && log->banks[i].alg != alg)
            continue;
        if (!att__evlog_has_bank(log, log->banks[i].alg) ||
            att__evlog_replay(log, log->banks[i].alg, &banks[nb], NULL) != ATT_OK)
            continue;
        extended |= banks[nb].extended;
        nb++;
    }
    json_t *arr = json_array();
    json_t *root = json_pack("{s:o}", "PCRs", arr);
    if (!root)
        return NULL;
    for (uint32_t pcr = 0; pcr < ATT_TPM_NUM_PCRS; pcr++) {
        if (!(extended & (1u << pcr)))
            continue;
        json_t *dg = json_object();
        json_t *e = json_pack("{s:I, s:o}", "Index", (json_int_t)pcr, "Digests", dg);
        if (!e || json_array_append_new(arr, e)) {
            json_decref(root);
            return NULL;
        }
        for (size_t b = 0; b < nb; b++)
            if (json_object_set_new(dg, maa_alg(banks[b].alg),
                                    hex_json(banks[b].pcr[pcr], banks[b].size))) {
                json_decref(root);
                return NULL;
            }
    }
    return root;
}

/* ---- facts ---- */

/* A JSON string of measured text, which need not be UTF-8: invalid input is kept with
 * every byte outside printable ASCII replaced by '?', so one hostile string cannot make
 * the whole view fail. NULL s gives null. */
static json_t *str_json(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    if (j)
        return j;
    return ascii_json((const uint8_t *)s, strlen(s));
}

static json_t *db_json(const att__sb_db *db)
{
    if (!db->present)
        return json_null();
    json_t *subj = json_array();
    for (size_t i = 0; subj && i < db->x509_count; i++)
        if (json_array_append_new(subj, str_json(db->subjects[i]))) {
            json_decref(subj);
            subj = NULL;
        }
    return json_pack("{s:I, s:I, s:I, s:o}", "x509", (json_int_t)db->x509_count, "sha256",
                     (json_int_t)db->sha256_count, "other", (json_int_t)db->other_count, "subjects",
                     subj);
}

static json_t *tri(int v)
{
    return v < 0 ? json_null() : json_boolean(v);
}

static json_t *int_or_null(int64_t v)
{
    return v < 0 ? json_null() : json_integer((json_int_t)v);
}

static json_t *sipa_facts_json(const att__sipa_flags *s)
{
    if (!s->present)
        return json_null();
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:I}",
        "boot_debugging", tri(s->boot_debugging), "os_kernel_debug", tri(s->os_kernel_debug),
        "test_signing", tri(s->test_signing), "flight_signing", tri(s->flight_signing),
        "hypervisor_debug", tri(s->hypervisor_debug), "code_integrity", tri(s->code_integrity),
        "dep", tri(s->dep), "safe_mode", tri(s->safe_mode), "winpe", tri(s->winpe),
        "hypervisor_launch_type", int_or_null(s->hypervisor_launch_type), "vsm_launch_type",
        int_or_null(s->vsm_launch_type), "vbs_vsm_required", int_or_null(s->vbs_vsm_required),
        "vbs_secureboot_required", int_or_null(s->vbs_secureboot_required), "hvci_policy",
        int_or_null(s->hvci_policy), "elam", s->elam_present, "boot_counter",
        int_or_null(s->boot_counter), "loaded_modules", (json_int_t)s->modules);
}

json_t *att__evlog_facts_json(const att__evlog_facts *f)
{
    json_t *auth = json_array(), *acts = json_array(), *apps = json_array();
    json_t *notes = json_array(), *files = json_array(), *seps = json_array();
    json_t *root = json_pack(
        "{s:o, s:b, s:I, s:b, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
        "s:I, s:o, s:o, s:o}",
        "secure_boot", tri(f->secure_boot), "secure_boot_var_present", f->secure_boot_var_present,
        "secure_boot_var_len", (json_int_t)f->secure_boot_var_len, "pcr7_valid", f->pcr7_valid,
        "uefi_debug_mode", f->uefi_debug_mode, "dma_protection_disabled",
        f->dma_protection_disabled, "pk", db_json(&f->pk), "kek", db_json(&f->kek), "db",
        db_json(&f->db), "dbx", db_json(&f->dbx), "authorities", auth, "separators", seps,
        "efi_actions", acts, "boot_applications", apps, "s_crtm_version",
        str_json(f->scrtm_version), "kernel_cmdline", str_json(f->kernel_cmdline), "pcr9_files",
        files, "grub_commands", (json_int_t)f->ngrub_commands, "exit_boot_services",
        json_boolean(f->exit_boot_services), "sipa", sipa_facts_json(&f->sipa), "notes", notes);
    if (!root)
        return NULL;
    int bad = 0;
    for (size_t i = 0; i < f->nauthorities; i++) {
        const att__sb_authority *a = &f->authorities[i];
        bad |= json_array_append_new(
            auth, json_pack("{s:I, s:s, s:b, s:I, s:o}", "event", (json_int_t)a->event, "name",
                            a->name, "after_separator", a->after_separator, "len",
                            (json_int_t)a->data_len, "subject", str_json(a->subject)));
    }
    for (uint32_t pcr = 0; pcr < ATT_TPM_NUM_PCRS; pcr++)
        if (f->separators & (1u << pcr))
            bad |= json_array_append_new(seps, json_integer(pcr));
    for (size_t i = 0; i < f->nactions; i++)
        bad |= json_array_append_new(
            acts, json_pack("{s:I, s:I, s:s}", "event", (json_int_t)f->actions[i].event, "pcr",
                            (json_int_t)f->actions[i].pcr, "text", f->actions[i].text));
    for (size_t i = 0; i < f->napps; i++) {
        const att__evlog_app *a = &f->apps[i];
        json_t *dg = json_object();
        for (uint32_t k = 0; dg && k < a->ndigests; k++)
            bad |= json_object_set_new(dg,
                                       att__tpm_alg_name(a->digests[k].alg)
                                           ? att__tpm_alg_name(a->digests[k].alg)
                                           : "unknown",
                                       hex_json(a->digests[k].digest, a->digests[k].size));
        bad |=
            json_array_append_new(apps, json_pack("{s:I, s:I, s:o}", "event", (json_int_t)a->event,
                                                  "pcr", (json_int_t)a->pcr, "digests", dg));
    }
    for (size_t i = 0; i < f->npcr9_files; i++)
        bad |= json_array_append_new(files, str_json(f->pcr9_files[i]));
    for (size_t i = 0; i < f->nnotes; i++)
        bad |= json_array_append_new(notes, str_json(f->notes[i].message));
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}

/* ---- AzureGuest-style claims ---- */

/* A weakening SIPA flag: on when set, and on (unsafe) when a Windows log lacks it. */
static int weak(int v, int windows)
{
    return windows ? v != 0 : 0; /* -1 (absent) counts as set on Windows */
}

json_t *att__evlog_azurevm_claims(const att__evlog_facts *f)
{
    const att__sipa_flags *s = &f->sipa;
    int win = s->present;
    int bootdebug = weak(s->boot_debugging, win);
    int kerneldebug = weak(s->os_kernel_debug, win);
    int hvdebug = weak(s->hypervisor_debug, win);
    /* code integrity must be positively on; Linux has none to report (MAA: true) */
    int signing_disabled = win ? s->code_integrity != 1 : 1;
    return json_pack(
        "{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:I, s:b, s:b, s:b}", "secureboot",
        f->secure_boot == 1 && f->pcr7_valid, "x-ms-azurevm-bootdebug-enabled", bootdebug,
        "x-ms-azurevm-kerneldebug-enabled", kerneldebug, "x-ms-azurevm-testsigning-enabled",
        weak(s->test_signing, win), "x-ms-azurevm-flightsigning-enabled",
        weak(s->flight_signing, win), "x-ms-azurevm-hypervisordebug-enabled", hvdebug,
        "x-ms-azurevm-elam-enabled", win && s->elam_present, "x-ms-azurevm-hvci-policy",
        (json_int_t)(s->hvci_policy < 0 ? 0 : s->hvci_policy), "x-ms-azurevm-signingdisabled",
        signing_disabled, "x-ms-azurevm-debuggersdisabled",
        !bootdebug && !kerneldebug && !hvdebug && !f->uefi_debug_mode, "x-ms-azurevm-is-windows",
        win);
}
