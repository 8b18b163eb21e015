/* Unit tests for src/evidence/sgx (and the collateral loader under it) on a synthetic
 * Intel-style PKI (sgx_synth.h): the failure paths real vectors cannot reach because they
 * need Intel's keys: revoked PCK certificate and PCK CA, CRLs expired, not yet valid or
 * signed by the wrong key, re-signed or tampered TCB info / QE identity, a revoked TCB
 * signing certificate, QE identity mismatches, every TCB status reached through the SVN
 * comparisons with its advisory IDs, expired collateral, zero and negative serials. Each
 * test starts from sgx_synth_defaults (which verify UpToDate) and states what it changes. */
#include "sgx_synth.h"
#include "sgx_tu.h"

#define AT 1763900000LL /* 2025-11-23T12:13:20Z */

/* Builds p, verifies at p->at; returns the error and fills r, d (s is the caller's). */
static int build_verify(const sgx_synth_params *p, sgx_synth *s, att__quote_result *r, att_diag *d)
{
    sgx_synth_build(p, s);
    int rc = sgx_synth_verify(s, p->at, r, d);
    print_message("rc=%d reason=%s field=%s: %s\n", rc, d->reason, d->field, d->message);
    return rc;
}

/* Asserts that the message contains want. */
static void assert_msg(const att_diag *d, const char *want)
{
    if (!strstr(d->message, want))
        fail_msg("message \"%s\" lacks \"%s\"", d->message, want);
}

/* The advisory IDs of r, comma-joined, equal want ("" for none). */
static void assert_advisories(const att__quote_result *r, const char *want)
{
    char got[256] = "";
    size_t o = 0;
    for (size_t i = 0; i < r->n_advisories; i++)
        o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s", i ? "," : "", r->advisory_ids[i]);
    assert_string_equal(got, want);
}

