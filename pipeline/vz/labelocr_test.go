package vz

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"slices"
	"strings"
	"testing"

	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// TestBestLabelRun: a label is found by its words wherever it is printed
// (not at the type's zone), a short half shared by two labels ("АТЫ")
// does not stand for either, and Latin look-alikes read as Cyrillic.
func TestBestLabelRun(t *testing.T) {
	typ := &typedb.Type{LabelLangs: []string{"kk", "ru"}}
	first := typedb.Field{Name: "first_name", LabelZone: typedb.Rect{0.34, 0.39, 0.97, 0.44},
		Labels: typedb.Labels{KK: "АТЫ", RU: "ИМЯ"}}
	patr := typedb.Field{Name: "patronymic", LabelZone: typedb.Rect{0.34, 0.53, 0.97, 0.58},
		Labels: typedb.Labels{KK: "ӘКЕСІНІҢ АТЫ", RU: "ОТЧЕСТВО"}}
	w := func(s string, x0, y0, x1, y1, line int) ocr.Word {
		return ocr.Word{Text: s, Box: image.Rect(x0, y0, x1, y1), Line: line}
	}
	lines := [][]ocr.Word{
		{w("ATЫ/ИMЯ", 380, 309, 506, 334, 0)}, // Latin A, M
		{w("ӘКЕСІНІҢ", 382, 401, 520, 428, 1), w("АТЫ", 530, 401, 580, 428, 1)},
	}
	for _, c := range []struct {
		f    typedb.Field
		want image.Rectangle
		ok   bool
	}{
		{first, image.Rect(380, 309, 506, 334), true},
		{patr, image.Rect(382, 401, 580, 428), true},
	} {
		got, ok := bestLabelRun(lines, typ, c.f, 1027, 648)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: got %v %v, want %v %v", c.f.Name, got, ok, c.want, c.ok)
		}
	}
	// only the shared half printed: no label for first_name
	if got, ok := bestLabelRun(lines[1:], typ, first, 1027, 648); ok {
		t.Errorf("first_name found at %v in another label", got)
	}
}

// TestLabelFoundByAWordOfItsOwn: two labels side by side, read by
// Tesseract as one line with words lost ("БЕРІЛГЕН … ВЫДАЧИ ҚОЛДАНЫЛУ
// …", a Kazakh card's back drawn by another hand), are no run of
// either; a long word of one label that no other label prints, read
// exactly, still places it. A word two labels share ("ВЫДАЧИ") places
// neither.
func TestLabelFoundByAWordOfItsOwn(t *testing.T) {
	typ := &typedb.Type{LabelLangs: []string{"kk", "ru"}}
	issue := typedb.Field{Name: "date_of_issue", LabelZone: typedb.Rect{0.05, 0.36, 0.45, 0.40},
		Labels: typedb.Labels{KK: "БЕРІЛГЕН КҮНІ", RU: "ДАТА ВЫДАЧИ"}}
	auth := typedb.Field{Name: "authority", LabelZone: typedb.Rect{0.05, 0.48, 0.45, 0.52},
		Labels: typedb.Labels{KK: "БЕРГЕН ОРГАН", RU: "ОРГАН ВЫДАЧИ"}}
	typ.Fields = []typedb.Field{issue, auth}
	w := func(s string, x0, x1 int) ocr.Word {
		return ocr.Word{Text: s, Box: image.Rect(x0, 258, x1, 274)}
	}
	line := [][]ocr.Word{{w("БЕРІЛГЕН", 67, 176), w("ВЫДАЧИ", 321, 415), w("ҚОЛДАНЫЛУ", 486, 952), w("МЕРЗІМІ", 633, 727)}}
	got, ok := bestLabelRun(line, typ, issue, 1000, 640)
	if !ok || got.Min.X != 67 || got.Max.X != 176 {
		t.Errorf("date_of_issue: got %v %v, want its own word's box x 67–176", got, ok)
	}
	if got, ok := bestLabelRun(line, typ, auth, 1000, 640); ok {
		t.Errorf("authority found at %v by a word it shares", got)
	}
}

