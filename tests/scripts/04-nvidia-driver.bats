#!/usr/bin/env bats
# scripts/04-nvidia-driver.sh
# shellcheck disable=SC2016 # stub bodies and patterns are single-quoted on purpose: they expand later

load test_helper

DRIVER_PACKAGES_HELD="libnvidia-cfg1-565 libnvidia-common-565 libnvidia-compute-565 nvidia-compute-utils-565 nvidia-dkms-565-open nvidia-fabricmanager-565 nvidia-firmware-565-565.57.01 nvidia-headless-565-open nvidia-headless-no-dkms-565-open nvidia-kernel-common-565 nvidia-kernel-source-565-open nvidia-utils-565"

setup() {
	common_setup
	add_kernel 5.15.0-125-generic
	add_kernel 5.15.0-126-generic
	put etc/containerd/config.toml <"$FIXTURES/containerd-1.6.20-config-default.toml"
	# ... plus the fabric manager (installed by default), in dpkg-query's name order.
	{ cat "$FIXTURES/dpkg-query-nvidia-565-open.txt" && echo 'ii  nvidia-fabricmanager-565 565.57.01-1'; } |
		sort -k2,2 >"$BATS_TEST_TMPDIR/dpkg-installed"
	# nvidia-compute-utils-565 ships nvidia-persistenced
	mkdir -p "$IMAGE_ROOT/usr/bin" && : >"$IMAGE_ROOT/usr/bin/nvidia-persistenced" && chmod +x "$IMAGE_ROOT/usr/bin/nvidia-persistenced"
	stub curl 'out=; while (($#)); do [[ $1 == -o ]] && { out=$2; shift; }; url=$1; shift; done; echo "DATA from $url" >"$out"'
	stub gpg 'out=; while (($#)); do [[ $1 == --output ]] && { out=$2; shift; }; in=$1; shift; done; { echo dearmored; cat "$in"; } >"$out"'
	# cuda-keyring is not installed until apt-get installs the .deb; the driver packages come from a listing file.
	stub apt-get '[[ "$*" == *" install "*/cuda-keyring.deb ]] && touch "$BATS_TEST_TMPDIR/cuda-keyring-installed"; exit 0'
	stub dpkg-query '
		if [[ ${*: -1} == cuda-keyring ]]; then
			[[ -e $BATS_TEST_TMPDIR/cuda-keyring-installed ]] || exit 1
			printf "install ok installed 1.1-1"
		else
			cat "$BATS_TEST_TMPDIR/dpkg-installed"
		fi'
	# The CUDA repository offers several driver releases of each package; the fabric manager uses
	# the Debian revision -1, the driver packages -0ubuntu1.
	stub apt-cache '
		[[ $1 == madison ]] || exit 0
		rev=0ubuntu1; [[ $2 == nvidia-fabricmanager-* ]] && rev=1
		for v in 580.95.05 565.57.01 565.57.01~rc 550.127.05; do
			printf "%10s | %s-%s | https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64  Packages\n" "$2" "$v" "$rev"
		done'
	stub modinfo '
		case "$*" in
		*"-F version nvidia") echo "${STUB_MODINFO_VERSION-565.57.01}" ;;
		*"-F license nvidia") echo "${STUB_MODINFO_LICENSE-Dual MIT/GPL}" ;;
		*"-F signer nvidia") echo "${STUB_MODINFO_SIGNER-}" ;;
		esac'
	# nvidia-ctk adds the nvidia runtime to the containerd config once.
	stub nvidia-ctk '
		for a in "$@"; do [[ $a == --config=* ]] && config=${a#--config=}; done
		grep -q "runtimes.nvidia" "$config" || printf "%s\n" "" "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]" "  runtime_type = \"io.containerd.runc.v2\"" >>"$config"'
}

