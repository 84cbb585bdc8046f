package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/docscan/docscan/pipeline/quality"
)

// sharedEvalDir is ../shared/eval beside the repository (SHARED_EVAL_DIR
// overrides), or skips the test.
func sharedEvalDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SHARED_EVAL_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "eval")
	}
	if _, err := os.Stat(filepath.Join(dir, "mrz", "passporteye", "ground_truth.json")); err != nil {
		t.Skipf("shared evaluation images not found at %s (set SHARED_EVAL_DIR): %v", dir, err)
	}
	return dir
}

// evalImage is one real image and the MRZ printed on it.
type evalImage struct {
	name string // folder/file
	path string
	mrz  []string
}

// sharedEvalImages lists the real photos and scans of shared/eval with
// their printed MRZ (nil when none).
func sharedEvalImages(t testing.TB, dir string) []evalImage {
	t.Helper()
	var out []evalImage
	for _, set := range []string{"mrz/passporteye", "mrz/imagejs"} {
		var gt map[string]struct {
			MRZ []string `json:"mrz"`
		}
		readJSON(t, filepath.Join(dir, set, "ground_truth.json"), &gt)
		for f, g := range gt {
			out = append(out, evalImage{name: set + "/" + f, path: filepath.Join(dir, set, f), mrz: g.MRZ})
		}
	}
	var kz map[string]struct {
		Front, Back string
		MRZ         []string `json:"mrz"`
	}
	readJSON(t, filepath.Join(dir, "kz-dev", "ground_truth.json"), &kz)
	for _, d := range kz {
		out = append(out, evalImage{name: "kz-dev/" + d.Front, path: filepath.Join(dir, "kz-dev", d.Front)},
			evalImage{name: "kz-dev/" + d.Back, path: filepath.Join(dir, "kz-dev", d.Back), mrz: d.MRZ})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func decodeFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}

// TestQualityOnSharedEval: on real photos and scans (shared/eval, not
// drawn by us), no side whose MRZ is read exactly is flagged as failing
// quality, and every side carries a quality report whose measures were
// taken; the ones that cannot be read are listed with what quality says.
func TestQualityOnSharedEval(t *testing.T) {
	if testing.Short() {
		t.Skip("prepares every real evaluation image")
	}
	dir := sharedEvalDir(t)
	ev := newEvalEnv(t)
	ctx := context.Background()
	var exact, exactFlagged, unread, unreadFlagged, unreadSaid int
	var lines, why []string
	// throughProduct recognises a side the MRZ engine could not read (or
	// that has none) with the whole product: a side it cannot read must
	// say why in its quality; one it reads wrongly cannot know it.
	throughProduct := func(im evalImage, img image.Image, p *PreparedSide) string {
		si := &SideInput{White: img, Prepared: p}
		in := Input{Front: si}
		if strings.Contains(im.name, "_back") {
			in = Input{Back: si}
		}
		var qs Qualities
		res, err := ev.eng.Recognize(ctx, in)
		switch {
		case err != nil:
			qs, _ = QualityOf(err)
		case res.MRZ == nil && len(im.mrz) > 0:
			qs = res.Quality
		case len(im.mrz) > 0:
			return ", read as another"
		default:
			return ", read"
		}
		sq := qs.Frontside
		if in.Back != nil {
			sq = qs.Backside
		}
		if sq == nil || sq.Unread == nil || sq.Unread.Reason == "" {
			t.Errorf("%s: not read, and its quality does not say why (err %v)", im.name, err)
			return ", not read"
		}
		unreadSaid++
		why = append(why, fmt.Sprintf("%s: %s", im.name, sq.Unread.Reason))
		return ", not read, says why"
	}
	for _, im := range sharedEvalImages(t, dir) {
		img, err := decodeFile(im.path)
		if err != nil {
			t.Fatalf("%s: %v", im.name, err)
		}
		p, err := ev.eng.Prepare(ctx, img, "")
		if err != nil {
			t.Fatalf("%s: %v", im.name, err)
		}
		q := p.Quality()
		if q == nil || q.Brightness == nil || q.Contrast == nil || q.Resolution == nil {
			t.Errorf("%s: measures missing from %+v", im.name, q)
			continue
		}
		var got []string
		if m := p.base.mrz; m != nil {
			got = m.Summary().Lines
		}
		status := "no MRZ printed"
		switch {
		case len(im.mrz) == 0:
			status += throughProduct(im, img, p)
		case slices.Equal(got, im.mrz):
			status = "MRZ exact"
			exact++
			if !q.OK {
				exactFlagged++
				t.Errorf("%s: MRZ read exactly but quality fails: %s", im.name, q.Reason)
			}
		default:
			status = "MRZ not read exactly"
			unread++
			if !q.OK {
				unreadFlagged++
			}
			status += throughProduct(im, img, p)
		}
		lines = append(lines, fmt.Sprintf("%-36s %-40s %s", im.name, status, summary(q)))
	}
	t.Logf("real images (shared/eval): %d MRZ read exactly, %d of them flagged; %d MRZ not read exactly, %d of them flagged, %d not read and saying why\n%s\n%s",
		exact, exactFlagged, unread, unreadFlagged, unreadSaid, strings.Join(lines, "\n"), strings.Join(why, "\n"))
}

// summary is one line of a report's values, for the log.
func summary(q *quality.Report) string {
	v := func(m *quality.Measure) string {
		if m == nil {
			return "-"
		}
		return fmt.Sprintf("%g", m.Value)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "focus %s glare %s dpi %s tilt %s", v(q.Focus), v(&q.Glare.Measure), v(q.Resolution), v(q.Perspective))
	if q.Bounds != nil {
		fmt.Fprintf(&b, " margin %g", q.Bounds.Value)
	}
	fmt.Fprintf(&b, " bright %g contrast %g", q.Brightness.Value, q.Contrast.Value)
	if !q.OK {
		fmt.Fprintf(&b, " FAILS: %s", q.Reason)
	}
	return b.String()
}
