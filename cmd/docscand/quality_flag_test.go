package main

import (
	"io"
	"testing"

	"github.com/docscan/docscan/pipeline/quality"
)

// -quality sets the named thresholds and keeps the others' defaults; a
// threshold out of range is refused.
func TestQualityFlag(t *testing.T) {
	s, err := parseSettings([]string{"-quality", "min_dpi=150,max_edge_width_mm=0.45"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := quality.Default()
	want.MinDPI, want.MaxEdgeWidthMM = 150, 0.45
	if s.quality != want {
		t.Errorf("quality %+v, want %+v", s.quality, want)
	}
	if s, err := parseSettings(nil, io.Discard); err != nil || s.quality != quality.Default() {
		t.Errorf("default quality %+v %v", s.quality, err)
	}
	if _, err := parseSettings([]string{"-quality", "max_glare=2"}, io.Discard); err == nil {
		t.Error("max_glare=2 accepted")
	}
}
