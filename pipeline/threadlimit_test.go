package pipeline

import (
	"testing"

	"github.com/docscan/docscan/pipeline/ocr/ocrtest"
)

// TestMain runs the tests and benchmarks with Tesseract as the daemon
// runs it (OMP_THREAD_LIMIT=1).
func TestMain(m *testing.M) { ocrtest.Main(m) }
