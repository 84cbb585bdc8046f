package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/google/uuid"
)

// documentedKeys are the contract's top-level keys plus the additions.
var documentedKeys = []string{"first_name", "last_name", "patronymic", "personal_number", "date_of_birth",
	"document_number", "authority", "date_of_issue", "date_of_expiry", "country_code", "document_type", "images",
	"failure_reason", "result_id", "mrz", "other_mrz", "fields", "checks"}

type transport struct {
	name string
	post func(h *harness, t testing.TB, path string, parts []part) reply
}

var transports = []transport{
	{"go", func(h *harness, t testing.TB, path string, parts []part) reply { return h.postGo(t, path, parts) }},
	{"curl", func(h *harness, t testing.TB, path string, parts []part) reply { return h.postCurl(t, path, parts) }},
}

const smallFileLimit = 256 << 10

func TestRecognizeContract(t *testing.T) {
	front := readTestdata(t, "front.jpg")
	back := readTestdata(t, "back.png")
	jpg := testJPEG(t, 64, 40)
	truncated := front[:len(front)/2]
	oversize := append(append([]byte{}, magicJPEG...), bytes.Repeat([]byte{0}, smallFileLimit)...)
	garbageJPEG := append(append([]byte{}, magicJPEG...), []byte("this is not a jpeg at all")...)
	bomb := pngBomb(t, 20000, 20000) // 400 MP claimed

	cases := []struct {
		name       string
		parts      []part
		recErr     error
		storeErr   error
		status     int
		detail     string // exact, for errors
		retryAfter bool
		check      func(t *testing.T, h *harness, r reply)
	}{
		{name: "front jpeg", status: 200, parts: []part{value("api_key", keyActive), file("frontside_image", "doc_front.jpg", front), value("country_code", "kz")},
			check: func(t *testing.T, h *harness, r reply) {
				req := h.rec.last()
				if req.Front == nil || req.Back != nil || req.Front.Bounds().Dx() != 340 || req.CountryCode != "kz" {
					t.Fatalf("recognizer got %+v", req)
				}
			}},
		{name: "both sides, png back", status: 200, parts: []part{value("api_key", keyActive), file("frontside_image", "doc_front.jpg", front), file("backside_image", "doc_back.png", back), value("country_code", "kz")},
			check: func(t *testing.T, h *harness, r reply) {
				if req := h.rec.last(); req.Front == nil || req.Back == nil || req.Back.Bounds().Dy() != 214 {
					t.Fatalf("recognizer got %+v", req)
				}
			}},
		{name: "back only", status: 200, parts: []part{value("api_key", keyActive), file("backside_image", "b.png", back), value("country_code", "kz")}},
		{name: "country_code as a file part", status: 200, parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), file("country_code", "country.txt", []byte("KZ\n"))},
			check: func(t *testing.T, h *harness, r reply) {
				if cc := h.rec.last().CountryCode; cc != "kz" {
					t.Fatalf("country %q", cc)
				}
			}},
		{name: "api_key after the files", status: 200, parts: []part{file("frontside_image", "f.jpg", jpg), value("country_code", "kz"), value("api_key", keyActive)}},
		{name: "unlimited -api-key", status: 200, parts: []part{value("api_key", keyStatic), file("frontside_image", "f.JPEG", jpg), value("country_code", "kz")}},
		{name: "jpeg content named .png", status: 200, parts: []part{value("api_key", keyActive), file("frontside_image", "f.png", jpg), value("country_code", "kz")}},
		{name: "unknown extra field ignored", status: 200, parts: []part{value("api_key", keyActive), value("lang", "ru"), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},

		{name: "415 extension", status: 415, detail: MsgNotAllowedFile, parts: []part{value("api_key", keyActive), file("frontside_image", "f.gif", jpg), value("country_code", "kz")}},
		{name: "415 magic bytes", status: 415, detail: MsgNotAllowedFile, parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", []byte("GIF89a not really")), value("country_code", "kz")}},
		{name: "415 no file name", status: 415, detail: MsgNotAllowedFile, parts: []part{value("api_key", keyActive), file("frontside_image", "", jpg), value("country_code", "kz")}},
		{name: "415 on the back side", status: 415, detail: MsgNotAllowedFile, parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), file("backside_image", "b.pdf", []byte("%PDF-1.4")), value("country_code", "kz")}},
		{name: "400 neither image", status: 400, detail: MsgNoImage, parts: []part{value("api_key", keyActive), value("country_code", "kz")}},
		{name: "401 missing api_key", status: 401, detail: MsgAPIKeyMissing, parts: []part{file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "401 unknown api_key", status: 401, detail: MsgAPIKeyInvalid, parts: []part{value("api_key", keyUnknown), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "401 short api_key", status: 401, detail: MsgAPIKeyInvalid, parts: []part{value("api_key", "Efy202XKbVAWRu"), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "400 no subscription", status: 400, detail: MsgNoSubscription, parts: []part{value("api_key", keyNoSub), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "400 not started", status: 400, detail: MsgSubscriptionNotStart, parts: []part{value("api_key", keyNotStarted), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "400 ended", status: 400, detail: MsgNoActiveOrFuture, parts: []part{value("api_key", keyEnded), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "400 no access", status: 400, detail: MsgNoAccess, parts: []part{value("api_key", keyNoAccess), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "400 subscription checked after the files", status: 400, detail: MsgNoAccess, parts: []part{file("frontside_image", "f.jpg", jpg), value("country_code", "kz"), value("api_key", keyNoAccess)}},
		{name: "413 file over the limit", status: 413, detail: "File too large, limit is 256 KB", parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", oversize), value("country_code", "kz")}},
		{name: "400 undecodable header", status: 400, detail: "Image at frontside_image field can not be decoded", parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", garbageJPEG), value("country_code", "kz")}},
		{name: "400 truncated image", status: 400, detail: "Image at frontside_image field can not be decoded", parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", truncated), value("country_code", "kz")}},
		{name: "400 pixel limit before decoding", status: 400, detail: "Image at backside_image field has 20000×20000 pixels, limit is 40000000", parts: []part{value("api_key", keyActive), file("backside_image", "bomb.png", bomb), value("country_code", "kz")}},
		{name: "400 country missing", status: 400, detail: MsgCountryMissing, parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg)}},
		{name: "400 country malformed", status: 400, detail: MsgCountryInvalid, parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), value("country_code", "kaz")}},
		{name: "400 duplicate field", status: 400, detail: "Field frontside_image given more than once", parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), file("frontside_image", "g.jpg", jpg), value("country_code", "kz")}},
		{name: "400 frontside not found", status: 400, detail: MsgFrontsideNotFound, recErr: &Rejection{Message: MsgFrontsideNotFound}, parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "400 not frontside (wrapped)", status: 400, detail: MsgNotFrontside, recErr: fmt.Errorf("identify: %w", &Rejection{Message: MsgNotFrontside}), parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "400 not backside", status: 400, detail: MsgNotBackside, recErr: &Rejection{Message: MsgNotBackside}, parts: []part{value("api_key", keyActive), file("backside_image", "b.jpg", jpg), value("country_code", "kz")}},
		{name: "503 recognizer queue full", status: 503, detail: MsgQueueFull, retryAfter: true, recErr: fmt.Errorf("ocr pool: %w", ErrBusy), parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "503 outbox full", status: 503, detail: MsgQueueFull, retryAfter: true, storeErr: busyErr{after: 5 * time.Second}, parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")},
			check: func(t *testing.T, h *harness, r reply) {
				if ra := r.header.Get("Retry-After"); ra != "5" {
					t.Fatalf("Retry-After %q, want the outbox's 5", ra)
				}
			}},
		{name: "500 recognizer failure", status: 500, detail: MsgRecognizeFailed, recErr: errors.New("tesseract: out of cheese"), parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
		{name: "500 store failure", status: 500, detail: MsgStoreFailed, storeErr: errors.New("disk full"), parts: []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")}},
	}

	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			h := newHarness(t, func(o *Options) { o.MaxFileBytes = smallFileLimit })
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					h.rec.set(tc.recErr)
					h.store.setErr(tc.storeErr)
					stored := h.store.len()
					r := tr.post(h, t, "/api/v1/recognize", tc.parts)
					if r.status != tc.status {
						t.Fatalf("status %d, want %d; body %s", r.status, tc.status, r.body)
					}
					if ct := r.header.Get("Content-Type"); ct != "application/json" {
						t.Fatalf("Content-Type %q", ct)
					}
					if tc.status != 200 {
						if d := r.detail(t); d != tc.detail {
							t.Fatalf("detail %q, want %q", d, tc.detail)
						}
						if (r.header.Get("Retry-After") != "") != tc.retryAfter {
							t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
						}
						if h.store.len() != stored {
							t.Fatal("a refused request stored a result")
						}
					} else {
						checkResultBody(t, h, r)
					}
					if tc.check != nil {
						tc.check(t, h, r)
					}
				})
			}
		})
	}
}

