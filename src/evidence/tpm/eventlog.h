/* TCG PC Client (UEFI) event logs: parsing, per-bank PCR replay, replay against quoted
 * PCR values with per-PCR diagnostics, the boot facts that may be trusted (Secure Boot
 * variables, authorities, boot applications, separators, EFI actions, kernel command
 * line, Windows SIPA flags) and the MAA policy-1.2 JSON view of the log
 * (reference/tpm.md §2, §4).
 *
 * Trust model (tpm.md §0.3, §2.7): an event's type is covered by no digest, so replay
 * proves only (PCR, digest, order). Event data is used for a fact only when the event's
 * digest is defined over that data and every digest the log carries for it equals the
 * hash of the data (checked at parse time; see att__evlog_event.data_check). A log is
 * bound to a TPM only by att__evlog_verify_pcrs against values the caller has already
 * verified in a quote, in the quoted bank.
 *
 * Ownership: att__evlog_parse copies the input; every pointer in an att__evlog (events,
 * digests, data) points into that copy and lives until att__evlog_free. Facts and JSON
 * views are separate allocations owned by the caller (att__evlog_facts_free, json_decref).
 * Nothing here reads the clock, the network or a database; a parsed log is immutable and
 * may be shared between threads for reading. */
#ifndef ATT_EVIDENCE_TPM_EVENTLOG_H
#define ATT_EVIDENCE_TPM_EVENTLOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"

/* TPM_ALG_ID of the hash algorithms a log may carry (TPM 2.0 Part 2, table 9). */
#define ATT_TPM_ALG_SHA1    0x0004u
#define ATT_TPM_ALG_SHA256  0x000Bu
#define ATT_TPM_ALG_SHA384  0x000Cu
#define ATT_TPM_ALG_SHA512  0x000Du
#define ATT_TPM_ALG_SM3_256 0x0012u

#define ATT_TPM_NUM_PCRS   24u /* PC Client PCR 0..23 */
#define ATT_TPM_MAX_DIGEST 64u /* SHA-512 */
/* Banks one log may declare in its Spec ID event (real logs: 1-4). */
#define ATT_EVLOG_MAX_BANKS 8u

/* Event types (TCG PC Client PFP, tpm.md §2.2). */
#define ATT_EV_PREBOOT_CERT                  0x00000000u
#define ATT_EV_POST_CODE                     0x00000001u
#define ATT_EV_UNUSED                        0x00000002u
#define ATT_EV_NO_ACTION                     0x00000003u
#define ATT_EV_SEPARATOR                     0x00000004u
#define ATT_EV_ACTION                        0x00000005u
#define ATT_EV_EVENT_TAG                     0x00000006u
#define ATT_EV_S_CRTM_CONTENTS               0x00000007u
#define ATT_EV_S_CRTM_VERSION                0x00000008u
#define ATT_EV_CPU_MICROCODE                 0x00000009u
#define ATT_EV_PLATFORM_CONFIG_FLAGS         0x0000000Au
#define ATT_EV_TABLE_OF_DEVICES              0x0000000Bu
#define ATT_EV_COMPACT_HASH                  0x0000000Cu
#define ATT_EV_IPL                           0x0000000Du
#define ATT_EV_IPL_PARTITION_DATA            0x0000000Eu
#define ATT_EV_NONHOST_CODE                  0x0000000Fu
#define ATT_EV_NONHOST_CONFIG                0x00000010u
#define ATT_EV_NONHOST_INFO                  0x00000011u
#define ATT_EV_OMIT_BOOT_DEVICE_EVENTS       0x00000012u
#define ATT_EV_EFI_VARIABLE_DRIVER_CONFIG    0x80000001u
#define ATT_EV_EFI_VARIABLE_BOOT             0x80000002u
#define ATT_EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define ATT_EV_EFI_BOOT_SERVICES_DRIVER      0x80000004u
#define ATT_EV_EFI_RUNTIME_SERVICES_DRIVER   0x80000005u
#define ATT_EV_EFI_GPT_EVENT                 0x80000006u
#define ATT_EV_EFI_ACTION                    0x80000007u
#define ATT_EV_EFI_PLATFORM_FIRMWARE_BLOB    0x80000008u
#define ATT_EV_EFI_HANDOFF_TABLES            0x80000009u
#define ATT_EV_EFI_PLATFORM_FIRMWARE_BLOB2   0x8000000Au
#define ATT_EV_EFI_HANDOFF_TABLES2           0x8000000Bu
#define ATT_EV_EFI_VARIABLE_BOOT2            0x8000000Cu
#define ATT_EV_EFI_HCRTM_EVENT               0x80000010u
#define ATT_EV_EFI_VARIABLE_AUTHORITY        0x800000E0u
#define ATT_EV_EFI_SPDM_FIRMWARE_BLOB        0x800000E1u
#define ATT_EV_EFI_SPDM_FIRMWARE_CONFIG      0x800000E2u

