/* attestd configuration from defaults, INI file, environment and flags (config.h). */
#include "server/config.h"

#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/timeutil.h"

static const char usage[] =
    "usage: attestd [options]\n"
    "\n"
    "An attestation service that speaks Microsoft Azure Attestation's protocol.\n"
    "\n"
    "options (each also settable in the config file [server] section and the environment):\n"
    "  -c, --config FILE       INI config file                     (ATTESTD_CONFIG)\n"
    "  -l, --listen HOST:PORT  address to listen on                (ATTESTD_LISTEN)\n"
    "                          default 127.0.0.1:8080; [v6addr]:port for IPv6\n"
    "  -i, --issuer URL        token issuer / base URL             (ATTESTD_ISSUER)\n"
    "                          default http(s)://<listen address>\n"
    "  -d, --data-dir DIR      keys and embedded store             (ATTESTD_DATA_DIR)\n"
    "                          default ./data\n"
    "  -L, --log-level LEVEL   debug, info, warn, error, off       (ATTESTD_LOG_LEVEL)\n"
    "  -t, --threads N         worker threads, 0 = one per core    (ATTESTD_THREADS)\n"
    "      --tls-cert FILE     PEM certificate chain for HTTPS     (ATTESTD_TLS_CERT)\n"
    "      --tls-key FILE      PEM private key for HTTPS           (ATTESTD_TLS_KEY)\n"
    "      --max-body BYTES    largest request body accepted       (ATTESTD_MAX_BODY)\n"
    "      --collateral PATH   Intel DCAP collateral for SGX/OE    (ATTESTD_COLLATERAL)\n"
    "      --pcs-url URL       fetch missing collateral from this  (ATTESTD_PCS_URL)\n"
    "                          Intel PCS / PCCS (API v4); verified before use\n"
    "      --pcs-root-crl-url URL  root CA CRL for fetched sets    (ATTESTD_PCS_ROOT_CRL_URL)\n"
    "      --collateral-cache DIR  fetched bundles; default        (ATTESTD_COLLATERAL_CACHE)\n"
    "                          <data-dir>/collateral-cache\n"
    "                          attestation: a file or directory, loaded at start\n"
    "      --amd-certs PATH    AMD SEV-SNP certificates (ASK, VCEK, (ATTESTD_AMD_CERTS)\n"
    "                          VLEK...): a file or directory, per product subdirs ok\n"
    "      --kds-url URL       fetch missing VCEKs from this AMD   (ATTESTD_KDS_URL)\n"
    "                          KDS (https://kdsintf.amd.com); verified before use\n"
    "      --kds-cache DIR     fetched VCEKs; default              (ATTESTD_KDS_CACHE)\n"
    "                          <data-dir>/kds-cache\n"
    "      --snp-product NAME  Milan, Genoa or Turin for reports   (ATTESTD_SNP_PRODUCT)\n"
    "                          without CPUID fields (v2); default: from the VCEK\n"
    "      --verification-time RFC3339\n"
    "                          judge evidence and collateral at this fixed time instead\n"
    "                          of now: for replaying recorded evidence in tests and\n"
    "                          demos only                     (ATTESTD_VERIFICATION_TIME)\n"
    "      --tpm-ek-ca FILE    PEM CAs trusted for TPM EK certificates (ATTESTD_TPM_EK_CA)\n"
    "      --tpm-aik-ca FILE   PEM CAs trusted for TPM AIK certificates (ATTESTD_TPM_AIK_CA)\n"
    "      --tpm-challenge-lifetime SECONDS\n"
    "                          TPM challenge validity, default 300\n"
    "                          (ATTESTD_TPM_CHALLENGE_LIFETIME)\n"
    "  -h, --help              this text\n"
    "  -V, --version           print the version\n"
    "\n"
    "Precedence: flags > environment > config file > defaults.\n";

const char *att__config_usage(void)
{
    return usage;
}

void att__config_defaults(att__config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->listen_host, sizeof(cfg->listen_host), "127.0.0.1");
    cfg->listen_port = 8080;
    snprintf(cfg->data_dir, sizeof(cfg->data_dir), "./data");
    cfg->log_level = ATT_LOG_INFO;
    cfg->max_body_bytes = ATT_MAX_REQUEST_BODY;
}

/* Copies a setting into a fixed field; too long is an error, not a truncation. */
static int set_str(char *dst, size_t cap, const char *value, const char *origin, att_diag *d)
{
    size_t n = strlen(value);
    if (n >= cap)
        return att_diag_fail(d, ATT_ELIMIT, "config.too_long", origin,
                             "%s: value is %zu bytes, at most %zu allowed", origin, n, cap - 1);
    memcpy(dst, value, n + 1);
    return ATT_OK;
}

