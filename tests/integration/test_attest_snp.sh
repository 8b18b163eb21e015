#!/usr/bin/env bash
# Integration test: POST /attest/SevSnpVm against a live attestd with real SEV-SNP reports:
# the Azure-Samples request (MAA's own recorded SNP request: compact wrapper, CRLF PEM chain)
# gives a token whose claims equal MAA's; a report with one byte changed, a runtimeData of
# another report, a denying draft policy and a denying stored policy are refused with MAA's
# error codes (a stored policy issuing from the SNP claims works); an Azure CVM
# (HCL) report with its runtime JSON gives x-ms-runtime; a request without a VCEK chain is
# served from --amd-certs, and from a KDS (a local mock) whose answer is then cached on disk.
#
# Usage: bash test_attest_snp.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=$(cd "${1:?usage: test_attest_snp.sh BINDIR}" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
vectors=$shared/vectors
# shellcheck source=lib/attestd.bash
. "$here/lib/attestd.bash"
att_init

passed=0
failed=0
ok() {
    echo "ok - $1"
    passed=$((passed + 1))
}
bad() {
    echo "FAIL - $1"
    failed=$((failed + 1))
    att_log_tail 20
}

# Builds request bodies into ATT_TMP with python3 (base64url, JSON).
python3 - "$vectors" "$ATT_TMP" <<'PY'
import base64, json, sys
v, out = sys.argv[1], sys.argv[2]
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def unb64u(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
rep = open(v + "/maa/azure-samples/sevsnp/attest-sevsnpvm.report.b64url").read().strip()
rt = open(v + "/maa/azure-samples/sevsnp/attest-sevsnpvm.runtimeData.b64url").read().strip()
def w(name, o): open(out + "/" + name, "w").write(json.dumps(o))
w("good.json", {"report": rep, "nonce": "snp-nonce-1"})
wrap = json.loads(unb64u(rep))
r = bytearray(unb64u(wrap["SnpReport"])); r[0x90] ^= 1
w("badreport.json", {"report": b64u(json.dumps({"SnpReport": b64u(bytes(r)), "VcekCertChain": wrap["VcekCertChain"]}).encode())})
w("wrongrt.json", {"report": rep, "runtimeData": {"data": rt, "dataType": "JSON"}})
w("deny.json", {"report": rep, "draftPolicyForAttestation":
    'version=1.0; authorizationrules{ c:[type=="x-ms-sevsnpvm-is-debuggable", value==true] => permit(); }; issuancerules{};'})
w("draft.json", {"report": rep, "draftPolicyForAttestation":
    'version=1.0; authorizationrules{ => permit(); }; issuancerules{ c:[type=="x-ms-sevsnpvm-smt-allowed"] => issue(type="smt", value=c.value); };'})
hcl = open(v + "/azure-cvm/az-snp-vtpm/hcl-report.bin", "rb").read()
n = int.from_bytes(hcl[32 + 1184 + 16:32 + 1184 + 20], "little")
rtj = hcl[32 + 1184 + 20:32 + 1184 + 20 + n]
chain = open(v + "/azure-cvm/az-snp-vtpm/vcek.pem", "rb").read()
pretty = '\n{\n  "SnpReport" : "%s",\n  "VcekCertChain" : "%s"\n}\n' % (b64u(hcl[32:32 + 1184]), b64u(chain))
w("hcl.json", {"report": b64u(pretty.encode()), "runtimeData": {"data": b64u(rtj), "dataType": "JSON"}})
gsg = open(v + "/snp/go-sev-guest/attestation.bin", "rb").read()
w("nochain.json", {"report": b64u(json.dumps({"SnpReport": b64u(gsg)}).encode())})
open(out + "/hwid", "w").write(gsg[0x1A0:0x1E0].hex())
PY

# POST file $1 to /attest/$2; sets code (HTTP status) and body.
post() {
    local resp
    resp=$(curl -sS -w '\n%{http_code}' -H 'Content-Type: application/json' \
        --data-binary "@$ATT_TMP/$1" "$ATT_BASE_URL/attest/$2?api-version=2022-08-01")
    code=${resp##*$'\n'}
    body=${resp%$'\n'*}
}
# Claim $1 of the token in $body (JSON text), or "absent".
claim() {
    printf '%s' "$body" | python3 -c '
import base64, json, sys
t = json.load(sys.stdin)["token"].split(".")[1]
c = json.loads(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)))
v = c.get(sys.argv[1], "absent")
print(json.dumps(v) if not isinstance(v, str) else v)' "$1"
}
# The token payload of $body compared with the recorded MAA token, claim by claim.
same_as_maa() {
    printf '%s' "$body" | python3 -c '
import base64, json, sys
def p(t):
    t = t.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)))
