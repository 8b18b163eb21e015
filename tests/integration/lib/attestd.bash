# Shared by tests/integration/*.sh and bench/run.sh (sourced, not run; the .bash suffix
# keeps ctest from taking it for a test): start attestd on 127.0.0.1 with a free port and
# a temporary data directory, wait until it answers, and stop it when the script exits.
#
#   att_init              creates ATT_TMP (a scratch directory) and sets the EXIT trap that
#                         stops the server and removes ATT_TMP. Called by att_start_attestd
#                         if the script has not called it itself.
#   att_start_attestd BINDIR [extra attestd args...]
#       sets ATT_PID, ATT_PORT, ATT_BASE_URL (http://127.0.0.1:PORT, or https:// when the
#       extra args hold --tls-cert FILE, whose certificate is then trusted for the probe)
#       and ATT_LOG (the server's stdout+stderr, in ATT_TMP).
#   att_stop_attestd      stops the server (also run by the EXIT trap att_start_attestd sets).
#   att_log_tail [N]      prints the last N lines of the server log to stderr.
#   att_die MESSAGE       prints MESSAGE and the server log to stderr, exits 1.

ATT_PID=
ATT_TMP=
ATT_LOG=
ATT_START_TIMEOUT=${ATT_START_TIMEOUT:-20} # seconds to wait for /healthz

att_log_tail() {
    local n=${1:-40}
    if [ -n "$ATT_LOG" ] && [ -s "$ATT_LOG" ]; then
        echo "---- last $n lines of the attestd log ($ATT_LOG) ----" >&2
        tail -n "$n" "$ATT_LOG" >&2
        echo "---- end of attestd log ----" >&2
    fi
}

att_die() {
    echo "FATAL: $*" >&2
    att_log_tail 60
    exit 1
}

# A TCP port that was free on 127.0.0.1 a moment ago (the kernel picks it). The port is
# released before attestd binds it, so att_start_attestd retries if someone else got it.
att_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    else
        node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
    fi
}

att_stop_attestd() {
    if [ -n "$ATT_PID" ] && kill -0 "$ATT_PID" 2>/dev/null; then
        kill -TERM "$ATT_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$ATT_PID" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$ATT_PID" 2>/dev/null; then
            echo "attestd (pid $ATT_PID) did not stop on SIGTERM within 5 s; killing it" >&2
            kill -KILL "$ATT_PID" 2>/dev/null || true
        fi
        wait "$ATT_PID" 2>/dev/null || true
    fi
    ATT_PID=
}

att_cleanup() {
    att_stop_attestd
    if [ -n "$ATT_TMP" ] && [ -d "$ATT_TMP" ]; then
        rm -rf "$ATT_TMP"
    fi
}

att_init() {
    if [ -z "$ATT_TMP" ]; then
        ATT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/attestd-test.XXXXXX")
        trap att_cleanup EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
    fi
}

att_start_attestd() {
    local bindir=$1
    shift
    [ -x "$bindir/attestd" ] || att_die "no attestd binary at $bindir/attestd (build it first)"
    command -v curl >/dev/null 2>&1 || att_die "curl is needed to probe attestd"
    att_init
    rm -rf "$ATT_TMP/data"
    mkdir -m 0700 "$ATT_TMP/data"
    ATT_LOG=$ATT_TMP/attestd.log

    # Only our flags count: settings from the caller's environment must not leak in.
    local v
    for v in $(compgen -e); do
        case $v in ATTESTD_*) unset "$v" ;; esac
    done

    # With --tls-cert the server speaks HTTPS; probe it trusting that certificate.
    local scheme=http a prev='' probe_opts=()
    for a in "$@"; do
        if [ "$prev" = --tls-cert ]; then
            scheme=https
            probe_opts=(--cacert "$a")
        fi
        prev=$a
    done

    local attempt deadline
    for attempt in 1 2 3; do
        ATT_PORT=$(att_free_port)
        ATT_BASE_URL=$scheme://127.0.0.1:$ATT_PORT
        "$bindir/attestd" --listen "127.0.0.1:$ATT_PORT" --data-dir "$ATT_TMP/data" \
            --log-level "${ATT_LOG_LEVEL:-info}" "$@" >"$ATT_LOG" 2>&1 &
        ATT_PID=$!
        deadline=$((SECONDS + ATT_START_TIMEOUT))
        while [ $SECONDS -lt $deadline ]; do
            if ! kill -0 "$ATT_PID" 2>/dev/null; then
                break
            fi
            if curl -fsS --max-time 2 "${probe_opts[@]}" -o /dev/null "$ATT_BASE_URL/healthz" 2>/dev/null; then
                return 0
            fi
            sleep 0.1
        done
        if kill -0 "$ATT_PID" 2>/dev/null; then
            att_die "attestd did not answer GET $ATT_BASE_URL/healthz within ${ATT_START_TIMEOUT}s"
        fi
        local rc=0
        wait "$ATT_PID" || rc=$?
        ATT_PID=
        if grep -qi 'address already in use' "$ATT_LOG" && [ "$attempt" -lt 3 ]; then
            echo "port $ATT_PORT was taken meanwhile; trying another" >&2
            continue
        fi
        att_die "attestd exited with status $rc during start-up"
    done
    att_die "could not start attestd on a free port"
}

# Runs `npm ci` in tests/integration/node when its node_modules is missing.
att_node_deps() {
    local dir=$1
    command -v node >/dev/null 2>&1 || att_die "node (Node.js >= 20) is needed"
    # (Re)install when node_modules is missing or was installed from another lockfile.
    if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.attestd-lock.json" 2>/dev/null; then
        echo "installing Node.js test dependencies (npm ci) in $dir" >&2
        (cd "$dir" && timeout 300 npm ci --no-audit --no-fund >&2) ||
            att_die "npm ci failed in $dir"
        cp "$dir/package-lock.json" "$dir/node_modules/.attestd-lock.json"
    fi
}

# ---- bookkeeping shared by the test scripts ----
#   ok NAME               counts and prints a passed check
#   nok NAME [WHY]        counts and prints a failed one
#   run CMD...            runs CMD (timeout ATT_RUN_TIMEOUT, default 60 s) after att_init:
#                         exit code in rc, stdout in out, stderr in err (also in
#                         $ATT_TMP/out and $ATT_TMP/err)
passed=0
failed=0
ok() {
    passed=$((passed + 1))
    echo "ok - $1"
}
nok() {
    failed=$((failed + 1))
    echo "FAIL - $1${2:+: $2}"
}
run() {
    rc=0
    timeout "${ATT_RUN_TIMEOUT:-60}" "$@" >"$ATT_TMP/out" 2>"$ATT_TMP/err" || rc=$?
    out=$(cat "$ATT_TMP/out")
    err=$(cat "$ATT_TMP/err")
}
