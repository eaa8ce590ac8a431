#!/usr/bin/env bash
# 05-nvidia-firmware-config.sh - force the NVIDIA driver's GPU System Processor (GSP) firmware mode.
#
# Runs as root inside the image being built (Packer: sudo -n env VAR=... bash 05-nvidia-firmware-config.sh).
#
# Why: left alone, the driver reports EnableGpuFirmware: 18 (0x12, "default policy") in
# /proc/driver/nvidia/params and decides per GPU. The cloud wants the firmware mode stated
# explicitly, so the image sets NVreg_EnableGpuFirmware=1 (use GSP firmware) and 06 verifies it.
#
# What it does
#   Writes /etc/modprobe.d/nvidia-gpu-firmware.conf containing
#       options nvidia NVreg_EnableGpuFirmware=<NVIDIA_ENABLE_GPU_FIRMWARE>
#   and, only when that file changed, rebuilds the initramfs of all kernels
#   (update-initramfs -u -k all) so a module loaded from the initramfs sees the option too.
#   A second run changes nothing and does not rebuild the initramfs.
#   With NVIDIA_ENABLE_GPU_FIRMWARE=0 and the open kernel modules installed it warns: the open
#   modules always run the GSP firmware (they cannot work without it).
#
# Environment (all optional)
#   NVIDIA_ENABLE_GPU_FIRMWARE  1   1 = GSP firmware on, 0 = off (proprietary modules only)
#   IMAGE_ROOT                  ""  prefix for every file path (tests point it at a fake root; empty = /)
#
# Exit codes
#   0   success
#   1   a command failed (update-initramfs)
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
# Keep the previous file: if the initramfs rebuild fails it is put back, so that a re-run sees a
# change again and retries the rebuild instead of skipping it.
previous=$(mktemp "${TMPDIR:-/tmp}/gpu-image.XXXXXX")
trap 'rm -f "$previous"' EXIT
had_previous=0
if [[ -f $conf ]]; then
	cp -p "$conf" "$previous"
	had_previous=1
fi

if write_if_changed "$conf" 0644 <<CONF; then
# Managed by gpu-image-builder (05-nvidia-firmware-config.sh).
# GPU System Processor firmware: 1 = always use it, 0 = never. Without this line the driver
# applies its default policy (EnableGpuFirmware: 18 in /proc/driver/nvidia/params).
options nvidia NVreg_EnableGpuFirmware=$NVIDIA_ENABLE_GPU_FIRMWARE
CONF
	log "rebuilding the initramfs of all kernels"
	if ! update-initramfs -u -k all; then
		if ((had_previous)); then cp -p "$previous" "$conf"; else rm -f "$conf"; fi
		die 1 "update-initramfs -u -k all failed; ${conf#"$ROOT"} was reverted so a re-run retries"
	fi
else
	log "NVreg_EnableGpuFirmware=$NVIDIA_ENABLE_GPU_FIRMWARE already configured; initramfs not rebuilt"
fi
log "done"
