package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/docscan/docscan/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// recognizerFunc adapts a function to Recognizer.
type recognizerFunc func(ctx context.Context, req RecognizeRequest) (*pipeline.Result, error)

func (f recognizerFunc) Recognize(ctx context.Context, req RecognizeRequest) (*pipeline.Result, error) {
	return f(ctx, req)
}

// TestResponseGolden pins the contract's JSON byte for byte: the answer
// to POST /api/v1/recognize for one Kazakh ID card, with real JPEG and PNG
// images, and the same result read back through GET /api/v1/results/{id}.
// Only the result_id, new on every run, is replaced before comparing.
// Run with -update to rewrite testdata/response.golden.json after a
// deliberate change of the contract.
func TestResponseGolden(t *testing.T) {
	front, back := readTestdata(t, "front.jpg"), readTestdata(t, "back.png")
	for _, tc := range []struct {
		name   string
		images bool
	}{{"response.golden.json", true}, {"response-no-images.golden.json", false}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *Options) {
				o.Recognizer = recognizerFunc(func(context.Context, RecognizeRequest) (*pipeline.Result, error) {
					res := fixedResult()
					if tc.images {
						setImages(res, front, back, front[:len(front)/3])
					}
					return res, nil
				})
			})
			r := h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), value("country_code", "kz"), file("frontside_image", "front.jpg", front)})
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var head struct {
				ResultID string `json:"result_id"`
			}
			if err := json.Unmarshal(r.body, &head); err != nil || head.ResultID == "" {
				t.Fatalf("no result_id: %v", err)
			}
			norm := func(b []byte) []byte {
				return bytes.ReplaceAll(b, []byte(head.ResultID), []byte("RESULT-ID"))
			}
			got := norm(r.body)
			path := filepath.Join("testdata", tc.name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("POST /api/v1/recognize answer differs from %s:\n%s", path, got)
			}
			if g := norm(h.get(t, "/api/v1/results/"+head.ResultID, map[string]string{"X-API-Key": keyActive}).body); !bytes.Equal(g, want) {
				t.Errorf("GET /api/v1/results answer differs from %s:\n%s", path, g)
			}
		})
	}
}

func setImages(res *pipeline.Result, front, back, face []byte) {
	res.Images = pipeline.Images{FrontSideImage: front, BackSideImage: back, FacePhoto: face}
}
