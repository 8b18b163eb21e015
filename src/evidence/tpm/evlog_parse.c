/* TCG PC Client event log parser (reference/tpm.md §2.1): the SHA-1 TCG_PCR_EVENT format
 * and the crypto-agile format (Spec ID Event03, TCG_PCR_EVENT2), every field read through
 * the bounded cursor. While parsing, each event whose digest is defined over its data is
 * checked against that data in every bank (att__evlog_event.data_check), so later code
 * can tell trusted data from hints without hashing again. */
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/limits.h"
#include "evidence/tpm/evlog_int.h"

#define SPEC_ID_SIG   "Spec ID Event03"
#define LOCALITY_SIG  "StartupLocality"
#define SHA1_HDR_SIZE 32u

/* The GRUB prefixes of PCR8 EV_IPL strings (tpm.md §2.5); the digest covers the text
 * after the prefix without the trailing NUL (older GRUB: with it). */
static const char *const grub_prefixes[] = {
    "grub_cmd: ", "kernel_cmdline: ", "grub_kernel_cmdline ", "grub_cmd "};

size_t att__evlog_grub_prefix(const uint8_t *data, size_t n)
{
    for (size_t i = 0; i < sizeof(grub_prefixes) / sizeof(grub_prefixes[0]); i++) {
        size_t k = strlen(grub_prefixes[i]);
        if (n >= k && memcmp(data, grub_prefixes[i], k) == 0)
            return k;
    }
    return 0;
}

/* Do all digests of ev equal H(p[0..n))? On a mismatch *bad gets the first bank that
 * differs. */
static int digests_match(const att__evlog_event *ev, const uint8_t *p, size_t n, uint16_t *bad)
{
    for (uint32_t i = 0; i < ev->ndigests; i++) {
        uint8_t h[ATT_TPM_MAX_DIGEST];
        if (att__tpm_hash(ev->digests[i].alg, p, n, h) != ATT_OK)
            continue; /* a bank we cannot compute says nothing either way */
        if (memcmp(h, ev->digests[i].digest, ev->digests[i].size) != 0) {
            if (bad)
                *bad = ev->digests[i].alg;
            return 0;
        }
    }
    return 1;
}

int att__evlog_verify_kind(const att__evlog_event *ev)
{
    switch (ev->type) {
    case ATT_EV_SEPARATOR:
    case ATT_EV_ACTION:
    case ATT_EV_EFI_ACTION:
    case ATT_EV_EFI_VARIABLE_DRIVER_CONFIG:
    case ATT_EV_EFI_VARIABLE_AUTHORITY:
    case ATT_EV_EFI_VARIABLE_BOOT:
    case ATT_EV_EFI_VARIABLE_BOOT2:
    case ATT_EV_EFI_GPT_EVENT:
    case ATT_EV_S_CRTM_VERSION:
        return 1;
    case ATT_EV_EVENT_TAG: /* Windows SIPA (PCR12-14); PCR9 "Linux initrd" is a file digest */
        return ev->pcr >= 12 && ev->pcr <= 14;
    case ATT_EV_IPL: /* GRUB strings in PCR8; PCR9 files, PCR14 MOK lists are not */
        return ev->pcr == 8 && att__evlog_grub_prefix(ev->data, ev->data_len) > 0;
    }
    return 0;
}

static void check_data(att__evlog_event *ev)
{
    ev->data_check = ATT_EVDATA_NOT_COVERED;
    if (ev->type == ATT_EV_NO_ACTION || ev->ndigests == 0)
        return;
    if (!att__evlog_verify_kind(ev)) {
        /* Not defined over the data, but when every digest is the hash of the data, the
         * data is what was measured all the same (Windows PCR12 EV_IPL, DRTM SIPA tags). */
        if (ev->data_len > 0 && digests_match(ev, ev->data, ev->data_len, NULL))
            ev->data_check = ATT_EVDATA_VERIFIED;
        return;
    }
    uint16_t bad = 0;
    if (ev->type == ATT_EV_IPL) {
        size_t k = att__evlog_grub_prefix(ev->data, ev->data_len);
        const uint8_t *t = ev->data + k;
        size_t tn = ev->data_len - k;
        if (tn > 0 && t[tn - 1] == 0 && digests_match(ev, t, tn - 1, &bad))
            ev->data_check = ATT_EVDATA_VERIFIED;
        else if (digests_match(ev, t, tn, &bad))
            ev->data_check = ATT_EVDATA_VERIFIED_QUIRK;
        else {
            ev->data_check = ATT_EVDATA_MISMATCH;
            ev->mismatch_alg = bad;
        }
        return;
    }
    if (digests_match(ev, ev->data, ev->data_len, &bad)) {
        ev->data_check = ATT_EVDATA_VERIFIED;
        return;
    }
    ev->mismatch_alg = bad;
    if (ev->type == ATT_EV_EFI_VARIABLE_AUTHORITY && ev->data_len > 0 &&
        digests_match(ev, ev->data, ev->data_len - 1, NULL)) {
        ev->data_check = ATT_EVDATA_VERIFIED_QUIRK; /* shim: one extra trailing byte */
        return;
    }
    if (ev->type == ATT_EV_EFI_VARIABLE_BOOT || ev->type == ATT_EV_EFI_VARIABLE_BOOT2) {
        att__efi_var v;
        if (att__efi_var_decode(ev->data, ev->data_len, 0, &v) == ATT_OK &&
            digests_match(ev, v.value, v.value_len, NULL)) {
            ev->data_check = ATT_EVDATA_VERIFIED_QUIRK; /* EDK2: over VariableData only */
            return;
        }
    }
    ev->data_check = ATT_EVDATA_MISMATCH;
}

