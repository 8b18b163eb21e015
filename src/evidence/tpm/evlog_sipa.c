/* Windows measured boot (WBCL) SIPA events in PCR 12-14 EV_EVENT_TAG records
 * (reference/tpm.md §2.6): the type table, the bounded walk over nested containers, and
 * the aggregation of the security flags (weakening flags latch on, strengthening flags
 * hold only if every instance is on). Only verified events before the PCR's WBCL
 * separator count. */
#include <string.h>

#include "core/cursor.h"
#include "evidence/tpm/evlog_int.h"

static const struct sipa_type {
    uint32_t type;
    const char *name;
    const char *maa;
} sipa_types[] = {
    {0x40010001u, "TrustBoundary", "EVENT_TRUSTBOUNDARY"},
    {0x40010002u, "ElamAggregation", "EVENT_ELAM_AGGREGATION"},
    {0x40010003u, "LoadedModuleAggregation", "EVENT_LOADEDMODULE_AGGREGATION"},
    {0xC0010004u, "TrustpointAggregation", "EVENT_TRUSTPOINT_AGGREGATION"},
    {0x40010005u, "KSRAggregation", "EVENT_KSR_AGGREGATION"},
    {0x40010006u, "KSRSignedMeasurementAggregation", "EVENT_KSR_SIGNED_MEASUREMENT_AGGREGATION"},
    {0x20001u, "Information", "EVENT_INFORMATION"},
    {0x20002u, "BootCounter", "EVENT_BOOTCOUNTER"},
    {0x20003u, "TransferControl", "EVENT_TRANSFER_CONTROL"},
    {0x20004u, "ApplicationReturn", "EVENT_APPLICATION_RETURN"},
    {0x20005u, "BitlockerUnlock", "EVENT_BITLOCKER_UNLOCK"},
    {0x20006u, "EventCounter", "EVENT_EVENTCOUNTER"},
    {0x20007u, "CounterID", "EVENT_COUNTERID"},
    {0x20008u, "MORBitNotCancelable", "EVENT_MORBIT_NOT_CANCELABLE"},
    {0x20009u, "ApplicationSVN", "EVENT_APPLICATION_SVN"},
    {0x2000Au, "SVNChainStatus", "EVENT_SVN_CHAIN_STATUS"},
    {0x2000Bu, "MORBitAPIStatus", "EVENT_MORBIT_API_STATUS"},
    {0x30001u, "BootDebuggingError", "EVENT_BOOTDEBUGGING_ERROR"},
    {0x40001u, "BootDebugging", "EVENT_BOOTDEBUGGING"},
    {0x40002u, "BootRevocationList", "EVENT_BOOT_REVOCATION_LIST"},
    {0x50001u, "OsKernelDebug", "EVENT_OSKERNELDEBUG"},
    {0x50002u, "CodeIntegrity", "EVENT_CODEINTEGRITY"},
    {0x50003u, "TestSigning", "EVENT_TESTSIGNING"},
    {0x50004u, "DataExecutionPrevention", "EVENT_DATAEXECUTIONPREVENTION"},
    {0x50005u, "SafeMode", "EVENT_SAFEMODE"},
    {0x50006u, "WinPE", "EVENT_WINPE"},
    {0x50007u, "PhysicalAddressExtension", "EVENT_PHYSICALADDRESSEXTENSION"},
    {0x50008u, "OSDevice", "EVENT_OSDEVICE"},
    {0x50009u, "SystemRoot", "EVENT_SYSTEMROOT"},
    {0x5000Au, "HypervisorLaunchType", "EVENT_HYPERVISOR_LAUNCH_TYPE"},
    {0x5000Bu, "HypervisorPath", "EVENT_HYPERVISOR_PATH"},
    {0x5000Cu, "HypervisorIOMMUPolicy", "EVENT_HYPERVISOR_IOMMU_POLICY"},
    {0x5000Du, "HypervisorDebug", "EVENT_HYPERVISOR_DEBUG"},
    {0x5000Eu, "DriverLoadPolicy", "EVENT_DRIVER_LOAD_POLICY"},
    {0x5000Fu, "SIPolicy", "EVENT_SI_POLICY"},
    {0x50010u, "HypervisorMMIONXPolicy", "EVENT_HYPERVISOR_MMIO_NX_POLICY"},
    {0x50011u, "HypervisorMSRFilterPolicy", "EVENT_HYPERVISOR_MSR_FILTER_POLICY"},
    {0x50012u, "VSMLaunchType", "EVENT_VSM_LAUNCH_TYPE"},
    {0x50013u, "OSRevocationList", "EVENT_OS_REVOCATION_LIST"},
    {0x50014u, "SMTLevel", "EVENT_SMT_LEVEL"},
    {0x50015u, "VSMIDKInfo", "EVENT_VSM_IDK_INFO"},
    {0x50016u, "FlightSigning", "EVENT_FLIGHTSIGNING"},
    {0x50017u, "PagefileEncryptionEnabled", "EVENT_PAGEFILE_ENCRYPTION_ENABLED"},
    {0x50018u, "VSMIDKSInfo", "EVENT_VSM_IDKS_INFO"},
    {0x50019u, "HibernationDisabled", "EVENT_HIBERNATION_DISABLED"},
    {0x5001Au, "DumpsDisabled", "EVENT_DUMPS_DISABLED"},
    {0x5001Bu, "DumpEncryptionEnabled", "EVENT_DUMP_ENCRYPTION_ENABLED"},
    {0x5001Cu, "DumpEncryptionKeyDigest", "EVENT_DUMP_ENCRYPTION_KEY_DIGEST"},
    {0x5001Du, "LSAISOConfig", "EVENT_LSAISO_CONFIG"},
    {0x5001Eu, "SBCPInfo", "EVENT_SBCP_INFO"},
    {0x50021u, "FlightSigningFlag", "EVENT_FLIGHTSIGNING"},
    {0x50030u, "HypervisorBootDMAProtection", "EVENT_HYPERVISOR_BOOT_DMA_PROTECTION"},
    {0x60001u, "NoAuthority", "EVENT_NOAUTHORITY"},
    {0x60002u, "AuthorityPubKey", "EVENT_AUTHORITYPUBKEY"},
    {0x70001u, "FilePath", "EVENT_FILEPATH"},
    {0x70002u, "ImageSize", "EVENT_IMAGESIZE"},
    {0x70003u, "HashAlgorithmID", "EVENT_HASHALGORITHMID"},
    {0x70004u, "AuthenticodeHash", "EVENT_AUTHENTICODEHASH"},
    {0x70005u, "AuthorityIssuer", "EVENT_AUTHORITYISSUER"},
    {0x70006u, "AuthoritySerial", "EVENT_AUTHORITYSERIAL"},
    {0x70007u, "ImageBase", "EVENT_IMAGEBASE"},
    {0x70008u, "AuthorityPublisher", "EVENT_AUTHORITYPUBLISHER"},
    {0x70009u, "AuthoritySHA1Thumbprint", "EVENT_AUTHORITYSHA1THUMBPRINT"},
    {0x7000Au, "ImageValidated", "EVENT_IMAGEVALIDATED"},
    {0x7000Bu, "ModuleSVN", "EVENT_MODULE_SVN"},
    {0x80001u, "Quote", "EVENT_QUOTE"},
    {0x80002u, "QuoteSignature", "EVENT_QUOTESIGNATURE"},
    {0x80003u, "AIKID", "EVENT_AIKID"},
    {0x80004u, "AIKPubDigest", "EVENT_AIKPUBDIGEST"},
    {0x90001u, "ELAMKeyname", "EVENT_ELAM_KEYNAME"},
    {0x90002u, "ELAMConfiguration", "EVENT_ELAM_CONFIGURATION"},
    {0x90003u, "ELAMPolicy", "EVENT_ELAM_POLICY"},
    {0x90004u, "ELAMMeasured", "EVENT_ELAM_MEASURED"},
    {0xA0001u, "VbsVSMRequired", "EVENT_VBS_VSM_REQUIRED"},
    {0xA0002u, "VbsSecurebootRequired", "EVENT_VBS_SECUREBOOT_REQUIRED"},
    {0xA0003u, "VbsIOMMURequired", "EVENT_VBS_IOMMU_REQUIRED"},
    {0xA0004u, "VbsNXRequired", "EVENT_VBS_MMIO_NX_REQUIRED"},
    {0xA0005u, "VbsMSRFilteringRequired", "EVENT_VBS_MSR_FILTERING_REQUIRED"},
    {0xA0006u, "VbsMandatoryEnforcement", "EVENT_VBS_MANDATORY_ENFORCEMENT"},
    {0xA0007u, "VbsHVCIPolicy", "EVENT_VBS_HVCI_POLICY"},
    {0xA0008u, "VbsMicrosoftBootChainRequired", "EVENT_VBS_MICROSOFT_BOOT_CHAIN_REQUIRED"},
    {0xA0009u, "VbsDumpUsesAMERoot", "EVENT_VBS_DUMP_USES_AMEROOT"},
    {0xA000Au, "VbsVSMNosecretsEnforced", "EVENT_VBS_VSM_NOSECRETS_ENFORCED"},
    {0xC0001u, "DRTMStateAuth", "EVENT_DRTM_STATE_AUTH"},
    {0xC0002u, "DRTMSMMLevel", "EVENT_DRTM_SMM_LEVEL"},
    {0xC0003u, "DRTMAMDSMMHash", "EVENT_DRTM_AMD_SMM_HASH"},
    {0xC0004u, "DRTMAMDSMMSignerKey", "EVENT_DRTM_AMD_SMM_SIGNER_KEY"},
};

