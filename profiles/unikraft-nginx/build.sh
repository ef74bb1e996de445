#!/bin/sh
# Build script of the unikraft-nginx profile (see README.md). Not run
# where this profile was written: it needs a Unikraft work tree.
#
# Builds the NGINX unikernel for QEMU/KVM (x86_64) with Unikraft's own
# make, out of tree: the configuration and every object go into
# $WAYFINDER_BUILD_DIR, so builds of different parameters never share a
# file and the Unikraft tree is only read. The configuration is
# base.config, then the build parameters (Wayfinder's Kconfig fragment,
# wayfinder.config, from `kconfig:` in the spec), then the allocator;
# `make olddefconfig` completes it, and every option asked for must be in
# the result. It leaves
#   nginx.img  the unikernel image,
#   rootfs/    the app's file tree (mime.types, html/), to which each
#              test adds its nginx.conf and payload before packing the
#              initramfs,
#   config     the final configuration.
#
# Where Unikraft is (environment, as kraft 0.x laid it out):
#   UK_WORKDIR  default ~/.unikraft
#   UK_ROOT     the core, default $UK_WORKDIR/unikraft
#   UK_LIBS     the libraries, default $UK_WORKDIR/libs (lwip, newlib,
#               pthread-embedded, nginx below it)
#   UNIKRAFT_NGINX_APP     the app, default $UK_WORKDIR/apps/nginx
#   UNIKRAFT_NGINX_ROOTFS  its file tree, default the app's fs0/ (or
#                          rootfs/ in newer apps)
set -eu

die() {
	printf 'build.sh: %s\n' "$*" >&2
	exit 1
}

spec_dir=${WAYFINDER_SPEC_DIR:?WAYFINDER_SPEC_DIR is not set}
build_dir=${WAYFINDER_BUILD_DIR:?WAYFINDER_BUILD_DIR is not set}
workdir=${UK_WORKDIR:-${HOME:-/root}/.unikraft}
uk_root=${UK_ROOT:-$workdir/unikraft}
uk_libs=${UK_LIBS:-$workdir/libs}
app=${UNIKRAFT_NGINX_APP:-$workdir/apps/nginx}
[ -f "$uk_root/Makefile" ] || die "no Unikraft core in '$uk_root' (set UK_ROOT or UK_WORKDIR)"
[ -d "$app" ] || die "no NGINX app in '$app' (set UNIKRAFT_NGINX_APP)"
libs=
for l in pthread-embedded newlib lwip nginx; do
	[ -d "$uk_libs/$l" ] || die "no library '$uk_libs/$l' (set UK_LIBS)"
	libs=${libs:+$libs:}$uk_libs/$l
done
rootfs=${UNIKRAFT_NGINX_ROOTFS:-}
if [ -z "$rootfs" ]; then
	for d in "$app/fs0" "$app/rootfs"; do
		[ -d "$d" ] && rootfs=$d && break
	done
fi
[ -n "$rootfs" ] && [ -d "$rootfs" ] ||
	die "no file tree for NGINX in '$app' (fs0/ or rootfs/; set UNIKRAFT_NGINX_ROOTFS)"
[ -f "$build_dir/wayfinder.config" ] ||
	die "no wayfinder.config in the build directory (the spec's kconfig:)"

# lwIP's allocator is a Kconfig choice of two: the fragment sets
# CONFIG_LWIP_POOLS, and the other option is written here.
case ${LWIP_POOLS:-} in
true) alloc="# CONFIG_LWIP_HEAP is not set" ;;
false) alloc="CONFIG_LWIP_HEAP=y" ;;
*) die "bad LWIP_POOLS '${LWIP_POOLS:-}'" ;;
esac

cd "$build_dir"
{
	cat "$spec_dir/base.config"
	cat wayfinder.config
	echo "$alloc"
} >wanted.config
cp wanted.config uk.config
ukmake() {
	make -C "$uk_root" A="$app" L="$libs" O="$build_dir/build" \
		C="$build_dir/uk.config" "$@"
}
ukmake olddefconfig >/dev/null

# Every option asked for must be in the final configuration.
missing=$(awk '
	NR == FNR { have[$0] = 1; if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) { split($0, kv, "="); on[kv[1]] = 1 }; next }
	/^CONFIG_[A-Za-z0-9_]+=/ { if (!($0 in have)) print; next }
	/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { if ($2 in on) print }
' uk.config wanted.config)
if [ -n "$missing" ]; then
	printf 'build.sh: not in the final configuration (renamed in this Unikraft, or a dependency missing?):\n%s\n' \
		"$missing" >&2
	exit 1
fi

ukmake -j"${WAYFINDER_TOTAL_CORES:-1}"
img=
for f in build/nginx_kvm-x86_64 build/nginx_qemu-x86_64; do
	[ -f "$f" ] && img=$f && break
done
[ -n "$img" ] || die "the build made no build/nginx_kvm-x86_64 (or nginx_qemu-x86_64)"
cp "$img" nginx.img
cp uk.config config
rm -rf rootfs
cp -R "$rootfs" rootfs
printf 'build.sh: built %s (%s bytes): %s\n' "$build_dir/nginx.img" \
	"$(wc -c <nginx.img)" "$(tr '\n' ' ' <wayfinder.config)"
