// Package vz owns reading the visual zone of an identified, warped side:
// each field is anchored on its printed label (read by Tesseract where
// it is printed, else found by its ink near the type's zone), cut
// tight around the value's own ink, read by Tesseract with a page
// segmentation mode and whitelist that suit the field, and normalised
// (dates as dd.mm.yyyy, names in the document's script).
package vz

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// Reader reads text from a grey image; *ocr.Pool implements it.
type Reader interface {
	Read(ctx context.Context, img *image.Gray, req ocr.Request) (ocr.Text, error)
}

// Reading is one field as read.
type Reading struct {
	Name string
	// Raw is Tesseract's text; Value the normalised value ("" when the
	// text could not be made a value of the field's kind).
	Raw        string
	Value      string
	Confidence float64
	// Region is where the value was read, in normalised side coordinates.
	Region typedb.Rect
	// Anchored is true when the label was found and the zone moved to it.
	Anchored bool
	// Captioned is true when, on a generic side, the caption pass read
	// the field's caption and the value was cut under it (Anchored alone
	// may be ink found near a zone that is a guess).
	Captioned bool
	Err       error
	// PageDates are, for a date of a generic side, the dates the caption
	// pass read anywhere above the MRZ (dd.mm.yyyy, two-digit years in
	// the past): where the caption was not read, the date may still be.
	PageDates []string
	// PageWords are, for a Latin name of a generic side, the words the
	// caption pass read: where its caption was not read, or the value
	// under it was read as no sure name, the MRZ, read on either side,
	// may place the name among them (LocateName).
	PageWords []ocr.Word
	// Located is set where a generic side's name was found among its
	// page's words as the MRZ gives it (LocateName): its letters agree
	// with the MRZ's because they were looked for.
	Located bool
	// Marked is, for a generic side's Latin name or text, the Latin-script
	// model's reading of the cut where it kept a mark (RestoreMarks),
	// whether or not its letters are Value's: the English model misreads
	// some marked letters (RŪTA read "ROTA"), which the caller, knowing
	// the MRZ, may tell.
	Marked string
	// mask is the part of the cut, in the side's pixels, where its
	// caption's ink stands and is painted out before any read of it
	// (riseBeyondCaption); empty for most cuts.
	mask image.Rectangle
	// clipped is set when the cut of a date or number ends inside its
	// ink: no reading of it is sure.
	clipped bool
}

// Side is a warped side ready to read.
type Side struct {
	Image *image.RGBA
	// Gray, when set, is Image's luma (imgutil.Gray), which the caller
	// had already; otherwise it is computed.
	Gray *image.Gray
	Type *typedb.Type
	// Sample, when set, cuts a box of Image's pixel grid again from the
	// source frame, scale times finer, so small print is read at the
	// camera's full resolution.
	Sample func(box image.Rectangle, scale float64) *image.Gray
	// State is the issuing state the side's MRZ names (ICAO code), ""
	// when none was read: it says which scripts the captions may be in.
	State string
	// Nationality is the holder's nationality the side's MRZ names (ICAO
	// code), "" when none was read: with State, it says which marked
	// letters a name may carry.
	Nationality string
	// Expiry is the date of expiry the side's MRZ gives (dd.mm.yyyy), ""
	// when none was read: a generic side whose page shows no date a
	// validity period before it reads its date-like words again.
	Expiry string
	// NumberKnown is set when the side's MRZ, read surely, gives the
	// document number with its check digit holding. A generic side then
	// does not look for the number by its caption: real pages print it
	// in a row of other fields ("P CZE 99003853" under "Type / Code /
	// Passport No."), so a caption's window there reads more than the
	// number, and the MRZ has it.
	NumberKnown bool
}

// targetHeight is the height, in pixels, a value's cut is sampled at:
// Tesseract reads best with capitals 25–40 px tall.
const targetHeight = 72

// ErrEmpty is a field with no ink in its zone.
var ErrEmpty = errors.New("vz: nothing printed in the zone")

// ErrNotListed is a reading of a field with a closed set of values
// (typedb.Field.Values) that is near none of them.
var ErrNotListed = errors.New("vz: reading is none of the field's values")

// ErrUnreadable is a field whose text makes no value of its kind.
var ErrUnreadable = errors.New("vz: text is no value of the field's kind")

// ReadFields reads the named fields of every side in parallel (the
// Reader's workers bound the concurrency); names nil reads all fields.
// The readings come back in field order per side.
func ReadFields(ctx context.Context, r Reader, sides []Side, names map[string]bool) [][]Reading {
	out := make([][]Reading, len(sides))
	var wg sync.WaitGroup
	for i, s := range sides {
		gray := s.Gray
		if gray == nil {
			gray = imgutil.Gray(s.Image)
		}
		lay := newLayout(s.Image, s.Type)
		fields := fieldsToRead(s.Type, names)
		if wr, ok := r.(WordReader); ok {
			if s.Type.Generic {
				// no state's layout: each field is where its caption is
				captioned := fields
				if s.NumberKnown {
					captioned = slices.DeleteFunc(slices.Clone(fields), func(f typedb.Field) bool { return f.Name == fieldDocumentNumber })
				}
				lay.labels, lay.words, _ = findCaptions(ctx, wr, gray, s.Type, captioned, captionLangsFor(s.State))
			} else {
				lay.labels, lay.words = findLabels(ctx, wr, gray, s.Sample, s.Type, names)
				alignColumns(lay.labels, s.Type, gray.Rect.Dx(), gray.Rect.Dy())
				lay.between = inferLabels(lay.labels, s.Type, fields, gray.Rect.Dx(), gray.Rect.Dy())
			}
		}
		s := s
		for _, f := range fields {
			out[i] = append(out[i], Reading{Name: f.Name})
		}
		for j := range out[i] {
			f := fields[j]
			// the MRZ may place a generic side's Latin name among the
			// caption pass's words (LocateName)
			var pageWords []ocr.Word
			if s.Type.Generic && f.Kind == typedb.KindName && f.Script == typedb.ScriptLatin {
				pageWords = lay.words
			}
			if _, found := lay.labels[f.Name]; f.Zone.Width() <= 0 && !found {
				// found by its caption only, and that was not found:
				// nothing to read
				out[i][j].Err = fmt.Errorf("%w: %s: no caption found", ErrEmpty, f.Name)
				if s.Type.Generic && f.Name == fieldDateOfIssue {
					// its caption unread (small print Tesseract's layout
					// dropped), the date itself may still be on the page
					out[i][j].PageDates = pageDates(lay.words, time.Now())
				}
				out[i][j].PageWords = pageWords
				continue
			}
			wg.Add(1)
			go func(dst *Reading) {
				defer wg.Done()
				*dst = readField(ctx, r, gray, s.Sample, lay, f)
				if s.Type.Generic && f.Kind == typedb.KindName && dst.Err == nil {
					if _, v, _, _, ok := lay.passValue(f, s.Type); ok && partOfWord(dst.Value, v) {
						// the caption pass read a longer word there, of
						// which the cut read only the end or the start: a
						// glare over a name's first letters put them
						// under the value's ink ("KOVA" for TSVETKOVA).
						// Not sure, whichever is right
						dst.Confidence = 0
					}
				}
				unsure := dst.Err != nil || (dst.Confidence < confirmBelow && !s.Type.Generic)
				if unsure && dst.Anchored {
					// the cut made nothing (or, under a national type's
					// label, nothing sure: a shadow's edge across it reads
					// as ink): the label or caption pass read the side
					// already, and its words under the label stand in,
					// before the cut is read again. Not for a generic
					// side's unsure cut: under captions found on real
					// pages, the pass's words were as often another
					// field's (authority, place of birth, wrong)
					if raw, v, c, box, ok := lay.passValue(f, s.Type); ok && (s.Type.Generic || c >= confirmBelow || listedExactly(f.Values, raw)) {
						dst.Raw, dst.Value, dst.Confidence, dst.Err = raw, v, c, nil
						if s.Type.Generic {
							// read again (RestoreMarks) where the words
							// stand: the cut that made nothing may be a
							// sliver of them
							b := s.Image.Rect
							dst.Region, dst.mask = regionOf(lay.wordsCut(box, b), b.Dx(), b.Dy()), image.Rectangle{}
						}
					}
				}
				if errors.Is(dst.Err, ErrUnreadable) {
					// no value of the field's kind: read again, otherwise
					// only its first value is taken: the other ways are
					// not read once one makes one
					if again, err := ReReadUntil(ctx, r, s, f, dst.Region, func(a Reading) bool { return a.Err == nil }); err == nil {
						for _, a := range again {
							if a.Err == nil {
								// the second reading's own confidence: the
								// first's was of a value not of this kind
								dst.Raw, dst.Value, dst.Confidence, dst.Err = a.Raw, a.Value, a.Confidence, nil
								break
							}
						}
					}
				}
				if dst.Err == nil && dst.Confidence < confirmBelow && (f.Kind == typedb.KindDate || f.Kind == typedb.KindNumber) && !dst.clipped {
					confirm(ctx, r, s, f, dst)
				}
				if dst.Err == nil {
					restoreYo(ctx, r, s, f, dst)
					RestoreMarks(ctx, r, s, f, dst)
				}
				dst.PageWords = pageWords
				if dst.Err == nil && listedExactly(f.Values, dst.Raw) {
					// read letter for letter as an entry of the field's
					// closed set: however unsure Tesseract says it was
					// (its confidence in a bold "ҚР ӘМ" is 0), a misread
					// does not land on an entry whole
					dst.Confidence = max(dst.Confidence, listedConfidence)
				}
				if s.Type.Generic && f.Kind == typedb.KindDate {
					dst.PageDates = pageDates(lay.words, time.Now())
					if f.Name == fieldDateOfIssue && s.Expiry != "" && !slices.ContainsFunc(dst.PageDates, func(d string) bool { return FitsValidity(d, s.Expiry) }) {
						dst.PageDates = append(dst.PageDates, rereadPageDates(ctx, r, s, f, lay.words)...)
					}
				}
			}(&out[i][j])
		}
	}
	wg.Wait()
	return out
}

