#!/usr/bin/env bash
# The web client (web/) in a real browser: Debian's headless Chromium, driven by playwright-core
# (tests/browser/journey.mjs), against the dev server started here on free ports, with the
# client also on its own origin (--client-port) for the CORS check. Installs what is missing:
# chromium and a CJK font through apt-get, playwright-core through `npm ci` (pinned in
# tests/browser/package-lock.json; node_modules is git-ignored). Screenshots go to the
# git-ignored .tmp/screenshots/. The last line is "browser: N passed, M failed"; the exit code
# is non-zero on any failure.
#
#   scripts/browser-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
mkdir -p .tmp
log() { echo "browser-test: $*" >&2; }

summary_printed=false
# (The dev server, once started, is stopped on exit by scripts/lib/devserver.sh, before this.)
finish() {
    local rc=$?
    if [[ "$summary_printed" != true ]]; then
        echo "browser: 0 passed, 1 failed"
        [[ $rc -ne 0 ]] || rc=1
    fi
    exit "$rc"
}
trap finish EXIT

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# --- Browser, fonts, node ----------------------------------------------------------------------
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
packages=()
[[ -x "$CHROMIUM" ]] || packages+=(chromium)
# Screenshots need a CJK font to show the Chinese texts (the checks themselves read the DOM).
fc-list :lang=zh 2>/dev/null | grep -q . || packages+=(fonts-wqy-microhei)
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
if ((${#packages[@]})); then
    log "apt-get install ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq "${packages[@]}" >/dev/null
fi
[[ -x "$CHROMIUM" ]] || { log "no browser at $CHROMIUM"; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    { log "playwright-core needs Node.js 20 or newer (found $(node --version))"; exit 1; }

# --- playwright-core, exactly as locked --------------------------------------------------------
if ! (cd tests/browser && node -e '
    const want = require("./package-lock.json").packages["node_modules/playwright-core"].version;
    process.exit(require("./node_modules/playwright-core/package.json").version === want ? 0 : 1);
' 2>/dev/null); then
    log "npm ci (tests/browser)"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# --- The dev server: API and client on one port, the client alone on another -----------------
log "cargo build -p devserver, and start it"
log_file=.tmp/browser-devserver.log
# shellcheck source=scripts/lib/devserver.sh
source scripts/lib/devserver.sh
# No allowed origin but the client port's.
devserver_start --log "$log_file" --wait /captcha --unset ALLOWED_ORIGINS -- --client-port 0
api=$DEVSERVER_URL
# Printed before the API answers.
client=$(sed -n 's|^Web client alone: \(http://[0-9.:]*\)/.*|\1|p' "$log_file")
[[ -n "$client" ]] || { log "the dev server named no client port:"; cat "$log_file" >&2; exit 1; }
log "dev server $api, client alone on $client"

# --- The journey -------------------------------------------------------------------------------
rm -rf .tmp/screenshots
set +e
API_BASE="$api" CLIENT_BASE="$client" SCREENSHOTS=.tmp/screenshots CHROMIUM="$CHROMIUM" \
    BROWSER_TEST_STARTED="$started" node tests/browser/journey.mjs
rc=$?
set -e
summary_printed=true
if [[ $rc -ne 0 ]]; then
    log "the dev server's log (last 40 lines of $log_file):"
    tail -n 40 "$log_file" >&2
fi
exit "$rc"
