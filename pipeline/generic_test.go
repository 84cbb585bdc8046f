package pipeline

import (
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/typedb"
)

// TestGenericDocumentType: a generic type's document_type is filled from
// its MRZ — the state as read, the kind from the document code, the
// format — and a zone that is not ICAO's (the French ID of 1988, which
// the generic TD2 type stands for) is named as what it is.
func TestGenericDocumentType(t *testing.T) {
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		lines    []string
		status   mrz.Status
		wantName string
		wantFmt  int
		wantCode string
	}{
		{"TD2 of a known state", []string{"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"}, mrz.StatusValid,
			"Utopia (ICAO specimen) - Identity Card (ICAO TD2)", 1, "UTO"},
		{"French ID of 1988", []string{"IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<", "9409923102854CORINNE<<<<<<<6512068F4"}, mrz.StatusValid,
			"France - Identity Card (FRA_ID_1988, not ICAO)", 1, "FRA"},
		{"Russian internal passport", []string{"PNRUS3ERNY42V<<7LI8<6DUARDOVNA<<<<<<<<<<<<<<", "1234567897RUS8503150F<<<<<<<1150101770012<86"}, mrz.StatusValid,
			"Russian Federation - Internal Passport (RUS_INTERNAL_PASSPORT, ICAO TD3 layout)", 2, "RUS"},
		{"TD3 passport", []string{"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"}, mrz.StatusValid,
			"Utopia (ICAO specimen) - Passport (ICAO TD3)", 2, "UTO"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := mrz.ParseAt(tc.lines, now)
			if err != nil {
				t.Fatal(err)
			}
			m := &mrz.Result{Document: d, Status: tc.status, Confidence: 0.95}
			var dt typedb.DocumentType
			got := genericDocumentType(dt, typedb.Front, m)
			if got.DocumentName != tc.wantName || got.FDSIDList.DFormat != tc.wantFmt || got.FDSIDList.ICAOCode != tc.wantCode {
				t.Errorf("got %q format %d code %q, want %q %d %q", got.DocumentName, got.FDSIDList.DFormat, got.FDSIDList.ICAOCode, tc.wantName, tc.wantFmt, tc.wantCode)
			}
		})
	}
}
