/* JMESPath parser: tokens -> immutable syntax tree, and the compile/free API of
 * jmespath.h.
 *
 * A Pratt (top-down operator precedence) parser with the binding powers of the reference
 * implementations. Every parse function returns a new subtree or NULL after recording the
 * failure in the parser; subtrees handed to a constructor belong to it even when it fails,
 * so error paths never leak. Sub-expressions, index chains and pipes are flattened into
 * one CHAIN node and && / || chains into one n-ary node, so long but shallow expressions
 * ("a.b.c...", "a || b || c ...") stay shallow. Recursion is bounded twice: by the number of
 * active expression frames and by the height of every node built, both at most
 * ATT_MAX_JMESPATH_DEPTH, which also bounds the evaluator's and att__jmes_node_free's
 * recursion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/jmespath_int.h"

/* Binding powers; tokens below PROJECTION_STOP end the right side of a projection. */
static const int bp[ATT__JT_COUNT] = {
    [ATT__JT_PIPE] = 1,    [ATT__JT_OR] = 2,      [ATT__JT_AND] = 3,     [ATT__JT_EQ] = 5,
    [ATT__JT_NE] = 5,      [ATT__JT_LT] = 5,      [ATT__JT_LE] = 5,      [ATT__JT_GT] = 5,
    [ATT__JT_GE] = 5,      [ATT__JT_FLATTEN] = 9, [ATT__JT_STAR] = 20,   [ATT__JT_FILTER] = 21,
    [ATT__JT_DOT] = 40,    [ATT__JT_NOT] = 45,    [ATT__JT_LBRACE] = 50, [ATT__JT_LBRACKET] = 55,
    [ATT__JT_LPAREN] = 60,
};
#define PROJECTION_STOP 10

typedef struct parser {
    const char *s;
    att__jmes_tokens *t;
    size_t i;       /* current token */
    unsigned depth; /* active expression frames */
    att_diag *d;
    int err;
} parser;

static att__jmes_node *expr(parser *p, int rbp);

void att__jmes_node_free(att__jmes_node *nd)
{
    if (!nd)
        return;
    att__jmes_node_free(nd->a);
    att__jmes_node_free(nd->b);
    att__jmes_node_free(nd->c);
    for (size_t i = 0; i < nd->n; i++) {
        att__jmes_node_free(nd->kids[i]);
        if (nd->keys)
            free(nd->keys[i]);
    }
    free(nd->kids);
    free(nd->keys);
    free(nd->key_lens);
    free(nd->name);
    json_decref(nd->lit);
    free(nd);
}

static const att__jmes_token *cur(const parser *p)
{
    return &p->t->v[p->i];
}

static att__jmes_tok_type cur_type(const parser *p)
{
    return p->t->v[p->i].type;
}

/* The token after the current one (EOF stays EOF). */
static att__jmes_tok_type next_type(const parser *p)
{
    return p->i + 1 < p->t->n ? p->t->v[p->i + 1].type : ATT__JT_EOF;
}

static void advance(parser *p)
{
    if (p->t->v[p->i].type != ATT__JT_EOF)
        p->i++;
}

/* Records "unexpected <token> (expected <what>)" at token tok. Returns NULL. */
static att__jmes_node *fail_tok(parser *p, const att__jmes_token *tok, const char *what)
{
    char desc[96];
    att__jmes_tok_describe(p->s, tok, desc, sizeof(desc));
    if (!p->err) {
        p->err = ATT_EPARSE;
        att_diag_fail(p->d, ATT_EPARSE, ATT__JMES_R_SYNTAX, "expression",
                      "JMESPath syntax error at column %zu: unexpected %s (expected %s)",
                      att__jmes_column(p->s, tok->off), desc, what);
        att_diag_expect(p->d, what, desc);
    }
    return NULL;
}

static att__jmes_node *fail_nomem(parser *p)
{
    if (!p->err)
        p->err = att__jmes_nomem(p->d);
    return NULL;
}

static att__jmes_node *fail_depth(parser *p, size_t off)
{
    if (!p->err) {
        p->err = ATT_ELIMIT;
        att_diag_fail(p->d, ATT_ELIMIT, ATT__JMES_R_SYNTAX, "expression",
                      "JMESPath syntax error at column %zu: expression nested too deeply "
                      "(more than %u levels)",
                      att__jmes_column(p->s, off), ATT_MAX_JMESPATH_DEPTH);
    }
    return NULL;
}

