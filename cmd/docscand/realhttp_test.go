package main

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// realShared is ../shared beside the repository root, or $DOCSCAN_SHARED;
// the test skips when neither holds the evaluation sets.
func realShared(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("DOCSCAN_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "eval", "mrz")); err != nil {
		t.Skipf("shared data not found at %s (set DOCSCAN_SHARED): %v", dir, err)
	}
	return filepath.Join(dir, "eval", "mrz")
}

// realImage is one image of the real MRZ sets with its ground truth.
type realImage struct {
	path   string
	mrz    []string
	format string
}

// realImages lists the images of passporteye/ and imagejs/, in name order.
func realImages(t testing.TB) []realImage {
	t.Helper()
	root := realShared(t)
	var out []realImage
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
			t.Fatalf("%s: %v", set, err)
		}
		var names []string
		for n := range gt {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, realImage{filepath.Join(root, set, n), gt[n].MRZ, gt[n].Format})
		}
	}
	if len(out) == 0 {
		t.Skip("no ground truth in", root)
	}
	return out
}

// postImage sends one file as the front side of POST /api/v1/recognize,
// exactly as a terminal would. The contract requires country_code; a
// terminal in Kazakhstan sends "kz" for whatever document is shown, and
// a foreign passport is read as the generic ICAO type its MRZ names.
func postImage(t testing.TB, base, path, country string) (int, map[string]any) {
	t.Helper()
	return postImages(t, base, country, map[string]string{"frontside_image": path})
}

// postImages sends files (form field → path) to POST /api/v1/recognize
// with the test key and country_code.
func postImages(t testing.TB, base, country string, files map[string]string) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("api_key", testKey)
	_ = w.WriteField("country_code", country)
	for field, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fw, err := w.CreateFormFile(field, filepath.Base(path))
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	w.Close()
	resp, err := http.Post(base+"/api/v1/recognize", w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%v: %v", files, err)
	}
	return resp.StatusCode, out
}

// checksOf is the response's checks, their string fields.
func checksOf(res map[string]any) []map[string]string {
	raw, _ := res["checks"].([]any)
	var out []map[string]string
	for _, c := range raw {
		m, _ := c.(map[string]any)
		s := map[string]string{}
		for k, v := range m {
			if str, ok := v.(string); ok {
				s[k] = str
			}
		}
		out = append(out, s)
	}
	return out
}

// mrzLines is the response's mrz.lines, or nil when the MRZ is null.
func mrzLines(res map[string]any) []string {
	m, _ := res["mrz"].(map[string]any)
	raw, _ := m["lines"].([]any)
	var lines []string
	for _, l := range raw {
		s, _ := l.(string)
		lines = append(lines, s)
	}
	return lines
}

