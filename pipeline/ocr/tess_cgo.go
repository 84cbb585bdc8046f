//go:build cgo

package ocr

// #cgo LDFLAGS: -ltesseract
// #include <stdlib.h>
// #include <string.h>
// #include <malloc.h>
//
// static size_t heap_in_use(void) { return mallinfo2().uordblks; }
// #include <tesseract/capi.h>
//
// // read_text recognises the image set on api and returns a malloc'd copy
// // of the text, freeing Tesseract's own buffer: gosseract's Text() never
// // frees it, which leaks a few hundred bytes to kilobytes per call.
// static char* read_text(void* api, int* conf) {
//     TessBaseAPI* h = (TessBaseAPI*)api;
//     char* t = TessBaseAPIGetUTF8Text(h);
//     *conf = TessBaseAPIMeanTextConf(h);
//     if (t == NULL) return NULL;
//     size_t n = strlen(t);
//     char* out = malloc(n + 1);
//     if (out != NULL) memcpy(out, t, n + 1);
//     TessDeleteText(t);
//     return out;
// }
//
// typedef struct { int l, t, r, b; float conf; int line; char* text; } word_t;
//
// // read_words recognises the image set on api and returns its words; the
// // caller frees each text and the array. The iterator is deleted here
// // (gosseract's GetBoundingBoxes leaks it too).
// static word_t* read_words(void* api, int* n) {
//     TessBaseAPI* h = (TessBaseAPI*)api;
//     *n = 0;
//     if (TessBaseAPIRecognize(h, NULL) != 0) return NULL;
//     TessResultIterator* ri = TessBaseAPIGetIterator(h);
//     if (ri == NULL) return NULL;
//     const TessPageIterator* pi = TessResultIteratorGetPageIterator(ri);
//     int cap = 64, line = -1;
//     word_t* out = malloc(cap * sizeof(word_t));
//     do {
//         if (TessPageIteratorIsAtBeginningOf(pi, RIL_TEXTLINE)) line++;
//         char* t = TessResultIteratorGetUTF8Text(ri, RIL_WORD);
//         if (t == NULL) continue;
//         if (*n == cap) { cap *= 2; out = realloc(out, cap * sizeof(word_t)); }
//         word_t* w = &out[*n];
//         TessPageIteratorBoundingBox(pi, RIL_WORD, &w->l, &w->t, &w->r, &w->b);
//         w->conf = TessResultIteratorConfidence(ri, RIL_WORD);
//         w->line = line < 0 ? 0 : line;
//         size_t len = strlen(t);
//         w->text = malloc(len + 1);
//         memcpy(w->text, t, len + 1);
//         TessDeleteText(t);
//         (*n)++;
//     } while (TessResultIteratorNext(ri, RIL_WORD));
//     TessResultIteratorDelete(ri);
//     return out;
// }
import "C"

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"reflect"
	"strings"
	"unsafe"

	"github.com/otiai10/gosseract/v2"
)

const available = true

// tessClient drives one gosseract client. gosseract creates and
// initialises the Tesseract instance and sets its variables and page
// segmentation mode; the image and the results go through Tesseract's C
// API on the same instance, so pixels need no PNG round trip and every
// buffer Tesseract returns is freed.
type tessClient struct {
	gc     *gosseract.Client
	handle unsafe.Pointer
}

// apiOffset is where gosseract.Client keeps its TessBaseAPI pointer.
var apiOffset, apiOffsetOK = func() (uintptr, bool) {
	f, ok := reflect.TypeOf(gosseract.Client{}).FieldByName("api")
	if !ok || f.Type.Kind() != reflect.UnsafePointer {
		return 0, false
	}
	return f.Offset, true
}()

// blankPNG is the 1×1 image of the warm-up read that makes gosseract
// initialise the instance.
var blankPNG = func() []byte {
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	img.Pix[0] = 255
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}()

