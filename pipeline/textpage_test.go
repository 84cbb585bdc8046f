package pipeline

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/docscan/docscan/pipeline/locate"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/pipeline/vz"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// wordsOfType lays out t's anchors as Tesseract would report them in a
// frame where the page's millimetre (U, V) lies at (s·(U cos a − V sin a)
// + x0, s·(U sin a + V cos a) + y0): one line per anchor, its text
// starting at its zone's left edge on its middle row, 2.5 mm tall and
// 1.6 mm a letter wide, boxed upright as Tesseract boxes a turned word.
func wordsOfType(t *typedb.Type, s, a, x0, y0 float64) []ocr.Word {
	var out []ocr.Word
	at := func(U, V float64) (float64, float64) {
		return s*(U*math.Cos(a)-V*math.Sin(a)) + x0, s*(U*math.Sin(a)+V*math.Cos(a)) + y0
	}
	for i, an := range t.Anchors {
		U, V := an.Zone[0]*t.SizeMM[0], (an.Zone[1]+an.Zone[3])/2*t.SizeMM[1]
		w := float64(len([]rune(an.Text))) * 1.6
		minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, c := range [][2]float64{{U, V - 1.25}, {U + w, V - 1.25}, {U + w, V + 1.25}, {U, V + 1.25}} {
			x, y := at(c[0], c[1])
			minX, minY, maxX, maxY = math.Min(minX, x), math.Min(minY, y), math.Max(maxX, x), math.Max(maxY, y)
		}
		out = append(out, ocr.Word{Text: an.Text, Line: i, Confidence: 90,
			Box: image.Rect(int(minX), int(minY), int(maxX), int(maxY))})
	}
	return out
}

// kzFront is the kz-id-2014 front's type.
func kzFront(t *testing.T) *typedb.Type {
	t.Helper()
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range db.Types() {
		if ty.Document == "kz-id-2014" && ty.Side == typedb.Front {
			return ty
		}
	}
	t.Fatal("no kz-id-2014 front")
	return nil
}

func TestPageFromText(t *testing.T) {
	front := kzFront(t)
	for _, c := range []struct {
		name       string
		s, a       float64
		x0, y0     float64
		keep       func(i int) bool
		wantPlaced bool
	}{
		{"upright", 12, 0, 300, 200, nil, true},
		{"turned 5°", 9, 5 * math.Pi / 180, 400, 150, nil, true},
		{"labels only", 12, -0.03, 200, 300, func(i int) bool { return front.Anchors[i].Kind == "label" }, true},
		{"one row", 12, 0, 300, 200, func(i int) bool { return i == 0 }, false},
		{"headers only: nothing places the page across", 12, 0, 300, 200, func(i int) bool { return front.Anchors[i].Kind != "label" }, false},
		{"print 10 mm tall: no card", 12, 0, 300, 200, nil, false},
		// another hand's card: "ЖСН / ИИН" set in the field column,
		// not under the photo, and every anchor a little off its place
		{"a label elsewhere, the rest a little off", 12, 0, 300, 200, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			words := wordsOfType(front, c.s, c.a, c.x0, c.y0)
			if c.keep != nil {
				var kept []ocr.Word
				for i, w := range words {
					if c.keep(i) {
						kept = append(kept, w)
					}
				}
				words = kept
			}
			if c.name == "print 10 mm tall: no card" {
				for i := range words {
					words[i].Box.Max.Y = words[i].Box.Min.Y + 120
				}
			}
			tolerance := 0.03
			if c.name == "a label elsewhere, the rest a little off" {
				for i := range words {
					// up to 1.2 mm off, down the page and across
					dy := int(c.s * 1.2 * math.Sin(float64(3*i+1)))
					dx := int(c.s * 1.2 * math.Cos(float64(5*i+2)))
					if front.Anchors[i].Text == "ЖСН / ИИН" {
						dx = int(c.s * (0.34 - 0.035) * front.SizeMM[0])
					}
					words[i].Box = words[i].Box.Add(image.Pt(dx, dy))
				}
				tolerance = 0.06
			}
			q, n, ok := pageFromText(vz.WordLines(words), front)
			if ok != c.wantPlaced {
				t.Fatalf("placed %v (%d anchors), want %v", ok, n, c.wantPlaced)
			}
			if !ok {
				return
			}
			W, H := front.SizeMM[0], front.SizeMM[1]
			for i, p := range [][2]float64{{0, 0}, {W, 0}, {W, H}, {0, H}} {
				x := c.s*(p[0]*math.Cos(c.a)-p[1]*math.Sin(c.a)) + c.x0
				y := c.s*(p[0]*math.Sin(c.a)+p[1]*math.Cos(c.a)) + c.y0
				if d := math.Hypot(q[i].X-x, q[i].Y-y); d > tolerance*H*c.s {
					t.Errorf("corner %d at %.0f,%.0f, want %.0f,%.0f", i, q[i].X, q[i].Y, x, y)
				}
			}
		})
	}
}

