#!/usr/bin/env bash
# Integration test of the `attest` CLI: help and version output, `token decode` on a real
# MAA token and on malformed ones (messages and exit codes), and `attest jwks` against a
# live attestd on 127.0.0.1 (the kid it prints must be the one /certs serves).
#
# Usage: bash test_cli.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=${1:?usage: test_cli.sh BINDIR}
bindir=$(cd "$bindir" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
vector=$shared/vectors/maa/sdk-python/sgx-sharedwus-2022/token.jwt
attest=$bindir/attest

# shellcheck source=SCRIPTDIR/lib/attestd.bash
. "$here/lib/attestd.bash"

[ -x "$attest" ] || att_die "no attest binary at $attest (build it first)"
[ -f "$vector" ] || att_die "token vector not found: $vector (set ATT_SHARED_DIR)"

att_init
scratch=$ATT_TMP


# run CMD...: runs with a time bound; sets $out (stdout), $err (stderr), $rc.

# expect NAME RC [STDOUT-SUBSTRING...]; a substring prefixed with "err:" is looked for in
# stderr instead.
expect() {
    local name=$1 want=$2 s
    shift 2
    if [ "$rc" -ne "$want" ]; then
        nok "$name: exit $want" "exit $rc, stderr: $(head -c 300 <<<"$err")"
        return
    fi
    ok "$name: exit $want"
    for s in "$@"; do
        if [ "${s#err:}" != "$s" ]; then
            s=${s#err:}
            if grep -qF -- "$s" <<<"$err"; then
                ok "$name: stderr has '$s'"
            else
                nok "$name: stderr has '$s'" "stderr: $(head -c 300 <<<"$err")"
            fi
        elif grep -qF -- "$s" <<<"$out"; then
            ok "$name: output has '$s'"
        else
            nok "$name: output has '$s'" "stdout: $(head -c 300 <<<"$out")"
        fi
    done
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# ---- help and version ----
run "$attest" --help
expect "attest --help" 0 "token decode" "jwks" "Exit codes" "3  network"
run "$attest" --version
expect "attest --version" 0 "attest "
if grep -qE '^attest [0-9]+\.[0-9]+\.[0-9]+' <<<"$out"; then
    ok "attest --version: prints a version"
else
    nok "attest --version: prints a version" "$out"
fi
run "$attest" token decode --help
expect "attest token decode --help" 0 "Usage: attest token decode" "does NOT verify" "@FILE"
run "$attest" jwks --help
expect "attest jwks --help" 0 "Usage: attest jwks" "--cacert" "--insecure" "--timeout" "--json"
run "$attest" no-such-command
expect "attest no-such-command" 2 "err:unknown command"
run "$attest" token decode
expect "attest token decode without TOKEN" 2 "err:missing argument"

# ---- token decode on the real 2022 sharedwus SGX token ----
decode_checks=(
    '"alg": "RS256"'
    '"kid": "XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE="'
    '"iss": "https://sharedwus.wus.attest.azure.net"'
    '"x-ms-attestation-type": "sgx"'
    '"x-ms-sgx-mrsigner": "2c1a44952ae8207135c6c29b75b8c029372ee94b677e15c20bd42340f10d41aa"'
    'iat: 1665149033 (2022-10-07T13:23:53Z'
    'exp: 1665177833 (2022-10-07T21:23:53Z, expired '
    'NOT VERIFIED'
)
run "$attest" token decode "@$vector"
expect "token decode @FILE" 0 "${decode_checks[@]}"
file_out=$out
rc=0
timeout 60 "$attest" token decode - <"$vector" >"$scratch/out" 2>"$scratch/err" || rc=$?
out=$(cat "$scratch/out")
err=$(cat "$scratch/err")
expect "token decode - (stdin)" 0 "${decode_checks[@]}"
# The "Times (UTC, now ...)" line carries the current second: compare without it.
strip_now() { grep -v '^Times (UTC, now '; }
if [ "$(strip_now <<<"$out")" = "$(strip_now <<<"$file_out")" ]; then
    ok "token decode: stdin and @FILE give the same output"
else
    nok "token decode: stdin and @FILE give the same output"
fi
token=$(tr -d ' \r\n' <"$vector")
run "$attest" token decode "$token"
expect "token decode TOKEN (argument)" 0 "${decode_checks[@]}"

now=$(date +%s)
unsecured="eyJhbGciOiJub25lIn0.$(printf '{"exp":%d,"iat":%d,"nbf":%d,"x-ms-policy-result":"Updated"}' \
    $((now + 3600)) "$now" "$now" | b64url)."
run "$attest" token decode "$unsecured"
expect "token decode of an unsecured token (alg none)" 0 '"alg": "none"' \
    '"x-ms-policy-result": "Updated"' "valid for " "unsecured"

# ---- malformed tokens: exit 2 and a message naming the problem ----
hdr=${token%%.*}
rest=${token#*.}
pay=${rest%%.*}
run "$attest" token decode "$hdr.$pay"
expect "token with 2 segments" 2 "err:token has 2 segments, expected 3"
run "$attest" token decode "a.b.c.d.e"
expect "token with 5 segments (JWE)" 2 "err:token has 5 segments, expected 3"
run "$attest" token decode ""
expect "empty token" 2 "err:token is empty"
run "$attest" token decode "$hdr.pay*load.sig"
expect "payload with a non-base64url character" 2 "err:payload is not valid base64url"
run "$attest" token decode "$hdr.x.sig"
expect "payload of impossible base64url length" 2 "err:payload is not valid base64url"
run "$attest" token decode "$(printf '["alg","RS256"]' | b64url).$pay.sig"
expect "header that is a JSON array" 2 "err:header is not a JSON object"
run "$attest" token decode "$(printf 'not json' | b64url).$pay.sig"
expect "header that is not JSON" 2 "err:header is not valid JSON"
run "$attest" token decode "$hdr.$(printf '{"iss":"a","iss":"b"}' | b64url).sig"
expect "payload with a duplicate claim" 2 "err:payload is not valid JSON" "err:duplicate"
run "$attest" token decode "$(printf '{"typ":"JWT"}' | b64url).$pay.sig"
expect "header without alg" 2 'err:header has no "alg"'
run "$attest" token decode "@$scratch/no-such-file"
expect "token file that does not exist" 3 "err:cannot open token file"

# ---- attest jwks against a live attestd ----
if [ ! -x "$bindir/attestd" ]; then
    nok "attest jwks: attestd binary present in $bindir" "not built"
else
    att_start_attestd "$bindir"
    echo "attestd pid $ATT_PID at $ATT_BASE_URL"
    curl -fsS --max-time 10 "$ATT_BASE_URL/certs" >"$scratch/certs.json" ||
        att_die "GET $ATT_BASE_URL/certs failed"
    certs_kids=$(node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1]));
for (const k of j.keys) console.log(k.kid);' "$scratch/certs.json") ||
        att_die "/certs is not a JWKS: $(head -c 300 "$scratch/certs.json")"

    for target in "$ATT_BASE_URL" "$ATT_BASE_URL/certs" "$ATT_BASE_URL/.well-known/openid-configuration"; do
        run "$attest" jwks --timeout 10 "$target"
        expect "attest jwks $target" 0 "JWKS: $ATT_BASE_URL/certs" "subject:" "issuer:" \
            "serial:" "not before:" "not after:" "sha256:"
        printed=$(sed -n 's/^  kid: *//p' <<<"$out")
        if [ -n "$printed" ] && [ "$printed" = "$certs_kids" ]; then
            ok "attest jwks $target: kids printed equal those in /certs"
        else
            nok "attest jwks $target: kids printed equal those in /certs" \
                "printed '$printed', /certs has '$certs_kids'"
        fi
    done
    if grep -qE '^  sha256: +[0-9a-f]{64}$' <<<"$out"; then
        ok "attest jwks: SHA-256 thumbprint is 64 hex digits"
    else
        nok "attest jwks: SHA-256 thumbprint is 64 hex digits" "$(grep sha256 <<<"$out")"
    fi

    run "$attest" jwks --json "$ATT_BASE_URL/certs"
    expect "attest jwks --json" 0 '"keys"'
    if node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1]));
