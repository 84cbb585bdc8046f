package identify

import (
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/typedb"
)

// TestMRZScoreFrenchIDOnGenericTD2: the French national ID of 1988 (two
// lines of 36 on an ID-2 card, not ICAO's) counts as its format for the
// generic TD2 type only, as fully as a TD2 zone does; no other type takes
// it for theirs.
func TestMRZScoreFrenchIDOnGenericTD2(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	parse := func(lines ...string) *mrz.Result {
		d, err := mrz.ParseAt(lines, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		return &mrz.Result{Document: d}
	}
	french := parse("IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<", "9409923102854CORINNE<<<<<<<6512068F4")
	td2 := parse("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")
	if french.Format != mrz.FrenchID || td2.Format != mrz.TD2 {
		t.Fatalf("formats %v %v", french.Format, td2.Format)
	}
	var generic float64
	for _, typ := range db.Types() {
		if typ.Generic && typ.MRZFormat == typedb.MRZTD2 {
			f, g := mrzScore(Observation{MRZ: french}, typ, false), mrzScore(Observation{MRZ: td2}, typ, false)
			if f != g || f < 0.6 {
				t.Errorf("%s %s: French ID scores %.2f, a TD2 %.2f", typ.Document, typ.Side, f, g)
			}
			generic = f
		}
	}
	for _, typ := range db.Types() {
		if f := mrzScore(Observation{MRZ: french}, typ, false); !(typ.Generic && typ.MRZFormat == typedb.MRZTD2) && f > generic-0.3 {
			t.Errorf("%s %s (%s): French ID scores %.2f, the generic TD2 %.2f", typ.Document, typ.Side, typ.MRZFormat, f, generic)
		}
	}
}
