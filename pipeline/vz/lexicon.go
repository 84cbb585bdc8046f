package vz

import (
	"strings"
	"unicode"
)

// Lexicon lists the values a closed-set field takes (e.g. the issuing
// authorities a state prints), by field name.
type Lexicon map[string][]string

// Snap returns the lexicon entry nearest to the reading when it is near
// enough to be a misreading of exactly that entry: within a third of the
// entry's letters by edit distance, and strictly nearer than any other.
func (l Lexicon) Snap(field, read string) (string, bool) {
	entries := l[field]
	if len(entries) == 0 || read == "" {
		return read, false
	}
	r := []rune(squash(read))
	best, bd, second := "", 1<<30, 1<<30
	for _, e := range entries {
		d := levenshtein(r, []rune(squash(e)))
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

func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
