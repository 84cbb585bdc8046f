//go:build cgo

package ocr

import (
	"image"
	"testing"
)

// leakingText returns a read on c's own Tesseract instance that never
// frees Tesseract's text buffer: the baseline the leak test compares
// against, proving it can see a leak.
func leakingText(t testing.TB, c client, img *image.Gray) func() {
	return func() {
		if err := c.(*tessClient).readLeaking(img, PSMSingleLine); err != nil {
			t.Fatal(err)
		}
	}
}
