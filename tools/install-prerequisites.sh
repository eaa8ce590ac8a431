#!/usr/bin/env bash
# Installs what the build and its tests need on Debian 12 / Ubuntu 22.04+:   tools/install-prerequisites.sh
# Run it as yourself or as root: only apt-get needs root, and only when a package is missing; it then goes through
# sudo when you are not root (and says what to do when there is no sudo). `npm ci` runs as you, so node_modules
# stays yours. Idempotent: packages already installed are skipped; `npm ci` only when node_modules is stale.
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
#   mmdebstrap, dosfstools, mtools, gdisk, e2fsprogs, initramfs-tools-core
#                          the offline fixture base image used by CI (tests/fixture/build-base-image.sh;
#                          lsinitramfs checks its initramfs)
#   uuid-runtime           uuidgen in bench/
#   python3                the tests start the host through it (default SIGINT); bench/ parses qemu-img JSON
#   openssl                bench/convert-checksum.sh: the SHA-256 floor (`openssl speed`)
#   bc                     arithmetic in the bench/ scripts
#   procps, util-linux     pgrep/kill (pipeline tests), flock (build.sh), mount (raw-image tests)
#   nodejs, npm            bats, the shell-script test runner (package.json)
#   radosgw, ceph-mon, ceph-osd, ceph-common
#                          a real S3 server on 127.0.0.1 for the S3 tests, bench/ and tools/local-servers.sh
#                          (tools/servers/ceph-rgw.sh: a one-node Ceph cluster with the RADOS Gateway)
#   awscli, rclone         bench/ baselines and bucket creation in tools/local-servers.sh (Debian's awscli is
#                          /usr/bin/aws; a pyenv shim may shadow `aws` on PATH, so scripts call it by path)
#   podman, buildah, skopeo, runc
#                          Build/PublishValidationImages: the container engine where no Docker daemon runs (runc:
#                          crun refuses this kind of host's cgroup layout; see the containers.conf drop-in below)
#   busybox-static         the smoke-pass/smoke-fail validation images (FROM scratch + one static binary)
#   docker-registry, apache2-utils
#                          a local OCI registry on 127.0.0.1 for the publish tests (tools/servers/registry.sh);
#                          htpasswd for its --auth mode
#   nvidia-cuda-toolkit, nvidia-cuda-dev, g++-11   (Debian non-free; the sources entry is added below)
#                          nvcc 11.8 and the static cudart for cuda-basic: on the host only to check the .cu
#                          compiles; the image's build stage gets them from a base made with mmdebstrap. nvcc 11.8
#                          refuses gcc 12: g++-11 is its host compiler
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Where the apt sources entry and the containers.conf drop-in go; the bats tests point it at a temporary folder.
etc=${PREREQUISITES_ETC:-/etc}

packages=(
  packer qemu-system-x86 qemu-utils ovmf xorriso openssh-client
  shellcheck cloud-init
  libguestfs-tools linux-image-amd64
  mmdebstrap dosfstools mtools gdisk e2fsprogs initramfs-tools-core uuid-runtime
  ca-certificates python3 openssl bc procps util-linux
  radosgw ceph-mon ceph-osd ceph-common awscli rclone
  podman buildah skopeo runc busybox-static docker-registry apache2-utils g++-11
)

# Packages only in Debian's non-free component (CUDA 11.8).
non_free_packages=(nvidia-cuda-toolkit nvidia-cuda-dev)

# as_root CMD...: runs CMD as root: directly when we are root, else through sudo; without sudo, says how to go on.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "error: installing packages needs root, and sudo is not installed: run this script as root (su -c $0), or install sudo" >&2
    exit 1
  fi
}

apt_install() {
  echo "Installing: $*"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# Debian's non-free component, for nvidia-cuda-toolkit. signed-by must name the same keyring as the main entry, or
# apt fails with "Conflicting values set for option Signed-By". Only on Debian, and only once.
non_free_sources=$etc/apt/sources.list.d/debian-non-free.sources
if [[ -r /etc/os-release ]] && grep -qx 'ID=debian' /etc/os-release && [[ ! -f $non_free_sources ]]; then
  # shellcheck source=/dev/null
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  as_root mkdir -p "$(dirname "$non_free_sources")"
  printf '%s\n' \
    '# Added by tools/install-prerequisites.sh: nvidia-cuda-toolkit (CUDA 11.8) for the cuda-basic validation image.' \
    'Types: deb' \
    'URIs: http://deb.debian.org/debian' \
    "Suites: $codename $codename-updates" \
    'Components: contrib non-free non-free-firmware' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' | as_root tee "$non_free_sources" >/dev/null
fi
if [[ -f $non_free_sources ]]; then
  for p in "${non_free_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
fi

if ((${#missing[@]} > 0)); then
  apt_install "${missing[@]}"
else
  echo "All Debian packages present."
fi

# podman on this kind of host: runc (crun refuses the cgroup layout) and explicit ulimits (a sandbox cannot raise
# them, and podman's default asks to). A drop-in, so the distribution's containers.conf stays untouched.
containers_conf=$etc/containers/containers.conf.d/50-gpu-image-builder.conf
if [[ ! -f $containers_conf ]]; then
  as_root mkdir -p "$(dirname "$containers_conf")"
  printf '%s\n' \
    '# Written by tools/install-prerequisites.sh (gpu-image-builder): see its header.' \
    '[containers]' \
    'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]' \
    '' \
    '[engine]' \
    'runtime = "runc"' | as_root tee "$containers_conf" >/dev/null
fi

# Node.js and npm: take whatever provides the commands (a NodeSource nodejs ships npm; Debian splits them).
if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi

# bats (from npm, pinned in package-lock.json). Reinstall only when the lock file changed.
if [[ -f package-lock.json ]]; then
  stamp=node_modules/.package-lock.sha256
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [[ ! -f $stamp || $(<"$stamp") != "$want" ]]; then
    npm ci --no-audit --no-fund --loglevel=error
    printf '%s\n' "$want" >"$stamp"
  else
    echo "bats (node_modules) up to date."
  fi
fi
