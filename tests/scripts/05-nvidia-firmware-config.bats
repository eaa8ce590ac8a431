#!/usr/bin/env bats
# scripts/05-nvidia-firmware-config.sh
# shellcheck disable=SC2016 # stub bodies and patterns are single-quoted on purpose: they expand later

load test_helper

CONF=etc/modprobe.d/nvidia-gpu-firmware.conf

setup() {
	common_setup
	stub modinfo 'echo "${STUB_MODINFO_LICENSE-Dual MIT/GPL}"'
}

# nvidia_module VERSION...: an nvidia DKMS module is installed for those kernels.
nvidia_module() {
	local v
	for v in "$@"; do
		: | put "lib/modules/$v/updates/dkms/nvidia.ko"
	done
}

# nvidia_in_initramfs VERSION...: those kernels have the module and their initramfs images carry it (and,
# once rebuilt, the option file: the update-initramfs stub touches the image and records it as carrying it).
nvidia_in_initramfs() {
	local v
	nvidia_module "$@"
	for v in "$@"; do
		printf 'usr/lib/modules/%s/updates/dkms/nvidia.ko\n' "$v" >"$BATS_TEST_TMPDIR/initrd-list-$v"
	done
}

setup_kernels() {
	local v
	for v in 6.8.0-50-generic 6.8.0-51-generic; do
		add_kernel "$v"
		: | put "boot/initrd.img-$v"
		touch -d '2025-01-01 10:00' "$IMAGE_ROOT/boot/initrd.img-$v"
		printf 'usr/lib/modules/%s/kernel/drivers/scsi/virtio_scsi.ko\n' "$v" >"$BATS_TEST_TMPDIR/initrd-list-$v"
	done
	# lsinitramfs lists what the test says the image holds; update-initramfs adds the option file to it.
	stub lsinitramfs 'v=${1##*/initrd.img-}; cat "$BATS_TEST_TMPDIR/initrd-list-$v"'
	stub update-initramfs 'v=$3; echo etc/modprobe.d/nvidia-gpu-firmware.conf >>"$BATS_TEST_TMPDIR/initrd-list-$v"; touch "$IMAGE_ROOT/boot/initrd.img-$v"'
}

@test "05: writes NVreg_EnableGpuFirmware=1 by default; no initramfs loads nvidia, so none is rebuilt" {
	setup_kernels
	nvidia_module 6.8.0-50-generic 6.8.0-51-generic
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	assert_file_content "$IMAGE_ROOT/$CONF" <<-'EOF2'
		# Managed by gpu-image-builder (05-nvidia-firmware-config.sh).
		# GPU System Processor firmware: 1 = always use it, 0 = never. Without this line the driver
		# applies its default policy (EnableGpuFirmware: 18 in /proc/driver/nvidia/params).
		options nvidia NVreg_EnableGpuFirmware=1
	EOF2
	assert_output_contains "initramfs not rebuilt"
	[[ $(call_count 'update-initramfs .*') -eq 0 ]] || fail_with "no initramfs should have been rebuilt"
	assert_called "lsinitramfs $IMAGE_ROOT/boot/initrd.img-6.8.0-51-generic"
}

@test "05: a kernel without an nvidia module is not listed (its initramfs cannot carry one), nothing rebuilt" {
	setup_kernels
	nvidia_module 6.8.0-51-generic
	: | put lib/modules/6.8.0-50-generic/kernel/drivers/gpu/drm/nouveau/nouveau.ko
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	assert_output_contains "initramfs not rebuilt"
	refute_called "lsinitramfs $IMAGE_ROOT/boot/initrd.img-6.8.0-50-generic"
	assert_called "lsinitramfs $IMAGE_ROOT/boot/initrd.img-6.8.0-51-generic"
	[[ $(call_count 'update-initramfs .*') -eq 0 ]] || fail_with "no initramfs should have been rebuilt"
}