static const struct sipa_type *find_type(uint32_t t)
{
    for (size_t i = 0; i < sizeof(sipa_types) / sizeof(sipa_types[0]); i++)
        if (sipa_types[i].type == t)
            return &sipa_types[i];
    return NULL;
}

const char *att__sipa_name(uint32_t type)
{
    const struct sipa_type *s = find_type(type);
    return s ? s->name : NULL;
}

const char *att__sipa_maa_name(uint32_t type)
{
    const struct sipa_type *s = find_type(type);
    return s ? s->maa : NULL;
}

/* Little-endian integer value of a 1..8-byte SIPA payload. */
static int int_value(const uint8_t *p, uint32_t n, int64_t *v)
{
    if (n == 0 || n > 8)
        return 0;
    uint64_t x = 0;
    for (uint32_t i = n; i-- > 0;)
        x = (x << 8) | p[i];
    *v = (int64_t)x;
    return 1;
}

static void latch_any(int *flag, int64_t v)
{
    *flag = (*flag == 1 || v != 0) ? 1 : 0;
}

static void latch_all(int *flag, int64_t v)
{
    *flag = (*flag == -1 ? 1 : *flag) && v != 0;
}

static void apply(att__sipa_flags *s, uint32_t type, const uint8_t *p, uint32_t n)
{
    int64_t v;
    if (type >= 0x90001u && type <= 0x90004u)
        s->elam_present = 1;
    if (!int_value(p, n, &v))
        return;
    switch (type) {
    case 0x20002u:
        s->boot_counter = v;
        break;
    case 0x20003u:
        s->transfer_control = (int)v;
        break;
    case 0x40001u:
        latch_any(&s->boot_debugging, v);
        break;
    case 0x50001u:
        latch_any(&s->os_kernel_debug, v);
        break;
    case 0x50002u:
        latch_all(&s->code_integrity, v);
        break;
    case 0x50003u:
        latch_any(&s->test_signing, v);
        break;
    case 0x50004u:
        latch_all(&s->dep, v);
        break;
    case 0x50005u:
        latch_any(&s->safe_mode, v);
        break;
    case 0x50006u:
        latch_any(&s->winpe, v);
        break;
    case 0x5000Au:
        s->hypervisor_launch_type = (int)v;
        break;
    case 0x5000Du:
        latch_any(&s->hypervisor_debug, v);
        break;
    case 0x50012u:
        s->vsm_launch_type = (int)v;
        break;
    case 0x50016u:
    case 0x50021u:
        latch_any(&s->flight_signing, v);
        break;
    case 0xA0001u:
        s->vbs_vsm_required = (int)v;
        break;
    case 0xA0002u:
        s->vbs_secureboot_required = (int)v;
        break;
    case 0xA0007u:
        s->hvci_policy = v;
        break;
    }
}

