package entitle

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	keyA = "Efy202XKbVAWRuAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // 49 chars
	keyB = "Qzq111XKbVAWRuBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func sub(active bool, start, end time.Time) Subscription {
	return Subscription{Technology: TechDocumentRecognition, Active: active, Start: start, End: end}
}

func TestDecide(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name string
		subs []Subscription
		want error
	}{
		{"none", nil, ErrNoSubscription},
		{"current", []Subscription{sub(true, t0.Add(-day), t0.Add(day))}, nil},
		{"open ended", []Subscription{sub(true, t0.Add(-day), time.Time{})}, nil},
		{"starts exactly now", []Subscription{sub(true, t0, t0.Add(day))}, nil},
		{"ends exactly now", []Subscription{sub(true, t0.Add(-day), t0)}, ErrNoActiveOrFuture},
		{"future", []Subscription{sub(true, t0.Add(day), t0.Add(2*day))}, ErrNotStarted},
		{"ended", []Subscription{sub(true, t0.Add(-2*day), t0.Add(-day))}, ErrNoActiveOrFuture},
		{"ended and future", []Subscription{sub(true, t0.Add(-2*day), t0.Add(-day)), sub(true, t0.Add(day), time.Time{})}, ErrNotStarted},
		{"ended and current", []Subscription{sub(true, t0.Add(-2*day), t0.Add(-day)), sub(true, t0.Add(-day), t0.Add(day))}, nil},
		{"deactivated", []Subscription{sub(false, t0.Add(-day), t0.Add(day))}, ErrNoAccess},
		{"other technology", []Subscription{{Technology: "liveness", Active: true, Start: t0.Add(-day)}}, ErrNoAccess},
		{"deactivated current, active future", []Subscription{sub(false, t0.Add(-day), t0.Add(day)), sub(true, t0.Add(day), time.Time{})}, ErrNotStarted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.subs, TechDocumentRecognition, t0); !errors.Is(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Fatalf("Decide = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateKey(t *testing.T) {
	if err := ValidateKey(keyA); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "short", keyA[:46], keyA[:46] + " ", keyA[:46] + "é"} {
		if err := ValidateKey(bad); !errors.Is(err, ErrBadKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrBadKey", bad, err)
		}
	}
}

func TestStatic(t *testing.T) {
	s, err := NewStatic(keyA, keyB)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Contains(keyA) || !s.Contains(keyB) || s.Contains(keyA+"x") || s.Contains("") {
		t.Fatal("Contains gives wrong answers")
	}
	var nilSet *Static
	if nilSet.Contains(keyA) || nilSet.Len() != 0 {
		t.Fatal("nil set must be empty")
	}
	if _, err := NewStatic("too-short"); !errors.Is(err, ErrBadKey) {
		t.Fatalf("NewStatic(short) = %v", err)
	}
}

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "data", FileName))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreCheckAddRemove(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if err := s.Check(ctx, keyA, TechDocumentRecognition, t0); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("empty store: %v", err)
	}
	k, err := NewKey(keyA, "front desk", t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx, keyA, TechDocumentRecognition, t0); !errors.Is(err, ErrNoSubscription) {
		t.Fatalf("no subscription: %v", err)
	}
	k.Subscriptions = []Subscription{sub(true, t0.Add(-time.Hour), t0.Add(time.Hour))}
	k.Label = ""
	stored, err := s.Add(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Label != "front desk" || len(stored.Subscriptions) != 1 {
		t.Fatalf("merged record = %+v", stored)
	}
	if err := s.Check(ctx, keyA, TechDocumentRecognition, t0); err != nil {
		t.Fatalf("active: %v", err)
	}
	if err := s.Check(ctx, keyA, TechDocumentRecognition, t0.Add(2*time.Hour)); !errors.Is(err, ErrNoActiveOrFuture) {
		t.Fatalf("after the end: %v", err)
	}
	if err := s.Check(ctx, keyB, TechDocumentRecognition, t0); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("other key: %v", err)
	}

	// The plaintext never reaches the file.
	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), keyA) {
		t.Fatal("the file holds the plaintext key")
	}

	keys, err := s.List(ctx)
	if err != nil || len(keys) != 1 || keys[0].Hint != keyA[:hintLength] || keys[0].Hash != HashKey(keyA) {
		t.Fatalf("List = %+v, %v", keys, err)
	}
	if _, err := s.Remove(ctx, "abc"); err == nil {
		t.Fatal("Remove with a 3-digit ID must fail")
	}
	if _, err := s.Remove(ctx, "00000000"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Remove(unknown) = %v", err)
	}
	removed, err := s.Remove(ctx, keys[0].ID())
	if err != nil || removed.Hash != HashKey(keyA) {
		t.Fatalf("Remove = %+v, %v", removed, err)
	}
	if err := s.Check(ctx, keyA, TechDocumentRecognition, t0); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("after revoke: %v", err)
	}
	// By plaintext too.
	if _, err := s.Add(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove(ctx, keyA); err != nil {
		t.Fatal(err)
	}
}

