/* The collateral store: verified DCAP collateral sets indexed by (FMSPC, TEE type, PCK CA),
 * loaded from a normalized JSON file, a directory of them, or Intel PCS API v4 bundle
 * directories (the PCS response bodies with their issuer-chain headers saved as files; the
 * layout is documented in docs/internals/collateral.md). Built once, immutable after. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collateral/dcap_int.h"
#include "core/log.h"

/* PCS bundle file names (docs/internals/collateral.md). */
#define B_TCBINFO    "tcbinfo.json"
#define B_TCB_CHAIN  "TCB-Info-Issuer-Chain.pem"
#define B_QEID       "qe_identity.json"
#define B_QE_CHAIN   "SGX-Enclave-Identity-Issuer-Chain.pem"
#define B_PCKCRL     "pckcrl.der"
#define B_PCK_CHAIN  "SGX-PCK-CRL-Issuer-Chain.pem"
#define B_ROOTCRL    "rootcrl.der"
#define B_FILE_COUNT 7

struct att__dcap_store {
    att__dcap_collateral **sets; /* one reference each */
    size_t n, cap;
};

/* ---- files ---- */

/* Reads a regular file of at most ATT_DCAP_MAX_FILE bytes (malloc'd, NUL appended and not
 * counted; caller frees). */
static int read_file(const char *path, char **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* no blocking on a FIFO */
    if (fd < 0)
        return errno == ENOENT ? ATT_ENOTFOUND : ATT_EIO;
    struct stat st;
    int rc = ATT_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = ATT_EIO;
    else if (st.st_size < 0 || (unsigned long long)st.st_size > ATT_DCAP_MAX_FILE)
        rc = ATT_ELIMIT;
    char *buf = NULL;
    size_t len = 0;
    if (rc == ATT_OK) {
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
            rc = ATT_ENOMEM;
    }
    while (rc == ATT_OK && len < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            rc = ATT_EIO;
        else
            len += (size_t)r;
    }
    close(fd);
    if (rc != ATT_OK) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *out = buf;
    *n = len;
    return ATT_OK;
}

static int join(char *out, size_t cap, const char *dir, const char *name)
{
    int k = snprintf(out, cap, "%s/%s", dir, name);
    return k < 0 || (size_t)k >= cap ? ATT_ELIMIT : ATT_OK;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_bundle(const char *dir)
{
    char p[4096];
    struct stat st;
    return join(p, sizeof(p), dir, B_TCB_CHAIN) == ATT_OK && stat(p, &st) == 0 &&
           S_ISREG(st.st_mode);
}

/* Records a failure of one file/bundle into d with the name as prefix. */
static int fail_in(att_diag *d, const char *name, int rc, const att_diag *local)
{
    if (local && att_diag_failed(local)) {
        att_diag_fail(d, rc, local->reason, local->field, "%s: %s", name, local->message);
        att_diag_expect(d, local->expected, local->found);
        return rc;
    }
    return att_diag_fail(d, rc, "collateral.file", name, "%s: %s", name, att_strerror(rc));
}

/* ---- PCS bundle ---- */

/* Percent-decodes in place when text is a URL-encoded header value (it has '%' escapes,
 * which PEM never has); returns the new length. */
static size_t url_decode(char *s, size_t n)
{
    /* PEM never contains '%'; PCS's header encoding leaves '-' unescaped, so the presence
     * of "-----BEGIN" says nothing about whether the text is encoded. */
    if (!memchr(s, '%', n))
        return n;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && n - i >= 3 && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            long v = strtol(hex, NULL, 16);
            if (v > 0) {
                s[o++] = (char)v;
                i += 2;
                continue;
            }
        }
        s[o++] = s[i] == '+' ? ' ' : s[i];
    }
    s[o] = '\0';
    return o;
}

/* A PCS response body {"<key>":{...},"signature":"<hex>"}: the exact text of the signed
 * value and the signature string (both borrowed from body). */
static int pcs_body(const char *name, const char *body, size_t n, const char *key,
                    const char **text, size_t *text_n, const char **sig, size_t *sig_n,
                    json_t **keep, att_diag *d)
{
    size_t off = 0, len = 0;
    json_error_t err;
    *keep = NULL;
    if (att__dcap_json_depth_ok(body, n) != ATT_OK)
        return att_diag_fail(d, ATT_ELIMIT, "collateral.json", name, "%s: nested too deep", name);
    json_t *root = json_loadb(body, n, JSON_REJECT_DUPLICATES, &err);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return att_diag_fail(d, ATT_EPARSE, "collateral.json", name,
                             "%s: not a JSON object (line %d: %s)", name, err.line, err.text);
    }
    *keep = root;
    json_t *s = json_object_get(root, "signature");
    if (!json_is_string(s))
        return att_diag_fail(d, ATT_EINVAL, "collateral.member", name,
                             "%s: signature: required string member missing", name);
    *sig = json_string_value(s);
    *sig_n = json_string_length(s);
    if (!json_is_object(json_object_get(root, key)) ||
        att__dcap_json_member_span(body, n, key, &off, &len) != ATT_OK)
        return att_diag_fail(d, ATT_EINVAL, "collateral.member", name,
                             "%s: %s: required object member missing", name, key);
    *text = body + off;
    *text_n = len;
    return ATT_OK;
}

