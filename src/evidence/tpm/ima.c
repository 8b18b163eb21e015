/* Linux IMA measurement lists (ima.h, reference/tpm.md §3): ASCII and binary parsing,
 * template-data reconstruction for the ASCII form, the per-entry template-hash check,
 * PCR 10 replay per bank, boot_aggregate and kernel-module detection. Binary fields are
 * read through the bounded cursor; ASCII lines are split by hand with explicit lengths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/cursor.h"
#include "core/limits.h"
#include "evidence/tpm/evlog_int.h"
#include "evidence/tpm/ima.h"

/* The legacy "ima" template pads the path to IMA_EVENT_NAME_LEN_MAX + 1 bytes. */
#define IMA_LEGACY_NAME_LEN 256u
/* Bounds of one entry's fields: a template name ("ima-modsig"), a path (PATH_MAX), a
 * signature or buffer (ima-buf carries keys and certificates: 64 KiB). */
#define IMA_MAX_TEMPLATE_NAME 31u
#define IMA_MAX_PATH          4096u
#define IMA_MAX_TDATA         (64u * 1024u + IMA_MAX_PATH + 256u)

static const uint8_t zero20[20];

static int fail(att_diag *d, int err, uint32_t num, const char *what)
{
    return att_diag_fail(d, err, "ima.parse", "entry", "entry %u: %s", num, what);
}

static att__ima_template template_kind(const char *name)
{
    if (strcmp(name, "ima") == 0)
        return ATT_IMA_TMPL_IMA;
    if (strcmp(name, "ima-ng") == 0)
        return ATT_IMA_TMPL_NG;
    if (strcmp(name, "ima-sig") == 0)
        return ATT_IMA_TMPL_SIG;
    if (strcmp(name, "ima-buf") == 0)
        return ATT_IMA_TMPL_BUF;
    return ATT_IMA_TMPL_OTHER;
}

static int grow(att__ima_log *log, size_t *cap)
{
    if (log->nentries < *cap)
        return ATT_OK;
    size_t ncap = *cap ? *cap * 2 : 64;
    if (ncap > ATT_MAX_IMA_ENTRIES)
        ncap = ATT_MAX_IMA_ENTRIES;
    att__ima_entry *e = realloc(log->entries, ncap * sizeof(*e));
    if (!e)
        return ATT_ENOMEM;
    log->entries = e;
    *cap = ncap;
    return ATT_OK;
}

