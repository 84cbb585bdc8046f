package vz

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// TestMatchCaptions: a caption is found by any of its languages, as one
// word or several, with a field number before it and the pair beside it;
// a short caption must read exactly, and one run stands for one field.
func TestMatchCaptions(t *testing.T) {
	w := func(s string, x0, y0, x1, line int) ocr.Word {
		return ocr.Word{Text: s, Box: image.Rect(x0, y0, x1, y0+20), Line: line}
	}
	fields := []typedb.Field{{Name: "last_name"}, {Name: "first_name"}, {Name: "date_of_birth"},
		{Name: "date_of_issue"}, {Name: "date_of_expiry"}, {Name: "authority"}, {Name: "personal_number"}, {Name: FieldPlaceOfBirth}}
	for _, c := range []struct {
		name  string
		lines [][]ocr.Word
		want  map[string]image.Rectangle
	}{
		{"english and french, slashes split", [][]ocr.Word{
			splitSlashes([]ocr.Word{w("1.", 300, 100, 320, 0), w("Surname/Nom", 330, 100, 480, 0)}),
			{w("Given", 330, 200, 400, 1), w("names", 410, 200, 480, 1), w("/", 490, 200, 500, 1), w("Prénoms", 510, 200, 620, 1)},
		}, map[string]image.Rectangle{
			"last_name":  image.Rect(330, 100, 480, 120),
			"first_name": image.Rect(330, 200, 620, 120+100),
		}},
		{"spanish, misread a little", [][]ocr.Word{
			{w("Fecha", 300, 100, 380, 0), w("de", 390, 100, 420, 0), w("expedicion", 430, 100, 560, 0)},
			{w("Autoridad", 300, 200, 420, 1)},
			{w("DATE", 600, 100, 660, 2), w("0F", 670, 100, 690, 2), w("BlRTH", 700, 100, 780, 2)},
		}, map[string]image.Rectangle{
			"date_of_issue": image.Rect(300, 100, 560, 120),
			"authority":     image.Rect(300, 200, 420, 220),
			"date_of_birth": image.Rect(600, 100, 780, 120),
		}},
		{"two columns' captions on one line", [][]ocr.Word{
			// "Date de délivrance Authority" ends in a caption glued to
			// another language's: "Autorité", a pixel higher, is the
			// authority's and reaches back over the slash, but not
			// across the column's gap
			{w("Date", 300, 100, 340, 0), w("of", 345, 100, 360, 0), w("issue", 365, 100, 410, 0), w("/", 415, 100, 420, 0),
				w("Date", 425, 100, 465, 0), w("de", 470, 100, 490, 0), w("délivrance", 495, 100, 580, 0),
				w("Authority", 700, 100, 780, 0), w("/", 785, 100, 790, 0), w("Autorité", 795, 99, 860, 0)},
		}, map[string]image.Rectangle{
			"date_of_issue": image.Rect(300, 100, 580, 120),
			"authority":     image.Rect(700, 99, 860, 120),
		}},
		{"another field's caption is none of this one's", [][]ocr.Word{
			// "Place of birth" reads 0.75 like "Date of birth", the
			// threshold: it is the place's (found here in French too),
			// and the date of birth's caption was not read at all
			{w("Lieu", 300, 100, 340, 0), w("de", 345, 100, 365, 0), w("naissance", 370, 100, 450, 0), w("/", 455, 100, 460, 0),
				w("Place", 465, 100, 510, 0), w("of", 515, 100, 530, 0), w("birth", 535, 100, 580, 0)},
		}, map[string]image.Rectangle{
			FieldPlaceOfBirth: image.Rect(300, 100, 580, 120),
		}},
		{"a short caption inside a longer word is none", [][]ocr.Word{
			{w("NOMBRES", 300, 100, 400, 0)},
			{w("NOMINAL", 300, 200, 400, 1)},
		}, map[string]image.Rectangle{
			"first_name": image.Rect(300, 100, 400, 120),
		}},
		{"a caption glued to another language's", [][]ocr.Word{
			{w("NAZWISKOISURNAME", 300, 100, 480, 0)},
			splitSlashes([]ocr.Word{w("DATA", 300, 200, 350, 1), w("URODZENIA/DATE", 360, 200, 500, 1), w("OF", 510, 200, 530, 1), w("BIRTH", 540, 200, 600, 1)}),
		}, map[string]image.Rectangle{
			"last_name":     image.Rect(300, 100, 480, 120),
			"date_of_birth": image.Rect(300, 200, 600, 220), // from the Polish caption's start
		}},
		{"a short caption ending a longer one is none", [][]ocr.Word{
			// "GIVEN NAMES" read "wth NAME": not the German surname's
			// "Name"; a field number or a slash before it is no word
			{w("wth", 300, 100, 340, 0), w("NAME", 350, 100, 410, 0)},
			{w("1.", 300, 200, 320, 1), w("Name", 330, 200, 390, 1)},
		}, map[string]image.Rectangle{
			"last_name": image.Rect(330, 200, 390, 220),
		}},
		{"english captions that name the date last", [][]ocr.Word{
			{w("Birth", 300, 100, 360, 0), w("Date", 370, 100, 420, 0)},
			{w("Issue", 300, 200, 360, 1), w("Date", 370, 200, 420, 1)},
			{w("Expiration", 300, 300, 420, 2), w("Date", 430, 300, 480, 2)},
		}, map[string]image.Rectangle{
			"date_of_birth":  image.Rect(300, 100, 420, 120),
			"date_of_issue":  image.Rect(300, 200, 420, 220),
			"date_of_expiry": image.Rect(300, 300, 480, 320),
		}},
		{"other english wordings", [][]ocr.Word{
			{w("Family", 300, 100, 380, 0), w("name", 390, 100, 450, 0)},
			{w("First", 300, 200, 360, 1), w("names", 370, 200, 440, 1)},
			// left out: on real pages they took a neighbour's value
			{w("Birthplace", 300, 300, 420, 2)},
			{w("Issued", 300, 400, 380, 3), w("by", 390, 400, 410, 3)},
			{w("Valid", 300, 500, 360, 4), w("until", 370, 500, 430, 4)},
		}, map[string]image.Rectangle{
			"last_name":  image.Rect(300, 100, 450, 120),
			"first_name": image.Rect(300, 200, 440, 220),
		}},
		{"no caption spans a slash", [][]ocr.Word{
			// "Date of birth" misread a little: "birth / Date" would
			// read exactly as "BIRTH DATE"
			{w("Date", 300, 100, 350, 0), w("0f", 360, 100, 380, 0), w("birth", 390, 100, 450, 0), w("/", 455, 100, 460, 0),
				w("Date", 470, 100, 520, 0), w("de", 530, 100, 550, 0), w("naissance", 560, 100, 680, 0)},
			{w("Date", 300, 200, 350, 1), w("0f", 360, 200, 380, 1), w("expiry", 390, 200, 460, 1), w("/", 465, 200, 470, 1),
				w("Date", 480, 200, 530, 1), w("d'expiration", 540, 200, 680, 1)},
		}, map[string]image.Rectangle{
			"date_of_birth":  image.Rect(300, 100, 680, 120),
			"date_of_expiry": image.Rect(300, 200, 680, 220),
		}},
		{"small print: a slash's tall box a little over a caption's height before it", [][]ocr.Word{
			// another hand's Lithuanian card, "2. Vardas / Given name"
			// 7 px tall: the value under it starts under "Vardas"
			{{Text: "2.", Box: image.Rect(343, 170, 348, 178)}, {Text: "Vardas", Box: image.Rect(357, 170, 396, 178)},
				{Text: "/", Box: image.Rect(401, 159, 407, 187)}, {Text: "Given", Box: image.Rect(415, 171, 438, 178)},
				{Text: "name", Box: image.Rect(447, 172, 475, 177)}},
		}, map[string]image.Rectangle{
			"first_name": image.Rect(357, 159, 475, 187),
		}},
		{"values are no captions", [][]ocr.Word{
			{w("MUSTERMANN", 300, 100, 450, 0)},
			{w("12", 300, 200, 330, 1), w("AUG/AOUT", 340, 200, 450, 1), w("64", 460, 200, 490, 1)},
		}, map[string]image.Rectangle{}},
	} {
		got := matchCaptions(c.lines, fields)
		if len(got) != len(c.want) {
			t.Errorf("%s: found %v, want %v", c.name, got, c.want)
			continue
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s: %s at %v, want %v", c.name, k, got[k], v)
			}
		}
	}
}

// tesseractPool is a real Tesseract pool for the test, closed with it;
// the test is skipped in -short runs and where Tesseract is not built in.
func tesseractPool(t *testing.T) *ocr.Pool {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Tesseract")
	}
	pool, err := ocr.NewPool(ocr.Options{Workers: 2})
	if errors.Is(err, ocr.ErrUnavailable) {
		t.Skip("Tesseract unavailable in this build:", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// TestGenericCaptionsRendered draws a passport data page of our own
// (captions in English, French and Spanish, at places no generic type's
// zones put them, values below) and reads it through real Tesseract:
// every field is found under its caption and read, dates as dd.mm.yyyy;
// the document number only where the MRZ does not give it.
// The world is our own renderer's (DejaVu Sans on white), not a camera's.
func TestGenericCaptionsRendered(t *testing.T) {
	pool := tesseractPool(t)
	fnt := dejaVuSans(t)
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	typ := db.Generic(typedb.MRZFormat("TD3"))[0]

	// a TD3 page at 12 px/mm: 1500×1056; captions 17 px, values 30 px
	img := image.NewRGBA(image.Rect(0, 0, 1500, 1056))
	draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{246, 243, 236, 255}), image.Point{}, draw.Src)
	caption := color.RGBA{70, 70, 110, 255}
	value := color.RGBA{20, 20, 25, 255}
	put := func(s string, x, y int, em float64, c color.Color) { putText(t, img, fnt, s, x, y, em, c) }
	type printed struct {
		caption, value string
		x, y           int
	}
	page := map[string]printed{
		"last_name":       {"Surname / Nom / Apellidos", "ERIKSSON", 560, 120},
		"first_name":      {"Given names / Prénoms / Nombres", "ANNA MARIA", 560, 230},
		"date_of_birth":   {"Date of birth / Date de naissance / Fecha de nacimiento", "12 AUG/AOUT 74", 560, 340},
		"place_of_birth":  {"Place of birth / Lieu de naissance / Lugar de nacimiento", "ZENITH", 560, 450},
		"date_of_issue":   {"Date of issue / Date de délivrance / Fecha de expedición", "16 APR/AVR 07", 560, 560},
		"authority":       {"Authority / Autorité / Autoridad", "PASSPORT OFFICE", 1040, 560},
		"date_of_expiry":  {"Date of expiry / Date d'expiration / Fecha de caducidad", "15.04.2027", 560, 670},
		"personal_number": {"Personal No. / No. personnel", "ZE184226B", 1040, 670},
		"document_number": {"Passport No. / No. du passeport", "L898902C3", 1040, 230},
	}
	for _, p := range page {
		put(p.caption, p.x, p.y, 17, caption)
		put(p.value, p.x, p.y+42, 30, value)
	}
	want := map[string]string{
		"last_name": "ERIKSSON", "first_name": "ANNA MARIA", "date_of_birth": "12.08.1974",
		"date_of_issue": "16.04.2007", "authority": "PASSPORT OFFICE", "date_of_expiry": "15.04.2027",
		"personal_number": "ZE184226B", "place_of_birth": "ZENITH", "document_number": "L898902C3",
	}
	got := ReadFields(context.Background(), pool, []Side{{Image: img, Type: typ}}, nil)[0]
	seen := map[string]bool{}
	for _, rd := range got {
		w, ok := want[rd.Name]
		if !ok {
			continue
		}
		seen[rd.Name] = true
		if rd.Value != w || !rd.Anchored {
			t.Errorf("%s = %q (raw %q, anchored %v, %v), want %q under its caption", rd.Name, rd.Value, rd.Raw, rd.Anchored, rd.Err, w)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("%s not read", name)
		}
	}
	// an MRZ that gives the number surely: its caption is not looked for
	known := ReadFields(context.Background(), pool, []Side{{Image: img, Type: typ, NumberKnown: true}}, map[string]bool{"document_number": true})[0]
	for _, rd := range known {
		if rd.Name == "document_number" && rd.Anchored {
			t.Errorf("document_number read under its caption (%q) where the MRZ gives it", rd.Value)
		}
	}
}

