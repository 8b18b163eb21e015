/* libattest: attest a machine's TPM to an attestd (or MAA-compatible) service.
 *
 * att_tpm_attest runs the /attest/Tpm protocol (reference/maa.md §1.6): it opens the TPM
 * through a TCTI ("device:/dev/tpmrm0", "swtpm:host=127.0.0.1,port=2321", "mssim:..."),
 * loads the attestation key (AK), asks the service for a challenge — either in the clear
 * (init "aikcert", when an AIK certificate is available) or as a credential only this
 * TPM can activate (init "ekcert": the EK certificate from NV, TPM2_ActivateCredential) —
 * quotes the PCRs over H(request key || 0x00 || challenge), and sends the quote, the PCR
 * values, the TCG event log and the IMA list in a request JWS signed (PS256) by a fresh
 * software request key. The answer is the report JWT, whose `cnf` claim is that key.
 *
 * Errors: functions return 0 or a negative att_err (attest/error.h) and fill the
 * att_diag: for a service refusal, its message. Strings are borrowed; *token is malloc'd
 * (the caller frees it). Not thread-safe on one TPM: a TPM runs one command at a time. */
#ifndef ATTEST_CLIENT_H
#define ATTEST_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NV indexes and handles the client knows. */
#define ATT_TPM_DEFAULT_TCTI      "device:/dev/tpmrm0"
#define ATT_TPM_DEFAULT_EVENTLOG  "/sys/kernel/security/tpm0/binary_bios_measurements"
#define ATT_TPM_DEFAULT_IMA       "/sys/kernel/security/ima/ascii_runtime_measurements"
#define ATT_TPM_DEFAULT_AK_HANDLE 0x81010003u /* where `attest tpm enroll` persists the AK */

typedef struct att_tpm_options {
    const char *tcti;        /* NULL = ATT_TPM_DEFAULT_TCTI */
    uint32_t ak_handle;      /* persistent AK handle to use when present; 0 = a primary AK in
                                the endorsement hierarchy, created for the call */
    const char *eventlog;    /* TCG event log file; NULL = the kernel's when readable; "" = none */
    const char *ima;         /* IMA measurement list file; NULL or "" = none */
    uint32_t pcr_mask;       /* SHA-256 PCRs to quote; 0 = PCR 0-7 (+10 with an IMA list) */
    uint32_t sha1_mask;      /* SHA-1 PCRs to quote as well (0 = none) */
    const char *aik_cert;    /* AIK certificate file (DER or PEM) for init "aikcert"; NULL =
                                the Azure AIK NV index 0x01c101d0 when defined, else init
                                "ekcert" (the EK certificate and credential activation) */
    const char *rp_data;     /* relying-party data (base64url), echoed as rp_data / nonce */
    const char *api_version; /* NULL = "2022-08-01" */
    long timeout_ms;         /* per HTTP request; 0 = 30000 */
    /* Diagnostics and negative tests. */
    const char *init_out;    /* save the init answer (JSON payload) to this file */
    const char *init_in;     /* use this saved init answer instead of asking the service */
    const char *request_out; /* write the request body to this file instead of sending it */
    const char *quote_tcti;  /* quote with the AK of another TPM (must be refused) */
} att_tpm_options;

/* Runs the protocol against the service at base_url ("http://host:port"); on success
 * *token is the report JWT (or NULL when options->request_out was given). */
int att_tpm_attest(const char *base_url, const att_tpm_options *o, char **token, att_diag *d);

/* What enrollment established. */
typedef struct att_tpm_enrollment {
    uint32_t ak_handle;
    char ak_name[2 * 66 + 1]; /* hex Name of the AK */
    char ek_cert_sha256[65];  /* hex, "" when the TPM has no EK certificate */
    int ek_checked;           /* the service accepted the EK certificate and the TPM
                                 activated its credential for this AK (base_url given) */
} att_tpm_enrollment;

/* Creates the AK (if o->ak_handle, or ATT_TPM_DEFAULT_AK_HANDLE, is free) and persists it;
 * with base_url, also proves it to the service (init "ekcert" and credential activation)
 * without attesting. */
int att_tpm_enroll(const char *base_url, const att_tpm_options *o, att_tpm_enrollment *out,
                   att_diag *d);

#ifdef __cplusplus
}
#endif

#endif
