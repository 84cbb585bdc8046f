package pipeline

import (
	"context"
	"fmt"
	"image"

	"github.com/docscan/docscan/pipeline/ocr"
)

// mrzCharset is every character an MRZ prints.
const mrzCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"

// tesseractLines reads MRZ lines with Tesseract: the MRZ engine's
// fallback for print that is not OCR-B (another monospace font), which
// the glyph model was not trained on and Tesseract's general model reads.
type tesseractLines struct{ pool *ocr.Pool }

// ReadLineText implements mrz.TextLineReader.
func (t tesseractLines) ReadLineText(ctx context.Context, line *image.Gray) (string, float64, error) {
	r, err := t.pool.Read(ctx, line, ocr.Request{Languages: "eng", Mode: ocr.PSMSingleLine, Whitelist: mrzCharset})
	if err != nil {
		return "", 0, fmt.Errorf("pipeline: MRZ line: %w", err)
	}
	return r.Text, r.Confidence / 100, nil
}
