#!/bin/sh
# Build script of the boot-time profile (see README.md).
#
# Compiles the guest kernel (boot.S, kernel.c, linker.ld beside the spec)
# into $WAYFINDER_BUILD_DIR/kernel.elf, a 32-bit multiboot ELF, with the
# build parameters BANNER_LINES, PAGING, CLEAR_MIB and BUSY_WORK as -D
# macros.  Needs gcc and binutils only: no 32-bit C library, no headers.
set -eu

die() {
	printf 'build.sh: %s\n' "$*" >&2
	exit 1
}

spec_dir=${WAYFINDER_SPEC_DIR:?WAYFINDER_SPEC_DIR is not set}
build_dir=${WAYFINDER_BUILD_DIR:?WAYFINDER_BUILD_DIR is not set}
cc=${CC:-gcc}
ld=${LD:-ld}

for f in boot.S kernel.c linker.ld; do
	[ -f "$spec_dir/$f" ] || die "no $f in '$spec_dir'"
done

# A count: digits only, at most 6 of them.
count() { # count NAME VALUE
	case $2 in
	'' | *[!0-9]* | ???????*) die "bad $1 '$2' (want a whole number)" ;;
	esac
}
count BANNER_LINES "${BANNER_LINES:-}"
count CLEAR_MIB "${CLEAR_MIB:-}"
count BUSY_WORK "${BUSY_WORK:-}"
case ${PAGING:-} in
true) paging=1 ;;
false) paging=0 ;;
*) die "bad PAGING '${PAGING:-}' (want true or false)" ;;
esac

# No SSE or x87 (the kernel never enables them), no unwind tables, and no
# loop turned into a call to a memset that does not exist.
cflags="-m32 -O2 -std=c11 -Wall -Wextra -ffreestanding -nostdlib -fno-pic \
-fno-stack-protector -fno-asynchronous-unwind-tables -mgeneral-regs-only \
-fno-tree-loop-distribute-patterns"

cd "$build_dir"
# shellcheck disable=SC2086 # cflags is a list of words
"$cc" $cflags -c -o boot.o "$spec_dir/boot.S"
# shellcheck disable=SC2086
"$cc" $cflags -DBANNER_LINES="$BANNER_LINES" -DPAGING="$paging" \
	-DCLEAR_MIB="$CLEAR_MIB" -DBUSY_WORK="$BUSY_WORK" \
	-c -o kernel.o "$spec_dir/kernel.c"
"$ld" -m elf_i386 -T "$spec_dir/linker.ld" --build-id=none -z noexecstack \
	-o kernel.elf boot.o kernel.o
printf 'build.sh: built %s (BANNER_LINES=%s PAGING=%s CLEAR_MIB=%s BUSY_WORK=%s)\n' \
	"$build_dir/kernel.elf" "$BANNER_LINES" "$PAGING" "$CLEAR_MIB" "$BUSY_WORK"
