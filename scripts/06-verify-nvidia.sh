#!/usr/bin/env bash
# 06-verify-nvidia.sh - check that the NVIDIA GPU firmware (GSP) mode is forced and the driver is
# the requested version. Usable at build time (no GPU) and on a booted GPU instance.
#
# Runs as root (Packer: sudo -n env VAR=... bash 06-verify-nvidia.sh; or by hand on an instance).
#
# Mode (VERIFY_MODE): auto (default) runs the runtime checks when the params file exists and the
# offline checks when it does not; runtime forces the runtime checks (on an instance: a missing
# params file then means no GPU or no loaded driver, exit 69, rather than a silent offline pass);
# offline forces the build-time checks.
#
# What the firmware option does: NVreg_EnableGpuFirmware acts only on NVIDIA's proprietary
# kernel modules. The open kernel modules (this project's default) always run the GSP firmware
# and merely echo the option in the params file. So the evidence that firmware runs is
# `nvidia-smi -q` "GSP Firmware Version" (a version: GSP runs; N/A: it does not), and the params
# value is only what the driver was told.
#
# Runtime mode - the params file exists (a GPU and a loaded nvidia driver):
#   - the loaded modules are named: open or proprietary (/proc/driver/nvidia/version);
#   - "EnableGpuFirmware: <n>" in the params file must equal NVIDIA_ENABLE_GPU_FIRMWARE (1):
#       1  -> pass
#       18 -> fail: 18 (0x12) is the driver's default policy, i.e. nothing forced the mode
#       0  -> fail: the GPU firmware is disabled
#       other/missing -> fail naming the value
#   - when nvidia-smi is present, `nvidia-smi -q` must report Driver Version ==
#     NVIDIA_DRIVER_VERSION; each GPU's GSP Firmware Version is the evidence: "N/A" (GSP not in
#     use) fails while the firmware is meant to be on, and a version (GSP running) fails while it
#     is meant to be off (0) on the proprietary modules; on the open modules it is reported, since
#     they cannot run without GSP.
# Offline mode - the params file is missing (image build, no GPU):
#   - an "options nvidia ... NVreg_EnableGpuFirmware=<n>" line is in /etc/modprobe.d (no
#     conflicting value in any modprobe.d directory), and, if the newest kernel's initramfs loads
#     the nvidia module itself, it lists that file and is not older than it (checked with
#     lsinitramfs when available; without the module in it, the option applies from the root fs;
#     a kernel with no nvidia module installed is not listed, since its initramfs cannot carry one);
#   - unless VERIFY_REQUIRE_DRIVER=0: the nvidia module built for the newest kernel
#     (modinfo -k <kernel> -F version nvidia) and every installed nvidia*/libnvidia* driver
#     package are at NVIDIA_DRIVER_VERSION;
#   - prints what it could not check (the runtime value and nvidia-smi need a GPU).
#
# Environment (all optional)
#   NVIDIA_DRIVER_VERSION       565.57.01  expected driver version
#   NVIDIA_ENABLE_GPU_FIRMWARE  1          expected EnableGpuFirmware value (0 or 1)
#   VERIFY_REQUIRE_DRIVER       1          offline: 1 = the driver must be installed at the version,
#                                          0 = skip driver checks (CI fixtures without NVIDIA's repo)
#   VERIFY_MODE                 auto       auto, runtime or offline (see Mode above)
#   NVIDIA_PARAMS_FILE          /proc/driver/nvidia/params (under IMAGE_ROOT)  file to read
#   NVIDIA_VERSION_FILE         /proc/driver/nvidia/version (under IMAGE_ROOT) names the loaded modules
#   IMAGE_ROOT                  ""         prefix for every file path (tests point it at a fake root)
#
# Exit codes
#   0   every check that could run passed
#   1   runtime: GPU firmware not forced (EnableGpuFirmware is not the expected value, or a GPU
#       reports GSP Firmware Version N/A)
#   2   offline: a build-time check failed (modprobe option, initramfs, driver version)
#   1   runtime: also GSP firmware running while NVIDIA_ENABLE_GPU_FIRMWARE=0 (proprietary modules)
#   3   runtime: nvidia-smi failed or reports a driver version other than NVIDIA_DRIVER_VERSION
#   69  VERIFY_MODE=runtime and no params file: no GPU on this host, or the driver is not loaded
#   64  usage error: an environment variable has an invalid value
#   When several checks fail, all are reported and the exit code is that of the first failure.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
readonly SCRIPT_NAME="06-verify-nvidia"
ROOT="${IMAGE_ROOT:-}"
NVIDIA_DRIVER_VERSION="${NVIDIA_DRIVER_VERSION:-565.57.01}"
NVIDIA_ENABLE_GPU_FIRMWARE="${NVIDIA_ENABLE_GPU_FIRMWARE:-1}"
VERIFY_REQUIRE_DRIVER="${VERIFY_REQUIRE_DRIVER:-1}"
VERIFY_MODE="${VERIFY_MODE:-auto}"
NVIDIA_PARAMS_FILE="${NVIDIA_PARAMS_FILE:-$ROOT/proc/driver/nvidia/params}"
NVIDIA_VERSION_FILE="${NVIDIA_VERSION_FILE:-$ROOT/proc/driver/nvidia/version}"

