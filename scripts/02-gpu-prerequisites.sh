#!/usr/bin/env bash
# 02-gpu-prerequisites.sh - everything the NVIDIA driver and a Kubernetes node need, except the
# driver itself and the Kubernetes packages (03 and 04 need NVIDIA's and the Kubernetes apt
# repositories; this step only needs the distribution's, so it also runs in CI on Debian bookworm).
#
# Runs as root inside the image being built (Packer: sudo -n env VAR=... bash 02-gpu-prerequisites.sh).
#
# What it does
#   1. Kernel headers for EVERY installed kernel (from /boot/vmlinuz-* and /lib/modules/*/kernel),
#      not just `uname -r`: 01 may have installed a newer kernel, and DKMS must build the NVIDIA
#      module for the kernel that will boot (the newest). Package name is linux-headers-<version>,
#      which is right on Ubuntu (5.15.0-126-generic) and Debian (6.1.0-28-cloud-amd64) alike.
#      Headers for the newest kernel are required; for older kernels they are installed when the
#      archive still has them (Debian drops superseded kernel ABIs), otherwise a warning is printed.
#      Also installs dkms and build-essential, and the headers METAPACKAGE of every kernel flavour
#      installed (linux-image-generic -> linux-headers-generic, linux-image-virtual ->
#      linux-headers-virtual, Debian's linux-image-cloud-amd64 -> linux-headers-cloud-amd64): a kernel
#      that a later upgrade brings then comes with its headers, and DKMS builds the NVIDIA module for it.
#   1b. Kernel update policy (the image never updates itself; see README "Kernel updates"):
#      apt-daily.timer and apt-daily-upgrade.timer are disabled and masked (as kubernetes-sigs/image-builder
#      does), and /etc/apt/apt.conf.d/51gpu-image-kernel-updates keeps linux-* out of unattended-upgrades
#      (Unattended-Upgrade::Package-Blacklist) for an operator who turns the timers back on. The kernel
#      metapackages are not held: an operator's `apt upgrade` may take a security kernel, and the headers
#      metapackage makes DKMS build for it.
#   2. Blacklists nouveau (/etc/modprobe.d/blacklist-nouveau.conf) and rebuilds the initramfs of all
#      kernels, only when that file changed.
#   3. containerd from the distribution; /etc/containerd/config.toml generated with
#      `containerd config default` when it is not a full config yet, SystemdCgroup = true (kubelet
#      uses the systemd cgroup driver), sandbox_image = CONTAINERD_SANDBOX_IMAGE (the pause image kubeadm
#      of the chosen Kubernetes version expects, not containerd's built-in default); containerd enabled. An existing full config (for example one
#      that 04's `nvidia-ctk runtime configure` already extended) is edited in place, not replaced.
#   4. Kubernetes node prerequisites: swap off (swapoff -a, swap entries removed from /etc/fstab,
#      swap files removed), /etc/modules-load.d/kubernetes.conf (overlay, br_netfilter),
#      /etc/sysctl.d/99-kubernetes.conf (bridge-nf-call-iptables/ip6tables, ip_forward).
#   Idempotent: a second run rewrites nothing and does not rebuild the initramfs again.
#
# Environment (all optional)
#   APT_LOCK_TIMEOUT          600                        seconds apt waits for the dpkg lock
#   CONTAINERD_SANDBOX_IMAGE  registry.k8s.io/pause:3.9  containerd's sandbox (pause) image; kubeadm v1.30 expects 3.9
#   IMAGE_ROOT                ""                         prefix for every file path (tests point it at a fake root; empty = /)
#
# Exit codes
#   0   success
#   1   failure (no installed kernel found, headers for the newest kernel unavailable, a command failed)
#   64  usage error: an environment variable has an invalid value
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
readonly SCRIPT_NAME="02-gpu-prerequisites"
ROOT="${IMAGE_ROOT:-}"
APT_LOCK_TIMEOUT="${APT_LOCK_TIMEOUT:-600}"
CONTAINERD_SANDBOX_IMAGE="${CONTAINERD_SANDBOX_IMAGE:-registry.k8s.io/pause:3.9}"

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
	local rc=$1
	shift
	printf 'error: %s\n' "$*" >&2
	exit "$rc"
}

[[ $APT_LOCK_TIMEOUT =~ ^[0-9]+$ ]] ||
	die 64 "APT_LOCK_TIMEOUT '$APT_LOCK_TIMEOUT' is not a whole number of seconds"
# registry/repository:tag or @sha256:digest; the value goes into a TOML string and a sed replacement.
[[ $CONTAINERD_SANDBOX_IMAGE =~ ^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$ ]] ||
	die 64 "CONTAINERD_SANDBOX_IMAGE '$CONTAINERD_SANDBOX_IMAGE' is not an image reference like registry.k8s.io/pause:3.9"