@test "04: CUDA repository through the cuda-keyring package, installed by the lock-waiting apt-get (not dpkg -i)" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_called 'curl -fsSL --retry 3 -o .*/cuda-keyring.deb https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64/cuda-keyring_1.1-1_all.deb'
	assert_called 'apt-get -y -q -o DPkg::Lock::Timeout=600 .* install /.*/cuda-keyring.deb'
	refute_called 'dpkg .*'
}

@test "04: waits for cloud-init first (a layered build starts here), unless told not to or it is absent" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_called 'cloud-init status --wait'
	[[ $(head -n1 "$STUB_LOG") == "cloud-init status --wait" ]] || fail_with "cloud-init was not waited for before anything else"
	: >"$STUB_LOG"
	run_script 04-nvidia-driver.sh WAIT_FOR_CLOUD_INIT=0
	assert_status 0
	refute_called 'cloud-init .*'
	unstub cloud-init
	run_script 04-nvidia-driver.sh
	assert_status 0
	run_script 04-nvidia-driver.sh WAIT_FOR_CLOUD_INIT=yes
	assert_status 64
}

@test "04: on a booted system the apt timers and unattended-upgrades are stopped before the first apt-get, not disabled" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	refute_called 'systemctl stop .*'
	mkdir -p "$IMAGE_ROOT/run/systemd/system"
	: >"$STUB_LOG"
	run_script 04-nvidia-driver.sh
	assert_status 0
	stop='systemctl stop apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service unattended-upgrades.service'
	assert_called "$stop"
	first_apt=$(grep -n -m1 '^apt-get ' "$STUB_LOG" | cut -d: -f1)
	stopped=$(grep -n -m1 -x "$stop" "$STUB_LOG" | cut -d: -f1)
	((stopped < first_apt)) || fail_with "stopped after the first apt-get"
	refute_called 'systemctl (disable|mask) .*apt-daily.*'
}

@test "04: apt-mark hold is retried while the dpkg lock is busy, and gives up after APT_LOCK_TIMEOUT" {
	# fails on its first call, then works
	stub apt-mark '[[ -e $BATS_TEST_TMPDIR/mark-failed ]] && exit 0; touch "$BATS_TEST_TMPDIR/mark-failed"; echo "E: Could not get lock /var/lib/dpkg/lock" >&2; exit 100'
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_output_contains "warning: apt-mark hold failed (dpkg lock busy?); retrying in 5 s"
	assert_called 'sleep 5'
	[[ $(call_count "apt-mark hold $DRIVER_PACKAGES_HELD") -eq 2 ]] || fail_with "expected the driver hold twice"

	stub apt-mark 'exit 100'
	run_script 04-nvidia-driver.sh APT_LOCK_TIMEOUT=0
	assert_status 1
	assert_output_contains "error: apt-mark hold $DRIVER_PACKAGES_HELD kept failing for 0 s"
}

@test "04: apt pin keeps every package of the 565 branch at 565.57.01" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_file_content "$IMAGE_ROOT/etc/apt/preferences.d/nvidia-driver.pref" <<-'EOF2'
		Explanation: Managed by gpu-image-builder (04-nvidia-driver.sh). Every package of the NVIDIA
		Explanation: 565 driver branch stays at 565.57.01, so no dependency drifts to another
		Explanation: release. The container toolkit (libnvidia-container*) has no branch number and is not matched.
		Package: /^(lib)?nvidia-.*-565([-.].*)?$/ /^xserver-xorg-video-nvidia-565$/ nvidia-modprobe nvidia-settings nvidia-persistenced
		Pin: version 565.57.01-*
		Pin-Priority: 1001
	EOF2
}

@test "04: the pin's package pattern matches driver packages and not the container toolkit" {
	regex='^(lib)?nvidia-.*-565([-.].*)?$'
	for name in nvidia-dkms-565-open nvidia-dkms-565 libnvidia-compute-565 libnvidia-cfg1-565 nvidia-utils-565 \
		nvidia-kernel-source-565-open nvidia-firmware-565-565.57.01 nvidia-headless-no-dkms-565-open nvidia-fabricmanager-565; do
		[[ $name =~ $regex ]] || fail_with "$name is not pinned"
	done
	for name in libnvidia-container1 libnvidia-container-tools nvidia-container-toolkit nvidia-container-toolkit-base \
		nvidia-utils-570 libnvidia-compute-5650 cuda-keyring; do
		[[ ! $name =~ $regex ]] || fail_with "$name must not be pinned to the driver version"
	done
}