// partOfWord reports whether cut, one word, is the end or the start of
// a longer word of pass.
func partOfWord(cut, pass string) bool {
	if cut == "" || strings.ContainsRune(cut, ' ') {
		return false
	}
	c := []rune(cut)
	for _, w := range strings.Fields(pass) {
		if len([]rune(w)) <= len(c) {
			continue
		}
		// the letter where the cut begins or ends may be half a glyph,
		// read as another ("ZVETKOVA" where the pass read TSVETKOVA);
		// of a three-letter cut, only when the pass's word is a letter
		// longer ("ITA" where it read "ROTA" for RŪTA, the cut begun
		// inside the Ū: a false alarm)
		edge := len(c) >= 4 || (len(c) == 3 && len([]rune(w)) == 4)
		if strings.HasSuffix(w, cut) || strings.HasPrefix(w, cut) ||
			(edge && (strings.HasSuffix(w, string(c[1:])) || strings.HasPrefix(w, string(c[:len(c)-1])))) {
			return true
		}
	}
	return false
}

// Request returns the Tesseract request that suits a field.
func Request(f typedb.Field) ocr.Request {
	req := ocr.Request{Mode: ocr.PSMSingleLine, Languages: "eng"}
	cyr := f.Script == typedb.ScriptCyrillic
	switch f.Kind {
	case typedb.KindDate:
		req.Whitelist = "0123456789."
		if f.Script == typedb.ScriptLatin {
			// "20 MAY/MAI 95": month names in the captions' languages
			req.Whitelist = latinUpper + digits + " ./-"
		}
	case typedb.KindNumber:
		req.Whitelist = digits
		if f.Script != typedb.ScriptDigits {
			req.Whitelist = latinUpper + digits
		}
		if keepsSeparators(f) {
			req.Whitelist += numberSeparators
		}
	case typedb.KindName:
		if cyr {
			req.Languages, req.Whitelist = "kaz+rus", cyrillicUpper+" -"
		} else {
			req.Whitelist = latinUpper + " -'"
		}
	case typedb.KindText:
		// the space must be listed, or Tesseract drops it between words
		if cyr {
			req.Languages, req.Whitelist = "kaz+rus", cyrillicUpper+digits+" -.,/"
		}
		// Latin: no whitelist either; under one Tesseract drops a
		// descending J rather than read it (see Normalize). Nor
		// without Tesseract's second, inverted reading of an unsure
		// line, which the other kinds do without: a renderer's
		// three-letter authority went unread
		req.Inverted = true
	case typedb.KindSex:
		req.Languages = "kaz+rus+eng"
		if f.Script == typedb.ScriptLatin {
			req.Languages, req.Whitelist = "eng", "MFX"
		}
	case typedb.KindCode:
		req.Whitelist = latinUpper + "<"
	}
	return req
}

const (
	digits        = "0123456789"
	latinUpper    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	cyrillicUpper = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯӘҒҚҢӨҰҮҺІ"
)

func readField(ctx context.Context, r Reader, gray *image.Gray, sample func(image.Rectangle, float64) *image.Gray, lay *layout, f typedb.Field) Reading {
	rd := Reading{Name: f.Name}
	box, mask, anchored, err := lay.valueCut(f)
	rd.Anchored, rd.mask = anchored, mask
	if _, ok := lay.labels[f.Name]; ok && lay.typ.Generic {
		rd.Captioned = anchored
	}
	rd.Region = regionOf(box, gray.Rect.Dx(), gray.Rect.Dy())
	if err != nil {
		rd.Err = err
		return rd
	}
	crop := gray.SubImage(box).(*image.Gray)
	if scale := float64(targetHeight) / float64(box.Dy()); sample != nil && scale > 1.15 {
		crop = sample(box, min(scale, 3))
	}
	if !mask.Empty() {
		crop = paintOut(crop, box, mask)
	}
	t, err := r.Read(ctx, crop, Request(f))
	if err != nil {
		rd.Err = fmt.Errorf("vz: %s: %w", f.Name, err)
		return rd
	}
	rd.Raw, rd.Confidence = t.Text, t.Confidence
	if (f.Kind == typedb.KindDate || f.Kind == typedb.KindNumber) && lay.valueInkIn(image.Rect(box.Min.X, box.Max.Y-1, box.Max.X, box.Max.Y)) {
		// the cut ends inside the value's ink: a date or number printed
		// larger or lower than its window allowed lost its digits'
		// feet ("12.06.2031" read "19.06.2031" at 0.84 on another
		// hand's card, a false alarm), and a digit cut so reads as
		// another, however it is read again
		rd.Confidence, rd.clipped = 0, true
	}
	if lay.typ.Generic && lay.runsOffSide(box) {
		// the value's ink runs to the side's edge: the page was found
		// short of its own edge (a data page located without its left
		// quarter read "ECEN" for DEBRECEN at 0.90), and the value may
		// go on beyond it
		rd.Confidence = 0
	}
	if f.Kind == typedb.KindName && spansTwoLines(box, f, gray.Rect) {
		// the cut holds the value's line and the next (a label below it
		// that was not found): Tesseract's one line of it is no sure
		// name ("ES" at 96 for TSVETKOV, renderer varied seed 5353)
		rd.Confidence = 0
	}
	if rd.Value, rd.Err = Normalize(f, t.Text); rd.Err != nil {
		rd.Err = fmt.Errorf("%w: %w", ErrUnreadable, rd.Err)
	} else if isLabel(lay.typ, rd.Value) {
		// the zone caught the label: no value of the field's kind
		rd.Value, rd.Err = "", fmt.Errorf("%w: %w", ErrUnreadable, ErrLabel)
	}
	return rd
}

// paintOut returns a copy of crop, the cut of box (at any scale), with
// its part mask painted as the paper there: a value's cut lifted past its
// caption's foot (riseBeyondCaption) must not read the caption's letters.
func paintOut(crop *image.Gray, box, mask image.Rectangle) *image.Gray {
	out := grayCopy(crop)
	sx := float64(out.Rect.Dx()) / float64(box.Dx())
	sy := float64(out.Rect.Dy()) / float64(box.Dy())
	c := mask.Intersect(box).Sub(box.Min)
	m := image.Rect(int(float64(c.Min.X)*sx), int(float64(c.Min.Y)*sy),
		int(math.Ceil(float64(c.Max.X)*sx)), int(math.Ceil(float64(c.Max.Y)*sy))).Intersect(out.Rect)
	if m.Empty() {
		return out
	}
	// the paper near each column: the brightest pixel of the columns
	// within the mask's height either side (between the caption's
	// letters; a letter's stem spans the mask's height). A shadow's
	// gradient runs on under the paint, where one grey for all would
	// draw a band of its own
	colMax := make([]uint8, m.Dx())
	for x := range colMax {
		for y := m.Min.Y; y < m.Max.Y; y++ {
			colMax[x] = max(colMax[x], out.Pix[y*out.Stride+m.Min.X+x])
		}
	}
	reach := m.Dy()
	for x := range colMax {
		paper := uint8(0)
		for k := max(0, x-reach); k < min(len(colMax), x+reach+1); k++ {
			paper = max(paper, colMax[k])
		}
		for y := m.Min.Y; y < m.Max.Y; y++ {
			out.Pix[y*out.Stride+m.Min.X+x] = paper
		}
	}
	return out
}

// spansTwoLines reports whether a value's cut, on a side of bounds
// side, is at least twice as tall as the type's zone for it: a zone is
// about one line of the value, so the cut took in a second. On the
// renderer's varied pages a cut so tall read a name surely once in ten,
// and wrongly; the rest read nothing (3 seeds, 740 cuts).
func spansTwoLines(box image.Rectangle, f typedb.Field, side image.Rectangle) bool {
	zh := f.Zone.Height() * float64(side.Dy())
	return zh > 0 && float64(box.Dy()) >= 2*zh
}

// regionOf is box, in a w×h side's pixels, as a part of the side.
func regionOf(box image.Rectangle, w, h int) typedb.Rect {
	return typedb.Rect{float64(box.Min.X) / float64(w), float64(box.Min.Y) / float64(h),
		float64(box.Max.X) / float64(w), float64(box.Max.Y) / float64(h)}
}