func newClient(languages []string, tessdataPrefix string) (client, error) {
	if !apiOffsetOK {
		return nil, fmt.Errorf("%w: unsupported gosseract version (no api handle)", ErrUnavailable)
	}
	gc := gosseract.NewClient()
	if err := gc.SetLanguage(languages...); err != nil {
		gc.Close()
		return nil, fmt.Errorf("ocr: languages %v: %w", languages, err)
	}
	if tessdataPrefix != "" {
		if err := gc.SetTessdataPrefix(tessdataPrefix); err != nil {
			gc.Close()
			return nil, fmt.Errorf("ocr: tessdata %s: %w", tessdataPrefix, err)
		}
	}
	// Keep spaces between words as Tesseract prints them.
	if err := gc.SetVariable("preserve_interword_spaces", "1"); err != nil {
		gc.Close()
		return nil, fmt.Errorf("ocr: %w", err)
	}
	if err := gc.SetImageFromBytes(blankPNG); err != nil {
		gc.Close()
		return nil, fmt.Errorf("ocr: %w", err)
	}
	if _, err := gc.Text(); err != nil {
		gc.Close()
		return nil, fmt.Errorf("%w: load %s: %v", ErrUnavailable, strings.Join(languages, "+"), err)
	}
	handle := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(gc), apiOffset))
	if handle == nil {
		gc.Close()
		return nil, fmt.Errorf("%w: no Tesseract instance", ErrUnavailable)
	}
	return &tessClient{gc: gc, handle: handle}, nil
}

// prepare sets the mode, whitelist and image for the next recognition.
func (c *tessClient) prepare(img *image.Gray, mode PageSegMode, whitelist string) error {
	if err := c.gc.SetPageSegMode(gosseract.PageSegMode(mode)); err != nil {
		return fmt.Errorf("ocr: page segmentation mode %d: %w", mode, err)
	}
	if err := c.gc.SetWhitelist(whitelist); err != nil {
		return fmt.Errorf("ocr: whitelist: %w", err)
	}
	// Tesseract copies the pixels, so a Go slice may be passed for the
	// duration of the call.
	pix := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y):]
	C.TessBaseAPISetImage((*C.TessBaseAPI)(c.handle), (*C.uchar)(unsafe.Pointer(&pix[0])),
		C.int(img.Rect.Dx()), C.int(img.Rect.Dy()), 1, C.int(img.Stride))
	// Zones are cut at about 300 dpi; saying so keeps Tesseract from
	// guessing a resolution and rescaling.
	C.TessBaseAPISetSourceResolution((*C.TessBaseAPI)(c.handle), 300)
	return nil
}

func (c *tessClient) read(img *image.Gray, mode PageSegMode, whitelist string) (Text, error) {
	if err := c.prepare(img, mode, whitelist); err != nil {
		return Text{}, err
	}
	var conf C.int
	t := C.read_text(c.handle, &conf)
	if t == nil {
		return Text{}, fmt.Errorf("ocr: recognition failed")
	}
	defer C.free(unsafe.Pointer(t))
	return Text{Text: strings.TrimSpace(C.GoString(t)), Confidence: float64(conf)}, nil
}

func (c *tessClient) words(img *image.Gray, mode PageSegMode, whitelist string) ([]Word, error) {
	if err := c.prepare(img, mode, whitelist); err != nil {
		return nil, err
	}
	var n C.int
	arr := C.read_words(c.handle, &n)
	if arr == nil {
		return nil, nil
	}
	defer C.free(unsafe.Pointer(arr))
	ws := unsafe.Slice(arr, int(n))
	out := make([]Word, 0, len(ws))
	off := img.Rect.Min
	for i := range ws {
		w := &ws[i]
		text := C.GoString(w.text)
		C.free(unsafe.Pointer(w.text))
		if strings.TrimSpace(text) == "" {
			continue
		}
		out = append(out, Word{
			Text:       text,
			Box:        image.Rect(int(w.l), int(w.t), int(w.r), int(w.b)).Add(off),
			Confidence: float64(w.conf),
			Line:       int(w.line),
		})
	}
	return out, nil
}

func (c *tessClient) close() {
	_ = c.gc.Close()
}

// cHeapInUse returns the bytes the C heap has handed out and not taken
// back; tests use it to see leaks exactly, where RSS is noisy.
func cHeapInUse() int64 { return int64(C.heap_in_use()) }
