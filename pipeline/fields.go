package pipeline

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docscan/docscan/pipeline/checks"
	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/internal/editdist"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/pipeline/vz"
	"github.com/docscan/docscan/typedb"
)

// The response's fields, by their JSON names (Result's tags), as the
// merge, the field reports and typedb's zones name them.
const (
	FieldLastName       = "last_name"
	FieldFirstName      = "first_name"
	FieldPatronymic     = "patronymic"
	FieldPersonalNumber = "personal_number"
	FieldDateOfBirth    = "date_of_birth"
	FieldSex            = "sex"
	FieldDocumentNumber = "document_number"
	FieldAuthority      = "authority"
	FieldDateOfIssue    = "date_of_issue"
	FieldDateOfExpiry   = "date_of_expiry"
	// FieldPlaceOfBirth has no top-level key in the API contract: the
	// response carries it in its fields object only.
	FieldPlaceOfBirth = vz.FieldPlaceOfBirth
)

// fieldOrder is the order fields are merged and compared in.
var fieldOrder = []string{FieldLastName, FieldFirstName, FieldPatronymic, FieldPersonalNumber, FieldDateOfBirth,
	FieldSex, FieldDocumentNumber, FieldAuthority, FieldDateOfIssue, FieldDateOfExpiry, FieldPlaceOfBirth}

// responseFields are the visual-zone fields the response carries, plus
// sex, which the IIN check needs.
var responseFields = func() map[string]bool {
	m := make(map[string]bool, len(fieldOrder))
	for _, f := range fieldOrder {
		m[f] = true
	}
	return m
}()

// Sources of a field's value.
const (
	SourceVisual = "visual"
	SourceMRZ    = "mrz"
)

// mrzValue is what the MRZ says of a response field; "" when it carries
// nothing for it.
func mrzValue(m *mrz.Result, name string, known []*side) string {
	if m == nil {
		return ""
	}
	switch name {
	case FieldLastName:
		if m.SurnameNational != "" {
			return m.SurnameNational // the Russian internal passport's names, decoded
		}
		return m.Surname
	case FieldFirstName:
		if m.GivenNamesNational != "" {
			return m.GivenNamesNational
		}
		return m.GivenNames
	case FieldDateOfBirth:
		return m.BirthDate.DMY()
	case FieldDateOfExpiry:
		return m.ExpiryDate.DMY()
	case FieldDocumentNumber:
		return m.DocumentNumber
	case FieldSex:
		return m.Sex
	case FieldPersonalNumber:
		opt := m.OptionalData
		for _, s := range known {
			if s.best.Type.PersonalNumberScheme == "kz-iin" {
				if len(opt) == 12 && isDigits(opt) {
					return opt
				}
				return ""
			}
		}
		if m.Format == mrz.TD3 {
			return opt
		}
	}
	return ""
}

// optionalDataLike is the element of a TD1 or TD2 MRZ's optional data
// that the personal number read on the page, v, is, but for up to two
// characters: what those elements hold is the issuing state's choice (a
// personal number, often, not always), so one is the personal number
// only where the page prints it so ("23456729014" read at 0.71 beside a
// Turkish card's 23456789014). "" when none is.
func optionalDataLike(m *mrz.Result, v string) string {
	if m == nil || m.Document == nil || (m.Format != mrz.TD1 && m.Format != mrz.TD2) || len(v) < 6 {
		return ""
	}
	read := []byte(alphanumeric(v))
	for _, el := range strings.Fields(m.OptionalData) {
		el = strings.Trim(el, "<")
		if len(el) >= 6 && editdist.Levenshtein([]byte(alphanumeric(el)), read) <= 2 {
			return el
		}
	}
	return ""
}

// confusables are the characters OCR takes for one another in mixed
// letter-digit fields.
var confusables = map[[2]byte]bool{
	{'0', 'O'}: true, {'O', '0'}: true, {'1', 'I'}: true, {'I', '1'}: true, {'5', 'S'}: true,
	{'S', '5'}: true, {'8', 'B'}: true, {'B', '8'}: true, {'2', 'Z'}: true, {'Z', '2'}: true,
	{'6', 'G'}: true, {'G', '6'}: true, {'Q', 'O'}: true, {'O', 'Q'}: true, {'D', '0'}: true, {'0', 'D'}: true,
}

// lookAlikes are the Cyrillic letters OCR takes for one another whose
// ICAO transliterations differ.
var lookAlikes = map[rune][]rune{
	'Ш': {'Щ'}, 'Щ': {'Ш'}, 'Ь': {'Ъ', 'Ы'}, 'Ъ': {'Ь'}, 'Ы': {'Ь'}, 'Б': {'В'}, 'В': {'Б'},
	'Н': {'П'}, 'П': {'Н'}, 'Л': {'Д'}, 'Д': {'Л'}, 'Ц': {'Щ', 'Ч'}, 'Ч': {'Ц'}, 'З': {'Э'}, 'Э': {'З', 'Ә'},
	// the Kazakh schwa, read as the Russian Э it resembles (A and E in
	// the MRZ tell them apart)
	'Ә': {'Э'},
}

// settleReadings returns the first of the zone's readings that agrees
// with the MRZ, as read or once an OCR confusion the MRZ resolves is
// settled; each way is tried on every reading before the next way.
func settleReadings(name string, readings []string, fromMRZ string, m *mrz.Result) (string, bool) {
	ways := []func(string) (string, bool){
		func(v string) (string, bool) {
			if !agree(name, v, fromMRZ, m) {
				return v, false
			}
			if name == FieldLastName || name == FieldFirstName {
				v = wordsAsMRZ(v, fromMRZ)
			}
			return v, true
		},
	}
	switch {
	case name == FieldLastName || name == FieldFirstName:
		// a letter OCR took for its look-alike, where the MRZ's
		// transliteration tells them apart (Щ/Ш: SHCH/SH; II/I)
		ways = append(ways, func(v string) (string, bool) { return settleName(v, fromMRZ, m) })
	case name == FieldDocumentNumber && m != nil && m.Checks[mrz.CheckDocumentNumber]:
		// OCR's 0/O, 1/I, 5/S, 8/B, 2/Z: where only those differ and the
		// MRZ's check digit holds, the MRZ settles them
		ways = append(ways, func(v string) (string, bool) { return settleConfusables(v, fromMRZ) })
	}
	for _, way := range ways {
		for _, r := range readings {
			if v, ok := way(r); ok {
				return v, true
			}
		}
	}
	return "", false
}

