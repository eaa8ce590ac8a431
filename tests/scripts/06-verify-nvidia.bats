#!/usr/bin/env bats
# scripts/06-verify-nvidia.sh - against /proc/driver/nvidia/params and `nvidia-smi -q` in their
# shellcheck disable=SC2016 # stub bodies and patterns are single-quoted on purpose: they expand later
# real formats (see fixtures/README.md).

load test_helper

params() { # params VALUE: path of the params fixture with EnableGpuFirmware: VALUE
	printf '%s' "$FIXTURES/proc-driver-nvidia-params-enablegpufirmware-$1.txt"
}

setup() {
	common_setup
	unset VERIFY_MODE NVIDIA_VERSION_FILE
	add_kernel 5.15.0-125-generic
	add_kernel 5.15.0-126-generic
	# nvidia-smi -q prints the fixture named by STUB_SMI (default: driver 565.57.01, GSP on).
	stub nvidia-smi 'cat "$FIXTURES/${STUB_SMI:-nvidia-smi-q-h200-565.57.01.txt}"'
	stub modinfo 'echo "${STUB_MODINFO_VERSION-565.57.01}"'
	cp "$FIXTURES/dpkg-query-nvidia-565-open.txt" "$BATS_TEST_TMPDIR/dpkg-installed"
	stub dpkg-query 'cat "$BATS_TEST_TMPDIR/dpkg-installed"'
}

# The state 05 leaves behind when the initramfs loads the nvidia module itself: option file, then an
# initramfs built after it that carries both the module and the file.
configure_offline() {
	printf 'options nvidia NVreg_EnableGpuFirmware=1\n' | put etc/modprobe.d/nvidia-gpu-firmware.conf
	touch -d '2025-01-01 10:00' "$IMAGE_ROOT/etc/modprobe.d/nvidia-gpu-firmware.conf"
	: | put boot/initrd.img-5.15.0-126-generic
	touch -d '2025-01-01 10:05' "$IMAGE_ROOT/boot/initrd.img-5.15.0-126-generic"
	: | put lib/modules/5.15.0-126-generic/updates/dkms/nvidia.ko
	stub lsinitramfs 'printf "%s\n" etc etc/modprobe.d etc/modprobe.d/blacklist-nouveau.conf etc/modprobe.d/nvidia-gpu-firmware.conf usr/lib/modprobe.d usr/lib/modules/5.15.0-126-generic/updates/dkms/nvidia.ko'
}

# --- runtime: params file present ------------------------------------------------------------

@test "06 runtime: EnableGpuFirmware 1 and nvidia-smi at 565.57.01 with GSP firmware pass" {
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 1)"
	assert_status 0
	assert_output_contains "ok: EnableGpuFirmware is 1 (forced, as configured)"
	assert_output_contains "ok: nvidia-smi Driver Version: 565.57.01"
	assert_output_contains "GPU 00000000:03:00.0: GSP Firmware Version 565.57.01"
	assert_output_contains "PASSED"
	assert_called 'nvidia-smi -q'
}

@test "06 runtime: EnableGpuFirmware 18 (the driver's default policy) fails with exit 1" {
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 18)"
	assert_status 1
	assert_output_contains "error: EnableGpuFirmware is 18 (0x12, the driver's default policy): firmware not forced to 1"
	assert_output_contains "FAILED (exit 1)"
}

@test "06 runtime: EnableGpuFirmware 0 fails as disabled with exit 1" {
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 0)"
	assert_status 1
	assert_output_contains "error: EnableGpuFirmware is 0: GPU firmware is disabled, expected 1"
}

