#!/bin/sh
# Set-up of the linux-tinyconfig profile, run once before its first run:
# installs the Debian packages listed in `packages` beside this script
# (the kernel source, the tools a kernel build needs, the compressors of
# every compression the spec tries, ccache and QEMU) with apt-get, using
# sudo when not run as root, then unpacks the kernel source tarball into
# the cache directory, outside the source tree and the state directory,
# where every build of the profile reads it.
#
# The cache directory is $LINUX_TINYCONFIG_CACHE, by default
# /var/cache/wayfinder/linux-tinyconfig for root and
# ${XDG_CACHE_HOME:-$HOME/.cache}/wayfinder/linux-tinyconfig for others.
# It ends up holding linux-source-VERSION/ (the unpacked tree, about
# 1.3 GB), `linux`, a symbolic link to it that build.sh follows, and
# ccache/, the compiler cache of the builds. Unpacking is skipped when
# the tree is there already; `setup.sh --no-install` only unpacks.
set -eu

die() {
	printf 'setup.sh: %s\n' "$*" >&2
	exit 1
}

here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -eq 0 ]; then
	cache=${LINUX_TINYCONFIG_CACHE:-/var/cache/wayfinder/linux-tinyconfig}
else
	cache=${LINUX_TINYCONFIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wayfinder/linux-tinyconfig}
fi

if [ "${1:-}" != --no-install ]; then
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q
	# shellcheck disable=SC2046 # one package a word
	$sudo apt-get install -y -q --no-install-recommends $(cat "$here/packages")
fi
for prog in make gcc bc bison flex cpio xz bzip2 lzop lz4 zstd qemu-system-x86_64; do
	command -v "$prog" >/dev/null 2>&1 || die "$prog is still missing"
done

# The newest kernel source tarball that linux-source installed.
tarball=
for f in /usr/src/linux-source-*.tar.xz; do
	[ -f "$f" ] && tarball=$f
done
[ -n "$tarball" ] || die "no /usr/src/linux-source-*.tar.xz (is linux-source installed?)"
tree=$(basename "$tarball" .tar.xz)

mkdir -p "$cache/ccache"
if [ -f "$cache/.$tree.unpacked" ]; then
	echo "setup.sh: $cache/$tree is unpacked already"
else
	# Unpacked in a scratch directory then renamed, so that an
	# interrupted set-up never leaves a half tree that looks whole.
	rm -rf "${cache:?}/$tree" "$cache/.unpack" "$cache/.$tree.unpacked"
	mkdir "$cache/.unpack"
	echo "setup.sh: unpacking $tarball into $cache (about a minute)"
	xz -dc "$tarball" | tar -x -C "$cache/.unpack" -f -
	[ -f "$cache/.unpack/$tree/Makefile" ] ||
		die "$tarball does not hold $tree/Makefile"
	mv "$cache/.unpack/$tree" "$cache/$tree"
	rmdir "$cache/.unpack"
	: >"$cache/.$tree.unpacked"
fi
ln -sfn "$tree" "$cache/linux"
version=$(make -s -C "$cache/linux" kernelversion 2>/dev/null) ||
	die "cannot read the kernel version of $cache/linux"
echo "setup.sh: Linux $version source in $cache/linux"
