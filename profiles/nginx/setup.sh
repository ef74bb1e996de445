#!/bin/sh
# Set-up of the nginx profile: installs the Debian packages listed in
# `packages` beside this script (nginx and wrk), with apt-get, using sudo
# when not run as root, then checks that the programs test.sh runs are
# there. Run it once before the first run of the profile.
#
# Debian starts and enables its nginx service on installation (port 80 of
# the host); the profile does not use it: each test starts its own nginx
# in the job's network namespace. `systemctl disable --now nginx` stops it
# if it is not wanted.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2046
$sudo apt-get install -y -q --no-install-recommends $(cat "$here/packages")
for prog in nginx wrk taskset; do
	command -v "$prog" >/dev/null 2>&1 || {
		printf 'setup.sh: %s is still missing\n' "$prog" >&2
		exit 1
	}
done
nginx -v
wrk -v 2>&1 | sed -n 1p || true
