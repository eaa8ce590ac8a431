#!/usr/bin/env bats
# scripts/99-cleanup.sh
# shellcheck disable=SC2016 # stub bodies and patterns are single-quoted on purpose: they expand later

load test_helper

setup() {
	common_setup
	put etc/passwd <<-'EOF2'
		root:x:0:0:root:/root:/bin/bash
		daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
		svc:x:998:998::/var/lib/svc:/bin/sh
		packer:x:1000:1000:Packer build user:/home/packer:/bin/bash
		emptypw:x:1001:1001::/home/emptypw:/bin/bash
	EOF2
	put etc/shadow <<-'EOF2'
		root:*:19800:0:99999:7:::
		daemon:*:19800:0:99999:7:::
		svc:$y$j9T$abc$defghijklmnopqrstuvwxyz0123456789ABCDE:19800:0:99999:7:::
		packer:$6$salt$hashhashhash:19800:0:99999:7:::
		emptypw::19800:0:99999:7:::
	EOF2
	cp "$IMAGE_ROOT/etc/shadow" "$IMAGE_ROOT/etc/shadow-"
	cp "$IMAGE_ROOT/etc/passwd" "$IMAGE_ROOT/etc/passwd-"
	mkdir -p "$IMAGE_ROOT/home/packer/.ssh" "$IMAGE_ROOT/home/emptypw"
	echo "ssh-ed25519 AAAA packer" >"$IMAGE_ROOT/home/packer/.ssh/authorized_keys"
	echo 'packer ALL=(ALL) NOPASSWD:ALL' | put etc/sudoers.d/90-cloud-init-users
	echo 'Defaults:packer !requiretty' | put etc/sudoers.d/10-packer-build
	echo '%ops ALL=(ALL) ALL' | put etc/sudoers.d/20-ops
	printf '# Files in this directory are read by sudo, e.g. from a packer build.\n' | put etc/sudoers.d/README
	echo 3f5d1c0a2b7e4c6d8e9f0a1b2c3d4e5f | put etc/machine-id
	echo 3f5d1c0a2b7e4c6d8e9f0a1b2c3d4e5f | put var/lib/dbus/machine-id
	echo key | put etc/ssh/ssh_host_ed25519_key
	echo key | put etc/ssh/ssh_host_ed25519_key.pub
	echo key | put etc/ssh/ssh_host_rsa_key
	echo 'PasswordAuthentication no' | put etc/ssh/sshd_config
	echo seed | put var/lib/systemd/random-seed
	echo lease | put var/lib/dhcp/dhclient.ens3.leases
	echo '0 * * * * true' | put var/spool/cron/crontabs/packer
	echo 'Package: x' | put var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages
	echo cache | put var/cache/apt/pkgcache.bin
	echo 'log line' | put var/log/syslog
	echo 'old' | put var/log/syslog.1
	echo 'gz' | put var/log/apt/history.log.2.gz
	echo 'apt' | put var/log/apt/history.log
	echo 'journal' | put var/log/journal/3f5d1c0a2b7e4c6d8e9f0a1b2c3d4e5f/system.journal
	echo 'wtmp' | put var/log/wtmp
	chmod 0664 "$IMAGE_ROOT/var/log/wtmp"
	echo 'ls' | put root/.bash_history
	echo 'print(1)' | put root/.python_history
	echo 'ls' | put home/emptypw/.bash_history
	echo x | put tmp/packer-shell-123
	mkdir -p "$IMAGE_ROOT/tmp/.X11-unix" "$IMAGE_ROOT/var/tmp/dir"
	echo y | put var/tmp/dir/file
	# userdel removes the account and, with -r, its home (like the real one run with --root).
	stub userdel '
		user=${*: -1}
		sed -i "/^$user:/d" "$IMAGE_ROOT/etc/passwd" "$IMAGE_ROOT/etc/shadow"
		rm -rf "$IMAGE_ROOT/home/$user"'
	# cloud-init 22.4 (Debian 12): clean knows --machine-id.
	stub cloud-init '
		if [[ " $* " == *" --machine-id "* ]]; then
			rm -f "$IMAGE_ROOT/etc/machine-id"
		fi'
}

