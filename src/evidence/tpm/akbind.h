/* Binding an attestation key (AK) to a TPM (reference/tpm.md §1.6):
 *  (a) an AK certificate issued by an operator-trusted CA (GCE, Azure) whose public key is
 *      the AK's public key;
 *  (b) an EK certificate chained to operator-configured EK CAs, plus credential
 *      activation: the server runs TPM2_MakeCredential against the EK public and the AK's
 *      Name, the TPM returns the secret only if it holds both the EK and a key with that
 *      exact Name (which covers the AK's attributes), and the server checks the returned
 *      secret and that the quoting AK is the one the credential was made for.
 *
 * Ownership: certificates, keys and chain options are borrowed. att__tpm_challenge is
 * plain caller-owned storage holding a secret: clear it with att__tpm_challenge_clear
 * (it cleanses the secret). No function reads the clock: chain checks take the time in
 * att__chain_opts.at. */
#ifndef ATT_EVIDENCE_TPM_AKBIND_H
#define ATT_EVIDENCE_TPM_AKBIND_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "crypto/crypto.h"
#include "evidence/tpm/quote.h"

/* EK certificate NV indexes (TCG EK Credential Profile, low range). */
#define ATT_TPM_NV_EK_CERT_RSA2048  0x01c00002u
#define ATT_TPM_NV_EK_CERT_ECC_P256 0x01c0000au
/* High range. */
#define ATT_TPM_NV_EK_CERT_RSA2048_HI  0x01c00012u
#define ATT_TPM_NV_EK_CERT_ECC_P256_HI 0x01c00014u
#define ATT_TPM_NV_EK_CERT_ECC_P384_HI 0x01c00016u
/* Cloud AK certificates: GCE RSA / ECC, Azure. */
#define ATT_TPM_NV_GCE_AK_CERT_RSA 0x01c10000u
#define ATT_TPM_NV_GCE_AK_CERT_ECC 0x01c10002u
#define ATT_TPM_NV_AZURE_AK_CERT   0x01c101d0u

/* The default EK authPolicy, PolicySecret(TPM_RH_ENDORSEMENT), SHA-256. */
extern const uint8_t att__tpm_ek_default_policy[32];

/* ---- (a) AK certificate ---- */

/* Verifies ak_cert -> chain->intermediates -> one of chain->anchors at chain->at
 * (att__chain_verify: signatures, validity, CA constraints, CRLs) and that the
 * certificate's public key equals the AK public key (ak->key). ATT_ECHAIN / ATT_EEXPIRED /
 * ATT_EREVOKED from the chain, ATT_EMISMATCH when the keys differ ("AK certificate key does
 * not match the AK public"). */
int att__tpm_akcert_verify(const att__cert *ak_cert, const att__chain_opts *chain,
                           const att__tpm_public *ak, att_diag *d);

/* ---- (b) EK certificate + credential activation ---- */

/* Checks an EK public area: a restricted decryption key (restricted, decrypt, not sign,
 * fixedTPM, fixedParent), RSA-2048 or ECC P-256/P-384 with an AES-128/256 CFB symmetric
 * parameter (what MakeCredential needs), nameAlg SHA-256/384. */
int att__tpm_ek_check(const att__tpm_public *ek, att_diag *d);

/* Verifies ek_cert -> chain (as att__tpm_akcert_verify) and that its public key equals the
 * EK public (ek->key). EK certificates often carry critical extensions OpenSSL does not
 * know (TPM SAN); the chain check accepts those the TCG profile defines. */
int att__tpm_ekcert_verify(const att__cert *ek_cert, const att__chain_opts *chain,
                           const att__tpm_public *ek, att_diag *d);

/* Largest blobs MakeCredential produces: TPM2B_ID_OBJECT = u16 size || u16 hmac size ||
 * HMAC || encIdentity (u16 || credential), TPM2B_ENCRYPTED_SECRET = u16 size || RSA
 * ciphertext (<= 512 bytes for RSA-4096) or a TPMS_ECC_POINT. */
#define ATT_TPM_CRED_MAX       64
#define ATT_TPM_ID_OBJECT_MAX  (2 + 2 + ATT_HASH_MAX + 2 + ATT_TPM_CRED_MAX)
#define ATT_TPM_ENC_SECRET_MAX (2 + 512)

