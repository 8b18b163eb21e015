/* JMESPath lexer: expression text -> token array (jmespath_int.h).
 *
 * The whole expression is tokenized before parsing. Quoted identifiers and backtick
 * literals are decoded with jansson (they are JSON strings / JSON values by definition);
 * raw string literals ('...') keep every character except that \' stands for '. In all
 * three, a backslash protects the next character from ending the token. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/jmespath_int.h"

/* Bytes of source text quoted in an error message. */
#define SNIPPET_MAX 40

int att__jmes_nomem(att_diag *d)
{
    return att_diag_fail(d, ATT_ENOMEM, ATT__JMES_R_NOMEM, "expression",
                         "out of memory evaluating a JMESPath expression");
}

size_t att__jmes_column(const char *expr, size_t off)
{
    return att__jmes_utf8_count(expr, off) + 1;
}

/* Copies at most SNIPPET_MAX bytes of s[0..n) to buf without splitting a UTF-8 sequence;
 * appends "..." when shortened. */
static void snippet(const char *s, size_t n, char *buf, size_t cap)
{
    size_t take = n;
    int cut = 0;
    if (take > SNIPPET_MAX) {
        take = SNIPPET_MAX;
        while (take > 0 && ((unsigned char)s[take] & 0xC0) == 0x80)
            take--;
        cut = 1;
    }
    snprintf(buf, cap, "%.*s%s", (int)take, s, cut ? "..." : "");
}

void att__jmes_tok_describe(const char *expr, const att__jmes_token *t, char *buf, size_t cap)
{
    char snip[SNIPPET_MAX * 2];
    if (t->type == ATT__JT_EOF) {
        snprintf(buf, cap, "end of expression");
        return;
    }
    snippet(expr + t->off, t->len, snip, sizeof(snip));
    switch (t->type) {
    case ATT__JT_UNQUOTED_ID:
        snprintf(buf, cap, "identifier '%s'", snip);
        break;
    case ATT__JT_QUOTED_ID:
        snprintf(buf, cap, "quoted identifier %s", snip);
        break;
    case ATT__JT_NUMBER:
        snprintf(buf, cap, "number %s", snip);
        break;
    case ATT__JT_LITERAL:
        snprintf(buf, cap, "literal %s", snip);
        break;
    default:
        snprintf(buf, cap, "'%s'", snip);
        break;
    }
}

void att__jmes_tokens_free(att__jmes_tokens *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].text);
        json_decref(t->v[i].lit);
    }
    free(t->v);
    t->v = NULL;
    t->n = t->cap = 0;
}

typedef struct lexer {
    const char *s;
    size_t n;
    size_t pos;
    att__jmes_tokens *out;
    att_diag *d;
} lexer;

static int lex_error(lexer *lx, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records "JMESPath syntax error at column N: <fmt>" and returns ATT_EPARSE. */
static int lex_error(lexer *lx, size_t off, const char *fmt, ...)
{
    char msg[ATT_DIAG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    att_diag_fail(lx->d, ATT_EPARSE, ATT__JMES_R_SYNTAX, "expression",
                  "JMESPath syntax error at column %zu: %s", att__jmes_column(lx->s, off), msg);
    return ATT_EPARSE;
}

/* Appends a token; *tok points at it (valid until the next push). */
static int push(lexer *lx, att__jmes_tok_type type, size_t off, size_t len, att__jmes_token **tok)
{
    att__jmes_tokens *t = lx->out;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        att__jmes_token *v = realloc(t->v, cap * sizeof(*v));
        if (!v)
            return att__jmes_nomem(lx->d);
        t->v = v;
        t->cap = cap;
    }
    att__jmes_token *k = &t->v[t->n++];
    memset(k, 0, sizeof(*k));
    k->type = type;
    k->off = off;
    k->len = len;
    if (tok)
        *tok = k;
    return ATT_OK;
}

/* Finds the closing delimiter of a token that starts at lx->pos (the opening delimiter).
 * A backslash skips the next byte. Returns the offset of the closing delimiter, or n. */
static size_t find_close(const lexer *lx, char delim)
{
    size_t i = lx->pos + 1;
    while (i < lx->n && lx->s[i] != delim) {
        if (lx->s[i] == '\\' && i + 1 < lx->n)
            i++;
        i++;
    }
    return i;
}

/* Copies s[0..n) replacing every "\<delim>" by "<delim>". Returns a malloc'd,
 * NUL-terminated copy and its length, or NULL when out of memory. */
static char *unescape_delim(const char *s, size_t n, char delim, size_t *outlen)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == delim) {
            p[o++] = delim;
            i++;
        } else {
            p[o++] = s[i];
        }
    }
    p[o] = '\0';
    *outlen = o;
    return p;
}