# An older cloud-init: argparse rejects --machine-id with exit 2.
stub_old_cloud_init() {
	stub cloud-init '
		if [[ " $* " == *" --machine-id "* ]]; then
			echo "usage: cloud-init [-h] [--version] [--file FILES] [--debug] [--force] {init,modules,clean} ..." >&2
			echo "cloud-init: error: unrecognized arguments: --machine-id" >&2
			exit 2
		fi'
}

@test "99: removes the build user with userdel -f -r (works while its session runs), home gone" {
	run_script 99-cleanup.sh
	assert_status 0
	assert_called "userdel -f -r --root $IMAGE_ROOT packer"
	[[ ! -e $IMAGE_ROOT/home/packer ]] || fail_with "home still there"
	[[ ! -e $IMAGE_ROOT/var/spool/cron/crontabs/packer ]] || fail_with "crontab still there"
	! grep -q '^packer:' "$IMAGE_ROOT/etc/passwd" "$IMAGE_ROOT/etc/passwd-" || fail_with "packer still in passwd or its backup"
}

@test "99: sudoers drop-ins of the build user go, other drop-ins stay" {
	run_script 99-cleanup.sh
	assert_status 0
	[[ ! -e $IMAGE_ROOT/etc/sudoers.d/90-cloud-init-users ]] || fail_with "90-cloud-init-users still there"
	[[ ! -e $IMAGE_ROOT/etc/sudoers.d/10-packer-build ]] || fail_with "10-packer-build still there"
	[[ -e $IMAGE_ROOT/etc/sudoers.d/20-ops ]] || fail_with "20-ops removed"
	[[ -e $IMAGE_ROOT/etc/sudoers.d/README ]] || fail_with "README removed (it only mentions packer in a comment)"
}

@test "99: every account with a password hash or an empty password is locked, backups replaced" {
	run_script 99-cleanup.sh
	assert_status 0
	assert_file_content "$IMAGE_ROOT/etc/shadow" <<-'EOF2'
		root:*:19800:0:99999:7:::
		daemon:*:19800:0:99999:7:::
		svc:!$y$j9T$abc$defghijklmnopqrstuvwxyz0123456789ABCDE:19800:0:99999:7:::
		emptypw:!:19800:0:99999:7:::
	EOF2
	cmp -s "$IMAGE_ROOT/etc/shadow" "$IMAGE_ROOT/etc/shadow-" || fail_with "/etc/shadow- still holds the old hashes"
	assert_output_contains "locked the password of: svc emptypw"
}

@test "99: cloud-init clean --logs --machine-id, then an empty /etc/machine-id and no dbus machine-id" {
	run_script 99-cleanup.sh
	assert_status 0
	assert_called 'cloud-init clean --logs --machine-id'
	[[ -f $IMAGE_ROOT/etc/machine-id && ! -s $IMAGE_ROOT/etc/machine-id ]] || fail_with "/etc/machine-id not an empty file"
	[[ $(stat -c %a "$IMAGE_ROOT/etc/machine-id") == 444 ]] || fail_with "machine-id mode not 0444"
	[[ ! -e $IMAGE_ROOT/var/lib/dbus/machine-id ]] || fail_with "dbus machine-id still there"
}

@test "99: cloud-init is started once for the clean (no --help probe first: each start costs seconds under TCG)" {
	run_script 99-cleanup.sh
	assert_status 0
	[[ $(call_count 'cloud-init .*') -eq 1 ]] || fail_with "cloud-init started $(call_count 'cloud-init .*') times"
}

@test "99: an older cloud-init that rejects --machine-id: clean --logs, machine-id emptied by hand" {
	stub_old_cloud_init
	run_script 99-cleanup.sh
	assert_status 0
	assert_called 'cloud-init clean --logs'
	assert_output_contains "cloud-init clean has no --machine-id here"
	refute_output_contains "unrecognized arguments"
	[[ -f $IMAGE_ROOT/etc/machine-id && ! -s $IMAGE_ROOT/etc/machine-id ]] || fail_with "/etc/machine-id not emptied"
}

@test "99: cloud-init clean failing for another reason stops the cleanup with its message (machine not powered off)" {
	stub cloud-init 'echo "ERROR: Could not remove /var/lib/cloud/instances: Permission denied" >&2; exit 1'
	run_script 99-cleanup.sh POWEROFF=1
	assert_status 1
	assert_output_contains "Could not remove /var/lib/cloud/instances"
	assert_output_contains "error: cloud-init clean --logs --machine-id failed with exit code 1"
	refute_called 'systemctl poweroff'
}

