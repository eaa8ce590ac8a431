#!/usr/bin/env bash
# 05-nvidia-firmware-config.sh - force the NVIDIA driver's GPU System Processor (GSP) firmware mode.
#
# Runs as root inside the image being built (Packer: sudo -n env VAR=... bash 05-nvidia-firmware-config.sh).
#
# Why: left alone, the driver reports EnableGpuFirmware: 18 (0x12, "default policy") in
# /proc/driver/nvidia/params and decides per GPU. The cloud wants the firmware mode stated
# explicitly, so the image sets NVreg_EnableGpuFirmware=1 (use GSP firmware) and 06 verifies it.
# The option acts only on NVIDIA's proprietary kernel modules. The open kernel modules (this
# project's default) always run the GSP firmware and merely echo the option in the params file, so
# with them the option records intent and changes nothing; what proves firmware runs is
# `nvidia-smi -q` "GSP Firmware Version", which 06 checks on a booted GPU instance.
#
# What it does
#   Writes /etc/modprobe.d/nvidia-gpu-firmware.conf containing
#       options nvidia NVreg_EnableGpuFirmware=<NVIDIA_ENABLE_GPU_FIRMWARE>
#   and rebuilds (update-initramfs -u -k <version>) each initramfs that loads the nvidia module
#   itself but does not yet carry that file, so a module loaded from the initramfs sees the option
#   too. An initramfs that does not contain the nvidia module is left alone: the module then loads
#   from the root filesystem, where modprobe reads /etc/modprobe.d directly (see below). A kernel
#   with no nvidia module installed is not even listed (its initramfs cannot carry one).
#   A second run changes nothing and rebuilds nothing.
#   With NVIDIA_ENABLE_GPU_FIRMWARE=0 and the open kernel modules installed it warns: the open
#   modules always run the GSP firmware (they cannot work without it).
#
# Environment (all optional)
#   NVIDIA_ENABLE_GPU_FIRMWARE  1   1 = GSP firmware on, 0 = off (proprietary modules only)
#   IMAGE_ROOT                  ""  prefix for every file path (tests point it at a fake root; empty = /)
#
# Exit codes
#   0   success
#   1   a command failed (update-initramfs); a re-run retries it
#   64  usage error: an environment variable has an invalid value
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
readonly SCRIPT_NAME="05-nvidia-firmware-config"
ROOT="${IMAGE_ROOT:-}"
NVIDIA_ENABLE_GPU_FIRMWARE="${NVIDIA_ENABLE_GPU_FIRMWARE:-1}"

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
	local rc=$1
	shift
	printf 'error: %s\n' "$*" >&2
	exit "$rc"
}

[[ $NVIDIA_ENABLE_GPU_FIRMWARE =~ ^[01]$ ]] ||
	die 64 "NVIDIA_ENABLE_GPU_FIRMWARE '$NVIDIA_ENABLE_GPU_FIRMWARE' must be 0 or 1"

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

if [[ $NVIDIA_ENABLE_GPU_FIRMWARE == 0 ]]; then
	modinfo_args=()
	[[ -n $ROOT ]] && modinfo_args=(-b "$ROOT")
	if [[ $(modinfo "${modinfo_args[@]}" -F license nvidia 2>/dev/null || true) == "Dual MIT/GPL" ]]; then
		warn "the open nvidia kernel modules always use the GSP firmware; NVreg_EnableGpuFirmware=0 needs the proprietary flavour"
	fi
fi

conf="$ROOT/etc/modprobe.d/nvidia-gpu-firmware.conf"

# kernel_may_have_nvidia_module VERSION: true when an nvidia kernel module (nvidia, nvidia-uvm, ...) is
# installed for that kernel, or when that cannot be told (no /lib/modules/VERSION directory).
kernel_may_have_nvidia_module() {
	local dir="$ROOT/lib/modules/$1"
	[[ -d $dir ]] || return 0
	[[ -n $(find "$dir" -regextype posix-extended -regex '.*/nvidia(-[a-z0-9]+)?\.ko(\.(xz|zst|gz))?' -print -quit 2>/dev/null) ]]
}

# stale_initrds: the initramfs images that load the nvidia module themselves but lack the current
# option file (missing from the image, or the image is older than the file).
# Why not simply rebuild them all (NVIDIA's generic advice)? initramfs-tools (MODULES=most) packs
# in-tree storage, filesystem and a few framebuffer drivers, never an out-of-tree DKMS module such as
# nvidia's, unless a hook or /etc/initramfs-tools/modules asks for it. Where it is absent the module
# is loaded from the root filesystem and modprobe reads /etc/modprobe.d there; the copy of modprobe.d
# inside the initramfs is never consulted for it. A rebuild then changes nothing the driver sees and
# costs minutes per kernel under emulation. An image that cannot be listed is rebuilt, to be safe.
#
# Listing an initramfs decompresses all of it (lsinitramfs: ~10 s per kernel under emulation), so a kernel
# with no nvidia module installed is not listed: initramfs-tools copies modules only from
# /lib/modules/<version>, so its initramfs cannot carry one. (A module removed after the initramfs was
# built is the one case this misses; such an image has no driver, which 06 reports.)
stale_initrds() {
	local initrd listing version
	for initrd in "$ROOT"/boot/initrd.img-*; do
		[[ -f $initrd ]] || continue
		version=${initrd##*/initrd.img-}
		if ! kernel_may_have_nvidia_module "$version"; then
			continue
		elif ! listing=$(lsinitramfs "$initrd" 2>/dev/null); then
			printf '%s\n' "$initrd"
		elif grep -qE '(^|/)nvidia(-[a-z0-9]+)?\.ko(\.(xz|zst|gz))?$' <<<"$listing" &&
			{ ! grep -qxF "${conf#"$ROOT"/}" <<<"$listing" || [[ $conf -nt $initrd ]]; }; then
			printf '%s\n' "$initrd"
		fi
	done
}

if ! write_if_changed "$conf" 0644 <<CONF; then
# Managed by gpu-image-builder (05-nvidia-firmware-config.sh).
# GPU System Processor firmware: 1 = always use it, 0 = never. Without this line the driver
# applies its default policy (EnableGpuFirmware: 18 in /proc/driver/nvidia/params).
options nvidia NVreg_EnableGpuFirmware=$NVIDIA_ENABLE_GPU_FIRMWARE
CONF
	log "NVreg_EnableGpuFirmware=$NVIDIA_ENABLE_GPU_FIRMWARE already configured"
fi

mapfile -t stale < <(stale_initrds)
if ((${#stale[@]} == 0)); then
	log "no initramfs loads the nvidia module without the option (it loads from the root filesystem, which has ${conf#"$ROOT"}); initramfs not rebuilt"
fi
for initrd in "${stale[@]}"; do
	version=${initrd##*/initrd.img-}
	log "rebuilding ${initrd#"$ROOT"}: it loads the nvidia module and lacks the current option"
	# Staleness is read from the image itself, so a re-run after a failure finds it stale again and retries.
	update-initramfs -u -k "$version" || die 1 "update-initramfs -u -k $version failed; a re-run retries it"
done
log "done"
