#!/usr/bin/env bash
# Integration test: a relying party's view of attestd. Starts attestd on 127.0.0.1 (free
# port, temporary data dir) and runs node/metadata.mjs, which checks the OpenID metadata,
# the JWKS (/certs, /certs/), a policy-get token verified with the `jose` library, the
# default SGX policy inside it, and the MAA error model for bad input.
#
# Usage: bash test_metadata.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=${1:?usage: test_metadata.sh BINDIR}
bindir=$(cd "$bindir" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
policy=$shared/vectors/maa/default-policies/sgx-default-2022.policy.txt

# shellcheck source=SCRIPTDIR/lib/attestd.bash
. "$here/lib/attestd.bash"

[ -f "$policy" ] || att_die "default SGX policy vector not found: $policy (set ATT_SHARED_DIR)"
att_node_deps "$here/node"
att_start_attestd "$bindir"
echo "attestd pid $ATT_PID at $ATT_BASE_URL"

# metadata.mjs prints one line per check and the closing "N passed, M failed" line; its
# last check is that /healthz still answers after all the bad input.
rc=0
ATT_BASE_URL=$ATT_BASE_URL ATT_SGX_POLICY=$policy \
    timeout 300 node "$here/node/metadata.mjs" || rc=$?
if [ $rc -ne 0 ]; then
    att_log_tail 40
fi
exit $rc