static void clean_quote_verifies(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att__quote_result r;
    att_diag d;
    sgx_synth_defaults(&p, AT);
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK);
    assert_int_equal(r.verdict, ATT_QUOTE_VERIFIED);
    assert_int_equal(r.status, ATT_TCB_UP_TO_DATE);
    assert_int_equal(r.qe_status, ATT_TCB_UP_TO_DATE);
    assert_int_equal(r.n_advisories, 0);
    assert_string_equal(r.tcb_date_str, "2024-03-13T00:00:00Z");
    assert_int_equal(r.tcb_info_version, 3);
    assert_int_equal(r.pck_ca, ATT_PCK_CA_PROCESSOR);
    assert_string_equal(r.pck_issuer, "Intel SGX PCK Processor CA");
    /* the PCK extension as the helper encoded it */
    assert_memory_equal(r.pck.ppid, p.ext.ppid, 16);
    assert_memory_equal(r.pck.comp_svn, p.ext.comp_svn, 16);
    assert_int_equal(r.pck.pcesvn, 13);
    assert_memory_equal(r.pck.cpusvn, p.ext.cpusvn, 16);
    assert_memory_equal(r.pck.fmspc, p.ext.fmspc, 6);
    assert_int_equal(r.pck.sgx_type, 0);
    assert_int_equal(r.pck.has_platform_instance_id, 0);
    /* the window: CRLs and JSON issued at-1d, next update at+29d */
    assert_int_equal(r.collateral_not_before, AT - SYNTH_DAY);
    assert_int_equal(r.collateral_not_after, AT + 29 * SYNTH_DAY);
    /* again (the verified-chain cache answers), and at both window edges */
    assert_int_equal(sgx_synth_verify(&s, AT, &r, &d), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_UP_TO_DATE);
    assert_int_equal(sgx_synth_verify(&s, AT - SYNTH_DAY, &r, &d), ATT_OK);
    assert_int_equal(sgx_synth_verify(&s, AT + 29 * SYNTH_DAY, &r, &d), ATT_OK);
    /* the collateral-free signature checks agree */
    att__quote q;
    assert_int_equal(att__quote_parse(s.quote, s.quote_len, &q, &d), ATT_OK);
    assert_int_equal(att__quote_check_signatures(&q, NULL, &d), ATT_OK);
    sgx_synth_free(&s);

    /* the same as an SGX v4 quote (certification data type 6 around the PCK chain) */
    p.quote_version = 4;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_UP_TO_DATE);
    assert_int_equal(att__quote_parse(s.quote, s.quote_len, &q, &d), ATT_OK);
    assert_int_equal(q.version, 4);
    assert_int_equal(q.outer_cert_type, ATT_QUOTE_CERT_QE_REPORT);
    assert_int_equal(q.cert_type, ATT_QUOTE_CERT_PCK_CHAIN);
    assert_memory_equal(att__quote_report_data(&q), p.enclave.report_data, 64);
    sgx_synth_free(&s);
    p.pck_crl.revoked[0] = p.pck.serial;
    p.pck_crl.n_revoked = 1;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EREVOKED);
    sgx_synth_free(&s);

    /* the PCK Platform CA: SGX type 1 with platform instance id and configuration */
    sgx_synth_defaults(&p, AT);
    p.platform_ca = 1;
    p.ext.sgx_type = 1;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_UP_TO_DATE);
    assert_int_equal(r.pck_ca, ATT_PCK_CA_PLATFORM);
    assert_string_equal(r.pck_issuer, "Intel SGX PCK Platform CA");
    assert_int_equal(r.pck.sgx_type, 1);
    assert_int_equal(r.pck.has_platform_instance_id, 1);
    assert_int_equal(r.pck.has_configuration, 1);
    assert_int_equal(r.pck.dynamic_platform, 0);
    assert_int_equal(r.pck.cached_keys, 1);
    assert_int_equal(r.pck.smt_enabled, 1);
    sgx_synth_free(&s);

    /* a Platform CA PCK certificate without platform instance id and configuration */
    p.ext.no_platform_elements = 1;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EPARSE);
    assert_string_equal(d.reason, "pck.sgx_ext");
    assert_string_equal(d.message, "pck.sgx_ext.platform_instance_id: missing (required in a PCK "
                                   "certificate of the PCK Platform CA)");
    sgx_synth_free(&s);
}

/* The PCK certificate listed by the PCK CA's CRL. */
static void pck_revoked_by_pck_crl(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att__quote_result r;
    att_diag d;
    char want[160];
    for (int platform = 0; platform < 2; platform++) {
        sgx_synth_defaults(&p, AT);
        p.platform_ca = platform;
        p.pck_crl.revoked[0] = "1234";
        p.pck_crl.revoked[1] = p.pck.serial;
        p.pck_crl.revoked[2] = "abcdef";
        p.pck_crl.n_revoked = 3;
        assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EREVOKED);
        assert_int_equal(r.verdict, ATT_QUOTE_REJECTED);
        assert_string_equal(d.reason, "quote.pck_chain.revoked");
        snprintf(want, sizeof(want),
                 "PCK certificate revoked by Intel SGX PCK %s CA CRL (serial %s)",
                 platform ? "Platform" : "Processor", s.pck_serial);
        assert_string_equal(d.message, want);
        assert_non_null(strstr(d.field, "CN=Intel SGX PCK Certificate"));
        assert_string_equal(d.expected, "not revoked");
        /* a failure is never cached: the same again */
        assert_int_equal(sgx_synth_verify(&s, AT, &r, &d), ATT_EREVOKED);
        assert_string_equal(d.message, want);
        sgx_synth_free(&s);
    }

    /* the same serial on the root CA CRL does not concern the PCK (another issuer) */
    sgx_synth_defaults(&p, AT);
    p.root_crl.revoked[0] = p.pck.serial;
    p.root_crl.n_revoked = 1;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK);
    sgx_synth_free(&s);
}

/* The PCK CA listed by the root CA CRL: the collateral itself is refused, and a quote
 * carrying a revoked issuance of the PCK CA is rejected by the quote verifier. */