/* Walks a SIPA event sequence; ATT_EINVAL when it is malformed. */
static int walk(att__sipa_flags *s, const uint8_t *p, size_t n, unsigned depth)
{
    if (depth > ATT_SIPA_MAX_DEPTH)
        return ATT_EINVAL;
    att__cursor c;
    att__cur_init(&c, p, n);
    while (att__cur_remaining(&c) > 0) {
        uint32_t type, size;
        const uint8_t *body;
        if (att__cur_u32le(&c, &type) || att__cur_u32le(&c, &size) ||
            att__cur_bytes(&c, size, &body))
            return ATT_EINVAL;
        s->present = 1;
        if (ATT_SIPA_CONTAINER(type)) {
            if (type == 0x40010003u)
                s->modules++;
            int rc = walk(s, body, size, depth + 1);
            if (rc != ATT_OK)
                return rc;
        } else {
            apply(s, type, body, size);
        }
    }
    return ATT_OK;
}

int att__evlog_sipa(att__evlog_facts *f, const att__evlog *log)
{
    att__sipa_flags *s = &f->sipa;
    memset(s, 0, sizeof(*s));
    s->boot_debugging = s->os_kernel_debug = s->test_signing = s->flight_signing = -1;
    s->hypervisor_debug = s->code_integrity = s->dep = s->safe_mode = s->winpe = -1;
    s->hypervisor_launch_type = s->vsm_launch_type = -1;
    s->vbs_vsm_required = s->vbs_secureboot_required = -1;
    s->hvci_policy = -1;
    s->boot_counter = -1;
    s->transfer_control = -1;
    uint32_t sep_seen = 0;
    for (size_t i = 0; i < log->nevents; i++) {
        const att__evlog_event *ev = &log->events[i];
        if (ev->pcr < 12 || ev->pcr > 14)
            continue;
        if (ev->type == ATT_EV_SEPARATOR) {
            sep_seen |= 1u << ev->pcr;
            continue;
        }
        if (ev->type != ATT_EV_EVENT_TAG || (sep_seen & (1u << ev->pcr)))
            continue;
        if (ev->data_check != ATT_EVDATA_VERIFIED)
            continue; /* the mismatch note is written by the main walk */
        if (walk(s, ev->data, ev->data_len, 0) != ATT_OK) {
            int rc = att__facts_note(f, ev->num, 1, "sipa_malformed",
                                     "event %u (EV_EVENT_TAG, PCR %u): malformed SIPA event data",
                                     ev->num, ev->pcr);
            if (rc != ATT_OK)
                return rc;
        }
    }
    return ATT_OK;
}
