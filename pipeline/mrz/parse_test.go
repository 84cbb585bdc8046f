package mrz

import (
	"encoding/json"
	"errors"
	"github.com/docscan/docscan/pipeline/mrz/internal/evaldata"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// ICAO 9303 specimens (parts 4, 5, 6 and 7) and the French ID of
// image-js/mrz-detection.
var (
	specTD3 = []string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	}
	specTD2 = []string{
		"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
		"D231458907UTO7408122F1204159<<<<<<<6",
	}
	specTD1 = []string{
		"I<UTOD231458907<<<<<<<<<<<<<<<",
		"7408122F1204159UTO<<<<<<<<<<<6",
		"ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
	}
	specTD1Long = []string{
		"I<UTOD23145890<7349<<<<<<<<<<<",
		"3407127M9507122UTO<<<<<<<<<<<2",
		"STEVENSON<<PETER<JOHN<<<<<<<<<",
	}
	specMRVA = []string{
		"VIUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
	}
	specMRVB = []string{
		"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
		"L8988901C4XXX4009078F9612109<<<<<<<<",
	}
	specFrench = []string{
		"IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
		"9409923102854CORINNE<<<<<<<6512068F4",
	}
)

func TestParseSpecimens(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  Document
	}{
		{"TD3", specTD3, Document{
			Format: TD3, DocumentCode: "P", IssuingState: "UTO", DocumentNumber: "L898902C3",
			Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Nationality: "UTO",
			BirthDate: Date{1974, 8, 12}, Sex: "F", ExpiryDate: Date{2012, 4, 15}, OptionalData: "ZE184226B", PersonalNumber: "ZE184226B",
			Checks: map[string]bool{CheckDocumentNumber: true, CheckDateOfBirth: true, CheckDateOfExpiry: true, CheckOptionalData: true, CheckComposite: true},
		}},
		{"TD2", specTD2, Document{
			Format: TD2, DocumentCode: "I", IssuingState: "UTO", DocumentNumber: "D23145890",
			Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Nationality: "UTO",
			BirthDate: Date{1974, 8, 12}, Sex: "F", ExpiryDate: Date{2012, 4, 15},
			Checks: map[string]bool{CheckDocumentNumber: true, CheckDateOfBirth: true, CheckDateOfExpiry: true, CheckComposite: true},
		}},
		{"TD1", specTD1, Document{
			Format: TD1, DocumentCode: "I", IssuingState: "UTO", DocumentNumber: "D23145890",
			Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Nationality: "UTO",
			BirthDate: Date{1974, 8, 12}, Sex: "F", ExpiryDate: Date{2012, 4, 15},
			Checks: map[string]bool{CheckDocumentNumber: true, CheckDateOfBirth: true, CheckDateOfExpiry: true, CheckComposite: true},
		}},
		{"TD1 long document number", specTD1Long, Document{
			Format: TD1, DocumentCode: "I", IssuingState: "UTO", DocumentNumber: "D23145890734",
			Surname: "STEVENSON", GivenNames: "PETER JOHN", Nationality: "UTO",
			BirthDate: Date{1934, 7, 12}, Sex: "M", ExpiryDate: Date{1995, 7, 12},
			Checks: map[string]bool{CheckDocumentNumber: true, CheckDateOfBirth: true, CheckDateOfExpiry: true, CheckComposite: true},
		}},
		{"TD2 long document number", []string{specTD2[0], "D23145890<UTO7408122F12041597349<<<2"}, Document{
			Format: TD2, DocumentCode: "I", IssuingState: "UTO", DocumentNumber: "D23145890734",
			Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Nationality: "UTO",
			BirthDate: Date{1974, 8, 12}, Sex: "F", ExpiryDate: Date{2012, 4, 15},
			Checks: map[string]bool{CheckDocumentNumber: true, CheckDateOfBirth: true, CheckDateOfExpiry: true, CheckComposite: true},
		}},
		{"MRV-A", specMRVA, Document{
			Format: MRVA, DocumentCode: "VI", IssuingState: "UTO", DocumentNumber: "L8988901C",
			Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Nationality: "XXX",
			BirthDate: Date{1940, 9, 7}, Sex: "F", ExpiryDate: Date{1996, 12, 10}, OptionalData: "6ZE184226B",
			Checks: map[string]bool{CheckDocumentNumber: true, CheckDateOfBirth: true, CheckDateOfExpiry: true},
		}},
		{"MRV-B", specMRVB, Document{
			Format: MRVB, DocumentCode: "V", IssuingState: "UTO", DocumentNumber: "L8988901C",
			Surname: "ERIKSSON", GivenNames: "ANNA MARIA", Nationality: "XXX",
			BirthDate: Date{1940, 9, 7}, Sex: "F", ExpiryDate: Date{1996, 12, 10},
			Checks: map[string]bool{CheckDocumentNumber: true, CheckDateOfBirth: true, CheckDateOfExpiry: true},
		}},
		{"French ID", specFrench, Document{
			Format: FrenchID, Variant: VariantFrenchID, DocumentCode: "ID", IssuingState: "FRA", DocumentNumber: "940992310285",
			Surname: "BERTHIER", GivenNames: "CORINNE", Nationality: "FRA",
			BirthDate: Date{1965, 12, 6}, Sex: "F",
			Checks: map[string]bool{CheckDocumentNumber: true, CheckDateOfBirth: true, CheckComposite: true},
		}},
		{"German TD1 with D and a filler sex", []string{
			"IDD<<T220001293<<<<<<<<<<<<<<<",
			"6408125<2010315D<<<<<<<<<<<<<4",
			"MUSTERMANN<<ERIKA<<<<<<<<<<<<<",
		}, Document{
			Format: TD1, DocumentCode: "ID", IssuingState: "D", DocumentNumber: "T22000129",
			Surname: "MUSTERMANN", GivenNames: "ERIKA", Nationality: "D",
			BirthDate: Date{1964, 8, 12}, ExpiryDate: Date{2020, 10, 31},
			Checks: map[string]bool{CheckDocumentNumber: true, CheckDateOfBirth: true, CheckDateOfExpiry: true, CheckComposite: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAt(tt.lines, testNow)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Lines = tt.lines
			want.Valid = true
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("got  %+v\nwant %+v", *got, want)
			}
		})
	}
}

