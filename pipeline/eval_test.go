package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// The evaluation renders specimens with random people, placement and
// degradations (none of them seen while the thresholds were set: every
// run draws from its own seed), recognises them through the Engine, and
// scores what came out against the specimen's truth.

var evalToday = time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)

// evalFields are the response fields scored for exactness.
var evalFields = []string{"last_name", "first_name", "patronymic", "personal_number", "date_of_birth",
	"document_number", "authority", "date_of_issue", "date_of_expiry"}

// caughtBy is the check that must fail for each counterfeit variant.
var caughtBy = map[specimen.Variant]string{
	specimen.Photocopy:   "uv_luminescence",
	specimen.IRDeadMRZ:   "ir_b900",
	specimen.TamperedMRZ: "mrz_check_digits",
	specimen.Expired:     "date_logic",
	specimen.IINMismatch: "iin",
}

// evalMode is how the sides were captured.
type evalMode string

const (
	modeScanner evalMode = "scanner" // white, IR and UV frames on dark glass
	modePhoto   evalMode = "photo"   // a white-light photo on some background
	modeCropped evalMode = "cropped" // a photo already cut to the document
)

type evalCase struct {
	doc     string
	variant specimen.Variant
	mode    evalMode
	country string
	seed    int64
	// vary, when above 0, leaves the renderer's house style: the print
	// is varied (specimen.DrawVariation) and captured by
	// specimen.VariedCapture at this strength.
	vary float64
}

type evalEnv struct {
	fonts *specimen.Fonts
	db    *typedb.DB
	r     *specimen.Renderer
	pool  *ocr.Pool
	eng   *Engine
}

var (
	envOnce sync.Once
	env     *evalEnv
	envErr  error
)

func newEvalEnv(t testing.TB) *evalEnv {
	t.Helper()
	envOnce.Do(func() {
		db, err := typedb.Default()
		if err != nil {
			envErr = err
			return
		}
		fonts, err := specimen.DefaultFonts()
		if err != nil {
			envErr = fmt.Errorf("fonts: %w", err)
			return
		}
		if err := fonts.LoadFamilies(); err != nil {
			envErr = fmt.Errorf("fonts: %w", err)
			return
		}
		r, err := specimen.NewRenderer(db, fonts)
		if err != nil {
			envErr = err
			return
		}
		pool, err := ocr.NewPool(ocr.Options{Workers: 2})
		if err != nil {
			envErr = err
			return
		}
		eng, err := New(db, pool, Options{Now: func() time.Time { return evalToday }})
		if err != nil {
			envErr = err
			return
		}
		env = &evalEnv{fonts: fonts, db: db, r: r, pool: pool, eng: eng}
	})
	if errors.Is(envErr, ocr.ErrUnavailable) {
		t.Skipf("tesseract: %v", envErr)
	}
	if envErr != nil {
		t.Fatal(envErr)
	}
	return env
}

// photoBackgrounds are tables and cloths a phone photo may show.
var photoBackgrounds = []color.RGBA{
	{38, 38, 42, 255}, {150, 110, 70, 255}, {90, 60, 40, 255}, {60, 90, 60, 255},
	{120, 120, 130, 255}, {30, 40, 80, 255}, {170, 60, 50, 255},
}

