package camera

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docscan/docscan/hal"
)

// testSide draws small but distinct layers: the white layer a light card
// with a dark "MRZ" band and a coloured "photo"; the IR layer only the
// band (colour print vanishes in IR); the UV layer a dull card with a
// bright blue "emblem". tint tells sides apart.
func testSide(name string, w, h int, tint uint8) SideImages {
	white := image.NewRGBA(image.Rect(0, 0, w, h))
	ir := image.NewRGBA(image.Rect(0, 0, w, h))
	uv := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			mrz := y > h*3/4 && x > w/10 && x < w*9/10
			photo := x < w/3 && y < h/2
			emblem := x > w/2 && x < w*3/4 && y > h/5 && y < h/2
			wc := color.RGBA{230, 225, tint, 255}
			ic := color.RGBA{200, 200, 200, 255}
			uc := color.RGBA{20, 20, 30, 255}
			if photo {
				wc = color.RGBA{180, 120, 90, 255}
			}
			if mrz {
				wc, ic = color.RGBA{20, 20, 20, 255}, color.RGBA{15, 15, 15, 255}
			}
			if emblem {
				uc = color.RGBA{60, 90, 240, 255}
			}
			white.SetRGBA(x, y, wc)
			ir.SetRGBA(x, y, ic)
			uv.SetRGBA(x, y, uc)
		}
	}
	return SideImages{Name: name, Layers: [numLayers]image.Image{white, ir, uv}}
}

// fixedLight reports constant on-fractions.
type fixedLight [hal.NumChannels]float64

func (f fixedLight) OnFractions(from, to time.Time) [hal.NumChannels]float64 { return f }

func lit(cs ...hal.Channel) fixedLight {
	var f fixedLight
	for _, c := range cs {
		f[c] = 1
	}
	return f
}

func noNoiseOpts() SimOptions {
	off := image.Pt(10, 6)
	return SimOptions{Size: image.Pt(80, 60), FramePeriod: 2 * time.Millisecond, Noise: -1, Dark: 10, DocScale: 1, DocOffset: &off}
}

