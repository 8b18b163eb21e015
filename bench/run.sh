#!/usr/bin/env bash
# attestd benchmark: throughput and latency of two routes under wrk, set against the RSA
# signing bound that `openssl speed` measures on the same machine in the same run.
# See bench/README.md for what the numbers mean.
#
# Usage: bench/run.sh BINDIR        (`make bench` runs bench/run.sh build/bin)
# Environment (defaults): BENCH_THREADS (nproc) BENCH_CONNECTIONS (32)
#   BENCH_DURATION (10, seconds per route) BENCH_OPENSSL_SECONDS (5, per openssl test)
# Listens on 127.0.0.1 only; stops the server on exit; results also go to bench/out/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
bindir=${1:?usage: bench/run.sh BINDIR}
bindir=$(cd "$bindir" && pwd)

# shellcheck source=SCRIPTDIR/../tests/integration/lib/attestd.bash
. "$src/tests/integration/lib/attestd.bash"

cpus=$(nproc)
threads=${BENCH_THREADS:-$cpus}
conns=${BENCH_CONNECTIONS:-32}
duration=${BENCH_DURATION:-10}
ossl_secs=${BENCH_OPENSSL_SECONDS:-5}
for v in threads conns duration ossl_secs; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || att_die "$v must be a positive integer, not '${!v}'"
done
[ "$threads" -le "$conns" ] || threads=$conns # wrk needs a connection per thread
# Four openssl runs and five wrk runs must fit in about 2.5 minutes with room for start-up.
if [ $((5 * ossl_secs + 5 * duration)) -gt 150 ]; then
    att_die "BENCH_DURATION=$duration and BENCH_OPENSSL_SECONDS=$ossl_secs exceed the 2-minute bound"
fi
command -v wrk >/dev/null 2>&1 || att_die "wrk is not installed (Debian package wrk)"
command -v openssl >/dev/null 2>&1 || att_die "openssl is not installed"

# Numbers from a debug or sanitizer build say nothing about attestd: warn loudly.
cache=$bindir/../CMakeCache.txt
if [ -f "$cache" ]; then
    btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")
    if grep -qE '^ATT_(SANITIZE|FUZZ):BOOL=ON' "$cache" || [[ ! $btype =~ ^(Release|RelWithDebInfo)$ ]]; then
        echo "WARNING: $bindir is a '${btype:-unknown}' build (sanitizers or no optimisation);" \
            "use a Release or RelWithDebInfo build for meaningful numbers" >&2
    fi
fi

outdir=$here/out
mkdir -p "$outdir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw=$outdir/raw-$stamp.txt
: >"$raw"

# The server logs only warnings so that logging does not dominate the measurement.
ATT_LOG_LEVEL=warn att_start_attestd "$bindir"
echo "attestd pid $ATT_PID at $ATT_BASE_URL" >&2

policy_path='/policies/SgxEnclave?api-version=2020-10-01'
for path in /certs "$policy_path"; do
    code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$ATT_BASE_URL$path") ||
        att_die "GET $path failed"
    [ "$code" = 200 ] || att_die "GET $path answered HTTP $code, not 200; nothing to benchmark"
done

