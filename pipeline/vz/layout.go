package vz

import (
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// layout classifies the ink of a warped side: the pre-printed labels'
// colour ink and the personalised values' black ink.
type layout struct {
	img *image.RGBA
	typ *typedb.Type
	// separable is true when the label ink's colour differs enough from
	// black to tell labels from values by colour.
	separable bool
	ink       [3]float64 // label ink chroma
	// labels are the labels Tesseract found printed, by field name, in
	// the warped side's pixels (nil when none were looked for)
	labels map[string]image.Rectangle
	// between are labels not read but placed between two that were
	// (inferLabels), by field name; only their own field uses them
	between map[string]image.Rectangle
	// pale, set on a copy, lets paler pixels count as ink (paleInk):
	// a date printed in light grey, or washed out by the light
	pale bool
	// words are the words the caption pass read on a generic side, in
	// the side's pixels
	words []ocr.Word
}

func newLayout(img *image.RGBA, t *typedb.Type) *layout {
	ink := chroma(float64(t.Signature.Ink[0]), float64(t.Signature.Ink[1]), float64(t.Signature.Ink[2]))
	black := chroma(24, 24, 30)
	return &layout{img: img, typ: t, ink: ink, separable: dist(ink, black) > 0.2}
}

func chroma(r, g, b float64) [3]float64 {
	s := r + g + b
	if s < 1 {
		return [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	}
	return [3]float64{r / s, g / s, b / s}
}

func dist(a, b [3]float64) float64 {
	return math.Abs(a[0]-b[0]) + math.Abs(a[1]-b[1]) + math.Abs(a[2]-b[2])
}

var blackChroma = chroma(24, 24, 30)

// paleInk is the darkness, as a part of the window's paper, under which
// a pixel is ink in a date's second look (inkMap takes 0.62 otherwise).
const paleInk = 0.78

// inkMap marks, inside r, the pixels of label ink (1) and of value ink
// (2); paper is 0. Dark is judged against the window's own paper (its
// 90th luma percentile), so uneven light does not matter.
func (l *layout) inkMap(r image.Rectangle) ([]uint8, image.Rectangle) {
	r = r.Intersect(l.img.Rect)
	hist, n := imgutil.LumaHistogram(l.img, r, 1)
	if n == 0 {
		return nil, r
	}
	paper := float64(imgutil.Quantile(&hist, n, 0.9))
	dark := 0.62 * paper
	if l.pale {
		dark = paleInk * paper
	}
	out := make([]uint8, r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := l.img.Pix[l.img.PixOffset(r.Min.X, y):]
		for x := 0; x < r.Dx(); x++ {
			cr, cg, cb := float64(row[4*x]), float64(row[4*x+1]), float64(row[4*x+2])
			lum := 0.299*cr + 0.587*cg + 0.114*cb
			if lum > dark {
				continue
			}
			k := uint8(2)
			if l.separable {
				c := chroma(cr, cg, cb)
				if dist(c, l.ink) < dist(c, blackChroma) {
					k = 1
				}
			}
			out[(y-r.Min.Y)*r.Dx()+x] = k
		}
	}
	return out, r
}

// inkBox returns the bounding box of the ink of kind k in the window,
// trimming rows and columns with fewer than minFrac of the densest
// one's count (specks, neighbours' edges).
func inkBox(m []uint8, r image.Rectangle, k uint8) (image.Rectangle, int) {
	w, h := r.Dx(), r.Dy()
	rows := make([]int, h)
	cols := make([]int, w)
	total := 0
	for y := range h {
		for x := range w {
			if m[y*w+x] == k {
				rows[y]++
				cols[x]++
				total++
			}
		}
	}
	if total == 0 {
		return image.Rectangle{}, 0
	}
	// rows: the densest band of consecutive inked rows
	best, bs, be := 0, 0, 0
	for y := 0; y < h; {
		if rows[y] < 2 {
			y++
			continue
		}
		s, sum := y, 0
		for y < h && rows[y] >= 2 {
			sum += rows[y]
			y++
		}
		if sum > best {
			best, bs, be = sum, s, y
		}
	}
	if best == 0 {
		return image.Rectangle{}, 0
	}
	// columns within that band
	x0, x1 := w, -1
	for y := bs; y < be; y++ {
		for x := range w {
			if m[y*w+x] == k {
				x0 = min(x0, x)
				x1 = max(x1, x)
			}
		}
	}
	return image.Rect(r.Min.X+x0, r.Min.Y+bs, r.Min.X+x1+1, r.Min.Y+be), best
}

// valueCut finds where field f's value is printed: it finds the label's
// ink near the label zone, moves the value zone by the label's offset,
// and cuts tight around the value's ink, with a margin.
//
// The second rectangle is, where the cut was lifted past its caption's
// foot, the part of it to paint out before reading (empty otherwise).
func (l *layout) valueCut(f typedb.Field) (image.Rectangle, image.Rectangle, bool, error) {
	if lb, ok := l.labels[f.Name]; ok && l.typ.Generic {
		// a generic type's zones are a guess: the value is under its
		// caption wherever that is printed
		if win, beside, ok := l.captionWindow(f, lb); ok && beside {
			// the caption on the value's left: the value starts after it
			box, err := l.cutValue(win, f, cutRules{endAtGap: true, paleRun: true})
			return box, image.Rectangle{}, true, err
		} else if ok {
			box, err := l.cutValue(l.widenLeft(win, lb), f, cutRules{firstLine: max(4, lb.Dy()/2), otherColumn: lb.Max.X + columnGap*lb.Dy(), endAtGap: true, growLeft: true, paleRun: true})
			var mask image.Rectangle
			if err == nil {
				if lifted := l.riseBeyondCaption(box, lb); lifted.Min.Y < box.Min.Y {
					box, mask = lifted, l.captionMask(lifted, lb)
				}
			}
			return box, mask, true, err
		}
	} else if ok {
		if win, ok := l.belowLabel(f, lb); ok {
			box, err := l.cutValue(win, f, cutRules{underLabel: true, growLeft: true, endAtGap: true})
			return box, image.Rectangle{}, true, err
		}
	} else if lb, ok := l.between[f.Name]; ok {
		if win, ok := l.belowLabel(f, lb); ok {
			// a label placed, not read: where it ends is a guess, and
			// the cut's margin may reach above it
			box, err := l.cutValue(win, f, cutRules{growLeft: true, endAtGap: true})
			return box, image.Rectangle{}, true, err
		}
	}
	if f.Zone.Width() <= 0 {
		// a field found by its caption only, and its caption was not
		return image.Rectangle{}, image.Rectangle{}, false, fmt.Errorf("%w: %s: no caption found", ErrEmpty, f.Name)
	}
	w, h := l.img.Rect.Dx(), l.img.Rect.Dy()
	lz := f.LabelZone.Pixels(w, h)
	vz := f.Zone.Pixels(w, h)
	dx, dy := 0, 0
	anchored := false
	labelBox := image.Rectangle{}
	if !lz.Empty() {
		// the label window: the label zone, widened a little, never
		// reaching into the value zone's far half
		pad := max(3, lz.Dy()/3)
		win := image.Rect(lz.Min.X-pad, lz.Min.Y-pad, lz.Max.X+pad, lz.Max.Y+pad)
		// keep out of the value: anti-aliased black on tinted paper can
		// pass for label ink
		switch {
		case vz.Min.X >= lz.Max.X-1:
			win.Max.X = min(win.Max.X, vz.Min.X)
		case vz.Min.Y >= lz.Max.Y-1:
			win.Max.Y = min(win.Max.Y, vz.Min.Y+pad/2)
		}
		kind := uint8(1)
		if !l.separable {
			kind = 2
		}
		m, wr := l.inkMap(win)
		if m != nil {
			lb, mass := inkBox(m, wr, kind)
			if mass > lz.Dy()*2 && lb.Dy() >= lz.Dy()/4 {
				labelBox = lb
				anchored = true
				dx = lb.Min.X - lz.Min.X
				dy = (lb.Min.Y+lb.Max.Y)/2 - (lz.Min.Y+lz.Max.Y)/2
				// a print shift is a few millimetres at most
				lim := max(lz.Dy(), 8)
				if abs(dx) > 2*lim || abs(dy) > lim {
					dx, dy, anchored = 0, 0, false
				}
			}
		}
	}
	orig := vz
	vz = vz.Add(image.Pt(dx, dy))
	padY := vz.Dy() / 4
	// values are printed inside their zone's width; a wider window
	// would take in the next field. Horizontally the window spans the
	// zone where the label puts it and where the type does, so a label
	// found a little off does not cut the value's first letter.
	padX := max(3, vz.Dy()/8)
	win := image.Rect(min(vz.Min.X, orig.Min.X)-2*padX, vz.Min.Y-padY, max(vz.Max.X, orig.Max.X)+padX, vz.Max.Y+padY)
	if anchored && labelBox.Max.Y > win.Min.Y && labelBox.Min.Y < vz.Min.Y {
		// the label is above: do not cut into it
		win.Min.Y = labelBox.Max.Y + 1
	}
	labelLeft := anchored && labelBox.Max.X <= vz.Min.X+2 && labelBox.Max.X > win.Min.X
	if labelLeft {
		// the label is to the left (e.g. "№")
		win.Min.X = labelBox.Max.X + 2
	}
	// a template's zone is where its value is printed, and ends at a
	// gap; a generic type's is a guess, its value's place unknown (cut
	// at a gap there, the Albanian card's personal number, printed
	// where the guess put the document number, read clean at 0.91 and
	// raised a false alarm)
	box, err := l.cutValue(win, f, cutRules{growLeft: !labelLeft, endAtGap: !l.typ.Generic})
	if err != nil {
		return vz, image.Rectangle{}, anchored, err
	}
	return box, image.Rectangle{}, anchored, nil
}

// belowLabel is the window field f's value is looked for in, under its
// label found printed at lb: as far below the label as the type prints
// the value below its label, with room for larger print, from where the
// label starts to as far right as the value's zone reaches, and never
// into another label found under it or beside it.
func (l *layout) belowLabel(f typedb.Field, lb image.Rectangle) (image.Rectangle, bool) {
	w, h := l.img.Rect.Dx(), l.img.Rect.Dy()
	lz := f.LabelZone.Pixels(w, h)
	vz := f.Zone.Pixels(w, h)
	if vz.Min.Y < lz.Max.Y-1 {
		return image.Rectangle{}, false // the value is not under its label
	}
	dx := lb.Min.X - lz.Min.X
	reach := vz.Max.Y - lz.Max.Y
	padX := max(3, vz.Dy()/8)
	win := image.Rect(lb.Min.X-2*padX, lb.Max.Y+1, vz.Max.X+dx+padX, lb.Max.Y+reach*3/2)
	// a label beside this one heads the next column; then a label under
	// this one, within the column, ends the value above it (in this
	// order, whatever the order of the map: a label under the next
	// column's must not shorten this value)
	for name, o := range l.labels {
		if name != f.Name && o.Min.X > lb.Max.X && o.Min.Y < lb.Max.Y && o.Max.Y > lb.Min.Y {
			win.Max.X = min(win.Max.X, o.Min.X-padX)
		}
	}
	for name, o := range l.labels {
		if name == f.Name || o.Min.Y <= lb.Max.Y || o.Min.X >= win.Max.X || o.Max.X <= win.Min.X {
			continue
		}
		if o.Min.X >= lb.Max.X {
			// a label lower down that starts past this one's end heads
			// another column (another hand's card set the expiry's
			// label level with the authority's value, to its right):
			// it ends the value's window at its left, not at its top
			win.Max.X = min(win.Max.X, o.Min.X-padX)
			continue
		}
		win.Max.Y = min(win.Max.Y, o.Min.Y-1)
	}
	win = win.Intersect(l.img.Rect)
	if win.Dy() < max(4, lb.Dy()) || win.Dx() < 4 {
		return image.Rectangle{}, false
	}
	return win, true
}

// cutRules say how a value's window was set, and so what cutValue may
// do beyond its plain ink box.
type cutRules struct {
	// underLabel: the window was set under a label found printed,
	// between the labels around it (belowLabel). The cut stays within
	// the window's top and bottom, and a pale stretch of the value's
	// own run is its ink too.
	underLabel bool
	// growLeft: a value the window's left edge cuts is followed beyond
	// it (valueRun) — not where the window was set past a label on the
	// value's left ("№").
	growLeft bool
	// firstLine, when above 0, is the least height of a line of print:
	// the value is the window's topmost line at least that tall, not its
	// densest (under a caption, the next caption down, one that heads no
	// field, lies within reach and may be the denser).
	firstLine int
	// otherColumn, when above 0, is the x (in the side's pixels) from
	// which ink that runs into the window from above it is another
	// column's: a caption beside this one, set a little lower (one of a
	// field not read, "SEX" beside the date of birth), is not the value's
	// line however far it reaches in.
	otherColumn int
	// paleRun: a pale stretch that carries the value's run on to the
	// right is its ink too (light falling off across a photo, or glare,
	// leaves a value's last letters paler than the window's threshold:
	// "TAMATI JAN" for TAMATI JAMES under a generic caption); not one on
	// its left (a portrait's grey beside it)
	paleRun bool
	// endAtGap: the value ends where its line breaks off by more than
	// valueGap heights, whatever lies beyond (a generic caption's window
	// runs to the page's edge, over a signature and its caption; a
	// template's value zone may hold artwork after a short value).
	endAtGap bool
}

// cutValue cuts tight around the value's ink in the window, with a
// margin, by the rules the window was set by.
func (l *layout) cutValue(win image.Rectangle, f typedb.Field, rules cutRules) (image.Rectangle, error) {
	m, wr := l.inkMap(win)
	if m == nil {
		return win, fmt.Errorf("%w: %s", ErrEmpty, f.Name)
	}
	clearEdgeRules(m, wr, l.img.Rect)
	if rules.firstLine > 0 {
		keepFirstLine(m, wr, rules.firstLine, rules.otherColumn-wr.Min.X)
	}
	vb, mass := inkBox(m, wr, 2)
	if mass < 10 || vb.Dy() < 4 {
		if f.Kind == typedb.KindDate && !l.pale {
			// no ink as dark as a value's: a date may be printed pale
			// (light grey, or washed out by an overexposed photo). Only
			// a date: what is read there must still be a calendar date
			// (a pale number or name has no such test, and a paler
			// threshold read a wrong document number)
			pl := *l
			pl.pale = true
			return pl.cutValue(win, f, rules)
		}
		return win, fmt.Errorf("%w: %s", ErrEmpty, f.Name)
	}
	wide := vb
	vb, win = l.valueRun(vb, win, rules)
	if vb.Max.X < wide.Max.X {
		// another column's ink (or the card's rim) was cut off at the
		// right: the value's rows are those of the ink left, not of all
		if m, wr := l.inkMap(image.Rect(vb.Min.X, win.Min.Y, vb.Max.X, win.Max.Y)); m != nil {
			if b, mass := inkBox(m, wr, 2); mass >= 10 && b.Dy() >= 4 {
				vb.Min.Y, vb.Max.Y = b.Min.Y, b.Max.Y
			}
		}
	}
	// a faint last letter may fall under the ink threshold: leave about
	// a character's width either side, within the window
	margin := max(4, vb.Dy()/3)
	hm := max(margin, vb.Dy())
	box := image.Rect(max(vb.Min.X-hm, win.Min.X), vb.Min.Y-margin, min(vb.Max.X+hm, win.Max.X), vb.Max.Y+margin)
	if rules.underLabel {
		// and never past the window's top or bottom: the labels found
		// above and below end it, and a label's ink in the cut is read
		// as letters
		box.Min.Y, box.Max.Y = max(box.Min.Y, win.Min.Y), min(box.Max.Y, win.Max.Y)
		// a value printed flush with its label starts where the label
		// does: glare over its first letters lifts them past every ink
		// threshold ("НҰ" of "НҰРЛАНҰЛЫ"), and a cut from the first dark
		// one reads a confident, shorter name
		w, h := l.img.Rect.Dx(), l.img.Rect.Dy()
		if lz, vz := f.LabelZone.Pixels(w, h), f.Zone.Pixels(w, h); abs(vz.Min.X-lz.Min.X) <= vz.Dy() {
			box.Min.X = min(box.Min.X, win.Min.X)
		}
	}
	box = box.Intersect(l.img.Rect)
	return box, nil
}

// riseBeyondCaption lifts the top of a value's cut where the value's ink
// goes on above it past the end of its caption: a line photographed at a
// slant rises beyond a short caption, above the caption's foot, where
// the cut's window began ("WARSZAWY" under "Authority" lost the tops of
// its last letters and was read "WARSZAW", surely). Not when that ink
// reaches the caption line's top third; the caption's own ink in the
// taller cut (captionMask) is painted out when the cut is read
// (paintOut).
func (l *layout) riseBeyondCaption(box, caption image.Rectangle) image.Rectangle {
	ch := max(caption.Dy(), 6)
	x0 := max(box.Min.X, caption.Max.X+ch/2)
	if box.Max.X-x0 < 2*ch || box.Min.Y <= caption.Min.Y {
		return box
	}
	m, r := l.inkMap(image.Rect(x0, caption.Min.Y, box.Max.X, box.Min.Y+1))
	if m == nil || r.Dy() < 2 {
		return box
	}
	w := r.Dx()
	inked := func(y int) bool {
		for _, v := range m[y*w : (y+1)*w] {
			if v != 0 {
				return true
			}
		}
		return false
	}
	// only ink that crosses the cut's top edge: the value's letters,
	// followed up row by row
	top := r.Dy() - 1
	if !inked(top) {
		return box
	}
	for top > 0 && inked(top-1) {
		top--
	}
	if r.Min.Y+top < caption.Min.Y+caption.Dy()/3 {
		// ink the whole height of the caption's line: more caption (its
		// other languages, a caption beside it) or artwork, not a value
		// rising into the caption's line
		return box
	}
	box.Min.Y = r.Min.Y + top - 1
	return box
}

// captionMask is the part of a value's cut box where its caption's ink
// stands, when the cut reaches above the caption's foot: the caption's
// columns, down to the caption's foot (Tesseract's box of a caption may
// take in the tops of the value's first letters, and the marks over
// them, which stay). Empty when the cut stays under the caption.
func (l *layout) captionMask(box, caption image.Rectangle) image.Rectangle {
	if box.Min.Y >= caption.Max.Y || !caption.Overlaps(box) {
		return image.Rectangle{}
	}
	cols := image.Rect(caption.Min.X-1, caption.Min.Y, caption.Max.X+1, caption.Max.Y+1)
	m, r := l.inkMap(cols)
	foot := caption.Max.Y
	if m != nil {
		foot = r.Min.Y + captionFoot(m, r.Dx(), r.Dy(), box.Min.Y-r.Min.Y)
	}
	return image.Rect(cols.Min.X, box.Min.Y, cols.Max.X, foot).Intersect(box)
}

// captionFoot is the row of ink map m (w columns, h rows, a caption's
// box and a row below it) where the caption's ink ends: the first clear
// row under the caption's letters, the lowest band of rows above the
// cut's top (cutTop) inked across a third as many columns as the most.
// Tesseract boxes a caption taller than its letters (45 px over letters
// 15 px tall, on another hand's Icelandic passport), down over the
// acute of the Ú of GUÐRÚN under it: a mark stands free under that clear
// row. Where the caption's letters run into the value's (no clear row
// under them), or no row above the cut shows them, the caption's foot
// is the first clear row above the bottom, below the box's middle, and
// otherwise its box's bottom.
func captionFoot(m []uint8, w, h, cutTop int) int {
	count := func(y int) int {
		n := 0
		for _, v := range m[y*w : (y+1)*w] {
			if v != 0 {
				n++
			}
		}
		return n
	}
	most := 0
	for y := range min(cutTop, h) {
		most = max(most, count(y))
	}
	if most > 0 {
		body := -1
		for y := range min(cutTop, h) {
			if 3*count(y) >= most {
				body = y
			}
		}
		for y := body + 1; y < h; y++ {
			if count(y) == 0 {
				return y
			}
		}
	}
	// up to the caption's middle: no clear row below it is a value's
	// ink touching the caption's, and the caption's box is painted out
	for y := h - 1; y > h/2; y-- {
		if count(y) == 0 {
			return y
		}
	}
	return h - 1
}

// clearEdgeRules clears, in ink map m of window r, the columns near the
// window's left and right edges that are inked down nearly its whole
// height: a page's border or a card's rim photographed inside the side
// (a rounded corner's edge, the desk beyond it), never a letter, which
// spans one line of a window that holds more. Left in, it joins every
// row into one band, and the value's cut takes in the caption above and
// the one below. Where the window's edge is the side's (side), a band of
// such columns that starts near it is cleared however wide it runs, with
// whatever lies between it and the edge: a page's shadow where the side
// was located a little wide (30 px beside a New Zealand passport's
// authority, the desk's lighter grey beyond it) joined the value's line
// to the edge, and was read as a last "I". Inside the side such a band
// is artwork (a chip, a hologram), whose place helps find the value.
func clearEdgeRules(m []uint8, r, side image.Rectangle) {
	w, h := r.Dx(), r.Dy()
	if h < 8 {
		return
	}
	full := func(x int) bool {
		n := 0
		for y := range h {
			if m[y*w+x] != 0 {
				n++
			}
		}
		return n*10 >= h*9
	}
	clearCol := func(x int) {
		for y := range h {
			m[y*w+x] = 0
		}
	}
	near := min(w/2, max(8, h/2))
	// from each edge inwards, over the near columns, and at the side's
	// edge on while columns are full: each full one is cleared, and at
	// the side's edge all up to the innermost
	edge := func(x0, step int, atSide bool) {
		inner := -1
		for i := 0; i < w/2; i++ {
			x := x0 + i*step
			isFull := full(x)
			if i >= near && !(atSide && isFull) {
				break
			}
			if isFull {
				inner = i
				clearCol(x)
			}
		}
		for i := 0; atSide && i < inner; i++ {
			clearCol(x0 + i*step)
		}
	}
	edge(0, 1, r.Min.X <= side.Min.X)
	edge(w-1, -1, r.Max.X >= side.Max.X)
}

// keepFirstLine clears, in ink map m of window r, every row but those of
// the topmost band of inked rows at least minHeight tall (a caption's
// descenders above it, an i's dot, are shorter). A band that is only the
// marks over the next band's capitals is no line: under half as tall as
// that band, with under a quarter of its ink, and a band's height or
// less above it (the accents of "FŐVÁROS", joined by a guilloche line,
// had been taken for the line, and "FŐV" answered as the authority at
// 0.95 on another hand's Hungarian passport).
func keepFirstLine(m []uint8, r image.Rectangle, minHeight, otherColumn int) {
	w, h := r.Dx(), r.Dy()
	// a band from the window's top whose ink lies wholly from otherColumn
	// on (map columns) runs in from another column's caption
	beside := func(y0, y1 int) bool {
		if otherColumn <= 0 || otherColumn >= w {
			return false
		}
		for y := y0; y < y1; y++ {
			if slices.ContainsFunc(m[y*w:y*w+otherColumn], func(k uint8) bool { return k != 0 }) {
				return false
			}
		}
		return true
	}
	inked := make([]int, h)
	for y := range h {
		for _, k := range m[y*w : (y+1)*w] {
			if k != 0 {
				inked[y]++
			}
		}
	}
	type band struct{ y0, y1, mass int }
	var bands []band
	for y := 0; y < h; {
		if inked[y] < 2 {
			y++
			continue
		}
		b := band{y0: y}
		for y < h && inked[y] >= 2 {
			b.mass += inked[y]
			y++
		}
		b.y1 = y
		bands = append(bands, b)
	}
	for i, b := range bands {
		if b.y1-b.y0 < minHeight || (b.y0 == 0 && beside(b.y0, b.y1)) {
			continue
		}
		if i+1 < len(bands) {
			next := bands[i+1]
			if tall := b.y1 - b.y0; 2*tall < next.y1-next.y0 && 4*b.mass < next.mass && next.y0-b.y1 <= tall {
				continue // the next line's marks
			}
		}
		clear(m[:b.y0*w])
		clear(m[b.y1*w:])
		return
	}
}

// maxValueReach is how far, in heights of its line, a value cut at its
// window's left edge is followed beyond it; valueGap the widest gap, in
// the same heights, within one value (a value's words are a space apart,
// another column's value is several characters away).
const (
	maxValueReach = 3
	// captionSetIn: how far, in value heights, a generic value may start
	// left of its caption's window, where its run reaches maxValueReach
	captionSetIn = 8
	valueGap     = 3
)

// valueRun trims and extends the value's band vb in window win at its
// sides, where a window set by a label found in part goes wrong. Ink is
// taken in runs of letters and words (gaps up to the line's height): a
// run that crosses the window's right edge, set well apart from the run
// before it, is the next column's value and is left out; a run that
// crosses the left edge (a label read as its right half put the window
// late) is taken from where it starts. It returns the band and the
// window grown or cut to match.
func (l *layout) valueRun(vb, win image.Rectangle, rules cutRules) (image.Rectangle, image.Rectangle) {
	h := vb.Dy()
	reach := maxValueReach * h
	type run struct{ x0, x1 int } // image coordinates, x1 exclusive
	// Under a label, in the value's own rows, any ink of some contrast
	// to its own stretch of paper is the value's: light falling off
	// across a phone photo leaves part of a black value too pale for the
	// window's threshold ("СЕЙІ" of "СЕЙІТОВ" at 0.63 of the paper,
	// "ТОВ" at 0.53), or gives it the label ink's tint.
	runsIn := func(strip image.Rectangle) ([]run, image.Rectangle) {
		m, r := l.inkMap(strip)
		if m == nil {
			return nil, r
		}
		var faint func(x int) bool
		if rules.underLabel {
			faint = l.faintInk(r)
		}
		var runs []run
		last := -1 << 30
		for x := r.Min.X; x < r.Max.X; x++ {
			inked := false
			for y := range r.Dy() {
				if m[y*r.Dx()+x-r.Min.X] == 2 {
					inked = true
					break
				}
			}
			if !inked && faint != nil {
				inked = faint(x)
			}
			if !inked {
				continue
			}
			if len(runs) > 0 && x-last <= h {
				runs[len(runs)-1].x1 = x + 1
			} else {
				runs = append(runs, run{x, x + 1})
			}
			last = x
		}
		return runs, r
	}
	runs, r := runsIn(image.Rect(max(win.Min.X-reach, l.img.Rect.Min.X), vb.Min.Y, min(win.Max.X+reach, l.img.Rect.Max.X), vb.Max.Y))
	if r.Empty() {
		return vb, win
	}
	if rules.growLeft && rules.endAtGap && len(runs) > 0 && runs[0].x0-r.Min.X <= h && runs[0].x0 < win.Min.X && runs[0].x1 > win.Min.X && r.Min.X > l.img.Rect.Min.X {
		// a generic caption found in one of its languages only sits in
		// from its value by the others' length ("Given names" of
		// "Réamhainm / Given names" over CIARÁN PÁDRAIG, read "RAN
		// PADRAIG"): the run that crosses the window's edge and reaches
		// to within a gap of the strip's is followed on, up to
		// captionSetIn heights, to
		// where a line of print starts; not over a portrait beside it
		wide, wr := runsIn(image.Rect(max(win.Min.X-captionSetIn*h, l.img.Rect.Min.X), vb.Min.Y, runs[0].x1, vb.Max.Y))
		for _, c := range wide {
			if c.x0 < win.Min.X && c.x1 > win.Min.X && c.x0 > wr.Min.X && !l.tallInk(image.Rect(c.x0, vb.Min.Y, win.Min.X, vb.Max.Y)) {
				runs[0].x0, r.Min.X = c.x0, wr.Min.X
			}
		}
	}
	for i, c := range runs {
		switch {
		case rules.underLabel && c.x0 >= win.Min.X && c.x0 < vb.Min.X && c.x1 >= vb.Min.X:
			// the value's own run starts before its black ink does
			vb.Min.X = c.x0
		case rules.growLeft && c.x0 < win.Min.X && c.x1 > win.Min.X && c.x0 > r.Min.X:
			// crosses the left edge and starts within reach
			vb.Min.X = min(vb.Min.X, c.x0)
			win.Min.X = c.x0
		case rules.endAtGap && i > 0 && c.x0 > vb.Min.X && c.x0 < win.Max.X && runs[i-1].x1 > vb.Min.X && c.x0-runs[i-1].x1 > valueGap*h:
			// well apart from the value before it, within the window
			win.Max.X = c.x0
			vb.Max.X = min(vb.Max.X, runs[i-1].x1)
		case c.x0 >= win.Min.X && c.x0 < win.Max.X && c.x1 >= win.Max.X && i > 0 &&
			runs[i-1].x1 > win.Min.X && c.x0-runs[i-1].x1 > valueGap*h:
			// crosses the right edge (or reaches it, where the window
			// ends at the side's: the card's rim, shadow beside it), well
			// apart from the value before it
			win.Max.X = c.x0
			vb.Max.X = min(vb.Max.X, runs[i-1].x1)
		case rules.underLabel && c.x0 <= vb.Max.X && c.x1 > vb.Max.X && c.x1 <= win.Max.X:
			// and ends after it
			vb.Max.X = c.x1
		}
	}
	if rules.paleRun && !rules.underLabel && vb.Max.X < win.Max.X {
		// the value's run carried on to the right over pale ink, dark
		// against its own stretch of paper, letter by letter; only to
		// the right: a pale portrait on the left is no part of it
		faint := l.faintInk(image.Rect(vb.Max.X, vb.Min.Y, win.Max.X, vb.Max.Y))
		last := vb.Max.X - 1
		for x := vb.Max.X; x < win.Max.X && x-last <= h; x++ {
			if faint(x) {
				last = x
			}
		}
		vb.Max.X = last + 1
	}
	return vb, win
}

// runsOffSide reports whether a value's cut box reaches the side's left
// or right edge with the value's ink in the edge's outermost columns.
func (l *layout) runsOffSide(box image.Rectangle) bool {
	b := l.img.Rect
	return (box.Min.X <= b.Min.X && l.valueInkIn(image.Rect(b.Min.X, box.Min.Y, b.Min.X+2, box.Max.Y))) ||
		(box.Max.X >= b.Max.X && l.valueInkIn(image.Rect(b.Max.X-2, box.Min.Y, b.Max.X, box.Max.Y)))
}

// tallInk reports whether a quarter or more of band's columns hold ink
// both above it and below it, within its height: a picture or a
// rule that a line of print is not.
func (l *layout) tallInk(band image.Rectangle) bool {
	h := band.Dy()
	m, r := l.inkMap(image.Rect(band.Min.X, band.Min.Y-h, band.Max.X, band.Max.Y+h))
	if m == nil || r.Dx() == 0 {
		return false
	}
	tall := 0
	for x := range r.Dx() {
		above, below := false, false
		for y := range r.Dy() {
			if m[y*r.Dx()+x] == 0 {
				continue
			}
			switch yy := r.Min.Y + y; {
			case yy < band.Min.Y:
				above = true
			case yy >= band.Max.Y:
				below = true
			}
		}
		if above && below {
			tall++
		}
	}
	return 4*tall >= r.Dx()
}

// faintRatio is the darkest a value's pale stretch may be against its
// own paper and still count as ink in its rows (inkMap takes 0.62 of
// the window's paper).
const faintRatio = 0.72

// faintInk returns, for the columns of strip r (one line of text), whether
// a column holds ink darker than faintRatio of the paper around it: the
// paper is taken per stretch of two line heights (the 90th percentile of
// its luma), so light that falls off along the line does not matter.
func (l *layout) faintInk(r image.Rectangle) func(x int) bool {
	r = r.Intersect(l.img.Rect)
	step := max(2*r.Dy(), 8)
	inked := make([]bool, r.Dx())
	for x0 := r.Min.X; x0 < r.Max.X; x0 += step {
		block := image.Rect(x0, r.Min.Y, min(x0+step, r.Max.X), r.Max.Y)
		around := block.Inset(-step / 2).Intersect(r)
		hist, n := imgutil.LumaHistogram(l.img, around, 1)
		if n == 0 {
			continue
		}
		dark := faintRatio * float64(imgutil.Quantile(&hist, n, 0.9))
		for y := block.Min.Y; y < block.Max.Y; y++ {
			row := l.img.Pix[l.img.PixOffset(block.Min.X, y):]
			for x := 0; x < block.Dx(); x++ {
				if float64(imgutil.Luma(row[4*x], row[4*x+1], row[4*x+2])) < dark {
					inked[x0-r.Min.X+x] = true
				}
			}
		}
	}
	return func(x int) bool { return x >= r.Min.X && x < r.Max.X && inked[x-r.Min.X] }
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
