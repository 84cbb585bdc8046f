// Package entitle owns the device's entitlement store: the organisation's
// API keys, kept as SHA-256 hashes in their own bbolt file, each with its
// subscriptions to a technology (active, start, end). The HTTP server asks
// it whether a key may use Document Recognition; `docscan keys` and the
// MQTT `keys` command manage it.
//
// Keys are at least 47 characters of high entropy, so a plain SHA-256 is
// enough: nobody can invert it, and a slow password hash would buy nothing
// while forbidding the lookup by hash. Comparisons run in constant time.
//
// The file is opened only for the length of one transaction (read-only
// for lookups, with a shared lock), so the daemon and the CLI can use it at
// once. Lookups use an in-memory copy that is reloaded when the file
// changes, so the device keeps answering offline and without disk reads.
package entitle

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MinKeyLength is the shortest API key accepted: the contract's keys are
// 47 characters or more.
const MinKeyLength = 47

// TechDocumentRecognition is the technology the HTTP API serves.
const TechDocumentRecognition = "document_recognition"

// The outcomes of Check that refuse a key. The HTTP server maps them to
// the contract's statuses and messages.
var (
	// ErrUnknownKey: the key is missing, too short or not in the store.
	ErrUnknownKey = errors.New("unknown API key")
	// ErrNoSubscription: the key has no subscription at all.
	ErrNoSubscription = errors.New("client does not have subscription")
	// ErrNoAccess: the key has subscriptions, but none to the technology
	// that is active (switched on); all are for other technologies or are
	// deactivated.
	ErrNoAccess = errors.New("client does not have access to the technology")
	// ErrNotStarted: an active subscription to the technology exists but
	// starts in the future, and none covers now.
	ErrNotStarted = errors.New("subscription has not started")
	// ErrNoActiveOrFuture: every active subscription to the technology has
	// ended.
	ErrNoActiveOrFuture = errors.New("no active or future subscription for technology")
)

// Subscription is one subscription of a key to a technology. It covers
// [Start, End); a zero End never ends.
type Subscription struct {
	Technology string    `json:"technology"`
	Active     bool      `json:"active"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end,omitzero"`
}

// Covers reports whether s is in force at now (ignoring Active).
func (s Subscription) Covers(now time.Time) bool {
	return !now.Before(s.Start) && (s.End.IsZero() || now.Before(s.End))
}

// Key is one stored API key. The key itself is never stored: only its
// SHA-256 and a short hint of its first characters, for people.
type Key struct {
	// Hash is the hex SHA-256 of the key.
	Hash string `json:"key_sha256"`
	// Hint is the key's first characters, e.g. "Efy202".
	Hint          string         `json:"hint,omitempty"`
	Label         string         `json:"label,omitempty"`
	Added         time.Time      `json:"added,omitzero"`
	Subscriptions []Subscription `json:"subscriptions"`
}

// ID is the short identifier `docscan keys list` prints and `revoke`
// takes: the first 12 hex digits of the hash.
func (k Key) ID() string {
	if len(k.Hash) < 12 {
		return k.Hash
	}
	return k.Hash[:12]
}

// hintLength is how many leading characters of a key are kept as its
// hint; a 47-character key keeps 41 unknown characters.
const hintLength = 6

// HashKey returns the hex SHA-256 of an API key, as Key.Hash holds it.
func HashKey(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return hex.EncodeToString(sum[:])
}

// NewKey returns the record for a plaintext key, or an error when the key
// is too short or not printable ASCII.
func NewKey(apiKey, label string, added time.Time, subs ...Subscription) (Key, error) {
	if err := ValidateKey(apiKey); err != nil {
		return Key{}, err
	}
	return Key{Hash: HashKey(apiKey), Hint: apiKey[:hintLength], Label: label, Added: added.UTC(), Subscriptions: subs}, nil
}

// ErrBadKey is returned for a key that can not be stored.
var ErrBadKey = errors.New("invalid API key")