apt_get() {
	apt-get -y -q \
		-o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold \
		"$@"
}

# write_if_changed PATH MODE < content
# Writes stdin to PATH only when the content differs. Returns 0 when it wrote, 1 when PATH was
# already identical - callers use that to skip follow-up work (initramfs rebuilds) on re-runs.
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

# Installed kernels, oldest first: versions with a /boot/vmlinuz-<v> or a /lib/modules/<v>/kernel
# directory (a bare /lib/modules/<v> is often a leftover of a removed kernel's DKMS modules).
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

# apt has a candidate (installable or already installed version) for package $1
apt_has_candidate() {
	local candidate
	# (awk reads all input rather than exiting early: an early exit would SIGPIPE apt-cache under pipefail)
	candidate=$(apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && !done { print $2; done = 1 }')
	[[ -n $candidate && $candidate != "(none)" ]]
}

# Installed kernel flavour metapackages (linux-image-generic, linux-image-virtual, linux-image-cloud-amd64,
# linux-image-generic-hwe-22.04): linux-image-* whose name goes on with a letter, not a kernel release, and
# that are not the unsigned/extra variants (which have no headers counterpart).
installed_kernel_metapackages() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'linux-image-*' 2>/dev/null |
		awk '$1 == "ii" && $2 ~ /^linux-image-[a-z]/ && $2 !~ /^linux-image-(unsigned|extra)-/ { print $2 }' | sort -u || true
}

