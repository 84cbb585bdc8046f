package api

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"testing"
)

// png16 is a 16-bit RGBA PNG of w×h.
func png16(t testing.TB, w, h int) []byte {
	t.Helper()
	m := image.NewNRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.SetNRGBA64(x, y, color.NRGBA64{R: uint16(x * 300), G: 0x8000, B: uint16(y * 300), A: 0xffff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodedBytesLimit(t *testing.T) {
	// 200×200 decodes to 320,000 bytes at 16 bits RGBA, 160,000 at 8.
	h := newHarness(t, func(o *Options) { o.MaxDecodeBytes = 300_000 })
	tests := []struct {
		name   string
		image  []byte
		status int
		detail string
	}{
		{"16-bit over the byte limit, under the pixel limit", png16(t, 200, 200), http.StatusBadRequest,
			"Image at frontside_image field (200×200) would take 320000 bytes decoded, limit is 300000"},
		{"8-bit of the same pixels", testPNG(t, 200, 200), http.StatusOK, ""},
		{"16-bit within the limit, recognised at 8 bits", png16(t, 150, 150), http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := h.rec.last()
			r := h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyStatic), value("country_code", "kz"), file("frontside_image", "f.png", tc.image)})
			if r.status != tc.status {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if tc.detail != "" {
				if got := r.detail(t); got != tc.detail {
					t.Fatalf("detail %q, want %q", got, tc.detail)
				}
				if h.rec.last().Front != before.Front {
					t.Fatal("an image over the limit reached the recognizer")
				}
				return
			}
			switch img := h.rec.last().Front.(type) {
			case *image.NRGBA, *image.RGBA, *image.Gray:
			default:
				t.Fatalf("recognizer got %T, want 8 bits a channel", img)
			}
		})
	}
}
