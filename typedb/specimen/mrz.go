package specimen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/docscan/docscan/typedb"
)

// mrzData is what goes into a machine-readable zone.
type mrzData struct {
	Format      typedb.MRZFormat
	DocCode     string // "ID", "I<", "P<", "V<"
	State       string // issuing state, e.g. "KAZ"
	Nationality string
	Number      string
	Birth       time.Time
	Expiry      time.Time
	Sex         string // "M", "F" or "<"
	Surname     string // Latin (already transliterated)
	Given       string
	// Optional is the optional data: TD1 line 1 (e.g. the IIN), the TD3
	// personal number, the others' optional field.
	Optional string
}

// field returns s in the MRZ alphabet, padded with '<' or cut to n.
func field(s string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '<':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == ',':
			b.WriteByte('<')
		}
	}
	out := b.String()
	if len(out) > n {
		return out[:n]
	}
	return out + strings.Repeat("<", n-len(out))
}

// nameField is SURNAME<<GIVEN<NAMES in n characters.
func nameField(surname, given string, n int) string {
	return field(field(surname, len(surname))+"<<"+field(given, len(given)), n)
}

func yymmdd(t time.Time) string { return t.Format("060102") }

// buildMRZ composes the lines of d's format; typedb's composition rules
// fill the check digits (each '<' placeholder below).
func buildMRZ(d mrzData) ([]string, error) {
	const digit = "<" // a check digit's place, filled by FillMRZCheckDigits
	sex := field(d.Sex, 1)
	dob := yymmdd(d.Birth) + digit
	exp := yymmdd(d.Expiry) + digit
	num := field(d.Number, 9) + digit
	var lines []string
	switch d.Format {
	case typedb.MRZTD1:
		l1 := field(d.DocCode, 2) + field(d.State, 3) + num + field(d.Optional, 15)
		l2 := dob + sex + exp + field(d.Nationality, 3) + field("", 11) + digit
		lines = []string{l1, l2, nameField(d.Surname, d.Given, 30)}
	case typedb.MRZTD2:
		l1 := field(d.DocCode, 2) + field(d.State, 3) + nameField(d.Surname, d.Given, 31)
		l2 := num + field(d.Nationality, 3) + dob + sex + exp + field(d.Optional, 7) + digit
		lines = []string{l1, l2}
	case typedb.MRZTD3:
		l1 := field(d.DocCode, 2) + field(d.State, 3) + nameField(d.Surname, d.Given, 39)
		l2 := num + field(d.Nationality, 3) + dob + sex + exp + field(d.Optional, 14) + digit + digit
		lines = []string{l1, l2}
	case typedb.MRZMRVA, typedb.MRZMRVB:
		n := 44
		if d.Format == typedb.MRZMRVB {
			n = 36
		}
		l1 := field(d.DocCode, 2) + field(d.State, 3) + nameField(d.Surname, d.Given, n-5)
		l2 := num + field(d.Nationality, 3) + dob + sex + exp
		l2 += field(d.Optional, n-len(l2))
		lines = []string{l1, l2}
	default:
		return nil, fmt.Errorf("specimen: no MRZ format %q", d.Format)
	}
	lines, err := typedb.FillMRZCheckDigits(d.Format, lines)
	if err != nil {
		return nil, fmt.Errorf("specimen: %w", err)
	}
	return lines, nil
}

// Tampering says which printed MRZ character a tampered-mrz specimen
// changed.
type Tampering struct {
	Field string `json:"field"` // document_number, date_of_birth or date_of_expiry
	Line  int    `json:"line"`  // 0-based
	Col   int    `json:"col"`   // 0-based
	From  string `json:"from"`
	To    string `json:"to"`
}

// mrzFieldPos gives the line and column range of the check-digit-guarded
// fields in each format.
func mrzFieldPos(f typedb.MRZFormat, name string) (line, from, to int) {
	if f == typedb.MRZTD1 {
		switch name {
		case "document_number":
			return 0, 5, 14
		case "date_of_birth":
			return 1, 0, 6
		default:
			return 1, 8, 14
		}
	}
	switch name {
	case "document_number":
		return 1, 0, 9
	case "date_of_birth":
		return 1, 13, 19
	default:
		return 1, 21, 27
	}
}

// tamperMRZ changes one digit of a guarded field, so its check digit
// (and the composite) fails as printed. Dates stay real dates.
func tamperMRZ(rng *rand.Rand, format typedb.MRZFormat, lines []string) ([]string, Tampering) {
	names := []string{"document_number", "date_of_birth", "date_of_expiry"}
	for {
		name := names[rng.IntN(len(names))]
		line, from, to := mrzFieldPos(format, name)
		var cols []int
		if name == "document_number" {
			for i := from; i < to; i++ {
				if c := lines[line][i]; c >= '0' && c <= '9' {
					cols = append(cols, i)
				}
			}
		} else if lines[line][from+2:from+6] != "0229" {
			cols = []int{from + 1} // the year's last digit keeps MMDD a date
		}
		if len(cols) == 0 {
			continue
		}
		col := cols[rng.IntN(len(cols))]
		old := lines[line][col]
		nd := byte('0' + (int(old-'0')+1+rng.IntN(9))%10)
		out := append([]string{}, lines...)
		out[line] = out[line][:col] + string(nd) + out[line][col+1:]
		return out, Tampering{Field: name, Line: line, Col: col, From: string(old), To: string(nd)}
	}
}