got = p(json.load(sys.stdin)["token"])
want = p(open(sys.argv[1]).read().strip())
skip = {"iat", "nbf", "exp", "jti", "iss", "x-ms-policy-hash"}
diff = [k for k in want if k not in skip and got.get(k) != want[k]]
extra = [k for k in got if k not in want and k not in skip and k != "nonce"]
print(" ".join(diff + extra) or "same")' "$vectors/maa/azure-samples/tokens/sevsnpvm-token.sharedweu.test.jwt"
}

att_start_attestd "$bindir" --verification-time 2025-04-08T04:15:00Z
post good.json SevSnpVm
if [ "$code" = 200 ] && [ "$(same_as_maa)" = same ] && [ "$(claim nonce)" = snp-nonce-1 ]; then
    ok "Azure-Samples request: token claims equal MAA's recorded token"
else
    bad "Azure-Samples request: $code $(printf '%s' "$body" | head -c 300) diff=$(same_as_maa 2>&1)"
fi
post good.json sevsnpvm
[ "$code" = 200 ] && ok "lowercase /attest/sevsnpvm" || bad "lowercase path: $code $body"
post badreport.json SevSnpVm
if [ "$code" = 400 ] && [[ $body == *InvalidParameter*"report signature invalid (P-384, VCEK"* ]]; then
    ok "changed MEASUREMENT byte: 400 InvalidParameter, signature named"
else
    bad "bad report: $code $body"
fi
post wrongrt.json SevSnpVm
if [ "$code" = 400 ] && [[ $body == *InvalidParameter*runtimeData* ]]; then
    ok "runtimeData of another report: 400 naming runtimeData"
else
    bad "wrong runtimeData: $code $body"
fi
post deny.json SevSnpVm
if [ "$code" = 400 ] && [[ $body == *PolicyEvaluationError* ]]; then
    ok "denying draft policy: 400 PolicyEvaluationError"
else
    bad "policy denial: $code $body"
fi
post draft.json SevSnpVm
if [ "$code" = 200 ] && [ "$(claim smt)" = true ]; then
    ok "draft policy issuing a claim from x-ms-sevsnpvm-smt-allowed"
else
    bad "draft policy: $code $body"
fi
# A stored policy (PUT as plain text): issuance from the SNP claims, then a denying one.
put_policy() {
    curl -sS -o "$ATT_TMP/put.out" -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' \
        --data-binary "$1" "$ATT_BASE_URL/policies/SevSnpVm?api-version=2022-08-01"
}
pc=$(put_policy 'version=1.0; authorizationrules{ c:[type=="x-ms-sevsnpvm-vmpl", value==0] => permit(); }; issuancerules{ c:[type=="x-ms-sevsnpvm-guestsvn"] => issue(type="svn", value=c.value); };')
post good.json SevSnpVm
if [ "$pc" = 200 ] && [ "$code" = 200 ] && [ "$(claim svn)" = 2 ] &&
    [[ $(claim x-ms-policy) == *'"svn": 2'* ]]; then
    ok "stored policy: issues svn from x-ms-sevsnpvm-guestsvn (top level and x-ms-policy)"
