#!/bin/sh
# Test script of the linux-tinyconfig profile (see README.md).
#
# Boots the kernel of the build under QEMU, without KVM (TCG), with
# MEM_MIB MiB of guest memory and VCPUS virtual CPUs (1 when the kernel
# has no SMP), its serial console on QEMU's standard output (the job's
# log) and its debug console port 0xe9 on the FIFO of Wayfinder's boot
# monitor. The guest's /init writes the marker there, then resets the
# machine, which -no-reboot turns into QEMU exiting with status 0;
# panic=-1 does the same for a kernel that cannot start init, whose run
# then fails for want of the marker.
#
# The build's figures (bzImage size and so on, in kernel-metrics) are
# copied into the run's results first, so that each trial has them.
#
# The boot clock starts when this job starts, so the script uses shell
# builtins only and then execs QEMU: no other process runs first.
set -eu

die() {
	printf 'test.sh: %s\n' "$*" >&2
	exit 1
}

build_dir=${WAYFINDER_BUILD_DIR:?WAYFINDER_BUILD_DIR is not set}
kernel=$build_dir/bzImage
[ -f "$kernel" ] || die "no kernel '$kernel'"
[ -f "$build_dir/kernel-metrics" ] || die "no '$build_dir/kernel-metrics'"
case ${MEM_MIB:-} in
'' | *[!0-9]* | ?????*) die "bad MEM_MIB '${MEM_MIB:-}' (want MiB, at most 4 digits)" ;;
esac
vcpus=${VCPUS:-1}
case $vcpus in
'' | *[!0-9]* | ???*) die "bad VCPUS '$vcpus'" ;;
esac
# guest_mem_mib is no kernel parameter: the kernel hands it to /init as
# an environment variable, for its memory figures.
append="console=ttyS0 panic=-1 reboot=t guest_mem_mib=$MEM_MIB"
case ${QUIET:-false} in
true) append="$append quiet" ;;
false) ;;
*) die "bad QUIET '${QUIET:-}'" ;;
esac

if [ -n "${WAYFINDER_RESULTS:-}" ]; then
	while IFS= read -r line; do
		printf '%s\n' "$line"
	done <"$build_dir/kernel-metrics" >>"$WAYFINDER_RESULTS"
fi

set -- -accel tcg -nodefaults -display none -no-reboot -m "$MEM_MIB" \
	-smp "$vcpus" -serial stdio -kernel "$kernel" -append "$append"
if [ -n "${WAYFINDER_DEBUGCON:-}" ]; then
	set -- "$@" -debugcon "file:$WAYFINDER_DEBUGCON"
fi
exec "${QEMU:-qemu-system-x86_64}" "$@" </dev/null
