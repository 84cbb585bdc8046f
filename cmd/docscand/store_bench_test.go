package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/sync/outbox"
)

// benchJPEG is a w×h JPEG of noisy bands, about the size of a side image.
func benchJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetGray(x, y, color.Gray{Y: uint8((y/8)*20%200 + r.IntN(56))})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkStore measures what a recognition costs after the pipeline:
// storing the result durably in a real bbolt outbox and writing the
// HTTP answer's JSON. The result carries two side images and a portrait.
func BenchmarkStore(b *testing.B) {
	ob, err := outbox.Open(outbox.Options{Path: filepath.Join(b.TempDir(), outbox.FileName), MaxCount: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer ob.Close()
	side, face := benchJPEG(b, 1000, 630), benchJPEG(b, 240, 300)
	res := &pipeline.Result{FirstName: "ANNA", LastName: "IVANOVA", CountryCode: "kz", FailureReason: "None"}
	setBenchImages(res, side, face)
	// encode: the CPU work alone (the entry and the answer), without the
	// disk; durable: the same with the bbolt commit and its fsync.
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(int64(2*len(side) + len(face)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			res.ResultID = "r-" + strconv.Itoa(i)
			if _, err := entryOf(res); err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(res); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("durable", func(b *testing.B) {
		st := resultStore{ob}
		ctx := context.Background()
		b.SetBytes(int64(2*len(side) + len(face)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			res.ResultID = "r-" + strconv.Itoa(i)
			if err := st.Put(ctx, res); err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(res); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func setBenchImages(res *pipeline.Result, side, face []byte) {
	res.Images = pipeline.Images{FrontSideImage: side, BackSideImage: side, FacePhoto: face}
}
