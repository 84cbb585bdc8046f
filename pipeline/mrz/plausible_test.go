package mrz

import (
	"image"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline/mrz/find"
)

// TestPlausible: a zone's reading counts as an MRZ only when it could be
// one. A TD2 card printed in a monospace font and read upside down
// (renderer varied, seed 5757) came back as letters only, taken for a
// French ID whose corrections made two of its three checks hold: it
// turned the page upside down, and every field was cut from the wrong
// place.
func TestPlausible(t *testing.T) {
	now := time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		what  string
		lines []string
		want  bool
	}{
		{"a TD2 card upside down, taken for a French ID", []string{
			"BPPPPPPPBBIOIIEBPSZBOZZOITBZSSSPOEDB",
			"BPPPPPPPPPPP2PVNBTBPPVAOTIVHXIH0L1P1"}, false},
		{"a TD2 card", []string{
			"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
			"D231458907UTO7408122F1204159<<<<<<<6"}, true},
		{"a French ID", []string{
			"IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
			"8806923102858CORINNE<<<<<<<6512068F4"}, true},
		{"a French ID's lines but for its code", []string{
			"BPFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
			"8806923102858CORINNE<<<<<<<6512068F4"}, false},
		{"a TD3 whose name line shows no filler", []string{
			"PAUTOERIKSSONXANNAXMARIAKKKKKKKKKKKKKKKKKKKK",
			"L898902C36UTO7408122F1204159ZE184226B<<<<<10"}, false},
	} {
		r := make([]LineReading, len(tc.lines))
		for i, l := range tc.lines {
			r[i] = ReadingOf(l)
		}
		res, err := resultOf(r, now)
		if err != nil {
			if tc.want {
				t.Errorf("%s: %v", tc.what, err)
			}
			continue
		}
		res.Confidence = 0.9 // read surely, character by character
		c := &candidate{res: res, passed: countValid(res.Checks), total: len(res.Checks)}
		if got := c.plausible(); got != tc.want {
			t.Errorf("%s: read as %v %q (%d of %d checks hold): plausible %v, want %v", tc.what, res.Format, res.Lines, c.passed, c.total, got, tc.want)
		}
	}
}

// TestAlignedZone: an MRZ's lines start and end together, so a zone whose
// line was found a character or more short at an end is run on to the
// zone's common extent, half a character beyond; an even zone is not.
func TestAlignedZone(t *testing.T) {
	line := func(x0, x1, y float64) find.Line {
		return find.Line{P0: find.Point{X: x0, Y: y}, P1: find.Point{X: x1, Y: y}, Height: 24}
	}
	bounds := image.Rect(0, 0, 1100, 700)
	even := find.Zone{Lines: []find.Line{line(100, 1000, 450), line(110, 995, 520), line(95, 1000, 590)}}
	if _, ok := alignedZone(even, 30, bounds); ok {
		t.Error("a zone whose lines start and end within a character was run on")
	}
	// the last line's first character faded: found two characters short
	short := find.Zone{Lines: []find.Line{line(100, 1000, 450), line(100, 1000, 520), line(160, 1000, 590)}}
	az, ok := alignedZone(short, 30, bounds)
	if !ok {
		t.Fatal("a line found two characters short was not run on")
	}
	for i, l := range az.Lines {
		if l.P0.X != 85 || l.P1.X != 1015 {
			t.Errorf("line %d runs %.0f–%.0f, want 85–1015 (the common extent, half a character beyond)", i, l.P0.X, l.P1.X)
		}
	}
	// against the image's edge the margin is given up, not the line
	edge := find.Zone{Lines: []find.Line{line(5, 1090, 450), line(60, 1090, 520)}}
	if az, ok := alignedZone(edge, 36, bounds); !ok || az.Lines[1].P0.X < 0 || az.Lines[1].P0.X > 6 {
		t.Errorf("at the image's edge: %v %v, want the short line run on to x≈5", az.Lines, ok)
	}
}
