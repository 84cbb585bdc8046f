package pipeline

import (
	"context"
	"image"
	"image/draw"
	"os"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/docscan/docscan/pipeline/identify"
	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/pipeline/vz"
	"github.com/docscan/docscan/typedb"
)

// TestNamesLocatedByTheMRZ: on a generic page whose captions are not
// read (none is printed here), the names are found where the page prints
// them as the MRZ, read on either side, spells them, and answered in the
// page's spelling with no comparison made of them. A page printing
// another name is not given the MRZ's. Nor is a name read surely under
// its caption, a forged page's, unless it is the MRZ's other name, a cut
// of the wrong line, or the page prints the MRZ's name too, its marks
// lost at most: a forger does not leave the name he replaced, so the cut
// took another line. (The page here prints no marks:
// Tesseract's layout analysis drops "ŽUPANČIČ" from such a sparse page
// altogether, in DejaVu Sans at 28 px and in bold.)
func TestNamesLocatedByTheMRZ(t *testing.T) {
	ev := newEvalEnv(t)
	data, err := os.ReadFile("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
	if err != nil {
		t.Skip("font not installed:", err)
	}
	fnt, err := opentype.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(fnt, &opentype.FaceOptions{Size: 40, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	typ := ev.db.Generic(typedb.MRZFormat("TD3"))[0]
	const slovene, swede = "P<SVNZUPANCIC<<STEFAN<<<<<<<<<<<<<<<<<<<<<<<", "P<SWELJUNGSTROEM<<BJOERN<AAKE<<<<<<<<<<<<<<<"
	for _, tc := range []struct {
		line1, printed string
		// underCaption, when set, is what the cut under the surname's
		// caption read, surely
		underCaption string
		want         string
		located      bool
	}{
		{slovene, "ZUPANCIC", "", "ZUPANCIC", true},
		{slovene, "NOVAK", "", "ZUPANCIC", false},
		// the cut took the given names' line: the MRZ's other name
		{slovene, "ZUPANCIC", "STEFAN", "ZUPANCIC", true},
		// a name of its own, read surely where the page prints no
		// other, is what a forged page shows
		{slovene, "NOVAK", "NOVAK", "NOVAK", false},
		// the cut took another line (a nationality) where the page
		// prints the MRZ's name: located, with no comparison
		{slovene, "ZUPANCIC", "SLOVENSKO", "ZUPANCIC", true},
		// printed without the marks the MRZ writes long (LJUNGSTRÖM):
		// no evidence either way, so the MRZ's value
		{swede, "LJUNGSTROM", "SVENSK", "LJUNGSTROEM", true},
	} {
		m := parsedMRZ(t, mrz.StatusValid, tc.line1, "L898902C36SVN7408122F1204159ZE184226B<<<<<10")
		t.Run(tc.printed+"/"+tc.underCaption, func(t *testing.T) {
			page := image.NewRGBA(image.Rect(0, 0, 1500, 1056))
			draw.Draw(page, page.Rect, image.White, image.Point{}, draw.Src)
			for _, l := range []struct {
				text string
				x, y int
			}{{"REPUBLIKA SLOVENIJA", 100, 150}, {tc.printed, 620, 560}, {"12.08.1974", 620, 700}} {
				d := font.Drawer{Dst: page, Src: image.Black, Face: face, Dot: fixed.P(l.x, l.y)}
				d.DrawString(l.text)
			}
			s := &side{name: typedb.Front, white: page, best: &identify.Candidate{Type: typ, P: 0.9}, readings: map[string]fieldReading{}}
			s.layers.white = page
			if s.hm, err = imgutil.QuadToRect(imgutil.Quad{{X: 0, Y: 0}, {X: 1500, Y: 0}, {X: 1500, Y: 1056}, {X: 0, Y: 1056}}, 1500, 1056); err != nil {
				t.Fatal(err)
			}
			for _, rd := range vz.ReadFields(context.Background(), ev.pool, []vz.Side{{Image: page, Type: typ}}, map[string]bool{FieldLastName: true})[0] {
				f, _ := vz.GenericField(rd.Name)
				if tc.underCaption != "" {
					rd.Value, rd.Err, rd.Confidence, rd.Anchored, rd.Captioned = tc.underCaption, nil, 90, true, true
				}
				s.readings[rd.Name] = fieldReading{Reading: rd, field: f, side: s}
			}
			checkLocated(t, ev, s, m, tc.want, tc.located)
		})
	}

	// printed with its mark and read by the caption pass with a letter
	// more and the Ö plain, "LJIUNGSTROM" (two edits from the MRZ's
	// LJUNGSTROEM): found one edit from the MRZ's name with its Ö read
	// plain, and read with its mark by the Latin-script model
	m := parsedMRZ(t, mrz.StatusValid, swede, "L898902C36SWE7408122F1204159ZE184226B<<<<<10")
	page := image.NewRGBA(image.Rect(0, 0, 1500, 1056))
	draw.Draw(page, page.Rect, image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: page, Src: image.Black, Face: face, Dot: fixed.P(620, 560)}
	d.DrawString("LJUNGSTRÖM")
	s := &side{name: typedb.Front, white: page, best: &identify.Candidate{Type: typ, P: 0.9}, readings: map[string]fieldReading{}}
	s.layers.white = page
	if s.hm, err = imgutil.QuadToRect(imgutil.Quad{{X: 0, Y: 0}, {X: 1500, Y: 0}, {X: 1500, Y: 1056}, {X: 0, Y: 1056}}, 1500, 1056); err != nil {
		t.Fatal(err)
	}
	f, _ := vz.GenericField(FieldLastName)
	words := []ocr.Word{{Text: "LJIUNGSTROM", Box: image.Rect(615, 520, 900, 570), Confidence: 62}}
	s.readings[FieldLastName] = fieldReading{Reading: vz.Reading{Name: FieldLastName, Err: vz.ErrEmpty, PageWords: words}, field: f, side: s}
	checkLocated(t, ev, s, m, "LJUNGSTRÖM", true)

	// found where the page prints the MRZ's name, its cut read without
	// the mark (here none is printed) that the field's own cut read: the
	// name keeps that reading's mark
	m = parsedMRZ(t, mrz.StatusValid, "P<LTUKAZLAUSKIENE<<RUTA<<<<<<<<<<<<<<<<<<<<<", "L898902C36LTU7408122F1204159ZE184226B<<<<<10")
	page = image.NewRGBA(image.Rect(0, 0, 1500, 1056))
	draw.Draw(page, page.Rect, image.White, image.Point{}, draw.Src)
	d = font.Drawer{Dst: page, Src: image.Black, Face: face, Dot: fixed.P(620, 560)}
	d.DrawString("KAZLAUSKIENE")
	s = &side{name: typedb.Front, white: page, best: &identify.Candidate{Type: typ, P: 0.9}, readings: map[string]fieldReading{}}
	s.layers.white = page
	if s.hm, err = imgutil.QuadToRect(imgutil.Quad{{X: 0, Y: 0}, {X: 1500, Y: 0}, {X: 1500, Y: 1056}, {X: 0, Y: 1056}}, 1500, 1056); err != nil {
		t.Fatal(err)
	}
	words = []ocr.Word{{Text: "KAZLAUSKIENE", Box: image.Rect(615, 520, 950, 570), Confidence: 62}}
	own := vz.Reading{Name: FieldLastName, Value: "KAZLAUSKIENĖ", Confidence: 19, PageWords: words}
	s.readings[FieldLastName] = fieldReading{Reading: own, field: f, side: s}
	checkLocated(t, ev, s, m, "KAZLAUSKIENĖ", true)
}

// checkLocated merges side s's readings with MRZ m and checks the last
// name's answer, whether it was located by the MRZ, and that a located
// name is not compared.
func checkLocated(t *testing.T, ev *evalEnv, s *side, m *mrz.Result, want string, located bool) {
	t.Helper()
	res := &Result{Fields: map[string]FieldReport{}}
	cmp := (&Engine{ocr: ev.pool}).mergeFields(context.Background(), res, []*side{s}, m, nil)
	if res.LastName != want || s.readings[FieldLastName].Located != located {
		t.Errorf("last name %q (located %v), want %q (%v)", res.LastName, s.readings[FieldLastName].Located, want, located)
	}
	for _, c := range cmp {
		if c.Field == FieldLastName && located {
			t.Errorf("a located name compared: %+v", c)
		}
	}
}

// TestMarkedReadingSpellsTheMRZ: where the English model misread a marked
// letter of a generic side's name and the Latin-script model, reading the
// same cut, read the name as the MRZ spells it, the name is the Latin
// reading and agrees; a Latin reading of another name, or none, leaves
// the English one to the rules for a misread marked letter.
func TestMarkedReadingSpellsTheMRZ(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	typ := db.Generic(typedb.MRZFormat("TD3"))[0]
	line1 := "P<LTUKAZLAUSKIENE<<RUTA<<<<<<<<<<<<<<<<<<<<<"
	const line2 = "L898902C36LTU7408122F1204159ZE184226B<<<<<10"
	for _, tc := range []struct {
		visual, marked string
		want           string // the answer
		compared       bool   // and whether it was compared (and agreed)
	}{
		{"ROTA", "RŪTA", "RŪTA", true},
		{"ROTA", "", "RUTA", false},     // a misread marked letter: no evidence
		{"ROTA", "RŪTE", "RUTA", false}, // the Latin reading is another name
		{"RUTA", "RŪTA", "RŪTA", true},  // its marks added as before
	} {
		t.Run(tc.visual+"/"+tc.marked, func(t *testing.T) {
			m := parsedMRZ(t, mrz.StatusValid, line1, line2)
			s := &side{name: typedb.Front, best: &identify.Candidate{Type: typ, P: 0.9}, readings: map[string]fieldReading{}}
			f, _ := vz.GenericField(FieldFirstName)
			value := tc.visual
			if tc.marked != "" && typedb.LatinLetters(typedb.TransliterateICAO(tc.marked)) == tc.visual {
				value = tc.marked // RestoreMarks took the marks
			}
			s.readings[FieldFirstName] = fieldReading{Reading: vz.Reading{Name: FieldFirstName, Raw: tc.visual, Value: value, Marked: tc.marked,
				Confidence: 87, Anchored: true, Captioned: true}, field: f, side: s}
			res := &Result{Fields: map[string]FieldReport{}}
			cmp := (&Engine{}).mergeFields(context.Background(), res, []*side{s}, m, nil)
			compared, agreed := false, false
			for _, c := range cmp {
				if c.Field == FieldFirstName {
					compared, agreed = true, c.Agree
				}
			}
			if res.FirstName != tc.want || compared != tc.compared || (compared && !agreed) {
				t.Errorf("first name %q (compared %v, agreed %v), want %q (compared %v)", res.FirstName, compared, agreed, tc.want, tc.compared)
			}
		})
	}
}

// TestNationalSpellingsAfterTheMRZ: a generic side read before the MRZ
// named its states (a TD1 card's front, the MRZ on its back) answers its
// names with only the marks their languages write.
func TestNationalSpellingsAfterTheMRZ(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	typ := db.Generic(typedb.MRZFormat("TD3"))[0]
	for _, tc := range []struct {
		state, line1, read, want string
	}{
		{"BIH", "P<BIHDURDEVIC<<NIKOLA<<<<<<<<<<<<<<<<<<<<<<<", "ÐURÐEVIĆ", "ĐURĐEVIĆ"},
		{"ISL", "P<ISLGUDRUNARDOTTIR<<ANNA<<<<<<<<<<<<<<<<<<<", "GUĐRÚNARDÓTTIR", "GUÐRÚNARDÓTTIR"},
	} {
		m := parsedMRZ(t, mrz.StatusValid, tc.line1, "L898902C36"+tc.state+"7408122F1204159ZE184226B<<<<<10")
		s := &side{name: typedb.Front, best: &identify.Candidate{Type: typ, P: 0.9}, readings: map[string]fieldReading{}}
		f, _ := vz.GenericField(FieldLastName)
		s.readings[FieldLastName] = fieldReading{Reading: vz.Reading{Name: FieldLastName, Raw: tc.read, Value: tc.read,
			Confidence: 90, Anchored: true, Captioned: true}, field: f, side: s}
		res := &Result{Fields: map[string]FieldReport{}}
		(&Engine{}).mergeFields(context.Background(), res, []*side{s}, m, nil)
		if res.LastName != tc.want {
			t.Errorf("%s: last name %q, want %q", tc.state, res.LastName, tc.want)
		}
	}
}
