// Package ocr owns text recognition with Tesseract (through its C API): a
// pool of workers, each holding its own Tesseract clients, because a
// client is not goroutine-safe and loading a model costs far more than a
// read. It is the only package in docscan that needs cgo; built without
// cgo, NewPool reports ErrUnavailable.
package ocr

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"slices"
	"strings"
	"syscall"
)

// ErrUnavailable is returned when this build has no Tesseract (CGO_ENABLED=0)
// or the requested language model is not installed.
var ErrUnavailable = errors.New("tesseract unavailable")

// PageSegMode is Tesseract's page segmentation mode.
type PageSegMode int

// The modes docscan uses.
const (
	PSMAuto       PageSegMode = 3  // fully automatic page segmentation
	PSMBlock      PageSegMode = 6  // a single uniform block of text
	PSMSingleLine PageSegMode = 7  // a single text line
	PSMSingleWord PageSegMode = 8  // a single word
	PSMSparse     PageSegMode = 11 // sparse text, as much as can be found
)

// Request says how to read one image.
type Request struct {
	// Languages is a Tesseract language set such as "kaz+rus" or "eng".
	Languages string
	Mode      PageSegMode
	// Whitelist limits the characters Tesseract may return; "" allows all.
	Whitelist string
	// Inverted also reads each line Tesseract is unsure of as light print
	// on dark, keeping the likelier reading (Tesseract's own default). It
	// reads a line of noise twice; a value's cut, dark on light, does
	// without.
	Inverted bool
}

// LatinScript is the language of the project's own Latin-script model,
// built into the binary: Debian's model of every language written in
// Latin, diacritics included, without its word list (model/make-latin.sh
// makes it). It is read alone, not in a set with other languages.
const LatinScript = "Latin"

// Word is one recognised word with its box in the image's coordinates.
type Word struct {
	Text       string
	Box        image.Rectangle
	Confidence float64 // 0–100
	Line       int     // index of the text line the word belongs to, from 0
	// Symbols are the word's characters as Tesseract recognised them,
	// each with its own confidence: the LSTM's word confidence falls far
	// below its characters' on a word no word list holds (a name read
	// letter for letter at 98 may be a word at 24).
	Symbols []Symbol
}

// Symbol is one recognised character of a word.
type Symbol struct {
	Text       string
	Confidence float64 // 0–100
}

// Text is the result of reading an image.
type Text struct {
	Text       string  // recognised text, trimmed
	Confidence float64 // mean word confidence, 0–100
}

// client is one Tesseract instance for one language set. Implementations
// are not goroutine-safe; the pool hands each to one goroutine at a time.
type client interface {
	read(img *image.Gray, req Request) (Text, error)
	words(img *image.Gray, req Request) ([]Word, error)
	close()
}

// Options configure a Pool.
type Options struct {
	// Workers is the number of concurrent reads; each worker lazily loads
	// one client per language set it is asked for. Default 1.
	Workers int
	// TessdataPrefix overrides the directory of *.traineddata files.
	TessdataPrefix string
}

// worker owns one client per language set.
type worker struct {
	clients map[string]client
}

// Pool runs reads on a fixed number of workers.
type Pool struct {
	opts    Options
	workers chan *worker
	all     []*worker
}

// NewPool makes a pool of opts.Workers workers. It checks that Tesseract
// is available in this build.
//
// Tesseract's OpenMP threads fight each other on small images: with
// OMP_THREAD_LIMIT=1 a read is about ten times faster here. OpenMP reads
// the variable when the library loads, before main, so it must be in the
// process's environment from the start; see ThreadLimited.
func NewPool(opts Options) (*Pool, error) {
	if !available {
		return nil, fmt.Errorf("%w: built without cgo", ErrUnavailable)
	}
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	p := &Pool{opts: opts, workers: make(chan *worker, opts.Workers)}
	for range opts.Workers {
		w := &worker{clients: map[string]client{}}
		p.all = append(p.all, w)
		p.workers <- w
	}
	return p, nil
}