/* Consumes a token of type want or fails naming what was expected. */
static int expect(parser *p, att__jmes_tok_type want, const char *what)
{
    if (cur_type(p) != want) {
        fail_tok(p, cur(p), what);
        return -1;
    }
    advance(p);
    return 0;
}

static att__jmes_node *mk(parser *p, att__jmes_node_type type, size_t off)
{
    att__jmes_node *nd = calloc(1, sizeof(*nd));
    if (!nd)
        return fail_nomem(p);
    nd->type = type;
    nd->off = off;
    nd->height = 1;
    return nd;
}

/* Computes nd's height; fails (freeing nd) when it exceeds the nesting bound. */
static att__jmes_node *finish(parser *p, att__jmes_node *nd)
{
    unsigned h = 0;
    const att__jmes_node *ch[3] = {nd->a, nd->b, nd->c};
    for (int i = 0; i < 3; i++)
        if (ch[i] && ch[i]->height > h)
            h = ch[i]->height;
    for (size_t i = 0; i < nd->n; i++)
        if (nd->kids[i]->height > h)
            h = nd->kids[i]->height;
    nd->height = h + 1;
    if (nd->height > ATT_MAX_JMESPATH_DEPTH) {
        size_t off = nd->off;
        att__jmes_node_free(nd);
        return fail_depth(p, off);
    }
    return nd;
}

/* A node with up to three children; takes ownership of a, b and c even on failure. */
static att__jmes_node *mk3(parser *p, att__jmes_node_type type, size_t off, att__jmes_node *a,
                           att__jmes_node *b, att__jmes_node *c)
{
    att__jmes_node *nd = mk(p, type, off);
    if (!nd) {
        att__jmes_node_free(a);
        att__jmes_node_free(b);
        att__jmes_node_free(c);
        return NULL;
    }
    nd->a = a;
    nd->b = b;
    nd->c = c;
    return finish(p, nd);
}

/* Appends kid to nd->kids; frees kid on failure. */
static int add_kid(parser *p, att__jmes_node *nd, att__jmes_node *kid)
{
    att__jmes_node **v = realloc(nd->kids, (nd->n + 1) * sizeof(*v));
    if (!v) {
        att__jmes_node_free(kid);
        fail_nomem(p);
        return -1;
    }
    nd->kids = v;
    nd->kids[nd->n++] = kid;
    return 0;
}

/* Joins left and right into an n-ary node of type (CHAIN, AND, OR), splicing in the
 * children of operands that already are such nodes (all three operations are
 * associative). Takes ownership of both operands. */
static att__jmes_node *join(parser *p, att__jmes_node_type type, att__jmes_node *left,
                            att__jmes_node *right)
{
    att__jmes_node *nd = left->type == type ? left : NULL;
    if (!nd) {
        nd = mk(p, type, left->off);
        if (!nd || add_kid(p, nd, left)) {
            if (!nd)
                att__jmes_node_free(left);
            att__jmes_node_free(nd);
            att__jmes_node_free(right);
            return NULL;
        }
    }
    if (right->type == type) {
        for (size_t i = 0; i < right->n; i++) {
            att__jmes_node *k = right->kids[i];
            right->kids[i] = NULL;
            if (add_kid(p, nd, k)) {
                att__jmes_node_free(nd);
                att__jmes_node_free(right); /* skips the NULL entries */
                return NULL;
            }
        }
        att__jmes_node_free(right);
    } else if (add_kid(p, nd, right)) {
        att__jmes_node_free(nd);
        return NULL;
    }
    return finish(p, nd);
}

/* Right side of a projection: where the projection stops, it is @. */
static att__jmes_node *projection_rhs(parser *p, int rbp);
static att__jmes_node *dot_rhs(parser *p, int rbp);

static att__jmes_node *current_node(parser *p, size_t off)
{
    return mk(p, ATT__JN_CURRENT, off);
}

