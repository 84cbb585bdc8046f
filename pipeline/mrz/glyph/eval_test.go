package glyph

import (
	"fmt"
	"github.com/docscan/docscan/pipeline/mrz/internal/evaldata"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/docscan/docscan/pipeline/internal/editdist"
)

// linesDir returns the folder of real line crops (DoubangoTelecom
// tesseractMRZ sample): shared/eval/mrz/lines beside the repository, or
// under $MRZ_EVAL_DIR. CI clones may not have it: "" then.
func linesDir() string {
	d, err := evaldata.Dir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "lines")
}

// Bars of issue 3 on the real crops.
const (
	maxCER   = 0.005
	minExact = 0.97
)

type sample struct {
	name string
	img  *image.Gray
	gt   string
}

func loadGray(path string) (*image.Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var im image.Image
	if strings.HasSuffix(path, ".tif") {
		im, err = tiff.Decode(f)
	} else {
		im, err = png.Decode(f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if g, ok := im.(*image.Gray); ok {
		return g, nil
	}
	g := image.NewGray(im.Bounds())
	draw.Draw(g, g.Bounds(), im, im.Bounds().Min, draw.Src)
	return g, nil
}

// loadSamples reads every IMAGE with a matching .gt.txt in dir.
func loadSamples(t testing.TB, dir, ext string) []sample {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var out []sample
	for _, f := range files {
		gt, err := os.ReadFile(strings.TrimSuffix(f, ext) + ".gt.txt")
		if err != nil {
			t.Fatal(err)
		}
		img, err := loadGray(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sample{filepath.Base(f), img, strings.TrimSpace(string(gt))})
	}
	return out
}

type score struct {
	chars, errs, lines, exact int
	failed                    []string
}

func (s score) cer() float64       { return float64(s.errs) / float64(max(1, s.chars)) }
func (s score) exactRate() float64 { return float64(s.exact) / float64(max(1, s.lines)) }

func evaluate(t testing.TB, r *Reader, samples []sample, useLen bool) score {
	var s score
	for _, sm := range samples {
		want := 0
		if useLen {
			want = len(sm.gt)
		}
		got := ""
		line, err := r.ReadLine(sm.img, want)
		if err == nil {
			got = line.Text()
		}
		d := editdist.Levenshtein([]byte(got), []byte(sm.gt))
		s.chars += len(sm.gt)
		s.errs += d
		s.lines++
		if d == 0 {
			s.exact++
		} else {
			s.failed = append(s.failed, fmt.Sprintf("%s: got %q want %q", sm.name, got, sm.gt))
		}
	}
	return s
}

func TestRealLines(t *testing.T) {
	evalDir := linesDir()
	if _, err := os.Stat(evalDir); evalDir == "" || err != nil {
		t.Skipf("real MRZ line crops not present (shared/eval/mrz/lines beside the repository, or $%s): %v", evaldata.Env, err)
	}
	r, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	samples := loadSamples(t, evalDir, ".tif")
	if len(samples) == 0 {
		t.Skip("no line crops in " + evalDir)
	}
	for _, useLen := range []bool{false, true} {
		s := evaluate(t, r, samples, useLen)
		t.Logf("wantLen given=%v: %d lines, CER %.3f%% (%d/%d), exact %.1f%% (%d)", useLen, s.lines, 100*s.cer(), s.errs, s.chars, 100*s.exactRate(), s.exact)
		if testing.Verbose() {
			for _, f := range s.failed {
				t.Log(f)
			}
		}
		if s.cer() > maxCER || s.exactRate() < minExact {
			t.Errorf("wantLen given=%v: CER %.3f%% (bar %.1f%%), exact %.1f%% (bar %.0f%%)", useLen, 100*s.cer(), 100*maxCER, 100*s.exactRate(), 100*minExact)
		}
	}
}
