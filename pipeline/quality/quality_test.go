package quality

import (
	"context"
	"errors"
	"image"
	"math"
	"sync"
	"testing"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// The rendered tests: a specimen side drawn flat at pxPerMM is the page;
// each degradation is applied at known strengths, and each measure must
// move with it, pass the clean page and flag the strong cases.

const pxPerMM = 12

var (
	pageOnce sync.Once
	page     *image.Gray
	pageType *typedb.Type
	pageErr  error
)

// cleanPage is the back of a Kazakh ID card (its MRZ side), flat.
func cleanPage(t testing.TB) (*image.Gray, *typedb.Type) {
	t.Helper()
	pageOnce.Do(func() {
		db, err := typedb.Default()
		if err != nil {
			pageErr = err
			return
		}
		fonts, err := specimen.DefaultFonts()
		if err != nil {
			pageErr = err
			return
		}
		r, err := specimen.NewRenderer(db, fonts)
		if err != nil {
			pageErr = err
			return
		}
		spec, err := r.Render(context.Background(), "kz-id-2014", specimen.Options{Seed: 7, PxPerMM: pxPerMM})
		if err != nil {
			pageErr = err
			return
		}
		for _, s := range spec.Sides {
			if s.Name == typedb.Back {
				page = imgutil.Gray(s.White)
				pageType, _ = db.ByID(s.TypeID)
			}
		}
	})
	if errors.Is(pageErr, specimen.ErrNoFonts) {
		t.Skipf("fonts: %v", pageErr)
	}
	if pageErr != nil {
		t.Fatal(pageErr)
	}
	if page == nil || pageType == nil {
		t.Fatal("no back side rendered")
	}
	return page, pageType
}

// input is the page as a located side filling a frame 10 % larger, at
// the page's own resolution.
func input(g *image.Gray, t *typedb.Type) Input {
	w, h := float64(g.Rect.Dx()), float64(g.Rect.Dy())
	ox, oy := w*0.05, h*0.05
	return Input{Frame: image.Pt(int(w*1.1), int(h*1.1)), Located: true, Page: g, PxPerMM: pxPerMM, SizeMM: t.SizeMM,
		Outline: imgutil.Quad{{X: ox, Y: oy}, {X: ox + w, Y: oy}, {X: ox + w, Y: oy + h}, {X: ox, Y: oy + h}},
		Zones:   zonesOf(t)}
}

func zonesOf(t *typedb.Type) []Zone {
	var zs []Zone
	if t.MRZZone != nil {
		zs = append(zs, Zone{Name: "mrz", Region: [4]float64(*t.MRZZone)})
	}
	for _, f := range t.Fields {
		zs = append(zs, Zone{Name: f.Name, Region: [4]float64(f.Zone)})
	}
	return zs
}

// mapGray applies f to every pixel of a copy of g.
func mapGray(g *image.Gray, f func(v float64) float64) *image.Gray {
	out := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		out.Pix[i] = clamp(f(float64(v)))
	}
	return out
}

