package vz

import (
	"image"
	"slices"
	"strings"

	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// minLocatedLetters is the fewest letters a name must have to be looked
// for among a page's words: a shorter one ("LI") may stand in any word.
const minLocatedLetters = 3

// LocateName looks, among the words a generic side's caption pass read,
// for the name the side's MRZ gives for field f (want, ICAO Latin): whole
// words of one line whose letters, in a spelling ICAO 9303 part 3 gives
// them (ICAOSpellings), are the MRZ's. It returns them as the field's reading, the
// topmost where the page prints them twice; ok is false where none are.
//
// Small captions Tesseract's layout analysis drops (a TD1 card's, 1 mm
// tall) leave the values they head unplaced, while the values, printed
// larger, are read: the MRZ places them. Such a reading agrees with the
// MRZ by construction, so it is no evidence for the agreement check
// (Reading.Located); it gives the page's spelling, and RestoreMarks its
// marks.
func LocateName(words []ocr.Word, f typedb.Field, want string, bounds image.Rectangle) (Reading, bool) {
	target := typedb.LatinLetters(want)
	if len(target) < minLocatedLetters {
		return Reading{}, false
	}
	nWords := len(strings.Fields(want))
	var best Reading
	bestY := bounds.Max.Y
	for _, line := range WordLines(words) {
		for i := range line {
			var raw []string
			var box image.Rectangle
			conf := 0.0
			for j := i; j < len(line) && j <= i+nWords; j++ {
				if strings.ContainsAny(line[j].Text, "0123456789") || typedb.LatinLetters(typedb.TransliterateICAO(line[j].Text)) == "" {
					break // a name's words are letters
				}
				raw = append(raw, line[j].Text)
				box = box.Union(line[j].Box)
				conf += line[j].Confidence
				spellings := typedb.ICAOSpellings(strings.Join(raw, " "))
				got := typedb.LatinLetters(spellings[0])
				if slices.ContainsFunc(spellings, func(sp string) bool { return typedb.LatinLetters(sp) == target }) && box.Min.Y < bestY {
					v, err := Normalize(f, strings.Join(raw, " "))
					if err != nil {
						break
					}
					h := box.Dy()
					cut := image.Rect(box.Min.X-h/2, box.Min.Y-max(4, h/3), box.Max.X+h/2, box.Max.Y+max(4, h/3)).Intersect(bounds)
					best = Reading{Name: f.Name, Raw: strings.Join(raw, " "), Value: v, Confidence: conf / float64(len(raw)),
						Region: regionOf(cut, bounds.Dx(), bounds.Dy()), Anchored: true, Located: true}
					bestY = box.Min.Y
				}
				if len(got) >= len(target) && len(typedb.LatinLetters(spellings[len(spellings)-1])) >= len(target) {
					break
				}
			}
		}
	}
	return best, best.Located
}