@test "06 runtime: any other value fails naming it; a missing entry fails too" {
	sed 's/^EnableGpuFirmware: 1$/EnableGpuFirmware: 2/' "$(params 1)" >"$BATS_TEST_TMPDIR/params"
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$BATS_TEST_TMPDIR/params"
	assert_status 1
	assert_output_contains "error: EnableGpuFirmware is '2', expected 1"

	grep -v '^EnableGpuFirmware:' "$(params 1)" >"$BATS_TEST_TMPDIR/params"
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$BATS_TEST_TMPDIR/params"
	assert_status 1
	assert_output_contains "error: no EnableGpuFirmware entry in $BATS_TEST_TMPDIR/params, expected 1"
}

@test "06 runtime: EnableGpuFirmwareLogs is not mistaken for EnableGpuFirmware" {
	grep -v '^EnableGpuFirmware:' "$(params 1)" >"$BATS_TEST_TMPDIR/params"
	printf 'EnableGpuFirmware: 1\n' >>"$BATS_TEST_TMPDIR/params" # after EnableGpuFirmwareLogs: 2
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$BATS_TEST_TMPDIR/params"
	assert_status 0
}

@test "06 runtime: nvidia-smi reporting another driver version fails with exit 3" {
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 1)" STUB_SMI=nvidia-smi-q-h200-550.90.12.txt
	assert_status 3
	assert_output_contains "error: nvidia-smi reports Driver Version '550.90.12', expected 565.57.01"
	assert_output_contains "GSP Firmware Version 550.90.12"
}

@test "06 runtime: GSP Firmware Version N/A while firmware is forced on fails with exit 1" {
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 1)" STUB_SMI=nvidia-smi-q-h200-565.57.01-gsp-off.txt
	assert_status 1
	assert_output_contains "error: GPU 00000000:03:00.0: GSP Firmware Version is N/A (GSP firmware not in use)"
}

@test "06 runtime: the first failure sets the exit code, all failures are reported" {
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 18)" STUB_SMI=nvidia-smi-q-h200-550.90.12.txt
	assert_status 1
	assert_output_contains "EnableGpuFirmware is 18"
	assert_output_contains "nvidia-smi reports Driver Version '550.90.12'"
}

@test "06 runtime: a failing nvidia-smi is exit 3; a missing nvidia-smi is reported as not checked" {
	stub nvidia-smi 'echo "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver."; exit 9'
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 1)"
	assert_status 3
	assert_output_contains "error: nvidia-smi -q failed (exit 9): NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver."

	unstub nvidia-smi
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 1)"
	assert_status 0
	assert_output_contains "NOT CHECKED: driver and GSP firmware versions (nvidia-smi is not installed)"
}

@test "06 runtime: NVIDIA_ENABLE_GPU_FIRMWARE=0 expects 0" {
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 0)" NVIDIA_ENABLE_GPU_FIRMWARE=0 STUB_SMI=nvidia-smi-q-h200-565.57.01-gsp-off.txt
	assert_status 0
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 18)" NVIDIA_ENABLE_GPU_FIRMWARE=0
	assert_status 1
	assert_output_contains "firmware not forced to 0"
}

@test "06 runtime: the default params path is /proc/driver/nvidia/params under IMAGE_ROOT" {
	mkdir -p "$IMAGE_ROOT/proc/driver/nvidia"
	cp "$(params 18)" "$IMAGE_ROOT/proc/driver/nvidia/params"
	run_script 06-verify-nvidia.sh
	assert_status 1
	assert_output_contains "reading $IMAGE_ROOT/proc/driver/nvidia/params"
}

# --- offline: params file missing ----------------------------------------------------------

@test "06 offline: option, initramfs and installed driver all right pass, and say what was not checked" {
	configure_offline
	run_script 06-verify-nvidia.sh
	assert_status 0
	assert_output_contains "not found: no GPU with a loaded driver, running build-time checks"
	assert_output_contains "ok: modprobe option NVreg_EnableGpuFirmware=1 in /etc/modprobe.d/nvidia-gpu-firmware.conf"
	assert_output_contains "ok: /boot/initrd.img-5.15.0-126-generic contains /etc/modprobe.d/nvidia-gpu-firmware.conf"
	assert_output_contains "ok: nvidia module for kernel 5.15.0-126-generic is 565.57.01"
	assert_output_contains "ok: 11 driver packages at 565.57.01"
	assert_output_contains "NOT CHECKED: runtime EnableGpuFirmware value (needs a GPU with the nvidia driver loaded"
	assert_output_contains "NOT CHECKED: driver and GSP firmware versions reported by nvidia-smi (need a GPU)"
	assert_called "modinfo -b $IMAGE_ROOT -k 5.15.0-126-generic -F version nvidia"
	refute_called 'nvidia-smi .*'
}

