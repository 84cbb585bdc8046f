// Package pipeline owns on-device recognition: it takes the frames of one
// or two document sides and a typedb, and returns a Result shaped like the
// Document Recognition API's response. Its stages (MRZ, locate, identify,
// visual zone, checks) live in sub-packages and are composed here.
//
// pipeline knows nothing of HTTP, MQTT or storage.
package pipeline

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/docscan/docscan/pipeline/checks"
	"github.com/docscan/docscan/typedb"
)

// Result is one recognition, serialised exactly as the Document Recognition
// API's JSON response, plus the additions result_id, mrz, fields and checks.
// Every documented key is always present: unknown strings are "", unknown
// objects null.
type Result struct {
	ResultID       string        `json:"result_id"`
	FirstName      string        `json:"first_name"`
	LastName       string        `json:"last_name"`
	Patronymic     string        `json:"patronymic"`
	PersonalNumber string        `json:"personal_number"`
	DateOfBirth    string        `json:"date_of_birth"` // dd.mm.yyyy
	DocumentNumber string        `json:"document_number"`
	Authority      string        `json:"authority"`
	DateOfIssue    string        `json:"date_of_issue"`  // dd.mm.yyyy
	DateOfExpiry   string        `json:"date_of_expiry"` // dd.mm.yyyy
	CountryCode    string        `json:"country_code"`   // ISO 3166-1 alpha-2, lower case
	DocumentType   DocumentTypes `json:"document_type"`
	Images         Images        `json:"images"`
	FailureReason  string        `json:"failure_reason"` // "None" when every check passed

	MRZ       *MRZSummary            `json:"mrz"`
	MRZReason string                 `json:"mrz_reason,omitempty"` // why mrz is null: none found, or read unsurely
	Fields    map[string]FieldReport `json:"fields"`
	Checks    []Check                `json:"checks"`

	// OtherMRZ are the further zones found in the sides' images besides
	// the one the document is read from (a second document photographed
	// with the first); [] when there are none.
	OtherMRZ OtherMRZs `json:"other_mrz"`

	// Quality is each given side's image quality.
	Quality Qualities `json:"quality"`

	// ScanID is the scan the result came from (POST /api/v1/scan), kept
	// with it so that GET /api/v1/results/{id} answers it too; empty for
	// uploaded images.
	ScanID string `json:"scan_id,omitempty"`

	// Views say, per side given, where the document lay in its white
	// frame and which zones were read: for the status page, not the API.
	Views []SideView `json:"-"`
	// Timings are the stages' durations, so the slowest shows.
	Timings []StageTiming `json:"-"`
	// Elapsed is the whole recognition's duration.
	Elapsed time.Duration `json:"-"`
}

// DocumentTypes holds the identified type of each side; a side not given
// or not identified is null.
type DocumentTypes struct {
	Frontside *typedb.DocumentType `json:"frontside"`
	Backside  *typedb.DocumentType `json:"backside"`
}

// Images are JPEGs, nil when not available. JSON carries them as base64
// strings, "" when not available.
type Images struct {
	FacePhoto      JPEG `json:"face_photo"`
	FrontSideImage JPEG `json:"front_side_image"`
	BackSideImage  JPEG `json:"back_side_image"`
}

// JPEG is an encoded image, kept as bytes from the encoder to the outbox.
// Its JSON is a base64 string like encoding/json's for []byte, but an
// absent image is "" rather than null: the contract's keys are always
// strings.
type JPEG []byte

// MarshalText implements encoding.TextMarshaler (encoding/json calls it
// for a nil slice too, which gives "").
func (j JPEG) MarshalText() ([]byte, error) {
	return base64.StdEncoding.AppendEncode(nil, j), nil
}

// UnmarshalText implements encoding.TextUnmarshaler: "" is no image.
func (j *JPEG) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*j = nil
		return nil
	}
	b, err := base64.StdEncoding.AppendDecode(nil, text)
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	*j = b
	return nil
}

// MRZSummary is the response's mrz object. It is null when no zone was
// read surely; Result.MRZReason then says why.
type MRZSummary struct {
	Lines  []string        `json:"lines"` // as printed (after reading), top to bottom
	Format string          `json:"format"`
	Valid  bool            `json:"valid"`
	Checks map[string]bool `json:"checks"` // document_number, date_of_birth, date_of_expiry, optional_data, composite
	// Status is "valid" (read surely, every check digit holds) or
	// "invalid" (read surely, a check digit fails as printed: a fraud
	// signal).
	Status         string      `json:"status"`
	Confidence     float64     `json:"confidence"`         // mean over the characters, 0–1
	LineConfidence []float64   `json:"line_confidence"`    // per line
	CharConfidence [][]float64 `json:"char_confidence"`    // per line and character
	Warnings       []string    `json:"warnings,omitempty"` // e.g. an unknown state code, reported as read
	Variant        string      `json:"variant,omitempty"`  // a national variant: RUS_INTERNAL_PASSPORT, FRA_ID_1988
}

// OtherMRZ is a further zone found in a side's image: read surely, its
// check digits mostly holding, and lying apart from the zone the document
// is read from. No field or check is taken from it.
type OtherMRZ struct {
	MRZSummary
	Side string `json:"side"` // the side whose image holds it: "front" or "back"
}

// OtherMRZs are the further zones of a result.
type OtherMRZs []OtherMRZ

// MarshalJSON writes [] for none, so that the key is always an array,
// also in results stored before it was added.
func (o OtherMRZs) MarshalJSON() ([]byte, error) {
	if len(o) == 0 {
		return []byte("[]"), nil
	}
	b, err := json.Marshal([]OtherMRZ(o))
	if err != nil {
		return nil, fmt.Errorf("other_mrz: %w", err)
	}
	return b, nil
}

// FieldReport says where a response field came from and whether its
// sources agree.
type FieldReport struct {
	Value   string            `json:"value"`
	Source  string            `json:"source"`            // "visual", "mrz", ...: the source of Value
	Sources map[string]string `json:"sources,omitempty"` // each source's reading
	Agree   *bool             `json:"agree"`             // null when only one source carries the field, or the visual reading was not confident
	// Confidence is the visual-zone reading's, 0–1 (Tesseract's word
	// confidence, whether the label was found, the value's syntax); null
	// when the visual zone gave nothing. Below ConfidentField the value
	// is the MRZ's, or empty.
	Confidence *float64 `json:"confidence"`
}

// CheckStatus is the outcome of one check: the checks package's own
// vocabulary, so the two cannot drift apart.
type CheckStatus = checks.Status

// Check outcomes.
const (
	CheckOK      = checks.OK
	CheckFailed  = checks.Failed
	CheckNotDone = checks.NotDone
)

// Check is one fraud or consistency check.
type Check struct {
	Name   string      `json:"name"` // e.g. "uv_luminescence", "mrz_check_digits"
	Status CheckStatus `json:"status"`
	// Reason says why a check failed or was not done, e.g.
	// "light not captured".
	Reason string `json:"reason,omitempty"`
	// Bit is the check_authenticity bit this check serves; 0 for data checks.
	Bit typedb.Authenticity `json:"bit"`
	// Side is "front" or "back".
	Side     string    `json:"side,omitempty"`
	Evidence *Evidence `json:"evidence,omitempty"`
}

// Evidence is what a check measured and where.
type Evidence struct {
	// Region is in normalised side coordinates [x0, y0, x1, y1].
	Region    *[4]float64 `json:"region,omitempty"`
	Measured  float64     `json:"measured"`
	Threshold float64     `json:"threshold"`
	Detail    string      `json:"detail,omitempty"`
}
