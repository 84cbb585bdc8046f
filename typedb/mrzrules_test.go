package typedb

import "testing"

// ICAO 9303's own specimens: with every check digit blanked, the rules
// put each back.
func TestFillMRZCheckDigits(t *testing.T) {
	tests := []struct {
		f     MRZFormat
		lines []string
	}{
		{MRZTD1, []string{"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"}},
		{MRZTD2, []string{"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"}},
		{MRZTD3, []string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"}},
		{MRZMRVA, []string{"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.f), func(t *testing.T) {
			blank := make([][]byte, len(tt.lines))
			for i, l := range tt.lines {
				blank[i] = []byte(l)
			}
			for _, c := range MRZChecks(tt.f) {
				blank[c.Digit.Line][c.Digit.Start] = '<'
			}
			in := make([]string, len(blank))
			for i := range blank {
				in[i] = string(blank[i])
			}
			got, err := FillMRZCheckDigits(tt.f, in)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if got[i] != tt.lines[i] {
					t.Errorf("line %d: %s, want %s", i+1, got[i], tt.lines[i])
				}
			}
		})
	}
	if _, err := FillMRZCheckDigits(MRZTD1, []string{"I<UTO", "", ""}); err == nil {
		t.Error("short lines accepted")
	}
	if _, err := FillMRZCheckDigits(MRZNone, nil); err == nil {
		t.Error("a format without a layout accepted")
	}
}