/* After '[': the index or slice, through the closing ']'. */
static att__jmes_node *index_expr(parser *p)
{
    size_t off = cur(p)->off;
    if (cur_type(p) == ATT__JT_NUMBER && next_type(p) != ATT__JT_COLON) {
        long long v = cur(p)->num;
        advance(p);
        if (expect(p, ATT__JT_RBRACKET, "']'"))
            return NULL;
        att__jmes_node *nd = mk(p, ATT__JN_INDEX, off);
        if (nd)
            nd->num = v;
        return nd;
    }
    long long part[3] = {0, 0, 0};
    int has[3] = {0, 0, 0}, k = 0;
    while (cur_type(p) != ATT__JT_RBRACKET) {
        if (cur_type(p) == ATT__JT_COLON && k < 2) {
            k++;
        } else if (cur_type(p) == ATT__JT_NUMBER && !has[k]) {
            part[k] = cur(p)->num;
            has[k] = 1;
        } else {
            return fail_tok(p, cur(p), k < 2 ? "a number, ':' or ']'" : "a number or ']'");
        }
        advance(p);
    }
    advance(p);
    if (has[2] && part[2] == 0) {
        if (!p->err) {
            p->err = ATT_EPARSE;
            att_diag_fail(p->d, ATT_EPARSE, ATT__JMES_R_VALUE, "expression",
                          "JMESPath error at column %zu: slice step cannot be 0",
                          att__jmes_column(p->s, off));
        }
        return NULL;
    }
    att__jmes_node *nd = mk(p, ATT__JN_SLICE, off);
    if (nd) {
        memcpy(nd->slice, part, sizeof(part));
        memcpy(nd->has, has, sizeof(has));
    }
    return nd;
}

/* left followed by an index or slice: a slice starts a projection. Takes left. */
static att__jmes_node *project_if_slice(parser *p, att__jmes_node *left, att__jmes_node *idx)
{
    if (!idx) {
        att__jmes_node_free(left);
        return NULL;
    }
    att__jmes_node *base = left ? join(p, ATT__JN_CHAIN, left, idx) : idx;
    if (!base || idx->type != ATT__JN_SLICE)
        return base;
    size_t off = base->off;
    att__jmes_node *rhs = projection_rhs(p, bp[ATT__JT_STAR]);
    if (!rhs) {
        att__jmes_node_free(base);
        return NULL;
    }
    att__jmes_node *nd = mk3(p, ATT__JN_PROJECT, off, base, rhs, NULL);
    if (nd)
        nd->from_slice = 1;
    return nd;
}

/* After '[' (not followed by a number, ':' or "*]"): [a, b, ...]. */
static att__jmes_node *multi_list(parser *p, size_t off)
{
    att__jmes_node *nd = mk(p, ATT__JN_MSLIST, off);
    if (!nd)
        return NULL;
    for (;;) {
        att__jmes_node *e = expr(p, 0);
        if (!e || add_kid(p, nd, e)) {
            att__jmes_node_free(nd);
            return NULL;
        }
        if (cur_type(p) == ATT__JT_RBRACKET)
            break;
        if (expect(p, ATT__JT_COMMA, "',' or ']'")) {
            att__jmes_node_free(nd);
            return NULL;
        }
    }
    advance(p);
    return finish(p, nd);
}

/* After '{': {key: expr, ...}. */
static att__jmes_node *multi_hash(parser *p, size_t off)
{
    att__jmes_node *nd = mk(p, ATT__JN_MSHASH, off);
    if (!nd)
        return NULL;
    for (;;) {
        att__jmes_token *key = &p->t->v[p->i];
        if (key->type != ATT__JT_UNQUOTED_ID && key->type != ATT__JT_QUOTED_ID) {
            att__jmes_node_free(nd);
            return fail_tok(p, key, "an identifier as the key");
        }
        advance(p);
        if (expect(p, ATT__JT_COLON, "':'")) {
            att__jmes_node_free(nd);
            return NULL;
        }
        /* Room for key n first: node_free walks keys[0..n) only. */
        char **keys = realloc(nd->keys, (nd->n + 1) * sizeof(*keys));
        if (keys)
            nd->keys = keys;
        size_t *lens = keys ? realloc(nd->key_lens, (nd->n + 1) * sizeof(*lens)) : NULL;
        if (lens)
            nd->key_lens = lens;
        att__jmes_node *e = lens ? expr(p, 0) : fail_nomem(p);
        if (!e) {
            att__jmes_node_free(nd);
            return NULL;
        }
        nd->keys[nd->n] = key->text;
        nd->key_lens[nd->n] = key->text_len;
        key->text = NULL;
        if (add_kid(p, nd, e)) {
            free(nd->keys[nd->n]);
            att__jmes_node_free(nd);
            return NULL;
        }
        if (cur_type(p) == ATT__JT_RBRACE)
            break;
        if (expect(p, ATT__JT_COMMA, "',' or '}'")) {
            att__jmes_node_free(nd);
            return NULL;
        }
    }
    advance(p);
    return finish(p, nd);
}

