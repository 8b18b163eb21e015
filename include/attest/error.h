/* attestd error codes and the diagnostics record that explains a failure.
 *
 * Every fallible function returns 0 (ATT_OK) or a negative att_err. Verification
 * failures also fill an att_diag: a stable reason code, the field or rule that failed,
 * expected vs found, and a one-line message. That record is the single source of the
 * HTTP error message, the audit entry and the CLI output. */
#ifndef ATTEST_ERROR_H
#define ATTEST_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum att_err {
    ATT_OK = 0,
    ATT_ENOMEM = -1,        /* allocation failed */
    ATT_EINVAL = -2,        /* invalid argument or malformed input */
    ATT_ETRUNC = -3,        /* input ended before a field it declares */
    ATT_ELIMIT = -4,        /* input exceeds a bound in limits.h */
    ATT_EPARSE = -5,        /* syntax error (JSON, PEM, policy, ...) */
    ATT_ESIG = -6,          /* a signature does not verify */
    ATT_ECHAIN = -7,        /* certificate chain does not verify */
    ATT_EREVOKED = -8,      /* certificate revoked by a CRL */
    ATT_EEXPIRED = -9,      /* outside a validity period */
    ATT_EMISMATCH = -10,    /* a value differs from the one it must equal */
    ATT_ENOTFOUND = -11,    /* the named thing does not exist */
    ATT_EUNSUPPORTED = -12, /* valid but not supported (version, algorithm, type) */
    ATT_EIO = -13,          /* file or network I/O failed */
    ATT_ECRYPTO = -14,      /* the crypto library failed for a reason not listed above */
    ATT_ESTORE = -15,       /* the store failed */
    ATT_EPOLICY = -16,      /* policy denied or could not be evaluated */
    ATT_EDENIED = -17,      /* operation not permitted (auth, mode) */
    ATT_EBUSY = -18,        /* try again later (quota, shutting down) */
    ATT_EINTERNAL = -19,    /* a should-never-happen condition was detected */
} att_err;

/* Static English text for an error code; never NULL. */
const char *att_strerror(int err);

/* Short stable identifier for an error code ("ESIG"), for logs and JSON output. */
const char *att_errname(int err);

#define ATT_DIAG_REASON_MAX  64
#define ATT_DIAG_FIELD_MAX   96
#define ATT_DIAG_VALUE_MAX   160
#define ATT_DIAG_MESSAGE_MAX 512

/* Why something failed. Plain storage, owned by the caller, usually on the stack or
 * in the request arena. An empty reason means "no failure recorded". */
typedef struct att_diag {
    int err;                            /* att_err of the failure */
    char reason[ATT_DIAG_REASON_MAX];   /* stable code, e.g. "quote.qe_report.signature" */
    char field[ATT_DIAG_FIELD_MAX];     /* field, certificate or rule that failed */
    char expected[ATT_DIAG_VALUE_MAX];  /* what it had to be (may be empty) */
    char found[ATT_DIAG_VALUE_MAX];     /* what it was (may be empty) */
    char message[ATT_DIAG_MESSAGE_MAX]; /* one human sentence naming the failure */
} att_diag;

/* Clears a diagnostics record. NULL is allowed (no-op). */
void att_diag_clear(att_diag *d);

/* Records a failure and returns err, so callers can write
 *   return att_diag_fail(d, ATT_ESIG, "quote.signature", "signature", "quote signature invalid");
 * The first failure recorded wins: later calls on a filled record only return err.
 * d may be NULL. The message is printf-formatted and truncated to fit. */
int att_diag_fail(att_diag *d, int err, const char *reason, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Adds expected/found values to the recorded failure (truncated to fit). d may be NULL. */
void att_diag_expect(att_diag *d, const char *expected, const char *found);

/* Is a failure recorded? */
int att_diag_failed(const att_diag *d);

#ifdef __cplusplus
}
#endif
#endif
