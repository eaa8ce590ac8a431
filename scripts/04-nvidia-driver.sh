#!/usr/bin/env bash
# 04-nvidia-driver.sh - the NVIDIA data-centre driver at one exact version, plus the NVIDIA
# Container Toolkit wired into containerd and a Kubernetes RuntimeClass for it.
#
# Runs as root inside the image being built (Packer: sudo -n env VAR=... bash 04-nvidia-driver.sh).
# Needs 01 (curl, gpg) and 02 (kernel headers for every kernel, dkms, containerd).
#
# What it does
#   0. No dpkg-lock races (in a layered build this is the first step of the boot): waits for
#      `cloud-init status --wait` (when cloud-init exists) and, on a booted system, stops apt-daily*.timer/
#      .service and unattended-upgrades.service for the rest of this build boot. Nothing is disabled here:
#      the image's policy (02: apt timers disabled and masked) is what the next boot gets, so there is
#      nothing to restore. Every apt-get waits for the dpkg lock; apt-mark hold (which has no lock timeout)
#      is retried until APT_LOCK_TIMEOUT.
#   1. Adds NVIDIA's CUDA network repository by installing its cuda-keyring package
#      (<base>/<distro>/<arch>/cuda-keyring_<version>_all.deb) through apt-get (lock-waiting), unless that
#      version is installed.
#   2. Pins the driver branch: /etc/apt/preferences.d/nvidia-driver.pref gives every package of the
#      branch (nvidia-*-<branch>*, libnvidia-*-<branch>*, xserver-xorg-video-nvidia-<branch>, and
#      nvidia-modprobe/-settings/-persistenced) priority 1001 at version <NVIDIA_DRIVER_VERSION>-*,
#      so no dependency can drift to another release. The container toolkit packages (also named
#      libnvidia-container*) carry no branch number and are not matched; they are pinned by
#      exact version in step 4 instead.
#   3. Installs the headless (compute-only) driver metapackage of the flavour plus nvidia-utils
#      (nvidia-smi), each at the exact Debian version found for NVIDIA_DRIVER_VERSION
#      (e.g. 565.57.01-0ubuntu1), and by default nvidia-fabricmanager-<branch> at exactly the driver's
#      version (HGX/NVSwitch systems: CUDA does not initialise without it). Then:
#        - every installed nvidia*/libnvidia* driver package must be at NVIDIA_DRIVER_VERSION,
#        - they are all held (apt-mark hold),
#        - DKMS is asked to build for the newest installed kernel (the one that boots), and
#        - `modinfo -k <newest kernel> -F version nvidia` must equal NVIDIA_DRIVER_VERSION, and the
#          module's licence must match the flavour (open: "Dual MIT/GPL", proprietary: "NVIDIA").
#   3b. With the fabric manager (default): nvidia-fabricmanager and nvidia-persistenced (from
#      nvidia-compute-utils-<branch>, else the nvidia-persistenced package at the driver version) enabled,
#      each with a drop-in ExecCondition (/usr/local/lib/gpu-image/has-nvidia-pci): the fabric manager
#      starts only where an NVIDIA NVSwitch (PCI class 0x0680) is present, persistenced only where an
#      NVIDIA GPU is; elsewhere the unit is skipped, not failed, so a machine without them boots clean.
#   3c. Secure Boot: with MODULE_SIGNING_KEY and MODULE_SIGNING_CERT, the DKMS-built nvidia modules of the
#      kernel that boots are signed (kmodsign, else the kernel's scripts/sign-file; compressed modules are
#      unpacked, signed and packed again) and the signature is checked; the key file is removed when this
#      script exits, whatever the outcome (99-cleanup empties /tmp and /var/tmp too).
#   4. NVIDIA Container Toolkit from NVIDIA's libnvidia-container repository, all four packages at
#      exactly NVIDIA_CONTAINER_TOOLKIT_VERSION and held; `nvidia-ctk runtime configure
#      --runtime=containerd` adds the "nvidia" runtime to /etc/containerd/config.toml.
#   5. Writes a RuntimeClass "nvidia" (handler nvidia) to
#      /etc/gpu-image/kubernetes/runtimeclass-nvidia.yaml, for the cluster to apply.
#   Idempotent: a second run finds the keyring, pin, packages, holds and files already as wanted.
#
# Environment (all optional)
#   NVIDIA_DRIVER_VERSION           565.57.01  exact driver version (branch = first field, 565)
#   NVIDIA_KERNEL_MODULE_FLAVOR     open       open (NVIDIA's recommendation for Hopper and newer,
#                                              required for Blackwell) or proprietary
#   NVIDIA_DRIVER_PACKAGES          ""         override the top-level driver packages (space separated,
#                                              no versions); default: nvidia-headless-<branch>-open
#                                              nvidia-utils-<branch> (open) or nvidia-headless-<branch>
#                                              nvidia-utils-<branch> (proprietary)
#   NVIDIA_INSTALL_FABRICMANAGER    1          1 = nvidia-fabricmanager-<branch> and nvidia-persistenced, enabled
#                                              (HGX/NVSwitch); 0 = leave them out
#   MODULE_SIGNING_KEY              ""         guest path of the PEM private key to sign the modules with (a
#                                              secret: never printed, removed when the script exits)
#   MODULE_SIGNING_CERT             ""         guest path of its X.509 certificate (PEM or DER); both or neither
#   WAIT_FOR_CLOUD_INIT             1          1 = run `cloud-init status --wait` first (skipped without cloud-init)
#   NVIDIA_CUDA_REPO_BASE_URL       https://developer.download.nvidia.com/compute/cuda/repos
#   NVIDIA_CUDA_REPO_DISTRO         ubuntu2204  CUDA repository of the release (the build: from --ubuntu-version);
#                                              must match /etc/os-release on Ubuntu (ubuntu2404 on 24.04)
#   NVIDIA_CUDA_REPO_ARCH           x86_64
#   NVIDIA_CUDA_KEYRING_VERSION     1.1-1
#   NVIDIA_CONTAINER_TOOLKIT_VERSION           1.17.8  exact toolkit version
#   NVIDIA_CONTAINER_TOOLKIT_PACKAGE_REVISION  1       Debian revision (packages are 1.17.8-1)
#   NVIDIA_CONTAINER_TOOLKIT_REPO_URL  https://nvidia.github.io/libnvidia-container  (key: <url>/gpgkey,
#                                              packages: <url>/stable/deb/$(ARCH))
#   APT_LOCK_TIMEOUT                600        seconds apt waits for the dpkg lock
#   IMAGE_ROOT                      ""         prefix for every file path (tests point it at a fake root)
#
# Exit codes
#   0   success
#   1   failure (download, apt, a version not available, a package or the built module at the wrong
#       version or flavour)
#   64  usage error: an environment variable has an invalid value
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
readonly SCRIPT_NAME="04-nvidia-driver"
ROOT="${IMAGE_ROOT:-}"
NVIDIA_DRIVER_VERSION="${NVIDIA_DRIVER_VERSION:-565.57.01}"
NVIDIA_KERNEL_MODULE_FLAVOR="${NVIDIA_KERNEL_MODULE_FLAVOR:-open}"
NVIDIA_DRIVER_PACKAGES="${NVIDIA_DRIVER_PACKAGES:-}"
NVIDIA_INSTALL_FABRICMANAGER="${NVIDIA_INSTALL_FABRICMANAGER:-1}"
NVIDIA_CUDA_REPO_BASE_URL="${NVIDIA_CUDA_REPO_BASE_URL:-https://developer.download.nvidia.com/compute/cuda/repos}"
NVIDIA_CUDA_REPO_DISTRO="${NVIDIA_CUDA_REPO_DISTRO:-ubuntu2204}"
NVIDIA_CUDA_REPO_ARCH="${NVIDIA_CUDA_REPO_ARCH:-x86_64}"
NVIDIA_CUDA_KEYRING_VERSION="${NVIDIA_CUDA_KEYRING_VERSION:-1.1-1}"
NVIDIA_CONTAINER_TOOLKIT_VERSION="${NVIDIA_CONTAINER_TOOLKIT_VERSION:-1.17.8}"
NVIDIA_CONTAINER_TOOLKIT_PACKAGE_REVISION="${NVIDIA_CONTAINER_TOOLKIT_PACKAGE_REVISION:-1}"
NVIDIA_CONTAINER_TOOLKIT_REPO_URL="${NVIDIA_CONTAINER_TOOLKIT_REPO_URL:-https://nvidia.github.io/libnvidia-container}"
APT_LOCK_TIMEOUT="${APT_LOCK_TIMEOUT:-600}"
WAIT_FOR_CLOUD_INIT="${WAIT_FOR_CLOUD_INIT:-1}"
MODULE_SIGNING_KEY="${MODULE_SIGNING_KEY:-}"
MODULE_SIGNING_CERT="${MODULE_SIGNING_CERT:-}"

