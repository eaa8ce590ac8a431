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
	# The sources entry and the containers.conf drop-in, already there: only their own test writes them.
	export PREREQUISITES_ETC=$BATS_TEST_TMPDIR/etc
	mkdir -p "$PREREQUISITES_ETC/apt/sources.list.d" "$PREREQUISITES_ETC/containers/containers.conf.d"
	touch "$PREREQUISITES_ETC/apt/sources.list.d/debian-non-free.sources" "$PREREQUISITES_ETC/containers/containers.conf.d/50-gpu-image-builder.conf"
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

@test "install-prerequisites: the containers.conf drop-in (runc, ulimits) and Debian's non-free entry are written once" {
	rm -rf "$PREREQUISITES_ETC"
	run_tool FAKE_UID=0
	assert_status 0
	conf=$PREREQUISITES_ETC/containers/containers.conf.d/50-gpu-image-builder.conf
	grep -qx 'runtime = "runc"' "$conf" || fail_with "no runc in $conf"
	grep -qx 'default_ulimits = \["nofile=1024:1024", "nproc=4096:4096"\]' "$conf" || fail_with "no ulimits in $conf"
	if grep -qx 'ID=debian' /etc/os-release; then
		sources=$PREREQUISITES_ETC/apt/sources.list.d/debian-non-free.sources
		grep -qx 'Components: contrib non-free non-free-firmware' "$sources" || fail_with "no non-free in $sources"
		grep -qx 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' "$sources" || fail_with "no Signed-By in $sources"
	fi
	before=$(cat "$conf")
	run_tool FAKE_UID=0
	assert_status 0
	[[ $(cat "$conf") == "$before" ]] || fail_with "the drop-in changed on a second run"
}
