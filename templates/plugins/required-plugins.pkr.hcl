# For Packer >= 1.10 only, where the QEMU builder is a separate plugin:
#   packer init templates/plugins
# Kept out of templates/ because Packer 1.6.6 rejects required_plugins.
packer {
  required_version = ">= 1.10.0"
  required_plugins {
    qemu = {
      source  = "github.com/hashicorp/qemu"
      version = ">= 1.1.0"
    }
  }
}
