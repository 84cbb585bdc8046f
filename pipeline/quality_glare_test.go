package pipeline

import (
	"context"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/docscan/docscan/pipeline/checks"
	"github.com/docscan/docscan/pipeline/identify"
	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/quality"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// addGlare lays a specular spot (Gaussian, σ sigma px, clipping its core)
// on img around (cx, cy).
func addGlare(img *image.RGBA, cx, cy, sigma float64) {
	b := img.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			d2 := (float64(x)-cx)*(float64(x)-cx) + (float64(y)-cy)*(float64(y)-cy)
			a := 2 * math.Exp(-d2/(2*sigma*sigma))
			if a < 0.01 {
				continue
			}
			i := img.PixOffset(x, y)
			for k := range 3 {
				v := float64(img.Pix[i+k])
				img.Pix[i+k] = uint8(math.Min(255, v+a*(255-v)+a*128))
			}
		}
	}
}

// A genuine card on the scanner with a glare spot (σ 10 mm) over its
// portrait and the fields beside it: the front's quality says where the
// glare is; the portrait's check and the MRZ-against-visual-zone check,
// which fail without this, are not done for glare, and failure_reason
// says so.
func TestGlareOverZoneIsNotDone(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and recognises a card")
	}
	ev := newEvalEnv(t)
	ctx := context.Background()
	spec, err := ev.r.Render(ctx, "kz-id-2014", specimen.Options{Seed: 5, Today: evalToday, PxPerMM: 16})
	if err != nil {
		t.Fatal(err)
	}
	in := Input{CountryCode: "kz"}
	for i, s := range spec.Sides {
		d := specimen.Degradation{Scale: 0.8, Background: color.RGBA{12, 12, 14, 255}}
		p, err := specimen.Degrade([]*image.RGBA{s.White, s.IR, s.UV}, d, int64(i))
		if err != nil {
			t.Fatal(err)
		}
		si := &SideInput{White: p.Layers[0], IR: p.Layers[1], UV: p.Layers[2], Scanner: true}
		if s.Name == typedb.Back {
			in.Back = si
			continue
		}
		in.Front = si
		typ, _ := ev.db.ByID(s.TypeID)
		z := typ.FaceZone
		u, v := (z[0]+z[2])/2, (z[1]+z[3])/2
		c := p.Corners
		at := func(k int) float64 { // bilinear over the corners
			return (1-v)*((1-u)*c[0][k]+u*c[1][k]) + v*((1-u)*c[3][k]+u*c[2][k])
		}
		mm := math.Hypot(c[1][0]-c[0][0], c[1][1]-c[0][1]) / typ.SizeMM[0]
		addGlare(si.White.(*image.RGBA), at(0), at(1), 10*mm)
	}
	res, err := ev.eng.Recognize(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	q := res.Quality.Frontside
	if q == nil || q.Glare == nil || q.Glare.OK || q.Glare.Region == nil {
		t.Fatalf("front quality: %+v", q)
	}
	t.Logf("glare %g over %v at %v", q.Glare.Value, q.Glare.Where, *q.Glare.Region)
	if !q.Has(quality.NameGlare) || !strings.Contains(q.Reason, "glare over the") {
		t.Errorf("front quality reason %q", q.Reason)
	}
	if b := res.Quality.Backside; b == nil || !b.OK {
		t.Errorf("back quality: %+v", b)
	}
	found := false
	for _, c := range res.Checks {
		if c.Name == "photo_area" && c.Side == string(typedb.Front) {
			found = true
			if c.Status != CheckNotDone || c.Reason != ReasonGlare {
				t.Errorf("photo_area under glare: %s %q", c.Status, c.Reason)
			}
		}
		if c.Status == CheckFailed {
			t.Errorf("check %s failed on a genuine card under glare", c.Name)
		}
	}
	if !found {
		t.Error("no photo_area on the front")
	}
	if !strings.Contains(res.FailureReason, "Not done for image quality: ") || !strings.Contains(res.FailureReason, "photo_area ("+ReasonGlare+")") {
		t.Errorf("failure_reason %q", res.FailureReason)
	}
}

