package mrz

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrFormat is returned by Parse when the lines do not have the shape of
// any known MRZ layout.
var ErrFormat = errors.New("mrz: not a known MRZ layout")

// Document is a parsed machine-readable zone. Text fields have the filler
// removed; a check that fails is reported as printed, never repaired.
type Document struct {
	Format Format
	// Lines are the lines parsed, top to bottom.
	Lines []string

	// DocumentCode is the one- or two-letter code, e.g. "P", "ID", "I", "V".
	DocumentCode   string
	IssuingState   string // "UTO", "D", ...
	DocumentNumber string // the whole number, also when longer than 9 characters
	Surname        string
	GivenNames     string
	Nationality    string
	BirthDate      Date
	Sex            string // "M", "F", "X", or "" when unspecified
	ExpiryDate     Date   // zero for the French ID, whose MRZ has none
	// OptionalData is the optional data element(s), fillers trimmed: TD1
	// joins both with a space (without a long document number's
	// continuation); on a TD3 it is the personal number. On the French ID
	// it is the administrative code of line 1.
	OptionalData string
	// PersonalNumber is the TD3 personal number (also in OptionalData),
	// checked by CheckOptionalData; "" for other formats.
	PersonalNumber string

	// Variant names a national variant with rules of its own
	// (VariantRussianInternal, VariantFrenchID), "" for plain ICAO.
	Variant string
	// SurnameNational and GivenNamesNational are the names in the
	// national script where the variant encodes it (the Russian internal
	// passport's digit-for-letter Cyrillic); "" otherwise.
	SurnameNational    string
	GivenNamesNational string

	// Checks holds the outcome of each check digit the format has, keyed
	// CheckDocumentNumber, CheckDateOfBirth, CheckDateOfExpiry,
	// CheckOptionalData, CheckComposite. A format without a check has no
	// key for it.
	Checks map[string]bool
	// Problems lists what makes the zone invalid besides check digits:
	// characters outside the MRZ alphabet, impossible dates or sex.
	Problems []Problem
	// Warnings lists oddities that do not make it invalid, e.g. a state
	// code that is neither ISO 3166 nor ICAO.
	Warnings []Problem
	// Valid is true when every check digit passes and there is no Problem.
	Valid bool

	// misreadExplains names the checks that fail as read, though a misread
	// within the reader's own doubts would explain the failure (Correct
	// sets it): such a failure proves nothing about the print.
	misreadExplains []string
	// nameFillers are the positions after the end of the names that their
	// syntax makes fillers (Correct sets them): vouched for as a check
	// digit would.
	nameFillers [][2]int
}

// Problem names a field and what is wrong with it.
type Problem struct {
	Field  string
	Reason string
}

func (p Problem) String() string { return p.Field + ": " + p.Reason }

// Kind returns a coarse document kind from the document code: "passport",
// "visa", "id_card" or "" when the code says nothing known.
func (d *Document) Kind() string {
	if d.DocumentCode == "" {
		return ""
	}
	switch d.DocumentCode[0] {
	case 'P':
		return "passport"
	case 'V':
		return "visa"
	case 'I', 'A', 'C':
		return "id_card"
	}
	return ""
}

// Parse parses the lines of an MRZ as printed, inferring centuries
// relative to the current time. See ParseAt.
func Parse(lines []string) (*Document, error) {
	return ParseAt(lines, time.Now())
}

// ParseAt parses the lines of an MRZ, top to bottom, exactly as given: it
// corrects nothing. The format follows from the shape and the document
// code (a 2×36 zone starting "IDFRA" with a French layout is FrenchID).
// Centuries are inferred relative to now: a birth date lies in the past,
// an expiry date at most 50 years ahead. It returns ErrFormat when the
// shape matches no layout; a zone of the right shape is always parsed,
// with what fails reported in Checks and Problems.
func ParseAt(lines []string, now time.Time) (*Document, error) {
	if len(lines) == 0 {
		return nil, fmt.Errorf("%w: no lines", ErrFormat)
	}
	length := len(lines[0])
	for i, l := range lines {
		if len(l) != length {
			return nil, fmt.Errorf("%w: line %d has %d bytes, line 1 has %d", ErrFormat, i+1, len(l), length)
		}
	}
	formats := formatsOfShape(len(lines), length)
	if len(formats) == 0 {
		return nil, fmt.Errorf("%w: %d lines of %d characters", ErrFormat, len(lines), length)
	}
	return parseAs(lines, guessFormat(lines, formats, now), now), nil
}

