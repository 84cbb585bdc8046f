#!/usr/bin/env bash
# Builds bin docscand and docscan for a Debian architecture (amd64, arm64
# or armhf = linux/arm, ARMv7 hard-float) into OUTDIR. A foreign
# architecture is cross-compiled with Debian's cross toolchain; its cgo part
# (Tesseract) links against Debian's own libraries for that architecture
# (see sysroot.sh).
# Usage: GO_LDFLAGS='-X ...' .ci/package/build.sh ARCH OUTDIR
set -euo pipefail
arch=${1:?usage: build.sh ARCH OUTDIR}
out=${2:?usage: build.sh ARCH OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
go=${GO:-go}

case "$arch" in
  amd64) goarch=amd64; goarm=; triplet=x86_64-linux-gnu ;;
  arm64) goarch=arm64; goarm=; triplet=aarch64-linux-gnu ;;
  armhf) goarch=arm; goarm=7; triplet=arm-linux-gnueabihf ;;
  *) echo "build: unknown architecture $arch (want amd64, arm64 or armhf)" >&2; exit 2 ;;
esac

env=(CGO_ENABLED=1 GOOS=linux GOARCH="$goarch")
[ -n "$goarm" ] && env+=(GOARM="$goarm")
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
  root=$("$here/sysroot.sh" "$arch")
  env+=(CC="$triplet-gcc" CXX="$triplet-g++"
        CGO_CPPFLAGS="-I$root/usr/include"
        CGO_LDFLAGS="-L$root/usr/lib/$triplet -Wl,-rpath-link=/usr/lib/$triplet")
else
  "$top/.ci/deps.sh" >&2
fi

mkdir -p "$out"
cd "$top"
for cmd in docscand docscan; do
  # PIE, as Debian builds its binaries (lintian: hardening-no-pie).
  env "${env[@]}" "$go" build -trimpath -buildmode=pie -ldflags "${GO_LDFLAGS:-}" -o "$out/$cmd" "./cmd/$cmd"
done
echo "build: $arch -> $out" >&2