// confirmBelow is the word confidence (0–100) under which a date or a
// number is read again to be confirmed: the merge takes a reading as
// confident from 60 (pipeline.ConfidentField).
const confirmBelow = 60

// confirm reads an unsure date or number again in ReRead's other ways
// and gives it the best confidence of a reading that agrees exactly.
// Tesseract's confidence in a line of whitelisted digits is often near 0
// when the reading is right (a kz-dev issue date read "24.02.2023" at 0,
// and at 96 from the finer binarised cut): that cut's reading alone
// would have been taken. A reading no other way reproduces stays as
// unsure as it was.
func confirm(ctx context.Context, r Reader, s Side, f typedb.Field, rd *Reading) {
	again, err := ReRead(ctx, r, s, f, rd.Region)
	if err != nil {
		return
	}
	for _, a := range again {
		if a.Err == nil && a.Value == rd.Value {
			rd.Confidence = max(rd.Confidence, a.Confidence)
		}
	}
	req := Request(f)
	if rd.Confidence >= confirmBelow || req.Whitelist == "" || (f.Kind != typedb.KindDate && f.Script != typedb.ScriptDigits) {
		return
	}
	// a glyph the whitelist leaves out (the "№" printed before a number)
	// drives Tesseract's confidence in the whole line to 0, however
	// clear the value: the plain cut read without the whitelist, making
	// the same value, gives its own confidence. Only for dates and
	// values of digits alone: letters read without the whitelist would
	// be dropped from a number of letters and digits, not compared
	req.Whitelist = ""
	if v, conf, ok := readPlain(ctx, r, s, f, rd.Region, req); ok && v == rd.Value {
		rd.Confidence = max(rd.Confidence, conf)
	}
}

// readPlain reads region of the side's plain cut as req asks, and
// returns the field's value made of it and Tesseract's confidence; ok is
// false when the region is too small, the read fails or makes no value.
func readPlain(ctx context.Context, r Reader, s Side, f typedb.Field, region typedb.Rect, req ocr.Request) (string, float64, bool) {
	box, ok := regionBox(s, region)
	if !ok {
		return "", 0, false
	}
	t, err := r.Read(ctx, cutPlain(s, box), req)
	if err != nil {
		return "", 0, false
	}
	v, err := Normalize(f, t.Text)
	return v, t.Confidence, err == nil
}

// shortIAfterVowel writes Й for an И that ends a word after a vowel: no
// Russian or Kazakh name ends so ("ДМИТРИЙ", "СЕРГЕЙ", "ТОЛСТОЙ",
// "НИКОЛАЙ"), and OCR loses the breve of a small or blurred Й, reading
// "ДМИТРИИ". The MRZ, which writes both letters I, cannot tell.
func shortIAfterVowel(s string) string {
	r := []rune(s)
	for i := 1; i < len(r); i++ {
		end := i == len(r)-1 || !unicode.IsLetter(r[i+1])
		if r[i] == 'И' && end && strings.ContainsRune("АЕЁИОУЫЭЮЯӘӨҰҮІ", r[i-1]) {
			r[i] = 'Й'
		}
	}
	return string(r)
}

// RestoreMarks reads a generic side's Latin name or text again with the
// Latin-script model and takes its diacritics, where its letters are
// otherwise the reading's own (addMarks): the English model drops them
// (WÓJCIK read WOJCIK, ŁUKASZ read LUKASZ). Only the marks: without a
// word list, the Latin model is the readier to take a border for a
// letter ("IWARSZAWA" for WARSZAWA on a real Polish passport). The
// Kazakh types print their Latin transliterated.
func RestoreMarks(ctx context.Context, r Reader, s Side, f typedb.Field, rd *Reading) {
	if !s.Type.Generic || f.Script != typedb.ScriptLatin || (f.Kind != typedb.KindName && f.Kind != typedb.KindText) {
		return
	}
	restoreLatinMarks(ctx, r, s, f, rd)
	restoreMarksBelow(s, f, rd)
}

// restoreMarksBelow puts back the marks under the capitals that the
// reading lost where its cut shows them standing clear under the
// letters (marksUnder): the Latin model reads a comma under the first
// letter of a word as nothing ("TURCANU" for ȚURCANU, in every set of
// another hand's Moldovan cards). Only the marks below that the
// document's languages write; any where the states are not yet named.
func restoreMarksBelow(s Side, f typedb.Field, rd *Reading) {
	allowed, known := typedb.NationalMarks(marksStates(s, f)...)
	switch {
	case !known && s.State != "":
		// a state whose languages are not known: a speck under an N
		// made "INTERŅAL" on a New Zealand passport
		return
	case !known:
		// not yet named (a TD1 card's front, read before its MRZ):
		// any, until NationalSpelling keeps the states' own
		allowed = marksBelow
	}
	if rd.Value == "" || !strings.ContainsAny(allowed, marksBelow) {
		return
	}
	box, ok := regionBox(s, rd.Region)
	if !ok {
		return
	}
	// room under the capitals for markReach of them, and a margin
	box.Max.Y += int(marksUnderRoom * float64(box.Dy()))
	if xs, from, to := marksUnder(cutPlain(s, box.Intersect(s.Image.Rect)), !strings.ContainsAny(rd.Value, "JQ")); len(xs) > 0 {
		if v, ok := withMarksBelow(rd.Value, xs, from, to, allowed); ok {
			rd.Value = v
		}
	}
}

// marksUnderRoom is how far, in the cut's heights, restoreMarksBelow
// grows a cut downwards: the cut's margin is about a fifth of it, and
// markPieces looks for marks 0.42 capital heights (a quarter of the cut)
// under the capitals, with a row to spare.
const marksUnderRoom = 0.35

// restoreLatinMarks is RestoreMarks's reading with the Latin model.
func restoreLatinMarks(ctx context.Context, r Reader, s Side, f typedb.Field, rd *Reading) {
	text, ok, sure := surelyMarked(ctx, r, s, f, rd.Region, rd.mask)
	v, err := Normalize(f, text)
	if err != nil {
		return
	}
	if f.Kind == typedb.KindText && sure >= spacesSureFrom {
		if !sameLettersBut(rd.Value, v) && !sameLettersBut(rd.Value, firstWords(v, len(strings.Fields(rd.Value)))) {
			// the two models read other letters, each surely: which
			// is right is not known ("MIGRACUOS" at 0.90 for
			// MIGRACIJOS, which the Latin model read at 90)
			rd.Confidence = min(rd.Confidence, readersDisagree)
		}
		if split, splitOK := splitAsRead(rd.Value, v); !ok && splitOK {
			rd.Value = split
		}
	}
	if !ok {
		return
	}
	if n := len(strings.Fields(rd.Value)); len(strings.Fields(v)) > n {
		// the Latin model, with no word list, reads a border or a
		// letter of the next field as a further word ("IBÁNEZ G"):
		// the marks are the leading words'
		v = strings.Join(strings.Fields(v)[:n], " ")
	}
	v = nationalMarksOnly(rd.Value, v, marksStates(s, f)...)
	if !isASCII(v) {
		rd.Marked = v
	}
	if v, ok := addMarksByWord(rd.Value, v); ok {
		rd.Value = v
	}
}

// readersDisagree is the confidence (0–100) a free text keeps at most
// where the Latin model, reading it surely (spacesSureFrom), reads other
// letters than the English model: under ConfidentField.
const readersDisagree = 40

// firstWords is s's first n words (all of them for n < 1): the Latin
// model, with no word list, reads a border or a letter of the next field
// as a further word ("IBÁNEZ G").
func firstWords(s string, n int) string {
	if w := strings.Fields(s); n > 0 && len(w) > n {
		return strings.Join(w[:n], " ")
	}
	return s
}

// sameLettersBut reports whether latin, the Latin model's reading, spells
// plain's letters (A–Z; spaces, hyphens and other signs left out) but
// for its marked letters, each of which may stand for up to two letters
// of plain or none (Ä read A, Æ read AE, Ø read as a space).
func sameLettersBut(plain, latin string) bool {
	var pat strings.Builder
	pat.WriteString("^")
	for _, r := range strings.ToUpper(latin) {
		switch {
		case r >= 'A' && r <= 'Z':
			pat.WriteRune(r)
		case unicode.IsLetter(r):
			pat.WriteString("[A-Z]{0,2}")
		}
	}
	pat.WriteString("$")
	re, err := regexp.Compile(pat.String())
	if err != nil {
		return true
	}
	return re.MatchString(strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, strings.ToUpper(plain)))
}

// spacesSureFrom is the Latin reading's confidence (0–100) from which a
// free text takes the spaces it reads inside a word of the English
// reading (splitAsRead).
const spacesSureFrom = 85

// splitAsRead returns plain with the word breaks of latin, where latin
// spells the same letters with more breaks, each of its words two
// letters or more: the English model's word list joins an authority's
// short words ("MUPRS" at 0.91 for MUP RS on another hand's Bosnian
// cards, read "MUP RS" at 91 by the Latin model, which has none).
func splitAsRead(plain, latin string) (string, bool) {
	pw, lw := strings.Fields(plain), strings.Fields(latin)
	if len(lw) <= len(pw) || strings.Join(pw, "") != strings.Join(lw, "") {
		return plain, false
	}
	for _, w := range lw {
		if utf8.RuneCountInString(w) < 2 {
			return plain, false
		}
	}
	return strings.Join(lw, " "), true
}