static att__jmes_node *projection_rhs(parser *p, int rbp)
{
    att__jmes_tok_type t = cur_type(p);
    if (bp[t] < PROJECTION_STOP)
        return current_node(p, cur(p)->off);
    if (t == ATT__JT_LBRACKET || t == ATT__JT_FILTER)
        return expr(p, rbp);
    if (t == ATT__JT_DOT) {
        advance(p);
        return dot_rhs(p, rbp);
    }
    return fail_tok(p, cur(p), "'.', '[', '[?' or the end of the projection");
}

static att__jmes_node *dot_rhs(parser *p, int rbp)
{
    att__jmes_tok_type t = cur_type(p);
    size_t off = cur(p)->off;
    if (t == ATT__JT_UNQUOTED_ID || t == ATT__JT_QUOTED_ID || t == ATT__JT_STAR)
        return expr(p, rbp);
    if (t == ATT__JT_LBRACKET) {
        advance(p);
        return multi_list(p, off);
    }
    if (t == ATT__JT_LBRACE) {
        advance(p);
        return multi_hash(p, off);
    }
    return fail_tok(p, cur(p), "an identifier, '*', '[' or '{' after '.'");
}

/* left[? cond ] rhs. Takes left. */
static att__jmes_node *filter(parser *p, att__jmes_node *left, size_t off)
{
    att__jmes_node *cond = expr(p, 0);
    if (!cond || expect(p, ATT__JT_RBRACKET, "']' closing the filter")) {
        att__jmes_node_free(cond);
        att__jmes_node_free(left);
        return NULL;
    }
    att__jmes_node *rhs = projection_rhs(p, bp[ATT__JT_FILTER]);
    if (!rhs) {
        att__jmes_node_free(cond);
        att__jmes_node_free(left);
        return NULL;
    }
    return mk3(p, ATT__JN_FILTER, off, left, rhs, cond);
}

/* left[] rhs. Takes left. */
static att__jmes_node *flatten(parser *p, att__jmes_node *left, size_t off)
{
    att__jmes_node *f = mk3(p, ATT__JN_FLATTEN, off, left, NULL, NULL);
    if (!f)
        return NULL;
    att__jmes_node *rhs = projection_rhs(p, bp[ATT__JT_FLATTEN]);
    if (!rhs) {
        att__jmes_node_free(f);
        return NULL;
    }
    return mk3(p, ATT__JN_PROJECT, off, f, rhs, NULL);
}

/* A projection of kind type over left (NULL: @) with the right side parsed at rbp. */
static att__jmes_node *projection(parser *p, att__jmes_node_type type, att__jmes_node *left,
                                  size_t off, int rbp)
{
    if (!left && !(left = current_node(p, off)))
        return NULL;
    att__jmes_node *rhs = projection_rhs(p, rbp);
    if (!rhs) {
        att__jmes_node_free(left);
        return NULL;
    }
    return mk3(p, type, off, left, rhs, NULL);
}

/* Function call: left (a FIELD naming the function) followed by '(' args ')'. Takes left. */
static att__jmes_node *call(parser *p, att__jmes_node *left)
{
    size_t off = left->off;
    const att__jmes_func *fn = att__jmes_func_find(left->name, left->name_len);
    if (!fn) {
        if (!p->err) {
            p->err = ATT_EPARSE;
            att_diag_fail(p->d, ATT_EPARSE, ATT__JMES_R_UNKNOWN, left->name,
                          "JMESPath error at column %zu: unknown function %s()",
                          att__jmes_column(p->s, off), left->name);
        }
        att__jmes_node_free(left);
        return NULL;
    }
    att__jmes_node_free(left);
    att__jmes_node *nd = mk(p, ATT__JN_FUNC, off);
    if (!nd)
        return NULL;
    nd->fn = fn;
    while (cur_type(p) != ATT__JT_RPAREN) {
        if (nd->n && expect(p, ATT__JT_COMMA, "',' or ')'")) {
            att__jmes_node_free(nd);
            return NULL;
        }
        att__jmes_node *e = expr(p, 0);
        if (!e || add_kid(p, nd, e)) {
            att__jmes_node_free(nd);
            return NULL;
        }
    }
    advance(p);
    int min, max;
    att__jmes_func_arity(fn, &min, &max);
    if (nd->n < (size_t)min || (max >= 0 && nd->n > (size_t)max)) {
        if (!p->err) {
            p->err = ATT_EPARSE;
            att_diag_fail(p->d, ATT_EPARSE, ATT__JMES_R_ARITY, att__jmes_func_name(fn),
                          "JMESPath error at column %zu: invalid arity for %s(): expected "
                          "%s%d argument%s, got %zu",
                          att__jmes_column(p->s, off), att__jmes_func_name(fn),
                          max < 0 ? "at least " : "", min, min == 1 ? "" : "s", nd->n);
        }
        att__jmes_node_free(nd);
        return NULL;
    }
    return finish(p, nd);
}

