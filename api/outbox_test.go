package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type fakeOutbox []OutboxRecord

func (f fakeOutbox) ListOutbox(_ context.Context, limit int) ([]OutboxRecord, error) {
	if limit > 0 && limit < len(f) {
		return f[:limit], nil
	}
	return f, nil
}

// GET /api/v1/outbox lists the records' metadata to a valid key only, in
// the documented shape.
func TestOutboxList(t *testing.T) {
	at := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	h := newHarness(t, func(o *Options) {
		o.Outbox = fakeOutbox{
			{Seq: 1, State: "delivered", ResultID: "res-a", Created: at, Delivered: &at, Bytes: 61},
			{Seq: 2, State: "pending", ResultID: "res-b", Created: at, Bytes: 87, Images: map[string]int{"front_side_image": 8}},
		}
	})
	for _, tc := range []struct {
		path   string
		header map[string]string
		status int
		n      int
	}{
		{"/api/v1/outbox", nil, 401, 0},
		{"/api/v1/outbox", map[string]string{"X-API-Key": keyUnknown}, 401, 0},
		{"/api/v1/outbox", map[string]string{"X-API-Key": keyEnded}, 400, 0},
		{"/api/v1/outbox", map[string]string{"X-API-Key": keyActive}, 200, 2},
		{"/api/v1/outbox?limit=1&api_key=" + keyActive, nil, 200, 1},
		{"/api/v1/outbox?limit=-1&api_key=" + keyActive, nil, 400, 0},
	} {
		r := h.get(t, tc.path, tc.header)
		if r.status != tc.status {
			t.Errorf("%s %v: %d, want %d: %s", tc.path, tc.header, r.status, tc.status, r.body)
			continue
		}
		if tc.status != 200 {
			continue
		}
		var body struct {
			Records []OutboxRecord `json:"records"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil || len(body.Records) != tc.n {
			t.Errorf("%s: %d records (%v): %s", tc.path, len(body.Records), err, r.body)
		}
		if strings.Contains(string(r.body), "payload") {
			t.Errorf("the listing carries a payload: %s", r.body)
		}
	}
	bare := newHarness(t, nil)
	if r := bare.get(t, "/api/v1/outbox", map[string]string{"X-API-Key": keyActive}); r.status != 404 {
		t.Errorf("no outbox: %d, want 404", r.status)
	}
}