@test "99: SSH host keys, random seed and DHCP leases removed; sshd_config kept" {
	run_script 99-cleanup.sh
	assert_status 0
	run find "$IMAGE_ROOT/etc/ssh" -name 'ssh_host_*'
	[[ -z $output ]] || fail_with "host keys left: $output"
	[[ -f $IMAGE_ROOT/etc/ssh/sshd_config ]] || fail_with "sshd_config removed"
	[[ ! -e $IMAGE_ROOT/var/lib/systemd/random-seed && ! -e $IMAGE_ROOT/var/lib/dhcp/dhclient.ens3.leases ]] || fail_with "seed or lease left"
	[[ ! -e $IMAGE_ROOT/etc/systemd/system/regenerate-ssh-host-keys.service ]] || fail_with "fallback unit installed although cloud-init is there"
}

@test "99: without cloud-init a one-shot unit regenerates the SSH host keys at first boot" {
	unstub cloud-init
	run_script 99-cleanup.sh
	assert_status 0
	grep -qx 'ExecStart=/usr/bin/ssh-keygen -A' "$IMAGE_ROOT/etc/systemd/system/regenerate-ssh-host-keys.service"
	[[ -L $IMAGE_ROOT/etc/systemd/system/multi-user.target.wants/regenerate-ssh-host-keys.service ]] || fail_with "unit not enabled"
	[[ -f $IMAGE_ROOT/etc/machine-id && ! -s $IMAGE_ROOT/etc/machine-id ]] || fail_with "/etc/machine-id not emptied"
}

@test "99: apt caches and lists, shell histories removed" {
	run_script 99-cleanup.sh
	assert_status 0
	assert_called 'apt-get clean'
	[[ -z $(find "$IMAGE_ROOT/var/lib/apt/lists" -mindepth 1 ! -name partial) ]] || fail_with "apt lists left"
	[[ -d $IMAGE_ROOT/var/lib/apt/lists/partial ]] || fail_with "lists/partial missing"
	[[ ! -e $IMAGE_ROOT/var/cache/apt/pkgcache.bin ]] || fail_with "pkgcache.bin left"
	[[ ! -e $IMAGE_ROOT/root/.bash_history && ! -e $IMAGE_ROOT/root/.python_history && ! -e $IMAGE_ROOT/home/emptypw/.bash_history ]] ||
		fail_with "history left"
}

@test "99: logs truncated (modes kept), rotated and journal files removed, journal dir kept" {
	run_script 99-cleanup.sh
	assert_status 0
	[[ -f $IMAGE_ROOT/var/log/syslog && ! -s $IMAGE_ROOT/var/log/syslog ]] || fail_with "syslog not truncated"
	[[ -f $IMAGE_ROOT/var/log/apt/history.log && ! -s $IMAGE_ROOT/var/log/apt/history.log ]] || fail_with "apt log not truncated"
	[[ $(stat -c %a "$IMAGE_ROOT/var/log/wtmp") == 664 && ! -s $IMAGE_ROOT/var/log/wtmp ]] || fail_with "wtmp not truncated in place"
	[[ ! -e $IMAGE_ROOT/var/log/syslog.1 && ! -e $IMAGE_ROOT/var/log/apt/history.log.2.gz ]] || fail_with "rotated logs left"
	[[ -d $IMAGE_ROOT/var/log/journal ]] || fail_with "/var/log/journal removed"
	[[ -z $(ls -A "$IMAGE_ROOT/var/log/journal") ]] || fail_with "journal files left"
}

@test "99: /tmp and /var/tmp emptied, the directories themselves kept" {
	run_script 99-cleanup.sh
	assert_status 0
	[[ -d $IMAGE_ROOT/tmp && -z $(ls -A "$IMAGE_ROOT/tmp") ]] || fail_with "/tmp not empty"
	[[ -d $IMAGE_ROOT/var/tmp && -z $(ls -A "$IMAGE_ROOT/var/tmp") ]] || fail_with "/var/tmp not empty"
}

