#!/usr/bin/env bash
# Starts the dev server (scripts/lib/devserver.sh) and walks the README's first steps over real
# HTTP: a captcha, then the demo learner's login with the initial password.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/devserver.sh
source scripts/lib/devserver.sh
devserver_start --log .tmp/devserver.log --wait /captcha
base=$DEVSERVER_URL

json() { python3 -c 'import json, sys; print(json.load(sys.stdin)'"$1"')'; }

captcha=$(curl -fsS "$base/captcha")
id=$(json '["captchaId"]' <<<"$captcha")
answer=$(json '["devAnswer"]' <<<"$captcha")
login=$(curl -sS -w '\n%{http_code}' "$base/login" -H 'content-type: application/json' \
    -d "{\"account\":\"440883200305125051\",\"password\":\"125051\",\"captchaId\":\"$id\",\"captchaAnswer\":\"$answer\"}")
status=$(tail -n1 <<<"$login")
body=$(head -n -1 <<<"$login")
if [[ "$status" != 200 ]] || [[ "$(json '["passwordChangeRequired"]' <<<"$body")" != True ]]; then
    echo "smoke: login failed: $status $body" >&2
    cat .tmp/devserver.log >&2
    exit 1
fi
token=$(json '["token"]' <<<"$body")
[[ $(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/logout" -H "authorization: Bearer $token") == 204 ]]
echo "smoke: dev server on $base served a captcha and logged the demo learner in and out"