// TestValidMRZUnderGlareHidesNothing: glare over a side's MRZ zone stops
// the data checks (an MRZ it hid is no evidence) unless the MRZ was read
// whole, every check digit holding: an expired card's dates, read there,
// still fail it. A white band that an MRZ is printed on had read as
// glare over it on another hand's Kazakh card, and its expired card
// passed with date_logic not done.
func TestValidMRZUnderGlareHidesNothing(t *testing.T) {
	s := glaredKZBack(t, func(typ *typedb.Type) [4]float64 { return [4]float64(*typ.MRZZone) })
	if !fieldsGlared([]*side{s}) {
		t.Error("glare over an MRZ not read: the data checks go on")
	}
	s.mrz = &mrz.Result{Status: mrz.StatusUnsure}
	if !fieldsGlared([]*side{s}) {
		t.Error("glare over an MRZ read unsurely: the data checks go on")
	}
	s.mrz = &mrz.Result{Status: mrz.StatusValid}
	if fieldsGlared([]*side{s}) {
		t.Error("glare over an MRZ read valid stops the data checks")
	}
	// a check digit failing on an MRZ read surely, character for
	// character, is the fraud signal under glare too (a white MRZ
	// band on light glass, taken for glare, let a tampered card
	// pass); one read with a character in doubt is not done
	for _, tc := range []struct {
		doubt float64
		want  CheckStatus
	}{{0.97, CheckFailed}, {0.6, CheckNotDone}} {
		chars := []float64{0.98, 0.97, tc.doubt, 0.99}
		s.mrz = &mrz.Result{Status: mrz.StatusInvalid, CharConfidence: [][]float64{chars, chars, chars}}
		cs := []Check{{Name: checks.NameMRZDigits, Side: string(typedb.Back), Status: CheckFailed}}
		glareChecks(cs, []*side{s})
		if cs[0].Status != tc.want {
			t.Errorf("a failing check digit, the zone's least sure character at %.2f: %s, want %s", tc.doubt, cs[0].Status, tc.want)
		}
	}
}

// TestExpiredByAValidMRZUnderGlare: glare over a field's zone stops the
// data checks, but not date_logic failing on an expiry that a valid MRZ
// gives (every check digit holding): an expiry read only in the visual
// zone, or an MRZ read unsurely, is no evidence under glare.
func TestExpiredByAValidMRZUnderGlare(t *testing.T) {
	s := glaredKZBack(t, func(typ *typedb.Type) [4]float64 {
		for _, f := range typ.Fields {
			if f.Zone.Width() > 0 && responseFields[f.Name] {
				return [4]float64(f.Zone)
			}
		}
		return [4]float64{}
	})
	expiry := mrz.Date{Year: 2025, Month: 2, Day: 3}
	for _, tc := range []struct {
		name   string
		status mrz.Status
		reason string
		want   CheckStatus
	}{
		{"the valid MRZ's expiry", mrz.StatusValid, "expired on 03.02.2025", CheckFailed},
		{"another expiry", mrz.StatusValid, "expired on 04.02.2025", CheckNotDone},
		{"and issued before birth", mrz.StatusValid, "expired on 03.02.2025; issued before birth", CheckNotDone},
		{"an MRZ read unsurely", mrz.StatusUnsure, "expired on 03.02.2025", CheckNotDone},
	} {
		s.mrz = &mrz.Result{Document: &mrz.Document{ExpiryDate: expiry}, Status: tc.status}
		if !fieldsGlared([]*side{s}) {
			t.Fatal("no field zone under glare: the case no longer tests it")
		}
		cs := []Check{{Name: checks.NameDates, Status: CheckFailed, Reason: tc.reason}}
		glareChecks(cs, []*side{s})
		if cs[0].Status != tc.want {
			t.Errorf("%s (%q): %s, want %s", tc.name, tc.reason, cs[0].Status, tc.want)
		}
	}
}

// glaredKZBack renders a Kazakh ID card's back (2014) and lays glare
// over the zone that zoneOf picks of its type, returning the side as
// recognition knows it, with the glare assessed.
func glaredKZBack(t *testing.T, zoneOf func(*typedb.Type) [4]float64) *side {
	t.Helper()
	ev := newEvalEnv(t)
	spec, err := ev.r.Render(context.Background(), "kz-id-2014", specimen.Options{Seed: 5, Today: evalToday, PxPerMM: 12})
	if err != nil {
		t.Fatal(err)
	}
	for _, sd := range spec.Sides {
		if sd.Name != typedb.Back {
			continue
		}
		typ, _ := ev.db.ByID(sd.TypeID)
		page := image.NewRGBA(sd.White.Rect)
		copy(page.Pix, sd.White.Pix)
		z := zoneOf(typ)
		w, h := float64(page.Rect.Dx()), float64(page.Rect.Dy())
		addGlare(page, (z[0]+z[2])/2*w, (z[1]+z[3])/2*h, 5*12)
		g := imgutil.Gray(page)
		rep := quality.Assess(quality.Input{Frame: g.Rect.Size(), Located: true, Page: g, PxPerMM: 12, SizeMM: typ.SizeMM,
			Outline: imgutil.Quad{{X: 0, Y: 0}, {X: w, Y: 0}, {X: w, Y: h}, {X: 0, Y: h}}, Zones: typeZones(typ)}, quality.Default())
		if !rep.GlaredOver(z) {
			t.Fatalf("no glare over the zone %v (%v): the case no longer tests it", z, rep.Glare)
		}
		return &side{name: typedb.Back, best: &identify.Candidate{Type: typ}, quality: rep}
	}
	t.Fatal("no back side rendered")
	return nil
}