// TestGenericColumnsApart: a caption's languages end where the next
// column's caption begins, however its words read ("Date de délivrance
// Authority" ends in a caption glued to another language's, and took the
// authority's box over the date of issue, whose year then was read as
// the authority's); a date printed larger than its caption's size
// allows is read to its end, four-digit year and two-language month too; and a date of issue whose caption went
// unread is still among the page's dates.
func TestGenericColumnsApart(t *testing.T) {
	pool, fnt, typ, img := tesseractOnBlankTD3(t)
	put := func(s string, x, y int, em float64) { putText(t, img, fnt, s, x, y, em, color.RGBA{20, 20, 30, 255}) }
	// captions 17 px, values 40 px: "03 APR/AVR 22" is 20 captions wide
	put("Surname / Nom", 540, 200, 17)
	put("WILLIAMS", 540, 242, 40)
	// "17 MÄR/MAR 1968" is 22 captions wide: cut at "17 MAR/MAR 19",
	// it read 17.03.2015 (another hand's Austrian passport)
	put("Geburtsdatum / Date of birth", 540, 310, 17)
	put("17 MÄR/MAR 1968", 540, 352, 40)
	put("Date of issue / Date de délivrance", 540, 420, 17)
	put("03 APR/AVR 22", 540, 462, 40)
	put("Authority / Autorité", 930, 420, 17)
	put("HMPO", 930, 462, 40)
	put("Date of expiry / Date d'expiration", 540, 540, 17)
	put("03 OCT/OCT 32", 540, 582, 40)
	got := map[string]Reading{}
	for _, rd := range ReadFields(context.Background(), pool, []Side{{Image: img, Type: typ}}, nil)[0] {
		got[rd.Name] = rd
	}
	for name, want := range map[string]string{"date_of_birth": "17.03.1968", "date_of_issue": "03.04.2022", "authority": "HMPO", "date_of_expiry": "03.10.2032"} {
		if rd := got[name]; rd.Value != want {
			t.Errorf("%s = %q (raw %q, %v), want %q", name, rd.Value, rd.Raw, rd.Err, want)
		}
	}

	// the date of issue's caption not printed, on a type with no zone
	// for it (a TD2 card's): its date is a page date
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	typ = db.Generic(typedb.MRZFormat("TD2"))[0]
	img = image.NewRGBA(image.Rect(0, 0, 1260, 888))
	draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
	put("Surname / Nom", 540, 200, 17)
	put("WILLIAMS", 540, 242, 40)
	put("03 APR/AVR 22", 540, 462, 40)
	put("Date of expiry / Date d'expiration", 540, 540, 17)
	put("03 OCT/OCT 32", 540, 582, 40)
	for _, rd := range ReadFields(context.Background(), pool, []Side{{Image: img, Type: typ}}, nil)[0] {
		if rd.Name == "date_of_issue" && !slices.Contains(rd.PageDates, "03.04.2022") {
			t.Errorf("date of issue uncaptioned: page dates %q, want 03.04.2022 among them", rd.PageDates)
		}
	}
}

// TestCaptionsBesideTheirValues: a page that sets its captions in a
// column left of their values, each on its value's line, is read beside
// the captions, not under them (under "Given names" lay the
// nationality's line: SVENSK was read as the given names on another
// hand's Swedish passport). A caption with its value under it, on the
// same page, is still read under it.
func TestCaptionsBesideTheirValues(t *testing.T) {
	pool, fnt, typ, img := tesseractOnBlankTD3(t)
	put := func(s string, x, y int, em float64) { putText(t, img, fnt, s, x, y, em, color.RGBA{20, 20, 30, 255}) }
	rows := []struct{ caption, value string }{
		{"Surname", "LINDQVIST"},
		{"Given names", "KARIN ELSA"},
		{"Nationality", "SVENSK"},
		{"Date of birth", "14 FEB 86"},
		{"Place of birth", "UPPSALA"},
		{"Personal No.", "860214-5834"},
		{"Date of issue", "10 JUN 25"},
	}
	for i, r := range rows {
		y := 150 + 62*i
		put(r.caption, 60, y, 17)
		// the values' column, its line a little above the caption's
		put(r.value, 420, y-3, 30)
	}
	put("Authority", 900, 150, 17)
	put("POLISEN", 900, 192, 30)
	expectValues(t, pool, Side{Image: img, Type: typ}, map[string]string{
		"last_name": "LINDQVIST", "first_name": "KARIN ELSA", "date_of_birth": "14.02.1986",
		"place_of_birth": "UPPSALA", "personal_number": "860214-5834", "date_of_issue": "10.06.2025",
		"authority": "POLISEN",
	})
}

