#!/usr/bin/env bash
# Adds a school staff member (or a member of the credit bank's own staff) to the stack's user
# pool: an account whose user name is the email address, with the institution and role the API
# reads from the verified ID token (custom:institution, custom:role: only administrators can set
# them). Cognito emails the invitation with a temporary password (7 days); at the first sign-in
# on the institution page the member sets a new password (and, with StaffMfa=ON, an
# authenticator app). See "School staff" in docs/deploying.md.
#
#   scripts/add-staff.sh --stack NAME --email a@b.cn --institution CODE --role REVIEWER|PLATFORM
#   scripts/add-staff.sh --user-pool-id ID --email ... --institution ... --role ...
#
# --stack reads the pool from the stack's output UserPoolId; --user-pool-id names it directly.
# --region REGION is passed to the AWS CLI (otherwise its configuration decides). Needs the AWS
# CLI (`aws`) with credentials allowed cloudformation:DescribeStacks (for --stack) and
# cognito-idp:AdminCreateUser.
set -euo pipefail

usage() {
    sed -n '9,10p' "$0" | sed 's/^# *//' >&2
}

die() {
    echo "add-staff: $*" >&2
    exit 2
}

stack="" pool="" email="" institution="" role="" region=()
while (($#)); do
    case "$1" in
        --stack | --user-pool-id | --email | --institution | --role | --region)
            (($# >= 2)) || die "$1 needs a value"
            case "$1" in
                --stack) stack="$2" ;;
                --user-pool-id) pool="$2" ;;
                --email) email="$2" ;;
                --institution) institution="$2" ;;
                --role) role="$2" ;;
                --region) region=(--region "$2") ;;
            esac
            shift 2
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) usage; die "unknown argument: $1" ;;
    esac
done

# The same rules as the service's (shared/domain: values::input::is_institution_code,
# account::staff::Role), so that no account is made whose token the API would refuse.
[[ -n "$stack" || -n "$pool" ]] || { usage; die "--stack or --user-pool-id is required"; }
[[ -z "$stack" || -z "$pool" ]] || die "give --stack or --user-pool-id, not both"
email=$(printf '%s' "$email" | tr '[:upper:]' '[:lower:]')
[[ ${#email} -le 254 && "$email" =~ ^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$ ]] ||
    die "--email: not an email address: '$email'"
[[ "$institution" =~ ^[A-Za-z0-9._-]{1,64}$ ]] ||
    die "--institution: 1 to 64 letters, digits, '-', '_' or '.': '$institution'"
[[ "$role" == REVIEWER || "$role" == PLATFORM ]] || die "--role: REVIEWER or PLATFORM: '$role'"
[[ -z "$pool" || "$pool" =~ ^[a-z0-9-]+_[A-Za-z0-9]+$ ]] || die "--user-pool-id: not a pool id: '$pool'"

command -v aws >/dev/null || die "the AWS CLI (aws) is not on the PATH"

if [[ -n "$stack" ]]; then
    pool=$(aws ${region[@]+"${region[@]}"} cloudformation describe-stacks --stack-name "$stack" \
        --query "Stacks[0].Outputs[?OutputKey=='UserPoolId'].OutputValue" --output text)
    [[ "$pool" =~ ^[a-z0-9-]+_[A-Za-z0-9]+$ ]] ||
        die "stack $stack has no output UserPoolId (got '$pool'): deploy the stack first"
fi

# JSON, not the CLI's shorthand: every value was checked above, none holds a quote or comma.
attributes=$(printf '[{"Name":"email","Value":"%s"},{"Name":"email_verified","Value":"true"},{"Name":"custom:institution","Value":"%s"},{"Name":"custom:role","Value":"%s"}]' \
    "$email" "$institution" "$role")

echo "add-staff: adding $email ($role of $institution) to user pool $pool" >&2
aws ${region[@]+"${region[@]}"} cognito-idp admin-create-user \
    --user-pool-id "$pool" \
    --username "$email" \
    --user-attributes "$attributes" \
    --desired-delivery-mediums EMAIL \
    --query 'User.{username: Username, status: UserStatus, created: UserCreateDate}' \
    --output table
echo "add-staff: invitation sent to $email (temporary password valid 7 days)" >&2
