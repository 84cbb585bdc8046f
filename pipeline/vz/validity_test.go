package vz

import "testing"

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
