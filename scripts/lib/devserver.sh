# shellcheck shell=bash
# The dev server for the scripts that test it over real HTTP: built (debug), started in the
# background on a port the OS picks, waited for until it answers, stopped when the script exits.
#
#   source scripts/lib/devserver.sh
#   devserver_start [--log FILE] [--wait PATH] [--unset VAR]... [-- DEVSERVER_FLAGS...]
#   curl "$DEVSERVER_URL/captcha"
#
#   --log FILE    the server's output (default .tmp/devserver.log); its lines name the addresses
#   --wait PATH   the GET that must answer 2xx before the server counts as up (default /captcha)
#   --unset VAR   also remove VAR from the server's environment (repeatable)
#   -- FLAGS      more devserver flags (--client-port 0, --web-dir DIR; see devserver --help)
#
# The server always runs with its embedded store: TABLE_NAME and AWS_ENDPOINT_URL are removed from
# its environment, so that no AWS setting of the calling script (moto's, say) leaks in. Sets
# DEVSERVER_URL (http://127.0.0.1:PORT), DEVSERVER_PID and DEVSERVER_LOG. Returns non-zero, with
# the log on stderr, when the server does not answer within 20 s. `devserver_stop` stops it; it
# also runs on exit, ahead of the EXIT trap the script had set, which still sees the exit status.
# Sourcing changes no shell options.

_devserver_repo() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }

devserver_start() {
    local log=.tmp/devserver.log wait=/captcha unset=(-u TABLE_NAME -u AWS_ENDPOINT_URL) flags=()
    local repo deadline
    while (($#)); do
        case "$1" in
            --log) log=$2; shift 2 ;;
            --wait) wait=$2; shift 2 ;;
            --unset) unset+=(-u "$2"); shift 2 ;;
            --) shift; flags=("$@"); break ;;
            *) echo "devserver_start: unknown argument $1" >&2; return 2 ;;
        esac
    done
    repo="$(_devserver_repo)" || return 1
    mkdir -p "$(dirname "$log")" || return 1
    cargo build --quiet --manifest-path "$repo/Cargo.toml" -p devserver || return 1
    env "${unset[@]}" "$repo/target/debug/devserver" --port 0 ${flags[@]+"${flags[@]}"} >"$log" 2>&1 &
    # shellcheck disable=SC2034 # DEVSERVER_LOG is for the caller
    DEVSERVER_PID=$! DEVSERVER_LOG=$log DEVSERVER_URL=
    _devserver_stop_on_exit
    deadline=$((SECONDS + 20))
    while ((SECONDS < deadline)); do
        DEVSERVER_URL=$(sed -n 's|^Learner account dev server on \(http://[0-9.:]*\).*|\1|p' "$log")
        if [[ -n "$DEVSERVER_URL" ]] && curl -fs -o /dev/null "$DEVSERVER_URL$wait"; then
            return 0
        fi
        kill -0 "$DEVSERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "devserver_start: the dev server did not answer GET ${DEVSERVER_URL:-(no address yet)}$wait; $log:" >&2
    cat "$log" >&2
    return 1
}

# Stops the dev server started by devserver_start (always succeeds).
devserver_stop() {
    if [[ -n "${DEVSERVER_PID:-}" ]]; then
        kill "$DEVSERVER_PID" 2>/dev/null || true
        wait "$DEVSERVER_PID" 2>/dev/null || true
        DEVSERVER_PID=
    fi
    return 0
}

# Puts devserver_stop in front of the script's EXIT trap. The trap keeps the exit status for the
# command that was there (`set +e` so that nothing after the stop is skipped on a failure).
_devserver_stop_on_exit() {
    local previous words
    eval "words=($(trap -p EXIT))" # (trap -- 'COMMAND' EXIT), or nothing
    previous=${words[2]:-}
    [[ "$previous" == *devserver_stop* ]] && return 0
    # shellcheck disable=SC2064,SC2154 # $previous now; the status when the trap runs
    trap "_devserver_status=\$?; set +e; devserver_stop; (exit \$_devserver_status)${previous:+; $previous}" EXIT
}