// surelyMarked reads region with the Latin-script model (readLatin) for
// its marks: every word keeps them where the line was read surely
// (marksSureFrom, the mean of its words), and otherwise only a word read
// surely itself, the others spelt without them; ok is false when no
// word kept one. One word read badly does not make another's marks
// specks ("NOËLLE" at 91 beside "CLAIRE" at 0, 45 over the line), nor
// does one word read a little unsurely make the line's ("JOÃO" at 31
// beside "MIGUEL" at 87). A reader that gives no words is judged on the
// line's confidence alone. sure is the line's confidence (0–100).
func surelyMarked(ctx context.Context, r Reader, s Side, f typedb.Field, region typedb.Rect, mask image.Rectangle) (text string, ok bool, sure float64) {
	wr, byWord := r.(WordReader)
	if !byWord {
		t, err := readLatin(ctx, r, s, f, region, mask)
		if err != nil {
			return "", false, 0
		}
		return t.Text, t.Confidence >= marksSureFrom, t.Confidence
	}
	crop, req, err := latinCut(s, f, region, mask)
	if err != nil {
		return "", false, 0
	}
	words, err := wr.Words(ctx, crop, req)
	if err != nil {
		return "", false, 0
	}
	line := 0.0
	for _, w := range words {
		line += w.Confidence / float64(len(words))
	}
	for i := range words {
		words[i] = undoubledMarks(words[i])
	}
	parts := make([]string, 0, len(words))
	marked := false
	// a letter read surely in a word read unsurely keeps its mark only
	// where the document's languages are known to write it (on a side
	// read before its MRZ, a TD1 card's front, once that is read:
	// NationalSpelling): elsewhere a guilloche line across an L made it a
	// sure Ł ("MIKHAIŁ" on a passport of a state not in the table,
	// renderer varied)
	_, statesKnown := typedb.NationalMarks(marksStates(s, f)...)
	for _, w := range words {
		t := w.Text
		if line < marksSureFrom && w.Confidence < marksSureFrom {
			if statesKnown || s.State == "" {
				t = surelyMarkedLetters(w)
			} else {
				t = typedb.TransliterateICAO(t)
			}
		}
		marked = marked || !isASCII(t)
		parts = append(parts, t)
	}
	return strings.Join(parts, " "), marked, line
}

// undoubledMarks drops from w, where its symbols spell it, the less sure
// of two neighbouring letters that are one letter with two different
// marks: the Latin model, with no word list, reads some marked capitals
// twice ("RŪÜTA" for RŪTA, "CĂĀTĀLINA" for CĂTĂLINA on another hand's
// cards), and a letter of its own also as its plain look-alike ("ÞPÓRA":
// the letter of its own stays). No language writes such a pair; a letter
// doubled with one mark (Finnish ÄÄ) stays.
func undoubledMarks(w ocr.Word) ocr.Word {
	var b strings.Builder
	for _, sym := range w.Symbols {
		b.WriteString(sym.Text)
	}
	if len(w.Symbols) < 2 || b.String() != w.Text {
		return w
	}
	syms := make([]ocr.Symbol, 0, len(w.Symbols))
	for _, sym := range w.Symbols {
		n := len(syms)
		switch {
		case n > 0 && twoMarksOfOneLetter(syms[n-1].Text, sym.Text):
			if sym.Confidence > syms[n-1].Confidence {
				syms[n-1] = sym
			}
		case n > 0 && lookAlikeOf(syms[n-1].Text, sym.Text):
		case n > 0 && lookAlikeOf(sym.Text, syms[n-1].Text):
			syms[n-1] = sym
		default:
			syms = append(syms, sym)
		}
	}
	if len(syms) == len(w.Symbols) {
		return w
	}
	b.Reset()
	for _, sym := range syms {
		b.WriteString(sym.Text)
	}
	w.Text, w.Symbols = b.String(), syms
	return w
}

// ownLookAlikes are the plain capitals the Latin model reads beside a
// letter of its own, as a second reading of it ("ÞPÓRA" for ÞÓRA).
var ownLookAlikes = map[string]string{"Þ": "PB", "Ø": "O", "Ð": "D", "Đ": "D", "Ł": "L", "Ħ": "H"}

// lookAlikeOf reports whether b is a plain capital own, a letter of its
// own (ownLetters), is read as: no language writes the pair.
func lookAlikeOf(own, b string) bool {
	alike, ok := ownLookAlikes[own]
	return ok && len(b) == 1 && strings.Contains(alike, b)
}

// twoMarksOfOneLetter reports whether a and b are one Latin letter, each
// with a mark, the marks different (Ū and Ü, Ă and Ā).
func twoMarksOfOneLetter(a, b string) bool {
	if a == b || isASCII(a) || isASCII(b) || utf8.RuneCountInString(a) != 1 || utf8.RuneCountInString(b) != 1 {
		return false
	}
	ra, _ := utf8.DecodeRuneInString(a)
	rb, _ := utf8.DecodeRuneInString(b)
	if !unicode.IsLetter(ra) || !unicode.IsLetter(rb) {
		return false
	}
	pa, pb := plainLetter(ra), plainLetter(rb)
	return len(pa) == 1 && pa == pb
}

