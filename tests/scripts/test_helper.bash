# shellcheck shell=bash
# Shared setup for the bats tests of scripts/*.sh.
#
# Every test gets
#   IMAGE_ROOT  $BATS_TEST_TMPDIR/root  a fake root the script reads and writes instead of /
#   STUB_BIN    stubs for every system command the scripts call; each appends "name args" to STUB_LOG
#   SYSBIN      symlinks to the few real tools the scripts may use (awk, sed, grep, ...)
# and run_script runs a script with PATH=STUB_BIN:SYSBIN only, so an un-stubbed system command
# fails with "command not found" instead of touching the machine running the tests.

SCRIPTS_DIR="$(cd "$BATS_TEST_DIRNAME/../../scripts" && pwd)"
FIXTURES="$BATS_TEST_DIRNAME/fixtures"
export SCRIPTS_DIR FIXTURES

# System commands the scripts call; all stubbed by default (exit 0, no output).
STUBBED_COMMANDS=(
	apt-get apt-mark apt-cache dpkg dpkg-query modprobe modinfo update-initramfs lsinitramfs dkms
	systemctl sysctl swapoff nvidia-smi nvidia-ctk containerd cloud-init userdel curl gpg
	journalctl shutdown sync uname sleep kmodsign xz zstd
)
# Real tools the scripts may use.
REAL_TOOLS=(
	bash env awk sed grep cat cmp install mkdir rm mktemp dirname basename sort find truncate
	chmod cp ln head cksum tr wc ls touch mv cut tee readlink stat
)

common_setup() {
	export IMAGE_ROOT="$BATS_TEST_TMPDIR/root"
	export STUB_BIN="$BATS_TEST_TMPDIR/stubs"
	export SYSBIN="$BATS_TEST_TMPDIR/sysbin"
	export STUB_LOG="$BATS_TEST_TMPDIR/calls.log"
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	# Never let a test run against the real root.
	[[ -n $BATS_TEST_TMPDIR && $IMAGE_ROOT == "$BATS_TEST_TMPDIR"/* ]] || return 1
	mkdir -p "$IMAGE_ROOT" "$STUB_BIN" "$SYSBIN" "$TMPDIR"
	: >"$STUB_LOG"
	local tool
	for tool in "${REAL_TOOLS[@]}"; do
		ln -sf "$(command -v "$tool")" "$SYSBIN/$tool"
	done
	for tool in "${STUBBED_COMMANDS[@]}"; do
		stub "$tool"
	done
	# Settings the caller's environment might carry must not leak into the scripts.
	unset APT_LOCK_TIMEOUT WAIT_FOR_CLOUD_INIT KUBERNETES_VERSION KUBERNETES_PACKAGE_REVISION \
		KUBERNETES_APT_BASE_URL NVIDIA_DRIVER_VERSION NVIDIA_KERNEL_MODULE_FLAVOR NVIDIA_DRIVER_PACKAGES \
		NVIDIA_INSTALL_FABRICMANAGER NVIDIA_CUDA_REPO_BASE_URL NVIDIA_CUDA_REPO_DISTRO NVIDIA_CUDA_REPO_ARCH \
		NVIDIA_CUDA_KEYRING_VERSION NVIDIA_CONTAINER_TOOLKIT_VERSION NVIDIA_CONTAINER_TOOLKIT_PACKAGE_REVISION \
		NVIDIA_CONTAINER_TOOLKIT_REPO_URL NVIDIA_ENABLE_GPU_FIRMWARE NVIDIA_PARAMS_FILE VERIFY_REQUIRE_DRIVER \
		BUILD_USER POWEROFF DEBIAN_FRONTEND CONTAINERD_SANDBOX_IMAGE MODULE_SIGNING_KEY MODULE_SIGNING_CERT
}

# stub NAME [BODY]: NAME logs "NAME args" to STUB_LOG, then runs BODY (bash, "$@" = its arguments).
stub() {
	local name=$1 body=${2:-}
	{
		printf '#!%s\n' "$(command -v bash)"
		# shellcheck disable=SC2016 # $* and $STUB_LOG expand when the stub runs
		printf 'printf "%%s\\n" "%s $*" >>"$STUB_LOG"\n' "$name"
		printf '%s\n' "$body"
	} >"$STUB_BIN/$name"
	chmod +x "$STUB_BIN/$name"
}

# unstub NAME: the command is absent (command -v fails inside the scripts).
unstub() {
	rm -f "$STUB_BIN/$1"
}

# run_script SCRIPT [VAR=value ...]: bats `run` of scripts/SCRIPT the way Packer runs it
# (bash SCRIPT under env), with only stubs and the allowed real tools on PATH.
run_script() {
	local script=$1
	shift
	run env PATH="$STUB_BIN:$SYSBIN" "$@" bash "$SCRIPTS_DIR/$script"
}

# --- assertions (bats-core has none built in) ----------------------------------------------
fail_with() {
	printf '%s\n' "$@" >&2
	printf -- '--- output ---\n%s\n--- calls ---\n' "${output:-}" >&2
	cat "$STUB_LOG" >&2
	return 1
}

assert_status() {
	# shellcheck disable=SC2154 # $status is set by bats' run
	[[ $status -eq $1 ]] || fail_with "expected exit status $1, got $status"
}

assert_output_contains() {
	[[ $output == *"$1"* ]] || fail_with "output does not contain: $1"
}

refute_output_contains() {
	[[ $output != *"$1"* ]] || fail_with "output unexpectedly contains: $1"
}

# assert_called REGEX: some logged call matches the extended regex (whole line).
assert_called() {
	grep -Eq -- "^($1)\$" "$STUB_LOG" || fail_with "no call matching: $1"
}

refute_called() {
	! grep -Eq -- "^($1)\$" "$STUB_LOG" || fail_with "unexpected call matching: $1"
}

# call_count REGEX: number of logged calls matching.
call_count() {
	grep -Ec -- "^($1)\$" "$STUB_LOG" || true
}

# assert_file_content PATH (expected content on stdin)
assert_file_content() {
	local expected
	expected=$(cat)
	[[ -f $1 ]] || fail_with "missing file: $1"
	[[ "$(cat "$1")" == "$expected" ]] ||
		fail_with "unexpected content of $1:" "$(diff <(printf '%s\n' "$expected") "$1")"
}

# snapshot DIR: path, mode and checksum of every file under DIR (to compare two runs).
snapshot() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%p %m ' -exec cksum {} \; | sort)
}

# Fake-root helpers.
add_kernel() { # add_kernel VERSION: an installed kernel (vmlinuz + modules)
	mkdir -p "$IMAGE_ROOT/boot" "$IMAGE_ROOT/lib/modules/$1/kernel"
	: >"$IMAGE_ROOT/boot/vmlinuz-$1"
}

put() { # put PATH: write stdin to IMAGE_ROOT/PATH
	mkdir -p "$(dirname "$IMAGE_ROOT/$1")"
	cat >"$IMAGE_ROOT/$1"
}
