package typedb

import (
	"slices"
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

// icaoLatin is ICAO 9303 part 3's transliteration of the Latin letters
// with diacritics and the ligatures: each to its base letter, the
// ligatures and Þ, ß to two.
var icaoLatin = map[rune]string{
	'Á': "A", 'À': "A", 'Â': "A", 'Ä': "A", 'Ã': "A", 'Ă': "A", 'Å': "A", 'Ā': "A", 'Ą': "A",
	'Ć': "C", 'Ĉ': "C", 'Č': "C", 'Ċ': "C", 'Ç': "C",
	'Ď': "D", 'Đ': "D", 'Ð': "D",
	'É': "E", 'È': "E", 'Ê': "E", 'Ë': "E", 'Ě': "E", 'Ė': "E", 'Ē': "E", 'Ę': "E", 'Ĕ': "E",
	'Ĝ': "G", 'Ğ': "G", 'Ġ': "G", 'Ģ': "G", 'Ĥ': "H", 'Ħ': "H",
	'Í': "I", 'Ì': "I", 'Î': "I", 'Ï': "I", 'Ĩ': "I", 'İ': "I", 'Ī': "I", 'Į': "I", 'Ĭ': "I",
	'Ĵ': "J", 'Ķ': "K", 'Ĺ': "L", 'Ľ': "L", 'Ł': "L", 'Ļ': "L", 'Ŀ': "L",
	'Ń': "N", 'Ñ': "N", 'Ň': "N", 'Ņ': "N", 'Ŋ': "N",
	'Ó': "O", 'Ò': "O", 'Ô': "O", 'Ö': "O", 'Õ': "O", 'Ő': "O", 'Ø': "OE", 'Ō': "O", 'Ŏ': "O",
	'Ŕ': "R", 'Ř': "R", 'Ŗ': "R", 'Ś': "S", 'Ŝ': "S", 'Š': "S", 'Ş': "S", 'Ș': "S",
	'Ť': "T", 'Ţ': "T", 'Ț': "T", 'Ŧ': "T",
	'Ú': "U", 'Ù': "U", 'Û': "U", 'Ü': "U", 'Ũ': "U", 'Ŭ': "U", 'Ű': "U", 'Ů': "U", 'Ū': "U", 'Ų': "U",
	'Ŵ': "W", 'Ý': "Y", 'Ŷ': "Y", 'Ÿ': "Y", 'Ź': "Z", 'Ž': "Z", 'Ż': "Z",
	'Þ': "TH", 'Æ': "AE", 'Ĳ': "IJ", 'Œ': "OE", 'ß': "SS", 'ẞ': "SS",
}

// LatinMarkedCapitals are the Latin capitals with diacritics, and the
// ligatures, that ICAO 9303 part 3 transliterates (the table above), in
// code point order: a whitelist of the letters a Latin name may print.
// Not ẞ: names in capitals write ß as SS.
func LatinMarkedCapitals() string {
	var rs []rune
	for r := range icaoLatin {
		if unicode.IsUpper(r) && r != 'ẞ' {
			rs = append(rs, r)
		}
	}
	slices.Sort(rs)
	return string(rs)
}

// icaoLatinLong are the letters ICAO 9303 part 3 also writes as two
// (Ä as AE or A): German, Nordic and Estonian MRZs print the long form.
var icaoLatinLong = map[rune]string{'Ä': "AE", 'Å': "AA", 'Ö': "OE", 'Ü': "UE"}

// TransliterateICAO returns s in upper-case Latin by the tables above,
// Latin letters with diacritics to their base letter. Digits and every
// other character pass through upper-cased; MRZ formatting (fillers for
// spaces and hyphens) is the caller's.
func TransliterateICAO(s string) string {
	return transliterate(s, false)
}

// ICAOSpellings returns the spellings of s an MRZ may print: that of
// TransliterateICAO, then, where s has a letter ICAO also writes as two
// (Ä, Å, Ö, Ü), the spelling with the long forms.
func ICAOSpellings(s string) []string {
	short := transliterate(s, false)
	if long := transliterate(s, true); long != short {
		return []string{short, long}
	}
	return []string{short}
}

func transliterate(s string, long bool) string {
	var b strings.Builder
	for _, r := range s {
		u := unicode.ToUpper(r)
		if l, ok := icaoLatinLong[u]; ok && long {
			b.WriteString(l)
			continue
		}
		if l, ok := icaoCyrillic[u]; ok {
			b.WriteString(l)
			continue
		}
		if l, ok := icaoLatin[u]; ok {
			b.WriteString(l)
			continue
		}
		b.WriteRune(u)
	}
	return b.String()
}

// LatinLetters is s upper-cased with everything but the letters A–Z
// dropped: transliterated names compared letter for letter.
func LatinLetters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
