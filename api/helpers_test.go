package api

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docscan/docscan/api/entitle"
	"github.com/docscan/docscan/lights"
	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/typedb"
)

// Keys of the test entitlement store, one per subscription state.
const (
	keyActive     = "ActiveKey000000000000000000000000000000000000000001"
	keyNoSub      = "NoSubKey0000000000000000000000000000000000000000002"
	keyNotStarted = "NotStartedKey00000000000000000000000000000000000003"
	keyEnded      = "EndedKey0000000000000000000000000000000000000000004"
	keyNoAccess   = "NoAccessKey000000000000000000000000000000000000005"
	keyStatic     = "StaticKey00000000000000000000000000000000000000006"
	keyUnknown    = "UnknownKey0000000000000000000000000000000000000007"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func newTestEntitlements(t testing.TB) *entitle.Store {
	t.Helper()
	st, err := entitle.Open(filepath.Join(t.TempDir(), entitle.FileName))
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	dr := func(active bool, start, end time.Time) entitle.Subscription {
		return entitle.Subscription{Technology: entitle.TechDocumentRecognition, Active: active, Start: start, End: end}
	}
	for _, k := range []struct {
		key  string
		subs []entitle.Subscription
	}{
		{keyActive, []entitle.Subscription{dr(true, testNow.Add(-day), testNow.Add(365*day))}},
		{keyNoSub, nil},
		{keyNotStarted, []entitle.Subscription{dr(true, testNow.Add(day), testNow.Add(2*day))}},
		{keyEnded, []entitle.Subscription{dr(true, testNow.Add(-2*day), testNow.Add(-day))}},
		{keyNoAccess, []entitle.Subscription{dr(false, testNow.Add(-day), testNow.Add(day))}},
	} {
		rec, err := entitle.NewKey(k.key, "test", testNow, k.subs...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Add(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// fixedResult is a complete Result, every documented key filled.
func fixedResult() *pipeline.Result {
	state := (*string)(nil)
	agree := true
	region := [4]float64{0.05, 0.15, 0.33, 0.65}
	side := func(name string, id int64, mrz bool) *typedb.DocumentType {
		return &typedb.DocumentType{
			DocumentName: name, ID: id, P: 0.94, RFIDPresence: 0,
			FDSIDList: typedb.FDSIDList{ICAOCode: "KAZ", List: []int64{id}, DType: 12, DFormat: 0, DMRZ: mrz,
				DDescription: "Identity Card", DYear: "2014", DCountryName: "Kazakhstan", DStateCode: state, DStateName: state},
			NecessaryLights: lights.WhiteFront | lights.IRFront, CheckAuthenticity: typedb.AuthUVLuminescence | typedb.AuthIRB900,
			UVExp: 6, AuthenticityNecessaryLights: lights.UV | lights.IRTop,
		}
	}
	return &pipeline.Result{
		FirstName: "Тест", LastName: "Тестов", Patronymic: "Тестович", PersonalNumber: "123456789012",
		DateOfBirth: "01.10.1996", DocumentNumber: "N12345678", Authority: "МВД РК",
		DateOfIssue: "02.07.2014", DateOfExpiry: "02.07.2024", CountryCode: "kz",
		DocumentType: pipeline.DocumentTypes{
			Frontside: side("Kazakhstan - Id Card (2014)", -1040772594, false),
			Backside:  side("Kazakhstan - Id Card (2014) Side B", -1040772430, true),
		},
		Images:        pipeline.Images{},
		FailureReason: "None",
		MRZ: &pipeline.MRZSummary{Lines: []string{"IDKAZN123456780<<<<<<<<<<<<<<<", "9610011M2407023KAZ<<<<<<<<<<<6", "TESTOV<<TEST<<<<<<<<<<<<<<<<<<"},
			Format: "TD1", Valid: true, Checks: map[string]bool{"document_number": true, "composite": true},
			Status: "valid", Confidence: 0.97, LineConfidence: []float64{0.96, 0.98, 0.97}},
		Fields: map[string]pipeline.FieldReport{
			"last_name": {Value: "Тестов", Source: "visual", Sources: map[string]string{"visual": "Тестов", "mrz": "TESTOV"}, Agree: &agree},
		},
		Checks: []pipeline.Check{
			{Name: "uv_luminescence", Status: pipeline.CheckOK, Bit: typedb.AuthUVLuminescence, Side: "front",
				Evidence: &pipeline.Evidence{Region: &region, Measured: 0.02, Threshold: 0.1}},
			{Name: "mrz_check_digits", Status: pipeline.CheckFailed, Reason: "composite", Side: "back"},
		},
	}
}

// fakeRecognizer returns fixedResult, or err; it keeps the last request.
type fakeRecognizer struct {
	mu      sync.Mutex
	err     error
	panics  bool
	block   chan struct{}    // when set, Recognize waits on it (or ctx)
	entered chan struct{}    // when set, signalled on entry
	lastReq RecognizeRequest // only the last: a load run must not keep every image
}

func (f *fakeRecognizer) set(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

func (f *fakeRecognizer) Recognize(ctx context.Context, req RecognizeRequest) (*pipeline.Result, error) {
	f.mu.Lock()
	f.lastReq = req
	err, panics, block, entered := f.err, f.panics, f.block, f.entered
	f.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if panics {
		panic("recognizer exploded")
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	return fixedResult(), nil
}

func (f *fakeRecognizer) last() RecognizeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastReq
}

// memStore is an in-memory Store.
type memStore struct {
	mu      sync.Mutex
	results map[string][]byte
	err     error
}

func newMemStore() *memStore { return &memStore{results: map[string][]byte{}} }

func (m *memStore) Put(ctx context.Context, res *pipeline.Result) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	m.results[res.ResultID] = b
	return nil
}

func (m *memStore) Get(ctx context.Context, id string) (*pipeline.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.results[id]
	if !ok {
		return nil, fmt.Errorf("result %s: %w", id, fs.ErrNotExist)
	}
	var res pipeline.Result
	return &res, json.Unmarshal(b, &res)
}

func (m *memStore) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.results)
}

func (m *memStore) setErr(err error) {
	m.mu.Lock()
	m.err = err
	m.mu.Unlock()
}

// busyErr is an injected implementation's "full" error.
type busyErr struct{ after time.Duration }

func (b busyErr) Error() string             { return "outbox full" }
func (b busyErr) RetryAfter() time.Duration { return b.after }

type harness struct {
	srv   *Server
	ts    *httptest.Server
	rec   *fakeRecognizer
	store *memStore
	logs  *bytes.Buffer
}

// newHarness starts a server on loopback with the fake recognizer, the
// memory store and a real entitlement store.
func newHarness(t testing.TB, mod func(*Options)) *harness {
	t.Helper()
	h := &harness{rec: &fakeRecognizer{}, store: newMemStore(), logs: &bytes.Buffer{}}
	opts := Options{
		Recognizer:   h.rec,
		Store:        h.store,
		Entitlements: newTestEntitlements(t),
		APIKeys:      []string{keyStatic},
		Logger:       slog.New(slog.NewTextHandler(&lockedWriter{w: h.logs}, nil)),
		Build:        BuildInfo{Version: "v0.0.0-test", Commit: "abc1234", Date: "2025-06-01T00:00:00Z"},
		Now:          func() time.Time { return testNow },
		Workers:      2,
	}
	if mod != nil {
		mod(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(h.ts.Close)
	return h
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// part is one multipart field: a value, or a file when file is true.
type part struct {
	name     string
	filename string // "" with file=true: a part without a file name
	content  []byte
	file     bool
}

func value(name, v string) part { return part{name: name, content: []byte(v)} }
func file(name, filename string, content []byte) part {
	return part{name: name, filename: filename, content: content, file: true}
}

// multipartBody builds a body with Go's mime/multipart.
func multipartBody(t testing.TB, parts []part) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		switch {
		case !p.file:
			w, err = mw.CreateFormField(p.name)
		case p.filename == "":
			hdr := textproto.MIMEHeader{}
			hdr.Set("Content-Disposition", `form-data; name="`+p.name+`"`)
			hdr.Set("Content-Type", "application/octet-stream")
			w, err = mw.CreatePart(hdr)
		default:
			w, err = mw.CreateFormFile(p.name, p.filename)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// reply is an HTTP answer, from Go's client or from curl.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) detail(t testing.TB) string {
	t.Helper()
	var d struct {
		Detail *string `json:"detail"`
	}
	if err := json.Unmarshal(r.body, &d); err != nil || d.Detail == nil {
		t.Fatalf("status %d body %q is not {\"detail\": ...}: %v", r.status, r.body, err)
	}
	return *d.Detail
}

func (h *harness) postGo(t testing.TB, path string, parts []part) reply {
	t.Helper()
	body, ctype := multipartBody(t, parts)
	req, err := http.NewRequest(http.MethodPost, h.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	return h.do(t, req)
}

func (h *harness) do(t testing.TB, req *http.Request) reply {
	t.Helper()
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: b}
	checkAgainstSpec(t, req.Method, req.URL.Path, r)
	return r
}

func (h *harness) get(t testing.TB, path string, header map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return h.do(t, req)
}

// curlPath returns curl's path, installing nothing: CI installs it.
func curlPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed (apt-get install -y curl)")
	}
	return p
}

// postCurl sends the same parts with curl -F, files written to disk
// under their names as a client would have them.
func (h *harness) postCurl(t testing.TB, path string, parts []part) reply {
	t.Helper()
	curl := curlPath(t)
	dir := t.TempDir()
	args := []string{"-sS", "-o", filepath.Join(dir, "body"), "-D", filepath.Join(dir, "headers"), "-w", "%{http_code}"}
	for i, p := range parts {
		if !p.file {
			args = append(args, "--form-string", p.name+"="+string(p.content))
			continue
		}
		name := p.filename
		if name == "" {
			name = "part" + strconv.Itoa(i)
		}
		sub := filepath.Join(dir, strconv.Itoa(i))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		fp := filepath.Join(sub, name)
		if err := os.WriteFile(fp, p.content, 0o644); err != nil {
			t.Fatal(err)
		}
		if p.filename == "" {
			args = append(args, "-F", p.name+`=<"`+fp+`"`) // content, no file name; quoted: test paths hold commas
		} else {
			args = append(args, "-F", p.name+`=@"`+fp+`"`)
		}
	}
	args = append(args, h.ts.URL+path)
	return runCurl(t, curl, dir, args, http.MethodPost, path)
}

func runCurl(t testing.TB, curl, dir string, args []string, method, path string) reply {
	t.Helper()
	out, err := exec.Command(curl, args...).Output()
	if err != nil {
		t.Fatalf("curl %v: %v", args, err)
	}
	status, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("curl status %q: %v", out, err)
	}
	body, err := os.ReadFile(filepath.Join(dir, "body"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	rawHdr, err := os.ReadFile(filepath.Join(dir, "headers"))
	if err != nil {
		t.Fatal(err)
	}
	hdr := http.Header{}
	for _, line := range strings.Split(string(rawHdr), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			hdr.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	r := reply{status: status, header: hdr, body: body}
	checkAgainstSpec(t, method, path, r)
	return r
}

// Test images.

func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, gradient(w, h), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, gradient(w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gradient(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	return img
}

// pngBomb is a real PNG whose header claims w×h pixels: DecodeConfig
// reads the claim; decoding would need the memory.
func pngBomb(t testing.TB, w, h uint32) []byte {
	t.Helper()
	b := testPNG(t, 8, 8)
	// IHDR data starts after the 8-byte signature, 4-byte length, "IHDR".
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	crc := crc32.ChecksumIEEE(b[12:29])
	binary.BigEndian.PutUint32(b[29:], crc)
	return b
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postAsync sends a multipart request from another goroutine; transport
// failures come back as status -1 with the error as body.
func (h *harness) postAsync(t testing.TB, path string, parts []part) <-chan reply {
	t.Helper()
	body, ctype := multipartBody(t, parts)
	req, err := http.NewRequest(http.MethodPost, h.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	ch := make(chan reply, 1)
	go func() {
		resp, err := h.ts.Client().Do(req)
		if err != nil {
			ch <- reply{status: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		ch <- reply{status: resp.StatusCode, header: resp.Header, body: b}
	}()
	return ch
}