@test "06 offline: VERIFY_REQUIRE_DRIVER=0 skips the driver checks (no NVIDIA repo in CI)" {
	configure_offline
	stub modinfo 'exit 1'
	stub dpkg-query 'exit 1'
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=0
	assert_status 0
	assert_output_contains "NOT CHECKED: installed driver packages and module version (VERIFY_REQUIRE_DRIVER=0)"
	refute_called 'modinfo .*|dpkg-query .*'
}

@test "06 offline: without VERIFY_REQUIRE_DRIVER=0 a missing driver fails with exit 2" {
	configure_offline
	stub modinfo 'exit 1'
	stub dpkg-query 'exit 1'
	run_script 06-verify-nvidia.sh
	assert_status 2
	assert_output_contains "error: nvidia module for kernel 5.15.0-126-generic is 'missing', expected 565.57.01"
	assert_output_contains "error: no NVIDIA driver package is installed (expected 565.57.01; set VERIFY_REQUIRE_DRIVER=0 to skip)"
}

@test "06 offline: a module or package at another version fails with exit 2" {
	configure_offline
	sed -i 's/^ii  nvidia-utils-565 .*/ii  nvidia-utils-565 580.95.05-0ubuntu1/' "$BATS_TEST_TMPDIR/dpkg-installed"
	run_script 06-verify-nvidia.sh STUB_MODINFO_VERSION=580.95.05
	assert_status 2
	assert_output_contains "error: nvidia module for kernel 5.15.0-126-generic is '580.95.05', expected 565.57.01"
	assert_output_contains "error: driver packages not at 565.57.01: nvidia-utils-565=580.95.05-0ubuntu1"
}

@test "06 offline: missing modprobe option fails with exit 2" {
	configure_offline
	rm "$IMAGE_ROOT/etc/modprobe.d/nvidia-gpu-firmware.conf"
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=0
	assert_status 2
	assert_output_contains "error: no 'options nvidia NVreg_EnableGpuFirmware=1' line in /etc/modprobe.d"
}

@test "06 offline: a commented-out option does not count" {
	configure_offline
	printf '# options nvidia NVreg_EnableGpuFirmware=1\n' >"$IMAGE_ROOT/etc/modprobe.d/nvidia-gpu-firmware.conf"
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=0
	assert_status 2
}

@test "06 offline: a conflicting value in another modprobe.d file fails with exit 2" {
	configure_offline
	printf 'options nvidia NVreg_EnableGpuFirmware=0 NVreg_EnableGpuFirmwareLogs=1\n' | put usr/lib/modprobe.d/nvidia-gsp.conf
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=0
	assert_status 2
	assert_output_contains "error: conflicting NVreg_EnableGpuFirmware settings: /usr/lib/modprobe.d/nvidia-gsp.conf:1: NVreg_EnableGpuFirmware=0"
}

@test "06 offline: an initramfs without the option file, or older than it, fails with exit 2" {
	configure_offline
	stub lsinitramfs 'printf "%s\n" etc/modprobe.d etc/modprobe.d/blacklist-nouveau.conf usr/lib/modules/5.15.0-126-generic/updates/dkms/nvidia.ko.zst'
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=0
	assert_status 2
	assert_output_contains "error: /boot/initrd.img-5.15.0-126-generic does not contain /etc/modprobe.d/nvidia-gpu-firmware.conf"

	configure_offline
	touch -d '2025-01-01 11:00' "$IMAGE_ROOT/etc/modprobe.d/nvidia-gpu-firmware.conf"
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=0
	assert_status 2
	assert_output_contains "is newer than /boot/initrd.img-5.15.0-126-generic"
}

