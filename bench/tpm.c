/* bench_tpm: in-process cost of one TPM attestation request on the server side
 * (src/server/attest_tpm*.c) against the crypto bound measured in the same run.
 *
 * A swtpm would dominate the loop, so the "TPM" here is software with the same bytes: an
 * RSA-2048 restricted AK (its TPMT_PUBLIC marshalled by hand), TPMS_ATTEST quotes over all
 * 24 SHA-256 PCRs signed RSASSA-SHA256, with the PCR values of a real event log
 * (vectors/tpm/eventlogs, gotpmtools__cos-85-amd-sev.bin) replayed in software. Before the
 * timed loop, a batch of requests is prepared, each with a fresh challenge and
 * service_context (ekcert mode, the AK bound) and a PS256 request JWS; the timed operation
 * is what attestd does per request: envelope + JWS parse and PSS verify, context open and
 * consume, quote verification (AK RSASSA verify, nonce, PCR digest), event-log replay and
 * claims, the default Tpm policy (JmesPath over events), and the RS256 report token.
 * Crypto bound per request: 1 RSA-2048 PSS verify (JWS) + 1 RSA-2048 PKCS#1 verify (AK
 * quote signature) + 1 RSA-2048 sign (the token). Single thread: figures are per core.
 *
 * `bench_tpm http BASE_URL SECONDS [CONCURRENCY] --ak-key FILE --aik-cert FILE [--pid PID]
 * [--bound SIGN,VERIFY,CORES]` runs the protocol against a running attestd instead: per
 * attestation, POST init "aikcert" -> challenge and service_context, then the request built
 * above over that challenge (a fresh quote by the AK read from --ak-key, its AIK certificate,
 * a fresh PS256 JWS) -> {"report"}; only 200 answers with a token count. CONCURRENCY threads
 * (default 4) each keep one libcurl connection alive; keys, the JWK, PCR values and the log's
 * base64 are made once. It prints attestations/s, latency, attestd's CPU time per
 * attestation (/proc/PID/stat) and this client's, against 1 AK verify + 1 RSA-2048 sign
 * (rates from --bound, e.g. openssl speed -multi, else measured here on one core). */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_tpm"
#include "bench.h"
#include "core/arena.h"
#include "core/codec.h"
#include "core/json.h"
#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "evidence/tpm/eventlog.h"
#include "policy/policy.h"
#include "provider/provider.h"
#include "server/attest_tpm.h"
#include "server/reqjson.h"
#include "token/token.h"

#define BATCH 64

static uint8_t *be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
    return p + n;
}

static char *b64u(const void *p, size_t n)
{
    return att__b64_encode_alloc(p, n, ATT_B64_URL);
}

static struct {
    att__tpm_service *svc;
    att__pkey *ak, *rk, *rsa;
    uint8_t ak_pub[512]; /* TPM2B_PUBLIC */
    size_t ak_pub_len;
    uint8_t ak_name[34];
    uint8_t pcrs[24][32];
    char *log_b64;
    json_t *log_json, *pcr_values; /* shared by the requests (immutable, atomic refcounts) */
    json_t *jwk;
    char *jwk_text;
    att__policy_prog *prog;
    att__token_issuer *ti;
    char *requests[BATCH];
    int next;
    /* crypto-bound operands */
    uint8_t *quote_sig, *jws_sig;
    size_t quote_sig_len, jws_sig_len;
} B;

/* A TPMS_ATTEST over all 24 SHA-256 PCRs with extraData = nonce, and its TPMT_SIGNATURE. */
static void make_quote(const uint8_t nonce[32], uint8_t *att, size_t *att_len, uint8_t *sig,
                       size_t *sig_len)
{
    uint8_t cat[24 * 32], digest[32];
    for (int i = 0; i < 24; i++)
        memcpy(cat + 32 * i, B.pcrs[i], 32);
    att__hash(ATT_HASH_SHA256, cat, sizeof(cat), digest);
    uint8_t *p = att;
    p = be(p, 0xff544347u, 4);
    p = be(p, 0x8018, 2);
    p = be(p, sizeof(B.ak_name), 2);
    memcpy(p, B.ak_name, sizeof(B.ak_name)), p += sizeof(B.ak_name);
    p = be(p, 32, 2);
    memcpy(p, nonce, 32), p += 32;
    p = be(p, 123456789, 8); /* clock */
    p = be(p, 1, 4);         /* resetCount */
    p = be(p, 0, 4);         /* restartCount */
    *p++ = 1;                /* safe */
    p = be(p, 0x2000000000000ull, 8);
    p = be(p, 1, 4); /* TPML_PCR_SELECTION count */
    p = be(p, 0x000b, 2);
    *p++ = 3;
    *p++ = 0xff, *p++ = 0xff, *p++ = 0xff;
    p = be(p, 32, 2);
    memcpy(p, digest, 32), p += 32;
    *att_len = (size_t)(p - att);
    uint8_t *s = NULL;
    size_t sl = 0;
    if (att__rsa_pkcs1_sign(B.ak, ATT_HASH_SHA256, att, *att_len, &s, &sl) != ATT_OK)
        bench_die("AK sign", NULL);
    uint8_t *q = sig;
    q = be(q, 0x0014, 2);
    q = be(q, 0x000b, 2);
    q = be(q, sl, 2);
    memcpy(q, s, sl), q += sl;
    *sig_len = (size_t)(q - sig);
    free(s);
}

