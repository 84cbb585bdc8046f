#!/usr/bin/env bash
# Extracts gpio-sim and irq_sim from a linux-source tarball into OUT and
# makes the two edits that let them build as modules against Debian's
# headers:
#   - irq_sim.c gets a MODULE_LICENSE (a built-in file has none, and
#     without a GPL license the module may not use GPL-only symbols);
#   - handle_simple_irq(irq_to_desc(n)) becomes generic_handle_irq(n):
#     irq_to_desc is not exported to modules, and generic_handle_irq
#     looks the descriptor up and runs the same handler (irq_sim maps
#     every interrupt with handle_simple_irq).
# Usage: prepare.sh LINUX-SOURCE.tar.xz TOPDIR OUT
# (TOPDIR is the tarball's top folder, e.g. linux-source-6.1)
set -euo pipefail
src=$1 top=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
# One pass over the tarball: it is 140 MB of xz.
tar -xJf "$src" -C "$out" --strip-components=3 \
  "$top/drivers/gpio/gpio-sim.c" "$top/drivers/gpio/gpiolib.h" "$top/kernel/irq/irq_sim.c"

sed -i 's/handle_simple_irq(irq_to_desc(\([a-z_]*\)));/generic_handle_irq(\1);/' "$out/irq_sim.c"
if grep -q 'irq_to_desc' "$out/irq_sim.c" || ! grep -q 'generic_handle_irq(' "$out/irq_sim.c"; then
  echo "prepare.sh: irq_sim.c no longer matches the expected handle_simple_irq(irq_to_desc(...)) call; update the edit" >&2
  exit 1
fi
if ! grep -q MODULE_LICENSE "$out/irq_sim.c"; then
  printf '\n#include <linux/module.h>\nMODULE_LICENSE("GPL");\nMODULE_DESCRIPTION("Interrupt simulator (out of tree, docscan hwtest)");\n' >>"$out/irq_sim.c"
fi
cp "$here/Kbuild" "$out/Kbuild"
