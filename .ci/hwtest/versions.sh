# Pinned Debian bookworm packages for the hardware-test VM, sourced by
# hwtest.sh. The kernel ABI and its package version move together: when
# Debian's mirror stops serving this point release, bump both (see
# `apt-cache policy linux-image-6.1.0-NN-amd64`); the caches are keyed by
# them and rebuild themselves. HWTEST_KABI / HWTEST_KVER override them.
KABI=${HWTEST_KABI:-6.1.0-47}   # linux-image-$KABI-amd64
KVER=${HWTEST_KVER:-6.1.170-3}  # its Debian version (also linux-source, linux-kbuild)
KSERIES=${KVER%.*}              # 6.1: linux-source-6.1, linux-kbuild-6.1
KREL=$KABI-amd64                # uname -r inside the VM
