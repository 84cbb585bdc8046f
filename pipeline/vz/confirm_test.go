package vz

import (
	"context"
	"image"
	"image/draw"
	"sync"
	"testing"

	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// scriptedReader answers its reads in turn from a script, then "".
type scriptedReader struct {
	mu     sync.Mutex
	script []ocr.Text
	calls  int
}

func (r *scriptedReader) Read(context.Context, *image.Gray, ocr.Request) (ocr.Text, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if len(r.script) == 0 {
		return ocr.Text{}, nil
	}
	t := r.script[0]
	r.script = r.script[1:]
	return t, nil
}

// TestUnsureDigitsConfirmedByRereading: a date or number read unsurely
// takes the best confidence of a re-reading that agrees exactly (a value
// of digits alone, also of a reading without the whitelist); one that no
// re-reading reproduces stays unsure; a sure one is not read again; a
// name is never confirmed this way. A field of a closed set of values
// read letter for letter as an entry is taken as sure; one read near no
// entry is read again.
func TestUnsureDigitsConfirmedByRereading(t *testing.T) {
	date := typedb.Field{Name: "date_of_issue", Kind: typedb.KindDate, Script: typedb.ScriptDigits, Zone: typedb.Rect{0.1, 0.4, 0.6, 0.5}}
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptLatin, Zone: typedb.Rect{0.1, 0.4, 0.6, 0.5}}
	number := typedb.Field{Name: "document_number", Kind: typedb.KindNumber, Script: typedb.ScriptDigits, Zone: typedb.Rect{0.1, 0.4, 0.6, 0.5}}
	latinNumber := typedb.Field{Name: "document_number", Kind: typedb.KindNumber, Script: typedb.ScriptLatin, Zone: typedb.Rect{0.1, 0.4, 0.6, 0.5}}
	authority := typedb.Field{Name: "authority", Kind: typedb.KindText, Script: typedb.ScriptCyrillic, Zone: typedb.Rect{0.1, 0.4, 0.6, 0.5},
		Values: []string{"ҚР ІІМ", "ҚР ӘМ", "МВД РК", "МЮ РК"}}
	page := image.NewRGBA(image.Rect(0, 0, 1000, 630))
	draw.Draw(page, page.Rect, image.White, image.Point{}, draw.Src)
	for x := 140; x < 520; x += 24 {
		// glyph-sized strokes in the zone: something printed to read
		draw.Draw(page, image.Rect(x, 262, x+12, 300), image.Black, image.Point{}, draw.Src)
	}
	for _, tc := range []struct {
		name      string
		f         typedb.Field
		script    []ocr.Text
		wantConf  float64
		wantReads int
	}{
		{"agreeing re-read confirms", date, []ocr.Text{{Text: "24.02.2023", Confidence: 0}, {Text: "24.02.2023", Confidence: 96}, {Text: "24.02.2023", Confidence: 23}}, 96, 3},
		{"disagreeing re-reads leave it unsure", date, []ocr.Text{{Text: "24.02.2023", Confidence: 0}, {Text: "24.02.2028", Confidence: 96}, {Text: "", Confidence: 80}, {Text: "24.02.2028", Confidence: 90}}, 0, 4},
		{"a number after a glyph the whitelist leaves out", number, []ocr.Text{{Text: "042205054", Confidence: 0}, {Text: "042205054", Confidence: 0}, {Text: "042205054", Confidence: 0}, {Text: "№ 042205054", Confidence: 93}}, 93, 4},
		{"letters are not confirmed without the whitelist", latinNumber, []ocr.Text{{Text: "N96555110", Confidence: 0}, {Text: "N96555110", Confidence: 0}, {Text: "N96555110", Confidence: 0}, {Text: "N96555110", Confidence: 93}}, 0, 3},
		{"an entry of a closed set read whole", authority, []ocr.Text{{Text: "ҚР ӘМ", Confidence: 0}}, listedConfidence, 1},
		{"a reading near no entry is read again", authority, []ocr.Text{{Text: "ҚРПМ", Confidence: 87}, {Text: "ҚР ІІМ", Confidence: 75}}, listedConfidence, 2},
		{"a sure reading is not read again", date, []ocr.Text{{Text: "24.02.2023", Confidence: 91}}, 91, 1},
		{"a name is not confirmed by re-reading", name, []ocr.Text{{Text: "ERIKSSON", Confidence: 20}, {Text: "ERIKSSON", Confidence: 96}}, 20, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &scriptedReader{script: tc.script}
			typ := &typedb.Type{Fields: []typedb.Field{tc.f}}
			got := ReadFields(context.Background(), r, []Side{{Image: page, Type: typ}}, nil)[0]
			if len(got) != 1 || got[0].Err != nil {
				t.Fatalf("readings %+v", got)
			}
			if got[0].Confidence != tc.wantConf || r.calls != tc.wantReads {
				t.Errorf("confidence %v after %d reads, want %v after %d", got[0].Confidence, r.calls, tc.wantConf, tc.wantReads)
			}
		})
	}
}

// langReader answers each read by the request's languages.
type langReader struct {
	mu    sync.Mutex
	texts map[string]string
	langs []string
}

func (r *langReader) Read(_ context.Context, _ *image.Gray, req ocr.Request) (ocr.Text, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.langs = append(r.langs, req.Languages)
	return ocr.Text{Text: r.texts[req.Languages], Confidence: 90}, nil
}

// A Cyrillic name with an Е is read again with the Russian model alone,
// whose Ё is taken where the readings differ by that alone: the Kazakh
// model has none.
func TestYoFromTheRussianModel(t *testing.T) {
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptCyrillic, Zone: typedb.Rect{0.1, 0.4, 0.6, 0.5}}
	page := image.NewRGBA(image.Rect(0, 0, 1000, 630))
	draw.Draw(page, page.Rect, image.White, image.Point{}, draw.Src)
	for x := 140; x < 520; x += 24 {
		draw.Draw(page, image.Rect(x, 262, x+12, 300), image.Black, image.Point{}, draw.Src)
	}
	for _, tc := range []struct {
		what, kaz, rus, want string
		reads                int
	}{
		{"Ё restored", "ЧЕРНЫШЕВА", "ЧЕРНЫШЁВА", "ЧЕРНЫШЁВА", 2},
		{"no Ё", "СЕРГЕЕВА", "СЕРГЕЕВА", "СЕРГЕЕВА", 2},
		{"a Kazakh letter the Russian model misreads", "ӘБЕНҰЛЫ", "АБЁНУЛЫ", "ӘБЕНҰЛЫ", 2},
		{"no Е: not read again", "ҚАЙРАТ", "ҚАЙРАТ", "ҚАЙРАТ", 1},
	} {
		t.Run(tc.what, func(t *testing.T) {
			r := &langReader{texts: map[string]string{"kaz+rus": tc.kaz, "rus": tc.rus}}
			typ := &typedb.Type{Fields: []typedb.Field{name}}
			got := ReadFields(context.Background(), r, []Side{{Image: page, Type: typ}}, nil)[0]
			if len(got) != 1 || got[0].Err != nil || got[0].Value != tc.want || len(r.langs) != tc.reads {
				t.Errorf("reading %+v after reads %v, want %q after %d", got, r.langs, tc.want, tc.reads)
			}
		})
	}
}
