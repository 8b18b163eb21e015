/* Internals shared by the event-log and IMA files of src/evidence/tpm: hashing by TPM
 * algorithm id, UTF-16 to UTF-8, hex, GUIDs and the growable note list. */
#ifndef ATT_EVIDENCE_TPM_EVLOG_INT_H
#define ATT_EVIDENCE_TPM_EVLOG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "evidence/tpm/eventlog.h"

/* H_alg(data) into out (att__tpm_alg_size(alg) bytes). ATT_EUNSUPPORTED for an unknown
 * algorithm. */
int att__tpm_hash(uint16_t alg, const void *data, size_t n, uint8_t *out);
/* H_alg(a || b) (PCR extend). */
int att__tpm_hash2(uint16_t alg, const void *a, size_t na, const void *b, size_t nb, uint8_t *out);

/* UTF-16LE (n bytes; stops at a NUL code unit) to a malloc'd UTF-8 string; unpaired
 * surrogates become U+FFFD. NULL on allocation failure. */
char *att__utf16le_to_utf8(const uint8_t *p, size_t n);
/* Lower-case hex of n bytes into out (cap >= 2n+1); returns out. */
char *att__tpm_hex(const uint8_t *p, size_t n, char *out, size_t cap);
/* "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" (upper case) of an EFI_GUID (mixed endian) into
 * out (cap >= 37). */
void att__efi_guid_str(const uint8_t g[16], char out[37]);

/* Well-known GUIDs in their in-memory (log) byte order. */
extern const uint8_t att__guid_efi_global[16];     /* 8BE4DF61-93CA-11D2-AA0D-00E098032B8C */
extern const uint8_t att__guid_image_security[16]; /* D719B2CB-3D3A-4596-A3BC-DAD00E67656F */
extern const uint8_t att__guid_cert_x509[16];      /* A5C059A1-94E4-4AA7-87B5-AB155C2BF072 */
extern const uint8_t att__guid_cert_sha256[16];    /* C1C41626-504C-4092-ACA9-41F936934328 */

/* A decoded UEFI_VARIABLE_DATA (borrowed pointers into the event data). */
typedef struct att__efi_var {
    const uint8_t *guid;
    const uint8_t *name16; /* UTF-16LE */
    size_t name_units;
    const uint8_t *value;
    size_t value_len;
} att__efi_var;
/* Decodes ev data as UEFI_VARIABLE_DATA; the declared lengths must fit (trailing bytes
 * after VariableData are allowed only when allow_trailing). ATT_EINVAL otherwise. */
int att__efi_var_decode(const uint8_t *data, size_t n, int allow_trailing, att__efi_var *v);
/* Does the UTF-16 name equal the ASCII string s? */
int att__efi_var_name_is(const att__efi_var *v, const char *s);

/* Notes kept per log (the first ones matter; a hostile log could otherwise make one per
 * event) and GRUB PCR9 file names kept (real logs: up to ~100). */
#define ATT_EVLOG_MAX_NOTES 256u
#define ATT_EVLOG_MAX_FILES 1024u
/* Nesting of Windows SIPA containers followed (real logs: 2). */
#define ATT_SIPA_MAX_DEPTH 8u
/* Bytes of a bitmap with one bit per event of a log. */
#define ATT_MAX_EVENTLOG_EVENTS_BITMAP ((ATT_MAX_EVENTLOG_EVENTS + 7u) / 8u)

/* Is the digest of this (PCR, type) defined as the hash of (part of) its data, so that a
 * difference is a mismatch (tpm.md §2.2 "verify-data")? */
int att__evlog_verify_kind(const att__evlog_event *ev);
/* Length of the GRUB prefix ("grub_cmd: ", "kernel_cmdline: ", ...) data starts with, or 0. */
size_t att__evlog_grub_prefix(const uint8_t *data, size_t n);
/* Appends a note to f (printf-style message). ATT_ENOMEM only. */
int att__facts_note(att__evlog_facts *f, uint32_t event, int error, const char *code,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Windows SIPA flags of the log into f->sipa (evlog_sipa.c). */
int att__evlog_sipa(att__evlog_facts *f, const att__evlog *log);

/* Names of SIPA event types ("BootDebugging"), NULL when unknown; MAA's JSON names
 * ("EVENT_BOOTDEBUGGING") likewise. */
const char *att__sipa_name(uint32_t type);
const char *att__sipa_maa_name(uint32_t type);
#define ATT_SIPA_CONTAINER(t) (((t)&0x000F0000u) == 0x00010000u)

#endif
