// Package typedb owns the document-type database: the schema of a
// document type and its sides (the API's document_type fields plus what
// recognition needs: size, MRZ format, zones, labels, anchors and
// security-feature regions), the embedded default database, validation,
// lookup, and loading of extra or overriding types.
package typedb

import "github.com/docscan/docscan/lights"

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

// Authenticity bits named by the API.
const (
	AuthUVLuminescence     Authenticity = 0x1
	AuthIRB900             Authenticity = 0x2
	AuthImagePattern       Authenticity = 0x4
	AuthIRVisibility       Authenticity = 0x20
	AuthPhotoEmbedType     Authenticity = 0x200
	AuthOVI                Authenticity = 0x400
	AuthBarcodeFormatCheck Authenticity = 0x10000
	AuthHologramsDetection Authenticity = 0x80000
	AuthLiveness           Authenticity = 0x200000
	AuthExtendedOCR        Authenticity = 0x400000
	AuthExtendedMRZ        Authenticity = 0x800000
)
