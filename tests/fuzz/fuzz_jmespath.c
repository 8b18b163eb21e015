/* libFuzzer target: JMESPath compilation and evaluation (src/policy/jmespath*.c).
 *
 * The input is an expression and a JSON document separated by the first newline (or NUL):
 * "expr\njson". The expression is compiled; if that succeeds and the rest parses as JSON,
 * it is evaluated against it. With no separator the expression is evaluated against a
 * small fixed document so that evaluation is exercised from the first input on. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/jmespath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char default_doc[] =
    "{\"a\":[1,2.5,\"x\",null,true,{\"b\":[[1],[2,[3]]]}],\"s\":\"h\\u00e9llo\","
    "\"o\":{\"k\":\"v\",\"n\":-3},\"e\":[]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t split = 0;
    while (split < size && data[split] != '\n' && data[split] != '\0')
        split++;
    att_diag d;
    att_diag_clear(&d);
    att__jmes_expr *e = NULL;
    if (att__jmes_compile((const char *)data, split, &e, &d) != 0)
        return 0;
    json_t *doc;
    if (split < size)
        doc = json_loadb((const char *)data + split + 1, size - split - 1,
                         JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    else
        doc = json_loads(default_doc, 0, NULL);
    if (doc) {
        json_t *res = NULL;
        att_diag_clear(&d);
        int rc = att__jmes_search(e, doc, &res, &d);
        /* Success means a value (JSON null included); failure means an explained error. */
        if (rc == 0 ? res == NULL : (res != NULL || d.reason[0] == '\0'))
            abort();
        json_decref(res);
        json_decref(doc);
    }
    att__jmes_free(e);
    return 0;
}