// TestLabelsPlacedByTheirColumn: on the Kazakh ID's front printed 8 %
// larger and shifted, a label read only as its right half starts where
// its column does again, and a label not read at all is placed between
// the two read above and below it, scaled as they are; nothing is placed
// from one neighbour alone or from neighbours whose distance no print
// size explains.
func TestLabelsPlacedByTheirColumn(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	typ := db.Document("kz-id-2014")[0]
	if typ.Side != typedb.Front {
		typ, _ = db.OtherSide(typ)
	}
	const w, h = 1027, 648
	zone := func(name string) image.Rectangle {
		for _, f := range typ.Fields {
			if f.Name == name {
				return f.LabelZone.Pixels(w, h)
			}
		}
		t.Fatalf("no field %s", name)
		return image.Rectangle{}
	}
	// the print: 8 % larger about the card's top left, moved 12 px right
	// and 9 px down
	printed := func(r image.Rectangle) image.Rectangle {
		m := func(v, d int) int { return int(float64(v)*1.08) + d }
		return image.Rect(m(r.Min.X, 12), m(r.Min.Y, 9), m(r.Min.X, 12)+r.Dx()/3, m(r.Max.Y, 9))
	}
	near := func(got, want int) bool { return got-want <= 4 && want-got <= 4 }

	found := map[string]image.Rectangle{}
	for _, n := range []string{"last_name", "patronymic", "date_of_birth"} {
		found[n] = printed(zone(n))
	}
	half := found["last_name"]
	half.Min.X += 96 // "ФАМИЛИЯ" of "ТЕГІ / ФАМИЛИЯ"
	found["last_name"] = half
	alignColumns(found, typ, w, h)
	if got, want := found["last_name"].Min.X, printed(zone("last_name")).Min.X; !near(got, want) {
		t.Errorf("last_name label starts at x=%d, want its column's %d", got, want)
	}
	if got, want := found["patronymic"], printed(zone("patronymic")); got != want {
		t.Errorf("patronymic label moved to %v, read at %v", got, want)
	}

	fields := []typedb.Field{}
	for _, f := range typ.Fields {
		if f.Name == "first_name" {
			fields = append(fields, f)
		}
	}
	between := inferLabels(found, typ, fields, w, h)
	got, ok := between["first_name"]
	want := printed(zone("first_name"))
	if !ok || !near(got.Min.X, want.Min.X) || !near(got.Min.Y, want.Min.Y) || !near(got.Max.Y, want.Max.Y) {
		t.Errorf("first_name label placed at %v (%v), want about %v", got, ok, want)
	}

	// placed between labels further away too: last_name and
	// date_of_birth
	delete(found, "patronymic")
	if got, ok := inferLabels(found, typ, fields, w, h)["first_name"]; !ok || !near(got.Min.Y, want.Min.Y) {
		t.Errorf("first_name placed at %v (%v) between last_name and date_of_birth, want about %v", got, ok, want)
	}
	// one neighbour only: nothing placed
	delete(found, "date_of_birth")
	if got, ok := inferLabels(found, typ, fields, w, h)["first_name"]; ok {
		t.Errorf("first_name placed at %v from the label above alone", got)
	}
	// neighbours twice as far apart as the type sets them: a misread
	found["patronymic"] = printed(zone("patronymic")).Add(image.Pt(0, 2*(zone("patronymic").Min.Y-zone("last_name").Min.Y)))
	if got, ok := inferLabels(found, typ, fields, w, h)["first_name"]; ok {
		t.Errorf("first_name placed at %v between labels no print size explains", got)
	}
}