// frames renders c and places each side in its frames.
func (ev *evalEnv) frames(ctx context.Context, c evalCase) (*specimen.Specimen, Input, error) {
	opt := specimen.Options{Seed: c.seed, Variant: c.variant, Today: evalToday, PxPerMM: 16}
	if c.vary > 0 {
		v := specimen.DrawVariation(c.seed, c.vary, ev.fonts)
		opt.Vary = &v
	}
	spec, err := ev.r.Render(ctx, c.doc, opt)
	if err != nil {
		return nil, Input{}, err
	}
	if c.vary > 0 {
		in, err := variedFrames(spec, c)
		return spec, in, err
	}
	rng := rand.New(rand.NewPCG(uint64(c.seed), 0xe7a1))
	in := Input{CountryCode: c.country}
	for i, s := range spec.Sides {
		d := specimen.RandomDegradation(rng)
		layers := []*image.RGBA{s.White}
		switch c.mode {
		case modeScanner:
			layers = append(layers, s.IR, s.UV)
			d.Background = color.RGBA{12, 12, 14, 255} // the dark glass
		case modePhoto:
			d.Background = photoBackgrounds[rng.IntN(len(photoBackgrounds))]
			if rng.IntN(3) == 0 {
				d.Rotate += 90 // held the other way
			}
			if rng.IntN(4) == 0 {
				d.Rotate += 180
			}
		case modeCropped:
			b := s.White.Rect
			d.Frame = image.Pt(1100, 1100*b.Dy()/b.Dx())
			d.Scale, d.Shift, d.Rotate = 1, [2]float64{}, 0
		}
		p, err := specimen.Degrade(layers, d, c.seed*7+int64(i))
		if err != nil {
			return nil, Input{}, err
		}
		si := &SideInput{White: p.Layers[0], Scanner: c.mode == modeScanner}
		if c.mode == modeScanner {
			si.IR, si.UV = p.Layers[1], p.Layers[2]
		}
		if s.Name == typedb.Front {
			in.Front = si
		} else {
			in.Back = si
		}
	}
	return spec, in, nil
}

// variedFrames captures a varied specimen's sides: by
// specimen.VariedCapture's scanner or phone, and for a cropped photo by
// its phone with the frame cut to the document (no placement, tilt or
// turn, the rest of the spoiling kept).
func variedFrames(spec *specimen.Specimen, c evalCase) (Input, error) {
	in := Input{CountryCode: c.country}
	rng := rand.New(rand.NewPCG(uint64(c.seed), 0xe7a2))
	for i, s := range spec.Sides {
		kind := specimen.CaptureScanner
		if c.mode != modeScanner {
			kind = specimen.CapturePhone
		}
		d := specimen.VariedCapture(rng, kind, c.vary)
		layers := []*image.RGBA{s.White}
		if c.mode == modeScanner {
			layers = append(layers, s.IR, s.UV)
		}
		if c.mode == modeCropped {
			b := s.White.Rect
			d.Frame = image.Pt(1100, 1100*b.Dy()/b.Dx())
			d.Scale, d.Shift, d.Rotate, d.Tilt, d.CornerRadius = 1, [2]float64{}, 0, [2]float64{}, 0
		}
		p, err := specimen.Degrade(layers, d, c.seed*7+int64(i))
		if err != nil {
			return Input{}, err
		}
		si := &SideInput{White: p.Layers[0], Scanner: c.mode == modeScanner}
		if c.mode == modeScanner {
			si.IR, si.UV = p.Layers[1], p.Layers[2]
		}
		if s.Name == typedb.Front {
			in.Front = si
		} else {
			in.Back = si
		}
	}
	return in, nil
}

// evalStats accumulates the scores.
type evalStats struct {
	mu                sync.Mutex
	sides, sidesRight int
	field, fieldRight map[string]int
	fieldWrong        map[string]int // answered, and not what is printed
	// fieldLatin: answered from the MRZ, in its Latin, where the page
	// prints the field in Cyrillic and its reading was not sure (the
	// merge rule's answer, not a misread)
	fieldLatin         map[string]int
	variant, caught    map[specimen.Variant]int
	genuine, falseAlm  int
	errors             int
	misses             []string // short descriptions of what went wrong, no personal data
	falseAlarmCauses   map[string]int
	fieldMissByDocType map[string]int
	elapsed            []time.Duration
}

func newEvalStats() *evalStats {
	return &evalStats{field: map[string]int{}, fieldRight: map[string]int{}, fieldWrong: map[string]int{}, fieldLatin: map[string]int{}, variant: map[specimen.Variant]int{},
		caught: map[specimen.Variant]int{}, falseAlarmCauses: map[string]int{}, fieldMissByDocType: map[string]int{}}
}

