package api

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/docscan/docscan/pipeline/imgutil"
)

// Form fields.
const (
	fieldAPIKey  = "api_key"
	fieldFront   = "frontside_image"
	fieldBack    = "backside_image"
	fieldCountry = "country_code"
	fieldSide    = "side"
	fieldScanID  = "scan_id"
)

const (
	// maxValueBytes bounds a text field (api_key, country_code, ...).
	maxValueBytes = 4 << 10
	// maxParts bounds the parts of one body.
	maxParts = 32
	// maxURLEncodedBytes bounds an application/x-www-form-urlencoded body.
	maxURLEncodedBytes = 64 << 10
)

// upload is one file part, held in memory (at most the file limit) in
// chunks, so that reading it never holds a doubled buffer.
type upload struct {
	filename string
	data     []byte   // small uploads and tests: one piece
	chunks   [][]byte // streamed uploads
}

// size returns the upload's length.
func (u *upload) size() int64 {
	n := int64(len(u.data))
	for _, c := range u.chunks {
		n += int64(len(c))
	}
	return n
}

// reader reads the upload from its start.
func (u *upload) reader() io.Reader {
	if u.chunks == nil {
		return bytes.NewReader(u.data)
	}
	rs := make([]io.Reader, len(u.chunks))
	for i, c := range u.chunks {
		rs[i] = bytes.NewReader(c)
	}
	return io.MultiReader(rs...)
}

// head returns up to n leading bytes, for sniffing.
func (u *upload) head(n int) []byte {
	if u.chunks == nil {
		return u.data[:min(n, len(u.data))]
	}
	var out []byte
	for _, c := range u.chunks {
		if len(out) >= n {
			break
		}
		out = append(out, c[:min(n-len(out), len(c))]...)
	}
	return out
}

// uploadChunk is the unit in which uploads are read and budgeted.
const uploadChunk = 256 << 10

// readUpload reads a file part in chunks, reserving each chunk from the
// server's upload budget first. It answers 413 past maxFile and 503 when
// the budget is spent.
func readUpload(r io.Reader, maxFile int64, reserve func(int64) bool, retryAfter time.Duration) ([][]byte, *httpError) {
	var chunks [][]byte
	var total int64
	for {
		want := min(int64(uploadChunk), maxFile+1-total)
		if want <= 0 {
			return nil, newError(http.StatusRequestEntityTooLarge, msgTooLarge(maxFile))
		}
		if reserve != nil && !reserve(want) {
			return nil, &httpError{status: http.StatusServiceUnavailable, detail: MsgQueueFull, retryAfter: retryAfter}
		}
		buf := make([]byte, want)
		n, err := io.ReadFull(r, buf)
		total += int64(n)
		if n > 0 {
			chunks = append(chunks, buf[:n])
		}
		if total > maxFile {
			return nil, newError(http.StatusRequestEntityTooLarge, msgTooLarge(maxFile))
		}
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return chunks, nil
		case err != nil:
			return nil, bodyError(err, maxFile)
		}
	}
}

// form is a request's fields, read under limits.
type form struct {
	values map[string]string
	files  map[string]*upload
}

type formLimits struct {
	maxFile int64
	// reserve takes bytes from the server's upload budget; nil: no budget.
	reserve    func(int64) bool
	retryAfter time.Duration
	// fileFields are the fields read as files; any other field is a value
	// of at most maxValueBytes (a file part there is read as its value:
	// the contract types country_code as File).
	fileFields map[string]bool
}

// maxBody is the largest body readForm lets through: every file field at
// its limit plus room for the values and the multipart framing.
func (l formLimits) maxBody() int64 {
	return int64(len(l.fileFields))*l.maxFile + 1<<20
}

// readForm streams a multipart/form-data (or urlencoded) body, file by
// file, never holding more than the limits allow. onValue is called for
// each value field as soon as it is read, so a bad api_key sent before
// the files stops the upload; a non-nil answer aborts.
func readForm(w http.ResponseWriter, r *http.Request, lim formLimits, onValue func(name, value string) *httpError) (*form, *httpError) {
	f := &form{values: map[string]string{}, files: map[string]*upload{}}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, newError(http.StatusBadRequest, MsgNotForm)
	}
	switch mediaType {
	case "multipart/form-data":
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, maxURLEncodedBytes)
		if err := r.ParseForm(); err != nil {
			return nil, bodyError(err, maxURLEncodedBytes)
		}
		for name, vs := range r.PostForm {
			if len(vs) > 1 {
				return nil, newError(http.StatusBadRequest, "Field "+name+" given more than once")
			}
			v := strings.TrimSpace(vs[0])
			f.values[name] = v
			if e := onValue(name, v); e != nil {
				return nil, e
			}
		}
		return f, nil
	default:
		return nil, newError(http.StatusBadRequest, MsgNotForm)
	}

	r.Body = http.MaxBytesReader(w, r.Body, lim.maxBody())
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, newError(http.StatusBadRequest, MsgMalformedForm)
	}
	for parts := 0; ; parts++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return nil, bodyError(err, lim.maxFile)
		}
		if parts == maxParts {
			return nil, newError(http.StatusBadRequest, "Too many form fields")
		}
		name := part.FormName()
		_, seenValue := f.values[name]
		_, seenFile := f.files[name]
		if seenValue || seenFile {
			return nil, newError(http.StatusBadRequest, "Field "+name+" given more than once")
		}
		if lim.fileFields[name] {
			chunks, e := readUpload(part, lim.maxFile, lim.reserve, lim.retryAfter)
			if e != nil {
				return nil, e
			}
			filename := part.FileName()
			if len(chunks) == 0 && filename == "" {
				continue // a browser's empty file input: not given
			}
			f.files[name] = &upload{filename: filename, chunks: chunks}
			continue
		}
		if name == "" {
			if _, err := io.Copy(io.Discard, io.LimitReader(part, lim.maxFile+1)); err != nil {
				return nil, bodyError(err, lim.maxFile)
			}
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(part, maxValueBytes+1))
		if err != nil {
			return nil, bodyError(err, lim.maxFile)
		}
		if len(raw) > maxValueBytes {
			if !isKnownValue(name) {
				// An unknown field: skip it within the file limit.
				if _, err := io.Copy(io.Discard, io.LimitReader(part, lim.maxFile)); err != nil {
					return nil, bodyError(err, lim.maxFile)
				}
				continue
			}
			return nil, newError(http.StatusBadRequest, "Field "+name+" is too long")
		}
		v := strings.TrimSpace(string(raw))
		f.values[name] = v
		if e := onValue(name, v); e != nil {
			return nil, e
		}
	}
}

