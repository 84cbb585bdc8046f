//go:build eval

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/typedb"
)

// The real-image evaluation runs every image of ../shared/eval through
// `docscan recognize` exactly as a user would (flags in, JSON out) and
// scores the JSON against the sets' ground truth. Nothing here was drawn
// by this project: the figures are of the world's documents.
//
//	passporteye/, imagejs/: real scans and photos; every MRZ line exact?
//	kz-dev/: Kazakh ID cards drawn by another hand; type and side, every
//	         field, the counterfeit variant caught.

// recognizeJSON runs `docscan recognize` with args and decodes its JSON;
// a refusal comes back as the error.
func recognizeJSON(t testing.TB, args ...string) (*pipeline.Result, time.Duration, error) {
	t.Helper()
	var out bytes.Buffer
	t0 := time.Now()
	err := runRecognize(context.Background(), args, &out, io.Discard)
	d := time.Since(t0)
	if err != nil {
		return nil, d, err
	}
	var res pipeline.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return &res, d, nil
}

type mrzTruth struct {
	MRZ    []string `json:"mrz"`
	Format string   `json:"format"`
	Note   string   `json:"note"`
}

// TestRealMRZ: every image of passporteye/ and imagejs/ through
// `docscan recognize` (no country: the document's own type is unknown to
// the database); refusals and MRZ exactness.
func TestRealMRZ(t *testing.T) {
	root := filepath.Join(sharedDir(t), "eval", "mrz")
	for _, set := range []string{"passporteye", "imagejs"} {
		b, err := os.ReadFile(filepath.Join(root, set, "ground_truth.json"))
		if err != nil {
			t.Logf("%s: %v", set, err)
			continue
		}
		var gt map[string]mrzTruth
		if err := json.Unmarshal(b, &gt); err != nil {
			t.Fatal(err)
		}
		names := make([]string, 0, len(gt))
		for n := range gt {
			names = append(names, n)
		}
		sort.Strings(names)
		var n, exact, refused, noMRZ int
		var total time.Duration
		for _, name := range names {
			g := gt[name]
			res, d, err := recognizeJSON(t, "-front", filepath.Join(root, set, name))
			total += d
			n++
			switch {
			case err != nil:
				refused++
				t.Logf("%s/%s: refused: %v", set, name, err)
			case res.MRZ == nil:
				noMRZ++
				t.Logf("%s/%s: no MRZ read", set, name)
			case linesEqual(res.MRZ.Lines, g.MRZ):
				exact++
			default:
				t.Logf("%s/%s: MRZ differs:\n got %q\nwant %q", set, name, res.MRZ.Lines, g.MRZ)
			}
		}
		t.Logf("REAL %s (real images): %d images, every MRZ line exact %d (%.1f %%), refused %d, no MRZ %d, mean %v per recognition",
			set, n, exact, pct(exact, n), refused, noMRZ, (total / time.Duration(max(n, 1))).Round(time.Millisecond))
	}
}

func linesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func pct(a, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(a) / float64(n)
}

type kzTruth struct {
	Front, Back string
	Type        string            `json:"type"`
	Variant     string            `json:"variant"`
	Capture     string            `json:"capture"`
	Fields      map[string]string `json:"fields"`
	MRZ         []string          `json:"mrz"`
}

// kzCaughtBy is the check that must fail for a counterfeit variant of
// kz-dev's ground truth.
var kzCaughtBy = map[string]string{
	"expired":      "date_logic",
	"iin-mismatch": "iin",
	"tampered-mrz": "mrz_check_digits",
}

// TestRealKZ: every document of kz-dev/ (front and back) through
// `docscan recognize -country kz`.
func TestRealKZ(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "eval", "kz-dev")
	b, err := os.ReadFile(filepath.Join(dir, "ground_truth.json"))
	if err != nil {
		t.Skipf("kz-dev not found: %v", err)
	}
	var gt map[string]kzTruth
	if err := json.Unmarshal(b, &gt); err != nil {
		t.Fatal(err)
	}
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(gt))
	for id := range gt {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var docs, refused, sidesOK, sides, fieldsOK, fieldsN, allExact, mrzExact, caught, counterfeit, falseAlarm, genuine int
	var total time.Duration
	for _, id := range ids {
		g := gt[id]
		docs++
		res, d, err := recognizeJSON(t, "-front", filepath.Join(dir, g.Front), "-back", filepath.Join(dir, g.Back), "-country", "kz")
		total += d
		sides += 2
		fieldsN += len(g.Fields)
		if g.Variant == "genuine" {
			genuine++
		} else {
			counterfeit++
		}
		if err != nil {
			refused++
			t.Logf("%s (%s): refused: %v", id, g.Capture, err)
			continue
		}
		for _, st := range []struct {
			dt   *typedb.DocumentType
			want typedb.SideName
		}{{res.DocumentType.Frontside, typedb.Front}, {res.DocumentType.Backside, typedb.Back}} {
			if st.dt == nil {
				t.Logf("%s: %s not identified", id, st.want)
				continue
			}
			typ, ok := db.ByID(st.dt.ID)
			if ok && typ.Document == g.Type && typ.Side == st.want {
				sidesOK++
			} else {
				t.Logf("%s: %s identified as %q (p %.2f)", id, st.want, st.dt.DocumentName, st.dt.P)
			}
		}
		got := map[string]string{
			"last_name": res.LastName, "first_name": res.FirstName, "patronymic": res.Patronymic,
			"personal_number": res.PersonalNumber, "date_of_birth": res.DateOfBirth,
			"document_number": res.DocumentNumber, "authority": res.Authority,
			"date_of_issue": res.DateOfIssue, "date_of_expiry": res.DateOfExpiry,
		}
		ok := true
		for f, want := range g.Fields {
			if got[f] == want {
				fieldsOK++
			} else {
				ok = false
				t.Logf("%s: %s = %q, want %q", id, f, got[f], want)
			}
		}
		if ok {
			allExact++
		}
		if res.MRZ != nil && linesEqual(res.MRZ.Lines, g.MRZ) {
			mrzExact++
		}
		failed := map[string]bool{}
		for _, c := range res.Checks {
			if c.Status == pipeline.CheckFailed {
				failed[c.Name] = true
			}
		}
		if g.Variant == "genuine" {
			// a photo gives no IR or UV: only data checks can raise an alarm
			if res.FailureReason != "None" {
				falseAlarm++
				t.Logf("%s: genuine, but %s", id, res.FailureReason)
			}
		} else if c := kzCaughtBy[g.Variant]; failed[c] {
			caught++
		} else {
			t.Logf("%s: %s not caught (%s)", id, g.Variant, res.FailureReason)
		}
	}
	t.Logf("REAL kz-dev (Kazakh ID by another hand): %d documents, refused %d, type+side %d/%d (%.1f %%), fields exact %d/%d (%.1f %%), documents with every field exact %d, MRZ exact %d, counterfeits caught %d/%d, false alarms %d/%d, mean %v per two-sided recognition",
		docs, refused, sidesOK, sides, pct(sidesOK, sides), fieldsOK, fieldsN, pct(fieldsOK, fieldsN), allExact, mrzExact,
		caught, counterfeit, falseAlarm, genuine, (total / time.Duration(max(docs, 1))).Round(time.Millisecond))
}
