package specimen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docscan/docscan/typedb"
)

var (
	fontsOnce sync.Once
	fonts     *Fonts
	fontsErr  error
)

func newRenderer(t testing.TB) *Renderer {
	t.Helper()
	fontsOnce.Do(func() { fonts, fontsErr = DefaultFonts() })
	if errors.Is(fontsErr, os.ErrNotExist) {
		t.Skipf("fonts not installed (make test installs fonts-dejavu-core and fonts-ocr-b): %v", fontsErr)
	}
	if fontsErr != nil {
		t.Fatal(fontsErr)
	}
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(db, fonts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var today = time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)

// small renders at a lower resolution, to keep tests quick; layout and
// data do not depend on resolution.
const small = 10

func render(t testing.TB, r *Renderer, ref string, opt Options) *Specimen {
	t.Helper()
	if opt.Today.IsZero() {
		opt.Today = today
	}
	s, err := r.Render(context.Background(), ref, opt)
	if err != nil {
		t.Fatalf("Render(%s, %+v): %v", ref, opt, err)
	}
	return s
}

func TestDeterministicBySeed(t *testing.T) {
	r := newRenderer(t)
	a := render(t, r, "kz-id-2014", Options{Seed: 7, PxPerMM: small})
	b := render(t, r, "kz-id-2014", Options{Seed: 7, PxPerMM: small})
	c := render(t, r, "kz-id-2014", Options{Seed: 8, PxPerMM: small})
	ja, _ := json.Marshal(a.Truth)
	jb, _ := json.Marshal(b.Truth)
	jc, _ := json.Marshal(c.Truth)
	if !bytes.Equal(ja, jb) {
		t.Error("same seed, different truth")
	}
	if bytes.Equal(ja, jc) {
		t.Error("different seeds, same truth")
	}
	for i := range a.Sides {
		for l, pair := range [][2]*image.RGBA{{a.Sides[i].White, b.Sides[i].White}, {a.Sides[i].IR, b.Sides[i].IR}, {a.Sides[i].UV, b.Sides[i].UV}} {
			if !bytes.Equal(pair[0].Pix, pair[1].Pix) {
				t.Errorf("side %s layer %d differs with the same seed", a.Sides[i].Name, l)
			}
		}
		if bytes.Equal(a.Sides[i].White.Pix, c.Sides[i].White.Pix) {
			t.Errorf("side %s: different seeds, same white image", a.Sides[i].Name)
		}
	}
}

func TestSidesSizesAndTruth(t *testing.T) {
	r := newRenderer(t)
	tests := []struct {
		ref   string
		sides []typedb.SideName
		ids   []int64
		size  [2]int // at DefaultPxPerMM
	}{
		{"kz-id-2014", []typedb.SideName{"front", "back"}, []int64{-1040772594, -1040772430}, [2]int{2022, 1275}},
		{"-1040772430", []typedb.SideName{"front", "back"}, []int64{-1040772594, -1040772430}, [2]int{2022, 1275}},
		{"kz-id-current", []typedb.SideName{"front", "back"}, []int64{1900001001, 1900001002}, [2]int{2022, 1275}},
		{"kz-passport", []typedb.SideName{"front"}, []int64{1900001101}, [2]int{2953, 2079}},
		{"icao-td2", []typedb.SideName{"front"}, []int64{1900009003}, [2]int{2480, 1748}},
	}
	for _, tt := range tests {
		s := render(t, r, tt.ref, Options{Seed: 3})
		var names []typedb.SideName
		for i, sd := range s.Sides {
			names = append(names, sd.Name)
			if sd.TypeID != tt.ids[i] || s.Truth.Types[sd.Name] != tt.ids[i] {
				t.Errorf("%s %s: id %d / truth %d, want %d", tt.ref, sd.Name, sd.TypeID, s.Truth.Types[sd.Name], tt.ids[i])
			}
			for _, l := range []*image.RGBA{sd.White, sd.IR, sd.UV} {
				if got := [2]int{l.Rect.Dx(), l.Rect.Dy()}; got != tt.size {
					t.Errorf("%s %s: size %v, want %v", tt.ref, sd.Name, got, tt.size)
				}
			}
		}
		if !slices.Equal(names, tt.sides) {
			t.Errorf("%s: sides %v, want %v", tt.ref, names, tt.sides)
		}
	}
}

// TestPrintedFields checks every field of every side gets its value, the
// values are as the person says, and the Kazakh data is Cyrillic.
func TestPrintedFields(t *testing.T) {
	r := newRenderer(t)
	db, _ := typedb.Default()
	for _, doc := range db.Documents() {
		s := render(t, r, doc, Options{Seed: 11, PxPerMM: small})
		p := s.Truth.Person
		for _, sd := range s.Sides {
			typ, _ := db.ByID(sd.TypeID)
			printed := s.Truth.Printed[sd.Name]
			for _, f := range typ.Fields {
				v := printed[f.Name]
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s %s: field %s printed empty", doc, sd.Name, f.Name)
				}
				switch f.Name {
				case "date_of_birth":
					if v != p.DateOfBirth {
						t.Errorf("%s: date_of_birth %q vs %q", doc, v, p.DateOfBirth)
					}
				case "personal_number":
					if v != p.IIN {
						t.Errorf("%s: personal_number %q vs IIN %q", doc, v, p.IIN)
					}
				case "last_name":
					want := p.LastName
					if f.Script == typedb.ScriptLatin {
						want = typedb.TransliterateICAO(p.LastName)
					}
					if v != want {
						t.Errorf("%s: last_name %q, want %q", doc, v, want)
					}
				}
			}
		}
	}
}

