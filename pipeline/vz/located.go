package vz

import (
	"cmp"
	"context"
	"image"
	"slices"
	"strings"

	"github.com/docscan/docscan/pipeline/internal/editdist"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// minLocatedLetters is the fewest letters a name must have to be looked
// for among a page's words: a shorter one ("LI") may stand in any word.
const minLocatedLetters = 3

// minNearLetters is the fewest letters a name must have to be looked for
// with one letter misread (LocateNameNear): one edit from a short name
// is another name.
const minNearLetters = 6

// LocateName looks, among the words a generic side's caption pass read,
// for the name the side's MRZ gives for field f (want, ICAO Latin): whole
// words of one line whose letters, in a spelling ICAO 9303 part 3 gives
// them (ICAOSpellings), are the MRZ's. It returns them as the field's
// reading, the topmost where the page prints them twice; ok is false
// where none are.
//
// Small captions Tesseract's layout analysis drops (a TD1 card's, 1 mm
// tall) leave the values they head unplaced, while the values, printed
// larger, are read: the MRZ places them. Such a reading agrees with the
// MRZ by construction, so it is no evidence for the agreement check
// (Reading.Located); it gives the page's spelling, and RestoreMarks its
// marks.
func LocateName(words []ocr.Word, f typedb.Field, want string, s Side) (Reading, bool) {
	target := typedb.LatinLetters(want)
	if len(target) < minLocatedLetters {
		return Reading{}, false
	}
	runs := nameRuns(words, f, len(strings.Fields(want)), len(target), s, func(spellings []string) bool {
		return slices.ContainsFunc(spellings, func(sp string) bool { return typedb.LatinLetters(sp) == target })
	})
	if len(runs) == 0 {
		return Reading{}, false
	}
	return runs[0], true
}

// LocateNameNear is LocateName for a name the caption pass read with one
// letter wrong (a Č read t: "Kovatova" for KOVÁČOVÁ): words one edit from
// the MRZ's letters are read again with the Latin-script model, and are
// the name where that reading's letters are the MRZ's exactly, in the
// Latin reading's spelling. Topmost first; ok is false where none is.
//
// The words may instead be, or be one edit from, another spelling of
// the name (alike: the MRZ's long forms of marked letters read as the
// plain letter, as the English model reads LJUNGSTRÖM: "LJIUNGSTROM" is
// two edits from LJUNGSTROEM); the Latin reading must still spell the
// MRZ's letters.
func LocateNameNear(ctx context.Context, r Reader, s Side, words []ocr.Word, f typedb.Field, want string, alike ...string) (Reading, bool) {
	target := typedb.LatinLetters(want)
	if len(target) < minNearLetters {
		return Reading{}, false
	}
	var others [][]rune
	longest := len(target)
	for _, a := range alike {
		if l := typedb.LatinLetters(a); len(l) >= minNearLetters {
			others = append(others, []rune(l))
			longest = max(longest, len(l))
		}
	}
	targetRunes := []rune(target)
	near := func(spellings []string) bool {
		return slices.ContainsFunc(spellings, func(sp string) bool {
			read := []rune(typedb.LatinLetters(sp))
			// the MRZ's own spelling read whole is LocateName's
			return editdist.Levenshtein(read, targetRunes) == 1 ||
				slices.ContainsFunc(others, func(o []rune) bool { return editdist.Levenshtein(read, o) <= 1 })
		})
	}
	for _, rd := range nameRuns(words, f, len(strings.Fields(want)), longest+1, s, near) {
		t, err := readLatin(ctx, r, s, f, rd.Region, image.Rectangle{})
		if err != nil || t.Confidence < marksSureFrom {
			continue
		}
		v, err := Normalize(f, t.Text)
		if err != nil || nationalMarksOnly(v, v, s.State, s.Nationality) != v {
			continue
		}
		if slices.ContainsFunc(typedb.ICAOSpellings(v), func(sp string) bool { return typedb.LatinLetters(sp) == target }) {
			rd.Raw, rd.Value, rd.Confidence = t.Text, v, t.Confidence
			return rd, true
		}
	}
	return Reading{}, false
}

// MarksOf returns plain, a located name read without marks, with the
// marks of an earlier reading of the field that spells its letters (its
// value, or the Latin-script model's Marked): the cut where the MRZ's
// name was found may read its marks worse than the field's own cut did
// ("KAZKĶAUSKIENĖ" at 0 there, KAZLAUSKIENĖ with each letter at 88 or
// more in the field's cut, on another hand's Lithuanian card). ok is
// false where plain has marks already or neither reading spells it.
func MarksOf(plain string, earlier Reading) (string, bool) {
	if earlier.Err != nil || !isASCII(plain) {
		return plain, false
	}
	for _, m := range []string{earlier.Value, earlier.Marked} {
		if m == "" || isASCII(m) {
			continue
		}
		if v, ok := addMarksByWord(plain, m); ok {
			return v, true
		}
	}
	return plain, false
}

// wordsCut is the cut that reads again the value the caption pass read
// in words filling box: box narrowed to the band of the value's ink in
// it (Tesseract's box of a word on a guilloche takes in the caption above
// and the lines around), with margins a third of the band's height above
// and below and half of it at the ends.
func (l *layout) wordsCut(box, bounds image.Rectangle) image.Rectangle {
	if m, r := l.inkMap(box); m != nil {
		if vb, mass := inkBox(m, r, 2); mass >= 10 && vb.Dy() >= 4 {
			box.Min.Y, box.Max.Y = vb.Min.Y, vb.Max.Y
		}
	}
	h := box.Dy()
	return image.Rect(box.Min.X-h/2, box.Min.Y-max(4, h/3), box.Max.X+h/2, box.Max.Y+max(4, h/3)).Intersect(bounds)
}

// nameRuns are the runs of whole words of one line, up to words+1 words
// and letters letters, that match (given their ICAO spellings) as field
// f's readings on side s, topmost first. A word holding a digit, or no
// letter, ends a run: a name's words are letters. Each is cut to the
// band of the value's ink in its words' boxes: Tesseract's box of a word
// on a guilloche takes in the caption above and the lines around.
func nameRuns(ws []ocr.Word, f typedb.Field, words, letters int, s Side, match func([]string) bool) []Reading {
	var out []Reading
	bounds := s.Image.Rect
	lay := newLayout(s.Image, s.Type)
	for _, line := range WordLines(ws) {
		for i := range line {
			var raw []string
			var box image.Rectangle
			conf := 0.0
			for j := i; j < len(line) && j <= i+words; j++ {
				if strings.ContainsAny(line[j].Text, "0123456789") || typedb.LatinLetters(typedb.TransliterateICAO(line[j].Text)) == "" {
					break
				}
				raw = append(raw, line[j].Text)
				box = box.Union(line[j].Box)
				conf += line[j].Confidence
				spellings := typedb.ICAOSpellings(strings.Join(raw, " "))
				if match(spellings) {
					v, err := Normalize(f, strings.Join(raw, " "))
					if err != nil {
						break
					}
					cut := lay.wordsCut(box, bounds)
					out = append(out, Reading{Name: f.Name, Raw: strings.Join(raw, " "), Value: v, Confidence: conf / float64(len(raw)),
						Region: regionOf(cut, bounds.Dx(), bounds.Dy()), Anchored: true, Located: true})
					break
				}
				if len(typedb.LatinLetters(spellings[0])) >= letters && len(typedb.LatinLetters(spellings[len(spellings)-1])) >= letters {
					break
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Reading) int { return cmp.Compare(a.Region[1], b.Region[1]) })
	return out
}
