//go:build cgo

package ocr

// #cgo LDFLAGS: -ltesseract -lleptonica
// #include <stdlib.h>
// #include <string.h>
// #include <malloc.h>
//
// static size_t heap_in_use(void) { return mallinfo2().uordblks; }
// #include <tesseract/capi.h>
// #include <leptonica/allheaders.h>
//
// // quiet_messages sends Tesseract's tprintf output to /dev/null through
// // its own debug_file variable (a process-wide parameter, settable on
// // any instance) and mutes Leptonica's messages: neither library may
// // write to the process's stderr, and fd 2 itself is never touched.
// static int quiet_messages(void) {
//     setMsgSeverity(L_SEVERITY_NONE);
//     TessBaseAPI* h = TessBaseAPICreate();
//     int ok = TessBaseAPISetVariable(h, "debug_file", "/dev/null");
//     TessBaseAPIDelete(h);
//     return ok;
// }
//
// // read_text recognises the image set on api and returns a malloc'd copy
// // of the text, freeing Tesseract's own buffer (TessBaseAPIGetUTF8Text
// // hands over ownership; not freeing it leaks per read).
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
// // leaky_text does what read_text does but drops Tesseract's text and a
// // result iterator without freeing them, as gosseract's Text and
// // GetBoundingBoxes did: the leak test's control, proving it can see a
// // leak of that size.
// static int leaky_text(void* api) {
//     TessBaseAPI* h = (TessBaseAPI*)api;
//     char* t = TessBaseAPIGetUTF8Text(h);
//     TessBaseAPIMeanTextConf(h);
//     return t != NULL && TessBaseAPIGetIterator(h) != NULL;
// }
//
// typedef struct {
//     int l, t, r, b; float conf; int line; char* text;
//     int nsym; char** sym; float* symconf;
// } word_t;
//
// // read_symbols fills w's symbols (characters) and their own
// // confidences from a copy of ri, which stands at w's first symbol.
// static void read_symbols(TessResultIterator* ri, word_t* w) {
//     w->nsym = 0; w->sym = NULL; w->symconf = NULL;
//     TessResultIterator* si = TessResultIteratorCopy(ri);
//     if (si == NULL) return;
//     const TessPageIterator* spi = TessResultIteratorGetPageIterator(si);
//     int cap = 16;
//     w->sym = malloc(cap * sizeof(char*));
//     w->symconf = malloc(cap * sizeof(float));
//     do {
//         char* t = TessResultIteratorGetUTF8Text(si, RIL_SYMBOL);
//         if (t != NULL) {
//             if (w->nsym == cap) {
//                 cap *= 2;
//                 w->sym = realloc(w->sym, cap * sizeof(char*));
//                 w->symconf = realloc(w->symconf, cap * sizeof(float));
//             }
//             size_t len = strlen(t);
//             w->sym[w->nsym] = malloc(len + 1);
//             memcpy(w->sym[w->nsym], t, len + 1);
//             w->symconf[w->nsym] = TessResultIteratorConfidence(si, RIL_SYMBOL);
//             w->nsym++;
//             TessDeleteText(t);
//         }
//         if (TessPageIteratorIsAtFinalElement(spi, RIL_WORD, RIL_SYMBOL)) break;
//     } while (TessResultIteratorNext(si, RIL_SYMBOL));
//     TessResultIteratorDelete(si);
// }
//
// // read_words recognises the image set on api and returns its words; the
// // caller frees each text, each symbol, the symbol arrays and the array.
// // The iterator is deleted here.
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
//         read_symbols(ri, w);
//         (*n)++;
//     } while (TessResultIteratorNext(ri, RIL_WORD));
//     TessResultIteratorDelete(ri);
//     return out;
// }
import "C"

import (
	"fmt"
	"image"
	"strings"
	"sync"
	"unsafe"
)

const available = true

// tessClient is one Tesseract instance driven through the C API alone:
// no PNG round trip for pixels, every buffer Tesseract returns freed, and
// nothing that swaps the process's file descriptors.
type tessClient struct {
	handle    *C.TessBaseAPI
	whitelist string // the whitelist set on handle
	inverted  bool   // whether tessedit_do_invert is set on handle
}

var (
	// createMu serialises client creation: Init is where Tesseract says
	// most, and its tprintf opens debug_file lazily without a lock, so the
	// first message (the warm-up's) must not race another.
	createMu sync.Mutex
	quietErr error
	quiet    sync.Once
)

