package identify

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/docscan/docscan/typedb"
)

func TestSimilarity(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"ҚАЗАҚСТАН РЕСПУБЛИКАСЫ", "ҚАЗАҚСТАН РЕСПУБЛИКАСЫ", 1},
		{"казакстан республикасы", "ҚАЗАҚСТАН РЕСПУБЛИКАСЫ", 1 - 2.0/21},
		{"", "ЖСН / ИИН", 0},
		{"anything", "", 0},
		// a bilingual label read with the Kazakh model: Cyrillic look-alikes
		{"ТҮРІ / ТУРЕ", "ТҮРІ / TYPE", 1},
		// the kaz model reads the Latin Y as the Kazakh Ү, which prints the same
		{"ТҮРІ / ТҮРЕ", "ТҮРІ / TYPE", 1},
	} {
		if got := Similarity(tc.a, tc.b); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Similarity(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// paint draws a thumbnail of t as the typedb describes it: paper,
// patches, and the headers' ink.
func paint(t *typedb.Type) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, ThumbW, ThumbH))
	fill := func(r image.Rectangle, c typedb.RGB) {
		draw.Draw(img, r, &image.Uniform{color.RGBA{c[0], c[1], c[2], 255}}, image.Point{}, draw.Src)
	}
	fill(img.Rect, t.Signature.Paper)
	for _, p := range t.Signature.Patches {
		fill(p.Zone.Pixels(ThumbW, ThumbH), p.RGB)
	}
	for _, a := range t.Anchors {
		r := a.Zone.Pixels(ThumbW, ThumbH)
		for x := r.Min.X; x < r.Max.X; x += 4 {
			fill(image.Rect(x, r.Min.Y+1, x+2, r.Max.Y-1), t.Signature.Ink)
		}
	}
	return img
}

func TestScoreTellsTypesApartBySignatureAndAnchors(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	kz14 := db.Document("kz-id-2014")[0]
	kz23 := db.Document("kz-id-2023")[0]
	for _, want := range []*typedb.Type{kz14, kz23} {
		obs := Observation{Thumb: paint(want), Aspect: want.Aspect(), Outlined: true}
		// an anchor reader that sees the wanted type's anchors where they are
		read := func(_ context.Context, band typedb.Rect, _ float64, flip bool, _ string) (string, error) {
			if flip {
				return "", nil
			}
			var text []string
			for _, a := range want.Anchors {
				if a.Zone[1] >= band[1] && a.Zone[3] <= band[3] {
					text = append(text, a.Text)
				}
			}
			return strings.Join(text, "\n"), nil
		}
		got := Score(context.Background(), obs, db.Types(), read)
		if got[0].Type != want || got[0].Flip {
			t.Errorf("%s: best is %s %s flip=%v (p %.3f)", want.Document, got[0].Type.Document, got[0].Type.Side, got[0].Flip, got[0].P)
		}
		if got[0].P < 0.6 || got[0].P > 1 {
			t.Errorf("%s: p %.3f", want.Document, got[0].P)
		}
		// upside down, the same type wins flipped
		obs.Thumb = rotate180(obs.Thumb)
		read2 := func(_ context.Context, band typedb.Rect, h float64, flip bool, _ string) (string, error) {
			if !flip {
				return "", nil
			}
			return read(context.Background(), band, h, false, "")
		}
		got = Score(context.Background(), obs, db.Types(), read2)
		if got[0].Type != want || !got[0].Flip {
			t.Errorf("%s upside down: best is %s flip=%v", want.Document, got[0].Type.Document, got[0].Flip)
		}
	}
	// a blank page is nothing
	blank := image.NewRGBA(image.Rect(0, 0, ThumbW, ThumbH))
	draw.Draw(blank, blank.Rect, &image.Uniform{color.RGBA{200, 200, 200, 255}}, image.Point{}, draw.Src)
	nothing := func(context.Context, typedb.Rect, float64, bool, string) (string, error) { return "", nil }
	got := Score(context.Background(), Observation{Thumb: blank, Aspect: 4.0 / 3}, db.Types(), nothing)
	if got[0].P >= 0.45 {
		t.Errorf("blank page: best %s p %.3f", got[0].Type.Document, got[0].P)
	}
}