/* One request body ({"data"} envelope) answering `challenge` (16 bytes) of service_context
 * sc: a fresh quote over H(jwk_text || 0x00 || challenge) signed by the AK, the PCR values,
 * the TCG log, aik_pub, the AIK certificate when aik_cert_b64 is not NULL, and the PS256
 * request JWS by the request key. jwk is the request key's JWK (a caller's own reference:
 * threads each pass their own copy). Returns malloc'd text. */
static char *build_request(const uint8_t *challenge, const char *sc, const char *aik_cert_b64,
                           json_t *jwk)
{
    uint8_t nonce[32], zero = 0;
    att__hash_ctx *h;
    att__hash_new(ATT_HASH_SHA256, &h);
    att__hash_update(h, B.jwk_text, strlen(B.jwk_text));
    att__hash_update(h, &zero, 1);
    att__hash_update(h, challenge, ATT_TPM_CHALLENGE_LEN);
    att__hash_final(h, nonce);
    att__hash_free(h);
    uint8_t att[512], sig[512];
    size_t al, sl;
    make_quote(nonce, att, &al, sig, &sl);
    char *q = b64u(att, al), *s = b64u(sig, sl), *ap = b64u(B.ak_pub, B.ak_pub_len),
         *ch = b64u(challenge, ATT_TPM_CHALLENGE_LEN);
    json_t *body = json_pack(
        "{s:s,s:{s:s,s:s,s:{s:O,s:{s:{s:s}}},s:{s:{s:[{s:s,s:O}],s:[{s:i,s:O}],s:s,s:s,s:s}}}}",
        "att_type", "basic", "att_data", "challenge", ch, "service_context", sc, "request_key",
        "jwk", jwk, "info", "tpm_quote", "hash_alg", "sha256", "tpm_att_data",
        "current_attestation", "logs", "type", "TCG", "log", B.log_json, "pcrs", "algorithm", 11,
        "values", B.pcr_values, "quote", q, "signature", s, "aik_pub", ap);
    if (aik_cert_b64)
        json_object_set_new(
            json_object_get(json_object_get(json_object_get(body, "att_data"), "tpm_att_data"),
                            "current_attestation"),
            "aik_cert", json_string(aik_cert_b64));
    free(q), free(s), free(ap), free(ch);
    /* the large strings are written by the fast writer (core/json.h), not jansson's */
    char *bt = att__json_dump_sorted(body, NULL);
    json_decref(body);
    const char hdr[] = "{\"alg\":\"PS256\",\"typ\":\"attReqV2\"}";
    char *hb = b64u(hdr, strlen(hdr)), *pb = b64u(bt, strlen(bt));
    size_t n = strlen(hb) + strlen(pb) + 2;
    char *si = malloc(n);
    snprintf(si, n, "%s.%s", hb, pb);
    uint8_t *js;
    size_t jl;
    if (att__rsa_pss_sign(B.rk, ATT_HASH_SHA256, si, strlen(si), &js, &jl) != ATT_OK)
        bench_die("JWS sign", NULL);
    char *jb = b64u(js, jl);
    size_t m = strlen(si) + strlen(jb) + 2;
    char *jws = malloc(m);
    snprintf(jws, m, "%s.%s", si, jb);
    /* {"payload":{"request":JWS}} and {"data":...}: base64url and dots need no escaping */
    size_t ml = strlen(jws) + 32;
    char *mt = malloc(ml);
    snprintf(mt, ml, "{\"payload\":{\"request\":\"%s\"}}", jws);
    char *data = b64u(mt, strlen(mt));
    size_t ol = strlen(data) + 16;
    char *out = malloc(ol);
    snprintf(out, ol, "{\"data\":\"%s\"}", data);
    free(data), free(mt), free(jws), free(jb), free(js), free(si), free(hb), free(pb), free(bt);
    return out;
}

