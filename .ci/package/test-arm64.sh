#!/usr/bin/env bash
# Runs the test binaries of PACKAGES (default: the hardware-independent
# core, cgo included) built for linux/arm64, under qemu-user emulation.
# `go test -exec` hands each test binary to qemu-aarch64-static, so no
# binfmt_misc registration is needed; tests that exec an arm64 binary
# themselves would need it, so they are not in the default set.
# Usage: .ci/package/test-arm64.sh [PACKAGES...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
go=${GO:-go}
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./hal/... ./lights/... ./typedb/... ./camera/... ./pipeline/mrz/...
  ./pipeline/ocr/... ./sync/outbox/... ./cmd/internal/...)

if [ "$(uname -m)" = aarch64 ]; then
  echo "test-arm64: this machine is arm64; running the tests natively" >&2
  cd "$top" && exec "$go" test -short -count=1 "${pkgs[@]}"
fi
if ! "$top/.ci/deps.sh" qemu-user-static; then
  echo "test-arm64: SKIPPED: qemu-user-static cannot be installed here" >&2
  exit 0
fi
if ! qemu-aarch64-static --version >/dev/null 2>&1; then
  echo "test-arm64: SKIPPED: qemu-aarch64-static does not run on this machine" >&2
  exit 0
fi
root=$("$here/sysroot.sh" arm64)

# Tests that start their own binary again (crash tests) need the kernel to
# hand arm64 executables to qemu: binfmt_misc, registered from Debian's
# qemu-user-static the way systemd-binfmt does at boot. Without it, they
# are skipped.
skip=()
binfmt=/proc/sys/fs/binfmt_misc
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
if [ ! -e "$binfmt/qemu-aarch64" ] && [ "$(id -u)" -eq 0 ] && [ -r "$conf" ]; then
  [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null || true
  if [ -w "$binfmt/register" ] && cat "$conf" >"$binfmt/register" 2>/dev/null; then
    echo "test-arm64: registered qemu-aarch64 with binfmt_misc ($conf)" >&2
  fi
fi
if ! grep -qx enabled "$binfmt/qemu-aarch64" 2>/dev/null; then
  echo "test-arm64: no binfmt_misc for arm64 (needs root): SKIPPING the tests that re-execute themselves (TestKill9*)" >&2
  skip=(-skip '^TestKill9')
fi

cd "$top"
export QEMU_LD_PREFIX=/ OMP_THREAD_LIMIT=1
CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ \
  CGO_CPPFLAGS="-I$root/usr/include" \
  CGO_LDFLAGS="-L$root/usr/lib/aarch64-linux-gnu -Wl,-rpath-link=/usr/lib/aarch64-linux-gnu" \
  "$go" test -short -count=1 -timeout 20m -exec qemu-aarch64-static "${skip[@]}" "${pkgs[@]}"