/* Parses a decimal unsigned integer in [min, max]. */
static int parse_uint(const char *s, unsigned long long min, unsigned long long max,
                      unsigned long long *out)
{
    if (!*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* HOST:PORT, [V6]:PORT. */
static int set_listen(att__config *cfg, const char *value, const char *origin, att_diag *d)
{
    const char *colon;
    const char *host = value;
    size_t hlen;
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        if (!close || close[1] != ':')
            goto bad;
        host = value + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(value, ':');
        if (!colon || memchr(value, ':', (size_t)(colon - value)))
            goto bad;
        hlen = (size_t)(colon - value);
    }
    unsigned long long port;
    if (hlen == 0 || hlen >= sizeof(cfg->listen_host) || parse_uint(colon + 1, 0, 65535, &port))
        goto bad;
    memcpy(cfg->listen_host, host, hlen);
    cfg->listen_host[hlen] = '\0';
    cfg->listen_port = (int)port;
    return ATT_OK;
bad:
    att_diag_fail(d, ATT_EINVAL, "config.listen", origin,
                  "%s: '%s' is not HOST:PORT (port 0-65535, IPv6 as [addr]:port)", origin, value);
    att_diag_expect(d, "HOST:PORT", value);
    return ATT_EINVAL;
}

static int set_issuer(att__config *cfg, const char *value, const char *origin, att_diag *d)
{
    if (value[0] == '\0') {
        cfg->issuer[0] = '\0';
        return ATT_OK;
    }
    size_t n = strlen(value);
    while (n > 0 && value[n - 1] == '/')
        n--;
    int http = strncmp(value, "http://", 7) == 0, https = strncmp(value, "https://", 8) == 0;
    size_t scheme = https ? 8 : 7;
    if ((!http && !https) || n <= scheme || memchr(value, '?', n) || memchr(value, '#', n) ||
        memchr(value, ' ', n))
        return att_diag_fail(d, ATT_EINVAL, "config.issuer", origin,
                             "%s: '%s' is not an http:// or https:// base URL", origin, value);
    if (n >= sizeof(cfg->issuer))
        return att_diag_fail(d, ATT_ELIMIT, "config.too_long", origin, "%s: URL too long", origin);
    memcpy(cfg->issuer, value, n);
    cfg->issuer[n] = '\0';
    return ATT_OK;
}

int att__config_set(att__config *cfg, const char *key, const char *value, const char *origin,
                    att_diag *d)
{
    unsigned long long v;
    if (strcmp(key, "listen") == 0)
        return set_listen(cfg, value, origin, d);
    if (strcmp(key, "issuer") == 0)
        return set_issuer(cfg, value, origin, d);
    if (strcmp(key, "data_dir") == 0) {
        if (!value[0])
            return att_diag_fail(d, ATT_EINVAL, "config.data_dir", origin,
                                 "%s: data directory must not be empty", origin);
        return set_str(cfg->data_dir, sizeof(cfg->data_dir), value, origin, d);
    }
    if (strcmp(key, "log_level") == 0) {
        int lvl = att__log_level_parse(value);
        if (lvl < 0)
            return att_diag_fail(d, ATT_EINVAL, "config.log_level", origin,
                                 "%s: unknown log level '%s' (debug, info, warn, error, off)",
                                 origin, value);
        cfg->log_level = lvl;
        return ATT_OK;
    }
    if (strcmp(key, "threads") == 0) {
        if (parse_uint(value, 0, 256, &v))
            return att_diag_fail(d, ATT_EINVAL, "config.threads", origin,
                                 "%s: '%s' is not a thread count 0-256", origin, value);
        cfg->threads = (unsigned)v;
        return ATT_OK;
    }
    if (strcmp(key, "tls_cert") == 0)
        return set_str(cfg->tls_cert, sizeof(cfg->tls_cert), value, origin, d);
    if (strcmp(key, "tls_key") == 0)
        return set_str(cfg->tls_key, sizeof(cfg->tls_key), value, origin, d);
    if (strcmp(key, "max_body_bytes") == 0) {
        if (parse_uint(value, 1024, ATT_MAX_REQUEST_BODY, &v))
            return att_diag_fail(d, ATT_EINVAL, "config.max_body_bytes", origin,
                                 "%s: '%s' is not a size between 1024 and %u bytes", origin, value,
                                 ATT_MAX_REQUEST_BODY);
        cfg->max_body_bytes = (size_t)v;
        return ATT_OK;
    }
    if (strcmp(key, "collateral") == 0)
        return set_str(cfg->collateral, sizeof(cfg->collateral), value, origin, d);
    if (strcmp(key, "pcs_url") == 0) {
        if (value[0] && strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
            return att_diag_fail(d, ATT_EINVAL, "config.pcs_url", origin,
                                 "%s: '%s' is not an http:// or https:// URL", origin, value);
        return set_str(cfg->pcs_url, sizeof(cfg->pcs_url), value, origin, d);
    }
    if (strcmp(key, "pcs_root_crl_url") == 0)
        return set_str(cfg->pcs_root_crl_url, sizeof(cfg->pcs_root_crl_url), value, origin, d);
    if (strcmp(key, "collateral_cache") == 0)
        return set_str(cfg->collateral_cache, sizeof(cfg->collateral_cache), value, origin, d);
    if (strcmp(key, "amd_certs") == 0)
        return set_str(cfg->amd_certs, sizeof(cfg->amd_certs), value, origin, d);
    if (strcmp(key, "kds_url") == 0) {
        if (value[0] && strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)
            return att_diag_fail(d, ATT_EINVAL, "config.kds_url", origin,
                                 "%s: '%s' is not an http:// or https:// URL", origin, value);
        return set_str(cfg->kds_url, sizeof(cfg->kds_url), value, origin, d);
    }
    if (strcmp(key, "kds_cache") == 0)
        return set_str(cfg->kds_cache, sizeof(cfg->kds_cache), value, origin, d);
    if (strcmp(key, "snp_product") == 0) {
        if (value[0] && strcasecmp(value, "Milan") != 0 && strcasecmp(value, "Genoa") != 0 &&
            strcasecmp(value, "Turin") != 0)
            return att_diag_fail(d, ATT_EINVAL, "config.snp_product", origin,
                                 "%s: '%s' is not Milan, Genoa or Turin", origin, value);
        return set_str(cfg->snp_product, sizeof(cfg->snp_product), value, origin, d);
    }
    if (strcmp(key, "verification_time") == 0) {
        int64_t t = 0;
        if (value[0] && (att__time_parse(value, &t) != ATT_OK || t <= 0))
            return att_diag_fail(d, ATT_EINVAL, "config.verification_time", origin,
                                 "%s: '%s' is not an RFC 3339 time after 1970 "
                                 "(e.g. 2022-05-01T00:00:00Z)",
                                 origin, value);
        cfg->verification_time = t;
        return ATT_OK;
    }
    if (strcmp(key, "tpm_ek_ca") == 0)
        return set_str(cfg->tpm_ek_ca, sizeof(cfg->tpm_ek_ca), value, origin, d);
    if (strcmp(key, "tpm_aik_ca") == 0)
        return set_str(cfg->tpm_aik_ca, sizeof(cfg->tpm_aik_ca), value, origin, d);
    if (strcmp(key, "tpm_challenge_lifetime") == 0) {
        if (parse_uint(value, 1, 86400, &v))
            return att_diag_fail(d, ATT_EINVAL, "config.tpm_challenge_lifetime", origin,
                                 "%s: '%s' is not a number of seconds 1-86400", origin, value);
        cfg->tpm_challenge_lifetime = (int64_t)v;
        return ATT_OK;
    }
    return att_diag_fail(d, ATT_EINVAL, "config.unknown_key", origin, "%s: unknown setting '%s'",
                         origin, key);
}

struct ini_ctx {
    att__config *cfg;
    const char *path;
    att_diag err; /* the first failing setting; its line is known only after parsing */
};

/* libinih callback (Debian builds inih without line numbers): one name=value. Returns 0
 * to stop at the first error; ini_parse_file then returns that line. */
static int ini_cb(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *c = user;
    if (strcmp(section, "server") != 0) {
        att_diag_fail(&c->err, ATT_EINVAL, "config.unknown_section", c->path,
                      "%s: unknown section [%s] (expected [server])", c->path, section);
        return 0;
    }
    return att__config_set(c->cfg, name, value ? value : "", c->path, &c->err) == ATT_OK;
}

static int load_file(att__config *cfg, const char *path, att_diag *d)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return att_diag_fail(d, ATT_EIO, "config.open", path, "cannot open config file %s: %s",
                             path, strerror(errno));
    struct ini_ctx c = {.cfg = cfg, .path = path};
    int line = ini_parse_file(f, ini_cb, &c);
    fclose(f);
    if (line == 0)
        return ATT_OK;
    char origin[ATT_CONFIG_STR + 16];
    snprintf(origin, sizeof(origin), "%s:%d", path, line);
    if (att_diag_failed(&c.err)) {
        /* The message starts with "<path>:"; put the line number after the path. */
        const char *rest = c.err.message;
        size_t plen = strlen(path);
        if (strncmp(rest, path, plen) == 0)
            rest += plen;
        return att_diag_fail(d, c.err.err, c.err.reason, origin, "%s:%d%s", path, line, rest);
    }
    return att_diag_fail(d, ATT_EPARSE, "config.syntax", origin,
                         "%s:%d: syntax error (expected [section] or name = value)", path, line);
}

static const struct {
    const char *env;
    const char *key;
} env_map[] = {
    {"ATTESTD_LISTEN", "listen"},
    {"ATTESTD_ISSUER", "issuer"},
    {"ATTESTD_DATA_DIR", "data_dir"},
    {"ATTESTD_LOG_LEVEL", "log_level"},
    {"ATTESTD_THREADS", "threads"},
    {"ATTESTD_TLS_CERT", "tls_cert"},
    {"ATTESTD_TLS_KEY", "tls_key"},
    {"ATTESTD_MAX_BODY", "max_body_bytes"},
    {"ATTESTD_COLLATERAL", "collateral"},
    {"ATTESTD_VERIFICATION_TIME", "verification_time"},
    {"ATTESTD_PCS_URL", "pcs_url"},
    {"ATTESTD_PCS_ROOT_CRL_URL", "pcs_root_crl_url"},
    {"ATTESTD_COLLATERAL_CACHE", "collateral_cache"},
    {"ATTESTD_AMD_CERTS", "amd_certs"},
    {"ATTESTD_KDS_URL", "kds_url"},
    {"ATTESTD_KDS_CACHE", "kds_cache"},
    {"ATTESTD_SNP_PRODUCT", "snp_product"},
    {"ATTESTD_TPM_EK_CA", "tpm_ek_ca"},
    {"ATTESTD_TPM_AIK_CA", "tpm_aik_ca"},
    {"ATTESTD_TPM_CHALLENGE_LIFETIME", "tpm_challenge_lifetime"},
};

enum {
    OPT_TLS_CERT = 1000,
    OPT_TLS_KEY,
    OPT_MAX_BODY,
    OPT_COLLATERAL,
    OPT_VERIFICATION_TIME,
    OPT_PCS_URL,
    OPT_PCS_ROOT_CRL_URL,
    OPT_COLLATERAL_CACHE,
    OPT_AMD_CERTS,
    OPT_KDS_URL,
    OPT_KDS_CACHE,
    OPT_SNP_PRODUCT,
    OPT_TPM_EK_CA,
    OPT_TPM_AIK_CA,
    OPT_TPM_CHALLENGE_LIFETIME
};

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, 'l'},
    {"issuer", required_argument, NULL, 'i'},
    {"data-dir", required_argument, NULL, 'd'},
    {"log-level", required_argument, NULL, 'L'},
    {"threads", required_argument, NULL, 't'},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"collateral", required_argument, NULL, OPT_COLLATERAL},
    {"pcs-url", required_argument, NULL, OPT_PCS_URL},
    {"pcs-root-crl-url", required_argument, NULL, OPT_PCS_ROOT_CRL_URL},
    {"collateral-cache", required_argument, NULL, OPT_COLLATERAL_CACHE},
    {"verification-time", required_argument, NULL, OPT_VERIFICATION_TIME},
    {"amd-certs", required_argument, NULL, OPT_AMD_CERTS},
    {"kds-url", required_argument, NULL, OPT_KDS_URL},
    {"kds-cache", required_argument, NULL, OPT_KDS_CACHE},
    {"snp-product", required_argument, NULL, OPT_SNP_PRODUCT},
    {"tpm-ek-ca", required_argument, NULL, OPT_TPM_EK_CA},
    {"tpm-aik-ca", required_argument, NULL, OPT_TPM_AIK_CA},
    {"tpm-challenge-lifetime", required_argument, NULL, OPT_TPM_CHALLENGE_LIFETIME},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Config-file key for a flag. */
