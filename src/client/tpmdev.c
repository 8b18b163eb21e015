/* The TPM side of the client (client_int.h): ESAPI over a TCTI loaded by name. Every
 * transient handle is flushed on close: without a resource manager (swtpm, raw
 * /dev/tpm0) leaked objects fill the TPM's slots. */
#include "client/client_int.h"

#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#define DEFAULT_TCTI "device:/dev/tpmrm0"

struct att__tpmdev {
    TSS2_TCTI_CONTEXT *tcti;
    ESYS_CONTEXT *esys;
    ESYS_TR ek, ak;
    int ak_transient; /* created here (flush on close) vs. a persistent handle */
};

static int tss_fail(att_diag *d, TSS2_RC rc, const char *reason, const char *what)
{
    return att_diag_fail(d, ATT_EIO, reason, what, "TPM %s failed: %s", what, Tss2_RC_Decode(rc));
}

int att__tpmdev_open(const char *tcti, att__tpmdev **out, att_diag *d)
{
    *out = NULL;
    att__tpmdev *t = calloc(1, sizeof(*t));
    if (!t)
        return att_diag_fail(d, ATT_ENOMEM, "tpm.memory", "tpm", "out of memory");
    t->ek = t->ak = ESYS_TR_NONE;
    const char *conf = tcti && tcti[0] ? tcti : DEFAULT_TCTI;
    TSS2_RC rc = Tss2_TctiLdr_Initialize(conf, &t->tcti);
    if (rc != TSS2_RC_SUCCESS) {
        free(t);
        return att_diag_fail(d, ATT_EIO, "tpm.tcti", "tcti",
                             "cannot open the TPM through TCTI '%s': %s", conf, Tss2_RC_Decode(rc));
    }
    rc = Esys_Initialize(&t->esys, t->tcti, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        Tss2_TctiLdr_Finalize(&t->tcti);
        free(t);
        return tss_fail(d, rc, "tpm.esys", "ESAPI initialization");
    }
    rc = Esys_Startup(t->esys, TPM2_SU_CLEAR);
    if (rc != TSS2_RC_SUCCESS && (rc & 0xfff) != TPM2_RC_INITIALIZE) {
        att__tpmdev_close(t);
        return tss_fail(d, rc, "tpm.startup", "startup");
    }
    *out = t;
    return ATT_OK;
}

void att__tpmdev_close(att__tpmdev *t)
{
    if (!t)
        return;
    if (t->esys) {
        if (t->ak != ESYS_TR_NONE && t->ak_transient)
            Esys_FlushContext(t->esys, t->ak);
        if (t->ek != ESYS_TR_NONE)
            Esys_FlushContext(t->esys, t->ek);
        Esys_Finalize(&t->esys);
    }
    if (t->tcti)
        Tss2_TctiLdr_Finalize(&t->tcti);
    free(t);
}

int att__tpmdev_nv_read(att__tpmdev *t, uint32_t index, uint8_t **out, size_t *n, att_diag *d)
{
    *out = NULL;
    *n = 0;
    ESYS_TR nv = ESYS_TR_NONE;
    TSS2_RC rc =
        Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
    if (rc != TSS2_RC_SUCCESS)
        return att_diag_fail(d, ATT_ENOTFOUND, "tpm.nv.missing", "nv",
                             "NV index 0x%08x is not defined in this TPM", index);
    TPM2B_NV_PUBLIC *pub = NULL;
    rc = Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        Esys_TR_Close(t->esys, &nv);
        return tss_fail(d, rc, "tpm.nv.public", "NV_ReadPublic");
    }
    size_t size = pub->nvPublic.dataSize;
    Esys_Free(pub);
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        Esys_TR_Close(t->esys, &nv);
        return att_diag_fail(d, ATT_ENOMEM, "tpm.memory", "nv", "out of memory");
    }
    size_t off = 0;
    while (off < size) {
        UINT16 chunk = (UINT16)(size - off > 512 ? 512 : size - off);
        TPM2B_MAX_NV_BUFFER *data = NULL;
        rc = Esys_NV_Read(t->esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, chunk,
                          (UINT16)off, &data);
        if (rc != TSS2_RC_SUCCESS || data->size != chunk) {
            Esys_Free(data);
            free(buf);
            Esys_TR_Close(t->esys, &nv);
            return tss_fail(d, rc, "tpm.nv.read", "NV_Read");
        }
        memcpy(buf + off, data->buffer, chunk);
        Esys_Free(data);
        off += chunk;
    }
    Esys_TR_Close(t->esys, &nv);
    *out = buf;
    *n = size;
    return ATT_OK;
}

