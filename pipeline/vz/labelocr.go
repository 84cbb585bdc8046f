package vz

import (
	"context"
	"image"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/internal/editdist"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// WordReader reads text with each word's box; *ocr.Pool implements it.
// A Reader that is also a WordReader lets the fields follow their
// labels as Tesseract finds them printed, wherever that is.
type WordReader interface {
	Words(ctx context.Context, img *image.Gray, req ocr.Request) ([]ocr.Word, error)
}

// labelScale is how much finer than the warped side the labels are read:
// at the warp's 12 px/mm a label's capitals are about 20 px, which
// Tesseract reads; 1.5 reads no more labels on kz-dev and costs 2.2 times
// as much.
const labelScale = 1.0

// labelFlattenTile is the tile FlattenPaper finds the paper in for the
// label pass: wider than a stroke of labels some 20 px tall.
const labelFlattenTile = 32

// minLabelSimilarity is how closely a run of words must read as a label
// to stand for it: a label is printed text, read well, and a value near
// a label's spelling is still caught by isLabel.
const minLabelSimilarity = 0.7

// findLabels reads the side's text (again on even paper where labels
// were missed) and returns, for each field of
// t with a label of words, where that label is printed (in the warped
// side's pixels), and the words read. A field whose label is not read is
// missing from the map; the caller falls back to the label's ink near
// the type's zone.
func findLabels(ctx context.Context, r WordReader, gray *image.Gray, sample func(image.Rectangle, float64) *image.Gray, t *typedb.Type, names map[string]bool) (map[string]image.Rectangle, []ocr.Word) {
	var want []typedb.Field
	area := image.Rectangle{}
	w, h := gray.Rect.Dx(), gray.Rect.Dy()
	for _, f := range t.Fields {
		if names != nil && !names[f.Name] {
			continue
		}
		if len([]rune(letters(t.PrintedLabel(f)))) < 3 || f.LabelZone.Width() <= 0 {
			continue
		}
		want = append(want, f)
		// where the label may be: its zone, give or take what another
		// printer moves it, and the value's zone (a label set lower)
		z := f.LabelZone.Pixels(w, h).Union(f.Zone.Pixels(w, h))
		area = area.Union(z.Inset(-h / 12))
	}
	if len(want) == 0 {
		return nil, nil
	}
	area = area.Intersect(gray.Rect)
	if area.Dx() < 16 || area.Dy() < 16 {
		return nil, nil
	}
	img, scale := gray.SubImage(area).(*image.Gray), 1.0
	if sample != nil && labelScale > 1 {
		img, scale = sample(area, labelScale), labelScale
	}
	// Not Inverted: no type's label is printed light on dark, and
	// Tesseract's second, inverted reading of each line it is unsure of
	// (the artwork's) cost a tenth of a two-sided card
	req := ocr.Request{Languages: "kaz", Mode: ocr.PSMAuto}
	words, err := r.Words(ctx, img, req)
	if err != nil {
		return nil, nil
	}
	// labelsIn places the labels among words read in img (the sampled
	// area), the words brought back to the warped side's pixels
	labelsIn := func(words []ocr.Word) (map[string]image.Rectangle, []ocr.Word) {
		for i := range words {
			b := words[i].Box.Sub(img.Rect.Min)
			words[i].Box = image.Rect(int(float64(b.Min.X)/scale), int(float64(b.Min.Y)/scale),
				int(math.Ceil(float64(b.Max.X)/scale)), int(math.Ceil(float64(b.Max.Y)/scale))).Add(area.Min)
		}
		lines := WordLines(words)
		out := map[string]image.Rectangle{}
		for _, f := range want {
			if b, ok := bestLabelRun(lines, t, f, w, h); ok {
				out[f.Name] = b
			}
		}
		return out, words
	}
	out, words := labelsIn(words)
	if len(out) < len(want) {
		// labels missed: a shadow's edge across the side made
		// Tesseract's one threshold take half the page for ink, and its
		// layout analysis dropped the text there (of a Kazakh card's
		// back photographed small, it read one column of four). Read
		// again on even paper, and keep the reading that places more
		// labels (not always even paper: on a page read well, it reads
		// labels worse)
		if again, err := r.Words(ctx, imgutil.FlattenPaper(img, labelFlattenTile), req); err == nil {
			if out2, words2 := labelsIn(again); len(out2) > len(out) {
				out, words = out2, words2
			}
		}
	}
	if len(words) == 0 {
		return nil, nil
	}
	return out, words
}

// WordLines groups words by Tesseract's lines, each left to right.
func WordLines(words []ocr.Word) [][]ocr.Word {
	by := map[int][]ocr.Word{}
	var keys []int
	for _, w := range words {
		if _, ok := by[w.Line]; !ok {
			keys = append(keys, w.Line)
		}
		by[w.Line] = append(by[w.Line], w)
	}
	sort.Ints(keys)
	out := make([][]ocr.Word, 0, len(keys))
	for _, k := range keys {
		l := by[k]
		sort.Slice(l, func(i, j int) bool { return l[i].Box.Min.X < l[j].Box.Min.X })
		out = append(out, l)
	}
	return out
}

// bestLabelRun is the box of the run of words, within one line, that
// reads most like f's label (the pair, or either language alone); among
// equally good readings, the one nearest the type's label zone.
func bestLabelRun(lines [][]ocr.Word, t *typedb.Type, f typedb.Field, w, h int) (image.Rectangle, bool) {
	var targets [][]rune
	var sources []string
	pair := t.PrintedLabel(f)
	for _, s := range []string{pair, f.Labels.KK, f.Labels.RU} {
		l := []rune(ToCyrillic(letters(s)))
		// a half too short to tell labels apart ("АТЫ" of "АТЫ / ИМЯ"
		// and of "ӘКЕСІНІҢ АТЫ") stands only within the pair
		if len(l) >= 5 || (len(targets) == 0 && len(l) >= 3) {
			targets = append(targets, l)
			sources = append(sources, s)
		}
	}
	own := ownLabelWords(t, f)
	lz := f.LabelZone.Pixels(w, h)
	best, bestD := 0.0, math.Inf(1)
	var box image.Rectangle
	var picked []ocr.Word
	// consider takes words i..j of line l, read as s like the label, when
	// they read better than the best so far, or as well and nearer the
	// type's label zone; half is the part of the printed pair they read
	// ("" for the whole pair), which their box widens to
	consider := func(s float64, l []ocr.Word, i, j int, b image.Rectangle, half string) {
		// labels are set from their left edge: a short label's centre
		// is far from its wide zone's
		d := math.Hypot(float64(b.Min.X-lz.Min.X), float64(b.Min.Y+b.Max.Y-lz.Min.Y-lz.Max.Y)/2)
		if s <= best+0.02 && (s <= best-0.02 || d >= bestD) {
			return
		}
		best, bestD, box, picked = s, d, b, l[i:j+1]
		if half != "" {
			before, after := pairWords(pair, half)
			box = extendRun(l, i, j, b, before, after)
			if box.Min.X == b.Min.X {
				box.Min.X -= unreadLead(pair, half, b.Dx())
			}
		}
	}
	for _, l := range lines {
		for i := range l {
			if word, ok := own[ToCyrillic(letters(l[i].Text))]; ok {
				// a word of this label's alone, read exactly, where the
				// rest of its line was misread (two labels side by side
				// read as one line: "БЕРІЛГЕН … ВЫДАЧИ ҚОЛДАНЫЛУ …"):
				// the weakest evidence that still stands
				consider(minLabelSimilarity, l, i, i, l[i].Box, word)
			}
			run := ""
			b := image.Rectangle{}
			for j := i; j < len(l) && j < i+6; j++ {
				run += l[j].Text
				b = b.Union(l[j].Box)
				got := []rune(ToCyrillic(letters(run)))
				for ti, tg := range targets {
					s := 1 - float64(editdist.Levenshtein(got, tg))/float64(max(len(got), len(tg)))
					half := ""
					if ti > 0 {
						// one language's half alone: a little less sure
						s -= 0.05
						half = sources[ti]
					}
					if s >= minLabelSimilarity {
						consider(s, l, i, j, b, half)
					}
				}
			}
		}
	}
	// a label read far from where any card of the type prints it is
	// another field's, or a value's
	if best == 0 || bestD > 0.35*float64(h) {
		return image.Rectangle{}, false
	}
	// the label's rows are its words' middle top and bottom: one word's
	// box swollen by a speck of the artwork above it (a box twice the
	// label's height) must not make the label as tall
	tops, bottoms := make([]int, len(picked)), make([]int, len(picked))
	for k, w := range picked {
		tops[k], bottoms[k] = w.Box.Min.Y, w.Box.Max.Y
	}
	slices.Sort(tops)
	slices.Sort(bottoms)
	box.Min.Y, box.Max.Y = tops[len(tops)/2], bottoms[len(bottoms)/2]
	return box, true
}

// ownLabelWords are the words of f's printed label, by their letters
// in Cyrillic, that are long enough to tell labels apart (six letters or
// more) and that no other field's label of t prints: each stands for the
// label alone.
func ownLabelWords(t *typedb.Type, f typedb.Field) map[string]string {
	others := map[string]bool{}
	for _, o := range t.Fields {
		if o.Name == f.Name {
			continue
		}
		for _, wd := range strings.Fields(t.PrintedLabel(o)) {
			others[ToCyrillic(letters(wd))] = true
		}
	}
	own := map[string]string{}
	for _, wd := range strings.Fields(t.PrintedLabel(f)) {
		if k := ToCyrillic(letters(wd)); len([]rune(k)) >= 6 && !others[k] {
			own[k] = wd
		}
	}
	return own
}

// unreadLead is how far left of a label's half, read alone and w pixels
// wide, the printed pair starts: nothing when the half starts the pair;
// otherwise the other half and the slash, at the read half's width per
// character (the first half too faint on the artwork to be read as
// words, "ТЕГІ /" of "ТЕГІ / ФАМИЛИЯ").
func unreadLead(pair, half string, w int) int {
	at := strings.Index(pair, half)
	if at <= 0 {
		return 0
	}
	n := len([]rune(half))
	if n == 0 {
		return 0
	}
	return len([]rune(pair[:at])) * w / n
}

// pairWords counts the words ("/" included) the printed pair has before
// and after one of its halves: how far a half read alone may be widened.
func pairWords(pair, half string) (before, after int) {
	at := strings.Index(pair, half)
	if at < 0 {
		return 0, 0
	}
	return len(strings.Fields(pair[:at])), len(strings.Fields(pair[at+len(half):]))
}

// extendRun widens a label found by one language's half to the words
// beside it on its line that are part of the printed pair ("/" and the
// other half: at most before words to the left, after to the right), so
// the label's box starts where the label does, and not where the
// label printed beside it in the next column does.
func extendRun(l []ocr.Word, i, j int, b image.Rectangle, before, after int) image.Rectangle {
	gap := b.Dy() * 2
	for k := i - 1; k >= 0 && i-k <= before; k-- {
		if b.Min.X-l[k].Box.Max.X > gap || !labelish(l[k].Text) {
			break
		}
		b = b.Union(l[k].Box)
	}
	for k := j + 1; k < len(l) && k-j <= after; k++ {
		if l[k].Box.Min.X-b.Max.X > gap || !labelish(l[k].Text) {
			break
		}
		b = b.Union(l[k].Box)
	}
	return b
}

// labelish is a word that may be part of a label: the slash, or letters.
func labelish(s string) bool {
	if strings.TrimSpace(s) == "/" {
		return true
	}
	for _, r := range s {
		if unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// Bounds on the scale inferLabels finds between two labels read: print
// sizes vary by some ±10 % and positions by a few per cent; a scale
// beyond these says a label was read in the wrong place.
const (
	minBetweenScale = 0.8
	maxBetweenScale = 1.25
)

// inferLabels places the labels of fields of t that the label pass did
// not read (small print on busy artwork) but that the type prints
// between two labels it did read, in the same column: the nearest one
// above and the nearest one below. The type's distances between the
// three are scaled to the distance found between the two read, so a
// layout printed larger or smaller, or shifted, carries the missing
// label with it. found is in the side's pixels (w×h); the result holds
// only the labels placed.
func inferLabels(found map[string]image.Rectangle, t *typedb.Type, fields []typedb.Field, w, h int) map[string]image.Rectangle {
	byName := map[string]typedb.Field{}
	for _, f := range t.Fields {
		byName[f.Name] = f
	}
	out := map[string]image.Rectangle{}
	for _, f := range fields {
		if _, ok := found[f.Name]; ok || f.LabelZone.Width() <= 0 {
			continue
		}
		lz := f.LabelZone.Pixels(w, h)
		var above, below string
		// in name order: of two labels at one height, the same is taken
		// every time
		for _, name := range slices.Sorted(maps.Keys(found)) {
			o := byName[name].LabelZone.Pixels(w, h)
			if o.Empty() || o.Max.X <= lz.Min.X || o.Min.X >= lz.Max.X {
				continue // not in this label's column
			}
			switch {
			case o.Max.Y <= lz.Min.Y && (above == "" || o.Min.Y > byName[above].LabelZone.Pixels(w, h).Min.Y):
				above = name
			case o.Min.Y >= lz.Max.Y && (below == "" || o.Min.Y < byName[below].LabelZone.Pixels(w, h).Min.Y):
				below = name
			}
		}
		if above == "" || below == "" {
			continue
		}
		za, zb := byName[above].LabelZone.Pixels(w, h), byName[below].LabelZone.Pixels(w, h)
		fa, fb := found[above], found[below]
		scale := float64(fb.Min.Y-fa.Min.Y) / float64(max(zb.Min.Y-za.Min.Y, 1))
		if scale < minBetweenScale || scale > maxBetweenScale {
			continue
		}
		y := func(v int) int { return fa.Min.Y + int(math.Round(float64(v-za.Min.Y)*scale)) }
		// labels are set from their left edge: the one found further
		// left is the surer (a label read in half starts late)
		dx := min(fa.Min.X-za.Min.X, fb.Min.X-zb.Min.X)
		out[f.Name] = image.Rect(lz.Min.X+dx, y(lz.Min.Y), lz.Max.X+dx, y(lz.Max.Y))
	}
	return out
}

// columnSlack is, as a part of the side's width, how much later than
// the rest of its column a label may start and still be taken as read
// whole: a printer moves single labels by a few per cent.
const columnSlack = 0.04

// alignColumns gives back the start of labels read in part. The type
// sets a column of labels from one left edge; when one label of the
// column is found starting well right of where the others put that
// edge, Tesseract read only its right half ("ФАМИЛИЯ" of "ТЕГІ /
// ФАМИЛИЯ", the first half too faint on the artwork), and the label,
// and the value under it, start where the column does. found (side
// pixels, w×h) is changed in place.
func alignColumns(found map[string]image.Rectangle, t *typedb.Type, w, h int) {
	type member struct {
		name string
		dx   int
	}
	cols := map[int][]member{}
	tol := int(columnSlack * float64(w))
	for _, f := range t.Fields {
		b, ok := found[f.Name]
		if !ok || f.LabelZone.Width() <= 0 {
			continue
		}
		lz := f.LabelZone.Pixels(w, h)
		// the column: template left edges within a few pixels
		key := lz.Min.X / max(tol/4, 1)
		cols[key] = append(cols[key], member{f.Name, b.Min.X - lz.Min.X})
	}
	for _, ms := range cols {
		if len(ms) < 2 {
			continue
		}
		lo := ms[0].dx
		for _, m := range ms {
			lo = min(lo, m.dx)
		}
		var agree []int
		for _, m := range ms {
			if m.dx <= lo+tol {
				agree = append(agree, m.dx)
			}
		}
		sort.Ints(agree)
		edge := agree[len(agree)/2]
		for _, m := range ms {
			if m.dx > lo+tol {
				b := found[m.name]
				b.Min.X -= m.dx - edge
				found[m.name] = b
			}
		}
	}
}