# The signing key is a secret: whatever happens below, it does not stay in the image.
remove_signing_key() {
	if [[ -n $MODULE_SIGNING_KEY ]]; then rm -f -- "$ROOT$MODULE_SIGNING_KEY"; fi
}
trap remove_signing_key EXIT

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
	local rc=$1
	shift
	printf 'error: %s\n' "$*" >&2
	exit "$rc"
}

# --- validate inputs up front -------------------------------------------------------------
[[ $NVIDIA_DRIVER_VERSION =~ ^[0-9]{3,}\.[0-9]+(\.[0-9]+)?$ ]] ||
	die 64 "NVIDIA_DRIVER_VERSION '$NVIDIA_DRIVER_VERSION' is not a full version like 565.57.01"
branch="${NVIDIA_DRIVER_VERSION%%.*}"
case "$NVIDIA_KERNEL_MODULE_FLAVOR" in
open) expected_license="Dual MIT/GPL" ;;
proprietary) expected_license="NVIDIA" ;;
*) die 64 "NVIDIA_KERNEL_MODULE_FLAVOR '$NVIDIA_KERNEL_MODULE_FLAVOR' must be 'open' or 'proprietary'" ;;
esac
for name in $NVIDIA_DRIVER_PACKAGES; do
	[[ $name =~ ^[a-z0-9][a-z0-9.+-]+$ ]] ||
		die 64 "NVIDIA_DRIVER_PACKAGES entry '$name' is not a package name (give names without versions)"
