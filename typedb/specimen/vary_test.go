package specimen

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/image/font/opentype"
)

var (
	varyFontsOnce sync.Once
	varyFontsErr  error
)

// newVaryRenderer is newRenderer with the variation families loaded.
func newVaryRenderer(t *testing.T) *Renderer {
	t.Helper()
	r := newRenderer(t)
	if len(r.fonts.Families) == 0 {
		// fonts is shared by the package's tests: load once, before any
		// parallel use
		varyFontsOnce.Do(func() { varyFontsErr = r.fonts.LoadFamilies() })
		if varyFontsErr != nil {
			t.Fatal(varyFontsErr)
		}
	}
	return r
}

func TestVariationDeterministicBySeed(t *testing.T) {
	r := newVaryRenderer(t)
	a, b, c := DrawVariation(5, 1, r.fonts), DrawVariation(5, 1, r.fonts), DrawVariation(6, 1, r.fonts)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different variations: %+v, %+v", a, b)
	}
	if reflect.DeepEqual(a, c) {
		t.Errorf("different seeds, same variation %+v", a)
	}
	if v := DrawVariation(5, 0, r.fonts); v != (Variation{}) {
		t.Errorf("strength 0 gave %+v, want the house style", v)
	}
	sa := render(t, r, "kz-id-2014", Options{Seed: 5, PxPerMM: small, Vary: &a})
	sb := render(t, r, "kz-id-2014", Options{Seed: 5, PxPerMM: small, Vary: &b})
	ja, _ := json.Marshal(sa.Truth)
	jb, _ := json.Marshal(sb.Truth)
	if !bytes.Equal(ja, jb) {
		t.Error("same seed and variation, different truth")
	}
	for i := range sa.Sides {
		if !bytes.Equal(sa.Sides[i].White.Pix, sb.Sides[i].White.Pix) || !bytes.Equal(sa.Sides[i].IR.Pix, sb.Sides[i].IR.Pix) {
			t.Errorf("side %s differs with the same seed and variation", sa.Sides[i].Name)
		}
	}
	ca, err := CaptureSides(context.Background(), sa, "", 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := CaptureSides(context.Background(), sb, "", 1, 5)
	for i := range ca {
		if !reflect.DeepEqual(ca[i].Degradation, cb[i].Degradation) || !bytes.Equal(ca[i].Layers[0].Pix, cb[i].Layers[0].Pix) {
			t.Errorf("side %s: same seed, different capture", ca[i].Side)
		}
	}
}

// TestEachVariationChangesThePrint sets one variation at a time: each
// must change the white image and none the data printed.
func TestEachVariationChangesThePrint(t *testing.T) {
	r := newVaryRenderer(t)
	house := render(t, r, "kz-id-2014", Options{Seed: 9, PxPerMM: small})
	tests := []struct {
		name string
		v    Variation
	}{
		{"font dejavu-condensed", Variation{Font: "dejavu-condensed"}},
		{"font liberation", Variation{Font: "liberation"}},
		{"font noto", Variation{Font: "noto"}},
		{"bold values", Variation{BoldValues: true}},
		{"bold labels", Variation{BoldLabels: true}},
		{"regular headers", Variation{RegularHeaders: true}},
		{"mrz font", Variation{MRZFont: "dejavu-mono"}},
		{"header size", Variation{HeaderSize: 0.9}},
		{"label size", Variation{LabelSize: 1.1}},
		{"value size", Variation{ValueSize: 0.92}},
		{"shift", Variation{Shift: MaxShift}},
		{"paper colour", Variation{PaperShift: [3]int{-30, 10, 25}}},
		{"ink colour", Variation{InkShift: [3]int{30, -20, 0}}},
		{"artwork waves", Variation{Artwork: "waves"}},
		{"artwork rings", Variation{Artwork: "rings"}},
		{"artwork plain", Variation{Artwork: "plain"}},
		{"grey portrait", Variation{GreyPortrait: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v.Font != "" {
				if _, err := r.fonts.family(tt.v.Font, false); err != nil {
					t.Skip(err)
				}
			}
			if tt.v.MRZFont != "" {
				if _, err := r.fonts.family(tt.v.MRZFont, true); err != nil {
					t.Skip(err)
				}
			}
			s := render(t, r, "kz-id-2014", Options{Seed: 9, PxPerMM: small, Vary: &tt.v})
			changed := false
			for i := range s.Sides {
				if !bytes.Equal(s.Sides[i].White.Pix, house.Sides[i].White.Pix) {
					changed = true
				}
			}
			if !changed {
				t.Error("the print did not change")
			}
			if !reflect.DeepEqual(s.Truth.Printed, house.Truth.Printed) || !reflect.DeepEqual(s.Truth.MRZ, house.Truth.MRZ) {
				t.Error("the variation changed what was printed")
			}
			if s.Truth.Variation == nil || !reflect.DeepEqual(s.Truth.Variation.Variation, tt.v) {
				t.Errorf("truth.variation %+v, want %+v", s.Truth.Variation, tt.v)
			}
		})
	}
}