static void pck_ca_revoked_by_root_crl(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att__quote_result r;
    att_diag d;
    char want[200];
    att__dcap_collateral *col = NULL;

    sgx_synth_defaults(&p, AT);
    p.root_crl.revoked[0] = p.pck_ca.serial;
    p.root_crl.n_revoked = 1;
    sgx_synth_build(&p, &s);
    assert_int_equal(sgx_synth_load(&s, &col, &d), ATT_EREVOKED);
    assert_null(col);
    assert_string_equal(d.reason, "chain.revoked");
    snprintf(want, sizeof(want),
             "PCK CRL issuer chain: Intel SGX PCK Processor CA certificate revoked by Intel SGX "
             "Root CA CRL (serial %s)",
             s.pck_ca_serial);
    assert_string_equal(d.message, want);
    sgx_synth_free(&s);

    /* the quote's chain holds another issuance of the PCK CA (same name and key), which
     * the root CRL lists; the collateral's own issuance is fine */
    sgx_synth_defaults(&p, AT);
    p.quote_pck_ca_serial = "5ca1ab1e";
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK); /* not revoked yet */
    sgx_synth_free(&s);
    p.root_crl.revoked[0] = "5ca1ab1e";
    p.root_crl.n_revoked = 1;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EREVOKED);
    assert_string_equal(d.reason, "quote.pck_chain.revoked");
    assert_string_equal(d.message, "PCK CA certificate (Intel SGX PCK Processor CA) revoked by "
                                   "Intel SGX Root CA CRL (serial 5ca1ab1e)");
    sgx_synth_free(&s);
}

/* CRLs outside their validity at the verification time. */
static void crl_expired_or_not_yet_valid(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att__quote_result r;
    att_diag d;

    sgx_synth_defaults(&p, AT);
    p.pck_crl.this_update = AT - 30 * SYNTH_DAY;
    p.pck_crl.next_update = AT - 3600; /* expired an hour ago */
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.expired");
    assert_string_equal(d.field, "pck_crl.nextUpdate");
    assert_msg(&d, "collateral expired: PCK CRL nextUpdate 2025-11-23T11:13:20Z is before "
                   "2025-11-23T12:13:20Z");
    assert_int_equal(r.collateral_not_after, AT - 3600);
    /* an hour earlier (and after every issue date) it still verifies */
    assert_int_equal(sgx_synth_verify(&s, AT - 3600, &r, &d), ATT_OK);
    sgx_synth_free(&s);

    sgx_synth_defaults(&p, AT);
    p.root_crl.next_update = AT - 1;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.field, "root_ca_crl.nextUpdate");
    assert_msg(&d, "root CA CRL nextUpdate");
    sgx_synth_free(&s);

    sgx_synth_defaults(&p, AT);
    p.root_crl.this_update = AT + 3600; /* issued an hour from now */
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.not_yet_valid");
    assert_string_equal(d.field, "root_ca_crl.thisUpdate");
    assert_msg(&d, "collateral not yet valid: root CA CRL thisUpdate 2025-11-23T13:13:20Z is "
                   "after 2025-11-23T12:13:20Z");
    assert_int_equal(sgx_synth_verify(&s, AT + 3600, &r, &d), ATT_OK);
    sgx_synth_free(&s);

    sgx_synth_defaults(&p, AT);
    p.pck_crl.this_update = AT + 60;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.field, "pck_crl.thisUpdate");
    sgx_synth_free(&s);
}

/* A CRL signed by a key that is not its issuer's (the issuer name is right). */
static void crl_signed_by_wrong_key(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att_diag d;
    att__dcap_collateral *col = NULL;
    for (int which = 0; which < 2; which++) {
        sgx_synth_defaults(&p, AT);
        if (which == 0)
            p.root_crl.wrong_key = 1;
        else
            p.pck_crl.wrong_key = 1;
        sgx_synth_build(&p, &s);
        assert_int_equal(sgx_synth_load(&s, &col, &d), ATT_ECHAIN);
        assert_null(col);
        print_message("%s\n", d.message);
        assert_string_equal(d.reason, "crl.signature");
        assert_msg(&d, "PCK CRL issuer chain: CRL signature does not verify with its issuer's key");
        assert_msg(&d, which == 0 ? "CN=Intel SGX Root CA" : "CN=Intel SGX PCK Processor CA");
        sgx_synth_free(&s);
    }
}