static att__jmes_node *nud(parser *p)
{
    att__jmes_token *tok = &p->t->v[p->i];
    size_t off = tok->off;
    advance(p);
    att__jmes_node *nd, *e;
    switch (tok->type) {
    case ATT__JT_LITERAL:
        if ((nd = mk(p, ATT__JN_LITERAL, off))) {
            nd->lit = tok->lit;
            tok->lit = NULL;
        }
        return nd;
    case ATT__JT_QUOTED_ID:
        if (cur_type(p) == ATT__JT_LPAREN)
            return fail_tok(p, cur(p), "an operator (function names cannot be quoted)");
        /* fall through */
    case ATT__JT_UNQUOTED_ID:
        if ((nd = mk(p, ATT__JN_FIELD, off))) {
            nd->name = tok->text;
            nd->name_len = tok->text_len;
            tok->text = NULL;
        }
        return nd;
    case ATT__JT_STAR:
        return projection(p, ATT__JN_VPROJECT, NULL, off, bp[ATT__JT_STAR]);
    case ATT__JT_FILTER:
        return (nd = current_node(p, off)) ? filter(p, nd, off) : NULL;
    case ATT__JT_FLATTEN:
        return (nd = current_node(p, off)) ? flatten(p, nd, off) : NULL;
    case ATT__JT_LBRACE:
        return multi_hash(p, off);
    case ATT__JT_LPAREN:
        e = expr(p, 0);
        if (e && expect(p, ATT__JT_RPAREN, "')'")) {
            att__jmes_node_free(e);
            return NULL;
        }
        return e;
    case ATT__JT_NOT:
        e = expr(p, bp[ATT__JT_NOT]);
        return e ? mk3(p, ATT__JN_NOT, off, e, NULL, NULL) : NULL;
    case ATT__JT_EXPREF:
        e = expr(p, 0);
        return e ? mk3(p, ATT__JN_EXPREF, off, e, NULL, NULL) : NULL;
    case ATT__JT_CURRENT:
        return current_node(p, off);
    case ATT__JT_LBRACKET:
        if (cur_type(p) == ATT__JT_NUMBER || cur_type(p) == ATT__JT_COLON)
            return project_if_slice(p, NULL, index_expr(p));
        if (cur_type(p) == ATT__JT_STAR && next_type(p) == ATT__JT_RBRACKET) {
            advance(p);
            advance(p);
            return projection(p, ATT__JN_PROJECT, NULL, off, bp[ATT__JT_STAR]);
        }
        return multi_list(p, off);
    default:
        return fail_tok(p, tok, "an expression");
    }
}

static att__jmes_cmp cmp_of(att__jmes_tok_type t)
{
    switch (t) {
    case ATT__JT_EQ:
        return ATT__JC_EQ;
    case ATT__JT_NE:
        return ATT__JC_NE;
    case ATT__JT_LT:
        return ATT__JC_LT;
    case ATT__JT_LE:
        return ATT__JC_LE;
    case ATT__JT_GT:
        return ATT__JC_GT;
    default:
        return ATT__JC_GE;
    }
}