func (st *evalStats) miss(format string, a ...any) {
	if len(st.misses) < 40 {
		st.misses = append(st.misses, fmt.Sprintf(format, a...))
	}
}

// score runs one case.
func (ev *evalEnv) score(ctx context.Context, c evalCase, st *evalStats) error {
	spec, in, err := ev.frames(ctx, c)
	if err != nil {
		return err
	}
	res, err := ev.eng.Recognize(ctx, in)
	st.mu.Lock()
	defer st.mu.Unlock()
	tag := fmt.Sprintf("%s/%s/%s seed %d", c.doc, c.variant, c.mode, c.seed)
	if c.vary > 0 {
		tag += fmt.Sprintf(" varied %.2f", c.vary)
	}
	if err != nil {
		st.errors++
		st.sides += len(spec.Sides)
		st.miss("%s: error %v", tag, err)
		return nil
	}
	st.elapsed = append(st.elapsed, res.Elapsed)
	for _, s := range spec.Sides {
		st.sides++
		got := res.DocumentType.Frontside
		if s.Name == typedb.Back {
			got = res.DocumentType.Backside
		}
		if got != nil && got.ID == s.TypeID {
			st.sidesRight++
		} else {
			id := int64(0)
			if got != nil {
				id = got.ID
			}
			st.miss("%s: %s side identified as %d, want %d", tag, s.Name, id, s.TypeID)
		}
	}
	printed := map[string]string{}
	for _, side := range []typedb.SideName{typedb.Front, typedb.Back} {
		for k, v := range spec.Truth.Printed[side] {
			if _, ok := printed[k]; !ok {
				printed[k] = v
			}
		}
	}
	for _, f := range evalFields {
		want, ok := printed[f]
		if !ok || want == "" {
			continue
		}
		st.field[f]++
		got := fieldOf(res, f)
		if got == want {
			st.fieldRight[f]++
			continue
		}
		st.fieldMissByDocType[c.doc+" "+f]++
		switch {
		case got == "":
			st.miss("%s: field %s empty", tag, f)
		case res.Fields[f].Source == SourceMRZ && hasCyrillic(want) && !hasCyrillic(got):
			st.fieldLatin[f]++
			st.miss("%s: field %s in the MRZ's Latin", tag, f)
		default:
			st.fieldWrong[f]++
			st.miss("%s: field %s wrong (%d vs %d runes)", tag, f, len([]rune(got)), len([]rune(want)))
		}
	}
	failed := map[string]bool{}
	for _, ch := range res.Checks {
		if ch.Status == CheckFailed {
			failed[ch.Name] = true
		}
	}
	if c.variant == specimen.Genuine {
		st.genuine++
		if res.FailureReason != "None" {
			st.falseAlm++
			for n := range failed {
				st.falseAlarmCauses[n]++
			}
			st.miss("%s: false alarm: %s", tag, res.FailureReason)
		}
	} else {
		st.variant[c.variant]++
		if failed[caughtBy[c.variant]] {
			st.caught[c.variant]++
		} else {
			st.miss("%s: not caught (failure_reason %q)", tag, res.FailureReason)
		}
	}
	return nil
}

func fieldOf(r *Result, f string) string {
	switch f {
	case "last_name":
		return r.LastName
	case "first_name":
		return r.FirstName
	case "patronymic":
		return r.Patronymic
	case "personal_number":
		return r.PersonalNumber
	case "date_of_birth":
		return r.DateOfBirth
	case "document_number":
		return r.DocumentNumber
	case "authority":
		return r.Authority
	case "date_of_issue":
		return r.DateOfIssue
	case "date_of_expiry":
		return r.DateOfExpiry
	}
	return ""
}

