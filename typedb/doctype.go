// Package typedb owns the document-type database: the schema of a
// document type and its sides (the API's document_type fields plus what
// recognition needs: size, MRZ format, zones, labels, anchors and
// security-feature regions), the embedded default database, validation,
// lookup, and loading of extra or overriding types.
package typedb

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/docscan/docscan/lights"
)

// FDSIDList is the API's fdsid_list: what kind of document a type is and
// which issuing state it belongs to.
type FDSIDList struct {
	ICAOCode     string  `json:"icao_code"`
	List         []int64 `json:"list"`
	DType        int     `json:"d_type"`   // 11 passport, 12 identity card, ...
	DFormat      int     `json:"d_format"` // 0 ID1, 1 ID2, 2 ID3
	DMRZ         bool    `json:"d_mrz"`
	DDescription string  `json:"d_description"`
	DYear        string  `json:"d_year"`
	DCountryName string  `json:"d_country_name"`
	DStateCode   *string `json:"d_state_code"`
	DStateName   *string `json:"d_state_name"`
}

// DocumentType is one side of a document type exactly as the API's
// document_type.frontside / backside objects carry it. P is filled per
// recognition; in the database it is zero.
type DocumentType struct {
	DocumentName                string       `json:"document_name"`
	ID                          int64        `json:"id"`
	P                           float64      `json:"p"`
	RFIDPresence                int          `json:"rfid_presence"`
	FDSIDList                   FDSIDList    `json:"fdsid_list"`
	NecessaryLights             lights.Mask  `json:"necessary_lights"`
	CheckAuthenticity           Authenticity `json:"check_authenticity"`
	UVExp                       int          `json:"uv_exp"`
	AuthenticityNecessaryLights lights.Mask  `json:"authenticity_necessary_lights"`
}

// Authenticity is the API's check_authenticity bitmask.
type Authenticity uint32

// Authenticity bits named by the API. The API's documentation names the
// bits marked "API"; the others are the same vendor enumeration's values
// (Regula's eAuthenticity) so that a database using them still validates.
const (
	AuthUVLuminescence     Authenticity = 0x1      // API
	AuthIRB900             Authenticity = 0x2      // API
	AuthImagePattern       Authenticity = 0x4      // API
	AuthAxialProtection    Authenticity = 0x8      //
	AuthUVFibers           Authenticity = 0x10     //
	AuthIRVisibility       Authenticity = 0x20     // API
	AuthOCRSecurityText    Authenticity = 0x40     //
	AuthIPI                Authenticity = 0x80     //
	AuthPhotoEmbedType     Authenticity = 0x200    // API
	AuthOVI                Authenticity = 0x400    // API
	AuthHolograms          Authenticity = 0x1000   //
	AuthPhotoArea          Authenticity = 0x2000   //
	AuthPortraitComparison Authenticity = 0x8000   //
	AuthBarcodeFormatCheck Authenticity = 0x10000  // API
	AuthKinegram           Authenticity = 0x20000  //
	AuthHologramsDetection Authenticity = 0x80000  // API
	AuthLiveness           Authenticity = 0x200000 // API
	AuthExtendedOCR        Authenticity = 0x400000 // API
	AuthExtendedMRZ        Authenticity = 0x800000 // API
)

// authNames names every authenticity bit; bits not listed are unknown.
var authNames = map[Authenticity]string{
	AuthUVLuminescence:     "UV_Luminescence",
	AuthIRB900:             "IR_B900",
	AuthImagePattern:       "Image_Pattern",
	AuthAxialProtection:    "Axial_Protection",
	AuthUVFibers:           "UV_Fibers",
	AuthIRVisibility:       "IR_Visibility",
	AuthOCRSecurityText:    "OCR_Security_Text",
	AuthIPI:                "IPI",
	AuthPhotoEmbedType:     "Photo_Embed_Type",
	AuthOVI:                "OVI",
	AuthHolograms:          "Holograms",
	AuthPhotoArea:          "Photo_Area",
	AuthPortraitComparison: "Portrait_Comparison",
	AuthBarcodeFormatCheck: "BarcodeFormatCheck",
	AuthKinegram:           "Kinegram",
	AuthHologramsDetection: "Holograms_Detection",
	AuthLiveness:           "Liveness",
	AuthExtendedOCR:        "Extended_OCR",
	AuthExtendedMRZ:        "Extended_MRZ",
}

// Bits splits a into its single-bit checks, lowest bit first.
func (a Authenticity) Bits() []Authenticity {
	out := make([]Authenticity, 0, bits.OnesCount32(uint32(a)))
	for v := uint32(a); v != 0; v &= v - 1 {
		out = append(out, Authenticity(v&-v))
	}
	return out
}

// Has reports whether every bit of b is in a.
func (a Authenticity) Has(b Authenticity) bool { return a&b == b }

// Unknown returns the bits of a that have no name.
func (a Authenticity) Unknown() Authenticity {
	var u Authenticity
	for _, b := range a.Bits() {
		if _, ok := authNames[b]; !ok {
			u |= b
		}
	}
	return u
}

// String returns the check names joined by "|", e.g. "UV_Luminescence|IR_B900".
func (a Authenticity) String() string {
	if a == 0 {
		return "none"
	}
	var names []string
	for _, b := range a.Bits() {
		if n, ok := authNames[b]; ok {
			names = append(names, n)
		} else {
			names = append(names, fmt.Sprintf("0x%x", uint32(b)))
		}
	}
	return strings.Join(names, "|")
}
