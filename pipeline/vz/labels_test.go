package vz

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/typedb"
)

// TestIsLabel: a label read where a value should be (alone, as the
// bilingual pair, misread a little) is known for one; values are not.
func TestIsLabel(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	front := db.Document("kz-id-2014")[0]
	back := db.Document("kz-id-2014")[1]
	for _, c := range []struct {
		typ  *typedb.Type
		v    string
		want bool
	}{
		{front, "ТЕГІ ФАМИЛИЯ", true},
		{front, "ТЕГІ / ФАМИЛИЯ", true},
		{front, "АТЫ ИМЯ", true},
		{front, "ӘКЕСІНІҢ АТЫ ОТЧЕСТВО", true},
		{front, "ӘКЕСІНІҢ АТЫ ОТЧЕСТВ", true}, // a letter lost
		{back, "БЕРГЕН ОРГАН / ОРГАН ВЫДАЧИ", true},
		{front, "НОВИКОВ", false},
		{front, "СЕРГЕЙ", false},
		{front, "ИВАНОВИЧ", false},
		{back, "МВД РК", false},
		{back, "МЮ РК", false},
		{front, "08.09.2006", false},
	} {
		if got := isLabel(c.typ, c.v); got != c.want {
			t.Errorf("isLabel(%q) = %v, want %v", c.v, got, c.want)
		}
	}
}

// A value's window is set by the labels (a generic side's captions)
// around it whatever order the map hands them out in: the label beside
// this one narrows the window to its column first, so a label under the
// next column's does not cut this value short (it did one run in two,
// emptying a passport's given names at random).
func TestValueWindowIgnoresTheLabelsOrder(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 1000, 600))
	lb := image.Rect(50, 60, 300, 90)
	beside := image.Rect(500, 60, 700, 90)      // the next column's label
	nextUnder := image.Rect(520, 120, 700, 150) // under the next column's label
	for _, tc := range []struct {
		name   string
		f      typedb.Field
		labels map[string]image.Rectangle
		window func(l *layout, f typedb.Field) (image.Rectangle, bool)
		want   image.Rectangle
	}{
		{"under a state's label",
			typedb.Field{Name: "first_name", LabelZone: typedb.Rect{0.05, 0.1, 0.3, 0.15}, Zone: typedb.Rect{0.05, 0.16, 0.6, 0.3}},
			map[string]image.Rectangle{"first_name": lb, "nationality": beside, "sex": nextUnder, "patronymic": image.Rect(50, 200, 300, 230)},
			func(l *layout, f typedb.Field) (image.Rectangle, bool) { return l.belowLabel(f, lb) },
			image.Rect(30, 91, 490, 199)},
		{"under a generic side's caption",
			typedb.Field{Name: "last_name"},
			map[string]image.Rectangle{"last_name": lb, "nationality": beside, "sex": nextUnder},
			func(l *layout, f typedb.Field) (image.Rectangle, bool) { return l.underCaption(f, lb) },
			image.Rect(35, 91, 485, 180)},
	} {
		for range 50 {
			labels := map[string]image.Rectangle{}
			for k, v := range tc.labels {
				labels[k] = v // a new map: a new order
			}
			win, ok := tc.window(&layout{img: img, labels: labels}, tc.f)
			if !ok || win != tc.want {
				t.Fatalf("%s: window %v (%v), want %v", tc.name, win, ok, tc.want)
			}
		}
	}
}

// TestBelowLabelOtherColumns: under a state's label, a label lower
// down that starts past this one's end heads another column (another
// hand's card set the expiry's label level with the authority's value,
// to its right, and the authority's window ended at it, "МВД РК" read in
// half): it narrows the value's window instead of ending it; the next
// label down in the label's own column ends it.
func TestBelowLabelOtherColumns(t *testing.T) {
	f := typedb.Field{Name: "authority", LabelZone: typedb.Rect{0.05, 0.1, 0.3, 0.13}, Zone: typedb.Rect{0.05, 0.14, 0.6, 0.2}}
	lb := image.Rect(50, 60, 300, 78) // the type's reach under it: 42 px
	for _, tc := range []struct {
		name   string
		value  image.Rectangle
		labels map[string]image.Rectangle
		want   image.Rectangle
	}{
		{"a value within the type's reach", image.Rect(50, 90, 200, 130), nil, image.Rect(42, 79, 604, 141)},
		{"another column's label lower down", image.Rect(50, 90, 200, 150),
			map[string]image.Rectangle{"date_of_expiry": image.Rect(400, 120, 600, 140)}, image.Rect(42, 79, 396, 141)},
		{"the next label down in its column", image.Rect(50, 90, 200, 150),
			map[string]image.Rectangle{"date_of_issue": image.Rect(50, 130, 300, 148)}, image.Rect(42, 79, 604, 129)},
	} {
		img := image.NewRGBA(image.Rect(0, 0, 1000, 600))
		draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
		draw.Draw(img, tc.value, image.Black, image.Point{}, draw.Src)
		labels := map[string]image.Rectangle{f.Name: lb}
		for k, v := range tc.labels {
			labels[k] = v
		}
		l := &layout{img: img, labels: labels}
		if win, ok := l.belowLabel(f, lb); !ok || win != tc.want {
			t.Errorf("%s: window %v (%v), want %v", tc.name, win, ok, tc.want)
		}
	}
}

// TestDateCutInsideItsInk: a date printed lower than its label's window
// reaches has its cut end inside its digits; it is read, but not surely,
// however it is read again (another hand's card: "12.06.2031" with its
// feet cut off read "19.06.2031" at 0.84, a false alarm). Printed within
// reach, it is sure.
func TestDateCutInsideItsInk(t *testing.T) {
	pool, fnt := tesseractPool(t), dejaVuSans(t)
	f := typedb.Field{Name: "date_of_expiry", Kind: typedb.KindDate, Script: typedb.ScriptDigits,
		LabelZone: typedb.Rect{0.05, 0.1, 0.3, 0.13}, Zone: typedb.Rect{0.05, 0.14, 0.6, 0.2}}
	lb := image.Rect(50, 60, 300, 78) // the window under it ends at y=141
	for _, tc := range []struct {
		baseline int
		sure     bool
	}{
		{125, true},
		{144, false}, // its feet under the window's foot
	} {
		img := image.NewRGBA(image.Rect(0, 0, 1000, 600))
		draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
		putText(t, img, fnt, "12.06.2031", 60, tc.baseline, 40, color.RGBA{20, 20, 30, 255})
		lay := &layout{img: img, typ: &typedb.Type{}, labels: map[string]image.Rectangle{f.Name: lb}}
		rd := readField(context.Background(), pool, imgutil.Gray(img), nil, lay, f)
		if (tc.sure && rd.Err != nil) || (rd.Confidence > 0) != tc.sure || rd.clipped == tc.sure {
			t.Errorf("baseline %d: %q at %.0f (clipped %v, %v), want sure %v", tc.baseline, rd.Value, rd.Confidence, rd.clipped, rd.Err, tc.sure)
		}
	}
}
