package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline/checks"
	"github.com/docscan/docscan/pipeline/identify"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/vz"
	"github.com/docscan/docscan/typedb"
)

func TestSyntaxOK(t *testing.T) {
	date := typedb.Field{Name: FieldDateOfBirth, Kind: typedb.KindDate}
	num := typedb.Field{Name: FieldDocumentNumber, Kind: typedb.KindNumber}
	latin := typedb.Field{Name: FieldLastName, Kind: typedb.KindName, Script: typedb.ScriptLatin}
	cyr := typedb.Field{Name: FieldLastName, Kind: typedb.KindName, Script: typedb.ScriptCyrillic}
	auth := typedb.Field{Name: FieldAuthority, Kind: typedb.KindText, Script: typedb.ScriptLatin}
	pob := typedb.Field{Name: FieldPlaceOfBirth, Kind: typedb.KindText, Script: typedb.ScriptLatin}
	iin := typedb.Field{Name: FieldPersonalNumber, Kind: typedb.KindNumber, Script: typedb.ScriptDigits}
	pn := typedb.Field{Name: FieldPersonalNumber, Kind: typedb.KindNumber, Script: typedb.ScriptMixed}
	kz := &typedb.Type{PersonalNumberScheme: "kz-iin"}
	patr := typedb.Field{Name: FieldPatronymic, Kind: typedb.KindName, Script: typedb.ScriptCyrillic}
	for _, tc := range []struct {
		f    typedb.Field
		v    string
		want bool
		typ  *typedb.Type
	}{
		// an IIN read with one digit wrong fails its check digit or date
		{iin, "690618423067", true, kz},
		{iin, "590618423067", false, kz},
		{iin, "1201384819", false, kz},
		{iin, "590618423067", true, nil}, // no scheme: any number
		// a Cyrillic patronymic ends as one
		{patr, "МҰХТАРҰЛЫ", true, nil},
		{patr, "ЕРМЕКҚЫЗЫ", true, nil},
		{patr, "ОРАЛ ҰЛЫ", true, nil},
		{patr, "НИКОЛАЕВИЧ", true, nil},
		{patr, "ИЛЬИЧ", true, nil},
		{patr, "ИЛЬИНИЧНА", true, nil},
		{patr, "МАМЕДОГЛЫ", true, nil},
		{patr, "МУХТАРУЛ", false, nil}, // its Ы cut off
		{patr, "НИКОЛАЕВИ", false, nil},
		{patr, "ИІ ОРЕВИЧ", false, nil}, // a Russian patronymic broken: a misread
		{patr, "ПЕТРОВ НА", false, nil},
		{date, "20.05.1995", true, nil},
		{date, "31.02.1995", false, nil},
		{date, "20 MAY 95", false, nil}, // normalised before it gets here
		{num, "L898902C3", true, nil},
		{num, "E37785717", true, nil},
		{num, "CHINA", false, nil},
		{num, "CPFARREPUBLICOFCHINAYFF", false, nil},
		{num, "CO", false, nil},
		// a personal number keeps the separators it is printed with; a
		// document number has none
		{pn, "856208/1231", true, nil},
		{pn, "92.02.29-148.55", true, nil},
		{num, "856208/1231", false, nil},
		{latin, "WANG", true, nil},
		{latin, "O'NEIL-SMITH", true, nil},
		{latin, "PU CHIN COLLIZGOL", true, nil}, // syntax alone cannot tell; the confidence must
		{latin, "SURNAME", false, nil},
		{latin, "T T C C P N N O", false, nil},
		{latin, "DUCH E DE LU XEMBOURG", false, nil},
		{cyr, "ТАТЫҒҒИМА---- ТУА", false, nil},
		{latin, "DATE OF EXPIRY", false, nil},
		{latin, "ИВАНОВ", false, nil},
		{cyr, "ИВАНОВ", true, nil},
		{cyr, "ИВАНОВ1", false, nil},
		{cyr, "ФАМИЛИЯ", false, nil},
		{cyr, "ИЛЬЯ", true, nil},
		{cyr, "ЬЕВНА", false, nil}, // the end of ДАРЬЕВНА: the cut missed its start
		{cyr, "ОЛЕГ ЪЕВ", false, nil},
		{auth, "DATE OF EXPIRY PERSONAL NO", false, nil},
		{auth, "MINISTRY OF FOREIGN AFFAIRS", true, nil},
		{pob, "PARIS 1ER 75", true, nil},
		{pob, "EESTI / EST", true, nil},
		{pob, "MADRID", true, nil},
		{pob, "PLACE OF BIRTH", false, nil},
		{pob, "LIEU MADRID", false, nil}, // a caption word beside the value
		{pob, "20 MAY 95", false, nil},   // the date of birth beside it
		{pob, "20.05.1995", false, nil},
		{pob, "12 05 19 A", false, nil},
	} {
		if got := syntaxOK(tc.f, tc.v, tc.typ); got != tc.want {
			t.Errorf("syntaxOK(%s %q) = %v, want %v", tc.f.Kind, tc.v, got, tc.want)
		}
	}
}