done
[[ $NVIDIA_INSTALL_FABRICMANAGER =~ ^[01]$ ]] ||
	die 64 "NVIDIA_INSTALL_FABRICMANAGER '$NVIDIA_INSTALL_FABRICMANAGER' must be 0 or 1"
[[ $NVIDIA_CUDA_REPO_DISTRO =~ ^[a-z]+[0-9]+$ ]] ||
	die 64 "NVIDIA_CUDA_REPO_DISTRO '$NVIDIA_CUDA_REPO_DISTRO' is not a CUDA repo distro like ubuntu2204"
[[ $NVIDIA_CUDA_REPO_ARCH =~ ^(x86_64|sbsa|arm64)$ ]] ||
	die 64 "NVIDIA_CUDA_REPO_ARCH '$NVIDIA_CUDA_REPO_ARCH' must be x86_64, sbsa or arm64"
[[ $NVIDIA_CUDA_KEYRING_VERSION =~ ^[0-9]+(\.[0-9]+)*-[0-9]+$ ]] ||
	die 64 "NVIDIA_CUDA_KEYRING_VERSION '$NVIDIA_CUDA_KEYRING_VERSION' is not a package version like 1.1-1"
[[ $NVIDIA_CONTAINER_TOOLKIT_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+(~rc\.[0-9]+)?$ ]] ||
	die 64 "NVIDIA_CONTAINER_TOOLKIT_VERSION '$NVIDIA_CONTAINER_TOOLKIT_VERSION' is not a full version like 1.17.8"
[[ $NVIDIA_CONTAINER_TOOLKIT_PACKAGE_REVISION =~ ^[0-9][0-9A-Za-z.+~]*$ ]] ||
	die 64 "NVIDIA_CONTAINER_TOOLKIT_PACKAGE_REVISION '$NVIDIA_CONTAINER_TOOLKIT_PACKAGE_REVISION' is not a Debian revision like 1"
