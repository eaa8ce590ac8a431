#!/usr/bin/env bats
# tools/install-prerequisites.sh: root only when a package is missing; sudo only when not root; a clear error without.
# shellcheck disable=SC2016 # stub bodies are single-quoted on purpose: they expand when the stub runs

load test_helper

setup() {
	common_setup
	# A copy in a checkout without package-lock.json, so `npm ci` is not reached and the real repository is untouched.
	mkdir -p "$BATS_TEST_TMPDIR/repo/tools"
	cp "$BATS_TEST_DIRNAME/../../tools/install-prerequisites.sh" "$BATS_TEST_TMPDIR/repo/tools/"
	stub id 'echo "${FAKE_UID:-1000}"'
	stub npm
	# Every package installed unless listed in MISSING_PACKAGES.
	stub dpkg-query 'for m in ${MISSING_PACKAGES:-}; do [[ ${!#} == "$m" ]] && exit 1; done; printf "install ok installed"'
	stub sudo '"$@"'
}

run_tool() {
	run env PATH="$STUB_BIN:$SYSBIN" "$@" bash "$BATS_TEST_TMPDIR/repo/tools/install-prerequisites.sh"
}

@test "install-prerequisites: nothing missing needs neither root nor sudo" {
	unstub sudo
	run_tool FAKE_UID=1000
	assert_status 0
	assert_output_contains "All Debian packages present."
	refute_called 'apt-get.*'
}

@test "install-prerequisites: root installs the missing packages directly, without sudo" {
	unstub sudo
	run_tool FAKE_UID=0 MISSING_PACKAGES="openssl python3"
	assert_status 0
	assert_output_contains "Installing: python3 openssl"
	assert_called 'apt-get update -qq'
	assert_called 'apt-get install -y -qq --no-install-recommends python3 openssl'
}

@test "install-prerequisites: a normal user goes through sudo for apt-get only" {
	run_tool FAKE_UID=1000 MISSING_PACKAGES="bc"
	assert_status 0
	assert_called 'sudo apt-get update -qq'
	assert_called 'sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bc'
	refute_called 'sudo npm.*'
}

@test "install-prerequisites: a normal user without sudo gets a clear error and nothing is run" {
	unstub sudo
	run_tool FAKE_UID=1000 MISSING_PACKAGES="bc"
	assert_status 1
	assert_output_contains "error: installing packages needs root, and sudo is not installed: run this script as root"
	refute_called 'apt-get.*'
}

@test "install-prerequisites: npm missing is installed like the Debian packages" {
	unstub npm
	run_tool FAKE_UID=0
	assert_status 0
	assert_called 'apt-get install -y -qq --no-install-recommends nodejs npm'
}
