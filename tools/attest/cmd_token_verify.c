/* `attest token verify`: verifies a token as a relying party would, with the relying-party
 * library (include/attest/rp.h): discovery and JWKS of the issuer, RS256 signature, iss,
 * exp/nbf, and the expectations given with --expect. Prints JSON on stdout: the verified
 * claims, or the check that failed with its reason. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "attest/rp.h"
#include "cli.h"
#include "core/limits.h"
#include "core/timeutil.h"

/* At most this many --expect options. */
#define MAX_EXPECT 64

static int64_t fixed_clock(void *ctx)
{
    return *(const int64_t *)ctx;
}

/* Prints {"valid":false,"check":...} for a failure and returns the exit code: network and
 * key retrieval problems are I/O (3), everything else a failed check (1). */
static int print_failure(const att_diag *d, int rc)
{
    json_t *o = json_pack("{s:b,s:s,s:s,s:s,s:s}", "valid", 0, "check", d->reason, "field",
                          d->field, "error", att_errname(rc), "message", d->message);
    if (o && d->expected[0])
        json_object_set_new(o, "expected", json_string(d->expected));
    if (o && d->found[0])
        json_object_set_new(o, "found", json_string(d->found));
    char *txt = o ? json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
    if (txt)
        printf("%s\n", txt);
    free(txt);
    json_decref(o);
    att_cli_error("token rejected: %s: %s", d->reason[0] ? d->reason : att_errname(rc),
                  d->message[0] ? d->message : att_strerror(rc));
    return rc == ATT_EIO ? ATT_EXIT_IO : ATT_EXIT_CHECK;
}