static int lex_quoted_id(lexer *lx)
{
    size_t start = lx->pos, end = find_close(lx, '"');
    if (end >= lx->n)
        return lex_error(lx, start, "unterminated quoted identifier");
    /* The token including its quotes is a JSON string. */
    json_error_t jerr;
    json_t *j = json_loadb(lx->s + start, end + 1 - start, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j || !json_is_string(j)) {
        json_decref(j);
        return lex_error(lx, start, "invalid quoted identifier (%s)", jerr.text);
    }
    size_t len = json_string_length(j);
    char *text = malloc(len + 1);
    if (!text) {
        json_decref(j);
        return att__jmes_nomem(lx->d);
    }
    memcpy(text, json_string_value(j), len);
    text[len] = '\0';
    json_decref(j);
    att__jmes_token *tok;
    int rc = push(lx, ATT__JT_QUOTED_ID, start, end + 1 - start, &tok);
    if (rc) {
        free(text);
        return rc;
    }
    tok->text = text;
    tok->text_len = len;
    lx->pos = end + 1;
    return ATT_OK;
}

static int lex_raw_string(lexer *lx)
{
    size_t start = lx->pos, end = find_close(lx, '\'');
    if (end >= lx->n)
        return lex_error(lx, start, "unterminated raw string literal");
    size_t len;
    char *text = unescape_delim(lx->s + start + 1, end - start - 1, '\'', &len);
    if (!text)
        return att__jmes_nomem(lx->d);
    json_t *j = json_stringn_nocheck(text, len); /* the expression is valid UTF-8 */
    free(text);
    if (!j)
        return att__jmes_nomem(lx->d);
    att__jmes_token *tok;
    int rc = push(lx, ATT__JT_LITERAL, start, end + 1 - start, &tok);
    if (rc) {
        json_decref(j);
        return rc;
    }
    tok->lit = j;
    lx->pos = end + 1;
    return ATT_OK;
}

static int lex_json_literal(lexer *lx)
{
    size_t start = lx->pos, end = find_close(lx, '`');
    if (end >= lx->n)
        return lex_error(lx, start, "unterminated JSON literal (missing closing '`')");
    size_t len;
    char *text = unescape_delim(lx->s + start + 1, end - start - 1, '`', &len);
    if (!text)
        return att__jmes_nomem(lx->d);
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    free(text);
    if (!j)
        return lex_error(lx, start, "invalid JSON in literal (%s)", jerr.text);
    att__jmes_token *tok;
    int rc = push(lx, ATT__JT_LITERAL, start, end + 1 - start, &tok);
    if (rc) {
        json_decref(j);
        return rc;
    }
    tok->lit = j;
    lx->pos = end + 1;
    return ATT_OK;
}

static int is_id_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int lex_identifier(lexer *lx)
{
    size_t start = lx->pos, i = start;
    while (i < lx->n && (is_id_start(lx->s[i]) || is_digit(lx->s[i])))
        i++;
    char *text = malloc(i - start + 1);
    if (!text)
        return att__jmes_nomem(lx->d);
    memcpy(text, lx->s + start, i - start);
    text[i - start] = '\0';
    att__jmes_token *tok;
    int rc = push(lx, ATT__JT_UNQUOTED_ID, start, i - start, &tok);
    if (rc) {
        free(text);
        return rc;
    }
    tok->text = text;
    tok->text_len = i - start;
    lx->pos = i;
    return ATT_OK;
}

static int lex_number(lexer *lx)
{
    size_t start = lx->pos, i = start;
    int neg = 0;
    if (lx->s[i] == '-') {
        neg = 1;
        i++;
        if (i >= lx->n || !is_digit(lx->s[i]))
            return lex_error(lx, start, "'-' must be followed by a digit");
    }
    long long v = 0;
    while (i < lx->n && is_digit(lx->s[i])) {
        int digit = lx->s[i] - '0';
        v = v <= (ATT__JMES_NUM_MAX - digit) / 10 ? v * 10 + digit : ATT__JMES_NUM_MAX;
        i++;
    }
    att__jmes_token *tok;
    int rc = push(lx, ATT__JT_NUMBER, start, i - start, &tok);
    if (rc)
        return rc;
    tok->num = neg ? -v : v;
    lx->pos = i;
    return ATT_OK;
}

