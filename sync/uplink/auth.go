package uplink

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Commands are signed: broker ACLs are the first wall, an ed25519
// signature by a key the device trusts is the second. The signature covers
// signedCommand's bytes: the device id, the command's name, its correlation
// id, its arguments exactly as sent, a timestamp and a nonce. The device
// refuses a command that is unsigned, signed by a key it does not trust,
// meant for another device, outside the time window, or a replay of a
// nonce it has seen within that window.

// Refusal reasons, as counted in Stats().Refused and the metrics.
const (
	RefusedUnsigned     = "unsigned"
	RefusedUnknownKey   = "unknown_key"
	RefusedBadSignature = "bad_signature"
	RefusedOtherDevice  = "other_device"
	RefusedStale        = "stale"
	RefusedReplayed     = "replayed"
)

// ErrRefused wraps every authentication refusal; errors.As finds the
// *RefusedError with the reason.
var ErrRefused = errors.New("command refused")

// RefusedError is why a command was not authenticated.
type RefusedError struct {
	Reason string
	Detail string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrRefused, e.Reason, e.Detail)
}
func (e *RefusedError) Unwrap() error { return ErrRefused }

func refuse(reason, format string, a ...any) error {
	return &RefusedError{Reason: reason, Detail: fmt.Sprintf(format, a...)}
}

// signedCommand is what the signature covers. The fields are joined by
// NUL, which none of them but the last (the arguments) may contain, so
// the encoding is unambiguous.
func signedCommand(deviceID, name, correlationID, timestamp, nonce string, args []byte) []byte {
	var b bytes.Buffer
	for _, s := range []string{"docscan-command-v1", deviceID, name, correlationID, timestamp, nonce} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	b.Write(args)
	return b.Bytes()
}

// signedRequest is the command payload with its authentication fields.
type signedRequest struct {
	CorrelationID string          `json:"correlation_id"`
	Args          json.RawMessage `json:"args,omitempty"`
	DeviceID      string          `json:"device_id"`
	Timestamp     string          `json:"timestamp"`
	Nonce         string          `json:"nonce"`
	Key           string          `json:"key"`
	Signature     string          `json:"signature"`
}

// SignCommand builds the payload of a signed command for one device, for
// docscan/<deviceID>/cmd/<name>: what `docscan sign-command` prints. args
// may be nil.
func SignCommand(priv ed25519.PrivateKey, deviceID, name, correlationID string, args json.RawMessage, now time.Time) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("uplink: not an ed25519 private key")
	}
	if !deviceIDPattern.MatchString(deviceID) {
		return nil, fmt.Errorf("uplink: device id %q", deviceID)
	}
	if !commandNamePattern.MatchString(name) {
		return nil, fmt.Errorf("uplink: command name %q", name)
	}
	if !validCorrelationID(correlationID) {
		return nil, fmt.Errorf("uplink: correlation id must be 1-%d printable characters", maxCorrelationID)
	}
	var compact bytes.Buffer
	if len(args) > 0 {
		// The payload carries the arguments compacted (encoding/json
		// compacts a RawMessage), so that form is what is signed.
		if err := json.Compact(&compact, args); err != nil {
			return nil, fmt.Errorf("uplink: args: %w", err)
		}
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	req := signedRequest{
		CorrelationID: correlationID,
		DeviceID:      deviceID,
		Timestamp:     now.UTC().Format(time.RFC3339Nano),
		Nonce:         base64.RawURLEncoding.EncodeToString(nonce),
		Key:           base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)),
	}
	if compact.Len() > 0 && compact.String() != "null" { // null is no arguments, as ParseCommand reads it
		req.Args = compact.Bytes()
	}
	sig := ed25519.Sign(priv, signedCommand(deviceID, name, correlationID, req.Timestamp, req.Nonce, req.Args))
	req.Signature = base64.StdEncoding.EncodeToString(sig)
	return json.Marshal(req)
}

// ParseCommandKeys reads base64 ed25519 public keys.
func ParseCommandKeys(keys []string) ([]ed25519.PublicKey, error) {
	out := make([]ed25519.PublicKey, 0, len(keys))
	for _, k := range keys {
		b, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%q: not a base64 ed25519 public key", k)
		}
		out = append(out, ed25519.PublicKey(b))
	}
	return out, nil
}