@test "06 offline: an initramfs that does not load the nvidia module needs no copy of the option" {
	configure_offline
	stub lsinitramfs 'printf "%s\n" etc/modprobe.d etc/modprobe.d/blacklist-nouveau.conf usr/lib/modules/5.15.0-126-generic/kernel/drivers/scsi/virtio_scsi.ko'
	touch -d '2025-01-01 11:00' "$IMAGE_ROOT/etc/modprobe.d/nvidia-gpu-firmware.conf" # newer than the initramfs: irrelevant
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=0
	assert_status 0
	assert_output_contains "ok: /boot/initrd.img-5.15.0-126-generic does not load the nvidia module; the option applies from /etc/modprobe.d"
	refute_output_contains "error:"
}

@test "06 offline: a kernel without an nvidia module is not listed; its initramfs cannot load one" {
	configure_offline
	rm "$IMAGE_ROOT/lib/modules/5.15.0-126-generic/updates/dkms/nvidia.ko"
	stub lsinitramfs 'echo "lsinitramfs must not run" >&2; exit 1'
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=0
	assert_status 0
	assert_output_contains "ok: no nvidia module is installed for kernel 5.15.0-126-generic, so /boot/initrd.img-5.15.0-126-generic cannot load it"
	refute_called 'lsinitramfs .*'
}

@test "06 offline: the module-less shortcut does not hide a missing driver when one is required" {
	configure_offline
	rm "$IMAGE_ROOT/lib/modules/5.15.0-126-generic/updates/dkms/nvidia.ko"
	stub modinfo 'exit 1'
	run_script 06-verify-nvidia.sh
	assert_status 2
	assert_output_contains "error: nvidia module for kernel 5.15.0-126-generic is 'missing', expected 565.57.01"
}

@test "06 offline: no lsinitramfs or no initrd means the initramfs is reported as not checked" {
	configure_offline
	unstub lsinitramfs
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=0
	assert_status 0
	assert_output_contains "NOT CHECKED: initramfs contents (lsinitramfs is not installed)"

	configure_offline
	rm "$IMAGE_ROOT/boot/initrd.img-5.15.0-126-generic"
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=0
	assert_status 0
	assert_output_contains "NOT CHECKED: initramfs contents (no /boot/initrd.img-<kernel> found)"
}

@test "06: invalid settings are usage errors (exit 64)" {
	run_script 06-verify-nvidia.sh VERIFY_REQUIRE_DRIVER=no
	assert_status 64
	assert_output_contains "error: VERIFY_REQUIRE_DRIVER 'no' must be 0 or 1"
	run_script 06-verify-nvidia.sh NVIDIA_DRIVER_VERSION=565
	assert_status 64
	assert_output_contains "error: NVIDIA_DRIVER_VERSION '565' is not a full version like 565.57.01"
	run_script 06-verify-nvidia.sh NVIDIA_ENABLE_GPU_FIRMWARE=18
	assert_status 64
	assert_output_contains "error: NVIDIA_ENABLE_GPU_FIRMWARE '18' must be 0 or 1"
}

# --- VERIFY_MODE and the loaded modules (issue 10, issue 11 item 5) ---------------------------

# version_file FLAVOUR: a /proc/driver/nvidia/version banner of the open or proprietary 565.57.01 modules.
version_file() {
	local file="$BATS_TEST_TMPDIR/nvidia-version-$1"
	if [[ $1 == open ]]; then
		printf 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  565.57.01  Release Build  (dvs-builder@U16-I3-B03-4-3)  Tue Oct  1 02:00:00 UTC 2024\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04)\n' >"$file"
	else
		printf 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  565.57.01  Tue Oct  1 02:00:00 UTC 2024\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04)\n' >"$file"
	fi
	printf '%s' "$file"
}

