package mrz

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	_ "image/gif"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadImage decodes any bytes as an image and reads it: the engine
// must answer with a result or ErrNotFound, never panic.
func FuzzReadImage(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.jpg"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// Small synthetic seeds: stripes, a single dark bar, a 1x1 image.
	for _, img := range []image.Image{stripes(120, 40), bar(300, 60), image.NewGray(image.Rect(0, 0, 1, 1))} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	e := newTestEngine(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<21 {
			return // not an image, or too large to decode cheaply
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		res, err := e.Read(context.Background(), img)
		if err != nil {
			if !errors.Is(err, ErrNotFound) || res != nil {
				t.Fatalf("got %v, %v", res, err)
			}
			return
		}
		if res.Document == nil || len(res.Lines) < 2 {
			t.Fatalf("result without lines: %+v", res)
		}
	})
}

func stripes(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if (x/3+y/5)%2 == 0 {
				g.SetGray(x, y, color.Gray{30})
			} else {
				g.SetGray(x, y, color.Gray{220})
			}
		}
	}
	return g
}

func bar(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 230
	}
	for y := h/2 - 4; y < h/2+4; y++ {
		for x := 10; x < w-10; x++ {
			g.SetGray(x, y, color.Gray{10})
		}
	}
	return g
}