static int grow(att__evlog *log, size_t *cap)
{
    if (log->nevents < *cap)
        return ATT_OK;
    size_t ncap = *cap ? *cap * 2 : 64;
    if (ncap > ATT_MAX_EVENTLOG_EVENTS)
        ncap = ATT_MAX_EVENTLOG_EVENTS;
    att__evlog_event *e = realloc(log->events, ncap * sizeof(*e));
    if (!e)
        return ATT_ENOMEM;
    log->events = e;
    *cap = ncap;
    return ATT_OK;
}

/* Reads u32 eventSize and the data of ev; bounds it. */
static int read_data(att__cursor *c, att__evlog_event *ev, att_diag *d)
{
    uint32_t size;
    if (att__cur_u32le(c, &size))
        return att_diag_fail(d, ATT_ETRUNC, "eventlog.parse", "eventSize",
                             "event %u (offset %zu): truncated before its event size", ev->num,
                             ev->offset);
    if (size > ATT_MAX_EVENTLOG_EVENT_DATA)
        return att_diag_fail(d, ATT_ELIMIT, "eventlog.parse", "eventSize",
                             "event %u (offset %zu): event size %u exceeds the limit of %u bytes",
                             ev->num, ev->offset, size, ATT_MAX_EVENTLOG_EVENT_DATA);
    if (att__cur_bytes(c, size, &ev->data))
        return att_diag_fail(d, ATT_ETRUNC, "eventlog.parse", "event",
                             "event %u (offset %zu): event size %u exceeds the %zu bytes left",
                             ev->num, ev->offset, size, att__cur_remaining(c));
    ev->data_len = size;
    if (size == 0)
        ev->data = NULL;
    return ATT_OK;
}

/* Decodes the Spec ID Event03 (tpm.md §2.1) into log. */
static int parse_spec_id(att__evlog *log, const uint8_t *p, size_t n, att_diag *d)
{
    att__cursor c;
    att__cur_init(&c, p, n);
    uint32_t nalg;
    uint8_t vsize;
    if (att__cur_skip(&c, 16) || att__cur_u32le(&c, &log->platform_class) ||
        att__cur_u8(&c, &log->spec_minor) || att__cur_u8(&c, &log->spec_major) ||
        att__cur_u8(&c, &log->spec_errata) || att__cur_u8(&c, &log->uintn_size) ||
        att__cur_u32le(&c, &nalg))
        return att_diag_fail(d, ATT_ETRUNC, "eventlog.parse", "SpecIdEvent",
                             "event 0: Spec ID event truncated");
    if (nalg == 0 || nalg > ATT_EVLOG_MAX_BANKS)
        return att_diag_fail(d, ATT_ELIMIT, "eventlog.parse", "numberOfAlgorithms",
                             "event 0: Spec ID event declares %u algorithms (1..%u allowed)", nalg,
                             ATT_EVLOG_MAX_BANKS);
    for (uint32_t i = 0; i < nalg; i++) {
        uint16_t alg, size;
        if (att__cur_u16le(&c, &alg) || att__cur_u16le(&c, &size))
            return att_diag_fail(d, ATT_ETRUNC, "eventlog.parse", "digestSizes",
                                 "event 0: Spec ID algorithm table truncated");
        size_t want = att__tpm_alg_size(alg);
        if (size == 0 || size > ATT_TPM_MAX_DIGEST || (want && want != size))
            return att_diag_fail(d, ATT_EINVAL, "eventlog.parse", "digestSizes",
                                 "event 0: Spec ID gives algorithm 0x%04x digest size %u", alg,
                                 size);
        for (uint32_t j = 0; j < i; j++)
            if (log->banks[j].alg == alg)
                return att_diag_fail(d, ATT_EINVAL, "eventlog.parse", "digestSizes",
                                     "event 0: Spec ID lists algorithm 0x%04x twice", alg);
        log->banks[i].alg = alg;
        log->banks[i].size = size;
    }
    log->nbanks = nalg;
    if (att__cur_u8(&c, &vsize) || att__cur_skip(&c, vsize))
        return att_diag_fail(d, ATT_ETRUNC, "eventlog.parse", "vendorInfoSize",
                             "event 0: Spec ID vendor data (%u bytes) overruns the event",
                             (unsigned)vsize);
    return ATT_OK;
}

