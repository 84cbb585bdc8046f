package ocr

import (
	"context"
	"errors"
	"image"
	"image/draw"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func loadGray(t testing.TB, path string) *image.Gray {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g
}

func newTestPool(t testing.TB, workers int) *Pool {
	t.Helper()
	p, err := NewPool(Options{Workers: workers})
	if errors.Is(err, ErrUnavailable) {
		t.Skip("Tesseract unavailable in this build:", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func TestRead(t *testing.T) {
	p := newTestPool(t, 1)
	tests := []struct {
		file string
		req  Request
		want []string
	}{
		{"testdata/kaz-rus.png", Request{Languages: "kaz+rus", Mode: PSMBlock}, []string{"ФАМИЛИЯ ТЕСТОВ", "ТУҒАН КҮНІ 01.10.1996"}},
		{"testdata/eng.jpg", Request{Languages: "eng", Mode: PSMSingleLine}, []string{"IDENTITY CARD 2014"}},
		{"testdata/eng.jpg", Request{Languages: "eng", Mode: PSMSingleLine, Whitelist: "0123456789 "}, []string{"2014"}},
		// the built-in model: diacritics the English one drops
		{"testdata/latin.png", Request{Languages: LatinScript, Mode: PSMSingleLine}, []string{"ZÜRICH WÓJCIK ŁUKASZ"}},
		{"testdata/latin.png", Request{Languages: "eng", Mode: PSMSingleLine}, []string{"ZURICH WOJCIK LUKASZ"}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.req.Whitelist, func(t *testing.T) {
			got, err := p.Read(context.Background(), loadGray(t, tt.file), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got.Text, w) {
					t.Errorf("Read = %q, want it to contain %q", got.Text, w)
				}
			}
			if got.Confidence <= 50 {
				t.Errorf("confidence %.0f, want > 50", got.Confidence)
			}
		})
	}
}

func TestReadSubImageUsesItsOwnPixels(t *testing.T) {
	p := newTestPool(t, 1)
	img := loadGray(t, "testdata/kaz-rus.png")
	// The second line only: the sub-image shares the parent's stride.
	sub := img.SubImage(image.Rect(0, 75, img.Rect.Dx(), 150)).(*image.Gray)
	got, err := p.Read(context.Background(), sub, Request{Languages: "kaz+rus", Mode: PSMSingleLine})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Text, "01.10.1996") || strings.Contains(got.Text, "ФАМИЛИЯ") {
		t.Errorf("Read(sub) = %q, want only the second line", got.Text)
	}
}

func TestWords(t *testing.T) {
	p := newTestPool(t, 1)
	img := loadGray(t, "testdata/kaz-rus.png")
	words, err := p.Words(context.Background(), img, Request{Languages: "kaz+rus", Mode: PSMBlock})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, w := range words {
		if w.Text == "ФАМИЛИЯ" {
			found = true
			if w.Line != 0 || w.Box.Min.X > 40 || w.Box.Min.Y > 40 || w.Box.Dx() < 100 {
				t.Errorf("ФАМИЛИЯ at %v line %d, want near the top left of line 0", w.Box, w.Line)
			}
		}
		if w.Text == "01.10.1996" && w.Line != 1 {
			t.Errorf("date on line %d, want 1", w.Line)
		}
	}
	if !found {
		t.Errorf("no ФАМИЛИЯ among %v", words)
	}
}

// TestWordSymbols: each word comes with its characters and their own
// confidences, the marked letters of a name among them.
func TestWordSymbols(t *testing.T) {
	p := newTestPool(t, 1)
	for _, tc := range []struct {
		file string
		req  Request
		want string // a word that must be read, with its symbols
	}{
		{"testdata/latin.png", Request{Languages: LatinScript, Mode: PSMSingleLine}, "WÓJCIK"},
		{"testdata/kaz-rus.png", Request{Languages: "kaz+rus", Mode: PSMBlock}, "ФАМИЛИЯ"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			words, err := p.Words(context.Background(), loadGray(t, tc.file), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, w := range words {
				var b strings.Builder
				for _, s := range w.Symbols {
					b.WriteString(s.Text)
					if s.Confidence < 0 || s.Confidence > 100 {
						t.Errorf("%q: symbol %q at confidence %.1f, want 0–100", w.Text, s.Text, s.Confidence)
					}
				}
				if b.String() != w.Text {
					t.Errorf("symbols of %q spell %q", w.Text, b.String())
				}
				if w.Text == tc.want {
					found = true
					if c := w.Symbols[1].Confidence; tc.want == "WÓJCIK" && c < 50 {
						t.Errorf("Ó of %q at %.1f, want it read surely", w.Text, c)
					}
				}
			}
			if !found {
				t.Errorf("no %q among %v", tc.want, words)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	p := newTestPool(t, 1)
	ctx := context.Background()
	for _, img := range []*image.Gray{nil, image.NewGray(image.Rect(0, 0, 0, 5))} {
		if _, err := p.Read(ctx, img, Request{}); err == nil {
			t.Errorf("Read(%v) succeeded, want an error", img)
		}
	}
	if _, err := p.Read(ctx, image.NewGray(image.Rect(0, 0, 4, 4)), Request{Languages: "xx-none"}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("unknown language: err = %v, want ErrUnavailable", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	busy := newTestPool(t, 1)
	w, _ := busy.acquire(ctx)
	defer busy.release(w)
	if _, err := busy.Read(cancelled, image.NewGray(image.Rect(0, 0, 4, 4)), Request{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with every worker busy and ctx cancelled: err = %v", err)
	}
}

func TestConcurrentReads(t *testing.T) {
	p := newTestPool(t, 2)
	img := loadGray(t, "testdata/eng.jpg")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := p.Read(context.Background(), img, Request{Languages: "eng", Mode: PSMSingleLine})
			if err == nil && !strings.Contains(got.Text, "IDENTITY") {
				err = errors.New("read " + strconv.Quote(got.Text))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestReadDoesNotLeak counts the C heap over many reads. A read that
// drops Tesseract's text and a result iterator, run on the same Tesseract
// instance and interleaved with ours so that Tesseract's warming caches
// weigh on both alike, is the baseline that proves the test can see a
// leak.
func TestReadDoesNotLeak(t *testing.T) {
	// Tesseract keeps thread-local scratch buffers: on one OS thread they
	// are allocated once, not again on every thread the goroutine visits.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	img := loadGray(t, "testdata/eng.jpg")
	c, err := newClient([]string{"eng"}, "")
	if errors.Is(err, ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	ours := func() {
		if _, err := c.read(img, Request{Mode: PSMSingleLine}); err != nil {
			t.Fatal(err)
		}
		// and words with their symbols, each a C string of its own
		if _, err := c.words(img, Request{Mode: PSMSingleLine}); err != nil {
			t.Fatal(err)
		}
	}
	base := leakingText(t, c, img)
	for range 20 { // warm Tesseract's caches
		ours()
	}
	const rounds, n = 5, 20
	var oursGrew, baseGrew int64
	for range rounds {
		oursGrew += heapGrowth(n, ours)
		baseGrew += heapGrowth(n, base)
	}
	perOurs, perBase := oursGrew/(rounds*n), baseGrew/(rounds*n)
	t.Logf("C heap growth per read: docscan %d B, leaking read %d B", perOurs, perBase)
	if perBase < 200 {
		t.Fatalf("baseline grew only %d B/read: the measurement cannot see a leak", perBase)
	}
	// glibc's thread cache counts freed blocks as in use, so growth is
	// seen to within some 30 B/read: enough for a dropped iterator, not
	// for a dropped 20-character string alone.
	if perOurs > perBase/4 {
		t.Errorf("C heap grew %d B/read (leaking read: %d B/read): a leak", perOurs, perBase)
	}
}

// heapGrowth runs f n times and returns how much the C heap grew.
func heapGrowth(n int, f func()) int64 {
	before := cHeapInUse()
	for range n {
		f()
	}
	return cHeapInUse() - before
}

// TestReadInverted: light print on dark is read when the request says
// Inverted, and the setting is the request's, not left over from the
// client's previous read.
func TestReadInverted(t *testing.T) {
	p := newTestPool(t, 1)
	img := loadGray(t, "testdata/eng.jpg")
	neg := image.NewGray(img.Rect)
	for i, v := range img.Pix {
		neg.Pix[i] = 255 - v
	}
	const want = "IDENTITY CARD 2014"
	read := func(img *image.Gray, inverted bool) string {
		t.Helper()
		got, err := p.Read(context.Background(), img, Request{Languages: "eng", Mode: PSMSingleLine, Inverted: inverted})
		if err != nil {
			t.Fatal(err)
		}
		return got.Text
	}
	for _, step := range []struct {
		img      *image.Gray
		inverted bool
		reads    bool
	}{
		{neg, true, true},
		{neg, false, false},
		{neg, true, true},
		{img, true, true},
		{img, false, true},
	} {
		if got := read(step.img, step.inverted); strings.Contains(got, want) != step.reads {
			t.Errorf("negative %v, Inverted %v: read %q; want it to contain %q: %v", step.img == neg, step.inverted, got, want, step.reads)
		}
	}
	// the memo tells the two requests apart
	ctx := WithMemo(context.Background())
	for _, inverted := range []bool{true, false} {
		got, err := p.Read(ctx, neg, Request{Languages: "eng", Mode: PSMSingleLine, Inverted: inverted})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got.Text, want) != inverted {
			t.Errorf("under the memo, Inverted %v: read %q", inverted, got.Text)
		}
	}
}
