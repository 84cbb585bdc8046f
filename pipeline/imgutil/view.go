package imgutil

import (
	"image"
	"sync"
)

// Buffers recycles the pixel buffers of the large images of a
// recognition (a frame converted to RGBA, its warp to the document's
// size, their luma): each is megabytes, and allocated afresh for every
// request they were most of the garbage the collector chased and most of
// the heap's swing. Buffers come back dirty: the functions that take
// them write every pixel. The zero value is ready; it is safe for
// concurrent use.
type Buffers struct {
	classes sync.Map // size class → *sync.Pool of *[]byte
}

// bufferClass is the granularity of the pools: a buffer of n bytes is
// taken from the pool of buffers of ceil(n/bufferClass) classes.
const bufferClass = 256 << 10

func (b *Buffers) pool(n int) (*sync.Pool, int) {
	c := (n + bufferClass - 1) / bufferClass
	p, ok := b.classes.Load(c)
	if !ok {
		p, _ = b.classes.LoadOrStore(c, new(sync.Pool))
	}
	return p.(*sync.Pool), c * bufferClass
}

// bytes returns a buffer of n bytes, not cleared.
func (b *Buffers) bytes(n int) []byte {
	if b == nil || n < bufferClass {
		return make([]byte, n)
	}
	p, size := b.pool(n)
	if v, ok := p.Get().(*[]byte); ok && cap(*v) >= n {
		return (*v)[:n]
	}
	return make([]byte, n, size)
}

// put gives a buffer back; buffers not from bytes are dropped.
func (b *Buffers) put(buf []byte) {
	if b == nil || cap(buf) < bufferClass || cap(buf)%bufferClass != 0 {
		return
	}
	p, _ := b.pool(cap(buf))
	buf = buf[:0]
	p.Put(&buf)
}

// rgba returns a w×h RGBA image with origin (0,0), not cleared.
func (b *Buffers) rgba(w, h int) *image.RGBA {
	return &image.RGBA{Pix: b.bytes(4 * w * h), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// gray returns a w×h grey image with origin (0,0), not cleared.
func (b *Buffers) gray(w, h int) *image.Gray {
	return &image.Gray{Pix: b.bytes(w * h), Stride: w, Rect: image.Rect(0, 0, w, h)}
}

// Release gives the pixels of images made by this Buffers back for
// reuse. The caller must hold no other reference to them.
func (b *Buffers) Release(imgs ...image.Image) {
	for _, img := range imgs {
		switch m := img.(type) {
		case *image.RGBA:
			if m != nil && m.Rect.Min == (image.Point{}) {
				b.put(m.Pix)
			}
		case *image.Gray:
			if m != nil && m.Rect.Min == (image.Point{}) {
				b.put(m.Pix)
			}
		}
	}
}

// View returns img itself when it is an *image.RGBA with origin (0,0),
// for reading only, and otherwise RGBA(img) with the pixels from b; owned
// reports which, so that only a copy is released.
func (b *Buffers) View(img image.Image) (view *image.RGBA, owned bool) {
	if m, ok := img.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m, false
	}
	return b.RGBA(img), true
}
