package typedb

import (
	"strings"
	"testing"
)

// TestLanguageMarksTransliterate: every marked letter a language writes
// names in is one ICAO 9303 part 3 transliterates, so the MRZ spells it
// and the reader's whitelist holds it.
func TestLanguageMarksTransliterate(t *testing.T) {
	marked := LatinMarkedCapitals()
	for lang, letters := range languageMarks {
		for _, r := range letters {
			if !strings.ContainsRune(marked, r) {
				t.Errorf("%s: %c is not in ICAO's transliteration table", lang, r)
			}
		}
	}
	for st, langs := range stateLanguages {
		for _, l := range langs {
			if _, ok := languageMarks[l]; !ok {
				t.Errorf("%s: language %q has no letters", st, l)
			}
		}
	}
}

func TestNationalMarks(t *testing.T) {
	for _, tc := range []struct {
		states     []string
		has, lacks string
		known      bool
	}{
		{[]string{"PRT", "PRT"}, "ÃÇ", "Ġ", true},
		{[]string{"PRT", "MLT"}, "ÃĠ", "Ø", true},
		{[]string{"DNK", "DNK"}, "ØÆÅ", "Ä", true},
		{[]string{"UTO", "UTO"}, "", "", false},
		{[]string{"SWE", ""}, "", "", false},
	} {
		got, known := NationalMarks(tc.states...)
		if known != tc.known || strings.ContainsAny(got, tc.lacks) && tc.lacks != "" {
			t.Errorf("NationalMarks(%v) = %q, %v", tc.states, got, known)
		}
		for _, r := range tc.has {
			if !strings.ContainsRune(got, r) {
				t.Errorf("NationalMarks(%v) = %q: no %c", tc.states, got, r)
			}
		}
	}
}
