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

/* Challenge size: 16 random bytes, as MAA sends (maa.md §1.6, the recorded init exchange);
 * a TPM credential may be up to the EK nameAlg digest size, so it also fits ekcert. */
#define ATT_TPM_CHALLENGE_LEN 16
/* Largest TPM object Name: u16 alg + SHA-512 digest (quote.h's ATT_TPM_NAME_MAX; not
 * included here because eventlog.h repeats some of quote.h's names). */
#define ATT_TPM_CTX_NAME_MAX 66
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
    uint8_t ak_name[ATT_TPM_CTX_NAME_MAX]; /* ekcert: Name of the AK bound at init */
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

/* Parsed-object caches (hot path: no re-parsing). A cached object is immutable and lives
 * until the service is freed; entries are never evicted, so lookups hand out borrowed
 * pointers without reference counts. Bounded by ATT_TPM_CACHE_SLOTS entries and
 * ATT_TPM_CACHE_BYTES of accounted memory per kind; beyond that nothing more is cached. */
#define ATT_TPM_CACHE_SLOTS 16384u
#define ATT_TPM_CACHE_BYTES (64u * 1024u * 1024u)
typedef enum att__tpm_cache_kind {
    ATT_TPM_CACHE_AK = 0,  /* SHA-256(AK public bytes) -> its att__tpm_public and aikPubHash */
    ATT_TPM_CACHE_LOG = 1, /* SHA-256(TCG log bytes) -> parsed log and its claims */
    ATT_TPM_CACHE_AIK = 2, /* SHA-256(AIK cert || SHA-256(AK public)) -> verified window */
    ATT_TPM_CACHE_KINDS
} att__tpm_cache_kind;
/* The object cached under key, or NULL. */
const void *att__tpm_cache_get(att__tpm_service *s, att__tpm_cache_kind kind,
                               const uint8_t key[32]);
/* Offers obj (accounted as `bytes`, released with free_fn) for key. Returns the cached
 * object now in charge: obj itself (the cache owns it from now on), an object another
 * thread cached first (the caller still owns obj and must free it), or NULL when the cache
 * is full (the caller still owns obj). */
const void *att__tpm_cache_put(att__tpm_service *s, att__tpm_cache_kind kind, const uint8_t key[32],
                               void *obj, size_t bytes, void (*free_fn)(void *));

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

/* ---- the request message (attest_tpm_req.c) ---- */

/* One PCR value the client reports (pcrs[].values[]). */
typedef struct att__tpm_pcr_value {
    uint16_t alg; /* TPM_ALG_ID of the bank */
    unsigned index;
    const uint8_t *digest; /* arena */
    size_t len;
} att__tpm_pcr_value;

/* A parsed and signature-checked request (JWS body, maa.md §1.6). Byte fields are decoded
 * into the request arena; json fields borrow from body. */
typedef struct att__tpm_request {
    int version;  /* 1: typ attReq (attest_key); 2: attReqV2 (request_key) */
    json_t *body; /* owned reference: the JWS payload */
    const char *att_type;
    const char *service_context;
    size_t service_context_len;
    const uint8_t *challenge;
    size_t challenge_len;
    const char *rp_data;     /* as sent (base64url text), NULL when absent */
    const json_t *jwk;       /* the key that signed the JWS */
    const char *jwk_text;    /* its canonical JSON (compact, sorted keys): what the quote binds */
    uint16_t quote_hash_alg; /* request_key.info.tpm_quote.hash_alg (TPM_ALG_ID) */
    const uint8_t *quote, *signature, *aik_pub, *aik_cert, *tcg_log, *ima_log;
    size_t quote_len, signature_len, aik_pub_len, aik_cert_len, tcg_log_len, ima_log_len;
    att__tpm_pcr_value *pcrs;
    size_t n_pcrs;
    const json_t *custom_claims; /* [{"name","value","value_type"}] or NULL */
} att__tpm_request;

/* The outer message: {"data": b64url({"payload": {...}})}. *payload is a new reference
 * (caller decrefs); *kind is 1 for init ("type"), 2 for request ("request"). */
int att__tpm_message_parse(const json_t *body, json_t **payload, int *kind, att_diag *d);
/* Parses payload.request: the JWS (alg PS256 or RS256, typ attReq/attReqV2), its key, the
 * signature, then the body's fields. */
int att__tpm_request_parse(const json_t *payload, att__arena *a, att__tpm_request *out,
                           att_diag *d);
void att__tpm_request_clear(att__tpm_request *r);

/* ---- verification (attest_tpm_verify.c: quotes and AK binding) ---- */

/* What the quote proved, for the event log and the claims. */
typedef struct att__tpm_quoted {
    int aik_validated;     /* AIK certificate chain (aikcert) or EK activation (ekcert) */
    char aik_pub_hash[48]; /* base64 SHA-256 of the AK's DER SubjectPublicKeyInfo */
    const char *binding;   /* "aik_cert", "ek_cert", or "none" */
    uint32_t reset_count, restart_count;
    uint64_t firmware_version;
    size_t n_banks;
    uint16_t bank_alg[5];
    uint32_t bank_mask[5];
    uint8_t values[5][24][64]; /* quoted PCR values (verified against pcrDigest) */
} att__tpm_quoted;

/* Init with an EK certificate: validates ek_cert (DER) against the EK anchors and the EK
 * public (TPM2B_PUBLIC), checks the AK public (TPM2B_PUBLIC), and makes the credential that
 * carries c->challenge to that AK in that TPM; fills c's AK name and EK hash. *credential
 * is a new JSON object {"id_object","encrypted_secret"} (base64url TPM2B blobs). */
int att__tpm_init_ek(const att__tpm_service *s, const uint8_t *ek_cert, size_t ek_cert_len,
                     const uint8_t *ek_pub, size_t ek_pub_len, const uint8_t *ak_pub,
                     size_t ak_pub_len, int64_t now, att__tpm_context *c, json_t **credential,
                     att_diag *d);
/* Verifies the quote: the AK, its binding (AIK certificate, or the AK bound at init), the
 * nonce H(jwk_text || 0x00 || challenge), the PCR values and the required PCR mask. */
int att__tpm_verify_quote(att__tpm_service *s, const att__tpm_request *r, const att__tpm_context *c,
                          int require_valid_aik_cert, uint32_t required_pcr_mask, int64_t now,
                          att__tpm_quoted *q, att_diag *d);

/* ---- event log and IMA (attest_tpm_log.c) ---- */

/* Parses the TCG log (and IMA list), verifies them against the quoted PCRs, and adds the
 * incoming claims to `claims` (JSON object: secureBootEnabled, bootDebuggingDisabled, ...,
 * pcrs). *events gets the log's `events` view as compact JSON text (borrowed from the
 * service's cache, valid while the service lives; NULL without a log): the caller adds it
 * as the `events` and `bootEvents` claims. No log: only the PCR claims. */
int att__tpm_log_claims(att__tpm_service *s, const att__tpm_request *r, const att__tpm_quoted *q,
                        json_t *claims, const char **events, size_t *events_len, att_diag *d);

#endif
