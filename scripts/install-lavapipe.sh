#!/usr/bin/env bash
# Makes a WebGPU adapter available on a Linux machine without a GPU by installing Mesa's
# lavapipe (a Vulkan driver that runs on the CPU). Debian bookworm ships Mesa 22.x, which
# lacks a feature Dawn requires, so the driver comes from bookworm-backports (25.x).
# Idempotent: does nothing when a lavapipe ICD is already installed.
set -euo pipefail

if ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
  echo "install-lavapipe: lavapipe already installed"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-lavapipe: needs root (apt-get); run as root or install mesa-vulkan-drivers>=23 yourself" >&2
  exit 2
fi
. /etc/os-release
codename="${VERSION_CODENAME:-bookworm}"
backports="/etc/apt/sources.list.d/${codename}-backports.sources"
if [ "$codename" = bookworm ] && [ ! -f "$backports" ]; then
  cat >"$backports" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: ${codename}-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ "$codename" = bookworm ]; then
  apt-get install -y -qq -t "${codename}-backports" mesa-vulkan-drivers libvulkan1 >/dev/null
else
  apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
fi
echo "install-lavapipe: installed $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
