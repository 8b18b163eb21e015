/* The verified VEK chain cache (snp_int.h): a bounded table of what a verified
 * ARK -> ASK/ASVK -> VCEK/VLEK chain established (the VEK public key, its extensions and the
 * path's validity), keyed by a 32-byte digest chosen by snp_verify.c. Entries are copied
 * out with their own key reference, so eviction never frees a key in use. Thread-safe. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "evidence/snp/snp_int.h"

typedef struct slot {
    uint8_t key[32];
    att__snp_vek_entry e;
} slot;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static slot *slots; /* ring of ATT_MAX_SNP_CACHE */
static size_t n_used, next;
static int registered;

size_t att__snp_cache_count(void)
{
    pthread_mutex_lock(&mu);
    size_t n = n_used;
    pthread_mutex_unlock(&mu);
    return n;
}

void att__snp_cache_clear(void)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; slots && i < n_used; i++)
        att__pkey_free(slots[i].e.key);
    free(slots);
    slots = NULL;
    n_used = next = 0;
    pthread_mutex_unlock(&mu);
}

int att__snp_cache_get(const uint8_t key[32], att__snp_vek_entry *out)
{
    int hit = 0;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; slots && i < n_used; i++) {
        if (memcmp(slots[i].key, key, 32) == 0) {
            *out = slots[i].e;
            out->key = att__pkey_ref(slots[i].e.key);
            hit = 1;
            break;
        }
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

void att__snp_cache_put(const uint8_t key[32], const att__snp_vek_entry *e)
{
    pthread_mutex_lock(&mu);
    if (!slots) {
        slots = calloc(ATT_MAX_SNP_CACHE, sizeof(*slots));
        if (!registered && slots) {
            registered = 1;
            atexit(att__snp_cache_clear);
        }
    }
    if (!slots) {
        pthread_mutex_unlock(&mu);
        return;
    }
    for (size_t i = 0; i < n_used; i++) {
        if (memcmp(slots[i].key, key, 32) == 0) { /* another thread stored it first */
            pthread_mutex_unlock(&mu);
            return;
        }
    }
    slot *s = &slots[next];
    if (n_used == ATT_MAX_SNP_CACHE)
        att__pkey_free(s->e.key);
    else
        n_used++;
    memcpy(s->key, key, 32);
    s->e = *e;
    s->e.key = att__pkey_ref(e->key);
    next = (next + 1) % ATT_MAX_SNP_CACHE;
    pthread_mutex_unlock(&mu);
}
