// Command docscand is the scanner daemon: it drives the LEDs and camera,
// recognises documents on the device, keeps every result in the durable
// outbox, syncs it over MQTT, and serves the local HTTP API.
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	sd "github.com/coreos/go-systemd/v22/daemon"

	"github.com/docscan/docscan/api"
	"github.com/docscan/docscan/api/entitle"
	"github.com/docscan/docscan/cmd/internal/version"
	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/pipeline/scan"
	"github.com/docscan/docscan/sync/outbox"
	"github.com/docscan/docscan/sync/uplink"
	"github.com/docscan/docscan/typedb"
)

func main() {
	// Without OMP_THREAD_LIMIT=1 a Tesseract read is about ten times
	// slower, and OpenMP reads it only as the library loads: start again
	// with it set rather than run slow.
	if err := ocr.RestartThreadLimited(); err != nil {
		fmt.Fprintln(os.Stderr, "docscand:", err)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the daemon; it returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	s, err := parseSettings(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "docscand:", err)
		return 2
	}
	if s.version {
		fmt.Fprintln(stdout, "docscand", version.String())
		return 0
	}
	level := new(slog.LevelVar)
	l, _ := parseLevel(s.logLevel)
	level.Set(l)
	var h slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	if s.logFormat == "json" {
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	}
	log := slog.New(h)

	if s.memoryLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		// The collector works harder as the heap nears it, instead of
		// letting garbage grow to twice the live heap: with large images
		// that is the difference between 300 MB and 600.
		debug.SetMemoryLimit(s.memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runDaemon(ctx, s, log, level); err != nil {
		log.Error("docscand stopped", "err", err)
		return 1
	}
	return 0
}

// daemon holds the running parts.
type daemon struct {
	s     *settings
	log   *slog.Logger
	level *slog.LevelVar
	start time.Time

	hw      *hardware
	typedbs *typedb.Store
	db      atomic.Pointer[typedb.DB]
	// typedbProblem is why the installed bundle is not in use; "" when it is
	// (or none is installed).
	typedbProblem atomic.Pointer[string]
	pool          *ocr.Pool
	engine        atomic.Pointer[pipeline.Engine]
	ob            *outbox.Outbox
	keys          *entitle.Store
	up            *uplink.Uplink
	srv           *api.Server
	scan          *scan.Scanner
	stats         *counters

	ready    chan struct{} // closed when every part runs
	serving  atomic.Bool   // the HTTP server is accepting
	uplinkUp atomic.Bool   // the uplink loop is running (when configured)
}

func runDaemon(ctx context.Context, s *settings, log *slog.Logger, level *slog.LevelVar) error {
	return newDaemon(s, log, level).run(ctx)
}

func newDaemon(s *settings, log *slog.Logger, level *slog.LevelVar) *daemon {
	return &daemon{s: s, log: log, level: level, start: time.Now(), stats: newCounters(), ready: make(chan struct{})}
}

// run starts every part, serves until ctx ends or a part fails, and stops
// them in order: HTTP and uplink first, then the outbox, the LEDs last.
func (d *daemon) run(ctx context.Context) (err error) {
	s, log := d.s, d.log
	log.Info("docscand starting", "version", version.Version, "commit", version.Commit, "hal", s.hal, "camera", s.camera)
	if !ocr.ThreadLimited() {
		log.Warn("OMP_THREAD_LIMIT is not 1: Tesseract will run several times slower")
	}
	if err := os.MkdirAll(s.data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}

	// The LEDs come first and go last: every exit path, a panic included,
	// passes through close, which switches them all off.
	d.hw, err = openHardware(ctx, s, log)
	if err != nil {
		return fmt.Errorf("hardware: %w", err)
	}
	defer func() {
		if r := recover(); r != nil {
			_ = d.hw.Close()
			panic(r)
		}
		if cerr := d.hw.Close(); cerr != nil {
			log.Error("closing hardware", "err", cerr)
		}
		log.Info("all LEDs off")
	}()

	if err := d.openTypeDB(); err != nil {
		return err
	}
	workers := s.workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if d.pool, err = ocr.NewPool(ocr.Options{Workers: workers}); err != nil {
		return fmt.Errorf("tesseract: %w", err)
	}
	defer d.pool.Close()
	if err := d.rebuildEngine(); err != nil {
		return err
	}

	pol, _ := outbox.ParsePolicy(s.outboxWhenFull)
	d.ob, err = outbox.Open(outbox.Options{
		Path: filepath.Join(s.data, outbox.FileName), MaxCount: s.outboxMaxCount, MaxBytes: s.outboxMaxBytes,
		WhenFull: pol, Retention: s.outboxRetention, TTL: s.outboxTTL, Images: s.images(), Logger: log,
	})
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer d.ob.Close() // after the uplink and the server have stopped: deferred first, runs last
	var aside string
	if d.keys, aside, err = entitle.OpenRecovering(entitle.Path(s.data), time.Now()); err != nil {
		return fmt.Errorf("api keys: %w", err)
	}
	if aside != "" {
		// loudly: every key added with docscan keys is gone until an
		// operator restores them; the -api-key keys work on
		log.Error("API key store was corrupt: set aside, started empty; re-add the keys (docscan keys add) or restore a copy",
			"set_aside", aside, "unlimited_keys", len(s.apiKeys))
	}

	d.scan = scan.New(scan.Options{Hardware: d.hw.Hardware, Engine: d.engine.Load, Log: log, OnScan: d.stats.scanned})
	defer d.scan.Close()
	if d.srv, err = d.newServer(); err != nil {
		return err
	}

	ln, err := listen(s.listen)
	if err != nil {
		return err
	}
	// The uplink exists before the server serves: /healthz and /metrics
	// read d.up.
	if len(s.mqtt) > 0 {
		if d.up, err = d.newUplink(); err != nil {
			return err
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 3)
	done := 0
	d.serving.Store(true)
	go func() {
		defer d.ledsOffOnPanic()
		err := d.srv.Serve(runCtx, ln)
		d.serving.Store(false)
		errc <- wrapErr("http", err)
	}()
	done++
	if d.up != nil {
		d.uplinkUp.Store(true)
		go func() {
			defer d.ledsOffOnPanic()
			err := d.up.Run(runCtx)
			d.uplinkUp.Store(false)
			errc <- wrapErr("uplink", err)
		}()
		done++
	}
	if d.hw.Presence != nil {
		go func() {
			defer d.ledsOffOnPanic()
			d.watchPresence(runCtx)
		}()
	}

	if _, err := sd.SdNotify(false, sd.SdNotifyReady); err != nil {
		log.Warn("systemd notify", "err", err)
	}
	go func() {
		defer d.ledsOffOnPanic()
		d.watchdog(runCtx)
	}()
	close(d.ready)
	log.Info("docscand ready", "listen", s.listen, "data", s.data, "typedb", d.db.Load().Version())

	var first error
	select {
	case <-ctx.Done():
		log.Info("stopping", "reason", context.Cause(ctx))
	case first = <-errc:
		done--
		if first == nil {
			first = errors.New("a part of the daemon stopped without an error")
		}
		log.Error("a part of the daemon stopped", "err", first)
	}
	_, _ = sd.SdNotify(false, sd.SdNotifyStopping)
	cancel()
	for ; done > 0; done-- {
		if err := <-errc; err != nil && !errors.Is(err, context.Canceled) && first == nil {
			first = err
		}
	}
	if first != nil && errors.Is(first, context.Canceled) {
		first = nil
	}
	return first
}

// ledsOffOnPanic, deferred first in every goroutine the daemon starts,
// switches the LEDs off before a panic ends the process: the lines would
// keep their levels after it dies.
func (d *daemon) ledsOffOnPanic() {
	if r := recover(); r != nil {
		_ = d.hw.Guard.Set(0)
		_ = d.hw.Close()
		panic(r)
	}
}

// wrapErr names the part an error came from; nil stays nil.
func wrapErr(part string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", part, err)
}

// listen takes the HTTP socket from systemd when the unit is socket
// activated, and opens addr otherwise.
func listen(addr string) (net.Listener, error) {
	lns, err := activation.Listeners()
	if err != nil {
		return nil, fmt.Errorf("systemd sockets: %w", err)
	}
	for _, ln := range lns {
		if ln != nil {
			return ln, nil
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return ln, nil
}

// openTypeDB loads the embedded database, the installed signed bundle
// above it, and the local override directory above both.
func (d *daemon) openTypeDB() error {
	trusted := make([]ed25519.PublicKey, 0, len(d.s.typedbTrust))
	for _, k := range d.s.typedbTrust {
		b, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return fmt.Errorf("-typedb-trusted-key %q: not a base64 ed25519 public key", k)
		}
		trusted = append(trusted, ed25519.PublicKey(b))
	}
	d.typedbs = &typedb.Store{Dir: filepath.Join(d.s.data, "typedb"), Trusted: trusted}
	return d.reloadTypeDB()
}

func (d *daemon) reloadTypeDB() error {
	db, inst, err := d.typedbs.Open()
	problem := ""
	if err != nil {
		// A bundle that no longer verifies (a key withdrawn, a damaged
		// file) must not keep the scanner down: fall back to the embedded
		// database and say so loudly, in health and the log.
		d.log.Error("installed typedb bundle refused; using the embedded database", "err", err)
		problem = "installed bundle refused, embedded database in use: " + err.Error()
		if db, err = typedb.Default(); err != nil {
			return fmt.Errorf("typedb: %w", err)
		}
	}
	if d.s.typedbDir != "" {
		layers, err := typedb.LoadDir(d.s.typedbDir)
		if err != nil {
			return fmt.Errorf("typedb %s: %w", d.s.typedbDir, err)
		}
		if db, err = db.With(layers...); err != nil {
			return fmt.Errorf("typedb %s: %w", d.s.typedbDir, err)
		}
	}
	if err := db.CheckBoard(d.hw.Profile, d.hw.Guard.Available()); err != nil {
		d.log.Warn("the board cannot make every light the document types ask for; their checks will be not done", "err", err)
	}
	d.db.Store(db)
	d.typedbProblem.Store(&problem)
	d.log.Info("typedb loaded", "version", db.Version(), "checksum", db.Checksum(), "types", len(db.Types()), "bundle", inst.SHA256)
	return nil
}

// rebuildEngine makes an engine over the current typedb; requests in
// flight finish on the engine they started with.
func (d *daemon) rebuildEngine() error {
	e, err := pipeline.New(d.db.Load(), d.pool, pipeline.Options{
		Logger:  d.log,
		Quality: d.s.quality,
		OnStage: func(stage pipeline.Stage, _ typedb.SideName, dur time.Duration) {
			if d.srv != nil {
				d.srv.ObserveStage(string(stage), dur)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	d.engine.Store(e)
	return nil
}
