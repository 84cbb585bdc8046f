package api

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
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

// upload is one file part, held in memory (at most the file limit).
type upload struct {
	filename string
	data     []byte
}

// form is a request's fields, read under limits.
type form struct {
	values map[string]string
	files  map[string]*upload
}

type formLimits struct {
	maxFile int64
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
			var buf bytes.Buffer
			n, err := buf.ReadFrom(io.LimitReader(part, lim.maxFile+1))
			if err != nil {
				return nil, bodyError(err, lim.maxFile)
			}
			if n > lim.maxFile {
				return nil, newError(http.StatusRequestEntityTooLarge, msgTooLarge(lim.maxFile))
			}
			filename := part.FileName()
			if n == 0 && filename == "" {
				continue // a browser's empty file input: not given
			}
			f.files[name] = &upload{filename: filename, data: buf.Bytes()}
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
	data          []byte
}

// checkType refuses an upload whose name or content is not JPEG or PNG.
// A JPEG named .png (or the reverse) passes: both are allowed, and the
// content decides how it is decoded.
func checkType(u *upload) *httpError {
	if !allowedExtension(u.filename) || sniffFormat(u.data) == "" {
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
	c := &checkedImage{field: field, format: sniffFormat(u.data), data: u.data}
	var cfg image.Config
	var err error
	switch c.format {
	case formatJPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(u.data))
	case formatPNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(u.data))
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, &httpError{status: http.StatusBadRequest, detail: msgUndecodable(field), cause: err}
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, newError(http.StatusBadRequest, msgTooManyPixels(field, cfg.Width, cfg.Height, maxPixels))
	}
	c.width, c.height = cfg.Width, cfg.Height
	return c, nil
}

// decode decodes the checked image.
func (c *checkedImage) decode() (image.Image, *httpError) {
	var img image.Image
	var err error
	switch c.format {
	case formatJPEG:
		img, err = jpeg.Decode(bytes.NewReader(c.data))
	case formatPNG:
		img, err = png.Decode(bytes.NewReader(c.data))
	}
	if err != nil {
		return nil, &httpError{status: http.StatusBadRequest, detail: msgUndecodable(c.field), cause: err}
	}
	if b := img.Bounds(); b.Dx() != c.width || b.Dy() != c.height {
		return nil, newError(http.StatusBadRequest, msgUndecodable(c.field))
	}
	return img, nil
}
