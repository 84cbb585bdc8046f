package pipeline

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/vz"
	"github.com/docscan/docscan/typedb"
)

// ConfidentField is the confidence from which a visual-zone reading is
// taken as the field's value and compared with the MRZ. Below it the
// reading is reported (fields.X.sources.visual, fields.X.confidence) but
// the value is the MRZ's, or empty: a guess is worse than a gap.
const ConfidentField = 0.6

// DisagreeField is the confidence from which a visual-zone reading that
// disagrees with the MRZ stands and raises mrz_vz_agreement; below it
// the MRZ's value is taken and nothing is compared. An alarm accuses the
// holder, so it asks for more than a value does: a Latin surname read
// "SMANANOVA" for SHAHANOVA at 0.61, its H's taken for M's, raised one
// on a genuine passport, where an altered print reads at 0.9 and more.
const DisagreeField = 0.75

// Unanchored factors: a reading whose label was not found lies where the
// type's layout puts it. A state's type was fitted to that state's print;
// a generic ICAO type's zones are a guess at a layout no state prints
// exactly, so its unanchored readings are mostly of the wrong place.
const (
	unanchoredTyped   = 0.8
	unanchoredGeneric = 0.5
)

// genericCaptions are caption words of ICAO 9303 parts 4 and 5 in
// English, French and Spanish, and of the languages met here: a value
// holding one is a label read as a value.
var genericCaptions = wordSet(`SURNAME SURNAMES NAME NAMES GIVEN PRIMARY SECONDARY IDENTIFIER DATE BIRTH ISSUE EXPIRY EXPIRATION
	AUTHORITY ISSUING ISSUED PERSONAL NUMBER NO NATIONALITY SEX PLACE TYPE CODE COUNTRY STATE DOCUMENT PASSPORT HOLDER SIGNATURE
	NOM NOMS PRENOMS PRÉNOMS DATE NAISSANCE DELIVRANCE DÉLIVRANCE EXPIRATION AUTORITE AUTORITÉ NATIONALITE NATIONALITÉ SEXE LIEU
	APELLIDOS APELLIDO NOMBRES NOMBRE FECHA NACIMIENTO EXPEDICION EXPEDICIÓN CADUCIDAD AUTORIDAD NACIONALIDAD SEXO LUGAR
	NAME VORNAMEN GEBURTSTAG GEBURTSORT GÜLTIG BEHÖRDE STAATSANGEHÖRIGKEIT COGNOME NOME NASCITA SCADENZA RILASCIO
	SOYADI DOĞUM TARIHI ФАМИЛИЯ ИМЯ ОТЧЕСТВО ДАТА РОЖДЕНИЯ ВЫДАЧИ ОРГАН ВЫДАВШИЙ ДЕЙСТВИТЕЛЕН ТЕГІ АТЫ ӘКЕСІНІҢ ТУҒАН КҮНІ БЕРГЕН`)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// fieldConfidence is how far a visual-zone reading can be trusted, 0–1:
// Tesseract's word confidence, lowered when the field's label was not
// found, and 0 when the value fails its field's syntax (a date that is
// no date, a number of the wrong shape, a name with caption words or
// letters of another script).
func fieldConfidence(rd *fieldReading, typ *typedb.Type) float64 {
	if rd == nil || rd.Value == "" || !syntaxOK(rd.field, rd.Value, typ) {
		return 0
	}
	c := rd.Confidence / 100
	if typ != nil && typ.Generic && !rd.Captioned {
		// on a generic side only a caption places a value, ink near a
		// zone that is a guess does not: free text and names have no
		// syntax to catch a cut of the wrong place (the nationality
		// "AUSTRALIAN" read under the names), and a date's tells not
		// which date it is (a Slovak card's expiry, 03.02.2025, read at
		// 0.95 where the guess puts the date of birth, a false alarm;
		// generic-html-2 --salt e)
		c *= unanchoredGeneric
	} else if !rd.Anchored {
		if (typ != nil && typ.Generic) || (!layoutSeen(rd.side) && !slices.Contains(rd.field.Values, rd.Value)) {
			// a state's side on which no label at all was found: its
			// layout is as unverified as a generic type's (an outline a
			// row too tall read the patronymic as the surname, at 0.62).
			// An entry of the field's closed set shows its own place
			c *= unanchoredGeneric
		} else {
			c *= unanchoredTyped
		}
	}
	return round(min(max(c, 0), 1))
}

