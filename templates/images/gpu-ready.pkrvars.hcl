# gpu-ready: Ubuntu 22.04 + GPU prerequisites + Kubernetes tools, no NVIDIA driver.
image_name    = "gpu-ready"
parent_image  = ""
base_scripts  = ["01-system-update.sh", "02-gpu-prerequisites.sh", "03-kubernetes-tools.sh"]
image_scripts = []

# What the image is (the region payload's architecture and os). Ubuntu: os_version and os_codename come from
# --ubuntu-version/--ubuntu-codename (the release of the base image); set them here only to pin them.
image_architecture = "x86_64"
os_kernel          = "linux"
os_family          = "debian"
os_distro          = "ubuntu"
os_variant         = "server"
