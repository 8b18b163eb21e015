/* Lexer of the policy language: tokens with line and column, string unescaping, UTF-8
 * checking, and the normalised source text used in messages. Keywords are not recognised
 * here (they are identifiers; the parser compares them case-sensitively). */
#include <stdio.h>
#include <string.h>

#include "core/codec.h"
#include "policy/policy_int.h"

/* Length of the valid UTF-8 sequence at s[0..n) or 0 when it is invalid (overlong forms,
 * surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t min, cp;
    if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void att__plex_position(const char *text, size_t off, uint32_t *line, uint32_t *col)
{
    uint32_t l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char b = (unsigned char)text[i];
        if (b == '\n') {
            l++;
            c = 1;
        } else if ((b & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

int att__plex_check_text(const char *text, size_t n, att_diag *d)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        if (s[i] == 0) {
            uint32_t l, c;
            att__plex_position(text, i, &l, &c);
            return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, l, c,
                                       "the policy text contains a NUL byte");
        }
        size_t k = utf8_len(s + i, n - i);
        if (k == 0) {
            uint32_t l, c;
            att__plex_position(text, i, &l, &c);
            return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, l, c,
                                       "the policy text is not valid UTF-8 (byte 0x%02x)", s[i]);
        }
        i += k;
    }
    return ATT_OK;
}

void att__plex_init(att__plex *lx, const char *text, size_t n)
{
    lx->text = text;
    lx->n = n;
    lx->off = 0;
    lx->line = 1;
    lx->col = 1;
    /* A UTF-8 byte order mark (Windows editors write one) is not part of the policy. */
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        lx->off = 3;
}

/* Moves over k bytes that contain no newline. */
static void advance(att__plex *lx, size_t k)
{
    for (size_t i = 0; i < k && lx->off < lx->n; i++, lx->off++)
        if (((unsigned char)lx->text[lx->off] & 0xC0) != 0x80)
            lx->col++;
}

static void skip_space(att__plex *lx)
{
    while (lx->off < lx->n) {
        char ch = lx->text[lx->off];
        if (ch == '\n') {
            lx->off++;
            lx->line++;
            lx->col = 1;
        } else if (ch == ' ' || ch == '\t' || ch == '\r') {
            advance(lx, 1);
        } else if (ch == '/' && lx->off + 1 < lx->n && lx->text[lx->off + 1] == '/') {
            while (lx->off < lx->n && lx->text[lx->off] != '\n')
                advance(lx, 1);
        } else {
            break;
        }
    }
}

