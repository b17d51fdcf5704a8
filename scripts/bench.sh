#!/usr/bin/env bash
# The benchmark, in one run; the programs are under bench/. Init against a hello-world
# lambda_http function built with the same [profile.release] (bench/hello), first vs warm
# invocation, peak RSS, DynamoDB requests per route (counted by a proxy in front of moto),
# in-process handler latency per route (bench/perf), and the arm64 zip sizes when they are built.
# bench/run.py measures and prints one table (docs/operating.md, "Performance").
#
#   scripts/bench.sh                 # release builds (host), moto, the table
#   scripts/bench.sh --zips          # also builds the arm64 zips first (scripts/build-zips.sh
#                                    # and the hello-world's), for the zip rows: much longer
#   scripts/bench.sh --pepper-in-env # the pepper as ID_PEPPER, no secret read at init (to compare)
#   scripts/bench.sh --rounds 60     # other arguments go to bench/run.py (--help)
#   scripts/bench.sh --example NAME [ARGS...]
#                                    # instead, one of the smaller benchmarks: an example of
#                                    # bench/perf, release build, ARGS go to it
#
# The examples (bench/perf/examples/):
#   import_bench [LEARNERS [MOTO_LEARNERS]]   the import, records per second (on moto too when
#                                             AWS_ENDPOINT_URL is set: source scripts/moto.sh)
#   login_timing                              login time by outcome (in-memory store)
#   argon2_rss                                Argon2id peak memory and time, pooled or not
#   captcha_render                            captcha render time, randomness calls per image
#
# Installs nothing that the project's other scripts do not (moto into .venv; --zips: cargo-lambda
# and zig into .venv). A program that prints numbers: it fails only when something cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == --example ]]; then
    [[ -n "${2:-}" ]] || { echo "usage: scripts/bench.sh --example NAME [ARGS...]" >&2; exit 2; }
    name=$2
    shift 2
    exec nice cargo run --release --quiet -p perf-bench --example "$name" -- "$@"
fi

zips=false
pepper_in_env=false
args=()
for a in "$@"; do
    case "$a" in
        --zips) zips=true ;;
        --pepper-in-env) pepper_in_env=true ;;
        *) args+=("$a") ;;
    esac
done

echo "bench: cargo build --release (the HTTP functions, bench-hello, perf-bench)" >&2
nice cargo build --release --quiet -p fn-captcha -p fn-login -p fn-sms -p fn-profile \
    -p fn-achievements -p fn-registrations -p fn-conversions -p fn-feedback -p bench-hello \
    -p perf-bench --bins

if $zips; then
    scripts/build-zips.sh
    # The yardstick's zip, as build-zips.sh builds the functions' (its cargo-lambda, from .venv).
    PATH="$PWD/.venv/bin:$PATH" cargo lambda build --release --arm64 --output-format zip \
        --bin bench-hello
fi

# shellcheck source=scripts/moto.sh
source scripts/moto.sh
trap stop_moto EXIT
export TABLE_NAME="bench-$RANDOM$RANDOM"
# The registrations function's evidence bucket (perf-bench seed creates it and puts the fixture
# uploads' files there; the benchmark posts its uploads' files through the counting proxy).
export UPLOAD_BUCKET="$TABLE_NAME-evidence"
# The pepper as the stack gives it: a KMS key and a secret encrypted with it, on moto. The
# functions (and perf-bench) get only the secret's ARN and read it at cold start with
# GetSecretValue, so their init includes that call; each logs the call's time (fetch_ms), which
# bench/run.py reports.
pepper="bench-pepper-0123456789abcdef-0123456789abcdef"
if $pepper_in_env; then
    export ID_PEPPER="$pepper"
else
    PEPPER_SECRET_ARN=$(moto_secret bench-pepper "$pepper")
    export PEPPER_SECRET_ARN
fi
# Generous time budgets and no SDK retries: moto on a busy machine is slower than DynamoDB, and a
# retried request would count as two. The DynamoDB counts are the requests the code makes.
export BUDGET_ATTEMPT_MS=20000 BUDGET_OPERATION_MS=30000 BUDGET_REQUEST_MS=60000 BUDGET_MAX_ATTEMPTS=1
python3 bench/run.py ${args[@]+"${args[@]}"}