// TestBesideOnlyWhereNothingIsUnder: a value is looked for beside its
// caption only where nothing of a value lies under the caption (nor
// under the caption's other languages, to its left), and where what
// stands beside it is a line of print taller than the caption, on its
// line: not a chip, not another column's caption.
func TestBesideOnlyWhereNothingIsUnder(t *testing.T) {
	typ, _ := blankTD3Page(t)
	caption := image.Rect(300, 200, 450, 212)
	for _, tc := range []struct {
		name   string
		ink    []image.Rectangle
		beside bool
	}{
		{"a value beside, on the caption's line", []image.Rectangle{image.Rect(560, 190, 800, 216)}, true},
		{"a value under the caption", []image.Rectangle{image.Rect(300, 218, 500, 244), image.Rect(560, 190, 800, 216)}, false},
		{"a value under the caption's first language", []image.Rectangle{image.Rect(170, 218, 290, 244), image.Rect(560, 190, 800, 216)}, false},
		{"a chip beside", []image.Rectangle{image.Rect(560, 120, 620, 320)}, false},
		{"another column's caption beside", []image.Rectangle{image.Rect(560, 200, 760, 212)}, false},
		{"a value a line lower", []image.Rectangle{image.Rect(560, 214, 800, 240)}, false},
		{"a value too far", []image.Rectangle{image.Rect(1000, 190, 1200, 216)}, false},
	} {
		img := image.NewRGBA(image.Rect(0, 0, 1500, 1056))
		draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
		ink := image.NewUniform(color.RGBA{20, 20, 30, 255})
		draw.Draw(img, caption, ink, image.Point{}, draw.Src)
		for _, r := range tc.ink {
			draw.Draw(img, r, ink, image.Point{}, draw.Src)
		}
		l := newLayout(img, typ)
		l.labels = map[string]image.Rectangle{"first_name": caption}
		f := typedb.Field{Name: "first_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
		win, beside, ok := l.captionWindow(f, caption)
		if beside != tc.beside {
			t.Errorf("%s: beside %v (window %v, found %v), want %v", tc.name, beside, win, ok, tc.beside)
		}
		if beside && !tc.ink[0].In(win.Inset(-tc.ink[0].Dy())) {
			t.Errorf("%s: window %v misses the value at %v", tc.name, win, tc.ink[0])
		}
	}
}

// TestBesideAPaleCaption: a caption's height is its letters', measured
// against its own box's paper, not against the values' black ink, of
// which a pale caption crossed by a darker line shows only the line
// (the value beside it was then taken for too far off, and looked for
// under the caption, a line too low).
func TestBesideAPaleCaption(t *testing.T) {
	typ, _ := blankTD3Page(t)
	caption := image.Rect(300, 200, 450, 214)
	value := image.Rect(650, 194, 900, 220)
	img := image.NewRGBA(image.Rect(0, 0, 1500, 1056))
	draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(img, caption, image.NewUniform(color.RGBA{185, 185, 195, 255}), image.Point{}, draw.Src)
	for x := caption.Min.X; x < caption.Max.X; x += 3 {
		img.Set(x, 205+x%5, color.RGBA{150, 40, 60, 255})
	}
	draw.Draw(img, value, image.NewUniform(color.RGBA{20, 20, 30, 255}), image.Point{}, draw.Src)
	l := newLayout(img, typ)
	l.labels = map[string]image.Rectangle{"first_name": caption.Inset(-3)}
	if got := l.inkOf(caption.Inset(-3)); got.Dy() != caption.Dy() {
		t.Errorf("caption's ink %v, want its %d rows", got, caption.Dy())
	}
	f := typedb.Field{Name: "first_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	win, beside, ok := l.captionWindow(f, caption.Inset(-3))
	if !beside || !value.In(win.Inset(-value.Dy())) {
		t.Errorf("window %v (beside %v, found %v), want one beside the caption holding %v", win, beside, ok, value)
	}
}

// langRecorder reads nothing and notes the languages it was asked for.
type langRecorder struct {
	mu    sync.Mutex
	langs []string
}

func (r *langRecorder) Read(context.Context, *image.Gray, ocr.Request) (ocr.Text, error) {
	return ocr.Text{}, nil
}

func (r *langRecorder) Words(_ context.Context, _ *image.Gray, req ocr.Request) ([]ocr.Word, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.langs = append(r.langs, req.Languages)
	return nil, nil
}

// putText draws s on img at (x, y) in fnt at em pixels.
func putText(t *testing.T, img draw.Image, fnt *opentype.Font, s string, x, y int, em float64, c color.Color) {
	t.Helper()
	fc, err := opentype.NewFace(fnt, &opentype.FaceOptions{Size: em, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer fc.Close()
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: fc, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// blankTD3Page is the generic TD3 data page's type and a white page of
// its size at 12 px/mm.
// tesseractOnBlankTD3 is a Tesseract pool, DejaVu Sans to print with and
// a blank generic TD3 page.
func tesseractOnBlankTD3(t *testing.T) (*ocr.Pool, *opentype.Font, *typedb.Type, *image.RGBA) {
	t.Helper()
	pool, fnt := tesseractPool(t), dejaVuSans(t)
	typ, img := blankTD3Page(t)
	return pool, fnt, typ, img
}

func blankTD3Page(t *testing.T) (*typedb.Type, *image.RGBA) {
	t.Helper()
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	page := image.NewRGBA(image.Rect(0, 0, 1500, 1056))
	draw.Draw(page, page.Rect, image.White, image.Point{}, draw.Src)
	return db.Generic(typedb.MRZFormat("TD3"))[0], page
}

// TestCaptionPassesByState: the Cyrillic caption pass, the dearest read
// of a generic side, runs only when the MRZ names a state that captions
// in Cyrillic, or names none.
func TestCaptionPassesByState(t *testing.T) {
	typ, page := blankTD3Page(t)
	for _, tc := range []struct {
		state string
		want  string
	}{
		{"CZE", "eng"},
		{"D", "eng"},
		{"UTO", "eng"},
		{"RUS", "eng,rus+kaz"},
		{"KAZ", "eng,rus+kaz"},
		{"", "eng,rus+kaz"},
	} {
		t.Run(tc.state, func(t *testing.T) {
			rec := &langRecorder{}
			ReadFields(context.Background(), rec, []Side{{Image: page, Type: typ, State: tc.state}}, nil)
			if got := strings.Join(rec.langs, ","); got != tc.want {
				t.Errorf("caption passes %q, want %q", got, tc.want)
			}
		})
	}
}

// TestCaptionsUnderAGlare: a TD1 card's back photographed with a glare
// across its laminate, over concentric-ring artwork (our renderer's
// varied phone capture, warped to the side; the part above the MRZ, as
// the caption pass reads it). On it Tesseract's page read finds no word
// at all, as the stock CLI does. The caption pass reads it again on even
// paper, and both fields are read under their captions.
func TestCaptionsUnderAGlare(t *testing.T) {
	pool := tesseractPool(t)
	f, err := os.Open("testdata/td1-back-glare.png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	var back *typedb.Type
	for _, typ := range db.Generic(typedb.MRZFormat("TD1")) {
		if typ.Side == typedb.Back {
			back = typ
		}
	}
	if back == nil || back.MRZZone == nil {
		t.Fatal("no generic TD1 back with an MRZ")
	}
	gray := image.NewGray(src.Bounds())
	draw.Draw(gray, gray.Rect, src, src.Bounds().Min, draw.Src)
	if words, err := pool.Words(context.Background(), gray, ocr.Request{Languages: "eng", Mode: ocr.PSMAuto}); err != nil || len(words) > 0 {
		t.Fatalf("the page read as it is found %d words (%v): the scene no longer shows what it was made for", len(words), err)
	}
	// the whole side: the part above the MRZ, and plain paper below
	b := src.Bounds()
	side := image.NewRGBA(image.Rect(0, 0, b.Dx(), int(float64(b.Dy())/back.MRZZone[1]+0.5)))
	draw.Draw(side, side.Rect, image.NewUniform(color.Gray{Y: 225}), image.Point{}, draw.Src)
	draw.Draw(side, b.Sub(b.Min), src, b.Min, draw.Src)
	want := map[string]string{"date_of_issue": "13.01.2025", "authority": "MIA"}
	for _, rd := range ReadFields(context.Background(), pool, []Side{{Image: side, Type: back, State: "UTO"}}, nil)[0] {
		w, ok := want[rd.Name]
		if !ok {
			continue
		}
		delete(want, rd.Name)
		if rd.Value != w || !rd.Captioned {
			t.Errorf("%s = %q (raw %q, captioned %v, %v), want %q under its caption", rd.Name, rd.Value, rd.Raw, rd.Captioned, rd.Err, w)
		}
	}
	for name := range want {
		t.Errorf("%s not read", name)
	}
}

// passAndCut answers the caption pass with its words and every cut
// with its text.
type passAndCut struct {
	words []ocr.Word
	text  string
}

func (r passAndCut) Read(context.Context, *image.Gray, ocr.Request) (ocr.Text, error) {
	return ocr.Text{Text: r.text, Confidence: 90}, nil
}

func (r passAndCut) Words(context.Context, *image.Gray, ocr.Request) ([]ocr.Word, error) {
	return r.words, nil
}

// TestCutPartOfAWordThePassRead: on a generic side, a name whose cut
// reads only the end or the start of a longer word the caption pass read
// under its caption (a glare over its first letters: "KOVA" for
// TSVETKOVA) is not sure, whichever reading is right; a cut that reads
// the pass's word, or a word of its own, stays as sure as it was read.
func TestCutPartOfAWordThePassRead(t *testing.T) {
	typ, page := blankTD3Page(t)
	// the value's ink under the caption
	draw.Draw(page, image.Rect(560, 150, 800, 180), image.Black, image.Point{}, draw.Src)
	for _, tc := range []struct {
		pass, cut string
		sure      bool
	}{
		{"TSVETKOVA", "KOVA", false},
		{"TSVETKOVA", "TSVET", false},
		{"TSVETKOVA", "JSVETKOVA", true}, // as long as the pass's word: not part of it
		{"TSVETKOVA", "ZVETKOVA", false}, // its first letter half a glyph, read as another
		{"TSVETKOVA", "TSVETKOVI", true}, // not the pass's word's start, nor its end
		{"TSVETKOVA", "ZOVA", false},
		{"TSVETKOVA", "ZVA", true}, // too short to tell
		{"ROTA", "ITA", false},     // but a letter short of the pass's word
		{"ROTA", "ROT", false},
		{"ROTA", "ITO", true},
		{"TSVETKOVA", "TSVETKOVA", true},
		{"TSVETKOVA", "IVANOVA", true},
	} {
		words := []ocr.Word{
			{Text: "SURNAME", Box: image.Rect(560, 100, 680, 120), Confidence: 95, Line: 0},
			{Text: tc.pass, Box: image.Rect(560, 150, 800, 180), Confidence: 90, Line: 1},
		}
		got := ReadFields(context.Background(), passAndCut{words: words, text: tc.cut}, []Side{{Image: page, Type: typ}}, map[string]bool{"last_name": true})[0]
		for _, rd := range got {
			if rd.Name != "last_name" {
				continue
			}
			if rd.Value != tc.cut || (rd.Confidence > 0) != tc.sure {
				t.Errorf("cut %q, pass %q: value %q, confidence %.0f (%v); want sure %v", tc.cut, tc.pass, rd.Value, rd.Confidence, rd.Err, tc.sure)
			}
		}
	}
}

// TestPassWordsStandInWhereTheyStand: where a generic side's cut makes
// nothing and the caption pass's words under the caption stand in, the
// reading's region is those words' (RestoreMarks reads it again for its
// marks), not the cut that made nothing (a sliver of them on another
// hand's Chilean card, where "JOSÉ IGNACIO" lost its mark).
func TestPassWordsStandInWhereTheyStand(t *testing.T) {
	typ, page := blankTD3Page(t)
	// a first letter standing apart, where the cut ends
	draw.Draw(page, image.Rect(560, 150, 575, 180), image.Black, image.Point{}, draw.Src)
	draw.Draw(page, image.Rect(680, 150, 800, 180), image.Black, image.Point{}, draw.Src)
	value := image.Rect(560, 150, 800, 180)
	words := []ocr.Word{
		{Text: "SURNAME", Box: image.Rect(560, 100, 680, 120), Confidence: 95, Line: 0},
		{Text: "TSVETKOVA", Box: value, Confidence: 90, Line: 1},
	}
	got := ReadFields(context.Background(), passAndCut{words: words, text: ""}, []Side{{Image: page, Type: typ}}, map[string]bool{"last_name": true})[0]
	for _, rd := range got {
		if rd.Name != "last_name" {
			continue
		}
		b := page.Rect
		region := image.Rect(int(rd.Region[0]*float64(b.Dx())), int(rd.Region[1]*float64(b.Dy())), int(rd.Region[2]*float64(b.Dx())+1), int(rd.Region[3]*float64(b.Dy())+1))
		if rd.Value != "TSVETKOVA" || !value.In(region) || region.Dy() > 2*value.Dy() {
			t.Errorf("value %q (%v) in %v: want TSVETKOVA, read where its words stand (%v)", rd.Value, rd.Err, region, value)
		}
	}
}

// TestMarksBelowTheCapitals: a name's comma or cedilla hangs under the
// baseline, below a cut tight on its capitals; the Latin reading that
// restores marks reaches down to it where the document's languages write
// such marks. (The Latin-script model does not read a Ț that begins a
// word at all: "TURCANU" for ȚURCANU on another hand's Moldovan card.)
func TestMarksBelowTheCapitals(t *testing.T) {
	pool, fnt, typ, img := tesseractOnBlankTD3(t)
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	for _, tc := range []struct {
		state, printed, plain string
		want                  string // printed, when empty
		// second is a second word printed drop px lower (a line at a
		// slant), under a caption printed under the value, its letters'
		// tops in the room the cut grows by
		second, under string
		drop          int
	}{
		{"PRT", "GONÇALVES", "GONCALVES", "", "", "", 0},
		{"POL", "WĄSOWSKA", "WASOWSKA", "", "", "", 0},
		{"TUR", "KILIÇ", "KILIC", "", "", "", 0},
		{"MDA", "ȚURCANU", "TURCANU", "", "", "", 0}, // the Latin model reads no comma under a word's first letter
		{"ROU", "ȘTEFĂNESCU", "STEFANESCU", "", "", "", 0},
		{"LVA", "ĶIĶERE", "KIKERE", "", "", "", 0},
		{"", "ȚURCANU", "TURCANU", "", "", "", 0}, // states not yet known: a TD1 card's front
		{"FRA", "TURCANU", "TURCANU", "", "", "", 0},
		{"NZL", "ȚURCANU", "TURCANU", "TURCANU", "", "", 0}, // a state whose languages are not known: no mark told
		{"PRT", "GONÇALVES", "GONCALVES FERREIRA", "GONÇALVES FERREIRA", "FERREIRA", "", 7},
		{"MDA", "ȚURCANU", "TURCANU", "", "", "Prenumele / Given names", 0},
	} {
		draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
		putText(t, img, fnt, tc.printed, 540, 300, 34, color.RGBA{20, 20, 30, 255})
		if tc.second != "" {
			putText(t, img, fnt, tc.second, 780, 300+tc.drop, 34, color.RGBA{20, 20, 30, 255})
		}
		// the capitals' band, and a cut a third of it above and a fifth
		// below
		m, r := newLayout(img, typ).inkMap(image.Rect(500, 200, 760, 400))
		var rows []int
		for y := range r.Dy() {
			n := 0
			for x := range r.Dx() {
				if m[y*r.Dx()+x] != 0 {
					n++
				}
			}
			if n > 30 { // a letter's body, not a mark's
				rows = append(rows, y+r.Min.Y)
			}
		}
		if len(rows) == 0 {
			t.Fatalf("%s: nothing drawn", tc.printed)
		}
		top, base := rows[0], rows[len(rows)-1]
		h := base - top
		cut := image.Rect(530, top-h/3, 1000, base+h/5)
		if tc.under != "" {
			// its letters' tops half a capital under the value's foot
			putText(t, img, fnt, tc.under, 540, base+h/2+13, 17, color.RGBA{20, 20, 30, 255})
		}
		b := img.Rect
		rd := Reading{Name: name.Name, Value: tc.plain, Region: regionOf(cut, b.Dx(), b.Dy())}
		RestoreMarks(context.Background(), pool, Side{Image: img, Type: typ, State: tc.state, Nationality: tc.state}, name, &rd)
		want := tc.want
		if want == "" {
			want = tc.printed
		}
		if rd.Value != want {
			t.Errorf("%s: restored %q (Latin reading %q), want %q", tc.state, rd.Value, rd.Marked, want)
		}
	}
}

// TestGenericValuesKeepTheirMarks draws a data page whose names and
// places carry diacritics and reads it through real Tesseract: the marks
// are kept, and a name without any is read as printed. The world is our
// own renderer's (DejaVu Sans on white).
func TestGenericValuesKeepTheirMarks(t *testing.T) {
	pool, fnt, typ, img := tesseractOnBlankTD3(t)
	put := func(s string, x, y int, em float64) { putText(t, img, fnt, s, x, y, em, color.RGBA{20, 20, 30, 255}) }
	for _, tc := range []struct {
		last, given, place string
	}{
		{"WÓJCIK", "ŁUKASZ", "KRAKÓW"},
		{"ÆVARSDÓTTIR", "ÞÓRA", "REYKJAVÍK"},
		{"WILLIAMS", "JOHN", "LEEDS"},
	} {
		draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
		put("Surname / Nom", 540, 200, 17)
		put(tc.last, 540, 242, 34)
		put("Given names / Prénoms", 540, 310, 17)
		put(tc.given, 540, 352, 34)
		put("Place of birth / Lieu de naissance", 540, 420, 17)
		put(tc.place, 540, 462, 34)
		expectValues(t, pool, Side{Image: img, Type: typ}, map[string]string{"last_name": tc.last, "first_name": tc.given, "place_of_birth": tc.place})
	}
}

// expectValues reads every field of side and reports those of want read
// otherwise.
func expectValues(t *testing.T, pool Reader, side Side, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, rd := range ReadFields(context.Background(), pool, []Side{side}, nil)[0] {
		got[rd.Name] = rd.Value
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s = %q, want %q", name, got[name], w)
		}
	}
}

// TestMarksOverCapitalsUnderTheirCaption: a value printed close under
// its caption, in a bold serif whose marks rise above the capitals to
// near the caption's foot, keeps its marks: the cut, tight on the
// capitals, cut them through ("NUNEZ LEON" for NÚÑEZ LEÓN on another
// hand's Mexican passport).
func TestMarksOverCapitalsUnderTheirCaption(t *testing.T) {
	pool := tesseractPool(t)
	caption := dejaVuSans(t)
	value := fontAt(t, "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf")
	typ, img := blankTD3Page(t)
	grey, ink := color.RGBA{110, 110, 110, 255}, color.RGBA{20, 20, 30, 255}
	for _, tc := range []struct {
		state, last, given string
	}{
		{"MEX", "NÚÑEZ LEÓN", "MARÍA JOSÉ"},
		{"CZE", "DVOŘÁKOVÁ", "ŽOFIE"},
		{"ISL", "ÁRNADÓTTIR", "ÍRIS"},
	} {
		draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
		putText(t, img, caption, "Apellidos / Surname", 540, 200, 17, grey)
		putText(t, img, value, tc.last, 540, 232, 30, ink)
		putText(t, img, caption, "Nombres / Given names", 540, 290, 17, grey)
		putText(t, img, value, tc.given, 540, 322, 30, ink)
		expectValues(t, pool, Side{Image: img, Type: typ, State: tc.state, Nationality: tc.state}, map[string]string{"last_name": tc.last, "first_name": tc.given})
	}
}

// TestClearFromTop: in a cut grown above a value, the caption's foot
// that runs in from the top edge is painted as paper, pale as it is; a
// mark standing free over a letter, and the letters, stay.
func TestClearFromTop(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 120, 60))
	draw.Draw(g, g.Rect, image.NewUniform(color.Gray{230}), image.Point{}, draw.Src)
	fill := func(r image.Rectangle, v uint8) {
		draw.Draw(g, r, image.NewUniform(color.Gray{v}), image.Point{}, draw.Src)
	}
	fill(image.Rect(10, 0, 14, 9), 120)  // a caption's descender, grey
	fill(image.Rect(60, 0, 90, 3), 120)  // the foot of the caption's letters
	fill(image.Rect(32, 12, 38, 16), 30) // a mark
	fill(image.Rect(30, 20, 40, 50), 30) // its letter
	fill(image.Rect(62, 20, 72, 50), 30) // another
	out := clearFromTop(g, 18)
	for _, tc := range []struct {
		what string
		at   image.Point
		ink  bool
	}{
		{"descender", image.Pt(12, 5), false},
		{"caption's foot", image.Pt(70, 1), false},
		{"mark", image.Pt(35, 14), true},
		{"letter", image.Pt(35, 30), true},
		{"letter under the caption", image.Pt(66, 30), true},
	} {
		if ink := out.GrayAt(tc.at.X, tc.at.Y).Y < 150; ink != tc.ink {
			t.Errorf("%s: ink %v, want %v", tc.what, ink, tc.ink)
		}
	}
}

// TestNationalMarksOnly: a mark no language of the document's states
// writes is a speck the Latin model took for one; the letter is given
// back plain, or the whole reading where the letter is one of its own.
func TestNationalMarksOnly(t *testing.T) {
	for _, tc := range []struct {
		plain, marked, state, nationality, want string
	}{
		{"GONCALVES", "ĠONÇALVES", "PRT", "PRT", "GONÇALVES"},
		{"GONCALVES", "GONÇALVES", "PRT", "PRT", "GONÇALVES"},
		{"BUHAGIAR", "BUĦAĠIAR", "MLT", "MLT", "BUĦAĠIAR"},
		{"BUHAGIAR", "BUĦAĠIAR", "PRT", "MLT", "BUĦAĠIAR"}, // the holder's letters
		{"SORENSEN", "SØRENSEN", "ESP", "ESP", "SORENSEN"}, // no Ø in Spanish: the plain reading
		{"NUNEZ", "NÚÑEZ", "UTO", "UTO", "NÚÑEZ"},          // a state not known: any mark
		{"NUNEZ", "NÚÑEZ", "", "", "NÚÑEZ"},                // no MRZ read
		{"Liege", "Liège", "BEL", "BEL", "Liège"},
		{"Liege", "Liēge", "BEL", "BEL", "Liege"},
		{"BEGLU", "BËGLU", "LVA", "XXC", "BËGLU"}, // a holder of no nationality: any mark
		// the eth and the D with a stroke print alike
		{"DURDEVIC", "ÐURÐEVIĆ", "BIH", "BIH", "ĐURĐEVIĆ"},
		{"GUDRUN", "GUĐRÚN", "ISL", "ISL", "GUÐRÚN"},
		// so do a breve and a macron, at a value's size
		{"CATALINA", "CĀTĀLINA", "MDA", "MDA", "CĂTĂLINA"},
		{"BERZINS", "BĔRZIŅŠ", "LVA", "LVA", "BĒRZIŅŠ"},
		{"CATALINA", "CĀTĀLINA", "ESP", "ESP", "CATALINA"}, // neither in Spanish
		// and an E's dot and caron
		{"KAZLAUSKIENE", "KAZLAUSKIENĚ", "LTU", "LTU", "KAZLAUSKIENĖ"},
		{"MESTA", "MĖSTA", "CZE", "CZE", "MĚSTA"},
	} {
		if got := nationalMarksOnly(tc.plain, tc.marked, tc.state, tc.nationality); got != tc.want {
			t.Errorf("nationalMarksOnly(%q, %q, %s, %s) = %q, want %q", tc.plain, tc.marked, tc.state, tc.nationality, got, tc.want)
		}
	}
}

// TestNationalSpelling: a generic side's Latin name or text read before
// its MRZ named the states (a TD1 card's front) keeps only the marks
// their languages write; a Kazakh type's, a date, or a side of unknown
// states, stays as read.
func TestNationalSpelling(t *testing.T) {
	generic := &typedb.Type{Generic: true}
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	authority := typedb.Field{Name: "authority", Kind: typedb.KindText, Script: typedb.ScriptLatin}
	date := typedb.Field{Name: "date_of_birth", Kind: typedb.KindDate}
	for _, tc := range []struct {
		side  Side
		f     typedb.Field
		value string
		want  string
	}{
		{Side{Type: generic, State: "BIH", Nationality: "BIH"}, name, "ÐURÐEVIĆ", "ĐURĐEVIĆ"},
		{Side{Type: generic, State: "MDA", Nationality: "MDA"}, name, "CHIŞINĂU", "CHIȘINĂU"},
		{Side{Type: generic, State: "ROU", Nationality: "ROU"}, authority, "Ţara", "Țara"},
		{Side{Type: generic, State: "TUR", Nationality: "TUR"}, name, "ȘAHİN", "ŞAHİN"},
		{Side{Type: generic, State: "PRT", Nationality: "PRT"}, name, "MİGUEL", "MIGUEL"},
		{Side{Type: generic, State: "ESP", Nationality: "ESP"}, name, "SØRENSEN", "SOERENSEN"},
		{Side{Type: generic, State: "FRA", Nationality: "FRA"}, authority, "Préfecture de Police", "Préfecture de Police"},
		{Side{Type: generic, State: "DEU", Nationality: "FRA"}, authority, "Préfecture", "Prefecture"}, // the issuing state's
		{Side{Type: generic}, name, "MİGUEL", "MİGUEL"},                                                // states unknown
		{Side{Type: &typedb.Type{}, State: "KAZ", Nationality: "KAZ"}, name, "MİGUEL", "MİGUEL"},       // not generic
		{Side{Type: generic, State: "PRT", Nationality: "PRT"}, date, "01.02.1990", "01.02.1990"},
	} {
		if got := NationalSpelling(tc.side, tc.f, tc.value); got != tc.want {
			t.Errorf("%s %s %q = %q, want %q", tc.side.State, tc.f.Name, tc.value, got, tc.want)
		}
	}
}

// TestAddMarks: the Latin reading's marks, ligatures and apostrophes go
// on the English reading's letters, with its word breaks; a reading that
// differs otherwise, or adds nothing, gives nothing.
// TestMarksStates: an authority is written in the issuing state's
// languages, a name in the holder's too.
func TestMarksStates(t *testing.T) {
	s := Side{State: "LVA", Nationality: "XXC"}
	auth := typedb.Field{Name: fieldAuthority, Kind: typedb.KindText, Script: typedb.ScriptLatin}
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	if got := nationalMarksOnly("BEGLU", "BËGLU", marksStates(s, auth)...); got != "BEGLU" {
		t.Errorf("authority on a Latvian passport: %q, want BEGLU (no Ë in Latvian)", got)
	}
	if got := nationalMarksOnly("MOHAMADA", "MOHAMADË", marksStates(s, name)...); got != "MOHAMADË" {
		t.Errorf("name of a holder of no nationality: %q, want any mark kept", got)
	}
}

func TestAddMarks(t *testing.T) {
	for _, tc := range []struct {
		plain, marked string
		want          string // "": not ok
	}{
		{"WOJCIK", "WÓJCIK", "WÓJCIK"},
		{"LUKASZ", "ŁUKASZ", "ŁUKASZ"},
		{"AEVARSDOTTIR", "ÆVARSDÓTTIR", "ÆVARSDÓTTIR"},
		{"Ministere", "Ministère", "Ministère"},
		{"WOJCIK", "WOJCIK", ""},      // nothing added
		{"WARSZAWA", "IWARSZAWA", ""}, // a letter added
		{"WOJCIK", "WÓJCIC", ""},      // a letter changed
		{"Ministere", "ministère", ""},
		{"KOLN", "KÖLN", "KÖLN"},
		{"PORA", "ÞÓRA", "ÞÓRA"}, // the English model's P for a thorn
		{"BJODSKRA", "ÞJÓÐSKRÁ", "ÞJÓÐSKRÁ"},
		{"THORA", "ÞÓRA", "ÞÓRA"},
		{"TORA", "ÞÓRA", ""},
		{"SORENSEN", "SØRENSEN", "SØRENSEN"}, // the English model's O for an Ø
		{"SOERENSEN", "SØRENSEN", "SØRENSEN"},
		{"KOLN", "КÖLN", ""}, // a Cyrillic К
		{"O CONNOR", "O'CONNOR", "O'CONNOR"},
		{"OCONNOR", "O'CONNOR", "O'CONNOR"},
		{"O CONNOR", "'O CONNOR", ""}, // no letter before it
		{"JANIS KRISJANIS", "JĀNISKRIŠJĀNIS", "JĀNIS KRIŠJĀNIS"},
		{"JOSEIGNACIO", "JOSÉ IGNACIO", "JOSÉIGNACIO"},
		{"ANNA MARIA", "ANNAMARIA", ""}, // only a space lost
	} {
		got, ok := addMarks(tc.plain, tc.marked)
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("addMarks(%q, %q) = %q, %v; want %q", tc.plain, tc.marked, got, ok, tc.want)
		}
	}
}

// TestAddMarksByWord: where the Latin model misread a letter of one
// word, another word still takes its marks; where the readings' words
// do not pair up, none does.
func TestAddMarksByWord(t *testing.T) {
	for _, tc := range []struct {
		plain, marked string
		want          string // "": not ok
	}{
		{"CATALINA IOANA", "CĂTĂLINA IQANA", "CĂTĂLINA IOANA"},
		{"CATALINA IOANA", "CĂTĂLINA IOANA", "CĂTĂLINA IOANA"},
		{"CATALINA IOANA", "CATALINA IQANA", ""},                 // no mark
		{"CATALINA IOANA", "CĂTĂLINA IQANA X", ""},               // a word more
		{"JANIS KRISJANIS", "JĀNISKRIŠJĀNIS", "JĀNIS KRIŠJĀNIS"}, // a space lost: the whole
		// a letter of its own the English model read as a space
		{"K BENHAVNS KOMMUNE", "KØBENHAVNS KOMMUNE", "KØBENHAVNS KOMMUNE"},
		{"GU RUN", "GUÐRUN", "GUÐRUN"},
		{"K BENHAVNS", "KÉBENHAVNS", ""},   // a mark is no letter of its own
		{"A BENHAVNS", "ØBENHAVNS", ""},    // nor a word's first letter
		{"K  BENHAVNS", "KØ BENHAVNS", ""}, // nor a space that stays
	} {
		got, ok := addMarksByWord(tc.plain, tc.marked)
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("addMarksByWord(%q, %q) = %q, %v; want %q", tc.plain, tc.marked, got, ok, tc.want)
		}
	}
}

// TestValueRisingPastItsCaption: a value printed close under a short
// caption whose line rises to the right (a page photographed at a slant:
// "PREZYDENT M.ST. WARSZAWY" under "Authority" on another hand's desk
// photo, read "...WARSZAW") reaches above the caption's foot past the
// caption's end. The cut follows its ink up there and the caption's
// columns above the value are painted out; a level value, or ink beside
// the caption the whole height of its line (more caption), lifts nothing.
func TestValueRisingPastItsCaption(t *testing.T) {
	dark := image.NewUniform(color.RGBA{40, 40, 45, 255})
	for _, tc := range []struct {
		name         string
		rise         int  // px per glyph, up to the right
		captionAfter bool // a caption word beside, the caption line's height
		lifted       bool
	}{
		{"level", 0, false, false},
		{"rising", 1, false, true},
		{"rising beside more caption", 1, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, 700, 200))
			draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
			fill := func(r image.Rectangle) { draw.Draw(img, r, dark, image.Point{}, draw.Src) }
			caption := image.Rect(100, 40, 190, 62)
			for k := range 4 { // the caption's letters
				fill(image.Rect(102+22*k, 42, 102+22*k+16, 61))
			}
			if tc.captionAfter {
				for k := range 3 {
					fill(image.Rect(400+22*k, 40, 400+22*k+16, 62))
				}
			}
			top := 66
			for k := range 16 { // the value's glyphs, 21 px tall
				y := top - k*tc.rise
				fill(image.Rect(104+22*k, y, 104+22*k+17, y+21))
			}
			l := newLayout(img, &typedb.Type{Generic: true})
			l.labels = map[string]image.Rectangle{"authority": caption}
			box, mask, anchored, err := l.valueCut(typedb.Field{Name: "authority", Kind: typedb.KindText})
			if err != nil || !anchored {
				t.Fatalf("cut %v: anchored %v, %v", box, anchored, err)
			}
			highest := top - 15*tc.rise
			if got := box.Min.Y <= highest && !mask.Empty(); got != tc.lifted {
				t.Errorf("cut %v, mask %v: lifted to the value's top (%d) %v, want %v", box, mask, highest, got, tc.lifted)
			}
			if tc.lifted && (mask.Min.X > caption.Min.X || mask.Max.X < caption.Max.X || mask.Max.Y > top || mask.Max.Y < 61) {
				t.Errorf("mask %v: want the caption's columns (%d–%d) down to its foot, above the value's first glyphs (%d)", mask, caption.Min.X, caption.Max.X, top)
			}
		})
	}
}

