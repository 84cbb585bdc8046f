package vz

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"slices"
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
	face, labelFace := nameAndLabelFaces(t)
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptCyrillic, Zone: typedb.Rect{0.1, 0.38, 0.7, 0.52}}
	for _, tc := range []struct {
		printed, read, want string
		empty               bool
		// label, when set, is printed above the name, its baseline at
		// labelY: at 256 its foot stands just clear of the marks' tops,
		// at 262 level with them
		label  string
		labelY int
	}{
		{"ЧЕРНЫШЁВ", "ЧЕРНЫШЕВ", "ЧЕРНЫШЁВ", false, "", 0},
		{"ЁЛКИН", "ЕЛКИН", "ЁЛКИН", false, "", 0},
		{"ЧЕРНЫШЕВ", "ЧЕРНЫШЕВ", "ЧЕРНЫШЕВ", false, "", 0},
		{"ДМИТРИЙ", "ДМИТРИЙ", "ДМИТРИЙ", false, "", 0}, // the breve is Й's
		{"СЕЁЕВ", "СЕЕЕВ", "", true, "", 0},             // three Е side by side: which?
		{"ХАЙРУЛЛИНА", "ХАИРУЛЛИНА", "ХАЙРУЛЛИНА", false, "", 0},
		{"ХАЙРУЛЛИНА", "ХАИРУЛЛИНА", "ХАЙРУЛЛИНА", false, "ТЕГІ / ФАМИЛИЯ", 256},
		// a label's feet level with the marks: its letters, whole, are
		// no marks, and the breve beside them is one
		{"ХАЙРУЛЛИНА", "ХАИРУЛЛИНА", "ХАЙРУЛЛИНА", false, "ТЕГІ / ФАМИЛИЯ", 262},
		{"АЙДОС", "АИДОС", "АЙДОС", false, "АТЫ / ИМЯ", 262},
		{"АЙДОС", "АИДОС", "АЙДОС", false, "АТЫ/ИМЯ", 262},
		{"ДӘУЛЕТ", "ДӘУЛЕТ", "ДӘУЛЕТ", false, "АТЫ / ИМЯ", 256},
		{"ДӘУЛЕТ", "ДӘУЛЕТ", "ДӘУЛЕТ", false, "АТЫ / ИМЯ", 262},
		{"ЖАҚСЫБЕКОВ", "ЖАҚСЫБЕКОВ", "ЖАҚСЫБЕКОВ", false, "ТЕГІ / ФАМИЛИЯ", 256},
		{"ЖАҚСЫБЕКОВ", "ЖАҚСЫБЕКОВ", "ЖАҚСЫБЕКОВ", false, "ӘКЕСІНІҢ АТЫ", 262},
	} {
		t.Run(fmt.Sprintf("%s/%s@%d", tc.printed, tc.label, tc.labelY), func(t *testing.T) {
			page := image.NewRGBA(image.Rect(0, 0, 1000, 630))
			draw.Draw(page, page.Rect, image.NewUniform(color.RGBA{246, 243, 236, 255}), image.Point{}, draw.Src)
			d := font.Drawer{Dst: page, Src: image.NewUniform(color.RGBA{20, 20, 25, 255}), Face: face, Dot: fixed.P(130, 305)}
			d.DrawString(tc.printed)
			if tc.label != "" {
				d := font.Drawer{Dst: page, Src: image.NewUniform(color.RGBA{60, 60, 70, 255}), Face: labelFace, Dot: fixed.P(130, tc.labelY)}
				d.DrawString(tc.label)
			}
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

// nameAndLabelFaces are DejaVu Sans at a Kazakh card's name size and its
// label's, closed when the test ends.
func nameAndLabelFaces(t *testing.T) (name, label font.Face) {
	t.Helper()
	for _, size := range []float64{44, 22} {
		f, err := opentype.NewFace(dejaVuSans(t), &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if name == nil {
			name = f
		} else {
			label = f
		}
	}
	return name, label
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

// TestMarksOver: above a line of capitals, two small dots side by side
// are a Ё's mark and a stroke wider than tall a Й's; ink that runs up to
// the cut's top edge (a label's letter, cut through) leaves no mark
// told, nor does a rule; a label's whole letters just above the value
// are no marks, nor hide one; a lone dot is neither mark.
func TestMarksOver(t *testing.T) {
	line := func() *image.Gray {
		g := image.NewGray(image.Rect(0, 0, 300, 100))
		draw.Draw(g, g.Rect, image.White, image.Point{}, draw.Src)
		for x := 10; x < 280; x += 30 {
			draw.Draw(g, image.Rect(x, 50, x+20, 90), image.Black, image.Point{}, draw.Src)
		}
		return g
	}
	ink := func(g *image.Gray, rs ...image.Rectangle) *image.Gray {
		for _, r := range rs {
			draw.Draw(g, r, image.Black, image.Point{}, draw.Src)
		}
		return g
	}
	dots := func(x int) []image.Rectangle {
		return []image.Rectangle{image.Rect(x, 40, x+4, 44), image.Rect(x+10, 40, x+14, 44)}
	}
	breve := image.Rect(101, 39, 115, 44)
	for _, tc := range []struct {
		what string
		g    *image.Gray
		want []lostMark
	}{
		{"capitals alone", line(), nil},
		{"two dots", ink(line(), dots(43)...), []lostMark{{x: 50, dots: true}}},
		{"a breve", ink(line(), breve), []lostMark{{x: 108}}},
		{"a breve and two dots", ink(ink(line(), dots(193)...), breve), []lostMark{{x: 108}, {x: 200, dots: true}}},
		{"a lone dot", ink(line(), image.Rect(100, 40, 104, 44)), nil},
		{"a label's letter cut at the top edge", ink(line(), breve, image.Rect(160, 0, 164, 44)), nil},
		{"a label's letters just above, whole", ink(line(), breve, image.Rect(130, 28, 140, 44), image.Rect(150, 28, 160, 44)), []lostMark{{x: 108}}},
		{"a label's letters alone", ink(line(), image.Rect(130, 28, 140, 44), image.Rect(150, 28, 160, 44)), nil},
		{"a rule above", ink(line(), image.Rect(20, 40, 200, 43)), nil},
	} {
		marks, _, _ := marksOver(tc.g)
		if !slices.Equal(marks, tc.want) {
			t.Errorf("%s: marks %v, want %v", tc.what, marks, tc.want)
		}
	}
}

// TestWithLostMarks puts each mark on the letter under it that may have
// lost it, and tells nothing where it stands as near two.
func TestWithLostMarks(t *testing.T) {
	for _, tc := range []struct {
		read  string
		marks []lostMark
		want  string
		ok    bool
	}{
		{"ХАИРУЛЛИНА", []lostMark{{x: 25}}, "ХАЙРУЛЛИНА", true},
		{"СЕМЕН", []lostMark{{x: 70, dots: true}}, "СЕМЁН", true},
		{"ДМИТРИЙ", []lostMark{{x: 65}}, "ДМИТРИЙ", true},     // the breve is Й's
		{"ДӘУЛЕТ", []lostMark{{x: 15}}, "ДӘУЛЕТ", true},       // over no И
		{"ДӘУЛЕТ", []lostMark{{x: 45}}, "ДӘУЛЕТ", true},       // a stroke is no Ё's
		{"СЕЕЕВ", []lostMark{{x: 50, dots: true}}, "", false}, // which Е?
	} {
		got, ok := withLostMarks(tc.read, tc.marks, 0, 100)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("%q with %v: %q %v, want %q %v", tc.read, tc.marks, got, ok, tc.want, tc.ok)
		}
	}
}

// TestYoUnderALabelAtTheCutsTop: where the name's cut raised by two
// thirds of its height runs into the letters of the label above it
// (which then tell no mark), it is raised otherwise until one tells: the
// Ё of СЕМЁН under "АТЫ/ИМЯ" (another hand's Kazakh card).
func TestYoUnderALabelAtTheCutsTop(t *testing.T) {
	face, labelFace := nameAndLabelFaces(t)
	page := image.NewRGBA(image.Rect(0, 0, 1000, 630))
	draw.Draw(page, page.Rect, image.NewUniform(color.RGBA{246, 243, 236, 255}), image.Point{}, draw.Src)
	d := font.Drawer{Dst: page, Src: image.NewUniform(color.RGBA{20, 20, 25, 255}), Face: face, Dot: fixed.P(130, 305)}
	d.DrawString("СЕМЁН")
	d = font.Drawer{Dst: page, Src: image.NewUniform(color.RGBA{60, 60, 70, 255}), Face: labelFace, Dot: fixed.P(130, 258)}
	d.DrawString("АТЫ/ИМЯ")
	name := typedb.Field{Name: "first_name", Kind: typedb.KindName, Script: typedb.ScriptCyrillic}
	for _, cut := range []image.Rectangle{
		image.Rect(120, 270, 400, 312), // raised by two thirds: into the label
		image.Rect(120, 262, 400, 312),
	} {
		rd := Reading{Name: name.Name, Value: "СЕМЕН", Region: regionOf(cut, page.Rect.Dx(), page.Rect.Dy())}
		r := &langReader{texts: map[string]string{"rus": "СЕМЕН"}}
		restoreYo(context.Background(), r, Side{Image: page, Type: &typedb.Type{}}, name, &rd)
		if rd.Value != "СЕМЁН" || rd.Err != nil {
			t.Errorf("cut %v: %q (%v), want СЕМЁН", cut, rd.Value, rd.Err)
		}
	}
}