static char *dup_n(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Decodes the ima-ng/ima-sig template data of e (already in e->tdata) into its fields. */
static int decode_ng(att__ima_entry *e, att_diag *d)
{
    att__cursor c;
    att__cur_init(&c, e->tdata, e->tdata_len);
    uint32_t dlen, plen;
    const uint8_t *dp, *pp;
    if (att__cur_u32le(&c, &dlen) || att__cur_bytes(&c, dlen, &dp) || att__cur_u32le(&c, &plen) ||
        att__cur_bytes(&c, plen, &pp))
        return fail(d, ATT_EINVAL, e->num, "template data fields overrun the template data");
    /* d-ng: "<alg>:\0" || digest (older kernels: a bare SHA-1 digest) */
    const uint8_t *colon = dlen ? memchr(dp, ':', dlen) : NULL;
    const uint8_t *dig = dp;
    size_t diglen = dlen;
    snprintf(e->file_alg, sizeof(e->file_alg), "sha1");
    if (colon) {
        size_t an = (size_t)(colon - dp);
        if (an >= sizeof(e->file_alg) || an + 2 > dlen || colon[1] != 0)
            return fail(d, ATT_EINVAL, e->num, "malformed file digest field");
        memcpy(e->file_alg, dp, an);
        e->file_alg[an] = '\0';
        dig = colon + 2;
        diglen = dlen - an - 2;
    }
    if (diglen > ATT_TPM_MAX_DIGEST)
        return fail(d, ATT_EINVAL, e->num, "file digest longer than 64 bytes");
    memcpy(e->file_digest, dig, diglen);
    e->file_digest_len = diglen;
    /* n-ng: path with its NUL */
    size_t pn = plen;
    if (pn && pp[pn - 1] == 0)
        pn--;
    e->path = dup_n(pp, pn);
    if (!e->path)
        return ATT_ENOMEM;
    if (e->tmpl == ATT_IMA_TMPL_SIG) {
        uint32_t slen;
        const uint8_t *sp;
        if (att__cur_u32le(&c, &slen) || att__cur_bytes(&c, slen, &sp))
            return fail(d, ATT_EINVAL, e->num, "signature field overruns the template data");
        if (slen) {
            e->sig = malloc(slen);
            if (!e->sig)
                return ATT_ENOMEM;
            memcpy(e->sig, sp, slen);
            e->sig_len = slen;
        }
    }
    if (e->tmpl == ATT_IMA_TMPL_BUF) {
        uint32_t blen;
        const uint8_t *bp;
        if (att__cur_u32le(&c, &blen) || att__cur_bytes(&c, blen, &bp))
            return fail(d, ATT_EINVAL, e->num, "buffer field overruns the template data");
        e->buf = malloc(blen ? blen : 1);
        if (!e->buf)
            return ATT_ENOMEM;
        if (blen)
            memcpy(e->buf, bp, blen);
        e->buf_len = blen;
    }
    return ATT_OK;
}

/* Template hash check and violation flag, common to both forms. */
static void finish_entry(att__ima_log *log, att__ima_entry *e)
{
    e->violation = memcmp(e->template_hash, zero20, 20) == 0;
    if (e->violation) {
        log->violations++;
    } else if (e->unverifiable) {
        log->unverifiable++;
    } else {
        uint8_t h[20];
        e->template_hash_ok =
            att__tpm_hash(ATT_TPM_ALG_SHA1, e->tdata, e->tdata_len, h) == ATT_OK &&
            memcmp(h, e->template_hash, 20) == 0;
        if (!e->template_hash_ok)
            log->template_mismatches++;
    }
    if (e->pcr != ATT_IMA_PCR)
        log->wrong_pcr++;
    if ((!e->violation && !e->unverifiable && !e->template_hash_ok) || e->pcr != ATT_IMA_PCR)
        if (!log->first_bad_entry)
            log->first_bad_entry = e->num;
}

/* Legacy "ima" template data: digest(20) || path padded with NULs to 256 bytes. */
static int legacy_tdata(att__ima_entry *e, const uint8_t *dig, const uint8_t *path, size_t pn)
{
    if (pn > IMA_LEGACY_NAME_LEN - 1)
        pn = IMA_LEGACY_NAME_LEN - 1; /* the kernel truncates longer names the same way */
    e->tdata_len = 20 + IMA_LEGACY_NAME_LEN;
    e->tdata = calloc(1, e->tdata_len);
    if (!e->tdata)
        return ATT_ENOMEM;
    memcpy(e->tdata, dig, 20);
    memcpy(e->tdata + 20, path, pn);
    memcpy(e->file_digest, dig, 20);
    e->file_digest_len = 20;
    snprintf(e->file_alg, sizeof(e->file_alg), "sha1");
    return ATT_OK;
}

/* ---- binary ---- */

static int parse_binary_entry(att__cursor *c, att__ima_entry *e, att_diag *d)
{
    uint32_t nlen;
    const uint8_t *name;
    if (att__cur_u32le(c, &e->pcr) || att__cur_copy(c, e->template_hash, 20) ||
        att__cur_u32le(c, &nlen))
        return fail(d, ATT_ETRUNC, e->num, "truncated entry header");
    if (nlen == 0 || nlen > IMA_MAX_TEMPLATE_NAME)
        return fail(d, ATT_EINVAL, e->num, "template name length out of range");
    if (att__cur_bytes(c, nlen, &name))
        return fail(d, ATT_ETRUNC, e->num, "truncated template name");
    for (uint32_t i = 0; i < nlen; i++)
        if (name[i] < 0x21 || name[i] > 0x7E)
            return fail(d, ATT_EINVAL, e->num, "template name is not printable");
    memcpy(e->template_name, name, nlen);
    e->template_name[nlen] = '\0';
    e->tmpl = template_kind(e->template_name);
    if (e->tmpl == ATT_IMA_TMPL_IMA) {
        const uint8_t *dig, *path;
        uint32_t plen;
        if (att__cur_bytes(c, 20, &dig) || att__cur_u32le(c, &plen))
            return fail(d, ATT_ETRUNC, e->num, "truncated ima entry");
        if (plen > IMA_LEGACY_NAME_LEN - 1)
            return fail(d, ATT_EINVAL, e->num, "ima path longer than 255 bytes");
        if (att__cur_bytes(c, plen, &path))
            return fail(d, ATT_ETRUNC, e->num, "truncated ima path");
        size_t pn = plen;
        if (pn && path[pn - 1] == 0)
            pn--;
        e->path = dup_n(path, pn);
        if (!e->path)
            return ATT_ENOMEM;
        return legacy_tdata(e, dig, path, pn);
    }
    uint32_t tlen;
    const uint8_t *td;
    if (att__cur_u32le(c, &tlen))
        return fail(d, ATT_ETRUNC, e->num, "truncated template data length");
    if (tlen > IMA_MAX_TDATA)
        return fail(d, ATT_ELIMIT, e->num, "template data larger than the limit");
    if (att__cur_bytes(c, tlen, &td))
        return fail(d, ATT_ETRUNC, e->num, "template data overruns the list");
    e->tdata = malloc(tlen ? tlen : 1);
    if (!e->tdata)
        return ATT_ENOMEM;
    memcpy(e->tdata, td, tlen);
    e->tdata_len = tlen;
    if (e->tmpl != ATT_IMA_TMPL_OTHER)
        return decode_ng(e, d);
    e->path = dup_n((const uint8_t *)"", 0);
    return e->path ? ATT_OK : ATT_ENOMEM;
}

/* ---- ASCII ---- */

/* Next space-separated token of [*p, end); returns its length (0 at the end). */
static size_t token(const char **p, const char *end, const char **tok)
{
    const char *s = *p;
    while (s < end && *s == ' ')
        s++;
    const char *t = s;
    while (t < end && *t != ' ')
        t++;
    *tok = s;
    *p = t;
    return (size_t)(t - s);
}

static int hex_field(const char *s, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    if (n % 2 || n / 2 > cap)
        return ATT_EINVAL;
    return att__hex_decode(s, n, out, len) == ATT_OK ? ATT_OK : ATT_EINVAL;
}

/* Builds ima-ng/ima-sig template data from the ASCII fields. */
static int ng_tdata(att__ima_entry *e, const char *path, size_t pn)
{
    size_t an = strlen(e->file_alg);
    size_t dlen = an + 2 + e->file_digest_len;
    size_t total = 4 + dlen + 4 + pn + 1;
    if (e->tmpl == ATT_IMA_TMPL_SIG)
        total += 4 + e->sig_len;
    if (e->tmpl == ATT_IMA_TMPL_BUF)
        total += 4 + e->buf_len;
    uint8_t *t = malloc(total);
    if (!t)
        return ATT_ENOMEM;
    size_t o = 0;
    t[o++] = (uint8_t)dlen, t[o++] = (uint8_t)(dlen >> 8), t[o++] = (uint8_t)(dlen >> 16),
    t[o++] = (uint8_t)(dlen >> 24);
    memcpy(t + o, e->file_alg, an);
    o += an;
    t[o++] = ':';
    t[o++] = 0;
    memcpy(t + o, e->file_digest, e->file_digest_len);
    o += e->file_digest_len;
    size_t plen = pn + 1;
    t[o++] = (uint8_t)plen, t[o++] = (uint8_t)(plen >> 8), t[o++] = (uint8_t)(plen >> 16),
    t[o++] = (uint8_t)(plen >> 24);
    memcpy(t + o, path, pn);
    o += pn;
    t[o++] = 0;
    if (e->tmpl == ATT_IMA_TMPL_SIG) {
        size_t sl = e->sig_len;
        t[o++] = (uint8_t)sl, t[o++] = (uint8_t)(sl >> 8), t[o++] = (uint8_t)(sl >> 16),
        t[o++] = (uint8_t)(sl >> 24);
        if (sl)
            memcpy(t + o, e->sig, sl);
        o += sl;
    }
    if (e->tmpl == ATT_IMA_TMPL_BUF) {
        size_t bl = e->buf_len;
        t[o++] = (uint8_t)bl, t[o++] = (uint8_t)(bl >> 8), t[o++] = (uint8_t)(bl >> 16),
        t[o++] = (uint8_t)(bl >> 24);
        if (bl)
            memcpy(t + o, e->buf, bl);
        o += bl;
    }
    e->tdata = t;
    e->tdata_len = o;
    return ATT_OK;
}

static int parse_ascii_line(const char *line, size_t n, att__ima_entry *e, att_diag *d)
{
    const char *p = line, *end = line + n, *tok;
    size_t k = token(&p, end, &tok);
    if (k == 0 || k > 9)
        return fail(d, ATT_EINVAL, e->num, "missing PCR number");
    uint32_t pcr = 0;
    for (size_t i = 0; i < k; i++) {
        if (tok[i] < '0' || tok[i] > '9')
            return fail(d, ATT_EINVAL, e->num, "PCR is not a decimal number");
        pcr = pcr * 10 + (uint32_t)(tok[i] - '0');
    }
    e->pcr = pcr;
    k = token(&p, end, &tok);
    size_t hl = 0;
    if (k != 40 || hex_field(tok, k, e->template_hash, 20, &hl) != ATT_OK)
        return fail(d, ATT_EINVAL, e->num, "template hash is not 40 hex digits");
    k = token(&p, end, &tok);
    if (k == 0 || k > IMA_MAX_TEMPLATE_NAME)
        return fail(d, ATT_EINVAL, e->num, "missing template name");
    memcpy(e->template_name, tok, k);
    e->template_name[k] = '\0';
    e->tmpl = template_kind(e->template_name);
    if (e->tmpl == ATT_IMA_TMPL_OTHER) {
        /* ima-modsig, custom templates: the ASCII form does not let us rebuild the template
         * data; the template hash still extends the SHA-1 bank */
        e->unverifiable = 1;
        e->path = dup_n((const uint8_t *)"", 0);
        return e->path ? ATT_OK : ATT_ENOMEM;
    }
    k = token(&p, end, &tok);
    if (k == 0)
        return fail(d, ATT_EINVAL, e->num, "missing file digest");
    const char *hexd = tok;
    size_t hexn = k;
    if (e->tmpl != ATT_IMA_TMPL_IMA) {
        const char *colon = memchr(tok, ':', k);
        if (!colon || (size_t)(colon - tok) >= sizeof(e->file_alg))
            return fail(d, ATT_EINVAL, e->num, "file digest lacks its \"alg:\" prefix");
        memcpy(e->file_alg, tok, (size_t)(colon - tok));
        e->file_alg[colon - tok] = '\0';
        hexd = colon + 1;
        hexn = k - (size_t)(colon - tok) - 1;
    }
    if (hex_field(hexd, hexn, e->file_digest, ATT_TPM_MAX_DIGEST, &e->file_digest_len) != ATT_OK)
        return fail(d, ATT_EINVAL, e->num, "file digest is not hex");
    if (e->tmpl == ATT_IMA_TMPL_BUF) { /* " <name> <buffer hex>" */
        const char *nm, *bh;
        size_t nn = token(&p, end, &nm);
        size_t bn = token(&p, end, &bh);
        if (nn == 0 || nn > IMA_MAX_PATH || bn > 2 * IMA_MAX_TDATA)
            return fail(d, ATT_EINVAL, e->num, "malformed ima-buf fields");
        e->buf = malloc(bn / 2 + 1);
        if (!e->buf)
            return ATT_ENOMEM;
        if (hex_field(bh, bn, e->buf, bn / 2, &e->buf_len) != ATT_OK)
            return fail(d, ATT_EINVAL, e->num, "ima-buf buffer is not hex");
        e->path = dup_n((const uint8_t *)nm, nn);
        if (!e->path)
            return ATT_ENOMEM;
        return ng_tdata(e, nm, nn);
    }
    /* the rest of the line: " <path>" [" <sig hex>"] (the path may contain spaces) */
    if (p < end && *p == ' ')
        p++;
    const char *path = p;
    size_t pn = (size_t)(end - p);
    if (e->tmpl == ATT_IMA_TMPL_SIG) {
        const char *sp = NULL;
        for (const char *q = end; q > path; q--)
            if (q[-1] == ' ') {
                sp = q - 1;
                break;
            }
        if (sp) {
            size_t sn = (size_t)(end - sp - 1);
            if (sn) {
                e->sig = malloc(sn / 2 + 1);
                if (!e->sig)
                    return ATT_ENOMEM;
                if (hex_field(sp + 1, sn, e->sig, sn / 2, &e->sig_len) != ATT_OK)
                    return fail(d, ATT_EINVAL, e->num, "signature is not hex");
            }
            pn = (size_t)(sp - path);
        }
    }
    if (pn > IMA_MAX_PATH)
        return fail(d, ATT_ELIMIT, e->num, "path longer than 4096 bytes");
    e->path = dup_n((const uint8_t *)path, pn);
    if (!e->path)
        return ATT_ENOMEM;
    if (e->tmpl == ATT_IMA_TMPL_IMA) {
        if (e->file_digest_len != 20)
            return fail(d, ATT_EINVAL, e->num, "ima template file digest is not SHA-1");
        uint8_t dig[20];
        memcpy(dig, e->file_digest, 20);
        return legacy_tdata(e, dig, (const uint8_t *)path, pn);
    }
    return ng_tdata(e, path, pn);
}

static int is_ascii(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    return i > 0 && i < n && p[i] == ' ';
}

int att__ima_parse(const uint8_t *data, size_t n, att__ima_log **out, att_diag *d)
{
    *out = NULL;
    if (!data || n == 0)
        return att_diag_fail(d, ATT_EINVAL, "ima.parse", "ima", "the IMA list is empty");
    if (n > ATT_MAX_IMA_LOG_BYTES)
        return att_diag_fail(d, ATT_ELIMIT, "ima.parse", "ima",
                             "the IMA list is %zu bytes, more than the limit of %u", n,
                             ATT_MAX_IMA_LOG_BYTES);
    att__ima_log *log = calloc(1, sizeof(*log));
    if (!log)
        return ATT_ENOMEM;
    size_t cap = 0;
    int rc = ATT_OK;
    log->format = is_ascii(data, n) ? ATT_IMA_ASCII : ATT_IMA_BINARY;
    att__cursor c;
    att__cur_init(&c, data, n);
    size_t pos = 0;
    for (;;) {
        if (log->format == ATT_IMA_BINARY) {
            if (att__cur_remaining(&c) == 0)
                break;
            if (att__cur_remaining(&c) < 4 + 20 + 4) {
                log->trailing_bytes = att__cur_remaining(&c);
                break;
            }
        } else {
            while (pos < n && (data[pos] == '\n' || data[pos] == '\r'))
                pos++;
            if (pos >= n)
                break;
        }
        if (log->nentries >= ATT_MAX_IMA_ENTRIES) {
            rc = att_diag_fail(d, ATT_ELIMIT, "ima.parse", "ima",
                               "the IMA list has more than %u entries", ATT_MAX_IMA_ENTRIES);
            goto fail;
        }
        if ((rc = grow(log, &cap)) != ATT_OK)
            goto fail;
        att__ima_entry *e = &log->entries[log->nentries];
        memset(e, 0, sizeof(*e));
        e->num = (uint32_t)log->nentries + 1;
        log->nentries++; /* counted now so that att__ima_free releases a half-built entry */
        if (log->format == ATT_IMA_BINARY) {
            rc = parse_binary_entry(&c, e, d);
        } else {
            const uint8_t *nl = memchr(data + pos, '\n', n - pos);
            size_t ln = nl ? (size_t)(nl - (data + pos)) : n - pos;
            size_t l2 = ln;
            if (l2 && data[pos + l2 - 1] == '\r')
                l2--;
            rc = parse_ascii_line((const char *)data + pos, l2, e, d);
            pos += ln;
        }
        if (rc != ATT_OK)
            goto fail;
        finish_entry(log, e);
    }
    *out = log;
    return ATT_OK;
fail:
    if (rc == ATT_ENOMEM)
        att_diag_fail(d, rc, "ima.parse", "ima", "out of memory parsing the IMA list");
    att__ima_free(log);
    return rc;
}

void att__ima_free(att__ima_log *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->nentries; i++) {
        free(log->entries[i].tdata);
        free(log->entries[i].path);
        free(log->entries[i].sig);
        free(log->entries[i].buf);
    }
    free(log->entries);
    free(log);
}

