/* libFuzzer target: the policy compiler (src/policy: lexer, parser, semantic checks,
 * JMESPath literals) over arbitrary text and, when the text compiles, evaluation over a small
 * fixed claim set (typed, multi-valued, JSON-valued and read-only claims) with every
 * explanation and JSON helper the service and the CLI use. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void claims(att__claimset *s)
{
    static const char events[] =
        "{\"Events\":[{\"EventSeq\":1,\"PcrIndex\":7,\"EventTypeString\":"
        "\"EV_EFI_VARIABLE_DRIVER_CONFIG\",\"ProcessedData\":{\"VariableGuid\":"
        "\"8BE4DF61-93CA-11D2-AA0D-00E098032B8C\",\"UnicodeName\":\"SecureBoot\","
        "\"VariableData\":\"AQ\"}},{\"EventSeq\":2,\"PcrIndex\":20,\"EventTypeString\":"
        "\"EV_EVENT_TAG\",\"ProcessedData\":{\"EVENT_DRTM_SMM\":{\"Value\":3}}}]}";
    att__claims_add_bool(s, "x-ms-sgx-is-debuggable", 0, NULL);
    att__claims_add_string(s, "x-ms-sgx-mrsigner", "2c1a44952ae8207135c6c29b75b8c029", NULL);
    att__claims_add_int(s, "x-ms-sgx-svn", 2, NULL);
    att__claims_add_int(s, "x-ms-sgx-svn", 3, NULL);
    att__claims_add_string(s, "x-ms-attestation-type", "sgx", NULL);
    att__claims_add_string(s, "OSName", "Windows", ATT_ISSUER_CUSTOM);
    att__claims_add_string(s, "events", events, NULL);
    att__claim pcrs = {.type = "pcrs",
                       .vtype = ATT_CV_STRING,
                       .flags = ATT_CLAIM_READONLY,
                       .str = "{\"PCRs\":[{\"Index\":0,\"Digests\":{\"SHA256\":\"aa\"}}]}"};
    pcrs.len = strlen(pcrs.str);
    att__claims_add(s, &pcrs);
    att__claims_add_string(s, "json", "[0, \"abc\", true, null]", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    att_diag d;
    att_diag_clear(&d);
    att__policy_prog *p = NULL;
    if (att__policy_compile((const char *)data, size, &p, &d) != ATT_OK) {
        if (!d.reason[0] || strchr(d.message, '\n'))
            abort(); /* every failure is explained, on one line */
        return 0;
    }
    att__arena a;
    att__arena_init(&a);
    att__claimset in;
    att__claims_init(&in, &a);
    claims(&in);
    att__policy_result res;
    att_diag_clear(&d);
    int rc = att__policy_eval(p, &in, &a, &res, &d);
    if (rc == ATT_OK || rc == ATT_EPOLICY) {
        if ((rc == ATT_OK) != (res.decision == ATT_POLICY_PERMIT))
            abort();
        char msg[256];
        att__policy_explain_message(&res, msg, sizeof(msg));
        json_decref(att__policy_explain_json(&res));
        json_decref(att__policy_props_json(&res));
        json_decref(att__claims_token_json(&res.outgoing));
    }
    att__arena_free(&a);
    att__policy_prog_free(p);
    return 0;
}
