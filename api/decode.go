package api

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"net/http"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/docscan/docscan/pipeline/imgutil"
)

// Decoding is budgeted in bytes, not pixels: a 16-bit RGBA PNG of 40 MP
// passes a pixel limit and decodes to 320 MB. Each image's decoded size is
// known from its header (width × height × channels × bytes per channel, as
// image/png and image/jpeg lay it out); one image over MaxDecodeBytes is
// refused before decoding, and all recognitions together hold at most
// DecodeMemory of decoded images and their working copies: a request
// waits for its share, within RequestTimeout, or gets 503.

// decodedLayout is how many bytes a pixel of the decoded image takes and
// whether its channels are 16-bit.
func decodedLayout(m color.Model) (bytesPerPixel int64, sixteen bool) {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1, false
	case color.Gray16Model, color.Alpha16Model:
		return 2, true
	case color.YCbCrModel:
		return 3, false // 4:4:4 at most
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4, false
	case color.RGBA64Model, color.NRGBA64Model:
		return 8, true
	}
	if _, ok := m.(color.Palette); ok {
		return 1, false
	}
	return 8, true // unknown: assume the worst
}

// ImageCost is what decoding and recognising an image of w×h pixels,
// decoded in color model m, holds at most: the decoded image, the 8-bit
// copy a 16-bit one is converted to, and the working copies recognition
// makes (workBytesPerPixel). It is what each image takes of DecodeMemory
// when it is recognised at its own size.
func ImageCost(w, h int, m color.Model) int64 { return imageCostAt(w, h, m, 0) }

// imageCostAt is ImageCost for an image shrunk to at most maxPixels
// before recognition (0: not shrunk): its working copies are of the
// shrunk size.
func imageCostAt(w, h int, m color.Model, maxPixels int) int64 {
	bpp, sixteen := decodedLayout(m)
	px := int64(w) * int64(h)
	ww, wh := imgutil.ShrunkSize(w, h, maxPixels)
	cost := px*bpp + int64(ww)*int64(wh)*workBytesPerPixel
	if sixteen {
		cost += px * bpp / 2
	}
	return cost
}

// minShrinkPixels is the least a frame is shrunk to for the decode
// budget: at 2 MP a card filling 15 % of the frame is still at about
// 200 dpi, above the 150 an MRZ needs.
const minShrinkPixels = 2_000_000

// fitBudget says at what size a request's images are recognised: at
// their own (maxPixels 0) when that fits total, else shrunk to the
// largest maxPixels, not under minShrinkPixels, that fits; ok is false
// when even that does not fit. Shrinking only what must be keeps every
// image that fitted at its own size exactly as it was read before.
func fitBudget(imgs []*checkedImage, total int64) (maxPixels int, cost int64, ok bool) {
	costAt := func(m int) int64 {
		var c int64
		for _, im := range imgs {
			c += imageCostAt(im.width, im.height, im.model, m)
		}
		return c
	}
	if c := costAt(0); c <= total {
		return 0, c, true
	}
	if c := costAt(minShrinkPixels); c > total {
		return 0, costAt(0), false
	}
	lo, hi := minShrinkPixels, 0 // the largest frame that fits lies in [lo, hi)
	for _, im := range imgs {
		hi = max(hi, im.width*im.height)
	}
	for hi-lo > 10_000 {
		mid := lo + (hi-lo)/2
		if costAt(mid) <= total {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, costAt(lo), true
}

func (c *checkedImage) decodeCost() int64 {
	return imageCostAt(c.width, c.height, c.model, c.maxPixels)
}

// workBytesPerPixel is what recognition holds per input pixel besides the
// decoded image (its working copies, grey and scaled versions). Measured
// with BenchmarkWorstImageMemory in cmd/docscand, daemon RSS above idle
// (33 MiB), one image at a time: a 10.4 MP 8-bit RGBA PNG took 260 MiB
// (25 B/px, 4 of them decoded), a 7.5 MP 16-bit one 215 MiB (29 B/px, 12
// decoded and converted): 17-21 besides the decoded image. A request
// over the budget at its own size is shrunk (fitBudget), its working
// copies then of the shrunk size.
const workBytesPerPixel = 20

// decodeBudget is the shared budget; a nil one admits everything.
type decodeBudget struct {
	total int64
	sem   *semaphore.Weighted
}

func newDecodeBudget(total int64) *decodeBudget {
	return &decodeBudget{total: total, sem: semaphore.NewWeighted(total)}
}

// budget is the whole budget's bytes.
func (b *decodeBudget) budget() int64 { return b.total }

// acquire takes cost bytes of the budget, waiting until ctx ends; the
// returned release gives them back.
func (b *decodeBudget) acquire(ctx context.Context, cost int64, retryAfter time.Duration) (func(), *httpError) {
	if cost > b.total {
		// checkImage refuses one image over MaxDecodeBytes; two that
		// together exceed the whole budget cannot wait for it.
		return nil, newError(http.StatusBadRequest, msgDecodeMemory(cost, b.total))
	}
	if err := b.sem.Acquire(ctx, cost); err != nil {
		return nil, &httpError{status: http.StatusServiceUnavailable, detail: MsgQueueFull, retryAfter: retryAfter, cause: err}
	}
	return func() { b.sem.Release(cost) }, nil
}

// checkDecodedSize refuses an image whose decoded bytes exceed the
// limit, before anything is decoded.
func (c *checkedImage) checkDecodedSize(limit int64) *httpError {
	if c.decodedBytes > limit {
		return newError(http.StatusBadRequest, msgTooManyBytes(c.field, c.width, c.height, c.decodedBytes, limit))
	}
	return nil
}

func msgDecodeMemory(cost, total int64) string {
	return fmt.Sprintf("The images need %d MiB to decode and recognise, this device has %d MiB for it", cost>>20, total>>20)
}

func msgTooManyBytes(field string, w, h int, n, limit int64) string {
	return fmt.Sprintf("Image at %s field (%d×%d) would take %d bytes decoded, limit is %d", field, w, h, n, limit)
}

// to8Bit converts a 16-bit decoded image to 8 bits a channel, so that
// only the 8-bit copy lives on through recognition.
func to8Bit(img image.Image) image.Image {
	b := img.Bounds()
	switch img.(type) {
	case *image.Gray16, *image.Alpha16:
		out := image.NewGray(b)
		draw.Draw(out, b, img, b.Min, draw.Src)
		return out
	case *image.RGBA64, *image.NRGBA64:
		out := image.NewNRGBA(b)
		draw.Draw(out, b, img, b.Min, draw.Src)
		return out
	}
	return img
}
