package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docscan/docscan/api/entitle"
	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/scan"
	"github.com/google/uuid"
)

func slogLevel(status int) slog.Level {
	switch {
	case status >= 500 && status != http.StatusServiceUnavailable:
		return slog.LevelError
	case status >= 500:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

// authorize checks an API key: the unlimited -api-key keys first, then
// the entitlement store. With needSubscription false, any stored key
// passes whatever its subscriptions (reading a stored result is not a use
// of the technology).
func (s *Server) authorize(ctx context.Context, apiKey string, needSubscription bool) *httpError {
	if apiKey == "" {
		return refusal(http.StatusUnauthorized, MsgAPIKeyMissing)
	}
	if s.static.Contains(apiKey) {
		return nil
	}
	if s.opts.Entitlements == nil {
		return refusal(http.StatusUnauthorized, MsgAPIKeyInvalid)
	}
	e := entitlementError(s.opts.Entitlements.Check(ctx, apiKey, entitle.TechDocumentRecognition, s.opts.Now()))
	if e != nil && !needSubscription && e.refusal && e.status == http.StatusBadRequest {
		return nil // a known key without a current subscription
	}
	return e
}

// countryCode checks and normalises country_code: two ASCII letters,
// returned in lower case.
func countryCode(v string) (string, *httpError) {
	if v == "" {
		return "", newError(http.StatusBadRequest, MsgCountryMissing)
	}
	if len(v) != 2 || !isLetter(v[0]) || !isLetter(v[1]) {
		return "", newError(http.StatusBadRequest, MsgCountryInvalid)
	}
	return strings.ToLower(v), nil
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// earlyAuth returns an onValue callback that authorises api_key as soon as
// it is read, so that a refused client's files are not read.
func (s *Server) earlyAuth(ctx context.Context, authorized *bool) func(name, value string) *httpError {
	return func(name, value string) *httpError {
		if name != fieldAPIKey {
			return nil
		}
		if e := s.authorize(ctx, value, true); e != nil {
			return e
		}
		*authorized = true
		return nil
	}
}

// handleRecognize serves POST /api/v1/recognize. The order of the checks,
// each answering as soon as it fails:
//
//  1. admission: the server holds at most Workers+QueueLength recognize
//     requests; beyond, 503 + Retry-After without reading the body;
//  2. the body, streamed (multipart/form-data only): 413 for a file over MaxFileBytes, 400 for a
//     broken body; an api_key that comes before the files is checked as
//     soon as it is read;
//  3. api_key: 401 missing or unknown; 400 with the subscription messages;
//  4. 415 for an image whose file name or magic bytes are not JPEG/PNG;
//  5. 400 when neither image is given;
//  6. 400 for a missing or malformed country_code;
//  7. image headers: 400 undecodable, 400 over MaxPixels (nothing decoded);
//  8. a worker: waiting past RequestTimeout is 503 + Retry-After;
//  9. decoding: 400 undecodable;
//  10. recognition: the pipeline's refusals are 400 with their message;
//  11. the result is stored; only then 200 with the result.
func (s *Server) handleRecognize(w http.ResponseWriter, r *http.Request) {
	res, e := s.recognize(w, r)
	if e != nil {
		s.metrics.recognitions.WithLabelValues(e.outcome()).Inc()
		s.metrics.countQuality(e.quality)
		s.logFailure(r.Context(), "recognize", e)
		writeError(w, e)
		return
	}
	s.metrics.recognitions.WithLabelValues(outcomeOK).Inc()
	writeJSON(w, http.StatusOK, responseOf(res, ""))
}

func (s *Server) recognize(w http.ResponseWriter, r *http.Request) (*pipeline.Result, *httpError) {
	select {
	case s.admit <- struct{}{}:
		defer func() { <-s.admit }()
	default:
		return nil, &httpError{status: http.StatusServiceUnavailable, detail: MsgQueueFull, retryAfter: s.opts.RetryAfter}
	}
	if e := s.checkStorage(); e != nil {
		return nil, e
	}
	// Only multipart can carry the images; an urlencoded body (which
	// readForm takes for /scan) gets the contract's message, not "no image".
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return nil, newError(http.StatusBadRequest, MsgNotForm)
	}
	ctx := r.Context()
	start := time.Now()
	authorized := false
	budget := s.uploadBudget()
	defer budget.release()
	f, e := readForm(w, r, formLimits{
		maxFile:    s.opts.MaxFileBytes,
		fileFields: map[string]bool{fieldFront: true, fieldBack: true},
		reserve:    budget.reserve,
		retryAfter: s.opts.RetryAfter,
	}, s.earlyAuth(ctx, &authorized))
	if e != nil {
		return nil, e
	}
	s.metrics.stage("upload", time.Since(start))
	if !authorized {
		if e := s.authorize(ctx, f.values[fieldAPIKey], true); e != nil {
			return nil, e
		}
	}
	front, back := f.files[fieldFront], f.files[fieldBack]
	for _, u := range []*upload{front, back} {
		if u != nil {
			if e := checkType(u); e != nil {
				return nil, e
			}
		}
	}
	if front == nil && back == nil {
		return nil, newError(http.StatusBadRequest, MsgNoImage)
	}
	country, e := countryCode(f.values[fieldCountry])
	if e != nil {
		return nil, e
	}
	var checked []*checkedImage
	for _, fu := range []struct {
		field string
		u     *upload
	}{{fieldFront, front}, {fieldBack, back}} {
		if fu.u == nil {
			checked = append(checked, nil)
			continue
		}
		c, e := checkImage(fu.field, fu.u, s.opts.MaxPixels)
		if e == nil {
			e = c.checkDecodedSize(s.opts.MaxDecodeBytes)
		}
		if e != nil {
			return nil, e
		}
		checked = append(checked, c)
	}
	f, front, back = nil, nil, nil // the checked images hold the bytes still needed

	ctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancel()
	waitStart := time.Now()
	var imgs []*checkedImage
	for _, c := range checked {
		if c != nil {
			imgs = append(imgs, c)
		}
	}
	// over the budget at their own size, the images are shrunk to fit
	maxPixels, cost, _ := fitBudget(imgs, s.decoding.budget())
	for _, c := range imgs {
		c.maxPixels = maxPixels
	}
	releaseDecode, e := s.decoding.acquire(ctx, cost, s.opts.RetryAfter)
	if e != nil {
		return nil, e
	}
	defer releaseDecode()
	select {
	case s.work <- struct{}{}:
		defer func() { <-s.work }()
	case <-ctx.Done():
		return nil, &httpError{status: http.StatusServiceUnavailable, detail: MsgQueueFull, retryAfter: s.opts.RetryAfter, cause: ctx.Err()}
	}
	s.metrics.stage("queue_wait", time.Since(waitStart))

	decodeStart := time.Now()
	req := RecognizeRequest{CountryCode: country}
	for i, c := range checked {
		if c == nil {
			continue
		}
		img, e := c.decode()
		if e != nil {
			return nil, e
		}
		c.upload = nil
		if i == 0 {
			req.Front = img
		} else {
			req.Back = img
		}
	}
	checked = nil
	budget.release() // the encoded bytes are no longer needed
	s.metrics.stage("decode", time.Since(decodeStart))

	recStart := time.Now()
	res, err := s.opts.Recognizer.Recognize(ctx, req)
	s.metrics.stage("recognize", time.Since(recStart))
	if err != nil {
		return nil, downstreamError(err, MsgRecognizeFailed, s.opts.RetryAfter)
	}
	if res == nil {
		return nil, &httpError{status: http.StatusInternalServerError, detail: MsgRecognizeFailed, cause: errors.New("recognizer returned no result")}
	}
	if res.CountryCode == "" {
		res.CountryCode = country
	}
	if e := s.store(ctx, res); e != nil {
		return nil, e
	}
	return res, nil
}

// store gives the result its id and makes it durable. It goes on when the
// client has gone: a result the pipeline produced is not thrown away.
func (s *Server) store(ctx context.Context, res *pipeline.Result) *httpError {
	if res.ResultID == "" {
		res.ResultID = uuid.NewString()
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.RequestTimeout)
	defer cancel()
	err := s.opts.Store.Put(ctx, res)
	s.metrics.stage("store", time.Since(start))
	if err != nil {
		e := downstreamError(err, MsgStoreFailed, s.opts.RetryAfter)
		if e.status == http.StatusBadRequest {
			e.status, e.detail = http.StatusInternalServerError, MsgStoreFailed
		}
		return e
	}
	s.metrics.countChecks(res)
	return nil
}

// response is a Result with the scan's id when it came from /scan. The
// additions that may be nil are sent as {} and [] so that every key is
// always there with its type.
type response struct {
	*pipeline.Result
	ScanID string `json:"scan_id,omitempty"`
}

func responseOf(res *pipeline.Result, scanID string) response {
	out := *res
	if out.Fields == nil {
		out.Fields = map[string]pipeline.FieldReport{}
	}
	if out.Checks == nil {
		out.Checks = []pipeline.Check{}
	}
	if scanID == "" {
		scanID = res.ScanID
	}
	return response{Result: &out, ScanID: scanID}
}

// handleScan serves POST /api/v1/scan: api_key, country_code,
// side=front|back (default front), and scan_id to join the second side of
// a document to the first. Scans take turns at the lights in arrival
// order; at most ScanQueueLength wait, beyond that 503 + Retry-After. The
// turn is held only for the Scanner call, not for storing or answering.
func (s *Server) handleScan(w http.ResponseWriter, r *http.Request) {
	side := scan.Side("unknown")
	res, scanID, e := s.scan(w, r, &side)
	if e != nil {
		s.metrics.scans.WithLabelValues(string(side), e.outcome()).Inc()
		s.metrics.countQuality(e.quality)
		s.logFailure(r.Context(), "scan", e)
		writeError(w, e)
		return
	}
	s.metrics.scans.WithLabelValues(string(side), outcomeOK).Inc()
	writeJSON(w, http.StatusOK, responseOf(res, scanID))
}

func (s *Server) scan(w http.ResponseWriter, r *http.Request, sideOut *scan.Side) (*pipeline.Result, string, *httpError) {
	if s.opts.Scanner == nil {
		return nil, "", newError(http.StatusNotImplemented, MsgNoScanner)
	}
	select {
	case s.scanAdmit <- struct{}{}:
		defer func() { <-s.scanAdmit }()
	default:
		return nil, "", &httpError{status: http.StatusServiceUnavailable, detail: MsgScanQueueFull, retryAfter: s.opts.RetryAfter}
	}
	if e := s.checkStorage(); e != nil {
		return nil, "", e
	}
	ctx := r.Context()
	authorized := false
	f, e := readForm(w, r, formLimits{maxFile: s.opts.MaxFileBytes, fileFields: map[string]bool{}}, s.earlyAuth(ctx, &authorized))
	if e != nil {
		return nil, "", e
	}
	if !authorized {
		if e := s.authorize(ctx, f.values[fieldAPIKey], true); e != nil {
			return nil, "", e
		}
	}
	req := scan.Request{Side: scan.Side(strings.ToLower(f.values[fieldSide]))}
	switch req.Side {
	case "":
		req.Side = scan.Front
	case scan.Front, scan.Back:
	default:
		return nil, "", newError(http.StatusBadRequest, MsgSideInvalid)
	}
	*sideOut = req.Side
	if req.CountryCode, e = countryCode(f.values[fieldCountry]); e != nil {
		return nil, "", e
	}
	if id := f.values[fieldScanID]; id != "" {
		u, err := uuid.Parse(id)
		if err != nil {
			return nil, "", newError(http.StatusBadRequest, MsgScanIDInvalid)
		}
		req.ScanID, req.Join = u.String(), true
	} else {
		req.ScanID = uuid.NewString()
	}

	res, e := s.scanAndStore(ctx, req)
	if e != nil {
		return nil, "", e
	}
	return res, req.ScanID, nil
}

// scanAndStore is the one path from a scan to a stored result, whoever
// asked (HTTP, presence, MQTT): it waits for the scan turn, scans, fills
// the defaults and stores the result.
func (s *Server) scanAndStore(ctx context.Context, req scan.Request) (*pipeline.Result, *httpError) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancel()
	waitStart := time.Now()
	select {
	case s.scanTurn <- struct{}{}:
	case <-ctx.Done():
		return nil, &httpError{status: http.StatusServiceUnavailable, detail: MsgScanQueueFull, retryAfter: s.opts.RetryAfter, cause: ctx.Err()}
	}
	s.metrics.stage("scan_wait", time.Since(waitStart))
	scanStart := time.Now()
	res, err := func() (*pipeline.Result, error) {
		defer func() { <-s.scanTurn }()
		return s.opts.Scanner.Scan(ctx, req)
	}()
	s.metrics.stage("scan", time.Since(scanStart))
	if err != nil {
		e := downstreamError(err, MsgScanFailed, s.opts.RetryAfter)
		if e.status == http.StatusServiceUnavailable && e.detail == MsgQueueFull {
			e.detail = MsgScanQueueFull
		}
		return nil, e
	}
	if res == nil {
		return nil, &httpError{status: http.StatusInternalServerError, detail: MsgScanFailed, cause: errors.New("scanner returned no result")}
	}
	if res.CountryCode == "" {
		res.CountryCode = req.CountryCode
	}
	res.ScanID = req.ScanID
	if e := s.store(ctx, res); e != nil {
		return nil, e
	}
	return res, nil
}

// ScanAndStore scans one side for a caller other than HTTP (a presence
// edge, an MQTT command) through the same path as POST /api/v1/scan: the
// same turn at the lights, defaults, store and metrics. country may be
// empty. It returns the stored result's id.
func (s *Server) ScanAndStore(ctx context.Context, side scan.Side, country string) (string, error) {
	if s.opts.Scanner == nil {
		return "", newError(http.StatusNotImplemented, MsgNoScanner)
	}
	req := scan.Request{Side: side, ScanID: uuid.NewString()}
	var e *httpError
	if country != "" {
		req.CountryCode, e = countryCode(country)
	}
	var res *pipeline.Result
	if e == nil {
		res, e = s.scanAndStore(ctx, req)
	}
	if e != nil {
		s.metrics.scans.WithLabelValues(string(side), e.outcome()).Inc()
		return "", e
	}
	s.metrics.scans.WithLabelValues(string(side), outcomeOK).Inc()
	return res.ResultID, nil
}

// handleResult serves GET /api/v1/results/{result_id}. The key comes in
// the X-API-Key header or the api_key query parameter; any known key may
// read results, whatever its subscription.
func (s *Server) handleResult(w http.ResponseWriter, r *http.Request) {
	if !s.authorizeRead(w, r) {
		return
	}
	id, err := uuid.Parse(r.PathValue("result_id"))
	if err != nil {
		writeError(w, newError(http.StatusNotFound, MsgResultNotFound))
		return
	}
	res, err := s.opts.Store.Get(r.Context(), id.String())
	if errors.Is(err, fs.ErrNotExist) || (err == nil && res == nil) {
		writeError(w, newError(http.StatusNotFound, MsgResultNotFound))
		return
	}
	if err != nil {
		e := &httpError{status: http.StatusInternalServerError, detail: MsgInternal, cause: err}
		s.logFailure(r.Context(), "results", e)
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, responseOf(res, ""))
}

// logFailure logs why a request failed: the status and detail (contract
// messages, no personal data) and, for server-side failures, the cause.
func (s *Server) logFailure(ctx context.Context, route string, e *httpError) {
	if e.status < 500 {
		return // the request log has the status; details of client errors are the client's
	}
	attrs := []any{"route", route, "status", e.status, "detail", e.detail}
	if e.cause != nil {
		attrs = append(attrs, "error", e.cause.Error())
	}
	s.log.Log(ctx, slogLevel(e.status), "request failed", attrs...)
}

// handleOutbox serves GET /api/v1/outbox?limit=N: the outbox's records'
// metadata, for technicians while the daemon holds the file. It needs a
// currently valid key, like the results.
func (s *Server) handleOutbox(w http.ResponseWriter, r *http.Request) {
	if !s.authorizeRead(w, r) {
		return
	}
	if s.opts.Outbox == nil {
		writeError(w, newError(http.StatusNotFound, MsgNoOutbox))
		return
	}
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, newError(http.StatusBadRequest, "limit must be a whole number from 0"))
			return
		}
		limit = n
	}
	recs, err := s.opts.Outbox.ListOutbox(r.Context(), limit)
	if err != nil {
		e := &httpError{status: http.StatusInternalServerError, detail: MsgInternal, cause: err}
		s.logFailure(r.Context(), "outbox", e)
		writeError(w, e)
		return
	}
	if recs == nil {
		recs = []OutboxRecord{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"records": recs})
}

// authorizeRead checks the key of a GET (the X-API-Key header, or api_key
// in the query) and answers the refusal itself; false when refused.
func (s *Server) authorizeRead(w http.ResponseWriter, r *http.Request) bool {
	key := r.Header.Get("X-API-Key")
	if key == "" {
		key = r.URL.Query().Get(fieldAPIKey)
	}
	if e := s.authorize(r.Context(), key, true); e != nil {
		writeError(w, e)
		return false
	}
	return true
}

// checkStorage refuses work before it starts when the data directory's
// filesystem has less than MinStorageFree left: a result that cannot be
// stored is not answered, so a recognition run then would be wasted.
func (s *Server) checkStorage() *httpError {
	if s.opts.StorageFree == nil {
		return nil
	}
	free, err := s.opts.StorageFree()
	if err != nil || free >= uint64(s.opts.MinStorageFree) {
		return nil // a filesystem that cannot be asked is not taken for full
	}
	return &httpError{status: http.StatusServiceUnavailable, detail: MsgStorageFull, retryAfter: s.opts.RetryAfter,
		cause: fmt.Errorf("%d bytes free, under %d", free, s.opts.MinStorageFree)}
}