// checkResultBody: every documented key is there, result_id is a new
// UUID, and the stored result is what was answered.
func checkResultBody(t *testing.T, h *harness, r reply) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range documentedKeys {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	id, _ := m["result_id"].(string)
	if _, err := uuid.Parse(id); err != nil {
		t.Fatalf("result_id %q: %v", id, err)
	}
	stored, err := h.store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("result %s not stored before the answer: %v", id, err)
	}
	if stored.LastName != m["last_name"] {
		t.Fatalf("stored %q, answered %q", stored.LastName, m["last_name"])
	}
	if m["first_name"] != "Тест" {
		t.Fatalf("first_name %q", m["first_name"])
	}
	return m
}

func TestRecognizeNotMultipart(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		ctype, body string
		status      int
		detail      string
	}{
		{"application/json", `{"api_key":"x"}`, 400, MsgNotForm},
		{"", "", 400, MsgNotForm},
		{"multipart/form-data; boundary=zz", "--zz\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n" + keyActive + "\r\n--zz-", 400, MsgMalformedForm},
		{"multipart/form-data", "no boundary", 400, MsgMalformedForm},
		// An urlencoded body cannot carry images: the contract's message.
		{"application/x-www-form-urlencoded", "api_key=" + keyActive + "&country_code=kz", 400, MsgNotForm},
	} {
		req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/api/v1/recognize", strings.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		r := h.do(t, req)
		if r.status != tc.status || r.detail(t) != tc.detail {
			t.Errorf("%s %q: %d %s", tc.ctype, tc.body, r.status, r.body)
		}
	}
}

