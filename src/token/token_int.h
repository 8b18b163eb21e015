/* Helpers shared by the files of src/token; not part of the module's API (token.h). */
#ifndef ATT_TOKEN_INT_H
#define ATT_TOKEN_INT_H

#include "token/token.h"

/* 1 when a and b have the same public key (compared as DER SubjectPublicKeyInfo), 0 when
 * not, a negative att_err when either cannot be encoded. Both borrowed. */
int att__token_same_pubkey(const att__pkey *a, const att__pkey *b);

/* base64url of the RS256 JWT header of ti ({"alg","jku","kid","typ"} for the signer's
 * key 0), prebuilt by att__token_issuer_new; borrowed, valid while ti lives. */
const char *att__token_issuer_header_b64(const att__token_issuer *ti);
/* The same header with "alg":"none", for unsecured (draft-policy) tokens. */
const char *att__token_issuer_unsecured_header_b64(const att__token_issuer *ti);

#endif