readonly EXIT_FIRMWARE=1 EXIT_OFFLINE=2 EXIT_RUNTIME_DRIVER=3 EXIT_USAGE=64 EXIT_NO_GPU=69
readonly firmware_conf="/etc/modprobe.d/nvidia-gpu-firmware.conf"

usage_error() {
	printf 'error: %s\n' "$*" >&2
	exit "$EXIT_USAGE"
}

[[ $NVIDIA_DRIVER_VERSION =~ ^[0-9]{3,}\.[0-9]+(\.[0-9]+)?$ ]] ||
	usage_error "NVIDIA_DRIVER_VERSION '$NVIDIA_DRIVER_VERSION' is not a full version like 565.57.01"
[[ $NVIDIA_ENABLE_GPU_FIRMWARE =~ ^[01]$ ]] ||
	usage_error "NVIDIA_ENABLE_GPU_FIRMWARE '$NVIDIA_ENABLE_GPU_FIRMWARE' must be 0 or 1"
[[ $VERIFY_REQUIRE_DRIVER =~ ^[01]$ ]] ||
	usage_error "VERIFY_REQUIRE_DRIVER '$VERIFY_REQUIRE_DRIVER' must be 0 or 1"
[[ $VERIFY_MODE =~ ^(auto|runtime|offline)$ ]] ||
	usage_error "VERIFY_MODE '$VERIFY_MODE' must be auto, runtime or offline"

rc=0
ok() { printf '%s: ok: %s\n' "$SCRIPT_NAME" "$*"; }
info() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
not_checked() { printf '%s: NOT CHECKED: %s\n' "$SCRIPT_NAME" "$*"; }
# fail CODE MESSAGE: report and remember the first failure's code; keep checking.
fail() {
	local code=$1
	shift
	printf 'error: %s\n' "$*" >&2
	((rc != 0)) || rc=$code
}

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

# --- runtime mode ------------------------------------------------------------------------------
# loaded_modules: "open", "proprietary" or "unknown", from the banner the loaded module prints in
# /proc/driver/nvidia/version ("NVIDIA UNIX Open Kernel Module" for the open ones).
loaded_modules() {
	if [[ ! -r $NVIDIA_VERSION_FILE ]]; then
		printf 'unknown'
	elif grep -q 'Open Kernel Module' "$NVIDIA_VERSION_FILE"; then
		printf 'open'
	else
		printf 'proprietary'
	fi
}

