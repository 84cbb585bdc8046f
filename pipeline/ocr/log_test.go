package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// logChildEnv makes the test binary act as a process that starts many
// workers at once, as the daemon does on its first requests.
const logChildEnv = "DOCSCAN_OCR_LOG_CHILD"

// TestLogSurvivesManyWorkers starts processes whose OCR workers all load
// their clients at the same moment, then checks that every log line
// written to stderr afterwards arrives and that none of Tesseract's own
// messages do. Loading a client once swapped fd 2 to /dev/null and back
// without a lock; racing workers left it on /dev/null for good.
// DOCSCAN_OCR_LOG_STARTS sets the number of starts (default 4).
func TestLogSurvivesManyWorkers(t *testing.T) {
	if os.Getenv(logChildEnv) != "" {
		logChild()
		return
	}
	if !available {
		t.Skip("Tesseract unavailable in this build")
	}
	starts := 4
	if n, err := strconv.Atoi(os.Getenv("DOCSCAN_OCR_LOG_STARTS")); err == nil && n > 0 {
		starts = n
	}
	for i := range starts {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLogSurvivesManyWorkers$")
		cmd.Env = append(os.Environ(), logChildEnv+"=1", "OMP_THREAD_LIMIT=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("start %d: %v\n%s", i, err, stderr.String())
		}
		got := stderr.String()
		for _, line := range logChildLines {
			if !strings.Contains(got, line) {
				t.Fatalf("start %d: log line %q lost; stderr:\n%s", i, line, got)
			}
		}
		for _, chatter := range []string{"Image too small", "Total count", "Line cannot", "pixBlockconv", "Warning in"} {
			if strings.Contains(got, chatter) {
				t.Fatalf("start %d: Tesseract wrote to stderr (%q):\n%s", i, chatter, got)
			}
		}
	}
}

var logChildLines = []string{"msg=\"workers up\"", "msg=stopping", "msg=\"all LEDs off\""}

// logChild loads eight workers' clients at once, reads images Tesseract
// likes to complain about, and logs as the daemon does.
func logChild() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	const workers = 8
	p, err := NewPool(Options{Workers: workers})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer p.Close()
	// Images Tesseract complains about ("Image too small to scale!!", its
	// baseline statistics) and one Leptonica warns about (pixBlockconv).
	narrow := image.NewGray(image.Rect(0, 0, 2, 40))
	tiny := image.NewGray(image.Rect(0, 0, 3, 3))
	cases := []struct {
		img  *image.Gray
		mode PageSegMode
	}{{narrow, PSMSingleLine}, {tiny, PSMSingleWord}, {narrow, PSMBlock}, {narrow, PSMAuto}}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := make(chan struct{})
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c := cases[i%len(cases)]
			_, err := p.Read(context.Background(), c.img, Request{Languages: "eng", Mode: c.mode})
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			log.Error("read", "err", err)
		}
	}
	log.Info("workers up")
	log.Info("stopping")
	log.Info("all LEDs off")
}
