//go:build cgo

package ocr

import (
	"testing"

	"github.com/otiai10/gosseract/v2"
)

// gosseractText returns one plain gosseract read on c's own Tesseract
// instance: the baseline the leak test compares against.
func gosseractText(t testing.TB, c client, png []byte) func() {
	gc := c.(*tessClient).gc
	if err := gc.SetPageSegMode(gosseract.PSM_SINGLE_LINE); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := gc.SetImageFromBytes(png); err != nil {
			t.Fatal(err)
		}
		if _, err := gc.Text(); err != nil {
			t.Fatal(err)
		}
	}
}
