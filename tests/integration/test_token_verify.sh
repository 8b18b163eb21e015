#!/usr/bin/env bash
# Integration test of `attest token verify` (the relying-party library, src/rp) against a
# live attestd: real attestation, policy and draft-policy tokens; expired, wrong-issuer,
# wrong-key, unknown-kid, alg-none, RSA256-misspelt and tampered tokens, each refused with
# its check named; claim expectations; the recorded MAA token with its recorded JWKS. Also
# the /certs and jku rules other MAA clients rely on (reference/maa.md §1.10, §1.14).
#
# Usage: bash test_token_verify.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=$(cd "${1:?usage: test_token_verify.sh BINDIR}" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
vectors=$shared/vectors
wus=$vectors/maa/sdk-python/sgx-sharedwus-2022
collateral=$vectors/normalized-collateral/sgx-v3_openenclave-plugin.json
attest=$bindir/attest
# shellcheck source=SCRIPTDIR/lib/attestd.bash
. "$here/lib/attestd.bash"

[ -x "$attest" ] || att_die "no attest binary at $attest (build it first)"
command -v python3 >/dev/null || att_die "python3 is needed to craft tokens"
att_init
t=$ATT_TMP


# verify NAME WANT_RC CHECK [attest token verify args...]: runs the command; the exit code
# must be WANT_RC and the JSON output's "check" CHECK (or "valid" true when CHECK is "-").
verify() {
    local name=$1 want=$2 check=$3 rc=0 got
    shift 3
    timeout 60 "$attest" token verify "$@" >"$t/out" 2>"$t/err" || rc=$?
    if [ "$check" = - ]; then
        got=$(python3 -c 'import json,sys; print("-" if json.load(open(sys.argv[1]))["valid"] is True else "invalid")' "$t/out" 2>/dev/null || echo unparsable)
    else
        got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("check"))' "$t/out" 2>/dev/null || echo unparsable)
    fi
    if [ "$rc" -eq "$want" ] && [ "$got" = "$check" ]; then
        ok "$name (exit $rc, ${check/-/valid})"
    else
        nok "$name" "exit $rc (want $want), check '$got' (want '$check'); stdout $(head -c 300 "$t/out"); stderr $(head -c 300 "$t/err")"
    fi
}

att_start_attestd "$bindir" --collateral "$collateral" --verification-time 2022-05-01T00:00:00Z
base=$ATT_BASE_URL
api='api-version=2022-08-01'

# A real attestation token, a draft-policy token and a policy-management token.
python3 - "$wus/attest-SgxEnclave.request.json" "$t" <<'EOF'
import json, sys
req = json.load(open(sys.argv[1]))
json.dump(req, open(sys.argv[2] + "/sgx.json", "w"))
req["draftPolicyForAttestation"] = "version= 1.0;authorizationrules{=> permit();};issuancerules{=> issue(type=\"draft\", value=true);};"
json.dump(req, open(sys.argv[2] + "/draft.json", "w"))
EOF
curl -fsS -H 'Content-Type: application/json' --data-binary @"$t/sgx.json" \
    "$base/attest/SgxEnclave?$api" -o "$t/sgx.resp" || att_die "attest SgxEnclave failed"
curl -fsS -H 'Content-Type: application/json' --data-binary @"$t/draft.json" \
    "$base/attest/SgxEnclave?$api" -o "$t/draft.resp" || att_die "draft attest failed"
curl -fsS "$base/policies/SgxEnclave?$api" -o "$t/policy.resp" || att_die "GET policy failed"
curl -fsS "$base/certs" -o "$t/certs.json" || att_die "GET /certs failed"

# Crafted tokens: the real payload under other headers / keys / bytes.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$t/other.key" 2>/dev/null
python3 - "$t" <<'EOF'
import base64, json, subprocess, sys
t = sys.argv[1]
b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
unb64 = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
tok = json.load(open(t + "/sgx.resp"))["token"]
h, p, s = tok.split(".")
hdr = json.loads(unb64(h))
def sign(header, payload):
    si = b64(json.dumps(header).encode()) + "." + payload
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", t + "/other.key"],
                         input=si.encode(), capture_output=True, check=True).stdout
    return si + "." + b64(sig)
