package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for the photos a Dir camera serves
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/docscan/docscan/hal"
)

// Dir is a camera that serves the image files (PNG, JPEG) of a folder in
// name order, one per Capture, starting over after the last. It is for
// bench work with real photos: name them so that the order matches the
// lights the sequencer switches (see lights.Plan), e.g. 1-white.jpg,
// 2-ir.jpg, 3-uv.jpg for White_Top|IR_Top|UV.
//
// The folder is listed again when the end is reached, so files may be
// added while the daemon runs.
type Dir struct {
	dir    string
	decode DecodeFunc

	mu       sync.Mutex
	files    []string
	next     int
	seq      uint64
	exposure int
	closed   bool
}

var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true}

// DecodeFunc decodes an image file. The daemon gives the Dir camera
// recognition's own decoder, which turns a photo upright by its EXIF
// orientation; camera itself knows nothing of recognition.
type DecodeFunc func(io.Reader) (image.Image, error)

// NewDir returns a camera serving the images in dir, decoded by decode
// (nil: image.Decode, the pixels as stored). The folder must hold at
// least one image.
func NewDir(dir string, decode DecodeFunc) (*Dir, error) {
	if decode == nil {
		decode = func(r io.Reader) (image.Image, error) {
			img, _, err := image.Decode(r)
			return img, err
		}
	}
	d := &Dir{dir: dir, decode: decode}
	if err := d.list(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Dir) list() error {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return fmt.Errorf("dir camera: %w", err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && imageExts[strings.ToLower(filepath.Ext(e.Name()))] {
			files = append(files, e.Name())
		}
	}
	if len(files) == 0 {
		return fmt.Errorf("dir camera: no .png or .jpg images in %s", d.dir)
	}
	sort.Strings(files)
	d.files = files
	return nil
}

// Configure implements hal.Camera: the format is that of the next image;
// the size asked for is ignored, as a fixed-size camera would.
func (d *Dir) Configure(ctx context.Context, want hal.Format) (hal.Format, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return hal.Format{}, hal.ErrClosed
	}
	name := d.files[d.next%len(d.files)]
	f, err := os.Open(filepath.Join(d.dir, name))
	if err != nil {
		return hal.Format{}, fmt.Errorf("dir camera: %w", err)
	}
	defer f.Close()
	_, kind, err := image.DecodeConfig(f)
	if err != nil {
		return hal.Format{}, fmt.Errorf("dir camera: %s: %w", name, err)
	}
	// the size as decoded: an EXIF orientation may swap width and height
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return hal.Format{}, fmt.Errorf("dir camera: %w", err)
	}
	img, err := d.decode(f)
	if err != nil {
		return hal.Format{}, fmt.Errorf("dir camera: %s: %w", name, err)
	}
	b := img.Bounds()
	return hal.Format{PixelFormat: strings.ToUpper(kind), Width: b.Dx(), Height: b.Dy()}, nil
}

// SetExposure implements hal.Camera; photos have their exposure already.
func (d *Dir) SetExposure(ctx context.Context, exposure int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.exposure = exposure
	return nil
}

// Capture implements hal.Camera: it decodes and returns the next image.
func (d *Dir) Capture(ctx context.Context) (hal.Frame, error) {
	if err := ctx.Err(); err != nil {
		return hal.Frame{}, err
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return hal.Frame{}, hal.ErrClosed
	}
	if d.next >= len(d.files) {
		if err := d.list(); err != nil {
			d.mu.Unlock()
			return hal.Frame{}, err
		}
		d.next = 0
	}
	name := d.files[d.next]
	d.next++
	d.seq++
	seq := d.seq
	d.mu.Unlock()

	f, err := os.Open(filepath.Join(d.dir, name))
	if err != nil {
		return hal.Frame{}, fmt.Errorf("dir camera: %w", err)
	}
	defer f.Close()
	img, err := d.decode(f)
	if err != nil {
		return hal.Frame{}, fmt.Errorf("dir camera: %s: %w", name, err)
	}
	return hal.Frame{Image: img, Seq: seq, Time: time.Now()}, nil
}

// Close implements hal.Camera.
func (d *Dir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	return nil
}

// Spec is a parsed -camera flag.
type Spec struct {
	// Kind is "sim", "v4l2" or "dir".
	Kind string
	// Path is the device (v4l2) or folder (dir).
	Path string
}

// ErrBadSpec is returned for a -camera value that is not sim,
// v4l2:/dev/videoN or dir:PATH.
var ErrBadSpec = errors.New("camera must be sim, v4l2:/dev/videoN or dir:PATH")

// ParseSpec parses the daemon's -camera flag.
func ParseSpec(s string) (Spec, error) {
	kind, path, hasPath := strings.Cut(s, ":")
	if kind == "v4l2" {
		path = filepath.Clean(path)
	}
	switch {
	case kind == "sim" && !hasPath:
		return Spec{Kind: "sim"}, nil
	case kind == "v4l2" && hasPath && strings.HasPrefix(path, "/dev/") && len(path) > len("/dev/") && !strings.ContainsAny(path, "\x00"):
		return Spec{Kind: "v4l2", Path: path}, nil
	case kind == "dir" && hasPath && path != "" && !strings.ContainsAny(path, "\x00"):
		return Spec{Kind: "dir", Path: path}, nil
	}
	return Spec{}, fmt.Errorf("%w (got %q)", ErrBadSpec, s)
}

func (s Spec) String() string {
	if s.Path == "" {
		return s.Kind
	}
	return s.Kind + ":" + s.Path
}

var _ hal.Camera = (*Dir)(nil)
