package outbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// personalEntry is a result carrying personal data that a raw scan of the
// disk can recognise: a surname, a document number, an IIN and a portrait.
func personalEntry(i int) (Entry, [][]byte) {
	name := fmt.Sprintf("ZHAKSYBEKOVA%04d", i)
	number := fmt.Sprintf("N%08d", 31400000+i)
	iin := fmt.Sprintf("%012d", 870412300000+i)
	portrait := []byte(fmt.Sprintf("PORTRAIT-BYTES-%04d", i))
	e := Entry{
		ResultID: fmt.Sprintf("res-%04d", i),
		Payload:  []byte(fmt.Sprintf(`{"last_name":%q,"document_number":%q,"personal_number":%q}`, name, number, iin)),
		Images:   map[string][]byte{ImageFrontSide: bytes.Repeat(portrait, 20)},
	}
	return e, [][]byte{[]byte(name), []byte(number), []byte(iin), portrait}
}

// scanDir counts the markers found in the raw bytes of every file under
// dir, as someone holding the SD card would search it.
func scanDir(t *testing.T, dir string, markers [][]byte) (found int, files []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files = append(files, filepath.Base(path))
		for _, m := range markers {
			found += bytes.Count(raw, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found, files
}

// liveKeys counts the key file's slots that still hold a key.
func liveKeys(t *testing.T, dbPath string) int {
	t.Helper()
	k, err := readKeyringFile(keysPath(dbPath))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range k.used {
		if u {
			n++
		}
	}
	return n
}

// TestNoPersonalDataAtRestAfterDelivery stores 400 results with personal
// data, acknowledges them all, and searches the data directory's raw bytes
// for every name, number and portrait sent. Sealed records leave nothing;
// the control stores the same results as records were stored before they
// were sealed, and the same search finds bbolt's freed pages still
// holding them (what the audit found with strings).
func TestNoPersonalDataAtRestAfterDelivery(t *testing.T) {
	const n = 400
	for _, tc := range []struct {
		name      string
		sealed    bool
		wantFound bool
	}{
		{"sealed", true, false},
		{"control: plain records", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			o := openT(t, Options{Path: path, MaxBytes: 64 << 20})
			var markers [][]byte
			var seqs []uint64
			for i := range n {
				e, m := personalEntry(i)
				markers = append(markers, m...)
				if tc.sealed {
					seqs = append(seqs, put(t, o, e))
					continue
				}
				r := &request{kind: reqPut, value: encodeRecord(e, time.Time{}), resultID: e.ResultID, done: make(chan reply, 1)}
				o.commit([]*request{r})
				rep := <-r.done
				if rep.err != nil {
					t.Fatal(rep.err)
				}
				seqs = append(seqs, rep.seq)
			}
			if tc.sealed {
				if found, _ := scanDir(t, dir, markers); found != 0 {
					t.Errorf("pending results readable at rest: %d markers found", found)
				}
				// Pending results stay readable to the device itself.
				rec, err := o.Find("res-0007")
				if err != nil || !bytes.Contains(rec.Payload, []byte("ZHAKSYBEKOVA0007")) {
					t.Fatalf("Find of a pending result: %v %q", err, rec.Payload)
				}
			}
			for i := 0; i < len(seqs); i += 50 {
				if err := o.Ack(context.Background(), seqs[i:min(i+50, len(seqs))]...); err != nil {
					t.Fatal(err)
				}
			}
			if d := o.Stats().Depth; d != 0 {
				t.Fatalf("depth %d after acknowledging everything", d)
			}
			if err := o.Close(); err != nil {
				t.Fatal(err)
			}
			found, files := scanDir(t, dir, markers)
			t.Logf("%d markers found in %v", found, files)
			if tc.wantFound != (found > 0) {
				t.Errorf("%d of %d markers found in the data directory after delivery; want found = %v", found, len(markers), tc.wantFound)
			}
			if k := liveKeys(t, path); k != 0 {
				t.Errorf("%d record keys left in the key file after delivery", k)
			}
		})
	}
}

// TestCorruptFileAsideIsUnreadable: a damaged outbox moved aside stays on
// the card, so the keys of its records are destroyed when the fresh one
// starts; its results were never going to be sent.
func TestCorruptFileAsideIsUnreadable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	o := openT(t, Options{Path: path})
	var markers [][]byte
	for i := range 50 {
		e, m := personalEntry(i)
		markers = append(markers, m...)
		put(t, o, e)
	}
	o.Close()
	if k := liveKeys(t, path); k != 50 {
		t.Fatalf("%d keys before the damage, want 50", k)
	}
	overwrite(t, path, 0, make([]byte, 8192)) // both meta pages
	o2 := openT(t, Options{Path: path})
	rec := o2.Recovery()
	if rec == nil {
		t.Fatal("corruption not found")
	}
	if k := liveKeys(t, path); k != 0 {
		t.Errorf("%d keys of the set-aside file's records survive", k)
	}
	if found, files := scanDir(t, dir, markers); found != 0 {
		t.Errorf("%d markers readable in %v", found, files)
	}
	put(t, o2, entry("after", 10))
	if k := liveKeys(t, path); k != 1 {
		t.Errorf("%d keys after one new result, want 1", k)
	}
}

