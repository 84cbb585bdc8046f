#!/usr/bin/env bash
# hwtest.sh runs docscan's hardware tests (Go build tag hwtest) on real
# kernel drivers: Linux's virtual V4L2 capture device (vivid) and GPIO
# simulator (gpio-sim), in a small qemu VM booting Debian's own kernel.
#
# Nothing is installed into the host but the tools (qemu-system-x86,
# cpio, gcc-12, make ...), and only when missing. The kernel, its headers
# and source, busybox-static and kmod are fetched with `apt-get download`
# and unpacked with `dpkg -x` under .cache/hwtest/, where the unpacked
# kernel and the modules built from source stay for the next run.
#
# Usage:
#   hwtest.sh            run the tests, then the harness self-test
#   hwtest.sh run        run the tests only
#   hwtest.sh selftest   check that a broken line name and a wrong pixel
#                        format make the VM run fail
#   hwtest.sh check      install the host tools; exit 0 when the VM can
#                        run, 3 (with the reason) when it cannot
#   hwtest.sh fault F    one run with fault F injected (linename|pixfmt)
#   hwtest.sh e2e        the whole scan path: the daemon on gpio-sim and a
#                        v4l2loopback camera fed with a specimen (slow
#                        under TCG: Tesseract runs in the VM)
#
# Environment: HWTEST_CACHE (default .cache/hwtest), HWTEST_ACCEL
# (kvm|tcg; default kvm only on real hardware virtualisation),
# HWTEST_VM_TIMEOUT (seconds, default 300), HWTEST_RUN (-test.run
# pattern), HWTEST_ONLY (binaries, e.g. "camera hal"), HWTEST_KABI and
# HWTEST_KVER (see versions.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"
cache=${HWTEST_CACHE:-$repo/.cache/hwtest}

# shellcheck source=mirror.sh
. "$here/mirror.sh"

log() { echo "hwtest: $*" >&2; }
die() {
	log "$*"
	exit 1
}
sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

follow_mirror
kdir=$cache/kernel-$KVER
root=$kdir/root
export PATH=/usr/local/go/bin:$PATH

# host_tools installs the Debian packages the recipe runs, when missing.
# A package another process is upgrading right now (unpacked, awaiting
# triggers) has its files, so it counts as present.
host_tools() {
	local pkgs=(qemu-system-x86 cpio gcc-12 make libelf1 zlib1g libssl3 libzstd1 liblzma5 xz-utils gzip util-linux dpkg apt)
	local missing=() p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -Eq ' (installed|unpacked|half-configured|triggers-awaited|triggers-pending)$' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	local apt=(apt-get -o DPkg::Lock::Timeout=300 -y -q --no-install-recommends)
	sudo_ "${apt[@]}" install "${missing[@]}" >/dev/null 2>&1 ||
		{ sudo_ apt-get -o DPkg::Lock::Timeout=300 -q update >/dev/null 2>&1 && sudo_ "${apt[@]}" install "${missing[@]}" >/dev/null; }
}

# fetch downloads the pinned packages into $kdir/debs.
fetch() {
	local debs=$kdir/debs
	# The headers need linux-kbuild-$KSERIES (>= $KVER); the mirror keeps
	# only the newest, which Debian's own dependency accepts.
	local kbuild="linux-kbuild-$KSERIES=$KVER"
	on_mirror "linux-kbuild-$KSERIES" "$KVER" || kbuild="linux-kbuild-$KSERIES"
	local pkgs=(
		"linux-image-$KREL=$KVER"
		"linux-headers-$KREL=$KVER"
		"linux-headers-$KABI-common=$KVER"
		"$kbuild"
		"linux-source-$KSERIES=$KVER"
		busybox-static kmod v4l2loopback-dkms
	)
	[ "$(cat "$debs/.done" 2>/dev/null)" = "${pkgs[*]}" ] && return 0
	rm -rf "$debs.tmp" && mkdir -p "$debs.tmp"
	log "downloading ${pkgs[*]}"
	# Retried: another apt on the machine can leave the lists briefly
	# unreadable; an update in between fetches lists that lack them.
	local try
	for try in 1 2 3; do
		(cd "$debs.tmp" && apt-get download -q "${pkgs[@]}" >"$debs.tmp/log" 2>&1) && break
		[ $try -lt 3 ] || {
			tail -5 "$debs.tmp/log" >&2
			die "apt-get download failed: is kernel $KREL ($KVER) still on the mirror? See .ci/hwtest/versions.sh"
		}
		sleep 5
		sudo_ apt-get -o DPkg::Lock::Timeout=120 update -q >/dev/null 2>&1 || true
	done
	rm -f "$debs.tmp/log"
	echo "${pkgs[*]}" >"$debs.tmp/.done"
	rm -rf "$debs" && mv "$debs.tmp" "$debs"
}

