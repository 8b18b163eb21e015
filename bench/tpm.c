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
 * quote signature) + 1 RSA-2048 sign (the token). Single thread: figures are per core. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/codec.h"
#include "crypto/aead.h"
#include "crypto/crypto.h"
#include "evidence/tpm/eventlog.h"
#include "policy/policy.h"
#include "provider/provider.h"
#include "server/attest_tpm.h"
#include "server/reqjson.h"
#include "token/token.h"

#define BATCH 64

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const att_diag *d)
{
    fprintf(stderr, "bench_tpm: %s: %s\n", what, d && d->message[0] ? d->message : "failed");
    exit(1);
}

static uint8_t *read_file(const char *dir, const char *rel, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_tpm: cannot open %s (set ATT_SHARED_DIR)\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)len + 1);
    if (!p || fread(p, 1, (size_t)len, f) != (size_t)len)
        exit(1);
    fclose(f);
    *n = (size_t)len;
    return p;
}

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
        die("AK sign", NULL);
    uint8_t *q = sig;
    q = be(q, 0x0014, 2);
    q = be(q, 0x000b, 2);
    q = be(q, sl, 2);
    memcpy(q, s, sl), q += sl;
    *sig_len = (size_t)(q - sig);
    free(s);
}

/* One prepared request body: init (sealed context) + client-side quote and JWS. */
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
        die("seal", &d);
    uint8_t nonce[32], zero = 0;
    att__hash_ctx *h;
    att__hash_new(ATT_HASH_SHA256, &h);
    att__hash_update(h, B.jwk_text, strlen(B.jwk_text));
    att__hash_update(h, &zero, 1);
    att__hash_update(h, c.challenge, sizeof(c.challenge));
    att__hash_final(h, nonce);
    att__hash_free(h);
    uint8_t att[512], sig[512];
    size_t al, sl;
    make_quote(nonce, att, &al, sig, &sl);
    json_t *vals = json_array();
    for (int i = 0; i < 24; i++) {
        char *dg = b64u(B.pcrs[i], 32);
        json_array_append_new(vals, json_pack("{s:i,s:s}", "index", i, "digest", dg));
        free(dg);
    }
    char *q = b64u(att, al), *s = b64u(sig, sl), *ap = b64u(B.ak_pub, B.ak_pub_len),
         *ch = b64u(c.challenge, sizeof(c.challenge));
    json_t *body = json_pack(
        "{s:s,s:{s:s,s:s,s:{s:O,s:{s:{s:s}}},s:{s:{s:[{s:s,s:s}],s:[{s:i,s:o}],s:s,s:s,s:s}}}}",
        "att_type", "basic", "att_data", "challenge", ch, "service_context", sc, "request_key",
        "jwk", B.jwk, "info", "tpm_quote", "hash_alg", "sha256", "tpm_att_data",
        "current_attestation", "logs", "type", "TCG", "log", B.log_b64, "pcrs", "algorithm", 11,
        "values", vals, "quote", q, "signature", s, "aik_pub", ap);
    free(q), free(s), free(ap), free(ch);
    char *bt = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    const char hdr[] = "{\"alg\":\"PS256\",\"typ\":\"attReqV2\"}";
    char *hb = b64u(hdr, strlen(hdr)), *pb = b64u(bt, strlen(bt));
    size_t n = strlen(hb) + strlen(pb) + 2;
    char *si = malloc(n);
    snprintf(si, n, "%s.%s", hb, pb);
    uint8_t *js;
    size_t jl;
    if (att__rsa_pss_sign(B.rk, ATT_HASH_SHA256, si, strlen(si), &js, &jl) != ATT_OK)
        die("JWS sign", NULL);
    char *jb = b64u(js, jl);
    size_t m = strlen(si) + strlen(jb) + 2;
    char *jws = malloc(m);
    snprintf(jws, m, "%s.%s", si, jb);
    json_t *msg = json_pack("{s:{s:s}}", "payload", "request", jws);
    char *mt = json_dumps(msg, JSON_COMPACT);
    char *data = b64u(mt, strlen(mt));
    json_t *env = json_pack("{s:s}", "data", data);
    char *out = json_dumps(env, JSON_COMPACT);
    json_decref(env), json_decref(msg);
    free(data), free(mt), free(jws), free(jb), free(js), free(si), free(hb), free(pb), free(bt);
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
    double t0 = now_s();
    /* the body as the server reads it (routes.c: att__reqjson_parse) */
    if (att__reqjson_parse(text, strlen(text), &body, &d) != ATT_OK ||
        att__tpm_message_parse(body, &payload, &kind, &d) != ATT_OK ||
        att__tpm_request_parse(payload, &a, &req, &d) != ATT_OK ||
        att__tpm_context_open(B.svc, req.service_context, req.service_context_len, time(NULL), &c,
                              &d) != ATT_OK ||
        att__tpm_context_consume(B.svc, &c, time(NULL), &d) != ATT_OK)
        die("request", &d);
    double t1 = now_s();
    if (att__tpm_verify_quote(B.svc, &req, &c, 0, cfg->required_pcr_mask, time(NULL), q, &d) !=
        ATT_OK)
        die("quote", &d);
    double t2 = now_s();
    json_t *claims =
        json_pack("{s:b,s:s}", "aikValidated", q->aik_validated, "aikPubHash", q->aik_pub_hash);
    const char *events = NULL;
    size_t events_len = 0;
    if (att__tpm_log_claims(B.svc, &req, q, claims, &events, &events_len, &d) != ATT_OK)
        die("log claims", &d);
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
    double t3 = now_s();
    if (events) {
        att__claims_add_stringn(&in, "events", events, events_len, NULL);
        att__claims_add_stringn(&in, "bootEvents", events, events_len, NULL);
    }
    att__policy_result res;
    if (att__policy_eval(B.prog, &in, &a, &res, &d) != ATT_OK)
        die("policy", &d);
    double t4 = now_s();
    json_t *tok = att__claims_token_json(&res.outgoing);
    if (json_object_get(tok, "secureBootEnabled") != json_true())
        die("secureBootEnabled is not true", NULL);
    json_object_set_new(tok, "cnf", json_pack("{s:O}", "jwk", req.jwk));
    char *jwt = NULL;
    if (att__token_issue(B.ti, ATT_TOKEN_ATTESTATION, tok, time(NULL), &jwt) != ATT_OK)
        die("token", NULL);
    double t5 = now_s();
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
        die("pss verify", NULL);
}

