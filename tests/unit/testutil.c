/* Helpers shared by the unit tests (testutil.h). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "attest/error.h"
#include "core/codec.h"
#include "core/timeutil.h"

static char pathbuf[4096];

const char *tu_shared_path(const char *rel)
{
    const char *dir = getenv("ATT_SHARED_DIR");
    if (!dir)
        dir = "../shared";
    snprintf(pathbuf, sizeof(pathbuf), "%s/%s", dir, rel);
    return pathbuf;
}

const char *tu_source_path(const char *rel)
{
    const char *dir = getenv("ATT_SOURCE_DIR");
    if (!dir)
        dir = ".";
    snprintf(pathbuf, sizeof(pathbuf), "%s/%s", dir, rel);
    return pathbuf;
}

uint8_t *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    p[n] = 0;
    if (len)
        *len = (size_t)n;
    return p;
}

static char tmpbuf[256];

const char *tu_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpbuf, sizeof(tmpbuf), "%s/attestd-test-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(tmpbuf))
        fail_msg("mkdtemp failed");
    return tmpbuf;
}

void tu_rmtree(const char *path)
{
    char cmd[600];
    if (!path || strncmp(path, "/tmp/", 5) != 0)
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    int rc = system(cmd);
    (void)rc;
}

char *tu_read_shared_text(const char *rel, size_t *len)
{
    return (char *)tu_read_file(tu_shared_path(rel), len);
}

json_t *tu_load_json(const char *rel)
{
    json_error_t err;
    json_t *j = json_load_file(tu_shared_path(rel), JSON_DECODE_INT_AS_REAL, &err);
    if (!j)
        fail_msg("%s: %s", rel, err.text);
    return j;
}

const char *tu_jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s)
        fail_msg("missing string %s", key);
    return s;
}

int64_t tu_parse_time(const char *s)
{
    int64_t t = 0;
    assert_int_equal(att__time_parse(s, &t), ATT_OK);
    return t;
}

uint8_t *tu_hex_decode(const char *hex, size_t *n)
{
    uint8_t *p = NULL;
    assert_int_equal(att__hex_decode_alloc(hex, strlen(hex), &p, n), ATT_OK);
    return p;
}
