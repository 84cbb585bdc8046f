package pipeline

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"image"
	"sync"
	"testing"

	"github.com/docscan/docscan/typedb/specimen"
)

// framesHash fingerprints every frame of in, to prove recognition leaves
// the caller's frames alone.
func framesHash(in Input) uint64 {
	h := fnv.New64a()
	for _, s := range []*SideInput{in.Front, in.Back} {
		for _, f := range []image.Image{s.White, s.IR, s.UV} {
			h.Write(f.(*image.RGBA).Pix)
		}
	}
	return h.Sum64()
}

// comparable is a result's JSON without what legitimately differs
// between runs (the id, the timings).
func comparable(t *testing.T, r *Result) string {
	t.Helper()
	c := *r
	c.ResultID = ""
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPreparedSidesServeRecognitions is the scanner's use: each side
// prepared from its white frame, its visual zone read while the other
// lights would be captured, then recognised alone and joined to the
// other side — the same answer as recognising the frames from scratch,
// with the caller's frames untouched, and safe when several recognitions
// take up one prepared side at once.
func TestPreparedSidesServeRecognitions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Tesseract")
	}
	ev := newEvalEnv(t)
	ctx := context.Background()
	spec, in, err := ev.frames(ctx, evalCase{doc: "kz-id-2014", variant: specimen.Genuine, mode: modeScanner, country: "kz", seed: 41})
	if err != nil {
		t.Fatal(err)
	}
	before := framesHash(in)
	want, err := ev.eng.Recognize(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if want.LastName != spec.Truth.Person.LastName || want.FailureReason != "None" {
		t.Fatalf("from scratch: last name %q, failure %q", want.LastName, want.FailureReason)
	}

	front, err := ev.eng.Prepare(ctx, in.Front.White, "kz")
	if err != nil {
		t.Fatal(err)
	}
	if id := front.Identification(); id.Type == nil || id.Type.ID != spec.Sides[0].TypeID {
		t.Fatalf("front identified as %+v", id)
	}
	read := make(chan error, 1)
	go func() { read <- front.ReadVisualZone(ctx) }()
	back, err := ev.eng.Prepare(ctx, in.Back.White, "kz")
	if err != nil {
		t.Fatal(err)
	}
	if err := back.ReadVisualZone(ctx); err != nil {
		t.Fatal(err)
	}
	// the front alone, while its read may still run
	alone, err := ev.eng.Recognize(ctx, Input{CountryCode: "kz", Front: &SideInput{White: in.Front.White, IR: in.Front.IR, UV: in.Front.UV, Scanner: true, Prepared: front}})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	if alone.LastName != want.LastName || alone.DocumentType.Backside != nil {
		t.Errorf("front alone: %q, back type %v", alone.LastName, alone.DocumentType.Backside)
	}
	joined := Input{CountryCode: "kz",
		Front: &SideInput{White: in.Front.White, IR: in.Front.IR, UV: in.Front.UV, Scanner: true, Prepared: front},
		Back:  &SideInput{White: in.Back.White, IR: in.Back.IR, UV: in.Back.UV, Scanner: true, Prepared: back}}
	var wg sync.WaitGroup
	got := make([]*Result, 3)
	errs := make([]error, 3)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = ev.eng.Recognize(ctx, joined)
		}()
	}
	wg.Wait()
	for i, r := range got {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if g, w := comparable(t, r), comparable(t, want); g != w {
			t.Errorf("joined recognition %d differs from recognising the frames from scratch:\n got %s\nwant %s", i, g, w)
		}
	}
	if framesHash(in) != before {
		t.Error("recognition changed the caller's frames")
	}
	// a side prepared for another country code is prepared again
	other, err := ev.eng.Recognize(ctx, Input{Front: &SideInput{White: in.Front.White, Prepared: front}})
	if err != nil || other.LastName != want.LastName {
		t.Errorf("other country code: %v, %q", err, other.LastName)
	}
}
