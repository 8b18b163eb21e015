/* The Intel SGX Root CA certificates built into attestd: the trust anchors of DCAP quote and
 * collateral verification (reference/hw-evidence.md §2.11). Public certificates, embedded
 * as PEM text so that a deployment needs no root file; both issuances of the one root key
 * are listed because chains in the field end in either. */
#ifndef ATT_COLLATERAL_INTEL_ROOTS_H
#define ATT_COLLATERAL_INTEL_ROOTS_H

#include <stddef.h>

#define ATT_INTEL_SGX_ROOT_COUNT 2u

/* PEM text (static, NUL-terminated) of root issuance i, or NULL when i is out of range.
 * Parse with att__cert_from_pem; the caller owns what that returns. */
const char *att__intel_sgx_root_pem(size_t i);

#endif
