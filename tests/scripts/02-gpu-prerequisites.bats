#!/usr/bin/env bats
# scripts/02-gpu-prerequisites.sh
# shellcheck disable=SC2016 # stub bodies and patterns are single-quoted on purpose: they expand later

load test_helper

setup() {
	common_setup
	# Ubuntu jammy after 01 installed a newer kernel; 5.15.0-100 is a leftover modules dir of a
	# removed kernel (only DKMS remains) and must be ignored.
	add_kernel 5.15.0-125-generic
	add_kernel 5.15.0-126-generic
	mkdir -p "$IMAGE_ROOT/lib/modules/5.15.0-100-generic/updates/dkms"
	put etc/fstab <<-'FSTAB'
		# /etc/fstab: static file system information.
		LABEL=cloudimg-rootfs	/	 ext4	discard,errors=remount-ro	0 1
		LABEL=UEFI	/boot/efi	vfat	umask=0077	0 1
		/swap.img	none	swap	sw	0	0
		# /dev/vdb none swap sw 0 0
	FSTAB
	echo swapdata | put swap.img
	stub apt-cache 'if [[ $1 == policy ]]; then printf "%s:\n  Installed: (none)\n  Candidate: 1.0\n" "$2"; fi'
	stub containerd '[[ "$*" == "config default" ]] && cat "$FIXTURES/containerd-1.6.20-config-default.toml"'
	# The kernel flavour metapackage of an Ubuntu cloud image, and the versioned packages it pulled in.
	printf '%s\n' 'ii  linux-image-5.15.0-126-generic' 'ii  linux-image-generic' 'rc  linux-image-virtual' \
		'ii  linux-image-unsigned-5.15.0-126-generic' >"$BATS_TEST_TMPDIR/kernel-packages"
	stub dpkg-query '[[ ${*: -1} == "linux-image-*" ]] && cat "$BATS_TEST_TMPDIR/kernel-packages"'
}

@test "02: installs headers for every installed kernel plus dkms and build-essential" {
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_output_contains "installed kernels: 5.15.0-125-generic 5.15.0-126-generic (newest, the one that boots: 5.15.0-126-generic)"
	assert_called 'apt-get .* install --no-install-recommends dkms build-essential linux-headers-5.15.0-125-generic linux-headers-5.15.0-126-generic linux-headers-generic'
	refute_called '.*linux-headers-5.15.0-100-generic.*'
}

@test "02: the headers metapackage of each installed kernel flavour, so a kernel update brings its headers" {
	# linux-image-virtual is removed (rc) and the unsigned image has no headers counterpart: neither counts.
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_called 'apt-get .* install .* linux-headers-generic'
	refute_called 'apt-get .* install .*linux-headers-(virtual|unsigned).*'

	printf '%s\n' 'ii  linux-image-generic-hwe-22.04' 'ii  linux-image-virtual' >"$BATS_TEST_TMPDIR/kernel-packages"
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_called 'apt-get .* install .* linux-headers-5.15.0-126-generic linux-headers-generic-hwe-22.04 linux-headers-virtual'
}

@test "02: a kernel flavour whose headers metapackage apt cannot install fails the build" {
	stub apt-cache 'if [[ $1 == policy ]]; then c=1.0; [[ $2 == linux-headers-generic ]] && c="(none)"; printf "%s:\n  Candidate: %s\n" "$2" "$c"; fi'
	run_script 02-gpu-prerequisites.sh
	assert_status 1
	assert_output_contains "error: no package linux-headers-generic in the configured apt sources: a kernel update through linux-image-generic would come without headers"
}

@test "02: no kernel metapackage: only a warning (apt brings no new kernel then)" {
	: >"$BATS_TEST_TMPDIR/kernel-packages"
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_output_contains "warning: no kernel metapackage (linux-image-<flavour>) installed"
	assert_called 'apt-get .* install --no-install-recommends dkms build-essential linux-headers-5.15.0-125-generic linux-headers-5.15.0-126-generic'
}

@test "02: kernel update policy: linux-* blacklisted for unattended-upgrades, apt timers disabled and masked" {
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_file_content "$IMAGE_ROOT/etc/apt/apt.conf.d/51gpu-image-kernel-updates" <<-'EOF2'
		// Managed by gpu-image-builder (02-gpu-prerequisites.sh). A kernel installed behind the node's back
		// reboots into a kernel the NVIDIA module may not be built for: unattended-upgrades never takes linux-*,
		// even if the apt timers (disabled and masked in this image) are turned back on.
		Unattended-Upgrade::Package-Blacklist {
		    "linux-";
		};
	EOF2
	assert_called 'systemctl disable --now apt-daily.timer apt-daily-upgrade.timer'
	assert_called 'systemctl mask apt-daily.timer apt-daily-upgrade.timer'
}

