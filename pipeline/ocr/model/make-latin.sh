#!/usr/bin/env bash
# Makes latin.traineddata: the recogniser of Debian's Latin-script model
# (tesseract-ocr-script-latn, tessdata 4.00, Apache-2.0) without its word
# list. The word list is 89 MB of the model's 89.4: loading it takes 1.3 s
# and 250 MB a client, and searching it makes a read of a name about three
# times slower, for names and places that no dictionary holds.
# Usage: pipeline/ocr/model/make-latin.sh [OUT]   (needs combine_tessdata)
set -euo pipefail
src=/usr/share/tesseract-ocr/5/tessdata/Latin.traineddata
out=${1:-$(dirname "$0")/latin.traineddata}
[ -f "$src" ] || { echo "make-latin: $src missing: apt-get install tesseract-ocr-script-latn" >&2; exit 1; }
command -v combine_tessdata >/dev/null || { echo "make-latin: combine_tessdata missing: apt-get install tesseract-ocr" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
combine_tessdata -u "$src" "$work/all." >/dev/null 2>&1
mkdir "$work/keep"
# the recogniser, its character set and code, the punctuation and number
# patterns, the version: everything but lstm-word-dawg
for part in lstm lstm-unicharset lstm-recoder lstm-punc-dawg lstm-number-dawg version; do
  cp "$work/all.$part" "$work/keep/latin.$part"
done
combine_tessdata "$work/keep/latin." >/dev/null 2>&1
cp "$work/keep/latin.traineddata" "$out"
echo "make-latin: wrote $out ($(stat -c %s "$out") bytes)"
