/* Parsers for Intel's TCB info (v2 and v3, SGX and TDX) and QE identity (enclave identity
 * v2) JSON objects (reference/hw-evidence.md §2.4, §2.5), with jansson. They validate
 * strictly: every required member present with the right type, hex of the exact length,
 * integers in range, known statuses, non-empty and bounded level lists, no duplicate
 * levels. Every failure names the member ("tcbInfo.tcbLevels[3].tcbStatus: unknown status
 * 'Foo'"). Signatures are not checked here (load.c does that over the same text). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "collateral/dcap_int.h"
#include "core/codec.h"
#include "core/timeutil.h"

/* Longest advisory ID accepted ("INTEL-SA-00289" is 14). */
#define ADVISORY_MAX_LEN 64u
/* Longest identity id ("TDX_01", "TD_QE"). */
#define ID_MAX_LEN 32u

typedef struct pctx {
    att_diag *d;
    att__arena *a;
    const char *reason; /* "collateral.tcb_info" or "collateral.qe_identity" */
} pctx;

/* Records "<path>: <message>" with field = path; returns err. */
__attribute__((format(printf, 4, 5))) static int fail(const pctx *c, int err, const char *path,
                                                      const char *fmt, ...)
{
    char msg[ATT_DIAG_MESSAGE_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return att_diag_fail(c->d, err, c->reason, path, "%s: %s", path, msg);
}

/* "<parent>.<key>" or "<parent>[<i>]" into out. */
static void path_key(char *out, size_t cap, const char *parent, const char *key)
{
    snprintf(out, cap, "%s.%s", parent, key);
}

static void path_idx(char *out, size_t cap, const char *parent, size_t i)
{
    snprintf(out, cap, "%s[%zu]", parent, i);
}

/* The member key of obj; a missing required member fails, a missing optional one leaves
 * *v NULL. */
static int member(const pctx *c, json_t *obj, const char *parent, const char *key, int required,
                  json_t **v)
{
    *v = json_object_get(obj, key);
    if (!*v && required) {
        char p[ATT_DIAG_FIELD_MAX];
        path_key(p, sizeof(p), parent, key);
        return fail(c, ATT_EINVAL, p, "required member missing");
    }
    return ATT_OK;
}

/* Integer member in [min, max]. */
static int get_int(const pctx *c, json_t *obj, const char *parent, const char *key, int64_t min,
                   int64_t max, int64_t *out)
{
    json_t *v;
    char p[ATT_DIAG_FIELD_MAX];
    int rc = member(c, obj, parent, key, 1, &v);
    if (rc != ATT_OK)
        return rc;
    path_key(p, sizeof(p), parent, key);
    if (!json_is_integer(v))
        return fail(c, ATT_EINVAL, p, "not an integer");
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return fail(c, ATT_EINVAL, p, "%lld out of range %lld..%lld", (long long)x, (long long)min,
                    (long long)max);
    *out = (int64_t)x;
    return ATT_OK;
}

/* String member; *s borrowed from obj. */
static int get_str(const pctx *c, json_t *obj, const char *parent, const char *key, const char **s,
                   size_t *len)
{
    json_t *v;
    int rc = member(c, obj, parent, key, 1, &v);
    if (rc != ATT_OK)
        return rc;
    if (!json_is_string(v)) {
        char p[ATT_DIAG_FIELD_MAX];
        path_key(p, sizeof(p), parent, key);
        return fail(c, ATT_EINVAL, p, "not a string");
    }
    *s = json_string_value(v);
    *len = json_string_length(v);
    return ATT_OK;
}

/* Hex string member of exactly n bytes (either case). */
static int get_hex(const pctx *c, json_t *obj, const char *parent, const char *key, uint8_t *out,
                   size_t n)
{
    const char *s;
    size_t len, got = 0;
    int rc = get_str(c, obj, parent, key, &s, &len);
    if (rc != ATT_OK)
        return rc;
    char p[ATT_DIAG_FIELD_MAX];
    path_key(p, sizeof(p), parent, key);
    if (len != 2 * n)
        return fail(c, ATT_EINVAL, p, "bad hex length %zu (expected %zu hex digits)", len, 2 * n);
    if (att__hex_decode(s, len, out, &got) != ATT_OK || got != n)
        return fail(c, ATT_EINVAL, p, "not hex");
    return ATT_OK;
}

/* RFC 3339 date member; *str is an arena copy. */
static int get_date(const pctx *c, json_t *obj, const char *parent, const char *key, int64_t *t,
                    const char **str)
{
    const char *s;
    size_t len;
    int rc = get_str(c, obj, parent, key, &s, &len);
    if (rc != ATT_OK)
        return rc;
    char p[ATT_DIAG_FIELD_MAX];
    path_key(p, sizeof(p), parent, key);
    if (len > 40 || att__time_parse(s, t) != ATT_OK)
        return fail(c, ATT_EINVAL, p, "not an RFC 3339 date");
    if (str) {
        *str = att__arena_strndup(c->a, s, len);
        if (!*str)
            return fail(c, ATT_ENOMEM, p, "out of memory");
    }
    return ATT_OK;
}

/* Status member; allowed is a bit mask of att__tcb_status values. */
static int get_status(const pctx *c, json_t *obj, const char *parent, const char *key,
                      unsigned allowed, att__tcb_status *st)
{
    const char *s;
    size_t len;
    int rc = get_str(c, obj, parent, key, &s, &len);
    if (rc != ATT_OK)
        return rc;
    char p[ATT_DIAG_FIELD_MAX];
    path_key(p, sizeof(p), parent, key);
    if (len > 64 || att__tcb_status_parse(s, st) != ATT_OK)
        return fail(c, ATT_EINVAL, p, "unknown status '%.64s'", s);
    if (!(allowed & (1u << *st)))
        return fail(c, ATT_EINVAL, p, "status '%s' not allowed here", s);
    return ATT_OK;
}

#define ALL_STATUSES ((1u << (ATT_TCB_REVOKED + 1)) - 1u)
#define ISV_STATUSES                                                                               \
    ((1u << ATT_TCB_UP_TO_DATE) | (1u << ATT_TCB_OUT_OF_DATE) | (1u << ATT_TCB_REVOKED))

/* Optional "advisoryIDs": array of at most ATT_DCAP_MAX_ADVISORIES non-empty printable
 * strings, copied into the arena. */
static int get_advisories(const pctx *c, json_t *obj, const char *parent, const char *const **ids,
                          size_t *n)
{
    json_t *v;
    char p[ATT_DIAG_FIELD_MAX];
    *ids = NULL;
    *n = 0;
    (void)member(c, obj, parent, "advisoryIDs", 0, &v);
    if (!v)
        return ATT_OK;
    path_key(p, sizeof(p), parent, "advisoryIDs");
    if (!json_is_array(v))
        return fail(c, ATT_EINVAL, p, "not an array");
    size_t k = json_array_size(v);
    if (k > ATT_DCAP_MAX_ADVISORIES)
        return fail(c, ATT_ELIMIT, p, "%zu advisories (at most %u)", k, ATT_DCAP_MAX_ADVISORIES);
    if (k == 0)
        return ATT_OK;
    const char **arr = att__arena_alloc(c->a, k * sizeof(*arr));
    if (!arr)
        return fail(c, ATT_ENOMEM, p, "out of memory");
    for (size_t i = 0; i < k; i++) {
        json_t *e = json_array_get(v, i);
        char pi[ATT_DIAG_FIELD_MAX];
        path_idx(pi, sizeof(pi), p, i);
        if (!json_is_string(e))
            return fail(c, ATT_EINVAL, pi, "not a string");
        const char *s = json_string_value(e);
        size_t len = json_string_length(e);
        if (len == 0 || len > ADVISORY_MAX_LEN)
            return fail(c, ATT_EINVAL, pi, "advisory ID length %zu (1..%u)", len, ADVISORY_MAX_LEN);
        for (size_t j = 0; j < len; j++)
            if (s[j] < 0x21 || s[j] > 0x7e)
                return fail(c, ATT_EINVAL, pi, "advisory ID has a non-printable character");
        arr[i] = att__arena_strndup(c->a, s, len);
        if (!arr[i])
            return fail(c, ATT_ENOMEM, pi, "out of memory");
    }
    *ids = arr;
    *n = k;
    return ATT_OK;
}

/* The "tcbLevels" array of obj: present, an array, 1..ATT_DCAP_MAX_LEVELS entries. */
static int get_levels(const pctx *c, json_t *obj, const char *parent, json_t **arr, size_t *n)
{
    char p[ATT_DIAG_FIELD_MAX];
    int rc = member(c, obj, parent, "tcbLevels", 1, arr);
    if (rc != ATT_OK)
        return rc;
    path_key(p, sizeof(p), parent, "tcbLevels");
    if (!json_is_array(*arr))
        return fail(c, ATT_EINVAL, p, "not an array");
    *n = json_array_size(*arr);
    if (*n == 0)
        return fail(c, ATT_EINVAL, p, "no TCB levels");
    if (*n > ATT_DCAP_MAX_LEVELS)
        return fail(c, ATT_ELIMIT, p, "%zu levels (at most %u)", *n, ATT_DCAP_MAX_LEVELS);
    return ATT_OK;
}

/* An object-typed element or member. */
static int want_object(const pctx *c, json_t *v, const char *path)
{
    if (!json_is_object(v))
        return fail(c, ATT_EINVAL, path, "not an object");
    return ATT_OK;
}

/* Levels with isvsvn thresholds (QE identity, TDX module identity). */
static int parse_isv_levels(const pctx *c, json_t *obj, const char *parent,
                            const att__isv_level **out, size_t *n_out)
{
    json_t *arr;
    size_t n;
    int rc = get_levels(c, obj, parent, &arr, &n);
    if (rc != ATT_OK)
        return rc;
    char lp[ATT_DIAG_FIELD_MAX], base[ATT_DIAG_FIELD_MAX];
    path_key(base, sizeof(base), parent, "tcbLevels");
    att__isv_level *lv = att__arena_alloc(c->a, n * sizeof(*lv));
    if (!lv)
        return fail(c, ATT_ENOMEM, base, "out of memory");
    for (size_t i = 0; i < n && rc == ATT_OK; i++) {
        json_t *e = json_array_get(arr, i), *tcb;
        int64_t svn = 0;
        path_idx(lp, sizeof(lp), base, i);
        rc = want_object(c, e, lp);
        if (rc == ATT_OK)
            rc = member(c, e, lp, "tcb", 1, &tcb);
        char tp[ATT_DIAG_FIELD_MAX];
        path_key(tp, sizeof(tp), lp, "tcb");
        if (rc == ATT_OK)
            rc = want_object(c, tcb, tp);
        if (rc == ATT_OK)
            rc = get_int(c, tcb, tp, "isvsvn", 0, UINT16_MAX, &svn);
        lv[i].isvsvn = (uint16_t)svn;
        if (rc == ATT_OK)
            rc = get_date(c, e, lp, "tcbDate", &lv[i].tcb_date, &lv[i].tcb_date_str);
        if (rc == ATT_OK)
            rc = get_status(c, e, lp, "tcbStatus", ISV_STATUSES, &lv[i].status);
        if (rc == ATT_OK)
            rc = get_advisories(c, e, lp, &lv[i].advisory_ids, &lv[i].n_advisories);
        for (size_t j = 0; rc == ATT_OK && j < i; j++)
            if (lv[j].isvsvn == lv[i].isvsvn)
                rc = fail(c, ATT_EINVAL, lp, "duplicate TCB level (isvsvn %u)", lv[i].isvsvn);
    }
    if (rc != ATT_OK)
        return rc;
    *out = lv;
    *n_out = n;
    return ATT_OK;
}

/* 16 SVNs of a v3 component array ("sgxtcbcomponents" / "tdxtcbcomponents"). */
static int parse_components(const pctx *c, json_t *tcb, const char *tp, const char *key,
                            uint8_t svn[16])
{
    json_t *arr;
    char p[ATT_DIAG_FIELD_MAX];
    int rc = member(c, tcb, tp, key, 1, &arr);
    if (rc != ATT_OK)
        return rc;
    path_key(p, sizeof(p), tp, key);
    if (!json_is_array(arr) || json_array_size(arr) != 16)
        return fail(c, ATT_EINVAL, p, "must be an array of 16 components");
    for (size_t k = 0; k < 16 && rc == ATT_OK; k++) {
        char cp[ATT_DIAG_FIELD_MAX];
        int64_t v = 0;
        path_idx(cp, sizeof(cp), p, k);
        json_t *e = json_array_get(arr, k);
        rc = want_object(c, e, cp);
        if (rc == ATT_OK)
            rc = get_int(c, e, cp, "svn", 0, UINT8_MAX, &v);
        svn[k] = (uint8_t)v;
    }
    return rc;
}

/* The "tcb" member of one TCB-info level. */
static int parse_level_tcb(const pctx *c, const att__tcb_info *ti, json_t *lvl, const char *lp,
                           att__tcb_level *out)
{
    json_t *tcb;
    char tp[ATT_DIAG_FIELD_MAX];
    int64_t v = 0;
    int rc = member(c, lvl, lp, "tcb", 1, &tcb);
    path_key(tp, sizeof(tp), lp, "tcb");
    if (rc == ATT_OK)
        rc = want_object(c, tcb, tp);
    if (rc == ATT_OK && ti->version == 2) {
        for (unsigned k = 0; k < 16 && rc == ATT_OK; k++) {
            char key[24];
            snprintf(key, sizeof(key), "sgxtcbcomp%02usvn", k + 1);
            rc = get_int(c, tcb, tp, key, 0, UINT8_MAX, &v);
            out->sgx_svn[k] = (uint8_t)v;
        }
    } else if (rc == ATT_OK) {
        rc = parse_components(c, tcb, tp, "sgxtcbcomponents", out->sgx_svn);
        if (rc == ATT_OK && ti->tee == ATT_TEE_TDX)
            rc = parse_components(c, tcb, tp, "tdxtcbcomponents", out->tdx_svn);
    }
    if (rc == ATT_OK)
        rc = get_int(c, tcb, tp, "pcesvn", 0, UINT16_MAX, &v);
    out->pcesvn = (uint16_t)v;
    return rc;
}

static int same_level(const att__tcb_level *a, const att__tcb_level *b)
{
    return a->pcesvn == b->pcesvn && memcmp(a->sgx_svn, b->sgx_svn, 16) == 0 &&
           memcmp(a->tdx_svn, b->tdx_svn, 16) == 0;
}

static int parse_tcb_levels(const pctx *c, json_t *root, att__tcb_info *ti)
{
    json_t *arr;
    size_t n;
    int rc = get_levels(c, root, "tcbInfo", &arr, &n);
    if (rc != ATT_OK)
        return rc;
    att__tcb_level *lv = att__arena_alloc(c->a, n * sizeof(*lv));
    if (!lv)
        return fail(c, ATT_ENOMEM, "tcbInfo.tcbLevels", "out of memory");
    for (size_t i = 0; i < n && rc == ATT_OK; i++) {
        char lp[ATT_DIAG_FIELD_MAX];
        path_idx(lp, sizeof(lp), "tcbInfo.tcbLevels", i);
        json_t *e = json_array_get(arr, i);
        rc = want_object(c, e, lp);
        if (rc == ATT_OK)
            rc = parse_level_tcb(c, ti, e, lp, &lv[i]);
        if (rc == ATT_OK)
            rc = get_date(c, e, lp, "tcbDate", &lv[i].tcb_date, &lv[i].tcb_date_str);
        if (rc == ATT_OK)
            rc = get_status(c, e, lp, "tcbStatus", ALL_STATUSES, &lv[i].status);
        if (rc == ATT_OK)
            rc = get_advisories(c, e, lp, &lv[i].advisory_ids, &lv[i].n_advisories);
        for (size_t j = 0; rc == ATT_OK && j < i; j++)
            if (same_level(&lv[j], &lv[i]))
                rc = fail(c, ATT_EINVAL, lp, "duplicate TCB level (same as tcbLevels[%zu])", j);
    }
    if (rc != ATT_OK)
        return rc;
    ti->levels = lv;
    ti->n_levels = n;
    return ATT_OK;
}

/* mrsigner / attributes / attributesMask of "tdxModule" or a module identity. */
static int parse_module_keys(const pctx *c, json_t *o, const char *p, uint8_t mrsigner[48],
                             uint8_t attr[8], uint8_t mask[8])
{
    int rc = want_object(c, o, p);
    if (rc == ATT_OK)
        rc = get_hex(c, o, p, "mrsigner", mrsigner, 48);
    if (rc == ATT_OK)
        rc = get_hex(c, o, p, "attributes", attr, 8);
    if (rc == ATT_OK)
        rc = get_hex(c, o, p, "attributesMask", mask, 8);
    return rc;
}

/* An identity id string: 1..ID_MAX_LEN printable characters, copied into the arena. */
static int get_id(const pctx *c, json_t *obj, const char *parent, const char **out)
{
    const char *s;
    size_t len;
    int rc = get_str(c, obj, parent, "id", &s, &len);
    if (rc != ATT_OK)
        return rc;
    char p[ATT_DIAG_FIELD_MAX];
    path_key(p, sizeof(p), parent, "id");
    if (len == 0 || len > ID_MAX_LEN)
        return fail(c, ATT_EINVAL, p, "id length %zu (1..%u)", len, ID_MAX_LEN);
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return fail(c, ATT_EINVAL, p, "id has a non-printable character");
    *out = att__arena_strndup(c->a, s, len);
    return *out ? ATT_OK : fail(c, ATT_ENOMEM, p, "out of memory");
}

static int parse_tdx(const pctx *c, json_t *root, att__tcb_info *ti)
{
    json_t *m, *ids;
    int rc = member(c, root, "tcbInfo", "tdxModule", 1, &m);
    if (rc == ATT_OK)
        rc = parse_module_keys(c, m, "tcbInfo.tdxModule", ti->tdx_module_mrsigner,
                               ti->tdx_module_attributes, ti->tdx_module_attributes_mask);
    if (rc != ATT_OK)
        return rc;
    ti->has_tdx_module = 1;
    (void)member(c, root, "tcbInfo", "tdxModuleIdentities", 0, &ids);
    if (!ids)
        return ATT_OK;
    if (!json_is_array(ids))
        return fail(c, ATT_EINVAL, "tcbInfo.tdxModuleIdentities", "not an array");
    size_t n = json_array_size(ids);
    if (n > ATT_DCAP_MAX_LEVELS)
        return fail(c, ATT_ELIMIT, "tcbInfo.tdxModuleIdentities", "%zu identities (at most %u)", n,
                    ATT_DCAP_MAX_LEVELS);
    if (n == 0)
        return ATT_OK;
    att__tdx_module_identity *mi = att__arena_alloc(c->a, n * sizeof(*mi));
    if (!mi)
        return fail(c, ATT_ENOMEM, "tcbInfo.tdxModuleIdentities", "out of memory");
    for (size_t i = 0; i < n && rc == ATT_OK; i++) {
        char p[ATT_DIAG_FIELD_MAX];
        path_idx(p, sizeof(p), "tcbInfo.tdxModuleIdentities", i);
        json_t *e = json_array_get(ids, i);
        rc = parse_module_keys(c, e, p, mi[i].mrsigner, mi[i].attributes, mi[i].attributes_mask);
        if (rc == ATT_OK)
            rc = get_id(c, e, p, &mi[i].id);
        if (rc == ATT_OK)
            rc = parse_isv_levels(c, e, p, &mi[i].levels, &mi[i].n_levels);
        for (size_t j = 0; rc == ATT_OK && j < i; j++)
            if (strcmp(mi[j].id, mi[i].id) == 0)
                rc = fail(c, ATT_EINVAL, p, "duplicate module identity '%s'", mi[i].id);
    }
    if (rc != ATT_OK)
        return rc;
    ti->tdx_modules = mi;
    ti->n_tdx_modules = n;
    return ATT_OK;
}

/* Loads text as a JSON object (bounded depth, no duplicate keys). */
static int load_object(const pctx *c, const char *text, size_t n, const char *what, json_t **out)
{
    *out = NULL;
    if (!text || n == 0)
        return fail(c, ATT_EPARSE, what, "empty");
    if (att__dcap_json_depth_ok(text, n) != ATT_OK)
        return fail(c, ATT_ELIMIT, what, "JSON nested deeper than %u", ATT__DCAP_MAX_JSON_DEPTH);
    json_error_t err;
    json_t *v = json_loadb(text, n, JSON_REJECT_DUPLICATES, &err);
    if (!v)
        return fail(c, ATT_EPARSE, what, "invalid JSON at line %d column %d: %s", err.line,
                    err.column, err.text);
    if (!json_is_object(v)) {
        json_decref(v);
        return fail(c, ATT_EPARSE, what, "not a JSON object");
    }
    *out = v;
    return ATT_OK;
}

static int parse_tcb_root(const pctx *c, json_t *root, att__tcb_info *ti)
{
    int64_t v = 0;
    int rc = get_int(c, root, "tcbInfo", "version", 0, 1000, &v);
    if (rc != ATT_OK)
        return rc;
    if (v != 2 && v != 3)
        return fail(c, ATT_EUNSUPPORTED, "tcbInfo.version", "version %lld (2 or 3 supported)",
                    (long long)v);
    ti->version = (int)v;
    ti->tee = ATT_TEE_SGX;
    if (ti->version == 3) {
        const char *id;
        size_t len;
        rc = get_str(c, root, "tcbInfo", "id", &id, &len);
        if (rc != ATT_OK)
            return rc;
        if (strcmp(id, "TDX") == 0)
            ti->tee = ATT_TEE_TDX;
        else if (strcmp(id, "SGX") != 0)
            return fail(c, ATT_EINVAL, "tcbInfo.id", "unknown id '%.32s' (SGX or TDX)", id);
    }
    rc = get_date(c, root, "tcbInfo", "issueDate", &ti->issue_date, NULL);
    if (rc == ATT_OK)
        rc = get_date(c, root, "tcbInfo", "nextUpdate", &ti->next_update, NULL);
    if (rc == ATT_OK)
        rc = get_hex(c, root, "tcbInfo", "fmspc", ti->fmspc, 6);
    if (rc == ATT_OK)
        rc = get_hex(c, root, "tcbInfo", "pceId", ti->pce_id, 2);
    if (rc == ATT_OK)
        rc = get_int(c, root, "tcbInfo", "tcbType", 0, 0, &v);
    if (rc == ATT_OK)
        rc = get_int(c, root, "tcbInfo", "tcbEvaluationDataNumber", 0, UINT32_MAX, &v);
    ti->tcb_eval_number = (unsigned)v;
    if (rc == ATT_OK && ti->tee == ATT_TEE_TDX)
        rc = parse_tdx(c, root, ti);
    if (rc == ATT_OK)
        rc = parse_tcb_levels(c, root, ti);
    return rc;
}

int att__dcap_parse_tcb_info(const char *text, size_t n, att__arena *arena, att__tcb_info *out,
                             att_diag *d)
{
    pctx c = {d, arena, "collateral.tcb_info"};
    json_t *root;
    if (!arena || !out)
        return att_diag_fail(d, ATT_EINVAL, c.reason, "tcbInfo", "no arena or output");
    memset(out, 0, sizeof(*out));
    int rc = load_object(&c, text, n, "tcbInfo", &root);
    if (rc == ATT_OK)
        rc = parse_tcb_root(&c, root, out);
    json_decref(root);
    if (rc != ATT_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

static int parse_qe_root(const pctx *c, json_t *root, att__qe_identity *qe)
{
    int64_t v = 0;
    const char *P = "enclaveIdentity";
    int rc = get_id(c, root, P, &qe->id);
    if (rc == ATT_OK && strcmp(qe->id, "QE") != 0 && strcmp(qe->id, "TD_QE") != 0 &&
        strcmp(qe->id, "QVE") != 0)
        rc =
            fail(c, ATT_EINVAL, "enclaveIdentity.id", "unknown id '%s' (QE, TD_QE or QVE)", qe->id);
    if (rc == ATT_OK)
        rc = get_int(c, root, P, "version", 0, 1000, &v);
    if (rc == ATT_OK && v != 2)
        rc = fail(c, ATT_EUNSUPPORTED, "enclaveIdentity.version", "version %lld (2 supported)",
                  (long long)v);
    qe->version = (int)v;
    if (rc == ATT_OK)
        rc = get_date(c, root, P, "issueDate", &qe->issue_date, NULL);
    if (rc == ATT_OK)
        rc = get_date(c, root, P, "nextUpdate", &qe->next_update, NULL);
    if (rc == ATT_OK)
        rc = get_int(c, root, P, "tcbEvaluationDataNumber", 0, UINT32_MAX, &v);
    qe->tcb_eval_number = (unsigned)v;
    if (rc == ATT_OK)
        rc = get_hex(c, root, P, "miscselect", qe->miscselect, 4);
    if (rc == ATT_OK)
        rc = get_hex(c, root, P, "miscselectMask", qe->miscselect_mask, 4);
    if (rc == ATT_OK)
        rc = get_hex(c, root, P, "attributes", qe->attributes, 16);
    if (rc == ATT_OK)
        rc = get_hex(c, root, P, "attributesMask", qe->attributes_mask, 16);
    if (rc == ATT_OK)
        rc = get_hex(c, root, P, "mrsigner", qe->mrsigner, 32);
    if (rc == ATT_OK)
        rc = get_int(c, root, P, "isvprodid", 0, UINT16_MAX, &v);
    qe->isvprodid = (uint16_t)v;
    if (rc == ATT_OK)
        rc = parse_isv_levels(c, root, P, &qe->levels, &qe->n_levels);
    return rc;
}

int att__dcap_parse_qe_identity(const char *text, size_t n, att__arena *arena,
                                att__qe_identity *out, att_diag *d)
{
    pctx c = {d, arena, "collateral.qe_identity"};
    json_t *root;
    if (!arena || !out)
        return att_diag_fail(d, ATT_EINVAL, c.reason, "enclaveIdentity", "no arena or output");
    memset(out, 0, sizeof(*out));
    int rc = load_object(&c, text, n, "enclaveIdentity", &root);
    if (rc == ATT_OK)
        rc = parse_qe_root(&c, root, out);
    json_decref(root);
    if (rc != ATT_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}