/* One prepared in-process request: a sealed ekcert context (the AK bound, as init "ekcert"
 * would leave it) and a request answering its challenge. */
static char *prepare(void)
{
    att__arena a;
    att__arena_init(&a);
    att_diag d;
    att_diag_clear(&d);
    att__tpm_context c;
    memset(&c, 0, sizeof(c));
    c.mode = ATT_TPM_MODE_EKCERT;
    c.issued = time(NULL);
    c.expires = c.issued + 3600;
    att__random(c.id, sizeof(c.id));
    att__random(c.challenge, sizeof(c.challenge));
    memcpy(c.ak_name, B.ak_name, sizeof(B.ak_name));
    c.ak_name_len = sizeof(B.ak_name);
    const char *sc;
    if (att__tpm_context_seal(B.svc, &c, &a, &sc, &d) != ATT_OK)
        bench_die("seal", &d);
    char *out = build_request(c.challenge, sc, NULL, B.jwk);
    att__arena_free(&a);
    return out;
}

/* Time spent per phase of op_attest (seconds), printed as a breakdown. */
static double phase[5];
static long timed_ops;
static const char *const phase_name[5] = {"body + JWS + context", "quote + AK binding",
                                          "event log + claims", "policy", "token"};

/* What attestd does with one request body (attest_tpm.c handle_request, minus HTTP). */
static void op_attest(void)
{
    if (B.next == BATCH)
        return;
    char *text = B.requests[B.next++];
    att_diag d;
    att_diag_clear(&d);
    att__arena a;
    att__arena_init(&a);
    json_t *body = NULL, *payload = NULL;
    int kind;
    att__tpm_request req;
    att__tpm_context c;
    att__tpm_quoted *q = calloc(1, sizeof(*q));
    const att__policy_config *cfg = att__policy_prog_config(B.prog);
    double t0 = bench_now();
    /* the body as the server reads it (routes.c: att__reqjson_parse) */
    if (att__reqjson_parse(text, strlen(text), &body, &d) != ATT_OK ||
        att__tpm_message_parse(body, &payload, &kind, &d) != ATT_OK ||
        att__tpm_request_parse(payload, &a, &req, &d) != ATT_OK ||
        att__tpm_context_open(B.svc, req.service_context, req.service_context_len, time(NULL), &c,
                              &d) != ATT_OK ||
        att__tpm_context_consume(B.svc, &c, time(NULL), &d) != ATT_OK)
        bench_die("request", &d);
    double t1 = bench_now();
    if (att__tpm_verify_quote(B.svc, &req, &c, 0, cfg->required_pcr_mask, time(NULL), q, &d) !=
        ATT_OK)
        bench_die("quote", &d);
    double t2 = bench_now();
    json_t *claims =
        json_pack("{s:b,s:s}", "aikValidated", q->aik_validated, "aikPubHash", q->aik_pub_hash);
    const char *events = NULL;
    size_t events_len = 0;
    if (att__tpm_log_claims(B.svc, &req, q, claims, &events, &events_len, &d) != ATT_OK)
        bench_die("log claims", &d);
    att__claimset in;
    att__claims_init(&in, &a);
    const char *k;
    json_t *v;
    json_object_foreach(claims, k, v)
    {
        if (json_is_boolean(v))
            att__claims_add_bool(&in, k, json_is_true(v), NULL);
        else if (json_is_string(v))
            att__claims_add_string(&in, k, json_string_value(v), NULL);
        else if (!json_is_integer(v))
            att__claims_add_json(&in, k, v, NULL, 0);
    }
    double t3 = bench_now();
    if (events) {
        att__claims_add_stringn(&in, "events", events, events_len, NULL);
        att__claims_add_stringn(&in, "bootEvents", events, events_len, NULL);
    }
    att__policy_result res;
    if (att__policy_eval(B.prog, &in, &a, &res, &d) != ATT_OK)
        bench_die("policy", &d);
    double t4 = bench_now();
    json_t *tok = att__claims_token_json(&res.outgoing);
    if (json_object_get(tok, "secureBootEnabled") != json_true())
        bench_die("secureBootEnabled is not true", NULL);
    json_object_set_new(tok, "cnf", json_pack("{s:O}", "jwk", req.jwk));
    char *jwt = NULL;
    if (att__token_issue(B.ti, ATT_TOKEN_ATTESTATION, tok, time(NULL), &jwt) != ATT_OK)
        bench_die("token", NULL);
    double t5 = bench_now();
    phase[0] += t1 - t0, phase[1] += t2 - t1, phase[2] += t3 - t2, phase[3] += t4 - t3,
        phase[4] += t5 - t4;
    timed_ops++;
    free(jwt);
    json_decref(tok);
    json_decref(claims);
    att__tpm_request_clear(&req);
    json_decref(payload);
    json_decref(body);
    free(q);
    att__arena_free(&a);
}