// TestVariationBounds draws variations at two strengths and checks every
// drawn value, and the offsets a render records, stay in their bounds.
func TestVariationBounds(t *testing.T) {
	r := newVaryRenderer(t)
	for _, strength := range []float64{0.5, 1} {
		for seed := range int64(200) {
			v := DrawVariation(seed, strength, r.fonts)
			if err := v.Validate(); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			for _, k := range []float64{v.HeaderSize, v.LabelSize, v.ValueSize} {
				if math.Abs(k-1) > strength*MaxSizeChange+1e-9 {
					t.Errorf("strength %v seed %d: size %v", strength, seed, k)
				}
			}
			if v.Shift > strength*MaxShift+1e-9 {
				t.Errorf("strength %v seed %d: shift %v", strength, seed, v.Shift)
			}
			for i := range 3 {
				if float64(absInt(v.PaperShift[i])) > strength*MaxColourShift+0.5 || float64(absInt(v.InkShift[i])) > strength*MaxColourShift+0.5 {
					t.Errorf("strength %v seed %d: colour shift %v %v", strength, seed, v.PaperShift, v.InkShift)
				}
			}
		}
	}
	for _, doc := range []string{"kz-id-2014", "kz-passport", "icao-td1"} {
		v := Variation{Shift: MaxShift}
		s := render(t, r, doc, Options{Seed: 4, PxPerMM: small, Vary: &v})
		n := 0
		for side, offs := range s.Truth.Variation.Offsets {
			for el, o := range offs {
				n++
				if math.Abs(o[0]) > MaxShift+1e-9 || math.Abs(o[1]) > MaxShift+1e-9 {
					t.Errorf("%s %s %s: offset %v beyond %v", doc, side, el, o, MaxShift)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no offsets recorded", doc)
		}
	}
	for _, bad := range []Variation{
		{ValueSize: 1.2}, {HeaderSize: 0.85}, {Shift: 0.05}, {Shift: -0.01},
		{PaperShift: [3]int{MaxColourShift + 1}}, {InkShift: [3]int{0, -MaxColourShift - 1}}, {Artwork: "marble"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v validated", bad)
		}
		if _, err := r.Render(context.Background(), "kz-id-2014", Options{Seed: 1, PxPerMM: small, Today: today, Vary: &bad}); err == nil {
			t.Errorf("%+v rendered", bad)
		}
	}
	if _, err := r.Render(context.Background(), "kz-id-2014", Options{Seed: 1, PxPerMM: small, Today: today, Vary: &Variation{Font: "comic"}}); err == nil {
		t.Error("an unknown font rendered")
	}
}

// TestFamiliesCoverKazakh reports which families lack a Kazakh letter:
// their text is then printed in the fallback, DejaVu Sans.
func TestFamiliesCoverKazakh(t *testing.T) {
	r := newVaryRenderer(t)
	const kazakh = "ӘҒҚҢӨҰҮҺІәғқңөұүһі№АБВЁЖЩЪЭЮЯ"
	for _, f := range r.fonts.Families {
		for _, fnt := range []*opentype.Font{f.Regular, f.Bold} {
			if fnt != nil && !covers(fnt, kazakh) {
				t.Logf("%s lacks a Kazakh letter in a weight: such text is printed in DejaVu Sans", f.Name)
			}
		}
	}
	for _, f := range r.fonts.MonoFamilies {
		if !covers(f.Regular, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<") {
			t.Errorf("%s cannot print an MRZ", f.Name)
		}
	}
}

func TestVariedCaptureBounds(t *testing.T) {
	for _, strength := range []float64{0.3, 1} {
		rng := rand.New(rand.NewPCG(1, 2))
		for range 300 {
			d := VariedCapture(rng, CapturePhone, strength)
			if tilt := math.Hypot(d.Tilt[0], d.Tilt[1]); tilt > strength*MaxTilt+1e-9 {
				t.Errorf("phone tilt %.2f° beyond %.2f°", tilt, strength*MaxTilt)
			}
			if d.JPEGQuality < MinJPEGPhone || d.JPEGQuality > 95 {
				t.Errorf("phone JPEG quality %d", d.JPEGQuality)
			}
			if d.Blur > strength*MaxPhoneBlur+1e-9 || d.Noise > MaxPhoneNoise+1e-9 || d.Glare > 0.9 || d.Shadow > 0.5 {
				t.Errorf("phone %+v out of bounds", d)
			}
			s := VariedCapture(rng, CaptureScanner, strength)
			if s.Tilt != [2]float64{} || math.Abs(s.Rotate) > 3 || s.Glare != 0 || s.Shadow != 0 || s.Desk != 0 {
				t.Errorf("scanner %+v: a scanner has no tilt, glare, shadow or desk", s)
			}
			if s.JPEGQuality != 0 && s.JPEGQuality < 85 {
				t.Errorf("scanner JPEG quality %d", s.JPEGQuality)
			}
		}
	}
}

// TestEachCaptureChangeSpoils sets one of the varied capture's fields at
// a time: each must change the frame, and a tilt must make the corners a
// true quadrilateral (opposite edges of different lengths).
func TestEachCaptureChangeSpoils(t *testing.T) {
	src := quadrants(400, 250)
	base := Degradation{Frame: image.Pt(640, 480), Scale: 0.6, Background: color.RGBA{90, 60, 40, 255}}
	p0, err := Degrade([]*image.RGBA{src}, base, 3)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		set  func(*Degradation)
	}{
		{"tilt", func(d *Degradation) { d.Tilt = [2]float64{12, -5} }},
		{"corner radius", func(d *Degradation) { d.CornerRadius = 0.04 }},
		{"desk", func(d *Degradation) { d.Desk = 0.8 }},
		{"glare", func(d *Degradation) { d.Glare, d.GlareAt, d.GlareSize = 0.8, [2]float64{0.5, 0.5}, 0.1 }},
		{"shadow", func(d *Degradation) { d.Shadow, d.ShadowAt, d.ShadowAngle = 0.5, [2]float64{0.5, 0.5}, 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			tt.set(&d)
			p, err := Degrade([]*image.RGBA{src}, d, 3)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(p.Layers[0].Pix, p0.Layers[0].Pix) {
				t.Error("the frame did not change")
			}
			c := p.Corners
			for _, k := range c {
				if k[0] < 0 || k[1] < 0 || k[0] > 640 || k[1] > 480 {
					t.Errorf("corner %v leaves the frame", k)
				}
			}
			edge := func(i, j int) float64 { return math.Hypot(c[j][0]-c[i][0], c[j][1]-c[i][1]) }
			top, bottom, left, right := edge(0, 1), edge(3, 2), edge(0, 3), edge(1, 2)
			skew := math.Max(math.Abs(top-bottom)/top, math.Abs(left-right)/left)
			if tt.name == "tilt" && skew < 0.02 {
				t.Errorf("tilted corners %v: opposite edges within %.3f", c, skew)
			}
			if tt.name != "tilt" && skew > 1e-6 {
				t.Errorf("untilted corners %v: opposite edges differ by %.3f", c, skew)
			}
		})
	}
	// the projective path places an untilted document as the affine one
	d := base
	d.CornerRadius = 1e-9
	p, err := Degrade([]*image.RGBA{src}, d, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Corners {
		if math.Hypot(p.Corners[i][0]-p0.Corners[i][0], p.Corners[i][1]-p0.Corners[i][1]) > 0.01 {
			t.Errorf("corner %d at %v, the affine path's at %v", i, p.Corners[i], p0.Corners[i])
		}
	}
}

func TestWriteCaptures(t *testing.T) {
	r := newVaryRenderer(t)
	v := DrawVariation(2, 1, r.fonts)
	s := render(t, r, "kz-id-2014", Options{Seed: 2, PxPerMM: small, Vary: &v})
	for _, kind := range []string{CaptureScanner, CapturePhone} {
		dir := t.TempDir()
		caps, err := CaptureSides(context.Background(), s, kind, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteCaptures(dir, caps); err != nil {
			t.Fatal(err)
		}
		for _, c := range caps {
			if c.Kind != kind {
				t.Errorf("kind %q, want %q", c.Kind, kind)
			}
			want := 1
			if kind == CaptureScanner {
				want = 3
			}
			files, _ := filepath.Glob(filepath.Join(dir, string(c.Side), "capture*"))
			if len(files) != want {
				t.Errorf("%s %s: files %v, want %d", kind, c.Side, files, want)
			}
			imgs, err := c.Images()
			if err != nil || len(imgs) != want {
				t.Errorf("%s: Images: %d, %v", kind, len(imgs), err)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "captures.json")); err != nil {
			t.Error(err)
		}
	}
	if _, err := CaptureSides(context.Background(), s, "fax", 1, 2); err == nil {
		t.Error("an unknown capture kind was accepted")
	}
}

// TestBuildsWithoutCgo: the renderer and its variations stay pure Go.
func TestBuildsWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	cmd := exec.Command(gobin, "build", "-o", os.DevNull, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, strings.TrimSpace(string(out)))
	}
}