/* A credential challenge: what the server sends the TPM and what it must keep. */
typedef struct att__tpm_challenge {
    /* sent to the client (marshalled, each with its u16 size prefix) */
    uint8_t id_object[ATT_TPM_ID_OBJECT_MAX]; /* TPM2B_ID_OBJECT (credentialBlob) */
    size_t id_object_len;
    uint8_t enc_secret[ATT_TPM_ENC_SECRET_MAX]; /* TPM2B_ENCRYPTED_SECRET (secret) */
    size_t enc_secret_len;
    /* kept by the server */
    uint8_t credential[ATT_TPM_CRED_MAX]; /* the secret the TPM must give back */
    size_t credential_len;
    uint8_t ak_name[ATT_TPM_NAME_MAX]; /* the Name the credential is bound to */
    size_t ak_name_len;
    uint8_t ek_name[ATT_TPM_NAME_MAX]; /* the EK it was encrypted to */
    size_t ek_name_len;
} att__tpm_challenge;

/* TPM2_MakeCredential in software: for the EK public `ek` (borrowed; RSA: seed encrypted
 * with RSA-OAEP(nameAlg, label "IDENTITY\0"); ECC: ephemeral ECDH and KDFe) and the AK Name
 * ak_name[0..ak_name_len), protect credential[0..cred_len) (1 to the EK nameAlg's digest
 * size: 32 bytes for SHA-256, as the TPM requires; pass NULL to have cred_len random bytes
 * drawn). KDFa(nameAlg, seed, "STORAGE", name) keys
 * AES-CFB (the EK's symmetric key size) with a zero IV over the TPM2B credential;
 * KDFa(nameAlg, seed, "INTEGRITY") keys the HMAC over encIdentity || Name. Fills *out
 * (caller-owned). The AK itself is not checked here: call att__tpm_ak_check on it first. */
int att__tpm_make_credential(const att__tpm_public *ek, const uint8_t *ak_name, size_t ak_name_len,
                             const uint8_t *credential, size_t cred_len, att__tpm_challenge *out,
                             att_diag *d);

/* The challenge in tpm2-tools' file format (tpm2_makecredential -o, read by
 * tpm2_activatecredential -i): u32be 0xBADCC0DE || u32be 1 || TPM2B_ID_OBJECT ||
 * TPM2B_ENCRYPTED_SECRET. Writes into out[0..cap); *n gets the length. */
int att__tpm_challenge_file(const att__tpm_challenge *c, uint8_t *out, size_t cap, size_t *n);

/* Checks the client's answer: the activated secret must equal the credential (constant
 * time) and `ak` (the key the client quotes with; NULL to skip) must have exactly the Name
 * the credential was made for ("AK name 000b.. does not match the activated credential's
 * name 000b.."). ATT_EMISMATCH on either failure. */
int att__tpm_activation_verify(const att__tpm_challenge *c, const uint8_t *activated,
                               size_t activated_len, const att__tpm_public *ak, att_diag *d);

/* Cleanses and zeroes a challenge. NULL is allowed. */
void att__tpm_challenge_clear(att__tpm_challenge *c);

/* ---- building blocks (exposed for tests and the client) ---- */

/* KDFa (SP 800-108 counter mode, HMAC-hash): bits/8 bytes into out.
 *   K(i) = HMAC(key, u32be(i) || label || 0x00 || context_u || context_v || u32be(bits)) */
int att__tpm_kdfa(att__hash_alg alg, const uint8_t *key, size_t key_len, const char *label,
                  const uint8_t *context_u, size_t u_len, const uint8_t *context_v, size_t v_len,
                  uint32_t bits, uint8_t *out);
/* KDFe (SP 800-56A concatenation KDF, TPM form): bits/8 bytes into out.
 *   K(i) = H(u32be(i) || Z || label || 0x00 || party_u || party_v) */
int att__tpm_kdfe(att__hash_alg alg, const uint8_t *z, size_t z_len, const char *label,
                  const uint8_t *party_u, size_t u_len, const uint8_t *party_v, size_t v_len,
                  uint32_t bits, uint8_t *out);

#endif
