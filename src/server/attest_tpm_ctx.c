/* TPM protocol instance state: the service_context AEAD key, trust anchors, and the table
 * of consumed contexts that makes each challenge single use (attest_tpm.h). */
#include "server/attest_tpm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/cursor.h"
#include "core/limits.h"
#include "crypto/aead.h"

struct consumed {
    uint8_t id[16];
    int64_t expires; /* 0 = empty slot */
};

struct cache_entry {
    uint8_t key[32];
    void *obj; /* NULL = empty slot */
    void (*free_fn)(void *);
};

struct cache {
    pthread_mutex_t lock;
    struct cache_entry *slots; /* ATT_TPM_CACHE_SLOTS, allocated on first put */
    size_t count, bytes;
};

struct att__tpm_service {
    struct cache caches[ATT_TPM_CACHE_KINDS];
    uint8_t key[ATT_AEAD_KEY_LEN];
    int64_t lifetime;
    att__cert **ek_anchors, **aik_anchors;
    size_t n_ek, n_aik;
    pthread_mutex_t lock; /* guards the consumed table */
    struct consumed *tab; /* open addressing, capacity a power of two */
    size_t cap, used;
};

/* Sealed layout: version byte, IV, ciphertext of the fixed plaintext, tag. */
#define CTX_VERSION 1u
#define PT_LEN      (1 + 1 + 16 + 8 + 8 + ATT_TPM_CHALLENGE_LEN + 2 + ATT_TPM_CTX_NAME_MAX + 32)
#define SEALED_LEN  (1 + ATT_AEAD_IV_LEN + PT_LEN + ATT_AEAD_TAG_LEN)
static const char AAD[] = "attestd tpm service_context v1";

static int load_anchors(const char *path, const char *what, att__cert ***out, size_t *n,
                        att_diag *d)
{
    *out = NULL;
    *n = 0;
    if (!path || !path[0])
        return ATT_OK;
    FILE *f = fopen(path, "rb");
    if (!f)
        return att_diag_fail(d, ATT_EIO, "tpm.anchors", what, "cannot open %s %s", what, path);
    char *buf = malloc(ATT_MAX_EVIDENCE);
    size_t len = buf ? fread(buf, 1, ATT_MAX_EVIDENCE, f) : 0;
    fclose(f);
    if (!buf)
        return att_diag_fail(d, ATT_ENOMEM, "tpm.anchors", what, "out of memory");
    int rc = att__certs_from_pem(buf, len, out, n);
    free(buf);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "tpm.anchors", what,
                             "%s %s holds no PEM certificate (or too many): %s", what, path,
                             att_strerror(rc));
    return ATT_OK;
}

int att__tpm_service_new(const char *ek_ca_file, const char *aik_ca_file, int64_t lifetime,
                         att__tpm_service **out, att_diag *d)
{
    *out = NULL;
    att__tpm_service *s = calloc(1, sizeof(*s));
    if (!s)
        return att_diag_fail(d, ATT_ENOMEM, "tpm.service", "tpm", "out of memory");
    s->lifetime = lifetime > 0 ? lifetime : ATT_TPM_CONTEXT_LIFETIME;
    pthread_mutex_init(&s->lock, NULL);
    for (int k = 0; k < ATT_TPM_CACHE_KINDS; k++)
        pthread_mutex_init(&s->caches[k].lock, NULL);
    int rc = att__random(s->key, sizeof(s->key));
    if (rc != ATT_OK) {
        att_diag_fail(d, rc, "tpm.service.key", "tpm", "cannot generate the context key");
        goto fail;
    }
    if ((rc = load_anchors(ek_ca_file, "EK CA file", &s->ek_anchors, &s->n_ek, d)) != ATT_OK ||
        (rc = load_anchors(aik_ca_file, "AIK CA file", &s->aik_anchors, &s->n_aik, d)) != ATT_OK)
        goto fail;
    *out = s;
    return ATT_OK;
fail:
    att__tpm_service_free(s);
    return rc;
}

