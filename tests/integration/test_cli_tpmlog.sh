#!/usr/bin/env bash
# Integration test of `attest eventlog show` and `attest ima show`: every event log of
# expected/eventlogs_summary.json gives the expected format, event count, replayed PCRs
# (all banks) and Secure Boot state in --json; the tampered log differs from its original
# in SHA-256 PCR 4 only; a log with one flipped data byte exits 1 naming the event; the
# malformed log exits 2; the MAA view (--maa) feeds `attest policy eval` with MAA's 1.2
# Secure Boot JmesPath recipe; IMA lists give the expected entries, PCR 10 and modules.
#
# Usage: bash test_cli_tpmlog.sh BINDIR   (env ATT_SOURCE_DIR, ATT_SHARED_DIR as set by ctest)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bindir=${1:?usage: test_cli_tpmlog.sh BINDIR}
bindir=$(cd "$bindir" && pwd)
shared=${ATT_SHARED_DIR:-$here/../../../shared}
tpm=$shared/vectors/tpm
attest=$bindir/attest

# shellcheck source=SCRIPTDIR/lib/attestd.bash
. "$here/lib/attestd.bash"

[ -x "$attest" ] || att_die "no attest binary at $attest (build it first)"
[ -f "$tpm/expected/eventlogs_summary.json" ] || att_die "TPM vectors not found (set ATT_SHARED_DIR)"
command -v python3 >/dev/null || att_die "python3 is needed to read the expected JSON"

att_init
scratch=$ATT_TMP

