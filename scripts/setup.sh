#!/usr/bin/env bash
# setup.sh: installs the Debian 12 packages zxvmm needs to build and test, plus any named
# as arguments (idempotent).
set -euo pipefail

packages=(build-essential cmake libfdt-dev liblua5.4-dev libcriterion-dev libseccomp-dev device-tree-compiler clang-format gdb gdbserver
    qemu-system-x86 "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