func capture(t *testing.T, s *Sim) *image.RGBA {
	t.Helper()
	f, err := s.Capture(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return f.Image.(*image.RGBA)
}

// expected computes one pixel the slow, obvious way.
func expected(side SideImages, fr fixedLight, gains [hal.NumChannels]float64, dark int, docRect image.Rectangle, x, y int) [3]int {
	var out [3]int
	for k := range out {
		out[k] = dark
	}
	if !image.Pt(x, y).In(docRect) {
		return out
	}
	var w [numLayers]float64
	for c, f := range fr {
		w[ChannelLayer(hal.Channel(c))] += f * gains[c]
	}
	var acc [3]float64
	for l, img := range side.Layers {
		r, g, b, _ := img.At(x-docRect.Min.X, y-docRect.Min.Y).RGBA()
		acc[0] += w[l] * float64(r>>8)
		acc[1] += w[l] * float64(g>>8)
		acc[2] += w[l] * float64(b>>8)
	}
	for k := range out {
		out[k] = min(255, int(math.Round(acc[k]))+dark)
	}
	return out
}

func TestSimComposesLayers(t *testing.T) {
	side := testSide("front", 60, 40, 200)
	cases := []struct {
		name  string
		light fixedLight
	}{
		{"all off: dark frame", lit()},
		{"white top: white layer", lit(hal.WhiteTop)},
		{"white front: white layer", lit(hal.WhiteFront)},
		{"IR side: IR layer", lit(hal.IRSide)},
		{"UV: UV layer", lit(hal.UV)},
		{"axial left: dimmer white layer", lit(hal.AxialLeft)},
		{"white and UV: weighted sum", lit(hal.WhiteTop, hal.UV)},
		{"two IR: doubled, clipped", lit(hal.IRTop, hal.IRFront)},
		{"half an exposure", fixedLight{hal.WhiteSide: 0.5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSim(tc.light, noNoiseOpts())
			if err != nil {
				t.Fatal(err)
			}
			if err := s.PlaceSides([]SideImages{side}); err != nil {
				t.Fatal(err)
			}
			img := capture(t, s)
			rect := s.DocumentRect()
			if rect != image.Rect(10, 6, 70, 46) {
				t.Fatalf("document at %v", rect)
			}
			bad := 0
			for y := 0; y < 60; y++ {
				for x := 0; x < 80; x++ {
					want := expected(side, tc.light, DefaultGains, 10, rect, x, y)
					p := img.RGBAAt(x, y)
					got := [3]int{int(p.R), int(p.G), int(p.B)}
					for k := range got {
						if d := got[k] - want[k]; d < -1 || d > 1 {
							bad++
						}
					}
					if p.A != 255 {
						t.Fatalf("alpha %d at %d,%d", p.A, x, y)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d channel values differ from the expected composition", bad)
			}
		})
	}
}

func TestSimDarkFrameAndNoise(t *testing.T) {
	s, err := NewSim(lit(), SimOptions{Size: image.Pt(200, 100), FramePeriod: time.Millisecond, Noise: 3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PlaceSides([]SideImages{testSide("front", 100, 60, 0)}); err != nil {
		t.Fatal(err)
	}
	a, b := capture(t, s), capture(t, s)
	var sum, sq float64
	n := 0
	diff := 0
	for i := 0; i < len(a.Pix); i += 4 {
		v := float64(a.Pix[i])
		sum += v
		sq += v * v
		n++
		if a.Pix[i] != b.Pix[i] {
			diff++
		}
	}
	mean := sum / float64(n)
	sd := math.Sqrt(sq/float64(n) - mean*mean)
	if math.Abs(mean-10) > 0.5 || math.Abs(sd-3) > 0.5 {
		t.Errorf("dark frame mean %.2f sd %.2f, want about 10 and 3", mean, sd)
	}
	if diff < n/2 {
		t.Errorf("noise identical in consecutive frames (%d of %d pixels differ)", diff, n)
	}
}

func TestSimFitsDocumentByDefault(t *testing.T) {
	s, _ := NewSim(lit(hal.WhiteTop), SimOptions{Size: image.Pt(400, 300), FramePeriod: time.Millisecond})
	// A document that fits in 80 % of the frame keeps its resolution,
	// centred.
	if err := s.PlaceSides([]SideImages{testSide("front", 100, 50, 0)}); err != nil {
		t.Fatal(err)
	}
	if r := s.DocumentRect(); r != image.Rect(150, 125, 250, 175) {
		t.Errorf("document at %v", r)
	}
	img := capture(t, s)
	inside := img.RGBAAt(200, 130)
	outside := img.RGBAAt(10, 10)
	if inside.R < 150 || outside.R > 30 {
		t.Errorf("inside %v outside %v: the document should be bright on dark glass", inside, outside)
	}
	// A larger one shrinks to 80 % of the limiting dimension (width:
	// 400·0.8 = 320).
	if err := s.PlaceSides([]SideImages{testSide("front", 1000, 500, 0)}); err != nil {
		t.Fatal(err)
	}
	if r := s.DocumentRect(); r != image.Rect(40, 70, 360, 230) {
		t.Errorf("large document at %v", r)
	}
	if p := capture(t, s).RGBAAt(200, 100); p.R < 150 {
		t.Errorf("scaled document pixel %v", p)
	}
	if f, _ := s.Configure(context.Background(), hal.Format{Width: 800, Height: 600}); f.Width != 800 {
		t.Fatalf("Configure = %v", f)
	}
	if r := s.DocumentRect(); r != image.Rect(80, 140, 720, 460) {
		t.Errorf("after resize document at %v", r)
	}
	// A document pushed partly off the frame is clipped, not wrapped.
	off := image.Pt(350, 280)
	s2, _ := NewSim(lit(hal.WhiteTop), SimOptions{Size: image.Pt(400, 300), FramePeriod: time.Millisecond, DocScale: 1, DocOffset: &off, Noise: -1})
	if err := s2.PlaceSides([]SideImages{testSide("front", 100, 50, 0)}); err != nil {
		t.Fatal(err)
	}
	if r := s2.DocumentRect(); r != image.Rect(350, 280, 400, 300) {
		t.Errorf("clipped document at %v", r)
	}
	img = capture(t, s2)
	if img.RGBAAt(399, 299).R < 150 || img.RGBAAt(10, 299).R != 10 {
		t.Error("clipped document drawn wrongly")
	}
}

func TestSimTurnShowRemove(t *testing.T) {
	s, _ := NewSim(lit(hal.WhiteTop), noNoiseOpts())
	front, back := testSide("front", 60, 40, 0), testSide("back", 60, 40, 255)
	if err := s.Turn(); !errors.Is(err, ErrNoSide) {
		t.Errorf("Turn on empty glass: %v", err)
	}
	if err := s.PlaceSides([]SideImages{front, back}); err != nil {
		t.Fatal(err)
	}
	blue := func() uint8 { return capture(t, s).RGBAAt(65, 10).B }
	if s.Side() != "front" || blue() != 10 {
		t.Fatalf("front: side %q blue %d", s.Side(), blue())
	}
	if err := s.Turn(); err != nil || s.Side() != "back" || blue() != 255 {
		t.Errorf("after Turn: side %q blue %d err %v", s.Side(), blue(), err)
	}
	if err := s.Turn(); err != nil || s.Side() != "front" {
		t.Errorf("second Turn: side %q", s.Side())
	}
	if err := s.ShowSide("back"); err != nil || s.Side() != "back" {
		t.Errorf("ShowSide: %v", err)
	}
	if err := s.ShowSide("inside"); !errors.Is(err, ErrNoSide) {
		t.Errorf("ShowSide(inside): %v", err)
	}
	s.Remove()
	if s.Side() != "" || capture(t, s).RGBAAt(30, 20).R != 10 {
		t.Error("removed document still visible")
	}
}

func writeSide(t *testing.T, dir string, side SideImages, skip Layer) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, side.Name), 0o755); err != nil {
		t.Fatal(err)
	}
	for l, img := range side.Layers {
		if Layer(l) == skip {
			continue
		}
		f, err := os.Create(filepath.Join(dir, side.Name, layerFiles[l]))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

func TestSimPlaceFromFolder(t *testing.T) {
	dir := t.TempDir()
	writeSide(t, dir, testSide("back", 30, 20, 255), -1)
	writeSide(t, dir, testSide("front", 30, 20, 0), -1)
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := NewSim(lit(hal.UV), noNoiseOpts())
	if err := s.Place(dir); err != nil {
		t.Fatal(err)
	}
	if s.Side() != "front" {
		t.Errorf("first side %q, want front", s.Side())
	}
	// Under UV the emblem glows blue.
	img := capture(t, s)
	if p := img.RGBAAt(10+20, 6+7); p.B < 200 {
		t.Errorf("emblem pixel %v under UV", p)
	}

	broken := t.TempDir()
	writeSide(t, broken, testSide("front", 30, 20, 0), LayerIR)
	if err := s.Place(broken); err == nil {
		t.Error("a side without ir.png was accepted")
	}
	if err := s.Place(t.TempDir()); err == nil {
		t.Error("an empty folder was accepted")
	}
	odd := testSide("front", 30, 20, 0)
	odd.Layers[LayerUV] = image.NewRGBA(image.Rect(0, 0, 10, 10))
	if err := s.PlaceSides([]SideImages{odd}); err == nil {
		t.Error("layers of different sizes accepted")
	}
}

func TestSimCaptureTiming(t *testing.T) {
	leds := hal.NewSimLEDs(hal.AllChannelSet)
	s, _ := NewSim(leds, SimOptions{Size: image.Pt(32, 32), FramePeriod: 5 * time.Millisecond})
	var last uint64
	for range 3 {
		called := time.Now()
		f, err := s.Capture(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// The frame's exposure (one period ending at f.Time) began after
		// the call.
		if start := f.Time.Add(-5 * time.Millisecond); start.Before(called) {
			t.Errorf("exposure began %s before the call", called.Sub(start))
		}
		if time.Now().Before(f.Time) {
			t.Error("frame delivered before its exposure ended")
		}
		if f.Seq <= last {
			t.Errorf("seq %d after %d", f.Seq, last)
		}
		last = f.Seq
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Capture(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Capture: %v", err)
	}
	_ = s.Close()
	if _, err := s.Capture(context.Background()); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("Capture after Close: %v", err)
	}
}

// TestSimFollowsSimLEDs checks the camera reads the simulated board: a
// light switched on before the call shows, one switched off does not.
func TestSimFollowsSimLEDs(t *testing.T) {
	leds := hal.NewSimLEDs(hal.AllChannelSet)
	s, _ := NewSim(leds, noNoiseOpts())
	_ = s.PlaceSides([]SideImages{testSide("front", 60, 40, 0)})
	_ = leds.Set(hal.SetOf(hal.IRTop))
	ir := capture(t, s).RGBAAt(30, 10) // IR layer: 200 + dark
	_ = leds.Set(0)
	dark := capture(t, s).RGBAAt(30, 10)
	if ir.R != 210 || dark.R != 10 {
		t.Errorf("IR pixel %v, dark pixel %v", ir, dark)
	}
}

func TestNewSimRejects(t *testing.T) {
	if _, err := NewSim(nil, SimOptions{}); err == nil {
		t.Error("nil illumination accepted")
	}
	if _, err := NewSim(lit(), SimOptions{Size: image.Pt(5, 5)}); err == nil {
		t.Error("tiny frame accepted")
	}
	s, _ := NewSim(lit(), SimOptions{})
	if _, err := s.Configure(context.Background(), hal.Format{Width: 100000, Height: 10}); err == nil {
		t.Error("huge frame accepted")
	}
}

// composeReference is the straightforward composition through the
// image.Image interface, the baseline BenchmarkCompose is measured against.
func composeReference(dst *image.RGBA, sc *scene, w [numLayers]uint32, dark int) {
	b := dst.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var acc [3]float64
			if sc != nil {
				for l, img := range sc.layers {
					r, g, bl, _ := img.At(x, y).RGBA()
					f := float64(w[l]) / 256
					acc[0] += f * float64(r>>8)
					acc[1] += f * float64(g>>8)
					acc[2] += f * float64(bl>>8)
				}
			}
			c := color.RGBA{A: 255}
			v := func(a float64) uint8 { return uint8(min(255, math.Round(a)+float64(dark))) }
			c.R, c.G, c.B = v(acc[0]), v(acc[1]), v(acc[2])
			dst.Set(x, y, c)
		}
	}
}

func TestComposeMatchesReference(t *testing.T) {
	s, _ := NewSim(lit(), SimOptions{Size: image.Pt(120, 90), Noise: -1})
	_ = s.PlaceSides([]SideImages{testSide("front", 90, 60, 77)})
	w := [numLayers]uint32{256, 128, 300}
	fast := image.NewRGBA(image.Rect(0, 0, 120, 90))
	ref := image.NewRGBA(image.Rect(0, 0, 120, 90))
	compose(fast, s.scenes[s.side], w, 10, nil, nil)
	composeReference(ref, s.scenes[s.side], w, 10)
	for i := range fast.Pix {
		if d := int(fast.Pix[i]) - int(ref.Pix[i]); d < -1 || d > 1 {
			t.Fatalf("byte %d: fast %d reference %d", i, fast.Pix[i], ref.Pix[i])
		}
	}
}

// BenchmarkCompose measures frame composition at the default 2592×1944
// with an ID-1 card rendered at 600 dpi (2022×1275) and one, two and
// three lit layers, against the reference through image.Image. Compare
// ns/op of the layer cases with reference-3layers.
func BenchmarkCompose(b *testing.B) {
	s, err := NewSim(lit(), SimOptions{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	_ = s.PlaceSides([]SideImages{testSide("front", 2022, 1275, 90)})
	sc := s.scenes[0]
	dst := image.NewRGBA(image.Rectangle{Max: s.size})
	offsets := make([]int, s.size.Y)
	for i := range offsets {
		offsets[i] = i * 4099 % (noiseTableSize - s.size.X*4)
	}
	for _, bc := range []struct {
		name string
		w    [numLayers]uint32
	}{
		{"dark", [numLayers]uint32{}},
		{"1layer", [numLayers]uint32{256, 0, 0}},
		{"2layers", [numLayers]uint32{256, 0, 256}},
		{"3layers", [numLayers]uint32{256, 128, 64}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(dst.Pix)))
			for b.Loop() {
				compose(dst, sc, bc.w, 10, s.noise, offsets)
			}
		})
	}
	b.Run("reference-3layers", func(b *testing.B) {
		b.SetBytes(int64(len(dst.Pix)))
		for b.Loop() {
			composeReference(dst, sc, [numLayers]uint32{256, 128, 64}, 10)
		}
	})
}

// BenchmarkRender measures placing a 600 dpi ID-1 card on the glass: at
// its own resolution (copy) and scaled.
func BenchmarkRender(b *testing.B) {
	side := testSide("front", 2022, 1275, 90)
	for _, bc := range []struct {
		name  string
		scale float64
	}{{"native", 1}, {"scaled", 0.7}} {
		b.Run(bc.name, func(b *testing.B) {
			s, _ := NewSim(lit(), SimOptions{DocScale: bc.scale})
			for b.Loop() {
				s.render(side, s.size)
			}
		})
	}
}
