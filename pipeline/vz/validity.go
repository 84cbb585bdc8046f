package vz

import (
	"slices"
	"strings"
	"time"

	"github.com/docscan/docscan/pipeline/ocr"
)

// maxValidityYears is the longest validity period of an ICAO document.
const maxValidityYears = 10

// FitsValidity reports whether a date of issue and a date of expiry
// (dd.mm.yyyy) are a whole validity period apart, as ICAO documents'
// dates are: the expiry one to ten years after the issue, on the same
// day or the day before. A misread date of issue hardly ever lands on
// such a date, so it corroborates a reading Tesseract was unsure of.
func FitsValidity(issue, expiry string) bool {
	i, err := time.Parse("02.01.2006", issue)
	if err != nil {
		return false
	}
	e, err := time.Parse("02.01.2006", expiry)
	if err != nil {
		return false
	}
	for k := 1; k <= maxValidityYears; k++ {
		end := i.AddDate(k, 0, 0)
		if end.Equal(e) || end.AddDate(0, 0, -1).Equal(e) {
			return true
		}
	}
	return false
}

// pageDates are the dates printed among words, each once, in reading
// order: on each line, every run of up to four words (slashes split off)
// that NormalizeDateText reads as a date ("22.02.2008", "24JUN2004",
// "16 APR / AVR 07"), the longest from each word on.
func pageDates(words []ocr.Word, now time.Time) []string {
	var out []string
	for _, l := range wordLines(splitSlashes(words)) {
		for i := 0; i < len(l); i++ {
			if !startsWithDigit(l[i].Text) {
				continue // a date starts with its day or its year
			}
			best, end := "", i
			var run []string
			for j := i; j < len(l) && j < i+5; j++ {
				run = append(run, l[j].Text)
				if v, err := NormalizeDateText(strings.Join(run, " "), true, now); err == nil {
					best, end = v, j
				}
			}
			if best != "" {
				if !slices.Contains(out, best) {
					out = append(out, best)
				}
				i = end
			}
		}
	}
	return out
}

func startsWithDigit(s string) bool {
	return s != "" && s[0] >= '0' && s[0] <= '9'
}