@test "04: open flavour by default: headless-open + utils at the exact 565.57.01 Debian version" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_called 'apt-get -y -q .* install --no-install-recommends --allow-change-held-packages --allow-downgrades nvidia-headless-565-open=565.57.01-0ubuntu1 nvidia-utils-565=565.57.01-0ubuntu1 nvidia-fabricmanager-565=565.57.01-1'
	refute_called 'apt-get .*580\.95\.05.*'
	refute_called 'apt-get .* install .*nvidia-headless-565=.*'
}

@test "04: every installed driver package is held, the container toolkit packages separately" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_called "apt-mark hold $DRIVER_PACKAGES_HELD"
	assert_called 'apt-mark hold nvidia-container-toolkit nvidia-container-toolkit-base libnvidia-container-tools libnvidia-container1'
	refute_called 'apt-mark hold .*nvidia-utils-550.*'
}

@test "04: DKMS for the newest kernel, then modinfo of that kernel's nvidia module is checked" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_called 'dkms autoinstall -k 5.15.0-126-generic'
	assert_called "modinfo -b $IMAGE_ROOT -k 5.15.0-126-generic -F version nvidia"
	assert_called "modinfo -b $IMAGE_ROOT -k 5.15.0-126-generic -F license nvidia"
	assert_output_contains "nvidia module 565.57.01 (open) is built for kernel 5.15.0-126-generic"
}

@test "04: a module version other than NVIDIA_DRIVER_VERSION fails clearly" {
	run_script 04-nvidia-driver.sh STUB_MODINFO_VERSION=580.95.05
	assert_status 1
	assert_output_contains "error: nvidia kernel module for kernel 5.15.0-126-generic is version '580.95.05', expected 565.57.01"
	run_script 04-nvidia-driver.sh STUB_MODINFO_VERSION=
	assert_status 1
	assert_output_contains "is version 'missing', expected 565.57.01"
}

@test "04: a proprietary module where the open one was asked for fails" {
	run_script 04-nvidia-driver.sh STUB_MODINFO_LICENSE=NVIDIA
	assert_status 1
	assert_output_contains "error: nvidia kernel module for kernel 5.15.0-126-generic has licence 'NVIDIA', expected 'Dual MIT/GPL' for the open flavour"
}

@test "04: NVIDIA_KERNEL_MODULE_FLAVOR=proprietary selects the closed modules" {
	run_script 04-nvidia-driver.sh NVIDIA_KERNEL_MODULE_FLAVOR=proprietary STUB_MODINFO_LICENSE=NVIDIA
	assert_status 0
	assert_called 'apt-get .* install .* nvidia-headless-565=565.57.01-0ubuntu1 nvidia-utils-565=565.57.01-0ubuntu1 nvidia-fabricmanager-565=565.57.01-1'
	refute_called 'apt-get .* install .*-open=.*'
}

@test "04: an unknown flavour is a usage error" {
	run_script 04-nvidia-driver.sh NVIDIA_KERNEL_MODULE_FLAVOR=closed
	assert_status 64
	assert_output_contains "error: NVIDIA_KERNEL_MODULE_FLAVOR 'closed' must be 'open' or 'proprietary'"
	refute_called 'curl .*|apt-get .*|dpkg .*'
}

