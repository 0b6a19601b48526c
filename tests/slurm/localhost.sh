#!/usr/bin/env bash
# A throw-away single-node SLURM cluster on localhost, for testing the SLURM profile.
#
#   tests/slurm/localhost.sh start STATE_DIR   # prints the SLURM_CONF path
#   tests/slurm/localhost.sh stop STATE_DIR    # stops only what `start` started
#
# Needs root and Debian's slurmctld slurmd slurm-client munge. There is no systemd in CI
# containers, so the daemons are started directly and their PIDs kept in STATE_DIR; an
# already running munged (not ours) is reused and left alone. The node advertises fake
# GPUs (placeholder files as gres devices) so `sbatch --gpus=1` is accepted and the GPU
# mapping is exercised without hardware. Outside STATE_DIR it writes only /run/munge
# (munged's socket directory), /etc/munge/munge.key if missing, and the link
# /etc/slurm/slurm.conf -> STATE_DIR/slurm.conf, which `stop` removes: the executor
# plugin's job step drops SLURM_CONF before its nested srun, so srun must find the
# config at the default path. An existing /etc/slurm/slurm.conf is never touched.
set -euo pipefail

cmd=${1:?usage: localhost.sh start|stop STATE_DIR}
state=${2:?usage: localhost.sh start|stop STATE_DIR}
GPUS=${MIA_SLURM_FAKE_GPUS:-2}
CTLD_PORT=${MIA_SLURM_CTLD_PORT:-6817}
SLURMD_PORT=${MIA_SLURM_SLURMD_PORT:-6818}

log() { echo "localhost.sh: $*" >&2; }

stop() {
    local pidfile pid
    if [[ -L /etc/slurm/slurm.conf && $(readlink /etc/slurm/slurm.conf) == "$state/slurm.conf" ]]; then
        rm -f /etc/slurm/slurm.conf
    fi
    for pidfile in "$state"/slurmd.pid "$state"/slurmctld.pid "$state"/munged.ours.pid; do
        [[ -f $pidfile ]] || continue
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
            log "stopped $(basename "$pidfile" .pid) (pid $pid)"
        fi
        rm -f "$pidfile"
    done
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local secs=$1 what=$2
    shift 2
    for _ in $(seq $((secs * 5))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    log "timed out waiting for $what"
    return 1
}

start_munge() {
    if [[ ! -s /etc/munge/munge.key ]]; then
        mkdir -p /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        log "reusing the running munged"
        return
    fi
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge
    chmod 755 /run/munge
    runuser -u munge -- munged --force
    wait_for 10 munged test -s /run/munge/munged.pid
    cp /run/munge/munged.pid "$state/munged.ours.pid"
    wait_for 10 "munge credentials" bash -c 'munge -n </dev/null | unmunge'
}

write_conf() {
    local host cpus mem
    host=$(hostname -s)
    cpus=$(nproc)
    # Leave the OS 1 GiB; jobs ask for mem_mb and SLURM rejects more than RealMemory.
    mem=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
    mkdir -p "$state/spool" "$state/ctld" "$state/gpu"
    # Character devices (as /dev/null) so slurmd accepts them and exports
    # CUDA_VISIBLE_DEVICES; plain files where mknod is not allowed (then only SLURM_GPUS*).
    for ((g = 0; g < GPUS; g++)); do
        rm -f "$state/gpu/nvidia$g"
        mknod "$state/gpu/nvidia$g" c 1 3 2>/dev/null || : >"$state/gpu/nvidia$g"
    done
    cat >"$state/slurm.conf" <<EOF
ClusterName=mia-localhost
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
GresTypes=gpu
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# No slurmdbd: finished jobs must stay visible to squeue for the executor's status checks.
MinJobAge=300
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem Gres=gpu:$GPUS State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    # Without File= lines the node drains ("gres/gpu count reported lower than configured").
    {
        for ((g = 0; g < GPUS; g++)); do echo "NodeName=$host Name=gpu File=$state/gpu/nvidia$g"; done
    } >"$state/gres.conf"
}

start() {
    mkdir -p "$state"
    state=$(cd "$state" && pwd)
    for bin in munged slurmctld slurmd sbatch squeue; do
        command -v "$bin" >/dev/null || { log "$bin not found: apt-get install slurmctld slurmd slurm-client munge"; exit 3; }
    done
    [[ $(id -u) == 0 ]] || { log "must run as root (slurmd and munged)"; exit 3; }
    if [[ -e /etc/slurm/slurm.conf || -L /etc/slurm/slurm.conf ]]; then
        log "/etc/slurm/slurm.conf exists: this machine has its own SLURM; not starting a test cluster over it"
        exit 3
    fi
    trap 'stop' ERR
    start_munge
    write_conf
    mkdir -p /etc/slurm
    ln -s "$state/slurm.conf" /etc/slurm/slurm.conf
    export SLURM_CONF=$state/slurm.conf
    slurmctld -f "$SLURM_CONF" -i
    wait_for 20 slurmctld scontrol ping
    slurmd -f "$SLURM_CONF"
    wait_for 30 "the node to be idle" bash -c 'sinfo -h -N -o %t | grep -qx idle'
    trap - ERR
    log "SLURM is up: SLURM_CONF=$SLURM_CONF"
    echo "$SLURM_CONF"
}

case $cmd in
    start) start ;;
    stop) state=$(cd "$state" 2>/dev/null && pwd) || exit 0; stop ;;
    *) log "unknown command $cmd (start|stop)"; exit 2 ;;
esac