// TestPageFromTextHeightsAsTheyStand: a straight page whose anchors are
// printed lower the further right they start (0.15 mm a millimetre: a
// layout of another hand, not the template's) fits turned; its long
// lines' boxes, less that turn, would make its capitals under 0.8 mm. As
// the boxes stand they are 2.5 mm, and the page is placed.
func TestPageFromTextHeightsAsTheyStand(t *testing.T) {
	front := kzFront(t)
	const s = 12.0
	words := wordsOfType(front, s, 0, 300, 200)
	for i, a := range front.Anchors {
		words[i].Box = words[i].Box.Add(image.Pt(0, int(0.15*a.Zone[0]*front.SizeMM[0]*s)))
	}
	if _, n, ok := pageFromText(vz.WordLines(words), front); !ok {
		t.Errorf("not placed (%d anchors)", n)
	}
}

// TestSideFoundByItsText: a card on a patterned cloth, glare joining
// its edge to the cloth, or in light that varies across cloth and card,
// so that neither its colour, its edges nor its hue outline it, and with
// no MRZ: its printed header and labels place the page, and it is
// recognised, not refused as "not found"; turned too, as a card lies
// askew on a desk.
func TestSideFoundByItsText(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Tesseract")
	}
	ev := newEvalEnv(t)
	ctx := context.Background()
	sides, _ := houseSides(t, ev, "kz-id-2014", 41)
	front := sides[typedb.Front]
	for _, c := range []struct {
		name string
		d    specimen.Degradation
	}{
		{"glare over its edge, on cloth", specimen.Degradation{Background: color.RGBA{123, 122, 178, 255}, Scale: 0.6, Rotate: 4, Glare: 0.95, GlareAt: [2]float64{0.8, 0.45}, GlareSize: 0.25, Desk: 1}},
		{"uneven light, on cloth of its hue", specimen.Degradation{Background: color.RGBA{180, 200, 215, 255}, Scale: 0.6, Rotate: 4, Light: 0.6, Desk: 1}},
		// Tesseract's page analysis finds no line in print turned this
		// far: the frame is read again turned level (textSkew)
		{"turned 15°, glare over its edge, on cloth", specimen.Degradation{Background: color.RGBA{123, 122, 178, 255}, Scale: 0.6, Rotate: -15, Glare: 0.95, GlareAt: [2]float64{0.8, 0.45}, GlareSize: 0.25, Desk: 1}},
		{"turned 22° the other way, on cloth of its hue", specimen.Degradation{Background: color.RGBA{180, 200, 215, 255}, Scale: 0.6, Rotate: 22, Light: 0.6, Desk: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := specimen.Degrade([]*image.RGBA{front.White}, c.d, 41)
			if err != nil {
				t.Fatal(err)
			}
			frame := p.Layers[0]
			if _, err := locate.Find(ctx, frame); !errors.Is(err, locate.ErrNoDocument) {
				t.Fatalf("the frame was outlined (%v): the case no longer tests placing by text", err)
			}
			id, err := ev.eng.Identify(ctx, frame, "kz")
			if err != nil {
				t.Fatal(err)
			}
			if id.Type == nil || id.Type.ID != front.TypeID || len(id.Corners) != 4 {
				t.Fatalf("identified as %+v, want type %d", id, front.TypeID)
			}
			// the page placed where the card lies, within 4 % of the
			// frame's height (another hand moves print by 3 %)
			for i, c := range p.Corners {
				if d := math.Hypot(float64(id.Corners[i].X)-c[0], float64(id.Corners[i].Y)-c[1]); d > 0.04*float64(frame.Rect.Dy()) {
					t.Errorf("corner %d at %v, want near %.0f", i, id.Corners[i], c)
				}
			}
		})
	}
}