func newClient(languages []string, tessdataPrefix string) (client, error) {
	createMu.Lock()
	defer createMu.Unlock()
	quiet.Do(func() {
		if C.quiet_messages() == 0 {
			quietErr = fmt.Errorf("%w: Tesseract has no debug_file variable", ErrUnavailable)
		}
	})
	if quietErr != nil {
		return nil, quietErr
	}
	h := C.TessBaseAPICreate()
	if h == nil {
		return nil, fmt.Errorf("%w: cannot create a Tesseract instance", ErrUnavailable)
	}
	lang := C.CString(strings.Join(languages, "+"))
	defer C.free(unsafe.Pointer(lang))
	var prefix *C.char
	if tessdataPrefix != "" {
		prefix = C.CString(tessdataPrefix)
		defer C.free(unsafe.Pointer(prefix))
	}
	var initErr C.int
	if len(languages) == 1 && languages[0] == LatinScript {
		initErr = C.TessBaseAPIInit5(h, (*C.char)(unsafe.Pointer(&latinModel[0])), C.int(len(latinModel)), lang,
			C.OEM_DEFAULT, nil, 0, nil, nil, 0, 0)
	} else {
		initErr = C.TessBaseAPIInit3(h, prefix, lang)
	}
	if initErr != 0 {
		C.TessBaseAPIDelete(h)
		return nil, fmt.Errorf("%w: load %s", ErrUnavailable, strings.Join(languages, "+"))
	}
	c := &tessClient{handle: h}
	// Keep spaces between words as Tesseract prints them.
	if err := c.setVariable("preserve_interword_spaces", "1"); err != nil {
		c.close()
		return nil, err
	}
	// Tesseract 5 reads every line it is unsure of a second time,
	// inverted, unless told not to (Request.Inverted false): the state
	// kept in c.inverted must be the instance's.
	if err := c.setVariable("tessedit_do_invert", "0"); err != nil {
		c.close()
		return nil, err
	}
	// A first read on a blank pixel: it loads what Init left lazy, and any
	// message Tesseract prints (opening debug_file) happens under createMu.
	blank := image.NewGray(image.Rect(0, 0, 1, 1))
	blank.Pix[0] = 255
	if _, err := c.read(blank, Request{Mode: PSMSingleLine}); err != nil {
		c.close()
		return nil, fmt.Errorf("%w: load %s: %v", ErrUnavailable, strings.Join(languages, "+"), err)
	}
	return c, nil
}

func (c *tessClient) setVariable(name, value string) error {
	n, v := C.CString(name), C.CString(value)
	defer C.free(unsafe.Pointer(n))
	defer C.free(unsafe.Pointer(v))
	if C.TessBaseAPISetVariable(c.handle, n, v) == 0 {
		return fmt.Errorf("ocr: Tesseract has no variable %s", name)
	}
	return nil
}

// prepare sets the mode, whitelist, inversion and image for the next
// recognition.
func (c *tessClient) prepare(img *image.Gray, req Request) error {
	C.TessBaseAPISetPageSegMode(c.handle, C.TessPageSegMode(req.Mode))
	// Set only on change: Tesseract rebuilds its character filter on
	// every set.
	if req.Whitelist != c.whitelist {
		if err := c.setVariable("tessedit_char_whitelist", req.Whitelist); err != nil {
			return err
		}
		c.whitelist = req.Whitelist
	}
	if req.Inverted != c.inverted {
		v := "0"
		if req.Inverted {
			v = "1"
		}
		if err := c.setVariable("tessedit_do_invert", v); err != nil {
			return err
		}
		c.inverted = req.Inverted
	}
	// Tesseract copies the pixels, so a Go slice may be passed for the
	// duration of the call.
	pix := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y):]
	C.TessBaseAPISetImage(c.handle, (*C.uchar)(unsafe.Pointer(&pix[0])),
		C.int(img.Rect.Dx()), C.int(img.Rect.Dy()), 1, C.int(img.Stride))
	// Zones are cut at about 300 dpi; saying so keeps Tesseract from
	// guessing a resolution and rescaling.
	C.TessBaseAPISetSourceResolution(c.handle, 300)
	return nil
}

func (c *tessClient) read(img *image.Gray, req Request) (Text, error) {
	if err := c.prepare(img, req); err != nil {
		return Text{}, err
	}
	var conf C.int
	t := C.read_text(unsafe.Pointer(c.handle), &conf)
	if t == nil {
		return Text{}, fmt.Errorf("ocr: recognition failed")
	}
	defer C.free(unsafe.Pointer(t))
	return Text{Text: strings.TrimSpace(C.GoString(t)), Confidence: float64(conf)}, nil
}

// readLeaking reads img and leaks Tesseract's text buffer: the control of
// the leak test and the benchmark.
func (c *tessClient) readLeaking(img *image.Gray, mode PageSegMode) error {
	if err := c.prepare(img, Request{Mode: mode}); err != nil {
		return err
	}
	if C.leaky_text(unsafe.Pointer(c.handle)) == 0 {
		return fmt.Errorf("ocr: recognition failed")
	}
	return nil
}

func (c *tessClient) words(img *image.Gray, req Request) ([]Word, error) {
	if err := c.prepare(img, req); err != nil {
		return nil, err
	}
	var n C.int
	arr := C.read_words(unsafe.Pointer(c.handle), &n)
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
		symbols := takeSymbols(w)
		if strings.TrimSpace(text) == "" {
			continue
		}
		out = append(out, Word{
			Text:       text,
			Box:        image.Rect(int(w.l), int(w.t), int(w.r), int(w.b)).Add(off),
			Confidence: float64(w.conf),
			Line:       int(w.line),
			Symbols:    symbols,
		})
	}
	return out, nil
}

// takeSymbols copies w's symbols and frees Tesseract's copies.
func takeSymbols(w *C.word_t) []Symbol {
	if w.sym == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(w.sym))
	defer C.free(unsafe.Pointer(w.symconf))
	texts := unsafe.Slice(w.sym, int(w.nsym))
	confs := unsafe.Slice(w.symconf, int(w.nsym))
	out := make([]Symbol, len(texts))
	for i, t := range texts {
		out[i] = Symbol{Text: C.GoString(t), Confidence: float64(confs[i])}
		C.free(unsafe.Pointer(t))
	}
	return out
}

func (c *tessClient) close() {
	if c.handle != nil {
		C.TessBaseAPIEnd(c.handle)
		C.TessBaseAPIDelete(c.handle)
		c.handle = nil
	}
}

// cHeapInUse returns the bytes the C heap has handed out and not taken
// back; tests use it to see leaks exactly, where RSS is noisy.
func cHeapInUse() int64 { return int64(C.heap_in_use()) }
