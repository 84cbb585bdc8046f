package checks

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/typedb"
)

// MRZDigits: every check digit of the MRZ, as printed, must hold.
func MRZDigits(doc *mrz.Document, side typedb.SideName) Outcome {
	o := Outcome{Name: NameMRZDigits, Bit: typedb.AuthExtendedMRZ, Side: side}
	if doc == nil {
		return notDone(o, "no MRZ read")
	}
	var failed []string
	for k, ok := range doc.Checks {
		if !ok {
			failed = append(failed, k)
		}
	}
	sort.Strings(failed)
	for _, p := range doc.Problems {
		failed = append(failed, p.Field)
	}
	o.Measured = float64(len(doc.Checks) - len(failed))
	o.Threshold = float64(len(doc.Checks))
	o.Detail = "check digits that hold / check digits"
	if doc.Valid && len(failed) == 0 {
		o.Status = OK
		return o
	}
	o.Status = Failed
	o.Reason = "check failed: " + strings.Join(failed, ", ")
	return o
}

// Comparison is one field carried by two sources.
type Comparison struct {
	Field string
	Agree bool
}

// Agreement: every field the MRZ and the visual zone both carry must
// agree (names compared after ICAO 9303 transliteration).
func Agreement(cmp []Comparison) Outcome {
	o := Outcome{Name: NameAgreement, Detail: "fields that agree / fields compared"}
	if len(cmp) == 0 {
		return notDone(o, "no field read from both the MRZ and the visual zone")
	}
	var bad []string
	for _, c := range cmp {
		if !c.Agree {
			bad = append(bad, c.Field)
		}
	}
	o.Measured = float64(len(cmp) - len(bad))
	o.Threshold = float64(len(cmp))
	if len(bad) == 0 {
		o.Status = OK
		return o
	}
	o.Status = Failed
	o.Reason = "MRZ and visual zone disagree: " + strings.Join(bad, ", ")
	return o
}

// Dates are the document's dates; a zero time is unknown.
type Dates struct {
	Birth, Issue, Expiry time.Time
}

// ReasonNoExpiry is why the date logic is not done when every date it
// has holds but none is the date of expiry.
const ReasonNoExpiry = "date of expiry not read surely"

// ReasonExpiredOn begins DateLogic's reason for a document expired, the
// date (dd.mm.yyyy) after it.
const ReasonExpiredOn = "expired on "

// DateLogic: not expired, not born in the future, not issued before
// birth or in the future, not expiring before issue. Without a date of
// expiry it fails on the others, and is otherwise not done: "ok" would
// say the document is still valid.
func DateLogic(d Dates, now time.Time) Outcome {
	o := Outcome{Name: NameDates}
	if d.Birth.IsZero() && d.Issue.IsZero() && d.Expiry.IsZero() {
		return notDone(o, "no date read")
	}
	y, m, dd := now.Date()
	today := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	var bad []string
	if !d.Expiry.IsZero() && d.Expiry.Before(today) {
		bad = append(bad, ReasonExpiredOn+d.Expiry.Format("02.01.2006"))
	}
	if !d.Birth.IsZero() && d.Birth.After(today) {
		bad = append(bad, "birth date in the future")
	}
	if !d.Issue.IsZero() && !d.Birth.IsZero() && d.Issue.Before(d.Birth) {
		bad = append(bad, "issued before birth")
	}
	if !d.Issue.IsZero() && d.Issue.After(today) {
		bad = append(bad, "issue date in the future")
	}
	if !d.Issue.IsZero() && !d.Expiry.IsZero() && !d.Expiry.After(d.Issue) {
		bad = append(bad, "expires before issue")
	}
	o.Detail = "expired, birth in the future, issue before birth"
	if len(bad) == 0 && d.Expiry.IsZero() {
		// the other dates hold, but whether the document is still valid,
		// the question a terminal asks this check, was not judged
		return notDone(o, ReasonNoExpiry)
	}
	if len(bad) == 0 {
		o.Status = OK
		return o
	}
	o.Status = Failed
	o.Reason = strings.Join(bad, "; ")
	return o
}

// IIN: the Kazakh IIN's check digit, and its birth date and sex against
// the document's. A zero birth or empty sex is not compared.
func IIN(iin string, birth time.Time, sex string) Outcome {
	o := Outcome{Name: NameIIN, Detail: "check digit, birth date and sex"}
	if iin == "" {
		return notDone(o, "IIN not read")
	}
	v, err := typedb.ParseIIN(iin)
	if err != nil {
		o.Status = Failed
		o.Reason = err.Error()
		return o
	}
	var bad []string
	if !birth.IsZero() && !v.BirthDate.Equal(birth) {
		bad = append(bad, "birth date differs from the document's")
	}
	if sex == "M" || sex == "F" {
		if string(v.Sex) != sex {
			bad = append(bad, fmt.Sprintf("sex %c differs from the document's %s", v.Sex, sex))
		}
	}
	if len(bad) == 0 {
		o.Status = OK
		return o
	}
	o.Status = Failed
	o.Reason = strings.Join(bad, "; ")
	return o
}
