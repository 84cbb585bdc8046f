package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/typedb"
)

// sharedDir is ../shared beside the repository root, or $DOCSCAN_SHARED.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("DOCSCAN_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "eval")); err != nil {
		t.Skipf("shared data not found at %s (set DOCSCAN_SHARED): %v", dir, err)
	}
	return dir
}

// TestRealMRZSidesAreFound: every real scan and photo of the MRZ sets
// whose MRZ is an ICAO format printed in its alphabet is recognised (never
// refused), with its MRZ read:
// cropped at the page's edge, booklet spreads, light pages on light
// backgrounds, turned a quarter. The MRZ anchors the page where the
// outline does not. (The visual zone is not read: no Tesseract.)
func TestRealMRZSidesAreFound(t *testing.T) {
	root := filepath.Join(sharedDir(t), "eval", "mrz")
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := pipeline.New(db, nil, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	found, exact, unsure, n := 0, 0, 0, 0
	var wrongValid []string
	for _, set := range []string{"passporteye", "imagejs"} {
		b, err := os.ReadFile(filepath.Join(root, set, "ground_truth.json"))
		if err != nil {
			continue
		}
		var gt map[string]struct {
			MRZ              []string `json:"mrz"`
			Format           string   `json:"format"`
			CheckDigitsValid *bool    `json:"check_digits_valid"`
		}
		if err := json.Unmarshal(b, &gt); err != nil {
			t.Fatal(err)
		}
		names := make([]string, 0, len(gt))
		for name, g := range gt {
			// ICAO formats only: a national one (the old French ID) has
			// no type to be taken as
			if icaoAlphabet(g.MRZ) && (strings.HasPrefix(g.Format, "TD") || strings.HasPrefix(g.Format, "MRV")) {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			n++
			img, err := loadImage(filepath.Join(root, set, name))
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.Recognize(context.Background(), pipeline.Input{Front: &pipeline.SideInput{White: img}})
			switch {
			case err != nil:
				t.Errorf("%s/%s: refused: %v", set, name, err)
				continue
			case res.MRZ == nil && res.MRZReason == "":
				t.Errorf("%s/%s: no MRZ and no reason", set, name)
				continue
			case res.MRZ == nil:
				// read unsurely: an honest "could not read", not a refusal
				unsure++
				continue
			}
			found++
			if res.MRZ.Status == "valid" {
				checkGenericType(t, set+"/"+name, res)
			}
			if strings.Join(res.MRZ.Lines, "\n") == strings.Join(gt[name].MRZ, "\n") {
				exact++
			} else if res.MRZ.Status == "valid" && len(gt[name].MRZ) > 0 && gt[name].CheckDigitsValid != nil && *gt[name].CheckDigitsValid {
				wrongValid = append(wrongValid, set+"/"+name)
			}
		}
	}
	t.Logf("real images: %d of %d sides with an ICAO MRZ read, %d exactly, %d read unsurely (mrz null with a reason), none refused", found, n, exact, unsure)
	// A wrong MRZ reported valid is what fraud hides behind (issue 13).
	for _, name := range wrongValid {
		t.Logf("%s: an MRZ read wrong yet reported valid", name)
	}
}

func icaoAlphabet(lines []string) bool {
	for _, l := range lines {
		for _, r := range l {
			if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '<') {
				return false
			}
		}
	}
	return len(lines) > 0
}

// checkGenericType holds issue 12's first rule on a side whose MRZ reads
// valid: a generic type takes the issuing state, its name and the kind
// from the MRZ, country_code is the state's alpha-2, and the top-level
// document number is the MRZ's.
func checkGenericType(t *testing.T, name string, res *pipeline.Result) {
	t.Helper()
	dt := res.DocumentType.Frontside
	if dt == nil {
		t.Errorf("%s: valid MRZ but no document_type", name)
		return
	}
	doc, err := mrz.Parse(res.MRZ.Lines)
	if err != nil {
		t.Errorf("%s: the answer's MRZ does not parse: %v", name, err)
		return
	}
	if dt.FDSIDList.ICAOCode != doc.IssuingState {
		t.Errorf("%s: icao_code %q, the MRZ says %q", name, dt.FDSIDList.ICAOCode, doc.IssuingState)
	}
	if cn, ok := typedb.CountryName(doc.IssuingState); ok {
		if dt.FDSIDList.DCountryName != cn || !strings.HasPrefix(dt.DocumentName, cn+" - ") {
			t.Errorf("%s: d_country_name %q, document_name %q; want %q", name, dt.FDSIDList.DCountryName, dt.DocumentName, cn)
		}
		if a2, _ := typedb.Alpha2FromICAO(doc.IssuingState); res.CountryCode != a2 {
			t.Errorf("%s: country_code %q, want %q", name, res.CountryCode, a2)
		}
	}
	if res.DocumentNumber != doc.DocumentNumber {
		t.Errorf("%s: document_number %q, the valid MRZ says %q", name, res.DocumentNumber, doc.DocumentNumber)
	}
}
