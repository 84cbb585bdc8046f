package mrz

import (
	"strings"
	"testing"
)

// FuzzParse feeds any text, split into lines, to the parser: it must
// return a document or ErrFormat, never panic, and keep the lines.
func FuzzParse(f *testing.F) {
	for _, lines := range [][]string{specTD1, specTD1Long, specTD2, specTD3, specMRVA, specMRVB, specFrench} {
		f.Add(strings.Join(lines, "\n"))
	}
	f.Add("IDFRA<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<")
	f.Add("I<UTOD23145890<<<<<<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\n<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Split(text, "\n")
		d, err := ParseAt(lines, testNow)
		if err != nil {
			if d != nil {
				t.Fatalf("document %v with error %v", d, err)
			}
			return
		}
		if len(d.Lines) != len(lines) || d.Format == FormatUnknown {
			t.Fatalf("lines %q format %v", d.Lines, d.Format)
		}
		if d.Valid {
			for name, ok := range d.Checks {
				if !ok {
					t.Fatalf("valid with %s failing", name)
				}
			}
		}
	})
}