/* TCB info / QE identity changed by one byte after signing. */
static void json_signature_invalid(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att_diag d;
    att__dcap_collateral *col = NULL;

    sgx_synth_defaults(&p, AT);
    p.tcb.tamper = 1;
    sgx_synth_build(&p, &s);
    assert_non_null(strstr(s.collateral, "\"tcbEvaluationDataNumber\\\":18,\\\"tcbLevels"));
    assert_int_equal(sgx_synth_load(&s, &col, &d), ATT_ESIG);
    assert_string_equal(d.reason, "collateral.tcb_info.signature");
    assert_string_equal(d.message, "TCB info signature invalid");
    sgx_synth_free(&s);

    sgx_synth_defaults(&p, AT);
    p.qe_id.tamper = 1;
    sgx_synth_build(&p, &s);
    assert_int_equal(sgx_synth_load(&s, &col, &d), ATT_ESIG);
    assert_string_equal(d.reason, "collateral.qe_identity.signature");
    assert_string_equal(d.message, "QE identity signature invalid");
    sgx_synth_free(&s);
    assert_null(col);
}

/* The TCB signing certificate listed by the root CA CRL. */
static void tcb_signer_revoked(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att_diag d;
    char want[200];
    att__dcap_collateral *col = NULL;
    sgx_synth_defaults(&p, AT);
    p.root_crl.revoked[0] = "01";
    p.root_crl.revoked[1] = p.tcb_signer.serial;
    p.root_crl.n_revoked = 2;
    sgx_synth_build(&p, &s);
    assert_int_equal(sgx_synth_load(&s, &col, &d), ATT_EREVOKED);
    assert_null(col);
    snprintf(want, sizeof(want),
             "TCB info issuer chain: Intel SGX TCB Signing certificate revoked by Intel SGX Root "
             "CA CRL (serial %s)",
             p.tcb_signer.serial);
    assert_string_equal(d.message, want);
    sgx_synth_free(&s);
}

/* The QE report against the QE identity: MRSIGNER, ISVPRODID, ATTRIBUTES and MISCSELECT
 * under their masks. */
static void qe_identity_mismatch(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att__quote_result r;
    att_diag d;

    sgx_synth_defaults(&p, AT);
    p.qe.mrsigner[31] ^= 0x01;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "quote.qe_identity.mismatch");
    assert_string_equal(d.field, "qe_report.mrsigner");
    assert_string_equal(d.expected,
                        "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff");
    assert_string_equal(d.found,
                        "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bfe");
    sgx_synth_free(&s);

    sgx_synth_defaults(&p, AT);
    p.qe.isvprodid = 2;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EMISMATCH);
    assert_string_equal(d.field, "qe_report.isvprodid");
    assert_string_equal(d.message, "QE identity mismatch: ISVPRODID 2, expected 1");
    sgx_synth_free(&s);

    /* DEBUG (FLAGS bit 1) is inside the mask: a debug QE does not match */
    sgx_synth_defaults(&p, AT);
    p.qe.attributes[0] |= 0x02;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EMISMATCH);
    assert_string_equal(d.field, "qe_report.attributes");
    sgx_synth_free(&s);
    /* bit 2 (MODE64BIT) is outside the mask (0xFB): ignored */
    p.qe.attributes[0] = 0x11 | 0x04;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK);
    sgx_synth_free(&s);

    sgx_synth_defaults(&p, AT);
    p.qe.miscselect[0] = 0x01;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EMISMATCH);
    assert_string_equal(d.field, "qe_report.miscselect");
    sgx_synth_free(&s);
    p.qe_id.miscselect_mask[0] = 0xfe; /* the same bit masked off */
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK);
    sgx_synth_free(&s);
}

