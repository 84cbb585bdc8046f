package specimen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
)

// WriteDir writes the specimen as the simulator reads it:
// DIR/<side>/white.png, ir.png (8-bit grey) and uv.png, and DIR/truth.json.
func (s *Specimen) WriteDir(dir string) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	for _, side := range s.Sides {
		d := filepath.Join(dir, string(side.Name))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("specimen: %w", err)
		}
		for name, img := range map[string]image.Image{"white.png": side.White, "ir.png": grey(side.IR), "uv.png": side.UV} {
			if err := writePNG(&enc, filepath.Join(d, name), img); err != nil {
				return err
			}
		}
	}
	var buf bytes.Buffer
	je := json.NewEncoder(&buf)
	je.SetEscapeHTML(false) // keep the MRZ's '<' readable
	je.SetIndent("", "  ")
	if err := je.Encode(s.Truth); err != nil {
		return fmt.Errorf("specimen: truth: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("specimen: %w", err)
	}
	return nil
}

// grey converts an R=G=B image to 8-bit grey, a third of the PNG.
func grey(src *image.RGBA) *image.Gray {
	g := image.NewGray(src.Rect)
	for i, j := 0, 0; i < len(src.Pix); i, j = i+4, j+1 {
		g.Pix[j] = src.Pix[i]
	}
	return g
}

func writePNG(enc *png.Encoder, path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("specimen: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := enc.Encode(bw, img); err != nil {
		f.Close()
		return fmt.Errorf("specimen: encode %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("specimen: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("specimen: write %s: %w", path, err)
	}
	return nil
}

// WriteCaptures writes each capture beside the specimen's layers:
// DIR/<side>/capture.jpg (capture.png when no JPEG quality was drawn),
// and for a scanner capture-ir and capture-uv likewise; and
// DIR/captures.json, what was drawn for each side.
func WriteCaptures(dir string, caps []Captured) error {
	for _, c := range caps {
		d := filepath.Join(dir, string(c.Side))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("specimen: %w", err)
		}
		names := []string{"capture", "capture-ir", "capture-uv"}
		for i, l := range c.Layers {
			var img image.Image = l
			if i == 1 {
				img = grey(l)
			}
			if err := writeCapture(filepath.Join(d, names[i]), img, c.Degradation.JPEGQuality); err != nil {
				return err
			}
		}
	}
	var buf bytes.Buffer
	je := json.NewEncoder(&buf)
	je.SetIndent("", "  ")
	if err := je.Encode(caps); err != nil {
		return fmt.Errorf("specimen: captures: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "captures.json"), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("specimen: %w", err)
	}
	return nil
}

// writeCapture writes img to base.jpg at quality q, or to base.png when q
// is not 1–100.
func writeCapture(base string, img image.Image, q int) error {
	if q < 1 || q > 100 {
		return writePNG(&png.Encoder{CompressionLevel: png.BestSpeed}, base+".png", img)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		return fmt.Errorf("specimen: encode %s.jpg: %w", base, err)
	}
	if err := os.WriteFile(base+".jpg", buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("specimen: %w", err)
	}
	return nil
}
