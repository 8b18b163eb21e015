/* `attest`: the command-line client of attestd. This file holds the command table and
 * the dispatcher that walks it; each command is implemented in its own cmd_*.c file. To
 * add a command, write its function, declare it in cli.h and add a row below (a new group
 * such as `policy` is a row whose `sub` points at its own table). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef ATT_VERSION
#define ATT_VERSION "unknown"
#endif

static const att_cli_cmd token_cmds[] = {
    {
        .name = "decode",
        .args = "[OPTIONS] TOKEN",
        .summary = "print a JWT's header and claims (does not verify it)",
        .help = "Prints the header and the claims of a JSON Web Token as indented JSON, the\n"
                "times iat, nbf and exp in UTC relative to now, and the signature size.\n"
                "Unsecured tokens (alg \"none\", empty signature) are accepted.\n"
                "\n"
                "Decoding does NOT verify the signature or the issuer: never trust what it\n"
                "prints without verifying the token.\n"
                "\n"
                "TOKEN is the token text, '-' to read it from stdin, or @FILE to read it from\n"
                "FILE. Surrounding white space is ignored.\n"
                "\n"
                "Options:\n"
                "  -h, --help   show this help\n"
                "\n"
                "Exit codes: 0 decoded, 2 malformed token or usage error, 3 cannot read input.\n",
        .run = att_cli_token_decode,
    },
    {
        .name = "verify",
        .args = "--issuer URL [OPTIONS] TOKEN",
        .summary = "verify a token as a relying party (signature, issuer, times, claims)",
        .help = "Verifies an attestation or policy token issued by attestd or Azure Attestation\n"
                "the way a relying party must before trusting it: the signing keys come from\n"
                "URL/.well-known/openid-configuration and its jwks_uri (never from the token),\n"
                "the header alg must be RS256 and its kid a key of that JWKS, the signature\n"
                "must verify, iss must equal URL, exp and nbf must hold (with the clock skew),\n"
                "and each --expect must hold. Unsigned tokens (alg none: draft-policy results)\n"
                "are refused unless --allow-unsigned.\n"
                "\n"
                "Prints JSON: {\"valid\": true, \"kid\", \"claims\": {...}} or {\"valid\": false,\n"
                "\"check\": \"rp.exp\", \"field\", \"message\", \"expected\", \"found\"}. Checks:\n"
                "rp.malformed rp.alg rp.iss rp.kid rp.signature rp.exp rp.nbf rp.expect\n"
                "rp.discovery rp.jwks.\n"
                "\n"
                "TOKEN is the token, '-' for stdin or @FILE; an MAA response body\n"
                "{\"token\": \"...\"} is accepted as well.\n"
                "\n"
                "Options:\n"
                "  --issuer URL          the issuer to trust, e.g. https://attest.example:8443\n"
                "  --expect CLAIM=VALUE  require a claim value (repeatable). CLAIM is a claim\n"
                "                        name, a.b.c into nested objects, or an alias:\n"
                "                        attestation-type, mrenclave, mrsigner, debuggable,\n"
                "                        policy-hash, nonce, runtime-data (hex or base64url\n"
                "                        bytes compared with x-ms-sgx-ehd)\n"
                "  --allow-unsigned      accept alg none tokens (claims not vouched for)\n"
                "  --skew SECONDS        clock skew allowed on exp and nbf (default 60)\n"
                "  --at TIME             verify as of an RFC 3339 time instead of now\n"
                "  --jwks FILE           use the keys in FILE; no network access\n"
                "  --cacert FILE         trust the CA certificates in FILE (PEM) for TLS\n"
                "  --insecure            do not check the server's TLS certificate\n"
                "  --timeout SECONDS     bound on each HTTP request (default 30)\n"
                "  -h, --help            show this help\n"
                "\n"
                "Exit codes: 0 valid, 1 a check failed, 2 usage error, 3 network or file error.\n",
        .run = att_cli_token_verify,
    },
    {.name = NULL},
};

static const att_cli_cmd policy_cmds[] = {
    {
        .name = "check",
        .args = "[OPTIONS] FILE",
        .summary = "check that a policy compiles",
        .help = "Compiles the MAA attestation policy in FILE ('-' for stdin) exactly as the\n"
                "service does and prints its version and rule counts, and the configuration\n"
                "properties it sets. When it does not compile, prints the first error with its\n"
                "line, column, offending token and what was expected - the message the service\n"
                "returns as PolicyParsingError.\n"
                "\n"
                "Options:\n"
                "  -h, --help   show this help\n"
                "\n"
                "Exit codes: 0 valid, 1 the policy does not compile, 2 usage error,\n"
                "3 cannot read FILE.\n",
        .run = att_cli_policy_check,
    },
    {
        .name = "hash",
        .args = "[OPTIONS] FILE",
        .summary = "print a policy's x-ms-policy-hash",
        .help = "Prints the x-ms-policy-hash of the policy text in FILE ('-' for stdin):\n"
                "base64url(SHA-256(base64url(text))), the value tokens carry. The text is hashed\n"
                "byte for byte as given (line ends and a trailing newline count); it is not\n"
                "compiled.\n"
                "\n"
                "Options:\n"
                "  -h, --help   show this help\n"
                "\n"
                "Exit codes: 0 success, 2 usage error or text over the size limit,\n"
                "3 cannot read FILE.\n",
        .run = att_cli_policy_hash,
    },
    {
        .name = "eval",
        .args = "--claims JSON FILE",
        .summary = "evaluate a policy over claims, explain the decision",
        .help = "Compiles the policy in FILE and evaluates it over the claims in JSON,\n"
                "as the service does after verifying evidence, then prints JSON:\n"
                "  {\"decision\": \"permit\"|\"deny\", \"issued\": [{type, value, valueType}...],\n"
                "   \"x-ms-policy\": {the issued claims as the token carries them},\n"
                "   \"properties\": {...}, \"explanation\": {...}}\n"
                "The explanation names the rule that denied, or for each permit rule the first\n"
                "condition that no claim matched, the failing test and the values present.\n"
                "\n"
                "The claims file is {\"claims\": [{\"type\": T, \"value\": V, \"valueType\": VT,\n"
                "\"issuer\": I, \"readOnly\": B}, ...]} (or just the array). V is a string, an\n"
                "integer or a Boolean; an object or array becomes a JSON-valued String claim\n"
                "(e.g. a TPM \"events\" log). valueType (optional) is \"String\", \"Integer\" or\n"
                "\"Boolean\" and converts V when needed (\"5\" as Integer). issuer defaults to\n"
                "AttestationService, the issuer of claims derived from evidence.\n"
                "\n"
                "Options:\n"
                "  --claims JSON   the incoming claims ('-' for stdin)\n"
                "  -h, --help      show this help\n"
                "\n"
                "Exit codes: 0 permit, 1 deny (a deny() rule, no permit() rule, or an\n"
                "evaluation error), 2 usage error, policy or claims that do not parse,\n"
                "3 cannot read a file.\n",
        .run = att_cli_policy_eval,
    },
    {.name = NULL},
};

static const att_cli_cmd evidence_cmds[] = {
    {
        .name = "verify",
        .args = "--type sgx|tdx|oe|snp --collateral PATH FILE",
        .summary = "verify an SGX/TDX quote, OE evidence or an SEV-SNP report offline",
        .help = "Verifies FILE against Intel DCAP collateral as the service does and\n"
                "prints JSON: verdict (\"verified\" or \"rejected\"), tcb_status, tcb_date,\n"
                "advisory_ids, qe_tcb_status, claims and, when rejected, error {code,\n"
                "message} with the verifier's reason code. No TCB acceptance policy is\n"
                "applied: every status verifies except TCBNotSupported and Revoked.\n"
                "\n"
                "--type sgx: FILE is a binary DCAP quote (TDX quotes are verified too).\n"
                "--type tdx: FILE is a binary TD quote (v4 or v5); the claims are those of\n"
                "MAA's TdxVm tokens (tdx_mrtd, tdx_rtmr0, attester_tcb_status, ...).\n"
                "--type oe: FILE is an Open Enclave legacy report (16-byte report header\n"
                "and quote) or OE evidence (optional attestation header; SGX ECDSA\n"
                "evidence is the quote followed by its custom-claims buffer, whose\n"
                "SHA-256 the report data must carry). Claims are OE's (unique_id, ...).\n"
                "--type snp: FILE is a raw 1184-byte AMD SEV-SNP attestation report;\n"
                "--collateral (optional) is a file or directory of AMD certificates\n"
                "holding its VCEK/VLEK (and ASK); the AMD roots are built in. Claims\n"
                "are MAA's x-ms-sevsnpvm-*; \"snp\" adds product, signer and TCBs.\n"
                "\n"
                "Options:\n"
                "  --type sgx|tdx|oe|snp the kind of FILE (required)\n"
                "  --collateral PATH   collateral JSON file or directory (required)\n"
                "  --at TIME           verify at this RFC 3339 time (default: now)\n"
                "  --root FILE         trust the root certificate(s) in FILE (PEM or\n"
                "                      DER) instead of the built-in Intel SGX roots\n"
                "  -h, --help          show this help\n"
                "\n"
                "Exit codes: 0 verified, 1 rejected, 2 usage error or collateral that\n"
                "does not load, 3 cannot read a file.\n",
        .run = att_cli_evidence_verify,
    },
    {
        .name = "hcl",
        .args = "[--json] [--quote FILE [--collateral PATH [--at TIME]]] FILE",
        .summary = "parse an Azure CVM HCL report and check its runtime-claims binding",
        .help = "Parses FILE, the attestation report an Azure confidential VM's paravisor\n"
                "(HCL) produces (e.g. read from the vTPM NV index 0x01400001): its header,\n"
                "the hardware report (SEV-SNP report or TDX TDREPORT) and the runtime claims\n"
                "JSON (vTPM attestation key HCLAkPub as a JWK, vm-configuration), and checks\n"
                "the binding: the hash of the runtime claims equals the hardware report's\n"
                "REPORT_DATA. The hardware report itself is not verified here (an SNP\n"
                "report needs its VCEK chain; a TDREPORT is only MAC'd, its TD quote is the\n"
                "evidence).\n"
                "\n"
                "Options:\n"
                "  --json              print JSON instead of text\n"
                "  --quote FILE        the TD quote of this TDREPORT (TDX): its TD values\n"
                "                      (REPORTDATA, MRTD, RTMRs, ...) must equal the TDREPORT's\n"
                "  --collateral PATH   also verify that quote against DCAP collateral\n"
                "  --at TIME           verify at this RFC 3339 time (default: now)\n"
                "  -h, --help          show this help\n"
                "\n"
                "Exit codes: 0 parsed and bound (and the quote matches / verifies),\n"
                "1 a check failed, 2 usage error, 3 cannot read a file.\n",
        .run = att_cli_evidence_hcl,
    },
    {.name = NULL},
};

static const att_cli_cmd tpm_cmds[] = {
    {
        .name = "attest",
        .args = "--url URL [OPTIONS]",
        .summary = "attest this machine's TPM and print the token",
        .help = "Runs the /attest/Tpm protocol: a challenge from the service (in the clear\n"
                "with an AIK certificate, else as a credential only this TPM can activate\n"
                "with its EK), a quote over it, the PCR values, the TCG event log and the\n"
                "IMA list; prints the report JWT.\n"
                "\n"
                "Options:\n"
                "  --url URL          the service (http://host:port)\n"
                "  --tcti T           TPM access: device:/dev/tpmrm0 (default),\n"
                "                     swtpm:host=127.0.0.1,port=2321, mssim:...\n"
                "  --eventlog FILE    TCG event log (default: the kernel's, if readable)\n"
                "  --no-eventlog      send no event log\n"
                "  --ima FILE         IMA measurement list (ascii or binary)\n"
                "  --pcrs LIST        SHA-256 PCRs to quote, e.g. 0-7,10 (default 0-23,\n"
                "                     what the default policy's required_pcr_mask wants)\n"
                "  --sha1-pcrs LIST   quote these SHA-1 PCRs as well\n"
                "  --ak-handle H      use the persistent AK at H (see `attest tpm enroll`)\n"
                "  --aik-cert FILE    AIK certificate (PEM or DER): init \"aikcert\"\n"
                "  --rp-data B64URL   relying-party data for the token (rp_data, nonce)\n"
                "  --timeout DUR      per HTTP request (default 30s)\n"
                "Diagnostics and negative tests:\n"
                "  --init-out FILE    save the service's challenge answer\n"
                "  --init-in FILE     use a saved challenge answer instead of asking\n"
                "  --request-out FILE write the request body to FILE, do not send it\n"
                "  --quote-tcti T     quote with another TPM's AK (the service must\n"
                "                     refuse it as a foreign AK)\n"
                "  -h, --help         show this help\n"
                "\n"
                "Exit codes: 0 token printed, 1 refused, 2 usage, 3 TPM or network I/O.\n",
        .run = att_cli_tpm_attest,
    },
    {
        .name = "enroll",
        .args = "[--url URL] [--tcti T] [--ak-handle H]",
        .summary = "create and persist the attestation key; check it with the service",
        .help = "Creates the AK (an RSA-2048 restricted signing key in the endorsement\n"
                "hierarchy) and persists it at --ak-handle (default 0x81010003) unless a\n"
                "key is already there; prints its handle, Name and the EK certificate's\n"
                "SHA-256. With --url, also proves the AK to the service: init \"ekcert\"\n"
                "and TPM2_ActivateCredential of the service's credential.\n",
        .run = att_cli_tpm_enroll,
    },
    {.name = NULL},
};

static const att_cli_cmd eventlog_cmds[] = {
    {
        .name = "show",
        .args = "[OPTIONS] FILE",
        .summary = "parse and replay a TCG event log, show what it proves",
        .help = "Parses the binary TCG PC Client event log in FILE ('-' for stdin; e.g.\n"
                "/sys/kernel/security/tpm0/binary_bios_measurements), SHA-1 or crypto-agile,\n"
                "replays every PCR bank it carries and prints the boot facts drawn from\n"
                "events whose digest is the hash of their data: Secure Boot state and\n"
                "PK/KEK/db/dbx, authorities, EFI actions, boot applications, kernel command\n"
                "line, Windows SIPA flags, and diagnostics (digest mismatches, quirks).\n"
                "\n"
                "Options:\n"
                "  --json       print {\"format\",\"events\",\"pcrs\":{bank:{index:hex}},\n"
                "               \"secure_boot\":true|false|null,\"diagnostics\":[...]}\n"
                "  --pcrs       also list the replayed PCRs (text output)\n"
                "  --maa        print the MAA policy 1.2 claims {\"events\":...,\"pcrs\":...}\n"
                "  -h, --help   show this help\n"
                "\n"
                "Exit codes: 0 parsed, 1 parsed with error diagnostics (e.g. a digest that\n"
                "does not match its data), 2 malformed log or usage error, 3 cannot read FILE.\n",
        .run = att_cli_eventlog_show,
    },
    {
        .name = "verify",
        .args = "--pcrs FILE [OPTIONS] LOG",
        .summary = "replay an event log against quoted PCR values",
        .help = "Replays the event log LOG in every bank of FILE and compares it with those\n"
                "PCR values, as the service does after verifying a quote: only the quoted\n"
                "bank counts. FILE is JSON {\"sha256\": {\"0\": \"hex\", ...}, ...}. PCRs the\n"
                "log extends, and listed PCRs still at their reset value, are checked; other\n"
                "listed PCRs are reported as not explained by the log. A mismatch names the\n"
                "PCR, both values and the suspect events.\n"
                "\n"
                "Options:\n"
                "  --pcrs FILE   the quoted PCR values (required)\n"
                "  --bank BANK   check only this bank (sha1, sha256, sha384, sha512)\n"
                "  --json        print {\"verified\", \"banks\": {bank: {\"verified\", \"pcrs\":\n"
                "                {pcr: {match, quoted, replayed, events, suspects}}, ...}}}\n"
                "  -h, --help    show this help\n"
                "\n"
                "Exit codes: 0 every bank verified, 1 a PCR does not match, 2 malformed input\n"
                "or usage error, 3 cannot read a file.\n",
        .run = att_cli_eventlog_verify,
    },
    {.name = NULL},
};

static const att_cli_cmd ima_cmds[] = {
    {
        .name = "show",
        .args = "[OPTIONS] FILE",
        .summary = "parse an IMA measurement list, replay PCR 10",
        .help = "Parses the Linux IMA measurement list in FILE ('-' for stdin), ASCII\n"
                "(ascii_runtime_measurements) or binary (binary_runtime_measurements),\n"
                "templates ima, ima-ng and ima-sig; checks every template hash, replays PCR 10\n"
                "in the SHA-1 and SHA-256 banks and lists boot_aggregate and the kernel\n"
                "modules loaded.\n"
                "\n"
                "Options:\n"
                "  --json       print JSON instead of text\n"
                "  --entries    with --json, also list every entry\n"
                "  -h, --help   show this help\n"
                "\n"
                "Exit codes: 0 parsed and consistent, 1 violations, bad template hashes or\n"
                "entries outside PCR 10, 2 malformed list or usage error, 3 cannot read FILE.\n",
        .run = att_cli_ima_show,
    },
    {.name = NULL},
};

static const att_cli_cmd commands[] = {
    {
        .name = "tpm",
        .args = "COMMAND ...",
        .summary = "attest this machine's TPM to an attestd (MAA /attest/Tpm)",
        .help = "TPM access goes through a TCTI (tpm2-tss): --tcti device:/dev/tpmrm0,\n"
                "swtpm:host=H,port=P or mssim:host=H,port=P.\n",
        .sub = tpm_cmds,
    },
    {
        .name = "token",
        .args = "COMMAND ...",
        .summary = "work with attestation tokens (JWTs)",
        .help = "Tokens are the JWTs attestd (and Microsoft Azure Attestation) returns.\n",
        .sub = token_cmds,
    },
    {
        .name = "policy",
        .args = "COMMAND ...",
        .summary = "check, hash and evaluate attestation policies offline",
        .help = "Policies are MAA attestation policies (versions 1.0, 1.1 and 1.2).\n",
        .sub = policy_cmds,
    },
    {
        .name = "evidence",
        .args = "COMMAND ...",
        .summary = "verify attestation evidence offline",
        .help = "Evidence is an Intel DCAP quote, Open Enclave report/evidence or an\n"
                "Azure CVM HCL report.\n",
        .sub = evidence_cmds,
    },
    {
        .name = "eventlog",
        .args = "COMMAND ...",
        .summary = "inspect TPM (TCG PC Client) event logs offline",
        .help = "Event logs are the measured-boot logs a TPM's PCRs are extended from.\n",
        .sub = eventlog_cmds,
    },
    {
        .name = "ima",
        .args = "COMMAND ...",
        .summary = "inspect Linux IMA measurement lists offline",
        .help = "IMA lists record every file the kernel measured into PCR 10.\n",
        .sub = ima_cmds,
    },
    {
        .name = "jwks",
        .args = "[OPTIONS] URL",
        .summary = "fetch and show a service's token signing keys",
        .help = "Fetches the JSON Web Key Set with which a service signs its tokens and prints,\n"
                "for each key, its kid and kty and, from the first certificate of its x5c\n"
                "chain, the subject, issuer, serial number, validity and SHA-256 thumbprint.\n"
                "\n"
                "URL is either the service's base URL (https://host), in which case\n"
                "/.well-known/openid-configuration is fetched and its jwks_uri followed, or\n"
                "the URL of the key set itself (https://host/certs) or of the metadata.\n"
                "\n"
                "Options:\n"
                "  --json               print the key set as received instead\n"
                "  --cacert FILE        trust the CA certificates in FILE (PEM) for TLS\n"
                "  --insecure           do not check the server's TLS certificate\n"
                "  --timeout SECONDS    bound on each HTTP request (default 30)\n"
                "  -h, --help           show this help\n"
                "\n"
                "Exit codes: 0 success, 1 the key set is malformed or a certificate cannot be\n"
                "parsed, 2 usage error, 3 network error or HTTP error status.\n",
        .run = att_cli_jwks,
    },
    {.name = NULL},
};

static void print_command_list(const att_cli_cmd *table, const char *prefix)
{
    for (const att_cli_cmd *c = table; c->name; c++) {
        if (c->sub) {
            char sub_prefix[64];
            snprintf(sub_prefix, sizeof(sub_prefix), "%s%s ", prefix, c->name);
            print_command_list(c->sub, sub_prefix);
            continue;
        }
        char left[64];
        snprintf(left, sizeof(left), "%s%s %s", prefix, c->name, c->args ? c->args : "");
        printf("  %-32s %s\n", left, c->summary);
    }
}

static void print_main_help(void)
{
    printf("Usage: attest [--help] [--version] COMMAND [ARGS...]\n"
           "\n"
           "attest is the command-line client of attestd, a remote attestation service that\n"
           "speaks the Microsoft Azure Attestation (MAA) protocol.\n"
           "\n"
           "Commands:\n");
    print_command_list(commands, "");
    printf("\n"
           "Run 'attest COMMAND --help' for the options of a command.\n"
           "\n"
           "Exit codes:\n"
           "  0  success\n"
           "  1  a check failed (e.g. a malformed key set, an invalid signature)\n"
           "  2  usage error or malformed input\n"
           "  3  network or I/O error (including an HTTP error status)\n");
}

static void print_group_help(const att_cli_cmd *group, const char *path)
{
    printf("Usage: %s COMMAND [ARGS...]\n\n", path);
    if (group->help)
        printf("%s\n", group->help);
    printf("Commands:\n");
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%.50s ", path + strlen("attest "));
    print_command_list(group->sub, prefix);
    printf("\nRun '%s COMMAND --help' for the options of a command.\n", path);
}

static const att_cli_cmd *find(const att_cli_cmd *table, const char *name)
{
    for (const att_cli_cmd *c = table; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static int is_help(const char *s)
{
    return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0 || strcmp(s, "help") == 0;
}

/* Walks argv down the table from `table` until it reaches a leaf and runs it. path is
 * the command name so far ("attest token"). */