// TestValueEndsAtAGap: under a generic caption, the value's line ends
// where it breaks off by more than a few of its heights: a signature, or
// another column's print on the line, within the window that runs on to
// the page's edge, is not the value's ("MAGISTRAT MESTA BRNA BOLE OE" for
// MAGISTRÁT MĚSTA BRNA beside a signature, other hand). Gaps between the
// value's words stay within it.
// TestValueStartsBeforeItsCaption: a value set out to the left of its
// caption, its first glyph crossing the window's left edge where little
// of its ink lies (a real "9" whose curve the edge touched: a Belgian
// national number read "2.02.29-148.55", other hand), or starting several
// of its heights before the window (the caption found in one of its
// languages only: "Given names" of "Réamhainm / Given names" over CIARÁN
// PÁDRAIG, read "RAN PADRAIG"), is cut from where it starts.
func TestValueStartsBeforeItsCaption(t *testing.T) {
	dark := image.NewUniform(color.RGBA{40, 40, 45, 255})
	for _, tc := range []struct {
		name      string
		captionX  int // the caption's left; its window starts 11 px before
		glyphs    []image.Rectangle
		wantStart int
		notBefore int // the cut starts at this x or after
	}{
		{"a stem either side of the edge", 100, append([]image.Rectangle{
			image.Rect(76, 70, 81, 91), image.Rect(91, 70, 96, 91), image.Rect(81, 80, 91, 81),
		}, valueGlyphs(104, 8)...), 76, 0},
		// the window's edge, at 189, falls between two glyphs
		{"five heights before its caption", 200, valueGlyphs(84, 14), 84, 0},
		// a portrait a little left of the value is no part of it
		{"a portrait beside it", 200, append([]image.Rectangle{image.Rect(30, 10, 120, 160)}, valueGlyphs(128, 12)...), 128, 121},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, 700, 200))
			draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
			fill := func(r image.Rectangle) { draw.Draw(img, r, dark, image.Point{}, draw.Src) }
			caption := image.Rect(tc.captionX, 40, tc.captionX+90, 62)
			for k := range 4 {
				fill(image.Rect(tc.captionX+2+22*k, 42, tc.captionX+2+22*k+16, 61))
			}
			for _, g := range tc.glyphs {
				fill(g)
			}
			l := newLayout(img, &typedb.Type{Generic: true})
			l.labels = map[string]image.Rectangle{"personal_number": caption}
			box, _, _, err := l.valueCut(typedb.Field{Name: "personal_number", Kind: typedb.KindNumber, Script: typedb.ScriptMixed})
			if err != nil {
				t.Fatal(err)
			}
			if box.Min.X > tc.wantStart || box.Min.X < tc.notBefore {
				t.Errorf("cut %v: want it to start at x %d or before, with the first glyph, and not before %d", box, tc.wantStart, tc.notBefore)
			}
		})
	}
}

