package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
)

const fuzzBoundary = "fuzzboundary1234567890"

func fuzzBody(f *testing.F, parts []part) []byte {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary(fuzzBoundary); err != nil {
		f.Fatal(err)
	}
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.file {
			w, err = mw.CreateFormFile(p.name, p.filename)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			f.Fatal(err)
		}
		_, _ = w.Write(p.content)
	}
	_ = mw.Close()
	return buf.Bytes()
}

// FuzzRecognize throws arbitrary bodies at POST /api/v1/recognize: the
// multipart reader, the limits, the type checks and the image decoders.
// The server must answer with a documented status and a JSON body, and
// never 500 (the fakes never fail, so a 500 is a recovered panic).
func FuzzRecognize(f *testing.F) {
	jpg := testJPEG(f, 24, 16)
	pngb := testPNG(f, 16, 24)
	for _, parts := range [][]part{
		{value("api_key", keyStatic), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")},
		{value("api_key", keyStatic), file("frontside_image", "f.jpg", jpg), file("backside_image", "b.png", pngb), value("country_code", "kz")},
		{value("api_key", keyStatic), file("backside_image", "b.png", pngb), file("country_code", "c.txt", []byte("kz"))},
		{file("frontside_image", "f.jpg", jpg[:len(jpg)/2]), value("country_code", "kz"), value("api_key", keyStatic)},
		{value("api_key", keyStatic), file("frontside_image", "f.png", pngBomb(f, 5000, 5000)), value("country_code", "kz")},
		{value("api_key", keyStatic), file("frontside_image", "f.jpg", []byte("\xff\xd8\xff garbage")), value("country_code", "kz")},
		{value("api_key", keyStatic), value("country_code", "kz")},
		{value("api_key", "short")},
	} {
		f.Add(fuzzBoundary, fuzzBody(f, parts))
	}
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\n"))
	f.Add("", []byte{})

	rec := &fakeRecognizer{}
	srv, err := New(Options{
		Recognizer: rec, Store: newMemStore(), APIKeys: []string{keyStatic},
		Logger: slog.New(slog.DiscardHandler), MaxFileBytes: 1 << 20, MaxPixels: 4 << 20, Workers: 1,
	})
	if err != nil {
		f.Fatal(err)
	}
	handler := srv.Handler()
	allowed := map[int]bool{200: true, 400: true, 401: true, 413: true, 415: true}

	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/recognize", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=\""+boundary+"\"")
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if !allowed[w.Code] {
			t.Fatalf("status %d: %s", w.Code, w.Body.Bytes())
		}
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("status %d, body not JSON: %q", w.Code, w.Body.Bytes())
		}
		if w.Code == 200 {
			if _, ok := m["result_id"]; !ok {
				t.Fatalf("200 without result_id: %s", w.Body.Bytes())
			}
		} else if _, ok := m["detail"].(string); !ok {
			t.Fatalf("status %d without detail: %s", w.Code, w.Body.Bytes())
		}
	})
}

// FuzzImage fuzzes the header check and the decoders directly.
func FuzzImage(f *testing.F) {
	f.Add(testJPEG(f, 17, 9))
	f.Add(testPNG(f, 9, 17))
	f.Add(pngBomb(f, 100000, 100000))
	f.Add(readTestdata(f, "front.jpg"))
	f.Add(readTestdata(f, "back.png"))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"a.jpg", "a.png"} {
			c, e := checkImage(fieldFront, &upload{filename: name, data: data}, 1<<20)
			if e != nil {
				if e.status != 400 && e.status != 415 {
					t.Fatalf("status %d", e.status)
				}
				continue
			}
			if int64(c.width)*int64(c.height) > 1<<20 {
				t.Fatalf("%dx%d passed the pixel limit", c.width, c.height)
			}
			img, e := c.decode()
			if e != nil {
				if e.status != 400 {
					t.Fatalf("decode status %d", e.status)
				}
				continue
			}
			// an EXIF orientation may swap width and height
			if b := img.Bounds(); (b.Dx() != c.width || b.Dy() != c.height) && (b.Dx() != c.height || b.Dy() != c.width) {
				t.Fatalf("decoded %v, header said %dx%d", b, c.width, c.height)
			}
		}
	})
}