@test "04: a driver version that is not a full version is a usage error" {
	run_script 04-nvidia-driver.sh NVIDIA_DRIVER_VERSION=565
	assert_status 64
	assert_output_contains "error: NVIDIA_DRIVER_VERSION '565' is not a full version like 565.57.01"
	for bad in latest 565.57.01-0ubuntu1 v565.57.01 565.x; do
		run_script 04-nvidia-driver.sh NVIDIA_DRIVER_VERSION="$bad"
		assert_status 64
	done
	refute_called 'curl .*|apt-get .*'
}

@test "04: another driver version picks that version's packages and pin" {
	run_script 04-nvidia-driver.sh NVIDIA_DRIVER_VERSION=550.127.05 STUB_MODINFO_VERSION=550.127.05
	# the listing still shows 565 packages: the version check must catch that
	assert_status 1
	assert_called 'apt-get .* install .* nvidia-headless-550-open=550.127.05-0ubuntu1 nvidia-utils-550=550.127.05-0ubuntu1 nvidia-fabricmanager-550=550.127.05-1'
	grep -qx 'Pin: version 550.127.05-\*' "$IMAGE_ROOT/etc/apt/preferences.d/nvidia-driver.pref"
	assert_output_contains "error: driver packages not at 550.127.05: libnvidia-cfg1-565=565.57.01-0ubuntu1"
}

@test "04: a dependency at another version fails, naming it" {
	sed -i 's/^ii  libnvidia-compute-565 .*/ii  libnvidia-compute-565 580.95.05-0ubuntu1/' "$BATS_TEST_TMPDIR/dpkg-installed"
	run_script 04-nvidia-driver.sh
	assert_status 1
	assert_output_contains "error: driver packages not at 565.57.01: libnvidia-compute-565=580.95.05-0ubuntu1"
	refute_called 'apt-mark hold .*'
}

@test "04: a driver version the repository does not have fails before installing" {
	run_script 04-nvidia-driver.sh NVIDIA_DRIVER_VERSION=565.57.02
	assert_status 1
	assert_output_contains "error: nvidia-headless-565-open has no version 565.57.02-* in the configured apt repositories"
	refute_called 'apt-get .* install .*=.*'
}

@test "04: NVIDIA Container Toolkit: repository, all four packages at 1.17.8-1, held, containerd configured" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_called 'curl -fsSL --retry 3 -o .* https://nvidia.github.io/libnvidia-container/gpgkey'
	assert_file_content "$IMAGE_ROOT/etc/apt/sources.list.d/nvidia-container-toolkit.list" <<-'EOF2'
		deb [signed-by=/etc/apt/keyrings/nvidia-container-toolkit-keyring.gpg] https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /
	EOF2
	[[ -s $IMAGE_ROOT/etc/apt/keyrings/nvidia-container-toolkit-keyring.gpg ]] || fail_with "no toolkit keyring"
	assert_called 'apt-get .* install --no-install-recommends --allow-change-held-packages --allow-downgrades nvidia-container-toolkit=1.17.8-1 nvidia-container-toolkit-base=1.17.8-1 libnvidia-container-tools=1.17.8-1 libnvidia-container1=1.17.8-1'
	assert_called "nvidia-ctk runtime configure --runtime=containerd --config=$IMAGE_ROOT/etc/containerd/config.toml"
	grep -qF 'runtimes.nvidia]' "$IMAGE_ROOT/etc/containerd/config.toml"
}

@test "04: container toolkit version knob, and its validation" {
	run_script 04-nvidia-driver.sh NVIDIA_CONTAINER_TOOLKIT_VERSION=1.17.3
	assert_status 0
	assert_called 'apt-get .* install .* nvidia-container-toolkit=1.17.3-1 nvidia-container-toolkit-base=1.17.3-1 libnvidia-container-tools=1.17.3-1 libnvidia-container1=1.17.3-1'
	run_script 04-nvidia-driver.sh NVIDIA_CONTAINER_TOOLKIT_VERSION=1.17
	assert_status 64
	assert_output_contains "error: NVIDIA_CONTAINER_TOOLKIT_VERSION '1.17' is not a full version like 1.17.8"
}