// The merge: a confident visual reading stands, and a confident
// disagreement is compared (tampering looks like that); an unsure one
// gives way to the MRZ and is not compared; an unsure reading the MRZ
// does not carry leaves the field empty.
func TestMergeHonest(t *testing.T) {
	typ := &typedb.Type{Generic: true}
	lines := []string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	}
	doc, err := mrz.Parse(lines)
	if err != nil {
		t.Fatal(err)
	}
	m := &mrz.Result{Document: doc, Status: mrz.StatusValid}
	read := func(field typedb.Field, v string, conf float64, anchored bool) fieldReading {
		return fieldReading{Reading: vz.Reading{Name: field.Name, Value: v, Confidence: conf, Anchored: anchored}, field: field}
	}
	captioned := func(rd fieldReading) fieldReading {
		rd.Captioned = true
		return rd
	}
	withPage := func(rd fieldReading, dates ...string) fieldReading {
		rd.PageDates = dates
		return rd
	}
	num := typedb.Field{Name: FieldDocumentNumber, Kind: typedb.KindNumber}
	name := typedb.Field{Name: FieldLastName, Kind: typedb.KindName, Script: typedb.ScriptLatin}
	auth := typedb.Field{Name: FieldAuthority, Kind: typedb.KindText, Script: typedb.ScriptLatin}
	issue := typedb.Field{Name: FieldDateOfIssue, Kind: typedb.KindDate, Script: typedb.ScriptLatin}
	birth := typedb.Field{Name: FieldDateOfBirth, Kind: typedb.KindDate, Script: typedb.ScriptLatin}
	for _, tc := range []struct {
		name      string
		reading   fieldReading
		want      string
		compared  bool
		wantAgree bool
	}{
		{"garbage number", read(num, "CHINA", 90, true), "L898902C3", false, false},
		{"unsure name, label not found", read(name, "PU CHIN", 80, false), "ERIKSSON", false, false},
		{"confident altered name", captioned(read(name, "ANDERSSON", 92, true)), "ANDERSSON", true, false},
		{"a disagreement read at 0.65: too unsure to accuse", captioned(read(name, "ERIMSSON", 65, true)), "ERIKSSON", false, false},
		{"name by ink near a guessed zone, no caption", read(name, "AUSTRALIAN", 92, true), "ERIKSSON", false, false},
		{"agreeing name", read(name, "ERIKSSON", 50, false), "ERIKSSON", true, true},
		{"surname in the given names' place", read(typedb.Field{Name: FieldFirstName, Kind: typedb.KindName, Script: typedb.ScriptLatin}, "ERIKSSON", 96, true), "ANNA MARIA", false, false},
		{"the zone straddles both names", read(typedb.Field{Name: FieldFirstName, Kind: typedb.KindName, Script: typedb.ScriptLatin}, "IKSSON ANNA MARIA", 90, true), "ANNA MARIA", false, false},
		{"header in the surname's place", read(name, "UTOPIA LATVIA", 90, true), "ERIKSSON", false, false},
		{"label as authority", read(auth, "DATE OF EXPIRY PERSONAL NO", 95, true), "", false, false},
		{"unsure authority", read(auth, "PASSPORT OFFICE", 70, false), "", false, false},
		{"confident authority", captioned(read(auth, "PASSPORT OFFICE", 90, true)), "PASSPORT OFFICE", false, false},
		{"authority by ink near a guessed zone, no caption", read(auth, "STR. ROTARILOR NR.78", 90, true), "", false, false},
		// a date's syntax tells not which date it is: only its caption
		// places it (an expiry read where the guess puts the birth date)
		{"birth date by ink near a guessed zone, no caption", read(birth, "03.02.2025", 95, true), "12.08.1974", false, false},
		{"confident altered birth date under its caption", captioned(read(birth, "12.08.1975", 95, true)), "12.08.1975", true, false},
		// the MRZ's expiry is 15.04.2012
		{"unsure issue a validity period before the expiry", read(issue, "16.04.2007", 40, true), "16.04.2007", false, false},
		{"unsure issue off the validity period", read(issue, "17.04.2007", 40, true), "", false, false},
		{"issue found elsewhere on the page", withPage(read(issue, "", 0, false), "12.08.1974", "16.04.2007", "15.04.2012"), "16.04.2007", false, false},
		{"unsure issue, the page's date wins", withPage(read(issue, "17.04.2007", 40, true), "16.04.2007"), "16.04.2007", false, false},
		{"the birth date is no issue", withPage(read(issue, "", 0, false), "12.08.1964"), "", false, false},
		{"two candidates: no telling", withPage(read(issue, "", 0, false), "16.04.2007", "15.04.2002"), "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &side{name: typedb.Front, best: &identify.Candidate{Type: typ, P: 0.9}, readings: map[string]fieldReading{}}
			rd := tc.reading
			rd.side = s
			s.readings[rd.Name] = rd
			res := &Result{Fields: map[string]FieldReport{}}
			cmp := (&Engine{}).mergeFields(context.Background(), res, []*side{s}, m, nil)
			if got := res.Fields[rd.Name].Value; got != tc.want {
				t.Errorf("value %q, want %q (confidence %v)", got, tc.want, *res.Fields[rd.Name].Confidence)
			}
			var compared, agreed bool
			for _, c := range cmp {
				if c.Field == rd.Name {
					compared, agreed = true, c.Agree
				}
			}
			if compared != tc.compared || agreed != tc.wantAgree {
				t.Errorf("compared %v agree %v, want %v %v", compared, agreed, tc.compared, tc.wantAgree)
			}
		})
	}
}