void att__tpm_service_free(att__tpm_service *s)
{
    if (!s)
        return;
    att__certs_free(s->ek_anchors, s->n_ek);
    att__certs_free(s->aik_anchors, s->n_aik);
    att__cleanse(s->key, sizeof(s->key));
    pthread_mutex_destroy(&s->lock);
    for (int k = 0; k < ATT_TPM_CACHE_KINDS; k++) {
        struct cache *c = &s->caches[k];
        for (size_t i = 0; c->slots && i < ATT_TPM_CACHE_SLOTS; i++)
            if (c->slots[i].obj)
                c->slots[i].free_fn(c->slots[i].obj);
        free(c->slots);
        pthread_mutex_destroy(&c->lock);
    }
    free(s->tab);
    free(s);
}

int64_t att__tpm_service_lifetime(const att__tpm_service *s)
{
    return s->lifetime;
}

const att__cert *const *att__tpm_service_ek_anchors(const att__tpm_service *s, size_t *n)
{
    *n = s->n_ek;
    return (const att__cert *const *)s->ek_anchors;
}

const att__cert *const *att__tpm_service_aik_anchors(const att__tpm_service *s, size_t *n)
{
    *n = s->n_aik;
    return (const att__cert *const *)s->aik_anchors;
}

/* Slot of key in a cache (linear probing over a table that is at most half full). */
static struct cache_entry *cache_find(struct cache *c, const uint8_t key[32])
{
    size_t h;
    memcpy(&h, key, sizeof(h)); /* keys are SHA-256 digests */
    for (size_t i = 0; i < ATT_TPM_CACHE_SLOTS; i++) {
        struct cache_entry *e = &c->slots[(h + i) & (ATT_TPM_CACHE_SLOTS - 1)];
        if (!e->obj || memcmp(e->key, key, 32) == 0)
            return e;
    }
    return NULL;
}

const void *att__tpm_cache_get(att__tpm_service *s, att__tpm_cache_kind kind, const uint8_t key[32])
{
    struct cache *c = &s->caches[kind];
    const void *obj = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->slots) {
        struct cache_entry *e = cache_find(c, key);
        obj = e ? e->obj : NULL;
    }
    pthread_mutex_unlock(&c->lock);
    return obj;
}

const void *att__tpm_cache_put(att__tpm_service *s, att__tpm_cache_kind kind, const uint8_t key[32],
                               void *obj, size_t bytes, void (*free_fn)(void *))
{
    struct cache *c = &s->caches[kind];
    const void *out = NULL;
    pthread_mutex_lock(&c->lock);
    if (!c->slots)
        c->slots = calloc(ATT_TPM_CACHE_SLOTS, sizeof(*c->slots));
    struct cache_entry *e = c->slots ? cache_find(c, key) : NULL;
    if (e && e->obj) {
        out = e->obj; /* another thread was first */
    } else if (e && 2 * (c->count + 1) <= ATT_TPM_CACHE_SLOTS &&
               c->bytes + bytes <= ATT_TPM_CACHE_BYTES) {
        memcpy(e->key, key, 32);
        e->obj = obj;
        e->free_fn = free_fn;
        c->count++;
        c->bytes += bytes;
        out = obj;
    }
    pthread_mutex_unlock(&c->lock);
    return out;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

int att__tpm_context_seal(const att__tpm_service *s, const att__tpm_context *c, att__arena *a,
                          const char **out, att_diag *d)
{
    uint8_t pt[PT_LEN], sealed[SEALED_LEN];
    *out = NULL;
    if (c->ak_name_len > ATT_TPM_CTX_NAME_MAX)
        return att_diag_fail(d, ATT_EINVAL, "tpm.context", "ak_name", "AK name too long");
    memset(pt, 0, sizeof(pt));
    uint8_t *p = pt;
    *p++ = (uint8_t)CTX_VERSION;
    *p++ = (uint8_t)c->mode;
    memcpy(p, c->id, 16), p += 16;
    put_be(p, (uint64_t)c->issued, 8), p += 8;
    put_be(p, (uint64_t)c->expires, 8), p += 8;
    memcpy(p, c->challenge, ATT_TPM_CHALLENGE_LEN), p += ATT_TPM_CHALLENGE_LEN;
    put_be(p, c->ak_name_len, 2), p += 2;
    memcpy(p, c->ak_name, c->ak_name_len), p += ATT_TPM_CTX_NAME_MAX;
    memcpy(p, c->ek_cert_sha256, 32);
    sealed[0] = (uint8_t)CTX_VERSION;
    int rc = att__random(sealed + 1, ATT_AEAD_IV_LEN);
    if (rc == ATT_OK)
        rc = att__aes256gcm_seal(s->key, sealed + 1, AAD, sizeof(AAD) - 1, pt, PT_LEN,
                                 sealed + 1 + ATT_AEAD_IV_LEN,
                                 sealed + 1 + ATT_AEAD_IV_LEN + PT_LEN);
    att__cleanse(pt, sizeof(pt));
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "tpm.context.seal", "service_context",
                             "cannot seal the service context");
    char *txt = att__arena_alloc(a, att__b64_enc_len(SEALED_LEN, ATT_B64_URL) + 1);
    if (!txt)
        return att_diag_fail(d, ATT_ENOMEM, "request.memory", "service_context", "out of memory");
    att__b64_encode(sealed, SEALED_LEN, ATT_B64_URL, txt);
    *out = txt;
    return ATT_OK;
}

