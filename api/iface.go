package api

import (
	"context"
	"errors"
	"image"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/scan"
)

// RecognizeRequest is one POST /api/v1/recognize, decoded: the images are
// checked (type, size, pixel count) and decoded; a side not given is nil.
type RecognizeRequest struct {
	Front, Back image.Image
	// CountryCode is ISO 3166-1 alpha-2, lower case, e.g. "kz".
	CountryCode string
}

// Recognizer recognises uploaded images. It must be safe for concurrent
// use; the server calls it from at most Options.Workers goroutines at once.
type Recognizer interface {
	Recognize(ctx context.Context, req RecognizeRequest) (*pipeline.Result, error)
}

// Scanner captures and recognises what lies on the glass. The server
// calls it for one request at a time, in arrival order (see
// Options.ScanQueueLength); the Scanner still owns the lights and must
// keep them exclusive against its other users.
type Scanner interface {
	Scan(ctx context.Context, req scan.Request) (*pipeline.Result, error)
}

// Store is the durable outbox. Put must have made the result durable when
// it returns nil: the server answers only after that. Get returns a kept
// result; for one not kept it returns (nil, nil) or an error for which
// errors.Is(err, fs.ErrNotExist).
type Store interface {
	Put(ctx context.Context, res *pipeline.Result) error
	Get(ctx context.Context, id string) (*pipeline.Result, error)
}

// Entitlements decides whether an API key may use a technology: nil, or
// one of the entitle.Err* errors (*entitle.Store implements it).
type Entitlements interface {
	Check(ctx context.Context, apiKey, technology string, now time.Time) error
}

// Component states reported by Health.
const (
	StateOK       = "ok"       // working
	StateDegraded = "degraded" // working with limits (e.g. MQTT offline: results wait in the outbox)
	StateDown     = "down"     // not working
	StateDisabled = "disabled" // not configured on this device
)

// Component is the state of one part of the device.
type Component struct {
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"`
}

// TypeDBInfo identifies the document-type database in use.
type TypeDBInfo struct {
	Version  string `json:"version"`
	Checksum string `json:"checksum"`
	Types    int    `json:"types"`
	// State is "degraded" when an installed bundle was refused and the
	// embedded database is in use; Detail says why.
	State  string `json:"state,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// DeviceHealth is what /healthz, /readyz and the status page show of the
// device. Detail strings must carry no personal data.
type DeviceHealth struct {
	Camera      Component  `json:"camera"`
	GPIO        Component  `json:"gpio"`
	MQTT        Component  `json:"mqtt"`
	Outbox      Component  `json:"outbox"`
	OutboxDepth int        `json:"outbox_depth"`
	TypeDB      TypeDBInfo `json:"typedb"`
}

// Health reports the device's state. It must answer quickly and must not
// block on hardware: the server calls it under a short deadline.
type Health interface {
	Health(ctx context.Context) DeviceHealth
}

// HealthFunc adapts a function to Health.
type HealthFunc func(ctx context.Context) DeviceHealth

// Health calls f.
func (f HealthFunc) Health(ctx context.Context) DeviceHealth { return f(ctx) }

// LastScanProvider returns the last scan, or nil when there has been none.
type LastScanProvider interface {
	LastScan() *scan.View
}

// LastScanFunc adapts a function to LastScanProvider.
type LastScanFunc func() *scan.View

// LastScan calls f.
func (f LastScanFunc) LastScan() *scan.View { return f() }

// DeviceMetrics are read when /metrics is scraped; any may be nil.
type DeviceMetrics struct {
	// OutboxDepth is the number of results waiting for upload.
	OutboxDepth func() int
	// OutboxDropped counts results the outbox dropped (e.g. at its limit).
	OutboxDropped func() uint64
	// LEDOnSeconds is the total on-time of each LED channel, by channel
	// name (hal.Channel.String()).
	LEDOnSeconds func() map[string]float64
	// UVDutyCycle is the UV channel's duty cycle over the safety window,
	// 0..1.
	UVDutyCycle func() float64
	// CommandsRefused counts MQTT commands refused by authentication, by
	// reason.
	CommandsRefused func() map[string]float64
	// MQTTResends counts re-sends of results whose acknowledgement was
	// overdue.
	MQTTResends func() uint64
	// MQTTUnacked is the number of results sent and not yet acknowledged,
	// and the time since the oldest of them was first sent.
	MQTTUnacked func() (n int, oldest time.Duration)
}

// BuildInfo identifies the running build.
type BuildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

// Errors from the Recognizer, Scanner and Store are recognised by
// behaviour, so that their packages need not import this one:
//
//   - an error with a method APIMessage() string rejects the input: 400
//     with that message as detail (pipeline's ErrFrontsideNotFound,
//     ErrNotFrontside, ErrNotBackside; a Scanner's unknown scan_id); when
//     it wraps a pipeline.QualityError, the answer carries the sides'
//     quality beside detail;
//   - an error with a method RetryAfter() time.Duration, or ErrBusy, means
//     "full, try later": 503 with Retry-After (a recognizer's full queue,
//     an outbox at its limit).
//
// Anything else is a 500 whose detail says only which step failed.
type (
	apiMessager  interface{ APIMessage() string }
	retryAfterer interface{ RetryAfter() time.Duration }
)

// ErrBusy may be wrapped by any injected implementation to ask for a 503.
var ErrBusy = errors.New("busy")

// Rejection is an error that rejects the input with a contract message;
// it implements APIMessage. Implementations may use it or their own type.
type Rejection struct{ Message string }

func (r *Rejection) Error() string      { return r.Message }
func (r *Rejection) APIMessage() string { return r.Message }

// OutboxRecord is one outbox record's metadata: no payload, no image, no
// personal data.
type OutboxRecord struct {
	Seq       uint64         `json:"seq"`
	State     string         `json:"state"` // "pending" or "delivered"
	ResultID  string         `json:"result_id"`
	Created   time.Time      `json:"created"`
	Delivered *time.Time     `json:"delivered"`
	Bytes     int            `json:"bytes"`
	Images    map[string]int `json:"images"` // name → bytes
}

// OutboxLister lists the outbox's records, undelivered first, at most
// limit of them (0: all).
type OutboxLister interface {
	ListOutbox(ctx context.Context, limit int) ([]OutboxRecord, error)
}
