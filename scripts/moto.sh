#!/usr/bin/env bash
# The moto emulator (DynamoDB, SNS) for the tests, installed into the git-ignored $REPO/.venv.
#
#   source scripts/moto.sh        # starts it in the background; exports AWS_ENDPOINT_URL,
#                                 # AWS_ACCESS_KEY_ID/SECRET, AWS_REGION, MOTO_PID; stop_moto;
#                                 # moto_secret NAME VALUE (a KMS key and a secret, its ARN)
#   scripts/moto.sh --foreground  # runs it in the foreground (prints the exports to copy)
#
# MOTO_PORT picks the port (default: a free one). Sourcing changes no shell options; all the
# work happens in functions that return non-zero (with the log tail) on failure.

MOTO_VERSION=5.2.1

_moto_repo() { (cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd); }

# Creates the venv and installs moto[server]==$MOTO_VERSION unless it is already there.
_moto_install() {
    local venv="$1"
    if [[ ! -x "$venv/bin/python" ]]; then
        echo "moto.sh: creating $venv" >&2
        python3 -m venv "$venv" || return 1
    fi
    if [[ -x "$venv/bin/moto_server" ]] && "$venv/bin/python" -c '
import importlib.metadata as m, sys
sys.exit(m.version("moto") != sys.argv[1] or not all(m.version(p) for p in ("flask", "flask-cors")))
' "$MOTO_VERSION" 2>/dev/null; then
        return 0
    fi
    echo "moto.sh: installing moto[server]==$MOTO_VERSION into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "moto[server]==$MOTO_VERSION" >&2 || return 1
}

_moto_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_moto_exports() {
    export AWS_ENDPOINT_URL="http://127.0.0.1:$1"
    export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
    export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true # (boto3 wants the former)
}

_moto_start() {
    local repo venv port log deadline
    repo="$(_moto_repo)" || return 1
    venv="$repo/.venv"
    mkdir -p "$repo/.tmp" || return 1
    _moto_install "$venv" || { echo "moto.sh: installing moto failed" >&2; return 1; }
    port="${MOTO_PORT:-$(_moto_free_port)}" || return 1
    log="$repo/.tmp/moto.log"
    # One request at a time (see scripts/moto_server.py): conditional writes stay atomic.
    "$venv/bin/python" "$repo/scripts/moto_server.py" 127.0.0.1 "$port" >"$log" 2>&1 &
    MOTO_PID=$!
    deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$MOTO_PID" 2>/dev/null; then
            break
        fi
        if "$venv/bin/python" -c '
import sys, urllib.request as u  # no proxy for loopback, whatever http_proxy says
u.build_opener(u.ProxyHandler({})).open(sys.argv[1], timeout=1).read()
' "http://127.0.0.1:$port/moto-api/data.json" 2>/dev/null; then
            _moto_exports "$port"
            export MOTO_PID
            echo "moto.sh: moto $MOTO_VERSION on $AWS_ENDPOINT_URL (pid $MOTO_PID, log $log)" >&2
            return 0
        fi
        sleep 0.2
    done
    echo "moto.sh: moto did not come up on port $port; last lines of $log:" >&2
    tail -n 30 "$log" >&2 || true
    kill "$MOTO_PID" 2>/dev/null || true
    unset MOTO_PID
    return 1
}

# Stops the emulator started by sourcing this script and unsets AWS_ENDPOINT_URL, which would
# point at nothing (always succeeds).
stop_moto() {
    if [[ -n "${MOTO_PID:-}" ]]; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
        unset MOTO_PID AWS_ENDPOINT_URL
    fi
    return 0
}

# Creates a KMS key and a Secrets Manager secret NAME-<key id> encrypted with it, holding VALUE,
# on the running emulator (the pepper secret as the stack makes it), and prints the secret's ARN:
#   PEPPER_SECRET_ARN=$(moto_secret pepper "$value")
moto_secret() {
    "$(_moto_repo)/.venv/bin/python" - "$1" "$2" <<'PY'
import sys, boto3
kms, sm = boto3.client("kms"), boto3.client("secretsmanager")
key = kms.create_key(Description=f"{sys.argv[1]}: its secret's key")["KeyMetadata"]["Arn"]
kms.enable_key_rotation(KeyId=key)
name = f"{sys.argv[1]}-{key.rsplit('/', 1)[-1]}"
print(sm.create_secret(Name=name, KmsKeyId=key, SecretString=sys.argv[2])["ARN"])
PY
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    _moto_start
elif [[ "${1:-}" == "--foreground" ]]; then
    set -euo pipefail
    repo="$(_moto_repo)"
    _moto_install "$repo/.venv"
    port="${MOTO_PORT:-$(_moto_free_port)}"
    _moto_exports "$port"
    echo "# moto $MOTO_VERSION in the foreground (Ctrl-C stops it). In another shell:"
    for v in AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_DEFAULT_REGION \
        AWS_EC2_METADATA_DISABLED; do
        echo "export $v=${!v}"
    done
    exec "$repo/.venv/bin/python" "$repo/scripts/moto_server.py" 127.0.0.1 "$port"
else
    echo "usage: source ${0##*/}  |  ${0##*/} --foreground" >&2
    exit 2
fi