// evalCases draws n cases from seed: mostly genuine documents of every
// type in every capture mode, and every counterfeit variant the type
// supports, captured by the scanner (a photo has no IR or UV to catch a
// photocopy or a dead MRZ).
//
// A variant is drawn only for documents whose types call for the check
// that catches it: the generic ICAO types carry no UV check, so their
// photocopies are not expected to be caught.
func evalCases(db *typedb.DB, n int, seed uint64) []evalCase {
	rng := rand.New(rand.NewPCG(seed, 0xca5e))
	docs := []string{"kz-id-2014", "kz-id-2014", "kz-id-2014", "kz-id-2023", "kz-id-2023", "kz-passport",
		"icao-td1", "icao-td2", "icao-td3", "icao-mrva", "icao-mrvb"}
	calls := func(d string, bit typedb.Authenticity, mrzSide bool) bool {
		for _, t := range db.Document(d) {
			if (!mrzSide || t.MRZFormat != typedb.MRZNone) && t.CheckAuthenticity.Has(bit) {
				return true
			}
		}
		return false
	}
	kz := func(d string) bool { return strings.HasPrefix(d, "kz-") }
	var out []evalCase
	for i := range n {
		c := evalCase{doc: docs[rng.IntN(len(docs))], variant: specimen.Genuine, seed: int64(seed)*100000 + int64(i)}
		switch r := rng.IntN(10); {
		case r < 6:
			c.mode = modeScanner
		case r < 9:
			c.mode = modePhoto
		default:
			c.mode = modeCropped
		}
		if rng.IntN(3) == 0 && c.mode == modeScanner {
			vs := []specimen.Variant{specimen.Expired, specimen.TamperedMRZ}
			if calls(c.doc, typedb.AuthUVLuminescence, false) {
				vs = append(vs, specimen.Photocopy)
			}
			if calls(c.doc, typedb.AuthIRB900, true) {
				vs = append(vs, specimen.IRDeadMRZ)
			}
			if db.Document(c.doc)[0].PersonalNumberScheme == "kz-iin" {
				vs = append(vs, specimen.IINMismatch)
			}
			c.variant = vs[rng.IntN(len(vs))]
		}
		if kz(c.doc) && rng.IntN(2) == 0 {
			c.country = "kz"
		}
		out = append(out, c)
	}
	return out
}

// runEval scores the cases on two workers.
func runEval(t *testing.T, cases []evalCase) *evalStats {
	ev := newEvalEnv(t)
	ctx := context.Background()
	st := newEvalStats()
	jobs := make(chan evalCase)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				if err := ev.score(ctx, c, st); err != nil {
					errOnce.Do(func() { firstErr = err })
				}
			}
		}()
	}
	for _, c := range cases {
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	return st
}

func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}

// table renders the scores as Markdown.
func (st *evalStats) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "| measure | result | bar |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| type and side identified | %d/%d = %.1f%% | ≥ 99%% |\n", st.sidesRight, st.sides, pct(st.sidesRight, st.sides))
	for _, f := range evalFields {
		if st.field[f] == 0 {
			continue
		}
		fmt.Fprintf(&b, "| field `%s` exact | %d/%d = %.1f%% | ≥ 95%% |\n", f, st.fieldRight[f], st.field[f], pct(st.fieldRight[f], st.field[f]))
	}
	// a miss is empty or wrong; a wrong answer that looks valid is the
	// worse of the two
	wrong, latin, printed := 0, 0, 0
	for _, f := range evalFields {
		wrong += st.fieldWrong[f]
		latin += st.fieldLatin[f]
		printed += st.field[f]
	}
	fmt.Fprintf(&b, "| printed fields answered wrong (not empty) | %d/%d = %.1f%% | |\n", wrong, printed, pct(wrong, printed))
	fmt.Fprintf(&b, "| printed in Cyrillic, answered in the MRZ's Latin (read unsurely) | %d/%d | |\n", latin, printed)
	vs := make([]string, 0, len(st.variant))
	for v := range st.variant {
		vs = append(vs, string(v))
	}
	sort.Strings(vs)
	for _, v := range vs {
		sv := specimen.Variant(v)
		fmt.Fprintf(&b, "| %s caught by `%s` | %d/%d | all |\n", v, caughtBy[sv], st.caught[sv], st.variant[sv])
	}
	fmt.Fprintf(&b, "| genuine with a false alarm | %d/%d = %.1f%% | ≤ 1%% |\n", st.falseAlm, st.genuine, pct(st.falseAlm, st.genuine))
	fmt.Fprintf(&b, "| recognitions that returned an error | %d | 0 |\n", st.errors)
	if len(st.elapsed) > 0 {
		e := append([]time.Duration(nil), st.elapsed...)
		sort.Slice(e, func(i, j int) bool { return e[i] < e[j] })
		fmt.Fprintf(&b, "| recognition time, median (eval load, not the benchmark) | %v | |\n", e[len(e)/2].Round(time.Millisecond))
	}
	return b.String()
}