/* "EV_EFI_ACTION" etc. for a type; "EV_UNKNOWN" for others. Static string. */
const char *att__evlog_type_name(uint32_t type);
/* "sha1", "sha256", "sha384", "sha512", "sm3_256"; NULL for an unknown algorithm. */
const char *att__tpm_alg_name(uint16_t alg);
/* Digest size of a TPM hash algorithm, 0 when unknown. */
size_t att__tpm_alg_size(uint16_t alg);
/* TPM_ALG_ID for "sha1"/"sha256"/"sha384"/"sha512"/"sm3_256" (also "SHA256", "sha-256"),
 * 0 when unknown. */
uint16_t att__tpm_alg_from_name(const char *name);

typedef enum att__evlog_format {
    ATT_EVLOG_SHA1 = 1,  /* TCG_PCR_EVENT records only (legacy SHA-1 log) */
    ATT_EVLOG_AGILE = 2, /* Spec ID Event03 header, then TCG_PCR_EVENT2 records */
} att__evlog_format;

/* What the parser could establish about an event's data (tpm.md §2.2 "verify-data"). */
typedef enum att__evlog_data_check {
    ATT_EVDATA_NOT_COVERED = 0,    /* the digest is not defined over the data (Authenticode,
                                      file contents, firmware volume, EV_NO_ACTION...) */
    ATT_EVDATA_VERIFIED = 1,       /* every digest of the event equals the hash of its data
                                      (any type: data hashing to its digests is authentic
                                      even where the spec does not define the digest so) */
    ATT_EVDATA_VERIFIED_QUIRK = 2, /* equal only under a known firmware quirk (§2.3: shim
                                      authority with one extra trailing byte; GRUB string
                                      without its NUL; EFI_VARIABLE_BOOT over VariableData) */
    ATT_EVDATA_MISMATCH = 3,       /* digest defined over the data but differs: data untrusted */
} att__evlog_data_check;

/* One digest of an event. `digest` borrows the log's copy of the input. */
typedef struct att__evlog_digest {
    uint16_t alg;
    uint16_t size;
    const uint8_t *digest;
} att__evlog_digest;

/* One record of the log. num is the record's position (0 = the first record, i.e. the
 * Spec ID header of an agile log), the number diagnostics print as "event N". */
typedef struct att__evlog_event {
    uint32_t num;
    uint32_t pcr;
    uint32_t type;
    size_t offset; /* byte offset of the record in the log */
    uint32_t ndigests;
    att__evlog_digest digests[ATT_EVLOG_MAX_BANKS];
    const uint8_t *data; /* event data, borrowed (NULL when data_len is 0) */
    uint32_t data_len;
    att__evlog_data_check data_check;
    uint16_t mismatch_alg; /* with ATT_EVDATA_MISMATCH: the first bank that differs */
} att__evlog_event;

