/* Helpers shared by the policy evaluation unit tests (test_policy_eval.c and
 * test_policy_func.c): one evaluation (arena, incoming claims, compiled program, result and
 * diagnostics), and lookups in a claim set. Kept here rather than in testutil.c because every
 * unit test links testutil.c, and most of them do not link src/policy. */
#ifndef ATT_TEST_POLICY_TU_H
#define ATT_TEST_POLICY_TU_H

#include "testutil.h"

#include <string.h>

#include "attest/error.h"
#include "policy/policy.h"

/* One evaluation: everything lives in the arena a, except the program p. */
typedef struct tu_ev {
    att__arena a;
    att__claimset in;
    att__policy_prog *p;
    att__policy_result res;
    att_diag d;
    int rc;
} tu_ev;

/* An empty evaluation; release with tu_ev_free. */
static inline void tu_ev_init(tu_ev *e)
{
    memset(e, 0, sizeof(*e));
    att__arena_init(&e->a);
    att__claims_init(&e->in, &e->a);
}

static inline void tu_ev_free(tu_ev *e)
{
    att__policy_prog_free(e->p);
    att__arena_free(&e->a);
}

/* Compiles policy (failing the test when it does not compile) in place of e's previous
 * program and evaluates it over e->in into e->res and e->d. Returns (and keeps in e->rc)
 * att__policy_eval's result. */
static inline int tu_ev_run(tu_ev *e, const char *policy)
{
    att_diag d;
    att_diag_clear(&d);
    att__policy_prog_free(e->p);
    e->p = NULL;
    if (att__policy_compile(policy, strlen(policy), &e->p, &d) != ATT_OK)
        fail_msg("policy does not compile: %s", d.message);
    att_diag_clear(&e->d);
    e->rc = att__policy_eval(e->p, &e->in, &e->a, &e->res, &e->d);
    return e->rc;
}

/* Adds an incoming string claim (copied into e's arena). */
static inline void tu_ev_add_s(tu_ev *e, const char *type, const char *v)
{
    assert_int_equal(att__claims_add_string(&e->in, type, v, NULL), ATT_OK);
}

/* How many claims of a type s holds. */
static inline size_t tu_claim_count(const att__claimset *s, const char *type)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += strcmp(s->v[i].type, type) == 0;
    return n;
}

/* The n-th claim of a type (borrowed from s), or NULL. */
static inline const att__claim *tu_claim_nth(const att__claimset *s, const char *type, size_t n)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].type, type) == 0 && n-- == 0)
            return &s->v[i];
    return NULL;
}

#endif
