#!/bin/bash
# make_variants.sh KZ_DEV_DIR OUT_DIR: the degraded copies of kz-dev under OUT_DIR/<variant>/.
# Every output keeps its input's name and format; a .png output that needs a JPEG
# stage goes through a JPEG round trip in memory. .jpg outputs of the non-JPEG
# variants are written at quality 92 (ImageMagick's default) so the variant, not
# the re-encode, is what is measured.
set -euo pipefail
export MAGICK_THREAD_LIMIT=1
SRC=${1:?usage: make_variants.sh KZ_DEV_DIR OUT_DIR}
OUT=${2:?usage: make_variants.sh KZ_DEV_DIR OUT_DIR}
C="nice -n 19 convert"

# out FILE: the quality option for an output of that name
q() { case "$1" in *.jpg) echo "-quality 92";; *) echo "";; esac; }

persp() { # persp IN OUT FRACTION: move the top corners inwards by FRACTION of the width
  local w h; read w h < <(identify -format '%w %h\n' "$1")
  local dx; dx=$(python3 -c "print(round($w*$3,1))")
  echo "0,0 $dx,0  $w,0 $(python3 -c "print($w-$dx)"),0  0,$h 0,$h  $w,$h $w,$h"
}

for V in jpeg60 blur1 blur2 motion persp glare shadow dark noise small combo; do
  mkdir -p $OUT/$V; cp $SRC/ground_truth.json $OUT/$V/
done

for p in $SRC/*_front.* $SRC/*_back.*; do
  f=$(basename "$p"); read W H < <(identify -format '%w %h\n' "$p")
  # 1 jpeg60
  case "$f" in
    *.jpg) $C "$p" -quality 60 $OUT/jpeg60/$f ;;
    *.png) $C "$p" -quality 60 jpg:- | $C jpg:- $OUT/jpeg60/$f ;;
  esac
  # 2 blur1, blur2, 3 motion
  $C "$p" -gaussian-blur 0x1.2 $(q $f) $OUT/blur1/$f
  $C "$p" -gaussian-blur 0x2.0 $(q $f) $OUT/blur2/$f
  $C "$p" -motion-blur 0x4+20 $(q $f) $OUT/motion/$f
  # 4 persp: top corners inwards by 8% of the width (~12 degrees of tilt), edge pixels outside
  $C "$p" -virtual-pixel edge -distort Perspective "$(persp "$p" x 0.08)" $(q $f) $OUT/persp/$f
  # 5 glare: white ellipse, semi-axes 20% W x 13% H (~8% of the image, ~1/4 of the card),
  #   centred at (62% W, 38% H) = the card's upper-right quadrant, peak opacity ~0.85, edge blurred by 5% W
  cx=$((W*62/100)); cy=$((H*38/100)); ax=$((W*20/100)); ay=$((H*13/100)); sg=$((W*5/100))
  $C "$p" \( -size ${W}x${H} xc:none -fill 'rgba(255,255,255,0.85)' -draw "ellipse $cx,$cy $ax,$ay 0,360" \
        -channel RGBA -blur 0x$sg +channel \) -compose over -composite $(q $f) $OUT/glare/$f
  # 6 shadow: multiply by a left-to-right gradient white -> 45% grey
  $C "$p" \( -size ${H}x${W} gradient:white-'gray(45%)' -rotate -90 \) -compose multiply -composite $(q $f) $OUT/shadow/$f
  # 7 dark: underexposed
  $C "$p" -evaluate multiply 0.55 $(q $f) $OUT/dark/$f
  # 8 noise
  $C "$p" -attenuate 1.5 +noise Gaussian $(q $f) $OUT/noise/$f
  # 9 small: 40% of the width
  $C "$p" -resize 40% $(q $f) $OUT/small/$f
  # 10 combo: blur 0x1.0 + perspective ~8 degrees (top corners in by 5.3% W) + JPEG quality 70
  case "$f" in
    *.jpg) $C "$p" -gaussian-blur 0x1.0 -virtual-pixel edge -distort Perspective "$(persp "$p" x 0.053)" -quality 70 $OUT/combo/$f ;;
    *.png) $C "$p" -gaussian-blur 0x1.0 -virtual-pixel edge -distort Perspective "$(persp "$p" x 0.053)" -quality 70 jpg:- | $C jpg:- $OUT/combo/$f ;;
  esac
  echo done $f
done
