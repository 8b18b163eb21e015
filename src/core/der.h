/* A small bounded DER (ASN.1 Distinguished Encoding Rules) TLV reader on top of the cursor.
 *
 * For the few places that must read DER structures OpenSSL does not decode for us (the SGX
 * PCK certificate extension, reference/hw-evidence.md §2.10). It reads one TLV at a time:
 * single-byte tags only (high tag numbers are refused), definite lengths only, minimal
 * length encoding, lengths at most 2^31. Values are returned as sub-cursors borrowing the
 * caller's buffer; nothing is allocated. Every function returns ATT_OK, ATT_ETRUNC when the
 * input ends inside an element, or ATT_EPARSE for a malformed or unexpected encoding. */
#ifndef ATT_CORE_DER_H
#define ATT_CORE_DER_H

#include <stddef.h>
#include <stdint.h>

#include "core/cursor.h"

/* Universal tags used by the readers below. */
enum {
    ATT_DER_BOOLEAN = 0x01,
    ATT_DER_INTEGER = 0x02,
    ATT_DER_OCTET_STRING = 0x04,
    ATT_DER_OID = 0x06,
    ATT_DER_ENUMERATED = 0x0a,
    ATT_DER_SEQUENCE = 0x30,
    ATT_DER_SET = 0x31,
};

/* Reads the next TLV of c: *tag gets the identifier octet, *value a sub-cursor over the
 * contents (borrowed from c's buffer). c advances past the element on success only. */
int att__der_next(att__cursor *c, uint8_t *tag, att__cursor *value);

/* Like att__der_next but the tag must be `tag` (ATT_EPARSE otherwise; c does not move). */
int att__der_expect(att__cursor *c, uint8_t tag, att__cursor *value);

/* Decodes the contents of an INTEGER or ENUMERATED as a non-negative value <= max
 * (ATT_EPARSE for negative, non-minimal, empty or too large encodings). */
int att__der_uint(const att__cursor *value, uint64_t max, uint64_t *out);

/* Decodes the contents of a BOOLEAN (one octet, 0x00 or 0xff in DER). */
int att__der_bool(const att__cursor *value, int *out);

/* Renders the contents of an OBJECT IDENTIFIER in dotted form ("1.2.840.113741.1.13.1")
 * into out (NUL-terminated). ATT_ELIMIT when it does not fit in cap or an arc exceeds
 * 2^56; ATT_EPARSE for a malformed encoding. */
int att__der_oid_str(const att__cursor *value, char *out, size_t cap);

#endif
