#!/usr/bin/env bash
# Builds the docscan .deb for one Debian architecture from binaries
# already built for it (build.sh).
# Usage: VERSION=... COMMIT=... DATE=... .ci/package/deb.sh ARCH BINDIR OUTDIR
# Prints the path of the package.
set -euo pipefail
arch=${1:?usage: deb.sh ARCH BINDIR OUTDIR}
bindir=${2:?usage: deb.sh ARCH BINDIR OUTDIR}
out=${3:?usage: deb.sh ARCH BINDIR OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
"$top/.ci/deps.sh" dpkg-dev >&2   # dpkg-shlibdeps

# A Debian version from git describe: v1.2.3 -> 1.2.3,
# v1.2.3-4-gabcdef -> 1.2.3+4.gabcdef; without a tag, the build date
# orders the builds: 0~20261129072500.gabcdef.
# (git describe --always gives a bare hash when there is no tag.)
version=${VERSION:-dev}
version=${version#v}
if [[ ! $version =~ ^[0-9]+\.[0-9]+ ]]; then
  date=${DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
  version="0~$(tr -dc 0-9 <<<"$date").g${COMMIT:-unknown}"
  [[ ${VERSION:-} == *-dirty ]] && version+=".dirty"
fi
version=$(sed -e 's/-/+/' -e 's/-/./g' -e 's/[^A-Za-z0-9.+~]/./g' <<<"$version")

case "$arch" in
  amd64) triplet=x86_64-linux-gnu ;;
  arm64) triplet=aarch64-linux-gnu ;;
  armhf) triplet=arm-linux-gnueabihf ;;
  *) echo "deb: unknown architecture $arch" >&2; exit 2 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg="$work/pkg"
install -D -m 0755 "$bindir/docscand" "$pkg/usr/bin/docscand"
install -D -m 0755 "$bindir/docscan" "$pkg/usr/bin/docscan"
# /lib, not /usr/lib: where Debian 12's own units live.
install -D -m 0644 "$top/systemd/docscand.service" "$pkg/lib/systemd/system/docscand.service"
install -D -m 0644 "$top/systemd/docscand.socket" "$pkg/lib/systemd/system/docscand.socket"
install -D -m 0644 "$top/systemd/docscand.yaml" "$pkg/etc/docscan/docscand.yaml"
install -D -m 0644 "$here/debian/60-docscan-gpio.rules" "$pkg/lib/udev/rules.d/60-docscan-gpio.rules"
for f in README.md docs/deploy-pi.md docs/operations.md docs/http-api.md docs/mqtt.md docs/typedb.md; do
  install -D -m 0644 "$top/$f" "$pkg/usr/share/doc/docscan/$(basename "$f")"
done
install -D -m 0644 "$here/debian/copyright" "$pkg/usr/share/doc/docscan/copyright"
install -D -m 0644 "$here/debian/docscan.1" "$pkg/usr/share/man/man1/docscan.1"
install -D -m 0644 "$here/debian/docscand.8" "$pkg/usr/share/man/man8/docscand.8"
gzip -9n "$pkg/usr/share/man/man1/docscan.1" "$pkg/usr/share/man/man8/docscand.8"
# The version has no Debian revision (a native package), so the changelog
# is changelog.gz; it names the build, the full history is git's.
cat >"$work/changelog" <<CHANGELOG
docscan ($version) stable; urgency=medium

  * Build of commit ${COMMIT:-unknown}; see the project's git history.

 -- docscan maintainers <docscan@docscan.invalid>  $(date -u -R -d "${DATE:-now}")
CHANGELOG
gzip -9nc "$work/changelog" >"$pkg/usr/share/doc/docscan/changelog.gz"
chmod 0644 "$pkg/usr/share/doc/docscan/changelog.gz"

mkdir -p "$pkg/DEBIAN"
install -m 0755 "$here/debian/postinst" "$here/debian/prerm" "$here/debian/postrm" "$pkg/DEBIAN/"
echo /etc/docscan/docscand.yaml >"$pkg/DEBIAN/conffiles"

# Shared-library dependencies as dpkg-shlibdeps finds them (for a foreign
# architecture, from the :ARCH libraries sysroot.sh installed).
mkdir -p "$work/src/debian"
printf 'Source: docscan\n\nPackage: docscan\nArchitecture: any\n' >"$work/src/debian/control"
shlibs=$(cd "$work/src" && DEB_HOST_ARCH=$arch DEB_HOST_MULTIARCH=$triplet \
  dpkg-shlibdeps -O -l"/usr/lib/$triplet" "$pkg/usr/bin/docscand" "$pkg/usr/bin/docscan" 2>"$work/shlibs.err" |
  sed -n 's/^shlibs:Depends=//p') || { cat "$work/shlibs.err" >&2; exit 1; }
depends="$shlibs, tesseract-ocr-eng, tesseract-ocr-rus, tesseract-ocr-kaz, adduser"
[[ $shlibs == *libtesseract5* ]] || depends="libtesseract5, $depends"

(cd "$pkg" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/md5sums"

size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat >"$pkg/DEBIAN/control" <<CONTROL
Package: docscan
Version: $version
Architecture: $arch
Maintainer: docscan maintainers <docscan@docscan.invalid>
Installed-Size: $size
Depends: $depends
Recommends: udev
Section: misc
Priority: optional
Description: document scanner daemon with on-device recognition
 docscand drives a scanner's white, infrared and UV LEDs over GPIO and its
 UVC camera, recognises identity documents on the device (MRZ, visual zone
 with Tesseract, document type, authenticity checks), keeps every result in
 a durable outbox, syncs it over MQTT and serves a local HTTP API.
 docscan is the operator's tool: lights, API keys, outbox.
 Build: ${COMMIT:-unknown}, ${DATE:-unknown}.
CONTROL

mkdir -p "$out"
deb="$out/docscan_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
# lintian judges the package; any error or warning fails the build.
"$top/.ci/deps.sh" lintian >&2
lintian --fail-on error,warning "$deb" >&2
echo "$deb"
