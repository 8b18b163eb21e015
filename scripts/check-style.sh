#!/usr/bin/env bash
# House-style checks (STYLE.md): clang-format, banned functions, OpenSSL only in
# src/crypto, and a leading comment in every C file.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build')

fmt=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$fmt" ]; then
    echo "check-style: clang-format not installed" >&2
    exit 1
fi
if ! "$fmt" --dry-run -Werror "${files[@]}" 2>/tmp/attestd-format.$$; then
    head -40 /tmp/attestd-format.$$ >&2
    echo "check-style: formatting differs from .clang-format (run: $fmt -i FILE)" >&2
    fail=1
fi
rm -f /tmp/attestd-format.$$

banned='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|localtime|gmtime|rand)[[:space:]]*\('
if grep -nE "$banned" "${files[@]}" | grep -v 'check-style: allow'; then
    echo "check-style: banned function used (STYLE.md rule 6)" >&2
    fail=1
fi

if grep -lE '#[[:space:]]*include[[:space:]]*<openssl/' "${files[@]}" |
    grep -vE '^(src/crypto/|tests/)'; then
    echo "check-style: only src/crypto may include OpenSSL headers" >&2
    fail=1
fi

for f in "${files[@]}"; do
    first=$(head -c 2 "$f")
    if [ "$first" != "/*" ] && [ "$first" != "//" ]; then
        echo "check-style: $f does not start with a comment saying what it is for" >&2
        fail=1
    fi
done

[ $fail -eq 0 ] && echo "check-style: ok (${#files[@]} files)"
exit $fail
