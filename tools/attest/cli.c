/* Helpers shared by the `attest` commands (cli.h): option parsing, error output, reading
 * an argument from stdin or a file, durations in words. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"

__attribute__((format(printf, 2, 0))) static void vreport(const char *kind, const char *fmt,
                                                          va_list ap)
{
    fprintf(stderr, "attest: %s: ", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void att_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("error", fmt, ap);
    va_end(ap);
}

void att_cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("warning", fmt, ap);
    va_end(ap);
}

int att_cli_usage_error(const att_cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("error", fmt, ap);
    va_end(ap);
    fprintf(stderr, "Run '%s --help' for usage.\n", ctx->path);
    return ATT_EXIT_USAGE;
}

void att_cli_print_help(const att_cli_ctx *ctx)
{
    printf("Usage: %s %s\n\n", ctx->path, ctx->cmd->args ? ctx->cmd->args : "");
    if (ctx->cmd->help)
        fputs(ctx->cmd->help, stdout);
}

static const att_cli_opt *find_long(const att_cli_opt *opts, const char *name, size_t n)
{
    for (const att_cli_opt *o = opts; o && o->name; o++)
        if (strlen(o->name) == n && strncmp(o->name, name, n) == 0)
            return o;
    return NULL;
}

static const att_cli_opt *find_short(const att_cli_opt *opts, char c)
{
    for (const att_cli_opt *o = opts; o && o->name; o++)
        if (o->short_name && o->short_name == c)
            return o;
    return NULL;
}

int att_cli_parse(const att_cli_ctx *ctx, int argc, char **argv, const att_cli_opt *opts,
                  const char **pos, int min_pos, int max_pos, int *npos)
{
    int n = 0, only_pos = 0;
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (n >= max_pos)
                return att_cli_usage_error(ctx, "unexpected argument '%s'", a);
            pos[n++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            att_cli_print_help(ctx);
            return ATT_EXIT_OK;
        }
        const att_cli_opt *o;
        const char *inline_val = NULL;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            o = find_long(opts, name, eq ? (size_t)(eq - name) : strlen(name));
            if (eq)
                inline_val = eq + 1;
        } else {
            o = a[2] == '\0' ? find_short(opts, a[1]) : NULL;
        }
        if (!o)
            return att_cli_usage_error(ctx, "unknown option '%s'", a);
        if (o->kind == ATT_OPT_FLAG) {
            if (inline_val)
                return att_cli_usage_error(ctx, "option '--%s' takes no value", o->name);
            *o->flag = 1;
            continue;
        }
        if (!inline_val) {
            if (i + 1 >= argc)
                return att_cli_usage_error(ctx, "option '%s' needs a value", a);
            inline_val = argv[++i];
        }
        *o->value = inline_val;
    }
    if (n < min_pos)
        return att_cli_usage_error(ctx, "missing argument (usage: %s %s)", ctx->path,
                                   ctx->cmd->args ? ctx->cmd->args : "");
    *npos = n;
    return -1;
}

char *att_cli_sanitize(const char *s, size_t n, char *out, size_t cap)
{
    int cut = n >= cap;
    size_t keep = cut ? cap - 4 : n;
    for (size_t i = 0; i < keep; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\r' || c == '\t')
            out[i] = ' ';
        else
            out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (cut)
        memcpy(out + keep, "...", 3);
    out[keep + (cut ? 3 : 0)] = '\0';
    return out;
}

char *att_cli_duration(int64_t s, char *out, size_t cap)
{
    const int64_t min = 60, hour = 3600, day = 86400;
    if (s < 0)
        s = 0;
    if (s < min)
        snprintf(out, cap, "%llds", (long long)s);
    else if (s < hour)
        snprintf(out, cap, "%lldm%02llds", (long long)(s / min), (long long)(s % min));
    else if (s < 2 * day)
        snprintf(out, cap, "%lldh%02lldm", (long long)(s / hour), (long long)(s % hour / min));
    else if (s < 60 * day)
        snprintf(out, cap, "%lld days", (long long)(s / day));
    else if (s < 730 * day)
        snprintf(out, cap, "%lld months", (long long)(s / (30 * day)));
    else
        snprintf(out, cap, "%lld years", (long long)(s / (365 * day)));
    return out;
}

int att_cli_parse_timeout(const char *s, long *ms)
{
    char *end;
    errno = 0;
    double t = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(t) || t <= 0 || t > 3600)
        return -1;
    *ms = (long)(t * 1000.0);
    if (*ms < 1)
        *ms = 1;
    return 0;
}

/* Appends everything from f to out, up to out->max bytes. */
static int read_stream(FILE *f, att__buf *out)
{
    char chunk[16384];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        int rc = att__buf_append(out, chunk, got);
        if (rc != ATT_OK)
            return rc;
    }
    return ferror(f) ? ATT_EIO : ATT_OK;
}

int att_cli_read_arg(const char *arg, const char *what, size_t max, att__buf *out)
{
    att__buf_init(out, max);
    int rc;
    const char *src;
    if (strcmp(arg, "-") == 0) {
        src = "stdin";
        rc = read_stream(stdin, out);
    } else if (arg[0] == '@') {
        src = arg + 1;
        FILE *f = fopen(src, "rb");
        if (!f) {
            att_cli_error("cannot open %s file '%s': %s", what, src, strerror(errno));
            return ATT_EXIT_IO;
        }
        rc = read_stream(f, out);
        int saved = errno;
        fclose(f);
        errno = saved;
    } else {
        src = "the command line";
        rc = att__buf_appends(out, arg);
    }
    if (rc == ATT_ELIMIT) {
        att_cli_error("%s from %s is larger than %zu bytes", what, src, max);
        return ATT_EXIT_USAGE;
    }
    if (rc == ATT_EIO) {
        att_cli_error("cannot read %s from %s: %s", what, src, strerror(errno));
        att__buf_free(out);
        return ATT_EXIT_IO;
    }
    if (rc != ATT_OK) {
        att_cli_error("cannot read %s from %s: %s", what, src, att_strerror(rc));
        att__buf_free(out);
        return ATT_EXIT_IO;
    }
    return ATT_EXIT_OK;
}
