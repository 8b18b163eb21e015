#!/usr/bin/env bash
# Runs every libFuzzer target for a short time (default 10 s each) from its seed corpus
# under tests/fuzz/corpus/<target>/. A crash fails the run and leaves the input in build-fuzz/.
set -euo pipefail
bindir=$(cd "${1:?usage: fuzz-smoke.sh BINDIR [SECONDS]}" && pwd)
secs=${2:-10}
src=$(cd "$(dirname "$0")/.." && pwd)
n=0
for f in "$bindir"/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    corpus="$src/tests/fuzz/corpus/$name"
    work=$(mktemp -d)
    [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
    echo "fuzz: $name for ${secs}s"
    (cd "$(dirname "$bindir")" && "$f" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
        -print_final_stats=0 "$work" >"$work.log" 2>&1) || {
        tail -50 "$work.log" >&2
        echo "fuzz: $name FAILED" >&2
        exit 1
    }
    rm -rf "$work" "$work.log"
    n=$((n + 1))
done
echo "fuzz: $n targets ran without a crash"