/* Each TCB status, reached through the PCK's component SVNs / PCESVN and the QE's ISVSVN
 * against the default levels (component SVNs 5/4/3/2/1 with PCESVN 13/13/13/11/5:
 * UpToDate, SWHardeningNeeded, ConfigurationNeeded, OutOfDate, Revoked; QE levels 8
 * UpToDate, 6 OutOfDate, 2 Revoked). */
static void tcb_statuses(void **state)
{
    (void)state;
    static const struct {
        uint8_t svn;     /* every component */
        int low_comp;    /* index of one component set to low_svn, -1 for none */
        uint8_t low_svn; /* its value */
        uint16_t pcesvn;
        uint16_t qe_isvsvn;
        int rc;
        att__tcb_status status, qe_status;
        const char *advisories;
        const char *date;
    } cases[] = {
        {5, -1, 0, 13, 8, ATT_OK, ATT_TCB_UP_TO_DATE, ATT_TCB_UP_TO_DATE, "",
         "2024-03-13T00:00:00Z"},
        {9, -1, 0, 20, 9, ATT_OK, ATT_TCB_UP_TO_DATE, ATT_TCB_UP_TO_DATE, "",
         "2024-03-13T00:00:00Z"},
        {5, 15, 4, 13, 8, ATT_OK, ATT_TCB_SW_HARDENING_NEEDED, ATT_TCB_UP_TO_DATE, "INTEL-SA-00615",
         "2024-03-13T00:00:00Z"},
        {4, -1, 0, 13, 8, ATT_OK, ATT_TCB_SW_HARDENING_NEEDED, ATT_TCB_UP_TO_DATE, "INTEL-SA-00615",
         "2024-03-13T00:00:00Z"},
        {5, 1, 3, 13, 8, ATT_OK, ATT_TCB_CONFIGURATION_NEEDED, ATT_TCB_UP_TO_DATE,
         "INTEL-SA-00289,INTEL-SA-00615", "2023-08-09T00:00:00Z"},
        {5, -1, 0, 12, 8, ATT_OK, ATT_TCB_OUT_OF_DATE, ATT_TCB_UP_TO_DATE,
         "INTEL-SA-00828,INTEL-SA-00615", "2023-02-15T00:00:00Z"},
        {2, -1, 0, 11, 8, ATT_OK, ATT_TCB_OUT_OF_DATE, ATT_TCB_UP_TO_DATE,
         "INTEL-SA-00828,INTEL-SA-00615", "2023-02-15T00:00:00Z"},
        {5, 0, 1, 13, 8, ATT_EREVOKED, ATT_TCB_REVOKED, ATT_TCB_UP_TO_DATE, "INTEL-SA-00233",
         "2018-01-04T00:00:00Z"},
        /* QE convergence: QE OutOfDate turns UpToDate into OutOfDate and
         * ConfigurationNeeded into OutOfDateConfigurationNeeded (platform advisories kept) */
        {5, -1, 0, 13, 7, ATT_OK, ATT_TCB_OUT_OF_DATE, ATT_TCB_OUT_OF_DATE, "",
         "2024-03-13T00:00:00Z"},
        {5, 1, 3, 13, 6, ATT_OK, ATT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED, ATT_TCB_OUT_OF_DATE,
         "INTEL-SA-00289,INTEL-SA-00615", "2023-08-09T00:00:00Z"},
        {5, -1, 0, 13, 2, ATT_EREVOKED, ATT_TCB_REVOKED, ATT_TCB_REVOKED, "",
         "2024-03-13T00:00:00Z"},
        /* nothing matches */
        {0, -1, 0, 13, 8, ATT_EUNSUPPORTED, ATT_TCB_NOT_SUPPORTED, ATT_TCB_UP_TO_DATE, "", NULL},
        {5, -1, 0, 4, 8, ATT_EUNSUPPORTED, ATT_TCB_NOT_SUPPORTED, ATT_TCB_UP_TO_DATE, "", NULL},
        {5, -1, 0, 13, 1, ATT_EUNSUPPORTED, ATT_TCB_NOT_SUPPORTED, ATT_TCB_NOT_SUPPORTED, "",
         "2024-03-13T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sgx_synth_params p;
        sgx_synth s;
        att__quote_result r;
        att_diag d;
        sgx_synth_defaults(&p, AT);
        memset(p.ext.comp_svn, cases[i].svn, 16);
        if (cases[i].low_comp >= 0)
            p.ext.comp_svn[cases[i].low_comp] = cases[i].low_svn;
        p.ext.pcesvn = cases[i].pcesvn;
        p.qe.isvsvn = cases[i].qe_isvsvn;
        print_message("case %zu: ", i);
        int rc = build_verify(&p, &s, &r, &d);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(r.status, cases[i].status);
        assert_int_equal(r.qe_status, cases[i].qe_status);
        assert_advisories(&r, cases[i].advisories);
        if (cases[i].date)
            assert_string_equal(r.tcb_date_str, cases[i].date);
        else
            assert_null(r.tcb_date_str);
        if (rc == ATT_EREVOKED) {
            assert_string_equal(d.reason, "quote.tcb.revoked");
            assert_msg(&d, cases[i].qe_status == ATT_TCB_REVOKED ? "QE identity level"
                                                                 : "platform TCB level");
        } else if (rc == ATT_EUNSUPPORTED) {
            assert_string_equal(d.reason, "quote.tcb.not_supported");
        }
        assert_int_equal(r.verdict, rc == ATT_OK ? ATT_QUOTE_VERIFIED : ATT_QUOTE_REJECTED);
        sgx_synth_free(&s);
    }
}

/* Collateral expired (or not yet valid) at the verification time. */
static void collateral_expired(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att__quote_result r;
    att_diag d;

    sgx_synth_defaults(&p, AT);
    p.tcb.next_update = AT - 60;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.expired");
    assert_string_equal(d.field, "tcb_info.nextUpdate");
    assert_string_equal(d.message, "collateral expired: TCB info nextUpdate 2025-11-23T12:12:20Z "
                                   "is before 2025-11-23T12:13:20Z");
    assert_int_equal(r.verdict, ATT_QUOTE_REJECTED);
    sgx_synth_free(&s);

    sgx_synth_defaults(&p, AT);
    p.qe_id.next_update = AT - 60;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.field, "qe_identity.nextUpdate");
    sgx_synth_free(&s);

    sgx_synth_defaults(&p, AT);
    p.tcb.issue_date = AT + 60;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.not_yet_valid");
    assert_string_equal(d.field, "tcb_info.issueDate");
    sgx_synth_free(&s);

    /* a clean set used past its window and before it */
    sgx_synth_defaults(&p, AT);
    sgx_synth_build(&p, &s);
    assert_int_equal(sgx_synth_verify(&s, AT + 29 * SYNTH_DAY + 1, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.expired");
    assert_string_equal(d.field, "tcb_info.nextUpdate");
    assert_int_equal(sgx_synth_verify(&s, AT - SYNTH_DAY - 1, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "collateral.not_yet_valid");
    sgx_synth_free(&s);

    /* the PCK CA certificate expired (the window names it) */
    sgx_synth_defaults(&p, AT);
    p.pck_ca.not_after = AT - 60;
    p.pck.not_after = AT - 120;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.field, "PCK CA certificate");
    sgx_synth_free(&s);

    /* the PCK leaf expired: not collateral, the chain check says so */
    sgx_synth_defaults(&p, AT);
    p.pck.not_after = AT - 60;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "quote.pck_chain.expired");
    assert_msg(&d, "certificate expired");
    sgx_synth_free(&s);
}

/* Zero and negative serial numbers (real PCK certificates have them) verify, and revoke
 * as exactly the serial they are. */
static void odd_serials(void **state)
{
    (void)state;
    static const struct {
        const char *serial, *printed, *other; /* other: a serial that is not this one */
    } cases[] = {{"0", "0", "100"}, {"-2a", "-2a", "2a"}, {"-80", "-80", "80"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sgx_synth_params p;
        sgx_synth s;
        att__quote_result r;
        att_diag d;
        char want[160];
        sgx_synth_defaults(&p, AT);
        p.pck.serial = cases[i].serial;
        p.pck_crl.revoked[0] = cases[i].other;
        p.pck_crl.n_revoked = 1;
        assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK);
        assert_int_equal(r.status, ATT_TCB_UP_TO_DATE);
        assert_string_equal(s.pck_serial, cases[i].printed);
        sgx_synth_free(&s);

        p.pck_crl.revoked[1] = cases[i].serial;
        p.pck_crl.n_revoked = 2;
        assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EREVOKED);
        snprintf(want, sizeof(want),
                 "PCK certificate revoked by Intel SGX PCK Processor CA CRL (serial %s)",
                 cases[i].printed);
        assert_string_equal(d.message, want);
        sgx_synth_free(&s);
    }
}

