package pipeline

import (
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline/checks"
	"github.com/docscan/docscan/pipeline/identify"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/pipeline/vz"
	"github.com/docscan/docscan/typedb"
)

func TestSettleConfusables(t *testing.T) {
	for _, tc := range []struct {
		visual, mrz string
		ok          bool
	}{
		{"1Q9336550", "IQ9336550", true},  // 1 for I
		{"N0O1758734", "N01758734", true}, // a doubled 0/O
		{"J1638640", "IJ1638640", true},   // a dropped I
		{"CO08548994", "CO8548994", true},
		{"AB1234567", "AB1234567", false}, // nothing to settle
		{"AB1234568", "AB1234567", false}, // another digit: a real difference
		{"AB12345", "AB1234567", false},   // two digits missing
		{"00O1758734", "N01758734", false},
		{"", "N01758734", false},
	} {
		got, ok := settleConfusables(tc.visual, tc.mrz)
		if ok != tc.ok || (ok && got != tc.mrz) || (!ok && got != tc.visual) {
			t.Errorf("settle(%q, %q) = %q, %v; want ok %v", tc.visual, tc.mrz, got, ok, tc.ok)
		}
	}
}

func TestSettleName(t *testing.T) {
	for _, tc := range []struct {
		visual, mrz, want string
		ok                bool
	}{
		{"ШЕРБАКОВ", "SHCHERBAKOV", "ЩЕРБАКОВ", true},
		{"ЭБЕНОВА", "ABENOVA", "ӘБЕНОВА", true}, // Ә read as Э (renderer varied, seed 9191)
		{"ӘЛИЕВ", "ELIEV", "ЭЛИЕВ", true},
		{"DMITRI", "DMITRII", "DMITRII", true},
		{"SEITOV", "SEIITOV", "SEIITOV", true},
		{"SENTOV", "SEIITOV", "SEIITOV", true}, // II read as N
		{"SENTOV", "SEITOV", "SENTOV", false},  // an N for one I is no confusion
		{"ANNA", "ANNA", "ANNA", false},        // agree already: nothing settled
		{"ИВАНОВ", "PETROV", "ИВАНОВ", false},
		{"ИВАНОВ", "IVANOV", "ИВАНОВ", false}, // nothing to settle: they agree already
	} {
		got, ok := settleName(tc.visual, tc.mrz, nil)
		if tc.visual == "ИВАНОВ" && tc.mrz == "IVANOV" {
			ok = !agree("last_name", tc.visual, tc.mrz, nil) && ok
		}
		if ok != tc.ok || got != tc.want {
			t.Errorf("settleName(%q, %q) = %q, %v; want %q, %v", tc.visual, tc.mrz, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSettleReadings(t *testing.T) {
	checked := &mrz.Result{Document: &mrz.Document{Checks: map[string]bool{mrz.CheckDocumentNumber: true}}}
	unchecked := &mrz.Result{Document: &mrz.Document{Checks: map[string]bool{mrz.CheckDocumentNumber: false}}}
	for _, tc := range []struct {
		name     string
		field    string
		readings []string
		mrz      string
		m        *mrz.Result
		want     string
		ok       bool
	}{
		// the first read lost "IJ"; a re-read lost only the I
		{"re-read settles", "document_number", []string{"6088014", "J6088014", "16088014"}, "IJ6088014", checked, "IJ6088014", true},
		{"exact re-read first", "document_number", []string{"6088014", "IJ6088014"}, "IJ6088014", checked, "IJ6088014", true},
		{"check digit fails", "document_number", []string{"J6088014"}, "IJ6088014", unchecked, "", false},
		{"all readings differ", "document_number", []string{"IJ6088015", "IJ6O88015"}, "IJ6088014", checked, "", false},
		{"name from a re-read", "last_name", []string{"SENTOV", "SEITOV"}, "SEIITOV", nil, "SEIITOV", true},
		{"other fields unsettled", "date_of_birth", []string{"28.03.1953"}, "28.03.1952", nil, "", false},
	} {
		got, ok := settleReadings(tc.field, tc.readings, tc.mrz, tc.m)
		if ok != tc.ok || got != tc.want {
			t.Errorf("%s: settleReadings = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// TestMRZNamesOfRussianInternalPassport: the Russian internal passport's
// MRZ writes its Cyrillic names with digits standing for letters; the
// response takes them decoded, and they are compared with the visual
// zone's Cyrillic after transliteration of both.
func TestMRZNamesOfRussianInternalPassport(t *testing.T) {
	d, err := mrz.ParseAt([]string{
		"PNRUS3ERNY42V<<7LI8<6DUARDOVNA<<<<<<<<<<<<<<",
		"1234567897RUS8503150F<<<<<<<1150101770012<86",
	}, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	m := &mrz.Result{Document: d}
	if got := mrzValue(m, FieldLastName, nil); got != "ЧЕРНЫШЁВ" {
		t.Errorf("last name %q", got)
	}
	if got := mrzValue(m, FieldFirstName, nil); got != "ЮЛИЯ ЭДУАРДОВНА" {
		t.Errorf("first name %q", got)
	}
	for _, tc := range []struct {
		field, visual string
		agree         bool
		misplaced     bool
	}{
		{FieldLastName, "ЧЕРНЫШЁВ", true, false},
		{FieldLastName, "ЧЕРНЫШЕВ", true, false}, // Ё printed or read as Е
		{FieldLastName, "ИВАНОВ", false, false},
		{FieldLastName, "ЮЛИЯ", false, true}, // the given name where the surname belongs
		{FieldFirstName, "ЮЛИЯ", true, false},
		{FieldFirstName, "ЮЛИЯ ЭДУАРДОВНА", true, false},
		{FieldFirstName, "МАРИЯ", false, false},
	} {
		own := mrzValue(m, tc.field, nil)
		if got := agree(tc.field, tc.visual, own, m); got != tc.agree {
			t.Errorf("%s %q against %q: agree %v, want %v", tc.field, tc.visual, own, got, tc.agree)
		}
		if got := misplacedName(tc.field, tc.visual, m, nil); got != tc.misplaced {
			t.Errorf("%s %q: misplaced %v, want %v", tc.field, tc.visual, got, tc.misplaced)
		}
	}
}

// TestBeyondMRZNames: given names read with a further word the MRZ,
// not full, does not carry keep only the words it does; a reading that
// disagrees, or an MRZ whose name field is full (longer names were cut),
// leaves the reading as it is.
func TestBeyondMRZNames(t *testing.T) {
	parse := func(lines ...string) *mrz.Result {
		doc, err := mrz.Parse(lines)
		if err != nil {
			t.Fatal(err)
		}
		return &mrz.Result{Document: doc, Status: mrz.StatusValid}
	}
	room := parse("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
	full := parse("P<UTOERIKSSON<<ANNA<MARIA<ELISABETH<JOHANNES", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
	for _, tc := range []struct {
		visual, fromMRZ string
		m               *mrz.Result
		want            string
		trimmed         bool
	}{
		{"ANNA MARIA TK", "ANNA MARIA", room, "ANNA MARIA", true},
		{"ULAN TK", "ULAN", room, "ULAN", true},
		{"АННА ТК", "ANNA", room, "АННА", true}, // read in Cyrillic
		{"ANNA MARIA", "ANNA MARIA", room, "ANNA MARIA", false},
		{"ANNA", "ANNA MARIA", room, "ANNA", false},                   // fewer words: nothing to drop
		{"ANNE MARIA TK", "ANNA MARIA", room, "ANNE MARIA TK", false}, // the leading words disagree
		{"ANNA MARIA ELISABETH JOHANNES LUISE", "ANNA MARIA ELISABETH JOHANNES", full, "ANNA MARIA ELISABETH JOHANNES LUISE", false},
	} {
		got, trimmed := beyondMRZNames(FieldFirstName, tc.visual, tc.fromMRZ, tc.m)
		if got != tc.want || trimmed != tc.trimmed {
			t.Errorf("beyondMRZNames(%q, %q) = %q, %v; want %q, %v", tc.visual, tc.fromMRZ, got, trimmed, tc.want, tc.trimmed)
		}
	}
	if got, trimmed := beyondMRZNames(FieldLastName, "ERIKSSON TK", "ERIKSSON", room); trimmed {
		t.Errorf("a surname was trimmed to %q", got)
	}
}

// TestAccusingDate: the date logic takes a date only the visual zone gave
// when it was read surely enough to accuse (DisagreeField): a date of
// issue misread into the future at 0.63 is answered, and raises nothing.
// An unsure reading the MRZ reads alike is the MRZ's date, and accuses
// as it does (an expiry read at 0.73 beside the MRZ's had hidden that a
// real passport had expired).
func TestAccusingDate(t *testing.T) {
	now := time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)
	conf := func(c float64) *float64 { return &c }
	for _, tc := range []struct {
		name   string
		report *FieldReport
		failed bool
	}{
		{"visual, unsure", &FieldReport{Value: "05.05.2070", Source: SourceVisual, Confidence: conf(0.63)}, false},
		{"visual, no confidence", &FieldReport{Value: "05.05.2070", Source: SourceVisual}, false},
		{"visual, sure", &FieldReport{Value: "05.05.2070", Source: SourceVisual, Confidence: conf(0.9)}, true},
		{"visual, unsure, as the MRZ reads it", &FieldReport{Value: "05.05.2070", Source: SourceVisual, Confidence: conf(0.63),
			Sources: map[string]string{SourceMRZ: "05.05.2070", SourceVisual: "05.05.2070"}}, true},
		{"visual, unsure, the MRZ reads another", &FieldReport{Value: "05.05.2070", Source: SourceVisual, Confidence: conf(0.63),
			Sources: map[string]string{SourceMRZ: "05.05.2010", SourceVisual: "05.05.2070"}}, false},
		{"mrz", &FieldReport{Value: "05.05.2070", Source: SourceMRZ}, true},
		{"no report", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &Result{DateOfIssue: "05.05.2070", Fields: map[string]FieldReport{}}
			if tc.report != nil {
				res.Fields[FieldDateOfIssue] = *tc.report
			}
			d := checks.Dates{Issue: accusingDate(res, FieldDateOfIssue, res.DateOfIssue)}
			if d.Issue.IsZero() {
				d.Birth = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC) // the check has a date to look at
			}
			if got := checks.DateLogic(d, now).Status == checks.Failed; got != tc.failed {
				t.Errorf("date logic failed %v, want %v", got, tc.failed)
			}
		})
	}
}

// TestGivenNamesAgreeWordForWord: given names agree with the MRZ's when
// every word both carry agrees; either may carry further ones.
func TestGivenNamesAgreeWordForWord(t *testing.T) {
	for _, tc := range []struct {
		visual, mrz string
		agree       bool
	}{
		{"ERIK JOHAN", "ERIK JOHAN", true},
		{"ERIK", "ERIK JOHAN", true},        // the page prints the first alone
		{"ANNA MARIA", "ANNA", true},        // the MRZ had room for one
		{"ERIK IOHAN", "ERIK JOHAN", false}, // a J read as I: a misread, not the MRZ's name
		{"JOHAN ERIK", "ERIK JOHAN", false},
	} {
		if got := agree(FieldFirstName, tc.visual, tc.mrz, nil); got != tc.agree {
			t.Errorf("%q against %q: agree %v, want %v", tc.visual, tc.mrz, got, tc.agree)
		}
	}
}

// TestNamesWithDiacriticsAgree: a name printed with its diacritics agrees
// with the MRZ's ICAO 9303 spelling, short (Ó→O) or long (Ä→AE), and a
// mark does not make another letter agree.
func TestNamesWithDiacriticsAgree(t *testing.T) {
	for _, tc := range []struct {
		field, visual, mrz string
		agree              bool
	}{
		{FieldLastName, "WÓJCIK", "WOJCIK", true},
		{FieldFirstName, "ŁUKASZ", "LUKASZ", true},
		{FieldLastName, "MÄNNIK", "MAENNIK", true},
		{FieldLastName, "MÄNNIK", "MANNIK", true},
		{FieldLastName, "ÆVARSDÓTTIR", "AEVARSDOTTIR", true},
		{FieldFirstName, "ÞURÍÐUR ÖSP", "THURIDUR OSP", true},
		{FieldLastName, "MÜLLER", "MOLLER", false},
		// the page read without its marks: no agreement (marksLostOnly)
		{FieldLastName, "KARKKAINEN", "KAERKKAEINEN", false},
		{FieldLastName, "MÄNNIK", "MAEANNIK", false},
	} {
		if got := agree(tc.field, tc.visual, tc.mrz, nil); got != tc.agree {
			t.Errorf("%s %q against %q: agree %v, want %v", tc.field, tc.visual, tc.mrz, got, tc.agree)
		}
	}
}

// TestPortraitNotInAGenericZone: a page with nothing printed in its
// type's portrait zone fails photo_area on a state's type, whose layout
// is known, and is not done on a generic type, whose zone is where most
// documents print the portrait (another hand's passports printed it on
// the right: three false alarms).
func TestPortraitNotInAGenericZone(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	page := image.NewRGBA(image.Rect(0, 0, 1027, 648))
	draw.Draw(page, page.Rect, image.NewUniform(color.RGBA{236, 232, 220, 255}), image.Point{}, draw.Src)
	var kz, generic *typedb.Type
	for _, ty := range db.Types() {
		switch {
		case ty.Document == "kz-id-2014" && ty.Side == typedb.Front:
			kz = ty
		case ty.Document == "icao-td1" && ty.Side == typedb.Front:
			generic = ty
		}
	}
	for _, tc := range []struct {
		typ    *typedb.Type
		status checks.Status
	}{{kz, checks.Failed}, {generic, checks.NotDone}} {
		s := &side{best: &identify.Candidate{Type: tc.typ, Evidence: identify.Evidence{Geometry: 1}}}
		if o := photoArea(checks.Layers{Type: tc.typ, White: page}, s); o.Status != tc.status {
			t.Errorf("%s: photo_area %s (%q), want %s", tc.typ.Document, o.Status, o.Reason, tc.status)
		}
	}
}

// TestWordsAsMRZ: a name that agrees with the MRZ letter for letter takes
// the MRZ's word breaks; one whose letters do not line up stays as read.
func TestWordsAsMRZ(t *testing.T) {
	for _, tc := range []struct{ visual, mrz, want string }{
		{"JOSÉIGNACIO", "JOSE IGNACIO", "JOSÉ IGNACIO"},
		{"POL DMAE", "POLDMAE", "POLDMAE"},
		{"ÆVARS DÓTTIR", "AEVARSDOTTIR", "ÆVARSDÓTTIR"},
		{"ANNA MARIA", "ANNA MARIA", "ANNA MARIA"},
		{"ЖАНАР", "ZHANAR", "ЖАНАР"},
		{"ANNAMARIA", "ANNA MARINA", "ANNAMARIA"}, // letters differ: as read
		{"ANNA MARIA X", "ANNA MARIA", "ANNA MARIA X"},
		{"KOWAL SKA-KWIATKOWSKA", "KOWALSKA KWIATKOWSKA", "KOWALSKA-KWIATKOWSKA"},
		{"KOWALSKA-KWIATKOWSKA", "KOWALSKA KWIATKOWSKA", "KOWALSKA-KWIATKOWSKA"},
		{"KOWAL-SKA KWIATKOWSKA", "KOWALSKA KWIATKOWSKA", "KOWAL-SKA KWIATKOWSKA"}, // a hyphen inside a word: as read
	} {
		if got := wordsAsMRZ(tc.visual, tc.mrz); got != tc.want {
			t.Errorf("wordsAsMRZ(%q, %q) = %q, want %q", tc.visual, tc.mrz, got, tc.want)
		}
	}
}

// TestMergedNamesTakeMRZWordBreaks: a name read on the page that agrees
// with the MRZ as read, but for a space lost, is answered with the MRZ's
// word breaks and its own marks.
func TestMergedNamesTakeMRZWordBreaks(t *testing.T) {
	m := parsedMRZ(t, mrz.StatusValid, "IDCHL1234567897<<<<<<<<<<<<<<<", "8501017M3001017CHL<<<<<<<<<<<6", "ROJAS<<JOSE<IGNACIO<<<<<<<<<<<")
	given := typedb.Field{Name: FieldFirstName, Kind: typedb.KindName, Script: typedb.ScriptLatin}
	rd := fieldReading{Reading: vz.Reading{Name: given.Name, Value: "JOSÉIGNACIO", Confidence: 90, Anchored: true, Captioned: true}, field: given}
	res, _ := mergedOn(&typedb.Type{Generic: true}, m, rd)
	if res.FirstName != "JOSÉ IGNACIO" {
		t.Errorf("first name %q, want %q", res.FirstName, "JOSÉ IGNACIO")
	}
}

// TestLoneLettersTheMRZPrints: a one-letter word of a name is OCR's
// debris, unless the MRZ's name has it as its word in that place.
func TestLoneLettersTheMRZPrints(t *testing.T) {
	for _, tc := range []struct {
		visual, mrzName, want string
	}{
		{"Ó SÚILLEABHÁIN", "O<SUILLEABHAIN", "Ó SÚILLEABHÁIN"},
		{"O SUILLEABHAIN", "O<SUILLEABHAIN", "O SUILLEABHAIN"},
		{"S SUILLEABHAIN", "O<SUILLEABHAIN", "O SUILLEABHAIN"}, // another letter: the MRZ's
		{"WANG X", "WANG", "WANG"},                             // debris beside the name
		{"O'CONNOR", "OCONNOR", "O'CONNOR"},                    // ICAO omits the apostrophe
	} {
		line1 := "P<IRL" + tc.mrzName + "<<CIARAN"
		line1 += strings.Repeat("<", 44-len(line1))
		m := parsedMRZ(t, mrz.StatusValid, line1, "L898902C36IRL7408122F1204159ZE184226B<<<<<10")
		last := typedb.Field{Name: FieldLastName, Kind: typedb.KindName, Script: typedb.ScriptLatin}
		rd := fieldReading{Reading: vz.Reading{Name: last.Name, Value: tc.visual, Confidence: 90, Anchored: true, Captioned: true}, field: last}
		res, _ := mergedOn(&typedb.Type{Generic: true}, m, rd)
		if res.LastName != tc.want {
			t.Errorf("%q read beside %s: %q, want %q", tc.visual, tc.mrzName, res.LastName, tc.want)
		}
	}
}

// TestMarksLostOnly: a name read without the marks of the letters the
// MRZ writes long (KÄRKKÄINEN as KARKKAINEN, KAERKKAEINEN in the MRZ) is
// no evidence either way: not the printed name, and no disagreement.
func TestMarksLostOnly(t *testing.T) {
	for _, tc := range []struct {
		field, visual, mrz string
		want               bool
	}{
		{FieldLastName, "KARKKAINEN", "KAERKKAEINEN", true},
		{FieldLastName, "KARKKAEINEN", "KAERKKAEINEN", true},
		{FieldLastName, "SORENSEN", "SOERENSEN", true},
		{FieldLastName, "AVARSDOTTIR", "AEVARSDOTTIR", true},
		{FieldLastName, "KAERKKAEINEN", "KAERKKAEINEN", false}, // read whole: evidence
		{FieldLastName, "KARKKAENEN", "KAERKKAEINEN", false},
		{FieldLastName, "MOLLER", "MUELLER", false},
		{FieldDocumentNumber, "AB12", "AEB12", false},
	} {
		if got := marksLostOnly(tc.field, tc.visual, tc.mrz); got != tc.want {
			t.Errorf("marksLostOnly(%s, %q, %q) = %v, want %v", tc.field, tc.visual, tc.mrz, got, tc.want)
		}
	}
}

// TestAgreementNotDoneWithoutComparisons: with an MRZ read and no field
// read confidently on both sources (a located name is none), the
// agreement check is reported not done, with why, rather than left out.
func TestAgreementNotDoneWithoutComparisons(t *testing.T) {
	m := parsedMRZ(t, mrz.StatusValid, "P<SVNZUPANCIC<<STEFAN<<<<<<<<<<<<<<<<<<<<<<<", "L898902C36SVN7408122F1204159ZE184226B<<<<<10")
	e := &Engine{opts: Options{Now: func() time.Time { return evalToday }}}
	for _, tc := range []struct {
		name string
		cmp  []checks.Comparison
		want checks.Status
	}{
		{"none compared", nil, checks.NotDone},
		{"one agreeing", []checks.Comparison{{Field: FieldLastName, Agree: true}}, checks.OK},
	} {
		var got *Check
		for _, c := range e.runChecks(nil, m, &Result{Fields: map[string]FieldReport{}}, tc.cmp) {
			if c.Name == checks.NameAgreement {
				got = &c
			}
		}
		if got == nil || got.Status != tc.want || tc.want == checks.NotDone && got.Reason == "" {
			t.Errorf("%s: agreement %+v, want %s", tc.name, got, tc.want)
		}
	}
}

// TestThornsRead: a P or B read where the MRZ writes TH is a thorn, on a
// document whose languages write Þ, when the rest agrees letter for
// letter; it then agrees, and is answered with the thorn.
func TestThornsRead(t *testing.T) {
	icelandic := &mrz.Result{Document: &mrz.Document{IssuingState: "ISL", Nationality: "ISL"}}
	norwegian := &mrz.Result{Document: &mrz.Document{IssuingState: "NOR", Nationality: "NOR"}}
	for _, tc := range []struct {
		visual, mrzName string
		m               *mrz.Result
		want            string // "": not read as thorns
	}{
		{"GUÐRUN PÓRA", "GUDRUN THORA", icelandic, "GUÐRUN ÞÓRA"},
		{"BORDARSON", "THORDARSON", icelandic, "ÞORDARSON"},
		{"PÓRA", "THORA", norwegian, ""},               // no Þ in Norwegian
		{"PÓRA", "THORA", nil, ""},                     // no MRZ
		{"PHOMAS", "THOMAS", icelandic, ""},            // the H is read too
		{"PÓRA", "PORA", icelandic, ""},                // agrees without
		{"GUÐRUN PÓRX", "GUDRUN THORA", icelandic, ""}, // another letter differs
	} {
		got, ok := thornsRead(tc.visual, tc.mrzName, tc.m)
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("thornsRead(%q, %q) = %q, want %q", tc.visual, tc.mrzName, got, tc.want)
		}
		if ok != agree(FieldFirstName, tc.visual, tc.mrzName, tc.m) && tc.want != "" {
			t.Errorf("agree(%q, %q) = %v, want %v", tc.visual, tc.mrzName, !ok, ok)
		}
	}
}

// TestThornReadAsPAgrees: an Icelandic given name read with its thorn as
// P agrees with the MRZ's TH, raises no alarm, and is answered with Þ.
func TestThornReadAsPAgrees(t *testing.T) {
	m := parsedMRZ(t, mrz.StatusValid, "P<ISLGUDMUNDSDOTTIR<<GUDRUN<THORA<<<<<<<<<<<", "A1234567<6ISL8501019F3001019<<<<<<<<<<<<<<00")
	given := typedb.Field{Name: FieldFirstName, Kind: typedb.KindName, Script: typedb.ScriptLatin}
	rd := fieldReading{Reading: vz.Reading{Name: given.Name, Value: "GUÐRUN PÓRA", Confidence: 92, Anchored: true, Captioned: true}, field: given}
	res, cmp := mergedOn(&typedb.Type{Generic: true}, m, rd)
	if res.FirstName != "GUÐRUN ÞÓRA" {
		t.Errorf("first name %q, want GUÐRUN ÞÓRA", res.FirstName)
	}
	for _, c := range cmp {
		if !c.Agree {
			t.Errorf("%s disagrees", c.Field)
		}
	}
}

// TestThinLetterLost: a name read with one I lost against the MRZ's (and
// at most one letter read as its look-alike) is no evidence; one that
// agrees, or that differs otherwise, is.
func TestThinLetterLost(t *testing.T) {
	for _, tc := range []struct {
		name, visual, mrz string
		want              bool
	}{
		{FieldLastName, "ЭБДРАХМАНОВА", "ABDIRAKHMANOVA", true}, // І lost, Ә read Э
		{FieldLastName, "ӘБДРАХМАНОВА", "ABDIRAKHMANOVA", true},
		{FieldLastName, "ERKSSON", "ERIKSSON", true},
		{FieldLastName, "ӘБДІРАХМАНОВА", "ABDIRAKHMANOVA", false}, // agrees
		{FieldLastName, "ERIKSON", "ERIKSSON", false},             // an S lost, not an I
		{FieldLastName, "ӘБДРАХМАНОВ", "ABDIRAKHMANOVA", false},   // more lost
		{FieldLastName, "ANDERSSON", "ERIKSSON", false},
		{FieldDateOfBirth, "12.08.1974", "12.08.1974", false},
	} {
		if got := thinLetterLost(tc.name, tc.visual, tc.mrz, nil); got != tc.want {
			t.Errorf("%s %q against %q: %v, want %v", tc.name, tc.visual, tc.mrz, got, tc.want)
		}
	}
}

// TestMarkedLetterMisread: on a document whose languages mark the MRZ's
// letter (Lithuanian Ū for U), a name read with that one letter as
// another is no evidence; another letter misread, two letters, or a
// state whose languages do not mark it, is.
func TestMarkedLetterMisread(t *testing.T) {
	mrzOf := func(state string) *mrz.Result {
		return &mrz.Result{Document: &mrz.Document{IssuingState: state, Nationality: state}}
	}
	for _, tc := range []struct {
		visual, fromMRZ, state string
		want                   bool
	}{
		{"ROTA", "RUTA", "LTU", true},  // RŪTA: its U read O
		{"RUTA", "RUTA", "LTU", false}, // agrees
		{"RUTO", "RUTA", "LTU", true},  // A: Ą
		{"RMTA", "RUTA", "LTU", true},
		{"ROTO", "RUTA", "LTU", false}, // two letters
		{"RUFA", "RUTA", "LTU", false}, // T is marked by no Lithuanian letter
		{"ROTA", "RUTA", "GBR", false}, // English marks nothing
	} {
		if got := markedLetterMisread(FieldFirstName, tc.visual, tc.fromMRZ, mrzOf(tc.state)); got != tc.want {
			t.Errorf("%q for %q (%s): %v, want %v", tc.visual, tc.fromMRZ, tc.state, got, tc.want)
		}
	}
}
