package outbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Image names the outbox knows; they are the keys of the API result's
// "images" object.
const (
	ImageFacePhoto = "face_photo"
	ImageFrontSide = "front_side_image"
	ImageBackSide  = "back_side_image"
)

// DefaultImages are the images kept, and so sent, when Options.Images is
// nil: both sides, but no face photo, since the cloud has the originals.
var DefaultImages = []string{ImageFrontSide, ImageBackSide}

// Entry is one result to store: an opaque JSON payload with its result_id,
// and optional image blobs by name.
type Entry struct {
	ResultID string
	Payload  []byte
	Images   map[string][]byte
}

// ErrInvalidEntry wraps every reason an Entry is refused before storage.
var ErrInvalidEntry = errors.New("outbox: invalid entry")

func (e Entry) validate() error {
	switch {
	case e.ResultID == "":
		return fmt.Errorf("%w: empty result_id", ErrInvalidEntry)
	case len(e.ResultID) > maxResultIDLen:
		return fmt.Errorf("%w: result_id longer than %d bytes", ErrInvalidEntry, maxResultIDLen)
	case !utf8.ValidString(e.ResultID):
		return fmt.Errorf("%w: result_id is not UTF-8", ErrInvalidEntry)
	case !json.Valid(e.Payload):
		return fmt.Errorf("%w: payload is not valid JSON", ErrInvalidEntry)
	case len(e.Images) > maxImages:
		return fmt.Errorf("%w: %d images, at most %d", ErrInvalidEntry, len(e.Images), maxImages)
	}
	for name := range e.Images {
		if name == "" || len(name) > maxImageNameLen {
			return fmt.Errorf("%w: image name %q", ErrInvalidEntry, name)
		}
	}
	return nil
}

// EntryFromResultJSON turns an API result (a JSON object carrying
// "result_id" and an "images" object of base64 strings) into an Entry: the
// images are decoded into blobs and blanked ("") in the payload, so that
// an image never travels or stays on disk unless Options.Images keeps it.
// The payload keeps the original key order.
func EntryFromResultJSON(result []byte) (Entry, error) {
	var e Entry
	dec := json.NewDecoder(bytes.NewReader(result))
	tok, err := dec.Token()
	if err != nil {
		return e, fmt.Errorf("%w: %w", ErrInvalidEntry, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return e, fmt.Errorf("%w: result is not a JSON object", ErrInvalidEntry)
	}
	imgStart, imgEnd := -1, -1
	var rawImages json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return e, fmt.Errorf("%w: %w", ErrInvalidEntry, err)
		}
		key, _ := tok.(string)
		valueFrom := int(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return e, fmt.Errorf("%w: value of %q: %w", ErrInvalidEntry, key, err)
		}
		switch key {
		case "result_id":
			if err := json.Unmarshal(raw, &e.ResultID); err != nil {
				return e, fmt.Errorf("%w: result_id is not a string", ErrInvalidEntry)
			}
		case "images":
			if imgStart >= 0 {
				return e, fmt.Errorf("%w: duplicate images key", ErrInvalidEntry)
			}
			imgEnd = int(dec.InputOffset())
			// The value begins after the colon that follows the key.
			colon := bytes.IndexByte(result[valueFrom:imgEnd], ':')
			if colon < 0 {
				return e, fmt.Errorf("%w: images value not found", ErrInvalidEntry)
			}
			imgStart = valueFrom + colon + 1
			rawImages = raw
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return e, fmt.Errorf("%w: %w", ErrInvalidEntry, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return e, fmt.Errorf("%w: trailing data after the result object", ErrInvalidEntry)
	}
	e.Payload = result
	if imgStart >= 0 && string(bytes.TrimSpace(rawImages)) != "null" {
		var imgs map[string]string
		if err := json.Unmarshal(rawImages, &imgs); err != nil {
			return e, fmt.Errorf("%w: images is not an object of strings", ErrInvalidEntry)
		}
		blank := make(map[string]string, len(imgs))
		for name, b64 := range imgs {
			blank[name] = ""
			if b64 == "" {
				continue
			}
			data, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return e, fmt.Errorf("%w: image %q is not base64", ErrInvalidEntry, name)
			}
			if e.Images == nil {
				e.Images = make(map[string][]byte, len(imgs))
			}
			e.Images[name] = data
		}
		blanked, err := json.Marshal(blank)
		if err != nil {
			return e, fmt.Errorf("%w: %w", ErrInvalidEntry, err)
		}
		p := make([]byte, 0, len(result)-(imgEnd-imgStart)+len(blanked))
		p = append(p, result[:imgStart]...)
		p = append(p, blanked...)
		p = append(p, result[imgEnd:]...)
		e.Payload = p
	}
	return e, e.validate()
}