int att__ima_replay(const att__ima_log *log, uint16_t alg, size_t count, uint8_t *out)
{
    size_t size = att__tpm_alg_size(alg);
    if (!size)
        return ATT_EUNSUPPORTED;
    if (count > log->nentries)
        count = log->nentries;
    memset(out, 0, size);
    uint8_t ff[ATT_TPM_MAX_DIGEST], h[ATT_TPM_MAX_DIGEST];
    memset(ff, 0xFF, sizeof(ff));
    for (size_t i = 0; i < count; i++) {
        const att__ima_entry *e = &log->entries[i];
        if (e->pcr != ATT_IMA_PCR)
            continue;
        const uint8_t *m;
        if (e->violation)
            m = ff;
        else if (alg == ATT_TPM_ALG_SHA1)
            m = e->template_hash;
        else if (e->unverifiable)
            return ATT_EUNSUPPORTED;
        else {
            int rc = att__tpm_hash(alg, e->tdata, e->tdata_len, h);
            if (rc != ATT_OK)
                return rc;
            m = h;
        }
        int rc = att__tpm_hash2(alg, out, size, m, size, out);
        if (rc != ATT_OK)
            return rc;
    }
    return ATT_OK;
}

int att__ima_verify_pcr(const att__ima_log *log, uint16_t alg, const uint8_t *quoted,
                        size_t quoted_len, int allow_prefix, size_t *matched_entries, att_diag *d)
{
    if (matched_entries)
        *matched_entries = 0;
    size_t size = att__tpm_alg_size(alg);
    if (!size || quoted_len != size)
        return att_diag_fail(d, ATT_EINVAL, "ima.replay", "pcr10",
                             "quoted PCR 10 value has %zu bytes, bank 0x%04x needs %zu", quoted_len,
                             alg, size);
    if (log->first_bad_entry) {
        const att__ima_entry *e = &log->entries[log->first_bad_entry - 1];
        char th[41], h[41];
        uint8_t calc[20];
        att__tpm_hex(e->template_hash, 20, th, sizeof(th));
        if (e->pcr != ATT_IMA_PCR)
            return att_diag_fail(d, ATT_EMISMATCH, "ima.entry", "pcr",
                                 "entry %u (%s): measured into PCR %u, not PCR 10", e->num,
                                 e->path ? e->path : "", e->pcr);
        att__tpm_hash(ATT_TPM_ALG_SHA1, e->tdata, e->tdata_len, calc);
        att__tpm_hex(calc, 20, h, sizeof(h));
        att_diag_fail(d, ATT_EMISMATCH, "ima.entry", "template_hash",
                      "entry %u (%s): template hash %s does not match SHA-1 of its template "
                      "data %s",
                      e->num, e->path ? e->path : "", th, h);
        att_diag_expect(d, h, th);
        return ATT_EMISMATCH;
    }
    /* Full replay first; with allow_prefix, walk prefixes (one extend per entry). */
    uint8_t pcr[ATT_TPM_MAX_DIGEST], ff[ATT_TPM_MAX_DIGEST], h[ATT_TPM_MAX_DIGEST];
    memset(pcr, 0, size);
    memset(ff, 0xFF, sizeof(ff));
    size_t match_at = (size_t)-1;
    if (allow_prefix && memcmp(pcr, quoted, size) == 0)
        match_at = 0;
    for (size_t i = 0; i < log->nentries; i++) {
        const att__ima_entry *e = &log->entries[i];
        const uint8_t *m = e->template_hash;
        if (e->pcr != ATT_IMA_PCR)
            continue;
        if (e->violation)
            m = ff;
        else if (alg != ATT_TPM_ALG_SHA1 && e->unverifiable)
            return att_diag_fail(d, ATT_EUNSUPPORTED, "ima.replay", "pcr10",
                                 "entry %u (template %s): its template data is not in the ASCII "
                                 "list, so it cannot be replayed in the %s bank",
                                 e->num, e->template_name, att__tpm_alg_name(alg));
        else if (alg != ATT_TPM_ALG_SHA1) {
            if (att__tpm_hash(alg, e->tdata, e->tdata_len, h) != ATT_OK)
                return att_diag_fail(d, ATT_EUNSUPPORTED, "ima.replay", "pcr10",
                                     "cannot compute bank 0x%04x", alg);
            m = h;
        }
        if (att__tpm_hash2(alg, pcr, size, m, size, pcr) != ATT_OK)
            return att_diag_fail(d, ATT_EUNSUPPORTED, "ima.replay", "pcr10",
                                 "cannot compute bank 0x%04x", alg);
        if (allow_prefix && memcmp(pcr, quoted, size) == 0)
            match_at = i + 1;
    }
    if (memcmp(pcr, quoted, size) == 0)
        match_at = log->nentries;
    if (match_at != (size_t)-1) {
        if (matched_entries)
            *matched_entries = match_at;
        return ATT_OK;
    }
    char q[2 * ATT_TPM_MAX_DIGEST + 1], r[2 * ATT_TPM_MAX_DIGEST + 1];
    att__tpm_hex(quoted, size, q, sizeof(q));
    att__tpm_hex(pcr, size, r, sizeof(r));
    att_diag_fail(d, ATT_EMISMATCH, "ima.replay", "pcr10",
                  "PCR 10 (%s): the IMA list (%zu entries) replays to %s but the quote has %s",
                  att__tpm_alg_name(alg), log->nentries, r, q);
    att_diag_expect(d, q, r);
    return ATT_EMISMATCH;
}

