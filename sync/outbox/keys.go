package outbox

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
)

// Personal data at rest. Every record's payload and images are sealed
// (ChaCha20-Poly1305, fast on boards without AES instructions) with a key
// of its own. The keys live apart from bbolt, in KeysFileName: a flat file
// of fixed slots overwritten in place. When a record leaves the outbox
// (acknowledged, dropped, expired, purged) its slot is overwritten with
// zeros and synced, so the copies bbolt leaves in its freed pages, in a
// compacted-away file or in a file set aside as corrupt are ciphertext
// whose key no longer exists. bbolt cannot give that guarantee itself: it
// never zeroes the pages it frees.

// KeysFileName is the record-key file beside the outbox's bbolt file
// (the bbolt file's name plus ".keys").
const KeysFileName = FileName + ".keys"

// keysPath is the key file for the outbox at dbPath.
func keysPath(dbPath string) string { return dbPath + ".keys" }

const slotLen = chacha20poly1305.KeySize

var zeroKey [slotLen]byte

// keyring is the slot file. A slot holding zeros is free. It is safe for
// concurrent use.
type keyring struct {
	mu       sync.Mutex
	f        *os.File // nil for a read-only copy
	keys     []byte   // mirror of the file, len = slots*slotLen
	used     []bool
	nextFree int // no free slot below this
	dirty    bool
}

// openKeyring opens (or creates) the key file and reads it whole.
func openKeyring(path string) (*keyring, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("outbox: open key file: %w", err)
	}
	k, err := readKeyring(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	k.f = f
	return k, nil
}

// readKeyringFile reads the key file for a read-only Reader; a missing
// file is an empty keyring (an outbox written before records were sealed).
func readKeyringFile(path string) (*keyring, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &keyring{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: open key file: %w", err)
	}
	defer f.Close()
	return readKeyring(f)
}

func readKeyring(f *os.File) (*keyring, error) {
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("outbox: read key file: %w", err)
	}
	// A torn tail (a crash while the file grew) holds no whole key.
	b = b[:len(b)/slotLen*slotLen]
	k := &keyring{keys: b, used: make([]bool, len(b)/slotLen)}
	for i := range k.used {
		k.used[i] = string(b[i*slotLen:(i+1)*slotLen]) != string(zeroKey[:])
	}
	k.advance()
	return k, nil
}

func (k *keyring) advance() {
	for k.nextFree < len(k.used) && k.used[k.nextFree] {
		k.nextFree++
	}
}

// alloc stores a fresh random key in a free slot (written, not yet synced:
// sync runs before the transaction that refers to it commits) and returns
// the slot and the key.
func (k *keyring) alloc() (uint32, []byte, error) {
	key := make([]byte, slotLen)
	for {
		if _, err := rand.Read(key); err != nil {
			return 0, nil, fmt.Errorf("outbox: record key: %w", err)
		}
		if string(key) != string(zeroKey[:]) {
			break
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		return 0, nil, ErrClosed // only a closed outbox's keyring has no file
	}
	slot := k.nextFree
	if slot > 1<<31 {
		return 0, nil, errors.New("outbox: key file full")
	}
	if _, err := k.f.WriteAt(key, int64(slot)*slotLen); err != nil {
		return 0, nil, fmt.Errorf("outbox: write record key: %w", err)
	}
	if slot == len(k.used) {
		k.used = append(k.used, true)
		k.keys = append(k.keys, key...)
	} else {
		k.used[slot] = true
		copy(k.keys[slot*slotLen:], key)
	}
	k.dirty = true
	k.advance()
	return uint32(slot), key, nil
}

// sync makes the keys written by alloc durable.
func (k *keyring) sync() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil || !k.dirty {
		return nil
	}
	if err := k.f.Sync(); err != nil {
		return fmt.Errorf("outbox: sync key file: %w", err)
	}
	k.dirty = false
	return nil
}

// key returns a copy of the key in slot, false when the slot is free.
func (k *keyring) key(slot uint32) ([]byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if int(slot) >= len(k.used) || !k.used[slot] {
		return nil, false
	}
	return append([]byte(nil), k.keys[int(slot)*slotLen:int(slot+1)*slotLen]...), true
}

// shred overwrites the slots with zeros, syncs, frees them and trims free
// slots off the file's end. Call it only once no committed record refers
// to them.
func (k *keyring) shred(slots []uint32) error {
	if len(slots) == 0 {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		return errors.New("outbox: key file is read-only")
	}
	for _, s := range slots {
		if int(s) >= len(k.used) {
			continue
		}
		if _, err := k.f.WriteAt(zeroKey[:], int64(s)*slotLen); err != nil {
			return fmt.Errorf("outbox: shred record key: %w", err)
		}
		copy(k.keys[int(s)*slotLen:], zeroKey[:])
		k.used[s] = false
		k.nextFree = min(k.nextFree, int(s))
	}
	n := len(k.used)
	for n > 0 && !k.used[n-1] {
		n--
	}
	if n < len(k.used) {
		// The zeros are written first, so a trim that does not reach the
		// card loses nothing.
		if err := k.f.Sync(); err != nil {
			return fmt.Errorf("outbox: sync key file: %w", err)
		}
		if err := k.f.Truncate(int64(n) * slotLen); err != nil {
			return fmt.Errorf("outbox: trim key file: %w", err)
		}
		k.used, k.keys = k.used[:n], k.keys[:n*slotLen]
	}
	if err := k.f.Sync(); err != nil {
		return fmt.Errorf("outbox: sync key file: %w", err)
	}
	k.dirty = false
	return nil
}

// shredAllBut shreds every used slot that no live record refers to: the
// keys of records deleted before a crash let their slots be zeroed, of
// records whose transaction never committed, and (after a corrupt file
// was moved aside) of every record in the old file.
func (k *keyring) shredAllBut(live map[uint32]bool) (int, error) {
	k.mu.Lock()
	var orphans []uint32
	for i, u := range k.used {
		if u && !live[uint32(i)] {
			orphans = append(orphans, uint32(i))
		}
	}
	k.mu.Unlock()
	return len(orphans), k.shred(orphans)
}

func (k *keyring) close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.f == nil {
		return nil
	}
	err := k.f.Close()
	k.f = nil
	return err
}

// sealBody encrypts a record's body under key with a random nonce; the
// result_id is bound as additional data so a body cannot be moved to
// another record.
func sealBody(key, nonce, body, resultID []byte) ([]byte, error) {
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err
	}
	return aead.Seal(nil, nonce, body, resultID), nil
}

func openBody(key, nonce, sealed, resultID []byte) ([]byte, error) {
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, err
	}
	return aead.Open(nil, nonce, sealed, resultID)
}
