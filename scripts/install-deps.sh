#!/usr/bin/env bash
# Installs the Debian 12 packages attestd needs to build, run, test and benchmark.
# As root it runs apt-get; otherwise it prints the exact command and fails.
# Usage: scripts/install-deps.sh [run|test]
set -euo pipefail
what=${1:-run}

pkgs=(build-essential cmake pkg-config openssl ca-certificates
      libssl-dev libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev libcjose-dev
      libtss2-dev libsqlite3-dev libpq-dev libinih-dev)
if [ "$what" = test ]; then
    pkgs+=(libcmocka-dev clang libclang-rt-14-dev clang-format curl wrk python3
           swtpm swtpm-tools tpm2-tools postgresql)
    command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
    command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "attestd: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "attestd: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
