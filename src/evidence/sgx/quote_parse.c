/* DCAP quote parsing (quote.h): header, SGX/TD report bodies, v5 body descriptor and the
 * signature data with its certification data nesting, all through the bounded cursor. */
#include "evidence/sgx/quote.h"

#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "core/limits.h"

/* Records "quote.<field>: needs N bytes, M present" and returns ATT_ETRUNC. */
static int trunc_fail(att_diag *d, const char *field, size_t need, size_t have)
{
    char reason[ATT_DIAG_REASON_MAX];
    snprintf(reason, sizeof(reason), "quote.%s", field);
    return att_diag_fail(d, ATT_ETRUNC, reason, field, "quote.%s: needs %zu bytes, %zu present",
                         field, need, have);
}

/* Takes the next n bytes of c as field `field`, or fails naming it. */
static int take(att__cursor *c, size_t n, const uint8_t **p, const char *field, att_diag *d)
{
    if (att__cur_bytes(c, n, p) != ATT_OK)
        return trunc_fail(d, field, n, att__cur_remaining(c));
    return ATT_OK;
}

static int take_u16(att__cursor *c, uint16_t *v, const char *field, att_diag *d)
{
    if (att__cur_u16le(c, v) != ATT_OK)
        return trunc_fail(d, field, 2, att__cur_remaining(c));
    return ATT_OK;
}

static int take_u32(att__cursor *c, uint32_t *v, const char *field, att_diag *d)
{
    if (att__cur_u32le(c, v) != ATT_OK)
        return trunc_fail(d, field, 4, att__cur_remaining(c));
    return ATT_OK;
}

/* Splits a length-prefixed region: the length was already read into len. */
static int take_sub(att__cursor *c, size_t len, att__cursor *sub, const char *field, att_diag *d)
{
    if (att__cur_sub(c, len, sub) != ATT_OK) {
        char reason[ATT_DIAG_REASON_MAX];
        snprintf(reason, sizeof(reason), "quote.%s", field);
        return att_diag_fail(d, ATT_ETRUNC, reason, field,
                             "quote.%s: declares %zu bytes, %zu present", field, len,
                             att__cur_remaining(c));
    }
    return ATT_OK;
}

/* Decodes a 384-byte SGX report body (raw is exactly 384 bytes; borrowed by r). */
static void parse_sgx_report(const uint8_t *raw, att__sgx_report *r)
{
    att__cursor c;
    const uint8_t *skip;
    memset(r, 0, sizeof(*r));
    att__cur_init(&c, raw, ATT_SGX_REPORT_BODY_SIZE);
    r->raw = raw;
    /* The sizes below add up to 384, so none of these reads can fail. */
    (void)att__cur_bytes(&c, 16, &r->cpusvn);
    (void)att__cur_bytes(&c, 4, &r->miscselect_raw);
    (void)att__cur_bytes(&c, 12, &skip);
    (void)att__cur_bytes(&c, 16, &r->isv_ext_prod_id);
    (void)att__cur_bytes(&c, 16, &r->attributes);
    (void)att__cur_bytes(&c, 32, &r->mrenclave);
    (void)att__cur_bytes(&c, 32, &skip);
    (void)att__cur_bytes(&c, 32, &r->mrsigner);
    (void)att__cur_bytes(&c, 32, &skip);
    (void)att__cur_bytes(&c, 64, &r->config_id);
    (void)att__cur_u16le(&c, &r->isvprodid);
    (void)att__cur_u16le(&c, &r->isvsvn);
    (void)att__cur_u16le(&c, &r->config_svn);
    (void)att__cur_bytes(&c, 42, &skip);
    (void)att__cur_bytes(&c, 16, &r->isv_family_id);
    (void)att__cur_bytes(&c, 64, &r->report_data);

    att__cursor m;
    att__cur_init(&m, r->miscselect_raw, 4);
    (void)att__cur_u32le(&m, &r->miscselect);
    att__cur_init(&m, r->attributes, 8);
    (void)att__cur_u64le(&m, &r->flags);
    r->debug = (r->flags & 2u) != 0;
}

