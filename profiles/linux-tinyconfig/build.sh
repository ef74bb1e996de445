#!/bin/sh
# Build script of the linux-tinyconfig profile (see README.md).
#
# Builds, in $WAYFINDER_BUILD_DIR, a Linux kernel from the source tree
# that setup.sh unpacked into the cache directory: `make tinyconfig`, then
# base.config (what the guest needs to boot at all), then the build
# parameters, then `make bzImage`, with the profile's static init built
# into its initramfs. It leaves there
#   bzImage         the kernel the test boots,
#   config          its final .config,
#   kernel-metrics  the build's figures as results-file lines
#                   (bzimage_bytes, vmlinux_bytes, initramfs_bytes),
#                   which test.sh copies into every run's results,
# and removes the object tree (LINUX_TINYCONFIG_KEEP_OBJ=1 keeps it, in
# obj/).
#
# The boolean parameters arrive as Wayfinder's Kconfig fragment
# (wayfinder.config, `kconfig:` in the spec). The parameters that pick
# one option of a Kconfig choice (KERNEL_COMPRESSION,
# INITRAMFS_COMPRESSION, PREEMPT_MODEL, TIMER_HZ, SLAB_ALLOCATOR) are strings, which the
# fragment can only write as CONFIG_NAME="value": those lines are dropped
# and this script writes the choice's options instead. Every option asked
# for is then checked in the final .config, so that one that a missing
# dependency dropped fails the build instead of measuring the wrong
# kernel.
#
# LINUX_TINYCONFIG_CACHE names the cache directory (see setup.sh);
# LINUX_TINYCONFIG_CCACHE=0 builds without ccache.
set -eu

die() {
	printf 'build.sh: %s\n' "$*" >&2
	exit 1
}

spec_dir=${WAYFINDER_SPEC_DIR:?WAYFINDER_SPEC_DIR is not set}
build_dir=${WAYFINDER_BUILD_DIR:?WAYFINDER_BUILD_DIR is not set}
if [ "$(id -u)" -eq 0 ]; then
	cache=${LINUX_TINYCONFIG_CACHE:-/var/cache/wayfinder/linux-tinyconfig}
else
	cache=${LINUX_TINYCONFIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wayfinder/linux-tinyconfig}
fi
src=$cache/linux
[ -f "$src/Makefile" ] ||
	die "no kernel source in $src: run profiles/linux-tinyconfig/setup.sh once"
for f in base.config init.c; do
	[ -f "$spec_dir/$f" ] || die "no $f in '$spec_dir'"
done
[ -f "$build_dir/wayfinder.config" ] ||
	die "no wayfinder.config in the build directory (the spec's kconfig:)"

# Choices: the option of each, checked against the values the spec allows.
upper() {
	printf '%s' "$1" | tr '[:lower:]' '[:upper:]'
}
case ${KERNEL_COMPRESSION:-} in
gzip | bzip2 | lzma | xz | lzo | lz4 | zstd) ;;
*) die "bad KERNEL_COMPRESSION '${KERNEL_COMPRESSION:-}'" ;;
esac
case ${INITRAMFS_COMPRESSION:-} in
none | gzip | bzip2 | lzma | xz | lzo | lz4 | zstd) ;;
*) die "bad INITRAMFS_COMPRESSION '${INITRAMFS_COMPRESSION:-}'" ;;
esac
case ${PREEMPT_MODEL:-} in
none) preempt=PREEMPT_NONE ;;
voluntary) preempt=PREEMPT_VOLUNTARY ;;
full) preempt=PREEMPT ;;
*) die "bad PREEMPT_MODEL '${PREEMPT_MODEL:-}'" ;;
esac
case ${TIMER_HZ:-} in
100 | 250 | 300 | 1000) ;;
*) die "bad TIMER_HZ '${TIMER_HZ:-}'" ;;
esac
case ${SLAB_ALLOCATOR:-} in
slob | slub | slab) ;;
*) die "bad SLAB_ALLOCATOR '${SLAB_ALLOCATOR:-}'" ;;
esac

