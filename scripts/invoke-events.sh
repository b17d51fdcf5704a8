#!/usr/bin/env bash
# Every sample event of events/ through the real function binaries, as a tester would run them:
# builds the binaries (debug), seeds the table with what the events refer to
# (`seed-events`, devserver/src/fixtures.rs), then serves each event to its function's binary
# through a local Lambda Runtime API (scripts/invoke_events.py) and prints
# event -> function -> expected -> got, as declared in events/expected.json.
#
#   source scripts/moto.sh                      # or real AWS credentials and a real table
#   export TABLE_NAME=learners-local ID_PEPPER=local-pepper-0123456789abcdef-0123456789
#   scripts/invoke-events.sh                    # extra arguments go to scripts/invoke_events.py
#
# PEPPER_SECRET_ARN instead of ID_PEPPER reads the pepper from that Secrets Manager secret, as
# the stack does (the seeding and the functions that hash read it: captcha, login, sms, profile,
# import; achievements, registrations, conversions and feedback never do).
#
# Each HTTP event goes to the binary of the function template.yaml routes its routeKey to (every
# function's [[bin]] is built: a new function needs no change here, only its template events).
#
# UPLOAD_BUCKET is the evidence bucket of the registrations and feedback functions: the seeding
# puts the fixture uploads' files there (evidence and attachments; creating it on an emulator).
# On an emulator (AWS_ENDPOINT_URL) it defaults to "$TABLE_NAME-evidence"; against AWS, name
# yours.
#
# The seeding empties the table first, and refuses a table that holds learners other than the
# fixtures'. Exits non-zero if any event answers otherwise than declared.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TABLE_NAME:?set TABLE_NAME (the table the functions use)}"
: "${ID_PEPPER:-${PEPPER_SECRET_ARN:?set ID_PEPPER (32 bytes or more; the seeding and the functions must share it) or PEPPER_SECRET_ARN}}"

if [[ -z "${UPLOAD_BUCKET:-}" ]]; then
    if [[ -z "${AWS_ENDPOINT_URL:-}" ]]; then
        echo "invoke-events: set UPLOAD_BUCKET (the evidence bucket the registrations and feedback functions use)" >&2
        exit 2
    fi
    UPLOAD_BUCKET=$(tr '[:upper:]_' '[:lower:]-' <<<"$TABLE_NAME-evidence")
    export UPLOAD_BUCKET
fi

echo "invoke-events: cargo build --workspace --bins (the functions and seed-events)" >&2
cargo build --quiet --workspace --bins
target/debug/seed-events
python3 scripts/invoke_events.py "$@"