static void op_pss_verify(void)
{
    if (att__rsa_pss_verify(B.rk, ATT_HASH_SHA256, "header.payload", 14, B.jws_sig, B.jws_sig_len,
                            -2) != ATT_OK)
        bench_die("pss verify", NULL);
}

static void op_pkcs1_verify(void)
{
    if (att__rsa_pkcs1_verify(B.ak, ATT_HASH_SHA256, "header.payload", 14, B.quote_sig,
                              B.quote_sig_len) != ATT_OK)
        bench_die("pkcs1 verify", NULL);
}

static void op_rsa_sign(void)
{
    uint8_t *sig;
    size_t sl;
    if (att__rsa_pkcs1_sign(B.rsa, ATT_HASH_SHA256, "header.payload", 14, &sig, &sl) != ATT_OK)
        bench_die("rsa sign", NULL);
    free(sig);
}

/* Runs op for about secs seconds; returns operations per second. */

/* Timed batches of op_attest: prepare BATCH requests (untimed), then time them. */
static double attest_rate(double secs)
{
    double spent = 0;
    long ops = 0;
    while (spent < secs) {
        for (int i = 0; i < BATCH; i++)
            B.requests[i] = prepare();
        B.next = 0;
        double t0 = bench_now();
        for (int i = 0; i < BATCH; i++)
            op_attest();
        spent += bench_now() - t0;
        ops += BATCH;
        for (int i = 0; i < BATCH; i++)
            free(B.requests[i]);
    }
    return (double)ops / spent;
}

/* The client side both modes share: the AK (ak_file, a PEM private key, or a fresh one) and
 * its TPM2B_PUBLIC and Name, the request key and its JWK, the PCR values and the log. */
static void setup_client(const char *shared, const char *ak_file)
{
    att_diag d;
    att_diag_clear(&d);
    /* The AK: RSA-2048, restricted signing, RSASSA-SHA256. */
    if (ak_file ? att__pkey_read_pem_file(ak_file, &B.ak) != ATT_OK ||
                      att__pkey_type(B.ak) != ATT_KEY_RSA || att__pkey_bits(B.ak) != 2048
                : att__rsa_generate(2048, &B.ak) != ATT_OK)
        bench_die(ak_file ? "the AK key file (an RSA-2048 private key PEM)" : "keygen", NULL);
    if (att__rsa_generate(2048, &B.rk) != ATT_OK)
        bench_die("keygen", NULL);
    uint8_t *n, *e;
    size_t nl, el;
    att__pkey_rsa_ne(B.ak, &n, &nl, &e, &el);
    if (el != 3 || memcmp(e, "\x01\x00\x01", 3) != 0)
        bench_die("the AK's public exponent is not 65537", NULL);
    uint8_t *p = B.ak_pub + 2, *t = p;
    p = be(p, 0x0001, 2);
    p = be(p, 0x000b, 2);
    p = be(p, 0x00050072, 4); /* fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|
                                 restricted|sign */
    p = be(p, 0, 2);          /* authPolicy */
    p = be(p, 0x0010, 2);     /* symmetric NULL */
    p = be(p, 0x0014, 2);     /* RSASSA */
    p = be(p, 0x000b, 2);     /* SHA-256 */
    p = be(p, 2048, 2);
    p = be(p, 0, 4); /* exponent 65537 */
    p = be(p, nl, 2);
    memcpy(p, n, nl), p += nl;
    be(B.ak_pub, (uint64_t)(p - t), 2);
    B.ak_pub_len = (size_t)(p - B.ak_pub);
    B.ak_name[0] = 0x00, B.ak_name[1] = 0x0b;
    att__hash(ATT_HASH_SHA256, t, (size_t)(p - t), B.ak_name + 2);
    free(n), free(e);
    /* The request key's JWK. */
    att__pkey_rsa_ne(B.rk, &n, &nl, &e, &el);
    char *ns = b64u(n, nl), *es = b64u(e, el);
    B.jwk = json_pack("{s:s,s:s,s:s}", "kty", "RSA", "n", ns, "e", es);
    B.jwk_text = json_dumps(B.jwk, JSON_COMPACT | JSON_SORT_KEYS);
    free(ns), free(es), free(n), free(e);
    /* PCRs: the log replayed in SHA-256 (PCRs it never touches keep their reset values). */
    size_t ln;
    uint8_t *log =
        bench_read_file(shared, "vectors/tpm/eventlogs/gotpmtools__cos-85-amd-sev.bin", &ln);
    att__evlog *ev;
    att__pcr_bank bank;
    if (att__evlog_parse(log, ln, &ev, &d) != ATT_OK ||
        att__evlog_replay(ev, ATT_TPM_ALG_SHA256, &bank, &d) != ATT_OK)
        bench_die("event log", &d);
    for (int i = 0; i < 24; i++)
        memcpy(B.pcrs[i], bank.pcr[i], 32);
    att__evlog_free(ev);
    B.log_b64 = b64u(log, ln);
    B.log_json = json_string_nocheck(B.log_b64);
    free(log);
    B.pcr_values = json_array();
    for (int i = 0; i < 24; i++) {
        char *dg = b64u(B.pcrs[i], 32);
        json_array_append_new(B.pcr_values, json_pack("{s:i,s:s}", "index", i, "digest", dg));
        free(dg);
    }
}

