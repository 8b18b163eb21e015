/* Error code names and the diagnostics record (include/attest/error.h). */
#include "attest/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    int err;
    const char *name;
    const char *text;
} errtab[] = {
    {ATT_OK, "OK", "success"},
    {ATT_ENOMEM, "ENOMEM", "out of memory"},
    {ATT_EINVAL, "EINVAL", "invalid argument or malformed input"},
    {ATT_ETRUNC, "ETRUNC", "input truncated"},
    {ATT_ELIMIT, "ELIMIT", "input exceeds a limit"},
    {ATT_EPARSE, "EPARSE", "syntax error"},
    {ATT_ESIG, "ESIG", "signature invalid"},
    {ATT_ECHAIN, "ECHAIN", "certificate chain invalid"},
    {ATT_EREVOKED, "EREVOKED", "certificate revoked"},
    {ATT_EEXPIRED, "EEXPIRED", "outside validity period"},
    {ATT_EMISMATCH, "EMISMATCH", "value mismatch"},
    {ATT_ENOTFOUND, "ENOTFOUND", "not found"},
    {ATT_EUNSUPPORTED, "EUNSUPPORTED", "not supported"},
    {ATT_EIO, "EIO", "I/O error"},
    {ATT_ECRYPTO, "ECRYPTO", "cryptographic library error"},
    {ATT_ESTORE, "ESTORE", "store error"},
    {ATT_EPOLICY, "EPOLICY", "policy error"},
    {ATT_EDENIED, "EDENIED", "not permitted"},
    {ATT_EBUSY, "EBUSY", "busy, try again later"},
    {ATT_EINTERNAL, "EINTERNAL", "internal error"},
};

const char *att_strerror(int err)
{
    for (size_t i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
        if (errtab[i].err == err)
            return errtab[i].text;
    return "unknown error";
}

const char *att_errname(int err)
{
    for (size_t i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
        if (errtab[i].err == err)
            return errtab[i].name;
    return "EUNKNOWN";
}

void att_diag_clear(att_diag *d)
{
    if (d)
        memset(d, 0, sizeof(*d));
}

/* Copies src into a fixed array, always NUL-terminated, truncating. */
static void copy_field(char *dst, size_t cap, const char *src)
{
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int att_diag_fail(att_diag *d, int err, const char *reason, const char *field, const char *fmt, ...)
{
    if (!d || d->reason[0])
        return err;
    d->err = err;
    copy_field(d->reason, sizeof(d->reason), reason ? reason : "unspecified");
    copy_field(d->field, sizeof(d->field), field);
    d->expected[0] = d->found[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->message, sizeof(d->message), fmt, ap);
        va_end(ap);
    } else {
        copy_field(d->message, sizeof(d->message), att_strerror(err));
    }
    return err;
}

void att_diag_expect(att_diag *d, const char *expected, const char *found)
{
    if (!d)
        return;
    copy_field(d->expected, sizeof(d->expected), expected);
    copy_field(d->found, sizeof(d->found), found);
}

int att_diag_failed(const att_diag *d)
{
    return d && d->reason[0] != '\0';
}