// settleName fixes one OCR confusion in a visual-zone name that the
// MRZ's spelling resolves: a single Cyrillic look-alike whose
// transliteration then matches, or (Latin) one I of a run of I's lost,
// or two I's read as an N.
// The visual value keeps its script.
func settleName(visual, fromMRZ string, m *mrz.Result) (string, bool) {
	r := []rune(visual)
	for i, c := range r {
		for _, alt := range lookAlikes[c] {
			if alt == c {
				continue
			}
			try := append([]rune(nil), r...)
			try[i] = alt
			if v := string(try); agreeName(v, fromMRZ, m) {
				return v, true
			}
		}
	}
	for i, c := range r {
		var v string
		switch c {
		case 'I', 'N': // one I of a run lost; II read as one N
			v = string(r[:i]) + "II" + string(r[i+1:])
		default:
			continue
		}
		if agreeName(v, fromMRZ, m) {
			return v, true
		}
	}
	return visual, false
}

// beyondMRZNames drops, from a given-names reading, the words after
// those the MRZ carries, when the leading words agree with the MRZ's and
// the MRZ's name field is not full: the MRZ holds every given name it
// has room for, so a further word read on the page is the cut's debris
// ("ULAN TK" for ULAN, two letters of the next line), not a name. It
// returns the reading unchanged, and false, otherwise.
func beyondMRZNames(name, visual, fromMRZ string, m *mrz.Result) (string, bool) {
	if name != FieldFirstName || nameTruncated(m) {
		return visual, false
	}
	vw, zw := strings.Fields(visual), strings.Fields(typedb.TransliterateICAO(fromMRZ))
	if len(zw) == 0 || len(vw) <= len(zw) {
		return visual, false
	}
	lead := strings.Join(vw[:len(zw)], " ")
	if typedb.LatinLetters(typedb.TransliterateICAO(lead)) != typedb.LatinLetters(strings.Join(zw, " ")) {
		return visual, false
	}
	return lead, true
}

func agreeName(visual, fromMRZ string, m *mrz.Result) bool {
	return agree(FieldLastName, visual, fromMRZ, m)
}

// narrow are the glyphs OCR doubles or drops next to their look-alikes
// ("N0O1…" for "N01…", "J16…" for "IJ16…").
const narrow = "0O1IJQD"

// settleConfusables returns the MRZ's spelling when visual differs from
// it only by confusable characters and at most one doubled or dropped
// narrow glyph: the weighted edit distance, with confusable substitutions
// free and such an insertion or deletion at half cost, is at most ½.
func settleConfusables(visual, fromMRZ string) (string, bool) {
	if visual == fromMRZ || visual == "" || fromMRZ == "" {
		return visual, false
	}
	a, b := visual, fromMRZ
	indel := func(c byte) float64 {
		if strings.IndexByte(narrow, c) >= 0 {
			return 0.5
		}
		return 1
	}
	prev := make([]float64, len(b)+1)
	cur := make([]float64, len(b)+1)
	for j := 1; j <= len(b); j++ {
		prev[j] = prev[j-1] + indel(b[j-1])
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = prev[0] + indel(a[i-1])
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] && !confusables[[2]byte{a[i-1], b[j-1]}] {
				sub++
			}
			cur[j] = min(sub, prev[j]+indel(a[i-1]), cur[j-1]+indel(b[j-1]))
		}
		prev, cur = cur, prev
	}
	if prev[len(b)] <= 0.5 {
		return fromMRZ, true
	}
	return visual, false
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// agree compares a visual-zone value with the MRZ's: names after ICAO
// 9303 transliteration, of both (the MRZ's names may be decoded to
// Cyrillic: the Russian internal passport; a name the MRZ cut short
// agrees with its start), the rest exactly.
func agree(name, visual, fromMRZ string, m *mrz.Result) bool {
	switch name {
	case FieldLastName, FieldFirstName:
		fromMRZ = typedb.TransliterateICAO(fromMRZ)
		// MÄNNIK is MANNIK or MAENNIK in an MRZ
		for _, spelled := range typedb.ICAOSpellings(visual) {
			if agreeSpelledName(name, spelled, fromMRZ, m) {
				return true
			}
		}
		_, thorns := thornsRead(visual, fromMRZ, m)
		return thorns
	case FieldDocumentNumber, FieldPersonalNumber:
		// on their letters and digits: the page's hyphen or space is the
		// MRZ's < ("19940111-01234", 19940111<01234)
		return alphanumeric(visual) != "" && alphanumeric(visual) == alphanumeric(fromMRZ)
	case FieldDateOfBirth, FieldDateOfExpiry:
		return sameButCentury(visual, fromMRZ)
	}
	return visual == fromMRZ
}

// thornsRead returns visual with a Þ for each P or B that stands where
// the MRZ writes TH, the thorn's ICAO 9303 spelling, when the rest of it
// agrees with the MRZ letter for letter and the document's languages
// write Þ: OCR takes a thorn for P or B ("GUÐRUN PÓRA" for GUÐRÚN ÞÓRA,
// GUDRUN<THORA, a false alarm on an Icelandic passport by another hand).
// ok is false when no such letter made the two agree.
func thornsRead(visual, fromMRZ string, m *mrz.Result) (string, bool) {
	if m == nil {
		return visual, false
	}
	if marks, known := typedb.NationalMarks(m.IssuingState, m.Nationality); !known || !strings.ContainsRune(marks, 'Þ') {
		return visual, false
	}
	want := typedb.LatinLetters(typedb.TransliterateICAO(fromMRZ))
	var out []rune
	j, thorns := 0, false
	for _, r := range strings.ToUpper(visual) {
		if !unicode.IsLetter(r) {
			out = append(out, r)
			continue
		}
		switch t := typedb.LatinLetters(typedb.TransliterateICAO(string(r))); {
		case t != "" && strings.HasPrefix(want[j:], t):
			out, j = append(out, r), j+len(t)
		case (r == 'P' || r == 'B') && strings.HasPrefix(want[j:], "TH"):
			out, j, thorns = append(out, 'Þ'), j+2, true
		default:
			return visual, false
		}
	}
	if !thorns || j != len(want) {
		return visual, false
	}
	return string(out), true
}

