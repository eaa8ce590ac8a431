# Variables of the shared GPU image template (gpu-image.pkr.hcl).
#
# Works with Packer 1.6.6 (built-in qemu builder) and Packer >= 1.10 (qemu plugin,
# see plugins/required-plugins.pkr.hcl). Relative paths are relative to the
# directory Packer runs in: run Packer from the repository root. The C# build
# passes absolute paths.
#
# Per-image values live in images/<image>.pkrvars.hcl (simple key = value lines).

packer {
  required_version = ">= 1.6.6"
}

# ---------------------------------------------------------------- image identity

variable "image_name" {
  type        = string
  description = "Name of the image being built (= the name of its images/<name>.pkrvars.hcl file)."
  default     = "gpu-ready"
}

variable "parent_image" {
  type        = string
  description = "Image this one is layered on (\"\" = built from base_image_url). Informational for Packer; the build passes the parent's qcow2 as base_image_url and run_base_scripts = false."
  default     = ""
}

# ------------------------------------------------------- what the image is (region)
# Not used by the template itself: the build reads them from the image definition for the region payload
# (spec.architecture and spec.os). Packer fails on a variable a -var-file sets that is not declared.

variable "image_architecture" {
  type        = string
  description = "CPU architecture of the image, region spec.architecture (x86_64 or aarch64). The template builds with qemu-system-x86_64."
  default     = "x86_64"
}

variable "os_kernel" {
  type        = string
  description = "Region spec.os.kernel (linux)."
  default     = "linux"
}

variable "os_family" {
  type        = string
  description = "Region spec.os.family, the package format family (debian)."
  default     = "debian"
}

variable "os_distro" {
  type        = string
  description = "Region spec.os.distro (ubuntu, debian)."
  default     = "ubuntu"
}

variable "os_variant" {
  type        = string
  description = "Region spec.os.variant, free form (server)."
  default     = "server"
}

variable "os_codename" {
  type        = string
  description = "Region spec.os.codename. Unset (\"\") for Ubuntu: the build uses --ubuntu-codename."
  default     = ""
}

variable "os_version" {
  type        = string
  description = "Region spec.os.version. Unset (\"\") for Ubuntu: the build uses --ubuntu-version."
  default     = ""
}

# ------------------------------------------------------------------ provisioning

variable "base_scripts" {
  type        = list(string)
  description = "Shared provisioning steps (file names in scripts_dir), run first unless run_base_scripts is false."
  default     = ["01-system-update.sh", "02-gpu-prerequisites.sh", "03-kubernetes-tools.sh"]
}

variable "image_scripts" {
  type        = list(string)
  description = "Provisioning steps specific to this image (file names in scripts_dir), run after base_scripts."
  default     = []
}

variable "run_base_scripts" {
  type        = bool
  description = "Run base_scripts. The build sets false when layering on a parent image that already ran them."
  default     = true
}

variable "scripts_dir" {
  type        = string
  description = "Folder holding the provisioning scripts and 99-cleanup.sh (relative to the current directory)."
  default     = "scripts"
}

variable "cloud_init_config" {
  type        = string
  description = "cloud-init drop-in baked into the image as /etc/cloud/cloud.cfg.d/99-gpu-image.cfg (first-boot growpart/resizefs)."
  default     = "cloud-init/99-gpu-image.cfg"
}

# ------------------------------------------------------------- versions (scripts)

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes version for kubeadm/kubelet/kubectl (KUBERNETES_VERSION)."
  default     = "v1.30.14"
}

variable "nvidia_driver_version" {
  type        = string
  description = "NVIDIA driver version (NVIDIA_DRIVER_VERSION)."
  default     = "565.57.01"
}

variable "nvidia_kernel_module_flavor" {
  type        = string
  description = "NVIDIA kernel module flavour, open or proprietary (NVIDIA_KERNEL_MODULE_FLAVOR)."
  default     = "open"
}

variable "nvidia_container_toolkit_version" {
  type        = string
  description = "nvidia-container-toolkit upstream version without the Debian revision (NVIDIA_CONTAINER_TOOLKIT_VERSION)."
  default     = "1.17.8"
}

variable "nvidia_install_fabricmanager" {
  type        = string
  description = "\"1\" = install nvidia-fabricmanager-<branch> at the driver version and enable it and nvidia-persistenced (HGX/NVSwitch); \"0\" = leave them out (NVIDIA_INSTALL_FABRICMANAGER)."
  default     = "1"
}

variable "module_signing_key" {
  type        = string
  description = "Host path of the PEM private key that 04 signs the DKMS-built nvidia modules with (Secure Boot; --module-signing-key). Copied only to a root-only tmpfs path in the build VM, which 04 removes. Empty: modules stay unsigned."
  default     = ""
}

