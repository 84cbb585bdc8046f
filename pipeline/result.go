// Package pipeline owns on-device recognition: it takes the frames of one
// or two document sides and a typedb, and returns a Result shaped like the
// Document Recognition API's response. Its stages (MRZ, locate, identify,
// visual zone, checks) live in sub-packages and are composed here.
//
// pipeline knows nothing of HTTP, MQTT or storage.
package pipeline

import (
	"time"

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

	MRZ    *MRZSummary            `json:"mrz"`
	Fields map[string]FieldReport `json:"fields"`
	Checks []Check                `json:"checks"`
	// Quality is each given side's image quality.
	Quality Qualities `json:"quality"`

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

// Images are base64-encoded JPEGs; "" when not available.
type Images struct {
	FacePhoto      string `json:"face_photo"`
	FrontSideImage string `json:"front_side_image"`
	BackSideImage  string `json:"back_side_image"`
}

// MRZSummary is the response's mrz object.
type MRZSummary struct {
	Lines  []string        `json:"lines"` // as printed (after reading), top to bottom
	Format string          `json:"format"`
	Valid  bool            `json:"valid"`
	Checks map[string]bool `json:"checks"` // document_number, date_of_birth, date_of_expiry, optional_data, composite
}

// FieldReport says where a response field came from and whether its
// sources agree.
type FieldReport struct {
	Value   string            `json:"value"`
	Source  string            `json:"source"`            // "visual", "mrz", ...: the source of Value
	Sources map[string]string `json:"sources,omitempty"` // each source's reading
	Agree   *bool             `json:"agree"`             // null when only one source carries the field
}

// CheckStatus is the outcome of one check.
type CheckStatus string

// Check outcomes.
const (
	CheckOK      CheckStatus = "ok"
	CheckFailed  CheckStatus = "failed"
	CheckNotDone CheckStatus = "not_done"
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
