package imgutil

import (
	"image"
	"testing"
)

func TestViewSharesOnlyRGBAAtOrigin(t *testing.T) {
	frame := noisyFrame(1, image.Rect(0, 0, 64, 48))
	if v := View(frame); v != frame {
		t.Error("an RGBA frame at the origin was copied")
	}
	sub := frame.SubImage(image.Rect(8, 8, 40, 40)).(*image.RGBA)
	if v := View(sub); v == sub || v.Rect != image.Rect(0, 0, 32, 32) || v.RGBAAt(0, 0) != frame.RGBAAt(8, 8) {
		t.Errorf("sub-image: view %v", v.Rect)
	}
	g := image.NewGray(image.Rect(0, 0, 4, 4))
	g.Pix[5] = 77
	if v := View(g); v.RGBAAt(1, 1).R != 77 {
		t.Error("grey frame not converted")
	}
}
