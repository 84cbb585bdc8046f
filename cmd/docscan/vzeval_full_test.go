//go:build eval

package main

import "testing"

// TestRealVZ: every transcribed real image of ../shared/eval/mrz through
// `docscan recognize`, scored against testdata/vz_truth.json per field,
// the tuning half and the held-out half apart.
func TestRealVZ(t *testing.T) {
	tune, held := runVZTruth(t, func(int, string) bool { return true })
	tune.report(t, "real images, tuning half")
	held.report(t, "real images, held-out half")
}