// ValidateKey checks that a key is long enough and printable ASCII.
func ValidateKey(apiKey string) error {
	if len(apiKey) < MinKeyLength {
		return fmt.Errorf("%w: %d characters, want at least %d", ErrBadKey, len(apiKey), MinKeyLength)
	}
	for i := 0; i < len(apiKey); i++ {
		if c := apiKey[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%w: character %d is not printable ASCII", ErrBadKey, i)
		}
	}
	return nil
}

// validate checks a record as it comes from the file or from MQTT.
func (k Key) validate() error {
	if len(k.Hash) != sha256.Size*2 {
		return fmt.Errorf("%w: key_sha256 must be %d hex digits", ErrBadKey, sha256.Size*2)
	}
	if _, err := hex.DecodeString(k.Hash); err != nil {
		return fmt.Errorf("%w: key_sha256: %w", ErrBadKey, err)
	}
	if k.Hash != strings.ToLower(k.Hash) {
		return fmt.Errorf("%w: key_sha256 must be lower-case hex", ErrBadKey)
	}
	for i, s := range k.Subscriptions {
		if s.Technology == "" {
			return fmt.Errorf("subscription %d: technology is empty", i)
		}
		if !s.End.IsZero() && !s.End.After(s.Start) {
			return fmt.Errorf("subscription %d: end %s is not after start %s", i, s.End.Format(time.RFC3339), s.Start.Format(time.RFC3339))
		}
	}
	return nil
}

// Decide says whether a key's subscriptions let it use technology at now.
// The rules, in order:
//  1. no subscription at all: ErrNoSubscription;
//  2. no active (switched-on) subscription to technology: ErrNoAccess;
//  3. an active one covers now: nil;
//  4. an active one starts later: ErrNotStarted;
//  5. otherwise every active one has ended: ErrNoActiveOrFuture.
func Decide(subs []Subscription, technology string, now time.Time) error {
	if len(subs) == 0 {
		return ErrNoSubscription
	}
	var any, future bool
	for _, s := range subs {
		if s.Technology != technology || !s.Active {
			continue
		}
		any = true
		if s.Covers(now) {
			return nil
		}
		if now.Before(s.Start) {
			future = true
		}
	}
	switch {
	case !any:
		return ErrNoAccess
	case future:
		return ErrNotStarted
	default:
		return ErrNoActiveOrFuture
	}
}

// State names a key's standing for technology at now, for listings:
// "active", "not started", "ended", "no access", "no subscription".
func State(subs []Subscription, technology string, now time.Time) string {
	switch Decide(subs, technology, now) {
	case nil:
		return "active"
	case ErrNotStarted:
		return "not started"
	case ErrNoActiveOrFuture:
		return "ended"
	case ErrNoAccess:
		return "no access"
	default:
		return "no subscription"
	}
}

// Static is a fixed, in-memory set of unlimited keys (the daemon's
// -api-key flags): any of them may use every technology, forever.
type Static struct {
	hashes [][sha256.Size]byte
}

// NewStatic returns the set of the given keys; each must pass ValidateKey.
func NewStatic(apiKeys ...string) (*Static, error) {
	s := &Static{}
	for i, k := range apiKeys {
		if err := ValidateKey(k); err != nil {
			return nil, fmt.Errorf("api key %d: %w", i+1, err)
		}
		s.hashes = append(s.hashes, sha256.Sum256([]byte(k)))
	}
	return s, nil
}

// Contains reports whether apiKey is one of the set. It compares against
// every key in constant time, whichever matches.
func (s *Static) Contains(apiKey string) bool {
	if s == nil {
		return false
	}
	h := sha256.Sum256([]byte(apiKey))
	found := 0
	for i := range s.hashes {
		found |= subtle.ConstantTimeCompare(h[:], s.hashes[i][:])
	}
	return found == 1
}

// Len returns how many keys the set holds.
func (s *Static) Len() int {
	if s == nil {
		return 0
	}
	return len(s.hashes)
}
