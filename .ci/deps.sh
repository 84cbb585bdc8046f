#!/usr/bin/env bash
# Installs the Debian packages docscan needs, only those that are missing.
# Usage: .ci/deps.sh [extra-package ...]
set -euo pipefail

pkgs=(
  gcc pkg-config
  libtesseract-dev libleptonica-dev tesseract-ocr
  tesseract-ocr-eng tesseract-ocr-rus tesseract-ocr-kaz
  mosquitto mosquitto-clients
  fonts-ocr-b fonts-dejavu-core
  curl ca-certificates
  chromium python3-requests
  make systemd systemd-container dpkg-dev
)
pkgs+=("$@")

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
  # An index that fails to refresh (a foreign architecture's, say) must not
  # stop the install from the ones that did.
  $sudo apt-get update -q >/dev/null || echo "deps: apt-get update reported errors; trying anyway" >&2
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
