package entitle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the store's file inside the daemon's data directory.
const FileName = "entitlements.db"

// Path returns the store's path inside dataDir.
func Path(dataDir string) string { return filepath.Join(dataDir, FileName) }

var (
	bucketKeys = []byte("keys")
	bucketMeta = []byte("meta")
	keySchema  = []byte("schema")
)

const schemaVersion = "1"

// lockTimeout bounds the wait for another process's transaction.
const lockTimeout = 5 * time.Second

// recentWrite is how close to now a file change must be for the cache not
// to be trusted: file times are coarse (a jiffy), so a second write in the
// same tick would otherwise go unseen.
const recentWrite = 2 * time.Second

// ErrNotFound is returned when a key to remove is not in the store.
var ErrNotFound = errors.New("API key not found")

// Store is the bbolt-backed entitlement store. It is safe for concurrent
// use, and for use by several processes at once.
type Store struct {
	path string

	mu     sync.Mutex
	loaded bool
	stamp  fs.FileInfo
	cache  []cachedKey
}

type cachedKey struct {
	hash [sha256.Size]byte
	key  Key
}

// Open opens the store at path, creating the file and its buckets when
// missing. The file is not held open between calls.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("entitlement store: %w", err)
	}
	s := &Store{path: path}
	err := s.update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keySchema); v != nil && string(v) != schemaVersion {
			return fmt.Errorf("%w: schema version %q, this build reads %q", ErrSchema, v, schemaVersion)
		}
		if err := meta.Put(keySchema, []byte(schemaVersion)); err != nil {
			return err
		}
		_, err = tx.CreateBucketIfNotExists(bucketKeys)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Path returns the file the store lives in.
func (s *Store) Path() string { return s.path }

func (s *Store) update(fn func(*bolt.Tx) error) error {
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return fmt.Errorf("entitlement store %s: %w", s.path, err)
	}
	err = db.Update(fn)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	s.mu.Lock()
	s.stamp = nil // our own write: reload on the next lookup
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("entitlement store %s: %w", s.path, err)
	}
	return nil
}

func (s *Store) view(fn func(*bolt.Tx) error) error {
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("entitlement store %s: %w", s.path, err)
	}
	err = db.View(fn)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("entitlement store %s: %w", s.path, err)
	}
	return nil
}

func readKeys(tx *bolt.Tx) ([]Key, error) {
	b := tx.Bucket(bucketKeys)
	if b == nil {
		return nil, nil
	}
	var keys []Key
	err := b.ForEach(func(k, v []byte) error {
		var key Key
		if err := json.Unmarshal(v, &key); err != nil {
			return fmt.Errorf("record %.12s: %w", k, err)
		}
		keys = append(keys, key)
		return nil
	})
	return keys, err
}

func putKey(tx *bolt.Tx, k Key) error {
	if err := k.validate(); err != nil {
		return err
	}
	v, err := json.Marshal(k)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketKeys).Put([]byte(k.Hash), v)
}

// refresh reloads the in-memory copy when the file changed. Callers hold mu.
func (s *Store) refresh(now time.Time) error {
	fi, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		s.cache, s.stamp, s.loaded = nil, nil, true
		return nil
	}
	if err != nil {
		return fmt.Errorf("entitlement store: %w", err)
	}
	if s.loaded && s.stamp != nil && os.SameFile(fi, s.stamp) && fi.ModTime().Equal(s.stamp.ModTime()) &&
		fi.Size() == s.stamp.Size() && now.Sub(fi.ModTime()) > recentWrite {
		return nil
	}
	var keys []Key
	if err := s.view(func(tx *bolt.Tx) error {
		var err error
		keys, err = readKeys(tx)
		return err
	}); err != nil {
		return err
	}
	cache := make([]cachedKey, 0, len(keys))
	for _, k := range keys {
		raw, err := hex.DecodeString(k.Hash)
		if err != nil || len(raw) != sha256.Size {
			continue // validated on write; a damaged record matches nothing
		}
		c := cachedKey{key: k}
		copy(c.hash[:], raw)
		cache = append(cache, c)
	}
	s.cache, s.stamp, s.loaded = cache, fi, true
	return nil
}

// Check decides whether apiKey may use technology at now: nil, or one of
// ErrUnknownKey, ErrNoSubscription, ErrNoAccess, ErrNotStarted,
// ErrNoActiveOrFuture. Other errors mean the store could not be read.
func (s *Store) Check(ctx context.Context, apiKey, technology string, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(apiKey) < MinKeyLength {
		return ErrUnknownKey
	}
	h := sha256.Sum256([]byte(apiKey))
	s.mu.Lock()
	if err := s.refresh(now); err != nil && !s.loaded {
		// Nothing read yet: fail closed. Once loaded, a file that can not
		// be read for a moment (locked, being replaced) leaves the last
		// copy in force.
		s.mu.Unlock()
		return err
	}
	// Compare with every key, without stopping at a match.
	match := -1
	for i := range s.cache {
		if subtle.ConstantTimeCompare(h[:], s.cache[i].hash[:]) == 1 {
			match = i
		}
	}
	var subs []Subscription
	if match >= 0 {
		subs = s.cache[match].key.Subscriptions
	}
	s.mu.Unlock()
	if match < 0 {
		return ErrUnknownKey
	}
	return Decide(subs, technology, now)
}

