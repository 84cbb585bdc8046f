package checks

import (
	"image"
	"image/color"
	"image/draw"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/typedb"
)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestDateLogic(t *testing.T) {
	now := day(2025, 6, 15)
	for _, tc := range []struct {
		name string
		d    Dates
		want Status
	}{
		{"valid", Dates{day(1990, 1, 2), day(2020, 1, 1), day(2029, 12, 31)}, OK},
		{"expires today is still valid", Dates{day(1990, 1, 2), day(2015, 6, 16), day(2025, 6, 15)}, OK},
		{"expired", Dates{day(1990, 1, 2), day(2014, 1, 1), day(2023, 12, 31)}, Failed},
		{"born in the future", Dates{Birth: day(2030, 1, 1)}, Failed},
		{"no expiry, the other dates hold", Dates{Birth: day(1990, 1, 2), Issue: day(2020, 1, 1)}, NotDone},
		{"issued before birth", Dates{day(1990, 1, 2), day(1989, 1, 1), day(2029, 1, 1)}, Failed},
		{"expires before issue", Dates{Issue: day(2020, 1, 1), Expiry: day(2019, 1, 1)}, Failed},
		{"nothing read", Dates{}, NotDone},
	} {
		if got := DateLogic(tc.d, now); got.Status != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, got.Status, got.Reason, tc.want)
		}
	}
}

func TestIIN(t *testing.T) {
	birth := day(1976, 3, 12)
	good, err := typedb.MakeIIN(birth, 'F', 4859)
	if err != nil {
		t.Fatal(err)
	}
	bad := good[:11] + string('0'+(good[11]-'0'+1)%10)
	for _, tc := range []struct {
		name, iin, sex string
		birth          time.Time
		want           Status
	}{
		{"consistent", good, "F", birth, OK},
		{"sex unknown", good, "", birth, OK},
		{"wrong check digit", bad, "F", birth, Failed},
		{"other sex", good, "M", birth, Failed},
		{"other birth date", good, "F", birth.AddDate(0, 0, 1), Failed},
		{"not read", "", "F", birth, NotDone},
		{"not digits", "76031248591X", "F", birth, Failed},
	} {
		if got := IIN(tc.iin, tc.birth, tc.sex); got.Status != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, got.Status, got.Reason, tc.want)
		}
	}
}