// A name read short of the MRZ's, at its end or its start, keeping two
// letters or more, is a cut that missed faint letters: no evidence
// either way (it raised mrz_vz_agreement on genuine cards: "ДІР" for
// МӨЛДІР, "УЛ" for АЙГҮЛ); so is a number with the next field's print
// run on after it. Another name or number, or the same one whole, is
// evidence.
func TestCutAmiss(t *testing.T) {
	doc, err := mrz.Parse([]string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	})
	if err != nil {
		t.Fatal(err)
	}
	m := &mrz.Result{Document: doc, Status: mrz.StatusValid}
	for _, tc := range []struct {
		name, visual string
		want         bool
	}{
		{FieldLastName, "ERIKSSO", true},
		{FieldLastName, "ЭРИКССО", true}, // read in Cyrillic, transliterated
		{FieldLastName, "RIKSSON", true},
		{FieldLastName, "ERIKSS", true},
		{FieldLastName, "ERIKS", true},
		{FieldLastName, "SSON", true},   // half of it
		{FieldLastName, "SON", true},    // more than half lost: still the name's end
		{FieldLastName, "ERIKA", false}, // another name
		{FieldLastName, "ERIKSSON", false},
		{FieldLastName, "ERIKSEN", false},
		{FieldFirstName, "ANNA MARI", true},
		{FieldLastName, "ER", true},
		{FieldLastName, "E", false}, // one letter: no telling
		{FieldPatronymic, "ERIKSSO", false},
		{FieldDocumentNumber, "L898902", true}, // the cut ended short (renderer varied, seed 8181)
		{FieldDocumentNumber, "898902C3", true},
		{FieldDocumentNumber, "L89890", true},
		{FieldDocumentNumber, "02C3", true}, // its first five lost (a guilloche across them)
		{FieldDocumentNumber, "L89", false}, // three characters: no telling what it was
		{FieldDocumentNumber, "L898902C4", false},
		{FieldDocumentNumber, "L898902C3", false},
		{FieldDocumentNumber, "L898903", false}, // another number
		{FieldPersonalNumber, "ZE18422", true},
		{FieldDocumentNumber, "L898902C312082074", true}, // the date beside it run on
		{FieldDocumentNumber, "0L898902C3", true},
		{FieldDocumentNumber, "L898902C31", true},
		{FieldDocumentNumber, "L898902C4120820", false}, // another number, run on
		{FieldDateOfBirth, "12.08.19", false},
	} {
		if got := cutAmiss(tc.name, tc.visual, mrzValue(m, tc.name, nil)); got != tc.want {
			t.Errorf("cutAmiss(%s, %q) = %v, want %v", tc.name, tc.visual, got, tc.want)
		}
	}
	// a TD1 card's personal number, in the MRZ's optional data alone: a
	// cut that lost its first digit (another hand's Lithuanian card,
	// "7509271233" for 47509271233) is no disagreement either
	td1, err := mrz.Parse([]string{
		"IDLTU123456789747509271233<<<<",
		"7509270F3101012LTU<<<<<<<<<<<1",
		"JONAITIENE<<RASA<<<<<<<<<<<<<<",
	})
	if err != nil {
		t.Fatal(err)
	}
	card := &mrz.Result{Document: td1, Status: mrz.StatusValid}
	if own := optionalDataLike(card, "7509271233"); !cutAmiss(FieldPersonalNumber, "7509271233", own) {
		t.Errorf("personal number cut short of the optional data's %q: counted as evidence", own)
	}
}

