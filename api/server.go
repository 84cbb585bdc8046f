// Package api owns docscand's local HTTP server: the Document Recognition
// API's contract (POST /api/v1/recognize) on the device, scanning from the
// glass (POST /api/v1/scan), stored results, health and readiness,
// Prometheus metrics, the OpenAPI document and the technician's status
// page. Its sub-package entitle owns the API keys and subscriptions.
//
// api knows nothing of the pipeline's, the outbox's or the hardware's
// insides: it defines the small interfaces it needs (Recognizer, Scanner,
// Store, Health, LastScanProvider) and cmd injects implementations.
package api

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/docscan/docscan/api/entitle"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for Options' zero values.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultMaxFileBytes    = 20 << 20
	DefaultMaxPixels       = 40_000_000
	DefaultMaxDecodeBytes  = 96 << 20
	DefaultDecodeMemory    = 192 << 20
	DefaultMaxUploadMemory = 128 << 20
	DefaultQueueLength     = 8
	DefaultScanQueueLength = 4
	DefaultRetryAfter      = 2 * time.Second
	// DefaultMinStorageFree leaves bbolt room to grow and to commit a few
	// results of about 300 KB each.
	DefaultMinStorageFree    = 32 << 20
	DefaultRequestTimeout    = 60 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 150 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 30 * time.Second
)

// Options configure a Server. Recognizer and Store are required; the
// rest have defaults or switch a feature off when nil.
type Options struct {
	// Addr is the listen address; default 127.0.0.1:8080 (loopback only).
	Addr string
	// TLSCertFile and TLSKeyFile, both set, make the server speak HTTPS.
	TLSCertFile, TLSKeyFile string

	Recognizer Recognizer
	Store      Store
	// Scanner serves /api/v1/scan; nil answers 501 "No scanner on this device".
	Scanner Scanner
	// Entitlements is the key store (an *entitle.Store); nil accepts only
	// APIKeys.
	Entitlements Entitlements
	// APIKeys are unlimited keys (the daemon's -api-key), at least 47
	// characters each, kept in memory as hashes.
	APIKeys []string

	Health Health // nil: every component "disabled"
	// StorageFree reports the free bytes where results are stored; with
	// less than MinStorageFree (default 32 MiB) /recognize and /scan get
	// 503 + Retry-After before any work. nil: not checked.
	StorageFree    func() (uint64, error)
	MinStorageFree int64
	// Outbox lists the outbox's records for GET /api/v1/outbox (what
	// `docscan outbox ls` asks while the daemon holds the file); nil
	// answers 404.
	Outbox   OutboxLister
	LastScan LastScanProvider // nil: the status page shows no scan
	Device   DeviceMetrics
	Build    BuildInfo

	Logger *slog.Logger // nil: slog.Default()

	// MaxFileBytes limits each uploaded image (default 20 MB).
	MaxFileBytes int64
	// MaxPixels limits each image's width×height, checked before decoding
	// (default 40 000 000).
	MaxPixels int64
	// MaxDecodeBytes limits each image's decoded size, width × height ×
	// channels × bytes per channel, checked before decoding (default
	// 96 MiB).
	MaxDecodeBytes int64
	// DecodeMemory bounds what all recognitions together hold of decoded
	// images and their working copies (default 192 MiB); a request waits
	// for its share within RequestTimeout, else 503 + Retry-After; one
	// that needs more than all of it is refused with 400.
	DecodeMemory int64
	// MaxUploadMemory bounds the bytes of uploads held in memory by all
	// requests together (default 128 MiB, and at least two full files); a
	// request that would pass it gets 503 + Retry-After.
	MaxUploadMemory int64
	// Workers is how many recognitions run at once (default GOMAXPROCS).
	Workers int
	// QueueLength is how many more recognize requests may wait, uploading
	// or for a worker (default 8); beyond that the answer is 503.
	QueueLength int
	// ScanQueueLength is how many scan requests may wait for the one
	// running (default 4); beyond that the answer is 503.
	ScanQueueLength int
	// RetryAfter is the Retry-After sent with 503 (default 2 s).
	RetryAfter time.Duration
	// RequestTimeout bounds waiting for a worker or the lights plus the
	// recognition or scan itself (default 60 s).
	RequestTimeout time.Duration

	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds the wait for requests in flight when the
	// server stops (default 30 s), so accepted results are stored.
	ShutdownTimeout time.Duration

	// AllowedOrigins are the browser origins that may call /api/v1/ (CORS);
	// default none. "*" allows any.
	AllowedOrigins []string

	// Now is the clock for subscriptions; default time.Now.
	Now func() time.Time
}