// TestValueCutAtColumns: two dates side by side in two columns (the
// Kazakh ID's back: issue and expiry). A window that reaches into the
// next column's date leaves it out; a window set late by a label read in
// part takes its date from where it starts — unless the window was set
// past a label on the value's left on purpose; a window a label below
// ends is not cut past.
func TestValueCutAtColumns(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 900, 200))
	draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{235, 235, 228, 255}), image.Point{}, draw.Src)
	ink := image.NewUniform(color.RGBA{25, 25, 30, 255})
	// a date of ten characters: 14 px glyphs 4 px apart, 30 px tall
	date := func(x0 int) {
		for k := range 10 {
			draw.Draw(img, image.Rect(x0+18*k, 80, x0+18*k+14, 110), ink, image.Point{}, draw.Src)
		}
	}
	date(60)  // 60–236
	date(452) // 452–628
	l := newLayout(img, &typedb.Type{})
	f := typedb.Field{Name: "date_of_issue"}
	tests := []struct {
		name     string
		win      image.Rectangle
		growLeft bool
		minX     int // the box starts at or left of minX ...
		maxX     int // ... and ends at or before maxX
		startMin int // and starts at or right of startMin
	}{
		{"the next column's date left out", image.Rect(56, 60, 485, 130), true, 60, 300, 0},
		{"a late window takes its date from its start", image.Rect(479, 60, 700, 130), true, 452, 700, 400},
		{"a window set past a label stays", image.Rect(479, 60, 700, 130), false, 900, 700, 479},
	}
	// a label found just under the value ends the window: the cut keeps
	// out of it
	if box, err := l.cutValue(image.Rect(56, 60, 300, 114), f, cutRules{underLabel: true, growLeft: true}); err != nil || box.Max.Y > 114 {
		t.Errorf("cut %v (%v) reaches under the window's bottom 114", box, err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			box, err := l.cutValue(tc.win, f, cutRules{growLeft: tc.growLeft})
			if err != nil {
				t.Fatal(err)
			}
			if box.Min.X > tc.minX || box.Max.X > tc.maxX || box.Min.X < tc.startMin {
				t.Errorf("cut %v from window %v", box, tc.win)
			}
		})
	}
}

// TestUnreadLead: a label found by its second half alone starts where
// the pair does, the first half's characters to the left of it.
func TestUnreadLead(t *testing.T) {
	for _, tc := range []struct {
		pair, half string
		w, want    int
	}{
		{"ТЕГІ / ФАМИЛИЯ", "ФАМИЛИЯ", 140, 140}, // "ТЕГІ / " is seven characters, as is the half
		{"ТЕГІ / ФАМИЛИЯ", "ТЕГІ", 80, 0},       // the first half starts the pair
		{"ТУҒАН КҮНІ / ДАТА РОЖДЕНИЯ", "ДАТА РОЖДЕНИЯ", 260, 260},
		{"ЖСН / ИИН", "ИИН", 60, 120},
		{"SURNAME", "ФАМИЛИЯ", 100, 0}, // not part of the pair
	} {
		if got := unreadLead(tc.pair, tc.half, tc.w); got != tc.want {
			t.Errorf("unreadLead(%q, %q, %d) = %d, want %d", tc.pair, tc.half, tc.w, got, tc.want)
		}
	}
}

// TestValueCutTakesItsPaleStart: light falling off across a photo
// leaves a value's first letters paler than the window's ink threshold;
// under a label they are the value's all the same.
func TestValueCutTakesItsPaleStart(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 700, 200))
	draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
	pale := image.NewUniform(color.RGBA{158, 158, 160, 255}) // 0.65 of the paper
	dark := image.NewUniform(color.RGBA{120, 120, 125, 255})
	for k := range 7 {
		ink := dark
		if k < 4 {
			ink = pale
		}
		draw.Draw(img, image.Rect(100+22*k, 80, 100+22*k+17, 110), ink, image.Point{}, draw.Src)
	}
	l := newLayout(img, &typedb.Type{})
	box, err := l.cutValue(image.Rect(90, 60, 600, 130), typedb.Field{Name: "last_name"}, cutRules{underLabel: true, growLeft: true})
	if err != nil || box.Min.X > 100 {
		t.Errorf("cut %v (%v), want it to start at the pale letters (x=100)", box, err)
	}
}