// guessFormat picks, among the formats of the zone's shape, the one its
// document code and layout say.
func guessFormat(lines []string, formats []Format, now time.Time) Format {
	if len(formats) == 1 {
		return formats[0]
	}
	if lines[0][0] == 'V' {
		if formats[0] == TD3 {
			return MRVA
		}
		return MRVB
	}
	if formats[0] == TD2 && looksFrench(lines, now) {
		return FrenchID
	}
	return formats[0]
}

// looksFrench tells the French ID from a TD2 that starts the same way: a
// TD2 has its nationality code at 10–12 and a date of birth at 13–18, the
// French ID has given names from 13.
func looksFrench(lines []string, now time.Time) bool {
	if !strings.HasPrefix(lines[0], "IDFRA") {
		return false
	}
	c := lines[1][13]
	if c >= 'A' && c <= 'Z' {
		return true
	}
	if c >= '0' && c <= '9' {
		return false
	}
	// Unclear: take the layout whose check digits hold.
	return countValid(parseAs(lines, FrenchID, now).Checks) >
		countValid(parseAs(lines, TD2, now).Checks)
}

func countValid(checks map[string]bool) int {
	n := 0
	for _, ok := range checks {
		if ok {
			n++
		}
	}
	return n
}

// parseAs parses lines, whose shape must fit f, as format f.
func parseAs(lines []string, f Format, now time.Time) *Document {
	d := &Document{Format: f, Lines: append([]string(nil), lines...), Checks: map[string]bool{}}
	lay := layoutOf(f)
	get := func(s span) string { return lines[s.line][s.start:s.end] }
	field := func(name string) (string, bool) {
		for _, fd := range lay.fields {
			if fd.name == name {
				return get(fd.at), true
			}
		}
		return "", false
	}

	// Characters each field may hold. A character outside the MRZ alphabet
	// makes the zone invalid; a digit where letters belong (a name, a
	// state code) is odd but printed so on some documents, and fields with
	// check digits answer for themselves.
	for _, fd := range lay.fields {
		s := get(fd.at)
		for i := 0; i < len(s); i++ {
			where := fmt.Sprintf("position %d of line %d", fd.at.start+i+1, fd.at.line+1)
			if _, ok := charValue(s[i]); !ok {
				d.Problems = append(d.Problems, Problem{fd.name, fmt.Sprintf("%q at %s is outside the MRZ alphabet", s[i], where)})
				break
			}
			if fd.class == classAlpha && !fd.class.allows(s[i]) {
				d.Warnings = append(d.Warnings, Problem{fd.name, fmt.Sprintf("%q at %s", s[i], where)})
				break
			}
		}
	}

	// Check digits.
	for _, cd := range checksOf(f, lines) {
		data := make([]string, len(cd.data))
		for i, s := range cd.data {
			data[i] = get(s)
		}
		d.Checks[cd.name] = checkHolds(strings.Join(data, ""), get(cd.digit)[0], cd.emptyMayBeFiller)
	}

	code, _ := field(fieldDocumentCode)
	d.DocumentCode = trimFiller(code)
	st, _ := field(fieldIssuingState)
	d.IssuingState = trimFiller(st)
	d.checkCode(fieldIssuingState, d.IssuingState)
	if nat, ok := field(fieldNationality); ok {
		d.Nationality = trimFiller(nat)
		d.checkCode(fieldNationality, d.Nationality)
	} else if f == FrenchID {
		d.Nationality = "FRA"
	}

	if names, ok := field(fieldNames); ok {
		d.Surname, d.GivenNames = splitNames(names)
	} else {
		sur, _ := field(fieldSurname)
		given, _ := field(fieldGivenNames)
		d.Surname = nameText(sur)
		d.GivenNames = nameText(given)
	}

	d.parseNumber(f, lines)

	if dob, ok := field(fieldDateOfBirth); ok {
		d.BirthDate = d.parseDate(fieldDateOfBirth, dob, now, false)
	}
	if exp, ok := field(fieldDateOfExpiry); ok {
		d.ExpiryDate = d.parseDate(fieldDateOfExpiry, exp, now, true)
	}
	if sex, ok := field(fieldSex); ok {
		switch sex[0] {
		case 'M', 'F', 'X':
			d.Sex = sex
		case '<':
		default:
			d.Problems = append(d.Problems, Problem{fieldSex, fmt.Sprintf("%q is not M, F, X or <", sex)})
		}
	}

	d.parseVariant()
	d.Valid = len(d.Problems) == 0
	for _, ok := range d.Checks {
		d.Valid = d.Valid && ok
	}
	return d
}

