package vz

import (
	"slices"
	"strings"
	"unicode"

	"github.com/docscan/docscan/pipeline/internal/editdist"
)

// snapToValue returns the entry of values nearest to the reading when it
// is near enough to be a misreading of exactly that entry: within a third
// of the entry's letters by edit distance, and strictly nearer than any
// other.
func snapToValue(values []string, read string) (string, bool) {
	if len(values) == 0 || read == "" {
		return read, false
	}
	r := []rune(squash(read))
	best, bd, second := "", 1<<30, 1<<30
	for _, e := range values {
		d := editdist.Levenshtein(r, []rune(squash(e)))
		switch {
		case d < bd:
			best, second, bd = e, bd, d
		case d < second:
			second = d
		}
	}
	if bd == 0 || (3*bd <= len([]rune(squash(best))) && bd < second) {
		return best, true
	}
	return read, false
}

// listedConfidence is the word confidence (0–100) a reading spelled
// exactly as an entry of its field's closed set is given at least.
const listedConfidence = 80

// listedExactly reports whether raw spells an entry of values, letter for
// letter (spaces and punctuation aside).
func listedExactly(values []string, raw string) bool {
	r := squash(raw)
	return r != "" && slices.ContainsFunc(values, func(e string) bool { return squash(e) == r })
}

// squash keeps letters and digits, upper-cased, and folds the Kazakh
// letters OCR takes for their Russian bases onto them, so "КР ИМ"
// compares near "ҚР ІІМ".
func squash(s string) string {
	var b strings.Builder
	// two І side by side read as И
	for _, r := range strings.ReplaceAll(strings.ToUpper(s), "ІІ", "И") {
		if f, ok := kazakhFold[r]; ok {
			r = f
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var kazakhFold = map[rune]rune{'Қ': 'К', 'Ғ': 'Г', 'Ң': 'Н', 'Ү': 'У', 'Ұ': 'У', 'Ө': 'О', 'Ә': 'А', 'Һ': 'Х', 'І': 'И', 'Э': 'А'}