/* New collateral for the same platform after a verification the chain cache remembers: a
 * revocation in a new PCK CRL and a TCB recovery in a new TCB info take effect at once, and
 * the earlier collateral still gives the earlier answer. */
static void reissued_collateral(void **state)
{
    (void)state;
    sgx_synth_params p, later;
    sgx_synth s;
    att__quote_result r;
    att_diag d;
    sgx_synth_defaults(&p, AT);
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK);
    assert_int_equal(sgx_synth_verify(&s, AT, &r, &d), ATT_OK); /* cached now */

    later = p;
    later.pck_crl.revoked[0] = p.pck.serial;
    later.pck_crl.n_revoked = 1;
    sgx_synth_reissue_collateral(&s, &later);
    assert_int_equal(sgx_synth_verify(&s, AT, &r, &d), ATT_EREVOKED);
    assert_string_equal(d.reason, "quote.pck_chain.revoked");

    /* TCB recovery: a new top level needs component SVNs 6; the PCK's 5 are now OutOfDate
     * (the old top level, re-published with that status) */
    later = p;
    later.tcb.eval_number = 18;
    memmove(&later.tcb.levels[1], &later.tcb.levels[0], 4 * sizeof(later.tcb.levels[0]));
    memset(later.tcb.levels[0].comp_svn, 6, 16);
    later.tcb.levels[0].date = "2025-11-12T00:00:00Z";
    later.tcb.levels[1].status = "OutOfDate";
    later.tcb.levels[1].advisories[0] = "INTEL-SA-01234";
    later.tcb.levels[1].n_advisories = 1;
    later.tcb.n_levels = 5;
    sgx_synth_reissue_collateral(&s, &later);
    assert_int_equal(sgx_synth_verify(&s, AT, &r, &d), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_OUT_OF_DATE);
    assert_advisories(&r, "INTEL-SA-01234");
    assert_string_equal(r.tcb_date_str, "2024-03-13T00:00:00Z");

    sgx_synth_reissue_collateral(&s, &p);
    assert_int_equal(sgx_synth_verify(&s, AT, &r, &d), ATT_OK);
    assert_int_equal(r.status, ATT_TCB_UP_TO_DATE);
    sgx_synth_free(&s);
}