static const char *key_for_opt(int opt)
{
    switch (opt) {
    case 'l':
        return "listen";
    case 'i':
        return "issuer";
    case 'd':
        return "data_dir";
    case 'L':
        return "log_level";
    case 't':
        return "threads";
    case OPT_TLS_CERT:
        return "tls_cert";
    case OPT_TLS_KEY:
        return "tls_key";
    case OPT_MAX_BODY:
        return "max_body_bytes";
    case OPT_COLLATERAL:
        return "collateral";
    case OPT_PCS_URL:
        return "pcs_url";
    case OPT_PCS_ROOT_CRL_URL:
        return "pcs_root_crl_url";
    case OPT_COLLATERAL_CACHE:
        return "collateral_cache";
    case OPT_VERIFICATION_TIME:
        return "verification_time";
    case OPT_AMD_CERTS:
        return "amd_certs";
    case OPT_KDS_URL:
        return "kds_url";
    case OPT_KDS_CACHE:
        return "kds_cache";
    case OPT_SNP_PRODUCT:
        return "snp_product";
    case OPT_TPM_EK_CA:
        return "tpm_ek_ca";
    case OPT_TPM_AIK_CA:
        return "tpm_aik_ca";
    case OPT_TPM_CHALLENGE_LIFETIME:
        return "tpm_challenge_lifetime";
    }
    return NULL;
}