@test "04: RuntimeClass nvidia written for the cluster" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_file_content "$IMAGE_ROOT/etc/gpu-image/kubernetes/runtimeclass-nvidia.yaml" <<-'EOF2'
		# Managed by gpu-image-builder (04-nvidia-driver.sh). Apply once per cluster:
		#   kubectl apply -f /etc/gpu-image/kubernetes/runtimeclass-nvidia.yaml
		# Pods that set runtimeClassName: nvidia run under the NVIDIA container runtime, which
		# `nvidia-ctk runtime configure --runtime=containerd` registered in containerd as "nvidia".
		apiVersion: node.k8s.io/v1
		kind: RuntimeClass
		metadata:
		  name: nvidia
		handler: nvidia
	EOF2
}

@test "04: fabric manager and nvidia-persistenced by default: FM at the driver version, both enabled, held" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_called 'apt-get .* install .* nvidia-headless-565-open=565.57.01-0ubuntu1 nvidia-utils-565=565.57.01-0ubuntu1 nvidia-fabricmanager-565=565.57.01-1'
	assert_called 'apt-mark hold .* nvidia-fabricmanager-565 .*'
	assert_called 'systemctl enable nvidia-fabricmanager.service nvidia-persistenced.service'
	assert_output_contains "nvidia-fabricmanager-565 565.57.01-1 and nvidia-persistenced enabled"
	run_script 04-nvidia-driver.sh NVIDIA_INSTALL_FABRICMANAGER=yes
	assert_status 64
}

@test "04: NVIDIA_INSTALL_FABRICMANAGER=0 leaves the fabric manager and the persistenced units out" {
	run_script 04-nvidia-driver.sh NVIDIA_INSTALL_FABRICMANAGER=0
	assert_status 0
	refute_called 'apt-get .*nvidia-fabricmanager.*'
	refute_called 'systemctl enable nvidia-.*'
	[[ ! -e $IMAGE_ROOT/etc/systemd/system/nvidia-fabricmanager.service.d ]] || fail_with "drop-in written"
	assert_output_contains "fabric manager and nvidia-persistenced left out (NVIDIA_INSTALL_FABRICMANAGER=0)"
}

@test "04: a fabric manager at another version than the driver fails, naming both" {
	sed -i 's/^ii  nvidia-fabricmanager-565 .*/ii  nvidia-fabricmanager-565 565.57.02-1/' "$BATS_TEST_TMPDIR/dpkg-installed"
	run_script 04-nvidia-driver.sh
	assert_status 1
	assert_output_contains "driver packages not at 565.57.01: nvidia-fabricmanager-565=565.57.02-1"
	sed -i '/nvidia-fabricmanager-565/d' "$BATS_TEST_TMPDIR/dpkg-installed"
	run_script 04-nvidia-driver.sh
	assert_status 1
	assert_output_contains "error: nvidia-fabricmanager-565 is at 'not installed', expected exactly the driver's 565.57.01"
}