// List returns every stored key, ordered by label then ID.
func (s *Store) List(ctx context.Context) ([]Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var keys []Key
	if err := s.view(func(tx *bolt.Tx) error {
		var err error
		keys, err = readKeys(tx)
		return err
	}); err != nil {
		return nil, err
	}
	slices.SortFunc(keys, func(a, b Key) int {
		if c := strings.Compare(a.Label, b.Label); c != 0 {
			return c
		}
		return strings.Compare(a.Hash, b.Hash)
	})
	return keys, nil
}

// Add stores k. When its hash is already stored, k's subscriptions are
// appended to the stored ones and a non-empty label replaces the old one.
// It returns the record as stored.
func (s *Store) Add(ctx context.Context, k Key) (Key, error) {
	if err := ctx.Err(); err != nil {
		return Key{}, err
	}
	if err := k.validate(); err != nil {
		return Key{}, err
	}
	var stored Key
	err := s.update(func(tx *bolt.Tx) error {
		stored = k
		if v := tx.Bucket(bucketKeys).Get([]byte(k.Hash)); v != nil {
			var old Key
			if err := json.Unmarshal(v, &old); err != nil {
				return fmt.Errorf("record %s: %w", k.ID(), err)
			}
			stored = old
			stored.Subscriptions = append(stored.Subscriptions, k.Subscriptions...)
			if k.Label != "" {
				stored.Label = k.Label
			}
		}
		return putKey(tx, stored)
	})
	return stored, err
}

// Remove deletes the key whose hash starts with idOrKey (an ID of at least
// 8 hex digits, or the whole hash), or whose plaintext is idOrKey. It
// returns the removed record; ErrNotFound when none matches, and an error
// when an ID prefix matches several keys.
func (s *Store) Remove(ctx context.Context, idOrKey string) (Key, error) {
	if err := ctx.Err(); err != nil {
		return Key{}, err
	}
	want := strings.ToLower(strings.TrimSpace(idOrKey))
	_, hexErr := hex.DecodeString(want)
	isHash := len(want) == sha256.Size*2 && hexErr == nil
	plain := len(idOrKey) >= MinKeyLength && !isHash
	if plain {
		want = HashKey(idOrKey)
	} else if len(want) < 8 {
		return Key{}, fmt.Errorf("key ID %q is too short: give at least 8 hex digits", idOrKey)
	}
	var removed Key
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketKeys)
		var hits [][]byte
		c := b.Cursor()
		for k, _ := c.Seek([]byte(want)); k != nil && strings.HasPrefix(string(k), want); k, _ = c.Next() {
			hits = append(hits, slices.Clone(k))
		}
		switch len(hits) {
		case 0:
			return ErrNotFound
		case 1:
		default:
			return fmt.Errorf("key ID %q matches %d keys: give more digits", idOrKey, len(hits))
		}
		if err := json.Unmarshal(b.Get(hits[0]), &removed); err != nil {
			return fmt.Errorf("record %.12s: %w", hits[0], err)
		}
		return b.Delete(hits[0])
	})
	return removed, err
}

// Update is a change to the whole store, as the fleet's MQTT `keys`
// command carries it (JSON):
//
//	{"mode": "replace"|"merge",
//	 "keys": [{"key_sha256": "<hex>" | "key": "<plaintext>", "hint": "...", "label": "...",
//	           "subscriptions": [{"technology": "document_recognition", "active": true,
//	                              "start": "2025-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}]}],
//	 "revoke": ["<hex hash>", ...]}
//
// "replace" makes the store exactly Keys; "merge" stores each of Keys in
// place of the record with its hash (subscriptions replaced, not
// appended) and deletes Revoke.
type Update struct {
	Mode   string      `json:"mode"`
	Keys   []UpdateKey `json:"keys"`
	Revoke []string    `json:"revoke,omitempty"`
}

// UpdateKey is a Key that may carry its plaintext instead of its hash;
// the plaintext is hashed and dropped on Apply.
type UpdateKey struct {
	Key
	APIKey string `json:"key,omitempty"`
}

// Update modes.
const (
	ModeReplace = "replace"
	ModeMerge   = "merge"
)

// ParseUpdate decodes and validates an Update.
func ParseUpdate(data []byte) (Update, error) {
	var u Update
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		return Update{}, fmt.Errorf("keys update: %w", err)
	}
	if _, err := u.records(time.Time{}); err != nil {
		return Update{}, err
	}
	return u, nil
}