@test "05: every nvidia module name and compression counts (nvidia-uvm.ko.zst, a precompiled nvidia.ko.xz)" {
	setup_kernels
	: | put lib/modules/6.8.0-50-generic/updates/dkms/nvidia-uvm.ko.zst
	: | put lib/modules/6.8.0-51-generic/kernel/nvidia-565srv/nvidia.ko.xz
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	assert_called "lsinitramfs $IMAGE_ROOT/boot/initrd.img-6.8.0-50-generic"
	assert_called "lsinitramfs $IMAGE_ROOT/boot/initrd.img-6.8.0-51-generic"
}

@test "05: rebuilds exactly the initramfs images that load the nvidia module" {
	setup_kernels
	nvidia_in_initramfs 6.8.0-51-generic
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	assert_output_contains "rebuilding /boot/initrd.img-6.8.0-51-generic: it loads the nvidia module and lacks the current option"
	assert_called 'update-initramfs -u -k 6.8.0-51-generic'
	[[ $(call_count 'update-initramfs .*') -eq 1 ]] || fail_with "expected one rebuild"
}

@test "05: idempotent - the second run changes nothing and rebuilds nothing" {
	setup_kernels
	nvidia_in_initramfs 6.8.0-50-generic 6.8.0-51-generic
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	[[ $(call_count 'update-initramfs .*') -eq 2 ]] || fail_with "expected two rebuilds"
	before=$(snapshot "$IMAGE_ROOT")
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	assert_output_contains "NVreg_EnableGpuFirmware=1 already configured"
	assert_output_contains "initramfs not rebuilt"
	[[ $(snapshot "$IMAGE_ROOT") == "$before" ]] || fail_with "the second run changed files"
	[[ $(call_count 'update-initramfs .*') -eq 2 ]] || fail_with "initramfs rebuilt again"
}

@test "05: a changed value rewrites the file and rebuilds the nvidia-loading initramfs again" {
	setup_kernels
	nvidia_in_initramfs 6.8.0-51-generic
	run_script 05-nvidia-firmware-config.sh
	touch -d '2025-01-01 11:00' "$IMAGE_ROOT/boot/initrd.img-6.8.0-51-generic"
	run_script 05-nvidia-firmware-config.sh NVIDIA_ENABLE_GPU_FIRMWARE=0 STUB_MODINFO_LICENSE=NVIDIA
	assert_status 0
	grep -qx 'options nvidia NVreg_EnableGpuFirmware=0' "$IMAGE_ROOT/$CONF"
	[[ $(call_count 'update-initramfs -u -k 6.8.0-51-generic') -eq 2 ]] || fail_with "expected a second rebuild"
	refute_output_contains "warning:"
}

@test "05: an initramfs that cannot be listed is rebuilt, to be safe" {
	setup_kernels
	nvidia_module 6.8.0-50-generic 6.8.0-51-generic
	stub lsinitramfs 'exit 1'
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	assert_called 'update-initramfs -u -k 6.8.0-50-generic'
	assert_called 'update-initramfs -u -k 6.8.0-51-generic'
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

@test "05: a failed initramfs rebuild fails, and the next run retries it" {
	setup_kernels
	nvidia_in_initramfs 6.8.0-51-generic
	stub update-initramfs 'exit 1'
	run_script 05-nvidia-firmware-config.sh
	assert_status 1
	assert_output_contains "error: update-initramfs -u -k 6.8.0-51-generic failed; a re-run retries it"

	stub update-initramfs 'v=$3; echo etc/modprobe.d/nvidia-gpu-firmware.conf >>"$BATS_TEST_TMPDIR/initrd-list-$v"; touch "$IMAGE_ROOT/boot/initrd.img-$v"'
	run_script 05-nvidia-firmware-config.sh
	assert_status 0
	assert_output_contains "NVreg_EnableGpuFirmware=1 already configured"
	assert_called 'update-initramfs -u -k 6.8.0-51-generic'
	grep -qx 'options nvidia NVreg_EnableGpuFirmware=1' "$IMAGE_ROOT/$CONF"
}
