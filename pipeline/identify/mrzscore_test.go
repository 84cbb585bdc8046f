package identify

import (
	"context"
	"math"
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

// TestValidMRZOfAnotherStateRulesOutNationalTypes: a valid MRZ naming a
// known state other than a national type's rules that type out; its
// anchors are not read (each read is a Tesseract pass). A code the
// tables do not know (a misread: the state has no check digit) and the
// type's own state rule nothing out.
func TestValidMRZOfAnotherStateRulesOutNationalTypes(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	td1 := func(state string) *mrz.Result {
		d, err := mrz.ParseAt([]string{"I<" + state + "D231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"},
			time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if !d.Valid {
			t.Fatalf("%s: sample MRZ not valid: %+v", state, d.Checks)
		}
		return &mrz.Result{Document: d}
	}
	for _, tc := range []struct {
		state      string
		kzReadable bool // a Kazakh type's anchors may still be read
	}{
		{"UTO", false},
		{"CHE", false},
		{"KAZ", true},
		{"KAX", true},
	} {
		t.Run(tc.state, func(t *testing.T) {
			var reads []string
			read := func(_ context.Context, band typedb.Rect, _ float64, _ bool, lang string) (string, error) {
				reads = append(reads, lang)
				return "", nil
			}
			obs := Observation{MRZ: td1(tc.state), Aspect: 85.6 / 54, Outlined: true, MRZCentre: [2]float64{0.5, 0.8}}
			cands := Score(context.Background(), obs, db.Types(), read)
			kzRead := false
			for _, c := range cands {
				national := c.Type.FDSIDList.ICAOCode == "KAZ" && !c.Type.Generic
				if national && c.ruledOut == tc.kzReadable {
					t.Errorf("%s %s: ruled out %v", c.Type.Document, c.Type.Side, c.ruledOut)
				}
				if national && c.Evidence.Anchors >= 0 {
					kzRead = true
				}
			}
			if !tc.kzReadable && kzRead {
				t.Errorf("a Kazakh type's anchors were read for an MRZ of %s (%d reads)", tc.state, len(reads))
			}
			if !tc.kzReadable && !cands[0].Type.Generic {
				t.Errorf("best %s %s, want the generic type", cands[0].Type.Document, cands[0].Type.Side)
			}
		})
	}
}

// TestGenericTypeIsReadWhenTheMRZStateHasTypes: a Kazakh ID back whose
// pale labels read as noise, with its KAZ MRZ. The generic TD1 back,
// which the MRZ vouches for, is read too, since Kazakhstan has types of
// its own: both are weighed on the same evidence, and the national type,
// whose state and code the MRZ names, wins. So too when the MRZ read
// unsurely (a monospace print taken half for OCR-B: digits read as
// letters, the check digits failing as read).
func TestGenericTypeIsReadWhenTheMRZStateHasTypes(t *testing.T) {
	db, cands := kzCandidates(t)
	kzb := db.Document("kz-id-2014")[1]
	noise := func(context.Context, typedb.Rect, float64, bool, string) (string, error) {
		return "улты / МАЦИО   1.)    ЖА,!  Жасыл” ЖҰТ, лауа", nil
	}
	for _, tc := range []struct {
		name   string
		lines  []string
		status mrz.Status
	}{
		{"valid", []string{"IDKAZ0842131119630919440617<<<", "6309196F2810113KAZ<<<<<<<<<<<2", "BEKMUKHAMBETOVA<<AIGUL<<<<<<<<"}, mrz.StatusValid},
		{"unsure", []string{"IDKAZ08A2I3III9B3O9I9AA0BI7<<<", "6309196F2810113KAZ<<<<<<<<<<<Z", "BEKMUKHAMBETOVA<<AIGUL<<<<<<<<"}, mrz.StatusUnsure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := mrz.ParseAt(tc.lines, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			m := &mrz.Result{Document: d, Status: tc.status}
			if m.Valid != (tc.status == mrz.StatusValid) || m.IssuingState != "KAZ" {
				t.Fatalf("MRZ valid %v, state %q", m.Valid, m.IssuingState)
			}
			obs := Observation{Aspect: kzb.Aspect(), Outlined: true, MRZ: m, MRZCentre: [2]float64{0.5, 0.8}, Side: typedb.Back}
			got := Score(context.Background(), obs, cands, noise)
			if got[0].Type.Generic || got[0].Type.FDSIDList.ICAOCode != "KAZ" {
				t.Errorf("best is %s %s (p %.3f, evidence %+v), want a Kazakh type", got[0].Type.Document, got[0].Type.Side, got[0].P, got[0].Evidence)
			}
		})
	}
}

// A side upside down in outline order shows its MRZ upside down and at
// the other end: its type, turned with it, scores that MRZ as the
// upright side's (the zone's place was compared unturned, and the upside
// down candidate lost the place's share, 0.15: kz-dev's back turned half
// a revolution scored 0.85 against 0.89 upright).
func TestMRZPlaceOfAnUpsideDownSide(t *testing.T) {
	db, _ := kzCandidates(t)
	d, err := mrz.ParseAt([]string{"IDKAZ0842131119630919440617<<<", "6309196F2810113KAZ<<<<<<<<<<<2", "BEKMUKHAMBETOVA<<AIGUL<<<<<<<<"},
		time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	kzb := db.Document("kz-id-2014")[1]
	z := *kzb.MRZZone
	centre := [2]float64{(z[0] + z[2]) / 2, (z[1] + z[3]) / 2}
	upright := Observation{MRZ: &mrz.Result{Document: d}, MRZCentre: centre}
	turned := Observation{MRZ: &mrz.Result{Document: d}, MRZFlip: true, MRZCentre: [2]float64{1 - centre[0], 1 - centre[1]}}
	want := mrzScore(upright, kzb, false)
	if got := mrzScore(turned, kzb, true); math.Abs(got-want) > 1e-9 {
		t.Errorf("turned side, turned type: MRZ evidence %.3f, want the upright side's %.3f", got, want)
	}
	if got := mrzScore(turned, kzb, false); got >= want-0.15 {
		t.Errorf("turned side, upright type: MRZ evidence %.3f, want below %.3f", got, want-0.15)
	}
}

// TestMRZVouchedSideSentAsTheFront: a TD1 card's MRZ side, of a state with
// no types of its own, sent as the front. The MRZ vouches for the generic
// TD1 back whichever side the request named: no generic front's captions
// are read to find out (four reads, 400 ms of a real Swiss card's 600).
func TestMRZVouchedSideSentAsTheFront(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	d, err := mrz.ParseAt([]string{"I<CHED231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"},
		time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	if err != nil || !d.Valid {
		t.Fatalf("sample MRZ: %v, valid %v", err, d != nil && d.Valid)
	}
	reads := 0
	read := func(context.Context, typedb.Rect, float64, bool, string) (string, error) {
		reads++
		return "", nil
	}
	obs := Observation{MRZ: &mrz.Result{Document: d}, Aspect: 85.6 / 54, Outlined: true, MRZCentre: [2]float64{0.5, 0.8}, Side: typedb.Front}
	cands := Score(context.Background(), obs, db.Types(), read)
	if reads > 0 {
		t.Errorf("%d anchor reads, want none", reads)
	}
	if best := cands[0].Type; !best.Generic || best.MRZFormat != typedb.MRZTD1 {
		t.Errorf("best %s %s, want the generic TD1 side with the MRZ", best.Document, best.Side)
	}
}

// A Kazakh passport's data page whose small captions read as noise (a
// photocopy's pale print on a patterned ground) and whose headers read
// clearly: its MRZ, read but not surely, names KAZ. The anchor read for
// it is a header, which is printed large, not its narrowest caption:
// the side is the Kazakh passport, not the generic TD3 that no read
// could contradict.
func TestNationalTypeReadByItsHeader(t *testing.T) {
	db, cands := kzCandidates(t)
	d, err := mrz.ParseAt([]string{"P<KAZSEIITOVA<<INKAR<<<<<<<<<<<<<<<<<<<<<<<<", "N646688627KAZ7909180F3009141790918460043<<14"},
		time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	m := &mrz.Result{Document: d, Status: mrz.StatusUnsure}
	m.Valid = false // read unsurely: no check vouches for it
	pass := db.Document("kz-passport")[0]
	obs := Observation{Aspect: pass.Aspect(), Outlined: true, MRZ: m, MRZCentre: [2]float64{0.5, 0.88}, Side: typedb.Front}
	read := printedReader(pass, inRows, func(a typedb.Anchor, _ string) string {
		if a.Kind == "header" {
			return a.Text
		}
		return "тш ал. м түла ли ІЛУ"
	})
	wantBest(t, Score(context.Background(), obs, cands, read), pass, "captions read as noise")
}