// patronymicEnds are the endings of patronymics written in Cyrillic:
// Russian (-ВИЧ, -ИЧ; -ВНА, -ИЧНА), Kazakh (-ҰЛЫ, -ҚЫЗЫ, also spelt
// -УЛЫ, -КЫЗЫ), and the Turkic forms other citizens carry (-ОҒЛЫ,
// -ОГЛЫ, -ОГЛУ, -УУЛУ, -ГЫЗЫ, -КИЗИ, -УГЛИ, -ЗОДА).
var patronymicEnds = []string{"ИЧ", "НА", "ҰЛЫ", "УЛЫ", "ҚЫЗЫ", "КЫЗЫ", "ОҒЛЫ", "ОГЛЫ", "ОГЛУ", "УУЛУ", "ГЫЗЫ", "КИЗИ", "УГЛИ", "ЗОДА"}

// patronymicEnd reports whether the last word of v ends as a patronymic,
// and v is one word where it ends as a Russian one.
func patronymicEnd(v string) bool {
	words := strings.FieldsFunc(strings.ToUpper(v), func(r rune) bool { return r == ' ' || r == '-' })
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	if len(words) > 1 && (strings.HasSuffix(last, "ИЧ") || strings.HasSuffix(last, "НА")) {
		// a Russian patronymic is one word (a Turkic one may stand
		// apart, "ОРАЛ ҰЛЫ"): a break in it is a misread ("ИІ ОРЕВИЧ"
		// for ИГОРЕВИЧ, at 0.9, on another hand's Kazakh card)
		return false
	}
	return slices.ContainsFunc(patronymicEnds, func(e string) bool { return strings.HasSuffix(last, e) })
}

// layoutSeen reports whether any field of side s was read under its
// label found printed (true when s is unknown).
func layoutSeen(s *side) bool {
	if s == nil {
		return true
	}
	for _, r := range s.readings {
		if r.Anchored {
			return true
		}
	}
	return false
}

// syntaxOK reports whether v is a well-formed value of field f.
func syntaxOK(f typedb.Field, v string, typ *typedb.Type) bool {
	v = strings.TrimSpace(v)
	switch f.Kind {
	case typedb.KindDate:
		_, err := time.Parse("02.01.2006", v)
		return err == nil
	case typedb.KindNumber:
		letters, digits := 0, 0
		for _, r := range v {
			switch {
			case unicode.IsDigit(r):
				digits++
			case unicode.IsLetter(r):
				letters++
			case r == ' ' || r == '-':
			case (r == '/' || r == '.') && f.Name == FieldPersonalNumber:
				// printed between its groups: "856208/1231", "92.02.29-148.55"
			default:
				return false
			}
		}
		if f.Name == FieldPersonalNumber && typ != nil && typ.PersonalNumberScheme == "kz-iin" {
			// an IIN has its own check digit and birth date: one that
			// fails them was misread (a 6 read as 5), not printed so
			if _, err := typedb.ParseIIN(v); err != nil {
				return false
			}
		}
		return digits > 0 && letters+digits >= 4 && letters+digits <= 20 && letters <= digits+3
	case typedb.KindName, typedb.KindText:
		letters := 0
		for _, r := range v {
			switch {
			case unicode.IsLetter(r):
				if !inScript(r, f.Script) {
					return false
				}
				letters++
			case r == ' ' || r == '-' || r == '\'' || r == '.' || r == ',' || (f.Kind == typedb.KindText && (unicode.IsDigit(r) || r == '/' || r == '(' || r == ')' || r == '№')):
			default:
				return false
			}
		}
		if f.Kind == typedb.KindName && (strings.Contains(v, "--") || loneLetters(v) > 0 || signStartsWord(v)) {
			// OCR's debris, not a name: a name on a document has no lone
			// letters and no runs of dashes, and no word of it starts
			// with a soft or hard sign (the cut began inside "ИЛЬЯ")
			return false
		}
		if f.Name == FieldPatronymic && f.Script == typedb.ScriptCyrillic && !patronymicEnd(v) {
			// a Cyrillic patronymic ends as one: a cut that lost its
			// last letters ("МҰХТАРҰЛЫ" read "МУХТАРУЛ") is no patronymic
			return false
		}
		if f.Name == FieldPlaceOfBirth && (holdsCaption(v, typ, true) || looksLikeDate(v)) {
			// a place of birth is neither a caption nor a date: the cut
			// took in the caption or the date of birth beside it
			return false
		}
		return letters >= 2 && !holdsCaption(v, typ, f.Kind == typedb.KindName)
	}
	return true
}