// TestOrphanKeysDestroyedAtOpen: the device stopped after records were
// deleted but before their keys were zeroed, and after a key was written
// for a result whose transaction never committed. Open destroys exactly
// those keys and keeps the rest readable.
func TestOrphanKeysDestroyedAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	o := openT(t, Options{Path: path})
	for i := range 10 {
		e, _ := personalEntry(i)
		put(t, o, e)
	}
	o.Close()
	// Three records deleted behind the outbox's back, keys left in place.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for seq := uint64(1); seq <= 3; seq++ {
			if err := tx.Bucket(bucketPending).Delete(seqKey(seq)); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	// A key written for a result never committed.
	k, err := openKeyring(keysPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.alloc(); err != nil {
		t.Fatal(err)
	}
	k.sync()
	k.close()
	if got := liveKeys(t, path); got != 11 {
		t.Fatalf("%d keys before reopening, want 11", got)
	}

	o2 := openT(t, Options{Path: path})
	if got := liveKeys(t, path); got != 7 {
		t.Errorf("%d keys after reopening, want the 7 of the stored records", got)
	}
	recs, err := o2.Pending(0, 100)
	if err != nil || len(recs) != 7 {
		t.Fatalf("Pending = %d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if !bytes.Contains(r.Payload, []byte("ZHAKSYBEKOVA")) {
			t.Errorf("record %d unreadable: %q", r.Seq, r.Payload)
		}
	}
}

// TestLostKeyFile: without the key file the sealed records cannot be
// read; they are dropped as corrupt at open, counted, and the outbox works.
func TestLostKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	o := openT(t, Options{Path: path})
	for i := range 5 {
		e, _ := personalEntry(i)
		put(t, o, e)
	}
	o.Close()
	if err := os.Remove(keysPath(path)); err != nil {
		t.Fatal(err)
	}
	o2 := openT(t, Options{Path: path})
	st := o2.Stats()
	if st.Depth != 0 || st.Drops[DropCorrupt] != 5 {
		t.Fatalf("depth %d, corrupt drops %d; want 0 and 5", st.Depth, st.Drops[DropCorrupt])
	}
	put(t, o2, entry("after", 10))
}

// TestKeyringSlots: slots are reused lowest first and the file shrinks
// when its last slots are freed.
func TestKeyringSlots(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeysFileName)
	k, err := openKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	defer k.close()
	var slots []uint32
	for range 4 {
		s, _, err := k.alloc()
		if err != nil {
			t.Fatal(err)
		}
		slots = append(slots, s)
	}
	if fmt.Sprint(slots) != "[0 1 2 3]" {
		t.Fatalf("slots %v", slots)
	}
	if err := k.shred([]uint32{1}); err != nil {
		t.Fatal(err)
	}
	if s, _, _ := k.alloc(); s != 1 {
		t.Errorf("freed slot 1 not reused: got %d", s)
	}
	if err := k.shred([]uint32{2, 3}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() != 2*slotLen {
		t.Errorf("key file %d bytes after freeing its last two slots, want %d", fi.Size(), 2*slotLen)
	}
	if _, ok := k.key(3); ok {
		t.Error("shredded slot still has a key")
	}
}
