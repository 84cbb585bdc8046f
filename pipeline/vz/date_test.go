package vz

import (
	"testing"
	"time"
)

func TestNormalizeDateText(t *testing.T) {
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		past bool
		want string
	}{
		{"20 MAY /MAI 95", true, "20.05.1995"},
		{"20 MAY/MAI 95", false, "20.05.1995"},
		{"20 MAY/MAI 35", false, "20.05.2035"},
		{"15 APR /AVR 12", false, "15.04.2012"},
		{"20.05.1995", true, "20.05.1995"},
		{"20 05 1995", true, "20.05.1995"},
		{"1995-05-20", true, "20.05.1995"},
		{"20 MAY 1995", true, "20.05.1995"},
		{"12 AUG/AOUT 74", true, "12.08.1974"},
		{"01 JUIL 2020", true, "01.07.2020"},
		{"03 ENE 2019", true, "03.01.2019"},
		{"05 МАР 1990", true, "05.03.1990"},
		{"20051995", true, "20.05.1995"},
		{"07 DEC 24", true, "07.12.2024"},
		{"07 DEC 27", true, "07.12.1927"},
	} {
		got, err := NormalizeDateText(tc.in, tc.past, now)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeDateText(%q, past %v) = %q, %v; want %q", tc.in, tc.past, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "31 FEB 1995", "MAY 1995", "20 XYZ 1995", "2 0 5", "DATE OF BIRTH", "20 MAY 123", "1-12-31", "20.05.95", "2004.12.3", "1.12.2014"} {
		if got, err := NormalizeDateText(bad, true, now); err == nil {
			t.Errorf("NormalizeDateText(%q) = %q, want an error", bad, got)
		}
	}
}

func FuzzNormalizeDateText(f *testing.F) {
	for _, s := range []string{"20 MAY /MAI 95", "1995-05-20", "20.05.1995", "31 FEB 1995", "07 DEC 24"} {
		f.Add(s, true)
	}
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string, past bool) {
		got, err := NormalizeDateText(s, past, now)
		if err != nil {
			return
		}
		if _, perr := time.Parse("02.01.2006", got); perr != nil {
			t.Fatalf("NormalizeDateText(%q) = %q, not a dd.mm.yyyy date", s, got)
		}
	})
}