@test "04: without NVSwitch the fabric manager is skipped (ExecCondition), without a GPU persistenced is" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	grep -qx 'ExecCondition=/usr/local/lib/gpu-image/has-nvidia-pci 0x0680' "$IMAGE_ROOT/etc/systemd/system/nvidia-fabricmanager.service.d/10-gpu-image-nvswitch-only.conf"
	grep -qx 'ExecCondition=/usr/local/lib/gpu-image/has-nvidia-pci 0x03' "$IMAGE_ROOT/etc/systemd/system/nvidia-persistenced.service.d/10-gpu-image-gpu-only.conf"
	probe="$IMAGE_ROOT/usr/local/lib/gpu-image/has-nvidia-pci"
	[[ -x $probe ]] || fail_with "probe not executable"
	sysfs="$BATS_TEST_TMPDIR/sys"
	pci() { mkdir -p "$sysfs/bus/pci/devices/$1" && echo "$2" >"$sysfs/bus/pci/devices/$1/vendor" && echo "$3" >"$sysfs/bus/pci/devices/$1/class"; }
	pci 0000:00:01.0 0x8086 0x068000 # an Intel bridge of the same class: not an NVSwitch
	run env GPU_IMAGE_SYSFS="$sysfs" sh "$probe" 0x0680
	[[ $status -eq 1 ]] || fail_with "no NVSwitch: expected exit 1, got $status"
	pci 0000:18:00.0 0x10de 0x030200 # H100 (3D controller)
	run env GPU_IMAGE_SYSFS="$sysfs" sh "$probe" 0x0680
	[[ $status -eq 1 ]] || fail_with "a GPU alone is no NVSwitch: expected exit 1, got $status"
	run env GPU_IMAGE_SYSFS="$sysfs" sh "$probe" 0x03
	[[ $status -eq 0 ]] || fail_with "GPU present: expected exit 0, got $status"
	pci 0000:05:00.0 0x10de 0x068000 # H100 NVSwitch
	run env GPU_IMAGE_SYSFS="$sysfs" sh "$probe" 0x0680
	[[ $status -eq 0 ]] || fail_with "NVSwitch present: expected exit 0, got $status"
}

@test "04: nvidia-persistenced is installed at the driver version where the driver packages did not bring it" {
	rm -f "$IMAGE_ROOT/usr/bin/nvidia-persistenced"
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_called 'apt-get .* install --no-install-recommends --allow-change-held-packages --allow-downgrades nvidia-persistenced=565.57.01-0ubuntu1'
	assert_called 'apt-mark hold nvidia-persistenced'
}

@test "04: modules are signed with MODULE_SIGNING_KEY/CERT (compressed ones too), the key is removed and never printed" {
	mkdir -p "$IMAGE_ROOT/tmp" "$IMAGE_ROOT/lib/modules/5.15.0-126-generic/updates/dkms"
	echo 'PRIVATE-KEY-CONTENT-S3CRET' >"$IMAGE_ROOT/tmp/gpu-image-module-signing.key"
	echo 'CERT' >"$IMAGE_ROOT/tmp/gpu-image-module-signing.crt"
	: >"$IMAGE_ROOT/lib/modules/5.15.0-126-generic/updates/dkms/nvidia.ko"
	: >"$IMAGE_ROOT/lib/modules/5.15.0-126-generic/updates/dkms/nvidia-uvm.ko.zst"
	stub zstd 'for a; do f=$a; done; if [[ $* == *-d* ]]; then mv "$f" "${f%.zst}"; else mv "$f" "$f.zst"; fi'
	run_script 04-nvidia-driver.sh MODULE_SIGNING_KEY=/tmp/gpu-image-module-signing.key MODULE_SIGNING_CERT=/tmp/gpu-image-module-signing.crt STUB_MODINFO_SIGNER="Example MOK"
	assert_status 0
	dkms="$IMAGE_ROOT/lib/modules/5.15.0-126-generic/updates/dkms"
	assert_called "kmodsign sha512 $IMAGE_ROOT/tmp/gpu-image-module-signing.key $IMAGE_ROOT/tmp/gpu-image-module-signing.crt $dkms/nvidia.ko"
	assert_called "kmodsign sha512 $IMAGE_ROOT/tmp/gpu-image-module-signing.key $IMAGE_ROOT/tmp/gpu-image-module-signing.crt $dkms/nvidia-uvm.ko"
	[[ -e $dkms/nvidia-uvm.ko.zst && ! -e $dkms/nvidia-uvm.ko ]] || fail_with "nvidia-uvm.ko.zst not packed again"
	assert_output_contains "signed 2 nvidia modules for kernel 5.15.0-126-generic (signer: Example MOK)"
	[[ ! -e $IMAGE_ROOT/tmp/gpu-image-module-signing.key ]] || fail_with "the signing key is still in the image"
	refute_output_contains "PRIVATE-KEY-CONTENT-S3CRET"
}

