// Package ocrtest helps tests that read with Tesseract run as the daemon
// runs it.
package ocrtest

import (
	"fmt"
	"os"
	"testing"

	"github.com/docscan/docscan/pipeline/ocr"
)

// Main is a package's TestMain: it restarts the test binary with
// OMP_THREAD_LIMIT=1 (which takes effect only from the process's start),
// then runs the tests and benchmarks.
func Main(m *testing.M) {
	if err := ocr.RestartThreadLimited(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(m.Run())
}