// surelyMarkedLetters spells a word read unsurely with only the marks of
// its letters read surely themselves (marksLetterSureFrom), the others
// as ICAO 9303 does (Ó and Ö as O, Ø as OE): plain, a letter lines up
// with the English model's reading where it had only a mark. Without a
// word list the Latin model's word confidence falls far below its
// letters' ("CĂTĂLINA" at 24, each letter at 97 or more). A word that
// comes without its letters is spelt plain.
func surelyMarkedLetters(w ocr.Word) string {
	if len(w.Symbols) == 0 {
		return typedb.TransliterateICAO(w.Text)
	}
	var b strings.Builder
	for _, sym := range w.Symbols {
		if sym.Confidence >= marksLetterSureFrom {
			b.WriteString(sym.Text)
		} else {
			b.WriteString(typedb.TransliterateICAO(sym.Text))
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 128 {
			return false
		}
	}
	return true
}

// readLatin reads region of a side with the Latin-script model, names
// whitelisted to the letters ICAO transliterates. The cut, tight on the
// capitals' ink with a margin, cuts through marks that rise above them in
// a bold or serif print ("NUNEZ LEON" for NÚÑEZ LEÓN): it is grown
// upwards, the caption's foot it then takes in cleared, or, where it was
// lifted past its caption already, the caption's ink (mask) painted out
// as in the first reading (a caption's letters above a value read as
// marks on it: "PREŽYDENT").
func readLatin(ctx context.Context, r Reader, s Side, f typedb.Field, region typedb.Rect, mask image.Rectangle) (ocr.Text, error) {
	crop, req, err := latinCut(s, f, region, mask)
	if err != nil {
		return ocr.Text{}, err
	}
	return r.Read(ctx, crop, req)
}

// latinCut is readLatin's cut of region and its request.
func latinCut(s Side, f typedb.Field, region typedb.Rect, mask image.Rectangle) (*image.Gray, ocr.Request, error) {
	box, ok := regionBox(s, region)
	if !ok {
		return nil, ocr.Request{}, fmt.Errorf("%w: %s", ErrEmpty, f.Name)
	}
	req := Request(f)
	req.Languages = ocr.LatinScript
	if f.Kind == typedb.KindName {
		req.Whitelist = latinUpper + latinMarked + " -'"
	}
	grown := box
	if mask.Empty() {
		grown.Min.Y -= int(marksRise * float64(box.Dy()))
	}
	if marks, known := typedb.NationalMarks(marksStates(s, f)...); !known || strings.ContainsAny(marks, marksBelow) {
		// a comma or cedilla hangs under the baseline, where a cut
		// tight on the capitals ends
		grown.Max.Y += int(marksDrop * float64(box.Dy()))
	}
	grown = grown.Intersect(s.Image.Rect)
	crop := cutPlain(s, grown)
	if !mask.Empty() {
		crop = paintOut(crop, grown, mask)
	} else if grown.Min.Y < box.Min.Y {
		crop = clearFromTop(crop, (box.Min.Y-grown.Min.Y)*crop.Rect.Dy()/grown.Dy())
	}
	return dropOtherLines(crop, f.Kind == typedb.KindName), req, nil
}

// marksRise is how far, in the cut's heights, readLatin grows a cut
// upwards: the cut is about five thirds of the capitals' height, its
// margin a third, so the grown cut reaches some 0.8 capital heights above
// them, past the tallest marks (about half).
const marksRise = 0.3

// marksBelow are the marked capitals whose mark hangs under the
// baseline, and marksDrop how far, in the cut's heights (a quarter of a
// capital's), readLatin grows a cut downwards where the document's
// languages write one. On five generic-html-2 sets by another hand
// (salts -b to f, 150 documents), honest answers with 0, 0.15 and 0.3:
// 111, 115 and 113; grown further, the cut takes in the top of the line
// below (a JOÃO and a NOËLLE lost their marks).
const (
	marksBelow = "ÇĢĶĻŅŖŞŢȘȚĄĘĮŲ"
	marksDrop  = 0.15
)

// marksSureFrom is the Latin reading's confidence (0–100) from which its
// marks are taken: an unsure one takes specks and a border for marks
// ("ŞUPERMAN -   BS" at 8 on a real Romanian card printing SUPERMAN).
const marksSureFrom = 50

// marksLetterSureFrom is a letter's own confidence (0–100) from which
// its mark is taken in a word read unsurely. On six sets of generic
// documents by another hand (generic-html-2 salts -b to f, and
// generic-html), 11 of the 12 marks so read at 90 or more, in words under
// 50, were printed, once only the marks of the document's languages were
// kept (the twelfth an Í for PÁDRAIG's I, at 98); of those read under 90
// one was printed, the Ã of a JOÃO at 89.7, and none was wrong.
const marksLetterSureFrom = 90

// marksStates are the states whose languages field f of side s is
// written in: a name the issuing state's or the holder's, the authority
// the issuing state's alone (a Latvian passport's "BËGLU" for BĒGĻU, its
// holder of no nationality, XXC, whose languages are not known).
func marksStates(s Side, f typedb.Field) []string {
	if f.Name == fieldAuthority {
		return []string{s.State}
	}
	return []string{s.State, s.Nationality}
}

// nationalMarksOnly returns marked, a reading of plain with marks added,
// with only the marks the languages of the document's states write
// names in (typedb.NationalMarks): the Latin model takes a speck above
// a letter for a mark of any language ("ĠONÇALVES" on a Portuguese
// passport). A letter it marked otherwise is given back plain; plain
// itself is returned when such a letter is a ligature or a letter of its
// own (Ø, Þ), which plain spells otherwise. Any mark stands when a
// state's languages are not known.
func nationalMarksOnly(plain, marked string, states ...string) string {
	allowed, known := typedb.NationalMarks(states...)
	if !known {
		return marked
	}
	var b strings.Builder
	for _, m := range marked {
		base := plainLetter(m)
		if base == string(m) || strings.ContainsRune(allowed, unicode.ToUpper(m)) {
			b.WriteRune(m)
			continue
		}
		if twin, ok := sameGlyph[m]; ok && strings.ContainsRune(allowed, unicode.ToUpper(twin)) {
			b.WriteRune(twin)
			continue
		}
		if utf8.RuneCountInString(base) != 1 || m == 'Ø' || m == 'ø' || m == 'Þ' || m == 'þ' {
			return plain
		}
		b.WriteString(base)
	}
	return b.String()
}

// sameGlyph pairs the marked letters that print alike: the Icelandic
// eth and the South Slavic D with a stroke ("ÐURÐEVIĆ" for ĐURĐEVIĆ),
// the S and T with a cedilla, Turkish, and with a comma below, Romanian
// ("CHIŞINĂU" read for CHIȘINĂU), and, at a value's size, a vowel with
// a breve and with a macron, a shallow cup and a bar a few pixels wide
// ("CĀTĀLINA" and "CĂTĀLINA" read for CĂTĂLINA on another hand's
// Moldovan cards, Romanian writing no macron), and an E with a dot and
// with a caron over it ("KAZLAUSKIENĚ" for KAZLAUSKIENĖ, Lithuanian
// writing no Ě).
var sameGlyph = map[rune]rune{
	'Ė': 'Ě', 'Ě': 'Ė', 'ė': 'ě', 'ě': 'ė',
	'Ð': 'Đ', 'Đ': 'Ð', 'ð': 'đ', 'đ': 'ð',
	'Ş': 'Ș', 'Ș': 'Ş', 'ş': 'ș', 'ș': 'ş',
	'Ţ': 'Ț', 'Ț': 'Ţ', 'ţ': 'ț', 'ț': 'ţ',
	'Ă': 'Ā', 'Ā': 'Ă', 'ă': 'ā', 'ā': 'ă',
	'Ĕ': 'Ē', 'Ē': 'Ĕ', 'ĕ': 'ē', 'ē': 'ĕ',
	'Ĭ': 'Ī', 'Ī': 'Ĭ', 'ĭ': 'ī', 'ī': 'ĭ',
	'Ŏ': 'Ō', 'Ō': 'Ŏ', 'ŏ': 'ō', 'ō': 'ŏ',
	'Ŭ': 'Ū', 'Ū': 'Ŭ', 'ŭ': 'ū', 'ū': 'ŭ',
}

// NationalSpelling returns value, a generic side's reading of field f,
// with only the marks the languages of the side's states write
// (nationalMarksOnly, against its ICAO spelling): a TD1 card's front,
// which prints no MRZ, is read before the back's MRZ names them, when
// any mark may stand.
func NationalSpelling(s Side, f typedb.Field, value string) string {
	if !s.Type.Generic || f.Script != typedb.ScriptLatin || (f.Kind != typedb.KindName && f.Kind != typedb.KindText) || isASCII(value) {
		return value
	}
	var plain strings.Builder
	for _, r := range value {
		plain.WriteString(plainLetter(r))
	}
	return nationalMarksOnly(plain.String(), value, marksStates(s, f)...)
}

// plainLetter is r as ICAO 9303 part 3 spells it (Ö as O, Æ as AE), in
// r's case.
func plainLetter(r rune) string {
	if unicode.IsLower(r) {
		return strings.ToLower(typedb.TransliterateICAO(string(r)))
	}
	return typedb.TransliterateICAO(string(r))
}

// addMarksByWord is addMarks over the whole reading, or, where that
// fails and both readings have as many words, over each word: a letter
// the Latin model misread in one word ("IQANA" for IOANA) leaves that
// word plain, not the marks of another ("CĂTĂLINA IQANA").
func addMarksByWord(plain, marked string) (string, bool) {
	if v, ok := addMarks(plain, marked); ok {
		return v, true
	}
	pw, mw := strings.Fields(plain), strings.Fields(marked)
	if len(pw) < 2 || len(pw) != len(mw) || strings.Join(pw, " ") != plain {
		return plain, false
	}
	added := false
	for i := range pw {
		if v, ok := addMarks(pw[i], mw[i]); ok {
			pw[i], added = v, true
		}
	}
	if !added {
		return plain, false
	}
	return strings.Join(pw, " "), true
}

// addMarks returns plain with the diacritics marked has on its letters,
// the ligatures it has for letter pairs (Æ for AE), and an apostrophe it
// has after a letter; ok is false when marked differs from plain in
// anything else, or adds nothing; a letter of its own (ownLetters) may
// stand for a space of plain's inside a word. Word breaks are plain's: the Latin
// model, without a word list, loses a space the English one keeps
// ("JĀNISKRIŠJĀNIS" for JANIS KRISJANIS).
func addMarks(plain, marked string) (string, bool) {
	p := []rune(plain)
	out := make([]rune, 0, len(p)+2)
	i, added := 0, false
	for _, m := range marked {
		if m == ' ' {
			if i < len(p) && p[i] == ' ' {
				out = append(out, ' ')
				i++
			}
			continue
		}
		if strings.ContainsRune(ownLetters, m) && len(out) > 0 && unicode.IsLetter(out[len(out)-1]) &&
			i+1 < len(p) && p[i] == ' ' && unicode.IsLetter(p[i+1]) {
			// a letter the English model has not, read as a space
			// inside a word ("K BENHAVNS" for KØBENHAVNS)
			out, added = append(out, m), true
			i++
			continue
		}
		if m == '\'' && len(out) > 0 && unicode.IsLetter(out[len(out)-1]) {
			// an apostrophe the English model read as a space or lost
			// ("O CONNOR" for O'CONNOR): ICAO omits it
			if i < len(p) && p[i] == ' ' {
				i++
			}
			out, added = append(out, m), true
			continue
		}
		for i < len(p) && p[i] == ' ' {
			out = append(out, ' ')
			i++
		}
		if i < len(p) && p[i] == m {
			out = append(out, m)
			i++
			continue
		}
		base := []rune(plainLetter(m))
		if !unicode.Is(unicode.Latin, m) || len(base) == 0 || base[0] == m {
			return plain, false // not a marked letter
		}
		switch {
		case i+len(base) <= len(p) && string(p[i:i+len(base)]) == string(base):
			i += len(base)
		case (m == 'Þ' || m == 'þ') && i < len(p) && strings.ContainsRune("PB", unicode.ToUpper(p[i])):
			i++ // the English model has no thorn; it reads the P or b it resembles
		case (m == 'Ø' || m == 'ø') && i < len(p) && unicode.ToUpper(p[i]) == 'O':
			i++ // nor an Ø: it reads the O (ICAO writes OE)
		default:
			return plain, false
		}
		out, added = append(out, m), true
	}
	if !added || i != len(p) {
		return plain, false
	}
	return string(out), true
}

// ownLetters are the Latin letters of their own, no base letter with a
// mark, that the English model may read as a space.
const ownLetters = "ØÞÐÆŒŁĐĦøþðæœłđħ"

// latinMarked are the capitals with diacritics and the ligatures that
// ICAO 9303 part 3 transliterates.
var latinMarked = typedb.LatinMarkedCapitals()

// restoreYo puts back the marks of Ё and Й that Tesseract lost in a
// Cyrillic name. The MRZ, which writes Е and Ё alike, and И and Й,
// cannot tell.
//
// A name holding an Е is read again with the Russian model alone, whose
// Ё is taken where the readings differ by that alone. The Kazakh model
// has no Ё: with it, "ЧЕРНЫШЁВА" reads "ЧЕРНЫШЕВА" (the Russian alone
// reads it right). The Russian model misreads Kazakh letters, so nothing
// else of its reading is taken.
//
// Then the marks printed above the letters (marksOver) are put on the Е
// or И under each (withLostMarks): both models may read a Ё as Е
// ("ЧЕРНЫШЕВ" for ЧЕРНЫШЁВ, renderer varied, three seeds), and a Й
// whose breve the cut clipped as И ("ХАИРУЛЛИНА", a Kazakh card drawn by
// another hand, its label's foot level with the breve's top). The marks
// are looked for in the cut raised by two thirds of its height, as far
// as a label's letters above (by five sixths, then a half, where that
// tells nothing). Where a mark stands as near two letters,
// the name is no value rather than a wrong one.
func restoreYo(ctx context.Context, r Reader, s Side, f typedb.Field, rd *Reading) {
	if f.Kind != typedb.KindName || f.Script != typedb.ScriptCyrillic || !hasCarrier(rd.Value) {
		return
	}
	if strings.ContainsRune(rd.Value, 'Е') {
		req := Request(f)
		req.Languages = "rus"
		if v, _, ok := readPlain(ctx, r, s, f, rd.Region, req); ok {
			rd.Value = withYo(rd.Value, v)
		}
	}
	box, ok := regionBox(s, rd.Region)
	if !ok {
		return
	}
	var (
		marks    []lostMark
		from, to float64
	)
	for _, raise := range yoRaises {
		raised := box
		raised.Min.Y = max(box.Min.Y-int(raise*float64(box.Dy())), s.Image.Rect.Min.Y)
		if marks, from, to = marksOver(cutPlain(s, raised)); to > from {
			break // told: marks, or none
		}
	}
	v, ok := withLostMarks(rd.Value, marks, from, to)
	if !ok {
		rd.Value, rd.Err = "", fmt.Errorf("%w: %s: a mark above the name, not told which letter's", ErrUnreadable, f.Name)
		return
	}
	rd.Value = v
}

// yoRaises are the heights, in the cut's, by which restoreYo raises a
// name's cut to look for marks over it, in turn until one tells: a
// label's letters the raised cut's top edge runs through or touches tell
// nothing ("АТЫ/ИМЯ" whole but from the cut's first row, over СЕМЁН on
// another hand's Kazakh card, its Ё then read as Е).
var yoRaises = []float64{2.0 / 3, 5.0 / 6, 0.5}

// withYo is read with Ё wherever russian has it for read's Е, when the
// two differ in nothing else; otherwise read as it is.
func withYo(read, russian string) string {
	a, b := []rune(read), []rune(russian)
	if len(a) != len(b) {
		return read
	}
	for i := range a {
		switch {
		case a[i] == b[i]:
		case a[i] == 'Е' && b[i] == 'Ё':
			a[i] = 'Ё'
		default:
			return read
		}
	}
	return string(a)
}

// regionBox is region of the side in its pixels; false when too small
// to read.
func regionBox(side Side, region typedb.Rect) (image.Rectangle, bool) {
	box := region.Pixels(side.Image.Rect.Dx(), side.Image.Rect.Dy()).Intersect(side.Image.Rect)
	return box, box.Dx() >= 4 && box.Dy() >= 4
}

// cutPlain is box of the side, sampled to about targetHeight (up to 3×).
func cutPlain(side Side, box image.Rectangle) *image.Gray {
	if side.Sample != nil {
		return side.Sample(box, math.Min(3, math.Max(1, float64(targetHeight)/float64(box.Dy()))))
	}
	return imgutil.Gray(imgutil.Sub(side.Image, box))
}

// ReRead reads a field again in other ways, cleanest first: the cut
// sampled finer and binarised, then the plain cut read as one word (or a
// raw line). The caller asks when another source disagrees, or when the
// first reading made no value.
func ReRead(ctx context.Context, r Reader, side Side, f typedb.Field, region typedb.Rect) ([]Reading, error) {
	return ReReadUntil(ctx, r, side, f, region, nil)
}

// ReReadUntil is ReRead stopping after the first reading enough accepts
// (enough nil reads every way): a caller that takes the first reading of
// some kind does not pay for the ways after it.
func ReReadUntil(ctx context.Context, r Reader, side Side, f typedb.Field, region typedb.Rect, enough func(Reading) bool) ([]Reading, error) {
	box, ok := regionBox(side, region)
	if !ok {
		return nil, ErrEmpty
	}
	// each cut is made when its way is read
	var plainCut *image.Gray
	plain := func() *image.Gray {
		if plainCut == nil {
			plainCut = cutPlain(side, box)
		}
		return plainCut
	}
	fine := func() *image.Gray {
		if side.Sample != nil {
			return binarize(side.Sample(box, math.Min(3, math.Max(1.5, float64(targetHeight)*1.3/float64(box.Dy())))))
		}
		return binarize(upscale(plain(), 3, 2))
	}
	word := Request(f)
	word.Mode = ocr.PSMSingleWord
	if f.Kind == typedb.KindText || f.Kind == typedb.KindSex {
		word.Mode = psmRawLine
	}
	var out []Reading
	for _, v := range []struct {
		img func() *image.Gray
		req ocr.Request
	}{{fine, Request(f)}, {plain, word}} {
		t, err := r.Read(ctx, v.img(), v.req)
		if err != nil {
			return out, fmt.Errorf("vz: re-read %s: %w", f.Name, err)
		}
		val, nerr := Normalize(f, t.Text)
		if nerr == nil && isLabel(side.Type, val) {
			val, nerr = "", ErrLabel
		}
		out = append(out, Reading{Name: f.Name, Raw: t.Text, Value: val, Confidence: t.Confidence, Region: region, Err: nerr})
		if enough != nil && enough(out[len(out)-1]) {
			break
		}
	}
	return out, nil
}

// upscale enlarges g by num/den, bilinear.
func upscale(g *image.Gray, num, den int) *image.Gray {
	w, h := g.Rect.Dx()*num/den, g.Rect.Dy()*num/den
	out := image.NewGray(image.Rect(0, 0, w, h))
	sx := float64(g.Rect.Dx()) / float64(w)
	sy := float64(g.Rect.Dy()) / float64(h)
	for y := range h {
		fy := (float64(y)+0.5)*sy - 0.5
		y0 := int(math.Floor(fy))
		ty := fy - float64(y0)
		y0c, y1c := clampI(y0, 0, g.Rect.Dy()-1), clampI(y0+1, 0, g.Rect.Dy()-1)
		for x := range w {
			fx := (float64(x)+0.5)*sx - 0.5
			x0 := int(math.Floor(fx))
			tx := fx - float64(x0)
			x0c, x1c := clampI(x0, 0, g.Rect.Dx()-1), clampI(x0+1, 0, g.Rect.Dx()-1)
			at := func(x, y int) float64 { return float64(g.Pix[g.PixOffset(g.Rect.Min.X+x, g.Rect.Min.Y+y)]) }
			v := (at(x0c, y0c)*(1-tx)+at(x1c, y0c)*tx)*(1-ty) + (at(x0c, y1c)*(1-tx)+at(x1c, y1c)*tx)*ty
			out.Pix[y*out.Stride+x] = uint8(v + 0.5)
		}
	}
	return out
}

func clampI(v, lo, hi int) int { return max(lo, min(v, hi)) }

// binarize thresholds g at its Otsu level: black ink on white.
func binarize(g *image.Gray) *image.Gray {
	var hist [256]int
	for _, v := range g.Pix {
		hist[v]++
	}
	th := uint8(imgutil.Otsu(&hist))
	out := image.NewGray(g.Rect)
	for i, v := range g.Pix {
		if v > th {
			out.Pix[i] = 255
		}
	}
	return out
}

// Normalize turns Tesseract's text into the field's value.
func Normalize(f typedb.Field, raw string) (string, error) {
	s := strings.TrimSpace(raw)
	switch f.Kind {
	case typedb.KindDate:
		if f.Script == typedb.ScriptLatin {
			return NormalizeDateText(s, f.Name != "date_of_expiry", time.Now())
		}
		return NormalizeDate(s)
	case typedb.KindNumber:
		if f.Script != typedb.ScriptDigits && printedAsDate(s) {
			// "14 10 2022": a date's day, month and year set apart, cut
			// under the number's caption from the field beside it (a
			// French residence permit's date of issue taken for its
			// number, over the MRZ's valid one, and raising
			// mrz_vz_agreement). No document number is printed so
			return "", fmt.Errorf("%w: %s reads as a date", ErrUnreadable, f.Name)
		}
		s = keep(strings.ToUpper(s), func(r rune) bool {
			return unicode.IsDigit(r) || (r < 128 && unicode.IsLetter(r)) || (keepsSeparators(f) && strings.ContainsRune(numberSeparators, r))
		})
		s = innerSeparators(s)
		if f.Script == typedb.ScriptDigits {
			s = keep(s, unicode.IsDigit)
		}
		if s == "" {
			return "", fmt.Errorf("%w: %s", ErrEmpty, f.Name)
		}
		if !f.Matches(s) {
			// a character lost or gained: no value, not a near one
			return "", fmt.Errorf("%w: %s does not match %s", ErrUnreadable, f.Name, f.Pattern)
		}
		return s, nil
	case typedb.KindName, typedb.KindText:
		s = strings.ToUpper(s)
		if f.Script == typedb.ScriptCyrillic {
			s = ToCyrillic(s)
		} else {
			// a J whose tail descends reads as a closing bracket; one
			// that closes an opening bracket is a bracket ("LYON (69)")
			s = closeBracketsOrJ(s, f.Kind == typedb.KindText)
		}
		latin := f.Script != typedb.ScriptCyrillic
		s = strings.Join(strings.FieldsFunc(strings.ReplaceAll(s, "’", "'"), func(r rune) bool {
			return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || (latin && r == '\'') || (f.Kind == typedb.KindText && strings.ContainsRune(".,/()", r)))
		}), " ")
		if latin {
			s = innerApostrophes(s)
		}
		abbreviated := f.Kind == typedb.KindText && strings.HasSuffix(s, ".") && endsInAbbreviation(strings.TrimRight(s, "."))
		s = strings.Trim(s, "-., ")
		if abbreviated && s != "" {
			s += "." // "TEXAS, U.S.A.": the last letter's full stop
		}
		if f.Kind == typedb.KindText {
			s = dropTrailingNumbers(s)
		}
		if s == "" {
			return "", fmt.Errorf("%w: %s", ErrEmpty, f.Name)
		}
		if f.Name == "patronymic" && f.Script == typedb.ScriptCyrillic {
			s = kazakhPatronymic(s)
		}
		if f.Kind == typedb.KindName && f.Script == typedb.ScriptCyrillic {
			s = shortIAfterVowel(s)
		}
		if len(f.Values) > 0 {
			// a closed set: a reading near one entry is that entry; one
			// near none (or as near two) is no value of the field
			v, ok := snapToValue(f.Values, s)
			if !ok {
				return "", fmt.Errorf("%w: %s: %d letters near none of its values", ErrNotListed, f.Name, utf8.RuneCountInString(s))
			}
			return v, nil
		}
		return s, nil
	case typedb.KindSex:
		return NormalizeSex(s)
	}
	return strings.ToUpper(s), nil
}

