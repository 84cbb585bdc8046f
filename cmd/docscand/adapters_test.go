package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/sync/outbox"
)

// A result goes into a real outbox with its images as blobs, not inside
// the payload, and comes back with the same JSON.
func TestResultStoreRoundTrip(t *testing.T) {
	ob, err := outbox.Open(outbox.Options{Path: filepath.Join(t.TempDir(), outbox.FileName),
		Images: []string{outbox.ImageFacePhoto, outbox.ImageFrontSide, outbox.ImageBackSide}})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	side, face := benchJPEG(t, 200, 126), benchJPEG(t, 40, 50)
	res := &pipeline.Result{ResultID: "r-1", FirstName: "ANNA", CountryCode: "kz", FailureReason: "None",
		Images: pipeline.Images{FrontSideImage: side, FacePhoto: face}}
	ctx := context.Background()
	st := resultStore{ob}
	if err := st.Put(ctx, res); err != nil {
		t.Fatal(err)
	}
	rec, err := ob.Find("r-1")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(rec.Payload, []byte(`"images":{"face_photo":"","front_side_image":"","back_side_image":""}`)) {
		t.Errorf("payload's images not blank: %s", rec.Payload)
	}
	if !bytes.Equal(rec.Images[outbox.ImageFrontSide], side) || !bytes.Equal(rec.Images[outbox.ImageFacePhoto], face) || len(rec.Images) != 2 {
		t.Errorf("stored images: %d", len(rec.Images))
	}
	got, err := st.Get(ctx, "r-1")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(res)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Errorf("read back differs:\n%s\n%s", a, b)
	}
}
