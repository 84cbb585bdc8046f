package mrz_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/mrz"
)

// TestSummaryIsTheResponseObject converts a result's summary to the
// response's mrz object and checks its JSON against issue 3's example.
func TestSummaryIsTheResponseObject(t *testing.T) {
	lines := []string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
	}
	doc, err := mrz.ParseAt(lines, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	res := &mrz.Result{Document: doc, Read: lines, Status: mrz.StatusValid,
		Confidence: 0.9731, LineConfidence: []float64{0.96, 0.98},
		CharConfidence: [][]float64{{0.91, 0.99}, {0.98, 1}}} // shortened
	s := pipeline.MRZSummary(res.Summary())
	// '<' is the MRZ filler: print it as is, not as \u003c.
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSpace(buf.String())
	want := `{"lines":["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<","L898902C36UTO7408122F1204159ZE184226B<<<<<10"],"format":"TD3","valid":true,"checks":{"composite":true,"date_of_birth":true,"date_of_expiry":true,"document_number":true,"optional_data":true},"status":"valid","confidence":0.973,"line_confidence":[0.96,0.98],"char_confidence":[[0.91,0.99],[0.98,1]]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