# unpack extracts the packages into $root, never into the host.
unpack() {
	[ "$(cat "$root/.done" 2>/dev/null)" = "$(cat "$kdir/debs/.done")" ] && return 0
	log "unpacking into ${root#"$repo"/}"
	rm -rf "$root" && mkdir -p "$root"
	local d
	for d in "$kdir"/debs/*.deb; do dpkg -x "$d" "$root"; done
	# The headers' Makefile includes the common headers by absolute path.
	sed -i "s#^include /usr/src/#include $root/usr/src/#" "$root/usr/src/linux-headers-$KREL/Makefile"
	[ -f "$root/boot/vmlinuz-$KREL" ] || die "no kernel image in linux-image-$KREL"
	cp "$kdir/debs/.done" "$root/.done"
}

# build_modules builds gpio-sim and irq_sim, and v4l2loopback from
# Debian's v4l2loopback-dkms source, out of tree; then it runs depmod
# over the unpacked kernel with them added. The cache key covers every
# input of the build.
build_modules() {
	# Keyed by every input of the modules and the initramfs base.
	modkey=$({
		cat "$here/versions.sh" "$here/kmod/prepare.sh" "$here/kmod/Kbuild" "$root/.done"
		declare -f build_modules base_image load_order
		echo "$vivid_args $loopback_args"
	} | sha256sum | cut -c1-12)
	local out=$kdir/kmod-$modkey
	if [ ! -f "$out/.done" ]; then
		log "building gpio-sim and irq_sim from linux-source-$KSERIES"
		rm -rf "$out"
		"$here/kmod/prepare.sh" "$root/usr/src/linux-source-$KSERIES.tar.xz" "linux-source-$KSERIES" "$out"
		local loop
		loop=$(echo "$root"/usr/src/v4l2loopback-*)
		mkdir -p "$out/v4l2loopback"
		cp "$loop"/*.c "$loop"/*.h "$out/v4l2loopback/"
		echo 'obj-m := v4l2loopback.o' >"$out/v4l2loopback/Kbuild"
		local m
		for m in "$out" "$out/v4l2loopback"; do
			make -s -C "$root/usr/src/linux-headers-$KREL" M="$m" -j"$(nproc)" modules >>"$out/build.log" 2>&1 ||
				{
					tail -30 "$out/build.log" >&2
					die "module build failed in $m"
				}
		done
		cp "$out/v4l2loopback/v4l2loopback.ko" "$out/"
		touch "$out/.done"
	fi
	local upd=$root/lib/modules/$KREL/updates/docscan
	if ! cmp -s "$out/gpio-sim.ko" "$upd/gpio-sim.ko" || ! cmp -s "$out/v4l2loopback.ko" "$upd/v4l2loopback.ko" ||
		[ ! -f "$root/lib/modules/$KREL/modules.dep" ]; then
		mkdir -p "$upd" && cp "$out"/*.ko "$upd/"
		mkdir -p "$kdir/bin" && ln -sf "$root/bin/kmod" "$kdir/bin/depmod"
		"$kdir/bin/depmod" -b "$root" "$KREL"
	fi
}

# load_order prints the modules to insmod for each wanted module, with
# its parameters, dependencies first (modules.dep lists a module's
# dependencies so that the last one loads first).
load_order() {
	local dep=$root/lib/modules/$KREL/modules.dep
	awk -v want="$*" '
		BEGIN { n = split(want, w, " ") }
		{
			key = $1; sub(/:$/, "", key)
			m = key; sub(/.*\//, "", m); sub(/\.ko(\.[a-z]+)?$/, "", m)
			deps[m] = ""
			for (i = NF; i >= 2; i--) deps[m] = deps[m] " " $i
			path[m] = key
			base[key] = m
		}
		function load(m,   d, k, i) {
			if (done[m]++) return
			k = split(deps[m], d, " ")
			for (i = 1; i <= k; i++) load(base[d[i]])
			print path[m]
		}
		END {
			for (i = 1; i <= n; i++) {
				if (!(w[i] in path)) { print "missing module " w[i] > "/dev/stderr"; exit 1 }
				load(w[i])
			}
		}' "$dep"
}

# vivid: one instance with a single video-capture node (/dev/video0)
# whose only input is a webcam, so its frame sizes and rates are those
# of a camera.
vivid_args="n_devs=1 node_types=0x1 num_inputs=1 input_types=0x0"
# v4l2loopback: /dev/video1, announcing capture and output at once, so
# that the camera opens it as the feeder writes into it.
loopback_args="devices=1 video_nr=1 exclusive_caps=0 card_label=docscan-loopback"

# base_image builds the cached part of the initramfs: busybox and the
# modules, decompressed, with the list to load.
base_image() {
	base=$kdir/base-$modkey.cpio.gz
	[ -f "$base" ] && return 0
	log "building the initramfs base"
	local st=$kdir/base-$modkey.d
	rm -rf "$st" && mkdir -p "$st"/{bin,dev,proc,sys,tmp,hwtest,lib/modules}
	cp "$root/bin/busybox" "$st/bin/busybox"
	local order ko m args
	order=$(load_order vivid gpio-sim v4l2loopback) || die "module missing from modules.dep"
	: >"$st/hwtest/modules"
	for ko in $order; do
		mkdir -p "$st/lib/modules/$(dirname "$ko")"
		case $ko in
		*.ko.xz) xz -dc "$root/lib/modules/$KREL/$ko" >"$st/lib/modules/${ko%.xz}" && ko=${ko%.xz} ;;
		*.ko.zst) zstd -qdc "$root/lib/modules/$KREL/$ko" >"$st/lib/modules/${ko%.zst}" && ko=${ko%.zst} ;;
		*) cp "$root/lib/modules/$KREL/$ko" "$st/lib/modules/$ko" ;;
		esac
		m=${ko##*/} && m=${m%.ko}
		args=""
		[ "$m" = vivid ] && args=$vivid_args
		[ "$m" = v4l2loopback ] && args=$loopback_args
		echo "$ko $args" >>"$st/hwtest/modules"
	done
	(cd "$st" && find . | cpio -o -H newc --quiet | gzip -1) >"$base.tmp"
	# The uncompressed part appended at boot time must start on a 4-byte
	# boundary; the kernel skips the zero padding between archives.
	truncate -s $(( ($(stat -c %s "$base.tmp") + 3) / 4 * 4 )) "$base.tmp"
	mv "$base.tmp" "$base"
	rm -rf "$st"
}