# --- 1. kernel headers, dkms, build tools ----------------------------------------------------
mapfile -t kernels < <(installed_kernels)
((${#kernels[@]} > 0)) || die 1 "no installed kernel found (no /boot/vmlinuz-* and no /lib/modules/*/kernel under '${ROOT:-/}')"
newest="${kernels[-1]}"
log "installed kernels: ${kernels[*]} (newest, the one that boots: $newest)"

apt_get update
packages=(dkms build-essential)
for kver in "${kernels[@]}"; do
	pkg="linux-headers-$kver"
	if apt_has_candidate "$pkg"; then
		packages+=("$pkg")
	elif [[ $kver == "$newest" ]]; then
		die 1 "no package $pkg in the configured apt sources: DKMS could not build the NVIDIA module for the kernel that boots ($kver)"
	else
		warn "no package $pkg available; DKMS will not build for older kernel $kver (the newest kernel $newest is covered)"
	fi
done
mapfile -t kernel_metapackages < <(installed_kernel_metapackages)
((${#kernel_metapackages[@]} > 0)) ||
	warn "no kernel metapackage (linux-image-<flavour>) installed: apt will not bring new kernels, so none needs headers"
for meta in "${kernel_metapackages[@]}"; do
	pkg="linux-headers-${meta#linux-image-}"
	apt_has_candidate "$pkg" ||
		die 1 "no package $pkg in the configured apt sources: a kernel update through $meta would come without headers and DKMS could not build the NVIDIA module for it"
	packages+=("$pkg")
done
log "installing: ${packages[*]}"
apt_get install --no-install-recommends "${packages[@]}"

# --- 1b. the image does not update itself, and never its kernel unattended ----------------------
write_if_changed "$ROOT/etc/apt/apt.conf.d/51gpu-image-kernel-updates" 0644 <<'CONF' || true
// Managed by gpu-image-builder (02-gpu-prerequisites.sh). A kernel installed behind the node's back
// reboots into a kernel the NVIDIA module may not be built for: unattended-upgrades never takes linux-*,
// even if the apt timers (disabled and masked in this image) are turned back on.
Unattended-Upgrade::Package-Blacklist {
    "linux-";
};
CONF
readonly apt_timers=(apt-daily.timer apt-daily-upgrade.timer)
log "disabling and masking ${apt_timers[*]} (the image does not update itself)"
systemctl disable --now "${apt_timers[@]}" || warn "could not disable ${apt_timers[*]} (not installed?); masking them anyway"
systemctl mask "${apt_timers[@]}"

# --- 2. nouveau off ------------------------------------------------------------------------
# The nvidia module cannot bind a GPU that nouveau already drives; modeset=0 also stops nouveau
# from taking the console if it gets loaded anyway. The initramfs carries modprobe.d, so rebuild it.
blacklist="$ROOT/etc/modprobe.d/blacklist-nouveau.conf"
if write_if_changed "$blacklist" 0644 <<'CONF'; then
# Managed by gpu-image-builder (02-gpu-prerequisites.sh): the NVIDIA driver needs nouveau unloaded.
blacklist nouveau
options nouveau modeset=0
CONF
	log "rebuilding the initramfs of all kernels (nouveau blacklist changed)"
	if ! update-initramfs -u -k all; then
		# Remove it again so that a re-run sees a change and retries the rebuild.
		rm -f "$blacklist"
		die 1 "update-initramfs -u -k all failed; ${blacklist#"$ROOT"} removed so a re-run retries"
	fi
else
	log "nouveau blacklist already in place; initramfs not rebuilt"
fi

# --- 3. containerd -------------------------------------------------------------------------
log "installing containerd"
apt_get install --no-install-recommends containerd

config="$ROOT/etc/containerd/config.toml"
config_changed=0
if [[ ! -f $config ]] || ! grep -q 'SystemdCgroup' "$config"; then
	# The package ships no config (or a stub): start from containerd's own full default.
	default_config=$(containerd config default)
	if printf '%s\n' "$default_config" |
		sed -E 's/^([[:space:]]*)SystemdCgroup = false/\1SystemdCgroup = true/' |
		write_if_changed "$config" 0644; then
		config_changed=1
	fi
elif grep -Eq '^[[:space:]]*SystemdCgroup = false' "$config"; then
	sed -i -E 's/^([[:space:]]*)SystemdCgroup = false/\1SystemdCgroup = true/' "$config"
	log "set SystemdCgroup = true in ${config#"$ROOT"}"
	config_changed=1
fi
grep -Eq '^[[:space:]]*SystemdCgroup = true' "$config" ||
	die 1 "${config#"$ROOT"} has no 'SystemdCgroup = true' line after editing; check the containerd version's config format"
# The pause image: containerd's built-in default (pause:3.6 in 1.6) is not the one kubeadm pre-pulls and
# expects, so kubelet would pull a second pause image at first pod (and kubeadm warns).
sandbox_line="sandbox_image = \"$CONTAINERD_SANDBOX_IMAGE\""
grep -Eq '^[[:space:]]*sandbox_image = ' "$config" ||
	die 1 "${config#"$ROOT"} has no 'sandbox_image = ' line; check the containerd version's config format"
if ! awk -v want="$sandbox_line" '{ sub(/^[[:space:]]+/, "") } $0 == want { found = 1 } END { exit !found }' "$config"; then
	sed -i -E "s|^([[:space:]]*)sandbox_image = .*\$|\\1$sandbox_line|" "$config"
	log "set $sandbox_line in ${config#"$ROOT"}"
	config_changed=1
fi

systemctl enable containerd
if ((config_changed)) && [[ -d $ROOT/run/systemd/system ]]; then
	# Only on a booted system: pick up the new config now (later steps may talk to containerd).
	systemctl restart containerd || warn "could not restart containerd; the new config applies at next boot"
fi

# --- 4. Kubernetes node prerequisites ------------------------------------------------------
# kubelet refuses to start with swap on (default failSwapOn: true).
log "disabling swap"
swapoff -a || warn "swapoff -a failed (no swap active, or not permitted here)"
fstab="$ROOT/etc/fstab"
if [[ -f $fstab ]]; then
	# Swap files named in fstab (first field is a path, not a device or UUID=/LABEL=).
	mapfile -t swap_files < <(awk '!/^[[:space:]]*#/ && $3 == "swap" && $1 ~ /^\// && $1 !~ /^\/dev\// { print $1 }' "$fstab")
	awk '!/^[[:space:]]*#/ && $3 == "swap" { next } { print }' "$fstab" | write_if_changed "$fstab" 0644 || true
else
	swap_files=()
fi
# Plus the names the Ubuntu installer and most guides use.
swap_files+=(/swap.img /swapfile)
for f in "${swap_files[@]}"; do
	if [[ -f $ROOT$f ]]; then
		rm -f -- "$ROOT$f"
		log "removed swap file $f"
	fi
done

write_if_changed "$ROOT/etc/modules-load.d/kubernetes.conf" 0644 <<'CONF' || true
# Managed by gpu-image-builder (02-gpu-prerequisites.sh): kernel modules a Kubernetes node needs.
overlay
br_netfilter
CONF
for module in overlay br_netfilter; do
	modprobe "$module" || warn "could not load $module now; systemd-modules-load loads it at boot"
done

write_if_changed "$ROOT/etc/sysctl.d/99-kubernetes.conf" 0644 <<'CONF' || true
# Managed by gpu-image-builder (02-gpu-prerequisites.sh): pod networking needs bridged traffic to
# pass iptables and the node to forward packets.
net.bridge.bridge-nf-call-iptables = 1
net.bridge.bridge-nf-call-ip6tables = 1
net.ipv4.ip_forward = 1
CONF
sysctl --system >/dev/null || warn "sysctl --system failed; the settings apply at next boot"

log "done"