out = {
    "valid": tok,
    "wrongkey": sign(hdr, p),                             # attestd's kid, another key
    "unknownkid": sign(dict(hdr, kid="bm90LWEta2lk"), p),  # a kid the JWKS does not have
    "algnone": b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + "." + p + ".",
    "rsa256": b64(json.dumps(dict(hdr, alg="RSA256")).encode()) + "." + p + "." + s,
    "hs256": b64(json.dumps(dict(hdr, alg="HS256")).encode()) + "." + p + "." + s,
}
claims = json.loads(unb64(p))
out["tampered"] = h + "." + b64(json.dumps(dict(claims, **{"x-ms-sgx-is-debuggable": True}),
                                          separators=(",", ":")).encode()) + "." + s
# iss of a server that does not answer, so that discovery is what fails
out["unreachable"] = sign(hdr, b64(json.dumps(dict(claims, iss="http://127.0.0.1:1")).encode()))
out["tamperedsig"] = h + "." + p + "." + s[:-4] + ("AAAA" if s[-4:] != "AAAA" else "BBBB")
for k, v in out.items():
    open(t + "/" + k + ".jwt", "w").write(v)
open(t + "/ehd.hex", "w").write(unb64(claims["x-ms-sgx-ehd"]).hex())
json.dump({"iat": claims["iat"], "exp": claims["exp"], "hash": claims["x-ms-policy-hash"],
           "mrenclave": claims["x-ms-sgx-mrenclave"], "svn": claims["x-ms-sgx-svn"]}, open(t + "/facts.json", "w"))
EOF
fact() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$t/facts.json" "$1"; }
exp=$(fact exp)
mrenclave=$(fact mrenclave)
after_exp=$(python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp($exp + 120, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))")

verify "valid attestation token" 0 - --issuer "$base" @"$t/valid.jwt"
verify "valid token as the MAA response body from stdin" 0 - --issuer "$base" - <"$t/sgx.resp"
verify "valid token with expectations" 0 - --issuer "$base" \
    --expect attestation-type=sgx --expect mrenclave="${mrenclave^^}" --expect debuggable=false \
    --expect policy-hash="$(fact hash)" --expect runtime-data="$(cat "$t/ehd.hex")" \
    --expect x-ms-sgx-svn="$(fact svn)" @"$t/valid.jwt"
verify "expectation not met: debuggable=true" 1 rp.expect --issuer "$base" \
    --expect debuggable=true @"$t/valid.jwt"
if grep -q '"found": "false"' "$t/out"; then
    ok "expectation failure shows what was found"
else
    nok "expectation failure shows what was found" "$(cat "$t/out")"
fi
verify "expectation not met: nonce absent" 1 rp.expect --issuer "$base" --expect nonce=abc @"$t/valid.jwt"
verify "policy management token (GET /policies)" 0 - --issuer "$base" @"$t/policy.resp"
verify "expired (verified after exp + skew)" 1 rp.exp --issuer "$base" --at "$after_exp" @"$t/valid.jwt"
verify "expired, but within a larger --skew" 0 - --issuer "$base" --at "$after_exp" --skew 300 @"$t/valid.jwt"
verify "not yet valid (before nbf - skew)" 1 rp.nbf --issuer "$base" --at 2020-01-01T00:00:00Z @"$t/valid.jwt"
verify "wrong issuer (same server, other spelling)" 1 rp.iss \
    --issuer "http://localhost:$ATT_PORT" @"$t/valid.jwt"
