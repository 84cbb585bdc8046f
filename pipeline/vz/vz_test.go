package vz

import (
	"image"
	"strings"
	"testing"

	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

func TestNormalize(t *testing.T) {
	date := typedb.Field{Name: "date_of_birth", Kind: typedb.KindDate, Script: typedb.ScriptDigits}
	iin := typedb.Field{Name: "personal_number", Kind: typedb.KindNumber, Script: typedb.ScriptDigits}
	num := typedb.Field{Name: "document_number", Kind: typedb.KindNumber, Script: typedb.ScriptMixed}
	kzNum := typedb.Field{Name: "document_number", Kind: typedb.KindNumber, Script: typedb.ScriptDigits, Pattern: "^[0-9]{9}$"}
	kzPass := typedb.Field{Name: "document_number", Kind: typedb.KindNumber, Script: typedb.ScriptMixed, Pattern: "^N[0-9]{8}$"}
	name := typedb.Field{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptCyrillic}
	pat := typedb.Field{Name: "patronymic", Kind: typedb.KindName, Script: typedb.ScriptCyrillic}
	auth := typedb.Field{Name: "authority", Kind: typedb.KindText, Script: typedb.ScriptCyrillic}
	sex := typedb.Field{Name: "sex", Kind: typedb.KindSex, Script: typedb.ScriptCyrillic}
	pn := typedb.Field{Name: "personal_number", Kind: typedb.KindNumber, Script: typedb.ScriptMixed}
	place := typedb.Field{Name: "place_of_birth", Kind: typedb.KindText, Script: typedb.ScriptLatin}
	latinAuth := typedb.Field{Name: "authority", Kind: typedb.KindText, Script: typedb.ScriptLatin}
	latinName := typedb.Field{Name: "first_name", Kind: typedb.KindName, Script: typedb.ScriptLatin}
	for _, tc := range []struct {
		f       typedb.Field
		in, out string
		bad     bool
	}{
		{date, "01.10.1996", "01.10.1996", false},
		{date, "01101996", "01.10.1996", false},
		{date, " 29.02.2024.", "29.02.2024", false},
		{date, "29.02.2023", "", true},
		{date, "31.04.2020", "", true},
		{date, "1.10.1996", "", true},
		{date, "", "", true},
		{iin, "7609 0948 5918", "760909485918", false},
		{num, "ab 12345o", "AB12345O", false},
		{num, "", "", true},
		// a number of a set length: a digit gained or lost is no value
		{kzNum, "082 994 528", "082994528", false},
		{kzNum, "0082994528", "", true},
		{kzNum, "08299452", "", true},
		{kzPass, "N07126802", "N07126802", false},
		{kzPass, "07126802", "", true},
		{name, "BACИЛЬEBA", "ВАСИЛЬЕВА", false}, // Latin look-alikes inside Cyrillic
		{name, " ӘБЕНОВ- ", "ӘБЕНОВ", false},
		{name, "...", "", true},
		// a Й whose breve OCR lost, at a word's end after a vowel
		{name, "ДМИТРИИ", "ДМИТРИЙ", false},
		{name, "СЕРГЕИ АНДРЕИ", "СЕРГЕЙ АНДРЕЙ", false},
		{name, "ТОЛСТОИ-ЛИХОИ", "ТОЛСТОЙ-ЛИХОЙ", false},
		{name, "ИЛИЯ", "ИЛИЯ", false}, // not at a word's end
		{name, "ЛИ", "ЛИ", false},     // not after a vowel
		{pat, "ДЭУЛЕТКЫЗЫ", "ДӘУЛЕТҚЫЗЫ", false},
		{pat, "СЕРІКУЛЫ", "СЕРІКҰЛЫ", false},
		{pat, "НИКОЛАЕВНА", "НИКОЛАЕВНА", false},
		{pat, "ЭДУАРДОВИЧ", "ЭДУАРДОВИЧ", false},
		{auth, "ҚР  ІІМ", "ҚР ІІМ", false},
		// another field's number run on into the text is not the text's;
		// its own short numbers are
		{latinAuth, "DEPARTMENT OF HOME AFFAIRS 8801230127089", "DEPARTMENT OF HOME AFFAIRS", false},
		{latinAuth, "PU 1 ZAGREB 12345678 0042", "PU 1 ZAGREB 12345678 0042", false},
		{latinAuth, "UFMS 770-001", "UFMS 770-001", false},
		{latinAuth, "POLICE 75008", "POLICE 75008", false},
		{latinAuth, "12345678 9012345", "12345678 9012345", false},
		{place, "PARIS 1234567", "PARIS", false},
		// an apostrophe between letters is the name's; others are specks
		{latinName, "O'CONNOR", "O'CONNOR", false},
		{latinName, "D’ANGELO", "D'ANGELO", false},
		{latinName, "'ANNA MARIA'", "ANNA MARIA", false},
		{latinName, "ANNA' MARIA", "ANNA MARIA", false},
		{place, "L'AQUILA", "L'AQUILA", false},
		{name, "Д'АРТАНЬЯН", "Д АРТАНЬЯН", false}, // Cyrillic names have none
		// a date cut under a number's caption is no number
		{num, "14 10 2022", "", true},
		{num, "03.03.2031", "", true},
		{num, "20 MAY 95", "", true},
		{num, "9FR456721", "9FR456721", false},
		{num, "AB 123456", "AB123456", false},
		{kzNum, "140 102 022", "140102022", false},
		// a Latin personal number keeps its separators, a document number not
		{pn, "19940111-01234", "19940111-01234", false},
		{pn, "-19940111-01234-", "19940111-01234", false},
		{pn, "856208/1231", "856208/1231", false},
		{pn, "92.02.29-148.55", "92.02.29-148.55", false},
		{pn, ".856208//1231.", "856208/1231", false},
		{pn, "8562-/1231", "8562/1231", false},
		{pn, "/", "", true},
		{num, "AB-1234567", "AB1234567", false},
		// brackets and abbreviations of a Latin free text
		{place, "LYON (69)", "LYON (69)", false},
		{place, "MILANO (MI)", "MILANO (MI)", false},
		{place, "TEXAS, U.S.A.", "TEXAS, U.S.A.", false},
		{place, "ST. PETERSBURG.", "ST. PETERSBURG", false},
		{place, "LYON (69", "LYON 69", false},
		{latinName, "HO)ANSSON", "HOJANSSON", false},
		{sex, "ЕР / М", "M", false},
		{sex, "ӘЙЕЛ / Ж", "F", false},
		{sex, "F", "F", false},
		{sex, "?", "", true},
	} {
		got, err := Normalize(tc.f, tc.in)
		if (err != nil) != tc.bad || got != tc.out {
			t.Errorf("Normalize(%s, %q) = %q, %v; want %q (error %v)", tc.f.Name, tc.in, got, err, tc.out, tc.bad)
		}
	}
}

func TestSnapToValue(t *testing.T) {
	values := []string{"ҚР ІІМ", "ҚР ӘМ", "МВД РК", "МЮ РК"}
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"КР ИМ", "ҚР ІІМ", true},  // ІІ read as И, Қ as К
		{"КРІІМ", "ҚР ІІМ", true},  // space lost
		{"КР ЭМ", "ҚР ӘМ", true},   // Ә read as Э
		{"МВД РК", "МВД РК", true}, // exact
		{"ГУВД АЛМАТЫ", "ГУВД АЛМАТЫ", false},
		{"", "", false},
	} {
		got, ok := snapToValue(values, tc.in)
		if got != tc.out || ok != tc.ok {
			t.Errorf("snapToValue(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.out, tc.ok)
		}
	}
	if got, ok := snapToValue(nil, "КР ИМ"); ok || got != "КР ИМ" {
		t.Errorf("a field without values snapped: %q", got)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"01.10.1996", "ҚР ІІМ", "ЕР / М", "7609 0948 5918", "ДЭУЛЕТКЫЗЫ", "\xff\xfe", ""} {
		f.Add(s)
	}
	fields := []typedb.Field{
		{Name: "date_of_birth", Kind: typedb.KindDate},
		{Name: "personal_number", Kind: typedb.KindNumber, Script: typedb.ScriptDigits},
		{Name: "document_number", Kind: typedb.KindNumber, Script: typedb.ScriptMixed},
		{Name: "patronymic", Kind: typedb.KindName, Script: typedb.ScriptCyrillic},
		{Name: "authority", Kind: typedb.KindText, Script: typedb.ScriptLatin},
		{Name: "sex", Kind: typedb.KindSex},
	}
	values := []string{"MIA", "MOJ"}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fd := range fields {
			v, err := Normalize(fd, s)
			if err == nil && fd.Kind == typedb.KindDate {
				if _, err := NormalizeDate(v); err != nil {
					t.Errorf("normalised date %q does not normalise again: %v", v, err)
				}
			}
			snapToValue(values, v)
		}
	})
}