// TestPaleDateIsCut: a date printed in light grey (0.72 of the paper,
// an overexposed phone photo of a Kazakh passport, renderer varied seed
// 8181) has no ink as dark as a value's; a date is looked for again at
// a paler threshold, and its cut made. A name as pale is not: no
// calendar test catches what a paler threshold would make of it.
func TestPaleDateIsCut(t *testing.T) {
	img := blankSide()
	glyphRow(img, 10, 100, 80, 110, color.RGBA{176, 176, 174, 255})
	l := newLayout(img, &typedb.Type{})
	win := image.Rect(90, 60, 600, 130)
	for _, tc := range []struct {
		f       typedb.Field
		wantCut bool
	}{
		{typedb.Field{Name: "date_of_expiry", Kind: typedb.KindDate}, true},
		{typedb.Field{Name: "last_name", Kind: typedb.KindName}, false},
	} {
		box, err := l.cutValue(win, tc.f, cutRules{underLabel: true})
		if tc.wantCut && (err != nil || box.Min.X > 100 || box.Max.X < 317) {
			t.Errorf("%s: cut %v (%v), want the pale value (x 100–317)", tc.f.Name, box, err)
		}
		if !tc.wantCut && !errors.Is(err, ErrEmpty) {
			t.Errorf("%s: cut %v (%v), want ErrEmpty", tc.f.Name, box, err)
		}
	}
}

// TestValueCutStartsWithItsLabel: glare over a value's first letters
// lifts them past every ink threshold (0.9 of the paper); a value the
// type prints flush with its label is cut from where the label starts,
// and one it prints indented is not.
func TestValueCutStartsWithItsLabel(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 700, 200))
	draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
	glared := image.NewUniform(color.RGBA{222, 222, 220, 255})
	dark := image.NewUniform(color.RGBA{60, 60, 65, 255})
	for k := range 9 {
		ink := dark
		if k < 2 {
			ink = glared
		}
		draw.Draw(img, image.Rect(100+22*k, 80, 100+22*k+17, 110), ink, image.Point{}, draw.Src)
	}
	l := newLayout(img, &typedb.Type{})
	win := image.Rect(90, 60, 600, 130) // under a label found at x=100
	for _, c := range []struct {
		name      string
		label     typedb.Rect
		wantStart int
	}{
		{"flush", typedb.Rect{100.0 / 700, 30.0 / 200, 300.0 / 700, 55.0 / 200}, 90},
		{"indented", typedb.Rect{20.0 / 700, 30.0 / 200, 300.0 / 700, 55.0 / 200}, 144 - 30},
	} {
		f := typedb.Field{Name: "patronymic", LabelZone: c.label, Zone: typedb.Rect{100.0 / 700, 80.0 / 200, 500.0 / 700, 110.0 / 200}}
		box, err := l.cutValue(win, f, cutRules{underLabel: true, growLeft: true})
		if err != nil || box.Min.X > c.wantStart {
			t.Errorf("%s: cut %v (%v), want it to start by x=%d", c.name, box, err, c.wantStart)
		}
		if c.name == "indented" && box.Min.X <= win.Min.X {
			t.Errorf("%s: cut %v starts at the window, want it at the value's ink", c.name, box)
		}
	}
}

// TestExtendRunStopsAtThePair: a half read alone widens over the rest of
// its own pair only, not over the label printed just before it in the
// next column ("… DATE OF ISSUE  БЕРГЕН ОРГАН / AUTHORITY").
func TestExtendRunStopsAtThePair(t *testing.T) {
	w := func(s string, x0, x1 int) ocr.Word {
		return ocr.Word{Text: s, Box: image.Rect(x0, 656, x1, 675)}
	}
	line := []ocr.Word{w("DATE", 560, 600), w("OF", 606, 624), w("ISSUE", 630, 690),
		w("БЕРГЕН", 712, 790), w("ОРГАН", 796, 860), w("/", 866, 872), w("AUTHORITY", 878, 1000)}
	before, after := pairWords("БЕРГЕН ОРГАН / AUTHORITY", "AUTHORITY")
	if before != 3 || after != 0 {
		t.Fatalf("pairWords: %d before, %d after, want 3, 0", before, after)
	}
	got := extendRun(line, 6, 6, line[6].Box, before, after)
	if got.Min.X != 712 {
		t.Errorf("label widened to start at x=%d, want its pair's 712", got.Min.X)
	}
}

