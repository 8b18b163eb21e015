/* Attestation type and trust mode names (provider.h): MAA's spellings, parsed ASCII
 * case-insensitively and independent of the locale. */
#include "provider/provider_int.h"

#include <string.h>

static const char *const type_names[ATT_TYPE_COUNT] = {
    [ATT_TYPE_SGX_ENCLAVE] = "SgxEnclave",
    [ATT_TYPE_OPEN_ENCLAVE] = "OpenEnclave",
    [ATT_TYPE_SEV_SNP_VM] = "SevSnpVm",
    [ATT_TYPE_TDX_VM] = "TdxVm",
    [ATT_TYPE_TPM] = "Tpm",
    [ATT_TYPE_AZURE_GUEST] = "AzureGuest",
};

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 when s (n bytes) equals the NUL-terminated name ignoring ASCII case. */
static int equal_nocase(const char *s, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n != k)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(s[i]) != lower(name[i]))
            return 0;
    return 1;
}

void att__ascii_lower(char *s)
{
    for (; s && *s; s++)
        *s = lower(*s);
}

const char *att__att_type_name(att__att_type t)
{
    if ((unsigned)t >= ATT_TYPE_COUNT)
        return NULL;
    return type_names[t];
}

int att__att_type_parse(const char *s, size_t n, att__att_type *t)
{
    if (!s || !t)
        return ATT_EINVAL;
    for (int i = 0; i < ATT_TYPE_COUNT; i++) {
        if (equal_nocase(s, n, type_names[i])) {
            *t = (att__att_type)i;
            return ATT_OK;
        }
    }
    return ATT_ENOTFOUND;
}

const char *att__trust_mode_name(att__trust_mode m)
{
    return m == ATT_TRUST_ISOLATED ? "isolated" : "aad";
}

int att__trust_mode_parse(const char *s, att__trust_mode *m)
{
    if (!s || !m)
        return ATT_EINVAL;
    if (equal_nocase(s, strlen(s), "aad"))
        *m = ATT_TRUST_AAD;
    else if (equal_nocase(s, strlen(s), "isolated"))
        *m = ATT_TRUST_ISOLATED;
    else
        return ATT_EINVAL;
    return ATT_OK;
}