// minRunOnDigits is the length from which a run of digits at the end of
// a text field is another field's number: a personal or document number
// printed on the same line, after the text ends ("DEPARTMENT OF HOME
// AFFAIRS 8801230127089" on another hand's South African card, at 0.96).
// An authority's or a place's own numbers are short: a district's
// number, a department's code ("770-001"), a postcode.
const minRunOnDigits = 7

// dropTrailingNumbers drops from text s the words at its end that are
// runs of minRunOnDigits digits or more, where a word before them holds
// a letter.
func dropTrailingNumbers(s string) string {
	words := strings.Fields(s)
	n := len(words)
	for n > 1 && len(words[n-1]) >= minRunOnDigits && strings.Trim(words[n-1], "0123456789") == "" {
		n--
	}
	if n == len(words) || !strings.ContainsFunc(strings.Join(words[:n], " "), unicode.IsLetter) {
		return s
	}
	return strings.Join(words[:n], " ")
}

// numberSeparators are the marks a personal number is printed with
// between its groups: "19940111-01234", "856208/1231" (a Czech or Slovak
// birth number), "92.02.29-148.55" (a Belgian national number).
const numberSeparators = "-/."

// keepsSeparators reports whether f is a number whose printed separators
// are kept: a Latin personal number. The MRZ writes it without them or
// with a filler (19940111<01234), and the two agree on their letters and
// digits; the answer is the page's.
func keepsSeparators(f typedb.Field) bool {
	return f.Kind == typedb.KindNumber && f.Name == fieldPersonalNumber && f.Script != typedb.ScriptDigits
}

