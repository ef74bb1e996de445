#!/bin/sh
# Set-up of the redis profile: installs the Debian packages listed in
# `packages` beside this script (redis-server, and redis-tools for
# redis-cli and redis-benchmark), with apt-get, using sudo when not run as
# root, then checks that the programs test.sh runs are there. Run it once
# before the first run of the profile.
#
# Debian starts and enables its redis-server service on installation
# (port 6379 of the host's loopback); the profile does not use it: each
# test starts its own server in the job's network namespace.
# `systemctl disable --now redis-server` stops it if it is not wanted.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2046
$sudo apt-get install -y -q --no-install-recommends $(cat "$here/packages")
for prog in redis-server redis-cli redis-benchmark taskset timeout; do
	command -v "$prog" >/dev/null 2>&1 || {
		printf 'setup.sh: %s is still missing\n' "$prog" >&2
		exit 1
	}
done
redis-server --version