@test "04: the signing key is removed even when the build fails, and an unsigned result fails" {
	mkdir -p "$IMAGE_ROOT/tmp" "$IMAGE_ROOT/lib/modules/5.15.0-126-generic/updates/dkms"
	: >"$IMAGE_ROOT/lib/modules/5.15.0-126-generic/updates/dkms/nvidia.ko"
	echo key >"$IMAGE_ROOT/tmp/k" && echo cert >"$IMAGE_ROOT/tmp/c"
	run_script 04-nvidia-driver.sh MODULE_SIGNING_KEY=/tmp/k MODULE_SIGNING_CERT=/tmp/c STUB_MODINFO_VERSION=580.95.05
	assert_status 1
	[[ ! -e $IMAGE_ROOT/tmp/k ]] || fail_with "key left behind after a failed build"
	echo key >"$IMAGE_ROOT/tmp/k"
	run_script 04-nvidia-driver.sh MODULE_SIGNING_KEY=/tmp/k MODULE_SIGNING_CERT=/tmp/c
	assert_status 1
	assert_output_contains "error: the nvidia module for kernel 5.15.0-126-generic carries no signature after signing"
	[[ ! -e $IMAGE_ROOT/tmp/k ]] || fail_with "key left behind"
}

@test "04: signing asked for without a key, without a certificate or with an unreadable file is a usage error" {
	mkdir -p "$IMAGE_ROOT/tmp" && echo cert >"$IMAGE_ROOT/tmp/c" && echo key >"$IMAGE_ROOT/tmp/k"
	run_script 04-nvidia-driver.sh MODULE_SIGNING_CERT=/tmp/c
	assert_status 64
	assert_output_contains "error: MODULE_SIGNING_CERT is set but MODULE_SIGNING_KEY is not"
	run_script 04-nvidia-driver.sh MODULE_SIGNING_KEY=/tmp/k
	assert_status 64
	assert_output_contains "error: MODULE_SIGNING_KEY is set but MODULE_SIGNING_CERT is not"
	run_script 04-nvidia-driver.sh MODULE_SIGNING_KEY=/tmp/missing MODULE_SIGNING_CERT=/tmp/c
	assert_status 64
	assert_output_contains "error: MODULE_SIGNING_KEY '/tmp/missing' is not a readable, non-empty file"
	refute_called 'curl .*|apt-get .*'
}

@test "04: without a signing key the modules stay unsigned, and the log says what Secure Boot then needs" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	refute_called 'kmodsign .*'
	assert_output_contains "modules not signed (no MODULE_SIGNING_KEY)"
}

@test "04: NVIDIA_DRIVER_PACKAGES overrides the top-level packages, still version-resolved" {
	run_script 04-nvidia-driver.sh NVIDIA_DRIVER_PACKAGES="nvidia-driver-565-open"
	assert_status 0
	assert_called 'apt-get .* install .* --allow-downgrades nvidia-driver-565-open=565.57.01-0ubuntu1 nvidia-fabricmanager-565=565.57.01-1'
	run_script 04-nvidia-driver.sh NVIDIA_DRIVER_PACKAGES="nvidia-driver-565-open=565.57.01-0ubuntu1"
	assert_status 64
	assert_output_contains "error: NVIDIA_DRIVER_PACKAGES entry 'nvidia-driver-565-open=565.57.01-0ubuntu1' is not a package name"
}

@test "04: idempotent - second run: keyring package not reinstalled, files identical" {
	run_script 04-nvidia-driver.sh
	assert_status 0
	before=$(snapshot "$IMAGE_ROOT")
	: >"$STUB_LOG"
	run_script 04-nvidia-driver.sh
	assert_status 0
	assert_output_contains "cuda-keyring 1.1-1 already installed"
	refute_called 'apt-get .* install .*cuda-keyring.deb'
	refute_output_contains "wrote "
	[[ $(snapshot "$IMAGE_ROOT") == "$before" ]] || fail_with "the second run changed files"
}