/* Loads the bundle directory dir as one set. */
static int load_bundle(const char *dir, const att__cert *const *anchors, size_t n_anchors,
                       att__dcap_collateral **out, att_diag *d)
{
    static const char *const names[B_FILE_COUNT] = {B_TCBINFO, B_TCB_CHAIN, B_QEID,   B_QE_CHAIN,
                                                    B_PCKCRL,  B_PCK_CHAIN, B_ROOTCRL};
    char *f[B_FILE_COUNT] = {0};
    size_t fn[B_FILE_COUNT] = {0};
    json_t *keep_tcb = NULL, *keep_qe = NULL;
    int rc = ATT_OK;
    for (size_t i = 0; i < B_FILE_COUNT && rc == ATT_OK; i++) {
        char p[4096];
        rc = join(p, sizeof(p), dir, names[i]);
        if (rc == ATT_OK)
            rc = read_file(p, &f[i], &fn[i]);
        if (rc != ATT_OK)
            att_diag_fail(d, rc, "collateral.bundle", names[i], "bundle file %s: %s", names[i],
                          att_strerror(rc));
    }
    att__dcap_raw r;
    memset(&r, 0, sizeof(r));
    if (rc == ATT_OK)
        rc = pcs_body(B_TCBINFO, f[0], fn[0], "tcbInfo", &r.tcb_info, &r.tcb_info_n, &r.tcb_sig,
                      &r.tcb_sig_n, &keep_tcb, d);
    if (rc == ATT_OK)
        rc = pcs_body(B_QEID, f[2], fn[2], "enclaveIdentity", &r.qe_id, &r.qe_id_n, &r.qe_sig,
                      &r.qe_sig_n, &keep_qe, d);
    if (rc == ATT_OK) {
        r.tcb_chain = f[1];
        r.tcb_chain_n = url_decode(f[1], fn[1]);
        r.qe_chain = f[3];
        r.qe_chain_n = url_decode(f[3], fn[3]);
        r.pck_crl = (const uint8_t *)f[4];
        r.pck_crl_n = fn[4];
        r.pck_crl_is_der = 1;
        r.pck_chain = f[5];
        r.pck_chain_n = url_decode(f[5], fn[5]);
        r.root_crl = (const uint8_t *)f[6];
        r.root_crl_n = fn[6];
        r.root_crl_is_der = 1;
        rc = att__dcap_collateral_from_raw(&r, anchors, n_anchors, out, d);
    }
    json_decref(keep_tcb);
    json_decref(keep_qe);
    for (size_t i = 0; i < B_FILE_COUNT; i++)
        free(f[i]);
    return rc;
}

/* ---- the store ---- */

static int store_add(att__dcap_store *s, att__dcap_collateral *c)
{
    if (s->n == ATT_DCAP_MAX_SETS)
        return ATT_ELIMIT;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        att__dcap_collateral **p = realloc(s->sets, cap * sizeof(*p));
        if (!p)
            return ATT_ENOMEM;
        s->sets = p;
        s->cap = cap;
    }
    s->sets[s->n++] = c;
    return ATT_OK;
}