/* A parsed log. Read-only after att__evlog_parse. */
typedef struct att__evlog {
    att__evlog_format format;
    /* Spec ID event (agile logs; for SHA-1 logs nbanks = 1, SHA-1, the rest zero). */
    uint32_t platform_class;
    uint8_t spec_major, spec_minor, spec_errata, uintn_size;
    uint32_t nbanks;
    struct {
        uint16_t alg;
        uint16_t size;
    } banks[ATT_EVLOG_MAX_BANKS];
    /* StartupLocality EV_NO_ACTION (PCR0 starts at 00..0L); has_locality 0 when absent. */
    int has_locality;
    uint8_t startup_locality;
    /* An EV_EFI_HCRTM_EVENT in PCR0: PCR0 starts at 00..04 extended with the H-CRTM
     * measurement (tpm.md §2.3); this is the event number, or 0 when absent. */
    uint32_t hcrtm_event;
    att__evlog_event *events; /* nevents records, owned */
    size_t nevents;
    uint8_t *raw; /* the owned copy of the input */
    size_t raw_len;
} att__evlog;

/* Parses a binary event log (either format; detected from the first record). Bounded by
 * ATT_MAX_EVENTLOG_BYTES and ATT_MAX_EVENTLOG_EVENTS; trailing bytes that do not form a
 * record, unknown digest algorithms inside TCG_PCR_EVENT2, more digests than the Spec ID
 * declares (fewer are accepted; that bank is then not replayable), a Spec ID whose vendor data
 * overruns it are errors. On success *out is a new log (free with att__evlog_free). On failure
 * returns a negative att_err and fills d with reason "eventlog.parse" and a message naming the
 * event number and byte offset. */
int att__evlog_parse(const uint8_t *data, size_t n, att__evlog **out, att_diag *d);
void att__evlog_free(att__evlog *log);

/* Does every non-EV_NO_ACTION event carry a digest for alg? */
int att__evlog_has_bank(const att__evlog *log, uint16_t alg);
/* The digest of ev for alg, or NULL. Borrowed. */
const att__evlog_digest *att__evlog_event_digest(const att__evlog_event *ev, uint16_t alg);

/* Replayed PCR values of one bank. */
typedef struct att__pcr_bank {
    uint16_t alg;
    uint16_t size;                      /* digest size */
    uint32_t extended;                  /* bit i: at least one event extended PCR i */
    uint32_t nevents[ATT_TPM_NUM_PCRS]; /* events extended into each PCR */
    uint8_t pcr[ATT_TPM_NUM_PCRS][ATT_TPM_MAX_DIGEST];
} att__pcr_bank;

/* Replays bank alg (tpm.md §2.3): initial values 0, PCR17-22 all-FF, PCR0 00..0L for a
 * StartupLocality event, H-CRTM start; EV_NO_ACTION is not extended; then
 * PCR[i] = H(PCR[i] || digest) in log order. ATT_EUNSUPPORTED when the log lacks this
 * bank (or the algorithm is unknown), with d naming the first event without it. */
int att__evlog_replay(const att__evlog *log, uint16_t alg, att__pcr_bank *out, att_diag *d);

/* Per-PCR outcome of a replay against quoted values. */
#define ATT_EVLOG_MAX_SUSPECTS 8u
typedef struct att__pcr_check {
    uint32_t pcr;
    int match;                                 /* replay == quoted */
    uint8_t quoted[ATT_TPM_MAX_DIGEST];        /* the value the caller gave */
    uint8_t replayed[ATT_TPM_MAX_DIGEST];      /* the log's value */
    uint32_t nevents;                          /* events of the log in this PCR */
    uint32_t nsuspects;                        /* events named below */
    uint32_t suspects[ATT_EVLOG_MAX_SUSPECTS]; /* event numbers to look at first: events of
                                                  this PCR whose digest does not match their
                                                  data, else (none such) all its events up
                                                  to the bound */
    int workaround;                            /* matched only after a §2.3 quirk (missing
                                                  ExitBootServices actions in PCR5) */
} att__pcr_check;

