/* Boot facts from a parsed event log (reference/tpm.md §2.4-2.7): Secure Boot state and
 * databases from PCR7, authorities, separators, EFI actions, boot applications, S-CRTM
 * version, the GRUB kernel command line and PCR9 files, and notes for everything suspect.
 * Data is used only when the parser verified it against the event's digests. The Windows
 * SIPA part is in evlog_sipa.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "crypto/crypto.h"
#include "evidence/tpm/evlog_int.h"

/* ---- notes ---- */

static const char *disp_alg(uint16_t alg)
{
    switch (alg) {
    case ATT_TPM_ALG_SHA1:
        return "SHA-1";
    case ATT_TPM_ALG_SHA256:
        return "SHA-256";
    case ATT_TPM_ALG_SHA384:
        return "SHA-384";
    case ATT_TPM_ALG_SHA512:
        return "SHA-512";
    case ATT_TPM_ALG_SM3_256:
        return "SM3-256";
    }
    return "unknown hash";
}

int att__facts_note(att__evlog_facts *f, uint32_t event, int error, const char *code,
                    const char *fmt, ...)
{
    if (f->nnotes >= ATT_EVLOG_MAX_NOTES)
        return ATT_OK; /* the first notes are the ones that matter */
    att__evlog_note *n = realloc(f->notes, (f->nnotes + 1) * sizeof(*n));
    if (!n)
        return ATT_ENOMEM;
    f->notes = n;
    n = &f->notes[f->nnotes];
    memset(n, 0, sizeof(*n));
    n->event = event;
    n->error = error;
    snprintf(n->code, sizeof(n->code), "%s", code);
    char buf[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    n->message = strdup(buf);
    if (!n->message)
        return ATT_ENOMEM;
    f->nnotes++;
    return ATT_OK;
}

/* "event 17 (EV_EFI_VARIABLE_DRIVER_CONFIG, PCR 7): SHA-256 digest 1f.. does not match
 * SHA-256 of its data 9a.." */
static int note_mismatch(att__evlog_facts *f, const att__evlog_event *ev)
{
    const att__evlog_digest *dg = att__evlog_event_digest(ev, ev->mismatch_alg);
    if (!dg)
        return ATT_OK;
    uint8_t h[ATT_TPM_MAX_DIGEST];
    char hd[2 * ATT_TPM_MAX_DIGEST + 1], hh[2 * ATT_TPM_MAX_DIGEST + 1];
    const uint8_t *p = ev->data;
    size_t n = ev->data_len;
    if (ev->type == ATT_EV_IPL) { /* GRUB: the digest covers the text after the prefix */
        size_t k = att__evlog_grub_prefix(p, n);
        p += k;
        n -= k;
        if (n && p[n - 1] == 0)
            n--;
    }
    if (att__tpm_hash(dg->alg, p, n, h) != ATT_OK)
        return ATT_OK;
    att__tpm_hex(dg->digest, dg->size, hd, sizeof(hd));
    att__tpm_hex(h, dg->size, hh, sizeof(hh));
    return att__facts_note(f, ev->num, 1, "digest_mismatch",
                           "event %u (%s, PCR %u): %s digest %s does not match %s of its data %s",
                           ev->num, att__evlog_type_name(ev->type), ev->pcr, disp_alg(dg->alg), hd,
                           disp_alg(dg->alg), hh);
}

static int trusted(const att__evlog_event *ev)
{
    return ev->data_check == ATT_EVDATA_VERIFIED || ev->data_check == ATT_EVDATA_VERIFIED_QUIRK;
}

/* ---- Secure Boot databases ---- */

/* Length of the DER TLV at p (definite lengths only), 0 when it does not fit in n. */
static size_t der_tlv_len(const uint8_t *p, size_t n)
{
    if (n < 2 || p[0] != 0x30)
        return 0;
    size_t len, hdr;
    if (p[1] < 0x80) {
        len = p[1];
        hdr = 2;
    } else {
        size_t k = p[1] & 0x7F;
        if (k == 0 || k > 3 || n < 2 + k)
            return 0;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = (len << 8) | p[2 + i];
        hdr = 2 + k;
    }
    if (len > n - hdr)
        return 0;
    return hdr + len;
}

/* Subject of the certificate at p (exactly one DER TLV at the start), malloc'd; NULL
 * when it does not parse. */
static char *cert_subject(const uint8_t *p, size_t n)
{
    size_t len = der_tlv_len(p, n);
    if (!len)
        return NULL;
    att__cert *c = NULL;
    char *s = NULL;
    if (att__cert_from_der(p, len, &c) == ATT_OK)
        att__cert_subject(c, &s);
    att__cert_free(c);
    return s;
}

static int db_add_cert(att__sb_db *db, const uint8_t *der, size_t n)
{
    char *s = cert_subject(der, n);
    char **v = realloc(db->subjects, (db->x509_count + 1) * sizeof(*v));
    if (v)
        db->subjects = v;
    uint8_t(*t)[32] = v ? realloc(db->x509_sha256, (db->x509_count + 1) * sizeof(*t)) : NULL;
    if (!v || !t) {
        free(s);
        return ATT_ENOMEM;
    }
    db->x509_sha256 = t;
    db->subjects[db->x509_count] = s ? s : strdup("(unparsable)");
    if (!db->subjects[db->x509_count])
        return ATT_ENOMEM;
    size_t len = der_tlv_len(der, n);
    memset(db->x509_sha256[db->x509_count], 0, 32);
    if (len)
        att__tpm_hash(ATT_TPM_ALG_SHA256, der, len, db->x509_sha256[db->x509_count]);
    db->x509_count++;
    return ATT_OK;
}

/* Walks EFI_SIGNATURE_LISTs (tpm.md §2.4). ATT_EINVAL on a malformed list. */
static int parse_sig_lists(const uint8_t *p, size_t n, att__sb_db *db)
{
    att__cursor c;
    att__cur_init(&c, p, n);
    db->present = 1;
    while (att__cur_remaining(&c) > 0) {
        const uint8_t *type;
        uint32_t list_size, hdr_size, sig_size;
        if (att__cur_bytes(&c, 16, &type) || att__cur_u32le(&c, &list_size) ||
            att__cur_u32le(&c, &hdr_size) || att__cur_u32le(&c, &sig_size))
            return ATT_EINVAL;
        if (list_size < 28 || hdr_size > list_size - 28 || sig_size < 16 ||
            (list_size - 28 - hdr_size) % sig_size != 0)
            return ATT_EINVAL;
        att__cursor body;
        if (att__cur_skip(&c, 0) || att__cur_sub(&c, list_size - 28, &body) ||
            att__cur_skip(&body, hdr_size))
            return ATT_EINVAL;
        size_t count = (list_size - 28 - hdr_size) / sig_size;
        for (size_t i = 0; i < count; i++) {
            const uint8_t *sig;
            if (att__cur_bytes(&body, sig_size, &sig))
                return ATT_EINVAL;
            const uint8_t *sd = sig + 16;
            size_t sn = sig_size - 16;
            if (memcmp(type, att__guid_cert_x509, 16) == 0) {
                if (db_add_cert(db, sd, sn) != ATT_OK)
                    return ATT_ENOMEM;
            } else if (memcmp(type, att__guid_cert_sha256, 16) == 0 && sn == 32) {
                uint8_t(*h)[32] = realloc(db->sha256, (db->sha256_count + 1) * sizeof(*h));
                if (!h)
                    return ATT_ENOMEM;
                db->sha256 = h;
                memcpy(db->sha256[db->sha256_count++], sd, 32);
            } else {
                db->other_count++;
            }
        }
    }
    return ATT_OK;
}

static void db_free(att__sb_db *db)
{
    for (size_t i = 0; i < db->x509_count; i++)
        free(db->subjects[i]);
    free(db->subjects);
    free(db->sha256);
    free(db->x509_sha256);
    memset(db, 0, sizeof(*db));
}

int att__sb_db_has_cert(const att__sb_db *db, const uint8_t *der, size_t n)
{
    uint8_t h[32];
    if (!db->present || att__tpm_hash(ATT_TPM_ALG_SHA256, der, n, h) != ATT_OK)
        return 0;
    for (size_t i = 0; i < db->x509_count; i++)
        if (memcmp(db->x509_sha256[i], h, 32) == 0)
            return 1;
    return 0;
}

int att__sb_dbx_missing(const att__sb_db *dbx, const uint8_t *update, size_t n, size_t *missing)
{
    *missing = 0;
    att__sb_db u;
    memset(&u, 0, sizeof(u));
    int rc = parse_sig_lists(update, n, &u);
    if (rc == ATT_EINVAL) {
        /* EFI_VARIABLE_AUTHENTICATION_2: EFI_TIME (16), WIN_CERTIFICATE_UEFI_GUID whose
         * dwLength covers its own header, then the signature lists. */
        att__cursor c;
        uint32_t cert_len;
        db_free(&u);
        att__cur_init(&c, update, n);
        if (att__cur_skip(&c, 16) || att__cur_u32le(&c, &cert_len) || cert_len < 24 ||
            att__cur_skip(&c, cert_len - 4))
            return ATT_EINVAL;
        rc = parse_sig_lists(update + c.off, att__cur_remaining(&c), &u);
    }
    if (rc != ATT_OK) {
        db_free(&u);
        return rc;
    }
    for (size_t i = 0; i < u.sha256_count; i++) {
        int found = 0;
        for (size_t k = 0; dbx->present && k < dbx->sha256_count && !found; k++)
            found = memcmp(u.sha256[i], dbx->sha256[k], 32) == 0;
        *missing += !found;
    }
    db_free(&u);
    return ATT_OK;
}

/* ---- PCR7 ---- */

static int pcr7_invalid(att__evlog_facts *f, const att__evlog_event *ev, const char *code,
                        const char *what)
{
    f->pcr7_valid = 0;
    return att__facts_note(f, ev->num, 1, code, "event %u (%s, PCR 7): %s", ev->num,
                           att__evlog_type_name(ev->type), what);
}

static int driver_config(att__evlog_facts *f, const att__evlog_event *ev, int after_sep)
{
    if (ev->data_check != ATT_EVDATA_VERIFIED)
        return pcr7_invalid(f, ev, "pcr7_unverified",
                            "Secure Boot variable whose digest does not match its data");
    att__efi_var v;
    if (att__efi_var_decode(ev->data, ev->data_len, 0, &v) != ATT_OK)
        return pcr7_invalid(f, ev, "pcr7_malformed", "malformed UEFI_VARIABLE_DATA");
    int global = memcmp(v.guid, att__guid_efi_global, 16) == 0;
    int secdb = memcmp(v.guid, att__guid_image_security, 16) == 0;
    att__sb_db *db = NULL;
    int is_sb = 0;
    if (global && att__efi_var_name_is(&v, "SecureBoot"))
        is_sb = 1;
    else if (global && att__efi_var_name_is(&v, "PK"))
        db = &f->pk;
    else if (global && att__efi_var_name_is(&v, "KEK"))
        db = &f->kek;
    else if (secdb && att__efi_var_name_is(&v, "db"))
        db = &f->db;
    else if (secdb && att__efi_var_name_is(&v, "dbx"))
        db = &f->dbx;
    else
        return ATT_OK; /* dbt, dbr, DeployedMode, AuditMode: measured, not interpreted */
    if (after_sep)
        return pcr7_invalid(f, ev, "pcr7_after_separator",
                            "Secure Boot variable measured after the PCR7 separator");
    if ((is_sb && f->secure_boot_var_present) || (db && db->present))
        return pcr7_invalid(f, ev, "pcr7_duplicate", "Secure Boot variable measured twice");
    if (is_sb) {
        f->secure_boot_var_present = 1;
        f->secure_boot_var_len = (uint32_t)v.value_len;
        if (v.value_len == 1)
            f->secure_boot = v.value[0] == 1 ? 1 : 0;
        else
            return att__facts_note(f, ev->num, 1, "secureboot_size",
                                   "event %u (EV_EFI_VARIABLE_DRIVER_CONFIG, PCR 7): SecureBoot "
                                   "holds %zu bytes instead of 1: state unknown",
                                   ev->num, v.value_len);
        return ATT_OK;
    }
    int rc = parse_sig_lists(v.value, v.value_len, db);
    if (rc == ATT_EINVAL)
        return pcr7_invalid(f, ev, "pcr7_malformed", "malformed EFI_SIGNATURE_LIST");
    return rc;
}

static int authority(att__evlog_facts *f, const att__evlog_event *ev, int after_sep)
{
    if (!trusted(ev))
        return pcr7_invalid(f, ev, "pcr7_unverified",
                            "authority whose digest does not match its data");
    att__efi_var v;
    if (att__efi_var_decode(ev->data, ev->data_len, 1, &v) != ATT_OK)
        return pcr7_invalid(f, ev, "pcr7_malformed", "malformed UEFI_VARIABLE_DATA");
    att__sb_authority *a = realloc(f->authorities, (f->nauthorities + 1) * sizeof(*a));
    if (!a)
        return ATT_ENOMEM;
    f->authorities = a;
    a = &f->authorities[f->nauthorities++];
    memset(a, 0, sizeof(*a));
    a->event = ev->num;
    a->after_separator = after_sep;
    a->data_len = (uint32_t)v.value_len;
    a->name = att__utf16le_to_utf8(v.name16, v.name_units * 2);
    if (!a->name)
        return ATT_ENOMEM;
    /* EFI_SIGNATURE_DATA: owner GUID then the certificate; some shim builds omit the GUID. */
    if (v.value_len > 16)
        a->subject = cert_subject(v.value + 16, v.value_len - 16);
    if (!a->subject)
        a->subject = cert_subject(v.value, v.value_len);
    if (ev->data_check == ATT_EVDATA_VERIFIED_QUIRK)
        return att__facts_note(f, ev->num, 0, "authority_trailing_byte",
                               "event %u (EV_EFI_VARIABLE_AUTHORITY, PCR 7): digest covers the "
                               "data without its last byte (known shim defect)",
                               ev->num);
    return ATT_OK;
}

static int action_text(const att__evlog_event *ev, const char *s)
{
    size_t n = strlen(s);
    return ev->data_len == n && memcmp(ev->data, s, n) == 0;
}

static int pcr7(att__evlog_facts *f, const att__evlog *log)
{
    int after_sep = 0, rc = ATT_OK;
    size_t seps = 0;
    f->pcr7_valid = 1;
    for (size_t i = 0; i < log->nevents && rc == ATT_OK; i++) {
        const att__evlog_event *ev = &log->events[i];
        if (ev->pcr != 7 || ev->type == ATT_EV_NO_ACTION)
            continue;
        switch (ev->type) {
        case ATT_EV_EFI_VARIABLE_DRIVER_CONFIG:
            rc = driver_config(f, ev, after_sep);
            break;
        case ATT_EV_EFI_VARIABLE_AUTHORITY:
            rc = authority(f, ev, after_sep);
            break;
        case ATT_EV_SEPARATOR:
            seps++;
            after_sep = 1;
            if (seps > 1)
                rc = pcr7_invalid(f, ev, "pcr7_separators", "second separator in PCR 7");
            break;
        case ATT_EV_EFI_ACTION:
            if (!trusted(ev))
                rc = pcr7_invalid(f, ev, "pcr7_unverified",
                                  "EFI action whose digest does not match its data");
            else if (action_text(ev, "UEFI Debug Mode"))
                f->uefi_debug_mode = 1;
            else if (action_text(ev, "DMA Protection Disabled"))
                f->dma_protection_disabled = 1;
            break;
        default:
            rc = pcr7_invalid(f, ev, "pcr7_unexpected_type",
                              "event type not allowed in PCR 7 (retyped event?)");
        }
    }
    if (rc != ATT_OK)
        return rc;
    if (!f->pcr7_valid) {
        f->secure_boot = -1;
        return ATT_OK;
    }
    if (f->uefi_debug_mode)
        rc = att__facts_note(f, UINT32_MAX, 1, "uefi_debug_mode",
                             "PCR 7 records \"UEFI Debug Mode\": a firmware debugger was enabled");
    if (rc == ATT_OK && f->secure_boot == 1) {
        if (!f->pk.x509_count || !f->kek.x509_count || !f->db.present)
            rc = att__facts_note(f, UINT32_MAX, 1, "secureboot_keys",
                                 "Secure Boot is on but PK, KEK or db is missing or empty");
        else if (!f->nauthorities)
            rc = att__facts_note(f, UINT32_MAX, 1, "secureboot_authority",
                                 "Secure Boot is on but no EV_EFI_VARIABLE_AUTHORITY event "
                                 "records what verified the boot loader");
    }
    return rc;
}

/* ---- everything else ---- */

static int add_action(att__evlog_facts *f, const att__evlog_event *ev)
{
    att__evlog_action *a = realloc(f->actions, (f->nactions + 1) * sizeof(*a));
    if (!a)
        return ATT_ENOMEM;
    f->actions = a;
    a = &f->actions[f->nactions];
    a->event = ev->num;
    a->pcr = ev->pcr;
    a->text = malloc(ev->data_len + 1);
    if (!a->text)
        return ATT_ENOMEM;
    for (uint32_t i = 0; i < ev->data_len; i++) /* ASCII as measured; controls -> '?' */
        a->text[i] = (ev->data[i] >= 0x20 && ev->data[i] < 0x7F) ? (char)ev->data[i] : '?';
    a->text[ev->data_len] = '\0';
    f->nactions++;
    return ATT_OK;
}

static int add_app(att__evlog_facts *f, const att__evlog_event *ev, int after_calling)
{
    att__evlog_app *a = realloc(f->apps, (f->napps + 1) * sizeof(*a));
    if (!a)
        return ATT_ENOMEM;
    f->apps = a;
    a = &f->apps[f->napps++];
    memset(a, 0, sizeof(*a));
    a->event = ev->num;
    a->pcr = ev->pcr;
    a->ndigests = ev->ndigests;
    memcpy(a->digests, ev->digests, sizeof(a->digests));
    a->after_calling_action = after_calling;
    return ATT_OK;
}

/* S-CRTM version: UTF-16 text when it is printable, else hex of the raw data. */
static char *scrtm_string(const att__evlog_event *ev)
{
    int text = ev->data_len >= 2 && ev->data_len % 2 == 0;
    size_t units = ev->data_len / 2;
    for (size_t i = 0; text && i < units; i++) {
        unsigned u = ev->data[2 * i] | (unsigned)ev->data[2 * i + 1] << 8;
        if (u == 0)
            break;
        if (u < 0x20 || u > 0x7E)
            text = 0;
    }
    if (text)
        return att__utf16le_to_utf8(ev->data, ev->data_len);
    char *s = malloc(2 * (size_t)ev->data_len + 1);
    if (s)
        att__tpm_hex(ev->data, ev->data_len, s, 2 * (size_t)ev->data_len + 1);
    return s;
}

/* NUL-terminated copy of n bytes of text, cut at the first NUL. */
static char *text_dup(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    size_t i = 0;
    for (; i < n && p[i]; i++)
        s[i] = (char)p[i];
    s[i] = '\0';
    return s;
}

static int grub_string(att__evlog_facts *f, const att__evlog_event *ev)
{
    static const char kc[] = "kernel_cmdline: ", kc_old[] = "grub_kernel_cmdline ";
    size_t k = att__evlog_grub_prefix(ev->data, ev->data_len);
    if (!k) {
        /* systemd-boot writes the command line as UTF-16; its digest is not over the data */
        if (ev->data_len >= 4 && ev->data[1] == 0 && ev->data[3] == 0)
            return att__facts_note(f, ev->num, 0, "cmdline_unverifiable",
                                   "event %u (EV_IPL, PCR 8): UTF-16 command line (systemd-boot) "
                                   "whose digest is not the hash of its data: not used",
                                   ev->num);
        return ATT_OK;
    }
    if (!trusted(ev))
        return ATT_OK; /* the mismatch note was written already */
    int is_cmdline = (k == strlen(kc) && memcmp(ev->data, kc, k) == 0) ||
                     (k == strlen(kc_old) && memcmp(ev->data, kc_old, k) == 0);
    if (!is_cmdline) {
        f->ngrub_commands++;
        return ATT_OK;
    }
    f->nkernel_cmdlines++;
    if (f->kernel_cmdline)
        return att__facts_note(f, ev->num, 1, "cmdline_multiple",
                               "event %u (EV_IPL, PCR 8): a second kernel command line", ev->num);
    f->kernel_cmdline = text_dup(ev->data + k, ev->data_len - k);
    return f->kernel_cmdline ? ATT_OK : ATT_ENOMEM;
}

static int pcr9_file(att__evlog_facts *f, const att__evlog_event *ev)
{
    if (f->npcr9_files >= ATT_EVLOG_MAX_FILES)
        return ATT_OK;
    char **v = realloc(f->pcr9_files, (f->npcr9_files + 1) * sizeof(*v));
    if (!v)
        return ATT_ENOMEM;
    f->pcr9_files = v;
    const uint8_t *p = ev->data;
    size_t n = ev->data_len;
    if (ev->type == ATT_EV_EVENT_TAG) { /* {u32 id, u32 size, text} ("Linux initrd") */
        att__cursor c;
        uint32_t id, size;
        att__cur_init(&c, p, n);
        if (att__cur_u32le(&c, &id) || att__cur_u32le(&c, &size) || att__cur_bytes(&c, size, &p))
            return ATT_OK;
        n = size;
    }
    v[f->npcr9_files] = text_dup(p, n);
    if (!v[f->npcr9_files])
        return ATT_ENOMEM;
    f->npcr9_files++;
    return ATT_OK;
}

static int walk(att__evlog_facts *f, const att__evlog *log)
{
    int rc = ATT_OK, calling = 0;
    size_t ebs = 0;
    for (size_t i = 0; i < log->nevents && rc == ATT_OK; i++) {
        const att__evlog_event *ev = &log->events[i];
        if (ev->type == ATT_EV_NO_ACTION)
            continue;
        if (ev->data_check == ATT_EVDATA_MISMATCH && (rc = note_mismatch(f, ev)) != ATT_OK)
            break;
        switch (ev->type) {
        case ATT_EV_SEPARATOR:
            if (!trusted(ev) || ev->data_len != 4)
                f->separator_error |= 1u << ev->pcr;
            else if (memcmp(ev->data, "\0\0\0\0", 4) == 0 || memcmp(ev->data, "WBCL", 4) == 0)
                f->separators |= 1u << ev->pcr;
            else {
                f->separator_error |= 1u << ev->pcr;
                rc = att__facts_note(f, ev->num, 1, "separator_error",
                                     "event %u (EV_SEPARATOR, PCR %u): firmware error separator",
                                     ev->num, ev->pcr);
            }
            break;
        case ATT_EV_EFI_ACTION:
        case ATT_EV_ACTION:
            if (!trusted(ev))
                break;
            rc = add_action(f, ev);
            if (ev->pcr == 4 && action_text(ev, "Calling EFI Application from Boot Option"))
                calling = 1;
            if (ev->pcr == 5 && (action_text(ev, "Exit Boot Services Invocation") ||
                                 action_text(ev, "Exit Boot Services Returned with Success")))
                ebs++;
            break;
        case ATT_EV_EFI_BOOT_SERVICES_APPLICATION:
            rc = add_app(f, ev, calling);
            if (rc == ATT_OK && !calling && ev->pcr == 4)
                rc = att__facts_note(f, ev->num, 0, "app_before_calling",
                                     "event %u (EV_EFI_BOOT_SERVICES_APPLICATION, PCR 4): "
                                     "measured before \"Calling EFI Application from Boot "
                                     "Option\"",
                                     ev->num);
            break;
        case ATT_EV_S_CRTM_VERSION:
            if (trusted(ev) && !f->scrtm_version) {
                f->scrtm_version = scrtm_string(ev);
                if (!f->scrtm_version)
                    rc = ATT_ENOMEM;
            }
            break;
        case ATT_EV_IPL:
            if (ev->pcr == 8)
                rc = grub_string(f, ev);
            else if (ev->pcr == 9)
                rc = pcr9_file(f, ev);
            break;
        case ATT_EV_EVENT_TAG:
            if (ev->pcr == 9)
                rc = pcr9_file(f, ev);
            break;
        }
    }
    f->exit_boot_services = ebs >= 2;
    if (rc == ATT_OK && !f->exit_boot_services && (f->separators & (1u << 5)))
        rc = att__facts_note(f, UINT32_MAX, 0, "ebs_missing",
                             "PCR 5 lacks the ExitBootServices actions: later PCR 4 events "
                             "cannot be told apart from pre-OS ones");
    return rc;
}

int att__evlog_facts_get(const att__evlog *log, att__evlog_facts **out)
{
    *out = NULL;
    att__evlog_facts *f = calloc(1, sizeof(*f));
    if (!f)
        return ATT_ENOMEM;
    f->secure_boot = -1;
    int rc = walk(f, log);
    if (rc == ATT_OK)
        rc = pcr7(f, log);
    if (rc == ATT_OK)
        rc = att__evlog_sipa(f, log);
    if (rc != ATT_OK) {
        att__evlog_facts_free(f);
        return rc;
    }
    *out = f;
    return ATT_OK;
}

void att__evlog_facts_free(att__evlog_facts *f)
{
    if (!f)
        return;
    db_free(&f->pk);
    db_free(&f->kek);
    db_free(&f->db);
    db_free(&f->dbx);
    for (size_t i = 0; i < f->nauthorities; i++) {
        free(f->authorities[i].name);
        free(f->authorities[i].subject);
    }
    free(f->authorities);
    for (size_t i = 0; i < f->nactions; i++)
        free(f->actions[i].text);
    free(f->actions);
    free(f->apps);
    free(f->scrtm_version);
    free(f->kernel_cmdline);
    for (size_t i = 0; i < f->npcr9_files; i++)
        free(f->pcr9_files[i]);
    free(f->pcr9_files);
    for (size_t i = 0; i < f->nnotes; i++)
        free(f->notes[i].message);
    free(f->notes);
    free(f);
}
