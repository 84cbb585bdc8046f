package api

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists every route: the mux, the OpenAPI test and the 405 answers
// read it.
var apiRoutes = []struct {
	method, path, name string
}{
	{"POST", "/api/v1/recognize", "recognize"},
	{"POST", "/api/v1/scan", "scan"},
	{"GET", "/api/v1/results/{result_id}", "results"},
	{"GET", "/api/v1/outbox", "outbox"},
	{"GET", "/healthz", "healthz"},
	{"GET", "/readyz", "readyz"},
	{"GET", "/metrics", "metrics"},
	{"GET", "/openapi.json", "openapi"},
	{"GET", "/", "status"},
}

func (s *Server) routes() http.Handler {
	handlers := map[string]http.HandlerFunc{
		"recognize": s.handleRecognize,
		"scan":      s.handleScan,
		"results":   s.handleResult,
		"outbox":    s.handleOutbox,
		"healthz":   s.handleHealthz,
		"readyz":    s.handleReadyz,
		"metrics": promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{
			ErrorLog: slogPrinter{s}, ErrorHandling: promhttp.ContinueOnError,
		}).ServeHTTP,
		"openapi": s.handleOpenAPI,
		"status":  s.handleStatus,
	}
	mux := http.NewServeMux()
	for _, r := range apiRoutes {
		p := r.path
		if p == "/" {
			p = "/{$}"
		}
		mux.Handle(r.method+" "+p, s.instrument(r.name, handlers[r.name]))
	}
	mux.Handle("OPTIONS /api/v1/", s.instrument("preflight", s.handlePreflight))
	mux.Handle("/", s.instrument("not_found", s.handleNotFound))
	return s.cors(mux)
}

type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.log.Warn("metrics", "error", fmt.Sprint(v...)) }

// statusRecorder remembers what a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

var requestSeq atomic.Uint64

// instrument wraps a route: panic recovery, latency histogram and the
// request log. The log carries the route, never the query (api_key may be
// there), the body or the client's address.
func (s *Server) instrument(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := strconv.FormatUint(requestSeq.Add(1), 10)
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				// The panic value may hold request data: log its type and
				// the stack only.
				s.log.Error("panic in handler", "route", route, "request_id", id,
					"panic_type", fmt.Sprintf("%T", v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeError(rec, newError(http.StatusInternalServerError, MsgInternal))
				}
			}
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.requestDuration.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Observe(d.Seconds())
			lvl := slogLevel(rec.status)
			s.log.Log(r.Context(), lvl, "http request", "request_id", id, "route", route, "method", r.Method,
				"status", rec.status, "duration_ms", float64(d.Microseconds())/1000,
				"bytes_in", r.ContentLength, "bytes_out", rec.bytes)
		}()
		h(rec, r)
	})
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, rt := range apiRoutes {
		if routeMatches(rt.path, r.URL.Path) {
			allow = append(allow, rt.method)
			if rt.method == "GET" {
				allow = append(allow, "HEAD")
			}
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, newError(http.StatusMethodNotAllowed, MsgMethod))
		return
	}
	writeError(w, newError(http.StatusNotFound, MsgNotFound))
}

// routeMatches matches a path against a route with {wildcards}.
func routeMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if ps[i] != xs[i] {
			return false
		}
	}
	return true
}

// cors lets the allowed browser origins call /api/v1/: the contract's
// JavaScript example runs in a page served from elsewhere.
func (s *Server) cors(next http.Handler) http.Handler {
	any := slices.Contains(s.opts.AllowedOrigins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && strings.HasPrefix(r.URL.Path, "/api/v1/") &&
			(any || slices.Contains(s.opts.AllowedOrigins, origin)) {
			h := w.Header()
			if any {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Add("Vary", "Origin")
			}
			h.Set("Access-Control-Expose-Headers", "Retry-After, X-Request-Id")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handlePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if h.Get("Access-Control-Allow-Origin") == "" {
		s.handleNotFound(w, r)
		return
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	// Chrome's Private Network Access: a public page calling the device.
	if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
