package api

import (
	"fmt"
	"os"
	"testing"

	"github.com/docscan/docscan/pipeline/ocr"
)

// TestMain runs the tests and benchmarks with Tesseract as the daemon
// runs it: OMP_THREAD_LIMIT=1 takes effect only from the process's start.
func TestMain(m *testing.M) {
	if err := ocr.RestartThreadLimited(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(m.Run())
}
