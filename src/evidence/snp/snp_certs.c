/* AMD certificates: the built-in ARK/ASK/ASVK per product (parsed once, ARKs checked against
 * their pinned SHA-256) and the operator's pool loaded from files or directories (snp.h). */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/codec.h"
#include "core/log.h"
#include "evidence/snp/snp_int.h"

/* ---- built-in certificates ---- */

/* SHA-256 of the DER of ARK-Milan, ARK-Genoa, ARK-Turin (reference/hw-evidence.md §3.2). */
static const char *const ark_sha256[3] = {
    "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
    "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
    "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a",
};

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static att__cert *builtin[3][3];

static void builtin_free(void)
{
    for (int p = 0; p < 3; p++)
        for (int w = 0; w < 3; w++) {
            att__cert_free(builtin[p][w]);
            builtin[p][w] = NULL;
        }
}

static void builtin_init(void)
{
    for (int p = 0; p < 3; p++) {
        for (int w = 0; w < 3; w++) {
            const char *pem = att__snp_builtin_pem((att__snp_product)(p + 1), (att__snp_ca)w);
            if (!pem || att__cert_from_pem(pem, strlen(pem), &builtin[p][w]) != ATT_OK)
                att__error("built-in AMD certificate does not parse", "product=%d ca=%d", p + 1, w);
        }
        uint8_t fp[32];
        char hex[65];
        if (builtin[p][0] && att__cert_thumbprint(builtin[p][0], ATT_HASH_SHA256, fp) == ATT_OK) {
            att__hex_encode(fp, 32, 0, hex);
            if (strcmp(hex, ark_sha256[p]) != 0) {
                att__error("built-in AMD ARK is not the pinned one", "product=%d", p + 1);
                att__cert_free(builtin[p][0]);
                builtin[p][0] = NULL;
            }
        }
    }
    atexit(builtin_free);
}

const att__cert *att__snp_builtin(att__snp_product p, att__snp_ca which)
{
    if (p < ATT_SNP_MILAN || p > ATT_SNP_TURIN || which < ATT_SNP_CA_ARK || which > ATT_SNP_CA_ASVK)
        return NULL;
    pthread_once(&builtin_once, builtin_init);
    return builtin[p - 1][which];
}

/* ---- the operator's pool ---- */

typedef struct pool_cert {
    att__cert *cert;
    att__snp_product product;
    int is_vek; /* VCEK or VLEK (ext valid) */
    att__snp_vek_ext ext;
} pool_cert;

struct att__snp_certs {
    pool_cert *c;
    size_t n, cap;
    att__crl *crl[ATT_SNP_MAX_CRLS]; /* AMD CRLs (KDS /crl), checked against the path */
    size_t n_crl;
};

size_t att__snp_certs_count(const att__snp_certs *s)
{
    return s ? s->n : 0;
}

void att__snp_certs_free(att__snp_certs *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        att__cert_free(s->c[i].cert);
    for (size_t i = 0; i < s->n_crl; i++)
        att__crl_free(s->crl[i]);
    free(s->c);
    free(s);
}

/* Classifies c by its subject CN: ARK-<P>, SEV-<P> (ASK), SEV-VLEK-<P> (ASVK), SEV-VCEK,
 * SEV-VLEK (product from productName). Takes ownership of c. */
static int pool_add(att__snp_certs *s, att__cert *c, const char *file, att_diag *d)
{
    char cn[64];
    pool_cert pc = {.cert = c};
    att__snp_cert_cn(c, cn, sizeof(cn));
    if (strcmp(cn, "SEV-VCEK") == 0 || strcmp(cn, "SEV-VLEK") == 0) {
        int rc = att__snp_vek_ext_from_cert(c, &pc.ext, d);
        if (rc != ATT_OK) {
            att__cert_free(c);
            return rc;
        }
        pc.is_vek = 1;
        pc.product = att__snp_product_parse(pc.ext.product_name);
    } else if (strncmp(cn, "ARK-", 4) == 0) {
        pc.product = att__snp_product_parse(cn + 4);
        const att__cert *pinned = att__snp_builtin(pc.product, ATT_SNP_CA_ARK);
        if (!pinned || !att__cert_same_subject_and_key(c, pinned)) {
            att__cert_free(c);
            return att_diag_fail(d, ATT_ECHAIN, "snp.certs.ark", file,
                                 "%s: %s is not AMD's pinned root for its product", file, cn);
        }
    } else if (strncmp(cn, "SEV-VLEK-", 9) == 0) {
        pc.product = att__snp_product_parse(cn + 9);
    } else if (strncmp(cn, "SEV-", 4) == 0) {
        pc.product = att__snp_product_parse(cn + 4);
    }
    if (pc.product == ATT_SNP_PRODUCT_UNKNOWN) {
        att__cert_free(c);
        return att_diag_fail(d, ATT_EINVAL, "snp.certs.unknown", file,
                             "%s: certificate CN=%.40s is not an AMD SEV certificate of Milan, "
                             "Genoa or Turin",
                             file, cn);
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        pool_cert *nv = realloc(s->c, nc * sizeof(*nv));
        if (!nv) {
            att__cert_free(c);
            return att_diag_fail(d, ATT_ENOMEM, "snp.certs.memory", file, "out of memory");
        }
        s->c = nv;
        s->cap = nc;
    }
    s->c[s->n++] = pc;
    return ATT_OK;
}

