#!/usr/bin/env bash
# Lints the deployment files offline: template.yaml with cfn-lint, then `sam validate --lint`
# (the SAM transform plus cfn-lint's rules on its output); openapi.yaml with
# openapi-spec-validator (OpenAPI 3.1 structure; tests/contract/ checks its content). The tools
# are installed from PyPI, pinned, into their own venv inside the git-ignored $REPO/.venv
# (.venv/sam): aws-sam-cli pins boto3, botocore, click and pydantic to versions other than those
# moto wants in .venv itself, so the two stay apart.
#
#   scripts/lint-template.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

SAM_CLI_VERSION=1.170.0
CFN_LINT_VERSION=1.58.0
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
venv="$repo/.venv/sam"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "lint-template: creating $venv" >&2
    mkdir -p "$repo/.venv"
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c '
import importlib.metadata as m, sys
sys.exit(m.version("aws-sam-cli") != sys.argv[1] or m.version("cfn-lint") != sys.argv[2]
         or m.version("openapi-spec-validator") != sys.argv[3])
' "$SAM_CLI_VERSION" "$CFN_LINT_VERSION" "$OPENAPI_SPEC_VALIDATOR_VERSION" 2>/dev/null; then
    echo "lint-template: installing aws-sam-cli==$SAM_CLI_VERSION cfn-lint==$CFN_LINT_VERSION" \
        "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "aws-sam-cli==$SAM_CLI_VERSION" "cfn-lint==$CFN_LINT_VERSION" \
        "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
fi

# Offline: no instance metadata lookups, no telemetry, fixed region, dummy credentials (nothing
# here calls AWS; the SDK only must not go looking for real ones).
export AWS_EC2_METADATA_DISABLED=true SAM_CLI_TELEMETRY=0
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-lint}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-lint}"

echo "lint-template: cfn-lint $CFN_LINT_VERSION template.yaml" >&2
"$venv/bin/cfn-lint" template.yaml
echo "lint-template: sam validate --lint (aws-sam-cli $SAM_CLI_VERSION)" >&2
"$venv/bin/sam" validate --lint --region us-east-1 --template-file template.yaml
echo "lint-template: openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION openapi.yaml" >&2
"$venv/bin/openapi-spec-validator" openapi.yaml
echo "lint-template: template.yaml and openapi.yaml are clean"