int att__tpm_context_open(const att__tpm_service *s, const char *text, size_t n, int64_t now,
                          att__tpm_context *c, att_diag *d)
{
    uint8_t sealed[SEALED_LEN + 4], pt[PT_LEN];
    size_t len = 0;
    memset(c, 0, sizeof(*c));
    if (n > att__b64_enc_len(SEALED_LEN, ATT_B64_URL) + 4 ||
        att__b64_decode(text, n, sealed, &len) != ATT_OK || len != SEALED_LEN ||
        sealed[0] != CTX_VERSION)
        return att_diag_fail(d, ATT_EINVAL, "tpm.context.format", "service_context",
                             "service_context is not a service context issued by attestd "
                             "(malformed)");
    if (att__aes256gcm_open(s->key, sealed + 1, AAD, sizeof(AAD) - 1, sealed + 1 + ATT_AEAD_IV_LEN,
                            PT_LEN, sealed + 1 + ATT_AEAD_IV_LEN + PT_LEN, pt) != ATT_OK)
        return att_diag_fail(d, ATT_ESIG, "tpm.context.auth", "service_context",
                             "service_context was not issued by this attestd instance or was "
                             "altered");
    att__cursor cur;
    att__cur_init(&cur, pt, PT_LEN);
    uint8_t ver = 0, mode = 0;
    uint64_t issued = 0, expires = 0;
    uint16_t nlen = 0;
    const uint8_t *name = NULL, *ek = NULL, *id = NULL, *ch = NULL;
    int rc = att__cur_u8(&cur, &ver);
    if (rc == ATT_OK)
        rc = att__cur_u8(&cur, &mode);
    if (rc == ATT_OK)
        rc = att__cur_bytes(&cur, 16, &id);
    if (rc == ATT_OK)
        rc = att__cur_u64be(&cur, &issued);
    if (rc == ATT_OK)
        rc = att__cur_u64be(&cur, &expires);
    if (rc == ATT_OK)
        rc = att__cur_bytes(&cur, ATT_TPM_CHALLENGE_LEN, &ch);
    if (rc == ATT_OK)
        rc = att__cur_u16be(&cur, &nlen);
    if (rc == ATT_OK)
        rc = att__cur_bytes(&cur, ATT_TPM_CTX_NAME_MAX, &name);
    if (rc == ATT_OK)
        rc = att__cur_bytes(&cur, 32, &ek);
    if (rc != ATT_OK || nlen > ATT_TPM_CTX_NAME_MAX ||
        (mode != ATT_TPM_MODE_AIKCERT && mode != ATT_TPM_MODE_EKCERT)) {
        att__cleanse(pt, sizeof(pt));
        return att_diag_fail(d, ATT_EINTERNAL, "tpm.context.format", "service_context",
                             "service_context content is inconsistent");
    }
    c->mode = (att__tpm_mode)mode;
    memcpy(c->id, id, 16);
    c->issued = (int64_t)issued;
    c->expires = (int64_t)expires;
    memcpy(c->challenge, ch, ATT_TPM_CHALLENGE_LEN);
    c->ak_name_len = nlen;
    memcpy(c->ak_name, name, nlen);
    memcpy(c->ek_cert_sha256, ek, 32);
    att__cleanse(pt, sizeof(pt));
    if (now > c->expires)
        return att_diag_fail(d, ATT_EEXPIRED, "tpm.context.expired", "service_context",
                             "service_context expired %lld s ago (challenges are valid for "
                             "%lld s): start again with an init message",
                             (long long)(now - c->expires), (long long)(c->expires - c->issued));
    return ATT_OK;
}