// A state's side on which no label at all was found has an unverified
// layout: its unanchored readings count as a generic type's (a name read
// a row low at 77 was confident, and an alarm), unless the value is an
// entry of the field's closed set, which shows its own place.
func TestUnverifiedLayoutIsUnsure(t *testing.T) {
	typ := &typedb.Type{}
	name := typedb.Field{Name: FieldLastName, Kind: typedb.KindName, Script: typedb.ScriptCyrillic}
	auth := typedb.Field{Name: FieldAuthority, Kind: typedb.KindText, Script: typedb.ScriptCyrillic, Values: []string{"ҚР ІІМ", "МВД РК"}}
	for _, tc := range []struct {
		what      string
		f         typedb.Field
		v         string
		seen      bool // another field's label was found on the side
		confident bool
	}{
		{"a name, the layout seen", name, "БОЛАТҚЫЗЫ", true, true},
		{"a name, no label found", name, "БОЛАТҚЫЗЫ", false, false},
		{"an authority, no label found", auth, "МВД РК", false, true},
	} {
		s := &side{readings: map[string]fieldReading{}}
		rd := fieldReading{Reading: vz.Reading{Name: tc.f.Name, Value: tc.v, Confidence: 77}, field: tc.f, side: s}
		s.readings[tc.f.Name] = rd
		s.readings[FieldDateOfBirth] = fieldReading{Reading: vz.Reading{Name: FieldDateOfBirth, Anchored: tc.seen}, side: s}
		if got := fieldConfidence(&rd, typ) >= ConfidentField; got != tc.confident {
			t.Errorf("%s: confident %v, want %v (confidence %.2f)", tc.what, got, tc.confident, fieldConfidence(&rd, typ))
		}
	}
}

// The MRZ prints a year's last two digits: a visual zone's full year that
// agrees with them settles the century, and so does a date of issue
// read on the page that the guessed century would put before the birth.
func TestDateCenturies(t *testing.T) {
	m := parsedMRZ(t, mrz.StatusValid, "P<CZESPECIMEN<<VZOR<<<<<<<<<<<<<<<<<<<<<<<<<", "99003853<1CZE1101018M1207046<<<<<<<<<<<<<<06")
	birth := typedb.Field{Name: FieldDateOfBirth, Kind: typedb.KindDate, Script: typedb.ScriptLatin}
	issue := typedb.Field{Name: FieldDateOfIssue, Kind: typedb.KindDate, Script: typedb.ScriptLatin}
	read := func(f typedb.Field, v string) fieldReading {
		return fieldReading{Reading: vz.Reading{Name: f.Name, Value: v, Confidence: 90, Anchored: true, Captioned: true}, field: f}
	}
	for _, tc := range []struct {
		name      string
		readings  []fieldReading
		wantBirth string
		compared  bool
		agreed    bool
	}{
		{"the MRZ alone", nil, "01.01.2011", false, false},
		{"the page's full year", []fieldReading{read(birth, "01.01.1911")}, "01.01.1911", true, true},
		{"another year on the page", []fieldReading{read(birth, "01.01.1921")}, "01.01.1921", true, false},
		{"issued before the guessed birth", []fieldReading{read(issue, "04.07.2002")}, "01.01.1911", false, false},
		{"issued after the birth", []fieldReading{read(issue, "04.07.2015")}, "01.01.2011", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &side{name: typedb.Front, best: &identify.Candidate{Type: &typedb.Type{Generic: true}, P: 0.9}, readings: map[string]fieldReading{}}
			for _, rd := range tc.readings {
				rd.side = s
				s.readings[rd.Name] = rd
			}
			res := &Result{Fields: map[string]FieldReport{}}
			cmp := (&Engine{}).mergeFields(context.Background(), res, []*side{s}, m, nil)
			if res.DateOfBirth != tc.wantBirth || res.Fields[FieldDateOfBirth].Value != tc.wantBirth {
				t.Errorf("date of birth %q (field %q), want %q", res.DateOfBirth, res.Fields[FieldDateOfBirth].Value, tc.wantBirth)
			}
			var compared, agreed bool
			for _, c := range cmp {
				if c.Field == FieldDateOfBirth {
					compared, agreed = true, c.Agree
				}
			}
			if compared != tc.compared || agreed != tc.agreed {
				t.Errorf("compared %v agree %v, want %v %v", compared, agreed, tc.compared, tc.agreed)
			}
		})
	}
}

// With no MRZ to check it against, a document number holding a 0 or an
// O next to another letter is not confident: OCR has only the glyph to
// tell them apart there ("OC0770841" read "0C0770841" at 0.63).
func TestNumberWithoutMRZ(t *testing.T) {
	num := typedb.Field{Name: FieldDocumentNumber, Kind: typedb.KindNumber}
	for _, tc := range []struct{ read, want string }{
		{"0C0770841", ""},
		{"OG3215030", ""},
		{"N08647293", ""},
		{"MA7519664", "MA7519664"},
		{"042205054", "042205054"},
		{"AB1234500", "AB1234500"},
	} {
		s := &side{name: typedb.Front, best: &identify.Candidate{Type: &typedb.Type{}, P: 0.9}, readings: map[string]fieldReading{}}
		s.readings[num.Name] = fieldReading{Reading: vz.Reading{Name: num.Name, Value: tc.read, Confidence: 90, Anchored: true}, field: num, side: s}
		res := &Result{Fields: map[string]FieldReport{}}
		(&Engine{}).mergeFields(context.Background(), res, []*side{s}, nil, nil)
		if res.DocumentNumber != tc.want {
			t.Errorf("%q read alone: document_number %q, want %q", tc.read, res.DocumentNumber, tc.want)
		}
	}
}