// TestValueCutLeavesTheRimAtTheSidesEdge: a caption's window reaches the
// side's right edge, where a photo shows the card's dark rim, tall and
// far from the short value: the rim is left out of the cut, and the cut
// keeps the value's rows, not the rim's ("MOJ" read as "EES J" so).
func TestValueCutLeavesTheRimAtTheSidesEdge(t *testing.T) {
	img := blankSide()
	ink := color.RGBA{40, 40, 45, 255}
	glyphRow(img, 3, 60, 90, 115, ink)
	draw.Draw(img, image.Rect(688, 62, 700, 160), image.NewUniform(ink), image.Point{}, draw.Src) // the rim
	l := newLayout(img, &typedb.Type{})
	box, err := l.cutValue(image.Rect(50, 60, 700, 160), typedb.Field{Name: "authority"}, cutRules{})
	if err != nil || box.Max.X > 300 || box.Min.Y < 75 || box.Max.Y > 130 {
		t.Errorf("cut %v (%v), want the value alone (x 60–126, y 90–115, with margins)", box, err)
	}
}

// A generic side's value is the first line of print under its caption:
// not the denser caption below it that heads no field, not one band with
// it, joined by a page's border that runs down beside the window, and
// not another column's caption set lower beside this one, reaching into
// the window from above.
func TestCaptionValueIsTheFirstLineUnderIt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rim    bool
		beside bool
	}{{"clean", false, false}, {"a border beside", true, false}, {"a lower caption beside", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, 700, 260))
			draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
			dark := image.NewUniform(color.RGBA{40, 40, 45, 255})
			fill := func(r image.Rectangle) { draw.Draw(img, r, dark, image.Point{}, draw.Src) }
			caption := image.Rect(100, 40, 220, 60)
			fill(caption)
			for k := range 2 { // the value: two letters
				fill(image.Rect(104+22*k, 78, 104+22*k+17, 100))
			}
			for k := range 20 { // the next caption down, long and dense
				fill(image.Rect(100+25*k, 112, 100+25*k+22, 132))
			}
			if tc.rim {
				fill(image.Rect(680, 0, 686, 260))
			}
			if tc.beside { // another column's caption, set lower
				for k := range 3 {
					fill(image.Rect(420+22*k, 50, 420+22*k+17, 73))
				}
			}
			l := newLayout(img, &typedb.Type{Generic: true})
			l.labels = map[string]image.Rectangle{"authority": caption}
			box, _, anchored, err := l.valueCut(typedb.Field{Name: "authority", Kind: typedb.KindText})
			if err != nil || !anchored || box.Min.Y < 61 || box.Max.Y > 111 || box.Max.X > 300 {
				t.Errorf("cut %v (anchored %v, %v), want the value alone (x 104–143, y 78–100, with margins)", box, anchored, err)
			}
		})
	}
}