@test "02: the timers are masked even where disabling fails; a failed mask fails the build" {
	stub systemctl '[[ $1 == disable ]] && exit 1; [[ $1 == mask && -n ${STUB_MASK_FAILS:-} ]] && exit 1; exit 0'
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_output_contains "warning: could not disable apt-daily.timer apt-daily-upgrade.timer"
	assert_called 'systemctl mask apt-daily.timer apt-daily-upgrade.timer'
	run_script 02-gpu-prerequisites.sh STUB_MASK_FAILS=1
	assert_status 1
}

@test "02: Debian bookworm kernel naming gives linux-headers-<version>-cloud-amd64" {
	rm -rf "${IMAGE_ROOT:?}/boot" "${IMAGE_ROOT:?}/lib/modules"
	add_kernel 6.1.0-27-cloud-amd64
	# a kernel known only from /boot (no modules dir yet) still counts
	: >"$IMAGE_ROOT/boot/vmlinuz-6.1.0-28-cloud-amd64"
	# the fixture base image's kernel metapackage (tests/fixture/build-base-image.sh)
	printf '%s\n' 'ii  linux-image-6.1.0-28-cloud-amd64' 'ii  linux-image-cloud-amd64' >"$BATS_TEST_TMPDIR/kernel-packages"
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_called 'apt-get .* install --no-install-recommends dkms build-essential linux-headers-6.1.0-27-cloud-amd64 linux-headers-6.1.0-28-cloud-amd64 linux-headers-cloud-amd64'
}

@test "02: headers missing for an older kernel only warn; missing for the newest kernel fail" {
	stub apt-cache 'if [[ $1 == policy ]]; then c=1.0; [[ $2 == linux-headers-5.15.0-125-generic ]] && c="(none)"; printf "%s:\n  Candidate: %s\n" "$2" "$c"; fi'
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_output_contains "warning: no package linux-headers-5.15.0-125-generic available"
	assert_called 'apt-get .* install --no-install-recommends dkms build-essential linux-headers-5.15.0-126-generic linux-headers-generic'

	stub apt-cache 'if [[ $1 == policy ]]; then c=1.0; [[ $2 == linux-headers-5.15.0-126-generic ]] && c="(none)"; printf "%s:\n  Candidate: %s\n" "$2" "$c"; fi'
	run_script 02-gpu-prerequisites.sh
	assert_status 1
	assert_output_contains "error: no package linux-headers-5.15.0-126-generic in the configured apt sources"
}

@test "02: no installed kernel is an error" {
	rm -rf "${IMAGE_ROOT:?}/boot" "${IMAGE_ROOT:?}/lib/modules"
	run_script 02-gpu-prerequisites.sh
	assert_status 1
	assert_output_contains "error: no installed kernel found"
}

@test "02: blacklists nouveau and rebuilds the initramfs of all kernels" {
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_file_content "$IMAGE_ROOT/etc/modprobe.d/blacklist-nouveau.conf" <<-'EOF2'
		# Managed by gpu-image-builder (02-gpu-prerequisites.sh): the NVIDIA driver needs nouveau unloaded.
		blacklist nouveau
		options nouveau modeset=0
	EOF2
	[[ $(call_count 'update-initramfs -u -k all') -eq 1 ]] || fail_with "expected one initramfs rebuild"
}

@test "02: containerd installed, config from 'containerd config default' with SystemdCgroup = true and kubeadm's pause image, enabled" {
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_called 'apt-get .* install --no-install-recommends containerd'
	config="$IMAGE_ROOT/etc/containerd/config.toml"
	# exactly two lines differ from containerd's default: the cgroup driver and the sandbox (pause) image
	run diff "$FIXTURES/containerd-1.6.20-config-default.toml" "$config"
	[[ $output == $'61c61\n<     sandbox_image = "registry.k8s.io/pause:3.6"\n---\n>     sandbox_image = "registry.k8s.io/pause:3.9"\n125c125\n<             SystemdCgroup = false\n---\n>             SystemdCgroup = true' ]] || fail_with "unexpected diff:" "$output"
	assert_called 'systemctl enable containerd'
	# not booted (no /run/systemd/system in the fake root): no restart
	refute_called 'systemctl restart containerd'
}

