# Packer 1.7 and later: the plugins osconf.pkr.hcl uses, fetched by `packer init .` (Packer 1.10 and later
# ship neither built in). Packer 1.6 does not read this block: there, use osconf.pkr.hcl alone.
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    qemu = {
      source  = "github.com/hashicorp/qemu"
      version = ">= 1.1.0"
    }
    alicloud = {
      source  = "github.com/hashicorp/alicloud"
      version = ">= 1.1.0"
    }
  }
}
