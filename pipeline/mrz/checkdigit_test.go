package mrz

import "testing"

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want byte
		ok   bool
	}{
		{"L898902C3", '6', true}, // ICAO 9303 part 4 specimen document number
		{"740812", '2', true},    // its date of birth
		{"120415", '9', true},    // its date of expiry
		{"D23145890", '7', true}, // TD1 specimen
		{"<<<<", '0', true},
		{"", '0', true},
		{"ab", 0, false},
		{"Ñ", 0, false},
	}
	for _, tt := range tests {
		got, ok := CheckDigit(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("CheckDigit(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
