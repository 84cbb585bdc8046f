package vz

import (
	"context"
	"image"
	"slices"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

func TestFitsValidity(t *testing.T) {
	for _, tc := range []struct {
		issue, expiry string
		want          bool
	}{
		{"31.12.2004", "31.12.2014", true},  // ten years, same day
		{"16.04.2007", "15.04.2012", true},  // five years, the day before
		{"29.07.2006", "29.07.2016", true},  // yyyy read as dd.mm.yyyy
		{"29.02.2008", "28.02.2018", true},  // a leap day: AddDate runs on to 1 March
		{"24.06.2004", "23.12.2004", false}, // a visa of six months: no whole period
		{"21.07.2006", "29.07.2016", false}, // a digit misread
		{"29.07.2016", "29.07.2016", false}, // the expiry itself
		{"29.07.1996", "29.07.2016", false}, // twenty years: a date of birth, not an issue
		{"29.07.2016", "29.07.2006", false}, // after the expiry
		{"", "29.07.2016", false},
		{"29 JUL 2006", "29.07.2016", false}, // not normalised
	} {
		if got := FitsValidity(tc.issue, tc.expiry); got != tc.want {
			t.Errorf("FitsValidity(%q, %q) = %v, want %v", tc.issue, tc.expiry, got, tc.want)
		}
	}
}

func TestPageDates(t *testing.T) {
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	// words as the caption pass returns them: text, box, line
	word := func(text string, x, line int) ocr.Word {
		return ocr.Word{Text: text, Box: image.Rect(x, 10*line, x+10*len(text), 10*line+8), Line: line, Confidence: 80}
	}
	for _, tc := range []struct {
		name  string
		words []ocr.Word
		want  []string
	}{
		{"dotted, beside the authority", []ocr.Word{word("2004.12.31", 0, 1), word("WOJEWODA", 200, 1)}, []string{"31.12.2004"}},
		{"glued month", []ocr.Word{word("555123ABC12", 0, 1), word("24JUN2004", 200, 1), word("23DEC2004", 400, 1)},
			[]string{"24.06.2004", "23.12.2004"}},
		{"two languages, slash split off", []ocr.Word{word("16", 0, 2), word("APR/AVR", 40, 2), word("07", 140, 2), word("PASSPORT", 300, 2)},
			[]string{"16.04.2007"}},
		{"two dates on one line, each once", []ocr.Word{word("04", 0, 1), word("JAN", 40, 1), word("1995", 90, 1),
			word("04", 300, 1), word("JAN", 340, 1), word("1998", 390, 1), word("04.01.1995", 0, 3)}, []string{"04.01.1995", "04.01.1998"}},
		{"captions and numbers are no dates", []ocr.Word{word("DATE", 0, 1), word("OF", 60, 1), word("ISSUE", 90, 1),
			word("99003853", 0, 2), word("08.2006,", 0, 3)}, nil},
	} {
		if got := pageDates(tc.words, now); !slices.Equal(got, tc.want) {
			t.Errorf("%s: pageDates = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestPageDatesReadAgain: the page's date-like runs of words are read
// again as dates (a small photo's "04.07,2009." is 01.07.2009 read
// finer), one number is not (007007007), and nor is a line of words.
func TestPageDatesReadAgain(t *testing.T) {
	side := Side{Image: image.NewRGBA(image.Rect(0, 0, 1500, 1056)), Type: &typedb.Type{Generic: true}}
	f, _ := GenericField(fieldDateOfIssue)
	w := func(s string, x, y, line int) ocr.Word {
		return ocr.Word{Text: s, Box: image.Rect(x, y, x+20*len(s), y+30), Line: line}
	}
	words := []ocr.Word{
		w("Datum", 500, 560, 1), w("izdavanja/Date", 620, 560, 1), w("of", 900, 560, 1), w("issue", 960, 560, 1),
		w("04.07,2009.", 500, 600, 2), w("PU/ZAGREB", 950, 600, 2),
		w("007007007", 1000, 200, 3),
	}
	r := &scriptedReader{script: []ocr.Text{{Text: "01.07.2009", Confidence: 80}, {Text: "01.07.2009.", Confidence: 85}}}
	got := rereadPageDates(context.Background(), r, side, f, words)
	if !slices.Equal(got, []string{"01.07.2009"}) {
		t.Errorf("dates %q, want [01.07.2009]", got)
	}
	if r.calls != 2 {
		t.Errorf("%d reads, want 2 (the date-like run, finer and as one word)", r.calls)
	}
}
