/* Policy texts and objects (provider.h): the default policy of each attestation type, the
 * MAA policy hash and policy-token hash, the unsigned policy JWS wrapper, and the
 * immutable reference-counted policy objects that snapshots share. */
#include "provider/provider_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/codec.h"
#include "core/limits.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "token/jws.h"

/* The SgxEnclave / OpenEnclave default of MAA's 2022 service (maa.md §3.8), byte for byte:
 * its x-ms-policy-hash is bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw, the hash found in
 * real 2022 tokens of the shared providers (vectors/maa/default-policies). */
static const char sgx_default[] =
    "version= 1.0;"
    "authorizationrules{=> permit();"
    "};"
    "issuancerules{"
    "c:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);"
    "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);"
    "c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);"
    "c:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);"
    "c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);"
    "c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);"
    "};";

/* The minimal permit policy the MAA SDK tests upload for Tpm (§3.8). MAA's defaults for
 * SevSnpVm, TdxVm and AzureGuest are not public (only their hashes are), so those types
 * start with this one too: permit everything the verifier accepted, issue nothing extra. */
static const char minimal_permit[] =
    "version=1.0; authorizationrules{=> permit();}; issuancerules{};";

/* attestd's Tpm default (MAA has none, maa.md §3.8): permit what the verifier accepted and
 * issue the MAA TPM claims (§3.7), Secure Boot by the documented policy-1.2 recipe over the
 * parsed event log (§3.9), so a default token says what the quote and log proved. The
 * recipe compares VariableData with MAA's unpadded "AQ"; the event-log view writes padded
 * base64 ("AQ=="), so both are accepted. */
static const char tpm_default[] =
    "version=1.2;"
    "authorizationrules{=> permit();};"
    "issuancerules{"
    "c:[type==\"aikValidated\", issuer==\"AttestationService\"] => issue(type=\"aikValidated\", "
    "value=c.value);"
    "c:[type==\"aikPubHash\", issuer==\"AttestationService\"] => issue(type=\"aikPubHash\", "
    "value=c.value);"
    "c:[type==\"tpmVersion\", issuer==\"AttestationService\"] => issue(type=\"tpmVersion\", "
    "value=c.value);"
    "c:[type==\"bootDebuggingDisabled\", issuer==\"AttestationService\"] => "
    "issue(type=\"bootDebuggingDisabled\", value=c.value);"
    "c:[type==\"notSafeMode\", issuer==\"AttestationService\"] => issue(type=\"notSafeMode\", "
    "value=c.value);"
    "c:[type==\"notWinPE\", issuer==\"AttestationService\"] => issue(type=\"notWinPE\", "
    "value=c.value);"
    "c:[type==\"vbsEnabled\", issuer==\"AttestationService\"] => issue(type=\"vbsEnabled\", "
    "value=c.value);"
    "c:[type==\"pcrs\", issuer==\"AttestationService\"] => issue(type=\"pcrs\", value=c.value);"
    "c:[type==\"events\", issuer==\"AttestationService\"] => add(type=\"efiConfigVariables\", "
    "value=JmesPath(c.value, \"Events[?EventTypeString == 'EV_EFI_VARIABLE_DRIVER_CONFIG' && "
    "ProcessedData.VariableGuid == '8BE4DF61-93CA-11D2-AA0D-00E098032B8C']\"));"
    "c:[type==\"efiConfigVariables\", issuer==\"AttestationPolicy\"] => "
    "issue(type=\"secureBootEnabled\", value=JsonToClaimValue(JmesPath(c.value, "
    "\"[?ProcessedData.UnicodeName == 'SecureBoot'] | length(@) == `1` && "
    "(@[0].ProcessedData.VariableData == 'AQ' || @[0].ProcessedData.VariableData == 'AQ==')\")));"
    "![type==\"secureBootEnabled\", issuer==\"AttestationPolicy\"] => "
    "issue(type=\"secureBootEnabled\", value=false);"
    "};";

const char *att__default_policy_text(att__att_type t)
{
    switch (t) {
    case ATT_TYPE_SGX_ENCLAVE:
    case ATT_TYPE_OPEN_ENCLAVE:
        return sgx_default;
    case ATT_TYPE_TPM:
        return tpm_default;
    case ATT_TYPE_SEV_SNP_VM:
    case ATT_TYPE_TDX_VM:
    case ATT_TYPE_AZURE_GUEST:
        return minimal_permit;
    }
    return NULL;
}

/* base64url of the SHA-256 of n bytes into out (ATT_POLICY_HASH_LEN + NUL). */
static int sha256_b64url(const void *data, size_t n, char out[ATT_POLICY_HASH_LEN + 1])
{
    uint8_t md[32];
    int rc = att__hash(ATT_HASH_SHA256, data, n, md);
    if (rc != ATT_OK)
        return rc;
    att__b64_encode(md, sizeof(md), ATT_B64_URL, out);
    return ATT_OK;
}

int att__policy_hash(const char *text, size_t n, char out[ATT_POLICY_HASH_LEN + 1])
{
    if (!text || !out)
        return ATT_EINVAL;
    if (n > ATT_MAX_POLICY_TEXT)
        return ATT_ELIMIT;
    /* The hash is over the base64url text, not over the policy text itself (§0.6). */
    char *b64 = att__b64_encode_alloc(text, n, ATT_B64_URL);
    if (!b64)
        return ATT_ENOMEM;
    int rc = sha256_b64url(b64, strlen(b64), out);
    free(b64);
    return rc;
}