/* Decodes a TD report body of `size` bytes (584 or 648; borrowed by t). */
static void parse_td_report(const uint8_t *raw, size_t size, att__td_report *t)
{
    att__cursor c;
    memset(t, 0, sizeof(*t));
    att__cur_init(&c, raw, size);
    t->raw = raw;
    t->size = size;
    (void)att__cur_bytes(&c, 16, &t->tee_tcb_svn);
    (void)att__cur_bytes(&c, 48, &t->mrseam);
    (void)att__cur_bytes(&c, 48, &t->mrsignerseam);
    (void)att__cur_bytes(&c, 8, &t->seam_attributes);
    (void)att__cur_bytes(&c, 8, &t->td_attributes);
    (void)att__cur_bytes(&c, 8, &t->xfam);
    (void)att__cur_bytes(&c, 48, &t->mrtd);
    (void)att__cur_bytes(&c, 48, &t->mrconfigid);
    (void)att__cur_bytes(&c, 48, &t->mrowner);
    (void)att__cur_bytes(&c, 48, &t->mrownerconfig);
    for (int i = 0; i < 4; i++)
        (void)att__cur_bytes(&c, 48, &t->rtmr[i]);
    (void)att__cur_bytes(&c, 64, &t->report_data);
    if (size == ATT_TD15_REPORT_BODY_SIZE) {
        (void)att__cur_bytes(&c, 16, &t->tee_tcb_svn2);
        (void)att__cur_bytes(&c, 48, &t->mrservicetd);
    }
    t->debug = (t->td_attributes[0] & 1u) != 0;
}

static uint32_t body_size_of(att__quote_body_type t)
{
    switch (t) {
    case ATT_QUOTE_BODY_SGX:
        return ATT_SGX_REPORT_BODY_SIZE;
    case ATT_QUOTE_BODY_TD10:
        return ATT_TD10_REPORT_BODY_SIZE;
    case ATT_QUOTE_BODY_TD15:
        return ATT_TD15_REPORT_BODY_SIZE;
    }
    return 0;
}

/* Header and body: fills q up to signed_region/signed_len. */
static int parse_header_body(att__cursor *c, att__quote *q, att_diag *d)
{
    int rc;
    if ((rc = take_u16(c, &q->version, "header.version", d)) ||
        (rc = take_u16(c, &q->att_key_type, "header.att_key_type", d)) ||
        (rc = take_u32(c, &q->tee_type, "header.tee_type", d)) ||
        (rc = take_u16(c, &q->qe_svn, "header.qe_svn", d)) ||
        (rc = take_u16(c, &q->pce_svn, "header.pce_svn", d)) ||
        (rc = take(c, 16, &q->qe_vendor_id, "header.qe_vendor_id", d)) ||
        (rc = take(c, 20, &q->user_data, "header.user_data", d)))
        return rc;
    if (q->version < 3 || q->version > 5)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.header.version", "header.version",
                             "quote.header.version: %u is not supported (3, 4 or 5)", q->version);
    if (q->att_key_type != ATT_QUOTE_ATT_KEY_ECDSA256)
        return att_diag_fail(
            d, ATT_EUNSUPPORTED, "quote.header.att_key_type", "header.att_key_type",
            "quote.header.att_key_type: %u is not supported (2 = ECDSA P-256)", q->att_key_type);
    if (q->tee_type != ATT_TEE_SGX && q->tee_type != ATT_TEE_TDX)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.header.tee_type", "header.tee_type",
                             "quote.header.tee_type: 0x%x is neither SGX (0) nor TDX (0x81)",
                             (unsigned)q->tee_type);
    if (q->version == 3 && q->tee_type != ATT_TEE_SGX)
        return att_diag_fail(d, ATT_EPARSE, "quote.header.tee_type", "header.tee_type",
                             "quote.header.tee_type: 0x%x in a version 3 quote (SGX only)",
                             (unsigned)q->tee_type);

    if (q->version == 5) {
        uint16_t bt;
        if ((rc = take_u16(c, &bt, "body.type", d)) ||
            (rc = take_u32(c, &q->body_size, "body.size", d)))
            return rc;
        if (bt < ATT_QUOTE_BODY_SGX || bt > ATT_QUOTE_BODY_TD15)
            return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.body.type", "body.type",
                                 "quote.body.type: %u is not 1 (SGX), 2 (TD 1.0) or 3 (TD 1.5)",
                                 bt);
        q->body_type = (att__quote_body_type)bt;
        if (q->body_size != body_size_of(q->body_type))
            return att_diag_fail(d, ATT_EPARSE, "quote.body.size", "body.size",
                                 "quote.body.size: %u for body type %u, expected %u",
                                 (unsigned)q->body_size, bt, (unsigned)body_size_of(q->body_type));
        if ((q->tee_type == ATT_TEE_SGX) != (q->body_type == ATT_QUOTE_BODY_SGX))
            return att_diag_fail(d, ATT_EPARSE, "quote.body.type", "body.type",
                                 "quote.body.type: %u does not fit TEE type 0x%x", bt,
                                 (unsigned)q->tee_type);
    } else {
        q->body_type = q->tee_type == ATT_TEE_SGX ? ATT_QUOTE_BODY_SGX : ATT_QUOTE_BODY_TD10;
        q->body_size = body_size_of(q->body_type);
    }

    const uint8_t *body;
    if ((rc = take(c, q->body_size, &body, "body", d)))
        return rc;
    if (q->body_type == ATT_QUOTE_BODY_SGX)
        parse_sgx_report(body, &q->enclave);
    else
        parse_td_report(body, q->body_size, &q->td);
    q->signed_region = q->data;
    q->signed_len = c->off;
    return ATT_OK;
}

