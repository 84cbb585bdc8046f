package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline"
)

// vzTruth is the printed visual zone of the real images of
// ../shared/eval/mrz, transcribed by eye (testdata/vz_truth.json): per
// image, the fields printed and legible, dates as dd.mm.yyyy; a field
// absent is not printed or not legible.
type vzTruth map[string]map[string]string

func loadVZTruth(t testing.TB) vzTruth {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vz_truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var gt vzTruth
	if err := json.Unmarshal(b, &gt); err != nil {
		t.Fatal(err)
	}
	return gt
}

// vzScoredFields are the response's fields the transcription scores:
// its top-level keys, and place_of_birth, which the response carries in
// fields only.
var vzScoredFields = []string{pipeline.FieldLastName, pipeline.FieldFirstName, pipeline.FieldDateOfBirth,
	pipeline.FieldDateOfIssue, pipeline.FieldDateOfExpiry, pipeline.FieldAuthority,
	pipeline.FieldPersonalNumber, pipeline.FieldDocumentNumber, pipeline.FieldPlaceOfBirth}

func topLevel(res *pipeline.Result, name string) string {
	switch name {
	case pipeline.FieldLastName:
		return res.LastName
	case pipeline.FieldFirstName:
		return res.FirstName
	case pipeline.FieldDateOfBirth:
		return res.DateOfBirth
	case pipeline.FieldDateOfIssue:
		return res.DateOfIssue
	case pipeline.FieldDateOfExpiry:
		return res.DateOfExpiry
	case pipeline.FieldAuthority:
		return res.Authority
	case pipeline.FieldPersonalNumber:
		return res.PersonalNumber
	case pipeline.FieldDocumentNumber:
		return res.DocumentNumber
	case pipeline.FieldPlaceOfBirth:
		return res.Fields[name].Value
	}
	return ""
}

// latinFold folds the Latin letters with diacritics the transcriptions
// hold onto their ICAO 9303 base letters (Ä→A, Æ→AE, Þ→TH).
var latinFold = strings.NewReplacer(
	"Ä", "A", "Á", "A", "À", "A", "Â", "A", "Ã", "A", "Å", "A", "Ā", "A", "Æ", "AE",
	"Č", "C", "Ć", "C", "Ç", "C", "Ð", "D", "Đ", "D", "Ė", "E", "É", "E", "È", "E", "Ê", "E", "Ë", "E", "Ē", "E",
	"Ģ", "G", "Í", "I", "Ì", "I", "Î", "I", "Ï", "I", "Ī", "I", "Ķ", "K", "Ļ", "L", "Ł", "L", "Ņ", "N", "Ñ", "N",
	"Ö", "O", "Ó", "O", "Ò", "O", "Ô", "O", "Õ", "O", "Ø", "O", "Þ", "TH", "Š", "S", "Ś", "S",
	"Ü", "U", "Ú", "U", "Ù", "U", "Û", "U", "Ū", "U", "Ž", "Z", "Ź", "Z", "Ż", "Z")

// icaoFold is ICAO 9303 part 3's spelling of the letters it writes as
// two (Ä→AE, Ö→OE, Ü→UE, Å→AA, Ø→OE, Þ→TH), the rest as latinFold.
var icaoFold = strings.NewReplacer("Ä", "AE", "Ö", "OE", "Ü", "UE", "Å", "AA", "Ø", "OE")

// sameValue compares an answer with the transcription: letters and digits
// only, upper case, diacritics folded either way (the MRZ's spelling of a
// name is as right as the printed one).
func sameValue(got, want string) bool {
	g := strings.ToUpper(got)
	for _, w := range []string{strings.ToUpper(want), icaoFold.Replace(strings.ToUpper(want))} {
		if alnum(g) == alnum(w) {
			return true
		}
	}
	return false
}