func TestMRZDigitsAndAgreement(t *testing.T) {
	lines := []string{"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"}
	doc, err := mrz.ParseAt(lines, day(2010, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if o := MRZDigits(doc, typedb.Back); o.Status != OK {
		t.Errorf("ICAO specimen: %s %s", o.Status, o.Reason)
	}
	tampered := append([]string(nil), lines...)
	tampered[1] = "7408122F1204169UTO<<<<<<<<<<<6" // expiry changed, its check digit kept
	doc2, err := mrz.ParseAt(tampered, day(2010, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if o := MRZDigits(doc2, typedb.Back); o.Status != Failed || o.Bit != typedb.AuthExtendedMRZ {
		t.Errorf("tampered: %s bit %v", o.Status, o.Bit)
	}
	if o := MRZDigits(nil, typedb.Back); o.Status != NotDone {
		t.Errorf("no MRZ: %s", o.Status)
	}
	if o := Agreement([]Comparison{{"last_name", true}, {"date_of_birth", false}}); o.Status != Failed || o.Measured != 1 || o.Threshold != 2 {
		t.Errorf("agreement: %+v", o)
	}
	if o := Agreement(nil); o.Status != NotDone {
		t.Errorf("nothing compared: %s", o.Status)
	}
}

// side builds a type with one UV emblem, an MRZ, an IR dropout and an IR
// visible zone, and white/IR/UV layers painted as a genuine card or a
// photocopy shows them.
func side(copy bool) Layers {
	typ := &typedb.Type{Side: typedb.Back, MRZZone: &typedb.Rect{0.05, 0.7, 0.95, 0.95},
		UVFeatures: []typedb.Feature{{Name: "emblem", Kind: "emblem", Zone: typedb.Rect{0.6, 0.1, 0.9, 0.5}}},
		IRFeatures: []typedb.Feature{{Name: "mrz", Kind: "mrz", Zone: typedb.Rect{0.05, 0.7, 0.95, 0.95}},
			{Name: "rosette", Kind: "ir_dropout", Zone: typedb.Rect{0.6, 0.1, 0.9, 0.5}},
			{Name: "number", Kind: "ir_visible", Zone: typedb.Rect{0.05, 0.05, 0.5, 0.15}}}}
	const w, h = 400, 250
	white := image.NewRGBA(image.Rect(0, 0, w, h))
	ir := image.NewRGBA(white.Rect)
	uv := image.NewRGBA(white.Rect)
	draw.Draw(white, white.Rect, &image.Uniform{color.RGBA{230, 238, 240, 255}}, image.Point{}, draw.Src)
	draw.Draw(ir, ir.Rect, &image.Uniform{color.RGBA{212, 212, 212, 255}}, image.Point{}, draw.Src)
	uvPaper := color.RGBA{20, 16, 38, 255}
	if copy {
		uvPaper = color.RGBA{160, 168, 220, 255}
	}
	draw.Draw(uv, uv.Rect, &image.Uniform{uvPaper}, image.Point{}, draw.Src)
	stripes := func(img *image.RGBA, r typedb.Rect, c color.RGBA) {
		b := r.Pixels(w, h)
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if (x/3+y/5)%2 == 0 {
					img.Set(x, y, c)
				}
			}
		}
	}
	black := color.RGBA{20, 20, 26, 255}
	stripes(white, typ.IRFeatures[0].Zone, black) // MRZ
	stripes(ir, typ.IRFeatures[0].Zone, color.RGBA{34, 34, 34, 255})
	stripes(white, typ.IRFeatures[2].Zone, black) // number
	stripes(ir, typ.IRFeatures[2].Zone, color.RGBA{34, 34, 34, 255})
	stripes(white, typ.IRFeatures[1].Zone, color.RGBA{150, 200, 218, 255}) // rosette
	if copy {
		stripes(ir, typ.IRFeatures[1].Zone, color.RGBA{140, 140, 140, 255})
	} else {
		stripes(uv, typ.UVFeatures[0].Zone, color.RGBA{120, 236, 150, 255})
	}
	return Layers{Type: typ, White: white, IR: ir, UV: uv}
}

func TestImageChecks(t *testing.T) {
	genuine, copy := side(false), side(true)
	for _, tc := range []struct {
		name  string
		check func(Layers) Outcome
		copy  Status
	}{
		{NameUVLuminescence, UVLuminescence, Failed},
		{NameImagePattern, ImagePattern, Failed},
		{NameIRVisibility, IRVisibility, Failed},
		{NameIRB900, IRB900, OK},
	} {
		if o := tc.check(genuine); o.Status != OK {
			t.Errorf("%s on a genuine side: %s (%s, measured %v)", tc.name, o.Status, o.Reason, o.Measured)
		}
		if o := tc.check(copy); o.Status != tc.copy {
			t.Errorf("%s on a copy: %s, want %s (measured %v)", tc.name, o.Status, tc.copy, o.Measured)
		}
		photo := genuine
		photo.IR, photo.UV = nil, nil
		if o := tc.check(photo); o.Status != NotDone || o.Reason != ReasonNoLight {
			t.Errorf("%s on a photo: %s %q, want not done: light not captured", tc.name, o.Status, o.Reason)
		}
	}
	// the MRZ printed in ink that vanishes under IR
	dead := side(false)
	draw.Draw(dead.IR, dead.IR.Rect, &image.Uniform{color.RGBA{212, 212, 212, 255}}, image.Point{}, draw.Src)
	if o := IRB900(dead); o.Status != Failed {
		t.Errorf("IR-dead MRZ: %s (measured %v)", o.Status, o.Measured)
	}
	// photo area: blank paper where the portrait belongs
	blank := genuine
	blank.Type = &typedb.Type{Side: typedb.Front, FaceZone: &typedb.Rect{0.1, 0.1, 0.3, 0.6}}
	if o := PhotoArea(blank); o.Status != Failed {
		t.Errorf("blank portrait: %s (measured %v)", o.Status, o.Measured)
	}
}

// TestIRVisibleWhereTheValueWasFound prints the side's number 30 % of
// the side's height below its zone, over colour print that vanishes
// under IR, as a card printed off the type's layout shows it: measured
// at the type's zone its ink seems to vanish (a false alarm); measured
// where the visual zone found the value, it holds. Ink that does vanish
// there still fails.
func TestIRVisibleWhereTheValueWasFound(t *testing.T) {
	shifted := func(inkStays bool) Layers {
		l := side(false)
		const w, h = 400, 250
		zone := l.Type.IRFeatures[2].Zone
		l.Type.IRFeatures[2].Field = "document_number"
		paper := color.RGBA{230, 238, 240, 255}
		draw.Draw(l.White, zone.Pixels(w, h), &image.Uniform{paper}, image.Point{}, draw.Src)
		draw.Draw(l.IR, zone.Pixels(w, h), &image.Uniform{color.RGBA{212, 212, 212, 255}}, image.Point{}, draw.Src)
		found := typedb.Rect{zone[0], zone[1] + 0.3, zone[2], zone[3] + 0.3}
		for y := zone.Pixels(w, h).Min.Y; y < zone.Pixels(w, h).Max.Y; y++ {
			for x := zone.Pixels(w, h).Min.X; x < zone.Pixels(w, h).Max.X; x++ {
				if (x/4+y/2)%3 == 0 { // colour print under the zone
					l.White.Set(x, y, color.RGBA{160, 190, 215, 255})
				}
			}
		}
		r := found.Pixels(w, h)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if (x/3+y/5)%2 == 0 {
					l.White.Set(x, y, color.RGBA{20, 20, 26, 255})
					if inkStays {
						l.IR.Set(x, y, color.RGBA{34, 34, 34, 255})
					}
				}
			}
		}
		l.Fields = map[string]typedb.Rect{"document_number": found}
		return l
	}
	for _, tc := range []struct {
		name     string
		l        Layers
		noFields bool
		want     Status
	}{
		{"measured at the type's zone", shifted(true), true, Failed},
		{"measured where the value was found", shifted(true), false, OK},
		{"ink that vanishes where the value was found", shifted(false), false, Failed},
	} {
		if tc.noFields {
			tc.l.Fields = nil
		}
		if o := IRVisibility(tc.l); o.Status != tc.want {
			t.Errorf("%s: %s (%s, measured %v), want %s", tc.name, o.Status, o.Reason, o.Measured, tc.want)
		}
	}
}
