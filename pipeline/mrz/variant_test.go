package mrz

import (
	"context"
	"slices"
	"testing"

	"github.com/docscan/docscan/pipeline/mrz/internal/mrztest"
)

// specRUInternal is a Russian internal passport's zone built for the
// tests: ЧЕРНЫШЁВ ЮЛИЯ ЭДУАРДОВНА, no expiry date.
var specRUInternal = []string{
	"PNRUS3ERNY42V<<7LI8<6DUARDOVNA<<<<<<<<<<<<<<",
	"1234567897RUS8503150F<<<<<<<1150101770012<86",
}

func TestParseVariants(t *testing.T) {
	tests := []struct {
		name                 string
		lines                []string
		variant              string
		surname, given       string
		surnameNat, givenNat string
	}{
		{"Russian internal passport", specRUInternal, VariantRussianInternal, "3ERNY42V", "7LI8 6DUARDOVNA", "ЧЕРНЫШЁВ", "ЮЛИЯ ЭДУАРДОВНА"},
		{"French ID 1988", specFrench, VariantFrenchID, "BERTHIER", "CORINNE", "", ""},
		{"plain TD3", specTD3, "", "ERIKSSON", "ANNA MARIA", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseAt(tt.lines, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Valid {
				t.Errorf("not valid: %v %v", d.Checks, d.Problems)
			}
			if d.Variant != tt.variant || d.Surname != tt.surname || d.GivenNames != tt.given ||
				d.SurnameNational != tt.surnameNat || d.GivenNamesNational != tt.givenNat {
				t.Errorf("variant %q names %q %q national %q %q", d.Variant, d.Surname, d.GivenNames, d.SurnameNational, d.GivenNamesNational)
			}
			if tt.variant == VariantRussianInternal {
				if d.ExpiryDate != (Date{}) || len(d.Warnings) != 0 {
					t.Errorf("expiry %+v warnings %v, want none", d.ExpiryDate, d.Warnings)
				}
			}
		})
	}
}

// TestCorrectRussianInternalKeepsDigitNames: the digits of its names stand
// for letters and are not turned into look-alike letters.
func TestCorrectRussianInternalKeepsDigitNames(t *testing.T) {
	d, fixes, err := Correct(reading(specRUInternal, nil), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Lines, specRUInternal) || len(fixes) != 0 || !d.Valid {
		t.Errorf("lines %q fixes %v valid %v", d.Lines, fixes, d.Valid)
	}
}

// TestReadRussianInternalRendered reads a rendered Russian internal
// passport zone, slightly skewed and compressed.
func TestReadRussianInternalRendered(t *testing.T) {
	f := loadFonts(t)
	e := newTestEngine(t)
	img, _, err := mrztest.Scene{Lines: specRUInternal, Rotate: 3, JPEG: 60, Noise: 4, Seed: 11}.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Read(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Lines, specRUInternal) || res.Status != StatusValid || res.Variant != VariantRussianInternal || res.SurnameNational != "ЧЕРНЫШЁВ" {
		t.Errorf("lines %q status %s (%s) variant %q surname %q", res.Lines, res.Status, res.Reason, res.Variant, res.SurnameNational)
	}
}
