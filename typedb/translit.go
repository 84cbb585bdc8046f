package typedb

import (
	"strings"
	"unicode"
)

// icaoCyrillic is ICAO 9303 part 3's transliteration of Cyrillic, with
// the Kazakh letters the table lacks mapped to their base Latin letter
// (Ә→A, Ғ→G, Қ→K, Ң→N, Ө→O, Ұ→U, Ү→U, Һ→H, І→I), as Kazakh MRZs print
// them. Recognition and the specimen renderer share this one table.
var icaoCyrillic = map[rune]string{
	'А': "A", 'Б': "B", 'В': "V", 'Г': "G", 'Д': "D", 'Е': "E", 'Ё': "E", 'Ж': "ZH",
	'З': "Z", 'И': "I", 'Й': "I", 'К': "K", 'Л': "L", 'М': "M", 'Н': "N", 'О': "O",
	'П': "P", 'Р': "R", 'С': "S", 'Т': "T", 'У': "U", 'Ф': "F", 'Х': "KH", 'Ц': "TS",
	'Ч': "CH", 'Ш': "SH", 'Щ': "SHCH", 'Ъ': "IE", 'Ы': "Y", 'Ь': "", 'Э': "E", 'Ю': "IU",
	'Я': "IA",
	// other Cyrillic letters of ICAO 9303 part 3
	'Ђ': "D", 'Ѓ': "G", 'Є': "IE", 'Ѕ': "DZ", 'І': "I", 'Ї': "I", 'Ј': "J", 'Љ': "LJ",
	'Њ': "NJ", 'Ћ': "C", 'Ќ': "K", 'Ў': "U", 'Џ': "DZ", 'Ґ': "G",
	// Kazakh
	'Ә': "A", 'Ғ': "G", 'Қ': "K", 'Ң': "N", 'Ө': "O", 'Ұ': "U", 'Ү': "U", 'Һ': "H",
}

// TransliterateICAO returns s in upper-case Latin by the table above.
// Latin letters, digits and every other character pass through upper-cased;
// MRZ formatting (fillers for spaces and hyphens) is the caller's.
func TransliterateICAO(s string) string {
	var b strings.Builder
	for _, r := range s {
		u := unicode.ToUpper(r)
		if l, ok := icaoCyrillic[u]; ok {
			b.WriteString(l)
			continue
		}
		b.WriteRune(u)
	}
	return b.String()
}