# 1. every log against the summary, in one Python pass over the CLI's JSON output
for f in "$tpm"/eventlogs/*.bin; do
    name=$(basename "$f")
    run "$attest" eventlog show --json "$f"
    printf '%s\t%s\t%s\n' "$name" "$rc" "$out" >>"$scratch/results.tsv"
done
python3 - "$tpm/expected/eventlogs_summary.json" "$scratch/results.tsv" >"$scratch/check" <<'PY' || true
import json, sys
summary = {e["file"]: e for e in json.load(open(sys.argv[1]))}
# H-CRTM rule (vectors README): PCR0 of the H-CRTM log starts at 00..04
hcrtm = {"sha1": "15f4e6ca457d1af6bc49511a93ba3500ad69acc5",
         "sha256": "332dd5f22946bd10839599ea0041cc7a59c7b11e6442eca521c0e82b05b1c36d"}
for line in open(sys.argv[2]):
    name, rc, out = line.rstrip("\n").split("\t", 2)
    e = summary[name]
    if "parse_error" in e:
        print(("ok" if rc == "2" else "FAIL") + f" - {name}: malformed log exits 2 (got {rc})")
        continue
    try:
        j = json.loads(out)
    except ValueError:
        print(f"FAIL - {name}: output is not JSON (exit {rc})")
        continue
    if list(j) != ["format", "events", "pcrs", "secure_boot", "diagnostics"]:
        print(f"FAIL - {name}: keys {list(j)}")
        continue
    fmt = "crypto-agile" if e["format"].startswith("crypto-agile") else "sha1"
    errs = []
    if j["format"] != fmt: errs.append(f"format {j['format']}")
    if j["events"] != e["events_total_incl_header"]: errs.append(f"events {j['events']}")
    for bank, pcrs in e["replayed_pcrs"].items():
        if not isinstance(pcrs, dict) or not pcrs:
            continue
        want = dict(pcrs)
        if name.startswith("tpm2tss__binary_measurements_hcrtm"):
            want["0"] = hcrtm[bank]
        if j["pcrs"].get(bank) != want:
            errs.append(f"pcrs {bank}")
    sb = e.get("secureboot", {}).get("SecureBoot") if isinstance(e.get("secureboot"), dict) else None
    want_sb = {"01": True, "00": False}.get(sb)
    if j["secure_boot"] != want_sb: errs.append(f"secure_boot {j['secure_boot']} want {want_sb}")
    if rc not in ("0", "1"): errs.append(f"exit {rc}")
    print(("FAIL" if errs else "ok") + f" - {name}: format, events, pcrs, secure_boot" + (": " + ", ".join(errs) if errs else ""))
PY
while IFS= read -r l; do
    case $l in
    ok*) ok "${l#ok - }" ;;
    *) nok "${l#FAIL - }" ;;
    esac
done <"$scratch/check"
[ "$(wc -l <"$scratch/check")" -eq 34 ] || nok "34 logs checked" "$(wc -l <"$scratch/check") lines"

# 2. the tampered log: SHA-1 bank unchanged, SHA-256 PCR 4 differs from the original
run "$attest" eventlog show --json "$tpm/eventlogs/gotpmtools__ubuntu-2104-no-secure-boot.bin"
orig=$out
run "$attest" eventlog show --json \
    "$tpm/eventlogs/tampered__ubuntu-2104-no-secure-boot__pcr4-sha256-digest-flipped.bin"
diff=$(python3 -c '
import json, sys
a, b = json.loads(sys.argv[1])["pcrs"], json.loads(sys.argv[2])["pcrs"]
print(",".join(f"{k}:{i}" for k in a for i in a[k] if a[k][i] != b[k][i]))' "$orig" "$out")
if [ "$diff" = "sha256:4" ]; then ok "tampered log differs in sha256 PCR 4 only"; else nok "tampered log" "differs in '$diff'"; fi

# 3. one flipped byte in the SecureBoot variable's data
python3 - "$tpm/eventlogs/gotpmtools__cos-85-amd-sev.bin" "$scratch/flipped.bin" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
name = "SecureBoot".encode("utf-16-le")
i = b.index(name) + len(name)   # VariableData (1 byte) follows the name
assert b[i] == 1
b[i] = 0
open(sys.argv[2], "wb").write(b)
PY
run "$attest" eventlog show --json "$scratch/flipped.bin"
if [ "$rc" -eq 1 ] && grep -qE '"event [0-9]+ \(EV_EFI_VARIABLE_DRIVER_CONFIG, PCR 7\): SHA-1 digest [0-9a-f]{40} does not match SHA-1 of its data [0-9a-f]{40}' <<<"$out" &&
    grep -q '"secure_boot":null' <<<"$out"; then
    ok "flipped SecureBoot byte: exit 1, event named, secure_boot null"
else
    nok "flipped SecureBoot byte" "exit $rc: $(head -c 400 <<<"$out")"
fi
run "$attest" eventlog show "$scratch/flipped.bin"
if [ "$rc" -eq 1 ] && grep -q "^ERROR: *event .*does not match" <<<"$out" && grep -q "secure boot:  unknown" <<<"$out"; then
    ok "flipped SecureBoot byte: human output"
else
    nok "flipped SecureBoot byte: human output" "exit $rc"
fi

# 4. human output
run "$attest" eventlog show --pcrs "$tpm/eventlogs/goattestation__sb_cert_eventlog.bin"
if [ "$rc" -eq 0 ] && grep -q "secure boot:  enabled" <<<"$out" &&
    grep -q "^pcr sha256   7 51b30488c9e6255d822bdc1b20d9a92c32bde6c3e7bc02bcdd32825eb5ef069a" <<<"$out" &&
    grep -q "Microsoft Corporation UEFI CA 2011" <<<"$out"; then
    ok "human output: secure boot, PCRs, db subjects"
else
    nok "human output" "exit $rc: $(head -c 400 <<<"$out")"
fi
run "$attest" eventlog show "$tpm/eventlogs/goattestation__option_rom_eventlog.bin"
if grep -q "^windows: .*boot debugging 0" <<<"$out"; then ok "human output: Windows SIPA"; else nok "Windows SIPA" "$(head -c 300 <<<"$out")"; fi

# 5. MAA policy 1.2 over the --maa view (MAA's documented Secure Boot recipe)
cat >"$scratch/sb.policy" <<'POL'
version=1.2;
authorizationrules { => permit(); };
issuancerules {
c:[type == "events", issuer=="AttestationService"] => add(type = "efiConfigVariables", value = JmesPath(c.value, "Events[?EventTypeString == 'EV_EFI_VARIABLE_DRIVER_CONFIG' && ProcessedData.VariableGuid == '8BE4DF61-93CA-11D2-AA0D-00E098032B8C']"));
c:[type=="efiConfigVariables", issuer=="AttestationPolicy"] => issue(type = "secureBootEnabled", value = JsonToClaimValue(JmesPath(c.value, "[?ProcessedData.UnicodeName == 'SecureBoot'] | length(@) == `1` && @[0].ProcessedData.VariableData == 'AQ'")));
};
POL
for pair in "gotpmtools__cos-85-amd-sev.bin:true" "gotpmtools__ubuntu-2104-no-secure-boot.bin:false"; do
    log=${pair%%:*}
    want=${pair#*:}
    run "$attest" eventlog show --maa "$tpm/eventlogs/$log"
    python3 -c '
import json, sys
m = json.loads(sys.stdin.read())
print(json.dumps({"claims": [{"type": "events", "value": m["events"]}, {"type": "pcrs", "value": m["pcrs"]}]}))' \
        <<<"$out" >"$scratch/claims.json"
    run "$attest" policy eval --claims "$scratch/claims.json" "$scratch/sb.policy"
    got=$(python3 -c 'import json,sys; print(str(json.loads(sys.stdin.read())["x-ms-policy"].get("secureBootEnabled")).lower())' <<<"$out" 2>/dev/null || echo "?")
    if [ "$got" = "$want" ]; then ok "policy 1.2 secureBootEnabled on $log = $want"; else nok "policy 1.2 on $log" "got '$got' (exit $rc) $(head -c 300 <<<"$err")"; fi
done

# 6. IMA lists
run "$attest" ima show --json "$tpm/ima/rust-keylime__ascii_runtime_measurements"
res=$(python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
print(j["entries"], j["pcr10"]["sha1"], j["pcr10"]["sha256"], j["module_count"], j["violations"], j["template_mismatches"])' <<<"$out")
exp=$(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["rust-keylime__ascii_runtime_measurements"]
r = e["pcr10_replay"]
print(e["entries"], *[v for v in r.values()], e["kernel_modules_count"], e["violations(template hash all-zero)"], e["template_hash_mismatches"])' "$tpm/expected/ima_summary.json")
if [ "$rc" -eq 0 ] && [ "$res" = "$exp" ]; then ok "ima show --json: 826 entries, PCR10, 75 modules"; else nok "ima show --json" "exit $rc: '$res' vs '$exp'"; fi
run "$attest" ima show "$tpm/ima/rust-keylime__ascii_runtime_measurements"
if [ "$rc" -eq 0 ] && grep -q "modules:       75" <<<"$out" && grep -q "sha1:276c04713cf794679c3a47ba53592cc19ce3bb8c /lib/modules/4.4.0-45-generic/kernel/drivers/net/fjes/fjes.ko" <<<"$out"; then
    ok "ima show: modules listed"
else
    nok "ima show" "exit $rc"
fi
run "$attest" ima show --json "$tpm/ima/tpm2-tss__sml-ima-sig-sha256-invalidated.bin"
if [ "$rc" -eq 1 ] && grep -qF '"entry 2 (/init): violation (template hash all zero)"' <<<"$out"; then ok "invalidated IMA list: exit 1, entry named"; else nok "invalidated IMA list" "exit $rc"; fi
run "$attest" ima show "$tpm/ima/tpm2-tss__sml-ima-ng-sha1-invalidated.bin"
if [ "$rc" -eq 2 ] && grep -qF "entry 1: template data overruns the list" <<<"$err"; then ok "truncated IMA list: exit 2"; else nok "truncated IMA list" "exit $rc: $err"; fi
run "$attest" ima show --json "$tpm/ima/tpm2-tss__sml-ima-sha1.bin"
if [ "$rc" -eq 0 ] && grep -q '"sha1":"062a05a9d18d1a51775ff8162bf6964b8dd23eb4"' <<<"$out"; then ok "binary ima template"; else nok "binary ima template" "exit $rc"; fi

# 6b. eventlog verify against the PCR values of the real GCE quotes (verified quotes)
q=$tpm/quotes/gce-cos-85-nonce9009
run "$attest" eventlog verify --json --pcrs "$q/pcrs.json" "$q/eventlog.bin"
res=$(python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
print(j["verified"], sorted(j["banks"]), [j["banks"][b]["unexplained"] for b in sorted(j["banks"])])' <<<"$out" 2>/dev/null || echo "?")
if [ "$rc" -eq 0 ] && [ "$res" = "True ['sha1', 'sha256', 'sha384'] [[10], [10], [10]]" ]; then
    ok "eventlog verify: GCE quote PCRs, 3 banks, PCR 10 unexplained"
else
    nok "eventlog verify GCE" "exit $rc: $res"
fi
run "$attest" eventlog verify --bank sha256 --pcrs "$q/pcrs.json" "$tpm/eventlogs/gotpmtools__cos-93-amd-sev.bin"
if [ "$rc" -eq 1 ] && grep -q "PCR 4 (sha256): the event log replays to .* but the quote has .* suspect events: " <<<"$out"; then
    ok "eventlog verify: another boot's log fails, PCR named"
else
    nok "eventlog verify: another boot" "exit $rc: $(head -c 300 <<<"$out")"
fi
run "$attest" eventlog verify "$q/eventlog.bin"
[ "$rc" -eq 2 ] && ok "eventlog verify without --pcrs: exit 2" || nok "eventlog verify without --pcrs" "exit $rc"

# 7. usage and I/O errors
run "$attest" eventlog show "$scratch/does-not-exist.bin"
[ "$rc" -eq 3 ] && ok "missing file: exit 3" || nok "missing file" "exit $rc"
run "$attest" eventlog show
[ "$rc" -eq 2 ] && ok "no FILE: exit 2" || nok "no FILE" "exit $rc"
run "$attest" eventlog show --json - <"$tpm/eventlogs/tpm2tools__event.bin"
[ "$rc" -eq 0 ] && grep -q '"events":2' <<<"$out" && ok "stdin" || nok "stdin" "exit $rc"
run "$attest" ima show --help
[ "$rc" -eq 0 ] && grep -q "PCR 10" <<<"$out" && ok "ima show --help" || nok "ima show --help" "exit $rc"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
