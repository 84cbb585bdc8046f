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
  fonts-liberation2 fonts-noto-core
  curl ca-certificates
  chromium python3-requests
  make systemd systemd-container dpkg-dev
  prometheus lintian jq
)
# npx runs the OpenAPI linter; a Node.js that brings its own npm counts.
command -v npx >/dev/null || pkgs+=(nodejs npm)
pkgs+=("$@")

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

# apt's own output shows progress: a first install takes minutes.
echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}"; then
  # An index that fails to refresh (a foreign architecture's, say) must not
  # stop the install from the ones that did.
  echo "deps: refreshing the package lists and trying again" >&2
  $sudo apt-get update || echo "deps: apt-get update reported errors; trying anyway" >&2
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