/* Loads one entry (a normalized file or a bundle directory) and adds it to s. */
static int load_one(att__dcap_store *s, const char *path, const char *name, int bundle,
                    const att__cert *const *anchors, size_t n_anchors, att_diag *d)
{
    att_diag local;
    att_diag_clear(&local);
    att__dcap_collateral *c = NULL;
    int rc;
    if (bundle) {
        rc = load_bundle(path, anchors, n_anchors, &c, &local);
    } else {
        char *buf = NULL;
        size_t n = 0;
        rc = read_file(path, &buf, &n);
        if (rc == ATT_OK)
            rc = att__dcap_collateral_load_json(buf, n, anchors, n_anchors, &c, &local);
        free(buf);
    }
    if (rc == ATT_OK) {
        rc = store_add(s, c);
        if (rc != ATT_OK)
            att__dcap_unref(c);
    }
    return rc == ATT_OK ? ATT_OK : fail_in(d, name, rc, &local);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_json_suffix(const char *name)
{
    size_t k = strlen(name);
    return k > 5 && strcmp(name + k - 5, ".json") == 0;
}

/* Every *.json file and bundle subdirectory of dir, in name order. */
static int load_dir(att__dcap_store *s, const char *dir, const att__cert *const *anchors,
                    size_t n_anchors, att_diag *d)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return att_diag_fail(d, ATT_EIO, "collateral.dir", "", "cannot open collateral directory");
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = ATT_OK;
    struct dirent *e;
    while (rc == ATT_OK && (e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == ATT_DCAP_MAX_SETS * 2) {
            rc = att_diag_fail(d, ATT_ELIMIT, "collateral.dir", "",
                               "collateral directory has too many entries");
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **p = realloc(names, nc * sizeof(*p));
            if (!p) {
                rc = ATT_ENOMEM;
                break;
            }
            names = p;
            cap = nc;
        }
        names[n] = strdup(e->d_name);
        if (!names[n])
            rc = ATT_ENOMEM;
        else
            n++;
    }
    closedir(dh);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n && rc == ATT_OK; i++) {
        char p[4096];
        if (join(p, sizeof(p), dir, names[i]) != ATT_OK)
            continue;
        if (is_dir(p)) {
            if (is_bundle(p))
                rc = load_one(s, p, names[i], 1, anchors, n_anchors, d);
        } else if (has_json_suffix(names[i])) {
            rc = load_one(s, p, names[i], 0, anchors, n_anchors, d);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc == ATT_ENOMEM)
        att_diag_fail(d, rc, "collateral.nomem", "", "out of memory");
    return rc;
}

int att__dcap_store_load(const char *path, const att__cert *const *anchors, size_t n_anchors,
                         att__dcap_store **out, att_diag *d)
{
    if (out)
        *out = NULL;
    if (!path || !out || !anchors || n_anchors == 0)
        return att_diag_fail(d, ATT_EINVAL, "collateral.args", "",
                             "collateral store load called without path, output or anchors");
    att__dcap_store *s = calloc(1, sizeof(*s));
    if (!s)
        return att_diag_fail(d, ATT_ENOMEM, "collateral.nomem", "", "out of memory");
    const char *base = strrchr(path, '/');
    base = base && base[1] ? base + 1 : path;
    int rc;
    if (!is_dir(path))
        rc = load_one(s, path, base, 0, anchors, n_anchors, d);
    else if (is_bundle(path))
        rc = load_one(s, path, base, 1, anchors, n_anchors, d);
    else
        rc = load_dir(s, path, anchors, n_anchors, d);
    if (rc != ATT_OK) {
        att__dcap_store_free(s);
        return rc;
    }
    if (s->n == 0)
        att__warn("collateral store is empty", "sets=%d", 0);
    *out = s;
    return ATT_OK;
}

void att__dcap_store_free(att__dcap_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        att__dcap_unref(s->sets[i]);
    free(s->sets);
    free(s);
}

size_t att__dcap_store_count(const att__dcap_store *s)
{
    return s ? s->n : 0;
}

const att__dcap_collateral *att__dcap_store_get(const att__dcap_store *s, size_t i)
{
    return s && i < s->n ? s->sets[i] : NULL;
}

/* Is a better than b for the same platform? Higher TCB evaluation number, then the window
 * that ends later. */
static int better(const att__dcap_collateral *a, const att__dcap_collateral *b)
{
    if (!b)
        return 1;
    if (a->tcb.tcb_eval_number != b->tcb.tcb_eval_number)
        return a->tcb.tcb_eval_number > b->tcb.tcb_eval_number;
    return a->not_after > b->not_after;
}

/* Among the sets of this platform, the best whose window contains `at`; when none does, the
 * best of them regardless of time, so that the verifier can report "collateral expired"
 * (§2.9: expiry is a flag, not an abort) instead of "no collateral". */
const att__dcap_collateral *att__dcap_store_find(const att__dcap_store *s, const uint8_t fmspc[6],
                                                 att__tee_type tee, att__pck_ca ca, int64_t at)
{
    const att__dcap_collateral *in = NULL, *any = NULL;
    if (!s || !fmspc)
        return NULL;
    for (size_t i = 0; i < s->n; i++) {
        const att__dcap_collateral *c = s->sets[i];
        if (memcmp(c->tcb.fmspc, fmspc, 6) != 0 || c->tcb.tee != tee || c->ca != ca)
            continue;
        if (att__dcap_window_contains(c, at) && better(c, in))
            in = c;
        if (better(c, any))
            any = c;
    }
    return in ? in : any;
}
