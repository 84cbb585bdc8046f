package mrz

import (
	"fmt"
	"time"
)

// Date is a calendar date from an MRZ. A part printed as filler (unknown)
// is 0.
type Date struct {
	Year, Month, Day int
}

// IsZero reports whether no part of the date is known.
func (d Date) IsZero() bool { return d == Date{} }

// Complete reports whether year, month and day are all known.
func (d Date) Complete() bool { return d.Year != 0 && d.Month != 0 && d.Day != 0 }

// String returns the date as yyyy-mm-dd, unknown parts as zeros.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// DMY returns the date as dd.mm.yyyy, the API's form, or "" when it is
// not complete.
func (d Date) DMY() string {
	if !d.Complete() {
		return ""
	}
	return fmt.Sprintf("%02d.%02d.%04d", d.Day, d.Month, d.Year)
}

// Time returns the date at midnight UTC; ok is false when it is not
// complete.
func (d Date) Time() (t time.Time, ok bool) {
	if !d.Complete() {
		return time.Time{}, false
	}
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC), true
}

// expiryHorizon is how far ahead of now an expiry date may lie before its
// two-digit year is taken as the previous century.
const expiryHorizon = 50

// parseDate reads a YYMMDD field, records what is wrong with it and
// infers its century: a birth date is never after now, an expiry date is
// at most expiryHorizon years after now.
func (d *Document) parseDate(field, s string, now time.Time, expiry bool) Date {
	part := func(p string) (int, bool, bool) { // value, known, ok
		switch {
		case p == "<<":
			return 0, false, true
		case p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9':
			return int(p[0]-'0')*10 + int(p[1]-'0'), true, true
		}
		return 0, false, false
	}
	yy, yKnown, yOK := part(s[0:2])
	mm, mKnown, mOK := part(s[2:4])
	dd, dKnown, dOK := part(s[4:6])
	if !yOK || !mOK || !dOK {
		d.Problems = append(d.Problems, Problem{field, "not a date"})
		return Date{}
	}
	var date Date
	if yKnown {
		date.Year = century(yy, mm, dd, now, expiry)
	}
	if mKnown && mm != 0 { // some states print 00 for an unknown month or day
		if mm > 12 {
			d.Problems = append(d.Problems, Problem{field, fmt.Sprintf("month %02d", mm)})
			return Date{}
		}
		date.Month = mm
	}
	if dKnown && dd != 0 {
		limit := 31
		if date.Month != 0 {
			y := date.Year
			if y == 0 {
				y = 2000 // a leap year: accept 29 February
			}
			limit = time.Date(y, time.Month(date.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		}
		if dd > limit {
			d.Problems = append(d.Problems, Problem{field, fmt.Sprintf("day %02d", dd)})
			return Date{}
		}
		date.Day = dd
	}
	return date
}

// century turns a two-digit year into a full one.
func century(yy, mm, dd int, now time.Time, expiry bool) int {
	y := 2000 + yy
	if expiry {
		if y > now.Year()+expiryHorizon {
			y -= 100
		}
		return y
	}
	if y > now.Year() {
		return y - 100
	}
	if y == now.Year() && (mm > int(now.Month()) || (mm == int(now.Month()) && dd > now.Day())) {
		return y - 100
	}
	return y
}