// agreeSpelledName compares a name in the MRZ's Latin with the MRZ's.
func agreeSpelledName(name, visual, fromMRZ string, m *mrz.Result) bool {
	v, z := typedb.LatinLetters(visual), typedb.LatinLetters(fromMRZ)
	if v == z {
		return true
	}
	if name == FieldFirstName {
		// one of the two may carry further given names: the words
		// both carry agree, each ("ERIK IOHAN", J read as I, does not
		// agree with ERIK JOHAN on its first word alone)
		vw, zw := strings.Fields(visual), strings.Fields(fromMRZ)
		n := min(len(vw), len(zw))
		if n > 0 && slices.EqualFunc(vw[:n], zw[:n], func(a, b string) bool { return typedb.LatinLetters(a) == typedb.LatinLetters(b) }) {
			return true
		}
	}
	return z != "" && nameTruncated(m) && strings.HasPrefix(v, z)
}

// wordsAsMRZ returns a name read on the page that agrees with the MRZ's
// letter for letter, with its words broken where the MRZ's are: OCR
// loses a space between words, or breaks a word at a wide letter
// ("JOSÉIGNACIO" for JOSÉ IGNACIO, "POL DMAE" for PÕLDMÄE), where the
// MRZ's fillers are plain. A reading whose letters do not line up with
// the MRZ's one for one is returned as it is. A hyphen printed where the
// MRZ breaks stays ("KOWAL SKA-KWIATKOWSKA" is KOWALSKA-KWIATKOWSKA).
func wordsAsMRZ(visual, fromMRZ string) string {
	z := strings.Fields(typedb.TransliterateICAO(fromMRZ))
	var letters []rune
	hyphenAt := map[int]bool{} // a hyphen printed before letters[k]
	for _, r := range visual {
		switch r {
		case ' ':
		case '-':
			hyphenAt[len(letters)] = true
		default:
			letters = append(letters, r)
		}
	}
	var b strings.Builder
	i := 0
	for k, w := range z {
		if k > 0 {
			if hyphenAt[i] {
				b.WriteByte('-') // the MRZ writes a hyphen as a break
				delete(hyphenAt, i)
			} else {
				b.WriteByte(' ')
			}
		}
		got := ""
		for len(got) < len(w) && i < len(letters) {
			b.WriteRune(letters[i])
			got += typedb.TransliterateICAO(string(letters[i]))
			i++
		}
		if got != w {
			return visual
		}
	}
	if i != len(letters) || len(hyphenAt) > 0 {
		return visual // letters left over, or a hyphen inside a word
	}
	return b.String()
}

// withoutPrintedLones is a name read on the page without its one-letter
// words where each of them is the MRZ's word in its place, and the name
// has as many words as the MRZ's: those are printed ("Ó SÚILLEABHÁIN"),
// not the debris syntaxOK refuses. Otherwise it is the name as read.
func withoutPrintedLones(name, visual, fromMRZ string) string {
	if name != FieldLastName && name != FieldFirstName || loneLetters(visual) == 0 {
		return visual
	}
	v, z := strings.Fields(visual), strings.Fields(typedb.TransliterateICAO(fromMRZ))
	if len(v) != len(z) {
		return visual
	}
	var kept []string
	for i, w := range v {
		switch {
		case utf8.RuneCountInString(w) > 1:
			kept = append(kept, w)
		case typedb.TransliterateICAO(w) != z[i]:
			return visual
		}
	}
	return strings.Join(kept, " ")
}

// marksLostOnly reports whether a name read on the page is the MRZ's
// with some of its long forms of a marked letter (AE, OE, UE, AA for Ä,
// Ö or Ø, Ü, Å, or Æ) read as the plain letter: a reading that lost the
// marks ("KARKKAINEN" for KÄRKKÄINEN, KAERKKAEINEN in the MRZ;
// "AVARSDOTTIR" for ÆVARSDÓTTIR) is no evidence either way, neither the
// printed name nor another one.
func marksLostOnly(name, visual, fromMRZ string) bool {
	if name != FieldLastName && name != FieldFirstName {
		return false
	}
	v := typedb.LatinLetters(typedb.TransliterateICAO(visual))
	return slices.Contains(marksLost(typedb.LatinLetters(typedb.TransliterateICAO(fromMRZ))), v)
}

// thinLetterLost reports whether a name read on the page agrees with
// the MRZ's but for one I that the reading lost (and at most one letter
// read as its look-alike, as settleName allows), where it does not agree
// whole: a thin І or I beside a wide letter runs into it (ӘБДІРАХМАНОВА
// read "ЭБДРАХМАНОВА" at 0.9 on a Kazakh card by another hand, its Ә as
// Э too: a false alarm). Such a reading is no evidence either way.
func thinLetterLost(name, visual, fromMRZ string, m *mrz.Result) bool {
	if name != FieldLastName && name != FieldFirstName || fromMRZ == "" || agree(name, visual, fromMRZ, m) {
		return false
	}
	for i := 0; i < len(fromMRZ); i++ {
		if fromMRZ[i] != 'I' {
			continue
		}
		z := fromMRZ[:i] + fromMRZ[i+1:]
		if agree(name, visual, z, m) {
			return true
		}
		if _, ok := settleName(visual, z, m); ok {
			return true
		}
	}
	return false
}