static int dispatch(const att_cli_cmd *table, const att_cli_cmd *group, char *path, size_t cap,
                    int argc, char **argv)
{
    if (argc < 1 || is_help(argv[0])) {
        if (group)
            print_group_help(group, path);
        else
            print_main_help();
        return argc < 1 ? ATT_EXIT_USAGE : ATT_EXIT_OK;
    }
    const att_cli_cmd *c = find(table, argv[0]);
    if (!c) {
        att_cli_error("unknown command '%s %s' (run '%s --help' for the list)", path, argv[0],
                      path);
        return ATT_EXIT_USAGE;
    }
    size_t used = strlen(path);
    if (snprintf(path + used, cap - used, " %s", c->name) >= (int)(cap - used))
        return ATT_EXIT_USAGE;
    if (c->sub)
        return dispatch(c->sub, c, path, cap, argc - 1, argv + 1);
    att_cli_ctx ctx = {.cmd = c, .path = path};
    return c->run(&ctx, argc, argv);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("attest %s\n", ATT_VERSION);
        return ATT_EXIT_OK;
    }
    if (argc >= 2 && argv[1][0] == '-' && !is_help(argv[1])) {
        att_cli_error("unknown option '%s' (run 'attest --help' for usage)", argv[1]);
        return ATT_EXIT_USAGE;
    }
    if (att_cli_http_init() != 0) {
        att_cli_error("cannot initialise the HTTP client library");
        return ATT_EXIT_IO;
    }
    char path[128] = "attest";
    int rc = dispatch(commands, NULL, path, sizeof(path), argc - 1, argv + 1);
    att_cli_http_cleanup();
    if (fflush(stdout) != 0 && rc == ATT_EXIT_OK) {
        att_cli_error("cannot write the output");
        rc = ATT_EXIT_IO;
    }
    return rc;
}
