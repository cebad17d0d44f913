#!/usr/bin/env bash
# demo.sh: sets up, builds into build/, and runs the hello example under zxvmm, saying what it does as it
# goes: natively where /dev/kvm works, otherwise inside the nested-KVM lab (scripts/lab.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "demo: $*"; }

say "checking the Debian packages zxvmm needs (scripts/setup.sh installs any that are missing)"
scripts/setup.sh
say "configuring build/ (cmake, RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
say "building zxvmm, the guest SDK, the examples and the tests with $(nproc) jobs (about 20 s the first time)"
start=$(date +%s)
cmake --build build -j"$(nproc)" >/dev/null
say "built in $(($(date +%s) - start)) s: build/zxvmm, the SDK in build/sdk, examples in build/guest-examples"
run=(build/zxvmm run build/guest-examples/hello from the guest)
if [ -e /dev/kvm ] && build/zxvmm run build/guest-examples/hello >/dev/null 2>&1; then
    echo "+ ${run[*]}"
    exec "${run[@]}"
fi
say "this host has no usable /dev/kvm: running the demo in the nested-KVM lab (scripts/lab.sh, about 10 s)"
echo "+ scripts/lab.sh ${run[*]}"
exec scripts/lab.sh "${run[@]}"