// A disagreement stands, and is compared, from DisagreeField; from
// ConfidentField where the MRZ's own check digit for the field fails
// (an altered date of birth: the page's reading is the better evidence).
func TestDisagreementsNeedMore(t *testing.T) {
	birth := typedb.Field{Name: FieldDateOfBirth, Kind: typedb.KindDate, Script: typedb.ScriptLatin}
	for _, tc := range []struct {
		name     string
		dob      string // the MRZ's, its check digit 8 as printed
		conf     float64
		want     string
		compared bool
	}{
		{"check holds, unsure reading", "110101", 65, "01.01.2011", false},
		{"check holds, sure reading", "110101", 90, "01.01.2012", true},
		{"check fails, unsure reading", "110102", 65, "01.01.2012", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := mrz.Parse([]string{
				"P<CZESPECIMEN<<VZOR<<<<<<<<<<<<<<<<<<<<<<<<<",
				"99003853<1CZE" + tc.dob + "8M1207046<<<<<<<<<<<<<<06",
			})
			if err != nil {
				t.Fatal(err)
			}
			m := &mrz.Result{Document: doc, Status: mrz.StatusValid}
			s := &side{name: typedb.Front, best: &identify.Candidate{Type: &typedb.Type{Generic: true}, P: 0.9}, readings: map[string]fieldReading{}}
			s.readings[birth.Name] = fieldReading{Reading: vz.Reading{Name: birth.Name, Value: "01.01.2012", Confidence: tc.conf, Anchored: true, Captioned: true}, field: birth, side: s}
			res := &Result{Fields: map[string]FieldReport{}}
			cmp := (&Engine{}).mergeFields(context.Background(), res, []*side{s}, m, nil)
			if res.DateOfBirth != tc.want || (len(cmp) > 0) != tc.compared {
				t.Errorf("date of birth %q, compared %v; want %q, %v", res.DateOfBirth, len(cmp) > 0, tc.want, tc.compared)
			}
		})
	}
}

// TestDoubtedByAnUnsureMRZ: an MRZ read unsurely gives no value, but a
// name it reads otherwise is answered only when read sure enough to
// accuse (DisagreeField): two unsure readings of a name that disagree
// leave the field empty. A number stands: such an MRZ misreads digits
// as letters as often as not.
func TestDoubtedByAnUnsureMRZ(t *testing.T) {
	unsure := parsedMRZ(t, mrz.StatusUnsure, "IDUTOAB1234S670<<<<<<<<<<<<<<<", "7712095F3210075UTO<<<<<<<<<<<2", "SEIITOVA<<DANA<<<<<<<<<<<<<<<<")
	last := typedb.Field{Name: FieldLastName, Kind: typedb.KindName, Script: typedb.ScriptLatin}
	number := typedb.Field{Name: FieldDocumentNumber, Kind: typedb.KindNumber}
	for _, tc := range []struct {
		name  string
		f     typedb.Field
		read  string
		conf  float64
		doubt *mrz.Result
		want  string
	}{
		{"disagrees, unsure", last, "SENTOVA", 68, unsure, ""},
		{"disagrees, sure", last, "SENTOVA", 90, unsure, "SENTOVA"},
		{"agrees, unsure", last, "SEIITOVA", 68, unsure, "SEIITOVA"},
		{"no MRZ at all", last, "SENTOVA", 68, nil, "SENTOVA"},
		{"a number", number, "AB1234567", 68, unsure, "AB1234567"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &side{name: typedb.Front, best: &identify.Candidate{Type: &typedb.Type{}, P: 0.9}, readings: map[string]fieldReading{}}
			s.readings[tc.f.Name] = fieldReading{Reading: vz.Reading{Name: tc.f.Name, Value: tc.read, Confidence: tc.conf, Anchored: true}, field: tc.f, side: s}
			res := &Result{Fields: map[string]FieldReport{}}
			(&Engine{}).mergeFields(context.Background(), res, []*side{s}, nil, tc.doubt)
			if got := res.Fields[tc.f.Name].Value; got != tc.want {
				t.Errorf("%s %q, want %q", tc.f.Name, got, tc.want)
			}
		})
	}
}