# sign/s of RSA-2048 (PKCS#1 v1.5, the operation behind every RS256 token) from openssl speed.
rsa_sign_per_sec() {
    local out
    out=$(timeout $((4 * ossl_secs + 30)) openssl speed -seconds "$ossl_secs" "$@" rsa2048 2>/dev/null) ||
        att_die "openssl speed $* rsa2048 failed"
    printf '%s\n' "== openssl speed -seconds $ossl_secs $* rsa2048" "$out" >>"$raw"
    awk '/^rsa +2048 bits/ { print $(NF - 1); found = 1 } END { exit !found }' <<<"$out" ||
        att_die "cannot find the rsa 2048 line in the openssl speed output"
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
echo "measuring openssl rsa2048 sign/s on 1 core and on $cpus cores (~$((4 * ossl_secs)) s)..." >&2
sign_1=$(rsa_sign_per_sec)
sign_all=$(rsa_sign_per_sec -multi "$cpus")

# Runs wrk on one path; prints "rps p50_us p99_us p999_us requests non2xx socket_errors".
run_wrk() {
    local path=$1 out line
    echo "wrk: GET $path, $threads threads, $conns connections, ${duration}s..." >&2
    out=$(timeout $((duration + 30)) wrk -t "$threads" -c "$conns" -d "${duration}s" --timeout 5s \
        -s "$here/report.lua" "$ATT_BASE_URL$path") || att_die "wrk on $path failed"
    printf '%s\n' "== wrk GET $path" "$out" >>"$raw"
    line=$(grep '^BENCH ' <<<"$out") || att_die "no BENCH line from report.lua for $path"
    sed -E 's/^BENCH rps=([^ ]+) p50_us=([^ ]+) p99_us=([^ ]+) p999_us=([^ ]+) requests=([^ ]+) non2xx=([^ ]+) socket_errors=([^ ]+)$/\1 \2 \3 \4 \5 \6 \7/' <<<"$line"
}
read -r certs_rps certs_p50 certs_p99 certs_p999 certs_n certs_bad certs_err <<<"$(run_wrk /certs)"
read -r pol_rps pol_p50 pol_p99 pol_p999 pol_n pol_bad pol_err <<<"$(run_wrk "$policy_path")"

alive=yes
kill -0 "$ATT_PID" 2>/dev/null || alive=no
att_stop_attestd

ms() { awk -v us="$1" 'BEGIN { printf "%.2fms", us / 1000 }'; }
table=$outdir/bench-$stamp.txt
{
    echo "attestd bench $stamp: $cpus CPUs ($(uname -m)), wrk $threads threads, $conns connections, ${duration}s per route, 127.0.0.1"
    echo "openssl speed rsa2048 sign/s: ${sign_1} on 1 core, ${sign_all} on $cpus cores ($(openssl version | cut -d' ' -f1-2))"
    echo "load average before the run: $load_before"
    echo
    printf '%-46s %10s %9s %9s %9s %8s %8s\n' route req/s p50 p99 p99.9 errors "of RSA"
    printf '%-46s %10s %9s %9s %9s %8s %8s\n' "GET /certs" "$certs_rps" "$(ms "$certs_p50")" \
        "$(ms "$certs_p99")" "$(ms "$certs_p999")" $((certs_bad + certs_err)) "-"
    printf '%-46s %10s %9s %9s %9s %8s %8s\n' "GET $policy_path" "$pol_rps" "$(ms "$pol_p50")" \
        "$(ms "$pol_p99")" "$(ms "$pol_p999")" $((pol_bad + pol_err)) \
        "$(awk -v r="$pol_rps" -v s="$sign_all" 'BEGIN { printf "%.1f%%", 100 * r / s }')"
    echo
    echo "\"of RSA\" = policy req/s / openssl rsa2048 sign/s on all $cpus cores (one RS256 signature per request)."
    echo "errors = non-2xx responses + socket errors; requests: /certs $certs_n, policy $pol_n."
    [ "$alive" = yes ] || echo "WARNING: attestd was no longer running at the end of the run"
    # Sanity of the bound itself: on an idle machine all cores sign faster than one, and the
    # server cannot sign faster than openssl alone.
    if awk -v a="$sign_all" -v o="$sign_1" -v c="$cpus" 'BEGIN { exit !(c > 1 && a < 1.2 * o) }'; then
        echo "WARNING: $cpus cores signed barely faster than 1 (${sign_all} vs ${sign_1}/s): the CPUs are busy" \
            "with other work or share execution units; the ratio is unreliable"
    fi
    if awk -v r="$pol_rps" -v s="$sign_all" 'BEGIN { exit !(r > s) }'; then
        echo "WARNING: the policy route ran faster than the measured signing bound: the bound was" \
            "measured under interference; rerun on a quiet machine"
    fi
} | tee "$table"
echo "(table: $table; raw output: $raw)" >&2
if [ "$alive" != yes ] || [ $((certs_bad + certs_err + pol_bad + pol_err)) -ne 0 ]; then
    att_log_tail 40
    exit 1
fi

# Policy engine (bench/policy.c): compile time of a ~10 KB policy and evaluation time of the
# default SGX policy and of a 50-rule policy, medians of many runs; appended to the table.
if [ -x "$bindir/bench_policy" ]; then
    echo "policy engine: $bindir/bench_policy..." >&2
    { echo; "$bindir/bench_policy"; } | tee -a "$table" || att_die "bench_policy failed"
fi

# SGX quote verification in process (bench/sgx.c): parse + full DCAP verification of a real
# quote with warm collateral, per core, against 2 ECDSA P-256 verifies + 1 RSA-2048 sign.
if [ -x "$bindir/bench_sgx" ]; then
    echo "SGX verification: $bindir/bench_sgx..." >&2
    { echo; ATT_SHARED_DIR=${ATT_SHARED_DIR:-$src/../shared} "$bindir/bench_sgx" 3; } |
        tee -a "$table" || att_die "bench_sgx failed"
fi

# TPM attestation in process (bench/tpm.c): the server's work on one /attest/Tpm request
# (JWS, service_context, quote over 24 PCRs, a real 45-event TCG log, default policy, token)
# with fresh challenges, per core, against 1 PSS verify + 1 AK verify + 1 RSA-2048 sign.
if [ -x "$bindir/bench_tpm" ]; then
    echo "TPM attestation: $bindir/bench_tpm..." >&2
    { echo; ATT_SHARED_DIR=${ATT_SHARED_DIR:-$src/../shared} "$bindir/bench_tpm" 3; } |
        tee -a "$table" || att_die "bench_tpm failed"
fi

# TPM attestation over HTTP (bench_tpm http): MAA's TPM protocol end to end, both rounds per
# attestation (init "aikcert" -> challenge; the request with a fresh quote by a software AK,
# its AIK certificate from a CA made here and trusted by attestd, 24 PCRs, the 45-event log
# -> report), 2 client threads per core on keep-alive connections. Crypto bound of one
# attestation: 1 AK verify + 1 RSA-2048 sign, from the openssl speed -multi rsa2048 run above.
if [ -x "$bindir/bench_tpm" ]; then
    verify_all=$(awk -v h="== openssl speed -seconds $ossl_secs -multi $cpus rsa2048" \
        '$0 == h { s = 1 } s && /^rsa +2048 bits/ { print $NF; found = 1; exit } END { exit !found }' "$raw") ||
        att_die "cannot find the rsa2048 verify/s of the openssl -multi run"
    aik=$ATT_TMP/tpm-aik
    mkdir -p "$aik"
    { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$aik/ca.key" -out "$aik/ca.pem" -days 2 \
        -subj /CN=bench-aik-ca -addext basicConstraints=critical,CA:TRUE &&
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$aik/ak.key" &&
        openssl pkey -in "$aik/ak.key" -pubout -out "$aik/ak.pub" &&
        openssl x509 -new -subj /CN=bench-aik -force_pubkey "$aik/ak.pub" -CA "$aik/ca.pem" \
            -CAkey "$aik/ca.key" -days 2 -out "$aik/aik.pem"; } >/dev/null 2>&1 ||
        att_die "openssl: cannot make the AIK CA, AK and AIK certificate"
    ATT_LOG_LEVEL=warn att_start_attestd "$bindir" --tpm-aik-ca "$aik/ca.pem"
    echo "TPM attestation over HTTP: $bindir/bench_tpm http, $((2 * cpus)) connections, ${duration}s..." >&2
    { echo; ATT_SHARED_DIR=${ATT_SHARED_DIR:-$src/../shared} "$bindir/bench_tpm" http "$ATT_BASE_URL" \
        "$duration" $((2 * cpus)) --ak-key "$aik/ak.key" --aik-cert "$aik/aik.pem" --pid "$ATT_PID" \
        --bound "$sign_all,$verify_all,$cpus"; } | tee -a "$table" || att_die "bench_tpm http failed"
    kill -0 "$ATT_PID" 2>/dev/null || att_die "attestd died during the TPM run over HTTP"
    att_stop_attestd
fi

# TPM quote verification in process (bench/tpmquote.c): a real swtpm quote (RSA-2048 AK,
# 24 PCRs) verified with nonce, qualified signer and pcrDigest, per core, against one RSA-2048
# verify of the same signature.
if [ -x "$bindir/bench_tpmquote" ]; then
    echo "TPM quote verification: $bindir/bench_tpmquote..." >&2
    { echo; ATT_SHARED_DIR=${ATT_SHARED_DIR:-$src/../shared} "$bindir/bench_tpmquote" 3; } |
        tee -a "$table" || att_die "bench_tpmquote failed"
fi

# TPM event log and IMA list in process (bench/tpmlog.c): parse + replay of the largest
# real event log, its boot facts, a 24-PCR verification, and the 826-entry IMA list.
if [ -x "$bindir/bench_tpmlog" ]; then
    echo "TPM event log / IMA: $bindir/bench_tpmlog..." >&2
    { echo; ATT_SHARED_DIR=${ATT_SHARED_DIR:-$src/../shared} "$bindir/bench_tpmlog" 300; } |
        tee -a "$table" || att_die "bench_tpmlog failed"
fi

# Attestation over HTTP, both cores, warm collateral: a real quote replayed at a time inside
# its collateral's window. Crypto bound of one attestation (SGX and TDX alike): 2 ECDSA P-256
# verifies (QE report, quote) + 1 RSA-2048 sign (token), from openssl speed on all cores.
# SGX: the sharedwus quote (Python SDK recording) with the OE plugin collateral of the same
# platform; TDX: the dcap-qvl TD quote (v4, UpToDate) with its own collateral.
vectors=${ATT_SHARED_DIR:-$src/../shared}/vectors
ecdsa_all=
# attest_over_http LABEL TYPE BODY COLLATERAL TIME: one wrk run of POST /attest/TYPE with the
# request body in file BODY; appends its line and ratio to the table.
# CPU time (user + system, seconds) the process PID has used so far.
cpu_seconds() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$1/stat"
}