// blankSide is a 700×200 side of plain paper.
func blankSide() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 700, 200))
	draw.Draw(img, img.Rect, image.NewUniform(color.RGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
	return img
}

// glyphRow prints n glyph-sized blocks of ink on img, 22 px apart from
// x, between rows y0 and y1.
func glyphRow(img *image.RGBA, n, x, y0, y1 int, ink color.RGBA) {
	for k := range n {
		draw.Draw(img, image.Rect(x+22*k, y0, x+22*k+17, y1), image.NewUniform(ink), image.Point{}, draw.Src)
	}
}

// TestTemplateValueEndsAtAGap: artwork printed in a value's zone several
// heights after the value (a rosette beside a short surname, "ЦОЙ ---
// ЖҮЬ" in a Kazakh card drawn by another hand) is no part of it, however
// the value's window was set: under a label read, under one placed
// between two read, or from the type's zones; not in a generic type's
// zone, which is a guess.
func TestTemplateValueEndsAtAGap(t *testing.T) {
	img := blankSide()
	dark := color.RGBA{40, 40, 45, 255}
	glyphRow(img, 3, 100, 80, 110, dark) // the value, x 100–161, 30 px tall
	for k := range 6 {                   // a rosette's strokes from x=320, in the value's rows
		draw.Draw(img, image.Rect(320+14*k, 78+2*k, 323+14*k, 112-2*k), image.NewUniform(color.RGBA{70, 60, 120, 255}), image.Point{}, draw.Src)
	}
	px := func(x0, y0, x1, y1 float64) typedb.Rect { return typedb.Rect{x0 / 700, y0 / 200, x1 / 700, y1 / 200} }
	f := typedb.Field{Name: "last_name", Kind: typedb.KindName, LabelZone: px(100, 40, 300, 60), Zone: px(100, 75, 600, 115)}
	label := image.Rect(100, 40, 300, 60)
	for _, tc := range []struct {
		name            string
		labels, between map[string]image.Rectangle
	}{
		{name: "under a label read", labels: map[string]image.Rectangle{f.Name: label}},
		{name: "under a label placed", labels: map[string]image.Rectangle{}, between: map[string]image.Rectangle{f.Name: label}},
		{name: "from the type's zones"},
	} {
		l := newLayout(img, &typedb.Type{Fields: []typedb.Field{f}})
		l.labels, l.between = tc.labels, tc.between
		box, _, _, err := l.valueCut(f)
		if err != nil || box.Min.X > 100 || box.Max.X < 161 || box.Max.X >= 320 {
			t.Errorf("%s: cut %v (%v), want the value (x 100–161) and not the rosette (from x=320)", tc.name, box, err)
		}
	}
	// a generic type's zone is a guess: what lies in it is not known to
	// be one value, and a clean cut of its first run would read another
	// field's value there surely
	l := newLayout(img, &typedb.Type{Generic: true, Fields: []typedb.Field{f}})
	if box, _, _, err := l.valueCut(f); err != nil || box.Max.X < 320 {
		t.Errorf("generic, from its guessed zone: cut %v (%v), want the zone's ink whole (to x≥320)", box, err)
	}
}

// readings answers the n-th read of words with its n-th list.
type readings struct {
	lists [][]ocr.Word
	n     int
}

func (r *readings) Read(context.Context, *image.Gray, ocr.Request) (ocr.Text, error) {
	return ocr.Text{}, errors.New("words only")
}

func (r *readings) Words(context.Context, *image.Gray, ocr.Request) ([]ocr.Word, error) {
	if r.n >= len(r.lists) {
		return nil, errors.New("read once too often")
	}
	r.n++
	return slices.Clone(r.lists[r.n-1]), nil
}

// TestLabelsReadAgainOnEvenPaper: where the label pass missed labels
// (Tesseract's layout analysis kept one column of a Kazakh card's back
// photographed small), the side is read again on even paper, and the
// reading that places more labels is kept; a pass that placed every
// label is not repeated.
func TestLabelsReadAgainOnEvenPaper(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	back := db.Document("kz-id-2014")[0]
	if back.Side == typedb.Front {
		back, _ = db.OtherSide(back)
	}
	const w, h = 1027, 648
	// every label of the back printed where its zone is, one line each
	var all []ocr.Word
	var labelled []string
	for i, f := range back.Fields {
		label := back.PrintedLabel(f)
		if len([]rune(letters(label))) < 3 || f.LabelZone.Width() <= 0 {
			continue
		}
		labelled = append(labelled, f.Name)
		z := f.LabelZone.Pixels(w, h)
		all = append(all, ocr.Word{Text: strings.ReplaceAll(label, " ", ""), Box: z, Confidence: 90, Line: i})
	}
	if len(labelled) < 2 {
		t.Fatalf("the back has %d labelled fields", len(labelled))
	}
	// one column read, with its values: as many words as labels
	column := append(slices.Clone(all[:1]), ocr.Word{Text: "28.07.2032", Box: image.Rect(480, 300, 600, 320), Line: 90})
	for i := range all {
		column = append(column, ocr.Word{Text: "МВД", Box: image.Rect(480, 340+30*i, 540, 360+30*i), Line: 91 + i})
	}
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for _, tc := range []struct {
		name  string
		lists [][]ocr.Word
		want  int // labels placed
		reads int
	}{
		{"one column read, then all", [][]ocr.Word{column, all}, len(all), 2},
		{"all read at once", [][]ocr.Word{all}, len(all), 1},
		{"even paper reads fewer", [][]ocr.Word{all[1:], all[:1]}, len(all) - 1, 2},
	} {
		r := &readings{lists: tc.lists}
		got, _ := findLabels(context.Background(), r, gray, nil, back, nil)
		if len(got) != tc.want || r.n != tc.reads {
			t.Errorf("%s: %d labels placed in %d reads, want %d in %d (labelled fields %v)", tc.name, len(got), r.n, tc.want, tc.reads, labelled)
		}
	}
}