// markedLetterMisread reports whether a name read on the page is the
// MRZ's but for one letter, where the MRZ holds the plain letter of one
// that the document's languages write with a mark: the mark drew the
// reader to another letter (RŪTA read "ROTA" at 0.87 on a Lithuanian
// card by another hand, a false alarm). Such a reading is no evidence
// either way. False where the state's languages are not known.
func markedLetterMisread(name, visual, fromMRZ string, m *mrz.Result) bool {
	if name != FieldLastName && name != FieldFirstName || m == nil || m.Document == nil {
		return false
	}
	marks, ok := typedb.NationalMarks(m.Document.IssuingState, m.Document.Nationality)
	if !ok {
		return false
	}
	v := typedb.LatinLetters(typedb.TransliterateICAO(visual))
	z := typedb.LatinLetters(typedb.TransliterateICAO(fromMRZ))
	if len(v) != len(z) {
		return false
	}
	at := -1
	for i := range z {
		if v[i] != z[i] {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at < 0 {
		return false
	}
	for _, r := range marks {
		if b := typedb.LatinLetters(typedb.TransliterateICAO(string(r))); b != "" && b[0] == z[at] {
			return true
		}
	}
	return false
}

// marksLost are the spellings of an MRZ's name (A–Z only) with some of
// its long forms of a marked letter written as the plain letter, at
// most four of them varied.
func marksLost(z string) []string {
	var at []int
	for i := 0; i+1 < len(z) && len(at) < 4; i++ {
		switch z[i : i+2] {
		case "AE", "OE", "UE", "AA":
			at = append(at, i)
			i++
		}
	}
	var out []string
	for mask := 1; mask < 1<<len(at); mask++ {
		var b strings.Builder
		last := 0
		for k, i := range at {
			if mask&(1<<k) == 0 {
				continue
			}
			b.WriteString(z[last : i+1]) // the plain letter, its E or A dropped
			last = i + 2
		}
		b.WriteString(z[last:])
		out = append(out, b.String())
	}
	return out
}

// sameButCentury reports whether two dd.mm.yyyy dates agree in all the
// MRZ prints: its YYMMDD leaves the century to a guess (a birth in 1911
// is read from the MRZ as 2011), which the visual zone's year settles.
func sameButCentury(visual, fromMRZ string) bool {
	if visual == fromMRZ {
		return true
	}
	v, z := parseDMY(visual), parseDMY(fromMRZ)
	return !v.IsZero() && !z.IsZero() && v.Day() == z.Day() && v.Month() == z.Month() && v.Year()%100 == z.Year()%100
}

// bornBeforeIssue settles the century of a date of birth taken from the
// MRZ alone by the date of issue read on the page: no one is issued a
// document before they are born, so a birth the century guess puts after
// the issue was a century earlier (a specimen's holder born in 1911).
func bornBeforeIssue(res *Result) {
	birth, ok := res.Fields[FieldDateOfBirth]
	if !ok || birth.Source != SourceMRZ || res.Fields[FieldDateOfIssue].Source != SourceVisual {
		return
	}
	b, issued := parseDMY(res.DateOfBirth), parseDMY(res.DateOfIssue)
	if b.IsZero() || issued.IsZero() || !b.After(issued) {
		return
	}
	earlier := b.AddDate(-100, 0, 0)
	if earlier.AddDate(maxAgeAtIssue, 0, 0).Before(issued) {
		return // a century earlier is no likelier: the issue date is off
	}
	birth.Value = earlier.Format("02.01.2006")
	if birth.Sources != nil {
		birth.Sources[SourceMRZ] = birth.Value
	}
	res.Fields[FieldDateOfBirth] = birth
	res.DateOfBirth = birth.Value
}

// maxAgeAtIssue bounds the holder's age when a document is issued.
const maxAgeAtIssue = 120

// disagreeNeeds is the confidence a visual reading of field name needs
// to stand against the MRZ's: DisagreeField, or ConfidentField where
// the MRZ's own check digit for the field fails, so that its value is no
// better evidence than the page's (an altered date of birth).
func disagreeNeeds(name string, m *mrz.Result) float64 {
	check, ok := fieldChecks[name]
	if m == nil || !ok {
		return DisagreeField
	}
	if holds, checked := m.Checks[check]; checked && !holds {
		return ConfidentField
	}
	return DisagreeField
}

// fieldChecks names the MRZ check digit that covers each field.
var fieldChecks = map[string]string{
	FieldDateOfBirth: mrz.CheckDateOfBirth, FieldDateOfExpiry: mrz.CheckDateOfExpiry,
	FieldDocumentNumber: mrz.CheckDocumentNumber, FieldPersonalNumber: mrz.CheckOptionalData,
}

// zeroBesideLetter reports whether v holds a 0 or an O next to another
// letter: OCR tells them apart by the glyph alone there, and many
// printers draw them alike.
func zeroBesideLetter(v string) bool {
	letter := func(i int) bool { return i >= 0 && i < len(v) && v[i] >= 'A' && v[i] <= 'Z' && v[i] != 'O' }
	for i := range len(v) {
		if (v[i] == '0' || v[i] == 'O') && (letter(i-1) || letter(i+1)) {
			return true
		}
	}
	return false
}

// nameTruncated reports whether the MRZ's name field is full to its end,
// so longer names were cut.
func nameTruncated(m *mrz.Result) bool {
	if m == nil || len(m.Lines) == 0 {
		return false
	}
	l := m.Lines[len(m.Lines)-1]
	if m.Format == mrz.TD3 || m.Format == mrz.MRVA || m.Format == mrz.TD2 || m.Format == mrz.MRVB {
		l = m.Lines[0]
	}
	return l != "" && l[len(l)-1] != '<'
}

// mergeFields fills the response fields from the visual zone and the
// MRZ, reports per field which sources agree, and returns the
// comparisons for the agreement check. A disagreement is read a second
// time from a cleaner cut before it counts. doubt is the MRZ read
// unsurely, when m is nil for that: no value comes from it, but a
// visual reading it reads otherwise must be sure (DisagreeField) to be
// answered.
func (e *Engine) mergeFields(ctx context.Context, res *Result, known []*side, m, doubt *mrz.Result) []checks.Comparison {
	markedSpellings(known, m)
	e.locateNames(ctx, known, m)
	var cmp []checks.Comparison
	for _, name := range fieldOrder {
		var rd *fieldReading
		for _, s := range known {
			if r, ok := s.readings[name]; ok && r.Value != "" {
				rd = &r
				break
			}
		}
		fromMRZ := mrzValue(m, name, known)
		if name == FieldPersonalNumber && fromMRZ == "" && rd != nil {
			fromMRZ = optionalDataLike(m, rd.Value)
		}
		var onPage *fieldReading
		if name == FieldDateOfIssue {
			onPage, _ = issueOnPage(known, m)
		}
		if rd == nil && fromMRZ == "" && onPage == nil {
			continue
		}
		rep := FieldReport{Sources: map[string]string{}}
		conf := 0.0
		if rd != nil {
			rep.Sources[SourceVisual] = rd.Value
			checked := *rd
			checked.Value = withoutPrintedLones(name, rd.Value, fromMRZ)
			conf = fieldConfidence(&checked, rd.side.best.Type)
			if misplacedName(name, rd.Value, m, known) || misplacedNumber(name, rd.Value, m, known) || cutAmiss(name, rd.Value, fromMRZ) || marksLostOnly(name, rd.Value, fromMRZ) || thinLetterLost(name, rd.Value, fromMRZ, m) || markedLetterMisread(name, rd.Value, fromMRZ, m) {
				conf = 0
			}
			if (name == FieldDateOfIssue || name == FieldDateOfBirth) && e.inFuture(rd.Value) &&
				(conf < DisagreeField || e.readsOtherwise(ctx, rd)) {
				// no document is issued, nor its holder born, after
				// today: a date read so, unsurely, was misread
				// ("05.05.2070" for 05.05.2020 at 0.63). Read surely, it
				// accuses the holder (date_logic) as a disagreement does,
				// so it is read again other ways first, and one that reads
				// otherwise is no evidence ("17.10.2047" for 17.10.2017 at
				// 0.89)
				conf = 0
			}
			if conf > 0 && conf < ConfidentField && (doubtVouches(name, rd.Value, doubt, known) || iinVouches(name, known)) {
				// another reading vouches for this unsure one: the MRZ,
				// read unsurely, gives this very value with its check
				// digit holding; or the IIN's check digit holds and its
				// birth date is the date of birth read apart (a glare
				// across both). A misread would hardly make two agree
				conf = ConfidentField
			}
			if name == FieldDateOfIssue && conf > 0 && validForAges(rd.Value, validityExpiry(m, known)) {
				// no document is valid so long: the cut read another
				// date, its two-digit year put a century back ("10 JUN
				// 30", the expiry beside it, read 10.06.1930 at 0.96
				// where the expiry is 10.06.2030)
				conf = 0
			}
			if name == FieldDateOfIssue && conf > 0 && conf < DisagreeField {
				years := rd.side.best.Type.ValidityYears
				switch expiry := validityExpiry(m, known); {
				case conf < ConfidentField && vz.FitsValidityOf(rd.Value, expiry, years):
					// a whole validity period before the expiry: a misread
					// date hardly lands there
					conf = ConfidentField
				case conf >= ConfidentField && years > 0 && expiry != "" && !vz.FitsValidityOf(rd.Value, expiry, years):
					// every document of the type is valid that long: a
					// date of issue read not quite surely that another
					// period would fit was misread (a shadow's "24.02.2024"
					// for 24.02.2023 at 0.61 beside an expiry of
					// 23.02.2033, the year's 3 read as 4; kz-dev with a
					// shadow laid over it)
					conf = 0
				}
			}
			rep.Confidence = &conf
		}
		if name == FieldDateOfIssue && conf < ConfidentField {
			// the caption was not read, or the date under it unsurely:
			// a date printed elsewhere on the page a validity period
			// before the expiry is the date of issue
			if onPage != nil {
				rd, conf = onPage, ConfidentField
				rep.Sources[SourceVisual] = rd.Value
				rep.Confidence = &conf
			}
		}
		if fromMRZ != "" {
			rep.Sources[SourceMRZ] = fromMRZ
		}
		switch {
		case rd != nil && fromMRZ != "":
			if v, trimmed := beyondMRZNames(name, rd.Value, fromMRZ, m); trimmed {
				rd.Value = v
				rep.Sources[SourceVisual] = v
			}
			ok := agree(name, rd.Value, fromMRZ, m)
			if ok && (name == FieldLastName || name == FieldFirstName) {
				if v, thorns := thornsRead(rd.Value, fromMRZ, m); thorns {
					rd.Value = v
				}
				// agreeing as read, a space lost or added included
				rd.Value = wordsAsMRZ(rd.Value, fromMRZ)
			}
			if !ok {
				readings := []string{rd.Value}
				if e.ocr != nil {
					// before a disagreement counts, the zone is read in
					// other ways; a real alteration disagrees in all of them.
					// The first that agrees is what settleReadings takes:
					// the ways after it are not read
					again, _ := vz.ReReadUntil(ctx, e.ocr, rd.side.vzSide(), rd.field, rd.Region, func(a vz.Reading) bool {
						return a.Err == nil && a.Value != "" && agree(name, a.Value, fromMRZ, m)
					})
					for _, a := range again {
						if a.Err == nil && a.Value != "" {
							readings = append(readings, a.Value)
						}
					}
				}
				if v, settled := settleReadings(name, readings, fromMRZ, m); settled {
					rd.Value, ok = v, true
					rep.Sources[SourceVisual] = v
				}
			}
			if rd.Located {
				// found on the page as the MRZ spells it: the page's
				// spelling, but no evidence the two agree
				rep.Value, rep.Source = rd.Value, SourceVisual
				if !ok {
					rep.Value, rep.Source = fromMRZ, SourceMRZ
				}
			} else if ok && !syntaxOK(rd.field, withoutPrintedLones(name, rd.Value, fromMRZ), rd.side.best.Type) {
				// agreeing in its first word, with debris beside it (a
				// cut that took in the next column): no value, no evidence
				rep.Value, rep.Source = fromMRZ, SourceMRZ
			} else if ok || conf >= disagreeNeeds(name, m) {
				// a confident disagreement is what tampering looks like:
				// it stands, and the agreement check sees it
				rep.Value, rep.Source = rd.Value, SourceVisual
				rep.Agree = &ok
				cmp = append(cmp, checks.Comparison{Field: name, Agree: ok})
			} else {
				// an unsure reading is no evidence either way
				rep.Value, rep.Source = fromMRZ, SourceMRZ
			}
		case rd != nil && conf >= ConfidentField && name == FieldDocumentNumber && zeroBesideLetter(rd.Value):
			// no MRZ to tell: a 0 or O against a letter is either (a
			// number "OC0770841" read "0C0770841" at 0.63)
			conf = min(conf, ConfidentField/2)
			rep.Confidence = &conf
		case rd != nil && rd.field.Kind == typedb.KindName && conf >= ConfidentField && conf < DisagreeField && doubtedBy(name, rd.Value, doubt, known):
			// two readings of a name, neither sure, that disagree
			// ("SENTOVA" read at 0.68 where a monospace MRZ, read
			// unsurely, has SEIITOVA): neither is answered. Not for
			// numbers and dates: such an MRZ misreads their digits as
			// letters as often as not (renderer varied, seven seeds: 4
			// right document numbers lost, no wrong one)
		case rd != nil && conf >= ConfidentField:
			rep.Value, rep.Source = rd.Value, SourceVisual
		case rd != nil:
			// read, but not surely: empty rather than a guess
		default:
			rep.Value, rep.Source = fromMRZ, SourceMRZ
		}
		if len(rep.Sources) == 1 {
			rep.Sources = nil
		}
		res.Fields[name] = rep
		setField(res, name, rep.Value)
	}
	bornBeforeIssue(res)
	return cmp
}

// doubtVouches reports whether doubt, an MRZ read unsurely, gives field
// name exactly the value v, in a field its check digit covers and holds
// on as read.
func doubtVouches(name, v string, doubt *mrz.Result, known []*side) bool {
	check, ok := fieldChecks[name]
	if doubt == nil || doubt.Document == nil || !ok || !doubt.Checks[check] {
		return false
	}
	d := mrzValue(doubt, name, known)
	return d != "" && alphanumeric(d) == alphanumeric(v)
}

// iinVouches reports, for the date of birth or the personal number,
// whether the sides read an IIN whose check digit holds and whose birth
// date is the date of birth they read: each reading vouches for the
// other.
func iinVouches(name string, known []*side) bool {
	if name != FieldDateOfBirth && name != FieldPersonalNumber {
		return false
	}
	var iin, birth string
	for _, s := range known {
		if s.best == nil || s.best.Type.PersonalNumberScheme != "kz-iin" {
			continue
		}
		if r, ok := s.readings[FieldPersonalNumber]; ok && r.Value != "" && iin == "" {
			iin = strings.TrimSpace(r.Value)
		}
		if r, ok := s.readings[FieldDateOfBirth]; ok && r.Value != "" && birth == "" {
			birth = strings.TrimSpace(r.Value)
		}
	}
	p, err := typedb.ParseIIN(iin)
	return err == nil && birth != "" && p.BirthDate.Format("02.01.2006") == birth
}

// readsOtherwise reports whether rd's zone, read again in the other
// ways, gives another value of its kind.
func (e *Engine) readsOtherwise(ctx context.Context, rd *fieldReading) bool {
	if e.ocr == nil {
		return false
	}
	other := func(a vz.Reading) bool { return a.Err == nil && a.Value != "" && a.Value != rd.Value }
	again, _ := vz.ReReadUntil(ctx, e.ocr, rd.side.vzSide(), rd.field, rd.Region, other)
	return slices.ContainsFunc(again, other)
}

// inFuture reports whether the date v (dd.mm.yyyy) is after today.
func (e *Engine) inFuture(v string) bool {
	now := time.Now
	if e.opts.Now != nil {
		now = e.opts.Now
	}
	d := parseDMY(v)
	return !d.IsZero() && d.After(now())
}

// doubtedBy reports whether doubt, an MRZ read unsurely, gives field
// name a value that does not agree with v.
func doubtedBy(name, v string, doubt *mrz.Result, known []*side) bool {
	if doubt == nil {
		return false
	}
	d := mrzValue(doubt, name, known)
	return d != "" && !agree(name, v, d, doubt)
}

// validityExpiry is the date of expiry a date of issue is held against
// for a whole validity period: the MRZ's, else the visual zone's when it
// was read confidently. That is another reading than the issue's, and
// two misreadings hardly land a validity period apart (a Kazakh back
// whose MRZ a glare left unread: its date of issue read at 0.45, right,
// beside its expiry read at 0.76; renderer varied, seed 2727).
func validityExpiry(m *mrz.Result, known []*side) string {
	if v := mrzValue(m, FieldDateOfExpiry, known); v != "" {
		return v
	}
	for _, s := range known {
		if rd, ok := s.readings[FieldDateOfExpiry]; ok && rd.Err == nil && rd.Value != "" && fieldConfidence(&rd, s.best.Type) >= ConfidentField {
			return rd.Value
		}
	}
	return ""
}

// locateNames places, on each generic side, the Latin names whose
// captions its caption pass did not read, or under whose caption no sure
// name was read, among the words that pass read (vz.LocateName), as the
// MRZ read surely on either side gives them: a TD1 card's 1 mm captions
// go unread, while the names they head, printed larger, are read; a
// caption beside its value, set lower, puts the cut on the next line. The
// page's spelling then takes the marks the Latin model reads on it. A
// name not found keeps its reading. A name the pass read with one letter
// wrong is found where the Latin-script model, reading it again, reads
// the MRZ's letters (vz.LocateNameNear).
func (e *Engine) locateNames(ctx context.Context, known []*side, m *mrz.Result) {
	if m == nil || m.Document == nil || m.Status == mrz.StatusUnsure || e.ocr == nil {
		return
	}
	for _, s := range known {
		if s.best == nil || !s.best.Type.Generic || s.layers.white == nil {
			continue
		}
		for _, name := range []string{FieldLastName, FieldFirstName} {
			rd, ok := s.readings[name]
			if !ok || len(rd.PageWords) == 0 {
				continue
			}
			want := mrzValue(m, name, known)
			if rd.Captioned && rd.Err == nil && agree(name, rd.Value, want, m) {
				continue // read under its caption as the MRZ has it
			}
			vs := vzSideOf(s.layers.white, s.white, s.hm, s.best.Type, m)
			if rd.Captioned && rd.Err == nil && fieldConfidence(&rd, s.best.Type) >= ConfidentField && !misplacedName(name, rd.Value, m, known) {
				// read surely otherwise under its caption: what a forged
				// page shows, and it stands, unless the page prints the
				// MRZ's name too, its marks lost at most. Then the cut
				// took another line (a nationality, "SVENSK", under
				// "Given names" where each value stands between its
				// caption's row and the next), and a forger would not
				// have left the name he replaced. (The MRZ's other name
				// read where the cut took the wrong line, "IANA SOPHIE"
				// under "Name / Surname", is misplacedName's.)
				loc, ok := locatePrinted(rd.PageWords, rd.field, want, vs)
				if !ok {
					continue
				}
				vz.RestoreMarks(ctx, e.ocr, vs, rd.field, &loc)
				rd.Reading = loc
				s.readings[name] = rd
				continue
			}
			loc, ok := vz.LocateName(rd.PageWords, rd.field, want, vs)
			if ok {
				vz.RestoreMarks(ctx, e.ocr, vs, rd.field, &loc)
			} else if loc, ok = vz.LocateNameNear(ctx, e.ocr, vs, rd.PageWords, rd.field, want, marksLost(typedb.LatinLetters(want))...); !ok {
				continue
			}
			if v, ok := vz.MarksOf(loc.Value, rd.Reading); ok {
				loc.Value = v
			}
			rd.Reading = loc
			s.readings[name] = rd
		}
	}
}

// markedSpellings settles the marks of generic sides' Latin names and
// text once the MRZ is read. Only the marks the languages of the states
// it names write are kept (vz.NationalSpelling): a TD1 card's front is
// read before its back's MRZ names them. And a name the English model
// misread on a marked letter is the Latin-script reading of the same cut
// (vz.Reading.Marked) where that spells the MRZ's name ("ROTA" for RŪTA,
// "PYAO MIGUEL" for JOÃO MIGUEL): a forged page would read otherwise with
// both models.
func markedSpellings(known []*side, m *mrz.Result) {
	if m == nil || m.Document == nil || m.Status == mrz.StatusUnsure {
		return
	}
	for _, s := range known {
		if s.best == nil || !s.best.Type.Generic {
			continue
		}
		vs := vz.Side{Type: s.best.Type, State: m.IssuingState, Nationality: m.Nationality}
		for name, rd := range s.readings {
			rd.Value = vz.NationalSpelling(vs, rd.field, rd.Value)
			rd.Marked = vz.NationalSpelling(vs, rd.field, rd.Marked)
			if (name == FieldLastName || name == FieldFirstName) && rd.Err == nil && rd.Marked != "" {
				if want := mrzValue(m, name, known); !agree(name, rd.Value, want, m) && spellsName(rd.Marked, want) {
					rd.Raw, rd.Value = rd.Marked, rd.Marked
				}
			}
			s.readings[name] = rd
		}
	}
}

// spellsName reports whether marked, a name read with its marks, is the
// MRZ's name fromMRZ letter for letter in a spelling ICAO 9303 part 3
// gives it (Ü as U or UE).
func spellsName(marked, fromMRZ string) bool {
	want := typedb.LatinLetters(typedb.TransliterateICAO(fromMRZ))
	return want != "" && slices.ContainsFunc(typedb.ICAOSpellings(marked), func(sp string) bool { return typedb.LatinLetters(sp) == want })
}

// locatePrinted finds the MRZ's name want among a side's words as
// vz.LocateName does, or else spelt with some of its long forms of a
// marked letter read as the plain letter (BJORN AKE for BJOERN AAKE:
// the English model drops the marks of BJÖRN ÅKE).
func locatePrinted(words []ocr.Word, f typedb.Field, want string, s vz.Side) (vz.Reading, bool) {
	if loc, ok := vz.LocateName(words, f, want, s); ok {
		return loc, true
	}
	for _, lost := range marksLost(want) {
		if loc, ok := vz.LocateName(words, f, lost, s); ok {
			return loc, true
		}
	}
	return vz.Reading{}, false
}

// validForAges reports whether a date of issue lies further before the
// expiry than twice the longest validity of an ICAO document (both
// dd.mm.yyyy; false when either is not a date).
func validForAges(issue, expiry string) bool {
	i, e := parseDMY(issue), parseDMY(expiry)
	return !i.IsZero() && !e.IsZero() && i.AddDate(2*typedb.MaxValidityYears, 0, 0).Before(e)
}

// issueOnPage is the one date the generic sides' caption passes read
// anywhere on the page that lies a whole validity period before the
// MRZ's expiry (vz.FitsValidity) and is not the date of birth; none when
// no date, or more than one, does.
func issueOnPage(known []*side, m *mrz.Result) (*fieldReading, bool) {
	expiry, birth := mrzValue(m, FieldDateOfExpiry, known), mrzValue(m, FieldDateOfBirth, known)
	if expiry == "" {
		return nil, false
	}
	var found *fieldReading
	for _, s := range known {
		r, ok := s.readings[FieldDateOfIssue]
		if !ok {
			continue
		}
		for _, d := range r.PageDates {
			if d == birth || !vz.FitsValidity(d, expiry) {
				continue
			}
			if found != nil && found.Value != d {
				return nil, false // two candidates: no telling which
			}
			c := r
			c.Value, c.Raw, c.Err = d, d, nil
			found = &c
		}
	}
	return found, found != nil
}

func setField(res *Result, name, v string) {
	switch name {
	case FieldFirstName:
		res.FirstName = v
	case FieldLastName:
		res.LastName = v
	case FieldPatronymic:
		res.Patronymic = v
	case FieldPersonalNumber:
		res.PersonalNumber = v
	case FieldDateOfBirth:
		res.DateOfBirth = v
	case FieldDocumentNumber:
		res.DocumentNumber = v
	case FieldAuthority:
		res.Authority = v
	case FieldDateOfIssue:
		res.DateOfIssue = v
	case FieldDateOfExpiry:
		res.DateOfExpiry = v
	}
}

func parseDMY(s string) time.Time {
	t, err := time.Parse("02.01.2006", s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// accusingDate is the date v of field name, for the date logic: none
// (zero) when only the visual zone gave it, below DisagreeField (the
// MRZ reading the same date gives it too). A date logic alarm accuses
// the holder as a disagreement does: a date of issue read "05.05.2070"
// for 05.05.2020 at 0.63 is a value to answer, not evidence of a date in
// the future.
func accusingDate(res *Result, name, v string) time.Time {
	if f, ok := res.Fields[name]; ok && f.Source == SourceVisual && (f.Confidence == nil || *f.Confidence < DisagreeField) && f.Sources[SourceMRZ] != f.Value {
		return time.Time{}
	}
	return parseDMY(v)
}

// labelledRegions are where side s read its fields' values by their
// labels, for the checks that measure a field's ink.
func labelledRegions(s *side) map[string]typedb.Rect {
	out := map[string]typedb.Rect{}
	for name, r := range s.readings {
		if r.Anchored && r.Value != "" && r.Region.Width() > 0 && r.Region.Height() > 0 {
			out[name] = r.Region
		}
	}
	return out
}

// ReasonMRZUnsure is why the MRZ's checks are not done when its zone was
// read unsurely.
const ReasonMRZUnsure = "machine-readable zone read unsurely"

// photoArea is the photo_area check of side s, not done when its
// outline is not its page's shape (geometry below wellShaped): the
// portrait zone is then measured off the portrait. A generic card's
// front, vouched for by its back although a dark header joined the desk
// and its outline stopped short of it, failed it, a false alarm.
//
// On a generic type a portrait not found in its zone is not done either:
// the zone is where most such documents print it, and another hand's
// passports and cards printed it on the right (three false alarms in 26
// genuine documents).
func photoArea(l checks.Layers, s *side) checks.Outcome {
	notDone := func(reason string) checks.Outcome {
		return checks.Outcome{Name: checks.NamePhotoArea, Bit: typedb.AuthPhotoArea, Side: l.Type.Side,
			Status: checks.NotDone, Reason: reason}
	}
	if g := s.best.Evidence.Geometry; g >= 0 && g < wellShaped {
		return notDone(checks.ReasonMisshapen)
	}
	o := checks.PhotoArea(l)
	if o.Status == checks.Failed && l.Type.Generic {
		return notDone(checks.ReasonPortraitUnplaced)
	}
	return o
}

// runChecks runs, per side, the checks its type's check_authenticity
// names (those the captured lights allow; the others are "not done"),
// and the data checks once.
func (e *Engine) runChecks(known []*side, m *mrz.Result, res *Result, cmp []checks.Comparison) []Check {
	var out []checks.Outcome
	mrzDone := false
	for _, s := range known {
		t := s.best.Type
		// the checks see every light at the IR and UV frames' half
		// resolution, the white one downscaled to match
		l := checks.Layers{Type: t, White: imgutil.Downscale(s.layers.white, 2), IR: s.layers.ir, UV: s.layers.uv, Fields: labelledRegions(s)}
		photo := false
		for _, bit := range t.CheckAuthenticity.Bits() {
			switch bit {
			case typedb.AuthUVLuminescence:
				out = append(out, checks.UVLuminescence(l))
			case typedb.AuthImagePattern:
				out = append(out, checks.ImagePattern(l))
			case typedb.AuthIRB900:
				out = append(out, checks.IRB900(l))
			case typedb.AuthIRVisibility:
				out = append(out, checks.IRVisibility(l))
			case typedb.AuthPhotoArea:
				out = append(out, photoArea(l, s))
				photo = true
			case typedb.AuthExtendedMRZ:
				if s.mrz != nil && s.mrz.Status == mrz.StatusUnsure {
					// the check digits of a guess are no evidence either way
					out = append(out, checks.Outcome{Name: checks.NameMRZDigits, Status: checks.NotDone,
						Reason: ReasonMRZUnsure, Bit: bit, Side: t.Side})
					mrzDone = true
					continue
				}
				var doc *mrz.Document
				if s.mrz != nil {
					doc = s.mrz.Document
				}
				out = append(out, checks.MRZDigits(doc, t.Side))
				mrzDone = mrzDone || doc != nil
			default:
				out = append(out, checks.Outcome{Name: checkName(bit), Status: checks.NotDone,
					Reason: checks.ReasonUnsupported, Bit: bit, Side: t.Side})
			}
		}
		if !photo && t.FaceZone != nil {
			out = append(out, photoArea(l, s))
		}
	}
	if m != nil && !mrzDone {
		out = append(out, checks.MRZDigits(m.Document, ""))
	}
	if m != nil {
		// with no field read confidently on both, not done, with why
		out = append(out, checks.Agreement(cmp))
	}
	dates := checks.Dates{Birth: accusingDate(res, FieldDateOfBirth, res.DateOfBirth), Issue: accusingDate(res, FieldDateOfIssue, res.DateOfIssue),
		Expiry: accusingDate(res, FieldDateOfExpiry, res.DateOfExpiry)}
	out = append(out, checks.DateLogic(dates, e.opts.Now()))
	for _, s := range known {
		if s.best.Type.PersonalNumberScheme == "kz-iin" {
			sex := ""
			if f, ok := res.Fields[FieldSex]; ok {
				sex = f.Value
			}
			out = append(out, checks.IIN(res.PersonalNumber, dates.Birth, sex))
			break
		}
	}
	cs := make([]Check, len(out))
	for i, o := range out {
		c := Check{Name: o.Name, Status: o.Status, Reason: o.Reason, Bit: o.Bit, Side: string(o.Side)}
		if o.Status != checks.NotDone {
			c.Evidence = &Evidence{Measured: o.Measured, Threshold: o.Threshold, Detail: o.Detail}
			if o.Region != nil {
				r := [4]float64(*o.Region)
				c.Evidence.Region = &r
			}
		}
		cs[i] = c
	}
	return cs
}

// checkName is a bit's name as a check name: "Holograms_Detection" →
// "holograms_detection".
func checkName(bit typedb.Authenticity) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(r) }, bit.String())
}