// check fails t for every bar the scores miss.
func (st *evalStats) check(t *testing.T, sideBar, fieldBar, alarmBar float64) {
	t.Helper()
	if p := pct(st.sidesRight, st.sides); p < sideBar {
		t.Errorf("type and side identified %.1f%%, want ≥ %.0f%%", p, sideBar)
	}
	for _, f := range evalFields {
		if st.field[f] > 0 {
			if p := pct(st.fieldRight[f], st.field[f]); p < fieldBar {
				t.Errorf("field %s exact %.1f%%, want ≥ %.0f%%", f, p, fieldBar)
			}
		}
	}
	for v, n := range st.variant {
		if st.caught[v] != n {
			t.Errorf("variant %s caught %d of %d", v, st.caught[v], n)
		}
	}
	if p := pct(st.falseAlm, st.genuine); p > alarmBar {
		t.Errorf("false alarms on %.1f%% of genuine documents, want ≤ %.0f%%", p, alarmBar)
	}
	if st.errors > 0 {
		t.Errorf("%d recognitions returned an error", st.errors)
	}
	if t.Failed() {
		for _, m := range st.misses {
			t.Log(m)
		}
	}
}

// TestEvalSmall is the evaluation's small version, run with the normal
// tests: a dozen documents, each counterfeit variant at least once.
func TestEvalSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and recognises a dozen documents")
	}
	if !ocr.ThreadLimited() {
		t.Log("OMP_THREAD_LIMIT is not 1: Tesseract will be slow (make test sets it)")
	}
	cases := []evalCase{
		{doc: "kz-id-2014", variant: specimen.Genuine, mode: modeScanner, country: "kz", seed: 11},
		{doc: "kz-id-2014", variant: specimen.Genuine, mode: modePhoto, seed: 12},
		{doc: "kz-id-2023", variant: specimen.Genuine, mode: modeScanner, seed: 13},
		{doc: "kz-id-2023", variant: specimen.Genuine, mode: modeCropped, country: "kz", seed: 14},
		{doc: "kz-passport", variant: specimen.Genuine, mode: modeScanner, seed: 15},
		{doc: "icao-td3", variant: specimen.Genuine, mode: modePhoto, seed: 16},
		{doc: "icao-td1", variant: specimen.Genuine, mode: modeScanner, seed: 17},
		{doc: "kz-id-2014", variant: specimen.Photocopy, mode: modeScanner, seed: 18},
		{doc: "kz-id-2023", variant: specimen.IRDeadMRZ, mode: modeScanner, seed: 19},
		{doc: "kz-id-2014", variant: specimen.TamperedMRZ, mode: modeScanner, seed: 20},
		{doc: "kz-passport", variant: specimen.Expired, mode: modeScanner, seed: 21},
		{doc: "kz-id-2014", variant: specimen.IINMismatch, mode: modeScanner, seed: 22},
	}
	st := runEval(t, cases)
	t.Logf("\n%s", st.table())
	// a dozen documents cannot show 99 %: every side and every variant
	// must be right, fields at most one miss each
	st.check(t, 100, 90, 0)
}

// evalN is the number of documents of the full evaluation (EVAL_N).
func evalN() int {
	n := 200
	if s := os.Getenv("EVAL_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	return n
}

// hasCyrillic reports whether s holds a Cyrillic letter.
func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}