variable "module_signing_cert" {
  type        = string
  description = "Host path of module_signing_key's X.509 certificate (--module-signing-cert); both or neither."
  default     = ""
}

variable "nvidia_enable_gpu_firmware" {
  type        = string
  description = "1 = load the GSP firmware (NVreg_EnableGpuFirmware=1), 0 = disable it (NVIDIA_ENABLE_GPU_FIRMWARE)."
  default     = "1"
}

variable "containerd_sandbox_image" {
  type        = string
  description = "containerd's sandbox (pause) image: the one kubeadm of kubernetes_version's minor expects (CONTAINERD_SANDBOX_IMAGE). The build sets it from build/Matrix/supported-matrix.json."
  default     = "registry.k8s.io/pause:3.9"
}

variable "nvidia_cuda_repo_distro" {
  type        = string
  description = "NVIDIA's CUDA repository folder for the base image's release, ubuntu2204 or ubuntu2404 (NVIDIA_CUDA_REPO_DISTRO). The build sets it from --ubuntu-version."
  default     = "ubuntu2204"
}

variable "verify_require_driver" {
  type        = string
  description = "\"1\" = 06-verify-nvidia.sh fails when the driver is not installed; \"0\" = verify what is present only (VERIFY_REQUIRE_DRIVER)."
  default     = "1"
}

# ------------------------------------------------------------------- base image

variable "base_image_url" {
  type        = string
  description = "Disk image the build starts from: a URL or local path (qcow2). Default: Ubuntu 22.04 server cloud image, pinned release serial."
  default     = "https://cloud-images.ubuntu.com/releases/jammy/release-20260807/ubuntu-22.04-server-cloudimg-amd64.img"
}

variable "base_image_checksum" {
  type        = string
  description = "Checksum of base_image_url in Packer's iso_checksum syntax (\"sha256:HEX\", \"file:URL\" or \"none\")."
  default     = "sha256:ff271290a23279ce764561dbe2e9c3ec29da899535b571a987c37b47970c2ad9"
}

# --------------------------------------------------------------------- VM / disk

variable "output_directory" {
  type        = string
  description = "Folder Packer writes the image into; must not exist yet."
  default     = "output/packer"
}

variable "vm_name" {
  type        = string
  description = "File name of the qcow2 image inside output_directory."
  default     = "image.qcow2"
}

variable "disk_size" {
  type        = string
  description = "Virtual disk size of the image (at most 10G for the region); the root filesystem grows at first boot."
  default     = "8G"
}

variable "disk_compression" {
  type        = bool
  description = "Compress the qcow2 output (smaller, but a slow single-threaded pass)."
  default     = false
}

variable "cdrom_interface" {
  type        = string
  description = "Bus of the seed CD: virtio (a read-only virtio-blk disk with the cidata ISO; works with kernels without AHCI such as Debian's cloud kernel) or ide (AHCI on q35). Packer 1.6.6 generates a broken QEMU command line for virtio-scsi and scsi."
  default     = "virtio"
}

variable "memory" {
  type        = number
  description = "Build VM memory in MiB."
  default     = 2048
}

variable "cpus" {
  type        = number
  description = "Build VM vCPUs."
  default     = 2
}

variable "accelerator" {
  type        = string
  description = "QEMU accelerator: kvm, or tcg where KVM does not work (the build probes and passes it)."
  default     = "kvm"
}

variable "headless" {
  type        = bool
  description = "Run QEMU without a display window."
  default     = true
}

variable "ovmf_firmware" {
  type        = string
  description = "UEFI firmware image passed to QEMU with -bios (the region boots UEFI)."
  default     = "/usr/share/ovmf/OVMF.fd"
}

variable "serial_log" {
  type        = string
  description = "File receiving the build VM's serial console (\"\" = none). Useful to debug boots."
  default     = ""
}

# --------------------------------------------------------------- access / timing

variable "seed_dir" {
  type        = string
  description = "Folder holding the rendered NoCloud user-data and meta-data (attached as a CD labelled cidata)."
  default     = "output/seed"
}

variable "ssh_username" {
  type        = string
  description = "Ephemeral build user created by the seed's user-data and deleted by 99-cleanup.sh."
  default     = "packer"
}

variable "ssh_private_key_file" {
  type        = string
  description = "Private key matching the public key in the seed's user-data (generated per build)."
  default     = "output/seed/id_ed25519"
}

variable "ssh_timeout" {
  type        = string
  description = "How long to wait for SSH after boot (TCG is slow)."
  default     = "30m"
}

variable "shutdown_timeout" {
  type        = string
  description = "How long to wait for the VM to power off after the cleanup shutdown command."
  default     = "15m"
}
