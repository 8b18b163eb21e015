/* POST /attest/Tpm (reference/maa.md §1.6, §2.8; tpm.md §4.1, §1.6): MAA's TPM protocol.
 *
 * Rounds, each a POST of {"data": "<base64url(JSON)>"} answered the same way:
 *   init     {"payload":{"type":"aikcert"}}                        -> challenge
 *            {"payload":{"type":"ekcert","ek_cert","ak_pub"}}       -> credential (attestd)
 *   request  {"payload":{"request":"<JWS signed by request_key>"}} -> {"report":"<JWT>"}
 * The challenge travels in an opaque service_context sealed with an instance AES-256-GCM
 * key (att__tpm_service), holding the challenge, the AK bound at init (ekcert) and an
 * expiry; each context is accepted once. Nothing on this path reads the store.
 *
 * Split: attest_tpm_ctx.c (instance state, context sealing, single use),
 * attest_tpm_req.c (message and JWS parsing), attest_tpm.c (verification, claims, route). */
#ifndef ATT_SERVER_ATTEST_TPM_H
#define ATT_SERVER_ATTEST_TPM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "core/arena.h"
#include "crypto/crypto.h"

/* Challenge size: the credential a TPM activates is at most the EK nameAlg digest (32). */
#define ATT_TPM_CHALLENGE_LEN 32
/* Largest TPM object Name: u16 alg + SHA-512 digest. */
#define ATT_TPM_NAME_MAX 66
/* Default service_context lifetime (seconds) between init and request. */
#define ATT_TPM_CONTEXT_LIFETIME 300
/* At most this many unexpired consumed contexts are remembered (single use); beyond it
 * new requests get 503 until old ones expire. At 300 s lifetime: ~3300 attestations/s. */
#define ATT_TPM_MAX_CONSUMED (1u << 20)

typedef enum att__tpm_mode {
    ATT_TPM_MODE_AIKCERT = 1, /* the AK is vouched for by an AIK certificate */
    ATT_TPM_MODE_EKCERT = 2,  /* the AK was bound to a certified EK by credential activation */
} att__tpm_mode;

/* What a service_context holds (sealed; tamper-evident and secret). */
typedef struct att__tpm_context {
    att__tpm_mode mode;
    uint8_t id[16]; /* random; the single-use key */
    int64_t issued, expires;
    uint8_t challenge[ATT_TPM_CHALLENGE_LEN];
    uint8_t ak_name[ATT_TPM_NAME_MAX]; /* ekcert: Name of the AK bound at init */
    size_t ak_name_len;
    uint8_t ek_cert_sha256[32]; /* ekcert: the EK certificate validated at init */
} att__tpm_context;

typedef struct att__tpm_service att__tpm_service;

/* Instance state: a fresh AEAD key, the context lifetime (seconds, 0 = default), and the
 * trust anchors for EK certificates and AIK certificates (PEM bundle paths; "" = none; the
 * files are read once here). *out is owned by the caller (att__tpm_service_free). */
int att__tpm_service_new(const char *ek_ca_file, const char *aik_ca_file, int64_t lifetime,
                         att__tpm_service **out, att_diag *d);
void att__tpm_service_free(att__tpm_service *s);
int64_t att__tpm_service_lifetime(const att__tpm_service *s);
/* Anchors (borrowed, immutable while the service lives). */
const att__cert *const *att__tpm_service_ek_anchors(const att__tpm_service *s, size_t *n);
const att__cert *const *att__tpm_service_aik_anchors(const att__tpm_service *s, size_t *n);

/* Seals c into a base64url service_context (arena memory). */
int att__tpm_context_seal(const att__tpm_service *s, const att__tpm_context *c, att__arena *a,
                          const char **out, att_diag *d);
/* Opens a service_context at time `now`: tag check ("was not issued by this attestd
 * instance or was altered"), expiry ("expired"). Does not consume it. */
int att__tpm_context_open(const att__tpm_service *s, const char *text, size_t n, int64_t now,
                          att__tpm_context *c, att_diag *d);
/* Marks c consumed; ATT_EMISMATCH "already used" when it was (thread-safe), ATT_EBUSY when
 * the table is full. */
int att__tpm_context_consume(att__tpm_service *s, const att__tpm_context *c, int64_t now,
                             att_diag *d);

#endif
