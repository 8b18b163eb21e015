/* Internal interface between the files of src/evidence/sgx (not for other modules). */
#ifndef ATT_EVIDENCE_SGX_QUOTE_INT_H
#define ATT_EVIDENCE_SGX_QUOTE_INT_H

#include "evidence/sgx/quote.h"

/* The PCK chain of a quote's type-5 certification data: owned certificates, PCK first. */
typedef struct att__pck_chain {
    att__cert **certs;
    size_t n;
} att__pck_chain;

/* Takes the PCK chain from ext[0..n_ext) (new references) or, when n_ext is 0, extracts it
 * from q's type-5 certification data; checks its shape (PCK leaf, PCK CA matching
 * the collateral's PCK CRL issuer, root) and verifies it to anchors at `at` with the root
 * and PCK CRLs of col (required). Fills r->pck_ca / r->pck_issuer. On success *chain owns
 * the certificates (release with att__pck_chain_free); on failure it is empty. */
int att__quote_pck_chain(const att__quote *q, const att__cert *const *ext, size_t n_ext,
                         const att__dcap_collateral *col, const att__cert *const *anchors,
                         size_t n_anchors, int64_t at, att__pck_chain *chain, att__quote_result *r,
                         att_diag *d);
void att__pck_chain_free(att__pck_chain *chain);

/* TDX module identity (§2.6.3): *mod gets the TDX_xx identity used (borrowed from ti), or
 * NULL for the legacy tdxModule (TEE_TCB_SVN[1] == 0); checks MRSIGNERSEAM and
 * SEAM_ATTRIBUTES. Fills r->tdx_module_*. */
int att__quote_tdx_module(const att__quote *q, const att__tcb_info *ti,
                          const att__tdx_module_identity **mod, att__quote_result *r, att_diag *d);

/* TCB level selection with the PCK SVNs (and TEE_TCB_SVN for TDX), TDX module status, TD
 * relaunch and QE convergence (§2.7). Needs r->pck and r->qe_status filled. Fills
 * r->status, tcb date and advisories; TCB_NOT_SUPPORTED and Revoked are failures. */
int att__quote_tcb_status(const att__quote *q, const att__tcb_info *ti,
                          const att__tdx_module_identity *mod, att__quote_result *r, att_diag *d);

#endif
