#!/usr/bin/env bash
# Prepares a Debian multiarch cross build of docscan's cgo part (Tesseract)
# for ARCH (arm64 or armhf) and prints the directory holding its headers
# and link-time libraries.
#
# Debian 12's libleptonica-dev is not Multi-Arch: same, so installing
# libtesseract-dev:arm64 would remove the amd64 -dev packages the native
# build and tests need. Instead:
#   - the runtime libraries (libtesseract5:ARCH, liblept5:ARCH, which are
#     Multi-Arch: same) are installed, so the cross linker finds the whole
#     dependency closure in /usr/lib/<triplet> and qemu can run the result;
#   - the -dev packages are only unpacked (dpkg -x) into
#     .cache/cross/ARCH, for the headers and the libtesseract.so /
#     libleptonica.so link names.
# Usage: .ci/package/sysroot.sh ARCH
set -euo pipefail
arch=${1:?usage: sysroot.sh arm64|armhf}
case "$arch" in
  arm64) triplet=aarch64-linux-gnu ;;
  armhf) triplet=arm-linux-gnueabihf ;;
  *) echo "sysroot: unknown architecture $arch (want arm64 or armhf)" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir="$top/.cache/cross/$arch"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  echo "sysroot: dpkg --add-architecture $arch" >&2
  $sudo dpkg --add-architecture "$arch"
  # One foreign index failing (a mirror mid-sync) must not stop the others.
  $sudo apt-get update -q >/dev/null || echo "sysroot: apt-get update reported errors; going on with the indexes it got" >&2
fi
"$top/.ci/deps.sh" "crossbuild-essential-$arch" "libtesseract5:$arch" "liblept5:$arch" dpkg-dev >&2

# The -dev packages, unpacked once per version.
ver=$(dpkg-query -W -f='${Version}' "libtesseract5:$arch")
stamp="$dir/.libtesseract-$ver"
if [ ! -e "$stamp" ]; then
  rm -rf "$dir"
  mkdir -p "$dir/debs"
  (cd "$dir/debs" && apt-get download -q "libtesseract-dev:$arch" "libleptonica-dev:$arch" \
     "libtesseract5:$arch" "liblept5:$arch") >&2
  ls "$dir"/debs/libtesseract-dev_*.deb "$dir"/debs/libleptonica-dev_*.deb >/dev/null
  for f in "$dir"/debs/*.deb; do dpkg -x "$f" "$dir/root"; done
  rm -rf "$dir/debs"
  touch "$stamp"
fi
test -e "$dir/root/usr/lib/$triplet/libtesseract.so"
test -e "$dir/root/usr/include/tesseract/baseapi.h"
echo "$dir/root"