const att__ima_entry *att__ima_boot_aggregate(const att__ima_log *log)
{
    for (size_t i = 0; i < log->nentries; i++)
        if (log->entries[i].path && strcmp(log->entries[i].path, "boot_aggregate") == 0)
            return &log->entries[i];
    return NULL;
}

int att__ima_check_boot_aggregate(const att__ima_log *log, uint16_t alg,
                                  const uint8_t pcrs[][ATT_TPM_MAX_DIGEST], att_diag *d)
{
    const att__ima_entry *e = att__ima_boot_aggregate(log);
    size_t size = att__tpm_alg_size(alg);
    const char *an = att__tpm_alg_name(alg);
    if (!e || !size || !an || strcmp(e->file_alg, an) != 0 || e->file_digest_len != size)
        return att_diag_fail(d, ATT_ENOTFOUND, "ima.boot_aggregate", "boot_aggregate",
                             "no %s boot_aggregate entry in the IMA list", an ? an : "?");
    uint8_t buf[10 * ATT_TPM_MAX_DIGEST], h[ATT_TPM_MAX_DIGEST];
    size_t npcr = alg == ATT_TPM_ALG_SHA1 ? 8 : 10;
    for (size_t i = 0; i < npcr; i++)
        memcpy(buf + i * size, pcrs[i], size);
    if (att__tpm_hash(alg, buf, npcr * size, h) != ATT_OK)
        return ATT_EUNSUPPORTED;
    if (memcmp(h, e->file_digest, size) == 0)
        return ATT_OK;
    char x[2 * ATT_TPM_MAX_DIGEST + 1], y[2 * ATT_TPM_MAX_DIGEST + 1];
    att__tpm_hex(h, size, x, sizeof(x));
    att__tpm_hex(e->file_digest, size, y, sizeof(y));
    att_diag_fail(d, ATT_EMISMATCH, "ima.boot_aggregate", "boot_aggregate",
                  "entry %u (boot_aggregate): %s of PCR 0-%zu is %s but the entry has %s", e->num,
                  an, npcr - 1, x, y);
    att_diag_expect(d, x, y);
    return ATT_EMISMATCH;
}

int att__ima_is_module(const att__ima_entry *e)
{
    const char *p = e->path;
    if (!p || (strncmp(p, "/lib/modules/", 13) != 0 && strncmp(p, "/usr/lib/modules/", 17) != 0))
        return 0;
    static const char *const ext[] = {".ko", ".ko.xz", ".ko.zst", ".ko.gz"};
    size_t n = strlen(p);
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        size_t k = strlen(ext[i]);
        if (n > k && strcmp(p + n - k, ext[i]) == 0)
            return 1;
    }
    return 0;
}

size_t att__ima_module_count(const att__ima_log *log)
{
    size_t n = 0;
    for (size_t i = 0; i < log->nentries; i++)
        n += (size_t)att__ima_is_module(&log->entries[i]);
    return n;
}
