/* Every bound attestd enforces, in one place, each with the reason for its value.
 * A value here is a promise to operators: inputs above it are refused with a clear
 * error, never truncated silently. */
#ifndef ATT_CORE_LIMITS_H
#define ATT_CORE_LIMITS_H

/* HTTP request body. The largest legitimate body is a TPM attestation carrying a TCG
 * event log plus an IMA log (real Linux IMA logs reach a few MB); 8 MiB leaves room for
 * base64 expansion (4/3) of a 6 MiB payload. */
#define ATT_MAX_REQUEST_BODY (8u * 1024u * 1024u)

/* Body of a policy PUT: the policy (ATT_MAX_POLICY_TEXT) base64url-encoded twice (payload
 * and JWS) plus a signer chain: 4/3 * 4/3 * 256 KiB + 64 KiB < 640 KiB. */
#define ATT_MAX_POLICY_BODY (640u * 1024u)

/* Policy text. MAA's largest documented policies are a few KB; 256 KiB bounds the compile
 * cost while allowing generated policies with hundreds of rules. */
#define ATT_MAX_POLICY_TEXT (256u * 1024u)

/* Policy rules per section; a rule is evaluated once per request per matching claim
 * combination, so this bounds evaluation time. */
#define ATT_MAX_POLICY_RULES 1024u

/* JMESPath expressions (policy 1.2 JmesPath() queries are a few hundred bytes; the longest
 * compliance-suite expressions are a few KB) and their nesting (the parser and evaluator
 * recurse per level). */
#define ATT_MAX_JMESPATH_EXPR  (64u * 1024u)
#define ATT_MAX_JMESPATH_DEPTH 128u

/* Policy rules: conditions per rule and arguments per function call (real policies have a
 * handful; the bound keeps the combination count of labelled conditions in check). */
#define ATT_MAX_POLICY_CONDITIONS 32u
#define ATT_MAX_POLICY_FUNC_ARGS  8u

/* Matching combinations one rule may run its action for (labelled conditions multiply:
 * c1:[...] && c2:[...] over sets runs once per pair); beyond this evaluation fails. */
#define ATT_MAX_POLICY_COMBINATIONS 4096u

/* Property tests inside one condition ([type==..., value==..., issuer==...]): MAA's
 * properties are four; 16 allows ranges (value>=1, value<=9) with room to spare. */
#define ATT_MAX_POLICY_TESTS 16u

/* Nesting of function calls in one policy expression (JsonToClaimValue(JmesPath(...)) is 2
 * deep; AppendString chains in MAA's samples reach 3). The parser and the evaluator recurse
 * per level. */
#define ATT_MAX_POLICY_EXPR_DEPTH 16u

/* Partial claim combinations one rule may examine while it searches for matches (a rule
 * whose labelled conditions each match many claims but whose last condition never holds
 * runs no action, yet costs the product); beyond this evaluation fails. */
#define ATT_MAX_POLICY_SEARCH (ATT_MAX_POLICY_COMBINATIONS * 16u)

/* Claims in the incoming set during one evaluation, the verifier's plus every add()/issue()
 * (a JsonToClaimValue over a large JSON array adds one claim per element). TPM event logs
 * reach a few thousand events; the bound stops a policy from multiplying them without end. */
#define ATT_MAX_POLICY_CLAIMS 65536u

/* A single piece of binary evidence (quote, report, OE evidence). SGX/TDX quotes are
 * ~5 KB with their PCK chain; 1 MiB is generous and bounds parsing work. */
#define ATT_MAX_EVIDENCE (1024u * 1024u)

/* runtimeData / initTimeData decoded size: MAA puts these into the token, whose size
 * relying parties must handle; 64 KiB. */
#define ATT_MAX_RUNTIME_DATA (64u * 1024u)

/* TCG event log events and IMA log entries: measured-boot logs have a few hundred
 * events; IMA logs on busy servers reach tens of thousands. */
#define ATT_MAX_EVENTLOG_EVENTS 10000u
#define ATT_MAX_IMA_ENTRIES     200000u

/* Bytes of one TCG event log: real UEFI logs are 10-75 KB (the largest vector, a Windows
 * PC with option ROMs, is 72 KB); Windows logs with many drivers reach a few hundred KB.
 * 4 MiB is far above that and within ATT_MAX_REQUEST_BODY. */
#define ATT_MAX_EVENTLOG_BYTES (4u * 1024u * 1024u)
/* Bytes of one event's data: the largest real events are dbx (~15 KB) and SIPA
 * containers; 1 MiB bounds one allocation-free slice. */
#define ATT_MAX_EVENTLOG_EVENT_DATA (1024u * 1024u)
/* Bytes of one IMA measurement list (ASCII or binary): ~140 bytes per ASCII entry times
 * ATT_MAX_IMA_ENTRIES would be 28 MB; lists are sent incrementally in practice, and the
 * whole request is bounded by ATT_MAX_REQUEST_BODY anyway, so 8 MiB. */
#define ATT_MAX_IMA_LOG_BYTES (8u * 1024u * 1024u)

/* JSON nesting depth accepted in any request body; real bodies nest < 8 deep. Deep
 * nesting is only useful to exhaust a recursive parser's stack. */
#define ATT_MAX_JSON_DEPTH 32u

/* Claims in one token; the largest MAA TPM tokens carry a few hundred. */
#define ATT_MAX_CLAIMS_PER_TOKEN 4096u