@test "06 VERIFY_MODE=runtime without the params file: no GPU / driver not loaded, exit 69, no offline pass" {
	configure_offline # everything the offline checks want: they must not run
	run_script 06-verify-nvidia.sh VERIFY_MODE=runtime VERIFY_REQUIRE_DRIVER=0
	assert_status 69
	assert_output_contains "no GPU / driver not loaded: $IMAGE_ROOT/proc/driver/nvidia/params does not exist"
	refute_output_contains "build-time checks"
	refute_output_contains "PASSED"
	refute_called 'nvidia-smi .*'
}

@test "06 VERIFY_MODE=runtime with the params file runs the runtime checks" {
	run_script 06-verify-nvidia.sh VERIFY_MODE=runtime NVIDIA_PARAMS_FILE="$(params 1)" NVIDIA_VERSION_FILE="$(version_file open)"
	assert_status 0
	assert_output_contains "ok: EnableGpuFirmware is 1"
	assert_called 'nvidia-smi -q'
}

@test "06 VERIFY_MODE=offline runs the build-time checks even where a params file exists" {
	configure_offline
	run_script 06-verify-nvidia.sh VERIFY_MODE=offline VERIFY_REQUIRE_DRIVER=0 NVIDIA_PARAMS_FILE="$(params 18)"
	assert_status 0
	assert_output_contains "VERIFY_MODE=offline: running build-time checks"
	refute_output_contains "EnableGpuFirmware is 18"
}

@test "06: an unknown VERIFY_MODE is a usage error (exit 64)" {
	run_script 06-verify-nvidia.sh VERIFY_MODE=gpu
	assert_status 64
	assert_output_contains "error: VERIFY_MODE 'gpu' must be auto, runtime or offline"
}

@test "06 runtime: says which kernel modules are loaded, open or proprietary" {
	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 1)" NVIDIA_VERSION_FILE="$(version_file open)"
	assert_status 0
	assert_output_contains "kernel modules: open (they always run the GSP firmware; NVreg_EnableGpuFirmware is only echoed)"
	assert_output_contains "ok: GPU 00000000:03:00.0: GSP Firmware Version 565.57.01 (GSP firmware runs)"

	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 1)" NVIDIA_VERSION_FILE="$(version_file proprietary)"
	assert_status 0
	assert_output_contains "kernel modules: proprietary (NVreg_EnableGpuFirmware decides whether GSP firmware runs)"

	run_script 06-verify-nvidia.sh NVIDIA_PARAMS_FILE="$(params 1)" NVIDIA_VERSION_FILE="$BATS_TEST_TMPDIR/absent"
	assert_status 0
	assert_output_contains "NOT CHECKED: which kernel modules are loaded"
}

@test "06 runtime: GSP running while 0 was asked fails on the proprietary modules (exit 1)" {
	run_script 06-verify-nvidia.sh NVIDIA_ENABLE_GPU_FIRMWARE=0 NVIDIA_PARAMS_FILE="$(params 0)" NVIDIA_VERSION_FILE="$(version_file proprietary)"
	assert_status 1
	assert_output_contains "error: GPU 00000000:03:00.0: GSP Firmware Version 565.57.01: GSP firmware runs although NVIDIA_ENABLE_GPU_FIRMWARE=0 was asked (proprietary modules)"
	assert_output_contains "FAILED (exit 1)"
}

@test "06 runtime: GSP running while 0 was asked is reported, not failed, on the open modules (they need it)" {
	run_script 06-verify-nvidia.sh NVIDIA_ENABLE_GPU_FIRMWARE=0 NVIDIA_PARAMS_FILE="$(params 0)" NVIDIA_VERSION_FILE="$(version_file open)"
	assert_status 0
	assert_output_contains "GSP runs although 0 was asked; the open modules cannot run without it"
	refute_output_contains "error:"
}