// Bodies over the total limit are cut off while streaming, with 413.
func TestRecognizeBodyLimit(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxFileBytes = 64 << 10 })
	big := bytes.Repeat([]byte("x"), 3<<20)
	r := h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), value("padding", string(big))})
	if r.status != 413 {
		t.Fatalf("status %d %s", r.status, r.body)
	}
}

func TestRecognizeRoutingErrors(t *testing.T) {
	h := newHarness(t, nil)
	r := h.get(t, "/api/v1/recognize", nil)
	if r.status != 405 || r.detail(t) != MsgMethod || r.header.Get("Allow") != "POST" {
		t.Fatalf("GET recognize: %d %v %s", r.status, r.header, r.body)
	}
	r = h.get(t, "/api/v2/nothing", nil)
	if r.status != 404 || r.detail(t) != MsgNotFound {
		t.Fatalf("unknown path: %d %s", r.status, r.body)
	}
}

// A panic in an injected part answers 500 and the daemon goes on.
func TestRecognizePanicRecovered(t *testing.T) {
	h := newHarness(t, nil)
	h.rec.panics = true
	parts := []part{value("api_key", keyActive), file("frontside_image", "f.jpg", testJPEG(t, 32, 32)), value("country_code", "kz")}
	r := h.postGo(t, "/api/v1/recognize", parts)
	if r.status != 500 || r.detail(t) != MsgInternal {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if strings.Contains(h.logs.String(), "exploded") {
		t.Fatal("the panic value reached the log")
	}
	h.rec.mu.Lock()
	h.rec.panics = false
	h.rec.mu.Unlock()
	if r := h.postGo(t, "/api/v1/recognize", parts); r.status != 200 {
		t.Fatalf("after a panic: %d %s", r.status, r.body)
	}
}

// The logs hold no personal data and no key.
func TestLogsCarryNoPersonalData(t *testing.T) {
	h := newHarness(t, nil)
	jpg := testJPEG(t, 32, 32)
	h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), file("frontside_image", "ivanov_passport.jpg", jpg), value("country_code", "kz")})
	h.store.setErr(errors.New("disk full"))
	h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), file("frontside_image", "ivanov_passport.jpg", jpg), value("country_code", "kz")})
	h.get(t, "/api/v1/results/"+uuid.NewString()+"?api_key="+keyActive, nil)
	logs := h.logs.String()
	for _, secret := range []string{keyActive, "Тест", "123456789012", "01.10.1996", "ivanov", "IDKAZ", "TESTOV"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log holds %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "route=recognize") || !strings.Contains(logs, "status=500") {
		t.Fatalf("request log missing:\n%s", logs)
	}
}