// A second process (here a second Store on the same file) changes the
// file; the first sees it on its next lookup, even within the same tick.
func TestStoreSeesOtherWriters(t *testing.T) {
	ctx := context.Background()
	daemon := openTemp(t)
	cli, err := Open(daemon.Path())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := daemon.Check(ctx, keyA, TechDocumentRecognition, now); !errors.Is(err, ErrUnknownKey) {
		t.Fatal(err)
	}
	k, _ := NewKey(keyA, "", now, sub(true, now.Add(-time.Hour), time.Time{}))
	if _, err := cli.Add(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := daemon.Check(ctx, keyA, TechDocumentRecognition, now); err != nil {
		t.Fatalf("daemon does not see the CLI's key: %v", err)
	}
	if _, err := cli.Remove(ctx, keyA); err != nil {
		t.Fatal(err)
	}
	if err := daemon.Check(ctx, keyA, TechDocumentRecognition, now); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("daemon still accepts a revoked key: %v", err)
	}
}

func TestStoreConcurrent(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	k, _ := NewKey(keyA, "", t0, sub(true, t0.Add(-time.Hour), time.Time{}))
	if _, err := s.Add(ctx, k); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if err := s.Check(ctx, keyA, TechDocumentRecognition, t0); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for j := 0; j < 5; j++ {
			kb, _ := NewKey(keyB, "", t0)
			if _, err := s.Add(ctx, kb); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestApply(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	kb, _ := NewKey(keyB, "old", t0, sub(true, t0.Add(-time.Hour), time.Time{}))
	if _, err := s.Add(ctx, kb); err != nil {
		t.Fatal(err)
	}
	msg := `{"mode":"replace","keys":[{"key":"` + keyA + `","label":"a","subscriptions":[{"technology":"document_recognition","active":true,"start":"2025-01-01T00:00:00Z","end":"2026-01-01T00:00:00Z"}]}]}`
	u, err := ParseUpdate([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, u, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx, keyA, TechDocumentRecognition, t0); err != nil {
		t.Fatalf("replaced key: %v", err)
	}
	if err := s.Check(ctx, keyB, TechDocumentRecognition, t0); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("replace kept an old key: %v", err)
	}
	keys, _ := s.List(ctx)
	if len(keys) != 1 || keys[0].Hint != keyA[:hintLength] || !keys[0].Added.Equal(t0) {
		t.Fatalf("after replace: %+v", keys)
	}

	merge := `{"mode":"merge","keys":[{"key_sha256":"` + HashKey(keyB) + `","subscriptions":[{"technology":"document_recognition","active":true,"start":"2026-01-01T00:00:00Z"}]}],"revoke":["` + HashKey(keyA) + `"]}`
	u, err = ParseUpdate([]byte(merge))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, u, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx, keyB, TechDocumentRecognition, t0); !errors.Is(err, ErrNotStarted) {
		t.Fatalf("merged future key: %v", err)
	}
	if err := s.Check(ctx, keyA, TechDocumentRecognition, t0); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("revoked key: %v", err)
	}

	bad := []string{
		`{"mode":"wipe","keys":[]}`,
		`{"mode":"merge","keys":[{"key":"short"}]}`,
		`{"mode":"merge","keys":[{"key_sha256":"abcd"}]}`,
		`{"mode":"merge","keys":[{"key":"` + keyA + `","key_sha256":"` + HashKey(keyA) + `"}]}`,
		`{"mode":"merge","keys":[{"key":"` + keyA + `"},{"key":"` + keyA + `"}]}`,
		`{"mode":"merge","keys":[],"surprise":1}`,
		`{"mode":"replace","keys":[],"revoke":["` + HashKey(keyA) + `"]}`,
		`{"mode":"merge","keys":[{"key":"` + keyA + `","subscriptions":[{"technology":"","active":true}]}]}`,
		`{"mode":"merge","keys":[{"key":"` + keyA + `","subscriptions":[{"technology":"x","start":"2026-01-01T00:00:00Z","end":"2025-01-01T00:00:00Z"}]}]}`,
		`not json`,
	}
	for _, m := range bad {
		if _, err := ParseUpdate([]byte(m)); err == nil {
			t.Errorf("ParseUpdate(%s) accepted it", m)
		}
	}
}

func TestApplyJSON(t *testing.T) {
	s := openTemp(t)
	reply, err := s.ApplyJSON(context.Background(), []byte(`{"mode":"merge","keys":[{"key":"`+keyA+`","subscriptions":[{"technology":"document_recognition","active":true,"start":"2020-01-01T00:00:00Z"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if sum := reply.(ApplySummary); sum.Mode != ModeMerge || sum.Keys != 1 || sum.Total != 1 {
		t.Fatalf("%+v", sum)
	}
	if err := s.Check(context.Background(), keyA, TechDocumentRecognition, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyJSON(context.Background(), []byte(`{"mode":"merge","keys":[{"key":"short"}]}`)); err == nil {
		t.Fatal("bad update applied")
	}
}

// Once loaded, the store keeps answering from memory when the file can
// not be read for a moment; before that it fails closed.
func TestStoreKeepsLastCopy(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	k, _ := NewKey(keyA, "", t0, sub(true, t0.Add(-time.Hour), time.Time{}))
	if _, err := s.Add(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx, keyA, TechDocumentRecognition, t0); err != nil {
		t.Fatal(err)
	}
	// Replace the file with garbage: reading fails.
	if err := os.WriteFile(s.Path(), []byte("not a bbolt file, not at all, no"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx, keyA, TechDocumentRecognition, t0); err != nil {
		t.Fatalf("lost the loaded copy: %v", err)
	}
	fresh := &Store{path: s.Path()}
	if err := fresh.Check(ctx, keyA, TechDocumentRecognition, t0); err == nil || errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unreadable file, nothing loaded: %v", err)
	}
}
