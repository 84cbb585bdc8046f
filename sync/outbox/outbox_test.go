package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for retention and TTL.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func entry(id string, payloadBytes int) Entry {
	pad := strings.Repeat("x", max(0, payloadBytes-40-len(id)))
	return Entry{ResultID: id, Payload: []byte(fmt.Sprintf(`{"result_id":%q,"pad":%q}`, id, pad))}
}

func openT(t testing.TB, opts Options) *Outbox {
	t.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), FileName)
	}
	o, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func put(t testing.TB, o *Outbox, e Entry) uint64 {
	t.Helper()
	seq, err := o.Put(context.Background(), e)
	if err != nil {
		t.Fatalf("Put %s: %v", e.ResultID, err)
	}
	return seq
}

func ids(recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ResultID
	}
	return out
}

// waitFor polls cond; the sweep runs on its own goroutine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFIFOAcrossByteBoundaries(t *testing.T) {
	o := openT(t, Options{})
	const n = 300 // crosses 255, where little-endian keys would misorder
	for i := 1; i <= n; i++ {
		if seq := put(t, o, entry(fmt.Sprintf("r%d", i), 100)); seq != uint64(i) {
			t.Fatalf("seq = %d, want %d", seq, i)
		}
	}
	var got []Record
	for after := uint64(0); ; {
		recs, err := o.Pending(after, 64)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		got = append(got, recs...)
		after = recs[len(recs)-1].Seq
	}
	if len(got) != n {
		t.Fatalf("pending = %d, want %d", len(got), n)
	}
	for i, r := range got {
		if r.Seq != uint64(i+1) || r.ResultID != fmt.Sprintf("r%d", i+1) {
			t.Fatalf("record %d = seq %d id %s", i, r.Seq, r.ResultID)
		}
	}
	if err := o.Ack(context.Background(), 1, 2, 3, 9999); err != nil {
		t.Fatal(err)
	}
	st := o.Stats()
	if st.Depth != n-3 || st.Acked != 3 || st.Delivered != 0 {
		t.Fatalf("stats after ack = %+v", st)
	}
	recs, _ := o.Pending(0, 1)
	if recs[0].Seq != 4 {
		t.Fatalf("first pending after ack = %d", recs[0].Seq)
	}
}

func TestSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	o := openT(t, Options{Path: path})
	for i := 0; i < 5; i++ {
		put(t, o, entry(fmt.Sprintf("r%d", i), 200))
	}
	o.Ack(context.Background(), 2)
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Put(context.Background(), entry("late", 10)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Put after Close = %v, want ErrClosed", err)
	}
	o2 := openT(t, Options{Path: path})
	recs, _ := o2.Pending(0, 10)
	if got := strings.Join(ids(recs), ","); got != "r0,r2,r3,r4" {
		t.Fatalf("after reopen: %s", got)
	}
	if st := o2.Stats(); st.Depth != 4 || st.PendingBytes <= 0 {
		t.Fatalf("counters after reopen: %+v", st)
	}
	if seq := put(t, o2, entry("next", 10)); seq != 6 {
		t.Fatalf("sequence after reopen = %d, want 6", seq)
	}
}