typedef struct att__pcr_verify_result {
    uint16_t alg;
    uint16_t size;
    uint32_t selected; /* PCRs compared (bit i = PCR i) */
    uint32_t matched;  /* those equal */
    uint32_t ncheck;   /* entries used in check[], ascending PCR order */
    att__pcr_check check[ATT_TPM_NUM_PCRS];
    uint32_t unexplained; /* selected PCRs holding a non-reset value the log never extended */
} att__pcr_verify_result;

/* Replays bank alg and compares it with quoted PCR values: values holds one digest of
 * att__tpm_alg_size(alg) bytes per PCR set in `selected`, in ascending PCR order (the
 * order of a TPMS_QUOTE_INFO selection; a quote's pcrDigest covers the same bytes).
 * Fills res (caller-owned) for every selected PCR. A PCR the log never extends must hold
 * its reset value. Returns 0 when every selected PCR matches, ATT_EMISMATCH otherwise with
 * d: reason "eventlog.replay", field "PCR <i> (<alg>)", expected = quoted, found = replayed,
 * and a message naming the suspect events; ATT_EUNSUPPORTED when the log has no digests
 * for alg; ATT_EINVAL when values_len does not fit the selection. */
int att__evlog_verify_pcrs(const att__evlog *log, uint16_t alg, uint32_t selected,
                           const uint8_t *values, size_t values_len, att__pcr_verify_result *res,
                           att_diag *d);

/* ---- boot facts (only from events whose data is verified) ---- */

/* One Secure Boot signature database (PK, KEK, db, dbx) from EFI_SIGNATURE_LISTs. */
typedef struct att__sb_db {
    int present;                /* the variable was measured */
    size_t x509_count;          /* EFI_CERT_X509 entries */
    size_t sha256_count;        /* EFI_CERT_SHA256 entries (image hashes) */
    size_t other_count;         /* other signature types */
    char **subjects;            /* x509_count certificate subjects (RFC 2253), owned; a
                                   certificate that does not parse yields "(unparsable)" */
    uint8_t (*sha256)[32];      /* sha256_count hashes, owned */
    uint8_t (*x509_sha256)[32]; /* SHA-256 of each certificate's DER (x509_count), owned;
                                   all-zero for a certificate without a DER length */
} att__sb_db;

/* Is the certificate (DER) in db? Compared by SHA-256 of the DER. */
int att__sb_db_has_cert(const att__sb_db *db, const uint8_t *der, size_t n);
/* How many of the image hashes (EFI_CERT_SHA256 entries) of a dbx update are missing from
 * dbx? update is the update file as distributed (an authenticated-variable body:
 * EFI_VARIABLE_AUTHENTICATION_2 header, then EFI_SIGNATURE_LISTs) or bare signature lists.
 * *missing gets the count (0 = dbx is at least as current as the update: "dbxvalidated").
 * ATT_EINVAL when the update does not parse. */
int att__sb_dbx_missing(const att__sb_db *dbx, const uint8_t *update, size_t n, size_t *missing);

/* One EV_EFI_VARIABLE_AUTHORITY event (PCR7). */
typedef struct att__sb_authority {
    uint32_t event;
    char *name;          /* variable name (UTF-8), owned: "db", "Shim", "MokListRT",... */
    int after_separator; /* measured after the PCR7 separator (OS loader chain) */
    uint32_t data_len;   /* VariableData bytes */
    char *subject;       /* certificate subject when the data holds an X.509, else NULL */
} att__sb_authority;

typedef struct att__evlog_action {
    uint32_t event;
    uint32_t pcr;
    char *text; /* owned, ASCII as measured */
} att__evlog_action;

/* EV_EFI_BOOT_SERVICES_APPLICATION (PCR 2/4): the digests are Authenticode hashes and are
 * the trusted value; the device path is a hint. */
