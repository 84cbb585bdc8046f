package typedb

import (
	"fmt"
	"strings"
)

// The MRZ's composition rules are document knowledge: where each check
// digit sits and what it covers, and how it is computed (ICAO 9303 part
// 3). The reader (pipeline/mrz) checks zones with them; the specimen
// renderer (typedb/specimen) composes zones with them.

// MRZFrenchID is the French national ID card's zone (1988–2021): two
// lines of 36, not ICAO. No type of the default database has it; the
// reader knows its checks.
const MRZFrenchID MRZFormat = "FRENCH_ID"

// MRZ check names, as the API's mrz.checks object spells them.
const (
	MRZCheckDocumentNumber = "document_number"
	MRZCheckDateOfBirth    = "date_of_birth"
	MRZCheckDateOfExpiry   = "date_of_expiry"
	MRZCheckOptionalData   = "optional_data"
	MRZCheckComposite      = "composite"
)

// MRZCharValue is a character's value in the ICAO 9303 check-digit sum:
// digits are themselves, A–Z are 10–35, and the filler '<' is 0. ok is
// false for characters outside the MRZ alphabet.
func MRZCharValue(c byte) (v int, ok bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10, true
	case c == '<':
		return 0, true
	}
	return 0, false
}

// MRZCheckDigit returns the ICAO 9303 check digit ('0'–'9') of s, with
// weights 7, 3, 1 repeating. ok is false when s holds a character outside
// the MRZ alphabet.
func MRZCheckDigit(s string) (digit byte, ok bool) {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		v, ok := MRZCharValue(s[i])
		if !ok {
			return 0, false
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10), true
}

// MRZSpan is a run of characters on one line of a zone: [Start, End).
type MRZSpan struct{ Line, Start, End int }

// MRZCheck is one check digit of a layout: the digit at Digit, computed
// over the concatenation of Data.
type MRZCheck struct {
	Name  string
	Data  []MRZSpan
	Digit MRZSpan
	// EmptyMayBeFiller: the digit may be '<' when all of Data is filler.
	EmptyMayBeFiller bool
}

func mrzSpan(line, start, end int) MRZSpan { return MRZSpan{line, start, end} }

// MRZChecks returns the check digits of format f, the composite last (it
// covers the others, so a composer fills them first); nil for a format
// without a layout.
func MRZChecks(f MRZFormat) []MRZCheck {
	sp := mrzSpan
	switch f {
	case MRZTD1:
		return []MRZCheck{
			{Name: MRZCheckDocumentNumber, Data: []MRZSpan{sp(0, 5, 14)}, Digit: sp(0, 14, 15)},
			{Name: MRZCheckDateOfBirth, Data: []MRZSpan{sp(1, 0, 6)}, Digit: sp(1, 6, 7)},
			{Name: MRZCheckDateOfExpiry, Data: []MRZSpan{sp(1, 8, 14)}, Digit: sp(1, 14, 15)},
			{Name: MRZCheckComposite, Data: []MRZSpan{sp(0, 5, 30), sp(1, 0, 7), sp(1, 8, 15), sp(1, 18, 29)}, Digit: sp(1, 29, 30)},
		}
	case MRZTD2, MRZMRVB, MRZTD3, MRZMRVA:
		checks := []MRZCheck{
			{Name: MRZCheckDocumentNumber, Data: []MRZSpan{sp(1, 0, 9)}, Digit: sp(1, 9, 10)},
			{Name: MRZCheckDateOfBirth, Data: []MRZSpan{sp(1, 13, 19)}, Digit: sp(1, 19, 20)},
			// An empty expiry (the Russian internal passport) has a
			// filler for its check digit.
			{Name: MRZCheckDateOfExpiry, Data: []MRZSpan{sp(1, 21, 27)}, Digit: sp(1, 27, 28), EmptyMayBeFiller: true},
		}
		switch f {
		case MRZTD2:
			checks = append(checks, MRZCheck{Name: MRZCheckComposite, Data: []MRZSpan{sp(1, 0, 10), sp(1, 13, 20), sp(1, 21, 35)}, Digit: sp(1, 35, 36)})
		case MRZTD3:
			checks = append(checks,
				MRZCheck{Name: MRZCheckOptionalData, Data: []MRZSpan{sp(1, 28, 42)}, Digit: sp(1, 42, 43), EmptyMayBeFiller: true},
				MRZCheck{Name: MRZCheckComposite, Data: []MRZSpan{sp(1, 0, 10), sp(1, 13, 20), sp(1, 21, 43)}, Digit: sp(1, 43, 44)})
		}
		return checks
	case MRZFrenchID:
		return []MRZCheck{
			{Name: MRZCheckDocumentNumber, Data: []MRZSpan{sp(1, 0, 12)}, Digit: sp(1, 12, 13)},
			{Name: MRZCheckDateOfBirth, Data: []MRZSpan{sp(1, 27, 33)}, Digit: sp(1, 33, 34)},
			{Name: MRZCheckComposite, Data: []MRZSpan{sp(0, 0, 36), sp(1, 0, 35)}, Digit: sp(1, 35, 36)},
		}
	}
	return nil
}

// FillMRZCheckDigits writes every check digit of format f into lines, in
// the order of MRZChecks, and returns the completed lines. The lines must
// have the format's shape and hold only MRZ characters.
func FillMRZCheckDigits(f MRZFormat, lines []string) ([]string, error) {
	checks := MRZChecks(f)
	if checks == nil {
		return nil, fmt.Errorf("typedb: no MRZ layout for %q", f)
	}
	b := make([][]byte, len(lines))
	for i, l := range lines {
		b[i] = []byte(l)
	}
	for _, c := range checks {
		if c.Digit.Line >= len(b) || c.Digit.End > len(b[c.Digit.Line]) {
			return nil, fmt.Errorf("typedb: %s lines too short for the %s check digit", f, c.Name)
		}
		var data strings.Builder
		for _, s := range c.Data {
			if s.Line >= len(b) || s.End > len(b[s.Line]) {
				return nil, fmt.Errorf("typedb: %s lines too short for the %s check's data", f, c.Name)
			}
			data.Write(b[s.Line][s.Start:s.End])
		}
		d, ok := MRZCheckDigit(data.String())
		if !ok {
			return nil, fmt.Errorf("typedb: %q is outside the MRZ alphabet", data.String())
		}
		b[c.Digit.Line][c.Digit.Start] = d
	}
	out := make([]string, len(b))
	for i := range b {
		out[i] = string(b[i])
	}
	return out, nil
}