@test "02: an existing full containerd config (e.g. with the nvidia runtime) is edited, not replaced" {
	put etc/containerd/config.toml <<-'TOML'
		version = 2
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "registry.k8s.io/pause:3.8"
		[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
		  BinaryName = "/usr/bin/nvidia-container-runtime"
		  SystemdCgroup = false
	TOML
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_file_content "$IMAGE_ROOT/etc/containerd/config.toml" <<-'TOML'
		version = 2
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "registry.k8s.io/pause:3.9"
		[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
		  BinaryName = "/usr/bin/nvidia-container-runtime"
		  SystemdCgroup = true
	TOML
	refute_called 'containerd config default'
}

@test "02: CONTAINERD_SANDBOX_IMAGE sets another pause image; a malformed one is a usage error" {
	run_script 02-gpu-prerequisites.sh CONTAINERD_SANDBOX_IMAGE=registry.k8s.io/pause:3.10
	assert_status 0
	grep -qx '    sandbox_image = "registry.k8s.io/pause:3.10"' "$IMAGE_ROOT/etc/containerd/config.toml" || fail_with "pause:3.10 not set"
	[[ $(grep -c 'sandbox_image' "$IMAGE_ROOT/etc/containerd/config.toml") -eq 1 ]] || fail_with "more than one sandbox_image line"
	for bad in 'pause:3.9' 'registry.k8s.io/pause' 'registry.k8s.io/pause:3.9"; x = "' ''; do
		run_script 02-gpu-prerequisites.sh CONTAINERD_SANDBOX_IMAGE="$bad"
		if [[ -z $bad ]]; then assert_status 0; continue; fi # empty: the default
		assert_status 64
		assert_output_contains "error: CONTAINERD_SANDBOX_IMAGE '$bad' is not an image reference like registry.k8s.io/pause:3.9"
	done
}

@test "02: a containerd config without a sandbox_image line fails clearly" {
	put etc/containerd/config.toml <<-'TOML'
		version = 2
		  SystemdCgroup = true
	TOML
	run_script 02-gpu-prerequisites.sh
	assert_status 1
	assert_output_contains "error: /etc/containerd/config.toml has no 'sandbox_image = ' line"
}

@test "02: on a booted system a changed containerd config restarts containerd" {
	mkdir -p "$IMAGE_ROOT/run/systemd/system"
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_called 'systemctl restart containerd'
}

@test "02: swap off: swapoff -a, swap entries removed from fstab (comments kept), swap file deleted" {
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_called 'swapoff -a'
	assert_file_content "$IMAGE_ROOT/etc/fstab" <<-'FSTAB'
		# /etc/fstab: static file system information.
		LABEL=cloudimg-rootfs	/	 ext4	discard,errors=remount-ro	0 1
		LABEL=UEFI	/boot/efi	vfat	umask=0077	0 1
		# /dev/vdb none swap sw 0 0
	FSTAB
	[[ ! -e $IMAGE_ROOT/swap.img ]] || fail_with "swap file still there"
	assert_output_contains "removed swap file /swap.img"
}

@test "02: a swap file named only in fstab (not /swap.img) is removed too" {
	printf '/var/swapfile none swap sw 0 0\n' >>"$IMAGE_ROOT/etc/fstab"
	echo data | put var/swapfile
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	[[ ! -e $IMAGE_ROOT/var/swapfile ]] || fail_with "/var/swapfile still there"
	! grep -q swapfile "$IMAGE_ROOT/etc/fstab" || fail_with "fstab still names the swap file"
}

@test "02: Kubernetes kernel modules and sysctls, loaded now and at boot" {
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_file_content "$IMAGE_ROOT/etc/modules-load.d/kubernetes.conf" <<-'EOF2'
		# Managed by gpu-image-builder (02-gpu-prerequisites.sh): kernel modules a Kubernetes node needs.
		overlay
		br_netfilter
	EOF2
	assert_file_content "$IMAGE_ROOT/etc/sysctl.d/99-kubernetes.conf" <<-'EOF2'
		# Managed by gpu-image-builder (02-gpu-prerequisites.sh): pod networking needs bridged traffic to
		# pass iptables and the node to forward packets.
		net.bridge.bridge-nf-call-iptables = 1
		net.bridge.bridge-nf-call-ip6tables = 1
		net.ipv4.ip_forward = 1
	EOF2
	assert_called 'modprobe overlay'
	assert_called 'modprobe br_netfilter'
	assert_called 'sysctl --system'
}

@test "02: modprobe/sysctl failures (e.g. in a container) only warn" {
	stub modprobe 'exit 1'
	stub sysctl 'exit 1'
	stub swapoff 'exit 1'
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_output_contains "warning: could not load br_netfilter now"
}

@test "02: idempotent - a second run changes no file and does not rebuild the initramfs" {
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	before=$(snapshot "$IMAGE_ROOT")
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_output_contains "nouveau blacklist already in place; initramfs not rebuilt"
	[[ $(snapshot "$IMAGE_ROOT") == "$before" ]] || fail_with "the second run changed files"
	[[ $(call_count 'update-initramfs .*') -eq 1 ]] || fail_with "initramfs rebuilt again"
	[[ $(call_count 'containerd config default') -eq 1 ]] || fail_with "containerd config regenerated"
}

@test "02: a failed initramfs rebuild is retried by the next run" {
	stub update-initramfs 'exit 1'
	run_script 02-gpu-prerequisites.sh
	assert_status 1
	assert_output_contains "error: update-initramfs -u -k all failed"
	[[ ! -e $IMAGE_ROOT/etc/modprobe.d/blacklist-nouveau.conf ]] || fail_with "blacklist left in place"

	stub update-initramfs
	: >"$STUB_LOG"
	run_script 02-gpu-prerequisites.sh
	assert_status 0
	assert_called 'update-initramfs -u -k all'
}

@test "02: bad APT_LOCK_TIMEOUT is a usage error" {
	run_script 02-gpu-prerequisites.sh APT_LOCK_TIMEOUT=-1
	assert_status 64
	assert_output_contains "error: APT_LOCK_TIMEOUT '-1' is not a whole number of seconds"
}