// valueGlyphs is n glyphs 17 px wide and 21 tall, 22 px apart, from x.
func valueGlyphs(x, n int) []image.Rectangle {
	var out []image.Rectangle
	for k := range n {
		out = append(out, image.Rect(x+22*k, 70, x+22*k+17, 91))
	}
	return out
}

func TestValueEndsAtAGap(t *testing.T) {
	const valueEnd = 104 + 22*11 + 10*2 + 17
	dark := image.NewUniform(color.RGBA{40, 40, 45, 255})
	for _, tc := range []struct {
		name    string
		farAt   int // x of the print beyond the value; 0: none
		wantEnd int // the value's last glyph's right edge
	}{
		{"alone", 0, valueEnd},
		{"a signature well apart", 520, valueEnd},
		{"a word a space and a half apart", valueEnd + 31, valueEnd + 31 + 17},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, 700, 200))
			draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
			fill := func(r image.Rectangle) { draw.Draw(img, r, dark, image.Point{}, draw.Src) }
			caption := image.Rect(100, 40, 190, 62)
			for k := range 4 {
				fill(image.Rect(102+22*k, 42, 102+22*k+16, 61))
			}
			for k := range 12 { // the value: three words of four glyphs, 21 px tall
				x := 104 + 22*k + 10*(k/4)
				fill(image.Rect(x, 70, x+17, 91))
			}
			if tc.farAt > 0 {
				fill(image.Rect(tc.farAt, 68, tc.farAt+17, 92))
			}
			l := newLayout(img, &typedb.Type{Generic: true})
			l.labels = map[string]image.Rectangle{"authority": caption}
			box, _, _, err := l.valueCut(typedb.Field{Name: "authority", Kind: typedb.KindText})
			if err != nil {
				t.Fatal(err)
			}
			if box.Max.X < tc.wantEnd || box.Max.X > tc.wantEnd+2*21 {
				t.Errorf("cut %v: want it to end a little after x %d", box, tc.wantEnd)
			}
		})
	}
}

// wordsReader answers every read with the same words.
type wordsReader []ocr.Word

func (w wordsReader) Read(context.Context, *image.Gray, ocr.Request) (ocr.Text, error) {
	return ocr.Text{}, errors.New("read by word only")
}

func (w wordsReader) Words(context.Context, *image.Gray, ocr.Request) ([]ocr.Word, error) {
	return w, nil
}

// lettered is a word read at conf whose letters were each read at
// letterConf.
func lettered(s string, conf, letterConf float64) ocr.Word {
	w := ocr.Word{Text: s, Confidence: conf}
	for _, r := range s {
		w.Symbols = append(w.Symbols, ocr.Symbol{Text: string(r), Confidence: letterConf})
	}
	return w
}

// withLetter is w with its i-th letter read at conf.
func withLetter(w ocr.Word, i int, conf float64) ocr.Word {
	w.Symbols = slices.Clone(w.Symbols)
	w.Symbols[i].Confidence = conf
	return w
}

