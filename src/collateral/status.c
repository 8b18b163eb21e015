/* TCB status names (reference/hw-evidence.md §2.7): Intel's spelling of every
 * att__tcb_status and the parser for the statuses TCB info / QE identity JSON carries. */
#include <string.h>

#include "collateral/dcap.h"

static const char *const status_names[] = {
    [ATT_TCB_UP_TO_DATE] = "UpToDate",
    [ATT_TCB_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
    [ATT_TCB_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
    [ATT_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = "ConfigurationAndSWHardeningNeeded",
    [ATT_TCB_OUT_OF_DATE] = "OutOfDate",
    [ATT_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = "OutOfDateConfigurationNeeded",
    [ATT_TCB_REVOKED] = "Revoked",
    [ATT_TCB_TD_RELAUNCH_ADVISED] = "TDRelaunchAdvised",
    [ATT_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED] = "TDRelaunchAdvisedConfigurationNeeded",
    [ATT_TCB_NOT_SUPPORTED] = "TCBNotSupported",
};

/* Static string; "Unknown" for a value outside the enum. */
const char *att__tcb_status_name(att__tcb_status s)
{
    if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0]) || !status_names[s])
        return "Unknown";
    return status_names[s];
}

/* Only the seven statuses Intel serves in JSON parse; the derived ones (TD relaunch,
 * TCBNotSupported) are results of evaluation, never input. */
int att__tcb_status_parse(const char *s, att__tcb_status *out)
{
    if (!s || !out)
        return ATT_EINVAL;
    for (unsigned i = ATT_TCB_UP_TO_DATE; i <= ATT_TCB_REVOKED; i++) {
        if (strcmp(s, status_names[i]) == 0) {
            *out = (att__tcb_status)i;
            return ATT_OK;
        }
    }
    return ATT_EINVAL;
}
