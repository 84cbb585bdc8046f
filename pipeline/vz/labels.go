package vz

import (
	"errors"
	"strings"
	"unicode"

	"github.com/docscan/docscan/pipeline/internal/editdist"
	"github.com/docscan/docscan/typedb"
)

// ErrLabel is a reading that is one of the type's printed labels, not a
// value: on a card drawn by another hand the labels sit where this
// type's values would, and a label must never come back as a value.
var ErrLabel = errors.New("vz: the text read is a printed label")

// isLabel reports whether v reads as one of t's printed labels (any
// field's, in any language, alone or as the bilingual pair, or a label
// anchor): within a quarter of its letters.
func isLabel(t *typedb.Type, v string) bool {
	got := []rune(letters(v))
	if len(got) < 3 {
		return false
	}
	near := func(label string) bool {
		want := []rune(letters(label))
		if len(want) < 3 {
			return false
		}
		return 4*editdist.Levenshtein(got, want) <= max(len(got), len(want))
	}
	for _, f := range t.Fields {
		l := f.Labels
		for _, s := range []string{l.KK, l.RU, l.EN, l.KK + l.RU, l.KK + l.EN, l.RU + l.EN} {
			if near(s) {
				return true
			}
		}
	}
	for _, a := range t.Anchors {
		if a.Kind == "label" && near(a.Text) {
			return true
		}
	}
	return false
}

// letters is s's letters, upper case.
func letters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
