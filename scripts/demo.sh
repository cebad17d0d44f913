#!/usr/bin/env bash
# demo.sh: sets up, builds into build/, and runs the hello example under zxvmm: natively where
# /dev/kvm works, otherwise inside the nested-KVM lab (scripts/lab.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
echo "+ cmake -S . -B build (configure; the guest SDK and examples are built by the cross toolchain)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "+ cmake --build build (the VMM, the SDK, the examples and the tests: about a minute)"
cmake --build build -j"$(nproc)" >/dev/null
run=(build/zxvmm run build/guest-examples/hello from the guest)
if [ -e /dev/kvm ] && build/zxvmm run build/guest-examples/hello >/dev/null 2>&1; then
    echo "+ ${run[*]}"
    exec "${run[@]}"
fi
echo "+ scripts/lab.sh ${run[*]}   (this host has no usable /dev/kvm: running in the nested-KVM lab)"
exec scripts/lab.sh "${run[@]}"
