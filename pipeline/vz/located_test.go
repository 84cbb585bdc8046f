package vz

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// TestLocateName: a name is found among a page's words as the MRZ spells
// it, in either ICAO spelling of its marks, whole words only; a short
// name, digits, or another name are not.
func TestLocateName(t *testing.T) {
	last := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	bounds := image.Rect(0, 0, 1000, 600)
	blank := image.NewRGBA(bounds)
	draw.Draw(blank, bounds, image.White, image.Point{}, draw.Src)
	line := func(n, y int, texts ...string) []ocr.Word {
		var ws []ocr.Word
		for i, tx := range texts {
			ws = append(ws, ocr.Word{Text: tx, Box: image.Rect(100+150*i, y, 240+150*i, y+30), Confidence: 90, Line: n})
		}
		return ws
	}
	for _, tc := range []struct {
		name  string
		words []ocr.Word
		want  string
		found string // "": not found
		top   int
	}{
		{"marked", line(0, 100, "KOVÁČOVÁ"), "KOVACOVA", "KOVÁČOVÁ", 100},
		{"the long spelling", line(0, 100, "MÜLLER"), "MUELLER", "MÜLLER", 100},
		{"two words", line(0, 100, "Nr", "ANNELIE", "JOHANNA"), "ANNELIE JOHANNA", "ANNELIE JOHANNA", 100},
		{"glued", line(0, 100, "ANNELIEJOHANNA"), "ANNELIE JOHANNA", "ANNELIEJOHANNA", 100},
		{"a number before it", line(0, 100, "7", "ANNELIE", "JOHANNA"), "ANNELIE JOHANNA", "ANNELIE JOHANNA", 100},
		{"the topmost of two", append(line(0, 300, "WANG"), line(1, 120, "WANG")...), "WANG", "WANG", 120},
		{"part of a word", line(0, 100, "KOVACOVAS"), "KOVACOVA", "", 0},
		{"another name", line(0, 100, "KOVATOVA"), "KOVACOVA", "", 0},
		{"too short to tell", line(0, 100, "LI"), "LI", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd, ok := LocateName(tc.words, last, tc.want, Side{Image: blank, Type: &typedb.Type{Generic: true}})
			if !ok {
				if tc.found != "" {
					t.Fatalf("not found, want %q", tc.found)
				}
				return
			}
			if rd.Value != tc.found || !rd.Located {
				t.Fatalf("found %q (located %v), want %q", rd.Value, rd.Located, tc.found)
			}
			if top := rd.Region.Pixels(bounds.Dx(), bounds.Dy()).Min.Y; top > tc.top || top < tc.top-15 {
				t.Errorf("region's top %d, want just above %d", top, tc.top)
			}
		})
	}
}

// TestLocateNameNear: a name the caption pass read with one letter wrong
// is the MRZ's where the Latin-script model, reading its words again,
// reads the MRZ's letters, in its own spelling; another name one letter
// from the MRZ's is not.
func TestLocateNameNear(t *testing.T) {
	pool, fnt, typ, img := tesseractOnBlankTD3(t)
	last := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	for _, tc := range []struct {
		printed, passRead, state, mrz string
		alike                         []string
		want                          string
		found                         bool
	}{
		{"KOVÁČOVÁ", "Kovatova", "SVK", "KOVACOVA", nil, "KOVÁČOVÁ", true},
		{"KOVALOVA", "KOVALOVA", "SVK", "KOVACOVA", nil, "", false},
		// two edits from the MRZ's letters, one from its Ö read plain
		{"LJUNGSTRÖM", "LJIUNGSTROM", "SWE", "LJUNGSTROEM", []string{"LJUNGSTROM"}, "LJUNGSTRÖM", true},
		{"LJUNGSTRÖM", "LJIUNGSTROM", "SWE", "LJUNGSTROEM", nil, "", false},
		// near the other spelling, but the Latin reading spells another name
		{"LJUNGSTRAM", "LJIUNGSTROM", "SWE", "LJUNGSTROEM", []string{"LJUNGSTROM"}, "", false},
	} {
		draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
		putText(t, img, fnt, tc.printed, 600, 540, 34, color.RGBA{20, 20, 30, 255})
		words := []ocr.Word{{Text: tc.passRead, Box: image.Rect(596, 490, 900, 560), Confidence: 60}}
		side := Side{Image: img, Type: typ, State: tc.state, Nationality: tc.state}
		rd, ok := LocateNameNear(context.Background(), pool, side, words, last, tc.mrz, tc.alike...)
		if ok != tc.found || ok && (rd.Value != tc.want || !rd.Located) {
			t.Errorf("%s read %q: %q, located %v; want %q, %v", tc.printed, tc.passRead, rd.Value, ok, tc.want, tc.found)
		}
	}
}

// TestMarksOf: a located name read without marks takes those of an
// earlier reading of the field that spells its letters, and no others.
func TestMarksOf(t *testing.T) {
	for _, tc := range []struct {
		plain   string
		earlier Reading
		want    string
		ok      bool
	}{
		{"KAZLAUSKIENE", Reading{Value: "KAZLAUSKIENĖ"}, "KAZLAUSKIENĖ", true},
		{"KAZLAUSKIENE", Reading{Value: "KAZLAUSKIENE", Marked: "KAZLAUSKIENĖ"}, "KAZLAUSKIENĖ", true},
		{"CATALINA IOANA", Reading{Value: "CĂTĂLINA IOANA"}, "CĂTĂLINA IOANA", true},
		// another name, or a reading that failed
		{"KAZLAUSKIENE", Reading{Value: "KAZLAUSKAITĖ"}, "KAZLAUSKIENE", false},
		{"KAZLAUSKIENE", Reading{Value: "KAZLAUSKIENĖ", Err: ErrUnreadable}, "KAZLAUSKIENE", false},
		// no marks to take, or marks of its own already
		{"KAZLAUSKIENE", Reading{Value: "KAZLAUSKIENE"}, "KAZLAUSKIENE", false},
		{"KAZLAUSKIENĖ", Reading{Value: "KAŽLAUSKIENĖ"}, "KAZLAUSKIENĖ", false},
	} {
		if got, ok := MarksOf(tc.plain, tc.earlier); got != tc.want || ok != tc.ok {
			t.Errorf("MarksOf(%q, %+v) = %q, %v; want %q, %v", tc.plain, tc.earlier, got, ok, tc.want, tc.ok)
		}
	}
}