// signStartsWord reports whether a word of v starts with Ь or Ъ, which
// begin no word in Russian or Kazakh: such a reading is the end of a
// word whose start the cut missed.
func signStartsWord(v string) bool {
	for _, w := range strings.FieldsFunc(strings.ToUpper(v), notLetter) {
		if r, _ := utf8.DecodeRuneInString(w); r == 'Ь' || r == 'Ъ' {
			return true
		}
	}
	return false
}

// inScript reports whether the letter r belongs to script s.
func inScript(r rune, s typedb.Script) bool {
	switch s {
	case typedb.ScriptCyrillic:
		return unicode.Is(unicode.Cyrillic, r)
	case typedb.ScriptLatin:
		return unicode.Is(unicode.Latin, r)
	}
	return true
}

// holdsCaption reports whether v is a label read as a value: for a name,
// any word of the type's own labels or of the generic captions; for free
// text, mostly such words (an authority may well say PASSPORT OFFICE).
func holdsCaption(v string, typ *typedb.Type, anyWord bool) bool {
	own := map[string]bool{}
	if typ != nil {
		for _, f := range typ.Fields {
			for _, l := range []string{f.Labels.KK, f.Labels.RU, f.Labels.EN, f.LabelText} {
				for _, w := range strings.FieldsFunc(strings.ToUpper(l), notLetter) {
					if len([]rune(w)) >= 3 {
						own[w] = true
					}
				}
			}
		}
	}
	words, captions := 0, 0
	for _, w := range strings.FieldsFunc(strings.ToUpper(v), notLetter) {
		if len([]rune(w)) < 3 {
			continue
		}
		words++
		if own[w] || genericCaptions[w] {
			captions++
		}
	}
	if anyWord {
		return captions > 0
	}
	return captions*2 > words
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

// misplacedNumber reports whether a document or personal number read in
// the visual zone is the digits of a date the document carries: the cut
// under the number's caption took the date printed beside it (a French
// residence permit's "14 10 2022", its date of issue, read at 0.85 as
// its number against the MRZ's valid 9FR456721, a false alarm). A
// reading of the wrong place is no evidence for or against the document.
func misplacedNumber(name, visual string, m *mrz.Result, known []*side) bool {
	if name != FieldDocumentNumber && name != FieldPersonalNumber {
		return false
	}
	for _, date := range []string{FieldDateOfBirth, FieldDateOfIssue, FieldDateOfExpiry} {
		vs := []string{mrzValue(m, date, known)}
		for _, s := range known {
			if r, ok := s.readings[date]; ok {
				vs = append(vs, r.Value)
			}
		}
		for _, v := range vs {
			if d := strings.ReplaceAll(v, ".", ""); len(d) == 8 && d == alphanumeric(visual) {
				return true
			}
		}
	}
	return false
}

// misplacedName reports whether a name reading is another field's: the
// MRZ's other name (a layout that put the surname where the type expects
// the given names), or a state's name (the header). A reading of the wrong
// place is no evidence for or against the document.
func misplacedName(name, visual string, m *mrz.Result, known []*side) bool {
	var other string
	switch name {
	case FieldLastName:
		other = mrzValue(m, FieldFirstName, known)
	case FieldFirstName:
		other = mrzValue(m, FieldLastName, known)
	default:
		return false
	}
	own := typedb.TransliterateICAO(mrzValue(m, name, known))
	other = typedb.TransliterateICAO(other)
	if other != "" && agree(name, visual, other, m) && !agree(name, visual, own, m) {
		return true
	}
	// a word of the other name (or a piece of it, the zone cut across it)
	// that is not a word of this one: the zone straddles both
	if other != "" {
		ownWords := strings.Fields(latinLetterWords(own))
		for _, w := range strings.Fields(latinLetterWords(typedb.TransliterateICAO(visual))) {
			if len(w) < 3 || slices.Contains(ownWords, w) {
				continue
			}
			for _, o := range strings.Fields(latinLetterWords(other)) {
				if w == o || len(w) >= 4 && strings.Contains(o, w) {
					return true
				}
			}
		}
	}
	for _, w := range strings.FieldsFunc(strings.ToUpper(visual), notLetter) {
		if len([]rune(w)) >= 4 && typedb.IsCountryWord(w) {
			return true
		}
	}
	return false
}

// cutAmiss reports whether a reading is the MRZ's value with characters
// lost at its end or its start, or, for a number, with the next field's
// print run on after it or before it ("EC71836403022025" for EC718364,
// a date of 03.02.2025 beside it, read at 0.89 on another hand's Slovak
// card: an alarm on a genuine one): for a name any of its letters but two,
// a cut that missed a faint last letter ("ОМАРО" for ОМАРОВ), or began
// inside the name where uneven light left its first letters too pale for
// the value's ink ("ДІР" for МӨЛДІР, "УЛ" for АЙГҮЛ read at 0.81: a
// false alarm on a genuine card, renderer varied, seed 5858); for a
// document or personal number any of it but four characters, a cut that
// ended short of its last digits ("KF49186" for KF4918680) or began
// inside it where a guilloche's band crossed its first ("2618" for
// ID0372618 at 0.96, other hand). Not another name or number. It is no evidence for or against the document (a forger writes
// another value, not the same one short).
func cutAmiss(name, visual, fromMRZ string) bool {
	switch name {
	case FieldLastName, FieldFirstName:
		own := latinLetterWords(typedb.TransliterateICAO(fromMRZ))
		got := latinLetterWords(typedb.TransliterateICAO(visual))
		return endsLost(own, got, 2, len(own))
	case FieldDocumentNumber, FieldPersonalNumber:
		own, got := alphanumeric(fromMRZ), alphanumeric(visual)
		return endsLost(own, got, 4, len(own)) || (len(own) >= 4 && endsLost(got, own, 4, len(got)))
	}
	return false
}

// endsLost reports whether got is own with up to lost characters taken
// from its end or its start, keeping at least least.
func endsLost(own, got string, least, lost int) bool {
	if len(got) < least || len(got) >= len(own) || len(own)-len(got) > lost {
		return false
	}
	return strings.HasPrefix(own, got) || strings.HasSuffix(own, got)
}

// alphanumeric is s upper-cased with everything but Latin letters and
// digits dropped.
func alphanumeric(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			return r
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return -1
	}, s)
}

// latinLetterWords is s upper-cased with everything but Latin letters and
// spaces dropped.
func latinLetterWords(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z' || r == ' ':
			return r
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r == '<' || r == '-':
			return ' '
		}
		return -1
	}, s)
}

// loneLetters counts the one-letter words of v.
func loneLetters(v string) int {
	n := 0
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '-' }) {
		if len([]rune(w)) == 1 {
			n++
		}
	}
	return n
}

// looksLikeDate reports whether free text reads as a date ("20 MAY 95",
// "20.05.1995") or is mostly digits.
func looksLikeDate(v string) bool {
	if _, err := vz.NormalizeDateText(v, true, time.Now()); err == nil {
		return true
	}
	letters, digits := 0, 0
	for _, r := range v {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r):
			digits++
		}
	}
	return digits > letters
}
