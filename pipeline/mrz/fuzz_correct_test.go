package mrz

import (
	"strings"
	"testing"
)

// FuzzCorrect feeds readings built from any text and bytes to Correct and
// judge: the text gives each position's best candidate, the bytes a
// runner-up, probabilities and the context mark. They must never panic,
// keep the shape, never change a digit read at a check digit, and call a zone valid only
// when every check holds.
func FuzzCorrect(f *testing.F) {
	for _, lines := range [][]string{specTD1, specTD2, specTD3, specMRVA, specMRVB, specFrench, specRUInternal} {
		f.Add(strings.Join(lines, "\n"), []byte{3, 200, 17, 90, 4, 250, 1, 128})
	}
	f.Add("P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10", []byte{0, 255, 7})
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
	f.Fuzz(func(t *testing.T, text string, noise []byte) {
		lines := strings.Split(text, "\n")
		if len(lines) > 3 {
			return
		}
		k := 0
		next := func() byte {
			if len(noise) == 0 {
				return 0
			}
			b := noise[k%len(noise)]
			k++
			return b
		}
		read := make([]LineReading, len(lines))
		for li, l := range lines {
			if len(l) > 60 {
				return
			}
			read[li] = make(LineReading, len(l))
			for i := 0; i < len(l); i++ {
				p := float32(next()) / 255
				alt := alphabet[int(next())%len(alphabet)]
				read[li][i] = []Candidate{
					{Char: l[i], Prob: 0.5 + p/2, Context: next()%7 == 0},
					{Char: alt, Prob: (1 - p) / 2},
				}
			}
		}
		res, err := resultOf(read, testNow)
		if err != nil {
			return
		}
		if len(res.Lines) != len(lines) {
			t.Fatalf("lines %q from %q", res.Lines, lines)
		}
		for i := range lines {
			if len(res.Lines[i]) != len(lines[i]) || len(res.CharConfidence[i]) != len(lines[i]) {
				t.Fatalf("line %d: %q from %q", i, res.Lines[i], lines[i])
			}
		}
		for _, cd := range checksOf(res.Format, res.Lines) {
			// a digit read at a check digit is never another (a letter
			// there, O for 0, is a misreading the check may settle)
			at := cd.digit
			if c := lines[at.line][at.start]; c >= '0' && c <= '9' && res.Lines[at.line][at.start] != c {
				t.Fatalf("check digit %s changed: %q from %q", cd.name, res.Lines, lines)
			}
		}
		if res.Status == StatusValid {
			for name, ok := range res.Checks {
				if !ok {
					t.Fatalf("valid with %s failing", name)
				}
			}
		}
	})
}