func clamp(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

// blur is a separable Gaussian blur of standard deviation sigma pixels.
func blur(g *image.Gray, sigma float64) *image.Gray {
	if sigma == 0 {
		return g
	}
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	w, h := g.Rect.Dx(), g.Rect.Dy()
	tmp := make([]float64, w*h)
	for y := range h {
		for x := range w {
			a := 0.0
			for i, kv := range k {
				xx := min(max(x+i-r, 0), w-1)
				a += kv * float64(g.Pix[y*g.Stride+xx])
			}
			tmp[y*w+x] = a / sum
		}
	}
	out := image.NewGray(g.Rect)
	for y := range h {
		for x := range w {
			a := 0.0
			for i, kv := range k {
				yy := min(max(y+i-r, 0), h-1)
				a += kv * tmp[yy*w+x]
			}
			out.Pix[y*out.Stride+x] = clamp(a / sum)
		}
	}
	return out
}

// glareSpot adds a specular spot: a Gaussian of radius (σ) r mm at the
// centre of zone z, strong enough to clip its core.
func glareSpot(g *image.Gray, z [4]float64, rMM float64) *image.Gray {
	if rMM == 0 {
		return g
	}
	out := image.NewGray(g.Rect)
	cx, cy := (z[0]+z[2])/2*float64(g.Rect.Dx()), (z[1]+z[3])/2*float64(g.Rect.Dy())
	s := rMM * pxPerMM
	for y := range g.Rect.Dy() {
		for x := range g.Rect.Dx() {
			d2 := (float64(x)-cx)*(float64(x)-cx) + (float64(y)-cy)*(float64(y)-cy)
			v := float64(g.Pix[y*g.Stride+x])
			a := 2 * math.Exp(-d2/(2*s*s)) // the core clips: up to twice white
			out.Pix[y*out.Stride+x] = clamp(v + a*(255-v) + a*255*0.5)
		}
	}
	return out
}

// series checks that values move one way with strength (monotonic within
// tol), that the clean case (first) passes and the strongest flagged.
func series(t *testing.T, name string, strengths []float64, vals []float64, oks []bool, rising bool, tol float64) {
	t.Helper()
	t.Logf("%s: strengths %v → values %v ok %v", name, strengths, vals, oks)
	for i := 1; i < len(vals); i++ {
		d := vals[i] - vals[i-1]
		if !rising {
			d = -d
		}
		if d < -tol {
			t.Errorf("%s: value %g at strength %g against %g at %g: not monotonic", name, vals[i], strengths[i], vals[i-1], strengths[i-1])
		}
	}
	if !oks[0] {
		t.Errorf("%s: the clean page is flagged (value %g)", name, vals[0])
	}
	if oks[len(oks)-1] {
		t.Errorf("%s: the strongest degradation (%g) passes (value %g)", name, strengths[len(strengths)-1], vals[len(vals)-1])
	}
}

func TestFocusFollowsBlur(t *testing.T) {
	g, typ := cleanPage(t)
	th := Default()
	sigmas := []float64{0, 1, 2, 3, 4.5, 6, 8}
	var vals []float64
	var oks []bool
	for _, s := range sigmas {
		r := Assess(withPage(input(g, typ), blur(g, s)), th)
		if r.Focus == nil {
			t.Fatalf("σ %g: focus not measured", s)
		}
		vals, oks = append(vals, r.Focus.Value), append(oks, r.Focus.OK)
		if s == 0 && !r.OK {
			t.Errorf("the clean page fails: %s", r.Reason)
		}
	}
	series(t, "focus (edge width mm) against blur σ px at 12 px/mm", sigmas, vals, oks, true, 0.01)
}

func withPage(in Input, g *image.Gray) Input { in.Page = g; return in }

func TestGlareFollowsSpot(t *testing.T) {
	g, typ := cleanPage(t)
	th := Default()
	z := [4]float64(*typ.MRZZone)
	radii := []float64{0, 1, 2, 4, 8}
	var vals []float64
	var oks []bool
	for _, r := range radii {
		rep := Assess(withPage(input(g, typ), glareSpot(g, z, r)), th)
		vals, oks = append(vals, rep.Glare.Value), append(oks, rep.Glare.OK)
		if r == radii[len(radii)-1] {
			if len(rep.Glare.Where) == 0 || rep.Glare.Where[0] != "mrz" && !contains(rep.Glare.Where, "mrz") {
				t.Errorf("glare over the MRZ is said to be over %v", rep.Glare.Where)
			}
			if rep.Glare.Region == nil || !overlaps(*rep.Glare.Region, z) {
				t.Errorf("glare region %v misses the MRZ zone %v", rep.Glare.Region, z)
			}
			if !rep.GlaredOver(z) {
				t.Error("GlaredOver(the MRZ zone) is false under the strongest spot")
			}
		}
	}
	series(t, "glare (share of the worst zone) against spot σ mm over the MRZ", radii, vals, oks, true, 0)
}

// TestWhiteBandIsNoGlare: an MRZ printed on a band of white paper (the
// card's tint stops there: another hand's Kazakh card, scanned on dark
// glass) clips around its black characters, but hides none of them: no
// glare, where the band had read as glare over 52 % of the MRZ and kept
// an expired card's date check from failing. A spot over the same band
// is still glare.
func TestWhiteBandIsNoGlare(t *testing.T) {
	g, typ := cleanPage(t)
	th := Default()
	z := [4]float64(*typ.MRZZone)
	band := image.NewGray(g.Rect)
	copy(band.Pix, g.Pix)
	x0, y0 := int(z[0]*float64(g.Rect.Dx())), int(z[1]*float64(g.Rect.Dy()))
	x1, y1 := int(z[2]*float64(g.Rect.Dx())), int(z[3]*float64(g.Rect.Dy()))
	for y := max(0, y0-20); y < min(g.Rect.Dy(), y1+20); y++ {
		for x := max(0, x0-20); x < min(g.Rect.Dx(), x1+20); x++ {
			if i := y*band.Stride + x; band.Pix[i] >= 128 { // the print stays
				band.Pix[i] = 255
			}
		}
	}
	if rep := Assess(withPage(input(band, typ), band), th); !rep.Glare.OK || rep.GlaredOver(z) {
		t.Errorf("a white MRZ band reads as glare %v over %v", rep.Glare.Value, rep.Glare.Where)
	}
	if rep := Assess(withPage(input(band, typ), glareSpot(band, z, 8)), th); rep.Glare.OK || !rep.GlaredOver(z) {
		t.Errorf("a spot over the white band is no glare (%v)", rep.Glare.Value)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func overlaps(a, b [4]float64) bool { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3] }

func TestBrightnessFollowsExposure(t *testing.T) {
	g, typ := cleanPage(t)
	th := Default()
	// under-exposure: every level scaled down by 2^-stops
	stops := []float64{0, 1, 2, 3, 3.5, 4}
	var vals []float64
	var oks []bool
	for _, s := range stops {
		r := Assess(withPage(input(g, typ), mapGray(g, func(v float64) float64 { return v / math.Pow(2, s) })), th)
		vals, oks = append(vals, r.Brightness.Value), append(oks, r.Brightness.OK)
	}
	series(t, "brightness against under-exposure (stops)", stops, vals, oks, false, 0)
	// over-exposure: every level scaled up by 2^stops, clipping
	vals, oks = nil, nil
	for _, s := range stops {
		r := Assess(withPage(input(g, typ), mapGray(g, func(v float64) float64 { return v * math.Pow(2, s) })), th)
		vals, oks = append(vals, r.Brightness.Value), append(oks, r.Brightness.OK)
	}
	series(t, "brightness against over-exposure (stops)", stops, vals, oks, true, 0)
}

func TestContrastFollowsFlattening(t *testing.T) {
	g, typ := cleanPage(t)
	th := Default()
	// the levels pulled toward mid-grey, keeping a share k of the spread
	keep := []float64{1, 0.5, 0.3, 0.2, 0.1, 0.05}
	var vals []float64
	var oks []bool
	for _, k := range keep {
		r := Assess(withPage(input(g, typ), mapGray(g, func(v float64) float64 { return 128 + (v-128)*k })), th)
		vals, oks = append(vals, r.Contrast.Value), append(oks, r.Contrast.OK)
	}
	series(t, "contrast against the spread kept", keep, vals, oks, false, 0)
}

func TestResolutionFollowsSize(t *testing.T) {
	g, typ := cleanPage(t)
	th := Default()
	// the document shrunk in the frame: its outline scaled
	scales := []float64{1, 0.7, 0.5, 0.3, 0.2, 0.1}
	var vals []float64
	var oks []bool
	for _, s := range scales {
		in := input(g, typ)
		in.Outline = in.Outline.Scale(s)
		r := Assess(in, th)
		vals, oks = append(vals, r.Resolution.Value), append(oks, r.Resolution.OK)
		if want := 25.4 * pxPerMM * s; math.Abs(r.Resolution.Value-want) > 1 {
			t.Errorf("scale %g: %g dpi, want %.1f", s, r.Resolution.Value, want)
		}
	}
	series(t, "resolution (dpi) against scale", scales, vals, oks, false, 0)
}

// project is the document (sizeMM, centred, at distance dist mm) tilted
// by deg about its horizontal axis, seen by a pinhole camera of focal
// length FocalFactor × the frame's diagonal.
func project(sizeMM [2]float64, frame image.Point, deg, dist float64) imgutil.Quad {
	f := FocalFactor * math.Hypot(float64(frame.X), float64(frame.Y))
	a := deg * math.Pi / 180
	var q imgutil.Quad
	for i, c := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		x, y := c[0]*sizeMM[0]/2, c[1]*sizeMM[1]/2
		// rotate about the x axis
		yy, z := y*math.Cos(a), dist+y*math.Sin(a)
		q[i] = imgutil.Point{X: float64(frame.X)/2 + f*x/z, Y: float64(frame.Y)/2 + f*yy/z}
	}
	return q
}

func TestPerspectiveFollowsTilt(t *testing.T) {
	g, typ := cleanPage(t)
	th := Default()
	frame := image.Pt(1600, 1200)
	tilts := []float64{0, 10, 20, 30, 40, 50}
	var vals []float64
	var oks []bool
	for _, d := range tilts {
		in := input(g, typ)
		in.Frame = frame
		in.Outline = project(typ.SizeMM, frame, d, 150)
		r := Assess(in, th)
		if r.Perspective == nil {
			t.Fatalf("tilt %g: not measured", d)
		}
		vals, oks = append(vals, r.Perspective.Value), append(oks, r.Perspective.OK)
		if math.Abs(r.Perspective.Value-d) > 1 {
			t.Errorf("tilt %g°: measured %g°", d, r.Perspective.Value)
		}
	}
	series(t, "perspective (degrees) against tilt", tilts, vals, oks, true, 0)
}

func TestBoundsSayWhichSide(t *testing.T) {
	g, typ := cleanPage(t)
	th := Default()
	in := input(g, typ)
	if r := Assess(in, th); !r.Bounds.OK || len(r.Bounds.CutOff) != 0 {
		t.Errorf("a document with a 5 %% margin: %+v", r.Bounds)
	}
	w := float64(in.Frame.X)
	for _, c := range []struct {
		dx, dy float64
		want   string
	}{{-0.2 * w, 0, "left"}, {0.2 * w, 0, "right"}, {0, -200, "top"}, {0, 200, "bottom"}} {
		// shifting further cuts more: the margin only falls
		prev := math.Inf(1)
		for _, k := range []float64{0.1, 0.5, 1} {
			in := input(g, typ)
			for i := range in.Outline {
				in.Outline[i].X += c.dx * k
				in.Outline[i].Y += c.dy * k
			}
			r := Assess(in, th)
			if r.Bounds.Value > prev {
				t.Errorf("%s %g: margin %g grew from %g", c.want, k, r.Bounds.Value, prev)
			}
			prev = r.Bounds.Value
			if k == 1 && (r.Bounds.OK || !contains(r.Bounds.CutOff, c.want) || !r.Has(NameBounds)) {
				t.Errorf("shifted %s: %+v", c.want, r.Bounds)
			}
		}
	}
}

func TestNotLocatedLeavesOutlineMeasuresNull(t *testing.T) {
	g, typ := cleanPage(t)
	in := input(g, typ)
	in.Located = false
	r := Assess(in, Default())
	if r.Bounds != nil || r.Perspective != nil {
		t.Errorf("bounds %v, perspective %v measured without an outline", r.Bounds, r.Perspective)
	}
	// an MRZ of 30 characters 30 × 0.1 in wide at 200 dpi
	in.MRZWidthPx, in.MRZChars = 600, 30
	if r := Assess(in, Default()); r.Resolution == nil || r.Resolution.Value != 200 {
		t.Errorf("resolution from the MRZ's pitch: %+v, want 200", r.Resolution)
	}
}

func TestThresholds(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
	z := Thresholds{}.WithDefaults()
	if z != Default() {
		t.Errorf("zero thresholds with defaults: %+v", z)
	}
	for _, bad := range []Thresholds{{MaxGlare: 2}, {MinDPI: -1}, {MaxTiltDeg: 100}, {MinBrightness: 200, MaxBrightness: 100}} {
		if err := bad.WithDefaults().Validate(); !errors.Is(err, ErrThresholds) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	// a strict terminal flags what the default passes
	g, typ := cleanPage(t)
	in := withPage(input(g, typ), blur(g, 2))
	if r := Assess(in, Default()); !r.OK {
		t.Fatalf("σ 2 fails the defaults: %s", r.Reason)
	}
	strict := Default()
	strict.MaxEdgeWidthMM = 0.2
	if r := Assess(in, strict); r.OK || !r.Has(NameFocus) {
		t.Errorf("σ 2 passes a strict 0.2 mm: %+v", r.Focus)
	}
}

func TestThresholdsFlag(t *testing.T) {
	th := Default()
	if err := th.Set("min_dpi=150, max_glare=0.02"); err != nil {
		t.Fatal(err)
	}
	if th.MinDPI != 150 || th.MaxGlare != 0.02 || th.MaxTiltDeg != Default().MaxTiltDeg {
		t.Errorf("set: %+v", th)
	}
	back := Default()
	if err := back.Set(th.String()); err != nil || back != th {
		t.Errorf("String %q does not set back: %+v %v", th.String(), back, err)
	}
	for _, bad := range []string{"min_dpi", "min_dpi=x", "no_such=1", "max_glare=3", "min_dpi=NaN", "min_margin_px=Inf"} {
		th := Default()
		if err := th.Set(bad); !errors.Is(err, ErrThresholds) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// FuzzThresholdsSet: any flag value either sets thresholds that validate
// or is refused with ErrThresholds; never a panic.
func FuzzThresholdsSet(f *testing.F) {
	for _, s := range []string{"min_dpi=150", "max_glare=0.02,max_tilt_deg=20", "=", ",,", "min_dpi=NaN", "min_dpi=1e400", defaultString()} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th := Default()
		err := th.Set(s)
		if err != nil && !errors.Is(err, ErrThresholds) {
			t.Fatalf("%q: %v", s, err)
		}
		if err == nil {
			if verr := th.Validate(); verr != nil {
				t.Fatalf("%q set invalid thresholds: %v", s, verr)
			}
		}
	})
}

func defaultString() string { d := Default(); return d.String() }