typedef struct att__evlog_app {
    uint32_t event;
    uint32_t pcr;
    uint32_t ndigests;
    att__evlog_digest digests[ATT_EVLOG_MAX_BANKS]; /* borrowed from the log */
    int after_calling_action; /* measured after "Calling EFI Application from Boot Option" */
} att__evlog_app;

/* Windows SIPA flags aggregated over the PCR12-14 EV_EVENT_TAG events before the WBCL
 * separator (tpm.md §2.6). -1 = not present in the log. Weakening flags latch 1 when any
 * instance is set; strengthening flags (code_integrity, dep) are 1 only if all are. */
typedef struct att__sipa_flags {
    int present; /* any SIPA event seen */
    int boot_debugging, os_kernel_debug, test_signing, flight_signing, hypervisor_debug;
    int code_integrity, dep, safe_mode, winpe;
    int hypervisor_launch_type, vsm_launch_type;
    int vbs_vsm_required, vbs_secureboot_required;
    int64_t hvci_policy;
    int elam_present;     /* an ELAM key name/config/policy/measured event was seen */
    int64_t boot_counter; /* BootCounter (-1 absent) */
    int transfer_control; /* last TransferControl (-1 absent) */
    size_t modules;       /* LoadedModuleAggregation containers seen */
} att__sipa_flags;

/* A finding about the log that does not stop parsing: a digest mismatch, a quirk, an
 * unexpected (PCR, type) in a PCR that facts are drawn from. */
typedef struct att__evlog_note {
    uint32_t event; /* event number, or UINT32_MAX for the whole log */
    int error;      /* 1: the affected facts are not trusted; 0: informational */
    char code[48];  /* stable code, e.g. "digest_mismatch", "authority_trailing_byte" */
    char *message;  /* owned; a full sentence naming event, type, PCR and values */
} att__evlog_note;

/* Facts of a boot, drawn only from verified data. Owned by the caller. */
typedef struct att__evlog_facts {
    /* Secure Boot (PCR7, before its separator). secure_boot: 1 on, 0 off, -1 unknown
     * (variable absent, empty, not 1 byte, unverified, or the PCR7 rules failed). */
    int secure_boot;
    int secure_boot_var_present;
    uint32_t secure_boot_var_len;
    att__sb_db pk, kek, db, dbx;
    att__sb_authority *authorities;
    size_t nauthorities;
    int pcr7_valid;      /* PCR7 passed the §2.4 rules (types, one separator, no dups) */
    int uefi_debug_mode; /* EV_EFI_ACTION "UEFI Debug Mode" in PCR7 */
    int dma_protection_disabled;

    uint32_t separators;      /* bit i: PCR i has a (verified) separator */
    uint32_t separator_error; /* bit i: PCR i separator data is FFFFFFFF or unverified */

    att__evlog_action *actions; /* EV_EFI_ACTION (verified), log order */
    size_t nactions;
    int exit_boot_services; /* both ExitBootServices actions present in PCR5 */

    att__evlog_app *apps; /* EV_EFI_BOOT_SERVICES_APPLICATION, log order */
    size_t napps;

    char *scrtm_version;     /* EV_S_CRTM_VERSION (verified, UTF-16 -> UTF-8), or NULL */
    char *kernel_cmdline;    /* the one GRUB/systemd-boot kernel command line, or NULL */
    size_t nkernel_cmdlines; /* more than one is a note */
    size_t ngrub_commands;   /* verified "grub_cmd" strings in PCR8 */
    char **pcr9_files;       /* GRUB PCR9 file paths (hints; the digest is the file's) */
    size_t npcr9_files;

    att__sipa_flags sipa;

    att__evlog_note *notes;
    size_t nnotes;
} att__evlog_facts;

/* Extracts the facts of a parsed log. Never fails on suspicious content (that becomes a
 * note and an unknown/absent fact); returns ATT_ENOMEM or ATT_ELIMIT only. On success
 * *out is new (free with att__evlog_facts_free). */
int att__evlog_facts_get(const att__evlog *log, att__evlog_facts **out);
void att__evlog_facts_free(att__evlog_facts *f);