func TestNamesCoverKazakhLetters(t *testing.T) {
	all := strings.Join(slices.Concat(kzMaleFirst, kzFemaleFirst, kzLast, kzFathers), "")
	for _, r := range "ӘҒҚҢӨҰҮҺІ" {
		if !strings.ContainsRune(all, r) {
			t.Errorf("no name has %c", r)
		}
	}
	// and drawn people use them
	seen := map[rune]bool{}
	for seed := range 200 {
		p, err := NewPerson(rand.New(rand.NewPCG(uint64(seed), 1)), today, false, NumberKZID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.LastName + p.FirstName + p.Patronymic {
			seen[r] = true
		}
	}
	for _, r := range "ӘҒҚҢӨҰҮҺІ" {
		if !seen[r] {
			t.Errorf("200 people, none with %c", r)
		}
	}
}

// checkMRZ verifies every check digit of printed lines independently of
// the renderer, with the ICAO 9303 positions.
func checkMRZ(t *testing.T, format typedb.MRZFormat, lines []string) (bad []string) {
	t.Helper()
	n, chars, _ := format.Shape()
	if len(lines) != n {
		t.Fatalf("%s: %d lines", format, len(lines))
	}
	for _, l := range lines {
		if len(l) != chars {
			t.Errorf("%s: line %q is %d long, want %d", format, l, len(l), chars)
		}
		for _, c := range l {
			if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '<') {
				t.Errorf("%s: %q has %q outside the MRZ alphabet", format, l, c)
			}
		}
	}
	type chk struct {
		name  string
		data  string
		digit byte
	}
	var cs []chk
	switch format {
	case typedb.MRZTD1:
		l1, l2 := lines[0], lines[1]
		cs = []chk{{"document_number", l1[5:14], l1[14]}, {"date_of_birth", l2[0:6], l2[6]}, {"date_of_expiry", l2[8:14], l2[14]},
			{"composite", l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29]}}
	case typedb.MRZTD2:
		l2 := lines[1]
		cs = []chk{{"document_number", l2[0:9], l2[9]}, {"date_of_birth", l2[13:19], l2[19]}, {"date_of_expiry", l2[21:27], l2[27]},
			{"composite", l2[0:10] + l2[13:20] + l2[21:35], l2[35]}}
	case typedb.MRZTD3:
		l2 := lines[1]
		cs = []chk{{"document_number", l2[0:9], l2[9]}, {"date_of_birth", l2[13:19], l2[19]}, {"date_of_expiry", l2[21:27], l2[27]},
			{"optional", l2[28:42], l2[42]}, {"composite", l2[0:10] + l2[13:20] + l2[21:43], l2[43]}}
	case typedb.MRZMRVA, typedb.MRZMRVB:
		l2 := lines[1]
		cs = []chk{{"document_number", l2[0:9], l2[9]}, {"date_of_birth", l2[13:19], l2[19]}, {"date_of_expiry", l2[21:27], l2[27]}}
	}
	for _, c := range cs {
		d, ok := typedb.MRZCheckDigit(c.data)
		if !ok || d != c.digit {
			bad = append(bad, c.name)
		}
	}
	return bad
}

