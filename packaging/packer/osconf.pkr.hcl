# Example: build a Debian 12 Customized Linux image with osconf, and import it into Alibaba Cloud ECS.
# packer init . && packer build -var iso_url=... -var oss_bucket=... osconf.pkr.hcl
# The image keeps DHCP for its NICs; osconf applies the static settings from os.conf at every boot.

packer {
  required_plugins {
    qemu     = { source = "github.com/hashicorp/qemu", version = ">= 1.1.0" }
    alicloud = { source = "github.com/hashicorp/alicloud", version = ">= 1.1.0" }
  }
}

variable "iso_url" { type = string }
variable "iso_checksum" { type = string }
variable "oss_bucket" { type = string }
variable "region" { type = string, default = "cn-hangzhou" }
variable "osconf_deb" { type = string, default = "../../dist/packages/osconf_0.1.0_all.deb" }

source "qemu" "debian12" {
  iso_url          = var.iso_url
  iso_checksum     = var.iso_checksum
  disk_size        = "20G" # the platform requires more than 5 GiB
  format           = "raw"
  http_directory   = "http" # a preseed that makes partition 1 an ext4 /boot and partition 2 the root
  boot_command     = ["<esc><wait>auto preseed/url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/preseed.cfg<enter>"]
  ssh_username     = "root"
  ssh_password     = "packer-build-only"
  ssh_timeout      = "30m"
  shutdown_command = "shutdown -P now"
}

build {
  sources = ["source.qemu.debian12"]

  provisioner "file" {
    source      = var.osconf_deb
    destination = "/tmp/osconf.deb"
  }

  provisioner "shell" {
    inline = [
      "set -eu",
      "apt-get update && apt-get install -y nodejs /tmp/osconf.deb",
      "mkdir -p /boot/aliyun_custom_image",
      "systemctl is-enabled osconf.service",
      # No default SSH host keys or build password in the image (platform requirement).
      "rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub",
      "passwd -l root",
    ]
  }

  post-processor "alicloud-import" {
    oss_bucket_name  = var.oss_bucket
    image_name       = "debian12-osconf-{{timestamp}}"
    image_os_type    = "linux"
    image_platform   = "Customized Linux"
    image_architecture = "x86_64"
    image_system_size  = "20"
    format           = "RAW"
    region           = var.region
  }
}