verify "wrong key (attestd's kid, signed by another key)" 1 rp.signature --issuer "$base" @"$t/wrongkey.jwt"
verify "unknown kid" 1 rp.kid --issuer "$base" @"$t/unknownkid.jwt"
verify "alg none" 1 rp.alg --issuer "$base" @"$t/algnone.jwt"
verify "alg RSA256 (accepted in policy uploads, not in tokens)" 1 rp.alg --issuer "$base" @"$t/rsa256.jwt"
verify "alg HS256" 1 rp.alg --issuer "$base" @"$t/hs256.jwt"
verify "tampered claim" 1 rp.signature --issuer "$base" @"$t/tampered.jwt"
verify "tampered signature" 1 rp.signature --issuer "$base" @"$t/tamperedsig.jwt"
verify "draft-policy token refused" 1 rp.alg --issuer "$base" @"$t/draft.resp"
if grep -q 'draft' "$t/out"; then
    ok "draft refusal says why"
else
    nok "draft refusal says why" "$(cat "$t/out")"
fi
verify "draft-policy token with --allow-unsigned" 0 - --issuer "$base" --allow-unsigned \
    --expect x-ms-policy.draft=true @"$t/draft.resp"
if grep -q '"signed": false' "$t/out"; then
    ok "unsigned token reported as such"
else
    nok "unsigned token reported as such" "$(cat "$t/out")"
fi
verify "keys from --jwks, no network" 0 - --issuer "$base" --jwks "$t/certs.json" @"$t/valid.jwt"
verify "keys from --jwks, unknown kid: no fetch, rp.kid" 1 rp.kid --issuer "$base" --jwks "$t/certs.json" @"$t/unknownkid.jwt"
verify "malformed token" 1 rp.malformed --issuer "$base" 'abc.def'
verify "issuer that does not answer" 3 rp.discovery --issuer "http://127.0.0.1:1" --timeout 5 @"$t/unreachable.jwt"
rc=0
"$attest" token verify @"$t/valid.jwt" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] && ok "no --issuer: usage error (exit 2)" || nok "no --issuer: usage error" "exit $rc"

# docs/relying-parties.md stays true: its curl + openssl recipe accepts the token and
# rejects the tampered one; its C example builds against this build's libraries and agrees.
src=${ATT_SOURCE_DIR:-$here/../..}
python3 - "$src/docs/relying-parties.md" "$t" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def block(title, lang):
    sec = text.split(title, 1)[1]
    return re.search(r"```" + lang + r"\n(.*?)```", sec, re.S).group(1)
open(sys.argv[2] + "/recipe.sh", "w").write("set -euo pipefail\ncd \"$1\"\n" + block("### With curl and openssl", "sh"))
open(sys.argv[2] + "/verify.c", "w").write(block("### In C (libattest)", "c"))
EOF
if (TOKEN=$(cat "$t/valid.jwt") ISSUER=$base bash "$t/recipe.sh" "$t" >"$t/recipe.out" 2>&1); then
    ok "docs: curl + openssl recipe accepts a valid token"
else
    nok "docs: curl + openssl recipe accepts a valid token" "$(tail -5 "$t/recipe.out")"
fi
if (TOKEN=$(cat "$t/tampered.jwt") ISSUER=$base bash "$t/recipe.sh" "$t" >"$t/recipe.out" 2>&1); then
    nok "docs: curl + openssl recipe rejects a tampered token" "$(tail -5 "$t/recipe.out")"
else
    ok "docs: curl + openssl recipe rejects a tampered token"
fi
libs=$bindir/..
# The compiler and sanitizer flags of the build the libraries come from.
cc=cc
cflags=()
if [ -f "$libs/CMakeCache.txt" ]; then
    cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$libs/CMakeCache.txt")
    grep -q '^ATT_SANITIZE:BOOL=ON' "$libs/CMakeCache.txt" && cflags=("-fsanitize=address,undefined")
