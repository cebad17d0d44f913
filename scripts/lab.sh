#!/usr/bin/env bash
# lab.sh: runs a command inside the nested-KVM lab, a throwaway VM with a working /dev/kvm, for
# hosts that have none (see docs/testing.md).
#
# Usage: scripts/lab.sh [--timeout SECONDS] [--] COMMAND [ARGS...]
#        scripts/lab.sh --shell [--timeout SECONDS]
#
# The VM is QEMU in software emulation (-accel tcg -cpu max, which emulates AMD SVM, one CPU)
# booting Debian's cloud kernel with kvm_amd nested=1. The host's root is mounted read-only and
# this checkout (build directories included) read-write, both at their own paths, through
# virtiofs; /tmp, /run, /var/tmp and /root are the VM's own. COMMAND runs as root in the current
# directory with the caller's PATH, LANG and ZXVMM_*, ASAN_*, UBSAN_*, LSAN_*, CRITERION_*
# variables; its stdout and stderr come back on this script's stdout and stderr, and its exit
# status is this script's. The lab's own failures: 124 when it ran out of time (default 3600 s,
# or ZXVMM_LAB_TIMEOUT), 125 when the VM did not get as far as the command; both print the tail
# of the VM's console.
#
# The kernel (linux-image-cloud-amd64, downloaded and unpacked, never installed) and the image
# (busybox, the modules, scripts/lab-init.sh) are cached in ZXVMM_LAB_DIR (default build/lab),
# the image keyed by what it holds. ZXVMM_LAB_MEM sets the VM's memory (default 4G), ZXVMM_LAB_CPU
# QEMU's -cpu model (default max; e.g. max,phys-bits=39 for vCPUs with a narrower physical address width).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd -P)
lab=${ZXVMM_LAB_DIR:-$top/build/lab}
mem=${ZXVMM_LAB_MEM:-4G}
cpu=${ZXVMM_LAB_CPU:-max}
limit=${ZXVMM_LAB_TIMEOUT:-3600}
shell=0

usage() {
    sed -n 's/^# \{0,1\}//; 4,5p' "$0" | sed 's/^/usage: /; s/^usage:        /       /' >&2
    exit 2
}
say() { echo "lab: $*" >&2; }
die() {
    say "$*"
    exit 125
}

while [ $# -gt 0 ]; do
    case $1 in
    --shell) shell=1 ;;
    --timeout)
        [ $# -ge 2 ] && [[ $2 =~ ^[1-9][0-9]*$ ]] || { say "--timeout takes a number of seconds"; usage; }
        limit=$2
        shift
        ;;
    --help | -h) usage ;;
    --) shift; break ;;
    -*) say "unknown option $1"; usage ;;
    *) break ;;
    esac
    shift
