package mrz

import "github.com/docscan/docscan/typedb"

// Format is the layout of a machine-readable zone.
type Format int

// The layouts of ICAO 9303 and the one national layout read besides them.
const (
	FormatUnknown Format = iota
	TD1                  // ID-1 card: 3 lines of 30
	TD2                  // ID-2 card or passport: 2 lines of 36
	TD3                  // passport book: 2 lines of 44
	MRVA                 // visa, format A: 2 lines of 44
	MRVB                 // visa, format B: 2 lines of 36
	FrenchID             // French national ID card (1988–2021): 2 lines of 36, not ICAO
)

// String returns the format's name as the API spells it.
func (f Format) String() string {
	switch f {
	case TD1:
		return "TD1"
	case TD2:
		return "TD2"
	case TD3:
		return "TD3"
	case MRVA:
		return "MRVA"
	case MRVB:
		return "MRVB"
	case FrenchID:
		return "FRENCH_ID"
	}
	return "UNKNOWN"
}

// Shape returns the number of lines and the line length of the format.
func (f Format) Shape() (lines, length int) {
	switch f {
	case TD1:
		return 3, 30
	case TD2, MRVB, FrenchID:
		return 2, 36
	case TD3, MRVA:
		return 2, 44
	}
	return 0, 0
}

// formatsOfShape lists the formats a zone of that shape may have.
func formatsOfShape(lines, length int) []Format {
	switch {
	case lines == 3 && length == 30:
		return []Format{TD1}
	case lines == 2 && length == 36:
		return []Format{TD2, MRVB, FrenchID}
	case lines == 2 && length == 44:
		return []Format{TD3, MRVA}
	}
	return nil
}

// Check names, as the API's mrz.checks object spells them.
const (
	CheckDocumentNumber = typedb.MRZCheckDocumentNumber
	CheckDateOfBirth    = typedb.MRZCheckDateOfBirth
	CheckDateOfExpiry   = typedb.MRZCheckDateOfExpiry
	CheckOptionalData   = typedb.MRZCheckOptionalData
	CheckComposite      = typedb.MRZCheckComposite
)

// charClass is what a position of the zone may hold.
type charClass uint8

const (
	classAlnum         charClass = iota // A–Z, 0–9 or <
	classAlpha                          // A–Z or <
	classDigit                          // 0–9 or < (dates may have unknown parts)
	classCheck                          // a check digit: 0–9 only
	classCheckOrFiller                  // a check digit that may be < (empty field, long number)
	classSex                            // M, F, X or <
	classCodeTD1                        // first letter of a TD1 document code: I, A, C
	classCodeTD2                        // first letter of a TD2 document code: I, A, C, P
	classCodeP                          // first letter of a passport's code: P
	classCodeV                          // first letter of a visa's code: V
)

func (c charClass) allows(b byte) bool {
	switch c {
	case classCodeTD1:
		return b == 'I' || b == 'A' || b == 'C'
	case classCodeTD2:
		return b == 'I' || b == 'A' || b == 'C' || b == 'P'
	case classCodeP:
		return b == 'P'
	case classCodeV:
		return b == 'V'
	case classCheck:
		return b >= '0' && b <= '9'
	}
	switch {
	case b == '<':
		return true
	case b >= '0' && b <= '9':
		return c == classAlnum || c == classDigit || c == classCheckOrFiller
	case c == classSex:
		return b == 'M' || b == 'F' || b == 'X'
	case b >= 'A' && b <= 'Z':
		return c == classAlnum || c == classAlpha
	}
	return false
}

// span is a run of characters on one line: [start, end).
type span struct{ line, start, end int }

// fieldDef is one field of a layout.
type fieldDef struct {
	name  string
	at    span
	class charClass
}

// checkDef is one check digit of a layout: the digit at digit computed over
// the concatenation of data.
type checkDef struct {
	name  string
	data  []span
	digit span
	// emptyMayBeFiller: the digit may be '<' when all of data is filler.
	emptyMayBeFiller bool
}

// layout describes where each field and check digit of a format is.
type layout struct {
	fields []fieldDef
	checks []checkDef
}

// Field names used in layouts and in Problem.Field.
const (
	fieldDocumentCode   = "document_code"
	fieldIssuingState   = "issuing_state"
	fieldNames          = "names"
	fieldSurname        = "surname"
	fieldGivenNames     = "given_names"
	fieldDocumentNumber = "document_number"
	fieldNationality    = "nationality"
	fieldDateOfBirth    = "date_of_birth"
	fieldSex            = "sex"
	fieldDateOfExpiry   = "date_of_expiry"
	fieldOptionalData   = "optional_data"
	fieldOptionalData2  = "optional_data_2"
	fieldAdminCode      = "administrative_code"
)

func sp(line, start, end int) span { return span{line, start, end} }

// layoutOf returns the layout of f: its fields, and its check digits as
// typedb's composition rules place them.
func layoutOf(f Format) layout {
	l := fieldsOf(f)
	l.checks = layoutChecks[f]
	return l
}

// layoutChecks are typedb.MRZChecks of each format, in the reader's
// terms. Shared: callers copy before changing one.
var layoutChecks = func() map[Format][]checkDef {
	m := map[Format][]checkDef{}
	for _, f := range []Format{TD1, TD2, TD3, MRVA, MRVB, FrenchID} {
		for _, c := range typedb.MRZChecks(typedb.MRZFormat(f.String())) {
			cd := checkDef{name: c.Name, digit: sp(c.Digit.Line, c.Digit.Start, c.Digit.End), emptyMayBeFiller: c.EmptyMayBeFiller}
			for _, d := range c.Data {
				cd.data = append(cd.data, sp(d.Line, d.Start, d.End))
			}
			m[f] = append(m[f], cd)
		}
	}
	return m
}()