/* MAA AzureGuest-style boot claims from the facts (maa.md §2.9, tpm.md §4.3):
 * "secureboot", "x-ms-azurevm-bootdebug-enabled", "-kerneldebug-enabled",
 * "-testsigning-enabled", "-flightsigning-enabled", "-hypervisordebug-enabled",
 * "-elam-enabled", "-hvci-policy", "-signingdisabled", "-debuggersdisabled",
 * "-is-windows" (SIPA seen). Linux logs give false for the Windows flags and
 * signingdisabled true (as in MAA's Linux samples). A flag whose data is missing or
 * unverified is reported as the unsafe value. New reference; NULL on allocation failure. */
json_t *att__evlog_azurevm_claims(const att__evlog_facts *f);

/* ---- baseline comparison (the "boot measurements deviate" alert, tpm.md §4.4) ---- */

/* Differences of one PCR between a baseline log and a new log, in one bank. */
#define ATT_EVLOG_MAX_DIFF_EVENTS 16u
typedef struct att__evlog_pcr_diff {
    uint32_t pcr;
    uint8_t base[ATT_TPM_MAX_DIGEST], cur[ATT_TPM_MAX_DIGEST];
    uint32_t nadded, nremoved;
    uint32_t added[ATT_EVLOG_MAX_DIFF_EVENTS];   /* event numbers of the new log whose
                                                    (type, digest) the baseline lacks */
    uint32_t removed[ATT_EVLOG_MAX_DIFF_EVENTS]; /* event numbers of the baseline that the
                                                    new log lacks */
} att__evlog_pcr_diff;

typedef struct att__evlog_diff {
    uint16_t alg, size;
    uint32_t differ; /* bit i: PCR i differs */
    uint32_t ndiff;
    att__evlog_pcr_diff pcr[ATT_TPM_NUM_PCRS]; /* ascending PCR order */
} att__evlog_diff;

/* Replays both logs in bank alg and lists, for every PCR in mask whose values differ, the
 * events that were added or removed (compared as (type, digest) in order of appearance).
 * Returns 0 (out->differ says whether anything differs) or ATT_EUNSUPPORTED when a log
 * lacks the bank (d names it). */
int att__evlog_diff_logs(const att__evlog *base, const att__evlog *cur, uint16_t alg, uint32_t mask,
                         att__evlog_diff *out, att_diag *d);

/* ---- JSON views ---- */

/* The MAA policy-1.2 view (maa.md §3.7, tpm.md §4): {"Events":[{"EventSeq", "PcrIndex",
 * "EventTypeString", "EventType", "Digests":{"SHA256":hex,...}, "DataVerified": bool,
 * "ProcessedData":{...}}...]}. ProcessedData is filled only from verified data: EFI
 * variables {VariableGuid (upper case), UnicodeName, VariableData (base64)}, EFI actions
 * and GRUB strings {String}, SIPA containers (EVENT_TRUSTBOUNDARY with
 * EVENT_LOADEDMODULE_AGGREGATION[{EVENT_FILEPATH, EVENT_IMAGEVALIDATED, ...}],
 * EVENT_BOOTDEBUGGING, ...). New reference; NULL on allocation failure. */
json_t *att__evlog_events_json(const att__evlog *log);
/* {"PCRs":[{"Index":i,"Digests":{"SHA1":hex,"SHA256":hex}}...]} from a replay of every
 * bank the log carries (or only `alg` when non-zero), for the `pcrs` claim. */
json_t *att__evlog_pcrs_json(const att__evlog *log, uint16_t alg);
/* Facts as JSON (the CLI and the MAA-style boot claims): secure_boot, pk/kek/db/dbx
 * {x509, sha256, subjects}, authorities, separators, efi_actions, apps, kernel_cmdline,
 * sipa, notes. New reference; NULL on allocation failure. */
json_t *att__evlog_facts_json(const att__evlog_facts *f);

#endif
