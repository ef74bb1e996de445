#!/bin/sh
# Test script of the unikraft-nginx profile (see README.md). Not run where
# this profile was written: it needs KVM and a built unikernel.
#
# Runs as root in the job's own network namespace (network: none), so the
# tap device it makes, its addresses and everything on them vanish with
# the job and never meet the host's network. Each run:
#   1. writes nginx.conf for ACCESS_LOG, KEEPALIVE_TIMEOUT and
#      OPEN_FILE_CACHE, and packs it with the build's rootfs/ and a
#      612-byte payload into initramfs.cpio;
#   2. makes the tap device wfuk0 (172.44.0.1/24) and boots the unikernel
#      with QEMU and KVM on the job's first CPU, the tap as a virtio-net
#      card, the guest at 172.44.0.2;
#   3. waits until NGINX answers (at most 30 s), loads it with wrk from
#      the job's second CPU (30 connections, as in the paper) and prints
#      wrk's report, whose Requests/sec line is the objective;
#   4. appends Latency_avg_ns (wrk's mean latency) to the results file
#      and stops QEMU.
#
# Environment (none of it part of the experiment's identity):
#   UNIKRAFT_NGINX_SECONDS      wrk's duration, default 10
#   UNIKRAFT_NGINX_CONNECTIONS  wrk's connections, default 30
#   UNIKRAFT_NGINX_WORKER_CONNECTIONS  NGINX's, default 63 (the paper's)
#   UNIKRAFT_NGINX_MEM_MIB      guest memory, default 1024
#   UNIKRAFT_NGINX_APPEND       more guest arguments, default
#                               "vfs.rootdev=ramfs" (older Unikraft);
#                               newer releases take "vfs.rootfs=initrd"
#   QEMU                        the QEMU program, default qemu-system-x86_64
set -eu

die() {
	printf 'test.sh: %s\n' "$*" >&2
	exit 1
}
is_uint() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	return 0
}
need() {
	command -v "$1" >/dev/null 2>&1 || die "no '$1' (see README.md: What it needs)"
}

qemu=${QEMU:-qemu-system-x86_64}
for p in "$qemu" wrk curl cpio ip taskset; do
	need "$p"
done
build_dir=${WAYFINDER_BUILD_DIR:?WAYFINDER_BUILD_DIR is not set}
[ -f "$build_dir/nginx.img" ] || die "no unikernel '$build_dir/nginx.img'"
[ -d "$build_dir/rootfs" ] || die "no '$build_dir/rootfs'"
cpu_guest=${WAYFINDER_CORE_ID0:?WAYFINDER_CORE_ID0 is not set}
cpu_client=${WAYFINDER_CORE_ID1:-}
[ -n "$cpu_client" ] || die "the test needs two CPUs (cores: 2): one for the guest, one for wrk"
[ -c /dev/kvm ] && [ -w /dev/kvm ] || die "no usable /dev/kvm"
[ -c /dev/net/tun ] || die "no /dev/net/tun"

seconds=${UNIKRAFT_NGINX_SECONDS:-10}
conns=${UNIKRAFT_NGINX_CONNECTIONS:-30}
worker_conns=${UNIKRAFT_NGINX_WORKER_CONNECTIONS:-63}
mem=${UNIKRAFT_NGINX_MEM_MIB:-1024}
for v in "$seconds" "$conns" "$worker_conns" "$mem"; do
	is_uint "$v" && [ "$v" -ge 1 ] || die "bad setting '$v' (want a whole number, at least 1)"
done
is_uint "${KEEPALIVE_TIMEOUT:-}" || die "bad KEEPALIVE_TIMEOUT '${KEEPALIVE_TIMEOUT:-}'"
case ${ACCESS_LOG:-} in
true) access_log=/dev/stdout ;;
false) access_log=off ;;
*) die "bad ACCESS_LOG '${ACCESS_LOG:-}'" ;;
esac
case ${OPEN_FILE_CACHE:-} in
caching | nocaching) ;;
*) die "bad OPEN_FILE_CACHE '${OPEN_FILE_CACHE:-}'" ;;
esac

# The tap and its addresses exist only in this job's namespace: anywhere
# else (without root, --no-sandbox) they would be the host's.
ifaces=$(sed -n 's/^ *\([^: ]*\):.*/\1/p' /proc/net/dev | tr '\n' ' ')
[ "$ifaces" = "lo " ] ||
	die "not in a network namespace of its own (interfaces: $ifaces); run as root, without --no-sandbox"

