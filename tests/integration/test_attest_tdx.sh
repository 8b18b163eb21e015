#!/usr/bin/env bash
# Integration test: POST /attest/TdxVm against a live attestd with real TD quotes (v4 and v5)
# and their normalized collateral, replayed at a fixed verification time: the token (signed,
# checked against /certs) carries MAA's TdxVm claims; wrong runtimeData, a policy that denies,
# malformed requests and an SGX quote are refused with 400 and a message naming the check;
# a v5 quote verifies against its own collateral; attestd without collateral says so.
#
# Usage: bash test_attest_tdx.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=$(cd "${1:?usage: test_attest_tdx.sh BINDIR}" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
vectors=$shared/vectors
# shellcheck source=lib/attestd.bash
. "$here/lib/attestd.bash"
command -v python3 >/dev/null || att_die "python3 is needed"
att_init


# body FILE [EXTRA_JSON_MEMBERS]: a request body with the quote in FILE (base64url)
body() {
    python3 - "$1" "${2:-}" <<'EOF'
import base64, sys
q = base64.urlsafe_b64encode(open(sys.argv[1], "rb").read()).decode().rstrip("=")
print('{"quote":"%s"%s}' % (q, sys.argv[2]))
EOF
}

# post BODY_FILE: POST /attest/TdxVm; sets $code and $resp
post() {
    code=$(curl -sS -o "$ATT_TMP/resp" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' --data-binary "@$1" \
        "$ATT_BASE_URL/attest/TdxVm?api-version=2025-06-01")
    resp=$(cat "$ATT_TMP/resp")
}

# check_token: the token in $resp verifies with a key of /certs; prints its payload JSON
cat >"$ATT_TMP/check_token.py" <<'EOF'
import base64, json, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
def d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
tok = json.loads(sys.stdin.read())["token"]
h, p, s = tok.split(".")
hdr = json.loads(d(h))
keys = json.load(open(sys.argv[1]))["keys"]
key = [k for k in keys if k["kid"] == hdr["kid"]][0]
cert = x509.load_der_x509_certificate(base64.b64decode(key["x5c"][0]))
cert.public_key().verify(d(s), (h + "." + p).encode(), padding.PKCS1v15(), hashes.SHA256())
print(json.dumps(json.loads(d(p))))
EOF
check_token() {
    curl -fsS "$ATT_BASE_URL/certs" >"$ATT_TMP/certs.json"
    python3 "$ATT_TMP/check_token.py" "$ATT_TMP/certs.json" <<<"$resp"
}

# claim NAME: a claim of the payload in $payload
claim() {
    python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print(json.dumps(v) if not isinstance(v,str) else v)' "$payload" "$1"
}

# expect_error NAME HTTP_CODE MAA_CODE TEXT: $resp is an MAA error with TEXT in its message
expect_error() {
    if [ "$code" = "$2" ] && python3 -c '
import json, sys
e = json.loads(sys.argv[1])["error"]
sys.exit(0 if e["code"] == sys.argv[2] and sys.argv[3] in e["message"] else 1)' "$resp" "$3" "$4"; then
        ok "$1: $2 $3"
    else
        nok "$1: $2 $3 '$4'" "got $code $(head -c 300 <<<"$resp")"
    fi
}

q4=$vectors/tdx-v4/openenclave/tdx_quote.bin
q5=$vectors/tdx-v5/go-tdx-guest/quote_v5_sample.dat
sgxq=$vectors/sgx-v3/phala-dcap-qvl/sgx_quote.bin
body "$q4" ',"nonce":"tdx-nonce-1"' >"$ATT_TMP/good.json"
body "$q4" ',"runtimeData":{"data":"eyJrIjoxfQ","dataType":"JSON"}' >"$ATT_TMP/wrong-rt.json"
body "$q4" ',"draftPolicyForAttestation":"version=1.0; authorizationrules{c:[type==\"tdx_td_attributes_debug\", value==true] => permit();}; issuancerules{};"' >"$ATT_TMP/deny.json"
body "$q4" ',"draftPolicyForAttestation":"version=1.0; authorizationrules{c:[type==\"x-ms-tdx-tcb-date\", value==\"2023-02-15T00:00:00Z\"] => permit();}; issuancerules{c:[type==\"tdx_td_attributes_debug\", value==false] => issue(type=\"x-ms-compliance-status\", value=\"azure-compliant-cvm\");};"' >"$ATT_TMP/draft.json"
body "$sgxq" >"$ATT_TMP/sgx.json"
body "$q5" >"$ATT_TMP/v5.json"
python3 - "$q4" "$ATT_TMP" <<'EOF'
import base64, sys
q = open(sys.argv[1], "rb").read()
t = sys.argv[2]
open(t + "/trunc.json", "w").write('{"quote":"%s"}' % base64.urlsafe_b64encode(q[:700]).decode())
open(t + "/badb64.json", "w").write('{"quote":"***"}')
open(t + "/noquote.json", "w").write('{"runtimeData":{"data":"AA"}}')
open(t + "/notobj.json", "w").write('[1,2]')
EOF

att_start_attestd "$bindir" --collateral "$vectors/normalized-collateral" \
    --verification-time 2023-07-01T01:00:00Z

post "$ATT_TMP/good.json"
if [ "$code" = 200 ] && payload=$(check_token 2>"$ATT_TMP/tokerr"); then
    ok "v4 quote: 200 and a token signed by a key of /certs"
    for kv in x-ms-attestation-type=tdxvm attester_tcb_status=UpToDate dbgstat=disabled \
        eat_profile=https://aka.ms/maa-eat-profile-tdxvm intuse=generic x-ms-ver=1.0 \
        nonce=tdx-nonce-1 tdx_seamsvn=3 tdx_xfam=e718060000000000 \
        tdx_mrtd=569e660ca18bdc532697faa4a2238ef2e439c2381a2239553c49d9708ed40f0c8612b5bcb621e431bb188f4de5bfd8a8 \
        tdx_td_attributes_septve_disable=false; do
        got=$(claim "${kv%%=*}")
        if [ "$got" = "${kv#*=}" ]; then ok "token claim ${kv%%=*}"; else nok "token claim $kv" "got '$got'"; fi
    done
    [ "$(claim x-ms-policy-hash)" != null ] && ok "token has x-ms-policy-hash" || nok "x-ms-policy-hash"
    [ "$(claim x-ms-tdx-tcb-date)" = null ] && ok "policy-input TCB claims stay out of the token" ||
        nok "x-ms-tdx-tcb-date in the token"
else
    nok "v4 quote: 200 and a signed token" "got $code $(head -c 300 <<<"$resp") $(cat "$ATT_TMP/tokerr")"
fi

post "$ATT_TMP/draft.json"
if [ "$code" = 200 ]; then
    payload=$(python3 -c '
import base64, json, sys
p = json.loads(sys.stdin.read())["token"].split(".")[1]
print(json.dumps(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))))' <<<"$resp")
    [ "$(claim x-ms-compliance-status)" = azure-compliant-cvm ] &&
        ok "draft policy over the TCB claims issues x-ms-compliance-status" ||
        nok "draft policy claims" "$payload"
