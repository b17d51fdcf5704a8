#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every test against the in-memory store
# and against DynamoDB/SNS on the moto emulator (installed into .venv and started here) — the
# fault-injection tests (tests/faults.rs, scripts/lib/proxy.py in front of moto) among them —,
# every sample event of events/ through the real function binaries on moto, the arm64 release
# zips (smoke-tested under qemu-user when it is installed), a smoke test of the dev server over
# real HTTP, contract fuzzing with Schemathesis, and the web client in headless Chromium.
#
#   ./scripts/test.sh            # everything
#   ./scripts/test.sh --quick    # tests only (cargo test and the sample events; no fmt/clippy/
#                                # template lint/zips/smoke)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
[[ "${1:-}" == "--quick" ]] && quick=true

# A cold run builds everything once: incremental compilation's caches would only take disk
# (several GB) on the CI machine.
export CARGO_INCREMENTAL=0

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

if ! $quick; then
    step "cargo fmt --check"
    cargo fmt --all -- --check
    step "cargo clippy (all targets, warnings are errors)"
    # Which lints, at which level: [workspace.lints] in Cargo.toml. That table has one level per
    # lint for every build, so "a warning fails the suite" is this flag, here only (developers'
    # builds keep warnings as warnings). From cargo 1.97 on, CARGO_BUILD_WARNINGS=deny says the
    # same without a flag; this toolchain (1.95) ignores it.
    cargo clippy --workspace --all-targets --quiet -- -D warnings
    step "layers (the domain crate depends on no HTTP or AWS crate)"
    scripts/check-layers.sh
    step "function lengths (none under shared/ over 60 lines but the error-message table)"
    python3 scripts/check-fn-length.py
fi

step "starting the moto emulator (DynamoDB + SNS)"
# shellcheck source=scripts/moto.sh
source scripts/moto.sh
trap stop_moto EXIT

step "cargo test (in-memory and DynamoDB on moto; DynamoDB halves may not skip)"
export CI=true
mkdir -p .tmp
cargo test --workspace --quiet 2>&1 | tee .tmp/cargo-test.log
# Alone, so that nothing else loads moto while response times are measured, and on an emulator of
# its own: moto copies a table for every item of a transaction, and after the suite its process
# holds hundreds of tables (a heap its garbage collector walks again and again), which made writes
# take seconds more than on a fresh one and the matrix's answers a matter of luck.
step "fault injection (tests/faults.rs: scripts/lib/proxy.py between the service and a fresh moto)"
stop_moto
# shellcheck source=scripts/moto.sh
source scripts/moto.sh
rm -f .tmp/fault-table.txt
FAULT_TESTS=1 cargo test -p integration-tests --test integration --quiet -- faults:: --test-threads=1 2>&1 |
    tee -a .tmp/cargo-test.log
echo "fault × route → status, time (production budgets):"
cat .tmp/fault-table.txt
# cargo prints one line per test binary (the last one is often an empty doc-test run): the sum.
summary=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
              END { printf "%d passed, %d failed", p, f }' .tmp/cargo-test.log)

step "every sample event through its function's binary (seed-events, local Runtime API, moto)"
events_started=$SECONDS
# The pepper as the stack gives it: read from a KMS-encrypted secret at each function's cold start.
pepper_secret_arn=$(moto_secret events-pepper "test-sh-pepper-0123456789abcdef-0123456789")
TABLE_NAME="events-$RANDOM$RANDOM" PEPPER_SECRET_ARN="$pepper_secret_arn" ID_PEPPER= \
    scripts/invoke-events.sh 2>&1 | tee .tmp/invoke-events.out
echo "(sample events: $((SECONDS - events_started))s)"
# Each event is one more test in the summary.
events_passed=$(awk '/^events: [0-9]+ passed/ { print $2 }' .tmp/invoke-events.out)
summary=$(awk -v e="${events_passed:-0}" '{ print $1 + e, $2, $3, $4 }' <<<"$summary")

if ! $quick; then
    step "template.yaml (cfn-lint, sam validate --lint) and openapi.yaml, offline"
    scripts/lint-template.sh
    step "release zips of every function (cargo lambda, arm64: the template's default)"
    scripts/build-zips.sh
    step "the arm64 bootstraps under qemu-user, through the local Runtime API"
    scripts/arm64-smoke.sh
fi

browser_summary=""
if ! $quick; then
    step "dev server smoke test over HTTP"
    scripts/smoke.sh
    step "contract fuzzing: Schemathesis over openapi.yaml against the dev server"
    scripts/schemathesis.sh
    step "web client in headless Chromium (installs chromium and playwright-core if missing)"
    scripts/browser-test.sh | tee .tmp/browser-test.log
    browser_summary=$(grep -E '^browser: [0-9]+ passed, [0-9]+ failed' .tmp/browser-test.log | tail -1)
fi

printf '\nAll checks passed in %ss.\n' "$((SECONDS - started))"
[[ -n "$browser_summary" ]] && echo "$browser_summary"
echo "tests: $summary"