static size_t slot_of(const uint8_t id[16], size_t cap)
{
    uint64_t h = 0;
    memcpy(&h, id, sizeof(h)); /* the id is random: its bytes are a good hash */
    return (size_t)(h & (cap - 1));
}

/* Rebuilds the table with capacity ncap, dropping entries expired at `now`. */
static int rehash(att__tpm_service *s, size_t ncap, int64_t now)
{
    struct consumed *nt = calloc(ncap, sizeof(*nt));
    if (!nt)
        return ATT_ENOMEM;
    size_t used = 0;
    for (size_t i = 0; i < s->cap; i++) {
        const struct consumed *e = &s->tab[i];
        if (e->expires == 0 || e->expires < now)
            continue;
        size_t j = slot_of(e->id, ncap);
        while (nt[j].expires != 0)
            j = (j + 1) & (ncap - 1);
        nt[j] = *e;
        used++;
    }
    free(s->tab);
    s->tab = nt;
    s->cap = ncap;
    s->used = used;
    return ATT_OK;
}

int att__tpm_context_consume(att__tpm_service *s, const att__tpm_context *c, int64_t now,
                             att_diag *d)
{
    int rc = ATT_OK;
    pthread_mutex_lock(&s->lock);
    if (!s->tab || 2 * (s->used + 1) > s->cap) {
        /* purge first; grow only when live entries fill half the table */
        size_t ncap = s->cap ? s->cap : 1024;
        if (s->tab && (rc = rehash(s, s->cap, now)) != ATT_OK)
            goto out;
        while (2 * (s->used + 1) > ncap && ncap < 2 * (size_t)ATT_TPM_MAX_CONSUMED)
            ncap *= 2;
        if (2 * (s->used + 1) > ncap) {
            rc = ATT_EBUSY;
            goto out;
        }
        if (ncap != s->cap && (rc = rehash(s, ncap, now)) != ATT_OK)
            goto out;
    }
    size_t j = slot_of(c->id, s->cap);
    while (s->tab[j].expires != 0) {
        if (memcmp(s->tab[j].id, c->id, 16) == 0) {
            rc = ATT_EMISMATCH;
            goto out;
        }
        j = (j + 1) & (s->cap - 1);
    }
    memcpy(s->tab[j].id, c->id, 16);
    s->tab[j].expires = c->expires > 0 ? c->expires : 1;
    s->used++;
out:
    pthread_mutex_unlock(&s->lock);
    if (rc == ATT_EMISMATCH)
        return att_diag_fail(d, rc, "tpm.context.replayed", "service_context",
                             "service_context was already used (replayed challenge): each "
                             "challenge is accepted once, start again with an init message");
    if (rc == ATT_EBUSY)
        return att_diag_fail(d, rc, "tpm.context.busy", "service_context",
                             "too many outstanding TPM challenges; try again later");
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "tpm.context.consume", "service_context", "out of memory");
    return ATT_OK;
}