func TestMRZCheckDigitsValid(t *testing.T) {
	r := newRenderer(t)
	for _, doc := range []string{"kz-id-2014", "kz-id-2023", "kz-passport", "icao-td1", "icao-td2", "icao-td3", "icao-mrva", "icao-mrvb"} {
		for seed := range int64(6) {
			s := render(t, r, doc, Options{Seed: seed, PxPerMM: small})
			m := s.Truth.MRZ
			if m == nil || !m.Valid {
				t.Fatalf("%s: no valid MRZ: %+v", doc, m)
			}
			if bad := checkMRZ(t, m.Format, m.Lines); len(bad) > 0 {
				t.Errorf("%s seed %d: check digits fail for %v in %q", doc, seed, bad, m.Lines)
			}
			p := s.Truth.Person
			joined := strings.Join(m.Lines, "\n")
			if !strings.Contains(joined, p.BirthDate.Format("060102")) || !strings.Contains(joined, p.ExpiryDate.Format("060102")) {
				t.Errorf("%s: MRZ lacks the dates: %q", doc, m.Lines)
			}
			if strings.HasPrefix(doc, "kz-id") {
				if !strings.HasPrefix(m.Lines[0], "IDKAZ"+p.DocumentNumber) || m.Lines[0][15:27] != p.IIN {
					t.Errorf("%s: line 1 %q lacks IDKAZ, the number %s or the IIN %s", doc, m.Lines[0], p.DocumentNumber, p.IIN)
				}
				surname := strings.SplitN(m.Lines[2], "<<", 2)[0]
				if surname != strings.ReplaceAll(typedb.TransliterateICAO(p.LastName), " ", "<") {
					t.Errorf("%s: MRZ surname %q for %q", doc, surname, p.LastName)
				}
			}
			if doc == "kz-passport" && m.Lines[1][28:40] != p.IIN {
				t.Errorf("passport: personal number %q, want IIN %s", m.Lines[1][28:42], p.IIN)
			}
		}
	}
}

func TestIINValid(t *testing.T) {
	r := newRenderer(t)
	for seed := range int64(30) {
		s := render(t, r, "kz-id-2014", Options{Seed: seed, PxPerMM: small})
		iin, err := typedb.ParseIIN(s.Truth.IIN)
		if err != nil {
			t.Fatalf("seed %d: IIN %s: %v", seed, s.Truth.IIN, err)
		}
		p := s.Truth.Person
		if !iin.BirthDate.Equal(p.BirthDate) || string(iin.Sex) != p.Sex || !s.Truth.IINValid {
			t.Errorf("seed %d: IIN %s (%v %c) disagrees with %s %s", seed, s.Truth.IIN, iin.BirthDate, iin.Sex, p.DateOfBirth, p.Sex)
		}
	}
}

// meanIn returns the mean of channel ch (0 R, 1 G, 2 B) inside r.
func meanIn(img *image.RGBA, r image.Rectangle, ch int) float64 {
	r = r.Intersect(img.Rect)
	sum, n := 0.0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			sum += float64(img.Pix[img.PixOffset(x, y)+ch])
			n++
		}
	}
	return sum / float64(n)
}

// medianLuma is the median brightness inside r.
func medianLuma(img *image.RGBA, r image.Rectangle) float64 {
	r = r.Intersect(img.Rect)
	var v []float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			o := img.PixOffset(x, y)
			v = append(v, luma(img.Pix[o], img.Pix[o+1], img.Pix[o+2]))
		}
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