// parseNumber sets DocumentNumber and OptionalData, following a long
// document number into the optional data where ICAO 9303 puts it.
func (d *Document) parseNumber(f Format, lines []string) {
	switch f {
	case TD1:
		num, cd, opt := lines[0][5:14], lines[0][14], lines[0][15:30]
		if ext, _, rest, ok := longNumber(cd, opt); ok {
			d.DocumentNumber = num + ext
			opt = rest
		} else {
			d.DocumentNumber = trimFiller(num)
		}
		d.OptionalData = joinOptional(trimFiller(opt), trimFiller(lines[1][18:29]))
	case TD2:
		num, cd, opt := lines[1][0:9], lines[1][9], lines[1][28:35]
		if ext, _, rest, ok := longNumber(cd, opt); ok {
			d.DocumentNumber = num + ext
			opt = rest
		} else {
			d.DocumentNumber = trimFiller(num)
		}
		d.OptionalData = trimFiller(opt)
	case TD3:
		d.DocumentNumber = trimFiller(lines[1][0:9])
		d.OptionalData = trimFiller(lines[1][28:42])
		d.PersonalNumber = d.OptionalData
	case MRVA:
		d.DocumentNumber = trimFiller(lines[1][0:9])
		d.OptionalData = trimFiller(lines[1][28:44])
	case MRVB:
		d.DocumentNumber = trimFiller(lines[1][0:9])
		d.OptionalData = trimFiller(lines[1][28:36])
	case FrenchID:
		d.DocumentNumber = trimFiller(lines[1][0:12])
		d.OptionalData = trimFiller(lines[0][30:36])
	}
}

// checksOf returns the check digits of format f as the lines lay them
// out: a long document number moves its check digit into the optional
// data.
func checksOf(f Format, lines []string) []checkDef {
	checks := layoutOf(f).checks
	var num, opt span
	switch f {
	case TD1:
		num, opt = sp(0, 5, 14), sp(0, 15, 30)
	case TD2:
		num, opt = sp(1, 0, 9), sp(1, 28, 35)
	default:
		return checks
	}
	ext, _, _, ok := longNumber(lines[num.line][num.end], lines[opt.line][opt.start:opt.end])
	if !ok {
		return checks
	}
	out := make([]checkDef, len(checks))
	copy(out, checks)
	for i := range out {
		if out[i].name == CheckDocumentNumber {
			extAt := sp(opt.line, opt.start, opt.start+len(ext))
			out[i].data = []span{num, extAt}
			out[i].digit = sp(opt.line, extAt.end, extAt.end+1)
		}
	}
	return out
}

// longNumber recognises an ICAO long document number: a filler in the
// check digit position and, at the start of the optional data, the rest
// of the number followed by its check digit and a filler. It returns the
// continuation, its check digit and the optional data after it.
func longNumber(cd byte, opt string) (ext string, digit byte, rest string, ok bool) {
	if cd != '<' {
		return "", 0, "", false
	}
	end := strings.IndexByte(opt, '<')
	if end < 0 {
		end = len(opt)
	}
	if end < 2 { // at least one character of the number and its check digit
		return "", 0, "", false
	}
	return opt[:end-1], opt[end-1], opt[end:], true
}

func joinOptional(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

// checkHolds reports whether digit is the check digit of data. A filler
// digit holds only where the format allows it for an empty field.
func checkHolds(data string, digit byte, emptyMayBeFiller bool) bool {
	if digit == '<' {
		return emptyMayBeFiller && strings.Trim(data, "<") == ""
	}
	want, ok := CheckDigit(data)
	return ok && want == digit
}

func (d *Document) checkCode(field, code string) {
	if code != "" && isAlpha(code) && !KnownCode(code) {
		d.Warnings = append(d.Warnings, Problem{field, fmt.Sprintf("%q is neither an ISO 3166 nor an ICAO code", code)})
	}
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// trimFiller removes the filler '<' from both ends.
func trimFiller(s string) string { return strings.Trim(s, "<") }

// splitNames splits a primary and secondary identifier at the first "<<";
// the single '<' inside each becomes a space.
func splitNames(s string) (surname, given string) {
	s = strings.TrimRight(s, "<")
	if i := strings.Index(s, "<<"); i >= 0 {
		return nameText(s[:i]), nameText(s[i+2:])
	}
	return nameText(s), ""
}

// nameText turns a name element into text: runs of fillers become one
// space.
func nameText(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '<' }), " ")
}