# efficiency REQUESTS CPU_SECONDS BOUND: the line saying how much of attestd's own CPU time
# went to the bound's cryptography. The bound's cost of one attestation is cpus/BOUND
# CPU-seconds; wrk's share of the cores does not count against attestd here.
efficiency() {
    awk -v n="$1" -v c="$2" -v b="$3" -v k="$cpus" 'BEGIN {
        if (n <= 0 || c <= 0) exit
        printf "  attestd CPU per attestation %.3f ms, the bound'"'"'s crypto %.3f ms of it: %.1f%% of attestd'"'"'s own CPU time\n",
            1000 * c / n, 1000 * k / b, 100 * (k / b) / (c / n) }'
}

attest_over_http() {
    local label=$1 type=$2 body=$3 coll=$4 at=$5 out code rps p50 p99 p999 n bad err bound
    if [ -z "$ecdsa_all" ]; then
        out=$(timeout $((ossl_secs + 30)) openssl speed -seconds "$ossl_secs" -multi "$cpus" ecdsap256 2>/dev/null) ||
            att_die "openssl speed ecdsap256 failed"
        printf '%s\n' "== openssl speed -multi $cpus ecdsap256" "$out" >>"$raw"
        ecdsa_all=$(awk '/256 bits ecdsa \(nistp256\)/ { print $NF; found = 1 } END { exit !found }' <<<"$out") ||
            att_die "cannot find the nistp256 line in the openssl speed output"
    fi
    local url="/attest/$type?api-version=2022-08-01"
    ATT_LOG_LEVEL=warn att_start_attestd "$bindir" --collateral "$coll" --verification-time "$at"
    code=$(curl -sS -o "$ATT_TMP/$type.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary "@$body" "$ATT_BASE_URL$url")
    [ "$code" = 200 ] || att_die "POST /attest/$type answered $code: $(head -c 300 "$ATT_TMP/$type.out")"
    cat >"$ATT_TMP/$type.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("$body", "rb"))
wrk.body = f:read("*a")
f:close()
dofile("$here/report.lua")
LUA
    echo "wrk: POST /attest/$type, $threads threads, $conns connections, ${duration}s..." >&2
    local cpu0 cpu1
    cpu0=$(cpu_seconds "$ATT_PID")
    out=$(timeout $((duration + 30)) wrk -t "$threads" -c "$conns" -d "${duration}s" --timeout 5s \
        -s "$ATT_TMP/$type.lua" "$ATT_BASE_URL$url") || att_die "wrk on /attest/$type failed"
    printf '%s\n' "== wrk POST /attest/$type" "$out" >>"$raw"
    read -r rps p50 p99 p999 n bad err <<<"$(sed -nE 's/^BENCH rps=([^ ]+) p50_us=([^ ]+) p99_us=([^ ]+) p999_us=([^ ]+) requests=([^ ]+) non2xx=([^ ]+) socket_errors=([^ ]+)$/\1 \2 \3 \4 \5 \6 \7/p' <<<"$out")"
    cpu1=$(cpu_seconds "$ATT_PID")
    att_stop_attestd
    bound=$(awk -v e="$ecdsa_all" -v r="$sign_all" 'BEGIN { printf "%.1f", 1 / (2 / e + 1 / r) }')
    {
        echo
        echo "$label attestation over HTTP (warm collateral, $threads wrk threads, $conns connections):"
        printf '  POST /attest/%-11s %.1f req/s  p50 %s  p99 %s  p99.9 %s  errors %d\n' \
            "$type" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$(ms "$p999")" $((bad + err))
        printf '  crypto bound %.1f/s (openssl on %d cores: %s ECDSA P-256 verify/s, %s RSA-2048 sign/s;\n' \
            "$bound" "$cpus" "$ecdsa_all" "$sign_all"
        printf '  2 verifies + 1 sign per attestation): %s of the bound\n' \
            "$(awk -v a="$rps" -v b="$bound" 'BEGIN { printf "%.1f%%", 100 * a / b }')"
        efficiency "$n" "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')" "$bound"
    } | tee -a "$table"
    [ $((bad + err)) -eq 0 ] || att_die "errors during the $label run"
}

sgx_body=$vectors/maa/sdk-python/sgx-sharedwus-2022/attest-SgxEnclave.request.json
sgx_coll=$vectors/normalized-collateral/sgx-v3_openenclave-plugin.json
if [ -f "$sgx_body" ] && [ -f "$sgx_coll" ]; then
    attest_over_http SGX SgxEnclave "$sgx_body" "$sgx_coll" 2022-05-01T00:00:00Z
fi

tdx_quote=$vectors/tdx-v4/phala-dcap-qvl/tdx_quote.bin
tdx_coll=$vectors/normalized-collateral/tdx-v4_phala-dcap-qvl.json
if [ -f "$tdx_quote" ] && [ -f "$tdx_coll" ]; then
    python3 -c 'import base64, sys; print("{\"quote\":\"%s\"}" % base64.urlsafe_b64encode(open(sys.argv[1], "rb").read()).decode().rstrip("="))' \
        "$tdx_quote" >"$ATT_TMP/tdx-body.json" || att_die "cannot build the TDX request body"
    attest_over_http TDX TdxVm "$ATT_TMP/tdx-body.json" "$tdx_coll" 2025-06-20T00:00:00Z
fi

# SEV-SNP verification in process (bench/snp.c): warm (VCEK chain cached) and cold, per core,
# against 1 ECDSA P-384 verify + 1 RSA-2048 sign.
if [ -x "$bindir/bench_snp" ]; then
    echo "SNP verification: $bindir/bench_snp..." >&2
    { echo; ATT_SHARED_DIR=${ATT_SHARED_DIR:-$src/../shared} "$bindir/bench_snp" 3; } |
        tee -a "$table" || att_die "bench_snp failed"
fi

# SEV-SNP attestation over HTTP, both cores: POST /attest/SevSnpVm with the Azure-Samples
# request (report + CRLF PEM VCEK chain), replayed at the recorded token's time. Crypto bound
# of one attestation: 1 ECDSA P-384 verify + 1 RSA-2048 sign, from openssl speed on all cores
# in this run.
snp_report=$vectors/maa/azure-samples/sevsnp/attest-sevsnpvm.report.b64url
if [ -f "$snp_report" ]; then
    p384_out=$(timeout $((ossl_secs + 30)) openssl speed -seconds "$ossl_secs" -multi "$cpus" ecdsap384 2>/dev/null) ||
        att_die "openssl speed ecdsap384 failed"
    printf '%s\n' "== openssl speed -multi $cpus ecdsap384" "$p384_out" >>"$raw"
    p384_all=$(awk '/384 bits ecdsa \(nistp384\)/ { print $NF; found = 1 } END { exit !found }' <<<"$p384_out") ||
        att_die "cannot find the nistp384 line in the openssl speed output"
    printf '{"report":"%s"}' "$(tr -d '\r\n' <"$snp_report")" >"$ATT_TMP/snp.json"
    ATT_LOG_LEVEL=warn att_start_attestd "$bindir" --verification-time 2025-04-08T04:15:00Z
    code=$(curl -sS -o "$ATT_TMP/snp.out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary "@$ATT_TMP/snp.json" "$ATT_BASE_URL/attest/SevSnpVm?api-version=2022-08-01")
    [ "$code" = 200 ] || att_die "POST /attest/SevSnpVm answered $code: $(head -c 300 "$ATT_TMP/snp.out")"
    cat >"$ATT_TMP/snp.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("$ATT_TMP/snp.json", "rb"))
wrk.body = f:read("*a")
f:close()
dofile("$here/report.lua")
LUA
    echo "wrk: POST /attest/SevSnpVm, $threads threads, $conns connections, ${duration}s..." >&2
    snp_cpu0=$(cpu_seconds "$ATT_PID")
    out=$(timeout $((duration + 30)) wrk -t "$threads" -c "$conns" -d "${duration}s" --timeout 5s \
        -s "$ATT_TMP/snp.lua" "$ATT_BASE_URL/attest/SevSnpVm?api-version=2022-08-01") ||
        att_die "wrk on /attest/SevSnpVm failed"
    printf '%s\n' "== wrk POST /attest/SevSnpVm" "$out" >>"$raw"
    read -r snp_rps snp_p50 snp_p99 snp_p999 snp_n snp_bad snp_err <<<"$(sed -nE 's/^BENCH rps=([^ ]+) p50_us=([^ ]+) p99_us=([^ ]+) p999_us=([^ ]+) requests=([^ ]+) non2xx=([^ ]+) socket_errors=([^ ]+)$/\1 \2 \3 \4 \5 \6 \7/p' <<<"$out")"
    snp_cpu1=$(cpu_seconds "$ATT_PID")
    att_stop_attestd
    bound=$(awk -v e="$p384_all" -v r="$sign_all" 'BEGIN { printf "%.1f", 1 / (1 / e + 1 / r) }')
    {
        echo
        echo "SNP attestation over HTTP (VCEK chain in each request, $threads wrk threads, $conns connections):"
        printf '  POST /attest/SevSnpVm  %.1f req/s  p50 %s  p99 %s  p99.9 %s  errors %d\n' \
            "$snp_rps" "$(ms "$snp_p50")" "$(ms "$snp_p99")" "$(ms "$snp_p999")" $((snp_bad + snp_err))
        printf '  crypto bound %.1f/s (openssl on %d cores: %s ECDSA P-384 verify/s, %s RSA-2048 sign/s;\n' \
            "$bound" "$cpus" "$p384_all" "$sign_all"
        printf '  1 verify + 1 sign per attestation): %s of the bound\n' \
            "$(awk -v a="$snp_rps" -v b="$bound" 'BEGIN { printf "%.1f%%", 100 * a / b }')"
        efficiency "$snp_n" "$(awk -v a="$snp_cpu0" -v b="$snp_cpu1" 'BEGIN { print b - a }')" "$bound"
    } | tee -a "$table"
    [ $((snp_bad + snp_err)) -eq 0 ] || att_die "errors during the SNP run"
fi