// authenticator checks signed commands and remembers nonces for the time
// window.
type authenticator struct {
	deviceID string
	keys     []ed25519.PublicKey
	window   time.Duration
	maxSeen  int

	mu      sync.Mutex
	seen    map[string]time.Time // nonce → the command's timestamp
	refused map[string]uint64
}

func newAuthenticator(deviceID string, keys []ed25519.PublicKey, window time.Duration) *authenticator {
	return &authenticator{deviceID: deviceID, keys: keys, window: window, maxSeen: 100_000,
		seen: map[string]time.Time{}, refused: map[string]uint64{}}
}

// check authenticates a parsed command, all but its nonce's freshness
// (remember does that once the command is to run); on refusal it counts
// the reason.
func (a *authenticator) check(c Command, now time.Time) error {
	err := a.verify(c, now)
	var r *RefusedError
	if errors.As(err, &r) {
		a.count(r.Reason)
	}
	return err
}

func (a *authenticator) count(reason string) {
	a.mu.Lock()
	a.refused[reason]++
	a.mu.Unlock()
}

func (a *authenticator) verify(c Command, now time.Time) error {
	if c.Signature == "" {
		return refuse(RefusedUnsigned, "commands must be signed (docscan sign-command)")
	}
	if c.DeviceID != a.deviceID {
		return refuse(RefusedOtherDevice, "signed for device %q", c.DeviceID)
	}
	key, err := base64.StdEncoding.DecodeString(c.Key)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return refuse(RefusedUnknownKey, "key is not a base64 ed25519 public key")
	}
	trusted := false
	for _, k := range a.keys {
		if bytes.Equal(k, key) {
			trusted = true
			break
		}
	}
	if !trusted {
		if len(a.keys) == 0 {
			return refuse(RefusedUnknownKey, "no command key is configured on this device (-command-key)")
		}
		return refuse(RefusedUnknownKey, "key %s is not trusted", c.Key)
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || !ed25519.Verify(key, signedCommand(c.DeviceID, c.Name, c.CorrelationID, c.Timestamp, c.Nonce, c.Args), sig) {
		return refuse(RefusedBadSignature, "signature does not verify")
	}
	ts, err := time.Parse(time.RFC3339Nano, c.Timestamp)
	if err != nil {
		return refuse(RefusedStale, "timestamp %q is not RFC 3339", c.Timestamp)
	}
	if d := now.Sub(ts); d > a.window || d < -a.window {
		return refuse(RefusedStale, "timestamp %s is %v from the device's clock; the window is ±%v", c.Timestamp, d.Round(time.Second), a.window)
	}
	if c.Nonce == "" || len(c.Nonce) > 64 {
		return refuse(RefusedReplayed, "nonce must be 1-64 characters")
	}
	return nil
}

// remember records a command's nonce, refusing (and counting) a nonce
// seen before. Nonces older than the window
// are forgotten: their commands are refused as stale anyway.
func (a *authenticator) remember(c Command, now time.Time) error {
	ts, _ := time.Parse(time.RFC3339Nano, c.Timestamp)
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.seen[c.Nonce]; ok {
		a.refused[RefusedReplayed]++
		return refuse(RefusedReplayed, "nonce already used")
	}
	if len(a.seen) >= a.maxSeen {
		for n, t := range a.seen {
			if now.Sub(t) > a.window {
				delete(a.seen, n)
			}
		}
		if len(a.seen) >= a.maxSeen {
			// Forgetting a live nonce would let its command be replayed.
			a.refused[RefusedReplayed]++
			return refuse(RefusedReplayed, "too many commands within the window to remember")
		}
	}
	a.seen[c.Nonce] = ts
	return nil
}

// refusals returns the counts by reason.
func (a *authenticator) refusals() map[string]uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]uint64, len(a.refused))
	for k, v := range a.refused {
		out[k] = v
	}
	return out
}

// VerifyCommand checks a parsed command's signature, device and
// timestamp against the trusted keys, as the device does (without the
// nonce's freshness, which only the device can know).
func VerifyCommand(c Command, deviceID string, keys []ed25519.PublicKey) error {
	return newAuthenticator(deviceID, keys, 5*time.Minute).verify(c, time.Now())
}