/* ---- HTTP mode: the whole protocol against a running attestd ---- */

/* A growable response buffer for curl (capped: an answer is far below 4 MiB). */
typedef struct hbuf {
    char *p;
    size_t n, cap;
} hbuf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    hbuf *b = ud;
    size_t k = size * nmemb;
    if (k > (4u << 20) - b->n)
        return 0;
    if (b->n + k + 1 > b->cap) {
        size_t cap = (b->n + k + 1) * 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return 0;
        b->p = np, b->cap = cap;
    }
    memcpy(b->p + b->n, ptr, k);
    b->n += k;
    b->p[b->n] = 0;
    return k;
}

/* The settings and results shared by the client threads. */
static struct {
    char url[1024];
    const char *aik_cert_b64; /* NULL: no aik_cert in requests */
    char init_body[128];
    double start, deadline; /* attestations start before the deadline are timed */
    pthread_barrier_t ready;
    pthread_mutex_t lock;
    long errors;
    double *lat, *rt; /* attestation latency, request round trip (seconds) */
    size_t n_lat, cap_lat;
} H;

/* POSTs body; returns the HTTP status (0 on a transport failure), the answer in *b. */
static long post(CURL *c, const char *body, hbuf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = 0;
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    long code = 0;
    if (curl_easy_perform(c) != CURLE_OK)
        return 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

/* {"data": b64url({"payload": {...}})} -> the payload (new reference) or NULL. */
static json_t *load(const char *p, size_t n)
{
    json_t *v = att__json_load_fast(p, n);
    return v ? v : json_loadb(p, n, 0, NULL);
}

static json_t *answer_payload(const hbuf *b)
{
    json_t *env = b->p ? load(b->p, b->n) : NULL;
    const char *data = json_string_value(json_object_get(env, "data"));
    uint8_t *raw = NULL;
    size_t rl = 0;
    json_t *msg = NULL, *payload = NULL;
    if (data && att__b64_decode_alloc(data, strlen(data), &raw, &rl) == ATT_OK)
        msg = load((const char *)raw, rl);
    payload = json_incref(json_object_get(msg, "payload"));
    json_decref(msg);
    json_decref(env);
    free(raw);
    return payload;
}

/* One error, reported on stderr for the first few. */
static void http_error(const char *round, long code, const hbuf *b)
{
    pthread_mutex_lock(&H.lock);
    if (H.errors++ < 5)
        fprintf(stderr, "bench_tpm: %s answered %ld: %.300s\n", round, code,
                b->p ? b->p : "(no body)");
    pthread_mutex_unlock(&H.lock);
}

/* One attestation: init -> challenge, the request over it -> a report token. Returns 1 when
 * the answer is 200 with a token; *rt gets the request round trip; *claims (when not NULL)
 * the token's payload (new reference, NULL when it does not decode). */
static int attest_once(CURL *c, hbuf *b, json_t *jwk, double *rt, json_t **claims)
{
    long code = post(c, H.init_body, b);
    json_t *pl = code == 200 ? answer_payload(b) : NULL;
    const char *ch = json_string_value(json_object_get(pl, "challenge"));
    const char *sc = json_string_value(json_object_get(pl, "service_context"));
    uint8_t *chb = NULL;
    size_t chl = 0;
    if (!ch || !sc || att__b64_decode_alloc(ch, strlen(ch), &chb, &chl) != ATT_OK ||
        chl != ATT_TPM_CHALLENGE_LEN) {
        http_error("init", code, b);
        json_decref(pl);
        free(chb);
        return 0;
    }
    char *req = build_request(chb, sc, H.aik_cert_b64, jwk);
    free(chb);
    json_decref(pl);
    double t0 = bench_now();
    code = post(c, req, b);
    *rt = bench_now() - t0;
    free(req);
    pl = code == 200 ? answer_payload(b) : NULL;
    const char *jwt = json_string_value(json_object_get(pl, "report"));
    /* a JWS compact token: three dot-separated segments */
    const char *d1 = jwt ? strchr(jwt, '.') : NULL, *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    int ok = d2 && d2 > d1 + 1 && d1 > jwt && d2[1] && !strchr(d2 + 1, '.');
    if (!ok)
        http_error("request", code, b);
    if (ok && claims) {
        uint8_t *raw = NULL;
        size_t rl = 0;
        *claims = att__b64_decode_alloc(d1 + 1, (size_t)(d2 - d1 - 1), &raw, &rl) == ATT_OK
                      ? json_loadb((const char *)raw, rl, 0, NULL)
                      : NULL;
        free(raw);
    }
    json_decref(pl);
    return ok;
}

static void *client(void *arg)
{
    (void)arg;
    CURL *c = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    /* no "Expect: 100-continue" round trip before the ~64 KB request body */
    hdr = hdr ? curl_slist_append(hdr, "Expect:") : NULL;
    hbuf b = {0};
    json_t *jwk = json_deep_copy(B.jwk);
    if (!c || !hdr || !jwk)
        bench_die("curl or memory", NULL);
    curl_easy_setopt(c, CURLOPT_URL, H.url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    double rt;
    /* warm-up (untimed): the connection, and attestd's AK and log caches; its report must
     * show the whole path: the AIK certificate validated, the log's Secure Boot verdict */
    json_t *claims = NULL;
    if (!attest_once(c, &b, jwk, &rt, &claims))
        bench_die("the warm-up attestation failed (see above)", NULL);
    if (json_object_get(claims, "aikValidated") != json_true() ||
        json_object_get(claims, "secureBootEnabled") != json_true() ||
        !json_equal(json_object_get(json_object_get(claims, "cnf"), "jwk"), jwk))
        bench_die("the warm-up report lacks aikValidated, secureBootEnabled or the request key",
                  NULL);
    json_decref(claims);
    pthread_barrier_wait(&H.ready);
    pthread_barrier_wait(&H.ready); /* main has read the start time and CPU counters */
    while (bench_now() < H.deadline) {
        double t0 = bench_now();
        int ok = attest_once(c, &b, jwk, &rt, NULL);
        double t = bench_now() - t0;
        pthread_mutex_lock(&H.lock);
        if (ok) {
            if (H.n_lat == H.cap_lat) {
                H.cap_lat = H.cap_lat ? 2 * H.cap_lat : 4096;
                H.lat = realloc(H.lat, H.cap_lat * sizeof(double));
                H.rt = realloc(H.rt, H.cap_lat * sizeof(double));
                if (!H.lat || !H.rt)
                    bench_die("memory", NULL);
            }
            H.lat[H.n_lat] = t, H.rt[H.n_lat] = rt, H.n_lat++;
        }
        pthread_mutex_unlock(&H.lock);
    }
    json_decref(jwk);
    free(b.p);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

/* user + system CPU seconds of process pid (/proc/PID/stat fields 14 and 15); -1 when
 * unreadable. */
static double proc_cpu(long pid)
{
    char path[64], line[2048];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(line, 1, sizeof(line) - 1, f);
    fclose(f);
    line[n] = 0;
    char *p = strrchr(line, ')'); /* the command name may hold spaces */
    unsigned long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void http_usage(void)
{
    fprintf(stderr,
            "usage: bench_tpm http BASE_URL SECONDS [CONCURRENCY] --ak-key FILE --aik-cert FILE\n"
            "                      [--pid ATTESTD_PID] [--bound SIGN_PER_S,VERIFY_PER_S,CORES]\n"
            "  --ak-key    the AK: an RSA-2048 private key (PEM)\n"
            "  --aik-cert  its AIK certificate (PEM), from a CA attestd trusts (--tpm-aik-ca)\n"
            "  --pid       attestd's pid: its CPU time per attestation is read from /proc\n"
            "  --bound     RSA-2048 sign/s and verify/s on CORES cores (openssl speed -multi);\n"
            "              without it the bound is measured here on one core\n");
    exit(2);
}

/* bench_tpm http: attestations per second over HTTP with CONCURRENCY client threads (one
 * keep-alive connection each), latency, attestd's CPU time per attestation, and both against
 * the crypto bound. Exit 1 when any attestation failed. */
static int http_main(const char *shared, int argc, char **argv)
{
    const char *base = NULL, *ak_file = NULL, *cert_file = NULL, *bound_arg = NULL;
    double secs = 0;
    long conc = 4, pid = 0;
    int pos = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--ak-key") == 0 && i + 1 < argc)
            ak_file = argv[++i];
        else if (strcmp(argv[i], "--aik-cert") == 0 && i + 1 < argc)
            cert_file = argv[++i];
        else if (strcmp(argv[i], "--pid") == 0 && i + 1 < argc)
            pid = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--bound") == 0 && i + 1 < argc)
            bound_arg = argv[++i];
        else if (argv[i][0] == '-')
            http_usage();
        else if (pos == 0)
            base = argv[i], pos++;
        else if (pos == 1)
            secs = strtod(argv[i], NULL), pos++;
        else if (pos == 2)
            conc = strtol(argv[i], NULL, 10), pos++;
        else
            http_usage();
    }
    if (!base || secs <= 0 || conc < 1 || conc > 256 || !ak_file || !cert_file)
        http_usage();
    double b_sign = 0, b_verify = 0, b_cores = 0;
    if (bound_arg && (sscanf(bound_arg, "%lf,%lf,%lf", &b_sign, &b_verify, &b_cores) != 3 ||
                      b_sign <= 0 || b_verify <= 0 || b_cores < 1))
        http_usage();
    setup_client(shared, ak_file);
    att__cert *cert;
    uint8_t *der;
    size_t derl;
    if (att__cert_read_file(cert_file, &cert) != ATT_OK ||
        att__cert_der(cert, &der, &derl) != ATT_OK)
        bench_die("the AIK certificate file", NULL);
    H.aik_cert_b64 = b64u(der, derl);
    free(der);
    att__cert_free(cert);
    snprintf(H.url, sizeof(H.url), "%s/attest/Tpm?api-version=2022-08-01", base);
    const char init_msg[] = "{\"payload\":{\"type\":\"aikcert\"}}";
    char *im = b64u(init_msg, strlen(init_msg));
    snprintf(H.init_body, sizeof(H.init_body), "{\"data\":\"%s\"}", im);
    free(im);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_mutex_init(&H.lock, NULL);
    pthread_barrier_init(&H.ready, NULL, (unsigned)conc + 1);
    pthread_t *th = calloc((size_t)conc, sizeof(*th));
    for (long i = 0; i < conc; i++)
        if (!th || pthread_create(&th[i], NULL, client, NULL) != 0)
            bench_die("threads", NULL);
    pthread_barrier_wait(&H.ready); /* every client has attested once */
    double cpu0 = pid ? proc_cpu(pid) : 0, me0 = self_cpu();
    H.start = bench_now();
    H.deadline = H.start + secs;
    pthread_barrier_wait(&H.ready);
    for (long i = 0; i < conc; i++)
        pthread_join(th[i], NULL);
    double wall = bench_now() - H.start;
    double cpu1 = pid ? proc_cpu(pid) : 0, me1 = self_cpu();
    free(th);
    if (pid && (cpu0 < 0 || cpu1 < 0))
        bench_die("cannot read /proc/PID/stat of attestd", NULL);

    size_t n = H.n_lat;
    printf("bench_tpm http (%ld connections, %.0f s): init \"aikcert\" + request (AIK certificate, "
           "quote over 24 PCRs, 45-event TCG log) -> report, default Tpm policy\n",
           conc, secs);
    if (n == 0)
        bench_die("no attestation completed", NULL);
    qsort(H.lat, n, sizeof(double), cmp_double);
    qsort(H.rt, n, sizeof(double), cmp_double);
    double rps = (double)n / wall;
    printf("  POST /attest/Tpm x2   %9.1f attestations/s  (%zu in %.1f s, errors %ld)\n", rps, n,
           wall, H.errors);
    printf("  latency per attestation p50 %.2f ms  p99 %.2f ms (both rounds and the client's "
           "quote + JWS signing)\n",
           1000 * pct(H.lat, n, 0.5), 1000 * pct(H.lat, n, 0.99));
    printf("  request round trip      p50 %.2f ms  p99 %.2f ms\n", 1000 * pct(H.rt, n, 0.5),
           1000 * pct(H.rt, n, 0.99));
    /* The bound: CPU-seconds per operation with every core busy. */
    const char *src = "openssl speed on all cores";
    if (!bound_arg) {
        if (att__rsa_pkcs1_sign(B.ak, ATT_HASH_SHA256, "header.payload", 14, &B.quote_sig,
                                &B.quote_sig_len) != ATT_OK)
            bench_die("AK sign", NULL);
        B.rsa = B.ak; /* op_rsa_sign signs with it */
        b_verify = bench_rate(1.0, 16, op_pkcs1_verify);
        b_sign = bench_rate(1.0, 16, op_rsa_sign);
        b_cores = 1;
        src = "measured here on one core";
    }
    /* CPU-seconds per operation, and the attestations/s all cores could reach doing nothing
     * but the bound's crypto */
    double c_sign = b_cores / b_sign, c_verify = b_cores / b_verify;
    double cores = bound_arg ? b_cores : (double)sysconf(_SC_NPROCESSORS_ONLN);
    double bound = cores / (c_verify + c_sign);
    printf("  crypto bound %.1f/s on %.0f cores, 1 AK verify + 1 RSA-2048 sign per attestation "
           "(%s: %.0f sign/s, %.0f verify/s): %.1f%% of the bound\n",
           bound, cores, src, b_sign, b_verify, 100 * rps / bound);
    if (pid) {
        double per = (cpu1 - cpu0) / (double)n;
        printf("  attestd CPU per attestation %.3f ms, the bound's crypto %.3f ms of it: %.1f%% of "
               "attestd's own CPU time\n",
               1000 * per, 1000 * (c_verify + c_sign), 100 * (c_verify + c_sign) / per);
        printf("  counting every public-key operation attestd does (+ the JWS PSS verify and the "
               "AIK certificate's signature): %.1f%%\n",
               100 * (3 * c_verify + c_sign) / per);
    }
    printf("  bench_tpm CPU per attestation %.3f ms (its 2 RSA-2048 signatures: quote, JWS; "
           "building and parsing)\n",
           1000 * (me1 - me0) / (double)n);
    return H.errors ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *shared = getenv("ATT_SHARED_DIR");
    if (!shared)
        shared = "../shared";
    if (argc > 1 && strcmp(argv[1], "http") == 0)
        return http_main(shared, argc - 2, argv + 2);
    double secs = argc > 1 ? strtod(argv[1], NULL) : 3.0;
    att_diag d;
    att_diag_clear(&d);
    if (att__tpm_service_new("", "", 3600, &B.svc, &d) != ATT_OK)
        bench_die("service", &d);
    if (att__rsa_generate(2048, &B.rsa) != ATT_OK)
        bench_die("keygen", NULL);
    setup_client(shared, NULL);
    /* The default Tpm policy and a token issuer. */
    const char *pol = att__default_policy_text(ATT_TYPE_TPM);
    if (att__policy_compile(pol, strlen(pol), &B.prog, &d) != ATT_OK)
        bench_die("policy", &d);
    att__cert *cert;
    att__signer *signer;
    if (att__cert_self_signed(B.rsa, "http://127.0.0.1:1", 0, 4102444800, &cert) != ATT_OK ||
        att__signer_new(&B.rsa, 1, &signer) != ATT_OK ||
        att__token_issuer_new(signer, "http://127.0.0.1:1", &cert, &B.ti) != ATT_OK)
        bench_die("token issuer", NULL);
    /* Crypto-bound operands. */
    uint8_t att[512], sig[512];
    size_t al, sl;
    uint8_t zero[32] = {0};
    make_quote(zero, att, &al, sig, &sl);
    att__rsa_pss_sign(B.rk, ATT_HASH_SHA256, "header.payload", 14, &B.jws_sig, &B.jws_sig_len);
    att__rsa_pkcs1_sign(B.ak, ATT_HASH_SHA256, "header.payload", 14, &B.quote_sig,
                        &B.quote_sig_len);

    double attest = attest_rate(secs);
    double pss = bench_rate(secs / 2, 16, op_pss_verify);
    double pk = bench_rate(secs / 2, 16, op_pkcs1_verify);
    double sign = bench_rate(secs / 2, 16, op_rsa_sign);
    double bound = 1.0 / (1.0 / pss + 1.0 / pk + 1.0 / sign);
    printf("bench_tpm (one core): request = JWS + context + quote (24 PCRs) + %s + default "
           "policy + token\n",
           "45-event TCG log");
    printf("  RSA-2048 PSS verify     %9.0f /s\n", pss);
    printf("  RSA-2048 PKCS#1 verify  %9.0f /s\n", pk);
    printf("  RSA-2048 sign           %9.0f /s\n", sign);
    printf("  TPM attestation         %9.0f /s   (%.1f%% of the crypto bound %.0f/s: "
           "1 PSS verify + 1 AK verify + 1 RSA sign)\n",
           attest, 100.0 * attest / bound, bound);
    double total = phase[0] + phase[1] + phase[2] + phase[3] + phase[4];
    printf("    per request, timed batches: %.3f ms\n", 1000.0 * total / (double)timed_ops);
    for (int i = 0; i < 5; i++)
        printf("      %-22s %5.1f%%  %7.3f ms\n", phase_name[i], 100.0 * phase[i] / total,
               1000.0 * phase[i] / (double)timed_ops);
    return 0;
}
