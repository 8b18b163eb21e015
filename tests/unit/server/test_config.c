/* Unit tests for attestd configuration: defaults, INI file, environment, flags, errors. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "server/config.h"

static int load(att__config *cfg, att_diag *d, int argc, const char **argv)
{
    att_diag_clear(d);
    return att__config_load(cfg, argc, (char **)argv, d);
}

static void clear_env(void)
{
    const char *vars[] = {"ATTESTD_CONFIG",     "ATTESTD_LISTEN",           "ATTESTD_ISSUER",
                          "ATTESTD_DATA_DIR",   "ATTESTD_LOG_LEVEL",        "ATTESTD_THREADS",
                          "ATTESTD_TLS_CERT",   "ATTESTD_TLS_KEY",          "ATTESTD_MAX_BODY",
                          "ATTESTD_COLLATERAL", "ATTESTD_VERIFICATION_TIME"};
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

static void defaults_and_derived_issuer(void **state)
{
    clear_env();
    att__config cfg;
    att_diag d;
    const char *argv[] = {"attestd"};
    assert_int_equal(load(&cfg, &d, 1, argv), ATT_CONFIG_RUN);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8080);
    assert_string_equal(cfg.issuer, "http://127.0.0.1:8080");
    assert_true(cfg.issuer_auto);
    assert_string_equal(cfg.data_dir, "./data");
    assert_int_equal(cfg.log_level, ATT_LOG_INFO);
}

static void flags_override_env_override_file(void **state)
{
    clear_env();
    const char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/attestd.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("; comment\n[server]\nlisten = 127.0.0.1:9000\nissuer = https://file.example/\n"
          "data_dir = /srv/file\nlog_level = warn\nthreads = 3\n",
          f);
    fclose(f);
    setenv("ATTESTD_DATA_DIR", "/srv/env", 1);
    setenv("ATTESTD_LOG_LEVEL", "error", 1);
    att__config cfg;
    att_diag d;
    const char *argv[] = {"attestd", "--config", path, "--log-level", "debug", "-l", "[::1]:0"};
    assert_int_equal(load(&cfg, &d, 7, argv), ATT_CONFIG_RUN);
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 0);
    assert_string_equal(cfg.issuer, "https://file.example"); /* trailing slash dropped */
    assert_false(cfg.issuer_auto);
    assert_string_equal(cfg.data_dir, "/srv/env");
    assert_int_equal(cfg.log_level, ATT_LOG_DEBUG);
    assert_int_equal(cfg.threads, 3);
    clear_env();
    tu_rmtree(dir);
}

static void errors_name_the_culprit(void **state)
{
    clear_env();
    att__config cfg;
    att_diag d;
    const char *a1[] = {"attestd", "--listen", "nonsense"};
    assert_int_equal(load(&cfg, &d, 3, a1), ATT_EINVAL);
    assert_non_null(strstr(d.message, "--listen"));
    assert_non_null(strstr(d.message, "nonsense"));
    const char *a2[] = {"attestd", "--bogus"};
    assert_int_equal(load(&cfg, &d, 2, a2), ATT_EINVAL);
    assert_non_null(strstr(d.message, "--bogus"));
    const char *a3[] = {"attestd", "--issuer", "ftp://x"};
    assert_int_equal(load(&cfg, &d, 3, a3), ATT_EINVAL);
    assert_non_null(strstr(d.message, "ftp://x"));
    const char *a4[] = {"attestd", "--tls-cert", "/x.pem"};
    assert_int_equal(load(&cfg, &d, 3, a4), ATT_EINVAL);
    assert_non_null(strstr(d.message, "key"));
    setenv("ATTESTD_THREADS", "lots", 1);
    const char *a5[] = {"attestd"};
    assert_int_equal(load(&cfg, &d, 1, a5), ATT_EINVAL);
    assert_non_null(strstr(d.message, "ATTESTD_THREADS"));
    clear_env();

    const char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/bad.conf", dir);
    FILE *f = fopen(path, "w");
    fputs("[server]\nlisten = 127.0.0.1:1\ncolour = blue\n", f);
    fclose(f);
    const char *a6[] = {"attestd", "-c", path};
    assert_int_equal(load(&cfg, &d, 3, a6), ATT_EINVAL);
    assert_non_null(strstr(d.message, ":3"));
    assert_non_null(strstr(d.message, "colour"));
    const char *a7[] = {"attestd", "-c", "/nonexistent/attestd.conf"};
    assert_int_equal(load(&cfg, &d, 3, a7), ATT_EIO);
    tu_rmtree(dir);
}

/* collateral and verification_time: defaults, env, flags, file, and a bad time. */
static void collateral_and_verification_time(void **state)
{
    clear_env();
    att__config cfg;
    att_diag d;
    const char *plain[] = {"attestd"};
    assert_int_equal(load(&cfg, &d, 1, plain), ATT_CONFIG_RUN);
    assert_string_equal(cfg.collateral, "");
    assert_int_equal(cfg.verification_time, 0);

    setenv("ATTESTD_COLLATERAL", "/env/collateral", 1);
    setenv("ATTESTD_VERIFICATION_TIME", "2022-05-01T00:00:00Z", 1);
    assert_int_equal(load(&cfg, &d, 1, plain), ATT_CONFIG_RUN);
    assert_string_equal(cfg.collateral, "/env/collateral");
    assert_int_equal(cfg.verification_time, 1651363200);

    const char *flags[] = {"attestd", "--collateral", "coll.json", "--verification-time",
                           "2025-06-20T02:00:00+02:00"};
    assert_int_equal(load(&cfg, &d, 5, flags), ATT_CONFIG_RUN);
    assert_string_equal(cfg.collateral, "coll.json");
    assert_int_equal(cfg.verification_time, 1750377600);
    clear_env();

    const char *dir = tu_tmpdir();
    char path[1024];
    snprintf(path, sizeof(path), "%s/a.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[server]\ncollateral = /file/coll\nverification_time = 2022-05-01T00:00:00Z\n", f);
    fclose(f);
    const char *withfile[] = {"attestd", "--config", path};
    assert_int_equal(load(&cfg, &d, 3, withfile), ATT_CONFIG_RUN);
    assert_string_equal(cfg.collateral, "/file/coll");
    assert_int_equal(cfg.verification_time, 1651363200);
    tu_rmtree(dir);

    const char *bad[] = {"attestd", "--verification-time", "yesterday"};
    assert_true(load(&cfg, &d, 3, bad) < 0);
    assert_non_null(strstr(d.message, "--verification-time"));
    assert_non_null(strstr(d.message, "RFC 3339"));
    assert_non_null(strstr(att__config_usage(), "--collateral"));
    assert_non_null(strstr(att__config_usage(), "--verification-time"));
}

static void help_and_version(void **state)
{
    clear_env();
    att__config cfg;
    att_diag d;
    const char *a1[] = {"attestd", "--help"};
    assert_int_equal(load(&cfg, &d, 2, a1), ATT_CONFIG_HELP);
    const char *a2[] = {"attestd", "-V"};
    assert_int_equal(load(&cfg, &d, 2, a2), ATT_CONFIG_VERSION);
    assert_non_null(strstr(att__config_usage(), "--data-dir"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_and_derived_issuer),
        cmocka_unit_test(flags_override_env_override_file),
        cmocka_unit_test(errors_name_the_culprit),
        cmocka_unit_test(collateral_and_verification_time),
        cmocka_unit_test(help_and_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
