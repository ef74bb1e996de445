#!/bin/sh
# Test script of the boot-time profile (see README.md).
#
# Boots the kernel of the build under QEMU, without KVM, with MEM_MIB MiB
# of guest memory.  The guest's serial port is QEMU's standard output (the
# job's log, where the "WAYFINDER BOOTED" line appears: the marker of
# "boot: {source: console}").  When Wayfinder's boot monitor watches the
# debug console ("source: debugcon"), it names a FIFO in WAYFINDER_DEBUGCON
# and the guest's port 0xe9 writes go there.  The guest ends itself with a
# triple fault, which -no-reboot turns into QEMU exiting with status 0.
#
# The boot clock starts when this job starts, so the script only checks
# its inputs with shell builtins and then execs QEMU: no other process
# runs first.
set -eu

die() {
	printf 'test.sh: %s\n' "$*" >&2
	exit 1
}

kernel=${WAYFINDER_BUILD_DIR:?WAYFINDER_BUILD_DIR is not set}/kernel.elf
[ -f "$kernel" ] || die "no kernel '$kernel'"
case ${MEM_MIB:-} in
'' | *[!0-9]* | ?????*) die "bad MEM_MIB '${MEM_MIB:-}' (want MiB, at most 4 digits)" ;;
esac

set -- -accel tcg -nodefaults -display none -no-reboot -m "$MEM_MIB" \
	-serial stdio -kernel "$kernel"
if [ -n "${WAYFINDER_DEBUGCON:-}" ]; then
	set -- "$@" -debugcon "file:$WAYFINDER_DEBUGCON"
fi
exec "${QEMU:-qemu-system-x86_64}" "$@" </dev/null