int att__config_load(att__config *cfg, int argc, char **argv, att_diag *d)
{
    att__config_defaults(cfg);
    /* Pass 1: find --config / --help / --version and reject unknown flags. */
    const char *config_path = getenv("ATTESTD_CONFIG");
    int opt, result = ATT_CONFIG_RUN;
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":c:l:i:d:L:t:hV", long_opts, NULL)) != -1) {
        if (opt == 'c')
            config_path = optarg;
        else if (opt == 'h')
            result = ATT_CONFIG_HELP;
        else if (opt == 'V' && result != ATT_CONFIG_HELP)
            result = ATT_CONFIG_VERSION;
        else if (opt == '?')
            return att_diag_fail(d, ATT_EINVAL, "config.flag", argv[optind - 1],
                                 "unknown option '%s' (see attestd --help)", argv[optind - 1]);
        else if (opt == ':')
            return att_diag_fail(d, ATT_EINVAL, "config.flag", argv[optind - 1],
                                 "option '%s' needs a value", argv[optind - 1]);
    }
    if (optind < argc)
        return att_diag_fail(d, ATT_EINVAL, "config.flag", argv[optind],
                             "unexpected argument '%s' (see attestd --help)", argv[optind]);
    if (result != ATT_CONFIG_RUN)
        return result;
    int rc;
    if (config_path && config_path[0]) {
        if ((rc = set_str(cfg->config_file, sizeof(cfg->config_file), config_path, "--config",
                          d)) != ATT_OK ||
            (rc = load_file(cfg, config_path, d)) != ATT_OK)
            return rc;
    }
    for (size_t i = 0; i < sizeof(env_map) / sizeof(env_map[0]); i++) {
        const char *v = getenv(env_map[i].env);
        if (v && (rc = att__config_set(cfg, env_map[i].key, v, env_map[i].env, d)) != ATT_OK)
            return rc;
    }
    /* Pass 2: flags override everything. */
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":c:l:i:d:L:t:hV", long_opts, NULL)) != -1) {
        const char *key = key_for_opt(opt);
        if (!key)
            continue;
        char origin[64];
        for (size_t i = 0; long_opts[i].name; i++)
            if (long_opts[i].val == opt)
                snprintf(origin, sizeof(origin), "--%s", long_opts[i].name);
        if ((rc = att__config_set(cfg, key, optarg, origin, d)) != ATT_OK)
            return rc;
    }
    if ((rc = att__config_finish(cfg, d)) != ATT_OK)
        return rc;
    return ATT_CONFIG_RUN;
}

int att__config_finish(att__config *cfg, att_diag *d)
{
    if (!cfg->tls_cert[0] != !cfg->tls_key[0])
        return att_diag_fail(d, ATT_EINVAL, "config.tls", cfg->tls_cert[0] ? "tls_key" : "tls_cert",
                             "TLS needs both a certificate and a key (got only the %s)",
                             cfg->tls_cert[0] ? "certificate" : "key");
    cfg->issuer_auto = !cfg->issuer[0];
    if (cfg->issuer_auto) {
        const char *scheme = cfg->tls_cert[0] ? "https" : "http";
        int v6 = strchr(cfg->listen_host, ':') != NULL;
        const char *host = cfg->listen_host;
        if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
            host = "localhost";
        snprintf(cfg->issuer, sizeof(cfg->issuer), "%s://%s%s%s:%d", scheme, v6 ? "[" : "", host,
                 v6 ? "]" : "", cfg->listen_port);
    }
    return ATT_OK;
}
