package pipeline

import (
	"testing"

	"github.com/docscan/docscan/pipeline/identify"
	"github.com/docscan/docscan/pipeline/mrz"
)

// TestReadsMRZSurer: of two outlines of one side, the one whose zone
// reads surely and valid is the page located right where the other's
// reads unsurely, fails its check digits or is not found, whatever the
// two identify; it must still identify the side.
func TestReadsMRZSurer(t *testing.T) {
	sideWith := func(status mrz.Status, p float64) *side {
		s := &side{best: &identify.Candidate{P: p}}
		if status != "" {
			s.mrz = &mrz.Result{Status: status}
		}
		return s
	}
	for _, tc := range []struct {
		name string
		a, b *side
		want bool
	}{
		{"valid over unsure", sideWith(mrz.StatusValid, 0.8), sideWith(mrz.StatusUnsure, 0.9), true},
		{"valid over failing check digits", sideWith(mrz.StatusValid, 0.8), sideWith(mrz.StatusInvalid, 0.9), true},
		{"valid over none", sideWith(mrz.StatusValid, 0.8), sideWith("", 0.9), true},
		{"valid beside valid: the identification decides", sideWith(mrz.StatusValid, 0.95), sideWith(mrz.StatusValid, 0.9), false},
		{"unsure over none", sideWith(mrz.StatusUnsure, 0.8), sideWith("", 0.5), false},
		{"valid, the side not identified", sideWith(mrz.StatusValid, minP/2), sideWith(mrz.StatusUnsure, 0.9), false},
	} {
		if got := readsMRZSurer(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