// TestFutureDatesUnsure: a date of issue or of birth after today, read
// unsurely, was misread and is not answered; read surely, it stands (and
// the date logic sees it).
func TestFutureDatesUnsure(t *testing.T) {
	now := time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)
	issue := typedb.Field{Name: FieldDateOfIssue, Kind: typedb.KindDate}
	for _, tc := range []struct {
		read string
		conf float64
		want string
	}{
		{"05.05.2070", 63, ""},
		{"05.05.2070", 90, "05.05.2070"},
		{"05.05.2020", 63, "05.05.2020"},
	} {
		s := &side{name: typedb.Front, best: &identify.Candidate{Type: &typedb.Type{}, P: 0.9}, readings: map[string]fieldReading{}}
		s.readings[issue.Name] = fieldReading{Reading: vz.Reading{Name: issue.Name, Value: tc.read, Confidence: tc.conf, Anchored: true}, field: issue, side: s}
		res := &Result{Fields: map[string]FieldReport{}}
		(&Engine{opts: Options{Now: func() time.Time { return now }}}).mergeFields(context.Background(), res, []*side{s}, nil, nil)
		if res.DateOfIssue != tc.want {
			t.Errorf("%q read at %.0f: date of issue %q, want %q", tc.read, tc.conf, res.DateOfIssue, tc.want)
		}
	}
}

// parsedMRZ is the zone of these lines, read with the given status.
func parsedMRZ(t *testing.T, status mrz.Status, lines ...string) *mrz.Result {
	t.Helper()
	doc, err := mrz.Parse(lines)
	if err != nil {
		t.Fatal(err)
	}
	return &mrz.Result{Document: doc, Status: status}
}

// TestIINVouchesForTheBirthDate: on a Kazakh card whose glare left the
// IIN and the date of birth read unsurely (renderer varied, seed 5757),
// an IIN whose check digit holds and whose birth date is the date of
// birth read apart vouches for both; either alone, or the two
// disagreeing, stays unsure and empty.
func TestIINVouchesForTheBirthDate(t *testing.T) {
	k, ok := typedb.IINCheckDigit("85021440123")
	if !ok {
		t.Fatal("no check digit for the test IIN")
	}
	iin := "85021440123" + string(k)
	wrongCheck := "85021440123" + string('0'+(k-'0'+1)%10)
	typ := &typedb.Type{PersonalNumberScheme: "kz-iin"}
	birthF := typedb.Field{Name: FieldDateOfBirth, Kind: typedb.KindDate}
	iinF := typedb.Field{Name: FieldPersonalNumber, Kind: typedb.KindNumber}
	for _, tc := range []struct {
		what               string
		iin, birth         string
		iinConf, birthConf float64
		wantIIN, wantBirth string
	}{
		{"agreeing, both unsure", iin, "14.02.1985", 30, 40, iin, "14.02.1985"},
		{"a day apart", iin, "15.02.1985", 30, 40, "", ""},
		{"the IIN's check digit fails", wrongCheck, "14.02.1985", 30, 40, "", ""},
		{"no IIN read", "", "14.02.1985", 0, 40, "", ""},
		{"the date read surely alone", "", "14.02.1985", 0, 90, "", "14.02.1985"},
	} {
		s := &side{name: typedb.Front, best: &identify.Candidate{Type: typ, P: 0.9}, readings: map[string]fieldReading{}}
		s.readings[birthF.Name] = fieldReading{Reading: vz.Reading{Name: birthF.Name, Value: tc.birth, Confidence: tc.birthConf, Anchored: true}, field: birthF, side: s}
		if tc.iin != "" {
			s.readings[iinF.Name] = fieldReading{Reading: vz.Reading{Name: iinF.Name, Value: tc.iin, Confidence: tc.iinConf, Anchored: true}, field: iinF, side: s}
		}
		res := &Result{Fields: map[string]FieldReport{}}
		(&Engine{}).mergeFields(context.Background(), res, []*side{s}, nil, nil)
		if res.PersonalNumber != tc.wantIIN || res.DateOfBirth != tc.wantBirth {
			t.Errorf("%s: IIN %q, date of birth %q; want %q, %q", tc.what, res.PersonalNumber, res.DateOfBirth, tc.wantIIN, tc.wantBirth)
		}
	}
}