done
[ $shell = 1 ] || [ $# -gt 0 ] || usage

"$top/scripts/setup.sh" qemu-system-x86 busybox-static >&2
virtiofsd=/usr/lib/qemu/virtiofsd
[ -x "$virtiofsd" ] || die "$virtiofsd is missing (Debian's qemu-system-common ships it)"
[ "$(id -u)" -eq 0 ] || die "the lab's file sharing (virtiofsd) needs root"

# The kernel: the package linux-image-cloud-amd64 depends on, unpacked into $lab/kernel/NAME.
fetch_kernel() {
    local pkg dir tmp
    pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
    if [ -z "$pkg" ]; then
        apt-get update -qq >&2 || true
        pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
    fi
    if [ -z "$pkg" ]; then # offline: the newest kernel already unpacked
        dir=$(ls -d "$lab"/kernel/linux-image-* 2>/dev/null | sort -V | tail -n 1)
        [ -n "$dir" ] || die "cannot find Debian's linux-image-cloud-amd64 (apt-cache knows no such package)"
        echo "$dir"
        return
    fi
    dir=$lab/kernel/$pkg
    if [ ! -e "$dir/.complete" ]; then
        say "downloading $pkg"
        mkdir -p "$lab/kernel"
        rm -rf "$dir"
        tmp=$(mktemp -d "$lab/kernel/.download.XXXXXX")
        (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >&2) || die "cannot download $pkg"
        dpkg-deb -x "$tmp"/*.deb "$tmp/x" || die "cannot unpack $pkg"
        mkdir -p "$dir"
        mv "$tmp"/x/boot/vmlinuz-* "$dir/vmlinuz"
        mv "$tmp"/x/lib/modules/* "$dir/modules"
        rm -rf "$tmp"
        touch "$dir/.complete"
    fi
    echo "$dir"
}

# Prints the modules to load, dependencies first, one per line as "NAME PATH".
module_order() {
    local moddir=$1
    shift
    declare -A path=() done=()
    local f n
    while read -r f; do
        n=${f##*/}
        n=${n%.ko}
        path[${n//-/_}]=$f
    done < <(find "$moddir" -name '*.ko')
    visit() {
        local m=${1//-/_} dep deps
        [ -n "${done[$m]:-}" ] && return
        [ -n "${path[$m]:-}" ] || die "the kernel has no module $m"
        deps=$(strings -a "${path[$m]}" | sed -n 's/^depends=//p' | head -n 1)
        for dep in ${deps//,/ }; do visit "$dep"; done
        done[$m]=1
        echo "$m ${path[$m]}"
    }
    for n in "$@"; do visit "$n"; done
}

# The image: busybox, /init and the modules, as a gzipped cpio archive keyed by its contents.
build_image() {
    local kdir=$1 stage key order image
    order=$(module_order "$kdir/modules" kvm_amd virtio_pci virtio_console virtiofs)
    key=$(
        {
            echo "$kdir"
            echo "$order"
            sha256sum /bin/busybox "$top/scripts/lab-init.sh"
        } | sha256sum | cut -c1-16
    )
    image=$lab/image-$key.cpio.gz
    if [ ! -e "$image" ]; then
        say "assembling the image ($image)"
        stage=$(mktemp -d "$lab/.stage.XXXXXX")
        mkdir -p "$stage"/{bin,dev,proc,sys,lib/modules,lab,newroot}
        cp /bin/busybox "$stage/bin/busybox"
        cp "$top/scripts/lab-init.sh" "$stage/init"
        chmod 755 "$stage/init"
        while read -r name file; do
            cp "$file" "$stage/lib/modules/$name.ko"
            case $name in
            kvm_amd) echo "$name nested=1" ;;
            *) echo "$name" ;;
            esac
        done <<<"$order" >"$stage/lib/modules/order"
        (cd "$stage" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$image.tmp"
        mv "$image.tmp" "$image"
        rm -rf "$stage"
        find "$lab" -maxdepth 1 -name 'image-*.cpio.gz' ! -name "${image##*/}" -delete
    fi
    echo "$image"
}

mkdir -p "$lab"
kdir=$(fetch_kernel)
image=$(build_image "$kdir")

run=$(mktemp -d /tmp/zxvmm-lab.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What the VM runs: the environment, the directory and the command (or a shell).
mkdir -p "$run/extra/lab"
{
    echo "#!/bin/bash"
    echo "export HOME=/tmp"
    while IFS= read -r -d '' kv; do
        name=${kv%%=*}
        [[ $name =~ ^(PATH|LANG|LC_ALL|TERM|(ZXVMM|ASAN|UBSAN|LSAN|CRITERION)_[A-Za-z0-9_]*)$ ]] || continue
        printf 'export %s=%q\n' "$name" "${kv#*=}"
    done < <(env -0)
    printf 'cd %q || exit 125\n' "$PWD"
    if [ $# -gt 0 ]; then
        printf 'exec'
        printf ' %q' "$@"
        printf '\n'
    else
        echo "exec /bin/bash -i"
    fi
} >"$run/extra/lab/run.sh"
printf 'TOP=%q\nSHELL_MODE=%s\n' "$top" "$shell" >"$run/extra/lab/config"
(cd "$run/extra" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$run/extra.cpio.gz"
cat "$image" "$run/extra.cpio.gz" >"$run/initrd"

# File sharing: the host's root (mounted read-only by the VM) and the checkout.
share() {
    local tag=$1 dir=$2 cache=$3
    "$virtiofsd" --socket-path="$run/$tag.sock" -o source="$dir" -o cache="$cache" \
        -o sandbox=chroot >"$run/virtiofsd-$tag.log" 2>&1 &
    pids+=($!)
}
share host / always
share top "$top" auto
for _ in $(seq 100); do
    [ -S "$run/host.sock" ] && [ -S "$run/top.sock" ] && break
    sleep 0.05
done
[ -S "$run/host.sock" ] && [ -S "$run/top.sock" ] || die "virtiofsd did not start: $(cat "$run"/virtiofsd-*.log)"

# no_timer_check: on a loaded host the emulated CPU can fall so far behind that Linux's boot-time check of
# the IO-APIC timer fails and panics ("IO-APIC + timer doesn't work!"); the timer itself works.
qemu=(qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp 1 -m "$mem"
    -object "memory-backend-memfd,id=mem,size=$mem,share=on" -numa node,memdev=mem
    -nodefaults -no-user-config -no-reboot -display none
    -kernel "$kdir/vmlinuz" -initrd "$run/initrd"
    -append "console=ttyS0 quiet panic=-1 no_timer_check"
    -chardev "socket,id=fs0,path=$run/host.sock" -device vhost-user-fs-pci,chardev=fs0,tag=host
    -chardev "socket,id=fs1,path=$run/top.sock" -device vhost-user-fs-pci,chardev=fs1,tag=top)

if [ $shell = 1 ]; then
    say "booting (one emulated CPU: give it a few seconds; Ctrl-A X leaves QEMU)"
    timeout -k 10 "$limit" "${qemu[@]}" -serial mon:stdio || true
    exit 0
fi

# The command's stdout and stderr: virtio serial ports writing into FIFOs read here.
mkfifo "$run/out" "$run/err"
cat "$run/out" &
out_pid=$!
cat "$run/err" >&2 &
err_pid=$!
pids+=("$out_pid" "$err_pid")
qemu+=(-serial "file:$run/console.log" -device virtio-serial-pci
    -chardev "file,id=out,path=$run/out" -device virtserialport,chardev=out,name=out
    -chardev "file,id=err,path=$run/err" -device virtserialport,chardev=err,name=err)

timeout -k 10 "$limit" "${qemu[@]}" >"$run/qemu.log" 2>&1 &
qemu_pid=$!
pids+=("$qemu_pid")
qemu_status=0
wait "$qemu_pid" || qemu_status=$?
kill -9 "$qemu_pid" 2>/dev/null || true

# Let the readers drain what QEMU wrote, then stop them (they never opened if QEMU failed early).
for _ in $(seq 50); do
    kill -0 "$out_pid" 2>/dev/null || kill -0 "$err_pid" 2>/dev/null || break
    sleep 0.1
done

status=$(sed -n 's/^zxvmm-lab: exit \([0-9][0-9]*\)\r\{0,1\}$/\1/p' "$run/console.log" 2>/dev/null | tail -n 1)
[ -z "$status" ] || exit "$status"
if [ "$qemu_status" = 124 ]; then
    say "timed out after ${limit}s; the VM's console ends with:"
    code=124
else
    say "the VM stopped before the command finished (QEMU status $qemu_status); its console ends with:"
    code=125
fi
grep -E 'zxvmm-lab: failed|Kernel panic|BUG:|Oops:' "$run/console.log" 2>/dev/null | head -n 5 | sed 's/^/lab: ! /' >&2 || true
tail -n 30 "$run/console.log" 2>/dev/null | sed 's/^/lab:   /' >&2 || true
tail -n 5 "$run/qemu.log" 2>/dev/null | sed 's/^/lab:   qemu: /' >&2 || true
exit $code
