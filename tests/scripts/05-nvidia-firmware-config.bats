#!/usr/bin/env bats
# scripts/05-nvidia-firmware-config.sh
# shellcheck disable=SC2016 # stub bodies and patterns are single-quoted on purpose: they expand later

load test_helper

CONF=etc/modprobe.d/nvidia-gpu-firmware.conf

setup() {
	common_setup
	stub modinfo 'echo "${STUB_MODINFO_LICENSE-Dual MIT/GPL}"'
}

@test "05: writes NVreg_EnableGpuFirmware=1 by default and rebuilds the initramfs of all kernels" {
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	assert_file_content "$IMAGE_ROOT/$CONF" <<-'EOF2'
		# Managed by gpu-image-builder (05-nvidia-firmware-config.sh).
		# GPU System Processor firmware: 1 = always use it, 0 = never. Without this line the driver
		# applies its default policy (EnableGpuFirmware: 18 in /proc/driver/nvidia/params).
		options nvidia NVreg_EnableGpuFirmware=1
	EOF2
	[[ $(call_count 'update-initramfs -u -k all') -eq 1 ]] || fail_with "expected one rebuild"
}

@test "05: idempotent - the second run changes nothing and does not rebuild the initramfs" {
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	before=$(snapshot "$IMAGE_ROOT")
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	assert_output_contains "NVreg_EnableGpuFirmware=1 already configured; initramfs not rebuilt"
	[[ $(snapshot "$IMAGE_ROOT") == "$before" ]] || fail_with "the second run changed files"
	[[ $(call_count 'update-initramfs .*') -eq 1 ]] || fail_with "initramfs rebuilt again"
}

@test "05: a changed value rewrites the file and rebuilds again" {
	run_script 05-nvidia-firmware-config.sh
	run_script 05-nvidia-firmware-config.sh NVIDIA_ENABLE_GPU_FIRMWARE=0 STUB_MODINFO_LICENSE=NVIDIA
	assert_status 0
	grep -qx 'options nvidia NVreg_EnableGpuFirmware=0' "$IMAGE_ROOT/$CONF"
	[[ $(call_count 'update-initramfs -u -k all') -eq 2 ]] || fail_with "expected a second rebuild"
	refute_output_contains "warning:"
}

@test "05: firmware off with the open kernel modules warns (they always run GSP)" {
	run_script 05-nvidia-firmware-config.sh NVIDIA_ENABLE_GPU_FIRMWARE=0
	assert_status 0
	assert_output_contains "warning: the open nvidia kernel modules always use the GSP firmware"
}

@test "05: a value other than 0 or 1 is a usage error and writes nothing" {
	for bad in 2 18 yes " 1"; do
		run_script 05-nvidia-firmware-config.sh NVIDIA_ENABLE_GPU_FIRMWARE="$bad"
		assert_status 64
		assert_output_contains "error: NVIDIA_ENABLE_GPU_FIRMWARE '$bad' must be 0 or 1"
		[[ ! -e $IMAGE_ROOT/$CONF ]] || fail_with "file written for bad value $bad"
	done
}

@test "05: a failed initramfs rebuild reverts the file so the next run retries" {
	printf 'options nvidia NVreg_EnableGpuFirmware=0\n' | put "$CONF"
	stub update-initramfs 'exit 1'
	run_script 05-nvidia-firmware-config.sh
	assert_status 1
	assert_output_contains "error: update-initramfs -u -k all failed; /$CONF was reverted so a re-run retries"
	assert_file_content "$IMAGE_ROOT/$CONF" <<<'options nvidia NVreg_EnableGpuFirmware=0'

	stub update-initramfs
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	grep -qx 'options nvidia NVreg_EnableGpuFirmware=1' "$IMAGE_ROOT/$CONF"
}