# test_binaries compiles the hwtest packages into $work/tests.
test_binaries() {
	local pkgs
	pkgs=$(cd "$repo" && find . -name '.?*' -prune -o -name testdata -prune -o -name '*_hw_test.go' -print | xargs -rn1 dirname | sort -u)
	[ -n "$pkgs" ] || die "no *_hw_test.go files"
	mkdir -p "$work/tests"
	# shellcheck disable=SC2086 # one argument per package
	(cd "$repo" && CGO_ENABLED=0 go test -c -tags hwtest -o "$work/tests/" $pkgs) || die "building the hwtest binaries failed"
}

# line_names asks the board package for the default profile's line names
# ("kind channel line" per line), so the gpio-sim chip is named from the
# same code the daemon uses rather than from a second list.
line_names() {
	[ -x "$work/tests/board.test" ] || die "no board.test: cmd/internal/board needs a _hw_test.go"
	HWTEST_PRINT_LINES=1 "$work/tests/board.test" >"$work/lines" || die "board.test could not print the line names"
	[ -s "$work/lines" ] || die "the board profile names no lines"
}

accel() {
	if [ -n "${HWTEST_ACCEL:-}" ]; then
		echo "$HWTEST_ACCEL"
	elif { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; } && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		echo kvm
	else
		echo tcg
	fi
}

