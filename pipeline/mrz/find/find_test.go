package find

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docscan/docscan/pipeline/mrz/internal/mrztest"
)

var (
	linesTD3 = []string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	}
	linesTD2 = []string{
		"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
		"D231458907UTO7408122F1204159<<<<<<<6",
	}
	linesTD1 = []string{
		"I<UTOD231458907<<<<<<<<<<<<<<<",
		"7408122F1204159UTO<<<<<<<<<<<6",
		"ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
	}
)

func loadFonts(t testing.TB) *mrztest.Fonts {
	t.Helper()
	f, err := mrztest.LoadFonts()
	if errors.Is(err, mrztest.ErrNoFont) {
		t.Skipf("rendering needs fonts-ocr-b and fonts-dejavu-core: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFindRendered renders documents under many conditions and expects
// one of the first two zones found to be the MRZ, line for line, in
// either reading direction.
func TestFindRendered(t *testing.T) {
	f := loadFonts(t)
	tests := []mrztest.Scene{
		{Lines: linesTD3},
		{Lines: linesTD3, Rotate: 90},
		{Lines: linesTD3, Rotate: 180},
		{Lines: linesTD3, Rotate: 270},
		{Lines: linesTD3, Rotate: 7},
		{Lines: linesTD3, Rotate: -12},
		{Lines: linesTD3, Rotate: 93, Perspective: 0.15},
		{Lines: linesTD3, Perspective: 0.2, Rotate: -3},
		{Lines: linesTD3, Busy: true, Rotate: 4},
		{Lines: linesTD3, Glare: true},
		{Lines: linesTD3, MRZGlare: 170},
		{Lines: linesTD3, Dim: 0.35, Noise: 4},
		{Lines: linesTD3, Dim: 0.28, Noise: 3},
		{Lines: linesTD3, Blur: 1.5, Noise: 6, JPEG: 40},
		{Lines: linesTD3, CapHeight: 9, Margin: 0.6},
		{Lines: linesTD3, CapHeight: 48, Scale: 1},
		{Lines: linesTD2, Rotate: 181},
		{Lines: linesTD2, Busy: true, Blur: 1},
		{Lines: linesTD1},
		{Lines: linesTD1, Rotate: 268, JPEG: 50},
		{Lines: linesTD1, CapHeight: 10, Noise: 5},
		// Another hand's card: lines set closer than ICAO's pitch, the
		// last one near the card's edge.
		{Lines: linesTD1, LineStep: 1.45, Bottom: 0.9},
		{Lines: linesTD1, LineStep: 1.4, Bottom: 0.8, Rotate: -2, JPEG: 70, CapHeight: 36},
		{Lines: linesTD3, LineStep: 1.45, Bottom: 0.9, Rotate: 1, CapHeight: 32},
		{Lines: linesTD1, LineStep: 1.4, Bottom: 0.8, Rotate: -2, JPEG: 70},
		{Lines: linesTD3, LineStep: 1.45, Bottom: 0.9, Rotate: 1},
		// turned near a diagonal, between the rows' and the columns'
		// searches
		{Lines: linesTD3, Rotate: 45},
		{Lines: linesTD1, Rotate: 135, JPEG: 70},
		{Lines: linesTD2, Rotate: -40, Noise: 4},
		{Lines: linesTD3, Rotate: 228, Perspective: 0.1},
	}
	for i, sc := range tests {
		sc.Seed = uint64(i + 1)
		name := fmt.Sprintf("%d-lines%d-rot%v-persp%v-busy%v-glare%v-dim%v-blur%v-jpeg%d-cap%v", i, len(sc.Lines), sc.Rotate, sc.Perspective, sc.Busy, sc.Glare, sc.Dim, sc.Blur, sc.JPEG, sc.CapHeight)
		t.Run(name, func(t *testing.T) { expectFound(t, f, sc) })
	}
}

// expectFound renders sc and expects one of the first two zones found
// to be its MRZ, line for line, in either reading direction; it skips
// when the scene's font is not installed.
func expectFound(t *testing.T, f *mrztest.Fonts, sc mrztest.Scene) {
	t.Helper()
	img, truth, err := sc.Render(f)
	if errors.Is(err, mrztest.ErrNoFont) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	zones, err := Finder{}.Find(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	for k, z := range zones {
		if k < 2 && (matchesTruth(z, truth) || matchesTruth(z.Rotated180(), truth)) {
			return
		}
	}
	t.Errorf("MRZ not among the first zones of %d; truth %+v", len(zones), truth)
	for k, z := range zones {
		t.Logf("zone %d: %+v", k, z)
	}
}

// TestFindWideSpacedMono: MRZs printed in another monospace font, its
// letters spaced wider than OCR-B's and its lines further apart (as a
// card whose MRZ box is set for OCR-B prints a narrower face), are found
// like OCR-B ones. In these faces '<' is shorter than the capitals, so a
// line mostly of fillers measures much shorter than a data line, and
// their thin strokes fade first under a reflection.
func TestFindWideSpacedMono(t *testing.T) {
	f := loadFonts(t)
	noto, lib := mrztest.NotoMonoPath, mrztest.LiberationMonoPath
	tests := []mrztest.Scene{
		// the font's own pitch, ICAO's line spacing
		{Lines: linesTD3, Mono: true},
		{Lines: linesTD3, Mono: true, LineStep: 3.2, Pitch: 1.3, Rotate: 3},
		{Lines: linesTD3, MonoPath: noto, LineStep: 3.2, Pitch: 1.25, Rotate: -77, Noise: 4, JPEG: 70},
		{Lines: linesTD3, MonoPath: lib, LineStep: 3.4, Pitch: 1.4, Rotate: 183, Blur: 1},
		{Lines: linesTD3, MonoPath: noto, LineStep: 3.6, Pitch: 1.5, Rotate: 92, Dim: 0.5, Noise: 3},
		{Lines: linesTD2, Mono: true, LineStep: 3.2, Pitch: 1.4, Perspective: 0.1},
		{Lines: linesTD1, Mono: true, LineStep: 2.8, Pitch: 1.4, Rotate: -5},
		{Lines: linesTD1, MonoPath: noto, LineStep: 3, Pitch: 1.3, Rotate: 268, JPEG: 60},
		// OCR-B spaced as widely
		{Lines: linesTD3, LineStep: 3.4, Pitch: 1.4},
		// a reflection fading the middle of the lines' thin strokes
		{Lines: linesTD1, Mono: true, Pitch: 1.5, MRZGlare: 150},
	}
	for i, sc := range tests {
		sc.Seed = uint64(i + 1)
		face := "ocrb"
		switch {
		case sc.MonoPath != "":
			face = strings.TrimSuffix(filepath.Base(sc.MonoPath), ".ttf")
		case sc.Mono:
			face = "dejavu-mono"
		}
		name := fmt.Sprintf("%d-lines%d-%s-step%v-pitch%v-rot%v", i, len(sc.Lines), face, sc.LineStep, sc.Pitch, sc.Rotate)
		t.Run(name, func(t *testing.T) { expectFound(t, f, sc) })
	}
}

// matchesTruth reports whether z's lines lie on the true lines, ends
// within a character height.
func matchesTruth(z Zone, truth mrztest.Truth) bool {
	if len(z.Lines) != len(truth.Lines) {
		return false
	}
	tol := 1.2 * truth.CapHeight
	for i, l := range z.Lines {
		tl := truth.Lines[i]
		if math.Hypot(l.P0.X-tl[0].X, l.P0.Y-tl[0].Y) > tol || math.Hypot(l.P1.X-tl[1].X, l.P1.Y-tl[1].Y) > tol {
			return false
		}
		if l.Height < 0.6*truth.CapHeight || l.Height > 1.5*truth.CapHeight {
			return false
		}
	}
	return true
}

func TestFindNothing(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range blank.Pix {
		blank.Pix[i] = 200
	}
	zones, err := Finder{}.Find(context.Background(), blank)
	if err != nil || len(zones) != 0 {
		t.Errorf("blank: %v zones, %v", len(zones), err)
	}
	if _, err := (Finder{}).Find(context.Background(), image.NewGray(image.Rect(0, 0, 4, 4))); !errors.Is(err, ErrEmpty) {
		t.Errorf("tiny image: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Finder{}).Find(ctx, blank); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestCutIsUpright(t *testing.T) {
	f := loadFonts(t)
	img, truth, err := mrztest.Scene{Lines: linesTD3, Rotate: 90, Seed: 3}.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	l := Line{P0: Point(truth.Lines[1][0]), P1: Point(truth.Lines[1][1]), Height: truth.CapHeight}
	c := Cut(img, l, 0, 16)
	b := c.Bounds()
	if b.Dx() < 10*b.Dy() || b.Dy() < 28 || b.Dy() > 36 {
		t.Fatalf("cut %v", b)
	}
	// Print in the middle rows, paper in the top and bottom rows.
	rowMean := func(y int) float64 {
		s := 0
		for x := 0; x < b.Dx(); x++ {
			s += int(c.GrayAt(x, y).Y)
		}
		return float64(s) / float64(b.Dx())
	}
	if mid, top, bot := rowMean(b.Dy()/2), rowMean(1), rowMean(b.Dy()-2); mid > top-30 || mid > bot-30 {
		t.Errorf("row means top %.0f middle %.0f bottom %.0f", top, mid, bot)
	}
}

// TestFlatten restores the contrast of print under a reflection and
// leaves evenly lit print alone.
func TestFlatten(t *testing.T) {
	const w, h, r = 200, 20, 10
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 230.0
			if y >= 6 && y < 14 && x%10 < 4 {
				v = 30 // print
			}
			if x >= 100 && x < 140 {
				v = 255 - (255-v)*0.3 // a reflection: a third of the contrast
			}
			img.Pix[y*w+x] = uint8(v)
		}
	}
	before := append([]uint8(nil), img.Pix...)
	flatten(img, r)
	if d := int(img.Pix[10*w+120]) - 30; d < -10 || d > 10 {
		t.Errorf("print under the reflection %d, want about 30", img.Pix[10*w+120])
	}
	if img.Pix[10*w+20] != before[10*w+20] || img.Pix[2*w+20] != before[2*w+20] {
		t.Error("evenly lit print changed")
	}
}

// TestRestartFindsWhatFindFinds: a search restarted after another has
// been taken partway, set aside part of the image and been restricted by
// Further, hands out the zones a fresh Find does, in the same order.
func TestRestartFindsWhatFindFinds(t *testing.T) {
	f := loadFonts(t)
	for i, sc := range []mrztest.Scene{
		{Lines: linesTD3, Busy: true, Rotate: 4},
		{Lines: linesTD1, Rotate: 268, JPEG: 50},
		{Lines: linesTD3, Dim: 0.28, Noise: 3},
	} {
		sc.Seed = uint64(i + 1)
		img, _, err := sc.Render(f)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		want, err := Finder{}.Find(ctx, img)
		if err != nil {
			t.Fatal(err)
		}
		for taken := range 3 {
			s, err := Finder{}.Search(ctx, img)
			if err != nil {
				t.Fatal(err)
			}
			for range taken {
				if _, _, err := s.Next(ctx); err != nil {
					t.Fatal(err)
				}
			}
			s.Ignore(func(x, _ float64) bool { return x < float64(img.Bounds().Dx())/3 })
			s.Further()
			for {
				if _, ok, err := s.Next(ctx); err != nil || !ok {
					break
				}
			}
			var got []Zone
			for r := s.Restart(); ; {
				z, ok, err := r.Next(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				got = append(got, z)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("scene %d, %d taken first: Restart gave %v, Find %v", i, taken, got, want)
			}
		}
	}
}
