/* Helpers shared by the in-process benches (bench/<name>.c, each its own binary; this
 * header is not one). Define BENCH_NAME ("bench_sgx", ...) before including it. */
#ifndef ATT_BENCH_H
#define ATT_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "attest/error.h"

#ifndef BENCH_NAME
#error "define BENCH_NAME before including bench.h"
#endif

/* Monotonic time in seconds. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Stops the bench: "BENCH_NAME: what: <d's message>". */
static inline void bench_die(const char *what, const att_diag *d)
{
    fprintf(stderr, BENCH_NAME ": %s: %s\n", what, d && d->message[0] ? d->message : "failed");
    exit(1);
}

/* The whole file dir/rel, malloc'd and NUL-terminated (not counted in *n); exits when it
 * cannot be read (dir is the shared directory: ATT_SHARED_DIR). */
static inline void *bench_read_file(const char *dir, const char *rel, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, BENCH_NAME ": cannot open %s (set ATT_SHARED_DIR)\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (!p || fread(p, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, BENCH_NAME ": cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    p[len] = 0;
    *n = (size_t)len;
    return p;
}

/* Operations per second of op, run in batches of `batch` for at least secs seconds. */
static inline double bench_rate(double secs, int batch, void (*op)(void))
{
    double t0 = bench_now(), t;
    long ops = 0;
    do {
        for (int k = 0; k < batch; k++)
            op();
        ops += batch;
        t = bench_now() - t0;
    } while (t < secs);
    return (double)ops / t;
}

#endif
