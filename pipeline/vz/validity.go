package vz

import "time"

// maxValidityYears is the longest validity period of an ICAO document.
const maxValidityYears = 10

// FitsValidity reports whether a date of issue and a date of expiry
// (dd.mm.yyyy) are a whole validity period apart, as ICAO documents'
// dates are: the expiry one to ten years after the issue, on the same
// day or the day before. A misread date of issue hardly ever lands on
// such a date, so it corroborates a reading Tesseract was unsure of.
func FitsValidity(issue, expiry string) bool {
	i, err := time.Parse("02.01.2006", issue)
	if err != nil {
		return false
	}
	e, err := time.Parse("02.01.2006", expiry)
	if err != nil {
		return false
	}
	for k := 1; k <= maxValidityYears; k++ {
		end := i.AddDate(k, 0, 0)
		if end.Equal(e) || end.AddDate(0, 0, -1).Equal(e) {
			return true
		}
	}
	return false
}
