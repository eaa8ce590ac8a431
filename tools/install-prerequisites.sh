#!/usr/bin/env bash
# Installs what the build and its tests need on Debian 12 / Ubuntu 22.04+ (run as root, or with sudo).
# Idempotent: packages already installed are skipped; `npm ci` only when node_modules is missing or stale.
#
#   packer                 image builds (Debian's 1.6.6 has the QEMU builder built in; >= 1.10 gets the plugin
#                          installed by the build with `packer plugins install`)
#   qemu-system-x86, qemu-utils, ovmf
#                          the build VM, qemu-img conversions, UEFI firmware for builds and smoke boots
#   xorriso                the NoCloud seed ISO that Packer's cd_files and the smoke boot attach
#   openssh-client         ssh-keygen for the per-build key
#   ShellCheck             Validate: script lint
#   cloud-init             Validate: `cloud-init schema`
#   libguestfs-tools, linux-image-amd64
#                          AuditImage's read-only inspection (libguestfs boots the host kernel in its appliance)
#   mmdebstrap, dosfstools, mtools, gdisk, e2fsprogs, uuid-runtime
#                          the offline fixture base image used by CI (tests/fixture/build-base-image.sh)
#   nodejs, npm            bats, the shell-script test runner (package.json)
#   bc                     arithmetic in the bench/ scripts
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(
  packer qemu-system-x86 qemu-utils ovmf xorriso openssh-client
  shellcheck cloud-init
  libguestfs-tools linux-image-amd64
  mmdebstrap dosfstools mtools gdisk e2fsprogs uuid-runtime
  ca-certificates bc
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: missing packages (${missing[*]}): run this script as root or with sudo" >&2
    exit 1
  fi
  echo "Installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "All Debian packages present."
fi

# Node.js and npm: take whatever provides the commands (a NodeSource nodejs ships npm; Debian splits them).
if ! command -v npm >/dev/null 2>&1; then
  echo "Installing: nodejs npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# bats (from npm, pinned in package-lock.json). Reinstall only when the lock file changed.
if [[ -f package-lock.json ]]; then
  stamp=node_modules/.package-lock.sha256
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [[ ! -f $stamp || $(<"$stamp") != "$want" ]]; then
    npm ci --no-audit --no-fund --loglevel=error
    printf '%s\n' "$want" >"$stamp"
  fi
fi
