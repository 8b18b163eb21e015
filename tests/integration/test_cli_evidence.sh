#!/usr/bin/env bash
# Integration test of `attest evidence verify`: every SGX, OE and TDX case of
# manifest-dcap.json that has normalized collateral, verified at its time, gives the
# expected verdict, TCB status, TCB date, advisories, QE status and exit code (SGX quotes
# with --type sgx, OE reports and evidence with --type oe as well, TDX quotes with --type tdx
# as well); the TDX claims; `attest evidence hcl` on the Azure CVM HCL reports (binding,
# tampered, truncated, wrong type, TD quote of another TD); negative evidence exits
# 1 with the verifier's reason; usage errors exit 2.
#
# Usage: bash test_cli_evidence.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=${1:?usage: test_cli_evidence.sh BINDIR}
bindir=$(cd "$bindir" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
vectors=$shared/vectors
manifest=$vectors/manifest-dcap.json
attest=$bindir/attest

# shellcheck source=SCRIPTDIR/lib/attestd.bash
. "$here/lib/attestd.bash"

[ -x "$attest" ] || att_die "no attest binary at $attest (build it first)"
[ -f "$manifest" ] || att_die "manifest not found: $manifest (set ATT_SHARED_DIR)"
command -v python3 >/dev/null || att_die "python3 is needed to read the manifest"

att_init
scratch=$ATT_TMP


# run CMD...: runs with a time bound; sets $out (stdout), $err (stderr), $rc.

# field PATH: a value of the JSON on stdout ("verdict", "error.code", "claims.unique_id",
# "advisory_ids" as a comma-separated list); empty when absent or null.
field() {
    python3 -c '
import json, sys
v = json.loads(sys.stdin.read())
for k in sys.argv[1].split("."):
    v = v.get(k) if isinstance(v, dict) else None
if isinstance(v, list):
    v = ",".join(v)
print("" if v is None else v)' "$1" <<<"$out" 2>/dev/null || echo "<not JSON>"
}

# expect NAME RC [PATH=VALUE...]
expect() {
    local name=$1 want=$2 kv k v got
    shift 2
    if [ "$rc" -ne "$want" ]; then
        nok "$name: exit $want" "exit $rc, stderr: $(head -c 300 <<<"$err") stdout: $(head -c 300 <<<"$out")"
        return
    fi
    ok "$name: exit $want"
    for kv in "$@"; do
        k=${kv%%=*}
        v=${kv#*=}
        got=$(field "$k")
        if [ "$got" = "$v" ]; then
            ok "$name: $k = '$v'"
        else
            nok "$name: $k = '$v'" "got '$got'"
        fi
    done
}

verify() { run "$attest" evidence verify "$@"; }

# ---- the manifest's cases ----
# One line per run: name|type|file|collateral|time|exit|status|tcb_date|advisories|qe|code
python3 - "$manifest" "$vectors" "$scratch" >"$scratch/cases" <<'EOF'
import json, sys
manifest, vectors, scratch = sys.argv[1:4]
for c in json.load(open(manifest))["cases"]:
    col = c.get("collateral") or ""
    if not col.startswith("normalized-collateral/"):
        continue  # chain-only cases, and the synthetic sample (own root, cert type 1)
    e = c["expected"]
    status = e["status"]
    bad = status == "TCB_NOT_SUPPORTED"
    row = dict(exit=1 if bad else 0, status="TCBNotSupported" if bad else status,
               tcb_date="" if bad else (e.get("tcb_date") or ""),
               adv="" if bad else ",".join(e.get("advisory_ids") or []),
               qe="" if bad else e.get("qe_identity_status", ""),
               code="quote.tcb.not_supported" if bad else "")
    src = vectors + "/" + c["quote"]
    off = c.get("quote_offset", 0)
    quote = src
    if off:
        quote = scratch + "/" + c["id"].replace("/", "_") + ".quote"
        open(quote, "wb").write(open(src, "rb").read()[off:])
    runs = [("sgx", quote)]
    if off == 16 or "openenclave-plugin" in c["id"]:
        runs.append(("oe", src))
    if c["id"].startswith("tdx-"):
        runs.append(("tdx", quote))
    for typ, f in runs:
        print("|".join([c["id"] + " (" + typ + ")", typ, f, vectors + "/" + col,
                        c["verification_time"], str(row["exit"]), row["status"],
                        row["tcb_date"], row["adv"], row["qe"], row["code"]]))
EOF
ncases=$(wc -l <"$scratch/cases")
[ "$ncases" -ge 10 ] || att_die "only $ncases manifest runs found"
while IFS='|' read -r name typ file col at want status date adv qe code; do
    verify --type "$typ" --collateral "$col" --at "$at" "$file"
    if [ "$want" -eq 0 ]; then
        expect "$name" 0 verdict=verified tcb_status="$status" tcb_date="$date" \
            advisory_ids="$adv" qe_tcb_status="$qe"
    else
        expect "$name" 1 verdict=rejected tcb_status="$status" error.code="$code"
    fi
done <"$scratch/cases"

# ---- OE claims ----
col22=$vectors/normalized-collateral/sgx-v3_openenclave-plugin.json
at22=2022-05-01T00:00:00Z
debug=$vectors/oe/azure-sdk-cpp-maa/oe_report_remote_debug.bin
nondebug=$vectors/oe/azure-sdk-cpp-maa/oe_report_remote_nondebug.bin
plugin=$vectors/sgx-v3/openenclave-plugin/sgx_ecdsa_quote.bin
verify --type oe --collateral "$col22" --at "$at22" "$debug"
expect "oe debug report claims" 0 claims.attributes=3 claims.security_version=1 \
    claims.unique_id=292a1f4b519e46627eb2478a3d9851405653c5b4b0a6925de843834d9216850e \
    claims.signer_id=4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c \
    claims.format_uuid=c8303454-d923-4c2c-a691-df7def460a76 \
    claims.validity_from=2022-04-26T23:28:09Z claims.validity_until=2022-05-26T22:39:25Z
verify --type oe --collateral "$col22" --at "$at22" "$nondebug"
expect "oe non-debug report claims" 0 claims.attributes=2 \
    claims.unique_id=b779202618becb636768e5d902f28d524222735fafb539ea9ba07c3fc171a1c2
verify --type oe --collateral "$vectors/normalized-collateral" --at "$at22" "$plugin"
expect "oe plugin evidence, collateral directory" 0 tcb_status=SWHardeningNeeded \
    claims.format_uuid=a3a21e87-1b4d-4014-b70a-a125d2fbcd8c claims.custom_claims_buffer=

# evidence with an attestation header and custom claims
python3 - "$plugin" "$debug" "$scratch" <<'EOF'
import struct, sys
plugin, debug, scratch = sys.argv[1:4]
ev = open(plugin, "rb").read()
rep = open(debug, "rb").read()
def claims(items):
    b = struct.pack("<QQ", 1, len(items))
    for n, v in items:
        b += struct.pack("<QQ", len(n) + 1, len(v)) + n + b"\0" + v
    return b
def wrap(uuid, data):
    return struct.pack("<I", 3) + bytes.fromhex(uuid) + struct.pack("<Q", len(data)) + data
ecdsa = "a3a21e871b4d4014b70aa125d2fbcd8c"
open(scratch + "/wrapped.bin", "wb").write(wrap(ecdsa, ev))
open(scratch + "/claims.bin", "wb").write(wrap(ecdsa, ev + claims([(b"nonce", b"42")])))
open(scratch + "/tdx_uuid.bin", "wb").write(wrap("8ba70286c1cf11edafa10242ac120002", ev))
open(scratch + "/overflow.bin", "wb").write(
    ev + struct.pack("<QQQQ", 1, 1, 6, 2**64 - 1) + b"nonce\0")
open(scratch + "/dup.bin", "wb").write(ev + claims([(b"\xff\xfe", b"1"), (b"\xff\xfe", b"2")]))
open(scratch + "/legacy_wrapped.bin", "wb").write(wrap("c8303454d9234c2ca691df7def460a76", rep))
open(scratch + "/truncated.bin", "wb").write(rep[:3000])
EOF
verify --type oe --collateral "$col22" --at "$at22" "$scratch/wrapped.bin"
expect "oe evidence with attestation header" 0 verdict=verified tcb_status=SWHardeningNeeded
verify --type oe --collateral "$col22" --at "$at22" "$scratch/legacy_wrapped.bin"
expect "oe legacy report with attestation header" 0 verdict=verified tcb_status=OutOfDate

# ---- negative evidence ----
verify --type oe --collateral "$col22" --at "$at22" "$scratch/claims.bin"
expect "oe custom claims not bound by report data" 1 verdict=rejected error.code=oe.claims.hash
verify --type oe --collateral "$col22" --at "$at22" "$scratch/tdx_uuid.bin"
expect "oe unsupported format UUID" 1 error.code=oe.attestation_header.format
verify --type oe --collateral "$col22" --at "$at22" "$scratch/overflow.bin"
expect "oe claim value size overflowing" 1 error.code=oe.claims.value_size
verify --type oe --collateral "$col22" --at "$at22" "$scratch/dup.bin"
expect "oe duplicate non-UTF-8 claim names" 1 error.code=oe.claims.duplicate
verify --type oe --collateral "$col22" --at "$at22" "$scratch/truncated.bin"
expect "oe truncated report" 1 error.code=oe.report_header.size
# OE's broken-chain report: its platform (FMSPC 00906ea10000) has no collateral in the
# vectors, so it is refused before the chain (see docs/internals/evidence-oe.md)
verify --type oe --collateral "$col22" --at "$at22" \
    "$vectors/sgx-v3/openenclave-negative/sgx_report_bad.bin"
expect "oe negative report" 1 verdict=rejected error.code=oe.collateral.missing
verify --type oe --collateral "$col22" --at 2023-01-01T00:00:00Z "$debug"
expect "oe report after the collateral window" 1 error.code=collateral.expired
verify --type sgx --collateral "$col22" --at "$at22" "$debug"
expect "OE report given as a bare quote" 1 verdict=rejected error.code=quote.header.version
verify --type sgx --collateral "$vectors/normalized-collateral/sgx-v3_phala-dcap-qvl.json" \
    --at "$at22" "$vectors/oe/azure-sdk-cpp-maa/sgx_quote_v3_debug.bin"
expect "quote without collateral for its platform" 1 error.code=oe.collateral.missing

# ---- TDX claims (--type tdx) and Azure CVM HCL reports (evidence hcl) ----
tdxcol=$vectors/normalized-collateral/tdx-v4_go-tdx-guest-2023.json
tdxq=$vectors/tdx-v4/openenclave/tdx_quote.bin
verify --type tdx --collateral "$tdxcol" --at 2023-07-01T01:00:00Z "$tdxq"
expect "tdx claims" 0 claims.x-ms-attestation-type=tdxvm claims.attester_tcb_status=UpToDate \
    claims.eat_profile=https://aka.ms/maa-eat-profile-tdxvm claims.dbgstat=disabled \
    claims.tdx_mrtd=569e660ca18bdc532697faa4a2238ef2e439c2381a2239553c49d9708ed40f0c8612b5bcb621e431bb188f4de5bfd8a8 \
    claims.tdx_seamsvn=3 claims.tdx_xfam=e718060000000000 claims.tdx_td_attributes_debug=False
verify --type tdx --collateral "$vectors/normalized-collateral/sgx-v3_phala-dcap-qvl.json" \
    --at 2025-06-20T00:00:00Z "$vectors/sgx-v3/phala-dcap-qvl/sgx_quote.bin"
expect "tdx: an SGX quote" 1 verdict=rejected error.code=tdx.tee_type
hcl() { run "$attest" evidence hcl "$@"; }
snphcl=$vectors/azure-cvm/az-snp-vtpm/hcl-report.bin
tdxhcl=$vectors/azure-cvm/az-tdx-vtpm/hcl-report.bin
hcl --json "$snphcl"
expect "hcl snp" 0 verdict=ok binding=bound type=SNP hash_type=SHA-256 hw_report.size=1184 \
    ak_pub.kid=HCLAkPub vm_configuration.vmUniqueId=911B0EF8-9DBA-48B0-B275-4E4DF2D39252 \
    vm_configuration.secure-boot=True vm_configuration.tpm-enabled=True
hcl --json "$tdxhcl"
expect "hcl tdx" 0 verdict=ok binding=bound type=TDX hw_report.size=1024 \
    hw_report.mrtd=024a32b070383331181619fa387cb4d55d1e38879f989933055ccad5bc2db795d1737b66205949d15469dc8c1ba7ab7b \
    runtime_claims.vm-configuration.tpm-persisted=False ak_pub.kty=RSA
hcl "$tdxhcl"
if [ "$rc" -eq 0 ] && grep -q '^binding: *ok' <<<"$out" && grep -q '^type: *TDX' <<<"$out"; then
    ok "hcl tdx (text)"
else
    nok "hcl tdx (text)" "exit $rc: $(head -c 300 <<<"$out")"
fi
python3 - "$snphcl" "$tdxhcl" "$scratch" <<'EOF'
import sys
snp, tdx, scratch = sys.argv[1:4]
s = bytearray(open(snp, "rb").read())
i = s.index(b'"vmUniqueId":"') + 14
s[i] ^= 1
open(scratch + "/hcl-tampered.bin", "wb").write(s)
open(scratch + "/hcl-truncated.bin", "wb").write(open(tdx, "rb").read()[:2000])
t = bytearray(open(tdx, "rb").read())
t[32 + 1184 + 8] = 3  # report type TVM
open(scratch + "/hcl-tvm.bin", "wb").write(t)
EOF
hcl --json "$scratch/hcl-tampered.bin"
expect "hcl: runtime claims tampered" 1 verdict=rejected binding="not bound" \
    error.code=hcl.runtime.binding
hcl --json "$scratch/hcl-truncated.bin"
expect "hcl: truncated" 1 verdict=rejected error.code=hcl.header.report_size
hcl --json "$scratch/hcl-tvm.bin"
expect "hcl: wrong report type" 1 verdict=rejected error.code=hcl.runtime.report_type
hcl --json "$debug"
expect "hcl: not an HCL report" 1 error.code=hcl.header.signature
hcl --json --quote "$tdxq" --collateral "$tdxcol" --at 2023-07-01T01:00:00Z "$tdxhcl"
expect "hcl: TD quote of another TD" 1 error.code=hcl.td_quote.report_data \
    td_quote.matches_td_report=False
hcl --collateral "$tdxcol" "$tdxhcl"
expect "hcl: --collateral without --quote" 2
hcl --json "$scratch/does-not-exist.bin"
expect "hcl: missing file" 3

# ---- usage and input errors ----
verify
expect "no arguments" 2
verify --type tpm --collateral "$col22" "$debug"
expect "unknown --type" 2
verify --type oe "$debug"
expect "missing --collateral" 2
verify --type oe --collateral "$col22" --at yesterday "$debug"
expect "bad --at" 2
verify --type oe --collateral "$col22" --at "$at22"
expect "missing FILE" 2
verify --type oe --collateral "$col22" --at "$at22" "$debug" "$debug"
expect "two FILEs" 2
verify --type oe --collateral "$col22" --bogus "$debug"
expect "unknown option" 2
echo '{"tcb_info": 1}' >"$scratch/bad-collateral.json"
verify --type oe --collateral "$scratch/bad-collateral.json" --at "$at22" "$debug"
expect "collateral that does not load" 2
verify --type oe --collateral "$col22" --root "$scratch/bad-collateral.json" "$debug"
expect "--root without a certificate" 2
verify --type oe --collateral "$col22" --root \
    "$vectors/sgx-v3/intel-qvl-sample-synthetic/trustedRootCaCert.pem" --at "$at22" "$debug"
expect "collateral not signed by --root" 2
verify --type oe --collateral "$col22" --root "$vectors/intel-root/Intel_SGX_RootCA.pem" \
    --at "$at22" "$debug"
expect "explicit --root" 0 verdict=verified
verify --type oe --collateral "$col22" --at "$at22" "$scratch/does-not-exist.bin"
expect "missing evidence file" 3
run "$attest" evidence verify --help
if [ "$rc" -eq 0 ] && grep -qF -- "--collateral PATH" <<<"$out"; then
    ok "evidence verify --help"
else
    nok "evidence verify --help" "exit $rc"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
