#!/usr/bin/env bash
# Runs the arm64 release bootstraps (target/lambda/<function>/bootstrap.zip from
# scripts/build-zips.sh) on this x86_64 machine under qemu-user, and invokes every sample event
# through them with the local Lambda Runtime API (scripts/invoke_events.py) against a freshly
# seeded table: the binaries Lambda would run, not only built.
#
#   source scripts/moto.sh && scripts/build-zips.sh && scripts/arm64-smoke.sh
#
# Needs qemu-aarch64-static and the aarch64 C library (Debian/Ubuntu:
# `sudo apt-get install qemu-user-static libc6-arm64-cross`); without them it says so and skips.
# Also runs natively on an arm64 machine.
set -euo pipefail
cd "$(dirname "$0")/.."

wrapper=()
if [[ "$(uname -m)" != aarch64 ]]; then
    qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
    sysroot=/usr/aarch64-linux-gnu
    if [[ -z "$qemu" || ! -e "$sysroot/lib/ld-linux-aarch64.so.1" ]]; then
        echo "arm64-smoke: skipped: needs qemu-user and the aarch64 C library" \
            "(apt-get install qemu-user-static libc6-arm64-cross)" >&2
        exit 0
    fi
    wrapper=("$qemu" -L "$sysroot")
fi
: "${AWS_ENDPOINT_URL:?arm64-smoke: start moto first (source scripts/moto.sh)}"

dir=.tmp/arm64-bootstraps
rm -rf "$dir"
for zip in target/lambda/*/bootstrap.zip; do
    fn=$(basename "$(dirname "$zip")")
    mkdir -p "$dir/$fn"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$dir/$fn"
    chmod +x "$dir/$fn/bootstrap"
    # ELF e_machine 183 = AArch64: refuse to "smoke-test" an x86_64 build by mistake.
    python3 -c '
import struct, sys
with open(sys.argv[1], "rb") as f:
    head = f.read(20)
sys.exit(0 if head[:4] == b"\x7fELF" and struct.unpack("<H", head[18:20])[0] == 183 else
         f"arm64-smoke: {sys.argv[1]} is not an arm64 ELF binary (build-zips.sh --arm64)")
' "$dir/$fn/bootstrap"
done

cargo build --quiet -p devserver --bin seed-events
export TABLE_NAME="arm64-smoke-$RANDOM$RANDOM" ID_PEPPER="arm64-smoke-pepper-0123456789abcdef-0123456789"
export UPLOAD_BUCKET="$TABLE_NAME-evidence"
target/debug/seed-events
python3 scripts/invoke_events.py --lambda-dir "$dir" --wrapper "${wrapper[*]}" --timeout 120 \
    --log .tmp/arm64-smoke.log