const b = JSON.parse(process.argv[2]);
process.exit(JSON.stringify(a) === JSON.stringify(b) ? 0 : 1);' "$scratch/certs.json" "$out"; then
        ok "attest jwks --json: prints the JWKS as served"
    else
        nok "attest jwks --json: prints the JWKS as served" "$(head -c 300 <<<"$out")"
    fi

    run "$attest" jwks --timeout 10 "$ATT_BASE_URL/no/such/route"
    expect "attest jwks on a 404 route" 3 "err:HTTP 404" "err:NotFound"
    run "$attest" jwks "ftp://127.0.0.1/certs"
    expect "attest jwks with a non-http URL" 2 "err:URL must start with http"
    run "$attest" jwks --timeout abc "$ATT_BASE_URL"
    expect "attest jwks --timeout abc" 2 "err:--timeout"

    att_stop_attestd
    run "$attest" jwks --timeout 5 "$ATT_BASE_URL/certs"
    expect "attest jwks when nothing listens" 3 "err:GET $ATT_BASE_URL/certs"

    # ---- TLS: --cacert and --insecure against attestd over HTTPS ----
    tls=$scratch/tls
    mkdir -p "$tls"
    if ! openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$tls/key.pem" -out "$tls/cert.pem" \
        >"$tls/openssl.log" 2>&1; then
        nok "TLS: make a test certificate with openssl" "$(cat "$tls/openssl.log")"
    else
        att_start_attestd "$bindir" --tls-cert "$tls/cert.pem" --tls-key "$tls/key.pem"
        echo "attestd pid $ATT_PID at $ATT_BASE_URL"
        run "$attest" jwks --timeout 10 --cacert "$tls/cert.pem" "$ATT_BASE_URL"
        expect "attest jwks --cacert over HTTPS (via metadata)" 0 "JWKS: $ATT_BASE_URL/certs" \
            "subject:" "CN=$ATT_BASE_URL"
        run "$attest" jwks --timeout 10 "$ATT_BASE_URL/certs"
        expect "attest jwks over HTTPS with an untrusted certificate" 3 "err:GET $ATT_BASE_URL/certs"
        run "$attest" jwks --timeout 10 --insecure "$ATT_BASE_URL/certs"
        expect "attest jwks --insecure over HTTPS" 0 "kid:"
        att_stop_attestd
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
