package mrz

import (
	"slices"
	"strings"
)

// Variants: national zones that follow an ICAO layout with rules of their
// own. Document.Variant names them.
const (
	// VariantRussianInternal is the Russian internal passport: a TD3 zone
	// with document code "PN", the names in Latin letters and digits that
	// stand for Cyrillic letters, and no expiry date (fillers, with a
	// filler for its check digit).
	VariantRussianInternal = "RUS_INTERNAL_PASSPORT"
	// VariantFrenchID is the French national ID card of 1988–2021 (the
	// FrenchID format).
	VariantFrenchID = "FRA_ID_1988"
)

// russianInternal reports whether line 1 opens as a Russian internal
// passport's does.
func russianInternal(line1 string) bool { return strings.HasPrefix(line1, "PNRUS") }

// cyrillic is the Russian internal passport's transliteration, one MRZ
// character per Cyrillic letter (Ё 2, Ч 3, Ш 4, Э 6, Ю 7, Я 8, Ь 9,
// Й Q, Щ W, Ъ X, Ы Y, Ж J, Ц C, Х H).
var cyrillic = map[byte]rune{
	'A': 'А', 'B': 'Б', 'V': 'В', 'G': 'Г', 'D': 'Д', 'E': 'Е', '2': 'Ё',
	'J': 'Ж', 'Z': 'З', 'I': 'И', 'Q': 'Й', 'K': 'К', 'L': 'Л', 'M': 'М',
	'N': 'Н', 'O': 'О', 'P': 'П', 'R': 'Р', 'S': 'С', 'T': 'Т', 'U': 'У',
	'F': 'Ф', 'H': 'Х', 'C': 'Ц', '3': 'Ч', '4': 'Ш', 'W': 'Щ', 'X': 'Ъ',
	'Y': 'Ы', '9': 'Ь', '6': 'Э', '7': 'Ю', '8': 'Я',
}

// decodeCyrillic turns a name of the Russian internal passport's MRZ into
// Cyrillic; spaces stay. A character with no Cyrillic letter (0, 1, 5)
// gives ok false.
func decodeCyrillic(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			b.WriteByte(' ')
			continue
		}
		r, ok := cyrillic[s[i]]
		if !ok {
			return "", false
		}
		b.WriteRune(r)
	}
	return b.String(), true
}

// parseVariant names the national variant of d, if any, and reads what
// is its own.
func (d *Document) parseVariant() {
	switch {
	case d.Format == FrenchID:
		d.Variant = VariantFrenchID
	case d.Format == TD3 && d.DocumentCode == "PN" && d.IssuingState == "RUS":
		d.Variant = VariantRussianInternal
		sur, ok1 := decodeCyrillic(d.Surname)
		given, ok2 := decodeCyrillic(d.GivenNames)
		if ok1 && ok2 {
			d.SurnameNational, d.GivenNamesNational = sur, given
		} else {
			d.Warnings = append(d.Warnings, Problem{fieldNames, "a character that stands for no Cyrillic letter"})
		}
		// Digits stand for letters here: not odd.
		d.Warnings = slices.DeleteFunc(d.Warnings, func(p Problem) bool {
			return p.Field == fieldNames && strings.HasPrefix(p.Reason, "'")
		})
	}
}
