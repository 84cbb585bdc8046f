package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/sync/outbox"
)

func outboxCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runOutbox(context.Background(), args, &out, &errOut)
	return out.String(), err
}

// seedOutbox writes three results, the first delivered and kept for
// retention, the second with a front-side image.
func seedOutbox(t *testing.T, dir string) *outbox.Outbox {
	t.Helper()
	ob, err := outbox.Open(outbox.Options{Path: filepath.Join(dir, outbox.FileName), Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, id := range []string{"res-a", "res-b", "res-c"} {
		e := outbox.Entry{ResultID: id, Payload: []byte(`{"result_id":"` + id + `","n":1}`)}
		if i == 1 {
			e.Images = map[string][]byte{outbox.ImageFrontSide: []byte("JPEGDATA")}
		}
		if _, err := ob.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := ob.Ack(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return ob
}

func TestOutboxCommands(t *testing.T) {
	dir := t.TempDir()
	ob := seedOutbox(t, dir)

	_, err := outboxCmd(t, "ls", "-data", dir, "-wait", "50ms")
	if !errors.Is(err, outbox.ErrLocked) || !strings.Contains(err.Error(), "systemctl stop docscand") {
		t.Fatalf("ls while the daemon holds the file = %v", err)
	}
	if _, err := outboxCmd(t, "purge", "-data", dir, "-wait", "50ms", "-yes"); !errors.Is(err, outbox.ErrLocked) {
		t.Fatalf("purge while locked = %v", err)
	}
	ob.Close()

	out, err := outboxCmd(t, "ls", "-data", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"res-b", "front_side_image(8)", "delivered", "2 undelivered", "1 delivered kept"} {
		if !strings.Contains(out, want) {
			t.Fatalf("ls output lacks %q:\n%s", want, out)
		}
	}
	out, err = outboxCmd(t, "ls", "-json", "-data", dir)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var first map[string]any
	if len(lines) != 3 || json.Unmarshal([]byte(lines[0]), &first) != nil || first["state"] != "pending" || first["seq"] != 2.0 {
		t.Fatalf("ls -json:\n%s", out)
	}

	imgDir := t.TempDir()
	out, err = outboxCmd(t, "show", "2", "-data", dir, "-images", imgDir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "result_id: res-b") || !strings.Contains(out, `"n": 1`) {
		t.Fatalf("show output:\n%s", out)
	}
	if b, err := os.ReadFile(filepath.Join(imgDir, "2-front_side_image.jpg")); err != nil || string(b) != "JPEGDATA" {
		t.Fatalf("image not written: %v", err)
	}
	if _, err := outboxCmd(t, "show", "-data", dir, "99"); !errors.Is(err, outbox.ErrNotFound) {
		t.Fatalf("show 99 = %v", err)
	}

	if _, err := outboxCmd(t, "purge", "-data", dir); err == nil || !strings.Contains(err.Error(), "-yes") {
		t.Fatalf("purge of undelivered without -yes = %v", err)
	}
	if out, err := outboxCmd(t, "purge", "-data", dir, "-delivered"); err != nil || !strings.Contains(out, "purged 1 results") {
		t.Fatalf("purge -delivered = %q, %v", out, err)
	}
	if out, err := outboxCmd(t, "purge", "-data", dir, "-yes", "3"); err != nil || !strings.Contains(out, "purged 1 results") {
		t.Fatalf("purge 3 = %q, %v", out, err)
	}
	out, _ = outboxCmd(t, "ls", "-data", dir)
	if !strings.Contains(out, "1 undelivered") || strings.Contains(out, "res-c") {
		t.Fatalf("after purges:\n%s", out)
	}
}

func TestOutboxCommandErrors(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "subcommand is required"},
		{[]string{"frobnicate"}, "unknown subcommand"},
		{[]string{"ls", "-data", empty}, "no outbox at"},
		{[]string{"show", "-data", empty}, "one sequence number"},
		{[]string{"show", "-data", empty, "x"}, "positive integer"},
		{[]string{"purge", "-data", empty, "0"}, "positive integer"},
		{[]string{"purge", "-data", empty}, "no outbox at"},
	}
	for _, tc := range tests {
		_, err := outboxCmd(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("outbox %q = %v, want %q", tc.args, err, tc.want)
		}
	}
	corrupt := t.TempDir()
	os.WriteFile(filepath.Join(corrupt, outbox.FileName), bytes.Repeat([]byte("junk"), 4096), 0o600)
	if _, err := outboxCmd(t, "ls", "-data", corrupt); !errors.Is(err, outbox.ErrCorrupt) || !strings.Contains(err.Error(), "moves it aside") {
		t.Fatalf("ls of a corrupt file = %v", err)
	}
}

// While docscand holds the outbox, ls waits -wait for the lock, then asks
// the daemon's /healthz how many results wait, and says how to list them.
func TestOutboxLsWhileDaemonHoldsIt(t *testing.T) {
	dir := t.TempDir()
	ob := seedOutbox(t, dir)
	defer ob.Close()
	const key = "technician-key"
	daemon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			fmt.Fprintf(w, `{"status":"ok","outbox":{"state":"ok"},"outbox_depth":%d}`, ob.Stats().Depth)
		case "/api/v1/outbox":
			// the daemon's own listing of the outbox it holds
			if r.Header.Get("X-API-Key") != key {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"detail":"API key is not valid"}`)
				return
			}
			var recs []map[string]any
			if err := ob.List(func(info outbox.RecordInfo) error {
				var delivered any
				if !info.Delivered.IsZero() {
					delivered = info.Delivered
				}
				recs = append(recs, map[string]any{"seq": info.Seq, "result_id": info.ResultID,
					"created": info.Created, "delivered": delivered, "bytes": info.Size, "images": info.Images})
				return nil
			}); err != nil {
				t.Error(err)
			}
			json.NewEncoder(w).Encode(map[string]any{"records": recs})
		default:
			http.NotFound(w, r)
		}
	}))
	defer daemon.Close()
	start := time.Now()
	t.Setenv("DOCSCAN_API_KEY", "")
	_, err := outboxCmd(t, "ls", "-data", dir, "-wait", "200ms", "-daemon", daemon.URL)
	if !errors.Is(err, outbox.ErrLocked) || !strings.Contains(err.Error(), "reports 2 results waiting") ||
		!strings.Contains(err.Error(), "DOCSCAN_API_KEY") {
		t.Fatalf("ls with the daemon running and no key = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("ls returned after %v, want about -wait", d)
	}
	// With a key, the daemon lists the records it holds.
	t.Setenv("DOCSCAN_API_KEY", key)
	out, err := outboxCmd(t, "ls", "-data", dir, "-wait", "200ms", "-daemon", daemon.URL)
	if err != nil || !strings.Contains(out, "2 undelivered") || !strings.Contains(out, "listed by the running docscand") {
		t.Fatalf("ls through the daemon = %v\n%s", err, out)
	}
	t.Setenv("DOCSCAN_API_KEY", "wrong")
	if _, err := outboxCmd(t, "ls", "-data", dir, "-wait", "200ms", "-daemon", daemon.URL); !errors.Is(err, outbox.ErrLocked) ||
		!strings.Contains(err.Error(), "401") {
		t.Fatalf("ls through the daemon with a wrong key = %v", err)
	}
	// No daemon answering: the lock alone is explained.
	daemon.Close()
	if _, err := outboxCmd(t, "ls", "-data", dir, "-wait", "100ms", "-daemon", daemon.URL); !errors.Is(err, outbox.ErrLocked) ||
		!strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("ls with no daemon answering = %v", err)
	}
}