// With Workers=1 and no queue, a second request while one runs gets 503
// with Retry-After at once; when the first finishes, requests pass again.
func TestRecognizeQueueFull(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Workers = 1; o.QueueLength = -1; o.RetryAfter = 3 * time.Second })
	block := make(chan struct{})
	entered := make(chan struct{}, 1)
	h.rec.mu.Lock()
	h.rec.block, h.rec.entered = block, entered
	h.rec.mu.Unlock()
	parts := []part{value("api_key", keyActive), file("frontside_image", "f.jpg", testJPEG(t, 32, 32)), value("country_code", "kz")}
	first := h.postAsync(t, "/api/v1/recognize", parts)
	<-entered
	for _, tr := range transports {
		r := tr.post(h, t, "/api/v1/recognize", parts)
		if r.status != 503 || r.detail(t) != MsgQueueFull || r.header.Get("Retry-After") != "3" {
			t.Fatalf("%s: %d %v %s", tr.name, r.status, r.header, r.body)
		}
	}
	close(block)
	if r := <-first; r.status != 200 {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	h.rec.mu.Lock()
	h.rec.block, h.rec.entered = nil, nil
	h.rec.mu.Unlock()
	if r := h.postGo(t, "/api/v1/recognize", parts); r.status != 200 {
		t.Fatalf("after: %d %s", r.status, r.body)
	}
}

// Waiting for a worker is bounded by RequestTimeout: 503, not a hang.
func TestRecognizeWorkerWaitTimeout(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Workers = 1; o.QueueLength = 1; o.RequestTimeout = 300 * time.Millisecond })
	block := make(chan struct{})
	entered := make(chan struct{}, 1)
	h.rec.mu.Lock()
	h.rec.block, h.rec.entered = block, entered
	h.rec.mu.Unlock()
	defer close(block)
	parts := []part{value("api_key", keyActive), file("frontside_image", "f.jpg", testJPEG(t, 32, 32)), value("country_code", "kz")}
	h.postAsync(t, "/api/v1/recognize", parts)
	<-entered
	r := h.postGo(t, "/api/v1/recognize", parts)
	if r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// A client that goes away after the upload does not lose the result:
// the recognition finishes and is stored.
func TestRecognizeClientGoneResultKept(t *testing.T) {
	h := newHarness(t, nil)
	entered := make(chan struct{}, 1)
	block := make(chan struct{})
	// This recognizer ignores cancellation, as a pipeline that has its
	// frames may finish its work.
	rec := &stubbornRecognizer{entered: entered, block: block}
	h2 := newHarness(t, func(o *Options) { o.Recognizer = rec; o.Store = h.store })
	body, ctype := multipartBody(t, []part{value("api_key", keyActive), file("frontside_image", "f.jpg", testJPEG(t, 32, 32)), value("country_code", "kz")})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h2.ts.URL+"/api/v1/recognize", body)
	req.Header.Set("Content-Type", ctype)
	done := make(chan error, 1)
	go func() {
		resp, err := h2.ts.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-entered
	cancel()
	<-done
	close(block)
	deadline := time.Now().Add(5 * time.Second)
	for h.store.len() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if h.store.len() != 1 {
		t.Fatal("the result of a recognition whose client left was lost")
	}
}

type stubbornRecognizer struct {
	entered chan struct{}
	block   chan struct{}
}

func (s *stubbornRecognizer) Recognize(ctx context.Context, req RecognizeRequest) (*pipeline.Result, error) {
	s.entered <- struct{}{}
	<-s.block
	return fixedResult(), nil
}