/* QE authentication data of other lengths than Intel's 32 bytes are bound as well. */
static void qe_auth_data_lengths(void **state)
{
    (void)state;
    static const uint16_t lens[] = {0, 1, 64};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        sgx_synth_params p;
        sgx_synth s;
        att__quote_result r;
        att_diag d;
        sgx_synth_defaults(&p, AT);
        p.qe.auth_len = lens[i];
        memset(p.qe.auth_data, 0xa5, sizeof(p.qe.auth_data));
        assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK);
        att__quote q;
        assert_int_equal(att__quote_parse(s.quote, s.quote_len, &q, &d), ATT_OK);
        assert_int_equal(q.qe_auth_len, lens[i]);
        sgx_synth_free(&s);
    }
}

/* The anchors decide: a root named like Intel's but with another key is not trusted, for
 * the collateral or for the quote. */
static void other_anchor(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att__quote_result r;
    att_diag d;
    att__cert *intel[2];
    tu_load_roots(intel);
    sgx_synth_defaults(&p, AT);
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_OK);

    att__dcap_collateral *col = NULL;
    att_diag_clear(&d);
    assert_int_equal(att__dcap_collateral_load_json(s.collateral, s.collateral_len,
                                                    (const att__cert *const *)intel, 2, &col, &d),
                     ATT_ECHAIN);
    assert_null(col);
    assert_string_equal(d.reason, "collateral.chain.untrusted_root");

    /* the synthetic collateral (loaded under the synthetic root) with Intel's roots */
    att__quote q;
    assert_int_equal(att__quote_parse(s.quote, s.quote_len, &q, &d), ATT_OK);
    att_diag_clear(&d);
    assert_int_equal(att__quote_verify(&q, s.col, (const att__cert *const *)intel, 2, AT, &r, &d),
                     ATT_ECHAIN);
    assert_string_equal(d.reason, "quote.pck_chain.untrusted_root");
    assert_int_equal(r.verdict, ATT_QUOTE_REJECTED);
    tu_free_roots(intel);
    sgx_synth_free(&s);

    /* the quote's chain ends in a root of the same name but another key: the path to the
     * anchor does not use it, the check of the chain's root refuses it */
    sgx_synth_defaults(&p, AT);
    p.quote_root_other_key = 1;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_ECHAIN);
    assert_string_equal(d.reason, "quote.pck_chain.untrusted_root");
    assert_msg(&d, "PCK certificate chain: its root certificate (C=US,ST=CA,L=Santa "
                   "Clara,O=Intel Corporation,CN=Intel SGX Root CA) is not a trusted anchor");
    sgx_synth_free(&s);
}

