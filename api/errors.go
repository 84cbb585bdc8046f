package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/docscan/docscan/api/entitle"
	"github.com/docscan/docscan/pipeline"
)

// The contract's messages, word for word.
const (
	MsgNotAllowedFile       = "Not allowed file, valid extensions: .jpg .png .jpeg"
	MsgFrontsideNotFound    = "Frontside document not found"
	MsgNotFrontside         = "Document image at frontside_image field is not frontside"
	MsgNotBackside          = "Document image at backside_image field is not backside"
	MsgNoAccess             = "Client does not have access to Document Recognition Technology"
	MsgSubscriptionNotStart = "Subscription has not started"
	MsgNoActiveOrFuture     = "No active or future subscription for technology"
	MsgNoSubscription       = "Client does not have subscription"
)

// Messages for the cases the contract leaves unnamed.
const (
	MsgAPIKeyMissing   = "api_key is required"
	MsgAPIKeyInvalid   = "Invalid API key"
	MsgNoImage         = "frontside_image or backside_image must be given"
	MsgCountryMissing  = "country_code is required"
	MsgCountryInvalid  = "country_code must be a two-letter ISO 3166-1 code"
	MsgNotForm         = "Request body must be multipart/form-data"
	MsgMalformedForm   = "Malformed multipart/form-data body"
	MsgQueueFull       = "Recognition queue is full, retry later"
	MsgStorageFull     = "Storage is full: results can not be stored now, retry later"
	MsgScanQueueFull   = "Scanner is busy, retry later"
	MsgNoScanner       = "No scanner on this device"
	MsgSideInvalid     = "side must be front or back"
	MsgScanIDInvalid   = "scan_id must be a scan_id returned by /api/v1/scan"
	MsgNotFound        = "Not Found"
	MsgResultNotFound  = "Result not found"
	MsgNoOutbox        = "No outbox on this device"
	MsgMethod          = "Method Not Allowed"
	MsgInternal        = "Internal server error"
	MsgRecognizeFailed = "Recognition failed"
	MsgScanFailed      = "Scan failed"
	MsgStoreFailed     = "Result could not be stored"
	MsgTimeout         = "Request timed out, retry later"
)

func msgTooLarge(limit int64) string {
	return "File too large, limit is " + formatBytes(limit)
}

func msgUndecodable(field string) string {
	return "Image at " + field + " field can not be decoded"
}

func msgTooManyPixels(field string, w, h int, limit int64) string {
	return fmt.Sprintf("Image at %s field has %d×%d pixels, limit is %d", field, w, h, limit)
}

func formatBytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// httpError is an answer other than 200: status, the contract's detail,
// and for 503 the Retry-After delay. cause is logged, never sent.
type httpError struct {
	status     int
	detail     string
	retryAfter time.Duration
	cause      error
	// refusal marks a refused api_key (401 and the subscription 400s).
	refusal bool
	// quality, when set, is the sides' image quality, answered beside
	// detail so a terminal can tell "no document" from "too blurred".
	quality *pipeline.Qualities
}

// outcome names the answer for the counters.
func (e *httpError) outcome() string {
	if e.refusal {
		return outcomeUnauthorized
	}
	return outcome(e.status)
}

func (e *httpError) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%d %s: %v", e.status, e.detail, e.cause)
	}
	return fmt.Sprintf("%d %s", e.status, e.detail)
}

func (e *httpError) Unwrap() error { return e.cause }

func newError(status int, detail string) *httpError {
	return &httpError{status: status, detail: detail}
}

func refusal(status int, detail string) *httpError {
	return &httpError{status: status, detail: detail, refusal: true}
}

// detailBody is every error's JSON body: the contract's detail, and the
// sides' quality when the image was the trouble.
type detailBody struct {
	Detail  string              `json:"detail"`
	Quality *pipeline.Qualities `json:"quality,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // an MRZ's '<' stays '<', not \u003c
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"detail":"` + MsgInternal + `"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeError(w http.ResponseWriter, e *httpError) {
	if e.status == http.StatusServiceUnavailable && e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.retryAfter.Seconds()))))
	}
	writeJSON(w, e.status, detailBody{Detail: e.detail, Quality: e.quality})
}

// entitlementError maps the entitlement store's refusals to the contract.
// The contract lists the subscription refusals as 400; an unknown key is
// 401 as the issue asks.
func entitlementError(err error) *httpError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, entitle.ErrUnknownKey):
		return refusal(http.StatusUnauthorized, MsgAPIKeyInvalid)
	case errors.Is(err, entitle.ErrNoSubscription):
		return refusal(http.StatusBadRequest, MsgNoSubscription)
	case errors.Is(err, entitle.ErrNoAccess):
		return refusal(http.StatusBadRequest, MsgNoAccess)
	case errors.Is(err, entitle.ErrNotStarted):
		return refusal(http.StatusBadRequest, MsgSubscriptionNotStart)
	case errors.Is(err, entitle.ErrNoActiveOrFuture):
		return refusal(http.StatusBadRequest, MsgNoActiveOrFuture)
	default:
		return &httpError{status: http.StatusInternalServerError, detail: MsgInternal, cause: err}
	}
}

// downstreamError maps an error of the Recognizer, Scanner or Store.
// failDetail names the step for a 500.
func downstreamError(err error, failDetail string, retryAfter time.Duration) *httpError {
	var msg apiMessager
	var busy retryAfterer
	switch {
	case errors.As(err, &msg):
		e := &httpError{status: http.StatusBadRequest, detail: msg.APIMessage(), cause: err}
		if q, ok := pipeline.QualityOf(err); ok {
			e.quality = &q
		}
		return e
	case errors.As(err, &busy):
		ra := busy.RetryAfter()
		if ra <= 0 {
			ra = retryAfter
		}
		return &httpError{status: http.StatusServiceUnavailable, detail: MsgQueueFull, retryAfter: ra, cause: err}
	case errors.Is(err, ErrBusy):
		return &httpError{status: http.StatusServiceUnavailable, detail: MsgQueueFull, retryAfter: retryAfter, cause: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &httpError{status: http.StatusServiceUnavailable, detail: MsgTimeout, retryAfter: retryAfter, cause: err}
	default:
		return &httpError{status: http.StatusInternalServerError, detail: failDetail, cause: err}
	}
}