// darkFraction is the share of pixels inside r darker than limit.
func darkFraction(img *image.RGBA, r image.Rectangle, limit uint8) float64 {
	r = r.Intersect(img.Rect)
	n, d := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			n++
			if img.Pix[img.PixOffset(x, y)] < limit {
				d++
			}
		}
	}
	return float64(d) / float64(n)
}

// stddevLuma measures how much r varies.
func stddevLuma(img *image.RGBA, r image.Rectangle) float64 {
	r = r.Intersect(img.Rect)
	var s, s2 float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			o := img.PixOffset(x, y)
			l := luma(img.Pix[o], img.Pix[o+1], img.Pix[o+2])
			s += l
			s2 += l * l
			n++
		}
	}
	m := s / float64(n)
	return sqrt(s2/float64(n) - m*m)
}

func sqrt(v float64) float64 {
	if v <= 0 {
		return 0
	}
	x := v
	for range 30 {
		x = (x + v/x) / 2
	}
	return x
}

// diffBox returns the bounding box of the pixels that differ.
func diffBox(a, b *image.RGBA) image.Rectangle {
	var box image.Rectangle
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			o := a.PixOffset(x, y)
			if !bytes.Equal(a.Pix[o:o+4], b.Pix[o:o+4]) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box
}

func zone(img *image.RGBA, r typedb.Rect) image.Rectangle {
	return r.Pixels(img.Rect.Dx(), img.Rect.Dy())
}

