package ocr

import (
	"bytes"
	"context"
	"hash/maphash"
	"image"
	"sync"
)

// memo keeps the reads of one recognition: the engine's stages ask for
// some of the same crops in the same way (a field read while the side is
// read, and again while the sides' fields are merged), and Tesseract
// answers the same pixels with the same text. A hit is served only when
// the pixels, size and request are all equal, not on the hash alone;
// a failed read is not kept.
type memo struct {
	mu      sync.Mutex
	seed    maphash.Seed
	entries map[uint64][]*memoEntry
}

type memoEntry struct {
	req   Request
	words bool
	w, h  int
	pix   []byte // the rows, packed
	val   any    // Text, or []Word when words
}

type memoKey struct{}

// WithMemo returns a context under which the pool's reads of equal
// images with equal requests are recognised once: for the calls of one
// recognition. The memo holds a copy of every image read, and lives as
// long as the context.
func WithMemo(ctx context.Context) context.Context {
	if _, ok := ctx.Value(memoKey{}).(*memo); ok {
		return ctx
	}
	return context.WithValue(ctx, memoKey{}, &memo{seed: maphash.MakeSeed(), entries: map[uint64][]*memoEntry{}})
}

func memoOf(ctx context.Context) *memo {
	m, _ := ctx.Value(memoKey{}).(*memo)
	return m
}

// packed returns img's rows without the stride's slack (img itself when
// it has none).
func packed(img *image.Gray) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y)
	if img.Stride == w {
		return img.Pix[off : off+w*h]
	}
	out := make([]byte, 0, w*h)
	for y := range h {
		o := off + y*img.Stride
		out = append(out, img.Pix[o:o+w]...)
	}
	return out
}

func (m *memo) key(pix []byte, req Request, words bool) uint64 {
	var h maphash.Hash
	h.SetSeed(m.seed)
	h.WriteString(req.Languages)
	h.WriteByte(0)
	h.WriteString(req.Whitelist)
	h.WriteByte(byte(req.Mode))
	if req.Inverted {
		h.WriteByte(2)
	}
	if words {
		h.WriteByte(1)
	}
	h.Write(pix)
	return h.Sum64()
}

// lookup returns the entry for these pixels and request, if any.
func (m *memo) lookup(k uint64, pix []byte, w, h int, req Request, words bool) *memoEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.entries[k] {
		if e.req == req && e.words == words && e.w == w && e.h == h && bytes.Equal(e.pix, pix) {
			return e
		}
	}
	return nil
}

func (m *memo) store(k uint64, e *memoEntry) {
	// the caller's image may change after the read: keep a copy
	e.pix = bytes.Clone(e.pix)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[k] = append(m.entries[k], e)
}

// memoized is read(), or under a context of WithMemo the value kept of an
// equal read before (a copy by clone: the caller may change it).
func memoized[T any](ctx context.Context, img *image.Gray, req Request, words bool, read func() (T, error), clone func(T) T) (T, error) {
	m := memoOf(ctx)
	if m == nil {
		return read()
	}
	pix, w, h := packed(img), img.Rect.Dx(), img.Rect.Dy()
	k := m.key(pix, req, words)
	if e := m.lookup(k, pix, w, h, req, words); e != nil {
		return clone(e.val.(T)), nil
	}
	v, err := read()
	if err == nil {
		m.store(k, &memoEntry{req: req, words: words, w: w, h: h, pix: pix, val: clone(v)})
	}
	return v, err
}