// TestSpansTwoLines: a cut at least twice its zone's height holds a
// second line; one a margin taller than the zone does not.
func TestSpansTwoLines(t *testing.T) {
	side := image.Rect(0, 0, 1500, 1000)
	f := typedb.Field{Name: "last_name", Kind: typedb.KindName, Zone: typedb.Rect{0.3, 0.2, 0.9, 0.25}} // 50 px
	for _, tc := range []struct {
		box  image.Rectangle
		want bool
	}{
		{image.Rect(450, 195, 1300, 255), false}, // the line and its margins
		{image.Rect(450, 195, 1300, 270), false},
		{image.Rect(450, 195, 1300, 295), true}, // down into the next label
		{image.Rect(450, 190, 1300, 330), true},
	} {
		if got := spansTwoLines(tc.box, f, side); got != tc.want {
			t.Errorf("cut %v of a 50 px zone: spans two lines %v, want %v", tc.box, got, tc.want)
		}
	}
	if spansTwoLines(image.Rect(0, 0, 100, 400), typedb.Field{Name: "place_of_birth"}, side) {
		t.Error("a field with no zone (found by its caption) has no line height to go by")
	}
}

// TestSplitAsRead: a free text takes the Latin reading's word breaks
// where it spells the English reading's letters with more of them, each
// word two letters or more; any other difference keeps the English
// reading.
func TestSplitAsRead(t *testing.T) {
	for _, tc := range []struct {
		plain, latin, want string // want "": not ok
	}{
		{"MUPRS", "MUP RS", "MUP RS"},
		{"PU SPLITSKODALMATINSKA", "PU SPLITSKO DALMATINSKA", "PU SPLITSKO DALMATINSKA"},
		{"MUP RS", "MUP RS", ""},                  // no break more
		{"MUPRS", "MUP R S", ""},                  // a one-letter word
		{"MUPRS", "MUP RB", ""},                   // another letter
		{"BUNDESDRUCKEREI", "BUNDESDRUCKERE", ""}, // a letter less
	} {
		got, ok := splitAsRead(tc.plain, tc.latin)
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("splitAsRead(%q, %q) = %q, %v; want %q", tc.plain, tc.latin, got, ok, tc.want)
		}
	}
}