func rotate180(img *image.RGBA) *image.RGBA {
	out := image.NewRGBA(img.Rect)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := range h {
		for x := range w {
			out.Set(w-1-x, h-1-y, img.At(x, y))
		}
	}
	return out
}

// TestPaperColourIsTheMedian checks the histogram median against the
// plain one: every other pixel outside the type's printed zones, sorted.
func TestPaperColourIsTheMedian(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	th := image.NewRGBA(image.Rect(0, 0, ThumbW, ThumbH))
	for i := range th.Pix {
		th.Pix[i] = uint8(rng.IntN(256))
	}
	for _, typ := range db.Types() {
		var skip []image.Rectangle
		for _, p := range typ.Signature.Patches {
			skip = append(skip, p.Zone.Pixels(ThumbW, ThumbH))
		}
		for _, d := range typ.Decor {
			skip = append(skip, d.Zone.Pixels(ThumbW, ThumbH))
		}
		for _, z := range []*typedb.Rect{typ.FaceZone, typ.MRZZone} {
			if z != nil {
				skip = append(skip, z.Pixels(ThumbW, ThumbH))
			}
		}
		for _, f := range typ.UVFeatures {
			skip = append(skip, f.Zone.Pixels(ThumbW, ThumbH))
		}
		var vals [3][]float64
		for y := 1; y < ThumbH-1; y += 2 {
		px:
			for x := 1; x < ThumbW-1; x += 2 {
				for _, r := range skip {
					if image.Pt(x, y).In(r) {
						continue px
					}
				}
				for k := range 3 {
					vals[k] = append(vals[k], float64(th.Pix[th.PixOffset(x, y)+k]))
				}
			}
		}
		var want [3]float64
		for k := range 3 {
			sort.Float64s(vals[k])
			want[k] = vals[k][len(vals[k])/2]
		}
		got, ok := paperColour(th, typ)
		if !ok || got != want {
			t.Errorf("type %d: paper %v, %v; want %v", typ.ID, got, ok, want)
		}
	}
}

// kzCandidates returns the type database and the candidates for "kz".
func kzCandidates(t *testing.T) (*typedb.DB, []*typedb.Type) {
	t.Helper()
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	cands, err := db.Candidates("kz")
	if err != nil {
		t.Fatal(err)
	}
	return db, cands
}

// printedReader reads, upright only, the anchors of printed that seen
// says the band shows, each as the model of its language returns it.
func printedReader(printed *typedb.Type, seen func(a typedb.Anchor, band typedb.Rect) bool, as func(a typedb.Anchor, lang string) string) AnchorReader {
	return func(_ context.Context, band typedb.Rect, _ float64, flip bool, lang string) (string, error) {
		if flip {
			return "", nil
		}
		var text []string
		for _, a := range printed.Anchors {
			if seen(a, band) {
				text = append(text, as(a, lang))
			}
		}
		return strings.Join(text, "\n"), nil
	}
}

// inRows: an anchor is seen when its zone's rows lie in the band.
func inRows(a typedb.Anchor, band typedb.Rect) bool {
	return a.Zone[1] >= band[1] && a.Zone[3] <= band[3]
}

func asPrinted(a typedb.Anchor, _ string) string { return a.Text }

// wantBest fails the test unless got's best is want, upright.
func wantBest(t *testing.T, got []Candidate, want *typedb.Type, what string) {
	t.Helper()
	if got[0].Type != want || got[0].Flip {
		t.Errorf("%s: best is %s %s flip=%v (p %.3f, evidence %+v), want %s %s", what, got[0].Type.Document, got[0].Type.Side,
			got[0].Flip, got[0].P, got[0].Evidence, want.Document, want.Side)
	}
}