static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads 4 hex digits at s; -1 when they are not. */
static long hex4(const char *s, size_t avail)
{
    if (avail < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = att__hex_digit((unsigned char)s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Validates a string literal starting at lx->off (the opening quote) and sets t. */
static int lex_string(att__plex *lx, att__ptok *t, att_diag *d)
{
    const char *s = lx->text;
    size_t i = lx->off + 1;
    int curly = 0;
    while (i < lx->n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            t->kind = PT_STRING;
            t->len = i + 1 - lx->off;
            advance(lx, t->len);
            return ATT_OK;
        }
        if (c == '\n' || c == '\r')
            break;
        if (c < 0x20 && c != '\t') {
            uint32_t l, col;
            att__plex_position(s, i, &l, &col);
            return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, l, col,
                                       "control character 0x%02x in a string literal", c);
        }
        if (i + 2 < lx->n && c == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] == 0x9C || (unsigned char)s[i + 2] == 0x9D))
            curly = 1;
        if (c == '\\') {
            char e = i + 1 < lx->n ? s[i + 1] : '\0';
            const char *ok = strchr("\"\\/bfnrt", e);
            if (e && ok) {
                i += 2;
                continue;
            }
            uint32_t l, col;
            att__plex_position(s, i, &l, &col);
            if (e != 'u')
                return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, l, col,
                                           "invalid escape sequence in a string literal (valid: "
                                           "\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
            long u = hex4(s + i + 2, lx->n - (i + 2));
            if (u < 0)
                return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, l, col,
                                           "\\u must be followed by 4 hexadecimal digits");
            if (u == 0)
                return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, l, col,
                                           "\\u0000 is not allowed in a policy string");
            if (u >= 0xDC00 && u <= 0xDFFF)
                return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, l, col,
                                           "unpaired UTF-16 low surrogate \\u%04lX", u);
            i += 6;
            if (u >= 0xD800 && u <= 0xDBFF) {
                long lo = (i + 1 < lx->n && s[i] == '\\' && s[i + 1] == 'u')
                              ? hex4(s + i + 2, lx->n - (i + 2))
                              : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, l, col,
                                               "UTF-16 high surrogate \\u%04lX without a low "
                                               "surrogate after it",
                                               u);
                i += 6;
            }
            continue;
        }
        i++;
    }
    att__ptok partial = {.kind = PT_STRING, .off = lx->off, .len = i - lx->off};
    while (partial.len > 1 &&
           (s[lx->off + partial.len - 1] == ' ' || s[lx->off + partial.len - 1] == '\t'))
        partial.len--;
    char tok[64];
    att__plex_tokname(s, &partial, tok, sizeof(tok));
    return att__policy_fail_at(
        d, ATT_EPARSE, "policy.syntax", tok, lx->line, lx->col,
        "unterminated string literal (a string ends with '\"' on the same line)%s",
        curly ? "; a typographic quote \xE2\x80\x9C or \xE2\x80\x9D does not end a string" : "");
}

static int lex_int(att__plex *lx, att__ptok *t, att_diag *d)
{
    const char *s = lx->text;
    size_t i = lx->off;
    int neg = 0;
    if (s[i] == '-') {
        neg = 1;
        i++;
    }
    if (s[i] == '0' && i + 1 < lx->n && (s[i + 1] == 'x' || s[i + 1] == 'X'))
        return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, lx->line, lx->col,
                                   "hexadecimal integers are not supported: write the value in "
                                   "decimal");
    int64_t v = 0; /* accumulated negatively so that INT64_MIN fits */
    for (; i < lx->n && is_digit(s[i]); i++) {
        int dg = s[i] - '0';
        if (v < (INT64_MIN + dg) / 10)
            return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, lx->line, lx->col,
                                       "integer literal out of range (64-bit signed)");
        v = v * 10 - dg;
    }
    if (!neg) {
        if (v == INT64_MIN)
            return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", NULL, lx->line, lx->col,
                                       "integer literal out of range (64-bit signed)");
        v = -v;
    }
    t->kind = PT_INT;
    t->ival = v;
    t->len = i - lx->off;
    advance(lx, t->len);
    return ATT_OK;
}