// TestSameLettersBut: the Latin model's reading spells the English
// model's letters but for its marked letters, each standing for up to
// two letters or none; other letters are another reading.
func TestSameLettersBut(t *testing.T) {
	for _, tc := range []struct {
		plain, latin string
		same         bool
	}{
		{"MIGRACIJOS DEPARTAMENTAS", "MIGRACIJOS DEPARTAMENTAS", true},
		{"AUSLANDER- UND PASSAMT", "AUSLÄNDER- UND PASSAMT", true},
		{"K BENHAVNS KOMMUNE", "KØBENHAVNS KOMMUNE", true},
		{"AEVARSDOTTIR", "ÆVARSDÓTTIR", true},
		{"MUPRS", "MUP RS", true},
		{"MIGRACUOS DEPARTAMENTAS", "MIGRACIJOS DEPARTAMENTAS", false},
		{"NEDARTMENT OF HOME APPARRE", "DEPARTMENT OF HOME AFFAIRS", false},
		{"LIEGE", "LIÈGÉS", false},
	} {
		if got := sameLettersBut(tc.plain, tc.latin); got != tc.same {
			t.Errorf("sameLettersBut(%q, %q) = %v, want %v", tc.plain, tc.latin, got, tc.same)
		}
	}
}

// TestFirstWords: the Latin reading's words beyond the English reading's
// are dropped; a reading with no words keeps them all.
func TestFirstWords(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"IBÁNEZ G", 1, "IBÁNEZ"},
		{"MUP RS", 2, "MUP RS"},
		{"MUP RS", 0, "MUP RS"},
	} {
		if got := firstWords(tc.s, tc.n); got != tc.want {
			t.Errorf("firstWords(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// TestUndoubledMarks: of two neighbouring letters that are one letter
// with two different marks, the surer stays; a letter doubled with one
// mark, or a word whose symbols do not spell it, stays as read.
func TestUndoubledMarks(t *testing.T) {
	word := func(text string, syms ...any) ocr.Word {
		w := ocr.Word{Text: text}
		for i := 0; i < len(syms); i += 2 {
			w.Symbols = append(w.Symbols, ocr.Symbol{Text: syms[i].(string), Confidence: syms[i+1].(float64)})
		}
		return w
	}
	for _, tc := range []struct {
		in   ocr.Word
		want string
	}{
		{word("RŪÜTA", "R", 99.0, "Ū", 96.0, "Ü", 88.0, "T", 99.0, "A", 99.0), "RŪTA"},
		{word("CĂĀTĀLINA", "C", 99.0, "Ă", 80.0, "Ā", 92.0, "T", 99.0, "Ā", 95.0, "L", 99.0, "I", 99.0, "N", 99.0, "A", 99.0), "CĀTĀLINA"},
		{word("MÄÄTTÄ", "M", 99.0, "Ä", 99.0, "Ä", 99.0, "T", 99.0, "T", 99.0, "Ä", 99.0), "MÄÄTTÄ"},
		{word("ÖÜ", "Ö", 99.0, "Ü", 99.0), "ÖÜ"},
		{word("ÞPÓRA", "Þ", 95.0, "P", 99.0, "Ó", 99.0, "R", 99.0, "A", 99.0), "ÞÓRA"},
		{word("KØOBENHAVNS", "K", 99.0, "Ø", 90.0, "O", 95.0, "B", 99.0, "E", 99.0, "N", 99.0, "H", 99.0, "A", 99.0, "V", 99.0, "N", 99.0, "S", 99.0), "KØBENHAVNS"},
		{word("BÞ", "B", 99.0, "Þ", 60.0), "Þ"},
		{word("ÞR", "Þ", 99.0, "R", 99.0), "ÞR"},
		{word("RŪÜTA"), "RŪÜTA"},
	} {
		got := undoubledMarks(tc.in)
		var spelt strings.Builder
		for _, s := range got.Symbols {
			spelt.WriteString(s.Text)
		}
		if got.Text != tc.want || len(got.Symbols) > 0 && spelt.String() != got.Text {
			t.Errorf("undoubledMarks(%q) = %q (symbols %q), want %q", tc.in.Text, got.Text, spelt.String(), tc.want)
		}
	}
}