static void op_pkcs1_verify(void)
{
    if (att__rsa_pkcs1_verify(B.ak, ATT_HASH_SHA256, "header.payload", 14, B.quote_sig,
                              B.quote_sig_len) != ATT_OK)
        die("pkcs1 verify", NULL);
}

static void op_rsa_sign(void)
{
    uint8_t *sig;
    size_t sl;
    if (att__rsa_pkcs1_sign(B.rsa, ATT_HASH_SHA256, "header.payload", 14, &sig, &sl) != ATT_OK)
        die("rsa sign", NULL);
    free(sig);
}

/* Runs op for about secs seconds; returns operations per second. */
static double rate(double secs, void (*op)(void))
{
    double t0 = now_s(), t;
    long ops = 0;
    do {
        for (int k = 0; k < 16; k++)
            op();
        ops += 16;
        t = now_s() - t0;
    } while (t < secs);
    return (double)ops / t;
}

/* Timed batches of op_attest: prepare BATCH requests (untimed), then time them. */
static double attest_rate(double secs)
{
    double spent = 0;
    long ops = 0;
    while (spent < secs) {
        for (int i = 0; i < BATCH; i++)
            B.requests[i] = prepare();
        B.next = 0;
        double t0 = now_s();
        for (int i = 0; i < BATCH; i++)
            op_attest();
        spent += now_s() - t0;
        ops += BATCH;
        for (int i = 0; i < BATCH; i++)
            free(B.requests[i]);
    }
    return (double)ops / spent;
}

int main(int argc, char **argv)
{
    const char *shared = getenv("ATT_SHARED_DIR");
    if (!shared)
        shared = "../shared";
    double secs = argc > 1 ? strtod(argv[1], NULL) : 3.0;
    att_diag d;
    att_diag_clear(&d);
    if (att__tpm_service_new("", "", 3600, &B.svc, &d) != ATT_OK)
        die("service", &d);
    /* The AK: RSA-2048, restricted signing, RSASSA-SHA256. */
    if (att__rsa_generate(2048, &B.ak) != ATT_OK || att__rsa_generate(2048, &B.rk) != ATT_OK ||
        att__rsa_generate(2048, &B.rsa) != ATT_OK)
        die("keygen", NULL);
    uint8_t *n, *e;
    size_t nl, el;
    att__pkey_rsa_ne(B.ak, &n, &nl, &e, &el);
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
    uint8_t *log = read_file(shared, "vectors/tpm/eventlogs/gotpmtools__cos-85-amd-sev.bin", &ln);
    att__evlog *ev;
    att__pcr_bank bank;
    if (att__evlog_parse(log, ln, &ev, &d) != ATT_OK ||
        att__evlog_replay(ev, ATT_TPM_ALG_SHA256, &bank, &d) != ATT_OK)
        die("event log", &d);
    for (int i = 0; i < 24; i++)
        memcpy(B.pcrs[i], bank.pcr[i], 32);
    att__evlog_free(ev);
    B.log_b64 = b64u(log, ln);
    free(log);
    /* The default Tpm policy and a token issuer. */
    const char *pol = att__default_policy_text(ATT_TYPE_TPM);
    if (att__policy_compile(pol, strlen(pol), &B.prog, &d) != ATT_OK)
        die("policy", &d);
    att__cert *cert;
    att__signer *signer;
    if (att__cert_self_signed(B.rsa, "http://127.0.0.1:1", 0, 4102444800, &cert) != ATT_OK ||
        att__signer_new(&B.rsa, 1, &signer) != ATT_OK ||
        att__token_issuer_new(signer, "http://127.0.0.1:1", &cert, &B.ti) != ATT_OK)
        die("token issuer", NULL);
    /* Crypto-bound operands. */
    uint8_t att[512], sig[512];
    size_t al, sl;
    uint8_t zero[32] = {0};
    make_quote(zero, att, &al, sig, &sl);
    att__rsa_pss_sign(B.rk, ATT_HASH_SHA256, "header.payload", 14, &B.jws_sig, &B.jws_sig_len);
    att__rsa_pkcs1_sign(B.ak, ATT_HASH_SHA256, "header.payload", 14, &B.quote_sig,
                        &B.quote_sig_len);

    double attest = attest_rate(secs);
    double pss = rate(secs / 2, op_pss_verify);
    double pk = rate(secs / 2, op_pkcs1_verify);
    double sign = rate(secs / 2, op_rsa_sign);
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