// TestSurelyMarked: the Latin reading's marks are every word's where the
// line reads surely, and otherwise only those of a word read surely, or
// of a letter read surely itself.
func TestSurelyMarked(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 400, 100))
	name := typedb.Field{Name: "first_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	region := typedb.Rect{0.1, 0.2, 0.9, 0.8}
	word := func(s string, conf float64) ocr.Word { return ocr.Word{Text: s, Confidence: conf} }
	for _, tc := range []struct {
		state string // the MRZ's issuing state and nationality; "" none read
		words []ocr.Word
		want  string // "": none kept
	}{
		{"", []ocr.Word{word("NOËLLE", 91), word("CLAIRE", 0)}, "NOËLLE CLAIRE"},          // line 45.5
		{"", []ocr.Word{word("JOÃO", 31), word("MIGUEL", 87)}, "JOÃO MIGUEL"},             // line 59
		{"", []ocr.Word{word("CLAIRE", 0), word("NOËLLE", 40)}, ""},                       // nothing read surely
		{"", []ocr.Word{word("ŞUPERMAN", 10), word("BS", 6)}, ""},                         // specks
		{"", []ocr.Word{word("BJÖRN", 20), word("ÅKE", 80), word("X", 0)}, "BJORN ÅKE X"}, // line 33
		{"", []ocr.Word{word("ANNA", 95)}, ""},                                            // no mark to take
		// a word no word list holds reads far below its letters: the
		// marks of letters read surely themselves are kept, where the
		// document's languages are known to write them
		{"MDA", []ocr.Word{lettered("CĂTĂLINA", 24, 98), lettered("IOANA", 61, 98)}, "CĂTĂLINA IOANA"},
		{"", []ocr.Word{lettered("CĂTĂLINA", 24, 98), lettered("IOANA", 61, 98)}, "CĂTĂLINA IOANA"}, // no MRZ read yet
		{"RUS", []ocr.Word{lettered("MIKHAIŁ", 30, 95)}, ""},                                        // Russian is no Latin-script language
		{"UTO", []ocr.Word{lettered("CĂTĂLINA", 24, 98), lettered("IOANA", 61, 98)}, ""},
		{"PRT", []ocr.Word{lettered("JOÃO", 20, 60), word("MIGUEL", 40)}, ""},
		{"SVK", []ocr.Word{withLetter(lettered("ĽUBICA", 20, 97), 0, 70), word("X", 10)}, ""},
		{"SVK", []ocr.Word{withLetter(lettered("ŠTEFÁN", 20, 97), 4, 60)}, "ŠTEFAN"},
	} {
		side := Side{Image: img, Type: &typedb.Type{Generic: true}, State: tc.state, Nationality: tc.state}
		got, ok, _ := surelyMarked(context.Background(), wordsReader(tc.words), side, name, region, image.Rectangle{})
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.state, tc.words, got, tc.want)
		}
	}
}

// TestGenericValueTakesItsPaleEnd: light falling off across a phone photo
// leaves a value's last letters paler than the window's ink threshold
// (nzl_p of generic-html-2 drawn with new looks: "TAMATI JAN" for TAMATI
// JAMES at 0.92, and a false alarm); under its caption the value's run
// carries on over them, to the right only: a pale portrait beside the
// value on its left is no part of it (an authority's cut ran over one,
// renderer varied seed 2626).
func TestGenericValueTakesItsPaleEnd(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 700, 200))
	draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
	dark := image.NewUniform(color.RGBA{40, 40, 45, 255})
	pale := image.NewUniform(color.RGBA{165, 165, 168, 255}) // 0.68 of the paper
	caption := image.Rect(100, 40, 190, 62)
	for k := range 4 {
		draw.Draw(img, image.Rect(102+22*k, 42, 102+22*k+16, 61), dark, image.Point{}, draw.Src)
	}
	for k, g := range valueGlyphs(104, 10) {
		ink := dark
		if k >= 7 {
			ink = pale
		}
		draw.Draw(img, g, ink, image.Point{}, draw.Src)
	}
	// a pale portrait up to the caption window's left edge (x=89)
	draw.Draw(img, image.Rect(20, 30, 90, 160), pale, image.Point{}, draw.Src)
	l := newLayout(img, &typedb.Type{Generic: true})
	l.labels = map[string]image.Rectangle{"first_name": caption}
	box, _, _, err := l.valueCut(typedb.Field{Name: "first_name", Kind: typedb.KindName, Script: typedb.ScriptLatin})
	if end := 104 + 22*9 + 17; err != nil || box.Max.X < end {
		t.Errorf("cut %v (%v): want it to reach the last, pale letter's end (x=%d)", box, err, end)
	}
	if box.Min.X < 89 {
		t.Errorf("cut %v: want it to start at the window (x=89), not over the pale portrait", box)
	}
}

// thresholded answers a read of a black-and-white image (the caption
// pass's second reading) with bw, of any other with gray.
type thresholded struct {
	gray, bw   []ocr.Word
	grays, bws int
}

func (r *thresholded) Read(context.Context, *image.Gray, ocr.Request) (ocr.Text, error) {
	return ocr.Text{}, errors.New("words only")
}

func (r *thresholded) Words(_ context.Context, img *image.Gray, _ ocr.Request) ([]ocr.Word, error) {
	for _, v := range img.Pix {
		if v != 0 && v != 255 {
			r.grays++
			return slices.Clone(r.gray), nil
		}
	}
	r.bws++
	return slices.Clone(r.bw), nil
}

// TestCaptionsReadAgainThresholded: where the caption pass found under
// half the captions (artwork across the page: another hand's New
// Zealand passport, whose names Tesseract's layout analysis took for a
// picture), the side is read again with each pixel judged against its
// surroundings, and the reading that finds more captions is kept; one
// that found half or more is not repeated.
func TestCaptionsReadAgainThresholded(t *testing.T) {
	typ, page := blankTD3Page(t)
	gray := imgutil.Gray(page)
	draw.Draw(gray, gray.Rect, image.NewUniform(color.Gray{240}), image.Point{}, draw.Src)
	draw.Draw(gray, image.Rect(500, 200, 700, 215), image.NewUniform(color.Gray{20}), image.Point{}, draw.Src) // print
	fields := fieldsToRead(typ, nil)
	var all []ocr.Word
	for i, c := range []string{"Surname", "Given names", "Date of birth", "Place of birth", "Date of issue", "Authority", "Date of expiry"} {
		x := 500
		for _, w := range strings.Fields(c) {
			all = append(all, ocr.Word{Text: w, Box: image.Rect(x, 180+85*i, x+12*len(w), 195+85*i), Confidence: 90, Line: i})
			x += 12*len(w) + 8
		}
	}
	// Surname, Given names, and as many words of values as the side has
	// fields (fewer would have it read again on even paper)
	few := slices.Clone(all[:3])
	for i := range fields {
		few = append(few, ocr.Word{Text: "VALUE", Box: image.Rect(900, 180+40*i, 980, 200+40*i), Confidence: 90, Line: 20 + i})
	}
	for _, tc := range []struct {
		name       string
		gray, bw   []ocr.Word
		want       int // captions found
		grays, bws int
	}{
		{"few found, then all", few, all, 7, 1, 1},
		{"all found at once", all, nil, 7, 1, 0},
		{"the second reading finds fewer", few, all[:1], 2, 1, 1},
	} {
		r := &thresholded{gray: tc.gray, bw: tc.bw}
		found, words, err := findCaptions(context.Background(), r, gray, typ, fields, captionLangs[:1])
		if err != nil || len(found) != tc.want || r.grays != tc.grays || r.bws != tc.bws {
			t.Errorf("%s: %d captions found (%v) in %d grey and %d thresholded reads, want %d in %d and %d", tc.name, len(found), err, r.grays, r.bws, tc.want, tc.grays, tc.bws)
		}
		// the words of both, each once, the second's on lines of their own
		lines := map[int]string{}
		for _, w := range words {
			lines[w.Line] += w.Text
		}
		if tc.name == "few found, then all" && (len(words) != len(few)+len(all)-3 || lines[len(fields)+20+6] != "Dateofexpiry") {
			t.Errorf("%s: words %v", tc.name, words)
		}
	}

	// the second reading finds no caption the first lacks, but a name
	// where the first read nothing (artwork across a phone photo's card
	// hid it from the first): the name joins the words the MRZ's name is
	// looked for among (another hand's Bosnian card: ĐURĐEVIĆ)
	name := ocr.Word{Text: "DURDEVIC", Box: image.Rect(500, 700, 620, 720), Confidence: 61, Line: 3}
	r := &thresholded{gray: few, bw: append(slices.Clone(all[:1]), name)}
	found, words, err := findCaptions(context.Background(), r, gray, typ, fields, captionLangs[:1])
	if err != nil || len(found) != 2 {
		t.Fatalf("name only: %d captions found (%v), want 2", len(found), err)
	}
	joined := 0
	for _, w := range words {
		if w.Text == name.Text && w.Box == name.Box {
			joined++
		}
		if w.Text == "Surname" && w.Line != 0 {
			t.Errorf("name only: the second reading's Surname, over the first's, joined: %v", w)
		}
	}
	if joined != 1 || len(words) != len(few)+1 {
		t.Errorf("name only: words %v, want the first's and the name once", words)
	}
}

// TestValueRunningOffTheSide: a generic side's value whose ink runs to
// the side's edge is not sure, however clearly its letters read: the
// page was found short of its own edge (another hand's Hungarian
// passport located without its left quarter: "ECEN" read at 0.90 for
// DEBRECEN), and the value may go on beyond it.
func TestValueRunningOffTheSide(t *testing.T) {
	pool, fnt, typ, img := tesseractOnBlankTD3(t)
	for _, tc := range []struct {
		x    int // where the value starts; the caption starts at 8
		sure bool
	}{
		{-60, false},
		{8, true},
	} {
		draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
		putText(t, img, fnt, "Place of birth", 8, 200, 17, color.RGBA{20, 20, 30, 255})
		putText(t, img, fnt, "DEBRECEN", tc.x, 242, 34, color.RGBA{20, 20, 30, 255})
		var got *Reading
		for _, rd := range ReadFields(context.Background(), pool, []Side{{Image: img, Type: typ}}, nil)[0] {
			if rd.Name == "place_of_birth" {
				got = &rd
			}
		}
		if got == nil || got.Err != nil || (got.Confidence > 0) != tc.sure {
			t.Errorf("value from x=%d: %+v, want sure %v", tc.x, got, tc.sure)
		}
	}
}

// TestWithMarksBelow: a mark found under the line goes on the nearest
// letter that may carry one below in the languages' letters; a space
// counts half a letter; a mark as near two such letters, or under a
// letter already marked or that may carry none, changes nothing.
func TestWithMarksBelow(t *testing.T) {
	// letters 10 px wide from x=0: a letter's centre at 5, 15, 25, ...
	for _, tc := range []struct {
		v       string
		xs      []float64
		allowed string
		want    string
		ok      bool
	}{
		{"TURCANU", []float64{5}, "ĂÂÎȘȚ", "ȚURCANU", true},
		{"STEFAN", []float64{6}, "ĂÂÎȘȚ", "ȘTEFAN", true},    // S, not the T beside it
		{"STEFAN", []float64{10}, "ĂÂÎȘȚ", "STEFAN", false},  // between S and T
		{"TURCANU", []float64{5}, "ÇĞİÖŞÜ", "TURCANU", true}, // Turkish marks no T
		{"KILIC", []float64{45}, "ÇĞİÖŞÜ", "KILIÇ", true},
		{"TURCANU", []float64{25}, "ĂÂÎȘȚ", "TURCANU", true}, // under the R: no Romanian letter
		{"ȚURCANU", []float64{5}, "ĂÂÎȘȚ", "ȚURCANU", true},
		{"AB ST", []float64{45}, "ĂÂÎȘȚ", "AB SȚ", true}, // the space half a letter: T's centre at 40
	} {
		w := 0.0
		for _, c := range tc.v {
			w += 10
			if c == ' ' {
				w -= 5
			}
		}
		got, ok := withMarksBelow(tc.v, tc.xs, 0, w, tc.allowed)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q, marks at %v: %q (%v), want %q (%v)", tc.v, tc.xs, got, ok, tc.want, tc.ok)
		}
	}
}

