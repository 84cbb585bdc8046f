package pipeline

import (
	"fmt"
	"math"
	"strings"

	"github.com/docscan/docscan/pipeline/mrz"
	"github.com/docscan/docscan/typedb"
)

// genericDocumentType fills a generic ICAO type's document_type from what
// its MRZ says: the issuing state (icao_code as read, its English name
// when the code names a state), the kind from the document code, the
// format, and a p that the MRZ's validity bounds. Without an MRZ read
// surely, the generic type is returned as it is: nothing is guessed.
func genericDocumentType(dt typedb.DocumentType, side typedb.SideName, m *mrz.Result) typedb.DocumentType {
	if m == nil || m.Document == nil {
		return dt
	}
	f := &dt.FDSIDList
	f.ICAOCode = m.IssuingState
	f.DMRZ = true
	country, known := typedb.CountryName(m.IssuingState)
	f.DCountryName = country
	kind := f.DDescription
	switch m.Kind() {
	case "passport":
		f.DType, kind = 11, "Passport"
	case "id_card":
		f.DType, kind = 12, "Identity Card"
	case "visa":
		kind = "Visa" // the MRV type's own d_type (29 or 30) stands
	}
	switch m.Format {
	case mrz.TD1:
		f.DFormat = 0
	case mrz.TD2, mrz.MRVB, mrz.FrenchID:
		f.DFormat = 1
	case mrz.TD3, mrz.MRVA:
		f.DFormat = 2
	}
	f.DDescription = kind
	state := country
	if !known {
		// an unknown code is reported as read, never snapped to a state
		state = strings.TrimSpace(m.IssuingState)
	}
	dt.DocumentName = fmt.Sprintf("%s - %s (ICAO %s)", state, kind, m.Format)
	if m.Variant == mrz.VariantRussianInternal {
		// PN: the internal passport, in a TD3 zone of its own rules
		f.DDescription = "Internal Passport"
		dt.DocumentName = fmt.Sprintf("%s - Internal Passport (%s, ICAO TD3 layout)", state, m.Variant)
	}
	if m.Format == mrz.FrenchID {
		// not ICAO's: the French card of 1988–2021, which the generic TD2
		// type stands for (same card size, same zone shape)
		dt.DocumentName = fmt.Sprintf("%s - %s (%s, not ICAO)", state, kind, m.Variant)
	}
	if side == typedb.Back {
		dt.DocumentName += " Side B"
	}
	switch {
	case m.Status == mrz.StatusValid && known:
		// the MRZ vouches for the type: its confidence, not the layout's
		dt.P = round(math.Max(dt.P, m.Confidence))
	case m.Status == mrz.StatusValid:
		dt.P = round(math.Min(dt.P, 0.7))
	default:
		// check digits that fail as printed: the type is what the zone's
		// shape says, no more
		dt.P = round(math.Min(dt.P, 0.5))
	}
	return dt
}