int att__tpmdev_nv_cert(att__tpmdev *t, uint32_t index, uint8_t **der, size_t *n, att_diag *d)
{
    int rc = att__tpmdev_nv_read(t, index, der, n, d);
    if (rc != ATT_OK)
        return rc;
    /* SEQUENCE with a long-form length: 30 81 LL or 30 82 LL LL. */
    const uint8_t *p = *der;
    size_t len = 0;
    if (*n >= 4 && p[0] == 0x30 && p[1] == 0x82)
        len = 4 + ((size_t)p[2] << 8 | p[3]);
    else if (*n >= 3 && p[0] == 0x30 && p[1] == 0x81)
        len = 3 + p[2];
    if (len == 0 || len > *n) {
        free(*der);
        *der = NULL;
        *n = 0;
        return att_diag_fail(d, ATT_EPARSE, "tpm.nv.cert", "nv",
                             "NV index 0x%08x does not hold a DER certificate", index);
    }
    *n = len;
    return ATT_OK;
}

static int marshal_public(const TPM2B_PUBLIC *pub, uint8_t **out, size_t *n, att_diag *d)
{
    uint8_t buf[sizeof(TPM2B_PUBLIC)];
    size_t off = 0;
    TSS2_RC rc = Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(buf), &off);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(d, rc, "tpm.marshal", "TPM2B_PUBLIC marshalling");
    *out = malloc(off);
    if (!*out)
        return att_diag_fail(d, ATT_ENOMEM, "tpm.memory", "public", "out of memory");
    memcpy(*out, buf, off);
    *n = off;
    return ATT_OK;
}

/* PolicySecret(TPM_RH_ENDORSEMENT) with SHA-256: the EK's default authPolicy. */
static const uint8_t EK_POLICY[32] = {
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
    0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};

static int create_primary(att__tpmdev *t, const TPM2B_PUBLIC *tmpl, ESYS_TR *h, uint8_t **pub,
                          size_t *n, const char *what, att_diag *d)
{
    TPM2B_SENSITIVE_CREATE sens;
    TPM2B_DATA outside;
    TPML_PCR_SELECTION pcrs;
    memset(&sens, 0, sizeof(sens));
    memset(&outside, 0, sizeof(outside));
    memset(&pcrs, 0, sizeof(pcrs));
    TPM2B_PUBLIC *out = NULL;
    TSS2_RC rc =
        Esys_CreatePrimary(t->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                           ESYS_TR_NONE, &sens, tmpl, &outside, &pcrs, h, &out, NULL, NULL, NULL);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(d, rc, "tpm.create_primary", what);
    int r = marshal_public(out, pub, n, d);
    Esys_Free(out);
    return r;
}

int att__tpmdev_ek(att__tpmdev *t, uint8_t **pub, size_t *n, att_diag *d)
{
    TPM2B_PUBLIC tmpl;
    memset(&tmpl, 0, sizeof(tmpl));
    TPMT_PUBLIC *p = &tmpl.publicArea;
    p->type = TPM2_ALG_RSA;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                          TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                          TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
    p->authPolicy.size = sizeof(EK_POLICY);
    memcpy(p->authPolicy.buffer, EK_POLICY, sizeof(EK_POLICY));
    p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
    p->parameters.rsaDetail.symmetric.keyBits.aes = 128;
    p->parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
    p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    p->parameters.rsaDetail.keyBits = 2048;
    p->parameters.rsaDetail.exponent = 0;
    p->unique.rsa.size = 256; /* all zero, as the template says */
    if (t->ek != ESYS_TR_NONE) {
        Esys_FlushContext(t->esys, t->ek);
        t->ek = ESYS_TR_NONE;
    }
    return create_primary(t, &tmpl, &t->ek, pub, n, "EK creation", d);
}

