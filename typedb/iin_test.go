package typedb

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestIINCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want byte
		ok   bool
	}{
		// 9·1+1·4+1·6+3·7+1·10+2·11 = 72; 72 mod 11 = 6
		{"90010130012", '6', true},
		// first pass 1·10 = 10, so the second pass: 1·1 = 1
		{"00000000010", '1', true},
		// 2·1+8·2+1·3 = 21 ≡ 10 and 2·3+8·4+1·5 = 43 ≡ 10: never issued
		{"28100000000", 0, false},
		{"9001013001", 0, false},
		{"9001013001a", 0, false},
	}
	for _, tt := range tests {
		got, ok := IINCheckDigit(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("IINCheckDigit(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseIIN(t *testing.T) {
	got, err := ParseIIN("900101300126")
	if err != nil {
		t.Fatal(err)
	}
	if !got.BirthDate.Equal(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)) || got.Sex != 'M' || got.Serial != "0012" {
		t.Errorf("ParseIIN = %+v", got)
	}
	for _, bad := range []string{
		"900101300127", // check digit
		"900101700126", // century digit 7
		"901301300123", // month 13
		"900230400123", // 30 February
		"90010130012",  // short
		"90010130012x", // letter
		"",
	} {
		if _, err := ParseIIN(bad); !errors.Is(err, ErrBadIIN) {
			t.Errorf("ParseIIN(%q) error = %v", bad, err)
		}
	}
}

func TestMakeIINRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		birth time.Time
		sex   byte
		digit byte
	}{
		{time.Date(1896, 3, 4, 0, 0, 0, 0, time.UTC), 'F', '2'},
		{time.Date(1961, 12, 31, 0, 0, 0, 0, time.UTC), 'M', '3'},
		{time.Date(1988, 2, 29, 0, 0, 0, 0, time.UTC), 'F', '4'},
		{time.Date(2004, 7, 15, 0, 0, 0, 0, time.UTC), 'M', '5'},
		{time.Date(2007, 1, 9, 0, 0, 0, 0, time.UTC), 'F', '6'},
	} {
		for serial := 0; serial < 200; serial += 7 {
			s, err := MakeIIN(tc.birth, tc.sex, serial)
			if err != nil {
				t.Fatal(err)
			}
			if s[6] != tc.digit {
				t.Errorf("%s: century/sex digit %c, want %c", s, s[6], tc.digit)
			}
			p, err := ParseIIN(s)
			if err != nil {
				t.Fatalf("MakeIIN gave %s: %v", s, err)
			}
			if !p.BirthDate.Equal(tc.birth) || p.Sex != tc.sex {
				t.Errorf("%s parses to %+v", s, p)
			}
		}
	}
	if _, err := MakeIIN(time.Date(2101, 1, 1, 0, 0, 0, 0, time.UTC), 'M', 1); !errors.Is(err, ErrBadIIN) {
		t.Errorf("year 2101: %v", err)
	}
	if _, err := MakeIIN(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), 'X', 1); !errors.Is(err, ErrBadIIN) {
		t.Errorf("sex X: %v", err)
	}
}

func TestTransliterateICAO(t *testing.T) {
	for in, want := range map[string]string{
		"Әлихан":        "ALIKHAN",
		"ЖҰМАБАЕВ":      "ZHUMABAEV",
		"Ғабит Қасым":   "GABIT KASYM",
		"Өтеген-Үсен":   "OTEGEN-USEN",
		"Ұлжан Һәкім":   "ULZHAN HAKIM",
		"Мөлдір Ңң":     "MOLDIR NN",
		"Щукин":         "SHCHUKIN",
		"Юлия":          "IULIIA",
		"Подъячий":      "PODIEIACHII",
		"Ильин":         "ILIN",
		"Цой Хан":       "TSOI KHAN",
		"Smith 12":      "SMITH 12",
		"ІЛИЯС Ё Э Ы Ь": "ILIIAS E E Y ",
		"Wójcik Łukasz": "WOJCIK LUKASZ",
		"GARCÍA LÓPEZ":  "GARCIA LOPEZ",
		"ÞURÍÐUR ÖSP":   "THURIDUR OSP",
		"ÆVARSDÓTTIR":   "AEVARSDOTTIR",
		"BASANAVIČIENĖ": "BASANAVICIENE",
		"Straße Øre":    "STRASSE OERE",
	} {
		if got := TransliterateICAO(in); got != want {
			t.Errorf("TransliterateICAO(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestICAOSpellings(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"MÄNNIK", []string{"MANNIK", "MAENNIK"}},
		{"Müller Öberg Åsa", []string{"MULLER OBERG ASA", "MUELLER OEBERG AASA"}},
		{"WÓJCIK", []string{"WOJCIK"}},
		{"ЖҰМАБАЕВ", []string{"ZHUMABAEV"}},
	}
	for _, tt := range tests {
		if got := ICAOSpellings(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ICAOSpellings(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