for url_var in NVIDIA_CUDA_REPO_BASE_URL NVIDIA_CONTAINER_TOOLKIT_REPO_URL; do
	[[ ${!url_var} =~ ^https?://[^[:space:]]+$ ]] || die 64 "$url_var '${!url_var}' is not an http(s) URL"
done
[[ $APT_LOCK_TIMEOUT =~ ^[0-9]+$ ]] ||
	die 64 "APT_LOCK_TIMEOUT '$APT_LOCK_TIMEOUT' is not a whole number of seconds"
[[ $WAIT_FOR_CLOUD_INIT =~ ^[01]$ ]] ||
	die 64 "WAIT_FOR_CLOUD_INIT '$WAIT_FOR_CLOUD_INIT' must be 0 or 1"
# Asked to sign: both files, readable. The messages name the variables, never the key's contents.
if [[ -n $MODULE_SIGNING_KEY || -n $MODULE_SIGNING_CERT ]]; then
	[[ -n $MODULE_SIGNING_KEY ]] || die 64 "MODULE_SIGNING_CERT is set but MODULE_SIGNING_KEY is not: signing needs the private key too (or unset both: modules stay unsigned)"
	[[ -n $MODULE_SIGNING_CERT ]] || die 64 "MODULE_SIGNING_KEY is set but MODULE_SIGNING_CERT is not: signing needs the certificate too (or unset both: modules stay unsigned)"
	for file_var in MODULE_SIGNING_KEY MODULE_SIGNING_CERT; do
		[[ -f $ROOT${!file_var} && -r $ROOT${!file_var} && -s $ROOT${!file_var} ]] ||
			die 64 "$file_var '${!file_var}' is not a readable, non-empty file"
	done
fi

# check_cuda_repo_distro_matches_os_release: the CUDA repository must be the one of the release being built
# (the build sets NVIDIA_CUDA_REPO_DISTRO from --ubuntu-version): a noble image fed ubuntu2204's repository would
# get driver packages built against another userland. Ubuntu only (ID=ubuntu, VERSION_ID=24.04 -> ubuntu2404); a
# root without os-release, or another distribution, is not judged.
check_cuda_repo_distro_matches_os_release() {
	local os_release="$ROOT/etc/os-release" id version_id
	[[ -f $os_release ]] || return 0
	id=$(sed -n 's/^ID=//p' "$os_release" | tr -d '"')
	version_id=$(sed -n 's/^VERSION_ID=//p' "$os_release" | tr -d '".')
	[[ $id == ubuntu && -n $version_id ]] || return 0
	[[ $NVIDIA_CUDA_REPO_DISTRO == "ubuntu$version_id" ]] ||
		die 64 "NVIDIA_CUDA_REPO_DISTRO '$NVIDIA_CUDA_REPO_DISTRO' does not match this image's release (ubuntu$version_id from /etc/os-release); build with --ubuntu-version of the base image"
}
check_cuda_repo_distro_matches_os_release

if [[ -z $NVIDIA_DRIVER_PACKAGES ]]; then
	if [[ $NVIDIA_KERNEL_MODULE_FLAVOR == open ]]; then
		NVIDIA_DRIVER_PACKAGES="nvidia-headless-$branch-open nvidia-utils-$branch"
	else
		NVIDIA_DRIVER_PACKAGES="nvidia-headless-$branch nvidia-utils-$branch"
	fi
fi
read -r -a driver_packages <<<"$NVIDIA_DRIVER_PACKAGES"
if [[ $NVIDIA_INSTALL_FABRICMANAGER == 1 ]]; then
	driver_packages+=("nvidia-fabricmanager-$branch")
fi
toolkit_version="${NVIDIA_CONTAINER_TOOLKIT_VERSION}-${NVIDIA_CONTAINER_TOOLKIT_PACKAGE_REVISION}"
readonly toolkit_packages=(nvidia-container-toolkit nvidia-container-toolkit-base libnvidia-container-tools libnvidia-container1)
readonly toolkit_keyring="/etc/apt/keyrings/nvidia-container-toolkit-keyring.gpg"
readonly runtimeclass_path="/etc/gpu-image/kubernetes/runtimeclass-nvidia.yaml"
# Package-name pattern of the driver branch, shared by the apt pin and the post-install check.
# nvidia-dkms-565-open, libnvidia-compute-565, nvidia-firmware-565-565.57.01, ... but never
# libnvidia-container1 / nvidia-container-toolkit (no branch number in their names).
readonly branch_regex="^(lib)?nvidia-.*-${branch}([-.].*)?\$"

# apt-mark hold takes the dpkg lock but, unlike apt-get, cannot wait for it: retry until APT_LOCK_TIMEOUT.
apt_mark_hold() {
	local deadline=$((SECONDS + APT_LOCK_TIMEOUT))
	until apt-mark hold "$@"; do
		((SECONDS < deadline)) ||
			die 1 "apt-mark hold $* kept failing for ${APT_LOCK_TIMEOUT} s (is another apt or dpkg holding the dpkg lock?)"
		warn "apt-mark hold failed (dpkg lock busy?); retrying in 5 s"
		sleep 5
	done
}

apt_get() {
	apt-get -y -q \
		-o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold \
		"$@"
}

# write_if_changed PATH MODE < content: returns 0 when it wrote, 1 when PATH was already identical.
write_if_changed() {
	local path=$1 mode=$2 tmp
	tmp=$(mktemp "${TMPDIR:-/tmp}/gpu-image.XXXXXX")
	cat >"$tmp"
	if [[ -f $path ]] && cmp -s "$tmp" "$path"; then
		rm -f "$tmp"
		return 1
	fi
	mkdir -p "$(dirname "$path")"
	install -m "$mode" "$tmp" "$path"
	rm -f "$tmp"
	log "wrote ${path#"$ROOT"}"
	return 0
}

# Installed kernels, oldest first (see 02-gpu-prerequisites.sh).
installed_kernels() {
	local f
	{
		for f in "$ROOT"/boot/vmlinuz-*; do
			if [[ -f $f ]]; then printf '%s\n' "${f##*/vmlinuz-}"; fi
		done
		for f in "$ROOT"/lib/modules/*/kernel; do
			if [[ -d $f ]]; then basename "$(dirname "$f")"; fi
		done
	} | sort -Vu
}

# exact_version PACKAGE UPSTREAM: the repository version of PACKAGE whose upstream part is
# UPSTREAM (565.57.01 -> 565.57.01-0ubuntu1), from `apt-cache madison`; empty if there is none.
# awk reads to the end instead of exiting at the first match: under pipefail an early exit would
# kill apt-cache with SIGPIPE and fail the script.
exact_version() {
	apt-cache madison "$1" 2>/dev/null |
		awk -F'|' -v want="$2-" '!done { v = $2; gsub(/[[:space:]]/, "", v); if (index(v, want) == 1) { print v; done = 1 } }'
}

# sign_modules KERNEL: sign every nvidia* module DKMS built for KERNEL with MODULE_SIGNING_KEY/CERT, then
# check that modinfo sees a signer. Never prints the key. Compressed modules (noble's dkms: .ko.zst) are
# unpacked, signed and packed again: the signature covers the uncompressed module.
sign_modules() {
	local kernel=$1 tool=() module plain signer count=0
	if command -v kmodsign >/dev/null 2>&1; then
		tool=(kmodsign sha512)
	elif [[ -x $ROOT/usr/src/linux-headers-$kernel/scripts/sign-file ]]; then
		tool=("$ROOT/usr/src/linux-headers-$kernel/scripts/sign-file" sha512)
	else
		die 1 "cannot sign modules: neither kmodsign (package sbsigntool) nor /usr/src/linux-headers-$kernel/scripts/sign-file is present"
	fi
	for module in "$ROOT/lib/modules/$kernel"/updates/dkms/nvidia*.ko*; do
		[[ -f $module ]] || continue
		case $module in
		*.ko.zst) plain=${module%.zst} && zstd -q -d -f --rm "$module" ;;
		*.ko.xz) plain=${module%.xz} && xz -d -f "$module" ;;
		*.ko) plain=$module ;;
		*) continue ;;
		esac
		"${tool[@]}" "$ROOT$MODULE_SIGNING_KEY" "$ROOT$MODULE_SIGNING_CERT" "$plain" ||
			die 1 "signing ${plain#"$ROOT"} failed"
		case $module in
		*.ko.zst) zstd -q -f --rm "$plain" ;;
		*.ko.xz) xz -f "$plain" ;;
		esac
		count=$((count + 1))
	done
	((count > 0)) || die 1 "no nvidia module under /lib/modules/$kernel/updates/dkms to sign"
	signer=$(modinfo "${modinfo_args[@]}" -k "$kernel" -F signer nvidia 2>/dev/null || true)
	[[ -n $signer ]] || die 1 "the nvidia module for kernel $kernel carries no signature after signing"
	log "signed $count nvidia modules for kernel $kernel (signer: $signer)"
}

workdir=$(mktemp -d "${TMPDIR:-/tmp}/nvidia-driver.XXXXXX")
trap 'rm -rf "$workdir"; remove_signing_key' EXIT

# --- 0. nobody else's apt while we run -----------------------------------------------------
if [[ $WAIT_FOR_CLOUD_INIT == 1 ]] && command -v cloud-init >/dev/null 2>&1; then
	log "waiting for cloud-init to finish"
	# Exit status 2 means "finished with recoverable errors" on newer cloud-init; that is not ours to fail on.
	cloud-init status --wait >/dev/null || warn "cloud-init status --wait returned $?; continuing"
fi
if [[ -d $ROOT/run/systemd/system ]]; then
	# For this boot only (stop, not disable): the next boot follows the image's policy from 02.
	log "stopping apt-daily, apt-daily-upgrade and unattended-upgrades for the build"
	systemctl stop apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service unattended-upgrades.service ||
		warn "could not stop every apt timer/service (not installed?); apt-get still waits for the dpkg lock"
fi

# --- 1. CUDA repository ----------------------------------------------------------------------
installed_keyring=$(dpkg-query -W -f='${Status} ${Version}' cuda-keyring 2>/dev/null || true)
if [[ $installed_keyring == "install ok installed $NVIDIA_CUDA_KEYRING_VERSION" ]]; then
	log "cuda-keyring $NVIDIA_CUDA_KEYRING_VERSION already installed"
else
	keyring_url="${NVIDIA_CUDA_REPO_BASE_URL%/}/$NVIDIA_CUDA_REPO_DISTRO/$NVIDIA_CUDA_REPO_ARCH/cuda-keyring_${NVIDIA_CUDA_KEYRING_VERSION}_all.deb"
	log "installing the CUDA repository keyring from $keyring_url"
	curl -fsSL --retry 3 -o "$workdir/cuda-keyring.deb" "$keyring_url" || die 1 "could not download $keyring_url"
	# Through apt-get, not dpkg -i: apt-get waits for the dpkg lock (DPkg::Lock::Timeout), dpkg fails at once.
	apt_get install "$workdir/cuda-keyring.deb"
fi

# --- 2. pin the driver branch to the exact version ----------------------------------------
write_if_changed "$ROOT/etc/apt/preferences.d/nvidia-driver.pref" 0644 <<PREF || true
Explanation: Managed by gpu-image-builder (04-nvidia-driver.sh). Every package of the NVIDIA
Explanation: $branch driver branch stays at $NVIDIA_DRIVER_VERSION, so no dependency drifts to another
Explanation: release. The container toolkit (libnvidia-container*) has no branch number and is not matched.
Package: /${branch_regex}/ /^xserver-xorg-video-nvidia-${branch}\$/ nvidia-modprobe nvidia-settings nvidia-persistenced
Pin: version ${NVIDIA_DRIVER_VERSION}-*
Pin-Priority: 1001
PREF

# --- 2b. container toolkit repository (its packages are installed in step 4) ---------------
curl -fsSL --retry 3 -o "$workdir/toolkit.key" "${NVIDIA_CONTAINER_TOOLKIT_REPO_URL%/}/gpgkey" ||
	die 1 "could not download ${NVIDIA_CONTAINER_TOOLKIT_REPO_URL%/}/gpgkey"
gpg --batch --yes --dearmor --output "$workdir/toolkit.gpg" "$workdir/toolkit.key"
write_if_changed "$ROOT$toolkit_keyring" 0644 <"$workdir/toolkit.gpg" || true
# $(ARCH) is expanded by apt, not by the shell.
write_if_changed "$ROOT/etc/apt/sources.list.d/nvidia-container-toolkit.list" 0644 <<LIST || true
deb [signed-by=$toolkit_keyring] ${NVIDIA_CONTAINER_TOOLKIT_REPO_URL%/}/stable/deb/\$(ARCH) /
LIST

apt_get update

# --- 3. the driver -------------------------------------------------------------------------
install_args=()
for pkg in "${driver_packages[@]}"; do
	version=$(exact_version "$pkg" "$NVIDIA_DRIVER_VERSION")
	[[ -n $version ]] ||
		die 1 "$pkg has no version $NVIDIA_DRIVER_VERSION-* in the configured apt repositories (apt-cache madison $pkg)"
	install_args+=("$pkg=$version")
done
log "installing driver $NVIDIA_DRIVER_VERSION ($NVIDIA_KERNEL_MODULE_FLAVOR kernel modules): ${install_args[*]}"
apt_get install --no-install-recommends --allow-change-held-packages --allow-downgrades "${install_args[@]}"

# Every driver package, dependencies included, must be at the requested version.
mapfile -t installed < <(
	dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' 'nvidia-*' 'libnvidia-*' 'xserver-xorg-video-nvidia-*' 2>/dev/null |
		awk '$1 == "ii" && $2 !~ /^(lib)?nvidia-(container|docker)/ { print $2 " " $3 }'
)
((${#installed[@]} > 0)) || die 1 "no NVIDIA driver package is installed after apt-get install"
held=()
wrong=()
for line in "${installed[@]}"; do
	pkg="${line%% *}"
	version="${line#* }"
	held+=("$pkg")
	[[ $version == "$NVIDIA_DRIVER_VERSION"-* ]] || wrong+=("$pkg=$version")
done
((${#wrong[@]} == 0)) ||
	die 1 "driver packages not at $NVIDIA_DRIVER_VERSION: ${wrong[*]}"
apt_mark_hold "${held[@]}"

# DKMS: the package's postinst builds for the running kernel; make sure the kernel that will boot
# (the newest) has the module too. A no-op when it is already built.
mapfile -t kernels < <(installed_kernels)
((${#kernels[@]} > 0)) || die 1 "no installed kernel found under '${ROOT:-/}'"
newest="${kernels[-1]}"
dkms autoinstall -k "$newest" || warn "dkms autoinstall -k $newest failed; checking the module anyway"

modinfo_args=()
[[ -n $ROOT ]] && modinfo_args=(-b "$ROOT")
module_version=$(modinfo "${modinfo_args[@]}" -k "$newest" -F version nvidia 2>/dev/null || true)
[[ $module_version == "$NVIDIA_DRIVER_VERSION" ]] ||
	die 1 "nvidia kernel module for kernel $newest is version '${module_version:-missing}', expected $NVIDIA_DRIVER_VERSION (DKMS build log: /var/lib/dkms/nvidia/$NVIDIA_DRIVER_VERSION/)"
module_license=$(modinfo "${modinfo_args[@]}" -k "$newest" -F license nvidia 2>/dev/null || true)
[[ $module_license == "$expected_license" ]] ||
	die 1 "nvidia kernel module for kernel $newest has licence '$module_license', expected '$expected_license' for the $NVIDIA_KERNEL_MODULE_FLAVOR flavour"
log "nvidia module $module_version ($NVIDIA_KERNEL_MODULE_FLAVOR) is built for kernel $newest"

# --- 3b. fabric manager and persistence daemon ----------------------------------------------
if [[ $NVIDIA_INSTALL_FABRICMANAGER == 1 ]]; then
	fabric_manager="nvidia-fabricmanager-$branch"
	fm_version=""
	for line in "${installed[@]}"; do
		[[ ${line%% *} == "$fabric_manager" ]] && fm_version="${line#* }"
	done
	[[ $fm_version == "$NVIDIA_DRIVER_VERSION"-* ]] ||
		die 1 "$fabric_manager is at '${fm_version:-not installed}', expected exactly the driver's $NVIDIA_DRIVER_VERSION (CUDA does not initialise on NVSwitch systems otherwise)"
	if [[ ! -x $ROOT/usr/bin/nvidia-persistenced ]]; then
		version=$(exact_version nvidia-persistenced "$NVIDIA_DRIVER_VERSION")
		[[ -n $version ]] ||
			die 1 "nvidia-persistenced is not installed (nvidia-compute-utils-$branch brings it) and the repositories have no nvidia-persistenced $NVIDIA_DRIVER_VERSION-*"
		apt_get install --no-install-recommends --allow-change-held-packages --allow-downgrades "nvidia-persistenced=$version"
		apt_mark_hold nvidia-persistenced
	fi
	write_if_changed "$ROOT/usr/local/lib/gpu-image/has-nvidia-pci" 0755 <<'SH' || true
#!/bin/sh
# Managed by gpu-image-builder (04-nvidia-driver.sh). Usage: has-nvidia-pci CLASS-PREFIX
# Exit 0 when an NVIDIA PCI device (vendor 0x10de) whose class starts with CLASS-PREFIX is present
# (0x0680: NVSwitch, 0x03: GPU), 1 otherwise: the ExecCondition of nvidia-fabricmanager and
# nvidia-persistenced, so that they are skipped, not failed, on machines without that hardware.
sysfs="${GPU_IMAGE_SYSFS:-/sys}"
for dev in "$sysfs"/bus/pci/devices/*; do
	[ "$(cat "$dev/vendor" 2>/dev/null)" = 0x10de ] || continue
	case "$(cat "$dev/class" 2>/dev/null)" in "$1"*) exit 0 ;; esac
done
exit 1
SH
	write_if_changed "$ROOT/etc/systemd/system/nvidia-fabricmanager.service.d/10-gpu-image-nvswitch-only.conf" 0644 <<'CONF' || true
# Managed by gpu-image-builder (04-nvidia-driver.sh): Fabric Manager has work only where NVSwitches are
# (8-GPU HGX H100/H200); elsewhere it exits with an error. Skipped (not failed) without an NVSwitch.
[Service]
ExecCondition=/usr/local/lib/gpu-image/has-nvidia-pci 0x0680
CONF
	write_if_changed "$ROOT/etc/systemd/system/nvidia-persistenced.service.d/10-gpu-image-gpu-only.conf" 0644 <<'CONF' || true
# Managed by gpu-image-builder (04-nvidia-driver.sh): skipped (not failed) on a machine without an NVIDIA GPU.
[Service]
ExecCondition=/usr/local/lib/gpu-image/has-nvidia-pci 0x03
CONF
	systemctl enable nvidia-fabricmanager.service nvidia-persistenced.service
	log "$fabric_manager $fm_version and nvidia-persistenced enabled (each starts only where its hardware is)"
else
	log "fabric manager and nvidia-persistenced left out (NVIDIA_INSTALL_FABRICMANAGER=0)"
fi

# --- 3c. Secure Boot: sign the DKMS-built modules ------------------------------------------
if [[ -n $MODULE_SIGNING_KEY ]]; then
	sign_modules "$newest"
else
	log "modules not signed (no MODULE_SIGNING_KEY): load them with Secure Boot off, or give a key enrolled as a MOK"
fi

# --- 4. NVIDIA Container Toolkit ------------------------------------------------------------
install_args=()
for pkg in "${toolkit_packages[@]}"; do
	install_args+=("$pkg=$toolkit_version")
done
log "installing NVIDIA Container Toolkit: ${install_args[*]}"
apt_get install --no-install-recommends --allow-change-held-packages --allow-downgrades "${install_args[@]}"
apt_mark_hold "${toolkit_packages[@]}"

containerd_config="$ROOT/etc/containerd/config.toml"
before=$(cksum <"$containerd_config" 2>/dev/null || true)
nvidia-ctk runtime configure --runtime=containerd --config="$containerd_config"
after=$(cksum <"$containerd_config" 2>/dev/null || true)
if [[ $before != "$after" && -d $ROOT/run/systemd/system ]]; then
	systemctl restart containerd || warn "could not restart containerd; the nvidia runtime applies at next boot"
fi

# --- 5. RuntimeClass for the cluster --------------------------------------------------------
write_if_changed "$ROOT$runtimeclass_path" 0644 <<'YAML' || true
# Managed by gpu-image-builder (04-nvidia-driver.sh). Apply once per cluster:
#   kubectl apply -f /etc/gpu-image/kubernetes/runtimeclass-nvidia.yaml
# Pods that set runtimeClassName: nvidia run under the NVIDIA container runtime, which
# `nvidia-ctk runtime configure --runtime=containerd` registered in containerd as "nvidia".
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: nvidia
handler: nvidia
YAML

log "done"