else
    bad "stored policy: PUT $pc, POST $code $(printf '%s' "$body" | head -c 300)"
fi
pc=$(put_policy 'version=1.0; authorizationrules{ c:[type=="x-ms-sevsnpvm-vmpl", value==1] => permit(); }; issuancerules{};')
post good.json SevSnpVm
if [ "$pc" = 200 ] && [ "$code" = 400 ] && [[ $body == *PolicyEvaluationError* ]]; then
    ok "stored policy requiring VMPL 1: 400 PolicyEvaluationError"
else
    bad "stored denying policy: PUT $pc, POST $code $body"
fi
post nochain.json SevSnpVm
if [ "$code" = 400 ] && [[ $body == *"no VCEK for this report"* ]]; then
    ok "no chain, nothing configured: 400 naming the missing VCEK"
else
    bad "no chain: $code $body"
fi
att_stop_attestd

att_start_attestd "$bindir" --verification-time 2025-01-01T00:00:00Z
post hcl.json SevSnpVm
if [ "$code" = 200 ] && [[ $(claim x-ms-runtime) == *HCLAkPub* ]]; then
    ok "Azure CVM HCL report, pretty-printed wrapper: x-ms-runtime carries the HCL runtime JSON"
else
    bad "HCL report: $code $(printf '%s' "$body" | head -c 300)"
fi
att_stop_attestd

# --amd-certs: the VCEK from a directory (per-product subdirectory).
mkdir -p "$ATT_TMP/amd/milan"
cp "$vectors/snp/go-sev-guest/vcek.der" "$ATT_TMP/amd/milan/"
att_start_attestd "$bindir" --verification-time 2025-01-01T00:00:00Z --amd-certs "$ATT_TMP/amd"
post nochain.json SevSnpVm
[ "$code" = 200 ] && ok "no chain: VCEK from --amd-certs" || bad "--amd-certs: $code $body"
att_stop_attestd

# --kds-url: a mock KDS serving /vcek/v1/Milan/<hwid> (query ignored), then its disk cache.
mkdir -p "$ATT_TMP/kds/vcek/v1/Milan"
cp "$vectors/snp/go-sev-guest/vcek.der" "$ATT_TMP/kds/vcek/v1/Milan/$(cat "$ATT_TMP/hwid")"
kport=$(att_free_port)
python3 -m http.server --bind 127.0.0.1 "$kport" --directory "$ATT_TMP/kds" >"$ATT_TMP/kds.log" 2>&1 &
kpid=$!
for _ in $(seq 1 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$kport/" 2>/dev/null && break
    sleep 0.1
done
att_start_attestd "$bindir" --verification-time 2025-01-01T00:00:00Z --snp-product Milan \
    --kds-url "http://127.0.0.1:$kport" --kds-cache "$ATT_TMP/kds-cache"
post nochain.json SevSnpVm
if [ "$code" = 200 ] && grep -q "GET /vcek/v1/Milan/$(cat "$ATT_TMP/hwid")?blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68" "$ATT_TMP/kds.log"; then
    ok "no chain: VCEK fetched from the KDS with the report's hwID and TCB"
else
    bad "KDS fetch: $code $body; kds log: $(tail -3 "$ATT_TMP/kds.log")"
fi
att_stop_attestd
kill "$kpid" 2>/dev/null || true
wait "$kpid" 2>/dev/null || true
att_start_attestd "$bindir" --verification-time 2025-01-01T00:00:00Z --snp-product Milan \
    --kds-url "http://127.0.0.1:$kport" --kds-cache "$ATT_TMP/kds-cache"
post nochain.json SevSnpVm
[ "$code" = 200 ] && ok "KDS down after a restart: VCEK from the disk cache" ||
    bad "KDS cache: $code $body"
att_stop_attestd

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
