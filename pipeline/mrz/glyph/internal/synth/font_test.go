package synth

import (
	"errors"
	"os"
	"testing"
)

func TestMix(t *testing.T) {
	ocrb := []*Face{{Name: "OCRB"}, {Name: "OCRBS"}}
	others := []*Face{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	for _, c := range []struct {
		share      float64
		wantOthers int
		wantTotal  int
	}{
		{0, 0, 2},
		{0.25, 3, 13}, // 5 copies of OCR-B's two faces: 3 of 13 = 23 %
		{0.12, 3, 25}, // 11 copies: 3 of 25 = 12 %
		{0.6, 3, 5},   // at least one copy of OCR-B
	} {
		got := Mix(ocrb, others, c.share)
		n := 0
		for _, f := range got {
			if len(f.Name) == 1 {
				n++
			}
		}
		if n != c.wantOthers || len(got) != c.wantTotal {
			t.Errorf("share %.2f: %d others of %d, want %d of %d", c.share, n, len(got), c.wantOthers, c.wantTotal)
		}
	}
}

func TestLoadOtherFaces(t *testing.T) {
	const path = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
	if _, err := os.Stat(path); err != nil {
		t.Skip("fonts-dejavu-core not installed")
	}
	faces, err := LoadOtherFaces([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	if len(faces[0].Glyphs) != len(Alphabet) || faces[0].Cap <= 0 || faces[0].Advance <= 0 {
		t.Errorf("face %s: %d glyphs, cap %v, advance %v", faces[0].Name, len(faces[0].Glyphs), faces[0].Cap, faces[0].Advance)
	}
	if _, err := LoadOtherFaces([]string{"/nonexistent.ttf"}); !errors.Is(err, ErrNoFont) {
		t.Errorf("a missing font: %v, want ErrNoFont", err)
	}
}
