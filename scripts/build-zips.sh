#!/usr/bin/env bash
# Release builds of every function as the zip Lambda takes (provided.al2023, `bootstrap`), with
# cargo-lambda (from PyPI, with zig) installed into the git-ignored $REPO/.venv when missing.
#
#   scripts/build-zips.sh            # arm64 (Graviton, the template's default Architecture)
#   scripts/build-zips.sh --x86-64   # x86_64 (also: ARCH=x86_64 scripts/build-zips.sh)
#   scripts/build-zips.sh --tools-only  # only install cargo-lambda and zig into .venv
#
# arm64 needs the aarch64 standard library: the script runs `rustup target add
# aarch64-unknown-linux-gnu` when it is missing (as `sam build` does); zig, from the ziglang
# package, is the cross linker for both architectures.
#
# Output: target/lambda/<bin>/bootstrap.zip for each function, with its size printed. The binary
# names are read from the [[bin]] targets of the packages under functions/.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

arch="${ARCH:-arm64}"
tools_only=false
for a in "$@"; do
    case "$a" in
        --x86-64 | --x86_64) arch=x86_64 ;;
        --arm64) arch=arm64 ;;
        --tools-only) tools_only=true ;;
        *)
            echo "build-zips: unknown argument $a (--arm64, the default, --x86-64, --tools-only)" >&2
            exit 2
            ;;
    esac
done

CARGO_LAMBDA_VERSION=1.9.2
ZIGLANG_VERSION=0.17.1
venv="$repo/.venv"

if [[ ! -x "$venv/bin/python" ]]; then
    echo "build-zips: creating $venv" >&2
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c '
import importlib.metadata as m, sys
sys.exit(m.version("cargo-lambda") != sys.argv[1] or m.version("ziglang") != sys.argv[2])
' "$CARGO_LAMBDA_VERSION" "$ZIGLANG_VERSION" 2>/dev/null || [[ ! -x "$venv/bin/cargo-lambda" ]]; then
    echo "build-zips: installing cargo-lambda==$CARGO_LAMBDA_VERSION ziglang==$ZIGLANG_VERSION into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "cargo-lambda==$CARGO_LAMBDA_VERSION" "ziglang==$ZIGLANG_VERSION"
fi
# cargo-lambda finds zig through the venv's python (`python -m ziglang`).
export PATH="$venv/bin:$PATH"
if $tools_only; then
    echo "build-zips: cargo-lambda $CARGO_LAMBDA_VERSION and zig (ziglang $ZIGLANG_VERSION) are in $venv/bin"
    exit 0
fi

case "$arch" in
    x86_64 | x86-64 | amd64) arch_flag=--x86-64 ;;
    arm64 | aarch64)
        arch_flag=--arm64
        if command -v rustup >/dev/null &&
            ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
            echo "build-zips: rustup target add aarch64-unknown-linux-gnu" >&2
            rustup target add aarch64-unknown-linux-gnu
        fi
        ;;
    *)
        echo "build-zips: ARCH must be x86_64 or arm64" >&2
        exit 2
        ;;
esac

# The [[bin]] of every package under functions/ (from cargo metadata, not from a hand-kept list).
mapfile -t bins < <(cargo metadata --no-deps --format-version 1 | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
root = os.path.realpath("functions")
for pkg in meta["packages"]:
    if os.path.dirname(os.path.dirname(os.path.realpath(pkg["manifest_path"]))) != root:
        continue
    for t in pkg["targets"]:
        if "bin" in t["kind"]:
            print(t["name"])
' | sort)
if ((${#bins[@]} == 0)); then
    echo "build-zips: no binaries found under functions/" >&2
    exit 1
fi

bin_args=()
for b in "${bins[@]}"; do bin_args+=(--bin "$b"); done

echo "build-zips: cargo lambda build --release $arch_flag --output-format zip ${bin_args[*]}" >&2
started=$SECONDS
cargo lambda build --release "$arch_flag" --output-format zip "${bin_args[@]}"
elapsed=$((SECONDS - started))

status=0
printf '\n%-14s %10s  %s\n' function bytes zip
for b in "${bins[@]}"; do
    zip="target/lambda/$b/bootstrap.zip"
    if [[ -f "$zip" ]]; then
        printf '%-14s %10s  %s\n' "$b" "$(stat -c %s "$zip")" "$zip"
    else
        printf '%-14s %10s  %s\n' "$b" missing "$zip"
        status=1
    fi
done
echo "build-zips: built ${#bins[@]} functions ($arch) in ${elapsed}s"
exit "$status"
