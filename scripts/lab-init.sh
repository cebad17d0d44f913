#!/bin/busybox sh
# lab-init.sh: /init of the nested-KVM lab's VM (see scripts/lab.sh and docs/testing.md).
#
# Loads the KVM modules (kvm_amd with nested=1) and the virtio drivers, mounts the host's root
# read-only and the checkout read-write at their own paths (virtiofs), then runs /lab/run.sh in
# that root with stdout and stderr on their own virtio ports, prints its exit status on the
# console as "zxvmm-lab: exit N", and powers off. With lab.shell=1 on the kernel command line it
# opens an interactive shell on the console instead.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

fail() {
    echo "zxvmm-lab: failed: $*"
    sync
    reboot -f
}

# Modules in dependency order, one per line: "NAME [PARAMS...]".
while read -r name params; do
    insmod "/lib/modules/$name.ko" $params || fail "cannot load $name"
done </lib/modules/order
[ -c /dev/kvm ] || fail "/dev/kvm did not appear (kvm_amd: no SVM under this CPU model?)"

. /lab/config # TOP (the checkout), SHELL_MODE
root=/newroot
mkdir -p $root
mount -t virtiofs -o ro host $root || fail "cannot mount the host's root (virtiofs)"
mount -t proc proc $root/proc
mount -t sysfs sys $root/sys
mount -t devtmpfs dev $root/dev
mkdir -p $root/dev/pts $root/dev/shm
mount -t devpts devpts $root/dev/pts
mount -t tmpfs shm $root/dev/shm
for d in /tmp /run /var/tmp /root; do
    [ -d "$root$d" ] && mount -t tmpfs -o mode=1777 scratch "$root$d"
done
# The checkout last, so that one under /tmp (say) is not hidden by the scratch mounts.
mkdir -p "$root$TOP" 2>/dev/null
mount -t virtiofs top "$root$TOP" || fail "cannot mount the checkout $TOP (virtiofs)"
cp /lab/run.sh $root/tmp/lab-run.sh
hostname zxvmm-lab
ip link set lo up # loopback, for tests that talk TCP to zxvmm (the gdb stub)

if [ "$SHELL_MODE" = 1 ]; then
    echo "zxvmm-lab: shell in the lab ($(uname -r), /dev/kvm present); exit to power off"
    setsid -c chroot $root /bin/bash /tmp/lab-run.sh
    echo "zxvmm-lab: exit $?"
else
    port() {
        for p in /sys/class/virtio-ports/*; do
            [ "$(cat "$p/name" 2>/dev/null)" = "$1" ] && { echo "/dev/${p##*/}"; return; }
        done
    }
    out=$(port out)
    err=$(port err)
    [ -n "$out" ] && [ -n "$err" ] || fail "the stdout/stderr ports are missing"
    chroot $root /bin/bash /tmp/lab-run.sh <$root/dev/null >"$out" 2>"$err"
    status=$?
    echo "zxvmm-lab: exit $status"
fi
sync
umount "$root$TOP" 2>/dev/null
reboot -f