int att__tpmdev_ak(att__tpmdev *t, uint32_t handle, uint8_t **pub, size_t *n, att_diag *d)
{
    TSS2_RC rc;
    if (handle) {
        ESYS_TR h = ESYS_TR_NONE;
        rc = Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &h);
        if (rc == TSS2_RC_SUCCESS) {
            TPM2B_PUBLIC *out = NULL;
            rc = Esys_ReadPublic(t->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &out, NULL,
                                 NULL);
            if (rc != TSS2_RC_SUCCESS)
                return tss_fail(d, rc, "tpm.ak.read", "ReadPublic of the AK");
            int r = marshal_public(out, pub, n, d);
            Esys_Free(out);
            t->ak = h;
            t->ak_transient = 0;
            return r;
        }
    }
    TPM2B_PUBLIC tmpl;
    memset(&tmpl, 0, sizeof(tmpl));
    TPMT_PUBLIC *p = &tmpl.publicArea;
    p->type = TPM2_ALG_RSA;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                          TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                          TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
    p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
    p->parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    p->parameters.rsaDetail.keyBits = 2048;
    p->parameters.rsaDetail.exponent = 0;
    t->ak_transient = 1;
    return create_primary(t, &tmpl, &t->ak, pub, n, "AK creation", d);
}

int att__tpmdev_ak_persist(att__tpmdev *t, uint32_t handle, att_diag *d)
{
    if (t->ak == ESYS_TR_NONE || !t->ak_transient)
        return ATT_OK; /* already persistent */
    ESYS_TR out = ESYS_TR_NONE;
    TSS2_RC rc = Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, t->ak, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                   ESYS_TR_NONE, handle, &out);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(d, rc, "tpm.ak.persist", "EvictControl (persisting the AK)");
    Esys_FlushContext(t->esys, t->ak);
    t->ak = out;
    t->ak_transient = 0;
    return ATT_OK;
}

int att__tpmdev_activate(att__tpmdev *t, const uint8_t *id_object, size_t id_len,
                         const uint8_t *enc_secret, size_t sec_len, uint8_t *out, size_t *outlen,
                         att_diag *d)
{
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET secret;
    memset(&blob, 0, sizeof(blob));
    memset(&secret, 0, sizeof(secret));
    size_t o1 = 0, o2 = 0;
    if (Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(id_object, id_len, &o1, &blob) != TSS2_RC_SUCCESS ||
        o1 != id_len ||
        Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(enc_secret, sec_len, &o2, &secret) !=
            TSS2_RC_SUCCESS ||
        o2 != sec_len)
        return att_diag_fail(d, ATT_EPARSE, "tpm.credential", "credential",
                             "the service's credential is not a TPM2B_ID_OBJECT and a "
                             "TPM2B_ENCRYPTED_SECRET");
    if (t->ek == ESYS_TR_NONE || t->ak == ESYS_TR_NONE)
        return att_diag_fail(d, ATT_EINVAL, "tpm.credential", "credential",
                             "credential activation needs the EK and the AK loaded");
    ESYS_TR s = ESYS_TR_NONE;
    TPMT_SYM_DEF sym = {.algorithm = TPM2_ALG_NULL};
    TSS2_RC rc =
        Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                              ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &s);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(d, rc, "tpm.session", "StartAuthSession");
    rc = Esys_PolicySecret(t->esys, ESYS_TR_RH_ENDORSEMENT, s, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                           ESYS_TR_NONE, NULL, NULL, NULL, 0, NULL, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        Esys_FlushContext(t->esys, s);
        return tss_fail(d, rc, "tpm.session", "PolicySecret(endorsement)");
    }
    TPM2B_DIGEST *cert = NULL;
    rc = Esys_ActivateCredential(t->esys, t->ak, t->ek, ESYS_TR_PASSWORD, s, ESYS_TR_NONE, &blob,
                                 &secret, &cert);
    Esys_FlushContext(t->esys, s);
    if (rc != TSS2_RC_SUCCESS)
        return att_diag_fail(d, ATT_EMISMATCH, "tpm.activate", "credential",
                             "the TPM refused to activate the service's credential (%s): the "
                             "AK is not in the TPM that owns this EK, or the credential was made "
                             "for another key",
                             Tss2_RC_Decode(rc));
    if (cert->size > 64) {
        Esys_Free(cert);
        return att_diag_fail(d, ATT_EPARSE, "tpm.activate", "credential", "credential too long");
    }
    memcpy(out, cert->buffer, cert->size);
    *outlen = cert->size;
    Esys_Free(cert);
    return ATT_OK;
}