func sameLines(a, b []string) bool {
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

// TestRealImagesOverHTTP sends every real scan and photo of the MRZ sets
// through the daemon's HTTP path (upload limits, decoding with EXIF,
// the recognizer pool, the store) and scores the answers' MRZ against the
// sets' ground truth. The figures are of the world's documents, not of
// this project's renderer. With -short, a sample of every eighth image.
//
// A refusal of an image whose MRZ is in the ground truth fails the test
// (issue 11: a side with a readable MRZ is never "not found"; issue 13:
// the French ID of 1988, not ICAO's, is taken too), and so does any 5xx. Misreads are counted and logged, not failed: the MRZ
// engine's exactness bars are measured by `make eval`. An MRZ answered
// "valid" that is not the printed one is logged loudly as the worst kind.
// An MRZ not answered (read unsurely) whose checks are failed anyway
// fails: a guess is no evidence.
func TestRealImagesOverHTTP(t *testing.T) {
	t.Setenv("OMP_THREAD_LIMIT", "1")
	images := realImages(t)
	_, base, _ := startDaemon(t, "-hal", "sim", "-camera", "sim", "-workers", "2")
	var n, exact, refused, noMRZ, wrongValid int
	for i, img := range images {
		if testing.Short() && i%8 != 0 {
			continue
		}
		name := filepath.Join(filepath.Base(filepath.Dir(img.path)), filepath.Base(img.path))
		if img.mrz == nil {
			// No MRZ known: not scored, but never a crash or a 500.
			if code, res := postImage(t, base, img.path, "kz"); code >= 500 {
				t.Errorf("%s: %d %v", name, code, res["detail"])
			}
			continue
		}
		n++
		code, res := postImage(t, base, img.path, "kz")
		lines := mrzLines(res)
		switch {
		case code >= 500:
			t.Errorf("%s: %d %v", name, code, res["detail"])
		case code != http.StatusOK:
			// Every image with a known MRZ is a document the product
			// takes: ICAO's formats, and the French ID of 1988.
			refused++
			t.Errorf("%s (%s): %d %v", name, img.format, code, res["detail"])
		case lines == nil:
			noMRZ++
			t.Logf("%s: no MRZ answered (%v)", name, res["mrz_reason"])
			// an MRZ not answered is no evidence: its checks are not done
			for _, c := range checksOf(res) {
				if strings.HasPrefix(c["name"], "mrz") && c["status"] == "failed" {
					t.Errorf("%s: %s failed on an MRZ not answered (%v)", name, c["name"], res["mrz_reason"])
				}
			}
		case sameLines(lines, img.mrz):
			exact++
		default:
			m, _ := res["mrz"].(map[string]any)
			if m["status"] == "valid" {
				wrongValid++
				t.Logf("%s: WRONG BUT VALID: a wrong MRZ answered valid:\n got %q\nwant %q", name, lines, img.mrz)
			} else {
				t.Logf("%s: MRZ differs (status %v)", name, m["status"])
			}
		}
	}
	t.Logf("REAL over HTTP (real images, passporteye/ and imagejs/): %d images, every MRZ line exact %d (%.1f %%), refused %d, no MRZ %d, wrong but valid %d",
		n, exact, 100*float64(exact)/float64(max(n, 1)), refused, noMRZ, wrongValid)
}

// TestKZDevOverHTTP sends both sides of every Kazakh ID of kz-dev (cards
// drawn by another hand: other fonts, positions, artwork, photographed on
// desks and scanned) through POST /api/v1/recognize as a terminal in
// Kazakhstan does. A refusal, a 5xx or a genuine card answered with a
// failed check fails; the fields read exactly are counted and logged (the
// bars are measured by `make eval`).
func TestKZDevOverHTTP(t *testing.T) {
	t.Setenv("OMP_THREAD_LIMIT", "1")
	dir := filepath.Join(filepath.Dir(realShared(t)), "kz-dev")
	b, err := os.ReadFile(filepath.Join(dir, "ground_truth.json"))
	if err != nil {
		t.Skip("kz-dev not found:", err)
	}
	var gt map[string]struct {
		Front, Back, Variant string
		Fields               map[string]string
	}
	if err := json.Unmarshal(b, &gt); err != nil {
		t.Fatal(err)
	}
	_, base, _ := startDaemon(t, "-hal", "sim", "-camera", "sim", "-workers", "2")
	var ids []string
	for id := range gt {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fields, exact, falseAlarms := 0, 0, 0
	for _, id := range ids {
		d := gt[id]
		code, res := postImages(t, base, "kz", map[string]string{
			"frontside_image": filepath.Join(dir, d.Front),
			"backside_image":  filepath.Join(dir, d.Back),
		})
		if code != http.StatusOK {
			t.Errorf("%s: %d %v", id, code, res["detail"])
			continue
		}
		for f, want := range d.Fields {
			if _, asked := res[f]; !asked {
				continue // not a response field (place of birth, ...)
			}
			fields++
			if res[f] == want {
				exact++
			} else {
				t.Logf("%s: %s = %q, printed %q", id, f, res[f], want)
			}
		}
		if d.Variant == "genuine" && res["failure_reason"] != "None" {
			falseAlarms++
			t.Errorf("%s: a false alarm on a genuine card: %v", id, res["failure_reason"])
		}
	}
	t.Logf("kz-dev over HTTP (real, another hand): %d documents, fields exact %d/%d, false alarms %d", len(ids), exact, fields, falseAlarms)
}
