/* The MAA SevSnpVm claims of a verified report (reference/maa.md §2.6), shared by the
 * /attest/SevSnpVm route and `attest evidence verify --type snp`. */
#include <jansson.h>

#include "core/codec.h"
#include "evidence/snp/snp.h"

json_t *att__snp_claims_json(const att__snp_report *r, const att__snp_result *res)
{
    const att__snp_tcb *t = &res->reported;
    char akd[97], ikd[97], meas[97], host[65], rd[129], rid[65], fam[33], img[33];
    att__hex_encode(r->author_key_digest, 48, 0, akd);
    att__hex_encode(r->id_key_digest, 48, 0, ikd);
    att__hex_encode(r->measurement, 48, 0, meas);
    att__hex_encode(r->host_data, 32, 0, host);
    att__hex_encode(r->report_data, 64, 0, rd);
    att__hex_encode(r->report_id, 32, 0, rid);
    att__hex_encode(r->family_id, 16, 0, fam);
    att__hex_encode(r->image_id, 16, 0, img);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:b,s:b,s:s}",
                     "x-ms-sevsnpvm-authorkeydigest", akd, "x-ms-sevsnpvm-idkeydigest", ikd,
                     "x-ms-sevsnpvm-launchmeasurement", meas, "x-ms-sevsnpvm-hostdata", host,
                     "x-ms-sevsnpvm-reportdata", rd, "x-ms-sevsnpvm-reportid", rid,
                     "x-ms-sevsnpvm-familyId", fam, "x-ms-sevsnpvm-imageId", img,
                     "x-ms-sevsnpvm-guestsvn", (json_int_t)r->guest_svn, "x-ms-sevsnpvm-vmpl",
                     (json_int_t)r->vmpl, "x-ms-sevsnpvm-bootloader-svn", (json_int_t)t->bl,
                     "x-ms-sevsnpvm-tee-svn", (json_int_t)t->tee, "x-ms-sevsnpvm-snpfw-svn",
                     (json_int_t)t->snp, "x-ms-sevsnpvm-microcode-svn", (json_int_t)t->ucode,
                     "x-ms-sevsnpvm-is-debuggable", (r->policy & ATT_SNP_POLICY_DEBUG) != 0,
                     "x-ms-sevsnpvm-migration-allowed", (r->policy & ATT_SNP_POLICY_MIGRATE) != 0,
                     "x-ms-sevsnpvm-smt-allowed", (r->policy & ATT_SNP_POLICY_SMT) != 0,
                     "x-ms-attestation-type", "sevsnpvm");
}