/* Certificates in one chain (PCK chains have 3, SNP 3, x5c in policy JWS typically 1-3). */
#define ATT_MAX_CHAIN_CERTS 10u

/* Providers (tenants) held in memory by one node. */
#define ATT_MAX_PROVIDERS 10000u

/* Bytes of a compact JWS accepted anywhere (policy uploads, tokens to verify). */
#define ATT_MAX_JWS (1024u * 1024u)

/* A request id, provider name and host header. */
#define ATT_MAX_REQUEST_ID    64u
#define ATT_MAX_PROVIDER_NAME 63u  /* DNS label length */
#define ATT_MAX_HOST          255u /* DNS name length */

/* The per-request arena: chunks grow geometrically up to this total; a request that needs
 * more is refused (ELIMIT) rather than allowed to exhaust memory. */
#define ATT_ARENA_CHUNK_MIN (16u * 1024u)
#define ATT_ARENA_MAX       (64u * 1024u * 1024u)

/* Verified PCK certificate chains kept in memory by src/evidence/sgx (one entry per PCK
 * leaf x collateral set x anchor set, ~250 bytes plus the shared PCK public key). A fleet
 * node sees one PCK certificate per platform (and per TCB recovery); 4096 covers a large
 * fleet for one collateral generation with room for the previous one during a rollover,
 * in about 1 MiB. Beyond it the least recently used entry is re-verified on demand. The
 * same bound applies to the table of imported quote attestation keys (one per QE). */
#define ATT_MAX_PCK_CACHE 4096u

/* Open Enclave custom claims (reference/hw-evidence.md §4.3) in one piece of OE evidence.
 * OE's own samples and attested TLS carry one to a few; each becomes a claim of the
 * token, so 64 keeps them far below ATT_MAX_CLAIMS_PER_TOKEN and bounds the fixed claim
 * table a parsed evidence holds. */
#define ATT_MAX_OE_CLAIMS 64u

/* Bytes of one OE custom claim name including its terminating NUL. Names are short
 * identifiers ("public_key", "nonce"); 256 is generous and keeps a name printable in one
 * diagnostic. Values are bounded only by the evidence itself (ATT_MAX_EVIDENCE). */
#define ATT_MAX_OE_CLAIM_NAME 256u

/* Collateral fetched from Intel PCS / a PCCS (src/collateral/fetch.c). One response body
 * (TCB info, QE identity, a CRL) is 1-25 KiB today; Platform-CA PCK CRLs grow with
 * revocations but stay far below 1 MiB. The cap equals ATT_DCAP_MAX_FILE (the loader reads
 * no larger bundle file), so a body that is accepted can always be loaded back. */
#define ATT_MAX_PCS_BODY (1024u * 1024u)
/* One issuer-chain response header: 2 certificates of ~900 bytes PEM each, URL-encoded
 * (at most 3 bytes per byte) is ~6 KiB; 64 KiB leaves room for longer chains. */
#define ATT_MAX_PCS_HEADER (64u * 1024u)
/* Length of any URL the fetcher builds (base URL + path + query). */
#define ATT_MAX_PCS_URL 2048u
/* Platforms (FMSPC x TEE x PCK CA) the fetcher tracks in memory; as ATT_DCAP_MAX_SETS. */
#define ATT_MAX_PCS_KEYS 4096u
/* Network bounds per HTTP request: connecting (a local PCCS answers in milliseconds; Intel
 * PCS within a second) and the whole transfer. A fetch makes 4 requests, so a caller waits
 * at most 4 x ATT_PCS_TOTAL_TIMEOUT_MS for a platform whose collateral is not cached. */
#define ATT_PCS_CONNECT_TIMEOUT_MS 5000u
#define ATT_PCS_TOTAL_TIMEOUT_MS   20000u

_Static_assert(ATT_MAX_POLICY_BODY < ATT_MAX_REQUEST_BODY, "policy body within request body");
_Static_assert(ATT_MAX_POLICY_TEXT * 16 / 9 < ATT_MAX_POLICY_BODY, "double b64 of policy fits");
_Static_assert(ATT_MAX_EVIDENCE * 4 / 3 < ATT_MAX_REQUEST_BODY, "encoded evidence fits");
_Static_assert(ATT_MAX_REQUEST_BODY < ATT_ARENA_MAX, "arena holds a decoded body");
_Static_assert(ATT_MAX_POLICY_COMBINATIONS <= ATT_MAX_POLICY_SEARCH, "search covers combinations");
_Static_assert(ATT_MAX_POLICY_FUNC_ARGS >= 2, "the 1.2 functions take up to two arguments");
_Static_assert(ATT_MAX_PCK_CACHE >= 64u, "PCK cache holds at least a few entries per shard");
_Static_assert(ATT_MAX_EVENTLOG_BYTES <= ATT_MAX_REQUEST_BODY, "event log fits a request");
_Static_assert(ATT_MAX_EVENTLOG_EVENT_DATA <= ATT_MAX_EVENTLOG_BYTES, "event within log");
_Static_assert(ATT_MAX_OE_CLAIMS <= ATT_MAX_CLAIMS_PER_TOKEN, "OE claims fit in a token");

_Static_assert(ATT_PCS_CONNECT_TIMEOUT_MS <= ATT_PCS_TOTAL_TIMEOUT_MS, "connect within total");
_Static_assert(ATT_MAX_PCS_HEADER < ATT_MAX_PCS_BODY, "header cap below body cap");

#endif
