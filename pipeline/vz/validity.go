package vz

import (
	"context"
	"image"
	"slices"
	"strings"
	"time"

	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// fieldDateOfIssue is the generic date of issue, the one field whose
// value may come from anywhere on the page (pipeline's issueOnPage).
const fieldDateOfIssue = "date_of_issue"

// FitsValidity reports whether a date of issue and a date of expiry
// (dd.mm.yyyy) are a whole validity period apart, as ICAO documents'
// dates are: the expiry one to ten years after the issue, on the same
// day or the day before. A misread date of issue hardly ever lands on
// such a date, so it corroborates a reading Tesseract was unsure of.
func FitsValidity(issue, expiry string) bool { return FitsValidityOf(issue, expiry, 0) }

// FitsValidityOf is FitsValidity for a type whose documents are all
// valid years years (typedb.Type.ValidityYears); 0 allows any period of
// one to ten years.
func FitsValidityOf(issue, expiry string, years int) bool {
	i, err := time.Parse("02.01.2006", issue)
	if err != nil {
		return false
	}
	e, err := time.Parse("02.01.2006", expiry)
	if err != nil {
		return false
	}
	lo, hi := 1, typedb.MaxValidityYears
	if years > 0 {
		lo, hi = years, years
	}
	for k := lo; k <= hi; k++ {
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
	for _, l := range WordLines(splitSlashes(words)) {
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

// Re-reading the page's date-like words: a run of at most
// maxDateWords words from a word starting with a digit, with at least
// minDateDigits digits among them; at most maxDateRereads runs a side.
const (
	maxDateWords   = 4
	minDateDigits  = 6
	maxDateRereads = 4
)

// rereadPageDates reads again, as a date of field f (ReRead: finer and
// binarised, then as one word), the runs of words on the page that look
// like a date (the page's pass read "04.07,2009." for 01.07.2009 on a
// small photo) and returns the dates they give. It is called only when
// no date the page's pass read lies a whole validity period before the
// MRZ's expiry, and the caller takes one only where it does, which a
// misread hardly ever does.
func rereadPageDates(ctx context.Context, r Reader, s Side, f typedb.Field, words []ocr.Word) []string {
	w, h := s.Image.Rect.Dx(), s.Image.Rect.Dy()
	if w == 0 || h == 0 {
		return nil
	}
	var out []string
	tried := 0
	for _, l := range WordLines(splitSlashes(words)) {
		for i := 0; i < len(l) && tried < maxDateRereads; i++ {
			if !startsWithDigit(l[i].Text) {
				continue
			}
			var run []string
			box := image.Rectangle{}
			digits, end := 0, i
			for j := i; j < len(l) && j < i+maxDateWords; j++ {
				run = append(run, l[j].Text)
				box = box.Union(l[j].Box)
				for _, c := range l[j].Text {
					if c >= '0' && c <= '9' {
						digits++
					}
				}
				end = j
				if digits >= 8 {
					break
				}
			}
			if digits < minDateDigits || digits > 8 || !splitsDigits(strings.Join(run, " ")) {
				continue // too few digits, or one number (007007007)
			}
			i = end
			tried++
			pad := box.Dy() / 4
			box = box.Inset(-pad).Intersect(s.Image.Rect)
			again, err := ReRead(ctx, r, s, f, regionOf(box, w, h))
			if err != nil {
				continue
			}
			for _, a := range again {
				if a.Err == nil && !slices.Contains(out, a.Value) {
					out = append(out, a.Value)
				}
			}
		}
	}
	return out
}

// splitsDigits reports whether something other than a digit stands
// between two digits of s: a date's parts are set apart, a document
// number's digits are not.
func splitsDigits(s string) bool {
	seen, gap := false, false
	for _, c := range s {
		isDigit := c >= '0' && c <= '9'
		switch {
		case isDigit && seen && gap:
			return true
		case isDigit:
			seen, gap = true, false
		case seen:
			gap = true
		}
	}
	return false
}
