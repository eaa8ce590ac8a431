#!/usr/bin/env bats
# scripts/01-system-update.sh
# shellcheck disable=SC2016 # stub bodies and patterns are single-quoted on purpose: they expand later

load test_helper

setup() {
	common_setup
	# apt-get also records the DEBIAN_FRONTEND it was called with.
	stub apt-get 'echo "  DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-unset}" >>"$STUB_LOG"'
}

@test "01: update, non-interactive dist-upgrade keeping config files, then the base tools" {
	run_script 01-system-update.sh
	assert_status 0
	mapfile -t calls < <(grep '^apt-get' "$STUB_LOG")
	[[ ${#calls[@]} -eq 3 ]] || fail_with "expected 3 apt-get calls"
	[[ ${calls[0]} == "apt-get -y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold update" ]] || fail_with "bad update call: ${calls[0]}"
	[[ ${calls[1]} == "apt-get -y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade" ]] || fail_with "bad upgrade call: ${calls[1]}"
	[[ ${calls[2]} == *" install --no-install-recommends ca-certificates curl gnupg" ]] || fail_with "bad install call: ${calls[2]}"
	[[ $(grep -c '^  DEBIAN_FRONTEND=noninteractive$' "$STUB_LOG") -eq 3 ]] || fail_with "apt-get not run with DEBIAN_FRONTEND=noninteractive"
}

@test "01: waits for cloud-init first, unless WAIT_FOR_CLOUD_INIT=0" {
	run_script 01-system-update.sh
	assert_status 0
	[[ $(head -n 1 "$STUB_LOG") == "cloud-init status --wait" ]] || fail_with "cloud-init was not waited for first"

	: >"$STUB_LOG"
	run_script 01-system-update.sh WAIT_FOR_CLOUD_INIT=0
	assert_status 0
	refute_called 'cloud-init .*'
}

@test "01: a cloud-init that finished with recoverable errors (exit 2) does not stop the build" {
	stub cloud-init 'exit 2'
	run_script 01-system-update.sh
	assert_status 0
	assert_output_contains "cloud-init status --wait returned 2"
	assert_called 'apt-get .* dist-upgrade'
}

@test "01: without cloud-init it just updates" {
	unstub cloud-init
	run_script 01-system-update.sh
	assert_status 0
	assert_called 'apt-get .* update'
}

@test "01: APT_LOCK_TIMEOUT is passed to apt and validated" {
	run_script 01-system-update.sh APT_LOCK_TIMEOUT=30
	assert_status 0
	assert_called 'apt-get -y -q -o DPkg::Lock::Timeout=30 .* update'

	run_script 01-system-update.sh APT_LOCK_TIMEOUT=soon
	assert_status 64
	assert_output_contains "error: APT_LOCK_TIMEOUT 'soon' is not a whole number of seconds"
}

@test "01: bad WAIT_FOR_CLOUD_INIT is a usage error" {
	run_script 01-system-update.sh WAIT_FOR_CLOUD_INIT=yes
	assert_status 64
	assert_output_contains "error: WAIT_FOR_CLOUD_INIT 'yes' must be 0 or 1"
	refute_called 'apt-get .*'
}

@test "01: an apt failure fails the script" {
	stub apt-get '[[ " $* " != *" dist-upgrade "* ]] || exit 100'
	run_script 01-system-update.sh
	assert_status 100
	refute_called 'apt-get .* install .*'
}

@test "01: running twice succeeds both times" {
	run_script 01-system-update.sh
	assert_status 0
	run_script 01-system-update.sh
	assert_status 0
}