static int print_success(const char *issuer, const att_rp_result *r)
{
    json_t *claims = json_loads(r->claims_json, 0, NULL);
    json_t *o = json_pack("{s:b,s:s,s:b}", "valid", 1, "issuer", issuer, "signed", r->is_signed);
    if (!o || !claims) {
        json_decref(o);
        json_decref(claims);
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    if (r->is_signed)
        json_object_set_new(o, "kid", json_string(r->kid));
    else
        json_object_set_new(o, "warning",
                            json_string("unsigned token (alg none): nothing vouches for these "
                                        "claims"));
    json_object_set_new(o, "claims", claims);
    char *txt = json_dumps(o, JSON_INDENT(2));
    if (txt)
        printf("%s\n", txt);
    free(txt);
    json_decref(o);
    return ATT_EXIT_OK;
}

int att_cli_token_verify(const att_cli_ctx *ctx, int argc, char **argv)
{
    /* --expect may repeat: take those out before the common option parser sees argv. */
    att_rp_expect exp[MAX_EXPECT];
    size_t nexp = 0;
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    char **split = calloc((size_t)argc + 1, sizeof(*split)); /* copies of CLAIM=VALUE */
    if (!rest || !split) {
        free(rest);
        free(split);
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    int nrest = 0, rc = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                rest[nrest++] = argv[i++];
            break;
        }
        if (i > 0 && strcmp(a, "--expect") == 0) {
            if (i + 1 >= argc) {
                rc = att_cli_usage_error(ctx, "option '--expect' needs a value");
                break;
            }
            val = argv[++i];
        } else if (i > 0 && strncmp(a, "--expect=", 9) == 0) {
            val = a + 9;
        } else {
            rest[nrest++] = argv[i];
            continue;
        }
        const char *eq = strchr(val, '=');
        if (!eq || eq == val) {
            rc = att_cli_usage_error(ctx, "--expect takes CLAIM=VALUE, not '%s'", val);
            break;
        }
        if (nexp == MAX_EXPECT) {
            rc = att_cli_usage_error(ctx, "at most %d --expect options", MAX_EXPECT);
            break;
        }
        char *copy = strdup(val);
        if (!copy) {
            att_cli_error("out of memory");
            rc = ATT_EXIT_IO;
            break;
        }
        split[nexp] = copy;
        copy[eq - val] = '\0';
        exp[nexp].claim = copy;
        exp[nexp].value = copy + (eq - val) + 1;
        nexp++;
    }

    const char *issuer = NULL, *skew = NULL, *jwks_file = NULL, *cacert = NULL, *timeout = NULL,
               *at = NULL;
    int allow_unsigned = 0, insecure = 0;
    const att_cli_opt opts[] = {
        {"issuer", 0, ATT_OPT_VALUE, NULL, &issuer},
        {"allow-unsigned", 0, ATT_OPT_FLAG, &allow_unsigned, NULL},
        {"skew", 0, ATT_OPT_VALUE, NULL, &skew},
        {"jwks", 0, ATT_OPT_VALUE, NULL, &jwks_file},
        {"at", 0, ATT_OPT_VALUE, NULL, &at},
        {"insecure", 0, ATT_OPT_FLAG, &insecure, NULL},
        {"cacert", 0, ATT_OPT_VALUE, NULL, &cacert},
        {"timeout", 0, ATT_OPT_VALUE, NULL, &timeout},
        {NULL, 0, 0, NULL, NULL},
    };
    const char *pos[1];
    int npos;
    if (rc < 0)
        rc = att_cli_parse(ctx, nrest, rest, opts, pos, 1, 1, &npos);

    att_rp_options o = {0};
    int64_t when = 0;
    long timeout_ms = 30000;
    if (rc < 0 && !issuer)
        rc = att_cli_usage_error(ctx, "--issuer URL is required");
    if (rc < 0 && skew) {
        char *end;
        long long s = strtoll(skew, &end, 10);
        if (*skew == '\0' || *end != '\0' || s < 0 || s > 86400)
            rc = att_cli_usage_error(ctx, "--skew takes seconds from 0 to 86400, not '%s'", skew);
        o.clock_skew = s == 0 ? -1 : s;
    }
    if (rc < 0 && at && att__time_parse(at, &when) != ATT_OK)
        rc = att_cli_usage_error(ctx,
                                 "--at takes an RFC 3339 time (2026-01-02T03:04:05Z), not "
                                 "'%s'",
                                 at);
    if (rc < 0 && timeout && att_cli_parse_timeout(timeout, &timeout_ms) != 0)
        rc = att_cli_usage_error(ctx, "--timeout takes seconds (0 < t <= 3600), not '%s'", timeout);

    att__buf tok = {0}, jwks = {0};
    if (rc < 0)
        rc = att_cli_read_arg(pos[0], "token", ATT_MAX_JWS, &tok) == ATT_EXIT_OK ? -1 : ATT_EXIT_IO;
    if (rc < 0 && jwks_file) {
        char arg[4096];
        snprintf(arg, sizeof(arg), "@%s", jwks_file);
        int r = att_cli_read_arg(arg, "JWKS", ATT_MAX_RP_DOCUMENT, &jwks);
        if (r != ATT_EXIT_OK)
            rc = r;
    }

    att_rp *rp = NULL;
    att_diag d;
    att_diag_clear(&d);
    if (rc < 0) {
        o.issuer = issuer;
        o.allow_unsigned = allow_unsigned;
        o.ca_file = cacert;
        o.insecure_tls = insecure;
        o.timeout_ms = timeout_ms;
        if (at) {
            o.clock = fixed_clock;
            o.clock_ctx = &when;
        }
        if (jwks_file)
            o.fetch = att_rp_fetch_none;
        int r = att_rp_new(&o, &rp, &d);
        if (r != ATT_OK)
            rc = att_cli_usage_error(ctx, "%s", d.message);
    }
    if (rc < 0 && jwks_file) {
        int r = att_rp_set_jwks(rp, att__buf_str(&jwks), jwks.len, &d);
        if (r != ATT_OK)
            rc = print_failure(&d, r);
    }
    if (rc < 0) {
        att_rp_result res;
        int r = att_rp_verify(rp, att__buf_str(&tok), tok.len, exp, nexp, &res, &d);
        rc = r == ATT_OK ? print_success(issuer, &res) : print_failure(&d, r);
        att_rp_result_clear(&res);
    }
    att_rp_free(rp);
    att__buf_free(&tok);
    att__buf_free(&jwks);
    for (size_t i = 0; i < nexp; i++)
        free(split[i]);
    free(split);
    free(rest);
    return rc;
}
