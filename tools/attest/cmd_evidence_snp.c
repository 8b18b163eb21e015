/* `attest evidence verify --type snp`: verify an AMD SEV-SNP attestation report offline
 * with the built-in AMD roots and, optionally, a file or directory of AMD certificates
 * (VCEK/VLEK, ASK), at a chosen time, and print the same JSON shape and exit codes as
 * --type sgx. Verification is src/evidence/snp, the code the service runs. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "cli.h"
#include "core/limits.h"
#include "evidence/snp/snp.h"

static json_t *ascii_string(const char *s)
{
    char buf[ATT_DIAG_MESSAGE_MAX];
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof(buf); i++)
        buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    buf[i] = '\0';
    return json_string(buf);
}

static json_t *tcb_json(const att__snp_tcb *t, att__snp_product p)
{
    json_t *o = json_pack("{s:i,s:i,s:i,s:i}", "bootloader", t->bl, "tee", t->tee, "snp", t->snp,
                          "microcode", t->ucode);
    if (o && p == ATT_SNP_TURIN)
        json_object_set_new(o, "fmc", json_integer(t->fmc));
    return o;
}

int att_cli_evidence_verify_snp(const char *file, const char *certs_path, int64_t at)
{
    att__buf ev;
    size_t n = strlen(file) + 2;
    char *arg = malloc(n);
    if (!arg) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    snprintf(arg, n, strcmp(file, "-") == 0 ? "%s" : "@%s", file);
    int rc = att_cli_read_arg(arg, "report", ATT_MAX_EVIDENCE + 1, &ev);
    free(arg);
    if (rc != ATT_EXIT_OK)
        return rc;
    att_diag d;
    att_diag_clear(&d);
    att__snp_certs *pool = NULL;
    if (certs_path) {
        int err = att__snp_certs_load(certs_path, &pool, &d);
        if (err != ATT_OK) {
            att_cli_error("cannot load AMD certificates '%s': %s", certs_path, d.message);
            att__buf_free(&ev);
            return err == ATT_EIO ? ATT_EXIT_IO : ATT_EXIT_USAGE;
        }
        att_diag_clear(&d);
    }
    att__snp_report r;
    att__snp_result res;
    memset(&res, 0, sizeof(res));
    int err = att__snp_report_parse(ev.data, ev.len, &r, &d);
    if (err == ATT_OK) {
        att__snp_verify_opts o = {.pool = pool, .at = at};
        err = att__snp_verify(&r, &o, &res, &d);
    }
    json_t *out = json_object();
    json_object_set_new(out, "verdict", json_string(err == ATT_OK ? "verified" : "rejected"));
    /* The SGX keys keep the output shape; SNP has no TCB status of its own. */
    json_object_set_new(out, "tcb_status", json_null());
    json_object_set_new(out, "tcb_date", json_null());
    json_object_set_new(out, "advisory_ids", json_array());
    json_object_set_new(out, "qe_tcb_status", json_null());
    if (err == ATT_OK) {
        json_t *s = json_object();
        json_object_set_new(s, "product", json_string(att__snp_product_name(res.product)));
        json_object_set_new(s, "signer", json_string(res.vek.is_vlek ? "VLEK" : "VCEK"));
        json_object_set_new(s, "report_version", json_integer(r.version));
        json_object_set_new(s, "vek_subject", ascii_string(res.vek_subject));
        json_object_set_new(s, "reported_tcb", tcb_json(&res.reported, res.product));
        json_object_set_new(s, "current_tcb", tcb_json(&res.current, res.product));
        json_object_set_new(s, "committed_tcb", tcb_json(&res.committed, res.product));
        json_object_set_new(s, "launch_tcb", tcb_json(&res.launch, res.product));
        json_object_set_new(out, "snp", s);
        json_t *claims = att__snp_claims_json(&r, &res);
        json_object_set_new(out, "claims", claims ? claims : json_object());
    } else {
        json_object_set_new(out, "claims", json_object());
        json_t *e = json_object();
        json_object_set_new(e, "code", ascii_string(d.reason[0] ? d.reason : att_errname(err)));
        json_object_set_new(e, "message",
                            ascii_string(d.message[0] ? d.message : att_strerror(err)));
        json_object_set_new(out, "error", e);
    }
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(out);
    att__snp_certs_free(pool);
    att__buf_free(&ev);
    if (!text) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    printf("%s\n", text);
    free(text);
    return err == ATT_OK ? ATT_EXIT_OK : ATT_EXIT_CHECK;
}