/* Operator tok (already consumed) applied to left. Takes left. */
static att__jmes_node *led(parser *p, att__jmes_node *left)
{
    const att__jmes_token *tok = &p->t->v[p->i];
    size_t off = tok->off;
    att__jmes_tok_type t = tok->type;
    advance(p);
    att__jmes_node *right;
    switch (t) {
    case ATT__JT_DOT:
        if (cur_type(p) == ATT__JT_STAR) {
            /* left.*: everything after the wildcard belongs to the projection (the star's
             * binding power, as for a bare '*'). */
            advance(p);
            return projection(p, ATT__JN_VPROJECT, left, off, bp[ATT__JT_STAR]);
        }
        right = dot_rhs(p, bp[ATT__JT_DOT]);
        break;
    case ATT__JT_PIPE:
        right = expr(p, bp[ATT__JT_PIPE]);
        break;
    case ATT__JT_OR:
    case ATT__JT_AND:
        right = expr(p, bp[t]);
        if (!right) {
            att__jmes_node_free(left);
            return NULL;
        }
        return join(p, t == ATT__JT_OR ? ATT__JN_OR : ATT__JN_AND, left, right);
    case ATT__JT_EQ:
    case ATT__JT_NE:
    case ATT__JT_LT:
    case ATT__JT_LE:
    case ATT__JT_GT:
    case ATT__JT_GE:
        right = expr(p, bp[t]);
        if (!right) {
            att__jmes_node_free(left);
            return NULL;
        }
        if ((left = mk3(p, ATT__JN_CMP, off, left, right, NULL)))
            left->op = cmp_of(t);
        return left;
    case ATT__JT_LBRACKET:
        if (cur_type(p) == ATT__JT_NUMBER || cur_type(p) == ATT__JT_COLON)
            return project_if_slice(p, left, index_expr(p));
        if (cur_type(p) != ATT__JT_STAR) {
            att__jmes_node_free(left);
            return fail_tok(p, cur(p), "a number, ':' or '*'");
        }
        advance(p);
        if (expect(p, ATT__JT_RBRACKET, "']'")) {
            att__jmes_node_free(left);
            return NULL;
        }
        return projection(p, ATT__JN_PROJECT, left, off, bp[ATT__JT_STAR]);
    case ATT__JT_FILTER:
        return filter(p, left, off);
    case ATT__JT_FLATTEN:
        return flatten(p, left, off);
    case ATT__JT_LPAREN:
        /* Only a plain identifier directly before '(' names a function. */
        if (left->type != ATT__JN_FIELD || p->i < 2 ||
            p->t->v[p->i - 2].type != ATT__JT_UNQUOTED_ID) {
            att__jmes_node_free(left);
            return fail_tok(p, tok, "an operator ('(' must follow a function name)");
        }
        return call(p, left);
    default:
        att__jmes_node_free(left);
        return fail_tok(p, tok, "an operator or the end of the expression");
    }
    if (!right) {
        att__jmes_node_free(left);
        return NULL;
    }
    return join(p, ATT__JN_CHAIN, left, right);
}

static att__jmes_node *expr(parser *p, int rbp)
{
    if (p->depth >= ATT_MAX_JMESPATH_DEPTH)
        return fail_depth(p, cur(p)->off);
    p->depth++;
    att__jmes_node *left = nud(p);
    while (left && rbp < bp[cur_type(p)])
        left = led(p, left);
    p->depth--;
    return left;
}

int att__jmes_compile(const char *text, size_t n, att__jmes_expr **out, att_diag *d)
{
    if (out)
        *out = NULL;
    if (!out || (!text && n))
        return att_diag_fail(d, ATT_EINVAL, ATT__JMES_R_SYNTAX, "expression",
                             "invalid arguments to att__jmes_compile");
    if (n > ATT_MAX_JMESPATH_EXPR)
        return att_diag_fail(d, ATT_ELIMIT, ATT__JMES_R_SYNTAX, "expression",
                             "JMESPath expression too long: %zu bytes (limit %u)", n,
                             ATT_MAX_JMESPATH_EXPR);
    att__jmes_tokens toks;
    int rc = att__jmes_lex(text ? text : "", n, &toks, d);
    if (rc)
        return rc;
    parser p = {text ? text : "", &toks, 0, 0, d, 0};
    att__jmes_node *root = expr(&p, 0);
    if (root && cur_type(&p) != ATT__JT_EOF) {
        att__jmes_node_free(root);
        root = fail_tok(&p, cur(&p), "an operator or the end of the expression");
    }
    att__jmes_tokens_free(&toks);
    if (!root)
        return p.err ? p.err : att__jmes_nomem(d);
    att__jmes_expr *e = malloc(sizeof(*e));
    if (!e) {
        att__jmes_node_free(root);
        return att__jmes_nomem(d);
    }
    e->root = root;
    *out = e;
    return ATT_OK;
}

void att__jmes_free(att__jmes_expr *e)
{
    if (!e)
        return;
    att__jmes_node_free(e->root);
    free(e);
}