// The 2014 and 2023 Kazakh ID fronts print the same headers and all but
// one of the same labels: the shared anchor a read finds tells nothing
// between them, and the colour signature must not decide. The side is
// painted as the other type (the signature favours the wrong one) and
// read as the right one.
func TestScoreSettlesTypesThatShareAnchors(t *testing.T) {
	db, cands := kzCandidates(t)
	kz14 := db.Document("kz-id-2014")[0]
	kz23 := db.Document("kz-id-2023")[0]
	for _, tc := range []struct{ printed, painted *typedb.Type }{{kz23, kz14}, {kz14, kz23}} {
		obs := Observation{Thumb: paint(tc.painted), Aspect: tc.printed.Aspect(), Outlined: true}
		reads := 0
		read := printedReader(tc.printed, inRows, asPrinted)
		counted := func(ctx context.Context, band typedb.Rect, lineH float64, flip bool, lang string) (string, error) {
			reads++
			return read(ctx, band, lineH, flip, lang)
		}
		got := Score(context.Background(), obs, cands, counted)
		wantBest(t, got, tc.printed, "painted "+tc.painted.Document)
		if reads > maxAnchorReads+settleReads {
			t.Errorf("printed %s: %d anchor reads, want at most %d", tc.printed.Document, reads, maxAnchorReads+settleReads)
		}
	}
}

// A row of labels is read as one band: a shadow that spoils the anchor
// chosen ("DATE OF BIRTH") leaves the rest of its row ("NATIONALITY")
// to show the type.
func TestScoreReadsTheAnchorsRow(t *testing.T) {
	db, cands := kzCandidates(t)
	td1 := db.Document("icao-td1")[0]
	obs := Observation{Aspect: td1.Aspect(), Outlined: true}
	read := func(_ context.Context, band typedb.Rect, _ float64, flip bool, _ string) (string, error) {
		if !flip && band[1] <= 0.42 && band[3] >= 0.465 {
			return "we    TH       SEX         NATIONALITY\n01.05.1984 F      UTO", nil
		}
		return "", nil
	}
	got := Score(context.Background(), obs, cands, read)
	wantBest(t, got, td1, "a spoilt DATE OF BIRTH")
	// 0.45: the engine's least p for a type (pipeline.minP)
	if got[0].P < 0.45 {
		t.Errorf("p %.3f, want ≥ 0.45", got[0].P)
	}
}

// A Kazakh passport whose MRZ was not read prints the generic types'
// "NATIONALITY" within "АЗАМАТТЫҒЫ / NATIONALITY": a generic type that
// finds it must not win on it, since the national type prints it too and
// also what the generic ones do not.
func TestScoreSettlesAGenericLabelWithinANationalOne(t *testing.T) {
	db, cands := kzCandidates(t)
	kzp := db.Document("kz-passport")[0]
	// a generic card's colours: the signature favours the generic types
	obs := Observation{Thumb: paint(db.Document("icao-td2")[0]), Aspect: kzp.Aspect(), Outlined: true, Side: typedb.Front}
	centred := func(a typedb.Anchor, band typedb.Rect) bool {
		c := (a.Zone[1] + a.Zone[3]) / 2
		return c >= band[1] && c <= band[3]
	}
	// the English model reads the Kazakh halves as Latin garble
	garbled := func(a typedb.Anchor, lang string) string {
		if lang != "eng" {
			return a.Text
		}
		_, en, _ := strings.Cut(a.Text, " / ")
		return "AQAMATTLIEL / " + en
	}
	got := Score(context.Background(), obs, cands, printedReader(kzp, centred, garbled))
	wantBest(t, got, kzp, "generic colours")
}

// The anchor that settles two types is read in its column: Tesseract's
// layout analysis of a full-width band loses the small "ЖЫНЫСЫ / ПОЛ"
// beside the large date of birth, as the reader here does, and the 2023
// front was taken for the 2014's.
func TestScoreReadsALoneAnchorInItsColumn(t *testing.T) {
	db, cands := kzCandidates(t)
	kz14 := db.Document("kz-id-2014")[0]
	kz23 := db.Document("kz-id-2023")[0]
	obs := Observation{Thumb: paint(kz14), Aspect: kz23.Aspect(), Outlined: true}
	seen := func(a typedb.Anchor, band typedb.Rect) bool {
		return inRows(a, band) && a.Zone[0] >= band[0] && a.Zone[2] <= band[2] && (a.Text != "ЖЫНЫСЫ / ПОЛ" || band[0] >= 0.5)
	}
	got := Score(context.Background(), obs, cands, printedReader(kz23, seen, asPrinted))
	wantBest(t, got, kz23, "2014 colours")
}