// TestDoubtVouches: an MRZ in a monospace font read unsurely (renderer
// varied, seed 5757) is no answer, but where it gives exactly the date
// of birth read unsurely on the page, and the date's check digit holds,
// the two readings vouch for the date. Another date, or a failing check
// digit, vouches for nothing.
func TestDoubtVouches(t *testing.T) {
	name := "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
	holds := parsedMRZ(t, mrz.StatusUnsure, name, "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
	fails := parsedMRZ(t, mrz.StatusUnsure, name, "L898902C36UTO7408123F1204159ZE184226B<<<<<10")
	birth := typedb.Field{Name: FieldDateOfBirth, Kind: typedb.KindDate}
	for _, tc := range []struct {
		what  string
		read  string
		doubt *mrz.Result
		want  string
	}{
		{"the same date, its check digit holding", "12.08.1974", holds, "12.08.1974"},
		{"another date", "13.08.1974", holds, ""},
		{"the check digit failing", "12.08.1974", fails, ""},
		{"no MRZ", "12.08.1974", nil, ""},
	} {
		s := &side{name: typedb.Front, best: &identify.Candidate{Type: &typedb.Type{}, P: 0.9}, readings: map[string]fieldReading{}}
		s.readings[birth.Name] = fieldReading{Reading: vz.Reading{Name: birth.Name, Value: tc.read, Confidence: 40, Anchored: true}, field: birth, side: s}
		res := &Result{Fields: map[string]FieldReport{}}
		(&Engine{}).mergeFields(context.Background(), res, []*side{s}, nil, tc.doubt)
		if res.DateOfBirth != tc.want {
			t.Errorf("%s: date of birth %q, want %q", tc.what, res.DateOfBirth, tc.want)
		}
	}
}

// TestIssueAgainstTheVisualExpiry: with no MRZ, a date of issue read
// unsurely stands when it lies a whole validity period before the date
// of expiry read confidently beside it, and not when the expiry was read
// unsurely too, nor off the period.
func TestIssueAgainstTheVisualExpiry(t *testing.T) {
	typ := &typedb.Type{Generic: true}
	issue := typedb.Field{Name: FieldDateOfIssue, Kind: typedb.KindDate, Script: typedb.ScriptLatin}
	expiry := typedb.Field{Name: FieldDateOfExpiry, Kind: typedb.KindDate, Script: typedb.ScriptLatin}
	read := func(field typedb.Field, v string, conf float64) fieldReading {
		return fieldReading{Reading: vz.Reading{Name: field.Name, Value: v, Confidence: conf, Anchored: true, Captioned: true}, field: field}
	}
	for _, tc := range []struct {
		name          string
		issue, expiry fieldReading
		want          string
	}{
		{"a validity period before a sure expiry", read(issue, "11.02.2021", 45), read(expiry, "10.02.2031", 90), "11.02.2021"},
		{"off the period", read(issue, "11.02.2020", 45), read(expiry, "10.02.2031", 90), ""},
		{"the expiry unsure too", read(issue, "11.02.2021", 45), read(expiry, "10.02.2031", 40), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := mergedOn(typ, nil, tc.issue, tc.expiry)
			if got := res.DateOfIssue; got != tc.want {
				t.Errorf("date of issue %q, want %q", got, tc.want)
			}
		})
	}
}

// TestIssueAgainstTheTypesValidity: on a type whose documents are all
// valid a fixed number of years, a date of issue read not quite surely
// that only another period would fit is dropped; read surely, it stands,
// unless no document is valid so long.
func TestIssueAgainstTheTypesValidity(t *testing.T) {
	issue := typedb.Field{Name: FieldDateOfIssue, Kind: typedb.KindDate, Script: typedb.ScriptDigits}
	expiry := typedb.Field{Name: FieldDateOfExpiry, Kind: typedb.KindDate, Script: typedb.ScriptDigits}
	read := func(field typedb.Field, v string, conf float64) fieldReading {
		return fieldReading{Reading: vz.Reading{Name: field.Name, Value: v, Confidence: conf, Anchored: true}, field: field}
	}
	for _, tc := range []struct {
		name          string
		years         int
		issue, expiry fieldReading
		want          string
	}{
		{"nine years before, ten-year type, not quite sure", 10, read(issue, "24.02.2024", 65), read(expiry, "23.02.2033", 90), ""},
		{"nine years before, ten-year type, sure", 10, read(issue, "24.02.2024", 90), read(expiry, "23.02.2033", 90), "24.02.2024"},
		{"ten years before, ten-year type", 10, read(issue, "24.02.2023", 65), read(expiry, "23.02.2033", 90), "24.02.2023"},
		{"ten years before, unsure, confirmed by the period", 10, read(issue, "24.02.2023", 45), read(expiry, "23.02.2033", 90), "24.02.2023"},
		{"nine years before, unsure, ten-year type", 10, read(issue, "24.02.2024", 45), read(expiry, "23.02.2033", 90), ""},
		{"nine years before, a type of any period", 0, read(issue, "24.02.2024", 65), read(expiry, "23.02.2033", 90), "24.02.2024"},
		{"nine years before, unsure, a type of any period", 0, read(issue, "24.02.2024", 45), read(expiry, "23.02.2033", 90), "24.02.2024"},
		{"no expiry to hold it against", 10, read(issue, "24.02.2024", 65), read(expiry, "23.02.2033", 40), "24.02.2024"},
		{"a century before, sure", 0, read(issue, "10.06.1930", 96), read(expiry, "10.06.2030", 90), ""},
		{"twenty years before, sure", 0, read(issue, "11.06.2010", 96), read(expiry, "10.06.2030", 90), "11.06.2010"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ := &typedb.Type{ValidityYears: tc.years}
			res, _ := mergedOn(typ, nil, tc.issue, tc.expiry)
			if got := res.DateOfIssue; got != tc.want {
				t.Errorf("date of issue %q, want %q", got, tc.want)
			}
		})
	}
}

