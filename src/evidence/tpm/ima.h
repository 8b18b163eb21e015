/* Linux IMA measurement lists (reference/tpm.md §3): the ASCII
 * (ascii_runtime_measurements) and binary (binary_runtime_measurements) forms with the
 * templates ima, ima-ng, ima-sig (ima-buf and unknown templates are kept without their
 * fields; ima-buf's buffer is kept), the template-hash check per entry, PCR 10 replay per bank,
 * boot_aggregate and the kernel modules the list records.
 *
 * Template hash: SHA-1 of the template data (ima-ng/ima-sig: u32 len || "<alg>:\0" ||
 * digest, u32 len || path || NUL [, u32 len || signature]; ima: digest(20) || path padded
 * with NULs to 256 bytes). PCR 10 extension: the SHA-1 bank gets the template hash; other
 * banks get H_bank(template data) (kernels >= 5.10). An all-zero template hash is a
 * violation (ToMToU / open-writers) and extends all-FF in every bank.
 *
 * Ownership: att__ima_parse copies what it keeps; an att__ima_log owns every string and
 * buffer it points to and lives until att__ima_free. Immutable after parsing. */
#ifndef ATT_EVIDENCE_TPM_IMA_H
#define ATT_EVIDENCE_TPM_IMA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "evidence/tpm/eventlog.h"

#define ATT_IMA_PCR 10u

typedef enum att__ima_format {
    ATT_IMA_ASCII = 1,  /* ascii_runtime_measurements */
    ATT_IMA_BINARY = 2, /* binary_runtime_measurements (little-endian) */
} att__ima_format;

typedef enum att__ima_template {
    ATT_IMA_TMPL_OTHER = 0, /* ima-buf, ima-modsig, custom: template data kept, no fields */
    ATT_IMA_TMPL_IMA = 1,   /* legacy: SHA-1 file digest, path */
    ATT_IMA_TMPL_NG = 2,    /* ima-ng: <alg>:digest, path */
    ATT_IMA_TMPL_SIG = 3,   /* ima-sig: ima-ng fields + signature */
    ATT_IMA_TMPL_BUF = 4,   /* ima-buf: <alg>:digest, name, buffer (kexec cmdline, keys) */
} att__ima_template;

/* One measurement. num counts from 1 (the number diagnostics print: "entry 17"). */
typedef struct att__ima_entry {
    uint32_t num;
    uint32_t pcr;
    uint8_t template_hash[20];
    att__ima_template tmpl;
    char template_name[32]; /* as recorded ("ima-ng") */
    uint8_t *tdata;         /* template data (what the template hash covers), owned */
    size_t tdata_len;
    char file_alg[16]; /* "sha1", "sha256", ... ("sha1" for the legacy template) */
    uint8_t file_digest[ATT_TPM_MAX_DIGEST];
    size_t file_digest_len;
    char *path;   /* owned, NUL-terminated (path or buffer name); may be "" */
    uint8_t *sig; /* ima-sig signature, owned, NULL when none */
    size_t sig_len;
    int violation;        /* template hash all zero */
    int template_hash_ok; /* SHA-1(tdata) == template_hash (0 for violations) */
    uint8_t *buf;         /* ima-buf buffer, owned, NULL when none */
    size_t buf_len;
    int unverifiable; /* ASCII entry of a template whose data cannot be rebuilt (ima-modsig,
                         custom): usable for the SHA-1 bank only */
} att__ima_entry;

typedef struct att__ima_log {
    att__ima_format format;
    att__ima_entry *entries; /* owned */
    size_t nentries;
    size_t violations;          /* entries with an all-zero template hash */
    size_t template_mismatches; /* non-violation entries whose template hash differs */
    size_t wrong_pcr;           /* entries not in PCR 10 */
    size_t trailing_bytes;      /* binary: bytes after the last entry, too few for a header */
    uint32_t first_bad_entry;   /* first entry with a mismatch or wrong PCR, 0 when none */
    size_t unverifiable;        /* entries with unverifiable set */
} att__ima_log;

