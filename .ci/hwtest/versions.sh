# Pinned Debian bookworm packages for the hardware-test VM, sourced by
# hwtest.sh. The kernel ABI and its package version move together; the
# caches are keyed by them and rebuild themselves. HWTEST_KABI /
# HWTEST_KVER override them.
#
# Debian's mirror drops old point releases. When it no longer serves the
# pin (and no cache holds it), hwtest.sh follows the mirror: it takes the
# newest linux-image-6.1.0-NN-amd64 whose version linux-source-6.1 has too
# (follow_mirror), and says so. Bump the pin to what it chose.
PIN_KABI=6.1.0-57   # linux-image-$KABI-amd64
PIN_KVER=6.1.192-3  # its Debian version (also linux-source, linux-kbuild)
KABI=${HWTEST_KABI:-$PIN_KABI}
KVER=${HWTEST_KVER:-$PIN_KVER}
KSERIES=${KVER%.*} # 6.1: linux-source-6.1, linux-kbuild-6.1
KREL=$KABI-amd64   # uname -r inside the VM
