/* The server's use of the policy engine: checking uploads and compiling the policies the
 * provider registry puts into its snapshots (so requests never parse a policy). */
#include "policy/policy.h"
#include "provider/provider.h"
#include "server/server.h"

int att__server_policy_check(int type, const char *text, size_t n, att_diag *d)
{
    att__policy_prog *p = NULL;
    int rc = att__policy_compile(text, n, &p, d);
    att__policy_prog_free(p);
    return rc;
}

int att__server_policy_compile_hook(void *arg, att__att_type type, const char *text, size_t n,
                                    void **compiled, att_diag *d)
{
    att__policy_prog *p = NULL;
    int rc = att__policy_compile(text, n, &p, d);
    *compiled = p;
    return rc;
}

void att__server_policy_release_hook(void *arg, void *compiled)
{
    att__policy_prog_free(compiled);
}
