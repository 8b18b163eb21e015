/* attestd: the attestation service. Loads configuration, opens the store, loads or creates
 * the signing key, builds the providers and serves the MAA data plane until SIGINT/SIGTERM. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collateral/dcap.h"
#include "collateral/fetch.h"
#include "collateral/intel_roots.h"
#include "collateral/kds.h"
#include "server/attest_tpm.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "evidence/snp/snp.h"
#include "provider/provider.h"
#include "server/config.h"
#include "server/server.h"
#include "store/store.h"
#include "token/token.h"

/* Prints the failure and returns the process exit code for it. */
static int fail(const char *what, int rc, const att_diag *d)
{
    fprintf(stderr, "attestd: %s: %s\n", what, d && d->message[0] ? d->message : att_strerror(rc));
    att__error("startup failed", "step=\"%s\" err=%s reason=%s", what, att_errname(rc),
               d ? d->reason : "");
    return 1;
}

int main(int argc, char **argv)
{
    att__config cfg;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__config_load(&cfg, argc, argv, &d);
    if (rc == ATT_CONFIG_HELP) {
        fputs(att__config_usage(), stdout);
        return 0;
    }
    if (rc == ATT_CONFIG_VERSION) {
        printf("attestd %s\n", ATT_VERSION);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "attestd: %s\n", d.message);
        return 2;
    }
    att__log_set_level(cfg.log_level);

    /* Signals: handled by sigwait in this thread only; every other thread blocks them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    att__server *srv = NULL;
    att__store *store = NULL;
    att__pkey *key = NULL;
    att__cert *cert = NULL;
    att__signer *signer = NULL;
    att__token_issuer *ti = NULL;
    att__registry *reg = NULL;
    att__cert *roots[ATT_INTEL_SGX_ROOT_COUNT] = {NULL};
    att__dcap_store *collateral = NULL;
    att__pcs_fetcher *pcs = NULL;
    att__snp_certs *snp_certs = NULL;
    att__kds *kds = NULL;
    att__tpm_service *tpm = NULL;
    att__app app;
    memset(&app, 0, sizeof(app));
    int exit_code = 1;

    /* Bind first so the issuer URL can carry the real port when port 0 was asked for. */
    if ((rc = att__server_listen(&cfg, &srv, &d)) != ATT_OK) {
        exit_code = fail("listen", rc, &d);
        goto out;
    }
    if (cfg.issuer_auto && cfg.listen_port == 0) {
        cfg.listen_port = att__server_port(srv);
        cfg.issuer[0] = '\0';
        att__config_finish(&cfg, &d);
    }
    if ((rc = att__token_issuer_url_check(cfg.issuer)) != ATT_OK) {
        att_diag_fail(&d, rc, "config.issuer", "issuer",
                      "issuer '%s' is not usable: http(s)://host[:port][/path], at most %u "
                      "characters (it is the signing certificate's common name)",
                      cfg.issuer, ATT_TOKEN_MAX_ISSUER);
        exit_code = fail("issuer", rc, &d);
        goto out;
    }
    /* SGX / OE: the built-in Intel roots and the collateral, verified once here, before
     * anything is written to the data directory. */
    for (size_t i = 0; i < ATT_INTEL_SGX_ROOT_COUNT; i++) {
        const char *pem = att__intel_sgx_root_pem(i);
        if ((rc = att__cert_from_pem(pem, strlen(pem), &roots[i])) != ATT_OK) {
            att_diag_fail(&d, rc, "collateral.roots", "intel_roots",
                          "cannot parse the built-in Intel SGX root certificate %zu", i);
            exit_code = fail("trust anchors", rc, &d);
            goto out;
        }
    }
    if (cfg.collateral[0]) {
        att_diag_clear(&d);
        rc = att__dcap_store_load(cfg.collateral, (const att__cert *const *)roots,
                                  ATT_INTEL_SGX_ROOT_COUNT, &collateral, &d);
        if (rc != ATT_OK) {
            char what[ATT_CONFIG_STR + 32];
            snprintf(what, sizeof(what), "collateral %s", cfg.collateral);
            exit_code = fail(what, rc, &d);
            goto out;
        }
        att__info("collateral loaded", "path=%s sets=%zu", cfg.collateral,
                  att__dcap_store_count(collateral));
    } else if (!cfg.pcs_url[0]) {
        att__info("no collateral configured",
                  "effect=\"SGX and Open Enclave attestation answer 400 until attestd is started "
                  "with --collateral or --pcs-url\"");
    }
    if (cfg.pcs_url[0]) {
        att__pcs_config pc;
        att__pcs_config_init(&pc);
        char cache[ATT_CONFIG_STR + 32];
        if (cfg.collateral_cache[0])
            snprintf(cache, sizeof(cache), "%s", cfg.collateral_cache);
        else
            snprintf(cache, sizeof(cache), "%s/collateral-cache", cfg.data_dir);
        pc.base_url = cfg.pcs_url;
        pc.root_crl_url = cfg.pcs_root_crl_url[0] ? cfg.pcs_root_crl_url : NULL;
        pc.cache_dir = cache;
        att_diag_clear(&d);
        /* the data directory may not exist yet on a first start */
        if (!cfg.collateral_cache[0])
            mkdir(cfg.data_dir, 0700);
        rc = att__pcs_fetcher_new(&pc, (const att__cert *const *)roots, ATT_INTEL_SGX_ROOT_COUNT,
                                  &pcs, &d);
        if (rc != ATT_OK) {
            exit_code = fail("collateral fetcher", rc, &d);
            goto out;
        }
        att__info("collateral fetcher", "pcs_url=%s cache=%s", cfg.pcs_url, cache);
    }
    /* SEV-SNP: the operator's AMD certificates and the KDS fetcher. */
    if (cfg.amd_certs[0]) {
        att_diag_clear(&d);
        if ((rc = att__snp_certs_load(cfg.amd_certs, &snp_certs, &d)) != ATT_OK) {
            exit_code = fail("AMD certificates", rc, &d);
            goto out;
        }
        att__info("AMD certificates loaded", "path=%s certificates=%zu", cfg.amd_certs,
                  att__snp_certs_count(snp_certs));
    }
    if (cfg.kds_url[0]) {
        char kcache[ATT_CONFIG_STR + 32];
        if (cfg.kds_cache[0])
            snprintf(kcache, sizeof(kcache), "%s", cfg.kds_cache);
        else
            snprintf(kcache, sizeof(kcache), "%s/kds-cache", cfg.data_dir);
        if (!cfg.kds_cache[0])
            mkdir(cfg.data_dir, 0700);
        att__kds_config kc = {.base_url = cfg.kds_url, .cache_dir = kcache};
        att_diag_clear(&d);
        if ((rc = att__kds_new(&kc, &kds, &d)) != ATT_OK) {
            exit_code = fail("KDS fetcher", rc, &d);
            goto out;
        }
        att__info("KDS fetcher", "kds_url=%s cache=%s", cfg.kds_url, kcache);
    }
    /* TPM: a fresh service_context key and the EK / AIK trust anchors. */
    att_diag_clear(&d);
    if ((rc = att__tpm_service_new(cfg.tpm_ek_ca, cfg.tpm_aik_ca, cfg.tpm_challenge_lifetime, &tpm,
                                   &d)) != ATT_OK) {
        exit_code = fail("tpm trust anchors", rc, &d);
        goto out;
    }
    if (cfg.verification_time) {
        char tbuf[32];
        att__warn("fixed verification time",
                  "time=%s effect=\"evidence and collateral are judged at this time, not now "
                  "(replay mode for tests and demos)\"",
                  att__time_format(cfg.verification_time, tbuf, sizeof(tbuf)));
    }
    att__store_config scfg = {.backend = "sqlite", .data_dir = cfg.data_dir};
    if ((rc = att__store_open(&scfg, &store, &d)) != ATT_OK) {
        exit_code = fail("open store", rc, &d);
        goto out;
    }
    int created = 0;
    if ((rc = att__signing_key_load_or_create(cfg.data_dir, &key, &created)) != ATT_OK) {
        att_diag_fail(&d, rc, "token.key", ATT_SIGNING_KEY_FILE,
                      "cannot load or create the signing key %s/%s: %s", cfg.data_dir,
                      ATT_SIGNING_KEY_FILE, att_strerror(rc));
        exit_code = fail("signing key", rc, &d);
        goto out;
    }
    if ((rc = att__signing_cert_load_or_create(cfg.data_dir, key, cfg.issuer, att__now(), &cert,
                                               NULL)) != ATT_OK ||
        (rc = att__signer_new(&key, 1, &signer)) != ATT_OK ||
        (rc = att__token_issuer_new(signer, cfg.issuer, &cert, &ti)) != ATT_OK) {
        att_diag_fail(&d, rc, "token.setup", "signing-cert.pem",
                      "cannot set up the token signer for %s: %s", cfg.issuer, att_strerror(rc));
        exit_code = fail("signer", rc, &d);
        goto out;
    }
    att__info("signing key", "kid=%s created=%d issuer=%s", att__signer_kid(signer, 0), created,
              cfg.issuer);
    att__registry_config rcfg = {.issuer = cfg.issuer,
                                 .signer = signer,
                                 .default_issuer = ti,
                                 .compile = att__server_policy_compile_hook,
                                 .release = att__server_policy_release_hook};
    if ((rc = att__registry_open(store, &rcfg, &reg, &d)) != ATT_OK) {
        exit_code = fail("load providers", rc, &d);
        goto out;
    }
    app.collateral = collateral;
    app.pcs = pcs;
    app.tpm = tpm;
    app.anchors = (const att__cert *const *)roots;
    app.n_anchors = ATT_INTEL_SGX_ROOT_COUNT;
    app.verification_time = cfg.verification_time;
    app.snp_certs = snp_certs;
    app.kds = kds;
    app.snp_product = (int)att__snp_product_parse(cfg.snp_product[0] ? cfg.snp_product : NULL);
    app.store = store;
    app.registry = reg;
    app.signer = signer;
    app.issuer = cfg.issuer;
    if ((rc = att__server_start(srv, &app, &d)) != ATT_OK) {
        exit_code = fail("start server", rc, &d);
        goto out;
    }
    atomic_store(&app.ready, 1);
    att__info("ready", "issuer=%s data_dir=%s", cfg.issuer, cfg.data_dir);

    /* Wait for a signal; every few seconds pick up store changes made by another process
     * sharing the data directory (in-process changes swap the snapshot immediately). */
    int sig = -1;
    while (sig < 0) {
        struct timespec tick = {.tv_sec = 5};
        sig = sigtimedwait(&sigs, NULL, &tick);
        if (sig < 0 && errno == EAGAIN) {
            att_diag_clear(&d);
            if (att__registry_refresh(reg, &d) != ATT_OK)
                att__warn("store refresh failed", "reason=%s message=\"%s\"", d.reason, d.message);
        }
    }
    att__info("shutting down", "signal=%d", sig);
    atomic_store(&app.ready, 0);
    exit_code = 0;
out:
    att__server_stop(srv);
    att__pcs_fetcher_free(pcs);
    att__kds_free(kds);
    att__snp_certs_free(snp_certs);
    att__dcap_store_free(collateral);
    att__tpm_service_free(tpm);
    for (size_t i = 0; i < ATT_INTEL_SGX_ROOT_COUNT; i++)
        att__cert_free(roots[i]);
    att__registry_close(reg);
    att__token_issuer_unref(ti);
    att__signer_unref(signer);
    att__cert_free(cert);
    att__pkey_free(key);
    att__store_close(store);
    return exit_code;
}
