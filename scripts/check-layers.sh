#!/usr/bin/env bash
# The layers docs/layout.md describes, as the dependency graph shows them: the domain crate depends on
# neither HTTP nor AWS (no lambda_http, lambda_runtime, aws-* or http crate anywhere below it), and
# the AWS crate knows nothing of HTTP handling (no lambda_http). Exits non-zero naming the culprit.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
check() { # crate, forbidden-pattern, what
    local crate=$1 pattern=$2 what=$3 tree found
    # A cargo tree that fails fails the check; grep finding nothing (status 1) is the pass.
    if ! tree=$(cargo tree -p "$crate" -e normal,build --prefix none --format '{p}'); then
        echo "check-layers: cargo tree -p $crate failed" >&2
        exit 1
    fi
    found=$(printf '%s\n' "$tree" | sed 's/ .*//' | sort -u | grep -E "$pattern") || (($? == 1))
    if [[ -n "$found" ]]; then
        echo "check-layers: $crate must not depend on $what, but its tree has: $(echo "$found" | tr '\n' ' ')"
        fail=1
    else
        echo "check-layers: $crate has no $what among its $(sort -u <<<"$tree" | wc -l) dependencies"
    fi
}
check domain '^(lambda_http|lambda_runtime|aws-|aws_lambda_events|http|hyper)' "HTTP or AWS crates"
check aws-infra '^(lambda_http|lambda_runtime|aws_lambda_events)$' "the Lambda HTTP runtime (lambda_http)"
exit $fail
