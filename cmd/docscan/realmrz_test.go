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
	found, exact, n := 0, 0, 0
	for _, set := range []string{"passporteye", "imagejs"} {
		b, err := os.ReadFile(filepath.Join(root, set, "ground_truth.json"))
		if err != nil {
			continue
		}
		var gt map[string]struct {
			MRZ    []string `json:"mrz"`
			Format string   `json:"format"`
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
			if err != nil || res.MRZ == nil {
				t.Errorf("%s/%s: refused (%v) or no MRZ read", set, name, err)
				continue
			}
			found++
			if strings.Join(res.MRZ.Lines, "\n") == strings.Join(gt[name].MRZ, "\n") {
				exact++
			}
		}
	}
	t.Logf("real images: %d of %d sides with an ICAO MRZ found, %d read exactly", found, n, exact)
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
