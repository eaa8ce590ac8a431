# gpu-ready: Ubuntu 22.04 + GPU prerequisites + Kubernetes tools, no NVIDIA driver.
image_name    = "gpu-ready"
parent_image  = ""
base_scripts  = ["01-system-update.sh", "02-gpu-prerequisites.sh", "03-kubernetes-tools.sh"]
image_scripts = []
