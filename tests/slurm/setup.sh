#!/bin/sh
# Starts a one-node Slurm cluster on this machine, for the Slurm
# executor's regress test (tests/regress/slurm.sh): munged, slurmctld and
# slurmd, without systemd, with a slurm.conf written for this machine
# from `slurmd -C`; then waits until the node is idle. Run it as root
# (or as a user sudo lets in without a password).
#
# Idempotent: a cluster that answers already is left as it is (and a
# slurm.conf that this script did not write is used, never replaced).
# It installs nothing: CI installs slurmctld, slurmd, slurm-client and
# munge (.ci/packages) before it runs this. When Slurm cannot start it
# says why, on stderr and in $WAYFINDER_SLURM_DIR/status, where the
# regress test finds the reason to give when it skips, and exits 1.
#
# Environment:
#   SLURM_CONF           the slurm.conf (default /etc/slurm/slurm.conf)
#   WAYFINDER_SLURM_DIR  the cluster's state, logs, status and env file
#                        (default /var/tmp/wayfinder-slurm)
#   WAYFINDER_SLURM_PORT slurmctld's port; slurmd's is the next one
#                        (default 6817)
set -u
dir=${WAYFINDER_SLURM_DIR:-/var/tmp/wayfinder-slurm}
conf=${SLURM_CONF:-/etc/slurm/slurm.conf}
port=${WAYFINDER_SLURM_PORT:-6817}
mark="# Written by Wayfinder's tests/slurm/setup.sh"
export SLURM_CONF="$conf"

say() { echo "tests/slurm/setup.sh: $*"; }
fail() {
	echo "tests/slurm/setup.sh: $*" >&2
	mkdir -p "$dir" 2>/dev/null && echo "$*" >"$dir/status"
	exit 1
}
# The last line of a log, to say why a daemon did not start.
last() { [ -f "$1" ] && tail -n 1 "$1" | sed 's/^\[[^]]*\] //'; }
# Slurm's commands retry an absent controller for long: 10 s is enough.
node_state() {
	timeout 10 sinfo --noheader --Node --format=%T 2>/dev/null | head -n 1
}
usable() {
	case $(node_state) in
	idle* | mixed* | allocated* | completing*) return 0 ;;
	*) return 1 ;;
	esac
}
# Where the tests find the cluster when their environment does not.
write_env() {
	printf 'SLURM_CONF=%s\n' "$conf" >"$dir/env"
	rm -f "$dir/status"
}

mkdir -p "$dir" || fail "cannot create $dir"
if [ -f "$conf" ] && usable; then
	write_env
	say "Slurm answers already (node $(node_state)), $conf"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	# As CI's .ci/deps does: sudo when it needs no password.
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		exec sudo -n env SLURM_CONF="$conf" WAYFINDER_SLURM_DIR="$dir" \
			WAYFINDER_SLURM_PORT="$port" sh "$0"
	fi
	fail "not root (and no sudo without a password): cannot start Slurm's daemons"
fi
for c in munged munge slurmctld slurmd sinfo sbatch squeue scontrol scancel; do
	command -v "$c" >/dev/null 2>&1 ||
		fail "$c is not installed (apt-get install slurmctld slurmd slurm-client munge)"
done

# munge: a key, its directories, and the daemon.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
	mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
	if [ ! -s /etc/munge/munge.key ]; then
		if command -v mungekey >/dev/null 2>&1; then
			mungekey --create --keyfile=/etc/munge/munge.key ||
				fail "mungekey cannot create /etc/munge/munge.key"
		else
			dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 \
				2>/dev/null || fail "cannot create /etc/munge/munge.key"
		fi
	fi
	if id munge >/dev/null 2>&1; then
		chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
		chmod 0700 /etc/munge
		chmod 0400 /etc/munge/munge.key
		su -s /bin/sh munge -c 'munged --force' ||
			fail "munged does not start: $(last /var/log/munge/munged.log)"
	else
		munged --force ||
			fail "munged does not start: $(last /var/log/munge/munged.log)"
	fi
	i=0
	until munge -n 2>/dev/null | unmunge >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 50 ] || fail "munge does not work: $(last /var/log/munge/munged.log)"
		sleep 0.1
	done
fi

# slurm.conf: ours, for this machine, unless someone else's is there.
host=$(hostname -s)
if [ ! -f "$conf" ] || grep -q "^$mark" "$conf"; then
	hw=$(slurmd -C 2>/dev/null | head -n 1)
	case $hw in
	NodeName=*) ;;
	*) fail "slurmd -C does not describe this machine: $(slurmd -C 2>&1 | tail -n 1)" ;;
	esac
	cpus=$(echo "$hw" | sed -n 's/.* CPUs=\([0-9]*\).*/\1/p')
	mem=$(echo "$hw" | sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p')
	[ -n "$cpus" ] && [ -n "$mem" ] || fail "slurmd -C gives no CPUs or memory: $hw"
	mkdir -p "$(dirname "$conf")" "$dir/ctld" "$dir/d" ||
		fail "cannot create $(dirname "$conf") or $dir"
	cat >"$conf.new" <<EOF
$mark
# for $host: a one-node cluster for the regress tests. The script
# rewrites it; write your own slurm.conf there to keep it.
ClusterName=wayfinder
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=$port
SlurmdPort=$((port + 1))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MinJobAge=300
KillWait=5
DefMemPerCPU=$((mem / cpus / 2))
$(echo "$hw" | sed "s/^NodeName=[^ ]*/NodeName=$host/") State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
	mv "$conf.new" "$conf" || fail "cannot write $conf"
fi

# The daemons, unless they run already.
running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
pidfile() {
	sed -n "s/^$1[ =]*//p" "$conf" | head -n 1
}
ctld_pid=$(pidfile SlurmctldPidFile)
d_pid=$(pidfile SlurmdPidFile)
ctld_log=$(pidfile SlurmctldLogFile)
d_log=$(pidfile SlurmdLogFile)
if ! running "${ctld_pid:-/nonexistent}"; then
	slurmctld || fail "slurmctld does not start: $(last "$ctld_log")"
fi
if ! running "${d_pid:-/nonexistent}"; then
	slurmd || fail "slurmd does not start: $(last "$d_log")"
fi
sleep 1
# A daemon that forked, then found its configuration wanting, is gone.
[ -z "$ctld_pid" ] || running "$ctld_pid" ||
	fail "slurmctld exited: $(last "$ctld_log")"
[ -z "$d_pid" ] || running "$d_pid" || fail "slurmd exited: $(last "$d_log")"
start=$(date +%s)
resumed=0
until usable; do
	now=$(date +%s)
	if [ $resumed -eq 0 ] && [ $((now - start)) -ge 10 ]; then
		# Left down or drained by an earlier run: back to service.
		scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1
		resumed=1
	fi
	[ $((now - start)) -lt 60 ] || fail "the node is not idle after 60 s \
(sinfo: $(node_state); slurmctld: $(last "$ctld_log"); slurmd: $(last "$d_log"))"
	sleep 0.5
done
write_env
say "Slurm runs: node $host $(node_state), $conf"
