#!/usr/bin/env bash
# 99-cleanup.sh - generalise the image so every instance booted from it starts as a new machine,
# then (optionally) power it off.
#
# Packer runs it as its shutdown command, from the build user's own SSH session:
#   sudo -n env BUILD_USER=packer POWEROFF=1 bash /var/tmp/99-cleanup.sh
# so the build user deletes itself while logged in (userdel -f allows that; the running session,
# sudo and this bash keep working on open files) and the machine powers off at the end.
#
# What it does, in this order
#   1. Removes BUILD_USER (userdel -f -r; skipped when the user is already gone), its crontab and
#      its sudoers drop-ins (/etc/sudoers.d/90-cloud-init-users and any drop-in naming the user).
#   2. Locks every account that still has a password hash (or an empty password) in /etc/shadow,
#      and replaces the /etc/{passwd,shadow,group,gshadow}- backups with the cleaned files.
#   3. cloud-init clean --logs --machine-id (only --logs when the installed cloud-init rejects
#      --machine-id), then empties /etc/machine-id (kept as an empty file: systemd generates a
#      new id at first boot) and removes /var/lib/dbus/machine-id.
#   4. Removes the SSH host keys (cloud-init generates new ones at first boot; without cloud-init a
#      one-shot unit running ssh-keygen -A is installed), the systemd random seed, DHCP leases.
#   5. apt caches and package lists; shell histories of root and every user; logs under /var/log
#      (files truncated, rotated/compressed ones and the journal removed).
#   6. Last: the contents of /tmp and /var/tmp (this script may live there; bash keeps it open).
#   7. sync; with POWEROFF=1: systemctl poweroff (fallback: shutdown -P now).
#   Idempotent: a second run finds nothing left to remove and succeeds.
#
# Environment (all optional)
#   BUILD_USER  packer  account Packer logged in with; removed with its home directory
#   POWEROFF    0       1 = power off at the end (Packer's shutdown command sets it)
#   IMAGE_ROOT  ""      prefix for every file path (tests point it at a fake root; empty = /)
#
# Exit codes
#   0   success (with POWEROFF=1 the machine is powering off)
#   1   a cleanup step failed (the image is not generalised; the machine is NOT powered off, so
#       Packer's shutdown_timeout expires and the build fails)
#   64  usage error: an environment variable has an invalid value
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
readonly SCRIPT_NAME="99-cleanup"
ROOT="${IMAGE_ROOT:-}"
BUILD_USER="${BUILD_USER:-packer}"
POWEROFF="${POWEROFF:-0}"

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
	local rc=$1
	shift
	printf 'error: %s\n' "$*" >&2
	exit "$rc"
}

# --- validate inputs up front -------------------------------------------------------------
[[ $BUILD_USER =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] ||
	die 64 "BUILD_USER '$BUILD_USER' is not a valid user name"
[[ $BUILD_USER != root ]] || die 64 "BUILD_USER must not be root"
[[ $POWEROFF =~ ^[01]$ ]] || die 64 "POWEROFF '$POWEROFF' must be 0 or 1"
[[ -z $ROOT || -d $ROOT ]] || die 64 "IMAGE_ROOT '$ROOT' is not a directory"

# --- 1. the build user -----------------------------------------------------------------------
user_home=$(awk -F: -v u="$BUILD_USER" '$1 == u { print $6; exit }' "$ROOT/etc/passwd" 2>/dev/null || true)
if grep -q "^${BUILD_USER}:" "$ROOT/etc/passwd" 2>/dev/null; then
	log "removing build user $BUILD_USER (home ${user_home:-none})"
	userdel_args=(-f -r)
	[[ -n $ROOT ]] && userdel_args+=(--root "$ROOT")
	userdel_rc=0
	# -f: remove it although its SSH session (the one running us) is still open.
	userdel "${userdel_args[@]}" "$BUILD_USER" || userdel_rc=$?
	case $userdel_rc in
	0 | 6) ;; # 6: already gone
	12) warn "userdel could not remove the home directory of $BUILD_USER; removing it here" ;;
	*) die 1 "userdel -f -r $BUILD_USER failed with exit code $userdel_rc" ;;
	esac
	if [[ $user_home == /home/?* && -d $ROOT$user_home ]]; then
		rm -rf -- "$ROOT$user_home"
	fi
else
	log "build user $BUILD_USER is not present (already removed)"
fi
rm -f -- "$ROOT/var/spool/cron/crontabs/$BUILD_USER"

