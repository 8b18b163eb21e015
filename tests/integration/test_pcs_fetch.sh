#!/usr/bin/env bash
# Integration test: attestd fetches the DCAP collateral it lacks from a PCS (a local stand-in,
# pcs_mock.py, serving the Open Enclave plugin's collateral for the sharedwus quote's
# platform), verifies and caches it, serves later requests without fetching, and after a
# restart with the PCS gone serves from its disk cache. Without a cache and a PCS, the error
# names the failed fetch.
#
# Usage: bash test_pcs_fetch.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=$(cd "${1:?usage: test_pcs_fetch.sh BINDIR}" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
vectors=$shared/vectors
# shellcheck source=lib/attestd.bash
. "$here/lib/attestd.bash"
att_init

passed=0
failed=0
check() {
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

python3 "$here/pcs_mock.py" "$vectors/normalized-collateral/sgx-v3_openenclave-plugin.json" \
    "$ATT_TMP/pcs.port" &
mock=$!
trap 'kill $mock 2>/dev/null || true; att_cleanup' EXIT
for _ in $(seq 1 100); do [ -s "$ATT_TMP/pcs.port" ] && break; sleep 0.1; done
[ -s "$ATT_TMP/pcs.port" ] || att_die "the PCS stand-in did not start"
pcs=http://127.0.0.1:$(cat "$ATT_TMP/pcs.port")
body=$vectors/maa/sdk-python/sgx-sharedwus-2022/attest-SgxEnclave.request.json
attest() { # prints the HTTP status; the body goes to $ATT_TMP/out
    curl -sS -o "$ATT_TMP/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary "@$body" "$ATT_BASE_URL/attest/SgxEnclave?api-version=2022-08-01"
}
fetched() { curl -fsS "$pcs/count"; }

att_start_attestd "$bindir" --pcs-url "$pcs" --pcs-root-crl-url "$pcs/rootcrl" \
    --verification-time 2022-05-01T00:00:00Z
check "first attestation fetches the collateral and succeeds" test "$(attest)" = 200
check "the PCS answered 4 requests (TCB info, QE identity, PCK CRL, root CRL)" test "$(fetched)" = 4
check "second attestation is served without a fetch" \
    bash -c "[ \"\$(curl -sS -o /dev/null -w '%{http_code}' -X POST --data-binary @'$body' '$ATT_BASE_URL/attest/SgxEnclave?api-version=2022-08-01')\" = 200 ] && [ \"\$(curl -fsS '$pcs/count')\" = 4 ]"
check "the cache holds a bundle" bash -c "ls '$ATT_TMP/data/collateral-cache' | grep -q '^sgx-00906ed50000-processor$'"

# restart with the PCS gone: the disk cache answers
kill "$mock"
wait "$mock" 2>/dev/null || true
data=$ATT_TMP/data
att_stop_attestd
port=$(att_free_port)
"$bindir/attestd" --listen "127.0.0.1:$port" --data-dir "$data" --pcs-url "$pcs" \
    --pcs-root-crl-url "$pcs/rootcrl" --verification-time 2022-05-01T00:00:00Z \
    >"$ATT_TMP/second.log" 2>&1 &
ATT_PID=$!
ATT_BASE_URL=http://127.0.0.1:$port
for _ in $(seq 1 100); do curl -fsS -o /dev/null "$ATT_BASE_URL/healthz" 2>/dev/null && break; sleep 0.1; done
check "after a restart with the PCS down, the disk cache serves" test "$(attest)" = 200
att_stop_attestd

# a fresh data directory and no PCS: the error names the failed fetch
rm -rf "$data"
mkdir -m 0700 "$data"
"$bindir/attestd" --listen "127.0.0.1:$port" --data-dir "$data" --pcs-url "$pcs" \
    --pcs-root-crl-url "$pcs/rootcrl" --verification-time 2022-05-01T00:00:00Z \
    >"$ATT_TMP/third.log" 2>&1 &
ATT_PID=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "$ATT_BASE_URL/healthz" 2>/dev/null && break; sleep 0.1; done
code=$(attest)
check "no cache and no PCS: 503 naming the failed fetch" \
    bash -c "[ '$code' = 503 ] && grep -q 'fetching it failed' '$ATT_TMP/out' && grep -q ServiceUnavailable '$ATT_TMP/out'"
att_stop_attestd

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
