# One template for every GPU image. Per-image differences come from
# images/<image>.pkrvars.hcl; see README.md for invocations.

locals {
  # Shared steps (skipped when layering on a parent that already ran them), then
  # the image's own steps.
  scripts = [for s in concat(var.run_base_scripts ? var.base_scripts : [], var.image_scripts) : "${var.scripts_dir}/${s}"]

  # Secure Boot module signing (04), only when a key is given and the image runs 04. The files travel through a
  # build-user-only folder on tmpfs (/dev/shm) into a root-only one (/run: tmpfs too), so the key never reaches
  # the image's disk; 04 removes it when it exits.
  sign_modules       = var.module_signing_key != "" && contains(local.scripts, "${var.scripts_dir}/04-nvidia-driver.sh")
  signing_upload_dir = "/dev/shm/gpu-image-signing"
  signing_guest_dir  = "/run/gpu-image-signing"
  signing_guest_key  = local.sign_modules ? "${local.signing_guest_dir}/module-signing.key" : ""
  signing_guest_cert = local.sign_modules ? "${local.signing_guest_dir}/module-signing.crt" : ""
  signing_except     = local.sign_modules ? [] : ["qemu.gpu-image"]

  # Optional serial console log; slice() keeps the list empty when unset
  # (Packer 1.6.6 has no dynamic blocks and a conditional cannot return
  # tuples of different shapes).
  serial_args = slice([["-serial", "file:${var.serial_log}"]], 0, var.serial_log == "" ? 0 : 1)
}

source "qemu" "gpu-image" {
  # The base disk: Ubuntu's cloud image, or the parent image's qcow2 when layering.
  iso_url      = var.base_image_url
  iso_checksum = var.base_image_checksum
  disk_image   = true

  output_directory = var.output_directory
  vm_name          = var.vm_name
  format           = "qcow2"
  disk_size        = var.disk_size
  disk_compression = var.disk_compression

  # Boot like the region: q35, UEFI, virtio-scsi disk, virtio network.
  # UEFI goes through -bios (Packer 1.6.6 has no firmware/efi_* keys) and no
  # -drive in qemuargs, so Packer keeps its own disk and CD drives.
  machine_type    = "q35"
  accelerator     = var.accelerator
  disk_interface  = "virtio-scsi"
  cdrom_interface = var.cdrom_interface
  net_device      = "virtio-net"
  memory          = var.memory
  cpus            = var.cpus
  headless        = var.headless
  # No boot_command: the cloud image boots by itself. The wait only delays the first SSH
  # attempt, and sshd is never up within 10 s of power-on (OVMF, kernel, cloud-init), so it costs
  # nothing. Stated explicitly: Packer reads "0s" as unset and uses 10 s anyway; "-1s" (no wait)
  # was tried and one fixture build of three then hung in "Waiting for SSH" until ssh_timeout.
  boot_wait = "10s"
  qemuargs  = concat([["-bios", var.ovmf_firmware]], local.serial_args)

  # NoCloud seed with the ephemeral build user and its per-build public key.
  cd_files = ["${var.seed_dir}/user-data", "${var.seed_dir}/meta-data"]
  cd_label = "cidata"

  communicator         = "ssh"
  ssh_username         = var.ssh_username
  ssh_private_key_file = var.ssh_private_key_file
  ssh_timeout          = var.ssh_timeout

  # 99-cleanup.sh (uploaded below) deletes the build user from inside this SSH
  # session, generalises the image and powers off.
  shutdown_command = "sudo -n env BUILD_USER=${var.ssh_username} POWEROFF=1 bash /var/tmp/99-cleanup.sh"
  shutdown_timeout = var.shutdown_timeout
}

build {
  sources = ["source.qemu.gpu-image"]

  # Fail early with a clear message if the seed did not give us passwordless sudo.
  provisioner "shell" {
    inline = [
      "sudo -n true",
      "echo \"building ${var.image_name} (parent: '${var.parent_image}') on $(. /etc/os-release && echo \"$PRETTY_NAME\"), kernel $(uname -r)\"",
    ]
  }

  # First-boot root filesystem growth, baked into every image.
  provisioner "file" {
    source      = var.cloud_init_config
    destination = "/tmp/99-gpu-image.cfg"
  }

  provisioner "shell" {
    inline = [
      "sudo -n install -D -m 0644 -o root -g root /tmp/99-gpu-image.cfg /etc/cloud/cloud.cfg.d/99-gpu-image.cfg",
      "rm -f /tmp/99-gpu-image.cfg",
    ]
  }

  # Secure Boot: the signing key and certificate, only when --module-signing-key/--module-signing-cert are set.
  provisioner "shell" {
    except = local.signing_except
    inline = ["umask 077", "rm -rf ${local.signing_upload_dir}", "install -d -m 0700 ${local.signing_upload_dir}"]
  }

  provisioner "file" {
    except      = local.signing_except
    source      = var.module_signing_key
    destination = "${local.signing_upload_dir}/module-signing.key"
  }

  provisioner "file" {
    except      = local.signing_except
    source      = var.module_signing_cert
    destination = "${local.signing_upload_dir}/module-signing.crt"
  }

  provisioner "shell" {
    except = local.signing_except
    inline = [
      "sudo -n install -d -m 0700 -o root -g root ${local.signing_guest_dir}",
      "sudo -n install -m 0600 -o root -g root ${local.signing_upload_dir}/module-signing.key ${local.signing_guest_key}",
      "sudo -n install -m 0644 -o root -g root ${local.signing_upload_dir}/module-signing.crt ${local.signing_guest_cert}",
      "rm -rf ${local.signing_upload_dir}",
    ]
  }

  # The image's provisioning steps. Skipped (not an error) when the list is empty,
  # e.g. a layered image with no steps of its own.
  provisioner "shell" {
    except          = length(local.scripts) == 0 ? ["qemu.gpu-image"] : []
    scripts         = local.scripts
    execute_command = "sudo -n env {{ .Vars }} bash '{{ .Path }}'"
    environment_vars = [
      "DEBIAN_FRONTEND=noninteractive",
      "IMAGE_NAME=${var.image_name}",
      "PARENT_IMAGE=${var.parent_image}",
      "BUILD_USER=${var.ssh_username}",
      "KUBERNETES_VERSION=${var.kubernetes_version}",
      "NVIDIA_DRIVER_VERSION=${var.nvidia_driver_version}",
      "NVIDIA_KERNEL_MODULE_FLAVOR=${var.nvidia_kernel_module_flavor}",
      "NVIDIA_CONTAINER_TOOLKIT_VERSION=${var.nvidia_container_toolkit_version}",
      "NVIDIA_CUDA_REPO_DISTRO=${var.nvidia_cuda_repo_distro}",
      "CONTAINERD_SANDBOX_IMAGE=${var.containerd_sandbox_image}",
      "NVIDIA_INSTALL_FABRICMANAGER=${var.nvidia_install_fabricmanager}",
      "MODULE_SIGNING_KEY=${local.signing_guest_key}",
      "MODULE_SIGNING_CERT=${local.signing_guest_cert}",
      "NVIDIA_ENABLE_GPU_FIRMWARE=${var.nvidia_enable_gpu_firmware}",
      "VERIFY_REQUIRE_DRIVER=${var.verify_require_driver}",
    ]
  }

  # Run by shutdown_command once every provisioner has finished.
  provisioner "file" {
    source      = "${var.scripts_dir}/99-cleanup.sh"
    destination = "/var/tmp/99-cleanup.sh"
  }
}