# vm boots the VM with fault $1 (or none) and prints its result line.
# It returns 0 only when the VM reported PASS.
vm() {
	local fault=${1:-} only=${2:-${HWTEST_ONLY:-}} run=${3:-${HWTEST_RUN:-}}
	# extra_root (a folder added to the initramfs), extra_env (lines for
	# /hwtest/env) and vm_mem come from e2e.
	local dyn=$work/dyn
	rm -rf "$dyn" && mkdir -p "$dyn/hwtest" "$dyn/tests"
	cp "$here/init" "$dyn/init" && chmod 755 "$dyn/init"
	cp "$work/lines" "$dyn/hwtest/lines"
	local pixfmt=YUYV
	case $fault in
	"") ;;
	linename) # the chip names the first LED line differently from the profile
		awk 'NR == 1 { $3 = $3 "-miswired" } { print }' "$work/lines" >"$dyn/hwtest/lines" ;;
	pixfmt) # the tests ask for a pixel format docscan cannot decode (vivid has it)
		pixfmt=UYVY ;;
	*) die "unknown fault $fault" ;;
	esac
	{
		printf 'HWTEST_ONLY=%q\n' "$only"
		printf 'HWTEST_RUN=%q\n' "$run"
		printf 'HWTEST_PIXFMT=%q\n' "$pixfmt"
		printf 'HWTEST_TIMEOUT=%q\n' "${HWTEST_TEST_TIMEOUT:-120s}"
		printf '%s\n' "${extra_env:-}"
	} >"$dyn/hwtest/env"
	local t
	for t in "$work"/tests/*.test; do
		# Only the binaries asked for: a smaller initramfs boots faster.
		case " ${only:-all} " in " all " | *" $(basename "$t" .test) "*) ;; *) continue ;; esac
		ln "$t" "$dyn/tests/" 2>/dev/null || cp "$t" "$dyn/tests/"
	done
	# The test binaries go in uncompressed: the guest unpacks faster than
	# it could gunzip them, which matters under TCG.
	(cd "$dyn" && find . | cpio -o -H newc --quiet) >"$work/dyn.cpio"
	cat "$base" "$work/dyn.cpio" >"$work/initrd"
	if [ -n "${extra_root:-}" ]; then
		(cd "$extra_root" && find . | cpio -o -H newc --quiet) >>"$work/initrd"
	fi

	local a cpu
	a=$(accel)
	cpu=max
	[ "$a" = kvm ] && cpu=host
	local out=$work/vm${fault:+-$fault}.log
	log "booting $KREL under $a${fault:+ with fault $fault}${only:+ (only $only)}"
	local start=$SECONDS
	timeout --foreground "${HWTEST_VM_TIMEOUT:-300}" \
		qemu-system-x86_64 -accel "$a" -cpu "$cpu" -m "${vm_mem:-1024}" -smp 2 \
		-kernel "$root/boot/vmlinuz-$KREL" -initrd "$work/initrd" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" \
		-display none -serial stdio -monitor none -no-reboot -nic none </dev/null 2>&1 |
		tr -d '\r' | tee "$out" | { if [ -n "$fault" ]; then cat >/dev/null; else grep -v -E '^=== (RUN|PAUSE|CONT)' || true; fi; }
	local res
	res=$(grep -a '^HWTEST RESULT:' "$out" | tail -1 || true)
	[ -n "$res" ] || res="HWTEST RESULT: FAIL (no result from the VM after $((SECONDS - start)) s; log in ${out#"$repo"/})"
	log "${res#HWTEST RESULT: } in $((SECONDS - start)) s${fault:+ (fault $fault)}"
	vmlog=$out
	[[ $res == "HWTEST RESULT: PASS"* ]]
}

# selftest proves the harness can fail: each fault must make the VM run
# report FAIL, for the reason injected, while the VM itself worked.
selftest() {
	local ok=0
	# A miswired line: the board cannot find its line.
	if vm linename board 'TestHWBoardOpen|TestHWSequencer$'; then
		log "SELFTEST FAIL: a miswired GPIO line name was not detected"
		ok=1
	elif ! grep -aq -- '--- FAIL: TestHW' "$vmlog"; then
		log "SELFTEST FAIL: fault linename: the VM failed without a failing test; see $vmlog"
		ok=1
	else
		log "selftest: miswired line name detected: $(grep -a -- '--- FAIL: TestHW' "$vmlog" | tr -s ' ' | sed 's/ (.*//' | sort -u | tr '\n' ' ')"
	fi
	# A pixel format docscan cannot decode.
	if vm pixfmt camera 'TestHWV4L2Negotiate'; then
		log "SELFTEST FAIL: an undecodable pixel format was not detected"
		ok=1
	elif ! grep -aq -- '--- FAIL: TestHW' "$vmlog" || ! grep -aq UYVY "$vmlog"; then
		log "SELFTEST FAIL: fault pixfmt: the VM failed, but not on the pixel format; see $vmlog"
		ok=1
	else
		log "selftest: wrong pixel format detected: $(grep -a -- '--- FAIL: TestHW' "$vmlog" | tr -s ' ' | sed 's/ (.*//' | sort -u | tr '\n' ' ')"
	fi
	[ $ok -eq 0 ] && log "selftest: PASS (both faults fail the run)"
	return $ok
}

