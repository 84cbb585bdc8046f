package mrztest

import (
	"errors"
	"image/png"
	"math"
	"os"
	"testing"
)

var td3 = []string{
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
	"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
}

func TestRenderGeometry(t *testing.T) {
	f, err := LoadFonts()
	if errors.Is(err, ErrNoFont) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, rot := range []float64{0, 90, 200} {
		img, truth, err := Scene{Lines: td3, Rotate: rot, Seed: 1}.Render(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(truth.Lines) != 2 || math.Abs(truth.CapHeight-20) > 0.5 {
			t.Errorf("rotate %v: truth %+v", rot, truth)
		}
		// The middle of each MRZ line is printed: darker than the paper.
		for _, l := range truth.Lines {
			dark := 0
			for k := 0; k < 44; k++ {
				fx := l[0].X + (l[1].X-l[0].X)*(float64(k)+0.5)/44
				fy := l[0].Y + (l[1].Y-l[0].Y)*(float64(k)+0.5)/44
				for d := -6.0; d <= 6; d++ {
					if img.GrayAt(int(fx+d), int(fy)).Y < 120 || img.GrayAt(int(fx), int(fy+d)).Y < 120 {
						dark++
						break
					}
				}
			}
			if dark < 40 {
				t.Errorf("rotate %v: only %d of 44 characters dark along %v", rot, dark, l)
			}
		}
		if os.Getenv("MRZTEST_WRITE") != "" {
			fo, _ := os.Create("/tmp/scene.png")
			png.Encode(fo, img)
			fo.Close()
		}
	}
}