// TestVariantsBreakWhatTheyName renders each variant with the genuine
// one's seed and checks it differs from it exactly where it should.
func TestVariantsBreakWhatTheyName(t *testing.T) {
	r := newRenderer(t)
	db, _ := typedb.Default()
	front, _ := db.ByID(-1040772594)
	back, _ := db.ByID(-1040772430)
	const seed = 21
	g := render(t, r, "kz-id-2014", Options{Seed: seed, PxPerMM: small})
	gf, gb := g.Sides[0], g.Sides[1]
	emblem := front.UVFeatures[0].Zone
	// a UV background sample clear of the emblem, the photo and the text
	bg := typedb.Rect{0.02, 0.86, 0.30, 0.94}

	t.Run("genuine", func(t *testing.T) {
		if l := medianLuma(gf.UV, zone(gf.UV, bg)); l > 40 {
			t.Errorf("genuine UV background median %.0f, want dull (≤ 40)", l)
		}
		if gr := meanIn(gf.UV, zone(gf.UV, emblem), 1) - meanIn(gf.UV, zone(gf.UV, emblem), 0); gr < 25 {
			t.Errorf("genuine UV emblem zone: green excess %.0f, want a green glow", gr)
		}
		drop := zone(gf.IR, front.IRFeatures[0].Zone) // the colour-printed header
		if sd := stddevLuma(gf.IR, drop); sd > 2 {
			t.Errorf("genuine IR header stddev %.1f: colour print should vanish", sd)
		}
		if f := darkFraction(gb.IR, zone(gb.IR, *back.MRZZone), 100); f < 0.05 {
			t.Errorf("genuine IR MRZ dark fraction %.3f: the MRZ should stay black", f)
		}
		if g.Truth.Expired || !g.Truth.MRZ.Valid || !g.Truth.IINValid || len(g.Truth.Breaks) != 0 {
			t.Errorf("genuine truth: %+v", g.Truth)
		}
	})

	t.Run("photocopy", func(t *testing.T) {
		p := render(t, r, "kz-id-2014", Options{Seed: seed, PxPerMM: small, Variant: Photocopy})
		pf := p.Sides[0]
		gl, pl := medianLuma(gf.UV, zone(gf.UV, bg)), medianLuma(pf.UV, zone(pf.UV, bg))
		if pl < 120 || pl < 4*gl {
			t.Errorf("photocopy UV background median %.0f vs genuine %.0f: want it to glow", pl, gl)
		}
		if gr := meanIn(pf.UV, zone(pf.UV, emblem), 1) - meanIn(pf.UV, zone(pf.UV, emblem), 0); gr > 15 {
			t.Errorf("photocopy UV emblem zone green excess %.0f: want no emblem", gr)
		}
		drop := zone(pf.IR, front.IRFeatures[0].Zone)
		if sd := stddevLuma(pf.IR, drop); sd < 10 {
			t.Errorf("photocopy IR header stddev %.1f: toner should show the colour print", sd)
		}
		for i := range p.Sides {
			if !bytes.Equal(p.Sides[i].White.Pix, g.Sides[i].White.Pix) {
				t.Errorf("photocopy changed the white image of the %s", p.Sides[i].Name)
			}
		}
		if !slices.Equal(p.Truth.MRZ.Lines, g.Truth.MRZ.Lines) || p.Truth.IIN != g.Truth.IIN {
			t.Error("photocopy changed the data")
		}
	})

	t.Run("ir-dead-mrz", func(t *testing.T) {
		d := render(t, r, "kz-id-2014", Options{Seed: seed, PxPerMM: small, Variant: IRDeadMRZ})
		db := d.Sides[1]
		mz := zone(db.IR, *back.MRZZone)
		if f := darkFraction(db.IR, mz, 100); f > 0.001 {
			t.Errorf("dead MRZ dark fraction under IR %.4f, want none", f)
		}
		if box := diffBox(gb.IR, db.IR); !box.In(mz) {
			t.Errorf("IR differs at %v, outside the MRZ zone %v", box, mz)
		}
		if !bytes.Equal(db.White.Pix, gb.White.Pix) || !bytes.Equal(db.UV.Pix, gb.UV.Pix) {
			t.Error("ir-dead-mrz changed the white or UV image")
		}
		if !bytes.Equal(d.Sides[0].IR.Pix, gf.IR.Pix) {
			t.Error("ir-dead-mrz changed the front's IR")
		}
	})

	t.Run("tampered-mrz", func(t *testing.T) {
		d := render(t, r, "kz-id-2014", Options{Seed: seed, PxPerMM: small, Variant: TamperedMRZ})
		m := d.Truth.MRZ
		if m.Valid || m.Tampered == nil {
			t.Fatalf("truth: %+v", m)
		}
		diffs := 0
		for i := range m.Lines {
			for j := range m.Lines[i] {
				if m.Lines[i][j] != g.Truth.MRZ.Lines[i][j] {
					diffs++
					if i != m.Tampered.Line || j != m.Tampered.Col {
						t.Errorf("changed line %d col %d, truth says %d,%d", i, j, m.Tampered.Line, m.Tampered.Col)
					}
				}
			}
		}
		if diffs != 1 {
			t.Errorf("%d characters changed, want 1", diffs)
		}
		bad := checkMRZ(t, m.Format, m.Lines)
		if !slices.Contains(bad, m.Tampered.Field) || !slices.Contains(bad, "composite") {
			t.Errorf("failing checks %v, want %s and composite", bad, m.Tampered.Field)
		}
		db := d.Sides[1]
		if box := diffBox(gb.White, db.White); !box.In(zone(db.White, *back.MRZZone)) || box.Empty() {
			t.Errorf("white differs at %v, want inside the MRZ zone only", box)
		}
		if d.Truth.Printed["back"]["document_number"] != g.Truth.Printed["back"]["document_number"] {
			t.Error("the visual zone changed too")
		}
	})

	t.Run("expired", func(t *testing.T) {
		d := render(t, r, "kz-id-2014", Options{Seed: seed, PxPerMM: small, Variant: Expired})
		p := d.Truth.Person
		if !d.Truth.Expired || !p.ExpiryDate.Before(today) {
			t.Errorf("expiry %s is not before %s", p.DateOfExpiry, Date(today))
		}
		if !p.ExpiryDate.Equal(p.IssueDate.AddDate(10, 0, -1)) {
			t.Errorf("validity %s–%s is not 10 years", p.DateOfIssue, p.DateOfExpiry)
		}
		if !d.Truth.MRZ.Valid || len(checkMRZ(t, d.Truth.MRZ.Format, d.Truth.MRZ.Lines)) > 0 {
			t.Error("expired specimen has a broken MRZ")
		}
		if d.Truth.MRZ.Lines[1][8:14] != p.ExpiryDate.Format("060102") || d.Truth.Printed["back"]["date_of_expiry"] != p.DateOfExpiry {
			t.Error("expiry not the same in MRZ and visual zone")
		}
		if p.LastName != g.Truth.Person.LastName || p.IIN != g.Truth.Person.IIN {
			t.Error("expired changed the holder")
		}
		if g.Truth.Person.ExpiryDate.Before(today) {
			t.Error("the genuine one is expired")
		}
	})

	t.Run("iin-mismatch", func(t *testing.T) {
		d := render(t, r, "kz-id-2014", Options{Seed: seed, PxPerMM: small, Variant: IINMismatch})
		p := d.Truth.Person
		iin, err := typedb.ParseIIN(d.Truth.IIN)
		if err != nil {
			t.Fatalf("mismatched IIN must still have a valid check digit: %v", err)
		}
		switch d.Truth.IINMismatch {
		case "birth_date":
			if iin.BirthDate.Equal(p.BirthDate) {
				t.Error("birth dates agree")
			}
		case "sex":
			if string(iin.Sex) == p.Sex {
				t.Error("sexes agree")
			}
		default:
			t.Errorf("mismatch %q", d.Truth.IINMismatch)
		}
		if d.Truth.IINValid {
			t.Error("truth says consistent")
		}
		if p.DateOfBirth != g.Truth.Person.DateOfBirth || d.Truth.Printed["front"]["personal_number"] != d.Truth.IIN {
			t.Error("the document's own data changed, or the IIN is not printed")
		}
		if !d.Truth.MRZ.Valid || len(checkMRZ(t, d.Truth.MRZ.Format, d.Truth.MRZ.Lines)) > 0 {
			t.Error("iin-mismatch broke the MRZ check digits")
		}
		df := d.Sides[0]
		iinZone := zone(df.White, front.Fields[4].Zone)
		if box := diffBox(gf.White, df.White); !box.In(iinZone) {
			t.Errorf("front differs at %v, outside the IIN zone %v", box, iinZone)
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, c := range []struct {
			ref string
			v   Variant
		}{{"icao-td2", IINMismatch}, {"no-such", Genuine}, {"kz-id-2014", "forged"}} {
			if _, err := r.Render(context.Background(), c.ref, Options{Variant: c.v, PxPerMM: small}); err == nil {
				t.Errorf("%s %s accepted", c.ref, c.v)
			}
		}
		// the front alone has no MRZ to break
		if _, err := r.Render(context.Background(), "kz-id-2014-front", Options{Variant: TamperedMRZ, PxPerMM: small}); err == nil {
			t.Error("tampered-mrz of a side without an MRZ accepted")
		}
	})
}

// TestMRZGlyphsDrawn checks every MRZ character cell has ink: a glyph the
// font reader cannot draw would leave a gap.
func TestMRZGlyphsDrawn(t *testing.T) {
	r := newRenderer(t)
	db, _ := typedb.Default()
	for _, doc := range []string{"kz-id-2014", "kz-passport"} {
		s := render(t, r, doc, Options{Seed: 5})
		m := s.Truth.MRZ
		var side Side
		for _, sd := range s.Sides {
			if sd.Name == m.Side {
				side = sd
			}
		}
		typ, _ := db.ByID(side.TypeID)
		box := zone(side.IR, *typ.MRZZone)
		n, chars, _ := m.Format.Shape()
		pw, lh := float64(box.Dx())/float64(chars), float64(box.Dy())/float64(n)
		for i, l := range m.Lines {
			for j := range l {
				cell := image.Rect(box.Min.X+int(float64(j)*pw), box.Min.Y+int(float64(i)*lh), box.Min.X+int(float64(j+1)*pw), box.Min.Y+int(float64(i+1)*lh))
				if f := darkFraction(side.IR, cell, 100); f < 0.02 {
					t.Errorf("%s line %d char %d %q: cell nearly blank (%.3f)", doc, i, j, l[j], f)
				}
			}
		}
	}
}

func TestWriteDir(t *testing.T) {
	r := newRenderer(t)
	s := render(t, r, "kz-id-2014", Options{Seed: 1, PxPerMM: small, Variant: TamperedMRZ})
	dir := t.TempDir()
	if err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, side := range []string{"front", "back"} {
		for _, l := range []string{"white.png", "ir.png", "uv.png"} {
			f, err := os.Open(filepath.Join(dir, side, l))
			if err != nil {
				t.Fatal(err)
			}
			cfg, format, err := image.DecodeConfig(f)
			f.Close()
			if err != nil || format != "png" || cfg.Width != s.Truth.Sizes[typedb.SideName(side)][0] {
				t.Errorf("%s/%s: %v %s %+v", side, l, err, format, cfg)
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Truth
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Types["front"] != -1040772594 || back.Variant != TamperedMRZ || back.MRZ.Tampered == nil || back.IIN != s.Truth.IIN {
		t.Errorf("truth round trip: %+v", back)
	}
	if !bytes.Contains(data, []byte(`"`+s.Truth.MRZ.Lines[2]+`"`)) {
		t.Error("truth.json escapes the MRZ's '<'")
	}
}

func TestParseVariant(t *testing.T) {
	for _, v := range Variants {
		if got, err := ParseVariant(string(v)); err != nil || got != v {
			t.Errorf("ParseVariant(%s) = %v, %v", v, got, err)
		}
	}
	if v, err := ParseVariant(""); err != nil || v != Genuine {
		t.Errorf("empty: %v %v", v, err)
	}
	if _, err := ParseVariant("fake"); err == nil {
		t.Error("fake accepted")
	}
}

func TestGivenPerson(t *testing.T) {
	r := newRenderer(t)
	p := Person{LastName: "ТЕСТОВ", FirstName: "ТЕСТ", Patronymic: "ТЕСТОВИЧ", Sex: "M",
		BirthDate: time.Date(1996, 10, 1, 0, 0, 0, 0, time.UTC), IssueDate: time.Date(2022, 7, 2, 0, 0, 0, 0, time.UTC),
		ExpiryDate: time.Date(2032, 7, 1, 0, 0, 0, 0, time.UTC), DocumentNumber: "012345678",
		Authority: "ҚР ІІМ", AuthorityLatin: "MIA", PlaceOfBirth: "АЛМАТЫ", PlaceLatin: "ALMATY", Nationality: "ҚАЗАҚ"}
	// 0·7+1·3+2·1+3·7+4·3+5·1+6·7+7·3+8·1 = 114: check digit 4
	iin, _ := typedb.MakeIIN(p.BirthDate, 'M', 1234)
	p.IIN = iin
	s := render(t, r, "kz-id-2014", Options{Person: &p, PxPerMM: small})
	if got := s.Truth.Printed["front"]["last_name"]; got != "ТЕСТОВ" {
		t.Errorf("last_name %q", got)
	}
	if s.Truth.MRZ.Lines[2] != "TESTOV<<TEST<<<<<<<<<<<<<<<<<<" {
		t.Errorf("line 3 %q", s.Truth.MRZ.Lines[2])
	}
	if s.Truth.MRZ.Lines[0] != "IDKAZ0123456784"+iin+"<<<" {
		t.Errorf("line 1 %q", s.Truth.MRZ.Lines[0])
	}
}

// TestConcurrentRender renders from several goroutines with one renderer
// (run with -race to check the shared fonts and database).
func TestConcurrentRender(t *testing.T) {
	r := newRenderer(t)
	want := render(t, r, "kz-passport", Options{Seed: 4, PxPerMM: 4})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := r.Render(context.Background(), "kz-passport", Options{Seed: 4, PxPerMM: 4, Today: today})
			if err == nil && !bytes.Equal(s.Sides[0].White.Pix, want.Sides[0].White.Pix) {
				err = errors.New("concurrent render differs")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