static int load_file(att__snp_certs *s, const char *path, int strict, att_diag *d)
{
    att__cert **certs = NULL;
    size_t n = 0;
    int rc = att__certs_read_file(path, &certs, &n);
    att__crl *crl = NULL;
    if (rc != ATT_OK && att__crl_read_file(path, &crl) == ATT_OK) {
        if (s->n_crl == ATT_SNP_MAX_CRLS) {
            att__crl_free(crl);
            return att_diag_fail(d, ATT_ELIMIT, "snp.certs.crl", path,
                                 "%s: more than %u CRLs in the AMD certificate directory", path,
                                 ATT_SNP_MAX_CRLS);
        }
        s->crl[s->n_crl++] = crl;
        return ATT_OK;
    }
    if (rc != ATT_OK) {
        if (!strict) {
            att__warn("skipping a file without certificates in the AMD certificate directory",
                      "file=%s", path);
            return ATT_OK;
        }
        return att_diag_fail(d, rc, "snp.certs.file", path, "%s: no certificate could be read (%s)",
                             path, att_strerror(rc));
    }
    for (size_t i = 0; i < n; i++) {
        att__cert *c = certs[i];
        certs[i] = NULL;
        if (rc == ATT_OK)
            rc = pool_add(s, c, path, d);
        else
            att__cert_free(c);
    }
    att__certs_free(certs, n);
    return rc;
}

static int load_dir(att__snp_certs *s, const char *dir, int depth, att_diag *d)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return att_diag_fail(d, ATT_EIO, "snp.certs.dir", dir, "cannot open directory %s", dir);
    int rc = ATT_OK;
    struct dirent *de;
    /* readdir order is arbitrary; the pool's lookups do not depend on it. */
    while (rc == ATT_OK && (de = readdir(dh)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char p[4096];
        int k = snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (k < 0 || (size_t)k >= sizeof(p))
            continue;
        struct stat st;
        if (stat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth == 0)
            rc = load_dir(s, p, 1, d);
        else if (S_ISREG(st.st_mode))
            rc = load_file(s, p, 0, d);
    }
    closedir(dh);
    return rc;
}

int att__snp_certs_load(const char *path, att__snp_certs **out, att_diag *d)
{
    *out = NULL;
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return att_diag_fail(d, ATT_ENOTFOUND, "snp.certs.path", path ? path : "",
                             "AMD certificate path %s does not exist", path ? path : "(null)");
    att__snp_certs *s = calloc(1, sizeof(*s));
    if (!s)
        return att_diag_fail(d, ATT_ENOMEM, "snp.certs.memory", path, "out of memory");
    int rc = S_ISDIR(st.st_mode) ? load_dir(s, path, 0, d) : load_file(s, path, 1, d);
    if (rc != ATT_OK) {
        att__snp_certs_free(s);
        return rc;
    }
    *out = s;
    return ATT_OK;
}

size_t att__snp_pool_cas(const att__snp_certs *s, att__snp_product p, const att__cert **out,
                         size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; s && i < s->n && k < cap; i++)
        if (!s->c[i].is_vek && s->c[i].product == p)
            out[k++] = s->c[i].cert;
    return k;
}

size_t att__snp_pool_crls(const att__snp_certs *s, const att__crl *const **out)
{
    *out = s ? (const att__crl *const *)s->crl : NULL;
    return s ? s->n_crl : 0;
}

const att__cert *att__snp_pool_vek(const att__snp_certs *s, att__snp_product p, int vlek,
                                   const uint8_t *chip_id, const att__snp_tcb *tcb)
{
    for (size_t i = 0; s && i < s->n; i++) {
        const pool_cert *pc = &s->c[i];
        if (!pc->is_vek || pc->ext.is_vlek != vlek)
            continue;
        if (p != ATT_SNP_PRODUCT_UNKNOWN && pc->product != p)
            continue;
        const att__snp_vek_ext *e = &pc->ext;
        if (e->bl != tcb->bl || e->tee != tcb->tee || e->snp != tcb->snp ||
            e->ucode != tcb->ucode || (e->has_fmc && e->fmc != tcb->fmc))
            continue;
        if (!vlek && (e->hwid_len == 0 || memcmp(e->hwid, chip_id, e->hwid_len) != 0))
            continue;
        return pc->cert;
    }
    return NULL;
}