static int parse_sha1_record(att__cursor *c, att__evlog_event *ev, att_diag *d)
{
    if (att__cur_u32le(c, &ev->pcr) || att__cur_u32le(c, &ev->type) ||
        att__cur_bytes(c, 20, &ev->digests[0].digest))
        return att_diag_fail(d, ATT_ETRUNC, "eventlog.parse", "TCG_PCR_EVENT",
                             "event %u (offset %zu): truncated record header", ev->num, ev->offset);
    ev->ndigests = 1;
    ev->digests[0].alg = ATT_TPM_ALG_SHA1;
    ev->digests[0].size = 20;
    return read_data(c, ev, d);
}

static int parse_agile_record(const att__evlog *log, att__cursor *c, att__evlog_event *ev,
                              att_diag *d)
{
    uint32_t count;
    if (att__cur_u32le(c, &ev->pcr) || att__cur_u32le(c, &ev->type) || att__cur_u32le(c, &count))
        return att_diag_fail(d, ATT_ETRUNC, "eventlog.parse", "TCG_PCR_EVENT2",
                             "event %u (offset %zu): truncated record header", ev->num, ev->offset);
    if (count > log->nbanks)
        return att_diag_fail(d, ATT_EINVAL, "eventlog.parse", "digestCount",
                             "event %u (offset %zu): %u digests but the Spec ID declares %u banks",
                             ev->num, ev->offset, count, log->nbanks);
    for (uint32_t i = 0; i < count; i++) {
        uint16_t alg;
        if (att__cur_u16le(c, &alg))
            return att_diag_fail(d, ATT_ETRUNC, "eventlog.parse", "digests",
                                 "event %u (offset %zu): truncated digest list", ev->num,
                                 ev->offset);
        uint16_t size = 0;
        for (uint32_t j = 0; j < log->nbanks; j++)
            if (log->banks[j].alg == alg)
                size = log->banks[j].size;
        if (!size)
            return att_diag_fail(d, ATT_EINVAL, "eventlog.parse", "digests",
                                 "event %u (offset %zu): digest algorithm 0x%04x is not in the "
                                 "Spec ID event",
                                 ev->num, ev->offset, alg);
        for (uint32_t j = 0; j < i; j++)
            if (ev->digests[j].alg == alg)
                return att_diag_fail(d, ATT_EINVAL, "eventlog.parse", "digests",
                                     "event %u (offset %zu): two digests for algorithm 0x%04x",
                                     ev->num, ev->offset, alg);
        ev->digests[i].alg = alg;
        ev->digests[i].size = size;
        if (att__cur_bytes(c, size, &ev->digests[i].digest))
            return att_diag_fail(d, ATT_ETRUNC, "eventlog.parse", "digests",
                                 "event %u (offset %zu): truncated digest", ev->num, ev->offset);
    }
    ev->ndigests = count;
    return read_data(c, ev, d);
}

/* EV_NO_ACTION events of interest: StartupLocality sets PCR0's initial value. */
static void note_no_action(att__evlog *log, const att__evlog_event *ev)
{
    size_t k = sizeof(LOCALITY_SIG); /* with its NUL */
    if (ev->pcr == 0 && ev->data_len == k + 1 && memcmp(ev->data, LOCALITY_SIG, k) == 0) {
        log->has_locality = 1;
        log->startup_locality = ev->data[k];
    }
}

