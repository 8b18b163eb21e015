/* Internals of libattest's TPM client (include/attest/client.h): the TPM device layer over
 * ESAPI (tpmdev.c) and the MAA protocol (tpm_client.c). Not installed. */
#ifndef ATT_CLIENT_CLIENT_INT_H
#define ATT_CLIENT_CLIENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"

typedef struct att__tpmdev att__tpmdev;

/* Opens a TPM through a TCTI configuration string ("device:/dev/tpmrm0",
 * "swtpm:host=127.0.0.1,port=2321", "mssim:..."; NULL = "device:/dev/tpmrm0") and sends
 * TPM2_Startup(CLEAR) (an already started TPM is fine). */
int att__tpmdev_open(const char *tcti, att__tpmdev **out, att_diag *d);
/* Flushes every transient object and session this handle loaded, then closes. */
void att__tpmdev_close(att__tpmdev *t);

/* Reads an NV index in full (malloc'd; caller frees). ATT_ENOTFOUND when undefined. */
int att__tpmdev_nv_read(att__tpmdev *t, uint32_t index, uint8_t **out, size_t *n, att_diag *d);
/* Reads a DER certificate stored in NV (padding after the DER length is dropped). */
int att__tpmdev_nv_cert(att__tpmdev *t, uint32_t index, uint8_t **der, size_t *n, att_diag *d);

/* Creates the RSA-2048 EK from the TCG default template (EK Credential Profile L-1) and
 * keeps it loaded; *pub gets its TPM2B_PUBLIC (malloc'd). */
int att__tpmdev_ek(att__tpmdev *t, uint8_t **pub, size_t *n, att_diag *d);
/* Loads the AK: the persistent key at `handle` when non-zero and present, else a primary
 * RSA-2048 restricted signing key (RSASSA-SHA256) in the endorsement hierarchy (the same
 * key every time on the same TPM). *pub gets its TPM2B_PUBLIC (malloc'd). */
int att__tpmdev_ak(att__tpmdev *t, uint32_t handle, uint8_t **pub, size_t *n, att_diag *d);
/* Makes the loaded AK persistent at handle (owner authorization, empty). */
int att__tpmdev_ak_persist(att__tpmdev *t, uint32_t handle, att_diag *d);
/* TPM2_ActivateCredential with the loaded AK and EK (PolicySecret(endorsement) session for
 * the EK): id_object / enc_secret are the marshalled TPM2B blobs. out gets the secret
 * (at most 64 bytes). */
int att__tpmdev_activate(att__tpmdev *t, const uint8_t *id_object, size_t id_len,
                         const uint8_t *enc_secret, size_t sec_len, uint8_t *out, size_t *outlen,
                         att_diag *d);
/* TPM2_Quote with the loaded AK over the SHA-256 bank PCRs in mask (and the SHA-1 bank PCRs
 * in sha1_mask when non-zero); *attest gets the TPMS_ATTEST bytes, *sig the marshalled
 * TPMT_SIGNATURE (both malloc'd). */
int att__tpmdev_quote(att__tpmdev *t, const uint8_t *nonce, size_t nonce_len, uint32_t mask,
                      uint32_t sha1_mask, uint8_t **attest, size_t *attest_len, uint8_t **sig,
                      size_t *sig_len, att_diag *d);
/* Reads the PCRs in mask of bank alg (TPM_ALG_ID): vals[i] for each set bit i; *len gets
 * the digest size. */
int att__tpmdev_pcr_read(att__tpmdev *t, uint16_t alg, uint32_t mask, uint8_t vals[24][64],
                         size_t *len, att_diag *d);

#endif