// innerSeparators keeps the separators of s that stand alone between
// two letters or digits, and drops the rest: a speck read at an end, or
// a separator doubled.
func innerSeparators(s string) string {
	isSep := func(c byte) bool { return strings.IndexByte(numberSeparators, c) >= 0 }
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isSep(c) && (b.Len() == 0 || isSep(b.String()[b.Len()-1]) || i+1 >= len(s) || isSep(s[i+1])) {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// printedAsDate reports whether s, as read, is a date with its parts set
// apart ("14 10 2022", "03.03.2021", "20 MAY 95").
func printedAsDate(s string) bool {
	if !strings.ContainsAny(strings.TrimSpace(s), " ./-") {
		return false
	}
	for _, past := range []bool{true, false} {
		if _, err := NormalizeDateText(s, past, time.Now()); err == nil {
			return true
		}
	}
	return false
}

// innerApostrophes keeps the apostrophes of s that stand between two
// letters (O'CONNOR, D'ANGELO) and drops the rest, OCR's specks.
func innerApostrophes(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if c == '\'' && (i == 0 || i == len(r)-1 || !unicode.IsLetter(r[i-1]) || !unicode.IsLetter(r[i+1])) {
			if i > 0 && i < len(r)-1 && r[i-1] != ' ' && r[i+1] != ' ' {
				b.WriteRune(' ')
			}
			continue
		}
		b.WriteRune(c)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// closeBracketsOrJ reads each closing bracket of s as the J a
// descending tail makes of it, unless text is true and an opening
// bracket comes before it: a free text's "(69)" is printed so.
func closeBracketsOrJ(s string, text bool) string {
	var b strings.Builder
	open := 0
	for _, r := range s {
		switch {
		case r == '(' && text:
			open++
		case r == ')' && open > 0:
			open--
		case r == ')' || r == '}' || r == ']':
			r = 'J'
		}
		b.WriteRune(r)
	}
	out := b.String()
	if open > 0 {
		// an opening bracket never closed is debris
		out = strings.ReplaceAll(out, "(", " ")
	}
	return out
}

// endsInAbbreviation reports whether s ends in letters each followed by
// a full stop but the last ("U.S.A" of "U.S.A."): its full stop is the
// text's, not debris.
func endsInAbbreviation(s string) bool {
	f := strings.Fields(s)
	if len(f) == 0 {
		return false
	}
	parts := strings.Split(f[len(f)-1], ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if utf8.RuneCountInString(p) != 1 {
			return false
		}
	}
	return true
}

// NormalizeDate reads dd.mm.yyyy from text with dots lost or misplaced:
// the eight digits decide.
func NormalizeDate(s string) (string, error) {
	d := keep(s, unicode.IsDigit)
	if len(d) != 8 {
		return "", fmt.Errorf("vz: date %q: want 8 digits", s)
	}
	day, mon, year := atoi(d[:2]), atoi(d[2:4]), atoi(d[4:])
	if mon < 1 || mon > 12 || day < 1 || day > daysIn(mon, year) || year < 1900 || year > 2100 {
		return "", fmt.Errorf("vz: date %q is not a calendar date", s)
	}
	return d[:2] + "." + d[2:4] + "." + d[4:], nil
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = 10*n + int(r-'0')
	}
	return n
}

// NormalizeSex maps "ЕР / М", "ӘЙЕЛ / Ж", "M", "F" to "M" or "F".
func NormalizeSex(s string) (string, error) {
	u := strings.ToUpper(s)
	words := strings.FieldsFunc(u, func(r rune) bool { return !unicode.IsLetter(r) })
	for _, w := range words {
		switch w {
		case "ЕР", "М", "M", "МУЖ":
			return "M", nil
		case "ӘЙЕЛ", "ЭЙЕЛ", "Ж", "F", "ЖЕН":
			return "F", nil
		}
	}
	return "", fmt.Errorf("vz: sex %q", s)
}

func keep(s string, ok func(rune) bool) string {
	var b strings.Builder
	for _, r := range s {
		if ok(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// kazakhPatronymic restores the Kazakh letters of a Kazakh patronymic,
// which ends in ҰЛЫ ("son of") or ҚЫЗЫ ("daughter of"): Tesseract reads
// them as У and К, and the Ә inside the father's name as Э (a letter
// Kazakh writes only at the start of loanwords).
func kazakhPatronymic(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		r := []rune(w)
		switch {
		case strings.HasSuffix(w, "КЫЗЫ") && len(r) > 4:
			w = string(r[:len(r)-4]) + "ҚЫЗЫ"
		case strings.HasSuffix(w, "УЛЫ") && len(r) > 3:
			w = string(r[:len(r)-3]) + "ҰЛЫ"
		}
		if strings.HasSuffix(w, "ҚЫЗЫ") || strings.HasSuffix(w, "ҰЛЫ") {
			r = []rune(w)
			for j := 1; j < len(r); j++ {
				if r[j] == 'Э' {
					r[j] = 'Ә'
				}
			}
			w = string(r)
		}
		words[i] = w
	}
	return strings.Join(words, " ")
}

// latinLookalikes are the Latin capitals Tesseract may return inside a
// Cyrillic word, mapped to the Cyrillic letters they stand for.
var latinLookalikes = map[rune]rune{
	'A': 'А', 'B': 'В', 'C': 'С', 'E': 'Е', 'H': 'Н', 'K': 'К', 'M': 'М', 'O': 'О',
	'P': 'Р', 'T': 'Т', 'X': 'Х', 'Y': 'У', 'I': 'І',
}

// ToCyrillic replaces Latin look-alikes in upper-case Cyrillic text.
func ToCyrillic(s string) string {
	var b strings.Builder
	for _, r := range s {
		if c, ok := latinLookalikes[r]; ok {
			r = c
		}
		b.WriteRune(r)
	}
	return b.String()
}

// psmRawLine is Tesseract's page segmentation mode 13: the image is one
// text line, read without Tesseract's own layout hacks.
const psmRawLine ocr.PageSegMode = 13

// clearFromTop returns a copy of crop with the ink that runs in from its
// top edge painted as paper, within its first rows: a cut grown above a
// value to take in the marks over its capitals takes in the foot of the
// caption above too (its descenders, the bottom of its letters), which
// the marks, standing free over their letters, never touch.
func clearFromTop(crop *image.Gray, rows int) *image.Gray {
	out := grayCopy(crop)
	w, h := out.Rect.Dx(), out.Rect.Dy()
	rows = min(rows, h)
	if rows <= 0 {
		return out
	}
	// ink, anything a quarter of the way from the paper to the mean of
	// the value's ink: a caption is printed paler than its value
	paper, dark, ok := paperAndInk(out)
	if !ok {
		return out
	}
	ink := uint8(paper - (paper-dark)/4)
	seen := make([]bool, w*rows)
	var stack []int
	for x := range w {
		if out.Pix[x] <= ink {
			stack = append(stack, x)
			seen[x] = true
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x, y := i%w, i/w
		out.Pix[y*out.Stride+x] = uint8(paper)
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				nx, ny := x+dx, y+dy
				if nx < 0 || nx >= w || ny < 0 || ny >= rows || seen[ny*w+nx] || out.Pix[ny*out.Stride+nx] > ink {
					continue
				}
				seen[ny*w+nx] = true
				stack = append(stack, ny*w+nx)
			}
		}
	}
	return out
}

// paperAndInk returns the grey of a cut's paper, the brightest tenth's
// floor, and the mean grey of its ink, Otsu's dark class (mostly the
// value's letters); ok is false for a cut with no dark class.
func paperAndInk(g *image.Gray) (paper, ink int, ok bool) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var hist [256]int
	for y := range h {
		for _, v := range g.Pix[g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y+y):][:w] {
			hist[v]++
		}
	}
	paper, n := 255, 0
	for ; paper > 0 && n < w*h/10; paper-- {
		n += hist[paper]
	}
	sum := 0
	for v := range imgutil.Otsu(&hist) + 1 {
		ink += v * hist[v]
		sum += hist[v]
	}
	if sum == 0 {
		return paper, 0, false
	}
	return paper, ink / sum, true
}

// dropOtherLines returns crop with a line of text above its value
// painted as paper, and, with below, one under it too: a cut that took
// in the caption's line over a value ("Utónév / Given names" over ÁGNES
// TÜNDE, "Ime / Given names" over ŠTEFAN, on another hand's cards), or
// the next field's caption and value under a name (GONÇALVES FERREIRA
// over "Nome(s) próprio(s) / Given names" and JOÃO), is read by the
// Latin model, which has no word list, as marks and letters ("ÉTEEA
// NA"), or not at all. The value's line is the band of rows, between
// clear rows, that holds the most ink, weighted by how dark (a caption
// is printed paler or smaller than its value); above it (and under it),
// a band that is wide or tall enough to be a line of letters
// (captionBand) is painted out, with all beyond it. The marks over (and
// under) the value's letters are a band too, of a few narrow blobs, and
// stay. A crop whose value's line runs into the line above, with no
// clear row between, is returned as it is. Only a name's lines below
// go: a free text may run on to a second line.
func dropOtherLines(crop *image.Gray, below bool) *image.Gray {
	w, h := crop.Rect.Dx(), crop.Rect.Dy()
	if w < 4 || h < 8 {
		return crop
	}
	paper, dark, ok := paperAndInk(crop)
	if !ok || paper <= dark {
		return crop
	}
	ink := paper - (paper-dark)/4
	// the rows are followed along the lines' slant (lineSlant): a phone
	// photo's lines lean a few degrees in the cut, and a caption's last
	// letters then stand in the rows of the value's first
	slant := lineSlant(crop, ink)
	reach := int(math.Ceil(math.Abs(slant) * float64(w) / 2))
	shift := make([]int, w)
	for x := range shift {
		shift[x] = reach - int(math.Round(slant*float64(x-w/2)))
	}
	rowOf := func(x, y int) int { return y + shift[x] }
	rows := h + 2*reach
	count := make([]int, rows)
	mass := make([]int, rows)
	for y := range h {
		for x, v := range crop.Pix[crop.PixOffset(crop.Rect.Min.X, crop.Rect.Min.Y+y):][:w] {
			if int(v) <= ink {
				r := rowOf(x, y)
				count[r]++
				mass[r] += paper - int(v)
			}
		}
	}
	// specks of noise or artwork leave a row clear
	noise := max(2, w/100)
	clear := func(y int) bool { return count[y] <= noise }
	peak := 0
	for y := range rows {
		if mass[y] > mass[peak] {
			peak = y
		}
	}
	if clear(peak) {
		return crop
	}
	top, bot := peak, peak
	for top > 0 && !clear(top-1) {
		top--
	}
	for bot < rows-1 && !clear(bot+1) {
		bot++
	}
	most := slices.Max(count[top : bot+1])
	in := func(y int) bool { return y >= 0 && y < rows }
	// captionBeyond looks from row y, in direction d (-1 up, 1 down),
	// band by band for a line of letters, and returns the clear row
	// between it and the value's line: that row and all beyond it are
	// painted out
	captionBeyond := func(y, d int) (int, bool) {
		for in(y) {
			for in(y) && clear(y) {
				y += d
			}
			if !in(y) {
				break
			}
			near := y
			for in(y) && !clear(y) {
				y += d
			}
			if captionBand(count[min(near, y-d):max(near, y-d)+1], most, bot-top+1) {
				return near - d, true
			}
		}
		return 0, false
	}
	to, above := captionBeyond(top-1, -1)
	from, under := 0, false
	if below {
		from, under = captionBeyond(bot+1, 1)
	}
	if !above && !under {
		return crop
	}
	out := grayCopy(crop)
	for yy := range h {
		for x := range w {
			if r := rowOf(x, yy); (above && r <= to) || (under && r >= from) {
				out.Pix[yy*out.Stride+x] = uint8(paper)
			}
		}
	}
	return out
}

// lineSlant is the slant (rows per column) along which the ink of crop
// (pixels at ink or darker) lines up best in rows: of the slants up to
// maxSlant, the one whose row counts are the most concentrated (the sum
// of their squares, the usual measure of a skew).
func lineSlant(crop *image.Gray, ink int) float64 {
	w, h := crop.Rect.Dx(), crop.Rect.Dy()
	reach := int(math.Ceil(maxSlant * float64(w) / 2))
	// the ink's pixels, once: each slant counts only them
	xs, ys := make([]int, 0, w*h/4), make([]int, 0, w*h/4)
	for y := range h {
		for x, v := range crop.Pix[crop.PixOffset(crop.Rect.Min.X, crop.Rect.Min.Y+y):][:w] {
			if int(v) <= ink {
				xs, ys = append(xs, x), append(ys, y)
			}
		}
	}
	count := make([]int, h+2*reach)
	shift := make([]int, w)
	best, bestScore := 0.0, -1
	for k := -slantSteps; k <= slantSteps; k++ {
		slant := maxSlant * float64(k) / slantSteps
		for x := range shift {
			shift[x] = reach - int(math.Round(slant*float64(x-w/2)))
		}
		clear(count)
		for i, x := range xs {
			count[ys[i]+shift[x]]++
		}
		score := 0
		for _, c := range count {
			score += c * c
		}
		// the upright reading wins a tie
		if score > bestScore || (score == bestScore && k == 0) {
			best, bestScore = slant, score
		}
	}
	return best
}

// maxSlant is the steepest slant lineSlant tries (about 5°, in
// slantSteps steps either way): a phone photo's residual lean, once its
// page is warped flat.
const (
	maxSlant   = 0.09
	slantSteps = 9
)

// captionBand reports whether a band of rows with ink counts band, above
// a value's line whose rows hold at most most inked pixels over height
// rows, is a line of letters rather than the marks over the value's
// capitals: inked across 0.3 of the value's widest row, or half its
// height and more tall and across 0.12.
func captionBand(band []int, most, height int) bool {
	widest := slices.Max(band)
	return 10*widest >= 3*most || (2*len(band) >= height && 100*widest >= 12*most)
}

// grayCopy returns a copy of g with its origin at (0, 0), to paint on.
func grayCopy(g *image.Gray) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, g.Rect.Dx(), g.Rect.Dy()))
	for y := range out.Rect.Dy() {
		copy(out.Pix[y*out.Stride:(y+1)*out.Stride], g.Pix[g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y+y):])
	}
	return out
}