int att__tpmdev_quote(att__tpmdev *t, const uint8_t *nonce, size_t nonce_len, uint32_t mask,
                      uint32_t sha1_mask, uint8_t **attest, size_t *attest_len, uint8_t **sig,
                      size_t *sig_len, att_diag *d)
{
    *attest = *sig = NULL;
    TPM2B_DATA q;
    memset(&q, 0, sizeof(q));
    if (nonce_len > sizeof(q.buffer))
        return att_diag_fail(d, ATT_EINVAL, "tpm.quote", "nonce", "nonce too long");
    q.size = (UINT16)nonce_len;
    memcpy(q.buffer, nonce, nonce_len);
    TPML_PCR_SELECTION sel;
    memset(&sel, 0, sizeof(sel));
    uint32_t masks[2] = {sha1_mask, mask};
    TPMI_ALG_HASH algs[2] = {TPM2_ALG_SHA1, TPM2_ALG_SHA256};
    for (int b = 0; b < 2; b++) {
        if (!masks[b])
            continue;
        TPMS_PCR_SELECTION *s = &sel.pcrSelections[sel.count++];
        s->hash = algs[b];
        s->sizeofSelect = 3;
        s->pcrSelect[0] = (uint8_t)masks[b];
        s->pcrSelect[1] = (uint8_t)(masks[b] >> 8);
        s->pcrSelect[2] = (uint8_t)(masks[b] >> 16);
    }
    TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_NULL};
    TPM2B_ATTEST *quoted = NULL;
    TPMT_SIGNATURE *signature = NULL;
    TSS2_RC rc = Esys_Quote(t->esys, t->ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &q,
                            &scheme, &sel, &quoted, &signature);
    if (rc != TSS2_RC_SUCCESS)
        return tss_fail(d, rc, "tpm.quote", "Quote");
    uint8_t buf[sizeof(TPMT_SIGNATURE)];
    size_t off = 0;
    int r = ATT_OK;
    if (Tss2_MU_TPMT_SIGNATURE_Marshal(signature, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
        r = att_diag_fail(d, ATT_EINTERNAL, "tpm.marshal", "signature",
                          "cannot marshal the quote signature");
    if (r == ATT_OK &&
        (!(*attest = malloc(quoted->size ? quoted->size : 1)) || !(*sig = malloc(off)))) {
        free(*attest);
        *attest = NULL;
        r = att_diag_fail(d, ATT_ENOMEM, "tpm.memory", "quote", "out of memory");
    }
    if (r == ATT_OK) {
        memcpy(*attest, quoted->attestationData, quoted->size);
        *attest_len = quoted->size;
        memcpy(*sig, buf, off);
        *sig_len = off;
    }
    Esys_Free(quoted);
    Esys_Free(signature);
    return r;
}

int att__tpmdev_pcr_read(att__tpmdev *t, uint16_t alg, uint32_t mask, uint8_t vals[24][64],
                         size_t *len, att_diag *d)
{
    uint32_t left = mask;
    *len = 0;
    while (left) {
        TPML_PCR_SELECTION sel;
        memset(&sel, 0, sizeof(sel));
        sel.count = 1;
        sel.pcrSelections[0].hash = alg;
        sel.pcrSelections[0].sizeofSelect = 3;
        sel.pcrSelections[0].pcrSelect[0] = (uint8_t)left;
        sel.pcrSelections[0].pcrSelect[1] = (uint8_t)(left >> 8);
        sel.pcrSelections[0].pcrSelect[2] = (uint8_t)(left >> 16);
        TPML_PCR_SELECTION *got = NULL;
        TPML_DIGEST *dig = NULL;
        TSS2_RC rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, NULL,
                                   &got, &dig);
        if (rc != TSS2_RC_SUCCESS)
            return tss_fail(d, rc, "tpm.pcr_read", "PCR_Read");
        uint32_t read = 0;
        if (got->count == 1)
            read = (uint32_t)got->pcrSelections[0].pcrSelect[0] |
                   (uint32_t)got->pcrSelections[0].pcrSelect[1] << 8 |
                   (uint32_t)got->pcrSelections[0].pcrSelect[2] << 16;
        read &= left;
        uint32_t k = 0;
        for (unsigned i = 0; i < 24 && k < dig->count; i++) {
            if (!(read & (1u << i)))
                continue;
            if (dig->digests[k].size > 64)
                break;
            memcpy(vals[i], dig->digests[k].buffer, dig->digests[k].size);
            *len = dig->digests[k].size;
            k++;
        }
        Esys_Free(got);
        Esys_Free(dig);
        if (read == 0)
            return att_diag_fail(d, ATT_ENOTFOUND, "tpm.pcr_read", "pcrs",
                                 "the TPM has no active PCR bank 0x%04x for the requested PCRs",
                                 alg);
        left &= ~read;
    }
    return ATT_OK;
}