// TestJoinedMarkUnderTheCapitals: a comma that blur joined to its
// letter's foot (a phone photo of another hand's Moldovan card: ȚURCANU,
// the comma touching the T's stem) is a mark under it still.
func TestJoinedMarkUnderTheCapitals(t *testing.T) {
	pool, fnt, typ, img := tesseractOnBlankTD3(t)
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	ink := color.RGBA{20, 20, 30, 255}
	putText(t, img, fnt, "TURCANU", 540, 300, 34, ink)
	// the T's stem: the first inked run a few rows above the baseline
	stem := -1
	for x := 540; x < 580 && stem < 0; x++ {
		if c := img.RGBAAt(x, 296); c.R < 128 {
			stem = x
		}
	}
	if stem < 0 {
		t.Fatal("no T drawn")
	}
	draw.Draw(img, image.Rect(stem, 299, stem+4, 307), image.NewUniform(ink), image.Point{}, draw.Src)
	cut := image.Rect(530, 300-24-8, 900, 300+5)
	b := img.Rect
	rd := Reading{Name: name.Name, Value: "TURCANU", Region: regionOf(cut, b.Dx(), b.Dy())}
	RestoreMarks(context.Background(), pool, Side{Image: img, Type: typ, State: "MDA", Nationality: "MDA"}, name, &rd)
	if rd.Value != "ȚURCANU" {
		t.Errorf("restored %q, want ȚURCANU", rd.Value)
	}
}

// TestMarksUnderASlantedLine: a line printed or photographed at a slant
// (a few degrees: its last word some rows lower than its first) is
// levelled before its marks are looked for, or the lower word's
// capitals take the rows where the first word's marks stand; a line
// without marks shows none levelled.
func TestMarksUnderASlantedLine(t *testing.T) {
	fnt := dejaVuSans(t)
	for _, tc := range []struct {
		text  string
		slope float64
		marks int
	}{
		{"GONÇALVES FERREIRA", 0, 1},
		{"GONÇALVES FERREIRA", 0.04, 1},
		{"GONÇALVES FERREIRA", -0.05, 1},
		{"GONCALVES FERREIRA", 0.05, 0},
		{"ĶIĶERE", 0, 2},
	} {
		img := image.NewRGBA(image.Rect(0, 0, 480, 90))
		draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
		putText(t, img, fnt, tc.text, 12, 50, 30, color.RGBA{20, 20, 30, 255})
		// the slant: each column moved down by slope pixels a pixel
		g := image.NewGray(img.Rect)
		for i := range g.Pix {
			g.Pix[i] = 255
		}
		for x := range img.Rect.Dx() {
			shift := int(math.Round(tc.slope * float64(x-240)))
			for y := range img.Rect.Dy() {
				if sy := y - shift; sy >= 0 && sy < img.Rect.Dy() {
					r, gg, b, _ := img.At(x, sy).RGBA()
					g.Pix[y*g.Stride+x] = uint8((r + gg + b) / 3 >> 8)
				}
			}
		}
		xs, _, _ := marksUnder(g, true)
		if len(xs) != tc.marks {
			t.Errorf("%s at a slope of %.2f: marks under at %v, want %d", tc.text, tc.slope, xs, tc.marks)
		}
	}
}

// TestFirstLineNotItsMarks: the first line of a value's window is the
// topmost band of print tall enough, but not a band of marks a row or
// two over the next band's capitals (accents a guilloche line joins),
// whereas a short line of print over a longer one is the first line.
func TestFirstLineNotItsMarks(t *testing.T) {
	r := image.Rect(0, 0, 400, 60)
	for _, tc := range []struct {
		name  string
		bands [][3]int // rows y0, y1 and inked columns
		want  [2]int   // the rows kept
	}{
		{"marks over the capitals", [][3]int{{0, 9, 20}, {11, 38, 300}}, [2]int{11, 38}},
		{"a short line over a long one", [][3]int{{0, 24, 60}, {30, 54, 300}}, [2]int{0, 24}},
		{"marks far above the capitals", [][3]int{{0, 9, 20}, {25, 52, 300}}, [2]int{0, 9}},
	} {
		m := make([]uint8, r.Dx()*r.Dy())
		for _, b := range tc.bands {
			for y := b[0]; y < b[1]; y++ {
				for x := range b[2] {
					m[y*r.Dx()+x] = 2
				}
			}
		}
		keepFirstLine(m, r, 9, 0)
		top, bottom := -1, -1
		for y := range r.Dy() {
			if slices.Contains(m[y*r.Dx():(y+1)*r.Dx()], 2) {
				if top < 0 {
					top = y
				}
				bottom = y + 1
			}
		}
		if [2]int{top, bottom} != tc.want {
			t.Errorf("%s: rows %d to %d kept, want %v", tc.name, top, bottom, tc.want)
		}
	}
}

// TestCaptionBoxTallerThanItsLetters: Tesseract's box of a caption may be
// taller than its letters (a slash's box 32 px tall in "11. Izdala /
// Authority", letters 10 px). The value's window, between that caption
// and the next one under it, is judged by the letters' height: by the
// box's it seemed too short, and the next value down was read as this
// one.
func TestCaptionBoxTallerThanItsLetters(t *testing.T) {
	dark := image.NewUniform(color.RGBA{40, 40, 45, 255})
	img := image.NewRGBA(image.Rect(0, 0, 700, 220))
	draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
	fill := func(r image.Rectangle) { draw.Draw(img, r, dark, image.Point{}, draw.Src) }
	for k := range 5 { // the caption's letters, 10 px tall
		fill(image.Rect(60+18*k, 100, 60+18*k+12, 110))
	}
	// its box, 32 px
	caption := image.Rect(58, 80, 152, 112)
	for k := range 16 { // the value, 17 px tall
		fill(image.Rect(60+22*k, 116, 60+22*k+17, 133))
	}
	next := image.Rect(58, 142, 160, 152) // the next caption and its value
	for k := range 5 {
		fill(image.Rect(60+18*k, 142, 60+18*k+12, 152))
	}
	for k := range 5 {
		fill(image.Rect(60+22*k, 158, 60+22*k+17, 175))
	}
	l := newLayout(img, &typedb.Type{Generic: true})
	l.labels = map[string]image.Rectangle{"authority": caption, "place_of_birth": next}
	box, _, anchored, err := l.valueCut(typedb.Field{Name: "authority", Kind: typedb.KindText})
	if err != nil || !anchored {
		t.Fatalf("cut %v: anchored %v, %v", box, anchored, err)
	}
	if box.Min.Y > 116 || box.Max.Y < 133 || box.Max.Y > next.Min.Y {
		t.Errorf("cut %v: want the value's rows 116–133, above the next caption at %d", box, next.Min.Y)
	}
}

// TestRestoreMarksTakesTheLatinSpaces: an authority the English model
// read as one word ("MUPRS") takes the Latin reading's word breaks where
// that reads surely and spells the same letters; an unsure one, or a
// name, keeps the English reading.
func TestRestoreMarksTakesTheLatinSpaces(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 400, 100))
	region := typedb.Rect{0.1, 0.2, 0.9, 0.8}
	authority := typedb.Field{Name: "authority", Kind: typedb.KindText, Script: typedb.ScriptLatin}
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	word := func(s string, conf float64) ocr.Word { return ocr.Word{Text: s, Confidence: conf} }
	for _, tc := range []struct {
		f     typedb.Field
		conf  float64
		value string
		want  string
	}{
		{authority, 91, "MUPRS", "MUP RS"},
		{authority, 60, "MUPRS", "MUPRS"},
		{name, 91, "MUPRS", "MUPRS"},
	} {
		side := Side{Image: img, Type: &typedb.Type{Generic: true}, State: "BIH", Nationality: "BIH"}
		rd := Reading{Name: tc.f.Name, Value: tc.value, Region: region}
		RestoreMarks(context.Background(), wordsReader{word("MUP", tc.conf), word("RS", tc.conf)}, side, tc.f, &rd)
		if rd.Value != tc.want {
			t.Errorf("%s read at %.0f: %q, want %q", tc.f.Name, tc.conf, rd.Value, tc.want)
		}
	}
}

// TestRestoreMarksWhereTheModelsDisagree: a free text the Latin model
// reads surely with other letters than the English model's is not sure
// (a Lithuanian authority, "MIGRACUOS" at 90 for MIGRACIJOS, read so at
// 90 by the Latin model); its marks, its word breaks, an unsure Latin
// reading or a name leave the confidence alone.
func TestRestoreMarksWhereTheModelsDisagree(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 400, 100))
	region := typedb.Rect{0.1, 0.2, 0.9, 0.8}
	authority := typedb.Field{Name: "authority", Kind: typedb.KindText, Script: typedb.ScriptLatin}
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	for _, tc := range []struct {
		f            typedb.Field
		value, latin string
		latinConf    float64
		want         float64
	}{
		{authority, "MIGRACUOS DEPARTAMENTAS", "MIGRACIJOS DEPARTAMENTAS", 90, readersDisagree},
		{authority, "MIGRACUOS DEPARTAMENTAS", "MIGRACIJOS DEPARTAMENTAS", 60, 90},
		{authority, "AUSLANDER- UND PASSAMT", "AUSLÄNDER- UND PASSAMT", 90, 90},
		{authority, "MUPRS", "MUP RS", 90, 90},
		{authority, "CTIE LUXEMBOURG", "CTIE LUXEMBOURG G", 90, 90},
		{name, "KAZLAUSKIENE", "KAZLAUSKAITE", 90, 90},
	} {
		side := Side{Image: img, Type: &typedb.Type{Generic: true}, State: "LTU", Nationality: "LTU"}
		rd := Reading{Name: tc.f.Name, Value: tc.value, Region: region, Confidence: 90}
		var words wordsReader
		for _, w := range strings.Fields(tc.latin) {
			words = append(words, ocr.Word{Text: w, Confidence: tc.latinConf})
		}
		RestoreMarks(context.Background(), words, side, tc.f, &rd)
		if rd.Confidence != tc.want {
			t.Errorf("%s %q, the Latin model reading %q at %.0f: confidence %.0f, want %.0f", tc.f.Name, tc.value, tc.latin, tc.latinConf, rd.Confidence, tc.want)
		}
	}
}

// TestWidenLeftToAWordAcrossTheEdge: a value printed larger than its
// small caption, which was read only in its second language ("Behörde /
// Authority", 11 px, over AUSLÄNDER- UND PASSAMT, 27 px, on another
// hand's Liechtenstein card), starts with the word the caption pass read
// surely across the window's left edge, though the edge stands in a gap
// between two letters; a word read unsurely, or on a line below, does
// not move it.
func TestWidenLeftToAWordAcrossTheEdge(t *testing.T) {
	img := paperPage(500, 200)
	// the value's letters 16 px wide, 3 px apart, from x 51; the window
	// under "Authority" starts in the gap at 105-107
	letterRow(img, 51, 240, 19, 16, 107, 134)
	for _, tc := range []struct {
		name string
		word ocr.Word
		want int // the window's left edge, at most
		from int // and at least
	}{
		{"read surely", ocr.Word{Text: "AUSLANDER-", Box: image.Rect(51, 107, 235, 134), Confidence: 90}, 51, 40},
		{"read unsurely", ocr.Word{Text: "AUSLANDER-", Box: image.Rect(51, 107, 235, 134), Confidence: 9}, 106, 106},
		{"a line below", ocr.Word{Text: "VADUZ", Box: image.Rect(20, 180, 150, 200), Confidence: 96}, 106, 106},
		// starting a caption height and a half under the window's top:
		// the next row's (a Luxembourg card's authority under its date of
		// issue, taken for its expiry: a false alarm)
		{"the next row", ocr.Word{Text: "LUXEMBOURG", Box: image.Rect(20, 119, 300, 135), Confidence: 96}, 106, 106},
	} {
		l := newLayout(img, &typedb.Type{Generic: true})
		l.words = []ocr.Word{tc.word}
		win := l.widenLeft(image.Rect(106, 102, 500, 160), image.Rect(117, 90, 300, 101))
		if win.Min.X > tc.want || win.Min.X < tc.from {
			t.Errorf("%s: window from x %d, want %d to %d", tc.name, win.Min.X, tc.from, tc.want)
		}
	}
}