// TestNumberMisplacedOnADate: a document number read in the visual zone
// that is the digits of a date the document carries is another field's
// print, no evidence: the field is answered as if it were unread.
func TestNumberMisplacedOnADate(t *testing.T) {
	typ := &typedb.Type{Generic: true}
	number := typedb.Field{Name: FieldDocumentNumber, Kind: typedb.KindNumber, Script: typedb.ScriptMixed}
	issue := typedb.Field{Name: FieldDateOfIssue, Kind: typedb.KindDate, Script: typedb.ScriptLatin}
	read := func(field typedb.Field, v string, conf float64) fieldReading {
		return fieldReading{Reading: vz.Reading{Name: field.Name, Value: v, Confidence: conf, Anchored: true, Captioned: true}, field: field}
	}
	for _, tc := range []struct {
		name          string
		number, issue fieldReading
		want          string
	}{
		{"the date of issue's digits", read(number, "14102022", 85), read(issue, "14.10.2022", 90), ""},
		{"a number of its own", read(number, "9FR456721", 85), read(issue, "14.10.2022", 90), "9FR456721"},
		{"eight digits that are no date of it", read(number, "14102023", 85), read(issue, "14.10.2022", 90), "14102023"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := mergedOn(typ, nil, tc.number, tc.issue)
			if got := res.DocumentNumber; got != tc.want {
				t.Errorf("document number %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPersonalNumberFromTD1OptionalData: a TD1 card's optional data is
// the personal number only where the page prints one like it: then a
// misread digit on the page, read unsurely, gives way to the MRZ's.
// Without a reading on the page, the optional data is not answered.
func TestPersonalNumberFromTD1OptionalData(t *testing.T) {
	typ := &typedb.Type{Generic: true}
	pn := typedb.Field{Name: FieldPersonalNumber, Kind: typedb.KindNumber, Script: typedb.ScriptMixed}
	m := &mrz.Result{Document: &mrz.Document{Format: mrz.TD1, OptionalData: "23456789014"}, Status: mrz.StatusValid}
	for _, tc := range []struct {
		name    string
		visual  string
		conf    float64
		want    string
		wantSrc string
	}{
		{"one digit misread, unsurely", "23456729014", 71, "23456789014", SourceMRZ},
		{"read as the MRZ has it", "23456789014", 71, "23456789014", SourceVisual},
		{"another number", "98765432100", 71, "98765432100", SourceVisual},
		{"not read on the page", "", 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rds []fieldReading
			if tc.visual != "" {
				rds = append(rds, fieldReading{Reading: vz.Reading{Name: pn.Name, Value: tc.visual, Confidence: tc.conf, Anchored: true, Captioned: true}, field: pn})
			}
			res, _ := mergedOn(typ, m, rds...)
			if got := res.PersonalNumber; got != tc.want || res.Fields[FieldPersonalNumber].Source != tc.wantSrc {
				t.Errorf("personal number %q from %q, want %q from %q", got, res.Fields[FieldPersonalNumber].Source, tc.want, tc.wantSrc)
			}
		})
	}
}

// TestPersonalNumberHyphenAgreesWithFiller: the MRZ writes a personal
// number's hyphen as a filler; the page's "19940111-01234" agrees with
// its 19940111<01234 and is answered as printed.
func TestPersonalNumberHyphenAgreesWithFiller(t *testing.T) {
	typ := &typedb.Type{Generic: true}
	pn := typedb.Field{Name: FieldPersonalNumber, Kind: typedb.KindNumber, Script: typedb.ScriptMixed}
	for _, format := range []mrz.Format{mrz.TD3, mrz.TD1} {
		m := &mrz.Result{Document: &mrz.Document{Format: format, OptionalData: "19940111<01234"}, Status: mrz.StatusValid}
		res, cmp := mergedOn(typ, m, fieldReading{Reading: vz.Reading{Name: pn.Name, Value: "19940111-01234", Confidence: 80, Anchored: true, Captioned: true}, field: pn})
		if res.PersonalNumber != "19940111-01234" {
			t.Errorf("%v: personal number %q, want the page's 19940111-01234", format, res.PersonalNumber)
		}
		for _, c := range cmp {
			if !c.Agree {
				t.Errorf("%v: %s compared as disagreeing", format, c.Field)
			}
		}
	}
}

// mergedOn merges readings, as read on one side of type typ, with the
// MRZ m: the response and the comparisons for the agreement check.
func mergedOn(typ *typedb.Type, m *mrz.Result, readings ...fieldReading) (*Result, []checks.Comparison) {
	s := &side{name: typedb.Front, best: &identify.Candidate{Type: typ, P: 0.9}, readings: map[string]fieldReading{}}
	for _, rd := range readings {
		rd.side = s
		s.readings[rd.Name] = rd
	}
	res := &Result{Fields: map[string]FieldReport{}}
	return res, (&Engine{}).mergeFields(context.Background(), res, []*side{s}, m, nil)
}