func isKnownValue(name string) bool {
	switch name {
	case fieldAPIKey, fieldCountry, fieldSide, fieldScanID:
		return true
	}
	return false
}

// bodyError classifies a failure to read the body.
func bodyError(err error, limit int64) *httpError {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &httpError{status: http.StatusRequestEntityTooLarge, detail: msgTooLarge(limit), cause: err}
	}
	return &httpError{status: http.StatusBadRequest, detail: MsgMalformedForm, cause: err}
}

// Image formats accepted, by magic bytes.
const (
	formatJPEG = "jpeg"
	formatPNG  = "png"
)

var (
	magicJPEG = []byte{0xFF, 0xD8, 0xFF}
	magicPNG  = []byte("\x89PNG\r\n\x1a\n")
)

// sniffFormat returns the format of data by its magic bytes, or "".
func sniffFormat(data []byte) string {
	switch {
	case bytes.HasPrefix(data, magicJPEG):
		return formatJPEG
	case bytes.HasPrefix(data, magicPNG):
		return formatPNG
	}
	return ""
}

// allowedExtension reports whether a file name ends in .jpg, .jpeg or
// .png, in any case.
func allowedExtension(filename string) bool {
	switch strings.ToLower(path.Ext(filename)) {
	case ".jpg", ".jpeg", ".png":
		return true
	}
	return false
}

// checkedImage is an upload whose type and dimensions are known and
// within limits; nothing has been decoded yet.
type checkedImage struct {
	field         string
	format        string
	width, height int
	upload        *upload
	// decodedBytes is width × height × channels × bytes per channel as
	// the decoder lays it out in model (decode.go).
	decodedBytes int64
	model        color.Model
	// maxPixels is the size the image is shrunk to before recognition,
	// when the decode budget asks (0: its own size).
	maxPixels int
}

// checkType refuses an upload whose name or content is not JPEG or PNG.
// A JPEG named .png (or the reverse) passes: both are allowed, and the
// content decides how it is decoded.
func checkType(u *upload) *httpError {
	if !allowedExtension(u.filename) || sniffFormat(u.head(len(magicPNG))) == "" {
		return newError(http.StatusUnsupportedMediaType, MsgNotAllowedFile)
	}
	return nil
}

// checkImage reads only the image header and refuses an image over
// maxPixels before anything is decoded, so a decompression bomb costs
// nothing.
func checkImage(field string, u *upload, maxPixels int64) (*checkedImage, *httpError) {
	if e := checkType(u); e != nil {
		return nil, e
	}
	c := &checkedImage{field: field, format: sniffFormat(u.head(len(magicPNG))), upload: u}
	var cfg image.Config
	var err error
	switch c.format {
	case formatJPEG:
		cfg, err = jpeg.DecodeConfig(u.reader())
	case formatPNG:
		cfg, err = png.DecodeConfig(u.reader())
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, &httpError{status: http.StatusBadRequest, detail: msgUndecodable(field), cause: err}
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, newError(http.StatusBadRequest, msgTooManyPixels(field, cfg.Width, cfg.Height, maxPixels))
	}
	c.width, c.height = cfg.Width, cfg.Height
	bpp, _ := decodedLayout(cfg.ColorModel)
	c.decodedBytes, c.model = int64(cfg.Width)*int64(cfg.Height)*bpp, cfg.ColorModel
	return c, nil
}

// decode decodes the checked image.
func (c *checkedImage) decode() (image.Image, *httpError) {
	var img image.Image
	var err error
	// 8-bit, shrunk when the budget asks (so that recognition's copies
	// and the upright turn are of that size, as decodeCost counts), then
	// upright by its EXIF orientation
	var w, h int
	img, _, w, h, err = imgutil.DecodeWith(c.upload.reader(), func(raw image.Image) image.Image {
		if c.maxPixels > 0 {
			return imgutil.ViewAtMost(to8Bit(raw), c.maxPixels)
		}
		return to8Bit(raw)
	})
	if err != nil {
		return nil, &httpError{status: http.StatusBadRequest, detail: msgUndecodable(c.field), cause: err}
	}
	if (w != c.width || h != c.height) && (w != c.height || h != c.width) {
		return nil, newError(http.StatusBadRequest, msgUndecodable(c.field))
	}
	return img, nil
}
