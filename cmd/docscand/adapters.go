package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"

	"github.com/docscan/docscan/api"
	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/sync/outbox"
)

// resultStore adapts the outbox to api.Store: results are stored as the
// API's JSON, with their images as blobs.
type resultStore struct{ ob *outbox.Outbox }

// Put makes res durable before the caller answers.
func (s resultStore) Put(ctx context.Context, res *pipeline.Result) error {
	e, err := entryOf(res)
	if err != nil {
		return err
	}
	if _, err := s.ob.Put(ctx, e); err != nil {
		if errors.Is(err, outbox.ErrFull) {
			return fmt.Errorf("%w: %w", api.ErrBusy, err)
		}
		return err
	}
	return nil
}

// entryOf is the outbox entry of a result: its JSON without the images
// (each key there, empty), and the images as blobs, as the pipeline
// encoded them.
func entryOf(res *pipeline.Result) (outbox.Entry, error) {
	bare := *res
	bare.Images = pipeline.Images{}
	payload, err := json.Marshal(&bare)
	if err != nil {
		return outbox.Entry{}, fmt.Errorf("encode result: %w", err)
	}
	e := outbox.Entry{ResultID: res.ResultID, Payload: payload}
	for name, data := range map[string][]byte{
		outbox.ImageFacePhoto: res.Images.FacePhoto,
		outbox.ImageFrontSide: res.Images.FrontSideImage,
		outbox.ImageBackSide:  res.Images.BackSideImage,
	} {
		if len(data) > 0 {
			if e.Images == nil {
				e.Images = make(map[string][]byte, 3)
			}
			e.Images[name] = data
		}
	}
	return e, nil
}

// Get returns a kept result with the images the outbox kept.
func (s resultStore) Get(ctx context.Context, id string) (*pipeline.Result, error) {
	rec, err := s.ob.Find(id)
	if errors.Is(err, outbox.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	if err != nil {
		return nil, err
	}
	var res pipeline.Result
	if err := json.Unmarshal(rec.Payload, &res); err != nil {
		return nil, fmt.Errorf("stored result %s: %w", id, err)
	}
	res.Images = pipeline.Images{
		FacePhoto:      rec.Images[outbox.ImageFacePhoto],
		FrontSideImage: rec.Images[outbox.ImageFrontSide],
		BackSideImage:  rec.Images[outbox.ImageBackSide],
	}
	return &res, nil
}

// recognizer adapts the pipeline to api.Recognizer.
type recognizer struct {
	engine func() *pipeline.Engine
	stats  *counters
}

func (r recognizer) Recognize(ctx context.Context, req api.RecognizeRequest) (*pipeline.Result, error) {
	in := pipeline.Input{CountryCode: req.CountryCode}
	if req.Front != nil {
		in.Front = &pipeline.SideInput{White: req.Front}
	}
	if req.Back != nil {
		in.Back = &pipeline.SideInput{White: req.Back}
	}
	res, err := r.engine().Recognize(ctx, in)
	r.stats.recognized(res, err)
	return res, err
}

// counters are the daemon's own tallies for telemetry.
type counters struct {
	recognitions, recognitionFailures atomic.Uint64
	scans, scanFailures               atomic.Uint64

	mu            sync.Mutex
	checkFailures map[string]uint64
}

func newCounters() *counters { return &counters{checkFailures: map[string]uint64{}} }

func (c *counters) recognized(res *pipeline.Result, err error) {
	c.recognitions.Add(1)
	if err != nil {
		c.recognitionFailures.Add(1)
	}
	c.countChecks(res)
}

func (c *counters) scanned(res *pipeline.Result, err error) {
	c.scans.Add(1)
	if err != nil {
		c.scanFailures.Add(1)
	}
	c.countChecks(res)
}

func (c *counters) countChecks(res *pipeline.Result) {
	if res == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range res.Checks {
		if ch.Status == pipeline.CheckFailed {
			c.checkFailures[ch.Name]++
		}
	}
}

func (c *counters) checkFailureCounts() map[string]uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]uint64, len(c.checkFailures))
	for k, v := range c.checkFailures {
		out[k] = v
	}
	return out
}

// errListFull stops an outbox listing at its limit.
var errListFull = errors.New("listing full")

// ListOutbox adapts the outbox's record metadata to api.OutboxLister.
func (s resultStore) ListOutbox(ctx context.Context, limit int) ([]api.OutboxRecord, error) {
	var out []api.OutboxRecord
	err := s.ob.List(func(info outbox.RecordInfo) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if limit > 0 && len(out) >= limit {
			return errListFull
		}
		r := api.OutboxRecord{Seq: info.Seq, State: "pending", ResultID: info.ResultID, Created: info.Created.UTC(), Bytes: info.Size, Images: info.Images}
		if !info.Delivered.IsZero() {
			d := info.Delivered.UTC()
			r.State, r.Delivered = "delivered", &d
		}
		out = append(out, r)
		return nil
	})
	if err != nil && !errors.Is(err, errListFull) {
		return nil, err
	}
	return out, nil
}