else
    nok "draft policy: 200" "got $code $(head -c 300 <<<"$resp")"
fi

post "$ATT_TMP/wrong-rt.json"
expect_error "runtimeData not in REPORTDATA" 400 InvalidParameter "runtimeData SHA-256 does not match the TD's REPORTDATA[0:32]"
post "$ATT_TMP/deny.json"
expect_error "policy denial" 400 PolicyEvaluationError ""
post "$ATT_TMP/sgx.json"
expect_error "SGX quote" 400 InvalidParameter "not a TD quote"
post "$ATT_TMP/trunc.json"
expect_error "truncated quote" 400 InvalidParameter "quote."
post "$ATT_TMP/badb64.json"
expect_error "quote not base64" 400 InvalidParameter "'quote'"
post "$ATT_TMP/noquote.json"
expect_error "no quote" 400 InvalidParameter "'quote'"
post "$ATT_TMP/notobj.json"
expect_error "body not an object" 400 InvalidParameter "JSON object"
# a v5 quote is judged at its own collateral's time: now (2023) it is not yet valid
post "$ATT_TMP/v5.json"
expect_error "v5 quote before its collateral" 400 InvalidParameter "collateral"
att_stop_attestd

att_start_attestd "$bindir" --collateral "$vectors/normalized-collateral" \
    --verification-time 2026-02-20T00:00:00Z
post "$ATT_TMP/v5.json"
if [ "$code" = 200 ] && payload=$(check_token) && [ "$(claim attester_tcb_status)" = UpToDate ] &&
    [ "$(claim tdx_tee_tcb_svn)" = 0b010400000000000000000000000000 ]; then
    ok "v5 quote (TD 1.5): 200, UpToDate"
else
    nok "v5 quote" "got $code $(head -c 300 <<<"$resp")"
fi
att_stop_attestd

att_start_attestd "$bindir"
post "$ATT_TMP/good.json"
expect_error "no collateral configured" 400 InvalidParameter "no collateral is configured for FMSPC 50806f000000 (TDX"
att_stop_attestd

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