// A side whose anchors read as noise shows nothing of any type: the
// anchors its leader does not print, missed as well, must not raise it
// (the generic TD1 front rose to p 0.57 on a Kazakh card's front so).
func TestScoreDoesNotSettleOnNothingFound(t *testing.T) {
	db, cands := kzCandidates(t)
	td1 := db.Document("icao-td1")[0]
	obs := Observation{Thumb: paint(td1), Aspect: td1.Aspect(), Outlined: true, Side: typedb.Front}
	noise := func(context.Context, typedb.Rect, float64, bool, string) (string, error) {
		return "oS     ATbI/ IMA      aS\nS    .   EBrEHUN     SS", nil
	}
	got := Score(context.Background(), obs, cands, noise)
	// 0.45: the engine's least p for a type (pipeline.minP)
	if got[0].P >= 0.45 {
		t.Errorf("best is %s %s at p %.3f (evidence %+v), want below 0.45", got[0].Type.Document, got[0].Type.Side, got[0].P, got[0].Evidence)
	}
}

// A Kazakh front printed pale looks more like a generic card's white
// paper and black ink than like its own colours. The colour signature
// must not send the reads to the generic type first: when the request
// names Kazakhstan and the Kazakh title is found, nothing is read for
// the generic type's English captions (two reads, 100 ms a side).
func TestScoreReadsTheNamedStatesTypesFirst(t *testing.T) {
	db, cands := kzCandidates(t)
	kz14 := db.Document("kz-id-2014")[0]
	td1 := db.Document("icao-td1")[0]
	for _, a := range kz14.Anchors {
		if langOf(a.Lang) == "eng" {
			t.Fatalf("the 2014 front prints an English anchor %q: the test tells reads apart by language", a.Text)
		}
	}
	obs := Observation{Thumb: paint(td1), Aspect: kz14.Aspect(), Outlined: true, Side: typedb.Front, Country: "KZ"}
	read := printedReader(kz14, inRows, asPrinted)
	var langs []string
	counted := func(ctx context.Context, band typedb.Rect, lineH float64, flip bool, lang string) (string, error) {
		langs = append(langs, lang)
		return read(ctx, band, lineH, flip, lang)
	}
	got := Score(context.Background(), obs, cands, counted)
	wantBest(t, got, kz14, "generic colours")
	if slices.Contains(langs, "eng") {
		t.Errorf("read %v: the generic type's captions were read though the named state's type was found", langs)
	}
}

// An anchor found, though read in part (a pale title), shows which way
// up the side lies and that it was given in the right slot: no candidate
// is read upside down, and no type of the other side is read (kz-dev's
// fourth card, both sides, took nine reads so, six without).
func TestScoreReadsOnlyTheWayTheSideLies(t *testing.T) {
	db, cands := kzCandidates(t)
	kz14 := db.Document("kz-id-2014")[0]
	obs := Observation{Thumb: paint(kz14), Aspect: kz14.Aspect(), Outlined: true, Side: typedb.Front, Country: "kz"}
	// every anchor read without its last three letters ("ЖЕКЕ КУӘЛ")
	partly := func(a typedb.Anchor, _ string) string {
		r := []rune(a.Text)
		return string(r[:max(0, len(r)-3)])
	}
	read := printedReader(kz14, inRows, partly)
	var flipped, reads int
	counted := func(ctx context.Context, band typedb.Rect, lineH float64, flip bool, lang string) (string, error) {
		reads++
		if flip {
			flipped++
		}
		return read(ctx, band, lineH, flip, lang)
	}
	got := Score(context.Background(), obs, cands, counted)
	wantBest(t, got, kz14, "a title read in part")
	if flipped > 0 || reads > 5 {
		t.Errorf("%d reads, %d of them upside down: want at most 5 (this side's types and settling), none upside down", reads, flipped)
	}
}