// ThreadLimited reports whether OMP_THREAD_LIMIT=1 is in the environment.
func ThreadLimited() bool { return os.Getenv("OMP_THREAD_LIMIT") == "1" }

// restartGuard marks a process that RestartThreadLimited started, so a
// failed restart is never tried again in a loop.
const restartGuard = "DOCSCAN_OMP_RESTARTED"

// RestartThreadLimited replaces the running program with itself, same
// arguments, with OMP_THREAD_LIMIT=1 added to its environment, unless
// that is set already. A program that reads with Tesseract calls it
// first thing in main (or TestMain): the variable cannot take effect
// later. It returns only when no restart was needed or the restart
// failed; the error says why, and the program may go on, slower.
func RestartThreadLimited() error {
	if ThreadLimited() || os.Getenv(restartGuard) != "" {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("ocr: restart with OMP_THREAD_LIMIT=1: %w", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		// the first of a name's entries is the one getenv finds
		if !strings.HasPrefix(kv, "OMP_THREAD_LIMIT=") {
			env = append(env, kv)
		}
	}
	env = append(env, "OMP_THREAD_LIMIT=1", restartGuard+"=1")
	if err := syscall.Exec(exe, os.Args, env); err != nil {
		return fmt.Errorf("ocr: restart with OMP_THREAD_LIMIT=1: %w", err)
	}
	return nil
}

// Workers returns the number of workers.
func (p *Pool) Workers() int { return p.opts.Workers }

// acquire waits for a free worker.
func (p *Pool) acquire(ctx context.Context) (*worker, error) {
	select {
	case w := <-p.workers:
		return w, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *Pool) release(w *worker) { p.workers <- w }

func (p *Pool) clientFor(w *worker, languages string) (client, error) {
	if languages == "" {
		languages = "eng"
	}
	if c, ok := w.clients[languages]; ok {
		return c, nil
	}
	c, err := newClient(strings.Split(languages, "+"), p.opts.TessdataPrefix)
	if err != nil {
		return nil, err
	}
	w.clients[languages] = c
	return c, nil
}

func checkImage(img *image.Gray) error {
	if img == nil || img.Rect.Dx() < 1 || img.Rect.Dy() < 1 {
		return errors.New("ocr: empty image")
	}
	return nil
}

// Read recognises the text of img. Under a context of WithMemo, an
// image read before in the same way is not read again.
func (p *Pool) Read(ctx context.Context, img *image.Gray, req Request) (Text, error) {
	if err := checkImage(img); err != nil {
		return Text{}, err
	}
	return memoized(ctx, img, req, false, func() (Text, error) { return p.read(ctx, img, req) }, func(t Text) Text { return t })
}

func (p *Pool) read(ctx context.Context, img *image.Gray, req Request) (Text, error) {
	w, err := p.acquire(ctx)
	if err != nil {
		return Text{}, err
	}
	defer p.release(w)
	c, err := p.clientFor(w, req.Languages)
	if err != nil {
		return Text{}, err
	}
	return c.read(img, req)
}

// Words recognises img and returns each word with its box. Under a
// context of WithMemo, an image read before in the same way is not read
// again (the words returned are the caller's own copy).
func (p *Pool) Words(ctx context.Context, img *image.Gray, req Request) ([]Word, error) {
	if err := checkImage(img); err != nil {
		return nil, err
	}
	return memoized(ctx, img, req, true, func() ([]Word, error) { return p.words(ctx, img, req) }, slices.Clone[[]Word])
}

func (p *Pool) words(ctx context.Context, img *image.Gray, req Request) ([]Word, error) {
	w, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer p.release(w)
	c, err := p.clientFor(w, req.Languages)
	if err != nil {
		return nil, err
	}
	return c.words(img, req)
}

// Close waits for every worker to finish and frees the clients.
func (p *Pool) Close() {
	for range p.all {
		w := <-p.workers
		for _, c := range w.clients {
			c.close()
		}
		w.clients = nil
	}
}
