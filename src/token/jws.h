/* Compact JWS parsing and verification for what clients send attestd: policy uploads
 * (PUT /policies, POST :reset) and signer-certificate operations (reference/maa.md §1.8,
 * §1.9, §3.10).
 *
 * Parsing checks the three-segment shape, decodes each segment (lenient base64url), and
 * parses the header as a JSON object. Algorithms: "none" (unsigned, empty signature),
 * "RS256" and its .NET SDK misspelling "RSA256" (§1.8). The signing key comes from the
 * header: "x5c" (standard base64 DER certificates, leaf first) or an RSA "jwk".
 * Messages follow MAA's ("Malformed JWT: Could not find first period in the token."). */
#ifndef ATT_TOKEN_JWS_H
#define ATT_TOKEN_JWS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"
#include "crypto/crypto.h"

typedef enum att__jws_alg {
    ATT_JWS_NONE = 0,
    ATT_JWS_RS256,
} att__jws_alg;

typedef struct att__jws {
    json_t *header; /* owned reference: the parsed protected header */
    att__jws_alg alg;
    uint8_t *payload; /* owned, decoded, NUL-terminated (not counted); may be empty */
    size_t payload_len;
    uint8_t *sig; /* owned, decoded signature; empty for alg none */
    size_t sig_len;
    const char *signing_input; /* borrowed from the parsed text: "<header>.<payload>" */
    size_t signing_input_len;
} att__jws;

/* Parses compact JWS text (n bytes, borrowed; it must outlive *out because signing_input
 * points into it). Leading/trailing whitespace is ignored. On failure *out is cleared and
 * d names the problem (reason "jws.malformed" or "jws.alg"). */
int att__jws_parse(const char *text, size_t n, att__jws *out, att_diag *d);
void att__jws_clear(att__jws *j);

/* Verifies a signed JWS (alg RS256) at time `at`: the key from x5c[0] (whose validity must
 * contain `at`; further x5c entries must each have signed the previous one) or from an RSA
 * jwk, then the RSASSA-PKCS1-v1_5 SHA-256 signature over signing_input. *signer (may be
 * NULL) gets the x5c chain as a new JSON array reference, for the x-ms-policy-signer claim
 * (NULL when the key came from a jwk). alg none is ATT_EINVAL here: the caller decides
 * whether unsigned is acceptable. */
int att__jws_verify(const att__jws *j, int64_t at, json_t **x5c, att_diag *d);

/* The x-ms-policy-signer claim for a verified signed JWS: {"alg":"RS256","kty":"RSA",
 * "use":"sig","x5c":[...]} (§1.8); takes x5c. New reference, NULL on allocation failure. */
json_t *att__jws_signer_claim(json_t *x5c);

#endif