// fieldsOf returns the fields of f's layout.
func fieldsOf(f Format) layout {
	switch f {
	case TD1:
		return layout{
			fields: []fieldDef{
				{fieldDocumentCode, sp(0, 0, 2), classAlpha},
				{fieldIssuingState, sp(0, 2, 5), classAlpha},
				{fieldDocumentNumber, sp(0, 5, 14), classAlnum},
				{CheckDocumentNumber + "_check", sp(0, 14, 15), classCheckOrFiller},
				{fieldOptionalData, sp(0, 15, 30), classAlnum},
				{fieldDateOfBirth, sp(1, 0, 6), classDigit},
				{CheckDateOfBirth + "_check", sp(1, 6, 7), classCheck},
				{fieldSex, sp(1, 7, 8), classSex},
				{fieldDateOfExpiry, sp(1, 8, 14), classDigit},
				{CheckDateOfExpiry + "_check", sp(1, 14, 15), classCheck},
				{fieldNationality, sp(1, 15, 18), classAlpha},
				{fieldOptionalData2, sp(1, 18, 29), classAlnum},
				{CheckComposite + "_check", sp(1, 29, 30), classCheck},
				{fieldNames, sp(2, 0, 30), classAlpha},
			},
		}
	case TD2, MRVB:
		l := twoLineLayout(36)
		if f == MRVB {
			l.fields = append(l.fields, fieldDef{fieldOptionalData, sp(1, 28, 36), classAlnum})
			return l
		}
		l.fields = append(l.fields,
			fieldDef{fieldOptionalData, sp(1, 28, 35), classAlnum},
			fieldDef{CheckComposite + "_check", sp(1, 35, 36), classCheck})
		return l
	case TD3, MRVA:
		l := twoLineLayout(44)
		if f == MRVA {
			l.fields = append(l.fields, fieldDef{fieldOptionalData, sp(1, 28, 44), classAlnum})
			return l
		}
		l.fields = append(l.fields,
			fieldDef{fieldOptionalData, sp(1, 28, 42), classAlnum},
			fieldDef{CheckOptionalData + "_check", sp(1, 42, 43), classCheckOrFiller},
			fieldDef{CheckComposite + "_check", sp(1, 43, 44), classCheck})
		return l
	case FrenchID:
		return layout{
			fields: []fieldDef{
				{fieldDocumentCode, sp(0, 0, 2), classAlpha},
				{fieldIssuingState, sp(0, 2, 5), classAlpha},
				{fieldSurname, sp(0, 5, 30), classAlpha},
				{fieldAdminCode, sp(0, 30, 36), classAlnum},
				{fieldDocumentNumber, sp(1, 0, 12), classAlnum},
				{CheckDocumentNumber + "_check", sp(1, 12, 13), classCheck},
				{fieldGivenNames, sp(1, 13, 27), classAlpha},
				{fieldDateOfBirth, sp(1, 27, 33), classDigit},
				{CheckDateOfBirth + "_check", sp(1, 33, 34), classCheck},
				{fieldSex, sp(1, 34, 35), classSex},
				{CheckComposite + "_check", sp(1, 35, 36), classCheck},
			},
		}
	}
	return layout{}
}

// twoLineLayout is what TD2, TD3 and both visas share: the names fill
// the first line after the issuer, and the second line runs the same up
// to its optional data. TD3's document number check digit is never a
// filler; TD2's may be, for a long number, as in TD1.
func twoLineLayout(length int) layout {
	docCheck := classCheckOrFiller
	if length == 44 {
		docCheck = classCheck
	}
	return layout{
		fields: []fieldDef{
			{fieldDocumentCode, sp(0, 0, 2), classAlpha},
			{fieldIssuingState, sp(0, 2, 5), classAlpha},
			{fieldNames, sp(0, 5, length), classAlpha},
			{fieldDocumentNumber, sp(1, 0, 9), classAlnum},
			{CheckDocumentNumber + "_check", sp(1, 9, 10), docCheck},
			{fieldNationality, sp(1, 10, 13), classAlpha},
			{fieldDateOfBirth, sp(1, 13, 19), classDigit},
			{CheckDateOfBirth + "_check", sp(1, 19, 20), classCheck},
			{fieldSex, sp(1, 20, 21), classSex},
			{fieldDateOfExpiry, sp(1, 21, 27), classDigit},
			{CheckDateOfExpiry + "_check", sp(1, 27, 28), classCheckOrFiller},
		},
	}
}

// classMap returns, for each line of f, the class of each position.
func classMap(f Format) [][]charClass {
	n, length := f.Shape()
	m := make([][]charClass, n)
	for i := range m {
		m[i] = make([]charClass, length)
	}
	for _, fd := range layoutOf(f).fields {
		for i := fd.at.start; i < fd.at.end; i++ {
			m[fd.at.line][i] = fd.class
		}
	}
	m[0][0] = codeClass(f)
	m[0][1] = classAlnum // at the issuer's discretion: "C1" exists
	return m
}

// codeClass is the class of the first letter of f's document code.
func codeClass(f Format) charClass {
	switch f {
	case TD1, FrenchID:
		return classCodeTD1
	case TD2:
		return classCodeTD2
	case TD3:
		return classCodeP
	case MRVA, MRVB:
		return classCodeV
	}
	return classAlpha
}
