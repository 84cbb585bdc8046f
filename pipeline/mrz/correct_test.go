package mrz

import (
	"errors"
	"reflect"
	"testing"
)

// reading builds a reading of lines in which every character is certain
// except the listed positions, which get the given candidates.
func reading(lines []string, unsure map[[2]int][]Candidate) []LineReading {
	out := make([]LineReading, len(lines))
	for li, l := range lines {
		out[li] = ReadingOf(l)
		for i := range out[li] {
			if c, ok := unsure[[2]int{li, i}]; ok {
				out[li][i] = c
			}
		}
	}
	return out
}

func withChar(lines []string, line, pos int, c byte) []string {
	out := append([]string(nil), lines...)
	b := []byte(out[line])
	b[pos] = c
	out[line] = string(b)
	return out
}

func TestCorrect(t *testing.T) {
	tests := []struct {
		name      string
		read      []LineReading
		wantLines []string
		wantValid bool
		wantFixes []Correction
	}{
		{
			name:      "clean specimen is left alone",
			read:      reading(specTD3, nil),
			wantLines: specTD3, wantValid: true,
		},
		{
			name:      "letter O in a birth date is a zero when the check digit proves it",
			read:      reading(withChar(specTD3, 1, 15, 'O'), nil),
			wantLines: specTD3, wantValid: true, // 74O812 -> 740812, check 2 holds
			wantFixes: []Correction{{1, 15, 'O', '0', "check digit"}},
		},
		{
			name:      "letter O in a birth date stays as read when the check digit does not prove a zero",
			read:      reading(withChar(specTD3, 1, 14, 'O'), nil),
			wantLines: withChar(specTD3, 1, 14, 'O'), wantValid: false, // 7O0812: 700812 fails check 2
		},
		{
			name:      "letter O at a check digit is never made another digit",
			read:      reading(withChar(specTD3, 1, 9, 'O'), nil),
			wantLines: withChar(specTD3, 1, 9, 'O'), wantValid: false, // printed 6; 0 fails too
		},
		{
			name:      "digits in a name are letters",
			read:      reading([]string{"P<UTOER1KSS0N<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", specTD3[1]}, nil),
			wantLines: specTD3, wantValid: true,
			wantFixes: []Correction{{0, 7, '1', 'I', "field type"}, {0, 11, '0', 'O', "field type"}},
		},
		{
			name:      "state code: never fitted to the table of codes",
			read:      reading([]string{"P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", specTD3[1]}, nil),
			wantLines: []string{"P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", specTD3[1]}, wantValid: true,
		},
		{
			name:      "state code: an unknown code is reported as read",
			read:      reading([]string{"IDCMW<512849702<<<<<<<<<<<<<<<", "6104128M1402209CMW<<<<<<<<<<<4", "PUBLIC<<JON<<<<<<<<<<<<<<<<<<<"}, nil),
			wantLines: []string{"IDCMW<512849702<<<<<<<<<<<<<<<", "6104128M1402209CMW<<<<<<<<<<<4", "PUBLIC<<JON<<<<<<<<<<<<<<<<<<<"},
			wantValid: false, // the document number's check digit is a filler
		},
		{
			name: "state code: digits stay when no known code results",
			read: reading([]string{
				"IDROUSAVA<<SUPERMAN<<<<<<<<<<<<<<<<<",
				"HD198025<51328505095M130509012049941",
			}, nil),
			wantLines: []string{
				"IDROUSAVA<<SUPERMAN<<<<<<<<<<<<<<<<<",
				"HD198025<51328505095M130509012049941",
			},
			wantValid: true,
		},
		{
			name: "document number: the reader's runner-up that makes the check hold",
			read: reading(specTD3, map[[2]int][]Candidate{
				{1, 1}: {{Char: 'B', Prob: 0.6}, {Char: '8', Prob: 0.3}, {Char: '3', Prob: 0.1}},
			}),
			wantLines: specTD3, wantValid: true,
			wantFixes: []Correction{{1, 1, 'B', '8', "check digit"}},
		},
		{
			name: "document number: an unsure O tries its look-alike zero",
			read: reading([]string{
				specTD3[0], "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10",
			}, map[[2]int][]Candidate{
				{1, 5}: {{Char: 'O', Prob: 0.5}, {Char: 'Q', Prob: 0.2}},
			}),
			wantLines: specTD3, wantValid: true,
			wantFixes: []Correction{{1, 5, 'O', '0', "check digit"}},
		},
		{
			name: "a confident reading is not changed to pass",
			read: reading([]string{
				specTD3[0], "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10",
			}, nil),
			wantLines: []string{specTD3[0], "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10"},
			wantValid: false,
		},
		{
			name: "a forged check digit stays invalid even where the reader is unsure",
			read: reading(withChar(specTD3, 1, 19, '3'), map[[2]int][]Candidate{
				{1, 19}: {{Char: '3', Prob: 0.5}, {Char: '2', Prob: 0.45}},
			}),
			wantLines: withChar(specTD3, 1, 19, '3'), wantValid: false,
		},
		{
			name: "TD1 long document number continuation",
			read: reading(withChar(specTD1Long, 0, 16, 'B'), map[[2]int][]Candidate{
				{0, 16}: {{Char: 'B', Prob: 0.55}, {Char: '3', Prob: 0.4}},
			}),
			wantLines: specTD1Long, wantValid: true,
			wantFixes: []Correction{{0, 16, 'B', '3', "check digit"}},
		},
		{
			name: "TD1 optional data by the composite",
			read: reading(withChar(specTD1, 0, 20, 'Z'), map[[2]int][]Candidate{
				{0, 20}: {{Char: 'Z', Prob: 0.55}, {Char: '<', Prob: 0.4}},
			}),
			wantLines: specTD1, wantValid: true,
			wantFixes: []Correction{{0, 20, 'Z', '<', "check digit"}},
		},
		{
			name: "state code: a letter the reader nearly read is not taken to make a known code",
			read: reading([]string{"P<ERAULYSSE<<CHRISTOPHE<<<<<<<<<<<<<<<<<<<<<", "08CD503380FHA6004103M1806058<<<<<<<<<<<<<<06"}, map[[2]int][]Candidate{
				{0, 2}:  {{Char: 'E', Prob: 0.6}, {Char: 'F', Prob: 0.35}},
				{1, 11}: {{Char: 'H', Prob: 0.5}, {Char: 'R', Prob: 0.2}, {Char: 'N', Prob: 0.2}},
			}),
			wantLines: []string{"P<ERAULYSSE<<CHRISTOPHE<<<<<<<<<<<<<<<<<<<<<", "08CD503380FHA6004103M1806058<<<<<<<<<<<<<<06"},
			wantValid: true,
		},
		{
			name: "document number: digits read surely are not turned into letters",
			read: reading([]string{"IDCMW<512849702<<<<<<<<<<<<<<<", "6104128M1402209CMW<<<<<<<<<<<4", "PUBLIC<<JON<<<<<<<<<<<<<<<<<<<"}, map[[2]int][]Candidate{
				{0, 7}: {{Char: '1', Prob: 0.8}, {Char: 'I', Prob: 0.15}},
				{0, 9}: {{Char: '8', Prob: 0.8}, {Char: 'B', Prob: 0.15}},
			}),
			wantLines: []string{"IDCMW<512849702<<<<<<<<<<<<<<<", "6104128M1402209CMW<<<<<<<<<<<4", "PUBLIC<<JON<<<<<<<<<<<<<<<<<<<"},
			wantValid: false,
		},
		{
			name: "a passport's code starts with P when the reader saw one",
			read: reading(withChar(specTD3, 0, 0, 'B'), map[[2]int][]Candidate{
				{0, 0}: {{Char: 'B', Prob: 0.7}, {Char: 'P', Prob: 0.2}, {Char: 'R', Prob: 0.1}},
			}),
			wantLines: specTD3, wantValid: true,
			wantFixes: []Correction{{0, 0, 'B', 'P', "field type"}},
		},
		{
			name: "a filler read at the composite is the digit the reader saw next",
			read: reading(withChar(specTD3, 1, 43, '<'), map[[2]int][]Candidate{
				{1, 43}: {{Char: '<', Prob: 0.5}, {Char: '0', Prob: 0.3}, {Char: '6', Prob: 0.2}},
			}),
			wantLines: specTD3, wantValid: true,
			wantFixes: []Correction{{1, 43, '<', '0', "check digit"}},
		},
		{
			name:      "a P zone with a failing composite stays a TD3, not a visa",
			read:      reading(withChar(specTD3, 1, 43, '3'), nil),
			wantLines: withChar(specTD3, 1, 43, '3'), wantValid: false,
		},
		{
			name: "a birth date is not repaired into an impossible date",
			// Printed 740812, check 2. Read 740872 with check 6: changing
			// the 7 to 9 would pass, but day 92 is no date.
			read: reading([]string{specTD3[0], "L898902C36UTO7408726F1204159ZE184226B<<<<<10"}, map[[2]int][]Candidate{
				{1, 17}: {{Char: '7', Prob: 0.6}, {Char: '9', Prob: 0.3}},
			}),
			wantLines: []string{specTD3[0], "L898902C36UTO7408726F1204159ZE184226B<<<<<10"},
			wantValid: false,
		},
		{
			name: "two repairs the check digit cannot tell apart: none",
			read: reading(specTD3, map[[2]int][]Candidate{
				{1, 2}: {{Char: '9', Prob: 0.6}, {Char: '8', Prob: 0.35}},
				{1, 3}: {{Char: '8', Prob: 0.6}, {Char: '9', Prob: 0.35}},
			}),
			wantLines: specTD3, wantValid: true,
		},
		{
			name: "V starts a visa",
			read: reading(specMRVB, nil), wantLines: specMRVB, wantValid: true,
		},
		{
			name: "IDFRA with given names is the French ID",
			read: reading(specFrench, nil), wantLines: specFrench, wantValid: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, fixes, err := Correct(tt.read, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.Lines, tt.wantLines) {
				t.Errorf("lines\n%q\nwant\n%q", d.Lines, tt.wantLines)
			}
			if d.Valid != tt.wantValid {
				t.Errorf("valid %v (%v %v), want %v", d.Valid, d.Checks, d.Problems, tt.wantValid)
			}
			if !reflect.DeepEqual(fixes, tt.wantFixes) {
				t.Errorf("fixes %v, want %v", fixes, tt.wantFixes)
			}
		})
	}
}

func TestCorrectFormats(t *testing.T) {
	for name, lines := range map[string][]string{"TD1": specTD1, "TD2": specTD2, "TD3": specTD3, "MRVA": specMRVA, "MRVB": specMRVB, "FRENCH_ID": specFrench} {
		d, _, err := Correct(reading(lines, nil), testNow)
		if err != nil || d.Format.String() != name || !d.Valid {
			t.Errorf("%s: %v %v %v", name, d.Format, d.Valid, err)
		}
	}
}

func TestCorrectShapeErrors(t *testing.T) {
	for _, read := range [][]LineReading{nil, reading([]string{"ABC", "ABC"}, nil), reading([]string{specTD3[0], specTD2[1]}, nil)} {
		if d, _, err := Correct(read, testNow); !errors.Is(err, ErrFormat) || d != nil {
			t.Errorf("got %v %v", d, err)
		}
	}
}
