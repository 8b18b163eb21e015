/* Shared pieces of the `attest` command-line client: the command table, exit codes,
 * option parsing, reading an argument that may name stdin or a file, error output, and
 * the HTTP GET helper. Each subcommand lives in its own cmd_*.c file and is listed in the
 * table in main.c; nothing here knows about any particular subcommand. */
#ifndef ATT_CLI_H
#define ATT_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Exit codes, documented in `attest --help`. */
enum {
    ATT_EXIT_OK = 0,    /* success */
    ATT_EXIT_CHECK = 1, /* a check failed (bad signature, malformed JWKS, ...) */
    ATT_EXIT_USAGE = 2, /* usage error or malformed input given by the user */
    ATT_EXIT_IO = 3,    /* network or file I/O error, HTTP error status */
};

typedef struct att_cli_cmd att_cli_cmd;

/* What a command runs with: its table entry and its full name ("attest token decode"),
 * both borrowed for the duration of the call. */
typedef struct att_cli_ctx {
    const att_cli_cmd *cmd;
    const char *path;
} att_cli_ctx;

/* A command's entry point. argv[0] is the command's own name; returns an exit code. */
typedef int (*att_cli_fn)(const att_cli_ctx *ctx, int argc, char **argv);

/* One entry of the command table: either a leaf (run set) or a group of subcommands (sub
 * set, terminated by an entry with a NULL name). All strings are static. */
struct att_cli_cmd {
    const char *name;
    const char *args;    /* synopsis after the name, e.g. "[OPTIONS] TOKEN" */
    const char *summary; /* one line for the parent's command list */
    const char *help;    /* the body of --help, printed after the usage line */
    att_cli_fn run;
    const att_cli_cmd *sub;
};

/* ---- option parsing ---- */

enum { ATT_OPT_FLAG = 0, ATT_OPT_VALUE = 1 };

/* An option of a command: "--name" (and "-s" when short_name is set). A flag sets *flag
 * to 1; a value option stores a borrowed pointer to argv text in *value ("--name VALUE"
 * or "--name=VALUE"). The list ends with an entry whose name is NULL. */
typedef struct att_cli_opt {
    const char *name;
    char short_name;
    int kind;
    int *flag;
    const char **value;
} att_cli_opt;

/* Parses argv[1..argc-1]: options (from opts, plus --help/-h which prints the command's
 * help) anywhere, "--" ends options, "-" alone is a positional. Positionals are stored
 * (borrowed) in pos; their count must be within [min_pos, max_pos]. Returns -1 when the
 * command should go on, otherwise the exit code to return at once (0 after --help,
 * ATT_EXIT_USAGE after a usage error, which has been printed). */
int att_cli_parse(const att_cli_ctx *ctx, int argc, char **argv, const att_cli_opt *opts,
                  const char **pos, int min_pos, int max_pos, int *npos);

/* Prints "Usage: <path> <args>" and the command's help text to stdout. */
void att_cli_print_help(const att_cli_ctx *ctx);

/* ---- output ---- */

/* "attest: error: <message>" on stderr. */
void att_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "attest: warning: <message>" on stderr. */
void att_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message, then "Run '<path> --help' for usage."; returns
 * ATT_EXIT_USAGE. */
int att_cli_usage_error(const att_cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Copies n bytes of untrusted text into out (cap >= 4) for display: line breaks and tabs
 * become spaces, other control characters '?', and text longer than fits ends in "...".
 * Returns out. */
char *att_cli_sanitize(const char *s, size_t n, char *out, size_t cap);

/* A span of seconds in words: "42s", "5m12s", "7h59m", "3 days", "4 months", "2 years".
 * secs must be >= 0. Writes into out (cap >= 32) and returns out. */
char *att_cli_duration(int64_t secs, char *out, size_t cap);

/* ---- input ---- */

/* Reads the text an argument stands for: "-" is stdin, "@FILE" is the contents of FILE,
 * anything else is the argument itself. At most max bytes. On success out (initialised
 * here; the caller frees it with att__buf_free) holds the text. On failure the error is
 * printed and the exit code returned: ATT_EXIT_IO when reading failed, ATT_EXIT_USAGE
 * when the input is larger than max. `what` names the input in messages ("token"). */
int att_cli_read_arg(const char *arg, const char *what, size_t max, att__buf *out);

/* Parses a timeout in seconds ("10", "2.5"), 0 < t <= 3600. Returns 0 and sets *ms, or -1. */
int att_cli_parse_timeout(const char *s, long *ms);

/* ---- HTTP ---- */

/* How to reach a server. Strings borrowed. */
typedef struct att_cli_http_opts {
    const char *cacert; /* PEM CA bundle to trust instead of the system's, or NULL */
    int insecure;       /* skip TLS certificate and host name checks */
    long timeout_ms;    /* whole-request bound */
} att_cli_http_opts;

/* Largest HTTP response body the CLI accepts (JWKS, metadata, tokens). */
#define ATT_CLI_MAX_RESPONSE (4u * 1024u * 1024u)

/* Global set-up and tear-down of the HTTP client library; call once from main. */
int att_cli_http_init(void);
void att_cli_http_cleanup(void);

/* GET url (http or https only; up to 5 redirects). On a transport failure prints the
 * reason and returns ATT_EXIT_IO. Otherwise returns 0 with *status set and body filled
 * (initialised here; caller frees), whatever the status: the caller decides what an
 * error status means (see att_cli_http_error). */
int att_cli_http_get(const char *url, const att_cli_http_opts *o, long *status, att__buf *body);

/* Reports an HTTP error status for url, with the MAA error body
 * ({"error":{"code","message"}}, or capitalised) when the body holds one, else the first
 * bytes of the body. Returns ATT_EXIT_IO. */
int att_cli_http_error(const char *url, long status, const att__buf *body);

/* ---- commands (one file each) ---- */

int att_cli_token_decode(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_token_verify(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_jwks(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_policy_check(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_policy_hash(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_policy_eval(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_evidence_verify(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_evidence_hcl(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_tpm_attest(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_tpm_enroll(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_eventlog_show(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_eventlog_verify(const att_cli_ctx *ctx, int argc, char **argv);
int att_cli_ima_show(const att_cli_ctx *ctx, int argc, char **argv);
/* --type snp of `evidence verify` (cmd_evidence_snp.c): FILE, AMD certificate file or
 * directory (may be NULL), verification time. Returns the exit code. */
int att_cli_evidence_verify_snp(const char *file, const char *certs_path, int64_t at);

#endif
