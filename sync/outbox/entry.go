package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
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