# 1. The initramfs: the app's files, this run's nginx.conf, the payload.
work=$(pwd)
rm -rf fs initramfs.cpio
cp -R "$build_dir/rootfs" fs
mkdir -p fs/nginx/conf fs/nginx/html fs/nginx/logs
{
	echo "worker_processes 1;"
	echo "daemon off;"
	echo "master_process off;"
	echo "events { worker_connections $worker_conns; }"
	echo "http {"
	echo "    include mime.types;"
	echo "    default_type application/octet-stream;"
	if [ "$OPEN_FILE_CACHE" = caching ]; then
		echo "    open_file_cache max=200000 inactive=20s;"
		echo "    open_file_cache_valid 30s;"
		echo "    open_file_cache_min_uses 2;"
		echo "    open_file_cache_errors on;"
	fi
	echo "    access_log $access_log;"
	echo "    keepalive_timeout $KEEPALIVE_TIMEOUT;"
	echo "    server {"
	echo "        listen 80;"
	echo "        server_name localhost;"
	echo "        location / { root html; index index.html; }"
	echo "    }"
	echo "}"
} >fs/nginx/conf/nginx.conf
[ -f fs/nginx/conf/mime.types ] || echo "types { text/plain txt; text/html html; }" >fs/nginx/conf/mime.types
# 612 bytes: 12 lines of 50 characters and a line break.
i=0
while [ "$i" -lt 12 ]; do
	echo "wayfinder-unikraft-nginx-payload-0123456789abcdefg"
	i=$((i + 1))
done >fs/nginx/html/payload.txt
(cd fs && find . -depth -print | cpio -o -H newc --quiet) >initramfs.cpio

# 2. The network and the guest.
tap=wfuk0
qemu_pid=
cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill -TERM "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
		qemu_pid=
	fi
	ip link del "$tap" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip tuntap add dev "$tap" mode tap
ip addr add 172.44.0.1/24 dev "$tap"
ip link set dev "$tap" up

append="netdev.ipv4_addr=172.44.0.2 netdev.ipv4_gw_addr=172.44.0.1"
append="$append netdev.ipv4_subnet_mask=255.255.255.0"
append="$append ${UNIKRAFT_NGINX_APPEND-vfs.rootdev=ramfs} --"
taskset -c "$cpu_guest" "$qemu" -enable-kvm -cpu host -nodefaults \
	-display none -no-reboot -m "$mem" -serial "file:$work/console.log" \
	-kernel "$build_dir/nginx.img" -initrd "$work/initramfs.cpio" \
	-append "$append" \
	-netdev "tap,id=net0,ifname=$tap,script=no,downscript=no" \
	-device virtio-net-pci,netdev=net0 </dev/null &
qemu_pid=$!

# 3. Ready when NGINX answers; then the load.
tries=0
until curl -s -o /dev/null --max-time 1 http://172.44.0.2/payload.txt; do
	kill -0 "$qemu_pid" 2>/dev/null || {
		cat console.log >&2 2>/dev/null || true
		qemu_pid=
		die "QEMU exited before NGINX answered"
	}
	tries=$((tries + 1))
	[ "$tries" -le 60 ] || die "NGINX did not answer on 172.44.0.2:80 within 30 s"
	sleep 0.5
done
taskset -c "$cpu_client" wrk -t 1 -c "$conns" -d "${seconds}s" --latency \
	http://172.44.0.2/payload.txt >wrk.out 2>&1 || {
	cat wrk.out >&2
	die "wrk failed"
}
cat wrk.out
grep -q '^Requests/sec:' wrk.out || die "no Requests/sec in wrk's report"

# 4. wrk's mean latency, in nanoseconds, for the results.
lat=$(awk '$1 == "Latency" && $2 ~ /^[0-9.]+(us|ms|s)$/ {
	v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u)
	printf "%.0f\n", v * (u == "us" ? 1e3 : u == "ms" ? 1e6 : 1e9); exit }' wrk.out)
if [ -n "$lat" ] && [ -n "${WAYFINDER_RESULTS:-}" ]; then
	printf 'Latency_avg_ns %s\n' "$lat" >>"$WAYFINDER_RESULTS"
fi
