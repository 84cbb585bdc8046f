package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/quality"
)

// A rejection of the image keeps the contract's detail and adds each
// side's quality, so a terminal tells "no document" from "too blurred";
// the failed measures are counted.
func TestRejectionCarriesQuality(t *testing.T) {
	h := newHarness(t, nil)
	blurred := &quality.Report{OK: false, Failed: []string{quality.NameFocus}, Reason: "out of focus or moved",
		Focus: &quality.Measure{Value: 1.2, Threshold: 0.7}}
	h.rec.set(&pipeline.QualityError{Err: pipeline.ErrFrontsideNotFound, Quality: pipeline.Qualities{Frontside: blurred}})
	jpg := testJPEG(t, 64, 48)
	r := h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")})
	if r.status != 400 || r.detail(t) != MsgFrontsideNotFound {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var body struct {
		Quality *struct {
			Frontside *struct {
				OK     bool     `json:"ok"`
				Failed []string `json:"failed"`
				Focus  *struct {
					Value float64 `json:"value"`
					OK    bool    `json:"ok"`
				} `json:"focus"`
			} `json:"frontside"`
			Backside *json.RawMessage `json:"backside"`
		} `json:"quality"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	f := body.Quality
	if f == nil || f.Frontside == nil || f.Frontside.OK || f.Frontside.Focus == nil || f.Frontside.Focus.Value != 1.2 || f.Backside != nil {
		t.Fatalf("quality in the answer: %s", r.body)
	}

	// a rejection without quality answers detail alone, as the contract
	h.rec.set(pipeline.ErrFrontsideNotFound)
	r = h.postGo(t, "/api/v1/recognize", []part{value("api_key", keyActive), file("frontside_image", "f.jpg", jpg), value("country_code", "kz")})
	if strings.Contains(string(r.body), "quality") {
		t.Errorf("quality without a report: %s", r.body)
	}

	m := h.get(t, "/metrics", nil)
	if want := fmt.Sprintf("docscan_quality_failures_total{measure=%q} 1", quality.NameFocus); !strings.Contains(string(m.body), want) {
		t.Errorf("metrics lack %s", want)
	}
	if want := `docscan_quality_failures_total{measure="glare"} 0`; !strings.Contains(string(m.body), want) {
		t.Errorf("metrics lack %s", want)
	}
}