@test "99: Packer's shutdown command - the script in /var/tmp deletes itself, finishes, powers off" {
	cp "$SCRIPTS_DIR/99-cleanup.sh" "$IMAGE_ROOT/var/tmp/99-cleanup.sh"
	run env PATH="$STUB_BIN:$SYSBIN" BUILD_USER=packer POWEROFF=1 bash "$IMAGE_ROOT/var/tmp/99-cleanup.sh"
	assert_status 0
	[[ ! -e $IMAGE_ROOT/var/tmp/99-cleanup.sh ]] || fail_with "script not removed"
	assert_output_contains "image generalised"
	[[ $(tail -n 2 "$STUB_LOG" | tr '\n' '|') == "sync |systemctl poweroff|" ]] || fail_with "expected sync then systemctl poweroff last"
}

@test "99: POWEROFF=1 falls back to shutdown -P now; without POWEROFF nothing powers off" {
	stub systemctl 'exit 1'
	run_script 99-cleanup.sh POWEROFF=1
	assert_status 0
	assert_called 'shutdown -P now'

	: >"$STUB_LOG"
	run_script 99-cleanup.sh
	assert_status 0
	refute_called 'systemctl poweroff|shutdown .*'
}

@test "99: idempotent - second run: user already gone, nothing more changes" {
	run_script 99-cleanup.sh
	assert_status 0
	before=$(snapshot "$IMAGE_ROOT")
	: >"$STUB_LOG"
	run_script 99-cleanup.sh
	assert_status 0
	assert_output_contains "build user packer is not present (already removed)"
	refute_called 'userdel .*'
	refute_output_contains "locked the password"
	[[ $(snapshot "$IMAGE_ROOT") == "$before" ]] || fail_with "the second run changed files"
}

@test "99: a userdel failure stops the cleanup without powering off" {
	stub userdel 'exit 1'
	run_script 99-cleanup.sh POWEROFF=1
	assert_status 1
	assert_output_contains "error: userdel -f -r packer failed with exit code 1"
	refute_called 'systemctl poweroff|shutdown .*'
}

@test "99: userdel unable to remove the home (exit 12) only warns; the home is removed here" {
	stub userdel 'sed -i "/^packer:/d" "$IMAGE_ROOT/etc/passwd"; exit 12'
	run_script 99-cleanup.sh
	assert_status 0
	assert_output_contains "warning: userdel could not remove the home directory of packer"
	[[ ! -e $IMAGE_ROOT/home/packer ]] || fail_with "home still there"
}

@test "99: BUILD_USER names another user" {
	run_script 99-cleanup.sh BUILD_USER=svc
	assert_status 0
	assert_called "userdel -f -r --root $IMAGE_ROOT svc"
	grep -q '^packer:' "$IMAGE_ROOT/etc/passwd" || fail_with "packer removed although BUILD_USER=svc"
}

@test "99: invalid settings are usage errors and change nothing" {
	before=$(snapshot "$IMAGE_ROOT")
	run_script 99-cleanup.sh BUILD_USER=root
	assert_status 64
	assert_output_contains "error: BUILD_USER must not be root"
	run_script 99-cleanup.sh BUILD_USER='pack er'
	assert_status 64
	assert_output_contains "error: BUILD_USER 'pack er' is not a valid user name"
	run_script 99-cleanup.sh POWEROFF=yes
	assert_status 64
	assert_output_contains "error: POWEROFF 'yes' must be 0 or 1"
	[[ $(snapshot "$IMAGE_ROOT") == "$before" ]] || fail_with "files changed"
	refute_called '.*'
}

@test "99: with the real userdel (run as root) the build user and its home are removed from the fake root" {
	real_userdel=$(PATH=/usr/sbin:/sbin:$PATH command -v userdel || true)
	[[ -n $real_userdel && $EUID -eq 0 ]] || skip "needs root and the real userdel"
	printf 'root:x:0:\npacker:x:1000:\nsudo:x:27:packer\n' | put etc/group
	printf 'root:*::\npacker:!::\nsudo:*::packer\n' | put etc/gshadow
	ln -sf "$real_userdel" "$STUB_BIN/userdel"
	run_script 99-cleanup.sh
	assert_status 0
	! grep -q '^packer:' "$IMAGE_ROOT/etc/passwd" "$IMAGE_ROOT/etc/shadow" || fail_with "packer still in passwd/shadow"
	grep -qx 'sudo:x:27:' "$IMAGE_ROOT/etc/group" || fail_with "packer still in the sudo group"
	[[ ! -e $IMAGE_ROOT/home/packer ]] || fail_with "home still there"
	# and a second run, with the user gone, still succeeds
	run_script 99-cleanup.sh
	assert_status 0
}
