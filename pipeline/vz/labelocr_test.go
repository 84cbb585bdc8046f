package vz

import (
	"image"
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