int att__policy_token_hash(const char *jws, size_t n, char out[ATT_POLICY_HASH_LEN + 1])
{
    if (!jws || !out)
        return ATT_EINVAL;
    return sha256_b64url(jws, n, out);
}

/* base64url('{"alg":"none"}') */
#define UNSIGNED_HEADER "eyJhbGciOiJub25lIn0"

int att__policy_unsigned_jws(const char *text, size_t n, char **jws, size_t *len)
{
    if (!text || !jws)
        return ATT_EINVAL;
    *jws = NULL;
    if (n > ATT_MAX_POLICY_TEXT)
        return ATT_ELIMIT;
    /* base64url needs no JSON escaping, so the payload is assembled as text. */
    char *inner = att__b64_encode_alloc(text, n, ATT_B64_URL);
    if (!inner)
        return ATT_ENOMEM;
    att__buf payload, out;
    att__buf_init(&payload, ATT_MAX_JWS);
    att__buf_init(&out, ATT_MAX_JWS);
    int rc = att__buf_appends(&payload, "{\"AttestationPolicy\":\"");
    if (rc == ATT_OK)
        rc = att__buf_appends(&payload, inner);
    if (rc == ATT_OK)
        rc = att__buf_appends(&payload, "\"}");
    free(inner);
    char *p64 = NULL;
    if (rc == ATT_OK && !(p64 = att__b64_encode_alloc(payload.data, payload.len, ATT_B64_URL)))
        rc = ATT_ENOMEM;
    if (rc == ATT_OK)
        rc = att__buf_appendf(&out, "%s.%s.", UNSIGNED_HEADER, p64);
    free(p64);
    att__buf_free(&payload);
    if (rc != ATT_OK) {
        att__buf_free(&out);
        return rc;
    }
    *jws = (char *)att__buf_steal(&out, len);
    return *jws ? ATT_OK : ATT_ENOMEM;
}

/* ---- policy objects ---- */

int att__policy_new(const att__registry *r, att__att_type t, int is_default, char *jws,
                    size_t jws_len, char *text, size_t text_len, int text_static, int64_t version,
                    int64_t updated, att__policy **out)
{
    *out = NULL;
    att__policy *p = calloc(1, sizeof(*p));
    if (!p) {
        free(jws);
        if (!text_static)
            free(text);
        return ATT_ENOMEM;
    }
    atomic_init(&p->refs, 1);
    p->type = t;
    p->is_default = is_default;
    p->jws = jws;
    p->jws_len = jws_len;
    p->text = text;
    p->text_len = text_len;
    p->text_static = text_static;
    p->version = version;
    p->updated = updated;
    int rc = att__policy_hash(text, text_len, p->hash);
    if (rc != ATT_OK) {
        att__policy_unref(p);
        return rc;
    }
    if (!is_default && jws_len) {
        /* The upload verified the signature; here only the header's x5c is read, once. */
        att__jws j;
        att_diag jd;
        att_diag_clear(&jd);
        if (att__jws_parse(jws, jws_len, &j, &jd) == ATT_OK) {
            json_t *x5c = j.alg != ATT_JWS_NONE ? json_object_get(j.header, "x5c") : NULL;
            if (json_is_array(x5c))
                p->signer = att__jws_signer_claim(json_deep_copy(x5c));
            att__jws_clear(&j);
        }
    }
    if (r && r->compile) {
        att_diag d;
        att_diag_clear(&d);
        p->compile_err = r->compile(r->compile_arg, t, text, text_len, &p->compiled, &d);
        p->release = r->release;
        p->release_arg = r->compile_arg;
        if (p->compile_err != ATT_OK) {
            /* Not fatal: the policy is served (GET works) but cannot be evaluated. */
            att__warn("policy does not compile", "type=%s hash=%s version=%lld err=%s reason=%s",
                      att__att_type_name(t), p->hash, (long long)version,
                      att_errname(p->compile_err), d.message);
            if (p->compiled && p->release)
                p->release(p->release_arg, p->compiled);
            p->compiled = NULL;
        }
    }
    *out = p;
    return ATT_OK;
}

att__policy *att__policy_ref(att__policy *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void att__policy_unref(att__policy *p)
{
    if (!p || atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (p->compiled && p->release)
        p->release(p->release_arg, p->compiled);
    json_decref(p->signer);
    free(p->jws);
    if (!p->text_static)
        free(p->text);
    free(p);
}

/* ---- accessors ---- */

att__att_type att__policy_type(const att__policy *p)
{
    return p->type;
}

const char *att__policy_jws(const att__policy *p)
{
    return p->jws;
}

const json_t *att__policy_signer(const att__policy *p)
{
    return p->signer;
}

size_t att__policy_jws_len(const att__policy *p)
{
    return p->jws_len;
}

const char *att__policy_text(const att__policy *p)
{
    return p->text;
}

size_t att__policy_text_len(const att__policy *p)
{
    return p->text_len;
}

const char *att__policy_hash_str(const att__policy *p)
{
    return p->hash;
}

int att__policy_is_default(const att__policy *p)
{
    return p->is_default;
}

int64_t att__policy_version(const att__policy *p)
{
    return p->version;
}

int64_t att__policy_updated(const att__policy *p)
{
    return p->updated;
}

void *att__policy_compiled(const att__policy *p, int *err)
{
    if (err)
        *err = p->compile_err;
    return p->compiled;
}