/* The PCK certificate's FMSPC and PCE-ID must be the TCB info's. */
static void platform_mismatch(void **state)
{
    (void)state;
    sgx_synth_params p;
    sgx_synth s;
    att__quote_result r;
    att_diag d;
    sgx_synth_defaults(&p, AT);
    p.ext.fmspc[5] = 0x01;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "collateral.tcb_info.fmspc");
    assert_string_equal(d.expected, "00906ed50000");
    assert_string_equal(d.found, "00906ed50001");
    sgx_synth_free(&s);

    sgx_synth_defaults(&p, AT);
    p.ext.pce_id[1] = 0x02;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "collateral.tcb_info.pceid");
    assert_string_equal(d.message, "TCB info is for PCE-ID 0000, the PCK certificate has 0002");
    sgx_synth_free(&s);

    /* a PCK certificate not valid yet */
    sgx_synth_defaults(&p, AT);
    p.pck.not_before = AT + 60;
    assert_int_equal(build_verify(&p, &s, &r, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "quote.pck_chain.not_yet_valid");
    sgx_synth_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_quote_verifies),
        cmocka_unit_test(pck_revoked_by_pck_crl),
        cmocka_unit_test(pck_ca_revoked_by_root_crl),
        cmocka_unit_test(crl_expired_or_not_yet_valid),
        cmocka_unit_test(crl_signed_by_wrong_key),
        cmocka_unit_test(json_signature_invalid),
        cmocka_unit_test(tcb_signer_revoked),
        cmocka_unit_test(qe_identity_mismatch),
        cmocka_unit_test(tcb_statuses),
        cmocka_unit_test(collateral_expired),
        cmocka_unit_test(odd_serials),
        cmocka_unit_test(reissued_collateral),
        cmocka_unit_test(qe_auth_data_lengths),
        cmocka_unit_test(other_anchor),
        cmocka_unit_test(platform_mismatch),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    att__quote_cache_clear();
    return rc;
}