func TestConcurrentPutsAllDurable(t *testing.T) {
	o := openT(t, Options{})
	var wg sync.WaitGroup
	seqs := make(chan uint64, 800)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				seq, err := o.Put(context.Background(), entry(fmt.Sprintf("g%d-%d", g, i), 500))
				if err != nil {
					t.Error(err)
					return
				}
				seqs <- seq
			}
		}()
	}
	wg.Wait()
	close(seqs)
	seen := map[uint64]bool{}
	for s := range seqs {
		if seen[s] {
			t.Fatalf("sequence %d handed out twice", s)
		}
		seen[s] = true
	}
	if st := o.Stats(); st.Depth != 800 || st.Enqueued != 800 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestImagesKeptByPolicy(t *testing.T) {
	img := map[string][]byte{ImageFacePhoto: []byte("face"), ImageFrontSide: []byte("front"), ImageBackSide: []byte("back")}
	tests := []struct {
		name   string
		images []string
		want   []string
	}{
		{"default keeps sides, not the face", nil, []string{ImageBackSide, ImageFrontSide}},
		{"none", []string{}, nil},
		{"all", []string{ImageFacePhoto, ImageFrontSide, ImageBackSide}, []string{ImageBackSide, ImageFacePhoto, ImageFrontSide}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := openT(t, Options{Images: tc.images})
			e := entry("r1", 50)
			e.Images = img
			put(t, o, e)
			recs, _ := o.Pending(0, 1)
			var got []string
			for _, n := range []string{ImageBackSide, ImageFacePhoto, ImageFrontSide} {
				if d, ok := recs[0].Images[n]; ok {
					if string(d) != string(img[n]) {
						t.Fatalf("image %s = %q", n, d)
					}
					got = append(got, n)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("images kept = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestInvalidEntriesRefused(t *testing.T) {
	o := openT(t, Options{})
	for _, e := range []Entry{
		{ResultID: "", Payload: []byte(`{}`)},
		{ResultID: "a", Payload: []byte(`{`)},
		{ResultID: strings.Repeat("a", 300), Payload: []byte(`{}`)},
	} {
		if _, err := o.Put(context.Background(), e); !errors.Is(err, ErrInvalidEntry) {
			t.Errorf("Put(%.20q) = %v", e.ResultID, err)
		}
	}
}

func TestCapPolicies(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		wantErr   error
		wantIDs   string
		wantDrops map[string]uint64
	}{
		{"count cap refuses", Options{MaxCount: 3, WhenFull: Refuse}, ErrFull, "r0,r1,r2", map[string]uint64{DropRefused: 2}},
		{"count cap drops oldest", Options{MaxCount: 3, WhenFull: DropOldest}, nil, "r2,r3,r4", map[string]uint64{DropFull: 2}},
		{"byte cap refuses", Options{MaxBytes: 2500, WhenFull: Refuse}, ErrFull, "r0,r1", map[string]uint64{DropRefused: 3}},
		{"byte cap drops oldest", Options{MaxBytes: 2500, WhenFull: DropOldest}, nil, "r3,r4", map[string]uint64{DropFull: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := openT(t, tc.opts)
			var lastErr error
			for i := 0; i < 5; i++ {
				_, err := o.Put(context.Background(), entry(fmt.Sprintf("r%d", i), 1000))
				if err != nil {
					lastErr = err
				}
			}
			if !errors.Is(lastErr, tc.wantErr) || (tc.wantErr == nil && lastErr != nil) {
				t.Fatalf("last error = %v, want %v", lastErr, tc.wantErr)
			}
			recs, _ := o.Pending(0, 10)
			if got := strings.Join(ids(recs), ","); got != tc.wantIDs {
				t.Fatalf("stored = %s, want %s", got, tc.wantIDs)
			}
			st := o.Stats()
			for k, v := range tc.wantDrops {
				if st.Drops[k] != v {
					t.Fatalf("drops = %v, want %v", st.Drops, tc.wantDrops)
				}
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	o := openT(t, Options{MaxBytes: 4096})
	if _, err := o.Put(context.Background(), entry("big", 5000)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put = %v, want ErrTooLarge", err)
	}
	if o.Stats().Drops[DropTooLarge] != 1 {
		t.Fatalf("drops = %v", o.Stats().Drops)
	}
}

func TestRetentionAndTTL(t *testing.T) {
	clock := newClock()
	o := openT(t, Options{Retention: time.Hour, TTL: 24 * time.Hour, SweepEvery: 5 * time.Millisecond, Now: clock.Now, MaxCount: 4})
	e := entry("r1", 100)
	e.Images = map[string][]byte{ImageFrontSide: []byte("jpeg")}
	s1 := put(t, o, e)
	put(t, o, entry("r2", 100))
	if err := o.Ack(context.Background(), s1); err != nil {
		t.Fatal(err)
	}
	if st := o.Stats(); st.Depth != 1 || st.Delivered != 1 {
		t.Fatalf("after ack: %+v", st)
	}
	clock.Add(30 * time.Minute)
	time.Sleep(30 * time.Millisecond) // several sweeps, nothing due yet
	if st := o.Stats(); st.Delivered != 1 {
		t.Fatalf("delivered purged before retention: %+v", st)
	}
	clock.Add(31 * time.Minute)
	waitFor(t, "delivered result purged after retention", func() bool { return o.Stats().Delivered == 0 })
	if st := o.Stats(); st.Depth != 1 || st.Bytes != st.PendingBytes {
		t.Fatalf("after retention: %+v", st)
	}
	if age := o.Stats().OldestAge; age != 61*time.Minute {
		t.Fatalf("oldest age = %v", age)
	}
	clock.Add(24 * time.Hour)
	waitFor(t, "undelivered result expired", func() bool { return o.Stats().Depth == 0 })
	if d := o.Stats().Drops[DropTTL]; d != 1 {
		t.Fatalf("ttl drops = %d", d)
	}
}

func TestRetainedDeliveredEvictedFirst(t *testing.T) {
	o := openT(t, Options{Retention: time.Hour, MaxCount: 3, WhenFull: Refuse})
	for i := 0; i < 3; i++ {
		put(t, o, entry(fmt.Sprintf("r%d", i), 100))
	}
	o.Ack(context.Background(), 1, 2)
	put(t, o, entry("r3", 100))
	put(t, o, entry("r4", 100))
	if _, err := o.Put(context.Background(), entry("r5", 100)); !errors.Is(err, ErrFull) {
		t.Fatalf("Put with only undelivered stored = %v, want ErrFull", err)
	}
	st := o.Stats()
	if st.Depth != 3 || st.Delivered != 0 || st.Drops[DropRefused] != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestPurge(t *testing.T) {
	o := openT(t, Options{Retention: time.Hour})
	for i := 0; i < 6; i++ {
		put(t, o, entry(fmt.Sprintf("r%d", i), 100))
	}
	o.Ack(context.Background(), 1, 2)
	ctx := context.Background()
	if n, err := o.Purge(ctx, PurgeSpec{DeliveredOnly: true}); err != nil || n != 2 {
		t.Fatalf("purge delivered = %d, %v", n, err)
	}
	if n, err := o.Purge(ctx, PurgeSpec{Seqs: []uint64{3, 4, 77}}); err != nil || n != 2 {
		t.Fatalf("purge seqs = %d, %v", n, err)
	}
	if n, err := o.Purge(ctx, PurgeSpec{}); err != nil || n != 2 {
		t.Fatalf("purge all = %d, %v", n, err)
	}
	st := o.Stats()
	if st.Depth != 0 || st.Bytes != 0 || st.Drops[DropPurged] != 4 {
		t.Fatalf("stats = %+v", st)
	}
	if seq := put(t, o, entry("after", 10)); seq != 7 {
		t.Fatalf("sequence after purge = %d, want 7", seq)
	}
}

func TestCompactionAfterBacklogDrains(t *testing.T) {
	o := openT(t, Options{CompactMinSize: 1 << 20, MaxBatch: 200})
	ctx := context.Background()
	var seqs []uint64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 250; i++ {
				s, err := o.Put(ctx, entry(fmt.Sprintf("g%d-%d", g, i), 2000))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seqs = append(seqs, s)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	big := o.Stats().FileBytes
	if big < 4<<20 {
		t.Fatalf("backlog file only %d bytes", big)
	}
	if err := o.Ack(ctx, seqs...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "compaction", func() bool { return o.Stats().Compactions > 0 })
	st := o.Stats()
	if st.Compactions != 1 || st.FileBytes >= 1<<20 {
		t.Fatalf("after drain: compactions %d, file %d bytes (was %d)", st.Compactions, st.FileBytes, big)
	}
	if _, err := os.Stat(o.opts.Path + ".compact"); !os.IsNotExist(err) {
		t.Fatalf("compaction file left behind: %v", err)
	}
	if seq := put(t, o, entry("after", 10)); seq != 2001 {
		t.Fatalf("sequence after compaction = %d, want 2001", seq)
	}
}

func TestMaxFileSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	o := openT(t, Options{Path: path})
	for i := 0; i < 300; i++ {
		put(t, o, entry(fmt.Sprintf("r%d", i), 4000))
	}
	o.Close()
	_, err := Open(Options{Path: path, MaxFileSize: 512 << 10, MaxBytes: 128 << 10})
	if !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("Open of an oversized file = %v, want ErrFileTooLarge", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("oversized file must be left in place: %v", err)
	}
	if _, err := Open(Options{Path: path, MaxFileSize: 1 << 20, MaxBytes: 1 << 20}); err == nil {
		t.Fatal("MaxBytes over half of MaxFileSize accepted")
	}
}

func TestLockedIsNotCorruption(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	o := openT(t, Options{Path: path})
	put(t, o, entry("r1", 10))
	if _, err := Open(Options{Path: path, LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if _, err := OpenReadOnly(path, 50*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Fatalf("OpenReadOnly while open = %v, want ErrLocked", err)
	}
	if o.Recovery() != nil {
		t.Fatal("lock contention reported as corruption")
	}
	o.Close()
	r, err := OpenReadOnly(path, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var infos []RecordInfo
	if err := r.List(func(i RecordInfo) error { infos = append(infos, i); return nil }); err != nil || len(infos) != 1 {
		t.Fatalf("List = %v, %v", infos, err)
	}
	rec, err := r.Get(1)
	if err != nil || rec.ResultID != "r1" {
		t.Fatalf("Get = %+v, %v", rec, err)
	}
	if _, err := r.Get(2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(2) = %v", err)
	}
}

// corruptions damage a closed outbox file in different ways.
var corruptions = []struct {
	name   string
	damage func(t *testing.T, path string)
}{
	{"not a bbolt file", func(t *testing.T, path string) {
		os.WriteFile(path, bytes.Repeat([]byte("garbage!"), 4096), 0o600)
	}},
	{"truncated to half a page", func(t *testing.T, path string) {
		os.Truncate(path, 2048)
	}},
	{"both meta pages zeroed", func(t *testing.T, path string) {
		overwrite(t, path, 0, make([]byte, 8192))
	}},
	{"data pages overwritten", func(t *testing.T, path string) {
		junk := bytes.Repeat([]byte{0xA5, 0x13, 0xFF, 0x00, 0x7E, 0x42, 0x99}, 5000)
		overwrite(t, path, 4*4096, junk[:8*4096])
	}},
	{"leaf page flags broken", func(t *testing.T, path string) {
		// Page header: id(8) flags(2) count(2) overflow(4). Mark every
		// page after the metas as a freelist page.
		fi, _ := os.Stat(path)
		for off := int64(2 * 4096); off < fi.Size(); off += 4096 {
			overwrite(t, path, off+8, []byte{0x10, 0x00})
		}
	}},
}

func overwrite(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// logBuffer collects slog records.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestCorruptFileMovedAside(t *testing.T) {
	for _, tc := range corruptions {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			o := openT(t, Options{Path: path})
			for i := 0; i < 200; i++ {
				put(t, o, entry(fmt.Sprintf("r%d", i), 300))
			}
			o.Close()
			tc.damage(t, path)

			var logs logBuffer
			o2, err := Open(Options{Path: path, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			if err != nil {
				t.Fatalf("Open of a corrupt file must recover, got %v", err)
			}
			defer o2.Close()
			rec := o2.Recovery()
			if rec == nil || o2.Stats().Recovery == nil {
				t.Fatal("corruption not reported")
			}
			if _, err := os.Stat(rec.MovedTo); err != nil {
				t.Fatalf("corrupt file not kept aside: %v", err)
			}
			if !strings.HasPrefix(filepath.Base(rec.MovedTo), FileName+".corrupt-") {
				t.Fatalf("moved to %s", rec.MovedTo)
			}
			var line struct{ Level, Msg, Reason string }
			json.Unmarshal([]byte(strings.SplitN(logs.String(), "\n", 2)[0]), &line)
			if line.Level != "ERROR" || !strings.Contains(line.Msg, "CORRUPT") || line.Reason == "" {
				t.Fatalf("log = %s", logs.String())
			}
			if st := o2.Stats(); st.Depth != 0 {
				t.Fatalf("fresh outbox depth = %d", st.Depth)
			}
			put(t, o2, entry("after", 10))
			t.Logf("reason: %s", rec.Reason)
		})
	}
}

func TestCorruptFileReadOnlyReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	os.WriteFile(path, bytes.Repeat([]byte("garbage!"), 4096), 0o600)
	if _, err := OpenReadOnly(path, time.Second); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("OpenReadOnly = %v, want ErrCorrupt", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal("read-only access must not move the file")
	}
}

func TestStaleCompactionFileRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	os.WriteFile(path+".compact", []byte("partial"), 0o600)
	openT(t, Options{Path: path})
	if _, err := os.Stat(path + ".compact"); !os.IsNotExist(err) {
		t.Fatalf("stale compaction file still there: %v", err)
	}
}

func TestParsePolicy(t *testing.T) {
	for _, p := range []Policy{Refuse, DropOldest} {
		got, err := ParsePolicy(p.String())
		if err != nil || got != p {
			t.Fatalf("ParsePolicy(%q) = %v, %v", p, got, err)
		}
	}
	if _, err := ParsePolicy("maybe"); err == nil {
		t.Fatal("unknown policy accepted")
	}
}

func TestFind(t *testing.T) {
	clock := newClock()
	o := openT(t, Options{Retention: time.Hour, SweepEvery: 5 * time.Millisecond, Now: clock.Now})
	e := entry("r1", 100)
	e.Images = map[string][]byte{ImageFrontSide: []byte("jpeg")}
	s1 := put(t, o, e)
	s2 := put(t, o, entry("r2", 100))
	if err := o.Ack(context.Background(), s1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id      string
		wantSeq uint64
		wantErr error
	}{
		{"r1", s1, nil}, // delivered, kept for retention
		{"r2", s2, nil}, // pending
		{"r9", 0, ErrNotFound},
	}
	for _, tt := range tests {
		rec, err := o.Find(tt.id)
		if !errors.Is(err, tt.wantErr) || rec.Seq != tt.wantSeq || (err == nil && rec.ResultID != tt.id) {
			t.Errorf("Find(%s) = seq %d id %q, %v; want seq %d, %v", tt.id, rec.Seq, rec.ResultID, err, tt.wantSeq, tt.wantErr)
		}
	}
	if rec, _ := o.Find("r1"); string(rec.Images[ImageFrontSide]) != "jpeg" || !bytes.Contains(rec.Payload, []byte(`"r1"`)) {
		t.Errorf("Find(r1) lost its data: %+v", rec)
	}
	clock.Add(2 * time.Hour)
	waitFor(t, "delivered result purged", func() bool { return o.Stats().Delivered == 0 })
	if _, err := o.Find("r1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Find after retention: %v, want ErrNotFound", err)
	}
}
