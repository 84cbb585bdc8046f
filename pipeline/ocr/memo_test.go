package ocr

import (
	"context"
	"image"
	"reflect"
	"testing"
)

// memoSize is how many reads the context's memo holds.
func memoSize(ctx context.Context) int {
	m := memoOf(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, es := range m.entries {
		n += len(es)
	}
	return n
}

func TestMemoServesEqualReadsOnce(t *testing.T) {
	p := newTestPool(t, 1)
	img := loadGray(t, "testdata/kaz-rus.png")
	req := Request{Languages: "kaz+rus", Mode: PSMBlock}
	want, err := p.Read(context.Background(), img, req)
	if err != nil {
		t.Fatal(err)
	}
	wantWords, err := p.Words(context.Background(), img, req)
	if err != nil {
		t.Fatal(err)
	}

	ctx := WithMemo(context.Background())
	if WithMemo(ctx) != ctx {
		t.Error("WithMemo under a memo made a second one")
	}
	// the same pixels in another image (a sub-image with the parent's
	// stride) are the same read
	big := image.NewGray(image.Rect(0, 0, img.Rect.Dx()+7, img.Rect.Dy()))
	for y := range img.Rect.Dy() {
		copy(big.Pix[y*big.Stride:], img.Pix[y*img.Stride:y*img.Stride+img.Rect.Dx()])
	}
	same := big.SubImage(image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy())).(*image.Gray)
	for i, im := range []*image.Gray{img, same} {
		got, err := p.Read(ctx, im, req)
		if err != nil || got != want {
			t.Errorf("read %d under the memo = %+v, %v; want %+v", i, got, err, want)
		}
		words, err := p.Words(ctx, im, req)
		if err != nil || !reflect.DeepEqual(words, wantWords) {
			t.Errorf("words %d under the memo = %v, %v; want %v", i, words, err, wantWords)
		}
	}
	if n := memoSize(ctx); n != 2 {
		t.Errorf("memo holds %d reads, want 2 (one Read, one Words)", n)
	}

	// another request, or the image changed after its read, is read anew
	if _, err := p.Read(ctx, img, Request{Languages: "kaz+rus", Mode: PSMSingleLine}); err != nil {
		t.Fatal(err)
	}
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	got, err := p.Read(ctx, img, req)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "" {
		t.Errorf("a blank image under the memo read %q: the memo served the image's old pixels", got.Text)
	}
	if n := memoSize(ctx); n != 4 {
		t.Errorf("memo holds %d reads, want 4", n)
	}
}