func (o *Options) setDefaults() {
	setDefault := func(p *time.Duration, d time.Duration) {
		if *p <= 0 {
			*p = d
		}
	}
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if o.MaxDecodeBytes <= 0 {
		o.MaxDecodeBytes = DefaultMaxDecodeBytes
	}
	if o.DecodeMemory <= 0 {
		o.DecodeMemory = DefaultDecodeMemory
	}
	if o.MaxUploadMemory <= 0 {
		o.MaxUploadMemory = DefaultMaxUploadMemory
	}
	o.MaxUploadMemory = max(o.MaxUploadMemory, 2*o.MaxFileBytes+2*uploadChunk)
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.QueueLength < 0 {
		o.QueueLength = 0
	} else if o.QueueLength == 0 {
		o.QueueLength = DefaultQueueLength
	}
	if o.ScanQueueLength <= 0 {
		o.ScanQueueLength = DefaultScanQueueLength
	}
	setDefault(&o.RetryAfter, DefaultRetryAfter)
	if o.MinStorageFree <= 0 {
		o.MinStorageFree = DefaultMinStorageFree
	}
	setDefault(&o.RequestTimeout, DefaultRequestTimeout)
	setDefault(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&o.ReadTimeout, DefaultReadTimeout)
	setDefault(&o.WriteTimeout, DefaultWriteTimeout)
	setDefault(&o.IdleTimeout, DefaultIdleTimeout)
	setDefault(&o.ShutdownTimeout, DefaultShutdownTimeout)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Server is docscand's HTTP server.
type Server struct {
	opts    Options
	log     *slog.Logger
	static  *entitle.Static
	metrics *metrics
	handler http.Handler
	started time.Time

	// Recognitions: admit bounds the requests in the server (uploading,
	// waiting or running: Workers+QueueLength); work bounds the running
	// ones (Workers). A request that finds admit full gets 503 at once.
	admit chan struct{}
	work  chan struct{}
	// decoding is the shared budget of decoded image bytes (decode.go).
	decoding *decodeBudget

	// Scans: scanAdmit bounds the scan requests in the server; scanTurn
	// (one slot) is the turn at the lights. Channel senders are woken in
	// arrival order, so scans run first come first served, and a request
	// whose client went away leaves the line.
	scanAdmit chan struct{}
	scanTurn  chan struct{}

	// uploadBytes is the upload memory reserved now (MaxUploadMemory).
	uploadBytes atomic.Int64

	status  *statusPage
	openapi []byte
}

// reservation is one request's share of the upload memory.
type reservation struct {
	s *Server
	n int64
}

func (s *Server) uploadBudget() *reservation { return &reservation{s: s} }

// reserve takes n bytes from the budget, or reports that it can not.
func (r *reservation) reserve(n int64) bool {
	for {
		cur := r.s.uploadBytes.Load()
		if cur+n > r.s.opts.MaxUploadMemory {
			return false
		}
		if r.s.uploadBytes.CompareAndSwap(cur, cur+n) {
			r.n += n
			return true
		}
	}
}

// release gives back everything reserved; it may be called again.
func (r *reservation) release() {
	r.s.uploadBytes.Add(-r.n)
	r.n = 0
}

// New checks opts and builds a Server.
func New(opts Options) (*Server, error) {
	if opts.Recognizer == nil {
		return nil, errors.New("api: Options.Recognizer is required")
	}
	if opts.Store == nil {
		return nil, errors.New("api: Options.Store is required")
	}
	if (opts.TLSCertFile == "") != (opts.TLSKeyFile == "") {
		return nil, errors.New("api: TLS needs both a certificate and a key file")
	}
	if es, ok := opts.Entitlements.(*entitle.Store); ok && es == nil {
		opts.Entitlements = nil // a nil *Store in the interface
	}
	opts.setDefaults()
	static, err := entitle.NewStatic(opts.APIKeys...)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		static:    static,
		started:   time.Now(),
		admit:     make(chan struct{}, opts.Workers+opts.QueueLength),
		work:      make(chan struct{}, opts.Workers),
		decoding:  newDecodeBudget(opts.DecodeMemory),
		scanAdmit: make(chan struct{}, opts.ScanQueueLength+1),
		scanTurn:  make(chan struct{}, 1),
	}
	s.metrics = newMetrics(opts.Build, opts.Device,
		func() (int, int) { w := len(s.work); return w, len(s.admit) - w },
		func() int { return max(len(s.scanAdmit)-len(s.scanTurn), 0) },
		func() int64 { return s.uploadBytes.Load() })
	s.status = newStatusPage(s)
	if s.openapi, err = openAPIDocument(opts.Build); err != nil {
		return nil, fmt.Errorf("api: openapi.json: %w", err)
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the server's HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// Registerer is where other parts of the daemon register their metrics;
// their names must start with docscan_.
func (s *Server) Registerer() prometheus.Registerer { return s.metrics.reg }

// ObserveStage records one stage's duration in
// docscan_stage_duration_seconds{stage}; cmd hooks the pipeline's stage
// timings here.
func (s *Server) ObserveStage(stage string, d time.Duration) { s.metrics.stage(stage, d) }

// HTTPServer returns an http.Server with every phase under a timeout.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Addr:              s.opts.Addr,
		Handler:           s.handler,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// ListenAndServe listens on Options.Addr and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln (HTTPS when a certificate is configured) until ctx
// ends, then stops accepting and waits up to ShutdownTimeout for the
// requests in flight, so that no accepted result is lost.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := s.HTTPServer()
	errc := make(chan error, 1)
	go func() {
		var err error
		if s.opts.TLSCertFile != "" {
			err = hs.ServeTLS(ln, s.opts.TLSCertFile, s.opts.TLSKeyFile)
		} else {
			err = hs.Serve(ln)
		}
		errc <- err
	}()
	s.log.Info("http api listening", "addr", ln.Addr().String(), "tls", s.opts.TLSCertFile != "")
	if !s.hasKeys(ctx) {
		s.log.Warn(msgNoAPIKey)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("api: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	<-errc
	if err != nil {
		return fmt.Errorf("api: shutdown: %w", err)
	}
	return nil
}
