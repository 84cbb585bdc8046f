package quality

import (
	"context"
	"errors"
)

// Fixable are the measures another capture may fix without the person
// moving the document: exposure (brightness, contrast) and motion blur
// (focus). Glare, tilt, size and cut-off edges need the person.
var Fixable = []string{NameBrightness, NameContrast, NameFocus}

// fixable counts the report's failures another capture may fix.
func fixable(r *Report) int {
	n := 0
	for _, f := range Fixable {
		if r.Has(f) {
			n++
		}
	}
	return n
}

// DefaultTries bounds the scanner's captures of one side's white frame:
// the first and two more.
const DefaultTries = 3

// Try is one capture's quality and whether it was kept.
type Try struct {
	Quality *Report
	Kept    bool
}

// Recapture calls capture up to tries times (at least once), until what
// it captured has no failure another capture may fix (Fixable). capture
// is told the try (0 first) and the last try's report, so that it may
// change the exposure. It returns the best capture (fewest fixable
// failures, the earliest of equals) and every try's quality. An error of
// capture ends the tries and is returned.
func Recapture[T any](ctx context.Context, tries int, capture func(ctx context.Context, try int, last *Report) (T, *Report, error)) (T, []Try, error) {
	var best T
	var out []Try
	bestAt, bestN := -1, 0
	var last *Report
	for i := range max(1, tries) {
		if i > 0 {
			if err := ctx.Err(); err != nil {
				return best, out, err
			}
		}
		v, q, err := capture(ctx, i, last)
		if err != nil {
			return best, out, err
		}
		if q == nil {
			return best, out, errors.New("quality: a capture without its quality")
		}
		out = append(out, Try{Quality: q})
		if n := fixable(q); bestAt < 0 || n < bestN {
			best, bestAt, bestN = v, i, n
		}
		if bestN == 0 {
			break
		}
		last = q
	}
	out[bestAt].Kept = true
	return best, out, nil
}
