package pipeline

import (
	"context"
	"errors"
	"image"
	"image/color"
	"testing"

	"github.com/docscan/docscan/pipeline/quality"
	"github.com/docscan/docscan/typedb"
	"github.com/docscan/docscan/typedb/specimen"
)

// A side that cannot be read says so in its quality, and whether the
// capture is the cause: a frame with no document and no contrast (the
// capture's fault), a clean card whose MRZ was painted over (not the
// capture's fault), and, as a control, the same card read.
func TestUnreadSaysWhy(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and recognises a card")
	}
	ev := newEvalEnv(t)
	ctx := context.Background()
	spec, err := ev.r.Render(ctx, "kz-id-2014", specimen.Options{Seed: 9, Today: evalToday, PxPerMM: 16})
	if err != nil {
		t.Fatal(err)
	}
	var back *specimen.Side
	for i := range spec.Sides {
		if spec.Sides[i].Name == typedb.Back {
			back = &spec.Sides[i]
		}
	}
	typ, _ := ev.db.ByID(back.TypeID)
	scanned := func(paintMRZ bool) *SideInput {
		white := image.NewRGBA(back.White.Rect)
		copy(white.Pix, back.White.Pix)
		if paintMRZ {
			// the paper beside the MRZ, over the whole zone
			z, w, h := typ.MRZZone, float64(white.Rect.Dx()), float64(white.Rect.Dy())
			paper := white.RGBAAt(int(z[0]*w)-4, int(z[1]*h)-4)
			r := image.Rect(int(z[0]*w), int(z[1]*h), int(z[2]*w), int(z[3]*h))
			for y := r.Min.Y; y < r.Max.Y; y++ {
				for x := r.Min.X; x < r.Max.X; x++ {
					white.SetRGBA(x, y, paper)
				}
			}
		}
		p, err := specimen.Degrade([]*image.RGBA{white}, specimen.Degradation{Scale: 0.8, Background: color.RGBA{12, 12, 14, 255}}, 3)
		if err != nil {
			t.Fatal(err)
		}
		return &SideInput{White: p.Layers[0], Scanner: true}
	}
	blank := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
	for i := range blank.Pix {
		blank.Pix[i] = 128
	}

	for _, tc := range []struct {
		name          string
		in            Input
		wantErr       error
		wantWhat      string // "" when the side is read
		wantByQuality bool
	}{
		{"no document, no contrast", Input{Front: &SideInput{White: blank}}, ErrFrontsideNotFound, quality.UnreadDocument, true},
		{"MRZ painted over", Input{Back: scanned(true), CountryCode: "kz"}, nil, quality.UnreadMRZ, false},
		{"control: the same back read", Input{Back: scanned(false), CountryCode: "kz"}, nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ev.eng.Recognize(ctx, tc.in)
			var qs Qualities
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				qs, _ = QualityOf(err)
			case err != nil:
				t.Fatal(err)
			default:
				qs = res.Quality
				if (res.MRZ == nil) != (tc.wantWhat == quality.UnreadMRZ) {
					t.Fatalf("mrz %v (%s)", res.MRZ, res.MRZReason)
				}
			}
			q := qs.Frontside
			if tc.in.Back != nil {
				q = qs.Backside
			}
			if q == nil {
				t.Fatal("no quality for the side")
			}
			if tc.wantWhat == "" {
				if q.Unread != nil {
					t.Errorf("a side read says it was not: %+v", q.Unread)
				}
				return
			}
			if q.Unread == nil || q.Unread.What != tc.wantWhat || q.Unread.ByQuality != tc.wantByQuality || q.Unread.Reason == "" {
				t.Fatalf("unread %+v, want %s by quality %v", q.Unread, tc.wantWhat, tc.wantByQuality)
			}
			t.Logf("%s: %s", q.Unread.What, q.Unread.Reason)
		})
	}
}
