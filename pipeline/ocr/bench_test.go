package ocr

import (
	"errors"
	"testing"
)

// BenchmarkRead compares a read that frees Tesseract's buffers with one
// that leaks the text, on the same Tesseract instance; C-heap-B/op shows
// what each leaves behind.
func BenchmarkRead(b *testing.B) {
	img := loadGray(b, "testdata/eng.jpg")
	c, err := newClient([]string{"eng"}, "")
	if errors.Is(err, ErrUnavailable) {
		b.Skip(err)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer c.close()
	cases := []struct {
		name string
		f    func()
	}{
		{"docscan", func() {
			if _, err := c.read(img, Request{Mode: PSMSingleLine}); err != nil {
				b.Fatal(err)
			}
		}},
		{"leaking", leakingText(b, c, img)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			tc.f()
			before := cHeapInUse()
			for b.Loop() {
				tc.f()
			}
			b.ReportMetric(float64(cHeapInUse()-before)/float64(b.N), "C-heap-B/op")
		})
	}
}
