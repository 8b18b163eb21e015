/* Unit tests for attestd's SEV-SNP settings: --amd-certs, --kds-url, --kds-cache and
 * --snp-product from flags, environment and the config file, and their errors. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"

static int load(att__config *cfg, att_diag *d, int argc, const char **argv)
{
    att_diag_clear(d);
    return att__config_load(cfg, argc, (char **)argv, d);
}

static void clear_env(void)
{
    const char *vars[] = {"ATTESTD_CONFIG", "ATTESTD_AMD_CERTS", "ATTESTD_KDS_URL",
                          "ATTESTD_KDS_CACHE", "ATTESTD_SNP_PRODUCT"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

static void snp_settings(void **state)
{
    clear_env();
    att__config cfg;
    att_diag d;
    const char *none[] = {"attestd"};
    assert_int_equal(load(&cfg, &d, 1, none), ATT_CONFIG_RUN);
    assert_string_equal(cfg.amd_certs, "");
    assert_string_equal(cfg.kds_url, "");
    assert_string_equal(cfg.snp_product, "");

    const char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/attestd.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[server]\namd_certs = /etc/amd\nkds_url = https://kds.example\nsnp_product = Genoa\n",
          f);
    fclose(f);
    setenv("ATTESTD_KDS_CACHE", "/var/cache/kds", 1);
    const char *argv[] = {"attestd",   "--config",          path, "--snp-product", "turin",
                          "--kds-url", "http://127.0.0.1:9"};
    assert_int_equal(load(&cfg, &d, 7, argv), ATT_CONFIG_RUN);
    assert_string_equal(cfg.amd_certs, "/etc/amd");
    assert_string_equal(cfg.kds_url, "http://127.0.0.1:9");
    assert_string_equal(cfg.kds_cache, "/var/cache/kds");
    assert_string_equal(cfg.snp_product, "turin");
    clear_env();
    tu_rmtree(dir);
}

static void snp_errors(void **state)
{
    clear_env();
    att__config cfg;
    att_diag d;
    const char *bad_url[] = {"attestd", "--kds-url", "ftp://kds"};
    assert_true(load(&cfg, &d, 3, bad_url) < 0);
    assert_string_equal(d.reason, "config.kds_url");
    assert_non_null(strstr(d.message, "--kds-url"));
    const char *bad_product[] = {"attestd", "--snp-product", "Naples"};
    assert_true(load(&cfg, &d, 3, bad_product) < 0);
    assert_string_equal(d.reason, "config.snp_product");
    assert_non_null(strstr(d.message, "Milan, Genoa or Turin"));
    setenv("ATTESTD_SNP_PRODUCT", "Bergamo", 1);
    assert_true(load(&cfg, &d, 1, bad_url) < 0);
    assert_non_null(strstr(d.message, "ATTESTD_SNP_PRODUCT"));
    clear_env();
    assert_non_null(strstr(att__config_usage(), "--amd-certs"));
    assert_non_null(strstr(att__config_usage(), "--kds-url"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snp_settings),
        cmocka_unit_test(snp_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
