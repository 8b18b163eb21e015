#!/usr/bin/env bash
# End-to-end TPM attestation with a software TPM: two swtpm instances manufactured with EK
# certificates from a local CA (in a temp dir), a real boot event log replayed into the
# PCRs, `attest tpm attest` against attestd trusting that CA, the token's claims checked
# against the log and its signature checked through /certs (jose); then the refusals: a
# wrong nonce, a replayed challenge, an expired service context, a foreign AK (from the
# second swtpm), a bad JWS, an untrusted EK.
#
# Usage: bash test_tpm_e2e.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=${1:?usage: test_tpm_e2e.sh BINDIR}
bindir=$(cd "$bindir" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
attest=$bindir/attest
log_name=gotpmtools__cos-85-amd-sev.bin
eventlog=$shared/vectors/tpm/eventlogs/$log_name
summary=$shared/vectors/tpm/expected/eventlogs_summary.json

# shellcheck source=SCRIPTDIR/lib/attestd.bash
. "$here/lib/attestd.bash"

for tool in swtpm swtpm_setup swtpm_localca tpm2_pcrextend tpm2_startup python3 node; do
    command -v "$tool" >/dev/null 2>&1 || att_die "$tool is needed (see scripts/install-deps.sh)"
done
[ -x "$attest" ] || att_die "no attest binary at $attest"
[ -f "$eventlog" ] || att_die "event log vector not found: $eventlog (set ATT_SHARED_DIR)"
att_node_deps "$here/node"

att_init
[ -n "${KEEP_TMP:-}" ] && echo "# scratch: $ATT_TMP"
W=$ATT_TMP
swtpm_pids=()
stop_swtpms() {
    local p
    for p in "${swtpm_pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap 'stop_swtpms; att_cleanup' EXIT


# ---- the local EK CA and two manufactured TPMs ----
mkdir -p "$W/ca"
cat >"$W/swtpm-localca.conf" <<C
statedir = $W/ca
signingkey = $W/ca/signkey.pem
issuercert = $W/ca/issuercert.pem
certserial = $W/ca/certserial
C
printf -- '--platform-manufacturer Test\n--platform-version 2.1\n--platform-model vm\n' \
    >"$W/swtpm-localca.options"
cat >"$W/swtpm_setup.conf" <<C
create_certs_tool = /usr/bin/swtpm_localca
create_certs_tool_config = $W/swtpm-localca.conf
create_certs_tool_options = $W/swtpm-localca.options
active_pcr_banks = sha1,sha256
C

# start_tpm NAME: manufactures and starts a swtpm; sets tcti_NAME.
start_tpm() {
    local name=$1 port ctrl
    mkdir -p "$W/$name"
    swtpm_setup --tpm2 --tpmstate "$W/$name" --config "$W/swtpm_setup.conf" --create-ek-cert \
        --create-platform-cert --pcr-banks sha1,sha256 --overwrite >"$W/$name.setup.log" 2>&1 ||
        att_die "swtpm_setup failed for $name: $(tail -5 "$W/$name.setup.log")"
    # the swtpm TCTI talks to the control channel on the data port + 1
    for _ in 1 2 3 4 5; do
        port=$(python3 -c 'import socket
for _ in range(50):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        a.close(); b.close(); continue
    a.close(); b.close(); print(p); break')
        ctrl=$((port + 1))
        if swtpm socket --tpm2 --tpmstate dir="$W/$name" \
            --server type=tcp,port="$port",bindaddr=127.0.0.1 \
            --ctrl type=tcp,port="$ctrl",bindaddr=127.0.0.1 --flags not-need-init \
            --daemon --pid file="$W/$name.pid" --log file="$W/$name.log"; then
            break
        fi
    done
    swtpm_pids+=("$(cat "$W/$name.pid")")
    printf -v "tcti_$name" 'swtpm:host=127.0.0.1,port=%s' "$port"
    TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port" tpm2_startup -c
}
start_tpm tpm1
start_tpm tpm2
# shellcheck disable=SC2154
echo "# TPMs: $tcti_tpm1 and $tcti_tpm2"
cat "$W/ca/issuercert.pem" "$W/ca/swtpm-localca-rootca-cert.pem" >"$W/ek-ca.pem"

# ---- replay the event log into tpm1's PCRs (sha1 + sha256, skipping EV_NO_ACTION) ----
python3 - "$eventlog" >"$W/extends.txt" <<'P'
import struct, sys
b = open(sys.argv[1], 'rb').read()
hsz = struct.unpack_from('<I', b, 28)[0]
spec = b[32:32 + hsz]
assert spec[:16] == b'Spec ID Event03\0', 'agile log expected'
sizes = {}
for k in range(struct.unpack_from('<I', spec, 24)[0]):
    alg, size = struct.unpack_from('<HH', spec, 28 + 4 * k)
    sizes[alg] = size
i, out = 32 + hsz, []
while i < len(b):
    pcr, etype, count = struct.unpack_from('<III', b, i)
    i += 12
    dg = {}
    for _ in range(count):
        alg = struct.unpack_from('<H', b, i)[0]
        dg[alg] = b[i + 2:i + 2 + sizes[alg]]
        i += 2 + sizes[alg]
    i += 4 + struct.unpack_from('<I', b, i)[0]
    if etype != 3:
        out.append('%d:sha1=%s,sha256=%s' % (pcr, dg[4].hex(), dg[11].hex()))
for k in range(0, len(out), 12):
    print(' '.join(out[k:k + 12]))
P
while read -r line; do
    # shellcheck disable=SC2086
    TPM2TOOLS_TCTI=$tcti_tpm1 tpm2_pcrextend $line
done <"$W/extends.txt"
ok "replayed $(wc -w <"$W/extends.txt") events of $log_name into tpm1"

# ---- an AIK CA (AK certificates are issued below, once the AK exists) ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/aik-ca.key" -out "$W/aik-ca.pem" -days 30 \
    -subj /CN=test-aik-ca -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1 || att_die "openssl: AIK CA"

# ---- attestd trusting the local EK CA and the AIK CA ----
att_start_attestd "$bindir" --tpm-ek-ca "$W/ek-ca.pem" --tpm-aik-ca "$W/aik-ca.pem"
url=$ATT_BASE_URL

# run CMD...: sets $out, $err, $rc.
run() {
    rc=0
    timeout 120 "$@" >"$W/out" 2>"$W/err" || rc=$?
    out=$(cat "$W/out")
    err=$(cat "$W/err")
}
expect_refusal() { # NAME PATTERN: the last run failed with PATTERN in its error
    if [ "$rc" -ne 0 ] && grep -qiE "$2" <<<"$err$out"; then
        ok "$1 is refused: $(head -c 200 <<<"$err$out")"
    else
        nok "$1 is refused with /$2/" "rc=$rc out=$(head -c 300 <<<"$out") err=$(head -c 300 <<<"$err")"
    fi
}
post() { # FILE: POSTs a saved request body; sets $out, $rc (HTTP status in $code)
    code=$(curl -s -o "$W/post.out" -w '%{http_code}' -H 'Content-Type: application/json' \
        --data-binary @"$1" "$url/attest/Tpm?api-version=2022-08-01") || code=000
    out=$(cat "$W/post.out")
    err=
    rc=0
    [ "$code" = 200 ] || rc=1
}

# ---- 0. MAA's recorded init request (Python SDK) gets a challenge of MAA's shape ----
post "$shared/vectors/maa/sdk-python/tpm-init-2022/attest-Tpm.init.request.json"
if [ "$code" = 200 ] && python3 -c 'import base64,json,sys
pad=lambda s: s+"="*(-len(s)%4)
p=json.loads(base64.urlsafe_b64decode(pad(json.loads(sys.argv[1])["data"])))["payload"]
assert len(base64.urlsafe_b64decode(pad(p["challenge"]))) == 16, p
assert len(p["service_context"]) > 100, p' "$out"; then
    ok "the recorded MAA init request gets {challenge (16 bytes), service_context}"
else
    nok "the recorded MAA init request" "$code $out"
fi

# ---- 1. the happy path ----
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --eventlog "$eventlog" \
    --sha1-pcrs 0-9 --rp-data cnAtZGF0YQ
if [ "$rc" -eq 0 ] && [ -n "$out" ]; then
    ok "attest tpm attest returns a token"
    printf '%s\n' "$out" >"$W/token.jwt"
    [ -z "${KEEP_TMP:-}" ] || cp "$W/token.jwt" "$KEEP_TMP/token.jwt"
    if node "$here/node/verify_token.mjs" "$url" "$W/token.jwt" >"$W/verified.json" 2>"$W/err"; then
        ok "the token's signature verifies through /certs"
    else
        nok "the token's signature verifies through /certs" "$(cat "$W/err")"
    fi
    python3 - "$W/verified.json" "$summary" "$log_name" >"$W/claims.txt" 2>&1 <<'P' || true
import json, sys
claims = json.load(open(sys.argv[1]))['claims']
want = next(e for e in json.load(open(sys.argv[2])) if e['file'] == sys.argv[3])
checks = []
def check(name, cond, detail=''):
    checks.append(('ok - ' if cond else 'FAIL - ') + name + ('' if cond else ': ' + detail))
sb = want['secureboot']['SecureBoot'] == '01'
check('secureBootEnabled (policy 1.2 JmesPath over the events claim) matches the log (%s)' % sb, claims.get('secureBootEnabled') is sb,
      str(claims.get('secureBootEnabled')))
check('aikValidated (EK certificate + credential activation)', claims.get('aikValidated') is True)
check('aikPubHash present', isinstance(claims.get('aikPubHash'), str))
pc = claims.get('pcrs', {})
pc = json.loads(pc) if isinstance(pc, str) else pc  # policy-issued JSON claims are JSON text
pcrs = {p['Index']: p['Digests'] for p in pc.get('PCRs', [])}
for bank, key in (('sha256', 'SHA256'), ('sha1', 'SHA1')):
    for i in range(10):
        exp = want['replayed_pcrs'][bank][str(i)]
        got = pcrs.get(i, {}).get(key)
        check('PCR%d %s equals the log replay' % (i, bank), got == exp, '%s != %s' % (got, exp))
check('PCR17 sha256 holds its reset value', pcrs.get(17, {}).get('SHA256') == 'f' * 64)
check('cnf.jwk is the request key', claims.get('cnf', {}).get('jwk', {}).get('kty') == 'RSA')
check('rp_data and nonce echo --rp-data', claims.get('rp_data') == 'cnAtZGF0YQ' and
      claims.get('nonce') == 'cnAtZGF0YQ')
check('x-ms-attestation-type is tpm', claims.get('x-ms-attestation-type') == 'tpm')
check('x-ms-policy-hash present', bool(claims.get('x-ms-policy-hash')))
check('exp - iat is report_validity_in_minutes (default 1440 min)',
      claims['exp'] - claims['iat'] == 86400, str(claims['exp'] - claims['iat']))
print('\n'.join(checks))
P
    while read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        *) nok "claims: ${line#FAIL - }" ;;
        esac
    done <"$W/claims.txt"
else
    nok "attest tpm attest returns a token" "rc=$rc err=$err"
fi

# ---- a policy with configuration and issuance properties ----
policy='version=1.2; configurationrules{ => issueproperty(type="required_pcr_mask", value=255); }; authorizationrules{ c:[type=="aikValidated", value==true] => permit(); }; issuancerules{ c:[type=="secureBootEnabled"] => issue(type="sb", value=c.value); => issueproperty(type="report_validity_in_minutes", value=60); };'
jws="eyJhbGciOiJub25lIn0.$(printf '{"AttestationPolicy":"%s"}' "$(printf '%s' "$policy" | basenc --base64url -w0 | tr -d =)" | basenc --base64url -w0 | tr -d =)."
code=$(curl -s -o "$W/put.out" -w '%{http_code}' -X PUT --data "$jws" "$url/policies/Tpm?api-version=2022-08-01")
[ "$code" = 200 ] || nok "PUT /policies/Tpm" "$code $(cat "$W/put.out")"
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --eventlog "$eventlog" --pcrs 0-7
if [ "$rc" -eq 0 ] && python3 -c 'import base64,json,sys
pad=lambda s: s+"="*(-len(s)%4)
c=json.loads(base64.urlsafe_b64decode(pad(sys.argv[1].split(".")[1])))
assert c["exp"]-c["iat"]==3600 and c["sb"] is True and "aikValidated" not in c, c' "$out"; then
    ok "policy: required_pcr_mask=255 accepts a PCR 0-7 quote, report_validity_in_minutes=60, own claims"
else
    nok "policy properties" "rc=$rc $err $(head -c 300 <<<"$out")"
fi
curl -s -o /dev/null -X POST --data 'eyJhbGciOiJub25lIn0..' "$url/policies/Tpm:reset?api-version=2022-08-01"
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --eventlog "$eventlog" --pcrs 0-7
expect_refusal "the default policy's required_pcr_mask refuses a PCR 0-7 quote" 'does not cover PCRs'

# ---- enrollment: a persistent AK, proven to the service, then used ----
run "$attest" tpm enroll --url "$url" --tcti "$tcti_tpm1"
if [ "$rc" -eq 0 ] && grep -q '"service_checked": true' <<<"$out" && grep -q '0x81010003' <<<"$out"; then
    ok "attest tpm enroll persists the AK and the service activates its credential"
else
    nok "attest tpm enroll" "rc=$rc out=$out err=$err"
fi
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --eventlog "$eventlog" --ak-handle 0x81010003
if [ "$rc" -eq 0 ]; then ok "attest with the enrolled persistent AK"; else nok "attest --ak-handle" "$err"; fi

# ---- an AIK certificate for the enrolled AK (init "aikcert"), and one of another TPM ----
TPM2TOOLS_TCTI=$tcti_tpm1 tpm2_readpublic -c 0x81010003 -f pem -o "$W/ak1.pem" >/dev/null
openssl x509 -new -subj /CN=tpm1-aik -force_pubkey "$W/ak1.pem" -CA "$W/aik-ca.pem" \
    -CAkey "$W/aik-ca.key" -days 30 -out "$W/aik1.pem" 2>/dev/null || att_die "openssl: AIK cert"
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --ak-handle 0x81010003 \
    --aik-cert "$W/aik1.pem" --no-eventlog
if [ "$rc" -eq 0 ]; then
    printf '%s\n' "$out" >"$W/aik-token.jwt"
    if node "$here/node/verify_token.mjs" "$url" "$W/aik-token.jwt" >"$W/aik.json" 2>"$W/err" &&
        python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["claims"]; assert c["aikValidated"] is True' "$W/aik.json"; then
        ok "init aikcert with an AIK certificate from the trusted AIK CA: aikValidated"
    else
        nok "aikcert token" "$(cat "$W/err")"
    fi
else
    nok "attest --aik-cert" "$err"
fi
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm2" --aik-cert "$W/aik1.pem" --no-eventlog
expect_refusal "another TPM presenting tpm1's AIK certificate (foreign AK)" 'foreign AK'

# ---- IMA: a real 826-entry list extended into PCR 10, verified by the service ----
ima=$shared/vectors/tpm/ima/rust-keylime__ascii_runtime_measurements
python3 - "$ima" >"$W/ima_extends.txt" <<'P'
import hashlib, struct, sys
def field(b):
    return struct.pack('<I', len(b)) + b
out = []
for line in open(sys.argv[1]):
    pcr, thash, tmpl, rest = line.rstrip('\n').split(' ', 3)
    assert tmpl == 'ima-ng', tmpl
    dig, path = rest.split(' ', 1)
    alg, hexd = dig.split(':', 1)
    tdata = field(alg.encode() + b':\0' + bytes.fromhex(hexd)) + field(path.encode() + b'\0')
    assert hashlib.sha1(tdata).hexdigest() == thash
    out.append('10:sha1=%s,sha256=%s' % (thash, hashlib.sha256(tdata).hexdigest()))
for k in range(0, len(out), 12):
    print(' '.join(out[k:k + 12]))
P
while read -r line; do
    # shellcheck disable=SC2086
    TPM2TOOLS_TCTI=$tcti_tpm1 tpm2_pcrextend $line
done <"$W/ima_extends.txt"
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --eventlog "$eventlog" --ima "$ima"
if [ "$rc" -eq 0 ]; then ok "attest with the IMA list (PCR 10 replayed in SHA-256)"; else nok "attest --ima" "$err"; fi
sed '17s/\(ima-ng sha1:\)./\1f/' "$ima" >"$W/ima-tampered"
cmp -s "$ima" "$W/ima-tampered" && nok "tampering the IMA list changed nothing"
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --eventlog "$eventlog" --ima "$W/ima-tampered"
expect_refusal "an IMA list with an altered entry" 'entry 17|template'

# ---- 2. a replayed challenge: the same request sent twice ----
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --eventlog "$eventlog" \
    --request-out "$W/req.json"
[ "$rc" -eq 0 ] || nok "attest tpm attest --request-out" "$err"
[ -z "${KEEP_TMP:-}" ] || cp "$W/req.json" "$KEEP_TMP/req.json"
post "$W/req.json"
if [ "$rc" -eq 0 ] && grep -q '"data"' <<<"$out"; then
    ok "a saved request is accepted once"
else
    nok "a saved request is accepted once" "$code $out"
fi
post "$W/req.json"
[ "$code" = 400 ] || rc=0
expect_refusal "a replayed challenge (400)" 'already used|replayed'

# ---- 3. a wrong nonce: the credential of one challenge with the context of another ----
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --no-eventlog --init-out "$W/a.json" \
    --request-out "$W/unused-a.json"
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --no-eventlog --init-out "$W/b.json" \
    --request-out "$W/unused-b.json"
python3 -c 'import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
a["service_context"]=b["service_context"]; json.dump(a,open(sys.argv[3],"w"))' \
    "$W/a.json" "$W/b.json" "$W/mixed.json"
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --no-eventlog --init-in "$W/mixed.json"
expect_refusal "a wrong nonce" 'wrong nonce'

# ---- 4. a foreign AK: quote with tpm2's AK after tpm1 activated the credential ----
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --no-eventlog --quote-tcti "$tcti_tpm2"
expect_refusal "a foreign AK (quote signed by another TPM's AK)" 'foreign AK'

# ---- 5. a bad JWS: the request's payload altered after signing ----
python3 - "$W/unused-a.json" "$W/badjws.json" <<'P'
import base64, json, sys
body = json.load(open(sys.argv[1]))
pad = lambda s: s + '=' * (-len(s) % 4)
msg = json.loads(base64.urlsafe_b64decode(pad(body['data'])))
h, p, s = msg['payload']['request'].split('.')
claims = json.loads(base64.urlsafe_b64decode(pad(p)))
claims['att_data']['rp_data'] = 'dGFtcGVyZWQ'
p = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip('=')
msg['payload']['request'] = '.'.join((h, p, s))
body['data'] = base64.urlsafe_b64encode(json.dumps(msg).encode()).decode().rstrip('=')
json.dump(body, open(sys.argv[2], 'w'))
P
post "$W/badjws.json"
[ "$code" = 400 ] || rc=0
expect_refusal "a request JWS altered after signing (400)" 'bad JWS.*does not verify'

# ---- 6. a TPM whose EK certificate the service does not trust ----
att_stop_attestd
att_start_attestd "$bindir" --tpm-ek-ca "$shared/vectors/maa/sdk-python/sgx-sharedwus-2022/signing_cert.pem"
url=$ATT_BASE_URL
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --no-eventlog
expect_refusal "an EK certificate from an untrusted CA" 'EK|certificate|chain'
att_stop_attestd

# ---- 7. an expired service context (challenge lifetime 2 s) ----
att_start_attestd "$bindir" --tpm-ek-ca "$W/ek-ca.pem" --tpm-challenge-lifetime 2
url=$ATT_BASE_URL
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --no-eventlog --request-out "$W/late.json"
sleep 4
post "$W/late.json"
[ "$code" = 400 ] || rc=0
expect_refusal "an expired service context (400)" 'expired'
run "$attest" tpm attest --url "$url" --tcti "$tcti_tpm1" --no-eventlog
if [ "$rc" -eq 0 ]; then ok "a prompt request still passes with a 2 s lifetime"; else nok "a prompt request passes" "$err"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