# cloud-init writes the default/build user's NOPASSWD rule here; it is recreated at first boot
# for the instance's own default user.
rm -f -- "$ROOT/etc/sudoers.d/90-cloud-init-users"
for file in "$ROOT"/etc/sudoers.d/*; do
	[[ -f $file ]] || continue
	# a non-comment line naming the user as a whole word
	if grep -Eq "^[^#]*(^|[^[:alnum:]_.-])${BUILD_USER}([^[:alnum:]_.-]|\$)" "$file"; then
		rm -f -- "$file"
		log "removed sudoers drop-in ${file#"$ROOT"} (names $BUILD_USER)"
	fi
done

# --- 2. passwords ----------------------------------------------------------------------------
shadow="$ROOT/etc/shadow"
if [[ -f $shadow ]]; then
	# Field 2 is a hash unless empty or starting with ! (locked) or * (no password).
	mapfile -t to_lock < <(awk -F: 'NF >= 2 && $2 !~ /^[!*]/ { print $1 }' "$shadow")
	if ((${#to_lock[@]} > 0)); then
		tmp=$(mktemp "${TMPDIR:-/tmp}/gpu-image.XXXXXX")
		awk -F: 'BEGIN { OFS = ":" } NF >= 2 && $2 !~ /^[!*]/ { $2 = "!" $2 } { print }' "$shadow" >"$tmp"
		cat "$tmp" >"$shadow" # rewrite in place: keeps owner, group and mode of /etc/shadow
		rm -f "$tmp"
		log "locked the password of: ${to_lock[*]}"
	fi
fi
# The "-" backups still hold the build user and the hashes from before.
for db in passwd shadow group gshadow; do
	if [[ -f $ROOT/etc/$db- && -f $ROOT/etc/$db ]] && ! cmp -s "$ROOT/etc/$db" "$ROOT/etc/$db-"; then
		cp -p "$ROOT/etc/$db" "$ROOT/etc/$db-"
	fi
done

# --- 3. cloud-init and machine-id ------------------------------------------------------------
if command -v cloud-init >/dev/null 2>&1; then
	# --machine-id is newer than some cloud-inits, which reject it as a usage error (argparse: exit 2,
	# "unrecognized arguments"). Trying it first costs nothing where it works; asking --help first
	# would cost a second cloud-init start, several seconds under emulation.
	clean_rc=0
	clean_err=$(cloud-init clean --logs --machine-id 2>&1 >/dev/null) || clean_rc=$?
	if ((clean_rc == 2)) && grep -q -- 'unrecognized arguments.*--machine-id' <<<"$clean_err"; then
		log "cloud-init clean has no --machine-id here; cleaning logs and the machine-id separately"
		cloud-init clean --logs
	else
		[[ -z $clean_err ]] || printf '%s\n' "$clean_err" >&2
		((clean_rc == 0)) || die 1 "cloud-init clean --logs --machine-id failed with exit code $clean_rc"
	fi
else
	log "cloud-init is not installed; nothing to clean for it"
fi
# After cloud-init clean, which removes the file or writes "uninitialized" depending on its
# version: the image ships an empty /etc/machine-id, and systemd generates a new id at first boot.
: >"$ROOT/etc/machine-id"
chmod 0444 "$ROOT/etc/machine-id"
rm -f -- "$ROOT/var/lib/dbus/machine-id"

# --- 4. host identity ------------------------------------------------------------------------
rm -f -- "$ROOT"/etc/ssh/ssh_host_*
if ! command -v cloud-init >/dev/null 2>&1; then
	# Nothing else would create host keys before sshd starts on first boot.
	unit="$ROOT/etc/systemd/system/regenerate-ssh-host-keys.service"
	if [[ ! -f $unit ]]; then
		mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
		cat >"$unit" <<'UNIT'
[Unit]
Description=Generate SSH host keys missing from a generalised image (gpu-image-builder)
Before=ssh.service sshd.service
ConditionPathExistsGlob=!/etc/ssh/ssh_host_*_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
		ln -sf ../regenerate-ssh-host-keys.service "$ROOT/etc/systemd/system/multi-user.target.wants/regenerate-ssh-host-keys.service"
		log "installed regenerate-ssh-host-keys.service (no cloud-init to create host keys)"
	fi
fi
rm -f -- "$ROOT/var/lib/systemd/random-seed"
rm -f -- "$ROOT"/var/lib/dhcp/*.leases

# --- 5. caches, histories, logs -------------------------------------------------------------
apt-get clean
rm -rf -- "$ROOT"/var/lib/apt/lists/*
mkdir -p "$ROOT/var/lib/apt/lists/partial"
rm -f -- "$ROOT"/var/cache/apt/*.bin

for home in "$ROOT/root" "$ROOT"/home/*; do
	[[ -d $home ]] || continue
	for history in .bash_history .zsh_history .python_history .lesshst .viminfo .wget-hsts \
		.mysql_history .psql_history .sqlite_history .node_repl_history; do
		rm -f -- "$home/$history"
	done
done

if command -v journalctl >/dev/null 2>&1 && [[ -d $ROOT/run/systemd/system ]]; then
	journalctl --rotate >/dev/null 2>&1 || true
	journalctl --vacuum-time=1s >/dev/null 2>&1 || true
fi
if [[ -d $ROOT/var/log ]]; then
	# Rotated, compressed and journal files go; the others are truncated so their owners and modes
	# (wtmp, btmp, lastlog, ...) stay as the packages set them.
	find "$ROOT/var/log" -type f \( -name '*.gz' -o -name '*.xz' -o -name '*.bz2' -o -name '*.zst' \
		-o -name '*.[0-9]' -o -name '*.[0-9].log' -o -name '*.old' -o -name '*-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]' \
		-o -name '*.journal' -o -name '*.journal~' \) -delete
	find "$ROOT/var/log" -type f -size +0 -exec truncate -s 0 {} +
	if [[ -d $ROOT/var/log/journal ]]; then
		# The per-machine-id directories; /var/log/journal itself stays (persistent journal).
		find "$ROOT/var/log/journal" -mindepth 1 -depth -type d -empty -delete
	fi
fi

# --- 6. temporary directories, last (this script itself may be in /var/tmp) ------------------
for dir in "$ROOT/tmp" "$ROOT/var/tmp"; do
	if [[ -d $dir ]]; then
		find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
	fi
done

# --- 7. done --------------------------------------------------------------------------------
sync
log "image generalised"
if [[ $POWEROFF == 1 ]]; then
	log "powering off"
	systemctl poweroff || shutdown -P now
fi
