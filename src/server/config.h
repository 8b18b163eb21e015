/* attestd configuration: defaults < config file (INI) < environment < command-line flags.
 *
 * The config file is INI (parsed by libinih), one [server] section:
 *   [server]
 *   listen = 127.0.0.1:8080
 *   issuer = https://attest.example.com
 *   data_dir = /var/lib/attestd
 *   log_level = info
 *   threads = 0            ; 0 = one per core
 *   tls_cert = /etc/attestd/tls.crt
 *   tls_key = /etc/attestd/tls.key
 *   max_body_bytes = 8388608
 *   collateral = /etc/attestd/collateral   ; Intel DCAP collateral: a file or a directory
 *   pcs_url = https://pccs.example:8081     ; fetch missing collateral (PCS v4 API)
 *   pcs_root_crl_url =                      ; default: Intel's root CA CRL
 *   collateral_cache = /var/cache/attestd   ; default: <data_dir>/collateral-cache
 *   verification_time = 2022-05-01T00:00:00Z ; replay only (tests, demos); default: now
 *   amd_certs = /etc/attestd/amd            ; SEV-SNP: AMD certificates, file or directory
 *   kds_url = https://kdsintf.amd.com       ; SEV-SNP: fetch missing VCEKs
 *   kds_cache = /var/cache/attestd/kds      ; default: <data_dir>/kds-cache
 *   snp_product = Milan                     ; SEV-SNP: product of v2 reports (default: VCEK)
 *   tpm_ek_ca = /etc/attestd/tpm-ek-ca.pem   ; TPM: EK certificate CAs (init "ekcert")
 *   tpm_aik_ca = /etc/attestd/tpm-aik-ca.pem ; TPM: AIK certificate CAs
 *   tpm_challenge_lifetime = 300             ; TPM: seconds a challenge stays valid
 * Environment: ATTESTD_CONFIG, ATTESTD_LISTEN, ATTESTD_ISSUER, ATTESTD_DATA_DIR,
 * ATTESTD_LOG_LEVEL, ATTESTD_THREADS, ATTESTD_TLS_CERT, ATTESTD_TLS_KEY, ATTESTD_MAX_BODY,
 * ATTESTD_COLLATERAL, ATTESTD_VERIFICATION_TIME, ATTESTD_PCS_URL, ATTESTD_PCS_ROOT_CRL_URL,
 * ATTESTD_COLLATERAL_CACHE, ATTESTD_AMD_CERTS, ATTESTD_KDS_URL, ATTESTD_KDS_CACHE,
 * ATTESTD_SNP_PRODUCT. */
#ifndef ATT_SERVER_CONFIG_H
#define ATT_SERVER_CONFIG_H

#include <stddef.h>

#include <stdint.h>

#include "attest/error.h"

#define ATT_CONFIG_STR 1024

typedef struct att__config {
    char config_file[ATT_CONFIG_STR];
    char listen_host[256];       /* numeric address or host name, without brackets */
    int listen_port;             /* 0 = ephemeral */
    char issuer[ATT_CONFIG_STR]; /* no trailing slash; "" = http(s)://<listen> */
    char data_dir[ATT_CONFIG_STR];
    int log_level;    /* enum att__log_level */
    unsigned threads; /* 0 = number of online cores */
    char tls_cert[ATT_CONFIG_STR];
    char tls_key[ATT_CONFIG_STR];
    size_t max_body_bytes;
    int issuer_auto; /* issuer derived from the listen address (port filled in after bind) */
    /* DCAP collateral for SGX / Open Enclave attestation: a normalized-collateral JSON file
     * or a directory of them (att__dcap_store_load); "" = none (SGX requests get 400). */
    char collateral[ATT_CONFIG_STR];
    /* A PCS API v4 compatible service (Intel PCS or a PCCS) to fetch collateral from when
     * the configured collateral has no set for a platform, or none valid at the
     * verification time; "" = never fetch. Fetched sets are verified and kept as bundles in
     * collateral_cache (default <data_dir>/collateral-cache). */
    char pcs_url[ATT_CONFIG_STR];
    char pcs_root_crl_url[ATT_CONFIG_STR]; /* "" = Intel's published root CA CRL */
    char collateral_cache[ATT_CONFIG_STR];
    /* Fixed verification time (epoch seconds) for replaying recorded evidence with the
     * collateral of its day in tests and demos; 0 = the clock at each request. Never set
     * it in production: expired collateral would be accepted. */
    int64_t verification_time;
    /* SEV-SNP: AMD certificates (file or directory), a KDS to fetch missing VCEKs from, its
     * cache directory (default <data_dir>/kds-cache) and a forced product name; "" = none. */
    char amd_certs[ATT_CONFIG_STR];
    char kds_url[ATT_CONFIG_STR];
    char kds_cache[ATT_CONFIG_STR];
    char snp_product[16];
    /* TPM attestation: PEM bundles of the CAs trusted for EK certificates (init type
     * "ekcert") and AIK certificates; "" = none. tpm_challenge_lifetime: seconds a
     * service_context stays valid (0 = ATT_TPM_CONTEXT_LIFETIME, 300). */
    char tpm_ek_ca[ATT_CONFIG_STR];
    char tpm_aik_ca[ATT_CONFIG_STR];
    int64_t tpm_challenge_lifetime;
} att__config;

/* Result of parsing the command line. */
enum { ATT_CONFIG_RUN = 0, ATT_CONFIG_HELP = 1, ATT_CONFIG_VERSION = 2 };

void att__config_defaults(att__config *cfg);

/* Builds the configuration from defaults, the config file (from --config or
 * ATTESTD_CONFIG), the environment (envp-style lookup through getenv) and argv.
 * Returns ATT_CONFIG_RUN/HELP/VERSION (>= 0) or a negative att_err with d naming the
 * offending flag, variable or file line. */
int att__config_load(att__config *cfg, int argc, char **argv, att_diag *d);

/* Applies one setting by its config-file key ("listen", "issuer", ...). `origin` names
 * where it came from for error messages ("--listen", "ATTESTD_LISTEN", "file.conf:3"). */
int att__config_set(att__config *cfg, const char *key, const char *value, const char *origin,
                    att_diag *d);

/* Checks cross-field rules and fills derived values (issuer from listen address). */
int att__config_finish(att__config *cfg, att_diag *d);

/* The --help text. */
const char *att__config_usage(void);

#endif
