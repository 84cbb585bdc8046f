package imgutil

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"
)

// psnr is the peak signal-to-noise ratio of b against a over RGB, in dB.
func psnr(t testing.TB, a *image.RGBA, b image.Image) float64 {
	t.Helper()
	if a.Rect.Size() != b.Bounds().Size() {
		t.Fatalf("size %v, want %v", b.Bounds().Size(), a.Rect.Size())
	}
	var se float64
	n := 0
	for y := range a.Rect.Dy() {
		for x := range a.Rect.Dx() {
			ca := a.RGBAAt(a.Rect.Min.X+x, a.Rect.Min.Y+y)
			r, g, bl, _ := b.At(b.Bounds().Min.X+x, b.Bounds().Min.Y+y).RGBA()
			for _, d := range []float64{float64(ca.R) - float64(r>>8), float64(ca.G) - float64(g>>8), float64(ca.B) - float64(bl>>8)} {
				se += d * d
			}
			n += 3
		}
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// document is a synthetic side: paper, coloured patches, dark print.
func document(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 3))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(230 + x*20/w), uint8(225 + y*20/h), 210, 255}
			if (x/40+y/30)%5 == 0 {
				c = color.RGBA{120, 160, 210, 255}
			}
			if y%24 < 9 && x%14 < 8 && rng.IntN(3) > 0 {
				c = color.RGBA{30, 30, 40, 255}
			}
			n := uint8(rng.IntN(6))
			c.R, c.G, c.B = c.R-n, c.G-n, c.B-n
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// TestAppendJPEGDecodes: any size, including ones that are not whole
// MCUs and sub-images, decodes to the image's size at a fidelity close
// to image/jpeg's at the same quality.
func TestAppendJPEGDecodes(t *testing.T) {
	big := document(333, 211, 1)
	for _, tc := range []struct {
		name string
		img  *image.RGBA
		q    int
	}{
		{"1x1", document(1, 1, 2), 85},
		{"17x9", document(17, 9, 3), 85},
		{"odd", big, 85},
		{"quality 50", big, 50},
		{"quality 100", big, 100},
		{"quality 10", big, 10},
		{"sub-image", big.SubImage(image.Rect(31, 17, 250, 190)).(*image.RGBA), 85},
		{"noise", noisyFrame(9, image.Rect(0, 0, 64, 48)), 85},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := AppendJPEG(nil, tc.img, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			var ref bytes.Buffer
			if err := jpeg.Encode(&ref, tc.img, &jpeg.Options{Quality: tc.q}); err != nil {
				t.Fatal(err)
			}
			refLen := ref.Len()
			want, err := jpeg.Decode(&ref)
			if err != nil {
				t.Fatal(err)
			}
			p, pRef := psnr(t, tc.img, got), psnr(t, tc.img, want)
			t.Logf("PSNR %.2f dB (image/jpeg %.2f dB), %d bytes (image/jpeg %d)", p, pRef, len(data), refLen)
			if p < pRef-0.5 {
				t.Errorf("PSNR %.2f dB, image/jpeg's %.2f dB", p, pRef)
			}
			if len(data) > refLen*11/10+100 {
				t.Errorf("%d bytes, image/jpeg's %d", len(data), refLen)
			}
		})
	}
	if _, err := AppendJPEG(nil, image.NewRGBA(image.Rect(0, 0, 0, 5)), 85); err == nil {
		t.Error("an empty image encoded")
	}
}

// TestJPEGStuffsMarkers: entropy-coded data that produces 0xff bytes
// (noise at full quality does) decodes, so they were stuffed.
func TestJPEGStuffsMarkers(t *testing.T) {
	img := noisyFrame(4, image.Rect(0, 0, 256, 256))
	data, err := AppendJPEG(nil, img, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data[600:], []byte{0xff, 0x00}) {
		t.Fatal("no stuffed byte in the data: the test proves nothing")
	}
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkJPEG(b *testing.B) {
	img := document(1500, 1056, 1)
	b.Run("AppendJPEG", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf, _ = AppendJPEG(buf[:0], img, 85)
		}
		b.ReportMetric(float64(len(buf)), "bytes")
	})
	b.Run("image-jpeg", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
		}
		b.ReportMetric(float64(buf.Len()), "bytes")
	})
}
