#!/usr/bin/env bash
# Integration test: MAA policy management against a live attestd (node/policy.mjs), then a
# restart on the same data directory: policies stored before it are served after it.
#
# Usage: bash test_policy.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=$(cd "${1:?usage: test_policy.sh BINDIR}" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
# shellcheck source=lib/attestd.bash
. "$here/lib/attestd.bash"

att_node_deps "$here/node"
att_init
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ATT_TMP/signer.key" -out "$ATT_TMP/signer.crt" \
    -days 2 -subj /CN=attestd-test-policy-signer 2>/dev/null
att_start_attestd "$bindir"

rc=0
ATT_BASE_URL=$ATT_BASE_URL ATT_VECTORS=$shared/vectors ATT_SIGNER_KEY=$ATT_TMP/signer.key \
    ATT_SIGNER_CERT=$ATT_TMP/signer.crt timeout 300 node "$here/node/policy.mjs" || rc=$?
[ $rc -eq 0 ] || { att_log_tail 40; exit $rc; }

# Restart on the same data dir and port: the SevSnpVm policy set by policy.mjs is still there.
port=$ATT_PORT
kill -TERM "$ATT_PID"
wait "$ATT_PID" 2>/dev/null || true
"$bindir/attestd" --listen "127.0.0.1:$port" --data-dir "$ATT_TMP/data" >"$ATT_TMP/second.log" 2>&1 &
ATT_PID=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
token=$(curl -fsS "http://127.0.0.1:$port/policies/SevSnpVm?api-version=2022-08-01" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
text=$(python3 - "$token" <<'PY'
import base64, json, sys
def d(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
claims = json.loads(d(sys.argv[1].split(".")[1]))
inner = json.loads(d(claims["x-ms-policy"].split(".")[1]))
print(d(inner["AttestationPolicy"]).decode())
PY
)
if [[ $text == *'issue(type="y", value=c.value)'* ]]; then
    echo "ok - policy stored before a restart is served after it"
    echo "1 passed, 0 failed"
else
    echo "FAIL - policy lost across restart: $text"
    echo "0 passed, 1 failed"
    exit 1
fi
