#!/usr/bin/env bash
# 01-system-update.sh - bring the base image up to date and install the tools the later steps need.
#
# Runs as root inside the image being built (Packer shell provisioner:
#   sudo -n env VAR=... bash 01-system-update.sh).
#
# What it does
#   1. Optionally waits for cloud-init to finish first boot, so its own apt runs do not race ours.
#   2. apt-get update, then a non-interactive dist-upgrade that keeps locally changed config files
#      (--force-confold). dist-upgrade rather than upgrade so a newer kernel is installed too;
#      02-gpu-prerequisites.sh then installs headers for every installed kernel.
#   3. Installs the base tools later steps use: ca-certificates curl gnupg.
#   Running it twice is harmless: the second run finds nothing to upgrade or install.
#
# Environment (all optional)
#   APT_LOCK_TIMEOUT     600  seconds apt waits for the dpkg lock (unattended-upgrades on first boot)
#   WAIT_FOR_CLOUD_INIT  1    1 = run `cloud-init status --wait` first (skipped if cloud-init is absent); 0 = don't
#   IMAGE_ROOT           ""   prefix for every file path (tests point it at a fake root; empty = /)
#
# Exit codes
#   0   success
#   1   a command failed (apt-get, ...)
#   64  usage error: an environment variable has an invalid value
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
readonly SCRIPT_NAME="01-system-update"
APT_LOCK_TIMEOUT="${APT_LOCK_TIMEOUT:-600}"
WAIT_FOR_CLOUD_INIT="${WAIT_FOR_CLOUD_INIT:-1}"

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
	local rc=$1
	shift
	printf 'error: %s\n' "$*" >&2
	exit "$rc"
}

# --- validate inputs up front -------------------------------------------------------------
[[ $APT_LOCK_TIMEOUT =~ ^[0-9]+$ ]] ||
	die 64 "APT_LOCK_TIMEOUT '$APT_LOCK_TIMEOUT' is not a whole number of seconds"
[[ $WAIT_FOR_CLOUD_INIT =~ ^[01]$ ]] ||
	die 64 "WAIT_FOR_CLOUD_INIT '$WAIT_FOR_CLOUD_INIT' must be 0 or 1"

# Every apt-get call: wait for the dpkg lock instead of failing, never prompt, keep our config files.
apt_get() {
	apt-get -y -q \
		-o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold \
		"$@"
}

if [[ $WAIT_FOR_CLOUD_INIT == 1 ]] && command -v cloud-init >/dev/null 2>&1; then
	log "waiting for cloud-init to finish"
	# Exit status 2 means "finished with recoverable errors" on newer cloud-init; that is not ours to fail on.
	cloud-init status --wait >/dev/null || warn "cloud-init status --wait returned $?; continuing"
fi

log "apt-get update"
apt_get update

log "apt-get dist-upgrade (keeping existing configuration files)"
apt_get dist-upgrade

log "installing base tools: ca-certificates curl gnupg"
apt_get install --no-install-recommends ca-certificates curl gnupg

log "done"
