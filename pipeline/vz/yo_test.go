package vz

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"os"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/docscan/docscan/typedb"
)

// TestYoFromItsMark: both Tesseract models may read a printed Ё as Е.
// A mark above the letters that no Й accounts for puts the Ё back on
// the Е under it; where two Е lie as near, the name is no value rather
// than a wrong one. Printed in DejaVu Sans (our own drawing), read by a
// reader that drops every Ё.
func TestYoFromItsMark(t *testing.T) {
	face, err := opentype.NewFace(dejaVuSans(t), &opentype.FaceOptions{Size: 44, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptCyrillic, Zone: typedb.Rect{0.1, 0.38, 0.7, 0.52}}
	for _, tc := range []struct {
		printed, read, want string
		empty               bool
	}{
		{"ЧЕРНЫШЁВ", "ЧЕРНЫШЕВ", "ЧЕРНЫШЁВ", false},
		{"ЁЛКИН", "ЕЛКИН", "ЁЛКИН", false},
		{"ЧЕРНЫШЕВ", "ЧЕРНЫШЕВ", "ЧЕРНЫШЕВ", false},
		{"ДМИТРИЙ", "ДМИТРИЙ", "ДМИТРИЙ", false}, // the breve is Й's
		{"СЕЁЕВ", "СЕЕЕВ", "", true},             // three Е side by side: which?
	} {
		t.Run(tc.printed, func(t *testing.T) {
			page := image.NewRGBA(image.Rect(0, 0, 1000, 630))
			draw.Draw(page, page.Rect, image.NewUniform(color.RGBA{246, 243, 236, 255}), image.Point{}, draw.Src)
			d := font.Drawer{Dst: page, Src: image.NewUniform(color.RGBA{20, 20, 25, 255}), Face: face, Dot: fixed.P(130, 305)}
			d.DrawString(tc.printed)
			r := &langReader{texts: map[string]string{"kaz+rus": tc.read, "rus": tc.read}}
			typ := &typedb.Type{Fields: []typedb.Field{name}}
			got := ReadFields(context.Background(), r, []Side{{Image: page, Type: typ}}, nil)[0]
			if len(got) != 1 {
				t.Fatalf("readings %+v", got)
			}
			if tc.empty {
				if got[0].Value != "" || !errors.Is(got[0].Err, ErrUnreadable) {
					t.Errorf("%q printed, %q read: %q (%v), want no value", tc.printed, tc.read, got[0].Value, got[0].Err)
				}
				return
			}
			if got[0].Value != tc.want || got[0].Err != nil {
				t.Errorf("%q printed, %q read: %q (%v), want %q", tc.printed, tc.read, got[0].Value, got[0].Err, tc.want)
			}
		})
	}
}

// dejaVuSans is Debian's DejaVu Sans; the test is skipped without it.
func dejaVuSans(t *testing.T) *opentype.Font {
	t.Helper()
	return fontAt(t, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
}

// fontAt is the font in file path; the test is skipped without it.
func fontAt(t *testing.T, path string) *opentype.Font {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skip("font not installed:", err)
	}
	fnt, err := opentype.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return fnt
}

// TestMarksAbove: a dot above a line of capitals, clear of it, is a
// mark; ink at the cut's top edge (a descender of the line above, cut
// through) is not; ink above as wide as a letter is no mark it can tell.
func TestMarksAbove(t *testing.T) {
	line := func() *image.Gray {
		g := image.NewGray(image.Rect(0, 0, 300, 72))
		draw.Draw(g, g.Rect, image.White, image.Point{}, draw.Src)
		for x := 10; x < 280; x += 30 {
			draw.Draw(g, image.Rect(x, 20, x+20, 60), image.Black, image.Point{}, draw.Src)
		}
		return g
	}
	dot := func(g *image.Gray, r image.Rectangle) *image.Gray {
		draw.Draw(g, r, image.Black, image.Point{}, draw.Src)
		return g
	}
	for _, tc := range []struct {
		what  string
		g     *image.Gray
		marks int
	}{
		{"capitals alone", line(), 0},
		{"a dot above", dot(line(), image.Rect(100, 10, 106, 15)), 1},
		{"two dots far apart", dot(dot(line(), image.Rect(40, 10, 46, 15)), image.Rect(200, 10, 206, 15)), 2},
		{"a descender cut at the top edge", dot(line(), image.Rect(100, 0, 104, 6)), 0},
		{"a rule above", dot(line(), image.Rect(20, 10, 200, 13)), 0},
	} {
		marks, _, _ := marksAbove(tc.g)
		if len(marks) != tc.marks {
			t.Errorf("%s: marks at %v, want %d", tc.what, marks, tc.marks)
		}
	}
}
