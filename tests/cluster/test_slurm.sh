#!/usr/bin/env bash
# test_slurm.sh: runs docs/faults.md's cluster recipe for real: a single-node Slurm started here
# (munged, slurmctld, slurmd as plain processes, every path under a temporary directory) runs a
# campaign as a job array, one shard per task; `zxvmm report` over the shards' files must print
# the unsharded campaign's table, and their rows (golden once, sorted, durations removed) must be
# the unsharded campaign's rows.
#
# Usage: tests/cluster/test_slurm.sh [BUILD_DIR]      (default: build)
#
# Needs root and a working /dev/kvm: on a host without one, run it in the lab,
#   scripts/lab.sh tests/cluster/test_slurm.sh
# after installing the packages on the host (scripts/setup.sh slurmctld slurmd slurm-client munge;
# this script does it too where it can write). Every daemon it started is killed by pid on exit,
# whatever the outcome.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd -P)
build=$(cd "${1:-$top/build}" && pwd -P)
zxvmm=$build/zxvmm
guest=$build/guest-tests/inject_target
shards=3 runs=7 seed=1234 node=zxvmmnode

say() { echo "test_slurm: $*" >&2; }
fail() {
    say "FAIL: $*"
    exit 1
}

[ "$(id -u)" -eq 0 ] || fail "needs root (slurmd and munged are started here)"
[ -x "$zxvmm" ] && [ -x "$guest" ] || fail "build zxvmm and the test guests first ($build)"
[ -w /dev/kvm ] || fail "needs /dev/kvm (run it through scripts/lab.sh on a host without one)"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
    "$top/scripts/setup.sh" slurmctld slurmd slurm-client munge
fi

