#!/usr/bin/env bash
# A real software TPM for the evidence_tpm unit tests (test_makecred.c drives it):
#   swtpm_tu.sh start DIR      manufacture a TPM with EK certificates (local CA) in DIR, run it
#                              on 127.0.0.1 with free ports, create RSA and ECC EKs and an AK
#                              under each: DIR/{ek,ak}_{rsa,ecc}.pub (TPM2B_PUBLIC),
#                              DIR/ak_{rsa,ecc}.name, DIR/ekcert_rsa.der, DIR/ekcert_ecc384.der
#                              (+ DIR/ek_ecc384.pub), DIR/ca_*.pem, and DIR/certify.{attest,sig}
#                              (TPM2_Certify of the ECC AK by the RSA AK)
#   swtpm_tu.sh activate DIR K TPM2_ActivateCredential of DIR/cred_K.bin (K = rsa|ecc) with
#                              the K EK and AK -> DIR/secret_K.out; K = ecc384: the P-384 EK
#                              and the RSA AK
#   swtpm_tu.sh stop DIR       stop that TPM
# There is no resource manager: every tool is followed by a flush of transient objects.
set -euo pipefail
cmd=${1:?command}
W=$(realpath -m "${2:?dir}")
# Two consecutive free ports: the swtpm TCTI talks to the control port at port + 1.
free_port_pair() {
    python3 -c 'import socket
for _ in range(100):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1))
    except OSError:
        continue
    print(p); break'
}
tcti() { export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$(cat "$W/port")"; }
fl() { tpm2_flushcontext -t >/dev/null; tpm2_flushcontext -s >/dev/null; }

case $cmd in
start)
    mkdir -p "$W/state" "$W/ca"
    cat >"$W/swtpm-localca.conf" <<C
statedir = $W/ca
signingkey = $W/ca/signkey.pem
issuercert = $W/ca/issuercert.pem
certserial = $W/ca/certserial
C
    printf -- '--platform-manufacturer Test\n--platform-version 2.1\n--platform-model vm\n' \
        >"$W/swtpm-localca.options"
    cat >"$W/swtpm_setup.conf" <<C
create_certs_tool = /usr/bin/swtpm_localca
create_certs_tool_config = $W/swtpm-localca.conf
create_certs_tool_options = $W/swtpm-localca.options
active_pcr_banks = sha256
C
    swtpm_setup --tpm2 --tpmstate "$W/state" --config "$W/swtpm_setup.conf" --create-ek-cert \
        --overwrite >"$W/setup.log" 2>&1 || { cat "$W/setup.log" >&2; exit 1; }
    started=
    for _ in 1 2 3 4 5; do
        p=$(free_port_pair); c=$((p + 1))
        if swtpm socket --tpm2 --tpmstate dir="$W/state" \
            --server type=tcp,port="$p",bindaddr=127.0.0.1 \
            --ctrl type=tcp,port="$c",bindaddr=127.0.0.1 \
            --flags not-need-init --daemon --pid file="$W/swtpm.pid" --log file="$W/swtpm.log"; then
            echo "$p" >"$W/port"
            started=1
            break
        fi
    done
    [ -n "$started" ] || { echo "swtpm did not start" >&2; exit 1; }
    tcti
    for _ in $(seq 50); do tpm2_startup -c 2>/dev/null && break; sleep 0.1; done
    cp "$W/ca/issuercert.pem" "$W/ca_intermediate.pem"
    cp "$W/ca/swtpm-localca-rootca-cert.pem" "$W/ca_root.pem"
    tpm2_nvread 0x01c00002 -o "$W/ekcert_rsa.der" 2>/dev/null; fl
    # swtpm 0.7 manufactures its ECC EK from the high-range P-384 template (0x81010016,
    # certificate at 0x01c00016).
    tpm2_nvread 0x01c00016 -o "$W/ekcert_ecc384.der" 2>/dev/null; fl
    tpm2_readpublic -c 0x81010016 -o "$W/ek_ecc384.pub" -f tss >/dev/null; fl
    for k in rsa ecc; do
        s=rsassa; [ $k = ecc ] && s=ecdsa
        tpm2_createek -c "$W/ek_$k.ctx" -G $k -u "$W/ek_$k.pub" -f tss >/dev/null; fl
        tpm2_createak -C "$W/ek_$k.ctx" -c "$W/ak_$k.ctx" -G $k -g sha256 -s $s \
            -u "$W/ak_$k.pub" -n "$W/ak_$k.name" -f tss >/dev/null; fl
    done
    # TPM2_Certify of the ECC AK by the RSA AK (no qualifying data in tpm2-tools 5.4)
    tpm2_certify -c "$W/ak_ecc.ctx" -C "$W/ak_rsa.ctx" -g sha256 -o "$W/certify.attest" \
        -s "$W/certify.sig" >/dev/null; fl
    ;;
activate)
    k=${3:?rsa|ecc|ecc384}
    tcti
    rm -f "$W/secret_$k.out"
    if [ "$k" = ecc384 ]; then
        # swtpm's persistent P-384 EK (SHA-384 Name, AES-256) has userWithAuth: no policy
        # session; the credential is bound to the RSA AK's Name.
        rc=0
        tpm2_activatecredential -c "$W/ak_rsa.ctx" -C 0x81010016 -i "$W/cred_$k.bin" \
            -o "$W/secret_$k.out" >/dev/null 2>"$W/activate_$k.log" || rc=$?
        fl
        exit $rc
    fi
    tpm2_startauthsession --policy-session -S "$W/sess.ctx" >/dev/null
    tpm2_policysecret -S "$W/sess.ctx" -c e >/dev/null
    rc=0
    tpm2_activatecredential -c "$W/ak_$k.ctx" -C "$W/ek_$k.ctx" -i "$W/cred_$k.bin" \
        -o "$W/secret_$k.out" -P session:"$W/sess.ctx" >/dev/null 2>"$W/activate_$k.log" || rc=$?
    tpm2_flushcontext "$W/sess.ctx" >/dev/null 2>&1 || true
    fl
    exit $rc
    ;;
stop)
    if [ -f "$W/swtpm.pid" ]; then
        kill "$(cat "$W/swtpm.pid")" 2>/dev/null || true
        rm -f "$W/swtpm.pid"
    fi
    ;;
*)
    echo "usage: $0 start|activate|stop DIR [rsa|ecc]" >&2
    exit 2
    ;;
esac
