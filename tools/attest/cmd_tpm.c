/* `attest tpm enroll` and `attest tpm attest`: the TPM client of libattest
 * (include/attest/client.h) on the command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/client.h"
#include "cli.h"

/* "0,1,2,7" or "0-7,10" -> bit mask; -1 on a bad list. */
static long parse_pcrs(const char *s)
{
    long mask = 0;
    while (*s) {
        char *end;
        errno = 0;
        long a = strtol(s, &end, 10), b;
        if (end == s || errno || a < 0 || a > 23)
            return -1;
        b = a;
        if (*end == '-') {
            s = end + 1;
            b = strtol(s, &end, 10);
            if (end == s || errno || b < a || b > 23)
                return -1;
        }
        for (long i = a; i <= b; i++)
            mask |= 1L << i;
        if (*end == ',')
            end++;
        else if (*end)
            return -1;
        s = end;
    }
    return mask;
}

static int parse_handle(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (end == s || *end || errno || v < 0x81000000ul || v > 0x81ffffff)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* tpm2-tss logs expected probe failures (an NV index or handle that is not there) to
 * stderr; our own messages say what failed. TSS2_LOG set by the user wins. */
static void quiet_tss(void)
{
    setenv("TSS2_LOG", "all+none", 0);
}

static int exit_for(int rc)
{
    return rc == ATT_EIO ? ATT_EXIT_IO : ATT_EXIT_CHECK;
}

int att_cli_tpm_attest(const att_cli_ctx *ctx, int argc, char **argv)
{
    const char *url = NULL, *tcti = NULL, *eventlog = NULL, *ima = NULL, *pcrs = NULL, *sha1 = NULL,
               *aik_cert = NULL, *rp_data = NULL, *handle = NULL, *init_out = NULL, *init_in = NULL,
               *request_out = NULL, *quote_tcti = NULL, *timeout = NULL;
    int no_eventlog = 0;
    const att_cli_opt opts[] = {
        {.name = "url", .kind = ATT_OPT_VALUE, .value = &url},
        {.name = "tcti", .kind = ATT_OPT_VALUE, .value = &tcti},
        {.name = "eventlog", .kind = ATT_OPT_VALUE, .value = &eventlog},
        {.name = "no-eventlog", .kind = ATT_OPT_FLAG, .flag = &no_eventlog},
        {.name = "ima", .kind = ATT_OPT_VALUE, .value = &ima},
        {.name = "pcrs", .kind = ATT_OPT_VALUE, .value = &pcrs},
        {.name = "sha1-pcrs", .kind = ATT_OPT_VALUE, .value = &sha1},
        {.name = "aik-cert", .kind = ATT_OPT_VALUE, .value = &aik_cert},
        {.name = "ak-handle", .kind = ATT_OPT_VALUE, .value = &handle},
        {.name = "rp-data", .kind = ATT_OPT_VALUE, .value = &rp_data},
        {.name = "timeout", .kind = ATT_OPT_VALUE, .value = &timeout},
        {.name = "init-out", .kind = ATT_OPT_VALUE, .value = &init_out},
        {.name = "init-in", .kind = ATT_OPT_VALUE, .value = &init_in},
        {.name = "request-out", .kind = ATT_OPT_VALUE, .value = &request_out},
        {.name = "quote-tcti", .kind = ATT_OPT_VALUE, .value = &quote_tcti},
        {.name = NULL},
    };
    int npos;
    int rc = att_cli_parse(ctx, argc, argv, opts, NULL, 0, 0, &npos);
    if (rc >= 0)
        return rc;
    if (!url && !request_out)
        return att_cli_usage_error(ctx, "--url URL is required");
    att_tpm_options o;
    memset(&o, 0, sizeof(o));
    o.tcti = tcti;
    o.eventlog = no_eventlog ? "" : eventlog;
    o.ima = ima;
    o.aik_cert = aik_cert;
    o.rp_data = rp_data;
    o.init_out = init_out;
    o.init_in = init_in;
    o.request_out = request_out;
    o.quote_tcti = quote_tcti;
    if (pcrs) {
        long m = parse_pcrs(pcrs);
        if (m <= 0)
            return att_cli_usage_error(ctx, "--pcrs '%.40s' is not a list like 0-7,10", pcrs);
        o.pcr_mask = (uint32_t)m;
    }
    if (sha1) {
        long m = parse_pcrs(sha1);
        if (m <= 0)
            return att_cli_usage_error(ctx, "--sha1-pcrs '%.40s' is not a list like 0-7", sha1);
        o.sha1_mask = (uint32_t)m;
    }
    if (handle && parse_handle(handle, &o.ak_handle) != 0)
        return att_cli_usage_error(ctx,
                                   "--ak-handle '%.20s' is not a persistent handle "
                                   "0x81000000-0x81ffffff",
                                   handle);
    if (timeout && att_cli_parse_timeout(timeout, &o.timeout_ms) != 0)
        return att_cli_usage_error(ctx, "--timeout '%.20s' is not a duration", timeout);
    att_diag d;
    att_diag_clear(&d);
    char *token = NULL;
    char base[2048];
    snprintf(base, sizeof(base), "%s", url ? url : "");
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        base[--bl] = 0;
    quiet_tss();
    if (att_cli_http_init() != 0) {
        att_cli_error("cannot initialise libcurl");
        return ATT_EXIT_IO;
    }
    rc = att_tpm_attest(base, &o, &token, &d);
    att_cli_http_cleanup();
    if (rc != ATT_OK) {
        att_cli_error("%s", d.message[0] ? d.message : att_strerror(rc));
        return exit_for(rc);
    }
    if (token)
        printf("%s\n", token);
    free(token);
    return ATT_EXIT_OK;
}

int att_cli_tpm_enroll(const att_cli_ctx *ctx, int argc, char **argv)
{
    const char *url = NULL, *tcti = NULL, *handle = NULL;
    const att_cli_opt opts[] = {
        {.name = "url", .kind = ATT_OPT_VALUE, .value = &url},
        {.name = "tcti", .kind = ATT_OPT_VALUE, .value = &tcti},
        {.name = "ak-handle", .kind = ATT_OPT_VALUE, .value = &handle},
        {.name = NULL},
    };
    int npos;
    int rc = att_cli_parse(ctx, argc, argv, opts, NULL, 0, 0, &npos);
    if (rc >= 0)
        return rc;
    att_tpm_options o;
    memset(&o, 0, sizeof(o));
    o.tcti = tcti;
    if (handle && parse_handle(handle, &o.ak_handle) != 0)
        return att_cli_usage_error(ctx,
                                   "--ak-handle '%.20s' is not a persistent handle "
                                   "0x81000000-0x81ffffff",
                                   handle);
    char base[2048] = "";
    if (url) {
        snprintf(base, sizeof(base), "%s", url);
        size_t bl = strlen(base);
        while (bl > 0 && base[bl - 1] == '/')
            base[--bl] = 0;
    }
    att_diag d;
    att_diag_clear(&d);
    att_tpm_enrollment e;
    quiet_tss();
    if (att_cli_http_init() != 0) {
        att_cli_error("cannot initialise libcurl");
        return ATT_EXIT_IO;
    }
    rc = att_tpm_enroll(url ? base : NULL, &o, &e, &d);
    att_cli_http_cleanup();
    if (rc != ATT_OK) {
        att_cli_error("%s", d.message[0] ? d.message : att_strerror(rc));
        return exit_for(rc);
    }
    printf("{\n  \"ak_handle\": \"0x%08x\",\n  \"ak_name\": \"%s\",\n  \"ek_cert_sha256\": "
           "\"%s\",\n  \"service_checked\": %s\n}\n",
           e.ak_handle, e.ak_name, e.ek_cert_sha256, e.ek_checked ? "true" : "false");
    return ATT_EXIT_OK;
}