tmp=$(mktemp -d /tmp/zxvmm-slurm.XXXXXX)
chmod 755 "$tmp" # munged (the munge user) must reach its files below
pids=()
undo=() # commands that undo what was changed outside $tmp (an address, a mount), run last first
# Stops every daemon started here, by pid (TERM, then KILL after 10 s), undoes the rest, removes $tmp.
cleanup() {
    local status=$? pid i
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for i in $(seq 100); do
        local alive=0
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
    done
    for ((i = ${#undo[@]} - 1; i >= 0; i--)); do
        eval "${undo[i]}" 2>/dev/null || true
    done
    if [ $status -ne 0 ]; then
        for log in "$tmp"/*.log "$tmp"/*.out "$tmp"/out/*.log "$tmp"/munge/*.log; do
            [ -f "$log" ] || continue
            say "--- tail of ${log#"$tmp"/}"
            tail -n 20 "$log" >&2
        done
    fi
    rm -rf "$tmp"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What Slurm needs of the machine, where the lab (a VM with only loopback, no cgroup mount) lacks it:
# getaddrinfo(AI_ADDRCONFIG), which Slurm uses even for "127.0.0.1", answers nothing while the only
# IPv4 address is 127.0.0.1, so lo gets a second one; slurmd 22.05 initialises its cgroup plugin
# whatever ProctrackType says, so cgroup2 is mounted if nothing is. Both are undone at the end.
if ! ip -4 -o addr show | grep -qv ' 127\.0\.0\.1/'; then
    ip addr add 10.254.254.1/32 dev lo || fail "cannot give lo a second IPv4 address"
    undo+=("ip addr del 10.254.254.1/32 dev lo")
fi
if ! mountpoint -q /sys/fs/cgroup; then
    mount -t cgroup2 none /sys/fs/cgroup || fail "cannot mount cgroup2 on /sys/fs/cgroup (slurmd needs it)"
    undo+=("umount /sys/fs/cgroup")
    mkdir -p /sys/fs/cgroup/system.slice # where slurmd puts its scope (systemd would have made it)
fi

# MUNGE: a fresh key, the daemon as the munge user, its socket where clients look (/run/munge).
mkdir -p "$tmp/munge" /run/munge
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$tmp/munge" /run/munge
chmod 700 "$tmp/munge"
chmod 755 /run/munge
chmod 400 "$tmp/munge/munge.key"
[ ! -S /run/munge/munge.socket.2 ] || fail "a munged already listens on /run/munge/munge.socket.2"
setpriv --reuid=munge --regid=munge --init-groups -- munged --foreground \
    --key-file="$tmp/munge/munge.key" --socket=/run/munge/munge.socket.2 \
    --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" \
    --seed-file="$tmp/munge/munged.seed" >"$tmp/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    [ -S /run/munge/munge.socket.2 ] && break
    sleep 0.1
done
munge -n </dev/null | unmunge >/dev/null || fail "munged does not answer (its log: $(cat "$tmp/munge/munged.log" 2>/dev/null))"

# Slurm: one node on 127.0.0.1, every state, spool, pid and log path under $tmp.
host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/out"
touch "$tmp/plugstack.conf"
# Read from slurm.conf's directory. slurmd makes its own cgroup scope: no systemd runs it here. Its
# cgroup/v2 plugin refuses a hybrid layout (v1 controllers beside an empty unified tree, as on some
# hosts with /dev/kvm), where its cgroup/v1 plugin works.
cgroup=cgroup/v2
[ -e /sys/fs/cgroup/cgroup.controllers ] || [ ! -d /sys/fs/cgroup/cpuset ] || cgroup=cgroup/v1
printf 'CgroupPlugin=%s\nIgnoreSystemd=yes\n' "$cgroup" >"$tmp/cgroup.conf"
cat >"$tmp/slurm.conf" <<EOF
ClusterName=zxvmmtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$((20000 + RANDOM % 20000))
SlurmdPort=$((40000 + RANDOM % 20000))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
PlugStackConfig=$tmp/plugstack.conf
NodeName=$node NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
slurmctld_pid=$!
pids+=($slurmctld_pid)
slurmd -D -N "$node" -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
slurmd_pid=$!
pids+=($slurmd_pid)
state=
for _ in $(seq 60); do
    kill -0 $slurmctld_pid 2>/dev/null || fail "slurmctld ended: $(tail -n 5 "$tmp/slurmctld.out")"
    kill -0 $slurmd_pid 2>/dev/null || fail "slurmd ended: $(tail -n 5 "$tmp/slurmd.out")"
    state=$(timeout 10 sinfo -h -n "$node" -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 1
done
[ "$state" = idle ] || fail "node $node did not become idle within a minute (state '$state')"
say "single-node Slurm up ($node, $cpus CPU)"

# The campaign: a scenario on the inject_target test guest, run unsharded here...
cat >"$tmp/s.lua" <<EOF
return { program = { '$guest', 'writes' }, cmdline = 'kernel.enable-debugging-syscalls=true',
  timeout = 60, faults = { { id = 'p', on = 'syscall', name = 'zx_process_write_memory',
    probability = 50, action = { fail = 'ZX_ERR_IO' } } } }
EOF
"$zxvmm" campaign "$tmp/s.lua" --runs $runs --seed $seed --out "$tmp/all.jsonl" 2>"$tmp/out/all.log" ||
    fail "the unsharded campaign failed"

# ...and as the recipe's job array, one shard per task.
cat >"$tmp/shard.sbatch" <<EOF
#!/bin/sh
exec "$zxvmm" campaign "$tmp/s.lua" --runs $runs --seed $seed \\
    --shard "\$SLURM_ARRAY_TASK_ID/$shards" --out "$tmp/shard.\$SLURM_ARRAY_TASK_ID.jsonl" --resume
EOF
timeout 1800 sbatch --wait --array=0-$((shards - 1)) --chdir="$tmp" --output="$tmp/out/shard.%a.log" \
    --job-name=zxvmm-campaign "$tmp/shard.sbatch" >"$tmp/out/sbatch.log" 2>&1 ||
    fail "the job array failed: $(cat "$tmp/out/sbatch.log")"
files=()
for ((k = 0; k < shards; k++)); do
    f=$tmp/shard.$k.jsonl
    [ -s "$f" ] || fail "shard $k wrote no rows"
    files+=("$f")
done

# The checks.
strip() { sed -E 's/"duration_ms":[^,}]*,?//'; }
golden=$(head -n 1 "$tmp/all.jsonl" | strip)
grep -q '"run":"golden"' <<<"$golden" || fail "the unsharded file does not begin with the golden row"
for f in "${files[@]}"; do
    [ "$(head -n 1 "$f" | strip)" = "$golden" ] || fail "$(basename "$f") does not begin with the golden row"
done
merge() { strip | awk '!/"run":"golden"/ || !seen++' | sort; }
merge <"$tmp/all.jsonl" >"$tmp/all.rows"
cat "${files[@]}" | merge >"$tmp/shards.rows"
[ "$(wc -l <"$tmp/all.rows")" -eq $((runs + 1)) ] || fail "the unsharded campaign wrote $(wc -l <"$tmp/all.rows") rows"
diff -u "$tmp/all.rows" "$tmp/shards.rows" >&2 || fail "the merged shards' rows differ from the unsharded rows"
"$zxvmm" report "$tmp/all.jsonl" >"$tmp/all.table"
"$zxvmm" report "${files[@]}" >"$tmp/shards.table"
grep -q "^total  *$runs\$" "$tmp/all.table" || fail "unexpected table: $(cat "$tmp/all.table")"
diff -u "$tmp/all.table" "$tmp/shards.table" >&2 || fail "zxvmm report over the shards differs from the unsharded table"
cat "$tmp/shards.table"
say "PASS: $shards shards through a Slurm job array equal the unsharded campaign ($runs runs)"