// TestWidenLeftByTheCaptionsLetters: a caption's box may stand far
// taller than its letters (a slash read into its first word: "Geren
// names", 28 px, over letters 10 px tall, on another hand's Lithuanian
// card). A word read across the window's edge by less than that box's
// height, but more than the letters', still starts the window (RŪTA,
// whose first two letters the edge had cut: "ITA").
func TestWidenLeftByTheCaptionsLetters(t *testing.T) {
	img := paperPage(500, 200)
	// the caption's letters, 10 px tall, 6 px wide, from x 120 at y 80
	letterRow(img, 120, 200, 8, 6, 80, 90)
	// the value, 19 px tall, from x 80 to 138, under the caption's box
	letterRow(img, 80, 138, 14, 10, 95, 114)
	for _, tc := range []struct {
		name    string
		caption image.Rectangle
		want    int // the window's left edge, at most
		from    int // and at least
	}{
		{"a box 28 px tall over letters 10 px", image.Rect(120, 63, 200, 91), 80, 70},
		// the same box, its letters as tall: the word crosses the edge
		// by less than a caption height on its left
		{"letters as tall as the box", image.Rect(120, 63, 200, 91), 104, 104},
	} {
		im := img
		if tc.name == "letters as tall as the box" {
			im = image.NewRGBA(img.Rect)
			draw.Draw(im, im.Rect, img, image.Point{}, draw.Src)
			letterRow(im, 120, 200, 8, 6, 63, 91)
		}
		l := newLayout(im, &typedb.Type{Generic: true})
		l.words = []ocr.Word{{Text: "ROTA", Box: image.Rect(80, 95, 138, 114), Confidence: 97}}
		// the window as the ink steps left it: its edge in the gap after
		// the value's second letter
		win := l.widenLeft(image.Rect(104, 92, 500, 130), tc.caption)
		if win.Min.X > tc.want || win.Min.X < tc.from {
			t.Errorf("%s: window from x %d, want %d to %d", tc.name, win.Min.X, tc.from, tc.want)
		}
	}
}

// paperPage is a w×h page of off-white paper.
func paperPage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
	return img
}

// letterRow prints a row of dark blocks standing for letters, width px
// wide and every step px from x from while they end by x to, rows top to
// bottom.
func letterRow(img *image.RGBA, from, to, step, width, top, bottom int) {
	dark := image.NewUniform(color.RGBA{40, 40, 45, 255})
	for x := from; x+width <= to; x += step {
		draw.Draw(img, image.Rect(x, top, x+width, bottom), dark, image.Point{}, draw.Src)
	}
}

// TestCaptionMaskSparesAMarkUnderTheCaption: Tesseract boxed a caption
// 45 px tall over letters 15 px tall, down over the acute of the value's
// Ú (GUÐRÚN, on another hand's Icelandic passport), and the rows painted
// out as the caption's foot took the acute with them. The caption's foot
// is the first clear row under its letters.
func TestCaptionMaskSparesAMarkUnderTheCaption(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mark     bool // an acute over the value's third letter
		touching bool // the caption's letters run down into the value's
		wantFoot int  // the mask's bottom row (0: no mask)
	}{
		{"a mark under the caption's foot", true, false, 0},
		{"no mark", false, false, 0},
		{"the caption's letters touching the value's", false, true, 137},
	} {
		img := paperPage(500, 200)
		// the caption's letters, 15 px tall, from y 110 to 125
		letterRow(img, 90, 270, 8, 6, 110, 125)
		if tc.touching {
			letterRow(img, 90, 270, 8, 6, 110, 140)
		}
		// the value's capitals from y 135, the acute from 129 to 133
		letterRow(img, 70, 380, 20, 14, 135, 160)
		if tc.mark {
			letterRow(img, 114, 120, 8, 5, 129, 133)
		}
		l := newLayout(img, &typedb.Type{Generic: true})
		caption := image.Rect(90, 92, 270, 137)
		// the value's cut, lifted to take in the acute
		box := image.Rect(68, 128, 382, 163)
		mask := l.captionMask(box, caption)
		if got := mask.Max.Y; (tc.wantFoot == 0 && !mask.Empty()) || (tc.wantFoot != 0 && got != tc.wantFoot) {
			t.Errorf("%s: mask %v, want its foot at %d (0: none)", tc.name, mask, tc.wantFoot)
		}
	}
}

// TestDropLineAbove: a Latin cut that took in the caption's line over
// its value (ŠTEFAN under "Ime / Given names", another hand's Slovenian
// card, read "ÉTEEA NA") loses that line, and keeps the marks over the
// value's capitals; with no clear row between the lines, or only marks
// above, the cut stays as it is.
func TestDropLineAbove(t *testing.T) {
	const paper, pale, dark = 240, 150, 40
	fill := grayBlocks
	for _, tc := range []struct {
		name        string
		caption     [2]int // rows of the caption's letters (0, 0: none)
		marks       int    // how many marks over the capitals
		wantDropped bool
	}{
		{"a pale caption's line over the value", [2]int{2, 14}, 1, true},
		{"the caption's line cut by the top edge", [2]int{0, 9}, 2, true},
		{"marks alone over the value", [2]int{}, 3, false},
		{"a caption running into the value", [2]int{2, 26}, 0, false},
	} {
		g := image.NewGray(image.Rect(0, 0, 300, 60))
		for i := range g.Pix {
			g.Pix[i] = paper
		}
		if tc.caption != [2]int{} {
			fill(g, 10, 200, 9, 6, tc.caption[0], tc.caption[1], pale)
		}
		// the marks over the second, fourth... capital, the capitals from
		// row 26 to 50
		fill(g, 34, 34+tc.marks*48, 48, 10, 19, 23, dark)
		fill(g, 10, 290, 24, 18, 26, 50, dark)
		out := dropOtherLines(g, false)
		// painted as the paper, or near it
		dropped := out.GrayAt(12, max(tc.caption[1]-1, 0)).Y > 200
		markLeft := tc.marks == 0 || out.GrayAt(36, 20).Y == dark
		valueLeft := out.GrayAt(12, 40).Y == dark
		if (tc.caption != [2]int{} && dropped != tc.wantDropped) || !markLeft || !valueLeft {
			t.Errorf("%s: caption dropped %v (want %v), mark left %v, value left %v", tc.name, dropped, tc.wantDropped, markLeft, valueLeft)
		}
	}
}

// TestDropLineAboveAlongTheSlant: in a phone photo's cut the lines lean
// (ÁGNES TÜNDE under "Utónév / Given names", another hand's Hungarian
// passport): no row is clear across the cut, yet along the lines' slant
// the caption's line stands apart, and is dropped.
func TestDropLineAboveAlongTheSlant(t *testing.T) {
	const paper, pale, dark = 240, 150, 40
	for _, slant := range []float64{0, 0.06, -0.06} {
		g := image.NewGray(image.Rect(0, 0, 300, 80))
		for i := range g.Pix {
			g.Pix[i] = paper
		}
		// blocks width px wide every step px, rows top to bottom at the
		// cut's middle, leaning by slant
		fill := func(from, to, step, width, top, bottom int, v uint8) {
			for x := from; x+width <= to; x += step {
				for xx := x; xx < x+width; xx++ {
					dy := int(math.Round(slant * float64(xx-150)))
					for y := top + dy; y < bottom+dy; y++ {
						g.SetGray(xx, y, color.Gray{Y: v})
					}
				}
			}
		}
		fill(10, 290, 9, 6, 16, 28, pale)   // the caption's line
		fill(10, 290, 24, 18, 36, 60, dark) // the value's capitals
		out := dropOtherLines(g, false)
		dy := int(math.Round(slant * float64(12-150)))
		if v := out.GrayAt(12, 22+dy).Y; v < 200 {
			t.Errorf("slant %.2f: the caption's line left (%d)", slant, v)
		}
		if v := out.GrayAt(12, 48+dy).Y; v != dark {
			t.Errorf("slant %.2f: the value painted out (%d)", slant, v)
		}
	}
}

// TestDropOtherLinesBelowAName: under a name, the next field's caption
// line that a tall cut took in (GONÇALVES FERREIRA over "Nome(s)
// próprio(s) / Given names", another hand's Portuguese passport) is
// painted out, and a cedilla under a letter stays; a free text keeps
// its lines below, which may be its own.
func TestDropOtherLinesBelowAName(t *testing.T) {
	const paper, pale, dark = 240, 150, 40
	fill := grayBlocks
	for _, name := range []bool{true, false} {
		g := image.NewGray(image.Rect(0, 0, 300, 80))
		for i := range g.Pix {
			g.Pix[i] = paper
		}
		fill(g, 10, 290, 24, 18, 10, 34, dark) // the name's capitals
		fill(g, 60, 66, 8, 5, 37, 41, dark)    // a cedilla
		fill(g, 10, 200, 9, 6, 48, 60, pale)   // the next caption's line
		out := dropOtherLines(g, name)
		dropped := out.GrayAt(12, 54).Y > 200
		if dropped != name {
			t.Errorf("name %v: the line below dropped %v", name, dropped)
		}
		if out.GrayAt(62, 39).Y != dark || out.GrayAt(12, 20).Y != dark {
			t.Errorf("name %v: the cedilla or a letter painted out", name)
		}
	}
}

// BenchmarkDropOtherLines times the clean-up of one Latin cut the size
// of a passport name's, sampled for Tesseract (1200×240 px): a caption's
// line, the value's and marks, along a slant.
func BenchmarkDropOtherLines(b *testing.B) {
	g := image.NewGray(image.Rect(0, 0, 1200, 240))
	for i := range g.Pix {
		g.Pix[i] = 240
	}
	for x := 20; x+60 <= 1180; x += 80 {
		for xx := x; xx < x+60; xx++ {
			dy := int(0.03 * float64(xx-600))
			for y := 100 + dy; y < 190+dy; y++ {
				g.SetGray(xx, y, color.Gray{Y: 40})
			}
			for y := 30 + dy; y < 70+dy; y++ {
				if xx%3 == 0 {
					g.SetGray(xx, y, color.Gray{Y: 150})
				}
			}
		}
	}
	for b.Loop() {
		dropOtherLines(g, true)
	}
}

// grayBlocks paints, on g, blocks width px wide every step px from x
// from while they end by x to, rows top to bottom, grey v.
func grayBlocks(g *image.Gray, from, to, step, width, top, bottom int, v uint8) {
	for x := from; x+width <= to; x += step {
		for y := top; y < bottom; y++ {
			for xx := x; xx < x+width; xx++ {
				g.SetGray(xx, y, color.Gray{Y: v})
			}
		}
	}
}