jobs=${WAYFINDER_TOTAL_CORES:-1}
cc=gcc
if [ "${LINUX_TINYCONFIG_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1 &&
	mkdir -p "$cache/ccache" 2>/dev/null && [ -w "$cache/ccache" ]; then
	cc="ccache gcc"
	export CCACHE_DIR="${CCACHE_DIR:-$cache/ccache}"
	# The object tree's path differs from build to build: hash relative
	# to it, so that a rebuild of the same configuration hits.
	export CCACHE_BASEDIR="$build_dir"
fi
obj=$build_dir/obj
# The same configuration makes the same bzImage: no date, user or host in
# it.
kmake() {
	make -s -C "$src" O="$obj" ARCH=x86_64 "CC=$cc" \
		KBUILD_BUILD_TIMESTAMP='1970-01-01' KBUILD_BUILD_USER=wayfinder \
		KBUILD_BUILD_HOST=wayfinder "$@"
}

cd "$build_dir"

# The guest's user space: one static program and its console.
gcc -static -Os -s -Wall -Wextra -o init "$spec_dir/init.c"
cat >initramfs.list <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
file /init $build_dir/init 0755 0 0
LIST

mkdir -p "$obj"
kmake tinyconfig >/dev/null

# What this build wants on top of tinyconfig, in order: base.config, the
# fragment less its choice lines, the choices.
{
	cat "$spec_dir/base.config"
	grep -v -E '^CONFIG_(KERNEL_COMPRESSION|INITRAMFS_COMPRESSION|PREEMPT_MODEL|TIMER_HZ|SLAB_ALLOCATOR)=' \
		wayfinder.config
	for c in GZIP BZIP2 LZMA XZ LZO LZ4 ZSTD; do
		if [ "$c" = "$(upper "$KERNEL_COMPRESSION")" ]; then
			echo "CONFIG_KERNEL_$c=y"
		else
			echo "# CONFIG_KERNEL_$c is not set"
		fi
	done
	echo "CONFIG_INITRAMFS_SOURCE=\"$build_dir/initramfs.list\""
	# Only the decompressor of the initramfs: each one costs size.
	for c in GZIP BZIP2 LZMA XZ LZO LZ4 ZSTD; do
		if [ "$c" = "$(upper "$INITRAMFS_COMPRESSION")" ]; then
			echo "CONFIG_RD_$c=y"
		else
			echo "# CONFIG_RD_$c is not set"
		fi
	done
	echo "CONFIG_INITRAMFS_COMPRESSION_$(upper "$INITRAMFS_COMPRESSION")=y"
	for p in PREEMPT_NONE PREEMPT_VOLUNTARY PREEMPT; do
		if [ "$p" = "$preempt" ]; then
			echo "CONFIG_$p=y"
		else
			echo "# CONFIG_$p is not set"
		fi
	done
	for h in 100 250 300 1000; do
		if [ "$h" = "$TIMER_HZ" ]; then
			echo "CONFIG_HZ_$h=y"
		else
			echo "# CONFIG_HZ_$h is not set"
		fi
	done
	for a in SLOB SLUB SLAB; do
		if [ "$a" = "$(upper "$SLAB_ALLOCATOR")" ]; then
			echo "CONFIG_$a=y"
		else
			echo "# CONFIG_$a is not set"
		fi
	done
	# The optimisation choice has two options: the fragment sets one.
	case ${CC_OPTIMIZE_FOR_SIZE:-} in
	true) echo "# CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE is not set" ;;
	false) echo "CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE=y" ;;
	*) die "bad CC_OPTIMIZE_FOR_SIZE '${CC_OPTIMIZE_FOR_SIZE:-}'" ;;
	esac
} >wanted.config

"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
	wanted.config >merge.log 2>&1 || {
	cat merge.log >&2
	die "merge_config.sh failed"
}
kmake olddefconfig >/dev/null

# Every option asked for must be in the final configuration.
missing=$(awk '
	NR == FNR { have[$0] = 1; if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) { split($0, kv, "="); on[kv[1]] = 1 }; next }
	/^CONFIG_[A-Za-z0-9_]+=/ { if (!($0 in have)) print; next }
	/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { if ($2 in on) print }
' "$obj/.config" wanted.config)
if [ -n "$missing" ]; then
	printf 'build.sh: not in the final .config (a dependency missing?):\n%s\n' \
		"$missing" >&2
	exit 1
fi

kmake -j"$jobs" bzImage
cp "$obj/arch/x86/boot/bzImage" bzImage
cp "$obj/.config" config

# The figures of the build, as results-file lines for test.sh: the size
# of bzImage (what a boot loader reads), of the kernel once loaded (text,
# data and bss of vmlinux), and of the compressed initramfs inside.
bzimage=$(wc -c <bzImage)
vmlinux=$(size "$obj/vmlinux" | awk 'NR == 2 { print $4 }')
initramfs=$(wc -c <"$obj/usr/initramfs_inc_data")
{
	echo "bzimage_bytes $bzimage"
	echo "vmlinux_bytes $vmlinux"
	echo "initramfs_bytes $initramfs"
} >kernel-metrics
[ -n "${LINUX_TINYCONFIG_KEEP_OBJ:-}" ] || rm -rf "$obj"
printf 'build.sh: Linux %s, bzImage %s bytes (vmlinux %s, initramfs %s), %s\n' \
	"$(sed -n 's/^# Linux\/[^ ]* \([^ ]*\) Kernel Configuration$/\1/p' config)" \
	"$bzimage" "$vmlinux" "$initramfs" "$(tr '\n' ' ' <wayfinder.config)"