fi
if command -v "${cc:-cc}" >/dev/null && [ -f "$libs/libatt_rp.a" ]; then
    # shellcheck disable=SC2046
    if "${cc:-cc}" "${cflags[@]}" -std=c11 -I"$src/include" "$t/verify.c" "$libs/libatt_rp.a" "$libs/libatt_token.a" \
        "$libs/libatt_crypto.a" "$libs/libatt_core.a" $(pkg-config --libs jansson libcurl openssl) \
        -lpthread -o "$t/verify" 2>"$t/cc.err"; then
        rc=0
        "$t/verify" "$base" "$(cat "$t/valid.jwt")" >"$t/c.out" 2>&1 || rc=$?
        if [ "$rc" -eq 0 ] && grep -q '^valid, signed by' "$t/c.out"; then
            ok "docs: C example accepts a valid token"
        else
            nok "docs: C example accepts a valid token" "exit $rc: $(cat "$t/c.out")"
        fi
        rc=0
        "$t/verify" "$base" "$(cat "$t/wrongkey.jwt")" >"$t/c.out" 2>&1 || rc=$?
        if [ "$rc" -eq 1 ] && grep -q '^rejected: rp.signature' "$t/c.out"; then
            ok "docs: C example rejects a wrong-key token naming rp.signature"
        else
            nok "docs: C example rejects a wrong-key token" "exit $rc: $(cat "$t/c.out")"
        fi
    else
        nok "docs: C example builds" "$(head -c 600 "$t/cc.err")"
    fi
else
    echo "skip - docs C example (no C compiler, or no static libraries in $libs)"
fi

# The recorded MAA token with the JWKS recorded beside it.
verify "recorded MAA token inside its window" 0 - --issuer https://sharedwus.wus.attest.azure.net \
    --jwks "$wus/certs.partial.json" --at 2022-10-07T14:00:00Z \
    --expect policy-hash=bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw @"$wus/token.jwt"
verify "recorded MAA token today: expired" 1 rp.exp --issuer https://sharedwus.wus.attest.azure.net \
    --jwks "$wus/certs.partial.json" @"$wus/token.jwt"

# What Gramine's MAA verifier and other clients rely on (§1.10, §1.14): every JWKS key is
# RSA with a kid string and a non-empty x5c; the token's jku is exactly <base>/certs and its
# kid is in the JWKS; /certs/ and the metadata answer without api-version.
curl -fsS "$base/certs/" -o "$t/certs-slash.json" && cmp -s "$t/certs.json" "$t/certs-slash.json" &&
    ok "GET /certs/ (trailing slash) serves the JWKS" || nok "GET /certs/ serves the JWKS"
if python3 - "$t" "$base" <<'EOF'; then
import base64, json, sys
t, base = sys.argv[1], sys.argv[2]
unb64 = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
jwks = json.load(open(t + "/certs.json"))
hdr = json.loads(unb64(open(t + "/valid.jwt").read().split(".")[0]))
keys = jwks["keys"]
assert keys, "no keys"
for k in keys:
    assert k.get("kty") == "RSA", "kty %r" % k.get("kty")
    assert isinstance(k.get("kid"), str), "kid"
    assert isinstance(k.get("x5c"), list) and k["x5c"] and all(isinstance(c, str) for c in k["x5c"]), "x5c"
    base64.b64decode(k["x5c"][0], validate=True)
assert hdr["jku"] == base + "/certs", "jku %r" % hdr["jku"]
assert hdr["kid"] in [k["kid"] for k in keys], "kid not in JWKS"
EOF
    ok "JWKS keys are RSA with kid and x5c; token jku is exactly <base>/certs and its kid is published"
else
    nok "JWKS / jku rules of §1.10 and §1.14"
fi
curl -fsS "$base/.well-known/openid-configuration" -o "$t/meta.json" &&
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["issuer"]==sys.argv[2] and m["jwks_uri"]==sys.argv[2]+"/certs"' "$t/meta.json" "$base" &&
    ok "OpenID metadata without api-version: issuer and jwks_uri" || nok "OpenID metadata: issuer and jwks_uri"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