// records turns the update's keys into validated records.
func (u Update) records(now time.Time) ([]Key, error) {
	if u.Mode != ModeReplace && u.Mode != ModeMerge {
		return nil, fmt.Errorf("keys update: mode %q, want %q or %q", u.Mode, ModeReplace, ModeMerge)
	}
	if u.Mode == ModeReplace && len(u.Revoke) > 0 {
		return nil, fmt.Errorf("keys update: revoke is meaningless with mode %q", ModeReplace)
	}
	seen := map[string]bool{}
	out := make([]Key, 0, len(u.Keys))
	for i, uk := range u.Keys {
		k := uk.Key
		switch {
		case uk.APIKey != "" && k.Hash != "":
			return nil, fmt.Errorf("keys update: key %d has both key and key_sha256", i)
		case uk.APIKey != "":
			nk, err := NewKey(uk.APIKey, k.Label, k.Added, k.Subscriptions...)
			if err != nil {
				return nil, fmt.Errorf("keys update: key %d: %w", i, err)
			}
			k = nk
		}
		if k.Added.IsZero() {
			k.Added = now.UTC()
		}
		if err := k.validate(); err != nil {
			return nil, fmt.Errorf("keys update: key %d: %w", i, err)
		}
		if seen[k.Hash] {
			return nil, fmt.Errorf("keys update: key %d (%s) given twice", i, k.ID())
		}
		seen[k.Hash] = true
		out = append(out, k)
	}
	for i, h := range u.Revoke {
		if len(h) != sha256.Size*2 {
			return nil, fmt.Errorf("keys update: revoke %d: want a %d-digit hex hash", i, sha256.Size*2)
		}
	}
	return out, nil
}

// Apply carries out an Update in one transaction: all of it or nothing.
// It is what the MQTT `keys` command calls.
func (s *Store) Apply(ctx context.Context, u Update, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	keys, err := u.records(now)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		if u.Mode == ModeReplace {
			if err := tx.DeleteBucket(bucketKeys); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
			if _, err := tx.CreateBucket(bucketKeys); err != nil {
				return err
			}
		}
		for _, h := range u.Revoke {
			if err := tx.Bucket(bucketKeys).Delete([]byte(strings.ToLower(h))); err != nil {
				return err
			}
		}
		for _, k := range keys {
			if err := putKey(tx, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// ApplySummary is ApplyJSON's reply.
type ApplySummary struct {
	Mode    string `json:"mode"`
	Keys    int    `json:"keys"`
	Revoked int    `json:"revoked"`
	Total   int    `json:"total"`
}

// ApplyJSON parses an Update and applies it. Its signature is the MQTT
// uplink's command handler's, so cmd registers it as the "keys" command
// as it is: Handlers["keys"] = store.ApplyJSON.
func (s *Store) ApplyJSON(ctx context.Context, args []byte) (any, error) {
	u, err := ParseUpdate(args)
	if err != nil {
		return nil, err
	}
	if err := s.Apply(ctx, u, time.Now()); err != nil {
		return nil, err
	}
	keys, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	return ApplySummary{Mode: u.Mode, Keys: len(u.Keys), Revoked: len(u.Revoke), Total: len(keys)}, nil
}

// ErrCorrupt: the store's file is not a readable bbolt database.
var ErrCorrupt = errors.New("entitlement store: file is corrupt")

// OpenRecovering is Open for the daemon: a store whose file is corrupt
// is moved aside to PATH.corrupt-TIMESTAMP and a new, empty one started,
// so that a damaged file cannot keep the device from starting (its
// unlimited -api-key keys work on). aside names the file set aside, ""
// when nothing was. Any other failure (a lock held, a schema from another
// build, permissions) is returned as Open returns it.
func OpenRecovering(path string, now time.Time) (s *Store, aside string, err error) {
	s, err = openGuarded(path)
	if !errors.Is(err, ErrCorrupt) {
		return s, "", err
	}
	aside = fmt.Sprintf("%s.corrupt-%s", path, now.UTC().Format("20060102T150405Z"))
	if rerr := os.Rename(path, aside); rerr != nil {
		return nil, "", fmt.Errorf("%w; setting it aside: %w", err, rerr)
	}
	s, err = Open(path)
	return s, aside, err
}

// openGuarded is Open with bbolt's corruption errors, and the panics a
// damaged file can cause in it, reported as ErrCorrupt.
func openGuarded(path string) (s *Store, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	s, err = Open(path)
	var pathErr *fs.PathError
	switch {
	case err == nil, errors.Is(err, bolt.ErrTimeout), errors.Is(err, ErrSchema), errors.As(err, &pathErr):
		// opened; or held by another process, written by another build,
		// or not reachable: none of these is the file's damage
		return s, err
	}
	// bbolt read the file and could not make a database of it (invalid
	// or mismatched meta pages, a size no database has, ...)
	return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
}

// ErrSchema: the store was written by a build with another schema.
var ErrSchema = errors.New("entitlement store: another schema")
