#!/usr/bin/env bash
# Integration test: attestd as an operator sees it. Flags, config file and their errors;
# the signing key persists across restarts (same kid) while the certificate follows the
# issuer; the store survives kill -9; TLS; /readyz, /metrics and the access log.
#
# Usage: bash test_server.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=$(cd "${1:?usage: test_server.sh BINDIR}" && pwd)
# shellcheck source=lib/attestd.bash
. "$here/lib/attestd.bash"
att_init

passed=0
failed=0
check() { # check NAME COMMAND...
    local name=$1
    shift
    if "$@"; then
        echo "ok   - $name"
        passed=$((passed + 1))
    else
        echo "FAIL - $name"
        failed=$((failed + 1))
    fi
}
kid_of() { curl -fsS "$1/certs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"][0]["kid"])'; }
subject_of() { # subject of the first certificate in BASE/certs
    curl -fsS "$1/certs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"][0]["x5c"][0])' |
        base64 -d | openssl x509 -inform DER -noout -subject -nameopt RFC2253
}

# --- command line ---
check "--help exits 0 and lists --data-dir" bash -c "'$bindir/attestd' --help | grep -q -- --data-dir"
check "--version prints the version" bash -c "'$bindir/attestd' --version | grep -q '^attestd [0-9]'"
out=$("$bindir/attestd" --listen nonsense 2>&1) && rc=0 || rc=$?
check "bad --listen exits 2 naming the flag" test "$rc" -eq 2 -a -n "$(echo "$out" | grep -- '--listen')"
printf '[server]\nlisten = 127.0.0.1:0\ncolour = blue\n' >"$ATT_TMP/bad.conf"
out=$("$bindir/attestd" --config "$ATT_TMP/bad.conf" 2>&1) && rc=0 || rc=$?
check "unknown config key exits 2 naming file:line and key" \
    bash -c "[ $rc -eq 2 ] && echo '$out' | grep -q 'bad.conf:3' && echo '$out' | grep -q colour"

# --- first start: key created, issuer = base URL ---
att_start_attestd "$bindir"
base=$ATT_BASE_URL
kid1=$(kid_of "$base")
check "key file is mode 0600" test "$(stat -c %a "$ATT_TMP/data/signing-key.pem")" = 600
check "certificate CN is the issuer" test "$(subject_of "$base")" = "subject=CN=$base"
check "/readyz is ready" bash -c "curl -fsS '$base/readyz' | grep -q ready"
curl -fsS "$base/certs" >/dev/null
curl -fsS "$base/certs" >/dev/null
check "/metrics counts /certs requests" bash -c "curl -fsS '$base/metrics' | grep -Eq '^attestd_http_requests_total\{route=\"certs\",status=\"2xx\"\} [2-9]'"
check "/metrics has a latency histogram" bash -c "curl -fsS '$base/metrics' | grep -q 'attestd_http_request_duration_seconds_bucket{route=\"certs\",le=\"+Inf\"}'"
check "responses carry x-ms-request-id and the service version" \
    bash -c "curl -fsSi '$base/healthz' | grep -qi '^x-ms-request-id: [0-9a-f]\{20\}' && curl -fsSi '$base/healthz' | grep -qi '^x-ms-maa-service-version:'"
check "an error quoting non-UTF-8 input is still valid JSON naming the value" bash -c "curl -s '$base/policies/SgxEnclave?api-version=%FF%FE1' | python3 -c 'import json,sys; e=json.loads(sys.stdin.buffer.read())[\"error\"]; sys.exit(not (e[\"code\"]==\"InvalidParameter\" and \"??1\" in e[\"message\"]))'"
check "access log line per request" grep -q 'msg="access".*path="/certs".*status=200' "$ATT_LOG"

# --- kill -9 and restart on the same data dir: same key, store intact ---
kill -KILL "$ATT_PID"
wait "$ATT_PID" 2>/dev/null || true
ATT_PID=
port=$(att_free_port)
"$bindir/attestd" --listen "127.0.0.1:$port" --data-dir "$ATT_TMP/data" \
    --issuer "http://localhost:$port" >"$ATT_TMP/second.log" 2>&1 &
ATT_PID=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
check "restart after kill -9 is ready" bash -c "curl -fsS 'http://127.0.0.1:$port/readyz' | grep -q ready"
check "same kid after restart" test "$(kid_of "http://127.0.0.1:$port")" = "$kid1"
check "certificate follows the new issuer" test "$(subject_of "http://127.0.0.1:$port")" = "subject=CN=http://localhost:$port"
check "openid issuer follows --issuer" bash -c "curl -fsS 'http://127.0.0.1:$port/.well-known/openid-configuration' | grep -q '\"issuer\":\"http://localhost:$port\"'"
check "SIGTERM stops cleanly" bash -c "kill -TERM $ATT_PID; for i in \$(seq 1 50); do kill -0 $ATT_PID 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
wait "$ATT_PID" 2>/dev/null && rc=0 || rc=$?
check "exit status 0 after SIGTERM" test "$rc" -eq 0
ATT_PID=

# --- TLS from a config file ---
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ATT_TMP/tls.key" -out "$ATT_TMP/tls.crt" \
    -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
port=$(att_free_port)
cat >"$ATT_TMP/tls.conf" <<CONF
; attestd test config
[server]
listen = 127.0.0.1:$port
data_dir = $ATT_TMP/data
tls_cert = $ATT_TMP/tls.crt
tls_key = $ATT_TMP/tls.key
log_level = warn
CONF
"$bindir/attestd" --config "$ATT_TMP/tls.conf" >"$ATT_TMP/tls.log" 2>&1 &
ATT_PID=$!
for _ in $(seq 1 100); do curl -fsS --cacert "$ATT_TMP/tls.crt" -o /dev/null "https://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
check "HTTPS with the configured certificate" bash -c "curl -fsS --cacert '$ATT_TMP/tls.crt' 'https://127.0.0.1:$port/readyz' | grep -q ready"
check "default issuer is https with TLS" bash -c "curl -fsS --cacert '$ATT_TMP/tls.crt' 'https://127.0.0.1:$port/.well-known/openid-configuration' | grep -q '\"jwks_uri\":\"https://127.0.0.1:$port/certs\"'"
check "plain HTTP to the TLS port fails" bash -c "! curl -fsS --max-time 3 -o /dev/null 'http://127.0.0.1:$port/healthz' 2>/dev/null"
att_stop_attestd

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