int att__evlog_parse(const uint8_t *data, size_t n, att__evlog **out, att_diag *d)
{
    *out = NULL;
    if (!data || n == 0)
        return att_diag_fail(d, ATT_EINVAL, "eventlog.parse", "eventlog", "the event log is empty");
    if (n > ATT_MAX_EVENTLOG_BYTES)
        return att_diag_fail(d, ATT_ELIMIT, "eventlog.parse", "eventlog",
                             "the event log is %zu bytes, more than the limit of %u", n,
                             ATT_MAX_EVENTLOG_BYTES);
    att__evlog *log = calloc(1, sizeof(*log));
    if (!log)
        return ATT_ENOMEM;
    int rc = ATT_ENOMEM;
    size_t cap = 0;
    log->raw = malloc(n);
    if (!log->raw)
        goto fail;
    memcpy(log->raw, data, n);
    log->raw_len = n;

    att__cursor c;
    att__cur_init(&c, log->raw, n);
    /* The first record is always a TCG_PCR_EVENT. */
    if ((rc = grow(log, &cap)) != ATT_OK)
        goto fail;
    att__evlog_event *ev = &log->events[0];
    memset(ev, 0, sizeof(*ev));
    if ((rc = parse_sha1_record(&c, ev, d)) != ATT_OK)
        goto fail;
    log->nevents = 1;
    size_t siglen = sizeof(SPEC_ID_SIG); /* with its NUL */
    if (ev->type == ATT_EV_NO_ACTION && ev->pcr == 0 && ev->data_len >= siglen &&
        memcmp(ev->data, SPEC_ID_SIG, siglen) == 0) {
        log->format = ATT_EVLOG_AGILE;
        if ((rc = parse_spec_id(log, ev->data, ev->data_len, d)) != ATT_OK)
            goto fail;
    } else {
        log->format = ATT_EVLOG_SHA1;
        log->nbanks = 1;
        log->banks[0].alg = ATT_TPM_ALG_SHA1;
        log->banks[0].size = 20;
        if (ev->type == ATT_EV_NO_ACTION)
            note_no_action(log, ev);
        else
            check_data(ev);
    }
    if (ev->type != ATT_EV_NO_ACTION && ev->pcr >= ATT_TPM_NUM_PCRS) {
        rc = att_diag_fail(d, ATT_EINVAL, "eventlog.parse", "pcrIndex",
                           "event 0: PCR index %u is out of range", ev->pcr);
        goto fail;
    }

    while (att__cur_remaining(&c) > 0) {
        if (log->nevents >= ATT_MAX_EVENTLOG_EVENTS) {
            rc = att_diag_fail(d, ATT_ELIMIT, "eventlog.parse", "events",
                               "the event log has more than %u events", ATT_MAX_EVENTLOG_EVENTS);
            goto fail;
        }
        if ((rc = grow(log, &cap)) != ATT_OK)
            goto fail;
        ev = &log->events[log->nevents];
        memset(ev, 0, sizeof(*ev));
        ev->num = (uint32_t)log->nevents;
        ev->offset = c.off;
        rc = log->format == ATT_EVLOG_AGILE ? parse_agile_record(log, &c, ev, d)
                                            : parse_sha1_record(&c, ev, d);
        if (rc != ATT_OK)
            goto fail;
        if (ev->type != ATT_EV_NO_ACTION && ev->pcr >= ATT_TPM_NUM_PCRS) {
            rc = att_diag_fail(d, ATT_EINVAL, "eventlog.parse", "pcrIndex",
                               "event %u (offset %zu): PCR index %u is out of range", ev->num,
                               ev->offset, ev->pcr);
            goto fail;
        }
        if (ev->type == ATT_EV_NO_ACTION)
            note_no_action(log, ev);
        else
            check_data(ev);
        if (ev->type == ATT_EV_EFI_HCRTM_EVENT && ev->pcr == 0 && !log->hcrtm_event)
            log->hcrtm_event = ev->num;
        log->nevents++;
    }
    *out = log;
    return ATT_OK;
fail:
    if (rc == ATT_ENOMEM)
        att_diag_fail(d, rc, "eventlog.parse", "eventlog", "out of memory parsing the event log");
    att__evlog_free(log);
    return rc;
}

void att__evlog_free(att__evlog *log)
{
    if (!log)
        return;
    free(log->events);
    free(log->raw);
    free(log);
}

const att__evlog_digest *att__evlog_event_digest(const att__evlog_event *ev, uint16_t alg)
{
    for (uint32_t i = 0; i < ev->ndigests; i++)
        if (ev->digests[i].alg == alg)
            return &ev->digests[i];
    return NULL;
}

int att__evlog_has_bank(const att__evlog *log, uint16_t alg)
{
    int any = 0;
    for (size_t i = 0; i < log->nevents; i++) {
        const att__evlog_event *ev = &log->events[i];
        if (ev->type == ATT_EV_NO_ACTION)
            continue;
        if (!att__evlog_event_digest(ev, alg))
            return 0;
        any = 1;
    }
    if (any)
        return 1;
    /* No extending event: the bank exists if the log declares it. */
    for (uint32_t i = 0; i < log->nbanks; i++)
        if (log->banks[i].alg == alg)
            return 1;
    return 0;
}
