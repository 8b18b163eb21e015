#!/usr/bin/env bash
# Integration test: `attest evidence verify --type snp` on real SEV-SNP reports: Milan, Genoa
# (v3) and Turin (v5) with their VCEK files, a v2 report with a directory of AMD
# certificates, a report with one byte changed and a verification time after the VCEK
# expired (exit 1, the verifier's reason code), a missing VCEK, and usage errors (exit 2).
#
# Usage: bash test_cli_evidence_snp.sh BINDIR   (env ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=$(cd "${1:?usage: test_cli_evidence_snp.sh BINDIR}" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
v=$shared/vectors
# shellcheck source=lib/attestd.bash
. "$here/lib/attestd.bash"
att_init
attest=$bindir/attest

passed=0
failed=0
# check NAME WANT_RC JQ_LIKE_PYTHON_EXPR args...: runs attest, checks the exit code and a
# Python expression over the JSON output (bound to o).
check() {
    local name=$1 want=$2 expr=$3
    shift 3
    local out rc=0
    out=$("$attest" evidence verify "$@" 2>"$ATT_TMP/err") || rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL - $name: exit $rc, expected $want: $(head -c 300 <<<"$out") $(head -c 300 "$ATT_TMP/err")"
        failed=$((failed + 1))
        return
    fi
    if [ -n "$expr" ] && ! python3 -c "import json,sys; o=json.loads(sys.stdin.read()); sys.exit(0 if ($expr) else 1)" <<<"$out"; then
        echo "FAIL - $name: output does not satisfy $expr: $(head -c 400 <<<"$out")"
        failed=$((failed + 1))
        return
    fi
    echo "ok - $name"
    passed=$((passed + 1))
}

for p in milan genoa turin; do
    check "$p report with its VCEK" 0 \
        "o['verdict']=='verified' and o['snp']['product'].lower()=='$p' and o['claims']['x-ms-attestation-type']=='sevsnpvm'" \
        --type snp --at 2026-06-01T00:00:00Z --collateral "$v/maa/snp-reports/${p}_vcek.pem" \
        "$v/maa/snp-reports/${p}_attestation_report.bin"
done
check "turin reported TCB has fmc" 0 "o['snp']['reported_tcb']['fmc']==1" \
    --type snp --at 2026-06-01T00:00:00Z --collateral "$v/maa/snp-reports/turin_vcek.pem" \
    "$v/maa/snp-reports/turin_attestation_report.bin"

mkdir -p "$ATT_TMP/amd/milan"
cp "$v/snp/go-sev-guest/vcek.der" "$v/snp/amd-roots/ask_ark_milan.pem" "$ATT_TMP/amd/milan/"
check "v2 report, certificate directory" 0 \
    "o['snp']['report_version']==2 and o['claims']['x-ms-sevsnpvm-microcode-svn']==68" \
    --type snp --at 2025-01-01T00:00:00Z --collateral "$ATT_TMP/amd" "$v/snp/go-sev-guest/attestation.bin"

python3 -c "
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[0x90] ^= 1
open(sys.argv[2], 'wb').write(b)" "$v/snp/go-sev-guest/attestation.bin" "$ATT_TMP/bad.bin"
check "changed byte: rejected, signature named" 1 \
    "o['verdict']=='rejected' and o['error']['code']=='snp.report.signature' and o['claims']=={}" \
    --type snp --at 2025-01-01T00:00:00Z --collateral "$ATT_TMP/amd" "$ATT_TMP/bad.bin"
check "after the VCEK expired: rejected" 1 "o['error']['code']=='snp.vek.chain' and 'expired' in o['error']['message']" \
    --type snp --at 2030-01-01T00:00:00Z --collateral "$ATT_TMP/amd" "$v/snp/go-sev-guest/attestation.bin"
check "no VCEK: rejected" 1 "o['error']['code']=='snp.vek.missing'" \
    --type snp --at 2025-01-01T00:00:00Z "$v/snp/trustee/test-report.bin"
check "bad --at: usage" 2 "" --type snp --at yesterday "$v/snp/trustee/test-report.bin"
check "--root with snp: usage" 2 "" --type snp --root /dev/null "$v/snp/trustee/test-report.bin"
echo 'not a certificate' >"$ATT_TMP/notcert.pem"
check "unreadable --collateral file: usage" 2 "" --type snp --collateral "$ATT_TMP/notcert.pem" \
    "$v/snp/trustee/test-report.bin"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
