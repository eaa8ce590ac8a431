# nvidia-firmware1: gpu-ready + NVIDIA open kernel driver with GSP firmware enabled.
# Layered on gpu-ready's qcow2 (the build passes run_base_scripts = false).
image_name                 = "nvidia-firmware1"
parent_image               = "gpu-ready"
base_scripts               = ["01-system-update.sh", "02-gpu-prerequisites.sh", "03-kubernetes-tools.sh"]
image_scripts              = ["04-nvidia-driver.sh", "05-nvidia-firmware-config.sh", "06-verify-nvidia.sh"]
nvidia_enable_gpu_firmware = "1"

# What the image is (the region payload's architecture and os). Ubuntu: os_version and os_codename come from
# --ubuntu-version/--ubuntu-codename (the release of the base image); set them here only to pin them.
image_architecture = "x86_64"
os_kernel          = "linux"
os_family          = "debian"
os_distro          = "ubuntu"
os_variant         = "server"
