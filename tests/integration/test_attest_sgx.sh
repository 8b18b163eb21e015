#!/usr/bin/env bash
# Integration test: POST /attest/SgxEnclave and /attest/OpenEnclave against a live attestd
# (node/attest_sgx.mjs) with real quotes and the 2022 Open Enclave collateral, replayed at a
# fixed verification time inside its window; then the same collateral judged after its
# window (expired), and attestd without collateral. Also: a collateral path that does not
# load stops attestd at start with a message naming the file.
#
# Usage: bash test_attest_sgx.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=$(cd "${1:?usage: test_attest_sgx.sh BINDIR}" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
vectors=$shared/vectors
collateral=$vectors/normalized-collateral/sgx-v3_openenclave-plugin.json
# shellcheck source=lib/attestd.bash
. "$here/lib/attestd.bash"

att_node_deps "$here/node"
att_init
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ATT_TMP/signer.key" -out "$ATT_TMP/signer.crt" \
    -days 2 -subj /CN=attestd-test-sgx-policy-signer 2>/dev/null

passed=0
failed=0
# Runs node/attest_sgx.mjs in mode $1 against the running attestd and adds up its counts.
run_mode() {
    local out rc=0
    out=$(ATT_BASE_URL=$ATT_BASE_URL ATT_VECTORS=$vectors ATT_MODE=$1 \
        ATT_SIGNER_KEY=$ATT_TMP/signer.key ATT_SIGNER_CERT=$ATT_TMP/signer.crt \
        timeout 300 node "$here/node/attest_sgx.mjs" 2>&1) || rc=$?
    printf '%s\n' "$out" | grep -v ' passed, .* failed$' || true
    local line
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
    if [ -z "$line" ]; then
        echo "FAIL - node attest_sgx.mjs ($1) ended without a result line (rc $rc)"
        failed=$((failed + 1))
        att_log_tail 40
        return
    fi
    passed=$((passed + ${line%% passed*}))
    local f=${line#*passed, }
    failed=$((failed + ${f%% failed}))
    [ "$rc" -eq 0 ] || att_log_tail 40
}

att_start_attestd "$bindir" --collateral "$collateral" --verification-time 2022-05-01T00:00:00Z
run_mode main
att_stop_attestd

att_start_attestd "$bindir" --collateral "$collateral" --verification-time 2022-10-07T13:23:53Z
run_mode expired
att_stop_attestd

att_start_attestd "$bindir"
run_mode nocollateral
att_stop_attestd

# A collateral file that does not load: attestd refuses to start and names it.
echo '{"tcb_info": 1}' >"$ATT_TMP/broken-collateral.json"
rc=0
"$bindir/attestd" --listen 127.0.0.1:0 --data-dir "$ATT_TMP/data2" \
    --collateral "$ATT_TMP/broken-collateral.json" >"$ATT_TMP/broken.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] && grep -q 'broken-collateral.json' "$ATT_TMP/broken.log"; then
    echo "ok - broken collateral: attestd exits ($rc) naming the file"
    passed=$((passed + 1))
else
    echo "FAIL - broken collateral: rc $rc, log: $(head -c 300 "$ATT_TMP/broken.log")"
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