func TestResults(t *testing.T) {
	h := newHarness(t, nil)
	r := h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), file("frontside_image", "f.jpg", testJPEG(t, 32, 32)), value("country_code", "kz")})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var posted map[string]any
	_ = json.Unmarshal(r.body, &posted)
	id := posted["result_id"].(string)

	got := h.get(t, "/api/v1/results/"+id, map[string]string{"X-API-Key": keyActive})
	if got.status != 200 {
		t.Fatalf("%d %s", got.status, got.body)
	}
	var fetched map[string]any
	_ = json.Unmarshal(got.body, &fetched)
	if fmt.Sprint(fetched) != fmt.Sprint(posted) {
		t.Fatalf("fetched result differs:\n%v\n%v", fetched, posted)
	}
	for _, tc := range []struct {
		path   string
		header map[string]string
		status int
		detail string
	}{
		{"/api/v1/results/" + id + "?api_key=" + keyActive, nil, 200, ""},
		// a result is readable only with a currently valid key (issue 16)
		{"/api/v1/results/" + id + "?api_key=" + keyEnded, nil, 400, "No active or future subscription for technology"},
		{"/api/v1/results/" + id, nil, 401, MsgAPIKeyMissing},
		{"/api/v1/results/" + id, map[string]string{"X-API-Key": keyUnknown}, 401, MsgAPIKeyInvalid},
		{"/api/v1/results/" + uuid.NewString(), map[string]string{"X-API-Key": keyActive}, 404, MsgResultNotFound},
		{"/api/v1/results/not-a-uuid", map[string]string{"X-API-Key": keyActive}, 404, MsgResultNotFound},
	} {
		r := h.get(t, tc.path, tc.header)
		if r.status != tc.status || (tc.detail != "" && r.detail(t) != tc.detail) {
			t.Errorf("GET %s: %d %s", tc.path, r.status, r.body)
		}
	}
	// And with curl.
	curl := curlPath(t)
	dir := t.TempDir()
	cr := runCurl(t, curl, dir, []string{"-sS", "-o", dir + "/body", "-D", dir + "/headers", "-w", "%{http_code}",
		"-H", "X-API-Key: " + keyActive, h.ts.URL + "/api/v1/results/" + id}, "GET", "/api/v1/results/"+id)
	if cr.status != 200 || !bytes.Equal(cr.body, got.body) {
		t.Fatalf("curl: %d %s", cr.status, cr.body)
	}
}

// Concurrent clients all get their own result, each stored once.
func TestRecognizeConcurrent(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Workers = 2; o.QueueLength = 64 })
	parts := []part{value("api_key", keyActive), file("frontside_image", "f.jpg", testJPEG(t, 64, 64)), value("country_code", "kz")}
	var pending []<-chan reply
	for i := 0; i < 32; i++ {
		pending = append(pending, h.postAsync(t, "/api/v1/recognize", parts))
	}
	seen := map[string]bool{}
	for _, ch := range pending {
		r := <-ch
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var m map[string]any
		_ = json.Unmarshal(r.body, &m)
		id := m["result_id"].(string)
		if seen[id] {
			t.Fatalf("result_id %s given twice", id)
		}
		seen[id] = true
	}
	if h.store.len() != len(seen) || len(seen) != 32 {
		t.Fatalf("stored %d, answered %d", h.store.len(), len(seen))
	}
}

// Uploads held in memory are bounded all together: while one client's
// upload is stalled holding most of the budget, another gets 503.
func TestRecognizeUploadBudget(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxFileBytes = 1 << 20; o.MaxUploadMemory = 1 })
	if got := h.srv.opts.MaxUploadMemory; got != 2<<20+2*uploadChunk {
		t.Fatalf("budget %d", got)
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, _ := http.NewRequest(http.MethodPost, h.ts.URL+"/api/v1/recognize", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	first := make(chan int, 1)
	go func() {
		resp, err := h.ts.Client().Do(req)
		if err != nil {
			first <- -1
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	big := append(append([]byte{}, magicJPEG...), bytes.Repeat([]byte{1}, 1000<<10)...)
	go func() {
		_ = mw.WriteField("api_key", keyActive)
		w, _ := mw.CreateFormFile("frontside_image", "f.jpg")
		_, _ = w.Write(big)
		w, _ = mw.CreateFormFile("backside_image", "b.jpg")
		_, _ = w.Write(big[:900<<10]) // then stall
	}()
	waitFor(t, func() bool { return h.srv.uploadBytes.Load() >= 1900<<10 })
	r := h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), file("frontside_image", "f.jpg", big[:700<<10]), value("country_code", "kz")})
	if r.status != 503 || r.detail(t) != MsgQueueFull || r.header.Get("Retry-After") == "" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	pw.CloseWithError(errors.New("client gave up"))
	<-first
	waitFor(t, func() bool { return h.srv.uploadBytes.Load() == 0 })
	if r := h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), file("frontside_image", "f.jpg", testJPEG(t, 32, 32)), value("country_code", "kz")}); r.status != 200 {
		t.Fatalf("after: %d %s", r.status, r.body)
	}
}
