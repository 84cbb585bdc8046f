package mrz

import (
	"testing"
	"time"
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