/* One- or two-character operators. Returns ATT_OK with *type set, or an error. */
static int lex_operator(lexer *lx, att__jmes_tok_type *type, size_t *len)
{
    char ch = lx->s[lx->pos];
    char next = lx->pos + 1 < lx->n ? lx->s[lx->pos + 1] : '\0';
    *len = 1;
    switch (ch) {
    case '.':
        *type = ATT__JT_DOT;
        return ATT_OK;
    case '*':
        *type = ATT__JT_STAR;
        return ATT_OK;
    case ']':
        *type = ATT__JT_RBRACKET;
        return ATT_OK;
    case '{':
        *type = ATT__JT_LBRACE;
        return ATT_OK;
    case '}':
        *type = ATT__JT_RBRACE;
        return ATT_OK;
    case '(':
        *type = ATT__JT_LPAREN;
        return ATT_OK;
    case ')':
        *type = ATT__JT_RPAREN;
        return ATT_OK;
    case ',':
        *type = ATT__JT_COMMA;
        return ATT_OK;
    case ':':
        *type = ATT__JT_COLON;
        return ATT_OK;
    case '@':
        *type = ATT__JT_CURRENT;
        return ATT_OK;
    case '[':
        if (next == ']' || next == '?')
            *len = 2;
        *type = next == ']' ? ATT__JT_FLATTEN : next == '?' ? ATT__JT_FILTER : ATT__JT_LBRACKET;
        return ATT_OK;
    case '|':
        *len = next == '|' ? 2 : 1;
        *type = next == '|' ? ATT__JT_OR : ATT__JT_PIPE;
        return ATT_OK;
    case '&':
        *len = next == '&' ? 2 : 1;
        *type = next == '&' ? ATT__JT_AND : ATT__JT_EXPREF;
        return ATT_OK;
    case '!':
        *len = next == '=' ? 2 : 1;
        *type = next == '=' ? ATT__JT_NE : ATT__JT_NOT;
        return ATT_OK;
    case '<':
        *len = next == '=' ? 2 : 1;
        *type = next == '=' ? ATT__JT_LE : ATT__JT_LT;
        return ATT_OK;
    case '>':
        *len = next == '=' ? 2 : 1;
        *type = next == '=' ? ATT__JT_GE : ATT__JT_GT;
        return ATT_OK;
    case '=':
        if (next == '=') {
            *len = 2;
            *type = ATT__JT_EQ;
            return ATT_OK;
        }
        return lex_error(lx, lx->pos, "unexpected '=' (did you mean '=='?)");
    default:
        break;
    }
    char buf[8];
    size_t cl = att__jmes_utf8_next((const unsigned char *)lx->s + lx->pos, lx->n - lx->pos,
                                    &(uint32_t){0});
    if ((unsigned char)ch < 0x20 || ch == 0x7f)
        snprintf(buf, sizeof(buf), "\\x%02x", (unsigned char)ch);
    else
        snprintf(buf, sizeof(buf), "%.*s", (int)cl, lx->s + lx->pos);
    return lex_error(lx, lx->pos, "unexpected character '%s'", buf);
}

int att__jmes_lex(const char *expr, size_t n, att__jmes_tokens *out, att_diag *d)
{
    lexer lx = {expr, n, 0, out, d};
    memset(out, 0, sizeof(*out));
    size_t bad;
    if (!att__jmes_utf8_valid(expr, n, &bad)) {
        lex_error(&lx, bad, "invalid UTF-8");
        return ATT_EPARSE;
    }
    int rc = ATT_OK;
    while (rc == ATT_OK && lx.pos < n) {
        char ch = expr[lx.pos];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            lx.pos++;
        } else if (is_id_start(ch)) {
            rc = lex_identifier(&lx);
        } else if (is_digit(ch) || ch == '-') {
            rc = lex_number(&lx);
        } else if (ch == '"') {
            rc = lex_quoted_id(&lx);
        } else if (ch == '\'') {
            rc = lex_raw_string(&lx);
        } else if (ch == '`') {
            rc = lex_json_literal(&lx);
        } else {
            att__jmes_tok_type type = 0;
            size_t len = 0;
            rc = lex_operator(&lx, &type, &len);
            if (rc == ATT_OK)
                rc = push(&lx, type, lx.pos, len, NULL);
            lx.pos += len;
        }
    }
    if (rc == ATT_OK)
        rc = push(&lx, ATT__JT_EOF, n, 0, NULL);
    if (rc)
        att__jmes_tokens_free(out);
    return rc;
}