verify_runtime() {
	local value smi_output smi_rc driver gsp_lines line modules
	info "reading $NVIDIA_PARAMS_FILE (driver loaded)"
	modules=$(loaded_modules)
	case "$modules" in
	open) info "kernel modules: open (they always run the GSP firmware; NVreg_EnableGpuFirmware is only echoed)" ;;
	proprietary) info "kernel modules: proprietary (NVreg_EnableGpuFirmware decides whether GSP firmware runs)" ;;
	*) not_checked "which kernel modules are loaded ($NVIDIA_VERSION_FILE is not readable)" ;;
	esac
	value=$(awk -F':' '$1 == "EnableGpuFirmware" { v = $2; gsub(/[[:space:]]/, "", v); print v; exit }' "$NVIDIA_PARAMS_FILE")
	case "$value" in
	"$NVIDIA_ENABLE_GPU_FIRMWARE")
		ok "EnableGpuFirmware is $value (forced, as configured)"
		;;
	18)
		fail $EXIT_FIRMWARE "EnableGpuFirmware is 18 (0x12, the driver's default policy): firmware not forced to $NVIDIA_ENABLE_GPU_FIRMWARE"
		;;
	0)
		fail $EXIT_FIRMWARE "EnableGpuFirmware is 0: GPU firmware is disabled, expected $NVIDIA_ENABLE_GPU_FIRMWARE"
		;;
	"")
		fail $EXIT_FIRMWARE "no EnableGpuFirmware entry in $NVIDIA_PARAMS_FILE, expected $NVIDIA_ENABLE_GPU_FIRMWARE"
		;;
	*)
		fail $EXIT_FIRMWARE "EnableGpuFirmware is '$value', expected $NVIDIA_ENABLE_GPU_FIRMWARE"
		;;
	esac

	if ! command -v nvidia-smi >/dev/null 2>&1; then
		not_checked "driver and GSP firmware versions (nvidia-smi is not installed)"
		return 0
	fi
	smi_rc=0
	smi_output=$(nvidia-smi -q 2>&1) || smi_rc=$?
	if ((smi_rc != 0)); then
		fail $EXIT_RUNTIME_DRIVER "nvidia-smi -q failed (exit $smi_rc): ${smi_output%%$'\n'*}"
		return 0
	fi
	driver=$(awk -F' : ' '/^Driver Version[[:space:]]*:/ && !done { v = $2; gsub(/[[:space:]]/, "", v); print v; done = 1 }' <<<"$smi_output")
	if [[ $driver == "$NVIDIA_DRIVER_VERSION" ]]; then
		ok "nvidia-smi Driver Version: $driver"
	else
		fail $EXIT_RUNTIME_DRIVER "nvidia-smi reports Driver Version '${driver:-none}', expected $NVIDIA_DRIVER_VERSION"
	fi
	# One "GPU <bus id>" header per GPU, each with an indented "GSP Firmware Version : <v|N/A>".
	gsp_lines=$(awk '
		/^GPU [0-9A-Fa-f]+:/ { gpu = $2 }
		/^[[:space:]]+GSP Firmware Version[[:space:]]*:/ { v = $0; sub(/^[^:]*:[[:space:]]*/, "", v); sub(/[[:space:]]+$/, "", v); print gpu " " v }' <<<"$smi_output")
	if [[ -z $gsp_lines ]]; then
		not_checked "GSP firmware version (nvidia-smi -q printed no 'GSP Firmware Version' line)"
	fi
	while IFS= read -r line; do
		[[ -n $line ]] || continue
		if [[ ${line#* } == "N/A" ]]; then
			if [[ $NVIDIA_ENABLE_GPU_FIRMWARE == 1 ]]; then
				fail $EXIT_FIRMWARE "GPU ${line%% *}: GSP Firmware Version is N/A (GSP firmware not in use)"
			else
				ok "GPU ${line%% *}: GSP Firmware Version N/A (firmware off, as configured)"
			fi
		elif [[ $NVIDIA_ENABLE_GPU_FIRMWARE == 1 ]]; then
			ok "GPU ${line%% *}: GSP Firmware Version ${line#* } (GSP firmware runs)"
		elif [[ $modules == open ]]; then
			info "GPU ${line%% *}: GSP Firmware Version ${line#* }: GSP runs although 0 was asked; the open modules cannot run without it (use the proprietary modules to turn it off)"
		else
			fail $EXIT_FIRMWARE "GPU ${line%% *}: GSP Firmware Version ${line#* }: GSP firmware runs although NVIDIA_ENABLE_GPU_FIRMWARE=0 was asked (${modules} modules)"
		fi
	done <<<"$gsp_lines"
}

# kernel_may_have_nvidia_module VERSION: true when an nvidia kernel module (nvidia, nvidia-uvm, ...) is
# installed for that kernel, or when that cannot be told (no /lib/modules/VERSION directory).
kernel_may_have_nvidia_module() {
	local dir="$ROOT/lib/modules/$1"
	[[ -d $dir ]] || return 0
	[[ -n $(find "$dir" -regextype posix-extended -regex '.*/nvidia(-[a-z0-9]+)?\.ko(\.(xz|zst|gz))?' -print -quit 2>/dev/null) ]]
}

# --- offline mode ------------------------------------------------------------------------------
verify_offline() {
	local dir file lineno text value matches=() conflicts=() kernels newest initrd listing
	if [[ $VERIFY_MODE == offline ]]; then
		info "VERIFY_MODE=offline: running build-time checks"
	else
		info "$NVIDIA_PARAMS_FILE not found: no GPU with a loaded driver, running build-time checks"
	fi

	# 1. the modprobe option. modprobe reads all of these directories; a different value anywhere
	#    would be a conflict whose outcome depends on file order.
	for dir in /etc/modprobe.d /run/modprobe.d /lib/modprobe.d /usr/lib/modprobe.d; do
		for file in "$ROOT$dir"/*.conf; do
			[[ -f $file ]] || continue
			while IFS=: read -r lineno text; do
				value=$(printf '%s\n' "$text" | sed -nE 's/.*NVreg_EnableGpuFirmware=([^[:space:]]*).*/\1/p')
				if [[ $value == "$NVIDIA_ENABLE_GPU_FIRMWARE" && $dir == /etc/modprobe.d ]]; then
					matches+=("${file#"$ROOT"}")
				elif [[ $value != "$NVIDIA_ENABLE_GPU_FIRMWARE" ]]; then
					conflicts+=("${file#"$ROOT"}:$lineno: NVreg_EnableGpuFirmware=$value")
				fi
			done < <(grep -nE '^[[:space:]]*options[[:space:]]+nvidia[[:space:]].*NVreg_EnableGpuFirmware=' "$file" || true)
		done
	done
	if ((${#matches[@]} == 0)); then
		fail $EXIT_OFFLINE "no 'options nvidia NVreg_EnableGpuFirmware=$NVIDIA_ENABLE_GPU_FIRMWARE' line in /etc/modprobe.d (05-nvidia-firmware-config.sh writes $firmware_conf)"
	elif ((${#conflicts[@]} > 0)); then
		fail $EXIT_OFFLINE "conflicting NVreg_EnableGpuFirmware settings: ${conflicts[*]}"
	else
		ok "modprobe option NVreg_EnableGpuFirmware=$NVIDIA_ENABLE_GPU_FIRMWARE in ${matches[*]}"
	fi

	# 2. the initramfs of the kernel that boots carries the option file (and was built after it).
	mapfile -t kernels < <(installed_kernels)
	newest=""
	((${#kernels[@]} == 0)) || newest="${kernels[-1]}"
	initrd="$ROOT/boot/initrd.img-$newest"
	if ((${#matches[@]} == 0)); then
		not_checked "initramfs contents (no option file to look for)"
	elif [[ -z $newest || ! -f $initrd ]]; then
		not_checked "initramfs contents (no /boot/initrd.img-<kernel> found)"
	elif ! kernel_may_have_nvidia_module "$newest"; then
		# initramfs-tools copies modules only from /lib/modules/<kernel>: nothing there, nothing to load
		# from the initramfs, and listing it (~10 s under emulation) would tell nothing more.
		ok "no nvidia module is installed for kernel $newest, so ${initrd#"$ROOT"} cannot load it; the option applies from /etc/modprobe.d"
	elif ! command -v lsinitramfs >/dev/null 2>&1; then
		not_checked "initramfs contents (lsinitramfs is not installed)"
	elif ! listing=$(lsinitramfs "$initrd" 2>/dev/null); then
		not_checked "initramfs contents (lsinitramfs ${initrd#"$ROOT"} failed)"
	elif ! grep -qE '(^|/)nvidia(-[a-z0-9]+)?\.ko(\.(xz|zst|gz))?$' <<<"$listing"; then
		# Then the module loads from the root filesystem, where modprobe reads /etc/modprobe.d (checked above).
		ok "${initrd#"$ROOT"} does not load the nvidia module; the option applies from /etc/modprobe.d"
	else
		for file in "${matches[@]}"; do
			if ! grep -qxF "${file#/}" <<<"$listing"; then
				fail $EXIT_OFFLINE "${initrd#"$ROOT"} does not contain $file: run update-initramfs -u -k all"
			elif [[ $ROOT$file -nt $initrd ]]; then
				fail $EXIT_OFFLINE "$file is newer than ${initrd#"$ROOT"}: the initramfs carries an older copy, run update-initramfs -u -k all"
			else
				ok "${initrd#"$ROOT"} contains $file"
			fi
		done
	fi

	# 3. the installed driver.
	if [[ $VERIFY_REQUIRE_DRIVER == 0 ]]; then
		not_checked "installed driver packages and module version (VERIFY_REQUIRE_DRIVER=0)"
	else
		verify_installed_driver "$newest"
	fi

	not_checked "runtime EnableGpuFirmware value (needs a GPU with the nvidia driver loaded: $NVIDIA_PARAMS_FILE)"
	not_checked "driver and GSP firmware versions reported by nvidia-smi (need a GPU)"
}

verify_installed_driver() {
	local newest=$1 module_version packages line wrong=() count=0
	local modinfo_args=()
	[[ -n $ROOT ]] && modinfo_args=(-b "$ROOT")
	if [[ -z $newest ]]; then
		fail $EXIT_OFFLINE "no installed kernel found: cannot check the nvidia module"
	else
		module_version=$(modinfo "${modinfo_args[@]}" -k "$newest" -F version nvidia 2>/dev/null || true)
		if [[ $module_version == "$NVIDIA_DRIVER_VERSION" ]]; then
			ok "nvidia module for kernel $newest is $module_version"
		else
			fail $EXIT_OFFLINE "nvidia module for kernel $newest is '${module_version:-missing}', expected $NVIDIA_DRIVER_VERSION"
		fi
	fi
	packages=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' 'nvidia-*' 'libnvidia-*' 'xserver-xorg-video-nvidia-*' 2>/dev/null |
		awk '$1 == "ii" && $2 !~ /^(lib)?nvidia-(container|docker)/ { print $2 " " $3 }' || true)
	while IFS= read -r line; do
		[[ -n $line ]] || continue
		count=$((count + 1))
		[[ ${line#* } == "$NVIDIA_DRIVER_VERSION"-* ]] || wrong+=("${line% *}=${line#* }")
	done <<<"$packages"
	if ((count == 0)); then
		fail $EXIT_OFFLINE "no NVIDIA driver package is installed (expected $NVIDIA_DRIVER_VERSION; set VERIFY_REQUIRE_DRIVER=0 to skip)"
	elif ((${#wrong[@]} > 0)); then
		fail $EXIT_OFFLINE "driver packages not at $NVIDIA_DRIVER_VERSION: ${wrong[*]}"
	else
		ok "$count driver packages at $NVIDIA_DRIVER_VERSION"
	fi
}

case "$VERIFY_MODE" in
runtime)
	if [[ ! -e $NVIDIA_PARAMS_FILE ]]; then
		# Distinct from a failed check: VerifyInstance reports it as "not run: no GPU on this host".
		printf '%s: no GPU / driver not loaded: %s does not exist\n' "$SCRIPT_NAME" "$NVIDIA_PARAMS_FILE"
		exit "$EXIT_NO_GPU"
	fi
	verify_runtime
	;;
offline) verify_offline ;;
*)
	if [[ -e $NVIDIA_PARAMS_FILE ]]; then
		verify_runtime
	else
		verify_offline
	fi
	;;
esac

if ((rc == 0)); then
	info "PASSED"
else
	info "FAILED (exit $rc)"
fi
exit "$rc"
