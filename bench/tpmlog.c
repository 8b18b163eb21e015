/* bench_tpmlog: in-process cost of the TPM event-log and IMA code (src/evidence/tpm) on
 * real vectors (ATT_SHARED_DIR, default ../shared): parse (with the per-event
 * digest-over-data checks) + replay of every bank of the largest real event log, the boot
 * facts of that log (Secure Boot databases: X.509 parsing), a replay against quoted values,
 * and parse + PCR 10 replay of the 826-entry real IMA list. Medians of many runs, one
 * thread. Usage: bench_tpmlog [RUNS] (default 300). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evidence/tpm/eventlog.h"
#include "evidence/tpm/ima.h"

#define BIG_LOG  "vectors/tpm/eventlogs/goattestation__option_rom_eventlog.bin"
#define MANY_LOG "vectors/tpm/eventlogs/tpm2tss__binary_measurements_hcrtm.bin"
#define IMA_LIST "vectors/tpm/ima/rust-keylime__ascii_runtime_measurements"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static uint8_t *read_file(const char *rel, size_t *n)
{
    const char *dir = getenv("ATT_SHARED_DIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "../shared", rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_tpmlog: cannot open %s (set ATT_SHARED_DIR)\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)len);
    if (!p || fread(p, 1, (size_t)len, f) != (size_t)len)
        exit(1);
    fclose(f);
    *n = (size_t)len;
    return p;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp);
    return v[n / 2];
}

static void die(const char *what)
{
    fprintf(stderr, "bench_tpmlog: %s failed\n", what);
    exit(1);
}

/* parse + replay of every bank; returns the parsed log of the last run via *keep. */
static double parse_replay(const uint8_t *b, size_t n, int runs, double *t_parse, size_t *events)
{
    double *tp = malloc(sizeof(double) * (size_t)runs), *tr = malloc(sizeof(double) * (size_t)runs);
    for (int i = 0; i < runs; i++) {
        att__evlog *log = NULL;
        double t0 = now_us();
        if (att__evlog_parse(b, n, &log, NULL) != ATT_OK)
            die("parse");
        double t1 = now_us();
        for (uint32_t k = 0; k < log->nbanks; k++) {
            att__pcr_bank bank;
            if (att__evlog_has_bank(log, log->banks[k].alg) &&
                att__evlog_replay(log, log->banks[k].alg, &bank, NULL) != ATT_OK)
                die("replay");
        }
        double t2 = now_us();
        tp[i] = t1 - t0;
        tr[i] = t2 - t0;
        *events = log->nevents;
        att__evlog_free(log);
    }
    *t_parse = median(tp, runs);
    double r = median(tr, runs);
    free(tp);
    free(tr);
    return r;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 300;
    if (runs < 5)
        runs = 5;
    size_t n, events;
    double tparse;
    uint8_t *big = read_file(BIG_LOG, &n);
    double t_big = parse_replay(big, n, runs, &tparse, &events);
    printf("TPM event log (%s, %zu bytes, %zu events, SHA-1)\n", "option_rom", n, events);
    printf("  parse + digest checks       %8.1f us (median of %d)\n", tparse, runs);
    printf("  parse + replay all banks    %8.1f us\n", t_big);

    /* facts and verify against quoted values */
    att__evlog *log = NULL;
    if (att__evlog_parse(big, n, &log, NULL) != ATT_OK)
        die("parse");
    double *t = malloc(sizeof(double) * (size_t)runs);
    for (int i = 0; i < runs; i++) {
        att__evlog_facts *f = NULL;
        double t0 = now_us();
        if (att__evlog_facts_get(log, &f) != ATT_OK)
            die("facts");
        t[i] = now_us() - t0;
        att__evlog_facts_free(f);
    }
    printf("  boot facts (PCR7 DBs, SIPA) %8.1f us\n", median(t, runs));
    att__pcr_bank bank;
    att__evlog_replay(log, ATT_TPM_ALG_SHA1, &bank, NULL);
    uint8_t vals[24 * 20];
    for (int i = 0; i < 24; i++)
        memcpy(vals + 20 * i, bank.pcr[i], 20);
    for (int i = 0; i < runs; i++) {
        att__pcr_verify_result res;
        double t0 = now_us();
        if (att__evlog_verify_pcrs(log, ATT_TPM_ALG_SHA1, 0xFFFFFF, vals, sizeof(vals), &res,
                                   NULL) != ATT_OK)
            die("verify");
        t[i] = now_us() - t0;
    }
    printf("  verify 24 quoted PCRs       %8.1f us\n", median(t, runs));
    att__evlog_free(log);
    free(big);

    uint8_t *many = read_file(MANY_LOG, &n);
    double t_many = parse_replay(many, n, runs, &tparse, &events);
    printf("TPM event log (%s, %zu bytes, %zu events, 3 banks incl. SM3)\n", "hcrtm", n, events);
    printf("  parse + replay all banks    %8.1f us\n", t_many);
    free(many);

    uint8_t *ima = read_file(IMA_LIST, &n);
    double *t2 = malloc(sizeof(double) * (size_t)runs);
    size_t entries = 0;
    for (int i = 0; i < runs; i++) {
        att__ima_log *il = NULL;
        uint8_t v[32];
        double t0 = now_us();
        if (att__ima_parse(ima, n, &il, NULL) != ATT_OK)
            die("ima parse");
        double t1 = now_us();
        if (att__ima_replay(il, ATT_TPM_ALG_SHA256, il->nentries, v) != ATT_OK)
            die("ima replay");
        t[i] = t1 - t0;
        t2[i] = now_us() - t1;
        entries = il->nentries;
        att__ima_free(il);
    }
    printf("IMA list (%zu entries, ASCII ima-ng, %zu bytes)\n", entries, n);
    printf("  parse + template hash check %8.1f us\n", median(t, runs));
    printf("  PCR 10 replay (sha256)      %8.1f us\n", median(t2, runs));
    free(t);
    free(t2);
    free(ima);
    return 0;
}
