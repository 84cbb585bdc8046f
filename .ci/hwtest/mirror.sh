# mirror.sh: which kernel the hardware-test VM boots, given what Debian's
# mirror serves. Sourced by hwtest.sh (which defines log and sudo_, and
# sets cache and the pin from versions.sh); tested by mirror_test.sh with
# a fake apt-cache.

# on_mirror tells whether Debian's mirror serves package $1 at version $2.
on_mirror() {
	apt-cache madison "$1" 2>/dev/null | awk -F'|' -v v="$2" '{ gsub(/ /, "", $2) } $2 == v { ok = 1 } END { exit !ok }'
}

# follow_mirror replaces a pin the mirror no longer serves (and no cache
# holds) by the newest kernel it serves with its source: see versions.sh.
follow_mirror() {
	[ -z "${HWTEST_KABI:-}${HWTEST_KVER:-}" ] || return 0
	[ -f "$cache/kernel-$KVER/debs/.done" ] && return 0
	on_mirror "linux-image-$KREL" "$KVER" && return 0
	# The lists may be stale rather than the pin gone: refresh them once.
	log "linux-image-$KREL $KVER is not in the package lists: refreshing them"
	sudo_ apt-get -o DPkg::Lock::Timeout=120 update -q >/dev/null 2>&1 || true
	on_mirror "linux-image-$KREL" "$KVER" && return 0
	local images found=""
	images=$(apt-cache pkgnames linux-image-6.1.0- 2>/dev/null | grep -E '^linux-image-6\.1\.0-[0-9]+-amd64$') || return 0
	local v name
	while read -r v name; do
		on_mirror "linux-source-${v%.*}" "$v" && on_mirror "${name/image/headers}" "$v" && found="$v $name" && break
	done < <(apt-cache madison $images | awk -F'|' '{ gsub(/ /, "", $1); gsub(/ /, "", $2); print $2, $1 }' | sort -rV -k1,1)
	[ -n "$found" ] || return 0
	name=${found#* }
	log "the mirror no longer serves linux-image-$KREL $KVER: using $name ${found%% *} (bump .ci/hwtest/versions.sh)"
	KVER=${found%% *}
	KREL=${name#linux-image-}
	KABI=${KREL%-amd64}
	KSERIES=${KVER%.*}
}
