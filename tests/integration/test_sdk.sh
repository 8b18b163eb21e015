#!/usr/bin/env bash
# Integration test: the official Azure Attestation SDK for JavaScript (@azure/attestation,
# node/sdk.mjs) against a live attestd over HTTPS, with the recorded SGX / Open Enclave
# evidence and the 2022 Open Enclave collateral replayed at a time inside its window. A
# local CA signs the server certificate (SAN 127.0.0.1 and localhost); Node trusts it
# through NODE_EXTRA_CA_CERTS, as docs/relying-parties.md tells users to do.
#
# Usage: bash test_sdk.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=$(cd "${1:?usage: test_sdk.sh BINDIR}" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
vectors=$shared/vectors
collateral=$vectors/normalized-collateral/sgx-v3_openenclave-plugin.json
# shellcheck source=SCRIPTDIR/lib/attestd.bash
. "$here/lib/attestd.bash"

att_node_deps "$here/node"
att_init

# A local CA and a server certificate it signs, valid for 127.0.0.1 and localhost.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ATT_TMP/ca.key" -out "$ATT_TMP/ca.crt" \
    -days 2 -subj /CN=attestd-test-ca -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$ATT_TMP/server.key" -out "$ATT_TMP/server.csr" \
    -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
    >"$ATT_TMP/server.ext"
openssl x509 -req -in "$ATT_TMP/server.csr" -CA "$ATT_TMP/ca.crt" -CAkey "$ATT_TMP/ca.key" \
    -CAcreateserial -days 2 -extfile "$ATT_TMP/server.ext" -out "$ATT_TMP/server.crt" 2>/dev/null

att_start_attestd "$bindir" --collateral "$collateral" --verification-time 2022-05-01T00:00:00Z \
    --tls-cert "$ATT_TMP/server.crt" --tls-key "$ATT_TMP/server.key"
case $ATT_BASE_URL in
https://*) ;;
*) att_die "attestd did not start with TLS: $ATT_BASE_URL" ;;
esac

rc=0
out=$(ATT_BASE_URL=$ATT_BASE_URL ATT_VECTORS=$vectors NODE_EXTRA_CA_CERTS=$ATT_TMP/ca.crt \
    timeout 300 node "$here/node/sdk.mjs" 2>&1) || rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 0 ]; then
    att_log_tail 40
fi
printf '%s\n' "$out" | grep -Eq '^[0-9]+ passed, 0 failed$' || exit 1
[ "$rc" -eq 0 ] || exit "$rc"

# The same HTTPS endpoint for `attest token verify` (libcurl, --cacert): trusted with the
# local CA, refused without it.
curl -fsS --cacert "$ATT_TMP/ca.crt" -H 'Content-Type: application/json' \
    --data-binary @"$vectors/maa/sdk-python/sgx-sharedwus-2022/attest-SgxEnclave.request.json" \
    "$ATT_BASE_URL/attest/SgxEnclave?api-version=2020-10-01" -o "$ATT_TMP/resp.json" ||
    att_die "attest over HTTPS failed"
if "$bindir/attest" token verify --issuer "$ATT_BASE_URL" --cacert "$ATT_TMP/ca.crt" \
    --expect debuggable=false @"$ATT_TMP/resp.json" >"$ATT_TMP/verify.out" 2>&1; then
    echo "ok - attest token verify over HTTPS with --cacert"
else
    echo "FAIL - attest token verify over HTTPS with --cacert: $(head -c 400 "$ATT_TMP/verify.out")"
    exit 1
fi
rc=0
"$bindir/attest" token verify --issuer "$ATT_BASE_URL" @"$ATT_TMP/resp.json" \
    >"$ATT_TMP/verify.out" 2>&1 || rc=$?
if [ "$rc" -eq 3 ] && grep -q '"check": "rp.discovery"' "$ATT_TMP/verify.out"; then
    echo "ok - attest token verify over HTTPS without the CA: discovery fails (exit 3)"
else
    echo "FAIL - attest token verify without the CA: exit $rc, $(head -c 400 "$ATT_TMP/verify.out")"
    exit 1
fi