# e2e runs the whole scan path (cmd/docscand's TestHWScanEndToEnd, build
# tag hwtest_e2e) in the VM: the daemon on the gpio-sim board and a
# v4l2loopback camera fed with the simulator's frames of a specimen. The
# test binary needs Tesseract, so it is built with cgo and goes in with
# its shared libraries and the traineddata; the specimen is rendered on
# the host, which has the fonts.
e2e() {
	local e=$work/e2e tessdata=/usr/share/tesseract-ocr/5/tessdata
	dpkg-query -W -f='${Status}' libtesseract-dev 2>/dev/null | grep -q installed ||
		die "e2e needs libtesseract-dev and tesseract-ocr-eng/rus/kaz: run make deps"
	rm -rf "$e" && mkdir -p "$e/tests" "$e/glass" "$e$tessdata" "$e/lib64"
	log "building the end-to-end test (cgo)"
	(cd "$repo" && CGO_ENABLED=1 go test -c -tags hwtest_e2e -o "$e/tests/docscand.test" ./cmd/docscand) ||
		die "building the end-to-end test failed"
	HWTEST_RENDER_GLASS="$e/glass" "$e/tests/docscand.test" || die "rendering the specimen failed"
	local lib
	for lib in $(ldd "$e/tests/docscand.test" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p "$e$(dirname "$lib")"
		cp -L "$lib" "$e$lib"
	done
	cp -r "$tessdata"/configs "$tessdata"/tessconfigs "$tessdata"/eng.traineddata \
		"$tessdata"/rus.traineddata "$tessdata"/kaz.traineddata "$e$tessdata/"
	extra_root=$e
	extra_env="HWTEST_GLASS=/glass
HWTEST_LOOPBACK=/dev/video1
OMP_THREAD_LIMIT=1"
	vm_mem=2048
	HWTEST_TEST_TIMEOUT=${HWTEST_TEST_TIMEOUT:-900s} HWTEST_VM_TIMEOUT=${HWTEST_VM_TIMEOUT:-1200} \
		vm "" docscand '^TestHWScanEndToEnd$'
}

prepare() {
	host_tools || die "cannot install the host tools"
	mkdir -p "$cache"
	exec 9>"$cache/lock"
	flock 9
	fetch
	unpack
	build_modules
	base_image
	work=$cache/run
	rm -rf "$work" && mkdir -p "$work"
	test_binaries
	line_names
}

cmd=${1:-all}
case $cmd in
check)
	if ! host_tools || ! command -v qemu-system-x86_64 >/dev/null; then
		echo "qemu-system-x86 cannot be installed on this machine" >&2
		exit 3
	fi
	if [ ! -f "$kdir/debs/.done" ] && ! on_mirror "linux-image-$KREL" "$KVER"; then
		# Not a reason to skip: the pin needs a bump.
		echo "linux-image-$KREL $KVER is not on the configured Debian mirror: bump .ci/hwtest/versions.sh" >&2
		exit 1
	fi
	exit 0
	;;
run)
	prepare
	vm
	;;
selftest)
	prepare
	selftest
	;;
e2e)
	prepare
	e2e
	;;
fault)
	prepare
	vm "${2:?fault name}" && exit 1 || exit 0
	;;
all)
	prepare
	rc=0
	vm || rc=1
	selftest || rc=1
	exit $rc
	;;
*)
	sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2
	exit 2
	;;
esac