// TestParseInvalidVariants changes one printed character of a specimen
// and expects exactly the checks covering it to fail.
func TestParseInvalidVariants(t *testing.T) {
	tests := []struct {
		name       string
		lines      []string
		line, pos  int
		to         byte
		wantFailed []string
	}{
		{"TD3 document number", specTD3, 1, 3, '3', []string{CheckDocumentNumber, CheckComposite}},
		{"TD3 document number check digit", specTD3, 1, 9, '5', []string{CheckDocumentNumber, CheckComposite}},
		{"TD3 birth date", specTD3, 1, 14, '5', []string{CheckDateOfBirth, CheckComposite}},
		{"TD3 expiry date", specTD3, 1, 26, '6', []string{CheckDateOfExpiry, CheckComposite}},
		{"TD3 personal number", specTD3, 1, 30, 'F', []string{CheckOptionalData, CheckComposite}},
		{"TD3 composite", specTD3, 1, 43, '1', []string{CheckComposite}},
		{"TD3 name is not checked", specTD3, 0, 8, 'X', nil},
		{"TD2 expiry", specTD2, 1, 21, '2', []string{CheckDateOfExpiry, CheckComposite}},
		{"TD1 optional data is in the composite only", specTD1, 0, 20, '7', []string{CheckComposite}},
		{"TD1 long number continuation", specTD1Long, 0, 16, '4', []string{CheckDocumentNumber, CheckComposite}},
		{"TD1 long number check digit", specTD1Long, 0, 18, '8', []string{CheckDocumentNumber, CheckComposite}},
		{"TD1 long number without its filler check position", specTD1Long, 0, 14, '3', []string{CheckDocumentNumber, CheckComposite}},
		{"MRV-A birth date", specMRVA, 1, 15, '1', []string{CheckDateOfBirth}},
		{"MRV-B document number", specMRVB, 1, 0, 'M', []string{CheckDocumentNumber}},
		{"French ID document number", specFrench, 1, 5, '0', []string{CheckDocumentNumber, CheckComposite}},
		{"French ID surname is in the composite", specFrench, 0, 7, 'X', []string{CheckComposite}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := append([]string(nil), tt.lines...)
			b := []byte(lines[tt.line])
			if b[tt.pos] == tt.to {
				t.Fatalf("variant does not change position %d", tt.pos)
			}
			b[tt.pos] = tt.to
			lines[tt.line] = string(b)
			d, err := ParseAt(lines, testNow)
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, name := range []string{CheckDocumentNumber, CheckDateOfBirth, CheckDateOfExpiry, CheckOptionalData, CheckComposite} {
				if ok, has := d.Checks[name]; has && !ok {
					failed = append(failed, name)
				}
			}
			if !reflect.DeepEqual(failed, tt.wantFailed) {
				t.Errorf("failed checks %v, want %v", failed, tt.wantFailed)
			}
			if d.Valid != (len(tt.wantFailed) == 0) {
				t.Errorf("Valid = %v with failed checks %v", d.Valid, failed)
			}
			if !reflect.DeepEqual(d.Lines, lines) {
				t.Errorf("lines not reported as printed: %q", d.Lines)
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name      string
		lines     []string
		wantField string
	}{
		{"month 13", []string{specTD3[0], "L898902C36UTO7413122F1204159ZE184226B<<<<<10"}, fieldDateOfBirth},
		{"30 February", []string{specTD3[0], "L898902C36UTO7402302F1204159ZE184226B<<<<<10"}, fieldDateOfBirth},
		{"letter in a date", []string{specTD3[0], "L898902C36UTO74O8122F1204159ZE184226B<<<<<10"}, fieldDateOfBirth},
		{"sex", []string{specTD3[0], "L898902C36UTO7408122Q1204159ZE184226B<<<<<10"}, fieldSex},
		{"lower case", []string{"P<UTOERiKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", specTD3[1]}, fieldNames},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseAt(tt.lines, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if d.Valid {
				t.Error("Valid = true")
			}
			found := false
			for _, p := range d.Problems {
				found = found || p.Field == tt.wantField
			}
			if !found {
				t.Errorf("no problem with %s in %v", tt.wantField, d.Problems)
			}
		})
	}
}

func TestParseWarnings(t *testing.T) {
	d, err := ParseAt([]string{"P<UT0ERIKSS0N<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", specTD3[1]}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Valid || len(d.Warnings) != 2 || d.Warnings[0].Field != fieldIssuingState || d.Warnings[1].Field != fieldNames {
		t.Errorf("valid %v, warnings %v", d.Valid, d.Warnings)
	}
}

func TestParseShapeErrors(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
	}{
		{"none", nil},
		{"one line", specTD3[:1]},
		{"ragged", []string{specTD3[0], specTD3[1][:43]}},
		{"4x30", append(append([]string(nil), specTD1...), specTD1[0])},
		{"2x30", specTD1[:2]},
		{"multibyte", []string{"IDESPAAA1000014<00000023T<<<<<", "7212018F1101236ESP<<<<<<<<<<<8", "ESPAÑOLA<ESPAÑOLA<CARMEN<<<<<<"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseAt(tt.lines, testNow)
			if !errors.Is(err, ErrFormat) || d != nil {
				t.Errorf("got %v, %v; want ErrFormat", d, err)
			}
		})
	}
}

func TestCentury(t *testing.T) {
	tests := []struct {
		yymmdd string
		expiry bool
		want   int
	}{
		{"250601", false, 2025}, // born today
		{"250602", false, 1925}, // tomorrow: not born yet, so a century ago
		{"001231", false, 2000},
		{"991231", false, 1999},
		{"750101", true, 2075},
		{"760101", true, 1976},
		{"300101", true, 2030},
	}
	for _, tt := range tests {
		d := &Document{}
		got := d.parseDate("date", tt.yymmdd, testNow, tt.expiry)
		if got.Year != tt.want || len(d.Problems) != 0 {
			t.Errorf("%s expiry=%v: year %d (%v), want %d", tt.yymmdd, tt.expiry, got.Year, d.Problems, tt.want)
		}
	}
}

func TestDateUnknownParts(t *testing.T) {
	d := &Document{}
	got := d.parseDate("date", "64<<<<", testNow, false)
	if got != (Date{1964, 0, 0}) || got.Complete() || got.DMY() != "" || len(d.Problems) != 0 {
		t.Errorf("got %v %v", got, d.Problems)
	}
	if got := (Date{1974, 8, 12}).DMY(); got != "12.08.1974" {
		t.Errorf("DMY = %q", got)
	}
}

func TestCodes(t *testing.T) {
	for code, want := range map[string]string{"D": "DE", "UTO": "", "FRA": "FR", "GBD": "GB", "XXA": ""} {
		if !KnownCode(code) || Alpha2(code) != want {
			t.Errorf("%s: known %v alpha-2 %q, want %q", code, KnownCode(code), Alpha2(code), want)
		}
	}
	if KnownCode("QQQ") || Alpha2("QQQ") != "" {
		t.Error("QQQ is known")
	}
}

// TestParseEvalGroundTruth parses the transcribed ground truth of the
// evaluation set and compares validity with what the transcriber found.
func TestParseEvalGroundTruth(t *testing.T) {
	dir := evalDir(t)
	for _, sub := range []string{"passporteye", "imagejs"} {
		gt := loadGroundTruth(t, filepath.Join(dir, sub))
		for name, e := range gt {
			if e.MRZ == nil || !icaoAlphabet(e.MRZ) {
				continue
			}
			d, err := ParseAt(e.MRZ, testNow)
			if err != nil {
				t.Errorf("%s/%s: %v", sub, name, err)
				continue
			}
			if e.Format != "" && !strings.HasPrefix(e.Format, "FRENCH") && d.Format.String() != e.Format {
				t.Errorf("%s/%s: format %v, want %s", sub, name, d.Format, e.Format)
			}
			if e.CheckDigitsValid != nil && d.Valid != *e.CheckDigitsValid {
				t.Errorf("%s/%s: valid %v, want %v (%v %v)", sub, name, d.Valid, *e.CheckDigitsValid, d.Checks, d.Problems)
			}
		}
	}
}

// groundTruth is one entry of the evaluation set's ground_truth.json.
type groundTruth struct {
	MRZ              []string `json:"mrz"`
	Format           string   `json:"format"`
	CheckDigitsValid *bool    `json:"check_digits_valid"`
	Note             string   `json:"note"`
}

// evalDir returns the evaluation set's folder or skips the test.
func evalDir(t testing.TB) string {
	t.Helper()
	dir, err := evaldata.Dir()
	if err != nil {
		t.Skipf("evaluation set not found: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "passporteye", "ground_truth.json")); err != nil {
		t.Skipf("evaluation set incomplete at %s (set %s): %v", dir, evaldata.Env, err)
	}
	return dir
}

func loadGroundTruth(t testing.TB, dir string) map[string]groundTruth {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "ground_truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var gt map[string]groundTruth
	if err := json.Unmarshal(b, &gt); err != nil {
		t.Fatal(err)
	}
	return gt
}

func icaoAlphabet(lines []string) bool {
	for _, l := range lines {
		for i := 0; i < len(l); i++ {
			if _, ok := charValue(l[i]); !ok {
				return false
			}
		}
	}
	return true
}
