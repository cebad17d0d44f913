#!/usr/bin/env bash
# demo.sh: sets up, builds into build/, and runs the hello example under zxvmm.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "+ build/zxvmm run build/guest-examples/hello from the guest"
exec build/zxvmm run build/guest-examples/hello from the guest
