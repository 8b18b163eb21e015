/* Helpers of the src/evidence/tpm unit tests: loading event logs and IMA lists from the
 * shared vectors, hex of digests. */
#ifndef ATT_TPM_TU_H
#define ATT_TPM_TU_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/tpm/eventlog.h"
#include "evidence/tpm/evlog_int.h"
#include "evidence/tpm/ima.h"
#include "testutil.h"

#define TPM_TU_LOGS "vectors/tpm/eventlogs/"
#define TPM_TU_IMA  "vectors/tpm/ima/"

/* The bytes of vectors/tpm/eventlogs/<name> (malloc'd; caller frees). */
static inline uint8_t *tpm_tu_read(const char *dir, const char *name, size_t *n)
{
    char rel[512];
    snprintf(rel, sizeof(rel), "%s%s", dir, name);
    return tu_read_file(tu_shared_path(rel), n);
}

/* Parses vectors/tpm/eventlogs/<name>; fails the test when it does not parse. */
static inline att__evlog *tpm_tu_log(const char *name)
{
    size_t n;
    uint8_t *b = tpm_tu_read(TPM_TU_LOGS, name, &n);
    att__evlog *log = NULL;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__evlog_parse(b, n, &log, &d);
    free(b);
    if (rc != ATT_OK)
        fail_msg("%s: %s", name, d.message);
    return log;
}

static inline void tpm_tu_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* A JSON file under the shared directory that may hold \u0000 in strings (the summary
 * quotes raw NO_ACTION signatures); numbers as reals like tu_load_json. */
static inline json_t *tpm_tu_json(const char *rel)
{
    size_t n;
    char *text = tu_read_shared_text(rel, &n);
    json_error_t err;
    json_t *j = json_loadb(text, n, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &err);
    free(text);
    if (!j)
        fail_msg("%s: %s", rel, err.text);
    return j;
}

/* The name after the last '/' of a vector path ("eventlogs/x.bin" -> "x.bin"). */
static inline const char *tpm_tu_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

#endif