/* Parses a list; the format is detected (ASCII lines start with a decimal PCR number and
 * a space; anything else is binary). Bounded by ATT_MAX_IMA_ENTRIES and
 * ATT_MAX_IMA_LOG_BYTES. A malformed or truncated entry is an error naming the entry
 * (reason "ima.parse", "entry N: ..."); template-hash mismatches and violations are not
 * errors (they are counted and show in replay/diagnostics). On success *out is new (free
 * with att__ima_free). */
int att__ima_parse(const uint8_t *data, size_t n, att__ima_log **out, att_diag *d);
void att__ima_free(att__ima_log *log);

/* Replays PCR 10 for bank alg over entries [0, count) (count = log->nentries for all):
 * start at zero, extend per entry (violations: all-FF). Entries in another PCR are
 * skipped. out gets att__tpm_alg_size(alg) bytes. ATT_EUNSUPPORTED for an unknown alg, or
 * for a bank other than SHA-1 when an unverifiable entry is in range. */
int att__ima_replay(const att__ima_log *log, uint16_t alg, size_t count, uint8_t *out);

/* Checks the list against a quoted PCR 10 value of bank alg: every non-violation entry
 * must have a valid template hash and be in PCR 10, and the replay of all entries must
 * equal quoted. When allow_prefix is set, a replay equal at some shorter prefix is also
 * accepted (the log is appended before the PCR is extended; Keylime's rule) and
 * *matched_entries says where (NULL allowed). Returns 0 or ATT_EMISMATCH with d naming the
 * first bad entry ("entry 17 (/usr/bin/foo): template hash ... does not match SHA-1 of its
 * template data ...") or the replay mismatch (expected quoted, found replayed). */
int att__ima_verify_pcr(const att__ima_log *log, uint16_t alg, const uint8_t *quoted,
                        size_t quoted_len, int allow_prefix, size_t *matched_entries, att_diag *d);

/* The boot_aggregate entry (the first entry named "boot_aggregate"), or NULL. Borrowed. */
const att__ima_entry *att__ima_boot_aggregate(const att__ima_log *log);

/* Checks the boot_aggregate file digest against replayed/quoted boot PCRs: with alg SHA-1
 * H(PCR0..7), with others H(PCR0..9) (tpm.md §3). pcrs[i] holds PCR i of that bank
 * (size bytes each, i < 10). Returns 0, ATT_ENOTFOUND (no boot_aggregate or another
 * algorithm), ATT_EMISMATCH with d. An all-zero boot_aggregate (no TPM at IMA init) is a
 * mismatch. */
int att__ima_check_boot_aggregate(const att__ima_log *log, uint16_t alg,
                                  const uint8_t pcrs[][ATT_TPM_MAX_DIGEST], att_diag *d);

/* Is this entry a kernel module (path under /lib/modules or /usr/lib/modules ending in
 * .ko, .ko.xz, .ko.zst or .ko.gz)? */
int att__ima_is_module(const att__ima_entry *e);
/* Number of module entries; the entries themselves are found with att__ima_is_module. */
size_t att__ima_module_count(const att__ima_log *log);

/* JSON view: {"format", "entries", "templates":[...], "violations", "template_mismatches",
 * "boot_aggregate":"alg:hex"|null, "pcr10":{"sha1":hex,"sha256":hex},
 * "modules":[{"entry","path","digest":"alg:hex"}...], "diagnostics":[...]}; with
 * with_entries also "list":[{"num","pcr","template","template_hash","file_digest","path",
 * "violation","template_hash_ok"}...]. New reference; NULL on allocation failure. */
json_t *att__ima_json(const att__ima_log *log, int with_entries);

/* MAA-style events for policy 1.2 ({"EventSeq", "PcrIndex":10, "EventTypeString":
 * "IMA_MEASUREMENT_EVENT", "ProcessedData":{"TemplateName", "FileDigest", "FilePath",
 * "TemplateHashValid"}}), appended to the array `events`. Returns 0 or ATT_ENOMEM. */
int att__ima_append_events_json(const att__ima_log *log, json_t *events);

#endif