// alnum keeps the letters and digits of s, diacritics folded.
func alnum(s string) string {
	var b strings.Builder
	for _, r := range latinFold.Replace(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r > 0x400 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// vzTally counts, per field, the answers right, empty (honest) and wrong.
type vzTally struct {
	docs                  int
	right, empty, wrong   map[string]int
	docsHonest            int
	alarms                int // genuine documents with a failed check besides expiry
	issuePrinted, issueOK int
	stages                map[string]time.Duration
	total                 time.Duration
}

func newVZTally() *vzTally {
	return &vzTally{right: map[string]int{}, empty: map[string]int{}, wrong: map[string]int{}, stages: map[string]time.Duration{}}
}

// score adds one document's answer; it returns what it found wrong.
func (v *vzTally) score(res *pipeline.Result, want map[string]string) []string {
	v.docs++
	var bad []string
	for _, f := range vzScoredFields {
		w, printed := want[f]
		got := topLevel(res, f)
		switch {
		case !printed:
			continue
		case got == "":
			v.empty[f]++
		case sameValue(got, w):
			v.right[f]++
		default:
			v.wrong[f]++
			bad = append(bad, fmt.Sprintf("%s %q want %q", f, got, w))
		}
		if f == pipeline.FieldDateOfIssue {
			v.issuePrinted++
			if got != "" && sameValue(got, w) {
				v.issueOK++
			}
		}
	}
	// every one of these documents is genuine (specimens of their
	// states); all have expired, so date_logic is the one check that may
	// rightly fail
	for _, c := range res.Checks {
		if c.Status == "failed" && c.Name != "date_logic" {
			v.alarms++
			bad = append(bad, "alarm "+c.Name)
			break
		}
	}
	if len(bad) == 0 {
		v.docsHonest++
	}
	return bad
}

func (v *vzTally) report(t testing.TB, world string) {
	t.Helper()
	var rows []string
	var r, e, w int
	for _, f := range vzScoredFields {
		rows = append(rows, fmt.Sprintf("%s %d/%d/%d", f, v.right[f], v.empty[f], v.wrong[f]))
		r, e, w = r+v.right[f], e+v.empty[f], w+v.wrong[f]
	}
	t.Logf("VZ %s: %d documents, honest answers %d (%.0f %%), alarms besides expiry %d; fields printed right/empty/wrong %d/%d/%d; date_of_issue right %d of %d printed",
		world, v.docs, v.docsHonest, 100*float64(v.docsHonest)/float64(max(v.docs, 1)), v.alarms, r, e, w, v.issueOK, v.issuePrinted)
	t.Logf("VZ %s per field (right/empty/wrong): %s", world, strings.Join(rows, ", "))
	if v.docs > 0 {
		var st []string
		for k, d := range v.stages {
			st = append(st, fmt.Sprintf("%s %v", k, (d/time.Duration(v.docs)).Round(time.Millisecond)))
		}
		sort.Strings(st)
		t.Logf("VZ %s mean stage times: %s; total %v", world, strings.Join(st, ", "), (v.total / time.Duration(v.docs)).Round(time.Millisecond))
	}
}

// vzHeldOut splits the transcribed images: every second name (sorted) is
// held out from tuning the visual-zone reader.
func vzHeldOut(names []string, i int) bool { return i%2 == 1 }

// runVZTruth recognises each transcribed image that `keep` admits with
// `docscan recognize -timings` and scores it in its half.
func runVZTruth(t *testing.T, keep func(i int, name string) bool) (tune, held *vzTally) {
	root := filepath.Join(sharedDir(t), "eval", "mrz")
	gt := loadVZTruth(t)
	names := make([]string, 0, len(gt))
	for n := range gt {
		names = append(names, n)
	}
	sort.Strings(names)
	tune, held = newVZTally(), newVZTally()
	for i, name := range names {
		if !keep(i, name) {
			continue
		}
		var out, errb bytes.Buffer
		err := runRecognize(context.Background(), []string{"-timings", "-front", filepath.Join(root, name)}, &out, &errb)
		if err != nil {
			t.Logf("%s: refused: %v", name, err)
			continue
		}
		var res pipeline.Result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tl := tune
		if vzHeldOut(names, i) {
			tl = held
		}
		if bad := tl.score(&res, gt[name]); len(bad) > 0 {
			t.Logf("%s: %s", name, strings.Join(bad, "; "))
		}
		sc := bufio.NewScanner(&errb)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 2 {
				continue
			}
			d, err := time.ParseDuration(f[len(f)-1])
			if err != nil {
				continue
			}
			if f[0] == "total" {
				tl.total += d
			} else {
				tl.stages[f[0]] += d
			}
		}
	}
	return tune, held
}

// TestVZTruthSample: a few of the transcribed real images through
// `docscan recognize`, in make test's time: no field answered wrong, no
// alarm besides expiry. The whole set runs under the eval tag
// (TestRealVZ).
func TestVZTruthSample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Tesseract on real images")
	}
	sample := map[string]bool{"passporteye/100_pass-bdr.jpg": true, "passporteye/79_pass-hun.png": true,
		"imagejs/id2.jpg": true}
	tune, held := runVZTruth(t, func(_ int, name string) bool { return sample[name] })
	for _, v := range []*vzTally{tune, held} {
		for _, f := range vzScoredFields {
			if v.wrong[f] > 0 {
				t.Errorf("%s answered wrong %d times", f, v.wrong[f])
			}
		}
		if v.alarms > 0 {
			t.Errorf("%d genuine documents raised an alarm besides expiry", v.alarms)
		}
	}
}