int att__plex_next(att__plex *lx, att__ptok *t, att_diag *d)
{
    skip_space(lx);
    memset(t, 0, sizeof(*t));
    t->off = lx->off;
    t->line = lx->line;
    t->col = lx->col;
    if (lx->off >= lx->n) {
        t->kind = PT_EOF;
        return ATT_OK;
    }
    const char *s = lx->text + lx->off;
    size_t avail = lx->n - lx->off;
    char c = s[0], c1 = avail > 1 ? s[1] : '\0';
    if (is_ident_start(c)) {
        size_t k = 1;
        while (k < avail && (is_ident_start(s[k]) || is_digit(s[k])))
            k++;
        t->kind = PT_IDENT;
        t->len = k;
        advance(lx, k);
        return ATT_OK;
    }
    if (is_digit(c) || (c == '-' && is_digit(c1)))
        return lex_int(lx, t, d);
    if (c == '"')
        return lex_string(lx, t, d);
    static const struct {
        const char *text;
        att__ptok_kind kind;
    } punct[] = {
        {"==", PT_EQ},    {"=>", PT_ARROW}, {"!=", PT_NE},    {"<=", PT_LE},    {">=", PT_GE},
        {"&&", PT_AND},   {"=", PT_ASSIGN}, {"!", PT_NOT},    {"<", PT_LT},     {">", PT_GT},
        {"[", PT_LBRACK}, {"]", PT_RBRACK}, {"(", PT_LPAREN}, {")", PT_RPAREN}, {"{", PT_LBRACE},
        {"}", PT_RBRACE}, {",", PT_COMMA},  {";", PT_SEMI},   {":", PT_COLON},  {".", PT_DOT},
    };
    for (size_t i = 0; i < sizeof(punct) / sizeof(punct[0]); i++) {
        size_t k = strlen(punct[i].text);
        if (k <= avail && memcmp(s, punct[i].text, k) == 0) {
            t->kind = punct[i].kind;
            t->len = k;
            advance(lx, k);
            return ATT_OK;
        }
    }
    const char *hint = "";
    if (c == '&')
        hint = " (the condition separator is '&&')";
    else if (c == '|')
        hint = " (there is no '||': write one rule per alternative)";
    else if (c == '\'')
        hint = " (strings are written in double quotes)";
    else if (c == '/')
        hint = " (comments start with '//')";
    char shown[16];
    size_t k = utf8_len((const unsigned char *)s, avail);
    if ((unsigned char)c >= 0x20 && c != 0x7f && k > 0 && k < sizeof(shown)) {
        memcpy(shown, s, k);
        shown[k] = '\0';
    } else {
        snprintf(shown, sizeof(shown), "\\x%02x", (unsigned char)c);
    }
    return att__policy_fail_at(d, ATT_EPARSE, "policy.syntax", shown, lx->line, lx->col,
                               "unexpected character '%s'%s", shown, hint);
}

/* Appends code point cp as UTF-8. */
static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

char *att__plex_string(const char *text, const att__ptok *t, att__arena *a, size_t *len)
{
    const char *s = text + t->off + 1;
    size_t n = t->len - 2; /* without the quotes; escapes never grow the text */
    char *out = att__arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            uint32_t cp = (uint32_t)hex4(s + i, n - i);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo = (uint32_t)hex4(s + i + 2, n - (i + 2));
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            o += put_utf8(out + o, cp);
            break;
        }
        default: /* " \ / */
            out[o++] = e;
        }
    }
    out[o] = '\0';
    if (len)
        *len = o;
    return out;
}

char *att__plex_normalize(const char *text, size_t off, size_t len, att__arena *a)
{
    char *out = att__arena_alloc(a, len + 1);
    if (!out)
        return NULL;
    const char *s = text + off;
    size_t o = 0;
    int pending = 0;
    for (size_t i = 0; i < len;) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            pending = 1;
            i++;
            continue;
        }
        if (c == '/' && i + 1 < len && s[i + 1] == '/') {
            while (i < len && s[i] != '\n')
                i++;
            pending = 1;
            continue;
        }
        if (pending && o > 0)
            out[o++] = ' ';
        pending = 0;
        if (c == '"') {
            out[o++] = s[i++];
            while (i < len && s[i] != '"') {
                if (s[i] == '\\' && i + 1 < len)
                    out[o++] = s[i++];
                out[o++] = s[i++];
            }
            if (i < len)
                out[o++] = s[i++];
            continue;
        }
        out[o++] = s[i++];
    }
    out[o] = '\0';
    return out;
}

void att__plex_tokname(const char *text, const att__ptok *t, char *out, size_t cap)
{
    if (t->kind == PT_EOF) {
        snprintf(out, cap, "<EOF>");
        return;
    }
    size_t n = t->len, max = 40;
    const char *s = text + t->off;
    if (n > max) {
        /* cut at a character boundary */
        size_t k = max;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
        snprintf(out, cap, "%.*s...%s", (int)k, s, t->kind == PT_STRING ? "\"" : "");
        return;
    }
    snprintf(out, cap, "%.*s", (int)n, s);
}
