package imgutil

import (
	"image"
	"testing"
)

func TestBuffersRecycle(t *testing.T) {
	var b Buffers
	a := b.rgba(800, 600)
	if len(a.Pix) != 4*800*600 || a.Stride != 3200 || a.Rect != image.Rect(0, 0, 800, 600) {
		t.Fatalf("rgba: %d bytes, stride %d, %v", len(a.Pix), a.Stride, a.Rect)
	}
	// a buffer of the same class comes back (sync.Pool may drop one now
	// and then, so a few tries)
	reused := false
	for range 10 {
		b.Release(a)
		g := b.gray(1600, 1200) // 1.92 MB: 800×600×4's 256 KiB class
		if len(g.Pix) != 1600*1200 || g.Stride != 1600 {
			t.Fatalf("gray: %d bytes, stride %d", len(g.Pix), g.Stride)
		}
		if &g.Pix[0] == &a.Pix[0] {
			reused = true
			break
		}
		a = b.rgba(800, 600)
	}
	if !reused {
		t.Error("a released buffer never came back")
	}
	// images not made here, sub-images and nil are ignored
	b.Release(image.NewRGBA(image.Rect(0, 0, 10, 10)), a.SubImage(image.Rect(5, 5, 20, 20)), (*image.Gray)(nil), nil)
	// a nil Buffers allocates and never keeps
	var nb *Buffers
	if m := nb.rgba(3, 2); len(m.Pix) != 24 {
		t.Fatalf("nil buffers: %d bytes", len(m.Pix))
	}
	nb.Release(a)
}

func TestViewSharesOnlyRGBAAtOrigin(t *testing.T) {
	var b Buffers
	frame := noisyFrame(1, image.Rect(0, 0, 64, 48))
	if v, owned := b.View(frame); v != frame || owned {
		t.Error("an RGBA frame at the origin was copied")
	}
	sub := frame.SubImage(image.Rect(8, 8, 40, 40)).(*image.RGBA)
	v, owned := b.View(sub)
	if v == sub || !owned || v.Rect != image.Rect(0, 0, 32, 32) || v.RGBAAt(0, 0) != frame.RGBAAt(8, 8) {
		t.Errorf("sub-image: view %v owned %v", v.Rect, owned)
	}
	g := image.NewGray(image.Rect(0, 0, 4, 4))
	g.Pix[5] = 77
	if v, owned := b.View(g); !owned || v.RGBAAt(1, 1).R != 77 {
		t.Error("grey frame not converted")
	}
}
