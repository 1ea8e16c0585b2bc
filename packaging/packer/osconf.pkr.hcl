# Example: build a Debian 12 "Customized Linux" image with osconf, check it, and import it into Alibaba Cloud ECS.
#
#   npm run package                      # builds ../../dist/packages/osconf_<version>_all.deb
#   cd packaging/packer
#   export ALICLOUD_ACCESS_KEY=... ALICLOUD_SECRET_KEY=...
#   packer init .                        # Packer 1.7 and later: fetches the plugins named in plugins.pkr.hcl
#   packer build -var iso_url=URL -var iso_checksum=file:SUMS_URL -var oss_bucket=BUCKET -var build_password=... .
#
# Packer 1.6 (Debian 12's packer) has the qemu builder and the alicloud-import post-processor built in and does
# not know plugins.pkr.hcl: run it on this file alone, `packer build -var ... osconf.pkr.hcl`.
#
# What it does: qemu installs Debian 12 from its netinst ISO with http/preseed.cfg (partition 1 an ext4 /boot,
# where the platform writes aliyun_custom_image/os.conf; partition 2 the root), into a raw disk image. The
# provisioners install Node.js and osconf's .deb, lock the build password, then run `osconf prepare` (seals the
# image: SSH host keys, machine id, leases, logs, histories; creates aliyun_custom_image/, enables osconf) and
# `osconf check`, which exits 1 when any item is FAILED, and that fails the build. Then, on the build host,
# `osconf test-image` boots the finished .raw under qemu twice (a copy-on-write overlay: the file is not changed)
# and proves from outside that it configures itself from an os.conf; a FAILED item (exit 1) stops the chain
# before the import (reports and serial logs in output-NAME/test-image/). The .raw file then goes to the
# alicloud-import post-processor, which uploads it to OSS and imports it as a Customized Linux image.

variable "iso_url" {
  type        = string
  description = "URL or path of a Debian 12 netinst ISO for amd64 (cdimage.debian.org, under cdimage/archive/12.*/amd64/iso-cd/)."
}

variable "iso_checksum" {
  type        = string
  description = "Checksum of the ISO as Packer takes it: \"sha256:HEX\", or \"file:URL\" of the SHA256SUMS file next to the ISO."
}

variable "osconf_deb" {
  type        = string
  description = "osconf's .deb, as `npm run package` writes it (relative to the directory packer runs in)."
  default     = "../../dist/packages/osconf_0.1.0_all.deb"
}

variable "build_password" {
  type        = string
  description = "Root's password during the build only (the installer sets it, Packer logs in with it over SSH); locked before the image is sealed."
  sensitive   = true
}

variable "disk_size" {
  type        = string
  description = "Size of the system disk image (the platform requires at least 5 GiB), e.g. 20G."
  default     = "20G"
}

variable "image_name" {
  type        = string
  description = "Name of the raw file and prefix of the imported image's name."
  default     = "debian12-osconf"
}

variable "oss_bucket" {
  type        = string
  description = "OSS bucket the raw image is uploaded to, in the same region as the import."
}

variable "region" {
  type        = string
  description = "Alibaba Cloud region to import the image into."
  default     = "cn-hangzhou"
}

locals {
  # The alicloud-import post-processor uploads the artifact whose name ends in the format's suffix (.raw).
  raw_name = "${var.image_name}.raw"
  stamp    = formatdate("YYYYMMDDhhmmss", timestamp())
}

source "qemu" "debian12" {
  iso_url          = var.iso_url
  iso_checksum     = var.iso_checksum
  disk_size        = var.disk_size
  disk_interface   = "virtio" # /dev/vda, as http/preseed.cfg partitions it
  format           = "raw"
  vm_name          = local.raw_name
  output_directory = "output-${var.image_name}"
  headless         = true
  memory           = 2048
  http_directory   = "http"
  boot_wait        = "5s"
  boot_command = [
    "<esc><wait>",
    "auto preseed/url=http://{{ .HTTPIP }}:{{ .HTTPPort }}/preseed.cfg ",
    "passwd/root-password=${var.build_password} passwd/root-password-again=${var.build_password} ",
    "debian-installer/locale=en_US.UTF-8 keyboard-configuration/xkb-keymap=us netcfg/get_hostname=debian netcfg/get_domain= ",
    "<enter>",
  ]
  ssh_username     = "root"
  ssh_password     = var.build_password
  ssh_timeout      = "60m"
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
      "export DEBIAN_FRONTEND=noninteractive",
      "apt-get update",
      "apt-get install -y nodejs /tmp/osconf.deb",
      "rm -f /tmp/osconf.deb",
      "systemctl is-enabled osconf.service",
      # The build's own access, gone from the image: root login over SSH (http/preseed.cfg) and its password.
      "rm -f /etc/ssh/sshd_config.d/packer-build.conf",
      # As ECS's own images: the root password the console sets logs in over SSH (Debian's default refuses it),
      # and the kernel's console is the serial port the platform's VNC/serial console shows.
      "echo 'PermitRootLogin yes' > /etc/ssh/sshd_config.d/50-ecs-root-login.conf",
      "sed -i 's/^GRUB_CMDLINE_LINUX=\"\\(.*\\)\"/GRUB_CMDLINE_LINUX=\"\\1 console=tty0 console=ttyS0,115200n8\"/' /etc/default/grub",
      "update-grub",
      "passwd -l root",
      "osconf prepare --yes",
      # Exit 1 when any item is FAILED: the provisioner, and so the build, fails.
      "osconf check -p /root",
    ]
  }

  # One chain: test-image first, and a FAILED item (exit 1) stops it before the upload.
  post-processors {
    post-processor "shell-local" {
      inline = ["node ../../dist/osconf test-image output-${var.image_name}/${local.raw_name} --network both -p output-${var.image_name}/test-image"]
    }

    post-processor "alicloud-import" {
      oss_bucket_name    = var.oss_bucket
      region             = var.region
      image_name         = "${var.image_name}-${local.stamp}"
      image_description  = "Debian 12 with osconf (Customized Linux)"
      image_os_type      = "linux"
      image_platform     = "Customized Linux"
      image_architecture = "x86_64"
      image_system_size  = "20"
      format             = "RAW"
    }
  }
}
