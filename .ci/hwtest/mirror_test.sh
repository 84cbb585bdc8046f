#!/usr/bin/env bash
# mirror_test.sh checks follow_mirror (mirror.sh) against a fake apt-cache
# whose package lists each case sets: the pin kept while served or cached,
# the newest kernel with its source and headers taken when it is not.
# Run by `make test`; needs nothing installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mirror.sh
. "$here/mirror.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"
# The fake serves "package version" lines from $tmp/lists; `update` (via
# the fake apt-get) moves $tmp/lists.new into place, as a refresh would.
cat >"$tmp/bin/apt-cache" <<'FAKE'
#!/usr/bin/env bash
lists=$FAKE_APT/lists
case $1 in
madison)
	shift
	for p in "$@"; do
		awk -v p="$p" '$1 == p { printf "%s | %s | http://deb.debian.org/debian bookworm/main amd64 Packages\n", $1, $2 }' "$lists"
	done
	;;
pkgnames) awk -v pre="$2" 'index($1, pre) == 1 { print $1 }' "$lists" | sort -u ;;
*) exit 100 ;;
esac
FAKE
cat >"$tmp/bin/apt-get" <<'FAKE'
#!/usr/bin/env bash
[ -f "$FAKE_APT/lists.new" ] && mv "$FAKE_APT/lists.new" "$FAKE_APT/lists"
exit 0
FAKE
chmod +x "$tmp/bin/apt-cache" "$tmp/bin/apt-get"
export PATH=$tmp/bin:$PATH FAKE_APT=$tmp

log() { :; }
sudo_() { "$@"; }

fails=0
# check NAME LISTS [NEW_LISTS] WANT_KABI WANT_KVER [CACHED]
check() {
	local name=$1 lists=$2 newlists=$3 want_abi=$4 want_ver=$5 cached=${6:-}
	printf '%s\n' "$lists" >"$tmp/lists"
	rm -f "$tmp/lists.new"
	[ -z "$newlists" ] || printf '%s\n' "$newlists" >"$tmp/lists.new"
	cache=$tmp/cache
	rm -rf "$cache"
	[ -z "$cached" ] || { mkdir -p "$cache/kernel-$cached/debs" && touch "$cache/kernel-$cached/debs/.done"; }
	KABI=6.1.0-47 KVER=6.1.170-3 KREL=6.1.0-47-amd64 KSERIES=6.1
	unset HWTEST_KABI HWTEST_KVER
	follow_mirror
	if [ "$KABI $KVER $KREL $KSERIES" != "$want_abi $want_ver $want_abi-amd64 ${want_ver%.*}" ]; then
		echo "FAIL $name: got $KABI $KVER $KREL $KSERIES, want $want_abi $want_ver" >&2
		fails=$((fails + 1))
	else
		echo "ok   $name"
	fi
}

pin="linux-image-6.1.0-47-amd64 6.1.170-3
linux-headers-6.1.0-47-amd64 6.1.170-3
linux-source-6.1 6.1.170-3"
newer="linux-image-6.1.0-50-amd64 6.1.176-1
linux-headers-6.1.0-50-amd64 6.1.176-1
linux-source-6.1 6.1.176-1"
# a kernel image whose source the mirror lacks cannot be built against
unbuildable="linux-image-6.1.0-57-amd64 6.1.192-3
linux-headers-6.1.0-57-amd64 6.1.192-3"
other="linux-image-6.1.0-50-rt-amd64 6.1.200-1
linux-image-6.1.0-9-amd64 6.1.27-1
linux-headers-6.1.0-9-amd64 6.1.27-1
linux-source-6.1 6.1.27-1"

check "pin served: kept" "$pin
$newer" "" 6.1.0-47 6.1.170-3
check "pin gone: the newest with source and headers" "$newer
$unbuildable
$other" "" 6.1.0-50 6.1.176-1
check "pin gone, versions compared as versions (-50 over -9)" "$other
$newer" "" 6.1.0-50 6.1.176-1
check "pin in the refreshed lists only: kept" "$newer" "$pin" 6.1.0-47 6.1.170-3
check "pin gone but cached: kept" "$newer" "" 6.1.0-47 6.1.170-3 6.1.170-3
check "nothing buildable: the pin stays (check then fails)" "$unbuildable" "" 6.1.0-47 6.1.170-3
check "no lists at all: the pin stays" "" "" 6.1.0-47 6.1.170-3
HWTEST_KABI=6.1.0-47 HWTEST_KVER=6.1.170-3
export HWTEST_KABI HWTEST_KVER
printf '%s\n' "$newer" >"$tmp/lists"
KABI=6.1.0-47 KVER=6.1.170-3 KREL=6.1.0-47-amd64 KSERIES=6.1
follow_mirror
if [ "$KVER" = 6.1.170-3 ]; then echo "ok   an explicit HWTEST_KVER is never replaced"; else
	echo "FAIL an explicit HWTEST_KVER was replaced by $KVER" >&2
	fails=$((fails + 1))
fi
[ $fails -eq 0 ]