/* QE report || QE report signature || QE auth data || certification data (type, size,
 * data): the v3 signature data tail and the v4/v5 type-6 payload. The cursor must end
 * exactly after the certification data. `where` prefixes field names. */
static int parse_qe_part(att__cursor *c, att__quote *q, int v3, att_diag *d)
{
    int rc;
    const char *pfx = v3 ? "signature_data" : "qe_cert_data";
    char f[64];
    snprintf(f, sizeof(f), "%s.qe_report", pfx);
    if ((rc = take(c, ATT_SGX_REPORT_BODY_SIZE, &q->qe_report_raw, f, d)))
        return rc;
    parse_sgx_report(q->qe_report_raw, &q->qe_report);
    snprintf(f, sizeof(f), "%s.qe_report_signature", pfx);
    if ((rc = take(c, 64, &q->qe_report_sig, f, d)))
        return rc;
    snprintf(f, sizeof(f), "%s.qe_auth_data_len", pfx);
    if ((rc = take_u16(c, &q->qe_auth_len, f, d)))
        return rc;
    snprintf(f, sizeof(f), "%s.qe_auth_data", pfx);
    if ((rc = take(c, q->qe_auth_len, &q->qe_auth_data, f, d)))
        return rc;
    snprintf(f, sizeof(f), "%s.cert_type", pfx);
    if ((rc = take_u16(c, &q->cert_type, f, d)))
        return rc;
    snprintf(f, sizeof(f), "%s.cert_data_len", pfx);
    if ((rc = take_u32(c, &q->cert_len, f, d)))
        return rc;
    snprintf(f, sizeof(f), "%s.cert_data", pfx);
    if ((rc = take(c, q->cert_len, &q->cert_data, f, d)))
        return rc;
    if (q->cert_type < 1 || q->cert_type > 5)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.cert_type", "cert_type",
                             "quote.%s.cert_type: %u is not a PCK certification data type (1..5)",
                             pfx, q->cert_type);
    if (att__cur_remaining(c) != 0)
        return att_diag_fail(d, ATT_EPARSE, "quote.signature_data", pfx,
                             "quote.%s: %zu bytes left after the certification data", pfx,
                             att__cur_remaining(c));
    return ATT_OK;
}

int att__quote_parse(const uint8_t *data, size_t n, att__quote *q, att_diag *d)
{
    memset(q, 0, sizeof(*q));
    if (!data)
        return att_diag_fail(d, ATT_EINVAL, "quote.args", "", "no quote given");
    if (n > ATT_MAX_EVIDENCE)
        return att_diag_fail(d, ATT_ELIMIT, "quote.size", "quote",
                             "quote of %zu bytes exceeds the limit of %u", n, ATT_MAX_EVIDENCE);
    att__cursor c;
    att__cur_init(&c, data, n);
    q->data = data;
    int rc = parse_header_body(&c, q, d);
    if (rc)
        return rc;
    if ((rc = take_u32(&c, &q->sig_data_len, "signature_data_len", d)))
        return rc;
    att__cursor sig;
    if ((rc = take_sub(&c, q->sig_data_len, &sig, "signature_data_len", d)))
        return rc;
    q->size = c.off;
    if ((rc = take(&sig, 64, &q->signature, "signature_data.signature", d)) ||
        (rc = take(&sig, 64, &q->attest_key, "signature_data.attestation_key", d)))
        return rc;
    if (q->version == 3) {
        rc = parse_qe_part(&sig, q, 1, d);
        q->outer_cert_type = q->cert_type;
        return rc;
    }
    uint32_t outer_len;
    if ((rc = take_u16(&sig, &q->outer_cert_type, "signature_data.cert_type", d)) ||
        (rc = take_u32(&sig, &outer_len, "signature_data.cert_data_len", d)))
        return rc;
    if (q->outer_cert_type != ATT_QUOTE_CERT_QE_REPORT)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.cert_type", "signature_data.cert_type",
                             "quote.signature_data.cert_type: %u, a v%u quote needs type 6 "
                             "(QE report certification data)",
                             q->outer_cert_type, q->version);
    att__cursor qe;
    if ((rc = take_sub(&sig, outer_len, &qe, "signature_data.cert_data_len", d)))
        return rc;
    if ((rc = parse_qe_part(&qe, q, 0, d)))
        return rc;
    if (att__cur_remaining(&sig) != 0)
        return att_diag_fail(d, ATT_EPARSE, "quote.signature_data", "signature_data",
                             "quote.signature_data: %zu bytes left after the certification data",
                             att__cur_remaining(&sig));
    return ATT_OK;
}

const uint8_t *att__quote_report_data(const att__quote *q)
{
    return q->body_type == ATT_QUOTE_BODY_SGX ? q->enclave.report_data : q->td.report_data;
}
